/*
 * helpers.c — fixtures for the unit tests. With GD_TEST_ENGINE=pg (the pg:
 * copies of the unit tests, tests/CMakeLists.txt) each fixture's vault is a
 * schema of its own in the database of the cluster at GD_PG_DIR, dropped by
 * fx_free. The SQL helpers (db_exec, db_count, db_rows, db_blob) run on
 * either engine: on PostgreSQL over libpq, with the audit blocks decoded into
 * a TEMP table `audit` when a statement names it, and written back as blocks
 * when the statement changed it. fx_contains searches what the vault left in
 * files: the SQLite file and its WAL, or the PostgreSQL relation files of the
 * fixture's schema, the cluster's WAL and its log. A test about SQLite alone
 * (its WAL, its VFS, its file format) skips itself there with the reason
 * (fx_sqlite_only).
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "lib/audit/audit.h"
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

bool fx_on_pg(void)
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

void fx_sqlite_only(const char *path, const char *why)
{
	if (path ? strncmp(path, "postgresql://", 13) != 0 : !fx_on_pg())
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
	print_message("skipped on PostgreSQL: %s\n", why);
	skip();
}

const char *fx_key_for(const char *path)
{
	for (size_t i = 0; strncmp(path, "postgresql://", 13) == 0 && i < 16; i++)
		if (live[i] && strcmp(live[i]->path, path) == 0)
			return live[i]->key;
	return NULL;
}

gd_actor *fx_second_actor(const struct fixture *f, gd_vault **v, const char *principal)
{
	gd_vault_options o = GD_VAULT_OPTIONS_INIT;
	gd_actor *a;
	o.key_path = fx_key_for(f->path);
	GD_OK_OR_FAIL(gd_vault_open(v, f->path, &o));
	GD_OK_OR_FAIL(gd_actor_open(&a, *v, "acme", principal));
	return a;
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
	if (fx_on_pg()) {
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
	unsigned char *buf = read_file(path, &len);
	bool found = false;
	for (size_t i = 0; buf && n && i + n <= len && !found; i++)
		found = memcmp(buf + i, needle, n) == 0;
	free(buf);
	return found;
}

static bool is_url(const char *path)
{
	return strncmp(path, "postgresql://", 13) == 0;
}

const char *fx_sql(const char *sqlite, const char *pg)
{
	return fx_on_pg() ? pg : sqlite;
}

/* ---- SQLite ---------------------------------------------------------------- */

sqlite3 *audit_db_open(const char *path)
{
	sqlite3 *db;
	char err[512];
	fx_sqlite_only(path, "the test edits the SQLite file through the SQLite API");
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

/* Runs `sql` (one statement when a blob is bound to its `?`), calling `row` per row with its text. */
static bool names_audit(const char *sql);

static void sqlite_run(const char *path, const char *sql, const void *blob, size_t n, db_row_fn *row, void *ud)
{
	sqlite3 *db;
	if (names_audit(sql)) {
		db = audit_db_open(path);
	} else {
		/* No library call (their fault points may be armed: test_rights's op_ack). */
		assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	}
	const char *tail = sql;
	while (tail && *tail) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(db, tail, -1, &st, &tail) != SQLITE_OK)
			fail_msg("%s: %s", sql, sqlite3_errmsg(db));
		if (!st)
			break;
		if (blob)
			sqlite3_bind_blob(st, 1, blob, (int)n, SQLITE_TRANSIENT);
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			int nc = sqlite3_column_count(st);
			const char *vals[32] = {0};
			size_t lens[32] = {0};
			assert_true(nc <= 32);
			for (int c = 0; c < nc; c++) {
				vals[c] = sqlite3_column_type(st, c) == SQLITE_BLOB ? sqlite3_column_blob(st, c)
				                                                    : (const char *)sqlite3_column_text(st, c);
				lens[c] = (size_t)sqlite3_column_bytes(st, c);
			}
			if (row)
				row(ud, nc, vals, lens);
		}
		if (rc != SQLITE_DONE)
			fail_msg("%s: %s", sql, sqlite3_errmsg(db));
		sqlite3_finalize(st);
	}
	audit_db_close(db);
}

/* ---- PostgreSQL -------------------------------------------------------------- */

static PGresult *pg_ok(PGconn *c, PGresult *r, const char *what)
{
	ExecStatusType s = PQresultStatus(r);
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
		fail_msg("%s: %s", what, PQresultErrorMessage(r));
	return r;
}

static void pg_do(PGconn *c, const char *sql)
{
	PQclear(pg_ok(c, PQexec(c, sql), sql));
}

/* True when `sql` names the table `audit` (not audit_blocks, audit_checkpoints). */
static bool names_audit(const char *sql)
{
	for (const char *p = sql; (p = strstr(p, "audit")); p += 5) {
		bool before = p == sql || !(p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z'));
		bool after = !(p[5] == '_' || (p[5] >= 'a' && p[5] <= 'z'));
		if (before && after)
			return true;
	}
	return false;
}

#define AUDIT_COLUMNS "tenant_id, seq, at, principal, action, purpose, subject, record_id, category, outcome, reason, hash, lane"

/* The trail decoded into TEMP table `audit` (found before the vault's tables: pg_temp comes first). */
static void pg_audit_load(PGconn *c)
{
	pg_do(c, "CREATE TEMP TABLE audit (tenant_id BIGINT NOT NULL, seq BIGINT NOT NULL, at BIGINT NOT NULL,"
	         " principal TEXT NOT NULL, action TEXT NOT NULL, purpose TEXT, subject TEXT, record_id BIGINT,"
	         " category TEXT, outcome BIGINT NOT NULL, reason TEXT, hash BYTEA NOT NULL,"
	         " lane BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (tenant_id, lane, seq)) ON COMMIT DROP");
	PGresult *b = pg_ok(c,
	                    PQexecParams(c, "SELECT tenant_id::text, lane::text, body FROM audit_blocks"
	                                    " ORDER BY tenant_id, lane, first_seq",
	                                 0, NULL, NULL, NULL, NULL, 1),
	                    "reading the audit blocks");
	struct gd__audit_reader r = {0};
	for (int i = 0; i < PQntuples(b); i++) {
		struct gd__audit_entry e = {.tenant_id = strtoll(PQgetvalue(b, i, 0), NULL, 10),
		                            .lane = strtoll(PQgetvalue(b, i, 1), NULL, 10)};
		const unsigned char *h;
		int rc = gd__audit_reader_start(&r, PQgetvalue(b, i, 2), (size_t)PQgetlength(b, i, 2));
		while (rc == 0 && (rc = gd__audit_reader_next(&r, &e, &h)) == 1) {
			char nums[6][24];
			snprintf(nums[0], 24, "%lld", (long long)e.tenant_id);
			snprintf(nums[1], 24, "%lld", (long long)e.seq);
			snprintf(nums[2], 24, "%lld", (long long)e.at);
			snprintf(nums[3], 24, "%lld", (long long)e.record_id);
			snprintf(nums[4], 24, "%d", e.outcome);
			snprintf(nums[5], 24, "%lld", (long long)e.lane);
			const char *v[13] = {nums[0], nums[1], nums[2], e.principal, e.action, e.purpose, e.subject,
			                     nums[3], e.category, nums[4], e.reason, (const char *)h, nums[5]};
			int lens[13] = {[11] = 32}, fmts[13] = {[11] = 1};
			PQclear(pg_ok(c,
			              PQexecParams(c, "INSERT INTO pg_temp.audit (" AUDIT_COLUMNS ") VALUES ($1, $2, $3, $4, $5,"
			                              " $6, $7, $8, $9, $10, $11, $12, $13)",
			                           13, NULL, v, lens, fmts, 0),
			              "loading the audit table"));
			rc = 0;
		}
		if (rc < 0)
			fail_msg("a block of tenant %lld does not decode", (long long)e.tenant_id);
	}
	gd__audit_reader_free(&r);
	PQclear(b);
}

static char *pg_audit_digest(PGconn *c)
{
	PGresult *r = pg_ok(c,
	                    PQexec(c, "SELECT count(*) || ':' || coalesce(md5(string_agg(a::text, '|'"
	                              " ORDER BY tenant_id, lane, seq)), '') FROM pg_temp.audit a"),
	                    "digest of the audit table");
	char *d = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return d;
}

static void pg_block_write(PGconn *c, struct gd__audit_block *b)
{
	if (!b->n)
		return;
	char nums[4][24];
	snprintf(nums[0], 24, "%lld", (long long)b->tenant_id);
	snprintf(nums[1], 24, "%lld", (long long)b->lane);
	snprintf(nums[2], 24, "%lld", (long long)b->first_seq);
	snprintf(nums[3], 24, "%lld", (long long)b->last_seq);
	const char *v[5] = {nums[0], nums[1], nums[2], nums[3], (const char *)b->buf};
	int lens[5] = {[4] = (int)b->len}, fmts[5] = {[4] = 1};
	PQclear(pg_ok(c,
	              PQexecParams(c, "INSERT INTO audit_blocks (tenant_id, lane, first_seq, last_seq, body)"
	                              " VALUES ($1, $2, $3, $4, $5)",
	                           5, NULL, v, lens, fmts, 0),
	              "writing an audit block"));
	gd__audit_block_reset(b);
}

/*
 * The TEMP table written back as blocks, in place of every block: a block per
 * chain up to the size gardien cuts at. Hashes are copied as they are (one of
 * the wrong size becomes zeros, as the format-1 conversion does).
 */
static void pg_audit_store(PGconn *c)
{
	pg_do(c, "DELETE FROM audit_blocks");
	PGresult *r = pg_ok(c, PQexec(c, "SELECT " AUDIT_COLUMNS " FROM pg_temp.audit ORDER BY tenant_id, lane, seq"),
	                    "reading the audit table");
	struct gd__audit_block b = {0};
	for (int i = 0; i < PQntuples(r); i++) {
#define TXT(col) (PQgetisnull(r, i, col) ? NULL : PQgetvalue(r, i, col))
		struct gd__audit_entry e = {.tenant_id = strtoll(PQgetvalue(r, i, 0), NULL, 10),
		                            .seq = strtoll(PQgetvalue(r, i, 1), NULL, 10),
		                            .at = strtoll(PQgetvalue(r, i, 2), NULL, 10),
		                            .principal = TXT(3),
		                            .action = TXT(4),
		                            .purpose = TXT(5),
		                            .subject = TXT(6),
		                            .record_id = strtoll(PQgetvalue(r, i, 7), NULL, 10), /* "" when NULL */
		                            .category = TXT(8),
		                            .outcome = (int)strtol(PQgetvalue(r, i, 9), NULL, 10),
		                            .reason = TXT(10),
		                            .lane = strtoll(PQgetvalue(r, i, 12), NULL, 10)};
#undef TXT
		unsigned char hash[32] = {0};
		size_t n = 0;
		unsigned char *h = PQunescapeBytea((const unsigned char *)PQgetvalue(r, i, 11), &n);
		if (h && n == sizeof hash)
			memcpy(hash, h, n);
		PQfreemem(h);
		if (b.n && (b.tenant_id != e.tenant_id || b.lane != e.lane || b.len >= GD__AUDIT_BLOCK_BYTES))
			pg_block_write(c, &b);
		if (gd__audit_block_add(&b, &e, hash) < 0)
			fail_msg("%s", gd_error_last());
	}
	pg_block_write(c, &b);
	gd__audit_block_free(&b);
	PQclear(r);
}

/* Runs `sql` on the vault at `url` as the SQLite side does (sqlite_run); `?` is the blob's placeholder. */
static void pg_run(const char *url, const char *sql, const void *blob, size_t n, db_row_fn *row, void *ud)
{
	PGconn *c = PQconnectdb(url);
	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("%s: %s", url, PQerrorMessage(c));
	pg_do(c, "SET client_min_messages = warning");
	pg_do(c, "BEGIN");
	bool audit = names_audit(sql);
	char *before = NULL;
	if (audit) {
		pg_audit_load(c);
		before = pg_audit_digest(c);
	}
	PGresult *r;
	if (blob) {
		char q[4096];
		const char *mark = strchr(sql, '?');
		assert_non_null(mark);
		snprintf(q, sizeof q, "%.*s$1%s", (int)(mark - sql), sql, mark + 1);
		const char *v[1] = {blob};
		int lens[1] = {(int)n}, fmts[1] = {1};
		r = PQexecParams(c, q, 1, NULL, v, lens, fmts, 1);
	} else {
		r = PQexec(c, sql);
	}
	pg_ok(c, r, sql);
	for (int i = 0; row && i < PQntuples(r); i++) {
		int nc = PQnfields(r);
		const char *vals[32] = {0};
		size_t lens[32] = {0};
		unsigned char *bytes[32] = {0};
		assert_true(nc <= 32);
		for (int col = 0; col < nc; col++) {
			if (PQgetisnull(r, i, col))
				continue;
			vals[col] = PQgetvalue(r, i, col);
			lens[col] = (size_t)PQgetlength(r, i, col);
			if (PQftype(r, col) == 17 /* bytea: bytes, as from SQLite */) {
				unsigned char *b = PQunescapeBytea((const unsigned char *)vals[col], &lens[col]);
				assert_non_null(b);
				/* NUL-ended, as SQLite's are: meta's values are digits read as numbers. */
				bytes[col] = malloc(lens[col] + 1);
				assert_non_null(bytes[col]);
				memcpy(bytes[col], b, lens[col]);
				bytes[col][lens[col]] = 0;
				PQfreemem(b);
				vals[col] = (const char *)bytes[col];
			}
		}
		row(ud, nc, vals, lens);
		for (int col = 0; col < nc; col++)
			free(bytes[col]);
	}
	PQclear(r);
	if (audit) {
		char *after = pg_audit_digest(c);
		if (strcmp(before, after) != 0)
			pg_audit_store(c);
		free(after);
		free(before);
	}
	pg_do(c, "COMMIT");
	PQfinish(c);
}

static void run(const char *path, const char *sql, const void *blob, size_t n, db_row_fn *row, void *ud)
{
	(is_url(path) ? pg_run : sqlite_run)(path, sql, blob, n, row, ud);
}

void db_exec(const char *path, const char *stmt)
{
	run(path, stmt, NULL, 0, NULL, NULL);
}

void db_exec_blob(const char *path, const char *stmt, const void *blob, size_t n)
{
	run(path, stmt, blob, n, NULL, NULL);
}

void db_rows(const char *path, const char *query, db_row_fn *row, void *ud)
{
	run(path, query, NULL, 0, row, ud);
}

void db_set_format(const char *path, int format)
{
	char q[120];
	/* meta's values are bytes; PostgreSQL's BYTEA takes no number as such. */
	snprintf(q, sizeof q,
	         is_url(path) ? "UPDATE meta SET value = convert_to('%d', 'UTF8') WHERE key = 'format'"
	                      : "UPDATE meta SET value = %d WHERE key = 'format'",
	         format);
	db_exec(path, q);
}

struct first {
	bool seen;
	int64_t n;
	unsigned char *blob;
	size_t len;
};

static void first_int(void *ud, int n, const char *const *vals, const size_t *lens)
{
	struct first *f = ud;
	(void)lens;
	if (!f->seen && n > 0) {
		f->seen = true;
		f->n = !vals[0] ? 0 : strcmp(vals[0], "t") == 0 ? 1
		              : strcmp(vals[0], "f") == 0       ? 0
		                                                : strtoll(vals[0], NULL, 10);
	}
}

int64_t db_count(const char *path, const char *query)
{
	struct first f = {0};
	db_rows(path, query, first_int, &f);
	if (!f.seen)
		fail_msg("no row: %s", query);
	return f.n;
}

static void first_blob(void *ud, int n, const char *const *vals, const size_t *lens)
{
	struct first *f = ud;
	if (!f->seen && n > 0 && vals[0]) {
		f->seen = true;
		f->blob = malloc(lens[0] ? lens[0] : 1);
		assert_non_null(f->blob);
		memcpy(f->blob, vals[0], lens[0]);
		f->len = lens[0];
	}
}

unsigned char *db_blob(const char *path, const char *query, size_t *len)
{
	struct first f = {0};
	db_rows(path, query, first_blob, &f);
	if (!f.seen)
		fail_msg("no blob: %s", query);
	*len = f.len;
	return f.blob;
}

int db_try(const char *path, const char *stmt, char *err, size_t cap)
{
	int rc = 0;
	*err = 0;
	if (is_url(path)) {
		PGconn *c = PQconnectdb(path);
		if (PQstatus(c) != CONNECTION_OK)
			fail_msg("%s: %s", path, PQerrorMessage(c));
		PGresult *r = PQexec(c, stmt);
		if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
			snprintf(err, cap, "%s", PQresultErrorMessage(r));
			rc = -1;
		}
		PQclear(r);
		PQfinish(c);
		return rc;
	}
	sqlite3 *db;
	char *msg = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, stmt, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, cap, "%s", msg ? msg : sqlite3_errmsg(db));
		rc = -1;
	}
	sqlite3_free(msg);
	sqlite3_close(db);
	return rc;
}

static void add_table(void *ud, int n, const char *const *vals, const size_t *lens)
{
	(void)lens;
	struct fx_state *st = ud;
	char q[300];
	assert_true(n == 1 && vals[0]);
	snprintf(q, sizeof q,
	         "SELECT '%s ' || count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') || ';'"
	         " FROM %s t",
	         vals[0], vals[0]);
	assert_true(st->n < sizeof st->tables / sizeof *st->tables);
	snprintf(st->tables[st->n++], sizeof st->tables[0], "%s", q);
}

static void add_digest(void *ud, int n, const char *const *vals, const size_t *lens)
{
	struct fx_state *st = ud;
	(void)n;
	unsigned char *p = realloc(st->bytes, st->len + lens[0]);
	assert_non_null(p);
	memcpy(p + st->len, vals[0], lens[0]);
	st->bytes = p;
	st->len += lens[0];
}

void fx_state_take(const struct fixture *f, struct fx_state *st)
{
	memset(st, 0, sizeof *st);
	if (!is_url(f->path)) {
		st->bytes = read_file(f->path, &st->len);
		assert_non_null(st->bytes);
		return;
	}
	db_rows(f->path, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1", add_table,
	        st);
	for (size_t i = 0; i < st->n; i++)
		db_rows(f->path, st->tables[i], add_digest, st);
}

void fx_state_free(struct fx_state *st)
{
	free(st->bytes);
	st->bytes = NULL;
}

/* ---- files ------------------------------------------------------------------- */

/* Each file under `dir` (recursively) searched for the needle. */
static bool dir_contains(const char *dir, const void *needle, size_t n)
{
	char cmd[600];
	if ((size_t)snprintf(cmd, sizeof cmd, "find '%s' -type f 2>/dev/null", dir) >= sizeof cmd)
		fail_msg("path too long: %s", dir);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char line[1024];
	bool found = false;
	while (!found && fgets(line, sizeof line, p)) {
		line[strcspn(line, "\n")] = 0;
		found = file_contains(line, needle, n);
	}
	pclose(p);
	return found;
}

#define MAX_RELATIONS 1024
static char relations[MAX_RELATIONS][64];
static int nrelations;

static void add_path(void *ud, int n, const char *const *vals, const size_t *lens)
{
	(void)ud, (void)lens;
	if (nrelations == MAX_RELATIONS)
		fail_msg("more than %d relation files", MAX_RELATIONS);
	if (n > 0 && vals[0])
		snprintf(relations[nrelations++], sizeof relations[0], "%s", vals[0]);
}

/* Searches the relation files of the fixture's schema that `query` lists. */
static bool relations_contain(const struct fixture *f, const char *query, const void *needle, size_t n)
{
	char p[600];
	nrelations = 0;
	db_rows(f->path, query, add_path, NULL);
	for (int i = 0; i < nrelations; i++) {
		/* A relation over 1 GiB goes on in files .1, .2 …: none in these tests. */
		if ((size_t)snprintf(p, sizeof p, "%s/data/%s", getenv("GD_PG_DIR"), relations[i]) >= sizeof p)
			fail_msg("path too long: %s", p);
		if (file_contains(p, needle, n))
			return true;
	}
	return false;
}

bool fx_contains(const struct fixture *f, const void *needle, size_t n)
{
	char p[600];
	if (!is_url(f->path)) {
		snprintf(p, sizeof p, "%s-wal", f->path);
		return file_contains(f->path, needle, n) || file_contains(p, needle, n);
	}
	if (fx_tables_contain(f, needle, n))
		return true;
	snprintf(p, sizeof p, "%s/data/pg_wal", getenv("GD_PG_DIR"));
	if (dir_contains(p, needle, n))
		return true;
	snprintf(p, sizeof p, "%s/log", getenv("GD_PG_DIR"));
	return file_contains(p, needle, n);
}

bool fx_tables_contain(const struct fixture *f, const void *needle, size_t n)
{
	if (!is_url(f->path))
		return fx_contains(f, needle, n);
	/* What the server holds in memory goes to the files first. */
	char err[200];
	if (db_try(f->path, "CHECKPOINT", err, sizeof err) < 0)
		fail_msg("CHECKPOINT: %s", err);
	return relations_contain(f,
	                         "WITH t AS (SELECT c.oid, c.reltoastrelid FROM pg_class c"
	                         "  WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'i'))"
	                         " SELECT pg_relation_filepath(oid) FROM t"
	                         " UNION SELECT pg_relation_filepath(reltoastrelid) FROM t WHERE reltoastrelid <> 0"
	                         " UNION SELECT pg_relation_filepath(indexrelid) FROM pg_index"
	                         "  WHERE indrelid IN (SELECT reltoastrelid FROM t)",
	                         needle, n);
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
