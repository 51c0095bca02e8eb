#!/usr/bin/env bash
# The server under attack, over raw HTTP (tests/tools/httpc.c): a NUL or any
# control character in the path never reaches a shorter route; ambiguous
# framing is refused and the connection closed; clients that vanish while the
# committer answers them leak nothing (LeakSanitizer checks at the stop);
# non-canonical integers are refused.
. "$(dirname "$0")/lib.sh"
H=${HTTPC:?HTTPC must name the httpc tool}
setup_vault
# no per-client limit: the vanishing clients below come by the hundred (the
# limit itself is tested in test_limits.sh)
start_server --max-per-client 0

# raw REQUEST: sends it as is (printf escapes), RAW receives the whole answer
raw() { RAW=$(printf "$1" | "$H" send 127.0.0.1 "$PORT"); }
status_of() { head -1 <<<"$RAW" | cut -d' ' -f2; }

req POST /v1/tenants/acme/subjects "$TADMIN" '{"identifiers":{"email":"ana@example.fr"}}'; expect_status 201
S=$(jq -r .subject <<<"$BODY")
req PUT /v1/tenants/acme/subjects/$S/consents/billing "$TADMIN" '{"channel":"web-form","text":"I agree to billing"}'; expect_status 201
req POST /v1/tenants/acme/subjects/$S/records "$TADMIN" '{"activity":"billing","category":"user.name","value":"Ana"}'; expect_status 201
R=$(jq -r .id <<<"$BODY")

# ---- 1. NUL and control characters in the path: 400, never a shorter route ----
for target in "/v1/tenants/acme/subjects/$S%%00/consents/billing" "/v1/tenants/acme/subjects/$S%%00" \
	"/v1/tenants/acme/subjects/$S%%0a/consents/billing" "/v1/tenants/acme/subjects/$S%%2fconsents%%2fbilling" \
	"/v1/tenants/acme/subjects/$S%%7f" "/v1/tenants/acme/subjects/$S%%zz"; do
	raw "DELETE $target HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $TADMIN\r\nConnection: close\r\n\r\n"
	[ "$(status_of)" = 400 ] || fail "DELETE $target: $(head -1 <<<"$RAW")"
done
for target in "/v1/tenants/acme/audit%%00/verify" "/v1/whoami%%00.json" "/v1/whoami?x=%%00"; do
	raw "GET $target HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $TADMIN\r\nConnection: close\r\n\r\n"
	[ "$(status_of)" = 400 ] || fail "GET $target: $(head -1 <<<"$RAW")"
done
# a literal NUL byte in the request line
raw "GET /v1/whoami\0.json HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $TADMIN\r\nConnection: close\r\n\r\n"
[ "$(status_of)" = 400 ] || fail "literal NUL in the request line: $(head -1 <<<"$RAW")"
# the subject, its consent and its record are all still there
req GET /v1/tenants/acme/subjects/$S/consents "$TADMIN"; expect_status 200
[ "$(jq '.consents | length' <<<"$BODY")" -ge 1 ] || fail "the consent is gone: $BODY"
req GET "/v1/tenants/acme/records/$R?purpose=billing" "$TADMIN"; expect_status 200
# escapes that decode to ordinary characters still route, and a raw request works
raw "GET /v1/who%%61mi HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $TADMIN\r\nConnection: close\r\n\r\n"
[ "$(status_of)" = 200 ] || fail "an escaped letter: $(head -1 <<<"$RAW")"

# ---- 5. framing: Content-Length with chunked, two Content-Length: 400 and close ----
raw 'POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'
[ "$(status_of)" = 400 ] || fail "CL + TE: $(head -1 <<<"$RAW")"
[ "$(grep -o 'HTTP/1.1 [0-9][0-9][0-9]' <<<"$RAW" | wc -l)" = 1 ] || fail "a hidden second request was answered: $RAW"
grep -qi '^Connection: close' <<<"$RAW" || fail "CL + TE: the connection is not closed"
raw 'POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'
[ "$(status_of)" = 400 ] || fail "two Content-Length: $(head -1 <<<"$RAW")"
[ "$(grep -o 'HTTP/1.1 [0-9][0-9][0-9]' <<<"$RAW" | wc -l)" = 1 ] || fail "two Content-Length: more than one answer: $RAW"
raw 'POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}'
[ "$(status_of)" = 400 ] || fail "a repeated Content-Length: $(head -1 <<<"$RAW")"
# ordinary framing still works: chunked alone, Content-Length alone, kept alive
raw 'POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
[ "$(status_of)" = 400 ] && [ "$(grep -o 'HTTP/1.1 [0-9][0-9][0-9]' <<<"$RAW" | wc -l)" = 2 ] || fail "chunked body: $RAW"
grep -q '"field \\"name\\" is missing' <<<"$RAW" || fail "the chunked body was not read: $RAW"

# ---- integers: canonical digits only ----
for v in -5 +1 01 0 1e3 ' 1' 99999999999999999999; do
	req GET "/v1/tenants/acme/register?version=$(jq -rn --arg v "$v" '$v|@uri')" "$TADMIN"; expect_status 400 bad_request
done
for id in +$R 0$R; do
	req GET "/v1/tenants/acme/records/$id?purpose=billing" "$TADMIN"; expect_status 400 bad_request
done
req GET "/v1/tenants/acme/audit?limit=+5" "$TADMIN"; expect_status 400 bad_request
req GET "/v1/tenants/acme/audit?limit=5" "$TADMIN"; expect_status 200

# ---- collected_at: not after now + 1 day (retention counts from it) ----
req POST /v1/tenants/acme/subjects/$S/records "$TADMIN" '{"activity":"billing","category":"user.name","value":"x","collected_at":"9999-12-31"}'
expect_status 422 invalid
req POST /v1/tenants/acme/subjects/$S/records "$TADMIN" '{"activity":"billing","category":"user.name","value":"x","collected_at":"2018-02-31"}'
expect_status 400 bad_request

# ---- bad_json: never an echo of the body ----
req POST /v1/auth/login "" '{"name":"ana","password":"hunter2-secret-value"'; expect_status 400 bad_json
! grep -q hunter2 <<<"$BODY" || fail "bad_json echoes the body: $BODY"
req POST /v1/auth/login "" '{"name":"ana","name":"secret-name-x","password":"p"}'; expect_status 400 bad_json
! grep -q secret-name-x <<<"$BODY" || fail "bad_json echoes a key or value: $BODY"
req POST /v1/tenants/acme/subjects/$S/records "$TADMIN" 'zz-private-value'; expect_status 400 bad_json
! grep -qi 'zz-private\|JSON_\|REJECT\|DECODE' <<<"$BODY" || fail "bad_json echoes the body or flag names: $BODY"

# ---- 2. clients that vanish mid-request leak nothing ----
# Each reads a record (a decrypted value in the answer) and resets its
# connection while the committer works; stop_server fails on a LeakSanitizer report.
printf 'GET /v1/tenants/acme/records/%s?purpose=billing HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n' "$R" "$TADMIN" |
	"$H" abort 127.0.0.1 "$PORT" 200
printf 'GET /v1/tenants/acme/audit/verify HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n' "$TADMIN" |
	"$H" abort 127.0.0.1 "$PORT" 20
req GET /healthz; expect_status 200
stop_server
echo "hardening: ok"
