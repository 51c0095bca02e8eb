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
/*
 * For a test that reads or alters the vault's SQLite file at `path`: on a
 * PostgreSQL vault (GD_TEST_ENGINE=pg) frees the live fixtures and skips the
 * test. file_contains, db_exec, db_count and audit_db_open call it.
 */
void fx_sqlite_only(const char *path);
/* True when `needle` occurs in the file (or in its -wal side file with wal = true). */
bool file_contains(const char *path, const void *needle, size_t n);
/*
 * Runs SQL on the vault file directly (to tamper with it), failing the test on
 * error. The audit trail reads as the table `audit`, an entry per row (see
 * audit_db_open); changes to it take effect at the next gd_vault_open.
 */
void db_exec(const char *path, const char *stmt);
/* The integer the query's first row holds (`audit` as in db_exec). */
int64_t db_count(const char *path, const char *query);
/*
 * A connection to the vault file where the audit blocks read as a TEMP table
 * `audit` (tenant_id, seq, at, principal, action, purpose, subject, record_id,
 * category, outcome, reason, hash). audit_db_close writes a changed one back
 * as the pre-block `audit` table, which the next gd_vault_open converts.
 */
struct sqlite3;
struct sqlite3 *audit_db_open(const char *path);
void audit_db_close(struct sqlite3 *db);
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
