#!/usr/bin/env bash
# Builds Pass'Koop with clang-16, AddressSanitizer and UndefinedBehaviorSanitizer in BUILD_DIR, runs
# every test there (unit, server, crash, cards, browser, schema, install), then each libFuzzer
# target on its committed corpus. One build serves both: everything is compiled with
# -fsanitize=fuzzer-no-link,address,undefined; the tests link the sanitizers' runtime, which also
# supplies the coverage callbacks, and only the fuzz targets link libFuzzer.
#   tools/sanitize.sh BUILD_DIR [STEP...]   STEP: build, test, fuzz (default: all three, in order)
# Any report fails the run: undefined behaviour stops the process, ASan aborts, leak detection is
# on. Needs the packages `tools/build.sh ci` installs (clang-16, libclang-rt-16-dev and the test
# tools). PASSKOOP_JOBS sets the parallelism (default nproc); PASSKOOP_FUZZ_SECONDS the time each
# fuzz target runs (default 60).
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: tools/sanitize.sh BUILD_DIR [build|test|fuzz]..." >&2
  exit 2
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(mkdir -p "$1" && cd "$1" && pwd)
shift
steps=("$@")
((${#steps[@]})) || steps=(build test fuzz)
jobs=${PASSKOOP_JOBS:-$(nproc)}

build_step() {
  local launcher=()
  if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  echo "== Configuring and building with clang-16 and the sanitizers in $build"
  # -Werror belongs to the normal GCC build (tools/build.sh): clang warns on other things, and this
  # build is here for what happens at run time. Its warnings still show in the build output.
  CXX=clang++-16 cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPASSKOOP_WERROR=OFF \
    -DPASSKOOP_BUILD_FUZZERS=ON -DPASSKOOP_BUILD_BENCH=OFF "${launcher[@]}"
  cmake --build "$build" -j"$jobs"
}

test_step() {
  "$root/tests/browser/install-deps.sh"

  # Every instrumented process writes its reports to a file of its own in $reports (name.PID), not
  # to stderr: the tests start passkoopd with stderr sent to a log and do not all look at how it
  # ended, so a report on a server's shutdown would otherwise pass unseen. Any file there fails the
  # run. Only system-library leaks are suppressed, each one documented in lsan.supp.
  local reports=$build/sanitizer-reports
  rm -rf "$reports"
  mkdir -p "$reports"
  echo "== Running every test under the sanitizers"
  local status=0
  (
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:log_path=$reports/asan
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan
    # print_suppressions=0: a suppressed leak alone leaves no file (its tally is not a report).
    export LSAN_OPTIONS=suppressions=$root/tests/sanitizer/lsan.supp:print_suppressions=0
    cd "$build" && ctest --output-on-failure -j"$jobs" --timeout 900
  ) || status=$?

  if [ -n "$(ls -A "$reports")" ]; then
    local report
    for report in "$reports"/*; do
      echo "== Sanitizer report $report"
      cat "$report"
    done
    echo "== $(ls "$reports" | wc -l) sanitizer report(s): see above" >&2
    return 1
  fi
  return "$status"
}

fuzz_step() {
  echo "== Running each fuzz target ${PASSKOOP_FUZZ_SECONDS:-60} s on its committed corpus, $jobs at a time"
  PASSKOOP_JOBS=$jobs "$root/tests/fuzz/run.sh" "$build" "${PASSKOOP_FUZZ_SECONDS:-60}"
}

for step in "${steps[@]}"; do
  case $step in
    build) build_step ;;
    test) test_step ;;
    fuzz) fuzz_step ;;
    *) echo "tools/sanitize.sh: unknown step $step (build, test or fuzz)" >&2; exit 2 ;;
  esac
done
