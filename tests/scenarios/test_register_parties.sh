# test_register_parties.sh — who else is in the processing (issue 18 items
# 7, 8 and 14), through the CLI: a processor's own sub-processors and their
# onward transfers, processor contracts (Art. 28), joint controllers with
# their arrangement (Art. 26), the representative (Art. 27), and impact
# assessments (Art. 35).
. "$(dirname "$0")/lib.sh"

R="$WORK/shop.yml"
cat >"$R" <<'YAML'
gardien_register: 2
controller: {name: Boutique SAS, address: "1 rue de la Paix, Paris", country: FR}
dpo: {name: DPO, email: dpo@boutique.example}
rights: [{kind: access}]
activities:
  - id: billing
    name: Billing
    role: controller
    purposes: [essential.service.payment_processing]
    legal_basis: contract
    categories: [user.contact.email]
    subjects: [customer]
    processors:
      - name: HostCo
        country: IE
        purpose: hosting
        contract: {date: "2023-05-01", reference: "DPA HostCo v3"}
        sub_processors:
          - {name: HostCo Support Inc., country: [IE, US], purpose: 24/7 support}
    transfers:
      - {recipient: HostCo Support Inc., country: US, safeguard: scc, reference: "SCC 2021/914, module 3"}
    joint_controllers:
      - {name: Marketplace SA, country: BE, email: privacy@marketplace.example,
         arrangement: "the marketplace answers access requests, the shop erasure requests",
         reference: "joint controller agreement of 2024-01-10, annex 2"}
    retention:
      - stages: [{action: delete, from: collection, after: 10 years}]
  - id: health_survey
    name: Health survey
    role: controller
    purposes: [analytics]
    legal_basis: consent
    consent: {text: "I agree to answer the health survey", version: "1"}
    art9_condition: explicit_consent
    categories: [user.health_and_medical]
    subjects: [customer]
    dpia: {date: "2024-03-15", outcome: risks_mitigated, reference: "DPIA-2024-07"}
    retention:
      - stages: [{action: delete, from: collection, after: 1 year}]
YAML
expect_gardien 0 "the register checks" -- register check "$R"
bad() { # DESCRIPTION EXIT EXPECTED SED-EXPR
	sed "$4" "$R" >"$WORK/bad.yml"
	expect_gardien "$2" "$1" -- register check "$WORK/bad.yml"
	expect_out "$3"
}
# ---- onward transfers (item 7) ----
bad "a sub-processor's support in the US without transfer" 2 'sub-processor "HostCo Support Inc." is in US, outside the EU/EEA, with no safeguarded transfer' \
	'/recipient: HostCo Support Inc./d'
bad "sub-processors of a sub-processor" 2 '"sub_processors" belong to a processor, one level down' \
	's|{name: HostCo Support Inc., country: \[IE, US\], purpose: 24/7 support}|{name: HostCo Support Inc., country: [IE, US], purpose: 24/7 support, sub_processors: [{name: X, country: IE}]}|'
bad "a sub-processor struck down in its transfer" 2 'struck down in C-311/18' 's|reference: "SCC 2021/914, module 3"|reference: "Privacy Shield"|'
# ---- processor contracts (item 8, Art. 28) ----
bad "a processor without contract" 0 'processor "HostCo" has no "contract": Art. 28(3) requires one' '/contract: {date: "2023-05-01"/d'
bad "a contract date that is not one" 2 'write a date as YYYY-MM-DD' 's/date: "2023-05-01"/date: "May 2023"/'
# ---- joint controllers (item 8, Art. 26) ----
bad "a joint controller without arrangement" 2 'joint controller "Marketplace SA" without "arrangement": Art. 26' \
	'/arrangement: "the marketplace answers/d'
# ---- representative (item 8, Art. 27) ----
bad "a controller outside the EU without representative" 0 'outside the EU/EEA, and names no "representative": Art. 27' \
	's/country: FR}/country: US}/'
# ---- impact assessments (item 14, Art. 35) ----
bad "special categories without DPIA" 0 'special categories of data and no "dpia": Art. 35(3)' '/dpia: {date/d'
bad "a DPIA outcome that is not one" 2 '"outcome" is "fine": it must be one of no_high_risk, risks_mitigated, prior_consultation' \
	's/outcome: risks_mitigated/outcome: fine/'
bad "these keys need format 2" 2 '"joint_controllers" is format 2' 's/^gardien_register: 2/gardien_register: 1/'

# ---- what the exports say ----
expect_gardien 0 "json export" -- --json register export --file "$R" --format json
echo "$OUT" | jq -e '.activities[0].processors[0] | .contract == {date: "2023-05-01", reference: "DPA HostCo v3"} and
	.sub_processors[0].name == "HostCo Support Inc." and .sub_processors[0].country == ["IE", "US"]' >/dev/null || fail "json: contract and sub-processors: $OUT"
echo "$OUT" | jq -e '.activities[0].joint_controllers[0].arrangement | startswith("the marketplace answers")' >/dev/null || fail "json: joint controllers"
echo "$OUT" | jq -e '.activities[1].dpia == {date: "2024-03-15", outcome: "risks_mitigated", reference: "DPIA-2024-07"}' >/dev/null || fail "json: dpia"
expect_gardien 0 "markdown" -- register show --file "$R"
expect_out "Joint controllers (Art. 26)"
expect_out "Marketplace SA: the marketplace answers access requests"
expect_out "Impact assessment (Art. 35) | 2024-03-15, risks\\_mitigated — DPIA-2024-07"
expect_out "engages HostCo Support Inc. (sub-processor, IE, US, 24/7 support)"
expect_gardien 0 "csv" -- register export --file "$R" --format csv
expect_out 'Marketplace SA (BE), privacy@marketplace.example : accord : the marketplace answers access requests'
expect_out 'fait appel à HostCo Support Inc. (sous-traitant ultérieur, IE, US)'
expect_out 'contrat du 2023-05-01 DPA HostCo v3'
expect_gardien 0 "jsonld" -- register export --file "$R" --format jsonld
echo "$OUT" | jq -e '."@graph"[1]."dpv:hasJointDataControllers"."dpv:hasDataController"[0]."dct:title" == "Marketplace SA"' >/dev/null ||
	fail "jsonld: joint controllers"
finish
