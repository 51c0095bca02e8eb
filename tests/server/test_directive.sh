#!/usr/bin/env bash
# Post-mortem directives over HTTP (issue 18 item 12, French law 78-17
# art. 85; docs/API.md): on Wimi's register, which offers them (§16), a role
# with "requests" records a subject's directive and reads it back; applying it
# once the death is established hands the copy to the designated person in
# the answer, or erases the subject; a second apply is refused; a role
# without the operations is refused; every step is audited; where the
# register does not offer directives, the answer gives its reason.
. "$(dirname "$0")/lib.sh"
setup_vault
"$G" --tenant acme role set dpo --ops read,write,erase,export,requests,register,audit --activities '*' >/dev/null
"$G" --tenant acme user service dpo --role dpo >/dev/null
TD=$("$G" --tenant acme token create dpo | head -1)
"$G" --tenant acme role set agent --ops read,requests --activities '*' >/dev/null
"$G" --tenant acme user service agent --role agent >/dev/null
TG=$("$G" --tenant acme token create agent | head -1)
start_server
T=/v1/tenants/acme

yaml=$(jq -Rs '{yaml: ., name: "wimi.yml"}' "$GD_SOURCE_DIR/examples/wimi.yml")
req PUT $T/register "$TD" "$yaml"; expect_status 201
req POST $T/subjects "$TD" '{"identifiers":{"email":"jeanne@example.fr"}}'; expect_status 201
S=$(jq -r .subject <<<"$BODY")
req POST $T/subjects/$S/records "$TD" '{"activity":"subscription","category":"user.contact.email","subject_category":"customer","value":"jeanne@example.fr"}'
expect_status 201

# none yet; bad bodies are refused and name the field
req GET $T/subjects/$S/directive "$TD"; expect_status 404 not_found
req PUT $T/subjects/$S/directive "$TD" '{"wish":"burn","designated":"Paul Martin","contact":"paul@example.fr"}'
expect_status 400 bad_request
req PUT $T/subjects/$S/directive "$TD" '{"wish":"transmit","contact":"paul@example.fr"}'
expect_status 400 bad_request
grep -q designated <<<"$BODY" || fail "the missing field is not named: $BODY"
# the role's operations: "billing" (read, write) may not record one
req PUT $T/subjects/$S/directive "$TA" '{"wish":"keep","designated":"X","contact":"Y"}'; expect_status 403 denied

req PUT $T/subjects/$S/directive "$TD" '{"wish":"transmit","designated":"Paul Martin","contact":"paul@example.fr","text":"que mon fils reçoive mes données"}'
expect_status 200
jq -e '.state == "recorded" and .wish == "transmit"' <<<"$BODY" >/dev/null || fail "set: $BODY"
req GET $T/subjects/$S/directive "$TG"; expect_status 200
jq -e '.directive | .wish == "transmit" and .designated == "Paul Martin" and .contact == "paul@example.fr"
	and .text == "que mon fils reçoive mes données" and .applied_at == null and (.recorded_at | test("^20"))' <<<"$BODY" >/dev/null ||
	fail "get: $BODY"

# applying needs erase and export besides requests: the agent may not
req POST $T/subjects/$S/directive/apply "$TG"; expect_status 403 denied
req POST $T/subjects/$S/directive/apply "$TD"; expect_status 200
jq -e '.state == "applied" and .wish == "transmit"' <<<"$BODY" >/dev/null || fail "apply: $BODY"
jq -e '.copy.records[] | select(.value == "jeanne@example.fr")' <<<"$BODY" >/dev/null || fail "the copy lacks the data: $BODY"
req GET $T/subjects/$S/directive "$TD"; expect_status 200
jq -e '.directive.applied_at | test("^20")' <<<"$BODY" >/dev/null || fail "applied_at: $BODY"
req POST $T/subjects/$S/directive/apply "$TD"; expect_status 409
# audited, in the tenant's chain
for a in directive.set directive.read directive.apply; do
	[ "$(audit_count acme $a)" -ge 1 ] || fail "$a is not audited"
done

# a directive to erase: applied, the subject is gone
req POST $T/subjects "$TD" '{"identifiers":{"email":"marc@example.fr"}}'; expect_status 201
U=$(jq -r .subject <<<"$BODY")
req POST $T/subjects/$U/records "$TD" '{"activity":"subscription","category":"user.contact.email","subject_category":"customer","value":"marc@example.fr"}'
expect_status 201; R=$(jq -r .id <<<"$BODY")
req PUT $T/subjects/$U/directive "$TD" '{"wish":"erase","designated":"Anne Dubois","contact":"+33 6 00 00 00 00"}'; expect_status 200
req POST $T/subjects/$U/directive/apply "$TD"; expect_status 200
jq -e '.wish == "erase" and .copy == null' <<<"$BODY" >/dev/null || fail "apply erase: $BODY"
req GET "$T/records/$R?purpose=subscription" "$TD"; expect_status 404
req GET $T/subjects/$U/directive "$TD"; expect_status 404 not_found

# another tenant's subject is not reachable; a register that does not offer them gives its reason
req GET $T/subjects/$S/directive "$TB"; expect_status 403
cat >"$W/r.yml" <<'YAML'
gardien_register: 2
controller: {name: Boutique SAS, address: "1 rue de la Paix", country: FR}
dpo: {name: DPO}
rights:
  - {kind: post_mortem, offered: false, reason: "the shop keeps no data after an account is closed"}
activities:
  - id: billing
    name: Billing
    role: controller
    purposes: [essential.service.payment_processing]
    legal_basis: contract
    categories: [user.contact.email]
    subjects: [customer]
    retention:
      - stages: [{action: delete, from: collection, after: 1 year}]
YAML
yaml=$(jq -Rs '{yaml: ., name: "r.yml"}' "$W/r.yml")
req PUT /v1/tenants/beta/register "$TBADMIN" "$yaml"; expect_status 201
req POST /v1/tenants/beta/subjects "$TBADMIN" '{"identifiers":{"email":"lea@example.fr"}}'; expect_status 201
V=$(jq -r .subject <<<"$BODY")
req PUT /v1/tenants/beta/subjects/$V/directive "$TBADMIN" '{"wish":"keep","designated":"X","contact":"Y"}'
expect_status 403 denied
grep -q "the shop keeps no data after an account is closed" <<<"$BODY" || fail "the reason is not given: $BODY"

finish
