#!/usr/bin/env bash
# Server load benchmark, driven by wrk over 127.0.0.1 only. Builds nothing.
#
#   bench/load.sh [BUILD_DIR]        (default: build; configure it with -DPASSKOOP_BUILD_BENCH=ON,
#                                     CMAKE_BUILD_TYPE=Release, and build the targets passkoopd,
#                                     passkoop-bare-verify-server and passkoop-load-fixture)
#
# In a temporary directory: makes the fixture (130 coops, 100,000 revoked pass ids, passes of
# coop 12), a cashier token (`passkoopd token create`), starts `passkoopd serve --coop 7` and the
# bare Beast verify server on free loopback ports, then runs
#   (a) POST /v1/verify, CONNECTIONS connections, WRK_THREADS threads, DURATION s, on passkoopd
#       and on the bare server taking turns in ROUNDS slices: requests/s, worst p99 of the slices,
#       ratio passkoopd / bare   (target >= 0.8)
#   (b) durable POST /v1/visits, same settings, a unique idempotency key per request
#       (target >= 5,000/s), then kills passkoopd with SIGKILL (a crash) and checks that every
#       acknowledged (2xx) visit is in the ledger: 2xx <= rows <= requests sent, chain intact
#   (c) passkoopd memory: VmRSS / VmHWM idle after start with the bundle loaded (target < 30 MB),
#       again after IDLE_WAIT s of idling (the bundle file is re-checked every 5 s), after (a)
#       and after (b).
# Every process it starts is stopped on exit. Total time ~ 3 x (DURATION + WARMUP) + 15 s.
#
# Settings (environment): DURATION=30 WARMUP=3 CONNECTIONS=64 WRK_THREADS=2 IDLE_WAIT=12 ROUNDS=6
#   VISIT_PASSES=many|one  many (default): the visits cycle through 1000 members' passes, like a
#                          shop's visitors; one: every visit uses the single pass of pass.txt
#   KEEP=1                 keep the temporary directory (logs, ledger) and print its path
set -euo pipefail

BUILD=${1:-build}
DURATION=${DURATION:-30}
WARMUP=${WARMUP:-3}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-2}
VISIT_PASSES=${VISIT_PASSES:-many}
IDLE_WAIT=${IDLE_WAIT:-12}
ROUNDS=${ROUNDS:-6}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

PASSKOOPD=$BUILD/server/passkoopd
BARE=$BUILD/bench/passkoop-bare-verify-server
FIXTURE=$BUILD/bench/passkoop-load-fixture
for exe in "$PASSKOOPD" "$BARE" "$FIXTURE"; do
    if [[ ! -x $exe ]]; then
        echo "load.sh: $exe is missing: configure $BUILD with -DPASSKOOP_BUILD_BENCH=ON and build" \
             "passkoopd passkoop-bare-verify-server passkoop-load-fixture" >&2
        exit 2
    fi
done
for tool in wrk sqlite3 timeout; do
    command -v $tool > /dev/null || { echo "load.sh: $tool is required" >&2; exit 2; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/passkoop-load.XXXXXX")
SERVER_PID="" BARE_PID=""
cleanup() {
    local pid
    for pid in $SERVER_PID $BARE_PID; do
        kill -TERM "$pid" 2> /dev/null || true
    done
    for pid in $SERVER_PID $BARE_PID; do
        # Give each 10 s to stop cleanly, then force it.
        for _ in $(seq 100); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2> /dev/null || true
        wait "$pid" 2> /dev/null || true
    done
    if [[ ${KEEP:-0} == 1 ]]; then echo "kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits for "127.0.0.1:PORT" in a log file and prints it.
wait_for_address() {
    local log=$1 pid=$2 address=""
    for _ in $(seq 300); do
        address=$(grep -m1 -o '127\.0\.0\.1:[0-9]\+' "$log" 2> /dev/null || true)
        [[ -n $address ]] && { echo "$address"; return 0; }
        kill -0 "$pid" 2> /dev/null || break
        sleep 0.1
    done
    echo "load.sh: the server did not start; its log:" >&2
    cat "$log" >&2
    return 1
}

# CPU time (user + system) a process has used so far, in microseconds.
cpu_us() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.0f", ($14 + $15) * 1e6 / hz}' "/proc/$1/stat"; }
# CPU microseconds per answered request between two cpu_us readings and a RESULT line.
cpu_per_request() { awk -v a="$1" -v b="$2" -v n="$(field "$3" requests)" 'BEGIN {printf "%.0f", (b - a) / n}'; }

# "RSS_kB HWM_kB" of a process.
memory_of() { awk '/^VmRSS:/ {r=$2} /^VmHWM:/ {h=$2} END {print r, h}' "/proc/$1/status"; }

# Runs wrk; prints its RESULT line (the Lua done() output), keeps the full output in a file.
run_wrk() {
    local name=$1 script=$2 url=$3 seconds=$4
    timeout $((seconds + 60)) wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${seconds}s" --timeout 10s --latency \
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

echo "== fixture (in $WORK)"
"$FIXTURE" "$WORK"
DB=$WORK/ledger.db
TOKEN=$("$PASSKOOPD" --lang en token create --db "$DB" --role cashier --name load 2> /dev/null)

echo "== starting passkoopd and the bare server"
"$PASSKOOPD" --lang en serve --registry "$WORK/bundle.json" --db "$DB" --coop 7 --listen 127.0.0.1:0 \
    2> "$WORK/passkoopd.log" &
SERVER_PID=$!
"$BARE" "$WORK/coop-12.pub" --listen 127.0.0.1:0 --threads 2 > "$WORK/bare.log" 2>&1 &
BARE_PID=$!
SERVER=$(wait_for_address "$WORK/passkoopd.log" "$SERVER_PID")
BARE_ADDRESS=$(wait_for_address "$WORK/bare.log" "$BARE_PID")
echo "passkoopd on $SERVER (pid $SERVER_PID), bare server on $BARE_ADDRESS (pid $BARE_PID)"
sleep 2
read -r IDLE_RSS IDLE_HWM <<< "$(memory_of "$SERVER_PID")"
echo "passkoopd idle: VmRSS ${IDLE_RSS} kB, VmHWM ${IDLE_HWM} kB"
sleep "$IDLE_WAIT"
read -r IDLE2_RSS IDLE2_HWM <<< "$(memory_of "$SERVER_PID")"
echo "passkoopd idle after ${IDLE_WAIT} s more: VmRSS ${IDLE2_RSS} kB, VmHWM ${IDLE2_HWM} kB"

export TOKEN RUN_ID="load-$$"
echo "== (a) POST /v1/verify: $CONNECTIONS connections, $WRK_THREADS threads, ${DURATION} s each in $ROUNDS turns"
export PASS_FILE=$WORK/pass.txt
if ((WARMUP > 0)); then
    run_wrk warm-passkoopd "$HERE/post_verify.lua" "http://$SERVER" "$WARMUP" > /dev/null
    run_wrk warm-bare "$HERE/post_verify.lua" "http://$BARE_ADDRESS" "$WARMUP" > /dev/null
fi
# The two servers take turns (ROUNDS slices of DURATION / ROUNDS seconds each), so a slow spell of
# the machine weighs on both rather than on whichever ran during it.
slice=$(( (DURATION + ROUNDS - 1) / ROUNDS ))
v_lines="" b_lines="" v_cpu_total=0 b_cpu_total=0
for ((round = 1; round <= ROUNDS; round++)); do
    c0=$(cpu_us "$SERVER_PID")
    line=$(run_wrk "verify-passkoopd-$round" "$HERE/post_verify.lua" "http://$SERVER" "$slice")
    v_cpu_total=$((v_cpu_total + $(cpu_us "$SERVER_PID") - c0)) v_lines+="$line"$'\n'
    echo "passkoopd round $round: $line"
    c0=$(cpu_us "$BARE_PID")
    line=$(run_wrk "verify-bare-$round" "$HERE/post_verify.lua" "http://$BARE_ADDRESS" "$slice")
    b_cpu_total=$((b_cpu_total + $(cpu_us "$BARE_PID") - c0)) b_lines+="$line"$'\n'
    echo "bare      round $round: $line"
done
VERIFY=$(combine_results <<< "$v_lines")
BASELINE=$(combine_results <<< "$b_lines")
v_cpu=$(awk -v c="$v_cpu_total" -v n="$(field "$VERIFY" requests)" 'BEGIN {printf "%.0f", c / n}')
b_cpu=$(awk -v c="$b_cpu_total" -v n="$(field "$BASELINE" requests)" 'BEGIN {printf "%.0f", c / n}')
read -r VERIFY_RSS VERIFY_HWM <<< "$(memory_of "$SERVER_PID")"
kill -TERM "$BARE_PID" 2> /dev/null || true
wait "$BARE_PID" 2> /dev/null || true
BARE_PID=""

echo "== (b) durable POST /v1/visits: $CONNECTIONS connections, $WRK_THREADS threads, ${DURATION} s"
if [[ $VISIT_PASSES == one ]]; then export PASS_FILE=$WORK/pass.txt; else export PASS_FILE=$WORK/passes.txt; fi
if ((WARMUP > 0)); then
    RUN_ID="warm-$$" run_wrk warm-visits "$HERE/post_visits.lua" "http://$SERVER" "$WARMUP" > /dev/null
fi
ROWS_BEFORE=$(sqlite3 "file:$DB?mode=ro" "SELECT COUNT(*) FROM visits")
c0=$(cpu_us "$SERVER_PID")
VISITS=$(run_wrk visits "$HERE/post_visits.lua" "http://$SERVER" "$DURATION")
w_cpu=$(cpu_per_request "$c0" "$(cpu_us "$SERVER_PID")" "$VISITS")
echo "passkoopd : $VISITS cpu_us_per_request=$w_cpu"
read -r LOADED_RSS LOADED_HWM <<< "$(memory_of "$SERVER_PID")"
# A crash right after the load: what was acknowledged must be in the ledger.
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2> /dev/null || true
SERVER_PID=""
ROWS=$(( $(sqlite3 "$DB" "SELECT COUNT(*) FROM visits WHERE idempotency_key LIKE '$RUN_ID-%'") ))
CHAIN=$("$PASSKOOPD" --lang en ledger verify --db "$DB" 2>&1 || true)

# ---- summary ----
v_rps=$(field "$VERIFY" rps) v_p99=$(field "$VERIFY" p99_ms) v_bad=$(field "$VERIFY" non2xx)
b_rps=$(field "$BASELINE" rps) b_p99=$(field "$BASELINE" p99_ms) b_bad=$(field "$BASELINE" non2xx)
w_rps=$(field "$VISITS" rps) w_p99=$(field "$VISITS" p99_ms) w_bad=$(field "$VISITS" non2xx)
w_answered=$(field "$VISITS" requests) w_sent=$(field "$VISITS" sent)
w_ok=$((w_answered - w_bad))
ratio=$(awk -v a="$v_rps" -v b="$b_rps" 'BEGIN {printf "%.3f", a / b}')
verdict() { if awk "BEGIN {exit !($1)}"; then echo met; else echo MISSED; fi; }
if ((w_ok <= ROWS && ROWS <= w_sent)) && [[ $CHAIN == "Chain intact"* ]]; then durable=ok; else durable=FAILED; fi

echo
echo "== Summary ($(nproc) cores shared by wrk and the servers; load average $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-44s %12s %10s %12s  %s\n' "run" "requests/s" "p99 ms" "server CPU" "notes"
printf '%-44s %12.0f %10.2f %9s us  %s\n' "verify  passkoopd" "$v_rps" "$v_p99" "$v_cpu" "non-2xx $v_bad"
printf '%-44s %12.0f %10.2f %9s us  %s\n' "verify  bare Beast server" "$b_rps" "$b_p99" "$b_cpu" "non-2xx $b_bad"
printf '%-44s %12s %10s %12s  %s\n' "ratio passkoopd / bare" "$ratio" "" "" "target >= 0.8: $(verdict "$ratio >= 0.8")"
printf '%-44s %12.0f %10.2f %9s us  %s\n' "visits  passkoopd (durable, $VISIT_PASSES pass)" "$w_rps" "$w_p99" "$w_cpu" \
    "target >= 5000/s: $(verdict "$w_rps >= 5000"); non-2xx $w_bad"
printf '%-44s %12s %10s %12s  %s\n' "visits  2xx / rows after SIGKILL / sent" "$w_ok / $ROWS / $w_sent" "" "" \
    "$durable (2xx <= rows <= sent; ${CHAIN%%$'\n'*}; rows before run $ROWS_BEFORE)"
printf '%-44s %12s %10s %12s  %s\n' "passkoopd memory idle (RSS / HWM, MB)" \
    "$(awk -v r="$IDLE_RSS" -v h="$IDLE_HWM" 'BEGIN {printf "%.1f / %.1f", r / 1024, h / 1024}')" "" "" \
    "target < 30 MB: $(verdict "$IDLE_RSS < 30 * 1024")"
printf '%-44s %12s %10s %12s  %s\n' "passkoopd memory idle +${IDLE_WAIT} s (RSS / HWM, MB)" \
    "$(awk -v r="$IDLE2_RSS" -v h="$IDLE2_HWM" 'BEGIN {printf "%.1f / %.1f", r / 1024, h / 1024}')" "" "" \
    "target < 30 MB: $(verdict "$IDLE2_RSS < 30 * 1024")"
printf '%-44s %12s\n' "passkoopd memory after verify (RSS / HWM, MB)" \
    "$(awk -v r="$VERIFY_RSS" -v h="$VERIFY_HWM" 'BEGIN {printf "%.1f / %.1f", r / 1024, h / 1024}')"
printf '%-44s %12s\n' "passkoopd memory after visits (RSS / HWM, MB)" \
    "$(awk -v r="$LOADED_RSS" -v h="$LOADED_HWM" 'BEGIN {printf "%.1f / %.1f", r / 1024, h / 1024}')"
[[ $durable == ok ]]
