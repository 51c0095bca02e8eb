#!/usr/bin/env bash
# Audited reads on the reader threads, beside a writer: every read that was
# answered has exactly one audit entry, the chain verifies, and a kill -9 in
# the middle of the load loses the entry of no read that was answered (an
# answer leaves only once its entry is durable). Each read is of a record of
# its own, so its entry is found by record id.
. "$(dirname "$0")/lib.sh"
setup_vault
start_server --threads 8
req POST /v1/tenants/acme/subjects "$TA" '{}'; expect_status 201
S=$(jq -r .subject <<<"$BODY")
req POST /v1/tenants/acme/subjects "$TA" '{}'; expect_status 201
S2=$(jq -r .subject <<<"$BODY")
N1=150 N2=350
seq $((N1 + N2)) | xargs -P 16 -I{} curl -s --max-time 60 -H "Authorization: Bearer $TA" \
	-d '{"activity":"billing","category":"user.name","value":"v{}"}' "$B/v1/tenants/acme/subjects/$S/records" |
	jq -r .id | sort -n >"$W/ids"
[ "$(wc -l <"$W/ids")" = $((N1 + N2)) ] || fail "could not store the $((N1 + N2)) records to read"
head -n $N1 "$W/ids" >"$W/ids1"
tail -n $N2 "$W/ids" >"$W/ids2"

# read_all IDS OUT: reads each record once, 16 at a time; OUT gets "CODE ID" per read.
read_all() {
	xargs -P 16 -I{} curl -s -o /dev/null --max-time 60 -w '%{http_code} {}\n' -H "Authorization: Bearer $TA" \
		"$B/v1/tenants/acme/records/{}?purpose=billing" <"$1" >"$2" 2>/dev/null || true
}

# 1. Reads and a writer at once: all answered, each read audited once.
seq 60 | xargs -P 4 -I{} curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $TA" \
	-d '{"activity":"billing","category":"user.name","value":"w{}"}' \
	"$B/v1/tenants/acme/subjects/$S2/records" >"$W/wcodes" &
writer=$!
read_all "$W/ids1" "$W/codes1"
wait $writer
[ "$(grep -c '^200 ' "$W/codes1")" = $N1 ] || fail "not every read answered 200: $(cut -d' ' -f1 "$W/codes1" | sort | uniq -c)"
[ "$(grep -c '^201$' "$W/wcodes")" = 60 ] || fail "not every write stored: $(sort "$W/wcodes" | uniq -c)"
req GET /metrics; expect_status 200
grouped=$(sed -n 's/^gardien_read_grouped_requests_total //p' <<<"$BODY")
[ "$grouped" -ge $N1 ] || fail "only $grouped reads went through the reader threads"
stop_server
# entries per record read: exactly one each
in1=$(paste -sd, "$W/ids1")
bad=$("${AUDIT_SQL:?}" "$GARDIEN_VAULT" "SELECT count(*) FROM (SELECT record_id FROM audit WHERE action='record.get'
	AND record_id IN ($in1) GROUP BY record_id HAVING count(*) = 1)")
[ "$bad" = $N1 ] || fail "$bad of $N1 records read have exactly one record.get entry"
[ "$(vault_sql "SELECT count(*) FROM records WHERE subject_id = (SELECT id FROM subjects WHERE pseudonym = '$S2')")" = 60 ] ||
	fail "the writer's 60 records are not all on disk"
"$G" --tenant acme audit verify >/dev/null || fail "audit chain does not verify after reads beside a writer"

# 2. HEAD: a record's HEAD runs its read and is audited as it (its headers
# tell that the record exists, may be read for the purpose, and its size); a
# HEAD of an access request's export hands nothing over, so it is refused
# rather than counted as a copy (Art. 15(3)).
start_server --threads 8
R=$(head -1 "$W/ids1")
req GET "/v1/tenants/acme/records/$R?purpose=billing" "$TA"; expect_status 200
len=${#BODY}
curl -s -o /dev/null -D "$W/h" --head -H "Authorization: Bearer $TA" "$B/v1/tenants/acme/records/$R?purpose=billing"
grep -qi "^Content-Length: $len"$'\r'"\?$" "$W/h" || fail "HEAD of a record: not the GET's length $len: $(cat "$W/h")"
req HEAD "/v1/tenants/acme/records/$R?purpose=billing" "$TA"; expect_status 200
req POST /v1/tenants/acme/requests "$TADMIN" "{\"kind\":\"access\",\"subject\":\"$S2\"}"; expect_status 201
Q=$(jq -r .id <<<"$BODY")
req POST "/v1/tenants/acme/requests/$Q/verify" "$TADMIN" '{"method":"id_document","evidence":"t-1"}'; expect_status 200
curl -s -o /dev/null -D "$W/h" -w '%{http_code}' --head -H "Authorization: Bearer $TADMIN" \
	"$B/v1/tenants/acme/requests/$Q/export" >"$W/code"
[ "$(cat "$W/code")" = 405 ] || fail "HEAD of a request's export: $(cat "$W/code"), expected 405"
allow=$(sed -n 's/^Allow: \(.*\)\r$/\1/Ip' "$W/h")
[[ $allow == *GET* && $allow != *HEAD* ]] || fail "HEAD of a request's export: Allow is '$allow'"
stop_server
[ "$(vault_sql "SELECT copies FROM requests WHERE id = $Q")" = 0 ] || fail "a HEAD counted a copy of the export"
[ "$("$AUDIT_SQL" "$GARDIEN_VAULT" "SELECT count(*) FROM audit WHERE action='record.get' AND record_id = $R")" = 4 ] ||
	fail "the record's GET and two HEADs are not audited as three more reads"

# 3. kill -9 while reads are in flight: no answered read without its entry.
start_server --threads 8
read_all "$W/ids2" "$W/codes2" &
loader=$!
for _ in $(seq 3000); do # wait (at most ~30 s) for a part of the reads to be answered
	[ "$(grep -c '^200 ' "$W/codes2" 2>/dev/null)" -ge 40 ] && break
	sleep 0.01
done
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=
wait $loader
answered=$(grep '^200 ' "$W/codes2" | cut -d' ' -f2 | paste -sd,)
n=$(grep -c '^200 ' "$W/codes2")
[ "$n" -ge 40 ] || fail "only $n reads answered before the kill"
got=$("$AUDIT_SQL" "$GARDIEN_VAULT" "SELECT count(*) FROM (SELECT record_id FROM audit WHERE action='record.get'
	AND record_id IN ($answered) GROUP BY record_id HAVING count(*) = 1)")
[ "$got" = "$n" ] || fail "after kill -9: $got of the $n answered reads have exactly one entry"
in2=$(paste -sd, "$W/ids2")
twice=$("$AUDIT_SQL" "$GARDIEN_VAULT" "SELECT count(*) FROM (SELECT record_id FROM audit WHERE action='record.get'
	AND record_id IN ($in2) GROUP BY record_id HAVING count(*) > 1)")
[ "$twice" = 0 ] || fail "$twice records have more than one entry for their one read"
"$G" --tenant acme audit verify >/dev/null || fail "audit chain does not verify after kill -9"
echo "readers: ok ($N1 reads beside a writer; $n of $N2 answered before kill -9, each with its entry)"
