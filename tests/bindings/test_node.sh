#!/usr/bin/env bash
# The Node binding's own tests (bindings/node/test), against the built
# libgardien.so; koffi comes from npm at the version package-lock.json pins.
. "$(dirname "$0")/lib.sh"
cd "$GD_SOURCE_DIR/bindings/node"
if [ ! -d node_modules/koffi ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
exec node --test test/
