/*
 * store_keys.c — format 7: keys led by tenant_id on PostgreSQL, for Citus
 * (docs/scaling.md, "Distributing with Citus"; docs/FORMAT.md, "Keys on
 * PostgreSQL").
 *
 * Citus distributes a table by one column and co-locates the rows of equal
 * values: every key and unique constraint of a distributed table must hold
 * that column, tenant_id. Four tables had no tenant_id (their rows hang off
 * a record, a request or a principal): both engines take the column, filled
 * from the row it hangs off (0 for an orphan, which nothing reads). On
 * PostgreSQL each table's key K then becomes (tenant_id, K) and each UNIQUE
 * (u) UNIQUE (tenant_id, u), exactly what scripts/gen-pg-schema.py writes for
 * a new vault (the format-7 test of tests/unit/test_pg_keys.c compares the
 * two constraint by constraint), and PostgreSQL's own indexes are built. SQLite keeps its keys: a rowid alias is its
 * fastest path, and ids are unique on their own on both engines.
 *
 * Invariant: runs once, inside the transaction of the upgrade (vault.c),
 * under the write lock, on a vault of format 6 or older.
 */
#include <stdio.h>
#include <string.h>

#include "lib/internal.h"

/* The tables that took a tenant_id, and where it comes from. */
static const struct {
	const char *table, *from;
} added[] = {
	{"record_clients", "SELECT r.tenant_id FROM records r WHERE r.id = record_clients.record_id"},
	{"record_objects", "SELECT r.tenant_id FROM records r WHERE r.id = record_objects.record_id"},
	{"request_steps", "SELECT q.tenant_id FROM requests q WHERE q.id = request_steps.request_id"},
	{"auth_tokens", "SELECT p.tenant_id FROM auth_principals p WHERE p.id = auth_tokens.principal_id"},
};

/* Each table re-keyed on PostgreSQL: its SQLite key, and a UNIQUE column that lacked tenant_id. */
static const struct {
	const char *table, *key, *unique;
} rekeyed[] = {
	{"subjects", "id", "pseudonym"},
	{"records", "id", NULL},
	{"record_clients", "record_id", NULL},
	{"breaches", "id", NULL},
	{"consents", "id", NULL},
	{"subject_limits", "subject_id, kind, activity", NULL},
	{"requests", "id", NULL},
	{"request_steps", "request_id, seq", NULL},
	{"outbox", "id", NULL},
	{"directives", "subject_id", NULL},
	{"events", "subject_id, name", NULL},
	{"holds", "id", NULL},
	{"retention_due", "record_id", NULL},
	{"record_objects", "record_id", NULL},
	{"object_events", "subject_id, object, name", NULL},
	{"auth_roles", "id", NULL},
	{"auth_principals", "id", NULL},
	{"auth_tokens", "id", "hash"},
	{"auth_grants", "id", NULL},
};

/* Indexes of PostgreSQL's own (scripts/gen-pg-schema.py): led by tenant_id
 * (TENANT_LED), or for a look-up whose answer is the tenant (GLOBAL_LOOKUP). */
static const struct {
	const char *index, *table, *columns, *first;
} indexes[] = {
	{"records_subject", "records", "tenant_id, subject_id", "tenant_id"},
	{"auth_tokens_hash", "auth_tokens", "hash", "hash"},
};

/* Asked of the catalogue, not by selecting the column: a failed statement
 * would abort a PostgreSQL transaction, the migration's with it. */
int gd__store_has_column(gd__store *s, const char *table, const char *column)
{
	int64_t n = 0;
	int rc = s->engine == &gd__pg_engine
	                 ? gd__db_int(s, &n,
	                              "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema()"
	                              " AND table_name = ? AND column_name = ?",
	                              "tt", table, column)
	                 : gd__db_int(s, &n, "SELECT count(*) FROM pragma_table_info(?) WHERE name = ?", "tt", table, column);
	return rc < 0 ? rc : n > 0;
}

/* *n: 1 when the primary key of `table` leads with tenant_id (PostgreSQL). */
static int keyed_by_tenant(gd__store *s, const char *table, int64_t *n)
{
	return gd__db_int(s, n,
	                  "SELECT count(*) FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid"
	                  " AND a.attnum = c.conkey[1] WHERE c.conrelid = to_regclass(?) AND c.contype = 'p'"
	                  " AND a.attname = 'tenant_id'",
	                  "t", table);
}

/* *n: 1 when index `index` exists and leads with `column` (PostgreSQL). */
static int index_leads_with(gd__store *s, const char *index, const char *column, int64_t *n)
{
	return gd__db_int(s, n,
	                  "SELECT count(*) FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
	                  " AND a.attnum = i.indkey[0] WHERE i.indexrelid = to_regclass(?) AND a.attname = ?",
	                  "tt", index, column);
}

/* Each step is skipped when done already: a vault whose format number was
 * set back (the tests of older formats) keeps its shape. */
int gd__store_migrate_keys(gd__store *s)
{
	const struct gd__store_engine *e = s->engine;
	bool pg = e == &gd__pg_engine;
	char sql[512];
	int64_t done = 0;
	int rc = e->exec_script ? 0 : gd__err(GD_ERROR, "internal: the %s engine runs no script", e->name);
	for (size_t i = 0; rc == 0 && i < sizeof added / sizeof *added; i++) {
		if ((rc = gd__store_has_column(s, added[i].table, "tenant_id")) != 0) {
			rc = rc < 0 ? rc : 0;
			continue;
		}
		/* NOT NULL needs a default for the rows there; a new vault's column has none. */
		snprintf(sql, sizeof sql,
		         "ALTER TABLE %s ADD COLUMN tenant_id %s NOT NULL DEFAULT 0;"
		         " UPDATE %s SET tenant_id = coalesce((%s), 0)",
		         added[i].table, pg ? "BIGINT" : "INTEGER", added[i].table, added[i].from);
		rc = e->exec_script(s, sql);
		if (rc == 0 && pg) {
			snprintf(sql, sizeof sql, "ALTER TABLE %s ALTER COLUMN tenant_id DROP DEFAULT", added[i].table);
			rc = e->exec_script(s, sql);
		}
	}
	for (size_t i = 0; pg && rc == 0 && i < sizeof rekeyed / sizeof *rekeyed; i++) {
		if ((rc = keyed_by_tenant(s, rekeyed[i].table, &done)) < 0 || done)
			continue;
		/* The names PostgreSQL gave the old constraints, and gives the new ones. */
		char unique[160] = "";
		if (rekeyed[i].unique)
			snprintf(unique, sizeof unique, ", DROP CONSTRAINT %s_%s_key, ADD UNIQUE (tenant_id, %s)",
			         rekeyed[i].table, rekeyed[i].unique, rekeyed[i].unique);
		snprintf(sql, sizeof sql, "ALTER TABLE %s DROP CONSTRAINT %s_pkey, ADD PRIMARY KEY (tenant_id, %s)%s",
		         rekeyed[i].table, rekeyed[i].table, rekeyed[i].key, unique);
		rc = e->exec_script(s, sql);
	}
	for (size_t i = 0; pg && rc == 0 && i < sizeof indexes / sizeof *indexes; i++) {
		if ((rc = index_leads_with(s, indexes[i].index, indexes[i].first, &done)) < 0 || done)
			continue;
		snprintf(sql, sizeof sql, "DROP INDEX IF EXISTS %s; CREATE INDEX %s ON %s (%s)", indexes[i].index,
		         indexes[i].index, indexes[i].table, indexes[i].columns);
		rc = e->exec_script(s, sql);
	}
	return rc;
}
