#!/usr/bin/env bash
# Caches follow the database across processes (issue 14): a register version
# loaded by one process (the CLI) is enforced by a running server from its next
# request, and a role changed by the CLI too.
. "$(dirname "$0")/../lib.sh"
set -e
. "$GD_SOURCE_DIR/tests/tools/pg.sh"
SPID=
cleanup() { [ -n "$SPID" ] && kill -9 "$SPID" 2>/dev/null; wait 2>/dev/null || true; pg_stop; }
at_exit cleanup
register() {  # CATEGORIES
	cat <<YAML
gardien_register: 1
controller: {name: Test SAS, country: FR, language: en}
activities:
  - id: billing
    name: Billing
    role: controller
    purposes: [essential.service.payment_processing]
    legal_basis: contract
    categories: [$1]
    subjects: [customer]
YAML
}

pg_start "$W"
export GARDIEN_VAULT=$(pg_createdb caches) GARDIEN_KEY=$W/vault.key
register user.contact >"$W/v1.yml"
register user.name >"$W/v2.yml"
"$G" init --tenant acme --country 33 --register "$W/v1.yml" >/dev/null
"$G" role set app --ops read,write --activities billing >/dev/null
"$G" user service app --role app >/dev/null
TOKEN=$("$G" token create app | head -1)
S=$("$G" subject create)
mkfifo "$W/out"
"$G" serve --listen 127.0.0.1:0 >"$W/out" 2>"$W/err" &
SPID=$!
read -r line <"$W/out" || { cat "$W/err"; fail "server did not start"; }
B=http://127.0.0.1:$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' <<<"$line")
put() {  # CATEGORY → HTTP status
	curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		-d "{\"activity\":\"billing\",\"category\":\"$1\",\"subject_category\":\"customer\",\"value\":\"x\"}" \
		"$B/v1/tenants/acme/subjects/$S/records"
}
[ "$(put user.contact.email)" = 201 ] || fail "version 1 allows user.contact"
[ "$(put user.name)" = 403 ] || fail "version 1 refuses user.name"
"$G" register load "$W/v2.yml" >/dev/null
[ "$(put user.contact.email)" = 403 ] || fail "the server still enforces version 1 after version 2 was loaded"
[ "$(put user.name)" = 201 ] || fail "the server does not enforce version 2"
# A role narrowed by the CLI binds the server's next request.
"$G" role set app --ops read --activities billing >/dev/null
[ "$(put user.name)" = 403 ] || fail "the server ignores the role changed by the CLI"
echo "caches follow the database: ok"
