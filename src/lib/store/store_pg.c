/*
 * store_pg.c — the PostgreSQL storage engine, over libpq. A vault named by a
 * "postgresql://…" or "postgres://…" URL lives in that database; any number of
 * gardien processes (servers, CLI commands) may share it.
 *
 * What it keeps of the SQLite engine's contract (store.h):
 *  - statements are the modules' portable SQL with "?" parameters, rewritten
 *    once to "$1…$n" and prepared once per connection (PQprepare), cached by the
 *    address of their text like the SQLite engine's; a conflict target gets
 *    the tenant_id that leads every key here (conflict_target);
 *  - results come in binary form: integers of any width, booleans, bytea and
 *    text are read without parsing; a column holding an integer as text or
 *    bytea (the multi-typed meta table) is read as its decimal digits;
 *  - a transaction takes the vault's write lock at once (begin): an advisory
 *    transaction lock, so writers of every process are serialised exactly as
 *    SQLite's BEGIN IMMEDIATE serialises them, and there is no lost update, no
 *    duplicate id and no fork of an audit chain, at READ COMMITTED;
 *  - commits are durable before they return (synchronous_commit is forced on
 *    for the session).
 * The schema is src/lib/store/pg/NN-name.sql, compiled in and applied at open
 * when the database lacks this build's version of it (apply_schema).
 *
 * Round trips (what a batch of puts costs, issue 14): inside a transaction,
 * writes whose only possible failure is a storage failure — savepoints and
 * their releases, single-row INSERTs into the tables of deferred_sql()
 * (fresh ids from a sequence, upserts), and DELETEs from those of
 * deferred_delete_sql() — are sent in libpq's pipeline mode and not waited
 * for: step returns at once. Their results are read at the next sync point:
 * any statement whose result is needed (a read, an UPDATE, a write that may
 * meet a constraint, the count of a DELETE when asked for), a rollback to a
 * savepoint, the commit, and every PIPE_MAX statements. So a read sees every
 * write before it (read-your-writes), and a batch of puts costs about one
 * round trip per PIPE_MAX statements instead of six per put. A read that
 * names none of the tables with rows kept is sent ahead of those rows, which
 * follow it unwaited (run_ahead): reading a subject's row between puts costs
 * a round trip, not a wait for the server to insert every row before it.
 * Ids come in blocks from the sequences (next_id), taken under the write lock
 * and dropped at the transaction's end, so they still increase in commit
 * order. A deferred write that fails poisons the transaction: the failure is
 * reported at the sync point, by whatever operation is running then, and
 * every call until the rollback fails with it, the commit included, since
 * an operation that already returned may have lost that write. Nothing is
 * acknowledged that is not stored: a put in a batch is acknowledged by the
 * batch's commit.
 *
 * Erasure: deleted rows stay as dead tuples until VACUUM reclaims their pages,
 * and in WAL segments, replicas and base backups for as long as those are
 * kept. commit_erasure commits durably; what makes the data unreadable there is
 * that its key is gone (docs/FORMAT.md, "Erasure on PostgreSQL").
 */
#include <assert.h>
#include <libpq-fe.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/internal.h"

#define MAX_PARAMS 64
#define FAST_SLOTS 512
/* Deferred statements sent before their results are read (a sync point).
 * Their results (a few dozen bytes each) must fit the socket's buffers, or
 * the server would block writing them while the client writes more. */
#define PIPE_MAX 256
/* Ids taken from a sequence at once, at most (the block grows fourfold from
 * 1): each block is a round trip that waits for every write sent before it,
 * so a batch of 1,000 puts takes 6 rather than 11. */
#define IDS_MAX 1024
/* Rows of deferred INSERTs kept before they are sent (multi-row statements
 * of ROWS_BIG, then ROWS_SMALL, then single rows), and their bytes at most. */
#define ROWS_MAX 512
#define ROWS_BYTES (4u << 20)
#define ROWS_BIG 64
#define ROWS_SMALL 8
#define PENDING_MAX 8
/* The pg_advisory lock that is the vault's write lock: (class, the schema's
 * hash), so that vaults in two schemas of one database do not serialise
 * each other's writers. (coalesce: a lock function given NULL takes none.) */
#define LOCK_WRITE 0x67617264 /* "gard" */
#define SCHEMA_KEY "coalesce(hashtext(current_schema()), 0)"
/* Rows a scan holds at once (pg_scan): a page of audit blocks is at most 8 MiB. */
#define SCAN_PAGE GD__PG_SCAN_PAGE
/* The class of the session advisory locks that hold audit lanes (pg_claim_lane). */
#define LOCK_LANE 0x6c616e65 /* "lane" */

/* Type OIDs of the results read (pg_type.h; stable across versions). */
enum {
	OID_BOOL = 16,
	OID_BYTEA = 17,
	OID_INT8 = 20,
	OID_INT2 = 21,
	OID_INT4 = 23,
	OID_TEXT = 25,
	OID_NUMERIC = 1700
};

struct pg_store;

struct pg_stmt {
	struct pg_store *s;
	char *sql; /* the portable text (cache key) */
	uint64_t hash;
	char name[16]; /* the prepared statement's name */
	int nparams;
	const char *values[MAX_PARAMS];
	int lengths[MAX_PARAMS];
	int formats[MAX_PARAMS];
	char ints[MAX_PARAMS][24];
	PGresult *res;
	int row, nrows;
	bool done;            /* executed since the last reset */
	bool deferred;        /* may be pipelined inside a transaction (file comment) */
	bool deferred_delete; /* a DELETE sent unwaited in a transaction (deferred_delete_sql) */
	bool writes;          /* not a SELECT: needs the write lock (pg_begin_batch) */
	/* A scan (pg_scan): its rows read a page at a time from a cursor,
	 * `cursor` (0: none open), declared in transaction `cursor_tx`. */
	bool scan;
	unsigned cursor, cursor_tx, cursor_undo;
	/* A deferred INSERT's rows not sent yet: their parameters copied into
	 * `buf`, `nparams` cells a row; and its multi-row forms, once prepared. */
	struct pg_rows {
		char *buf;
		size_t len, cap;
		struct pg_cell {
			size_t off;
			int len, format;
			bool null;
		} * cells;
		size_t ncells, capcells;
		int nrows;
		bool single; /* no multi-row form (a parameter after the tuple) */
		/* The multi-row forms' names (ROWS_BIG, ROWS_SMALL): prepared, or
		 * being prepared in the pipeline (ready once a sync confirms it). */
		char ready[2][24], trying[2][24];
	} * rows;
};

struct pg_store {
	gd__store base;
	PGconn *conn;
	struct {
		const char *sql;
		struct pg_stmt *st;
	} fast[FAST_SLOTS];
	struct pg_stmt **cache; /* open addressing, `cap` slots, power of two */
	size_t cap, used;
	unsigned next_name;
	int64_t changes;
	bool in_tx;
	bool read_tx;      /* in_tx, begun by begin_read */
	bool lock_pending; /* in_tx, begun by begin_batch: the write lock not taken yet */
	bool lane_held;    /* an audit lane's advisory lock (pg_claim_lane) */
	/* Transactions ended, savepoints rolled back to, cursors declared: what
	 * tells a scan's reset whether its cursor still exists (pg_reset). */
	unsigned tx_serial, undo_serial, next_cursor;
	char *url; /* for the second connection of a backup */
	/* Pipeline mode (file comment): `queued` results not read yet. */
	bool pipe;
	int queued;
	/* The last statement run was a DELETE sent unwaited: its result is the
	 * `count_at`-th of those not read yet (0: none); read_segment takes its
	 * count into `changes` when it reaches it, pg_changes syncs for it. */
	int count_at;
	/* Deferred INSERTs with rows kept (pg_rows), in the order first kept. */
	struct pg_stmt *pending[PENDING_MAX];
	int npending;
	struct pg_stmt *preparing[2 * PENDING_MAX];
	int npreparing;
	size_t kept_rows, kept_bytes;
	/* A deferred write failed: every call fails with this until the rollback. */
	int poisoned;
	char poison_msg[320];
	/* Ids taken from each sequence and not used yet (this transaction's). */
	struct {
		int64_t next, end; /* [next, end) are ours */
		int64_t block;     /* the size of the next block taken */
	} ids[GD__COUNTERS];
};

#define PG(s) ((struct pg_store *)(s))
#define ST(x) ((struct pg_stmt *)(void *)(x))

static int map_result(struct pg_store *s, PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	int code = GD_ERROR;
	if (PQstatus(s->conn) != CONNECTION_OK)
		code = GD_EIO;
	else if (state && strcmp(state, "23505") == 0)
		code = GD_EEXISTS;
	else if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	                   strcmp(state, "55P03") == 0))
		code = GD_EBUSY;
	else if (state && (strncmp(state, "53", 2) == 0 || strncmp(state, "58", 2) == 0 ||
	                   strncmp(state, "08", 2) == 0))
		code = GD_EIO;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (!msg)
		msg = PQerrorMessage(s->conn);
	/* One line: libpq's messages end with a newline and may carry details. */
	size_t n = strcspn(msg, "\n");
	return gd__err(code, "storage (PostgreSQL): %.*s", (int)(n > 300 ? 300 : n), msg);
}

/* Runs SQL text with no parameters and no result (schema, transaction control). */
static int drain(struct pg_store *s);

static int exec_simple(struct pg_store *s, const char *sql)
{
	int rc = drain(s);
	if (rc < 0)
		return rc;
	PGresult *res = PQexec(s->conn, sql);
	ExecStatusType t = PQresultStatus(res);
	rc = t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK ? 0 : map_result(s, res);
	PQclear(res);
	return rc;
}

/* The error every call returns once a deferred write has failed. */
static int poison_error(struct pg_store *s)
{
	return gd__err(s->poisoned, "%s (an earlier write of this transaction failed: it must be rolled back)",
	               s->poison_msg);
}

static void poison(struct pg_store *s, int rc)
{
	s->poisoned = rc;
	gd__copy(s->poison_msg, sizeof s->poison_msg, gd_error_last());
}

/* Forgets the rows kept (a rollback, or after they were sent). */
static void rows_clear(struct pg_store *s)
{
	for (int i = 0; i < s->npending; i++) {
		struct pg_rows *r = s->pending[i]->rows;
		r->len = r->ncells = 0;
		r->nrows = 0;
	}
	s->npending = 0;
	s->kept_rows = s->kept_bytes = 0;
}

static int conflict_target(char *text, size_t cap);

/*
 * The multi-row form of a single-row "INSERT … VALUES (…) [tail]": the
 * parenthesised tuple repeated `n` times, parameters numbered on. NULL when
 * the statement has no such form, or out of memory (*nomem set, if given).
 */
static char *multi_sql_nomem(const char *sql, int n, bool *nomem)
{
	const char *v = strstr(sql, " VALUES (");
	if (!v)
		return NULL;
	const char *open = v + 8, *close = open;
	int depth = 0;
	for (; *close; close++) {
		depth += *close == '(' ? 1 : *close == ')' ? -1
		                                           : 0;
		if (depth == 0)
			break;
	}
	if (!*close || strchr(close, '?'))
		return NULL;
	for (const char *p = open; p < close; p++)
		if (*p == '?' && p[1] >= '0' && p[1] <= '9')
			return NULL;
	size_t tuple = (size_t)(close - open + 1), cap = strlen(sql) + (size_t)n * (tuple * 4 + 8) + 32;
	char *out = gd__malloc(cap);
	if (!out) {
		if (nomem)
			*nomem = true;
		return NULL;
	}
	size_t o = (size_t)(open - sql);
	memcpy(out, sql, o);
	int k = 0;
	for (int r = 0; r < n; r++) {
		if (r)
			out[o++] = ',', out[o++] = ' ';
		for (const char *p = open; p <= close; p++) {
			if (*p == '?')
				o += (size_t)snprintf(out + o, cap - o, "$%d", ++k);
			else
				out[o++] = *p;
		}
	}
	snprintf(out + o, cap - o, "%s", close + 1);
	if (conflict_target(out, cap) < 0) {
		gd__free(out);
		return NULL;
	}
	return out;
}

static char *multi_sql(const char *sql, int n)
{
	return multi_sql_nomem(sql, n, NULL);
}

/* Sends `n` rows of `st` from row `first`, as one statement. */
static int send_chunk(struct pg_store *s, struct pg_stmt *st, int first, int n, int form)
{
	struct pg_rows *r = st->rows;
	int np = st->nparams * n, rc = 0;
	const char **values = gd__calloc((size_t)np + 1, sizeof *values);
	int *lengths = gd__calloc((size_t)np + 1, sizeof *lengths), *formats = gd__calloc((size_t)np + 1, sizeof *formats);
	char name[24];
	if (!values || !lengths || !formats) {
		rc = GD_ENOMEM;
		goto done;
	}
	for (int i = 0; i < np; i++) {
		const struct pg_cell *c = &r->cells[(size_t)first * (size_t)st->nparams + (size_t)i];
		values[i] = c->null ? NULL : r->buf + c->off;
		lengths[i] = c->len;
		formats[i] = c->format;
	}
	if (n == 1) {
		snprintf(name, sizeof name, "%s", st->name);
	} else if (r->ready[form][0]) {
		snprintf(name, sizeof name, "%s", r->ready[form]);
	} else if (r->trying[form][0]) {
		snprintf(name, sizeof name, "%s", r->trying[form]);
	} else {
		/* A name never used before: a prepare the pipeline skipped or
		 * that a rollback left behind cannot clash with a later one. */
		snprintf(name, sizeof name, "g%u_%d", s->next_name++, n);
		char *sql = multi_sql(st->sql, n);
		if (!sql) {
			rc = GD_ENOMEM;
			goto done;
		}
		if (PQsendPrepare(s->conn, name, sql, np, NULL) != 1)
			rc = map_result(s, NULL);
		gd__free(sql);
		if (rc < 0)
			goto done;
		s->queued++;
		snprintf(r->trying[form], sizeof r->trying[form], "%s", name);
		if (!r->trying[!form][0])
			s->preparing[s->npreparing++] = st;
	}
	if (PQsendQueryPrepared(s->conn, name, np, values, lengths, formats, 1) != 1)
		rc = map_result(s, NULL);
	else
		s->queued++;
done:
	gd__free(values);
	gd__free(lengths);
	gd__free(formats);
	return rc;
}

/* Pipeline mode, from the first statement sent unwaited to the sync point. */
static int enter_pipe(struct pg_store *s)
{
	if (s->pipe)
		return 0;
	if (PQenterPipelineMode(s->conn) != 1)
		return map_result(s, NULL);
	s->pipe = true;
	return 0;
}

/* Sends every row kept, in multi-row statements where there are enough. */
static int send_rows(struct pg_store *s)
{
	if (!s->npending)
		return 0;
	int rc = enter_pipe(s);
	for (int i = 0; rc == 0 && i < s->npending; i++) {
		struct pg_stmt *st = s->pending[i];
		int at = 0, left = st->rows->nrows;
		/* Multi-row forms only while they can be registered for confirmation. */
		if (st->rows->single || s->npreparing + 1 >= 2 * PENDING_MAX)
			left = -left;
		for (; rc == 0 && left >= ROWS_BIG; at += ROWS_BIG, left -= ROWS_BIG)
			rc = send_chunk(s, st, at, ROWS_BIG, 0);
		for (; rc == 0 && left >= ROWS_SMALL; at += ROWS_SMALL, left -= ROWS_SMALL)
			rc = send_chunk(s, st, at, ROWS_SMALL, 1);
		for (left = left < 0 ? -left : left; rc == 0 && left > 0; at++, left--)
			rc = send_chunk(s, st, at, 1, 0);
	}
	rows_clear(s);
	if (rc < 0)
		poison(s, rc);
	return rc;
}

/* Keeps a row of a deferred INSERT (its parameters copied) until the next sync point. */
static int keep_row(struct pg_store *s, struct pg_stmt *st)
{
	if (!st->rows) {
		if (!(st->rows = gd__calloc(1, sizeof *st->rows)))
			return GD_ENOMEM;
		bool nomem = false;
		char *m = multi_sql_nomem(st->sql, 2, &nomem);
		st->rows->single = !m;
		gd__free(m);
		if (nomem) { /* not a statement without a multi-row form: decided again next time */
			gd__free(st->rows), st->rows = NULL;
			return gd__err(GD_ENOMEM, "out of memory");
		}
	}
	struct pg_rows *r = st->rows;
	if (r->nrows == 0) {
		if (s->npending == PENDING_MAX) {
			int rc = send_rows(s);
			if (rc < 0)
				return rc;
		}
		s->pending[s->npending++] = st;
	}
	size_t need = 0;
	for (int i = 0; i < st->nparams; i++)
		if (st->values[i])
			need += st->formats[i] ? (size_t)st->lengths[i] : strlen(st->values[i]) + 1;
	if (r->len + need > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		while (cap < r->len + need)
			cap *= 2;
		char *b = gd__malloc(cap);
		if (!b)
			return GD_ENOMEM;
		if (r->len)
			memcpy(b, r->buf, r->len);
		gd__free(r->buf);
		r->buf = b, r->cap = cap;
	}
	if (r->ncells + (size_t)st->nparams > r->capcells) {
		size_t cap = r->capcells ? 2 * r->capcells : 16 * (size_t)st->nparams;
		struct pg_cell *c = gd__calloc(cap, sizeof *c);
		if (!c)
			return GD_ENOMEM;
		if (r->ncells)
			memcpy(c, r->cells, r->ncells * sizeof *c);
		gd__free(r->cells);
		r->cells = c, r->capcells = cap;
	}
	for (int i = 0; i < st->nparams; i++) {
		struct pg_cell *c = &r->cells[r->ncells++];
		c->null = !st->values[i];
		c->format = st->formats[i];
		c->off = r->len;
		c->len = 0;
		if (c->null)
			continue;
		size_t n = st->formats[i] ? (size_t)st->lengths[i] : strlen(st->values[i]) + 1;
		memcpy(r->buf + r->len, st->values[i], n);
		r->len += n;
		c->len = st->formats[i] ? st->lengths[i] : 0;
	}
	r->nrows++;
	s->changes = 1;
	s->kept_bytes += need;
	if (++s->kept_rows < ROWS_MAX && s->kept_bytes < ROWS_BYTES)
		return 0;
	/* Sent, not waited for: the server inserts them while this process
	 * prepares the next ones (waiting here made the two take turns). The
	 * sync point comes every PIPE_MAX statements, as for queue(). */
	int rc = send_rows(s);
	return rc == 0 && s->queued >= PIPE_MAX ? drain(s) : rc;
}

/*
 * The sync point: reads the results of every deferred statement and leaves
 * pipeline mode. The first failure poisons the transaction (file comment);
 * the statements after it were skipped by the server. Returns 0 or the error.
 */
static int drain_sent(struct pg_store *s, int rc, PGresult **last);
static int lock_now(struct pg_store *s);

static int drain(struct pg_store *s)
{
	if (s->poisoned)
		return poison_error(s);
	return drain_sent(s, send_rows(s), NULL);
}

/*
 * Before a statement whose result is needed: every kept row of a table it
 * names is sent first (read-your-writes); rows of other tables stay kept, so
 * that reading a subject between puts does not cut their multi-row INSERTs.
 * What it does not name it cannot see: the kept tables have no trigger, no
 * foreign key and no view over them. Sent, not waited for: the statement
 * goes behind them (run_waited).
 */
static int rows_for(struct pg_store *s, const char *sql)
{
	for (int i = 0; i < s->npending; i++) {
		const char *table = s->pending[i]->sql + 12; /* after "INSERT INTO " */
		size_t n = strcspn(table, " (");
		for (const char *p = sql; *p; p++)
			if (strncmp(p, table, n) == 0)
				return send_rows(s);
	}
	return 0;
}

/* A result of a statement sent in the pipeline: the first failure is kept in *rc. */
static void judge(struct pg_store *s, PGresult *res, int *rc)
{
	ExecStatusType t = PQresultStatus(res);
	if (*rc == 0 && t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK && t != PGRES_PIPELINE_ABORTED)
		*rc = map_result(s, res);
}

/*
 * Reads results up to the next sync's, each judged (*rc keeps the first
 * failure). With `last`, the statement just before the sync is one whose
 * result is needed (run_waited): its result goes to *last, and its own
 * failure is returned without poisoning the transaction (as a waited
 * statement's never did); only the deferred writes before it poison.
 */
static int read_segment(struct pg_store *s, int *rc, PGresult **last)
{
	/* Two NULLs in a row: nothing is coming (the sync was not sent, or the
	 * connection broke). With `last`, each result is judged when the next
	 * one comes: the one before the sync is the waited statement's. */
	PGresult *held = NULL;
	int waited = 0;
	for (int nulls = 0; nulls < 2;) {
		PGresult *res = PQgetResult(s->conn);
		if (!res) {
			nulls++;
			continue;
		}
		nulls = 0;
		if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			break;
		}
		if (s->count_at && --s->count_at == 0) {
			const char *n = PQresultStatus(res) == PGRES_COMMAND_OK ? PQcmdTuples(res) : NULL;
			s->changes = n && *n ? strtoll(n, NULL, 10) : 0;
		}
		if (last) {
			if (held)
				judge(s, held, rc);
			PQclear(held);
			held = res;
			continue;
		}
		judge(s, res, rc);
		PQclear(res);
	}
	if (last && *rc == 0) {
		ExecStatusType t = held ? PQresultStatus(held) : PGRES_FATAL_ERROR;
		if (t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK)
			*last = held, held = NULL;
		else
			waited = map_result(s, held);
	}
	PQclear(held);
	return waited;
}

/* A failure read at a sync point poisons the transaction (file comment). */
static int poisoned_at_sync(struct pg_store *s, int rc, PGresult **last)
{
	poison(s, rc);
	if (last && *last) {
		PQclear(*last);
		*last = NULL;
	}
	return rc;
}

/*
 * The sync point: reads the results of every statement sent (rc: an error
 * already met) and leaves pipeline mode; `last` as for read_segment.
 * Returns 0, the waited statement's failure, or the poison.
 */
static int drain_sent(struct pg_store *s, int rc, PGresult **last)
{
	if (!s->pipe) {
		if (rc < 0 && !s->poisoned)
			poison(s, rc);
		return rc;
	}
	/* (run_waited has its fault point before it sends its statement.) */
	if (rc == 0 && !last && gd__fault_point())
		rc = gd__err(GD_EIO, "storage failure (injected)");
	if (PQpipelineSync(s->conn) != 1 && rc == 0)
		rc = map_result(s, NULL);
	int waited = read_segment(s, &rc, last);
	if (PQexitPipelineMode(s->conn) != 1 && rc == 0 && waited == 0)
		rc = map_result(s, NULL);
	/* The multi-row forms prepared in it exist if nothing failed; else
	 * they are prepared again, under new names, when next needed. */
	for (int i = 0; i < s->npreparing; i++) {
		struct pg_rows *r = s->preparing[i]->rows;
		for (int f = 0; f < 2; f++) {
			if (rc == 0 && r->trying[f][0])
				memcpy(r->ready[f], r->trying[f], sizeof r->ready[f]);
			r->trying[f][0] = 0;
		}
	}
	s->npreparing = 0;
	s->pipe = false;
	s->queued = s->count_at = 0;
	return rc < 0 ? poisoned_at_sync(s, rc, last) : waited;
}

static _Atomic size_t reads_ahead; /* for the tests: gd__pg_reads_ahead */

size_t gd__pg_reads_ahead(bool reset)
{
	return reset ? atomic_exchange(&reads_ahead, 0) : reads_ahead;
}

/*
 * A read that names no table with rows kept goes ahead of them: the read,
 * a sync, then the rows, sent and not waited for. Its result comes as soon
 * as the server reaches it, and the server inserts the rows while this
 * process goes on: a put's subject row, read between a batch's puts, no
 * longer waits for the puts before it, nor leaves the server idle while
 * the next are prepared (issue 14). The rows stay in flight, read at the
 * next sync point; the multi-row forms prepared with them are confirmed
 * there. Should the read itself fail, the transaction is aborted and so
 * are the rows behind it: they poison it at that sync point.
 */
static int run_ahead(struct pg_store *s, struct pg_stmt *st, PGresult **out)
{
	reads_ahead++;
	int rc = enter_pipe(s);
	if (rc < 0)
		return rc;
	if (gd__fault_point())
		return drain_sent(s, gd__err(GD_EIO, "storage failure (injected)"), NULL);
	if (PQsendQueryPrepared(s->conn, st->name, st->nparams, st->values, st->lengths, st->formats, 1) != 1 ||
	    PQpipelineSync(s->conn) != 1)
		return drain_sent(s, map_result(s, NULL), NULL);
	int before = ++s->queued;
	rc = send_rows(s);
	if (rc == 0 && PQflush(s->conn) != 0)
		rc = map_result(s, NULL);
	int waited = read_segment(s, &rc, out);
	s->queued -= before; /* what went behind the sync */
	if (rc < 0)
		return poisoned_at_sync(s, rc, out);
	return waited;
}

/*
 * Runs a statement whose result is needed: the prepared `st`, or the text
 * `sql` — with the parameters bound to `st` if given (a scan's DECLARE), its
 * results in binary as a prepared statement's. With writes in flight
 * (pipeline mode) it is sent behind them, and one sync reads them all: one
 * round trip where a sync and then the statement took two. *out: its result
 * (PQclear it), NULL on error.
 */
static int run_waited(struct pg_store *s, struct pg_stmt *st, const char *sql, PGresult **out)
{
	*out = NULL;
	if (s->poisoned)
		return poison_error(s);
	int rc = st && st->writes ? lock_now(s) : 0;
	if (rc == 0)
		rc = st ? rows_for(s, st->sql) : send_rows(s);
	if (rc < 0)
		return rc;
	if (st && !sql && !st->writes && s->npending)
		return run_ahead(s, st, out);
	if (!s->pipe) {
		*out = !sql ? PQexecPrepared(s->conn, st->name, st->nparams, st->values, st->lengths, st->formats, 1)
		            : PQexecParams(s->conn, sql, st ? st->nparams : 0, NULL, st ? st->values : NULL,
		                           st ? st->lengths : NULL, st ? st->formats : NULL, 1);
		ExecStatusType t = PQresultStatus(*out);
		if (t != PGRES_TUPLES_OK && t != PGRES_COMMAND_OK) {
			rc = map_result(s, *out);
			PQclear(*out);
			*out = NULL;
		}
		return rc;
	}
	/* A failure before the statement is sent: what is in flight is read,
	 * the statement never runs (a COMMIT among them would commit). */
	if (gd__fault_point())
		return drain_sent(s, gd__err(GD_EIO, "storage failure (injected)"), NULL);
	int ok = !sql ? PQsendQueryPrepared(s->conn, st->name, st->nparams, st->values, st->lengths, st->formats, 1)
	              : PQsendQueryParams(s->conn, sql, st ? st->nparams : 0, NULL, st ? st->values : NULL,
	                                  st ? st->lengths : NULL, st ? st->formats : NULL, 1);
	if (ok != 1)
		return drain_sent(s, map_result(s, NULL), NULL);
	s->queued++;
	return drain_sent(s, 0, out);
}

/* Sends a deferred statement (prepared: `st`; or the text `sql`), unwaited. */
static int queue(struct pg_store *s, struct pg_stmt *st, const char *sql)
{
	if (s->poisoned)
		return poison_error(s);
	int rc = enter_pipe(s);
	if (rc == 0 && !st) /* a savepoint: the rows kept go first, in order */
		rc = send_rows(s);
	if (rc < 0)
		return rc;
	int ok = st ? PQsendQueryPrepared(s->conn, st->name, st->nparams, st->values, st->lengths, st->formats, 1)
	            : PQsendQueryParams(s->conn, sql, 0, NULL, NULL, NULL, NULL, 0);
	if (ok != 1) {
		rc = map_result(s, NULL);
		drain(s);
		poison(s, rc);
		return rc;
	}
	s->changes = 1; /* a deferred write is one row, or a savepoint */
	s->count_at = 0;
	return ++s->queued >= PIPE_MAX ? drain(s) : 0;
}

/* The statement that takes the vault's write lock, for the transaction. */
static const char *lock_sql(void)
{
	static char sql[96];
	if (!sql[0])
		snprintf(sql, sizeof sql, "SELECT pg_advisory_xact_lock(%d, " SCHEMA_KEY ")", LOCK_WRITE);
	return sql;
}

/* The write lock of a batch begun without it (pg_begin_batch), before its first write. */
static int lock_now(struct pg_store *s)
{
	if (!s->lock_pending)
		return 0;
	s->lock_pending = false;
	return queue(s, NULL, lock_sql());
}

/* The end of a transaction: nothing deferred, no poison, no ids kept. */
static void tx_ended(struct pg_store *s)
{
	s->tx_serial++;
	s->in_tx = s->read_tx = s->lock_pending = false;
	s->poisoned = 0;
	for (int c = 0; c < GD__COUNTERS; c++)
		s->ids[c].next = s->ids[c].end = 0, s->ids[c].block = 1;
}

/* `sql` starts with the name of one of `tables` (NULL-terminated), then a space. */
static bool names_table(const char *sql, const char *const *tables)
{
	for (; *tables; tables++) {
		size_t n = strlen(*tables);
		if (strncmp(sql, *tables, n) == 0 && sql[n] == ' ')
			return true;
	}
	return false;
}

/*
 * Tables whose single-row INSERTs are deferred: their rows take fresh ids
 * from a sequence (or a chain position under the write lock), or upsert, so
 * they fail only when storage does. Any other write is waited for, since its
 * caller may act on its outcome (GD_EEXISTS of a duplicate, a count of rows).
 */
static bool deferred_sql(const char *sql)
{
	static const char *const tables[] = {"records", "retention_due", "audit_blocks",
	                                     "record_objects", "record_clients",
	                                     "subjects", /* a random 128-bit pseudonym */
	                                     NULL};
	if (strncmp(sql, "INSERT INTO ", 12) != 0 || strstr(sql, "SELECT") || strstr(sql, "RETURNING") ||
	    strstr(sql, "DO NOTHING") || strstr(sql, "), ("))
		return false;
	return names_table(sql + 12, tables);
}

/*
 * Tables whose DELETEs are sent unwaited inside a transaction, like the
 * deferred INSERTs: no trigger and no foreign key, so a DELETE fails only
 * when storage does, and its count is read only if its caller asks for it
 * (pg_changes). An erasure deletes its subject's rows one record at a time
 * in several of them: each was a round trip. (breaches: a trigger refuses
 * deletion, by design.)
 */
static bool deferred_delete_sql(const char *sql)
{
	static const char *const tables[] = {"records", "retention_due", "record_objects", "record_clients",
	                                     "subjects", "identifiers", "consents", "subject_limits",
	                                     "directives", "events", "object_events", "holds",
	                                     NULL};
	if (strncmp(sql, "DELETE FROM ", 12) != 0 || strstr(sql, "RETURNING"))
		return false;
	return names_table(sql + 12, tables);
}

static uint64_t hash_sql(const char *p)
{
	uint64_t h = 1469598103934665603u;
	for (; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211u;
	return h;
}

/*
 * "?" → "$k" in order, "?NNN" → "$NNN"; quoted literals and identifiers are
 * copied as they are. Returns the parameter count, or -1 on too many.
 */
static int rewrite_params(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	int k = 0, max = 0;
	char quote = 0;
	for (const char *p = in; *p; p++) {
		if (o + 8 >= cap)
			return -1;
		if (quote) {
			if (*p == quote)
				quote = 0;
			out[o++] = *p;
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
			out[o++] = *p;
		} else if (*p == '?') {
			int n;
			if (p[1] >= '0' && p[1] <= '9') {
				n = (int)strtol(p + 1, (char **)&p, 10);
				p--;
			} else {
				n = ++k;
			}
			if (n < 1 || n > MAX_PARAMS)
				return -1;
			if (n > max)
				max = n;
			o += (size_t)snprintf(out + o, cap - o, "$%d", n);
		} else {
			out[o++] = *p;
		}
	}
	out[o] = 0;
	return max;
}

/* 1 when the word `w` is in [p, e). */
static bool has_word(const char *p, const char *e, const char *w)
{
	size_t n = strlen(w);
	for (; p + n <= e; p++)
		if (strncmp(p, w, n) == 0 && (p[n] == ',' || p[n] == ')' || p[n] == ' ') &&
		    (p[-1] == '(' || p[-1] == ' '))
			return true;
	return false;
}

/*
 * Keys lead with tenant_id here (scripts/gen-pg-schema.py, for Citus): the
 * SQLite key K of a table with a tenant_id column is (tenant_id, K) on
 * PostgreSQL. An INSERT that names tenant_id among its columns and a conflict
 * target K without it gets the target (tenant_id, K), the same mapping, in
 * `text` (of `cap` bytes). -1 when it does not fit.
 */
static int conflict_target(char *text, size_t cap)
{
	static const char add[] = "tenant_id, ";
	char *cols = strncmp(text, "INSERT INTO ", 12) == 0 ? strchr(text, '(') : NULL;
	char *cend = cols ? strchr(cols, ')') : NULL, *target = cend ? strstr(cend, " ON CONFLICT (") : NULL;
	char *tend = target ? strchr(target += 14, ')') : NULL;
	if (!tend || !has_word(cols + 1, cend, "tenant_id") || has_word(target, tend, "tenant_id"))
		return 0;
	size_t n = strlen(text);
	if (n + sizeof add > cap)
		return -1;
	memmove(target + sizeof add - 1, target, n + 1 - (size_t)(target - text));
	memcpy(target, add, sizeof add - 1);
	return 0;
}

static void rows_free(struct pg_rows *r)
{
	if (!r)
		return;
	gd__free(r->buf);
	gd__free(r->cells);
	gd__free(r);
}

static void stmt_free(struct pg_stmt *st)
{
	if (!st)
		return;
	rows_free(st->rows);
	PQclear(st->res);
	gd__free(st->sql);
	gd__free(st);
}

static void pg_close(gd__store *base)
{
	struct pg_store *s = PG(base);
	if (!s)
		return;
	for (size_t i = 0; s->cache && i < s->cap; i++)
		stmt_free(s->cache[i]);
	gd__free(s->cache);
	/* The server drops a closed session's locks only once its backend has
	 * ended, after PQfinish returns: a handle opened next would find the
	 * lane still taken and claim another. Released here, it is free now. */
	if (s->conn && s->lane_held && PQstatus(s->conn) == CONNECTION_OK) {
		drain(s); /* a read's ROLLBACK may still be in flight */
		if (PQtransactionStatus(s->conn) == PQTRANS_IDLE && PQpipelineStatus(s->conn) == PQ_PIPELINE_OFF)
			PQclear(PQexec(s->conn, "SELECT pg_advisory_unlock_all()"));
	}
	if (s->conn)
		PQfinish(s->conn);
	gd__free(s->url);
	gd__free(s);
}

static void quiet_notices(void *arg, const char *message)
{
	(void)arg, (void)message; /* "relation … already exists, skipping" and the like */
}

/* Files of what lives per session (temporary tables): run at every open. */
static bool is_session_file(const char *name)
{
	return strstr(name, "-session.sql") != NULL;
}

static int apply_session(struct pg_store *s)
{
	int rc = 0;
	for (const struct gd__embedded *e = gd__embedded_files; rc == 0 && e->name; e++)
		if (strncmp(e->name, "src/lib/store/pg/", 17) == 0 && is_session_file(e->name))
			rc = exec_simple(s, e->data);
	return rc;
}

/*
 * What the schema files cannot say, being written from SQLite's: columns that
 * never compress (audit blocks, ciphertext) are stored without trying
 * (EXTERNAL). PostgreSQL tried pglz on every audit block of a batch, which
 * gave up on each after 6% of the server's time of a batch of puts.
 */
static const char storage_sql[] = "ALTER TABLE audit_blocks ALTER COLUMN body SET STORAGE EXTERNAL;"
				  "ALTER TABLE records ALTER COLUMN sealed SET STORAGE EXTERNAL";

/* A digest of the compiled-in schema, to tell whether the database has it. */
static void schema_digest(char out[17])
{
	uint64_t h = 1469598103934665603u;
	for (const struct gd__embedded *e = gd__embedded_files; e->name; e++)
		if (strncmp(e->name, "src/lib/store/pg/", 17) == 0)
			h = (h ^ hash_sql(e->data)) * 1099511628211u;
	h = (h ^ hash_sql(storage_sql)) * 1099511628211u;
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/*
 * Applies the schema when the database does not have this build's (its digest
 * in meta.pg_schema). DDL takes table locks that writers' inserts wait on, so
 * it runs under the vault's write lock, taken for the session: never beside a
 * writer, and never twice at once.
 */
static int apply_schema(struct pg_store *s)
{
	char digest[17], sql[160];
	schema_digest(digest);
	const char *params[1] = {digest};
	PGresult *res = PQexecParams(s->conn,
	                             "SELECT 1 FROM meta WHERE key = 'pg_schema' AND value = convert_to($1, 'UTF8')",
	                             1, NULL, params, NULL, NULL, 0);
	bool current = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	PQclear(res);
	if (current)
		return 0;
	snprintf(sql, sizeof sql, "SELECT pg_advisory_lock(%d, " SCHEMA_KEY ")", LOCK_WRITE);
	int rc = exec_simple(s, sql);
	if (rc < 0)
		return rc;
	rc = exec_simple(s, "BEGIN");
	for (const struct gd__embedded *e = gd__embedded_files; rc == 0 && e->name; e++)
		if (strncmp(e->name, "src/lib/store/pg/", 17) == 0 && !is_session_file(e->name))
			rc = exec_simple(s, e->data);
	if (rc == 0)
		rc = exec_simple(s, storage_sql);
	if (rc == 0) {
		res = PQexecParams(s->conn,
		                   "INSERT INTO meta (key, value) VALUES ('pg_schema', convert_to($1, 'UTF8'))"
		                   " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
		                   1, NULL, params, NULL, NULL, 0);
		rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : map_result(s, res);
		PQclear(res);
	}
	rc = rc == 0 ? exec_simple(s, "COMMIT") : (exec_simple(s, "ROLLBACK"), rc);
	snprintf(sql, sizeof sql, "SELECT pg_advisory_unlock(%d, " SCHEMA_KEY ")", LOCK_WRITE);
	int rc2 = exec_simple(s, sql);
	return rc < 0 ? rc : rc2;
}

static int pg_open(gd__store **out, const char *url, bool create, unsigned flags)
{
	(void)flags; /* nothing of SQLite's file layer applies */
	*out = NULL;
	if (gd__fault_point())
		return gd__err(GD_EIO, "storage failure (injected)");
	struct pg_store *s = gd__calloc(1, sizeof *s);
	if (!s)
		return GD_ENOMEM;
	s->base.engine = &gd__pg_engine;
	s->cap = 256;
	s->cache = gd__calloc(s->cap, sizeof *s->cache);
	if (!s->cache) {
		pg_close(&s->base);
		return GD_ENOMEM;
	}
	int rc;
	if (!(s->url = gd__strdup(url))) {
		pg_close(&s->base);
		return GD_ENOMEM;
	}
	s->conn = PQconnectdb(url);
	if (PQstatus(s->conn) != CONNECTION_OK) {
		/* The URL may hold a password: name the failure, not the URL. */
		const char *m = PQerrorMessage(s->conn);
		size_t n = strcspn(m, "\n");
		rc = gd__err(GD_EIO, "cannot connect to the PostgreSQL vault: %.*s", (int)(n > 300 ? 300 : n), m);
		goto fail;
	}
	PQsetNoticeProcessor(s->conn, quiet_notices, NULL);
	if ((rc = exec_simple(s, "SET synchronous_commit = on; SET client_min_messages = warning;"
	                         "SET default_transaction_isolation = 'read committed'")) < 0)
		goto fail;
	if (!create) {
		PGresult *res = PQexec(s->conn, "SELECT to_regclass('meta') IS NOT NULL");
		bool ours = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
		            strcmp(PQgetvalue(res, 0, 0), "t") == 0;
		PQclear(res);
		if (!ours) {
			rc = gd__err(GD_ENOTFOUND, "no vault in this PostgreSQL database: create one with 'gardien init'");
			goto fail;
		}
	}
	if ((rc = apply_schema(s)) < 0 || (rc = apply_session(s)) < 0)
		goto fail;
	*out = &s->base;
	return 0;
fail:
	pg_close(&s->base);
	return rc;
}

static int grow_cache(struct pg_store *s)
{
	size_t ncap = s->cap * 2;
	struct pg_stmt **n = gd__calloc(ncap, sizeof *n);
	if (!n)
		return GD_ENOMEM;
	for (size_t i = 0; i < s->cap; i++) {
		if (!s->cache[i])
			continue;
		size_t j = s->cache[i]->hash & (ncap - 1);
		while (n[j])
			j = (j + 1) & (ncap - 1);
		n[j] = s->cache[i];
	}
	gd__free(s->cache);
	s->cache = n;
	s->cap = ncap;
	return 0;
}

static int prepare_slow(struct pg_store *s, struct pg_stmt **out, const char *sql)
{
	uint64_t h = hash_sql(sql);
	size_t j = h & (s->cap - 1);
	for (; s->cache[j]; j = (j + 1) & (s->cap - 1)) {
		if (s->cache[j]->hash == h && strcmp(s->cache[j]->sql, sql) == 0) {
			*out = s->cache[j];
			return 0;
		}
	}
	if (2 * (s->used + 1) > s->cap) {
		int rc = grow_cache(s);
		return rc < 0 ? rc : prepare_slow(s, out, sql);
	}
	size_t len = strlen(sql);
	char *text = gd__malloc(2 * len + 64);
	struct pg_stmt *st = gd__calloc(1, sizeof *st);
	int rc = 0;
	if (!text || !st || !(st->sql = gd__strdup(sql))) {
		rc = GD_ENOMEM;
		goto done;
	}
	st->nparams = rewrite_params(sql, text, 2 * len + 64);
	if (st->nparams < 0 || conflict_target(text, 2 * len + 64) < 0) {
		rc = gd__err(GD_ERROR, "internal: statement has more than %d parameters", MAX_PARAMS);
		goto done;
	}
	st->s = s;
	st->hash = h;
	snprintf(st->name, sizeof st->name, "g%u", s->next_name++);
	st->deferred = deferred_sql(sql);
	st->deferred_delete = deferred_delete_sql(sql);
	st->writes = strncmp(sql, "SELECT ", 7) != 0;
	if ((rc = drain(s)) < 0)
		goto done;
	PGresult *res = PQprepare(s->conn, st->name, text, st->nparams, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = map_result(s, res);
	PQclear(res);
	if (rc == 0) {
		s->cache[j] = st;
		s->used++;
		*out = st;
		st = NULL;
	}
done:
	gd__free(text);
	stmt_free(st);
	return rc;
}

static void pg_reset(gd__stmt *x)
{
	struct pg_stmt *st = ST(x);
	struct pg_store *s = st->s;
	PQclear(st->res);
	st->res = NULL;
	st->row = st->nrows = 0;
	st->done = false;
	/* A scan's cursor is closed while its transaction goes on, healthy (a
	 * failed statement already aborted it). One that may be gone (its
	 * transaction ended, a savepoint rolled back), or that cannot be closed
	 * now (writes in flight), ends with its transaction: each cursor has a
	 * name of its own. */
	if (st->cursor && s->in_tx && st->cursor_tx == s->tx_serial && st->cursor_undo == s->undo_serial &&
	    !s->poisoned && !s->pipe && PQtransactionStatus(s->conn) == PQTRANS_INTRANS) {
		char sql[48];
		snprintf(sql, sizeof sql, "CLOSE gd_scan%u", st->cursor);
		PQclear(PQexec(s->conn, sql));
	}
	st->cursor = 0;
	st->scan = false;
}

/*
 * A scan: the rows of a statement that may return many (a table copied to a
 * backup, the audit blocks a verification walks) are read SCAN_PAGE at a time
 * from a cursor, so that what a scan holds in memory does not grow with the
 * vault. Inside a transaction only (a cursor lives in one); outside, the rows
 * come whole as any statement's.
 */
static void pg_scan(gd__stmt *x)
{
	ST(x)->scan = true;
}

/* Rows held by one result at most (for the tests: gd__pg_max_rows_held). */
static _Atomic size_t max_rows_held;

size_t gd__pg_max_rows_held(bool reset)
{
	return reset ? atomic_exchange(&max_rows_held, 0) : max_rows_held;
}

static void held(const PGresult *res)
{
	size_t n = (size_t)PQntuples(res), m = max_rows_held;
	while (n > m && !atomic_compare_exchange_weak(&max_rows_held, &m, n))
		;
}

/* Declares a scan's cursor (its first call), then fetches its next page. */
static int scan_fetch(struct pg_store *s, struct pg_stmt *st)
{
	int rc;
	PQclear(st->res);
	st->res = NULL;
	st->row = -1;
	st->nrows = 0;
	if (!st->cursor) {
		size_t cap = 2 * strlen(st->sql) + 96;
		char *decl = gd__malloc(cap);
		if (!decl)
			return GD_ENOMEM;
		unsigned id = ++s->next_cursor;
		int k = snprintf(decl, cap, "DECLARE gd_scan%u NO SCROLL CURSOR FOR ", id);
		rewrite_params(st->sql, decl + k, cap - (size_t)k);
		PGresult *res;
		rc = run_waited(s, st, decl, &res);
		gd__free(decl);
		PQclear(res);
		if (rc < 0)
			return rc;
		st->cursor = id;
		st->cursor_tx = s->tx_serial;
		st->cursor_undo = s->undo_serial;
	}
	char fetch[64];
	snprintf(fetch, sizeof fetch, "FETCH %d FROM gd_scan%u", SCAN_PAGE, st->cursor);
	if ((rc = run_waited(s, NULL, fetch, &st->res)) == 0)
		st->nrows = PQntuples(st->res);
	return rc;
}

static int pg_prepare(gd__store *base, gd__stmt **out, const char *sql)
{
	struct pg_store *s = PG(base);
	size_t slot = ((uintptr_t)sql >> 3) & (FAST_SLOTS - 1);
	struct pg_stmt *st = NULL;
	if (s->fast[slot].sql == sql) {
		st = s->fast[slot].st;
		assert(strcmp(st->sql, sql) == 0);
	} else {
		int rc = prepare_slow(s, &st, sql);
		if (rc < 0)
			return rc;
		s->fast[slot].sql = sql;
		s->fast[slot].st = st;
	}
	pg_reset((gd__stmt *)(void *)st);
	*out = (gd__stmt *)(void *)st;
	return 0;
}

static int pg_param_count(gd__stmt *st)
{
	return ST(st)->nparams;
}

static int check_index(struct pg_stmt *st, int i)
{
	return i >= 1 && i <= st->nparams ? 0 : gd__err(GD_ERROR, "internal: parameter %d out of range", i);
}

static int pg_bind_int(gd__stmt *x, int i, int64_t v)
{
	struct pg_stmt *st = ST(x);
	int rc = check_index(st, i);
	if (rc == 0) {
		snprintf(st->ints[i - 1], sizeof st->ints[i - 1], "%lld", (long long)v);
		st->values[i - 1] = st->ints[i - 1];
		st->lengths[i - 1] = 0;
		st->formats[i - 1] = 0;
	}
	return rc;
}

static int pg_bind_blob(gd__stmt *x, int i, const void *p, size_t n)
{
	struct pg_stmt *st = ST(x);
	int rc = check_index(st, i);
	if (rc == 0 && n > (size_t)1 << 30)
		rc = gd__err(GD_ETOOBIG, "value too large for the storage engine");
	if (rc == 0) {
		st->values[i - 1] = n ? p : "";
		st->lengths[i - 1] = (int)n;
		st->formats[i - 1] = 1;
	}
	return rc;
}

static int pg_bind_text(gd__stmt *x, int i, const char *p)
{
	struct pg_stmt *st = ST(x);
	int rc = check_index(st, i);
	if (rc == 0) {
		st->values[i - 1] = p;
		st->lengths[i - 1] = 0;
		st->formats[i - 1] = 0;
	}
	return rc;
}

static int pg_bind_null(gd__stmt *x, int i)
{
	struct pg_stmt *st = ST(x);
	int rc = check_index(st, i);
	if (rc == 0) {
		st->values[i - 1] = NULL;
		st->lengths[i - 1] = 0;
		st->formats[i - 1] = 0;
	}
	return rc;
}

/* A deferred DELETE (deferred_delete_sql): the rows kept that it may touch
 * go first, then it, unwaited; its count is read only if asked for. */
static int send_delete(struct pg_store *s, struct pg_stmt *st)
{
	int rc = s->poisoned ? poison_error(s) : lock_now(s);
	if (rc == 0)
		rc = rows_for(s, st->sql);
	if (rc == 0)
		rc = enter_pipe(s);
	if (rc == 0 && PQsendQueryPrepared(s->conn, st->name, st->nparams, st->values, st->lengths, st->formats, 1) != 1)
		rc = map_result(s, NULL);
	if (rc < 0) {
		if (!s->poisoned)
			poison(s, rc); /* rows of earlier operations may be lost with it */
		return rc;
	}
	s->changes = 0;
	s->count_at = ++s->queued;
	return s->queued >= PIPE_MAX ? drain(s) : 0;
}

static int pg_step(gd__stmt *x)
{
	struct pg_stmt *st = ST(x);
	struct pg_store *s = st->s;
	if (!st->done)
		s->count_at = 0; /* a new statement: the count asked for is its own */
	if (!st->done && st->deferred_delete && s->in_tx) {
		st->done = true;
		st->row = st->nrows = 0;
		return send_delete(s, st);
	}
	if (!st->done && st->deferred && s->in_tx) {
		st->done = true;
		st->row = st->nrows = 0;
		int rc = s->poisoned ? poison_error(s) : lock_now(s);
		if (rc == 0)
			rc = keep_row(s, st);
		if (rc < 0 && !s->poisoned)
			poison(s, rc); /* rows of earlier operations may be lost with it */
		return rc < 0 ? rc : 0;
	}
	if (!st->done) {
		st->done = true;
		int rc = st->scan && s->in_tx ? scan_fetch(s, st) : run_waited(s, st, NULL, &st->res);
		if (rc < 0) {
			pg_reset(x);
			return rc;
		}
		const char *n = PQcmdTuples(st->res);
		s->changes = n && *n ? strtoll(n, NULL, 10) : 0;
		st->nrows = PQresultStatus(st->res) == PGRES_TUPLES_OK ? PQntuples(st->res) : 0;
		st->row = -1;
		held(st->res);
	}
	if (st->row + 1 >= st->nrows && st->cursor && st->nrows == SCAN_PAGE) {
		int rc = scan_fetch(s, st); /* the page is used up: the next one */
		if (rc < 0) {
			pg_reset(x);
			return rc;
		}
	}
	if (st->row + 1 >= st->nrows) {
		st->row = st->nrows;
		return 0;
	}
	st->row++;
	return 1;
}

static int64_t be_int(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	if (n < 8 && n > 0 && (p[0] & 0x80)) /* sign-extend */
		v |= ~(uint64_t)0 << (8 * n);
	return (int64_t)v;
}

/*
 * A NUMERIC in binary form (what sum() of a BIGINT gives): ndigits, weight,
 * sign, dscale, then base-10000 digits, the first of weight `weight`. Its
 * integer part, saturated to int64; 0 for NaN or a malformed value.
 */
static int64_t numeric_int(const unsigned char *p, int n)
{
	if (n < 8)
		return 0;
	int ndigits = (int)be_int(p, 2), weight = (int)be_int(p + 2, 2);
	unsigned sign = (unsigned)(p[4] << 8 | p[5]);
	if (ndigits < 0 || n < 8 + 2 * ndigits || sign == 0xC000)
		return 0;
	uint64_t v = 0;
	for (int k = 0; k <= weight; k++) {
		uint64_t d = k < ndigits ? (uint64_t)be_int(p + 8 + 2 * k, 2) : 0;
		if (v > (UINT64_MAX - d) / 10000)
			return sign == 0x4000 ? INT64_MIN : INT64_MAX;
		v = v * 10000 + d;
	}
	if (v > (uint64_t)INT64_MAX)
		return sign == 0x4000 ? INT64_MIN : INT64_MAX;
	return sign == 0x4000 ? -(int64_t)v : (int64_t)v;
}

static int64_t pg_col_int(gd__stmt *x, int i)
{
	struct pg_stmt *st = ST(x);
	if (PQgetisnull(st->res, st->row, i))
		return 0;
	const unsigned char *p = (const unsigned char *)PQgetvalue(st->res, st->row, i);
	int n = PQgetlength(st->res, st->row, i);
	switch (PQftype(st->res, i)) {
	case OID_INT8:
	case OID_INT4:
	case OID_INT2:
	case OID_BOOL: return be_int(p, n);
	case OID_NUMERIC: return numeric_int(p, n);
	default: return strtoll((const char *)p, NULL, 10); /* digits kept as text or bytea */
	}
}

static const void *pg_col_blob(gd__stmt *x, int i, size_t *n)
{
	struct pg_stmt *st = ST(x);
	if (PQgetisnull(st->res, st->row, i)) {
		*n = 0;
		return NULL;
	}
	*n = (size_t)PQgetlength(st->res, st->row, i);
	return PQgetvalue(st->res, st->row, i);
}

static const char *pg_col_text(gd__stmt *x, int i)
{
	struct pg_stmt *st = ST(x);
	if (PQgetisnull(st->res, st->row, i))
		return NULL;
	Oid t = PQftype(st->res, i);
	if (t == OID_INT8 || t == OID_INT4 || t == OID_INT2 || t == OID_NUMERIC) {
		/* A number asked for as text: its digits, kept in the statement. */
		int slot = i < MAX_PARAMS ? i : MAX_PARAMS - 1;
		snprintf(st->ints[slot], sizeof st->ints[slot], "%lld", (long long)pg_col_int(x, i));
		return st->ints[slot];
	}
	return PQgetvalue(st->res, st->row, i); /* libpq always NUL-terminates */
}

static bool pg_col_null(gd__stmt *x, int i)
{
	struct pg_stmt *st = ST(x);
	return PQgetisnull(st->res, st->row, i);
}

static int pg_col_count(gd__stmt *x)
{
	return PQnfields(ST(x)->res);
}

static const char *pg_col_name(gd__stmt *x, int i)
{
	return PQfname(ST(x)->res, i);
}

static int pg_col_type(gd__stmt *x, int i)
{
	struct pg_stmt *st = ST(x);
	if (PQgetisnull(st->res, st->row, i))
		return GD__COL_NULL;
	switch (PQftype(st->res, i)) {
	case OID_INT8:
	case OID_INT4:
	case OID_INT2:
	case OID_BOOL:
	case OID_NUMERIC: return GD__COL_INT;
	case OID_BYTEA: return GD__COL_BLOB;
	default: return GD__COL_TEXT;
	}
}

static int64_t pg_changes(gd__store *base)
{
	struct pg_store *s = PG(base);
	if (s->count_at && drain(s) < 0)
		return 0; /* the transaction is poisoned: every later call fails */
	return s->changes;
}

static void pg_rollback(gd__store *base);

/*
 * BEGIN and the write lock are sent, not waited for: the transaction's first
 * statement goes behind them and its sync reads all three (run_waited), so a
 * transaction does not begin with a round trip of its own. The lock is
 * still taken before any statement of the transaction runs; a failure of
 * either poisons the transaction and is reported by that first statement.
 */
static int pg_begin(gd__store *base)
{
	struct pg_store *s = PG(base);
	tx_ended(s);
	int rc = queue(s, NULL, "BEGIN");
	if (rc == 0)
		rc = queue(s, NULL, lock_sql());
	if (rc == 0)
		s->in_tx = true;
	else
		pg_rollback(base);
	return rc;
}

/*
 * A caller's batch (store.h): BEGIN now, the write lock before its first
 * write (lock_now: a write operation's start, a write statement, a
 * savepoint, an id). Until then it reads as reads outside a batch do.
 */
static int pg_begin_batch(gd__store *base)
{
	struct pg_store *s = PG(base);
	tx_ended(s);
	int rc = queue(s, NULL, "BEGIN");
	if (rc == 0)
		s->in_tx = s->lock_pending = true;
	else
		pg_rollback(base);
	return rc;
}

static int pg_lock_writes(gd__store *base)
{
	return lock_now(PG(base));
}

/* A read: without the write lock (a read's only write, its audit entry, is
 * appended after it in a transaction of its own), on one snapshot as SQLite's
 * read transaction is: a read that looks at a row twice, or at a tenant's key
 * and then at what that key wrapped or indexed, sees them as they were
 * together, whatever commits meanwhile (a key rotation re-indexing between a
 * look-up under the new key and one under the previous key would otherwise
 * make an identifier found by neither). Its BEGIN is sent with its first
 * statement, as a write transaction's. */
static int pg_begin_read(gd__store *base)
{
	struct pg_store *s = PG(base);
	tx_ended(s);
	int rc = queue(s, NULL, "BEGIN ISOLATION LEVEL REPEATABLE READ");
	if (rc == 0)
		s->in_tx = s->read_tx = true;
	else
		pg_rollback(base);
	return rc;
}

static int pg_exec_script(gd__store *s, const char *sql)
{
	int rc = lock_now(PG(s));
	return rc < 0 ? rc : exec_simple(PG(s), sql);
}

/*
 * An audit lane is held by a session-level advisory lock (class "lane" xor
 * the schema's hash, key the lane: lanes of vaults in other schemas of the
 * database are other locks): a live session keeps it, a dead one's is
 * released by the server with its connection, so the next claimer takes the
 * lane over and continues from the head stored in the database (the audit
 * module never trusts memory for it). The lowest free lane is taken, and a
 * closing handle frees its lane before it disconnects (pg_close), so lanes
 * stay few.
 */
static int pg_claim_lane(gd__store *base, int64_t *lane)
{
	struct pg_store *s = PG(base);
	int drained = drain(s); /* the first append of a batch may come with deferred writes pending */
	if (drained < 0)
		return drained;
	for (int64_t l = 0; l < 65536; l++) {
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT pg_try_advisory_lock(%d # " SCHEMA_KEY ", %d)", LOCK_LANE, (int)l);
		PGresult *res = PQexec(s->conn, sql);
		int rc = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 ? 0 : map_result(s, res);
		bool got = rc == 0 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
		PQclear(res);
		if (rc < 0)
			return rc;
		if (got) {
			*lane = l;
			s->lane_held = true;
			return 0;
		}
	}
	return gd__err(GD_EBUSY, "every audit lane is held by a live session: close idle gardien processes");
}

/* The COMMIT goes behind the writes in flight: one round trip for both. */
static int pg_commit(gd__store *base)
{
	struct pg_store *s = PG(base);
	PGresult *res;
	int rc = run_waited(s, NULL, "COMMIT", &res);
	if (rc < 0 && s->poisoned) {
		/* A deferred write failed (the COMMIT was skipped): what the
		 * transaction holds is not whole. */
		pg_rollback(base);
		return rc;
	}
	/* A COMMIT of a failed transaction reports ROLLBACK: nothing was kept. */
	if (rc == 0 && strcmp(PQcmdStatus(res), "ROLLBACK") == 0)
		rc = gd__err(GD_ERROR, "storage (PostgreSQL): the transaction failed and was rolled back");
	PQclear(res);
	tx_ended(s);
	return rc;
}

static void pg_rollback(gd__store *base)
{
	struct pg_store *s = PG(base);
	if (s->read_tx && !s->poisoned && !s->npending) {
		/* A read wrote nothing: its ROLLBACK is sent, not waited for (the
		 * next sync reads its result), and flushed, so that the server
		 * ends the transaction now and not at the next operation. */
		if (queue(s, NULL, "ROLLBACK") == 0 && PQflush(s->conn) == 0) {
			tx_ended(s);
			return;
		}
	}
	/* Whatever is deferred is read and dropped; the rollback ends the poison. */
	rows_clear(s);
	s->poisoned = 0;
	int rc = drain(s);
	(void)rc;
	s->poisoned = 0;
	if (PQtransactionStatus(s->conn) != PQTRANS_IDLE)
		exec_simple(s, "ROLLBACK");
	tx_ended(s);
}

static int pg_savepoint(gd__store *base)
{
	struct pg_store *s = PG(base);
	int rc = lock_now(s);
	if (rc < 0)
		return rc;
	return s->in_tx ? queue(s, NULL, "SAVEPOINT op") : exec_simple(s, "SAVEPOINT op");
}

static int pg_release(gd__store *base)
{
	struct pg_store *s = PG(base);
	return s->in_tx ? queue(s, NULL, "RELEASE SAVEPOINT op") : exec_simple(s, "RELEASE SAVEPOINT op");
}

/* A poisoned transaction stays so (file comment): the write that failed may
 * be an earlier operation's, which its caller was told had succeeded. */
static void pg_rollback_to(gd__store *base)
{
	struct pg_store *s = PG(base);
	s->undo_serial++; /* the cursors declared since the savepoint are gone */
	if (drain(s) < 0)
		return;
	if (exec_simple(s, "ROLLBACK TO SAVEPOINT op") < 0 || exec_simple(s, "RELEASE SAVEPOINT op") < 0)
		pg_rollback(base);
}

/* See the file comment: the rows are deleted and the key is gone; dead tuples
 * are left to VACUUM, WAL to its recycling, copies to their retention. */
static int pg_commit_erasure(gd__store *s, bool wait, bool *scrubbed)
{
	(void)wait;
	int rc = pg_commit(s);
	*scrubbed = rc == 0;
	return rc;
}

/*
 * Each counter is a sequence (pg/00-vault.sql): nextval never gives an id
 * twice, whatever process asks, and needs no row lock. Inside a transaction
 * ids are taken in blocks that grow fourfold (1, 4, 16 … IDS_MAX), one round trip
 * each; the block is taken under the write lock and what is left of it is
 * dropped when the transaction ends, so ids still increase in commit order
 * across processes. A dropped id is skipped, never reused (store.h).
 */
static int pg_next_id(gd__store *base, enum gd__counter counter, int64_t *out)
{
	static const char *const sql[GD__COUNTERS] = {
		[GD__COUNTER_RECORDS] = "SELECT min(i), max(i), count(*) FROM (SELECT nextval('counter_records') AS i"
					" FROM generate_series(1, ?)) x",
		[GD__COUNTER_BREACHES] = "SELECT min(i), max(i), count(*) FROM (SELECT nextval('counter_breaches') AS i"
					 " FROM generate_series(1, ?)) x",
		[GD__COUNTER_REQUESTS] = "SELECT min(i), max(i), count(*) FROM (SELECT nextval('counter_requests') AS i"
					 " FROM generate_series(1, ?)) x",
		[GD__COUNTER_HOLDS] = "SELECT min(i), max(i), count(*) FROM (SELECT nextval('counter_holds') AS i"
				      " FROM generate_series(1, ?)) x",
		[GD__COUNTER_GRANTS] = "SELECT min(i), max(i), count(*) FROM (SELECT nextval('counter_auth_grants') AS i"
				       " FROM generate_series(1, ?)) x",
	};
	struct pg_store *s = PG(base);
	if (s->ids[counter].next < s->ids[counter].end) {
		*out = s->ids[counter].next++;
		return 0;
	}
	int rc = lock_now(s); /* ids are taken under the write lock */
	if (rc < 0)
		return rc;
	int64_t block = s->in_tx && s->ids[counter].block > 0 ? s->ids[counter].block : 1;
	gd__stmt *st;
	rc = pg_prepare(base, &st, sql[counter]);
	if (rc == 0)
		rc = pg_bind_int(st, 1, block);
	if (rc < 0)
		return rc;
	if ((rc = pg_step(st)) == 1) {
		int64_t lo = pg_col_int(st, 0), hi = pg_col_int(st, 1), n = pg_col_int(st, 2);
		rc = 0;
		*out = lo;
		/* Contiguous unless another session took ids meanwhile (all of
		 * gardien's take them under the write lock): then the first alone. */
		if (s->in_tx && n == block && hi - lo + 1 == n) {
			s->ids[counter].next = lo + 1;
			s->ids[counter].end = hi + 1;
			s->ids[counter].block = block * 4 > IDS_MAX ? IDS_MAX : block * 4;
		}
	} else if (rc == 0) {
		rc = gd__err(GD_ECORRUPT, "the vault has no \"%s\" id sequence", gd__counter_names[counter]);
	}
	pg_reset(st);
	return rc;
}

static int pg_has_table(gd__store *base, const char *name)
{
	struct pg_store *s = PG(base);
	const char *params[1] = {name};
	int rc = drain(s);
	if (rc < 0)
		return rc;
	PGresult *res = PQexecParams(s->conn,
	                             "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema()"
	                             " AND tablename = $1",
	                             1, NULL, params, NULL, NULL, 0);
	rc = PQresultStatus(res) == PGRES_TUPLES_OK ? PQntuples(res) > 0 : map_result(s, res);
	PQclear(res);
	return rc;
}

/* The tables of an SQLite snapshot's schema, which a backup copies. */
static int snapshot_tables(gd__store *sq, char ***out, size_t *n)
{
	gd__stmt *st;
	size_t cap = 0;
	*out = NULL, *n = 0;
	int rc = sq->engine->prepare(sq, &st, "SELECT name FROM sqlite_master WHERE type = 'table'"
	                                      " AND name NOT LIKE 'sqlite_%' ORDER BY name");
	while (rc == 0 && (rc = sq->engine->step(st)) == 1) {
		if (*n == cap) {
			char **v = gd__calloc(cap = cap ? 2 * cap : 32, sizeof *v);
			if (!v) {
				rc = GD_ENOMEM;
				break;
			}
			if (*n)
				memcpy(v, *out, *n * sizeof *v);
			gd__free(*out);
			*out = v;
		}
		if (!((*out)[(*n)++] = gd__strdup(sq->engine->col_text(st, 0))))
			rc = GD_ENOMEM;
		else
			rc = 0;
	}
	if (rc >= 0)
		sq->engine->reset(st);
	return rc < 0 ? rc : 0;
}

static void free_tables(char **t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		gd__free(t[i]);
	gd__free(t);
}

/*
 * A backup of a PostgreSQL vault is the same snapshot as an SQLite vault's: an
 * SQLite database at `dest` holding every row, read on a connection of its own
 * in one REPEATABLE READ transaction (a consistent snapshot, writers going on),
 * and the id sequences' positions written to its counters table.
 */
static int pg_backup(gd__store *base, const char *dest)
{
	gd__store *src = NULL, *dst = NULL;
	struct gd__store_keep keep = {0};
	char **tables = NULL;
	size_t ntables = 0;
	int64_t n;
	int rc;
	if ((rc = pg_open(&src, PG(base)->url, false, 0)) < 0)
		return rc;
	if ((rc = exec_simple(PG(src), "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")) < 0)
		goto done;
	PG(src)->in_tx = true; /* the tables are scans (gd__store_copy) */
	if ((rc = gd__sqlite_engine.open(&dst, dest, true, 0)) < 0 || (rc = dst->engine->begin(dst)) < 0)
		goto done;
	if ((rc = snapshot_tables(dst, &tables, &ntables)) < 0)
		goto done;
	for (size_t i = 0; rc == 0 && i < ntables; i++) {
		char *del = gd__store_keep_printf(&keep, "DELETE FROM %s", tables[i]);
		rc = del ? gd__db_exec(dst, del, NULL) : GD_ENOMEM;
		if (rc == 0)
			rc = gd__store_copy(src, dst, tables[i], &keep, &n);
	}
	for (int c = 0; rc == 0 && c < GD__COUNTERS; c++) {
		int64_t last = 0;
		char *q = gd__store_keep_printf(&keep, "SELECT CASE WHEN is_called THEN last_value ELSE 0 END"
		                                       " FROM counter_%s",
		                                gd__counter_names[c]);
		rc = q ? gd__db_int(src, &last, q, NULL) : GD_ENOMEM;
		if (rc == 0)
			rc = gd__db_exec(dst, "INSERT INTO counters (name, value) VALUES (?, ?)"
			                      " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
			                 "ti", gd__counter_names[c], last);
	}
	rc = rc == 0 ? dst->engine->commit(dst) : rc;
done:
	if (dst)
		dst->engine->rollback(dst);
	pg_rollback(src);
	pg_close(src);
	if (dst)
		dst->engine->close(dst);
	gd__store_keep_release(&keep);
	free_tables(tables, ntables);
	return rc;
}

int gd__pg_load(const char *url, const char *snapshot)
{
	gd__store *src = NULL, *dst = NULL;
	struct gd__store_keep keep = {0};
	char **tables = NULL;
	size_t ntables = 0;
	int64_t n;
	int rc;
	if ((rc = gd__sqlite_engine.open(&src, snapshot, false, 0)) < 0)
		return rc;
	/* create: a database emptied (or new) after the vault was lost takes the schema first. */
	if ((rc = pg_open(&dst, url, true, 0)) < 0 || (rc = pg_begin(dst)) < 0)
		goto done;
	if ((rc = snapshot_tables(src, &tables, &ntables)) < 0)
		goto done;
	for (size_t i = 0; rc == 0 && i < ntables; i++) {
		char *trunc = gd__store_keep_printf(&keep, "TRUNCATE %s", tables[i]);
		rc = trunc ? exec_simple(PG(dst), trunc) : GD_ENOMEM;
		if (rc == 0)
			rc = gd__store_copy(src, dst, tables[i], &keep, &n);
	}
	for (int c = 0; rc == 0 && c < GD__COUNTERS; c++) {
		int64_t last = 0;
		rc = gd__db_int(src, &last, "SELECT value FROM counters WHERE name = ?", "t", gd__counter_names[c]);
		char *sql = gd__store_keep_printf(&keep, "SELECT setval('counter_%s', greatest(?, 1), ? > 0)",
		                                  gd__counter_names[c]);
		if (rc == 0)
			rc = sql ? gd__db_exec(dst, sql, "ii", last, last) : GD_ENOMEM;
	}
	/* Identity columns continue above the rows restored. */
	if (rc == 0)
		rc = exec_simple(PG(dst),
		                 "DO $$ DECLARE r record; BEGIN"
		                 " FOR r IN SELECT table_name FROM information_schema.columns"
		                 "  WHERE table_schema = current_schema() AND column_name = 'id' AND is_identity = 'YES'"
		                 " LOOP EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, ''id''),"
		                 "  coalesce(max(id), 0) + 1, false) FROM %I', r.table_name, r.table_name);"
		                 " END LOOP; END $$");
	rc = rc == 0 ? pg_commit(dst) : rc;
done:
	/* Not after the commit: its storage calls (fault points) would fail a restore that is done. */
	if (dst && rc < 0)
		pg_rollback(dst);
	pg_close(dst);
	src->engine->close(src);
	gd__store_keep_release(&keep);
	free_tables(tables, ntables);
	return rc;
}

bool gd__pg_is_url(const char *path)
{
	return path && (strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0);
}

const struct gd__store_engine gd__pg_engine = {
	.name = "postgresql",
	.atomic_statements = true, /* a failure aborts the transaction whole (store.h) */
	.open = pg_open,
	.close = pg_close,
	.prepare = pg_prepare,
	.param_count = pg_param_count,
	.bind_int = pg_bind_int,
	.bind_blob = pg_bind_blob,
	.bind_text = pg_bind_text,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.col_int = pg_col_int,
	.col_blob = pg_col_blob,
	.col_text = pg_col_text,
	.col_null = pg_col_null,
	.col_count = pg_col_count,
	.col_name = pg_col_name,
	.col_type = pg_col_type,
	.reset = pg_reset,
	.scan = pg_scan,
	.changes = pg_changes,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.savepoint = pg_savepoint,
	.release = pg_release,
	.rollback_to = pg_rollback_to,
	.commit_erasure = pg_commit_erasure,
	.next_id = pg_next_id,
	.has_table = pg_has_table,
	.backup = pg_backup,
	.begin_read = pg_begin_read,
	.begin_batch = pg_begin_batch,
	.lock_writes = pg_lock_writes,
	.exec_script = pg_exec_script,
	.claim_lane = pg_claim_lane,
};
