#!/usr/bin/env bash
# Many gardien processes on one PostgreSQL database (issue 14): 4 CLI writer
# processes and 2 `gardien serve` processes store records at once, a fixed
# count each; one server is killed with SIGKILL in the middle. Every write
# that was acknowledged (CLI exit 0, HTTP 201) is there, readable, with exactly
# one audit entry; no record id is given twice; the audit trail verifies.
# Each process appends to an audit lane of its own: the two servers' writes
# are in two distinct lanes, the lane of the killed server is taken over by a
# later process, and `audit verify` reports every lane intact.
. "$(dirname "$0")/../lib.sh"
set -e
. "$GD_SOURCE_DIR/tests/tools/pg.sh"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	# On a failure, what the database said.
	[ "$failures" -eq 0 ] || grep -B2 -A8 'ERROR' "$W/pg/log" 2>/dev/null | head -60 >&2
	pg_stop
}
at_exit cleanup

pg_start "$W"
export GARDIEN_VAULT=$(pg_createdb conc) GARDIEN_KEY=$W/vault.key
"$G" init --tenant acme --country 33 >/dev/null
"$G" role set app --ops all --activities '*' >/dev/null
"$G" user service app --role app >/dev/null
TOKEN=$("$G" token create app | head -1)
S=$("$G" subject create)

serve() {  # serve N: starts server N, sets PORT_N and its pid
	mkfifo "$W/out$1"
	"$G" serve --listen 127.0.0.1:0 --threads 4 >"$W/out$1" 2>"$W/err$1" &
	pids+=($!)
	eval "SPID_$1=$!"
	local line
	read -r line <"$W/out$1" || { cat "$W/err$1" >&2; fail "server $1 did not start"; }
	eval "PORT_$1=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' <<<"$line")"
}
serve 1
serve 2

# 4 CLI writers, 25 records each; each prints the ids it was given.
for w in 1 2 3 4; do
	(for i in $(seq 25); do
		"$G" --json put "$S" --activity billing --category user.name "cli-$w-$i" | jq -r .record
	done >"$W/cli$w.ids" 2>"$W/cli$w.err") &
	pids+=($!)
done
# 2 HTTP writers per server, 60 requests each; each keeps the ids acknowledged.
http_writer() {  # PORT NAME
	for i in $(seq 60); do
		out=$(curl -s -m 10 -w '\n%{http_code}' -H "Authorization: Bearer $TOKEN" \
			-H 'Content-Type: application/json' \
			-d "{\"activity\":\"billing\",\"category\":\"user.name\",\"value\":\"$2-$i\"}" \
			"http://127.0.0.1:$1/v1/tenants/acme/subjects/$S/records" 2>/dev/null) || continue
		[ "$(tail -1 <<<"$out")" = 201 ] && head -1 <<<"$out" | jq -r .id
	done >"$W/$2.ids"
}
http_writer "$PORT_1" h1a & pids+=($!)
http_writer "$PORT_1" h1b & pids+=($!)
http_writer "$PORT_2" h2a & pids+=($!)
http_writer "$PORT_2" h2b & pids+=($!)
# Kill server 1 once some of its writes are acknowledged.
for _ in $(seq 200); do [ "$(cat "$W"/h1a.ids 2>/dev/null | wc -l)" -ge 15 ] && break; sleep 0.05; done
kill -9 "$SPID_1"
for p in "${pids[@]:2}"; do wait "$p" || true; done

cat "$W"/cli*.ids "$W"/h*.ids | grep -E '^[0-9]+$' | sort -n >"$W/acked"
n_cli=$(cat "$W"/cli*.ids | grep -cE '^[0-9]+$' || true)
n_h2=$(cat "$W"/h2*.ids | grep -cE '^[0-9]+$' || true)
[ "$n_cli" = 100 ] || fail "CLI writers: $n_cli of 100 acknowledged: $(cat "$W"/cli*.err)"
[ "$n_h2" = 120 ] || fail "server 2 acknowledged $n_h2 of 120 writes"
dups=$(uniq -d "$W/acked")
[ -z "$dups" ] || fail "record ids given twice: $dups"

# Every acknowledged write is there and readable, through the surviving server.
stored=$("$G" --json subject show "$S" --purpose billing | jq -r '.records[].id' | sort -n)
missing=$(comm -23 "$W/acked" <(echo "$stored"))
[ -z "$missing" ] || fail "acknowledged records missing: $missing"
# Exactly one audit entry per stored record (and none for a write that failed).
puts=$("$G" --json audit list --action record.put | jq -r 'select(.outcome == "ok") | .record_id' | sort -n)
[ "$puts" = "$stored" ] || fail "audit record.put entries differ from the stored records: $(diff <(echo "$puts") <(echo "$stored") | head)"
"$G" audit verify >/dev/null || fail "audit verify: $("$G" audit verify 2>&1)"

# Lanes: each server wrote its puts in one lane, the two lanes distinct.
"$G" --json audit list --action record.put | jq -r 'select(.outcome == "ok") | "\(.record_id) \(.lane)"' |
	sort -n >"$W/put_lanes"
lanes_of() {  # the lanes of the puts whose ids are in the given files
	cat "$@" | grep -E '^[0-9]+$' | awk 'NR == FNR { lane[$1] = $2; next } $1 in lane { print lane[$1] }' \
		"$W/put_lanes" - | sort -u
}
l1=$(lanes_of "$W"/h1*.ids) l2=$(lanes_of "$W"/h2*.ids)
[ "$(wc -l <<<"$l1")" = 1 ] || fail "server 1's puts are in lanes $(echo $l1), not one"
[ "$(wc -l <<<"$l2")" = 1 ] || fail "server 2's puts are in lanes $(echo $l2), not one"
[ "$l1" != "$l2" ] || fail "both servers wrote to lane $l1 at once"
# The killed server's lane is free again: its head is read from the database.
"$G" subject create >/dev/null
"$G" --json audit verify >"$W/verify.json" || fail "audit verify after a lane was taken over: $(cat "$W/verify.json")"
nl=$(jq '[.lanes[] | select(.tenant == "acme")] | length' "$W/verify.json")
[ "$nl" -ge 2 ] || fail "audit verify reports $nl lane(s) of acme, not one per writer: $(cat "$W/verify.json")"
jq -e --arg l "$l2" '.lanes[] | select(.tenant == "acme" and .lane == ($l | tonumber)) | .entries > 0' \
	"$W/verify.json" >/dev/null || fail "server 2's lane $l2 is not reported by audit verify"
"$G" audit verify | grep -q "acme lane $l1:" || fail "audit verify does not report server 1's lane $l1"
echo "concurrency on PostgreSQL: $(wc -l <"$W/acked") acknowledged writes, all present, one entry each"
