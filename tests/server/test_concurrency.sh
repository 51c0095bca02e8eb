#!/usr/bin/env bash
# Group commit under concurrent load: many clients at once, every request is
# answered, every answered read has its audit entry on disk (after a restart),
# the chain still verifies; reads went to the reader threads and shared
# commits, writes to the committer. Writes racing in the same batches stay
# all-or-nothing: a refused write leaves nothing behind.
. "$(dirname "$0")/lib.sh"
setup_vault
start_server --threads 8
req POST /v1/tenants/acme/subjects "$TA" '{}'; expect_status 201
S=$(jq -r .subject <<<"$BODY")
req POST /v1/tenants/acme/subjects/$S/records "$TA" '{"activity":"billing","category":"user.name","value":"Ana"}'; expect_status 201
R=$(jq -r .id <<<"$BODY")
before=$(audit_count acme record.get 0)
N=400
seq $N | xargs -P 32 -I{} curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $TA" \
	"$B/v1/tenants/acme/records/$R?purpose=billing" >"$W/codes"
[ "$(grep -c '^200$' "$W/codes")" = $N ] || fail "not every read answered 200: $(sort "$W/codes" | uniq -c)"
# writes in the same stream: half refused by the role (marketing), half stored
seq 100 | xargs -P 32 -I{} sh -c 'a=billing; [ $(({} % 2)) = 0 ] && a=marketing
	curl -s -o /dev/null -w "%{http_code}\n" -H "Authorization: Bearer $0" \
	-d "{\"activity\":\"$a\",\"category\":\"user.name\",\"value\":\"v{}\"}" "$1"' \
	"$TA" "$B/v1/tenants/acme/subjects/$S/records" >"$W/wcodes"
[ "$(grep -c '^201$' "$W/wcodes")" = 50 ] && [ "$(grep -c '^403$' "$W/wcodes")" = 50 ] || fail "writes: $(sort "$W/wcodes" | uniq -c)"
req GET /metrics; expect_status 200
batches=$(sed -n 's/^gardien_commit_batches_total //p' <<<"$BODY")
batched=$(sed -n 's/^gardien_commit_batched_requests_total //p' <<<"$BODY")
groups=$(sed -n 's/^gardien_read_groups_total //p' <<<"$BODY")
grouped=$(sed -n 's/^gardien_read_grouped_requests_total //p' <<<"$BODY")
# the committer: the first record and the 100 writes (the subject ran alone); the readers: every read
[ "$batched" = 101 ] || fail "$batched requests went through the committer, expected the 101 writes"
[ "$grouped" = $N ] || fail "$grouped requests went through the readers, expected the $N reads"
[ "$batches" -lt "$batched" ] || fail "no commit was shared: $batches commits for $batched requests"
[ "$groups" -lt "$grouped" ] || fail "no group of reads held two: $groups groups for $grouped reads"
stop_server
# on disk after the server stopped: every read audited, 50 records stored, the chain intact
[ $(($(audit_count acme record.get 0) - before)) = $N ] || fail "reads audited: $(($(audit_count acme record.get 0) - before)), expected $N"
n=$(vault_sql "SELECT count(*) FROM records")
[ "$n" = 51 ] || fail "$n records on disk, expected 51"
"$G" --tenant acme audit verify >/dev/null || fail "audit chain does not verify after the concurrent load"
echo "concurrency: ok ($batched writes in $batches commits, $grouped reads in $groups groups)"
