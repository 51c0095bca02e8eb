# test_register_format2.sh — register format 2 through the CLI: format 1 files
# load unchanged and migrate; legal_basis not_stated; reads_from enforced on
# reads (an email collected for billing is not read for prospection even
# though the category matches); parties in several countries; transfers
# checked against the adequacy decisions and the judgments that struck down
# Safe Harbor and the Privacy Shield; Art. 49 derogations flagged.
. "$(dirname "$0")/lib.sh"

R="$WORK/shop.yml"
cat >"$R" <<'YAML'
gardien_register: 2
controller: {name: Boutique SAS, address: "1 rue de la Paix, Paris", country: FR}
dpo: {name: DPO, email: dpo@boutique.example}
rights:
  - {kind: access}
events:
  contract_end: the customer's contract ends
activities:
  - id: billing
    name: Billing
    role: controller
    purposes: [essential.service.payment_processing]
    legal_basis: contract
    categories: [user.name, user.contact.email]
    subjects: [customer]
    processors:
      - {name: MailCo, country: [DE, US], purpose: sending invoices}
    transfers:
      - {recipient: MailCo, country: US, safeguard: scc, reference: "SCC 2021/914, module 3"}
    retention:
      - stages: [{action: delete, from: contract_end, after: 10 years}]
  - id: support
    name: Customer support
    role: controller
    purposes: [essential.service]
    legal_basis: contract
    categories: [user.contact.email]
    subjects: [customer]
    reads_from:
      - {activity: billing, compatibility: "answering a customer about an invoice serves the contract the invoice was issued for"}
    retention:
      - stages: [{action: delete, from: contract_end, after: 1 year}]
  - id: prospection
    name: Prospection
    role: controller
    purposes: [marketing.communications.email]
    legal_basis: not_stated
    categories: [user.contact.email]
    subjects: [customer]
    recipients:
      - {name: a partner, kind: external}
    retention:
      - stages: [{action: delete, from: collection, after: 3 years}]
YAML

# A valid format 2 register: warnings for the silent basis and the party without country.
expect_gardien 0 "format 2 register checks" -- register check "$R"
expect_out 'legal basis is not stated'
expect_out 'external "a partner" names no country'
# The same syntax in a format 1 file is refused, pointing to migrate.
sed 's/^gardien_register: 2/gardien_register: 1/' "$R" >"$WORK/v1.yml"
expect_gardien 2 "format 2 keys in a format 1 file" -- register check "$WORK/v1.yml"
expect_out '"reads_from" is format 2'
expect_out '"legal_basis: not_stated" is format 2'
expect_out 'a list of countries is format 2'
expect_out "gardien register migrate"

# ---- reads_from is enforced: same category, different activity ----
expect_gardien 0 "init with the format 2 register" -- --tenant shop init --register "$R"
S=$("$GARDIEN" subject create --email claire@example.fr) || fail "subject create"
E=$(put "$S" --activity billing --category user.contact.email --subject-category customer "claire@example.fr")
expect_gardien 0 "billing reads its own data" -- get "$E" --purpose billing
expect_gardien 0 "support reads billing data (reads_from with reasoning)" -- get "$E" --purpose support
expect_gardien 4 "prospection may not read the email collected for billing" -- get "$E" --purpose prospection
expect_out 'activity "prospection" does not list it in reads_from'
expect_out 'Art. 6(4)'
[ "$("$GARDIEN" audit list --json --outcome denied | jq -r 'select(.purpose == "prospection") | .purpose' | head -1)" = prospection ] ||
	fail "the refused read is not audited"
# Under format 1, the same register (without the format 2 keys) lets the
# read through on the category alone: the change is format 2's.
sed -e 's/^gardien_register: 2/gardien_register: 1/' -e 's/legal_basis: not_stated/legal_basis: legitimate_interests/' \
	-e 's/country: \[DE, US\]/country: US/' -e '/reads_from:/,/compatibility:/d' "$R" >"$WORK/v1ok.yml"
expect_gardien 0 "format 1 variant checks" -- register check "$WORK/v1ok.yml"
expect_gardien 0 "format 1 variant loads" -- register load "$WORK/v1ok.yml"
expect_gardien 0 "format 1: prospection reads the billing email (category rule)" -- get "$E" --purpose prospection
expect_gardien 0 "format 2 again" -- register load "$R"
expect_gardien 4 "format 2 again refuses" -- get "$E" --purpose prospection

# reads_from must name an activity, give its reasoning, keep the role.
bad() { # DESCRIPTION EXPECTED-MESSAGE SED-EXPR
	sed "$3" "$R" >"$WORK/bad.yml"
	expect_gardien 2 "$1" -- register check "$WORK/bad.yml"
	expect_out "$2"
}
bad "reads_from an unknown activity" 'reads_from names "billng", which is not an activity' 's/{activity: billing, compatibility/{activity: billng, compatibility/'
bad "reads_from without reasoning" 'gives no reasoning' 's/      - {activity: billing, compatibility: .*/      - billing/'

# ---- several countries per party: each outside the EEA needs a transfer ----
bad "a party's second country without transfer" 'processor "MailCo" is in US, outside the EU/EEA' '/recipient: MailCo, country: US/d'
bad "a country that is not a code" 'country "Germany" must be an ISO 3166-1 alpha-2 code' 's/country: \[DE, US\]/country: [Germany, US]/'

# ---- transfers against the law ----
bad "Privacy Shield in the reference text" 'struck down in C-311/18 (Schrems II) on 2020-07-16' \
	's|reference: "SCC 2021/914, module 3"|reference: "SCC, and EU-US Privacy Shield certified"|'
bad "Safe Harbor" 'Safe Harbor (Commission Decision 2000/520/EC), which the Court of Justice struck down in C-362/14' \
	's|safeguard: scc, reference: "SCC 2021/914, module 3"|safeguard: adequacy, reference: "Safe Harbour principles"|'
bad "adequacy for a country without a decision" 'adequacy claimed for CN, which has no adequacy decision' \
	's|country: \[DE, US\]|country: [DE, CN]|; s|recipient: MailCo, country: US, safeguard: scc|recipient: MailCo, country: CN, safeguard: adequacy|'
bad "US adequacy without the Data Privacy Framework" 'covers only organisations certified under the Data Privacy Framework' \
	's|safeguard: scc, reference: "SCC 2021/914, module 3"|safeguard: adequacy, reference: "adequacy"|'
# Adequacy where a decision is in force, and the DPF for a certified organisation, pass.
sed -e 's|country: \[DE, US\]|country: [DE, JP]|' -e 's|recipient: MailCo, country: US, safeguard: scc|recipient: MailCo, country: JP, safeguard: adequacy|' "$R" >"$WORK/jp.yml"
expect_gardien 0 "adequacy for Japan" -- register check "$WORK/jp.yml"
expect_out 'Commission Implementing Decision (EU) 2019/419'
sed 's|safeguard: scc, reference: "SCC 2021/914, module 3"|safeguard: adequacy, reference: "Data Privacy Framework, certified"|' "$R" >"$WORK/dpf.yml"
expect_gardien 0 "US adequacy under the Data Privacy Framework" -- register check "$WORK/dpf.yml"
# In a format 1 file the struck-down mechanism is a warning (old files keep
# loading), and migrate refuses to write it as format 2.
sed 's|reference: "SCC 2021/914, module 3"|reference: "EU-US Privacy Shield"|' "$WORK/v1ok.yml" >"$WORK/v1ps.yml"
expect_gardien 0 "format 1 with the Privacy Shield loads, warned" -- register check "$WORK/v1ps.yml"
expect_out 'warning: activity "billing": transfer to "MailCo" relies on the Privacy Shield'
expect_gardien 2 "not migrated while it relies on it" -- register migrate "$WORK/v1ps.yml"
expect_out "not valid as format 2"
# A derogation is valid but flagged as the exception it is.
sed 's|safeguard: scc, reference: "SCC 2021/914, module 3"|safeguard: derogation, reference: "Art. 49(1)(b)"|' "$R" >"$WORK/derog.yml"
expect_gardien 0 "derogation is allowed" -- register check "$WORK/derog.yml"
expect_out 'derogation (Art. 49) is an exception for occasional transfers, not a regime'
# In a format 1 file a claim without a decision is a warning: old files keep loading.
sed -e 's|recipient: MailCo, country: US, safeguard: scc|recipient: MailCo, country: US, safeguard: adequacy|' "$WORK/v1ok.yml" >"$WORK/v1adq.yml"
expect_gardien 0 "format 1: the law check is a warning" -- register check "$WORK/v1adq.yml"
expect_out 'warning: activity "billing": the adequacy decision for United States'

# ---- the three examples are format 2 (not_stated, reads_from, or_later):
# they check, and migrate writes them unchanged ----
for ex in wimi iporta winbooks; do
	expect_gardien 0 "$ex (format 2) checks" -- register check "$GD_SOURCE_DIR/examples/$ex.yml"
	[ "$("$GARDIEN" --json register export --file "$GD_SOURCE_DIR/examples/$ex.yml" | jq .gardien_register)" = 2 ] || fail "$ex: export says format 2"
	"$GARDIEN" register migrate "$GD_SOURCE_DIR/examples/$ex.yml" >"$WORK/$ex-3.yml" 2>/dev/null || fail "$ex: migrate a format 2 file"
	cmp -s "$GD_SOURCE_DIR/examples/$ex.yml" "$WORK/$ex-3.yml" || fail "$ex: migrate changed a format 2 file"
	# Back in format 1, the format 2 keys are refused with a pointer to migrate.
	sed 's/^gardien_register: 2/gardien_register: 1/' "$GD_SOURCE_DIR/examples/$ex.yml" >"$WORK/$ex-1.yml"
	expect_gardien 2 "$ex as format 1 refused" -- register check "$WORK/$ex-1.yml"
	expect_out "register migrate"
done
# Migrate refuses a file with errors and writes nothing.
expect_gardien 2 "migrate a bad file" -- register migrate "$WORK/bad.yml" --output "$WORK/out.yml"
[ ! -e "$WORK/out.yml" ] && [ ! -e "$WORK/out.yml.migrate-tmp" ] || fail "migrate of a bad file wrote a file"
# A format 1 file whose law check fails as format 2 is not migrated.
expect_gardien 2 "migrate a file that format 2 refuses" -- register migrate "$WORK/v1adq.yml"
expect_out "not valid as format 2"
finish
