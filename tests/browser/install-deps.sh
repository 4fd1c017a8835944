#!/usr/bin/env bash
# Installs the browser tests' dependencies (playwright-core, pinned in package-lock.json) when
# node_modules is missing or older than the lock file. Used by tools/build.sh and tools/sanitize.sh.
set -euo pipefail
browser=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
stamp=$browser/node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ "$browser/package-lock.json" -nt "$stamp" ] || [ "$browser/package.json" -nt "$stamp" ]; then
  echo "== Installing the browser-test dependencies (npm ci in tests/browser)"
  (cd "$browser" && npm ci --no-audit --no-fund)
fi
