# test_register_jsonld.sh — the JSON-LD export speaks W3C DPV (issue 18 item
# 16): purposes as DPV purposes, personal data as DPV-PD categories, legal
# bases as DPV / DPV-GDPR terms, countries as DPV locations, each fideslang
# key kept beside its DPV term; and it is JSON-LD a processor accepts (the
# jsonld package, pinned in tests/tools/js, in safe mode: a term that does not
# expand to an IRI fails it).
. "$(dirname "$0")/lib.sh"
. "$GD_SOURCE_DIR/tests/tools/js_tools.sh"
js_tools || { fail "the JavaScript tools could not be installed (npm ci in tests/tools/js)"; finish; }
CHECK() { node "$GD_SOURCE_DIR/tests/tools/jsonld_check.js" "$1"; }
PURPOSES="$GD_SHARED_DIR/vocab/dpv-2.2/purposes.csv"

for ex in wimi iporta winbooks; do
	"$GARDIEN" register export --file "$GD_SOURCE_DIR/examples/$ex.yml" --format jsonld >"$WORK/$ex.jsonld" || fail "$ex export"
	CHECK "$WORK/$ex.jsonld" >"$WORK/$ex.json" || { fail "$ex: the JSON-LD processor refuses the export"; continue; }
	jq -e '.activities | length > 0' "$WORK/$ex.json" >/dev/null || fail "$ex: no activity in the graph"
	jq -e 'all(.activities[]; (.purposes | length > 0) and all(.purposes[]; startswith("https://w3id.org/dpv#")))' "$WORK/$ex.json" >/dev/null ||
		fail "$ex: a purpose is not a DPV purpose: $(jq -c '[.activities[] | .purposes]' "$WORK/$ex.json")"
	jq -e 'all(.activities[]; (.purposes_fides | length) == (.purposes | length) and all(.purposes_fides[]; startswith("https://github.com/IABTechLab/fideslang#data_use/")))' \
		"$WORK/$ex.json" >/dev/null || fail "$ex: fideslang data uses not kept beside the DPV purposes"
	jq -e 'all(.activities[]; (.data | length > 0) and all(.data[]; startswith("https://w3id.org/dpv/pd#") or . == "https://w3id.org/dpv#PersonalData"))' \
		"$WORK/$ex.json" >/dev/null || fail "$ex: personal data not as DPV-PD: $(jq -c '[.activities[] | .data]' "$WORK/$ex.json")"
	jq -e 'all(.activities[]; (.data_fides | length) == (.data | length))' "$WORK/$ex.json" >/dev/null ||
		fail "$ex: fideslang data categories not kept"
	jq -e 'all(.activities[]; all(.bases[]; startswith("https://w3id.org/dpv")))' "$WORK/$ex.json" >/dev/null || fail "$ex: legal bases"
	jq -e 'all(.activities[]; all(.countries[]; test("^https://w3id.org/dpv/loc#[A-Z]{2}$")))' "$WORK/$ex.json" >/dev/null ||
		fail "$ex: countries are not DPV locations"
	jq -e '.controller_country | length == 1 and (.[0] | test("^https://w3id.org/dpv/loc#[A-Z]{2}$"))' "$WORK/$ex.json" >/dev/null ||
		fail "$ex: the controller's country"
	# Every DPV purpose used is a term of DPV 2.2.
	if [ -r "$PURPOSES" ]; then
		for iri in $(jq -r '.activities[].purposes[]' "$WORK/$ex.json" | sort -u); do
			[ "$iri" = "https://w3id.org/dpv#Purpose" ] && continue
			grep -q "\"$iri\"" "$PURPOSES" || fail "$ex: $iri is not a DPV 2.2 purpose"
		done
	else
		echo "note: $PURPOSES not found: DPV purposes not checked against the vocabulary" >&2
	fi
done
# Wimi's billing: payment processing, its bank account data, a contract.
jq -e '.activities[] | select(.id == "urn:gardien:register:activity:billing") |
	(.purposes | index("https://w3id.org/dpv#PaymentManagement")) and (.data | index("https://w3id.org/dpv/pd#BankAccount")) and
	(.bases | index("https://w3id.org/dpv#Contract")) and (.data_fides | index("https://github.com/IABTechLab/fideslang#data_category/user.financial.bank_account"))' \
	"$WORK/wimi.json" >/dev/null || fail "wimi billing in DPV terms: $(jq -c '.activities[0]' "$WORK/wimi.json")"

# A processor in several countries (format 2): each as a DPV location.
cat >"$WORK/r.yml" <<'YAML'
gardien_register: 2
controller: {name: Boutique SAS, address: "1 rue de la Paix", country: FR}
dpo: {name: DPO}
rights: [{kind: access}]
activities:
  - id: billing
    name: Billing
    role: controller
    purposes: [essential.service.payment_processing]
    legal_basis: not_stated
    categories: [user.contact.email, user.financial.credit_card]
    subjects: [customer]
    processors:
      - {name: MailCo, country: [DE, US], purpose: invoices}
    transfers:
      - {recipient: MailCo, country: US, safeguard: scc}
    retention:
      - stages: [{action: delete, from: collection, after: 1 year}]
YAML
"$GARDIEN" register export --file "$WORK/r.yml" --format jsonld >"$WORK/r.jsonld" || fail "export r"
CHECK "$WORK/r.jsonld" >"$WORK/r.json" || fail "r: the processor refuses it"
jq -e '.activities[0].countries | index("https://w3id.org/dpv/loc#DE") and index("https://w3id.org/dpv/loc#US")' "$WORK/r.json" >/dev/null ||
	fail "a party's countries: $(jq -c '.activities[0].countries' "$WORK/r.json")"
jq -e '.activities[0].bases == []' "$WORK/r.json" >/dev/null || fail "a basis not stated is no DPV basis"
jq -e '.activities[0].data | index("https://w3id.org/dpv/pd#PaymentCard")' "$WORK/r.json" >/dev/null || fail "credit card as pd:PaymentCard"
# The check is real: a type without its prefix expands to no IRI and fails the processor.
jq '."@graph"[1]."dpv:hasPurpose"[0]."@type" = "PaymentManagement"' "$WORK/r.jsonld" >"$WORK/bad.jsonld"
CHECK "$WORK/bad.jsonld" >/dev/null 2>&1 && fail "the processor accepted a type that expands to no IRI"
finish
