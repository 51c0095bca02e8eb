/*
 * tx.c — the transaction layer, above the storage engine: the operation
 * bracket (a transaction at the outermost level, a savepoint inside), the
 * caller's batches (gd_vault_begin/commit/rollback), and the hooks through
 * which the modules that buffer work until a commit take part in it.
 *
 * The storage engine below knows nothing of them: it is a leaf. A module
 * registers a struct gd__tx_hooks when the vault opens (vault.c): the audit
 * trail writes its buffered block before a savepoint and before a commit and
 * drops it on a rollback; the erasure journal is synced before a commit so an
 * erasure is never on disk without its journal entry. Hooks run in the order
 * they were registered.
 *
 * An outermost read (gd__op_begin_read) runs in a read transaction of the
 * engine (no write lock) and its audit entries are committed after it, before
 * gd__op_end returns (audit/audit_lane.c) — or, inside a group of reads
 * (gd_vault_reads_begin), by gd_vault_reads_commit, for the whole group: the
 * caller then holds the values until that commit succeeded. Outermost write transactions and
 * batches of a file vault hold the writers' queue lock (vault/lock.c) from
 * before BEGIN to after COMMIT or ROLLBACK.
 *
 * Invariants: an operation either commits (or releases its savepoint) whole
 * or leaves nothing; tx.gen changes at every begin and every rollback, so a
 * cache of a transaction's reads never outlives what it read.
 */
#include "lib/internal.h"

int gd__tx_hook(gd_vault *v, const struct gd__tx_hooks *h)
{
	if (v->tx.nhooks >= GD__TX_MAX_HOOKS)
		return gd__err(GD_ERROR, "internal: too many transaction hooks");
	v->tx.hooks[v->tx.nhooks++] = h;
	return 0;
}

static int before_savepoint(gd_vault *v)
{
	int rc = 0;
	for (int i = 0; rc == 0 && i < v->tx.nhooks; i++)
		if (v->tx.hooks[i]->savepoint)
			rc = v->tx.hooks[i]->savepoint(v);
	return rc;
}

static int before_commit(gd_vault *v, bool batch)
{
	int rc = 0;
	for (int i = 0; rc == 0 && i < v->tx.nhooks; i++)
		if (v->tx.hooks[i]->commit)
			rc = v->tx.hooks[i]->commit(v, batch);
	return rc;
}

static void after_rollback(gd_vault *v, bool whole)
{
	for (int i = 0; i < v->tx.nhooks; i++)
		if (v->tx.hooks[i]->rollback)
			v->tx.hooks[i]->rollback(v, whole);
}

static int write_lock(gd_vault *v)
{
	int rc = gd__lock_write(v->lock);
	v->tx.write_locked = rc == 0;
	return rc;
}

static void write_unlock(gd_vault *v)
{
	if (v->tx.write_locked)
		gd__lock_write_release(v->lock);
	v->tx.write_locked = false;
}

/* Ends the read transaction a group of reads keeps open (its entries stay kept). */
static void end_group_read(gd_vault *v)
{
	v->store->engine->rollback(v->store);
	v->tx.read = false;
	v->tx.gen++;
}

static int op_begin(gd_vault *v, bool light, bool read)
{
	const struct gd__store_engine *e = v->store->engine;
	if (gd__fault_point())
		return gd__err(GD_EIO, "storage failure (injected)");
	if (v->tx.depth >= 31)
		return gd__err(GD_ERROR, "internal: operations nested too deep");
	bool outer = !v->tx.batch && !v->tx.depth;
	/* A group's read transaction stays open between its reads; a write ends it. */
	if (outer && v->tx.reads && v->tx.read && !read)
		end_group_read(v);
	bool nested = !outer || v->tx.read;
	int rc = 0;
	if (outer && read)
		v->tx.read_mark = v->audit.ndeferred;
	/* A write operation in a batch whose engine left the lock for later
	 * (begin_batch): taken before the operation's first statement. */
	if (nested && !read && !v->tx.read && e->lock_writes && (rc = e->lock_writes(v->store)) < 0)
		return rc;
	if (!nested && read && e->begin_read) {
		/* A read: no write lock (its entry is appended after it, gd__op_end). */
		if ((rc = e->begin_read(v->store)) == 0) {
			v->tx.gen++;
			v->tx.read = true;
		}
	} else if (!nested) {
		if ((rc = write_lock(v)) == 0 && (rc = e->begin(v->store)) == 0)
			v->tx.gen++;
		else
			write_unlock(v);
	} else if (v->tx.read && !light) {
		return gd__err(GD_ERROR, "internal: a write inside a read operation");
	} else if (!light) {
		/* What the hooks buffered so far belongs outside the savepoint. */
		if ((rc = before_savepoint(v)) == 0)
			rc = e->savepoint(v->store);
	}
	if (rc == 0) {
		v->tx.light = (v->tx.light & ~(1u << v->tx.depth)) | ((unsigned)(light && nested) << v->tx.depth);
		v->tx.depth++;
	}
	return rc;
}

int gd__op_begin(gd_vault *v)
{
	return op_begin(v, false, false);
}

int gd__op_begin_read(gd_vault *v)
{
	return op_begin(v, true, true);
}

int gd__op_begin_lean(gd_vault *v)
{
	return op_begin(v, v->store->engine->atomic_statements, false);
}

/*
 * The end of a read transaction: it wrote nothing, so it is rolled back (no
 * sync); then the entries it audited are appended and committed durably
 * before the read reports success. In a group of reads, the entries wait for
 * gd_vault_reads_commit and the transaction stays open for the group's next
 * reads (one snapshot, the register and limits looked up once) until a write
 * or the commit ends it. A failed read drops its own entries only, and ends
 * the transaction (a storage failure may have broken it).
 */
static int end_read(gd_vault *v, int rc)
{
	if (v->tx.reads && rc == 0)
		return 0;
	v->store->engine->rollback(v->store);
	v->tx.read = false;
	v->tx.gen++;
	if (rc < 0) {
		gd__audit_drop_deferred_from(v, v->tx.read_mark);
		return rc;
	}
	int c = v->tx.reads ? 0 : gd__audit_commit_deferred(v);
	return c < 0 ? c : rc;
}

int gd__op_end_given(gd_vault *v, int rc, int given)
{
	if (rc < 0)
		return gd__op_end(v, rc);
	rc = gd__op_end(v, 0);
	return rc < 0 ? rc : given;
}

int gd__op_end(gd_vault *v, int rc)
{
	const struct gd__store_engine *e = v->store->engine;
	v->tx.depth--;
	bool outermost = !v->tx.batch && v->tx.depth == 0;
	if (outermost && v->tx.read)
		return end_read(v, rc);
	if (!outermost && (v->tx.light >> v->tx.depth & 1u)) {
		/* A read or a lean write: its writes either happened whole or not
		 * at all (gd__audit_append, gd_record_put). Nothing to release or
		 * undo, and nothing may fail after its last write. */
		return rc;
	}
	if (rc == 0 && gd__fault_point())
		rc = gd__err(GD_EIO, "storage failure (injected)");
	/* The hooks first (the audit block, then the journal's sync): the
	 * commit must not be on disk without what they write. */
	if (rc == 0 && outermost)
		rc = before_commit(v, false);
	if (rc == 0) {
		int c;
		if (!outermost) {
			c = e->release(v->store);
		} else if (v->tx.needs_scrub || v->tx.scrub_pending) {
			bool scrubbed = false;
			/* Only the erasing transaction waits for readers; later ones just retry. */
			c = e->commit_erasure(v->store, v->tx.needs_scrub, &scrubbed);
			if (c == 0) {
				v->tx.needs_scrub = false;
				v->tx.scrub_pending = !scrubbed;
			}
		} else {
			c = e->commit(v->store);
		}
		if (c == 0) {
			if (outermost)
				write_unlock(v);
			return 0;
		}
		rc = c;
	}
	v->tx.gen++; /* what the caches remember of this transaction may be undone */
	if (outermost) {
		e->rollback(v->store);
		write_unlock(v);
		v->tx.needs_scrub = false;
	} else {
		e->rollback_to(v->store);
	}
	after_rollback(v, outermost);
	return rc;
}

int gd_vault_begin(gd_vault *v)
{
	if (v->tx.batch || v->tx.depth)
		return gd__err(GD_ESTATE, "a batch is already open: commit or roll it back first");
	if (v->tx.reads)
		return gd__err(GD_ESTATE, "a group of reads is open: end it with gd_vault_reads_commit first");
	const struct gd__store_engine *e = v->store->engine;
	int rc = write_lock(v);
	if (rc == 0 && (rc = (e->begin_batch ? e->begin_batch : e->begin)(v->store)) == 0) {
		v->tx.batch = 1;
		v->tx.gen++;
	} else {
		write_unlock(v);
	}
	return rc;
}

int gd_vault_commit(gd_vault *v)
{
	if (!v->tx.batch)
		return gd__err(GD_ESTATE, "no batch is open: call gd_vault_begin first");
	/* A batch ends with what the hooks owe it (the audit trail signs the ends
	 * of its chains); on failure it stays open, to retry or roll back. */
	int rc = before_commit(v, true);
	if (rc < 0)
		return rc;
	v->tx.batch = 0;
	v->tx.depth = 1;
	return gd__op_end(v, 0);
}

void gd_vault_rollback(gd_vault *v)
{
	if (!v->tx.batch)
		return;
	v->tx.batch = 0;
	v->tx.gen++;
	v->store->engine->rollback(v->store);
	write_unlock(v);
	v->tx.needs_scrub = false;
	after_rollback(v, true);
}

int gd_vault_reads_begin(gd_vault *v)
{
	if (v->tx.batch || v->tx.depth || v->tx.reads)
		return gd__err(GD_ESTATE, "a batch or a group of reads is already open on this handle");
	const struct gd__store_engine *e = v->store->engine;
	/* Opened now, so that what a read looks up outside an operation (a
	 * token) is in it too. */
	if (e->begin_read) {
		int rc = gd__fault_point() ? gd__err(GD_EIO, "storage failure (injected)") : e->begin_read(v->store);
		if (rc < 0)
			return rc;
		v->tx.read = true;
		v->tx.gen++;
	}
	v->tx.reads = true;
	return 0;
}

int gd_vault_reads_commit(gd_vault *v)
{
	if (!v->tx.reads)
		return gd__err(GD_ESTATE, "no group of reads is open: call gd_vault_reads_begin first");
	v->tx.reads = false;
	/* The snapshot ends before the entries' write transaction begins: a
	 * reader never holds one while it waits for the write lock. */
	if (v->tx.read && !v->tx.depth)
		end_group_read(v);
	/* One append and one durable commit for the group, joined with the
	 * process's other readers of the vault (audit_lane.c). */
	return gd__audit_commit_deferred(v);
}

void gd__tx_close(gd_vault *v)
{
	write_unlock(v);
}
