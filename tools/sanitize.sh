#!/usr/bin/env bash
# Builds Pass'Koop with AddressSanitizer and UndefinedBehaviorSanitizer in BUILD_DIR, then runs every
# test through CTest (unit, server, crash, cards, browser, schema, install). Any report fails the run:
# undefined behaviour stops the process, ASan aborts, and leak detection is on.
#   tools/sanitize.sh BUILD_DIR
# Needs the packages `tools/build.sh test` installs. PASSKOOP_JOBS sets the parallelism (default nproc).
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: tools/sanitize.sh BUILD_DIR" >&2
  exit 2
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(mkdir -p "$1" && cd "$1" && pwd)
jobs=${PASSKOOP_JOBS:-$(nproc)}
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi

echo "== Configuring and building with the sanitizers in $build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPASSKOOP_WERROR=ON \
  -DPASSKOOP_SANITIZE=ON -DPASSKOOP_BUILD_BENCH=OFF "${launcher[@]}"
cmake --build "$build" -j"$jobs"

# The browser tests drive Chromium with playwright-core, pinned in tests/browser/package-lock.json.
browser=$root/tests/browser
stamp=$browser/node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ "$browser/package-lock.json" -nt "$stamp" ] || [ "$browser/package.json" -nt "$stamp" ]; then
  echo "== Installing the browser-test dependencies (npm ci in tests/browser)"
  (cd "$browser" && npm ci --no-audit --no-fund)
fi

# Every instrumented process writes its reports to a file of its own in $reports (name.PID), not
# to stderr: the tests start passkoopd with stderr sent to a log and do not all look at how it ended,
# so a report on a server's shutdown would otherwise pass unseen. Any file there fails the run.
# Only system-library leaks are suppressed, each one documented in lsan.supp.
reports=$build/sanitizer-reports
rm -rf "$reports"
mkdir -p "$reports"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:log_path=$reports/asan
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan
# print_suppressions=0: a suppressed leak alone leaves no file (its tally is not a report).
export LSAN_OPTIONS=suppressions=$root/tests/sanitizer/lsan.supp:print_suppressions=0
echo "== Running every test under the sanitizers"
status=0
(cd "$build" && ctest --output-on-failure -j"$jobs" --timeout 900) || status=$?

if [ -n "$(ls -A "$reports")" ]; then
  for report in "$reports"/*; do
    echo "== Sanitizer report $report"
    cat "$report"
  done
  echo "== $(ls "$reports" | wc -l) sanitizer report(s): see above" >&2
  exit 1
fi
exit "$status"
