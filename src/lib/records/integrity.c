/*
 * integrity.c — the MACs that bind the clear metadata of records and
 * identifiers, so that an edit made in the database outside gardien (a record
 * moved into another activity or out of its retention, an identifier pointed
 * at another person) is detected: at read, and row by row by gd_vault_verify.
 *
 * Values are sealed under AEAD whose associated data binds tenant, subject,
 * record and category (record.c); what the AEAD does not cover, these MACs do:
 *   records.mac     = keyed BLAKE2b-128, under the tenant's metadata key, of
 *                     "gardien record meta v1" | id | tenant id | collected_at |
 *                     stage (u64 LE each) | subject pseudonym ("" once
 *                     anonymised) | activity | category | subject category
 *                     ("" when none) (u32 LE length + bytes each)
 *   identifiers.mac = keyed BLAKE2b-128 of "gardien identifier v1" | tenant id |
 *                     blind (16) | subject pseudonym | kind
 * The metadata key is derived from the tenant's key-encryption key (context
 * "gdmeta__", id 1), so it rotates with it and never leaves secure memory.
 * Invariant: every writer of those columns writes the MAC in the same
 * statement (record.c, retention.c, subject.c); format 3 vaults have one on
 * every row (vault.c converts format 3 at open, gd__integrity_migrate).
 */
#include <stdio.h>
#include <string.h>

#include "lib/internal.h"

#define MSG_CAP (32 + 4 * 8 + 4 * (4 + GD_NAME_MAX + 1))

static size_t put_u64(unsigned char *p, uint64_t x)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(x >> (8 * i));
	return 8;
}

static size_t put_str(unsigned char *p, const char *s)
{
	size_t n = s ? strnlen(s, GD_NAME_MAX + 1) : 0;
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)((uint32_t)n >> (8 * i));
	if (n)
		memcpy(p + 4, s, n);
	return 4 + n;
}

void gd__meta_key(const unsigned char kek[GD__KEY_SIZE], unsigned char key[GD__KEY_SIZE])
{
	gd__kdf(key, GD__KEY_SIZE, 1, "gdmeta__", kek);
}

void gd__record_mac(unsigned char out[GD__BLIND_SIZE], const unsigned char key[GD__KEY_SIZE],
                    const struct gd__record_fields *f)
{
	unsigned char m[MSG_CAP];
	size_t n = 0;
	memcpy(m, "gardien record meta v1", 22);
	n = 22;
	n += put_u64(m + n, (uint64_t)f->id);
	n += put_u64(m + n, (uint64_t)f->tenant_id);
	n += put_u64(m + n, (uint64_t)f->collected_at);
	n += put_u64(m + n, (uint64_t)f->stage);
	n += put_str(m + n, f->subject);
	n += put_str(m + n, f->activity);
	n += put_str(m + n, f->category);
	n += put_str(m + n, f->subject_category);
	gd__blind(out, key, m, n);
}

void gd__identifier_mac(unsigned char out[GD__BLIND_SIZE], const unsigned char key[GD__KEY_SIZE],
                        int64_t tenant_id, const unsigned char blind[GD__BLIND_SIZE], const char *subject,
                        const char *kind)
{
	unsigned char m[MSG_CAP];
	size_t n = 21;
	memcpy(m, "gardien identifier v1", 21);
	n += put_u64(m + n, (uint64_t)tenant_id);
	memcpy(m + n, blind, GD__BLIND_SIZE);
	n += GD__BLIND_SIZE;
	n += put_str(m + n, subject);
	n += put_str(m + n, kind);
	gd__blind(out, key, m, n);
}

int gd__record_mac_check(gd_actor *a, const struct gd__record_fields *f, const void *mac, size_t n)
{
	unsigned char want[GD__BLIND_SIZE];
	gd__record_mac(want, GD__ACTOR_META(a), f);
	bool bad = n != GD__BLIND_SIZE || gd__memcmp(want, mac, GD__BLIND_SIZE) != 0;
	/* The tenant key may have turned since the actor opened, or be turning (keys/tenant_key.c). */
	if (bad && n == GD__BLIND_SIZE && gd__actor_keys_fresh(a, true) == 0) {
		gd__record_mac(want, GD__ACTOR_META(a), f);
		bad = gd__memcmp(want, mac, GD__BLIND_SIZE) != 0;
		if (bad && a->has_prev) {
			gd__record_mac(want, GD__ACTOR_PREV_META(a), f);
			bad = gd__memcmp(want, mac, GD__BLIND_SIZE) != 0;
		}
	}
	if (bad)
		return gd__err(GD_ECORRUPT,
		               "record %lld: its metadata (activity, category, subject, collection time or"
		               " stage) was changed outside gardien; run 'gardien vault verify' to list every"
		               " damaged row",
		               (long long)f->id);
	return 0;
}

/* ---- a tenant-key rotation's writes (keys/tenant_key.c) ---- */

int gd__record_set_mac(gd_vault *v, int64_t tenant_id, int64_t id, const unsigned char mac[GD__BLIND_SIZE])
{
	return gd__db_exec(v->store, "UPDATE records SET mac = ? WHERE tenant_id = ? AND id = ?", "bii", mac,
	                   (size_t)GD__BLIND_SIZE, tenant_id, id);
}

int gd__identifier_set_blind(gd_vault *v, int64_t tenant_id, const unsigned char old[GD__BLIND_SIZE],
                             const unsigned char blind[GD__BLIND_SIZE], const unsigned char mac[GD__BLIND_SIZE])
{
	return gd__db_exec(v->store, "UPDATE identifiers SET blind = ?, mac = ? WHERE tenant_id = ? AND blind = ?", "bbib",
	                   blind, (size_t)GD__BLIND_SIZE, mac, (size_t)GD__BLIND_SIZE, tenant_id, old,
	                   (size_t)GD__BLIND_SIZE);
}

/* ---- verification of every row ---- */

struct verify {
	gd_vault *v;
	gd_vault_verify_report *rep;
	int (*damaged)(void *ud, const gd_vault_damage *d);
	int (*progress)(void *ud, uint64_t done, uint64_t total);
	void *ud;
	uint64_t done, total;
};

static int report(struct verify *x, const char *tenant, const char *table, int64_t id, const char *what)
{
	x->rep->damaged++;
	if (!x->damaged)
		return 0;
	gd_vault_damage d = {.table = table, .id = id, .what = what};
	gd__copy(d.tenant, sizeof d.tenant, tenant);
	return x->damaged(x->ud, &d);
}

static int tick(struct verify *x)
{
	x->done++;
	if (x->progress && (x->done % 4096 == 0 || x->done == x->total))
		return x->progress(x->ud, x->done, x->total);
	return 0;
}

static int verify_tenant(struct verify *x, gd_actor *a)
{
	gd__store *db = x->v->store;
	gd__stmt *st = NULL;
	/* Both tenant keys while a rotation is under way (keys/tenant_key.c). */
	int rc = gd__actor_keys_fresh(a, true);
	if (rc < 0)
		return rc;
	/* Subjects: each wrapped data key must open under the tenant's key. */
	rc = gd__db_query(db, &st, "SELECT id, pseudonym, wrapped_key FROM subjects WHERE tenant_id = ? ORDER BY id",
	                  "i", a->tenant_id);
	while (rc == 0 && (rc = gd__db_step(db, st)) == 1) {
		struct gd__subject s = {0};
		size_t n;
		gd__copy(s.pseudonym, sizeof s.pseudonym, gd__col_text(db, st, 1));
		const void *w = gd__col_blob(db, st, 2, &n);
		x->rep->subjects++;
		rc = gd__subject_unwrap(a, &s, w, n) == 0
		             ? 0
		             : report(x, a->tenant, "subjects", gd__col_int(db, st, 0), "data key fails authentication");
		gd__wipe(&s, sizeof s);
		if (rc == 0)
			rc = tick(x);
	}
	if (st)
		gd__db_reset(db, st), st = NULL;
	if (rc < 0)
		return rc;
	/* Records: their metadata MAC. */
	rc = gd__db_query(db, &st,
	                  "SELECT r.id, s.pseudonym, r.activity, r.category, r.collected_at, r.stage,"
	                  " r.subject_category, r.mac, r.subject_id FROM records r"
	                  " LEFT JOIN subjects s ON s.id = r.subject_id AND s.tenant_id = r.tenant_id"
	                  " WHERE r.tenant_id = ? ORDER BY r.id",
	                  "i", a->tenant_id);
	while (rc == 0 && (rc = gd__db_step(db, st)) == 1) {
		unsigned char want[GD__BLIND_SIZE];
		size_t n;
		struct gd__record_fields f = {
			.id = gd__col_int(db, st, 0), .tenant_id = a->tenant_id, .subject = gd__col_text(db, st, 1), .activity = gd__col_text(db, st, 2), .category = gd__col_text(db, st, 3), .collected_at = gd__col_int(db, st, 4), .stage = gd__col_int(db, st, 5), .subject_category = gd__col_text(db, st, 6)};
		const void *mac = gd__col_blob(db, st, 7, &n);
		x->rep->records++;
		rc = 0;
		if (!f.subject && gd__col_int(db, st, 8) != 0)
			rc = report(x, a->tenant, "records", f.id, "linked to no subject of its tenant");
		else {
			gd__record_mac(want, GD__ACTOR_META(a), &f);
			bool bad = n != GD__BLIND_SIZE || gd__memcmp(want, mac, n) != 0;
			if (bad && n == GD__BLIND_SIZE && a->has_prev) /* not yet under the new tenant key */
				gd__record_mac(want, GD__ACTOR_PREV_META(a), &f), bad = gd__memcmp(want, mac, n) != 0;
			if (bad)
				rc = report(x, a->tenant, "records", f.id,
				            "metadata changed outside gardien (activity, category, subject, subject"
				            " category, collection time or stage)");
		}
		if (rc == 0)
			rc = tick(x);
	}
	if (st)
		gd__db_reset(db, st), st = NULL;
	if (rc < 0)
		return rc;
	/* Identifiers: the link from a blind index to its subject. */
	rc = gd__db_query(db, &st,
	                  "SELECT i.blind, s.pseudonym, i.kind, i.mac, i.subject_id FROM identifiers i"
	                  " LEFT JOIN subjects s ON s.id = i.subject_id AND s.tenant_id = i.tenant_id"
	                  " WHERE i.tenant_id = ? ORDER BY i.blind",
	                  "i", a->tenant_id);
	while (rc == 0 && (rc = gd__db_step(db, st)) == 1) {
		unsigned char want[GD__BLIND_SIZE];
		size_t bn, mn;
		const void *blind = gd__col_blob(db, st, 0, &bn);
		const void *mac = gd__col_blob(db, st, 3, &mn);
		x->rep->identifiers++;
		rc = 0;
		if (bn != GD__BLIND_SIZE) {
			rc = report(x, a->tenant, "identifiers", gd__col_int(db, st, 4), "malformed blind index");
		} else {
			gd__identifier_mac(want, GD__ACTOR_META(a), a->tenant_id, blind, gd__col_text(db, st, 1),
			                   gd__col_text(db, st, 2));
			bool bad = mn != GD__BLIND_SIZE || gd__memcmp(want, mac, mn) != 0;
			if (bad && mn == GD__BLIND_SIZE && a->has_prev) { /* not yet under the new tenant key */
				gd__identifier_mac(want, GD__ACTOR_PREV_META(a), a->tenant_id, blind, gd__col_text(db, st, 1),
				                   gd__col_text(db, st, 2));
				bad = gd__memcmp(want, mac, mn) != 0;
			}
			if (bad)
				rc = report(x, a->tenant, "identifiers", gd__col_int(db, st, 4),
				            "identifier of subject row id given here: its subject or kind was changed"
				            " outside gardien");
		}
		if (rc == 0)
			rc = tick(x);
	}
	if (st)
		gd__db_reset(db, st);
	return rc < 0 ? rc : 0;
}

struct tenants {
	char (*names)[65];
	size_t n, cap;
};

static int add_tenant(void *ud, const char *name)
{
	struct tenants *t = ud;
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 8;
		char(*nn)[65] = gd__calloc(cap, sizeof *nn);
		if (!nn)
			return GD_ENOMEM;
		if (t->n)
			memcpy(nn, t->names, t->n * sizeof *nn);
		gd__free(t->names);
		t->names = nn, t->cap = cap;
	}
	gd__copy(t->names[t->n++], 65, name);
	return 0;
}

int gd_vault_verify(gd_vault *v, int (*damaged)(void *ud, const gd_vault_damage *d),
                    int (*progress)(void *ud, uint64_t done, uint64_t total), void *ud,
                    gd_vault_verify_report *out)
{
	gd_vault_verify_report rep = {0};
	struct verify x = {.v = v, .rep = &rep, .damaged = damaged, .progress = progress, .ud = ud};
	struct tenants t = {0};
	int64_t a = 0, b = 0, c = 0;
	int rc = gd__op_begin(v);
	if (rc < 0)
		return rc;
	if ((rc = gd__db_int(v->store, &a, "SELECT count(*) FROM subjects", NULL)) < 0 ||
	    (rc = gd__db_int(v->store, &b, "SELECT count(*) FROM records", NULL)) < 0 ||
	    (rc = gd__db_int(v->store, &c, "SELECT count(*) FROM identifiers", NULL)) < 0 ||
	    (rc = gd_tenant_list(v, add_tenant, &t)) < 0)
		goto done;
	x.total = (uint64_t)(a + b + c);
	for (size_t i = 0; rc == 0 && i < t.n; i++) {
		gd_actor *act = NULL;
		if ((rc = gd_actor_open(&act, v, t.names[i], "system:verify")) < 0)
			break;
		rc = verify_tenant(&x, act);
		gd_actor_close(act);
	}
	/* Rows of no tenant, or counted but not reached: moved out of every tenant. */
	if (rc == 0 && x.done < x.total) {
		rc = report(&x, "", "records", 0, "rows belonging to no tenant of this vault");
		rep.damaged += x.total - x.done - 1;
	}
	if (rc == 0) {
		char why[128];
		snprintf(why, sizeof why, "%llu subject(s), %llu record(s), %llu identifier(s) checked; %llu damaged",
		         (unsigned long long)rep.subjects, (unsigned long long)rep.records,
		         (unsigned long long)rep.identifiers, (unsigned long long)rep.damaged);
		rc = gd__audit_append(v, 0, "system:verify",
		                      &(struct gd__audit_event){.action = "vault.verify",
		                                                .outcome = rep.damaged ? GD__FAILED : GD__OK,
		                                                .reason = why});
	}
done:
	rc = gd__op_end(v, rc);
	gd__free(t.names);
	if (out)
		*out = rep;
	if (rc == 0 && rep.damaged)
		rc = gd__err(GD_ECORRUPT, "%llu row(s) of the vault failed authentication: they were changed outside gardien",
		             (unsigned long long)rep.damaged);
	return rc;
}

/* ---- format 3: a MAC on every row ---- */

int gd__integrity_migrate(gd_vault *v)
{
	struct tenants t = {0};
	int rc = 0;
	/* Columns first (a format-2 table has none); new vaults have them from their schema. */
	if (gd__db_exec(v->store, "SELECT mac FROM records LIMIT 0", NULL) < 0)
		rc = gd__db_exec(v->store, "ALTER TABLE records ADD COLUMN mac BLOB", NULL);
	if (rc == 0 && gd__db_exec(v->store, "SELECT mac FROM identifiers LIMIT 0", NULL) < 0)
		rc = gd__db_exec(v->store, "ALTER TABLE identifiers ADD COLUMN mac BLOB", NULL);
	if (rc == 0)
		rc = gd_tenant_list(v, add_tenant, &t);
	for (size_t i = 0; rc == 0 && i < t.n; i++) {
		gd_actor *a = NULL;
		gd__store *db = v->store;
		gd__stmt *st = NULL;
		if ((rc = gd_actor_open(&a, v, t.names[i], "system:upgrade")) < 0)
			break;
		/* Records and identifiers as they are now: what they hold is taken as true. */
		rc = gd__db_query(db, &st,
		                  "SELECT r.id, s.pseudonym, r.activity, r.category, r.collected_at, r.stage,"
		                  " r.subject_category FROM records r LEFT JOIN subjects s ON s.id = r.subject_id AND s.tenant_id = r.tenant_id"
		                  " WHERE r.tenant_id = ? ORDER BY r.id",
		                  "i", a->tenant_id);
		while (rc == 0 && (rc = gd__db_step(db, st)) == 1) {
			unsigned char mac[GD__BLIND_SIZE];
			struct gd__record_fields f = {
				.id = gd__col_int(db, st, 0), .tenant_id = a->tenant_id, .subject = gd__col_text(db, st, 1), .activity = gd__col_text(db, st, 2), .category = gd__col_text(db, st, 3), .collected_at = gd__col_int(db, st, 4), .stage = gd__col_int(db, st, 5), .subject_category = gd__col_text(db, st, 6)};
			gd__record_mac(mac, GD__ACTOR_META(a), &f);
			rc = gd__db_exec(db, "UPDATE records SET mac = ? WHERE tenant_id = ? AND id = ?", "bii", mac, sizeof mac,
			                 a->tenant_id, f.id);
		}
		if (st)
			gd__db_reset(db, st), st = NULL;
		if (rc == 0)
			rc = gd__db_query(db, &st,
			                  "SELECT i.blind, s.pseudonym, i.kind FROM identifiers i"
			                  " JOIN subjects s ON s.id = i.subject_id AND s.tenant_id = i.tenant_id WHERE i.tenant_id = ?",
			                  "i", a->tenant_id);
		while (rc == 0 && (rc = gd__db_step(db, st)) == 1) {
			unsigned char mac[GD__BLIND_SIZE], blind[GD__BLIND_SIZE];
			size_t n;
			const void *b = gd__col_blob(db, st, 0, &n);
			if (n != GD__BLIND_SIZE) {
				rc = 0;
				continue;
			}
			memcpy(blind, b, n);
			gd__identifier_mac(mac, GD__ACTOR_META(a), a->tenant_id, blind, gd__col_text(db, st, 1),
			                   gd__col_text(db, st, 2));
			rc = gd__db_exec(db, "UPDATE identifiers SET mac = ? WHERE tenant_id = ? AND blind = ?", "bib",
			                 mac, sizeof mac, a->tenant_id, blind, sizeof blind);
		}
		if (st)
			gd__db_reset(db, st);
		gd_actor_close(a);
	}
	gd__free(t.names);
	return rc < 0 ? rc : 0;
}
