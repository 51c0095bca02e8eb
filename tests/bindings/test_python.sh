#!/usr/bin/env bash
# The Python binding's own tests (bindings/python/tests), against the built
# libgardien.so.
. "$(dirname "$0")/lib.sh"
cd "$GD_SOURCE_DIR/bindings/python"
exec /usr/bin/python3 -m unittest discover -s tests -t . -v
