#!/usr/bin/env bash
# Long fuzz campaign toward a number of executions per target (default 10 million), resumable:
# every target of tests/fuzz/targets.txt runs in chunks of at most CHUNK seconds (default 1800),
# JOBS targets side by side (default 2, one libFuzzer process each), round after round, until each
# has its count. Each finished chunk adds one line to OUT_DIR/ledger.tsv (target, executions, seconds,
# corpus size, date), so a campaign stopped and started again goes on from its total; at most the
# chunk under way is lost. The working corpus OUT_DIR/<target>/corpus is seeded from the committed
# one (left unchanged) and kept between campaigns.
# A crash, leak, timeout or sanitizer report stops that target, keeping the input in
# OUT_DIR/<target>/artifacts and the log in OUT_DIR/<target>/log; the others go on.
# Usage: bench/fuzz-campaign.sh BUILD_DIR [EXECUTIONS] [JOBS] [OUT_DIR]
#        bench/fuzz-campaign.sh --totals OUT_DIR      executions and time per target so far
#        bench/fuzz-campaign.sh --stop OUT_DIR        end the chunks under way now, counted
#   TARGETS="bundle c_api" limits the campaign to those targets (default: all of targets.txt).
#   BUILD_DIR as for tests/fuzz/run.sh (CXX=clang++-16, -DPASSKOOP_BUILD_FUZZERS=ON).
#   e.g. nice -n 19 bench/fuzz-campaign.sh build-campaign 10000000 2
# To fold what a campaign found into the committed seeds, minimised and kept small:
#   BUILD_DIR/tests/fuzz/T_fuzzer -merge=1 tests/fuzz/corpus/T OUT_DIR/T/corpus
set -uo pipefail
fuzz=$(cd "$(dirname "$0")/../tests/fuzz" && pwd)

totals() {
    local ledger=$1/ledger.tsv
    [ -f "$ledger" ] || { echo "no ledger in $1" >&2; return 1; }
    printf '%-18s %14s %12s %8s %s\n' target executions seconds chunks "corpus (inputs)"
    while read -r target _ _; do
        case $target in '#'*|'') continue ;; esac
        awk -F'\t' -v t="$target" -v out="$1" '$1 == t { runs += $2; secs += $3; n++; corpus = $4 }
            END { failed = system("test -e " out "/" t "/failed") == 0 ? "  FAILED" : "";
                  printf "%-18s %14d %12d %8d %s%s\n", t, runs, secs, n, corpus, failed }' "$ledger"
    done <"$fuzz/targets.txt"
}

if [ "${1:-}" = --totals ]; then
    [ $# -eq 2 ] || { echo "usage: $0 --totals OUT_DIR" >&2; exit 2; }
    totals "$2"
    exit
fi
# libFuzzer ends its run on SIGUSR1 as at the end of its time, final statistics printed, so the
# chunk's executions reach the ledger; the stop file keeps the workers from starting another.
if [ "${1:-}" = --stop ]; then
    [ $# -eq 2 ] && [ -d "$2" ] || { echo "usage: $0 --stop OUT_DIR" >&2; exit 2; }
    dir=$(cd "$2" && pwd)
    touch "$dir/stop"
    pkill -USR1 -f -- "-artifact_prefix=$dir/" || true
    exit 0
fi
if [ $# -lt 1 ]; then
    echo "usage: $0 BUILD_DIR [EXECUTIONS] [JOBS] [OUT_DIR]" >&2
    exit 2
fi
build=$(cd "$1" && pwd) || exit 2
goal=${2:-10000000}
jobs=${3:-2}
out=$(mkdir -p "${4:-$build/fuzz-campaign}" && cd "${4:-$build/fuzz-campaign}" && pwd)
chunk=${CHUNK:-1800}
ledger=$out/ledger.tsv
touch "$ledger"
rm -f "$out/stop"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

done_so_far() { awk -F"\t" -v t="$1" '$1 == t { runs += $2 } END { printf "%d", runs }' "$ledger"; }

# One chunk of one target; returns 1 when the target is finished or failed.
run_chunk() {
    local target=$1 max_len=$2 dict=$3
    local dir=$out/$target binary=$build/tests/fuzz/${target}_fuzzer
    [ -e "$dir/failed" ] || [ -e "$out/stop" ] && return 1
    local remaining=$(( goal - $(done_so_far "$target") ))
    [ $remaining -le 0 ] && return 1
    mkdir -p "$dir/corpus" "$dir/artifacts"
    cp -n "$fuzz/corpus/$target/"* "$dir/corpus/"
    local options=(-max_len="$max_len" -timeout=30 -rss_limit_mb=2560 -print_final_stats=1
                   -runs="$remaining" -max_total_time="$chunk" -artifact_prefix="$dir/artifacts/")
    [ "$dict" != - ] && options+=(-dict="$fuzz/$dict")
    local start status elapsed runs
    start=$(date +%s)
    "$binary" "${options[@]}" "$dir/corpus" >"$dir/log" 2>&1
    status=$?
    elapsed=$(( $(date +%s) - start ))
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -n 1)
    # Without final statistics (a crash), the last "#N" progress line counts.
    [ -n "$runs" ] || runs=$(grep -oE '^#[0-9]+' "$dir/log" | tail -n 1 | tr -d '#')
    printf '%s\t%d\t%d\t%d\t%s\n' "$target" "${runs:-0}" "$elapsed" "$(ls "$dir/corpus" | wc -l)" \
        "$(date -u +%FT%TZ)" >>"$ledger"
    if [ $status -ne 0 ] || [ -n "$(ls "$dir/artifacts")" ]; then
        cp "$dir/log" "$dir/failed"
        echo "$(date -u +%T) $target: FAILED (exit $status); inputs in $dir/artifacts, log $dir/failed"
        return 1
    fi
    echo "$(date -u +%T) $target: +${runs:-0} executions in ${elapsed}s, $(done_so_far "$target") in all"
}

# Worker K of JOBS takes targets K, K+JOBS, …, one chunk each per round.
worker() {
    local k=$1 targets=() lens=() dicts=() i=0 target max_len dict rest
    while read -r target max_len dict rest; do
        case $target in '#'*|'') continue ;; esac
        [ -n "${TARGETS:-}" ] && [[ " $TARGETS " != *" $target "* ]] && continue
        if [ $((i % jobs)) -eq "$k" ]; then targets+=("$target") lens+=("$max_len") dicts+=("$dict"); fi
        i=$((i + 1))
    done <"$fuzz/targets.txt"
    local active=1
    while [ $active -eq 1 ]; do
        active=0
        for i in "${!targets[@]}"; do
            run_chunk "${targets[i]}" "${lens[i]}" "${dicts[i]}" && active=1
        done
    done
}

echo "$(date -u +%T) campaign toward $goal executions per target, $jobs at a time, chunks of ${chunk}s, in $out"
for k in $(seq 0 $((jobs - 1))); do worker "$k" & done
wait
totals "$out"
if ls "$out"/*/failed >/dev/null 2>&1; then
    echo "campaign: failures, see above" >&2
    exit 1
fi
echo "campaign: no crash, leak or sanitizer report"
