# test_register_clients.sh — a processor's customers (issue 18 item 9): in a
# processor activity every record belongs to a customer (the controller), and
# "delete everything of customer X" at the end of its contract is one command
# and one API call, audited, with its report.
. "$(dirname "$0")/lib.sh"
R="$WORK/saas.yml"
cat >"$R" <<'YAML'
gardien_register: 2
controller: {name: CloudSoft SA, address: "3 quai Ouest, Lyon", country: FR}
dpo: {name: DPO}
rights: [{kind: access}]
activities:
  - id: hosting
    name: Hosting of our customers' files
    role: processor
    on_behalf_of: each customer, as controller
    purposes: [essential.service]
    legal_basis: contract
    categories: [user.contact.email, user.name]
    subjects: [customer]
    retention:
      - stages: [{action: delete, from: collection, after: 5 years}]
  - id: accounts
    name: Our own customer accounts
    role: controller
    purposes: [essential.service]
    legal_basis: contract
    categories: [user.contact.email]
    subjects: [customer]
    retention:
      - stages: [{action: delete, from: collection, after: 5 years}]
YAML
expect_gardien 0 "init" -- --tenant cloud init --register "$R"
A=$("$GARDIEN" subject create --email ann@acme.example) || fail "subject A"
B=$("$GARDIEN" subject create --email bob@acme.example) || fail "subject B"
Z=$("$GARDIEN" subject create --email zoe@zeta.example) || fail "subject Z"
expect_gardien 4 "a processor record without its customer" -- put "$A" --activity hosting --category user.name --subject-category customer "Ann"
expect_out 'say for which one the record is (--client'
A1=$(put "$A" --activity hosting --category user.name --subject-category customer --client ACME-42 "Ann")
A2=$(put "$A" --activity hosting --category user.contact.email --subject-category customer --client ACME-42 "ann@acme.example")
B1=$(put "$B" --activity hosting --category user.name --subject-category customer --client ACME-42 "Bob")
Z1=$(put "$Z" --activity hosting --category user.name --subject-category customer --client ZETA-7 "Zoe")
# Bob is also one of our own customers: that record is not ACME's.
B2=$(put "$B" --activity accounts --category user.contact.email --subject-category customer "bob@acme.example")
# A legal hold keeps one of ACME's records.
"$GARDIEN" hold place "$A" --record "$A2" --reason "litigation 2026-3" >/dev/null || fail "hold"

expect_gardien 0 "ACME's contract ends" -- --json client erase ACME-42
echo "$OUT" | jq -e '.deleted == 2 and .held == 1 and .subjects_erased == 0' >/dev/null || fail "report: $OUT"
expect_gardien 3 "Ann's name deleted" -- get "$A1" --purpose hosting
expect_gardien 0 "Ann's email kept under the hold" -- get "$A2" --purpose hosting
expect_gardien 3 "Bob's ACME record deleted" -- get "$B1" --purpose hosting
expect_gardien 0 "Bob's own account with us kept" -- get "$B2" --purpose accounts
expect_gardien 0 "ZETA's data untouched" -- get "$Z1" --purpose hosting
[ "$("$GARDIEN" audit list --json | jq -r 'select(.action == "client.erase") | .category')" = ACME-42 ] || fail "client.erase audited"
expect_gardien 3 "a customer with nothing left" -- client erase ACME-0
expect_gardien 2 "a client key that is not a name" -- put "$Z" --activity hosting --category user.name --subject-category customer --client "ZETA 7" "x"

# Over HTTP: ZETA's contract ends; Zoe had nothing else, so she is erased whole.
"$GARDIEN" role set ops --ops read,write,erase --activities '*' >/dev/null || fail "role"
"$GARDIEN" user service svc --role ops >/dev/null || fail "service"
TOK=$("$GARDIEN" token create svc | head -1)
mkfifo "$WORK/out"
"$GARDIEN" serve --listen 127.0.0.1:0 >"$WORK/out" 2>"$WORK/err" &
PID=$!
read -r line <"$WORK/out" || fail "server did not start: $(cat "$WORK/err")"
PORT=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' <<<"$line")
STATUS=$(curl -s -o "$WORK/body" -w '%{http_code}' -X DELETE -H "Authorization: Bearer $TOK" "http://127.0.0.1:$PORT/v1/tenants/cloud/clients/ZETA-7")
[ "$STATUS" = 200 ] && jq -e '.deleted == 1 and .subjects_erased == 1' "$WORK/body" >/dev/null || fail "API client erase: $STATUS $(cat "$WORK/body")"
kill -TERM "$PID"; wait "$PID" || fail "server exit"
expect_gardien 3 "Zoe erased whole" -- get "$Z1" --purpose hosting
[ "$("$GARDIEN" --json subject find --email zoe@zeta.example 2>/dev/null | jq -r '.subject // empty')" = "" ] || fail "Zoe's identifier is gone"
# Migrating a format 1 register says what format 2 asks of processor writes.
sed 's/^gardien_register: 2/gardien_register: 1/' "$R" >"$WORK/v1.yml"
expect_gardien 0 "migrate" -- register migrate "$WORK/v1.yml" --output "$WORK/v2.yml"
expect_out 'activity "hosting" processes on behalf of customers: format 2 refuses its writes that do not say for which customer'
finish
