# test_register_rights_offered.sh — rights as the notice offers them (issue
# 18 item 12, register part): channels, fee and identity requirements, stated,
# checked and exported through the CLI.
. "$(dirname "$0")/lib.sh"
R="$WORK/shop.yml"
cat >"$R" <<'YAML'
gardien_register: 2
controller: {name: Boutique SAS, address: "1 rue de la Paix, Paris", country: FR}
dpo: {name: DPO}
rights:
  - {kind: access, channels: [email, post], fee: free_unless_unfounded, extra_copies_charged: true,
     identity: "a copy of an identity document only when there is a reasonable doubt"}
  - {kind: erasure, channels: [form], fee: free}
activities:
  - id: billing
    name: Billing
    role: controller
    purposes: [essential.service.payment_processing]
    legal_basis: contract
    categories: [user.contact.email]
    subjects: [customer]
    retention:
      - stages: [{action: delete, from: collection, after: 1 year}]
YAML
expect_gardien 0 "check" -- register check "$R"
expect_gardien 0 "json" -- --json register export --file "$R" --format json
echo "$OUT" | jq -e '.rights[0] | .channels == ["email", "post"] and .fee == "free_unless_unfounded" and (.identity | startswith("a copy"))' >/dev/null ||
	fail "rights in the json export: $OUT"
expect_gardien 0 "markdown" -- register show --file "$R"
expect_out "by email, post — free unless manifestly unfounded or excessive — identity: a copy of an identity document"
sed 's/channels: \[form\]/channels: [fax]/' "$R" >"$WORK/bad.yml"
expect_gardien 2 "an unknown channel" -- register check "$WORK/bad.yml"
expect_out 'channel "fax" must be one of email, post, form, in_person, phone'
sed 's/fee: free_unless_unfounded/fee: free/' "$R" >"$WORK/bad.yml"
expect_gardien 2 "free, yet extra copies charged" -- register check "$WORK/bad.yml"
expect_out 'fee "free" and extra_copies_charged: true contradict each other'
sed 's/^gardien_register: 2/gardien_register: 1/' "$R" >"$WORK/v1.yml"
expect_gardien 2 "format 1" -- register check "$WORK/v1.yml"
expect_out "a right's \"channels\" is format 2"
finish
