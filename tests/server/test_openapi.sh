#!/usr/bin/env bash
# The OpenAPI document is good enough to generate a client from: the document
# the server serves passes @redocly/cli's recommended rules with warnings as
# errors (tests/server/openapi/redocly.yaml), every operation has a unique
# operationId and every public one `security: []` or the probe token, and a
# client generated from it (openapi-typescript types, checked by tsc, over
# openapi-fetch) creates a subject, puts a record, reads it back, pages
# through a list and reads a problem document against a real `gardien serve`.
# npm packages are pinned (package-lock.json) and installed with `npm ci` when
# missing.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")/openapi" && pwd)
for tool in node npm; do
	command -v $tool >/dev/null || fail "$tool is missing: run scripts/deps.sh"
done
if [ ! -x "$here/node_modules/.bin/redocly" ] || [ ! -x "$here/node_modules/.bin/openapi-typescript" ] ||
	[ ! -d "$here/node_modules/openapi-fetch" ] || [ ! -x "$here/node_modules/.bin/tsc" ]; then
	(cd "$here" && timeout 600 npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci failed in $here"
fi
setup_vault
start_server
req GET /v1/openapi.json; expect_status 200
printf '%s\n' "$BODY" >"$W/openapi.json"

# ---- validation ----
(cd "$here" && NO_UPDATE_NOTIFIER=1 REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
	timeout 300 ./node_modules/.bin/redocly lint --config redocly.yaml "$W/openapi.json") >"$W/lint" 2>&1 ||
	{ cat "$W/lint" >&2; fail "redocly lint refused the OpenAPI document"; }
ops=$(jq '[.paths[][] | .operationId] | length' "$W/openapi.json")
uniq=$(jq '[.paths[][] | .operationId] | unique | length' "$W/openapi.json")
all=$(jq '[.paths[][]] | length' "$W/openapi.json")
[ "$ops" = "$all" ] && [ "$uniq" = "$all" ] || fail "$all operations, $ops operationIds, $uniq unique"
# a route without its line in the documentation table (src/server/openapi.c)
# gets a fallback id with an underscore: the table must cover every route
jq -r '.paths[][] | .operationId | select(test("^[a-z][A-Za-z0-9]*$") | not)' "$W/openapi.json" >"$W/undocumented"
[ ! -s "$W/undocumented" ] || fail "routes missing from the documentation table in src/server/openapi.c: $(tr '\n' ' ' <"$W/undocumented")"
jq -e '.servers | length > 0' "$W/openapi.json" >/dev/null || fail "no servers"
jq -e '.paths["/v1/auth/login"].post.security == []' "$W/openapi.json" >/dev/null || fail "login is not public"
jq -e '[.paths[][] | select(has("security") | not)] | length == 0' "$W/openapi.json" >/dev/null ||
	fail "operations without security"
# every query parameter a handler reads is documented (src/server reads them with api_query)
for q in $(grep -ho 'api_query\(_time\)\?(c, "[a-z_]*"' "$GD_SOURCE_DIR"/src/server/route_*.c | sed 's/.*"\(.*\)"/\1/' | sort -u); do
	jq -e --arg q "$q" '[.paths[][] | .parameters[]? | select(.in == "query" and .name == $q)] | length > 0' \
		"$W/openapi.json" >/dev/null || fail "query parameter ?$q= is read by a handler but documented nowhere"
done
# each list says it pages
for p in subjects requests audit roles tokens grants principals holds breaches outbox; do
	jq -e --arg p "/v1/tenants/{tenant}/$p" \
		'.paths[$p].get.responses["200"].content["application/json"].schema.properties.next_cursor' \
		"$W/openapi.json" >/dev/null || fail "GET $p does not document next_cursor"
done

# ---- a generated client against the server ----
OUT=$here/.run-$$-$RANDOM
mkdir "$OUT"
at_exit "rm -rf '$OUT'"
cp "$here/client.ts" "$here/tsconfig.json" "$OUT/"
(cd "$here" && timeout 300 ./node_modules/.bin/openapi-typescript "$W/openapi.json" -o "$OUT/schema.d.ts") >"$W/gen" 2>&1 ||
	{ cat "$W/gen" >&2; fail "openapi-typescript could not generate the client's types"; }
(cd "$here" && timeout 300 ./node_modules/.bin/tsc -p "$OUT/tsconfig.json") >"$W/tsc" 2>&1 ||
	{ cat "$W/tsc" >&2; fail "the client does not type-check against the generated types"; }
GD_BASE=$B GD_TOKEN=$TADMIN timeout 120 node "$OUT/client.js" || fail "the generated client failed against the server"
echo "openapi: ok"
