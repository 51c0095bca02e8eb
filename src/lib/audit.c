/*
 * audit.c — appending to the audit trail, inside the caller's operation.
 *
 * Each tenant has its own chain; entry n's hash covers entry n-1's hash and
 * every field of entry n in the canonical encoding of gd__audit_hash (byte by
 * byte in docs/FORMAT.md), so editing, removing, inserting or reordering an
 * entry breaks every hash after it.
 */
#include <stdio.h>
#include <string.h>

#include "lib/audit.h"
#include "lib/internal.h"

static void put_u64(gd__hash_state *h, uint64_t x)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(x >> (8 * i));
	gd__hash_update(h, b, 8);
}

static void put_str(gd__hash_state *h, const char *s)
{
	unsigned char b[4];
	uint32_t n = s ? (uint32_t)strlen(s) : UINT32_MAX;
	for (int i = 0; i < 4; i++)
		b[i] = (unsigned char)(n >> (8 * i));
	gd__hash_update(h, b, 4);
	if (s)
		gd__hash_update(h, s, n);
}

void gd__audit_hash(unsigned char out[GD__HASH_SIZE], const unsigned char prev[GD__HASH_SIZE],
                    const struct gd__audit_entry *e)
{
	gd__hash_state h;
	gd__hash_init(&h);
	gd__hash_update(&h, "gardien audit v1", 16);
	gd__hash_update(&h, prev, GD__HASH_SIZE);
	put_u64(&h, (uint64_t)e->tenant_id);
	put_u64(&h, (uint64_t)e->seq);
	put_u64(&h, (uint64_t)e->at);
	put_str(&h, e->principal);
	put_str(&h, e->action);
	put_str(&h, e->purpose);
	put_str(&h, e->subject);
	put_u64(&h, (uint64_t)e->record_id);
	put_str(&h, e->category);
	put_u64(&h, (uint64_t)e->outcome);
	put_str(&h, e->reason);
	gd__hash_final(&h, out);
}

int gd__audit_append(gd_vault *v, int64_t tenant_id, const char *principal,
                     const struct gd__audit_event *ev)
{
	unsigned char prev[GD__HASH_SIZE] = {0}, hash[GD__HASH_SIZE];
	gd__stmt *st;
	int64_t seq = 1;
	int rc = gd__db_query(v->store, &st,
	                      "SELECT seq, hash FROM audit WHERE tenant_id = ? ORDER BY seq DESC LIMIT 1",
	                      "i", tenant_id);
	if (rc < 0)
		return rc;
	rc = gd__db_step(v->store, st);
	if (rc == 1) {
		size_t n;
		const void *h = gd__col_blob(v->store, st, 1, &n);
		seq = gd__col_int(v->store, st, 0) + 1;
		if (n == GD__HASH_SIZE)
			memcpy(prev, h, n);
		else
			rc = gd__err(GD_ECORRUPT, "audit entry %lld of tenant %lld has a damaged hash",
			             (long long)seq - 1, (long long)tenant_id);
	}
	gd__db_reset(v->store, st);
	if (rc < 0)
		return rc;
	struct gd__audit_entry e = {
		.tenant_id = tenant_id, .seq = seq, .at = gd_vault_now(v), .principal = principal,
		.action = ev->action, .purpose = ev->purpose, .subject = ev->subject,
		.record_id = ev->record_id, .category = ev->category, .outcome = (int)ev->outcome,
		.reason = ev->reason,
	};
	gd__audit_hash(hash, prev, &e);
	return gd__db_exec(v->store,
	                   "INSERT INTO audit (tenant_id, seq, at, principal, action, purpose, subject,"
	                   " record_id, category, outcome, reason, hash)"
	                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                   "iiittttititb", tenant_id, seq, (int64_t)e.at, principal, ev->action,
	                   ev->purpose, ev->subject, ev->record_id, ev->category,
	                   (int64_t)ev->outcome, ev->reason, hash, sizeof hash);
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
