#!/usr/bin/env bash
# The README's main job: examples/serve-demo.sh builds a demo vault with
# WinBooks' register, starts the server, and prints where it listens and a
# token; the printed instructions work, and SIGINT stops it cleanly.
. "$(dirname "$0")/lib.sh"
: >"$W/demo.out"   # exists before tail follows it (the job below may start later)
DEMO_DIR=$W/demo PORT=0 GARDIEN=$G bash "$GD_SOURCE_DIR/examples/serve-demo.sh" >>"$W/demo.out" 2>&1 &
demo=$!
timeout 60 grep -q -m1 'Ctrl-C' <(tail -n +1 -f "$W/demo.out") || { cat "$W/demo.out" >&2; fail "the demo did not start"; }
B=$(sed -n 's/^The API is at \(http[^ ]*\)\/v1\/ .*/\1/p' "$W/demo.out")
TOKEN=$(sed -n 's/^ *export TOKEN=//p' "$W/demo.out")
[ -n "$B" ] && [[ $TOKEN == gdt_* ]] || fail "no address or token in: $(cat "$W/demo.out")"
req GET /v1/whoami "$TOKEN"; expect_status 200
req POST /v1/tenants/winbooks/subjects/find "$TOKEN" '{"kind":"customer_number","value":"WB-1042"}'; expect_status 200
S=$(jq -r .subject <<<"$BODY")
req GET "/v1/tenants/winbooks/subjects/$S/records?purpose=billing" "$TOKEN"; expect_status 200
[ "$(jq '.records | length' <<<"$BODY")" = 2 ] || fail "demo records: $BODY"
req GET "/v1/tenants/winbooks/subjects/$S/records?purpose=information" "$TOKEN"; expect_status 200
[ "$(jq .withheld <<<"$BODY")" = 2 ] || fail "the role's other activities are not withheld: $BODY"
req GET "/v1/tenants/winbooks/register?format=md" "$TOKEN"; expect_status 200
grep -qi winbooks <<<"$BODY" || fail "demo register"
grep -q "open $B/console/ in a browser" "$W/demo.out" || fail "the demo does not say where the console is"
req GET /console/; expect_status 200
grep -q '<title>gardien</title>' <<<"$BODY" || fail "the console's page: $BODY"
PASS=$(cat "$W/demo/admin.password")
req POST /v1/auth/login "" "{\"tenant\":\"winbooks\",\"name\":\"admin\",\"password\":\"$PASS\"}"; expect_status 201
kill -TERM "$demo"   # a background job of a script ignores SIGINT: Ctrl-C is SIGINT to the foreground one
rc=0; wait "$demo" || rc=$?
grep -q 'SIGTERM received\|SIGINT received' "$W/demo.out" || fail "the server was not stopped by the signal"
curl -s -o /dev/null "$B/healthz" && fail "the demo server still answers"
echo "demo: ok"
