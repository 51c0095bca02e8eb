# test_retention_wimi.sh — Wimi §9 "Durée de conservation" played with the clock
# moved forward: each kind of rule applied to the day (month ends, leap day), the
# bank-data proof archive readable only for the legal-claims activity, a hold
# blocking a due deletion, the plan, and a second sweep doing nothing.
. "$(dirname "$0")/lib.sh"
setup wimi wimi

sweep() { # TIME: sweep at TIME, prints the JSON summary into $OUT
	expect_gardien 0 "sweep at $1" -- --now "$1" --json retention sweep
}
gone() { # RECORD PURPOSE WHEN
	expect_gardien 3 "record $1 deleted $3" -- get "$1" --purpose "$2"
}
kept() {
	expect_gardien 0 "record $1 kept $3" -- get "$1" --purpose "$2"
}

C=$("$GARDIEN" subject create --email client@example.fr) || fail "customer"
P=$("$GARDIEN" subject create --email prospect@example.fr) || fail "prospect"
EMAIL=$(put "$C" --activity subscription --category user.contact.email --subject-category customer "client@example.fr")
IP=$(put "$C" --activity connection --category user.device.ip_address --subject-category customer "192.0.2.7")
BANK=$(put "$C" --activity billing --category user.financial.bank_account --subject-category customer "FR76 3000 6000 0112 3456 7890 189")
STAT=$(put "$C" --activity statistics --category user.device.connection_log --subject-category customer "login 2026-01-01")
COOKIE=$(put "$C" --activity cookies --category user.device.cookie_id --subject-category customer "ck-81f2")
# Cookies rest on consent: reads need it on file (consent ledger).
expect_gardien 0 "cookie consent" -- consent give "$C" cookies --channel cookie-banner
PROS=$(put "$P" --activity prospection --category user.contact.email --subject-category prospect "prospect@example.fr")

# Nothing has happened yet: every clock waits for its event (cookies count from cookie_set too).
sweep 2026-01-01T00:00:00Z
expect_out '"archived":0,"anonymised":0,"deleted":0'
expect_gardien 0 "plan" -- --json retention plan --until 2030-12-31
expect_out '"waiting_for_event":6'

# Bank data: archived once the transaction is done, kept 13 months from the debit.
expect_gardien 0 "transaction" -- --now 2026-01-31T15:00:00Z event "$C" transaction --at 2026-01-31T14:00:00Z
expect_gardien 0 "debit" -- --now 2026-01-31T15:00:00Z event "$C" debit --at 2026-01-31T14:00:00Z
sweep 2026-01-31T15:00:00Z
expect_out '"archived":1'
expect_gardien 4 "archived bank data refused for billing" -- get "$BANK" --purpose billing
expect_out "archived: it is kept only as legal proof"
kept "$BANK" debt_collection "for the legal-claims activity"
sweep 2027-02-28T23:59:59Z
kept "$BANK" debt_collection "on 28 February 2027"
sweep 2027-03-01T00:00:00Z
expect_out '"deleted":1'
gone "$BANK" debt_collection "on 1 March 2027 (13 months after 31 January)"

# Cookies: 13 months from when the cookie is set (31 March → 30 April next year).
expect_gardien 0 "cookie set" -- --now 2026-03-31T08:00:00Z event "$C" cookie_set --at 2026-03-31T08:00:00Z
sweep 2027-04-30T23:59:59Z
kept "$COOKIE" cookies "on 30 April 2027"
sweep 2027-05-01T00:00:00Z
gone "$COOKIE" cookies "on 1 May 2027"

# Technical data: one year from the last login, counted from a leap day; the
# statistics on connections are anonymised on the same clock.
expect_gardien 0 "login" -- --now 2028-02-29T10:00:00Z event "$C" last_login --at 2028-02-29T09:00:00Z
sweep 2029-02-28T23:59:59Z
kept "$IP" connection "on 28 February 2029"
sweep 2029-03-01T00:00:00Z
expect_out '"anonymised":1,"deleted":1'
gone "$IP" connection "on 1 March 2029"
expect_gardien 3 "anonymised statistic no longer readable" -- get "$STAT" --purpose statistics

# Prospects: 3 years from their last contact; a hold blocks the due deletion.
expect_gardien 0 "contact" -- --now 2026-03-31T18:00:00Z event "$P" last_prospect_contact --at 2026-03-31T17:00:00Z
H=$("$GARDIEN" --now 2029-01-01 --json hold place "$P" --reason "litigation 2029-7" | jq -r .hold)
sweep 2029-04-01T00:00:00Z
kept "$PROS" prospection "under a hold"
expect_gardien 0 "plan shows the hold" -- --now 2029-04-01 --json retention plan
expect_out '"held":1'
expect_gardien 7 "erasure refused under the hold" -- erase "$P"
expect_out "litigation 2029-7"
expect_gardien 0 "lift" -- --now 2029-05-02 hold lift "$H" --reason "closed"
sweep 2029-05-02T00:00:00Z
gone "$PROS" prospection "once the hold is lifted"

# Customers' data: for the whole use of the service.
kept "$EMAIL" subscription "while the service is used"
expect_gardien 0 "service end" -- --now 2030-06-30T12:00:00Z event "$C" service_end --at 2030-06-30T12:00:00Z
sweep 2030-06-30T12:00:00Z
gone "$EMAIL" subscription "at the end of the service"

# A second sweep does nothing; every transition was audited.
sweep 2030-06-30T12:00:00Z
expect_out '"archived":0,"anonymised":0,"deleted":0'
finish
