#!/bin/bash
# test_rights.sh — gardien request / consent / outbox from the command line:
# deadlines and LATE on the vault clock, identity before any answer, exports in
# the three formats, consent given then withdrawn then read refused, erasure.
. "$(dirname "$0")/lib.sh"
set -e
sqlite_vault "$W/v.db"
export GARDIEN_PRINCIPAL=cli:dpo
export GARDIEN_NOW=2024-01-31T09:00:00Z

"$GARDIEN" init --tenant acme --country 33 >/dev/null
S=$("$GARDIEN" subject create --email jeanne@example.fr)
R=$("$GARDIEN" put "$S" --activity customers --category user.name "Jeanne <Martin>")

# Deadline on a leap-year month end (in France: calling code 33, Paris time), LATE the day after.
"$GARDIEN" request open access "$S" | grep -q "due 2024-02-29T22:59:59Z" || fail "due date"
"$GARDIEN" request list | grep -q "due 2024-02-29" || fail "list shows due"
"$GARDIEN" request list | grep -q LATE && fail "not late yet"
"$GARDIEN" request list | grep -q target && fail "no target set yet"
GARDIEN_NOW=2024-02-29T23:00:00Z "$GARDIEN" request list | grep -q LATE || fail "late after due"
[ -z "$("$GARDIEN" request list --late)" ] || fail "--late lists nothing on time"
GARDIEN_NOW=2024-03-01 "$GARDIEN" request list --late | grep -q "^1 " || fail "--late lists the late one"
[ "$(GARDIEN_NOW=2024-03-01 "$GARDIEN" --json request list | jq '.[0].late')" = true ] || fail "json late"

# Nothing before identity verification (exit 7).
expect_code 7 "$GARDIEN" request export 1
grep -q "identity is not verified" <<<"$err" || fail "message names identity"
"$GARDIEN" request verify 1 --method id-card --evidence scan-0042 >/dev/null
"$GARDIEN" request export 1 --format json --output copy.json 2>err.txt
[ "$(stat -c %a copy.json)" = 600 ] || fail "copy file mode"
[ "$(jq -r '.records[0].value' copy.json)" = "Jeanne <Martin>" ] || fail "json copy value"
[ "$(jq -r '.identifiers[0].value' copy.json)" = "jeanne@example.fr" ] || fail "json identifier"
expect_code 6 "$GARDIEN" request export 1 --output copy.json   # never overwrites: exists (6)
expect_match "$err" "copy.json already exists" "message names the existing file"
"$GARDIEN" request export 1 --format html >copy.html 2>/dev/null
grep -q "Jeanne &lt;Martin&gt;" copy.html || fail "html escapes"
"$GARDIEN" request export 1 --format csv 2>/dev/null | grep -q '^"record","'"$R"'","customers"' || fail "csv row"
[ "$("$GARDIEN" --json request show 1 | jq .copies)" = 3 ] || fail "copies counted"
"$GARDIEN" request complete 1 --note "sent by post" | grep -q completed || fail "complete"
[ "$("$GARDIEN" --json request show 1 | jq -r '.steps | map(.state) | join(",")')" = \
	"received,verified,in_progress,completed" ] || fail "steps"
[ "$("$GARDIEN" --json request show 1 | jq -r '.steps[1].by')" = cli:dpo ] || fail "who verified"

# Extension: once, with a reason, within the first month.
"$GARDIEN" request open rectification "$S" >/dev/null
"$GARDIEN" request extend 2 --reason "complex request" | grep -q "due 2024-04-30T21:59:59Z" || fail "extended due"
expect_code 7 "$GARDIEN" request extend 2 --reason again
expect_code 2 "$GARDIEN" request extend 2
"$GARDIEN" request refuse 2 --reason "manifestly unfounded" >/dev/null
[ "$("$GARDIEN" --json request show 2 | jq -r .state)" = refused ] || fail "refused"
expect_code 2 "$GARDIEN" request open teleport "$S"

# Consent: given, read allowed only for its activity; withdrawn; history; opt-in list.
"$GARDIEN" consent give "$S" newsletter --channel web-form --text "Send me the newsletter" --version v1 \
	| grep -q "live" || fail "consent live"
"$GARDIEN" consent members newsletter | grep -qx "$S" || fail "member"
"$GARDIEN" consent withdraw "$S" newsletter --channel unsubscribe-link | grep -q withdrawn || fail "withdrawn"
[ -z "$("$GARDIEN" consent members newsletter)" ] || fail "not a member after withdrawal"
[ "$("$GARDIEN" --json consent history "$S" | jq -r 'map(.event) | join(",")')" = given,withdrawn ] || fail "history"
expect_code 7 "$GARDIEN" consent withdraw "$S" newsletter
expect_code 2 "$GARDIEN" consent give "$S" newsletter --channel web-form   # no wording, no register

# Objection to an activity: reads for it refused (exit 4), others allowed.
P=$("$GARDIEN" put "$S" --activity prospection --category user.contact.email "jeanne@example.fr")
"$GARDIEN" get "$P" --purpose prospection >/dev/null
"$GARDIEN" request open objection "$S" --activity prospection >/dev/null
"$GARDIEN" request verify 3 --method email-link --evidence msg-7 >/dev/null
"$GARDIEN" request complete 3 >/dev/null
expect_code 4 "$GARDIEN" get "$P" --purpose prospection
grep -q "objected" <<<"$err" || fail "objection reason"
"$GARDIEN" get "$R" --purpose customers >/dev/null

# Restriction, then lifted.
"$GARDIEN" request open restriction "$S" >/dev/null
"$GARDIEN" request verify 4 --method id-card --evidence scan-0044 >/dev/null
"$GARDIEN" request complete 4 >/dev/null
expect_code 4 "$GARDIEN" get "$R" --purpose customers
"$GARDIEN" request unrestrict "$S" | grep -q lifted || fail "unrestrict"
"$GARDIEN" get "$R" --purpose customers >/dev/null
expect_code 7 "$GARDIEN" request unrestrict "$S"

# Erasure: nothing to keep without a register: the subject is shredded, the request stays.
"$GARDIEN" request open erasure "$S" >/dev/null
"$GARDIEN" request verify 5 --method id-card --evidence scan-0043 >/dev/null
"$GARDIEN" request erase 5 | grep -q "2 record(s) erased, 0 kept" || fail "erase"
expect_code 3 "$GARDIEN" subject find email jeanne@example.fr
[ "$("$GARDIEN" --json request show 5 | jq -r .state)" = completed ] || fail "erasure request kept"
"$GARDIEN" outbox list >/dev/null
expect_code 3 "$GARDIEN" outbox ack 1
echo ok
