# test_wimi.sh — the Wimi privacy policy played end to end: what it allows is
# stored and read, what it does not is refused with the activity and category.
. "$(dirname "$0")/lib.sh"
setup wimi wimi

S=$("$GARDIEN" subject create --email jeanne@example.fr) || fail "subject create"
P=$("$GARDIEN" subject create --email prospect@example.fr) || fail "prospect create"

# §6 bank data only "si le prospect devient client uniquement": billing is for customers.
BANK=$(put "$S" --activity billing --category user.financial.bank_account --subject-category customer "FR76 3000 6000 0112 3456 7890 189")
expect_gardien 4 "bank data of a prospect refused" -- put "$P" --activity billing --category user.financial.bank_account --subject-category prospect "FR76 0000"
expect_out 'activity "billing" does not declare subject category prospect'
# A category the activity does not declare.
expect_gardien 4 "bank data for the newsletter refused" -- put "$S" --activity prospection --category user.financial.bank_account --subject-category customer "FR76"
expect_out 'activity "prospection" does not declare category user.financial.bank_account'
# An activity the register does not have.
expect_gardien 4 "undeclared activity refused" -- put "$S" --activity resale --category user.contact.email --subject-category customer "x"
expect_out '"resale" is not in the register'
# The subject category is required once a register is loaded.
expect_gardien 4 "missing subject category refused" -- put "$S" --activity subscription --category user.contact.email "x"
expect_out "subject category is missing"

EMAIL=$(put "$S" --activity subscription --category user.contact.email --subject-category customer "jeanne@example.fr")
IP=$(put "$S" --activity connection --category user.device.ip_address --subject-category customer "192.0.2.7")
put "$P" --activity prospection --category user.contact.email --subject-category prospect "prospect@example.fr" >/dev/null

# Reads: bank data is readable for billing and debt collection, not for profiling
# or statistics; the email is readable for the newsletter; IP logs for security.
expect_gardien 0 "bank data read for billing" -- get "$BANK" --purpose billing
expect_gardien 0 "bank data read for debt collection" -- get "$BANK" --purpose debt_collection
expect_gardien 4 "bank data read for profiling refused" -- get "$BANK" --purpose profiling
expect_out 'activity "profiling" does not cover category user.financial.bank_account'
expect_gardien 4 "bank data read for statistics refused" -- get "$BANK" --purpose statistics
expect_gardien 0 "email read for prospection" -- get "$EMAIL" --purpose prospection
expect_gardien 0 "IP read for security logs" -- get "$IP" --purpose security_logs
expect_gardien 4 "IP read for prospection refused" -- get "$IP" --purpose prospection
expect_gardien 4 "read for a purpose outside the register refused" -- get "$EMAIL" --purpose advertising
expect_out "not an activity of the register"

# Restriction is not offered, with the notice's reason; the DPO is in the export.
expect_gardien 0 "markdown export" -- register show
expect_out "| restriction | not offered: le traitement opéré par l'entreprise est licite"
expect_out "dpo-wimi@racine.eu"
expect_gardien 0 "csv export" -- register export --format csv
expect_out "\"Statistiques d'optimisation des services\",\"statistics\""
# The CNIL template's French labels; events as the register describes them.
expect_out 'archivage 0 jour après the payment transaction is carried out (""dès la transaction réalisée"") ; suppression 13 mois après the debit date'
finish
