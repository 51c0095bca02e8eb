/*
 * audit_lane.c — lanes and reads off the write lock.
 *
 * Lanes. A tenant's trail is one hash chain per lane (docs/FORMAT.md,
 * "Lanes"): each writer appends to a lane of its own, so that writers of one
 * tenant never extend the same chain at once and a chain never forks. A vault
 * handle claims its lane at its first append and holds it until it closes:
 * on PostgreSQL a session advisory lock (store_pg.c, claim_lane), released
 * by the server when the session ends, even by kill -9; the next claimer
 * takes the lane over and continues from the head stored in the database —
 * the head is read from the database in every transaction (audit.c), never
 * carried over from memory. On SQLite every writer holds the file's write lock
 * for its whole transaction, so one lane (0) serves every process: a lane per
 * process would add chains without letting anyone write sooner.
 *
 * Format 5 keyed the tables by (tenant, lane): gd__audit_migrate_lanes turns
 * the chains of an older vault into lane 0 of their tenant, in the vault's
 * upgrade transaction. Entry hashes are unchanged ("gardien audit v1" covers
 * tenant and seq, not the lane); checkpoints and anchors sign the lane
 * ("gardien checkpoint v2"), which binds every entry they cover to it.
 *
 * Reads off the write lock. An audited read outside a batch runs in a read
 * transaction (vault/tx.c): concurrently with other readers and with the
 * writer. Its entry is kept aside (gd__audit_defer) and appended, once the
 * read transaction has ended, in a write transaction of its own that commits
 * durably (gd__audit_commit_deferred) — before the read returns its value. A
 * crash before that commit loses the entry of a read whose value no caller
 * received; a crash after it loses nothing. The write transaction starts after
 * the read one ended, so a reader never holds a snapshot while it waits for
 * the write lock (which would make an erasure's checkpoint wait for it).
 */
#include <pthread.h>
#include <string.h>

#include "lib/audit/audit.h"
#include "lib/internal.h"
#include "lib/vault/embedded.h"

struct gd__audit_deferred {
	int64_t tenant;
	char *s[6]; /* principal, action, purpose, subject, category, reason */
	int64_t record_id;
	int outcome;
};

int gd__audit_lane(gd_vault *v, int64_t *lane)
{
	if (v->audit.lane < 0) {
		const struct gd__store_engine *e = v->store->engine;
		int64_t l = 0;
		int rc = e->claim_lane ? e->claim_lane(v->store, &l) : 0;
		if (rc < 0)
			return rc;
		v->audit.lane = l;
	}
	*lane = v->audit.lane;
	return 0;
}

/* ---- format 5 ------------------------------------------------------------- */

/* 1 when `table` has a lane column, 0 when not: probed under a savepoint (a
 * failed statement aborts a PostgreSQL transaction). */
static int has_lane(gd_vault *v, const char *probe)
{
	int rc = gd__op_begin(v);
	if (rc < 0)
		return rc;
	int64_t n = 0;
	rc = gd__db_int(v->store, &n, probe, NULL);
	bool yes = rc == 0;
	gd__op_end(v, yes ? 0 : GD_ERROR);
	return yes;
}

/*
 * Re-creates audit_blocks and audit_checkpoints from the engine's schema file
 * with a lane column, the existing chains as lane 0: the old table renamed
 * aside, the new one created by the schema file's own statements (the
 * engine's types, options and key), filled from the old one, which is then
 * dropped. (PostgreSQL gives the new key's index a free name beside the
 * renamed table's.)
 */
int gd__audit_migrate_lanes(gd_vault *v)
{
	gd__store *db = v->store;
	const struct gd__store_engine *e = db->engine;
	const struct gd__embedded *schema = gd__embedded_find(
		strcmp(e->name, "sqlite") == 0 ? "src/lib/store/sqlite/10-audit.sql" : "src/lib/store/pg/10-audit.sql");
	if (!schema || !e->exec_script)
		return gd__err(GD_ERROR, "internal: no audit schema for the %s engine", e->name);
	int blocks = has_lane(v, "SELECT count(lane) FROM audit_blocks");
	int cps = blocks < 0 ? blocks : has_lane(v, "SELECT count(lane) FROM audit_checkpoints");
	if (blocks < 0 || cps < 0)
		return blocks < 0 ? blocks : cps;
	int rc = 0;
	if (!blocks)
		rc = e->exec_script(db, "ALTER TABLE audit_blocks RENAME TO audit_blocks_v4");
	if (rc == 0 && !cps)
		rc = e->exec_script(db, "ALTER TABLE audit_checkpoints RENAME TO audit_checkpoints_v4");
	if (rc == 0 && (!blocks || !cps))
		rc = e->exec_script(db, schema->data);
	if (rc == 0 && !blocks)
		rc = e->exec_script(db, "INSERT INTO audit_blocks (tenant_id, lane, first_seq, last_seq, body)"
		                        " SELECT tenant_id, 0, first_seq, last_seq, body FROM audit_blocks_v4;"
		                        " DROP TABLE audit_blocks_v4");
	if (rc == 0 && !cps)
		rc = e->exec_script(db, "INSERT INTO audit_checkpoints (tenant_id, lane, seq, kind, at, hash, sig)"
		                        " SELECT tenant_id, 0, seq, kind, at, hash, sig FROM audit_checkpoints_v4;"
		                        " DROP TABLE audit_checkpoints_v4");
	return rc;
}

/* ---- reads off the write lock --------------------------------------------- */

static void deferred_free(struct gd__audit_deferred *d)
{
	for (int i = 0; i < 6; i++)
		gd__free(d->s[i]), d->s[i] = NULL;
}

void gd__audit_drop_deferred_from(gd_vault *v, int from)
{
	for (int i = from; i < v->audit.ndeferred; i++)
		deferred_free(&v->audit.deferred[i]);
	if (from < v->audit.ndeferred)
		v->audit.ndeferred = from;
}

void gd__audit_drop_deferred(gd_vault *v)
{
	gd__audit_drop_deferred_from(v, 0);
}

int gd__audit_defer(gd_vault *v, int64_t tenant, const char *principal, const struct gd__audit_event *ev)
{
	if (v->audit.ndeferred == v->audit.deferred_cap) {
		int cap = v->audit.deferred_cap ? 2 * v->audit.deferred_cap : 4;
		struct gd__audit_deferred *n = gd__calloc((size_t)cap, sizeof *n);
		if (!n)
			return gd__err(GD_ENOMEM, "out of memory for the audit trail");
		if (v->audit.ndeferred)
			memcpy(n, v->audit.deferred, (size_t)v->audit.ndeferred * sizeof *n);
		gd__free(v->audit.deferred);
		v->audit.deferred = n;
		v->audit.deferred_cap = cap;
	}
	struct gd__audit_deferred *d = &v->audit.deferred[v->audit.ndeferred];
	const char *src[6] = {principal, ev->action, ev->purpose, ev->subject, ev->category, ev->reason};
	memset(d, 0, sizeof *d);
	d->tenant = tenant;
	d->record_id = ev->record_id;
	d->outcome = (int)ev->outcome;
	for (int i = 0; i < 6; i++) {
		if (src[i] && !(d->s[i] = gd__strdup(src[i]))) {
			deferred_free(d);
			return gd__err(GD_ENOMEM, "out of memory for the audit trail");
		}
	}
	v->audit.ndeferred++;
	return 0;
}

/*
 * Group commit. The handles of one vault in a process (the server's worker
 * threads, an application's threads) share a queue: a reader whose entries
 * are waiting either finds a committer at work and waits for it, or becomes
 * the committer — it takes every entry queued so far, its own and other
 * readers', appends them to its lane in one write transaction and commits
 * once, then wakes the readers whose entries it wrote, each with the result.
 * So one process has at most one committer per vault at a time, and many
 * readers' entries cost one durable commit. A reader returns its value only
 * once its own entries are committed; if the group's commit fails, every
 * read in it fails.
 */
struct waiter {
	struct gd__audit_deferred *d; /* its entries, owned by the waiter */
	int n;
	int rc;
	bool done;
	struct waiter *next;
};

struct gd__audit_group {
	struct gd__audit_group *next;
	char *path;
	int refs;
	bool busy; /* a committer is at work */
	struct waiter *head, **tail;
	pthread_cond_t cond;
};

static pthread_mutex_t groups_mu = PTHREAD_MUTEX_INITIALIZER;
static struct gd__audit_group *groups;

/* The vault's group (created on first use), referenced by the handle until it closes. */
static struct gd__audit_group *group_of(gd_vault *v)
{
	if (v->audit.group)
		return v->audit.group;
	struct gd__audit_group *g;
	for (g = groups; g && strcmp(g->path, v->path) != 0; g = g->next)
		;
	if (!g) {
		if (!(g = gd__calloc(1, sizeof *g)) || !(g->path = gd__strdup(v->path))) {
			gd__free(g);
			return NULL;
		}
		g->tail = &g->head;
		pthread_cond_init(&g->cond, NULL);
		g->next = groups;
		groups = g;
	}
	g->refs++;
	return v->audit.group = g;
}

void gd__audit_group_release(gd_vault *v)
{
	struct gd__audit_group *g = v->audit.group;
	if (!g)
		return;
	pthread_mutex_lock(&groups_mu);
	if (--g->refs == 0) {
		struct gd__audit_group **p = &groups;
		while (*p != g)
			p = &(*p)->next;
		*p = g->next;
		pthread_cond_destroy(&g->cond);
		gd__free(g->path);
		gd__free(g);
	}
	pthread_mutex_unlock(&groups_mu);
	v->audit.group = NULL;
}

/* Appends the waiters' entries to this handle's lane in one transaction, committed durably. */
static int commit_group(gd_vault *v, struct waiter *w)
{
	int rc = gd__op_begin(v);
	if (rc < 0)
		return rc;
	v->audit.flushing_deferred = true;
	for (; rc == 0 && w; w = w->next) {
		for (int i = 0; rc == 0 && i < w->n; i++) {
			const struct gd__audit_deferred *d = &w->d[i];
			rc = gd__audit_append(v, d->tenant, d->s[0],
			                      &(struct gd__audit_event){.action = d->s[1], .purpose = d->s[2], .subject = d->s[3], .category = d->s[4], .reason = d->s[5], .record_id = d->record_id, .outcome = (enum gd__outcome)d->outcome});
		}
	}
	v->audit.flushing_deferred = false;
	if (rc == 0 && gd__fault_point())
		rc = gd__err(GD_EIO, "storage failure (injected)");
	/* Durable when it returns 0: the reads may hand their values over. */
	return gd__op_end(v, rc);
}

int gd__audit_commit_deferred(gd_vault *v)
{
	if (!v->audit.ndeferred)
		return 0;
	struct waiter me = {.d = v->audit.deferred, .n = v->audit.ndeferred};
	bool led = false;
	int rc;
	pthread_mutex_lock(&groups_mu);
	struct gd__audit_group *g = group_of(v);
	if (!g) {
		pthread_mutex_unlock(&groups_mu);
		gd__audit_drop_deferred(v);
		return gd__err(GD_ENOMEM, "out of memory for the audit trail");
	}
	*g->tail = &me;
	g->tail = &me.next;
	for (;;) {
		while (g->busy && !me.done)
			pthread_cond_wait(&g->cond, &groups_mu);
		if (me.done)
			break;
		/* No committer at work and this read still waits: commit every entry queued. */
		struct waiter *batch = g->head;
		g->head = NULL;
		g->tail = &g->head;
		g->busy = true;
		led = true; /* &me is in the batch: only a committer marks a waiter done */
		pthread_mutex_unlock(&groups_mu);
		rc = commit_group(v, batch);
		pthread_mutex_lock(&groups_mu);
		for (struct waiter *w = batch; w; w = w->next) {
			w->rc = rc;
			w->done = true;
		}
		g->busy = false;
		pthread_cond_broadcast(&g->cond);
	}
	pthread_mutex_unlock(&groups_mu);
	rc = me.rc;
	if (rc < 0 && !led) /* the committer's thread holds the message */
		rc = gd__err(rc, "the audit entry of this read could not be committed with its group:"
		                 " the read returns nothing; try it again");
	gd__audit_drop_deferred(v);
	return rc;
}

int gd__audit_group_waiting(gd_vault *v)
{
	int n = 0;
	pthread_mutex_lock(&groups_mu);
	struct gd__audit_group *g;
	for (g = groups; g && strcmp(g->path, v->path) != 0; g = g->next)
		;
	for (struct waiter *w = g ? g->head : NULL; w; w = w->next)
		n++;
	pthread_mutex_unlock(&groups_mu);
	return n;
}
