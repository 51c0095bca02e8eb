/*
 * helpers.c — fixtures for the unit tests. With GD_TEST_ENGINE=pg (the pg:
 * copies of the unit tests, tests/CMakeLists.txt) each fixture's vault is a
 * schema of its own in the database of the cluster at GD_PG_DIR, dropped by
 * fx_free; a test that reaches into the vault's SQLite file (tampering, the
 * file's bytes) is skipped there (fx_sqlite_only).
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "audit_table.h"
#include "helpers.h"
#include "util/core.h"

#define FIXED_NOW 1767225600 /* 2026-01-01T00:00:00Z */

/*
 * Fixtures not freed yet, and those a skipped test left: fx_sqlite_only
 * closes them (the test is abandoned), and their memory goes at the
 * teardown's fx_free or at exit.
 */
static struct fixture *live[16], *abandoned[16];

static void track(struct fixture **set, struct fixture *f, bool add)
{
	for (size_t i = 0; i < 16; i++)
		if (add ? !set[i] : set[i] == f) {
			set[i] = add ? f : NULL;
			return;
		}
}

static void free_abandoned(void)
{
	for (size_t i = 0; i < 16; i++)
		free(abandoned[i]), abandoned[i] = NULL;
}

static bool on_pg(void)
{
	const char *e = getenv("GD_TEST_ENGINE");
	return e && strcmp(e, "pg") == 0;
}

/* Runs SQL on the cluster's "postgres" database (schemas of the fixtures). */
static void pg_admin(const char *sql)
{
	char conninfo[400];
	snprintf(conninfo, sizeof conninfo, "host=%s user=postgres dbname=postgres", getenv("GD_PG_DIR"));
	PGconn *c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("PostgreSQL at GD_PG_DIR: %s", PQerrorMessage(c));
	PQclear(PQexec(c, "SET client_min_messages = warning")); /* no "drop cascades to" notices */
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}

static void pg_schema(const struct fixture *f, char *out, size_t n)
{
	snprintf(out, n, "fx_%d_%s", (int)getpid(), strrchr(f->dir, '-') + 1);
	for (char *p = out; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
}

/* Removes what a fixture holds outside memory: its folder, its schema. */
static void fx_free_files(const struct fixture *f)
{
	if (strncmp(f->path, "postgresql://", 13) == 0) {
		char schema[64], sql[100];
		pg_schema(f, schema, sizeof schema);
		snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", schema);
		pg_admin(sql);
	}
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
}

void fx_sqlite_only(const char *path)
{
	if (strncmp(path, "postgresql://", 13) != 0)
		return;
	static bool registered;
	if (!registered && atexit(free_abandoned) == 0)
		registered = true;
	for (size_t i = 0; i < 16; i++) {
		struct fixture *f = live[i];
		if (!f)
			continue;
		gd_actor_close(f->a);
		gd_vault_close(f->v);
		f->a = NULL, f->v = NULL;
		track(abandoned, f, true);
		fx_free_files(f);
		live[i] = NULL;
	}
	print_message("skipped on PostgreSQL: the test reads or alters the vault's SQLite file\n");
	skip();
}

static void open_all(struct fixture *f)
{
	gd_vault_options o = GD_VAULT_OPTIONS_INIT;
	o.now = FIXED_NOW;
	if (strncmp(f->path, "postgresql://", 13) == 0)
		o.key_path = f->key;
	GD_OK_OR_FAIL(gd_vault_open(&f->v, f->path, &o));
	GD_OK_OR_FAIL(gd_actor_open(&f->a, f->v, "acme", "test:unit"));
}

struct fixture *fx_new(void)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	snprintf(f->dir, sizeof f->dir, "%s/gdtest-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof f->path, "%s/vault.db", f->dir);
	snprintf(f->key, sizeof f->key, "%s/vault.db.key", f->dir);
	gd_vault_options o = GD_VAULT_OPTIONS_INIT;
	o.now = FIXED_NOW;
	if (on_pg()) {
		char schema[64], sql[100];
		pg_schema(f, schema, sizeof schema);
		snprintf(sql, sizeof sql, "CREATE SCHEMA %s", schema);
		pg_admin(sql);
		snprintf(f->path, sizeof f->path, "postgresql://postgres@/postgres?host=%s&options=-csearch_path%%3D%s",
		         getenv("GD_PG_DIR"), schema);
		o.key_path = f->key;
	}
	track(live, f, true);
	GD_OK_OR_FAIL(gd_vault_init(f->path, &o));
	GD_OK_OR_FAIL(gd_vault_open(&f->v, f->path, &o));
	GD_OK_OR_FAIL(gd_tenant_create(f->v, "acme", "33"));
	gd_vault_close(f->v);
	f->v = NULL;
	open_all(f);
	return f;
}

void fx_reopen(struct fixture *f)
{
	gd_actor_close(f->a);
	gd_vault_close(f->v);
	f->a = NULL, f->v = NULL;
	open_all(f);
}

void fx_free(struct fixture *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < 16; i++)
		if (abandoned[i] == f) { /* closed when its test was skipped */
			abandoned[i] = NULL;
			free(f);
			return;
		}
	track(live, f, false);
	gd_actor_close(f->a);
	gd_vault_close(f->v);
	fx_free_files(f);
	free(f);
}

unsigned char *read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	*len = 0;
	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	unsigned char *buf = malloc(n > 0 ? (size_t)n : 1);
	if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	if (buf)
		*len = (size_t)n;
	return buf;
}

bool file_contains(const char *path, const void *needle, size_t n)
{
	size_t len;
	fx_sqlite_only(path);
	unsigned char *buf = read_file(path, &len);
	bool found = false;
	for (size_t i = 0; buf && n && i + n <= len && !found; i++)
		found = memcmp(buf + i, needle, n) == 0;
	free(buf);
	return found;
}

sqlite3 *audit_db_open(const char *path)
{
	sqlite3 *db;
	char err[512];
	fx_sqlite_only(path);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (audit_table_load(db, err, sizeof err) != SQLITE_OK)
		fail_msg("%s", err);
	return db;
}

void audit_db_close(sqlite3 *db)
{
	char err[512];
	if (audit_table_changed(db) && audit_table_store(db, err, sizeof err) != SQLITE_OK)
		fail_msg("%s", err);
	sqlite3_close(db);
}

static void run(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
}

void db_exec(const char *path, const char *stmt)
{
	sqlite3 *db = audit_db_open(path);
	run(db, stmt);
	audit_db_close(db);
}

int64_t db_count(const char *path, const char *query)
{
	sqlite3 *db = audit_db_open(path);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, query, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	audit_db_close(db);
	return n;
}

long fault_loop_run(const struct fault_loop *l)
{
	for (long n = 1;; n++) {
		if (l->max > 0 && n > l->max)
			fail_msg("still meeting fault points after %ld runs", l->max);
		if (l->before)
			l->before(l->ud);
		gd__fault_arm(n);
		int rc = l->op(l->ud);
		bool fired = gd__fault_fired();
		gd__fault_arm(0);
		if (!fired) {
			if (rc != l->expect)
				fail_msg("run without fault: %d (%s), expected %d: %s", rc, gd_error_name(rc), l->expect,
				         gd_error_last());
			return n - 1;
		}
		if (rc >= 0)
			fail_msg("fault %ld fired but the operation returned %d", n, rc);
		if (l->check)
			l->check(l->ud, n, rc);
	}
}
