/* audit_table.c — the audit blocks as an SQL table, for tests (audit_table.h). */
#include <stdio.h>
#include <string.h>

#include "audit_table.h"
#include "lib/audit/audit.h"

#define COLUMNS \
	"(tenant_id INTEGER NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL," \
	" principal TEXT NOT NULL, action TEXT NOT NULL, purpose TEXT, subject TEXT," \
	" record_id INTEGER, category TEXT, outcome INTEGER NOT NULL, reason TEXT," \
	" hash BLOB NOT NULL, lane INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (tenant_id, lane, seq))"

/* Counted by triggers, which also keep SQLite from emptying the table without deleting rows one by one. */
#define COUNT_CHANGES \
	"CREATE TEMP TABLE audit_changes (n INTEGER NOT NULL); INSERT INTO audit_changes VALUES (0);" \
	"CREATE TEMP TRIGGER audit_inserted AFTER INSERT ON temp.audit" \
	" BEGIN UPDATE audit_changes SET n = n + 1; END;" \
	"CREATE TEMP TRIGGER audit_updated AFTER UPDATE ON temp.audit" \
	" BEGIN UPDATE audit_changes SET n = n + 1; END;" \
	"CREATE TEMP TRIGGER audit_deleted AFTER DELETE ON temp.audit" \
	" BEGIN UPDATE audit_changes SET n = n + 1; END;"

bool audit_table_changed(sqlite3 *db)
{
	sqlite3_stmt *st;
	bool changed = false;
	if (sqlite3_prepare_v2(db, "SELECT n FROM temp.audit_changes", -1, &st, NULL) == SQLITE_OK) {
		changed = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0;
		sqlite3_finalize(st);
	}
	return changed;
}

static int fail(sqlite3 *db, int rc, char *err, size_t cap, const char *what)
{
	snprintf(err, cap, "%s: %s", what, rc == SQLITE_CORRUPT ? "a block does not decode" : sqlite3_errmsg(db));
	return rc;
}

/* One block's entries into the table. */
static int load_block(sqlite3_stmt *ins, struct gd__audit_reader *r, int64_t tenant, int64_t lane,
                      const void *body, int n)
{
	struct gd__audit_entry e = {.tenant_id = tenant, .lane = lane};
	const unsigned char *h;
	int rc;
	if (gd__audit_reader_start(r, body, (size_t)n) < 0)
		return SQLITE_CORRUPT;
	while ((rc = gd__audit_reader_next(r, &e, &h)) == 1) {
		sqlite3_bind_int64(ins, 1, e.tenant_id);
		sqlite3_bind_int64(ins, 2, e.seq);
		sqlite3_bind_int64(ins, 3, e.at);
		sqlite3_bind_text(ins, 4, e.principal, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 5, e.action, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 6, e.purpose, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 7, e.subject, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 8, e.record_id);
		sqlite3_bind_text(ins, 9, e.category, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 10, e.outcome);
		sqlite3_bind_text(ins, 11, e.reason, -1, SQLITE_STATIC);
		sqlite3_bind_blob(ins, 12, h, 32, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 13, e.lane);
		int s = sqlite3_step(ins);
		sqlite3_reset(ins);
		if (s != SQLITE_DONE)
			return s;
	}
	return rc == 0 ? SQLITE_OK : SQLITE_CORRUPT;
}

/* True when the vault still has the format-1 table (written back, not yet converted by an open). */
static bool has_old_table(sqlite3 *db)
{
	sqlite3_stmt *st;
	bool found = false;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = 'audit'",
	                       -1, &st, NULL) == SQLITE_OK) {
		found = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	return found;
}

int audit_table_load(sqlite3 *db, char *err, size_t cap)
{
	sqlite3_stmt *blocks = NULL, *ins = NULL;
	struct gd__audit_reader r = {0};
	bool old = has_old_table(db);
	int rc = sqlite3_exec(db, "CREATE TEMP TABLE audit " COLUMNS, NULL, NULL, NULL);
	if (rc == SQLITE_OK && old)
		rc = sqlite3_exec(db, "INSERT INTO temp.audit SELECT * FROM main.audit", NULL, NULL, NULL);
	else if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, "SELECT tenant_id, body, lane FROM main.audit_blocks ORDER BY tenant_id, lane, first_seq",
		                        -1, &blocks, NULL);
	if (rc == SQLITE_OK && !old)
		rc = sqlite3_prepare_v2(db, "INSERT INTO temp.audit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1,
		                        &ins, NULL);
	while (rc == SQLITE_OK && !old && (rc = sqlite3_step(blocks)) == SQLITE_ROW)
		rc = load_block(ins, &r, sqlite3_column_int64(blocks, 0), sqlite3_column_int64(blocks, 2),
		                sqlite3_column_blob(blocks, 1),
		                sqlite3_column_bytes(blocks, 1));
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, COUNT_CHANGES, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		fail(db, rc, err, cap, "loading the audit blocks");
	sqlite3_finalize(blocks);
	sqlite3_finalize(ins);
	gd__audit_reader_free(&r);
	return rc;
}

int audit_table_store(sqlite3 *db, char *err, size_t cap)
{
	/* The name is the guard view's, or the table of an earlier write-back's. */
	int rc = sqlite3_exec(db, has_old_table(db) ? "BEGIN; DROP TABLE main.audit" : "BEGIN; DROP VIEW main.audit",
	                      NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db,
		                  "CREATE TABLE main.audit " COLUMNS ";"
		                  " INSERT INTO main.audit SELECT * FROM temp.audit;"
		                  " DELETE FROM main.audit_blocks;"
		                  " UPDATE main.meta SET value = 1 WHERE key = 'format'; COMMIT",
		                  NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		fail(db, rc, err, cap, "writing the audit table back");
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	return sqlite3_exec(db, "UPDATE temp.audit_changes SET n = 0", NULL, NULL, NULL);
}
