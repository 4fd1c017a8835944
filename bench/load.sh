#!/usr/bin/env bash
# Server load benchmark, driven by wrk over 127.0.0.1 only. Builds nothing.
#
#   bench/load.sh [BUILD_DIR]        (default: build; configure it with -DPASSKOOP_BUILD_BENCH=ON,
#                                     CMAKE_BUILD_TYPE=Release, and build the targets passkoopd,
#                                     passkoop-bare-verify-server and passkoop-load-fixture)
#
# In a temporary directory: makes the fixture (130 coops, 100,000 revoked pass ids, passes of
# coop 12), a cashier token (`passkoopd token create`), starts `passkoopd serve --coop 7`, the
# bare Beast verify server and the Node.js verify server on free loopback ports, then runs
#   (a) POST /v1/verify, CONNECTIONS connections, WRK_THREADS threads, DURATION s, on passkoopd,
#       on the bare server and on the Node.js cluster (node_verify_server.js, NODE_WORKERS
#       processes), taking turns in ROUNDS slices, after checking that the three give the same
#       verdict on a valid pass and on a forgery: requests/s, worst p99 of the slices, server CPU
#       per request, ratios passkoopd / bare (target >= 0.9) and passkoopd / Node.js (>= 1.8)
#   (b) durable POST /v1/visits, same settings, a unique idempotency key per request
#       (target >= 5,000/s), then kills passkoopd with SIGKILL (a crash) and checks that every
#       acknowledged (2xx) visit is in the ledger: 2xx <= rows <= requests sent, chain intact
#   (c) passkoopd memory: VmRSS / VmHWM idle after start with the bundle loaded (target < 30 MB),
#       again after IDLE_WAIT s of idling (the bundle file is re-checked every 5 s), after (a)
#       and after (b).
# Every process it starts is stopped on exit. Total time ~ 4 x (DURATION + WARMUP) + 15 s.
#
# Settings (environment): DURATION=30 WARMUP=3 CONNECTIONS=64 WRK_THREADS=2 IDLE_WAIT=12 ROUNDS=6
#   VISIT_PASSES=many|one  many (default): the visits cycle through 1000 members' passes, like a
#                          shop's visitors; one: every visit uses the single pass of pass.txt
#   NODE_WORKERS=2         processes of the Node.js cluster
#   KEEP=1                 keep the temporary directory (logs, ledger) and print its path
set -euo pipefail

BUILD=${1:-build}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DURATION=${DURATION:-30}
WARMUP=${WARMUP:-3}
VISIT_PASSES=${VISIT_PASSES:-many}
IDLE_WAIT=${IDLE_WAIT:-12}
ROUNDS=${ROUNDS:-6}
NODE_WORKERS=${NODE_WORKERS:-2}
bench_require wrk sqlite3 timeout node curl
bench_init load

echo "== fixture (in $WORK)"
make_fixture

echo "== starting passkoopd, the bare server and the Node.js cluster ($NODE_WORKERS workers)"
start_passkoopd
start_bare
start_node "$NODE_WORKERS"
echo "passkoopd on $SERVER (pid $SERVER_PID), bare server on $BARE_ADDRESS (pid $BARE_PID)," \
     "Node.js on $NODE_ADDRESS (pid $NODE_PID)"
# The three must give the same verdict on a valid pass and on a forgery before any is timed.
pass=$(head -1 "$WORK/pass.txt") forged=$(forged_text "$pass")
for text in "$pass" "$forged"; do
    codes="$(verify_code "$SERVER" "$text") $(verify_code "$BARE_ADDRESS" "$text") $(verify_code "$NODE_ADDRESS" "$text")"
    echo "verdicts passkoopd / bare / Node.js: $codes"
    case $codes in
        "valid valid valid" | "bad_signature bad_signature bad_signature") ;;
        *) echo "load.sh: the servers disagree on ${text:0:24}...: $codes" >&2; exit 1 ;;
    esac
done
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
    run_wrk warm-node "$HERE/post_verify.lua" "http://$NODE_ADDRESS" "$WARMUP" > /dev/null
fi
# The three servers take turns (ROUNDS slices of DURATION / ROUNDS seconds each), so a slow spell of
# the machine weighs on all rather than on whichever ran during it.
slice=$(( (DURATION + ROUNDS - 1) / ROUNDS ))
v_lines="" b_lines="" n_lines="" v_cpu_total=0 b_cpu_total=0 n_cpu_total=0
for ((round = 1; round <= ROUNDS; round++)); do
    c0=$(cpu_us "$SERVER_PID")
    line=$(run_wrk "verify-passkoopd-$round" "$HERE/post_verify.lua" "http://$SERVER" "$slice")
    v_cpu_total=$((v_cpu_total + $(cpu_us "$SERVER_PID") - c0)) v_lines+="$line"$'\n'
    echo "passkoopd round $round: $line"
    c0=$(cpu_us "$BARE_PID")
    line=$(run_wrk "verify-bare-$round" "$HERE/post_verify.lua" "http://$BARE_ADDRESS" "$slice")
    b_cpu_total=$((b_cpu_total + $(cpu_us "$BARE_PID") - c0)) b_lines+="$line"$'\n'
    echo "bare      round $round: $line"
    c0=$(cpu_us "$NODE_PID")
    line=$(run_wrk "verify-node-$round" "$HERE/post_verify.lua" "http://$NODE_ADDRESS" "$slice")
    n_cpu_total=$((n_cpu_total + $(cpu_us "$NODE_PID") - c0)) n_lines+="$line"$'\n'
    echo "Node.js   round $round: $line"
done
VERIFY=$(combine_results <<< "$v_lines")
BASELINE=$(combine_results <<< "$b_lines")
NODE=$(combine_results <<< "$n_lines")
v_cpu=$(awk -v c="$v_cpu_total" -v n="$(field "$VERIFY" requests)" 'BEGIN {printf "%.0f", c / n}')
b_cpu=$(awk -v c="$b_cpu_total" -v n="$(field "$BASELINE" requests)" 'BEGIN {printf "%.0f", c / n}')
n_cpu=$(awk -v c="$n_cpu_total" -v n="$(field "$NODE" requests)" 'BEGIN {printf "%.0f", c / n}')
read -r VERIFY_RSS VERIFY_HWM <<< "$(memory_of "$SERVER_PID")"
stop_process "$BARE_PID"
stop_process "$NODE_PID"

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
ROWS=$(( $(sqlite3 "$DB" "SELECT COUNT(*) FROM visits WHERE idempotency_key LIKE '$RUN_ID-%'") ))
CHAIN=$("$PASSKOOPD" --lang en ledger verify --db "$DB" 2>&1 || true)

# ---- summary ----
v_rps=$(field "$VERIFY" rps) v_p99=$(field "$VERIFY" p99_ms) v_bad=$(field "$VERIFY" non2xx)
b_rps=$(field "$BASELINE" rps) b_p99=$(field "$BASELINE" p99_ms) b_bad=$(field "$BASELINE" non2xx)
w_rps=$(field "$VISITS" rps) w_p99=$(field "$VISITS" p99_ms) w_bad=$(field "$VISITS" non2xx)
w_answered=$(field "$VISITS" requests) w_sent=$(field "$VISITS" sent)
w_ok=$((w_answered - w_bad))
n_rps=$(field "$NODE" rps) n_p99=$(field "$NODE" p99_ms) n_bad=$(field "$NODE" non2xx)
ratio=$(awk -v a="$v_rps" -v b="$b_rps" 'BEGIN {printf "%.3f", a / b}')
node_ratio=$(awk -v a="$v_rps" -v b="$n_rps" 'BEGIN {printf "%.3f", a / b}')
verdict() { if awk "BEGIN {exit !($1)}"; then echo met; else echo MISSED; fi; }
if ((w_ok <= ROWS && ROWS <= w_sent)) && [[ $CHAIN == "Chain intact"* ]]; then durable=ok; else durable=FAILED; fi

echo
echo "== Summary ($(nproc) cores shared by wrk and the servers; load average $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-44s %12s %10s %12s  %s\n' "run" "requests/s" "p99 ms" "server CPU" "notes"
printf '%-44s %12.0f %10.2f %9s us  %s\n' "verify  passkoopd" "$v_rps" "$v_p99" "$v_cpu" "non-2xx $v_bad"
printf '%-44s %12.0f %10.2f %9s us  %s\n' "verify  bare Beast server" "$b_rps" "$b_p99" "$b_cpu" "non-2xx $b_bad"
printf '%-44s %12.0f %10.2f %9s us  %s\n' "verify  Node.js cluster ($NODE_WORKERS workers)" "$n_rps" "$n_p99" "$n_cpu" "non-2xx $n_bad"
printf '%-44s %12s %10s %12s  %s\n' "ratio passkoopd / bare" "$ratio" "" "" "target >= 0.9: $(verdict "$ratio >= 0.9")"
printf '%-44s %12s %10s %12s  %s\n' "ratio passkoopd / Node.js" "$node_ratio" "" "" "target >= 1.8: $(verdict "$node_ratio >= 1.8")"
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
