/*
 * audit.c — appending to the audit trail inside the caller's operation: the
 * entry hash, the audit block flushed at savepoints and commits, a signed
 * checkpoint every GD_AUDIT_CHECKPOINT_EVERY entries. Checkpoints on demand
 * and pruning are in audit_checkpoint.c, verification in audit_verify.c.
 *
 * Each tenant has its own chain; entry n's hash covers entry n-1's hash and
 * every field of entry n in the canonical encoding of gd__audit_hash (byte by
 * byte in docs/FORMAT.md), so editing, removing, inserting or reordering an
 * entry breaks every hash after it. The hash is unkeyed: what protects the
 * chain against someone who rewrites it whole are the Ed25519-signed
 * checkpoints, written every GD_AUDIT_CHECKPOINT_EVERY entries of a chain (one
 * signature per thousand appends keeps the put path cheap) and on demand.
 * Pruning replaces the removed head of a chain by a signed anchor carrying the
 * hash of the last removed entry, from which the rest still verifies.
 *
 * Entries are appended to the vault's audit block (audit_block.c) and stored a
 * block per row by gd__audit_flush; every reader here flushes first and
 * decodes blocks (gd__audit_walk).
 */
#include <stdio.h>
#include <string.h>

#include "lib/audit/audit.h"
#include "lib/internal.h"

static unsigned char *le64(unsigned char *p, uint64_t x)
{
	for (int i = 0; i < 8; i++)
		*p++ = (unsigned char)(x >> (8 * i));
	return p;
}

static unsigned char *le32(unsigned char *p, uint32_t x)
{
	for (int i = 0; i < 4; i++)
		*p++ = (unsigned char)(x >> (8 * i));
	return p;
}

/*
 * The message is built in one buffer and hashed in one call when it fits (the
 * common case): the incremental calls cost more than the hash of a short
 * message, and verification speed is the hash's speed. Long fields spill into
 * an incremental state; the bytes hashed are the same either way.
 */
#define HASH_BUF 1024

struct hbuf {
	gd__hash_state h;
	bool started;
	size_t n;
	unsigned char b[HASH_BUF];
};

static void spill(struct hbuf *m)
{
	if (!m->started) {
		gd__hash_init(&m->h);
		m->started = true;
	}
	gd__hash_update(&m->h, m->b, m->n);
	m->n = 0;
}

static void put_u64(struct hbuf *m, uint64_t x)
{
	if (m->n + 8 > HASH_BUF)
		spill(m);
	le64(m->b + m->n, x);
	m->n += 8;
}

static void put_str(struct hbuf *m, const char *s)
{
	uint32_t len = s ? (uint32_t)strlen(s) : UINT32_MAX;
	size_t body = s ? len : 0;
	if (m->n + 4 > HASH_BUF)
		spill(m);
	le32(m->b + m->n, len);
	m->n += 4;
	if (body > HASH_BUF - m->n) {
		spill(m);
		gd__hash_update(&m->h, s, body);
	} else if (body) {
		memcpy(m->b + m->n, s, body);
		m->n += body;
	}
}

void gd__audit_hash(unsigned char out[GD__HASH_SIZE], const unsigned char prev[GD__HASH_SIZE],
                    const struct gd__audit_entry *e)
{
	struct hbuf m;
	m.started = false;
	memcpy(m.b, "gardien audit v1", 16);
	memcpy(m.b + 16, prev, GD__HASH_SIZE);
	m.n = 16 + GD__HASH_SIZE;
	put_u64(&m, (uint64_t)e->tenant_id);
	put_u64(&m, (uint64_t)e->seq);
	put_u64(&m, (uint64_t)e->at);
	put_str(&m, e->principal);
	put_str(&m, e->action);
	put_str(&m, e->purpose);
	put_str(&m, e->subject);
	put_u64(&m, (uint64_t)e->record_id);
	put_str(&m, e->category);
	put_u64(&m, (uint64_t)e->outcome);
	put_str(&m, e->reason);
	if (!m.started) {
		gd__hash(out, m.b, m.n);
		return;
	}
	gd__hash_update(&m.h, m.b, m.n);
	gd__hash_final(&m.h, out);
}

size_t gd__audit_cp_message(unsigned char out[GD__CP_MESSAGE_SIZE], const struct gd__audit_cp *cp, int version)
{
	unsigned char *p = out;
	memcpy(p, version == 1 ? "gardien checkpoint v1" : "gardien checkpoint v2", 21), p += 21;
	p = le64(p, (uint64_t)cp->kind);
	p = le64(p, (uint64_t)cp->tenant_id);
	if (version != 1)
		p = le64(p, (uint64_t)cp->lane);
	p = le64(p, (uint64_t)cp->seq);
	p = le64(p, (uint64_t)cp->at);
	memcpy(p, cp->hash, GD__HASH_SIZE);
	return (size_t)(p + GD__HASH_SIZE - out);
}

int gd__audit_write_cp(gd_vault *v, int64_t tenant, int64_t lane, int64_t seq, int kind,
                       const unsigned char hash[GD__HASH_SIZE])
{
	struct gd__audit_cp cp = {.tenant_id = tenant, .lane = lane, .seq = seq, .kind = kind, .at = gd_vault_now(v)};
	unsigned char msg[GD__CP_MESSAGE_SIZE];
	memcpy(cp.hash, hash, GD__HASH_SIZE);
	size_t n = gd__audit_cp_message(msg, &cp, 2);
	gd__sign(cp.sig, msg, n, v->audit_sk);
	return gd__db_exec(v->store,
	                   "INSERT INTO audit_checkpoints (tenant_id, lane, seq, kind, at, hash, sig)"
	                   " VALUES (?, ?, ?, ?, ?, ?, ?)",
	                   "iiiiibb", tenant, lane, seq, (int64_t)kind, (int64_t)cp.at, cp.hash,
	                   (size_t)GD__HASH_SIZE, cp.sig, (size_t)GD__SIG_SIZE);
}

/*
 * The last entry of a chain: *seq = 0 and zero hash when the chain is empty.
 * A block ends with its last entry's hash.
 */
int gd__audit_last(gd_vault *v, int64_t tenant, int64_t lane, int64_t *seq, unsigned char hash[GD__HASH_SIZE])
{
	const struct gd__audit_block *b = &v->audit.block;
	gd__stmt *st;
	if (b->n && b->tenant_id == tenant && b->lane == lane) {
		*seq = b->last_seq;
		memcpy(hash, b->buf + b->len - GD__HASH_SIZE, GD__HASH_SIZE);
		return 0;
	}
	*seq = 0;
	memset(hash, 0, GD__HASH_SIZE);
	int rc = gd__db_query(v->store, &st,
	                      "SELECT last_seq, body FROM audit_blocks WHERE tenant_id = ? AND lane = ?"
	                      " ORDER BY first_seq DESC LIMIT 1",
	                      "ii", tenant, lane);
	if (rc < 0)
		return rc;
	rc = gd__db_step(v->store, st);
	if (rc == 1) {
		size_t n;
		const unsigned char *body = gd__col_blob(v->store, st, 1, &n);
		*seq = gd__col_int(v->store, st, 0);
		if (n > GD__HASH_SIZE) {
			memcpy(hash, body + n - GD__HASH_SIZE, GD__HASH_SIZE);
			rc = 0;
		} else {
			rc = gd__err(GD_ECORRUPT,
			             "the audit block ending at entry %lld of tenant %lld, lane %lld, is damaged:"
			             " run 'gardien audit verify'",
			             (long long)*seq, (long long)tenant, (long long)lane);
		}
	}
	gd__db_reset(v->store, st);
	if (rc == 0 && *seq == 0) {
		/* Empty after a prune: the chain continues from its anchor. */
		rc = gd__db_query(v->store, &st,
		                  "SELECT seq, hash FROM audit_checkpoints WHERE tenant_id = ? AND lane = ? AND kind = 1"
		                  " ORDER BY seq DESC LIMIT 1",
		                  "ii", tenant, lane);
		if (rc < 0)
			return rc;
		rc = gd__db_step(v->store, st);
		if (rc == 1) {
			size_t n;
			const void *h = gd__col_blob(v->store, st, 1, &n);
			*seq = gd__col_int(v->store, st, 0);
			if (n == GD__HASH_SIZE)
				memcpy(hash, h, n);
			rc = 0;
		}
		gd__db_reset(v->store, st);
	}
	return rc;
}

/* Stores a block as one row and empties it; on failure it keeps its entries. */
static int write_block(gd_vault *v, struct gd__audit_block *b)
{
	if (!b->n)
		return 0;
	int rc = gd__db_exec(v->store,
	                     "INSERT INTO audit_blocks (tenant_id, lane, first_seq, last_seq, body)"
	                     " VALUES (?, ?, ?, ?, ?)",
	                     "iiiib", b->tenant_id, b->lane, b->first_seq, b->last_seq, b->buf, b->len);
	if (rc == 0)
		gd__audit_block_reset(b);
	return rc;
}

int gd__audit_flush(gd_vault *v)
{
	int rc = write_block(v, &v->audit.block);
	if (rc == 0) /* what was appended is stored now: nothing left to take back */
		v->audit.undo.valid = false;
	return rc;
}

/* The transaction layer's hooks (vault/tx.c): the block is written before a
 * savepoint and a commit; a batch's end signs the chains it appended to. */
static int tx_commit(gd_vault *v, bool batch)
{
	int rc = batch ? gd__audit_seal_batch(v) : 0;
	return rc == 0 ? gd__audit_flush(v) : rc;
}

static void tx_rollback(gd_vault *v, bool whole)
{
	gd__audit_discard(v);
	if (whole) /* the chains of a batch rolled back have nothing to sign */
		v->audit.nbatch = 0;
}

const struct gd__tx_hooks gd__audit_tx_hooks = {
	.savepoint = gd__audit_flush,
	.commit = tx_commit,
	.rollback = tx_rollback,
};

/*
 * Vaults written before blocks (format 1) kept an entry per row of an `audit`
 * table. Converted inside the caller's operation: the rows in chain order into
 * blocks, then the table dropped and replaced by the view of 10-audit.sql that
 * makes an older gardien fail loudly instead of starting a second chain.
 * Entries and hashes are copied as they are, damaged ones too (a hash of the
 * wrong size becomes zeros): judging them is verification's work.
 */
int gd__audit_migrate(gd_vault *v)
{
	struct gd__audit_block b = {0};
	gd__store *db = v->store;
	gd__stmt *st = NULL;
	int64_t blocks = 0;
	int rc = db->engine->has_table(db, "audit");
	if (rc <= 0)
		return rc;
	if ((rc = gd__db_int(db, &blocks, "SELECT count(*) FROM audit_blocks", NULL)) == 0 && blocks)
		return gd__err(GD_ECORRUPT,
		               "%s is in format 1 but already holds audit blocks: it was not written by"
		               " gardien alone; keep a copy of it and its key file",
		               v->path);
	if (rc == 0)
		rc = gd__db_query(db, &st,
		                  "SELECT tenant_id, seq, at, principal, action, purpose, subject, record_id,"
		                  " category, outcome, reason, hash FROM audit ORDER BY tenant_id, seq",
		                  NULL);
	while (rc == 0 && (rc = gd__db_step(db, st)) == 1) {
		struct gd__audit_entry e = {
			.tenant_id = gd__col_int(db, st, 0), .seq = gd__col_int(db, st, 1), .at = gd__col_int(db, st, 2), .principal = gd__col_text(db, st, 3), .action = gd__col_text(db, st, 4), .purpose = gd__col_text(db, st, 5), .subject = gd__col_text(db, st, 6), .record_id = gd__col_int(db, st, 7), .category = gd__col_text(db, st, 8), .outcome = (int)gd__col_int(db, st, 9), .reason = gd__col_text(db, st, 10)};
		unsigned char hash[GD__HASH_SIZE] = {0};
		size_t n;
		const void *h = gd__col_blob(db, st, 11, &n);
		if (n == GD__HASH_SIZE)
			memcpy(hash, h, n);
		rc = 0;
		if (b.n && (b.tenant_id != e.tenant_id || b.len >= GD__AUDIT_BLOCK_BYTES))
			rc = write_block(v, &b);
		if (rc == 0)
			rc = gd__audit_block_add(&b, &e, hash);
	}
	if (st)
		gd__db_reset(db, st);
	if (rc == 0)
		rc = write_block(v, &b);
	if (rc == 0)
		rc = gd__db_exec(db, "DROP TABLE audit", NULL);
	if (rc == 0)
		rc = gd__db_exec(db, "CREATE VIEW IF NOT EXISTS audit AS SELECT written_by_a_newer_gardien()",
		                 NULL);
	gd__audit_block_free(&b);
	return rc;
}

void gd__audit_discard(gd_vault *v)
{
	gd__audit_block_reset(&v->audit.block);
	v->audit.undo.valid = false;
}

bool gd__audit_next_is_checkpoint(const gd_vault *v, int64_t tenant)
{
	return v->audit.gen == v->tx.gen && v->audit.tenant == tenant && !v->tx.read &&
	       (v->audit.seq + 1) % GD_AUDIT_CHECKPOINT_EVERY == 0;
}

void gd__audit_undo_last(gd_vault *v)
{
	if (!v->audit.undo.valid)
		return;
	/* Appends only add after len: the bytes before it are as they were, in
	 * whatever buffer the block has now. */
	struct gd__audit_block *b = &v->audit.block;
	unsigned char *buf = b->buf;
	size_t cap = b->cap;
	*b = v->audit.undo.block;
	b->buf = buf;
	b->cap = cap;
	v->audit.tenant = v->audit.undo.tenant;
	v->audit.seq = v->audit.undo.seq;
	memcpy(v->audit.hash, v->audit.undo.hash, GD__HASH_SIZE);
	v->audit.gen = v->audit.undo.gen;
	v->audit.nbatch = v->audit.undo.nbatch;
	v->audit.undo.valid = false;
}

/* True inside a read operation nested in a batch: no savepoint, so its append must stay one write. */
static bool light_op(const gd_vault *v)
{
	return v->tx.depth > 0 && (v->tx.batch || v->tx.depth > 1) && (v->tx.light >> (v->tx.depth - 1) & 1u);
}

/*
 * The time of a chain's last entry (0 when empty): the in-memory block's, the
 * last stored block's (decoded), or the prune anchor's. An entry is never
 * dated before it, whatever the clock says (a clock stepped back, a fixed
 * clock of a test vault): a chain's times only go forward.
 */
static int chain_last_at(gd_vault *v, int64_t tenant, int64_t lane, gd_time *at)
{
	const struct gd__audit_block *b = &v->audit.block;
	gd__stmt *st;
	*at = 0;
	if (b->n && b->tenant_id == tenant && b->lane == lane) {
		*at = b->last_at;
		return 0;
	}
	int rc = gd__db_query(v->store, &st,
	                      "SELECT body FROM audit_blocks WHERE tenant_id = ? AND lane = ?"
	                      " ORDER BY first_seq DESC LIMIT 1",
	                      "ii", tenant, lane);
	if (rc < 0)
		return rc;
	if ((rc = gd__db_step(v->store, st)) == 1) {
		size_t n;
		const void *body = gd__col_blob(v->store, st, 0, &n);
		struct gd__audit_reader r = {0};
		struct gd__audit_entry e;
		const unsigned char *h;
		rc = gd__audit_reader_start(&r, body, n);
		while (rc == 0 && (rc = gd__audit_reader_next(&r, &e, &h)) == 1)
			*at = e.at, rc = 0;
		gd__audit_reader_free(&r);
	}
	gd__db_reset(v->store, st);
	if (rc < 0)
		return rc;
	if (*at == 0) {
		int64_t x = 0;
		rc = gd__db_int(v->store, &x,
		                "SELECT coalesce(max(at), 0) FROM audit_checkpoints WHERE tenant_id = ? AND lane = ?"
		                " AND kind = 1",
		                "ii", tenant, lane);
		*at = x;
	}
	return rc;
}

int gd__audit_append(gd_vault *v, int64_t tenant_id, const char *principal,
                     const struct gd__audit_event *ev)
{
	gd_time floor = 0;
	unsigned char prev[GD__HASH_SIZE], hash[GD__HASH_SIZE];
	int64_t seq, lane;
	int rc = 0;
	/* In a read transaction: kept aside, appended once it has ended (audit_defer.c). */
	if (v->tx.read && !v->audit.flushing_deferred)
		return gd__audit_defer(v, tenant_id, principal, ev);
	if ((rc = gd__audit_lane(v, &lane)) < 0)
		return rc;
	if (v->audit.gen == v->tx.gen && v->audit.tenant == tenant_id) {
		seq = v->audit.seq;
		floor = v->audit.at;
		memcpy(prev, v->audit.hash, GD__HASH_SIZE);
	} else if ((rc = gd__audit_last(v, tenant_id, lane, &seq, prev)) < 0 ||
	           (rc = chain_last_at(v, tenant_id, lane, &floor)) < 0) {
		return rc;
	}
	seq++;
	gd_time at = gd_vault_now(v);
	if (at < floor)
		at = floor;
	struct gd__audit_entry e = {
		.tenant_id = tenant_id,
		.lane = lane,
		.seq = seq,
		.at = at,
		.principal = principal,
		.action = ev->action,
		.purpose = ev->purpose,
		.subject = ev->subject,
		.record_id = ev->record_id,
		.category = ev->category,
		.outcome = (int)ev->outcome,
		.reason = ev->reason,
	};
	gd__audit_hash(hash, prev, &e);
	/* A full block, or another chain's, is written first: if that fails, this
	 * entry was not appended and the operation fails with nothing to undo. */
	struct gd__audit_block *b = &v->audit.block;
	if (b->n && (b->tenant_id != tenant_id || b->lane != lane || b->len >= GD__AUDIT_BLOCK_BYTES) &&
	    (rc = gd__audit_flush(v)) < 0)
		return rc;
	bool light = light_op(v);
	v->audit.undo.valid = false;
	if (light) {
		/* No savepoint under this operation: keep what undoes this append. */
		v->audit.undo.block = *b;
		v->audit.undo.tenant = v->audit.tenant;
		v->audit.undo.seq = v->audit.seq;
		memcpy(v->audit.undo.hash, v->audit.hash, GD__HASH_SIZE);
		v->audit.undo.gen = v->audit.gen;
		v->audit.undo.nbatch = v->audit.nbatch;
	}
	if ((rc = gd__audit_block_add(b, &e, hash)) < 0)
		return rc;
	v->audit.undo.valid = light;
	/* Remembered for the next append of this transaction; a rollback changes tx.gen. */
	v->audit.tenant = tenant_id;
	v->audit.seq = seq;
	v->audit.at = at;
	memcpy(v->audit.hash, hash, GD__HASH_SIZE);
	v->audit.gen = v->tx.gen;
	if (v->tx.batch) {
		bool known = false;
		for (int i = 0; i < v->audit.nbatch; i++)
			known = known || v->audit.batch[i] == tenant_id;
		if (!known && v->audit.nbatch < (int)(sizeof v->audit.batch / sizeof *v->audit.batch))
			v->audit.batch[v->audit.nbatch++] = tenant_id;
	}
	/* A light read in a batch skips it: the batch's commit signs the chain's end. */
	if (seq % GD_AUDIT_CHECKPOINT_EVERY == 0 && !light)
		rc = gd__audit_write_cp(v, tenant_id, lane, seq, GD__CP_CHECKPOINT, hash);
	return rc;
}

int gd__audit_actor(gd_actor *a, const struct gd__audit_event *e)
{
	return gd__audit_append(a->v, a->tenant_id, a->principal, e);
}

int gd__audit_denied(gd_actor *a, const struct gd__audit_event *e)
{
	/* The refusal message is the caller's error: keep it across the append. */
	char reason[512];
	snprintf(reason, sizeof reason, "%s", e->reason ? e->reason : "");
	struct gd__audit_event copy = *e;
	copy.reason = reason;
	int rc = gd__op_begin(a->v);
	if (rc == 0)
		rc = gd__op_end(a->v, gd__audit_actor(a, &copy));
	gd__err(GD_EDENIED, "%s", reason);
	return rc;
}

const char *gd_audit_outcome_name(int outcome)
{
	switch (outcome) {
	case GD_AUDIT_OK: return "ok";
	case GD_AUDIT_DENIED: return "denied";
	case GD_AUDIT_FAILED: return "failed";
	default: return "unknown";
	}
}

int gd_audit_outcome_parse(const char *name)
{
	for (int i = 0; i <= GD_AUDIT_FAILED; i++)
		if (name && strcmp(name, gd_audit_outcome_name(i)) == 0)
			return i;
	return -1;
}

const char *gd_audit_problem_name(int problem)
{
	static const char *const names[] = {"intact", "modified", "removed",
	                                    "inserted", "reordered", "truncated",
	                                    "bad-signature", "rewritten"};
	return problem >= 0 && problem < (int)(sizeof names / sizeof *names) ? names[problem]
	                                                                     : "unknown";
}
