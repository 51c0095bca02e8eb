#!/usr/bin/env bash
# The PostgreSQL schema is written from the SQLite one by
# scripts/gen-pg-schema.py: the committed files must be what it writes, so a
# table changed for one engine is changed for both.
set -euo pipefail
: "${GD_SOURCE_DIR:?}"
W=$(mktemp -d "${TMPDIR:-/tmp}/gd-pgschema.XXXXXX")
trap 'rm -rf "$W"' EXIT
python3 "$GD_SOURCE_DIR/scripts/gen-pg-schema.py" "$W"
if ! diff -ru "$GD_SOURCE_DIR/src/lib/store/pg" "$W"; then
	echo "FAIL: src/lib/store/pg differs from what scripts/gen-pg-schema.py writes: run it and commit" >&2
	exit 1
fi
echo "1 passed, 0 failed"
