#!/usr/bin/env bash
# The Python binding's own tests (bindings/python/tests) and examples/hello.py,
# against the built libgardien.so.
. "$(dirname "$0")/lib.sh"
cd "$GD_SOURCE_DIR/bindings/python"
/usr/bin/python3 -m unittest discover -s tests -t . -v
W=$(mktemp -d "${TMPDIR:-/tmp}/gd-py.XXXXXX")
trap 'rm -rf "$W"' EXIT
out=$(PYTHONPATH=. /usr/bin/python3 "$GD_SOURCE_DIR/examples/hello.py" "$W/hello.db")
grep -q '^refused: ' <<<"$out" && grep -q '^erased sub_' <<<"$out" || { echo "FAIL: hello.py said: $out"; exit 1; }
echo "examples/hello.py: ok"
