#!/usr/bin/env bash
# test_restore.sh — restores that cannot undo an erasure (issue 16 item 4):
# while `gardien serve` has the vault open a restore is refused naming it; a
# restore with the erasure journal deleted, cut short by one entry or with one
# byte changed is refused (exit 5) naming what is missing, with the vault and
# the journal unchanged; the journal travels with an export, from which a
# restore re-applies the erasure after the vault and its journal are lost.
# On both engines: a file vault's lock is "<vault>.lock", a PostgreSQL vault's a
# session-level advisory lock, whose refusal names the same client pid and
# command (the lock connection's application_name) and the backend.
source "$(dirname "$0")/lib.sh"
export GARDIEN_NOW=2026-03-02T09:00:00Z GARDIEN_PRINCIPAL=test:ops
IBAN="FR76 3000 6000 0112 3456 7890 189"
export GARDIEN_BACKUP_DIR=$W/backups
if [ "$GD_ENGINE" = pg ]; then
	J=${GARDIEN_KEY%.key}.journal # beside the key file (docs/scaling.md)
	# Every row of every table of the vault, in a stable order.
	vault_digest() {
		local t
		for t in $(vault_sql "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"); do
			vault_sql "SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) FROM $t x"
		done | sha256sum | cut -d' ' -f1
	}
else
	J=$GARDIEN_VAULT.journal
	vault_digest() { sha256sum "$GARDIEN_VAULT" | cut -d' ' -f1; }
fi

"$G" init --tenant acme --country 33 >/dev/null
s=$("$G" subject create --email jeanne@example.org)
t=$("$G" subject create --email paul@example.org)
"$G" put "$s" --activity billing --category user.financial.bank_account "$IBAN" >/dev/null
"$G" put "$t" --activity billing --category user.financial.bank_account "kept value" >/dev/null
"$G" backup create >/dev/null
b=$(ls "$GARDIEN_BACKUP_DIR"/backup-*.gdbk)
GARDIEN_NOW=2026-03-03T09:00:00Z "$G" erase "$s" >/dev/null
GARDIEN_NOW=2026-03-03T10:00:00Z "$G" erase "$t" >/dev/null
[ "$(stat -c %s "$J")" = 320 ] || fail "two erasures should make two journal entries"
"$G" --json audit list | grep -q journal.anchor ||
	fail "no journal anchor in the audit trail"

# expect_refused CODE PATTERN: restore refused with CODE and PATTERN on stderr,
# the vault and its journal as they were.
expect_refused() {
	local want=$1 pattern=$2 vault_before journal_before got=0
	vault_before=$(vault_digest)
	journal_before=$(sha256sum "$J" 2>/dev/null | cut -d' ' -f1 || true)
	"$G" backup restore "$b" >"$W/restore.out" 2>"$W/restore.err" || got=$?
	[ "$got" = "$want" ] || { cat "$W/restore.err" >&2; fail "restore exited $got, expected $want (line ${BASH_LINENO[0]})"; }
	grep -qE -- "$pattern" "$W/restore.err" || { cat "$W/restore.err" >&2; fail "refusal does not say /$pattern/"; }
	[ "$(vault_digest)" = "$vault_before" ] || fail "a refused restore changed the vault"
	[ "$(sha256sum "$J" 2>/dev/null | cut -d' ' -f1 || true)" = "$journal_before" ] || fail "a refused restore changed the journal"
	[ ! -e "$GARDIEN_VAULT.restoring" ] && [ ! -e "${J%.journal}.restoring" ] || fail "a refused restore left its snapshot"
}

# 1. While the server runs: refused, the server named.
start_server
expect_refused 7 "in use by pid $SERVER_PID \(gardien serve"
if [ "$GD_ENGINE" = pg ]; then
	grep -qE "PostgreSQL backend [0-9]+, from local socket" "$W/restore.err" || fail "the refusal does not name the backend"
	grep -q "postgres@" "$W/restore.err" && fail "the refusal shows the vault URL"
fi
stop_server
if [ "$GD_ENGINE" = pg ]; then
	# The lock connection of a running server dropped (a PostgreSQL restart, an
	# idle timeout): its lock is gone, so a restore could now replace the rows
	# under it. Its next write is refused, saying why; nothing is written.
	"$G" role set admin --ops all --activities '*' >/dev/null
	"$G" user service root --role admin >/dev/null
	tok=$("$G" token create root | head -1)
	start_server
	req POST /v1/tenants/acme/subjects "$tok" '{"identifiers":{"email":"before@example.org"}}'
	expect_status 201
	n=$(vault_sql "SELECT count(*) FROM subjects")
	[ "$(vault_sql "SELECT count(pg_terminate_backend(a.pid)) FROM pg_locks k JOIN pg_stat_activity a ON a.pid = k.pid
		WHERE k.locktype = 'advisory' AND k.objsubid = 2 AND a.application_name LIKE 'pid $SERVER_PID %'")" = 1 ] ||
		fail "the server's lock connection was not found"
	for _ in $(seq 100); do # pg_terminate_backend only signals: wait for the backend to go
		[ "$(vault_sql "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'pid $SERVER_PID %'")" = 0 ] && break
		sleep 0.1
	done
	req POST /v1/tenants/acme/subjects "$tok" '{"identifiers":{"email":"after@example.org"}}'
	[ "$STATUS" -ge 500 ] || fail "a write after the lock was lost answered $STATUS: $BODY"
	grep -q "lock on the PostgreSQL vault was lost" <<<"$BODY" || fail "the refusal does not say the lock was lost: $BODY"
	grep -q "postgres@" <<<"$BODY" && fail "the refusal shows the vault URL"
	[ "$(vault_sql "SELECT count(*) FROM subjects")" = "$n" ] || fail "a write went through without the vault lock"
	stop_server
	# The other way: a vault being restored is not opened (the lock held by hand, as a restore holds it).
	psql -X -q "$GARDIEN_VAULT" -c "SET application_name = 'pid 1 (gardien backup restore)'" \
		-c "SELECT pg_advisory_lock(1734637105, hashtext(current_schema()))" -c "SELECT pg_sleep(30)" >/dev/null 2>&1 &
	holder=$!
	for _ in $(seq 600); do
		[ "$(vault_sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1734637105 AND objsubid = 2 AND mode = 'ExclusiveLock' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")" = 1 ] && break
		kill -0 "$holder" 2>/dev/null || fail "psql could not take the vault lock"
		sleep 0.1
	done
	set +e
	"$G" subject find email paul@example.org >/dev/null 2>"$W/open.err"
	rc=$?
	set -e
	# Its backend ended (a killed psql leaves it sleeping, lock held, until it next writes).
	vault_sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pid 1 (gardien backup restore)'" >/dev/null
	wait "$holder" 2>/dev/null || true
	[ $rc = 7 ] || { cat "$W/open.err" >&2; fail "opening a vault under restore exited $rc, expected 7"; }
	grep -q "locked by pid 1 (gardien backup restore) (PostgreSQL backend" "$W/open.err" || { cat "$W/open.err" >&2; fail "the refusal does not name the restore"; }
fi

cp "$J" "$W/journal.good"
# 2. The journal deleted.
rm "$J"
expect_refused 5 "journal .* is missing, but the audit trail of the live vault proves 2 journal entries"
# 3. Cut short by one entry.
head -c 160 "$W/journal.good" >"$J"
expect_refused 5 "cut short: it holds 1 entry, but the audit trail of the live vault proves 2.*entries 2\.\.2 are missing"
# 4. One byte changed (the time of the second erasure).
cp "$W/journal.good" "$J"
byte=$(od -An -tu1 -j170 -N1 "$J" | tr -d ' ')
printf "\\$(printf %03o $(((byte + 1) % 256)))" | dd of="$J" bs=1 seek=170 conv=notrunc status=none
expect_refused 5 "entry 2 of the erasure journal .* is damaged"
cp "$W/journal.good" "$J"

# The journal exported and kept elsewhere; then the vault and its journal are lost.
"$G" backup export-journal "$W/journal.export" | grep -q "exported the erasure journal"
grep -qa "jeanne" "$W/journal.export" && fail "the export is not encrypted"
rm -f "$J"
if [ "$GD_ENGINE" = pg ]; then
	# The database's tables gone (its server kept): the live vault no longer opens.
	vault_sql "DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null 2>&1
else
	rm -f "$GARDIEN_VAULT" "$GARDIEN_VAULT-wal" "$GARDIEN_VAULT-shm"
fi
set +e
"$G" backup restore "$b" >"$W/out" 2>"$W/err"
rc=$?
set -e
[ $rc = 3 ] || { cat "$W/err" >&2; fail "restore with neither vault nor journal exited $rc, expected 3"; }
grep -q -- "--journal JOURNAL" "$W/err" || fail "the refusal does not say how to give the journal"
"$G" --json backup restore "$b" --journal "$W/journal.export" >"$W/restore.json"
[ "$(jq .erasures "$W/restore.json")" = 2 ] || fail "the exported journal's erasures were not re-applied"
[ -e "$J" ] || fail "the journal given was not installed beside the vault"
set +e
"$G" subject find email jeanne@example.org >/dev/null 2>&1
rc=$?
set -e
[ $rc = 3 ] || fail "the erased subject is back after the restore"
# The restored vault and its installed journal agree: a new restore passes the check.
"$G" backup restore "$b" >/dev/null
echo "ok"
