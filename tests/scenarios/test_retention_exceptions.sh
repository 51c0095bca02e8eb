# test_retention_exceptions.sh — retention rules that are not one clock:
# Wimi's bank data kept while the client's express agreement lives ("sauf
# accord exprès du client", unless_consent), and `retention plan` predicting
# to the day what the sweep then does under IPORTA's or_later (the Client's
# instruction) and an or_earlier clock, each plan checked against the sweep.
. "$(dirname "$0")/lib.sh"
setup wimi wimi

sweep() { # TIME: sweep at TIME, the JSON summary in $OUT
	expect_gardien 0 "sweep at $1" -- --now "$1" --json retention sweep
}

# Wimi §9: "Les données bancaires sont supprimées, en principe, dès la
# transaction réalisée, sauf accord exprès du client. Néanmoins, à des fins de
# preuve, les données bancaires peuvent être conservées 13 mois en archivage à
# compter de la date de débit."
KEPT=$("$GARDIEN" subject create --email garde@example.fr) || fail "customer who agrees"
PLAIN=$("$GARDIEN" subject create --email sans@example.fr) || fail "customer who does not"
BANK_K=$(put "$KEPT" --activity billing --category user.financial.bank_account --subject-category customer "FR76 3000 6000 0112 3456 7890 189")
BANK_P=$(put "$PLAIN" --activity billing --category user.financial.bank_account --subject-category customer "FR76 3000 6000 0112 3456 7890 190")
expect_gardien 0 "the client's express agreement" -- --now 2026-01-10 consent give "$KEPT" billing --channel espace-client --text "J'accepte que Wimi conserve mes données bancaires pour mes prochains paiements"
for s in "$KEPT" "$PLAIN"; do
	expect_gardien 0 "transaction" -- --now 2026-01-31T15:00:00Z event "$s" transaction --at 2026-01-31T14:00:00Z
	expect_gardien 0 "debit" -- --now 2026-01-31T15:00:00Z event "$s" debit --at 2026-01-31T14:00:00Z
done
# The plan says it first: one archive in January (the client without the
# agreement), the agreed one waits for the agreement to end.
expect_gardien 0 "plan with the agreement" -- --now 2026-01-31T15:00:00Z --json retention plan --until 2030-12-31
expect_out '"month":"2026-01","activity":"billing","action":"archive"'
expect_out '"transitions":2'
sweep 2026-01-31T15:00:00Z
expect_out '"archived":1'
expect_gardien 4 "without the agreement, archived at the transaction" -- get "$BANK_P" --purpose billing
expect_out "archived"
expect_gardien 0 "with the agreement, the bank data stays in use after the transaction" -- get "$BANK_K" --purpose billing
# Well past the 13 months: the agreement still holds the data.
sweep 2027-06-01T00:00:00Z
expect_gardien 3 "without the agreement, deleted 13 months after the debit" -- get "$BANK_P" --purpose debt_collection
expect_gardien 0 "with the agreement, still kept after 13 months" -- --now 2027-06-01 get "$BANK_K" --purpose billing
# The client withdraws the agreement: the stages whose dates have passed run at the next sweep.
expect_gardien 0 "agreement withdrawn" -- --now 2027-06-02T09:00:00Z consent withdraw "$KEPT" billing --channel email
# The plan names the overdue stages at their own dates (the archive at the
# transaction, the deletion 13 months after the debit); the sweep runs both.
expect_gardien 0 "plan after the withdrawal" -- --now 2027-06-02T09:00:00Z --json retention plan --until 2027-06-30
expect_out '"first_due":"2026-01-31T14:00:00Z"'
expect_out '"first_due":"2027-03-01T00:00:00Z"'
expect_out '"transitions":2'
sweep 2027-06-02T09:00:00Z
expect_out '"archived":1,"anonymised":0,"deleted":1'
expect_gardien 3 "the agreement ended: the bank data is deleted" -- get "$BANK_K" --purpose debt_collection

# The register refuses an exception no consent can be recorded for.
sed 's/unless_consent: billing/unless_consent: card_on_file/' "$GD_SOURCE_DIR/examples/wimi.yml" >bad.yml
expect_gardien 2 "unless_consent naming no activity" -- register check bad.yml
expect_out 'retention "unless_consent" names "card_on_file", which is not an activity'

# ---- the plan against the sweep, under combined clocks ----
# planned T: the transitions `retention plan` foresees up to T (sum of its rows'
# counts); swept T: what a sweep at T then does. Each T is checked both ways.
planned() { "$GARDIEN" --tenant iporta --now "$1" --json retention plan --until "$2" | jq '[.rows[].count] | add // 0'; }
swept() { "$GARDIEN" --tenant iporta --now "$1" --json retention sweep | jq '.archived + .anonymised + .deleted'; }
plan_matches_sweep() { # NOW T WANT: planned from NOW up to T equals the sweep at T, and WANT
	local p s
	p=$(planned "$1" "$2") || fail "plan at $1"
	s=$(swept "$2") || fail "sweep at $2"
	expect_eq "$p" "$3" "transitions planned at $1 up to $2"
	expect_eq "$s" "$p" "transitions swept at $2 against the plan"
}
# IPORTA, processor: "Pendant toute la durée du contrat ou une durée supérieure
# si vous nous en donnez l'instruction" (or_later). The prospection rule gets
# an or_earlier clock here (a variant of the register): three years after the
# relationship ends, or one year after the unsubscription, whichever is first.
sed 's/          - {action: delete, from: relationship_end, after: 3 years}/          - {action: delete, from: relationship_end, after: 3 years, or_earlier: {from: unsubscription, after: 1 year}}/' \
	"$GD_SOURCE_DIR/examples/iporta.yml" >iporta.yml
sed -i 's/^events:$/events:\n  unsubscription: the prospect unsubscribes (a variant of this test)/' iporta.yml
grep -q 'or_earlier' iporta.yml || fail "the variant register has its or_earlier clock"
expect_gardien 0 "IPORTA tenant" -- tenant create iporta
expect_gardien 0 "IPORTA register" -- --tenant iporta register load iporta.yml
export GARDIEN_TENANT=iporta
U1=$("$GARDIEN" subject create --email u1@client.example) || fail "user 1"
U2=$("$GARDIEN" subject create --email u2@client.example) || fail "user 2"
V1=$("$GARDIEN" subject create --email v1@visiteur.example) || fail "visitor 1"
V2=$("$GARDIEN" subject create --email v2@visiteur.example) || fail "visitor 2"
put "$U1" --activity processor_services --client CLIENT-1 --category user.contact.email --subject-category customer.user "u1@client.example" >/dev/null
put "$U2" --activity processor_services --client CLIENT-2 --category user.contact.email --subject-category customer.user "u2@client.example" >/dev/null
put "$V1" --activity visitor_prospection --category user.contact.email --subject-category prospect "v1@visiteur.example" >/dev/null
put "$V2" --activity visitor_prospection --category user.contact.email --subject-category prospect "v2@visiteur.example" >/dev/null
expect_gardien 0 "client 2's instruction" -- --now 2039-01-01 event "$U2" client_instruction --at 2039-01-01
for u in "$U1" "$U2"; do
	expect_gardien 0 "contract end" -- --now 2040-06-30T12:00:00Z event "$u" contract_end --at 2040-06-30T12:00:00Z
done
for v in "$V1" "$V2"; do
	expect_gardien 0 "relationship end" -- --now 2040-06-30T12:00:00Z event "$v" relationship_end --at 2040-06-30T12:00:00Z
done
expect_gardien 0 "visitor 2 unsubscribes" -- --now 2040-07-01 event "$V2" unsubscription --at 2040-07-01
# At the contract's end only user 1 goes (user 2's instructed period has no end yet).
plan_matches_sweep 2040-07-01 2040-06-30T12:00:00Z 1
# One year after the unsubscription, before three years after the relationship: visitor 2.
plan_matches_sweep 2040-07-01 2041-07-01T23:59:59Z 0
plan_matches_sweep 2040-07-01 2041-07-02T00:00:00Z 1
expect_gardien 0 "instructed period over" -- --now 2041-12-31T23:59:59Z event "$U2" client_instruction_end --at 2041-12-31T23:59:59Z
plan_matches_sweep 2041-12-31T23:59:59Z 2041-12-31T23:59:59Z 1
# Visitor 1 waits the whole three years (2040-06-30 + 3 years, its last second).
plan_matches_sweep 2042-01-01 2043-06-30T23:59:59Z 0
plan_matches_sweep 2042-01-01 2043-07-01T00:00:00Z 1
expect_gardien 0 "nothing left to plan" -- --now 2043-07-01 --json retention plan --until 2050-12-31
expect_out '"transitions":0'

finish
