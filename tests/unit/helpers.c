/* helpers.c — fixtures for the unit tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "audit_table.h"
#include "helpers.h"
#include "util/core.h"

#define FIXED_NOW 1767225600 /* 2026-01-01T00:00:00Z */

static void open_all(struct fixture *f)
{
	gd_vault_options o = GD_VAULT_OPTIONS_INIT;
	o.now = FIXED_NOW;
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
	gd_actor_close(f->a);
	gd_vault_close(f->v);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
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
