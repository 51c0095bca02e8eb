/*
 * tx.h — the operation bracket: every write of the library happens inside
 * gd__op_begin/gd__op_end, a transaction at the outermost level (BEGIN
 * IMMEDIATE) and a savepoint inside (an operation in a caller's batch, or
 * nested in another), so an operation is all-or-nothing wherever it runs.
 *
 * The transaction layer (tx.c) sits above the storage engine, which it drives
 * through struct gd__store_engine; modules that buffer work until a commit
 * (the audit trail, the erasure journal) take part through hooks. The state
 * below lives in struct gd_vault (v->tx). tx.gen changes at every
 * begin and every rollback: a module's cache of what it read in a
 * transaction is valid while the generation it recorded equals tx.gen.
 */
#ifndef GD_VAULT_TX_H
#define GD_VAULT_TX_H

#include <stdbool.h>
#include <stdint.h>

typedef struct gd_vault gd_vault;

/*
 * What a module that buffers work until the commit registers (gd__tx_hook).
 * Every member may be NULL.
 */
struct gd__tx_hooks {
	/* Before a savepoint is taken: what is buffered belongs outside it. */
	int (*savepoint)(gd_vault *v);
	/* Before the outermost commit. `batch`: gd_vault_commit ending a batch,
	 * called before its own commit; a failure leaves the batch open. */
	int (*commit)(gd_vault *v, bool batch);
	/* After a rollback: of the whole transaction (`whole`) or to a savepoint. */
	void (*rollback)(gd_vault *v, bool whole);
};

#define GD__TX_MAX_HOOKS 8

struct gd__tx {
	int batch;          /* inside gd_vault_begin */
	int depth;          /* nested operations */
	unsigned light;     /* bit d: operation at depth d is a read (no savepoint) */
	uint64_t gen;       /* changes at every begin and rollback: cache validity */
	bool read;          /* the transaction is a read one (gd__op_begin_read, outermost) */
	bool reads;         /* a group of reads is open (gd_vault_reads_begin): entries wait for its commit */
	int read_mark;      /* entries kept before the current read transaction began */
	bool write_locked;  /* this handle holds the writers' queue (gd__lock_write) */
	bool needs_scrub;   /* this transaction erased data: scrub at commit */
	bool scrub_pending; /* a committed erasure still awaits its scrub */
	const struct gd__tx_hooks *hooks[GD__TX_MAX_HOOKS];
	int nhooks;
};

/*
 * The writers' queue of a file vault (vault/lock.c): held from before BEGIN
 * IMMEDIATE to after the commit or rollback, so writers and readers'
 * committers wait their turn in the kernel, not in a sleeping retry loop.
 * NULL (PostgreSQL, whose advisory lock queues them): nothing.
 */
struct gd__lock;
int gd__lock_write(struct gd__lock *l);
void gd__lock_write_release(struct gd__lock *l);

/* Registers `h`, when the vault opens; hooks run in the order registered. */
int gd__tx_hook(gd_vault *v, const struct gd__tx_hooks *h);

/* Drops the writers' queue a closing handle still holds (a batch left open). */
void gd__tx_close(gd_vault *v);

/* Operations: BEGIN IMMEDIATE at the outermost level, SAVEPOINT inside. */
int gd__op_begin(gd_vault *v);
/*
 * For operations whose only write is their audit entry, appended last (reads):
 * inside a batch they need no savepoint, since a failure before the append
 * leaves nothing to undo and the append either adds the entry to the audit
 * block or fails without adding it. Outside a batch they run in a read
 * transaction, beside other readers and the writer; their entry is appended
 * after it, in a write transaction of its own committed before gd__op_end
 * returns 0 (audit/audit_lane.c): a read never returns a value whose entry
 * is not durable.
 */
int gd__op_begin_read(gd_vault *v);
/*
 * For a write that orders its steps so that a failure at any of them leaves
 * nothing a caller can see (gd_record_put): inside a batch, on an engine whose
 * failed statements undo themselves, it runs without a savepoint, like a
 * read, and undoes its audit entry itself (gd__audit_undo_last) if its last
 * write fails. Elsewhere it is gd__op_begin.
 */
int gd__op_begin_lean(gd_vault *v);
/* Ends an operation: commits (or releases) when rc == 0, rolls back otherwise. Returns rc or the commit error. */
int gd__op_end(gd_vault *v, int rc);
/*
 * Ends a read that hands values to its caller's callback or writer, which
 * answered `given` (0: went on): rc < 0 ends it as gd__op_end does (its
 * entries dropped); otherwise what the caller was handed was read, however
 * it answered, so the entries commit as a read's do, and the commit's error
 * or `given` is returned.
 */
int gd__op_end_given(gd_vault *v, int rc, int given);

#endif
