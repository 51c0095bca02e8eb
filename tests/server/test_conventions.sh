#!/usr/bin/env bash
# The HTTP conventions clients expect (docs/API.md): errors as problem details
# (RFC 9457) that never echo a value or a password, Allow on 405, HEAD
# wherever GET exists, ETag and If-None-Match on the register, cursor paging
# of every list (opaque cursors, refused when forged or from another list),
# and Idempotency-Key replays on the POSTs that create.
. "$(dirname "$0")/lib.sh"
setup_vault
start_server --now 2026-02-02T10:00:00Z
T=/v1/tenants/acme

# hdr NAME: the header NAME of the last `reqh` response ("" when absent).
reqh() { # reqh METHOD PATH TOKEN [BODY] [HEADER…]: like req, keeps the headers
	local method=$1 path=$2 token=$3 body=${4:-}
	shift 4 2>/dev/null || shift $#
	rm -f "$W/body"; : >"$W/body"
	local args=(-s -S -D "$W/headers" -o "$W/body" -w '%{http_code}' --max-time 20)
	if [ "$method" = HEAD ]; then args+=(--head); else args+=(-X "$method"); fi
	[ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	for h in "$@"; do args+=(-H "$h"); done
	STATUS=$(curl "${args[@]}" "$B$path")
	BODY=$(cat "$W/body")
}
hdr() { tr -d '\r' <"$W/headers" | awk -v h="$(tr A-Z a-z <<<"$1")" -F': ' 'tolower($1) == h {print substr($0, length($1) + 3)}' | tail -1; }

# ---- problem details ----
reqh GET /v1/nosuch "" ""; expect_status 404 not_found
[ "$(hdr Content-Type)" = application/problem+json ] || fail "404 is $(hdr Content-Type), not problem+json"
jq -e '.type == "urn:gardien:problem:not_found" and .status == 404 and (.title | length > 0) and (.detail | length > 0)' <<<"$BODY" >/dev/null ||
	fail "not a problem document: $BODY"
reqh GET $T/subjects "" ""; expect_status 401 unauthenticated
[ "$(hdr Content-Type)" = application/problem+json ] || fail "401 is $(hdr Content-Type)"
[ "$(jq .status <<<"$BODY")" = 401 ] || fail "status member differs from the HTTP status: $BODY"
reqh POST $T/subjects "$TA" '{"identifiers":' ; expect_status 400 bad_json
[ "$(hdr Content-Type)" = application/problem+json ] || fail "400 is $(hdr Content-Type)"
# refused early by the server itself (body cap), still a problem document
big=$(head -c 70000 /dev/zero | tr '\0' a)
reqh POST $T/subjects "$TA" "{\"x\":\"$big\"}"; expect_status 413 too_big
[ "$(hdr Content-Type)" = application/problem+json ] || fail "413 is $(hdr Content-Type)"
# no value, password or token in a detail
req POST $T/subjects "$TADMIN" '{}'; expect_status 201
S=$(jq -r .subject <<<"$BODY")
req POST $T/subjects/$S/records "$TA" '{"activity":"billing","category":"no such category","value":"Secret-Value-4711"}'
[ "${STATUS:0:1}" = 4 ] || fail "a bad category was accepted: $STATUS"
grep -q Secret-Value-4711 <<<"$BODY" && fail "the value is echoed in the problem: $BODY"
req POST /v1/auth/login "" '{"tenant":"acme","name":"nobody","password":"Hunter2-Password-0815"}'; expect_status 401
grep -q Hunter2 <<<"$BODY" && fail "the password is echoed in the problem: $BODY"
grep -q "$TA" <<<"$(curl -s -H "Authorization: Bearer $TA" "$B/v1/tenants/beta/subjects")" && fail "the token is echoed"

# ---- 405 and Allow ----
reqh DELETE $T/subjects "$TA" ""; expect_status 405 method_not_allowed
[ "$(hdr Allow)" = "GET, HEAD, POST" ] || fail "Allow of $T/subjects: '$(hdr Allow)'"
reqh PATCH $T/register "$TA" ""; expect_status 405
[ "$(hdr Allow)" = "PUT, GET, HEAD" ] || fail "Allow of $T/register: '$(hdr Allow)'"

# ---- HEAD: the GET's status and headers, no body ----
reqh GET $T/roles "$TADMIN" ""; expect_status 200
get_type=$(hdr Content-Type) get_len=$(hdr Content-Length)
reqh HEAD $T/roles "$TADMIN" ""; expect_status 200
[ "$(hdr Content-Type)" = "$get_type" ] && [ "$(hdr Content-Length)" = "$get_len" ] ||
	fail "HEAD headers differ from GET: $(hdr Content-Type) $(hdr Content-Length) vs $get_type $get_len"
# on the wire: the headers, then nothing (curl --head would not tell)
printf 'HEAD %s/roles HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n' "$T" "$TADMIN" |
	"$HTTPC" send 127.0.0.1 "$PORT" >"$W/raw"
head -1 "$W/raw" | grep -q '^HTTP/1.1 200' || fail "raw HEAD: $(head -1 "$W/raw")"
[ "$(awk 'body {n += length($0) + 1} /^\r?$/ {body = 1} END {print n + 0}' "$W/raw")" = 0 ] ||
	fail "HEAD sent a body: $(cat "$W/raw")"
reqh HEAD /healthz "" ""; expect_status 200
reqh HEAD $T/roles "" ""; expect_status 401

# ---- ETag and If-None-Match on the register ----
yaml=$(jq -Rs '{yaml: ., name: "wimi.yml"}' "$GD_SOURCE_DIR/examples/wimi.yml")
req PUT $T/register "$TADMIN" "$yaml"; expect_status 201
reqh GET $T/register "$TA" ""; expect_status 200
E1=$(hdr ETag)
[[ $E1 =~ ^\"[0-9a-f]{32}\"$ ]] || fail "no strong ETag on the register: '$E1'"
L1=$(hdr Content-Length)
reqh GET $T/register "$TA" "" "If-None-Match: $E1"; expect_status 304
[ -z "$BODY" ] || fail "a 304 with a body"
[ "$(hdr ETag)" = "$E1" ] || fail "the 304 does not carry the ETag"
# a 304 sends no body; its Content-Length is one header, 0 (libmicrohttpd 0.9.75's,
# which RFC 9110 8.6 does not allow: docs/server.md, "Notes and limits")
[ -n "$L1" ] && [ "$L1" != 0 ] || fail "the 200 has no Content-Length: $L1"
printf 'GET %s/register HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\nIf-None-Match: %s\r\nConnection: close\r\n\r\n' "$T" "$TA" "$E1" |
	"$HTTPC" send 127.0.0.1 "$PORT" >"$W/raw"
head -1 "$W/raw" | grep -q '^HTTP/1.1 304' || fail "raw 304: $(head -1 "$W/raw")"
[ "$(awk 'body {n += length($0) + 1} /^\r?$/ {body = 1} END {print n + 0}' "$W/raw")" = 0 ] ||
	fail "the 304 sent a body: $(cat "$W/raw")"
[ "$(tr -d '\r' <"$W/raw" | grep -ci '^content-length:')" = 1 ] || fail "the 304 has not one Content-Length: $(cat "$W/raw")"
reqh HEAD $T/register "$TA" "" "If-None-Match: \"other\", W/$E1"; expect_status 304
reqh GET $T/register "$TA" "" 'If-None-Match: "0000"'; expect_status 200
reqh GET "$T/register?format=md" "$TA" ""; expect_status 200
[ "$(hdr ETag)" != "$E1" ] || fail "the Markdown register has the JSON's ETag"
reqh GET $T/register/versions "$TA" ""; expect_status 200
EV=$(hdr ETag)
# a new version: the old validator no longer matches
sed 's/^  name: .*/  name: Wimi SAS (v2)/' "$GD_SOURCE_DIR/examples/wimi.yml" >"$W/wimi2.yml"
cmp -s "$W/wimi2.yml" "$GD_SOURCE_DIR/examples/wimi.yml" && fail "could not write a second version"
req PUT $T/register "$TADMIN" "$(jq -Rs '{yaml: ., name: "wimi2.yml"}' "$W/wimi2.yml")"; expect_status 201
reqh GET $T/register "$TA" "" "If-None-Match: $E1"; expect_status 200
[ "$(hdr ETag)" != "$E1" ] || fail "the ETag did not change with the register"
reqh GET $T/register/versions "$TA" "" "If-None-Match: $EV"; expect_status 200

# ---- cursor paging ----
for i in 1 2 3 4 5; do
	req POST $T/requests "$TADMIN" "{\"kind\":\"access\",\"subject\":\"$S\",\"received_at\":\"2026-01-2${i}\"}"; expect_status 201
done
req GET $T/requests "$TADMIN"; expect_status 200
all=$(jq -c '[.requests[].id]' <<<"$BODY")
[ "$(jq length <<<"$all")" = 5 ] || fail "expected 5 requests: $all"
[ "$(jq 'has("next_cursor")' <<<"$BODY")" = false ] || fail "a single page has a next_cursor"
got='[]' cursor= pages=0
while :; do
	req GET "$T/requests?limit=2${cursor:+&cursor=$cursor}" "$TADMIN"; expect_status 200
	[ "$(jq '.requests | length' <<<"$BODY")" -le 2 ] || fail "page over the limit: $BODY"
	got=$(jq -c --argjson g "$got" '$g + [.requests[].id]' <<<"$BODY")
	pages=$((pages + 1))
	cursor=$(jq -r '.next_cursor // empty' <<<"$BODY")
	[ -n "$cursor" ] || break
	[ $pages -lt 10 ] || fail "paging does not end"
done
[ "$got" = "$all" ] && [ $pages = 3 ] || fail "pages $got in $pages, expected $all in 3"
reqh GET "$T/requests?limit=2" "$TADMIN" ""; C1=$(jq -r .next_cursor <<<"$BODY")
[ "$(hdr Link)" = "<$T/requests?limit=2&cursor=$C1>; rel=\"next\"" ] || fail "Link of page 1: '$(hdr Link)'"
# the Link keeps the other parameters, replaces the cursor, and goes with the last page
reqh GET "$T/requests?cursor=$C1&open=true&limit=2" "$TADMIN" ""; C2=$(jq -r .next_cursor <<<"$BODY")
[ "$(hdr Link)" = "<$T/requests?open=true&limit=2&cursor=$C2>; rel=\"next\"" ] || fail "Link of page 2: '$(hdr Link)'"
reqh GET "$T/requests?cursor=$C2&open=true&limit=2" "$TADMIN" ""; expect_status 200
[ -z "$(hdr Link)" ] && [ "$(jq 'has("next_cursor")' <<<"$BODY")" = false ] || fail "the last page links on"
req GET "$T/requests?cursor=zz$C1" "$TADMIN"; expect_status 400 bad_cursor
req GET "$T/requests?cursor=$(printf 'v2|listRequests|[3]' | od -An -tx1 | tr -d ' \n')" "$TADMIN"; expect_status 200 # the format is documented, not secret
req GET "$T/roles?cursor=$C1" "$TADMIN"; expect_status 400 bad_cursor                # another list's cursor
req GET "$T/requests?cursor=$(printf 'v2|listRequests|99' | od -An -tx1 | tr -d ' \n')" "$TADMIN"; expect_status 400 bad_cursor # not a key
req GET "$T/requests?cursor=$(printf 'v2|listRequests|[99]' | od -An -tx1 | tr -d ' \n')" "$TADMIN"; expect_status 200 # past the end: an empty page
[ "$(jq -c '[.requests, has("next_cursor")]' <<<"$BODY")" = '[[],false]' ] || fail "a key past the end: $BODY"
req GET "$T/requests?cursor=$(head -c 200 /dev/zero | tr '\0' a)" "$TADMIN"; expect_status 400 bad_cursor
req GET "$T/requests?limit=0" "$TADMIN"; expect_status 400 bad_request
req GET "$T/requests?limit=1001" "$TADMIN"; expect_status 400 bad_request
# the other lists page the same way
for list in roles:roles principals:principals tokens:tokens register/versions:versions; do
	req GET "$T/${list%%:*}?limit=1" "$TADMIN"; expect_status 200
	[ "$(jq ".${list#*:} | length" <<<"$BODY")" = 1 ] && [ "$(jq -r '.next_cursor | type' <<<"$BODY")" = string ] ||
		fail "$T/${list%%:*} does not page: $BODY"
done
# subjects (paged by the library) and the audit trail (its own cursor)
for i in 1 2; do req POST $T/subjects "$TADMIN" '{}'; expect_status 201; done
req GET "$T/subjects?limit=2" "$TADMIN"; expect_status 200
C=$(jq -r .next_cursor <<<"$BODY")
req GET "$T/subjects?limit=2&cursor=$C" "$TADMIN"; expect_status 200
[ "$(jq '.subjects | length' <<<"$BODY")" = 1 ] || fail "second page of subjects: $BODY"
req GET "$T/audit?limit=3" "$TADMIN"; expect_status 200
first=$(jq -c '[.entries[].seq]' <<<"$BODY"); C=$(jq -r .next_cursor <<<"$BODY")
req GET "$T/audit?limit=3&cursor=$C" "$TADMIN"; expect_status 200
[ "$(jq '.entries[0].seq' <<<"$BODY")" -gt "$(jq '.[-1]' <<<"$first")" ] || fail "audit page 2 does not follow page 1"
req GET "$T/audit?cursor=$C1" "$TADMIN"; expect_status 400 bad_cursor

# ---- Idempotency-Key ----
reqh POST $T/subjects "$TADMIN" '{"identifiers":{"email":"idem@example.org"}}' "Idempotency-Key: order-42"; expect_status 201
S1=$(jq -r .subject <<<"$BODY")
[ -z "$(hdr Idempotent-Replayed)" ] || fail "a first request marked as replayed"
reqh POST $T/subjects "$TADMIN" '{"identifiers":{"email":"idem@example.org"}}' "Idempotency-Key: order-42"; expect_status 201
[ "$(jq -r .subject <<<"$BODY")" = "$S1" ] || fail "the retry created another subject: $BODY"
[ "$(hdr Idempotent-Replayed)" = true ] || fail "the replay is not marked"
reqh POST $T/subjects "$TADMIN" '{"identifiers":{"email":"other@example.org"}}' "Idempotency-Key: order-42"
expect_status 422 idempotency_key_reused
reqh POST $T/holds "$TADMIN" '{"subject":"'"$S1"'","reason":"audit"}' "Idempotency-Key: order-42"
expect_status 422 idempotency_key_reused   # same key, another path
# keys are per principal: another principal's same key is its own
reqh POST $T/subjects "$TA" '{"identifiers":{"email":"idem@example.org"}}' "Idempotency-Key: order-42"
[ "$STATUS" = 409 ] || fail "another principal's key replayed the admin's answer: $STATUS $BODY"
# a record (on beta, which has no register to satisfy)
req POST /v1/tenants/beta/subjects "$TBADMIN" '{}'; expect_status 201
SB=$(jq -r .subject <<<"$BODY")
reqh POST /v1/tenants/beta/subjects/$SB/records "$TBADMIN" '{"activity":"billing","category":"user.name","value":"Ada"}' "Idempotency-Key: rec-1"; expect_status 201
R1=$(jq -r .id <<<"$BODY")
reqh POST /v1/tenants/beta/subjects/$SB/records "$TBADMIN" '{"activity":"billing","category":"user.name","value":"Ada"}' "Idempotency-Key: rec-1"; expect_status 201
[ "$(jq -r .id <<<"$BODY")" = "$R1" ] || fail "the record was stored twice"
req GET "/v1/tenants/beta/subjects/$SB/records?purpose=billing" "$TBADMIN"; expect_status 200
[ "$(jq '.records | length' <<<"$BODY")" = 1 ] || fail "records after a replay: $BODY"
reqh POST $T/subjects "$TADMIN" '{}' "Idempotency-Key: $(head -c 300 /dev/zero | tr '\0' k)"; expect_status 400 bad_request
# an error is not kept: the corrected retry runs
reqh POST $T/requests "$TADMIN" '{"kind":"nonsense","subject":"'"$S1"'"}' "Idempotency-Key: req-1"
[ "${STATUS:0:1}" = 4 ] || fail "a bad request kind was accepted"
reqh POST $T/requests "$TADMIN" '{"kind":"nonsense","subject":"'"$S1"'"}' "Idempotency-Key: req-1"
[ "$(hdr Idempotent-Replayed)" = "" ] || fail "an error was replayed"
echo "conventions: ok"
