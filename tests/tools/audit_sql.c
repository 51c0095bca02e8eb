/*
 * audit_sql — for shell tests: runs SQL on a vault file where the audit trail
 * reads as the table `audit`, one row per entry (audit_table.h), and prints
 * each row's columns joined by '|', as the sqlite3 shell does. Changes to
 * `audit` are written back for the next open of the vault to convert.
 *
 *   audit_sql VAULT SQL
 *
 * VAULT may be a PostgreSQL vault's URL: its audit blocks and tenants are
 * copied into an in-memory SQLite database first, read-only (tampering with a
 * PostgreSQL vault's trail is done with psql by the tests that need it).
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

#include "audit_table.h"

/* The audit blocks and tenants of a PostgreSQL vault, as SQLite tables. */
static int load_pg(sqlite3 *db, const char *url, char *err, size_t cap)
{
	static const char *const copies[][2] = {
		{"SELECT tenant_id, lane, first_seq, last_seq, body FROM audit_blocks",
	         "INSERT INTO audit_blocks VALUES (?, ?, ?, ?, ?)"},
		{"SELECT id, name FROM tenants", "INSERT INTO tenants VALUES (?, ?)"},
	};
	int rc = sqlite3_exec(db, "CREATE TABLE audit_blocks (tenant_id INTEGER, lane INTEGER, first_seq INTEGER,"
	                          " last_seq INTEGER, body BLOB, PRIMARY KEY (tenant_id, lane, first_seq));"
	                          "CREATE TABLE tenants (id INTEGER PRIMARY KEY, name TEXT)",
	                      NULL, NULL, NULL);
	PGconn *c = PQconnectdb(url);
	if (PQstatus(c) != CONNECTION_OK) {
		snprintf(err, cap, "%s", PQerrorMessage(c));
		PQfinish(c);
		return SQLITE_ERROR;
	}
	for (size_t t = 0; rc == SQLITE_OK && t < sizeof copies / sizeof *copies; t++) {
		PGresult *r = PQexecParams(c, copies[t][0], 0, NULL, NULL, NULL, NULL, 1);
		sqlite3_stmt *st = NULL;
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			snprintf(err, cap, "%s", PQresultErrorMessage(r));
			rc = SQLITE_ERROR;
		} else {
			rc = sqlite3_prepare_v2(db, copies[t][1], -1, &st, NULL);
		}
		for (int row = 0; rc == SQLITE_OK && row < PQntuples(r); row++) {
			for (int col = 0; col < PQnfields(r); col++) {
				const unsigned char *v = (const unsigned char *)PQgetvalue(r, row, col);
				int n = PQgetlength(r, row, col);
				if (PQftype(r, col) == 20) { /* int8, big-endian */
					sqlite3_int64 x = 0;
					for (int i = 0; i < n; i++)
						x = (sqlite3_int64)((sqlite3_uint64)x << 8 | v[i]);
					sqlite3_bind_int64(st, col + 1, x);
				} else if (PQftype(r, col) == 17) {
					sqlite3_bind_blob(st, col + 1, v, n, SQLITE_TRANSIENT);
				} else {
					sqlite3_bind_text(st, col + 1, (const char *)v, n, SQLITE_TRANSIENT);
				}
			}
			rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
			sqlite3_reset(st);
		}
		sqlite3_finalize(st);
		PQclear(r);
	}
	PQfinish(c);
	if (rc != SQLITE_OK && !*err)
		snprintf(err, cap, "%s", sqlite3_errmsg(db));
	return rc;
}

static int print_row(void *ud, int n, char **values, char **names)
{
	for (int i = 0; i < n; i++)
		printf("%s%s", i ? "|" : "", values[i] ? values[i] : "");
	putchar('\n');
	return 0;
}

int main(int argc, char **argv)
{
	sqlite3 *db;
	char err[512];
	char *msg = NULL;
	if (argc != 3) {
		fprintf(stderr, "usage: audit_sql VAULT SQL\n");
		return 2;
	}
	bool pg = strncmp(argv[1], "postgres", 8) == 0;
	err[0] = 0;
	if (sqlite3_open_v2(pg ? ":memory:" : argv[1], &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		fprintf(stderr, "audit_sql: %s: %s\n", argv[1], sqlite3_errmsg(db));
		sqlite3_close(db);
		return 1;
	}
	sqlite3_busy_timeout(db, 10000);
	int rc = pg ? load_pg(db, argv[1], err, sizeof err) : SQLITE_OK;
	if (rc == SQLITE_OK)
		rc = audit_table_load(db, err, sizeof err);
	if (rc == SQLITE_OK && (rc = sqlite3_exec(db, argv[2], print_row, NULL, &msg)) != SQLITE_OK)
		snprintf(err, sizeof err, "%s", msg ? msg : sqlite3_errstr(rc));
	if (rc == SQLITE_OK && audit_table_changed(db)) {
		if (pg) {
			snprintf(err, sizeof err, "changes to a PostgreSQL vault's trail are not written back");
			rc = SQLITE_ERROR;
		} else {
			rc = audit_table_store(db, err, sizeof err);
		}
	}
	if (rc != SQLITE_OK)
		fprintf(stderr, "audit_sql: %s\n", err);
	sqlite3_free(msg);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : 1;
}
