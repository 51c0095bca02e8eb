#!/bin/bash
# test_rights_notices.sh — the rights of each example register (examples/*.yml,
# encoding the notices in shared/seeds) played through the CLI: each right
# where the notice offers it, refused with the notice's reason where it does
# not; cookie consent expiring after 13 months (Wimi); erasure keeping what a
# legal obligation requires and saying so; restriction with IPORTA's
# legal-claims activity; Art. 19 notices to processors.
. "$(dirname "$0")/lib.sh"
set -e
: "${GD_SOURCE_DIR:?}"
export GARDIEN_PRINCIPAL=cli:dpo GARDIEN_NOW=2026-01-31T10:00:00Z
vault() { # vault NAME: a vault with the example register of NAME loaded
	sqlite_vault "$W/$1.db"
	"$GARDIEN" init --tenant "$1" --country 33 >/dev/null
	"$GARDIEN" register load "$GD_SOURCE_DIR/examples/$1.yml" >/dev/null
}
put() { "$GARDIEN" put "$@"; }
verified() { # verified KIND SUBJECT [--activity A] -> request id
	local id
	id=$("$GARDIEN" --json request open "$@" | jq .id)
	"$GARDIEN" request verify "$id" --method id-card --evidence "scan-$id" >/dev/null
	echo "$id"
}

# ---- Wimi ------------------------------------------------------------------------
vault wimi
S=$("$GARDIEN" subject create --email claire@example.fr)
NAME=$(put "$S" --activity subscription --category user.name --subject-category customer "Claire Petit")
IP=$(put "$S" --activity security_logs --category user.device.ip_address --subject-category customer --source service-wimi "192.0.2.7")
CK=$(put "$S" --activity cookies --category user.device.cookie_id --subject-category prospect --source site-web "ck-51")
STAT=$(put "$S" --activity statistics --category user.demographic.language --subject-category customer --source service-wimi "fr")

# Cookies rest on consent: refused without it, allowed with it, refused 13 months later.
expect_code 4 "$GARDIEN" get "$CK" --purpose cookies
grep -q "consent is not recorded" <<<"$err" || fail "consent reason"
"$GARDIEN" consent give "$S" cookies --channel cookie-banner --source www.wimi-teamwork.com \
	| grep -q "live (expires 2027-02-28T10:00:00Z)" || fail "13 months from 31 January"
"$GARDIEN" get "$CK" --purpose cookies >/dev/null
GARDIEN_NOW=2027-02-28T09:59:59Z "$GARDIEN" get "$CK" --purpose cookies >/dev/null
GARDIEN_NOW=2027-02-28T10:00:00Z expect_code 4 "$GARDIEN" get "$CK" --purpose cookies
grep -q "expired on 2027-02-28" <<<"$err" || fail "expiry reason"
# The wording is the register's: its hash is the evidence.
[ "$("$GARDIEN" --json consent history "$S" | jq -r '.[0].wording_version')" = "politique de confidentialité Wimi" ] \
	|| fail "wording version from the register"

# Restriction: Wimi §13 "ils ne disposent pas du droit à la limitation", but
# Art. 18 grants it whatever the notice says: the request is received and
# handled (another subject, so the rest of this play is not restricted), and
# `register check` warns.
RS=$("$GARDIEN" subject create --email restreint@example.fr)
RN=$(put "$RS" --activity subscription --category user.name --subject-category customer "Rémi Restreint")
RQ=$(verified restriction "$RS")
[ "$("$GARDIEN" --json request show "$RQ" | jq -r .state)" != refused ] || fail "restriction refused by declaration"
"$GARDIEN" request complete "$RQ" >/dev/null || fail "restriction completed"
expect_code 4 "$GARDIEN" get "$RN" --purpose subscription
grep -q "restricted" <<<"$err" || fail "wimi restriction applied"
CHECK=$("$GARDIEN" register check "$GD_SOURCE_DIR/examples/wimi.yml" 2>&1)
grep -q 'right "restriction" is declared not offered, but Art. 18 grants it' <<<"$CHECK" ||
	fail "register check warns on a statutory right declared not offered"

# Access: everything, with basis, recipients, retention; further copies may be charged.
A=$(verified access "$S")
"$GARDIEN" request export "$A" --output copy1.json 2>err.txt
grep -q "copy 1" err.txt && ! grep -q charged err.txt || fail "first copy free"
[ "$(jq '.records | length' copy1.json)" = 4 ] || fail "all records in the copy"
[ "$(jq -r ".records[] | select(.id == $IP) | .legal_basis" copy1.json)" = legal_obligation ] || fail "basis"
[ "$(jq -r ".records[] | select(.id == $NAME) | .value" copy1.json)" = "Claire Petit" ] || fail "value"
[ "$(jq -r '.controller.dpo' copy1.json)" != null ] || fail "dpo named"
"$GARDIEN" request export "$A" --format html >copy.html 2>err.txt
grep -q "may be charged" err.txt || fail "second copy may be charged (Wimi §10)"
grep -q "Claire Petit" copy.html || fail "html copy"
"$GARDIEN" request complete "$A" >/dev/null

# Portability: only what the subject provided, on contract or consent.
P=$(verified portability "$S")
"$GARDIEN" request export "$P" --format json --output port.json 2>/dev/null
[ "$(jq -r '[.records[].activity] | join(",")' port.json)" = subscription ] || fail "portability scope"
"$GARDIEN" request complete "$P" >/dev/null

# Objection to prospection (Wimi §12) and post-mortem directives (§16).
O=$(verified objection "$S" --activity prospection)
"$GARDIEN" request complete "$O" >/dev/null
PM=$(verified post_mortem "$S")
"$GARDIEN" request complete "$PM" --note "directives received, reference PM-2026-01" >/dev/null

# Confirmation (§10), rectification (§11) and withdrawal of consent: offered.
K=$(verified confirmation "$S")
"$GARDIEN" request complete "$K" --note "data is processed" >/dev/null
RE=$(verified rectification "$S")
"$GARDIEN" request rectify "$RE" "$NAME" "Claire Petit-Martin" >/dev/null
"$GARDIEN" request complete "$RE" >/dev/null
[ "$("$GARDIEN" --json get "$NAME" --purpose subscription | jq -r .value)" = "Claire Petit-Martin" ] || fail "rectified"
WC=$(verified withdraw_consent "$S" --activity cookies)
"$GARDIEN" request complete "$WC" >/dev/null
expect_code 4 "$GARDIEN" get "$CK" --purpose cookies
grep -q "withdrawn" <<<"$err" || fail "cookie consent withdrawn by request"
[ "$("$GARDIEN" --json request list --all | jq '[.[] | select(.state == "completed")] | length')" = 8 ] \
	|| fail "eight Wimi requests completed (seven for this subject, the restriction above)"

# Erasure: the security logs are kept under their legal obligation, the rest goes.
E=$(verified erasure "$S")
"$GARDIEN" request erase "$E" >erase.txt
grep -q "3 record(s) erased, 1 kept" erase.txt || { cat erase.txt; fail "erasure counts"; }
grep -q "kept record $IP" erase.txt && grep -q "legal obligation" erase.txt || fail "kept record reported"
expect_code 3 "$GARDIEN" get "$NAME" --purpose subscription
"$GARDIEN" get "$IP" --purpose security_logs >/dev/null
# Art. 19: the subscription's processor (the data centres) is told; internal staff are not.
# (The rectification above notified it too.)
[ "$("$GARDIEN" --json outbox list | jq -r --arg s "$S" 'map(select(.subject == $s) | .action + " " + .activity + " " + .recipient) | join(";")')" = \
	"rectification subscription centres de données situés en France;erasure subscription centres de données situés en France" ] \
	|| fail "rectification and erasure notices to the processor"

# ---- IPORTA ------------------------------------------------------------------------
vault iporta
S=$("$GARDIEN" subject create --email marc@example.fr)
C=$(put "$S" --activity contract_management --category user.contact.email --subject-category customer "marc@example.fr")
Q=$(put "$S" --activity contact_requests --category user.contact.phone_number --subject-category prospect --source site-internet "+33600000002")
V=$(put "$S" --activity visitor_prospection --category user.contact.email --subject-category visitor --source site-internet "marc@example.fr")
# Prospection of visitors rests on consent; the opt-in list follows it.
expect_code 4 "$GARDIEN" get "$V" --purpose visitor_prospection
"$GARDIEN" consent give "$S" visitor_prospection --channel web-form --text "J'accepte de recevoir des offres" >/dev/null
"$GARDIEN" consent members visitor_prospection | grep -qx "$S" || fail "opt-in member"
"$GARDIEN" get "$V" --purpose visitor_prospection >/dev/null
WR=$(verified withdraw_consent "$S" --activity visitor_prospection)
"$GARDIEN" request complete "$WR" >/dev/null
expect_code 4 "$GARDIEN" get "$V" --purpose visitor_prospection
[ -z "$("$GARDIEN" consent members visitor_prospection)" ] || fail "left the list"

# Rectification: the group's processors are told (Art. 19), the authorities are not.
R=$(verified rectification "$S")
"$GARDIEN" request rectify "$R" "$C" "marc.durand@example.fr" >/dev/null
[ "$("$GARDIEN" --json outbox list | jq -r '.[0].action + " " + (.[0].record|tostring)')" = "rectification $C" ] \
	|| fail "rectification notice"
# The group company and the 8 processors of contract_management; not the authorities.
[ "$("$GARDIEN" --json outbox list | jq length)" = 9 ] || fail "nine notices"
"$GARDIEN" --json outbox list | jq -r '.[].recipient' | grep -q "^autorités" && fail "authorities are not notified"
N=$("$GARDIEN" --json outbox list | jq '.[0].id')
"$GARDIEN" outbox ack "$N" >/dev/null
expect_code 7 "$GARDIEN" outbox ack "$N"

# Restriction (offered by IPORTA): reads stop except for the legal-claims activity.
L=$(verified restriction "$S")
"$GARDIEN" request complete "$L" >/dev/null
expect_code 4 "$GARDIEN" get "$Q" --purpose contact_requests
grep -q "restricted" <<<"$err" || fail "restriction reason"
"$GARDIEN" get "$C" --purpose contract_management >/dev/null

# Post-mortem directives are offered by IPORTA's register too.
verified post_mortem "$S" >/dev/null

# Access, confirmation, objection and portability, as IPORTA offers them.
A=$(verified access "$S")
"$GARDIEN" request export "$A" --format csv 2>/dev/null | grep -q '"record","'"$C"'","contract_management"' || fail "iporta csv"
"$GARDIEN" request complete "$A" >/dev/null
# IPORTA's register lists no separate confirmation: it comes with access (Art. 15(1)).
K=$(verified confirmation "$S")
"$GARDIEN" request complete "$K" >/dev/null
P=$(verified portability "$S")
"$GARDIEN" request export "$P" --output port-iporta.json 2>/dev/null
[ "$(jq -r '[.records[].activity] | unique | join(",")' port-iporta.json)" = contract_management ] || fail "iporta portability"
"$GARDIEN" request complete "$P" >/dev/null
O=$(verified objection "$S" --activity visitor_events)
"$GARDIEN" request complete "$O" >/dev/null
"$GARDIEN" --json request show "$O" | jq -e '.state == "completed"' >/dev/null || fail "iporta objection"

# Erasure: IPORTA keeps contract data for legal claims ("Contentieux"), erases the rest.
EI=$(verified erasure "$S")
"$GARDIEN" request erase "$EI" >erase.txt
grep -q "kept record $C" erase.txt && grep -q "legal claims" erase.txt || { cat erase.txt; fail "iporta keeps contract data"; }
expect_code 3 "$GARDIEN" get "$V" --purpose visitor_prospection

# ---- WINBOOKS ------------------------------------------------------------------------
# The WINBOOKS notice states no right (it describes WINBOOKS mostly as a processor).
# The GDPR grants them all the same: a register that is silent refuses nothing,
# requests are received and follow the workflow.
vault winbooks
S=$("$GARDIEN" subject create --email luc@example.be)
for kind in access erasure portability; do
	expect_code 0 "$GARDIEN" request open "$kind" "$S"
done
[ "$("$GARDIEN" --json request list --all | jq -r 'map(.state) | unique | join(",")')" = received ] || fail "received, not refused"
echo ok
