# test_promises_winbooks.sh — WinBooks' promises as processor (§3) that the
# register now enforces: support reads hosted data only at the user's
# express request, anomaly correction reads without changing anything, and
# an erasure request over hosted data goes to the customer.
. "$(dirname "$0")/lib.sh"
setup winbooks winbooks

U=$("$GARDIEN" subject create --email utilisateur@client.be) || fail "cloud user"
HOST=$(put "$U" --activity cloud_hosting --client CLIENT-3 --category user.content.private.hosted --subject-category customer.cloud_user "grand livre 2026")

# §3 "D'autre part et uniquement à la demande expresse de l'utilisateur ...
# le support peut avoir accès aux données hébergées par celui-ci": without a
# live request, refused and audited; with it, read; once the request is
# closed (withdrawn), refused again.
expect_gardien 4 "support read without the user's request refused" -- get "$HOST" --purpose cloud_support_access
expect_out "reads only at the subject's express request"
expect_gardien 0 "the user's express request" -- consent give "$U" cloud_support_access --channel support-ticket --text "ticket 4711: merci de regarder mon grand livre"
expect_gardien 0 "support reads at the user's request" -- get "$HOST" --purpose cloud_support_access
expect_gardien 0 "request closed" -- consent withdraw "$U" cloud_support_access
expect_gardien 4 "support read after the request is closed refused" -- get "$HOST" --purpose cloud_support_access
expect_gardien 0 "refused reads are in the audit trail" -- --json audit list --purpose cloud_support_access --outcome denied
[ "$(jq -s length <<<"$OUT")" = 2 ] || fail "two refused support reads audited: $OUT"

# §3 "afin de corriger ces anomalies, sans pour autant modifier les données
# hébergées ou les utiliser à d'autres fins": it reads, and stores nothing.
expect_gardien 0 "anomaly correction reads hosted data" -- get "$HOST" --purpose anomaly_correction
expect_gardien 4 "anomaly correction stores nothing" -- put "$U" --activity anomaly_correction --client CLIENT-3 --category user.content.private.hosted --subject-category customer.cloud_user "patched"
expect_out "read-only"
# §3 "WINBOOKS s'interdit ... toute utilisation de celles-ci à des fins
# personnelles (telles des activités de datamining, de profilage ou de
# marketing direct)".
expect_gardien 4 "hosted data never read for profiling" -- get "$HOST" --purpose profiling
finish
