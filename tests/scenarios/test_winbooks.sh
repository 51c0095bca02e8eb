# test_winbooks.sh — the WinBooks privacy policy played end to end: as
# processor, hosted data is read only for the cloud service, support at the
# user's request, anomaly correction and authority requests — never for its own
# marketing, profiling or statistics (§3 "WINBOOKS s'interdit ... toute
# utilisation de celles-ci à des fins personnelles").
. "$(dirname "$0")/lib.sh"
setup winbooks winbooks

H=$("$GARDIEN" subject create --id hosted_ref=H-1) || fail "subject create"
K=$("$GARDIEN" subject create --email contact@client.example) || fail "contact create"

DOC=$(put "$H" --activity cloud_hosting --client CLIENT-1 --category user.content.private.hosted --subject-category customer.cloud_user "payslip of a customer's employee")
# Support reads hosted data only "à la demande expresse de l'utilisateur" (on_request).
expect_gardien 0 "the user's request to support" -- consent give "$H" cloud_support_access --channel support-ticket --text "ticket 1"
for p in cloud_hosting cloud_support_access anomaly_correction; do
	expect_gardien 0 "hosted data read for $p" -- get "$DOC" --purpose "$p"
done
# Authorities' requests are read with the legal reference, the client told
# (tests/scenarios/test_promises_notices.sh plays the notice).
expect_gardien 0 "hosted data disclosed for authority_requests" -- disclose "$DOC" --purpose authority_requests --authority "juge d'instruction" --legal-reference "ordonnance 2026/1"
for p in profiling information statistics customer_relations; do
	expect_gardien 4 "hosted data read for $p refused" -- get "$DOC" --purpose "$p"
	expect_out "does not cover category user.content.private.hosted"
done
expect_gardien 4 "hosted data stored for profiling refused" -- put "$H" --activity profiling --category user.content.private.hosted --subject-category customer "x"

# As controller: the contact person's email serves the relationship, support
# (§3 "le support prend connaissance des informations fournies ... lors de la
# création de son compte WINBOOKS"), information and statistics (§2 "les données
# de nos clients"); profiling reads what the statistics learnt (§2 "Ces
# informations peuvent également être utilisées à des fins de marketing direct
# (cf. profilage)"), not the relationship's records directly.
E=$(put "$K" --activity customer_relations --category user.contact.email --subject-category customer.contact_person "contact@client.example")
expect_gardien 0 "contact email read for support" -- get "$E" --purpose support
expect_gardien 0 "contact email read for information" -- get "$E" --purpose information
expect_gardien 4 "relationship email read for profiling refused (no reads_from)" -- get "$E" --purpose profiling
expect_out "reads_from"
# §2 Statistiques: "des données sur leurs centres d'intérêt/besoins" ... "Ces
# informations peuvent également être utilisées à des fins de marketing direct
# (cf. profilage)": the interests found by the statistics are read for profiling.
INT=$(put "$K" --activity statistics --category user.behavior.interests --subject-category customer.contact_person "comptabilité multi-sociétés")
expect_gardien 0 "interests of the statistics read for profiling" -- get "$INT" --purpose profiling
expect_gardien 4 "interests of the statistics refused to customer relations" -- get "$INT" --purpose customer_relations
expect_gardien 4 "contact's bank data for profiling refused" -- put "$K" --activity profiling --category user.financial --subject-category customer "BE71"

# Exports are deterministic and the HTML has one section per activity.
expect_gardien 0 "html export" -- register export --format html
A=$OUT
expect_gardien 0 "html export again" -- register export --format html
[ "$A" = "$OUT" ] || fail "html export differs between runs"
expect_out '<h2 id="activity-cloud_hosting">'
expect_out "François Tamigniau"

# The notice names no legal basis for information, statistics and profiling:
# the register says so instead of inventing legitimate interests.
expect_gardien 0 "markdown export" -- register export --format md
expect_out "not stated in the notice: the notice names no basis for « Profilage »"
expect_out "not stated in the notice: the notice names no basis for « Information et communication »"
case "$OUT" in *"legitimate"*) fail "a legitimate-interest basis is back in the WinBooks register" ;; *) ok ;; esac
# §5 "une base contractuelle, une base règlementaire ou de gouvernance
# volontaire", no third country named: no transfer mechanism is declared.
expect_gardien 0 "csv export" -- register export --format csv
case "$OUT" in *"Clauses contractuelles"*|*"Binding"*|*"d'adéquation"*) fail "an invented transfer mechanism in the CNIL export" ;; *) ok ;; esac
# §6: the DPO's postal address, no e-mail in the notice.
case "$OUT" in *"dpo@winbooks.be"*) fail "an e-mail the notice does not give" ;; *) ok ;; esac
finish
