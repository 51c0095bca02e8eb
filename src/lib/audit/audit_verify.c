/*
 * audit_verify.c — verification of the chains: the verifier (shared with the
 * offline check of an export, audit_io.c), the walk over the stored blocks and
 * checkpoints in chain order, and gd_audit_verify.
 *
 * The verifier streams entries through a small state machine with no
 * allocation per entry; only when a hash does not match does it copy one entry
 * aside to look at the next and name what happened (modified, inserted,
 * removed, reordered). A checkpoint's signature is checked against the
 * vault's public key; a chain is intact only up to its last good checkpoint.
 */
#include <stdio.h>
#include <string.h>

#include "lib/audit/audit.h"
#include "lib/internal.h"

/* ---- the verifier --------------------------------------------------------- */

/* An entry copied aside while the verifier decides what happened to it. */
struct held {
	struct gd__audit_entry e;
	char *s[6];
	unsigned char hash[GD__HASH_SIZE];
	bool hash_ok;
};

struct gd__verifier {
	gd_audit_report *r;
	unsigned char pk[GD__SIGN_PK_SIZE];
	/* Keys of the vault before `gardien key rotate audit` (keys.c): their checkpoints still verify. */
	unsigned char retired[64][GD__SIGN_PK_SIZE];
	int nretired;
	bool open; /* a chain (a lane) is under way */
	int64_t tenant, lane;
	int64_t lane_entries, lane_cps, lane_first; /* of the lane under way */
	void (*on_lane)(void *ud, const gd_audit_lane_report *l);
	void *lane_ud;
	int64_t last_seq; /* last entry (or anchor) seen */
	unsigned char last_hash[GD__HASH_SIZE];
	int64_t last_cp;    /* seq of the last checkpoint or anchor */
	int64_t missing_cp; /* a checkpoint beyond the last entry (0: none) */
	bool has_entries;
	bool holding; /* `held` is an entry whose hash did not match */
	struct held held;
	unsigned char held_prev[GD__HASH_SIZE];
	bool done;
};

static int problem(struct gd__verifier *vf, int kind, int64_t tenant, int64_t lane, int64_t seq,
                   const char *fmt, ...) GD__PRINTF(6, 7);
static int problem(struct gd__verifier *vf, int kind, int64_t tenant, int64_t lane, int64_t seq,
                   const char *fmt, ...)
{
	va_list ap;
	vf->r->problem = kind;
	vf->r->tenant_id = tenant;
	vf->r->lane = lane;
	vf->r->seq = seq;
	va_start(ap, fmt);
	vsnprintf(vf->r->detail, sizeof vf->r->detail, fmt, ap);
	va_end(ap);
	vf->done = true;
	return gd__err(GD_ECORRUPT, "audit chain of tenant %lld, lane %lld: %s", (long long)tenant,
	               (long long)lane, vf->r->detail);
}

static void held_release(struct held *h)
{
	for (int i = 0; i < 6; i++)
		gd__free(h->s[i]), h->s[i] = NULL;
}

static int held_take(struct held *h, const struct gd__audit_entry *e, const void *hash, size_t n)
{
	const char *src[6] = {e->principal, e->action, e->purpose, e->subject, e->category, e->reason};
	held_release(h);
	h->e = *e;
	for (int i = 0; i < 6; i++)
		if (src[i] && !(h->s[i] = gd__strdup(src[i])))
			return gd__err(GD_ENOMEM, "out of memory");
	h->e.principal = h->s[0], h->e.action = h->s[1], h->e.purpose = h->s[2];
	h->e.subject = h->s[3], h->e.category = h->s[4], h->e.reason = h->s[5];
	h->hash_ok = n == GD__HASH_SIZE;
	memset(h->hash, 0, sizeof h->hash);
	if (h->hash_ok)
		memcpy(h->hash, hash, n);
	return 0;
}

/* True when `e`, renumbered `seq`, hashes to `hash` after `prev`. */
static bool chains_as(const struct gd__audit_entry *e, int64_t seq,
                      const unsigned char prev[GD__HASH_SIZE], const void *hash, size_t n)
{
	struct gd__audit_entry x = *e;
	unsigned char h[GD__HASH_SIZE];
	x.seq = seq;
	gd__audit_hash(h, prev, &x);
	return n == GD__HASH_SIZE && memcmp(h, hash, GD__HASH_SIZE) == 0;
}

/* Decides what happened to the held entry, given the next one (NULL at the end). */
static int decide(struct gd__verifier *vf, const struct gd__audit_entry *next, const void *nhash,
                  size_t nn)
{
	const struct held *h = &vf->held;
	int64_t s = h->e.seq, t = h->e.tenant_id;
	if (next && next->tenant_id == t && next->lane == h->e.lane && next->seq == s + 1) {
		if (chains_as(next, s, vf->held_prev, nhash, nn)) {
			if (h->hash_ok && chains_as(&h->e, s + 1, nhash, h->hash, GD__HASH_SIZE))
				return problem(vf, GD_AUDIT_REORDERED, t, h->e.lane, s,
				               "entries %lld and %lld were swapped", (long long)s,
				               (long long)s + 1);
			return problem(vf, GD_AUDIT_INSERTED, t, h->e.lane, s,
			               "entry %lld was inserted: the genuine entry %lld follows it, renumbered",
			               (long long)s, (long long)s);
		}
		if (h->hash_ok && chains_as(next, s + 2, h->hash, nhash, nn))
			return problem(vf, GD_AUDIT_REMOVED, t, h->e.lane, s,
			               "entry %lld was removed and the entries after it renumbered",
			               (long long)s);
	}
	return problem(vf, GD_AUDIT_MODIFIED, t, h->e.lane, s,
	               "entry %lld was modified: its hash does not match its content", (long long)s);
}

int gd__verifier_new(struct gd__verifier **out, const unsigned char pk[GD__SIGN_PK_SIZE],
                     gd_audit_report *r)
{
	struct gd__verifier *vf = gd__calloc(1, sizeof *vf);
	if (!vf)
		return gd__err(GD_ENOMEM, "out of memory");
	memset(r, 0, sizeof *r);
	vf->r = r;
	memcpy(vf->pk, pk, GD__SIGN_PK_SIZE);
	*out = vf;
	return 0;
}

void gd__verifier_free(struct gd__verifier *vf)
{
	if (!vf)
		return;
	held_release(&vf->held);
	gd__free(vf);
}

static int chain_end(struct gd__verifier *vf)
{
	if (!vf->open)
		return 0;
	vf->open = false;
	if (vf->holding)
		return decide(vf, NULL, NULL, 0);
	if (vf->missing_cp)
		return problem(vf, GD_AUDIT_TRUNCATED, vf->tenant, vf->lane, vf->last_seq,
		               "the chain ends at entry %lld but a signed checkpoint covers entry %lld:"
		               " the entries after %lld were removed",
		               (long long)vf->last_seq, (long long)vf->missing_cp, (long long)vf->last_seq);
	vf->r->unsigned_tail += vf->last_seq - vf->last_cp;
	if (vf->on_lane)
		vf->on_lane(vf->lane_ud, &(gd_audit_lane_report){
						 .tenant_id = vf->tenant, .lane = vf->lane, .first_seq = vf->lane_first, .last_seq = vf->last_seq, .entries = vf->lane_entries, .checkpoints = vf->lane_cps, .unsigned_tail = vf->last_seq - vf->last_cp});
	return 0;
}

void gd__verifier_on_lane(struct gd__verifier *vf, void (*lane)(void *ud, const gd_audit_lane_report *l),
                          void *ud)
{
	vf->on_lane = lane;
	vf->lane_ud = ud;
}

/* (t1, l1) before (t2, l2): chains come in order of tenant, then lane. */
static bool chain_before(int64_t t1, int64_t l1, int64_t t2, int64_t l2)
{
	return t1 < t2 || (t1 == t2 && l1 < l2);
}

static int chain_begin(struct gd__verifier *vf, int64_t tenant, int64_t lane)
{
	int rc = chain_end(vf);
	if (rc < 0)
		return rc;
	vf->open = true;
	vf->tenant = tenant;
	vf->lane = lane;
	vf->lane_entries = vf->lane_cps = vf->lane_first = 0;
	vf->last_seq = vf->last_cp = vf->missing_cp = 0;
	memset(vf->last_hash, 0, sizeof vf->last_hash);
	vf->has_entries = false;
	vf->r->chains++;
	return 0;
}

int gd__verifier_entry(struct gd__verifier *vf, const struct gd__audit_entry *e,
                       const void *hash, size_t n)
{
	int rc;
	if (vf->done)
		return GD_ECORRUPT;
	if (!vf->open || e->tenant_id != vf->tenant || e->lane != vf->lane) {
		if (vf->open && chain_before(e->tenant_id, e->lane, vf->tenant, vf->lane))
			return problem(vf, GD_AUDIT_REORDERED, e->tenant_id, e->lane, e->seq,
			               "entry %lld stands out of order", (long long)e->seq);
		if ((rc = chain_begin(vf, e->tenant_id, e->lane)) < 0)
			return rc;
	}
	if (vf->holding)
		return decide(vf, e, hash, n);
	int64_t expected = vf->last_seq + 1;
	if (e->seq > expected)
		return problem(vf, GD_AUDIT_REMOVED, e->tenant_id, e->lane, expected,
		               expected == e->seq - 1 ? "entry %lld was removed"
		                                      : "entries from %lld were removed",
		               (long long)expected);
	if (e->seq < expected)
		return problem(vf, GD_AUDIT_REORDERED, e->tenant_id, e->lane, e->seq,
		               "entry %lld stands out of order (after entry %lld)", (long long)e->seq,
		               (long long)vf->last_seq);
	vf->r->entries++;
	vf->lane_entries++;
	if (!vf->lane_first)
		vf->lane_first = e->seq;
	if (!chains_as(e, e->seq, vf->last_hash, hash, n)) {
		vf->holding = true;
		memcpy(vf->held_prev, vf->last_hash, GD__HASH_SIZE);
		return held_take(&vf->held, e, hash, n);
	}
	vf->last_seq = e->seq;
	memcpy(vf->last_hash, hash, GD__HASH_SIZE);
	vf->has_entries = true;
	return 0;
}

int gd__verifier_cp(struct gd__verifier *vf, const struct gd__audit_cp *cp)
{
	unsigned char msg[GD__CP_MESSAGE_SIZE];
	int rc;
	if (vf->done)
		return GD_ECORRUPT;
	if (vf->holding)
		return 0; /* the held entry is the first problem: decided by the next entry */
	const char *what = cp->kind == GD__CP_ANCHOR ? "anchor" : "checkpoint";
	/* Version 2 signs the lane; version 1 (vaults before lanes) stands for lane 0 only. */
	bool signed_ok = false;
	for (int version = 2; !signed_ok && cp->well_formed && version >= (cp->lane == 0 ? 1 : 2); version--) {
		size_t n = gd__audit_cp_message(msg, cp, version);
		signed_ok = gd__sign_verify(cp->sig, msg, n, vf->pk) == 0;
		for (int i = 0; !signed_ok && i < vf->nretired; i++)
			signed_ok = gd__sign_verify(cp->sig, msg, n, vf->retired[i]) == 0;
	}
	if (!cp->well_formed || (cp->kind != GD__CP_ANCHOR && cp->kind != GD__CP_CHECKPOINT) || !signed_ok)
		return problem(vf, GD_AUDIT_BAD_SIGNATURE, cp->tenant_id, cp->lane, cp->seq,
		               "the %s at entry %lld is not signed by this vault's audit key", what,
		               (long long)cp->seq);
	vf->r->checkpoints++;
	if (!vf->open || cp->tenant_id != vf->tenant || cp->lane != vf->lane) {
		if ((rc = chain_begin(vf, cp->tenant_id, cp->lane)) < 0)
			return rc;
	}
	vf->lane_cps++;
	if (cp->kind == GD__CP_ANCHOR) {
		if (vf->has_entries || vf->last_seq)
			return problem(vf, GD_AUDIT_REWRITTEN, cp->tenant_id, cp->lane, cp->seq,
			               "a prune anchor stands after entry %lld, inside the chain",
			               (long long)vf->last_seq);
		vf->last_seq = vf->last_cp = cp->seq;
		memcpy(vf->last_hash, cp->hash, GD__HASH_SIZE);
		return 0;
	}
	if (cp->seq > vf->last_seq) {
		/* Removed entries: a gap if more follow (decided then), else a truncation. */
		if (!vf->missing_cp)
			vf->missing_cp = cp->seq;
		return 0;
	}
	if (cp->seq < vf->last_seq)
		return problem(vf, GD_AUDIT_REWRITTEN, cp->tenant_id, cp->lane, cp->seq,
		               "the checkpoint at entry %lld stands out of place", (long long)cp->seq);
	if (memcmp(cp->hash, vf->last_hash, GD__HASH_SIZE) != 0)
		return problem(vf, GD_AUDIT_REWRITTEN, cp->tenant_id, cp->lane, cp->seq,
		               "the chain up to entry %lld was rewritten: it no longer matches its signed"
		               " checkpoint (the change lies between the previous checkpoint, at entry %lld,"
		               " and this one)",
		               (long long)cp->seq, (long long)vf->last_cp);
	vf->last_cp = cp->seq;
	return 0;
}

int gd__verifier_end(struct gd__verifier *vf)
{
	if (vf->done)
		return GD_ECORRUPT;
	return chain_end(vf);
}

/* ---- walking the stored chains ------------------------------------------- */

#define CP_COLUMNS "tenant_id, seq, kind, at, hash, sig, lane"

static void read_cp(gd__store *db, gd__stmt *st, struct gd__audit_cp *cp)
{
	size_t nh, ns;
	const void *h = gd__col_blob(db, st, 4, &nh), *s = gd__col_blob(db, st, 5, &ns);
	cp->tenant_id = gd__col_int(db, st, 0);
	cp->seq = gd__col_int(db, st, 1);
	cp->kind = gd__col_int(db, st, 2);
	cp->at = gd__col_int(db, st, 3);
	cp->lane = gd__col_int(db, st, 6);
	cp->well_formed = nh == GD__HASH_SIZE && ns == GD__SIG_SIZE;
	memset(cp->hash, 0, sizeof cp->hash);
	memset(cp->sig, 0, sizeof cp->sig);
	if (cp->well_formed) {
		memcpy(cp->hash, h, nh);
		memcpy(cp->sig, s, ns);
	}
}

/* (t1, l1, s1) < (t2, l2, s2) */
static bool before(int64_t t1, int64_t l1, int64_t s1, int64_t t2, int64_t l2, int64_t s2)
{
	return t1 < t2 || (t1 == t2 && (l1 < l2 || (l1 == l2 && s1 < s2)));
}

/* The entries of the blocks a query returns (tenant_id, first_seq, last_seq, body, lane), in order. */
struct entries {
	gd__store *db;
	gd__stmt *st;
	struct gd__audit_reader r;
	bool in_block;
	int64_t tenant, lane, first_seq, last_seq, read; /* read: entries of the block so far */
	int64_t damaged;                                 /* the first entry a damaged block loses */
};

/*
 * 1: *e and *hash set; 0: no more; < 0: error (a damaged block: GD_ECORRUPT).
 * A block must hold the entries its row says: appends continue from last_seq
 * and a prune deletes by it, so a row that lies is damage like any other.
 */
static int next_entry(struct entries *s, struct gd__audit_entry *e, const unsigned char **hash)
{
	for (;;) {
		int rc;
		if (s->in_block) {
			if ((rc = gd__audit_reader_next(&s->r, e, hash)) < 0) {
				if (rc == GD_ECORRUPT)
					s->damaged = s->read ? s->r.seq + 1 : s->first_seq;
				return rc;
			}
			if (rc == 1 && (s->read || e->seq == s->first_seq)) {
				s->read++;
				e->tenant_id = s->tenant;
				e->lane = s->lane;
				return 1;
			}
			/* The row does not name what the block holds: the block is in doubt. */
			s->damaged = s->first_seq;
			if (rc == 1)
				return gd__err(GD_ECORRUPT, "audit block damaged: its row says it starts at entry %lld,"
				                            " its first entry is %lld",
				               (long long)s->first_seq, (long long)e->seq);
			if (!s->read || s->r.seq != s->last_seq)
				return gd__err(GD_ECORRUPT, "audit block damaged: its row says it ends at entry %lld,"
				                            " it holds %s %lld",
				               (long long)s->last_seq, s->read ? "entries up to" : "no entry:",
				               (long long)s->r.seq);
			s->damaged = 0;
			s->in_block = false;
		}
		if ((rc = gd__db_step(s->db, s->st)) <= 0)
			return rc;
		size_t n;
		const void *body = gd__col_blob(s->db, s->st, 3, &n);
		s->tenant = gd__col_int(s->db, s->st, 0);
		s->lane = gd__col_int(s->db, s->st, 4);
		s->first_seq = gd__col_int(s->db, s->st, 1);
		s->last_seq = gd__col_int(s->db, s->st, 2);
		s->read = 0;
		if ((rc = gd__audit_reader_start(&s->r, body, n)) < 0) {
			s->damaged = rc == GD_ECORRUPT ? s->first_seq : 0;
			return rc;
		}
		s->in_block = true;
	}
}

int gd__audit_walk(gd_vault *v, int64_t tenant, struct gd__audit_walk *w)
{
	gd__store *db = v->store;
	gd__stmt *cs = NULL;
	struct entries es = {.db = db};
	struct gd__audit_cp cp;
	unsigned char prev[GD__HASH_SIZE] = {0};
	int64_t prev_tenant = -1, prev_lane = -1;
	bool cp_have = false;
	int rc;

	/* One walk at a time: a callback reading the trail again would reuse (and
	 * reset) the statements this walk is stepping through. */
	if (v->audit.walking)
		return gd__err(GD_ESTATE, "the audit trail is already being read through this vault handle:"
		                          " read it again after the listing, export or scope returns");
	/* What this transaction appended is part of the trail it reads. */
	if ((rc = gd__audit_flush(v)) < 0)
		return rc;
	if (tenant < 0)
		rc = gd__db_scan(db, &es.st,
		                 "SELECT tenant_id, first_seq, last_seq, body, lane FROM audit_blocks"
		                 " ORDER BY tenant_id, lane, first_seq",
		                 NULL);
	else
		rc = gd__db_scan(db, &es.st,
		                 "SELECT tenant_id, first_seq, last_seq, body, lane FROM audit_blocks"
		                 " WHERE tenant_id = ? ORDER BY lane, first_seq",
		                 "i", tenant);
	if (rc < 0)
		return rc;
	v->audit.walking = true;
	if (tenant < 0)
		rc = gd__db_scan(db, &cs,
		                 "SELECT " CP_COLUMNS " FROM audit_checkpoints"
		                 " ORDER BY tenant_id, lane, seq, kind DESC",
		                 NULL);
	else
		rc = gd__db_scan(db, &cs,
		                 "SELECT " CP_COLUMNS " FROM audit_checkpoints WHERE tenant_id = ?"
		                 " ORDER BY lane, seq, kind DESC",
		                 "i", tenant);
	if (rc < 0) {
		cs = NULL;
		goto done;
	}
	if ((rc = gd__db_step(db, cs)) < 0)
		goto done;
	if ((cp_have = rc == 1))
		read_cp(db, cs, &cp);
	for (;;) {
		struct gd__audit_entry e = {0};
		const unsigned char *h = NULL;
		rc = next_entry(&es, &e, &h);
		if (rc == GD_ECORRUPT && es.damaged) {
			w->damaged_tenant = es.tenant;
			w->damaged_lane = es.lane;
			w->damaged_seq = es.damaged;
		}
		if (rc < 0)
			goto done;
		bool have = rc == 1;
		/* Checkpoints come after the entry they cover, anchors before the chain. */
		while (cp_have && (!have || before(cp.tenant_id, cp.lane, cp.seq, e.tenant_id, e.lane, e.seq))) {
			if (cp.kind == GD__CP_ANCHOR && (cp.tenant_id != prev_tenant || cp.lane != prev_lane)) {
				memcpy(prev, cp.hash, GD__HASH_SIZE);
				prev_tenant = cp.tenant_id;
				prev_lane = cp.lane;
			}
			if (w->cp && (rc = w->cp(w->ud, &cp)) != 0)
				goto done;
			if ((rc = gd__db_step(db, cs)) < 0)
				goto done;
			if ((cp_have = rc == 1))
				read_cp(db, cs, &cp);
		}
		if (!have)
			break;
		if (e.tenant_id != prev_tenant || e.lane != prev_lane) {
			memset(prev, 0, sizeof prev);
			prev_tenant = e.tenant_id;
			prev_lane = e.lane;
		}
		if ((rc = w->entry(w->ud, &e, h, GD__HASH_SIZE, prev)) != 0)
			goto done;
		memcpy(prev, h, GD__HASH_SIZE);
	}
	rc = 0;
done:
	v->audit.walking = false;
	gd__audit_reader_free(&es.r);
	gd__db_reset(db, es.st);
	if (cs)
		gd__db_reset(db, cs);
	return rc;
}

int gd__audit_tenant_id(gd_vault *v, const char *name, int64_t *out)
{
	if (strcmp(name, "(vault)") == 0) {
		*out = 0;
		return 0;
	}
	int rc = gd__db_int(v->store, out, "SELECT id FROM tenants WHERE name = ?", "t", name);
	if (rc == GD_ENOTFOUND)
		return gd__err(GD_ENOTFOUND, "no tenant \"%s\" in this vault", name);
	return rc;
}

static void tenant_name(gd_vault *v, int64_t id, char out[72])
{
	gd__stmt *st;
	snprintf(out, 72, id == 0 ? "(vault)" : "#%lld", (long long)id);
	if (id == 0 || gd__db_query(v->store, &st, "SELECT name FROM tenants WHERE id = ?", "i", id) < 0)
		return;
	if (gd__db_step(v->store, st) == 1 && gd__col_text(v->store, st, 0))
		snprintf(out, 72, "%s", gd__col_text(v->store, st, 0));
	gd__db_reset(v->store, st);
}

struct verify_ctx {
	struct gd__verifier *vf;
	gd_vault *v;
	void (*progress)(void *ud, int64_t done);
	void (*lane)(void *ud, const gd_audit_lane_report *l);
	void *ud;
	int64_t n;
};

/* A lane verified: named for the caller. */
static void lane_done(void *ud, const gd_audit_lane_report *l)
{
	struct verify_ctx *c = ud;
	char name[72];
	tenant_name(c->v, l->tenant_id, name);
	gd_audit_lane_report r = *l;
	r.tenant = name;
	c->lane(c->ud, &r);
}

static int verify_entry(void *ud, const struct gd__audit_entry *e, const void *hash, size_t n,
                        const unsigned char prev[GD__HASH_SIZE])
{
	struct verify_ctx *c = ud;
	if (c->progress && (++c->n & 0xffff) == 0)
		c->progress(c->ud, c->n);
	return gd__verifier_entry(c->vf, e, hash, n);
}

static int verify_cp(void *ud, const struct gd__audit_cp *cp)
{
	struct verify_ctx *c = ud;
	return gd__verifier_cp(c->vf, cp);
}

/* Verifies in the current transaction (the caller's operation, or none). */
int gd__audit_verify_chains(gd_vault *v, int64_t tenant, gd_audit_report *r,
                            void (*progress)(void *ud, int64_t done),
                            void (*lane)(void *ud, const gd_audit_lane_report *l), void *ud)
{
	struct verify_ctx c = {.v = v, .progress = progress, .lane = lane, .ud = ud};
	int rc = gd__verifier_new(&c.vf, v->audit_pk, r);
	if (rc < 0)
		return rc;
	if (lane)
		gd__verifier_on_lane(c.vf, lane_done, &c);
	gd__stmt *ks;
	if ((rc = gd__db_query(v->store, &ks, "SELECT value FROM meta WHERE key = 'audit_retired_keys'", NULL)) == 0) {
		if ((rc = gd__db_step(v->store, ks)) == 1) {
			size_t n;
			const unsigned char *p = gd__col_blob(v->store, ks, 0, &n);
			for (size_t i = 0; p && i + GD__SIGN_PK_SIZE <= n && c.vf->nretired < 64; i += GD__SIGN_PK_SIZE)
				memcpy(c.vf->retired[c.vf->nretired++], p + i, GD__SIGN_PK_SIZE);
			rc = 0;
		}
		gd__db_reset(v->store, ks);
	}
	if (rc < 0) {
		gd__verifier_free(c.vf);
		return rc;
	}
	struct gd__audit_walk w = {.entry = verify_entry, .cp = verify_cp, .ud = &c};
	rc = gd__audit_walk(v, tenant, &w);
	if (rc == GD_ECORRUPT && r->problem == GD_AUDIT_INTACT && w.damaged_seq) {
		/* A block that does not decode: its entries were altered. */
		r->problem = GD_AUDIT_MODIFIED;
		r->tenant_id = w.damaged_tenant;
		r->lane = w.damaged_lane;
		r->seq = w.damaged_seq;
		snprintf(r->detail, sizeof r->detail, "entry %lld: %s", (long long)w.damaged_seq,
		         gd_error_last());
	}
	if (rc == 0)
		rc = gd__verifier_end(c.vf);
	gd__verifier_free(c.vf);
	if (r->problem != GD_AUDIT_INTACT) {
		tenant_name(v, r->tenant_id, r->tenant);
		rc = gd__err(GD_ECORRUPT, "audit chain of %s, lane %lld: %s", r->tenant, (long long)r->lane, r->detail);
	}
	return rc;
}

int gd_audit_verify(gd_vault *v, const char *tenant, gd_audit_report *out,
                    void (*progress)(void *ud, int64_t done), void *ud)
{
	return gd_audit_verify_lanes(v, tenant, out, progress, NULL, ud);
}

int gd_audit_verify_lanes(gd_vault *v, const char *tenant, gd_audit_report *out,
                          void (*progress)(void *ud, int64_t done),
                          void (*lane)(void *ud, const gd_audit_lane_report *l), void *ud)
{
	int64_t id = -1;
	int rc;
	memset(out, 0, sizeof *out);
	if (tenant && (rc = gd__audit_tenant_id(v, tenant, &id)) < 0)
		return rc;
	/*
	 * A read operation, without the write lock: the walk's two statements
	 * read one snapshot while writers go on, and on PostgreSQL they are
	 * scans that hold a page of blocks at a time (a cursor lives in a
	 * transaction).
	 */
	if ((rc = gd__op_begin_read(v)) < 0)
		return rc;
	return gd__op_end(v, gd__audit_verify_chains(v, id, out, progress, lane, ud));
}
