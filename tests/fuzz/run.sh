#!/usr/bin/env bash
# Short fuzz pass: replays tests/fuzz/regressions/<target>/, then runs every target for SECONDS
# on a copy of its committed corpus (tests/fuzz/corpus/<target>/, left unchanged).
# Fails on any crash, leak, timeout or sanitizer report; prints the executions per target.
# Usage: tests/fuzz/run.sh BUILD_DIR SECONDS
#   BUILD_DIR: configured with CXX=clang++-16 -DPASSKOOP_BUILD_FUZZERS=ON, target passkoop-fuzzers built.
set -uo pipefail
if [ $# -ne 2 ]; then
    echo "usage: $0 BUILD_DIR SECONDS" >&2
    exit 2
fi
build=$(cd "$1" && pwd) || exit 2
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/passkoop-fuzz.XXXXXX")
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
while read -r target max_len dict _; do
    case $target in '#'*|'') continue ;; esac
    binary=$build/tests/fuzz/${target}_fuzzer
    if [ ! -x "$binary" ]; then
        echo "$target: missing $binary" >&2
        failed+=("$target")
        continue
    fi
    options=(-max_len="$max_len" -timeout=30 -rss_limit_mb=2560 -print_final_stats=1)
    [ "$dict" != - ] && options+=(-dict="$here/$dict")
    mkdir -p "$work/$target/corpus" "$work/$target/artifacts"
    cp "$here/corpus/$target/"* "$work/$target/corpus/"
    log=$work/$target/log
    # Known crashers first: each must now run clean.
    regressions=("$here/regressions/$target/"*)
    if [ -e "${regressions[0]}" ] && ! "$binary" "${options[@]}" "${regressions[@]}" >"$log.regressions" 2>&1; then
        echo "$target: a regression input fails again" >&2
        tail -n 40 "$log.regressions" >&2
        failed+=("$target")
        continue
    fi
    start=$(date +%s)
    "$binary" "${options[@]}" -max_total_time="$seconds" -artifact_prefix="$work/$target/artifacts/" \
        "$work/$target/corpus" >"$log" 2>&1
    status=$?
    elapsed=$(( $(date +%s) - start ))
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    if [ $status -ne 0 ]; then
        echo "$target: FAILED (exit $status) after ${elapsed}s; input and log kept in $work/$target" >&2
        grep -m 5 -E 'ERROR|SUMMARY|runtime error|property failed' "$log" >&2
        ls "$work/$target/artifacts" >&2
        failed+=("$target")
        continue
    fi
    echo "$target: ${runs:-?} executions in ${elapsed}s ($(( ${runs:-0} / (elapsed > 0 ? elapsed : 1) ))/s)"
done <"$here/targets.txt"

if [ ${#failed[@]} -ne 0 ]; then
    echo "fuzz pass failed: ${failed[*]} (see $work)" >&2
    exit 1
fi
rm -rf "$work"
echo "fuzz pass: no crash, leak or sanitizer report"
