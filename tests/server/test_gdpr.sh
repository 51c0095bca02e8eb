#!/usr/bin/env bash
# The GDPR operations over HTTP on Wimi's register (examples/wimi.yml): the
# register loaded and read back, records checked against it, consent given and
# withdrawn, an access request answered with an export, an erasure request,
# events and retention (plan and sweep), legal holds, the audit trail and its
# verification, the breach register — each with the operation its role needs.
. "$(dirname "$0")/lib.sh"
setup_vault
"$G" --tenant acme role set dpo --ops read,write,erase,export,requests,register,audit --activities '*' >/dev/null
"$G" --tenant acme user service dpo --role dpo >/dev/null
TD=$("$G" --tenant acme token create dpo | head -1)
# acme (calling code 33) counts deadlines in France, Paris time; its own target: 25 days
"$G" --tenant acme tenant calendar --target-days 25 >/dev/null
export GARDIEN_BACKUP_DIR=$W/backups   # the operator's backups: the same folder for the CLI and the server
start_server --now 2026-02-02T10:00:00Z
T=/v1/tenants/acme

# register: only a role with "register" loads it; anyone of the tenant reads it
yaml=$(jq -Rs '{yaml: ., name: "wimi.yml"}' "$GD_SOURCE_DIR/examples/wimi.yml")
req PUT $T/register "$TA" "$yaml"; expect_status 403 denied
req PUT $T/register "$TD" "$yaml"; expect_status 201
[ "$(jq .version <<<"$BODY")" = 1 ] || fail "register version: $BODY"
req PUT $T/register "$TD" "$yaml"; expect_status 200
[ "$(jq .unchanged <<<"$BODY")" = true ] || fail "same register twice: $BODY"
req PUT $T/register "$TD" '{"yaml":"activities: [\n"}'; expect_status 422 invalid
req GET "$T/register?format=json" "$TA"; expect_status 200
jq -e '.. | objects | select(.id? == "cookies")' <<<"$BODY" >/dev/null || fail "register json has no cookies activity"
req GET "$T/register?format=md" "$TA"; expect_status 200
grep -q Cookies <<<"$BODY" || fail "register markdown"
req GET "$T/register?format=docx" "$TA"; expect_status 400
req GET $T/register/versions "$TA"; expect_status 200
[ "$(jq '.versions | length' <<<"$BODY")" = 1 ] || fail "versions: $BODY"

# records are checked against the register
req POST $T/subjects "$TD" '{"identifiers":{"email":"lea@example.fr"}}'; expect_status 201
S=$(jq -r .subject <<<"$BODY")
req POST $T/subjects/$S/records "$TD" '{"activity":"billing","category":"user.contact.email","subject_category":"customer","value":"lea@example.fr"}'
expect_status 201; R=$(jq -r .id <<<"$BODY")
req POST $T/subjects/$S/records "$TD" '{"activity":"billing","category":"user.behavior","subject_category":"customer","value":"x"}'
expect_status 403 denied    # category not in the activity
req POST $T/subjects/$S/records "$TD" '{"activity":"billing","category":"user.name","value":"x"}'
expect_status 403 denied    # no subject category

# consent: the cookies activity needs it
req POST $T/subjects/$S/records "$TD" '{"activity":"cookies","category":"user.device.cookie_id","subject_category":"customer","value":"c-42"}'
expect_status 201; RC=$(jq -r .id <<<"$BODY")
req GET "$T/records/$RC?purpose=cookies" "$TD"; expect_status 403 denied
req PUT $T/subjects/$S/consents/cookies "$TA" '{"channel":"web-form"}'; expect_status 403 denied
req PUT $T/subjects/$S/consents/cookies "$TD" '{"channel":"web-form"}'; expect_status 201
req GET "$T/records/$RC?purpose=cookies" "$TD"; expect_status 200
# expiring consents: Wimi's cookies last 13 months
req GET "$T/consents/expiring?until=2027-04-01" "$TD"; expect_status 200
[ "$(jq -c '[.consents[] | [.subject, .activity, .expires_at]]' <<<"$BODY")" = "[[\"$S\",\"cookies\",\"2027-03-02T10:00:00Z\"]]" ] ||
	fail "expiring consents: $BODY"
req GET "$T/consents/expiring?until=2027-03-01" "$TD"; expect_status 200
[ "$(jq '.consents | length' <<<"$BODY")" = 0 ] || fail "none expires before March 2027: $BODY"
req GET "$T/consents/expiring" "$TD"; expect_status 400
req GET "$T/consents/expiring?until=2027-04-01" "$TA"; expect_status 403 denied
req DELETE "$T/subjects/$S/consents/cookies?channel=email" "$TD"; expect_status 200
req GET "$T/consents/expiring?until=2027-04-01" "$TD"; expect_status 200
[ "$(jq '.consents | length' <<<"$BODY")" = 0 ] || fail "a withdrawn consent does not expire: $BODY"
req GET "$T/records/$RC?purpose=cookies" "$TD"; expect_status 403 denied
req GET $T/subjects/$S/consents "$TD"; expect_status 200
[ "$(jq -r '[.consents[].event] | join(",")' <<<"$BODY")" = given,withdrawn ] || fail "consent history: $BODY"
# the CLI prints consents in the same shape (gardien/json.h)
[ "$("$G" --tenant acme --json consent history "$S" | jq -S .)" = "$(jq -S .consents <<<"$BODY")" ] ||
	fail "consent JSON differs between the CLI and the API"

# an access request: opened, identity verified, started, answered with an export
req POST $T/requests "$TD" "{\"kind\":\"access\",\"subject\":\"$S\"}"; expect_status 201
Q=$(jq -r .id <<<"$BODY")
[ "$(jq -r .state <<<"$BODY")" = received ] && [ "$(jq -r .due_at <<<"$BODY")" = 2026-03-02T22:59:59Z ] || fail "request: $BODY"
[ "$(jq -r .target_at <<<"$BODY")" = 2026-02-27T22:59:59Z ] || fail "internal target: $BODY"
req GET "$T/requests/$Q/export" "$TD"; expect_status 409        # identity not verified yet
req POST $T/requests/$Q/verify "$TD" '{"method":"id_document","evidence":"ticket-7"}'; expect_status 200
req POST $T/requests/$Q/start "$TD" '{}'; expect_status 200
[ "$(jq -r .state <<<"$BODY")" = in_progress ] || fail "started: $BODY"
req GET "$T/requests/$Q/export?format=json" "$TD"; expect_status 200
grep -q 'lea@example.fr' <<<"$BODY" || fail "the export lacks the record"
req GET "$T/requests/$Q/export?format=pdf" "$TD"; expect_status 400
req POST $T/requests/$Q/complete "$TD" '{"reason":"sent by email"}'; expect_status 200
[ "$(jq -r .state <<<"$BODY")" = completed ] || fail "completed: $BODY"
req POST $T/requests/$Q/dance "$TD" '{}'; expect_status 404
req GET "$T/requests?open=true" "$TD"; expect_status 200
[ "$(jq '.requests | length' <<<"$BODY")" = 0 ] || fail "open requests: $BODY"
req GET $T/requests/$Q "$TA"; expect_status 403 denied
# a request extended (two more months), another refused with its reason
req POST $T/requests "$TD" "{\"kind\":\"portability\",\"subject\":\"$S\",\"received_at\":\"2026-01-31\"}"; expect_status 201
QX=$(jq -r .id <<<"$BODY")
# 28 February 2026 is a Saturday: Monday 2 March, end of the day in Paris
[ "$(jq -r .due_at <<<"$BODY")" = 2026-03-02T22:59:59Z ] || fail "due date from 31 January: $BODY"
req POST $T/requests/$QX/extend "$TD" '{"reason":"many requests this month"}'; expect_status 200
[ "$(jq -r .due_at <<<"$BODY")" = 2026-04-30T21:59:59Z ] && [ "$(jq .extended <<<"$BODY")" = true ] || fail "extended: $BODY"
req POST $T/requests/$QX/refuse "$TD" '{"reason":"manifestly unfounded: third identical request"}'; expect_status 200
[ "$(jq -r .state <<<"$BODY")" = refused ] || fail "refused: $BODY"
req POST $T/requests/$QX/start "$TD" '{}'; expect_status 409 conflict

# backups: none yet, then one made by the operator, kept until the rotation says
req GET $T/backups "$TD"; expect_status 200
[ "$(jq .count <<<"$BODY")" = 0 ] && [ "$(jq .horizon <<<"$BODY")" = null ] || fail "no backups: $BODY"
"$G" backup create >/dev/null
req GET $T/backups "$TD"; expect_status 200
[ "$(jq .count <<<"$BODY")" = 1 ] && [ "$(jq -r .horizon <<<"$BODY")" = "$(jq -r '.backups[0].kept_until' <<<"$BODY")" ] &&
	[ "$(jq .policy.daily_days <<<"$BODY")" = 7 ] && ! grep -q backups/ <<<"$BODY" || fail "one backup: $BODY"

# a rectification request: the record corrected through it (what the console's request page does)
req POST $T/requests "$TD" "{\"kind\":\"rectification\",\"subject\":\"$S\"}"; expect_status 201
QR=$(jq -r .id <<<"$BODY")
req POST $T/requests/$QR/verify "$TD" '{"method":"email_link","evidence":"mail-2"}'; expect_status 200
req POST $T/requests/$QR/rectify "$TD" '{"value":"lea.martin@example.fr"}'; expect_status 400 bad_request
req POST $T/requests/$QR/rectify "$TD" "{\"record_id\":$R,\"value\":\"lea.martin@example.fr\"}"; expect_status 200
req GET "$T/records/$R?purpose=billing" "$TD"; expect_status 200
[ "$(jq -r .value <<<"$BODY")" = lea.martin@example.fr ] || fail "rectified through the request: $BODY"
req POST $T/requests/$QR/complete "$TD" '{}'; expect_status 200

# the subject's export, directly
req GET "$T/subjects/$S/export?format=html" "$TD"; expect_status 200
grep -qi '<html' <<<"$BODY" || fail "html export"
req GET "$T/subjects/$S/export" "$TA"; expect_status 403 denied

# events, holds and retention
req POST $T/subjects/$S/events "$TD" '{"name":"service_end","at":"2026-02-01"}'; expect_status 201
req POST $T/subjects/$S/events "$TD" '{"name":"no_such_event"}'; expect_status 422
req POST $T/holds "$TADMIN" "{\"subject\":\"$S\",\"reason\":\"litigation 2026-12\"}"; expect_status 201
H=$(jq -r .id <<<"$BODY")
req GET $T/holds "$TADMIN"; expect_status 200
[ "$(jq '.holds | length' <<<"$BODY")" = 1 ] || fail "holds: $BODY"
[ "$("$G" --tenant acme --json hold list | jq -S .holds)" = "$(jq -S .holds <<<"$BODY")" ] ||
	fail "hold JSON differs between the CLI and the API"
req GET "$T/retention/plan?until=2030-01-01" "$TD"; expect_status 200
jq -e '.rows | length > 0' <<<"$BODY" >/dev/null || fail "empty plan: $BODY"
req GET "$T/retention/plan" "$TD"; expect_status 400
req POST $T/retention/sweep "$TA"; expect_status 403 denied
req POST $T/retention/sweep "$TD"; expect_status 200
jq -e '.complete == true' <<<"$BODY" >/dev/null || fail "sweep: $BODY"
req DELETE "$T/holds/$H?reason=settled" "$TADMIN"; expect_status 200

# erasure request: identity verified, then erase (what the law keeps is listed)
req POST $T/requests "$TD" "{\"kind\":\"erasure\",\"subject\":\"$S\"}"; expect_status 201
QE=$(jq -r .id <<<"$BODY")
req POST $T/requests/$QE/verify "$TD" '{"method":"email_link","evidence":"mail-3"}'; expect_status 200
req POST $T/requests/$QE/start "$TD" '{}'; expect_status 200
req POST $T/requests/$QE/erase "$TD" '{}'; expect_status 200
jq -e 'has("kept")' <<<"$BODY" >/dev/null || fail "erase answer: $BODY"

# the audit trail: filtered listing and verification
req GET "$T/audit?action=consent.give&outcome=ok" "$TD"; expect_status 200
[ "$(jq '.entries | length' <<<"$BODY")" = 1 ] || fail "audit filter: $BODY"
req GET "$T/audit?outcome=denied&limit=2" "$TD"; expect_status 200
[ "$(jq '.entries | length' <<<"$BODY")" = 2 ] && [ "$(jq .truncated <<<"$BODY")" = true ] || fail "audit page: $BODY"
# cursor: the pages follow one another without overlap and together are the whole list
P1=$(jq -c '[.entries[].seq]' <<<"$BODY"); NEXT=$(jq .next <<<"$BODY")
[ "$NEXT" = "$(jq '.[1]' <<<"$P1")" ] || fail "audit page cursor: $BODY"
req GET "$T/audit?outcome=denied&limit=2&after=$NEXT" "$TD"; expect_status 200
P2=$(jq -c '[.entries[].seq]' <<<"$BODY")
req GET "$T/audit?outcome=denied&limit=4" "$TD"; expect_status 200
[ "$(jq -c '[.entries[].seq]' <<<"$BODY")" = "$(jq -c -n "$P1 + $P2")" ] || fail "audit pages $P1 $P2 are not the first four: $BODY"
req GET "$T/audit?after=x" "$TD"; expect_status 400
req GET "$T/audit?outcome=maybe" "$TD"; expect_status 400
req GET "$T/audit?record=$RC" "$TD"; expect_status 200
[ "$(jq -r '.entries[0].action' <<<"$BODY")" = record.put ] &&
	[ "$(jq "[.entries[] | select(.record_id != $RC)] | length" <<<"$BODY")" = 0 ] &&
	[ "$(jq '.entries | length' <<<"$BODY")" -ge 3 ] || fail "audit of one record: $BODY"
req GET "$T/audit?record=cookies" "$TD"; expect_status 400
req GET "$T/audit" "$TA"; expect_status 403 denied
req GET $T/audit/verify "$TD"; expect_status 200
[ "$(jq .intact <<<"$BODY")" = true ] || fail "audit verify: $BODY"
# the CLI's report has the same fields (its counts may differ: the trail grows)
[ "$("$G" --tenant acme audit verify --json | jq -c keys)" = "$(jq -c keys <<<"$BODY")" ] ||
	fail "audit report fields differ between the CLI and the API"

# Art. 19 from every path: erasing a subject over HTTP owes the bank a notice
req POST $T/subjects "$TD" '{"identifiers":{"email":"zoe@example.fr"}}'; expect_status 201
SZ=$(jq -r .subject <<<"$BODY")
req POST $T/subjects/$SZ/records "$TD" '{"activity":"billing","category":"user.contact.email","subject_category":"customer","value":"zoe@example.fr"}'
expect_status 201
req DELETE "$T/subjects/$SZ" "$TD"; expect_status 200
[ "$("$G" --tenant acme --json outbox list --recipient "établissement bancaire" |
    jq --arg s "$SZ" '[.[] | select(.subject == $s and .action == "erasure" and .activity == "billing")] | length')" = 1 ] ||
	fail "DELETE /subjects/{s} queued no notice to the bank"

# subjects a page at a time: walking with ?limit=1 gives what one page of 1000 gives
req POST $T/subjects "$TD" '{"identifiers":{"email":"ugo@example.fr"}}'; expect_status 201
req GET "$T/subjects?limit=1000" "$TD"; expect_status 200
ALL=$(jq -r '[.subjects[].subject] | join(",")' <<<"$BODY")
[ "$(jq .next_cursor <<<"$BODY")" = null ] && [ "$(jq '.subjects | length' <<<"$BODY")" -ge 2 ] || fail "subject list: $BODY"
WALK= CUR=
while :; do
	req GET "$T/subjects?limit=1${CUR:+&cursor=$CUR}" "$TD"; expect_status 200
	WALK="$WALK${WALK:+,}$(jq -r '.subjects[0].subject' <<<"$BODY")"
	CUR=$(jq -r '.next_cursor // empty' <<<"$BODY")
	[ -n "$CUR" ] || break
done
[ "$WALK" = "$ALL" ] || fail "pages: $WALK, expected $ALL"
req GET "$T/subjects?cursor=sub_x" "$TD"; expect_status 400 bad_cursor
req GET "$T/subjects?limit=0" "$TD"; expect_status 400
req GET "$T/subjects" "$TB"; expect_status 403

# the breach register and its 72-hour clock
req POST $T/breaches "$TD" '{"detected_at":"2026-02-02T08:00:00Z","nature":"confidentiality","description":"a laptop was stolen","data_categories":"user.contact.email","subject_categories":"customer","approx_subjects":120,"high_risk":true}'
expect_status 201; BR=$(jq -r .id <<<"$BODY")
req GET $T/breaches/$BR "$TD"; expect_status 200
[ "$(jq -r .deadline <<<"$BODY")" = 2026-02-05T08:00:00Z ] && [ "$(jq -r .status <<<"$BODY")" = open ] || fail "breach: $BODY"
# completed in a second phase (Art. 33(4)): what is given replaces, the rest stays
req PUT $T/breaches/$BR "$TD" '{"approx_subjects":135,"consequences":"phishing of the customers concerned"}'; expect_status 200
[ "$(jq .approx_subjects <<<"$BODY")" = 135 ] && [ "$(jq -r .description <<<"$BODY")" = "a laptop was stolen" ] &&
	[ "$(jq .high_risk <<<"$BODY")" = true ] && [ "$(jq -r .consequences <<<"$BODY")" = "phishing of the customers concerned" ] ||
	fail "breach update: $BODY"
req PUT $T/breaches/$BR "$TA" '{"approx_subjects":1}'; expect_status 403 denied
req PUT $T/breaches/999 "$TD" '{"approx_subjects":1}'; expect_status 404
req POST $T/breaches/$BR/notify "$TD" '{}'; expect_status 200
[ "$(jq -r .status <<<"$BODY")" = notified ] || fail "notified: $BODY"
req GET $T/breaches "$TD"; expect_status 200
[ "$(jq '.breaches | length' <<<"$BODY")" = 1 ] || fail "breach list: $BODY"
req GET $T/breaches/999 "$TD"; expect_status 404
req POST $T/breaches "$TA" '{}'; expect_status 403 denied

# the deadline calendar: any token of the tenant reads it, an admin sets it
req GET $T/calendar "$TA"; expect_status 200
[ "$(jq -c '[.state, .zone, .target_days, .set.state]' <<<"$BODY")" = '["FR","Europe/Paris",25,null]' ] || fail "calendar: $BODY"
req PUT $T/calendar "$TA" '{"state":"BE"}'; expect_status 403 denied
req PUT $T/calendar "$TADMIN" '{"state":"BE"}'; expect_status 200
[ "$(jq -c '[.state, .zone, .target_days, .set.state]' <<<"$BODY")" = '["BE","Europe/Brussels",25,"BE"]' ] || fail "calendar set: $BODY"
req PUT $T/calendar "$TADMIN" '{"zone":"Europe/Atlantis"}'; expect_status 404
req PUT $T/calendar "$TADMIN" '{"target_days":"soon"}'; expect_status 400
req PUT $T/calendar "$TADMIN" '{"target_days":91}'; expect_status 422 invalid
req POST $T/requests "$TD" "{\"kind\":\"access\",\"subject\":\"$S\",\"received_at\":\"2026-01-31T10:00:00Z\"}"; expect_status 201
[ "$(jq -r '.due_at + " " + .target_at' <<<"$BODY")" = "2026-03-02T22:59:59Z 2026-02-25T22:59:59Z" ] || fail "Brussels deadline: $BODY"
stop_server
echo "gdpr: ok"
