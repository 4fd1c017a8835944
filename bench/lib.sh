# Helpers shared by the server benchmarks (load.sh, soak.sh, results.sh): sourced, not run.
# Everything runs on 127.0.0.1 only. The caller sets BUILD (the build directory) and calls
# bench_init once; every process started with the start_* functions is stopped on exit, and the
# temporary directory WORK is removed (KEEP=1 keeps it and prints its path).
#
# Settings read from the environment: CONNECTIONS (64), WRK_THREADS (2), KEEP.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-2}
PASSKOOPD=$BUILD/server/passkoopd
BARE=$BUILD/bench/passkoop-bare-verify-server
FIXTURE=$BUILD/bench/passkoop-load-fixture
STARTED_PIDS=""

# Fails with a clear message unless the executables built from BUILD and the tools named exist.
bench_require() {
    local exe tool
    for exe in "$PASSKOOPD" "$BARE" "$FIXTURE"; do
        if [[ ! -x $exe ]]; then
            echo "$(basename "$0"): $exe is missing: configure $BUILD with -DPASSKOOP_BUILD_BENCH=ON and build" \
                 "passkoopd passkoop-bare-verify-server passkoop-load-fixture" >&2
            exit 2
        fi
    done
    for tool in "$@"; do
        command -v "$tool" > /dev/null || { echo "$(basename "$0"): $tool is required" >&2; exit 2; }
    done
}

# Makes WORK and arranges for everything to be stopped and removed on exit.
bench_init() {
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/passkoop-$1.XXXXXX")
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
}

# SIGTERM, then 10 s to stop cleanly, then SIGKILL.
stop_process() {
    local pid=$1
    [[ -z $pid ]] && return 0
    kill -TERM "$pid" 2> /dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
}

bench_cleanup() {
    local pid
    for pid in $STARTED_PIDS; do stop_process "$pid"; done
    if [[ ${KEEP:-0} == 1 ]]; then echo "kept: $WORK"; else rm -rf "$WORK"; fi
}

# Waits for "127.0.0.1:PORT" in a log file and prints it.
wait_for_address() {
    local log=$1 pid=$2 address=""
    for _ in $(seq 300); do
        address=$(grep -m1 -o '127\.0\.0\.1:[0-9]\+' "$log" 2> /dev/null || true)
        [[ -n $address ]] && { echo "$address"; return 0; }
        kill -0 "$pid" 2> /dev/null || break
        sleep 0.1
    done
    echo "$(basename "$0"): the server did not start; its log:" >&2
    cat "$log" >&2
    return 1
}

# A process and its direct children (the workers of the Node cluster).
process_tree() {
    echo "$1"
    cat /proc/"$1"/task/*/children 2> /dev/null | tr ' ' '\n' | sed '/^$/d'
}

# CPU time (user + system) a process and its direct children have used so far, in microseconds.
cpu_us() {
    local pid total=0
    for pid in $(process_tree "$1"); do
        total=$((total + $(awk -v hz="$(getconf CLK_TCK)" '{printf "%.0f", ($14 + $15) * 1e6 / hz}' "/proc/$pid/stat" 2> /dev/null || echo 0)))
    done
    echo "$total"
}
# CPU microseconds per answered request between two cpu_us readings and a RESULT line.
cpu_per_request() { awk -v a="$1" -v b="$2" -v n="$(field "$3" requests)" 'BEGIN {printf "%.0f", (n > 0 ? (b - a) / n : 0)}'; }

# "RSS_kB HWM_kB" of a process.
memory_of() { awk '/^VmRSS:/ {r=$2} /^VmHWM:/ {h=$2} END {print r, h}' "/proc/$1/status"; }

# Runs wrk; prints its RESULT line (the Lua done() output), keeps the full output in a file and,
# where /usr/bin/time exists, wrk's own CPU time in WORK/wrk-NAME.time ("WRK_CPU user system").
run_wrk() {
    local name=$1 script=$2 url=$3 seconds=$4 timer=()
    [[ -x /usr/bin/time ]] && timer=(/usr/bin/time -f 'WRK_CPU %U %S' -o "$WORK/wrk-$name.time")
    "${timer[@]}" timeout $((seconds + 60)) wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${seconds}s" --timeout 10s --latency \
        -s "$script" "$url" > "$WORK/wrk-$name.txt" 2>&1 || { cat "$WORK/wrk-$name.txt" >&2; return 1; }
    grep -m1 '^RESULT ' "$WORK/wrk-$name.txt"
}

# One RESULT line from several (stdin): requests, seconds and errors summed, the worst p99.
combine_results() {
    awk '/^RESULT / {
            for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
            requests += v["requests"]; seconds += v["seconds"]; non2xx += v["non2xx"]
            if (v["p99_ms"] > p99) p99 = v["p99_ms"]
         }
         END { printf "RESULT requests=%d seconds=%.3f rps=%.1f p99_ms=%.3f non2xx=%d\n", requests, seconds, requests / seconds, p99, non2xx }'
}

# The value of key=VALUE in a RESULT line.
field() { tr ' ' '\n' <<< "$1" | sed -n "s/^$2=//p"; }

# Socket errors of a RESULT line (connect + read + write + timeout).
socket_errors() {
    echo $(( $(field "$1" connect) + $(field "$1" read) + $(field "$1" write) + $(field "$1" timeout) ))
}

# The fixture (130 coops, 100,000 revocations, passes of coop 12) in WORK, the ledger path DB and a
# cashier TOKEN.
make_fixture() {
    "$FIXTURE" "$WORK" "$@"
    DB=$WORK/ledger.db
    TOKEN=$("$PASSKOOPD" --lang en token create --db "$DB" --role cashier --name load 2> /dev/null)
    export TOKEN
}

# passkoopd serve --coop 7 on a free port: SERVER_PID, SERVER (HOST:PORT).
start_passkoopd() {
    "$PASSKOOPD" --lang en serve --registry "$WORK/bundle.json" --db "$DB" --coop 7 --listen 127.0.0.1:0 \
        2> "$WORK/passkoopd.log" &
    SERVER_PID=$!
    STARTED_PIDS+=" $SERVER_PID"
    SERVER=$(wait_for_address "$WORK/passkoopd.log" "$SERVER_PID")
}

# The bare Beast verify server (2 threads): BARE_PID, BARE_ADDRESS.
start_bare() {
    "$BARE" "$WORK/coop-12.pub" --listen 127.0.0.1:0 --threads 2 > "$WORK/bare.log" 2>&1 &
    BARE_PID=$!
    STARTED_PIDS+=" $BARE_PID"
    BARE_ADDRESS=$(wait_for_address "$WORK/bare.log" "$BARE_PID")
}

# The Node.js verify server as a cluster of WORKERS (default 2): NODE_PID (the primary), NODE_ADDRESS.
start_node() {
    node "$HERE/node_verify_server.js" "$WORK/coop-12.pub" --listen 127.0.0.1:0 --workers "${1:-2}" \
        > "$WORK/node.log" 2>&1 &
    NODE_PID=$!
    STARTED_PIDS+=" $NODE_PID"
    NODE_ADDRESS=$(wait_for_address "$WORK/node.log" "$NODE_PID")
}

# The "code" a verify endpoint answers for a pass text.
verify_code() {
    local address=$1 text=$2
    curl -s --max-time 5 -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
        --data "{\"pass\": \"$text\"}" "http://$address/v1/verify" | sed -n 's/.*"code":"\([a-z_]*\)".*/\1/p'
}

# A forgery of a pass text: one signature digit lowered (the chunk stays in range, so the text still
# decodes and only the signature check can refuse it).
forged_text() {
    local text=$1 i
    for ((i = ${#text} - 20; i > 2; i--)); do
        if [[ ${text:i:1} != 0 ]]; then
            echo "${text:0:i}$((${text:i:1} - 1))${text:i+1}"
            return 0
        fi
    done
    return 1
}
