/*
 * audit_sql — for shell tests: runs SQL on a vault file where the audit trail
 * reads as the table `audit`, one row per entry (audit_table.h), and prints
 * each row's columns joined by '|', as the sqlite3 shell does. Changes to
 * `audit` are written back for the next open of the vault to convert.
 *
 *   audit_sql VAULT SQL
 */
#include <stdio.h>

#include "audit_table.h"

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
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		fprintf(stderr, "audit_sql: %s: %s\n", argv[1], sqlite3_errmsg(db));
		sqlite3_close(db);
		return 1;
	}
	sqlite3_busy_timeout(db, 10000);
	int rc = audit_table_load(db, err, sizeof err);
	if (rc == SQLITE_OK && (rc = sqlite3_exec(db, argv[2], print_row, NULL, &msg)) != SQLITE_OK)
		snprintf(err, sizeof err, "%s", msg ? msg : sqlite3_errstr(rc));
	if (rc == SQLITE_OK && audit_table_changed(db))
		rc = audit_table_store(db, err, sizeof err);
	if (rc != SQLITE_OK)
		fprintf(stderr, "audit_sql: %s\n", err);
	sqlite3_free(msg);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : 1;
}
