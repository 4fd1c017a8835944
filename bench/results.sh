#!/usr/bin/env bash
# Regenerates bench/RESULTS.md: every performance figure of Pass'Koop against its goal, measured
# side by side in one run on this machine, 127.0.0.1 only. Builds nothing; about 8 minutes.
#
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DPASSKOOP_BUILD_BENCH=ON
#   cmake --build build-bench -j2 --target passkoopd passkoop-bench passkoop-bare-verify-server \
#       passkoop-load-fixture passkoop-sqlite-ceiling passkoop-cli
#   bench/results.sh [BUILD_DIR]            (default build-bench)
#
# What it runs (each figure is the median of RUNS runs, with the smallest and largest):
#   1. passkoop-bench: raw crypto_sign_verify_detached vs verify_pass (paired), load_bundle of 130
#      coops / 100,000 revocations, BENCH_REPETITIONS repetitions;
#   2. the load.sh servers (passkoopd, the bare Beast server, the Node.js cluster of 2 workers and a
#      single Node.js process) answering POST /v1/verify, and passkoopd's durable POST /v1/visits for
#      1000 visitors and for one visitor, all taking turns in RUNS rounds of SLICE seconds, with the
#      CPU each server and wrk used; then passkoopd is killed with SIGKILL and the ledger checked;
#   3. passkoop-sqlite-ceiling: SQLite's inserts into the same ledger schema, one transaction per
#      row and batched, SQLITE_SECONDS per mode;
#   4. bench/issue_batch.sh for 1000 members, CARD_RUNS times;
#   5. perf profiles (when `perf` works) of passkoopd and the bare server under load, and of the
#      library benchmark, for the paragraphs on what limits each figure;
# and copies the summary of the last soak test (bench/soak.tsv, written by bench/soak.sh).
#
# Settings (environment): RUNS=5 SLICE=5 BENCH_REPETITIONS=5 SQLITE_SECONDS=3 CARD_RUNS=3 (also the till's runs)
#   TILL_SYNCED=10000
#   CONNECTIONS=64 WRK_THREADS=2 OUT=bench/RESULTS.md KEEP=1
set -euo pipefail

BUILD=${1:-build-bench}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
RUNS=${RUNS:-5}
SLICE=${SLICE:-5}
BENCH_REPETITIONS=${BENCH_REPETITIONS:-5}
SQLITE_SECONDS=${SQLITE_SECONDS:-3}
CARD_RUNS=${CARD_RUNS:-3}
TILL_SYNCED=${TILL_SYNCED:-10000}
OUT=${OUT:-$HERE/RESULTS.md}
BENCH=$BUILD/bench/passkoop-bench
CEILING=$BUILD/bench/passkoop-sqlite-ceiling
bench_require wrk sqlite3 timeout node curl /usr/bin/time
for exe in "$BENCH" "$CEILING" "$BUILD/tools/passkoop"; do
    [[ -x $exe ]] || { echo "results.sh: $exe is missing: build the targets listed at the top of $0" >&2; exit 2; }
done
bench_init results
PERF=0
if command -v perf > /dev/null && perf record -q -e cpu-clock -o "$WORK/perf.check" -- true > /dev/null 2>&1; then PERF=1; fi

# "median min max" of numbers on stdin.
stats() { sort -g | awk '{v[NR] = $1} END {if (NR == 0) {print "0 0 0"; exit} m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m, v[1], v[NR]}'; }
# "median (min–max)" with a printf format for each number.
spread() { read -r m lo hi; printf "$1 ($1–$1)" "$m" "$lo" "$hi"; }
verdict() { if awk "BEGIN {exit !($1)}"; then echo "**met**"; else echo "**missed**"; fi; }
# perf's top entries (by shared object, or by symbol) of a profile, as an indented text block.
perf_top() {
    perf report -i "$1" --stdio --no-children --sort "$2" --percent-limit "${3:-2}" 2> /dev/null \
        | grep -v '^#' | sed '/^\s*$/d' | head -"${4:-10}" \
        | sed -E 's/^\s*/    /; s/nlohmann::json_abi_v[0-9_]+::/nlohmann::/g; s/std::__cxx11::/std::/g; s/\s+$//' \
        | awk '{print (length($0) > 110 ? substr($0, 1, 109) "…" : $0)}'
}
# Records passkoopd-like process PID for SECONDS while wrk loads it; the profile goes to FILE.
perf_during() {
    local pid=$1 file=$2 script=$3 address=$4
    perf record -q -e cpu-clock -F 1999 -p "$pid" -o "$file" -- sleep "$SLICE" > /dev/null 2>&1 &
    local perf_pid=$!
    run_wrk "perf-$(basename "$file")" "$script" "http://$address" "$SLICE" > /dev/null
    wait "$perf_pid" || true
}

# Share of the CPUs idle over 5 s just before the start (/proc/stat): whether other work ran.
idle_before() {
    local a b
    a=$(head -n 1 /proc/stat); sleep 5; b=$(head -n 1 /proc/stat)
    awk -v a="$a" -v b="$b" 'BEGIN {n = split(a, x); split(b, y); for (i = 2; i <= n; i++) t += y[i] - x[i];
        printf "%.0f", (t > 0 ? 100 * ((y[5] - x[5]) + (y[6] - x[6])) / t : 0)}'
}
idle_start=$(idle_before)
started=$(date -u '+%Y-%m-%d %H:%M UTC')
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
cpu_model=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)
echo "== $started, $(nproc) cores ($cpu_model), load average $load_start"

# ---- 1. library: raw signature check vs full verify, bundle load ----
echo "== 1. passkoop-bench ($BENCH_REPETITIONS repetitions)"
bench_cmd="$BENCH --benchmark_filter='BM_PairedRawVsFull|BM_LoadBundle\$' --benchmark_repetitions=$BENCH_REPETITIONS --benchmark_format=json"
"$BENCH" --benchmark_filter='BM_PairedRawVsFull|BM_LoadBundle$' --benchmark_repetitions="$BENCH_REPETITIONS" \
    --benchmark_format=json > "$WORK/bench.json" 2> "$WORK/bench.log"
# One line per repetition: "paired RAW_NS FULL_NS RATIO" or "load MS".
node -e '
    const runs = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).benchmarks.filter((b) => b.run_type === "iteration");
    for (const b of runs) {
        if (b.name.startsWith("BM_PairedRawVsFull")) console.log("paired", b.raw_ns, b.full_ns, b.ratio);
        else if (b.name.startsWith("BM_LoadBundle")) console.log("load", b.real_time * { ns: 1e-6, us: 1e-3, ms: 1, s: 1e3 }[b.time_unit]);
    }' "$WORK/bench.json" > "$WORK/bench.txt"
raw_us=$(awk '$1 == "paired" {print $2 / 1000}' "$WORK/bench.txt" | stats)
full_us=$(awk '$1 == "paired" {print $3 / 1000}' "$WORK/bench.txt" | stats)
lib_ratio=$(awk '$1 == "paired" {print $4}' "$WORK/bench.txt" | stats)
load_ms=$(awk '$1 == "load" {print $2}' "$WORK/bench.txt" | stats)
echo "raw $raw_us us, full $full_us us, ratio $lib_ratio, load $load_ms ms"
if ((PERF)); then
    # A long run, so that building the network before timing weighs little in the profile.
    perf record -q -e cpu-clock -F 1999 -o "$WORK/perf-verify-lib" -- "$BENCH" --benchmark_filter='BM_FullVerify' \
        --benchmark_min_time=5 > /dev/null 2>&1 || true
    perf record -q -e cpu-clock -F 1999 -o "$WORK/perf-load" -- "$BENCH" --benchmark_filter='BM_LoadBundle$' \
        > /dev/null 2>&1 || true
fi

# ---- 2. servers ----
echo "== 2. servers: $RUNS rounds of $SLICE s per run"
make_fixture
start_passkoopd
# Memory with the bundle loaded, before any request (the bundle file is re-checked every 5 s).
sleep 6
read -r idle_rss idle_hwm <<< "$(memory_of "$SERVER_PID")"
start_bare
start_node 2
NODE2_PID=$NODE_PID NODE2_ADDRESS=$NODE_ADDRESS
mv "$WORK/node.log" "$WORK/node2.log"
start_node 1
NODE1_PID=$NODE_PID NODE1_ADDRESS=$NODE_ADDRESS
pass=$(head -1 "$WORK/pass.txt") forged=$(forged_text "$pass")
verdicts=""
for text in "$pass" "$forged"; do
    codes="$(verify_code "$SERVER" "$text") $(verify_code "$BARE_ADDRESS" "$text") $(verify_code "$NODE2_ADDRESS" "$text") $(verify_code "$NODE1_ADDRESS" "$text")"
    verdicts+="${verdicts:+; }$codes"
    case $codes in
        "valid valid valid valid" | "bad_signature bad_signature bad_signature bad_signature") ;;
        *) echo "results.sh: the servers disagree: $codes" >&2; exit 1 ;;
    esac
done
echo "verdicts (passkoopd, bare, Node.js x2, Node.js x1) on a valid pass and a forgery: $verdicts"

# Every verify run scans a pass of the 1000 members (not the frequent visitor's, whose history the
# "one" visits runs grow): passes.txt's first line.
verify_pass_file=$WORK/verify-pass.txt
head -1 "$WORK/passes.txt" > "$verify_pass_file"
# One timed slice: wrk against ADDRESS, CPU of PID and of wrk; appends "NAME ROUND rps p50 p99
# server_us wrk_us non2xx errors requests" to runs.txt.
slice_run() {
    local name=$1 round=$2 pid=$3 address=$4 script=$5 passes=$6 c0 c1 line
    c0=$(cpu_us "$pid")
    line=$(PASS_FILE=$passes RUN_ID="results-$$-$name-$round" run_wrk "$name-$round" "$script" "http://$address" "$SLICE")
    c1=$(cpu_us "$pid")
    local wrk_us n
    n=$(field "$line" requests)
    wrk_us=$(awk -v n="$n" '/^WRK_CPU/ {printf "%.1f", (n > 0 ? ($2 + $3) * 1e6 / n : 0)}' "$WORK/wrk-$name-$round.time")
    printf '%s %d %s %s %s %s %s %s %s %s\n' "$name" "$round" "$(field "$line" rps)" "$(field "$line" p50_ms)" \
        "$(field "$line" p99_ms)" "$(awk -v a="$c0" -v b="$c1" -v n="$n" 'BEGIN {printf "%.1f", (n > 0 ? (b - a) / n : 0)}')" \
        "$wrk_us" "$(field "$line" non2xx)" "$(socket_errors "$line")" "$n" >> "$WORK/runs.txt"
    echo "  $name round $round: $line"
}
export TOKEN
export PASS_FILE=$verify_pass_file
for address in "$SERVER" "$BARE_ADDRESS" "$NODE2_ADDRESS" "$NODE1_ADDRESS"; do
    run_wrk "warm-${address##*:}" "$HERE/post_verify.lua" "http://$address" 2 > /dev/null
done
: > "$WORK/runs.txt"
one_history=""
for ((round = 1; round <= RUNS; round++)); do
    slice_run verify-passkoopd "$round" "$SERVER_PID" "$SERVER" "$HERE/post_verify.lua" "$verify_pass_file"
    slice_run verify-bare "$round" "$BARE_PID" "$BARE_ADDRESS" "$HERE/post_verify.lua" "$verify_pass_file"
    slice_run verify-node2 "$round" "$NODE2_PID" "$NODE2_ADDRESS" "$HERE/post_verify.lua" "$verify_pass_file"
    slice_run verify-node1 "$round" "$NODE1_PID" "$NODE1_ADDRESS" "$HERE/post_verify.lua" "$verify_pass_file"
    slice_run visits-many "$round" "$SERVER_PID" "$SERVER" "$HERE/post_visits.lua" "$WORK/passes.txt"
    # The frequent visitor's history before this run: every visit recorded with pass.txt so far.
    one_history+="$(awk '$1 == "visits-one" {s += $10 - $8} END {printf "%d", s}' "$WORK/runs.txt") "
    slice_run visits-one "$round" "$SERVER_PID" "$SERVER" "$HERE/post_visits.lua" "$WORK/pass.txt"
done
if ((PERF)); then
    echo "== perf profiles under load"
    PASS_FILE=$verify_pass_file perf_during "$SERVER_PID" "$WORK/perf-verify-passkoopd" "$HERE/post_verify.lua" "$SERVER"
    PASS_FILE=$verify_pass_file perf_during "$BARE_PID" "$WORK/perf-verify-bare" "$HERE/post_verify.lua" "$BARE_ADDRESS"
    PASS_FILE=$WORK/passes.txt RUN_ID="perf-many-$$" perf_during "$SERVER_PID" "$WORK/perf-visits-many" "$HERE/post_visits.lua" "$SERVER"
    PASS_FILE=$WORK/pass.txt RUN_ID="perf-one-$$" perf_during "$SERVER_PID" "$WORK/perf-visits-one" "$HERE/post_visits.lua" "$SERVER"
fi
# A crash after the load: every acknowledged visit must be in the ledger, the chain intact.
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2> /dev/null || true
acknowledged=$(awk '$1 ~ /^visits-/ {s += $10 - $8} END {printf "%d", s}' "$WORK/runs.txt")
rows=$(sqlite3 "file:$DB?mode=ro" "SELECT COUNT(*) FROM visits WHERE idempotency_key LIKE 'results-$$-%'")
one_rows=$(sqlite3 "file:$DB?mode=ro" "SELECT COUNT(*) FROM visits WHERE idempotency_key LIKE 'results-$$-visits-one-%'")
chain=$("$PASSKOOPD" --lang en ledger verify --db "$DB" 2>&1 | head -1 || true)
if ((acknowledged <= rows)) && [[ $chain == "Chain intact"* ]]; then durable="every acknowledged visit is in the ledger ($acknowledged acknowledged, $rows rows), $chain"
else durable="**FAILED**: $acknowledged acknowledged, $rows rows, $chain"; fi
echo "durability: $durable"

# Column COL (3 rps, 4 p50, 5 p99, 6 server µs, 7 wrk µs) of the runs named NAME: "median min max".
col() { awk -v n="$1" -v c="$2" '$1 == n {print $c}' "$WORK/runs.txt" | stats; }
# The per-round ratio of column COL between two runs: "median min max".
ratio_col() { awk -v a="$1" -v b="$2" -v c="$3" '$1 == a {x[$2] = $c} $1 == b {y[$2] = $c} END {for (r in x) if (y[r] > 0) print x[r] / y[r]}' "$WORK/runs.txt" | stats; }
errors_total=$(awk '{s += $8 + $9} END {print s + 0}' "$WORK/runs.txt")

# ---- 3. SQLite's ceiling ----
echo "== 3. SQLite ceiling ($SQLITE_SECONDS s per mode, $RUNS runs)"
"$PASSKOOPD" --lang en token create --db "$WORK/ceiling.db" --role cashier --name ceiling > /dev/null 2>&1
: > "$WORK/ceiling.txt"
for ((run = 1; run <= RUNS; run++)); do "$CEILING" "$WORK/ceiling.db" "$SQLITE_SECONDS" 64 1000 | tee -a "$WORK/ceiling.txt"; done
ceiling() { grep " mode=$1 " "$WORK/ceiling.txt" | while read -r line; do field "$line" rps; done | stats; }

# ---- 4. cards ----
echo "== 4. cards: bench/issue_batch.sh for 1000 members, $CARD_RUNS runs"
: > "$WORK/cards.txt"
for ((run = 1; run <= CARD_RUNS; run++)); do
    "$HERE/issue_batch.sh" "$BUILD" 1000 > "$WORK/cards-$run.txt" 2>&1
    # "wall_s cpu_s"
    awk '/Elapsed \(wall clock\)/ {n = split($NF, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i]}
         /User time/ {u = $NF} /System time/ {s = $NF}
         END {printf "%.2f %.2f\n", w, u + s}' "$WORK/cards-$run.txt" | tee -a "$WORK/cards.txt"
done
cards_wall=$(awk '{print $1}' "$WORK/cards.txt" | stats)
cards_cpu=$(awk '{print $2}' "$WORK/cards.txt" | stats)

# ---- 5. till ----
echo "== 5. till: passkoop-till-bench 2000 $TILL_SYNCED, $CARD_RUNS runs"
: > "$WORK/till.txt"
for ((run = 1; run <= CARD_RUNS; run++)); do
    # "p50_ms p99_ms sync_ms", from its two result lines
    "$BUILD/bench/passkoop-till-bench" 2000 "$TILL_SYNCED" | tee "$WORK/till-$run.txt" |
        awk '/verify \+ record/ {for (i = 1; i <= NF; i++) {if ($i == "p50" && p50 == "") p50 = $(i + 1); if ($i == "p99" && p99 == "") p99 = $(i + 1)}}
             /^sync of/ {for (i = 1; i <= NF; i++) if ($i == "ms,") sync = $(i - 1)}
             END {printf "%s %s %s\n", p50, p99, sync}' | tee -a "$WORK/till.txt"
done
till_p50=$(awk '{print $1}' "$WORK/till.txt" | stats)
till_p99=$(awk '{print $2}' "$WORK/till.txt" | stats)
till_sync=$(awk '{print $3}' "$WORK/till.txt" | stats)
# One synchronous 4 KiB write on this disk: the floor of any durable record.
fsync_ms=$(dd if=/dev/zero of="$WORK/dsync.bin" bs=4k count=200 oflag=dsync 2>&1 |
    awk '/copied/ {for (i = 1; i <= NF; i++) if ($i == "s,") printf "%.2f", $(i - 1) * 1000 / 200}')
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
finished=$(date -u '+%H:%M UTC')

# ---- the report ----
median() { cut -d' ' -f1 <<< "$1"; }
v_rps=$(col verify-passkoopd 3) b_rps=$(col verify-bare 3) n2_rps=$(col verify-node2 3) n1_rps=$(col verify-node1 3)
m_rps=$(col visits-many 3) o_rps=$(col visits-one 3)
r_bare=$(ratio_col verify-passkoopd verify-bare 3) r_node2=$(ratio_col verify-passkoopd verify-node2 3)
r_node1=$(ratio_col verify-passkoopd verify-node1 3) r_visits=$(ratio_col visits-many verify-passkoopd 3)
r_one=$(ratio_col visits-one visits-many 3)
# Flat as the history grows: the frequent visitor's last round against its first (history 0).
flat_one=$(awk '$1 == "visits-one" {x[$2] = $3; if ($2 > n) n = $2} END {if (x[1] > 0) printf "%.2f", x[n] / x[1]; else print 0}' "$WORK/runs.txt")
# CPU ratios: the other server's CPU per request over passkoopd's (higher is better for passkoopd).
c_bare=$(ratio_col verify-bare verify-passkoopd 6) c_node2=$(ratio_col verify-node2 verify-passkoopd 6)
row() { local out='|' cell; for cell in "$@"; do out+=" $cell |"; done; echo "$out"; }
soak_summary=$(sed -n 's/^# //p' "$HERE/soak.tsv" 2> /dev/null | tail -n +3 || true)
soak_header=$(sed -n '1s/^# //p' "$HERE/soak.tsv" 2> /dev/null || true)
soak_rows=$(grep -cv '^#\|^t_s' "$HERE/soak.tsv" 2> /dev/null || true)
soak_cell=""
if [[ -n $soak_summary ]]; then
    soak_cell="$(sed -n 's/.*error answers \([0-9]*\).*/\1 error answers/p' <<< "$soak_summary"), RSS $(sed -n 's/.*in the last minute: \([A-Z a-z]*\) (.*/\1/p' <<< "$soak_summary")"
    # passkoopd's CPU per request in the first minute after warm-up and in the last minute.
    soak_cpu=$(awk -F"\t" '/^# MINUTES=/ {match($0, /WARMUP=[0-9]+/); w = substr($0, RSTART + 7, RLENGTH - 7)}
        /^#/ || $1 == "t_s" {next} {n++; t[n] = $1; c[n] = $10}
        END {for (i = 1; i <= n; i++) { if (t[i] > w && t[i] <= w + 60) {a += c[i]; na++} if (t[i] > t[n] - 60) {b += c[i]; nb++} }
             if (na && nb) printf "%.0f µs in the first minute after warm-up, %.0f µs in the last minute", a / na, b / nb}' "$HERE/soak.tsv")
fi

{
cat << EOF
# Pass'Koop: performance against its goals

$(if ((idle_start >= 90)); then cat << HEAD
> Generated by \`bench/results.sh $BUILD\` on $started (finished $finished), on a $(nproc)-core VM
> ($cpu_model) otherwise idle: $idle_start % of the CPU time idle in the 5 s before the start; load average
> $load_start at the start, $load_end at the end (this script alone keeps it near 2–3: wrk and a server fill both cores).
HEAD
else cat << HEAD
> **Indicative figures.** Generated by \`bench/results.sh $BUILD\` on $started (finished $finished), on a
> $(nproc)-core VM ($cpu_model) **shared with other work at the time** (only $idle_start % of the CPU time idle in the
> 5 s before the start): load average $load_start at the start, $load_end at the end (this script alone keeps it
> near 2–3: wrk and a server fill both cores). Other processes take CPU from the servers, from wrk and from the
> benchmarks at random moments, so absolute figures are low and spread wide; ratios measured side by side in the
> same rounds, and CPU time per request, suffer less. Run it on an idle machine for figures to quote.
HEAD
fi)

Each figure is the median of $RUNS runs (library: $BENCH_REPETITIONS repetitions; cards: $CARD_RUNS runs), with the smallest
and the largest in parentheses. Build: Release, \`$BUILD\`.

## Summary

| Figure | Goal | Measured: median (min–max) | |
|---|---|---|---|
$(row "library \`verify_pass\` / raw \`crypto_sign_verify_detached\` (paired)" "≤ 1.05×" "$(spread %.3f <<< "$lib_ratio")" "$(verdict "$(median "$lib_ratio") <= 1.05")")
$(row "server verify: passkoopd / bare Beast handler (req/s, same rounds)" "≥ 0.9×" "$(spread %.2f <<< "$r_bare")" "$(verdict "$(median "$r_bare") >= 0.9")")
$(row "… the same by server CPU per request (bare / passkoopd)" "≥ 0.9×" "$(spread %.2f <<< "$c_bare")" "$(verdict "$(median "$c_bare") >= 0.9")")
$(row "server verify: passkoopd / Node.js cluster, 2 workers" "≥ 1.8×" "$(spread %.2f <<< "$r_node2")" "$(verdict "$(median "$r_node2") >= 1.8")")
$(row "… the same by server CPU per request (Node.js / passkoopd)" "≥ 1.8×" "$(spread %.2f <<< "$c_node2")" "$(verdict "$(median "$c_node2") >= 1.8")")
$(row "server verify: passkoopd / one Node.js process" "(2.5× reported before)" "$(spread %.2f <<< "$r_node1")" "")
$(row "durable visits (1000 visitors) / passkoopd verify" "≥ 0.5×" "$(spread %.2f <<< "$r_visits")" "$(verdict "$(median "$r_visits") >= 0.5")")
$(row "durable visits, one visitor: last round / first (history 0 → $one_rows)" "flat (≥ 0.9×)" "$flat_one (one reading)" "$(verdict "$flat_one >= 0.9")")
$(row "durable visits: one frequent visitor / 1000 visitors" "" "$(spread %.2f <<< "$r_one")" "")
$(row "bundle load, 130 coops / 100,000 revocations" "< 100 ms" "$(spread '%.0f ms' <<< "$load_ms")" "$(verdict "$(median "$load_ms") < 100")")
$(row "card generation per 1,000 members (wall)" "≤ 3 s (30 s per 10,000)" "$(spread '%.1f s' <<< "$cards_wall")" "$(verdict "$(median "$cards_wall") <= 3")")
$(row "passkoopd memory idle, bundle loaded (VmRSS; VmHWM)" "< 30 MB" "$(awk -v r="$idle_rss" -v h="$idle_hwm" 'BEGIN {printf "%.1f MB; %.1f MB", r / 1024, h / 1024}') (one reading)" "$(verdict "$idle_rss < 30 * 1024")")
$(row "soak: 10 min mixed verify + visits, no error answer, RSS flat" "0 errors, flat" "${soak_cell:-not measured yet} ([Soak](#soak))" "")
$(row "till verify + record, durable, p99 (p50)" "< 2 ms" "$(spread '%.2f ms' <<< "$till_p99") ($(median "$till_p50") ms)" "$(verdict "$(median "$till_p99") < 2")")
$(row "till sync of $TILL_SYNCED queued visits to passkoopd" "< 3 s" "$(spread '%.0f ms' <<< "$till_sync")" "$(verdict "$(median "$till_sync") < 3000")")

## Library: verify vs the raw signature check

Command: \`$bench_cmd\` (\`BM_PairedRawVsFull\`: one raw check and one \`verify_pass\` back to back in each
iteration, order alternating, so the machine's drift weighs on both).

| | median (min–max) |
|---|---|
| raw \`crypto_sign_verify_detached\` | $(spread '%.1f µs' <<< "$raw_us") |
| \`verify_pass\` (normalise, decode, pass id, lookups, signature, dates, revocations) | $(spread '%.1f µs' <<< "$full_us") |
| ratio | $(spread %.3f <<< "$lib_ratio") (goal ≤ 1.05) |

**What limits it.** The Ed25519 check itself: \`verify_pass\` adds text normalisation, decoding, two BLAKE2b
pass-id hashes and hash-table lookups to one \`crypto_sign_verify_detached\`. perf over \`BM_FullVerify\`, by
shared object and by symbol:

\`\`\`
$( ((PERF)) && perf_top "$WORK/perf-verify-lib" dso 1 6 || echo "    (perf not available)")
$( ((PERF)) && perf_top "$WORK/perf-verify-lib" sym 2 8 || true)
\`\`\`

Everything outside libsodium (its scalar multiplication and SHA-512) is the overhead, and part of what is
outside it in this profile is building the 100,000-revocation network once before timing (JSON dumping,
base64). The ratio can only approach 1.0; a median below 1 means the machine's speed moved between the two
halves of the pairs more than the overhead costs, which a loaded machine does.

## Server verify: passkoopd vs the bare Beast handler and Node.js

Command: \`bench/results.sh\` section 2 (the servers of \`bench/load.sh\`: \`passkoopd serve --coop 7\` with the
130-coop bundle, \`passkoop-bare-verify-server\`, \`node bench/node_verify_server.js\` with 2 workers and with 1);
wrk, $CONNECTIONS connections, $WRK_THREADS threads, \`POST /v1/verify\` (\`bench/post_verify.lua\`), $SLICE s per server per round,
$RUNS rounds, the servers taking turns within each round. Before timing, all four gave the same verdicts on a valid
pass and on a forgery (one signature digit changed): $verdicts. Error answers in all server runs: $errors_total.

| server | requests/s | p50 ms | p99 ms | server CPU µs / request | wrk CPU µs / request |
|---|---|---|---|---|---|
$(for n in verify-passkoopd:passkoopd verify-bare:"bare Beast handler" verify-node2:"Node.js cluster, 2 workers" verify-node1:"Node.js, 1 process"; do
    row "${n#*:}" "$(spread %.0f <<< "$(col "${n%%:*}" 3)")" "$(spread %.2f <<< "$(col "${n%%:*}" 4)")" "$(spread %.2f <<< "$(col "${n%%:*}" 5)")" \
        "$(spread %.0f <<< "$(col "${n%%:*}" 6)")" "$(spread %.0f <<< "$(col "${n%%:*}" 7)")"
done)

Ratios of the same round (median, min–max): passkoopd / bare $(spread %.2f <<< "$r_bare"), passkoopd / Node.js cluster
$(spread %.2f <<< "$r_node2"), passkoopd / one Node.js process $(spread %.2f <<< "$r_node1").

**How wrk sharing the two cores is accounted for.** wrk runs on the same two cores as the server it loads, so
requests/s measures the pair, and a server that leaves more CPU to wrk looks faster. The table therefore gives
each side's CPU time per answered request (user + system from \`/proc\`, the Node.js workers included; wrk's
from \`/usr/bin/time\`). Server CPU per request is the figure no other process can inflate much; by that
measure the bare handler needs $(spread %.2f <<< "$c_bare") × and the Node.js cluster $(spread %.2f <<< "$c_node2") × passkoopd's CPU
per scan (above 1 means passkoopd is cheaper). On two free cores a server alone could answer at most
2,000,000 / (its CPU µs per request) requests/s.

**What limits it.** One Ed25519 check per scan is the floor for all of them. passkoopd does more per
scan than the bare handler: the visitor's visit count for the policy (an SQLite read transaction), the
token, rate and metrics bookkeeping, and a ~380-byte DESIGN §8 answer instead of ~40 bytes. perf over
passkoopd under this load (by shared object, then by symbol):

\`\`\`
$( ((PERF)) && perf_top "$WORK/perf-verify-passkoopd" dso 1 8 || echo "    (perf not available)")
$( ((PERF)) && perf_top "$WORK/perf-verify-passkoopd" sym 1.5 12 || true)
\`\`\`

and over the bare handler:

\`\`\`
$( ((PERF)) && perf_top "$WORK/perf-verify-bare" dso 1 6 || echo "    (perf not available)")
\`\`\`

The Node.js servers spend their extra CPU in V8 and in Node's HTTP layer (JavaScript frames do not resolve in
perf without \`--perf-basic-prof\`, so the evidence here is their CPU per request); \`crypto.verify\` calls the
same kind of OpenSSL Ed25519 code as any C server would.

## Durable visit recording

Same rounds as above: \`POST /v1/visits\` (\`bench/post_visits.lua\`, a unique idempotency key per request,
acknowledged after \`COMMIT\` with \`synchronous=FULL\`), cycling through 1000 members' passes ("1000 visitors")
or always the same pass ("one visitor", whose history grows run after run).

| run | visits/s | p50 ms | p99 ms | server CPU µs / visit |
|---|---|---|---|---|
$(row "1000 visitors" "$(spread %.0f <<< "$m_rps")" "$(spread %.2f <<< "$(col visits-many 4)")" "$(spread %.2f <<< "$(col visits-many 5)")" "$(spread %.0f <<< "$(col visits-many 6)")")
$(row "one visitor" "$(spread %.0f <<< "$o_rps")" "$(spread %.2f <<< "$(col visits-one 4)")" "$(spread %.2f <<< "$(col visits-one 5)")" "$(spread %.0f <<< "$(col visits-one 6)")")

Visits (1000 visitors) / passkoopd verify of the same round: $(spread %.2f <<< "$r_visits") (goal ≥ 0.5).
After the last run passkoopd was killed with SIGKILL: $durable.

**Against SQLite's own ceiling on this disk** (\`passkoop-sqlite-ceiling\`, one thread inserting rows of the
same size into passkoopd's own ledger schema with its settings, WAL and \`synchronous=FULL\`, nothing else:
no HTTP, JSON, signature, hash chain or count; $SQLITE_SECONDS s per mode, $RUNS runs):

| SQLite alone | rows/s | passkoopd's visits (1000 visitors) / this |
|---|---|---|
$(for m in per-row:"one transaction per row" batch-64:"64 rows per transaction" batch-1000:"1000 rows per transaction"; do
    c=$(ceiling "${m%%:*}")
    row "${m#*:}" "$(spread %.0f <<< "$c")" "$(awk -v a="$(median "$m_rps")" -v b="$(median "$c")" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')"
done)

passkoopd is above the one-transaction-per-row ceiling because it commits the visits that wait together
in one transaction (group commit) and answers each after that \`COMMIT\`; with $CONNECTIONS connections at most
$CONNECTIONS rows can wait, so the 64-row batch is the ceiling it could approach.

**Flat as a visitor's history grows?** Each visit (and each verify) counts the visitor's earlier visits in the
policy's window over the covering index, but at most \`visits_to_count(policy)\` of them (the policy's limit, or
100 when that is more: \`SELECT COUNT(*) FROM (SELECT 1 ... LIMIT ?)\`): the decision needs no more, so the
10,000th visit of a visitor costs what the 100th did. The frequent visitor's runs, in order, with the history
each started from (the rows per second should not fall as it grows):

| round | history before the run | visits/s | p99 ms |
|---|---|---|---|
$(i=0; for h in $one_history; do i=$((i + 1)); awk -v r="$i" -v h="$h" '$1 == "visits-one" && $2 == r {printf "| %d | %d | %.0f | %.2f |\n", r, h, $3, $5}' "$WORK/runs.txt"; done)

One visitor / 1000 visitors, same round: $(spread %.2f <<< "$r_one"). The frequent visitor's ledger rows in this run: $one_rows.
The count runs on the ledger's single writer (inside the write transaction, so that two tills cannot both pass a
limit), so a long count would delay every visit queued behind it; capped, it no longer grows: last round / first
round of the frequent visitor, $flat_one. perf during one-visitor visits (history ≈ $one_rows rows), by shared
object, then by symbol:

\`\`\`
$( ((PERF)) && perf_top "$WORK/perf-visits-one" dso 1 6 || echo "    (perf not available)")
$( ((PERF)) && perf_top "$WORK/perf-visits-one" sym 2 10 || true)
\`\`\`

against 1000 visitors:

\`\`\`
$( ((PERF)) && perf_top "$WORK/perf-visits-many" dso 1 6 || echo "    (perf not available)")
$( ((PERF)) && perf_top "$WORK/perf-visits-many" sym 1 10 || true)
\`\`\`

## Bundle load: 130 coops, 100,000 revocations

Command: the \`BM_LoadBundle\` runs of the library command above (\`load_bundle\` of the 7.1 MB bundle: JSON,
registry threshold, 130 revocation signatures and payloads, the revoked set). Median $(spread '%.0f ms' <<< "$load_ms"), goal < 100 ms.

**What limits it.** perf over \`BM_LoadBundle\`, by symbol:

\`\`\`
$( ((PERF)) && perf_top "$WORK/perf-load" sym 2 12 || echo "    (perf not available)")
\`\`\`

Parsing 7.1 MB of JSON with nlohmann, base64-decoding the 131 envelope payloads, 130 signature checks over
payloads of ~55 KB (SHA-512 of the whole payload inside Ed25519) and building the revoked set: the time is spread
over these, and reaching 100 ms needs a cheaper parse of the bundle as well as of its payloads.

## Cards: \`issue-batch\` per 1,000 members

Command: \`bench/issue_batch.sh $BUILD 1000\` ($CARD_RUNS runs; the real command: parse an Odoo CSV, sign and check
960 passes, one PNG and one SVG per member, the A4 PDF, the issuance log).

| | median (min–max) |
|---|---|
| wall time | $(spread '%.2f s' <<< "$cards_wall") |
| CPU time (user + system) | $(spread '%.2f s' <<< "$cards_cpu") |

**What limits it.** CPU: about $(awk -v c="$(median "$cards_cpu")" 'BEGIN {printf "%.1f", c / 960 * 1000}') ms of CPU per card
split over two worker threads; the PNG (deflate, palette mapping) and the QR code's mask choice dominate (the
perf breakdown in bench/README.md, "Bulk issuing"). Wall time is CPU time / 2 when both cores are free, more when
other work takes one.

## Soak

Command: \`bench/soak.sh $BUILD\` (10 minutes: two wrk side by side, \`POST /v1/verify\` and durable
\`POST /v1/visits\`, 1000 members with one very frequent visitor mixed in; every 10 s one line of
requests/s, p50, p99, error answers and passkoopd's RSS; TSV in \`bench/soak.tsv\`). It is not re-run by this
script (10 minutes); the last run's summary:

EOF
if [[ -n $soak_summary ]]; then
    echo "Run: $soak_header ($soak_rows slices)."
    echo
    echo '```'
    echo "$soak_summary"
    echo '```'
    echo
    echo "passkoopd's CPU per answered request: $soak_cpu. The soak mixes in the frequent visitor on every"
    echo "20th request and spreads the rest over 1000 members, so by the end each member has hundreds of visits in the"
    echo "ledger and the frequent visitor tens of thousands. The visit count behind every verify and every visit stops at"
    echo "100 rows (see [Durable visit recording](#durable-visit-recording)), so the requests per second and the CPU per"
    echo "request should hold, as the ledger grows past SQLite's page cache; the error count and the RSS verdict above are"
    echo "what the soak asserts."
else
    echo "**not measured yet**: run \`bench/soak.sh $BUILD\`."
fi
cat << EOF

## Till

Command: \`build-bench/bench/passkoop-till-bench 2000 $TILL_SYNCED\`, $CARD_RUNS runs: a till file on this disk
verifies and records 2,000 visits one after the other (each durable before it returns: SQLite WAL,
\`synchronous=FULL\`), then another queues $TILL_SYNCED visits and syncs them to a \`passkoopd\` it starts on loopback.

| | median (min–max) |
|---|---|
| verify + record, p50 | $(spread '%.2f ms' <<< "$till_p50") |
| verify + record, p99 | $(spread '%.2f ms' <<< "$till_p99") (goal < 2 ms) |
| sync of $TILL_SYNCED visits | $(spread '%.0f ms' <<< "$till_sync") (goal < 3 s) |
| one synchronous 4 KiB write on this disk (\`dd oflag=dsync\`) | $fsync_ms ms |

**What limits it.** A durable record is one WAL commit, so one synchronous write at least: on this
virtual disk that write alone takes the time in the last row, and the p50 follows it. The till's own work
(decode, Ed25519 check, policy, insert) is about 0.2 ms, as the same benchmark on a tmpfs shows
(\`TMPDIR=/dev/shm\`). The sync is bounded by the server's side: passkoopd verifies every pass of a batch
(10,000 Ed25519 checks) before its writer commits the rows.
EOF
} > "$OUT"
echo "== written $OUT (load average at end $load_end)"
