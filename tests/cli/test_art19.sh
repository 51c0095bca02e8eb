#!/bin/bash
# test_art19.sh — Art. 19 from every path, on Wimi's register (billing shares
# data with an external bank): a plain update, a plain delete, a whole-subject
# erase and the retention sweep's deletions each queue a notice to the bank,
# naming no request; an erasure request's notices name it, once.
. "$(dirname "$0")/lib.sh"
export GARDIEN_NOW=2026-01-10T09:00:00Z GARDIEN_PRINCIPAL=cli:dpo
BANK="établissement bancaire"

G init --tenant acme --country 33 --register "$GD_SOURCE_DIR/examples/wimi.yml" >/dev/null
notices() { # notices ACTION SUBJECT: "activity category record request" per pending notice to the bank
	G --json outbox list --recipient "$BANK" | jq -r --arg a "$1" --arg s "$2" \
		'.[] | select(.action == $a and .subject == $s) | "\(.activity) \(.category) \(.record) \(.request)"'
}
put() { G --json put "$1" --activity "$2" --category "$3" --subject-category customer "$4" | jq -r .record; }

# gardien update: a rectification
S=$(G subject create --email lea@example.fr)
R=$(put "$S" billing user.contact.email lea@example.fr)
expect_code 0 G update "$R" lea.martin@example.fr
expect_eq "$(notices rectification "$S")" "billing user.contact.email $R 0" "update notifies the bank"
# gardien delete: an erasure of one record
R2=$(put "$S" billing user.contact.address "1 rue de la Paix")
expect_code 0 G delete "$R2"
expect_eq "$(notices erasure "$S")" "billing user.contact.address $R2 0" "delete notifies the bank"
# gardien erase: every activity of the subject with recipients; internal ones are not notified
R3=$(put "$S" subscription user.name "Léa Martin")
expect_code 0 G erase "$S"
expect_eq "$(notices erasure "$S" | sort)" "$(printf 'billing null 0 0\nbilling user.contact.address %s 0' "$R2")" "erase notifies the bank"
expect_eq "$(G --json outbox list | jq -r --arg s "$S" '[.[] | select(.subject == $s and .activity == "subscription") | .recipient] | join(",")')" \
	"centres de données situés en France" "the processor is notified, internal services are not"

# the retention sweep: billing's email is archived at the end of service and
# deleted when the proof is no longer needed (Wimi §9)
S2=$(G subject create --email paul@example.fr)
R4=$(put "$S2" billing user.contact.email paul@example.fr)
expect_code 0 G event "$S2" service_end --at 2026-01-10
expect_code 0 G --now 2029-01-11 event "$S2" proof_needed_end --at 2029-01-10
expect_code 0 G --now 2029-01-11 retention sweep
expect_match "$out" "deleted 1|1 deleted" "the sweep deletes the record"
expect_eq "$(notices erasure "$S2")" "billing user.contact.email $R4 0" "the sweep notifies the bank"

# an erasure request: its notices name the request, once per activity
S3=$(G subject create --email max@example.fr)
put "$S3" billing user.contact.email max@example.fr >/dev/null
expect_code 0 G request open erasure "$S3"
expect_code 0 G request verify 1 --method email --evidence ticket-1
expect_code 0 G request erase 1
expect_eq "$(notices erasure "$S3")" "billing null 0 1" "request erasure: one notice naming the request"
# a rectification request: one notice naming the request
S4=$(G subject create --email eve@example.fr)
R5=$(put "$S4" billing user.contact.email eve@example.fr)
expect_code 0 G request open rectification "$S4"
expect_code 0 G request verify 2 --method email --evidence ticket-2
expect_code 0 G request rectify 2 "$R5" eve.adam@example.fr
expect_eq "$(notices rectification "$S4")" "billing user.contact.email $R5 2" "request rectification: one notice"
finish
