#!/usr/bin/env bash
# test_audit.sh — gardien audit from the command line: verify (exit 0 intact,
# exit 5 with the first bad entry named), list filters and --json, export and
# offline verification against the vault's key, prune under a signed anchor.
. "$(dirname "$0")/lib.sh"
set -e
sqlite_vault "$W/v.db"
export GARDIEN_NOW=2026-01-01T00:00:00Z GARDIEN_PRINCIPAL=cli:dpo

"$G" init --tenant acme >/dev/null
s=$("$G" subject create)
r1=$("$G" put "$s" --activity billing --category user.name Jeanne)
GARDIEN_NOW=2026-02-01 "$G" put "$s" --activity billing --category user.contact.email j@example.fr >/dev/null
GARDIEN_NOW=2026-02-01 "$G" --as svc:billing get "$r1" --purpose billing >/dev/null
if GARDIEN_NOW=2026-03-02 "$G" get "$r1" --purpose marketing 2>/dev/null; then fail "marketing read allowed"; fi

out=$("$G" audit verify) || fail "intact vault does not verify"
grep -q "audit trail intact: 7 entries in 2 chain(s)" <<<"$out" || fail "verify said: $out"

# list: filters and JSON lines
[ "$("$G" audit list --json --outcome denied | jq -r .purpose)" = marketing ] || fail "outcome filter"
[ "$("$G" audit list --json --principal svc:billing | jq -r .action)" = record.get ] || fail "principal filter"
n=$("$G" audit list --json --subject "$s" --from 2026-01-15 --to 2026-03-01 | wc -l)
[ "$n" = 2 ] || fail "time+subject filter gave $n entries"
set +e; "$G" audit list --outcome sometimes 2>/dev/null; rc=$?; set -e
[ $rc = 2 ] || fail "bad outcome: exit $rc"
# --record: the put of record r1 and its two reads (one refused)
[ "$("$G" audit list --json --record "$r1" | jq -r .action | tr '\n' ' ')" = "record.put record.get record.get " ] ||
	fail "record filter: $("$G" audit list --record "$r1")"
set +e; "$G" audit list --record first 2>/dev/null; rc=$?; set -e
[ $rc = 2 ] || fail "bad record id: exit $rc"

# export for the auditor, verified offline against the key given out of band
"$G" audit checkpoint >/dev/null
"$G" audit export --output trail.jsonl
key=$("$G" audit key)
[ ${#key} = 64 ] || fail "key is not 64 hex digits"
"$G" audit verify --file trail.jsonl --public-key "$key" | grep -q intact || fail "export does not verify"
other=$(printf '%064d' 0)
set +e
"$G" audit verify --file trail.jsonl --public-key "$other" 2>/dev/null; rc=$?
set -e
[ $rc = 4 ] || fail "another key: exit $rc, wanted 4"
sed 's/"principal":"svc:billing"/"principal":"svc:nobody"/' trail.jsonl > forged.jsonl
set +e
out=$("$G" audit verify --file forged.jsonl --json); rc=$?
set -e
[ $rc = 5 ] || fail "forged export: exit $rc"
[ "$(jq -r .result <<<"$out")" = modified ] || fail "forged export: $out"
"$G" audit export --format csv | head -1 | grep -q '^type,seq,at,time,principal,action' || fail "csv header"

# tampering in the vault (a block of entries removed): exit 5, the entry named
sqlite3 v.db "DELETE FROM audit_blocks WHERE tenant_id = 1 AND first_seq = 2"
set +e
out=$("$G" audit verify --json); rc=$?
set -e
[ $rc = 5 ] || fail "deleted entry: exit $rc"
[ "$(jq -r '.result + " " + .tenant + " " + (.first_bad_seq|tostring)' <<<"$out")" = "removed acme 2" ] || fail "$out"

# prune: a fresh vault, a year of entries, the first months removed
rm -f v.db v.db.key
"$G" init --tenant acme >/dev/null
s=$("$G" subject create)
for m in 01 03 05 07 09 11; do
	GARDIEN_NOW=2026-$m-01 "$G" put "$s" --activity billing --category user.name x >/dev/null
done
out=$(GARDIEN_NOW=2027-06-01 "$G" audit prune --older-than 1y --json)
[ "$(jq .removed <<<"$out")" = 4 ] || fail "prune: $out"   # subject.create + Jan, Mar, May
"$G" audit verify >/dev/null || fail "pruned chain does not verify"
[ "$("$G" audit list --json | head -1 | jq .seq)" = 5 ] || fail "pruned chain starts elsewhere"
"$G" audit prune 2>/dev/null && fail "prune without a bound accepted"
echo ok
