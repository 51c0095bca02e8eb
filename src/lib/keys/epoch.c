/*
 * epoch.c — erasure epochs (docs/keys.md, "Erasure epochs").
 *
 * A subject's key is wrapped under its tenant's current epoch key (a 4-byte
 * epoch number before the sealed key; today's 72-byte keys are epoch 0,
 * sealed by the tenant KEK). Epoch keys are random, one row each in
 * tenant_epochs, sealed under the vault-wide epoch secret, a key-file kind
 * (GD__K_EPOCH) that never enters the database, with associated data
 * "gardien epoch v1:" | tenant id (8 LE) | epoch (4 LE).
 *
 * gd_key_epoch, run when an epoch may have ended:
 *   1. begins the next epoch of each tenant whose current one has ended (its
 *      key sealed under the current secret, committed);
 *   2. re-wraps every live subject key not under its tenant's current epoch,
 *      in batches (each wrapped key names its epoch: a rerun after a crash
 *      continues where the last committed batch stopped);
 *   3. when ended epochs still hold their keys: a new secret is written to
 *      the key file beside the old (temporary file, rename), then one
 *      transaction re-seals the live epoch keys under it and destroys the
 *      ended ones (sealed_key NULL, destroyed_at set, the row kept for
 *      `backup horizon`); then the old secret leaves the key file.
 * Invariant: from the end of step 3 no key material that gardien keeps
 * opens an ended epoch's key, so a copy of the database taken at any time
 * (file, snapshot, WAL, replica, backup) cannot unwrap a subject key of an
 * ended epoch. Epoch 0 is the KEK itself (it derives the blind-index and
 * MAC keys too): copies taken before a tenant's first epoch stay openable
 * with the master until a master rotation and `key prune`.
 * Only this file writes tenant_epochs.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "lib/internal.h"

#define BATCH 256

static size_t epoch_ad(unsigned char ad[32], int64_t tenant_id, uint32_t epoch)
{
	memcpy(ad, "gardien epoch v1:", 17);
	for (int i = 0; i < 8; i++)
		ad[17 + i] = (unsigned char)((uint64_t)tenant_id >> (8 * i));
	for (int i = 0; i < 4; i++)
		ad[25 + i] = (unsigned char)(epoch >> (8 * i));
	return 29;
}

/*
 * The epoch secret of `version`: a key-file entry (GD__K_EPOCH), or, on a
 * vault whose master is on a PKCS#11 token, an object on the token
 * (GD__K_EPOCH_TOKEN in the key file, its bytes zero) that seals and opens
 * the epoch keys there and never leaves it, as the master does. A token
 * vault's secrets from before they moved there are file entries still,
 * until the next epoch change replaces them.
 */
static const struct gd__keyring_entry *find_secret(gd_vault *v, uint32_t version)
{
	const struct gd__keyring_entry *t = gd__keyring_find(v->ring, GD__K_EPOCH_TOKEN, version);
	const struct gd__keyring_entry *f = gd__keyring_find(v->ring, GD__K_EPOCH, version);
	if (version)
		return t ? t : f;
	return !t ? f : !f                 ? t
	        : t->version >= f->version ? t
	                                   : f; /* the newest of either */
}

static bool is_secret(const struct gd__keyring_entry *e)
{
	return e->kind == GD__K_EPOCH || e->kind == GD__K_EPOCH_TOKEN;
}

static int secret_seal(gd_vault *v, const struct gd__keyring_entry *s, unsigned char *out, const unsigned char *key,
                       const unsigned char *ad, size_t adn)
{
	if (s->kind == GD__K_EPOCH_TOKEN)
		return v->p11 ? gd__p11_seal(v->p11, s->version | GD__P11_EPOCH, out, key, GD__KEY_SIZE, ad, adn)
		              : gd__err(GD_ESTATE, "the erasure-epoch secret is on a PKCS#11 token: open the vault with it");
	gd__seal(out, s->key, key, GD__KEY_SIZE, ad, adn);
	return 0;
}

/* A new secret of `version`: on the token of a token vault, else random in the key file (written by the caller). */
static int secret_new(gd_vault *v, uint32_t version)
{
	unsigned char k[GD__KEY_SIZE] = {0};
	int rc = 0;
	/* A run killed between making the object and writing the key file left it unused: it serves. */
	if (v->p11 && (rc = gd__p11_generate(v->p11, version | GD__P11_EPOCH)) == GD_EEXISTS)
		rc = 0;
	else if (!v->p11)
		gd__random(k, sizeof k);
	if (rc == 0)
		rc = gd__keyring_add(v->ring, v->p11 ? GD__K_EPOCH_TOKEN : GD__K_EPOCH, version, k);
	gd__wipe(k, sizeof k);
	return rc;
}

/* Opens the sealed key of (tenant, epoch) read from the table, with the secret of `version`. */
static int open_epoch_key(gd_vault *v, int64_t tenant_id, uint32_t epoch, uint32_t version, const void *sealed,
                          size_t n, unsigned char out[GD__KEY_SIZE])
{
	const struct gd__keyring_entry *s = find_secret(v, version);
	unsigned char ad[32];
	if (!s || n != GD__KEY_SIZE + GD__SEAL_OVERHEAD || (s->kind == GD__K_EPOCH_TOKEN && !v->p11))
		return GD_ENOTFOUND;
	size_t adn = epoch_ad(ad, tenant_id, epoch);
	if (s->kind == GD__K_EPOCH_TOKEN)
		return gd__p11_open_sealed(v->p11, version | GD__P11_EPOCH, out, sealed, n, ad, adn) < 0 ? GD_ECORRUPT : 0;
	return gd__open(out, s->key, sealed, n, ad, adn) < 0 ? GD_ECORRUPT : 0;
}

/* Reads the row of (tenant, epoch) and opens its key; GD_ENOTFOUND when its secret is not in the ring. */
static int load_epoch_key(gd_vault *v, int64_t tenant_id, uint32_t epoch, unsigned char out[GD__KEY_SIZE])
{
	gd__stmt *st;
	int rc = gd__db_query(v->store, &st,
	                      "SELECT secret_version, sealed_key FROM tenant_epochs WHERE tenant_id = ? AND epoch = ?", "ii",
	                      tenant_id, (int64_t)epoch);
	if (rc < 0)
		return rc;
	rc = gd__db_step(v->store, st);
	if (rc == 1) {
		size_t n = 0;
		uint32_t version = (uint32_t)gd__col_int(v->store, st, 0);
		const void *sealed = gd__col_blob(v->store, st, 1, &n);
		rc = sealed ? open_epoch_key(v, tenant_id, epoch, version, sealed, n, out) : GD_EDENIED;
	} else if (rc == 0) {
		rc = GD_EDENIED;
	}
	gd__db_reset(v->store, st);
	return rc;
}

int gd__epoch_key(gd_actor *a, uint32_t epoch, const unsigned char **key)
{
	unsigned i = epoch % GD__EPOCH_SLOTS;
	if (epoch && a->epoch_ids[i] == epoch) {
		*key = GD__ACTOR_EPOCH_KEY(a, i);
		return 0;
	}
	a->epoch_ids[i] = 0;
	int rc = epoch ? load_epoch_key(a->v, a->tenant_id, epoch, GD__ACTOR_EPOCH_KEY(a, i)) : GD_EDENIED;
	/* Another process may have written a new epoch secret: read the key file again, once. */
	if (rc == GD_ENOTFOUND && gd__vault_reload_keys(a->v) == 0)
		rc = load_epoch_key(a->v, a->tenant_id, epoch, GD__ACTOR_EPOCH_KEY(a, i));
	if (rc < 0) {
		gd__wipe(GD__ACTOR_EPOCH_KEY(a, i), GD__KEY_SIZE);
		return gd__err(GD_ECORRUPT,
		               "the key of erasure epoch %u of tenant \"%s\" is destroyed or missing from the key file:"
		               " what it wrapped is unreadable",
		               (unsigned)epoch, a->tenant);
	}
	a->epoch_ids[i] = epoch;
	*key = GD__ACTOR_EPOCH_KEY(a, i);
	return 0;
}

int gd__epoch_current(gd_actor *a, uint32_t *epoch)
{
	struct gd__epoch_now *c = &a->v->epoch_now;
	if (c->gen == a->v->tx.gen && c->tenant_id == a->tenant_id) {
		*epoch = c->epoch;
		return 0;
	}
	int64_t e = 0;
	int rc = gd__db_int(a->v->store, &e,
	                    "SELECT coalesce(max(epoch), 0) FROM tenant_epochs WHERE tenant_id = ? AND sealed_key IS NOT NULL",
	                    "i", a->tenant_id);
	*epoch = rc == 0 ? (uint32_t)e : 0;
	if (rc == 0)
		*c = (struct gd__epoch_now){.gen = a->v->tx.gen, .tenant_id = a->tenant_id, .epoch = *epoch};
	return rc;
}

/* Before each write to tenant_epochs: the epoch read in this transaction may change. */
static void epoch_changes(gd_vault *v)
{
	v->epoch_now.gen = 0;
}

int gd__epoch_horizon(gd_vault *v, const char *tenant, gd_time at, gd_time *horizon)
{
	gd__stmt *st;
	int64_t tid;
	/* The tenant's id first, bound as a value: the key of tenant_epochs, and one shard on Citus. */
	int rc = gd__db_int(v->store, &tid, "SELECT id FROM tenants WHERE name = ?", "t", tenant);
	if (rc < 0)
		return rc; /* GD_ENOTFOUND for a tenant gone: no epoch ends it here either */
	rc = gd__db_query(v->store, &st,
	                  "SELECT ends_at, coalesce(destroyed_at, 0) FROM tenant_epochs"
	                  " WHERE tenant_id = ? AND started_at <= ? ORDER BY epoch DESC LIMIT 1",
	                  "ii", tid, (int64_t)at);
	if (rc < 0)
		return rc;
	rc = gd__db_step(v->store, st);
	if (rc == 1) {
		gd_time destroyed = gd__col_int(v->store, st, 1);
		*horizon = destroyed ? destroyed : gd__col_int(v->store, st, 0);
		rc = 0;
	} else if (rc == 0) {
		rc = GD_ENOTFOUND; /* epoch 0: under the KEK, no epoch ends it */
	}
	gd__db_reset(v->store, st);
	return rc;
}

struct tenant_row {
	int64_t id, seconds;
	char name[65];
};

static int list_tenants(gd_vault *v, struct tenant_row *t, int cap, int *n)
{
	gd__stmt *st;
	int rc = gd__db_query(v->store, &st, "SELECT id, name, epoch_seconds FROM tenants ORDER BY id", NULL);
	*n = 0;
	if (rc < 0)
		return rc;
	while ((rc = gd__db_step(v->store, st)) == 1 && *n < cap) {
		t[*n].id = gd__col_int(v->store, st, 0);
		gd__copy(t[*n].name, sizeof t[*n].name, gd__col_text(v->store, st, 1));
		t[*n].seconds = gd__col_int(v->store, st, 2);
		(*n)++;
	}
	gd__db_reset(v->store, st);
	if (rc == 1)
		return gd__err(GD_ETOOBIG, "more than %d tenants: erasure epochs of such a vault are not supported", cap);
	return rc;
}

/* Step 1: a new epoch for `t` if its current one has ended (or it has none yet); *begun set if so. */
static int begin_epoch(gd_vault *v, const struct tenant_row *t, uint32_t secret_version, bool *begun)
{
	gd__stmt *st;
	int64_t cur = 0, ends = 0, now = gd_vault_now(v);
	int rc = gd__op_begin(v);
	if (rc < 0)
		return rc;
	rc = gd__db_query(v->store, &st, "SELECT epoch, ends_at FROM tenant_epochs WHERE tenant_id = ? ORDER BY epoch DESC LIMIT 1",
	                  "i", t->id);
	if (rc == 0) {
		if ((rc = gd__db_step(v->store, st)) == 1) {
			cur = gd__col_int(v->store, st, 0);
			ends = gd__col_int(v->store, st, 1);
			rc = 0;
		}
		gd__db_reset(v->store, st);
	}
	*begun = rc == 0 && (cur == 0 || now >= ends);
	if (*begun) {
		unsigned char key[GD__KEY_SIZE], sealed[GD__KEY_SIZE + GD__SEAL_OVERHEAD], ad[32];
		const struct gd__keyring_entry *s = find_secret(v, secret_version);
		gd__random(key, sizeof key);
		rc = s ? secret_seal(v, s, sealed, key, ad, epoch_ad(ad, t->id, (uint32_t)cur + 1)) : GD_ENOTFOUND;
		gd__wipe(key, sizeof key);
		epoch_changes(v);
		if (rc == 0)
			rc = gd__db_exec(v->store,
			                 "INSERT INTO tenant_epochs (tenant_id, epoch, started_at, ends_at, secret_version, sealed_key)"
			                 " VALUES (?, ?, ?, ?, ?, ?)",
			                 "iiiiib", t->id, cur + 1, now, now + t->seconds, (int64_t)secret_version, sealed, sizeof sealed);
		char why[64];
		snprintf(why, sizeof why, "erasure epoch %lld begun", (long long)cur + 1);
		if (rc == 0)
			rc = gd__audit_append(v, t->id, "system:keys", &(struct gd__audit_event){.action = "key.epoch", .reason = why});
	}
	return gd__op_end(v, rc);
}

/* Subject keys re-wrapped per transaction; test builds may take fewer (GARDIEN_TEST_EPOCH_BATCH) to stop between batches. */
static int64_t batch_size(void)
{
#ifndef NDEBUG
	const char *b = getenv("GARDIEN_TEST_EPOCH_BATCH");
	if (b && atoi(b) > 0 && atoi(b) < BATCH)
		return atoi(b);
#endif
	return BATCH;
}

/* Step 2: every live subject key of `t` moved under its current epoch, BATCH a transaction. */
static int rewrap_tenant(gd_vault *v, const struct tenant_row *t, gd_key_epoch_result *r,
                         int (*progress)(void *ud, uint64_t done, uint64_t total), void *ud)
{
	gd_actor *a = NULL;
	int64_t after = 0, total = 0;
	int rc = gd_actor_open(&a, v, t->name, "system:keys");
	if (rc == 0)
		rc = gd__db_int(v->store, &total, "SELECT count(*) FROM subjects WHERE tenant_id = ?", "i", t->id);
	struct row {
		int64_t id;
		char pseudonym[GD_SUBJECT_ID_SIZE];
		unsigned char w[GD__WRAPPED_MAX];
		size_t n;
	} *rows = rc == 0 ? gd__calloc(BATCH, sizeof *rows) : NULL;
	if (rc == 0 && !rows)
		rc = GD_ENOMEM;
	uint64_t seen = 0;
	while (rc == 0) {
		gd__stmt *st;
		uint32_t epoch = 0;
		int n = 0;
		if ((rc = gd__op_begin(v)) < 0)
			break;
		rc = gd__epoch_current(a, &epoch);
		if (rc == 0)
			rc = gd__db_query(v->store, &st,
			                  "SELECT id, pseudonym, wrapped_key FROM subjects WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?",
			                  "iii", t->id, after, batch_size());
		/* Read the batch whole first: the updates below would disturb a statement still stepping. */
		if (rc == 0) {
			while ((rc = gd__db_step(v->store, st)) == 1) {
				size_t len = 0;
				const void *w = gd__col_blob(v->store, st, 2, &len);
				rows[n].id = gd__col_int(v->store, st, 0);
				gd__copy(rows[n].pseudonym, sizeof rows[n].pseudonym, gd__col_text(v->store, st, 1));
				rows[n].n = len <= GD__WRAPPED_MAX ? len : 0;
				if (w && rows[n].n)
					memcpy(rows[n].w, w, len);
				n++;
			}
			gd__db_reset(v->store, st);
		}
		for (int i = 0; rc == 0 && i < n; i++) {
			bool moved = false;
			rc = gd__subject_rewrap(a, rows[i].id, rows[i].pseudonym, rows[i].w, rows[i].n, epoch, &moved);
			r->rewrapped += moved;
		}
		if ((rc = gd__op_end(v, rc)) < 0 || n == 0)
			break;
		after = rows[n - 1].id;
		seen += (uint64_t)n;
		if (progress && (rc = progress(ud, seen, (uint64_t)total)) != 0)
			break;
#ifndef NDEBUG
		/* Test builds: die here as kill -9 would, after a committed batch of the re-wrap. */
		const char *kill_at = getenv("GARDIEN_TEST_KILL_AT");
		if (kill_at && strcmp(kill_at, "epoch-rewrap") == 0)
			raise(SIGKILL);
#endif
	}
	if (rows)
		gd__wipe(rows, BATCH * sizeof *rows);
	gd__free(rows);
	gd_actor_close(a);
	return rc;
}

/* Is epoch secret `version` sealing any row's key? */
static int secret_in_use(gd_vault *v, uint32_t version, bool *used)
{
	int64_t n = 0;
	int rc = gd__db_int(v->store, &n,
	                    "SELECT count(*) FROM tenant_epochs WHERE secret_version = ? AND sealed_key IS NOT NULL", "i",
	                    (int64_t)version);
	*used = n > 0;
	return rc;
}

/* Step 3, in one transaction: ended epochs' keys destroyed, the live ones re-sealed under secret `next`. */
static int reseal(gd_vault *v, uint32_t next, gd_key_epoch_result *r)
{
	gd__stmt *st;
	struct {
		int64_t tenant, epoch;
		uint32_t version;
		bool ended;
		unsigned char sealed[GD__KEY_SIZE + GD__SEAL_OVERHEAD];
		size_t n;
	} *rows = gd__calloc(1024, sizeof *rows);
	int n = 0, rc = rows ? gd__op_begin(v) : GD_ENOMEM;
	if (rc < 0) {
		gd__free(rows);
		return rc;
	}
	rc = gd__db_query(v->store, &st,
	                  "SELECT e.tenant_id, e.epoch, e.secret_version, e.sealed_key,"
	                  " e.epoch < (SELECT max(x.epoch) FROM tenant_epochs x WHERE x.tenant_id = e.tenant_id)"
	                  " FROM tenant_epochs e WHERE e.sealed_key IS NOT NULL",
	                  NULL);
	if (rc == 0) {
		while ((rc = gd__db_step(v->store, st)) == 1) {
			size_t len = 0;
			const void *s = gd__col_blob(v->store, st, 3, &len);
			if (n == 1024) {
				rc = gd__err(GD_ETOOBIG, "more than 1024 live epoch keys: more tenants than epochs support");
				break;
			}
			rows[n].tenant = gd__col_int(v->store, st, 0);
			rows[n].epoch = gd__col_int(v->store, st, 1);
			rows[n].version = (uint32_t)gd__col_int(v->store, st, 2);
			rows[n].n = len == sizeof rows[n].sealed ? len : 0;
			if (rows[n].n)
				memcpy(rows[n].sealed, s, len);
			rows[n].ended = gd__col_int(v->store, st, 4) != 0;
			n++;
		}
		gd__db_reset(v->store, st);
	}
	int64_t now = gd_vault_now(v);
	const struct gd__keyring_entry *to = find_secret(v, next);
	if (rc == 0 && !to)
		rc = gd__err(GD_ENOTFOUND, "erasure-epoch secret %u is not in the key file", (unsigned)next);
	for (int i = 0; rc == 0 && i < n; i++) {
		if (rows[i].ended) {
			epoch_changes(v);
			rc = gd__db_exec(v->store,
			                 "UPDATE tenant_epochs SET sealed_key = NULL, destroyed_at = ? WHERE tenant_id = ? AND epoch = ?",
			                 "iii", now, rows[i].tenant, rows[i].epoch);
			r->destroyed++;
			continue;
		}
		unsigned char key[GD__KEY_SIZE], sealed[GD__KEY_SIZE + GD__SEAL_OVERHEAD], ad[32];
		rc = open_epoch_key(v, rows[i].tenant, (uint32_t)rows[i].epoch, rows[i].version, rows[i].sealed, rows[i].n, key);
		if (rc < 0) {
			rc = gd__err(GD_ECORRUPT, "the key of erasure epoch %lld of tenant %lld failed authentication",
			             (long long)rows[i].epoch, (long long)rows[i].tenant);
			break;
		}
		rc = secret_seal(v, to, sealed, key, ad, epoch_ad(ad, rows[i].tenant, (uint32_t)rows[i].epoch));
		gd__wipe(key, sizeof key);
		if (rc == 0)
			rc = gd__db_exec(v->store,
			                 "UPDATE tenant_epochs SET sealed_key = ?, secret_version = ? WHERE tenant_id = ? AND epoch = ?",
			                 "biii", sealed, sizeof sealed, (int64_t)next, rows[i].tenant, rows[i].epoch);
	}
	if (rc == 0) {
		char why[96];
		snprintf(why, sizeof why, "%u ended epoch key(s) destroyed; epoch secret version %u", r->destroyed,
		         (unsigned)next);
		rc = gd__audit_append(v, 0, "system:keys", &(struct gd__audit_event){.action = "key.epoch", .reason = why});
	}
	gd__wipe(rows, 1024 * sizeof *rows);
	gd__free(rows);
	return gd__op_end(v, rc);
}

int gd__epoch_adopt(gd_vault *v, const struct gd__keyring *from)
{
	gd__stmt *st;
	struct {
		int64_t tenant, epoch;
		uint32_t version;
		unsigned char sealed[GD__KEY_SIZE + GD__SEAL_OVERHEAD];
		size_t n;
	} *rows = NULL;
	int n = 0, rc = 0;
	if (!from || !gd__keyring_find(from, GD__K_EPOCH, 0))
		return 0; /* a backup of an older format, or made before any epoch */
	if (!(rows = gd__calloc(1024, sizeof *rows)))
		return GD_ENOMEM;
	rc = gd__db_query(v->store, &st,
	                  "SELECT tenant_id, epoch, secret_version, sealed_key FROM tenant_epochs WHERE sealed_key IS NOT NULL",
	                  NULL);
	if (rc == 0) {
		while ((rc = gd__db_step(v->store, st)) == 1 && n < 1024) {
			size_t len = 0;
			const void *s = gd__col_blob(v->store, st, 3, &len);
			rows[n].tenant = gd__col_int(v->store, st, 0);
			rows[n].epoch = gd__col_int(v->store, st, 1);
			rows[n].version = (uint32_t)gd__col_int(v->store, st, 2);
			rows[n].n = s && len == sizeof rows[n].sealed ? len : 0;
			if (rows[n].n)
				memcpy(rows[n].sealed, s, len);
			n++;
		}
		gd__db_reset(v->store, st);
		rc = rc < 0 ? rc : 0;
	}
	for (int i = 0; rc == 0 && i < n; i++) {
		unsigned char key[GD__KEY_SIZE], sealed[GD__KEY_SIZE + GD__SEAL_OVERHEAD], ad[32];
		size_t adn = epoch_ad(ad, rows[i].tenant, (uint32_t)rows[i].epoch);
		if (!rows[i].n ||
		    open_epoch_key(v, rows[i].tenant, (uint32_t)rows[i].epoch, rows[i].version, rows[i].sealed, rows[i].n, key) == 0) {
			gd__wipe(key, sizeof key);
			continue; /* under a secret the live key file still holds */
		}
		const struct gd__keyring_entry *e = gd__keyring_find(from, GD__K_EPOCH, rows[i].version);
		if (!e || gd__open(key, e->key, rows[i].sealed, rows[i].n, ad, adn) < 0)
			continue; /* not the backup's either: stays unreadable, as it was */
		const struct gd__keyring_entry *to = find_secret(v, 0);
		if (!to) {
			/* A live key file with no epoch secret yet: its first one. */
			char kpath[4200];
			if ((rc = gd__key_file(v, kpath, sizeof kpath)) == 0 && (rc = secret_new(v, 1)) == 0)
				rc = gd__keyring_write(v->ring, kpath);
			to = rc == 0 ? find_secret(v, 0) : NULL;
		}
		if (rc == 0)
			rc = secret_seal(v, to, sealed, key, ad, adn);
		gd__wipe(key, sizeof key);
		if (rc == 0)
			rc = gd__db_exec(v->store,
			                 "UPDATE tenant_epochs SET sealed_key = ?, secret_version = ? WHERE tenant_id = ? AND epoch = ?",
			                 "biii", sealed, sizeof sealed, (int64_t)to->version, rows[i].tenant, rows[i].epoch);
	}
	gd__wipe(rows, 1024 * sizeof *rows);
	gd__free(rows);
	return rc;
}

static int epoch_run(gd_vault *v, const char *kpath, int (*progress)(void *ud, uint64_t done, uint64_t total),
                     void *ud, gd_key_epoch_result *out);

int gd_key_epoch(gd_vault *v, int (*progress)(void *ud, uint64_t done, uint64_t total), void *ud,
                 gd_key_epoch_result *out)
{
	char kpath[4200];
	int rc = gd__key_file(v, kpath, sizeof kpath);
	if (rc < 0)
		return rc;
	if (v->tx.batch || v->tx.depth)
		return gd__err(GD_ESTATE, "an epoch change runs in no batch: commit or roll back first");
	/* One run at a time, and none beside a rotation: each writes the key file (keys.c). */
	int lfd = -1;
	if ((rc = gd__keys_lock(kpath, &lfd)) < 0)
		return rc;
	rc = epoch_run(v, kpath, progress, ud, out);
	gd__keys_unlock(lfd);
	return rc;
}

static int epoch_run(gd_vault *v, const char *kpath, int (*progress)(void *ud, uint64_t done, uint64_t total),
                     void *ud, gd_key_epoch_result *out)
{
	gd_key_epoch_result r = {0};
	struct tenant_row *t = NULL;
	int n = 0, rc;
	if ((rc = gd__vault_reload_keys(v)) < 0)
		return rc;
	gd__keyring_materialise(v->ring);
	/* The first run writes the first epoch secret, before any row needs it. */
	const struct gd__keyring_entry *secret = find_secret(v, 0);
	if (!secret) {
		if ((rc = secret_new(v, 1)) < 0 || (rc = gd__keyring_write(v->ring, kpath)) < 0)
			return rc;
		secret = find_secret(v, 0);
	}
	uint32_t version = secret->version;
	if (!(t = gd__calloc(256, sizeof *t)))
		return GD_ENOMEM;
	rc = list_tenants(v, t, 256, &n);
	/* 1. Epochs begun (a killed run's newest secret, not yet sealing anything, serves as well). */
	for (int i = 0; rc == 0 && i < n; i++) {
		bool begun = false;
		rc = begin_epoch(v, &t[i], version, &begun);
		r.begun += begun;
	}
	/* 2. Live subject keys moved onto their tenant's current epoch. */
	for (int i = 0; rc == 0 && i < n; i++)
		rc = rewrap_tenant(v, &t[i], &r, progress, ud);
	/* 3. Ended epochs destroyed, with the secret that sealed them. */
	int64_t ended = 0;
	if (rc == 0)
		rc = gd__db_int(v->store, &ended,
		                "SELECT count(*) FROM tenant_epochs e WHERE e.sealed_key IS NOT NULL AND"
		                " e.epoch < (SELECT max(x.epoch) FROM tenant_epochs x WHERE x.tenant_id = e.tenant_id)",
		                NULL);
	if (rc == 0 && ended > 0) {
		bool used = false;
		uint32_t next = version;
		rc = secret_in_use(v, version, &used);
		/* A secret that sealed anything may be in a copy: the next one is new. */
		/* On a token vault a secret still in the key file (from before secrets moved to the token) is replaced too. */
		if (rc == 0 && (used || (v->p11 && secret->kind != GD__K_EPOCH_TOKEN))) {
			next = version + 1;
			rc = secret_new(v, next);
			if (rc == 0)
				rc = gd__keyring_write(v->ring, kpath);
		}
		if (rc == 0)
			rc = reseal(v, next, &r);
		version = next;
	}
	/* The older secrets leave the key file (also after a run killed before it). */
	bool removed = false;
	for (int i = 0; rc == 0 && i < v->ring->n;) {
		const struct gd__keyring_entry *e = &v->ring->e[i];
		bool used = true;
		if (is_secret(e) && e->version != version && (rc = secret_in_use(v, e->version, &used)) == 0 && !used) {
			/* On the token, the object itself is destroyed: no copy of the key file brings it back. */
			if (e->kind == GD__K_EPOCH_TOKEN && v->p11 &&
			    (rc = gd__p11_destroy(v->p11, e->version | GD__P11_EPOCH)) < 0)
				break;
			gd__keyring_remove(v->ring, e->kind, e->version);
			removed = true;
			continue;
		}
		i++;
	}
	if (rc == 0 && removed)
		rc = gd__keyring_write(v->ring, kpath);
	r.secret_version = version;
	gd__free(t);
	if (out)
		*out = r;
	return rc;
}
