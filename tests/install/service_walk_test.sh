#!/usr/bin/env bash
# Walks the README's "Install as a service" section as written, where systemd is absent: the
# commands of its blocks run in a scratch root ($root/etc, $root/var/lib, $root/usr/local/bin),
# `sudo -u passkoop` becomes setpriv to an unused uid and gid (the `passkoop` user), and
# `systemctl enable --now` starts the unit's ExecStart as the unit says (its User, UMask,
# StateDirectory, WorkingDirectory). The certificate is signed by a test CA made here. Ends with
# the cashier page, a scan and a visit over HTTPS on 127.0.0.1, trusted through the CA only.
# Needs root (setpriv, file owners): otherwise exits 77, which CTest reports as skipped.
# Usage: service_walk_test.sh PASSKOOPD_BINARY SOURCE_DIR
set -euo pipefail
passkoopd_bin=$(realpath "$1")
source_dir=$(realpath "$2")
if [ "$(id -u)" != 0 ]; then
    echo "SKIP: the service install walk needs root (it runs passkoopd as another user with setpriv)"
    exit 77
fi
for tool in setpriv openssl curl python3; do
    command -v "$tool" >/dev/null || { echo "missing $tool (tools/build.sh test installs it)"; exit 1; }
done

work=$(mktemp -d)
demo_pid="" service_pid=""
cleanup() {
    set +e
    [ -n "$demo_pid" ] && kill "$demo_pid" 2>/dev/null && wait "$demo_pid"
    if [ -n "$service_pid" ] && kill "$service_pid" 2>/dev/null; then
        # Not this shell's child: wait for it to stop before removing its files.
        for _ in $(seq 100); do kill -0 "$service_pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -rf "$work"
}
trap cleanup EXIT
# The service's user must reach its directories through this one.
chmod 0755 "$work"
root=$work/root
mkdir -p "$root/etc/systemd/system" "$root/var/lib" "$root/usr/local/bin" "$work/src/build/server"

# An unused uid and gid stand for the `passkoop` user that useradd would make.
uid=61000
while getent passwd "$uid" >/dev/null || getent group "$uid" >/dev/null; do uid=$((uid + 1)); done
gid=$uid
echo "=== the passkoop user: uid $uid, gid $gid"

# The code block after "<!-- README test: NAME -->", whatever its language.
block() {
    awk -v marker="<!-- README test: $1 -->" '
        $0 == marker { found = 1; next }
        found && /^```/ && !inside { inside = 1; next }
        inside && /^```$/ { exit }
        inside { print }' "$source_dir/README.md"
}
# The README's absolute paths, moved into the scratch root.
moved() { sed -e "s#/etc/#$root/etc/#g" -e "s#/var/lib/#$root/var/lib/#g" -e "s#/usr/local/bin/#$root/usr/local/bin/#g"; }

# The network's files: those of a demo network (its bundle, its first registry version, a valid
# pass of a partner coop, the host coop's number).
echo "=== a network: passkoopd demo's"
"$passkoopd_bin" demo --dir "$work/network" --listen 127.0.0.1:0 >"$work/demo.out" 2>"$work/demo.err" &
demo_pid=$!
for _ in $(seq 200); do grep -q "://127.0.0.1:" "$work/demo.err" && break; sleep 0.1; done
kill "$demo_pid"; wait "$demo_pid" || true; demo_pid=""
cd "$work/src"
cp "$work/network/bundle.json" bundle.json
cp "$work/network/registry.json" registry-v1.json
coop=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["host_coop"]["number"])' "$work/network/passes.json")
pass=$(cat "$work/network/valid-pass.txt")

echo "=== a test CA, and the server's certificate it signs for 127.0.0.1"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=Pass'Koop test CA" \
    -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
    -keyout key.pem -out "$work/server.csr" 2>/dev/null
printf 'subjectAltName = IP:127.0.0.1, DNS:localhost\nbasicConstraints = CA:FALSE\nextendedKeyUsage = serverAuth\n' >"$work/server.ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
    -extfile "$work/server.ext" -out cert.pem 2>/dev/null

echo "=== passkoopd.conf, from the README (the demo network's coop; any free port on 127.0.0.1)"
conf=$(block install-conf)
[ -n "$conf" ] || { echo "README block install-conf not found"; exit 1; }
printf '%s\n' "$conf" | moved | sed -e "s/^coop = .*/coop = $coop/" -e "s/^listen = .*/listen = 127.0.0.1:0/" >passkoopd.conf
cat passkoopd.conf

# The source folder, as the README's commands expect it.
ln -s "$passkoopd_bin" build/server/passkoopd
mkdir server
cp "$source_dir/server/passkoopd.service" server/

# What stands in for the commands of a machine with systemd and the passkoop user.
cat >"$work/stand-ins.sh" <<EOF
useradd() { echo "(useradd \$*: uid $uid, gid $gid stand for passkoop)" >&2; }
sudo() {
    if [ "\$1" = -u ]; then
        [ "\$2" = passkoop ] || { echo "sudo -u \$2: unknown user"; return 1; }
        shift 2
        setpriv --reuid=$uid --regid=$gid --clear-groups "\$@"
    else
        "\$@"
    fi
}
install() {
    local args=()
    for a in "\$@"; do [ "\$a" = passkoop ] && args+=($uid) || args+=("\$a"); done
    command install "\${args[@]}"
}
systemctl() {
    case "\$*" in
        daemon-reload) ;;
        "enable --now passkoopd") bash "$work/start-unit.sh" "$root/etc/systemd/system/passkoopd.service" ;;
        *) echo "systemctl \$*: not expected here"; return 1 ;;
    esac
}
EOF

# systemctl start, for this unit: its state directory made as systemd makes it, then ExecStart
# as User/Group with the unit's UMask, in its WorkingDirectory, in the background.
cat >"$work/start-unit.sh" <<EOF
set -euo pipefail
unit=\$1
key() { sed -n "s/^\$1=//p" "\$unit" | tail -1; }
[ "\$(key User)" = passkoop ] && [ "\$(key Group)" = passkoop ] || { echo "the unit's user is not passkoop"; exit 1; }
state="$root/var/lib/\$(key StateDirectory)"
command install -d -o $uid -g $gid -m "\$(key StateDirectoryMode)" "\$state"
chown $uid:$gid "\$state"
chmod "\$(key StateDirectoryMode)" "\$state"
cd "\$(key WorkingDirectory | sed -e "s#^/var/lib/#$root/var/lib/#")"
umask "\$(key UMask)"
exec_start=\$(key ExecStart | sed -e "s#/etc/#$root/etc/#g" -e "s#/usr/local/bin/#$root/usr/local/bin/#g")
setpriv --reuid=$uid --regid=$gid --clear-groups --no-new-privs \$exec_start >"$work/service.log" 2>&1 &
echo \$! >"$work/service.pid"
EOF

echo "=== the README's install commands"
script=$(block install)
[ -n "$script" ] || { echo "README block install not found"; exit 1; }
# sudo and the paths as the stand-ins take them; passkoopd from /usr/local/bin, as sudo's PATH has it.
printf '%s\n' "$script" | moved >"$work/install.sh"
# Each line is shown (on stderr), then run; the tokens come out on stdout.
PATH="$root/usr/local/bin:$PATH" bash -euo pipefail -c "source '$work/stand-ins.sh'
    while IFS= read -r line; do echo \"\\\$ \$line\" >&2; eval \"\$line\" </dev/null; done <'$work/install.sh'" >"$work/install.out"
cat "$work/install.out"
service_pid=$(cat "$work/service.pid")
cashier=$(sed -n 1p "$work/install.out")
manager=$(sed -n 2p "$work/install.out")
[[ $cashier == pkt_* && $manager == pkt_* ]] || { echo "no tokens printed"; exit 1; }

port=""
for _ in $(seq 200); do
    port=$(sed -n 's#.*https://127\.0\.0\.1:\([0-9]*\).*#\1#p' "$work/service.log" | head -1)
    [ -n "$port" ] && break
    kill -0 "$service_pid" 2>/dev/null || break
    sleep 0.1
done
echo "=== the service's log"
cat "$work/service.log"
[ -n "$port" ] || { echo "passkoopd did not start"; exit 1; }

echo "=== what the service owns: its state directory 0700, its files 0600, all the passkoop user's"
state=$root/var/lib/passkoop
ls -la "$state"
check_owner_mode() {
    local got
    got=$(stat -c '%u:%g %a' "$1")
    [ "$got" = "$uid:$gid $2" ] || { echo "$1: $got, expected $uid:$gid $2"; exit 1; }
}
check_owner_mode "$state" 700
check_owner_mode "$state/visiteurs.db" 600
check_owner_mode "$state/visiteurs.db.secret" 600
[ "$(stat -c '%u:%g' "/proc/$service_pid")" = "$uid:$gid" ] || { echo "passkoopd does not run as the passkoop user"; exit 1; }

echo "=== the cashier page over HTTPS, trusted through the test CA"
curl -sS --fail --cacert "$work/ca.pem" "https://127.0.0.1:$port/" -o "$work/page.html"
grep -q "<html" "$work/page.html"
grep -o "<title>[^<]*</title>" "$work/page.html"

echo "=== a scan and a visit over HTTPS with the cashier's token"
curl -sS --fail --cacert "$work/ca.pem" -H "Authorization: Bearer $cashier" \
    -d "{\"pass\": \"$pass\"}" "https://127.0.0.1:$port/v1/verify" | tee "$work/verify.json"
echo
grep -q '"decision":"allowed"' "$work/verify.json"
status=$(curl -sS --cacert "$work/ca.pem" -H "Authorization: Bearer $cashier" -o "$work/visit.json" -w '%{http_code}' \
    -d "{\"pass\": \"$pass\", \"amount_cents\": 1250, \"idempotency_key\": \"ticket-1\"}" "https://127.0.0.1:$port/v1/visits")
cat "$work/visit.json"
echo
[ "$status" = 201 ] || { echo "visit: HTTP $status"; exit 1; }

echo "=== a client without the CA is refused"
set +e
curl -sS "https://127.0.0.1:$port/" -o /dev/null 2>"$work/untrusted.err"
untrusted=$?
set -e
cat "$work/untrusted.err"
[ "$untrusted" = 60 ] || { echo "curl without the CA: exit $untrusted, expected 60 (certificate not trusted)"; exit 1; }

echo "service install walk: OK"
