/*
 * tenant_key.c — a tenant's key-encryption key (KEK) in the actor, and its
 * rotation online (`gardien key rotate tenant`, docs/keys.md).
 *
 * What a tenant KEK protects (everything is re-done by a rotation):
 *   - subject data keys of epoch 0 (72 bytes, sealed by the KEK itself);
 *   - identifiers.blind, the blind index (key "gdblind_" derived from it):
 *     re-indexed by opening each identifier under its subject's key;
 *   - records.mac and identifiers.mac (key "gdmeta__" derived from it).
 * Epoch keys (epoch.c) are sealed under the key file's epoch secret and
 * subject keys of later epochs under those: a tenant rotation leaves them.
 *
 * State: tenants.wrapped_key is the current KEK sealed by the master; the
 * meta row "tenant_key:<tenant id>" holds the key's version (u32 LE) and,
 * while a rotation is under way, the previous KEK sealed by the master
 * (associated data "gardien tenant prev v1:" name) after it: 4 + 72 bytes.
 *
 * Rotation of a tenant:
 *   1. one transaction: a new random KEK becomes the row's key, the old one
 *      goes to the meta row as previous (audited key.rotate "... begun");
 *   2. batches of 256 rows, each one transaction: subjects of epoch 0
 *      re-wrapped, records re-MACed, identifiers re-indexed and re-MACed;
 *      a row already under the new key is left as it is, so a run killed
 *      (kill -9) is finished by running it again;
 *   3. one transaction: the previous key leaves the meta row (audited
 *      key.rotate "... destroyed").
 * Invariant: every transaction that writes with a tenant's keys first
 * checks its actor's key against the tenant's row (gd__actor_keys_fresh,
 * once per transaction): writes are serialised, so once step 1 commits
 * every write is under the new key, and rows under the previous one are
 * only older ones, which step 2 reaches. Readers try the current key, then
 * (after reading the row again) the previous one: nothing is unreadable
 * while a rotation runs, whichever process holds the actor.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/internal.h"

#define BATCH 256
#define WRAPPED (GD__KEY_SIZE + GD__SEAL_OVERHEAD)

static size_t prev_ad(unsigned char ad[96], const char *name)
{
	size_t n = strnlen(name, 64);
	memcpy(ad, "gardien tenant prev v1:", 23);
	memcpy(ad + 23, name, n);
	return 23 + n;
}

static void meta_name(char out[48], int64_t tenant_id)
{
	snprintf(out, 48, "tenant_key:%lld", (long long)tenant_id);
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(unsigned char *p, uint32_t x)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(x >> (8 * i));
}

/* Opens a KEK sealed by the master under `ad`; reads the key file again once should another process have rotated it. */
static int open_sealed(gd_vault *v, unsigned char out[GD__KEY_SIZE], const void *w, size_t n, const unsigned char *ad,
                       size_t adn)
{
	if (n != WRAPPED)
		return GD_ECORRUPT;
	int rc = gd__master_open(v, v->master_version, out, w, n, ad, adn);
	if (rc < 0 && gd__vault_reload_keys(v) == 0)
		rc = gd__master_open(v, v->master_version, out, w, n, ad, adn);
	return rc;
}

int gd__actor_keys_load(gd_actor *a, const void *wrapped, size_t n)
{
	unsigned char ad[96];
	if (open_sealed(a->v, GD__ACTOR_KEK(a), wrapped, n, ad, gd__tenant_ad(ad, a->tenant)) < 0)
		return gd__err(GD_ECORRUPT, "the key of tenant \"%s\" failed authentication", a->tenant);
	gd__kdf(GD__ACTOR_BLIND(a), GD__KEY_SIZE, 1, "gdblind_", GD__ACTOR_KEK(a));
	gd__meta_key(GD__ACTOR_KEK(a), GD__ACTOR_META(a));
	memcpy(a->key_wrapped, wrapped, WRAPPED);
	return 0;
}

int gd__actor_keys_fresh(gd_actor *a, bool force)
{
	gd_vault *v = a->v;
	gd__stmt *st;
	unsigned char w[WRAPPED], p[4 + WRAPPED];
	size_t wn = 0, pn = 0;
	char name[48];
	if (!force && a->keys_gen && a->keys_gen == v->tx.gen)
		return 0;
	meta_name(name, a->tenant_id);
	int rc = gd__db_query(v->store, &st,
	                      "SELECT t.wrapped_key, m.value FROM tenants t LEFT JOIN meta m ON m.key = ? WHERE t.id = ?",
	                      "ti", name, a->tenant_id);
	if (rc < 0)
		return rc;
	if ((rc = gd__db_step(v->store, st)) == 1) {
		const void *x = gd__col_blob(v->store, st, 0, &wn);
		if (x && wn == sizeof w)
			memcpy(w, x, wn);
		const void *y = gd__col_blob(v->store, st, 1, &pn);
		if (y && pn == sizeof p)
			memcpy(p, y, pn);
		rc = 0;
	} else if (rc == 0) {
		rc = gd__err(GD_ENOTFOUND, "tenant \"%s\" is no longer in this vault", a->tenant);
	}
	gd__db_reset(v->store, st);
	if (rc < 0)
		return rc;
	if (wn != sizeof w)
		return gd__err(GD_ECORRUPT, "the key of tenant \"%s\" failed authentication", a->tenant);
	if (memcmp(w, a->key_wrapped, sizeof w) != 0 && (rc = gd__actor_keys_load(a, w, sizeof w)) < 0)
		return rc;
	if (pn == sizeof p && (!a->has_prev || memcmp(a->prev_wrapped, p + 4, WRAPPED) != 0)) {
		unsigned char ad[96];
		a->has_prev = false;
		if (open_sealed(v, GD__ACTOR_PREV_KEK(a), p + 4, WRAPPED, ad, prev_ad(ad, a->tenant)) < 0)
			return gd__err(GD_ECORRUPT, "the previous key of tenant \"%s\" failed authentication", a->tenant);
		gd__kdf(GD__ACTOR_PREV_BLIND(a), GD__KEY_SIZE, 1, "gdblind_", GD__ACTOR_PREV_KEK(a));
		gd__meta_key(GD__ACTOR_PREV_KEK(a), GD__ACTOR_PREV_META(a));
		memcpy(a->prev_wrapped, p + 4, WRAPPED);
		a->has_prev = true;
	} else if (pn != sizeof p && a->has_prev) {
		/* The rotation is over: the previous key is destroyed, here too. */
		gd__wipe(GD__ACTOR_PREV_KEK(a), 3 * GD__KEY_SIZE);
		a->has_prev = false;
	}
	a->keys_gen = v->tx.gen;
	return 0;
}

/* ---- the previous keys under a new master (keys.c's re-wrap) ---- */

int gd__tenant_prev_rewrap(gd_vault *v, uint32_t next)
{
	gd__stmt *st;
	struct {
		int64_t id;
		char name[65];
		unsigned char value[4 + WRAPPED];
	} *rows = gd__calloc(256, sizeof *rows);
	int n = 0;
	if (!rows)
		return GD_ENOMEM;
	int rc = gd__db_query(v->store, &st,
	                      "SELECT t.id, t.name, m.value FROM tenants t JOIN meta m ON m.key = 'tenant_key:' || t.id"
	                      " ORDER BY t.id",
	                      NULL);
	if (rc == 0) {
		while ((rc = gd__db_step(v->store, st)) == 1) {
			size_t len = 0;
			const void *x = gd__col_blob(v->store, st, 2, &len);
			/* A version alone: no rotation under way. Over 256 tenants: refused by the rotation itself. */
			if (len != sizeof rows[n].value || n == 256)
				continue;
			rows[n].id = gd__col_int(v->store, st, 0);
			gd__copy(rows[n].name, sizeof rows[n].name, gd__col_text(v->store, st, 1));
			memcpy(rows[n].value, x, len);
			n++;
		}
		gd__db_reset(v->store, st);
	}
	for (int i = 0; rc == 0 && i < n; i++) {
		unsigned char kek[GD__KEY_SIZE], ad[96], out[4 + WRAPPED];
		size_t adn = prev_ad(ad, rows[i].name);
		if (gd__master_open(v, v->master_version, kek, rows[i].value + 4, WRAPPED, ad, adn) < 0) {
			rc = gd__err(GD_ECORRUPT, "the previous key of tenant \"%s\" failed authentication", rows[i].name);
			break;
		}
		memcpy(out, rows[i].value, 4);
		rc = gd__master_seal(v, next, out + 4, kek, sizeof kek, ad, adn);
		gd__wipe(kek, sizeof kek);
		char name[48];
		meta_name(name, rows[i].id);
		if (rc == 0)
			rc = gd__meta_put(v, name, out, sizeof out);
	}
	gd__free(rows);
	return rc;
}

/* ---- rotation ---- */

struct rot {
	gd_vault *v;
	gd_actor *a;
	int (*progress)(void *ud, uint64_t done, uint64_t total);
	void *ud;
	uint64_t done, total;
};

/* Rows per transaction; test builds may take fewer (GARDIEN_TEST_KEY_BATCH) to stop between batches. */
static int64_t batch_size(void)
{
#ifndef NDEBUG
	const char *b = getenv("GARDIEN_TEST_KEY_BATCH");
	if (b && atoi(b) > 0 && atoi(b) < BATCH)
		return atoi(b);
#endif
	return BATCH;
}

/* After each committed batch: progress, and (test builds) death as kill -9 would bring it. */
static int batch_done(struct rot *r, int n)
{
	r->done += (uint64_t)n;
#ifndef NDEBUG
	const char *kill_at = getenv("GARDIEN_TEST_KILL_AT");
	if (kill_at && strcmp(kill_at, "tenant-rekey") == 0)
		raise(SIGKILL);
#endif
	if (r->progress)
		return r->progress(r->ud, r->done, r->total > r->done ? r->total : r->done);
	return 0;
}

/* Step 1: the new key, unless a rotation of this tenant is under way already (a run killed). */
static int begin(gd_vault *v, int64_t id, const char *tenant, uint32_t *version)
{
	unsigned char kek[GD__KEY_SIZE], fresh[GD__KEY_SIZE], ad[96], value[4 + WRAPPED], w[WRAPPED];
	char name[48];
	gd__stmt *st;
	size_t cn = 0, mn = 0;
	meta_name(name, id);
	int rc = gd__op_begin(v);
	if (rc < 0)
		return rc;
	if ((rc = gd__vault_check_master(v)) < 0)
		return gd__op_end(v, rc);
	rc = gd__db_query(v->store, &st,
	                  "SELECT t.wrapped_key, m.value FROM tenants t LEFT JOIN meta m ON m.key = ? WHERE t.id = ?",
	                  "ti", name, id);
	if (rc == 0) {
		if ((rc = gd__db_step(v->store, st)) == 1) {
			const void *c = gd__col_blob(v->store, st, 0, &cn);
			const void *m = gd__col_blob(v->store, st, 1, &mn);
			if (cn == WRAPPED)
				memcpy(w, c, cn);
			if (m && (mn == 4 || mn == sizeof value))
				memcpy(value, m, mn);
			rc = 0;
		}
		gd__db_reset(v->store, st);
	}
	if (rc == 0 && cn != WRAPPED)
		rc = gd__err(GD_ECORRUPT, "the key of tenant \"%s\" failed authentication", tenant);
	*version = mn == 4 || mn == sizeof value ? get32(value) : 1;
	if (rc < 0 || mn == sizeof value)
		return gd__op_end(v, rc); /* under way: finish it */
	if (gd__master_open(v, v->master_version, kek, w, cn, ad, gd__tenant_ad(ad, tenant)) < 0)
		return gd__op_end(v, gd__err(GD_ECORRUPT, "the key of tenant \"%s\" failed authentication", tenant));
	/* The old key, sealed as the previous one; the new one, as the tenant's. */
	*version += 1;
	put32(value, *version);
	rc = gd__master_seal(v, v->master_version, value + 4, kek, sizeof kek, ad, prev_ad(ad, tenant));
	gd__wipe(kek, sizeof kek);
	gd__random(fresh, sizeof fresh);
	if (rc == 0)
		rc = gd__master_seal(v, v->master_version, w, fresh, sizeof fresh, ad, gd__tenant_ad(ad, tenant));
	gd__wipe(fresh, sizeof fresh);
	if (rc == 0)
		rc = gd__tenant_set_key(v, id, w, sizeof w);
	if (rc == 0)
		rc = gd__meta_put(v, name, value, sizeof value);
	if (rc == 0) {
		char why[128];
		snprintf(why, sizeof why, "tenant %s key version %u begun", tenant, (unsigned)*version);
		rc = gd__audit_append(v, 0, "system:keys", &(struct gd__audit_event){.action = "key.rotate", .reason = why});
	}
	return gd__op_end(v, rc);
}

/* Subjects of epoch 0: their keys under the new KEK (or the tenant's current epoch, if it has one). */
static int subjects_pass(struct rot *r)
{
	gd_actor *a = r->a;
	struct row {
		int64_t id;
		char pseudonym[GD_SUBJECT_ID_SIZE];
		unsigned char w[WRAPPED];
	} *rows = gd__calloc(BATCH, sizeof *rows);
	int64_t after = 0;
	int rc = rows ? 0 : GD_ENOMEM;
	while (rc == 0) {
		gd__stmt *st = NULL;
		uint32_t epoch = 0;
		int n = 0;
		if ((rc = gd__op_begin(r->v)) < 0)
			break;
		if ((rc = gd__actor_keys_fresh(a, true)) == 0 && (rc = gd__epoch_current(a, &epoch)) == 0)
			rc = gd__db_query(r->v->store, &st,
			                  "SELECT id, pseudonym, wrapped_key FROM subjects WHERE tenant_id = ? AND id > ?"
			                  " ORDER BY id LIMIT ?",
			                  "iii", a->tenant_id, after, batch_size());
		int seen = 0;
		while (rc == 0 && (rc = gd__db_step(r->v->store, st)) == 1) {
			size_t len = 0;
			const void *w = gd__col_blob(r->v->store, st, 2, &len);
			after = gd__col_int(r->v->store, st, 0);
			seen++;
			rc = 0;
			if (len != WRAPPED || !w)
				continue; /* of a later epoch: not under the KEK */
			rows[n].id = after;
			gd__copy(rows[n].pseudonym, sizeof rows[n].pseudonym, gd__col_text(r->v->store, st, 1));
			memcpy(rows[n].w, w, len);
			n++;
		}
		if (st)
			gd__db_reset(r->v->store, st);
		rc = rc < 0 ? rc : 0;
		for (int i = 0; rc == 0 && i < n; i++) {
			unsigned char ad[128], key[GD__KEY_SIZE];
			size_t adn = gd__record_ad(ad, sizeof ad, a->tenant_id, rows[i].pseudonym, 0, "subject-key");
			bool moved = false;
			/* Already under the new KEK (made since the rotation began): left. */
			if (epoch == 0 && gd__open(key, GD__ACTOR_KEK(a), rows[i].w, WRAPPED, ad, adn) == 0) {
				gd__wipe(key, sizeof key);
				continue;
			}
			rc = gd__subject_rewrap(a, rows[i].id, rows[i].pseudonym, rows[i].w, WRAPPED, epoch, &moved);
		}
		if ((rc = gd__op_end(r->v, rc)) < 0 || seen == 0)
			break;
		rc = batch_done(r, seen);
	}
	if (rows)
		gd__wipe(rows, BATCH * sizeof *rows);
	gd__free(rows);
	return rc;
}

/* Records: each MAC under the previous key made again under the new one. */
static int records_pass(struct rot *r)
{
	gd_actor *a = r->a;
	struct row {
		int64_t id, collected_at, stage;
		bool anonymous;
		char subject[GD_SUBJECT_ID_SIZE], activity[GD_NAME_MAX + 1], category[GD_NAME_MAX + 1],
			subject_category[GD_NAME_MAX + 1];
		unsigned char mac[GD__BLIND_SIZE];
	} *rows = gd__calloc(BATCH, sizeof *rows);
	int64_t after = 0;
	int rc = rows ? 0 : GD_ENOMEM;
	while (rc == 0) {
		gd__stmt *st = NULL;
		int n = 0;
		if ((rc = gd__op_begin(r->v)) < 0)
			break;
		if ((rc = gd__actor_keys_fresh(a, true)) == 0)
			rc = gd__db_query(r->v->store, &st,
			                  "SELECT r.id, s.pseudonym, r.activity, r.category, r.collected_at, r.stage,"
			                  " r.subject_category, r.mac FROM records r"
			                  " LEFT JOIN subjects s ON s.id = r.subject_id AND s.tenant_id = r.tenant_id"
			                  " WHERE r.tenant_id = ? AND r.id > ? ORDER BY r.id LIMIT ?",
			                  "iii", a->tenant_id, after, batch_size());
		while (rc == 0 && (rc = gd__db_step(r->v->store, st)) == 1) {
			gd__store *db = r->v->store;
			size_t len = 0;
			const void *mac = gd__col_blob(db, st, 7, &len);
			rc = 0;
			rows[n].id = after = gd__col_int(db, st, 0);
			rows[n].anonymous = !gd__col_text(db, st, 1);
			gd__copy(rows[n].subject, sizeof rows[n].subject, gd__col_text(db, st, 1));
			gd__copy(rows[n].activity, sizeof rows[n].activity, gd__col_text(db, st, 2));
			gd__copy(rows[n].category, sizeof rows[n].category, gd__col_text(db, st, 3));
			rows[n].collected_at = gd__col_int(db, st, 4);
			rows[n].stage = gd__col_int(db, st, 5);
			gd__copy(rows[n].subject_category, sizeof rows[n].subject_category, gd__col_text(db, st, 6));
			memset(rows[n].mac, 0, GD__BLIND_SIZE);
			if (mac && len == GD__BLIND_SIZE)
				memcpy(rows[n].mac, mac, len);
			n++;
		}
		if (st)
			gd__db_reset(r->v->store, st);
		rc = rc < 0 ? rc : 0;
		for (int i = 0; rc == 0 && i < n; i++) {
			unsigned char want[GD__BLIND_SIZE];
			struct gd__record_fields f = {.id = rows[i].id,
			                              .tenant_id = a->tenant_id,
			                              .collected_at = rows[i].collected_at,
			                              .stage = rows[i].stage,
			                              .subject = rows[i].anonymous ? NULL : rows[i].subject,
			                              .activity = rows[i].activity,
			                              .category = rows[i].category,
			                              .subject_category = rows[i].subject_category};
			gd__record_mac(want, GD__ACTOR_META(a), &f);
			if (gd__memcmp(want, rows[i].mac, sizeof want) == 0 || !a->has_prev)
				continue;
			gd__record_mac(want, GD__ACTOR_PREV_META(a), &f);
			/* Under neither key: damaged, left for `vault verify` to name. */
			if (gd__memcmp(want, rows[i].mac, sizeof want) != 0)
				continue;
			gd__record_mac(want, GD__ACTOR_META(a), &f);
			rc = gd__record_set_mac(r->v, a->tenant_id, rows[i].id, want);
		}
		if ((rc = gd__op_end(r->v, rc)) < 0 || n == 0)
			break;
		rc = batch_done(r, n);
	}
	gd__free(rows);
	return rc;
}

/* Identifiers: each opened under its subject's key, indexed and MACed again under the new key. */
static int identifiers_pass(struct rot *r)
{
	gd_actor *a = r->a;
	struct row {
		unsigned char blind[GD__BLIND_SIZE], mac[GD__BLIND_SIZE];
		char subject[GD_SUBJECT_ID_SIZE], kind[GD_NAME_MAX + 1];
		unsigned char sealed[GD_IDENTIFIER_MAX + 1 + GD__SEAL_OVERHEAD];
		size_t n;
	} *rows = gd__calloc(BATCH, sizeof *rows);
	unsigned char after[GD__BLIND_SIZE] = {0};
	char *norm = gd__secure_alloc(GD_IDENTIFIER_MAX + 2);
	int rc = rows && norm ? 0 : GD_ENOMEM;
	while (rc == 0) {
		gd__stmt *st = NULL;
		int n = 0;
		if ((rc = gd__op_begin(r->v)) < 0)
			break;
		if ((rc = gd__actor_keys_fresh(a, true)) == 0)
			rc = gd__db_query(r->v->store, &st,
			                  "SELECT i.blind, s.pseudonym, i.kind, i.mac, i.sealed FROM identifiers i"
			                  " JOIN subjects s ON s.id = i.subject_id AND s.tenant_id = i.tenant_id"
			                  " WHERE i.tenant_id = ? AND i.blind > ? ORDER BY i.blind LIMIT ?",
			                  "ibi", a->tenant_id, after, sizeof after, batch_size());
		while (rc == 0 && (rc = gd__db_step(r->v->store, st)) == 1) {
			gd__store *db = r->v->store;
			size_t bn = 0, mn = 0, sn = 0;
			const void *b = gd__col_blob(db, st, 0, &bn), *m = gd__col_blob(db, st, 3, &mn),
				   *s = gd__col_blob(db, st, 4, &sn);
			rc = 0;
			if (!b || bn != GD__BLIND_SIZE)
				continue; /* malformed: `vault verify` names it */
			memcpy(after, b, bn);
			memcpy(rows[n].blind, b, bn);
			memset(rows[n].mac, 0, GD__BLIND_SIZE);
			if (m && mn == GD__BLIND_SIZE)
				memcpy(rows[n].mac, m, mn);
			gd__copy(rows[n].subject, sizeof rows[n].subject, gd__col_text(db, st, 1));
			gd__copy(rows[n].kind, sizeof rows[n].kind, gd__col_text(db, st, 2));
			rows[n].n = s && sn <= sizeof rows[n].sealed && sn >= GD__SEAL_OVERHEAD ? sn : 0;
			if (rows[n].n)
				memcpy(rows[n].sealed, s, sn);
			n++;
		}
		if (st)
			gd__db_reset(r->v->store, st);
		rc = rc < 0 ? rc : 0;
		for (int i = 0; rc == 0 && i < n; i++) {
			struct row *x = &rows[i];
			unsigned char want[GD__BLIND_SIZE], blind[GD__BLIND_SIZE], ad[256];
			char cat[GD_NAME_MAX + 16];
			gd__identifier_mac(want, GD__ACTOR_META(a), a->tenant_id, x->blind, x->subject, x->kind);
			if (gd__memcmp(want, x->mac, sizeof want) == 0 || !a->has_prev)
				continue;
			gd__identifier_mac(want, GD__ACTOR_PREV_META(a), a->tenant_id, x->blind, x->subject, x->kind);
			if (gd__memcmp(want, x->mac, sizeof want) != 0 || !x->n)
				continue; /* damaged: left for `vault verify` */
			struct gd__subject s = {0};
			if ((rc = gd__subject_load(a, &s, x->subject, true)) < 0)
				break;
			snprintf(cat, sizeof cat, "identifier:%s", x->kind);
			size_t nv = x->n - GD__SEAL_OVERHEAD;
			rc = gd__open((unsigned char *)norm, s.key, x->sealed, x->n, ad,
			              gd__record_ad(ad, sizeof ad, a->tenant_id, x->subject, 0, cat));
			gd__wipe(&s, sizeof s);
			if (rc < 0) {
				rc = gd__err(GD_ECORRUPT, "an identifier of subject %s failed authentication: it cannot be"
				                          " indexed again; run 'gardien vault verify'",
				             x->subject);
				break;
			}
			gd__identifier_blind(blind, GD__ACTOR_BLIND(a), x->kind, norm, nv);
			gd__wipe(norm, GD_IDENTIFIER_MAX + 2);
			gd__identifier_mac(want, GD__ACTOR_META(a), a->tenant_id, blind, x->subject, x->kind);
			rc = gd__identifier_set_blind(r->v, a->tenant_id, x->blind, blind, want);
		}
		if ((rc = gd__op_end(r->v, rc)) < 0 || n == 0)
			break;
		rc = batch_done(r, n);
	}
	if (rows)
		gd__wipe(rows, BATCH * sizeof *rows);
	gd__free(rows);
	gd__secure_free(norm);
	return rc;
}

/* Step 3: the previous key destroyed (the meta row keeps the version alone). */
static int finish(gd_vault *v, int64_t id, const char *tenant, uint32_t version)
{
	unsigned char value[4];
	char name[48], why[128];
	meta_name(name, id);
	put32(value, version);
	int rc = gd__op_begin(v);
	if (rc < 0)
		return rc;
	rc = gd__meta_put(v, name, value, sizeof value);
	snprintf(why, sizeof why, "tenant %s key version %u destroyed", tenant, (unsigned)version - 1);
	if (rc == 0)
		rc = gd__audit_append(v, 0, "system:keys", &(struct gd__audit_event){.action = "key.rotate", .reason = why});
	return gd__op_end(v, rc);
}

int gd__tenant_key_rotate(gd_vault *v, const char *tenant, int (*progress)(void *ud, uint64_t done, uint64_t total),
                          void *ud, uint32_t *version)
{
	struct {
		int64_t id;
		char name[65];
	} *t = gd__calloc(256, sizeof *t);
	struct rot r = {.v = v, .progress = progress, .ud = ud};
	gd__stmt *st;
	int n = 0, rc = t ? gd__db_query(v->store, &st, "SELECT id, name FROM tenants ORDER BY id", NULL) : GD_ENOMEM;
	if (rc == 0) {
		while ((rc = gd__db_step(v->store, st)) == 1) {
			if (tenant && strcmp(tenant, gd__col_text(v->store, st, 1)) != 0)
				continue;
			if (n == 256) {
				rc = gd__err(GD_ETOOBIG, "more than 256 tenants: rotate them one at a time");
				break;
			}
			t[n].id = gd__col_int(v->store, st, 0);
			gd__copy(t[n].name, sizeof t[n].name, gd__col_text(v->store, st, 1));
			n++;
		}
		gd__db_reset(v->store, st);
	}
	if (rc == 0 && n == 0)
		rc = gd__err(GD_ENOTFOUND, tenant ? "no tenant \"%s\" in this vault" : "no tenant in this vault%s",
		             tenant ? tenant : "");
	/* What the passes will walk: every subject, record and identifier of those tenants. */
	for (int i = 0; rc == 0 && i < n; i++) {
		int64_t a = 0, b = 0, c = 0;
		if ((rc = gd__db_int(v->store, &a, "SELECT count(*) FROM subjects WHERE tenant_id = ?", "i", t[i].id)) ==
		            0 &&
		    (rc = gd__db_int(v->store, &b, "SELECT count(*) FROM records WHERE tenant_id = ?", "i", t[i].id)) == 0)
			rc = gd__db_int(v->store, &c, "SELECT count(*) FROM identifiers WHERE tenant_id = ?", "i", t[i].id);
		r.total += (uint64_t)(a + b + c);
	}
	for (int i = 0; rc == 0 && i < n; i++) {
		uint32_t ver = 0;
		if ((rc = begin(v, t[i].id, t[i].name, &ver)) < 0)
			break;
		if ((rc = gd_actor_open(&r.a, v, t[i].name, "system:keys")) < 0)
			break;
		if ((rc = subjects_pass(&r)) == 0 && (rc = records_pass(&r)) == 0)
			rc = identifiers_pass(&r);
		gd_actor_close(r.a);
		r.a = NULL;
		if (rc == 0)
			rc = finish(v, t[i].id, t[i].name, ver);
		if (rc == 0 && version)
			*version = ver;
	}
	gd__free(t);
	return rc;
}
