/*
 * keys.c — rotation of the vault's keys (gd_key_rotate) and destruction of the
 * versions nothing needs any more (gd_key_prune). Formats in keyring.c.
 *
 * master: a new master key is written to the key file beside the current one
 *   (both present: a crash leaves a vault that opens), then one transaction
 *   re-wraps every tenant's KEK and the key check under it; the old master is
 *   kept, retired, while backups made under it exist (their snapshots hold
 *   KEKs wrapped by it) and destroyed by gd_key_prune. Re-running an
 *   interrupted rotation finishes it with the key already written.
 * backup: a new backup key for new backups; old ones are kept while a backup
 *   of the directory needs them.
 * audit: a new signing key; the old public key is kept (meta
 *   'audit_retired_keys') so that old checkpoints still verify; the old secret
 *   is destroyed at once.
 * Each rotation is audited in the vault's chain (key.rotate) and needs the key
 * file itself: keys given by a descriptor or a command are rotated where they
 * are kept (docs/keys.md). Other processes pick the new master up from the
 * key file the first time the old one fails them (gd__vault_reload_keys).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "lib/internal.h"

static const char *kind_name(int kind)
{
	switch (kind) {
	case GD__K_MASTER: return "master";
	case GD__K_BACKUP: return "backup";
	case GD__K_AUDIT: return "audit";
	default: return "?";
	}
}

/*
 * One rotation, epoch change or prune at a time per key file: each reads the
 * key file, adds or removes a version and writes it back, so two at once
 * would each write a file without the other's key (two different masters).
 * A second is refused (GD_EBUSY), not queued: the operator sees it at once.
 */
int gd__keys_lock(const char *kpath, int *fd)
{
	char lpath[4300];
	snprintf(lpath, sizeof lpath, "%s.keys-lock", kpath);
	*fd = open(lpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0)
		return gd__err(GD_EIO, "cannot open %s: %s", lpath, strerror(errno));
	if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		close(*fd);
		*fd = -1;
		return gd__err(GD_EBUSY, "another key rotation, 'key epoch' or 'key prune' is running on this key"
		                         " file: let it finish, then run this again");
	}
#ifndef NDEBUG
	/* Test builds: hold the lock until a file exists, having said so (two runs at once, tested). */
	const char *hold = getenv("GARDIEN_TEST_HOLD_KEYS_LOCK");
	if (hold) {
		char held[4200];
		snprintf(held, sizeof held, "%s.held", hold);
		int h = open(held, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (h >= 0)
			close(h);
		struct timespec step = {0, 20000000};
		while (access(hold, F_OK) != 0)
			nanosleep(&step, NULL);
	}
#endif
	return 0;
}

void gd__keys_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

int gd__key_file(gd_vault *v, char *out, size_t cap)
{
	if (v->key_fd > 0 || v->key_command)
		return gd__err(GD_ESTATE,
		               "the keys were given by %s: rotate where the key file is kept (key_path), then"
		               " store the new key file in your secrets manager (docs/keys.md)",
		               v->key_fd > 0 ? "a descriptor" : "a command");
	if (v->key_path)
		snprintf(out, cap, "%s", v->key_path);
	else
		snprintf(out, cap, "%s.key", v->path);
	return 0;
}

/* Re-wraps every tenant KEK and the key check from the current master to version `next`, in the caller's operation. */
static int rewrap(gd_vault *v, uint32_t next)
{
	gd__store *db = v->store;
	gd__stmt *st;
	unsigned char ad[96], kek[GD__KEY_SIZE], wrapped[GD__KEY_SIZE + GD__SEAL_OVERHEAD];
	int64_t ids[256];
	char names[256][65];
	int n = 0, rc;
	/* Tenants are few (one per controller); more than 256 would be a vault of another kind. */
	if ((rc = gd__db_query(db, &st, "SELECT id, name FROM tenants ORDER BY id", NULL)) < 0)
		return rc;
	while ((rc = gd__db_step(db, st)) == 1 && n < 256) {
		ids[n] = gd__col_int(db, st, 0);
		gd__copy(names[n], sizeof names[n], gd__col_text(db, st, 1));
		n++;
	}
	gd__db_reset(db, st);
	if (rc < 0)
		return rc;
	if (rc == 1)
		return gd__err(GD_ETOOBIG, "more than 256 tenants: rotation of such a vault is not supported");
	for (int i = 0; rc >= 0 && i < n; i++) {
		size_t len;
		rc = gd__db_query(db, &st, "SELECT wrapped_key FROM tenants WHERE id = ?", "i", ids[i]);
		if (rc < 0)
			break;
		rc = gd__db_step(db, st);
		const void *w = rc == 1 ? gd__col_blob(db, st, 0, &len) : NULL;
		rc = w && len == sizeof wrapped
		             ? gd__master_open(v, v->master_version, kek, w, len, ad, gd__tenant_ad(ad, names[i]))
		             : GD_ECORRUPT;
		gd__db_reset(db, st);
		if (rc < 0) {
			rc = gd__err(GD_ECORRUPT, "the key of tenant \"%s\" failed authentication", names[i]);
			break;
		}
		if ((rc = gd__master_seal(v, next, wrapped, kek, sizeof kek, ad, gd__tenant_ad(ad, names[i]))) < 0)
			break;
		rc = gd__tenant_set_key(v, ids[i], wrapped, sizeof wrapped);
	}
	gd__wipe(kek, sizeof kek);
	/* The previous keys of tenant-key rotations under way are sealed by the master too. */
	if (rc == 0)
		rc = gd__tenant_prev_rewrap(v, next);
	if (rc < 0)
		return rc;
	unsigned char zeros[32] = {0}, check[32 + GD__SEAL_OVERHEAD];
	if ((rc = gd__master_seal(v, next, check, zeros, sizeof zeros, gd__key_check_ad, sizeof gd__key_check_ad)) < 0)
		return rc;
	return gd__meta_put(v, "key_check", check, sizeof check);
}

int gd__key_rewrap_to_newest(gd_vault *v)
{
	const struct gd__keyring_entry *m = gd__keyring_find(v->ring, gd__master_kind(v), 0);
	if (!m || m->version == v->master_version)
		return 0;
	int rc = rewrap(v, m->version);
	if (rc == 0) {
		memcpy(v->master, m->key, GD__KEY_SIZE);
		v->master_version = m->version;
	}
	return rc;
}

static uint32_t highest(const struct gd__keyring *kr, int kind)
{
	const struct gd__keyring_entry *e = gd__keyring_find(kr, kind, 0);
	return e ? e->version : 1;
}

static int rotate_master(gd_vault *v, const char *kpath, uint32_t *version)
{
	unsigned char next[GD__KEY_SIZE] = {0};
	int kind = gd__master_kind(v);
	const struct gd__keyring_entry *newest = gd__keyring_find(v->ring, kind, 0);
	int rc;
	if (newest && newest->version != v->master_version) {
		/* A rotation was interrupted after writing its key: finish it with that key. */
		*version = newest->version;
	} else {
		*version = highest(v->ring, kind) + 1;
		/* On a token the key is made there and never leaves it; the key file records its version. */
		if (v->p11 && (rc = gd__p11_generate(v->p11, *version)) < 0)
			return rc;
		if (!v->p11)
			gd__random(next, sizeof next);
		rc = gd__keyring_add(v->ring, kind, *version, next);
		gd__wipe(next, sizeof next);
		if (rc < 0 || (rc = gd__keyring_write(v->ring, kpath)) < 0)
			return rc;
#ifndef NDEBUG
		/* Test builds: die here as kill -9 would, between the key file and the re-wrap. */
		const char *kill_at = getenv("GARDIEN_TEST_KILL_AT");
		if (kill_at && strcmp(kill_at, "master-key-written") == 0)
			raise(SIGKILL);
#endif
	}
	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	rc = gd__key_rewrap_to_newest(v);
	if (rc == 0) {
		char why[64];
		snprintf(why, sizeof why, "master key version %u", (unsigned)*version);
		rc = gd__audit_append(v, 0, "system:keys", &(struct gd__audit_event){.action = "key.rotate", .reason = why});
	}
	return gd__op_end(v, rc);
}

/* Adds `pk` to the vault's retired audit public keys (unless current or known), in the caller's operation. */
int gd__key_retire_pk(gd_vault *v, const unsigned char pk[GD__SIGN_PK_SIZE])
{
	unsigned char keys[32 * 64];
	size_t n = 0;
	gd__stmt *st;
	if (memcmp(pk, v->audit_pk, GD__SIGN_PK_SIZE) == 0)
		return 0;
	int rc = gd__db_query(v->store, &st, "SELECT value FROM meta WHERE key = 'audit_retired_keys'", NULL);
	if (rc < 0)
		return rc;
	if ((rc = gd__db_step(v->store, st)) == 1) {
		rc = 0;
		const void *p = gd__col_blob(v->store, st, 0, &n);
		if (n > sizeof keys - 32 || n % 32)
			rc = gd__err(GD_ECORRUPT, "the retired audit keys of the vault are malformed or too many");
		else if (n)
			memcpy(keys, p, n);
	}
	gd__db_reset(v->store, st);
	for (size_t i = 0; rc == 0 && i < n; i += 32)
		if (memcmp(keys + i, pk, 32) == 0)
			return 0;
	memcpy(keys + n, pk, 32);
	n += 32;
	if (rc == 0)
		rc = gd__meta_put(v, "audit_retired_keys", keys, n);
	return rc;
}

static int rotate_simple(gd_vault *v, int kind, const char *kpath, uint32_t *version)
{
	unsigned char next[GD__KEY_SIZE], old_pk[GD__SIGN_PK_SIZE], new_pk[GD__SIGN_PK_SIZE];
	unsigned char *new_sk = NULL;
	bool committed = false;
	*version = highest(v->ring, kind) + 1;
	gd__random(next, sizeof next);
	int rc = gd__keyring_add(v->ring, kind, *version, next);
	if (rc == 0 && kind == GD__K_AUDIT) {
		if (!(new_sk = gd__secure_alloc(GD__SIGN_SK_SIZE)))
			rc = gd__err(GD_ENOMEM, "out of secure memory");
		else
			gd__sign_seed_keypair(new_pk, new_sk, next);
	}
	gd__wipe(next, sizeof next);
	if (rc < 0)
		goto done;
	if ((rc = gd__op_begin(v)) < 0)
		goto done;
	if (kind == GD__K_AUDIT) {
		/* The old public key joins the retired ones: old checkpoints still verify. */
		memcpy(old_pk, v->audit_pk, sizeof old_pk);
		memcpy(v->audit_pk, new_pk, sizeof new_pk);
		rc = gd__key_retire_pk(v, old_pk);
		if (rc == 0)
			rc = gd__meta_put(v, "audit_public_key", new_pk, sizeof new_pk);
		memcpy(v->audit_pk, old_pk, sizeof old_pk);
	}
	if (rc == 0) {
		char why[64];
		snprintf(why, sizeof why, "%s key version %u", kind_name(kind), (unsigned)*version);
		rc = gd__audit_append(v, 0, "system:keys", &(struct gd__audit_event){.action = "key.rotate", .reason = why});
	}
	rc = gd__op_end(v, rc);
	committed = rc == 0;
	if (rc == 0 && kind == GD__K_AUDIT) {
		/* Signed from now on by the new key (this transaction's checkpoint used the old). */
		memcpy(v->audit_pk, new_pk, sizeof new_pk);
		memcpy(v->audit_sk, new_sk, GD__SIGN_SK_SIZE);
		/* Older audit secrets have no use: only the public half of each is kept. */
		for (uint32_t old = 1; old < *version; old++)
			gd__keyring_remove(v->ring, GD__K_AUDIT, old);
	}
	/* The key file after the commit: should writing it fail, the vault still
	 * accepts what the old key signs (retired, kept) and the rotation is run again. */
	if (rc == 0)
		rc = gd__keyring_write(v->ring, kpath);
done:
	if (!committed)
		gd__keyring_remove(v->ring, kind, *version);
	gd__secure_free(new_sk);
	return rc;
}

/* Backup files (of `dir`, and the ones the list of made files names): which backup key ids and master versions they need. */
#define NEEDS_MAX 1024
struct needs {
	unsigned char ids[NEEDS_MAX][GD__BLIND_SIZE];
	uint32_t masters[NEEDS_MAX];
	int n;
	bool overflow;
};

/* Adds what the backup file at `path` needs; not a backup (or gone): nothing. */
static void read_header(const char *path, struct needs *nd)
{
	unsigned char h[64];
	FILE *f = fopen(path, "rb");
	if (!f)
		return;
	size_t got = fread(h, 1, sizeof h, f);
	fclose(f);
	if (got != sizeof h || memcmp(h, "GDBAK", 5) != 0)
		return;
	if (nd->n == NEEDS_MAX) {
		nd->overflow = true;
		return;
	}
	memcpy(nd->ids[nd->n], h + 48, GD__BLIND_SIZE);
	nd->masters[nd->n] = (uint32_t)h[20] | (uint32_t)h[21] << 8 | (uint32_t)h[22] << 16 | (uint32_t)h[23] << 24;
	if (!nd->masters[nd->n])
		nd->masters[nd->n] = 1;
	nd->n++;
}

/*
 * "<key file>.made": the absolute path of every backup and journal export this
 * key file's vault wrote (one a line), wherever it was written (another
 * --dir, an export kept off-site), so that prune keeps the keys they need
 * and not only those of the backup folder it is given. Appended under an
 * flock of the list; prune drops the lines of files gone.
 */
static int made_path(gd_vault *v, char *out, size_t cap)
{
	char kpath[4200];
	int rc = gd__key_file(v, kpath, sizeof kpath);
	if (rc == 0)
		snprintf(out, cap, "%s.made", kpath);
	return rc;
}

int gd__key_note_made(gd_vault *v, const char *path)
{
	char list[4300], abs[PATH_MAX + 2];
	/* Keys from a descriptor or a command: nothing rotates them here, nothing to keep. */
	if (made_path(v, list, sizeof list) < 0 || !realpath(path, abs) || strchr(abs, '\n'))
		return 0;
	size_t n = strlen(abs);
	abs[n++] = '\n';
	for (int tries = 0; tries < 3; tries++) {
		int fd = open(list, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		/* A key file where nothing may be written (a service's read-only
		 * credential): nothing rotates or prunes keys there either. */
		if (fd < 0 && (errno == EROFS || errno == EACCES || errno == EPERM))
			return 0;
		if (fd < 0)
			return gd__err(GD_EIO, "cannot record the backup in %s: %s", list, strerror(errno));
		struct stat a, b;
		flock(fd, LOCK_EX);
		/* Replaced by a prune meanwhile: write to the new list, not the old one. */
		bool same = fstat(fd, &a) == 0 && stat(list, &b) == 0 && a.st_ino == b.st_ino;
		int rc = same && write(fd, abs, n) != (ssize_t)n ? gd__err(GD_EIO, "cannot record the backup in %s", list) : 0;
		close(fd);
		if (same)
			return rc;
	}
	return gd__err(GD_EIO, "cannot record the backup in %s: it keeps being replaced", list);
}

/* Reads the list of made files into `nd` (the ones still there), and rewrites it without the ones gone. */
static int scan_made(gd_vault *v, struct needs *nd)
{
	char list[4300], tmp[4400], line[PATH_MAX + 2];
	if (made_path(v, list, sizeof list) < 0)
		return 0;
	int fd = open(list, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : gd__err(GD_EIO, "cannot read %s: %s", list, strerror(errno));
	flock(fd, LOCK_EX);
	FILE *in = fdopen(fd, "r");
	if (!in) {
		close(fd);
		return GD_ENOMEM;
	}
	snprintf(tmp, sizeof tmp, "%s.new", list);
	FILE *out = fopen(tmp, "w");
	bool dropped = false;
	int rc = out ? 0 : gd__err(GD_EIO, "cannot write %s: %s", tmp, strerror(errno));
	while (rc == 0 && fgets(line, sizeof line, in)) {
		size_t n = strlen(line);
		bool whole = n && line[n - 1] == '\n';
		if (whole)
			line[--n] = 0;
		/* A line cut short or not a path: dropped, as a file gone. */
		if (!whole || line[0] != '/' || access(line, F_OK) != 0) {
			dropped = true;
			if (!whole)
				while (fgets(line, sizeof line, in) && !strchr(line, '\n'))
					;
			continue;
		}
		read_header(line, nd);
		fprintf(out, "%s\n", line);
	}
	if (out && (fflush(out) != 0 || fsync(fileno(out)) != 0))
		rc = gd__err(GD_EIO, "cannot write %s", tmp);
	if (out)
		fclose(out);
	if (rc == 0 && dropped && rename(tmp, list) != 0)
		rc = gd__err(GD_EIO, "cannot replace %s: %s", list, strerror(errno));
	if (!dropped || rc < 0)
		unlink(tmp);
	fclose(in); /* the lock goes with it, after the rename */
	return rc;
}

/*
 * A backup folder named after a PostgreSQL URL (a caller that appended
 * ".backups" to a postgresql:// vault's name) is no folder: read as an empty one, it would let
 * prune destroy a master the real backups need. Refused, the URL not echoed.
 */
static int check_backup_dir(const char *dir)
{
	if (dir && gd__pg_is_url(dir))
		return gd__err(GD_EINVAL, "a backup folder cannot be a PostgreSQL URL (backup folder): name the"
		                          " folder of the vault's backups, so that keys they need are kept");
	return 0;
}

static int scan_needs(const char *dir, struct needs *nd)
{
	if (check_backup_dir(dir) < 0)
		return GD_EINVAL;
	DIR *d = dir ? opendir(dir) : NULL;
	if (!d)
		return dir && errno != ENOENT ? gd__err(GD_EIO, "cannot read backup directory %s: %s", dir, strerror(errno))
		                              : 0;
	struct dirent *e;
	while ((e = readdir(d)) && !nd->overflow) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".gdbk") != 0)
			continue;
		char path[4400];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		read_header(path, nd);
	}
	closedir(d);
	return 0;
}

static int prune_locked(gd_vault *v, const char *kpath, const char *backup_dir, unsigned *destroyed)
{
	struct needs *nd = gd__calloc(1, sizeof *nd);
	int rc = 0;
	unsigned gone = 0;
	if (!nd)
		return GD_ENOMEM;
	if (rc == 0)
		rc = scan_needs(backup_dir, nd);
	if (rc == 0)
		rc = scan_made(v, nd);
	if (rc == 0 && nd->overflow)
		rc = gd__err(GD_ETOOBIG, "more than %d backups and journal exports (in %s and elsewhere): prune them first",
		             NEEDS_MAX, backup_dir);
	const struct gd__keyring_entry *cur_b = gd__keyring_find(v->ring, GD__K_BACKUP, 0);
	const struct gd__keyring_entry *cur_m = gd__keyring_find(v->ring, gd__master_kind(v), 0);
	uint32_t cur_bv = cur_b ? cur_b->version : 0, cur_mv = cur_m ? cur_m->version : 0;
	for (int i = 0; rc == 0 && i < v->ring->n;) {
		struct gd__keyring_entry *e = &v->ring->e[i];
		bool needed = true;
		if (e->kind == GD__K_BACKUP && e->version != cur_bv) {
			unsigned char id[GD__BLIND_SIZE];
			static const char label[] = "gardien backup key id";
			gd__blind(id, e->key, label, sizeof label - 1);
			needed = false;
			for (int k = 0; k < nd->n && !needed; k++)
				needed = gd__memcmp(id, nd->ids[k], sizeof id) == 0;
		} else if (e->kind == gd__master_kind(v) && e->version != cur_mv && e->version != v->master_version) {
			needed = false;
			for (int k = 0; k < nd->n && !needed; k++)
				needed = nd->masters[k] == e->version;
		}
		if (needed) {
			i++;
			continue;
		}
		if (e->kind == GD__K_TOKEN && (rc = gd__p11_destroy(v->p11, e->version)) < 0)
			break;
		gd__keyring_remove(v->ring, e->kind, e->version);
		gone++;
	}
	if (rc == 0 && gone) {
		char why[64];
		snprintf(why, sizeof why, "%u retired key version(s) destroyed", gone);
		if ((rc = gd__keyring_write(v->ring, kpath)) == 0 && (rc = gd__op_begin(v)) == 0)
			rc = gd__op_end(v, gd__audit_append(v, 0, "system:keys",
			                                    &(struct gd__audit_event){.action = "key.prune", .reason = why}));
	}
	gd__free(nd);
	if (destroyed)
		*destroyed = gone;
	return rc;
}

int gd_key_prune(gd_vault *v, const char *backup_dir, unsigned *destroyed)
{
	char kpath[4200];
	int fd = -1, rc = gd__key_file(v, kpath, sizeof kpath);
	if (rc == 0 && (rc = gd__keys_lock(kpath, &fd)) == 0) {
		/* The key file as it is now: another process may have rotated since this handle read it. */
		if ((rc = gd__vault_reload_keys(v)) == 0)
			rc = prune_locked(v, kpath, backup_dir, destroyed);
		gd__keys_unlock(fd);
	}
	return rc;
}

int gd_key_rotate(gd_vault *v, const char *kind, const char *backup_dir, unsigned *version)
{
	return gd_key_rotate_with(v, kind, backup_dir, NULL, version);
}

int gd_key_rotate_with(gd_vault *v, const char *kind, const char *backup_dir, const gd_key_rotate_options *opts,
                       unsigned *version)
{
	char kpath[4200];
	uint32_t ver = 0;
	unsigned pruned;
	int fd = -1, rc;
	gd_key_rotate_options o = GD_KEY_ROTATE_OPTIONS_INIT;
	if (opts && (opts->version < 1 || opts->version > GD_KEY_ROTATE_OPTIONS_VERSION))
		return gd__err(GD_EINVAL, "gd_key_rotate_options version %u is not one this library knows",
		               opts->version);
	if (opts)
		o = *opts;
	bool tenant = kind && strcmp(kind, "tenant") == 0;
	if (!kind || (strcmp(kind, "master") && strcmp(kind, "backup") && strcmp(kind, "audit") && !tenant))
		return gd__err(GD_EINVAL, "key kind \"%.20s\" is not master, tenant, backup or audit", kind ? kind : "");
	if (o.tenant && !tenant)
		return gd__err(GD_EINVAL, "a tenant is named only to rotate its tenant key, not the %s key", kind);
	if ((rc = gd__key_file(v, kpath, sizeof kpath)) < 0 || (rc = check_backup_dir(backup_dir)) < 0)
		return rc;
	if (v->tx.batch || v->tx.depth)
		return gd__err(GD_ESTATE, "a key rotation runs in no batch: commit or roll back first");
	if ((rc = gd__keys_lock(kpath, &fd)) < 0)
		return rc;
	/* The key file as it is now (another process may have rotated), its derived
	 * secrets made keys of their own so that they outlive the master. */
	if ((rc = gd__vault_reload_keys(v)) < 0)
		goto done;
	gd__keyring_materialise(v->ring);
	/* Progress: a tenant rotation counts its rows; the others are one step each. */
	if (!tenant && o.progress && (rc = o.progress(o.ud, 0, 1)) != 0)
		goto done;
	if (strcmp(kind, "master") == 0)
		rc = rotate_master(v, kpath, &ver);
	else if (strcmp(kind, "backup") == 0)
		rc = rotate_simple(v, GD__K_BACKUP, kpath, &ver);
	else if (strcmp(kind, "audit") == 0)
		rc = rotate_simple(v, GD__K_AUDIT, kpath, &ver);
	else
		rc = gd__tenant_key_rotate(v, o.tenant, o.progress, o.ud, &ver);
	if (rc == 0 && !tenant && o.progress)
		rc = o.progress(o.ud, 1, 1);
	if (rc == 0)
		rc = prune_locked(v, kpath, backup_dir, &pruned);
	if (rc == 0 && version)
		*version = ver;
done:
	gd__keys_unlock(fd);
	return rc;
}
