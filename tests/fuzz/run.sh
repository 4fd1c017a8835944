#!/usr/bin/env bash
# Short fuzz pass: replays tests/fuzz/regressions/<target>/, then runs every target for SECONDS
# on a copy of its committed corpus (tests/fuzz/corpus/<target>/, left unchanged).
# Fails on any crash, leak, timeout or sanitizer report; prints the executions per target.
# Usage: tests/fuzz/run.sh BUILD_DIR SECONDS
#   BUILD_DIR: configured with CXX=clang++-16 -DPASSKOOP_BUILD_FUZZERS=ON, target passkoop-fuzzers built.
#   PASSKOOP_JOBS targets run side by side (default 1), each a single process on one core, so each
#   still gets its SECONDS of fuzzing: 8 targets of 60 s take about 4 minutes with 2.
set -uo pipefail
if [ $# -ne 2 ]; then
    echo "usage: $0 BUILD_DIR SECONDS" >&2
    exit 2
fi
build=$(cd "$1" && pwd) || exit 2
seconds=$2
jobs=${PASSKOOP_JOBS:-1}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/passkoop-fuzz.XXXXXX")
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Runs one target; prints one line (or the failure's first lines) and leaves
# $work/<target>/failed when it fails.
fuzz_target() {
    local target=$1 max_len=$2 dict=$3
    local binary=$build/tests/fuzz/${target}_fuzzer
    local dir=$work/$target
    mkdir -p "$dir/corpus" "$dir/artifacts"
    if [ ! -x "$binary" ]; then
        echo "$target: missing $binary" >&2
        touch "$dir/failed"
        return
    fi
    local options=(-max_len="$max_len" -timeout=30 -rss_limit_mb=2560 -print_final_stats=1)
    [ "$dict" != - ] && options+=(-dict="$here/$dict")
    cp "$here/corpus/$target/"* "$dir/corpus/"
    # Known crashers first: each must now run clean.
    local regressions=("$here/regressions/$target/"*)
    if [ -e "${regressions[0]}" ] && ! "$binary" "${options[@]}" "${regressions[@]}" >"$dir/log.regressions" 2>&1; then
        { echo "$target: a regression input fails again"; tail -n 40 "$dir/log.regressions"; } >&2
        touch "$dir/failed"
        return
    fi
    local start status elapsed runs
    start=$(date +%s)
    "$binary" "${options[@]}" -max_total_time="$seconds" -artifact_prefix="$dir/artifacts/" \
        "$dir/corpus" >"$dir/log" 2>&1
    status=$?
    elapsed=$(( $(date +%s) - start ))
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -n 1)
    if [ $status -ne 0 ]; then
        { echo "$target: FAILED (exit $status) after ${elapsed}s; input and log kept in $dir"
          grep -m 5 -E 'ERROR|SUMMARY|runtime error|property failed' "$dir/log"
          ls "$dir/artifacts"; } >&2
        touch "$dir/failed"
        return
    fi
    echo "$target: ${runs:-?} executions in ${elapsed}s ($(( ${runs:-0} / (elapsed > 0 ? elapsed : 1) ))/s)"
}

targets=()
while read -r target max_len dict _; do
    case $target in '#'*|'') continue ;; esac
    targets+=("$target")
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
    fuzz_target "$target" "$max_len" "$dict" &
done <"$here/targets.txt"
wait

failed=()
for target in "${targets[@]}"; do
    [ -e "$work/$target/failed" ] && failed+=("$target")
done
if [ ${#failed[@]} -ne 0 ]; then
    echo "fuzz pass failed: ${failed[*]} (see $work)" >&2
    exit 1
fi
rm -rf "$work"
echo "fuzz pass: no crash, leak or sanitizer report"
