#!/usr/bin/env bash
# The Node binding's own tests (bindings/node/test) and examples/hello.js,
# against the built libgardien.so; koffi comes from npm at the version
# package-lock.json pins.
. "$(dirname "$0")/lib.sh"
cd "$GD_SOURCE_DIR/bindings/node"
if ! command -v npm >/dev/null; then
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends npm >/dev/null
fi
if [ ! -d node_modules/koffi ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
node --test test/
W=$(mktemp -d "${TMPDIR:-/tmp}/gd-node.XXXXXX")
trap 'rm -rf "$W"' EXIT
out=$(node "$GD_SOURCE_DIR/examples/hello.js" "$W/hello.db")
grep -q '^refused: ' <<<"$out" && grep -q '^erased sub_' <<<"$out" || { echo "FAIL: hello.js said: $out"; exit 1; }
echo "examples/hello.js: ok"
