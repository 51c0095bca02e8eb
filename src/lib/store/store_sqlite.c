/*
 * store_sqlite.c — the SQLite storage engine (the default, embedded).
 *
 * The database runs in WAL mode, every commit durable before it returns (see
 * sq_commit), and secure_delete=ON (deleted content is overwritten, so an erased subject's
 * wrapped key leaves no trace in the file). Its schema is the set of files
 * src/lib/store/sqlite/NN-name.sql, compiled in, applied in name order on every open; each
 * uses CREATE … IF NOT EXISTS so that opening an older vault adds new tables.
 */
#include <assert.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/internal.h"
#include "lib/store/sqlite_vfs.h"

struct cached {
	char *sql;
	uint64_t hash;
	sqlite3_stmt *stmt;
};

#define FAST_SLOTS 512

struct fast_entry {
	const char *sql; /* address of the caller's literal */
	sqlite3_stmt *stmt;
};

/*
 * A counter as this transaction sees it: read once (under the write lock that
 * BEGIN IMMEDIATE took, so no other connection moves it meanwhile), handed out
 * from memory, and written back by the commit, in the transaction. A rollback
 * forgets it; a rollback to a savepoint keeps it (the ids it gave are skipped).
 */
struct counter {
	bool loaded;
	int64_t stored; /* the value in the table */
	int64_t next;   /* the next id to give */
};

struct sqlite_store {
	gd__store base;
	sqlite3 *db;
	struct fast_entry fast[FAST_SLOTS];
	struct cached *cache; /* open addressing, `cap` slots, power of two */
	size_t cap, used;
	struct counter counters[GD__COUNTERS];
	/* Between a BEGIN and its COMMIT or the transaction layer's ROLLBACK: if
	 * SQLite is in autocommit then, it rolled the transaction back by itself
	 * (lost_tx). */
	bool in_tx;
	sqlite3_stmt *rollback; /* "ROLLBACK", prepared once (drop_tx) */
};

/* How long a statement waits for another connection's lock before GD_EBUSY. */
#define BUSY_TIMEOUT_MS 5000

struct gd__stmt; /* a gd__stmt * is a sqlite3_stmt * */
#define ST(x) ((sqlite3_stmt *)(void *)(x))
#define DB(s) (((struct sqlite_store *)(s))->db)

static int map_error(sqlite3 *db, int rc)
{
	int code;
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		code = rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY ? GD_EEXISTS
		                                                                            : GD_ERROR;
		break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED: code = GD_EBUSY; break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB: code = GD_ECORRUPT; break;
	case SQLITE_NOMEM: code = GD_ENOMEM; break;
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY: code = GD_EIO; break;
	default: code = GD_ERROR; break;
	}
	if (code == GD_ECORRUPT)
		return gd__err(code, "the vault database is damaged or not a gardien vault (%s)",
		               sqlite3_errstr(rc));
	return gd__err(code, "storage: %s", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

/*
 * SQLite rolls a whole transaction back by itself on some errors (an I/O
 * error, a full disk, out of memory, in a statement without a statement
 * journal) and goes on in autocommit. A caller's batch must not go on then:
 * its next savepoint would open a transaction of its own and commit half a
 * batch. So every statement checks, while a transaction should be open, that
 * it still is, and fails until the transaction layer rolls back.
 */
static int lost_tx(struct sqlite_store *s)
{
	if (!s->in_tx || !sqlite3_get_autocommit(s->db))
		return 0;
	return gd__err(GD_EIO, "storage: the database rolled the transaction back after an error"
	                       " (disk full or I/O error): roll the batch back and retry");
}

static int exec_sql(sqlite3 *db, const char *sql)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : map_error(db, rc);
}

static uint64_t hash_sql(const char *s)
{
	uint64_t h = 1469598103934665603u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

static void sq_close(gd__store *st)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	if (!s)
		return;
	for (size_t i = 0; s->cache && i < s->cap; i++) {
		if (s->cache[i].sql) {
			sqlite3_finalize(s->cache[i].stmt);
			gd__free(s->cache[i].sql);
		}
	}
	gd__free(s->cache);
	sqlite3_finalize(s->rollback);
	sqlite3_close_v2(s->db);
	gd__free(s);
}

static int apply_schema(sqlite3 *db)
{
	for (const struct gd__embedded *e = gd__embedded_files; e->name; e++) {
		if (strncmp(e->name, "src/lib/store/sqlite/", 21) != 0)
			continue;
		int rc = exec_sql(db, e->data);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

/*
 * Before SQLite's first use in the process: no memory statistics, whose upkeep
 * (a global mutex around every allocation) cost 10% of a put. It only fails if
 * the application initialised SQLite itself, which then keeps its own choice.
 * Vaults are opened through gardien's VFS (sqlite_vfs.c).
 */
static int vfs_rc = SQLITE_ERROR;

static void sqlite_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	vfs_rc = gd__vfs_register();
}

static int sq_open(gd__store **out, const char *path, bool create, unsigned flags)
{
	*out = NULL;
	if (gd__fault_point())
		return gd__err(GD_EIO, "storage failure (injected)");
	if (!create && access(path, F_OK) != 0)
		return gd__err(GD_ENOTFOUND, "no vault at %s: create one with 'gardien init'", path);
	struct sqlite_store *s = gd__calloc(1, sizeof *s);
	if (!s)
		return GD_ENOMEM;
	s->base.engine = &gd__sqlite_engine;
	s->cap = 256;
	s->cache = gd__calloc(s->cap, sizeof *s->cache);
	pthread_once(&sqlite_once, sqlite_setup);
	int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
	if (vfs_rc != SQLITE_OK) {
		sq_close(&s->base);
		return gd__err(GD_ERROR, "cannot set up gardien's SQLite file layer: %s", sqlite3_errstr(vfs_rc));
	}
	int rc = s->cache ? sqlite3_open_v2(path, &s->db, oflags,
	                                    flags & GD__STORE_ORDERED_WRITES ? GD__VFS_ORDERED_NAME : GD__VFS_NAME)
	                  : SQLITE_NOMEM;
	if (rc != SQLITE_OK) {
		rc = map_error(s->db, rc);
		goto fail;
	}
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(s->db, 1);
	/* Reads through a read-only map of the file (up to 2 GiB) skip a copy and a
	 * system call per page; writes still go through the WAL. The page cache then
	 * mostly holds a transaction's dirty pages: a small one keeps its look-ups
	 * cheap (64 MiB cost 5% of a find + read at 1M records). */
	rc = exec_sql(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
	                     "PRAGMA secure_delete=ON; PRAGMA foreign_keys=OFF;"
	                     "PRAGMA cache_size=-8192; PRAGMA temp_store=MEMORY;"
	                     "PRAGMA mmap_size=2147418112;");
	if (rc < 0)
		goto fail;
	if (create) {
		rc = apply_schema(s->db);
	} else {
		/* Not ours (or damaged) unless the meta table answers. */
		rc = exec_sql(s->db, "SELECT value FROM meta WHERE key = 'format'");
		if (rc == GD_ERROR)
			rc = gd__err(GD_ECORRUPT, "%s is not a gardien vault (no meta table)", path);
		if (rc == 0)
			rc = apply_schema(s->db);
	}
	if (rc < 0)
		goto fail;
	*out = &s->base;
	return 0;
fail:
	sq_close(&s->base);
	return rc;
}

static int grow_cache(struct sqlite_store *s);

static int prepare_slow(struct sqlite_store *s, gd__stmt **out, const char *sql)
{
	uint64_t h = hash_sql(sql);
	size_t j = h & (s->cap - 1);
	for (; s->cache[j].sql; j = (j + 1) & (s->cap - 1)) {
		if (s->cache[j].hash == h && strcmp(s->cache[j].sql, sql) == 0) {
			*out = (gd__stmt *)(void *)s->cache[j].stmt;
			return 0;
		}
	}
	if (2 * (s->used + 1) > s->cap) {
		int rc = grow_cache(s);
		if (rc < 0)
			return rc;
		return prepare_slow(s, out, sql);
	}
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
	if (rc != SQLITE_OK)
		return map_error(s->db, rc);
	char *copy = gd__strdup(sql);
	if (!copy) {
		sqlite3_finalize(stmt);
		return GD_ENOMEM;
	}
	s->cache[j] = (struct cached){copy, h, stmt};
	s->used++;
	*out = (gd__stmt *)(void *)stmt;
	return 0;
}

static int grow_cache(struct sqlite_store *s)
{
	size_t ncap = s->cap * 2;
	struct cached *n = gd__calloc(ncap, sizeof *n);
	if (!n)
		return GD_ENOMEM;
	for (size_t i = 0; i < s->cap; i++) {
		if (!s->cache[i].sql)
			continue;
		size_t j = s->cache[i].hash & (ncap - 1);
		while (n[j].sql)
			j = (j + 1) & (ncap - 1);
		n[j] = s->cache[i];
	}
	gd__free(s->cache);
	s->cache = n;
	s->cap = ncap;
	return 0;
}

/*
 * Statements are looked up by the address of their text first: modules pass
 * string literals, so the address names the statement (checked in debug
 * builds), and the text is hashed only the first time.
 */
static int sq_prepare(gd__store *st, gd__stmt **out, const char *sql)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	int rc;
	if ((rc = lost_tx(s)) < 0)
		return rc;
	size_t slot = ((uintptr_t)sql >> 3) & (FAST_SLOTS - 1);
	if (s->fast[slot].sql == sql) {
		assert(strcmp(sqlite3_sql(s->fast[slot].stmt), sql) == 0);
		*out = (gd__stmt *)(void *)s->fast[slot].stmt;
	} else {
		rc = prepare_slow(s, out, sql);
		if (rc < 0)
			return rc;
		s->fast[slot] = (struct fast_entry){sql, ST(*out)};
	}
	/* Cheap when the last use already reset it (as every use should). */
	sqlite3_reset(ST(*out));
	return 0;
}

static int bind_rc(sqlite3_stmt *st, int rc)
{
	return rc == SQLITE_OK ? 0 : map_error(sqlite3_db_handle(st), rc);
}

static int sq_bind_int(gd__stmt *st, int i, int64_t v)
{
	return bind_rc(ST(st), sqlite3_bind_int64(ST(st), i, v));
}

static int sq_bind_blob(gd__stmt *st, int i, const void *p, size_t n)
{
	return bind_rc(ST(st), sqlite3_bind_blob64(ST(st), i, n ? p : "", n, SQLITE_STATIC));
}

static int sq_bind_text(gd__stmt *st, int i, const char *p)
{
	return bind_rc(ST(st), sqlite3_bind_text(ST(st), i, p, -1, SQLITE_STATIC));
}

static int sq_bind_null(gd__stmt *st, int i)
{
	return bind_rc(ST(st), sqlite3_bind_null(ST(st), i));
}

static int sq_step(gd__stmt *st)
{
	/* Writes happen inside a transaction, whose commit syncs (sq_commit). */
	assert(sqlite3_stmt_readonly(ST(st)) || !sqlite3_get_autocommit(sqlite3_db_handle(ST(st))));
	int rc = sqlite3_step(ST(st));
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	rc = map_error(sqlite3_db_handle(ST(st)), rc);
	sqlite3_reset(ST(st));
	return rc;
}

static int64_t sq_col_int(gd__stmt *st, int i)
{
	return sqlite3_column_int64(ST(st), i);
}

static const void *sq_col_blob(gd__stmt *st, int i, size_t *n)
{
	const void *p = sqlite3_column_blob(ST(st), i);
	*n = (size_t)sqlite3_column_bytes(ST(st), i);
	return p;
}

static const char *sq_col_text(gd__stmt *st, int i)
{
	return (const char *)sqlite3_column_text(ST(st), i);
}

static bool sq_col_null(gd__stmt *st, int i)
{
	return sqlite3_column_type(ST(st), i) == SQLITE_NULL;
}

static int sq_col_count(gd__stmt *st)
{
	return sqlite3_column_count(ST(st));
}

static const char *sq_col_name(gd__stmt *st, int i)
{
	return sqlite3_column_name(ST(st), i);
}

static int sq_col_type(gd__stmt *st, int i)
{
	switch (sqlite3_column_type(ST(st), i)) {
	case SQLITE_INTEGER: return GD__COL_INT;
	case SQLITE_TEXT: return GD__COL_TEXT;
	case SQLITE_NULL: return GD__COL_NULL;
	default: return GD__COL_BLOB; /* floats are never stored */
	}
}

static int sq_param_count(gd__stmt *st)
{
	return sqlite3_bind_parameter_count(ST(st));
}

/* Bindings are kept: they point at the caller's buffers (SQLITE_STATIC, no
 * copy) and every parameter is bound again before the next step. */
static void sq_reset(gd__stmt *st)
{
	sqlite3_reset(ST(st));
}

static int64_t sq_changes(gd__store *s)
{
	return sqlite3_changes64(DB(s));
}

/* Runs a cached statement that returns no row (transaction control on the hot path). */
static int run(gd__store *s, const char *sql)
{
	gd__stmt *st;
	int rc = sq_prepare(s, &st, sql);
	if (rc < 0)
		return rc;
	rc = sqlite3_step(ST(st));
	sqlite3_reset(ST(st));
	return rc == SQLITE_DONE ? 0 : map_error(DB(s), rc);
}

static void forget_counters(gd__store *s)
{
	struct sqlite_store *q = (struct sqlite_store *)s;
	for (int i = 0; i < GD__COUNTERS; i++)
		q->counters[i].loaded = false;
}

static int sq_next_id(gd__store *s, enum gd__counter counter, int64_t *out)
{
	struct counter *c = &((struct sqlite_store *)s)->counters[counter];
	int lost = lost_tx((struct sqlite_store *)s);
	if (lost < 0)
		return lost;
	if (sqlite3_get_autocommit(DB(s)))
		return gd__err(GD_ERROR, "internal: an id is taken outside a transaction");
	if (!c->loaded) {
		gd__stmt *st;
		int rc = sq_prepare(s, &st, "SELECT value FROM counters WHERE name = ?");
		if (rc < 0)
			return rc;
		sqlite3_bind_text(ST(st), 1, gd__counter_names[counter], -1, SQLITE_STATIC);
		rc = sqlite3_step(ST(st));
		if (rc == SQLITE_ROW)
			c->stored = sqlite3_column_int64(ST(st), 0);
		sqlite3_reset(ST(st));
		if (rc == SQLITE_DONE)
			return gd__err(GD_ECORRUPT, "the vault has no \"%s\" id counter", gd__counter_names[counter]);
		if (rc != SQLITE_ROW)
			return map_error(DB(s), rc);
		c->next = c->stored + 1;
		c->loaded = true;
	}
	*out = c->next++;
	return 0;
}

/* Before a commit: the counters this transaction moved, written back in it. */
static int store_counters(gd__store *s)
{
	struct sqlite_store *q = (struct sqlite_store *)s;
	for (int i = 0; i < GD__COUNTERS; i++) {
		struct counter *c = &q->counters[i];
		if (!c->loaded || c->next - 1 == c->stored)
			continue;
		gd__stmt *st;
		int rc = sq_prepare(s, &st, "UPDATE counters SET value = ? WHERE name = ?");
		if (rc < 0)
			return rc;
		sqlite3_bind_int64(ST(st), 1, c->next - 1);
		sqlite3_bind_text(ST(st), 2, gd__counter_names[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(ST(st));
		sqlite3_reset(ST(st));
		if (rc != SQLITE_DONE)
			return map_error(DB(s), rc);
		c->stored = c->next - 1;
	}
	return 0;
}

/* A WAL snapshot taken at the first read: no write lock, readers run side by side. */
static int sq_begin_read(gd__store *s)
{
	if (gd__fault_point())
		return gd__err(GD_EIO, "storage failure (injected)");
	return run(s, "BEGIN DEFERRED");
}

static int sq_exec_script(gd__store *s, const char *sql)
{
	return exec_sql(DB(s), sql);
}

static int sq_begin(gd__store *s)
{
	/* Another connection may have moved the counters since this one's last transaction. */
	forget_counters(s);
	int rc = run(s, "BEGIN IMMEDIATE");
	((struct sqlite_store *)s)->in_tx = rc == 0;
	return rc;
}
static int sq_savepoint(gd__store *s)
{
	return run(s, "SAVEPOINT op");
}
static int sq_release(gd__store *s)
{
	return run(s, "RELEASE op");
}

/* Drops the transaction; the layer above still believes it open (in_tx stays). */
static void drop_tx(gd__store *s)
{
	struct sqlite_store *q = (struct sqlite_store *)s;
	forget_counters(s);
	if (sqlite3_get_autocommit(DB(s)))
		return;
	/* Every read transaction ends here: parsing "ROLLBACK" each time was a
	 * tenth of a find + read. Prepared once, without touching the thread's
	 * error (a rollback follows a failure whose message must survive). */
	if (q->rollback || sqlite3_prepare_v3(DB(s), "ROLLBACK", -1, SQLITE_PREPARE_PERSISTENT, &q->rollback,
	                                      NULL) == SQLITE_OK) {
		int rc = sqlite3_step(q->rollback);
		sqlite3_reset(q->rollback);
		if (rc == SQLITE_DONE)
			return;
	}
	sqlite3_exec(DB(s), "ROLLBACK", NULL, NULL, NULL);
}

static void sq_rollback(gd__store *s)
{
	drop_tx(s);
	((struct sqlite_store *)s)->in_tx = false;
}

static void sq_rollback_to(gd__store *s)
{
	/* Cannot unwind one operation: drop the whole transaction, which makes
	 * the batch's next statement fail (lost_tx) until the batch rolls back. */
	if (run(s, "ROLLBACK TO op") < 0 || run(s, "RELEASE op") < 0)
		drop_tx(s);
}

/*
 * Commits run with synchronous=NORMAL and then sync the WAL themselves before
 * returning: as durable as synchronous=FULL, but an erasure's commit can leave
 * its sync to the checkpoint that follows it (below).
 */
static int sync_wal(gd__store *s)
{
	sqlite3_file *wal = NULL;
	int rc = sqlite3_file_control(DB(s), "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal);
	if (rc == SQLITE_OK && wal && wal->pMethods)
		rc = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
	return rc == SQLITE_OK ? 0 : map_error(DB(s), rc);
}

static int sq_commit(gd__store *s)
{
	int rc = store_counters(s);
	if (rc == 0)
		rc = run(s, "COMMIT");
	if (rc < 0)
		return rc;
	((struct sqlite_store *)s)->in_tx = false;
	return sync_wal(s);
}

/*
 * An erasure's commit is followed by a TRUNCATE checkpoint: it copies the WAL
 * into the database (whose deleted cells secure_delete has overwritten) and
 * empties the WAL, so no old page image of the erased rows remains. The
 * checkpoint syncs the WAL before anything else, which makes the commit
 * durable. If a reader blocks it, the WAL is synced here instead and the scrub
 * is retried at the next commit, which does not wait for readers: a long read
 * must not hold up every write after an erasure.
 */
static int sq_commit_erasure(gd__store *s, bool wait, bool *scrubbed)
{
	int log = 0, done = 0;
	*scrubbed = false;
	int rc = store_counters(s);
	if (rc == 0)
		rc = run(s, "COMMIT");
	if (rc < 0)
		return rc;
	((struct sqlite_store *)s)->in_tx = false;
	if (!wait)
		sqlite3_busy_timeout(DB(s), 0);
	*scrubbed = sqlite3_wal_checkpoint_v2(DB(s), NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done) == SQLITE_OK;
	if (!wait)
		sqlite3_busy_timeout(DB(s), BUSY_TIMEOUT_MS);
	return *scrubbed ? 0 : sync_wal(s);
}

static int sq_has_table(gd__store *s, const char *name)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(DB(s), "SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?",
	                            -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	int ret = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0
	                                                   : map_error(DB(s), rc);
	sqlite3_finalize(st);
	return ret;
}

static int sq_backup(gd__store *s, const char *dest)
{
	sqlite3 *out = NULL;
	int rc = sqlite3_open_v2(dest, &out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_backup *b = sqlite3_backup_init(out, "main", DB(s), "main");
		if (!b) {
			rc = sqlite3_errcode(out);
		} else {
			rc = sqlite3_backup_step(b, -1);
			sqlite3_backup_finish(b);
			rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		}
	}
	int ret = rc == SQLITE_OK ? 0 : map_error(out, rc);
	sqlite3_close_v2(out);
	return ret;
}

const struct gd__store_engine gd__sqlite_engine = {
	.name = "sqlite",
	.atomic_statements = true,
	.open = sq_open,
	.close = sq_close,
	.prepare = sq_prepare,
	.param_count = sq_param_count,
	.bind_int = sq_bind_int,
	.bind_blob = sq_bind_blob,
	.bind_text = sq_bind_text,
	.bind_null = sq_bind_null,
	.step = sq_step,
	.col_int = sq_col_int,
	.col_blob = sq_col_blob,
	.col_text = sq_col_text,
	.col_null = sq_col_null,
	.col_count = sq_col_count,
	.col_name = sq_col_name,
	.col_type = sq_col_type,
	.reset = sq_reset,
	.changes = sq_changes,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.savepoint = sq_savepoint,
	.release = sq_release,
	.rollback_to = sq_rollback_to,
	.commit_erasure = sq_commit_erasure,
	.next_id = sq_next_id,
	.has_table = sq_has_table,
	.backup = sq_backup,
	.begin_read = sq_begin_read,
	.exec_script = sq_exec_script,
};
