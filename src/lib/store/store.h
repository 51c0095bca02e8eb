/*
 * store.h — the storage-engine interface. Engines (store_sqlite.c, and later
 * PostgreSQL) implement struct gd__store_engine; everything above calls the
 * gd__db_* helpers below with portable SQL (see docs/FORMAT.md) and never
 * touches an engine directly.
 *
 * Statements are prepared once per handle and cached by the address of their
 * text: SQL passed to the store must be a string literal (static storage).
 */
#ifndef GD_STORE_H
#define GD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gd__store gd__store;
typedef struct gd__stmt gd__stmt;

/*
 * Id counters: persisted, sequence-shaped (a PostgreSQL engine maps each to a
 * SEQUENCE), so an id is never given twice, even after its row is deleted.
 * Table `counters`: name (the table whose ids it gives), value = the last id
 * given.
 */
enum gd__counter {
	GD__COUNTER_RECORDS = 0,
	GD__COUNTER_BREACHES,
	GD__COUNTER_REQUESTS,
	GD__COUNTER_HOLDS,
	GD__COUNTER_GRANTS,
	GD__COUNTERS
};
extern const char *const gd__counter_names[GD__COUNTERS];

enum gd__col_type {
	GD__COL_NULL,
	GD__COL_INT,
	GD__COL_TEXT,
	GD__COL_BLOB
};

/* The file system orders writes: SQLite may skip the sync of a WAL header
 * written into an empty WAL (sqlite_vfs.c). Set only by the operator. */
#define GD__STORE_ORDERED_WRITES 1u

struct gd__store_engine {
	const char *name;
	/* A statement that fails leaves nothing of itself behind: either the
	 * transaction is usable, as it was before it (SQLite), or it is aborted
	 * whole, every later statement and its commit failing until the
	 * rollback (PostgreSQL, and its deferred writes: store_pg.c). Lean
	 * operations (vault/tx.h) then need no savepoint: on PostgreSQL a
	 * storage failure in one fails the whole batch instead of that operation. */
	bool atomic_statements;
	/* Opens (create: creates) the database and applies the engine's schema;
	 * flags: GD__STORE_* below (an engine ignores what does not apply to it). */
	int (*open)(gd__store **out, const char *path, bool create, unsigned flags);
	void (*close)(gd__store *s);
	/* Prepared, cached statement for `sql`, reset and ready to bind. */
	int (*prepare)(gd__store *s, gd__stmt **out, const char *sql);
	int (*param_count)(gd__stmt *st);
	int (*bind_int)(gd__stmt *st, int i, int64_t v);
	int (*bind_blob)(gd__stmt *st, int i, const void *p, size_t n);
	int (*bind_text)(gd__stmt *st, int i, const char *p);
	int (*bind_null)(gd__stmt *st, int i);
	/* 1: a row is ready; 0: done; < 0: error (GD_EBUSY, GD_EEXISTS on a constraint, …). */
	int (*step)(gd__stmt *st);
	int64_t (*col_int)(gd__stmt *st, int i);
	const void *(*col_blob)(gd__stmt *st, int i, size_t *n);
	const char *(*col_text)(gd__stmt *st, int i);
	bool (*col_null)(gd__stmt *st, int i);
	/* What a row holds, for copying tables between engines (gd__store_copy). */
	int (*col_count)(gd__stmt *st);
	const char *(*col_name)(gd__stmt *st, int i);
	int (*col_type)(gd__stmt *st, int i); /* enum gd__col_type */
	/* Ends a use of a statement (its parameters are all bound again at the next). */
	void (*reset)(gd__stmt *st);
	/* Optional: the statement just prepared may return many rows; the engine
	 * may read them a part at a time (gd__db_scan) until its reset. */
	void (*scan)(gd__stmt *st);
	int64_t (*changes)(gd__store *s);
	/* Transactions: begin takes the write lock at once. */
	int (*begin)(gd__store *s);
	int (*commit)(gd__store *s);
	void (*rollback)(gd__store *s);
	int (*savepoint)(gd__store *s);
	int (*release)(gd__store *s);
	void (*rollback_to)(gd__store *s);
	/* Commits a transaction that erased data, or follows one whose clean-up is
	 * pending: durable, and no old page image of erased rows left behind.
	 * *scrubbed is false when the commit stands but a reader blocked the
	 * clean-up (retried at the next commit); `wait`: wait for readers a while. */
	int (*commit_erasure)(gd__store *s, bool wait, bool *scrubbed);
	/* The next id of `counter`, inside a transaction. Ids increase; an id
	 * taken in a transaction that rolls back may be skipped, never reused. */
	int (*next_id)(gd__store *s, enum gd__counter counter, int64_t *out);
	/* 1 if the schema has a table (not a view) of that name, 0 if not, < 0 on error. */
	int (*has_table)(gd__store *s, const char *name);
	/* Consistent copy of the live database into a new file at `dest`. */
	int (*backup)(gd__store *s, const char *dest);
	/* A read transaction: a consistent view, no write lock (vault/tx.c);
	 * ended by commit or rollback. */
	int (*begin_read)(gd__store *s);
	/* Runs statements separated by ';', no parameters, not cached (format
	 * conversions that re-create a table from the engine's schema file). */
	int (*exec_script)(gd__store *s, const char *sql);
	/* Optional (NULL: begin). A caller's batch: the write lock waits for its
	 * first write — lock_writes, called by vault/tx.c before each write
	 * operation of the batch, or the engine's own first write statement —
	 * so that the read operations before it run as reads outside a batch
	 * do, without the lock, and two processes reading in batches overlap. */
	int (*begin_batch)(gd__store *s);
	/* Optional: takes the write lock of a begin_batch transaction now (a
	 * no-op once taken). */
	int (*lock_writes)(gd__store *s);
	/* Claims an audit lane for this connection, held until it closes: the
	 * lowest one no other live session holds (audit/audit_lane.c). NULL: the
	 * engine serialises every writer, all share lane 0. */
	int (*claim_lane)(gd__store *s, int64_t *lane);
};

struct gd__store {
	const struct gd__store_engine *engine;
};

extern const struct gd__store_engine gd__sqlite_engine;
/* PostgreSQL (store_pg.c): a vault named by a postgresql:// or postgres:// URL. */
extern const struct gd__store_engine gd__pg_engine;
bool gd__pg_is_url(const char *path);
/* Replaces every row of the PostgreSQL vault at `url` with those of an SQLite
 * snapshot (a restored backup), in one transaction under the write lock. */
int gd__pg_load(const char *url, const char *snapshot);
/* The most rows one PostgreSQL result has held in this process since the
 * last reset (tests: a scan holds GD__PG_SCAN_PAGE rows at most). */
#define GD__PG_SCAN_PAGE 256
size_t gd__pg_max_rows_held(bool reset);
/* Reads sent ahead of the rows kept in a batch, in this process, since the
 * last reset (tests: store_pg.c, run_ahead). */
size_t gd__pg_reads_ahead(bool reset);
/* The vault lock of a PostgreSQL vault (store_pg_lock.c): a connection of its
 * own, named `who`, holding a session-level advisory lock, shared or exclusive.
 * _set: GD_EBUSY with the holder described in `who_holds`. */
struct gd__pg_lock;
int gd__pg_lock_open(struct gd__pg_lock **out, const char *url, const char *who);
int gd__pg_lock_set(struct gd__pg_lock *l, bool exclusive, char *who_holds, size_t cap);
void gd__pg_lock_unset_exclusive(struct gd__pg_lock *l);
/* 0 while the lock's connection is alive; GD_EIO once it dropped (never blocks). */
int gd__pg_lock_check(struct gd__pg_lock *l);
void gd__pg_lock_close(struct gd__pg_lock *l);

/*
 * Prepares (or fetches from cache) `sql` and binds every one of its parameters
 * from `types`, one character each:
 *   'i' int64_t   't' const char * (NULL binds NULL)   'b' const void *, size_t
 *   'n' nothing: binds NULL
 */
int gd__db_query(gd__store *s, gd__stmt **out, const char *sql, const char *types, ...);
/* gd__db_query for a statement whose rows may be many (a whole table, the
 * audit trail): what the engine holds of them at once stays bounded. */
int gd__db_scan(gd__store *s, gd__stmt **out, const char *sql, const char *types, ...);
/* Runs a statement that returns no row; returns 0 or an error. */
int gd__db_exec(gd__store *s, const char *sql, const char *types, ...);
/* Steps; 1 row, 0 done, < 0 error (message set). */
int gd__db_step(gd__store *s, gd__stmt *st);
/* The next id of `counter` (a fault point like every storage call). */
int gd__db_next_id(gd__store *s, enum gd__counter counter, int64_t *out);
/*
 * Copies every row of `table` from one store to another (SELECT * in, INSERT
 * out, in the callers' transactions), column by column with their types: how a
 * PostgreSQL vault is written to a backup snapshot (an SQLite file) and back.
 * The SQL it builds is kept in `keep` until the stores are closed (statements
 * are cached by the address of their text): release it after closing them.
 * Counts rows in *copied.
 */
struct gd__store_keep {
	char **sql;
	size_t n, cap;
};
int gd__store_copy(gd__store *from, gd__store *to, const char *table, struct gd__store_keep *keep,
                   int64_t *copied);
void gd__store_keep_release(struct gd__store_keep *keep);
/* SQL text formatted and kept in `keep`; NULL when out of memory. */
char *gd__store_keep_printf(struct gd__store_keep *keep, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Format 7 (store_keys.c): tenant_id in every table that lacked it, and on
 * PostgreSQL every key led by it. Inside the upgrade's transaction. */
int gd__store_migrate_keys(gd__store *s);
/* 1 when `table` has `column`, 0 when not (a catalogue query: safe inside a PostgreSQL transaction). */
int gd__store_has_column(gd__store *s, const char *table, const char *column);
/* Runs a query expected to return one integer; GD_ENOTFOUND if no row. */
int gd__db_int(gd__store *s, int64_t *out, const char *sql, const char *types, ...);

#define gd__col_int(s, st, i) ((s)->engine->col_int((st), (i)))
#define gd__col_text(s, st, i) ((s)->engine->col_text((st), (i)))
#define gd__col_blob(s, st, i, n) ((s)->engine->col_blob((st), (i), (n)))
#define gd__col_null(s, st, i) ((s)->engine->col_null((st), (i)))
#define gd__db_reset(s, st) ((s)->engine->reset(st))
#define gd__db_changes(s) ((s)->engine->changes(s))

#endif
