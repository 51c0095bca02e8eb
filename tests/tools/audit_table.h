/*
 * audit_table.h — for tests: the audit trail, stored in blocks (docs/FORMAT.md,
 * "Audit blocks"), as the SQL table of one row per entry it used to be, so
 * tests can count and tamper with entries in plain SQL.
 */
#ifndef GD_TEST_AUDIT_TABLE_H
#define GD_TEST_AUDIT_TABLE_H

#include <stdbool.h>
#include <sqlite3.h>

/*
 * Decodes the vault's blocks into a TEMP table `audit` (tenant_id, seq, at,
 * principal, action, purpose, subject, record_id, category, outcome, reason,
 * hash, lane), which unqualified names then find, and starts counting changes to it
 * (temp.audit_changes). A vault written back by audit_table_store and not yet
 * opened is read from its format-1 table instead. Returns SQLITE_OK or an
 * error (message in `err`).
 */
int audit_table_load(sqlite3 *db, char *err, size_t cap);
/* Whether a statement changed temp.audit since it was loaded (or stored). */
bool audit_table_changed(sqlite3 *db);
/*
 * Writes temp.audit back as the pre-block table main.audit, removes the blocks
 * and marks the vault format 1: the next gd_vault_open converts it into
 * blocks, tampering included.
 */
int audit_table_store(sqlite3 *db, char *err, size_t cap);

#endif
