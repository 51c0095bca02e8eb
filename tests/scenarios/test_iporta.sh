# test_iporta.sh — the IPORTA data protection policy played end to end.
. "$(dirname "$0")/lib.sh"
setup iporta iporta

C=$("$GARDIEN" subject create --email client@example.fr) || fail "subject create"
U=$("$GARDIEN" subject create --email user@client.example) || fail "user create"

# As processor, IPORTA only registers Users (name, email) for the Client.
UE=$(put "$U" --activity processor_services --client CLIENT-1 --category user.contact.email --subject-category customer.user "user@client.example")
expect_gardien 4 "processor may not keep a User's phone" -- put "$U" --activity processor_services --client CLIENT-1 --category user.contact.phone_number --subject-category customer.user "0600000000"
expect_out 'does not declare category user.contact.phone_number'
# "IPORTA s'interdit expressément de louer ou revendre": Users' data is not for its own marketing.
expect_gardien 4 "User's email read for prospection refused" -- get "$UE" --purpose business_prospection
expect_out "as processor (activity \"processor_services\")"
# The processor activity is for the Client's Users only, not IPORTA's own customers.
expect_gardien 4 "customer stored under the processor activity refused" -- put "$C" --activity processor_services --client CLIENT-1 --category user.contact.email --subject-category customer "client@example.fr"
expect_out "does not declare subject category customer"

# Customers: contract management covers financial data; prospection does not.
INV=$(put "$C" --activity contract_management --category user.financial --subject-category customer '{"invoice":"F-1"}' --json-value)
CE=$(put "$C" --activity business_prospection --category user.contact.email --subject-category customer "client@example.fr")
expect_gardien 0 "invoice read for contract management" -- get "$INV" --purpose contract_management
expect_gardien 0 "invoice read for legal obligations" -- get "$INV" --purpose legal_obligations
expect_gardien 4 "invoice read for prospection refused" -- get "$INV" --purpose business_prospection
expect_gardien 4 "invoice read for statistics refused" -- get "$INV" --purpose business_statistics
# Prospection rests on consent (rights branch: the consent ledger): none recorded, read refused.
expect_gardien 4 "email read for prospection refused without consent" -- get "$CE" --purpose business_prospection
expect_out "consent is not recorded"
expect_gardien 0 "consent to prospection recorded" -- consent give "$C" business_prospection --channel web-form
expect_gardien 0 "email read for prospection (consent-based)" -- get "$CE" --purpose business_prospection
# Visitors: the website's contact form does not collect financial data.
expect_gardien 4 "visitor's financial data refused" -- put "$C" --activity contact_requests --category user.financial --subject-category visitor "x"

# "Les prestataires de services tiers habilités ... d'analyses Web, de
# distribution d'e-mails, d'enregistrement de sessions": they serve the website
# and prospection too, so the access copy names them for a visitor's data.
V=$("$GARDIEN" subject create --email visiteur@example.fr) || fail "visitor"
put "$V" --activity contact_requests --category user.contact.email --subject-category visitor "visiteur@example.fr" >/dev/null
expect_gardien 0 "visitor's access request" -- request open access "$V"
RQ=${OUT#request }; RQ=${RQ%% *}
expect_gardien 0 "identity verified" -- request verify "$RQ" --method id-card --evidence scan-1
expect_gardien 0 "visitor's access copy" -- request export "$RQ"
expect_out "d'enregistrement de sessions"

# The JSON-LD export speaks DPV: contract and consent bases, SCC transfers.
expect_gardien 0 "jsonld export" -- register export --format jsonld
expect_out "https://w3id.org/dpv#Consent"
expect_out "https://w3id.org/dpv/legal/eu/gdpr#A46-2-c"
# A new version that narrows an activity is enforced at once and shows in the diff.
sed 's/    categories: \[user.name, user.contact, user.content.self_image, user.financial,/    categories: [user.name, user.contact, user.content.self_image,/' \
	"$GD_SOURCE_DIR/examples/iporta.yml" >"$WORK/iporta2.yml"
expect_gardien 0 "load version 2" -- register load "$WORK/iporta2.yml"
expect_out "register version 2"
expect_gardien 4 "invoice no longer readable for contract management" -- get "$INV" --purpose contract_management
expect_gardien 0 "diff" -- register diff 1 2
expect_out "~ activity contract_management: categories"
expect_gardien 0 "versions" -- register versions
expect_out "iporta2.yml"
finish
