#!/usr/bin/env bash
# test_tenant_key.sh — `gardien key rotate tenant` (issue 16 item 1,
# docs/keys.md): a new tenant key re-does everything the old one protected —
# subject keys of epoch 0, the blind index of every identifier, the MAC of
# every record and identifier — then the old key is destroyed. A rotation
# killed (kill -9) mid-way leaves a vault that reads, finds and writes, and
# running it again finishes it; afterwards every identifier is found, every
# record reads, `vault verify` and `audit verify` pass, no blind index of
# before is left. One rotation at a time per key file: a second, or a `key
# epoch`, is refused while one runs (issue 16 item 5).
source "$(dirname "$0")/lib.sh"
export GARDIEN_TENANT=acme GARDIEN_BACKUP_DIR=$W/backups
mkdir -p "$GARDIEN_BACKUP_DIR"
G init --tenant acme --country 33 >/dev/null
K=${GARDIEN_KEY:-$GARDIEN_VAULT.key}
if [ "$GD_ENGINE" = pg ]; then
	blinds() { vault_sql "SELECT encode(blind, 'hex') FROM identifiers ORDER BY 1"; }
	tenant_key() { vault_sql "SELECT encode(wrapped_key, 'hex') FROM tenants WHERE name = 'acme'"; }
	state_len() { vault_sql "SELECT coalesce(length(value), 0) FROM meta WHERE key LIKE 'tenant_key:%'"; }
else
	blinds() { vault_sql "SELECT hex(blind) FROM identifiers ORDER BY 1"; }
	tenant_key() { vault_sql "SELECT hex(wrapped_key) FROM tenants WHERE name = 'acme'"; }
	state_len() { vault_sql "SELECT coalesce(length(value), 0) FROM meta WHERE key LIKE 'tenant_key:%'"; }
fi
# Subjects of epoch 0 (no epoch begun), with identifiers and records.
declare -A rec
mk() {
	local s
	s=$(G subject create --email "$1@example.org" --phone "+3361234567$2") || die "subject $1"
	rec[$1]=$(G --json put "$s" --activity billing --category user.contact.email "$1@example.org" | jq -r .record)
}
for i in 0 1 2; do mk "old$i" "$i"; done
# …and subjects of epoch 1, whose keys are under an epoch key, not the tenant key.
expect_code 0 G key epoch
for i in 3 4; do mk "new$i" "$i"; done
blinds >"$W/blinds.before"
key_before=$(tenant_key)
expect_eq "$(wc -l <"$W/blinds.before")" 10 "identifiers indexed"

# check_all: every identifier is found, every record reads its value.
check_all() {
	local who
	for who in "${!rec[@]}"; do
		expect_code 0 G subject find email "$who@example.org"
		expect_code 0 G --json get "${rec[$who]}" --purpose billing
		expect_eq "$(jq -r .value <<<"$out")" "$who@example.org" "record of $who ($1)"
	done
}

# A rotation killed after its first batch (kill -9)…
GARDIEN_TEST_KEY_BATCH=1 GARDIEN_TEST_KILL_AT=tenant-rekey G key rotate tenant >/dev/null 2>&1
expect_eq "$?" 137 "the rotation was killed"
expect_eq "$(state_len)" 76 "the previous key kept while the rotation is under way"
# …leaves a vault in use: everything reads and is found, under either key…
check_all "during the rotation"
expect_code 0 G vault verify
# …and what is written meanwhile is under the new key.
mk mid 5
expect_code 0 G subject add-id "$(G subject find email old0@example.org)" customer C-42

# Running it again finishes it; the old key is destroyed.
expect_code 0 G --json key rotate tenant
expect_eq "$(jq -r .version <<<"$out")" 2 "tenant key version"
expect_eq "$(state_len)" 4 "the previous key destroyed (the version alone is kept)"
[ "$(tenant_key)" != "$key_before" ] || fail "the tenant key did not change"
check_all "after the rotation"
expect_code 0 G subject find customer C-42
blinds >"$W/blinds.after"
expect_eq "$(comm -12 "$W/blinds.before" "$W/blinds.after" | wc -l)" 0 "no blind index of the old key is left"
expect_code 0 G vault verify
expect_match "$out" "0 damaged"
expect_code 0 G audit verify
expect_match "$out" "intact"
# Audited in the vault's own chain: the rotation begun, the old key destroyed.
expect_eq "$("$AUDIT_SQL" "$GARDIEN_VAULT" "SELECT count(*) FROM audit WHERE tenant_id = 0 AND action = 'key.rotate'")" 2 "key.rotate entries"
# A second rotation goes on from version 2.
expect_code 0 G --json key rotate tenant
expect_eq "$(jq -r .version <<<"$out")" 3 "a second tenant rotation"
check_all "after a second rotation"
expect_code 3 G key rotate tenant --tenant nobody

# One rotation at a time: while one holds the lock, others are refused (exit 7).
GARDIEN_TEST_HOLD_KEYS_LOCK=$W/go G key rotate master >"$W/first.out" 2>&1 &
first=$!
until [ -e "$W/go.held" ]; do
	kill -0 $first 2>/dev/null || fail "the first rotation ended early: $(cat "$W/first.out")"
	sleep 0.05
done
for what in "key rotate master" "key rotate tenant" "key epoch" "key prune"; do
	expect_code 7 G $what
	expect_match "$err" "another key rotation" "$what while a rotation runs"
done
touch "$W/go"
wait $first || fail "the first rotation failed: $(cat "$W/first.out")"
expect_code 0 G --json key rotate master
check_all "after the concurrent master rotations"
expect_code 0 G audit verify
finish
