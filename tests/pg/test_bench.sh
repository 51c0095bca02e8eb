#!/usr/bin/env bash
# The benchmark programs still run (docs/benchmarks.md repeats its figures
# with them): gardien-bench on both engines, with the --setup-only and --reuse
# runs of the concurrency figures, and pg-baseline with its reader processes,
# each printing every figure it promises, at sizes small enough for a test.
# On PostgreSQL both load, then VACUUM ANALYZE, then read: the statistics are
# there before the first read. Figures are only checked to exist and be
# positive; what they measure belongs to a quiet machine, never to a test.
. "$(dirname "$0")/../lib.sh"
set -e
. "$GD_SOURCE_DIR/tests/tools/pg.sh"
: "${GARDIEN_BENCH:?}" "${PG_BASELINE:?}"
at_exit pg_stop
pg_start "$W"
psql_q() { pg_as "$PG_BIN/psql" -h "$PG_DIR" -U postgres -d "$1" -XAtq -v ON_ERROR_STOP=1 -c "$2"; }
SIZES=(--records 2000 --reads 200 --erasures 20)

# Each figure named is printed once, with a positive rate or time.
figures() { # FILE FIGURE…
	local f=$1 name
	shift
	for name in "$@"; do
		jq -se --arg n "$name" '[.[] | select(.figure == $n)] | length == 1 and
			(.[0] | (.per_second // .ms_each) > 0)' "$f" >/dev/null ||
			fail "$f: no figure $name with a positive value: $(grep -c . "$f") lines"
	done
}
ALL=(subject_create_with_email record_put find_and_read record_find export_subject_ms audit_verify
	erase_subject_ms erase_subject_batched_ms retention_sweep)

mkdir run-sqlite
"$GARDIEN_BENCH" --dir "$W/run-sqlite" "${SIZES[@]}" >sqlite.json || fail "gardien-bench on SQLite failed"
figures sqlite.json "${ALL[@]}"

url=$(pg_createdb bench)
mkdir run-pg
"$GARDIEN_BENCH" --vault "$url" --dir "$W/run-pg" "${SIZES[@]}" >pg.json || fail "gardien-bench on PostgreSQL failed"
figures pg.json "${ALL[@]}"

# The concurrency runs: one load kept, then two readers on it (one with
# gd_record_find) and a writer.
url=$(pg_createdb procs)
mkdir procs
"$GARDIEN_BENCH" --vault "$url" --dir "$W/procs" --setup-only "${SIZES[@]}" >setup.json ||
	fail "gardien-bench --setup-only failed"
figures setup.json subject_create_with_email record_put
[ "$(psql_q procs "SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'records'
	AND last_vacuum IS NOT NULL AND last_analyze IS NOT NULL")" = 1 ] ||
	fail "the load was not vacuumed and analysed before the reads"
"$GARDIEN_BENCH" --vault "$url" --reuse "$W/procs" "${SIZES[@]}" >r1.json &
"$GARDIEN_BENCH" --vault "$url" --reuse "$W/procs" --one-call "${SIZES[@]}" >r2.json &
wait %1 || fail "a --reuse reader failed"
wait %2 || fail "a --reuse --one-call reader failed"
figures r1.json find_and_read
figures r2.json record_find
"$GARDIEN_BENCH" --vault "$url" --reuse "$W/procs" --writes 500 "${SIZES[@]}" >w.json ||
	fail "a --reuse writer failed"
figures w.json record_put

pg_createdb baseline >/dev/null
PG_CONNINFO="host=$PG_DIR dbname=baseline user=postgres" "$PG_BASELINE" "${SIZES[@]}" --procs 2 >base.json ||
	fail "pg-baseline failed"
figures base.json subject_create_with_email record_put find_and_read find_and_read_procs erase_subject_ms
[ "$(psql_q baseline "SELECT count(*) FROM audit WHERE action = 'record.get'")" = $((200 * 3)) ] ||
	fail "the baseline's reads did not each write their audit row"
finish
