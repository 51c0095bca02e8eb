# test_register_objects.sh — retention per object (issue 18 item 1): a
# customer holds two contracts; "kept until the contract ends" counts from
# the end of the record's own contract, so ending one contract does not
# delete the data of the other. Through the CLI, then over HTTP.
. "$(dirname "$0")/lib.sh"

R="$WORK/telco.yml"
cat >"$R" <<'YAML'
gardien_register: 2
controller: {name: Telco SA, address: "2 avenue de France, Paris", country: FR}
dpo: {name: DPO, email: dpo@telco.example}
rights:
  - {kind: access}
events:
  contract_end: a contract of the customer ends
activities:
  - id: lines
    name: Phone lines
    role: controller
    purposes: [essential.service]
    legal_basis: contract
    categories: [user.contact.phone_number, user.contact.address]
    subjects: [customer]
    retention:
      - text: kept until the contract ends, then 1 year
        stages: [{action: delete, from: contract_end, after: 1 year}]
YAML
expect_gardien 0 "init" -- --tenant telco init --register "$R"
S=$("$GARDIEN" subject create --email nadia@example.fr) || fail "subject create"
A=$(put "$S" --activity lines --category user.contact.phone_number --subject-category customer --object C-2041 "+33600000001")
B=$(put "$S" --activity lines --category user.contact.phone_number --subject-category customer --object C-2042 "+33600000002")
ADDR=$(put "$S" --activity lines --category user.contact.address --subject-category customer "1 rue Haute, Lyon")
expect_gardien 2 "an object key that is not a name" -- put "$S" --activity lines --category user.contact.phone_number --subject-category customer --object "C 2041; drop" "x"

# Contract C-2041 ends; C-2042 runs on.
GARDIEN_NOW=2026-03-01 expect_gardien 0 "contract C-2041 ends" -- event "$S" contract_end --object C-2041
expect_out "contract_end"
GARDIEN_NOW=2027-03-01 expect_gardien 0 "plan" -- --json retention plan --until 2027-06-01
[ "$(echo "$OUT" | jq .transitions)" = 1 ] || fail "one record (C-2041's) falls due, not the other contract's nor the address: $OUT"
[ "$(echo "$OUT" | jq .waiting_for_event)" = 2 ] || fail "C-2042's line and the address wait for their contract's end: $OUT"
GARDIEN_NOW=2027-03-02 expect_gardien 0 "sweep after a year" -- retention sweep
GARDIEN_NOW=2027-03-02 expect_gardien 3 "C-2041's line deleted" -- get "$A" --purpose lines
GARDIEN_NOW=2027-03-02 expect_gardien 0 "C-2042's line kept: its contract runs" -- get "$B" --purpose lines
GARDIEN_NOW=2027-03-02 expect_gardien 0 "the address, of the customer as a whole, kept" -- get "$ADDR" --purpose lines
# The object key stays out of the audit trail.
"$GARDIEN" audit list --json | grep -q "C-2041" && fail "an object key is in the audit trail"

# The relationship ends: a subject-wide event counts for every record whose
# object has no event of its own.
GARDIEN_NOW=2027-04-01 expect_gardien 0 "the customer leaves" -- event "$S" contract_end
GARDIEN_NOW=2028-04-02 expect_gardien 0 "sweep" -- retention sweep
GARDIEN_NOW=2028-04-02 expect_gardien 3 "C-2042's line deleted" -- get "$B" --purpose lines
GARDIEN_NOW=2028-04-02 expect_gardien 3 "address deleted" -- get "$ADDR" --purpose lines
[ "$(vault_sql 'SELECT count(*) FROM record_objects')" = 0 ] || fail "object keys left behind by the sweep"

# An erasure takes the object keys and object events with it.
S2=$("$GARDIEN" subject create --email paul@example.fr) || fail "subject 2"
put "$S2" --activity lines --category user.contact.phone_number --subject-category customer --object C-3001 "+33600000003" >/dev/null
GARDIEN_NOW=2026-06-01 expect_gardien 0 "event for C-3001" -- event "$S2" contract_end --object C-3001
COUNT="SELECT (SELECT count(*) FROM record_objects) || ' ' || (SELECT count(*) FROM object_events)"
[ "$(vault_sql "$COUNT")" = "1 2" ] || fail "C-3001's key and the two object events are stored"
GARDIEN_NOW=2026-06-01 expect_gardien 0 "erase" -- erase "$S2"
[ "$(vault_sql "$COUNT")" = "0 1" ] || fail "erasure left its object key or object event"

# ---- the same over HTTP ----
"$GARDIEN" role set ops --ops read,write,erase,export,requests,register,audit --activities '*' >/dev/null || fail "role"
"$GARDIEN" user service svc --role ops >/dev/null || fail "service"
TOK=$("$GARDIEN" token create svc | head -1)
mkfifo "$WORK/out"
"$GARDIEN" serve --listen 127.0.0.1:0 --now 2026-02-02T10:00:00Z >"$WORK/out" 2>"$WORK/err" &
PID=$!
read -r line <"$WORK/out" || fail "server did not start: $(cat "$WORK/err")"
PORT=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' <<<"$line")
api() { # METHOD PATH [BODY] -> $STATUS, $BODY
	local args=(-s -o "$WORK/body" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $TOK" --max-time 20)
	[ -n "${3:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
	STATUS=$(curl "${args[@]}" "http://127.0.0.1:$PORT/v1/tenants/telco$2")
	BODY=$(cat "$WORK/body")
}
S3=$("$GARDIEN" subject create --email lina@example.fr) || fail "subject 3"
api POST "/subjects/$S3/records" '{"activity":"lines","category":"user.contact.phone_number","subject_category":"customer","object":"C-4001","value":"+33600000004"}'
[ "$STATUS" = 201 ] || fail "API put with object: $STATUS $BODY"
api POST "/subjects/$S3/records" '{"activity":"lines","category":"user.contact.phone_number","subject_category":"customer","object":"C-4002","value":"+33600000005"}'
[ "$STATUS" = 201 ] || fail "API put with object 2: $STATUS $BODY"
api POST "/subjects/$S3/events" '{"name":"contract_end","object":"C-4001","at":"2026-02-01"}'
[ "$STATUS" = 201 ] || fail "API event with object: $STATUS $BODY"
api POST "/subjects/$S3/events" '{"name":"contract_end","object":"bad key!"}'
[ "$STATUS" = 422 ] || [ "$STATUS" = 400 ] || fail "API event with a bad object key: $STATUS $BODY"
api GET "/retention/plan?until=2027-03-01"
[ "$STATUS" = 200 ] && [ "$(jq .transitions <<<"$BODY")" = 1 ] && [ "$(jq .waiting <<<"$BODY")" = 1 ] ||
	fail "API: one contract's record falls due, the other waits: $STATUS $BODY"
kill -TERM "$PID"; wait "$PID" || fail "server exit"
finish
