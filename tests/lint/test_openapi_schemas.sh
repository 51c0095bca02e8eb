#!/usr/bin/env bash
# The schemas of the OpenAPI document are written in
# src/server/openapi_schemas.json; scripts/gen-openapi-schemas.py makes them
# the C string openapi.c includes (openapi_schemas.inc). The committed string
# must be what the script writes from the committed JSON, so an edit of one
# without the other fails here. (docs/openapi.json, the whole document, is
# checked against the served one by tests/server/test_protocol.sh.)
set -euo pipefail
: "${GD_SOURCE_DIR:?}"
python3 "$GD_SOURCE_DIR/scripts/gen-openapi-schemas.py" --check
echo "1 passed, 0 failed"
