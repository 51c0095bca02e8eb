#!/usr/bin/env bash
# Backups of a PostgreSQL vault (issue 14): `backup create` takes a consistent
# snapshot of every row into the same encrypted backup file as an SQLite
# vault's; `backup restore` loads it back into the database and re-applies the
# erasures made since, from the journal beside the key file.
. "$(dirname "$0")/../lib.sh"
set -e
. "$GD_SOURCE_DIR/tests/tools/pg.sh"
cleanup() { pg_stop; }
at_exit cleanup

pg_start "$W"
export GARDIEN_VAULT=$(pg_createdb bk) GARDIEN_KEY=$W/vault.key
"$G" init --tenant acme --country 32 >/dev/null
s1=$("$G" subject create --email ana@example.org)
s2=$("$G" subject create --email bob@example.org)
"$G" put "$s1" --activity billing --category user.name "Ana Lindqvist-Orsted" >/dev/null
"$G" put "$s2" --activity billing --category user.name Bob >/dev/null
"$G" backup create --dir "$W/bk" >/dev/null
file=$(ls "$W"/bk/*.gdbk)
"$G" backup verify "$file" >/dev/null || fail "the backup does not verify"
# The backup file holds no plaintext either.
# (values long enough that random ciphertext cannot match them by chance)
grep -qa -e "Ana Lindqvist-Orsted" -e ana@example.org "$file" && fail "plaintext in the backup file"

# After the backup: an erasure (journaled), and a write the restore will undo.
"$G" erase "$s1" >/dev/null
[ -s "$W/vault.journal" ] || fail "no erasure journal beside the key file"
"$G" put "$s2" --activity billing --category user.name Bob2 >/dev/null
out=$("$G" backup restore "$file")
grep -q 're-applied 1 erasure' <<<"$out" || fail "restore did not re-apply the erasure: $out"
# The erased subject stays erased; the other is back as in the snapshot.
rc=0; "$G" subject find email ana@example.org >/dev/null 2>&1 || rc=$?
[ $rc = 3 ] || fail "an erased subject came back with the restore (exit $rc)"
[ "$("$G" subject find email bob@example.org)" = "$s2" ] || fail "bob lost"
"$G" get 2 --purpose billing | grep -q Bob || fail "record 2 lost"
rc=0; "$G" get 3 --purpose billing >/dev/null 2>&1 || rc=$?
[ $rc = 3 ] || fail "a write after the snapshot survived the restore"
# The database goes on: new subjects and records get fresh ids; the trail verifies.
"$G" subject create >/dev/null || fail "subject after restore"
"$G" put "$s2" --activity billing --category user.name Bob3 >/dev/null || fail "put after restore"
"$G" audit verify >/dev/null || fail "audit verify after restore: $("$G" audit verify 2>&1)"
echo "backup and restore on PostgreSQL: ok"
