# test_register_minimum.sh — minimum retention (format 2, "kept at least 10
# years") through the CLI: the sweep, the plan, delete, erase and erasure
# requests respect the floor; an erasure answer names what ends each kept
# record's retention (a date, an event awaited, or plainly no rule).
. "$(dirname "$0")/lib.sh"

R="$WORK/shop.yml"
cat >"$R" <<'YAML'
gardien_register: 2
controller: {name: Boutique SAS, address: "1 rue de la Paix, Paris", country: FR}
dpo: {name: DPO, email: dpo@boutique.example}
rights:
  - {kind: erasure}
events:
  contract_end: the customer's contract ends
activities:
  - id: invoicing
    name: Invoicing
    role: controller
    purposes: [essential.service.payment_processing]
    legal_basis: contract
    categories: [user.financial]
    subjects: [customer]
    retention:
      - text: invoices are deleted when the contract ends, but kept at least 10 years
        legal_reference: Code de commerce L123-22
        minimum: {from: collection, after: 10 years}
        stages: [{action: delete, from: contract_end, after: 0 days}]
  - id: contracts
    name: Contracts
    role: controller
    purposes: [essential.service]
    legal_basis: contract
    categories: [user.name]
    subjects: [customer]
    retention:
      - text: kept 5 years after the contract ends, at least
        legal_reference: Code civil art. 2224
        minimum: {from: contract_end, after: 5 years}
        stages: [{action: delete, from: contract_end, after: 5 years}]
  - id: newsletter
    name: Newsletter
    role: controller
    purposes: [marketing.communications.email]
    legal_basis: legitimate_interests
    basis_detail: news of the shop
    categories: [user.contact.email]
    subjects: [customer]
    retention:
      - stages: [{action: delete, from: collection, after: 3 years}]
  - id: disputes
    name: Disputes
    role: controller
    purposes: [essential.service]
    legal_basis: legitimate_interests
    basis_detail: defending the shop's claims
    categories: [user.contact.email]
    subjects: [customer]
    legal_claims: true
YAML

expect_gardien 0 "the register checks" -- register check "$R"
# The floor is format 2, and a stage may not remove the data before it.
sed 's/^gardien_register: 2/gardien_register: 1/' "$R" >"$WORK/v1.yml"
expect_gardien 2 "minimum in a format 1 file" -- register check "$WORK/v1.yml"
expect_out '"minimum" retention is format 2'
sed 's/stages: \[{action: delete, from: contract_end, after: 5 years}\]/stages: [{action: delete, from: contract_end, after: 2 years}]/' "$R" >"$WORK/short.yml"
expect_gardien 2 "a delete stage before the minimum" -- register check "$WORK/short.yml"
expect_out 'the "delete" stage comes before the minimum'

expect_gardien 0 "init" -- --tenant shop init --register "$R"
S=$("$GARDIEN" subject create --email claire@example.fr) || fail "subject create"
INV=$(put "$S" --activity invoicing --category user.financial --subject-category customer "invoice 2026-001")
CON=$(put "$S" --activity contracts --category user.name --subject-category customer "Claire Petit")
NEWS=$(put "$S" --activity newsletter --category user.contact.email --subject-category customer "claire@example.fr")
DIS=$(put "$S" --activity disputes --category user.contact.email --subject-category customer "claire@example.fr")

# ---- delete and erase before the minimum are refused (exit 7) ----
expect_gardien 7 "delete of an invoice before 10 years" -- delete "$INV"
expect_out "record $INV may not be deleted yet: minimum retention (Code de commerce L123-22): kept at least until 2036-01-01"
expect_gardien 7 "delete of a contract whose end has not happened" -- delete "$CON"
expect_out 'kept at least 5 year(s) 0 month(s) 0 day(s) after "contract_end", which has not happened yet'
expect_gardien 7 "erase of the subject whole" -- erase "$S"
expect_out "cannot be erased whole: record $INV must be kept"
expect_gardien 0 "the invoice is still there" -- get "$INV" --purpose invoicing
expect_gardien 0 "a record without a minimum deletes" -- delete "$NEWS"

# ---- the sweep and the plan hold the deletion back to the floor ----
GARDIEN_NOW=2026-03-01 expect_gardien 0 "the contract ends" -- event "$S" contract_end
GARDIEN_NOW=2027-01-01 expect_gardien 0 "sweep a year later" -- retention sweep
expect_gardien 0 "invoice kept: the contract ended but the minimum runs" -- get "$INV" --purpose invoicing
expect_gardien 0 "plan until 2037" -- --json retention plan --until 2037-01-01
echo "$OUT" | jq -e '[.. | objects | select(.activity? == "invoicing" and .action? == "delete")] | length > 0' >/dev/null ||
	fail "the plan shows the invoice's deletion: $OUT"
echo "$OUT" | jq -e '[.. | objects | select(.activity? == "invoicing" and .action? == "delete") | .month // .when // .due // empty] | map(tostring) | any(startswith("2036"))' >/dev/null ||
	fail "the plan puts the invoice's deletion at the end of the minimum (2036): $OUT"
GARDIEN_NOW=2036-01-01T23:00:00Z expect_gardien 0 "sweep on the last day of the minimum" -- retention sweep
GARDIEN_NOW=2036-01-01T23:00:00Z expect_gardien 0 "invoice kept on its last day" -- get "$INV" --purpose invoicing
# The contract went 5 years after its end (2031-03-01), its minimum passed with it.
GARDIEN_NOW=2036-01-01T23:00:00Z expect_gardien 3 "contract deleted once its minimum passed" -- get "$CON" --purpose contracts

# ---- an erasure request keeps what the law keeps and says what ends it ----
S2=$("$GARDIEN" subject create --email marc@example.fr) || fail "subject 2"
I2=$(put "$S2" --activity invoicing --category user.financial --subject-category customer "invoice 2026-002")
C2=$(put "$S2" --activity contracts --category user.name --subject-category customer "Marc Dubois")
N2=$(put "$S2" --activity newsletter --category user.contact.email --subject-category customer "marc@example.fr")
D2=$(put "$S2" --activity disputes --category user.contact.email --subject-category customer "marc@example.fr")
RQ=$("$GARDIEN" --json request open erasure "$S2" | jq .id)
"$GARDIEN" request verify "$RQ" --method id-card --evidence "scan-$RQ" >/dev/null || fail "verify"
expect_gardien 0 "erasure request" -- --json request erase "$RQ"
KEPT="$OUT"
echo "$KEPT" | jq -e --argjson r "$I2" '.. | objects | select(.record? == $r) | (.rule | startswith("minimum retention (Code de commerce L123-22): kept at least until 2036-01-01")) and .ends == "kept at least until 2036-01-01 (minimum retention), then until the event \"contract_end\" happens and 0 year(s) 0 month(s) 0 day(s) more"' >/dev/null ||
	fail "invoice kept with its minimum and end: $KEPT"
echo "$KEPT" | jq -e --argjson r "$C2" '.. | objects | select(.record? == $r) | (.ends | startswith("kept until the event \"contract_end\" happens, then 5 year(s)")) and .until == null' >/dev/null ||
	fail "contract kept until its event: $KEPT"
echo "$KEPT" | jq -e --argjson r "$D2" '.. | objects | select(.record? == $r) | .ends | startswith("no retention rule")' >/dev/null ||
	fail "dispute record kept with no rule, said plainly: $KEPT"
echo "$KEPT" | jq -e --argjson r "$N2" '[.. | objects | select(.record? == $r)] | length == 0' >/dev/null ||
	fail "the newsletter email is not kept: $KEPT"
expect_gardien 3 "newsletter email erased" -- get "$N2" --purpose newsletter
expect_gardien 0 "invoice kept after the erasure" -- get "$I2" --purpose invoicing
# The text form says it too.
RQ3=$("$GARDIEN" --json request open erasure "$S" | jq .id)
"$GARDIEN" request verify "$RQ3" --method id-card --evidence "scan-$RQ3" >/dev/null || fail "verify 3"
expect_gardien 0 "erasure request, text" -- request erase "$RQ3"
expect_out "kept until 2036-01-01, then deleted (the minimum retention ends last)"
finish
