/*
 * vault.c — vault lifecycle, master key file, clock. Tenants and actors are
 * tenant.c, transactions and batches tx.c.
 *
 * Key hierarchy (docs/FORMAT.md): the master key lives only in the key file;
 * each tenant has a random key-encryption key (KEK) sealed by the master key,
 * from which its blind-index key is derived; each subject has a random data key
 * sealed by its tenant's KEK. The audit signing key is derived from the master key.
 *
 * Key file (mode 0600, exactly 40 bytes):
 *   offset 0  8 bytes  magic "GDKEY\0\1\0"
 *   offset 8 32 bytes  master key
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/internal.h"
#include "lib/register/register.h"

#define KEYFILE_MAGIC "GDKEY\0\1\0"
#define KEYFILE_SIZE (8 + GD__KEY_SIZE)
/*
 * 7: tenant_id in every table's key on PostgreSQL (store/store_keys.c);
 * 6: erasure epochs (keys/epoch.c);
 * 5: audit lanes, the tables keyed by (tenant, lane) (audit/audit_lane.c);
 * 4: a MAC on the metadata of every record and identifier (records/integrity.c);
 * 3: record ids from the counters table; 2: audit entries in blocks
 * (docs/FORMAT.md, "Audit blocks", "Id counters", "Metadata MACs"). Older
 * formats are converted at open, one step after the other, in one transaction.
 */
#define FORMAT_VERSION 7
const char gd__key_check_ad[] = "gardien key check v1";
#define key_check_ad gd__key_check_ad

/* The engine a vault's name calls for: a PostgreSQL URL, or an SQLite file path. */
static const struct gd__store_engine *engine_for(const char *path)
{
	return gd__pg_is_url(path) ? &gd__pg_engine : &gd__sqlite_engine;
}

/* NULL with the error set when a PostgreSQL vault is given no key file: its
 * master key stays on the gardien host, never beside the database. */
static char *default_key_path(const char *path, const gd_vault_options *opts)
{
	if (opts && opts->key_path)
		return gd__strdup(opts->key_path);
	if (gd__pg_is_url(path)) {
		gd__err(GD_EINVAL, "a PostgreSQL vault needs the path of its master key file (key_path),"
		                   " kept on the gardien host");
		return NULL;
	}
	size_t n = strlen(path);
	char *p = gd__malloc(n + 5);
	if (p)
		snprintf(p, n + 5, "%s.key", path);
	return p;
}

static int set_file_base(gd_vault *v, const char *kpath)
{
	const char *base = gd__pg_is_url(v->path) ? kpath : v->path;
	size_t n = strlen(base);
	if (base == kpath && n > 4 && strcmp(base + n - 4, ".key") == 0)
		n -= 4;
	v->file_base = gd__malloc(n + 1);
	if (!v->file_base)
		return gd__err(GD_ENOMEM, "out of memory");
	memcpy(v->file_base, base, n);
	v->file_base[n] = 0;
	return 0;
}

static int write_key_file(const char *kpath, const unsigned char *master)
{
	unsigned char buf[KEYFILE_SIZE];
	memcpy(buf, KEYFILE_MAGIC, 8);
	memcpy(buf + 8, master, GD__KEY_SIZE);
	int fd = open(kpath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		gd__wipe(buf, sizeof buf);
		if (errno == EEXIST)
			return gd__err(GD_EEXISTS, "key file %s already exists: remove it or choose another path", kpath);
		return gd__err(GD_EIO, "cannot create key file %s: %s", kpath, strerror(errno));
	}
	int rc = 0;
	if (gd__fault_point() || write(fd, buf, sizeof buf) != (ssize_t)sizeof buf || fsync(fd) != 0)
		rc = gd__err(GD_EIO, "cannot write key file %s", kpath);
	close(fd);
	gd__wipe(buf, sizeof buf);
	if (rc < 0)
		unlink(kpath);
	return rc;
}

/*
 * A fixed clock (--now, GARDIEN_NOW) is for test and demo vaults, those
 * created with one: on a vault that runs on the system clock it could date
 * records, requests and deadlines in the past or the future. Its audit trail
 * cannot be backdated in any case (entries never go back in time in a chain).
 */
static int check_fixed_clock(gd_vault *v, const char *path)
{
	int64_t fixed = 0;
	int rc = gd__db_int(v->store, &fixed, "SELECT value FROM meta WHERE key = 'fixed_clock'", NULL);
	if (rc == GD_ENOTFOUND || (rc == 0 && fixed != 1))
		return gd__err(GD_EDENIED,
		               "%s runs on the system clock: a fixed clock (--now, GARDIEN_NOW) is only for test and demo "
		               "vaults, created with one (gardien --now TIME init)",
		               path);
	return rc;
}

int gd__vault_options(gd_vault_options *out, const gd_vault_options *opts)
{
	*out = (gd_vault_options)GD_VAULT_OPTIONS_INIT;
	if (!opts)
		return 0;
	if (opts->version == 1 || opts->version == 2) {
		/* Version 1 callers' structs end after `now`, version 2 ones after
		 * `ordered_writes`: fields past their end are not read. */
		out->key_path = opts->key_path;
		out->now = opts->now;
		if (opts->version == 2)
			out->ordered_writes = opts->ordered_writes;
		return 0;
	}
	if (opts->version != 3 && opts->version != GD_VAULT_OPTIONS_VERSION)
		return gd__err(GD_EINVAL, "gd_vault_options version %u is not supported", opts->version);
	if (opts->version == 3) {
		/* A version-3 struct ends after key_pkcs11. */
		out->key_path = opts->key_path;
		out->now = opts->now;
		out->ordered_writes = opts->ordered_writes;
		out->key_fd = opts->key_fd;
		out->key_command = opts->key_command;
		out->key_pkcs11 = opts->key_pkcs11;
	} else {
		*out = *opts;
	}
	if (out->key_fd < 0 || (out->key_fd > 0 && out->key_command))
		return gd__err(GD_EINVAL, "give the key by one provider: a file, a descriptor or a command");
	return 0;
}

int gd__master_kind(const gd_vault *v)
{
	return v->p11 ? GD__K_TOKEN : GD__K_MASTER;
}

int gd__master_seal(gd_vault *v, uint32_t version, unsigned char *out, const void *pt, size_t n,
                    const void *ad, size_t adlen)
{
	if (v->p11)
		return gd__p11_seal(v->p11, version, out, pt, n, ad, adlen);
	const struct gd__keyring_entry *m = gd__keyring_find(v->ring, GD__K_MASTER, version);
	if (!m)
		return gd__err(GD_ENOTFOUND, "master key version %u is not in the key file", (unsigned)version);
	gd__seal(out, m->key, pt, n, ad, adlen);
	return 0;
}

int gd__master_open(gd_vault *v, uint32_t version, unsigned char *out, const void *sealed, size_t n,
                    const void *ad, size_t adlen)
{
	if (v->p11)
		return gd__p11_open_sealed(v->p11, version, out, sealed, n, ad, adlen);
	const struct gd__keyring_entry *m = gd__keyring_find(v->ring, GD__K_MASTER, version);
	if (!m)
		return GD_ECORRUPT;
	return gd__open(out, m->key, sealed, n, ad, adlen);
}

/*
 * Sets v->master_version (and, with a key file, v->master) to the master that
 * opens the key check: the newest first, an older one while a rotation is
 * under way (gd_key_rotate).
 */
static int pick_master(gd_vault *v, const void *sealed, size_t n, uint32_t *version)
{
	unsigned char zeros[32];
	int kind = gd__master_kind(v);
	for (uint32_t best = UINT32_MAX;;) {
		const struct gd__keyring_entry *m = NULL;
		for (int i = 0; i < v->ring->n; i++)
			if (v->ring->e[i].kind == kind && v->ring->e[i].version < best &&
			    (!m || v->ring->e[i].version > m->version))
				m = &v->ring->e[i];
		if (!m)
			return GD_EDENIED;
		if (n == 32 + GD__SEAL_OVERHEAD &&
		    gd__master_open(v, m->version, zeros, sealed, n, key_check_ad, sizeof key_check_ad) == 0) {
			memcpy(v->master, m->key, GD__KEY_SIZE);
			if (version)
				*version = m->version;
			return 0;
		}
		best = m->version;
	}
}

/* Derives the audit signing key pair from the ring's audit seed. */
static int derive_audit_keys(gd_vault *v)
{
	unsigned char seed[32];
	if (!v->audit_sk && !(v->audit_sk = gd__secure_alloc(GD__SIGN_SK_SIZE)))
		return gd__err(GD_ENOMEM, "out of secure memory");
	gd__keyring_current(v->ring, GD__K_AUDIT, seed);
	gd__sign_seed_keypair(v->audit_pk, v->audit_sk, seed);
	gd__wipe(seed, sizeof seed);
	return 0;
}

static int vault_new(gd_vault **out, const char *path, const gd_vault_options *given)
{
	gd_vault_options o;
	int rc = gd__vault_options(&o, given);
	if (rc < 0 || (rc = gd__crypto_init()) < 0)
		return rc;
	gd_vault *v = gd__calloc(1, sizeof *v);
	if (!v)
		return GD_ENOMEM;
	v->journal.fd = -1;
	v->audit.lane = -1; /* claimed at the first append */
	v->path = gd__strdup(path);
	v->master = gd__secure_alloc(GD__KEY_SIZE);
	v->ring = gd__keyring_new();
	/* The provider is kept: a rotation by another process is picked up by reading it again. */
	v->key_path = o.key_path ? gd__strdup(o.key_path) : NULL;
	v->key_command = o.key_command ? gd__strdup(o.key_command) : NULL;
	v->key_pkcs11 = o.key_pkcs11 ? gd__strdup(o.key_pkcs11) : NULL;
	v->key_fd = o.key_fd;
	if (!v->path || !v->master || !v->ring || (o.key_path && !v->key_path) || (o.key_command && !v->key_command) ||
	    (o.key_pkcs11 && !v->key_pkcs11)) {
		gd_vault_close(v);
		return gd__err(GD_ENOMEM, "out of memory");
	}
	/* The modules that take part in commits: the audit block is written
	 * before the journal is synced, both before the commit. */
	if ((rc = gd__tx_hook(v, &gd__audit_tx_hooks)) < 0 || (rc = gd__tx_hook(v, &gd__journal_tx_hooks)) < 0) {
		gd_vault_close(v);
		return rc;
	}
	/* Last: its commit hook must run only once the others let the commit go. */
	if ((rc = gd__keycache_new(&v->keycache, o.key_cache)) < 0 ||
	    (rc = gd__tx_hook(v, &gd__keycache_tx_hooks)) < 0) {
		gd_vault_close(v);
		return rc;
	}
	v->now = o.now;
	v->store_flags = o.ordered_writes ? GD__STORE_ORDERED_WRITES : 0;
	if (o.key_pkcs11 && (rc = gd__p11_open(&v->p11, o.key_pkcs11)) < 0) {
		gd_vault_close(v);
		return rc;
	}
	*out = v;
	return 0;
}

/* The provider the vault was opened with, as options. */
static gd_vault_options provider_of(const gd_vault *v)
{
	gd_vault_options o = GD_VAULT_OPTIONS_INIT;
	o.key_path = v->key_path;
	o.key_command = v->key_command;
	o.key_fd = v->key_fd;
	o.key_pkcs11 = v->key_pkcs11;
	return o;
}

/* Reads the key check and picks the master that opens it (the ring already read). */
static int open_key_check(gd_vault *v, uint32_t *version)
{
	gd__stmt *st;
	int rc = gd__db_query(v->store, &st, "SELECT value FROM meta WHERE key = 'key_check'", NULL);
	if (rc < 0)
		return rc;
	rc = gd__db_step(v->store, st);
	if (rc == 1) {
		size_t n;
		const void *sealed = gd__col_blob(v->store, st, 0, &n);
		rc = pick_master(v, sealed, n, version);
		if (rc < 0)
			rc = gd__err(GD_EDENIED, "the key given does not open the vault %s (wrong key)", v->path);
	} else if (rc == 0) {
		rc = gd__err(GD_ECORRUPT, "%s is not an initialised gardien vault (no key check)", v->path);
	}
	gd__db_reset(v->store, st);
	return rc;
}

int gd__meta_put(gd_vault *v, const char *key, const void *value, size_t n)
{
	return gd__db_exec(v->store,
	                   "INSERT INTO meta (key, value) VALUES (?, ?)"
	                   " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	                   "tb", key, value, n);
}

int gd__meta_put_int(gd_vault *v, const char *key, int64_t value)
{
	return gd__db_exec(v->store,
	                   "INSERT INTO meta (key, value) VALUES (?, ?)"
	                   " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	                   "ti", key, value);
}

int gd__vault_check_master(gd_vault *v)
{
	int rc = open_key_check(v, &v->master_version);
	return rc < 0 ? gd__vault_reload_keys(v) : rc;
}

int gd__vault_reload_keys(gd_vault *v)
{
	if (v->key_fd > 0)
		return gd__err(GD_EDENIED, "the vault's keys changed and were given on a descriptor: open the vault again");
	gd_vault_options o = provider_of(v);
	int rc = gd__keyring_read(v->ring, v->path, &o, NULL, 0);
	if (rc == 0)
		rc = open_key_check(v, &v->master_version);
	return rc;
}

int gd_vault_init(const char *path, const gd_vault_options *opts)
{
	gd_vault *v = NULL;
	char *kpath = NULL;
	bool key_written = false, db_created = false;
	int rc;

	if (!path || !*path)
		return gd__err(GD_EINVAL, "no vault path given");
	bool file = !gd__pg_is_url(path);
	if (file && access(path, F_OK) == 0)
		return gd__err(GD_EEXISTS, "%s already exists: choose another path", path);
	if ((rc = vault_new(&v, path, opts)) < 0)
		return rc;
	if (v->key_fd || v->key_command) {
		rc = gd__err(GD_EINVAL, "init writes a key file (key_path): create the vault with one, then move the key"
		                        " to your secrets manager and open the vault with a descriptor or a command"
		                        " (docs/keys.md)");
		goto done;
	}
	if (!(kpath = default_key_path(path, opts))) {
		rc = file ? GD_ENOMEM : GD_EINVAL;
		goto done;
	}
	if ((rc = set_file_base(v, kpath)) < 0)
		goto done;
	if (v->p11) {
		/* The master is generated on the token and stays there; the key file
		 * (format 2) holds the other keys, random, and the master's version. */
		static const unsigned char none[GD__KEY_SIZE];
		unsigned char k[GD__KEY_SIZE];
		rc = gd__keyring_add(v->ring, GD__K_TOKEN, 1, none);
		for (int kind = GD__K_BACKUP; rc == 0 && kind <= GD__K_TOTP; kind++) {
			gd__random(k, sizeof k);
			rc = gd__keyring_add(v->ring, kind, 1, k);
		}
		gd__wipe(k, sizeof k);
		if (rc == 0 && access(kpath, F_OK) == 0)
			rc = gd__err(GD_EEXISTS, "key file %s already exists: remove it or choose another path", kpath);
		if (rc == 0)
			rc = gd__p11_generate(v->p11, 1);
		if (rc == 0)
			rc = gd__keyring_write(v->ring, kpath);
		if (rc < 0)
			goto done;
	} else {
		gd__random(v->master, GD__KEY_SIZE);
		if ((rc = gd__keyring_add(v->ring, GD__K_MASTER, 1, v->master)) < 0)
			goto done;
		if ((rc = write_key_file(kpath, v->master)) < 0)
			goto done;
	}
	v->master_version = 1;
	key_written = true;
	if ((rc = derive_audit_keys(v)) < 0)
		goto done;
	db_created = file;
	if ((rc = engine_for(path)->open(&v->store, path, true, v->store_flags)) < 0)
		goto done;
	/* Sealed as it is, the database is still nobody else's business (its WAL
	 * and shared-memory files take the same mode). */
	if (file && chmod(path, 0600) != 0) {
		rc = gd__err(GD_EIO, "cannot set mode 0600 on %s: %s", path, strerror(errno));
		goto done;
	}

	unsigned char zeros[32] = {0}, check[32 + GD__SEAL_OVERHEAD];
	if ((rc = gd__master_seal(v, 1, check, zeros, sizeof zeros, key_check_ad, sizeof key_check_ad)) < 0)
		goto done;
	if ((rc = gd__op_begin(v)) < 0)
		goto done;
	rc = gd__db_exec(v->store, "INSERT INTO meta (key, value) VALUES ('format', ?)", "i",
	                 (int64_t)FORMAT_VERSION);
	if (rc == 0)
		rc = gd__db_exec(v->store, "INSERT INTO meta (key, value) VALUES ('key_check', ?)",
		                 "b", check, sizeof check);
	if (rc == 0)
		rc = gd__db_exec(v->store, "INSERT INTO meta (key, value) VALUES ('audit_public_key', ?)",
		                 "b", v->audit_pk, sizeof v->audit_pk);
	/* Created on a fixed clock: a test or demo vault, the only kind that
	 * opens with one later (gd_vault_open). */
	if (rc == 0 && v->now)
		rc = gd__db_exec(v->store, "INSERT INTO meta (key, value) VALUES ('fixed_clock', ?)", "i", (int64_t)1);
	if (rc == 0)
		rc = gd__audit_append(v, 0, "system", &(struct gd__audit_event){.action = "vault.init"});
	rc = gd__op_end(v, rc);
done:
	if (v && v->store)
		v->store->engine->close(v->store), v->store = NULL;
	if (rc < 0) {
		/* Nothing half-made: a failed init leaves no files behind. */
		if (key_written)
			unlink(kpath);
		if (db_created) {
			char side[4200];
			unlink(path);
			snprintf(side, sizeof side, "%s-wal", path), unlink(side);
			snprintf(side, sizeof side, "%s-shm", path), unlink(side);
		}
	}
	gd__free(kpath);
	gd_vault_close(v);
	return rc;
}

/*
 * Format 2 took a new record's id from max(id) of the records, raised to a
 * high-water mark (meta.record_high_water) that every deleter kept, and the
 * ids of breaches, requests, holds and grants from max(id) of their tables;
 * format 3 takes each from its counter. Each counter starts at the highest id
 * its table holds (records: or the mark, if higher), so no id ever given
 * comes back; the mark goes.
 */
static int migrate_counters(gd_vault *v)
{
	/* The highest id of each counted table (a literal each: statements are cached by address). */
	static const char *const top_sql[GD__COUNTERS] = {
		[GD__COUNTER_RECORDS] = "SELECT coalesce(max(id), 0) FROM records",
		[GD__COUNTER_BREACHES] = "SELECT coalesce(max(id), 0) FROM breaches",
		[GD__COUNTER_REQUESTS] = "SELECT coalesce(max(id), 0) FROM requests",
		[GD__COUNTER_HOLDS] = "SELECT coalesce(max(id), 0) FROM holds",
		[GD__COUNTER_GRANTS] = "SELECT coalesce(max(id), 0) FROM auth_grants",
	};
	int64_t high = 0;
	int rc = gd__db_int(v->store, &high, "SELECT value FROM meta WHERE key = 'record_high_water'", NULL);
	if (rc == GD_ENOTFOUND)
		rc = 0;
	for (int i = 0; rc == 0 && i < GD__COUNTERS; i++) {
		int64_t top = 0;
		rc = gd__db_int(v->store, &top, top_sql[i], NULL);
		if (rc == 0 && i == GD__COUNTER_RECORDS && high > top)
			top = high;
		if (rc == 0)
			rc = gd__db_exec(v->store, "UPDATE counters SET value = ? WHERE name = ?", "it", top,
			                 gd__counter_names[i]);
	}
	if (rc == 0)
		rc = gd__db_exec(v->store, "DELETE FROM meta WHERE key = 'record_high_water'", NULL);
	return rc;
}

/*
 * Refuses a vault of a newer format; brings an older one to this format, in
 * one transaction. A format-1 audit table left in a format-2 vault means an
 * older gardien wrote there (or the conversion's guard was removed): refused.
 */
static int upgrade(gd_vault *v)
{
	int64_t format = 0;
	int rc = gd__db_int(v->store, &format, "SELECT value FROM meta WHERE key = 'format'", NULL);
	int old_table = rc < 0 ? rc : v->store->engine->has_table(v->store, "audit");
	if (rc < 0 || old_table < 0)
		return rc < 0 ? rc : old_table;
	if (format > FORMAT_VERSION)
		return gd__err(GD_ESTATE,
		               "%s is in format %lld, written by a newer gardien than this one (format %d):"
		               " upgrade gardien to open it",
		               v->path, (long long)format, FORMAT_VERSION);
	if (format >= 2 && old_table)
		return gd__err(GD_ECORRUPT,
		               "%s has an audit table of format 1 beside its audit blocks: an older gardien"
		               " wrote to it; keep a copy of it and its key file, and open it with no older"
		               " gardien",
		               v->path);
	if (format == FORMAT_VERSION)
		return 0;
	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	/* Under the write lock: another process may have converted it meanwhile. */
	if ((rc = gd__db_int(v->store, &format, "SELECT value FROM meta WHERE key = 'format'", NULL)) < 0 ||
	    format >= FORMAT_VERSION)
		return gd__op_end(v, rc);
	if (format < 2)
		rc = gd__audit_migrate(v);
	if (rc == 0 && format < 3)
		rc = migrate_counters(v);
	if (rc == 0 && format < 4)
		rc = gd__integrity_migrate(v);
	if (rc == 0 && format < 5)
		rc = gd__audit_migrate_lanes(v);
	/* Format 6: erasure epochs (keys/epoch.c); the table comes from the schema, the column here. */
	if (rc == 0 && format < 6 && (rc = gd__store_has_column(v->store, "tenants", "epoch_seconds")) >= 0)
		rc = rc ? 0
		        : gd__db_exec(v->store, "ALTER TABLE tenants ADD COLUMN epoch_seconds INTEGER NOT NULL DEFAULT 604800",
		                      NULL);
	if (rc == 0 && format < 7)
		rc = gd__store_migrate_keys(v->store);
	if (rc == 0)
		rc = gd__db_exec(v->store, "UPDATE meta SET value = ? WHERE key = 'format'", "i",
		                 (int64_t)FORMAT_VERSION);
	return gd__op_end(v, rc);
}

int gd_vault_open(gd_vault **out, const char *path, const gd_vault_options *opts)
{
	return gd__vault_open_ring(out, path, opts, NULL);
}

int gd__vault_open_ring(gd_vault **out, const char *path, const gd_vault_options *opts,
                        const struct gd__keyring *given)
{
	gd_vault *v = NULL;
	char *kpath = NULL;
	int rc;

	*out = NULL;
	if (!path || !*path)
		return gd__err(GD_EINVAL, "no vault path given");
	if ((rc = vault_new(&v, path, opts)) < 0)
		return rc;
	if (!(kpath = default_key_path(path, opts))) {
		rc = gd__pg_is_url(path) ? GD_EINVAL : GD_ENOMEM;
		goto done;
	}
	/* Before the database: a restore holding the lock may be replacing it.
	 * (A missing vault gets no lock file: the engine's open names the error.) */
	if ((gd__pg_is_url(path) || access(path, F_OK) == 0) && (rc = gd__lock_acquire(&v->lock, path, false)) < 0)
		goto done;
	if ((rc = set_file_base(v, kpath)) < 0)
		goto done;
	if ((rc = engine_for(path)->open(&v->store, path, false, v->store_flags)) < 0)
		goto done;
	gd_vault_options o = provider_of(v);
	if (given)
		memcpy(v->ring, given, sizeof *given);
	else if ((rc = gd__keyring_read(v->ring, path, &o, NULL, 0)) < 0)
		goto done;
	if (!v->p11 && gd__keyring_find(v->ring, GD__K_TOKEN, 0)) {
		rc = gd__err(GD_EDENIED, "the master key of %s is on a PKCS#11 token: give the token's URI"
		                         " (key_pkcs11, docs/keys.md)",
		             path);
		goto done;
	}
	if ((rc = open_key_check(v, &v->master_version)) < 0) {
		if (rc == GD_EDENIED && !v->key_fd && !v->key_command && !v->p11)
			rc = gd__err(GD_EDENIED, "the key file %s does not open the vault %s (wrong key)", kpath, path);
		goto done;
	}
	if (v->now && (rc = check_fixed_clock(v, path)) < 0)
		goto done;
	if ((rc = derive_audit_keys(v)) == 0)
		rc = upgrade(v);
done:
	gd__free(kpath);
	if (rc < 0)
		gd_vault_close(v);
	else
		*out = v;
	return rc;
}

void gd_vault_close(gd_vault *v)
{
	if (!v)
		return;
	if (v->store) {
		if (v->tx.batch)
			v->store->engine->rollback(v->store);
		v->store->engine->close(v->store);
	}
	gd__tx_close(v);
	if (v->journal.fd >= 0)
		close(v->journal.fd);
	gd__lock_release(v->lock, false);
	gd__register_cache_free(v->registers);
	gd__keycache_free(v->keycache);
	gd__audit_block_free(&v->audit.block);
	gd__audit_drop_deferred(v);
	gd__audit_group_release(v);
	gd__free(v->audit.deferred);
	gd__secure_free(v->master);
	gd__keyring_free(v->ring);
	gd__secure_free(v->audit_sk);
	gd__free(v->key_path);
	gd__free(v->key_command);
	gd__free(v->key_pkcs11);
	gd__p11_close(v->p11);
	gd__free(v->path);
	gd__free(v->file_base);
	gd__free(v);
}

gd_time gd_vault_now(const gd_vault *v)
{
	return v->now ? v->now : (gd_time)time(NULL);
}

void gd_vault_set_now(gd_vault *v, gd_time now)
{
	v->now = now;
}

int gd__check_name(const char *s, const char *what)
{
	if (!s || !*s)
		return gd__err(GD_EINVAL, "%s is missing", what);
	size_t n = strlen(s);
	if (n > GD_NAME_MAX)
		return gd__err(GD_ETOOBIG, "%s is longer than %d bytes", what, GD_NAME_MAX);
	for (const char *p = s; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-' || c == ':' || c == '@'))
			return gd__err(GD_EINVAL,
			               "%s \"%.*s\" has a character other than letters, digits and . _ - : @",
			               what, (int)n, s);
	}
	return 0;
}
