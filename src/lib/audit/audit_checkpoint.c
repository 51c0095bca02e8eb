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

/* The seq of a lane's last checkpoint or anchor (0: none). */
static int last_cp(gd_vault *v, int64_t tenant, int64_t lane, int64_t *cp)
{
	*cp = 0;
	return gd__db_int(v->store, cp,
	                  "SELECT coalesce(max(seq), 0) FROM audit_checkpoints WHERE tenant_id = ? AND lane = ?",
	                  "ii", tenant, lane);
}

/*
 * Checkpoints a chain's lanes at their ends where entries follow their last
 * checkpoint. This handle's own lane gets an "audit.checkpoint" entry first,
 * as before lanes; another writer's lane is signed where it stands (the write
 * lock held by this transaction keeps it still), with no entry added to it.
 */
static int checkpoint_chain(gd_vault *v, int64_t tenant, int64_t *written)
{
	unsigned char hash[GD__HASH_SIZE];
	int64_t seq, cp = 0, own, lanes[64];
	int n = 0;
	gd__stmt *st;
	int rc = gd__audit_lane(v, &own);
	if (rc < 0 || (rc = gd__audit_flush(v)) < 0)
		return rc;
	rc = gd__db_query(v->store, &st,
	                  "SELECT DISTINCT lane FROM audit_blocks WHERE tenant_id = ? ORDER BY lane", "i", tenant);
	while (rc == 0 && (rc = gd__db_step(v->store, st)) == 1) {
		rc = 0;
		if (n < (int)(sizeof lanes / sizeof *lanes))
			lanes[n++] = gd__col_int(v->store, st, 0);
	}
	if (rc >= 0)
		gd__db_reset(v->store, st), rc = 0;
	for (int i = 0; rc == 0 && i < n; i++) {
		if (lanes[i] == own)
			continue;
		if ((rc = gd__audit_last(v, tenant, lanes[i], &seq, hash)) < 0 ||
		    (rc = last_cp(v, tenant, lanes[i], &cp)) < 0)
			break;
		if (seq > cp && (rc = gd__audit_write_cp(v, tenant, lanes[i], seq, GD__CP_CHECKPOINT, hash)) == 0)
			(*written)++;
	}
	if (rc < 0 || (rc = gd__audit_last(v, tenant, own, &seq, hash)) < 0 ||
	    (rc = last_cp(v, tenant, own, &cp)) < 0 || seq == 0 || cp >= seq)
		return rc;
	char why[64];
	snprintf(why, sizeof why, "checkpoint after entry %lld", (long long)seq);
	rc = gd__audit_append(v, tenant, "system",
	                      &(struct gd__audit_event){.action = "audit.checkpoint", .reason = why});
	if (rc == 0)
		rc = gd__audit_last(v, tenant, own, &seq, hash);
	if (rc == 0 && seq % GD_AUDIT_CHECKPOINT_EVERY != 0) /* else append just wrote it */
		rc = gd__audit_write_cp(v, tenant, own, seq, GD__CP_CHECKPOINT, hash);
	if (rc == 0)
		(*written)++;
	return rc;
}

int gd__audit_seal_batch(gd_vault *v)
{
	int rc = 0;
	int64_t lane = v->audit.lane;
	for (int i = 0; rc == 0 && i < v->audit.nbatch; i++) {
		unsigned char hash[GD__HASH_SIZE];
		int64_t seq, cp = 0, t = v->audit.batch[i];
		rc = gd__audit_last(v, t, lane, &seq, hash);
		if (rc == 0)
			rc = last_cp(v, t, lane, &cp);
		if (rc == 0 && seq > cp)
			rc = gd__audit_write_cp(v, t, lane, seq, GD__CP_CHECKPOINT, hash);
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

/* Where a prune cuts, per lane: the entries written before `before`, up to the first one written after. */
#define PRUNE_LANES 64
struct prune_lane {
	int64_t lane, cut, removed;
	bool stopped;                      /* an entry kept was met */
	unsigned char hash[GD__HASH_SIZE]; /* of entry `cut` */
};
struct prune_scan {
	gd_time before;
	int n;
	int64_t removed;
	struct prune_lane lanes[PRUNE_LANES];
};

static int prune_entry(void *ud, const struct gd__audit_entry *e, const void *hash, size_t n,
                       const unsigned char prev[GD__HASH_SIZE])
{
	struct prune_scan *p = ud;
	/* Entries come lane by lane. */
	if (!p->n || p->lanes[p->n - 1].lane != e->lane) {
		if (p->n == PRUNE_LANES)
			return 1; /* the rest waits for the next prune */
		p->lanes[p->n++] = (struct prune_lane){.lane = e->lane};
	}
	struct prune_lane *l = &p->lanes[p->n - 1];
	if (l->stopped || e->at >= p->before) {
		l->stopped = true;
		return 0;
	}
	l->cut = e->seq;
	l->removed++;
	p->removed++;
	memcpy(l->hash, hash, GD__HASH_SIZE);
	return 0;
}

/* Rewrites the block that holds entry `cut` and later ones, without the entries up to `cut`. */
static int split_block(gd_vault *v, int64_t tenant, int64_t lane, int64_t cut)
{
	struct gd__audit_block kept = {0};
	struct gd__audit_reader r = {0};
	gd__stmt *st;
	int64_t first = 0;
	int rc = gd__db_query(v->store, &st,
	                      "SELECT first_seq, body FROM audit_blocks WHERE tenant_id = ? AND lane = ?"
	                      " AND first_seq <= ?",
	                      "iii", tenant, lane, cut);
	if (rc < 0)
		return rc;
	if ((rc = gd__db_step(v->store, st)) == 1) {
		size_t n;
		const void *body = gd__col_blob(v->store, st, 1, &n);
		first = gd__col_int(v->store, st, 0);
		struct gd__audit_entry e = {.tenant_id = tenant, .lane = lane};
		const unsigned char *h;
		rc = gd__audit_reader_start(&r, body, n);
		while (rc == 0 && (rc = gd__audit_reader_next(&r, &e, &h)) == 1)
			rc = e.seq > cut ? gd__audit_block_add(&kept, &e, h) : 0;
	}
	gd__db_reset(v->store, st);
	if (rc == 0 && first && kept.n)
		rc = gd__db_exec(v->store,
		                 "UPDATE audit_blocks SET first_seq = ?, body = ? WHERE tenant_id = ? AND lane = ?"
		                 " AND first_seq = ?",
		                 "ibiii", kept.first_seq, kept.buf, kept.len, tenant, lane, first);
	else if (rc == 0 && first)
		rc = gd__db_exec(v->store, "DELETE FROM audit_blocks WHERE tenant_id = ? AND lane = ? AND first_seq = ?",
		                 "iii", tenant, lane, first);
	gd__audit_reader_free(&r);
	gd__audit_block_free(&kept);
	return rc;
}

/* Removes a lane's entries up to l->cut and signs its anchor. */
static int prune_lane(gd_vault *v, int64_t tenant, const struct prune_lane *l)
{
	int rc = gd__db_exec(v->store, "DELETE FROM audit_blocks WHERE tenant_id = ? AND lane = ? AND last_seq <= ?",
	                     "iii", tenant, l->lane, l->cut);
	if (rc == 0)
		rc = split_block(v, tenant, l->lane, l->cut);
	if (rc == 0)
		rc = gd__db_exec(v->store,
		                 "DELETE FROM audit_checkpoints WHERE tenant_id = ? AND lane = ? AND seq <= ?", "iii",
		                 tenant, l->lane, l->cut);
	if (rc == 0)
		rc = gd__audit_write_cp(v, tenant, l->lane, l->cut, GD__CP_ANCHOR, l->hash);
	return rc;
}

int gd_audit_prune(gd_actor *a, gd_time before_time, int64_t *out_n)
{
	gd_vault *v = a->v;
	gd_audit_report rep;
	struct prune_scan *scan = gd__calloc(1, sizeof *scan);
	int rc;

	if (out_n)
		*out_n = 0;
	if (!scan)
		return gd__err(GD_ENOMEM, "out of memory");
	scan->before = before_time;
	if ((rc = gd__op_begin(v)) < 0) {
		gd__free(scan);
		return rc;
	}
	/* Never sign an anchor over a damaged chain. */
	if ((rc = gd__audit_verify_chains(v, a->tenant_id, &rep, NULL, NULL, NULL)) < 0) {
		if (rc == GD_ECORRUPT)
			rc = gd__err(GD_ECORRUPT,
			             "the audit chain of %s is damaged (%s): prune refused; run 'gardien audit verify'",
			             a->tenant, rep.detail);
		goto done;
	}
	struct gd__audit_walk w = {.entry = prune_entry, .cp = NULL, .ud = scan};
	if ((rc = gd__audit_walk(v, a->tenant_id, &w)) < 0)
		goto done;
	rc = 0; /* 1: stopped at PRUNE_LANES lanes */
	for (int i = 0; rc == 0 && i < scan->n; i++)
		if (scan->lanes[i].removed)
			rc = prune_lane(v, a->tenant_id, &scan->lanes[i]);
	if (rc < 0)
		goto done;
	char why[128], t[32];
	gd_time_format(t, before_time);
	snprintf(why, sizeof why, "%lld entries written before %s removed", (long long)scan->removed, t);
	rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "audit.prune", .reason = why});
done:
	rc = gd__op_end(v, rc);
	if (rc == 0 && out_n)
		*out_n = scan->removed;
	gd__free(scan);
	return rc;
}
