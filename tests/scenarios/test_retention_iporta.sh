# test_retention_iporta.sh — IPORTA's "Délais de conservation": 3 years from the
# end of the relationship for prospection, the contract then the legal period,
# legal-obligation data for the legal period (no archive the notice does not
# speak of), contact requests until answered, events until held ("la durée
# nécessaire à l'accomplissement des finalités visées", not the prospection's
# 3 years), the processor's data for the contract "ou une durée supérieure si
# vous nous en donnez l'instruction".
. "$(dirname "$0")/lib.sh"
setup iporta iporta

sweep() { expect_gardien 0 "sweep at $1" -- --now "$1" --json retention sweep; }

V=$("$GARDIEN" subject create --email visiteur@example.fr) || fail "visitor"
C=$("$GARDIEN" subject create --email client@example.fr) || fail "customer"
REQ=$(put "$V" --activity contact_requests --category user.contact.email --subject-category visitor "visiteur@example.fr")
PROS=$(put "$V" --activity visitor_prospection --category user.contact.email --subject-category prospect "visiteur@example.fr")
# Visitor prospection rests on consent: reads need it on file (consent ledger).
expect_gardien 0 "consent to visitor prospection" -- consent give "$V" visitor_prospection --channel web-form
CON=$(put "$C" --activity contract_management --category user.contact.email --subject-category customer "client@example.fr")
LEG=$(put "$C" --activity legal_obligations --category user.financial.bank_account --subject-category customer "FR76 1111")

# Legal-obligation data: "conservées pendant la durée imposée par les textes
# légaux" — nothing archived at collection.
sweep 2026-01-01T00:00:00Z
expect_out '"archived":0'
expect_gardien 0 "legal data readable for legal obligations" -- get "$LEG" --purpose legal_obligations

# A contact request, deleted once answered.
expect_gardien 0 "answered" -- --now 2026-01-15T09:00:00Z event "$V" request_answered --at 2026-01-15T09:00:00Z
sweep 2026-01-15T09:00:00Z
expect_gardien 3 "answered request deleted" -- get "$REQ" --purpose contact_requests

# Prospection: at most 3 years from the end of the relationship (28 February 2026).
expect_gardien 0 "relationship end" -- --now 2026-02-28T12:00:00Z event "$V" relationship_end --at 2026-02-28T12:00:00Z
sweep 2029-02-28T23:59:59Z
expect_gardien 0 "prospect kept on 28 February 2029" -- get "$PROS" --purpose visitor_prospection
sweep 2029-03-01T00:00:00Z
expect_gardien 3 "prospect deleted on 1 March 2029" -- get "$PROS" --purpose visitor_prospection

# The contract, then the period the law imposes.
expect_gardien 0 "contract end" -- --now 2027-06-30T12:00:00Z event "$C" contract_end --at 2027-06-30T12:00:00Z
sweep 2027-06-30T12:00:00Z
expect_gardien 4 "archived contract data refused for prospection" -- get "$CON" --purpose business_prospection
expect_gardien 0 "archived contract data readable as proof" -- get "$CON" --purpose contract_management
expect_gardien 0 "legal period over" -- --now 2037-06-30T12:00:00Z event "$C" legal_period_end --at 2037-06-30T12:00:00Z
sweep 2037-06-30T12:00:00Z
expect_out '"deleted":2'
expect_gardien 3 "contract data deleted" -- get "$CON" --purpose contract_management
expect_gardien 3 "legal data deleted" -- get "$LEG" --purpose legal_obligations

# Events: "La durée nécessaire à l'accomplissement des finalités visées" —
# deleted once the event is held, whatever the relationship.
EV=$(put "$V" --activity visitor_events --category user.contact.email --subject-category visitor "visiteur@example.fr")
BEV=$(put "$C" --activity business_events --category user.contact.email --subject-category customer "client@example.fr")
STA=$(put "$C" --activity business_statistics --category user.job_title --subject-category customer "DAF")
expect_gardien 0 "event held" -- --now 2038-03-12T18:00:00Z event "$V" event_held --at 2038-03-12T18:00:00Z
expect_gardien 0 "customer's event held" -- --now 2038-03-12T18:00:00Z event "$C" event_held --at 2038-03-12T18:00:00Z
sweep 2038-03-12T17:59:59Z
expect_gardien 0 "visitor's registration kept until the event" -- --now 2038-03-12T17:00:00Z get "$EV" --purpose visitor_events
sweep 2038-03-12T18:00:00Z
expect_gardien 3 "visitor's registration deleted once the event is held" -- --now 2038-03-12T18:00:00Z get "$EV" --purpose visitor_events
expect_gardien 3 "customer's registration deleted once the event is held" -- --now 2038-03-12T18:00:00Z get "$BEV" --purpose business_events
# Statistics: until the statistics are produced, not when an event is held.
expect_gardien 0 "statistics data still there" -- --now 2038-03-12T18:00:00Z get "$STA" --purpose business_statistics
expect_gardien 0 "statistics produced" -- --now 2038-06-30T12:00:00Z event "$C" statistics_produced --at 2038-06-30T12:00:00Z
sweep 2038-06-30T12:00:00Z
expect_gardien 3 "statistics data deleted once produced" -- --now 2038-06-30T12:00:00Z get "$STA" --purpose business_statistics

# Processor data: "Pendant toute la durée du contrat ou une durée supérieure si
# vous nous en donnez l'instruction": the later of the two.
U1=$("$GARDIEN" subject create --email u1@client.example) || fail "user 1"
U2=$("$GARDIEN" subject create --email u2@client.example) || fail "user 2"
P1=$(put "$U1" --activity processor_services --client CLIENT-1 --category user.contact.email --subject-category customer.user "u1@client.example")
P2=$(put "$U2" --activity processor_services --client CLIENT-2 --category user.contact.email --subject-category customer.user "u2@client.example")
# Client 2 instructed keeping its Users' data longer, until the end of 2041.
expect_gardien 0 "client 2's instruction" -- --now 2039-01-01 event "$U2" client_instruction --at 2039-01-01
expect_gardien 0 "contract end, user 1" -- --now 2040-06-30T12:00:00Z event "$U1" contract_end --at 2040-06-30T12:00:00Z
expect_gardien 0 "contract end, user 2" -- --now 2040-06-30T12:00:00Z event "$U2" contract_end --at 2040-06-30T12:00:00Z
sweep 2040-06-30T12:00:00Z
expect_gardien 3 "no instruction: deleted at the contract's end" -- --now 2040-06-30T12:00:00Z get "$P1" --purpose processor_services
expect_gardien 0 "instructed: kept past the contract's end" -- --now 2040-06-30T12:00:00Z get "$P2" --purpose processor_services
sweep 2041-12-31T23:59:59Z
expect_gardien 0 "instructed: still kept while the instructed period runs" -- --now 2041-12-31T23:59:59Z get "$P2" --purpose processor_services
expect_gardien 0 "instructed period over" -- --now 2041-12-31T23:59:59Z event "$U2" client_instruction_end --at 2041-12-31T23:59:59Z
sweep 2041-12-31T23:59:59Z
expect_gardien 3 "instructed: deleted when the instructed period ends" -- --now 2041-12-31T23:59:59Z get "$P2" --purpose processor_services
finish
