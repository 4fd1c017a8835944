#!/usr/bin/env bash
# Sets up a Debian 12 machine for Pass'Koop, builds it, then runs the demo or every test.
#   tools/build.sh run    build, then `passkoopd demo`: a demo shop server on 127.0.0.1:8080
#   tools/build.sh test   build, then every test through CTest
# Missing Debian packages are installed first (apt-get as root, sudo otherwise).
set -euo pipefail

mode=${1:-}
case $mode in
  run | test) ;;
  *) echo "usage: tools/build.sh run|test" >&2; exit 2 ;;
esac
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${PASSKOOP_BUILD_DIR:-$root/build}

# Build: compiler, libraries. Tests: a JSON Schema validator, a QR decoder (zbarimg), PDF and SVG
# rasterisers (pdftoppm, rsvg-convert), and Chromium driven by Node.js for the cashier page.
packages=(build-essential cmake pkg-config libsodium-dev libsqlite3-dev nlohmann-json3-dev libboost-dev
  libqrcodegencpp-dev libcairo2-dev doctest-dev libbenchmark-dev python3 python3-jsonschema)
[ "$mode" = test ] && packages+=(zbar-tools poppler-utils librsvg2-bin chromium)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
# Node.js may come from Debian or from NodeSource (which bundles npm); only a missing command counts.
[ "$mode" = test ] && ! command -v npm >/dev/null && missing+=(nodejs npm)
if ((${#missing[@]})); then
  echo "== Installing Debian packages: ${missing[*]}"
  apt=(apt-get)
  [ "$(id -u)" = 0 ] || apt=(sudo apt-get)
  "${apt[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}"
fi

echo "== Configuring and building in $build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPASSKOOP_WERROR=ON
cmake --build "$build" -j"$(nproc)"

if [ "$mode" = run ]; then
  exec "$build/server/passkoopd" demo "${@:2}"
fi
# The browser tests drive Chromium with playwright-core, pinned in tests/browser/package-lock.json.
browser=$root/tests/browser
stamp=$browser/node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ "$browser/package-lock.json" -nt "$stamp" ] || [ "$browser/package.json" -nt "$stamp" ]; then
  echo "== Installing the browser-test dependencies (npm ci in tests/browser)"
  (cd "$browser" && npm ci --no-audit --no-fund)
fi

cd "$build"
ctest --output-on-failure -j"$(nproc)" --timeout 600
