#!/usr/bin/env bash
# Tenant isolation: a principal of tenant acme — even its admin — tries every
# route of the API (taken from the served OpenAPI document) on tenant beta's
# data: always refused (403), and each attempt audited in both tenants' chains.
# beta's subjects and records are invisible under acme's paths (404). The
# provider's support sees beta only under beta's grant, within its scope,
# until it expires or is revoked, and every use is in beta's audit trail.
. "$(dirname "$0")/lib.sh"
setup_vault
"$G" --tenant acme user support sam <<<"support staff password" >/dev/null
start_server --now 2026-05-04T10:00:00Z

# beta's data
req POST /v1/tenants/beta/subjects "$TB" '{"identifiers":{"email":"zoe@beta.example"}}'; expect_status 201
SB=$(jq -r .subject <<<"$BODY")
req POST /v1/tenants/beta/subjects/$SB/records "$TB" '{"activity":"billing","category":"user.name","value":"Zoé"}'; expect_status 201
RB=$(jq -r .id <<<"$BODY")

req GET /v1/openapi.json; expect_status 200
jq -r '.paths | to_entries[] | .key as $p | .value | to_entries[] | "\(.key | ascii_upcase) \($p) \(.value | has("requestBody"))"' <<<"$BODY" |
	grep ' /v1/tenants/{tenant}' >"$W/routes"
n=$(wc -l <"$W/routes")
[ "$n" -ge 20 ] || fail "only $n tenant routes in the OpenAPI document"
before_b=$(audit_count beta access.tenant 1)
before_a=$(audit_count acme access.tenant 1)
while read -r method path hasbody; do
	p=${path//\{tenant\}/beta}
	p=${p//\{subject\}/$SB}
	p=${p//\{id\}/$RB}
	p=${p//\{name\}/app}; p=${p//\{step\}/verify}; p=${p//\{activity\}/billing}
	body=
	[ "$hasbody" = false ] || body='{"kind":"email","value":"zoe@beta.example","activity":"billing","category":"user.name","value2":"x","name":"x","role":"admin","password":"0123456789ab","principal":"app","ops":"all","activities":"*","support":"sam","expires_at":"2099-01-01"}'
	for tok in "$TADMIN" "$TA"; do
		req "$method" "$p?purpose=billing" "$tok" "$body"
		[ "$STATUS" = 403 ] || fail "$method $p by acme: $STATUS $BODY"
	done
done <"$W/routes"
after_b=$(audit_count beta access.tenant 1)
after_a=$(audit_count acme access.tenant 1)
[ $((after_b - before_b)) -eq $((2 * n)) ] || fail "beta's chain has $((after_b - before_b)) refusals, expected $((2 * n))"
[ $((after_a - before_a)) -eq $((2 * n)) ] || fail "acme's chain has $((after_a - before_a)) refusals, expected $((2 * n))"
# beta's data is intact and its ids mean nothing under acme's paths
req GET "/v1/tenants/beta/records/$RB?purpose=billing" "$TB"; expect_status 200
[ "$(jq -r .value <<<"$BODY")" = "Zoé" ] || fail "beta's record changed"
req GET "/v1/tenants/acme/records/$RB?purpose=billing" "$TADMIN"; expect_status 404
req GET "/v1/tenants/acme/subjects/$SB/records?purpose=billing" "$TADMIN"; expect_status 404
req DELETE "/v1/tenants/acme/subjects/$SB" "$TADMIN"; expect_status 404
req POST /v1/tenants/acme/subjects/find "$TADMIN" '{"kind":"email","value":"zoe@beta.example"}'; expect_status 404
req POST "/v1/tenants/acme/subjects/$SB/identifiers" "$TADMIN" '{"kind":"email","value":"x@y.z"}'; expect_status 404
req DELETE "/v1/tenants/acme/tokens/1" "$TADMIN"; expect_status 200    # acme's own token 1 (app)
req DELETE "/v1/tenants/acme/tokens/2" "$TADMIN"; expect_status 404    # token 2 is beta's
req GET /v1/whoami "$TB"; expect_status 200                             # still valid
req GET /v1/tenants/nosuch "$TADMIN"; expect_status 403

# support staff: no grant, no access (audited in beta's chain)
req POST /v1/auth/login "" '{"name":"sam","password":"support staff password"}'; expect_status 201
SS=$(jq -r .token <<<"$BODY")
req GET /v1/whoami "$SS"; expect_status 400
req GET "/v1/tenants/beta/records/$RB?purpose=billing" "$SS"; expect_status 403 denied
[ "$(audit_count beta support.access 1)" = 1 ] || fail "refused support access not audited in beta"
# beta's admin grants read on billing until noon
req POST /v1/tenants/beta/grants "$TBADMIN" '{"support":"sam","ops":"read","activities":"billing","expires_at":"2026-05-04T12:00:00Z"}'
expect_status 201; GID=$(jq -r .id <<<"$BODY")
req GET "/v1/tenants/beta/records/$RB?purpose=billing" "$SS"; expect_status 200
req GET "/v1/tenants/beta/subjects/$SB/records?purpose=billing" "$SS"; expect_status 200
req GET /v1/tenants/beta "$SS"; expect_status 200
[ "$(jq -r .principal <<<"$BODY")" = support:sam ] && [ "$(jq .grant <<<"$BODY")" = "$GID" ] || fail "support whoami: $BODY"
[ "$(jq -r .grant_expires_at <<<"$BODY")" = 2026-05-04T12:00:00Z ] || fail "support whoami without the grant's end: $BODY"
req POST /v1/tenants/beta/subjects "$SS" '{}'; expect_status 403 denied                     # not in scope: write
req GET "/v1/tenants/beta/records/$RB?purpose=marketing" "$SS"; expect_status 403 denied   # not in scope: activity
req POST /v1/tenants/beta/grants "$SS" '{"support":"sam","ops":"all","activities":"*","expires_at":"2099-01-01"}'; expect_status 403
req GET "/v1/tenants/acme/records/1?purpose=billing" "$SS"; expect_status 403              # acme issued no grant
[ "$(audit_count beta support.access 0)" -ge 4 ] || fail "support uses not audited in beta"
"$AUDIT_SQL" "$GARDIEN_VAULT" "SELECT count(*) FROM audit WHERE principal='support:sam' AND action='record.get' AND outcome=0 AND tenant_id=(SELECT id FROM tenants WHERE name='beta')" | grep -qx 2 || fail "support reads not audited under support:sam"
stop_server
# after noon the grant has expired
start_server --now 2026-05-04T12:00:01Z
req POST /v1/auth/login "" '{"name":"sam","password":"support staff password"}'; expect_status 201
SS=$(jq -r .token <<<"$BODY")
req GET "/v1/tenants/beta/records/$RB?purpose=billing" "$SS"; expect_status 403
# a new grant, then revoked by beta's admin
req POST /v1/tenants/beta/grants "$TBADMIN" '{"support":"sam","ops":"read","activities":"*","expires_at":"2026-05-05"}'; expect_status 201
G2=$(jq -r .id <<<"$BODY")
req GET "/v1/tenants/beta/records/$RB?purpose=billing" "$SS"; expect_status 200
req DELETE /v1/tenants/beta/grants/$G2 "$TBADMIN"; expect_status 200
req GET "/v1/tenants/beta/records/$RB?purpose=billing" "$SS"; expect_status 403
# the tenant sees the grants it issued
req GET /v1/tenants/beta/grants "$TBADMIN"; expect_status 200
[ "$(jq '[.grants[] | select(.revoked)] | length' <<<"$BODY")" = 1 ] || fail "grant list: $BODY"
echo "isolation: ok"
