#!/usr/bin/env bash
# Sets up a Debian 12 machine for Pass'Koop, builds it, then runs the demo or the tests.
#   tools/build.sh run    build, then `passkoopd demo`: a demo shop server on 127.0.0.1:8080
#   tools/build.sh test   build, then every test through CTest
#   tools/build.sh ci     what CI runs on every change: `test` first, then, in a second build with
#                         clang-16 (tools/sanitize.sh), every test under AddressSanitizer and UBSan
#                         and each fuzz target for 60 s; a closing summary gives each stage's time
# Missing Debian packages are installed first (apt-get as root, sudo otherwise).
set -euo pipefail

mode=${1:-}
case $mode in
  run | test | ci) ;;
  *) echo "usage: tools/build.sh run|test|ci" >&2; exit 2 ;;
esac
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${PASSKOOP_BUILD_DIR:-$root/build}
# The sanitizer and fuzzing build of `ci`.
check=${PASSKOOP_CHECK_DIR:-$root/build-check}

# Build: compiler, libraries (libssl-dev for passkoopd's HTTPS). Tests: a JSON Schema validator (also
# for the directory's GeoJSON), a QR decoder (zbarimg), PDF and SVG rasterisers (pdftoppm,
# rsvg-convert), Chromium driven by Node.js for the cashier and directory pages, git for the admins'
# handbook's mirror recipe, and for the service's install walk a test CA (openssl), an HTTPS
# client (curl) and systemd-analyze (systemd).
# CI: clang 16 and its sanitizer and libFuzzer runtimes (Debian 12's clang 14 cannot compile
# libstdc++ 12's <expected>).
packages=(build-essential cmake pkg-config libsodium-dev libsqlite3-dev libssl-dev openssl nlohmann-json3-dev libboost-dev
  libqrcodegencpp-dev libcairo2-dev doctest-dev libbenchmark-dev python3 python3-jsonschema)
[ "$mode" != run ] && packages+=(zbar-tools poppler-utils librsvg2-bin chromium git openssl curl systemd)
[ "$mode" = ci ] && packages+=(clang-16 libclang-rt-16-dev)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
# Node.js may come from Debian or from NodeSource (which bundles npm); only a missing command counts.
[ "$mode" != run ] && ! command -v npm >/dev/null && missing+=(nodejs npm)
if ((${#missing[@]})); then
  echo "== Installing Debian packages: ${missing[*]}"
  apt=(apt-get)
  [ "$(id -u)" = 0 ] || apt=(sudo apt-get)
  "${apt[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}"
fi

normal_build() {
  echo "== Configuring and building in $build"
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPASSKOOP_WERROR=ON
  cmake --build "$build" -j"$(nproc)"
}

normal_tests() {
  "$root/tests/browser/install-deps.sh"
  echo "== Running every test"
  (cd "$build" && ctest --output-on-failure -j"$(nproc)" --timeout 600)
}

# CPU seconds (user + system) used so far by this shell's finished children: a stage's CPU time
# next to its wall time tells how much it waited for the cores (other work on a shared machine).
# (/proc/PID/stat fields 16 and 17, in clock ticks; $$ is this shell even inside $(...).)
children_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($16 + $17) / hz }' "/proc/$$/stat"; }

sanitizer_build() { "$root/tools/sanitize.sh" "$check" build; }
sanitizer_tests() { "$root/tools/sanitize.sh" "$check" test; }
fuzz_pass() { "$root/tools/sanitize.sh" "$check" fuzz; }

case $mode in
  run)
    normal_build
    exec "$build/server/passkoopd" demo "${@:2}"
    ;;
  test)
    normal_build
    normal_tests
    ;;
  ci)
    # Stages in order, the quickest to fail first; the first failure stops the run.
    names=("normal build (GCC, -Werror)" "normal tests" "sanitizer build (clang-16, ASan, UBSan, fuzzers)"
      "tests under the sanitizers" "fuzz pass (each target 60 s)")
    stages=(normal_build normal_tests sanitizer_build sanitizer_tests fuzz_pass)
    times=() cpu=()
    failed=""
    start_all=$(date +%s)
    echo "== CI on $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    for i in "${!names[@]}"; do
      echo "== stage $((i + 1))/${#names[@]}: ${names[i]}"
      start=$(date +%s) start_cpu=$(children_cpu)
      # A subshell outside any condition, so that `set -e` stops the stage at its first failure.
      set +e
      (set -e; "${stages[i]}")
      status=$?
      set -e
      times+=($(($(date +%s) - start))) cpu+=($(($(children_cpu) - start_cpu)))
      if [ "$status" != 0 ]; then
        failed="${names[i]} (exit $status)"
        break
      fi
    done
    echo "== summary (wall time, CPU time of its processes; load average now: $(cut -d' ' -f1-3 /proc/loadavg))"
    for i in "${!times[@]}"; do
      printf '   %-50s %3d min %02d s   CPU %3d min %02d s\n' "${names[i]}" $((times[i] / 60)) $((times[i] % 60)) \
        $((cpu[i] / 60)) $((cpu[i] % 60))
    done
    total=$(($(date +%s) - start_all))
    printf '   %-50s %3d min %02d s\n' "total" $((total / 60)) $((total % 60))
    if [ -n "$failed" ]; then
      echo "== FAILED: $failed" >&2
      exit 1
    fi
    echo "== passed"
    ;;
esac
