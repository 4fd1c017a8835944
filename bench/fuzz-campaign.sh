#!/usr/bin/env bash
# Long fuzz campaign: every target of tests/fuzz/targets.txt in turn, SECONDS each, with JOBS
# libFuzzer worker processes (-fork), on a working corpus kept in OUT_DIR between campaigns
# (seeded from the committed corpus, which is left unchanged). Stops at the first crash, leak or
# sanitizer report, keeping the input in OUT_DIR/<target>/artifacts; prints the executions per
# target.
# Usage: bench/fuzz-campaign.sh BUILD_DIR SECONDS [JOBS] [OUT_DIR]
#   e.g. bench/fuzz-campaign.sh build-fuzz 7200 2   (two hours per target on both cores)
# To fold what a campaign found into the committed seeds, minimised and kept small:
#   BUILD_DIR/tests/fuzz/T_fuzzer -merge=1 tests/fuzz/corpus/T OUT_DIR/T/corpus
set -uo pipefail
if [ $# -lt 2 ]; then
    echo "usage: $0 BUILD_DIR SECONDS [JOBS] [OUT_DIR]" >&2
    exit 2
fi
build=$(cd "$1" && pwd) || exit 2
seconds=$2
jobs=${3:-2}
out=${4:-$build/fuzz-campaign}
fuzz=$(cd "$(dirname "$0")/../tests/fuzz" && pwd)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

while read -r target max_len dict _; do
    case $target in '#'*|'') continue ;; esac
    binary=$build/tests/fuzz/${target}_fuzzer
    mkdir -p "$out/$target/corpus" "$out/$target/artifacts"
    cp -n "$fuzz/corpus/$target/"* "$out/$target/corpus/"
    options=(-max_len="$max_len" -timeout=30 -rss_limit_mb=2560 -print_final_stats=1 -fork="$jobs"
             -max_total_time="$seconds" -artifact_prefix="$out/$target/artifacts/")
    [ "$dict" != - ] && options+=(-dict="$fuzz/$dict")
    start=$(date +%s)
    "$binary" "${options[@]}" "$out/$target/corpus" >"$out/$target/log" 2>&1
    status=$?
    elapsed=$(( $(date +%s) - start ))
    # With -fork, the workers' counts are summed in the "#N ... DONE" and "exec/s" lines.
    runs=$(grep -oE '^#[0-9]+' "$out/$target/log" | tail -n 1 | tr -d '#')
    echo "$target: ${runs:-?} executions in ${elapsed}s with $jobs jobs ($(( ${runs:-0} / (elapsed > 0 ? elapsed : 1) ))/s), corpus $(ls "$out/$target/corpus" | wc -l) inputs"
    if [ $status -ne 0 ] || [ -n "$(ls "$out/$target/artifacts")" ]; then
        echo "$target: FAILED (exit $status); inputs in $out/$target/artifacts, log $out/$target/log" >&2
        exit 1
    fi
done <"$fuzz/targets.txt"
echo "campaign: no crash, leak or sanitizer report"
