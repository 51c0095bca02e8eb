# test_retention_winbooks.sh — WinBooks §3 "Conserver les données … durant une
# période limitée": for the contract, then archived for the legal consequences
# (readable only for the legal-claims activities) until they are settled; the
# cloud data it hosts as processor, until its owner, the client, instructs
# their deletion (§3 "que selon les instructions de ces derniers"): the notice
# gives no period, and an earlier register invented one at "hosting end".
. "$(dirname "$0")/lib.sh"
setup winbooks winbooks

sweep() { expect_gardien 0 "sweep at $1" -- --now "$1" --json retention sweep; }

C=$("$GARDIEN" subject create --email compta@client.be) || fail "customer"
U=$("$GARDIEN" subject create --email user@client.be) || fail "cloud user"
REL=$(put "$C" --activity customer_relations --category user.contact.email --subject-category customer "compta@client.be")
BILL=$(put "$C" --activity billing --category user.financial.bank_account --subject-category customer "BE68 5390 0754 7034")
SUP=$(put "$C" --activity support --category user.contact.phone_number --subject-category customer "+32 2 123 45 67")
HOST=$(put "$U" --activity cloud_hosting --client CLIENT-1 --category user.content.private.hosted --subject-category customer.cloud_user "ledger 2026")

# During the contract nothing moves.
sweep 2030-01-01
expect_out '"archived":0,"anonymised":0,"deleted":0'
expect_gardien 0 "relation readable during the contract" -- get "$REL" --purpose customer_relations

# End of contract: relation and billing data archived as proof.
expect_gardien 0 "contract end" -- --now 2026-12-31T18:00:00Z event "$C" contract_end --at 2026-12-31T17:00:00Z
sweep 2026-12-31T18:00:00Z
expect_out '"archived":2'
expect_gardien 4 "archived relation refused for customer relations" -- get "$REL" --purpose customer_relations
expect_out "kept only as legal proof"
expect_gardien 0 "archived billing readable for billing (legal claims)" -- get "$BILL" --purpose billing
expect_gardien 0 "archived relation readable for legal retention" -- get "$REL" --purpose billing
expect_gardien 0 "support data still active" -- get "$SUP" --purpose support
expect_gardien 0 "plan until the consequences are settled" -- --now 2027-01-01 --json retention plan --until 2040-01-01
expect_out '"waiting_for_event":4'

# Consequences settled (prescription run out): everything goes.
expect_gardien 0 "settled" -- --now 2031-12-31T10:00:00Z event "$C" consequences_settled --at 2031-12-31T10:00:00Z
sweep 2031-12-31T10:00:00Z
expect_out '"deleted":3'
expect_gardien 3 "billing deleted" -- get "$BILL" --purpose billing
expect_gardien 3 "support deleted" -- get "$SUP" --purpose support

# Hosted data (processor): "restent la propriété des ... clients": years pass
# and nothing is deleted until the client instructs it.
expect_gardien 0 "hosted readable" -- get "$HOST" --purpose cloud_hosting
sweep 2045-01-01
expect_out '"deleted":0'
expect_gardien 0 "hosted data still there after years without an instruction" -- --now 2045-01-01 get "$HOST" --purpose cloud_hosting
expect_gardien 0 "client's instruction" -- --now 2045-03-31T23:00:00Z event "$U" client_deletion_instruction --at 2045-03-31T23:00:00Z
sweep 2045-03-31T23:00:00Z
expect_gardien 3 "hosted data deleted" -- get "$HOST" --purpose cloud_hosting
finish
