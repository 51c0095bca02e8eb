#!/usr/bin/env bash
# Every endpoint of the API against a real daemon: its success answer, and each
# error status (400, 401, 403, 404, 405, 409, 413, 422) with its stable code.
. "$(dirname "$0")/lib.sh"
setup_vault
start_server

req GET /healthz; expect_status 200; [ "$(jq -r .status <<<"$BODY")" = ok ] || fail healthz
req GET /v1/whoami "$TA"; expect_status 200
[ "$(jq -r .principal <<<"$BODY")" = svc:app ] && [ "$(jq -r .tenant <<<"$BODY")" = acme ] || fail "whoami: $BODY"
req GET /v1/tenants/acme "$TA"; expect_status 200

# subjects and identifiers
req POST /v1/tenants/acme/subjects "$TA" '{"identifiers":{"email":" Ana@Example.FR ","phone":"06 12 34 56 78"}}'
expect_status 201; S=$(jq -r .subject <<<"$BODY")
[[ $S == sub_* ]] || fail "subject id: $BODY"
req POST /v1/tenants/acme/subjects/find "$TA" '{"kind":"email","value":"ana@example.fr"}'; expect_status 200
[ "$(jq -r .subject <<<"$BODY")" = "$S" ] || fail "find by normalised email"
req POST /v1/tenants/acme/subjects/find "$TA" '{"kind":"phone","value":"+33612345678"}'; expect_status 200
req POST /v1/tenants/acme/subjects/$S/identifiers "$TA" '{"kind":"customer_number","value":"C-1"}'; expect_status 201
req POST /v1/tenants/acme/subjects/find "$TA" '{"kind":"customer_number","value":"C-1"}'; expect_status 200
req POST /v1/tenants/acme/subjects "$TA" '{"identifiers":{"email":"ana@example.fr"}}'; expect_status 409 exists
req POST /v1/tenants/acme/subjects/find "$TA" '{"kind":"email","value":"nobody@example.fr"}'; expect_status 404 not_found
req POST /v1/tenants/acme/subjects/find "$TA" '{"kind":"email","value":"not an email"}'; expect_status 422 invalid
req POST /v1/tenants/acme/subjects/find "$TA" '{"kind":"email"}'; expect_status 400 bad_request
req POST /v1/tenants/acme/subjects/find "$TA" '{"kind":"email","value":42}'; expect_status 400 bad_request

# records: text and JSON, read for a purpose, list, update, delete
req POST /v1/tenants/acme/subjects/$S/records "$TA" '{"activity":"billing","category":"user.contact.email","value":"ana@example.fr"}'
expect_status 201; R1=$(jq -r .id <<<"$BODY")
req POST /v1/tenants/acme/subjects/$S/records "$TA" '{"activity":"billing","category":"user.financial","value":{"iban":"FR76 3000"},"collected_at":"2026-01-15"}'
expect_status 201; R2=$(jq -r .id <<<"$BODY")
req GET "/v1/tenants/acme/records/$R1?purpose=billing" "$TA"; expect_status 200
[ "$(jq -r .value <<<"$BODY")" = ana@example.fr ] || fail "record value: $BODY"
req GET "/v1/tenants/acme/records/$R2?purpose=billing" "$TA"; expect_status 200
[ "$(jq -r .value.iban <<<"$BODY")" = "FR76 3000" ] && [ "$(jq -r .type <<<"$BODY")" = json ] || fail "json record: $BODY"
[ "$(jq -r .collected_at <<<"$BODY")" = 2026-01-15T00:00:00Z ] || fail "collected_at: $BODY"
# the CLI prints a record in the same shape as the API (gardien/json.h)
CLI_REC=$("$G" --tenant acme --json get "$R2" --purpose billing) || fail "cli get"
[ "$(jq -S . <<<"$CLI_REC")" = "$(jq -S . <<<"$BODY")" ] || fail "record JSON differs: cli $CLI_REC, api $BODY"
req GET "/v1/tenants/acme/records/$R1" "$TA"; expect_status 400 bad_request           # no purpose
req GET "/v1/tenants/acme/records/abc?purpose=billing" "$TA"; expect_status 400 bad_request
req GET "/v1/tenants/acme/records/999?purpose=billing" "$TA"; expect_status 404 not_found
req GET "/v1/tenants/acme/subjects/$S/records?purpose=billing" "$TA"; expect_status 200
[ "$(jq '.records | length' <<<"$BODY")" = 2 ] && [ "$(jq .withheld <<<"$BODY")" = 0 ] || fail "list: $BODY"
req PUT "/v1/tenants/acme/records/$R1" "$TA" '{"value":"ana.new@example.fr"}'; expect_status 200
req GET "/v1/tenants/acme/records/$R1?purpose=billing" "$TA"; expect_status 200
[ "$(jq -r .value <<<"$BODY")" = ana.new@example.fr ] || fail "update not applied"
req POST /v1/tenants/acme/subjects/$S/records "$TA" '{"activity":"billing","category":"bad category!","value":"x"}'
expect_status 422 invalid
req POST /v1/tenants/acme/subjects/sub_000000000000000000000000/records "$TA" '{"activity":"billing","category":"c","value":"x"}'
expect_status 404 not_found

# the role "billing" may not use other activities, nor erase
req POST /v1/tenants/acme/subjects/$S/records "$TA" '{"activity":"marketing","category":"user.contact.email","value":"x"}'
expect_status 403 denied
req GET "/v1/tenants/acme/records/$R1?purpose=marketing" "$TA"; expect_status 403 denied
req DELETE "/v1/tenants/acme/records/$R1" "$TA"; expect_status 403 denied
req DELETE "/v1/tenants/acme/subjects/$S" "$TA"; expect_status 403 denied
[ "$(audit_count acme subject.erase 1)" -ge 1 ] || fail "refused erase not audited"
req GET /v1/tenants/acme/roles "$TA"; expect_status 403 denied

# the admin may
req DELETE "/v1/tenants/acme/records/$R2" "$TADMIN"; expect_status 200
req GET "/v1/tenants/acme/records/$R2?purpose=billing" "$TA"; expect_status 404

# admin endpoints: roles, principals, tokens, grants
req PUT /v1/tenants/acme/roles/support-desk "$TADMIN" '{"ops":"read","activities":"billing,support","mfa":true}'; expect_status 200
req PUT /v1/tenants/acme/roles/x "$TADMIN" '{"ops":"fly","activities":"*"}'; expect_status 422 invalid
req GET /v1/tenants/acme/roles "$TADMIN"; expect_status 200
[ "$(jq '[.roles[].name] | index("support-desk") != null' <<<"$BODY")" = true ] || fail "roles: $BODY"
req POST /v1/tenants/acme/users "$TADMIN" '{"name":"bob","role":"billing","password":"a long enough pass"}'; expect_status 201
req POST /v1/tenants/acme/users "$TADMIN" '{"name":"bob","role":"billing","password":"a long enough pass"}'; expect_status 409 exists
req POST /v1/tenants/acme/users "$TADMIN" '{"name":"eve","role":"billing","password":"short"}'; expect_status 422 invalid
req POST /v1/tenants/acme/users "$TADMIN" '{"name":"eve","role":"nosuchrole","password":"a long enough pass"}'; expect_status 404 not_found
req POST /v1/tenants/acme/services "$TADMIN" '{"name":"crm","role":"billing"}'; expect_status 201
req GET /v1/tenants/acme/principals "$TADMIN"; expect_status 200
[ "$(jq '[.principals[].name] | sort == ["app","bob","crm","root"]' <<<"$BODY")" = true ] || fail "principals: $BODY"
req POST /v1/tenants/acme/principals/bob/unlock "$TADMIN"; expect_status 200
req POST /v1/tenants/acme/tokens "$TADMIN" '{"principal":"crm","expires_at":"2099-01-01"}'; expect_status 201
TCRM=$(jq -r .token <<<"$BODY"); TCRM_ID=$(jq -r .id <<<"$BODY")
req GET /v1/whoami "$TCRM"; expect_status 200
req GET /v1/tenants/acme/tokens "$TADMIN"; expect_status 200
jq -e '.tokens | all(has("token") | not)' <<<"$BODY" >/dev/null || fail "token list shows secrets"
req DELETE /v1/tenants/acme/tokens/$TCRM_ID "$TADMIN"; expect_status 200
req GET /v1/whoami "$TCRM"; expect_status 401 unauthenticated
req DELETE /v1/tenants/acme/tokens/99999 "$TADMIN"; expect_status 404 not_found
"$G" --tenant acme user support sam <<<"support staff password" >/dev/null
req POST /v1/tenants/acme/grants "$TADMIN" '{"support":"sam","ops":"read","activities":"billing","expires_at":"2099-01-01"}'; expect_status 422 invalid
SOON=$(date -u -d '+3 days' +%Y-%m-%dT%H:%M:%SZ)
req POST /v1/tenants/acme/grants "$TADMIN" "{\"support\":\"sam\",\"ops\":\"read\",\"activities\":\"billing\",\"expires_at\":\"$SOON\"}"; expect_status 201
GID=$(jq -r .id <<<"$BODY")
req POST /v1/tenants/acme/grants "$TADMIN" '{"support":"sam","ops":"read","activities":"billing"}'; expect_status 400 bad_request
req GET /v1/tenants/acme/grants "$TADMIN"; expect_status 200
[ "$(jq '.grants | length' <<<"$BODY")" = 1 ] || fail "grants: $BODY"
req DELETE /v1/tenants/acme/grants/$GID "$TADMIN"; expect_status 200

# erase: the subject and its records are gone
req DELETE "/v1/tenants/acme/subjects/$S" "$TADMIN"; expect_status 200
req POST /v1/tenants/acme/subjects/find "$TA" '{"kind":"email","value":"ana@example.fr"}'; expect_status 404
req GET "/v1/tenants/acme/records/$R1?purpose=billing" "$TA"; expect_status 404

# protocol errors
req GET /nope; expect_status 404 not_found
req PATCH /v1/tenants/acme/subjects "$TA"; expect_status 405 method_not_allowed
req POST /v1/tenants/acme/subjects "$TA" '{"identifiers":'; expect_status 400 bad_json
req POST /v1/tenants/acme/subjects "$TA" '[1,2]'; expect_status 400 bad_json
req POST /v1/tenants/acme/subjects "$TA" '{"a":1,"a":2}'; expect_status 400 bad_json
req POST /v1/tenants/acme/subjects "$TA" '{"identifiers":[]}'; expect_status 400 bad_request
req POST /v1/auth/login "" '"just a string"'; expect_status 400 bad_json
# oversized bodies: declared (Content-Length) and streamed (chunked)
head -c 70000 /dev/zero | tr '\0' a | sed 's/^/{"x":"/; s/$/"}/' >"$W/big.json"
STATUS=$(curl -s -o "$W/body" -w '%{http_code}' -H "Authorization: Bearer $TA" --data-binary @"$W/big.json" "$B/v1/tenants/acme/subjects")
BODY=$(cat "$W/body"); expect_status 413 too_big
STATUS=$(curl -s -o "$W/body" -w '%{http_code}' -H "Authorization: Bearer $TA" -H 'Transfer-Encoding: chunked' --data-binary @"$W/big.json" "$B/v1/tenants/acme/subjects")
BODY=$(cat "$W/body"); expect_status 413 too_big
# a record value over the library's 1 MiB limit
S2=$(curl -s -H "Authorization: Bearer $TA" -d '{}' "$B/v1/tenants/acme/subjects" | jq -r .subject)
head -c 1100000 /dev/zero | tr '\0' a | sed 's/^/{"activity":"billing","category":"c","value":"/; s/$/"}/' >"$W/big2.json"
STATUS=$(curl -s -o "$W/body" -w '%{http_code}' -H "Authorization: Bearer $TA" --data-binary @"$W/big2.json" "$B/v1/tenants/acme/subjects/$S2/records")
BODY=$(cat "$W/body"); expect_status 413 too_big
req GET /v1/tenants/acme/records/1 "$TA" '{"a":1}'; expect_status 413 too_big   # GET takes no body

# metrics count what was served; the server keeps answering after all this
req GET /metrics; expect_status 200
grep -q '^gardien_http_requests_total{method="POST",route="/v1/tenants/{tenant}/subjects",status="2xx"} [0-9]' <<<"$BODY" || fail "metrics: no subject counter"
grep -q '^gardien_http_request_duration_seconds_count' <<<"$BODY" || fail "metrics: no latency"
# A file vault's size (a PostgreSQL vault's is the database server's to report).
[ "$GD_ENGINE" = pg ] || grep -q '^gardien_vault_size_bytes{file="db"} [1-9]' <<<"$BODY" || fail "metrics: no vault size"

# logout ends a session
req POST /v1/auth/login "" '{"tenant":"acme","name":"bob","password":"a long enough pass"}'; expect_status 201
SESS=$(jq -r .token <<<"$BODY")
req GET /v1/whoami "$SESS"; expect_status 200
req POST /v1/auth/logout "$SESS"; expect_status 204
req GET /v1/whoami "$SESS"; expect_status 401
stop_server
echo "api: ok"
