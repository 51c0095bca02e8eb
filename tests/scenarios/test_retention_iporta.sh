# test_retention_iporta.sh — IPORTA's "Délais de conservation": 3 years from the
# end of the relationship for prospection, the contract then the legal period,
# legal-obligation data archived from collection, contact requests until answered.
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

# Legal-obligation data is archived from collection: proof only, at once.
sweep 2026-01-01T00:00:00Z
expect_out '"archived":1'
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
finish
