# test_promises_processor.sh — rights over data held as a processor go to
# the controller (Art. 28(3)(e)). WinBooks §3 "WINBOOKS ne pourra traiter les
# données hébergées que selon les instructions de ces derniers"; IPORTA "En
# sa qualité de sous-traitant, IPORTA s'engage à n'agir que sur les
# instructions du Client" and "il vous appartient ... de répondre aux
# demandes des Utilisateurs relatives à leurs droits". A data subject's
# request over such records is recorded with its deadline and forwarded to the
# customer; it is not answered from them: no export, no erasure, no
# rectification by the processor.
. "$(dirname "$0")/lib.sh"

open_request() { # KIND SUBJECT: opens, verifies, sets $RQ
	expect_gardien 0 "$1 request" -- --json request open "$1" "$2"
	RQ=$(jq -r .id <<<"$OUT")
	expect_gardien 0 "identity verified" -- request verify "$RQ" --method id-card --evidence "scan-$RQ"
}

# ---- WinBooks: a cloud user's hosted data, a customer's -------------------------
setup winbooks winbooks
U=$("$GARDIEN" subject create --email salarie@client.be) || fail "cloud user"
HOST=$(put "$U" --activity cloud_hosting --client CLIENT-7 --category user.content.private.hosted --subject-category customer.cloud_user "fiche de paie 2026-01")

open_request erasure "$U"
# Forwarded to the customer, naming the request (whose due date is the deadline).
expect_gardien 0 "outbox" -- --json outbox list
[ "$(jq -r --arg r "$RQ" '[.[] | select(.request == ($r | tonumber)) | .recipient + " " + .action + " " + .activity] | join(";")' <<<"$OUT")" = \
	"CLIENT-7 forward:erasure cloud_hosting" ] || fail "erasure forwarded to the customer: $OUT"
expect_gardien 0 "the request shows its deadline" -- --json request show "$RQ"
[ "$(jq -r .due_at <<<"$OUT")" = 2026-02-02T23:59:59Z ] || fail "due date: $OUT"
# Not answered from the hosted data: kept, and said why.
expect_gardien 0 "erase" -- request erase "$RQ"
expect_out "held as processor for a customer"
expect_gardien 0 "hosted data still there for the customer" -- get "$HOST" --purpose cloud_hosting
expect_gardien 0 "the forwarding is in the audit trail" -- --json audit list --subject "$U"
expect_out "request.forward"

# ---- IPORTA: a User registered for a Client ---------------------------------------
mkdir -p "$WORK/iporta" && gd_new_vault "$WORK/iporta" || fail "second vault"
setup iporta iporta
U=$("$GARDIEN" subject create --email user@client.example) || fail "user"
UE=$(put "$U" --activity processor_services --client CLIENT-42 --category user.contact.email --subject-category customer.user "user@client.example")
C=$("$GARDIEN" subject create --email user2@client.example) || fail "user 2"

# Access: the copy does not answer from the Client's data.
open_request access "$U"
expect_gardien 0 "access copy" -- request export "$RQ"
[ "$(jq '.records | length' <<<"$OUT")" = 0 ] || fail "processor-held records in the access copy: $OUT"
expect_gardien 0 "outbox" -- --json outbox list
expect_out '"forward:access"'
expect_out '"recipient":"CLIENT-42"'

# Rectification: refused by the processor, forwarded to the Client.
open_request rectification "$U"
expect_gardien 4 "rectification of the Client's data refused" -- request rectify "$RQ" "$UE" "autre@client.example"
expect_out "held as processor for a customer"
expect_gardien 0 "unchanged" -- --json get "$UE" --purpose processor_services
[ "$(jq -r .value <<<"$OUT")" = user@client.example ] || fail "value changed: $OUT"

# A subject with no processor-held data is not forwarded anywhere.
open_request access "$C"
expect_gardien 0 "outbox" -- --json outbox list
[ "$(jq --arg r "$RQ" '[.[] | select(.request == ($r | tonumber))] | length' <<<"$OUT")" = 0 ] || fail "nothing to forward"
finish
