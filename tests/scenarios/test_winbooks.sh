# test_winbooks.sh — the WinBooks privacy policy played end to end: as
# processor, hosted data is read only for the cloud service, support at the
# user's request, anomaly correction and authority requests — never for its own
# marketing, profiling or statistics (§3 "WINBOOKS s'interdit ... toute
# utilisation de celles-ci à des fins personnelles").
. "$(dirname "$0")/lib.sh"
setup winbooks winbooks

H=$("$GARDIEN" subject create --id hosted_ref=H-1) || fail "subject create"
K=$("$GARDIEN" subject create --email contact@client.example) || fail "contact create"

DOC=$(put "$H" --activity cloud_hosting --category user.content.private.hosted --subject-category customer.cloud_user "payslip of a customer's employee")
for p in cloud_hosting cloud_support_access anomaly_correction authority_requests; do
	expect_gardien 0 "hosted data read for $p" -- get "$DOC" --purpose "$p"
done
for p in profiling information statistics customer_relations; do
	expect_gardien 4 "hosted data read for $p refused" -- get "$DOC" --purpose "$p"
	expect_out "does not cover category user.content.private.hosted"
done
expect_gardien 4 "hosted data stored for profiling refused" -- put "$H" --activity profiling --category user.content.private.hosted --subject-category customer "x"

# As controller: the contact person's email serves the relationship and profiling.
E=$(put "$K" --activity customer_relations --category user.contact.email --subject-category customer.contact_person "contact@client.example")
expect_gardien 0 "contact email read for profiling" -- get "$E" --purpose profiling
expect_gardien 0 "contact email read for support" -- get "$E" --purpose support
expect_gardien 4 "contact's bank data for profiling refused" -- put "$K" --activity profiling --category user.financial --subject-category customer "BE71"

# Exports are deterministic and the HTML has one section per activity.
expect_gardien 0 "html export" -- register export --format html
A=$OUT
expect_gardien 0 "html export again" -- register export --format html
[ "$A" = "$OUT" ] || fail "html export differs between runs"
expect_out '<h2 id="activity-cloud_hosting">'
expect_out "François Tamigniau"
finish
