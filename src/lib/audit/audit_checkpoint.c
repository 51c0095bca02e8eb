/*
 * audit_checkpoint.c — signed checkpoints on demand and at the end of a batch
 * (gd_audit_checkpoint, gd__audit_seal_batch), and pruning: the removed head
 * of a chain is replaced by a signed anchor carrying the hash of the last
 * removed entry, from which the rest still verifies (docs/audit.md).
 *
 * Invariant: a prune never leaves a chain that does not verify: the block that
 * straddles the cut is split, the anchor is written in the same operation as
 * the deletion, and both are audited in the chain itself.
 */
#include <stdio.h>
#include <string.h>

#include "lib/audit/audit.h"
#include "lib/internal.h"

/* Checkpoints one chain at its end if entries follow its last checkpoint. */
static int checkpoint_chain(gd_vault *v, int64_t tenant, int64_t *written)
{
	unsigned char hash[GD__HASH_SIZE];
	int64_t seq, cp = 0;
	int rc = gd__audit_last(v, tenant, &seq, hash);
	if (rc < 0)
		return rc;
	rc = gd__db_int(v->store, &cp,
	                "SELECT coalesce(max(seq), 0) FROM audit_checkpoints WHERE tenant_id = ?", "i",
	                tenant);
	if (rc < 0 || seq == 0 || cp >= seq)
		return rc;
	char why[64];
	snprintf(why, sizeof why, "checkpoint after entry %lld", (long long)seq);
	rc = gd__audit_append(v, tenant, "system",
	                      &(struct gd__audit_event){.action = "audit.checkpoint", .reason = why});
	if (rc == 0)
		rc = gd__audit_last(v, tenant, &seq, hash);
	if (rc == 0 && seq % GD_AUDIT_CHECKPOINT_EVERY != 0) /* else append just wrote it */
		rc = gd__audit_write_cp(v, tenant, seq, GD__CP_CHECKPOINT, hash);
	if (rc == 0)
		(*written)++;
	return rc;
}

int gd__audit_seal_batch(gd_vault *v)
{
	int rc = 0;
	for (int i = 0; rc == 0 && i < v->audit.nbatch; i++) {
		unsigned char hash[GD__HASH_SIZE];
		int64_t seq, cp = 0, t = v->audit.batch[i];
		rc = gd__audit_last(v, t, &seq, hash);
		if (rc == 0)
			rc = gd__db_int(v->store, &cp,
			                "SELECT coalesce(max(seq), 0) FROM audit_checkpoints WHERE tenant_id = ?",
			                "i", t);
		if (rc == 0 && seq > cp)
			rc = gd__audit_write_cp(v, t, seq, GD__CP_CHECKPOINT, hash);
	}
	if (rc == 0)
		v->audit.nbatch = 0;
	return rc;
}

int gd_audit_checkpoint(gd_vault *v, const char *tenant, int64_t *out_n)
{
	int64_t id = -1, written = 0;
	gd__stmt *st;
	int rc;
	if (out_n)
		*out_n = 0;
	if (tenant && (rc = gd__audit_tenant_id(v, tenant, &id)) < 0)
		return rc;
	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	if (id >= 0) {
		rc = checkpoint_chain(v, id, &written);
	} else {
		/* Chain 0, then every tenant: ids are read first, appends change the table. */
		int64_t ids[256];
		int64_t after = -1;
		do {
			size_t k = 0;
			rc = gd__db_query(v->store, &st,
			                  "SELECT id FROM (SELECT 0 AS id UNION SELECT id FROM tenants) AS c"
			                  " WHERE id > ? ORDER BY id LIMIT 256",
			                  "i", after);
			while (rc == 0 && (rc = gd__db_step(v->store, st)) == 1)
				ids[k++] = gd__col_int(v->store, st, 0), rc = 0;
			if (rc >= 0)
				gd__db_reset(v->store, st);
			for (size_t i = 0; rc == 0 && i < k; i++)
				rc = checkpoint_chain(v, ids[i], &written);
			after = k ? ids[k - 1] : after;
			if (rc == 0 && k < 256)
				break;
		} while (rc == 0);
	}
	rc = gd__op_end(v, rc);
	if (rc == 0 && out_n)
		*out_n = written;
	return rc;
}

/* Where a prune cuts: the entries written before `before`, up to the first one written after. */
struct prune_scan {
	gd_time before;
	int64_t cut, removed;
	unsigned char hash[GD__HASH_SIZE];   /* of entry `cut` */
};

static int prune_entry(void *ud, const struct gd__audit_entry *e, const void *hash, size_t n,
                       const unsigned char prev[GD__HASH_SIZE])
{
	struct prune_scan *p = ud;
	if (e->at >= p->before)
		return 1; /* the first entry kept: stop */
	p->cut = e->seq;
	p->removed++;
	memcpy(p->hash, hash, GD__HASH_SIZE);
	return 0;
}

/* Rewrites the block that holds entry `cut` and later ones, without the entries up to `cut`. */
static int split_block(gd_vault *v, int64_t tenant, int64_t cut)
{
	struct gd__audit_block kept = {0};
	struct gd__audit_reader r = {0};
	gd__stmt *st;
	int64_t first = 0;
	int rc = gd__db_query(v->store, &st,
	                      "SELECT first_seq, body FROM audit_blocks WHERE tenant_id = ? AND first_seq <= ?",
	                      "ii", tenant, cut);
	if (rc < 0)
		return rc;
	if ((rc = gd__db_step(v->store, st)) == 1) {
		size_t n;
		const void *body = gd__col_blob(v->store, st, 1, &n);
		first = gd__col_int(v->store, st, 0);
		struct gd__audit_entry e = {.tenant_id = tenant};
		const unsigned char *h;
		rc = gd__audit_reader_start(&r, body, n);
		while (rc == 0 && (rc = gd__audit_reader_next(&r, &e, &h)) == 1)
			rc = e.seq > cut ? gd__audit_block_add(&kept, &e, h) : 0;
	}
	gd__db_reset(v->store, st);
	if (rc == 0 && first && kept.n)
		rc = gd__db_exec(v->store,
		                 "UPDATE audit_blocks SET first_seq = ?, body = ? WHERE tenant_id = ? AND first_seq = ?",
		                 "ibii", kept.first_seq, kept.buf, kept.len, tenant, first);
	else if (rc == 0 && first)
		rc = gd__db_exec(v->store, "DELETE FROM audit_blocks WHERE tenant_id = ? AND first_seq = ?",
		                 "ii", tenant, first);
	gd__audit_reader_free(&r);
	gd__audit_block_free(&kept);
	return rc;
}

int gd_audit_prune(gd_actor *a, gd_time before_time, int64_t *out_n)
{
	gd_vault *v = a->v;
	gd_audit_report rep;
	struct prune_scan scan = {.before = before_time};
	int rc;

	if (out_n)
		*out_n = 0;
	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	/* Never sign an anchor over a damaged chain. */
	if ((rc = gd__audit_verify_chains(v, a->tenant_id, &rep, NULL, NULL)) < 0) {
		if (rc == GD_ECORRUPT)
			rc = gd__err(GD_ECORRUPT,
			             "the audit chain of %s is damaged (%s): prune refused; run 'gardien audit verify'",
			             a->tenant, rep.detail);
		goto done;
	}
	struct gd__audit_walk w = {.entry = prune_entry, .cp = NULL, .ud = &scan};
	if ((rc = gd__audit_walk(v, a->tenant_id, &w)) < 0)
		goto done;
	if (scan.removed) {
		rc = gd__db_exec(v->store, "DELETE FROM audit_blocks WHERE tenant_id = ? AND last_seq <= ?",
		                 "ii", a->tenant_id, scan.cut);
		if (rc == 0)
			rc = split_block(v, a->tenant_id, scan.cut);
		if (rc == 0)
			rc = gd__db_exec(v->store,
			                 "DELETE FROM audit_checkpoints WHERE tenant_id = ? AND seq <= ?", "ii",
			                 a->tenant_id, scan.cut);
		if (rc == 0)
			rc = gd__audit_write_cp(v, a->tenant_id, scan.cut, GD__CP_ANCHOR, scan.hash);
		if (rc < 0)
			goto done;
	}
	char why[128], t[32];
	gd_time_format(t, before_time);
	snprintf(why, sizeof why, "%lld entries written before %s removed", (long long)scan.removed, t);
	rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "audit.prune", .reason = why});
done:
	rc = gd__op_end(v, rc);
	if (rc == 0 && out_n)
		*out_n = scan.removed;
	return rc;
}
