/* helpers.h — what the unit tests share: a fresh vault in a temporary folder. */
#ifndef GD_TEST_HELPERS_H
#define GD_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "gardien.h"

struct fixture {
	char dir[256];
	char path[300]; /* the vault */
	char key[310];  /* its key file */
	gd_vault *v;
	gd_actor *a; /* tenant "acme", principal "test:unit" */
};

/* A fresh vault with tenant "acme" (country code 33) at a fixed clock. */
struct fixture *fx_new(void);
/* Closes everything and removes the folder. */
void fx_free(struct fixture *f);
/* Closes and reopens the vault and actor (to see what is on disk). */
void fx_reopen(struct fixture *f);
/* The key file to name in gd_vault_options.key_path to open `path`: a live
 * fixture's on PostgreSQL (a URL names none), NULL (the default) on SQLite. */
const char *fx_key_for(const char *path);
/* Another handle on the fixture's vault and an actor of tenant acme on it
 * (`principal`): a second process, as far as the vault can tell. */
gd_actor *fx_second_actor(const struct fixture *f, gd_vault **v, const char *principal);
/* True with GD_TEST_ENGINE=pg: each fixture's vault is a PostgreSQL schema. */
bool fx_on_pg(void);
/* The statement of the engine the tests run on (where the two dialects differ). */
const char *fx_sql(const char *sqlite, const char *pg);
/*
 * For a test (or the part of one) about SQLite alone — its WAL, its VFS, its
 * file format: on a PostgreSQL vault frees the live fixtures and skips the
 * test, printing `why`. Call it before the test allocates anything else;
 * with path NULL, at the start of a test: whether the tests run on PostgreSQL.
 */
void fx_sqlite_only(const char *path, const char *why);
/* True when `needle` occurs in the file. */
bool file_contains(const char *path, const void *needle, size_t n);
/*
 * True when `needle` occurs in what the vault wrote to files: the SQLite file
 * and its WAL; on PostgreSQL, after a CHECKPOINT, the relation files of the
 * fixture's schema (tables, indexes, TOAST), the cluster's WAL and its log.
 */
bool fx_contains(const struct fixture *f, const void *needle, size_t n);
/* The same, without the WALs on PostgreSQL: its tables and indexes only. */
bool fx_tables_contain(const struct fixture *f, const void *needle, size_t n);
/*
 * SQL on the vault at `path` (a file or a postgresql:// URL), failing the test
 * on error; to tamper with it or count its rows. The audit trail reads as the
 * table `audit`, an entry per row: on SQLite see audit_db_open; on PostgreSQL
 * a TEMP table decoded from the blocks, written back as blocks (a chain per
 * block up to 32 KiB) when the statement changed it. Effective at the next
 * gd_vault_open on SQLite (the format-1 table is converted there).
 */
void db_exec(const char *path, const char *stmt);
/* db_exec of one statement whose `?` is bound to a blob. */
void db_exec_blob(const char *path, const char *stmt, const void *blob, size_t n);
/* Sets the vault's format number (meta.format). */
void db_set_format(const char *path, int format);
/* The integer the query's first row holds (NULL: 0). */
int64_t db_count(const char *path, const char *query);
/* Each row of the query, as text (blobs as their bytes; NULL for NULL). */
typedef void db_row_fn(void *ud, int n, const char *const *vals, const size_t *lens);
void db_rows(const char *path, const char *query, db_row_fn *row, void *ud);
/* Runs `stmt` as it is (no `audit` table); 0, or -1 with the engine's message in err. */
int db_try(const char *path, const char *stmt, char *err, size_t cap);
/* The blob the query's first row holds; caller frees. */
unsigned char *db_blob(const char *path, const char *query, size_t *len);
/*
 * SQLite only (fx_sqlite_only): a connection to the vault file where the audit
 * blocks read as a TEMP table `audit` (tenant_id, seq, at, principal, action,
 * purpose, subject, record_id, category, outcome, reason, hash, lane).
 * audit_db_close writes a changed one back as the pre-block `audit` table,
 * which the next gd_vault_open converts.
 */
struct sqlite3;
struct sqlite3 *audit_db_open(const char *path);
void audit_db_close(struct sqlite3 *db);
/*
 * What the vault holds, to show that a failed operation changed nothing: the
 * SQLite file's bytes, or on PostgreSQL each table's row count and digest of
 * its rows (sequences left out: an id taken in a rolled-back transaction is
 * skipped, never reused). Compare bytes and len; free with fx_state_free.
 */
struct fx_state {
	unsigned char *bytes;
	size_t len;
	size_t n;
	char tables[64][300];
};
void fx_state_take(const struct fixture *f, struct fx_state *st);
void fx_state_free(struct fx_state *st);
/* Reads a whole file; caller frees. */
unsigned char *read_file(const char *path, size_t *len);

/*
 * The fault-injection loop (curl's torture mode): runs `op` with a fault at its
 * first fault point, then its second, and so on until a run reaches no more
 * fault points; that run must return `expect`. Every faulted run must fail
 * (a negative code) and is then handed to `check`, which asserts that the
 * failure left nothing half-done. `before` (may be NULL) runs before each
 * attempt, unfaulted: to take the state the check compares against, or to
 * reopen the vault so that no cache hides a step. With `max` > 0 the loop
 * fails the test when the operation still meets fault points after `max` runs.
 * Returns the number of faulted runs.
 */
struct fault_loop {
	int (*op)(void *ud);
	void (*before)(void *ud);
	void (*check)(void *ud, long n, int rc);
	void *ud;
	int expect;
	long max;
};
long fault_loop_run(const struct fault_loop *l);

#define GD_OK_OR_FAIL(expr) \
	do { \
		int rc_ = (expr); \
		if (rc_ != 0) \
			fail_msg("%s = %d (%s): %s", #expr, rc_, gd_error_name(rc_), gd_error_last()); \
	} while (0)

#endif
