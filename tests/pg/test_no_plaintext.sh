#!/usr/bin/env bash
# No plaintext of a stored value or identifier anywhere in the PostgreSQL data
# directory (heap, indexes, WAL, server log) after puts, an update, a find and
# reads through the CLI and the server (issue 14). The values are marked so
# that any copy of them, in any file, is found by grep.
. "$(dirname "$0")/../lib.sh"
set -e
. "$GD_SOURCE_DIR/tests/tools/pg.sh"
cleanup() { pg_stop; }
at_exit cleanup

pg_start "$W"
# Log every statement, to prove that not even a parameter reaches the log.
pg_as "$PG_BIN/psql" -h "$PG_DIR" -U postgres -qc "ALTER SYSTEM SET log_statement = 'all'" postgres
pg_as "$PG_BIN/psql" -h "$PG_DIR" -U postgres -qc "SELECT pg_reload_conf()" postgres >/dev/null
export GARDIEN_VAULT=$(pg_createdb plain) GARDIEN_KEY=$W/vault.key
"$G" init --tenant acme --country 33 >/dev/null
s=$("$G" subject create --email zorglub.marker@example.org --phone "06 99 88 77 66")
for i in $(seq 20); do
	"$G" put "$s" --activity billing --category user.name "PLAINTEXT-MARKER-$i" >/dev/null
done
"$G" put "$s" --activity billing --category user.financial.bank_account --json-value '{"iban":"BE71096123456769"}' >/dev/null
"$G" update 1 "PLAINTEXT-MARKER-updated" >/dev/null
"$G" subject find email zorglub.marker@example.org >/dev/null
"$G" get 2 --purpose billing | grep -q PLAINTEXT-MARKER-2 || fail "the value does not read back"
# Everything on disk: a checkpoint writes the heap and index pages out.
pg_as "$PG_BIN/psql" -h "$PG_DIR" -U postgres -qc "CHECKPOINT" plain
# The search sees what is stored in clear on purpose (activity names, the
# audit trail's actions): otherwise finding nothing would prove nothing.
grep -rqa -- 'user.financial.bank_account' "$PG_DIR/data/base" || fail "the search does not see table contents"
grep -rqa -- 'PLAINTEXT' "$PG_DIR/log" && fail "a value reached the server log" || true
for marker in PLAINTEXT-MARKER zorglub.marker 'example\.org' BE71096123456769 '612345678\|699887766' ; do
	hits=$(grep -rla -- "$marker" "$PG_DIR/data" "$PG_DIR/log" 2>/dev/null || true)
	[ -z "$hits" ] || fail "plaintext '$marker' found in: $hits"
done
echo "no plaintext in the PostgreSQL data directory, WAL or log"
