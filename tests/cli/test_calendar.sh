#!/bin/bash
# test_calendar.sh — request deadlines in the controller's calendar from the
# command line: the member state from the calling code or set, its holidays,
# its time zone, the internal target beside the legal due date, and a tenant
# created without a country told what that means.
. "$(dirname "$0")/lib.sh"
export GARDIEN_NOW=2027-02-02T09:00:00Z GARDIEN_PRINCIPAL=cli:dpo

G init --tenant acme --country 32 >/dev/null
expect_code 0 G tenant calendar
expect_match "$out" "member state  BE \(from the calling code\)" "calendar from the calling code"
expect_match "$out" "time zone     Europe/Brussels \(the state's\)" "the state's zone"
expect_match "$out" "target        none" "no target"

S=$(G subject create --email jan@example.be)
# Received 31 January 2027: one month ends on Sunday 28 February: due Monday 1 March, Brussels time.
expect_code 0 G request open access "$S" --received 2027-01-31T10:00:00Z
expect_match "$out" "due 2027-03-01T22:59:59Z" "the issue's example"
expect_code 0 G tenant calendar --target-days 25
expect_match "$out" "target        25 days after receipt" "target set"
expect_code 0 G request list
expect_match "$out" "received 2027-01-31  due 2027-03-01  target 2027-02-25" "legal due and internal target"
expect_code 0 G --json request list
expect_eq "$(jq -r '.[0].due_at + " " + .[0].target_at' <<<"$out")" "2027-03-01T22:59:59Z 2027-02-25T22:59:59Z" "json dates"
expect_code 0 G --json tenant calendar
expect_eq "$out" '{"tenant":"acme","state":"BE","zone":"Europe/Brussels","target_days":25}' "json calendar"

# Easter Monday 2027 (29 March) follows Sunday 28 March, the day summer time starts: Tuesday, CEST.
expect_code 0 G request open access "$S" --received 2027-01-28T10:00:00Z
expect_code 0 G request extend 2 --reason "many records to gather"
expect_match "$out" "due 2027-04-28T21:59:59Z" "extended, three months"
expect_code 0 G --now 2027-03-01 request open erasure "$S" --received 2027-02-28T12:00:00Z
expect_match "$out" "due 2027-03-30T21:59:59Z" "Easter Monday across summer time"

# Another state and zone; bad ones refused with the way out.
expect_code 0 G tenant calendar --state FR --zone Europe/Paris
expect_code 3 G tenant calendar --state XX
expect_match "$err" "use one of BE, FR, LU, NL, DE" "unknown state"
expect_code 2 G tenant calendar --zone ../etc/passwd
expect_code 3 G tenant calendar --zone Europe/Atlantis
expect_match "$err" "not in the system's tz database" "unknown zone"
expect_code 2 G tenant calendar --target-days 400
expect_code 0 G tenant holidays FR 2027
expect_match "$out" "2027-07-14  Fête nationale" "French holidays"
expect_code 0 G tenant holidays
expect_match "$out" "NL  Netherlands" "known states"
expect_code 3 G tenant holidays XX 2027

# A tenant created without a country: told what national numbers need.
expect_code 0 G tenant create beta </dev/null
expect_match "$err" "no country calling code: phone numbers must be given in international form" "country note"
expect_code 2 G --tenant beta subject create --phone "06 12 34 56 78"
expect_code 0 G --tenant beta subject create --phone "+33 6 12 34 56 78"
expect_code 0 G --tenant beta tenant calendar
expect_match "$out" "member state  none \(weekends only\)" "no state"
expect_match "$out" "time zone     UTC" "UTC"
# On a terminal, tenant create asks for the calling code (script(1) gives it one).
if command -v script >/dev/null; then
  printf '32\n' | script -qec "$GARDIEN tenant create gamma" /dev/null >"$T/tty.out" 2>&1
  expect_match "$(cat "$T/tty.out")" "country calling code of gamma" "asked on a terminal"
  expect_code 0 G --tenant gamma tenant calendar
  expect_match "$out" "member state  BE \(from the calling code\)" "the answer is kept"
fi
finish
