#!/usr/bin/env bash
# The notices owed to people and customers over HTTP (docs/rights.md, issue
# 23 item 5), on WinBooks' register: a record read for an authority's request
# (POST /records/{id}/disclose) with its legal reference, the client's notice
# then in the outbox; the plain read refused; a processor's breach told to the
# clients (POST /breaches/{id}/controllers), its clock in GET /breaches/{id};
# a role without the operation refused.
. "$(dirname "$0")/lib.sh"
setup_vault
"$G" --tenant acme role set dpo --ops read,write,erase,export,requests,register,audit --activities '*' >/dev/null
"$G" --tenant acme user service dpo --role dpo >/dev/null
TD=$("$G" --tenant acme token create dpo | head -1)
start_server
T=/v1/tenants/acme

yaml=$(jq -Rs '{yaml: ., name: "winbooks.yml"}' "$GD_SOURCE_DIR/examples/winbooks.yml")
req PUT $T/register "$TD" "$yaml"; expect_status 201
req POST $T/subjects "$TD" '{"identifiers":{"email":"user@client-a.be"}}'; expect_status 201
S=$(jq -r .subject <<<"$BODY")
req POST $T/subjects/$S/records "$TD" '{"activity":"cloud_hosting","client":"CLIENT-A","category":"user.content.private.hosted","subject_category":"customer.cloud_user","value":"facture 2026-001"}'
expect_status 201
R=$(jq -r .id <<<"$BODY")

# WinBooks §3: "s'engage à prévenir dans les meilleurs délais, les clients ... d'une telle demande"
req GET "$T/records/$R?purpose=authority_requests" "$TD"; expect_status 403 denied
req POST $T/records/$R/disclose "$TD" '{"purpose":"authority_requests","authority":"juge d'"'"'instruction"}'
expect_status 400 bad_request
grep -q legal_reference <<<"$BODY" || fail "the missing legal reference is not named: $BODY"
req POST $T/records/$R/disclose "$TD" '{"purpose":"authority_requests","authority":"juge d'"'"'instruction","legal_reference":"ordonnance 2026/117"}'
expect_status 200
jq -e '.value == "facture 2026-001"' <<<"$BODY" >/dev/null || fail "disclose: $BODY"
req GET "$T/outbox?recipient=CLIENT-A" "$TD"; expect_status 200
jq -e '[.notices[] | select(.action == "authority:ordonnance 2026/117")] | length == 1' <<<"$BODY" >/dev/null ||
	fail "the client's notice: $BODY"
# A role allowed to read but not the audit register may not tell controllers of a breach.
req POST $T/breaches "$TD" '{"nature":"confidentiality","description":"serveur compromis"}'; expect_status 201
BR=$(jq -r .id <<<"$BODY")
req POST $T/breaches/$BR/controllers "$TA" '{}'; expect_status 403 denied
# WinBooks §3 4°: "Vous notifier dans les meilleurs délais tout cas de violation"
req POST $T/breaches/$BR/controllers "$TD" '{"activity":"cloud_hosting"}'; expect_status 200
jq -e '.queued == 1 and .controllers.status == "owed" and .controllers.pending == 1' <<<"$BODY" >/dev/null ||
	fail "controllers: $BODY"
req POST $T/breaches/$BR/controllers "$TD" '{"activity":"customer_relations"}'; expect_status 422 invalid
req GET $T/breaches/$BR "$TD"; expect_status 200
jq -e '.controllers.told == 1' <<<"$BODY" >/dev/null || fail "the clock in the breach: $BODY"
finish
