#!/usr/bin/env bash
# `systemd-analyze verify` on server/passkoopd.service: no error and no warning. It runs on a copy
# whose ExecStart is the built passkoopd, since /usr/local/bin/passkoopd may not exist here.
# Usage: systemd_verify_test.sh PASSKOOPD_BINARY SOURCE_DIR
set -euo pipefail
passkoopd_bin=$(realpath "$1")
unit=$(realpath "$2")/server/passkoopd.service
command -v systemd-analyze >/dev/null || { echo "systemd-analyze missing: install the systemd package (tools/build.sh test does)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
grep -q '^ExecStart=/usr/local/bin/passkoopd ' "$unit"
sed "s#^ExecStart=/usr/local/bin/passkoopd #ExecStart=$passkoopd_bin #" "$unit" >"$work/passkoopd.service"
grep '^ExecStart=' "$work/passkoopd.service"
# systemd-analyze reports unknown keys and bad values on stderr but still exits 0: both count.
status=0
systemd-analyze verify "$work/passkoopd.service" >"$work/out" 2>&1 || status=$?
cat "$work/out"
[ "$status" = 0 ] && [ ! -s "$work/out" ] || { echo "systemd-analyze verify: exit $status, or something said above"; exit 1; }
echo "systemd-analyze verify passkoopd.service: OK"
