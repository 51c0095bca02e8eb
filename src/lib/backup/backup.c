/*
 * backup.c — encrypted backups with rotation, and the restore that re-applies
 * every erasure of the erasure journal (journal.c) made since the snapshot.
 *
 * Backup file (docs/backups.md):
 *   offset 0   8  magic "GDBAK\0\2\0" (version 1, "GDBAK\0\1\0", had no journal)
 *          8   8  created_at (little-endian gd_time, the vault's clock)
 *          16  1  kinds: 1 daily, 2 weekly (first of its ISO week), 4 monthly (first of its month)
 *          17  3  zero
 *          20  4  version of the master key the snapshot's tenant keys are
 *                 wrapped under (0: 1), so that it is kept while this file exists
 *          24 24  secretstream header (XChaCha20-Poly1305)
 *          48 16  key id: keyed BLAKE2b of "gardien backup key id" under the backup key
 *          64  …  chunks: 4-byte little-endian length, then that many bytes of
 *                 ciphertext of up to 64 KiB of the plaintext; bytes 0..47
 *                 are the associated data of every chunk; the last has the final tag
 *   end - 32  32  BLAKE2b-256 of every byte before it (the checksum)
 * The plaintext (version 2) is the SQLite snapshot, then the erasure journal as
 * it was when the snapshot was taken, then the journal's length (8 bytes, little
 * endian): the journal travels with every backup. Version 3 adds after it the
 * erasure-epoch secrets of the key file when the snapshot was taken (n entries
 * of version (u32 LE) | key (32), sealed again under the backup key with
 * associated data BK_SECRETS_AD, so that they are never in clear on disk, even
 * in a restore's decrypted snapshot), then that section's length (8 bytes LE;
 * 0: none): a backup restores with readable subjects after epoch changes, and
 * its erasure horizon is its own rotation (docs/backups.md). Secrets on a
 * PKCS#11 token never leave it and are not carried. A journal export is the same
 * file with an empty snapshot and kinds GD__BACKUP_JOURNAL_ONLY.
 * The backup key is the key file's (keyring.c: derived from the master key,
 * "gdbackup" 1, until the first rotation): a backup opens only with the key
 * file of the vault it was made from; the key id tells which version.
 *
 * The journal (journal.h) is a file beside the vault, so a restored snapshot
 * cannot roll it back; entries are synced before the erasure commits.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/backup/backup.h"
#include "lib/retention/retention.h"

#define BK_MAGIC "GDBAK\0\3\0"
#define BK_SECRET 36 /* version (4) | key (32) */
#define BK_SECRETS_AD "gardien backup epoch secrets v1"
#define BK_JOURNAL_ONLY 0x80
#define BK_HEADER 64
#define BK_AD 48
#define BK_CHUNK 65536
#define BK_TRAILER GD__HASH_SIZE
#define PATH_CAP 4096

static void put64(unsigned char *p, uint64_t x)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(x >> (8 * i));
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t x = 0;
	for (int i = 0; i < 8; i++)
		x |= (uint64_t)p[i] << (8 * i);
	return x;
}

/* ---- backup files ---- */

/* The id a backup header carries for `key`: which of the ring's backup keys opens it. */
static void backup_key_id(const unsigned char key[GD__KEY_SIZE], unsigned char id[GD__BLIND_SIZE])
{
	static const char label[] = "gardien backup key id";
	gd__blind(id, key, label, sizeof label - 1);
}

/* The current backup key and its id. */
static void backup_key(const struct gd__keyring *kr, unsigned char key[GD__KEY_SIZE],
                       unsigned char id[GD__BLIND_SIZE])
{
	gd__keyring_current(kr, GD__K_BACKUP, key);
	backup_key_id(key, id);
}

/* The backup key of the ring whose id is `id` (any version); GD_EDENIED when none. */
static int backup_key_for(const struct gd__keyring *kr, const unsigned char id[GD__BLIND_SIZE],
                          unsigned char key[GD__KEY_SIZE])
{
	unsigned char mine[GD__BLIND_SIZE];
	backup_key(kr, key, mine);
	if (gd__memcmp(mine, id, sizeof mine) == 0)
		return 0;
	for (int i = 0; i < kr->n; i++) {
		if (kr->e[i].kind != GD__K_BACKUP)
			continue;
		backup_key_id(kr->e[i].key, mine);
		if (gd__memcmp(mine, id, sizeof mine) == 0) {
			memcpy(key, kr->e[i].key, GD__KEY_SIZE);
			return 0;
		}
	}
	gd__wipe(key, GD__KEY_SIZE);
	return GD_EDENIED;
}

static int64_t day_of(gd_time t)
{
	return t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
}

/* The Monday starting the ISO week of `t` (1970-01-01 was a Thursday). */
static int64_t week_of(gd_time t)
{
	int64_t d = day_of(t);
	return d - ((d % 7 + 7 + 3) % 7);
}

static gd_time kept_until(gd_time created, unsigned kinds, const gd_backup_policy *p)
{
	gd_time t = created + (gd_time)p->daily_days * 86400;
	if (kinds & GD_BACKUP_WEEKLY && created + (gd_time)p->weekly_weeks * 7 * 86400 > t)
		t = created + (gd_time)p->weekly_weeks * 7 * 86400;
	if (kinds & GD_BACKUP_MONTHLY && gd_time_add_months(created, p->monthly_months) > t)
		t = gd_time_add_months(created, p->monthly_months);
	return t;
}

static int check_policy(const gd_backup_policy *p)
{
	if (!p || p->version != GD_BACKUP_POLICY_VERSION)
		return gd__err(GD_EINVAL, "gd_backup_policy is missing or of an unsupported version");
	if (p->daily_days < 1 || p->daily_days > 3660 || p->weekly_weeks < 0 || p->weekly_weeks > 520 ||
	    p->monthly_months < 0 || p->monthly_months > 240)
		return gd__err(GD_EINVAL, "rotation must keep dailies 1..3660 days, weeklies 0..520 weeks, monthlies 0..240 months");
	return 0;
}

static bool backup_name(const char *name)
{
	size_t n = strlen(name);
	return n > 12 && n < 64 && strncmp(name, "backup-", 7) == 0 && strcmp(name + n - 5, ".gdbk") == 0;
}

/* Version 1 (no journal) or 2. */
static bool magic_ok(const unsigned char *h)
{
	return memcmp(h, BK_MAGIC, 6) == 0 && h[6] >= 1 && h[6] <= 3 && h[7] == 0;
}

/* Reads the clear header fields and the checksum of a backup file (no verification). */
static int read_info(const char *dir, const char *name, gd_backup_info *b)
{
	char path[PATH_CAP];
	unsigned char h[BK_HEADER], t[BK_TRAILER];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return gd__err(GD_EIO, "cannot open backup %s: %s", path, strerror(errno));
	int rc = 0;
	if (fstat(fileno(f), &st) != 0 || st.st_size < BK_HEADER + BK_TRAILER ||
	    fread(h, 1, sizeof h, f) != sizeof h || !magic_ok(h) ||
	    fseek(f, (long)(st.st_size - BK_TRAILER), SEEK_SET) != 0 || fread(t, 1, sizeof t, f) != sizeof t)
		rc = gd__err(GD_ECORRUPT, "%s is not a gardien backup", path);
	fclose(f);
	if (rc < 0)
		return rc;
	memset(b, 0, sizeof *b);
	snprintf(b->name, sizeof b->name, "%s", name);
	b->created_at = (gd_time)get64(h + 8);
	b->kinds = h[16];
	b->size = (uint64_t)st.st_size;
	gd__hex(b->checksum, t, sizeof t);
	return 0;
}

struct blist {
	gd_backup_info *b;
	size_t n, cap;
};

static int info_cmp(const void *x, const void *y)
{
	const gd_backup_info *a = x, *b = y;
	return a->created_at < b->created_at ? -1 : a->created_at > b->created_at;
}

/* Every backup of `dir`, oldest first (files that are not backups are skipped). */
/*
 * A backup folder named after a PostgreSQL URL (a caller that appended
 * ".backups" to a postgresql:// vault's name) is no folder: refused without echoing it (the URL may
 * hold a password), and never read as an empty folder, which would let a key
 * prune destroy a master the real backups need.
 */
static int check_dir_not_url(const char *dir)
{
	if (gd__pg_is_url(dir))
		return gd__err(GD_EINVAL, "a backup folder cannot be a PostgreSQL URL (backup folder): name a"
		                          " folder on this host (docs/backups.md)");
	return 0;
}

static int scan(const char *dir, const gd_backup_policy *p, struct blist *l)
{
	if (check_dir_not_url(dir) < 0)
		return GD_EINVAL;
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : gd__err(GD_EIO, "cannot read backup directory %s: %s", dir, strerror(errno));
	struct dirent *e;
	int rc = 0;
	while (rc == 0 && (e = readdir(d))) {
		if (!backup_name(e->d_name))
			continue;
		if (l->n == l->cap) {
			size_t cap = l->cap ? 2 * l->cap : 32;
			gd_backup_info *nb = gd__calloc(cap, sizeof *nb);
			if (!nb) {
				rc = GD_ENOMEM;
				break;
			}
			if (l->n)
				memcpy(nb, l->b, l->n * sizeof *nb);
			gd__free(l->b);
			l->b = nb, l->cap = cap;
		}
		if (read_info(dir, e->d_name, &l->b[l->n]) == 0 && !(l->b[l->n].kinds & BK_JOURNAL_ONLY)) {
			if (p)
				l->b[l->n].kept_until = kept_until(l->b[l->n].created_at, l->b[l->n].kinds, p);
			l->n++;
		}
	}
	closedir(d);
	if (rc == 0 && l->n)
		qsort(l->b, l->n, sizeof *l->b, info_cmp);
	return rc;
}

/*
 * What a long backup operation tells its caller (gd_backup_options.progress):
 * bytes handled out of `total`, counted once per chunk of BK_CHUNK. `total`
 * is known before the first call: a create computes the size of the file it
 * will write from the snapshot's; a restore or a verify reads it from the
 * backup. A non-zero return from the callback stops the work: a negative one
 * is returned as is, another as GD_ESTATE.
 */
struct progress {
	int (*fn)(void *ud, uint64_t done, uint64_t total);
	void *ud;
	uint64_t done, total;
};

static int tick(struct progress *p, uint64_t n)
{
	if (!p || !p->fn)
		return 0;
	p->done += n;
	int rc = p->fn(p->ud, p->done > p->total ? p->total : p->done, p->total);
	return rc ? gd__err(rc < 0 ? rc : GD_ESTATE, "stopped by its progress callback: nothing was kept") : 0;
}

/* The bytes a backup of `plain` plaintext bytes has between its header and trailer. */
static uint64_t body_of(uint64_t plain)
{
	uint64_t chunks = plain == 0 ? 1 : (plain + BK_CHUNK - 1) / BK_CHUNK;
	return plain + chunks * (4 + GD__STREAM_ABYTES);
}

static int write_all(int fd, const void *p, size_t n, gd__hash_state *h)
{
	const unsigned char *c = p;
	if (h)
		gd__hash_update(h, p, n);
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return gd__err(GD_EIO, "cannot write backup: %s", strerror(errno));
		c += w, n -= (size_t)w;
	}
	return 0;
}

/*
 * Appends to the plaintext file `plain` the whole entries of the journal file
 * `journal` (a missing one has none) and their length: how the journal travels
 * with a backup. Entries appended meanwhile are left for the next backup.
 */
static int append_journal(const char *plain, const char *journal)
{
	unsigned char *buf = NULL, len[8];
	struct stat st;
	int out = -1, rc = 0;
	uint64_t jlen = 0;
	FILE *in = fopen(journal, "rb");
	if (!in && errno != ENOENT)
		return gd__err(GD_EIO, "cannot read the erasure journal %s: %s", journal, strerror(errno));
	if (in && fstat(fileno(in), &st) == 0)
		jlen = (uint64_t)st.st_size - (uint64_t)st.st_size % GD__JOURNAL_ENTRY_SIZE;
	if (!(buf = gd__malloc(BK_CHUNK))) {
		rc = GD_ENOMEM;
		goto done;
	}
	if ((out = open(plain, O_WRONLY | O_APPEND | O_CLOEXEC)) < 0) {
		rc = gd__err(GD_EIO, "cannot write %s: %s", plain, strerror(errno));
		goto done;
	}
	for (uint64_t left = jlen; rc == 0 && left;) {
		size_t n = left > BK_CHUNK ? BK_CHUNK : (size_t)left;
		if (fread(buf, 1, n, in) != n)
			rc = gd__err(GD_EIO, "cannot read the erasure journal %s", journal);
		else
			rc = write_all(out, buf, n, NULL);
		left -= n;
	}
	put64(len, jlen);
	if (rc == 0)
		rc = write_all(out, len, sizeof len, NULL);
done:
	if (out >= 0)
		close(out);
	if (in)
		fclose(in);
	gd__free(buf);
	return rc;
}

/*
 * Appends the epoch secrets of `a` and `b` (the key file read before and after
 * the snapshot: an epoch change meanwhile may have sealed rows under either),
 * sealed under `a`'s current backup key (the one encrypt_file uses), then
 * their length. NULL rings: an empty section.
 */
static int append_secrets(const char *plain, const struct gd__keyring *a, const struct gd__keyring *b)
{
	unsigned char key[GD__KEY_SIZE], len[8];
	unsigned char *pt = gd__secure_alloc(2 * GD__KEYRING_MAX * BK_SECRET);
	unsigned char *sealed = gd__malloc(2 * GD__KEYRING_MAX * BK_SECRET + GD__SEAL_OVERHEAD);
	size_t n = 0, sn = 0;
	int out = -1, rc = pt && sealed ? 0 : GD_ENOMEM;
	for (int r = 0; rc == 0 && r < 2; r++) {
		const struct gd__keyring *kr = r ? b : a;
		for (int i = 0; kr && i < kr->n; i++) {
			const struct gd__keyring_entry *e = &kr->e[i];
			bool dup = false;
			for (size_t k = 0; k < n && !dup; k++) {
				const unsigned char *q = pt + k * BK_SECRET;
				uint32_t version = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
				dup = version == e->version;
			}
			if (e->kind != GD__K_EPOCH || dup)
				continue;
			for (int k = 0; k < 4; k++)
				pt[n * BK_SECRET + k] = (unsigned char)(e->version >> (8 * k));
			memcpy(pt + n * BK_SECRET + 4, e->key, GD__KEY_SIZE);
			n++;
		}
	}
	if (rc == 0 && n) {
		gd__keyring_current(a, GD__K_BACKUP, key);
		gd__seal(sealed, key, pt, n * BK_SECRET, BK_SECRETS_AD, sizeof BK_SECRETS_AD - 1);
		gd__wipe(key, sizeof key);
		sn = n * BK_SECRET + GD__SEAL_OVERHEAD;
	}
	if (rc == 0 && (out = open(plain, O_WRONLY | O_APPEND | O_CLOEXEC)) < 0)
		rc = gd__err(GD_EIO, "cannot write %s: %s", plain, strerror(errno));
	put64(len, sn);
	if (rc == 0 && sn)
		rc = write_all(out, sealed, sn, NULL);
	if (rc == 0)
		rc = write_all(out, len, sizeof len, NULL);
	if (out >= 0)
		close(out);
	gd__secure_free(pt);
	gd__free(sealed);
	return rc;
}

/*
 * Cuts the epoch-secrets section (version 3) off the end of the decrypted
 * plaintext in `fd`, opening it with the backup key `key` into `out` (may be
 * NULL) as key-file entries.
 */
static int split_secrets(int fd, const unsigned char key[GD__KEY_SIZE], struct gd__keyring *out, const char *file)
{
	unsigned char len[8];
	struct stat st;
	if (fstat(fd, &st) != 0 || st.st_size < 8 || pread(fd, len, 8, st.st_size - 8) != 8)
		return gd__err(GD_ECORRUPT, "backup %s has no epoch-secrets length", file);
	uint64_t sn = get64(len), end = (uint64_t)st.st_size - 8;
	if (sn > end || (sn && (sn < GD__SEAL_OVERHEAD + BK_SECRET || (sn - GD__SEAL_OVERHEAD) % BK_SECRET ||
	                        sn > 2 * GD__KEYRING_MAX * BK_SECRET + GD__SEAL_OVERHEAD)))
		return gd__err(GD_ECORRUPT, "backup %s has an epoch-secrets section of %llu bytes, which does not fit", file,
		               (unsigned long long)sn);
	int rc = 0;
	if (sn && out) {
		unsigned char *sealed = gd__malloc(sn), *pt = gd__secure_alloc(sn);
		if (!sealed || !pt)
			rc = GD_ENOMEM;
		else if (pread(fd, sealed, sn, (off_t)(end - sn)) != (ssize_t)sn)
			rc = gd__err(GD_EIO, "cannot read the decrypted backup: %s", strerror(errno));
		else if (gd__open(pt, key, sealed, sn, BK_SECRETS_AD, sizeof BK_SECRETS_AD - 1) < 0)
			rc = gd__err(GD_ECORRUPT, "backup %s: its epoch secrets failed authentication", file);
		for (size_t i = 0; rc == 0 && i < (sn - GD__SEAL_OVERHEAD) / BK_SECRET; i++) {
			const unsigned char *e = pt + i * BK_SECRET;
			uint32_t version = (uint32_t)e[0] | (uint32_t)e[1] << 8 | (uint32_t)e[2] << 16 | (uint32_t)e[3] << 24;
			rc = gd__keyring_add(out, GD__K_EPOCH, version, e + 4);
		}
		gd__free(sealed);
		gd__secure_free(pt);
	}
	if (rc == 0 && ftruncate(fd, (off_t)(end - sn)) != 0)
		rc = gd__err(GD_EIO, "cannot cut the epoch secrets off the decrypted backup: %s", strerror(errno));
	return rc;
}

/* Encrypts the snapshot `plain` into `dest` (created 0600). */
static int encrypt_file(const struct gd__keyring *kr, uint32_t master_version, const char *plain,
                        const char *dest, gd_time created, unsigned kinds, struct progress *pr)
{
	unsigned char key[GD__KEY_SIZE], hdr[BK_HEADER] = {0}, sum[BK_TRAILER];
	unsigned char *in = NULL, *out = NULL, *next = NULL;
	gd__stream_state ss;
	gd__hash_state h;
	int fd = -1, rc = 0;
	FILE *f = fopen(plain, "rb");
	if (!f)
		return gd__err(GD_EIO, "cannot read the snapshot %s: %s", plain, strerror(errno));
	in = gd__malloc(BK_CHUNK);
	next = gd__malloc(BK_CHUNK);
	out = gd__malloc(BK_CHUNK + GD__STREAM_ABYTES);
	if (!in || !next || !out) {
		rc = GD_ENOMEM;
		goto done;
	}
	fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = gd__err(errno == EEXIST ? GD_EEXISTS : GD_EIO, "cannot create backup %s: %s", dest, strerror(errno));
		goto done;
	}
	memcpy(hdr, BK_MAGIC, 8);
	put64(hdr + 8, (uint64_t)created);
	hdr[16] = (unsigned char)kinds;
	/* The master its snapshot's tenant keys are wrapped under: kept while this backup exists. */
	for (int i = 0; i < 4; i++)
		hdr[20 + i] = (unsigned char)(master_version >> (8 * i));
	backup_key(kr, key, hdr + 48);
	gd__stream_push_init(&ss, hdr + 24, key);
	gd__hash_init(&h);
	if ((rc = write_all(fd, hdr, sizeof hdr, &h)) < 0)
		goto done;
	size_t n = fread(in, 1, BK_CHUNK, f);
	for (;;) {
		size_t m = n == BK_CHUNK ? fread(next, 1, BK_CHUNK, f) : 0;
		int final = m == 0;
		unsigned char len[4];
		gd__stream_push(&ss, out, in, n, hdr, BK_AD, final);
		uint32_t cl = (uint32_t)(n + GD__STREAM_ABYTES);
		for (int i = 0; i < 4; i++)
			len[i] = (unsigned char)(cl >> (8 * i));
		if ((rc = write_all(fd, len, 4, &h)) < 0 || (rc = write_all(fd, out, cl, &h)) < 0 ||
		    (rc = tick(pr, n)) != 0)
			goto done;
		if (final)
			break;
		unsigned char *t = in;
		in = next, next = t, n = m;
	}
	if (ferror(f)) {
		rc = gd__err(GD_EIO, "cannot read the snapshot %s", plain);
		goto done;
	}
	gd__hash_final(&h, sum);
	if ((rc = write_all(fd, sum, sizeof sum, NULL)) < 0)
		goto done;
	if (fsync(fd) != 0)
		rc = gd__err(GD_EIO, "cannot sync backup %s: %s", dest, strerror(errno));
done:
	gd__wipe(key, sizeof key);
	gd__wipe(&ss, sizeof ss);
	if (fd >= 0)
		close(fd);
	if (rc != 0 && fd >= 0)
		unlink(dest);
	fclose(f);
	gd__free(in);
	gd__free(next);
	gd__free(out);
	return rc;
}

/*
 * Cuts the journal and its length off the end of the decrypted plaintext in
 * `fd` and, with `journal_out`, writes the journal there (created 0600).
 */
static int split_journal(int fd, const char *journal_out, const char *file)
{
	unsigned char len[8], *buf = NULL;
	struct stat st;
	int out = -1, rc = 0;
	if (fstat(fd, &st) != 0 || st.st_size < 8 || pread(fd, len, 8, st.st_size - 8) != 8)
		return gd__err(GD_ECORRUPT, "backup %s has no journal length", file);
	uint64_t jlen = get64(len), end = (uint64_t)st.st_size - 8;
	if (jlen > end || jlen % GD__JOURNAL_ENTRY_SIZE)
		return gd__err(GD_ECORRUPT, "backup %s has a journal length of %llu, which does not fit", file,
		               (unsigned long long)jlen);
	uint64_t from = end - jlen;
	if (journal_out) {
		if (!(buf = gd__malloc(BK_CHUNK)))
			return GD_ENOMEM;
		out = open(journal_out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (out < 0)
			rc = gd__err(GD_EIO, "cannot create %s: %s", journal_out, strerror(errno));
		for (uint64_t off = from; rc == 0 && off < end;) {
			size_t n = end - off > BK_CHUNK ? BK_CHUNK : (size_t)(end - off);
			if (pread(fd, buf, n, (off_t)off) != (ssize_t)n)
				rc = gd__err(GD_EIO, "cannot read the decrypted backup: %s", strerror(errno));
			else
				rc = write_all(out, buf, n, NULL);
			off += n;
		}
		if (rc == 0 && fsync(out) != 0)
			rc = gd__err(GD_EIO, "cannot sync %s", journal_out);
	}
	if (rc == 0 && ftruncate(fd, (off_t)from) != 0)
		rc = gd__err(GD_EIO, "cannot cut the journal off the decrypted backup: %s", strerror(errno));
	if (out >= 0)
		close(out);
	if (rc < 0 && journal_out)
		unlink(journal_out);
	gd__free(buf);
	return rc;
}

/*
 * Verifies `file` (checksum, key, every chunk) and, with `plain`, writes the
 * decrypted snapshot there (created 0600) and, with `journal_out`, the journal
 * it carries (version 2; none is written for version 1). `*created` receives
 * its time, `*kinds` (may be NULL) its kinds.
 */
static int decrypt_file(const struct gd__keyring *kr, const char *file, const char *plain,
                        const char *journal_out, gd_time *created, unsigned *kinds, struct gd__keyring *secrets,
                        struct progress *pr)
{
	unsigned char key[GD__KEY_SIZE], id[GD__BLIND_SIZE], hdr[BK_HEADER], sum[BK_TRAILER], want[BK_TRAILER];
	unsigned char *buf = NULL, *pt = NULL;
	gd__stream_state ss;
	gd__hash_state h;
	struct stat st;
	int fd = -1, rc = 0;
	FILE *f = fopen(file, "rb");
	if (!f)
		return gd__err(errno == ENOENT ? GD_ENOTFOUND : GD_EIO, "cannot open backup %s: %s", file,
		               strerror(errno));
	buf = gd__malloc(BK_CHUNK + GD__STREAM_ABYTES);
	pt = gd__malloc(BK_CHUNK);
	if (!buf || !pt) {
		rc = GD_ENOMEM;
		goto done;
	}
	if (fstat(fileno(f), &st) != 0 || st.st_size < BK_HEADER + BK_TRAILER ||
	    fread(hdr, 1, sizeof hdr, f) != sizeof hdr || !magic_ok(hdr)) {
		rc = gd__err(GD_ECORRUPT, "%s is not a gardien backup", file);
		goto done;
	}
	/* Pass 1: the checksum, so damage is named as such before any key is tried. */
	uint64_t body = (uint64_t)st.st_size - BK_TRAILER, left = body - BK_HEADER;
	if (pr && !pr->total)
		pr->total = 2 * left; /* read twice: the checksum, then the chunks */
	gd__hash_init(&h);
	gd__hash_update(&h, hdr, sizeof hdr);
	while (left) {
		size_t want_n = left > BK_CHUNK ? BK_CHUNK : (size_t)left;
		if (fread(buf, 1, want_n, f) != want_n) {
			rc = gd__err(GD_ECORRUPT, "backup %s is truncated", file);
			goto done;
		}
		gd__hash_update(&h, buf, want_n);
		left -= want_n;
		if ((rc = tick(pr, want_n)) != 0)
			goto done;
	}
	gd__hash_final(&h, want);
	if (fread(sum, 1, sizeof sum, f) != sizeof sum || gd__memcmp(sum, want, sizeof sum) != 0) {
		rc = gd__err(GD_ECORRUPT, "backup %s is damaged: its checksum does not match", file);
		goto done;
	}
	memcpy(id, hdr + 48, sizeof id);
	if (backup_key_for(kr, id, key) < 0) {
		rc = gd__err(GD_EDENIED, "backup %s was made by another vault: this master key does not open it", file);
		goto done;
	}
	if ((rc = gd__stream_pull_init(&ss, hdr + 24, key)) < 0)
		goto done;
	if (plain) {
		fd = open(plain, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0) {
			rc = gd__err(GD_EIO, "cannot create %s: %s", plain, strerror(errno));
			goto done;
		}
	}
	/* Pass 2: decrypt every chunk; the final tag must end exactly at the trailer. */
	if (fseek(f, BK_HEADER, SEEK_SET) != 0) {
		rc = gd__err(GD_EIO, "cannot read backup %s", file);
		goto done;
	}
	uint64_t pos = BK_HEADER;
	int final = 0;
	while (!final) {
		unsigned char len[4];
		if (pos + 4 > body || fread(len, 1, 4, f) != 4) {
			rc = gd__err(GD_ECORRUPT, "backup %s ends before its last chunk", file);
			goto done;
		}
		uint32_t cl = (uint32_t)len[0] | (uint32_t)len[1] << 8 | (uint32_t)len[2] << 16 | (uint32_t)len[3] << 24;
		pos += 4;
		if (cl < GD__STREAM_ABYTES || cl > BK_CHUNK + GD__STREAM_ABYTES || pos + cl > body ||
		    fread(buf, 1, cl, f) != cl) {
			rc = gd__err(GD_ECORRUPT, "backup %s has a damaged chunk", file);
			goto done;
		}
		pos += cl;
		if ((rc = gd__stream_pull(&ss, pt, buf, cl, hdr, BK_AD, &final)) < 0) {
			rc = gd__err(GD_ECORRUPT, "backup %s failed authentication: it was altered", file);
			goto done;
		}
		if (fd >= 0 && (rc = write_all(fd, pt, cl - GD__STREAM_ABYTES, NULL)) < 0)
			goto done;
		if ((rc = tick(pr, 4 + (uint64_t)cl)) != 0)
			goto done;
	}
	if (pos != body) {
		rc = gd__err(GD_ECORRUPT, "backup %s has data after its last chunk", file);
		goto done;
	}
	if (fd >= 0 && hdr[6] >= 3 && (rc = split_secrets(fd, key, secrets, file)) < 0)
		goto done;
	if (fd >= 0 && hdr[6] >= 2 && (rc = split_journal(fd, journal_out, file)) < 0)
		goto done;
	if (fd >= 0 && fsync(fd) != 0)
		rc = gd__err(GD_EIO, "cannot sync %s", plain);
	*created = (gd_time)get64(hdr + 8);
	if (kinds)
		*kinds = hdr[16];
done:
	gd__wipe(key, sizeof key);
	gd__wipe(&ss, sizeof ss);
	if (fd >= 0)
		close(fd);
	if (rc != 0 && plain)
		unlink(plain);
	fclose(f);
	gd__free(buf);
	gd__free(pt);
	return rc;
}

int gd__backup_decrypt(const unsigned char *master, const char *file, const char *plain,
                       gd_time *created)
{
	struct gd__keyring *kr = gd__keyring_new();
	if (!kr)
		return GD_ENOMEM;
	int rc = gd__keyring_add(kr, GD__K_MASTER, 1, master);
	if (rc == 0)
		rc = decrypt_file(kr, file, plain, NULL, created, NULL, NULL, NULL);
	gd__keyring_free(kr);
	return rc;
}

static int audit_vault(gd_vault *v, const char *action, const char *reason)
{
	int rc = gd__op_begin(v);
	if (rc == 0)
		rc = gd__op_end(v, gd__audit_append(v, 0, "system:backup",
		                                    &(struct gd__audit_event){.action = action, .reason = reason}));
	return rc;
}

/* The key file as it is now (keys given on a descriptor are read once: as they were). */
static int reread_keys(gd_vault *v)
{
	return v->key_fd > 0 ? 0 : gd__vault_reload_keys(v);
}

/* The caller's options, checked; NULL: none. */
static int backup_options(const gd_backup_options *opts, struct progress *pr)
{
	*pr = (struct progress){0};
	if (!opts)
		return 0;
	if (opts->version < 1 || opts->version > GD_BACKUP_OPTIONS_VERSION)
		return gd__err(GD_EINVAL, "unsupported backup options version %u", opts->version);
	pr->fn = opts->progress, pr->ud = opts->ud;
	return 0;
}

int gd_backup_create(gd_vault *v, const char *dir, gd_backup_info *out)
{
	return gd_backup_create_with(v, dir, NULL, out);
}

int gd_backup_create_with(gd_vault *v, const char *dir, const gd_backup_options *opts, gd_backup_info *out)
{
	gd_backup_policy pol = GD_BACKUP_POLICY_INIT;
	struct gd__keyring *before = NULL;
	struct progress pr;
	struct blist l = {0};
	char name[64], stamp[32], path[PATH_CAP], tmp[PATH_CAP];
	gd_time now = gd_vault_now(v), created = 0;
	int rc;

	if (!dir || !*dir || strlen(dir) > PATH_CAP - 80)
		return gd__err(GD_EINVAL, "backup directory is missing or too long");
	if ((rc = backup_options(opts, &pr)) < 0 || (rc = check_dir_not_url(dir)) < 0)
		return rc;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return gd__err(GD_EIO, "cannot create backup directory %s: %s", dir, strerror(errno));
	gd_time_format(stamp, now);
	snprintf(name, sizeof name, "backup-%.4s%.2s%.2sT%.2s%.2s%.2sZ.gdbk", stamp, stamp + 5, stamp + 8,
	         stamp + 11, stamp + 14, stamp + 17);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(tmp, sizeof tmp, "%s/.%s.snapshot", dir, name);
	if (access(path, F_OK) == 0)
		return gd__err(GD_EEXISTS, "backup %s already exists: one backup per second", path);
	if ((rc = scan(dir, NULL, &l)) < 0)
		goto done;
	/* Its kinds are fixed now, against the backups that exist. */
	unsigned kinds = GD_BACKUP_DAILY | GD_BACKUP_WEEKLY | GD_BACKUP_MONTHLY;
	char month[32], other[32];
	gd_date_format(month, now);
	for (size_t i = 0; i < l.n; i++) {
		if (week_of(l.b[i].created_at) == week_of(now))
			kinds &= ~(unsigned)GD_BACKUP_WEEKLY;
		gd_date_format(other, l.b[i].created_at);
		if (memcmp(month, other, 7) == 0)
			kinds &= ~(unsigned)GD_BACKUP_MONTHLY;
	}
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = gd__err(GD_EIO, "cannot create %s: %s", tmp, strerror(errno));
		goto done;
	}
	close(fd);
	/* The key file as it is before the snapshot and after it (below): the epoch
	 * secrets of both travel with the backup. */
	if ((rc = reread_keys(v)) < 0)
		goto done;
	if (!(before = gd__keyring_new())) {
		rc = gd__err(GD_ENOMEM, "out of secure memory");
		goto done;
	}
	memcpy(before, v->ring, sizeof *before);
	if ((rc = v->store->engine->backup(v->store, tmp)) < 0)
		goto done;
	/* The journal after the snapshot: it holds at least what the snapshot's
	 * anchors name, since entries are synced before their commit. */
	char jpath[PATH_CAP];
	gd__journal_path(jpath, sizeof jpath, v->file_base);
	if ((rc = append_journal(tmp, jpath)) < 0 || (rc = reread_keys(v)) < 0 ||
	    (rc = append_secrets(tmp, v->ring, before)) < 0)
		goto done;
	/* Counted from here: the snapshot's bytes encrypted, then the file's
	 * read back twice (checksum, chunks). */
	struct stat st;
	if (stat(tmp, &st) != 0) {
		rc = gd__err(GD_EIO, "cannot read the snapshot %s: %s", tmp, strerror(errno));
		goto done;
	}
	pr.total = (uint64_t)st.st_size + 2 * body_of((uint64_t)st.st_size);
	if ((rc = encrypt_file(v->ring, v->master_version, tmp, path, now, kinds, &pr)) != 0)
		goto done;
	/* Verified by reading it back, and audited, before it counts as a backup. */
	if ((rc = decrypt_file(v->ring, path, NULL, NULL, &created, NULL, NULL, &pr)) != 0 ||
	    (rc = gd__key_note_made(v, path)) < 0 || (rc = audit_vault(v, "backup.create", name)) < 0) {
		unlink(path);
		goto done;
	}
	if (out && (rc = read_info(dir, name, out)) == 0)
		out->kept_until = kept_until(out->created_at, out->kinds, &pol);
done:
	unlink(tmp);
	gd__free(l.b);
	gd__keyring_free(before);
	return rc;
}

int gd_backup_list(gd_vault *v, const char *dir, const gd_backup_policy *p,
                   int (*cb)(void *ud, const gd_backup_info *b), void *ud)
{
	struct blist l = {0};
	int rc = check_policy(p);
	if (rc == 0)
		rc = scan(dir, p, &l);
	for (size_t i = 0; rc == 0 && i < l.n; i++)
		rc = cb(ud, &l.b[i]);
	gd__free(l.b);
	return rc;
}

int gd_backup_prune(gd_vault *v, const char *dir, const gd_backup_policy *p,
                    int (*cb)(void *ud, const gd_backup_info *b), void *ud)
{
	struct blist l = {0};
	char path[PATH_CAP];
	gd_time now = gd_vault_now(v);
	int rc = check_policy(p);
	if (rc == 0)
		rc = scan(dir, p, &l);
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		if (l.b[i].kept_until > now)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, l.b[i].name);
		if (unlink(path) != 0) {
			rc = gd__err(GD_EIO, "cannot remove backup %s: %s", path, strerror(errno));
			break;
		}
		if ((rc = audit_vault(v, "backup.prune", l.b[i].name)) == 0 && cb)
			rc = cb(ud, &l.b[i]);
	}
	gd__free(l.b);
	return rc;
}

int gd_backup_verify(gd_vault *v, const char *file)
{
	return gd_backup_verify_with(v, file, NULL);
}

int gd_backup_verify_with(gd_vault *v, const char *file, const gd_backup_options *opts)
{
	gd_time created;
	struct progress pr;
	int rc = backup_options(opts, &pr);
	return rc < 0 ? rc : decrypt_file(v->ring, file, NULL, NULL, &created, NULL, NULL, &pr);
}

int gd_backup_journal_export(gd_vault *v, const char *dest)
{
	char tmp[PATH_CAP], jpath[PATH_CAP];
	gd_time created;
	int rc, fd;
	if (!dest || !*dest || strlen(dest) > PATH_CAP - 32)
		return gd__err(GD_EINVAL, "journal export file is missing or its path too long");
	if (access(dest, F_OK) == 0)
		return gd__err(GD_EEXISTS, "%s already exists: choose another file", dest);
	snprintf(tmp, sizeof tmp, "%s.plain-tmp", dest);
	gd__journal_path(jpath, sizeof jpath, v->file_base);
	unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		return gd__err(GD_EIO, "cannot create %s: %s", tmp, strerror(errno));
	close(fd);
	if ((rc = append_journal(tmp, jpath)) == 0 && (rc = append_secrets(tmp, NULL, NULL)) == 0 &&
	    (rc = encrypt_file(v->ring, v->master_version, tmp, dest, gd_vault_now(v), BK_JOURNAL_ONLY, NULL)) == 0 &&
	    ((rc = decrypt_file(v->ring, dest, NULL, NULL, &created, NULL, NULL, NULL)) < 0 ||
	     (rc = gd__key_note_made(v, dest)) < 0 || (rc = audit_vault(v, "backup.journal.export", NULL)) < 0))
		unlink(dest);
	unlink(tmp);
	return rc;
}

/* ---- restore ---- */

struct replay {
	gd_vault *v;
	gd_actor *a;
	gd_vault *live; /* the vault being replaced, when it still opens */
	gd_backup_restore_stats *stats;
};

/*
 * True when the live vault still holds what entry `e` erased, deleted or
 * anonymised: its transaction never committed (the journal is written first).
 * Pseudonyms and record ids are never reused, so presence is proof.
 */
static int never_committed(gd_vault *live, const struct gd__journal_entry *e, bool *out)
{
	int64_t n = 0, tid = 0;
	*out = false;
	if (!live)
		return 0;
	/* The tenant's id, bound as a value: its key, and one shard on Citus. A
	 * tenant the live vault does not hold holds none of the entry's rows. */
	int rc = gd__db_int(live->store, &tid, "SELECT id FROM tenants WHERE name = ?", "t", e->tenant);
	if (rc == GD_ENOTFOUND)
		return 0;
	if (rc == 0 && e->kind == GD__J_ERASE)
		rc = gd__db_int(live->store, &n, "SELECT count(*) FROM subjects WHERE tenant_id = ? AND pseudonym = ?", "it",
		                tid, e->subject);
	else if (rc == 0)
		rc = gd__db_int(live->store, &n,
		                "SELECT count(*) FROM records WHERE tenant_id = ? AND id = ? AND collected_at = ? AND stage <> ?",
		                "iiii", tid, e->record_id, (int64_t)e->collected_at,
		                (int64_t)(e->kind == GD__J_DELETE ? -1 : GD__REC_ANONYMISED));
	*out = rc == 0 && n > 0;
	return rc;
}

static int replay_one(void *ud, const struct gd__journal_entry *e)
{
	struct replay *r = ud;
	bool skip;
	int rc = never_committed(r->live, e, &skip);
	if (rc < 0)
		return rc;
	if (skip) {
		r->stats->uncommitted++;
		return 0;
	}
	if (!r->a || strcmp(r->a->tenant, e->tenant) != 0) {
		gd_actor_close(r->a);
		r->a = NULL;
		rc = gd_actor_open(&r->a, r->v, e->tenant, "system:restore");
		if (rc == GD_ENOTFOUND)
			return 0; /* the tenant did not exist yet in the snapshot */
		if (rc < 0)
			return rc;
	}
	gd__store *db = r->v->store;
	if (e->kind == GD__J_ERASE) {
		rc = gd_subject_erase(r->a, e->subject);
		if (rc == 0)
			r->stats->erasures++;
		return rc == GD_ENOTFOUND ? 0 : rc;
	}
	/* A record is the same record only with the same id, subject and collection time. */
	int64_t found = 0;
	rc = gd__db_int(db, &found,
	                "SELECT r.id FROM records r JOIN subjects s ON s.id = r.subject_id AND s.tenant_id = r.tenant_id"
	                " WHERE r.id = ? AND r.collected_at = ? AND s.pseudonym = ? AND r.tenant_id = ?",
	                "iiti", e->record_id, (int64_t)e->collected_at, e->subject, r->a->tenant_id);
	if (rc == GD_ENOTFOUND)
		return 0;
	if (rc < 0)
		return rc;
	if (e->kind == GD__J_DELETE) {
		rc = gd__records_delete(r->v, r->a->tenant_id, found, found, NULL);
		r->v->tx.needs_scrub = true;
		r->stats->deletions += rc == 0;
	} else {
		rc = gd__retention_anonymise_row(r->a, found, e->collected_at);
		r->stats->anonymisations += rc == 0;
	}
	return rc;
}

static void remove_db(const char *path)
{
	char side[PATH_CAP + 8];
	unlink(path);
	snprintf(side, sizeof side, "%s-wal", path), unlink(side);
	snprintf(side, sizeof side, "%s-shm", path), unlink(side);
	snprintf(side, sizeof side, "%s.lock", path), unlink(side);
}

/* The highest journal entry a vault's audit trail anchors, and its MAC. */
struct anchor {
	int64_t seq;
	gd_time at;
	unsigned char mac[GD__BLIND_SIZE];
	const char *where; /* "the live vault", "the snapshot" */
};

static int anchor_entry(void *ud, const struct gd__audit_entry *e, const void *hash, size_t hash_len,
                        const unsigned char prev[GD__HASH_SIZE])
{
	(void)hash, (void)hash_len, (void)prev;
	struct anchor *x = ud;
	long long first, last;
	char hex[2 * GD__BLIND_SIZE + 2];
	if (!e->action || strcmp(e->action, "journal.anchor") != 0 || e->outcome != GD__OK || !e->reason)
		return 0;
	if (sscanf(e->reason, "journal entries %lld..%lld head %33s", &first, &last, hex) != 3 ||
	    strlen(hex) != 2 * GD__BLIND_SIZE)
		return gd__err(GD_ECORRUPT, "a journal anchor of the audit trail of %s is malformed (entry %lld)",
		               x->where, (long long)e->seq);
	if (last >= x->seq) {
		if (gd__unhex(x->mac, sizeof x->mac, hex) < 0)
			return gd__err(GD_ECORRUPT, "a journal anchor of the audit trail of %s is malformed (entry %lld)",
			               x->where, (long long)e->seq);
		x->seq = last;
		x->at = (gd_time)e->at;
	}
	return 0;
}

static int find_anchor(gd_vault *v, struct anchor *out)
{
	struct gd__audit_walk w = {.entry = anchor_entry, .ud = out};
	return gd__audit_walk(v, -1, &w);
}

/* What the journal to replay holds: its length and the MACs at the anchors. */
struct jcheck {
	struct anchor *anchors[2];
	bool matched[2];
	int64_t n;
};

static int check_one(void *ud, const struct gd__journal_entry *e, int64_t pos,
                     const unsigned char mac[GD__BLIND_SIZE])
{
	(void)e;
	struct jcheck *c = ud;
	c->n = pos;
	for (int i = 0; i < 2; i++)
		if (c->anchors[i] && c->anchors[i]->seq == pos)
			c->matched[i] = gd__memcmp(mac, c->anchors[i]->mac, GD__BLIND_SIZE) == 0;
	return 0;
}

/*
 * Refuses a journal that lacks what an audit trail proves was erased: shorter
 * than the highest anchor (missing, cut short) or with another entry there
 * (replaced). Damaged entries and gaps are refused by the walk itself.
 */
static int check_journal(const char *jpath, bool exists, const struct gd__keyring *kr, struct anchor *a,
                         struct anchor *b)
{
	struct jcheck c = {.anchors = {a->seq ? a : NULL, b->seq ? b : NULL}};
	int rc = gd__journal_each_file(jpath, kr, true, check_one, &c);
	if (rc < 0)
		return rc;
	for (int i = 0; i < 2; i++) {
		struct anchor *x = c.anchors[i];
		char when[32];
		if (!x)
			continue;
		gd_time_format(when, x->at);
		if (!exists)
			return gd__err(GD_ECORRUPT,
			               "the erasure journal %s is missing, but the audit trail of %s proves %lld journal"
			               " entr%s (the last anchored at %s): restoring without it would bring erased data"
			               " back; give the journal (journal: an export or a newer backup,"
			               " docs/backups.md)",
			               jpath, x->where, (long long)x->seq, x->seq == 1 ? "y" : "ies", when);
		if (c.n < x->seq)
			return gd__err(GD_ECORRUPT,
			               "the erasure journal %s was cut short: it holds %lld entr%s, but the audit trail of"
			               " %s proves %lld (the last anchored at %s); entries %lld..%lld are missing;"
			               " give the full journal (journal: an export or a newer backup, docs/backups.md)",
			               jpath, (long long)c.n, c.n == 1 ? "y" : "ies", x->where, (long long)x->seq, when,
			               (long long)c.n + 1, (long long)x->seq);
		if (!c.matched[i])
			return gd__err(GD_ECORRUPT,
			               "entry %lld of the erasure journal %s is not the one the audit trail of %s"
			               " anchored at %s: the journal was replaced or altered",
			               (long long)x->seq, jpath, x->where, when);
	}
	return 0;
}

/* Copies the journal `from` to `to` through a temporary file and a rename. */
static int install_journal(const char *from, const char *to)
{
	char tmp[PATH_CAP + 8];
	unsigned char *buf = gd__malloc(BK_CHUNK);
	int out = -1, rc = 0;
	FILE *in = NULL;
	if (!buf)
		return GD_ENOMEM;
	snprintf(tmp, sizeof tmp, "%s.new", to);
	if (!(in = fopen(from, "rb")) || (out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		rc = gd__err(GD_EIO, "cannot copy the erasure journal to %s: %s", to, strerror(errno));
	size_t n;
	while (rc == 0 && (n = fread(buf, 1, BK_CHUNK, in)) > 0)
		rc = write_all(out, buf, n, NULL);
	if (rc == 0 && (ferror(in) || fsync(out) != 0))
		rc = gd__err(GD_EIO, "cannot copy the erasure journal to %s", to);
	if (out >= 0)
		close(out);
	if (rc == 0 && (gd__fault_point() || rename(tmp, to) != 0))
		rc = gd__err(GD_EIO, "cannot install the erasure journal %s", to);
	if (rc < 0)
		unlink(tmp);
	if (in)
		fclose(in);
	gd__free(buf);
	return rc;
}

static int replay_each(void *ud, const struct gd__journal_entry *e, int64_t pos,
                       const unsigned char mac[GD__BLIND_SIZE])
{
	(void)pos, (void)mac;
	return replay_one(ud, e);
}

/*
 * The audit public keys the restored vault must accept: the one its snapshot
 * signed with, and every one the live vault retired; the current one is the
 * key file's. In the restore's transaction.
 */
static int keep_audit_keys(gd_vault *v, gd_vault *live)
{
	gd__stmt *st;
	unsigned char pk[32];
	bool have = false;
	int rc = gd__db_query(v->store, &st, "SELECT value FROM meta WHERE key = 'audit_public_key'", NULL);
	if (rc < 0)
		return rc;
	if ((rc = gd__db_step(v->store, st)) == 1) {
		size_t n;
		const void *p = gd__col_blob(v->store, st, 0, &n);
		if ((have = p && n == sizeof pk))
			memcpy(pk, p, sizeof pk);
		rc = 0;
	}
	gd__db_reset(v->store, st);
	if (rc < 0)
		return rc;
	if (have && (rc = gd__key_retire_pk(v, pk)) < 0)
		return rc;
	if (live) {
		unsigned char keys[32 * 64];
		size_t n = 0;
		if ((rc = gd__db_query(live->store, &st, "SELECT value FROM meta WHERE key = 'audit_retired_keys'", NULL)) < 0)
			return rc;
		if ((rc = gd__db_step(live->store, st)) == 1) {
			const void *p = gd__col_blob(live->store, st, 0, &n);
			if (n <= sizeof keys && n % 32 == 0 && p)
				memcpy(keys, p, n);
			else
				n = 0;
			rc = 0;
		}
		gd__db_reset(live->store, st);
		if (rc < 0)
			return rc;
		for (size_t i = 0; rc == 0 && i < n; i += 32)
			rc = gd__key_retire_pk(v, keys + i);
	}
	if (rc == 0)
		rc = gd__meta_put(v, "audit_public_key", v->audit_pk, sizeof v->audit_pk);
	return rc;
}

int gd_backup_restore(const char *path, const gd_vault_options *opts, const char *file,
                      gd_backup_restore_stats *out)
{
	return gd_backup_restore_with(path, opts, file, NULL, NULL, out);
}

int gd_backup_restore_from(const char *path, const gd_vault_options *opts, const char *file,
                           const char *journal, gd_backup_restore_stats *out)
{
	return gd_backup_restore_with(path, opts, file, journal, NULL, out);
}

int gd_backup_restore_with(const char *path, const gd_vault_options *opts, const char *file,
                           const char *journal, const gd_backup_options *bopts, gd_backup_restore_stats *out)
{
	struct progress pr;
	gd_backup_restore_stats stats = {0};
	gd_vault_options o = GD_VAULT_OPTIONS_INIT;
	char tmp[PATH_CAP], kpath[PATH_CAP], side[PATH_CAP + 8], jpath[PATH_CAP], jsrc[PATH_CAP + 16],
		jplain[PATH_CAP + 16];
	struct gd__keyring *kr = NULL, *secrets = NULL;
	struct replay r = {0};
	struct gd__lock *lock = NULL;
	struct anchor live_anchor = {.where = "the live vault"}, snap_anchor = {.where = "the snapshot"};
	gd_vault *v = NULL;
	bool jexists;
	int rc;

	if (!path || !*path || strlen(path) > PATH_CAP - 80 || !file)
		return gd__err(GD_EINVAL, "vault path or backup file is missing or too long");
	if ((rc = gd__vault_options(&o, opts)) < 0 || (rc = backup_options(bopts, &pr)) < 0 ||
	    (rc = gd__crypto_init()) < 0)
		return rc;
	tmp[0] = jsrc[0] = jplain[0] = 0;
	if (!(kr = gd__keyring_new()))
		return gd__err(GD_ENOMEM, "out of secure memory");
	/* Read once (a descriptor can be read only once): every open below shares it. */
	if ((rc = gd__keyring_read(kr, path, &o, kpath, sizeof kpath)) < 0)
		goto done;
	if (!o.key_fd && !o.key_command)
		o.key_path = kpath;
	/* A PostgreSQL vault's files (journal, the snapshot being rebuilt before it
	 * is loaded) are beside its key file, as gd_vault.file_base names them. */
	bool pg = gd__pg_is_url(path);
	char base[PATH_CAP - 16];
	size_t klen = strlen(kpath);
	if (pg)
		snprintf(base, sizeof base, "%.*s", (int)(klen > 4 && !strcmp(kpath + klen - 4, ".key") ? klen - 4 : klen), kpath);
	else
		snprintf(base, sizeof base, "%s", path);
	gd__journal_path(jpath, sizeof jpath, base);
	/* Nobody else may use the vault while it is replaced: a server writing on
	 * would lose what it acknowledged, erasures included (vault/lock.c: a lock
	 * file, or a PostgreSQL advisory lock). */
	if ((rc = gd__lock_acquire(&lock, path, true)) < 0)
		goto done;
	snprintf(tmp, sizeof tmp, "%s.restoring", base);
	snprintf(jsrc, sizeof jsrc, "%s.journal-in", tmp);
	snprintf(jplain, sizeof jplain, "%s.journal-plain", tmp);
	remove_db(tmp);
	if (!(secrets = gd__keyring_new())) {
		rc = gd__err(GD_ENOMEM, "out of secure memory");
		goto done;
	}
	if ((rc = decrypt_file(kr, file, tmp, NULL, &stats.snapshot_at, NULL, secrets, &pr)) != 0)
		goto done;
	/* The journal given (an export or a backup carrying it) replaces the one beside the vault. */
	const char *jread = jpath;
	if (journal) {
		gd_time at;
		if ((rc = decrypt_file(kr, journal, jplain, jsrc, &at, NULL, NULL, NULL)) < 0)
			goto done;
		unlink(jplain);
		if (access(jsrc, F_OK) != 0) {
			rc = gd__err(GD_EINVAL, "%s is a backup of an older format that carries no journal", journal);
			goto done;
		}
		jread = jsrc;
	}
	jexists = access(jread, F_OK) == 0;
	/* The snapshot must be a vault this key opens (the key check inside it). */
	if ((rc = gd__vault_open_ring(&v, tmp, &o, kr)) < 0)
		goto done;
	r.v = v;
	r.stats = &stats;
	/* The live vault, if it still opens, tells which journal entries committed;
	 * gone or damaged, it tells nothing and every entry is applied. */
	rc = gd__vault_open_ring(&r.live, path, &o, kr);
	if (rc == GD_ENOTFOUND || rc == GD_ECORRUPT)
		rc = 0, r.live = NULL;
	if (rc < 0)
		goto done;
	if (!r.live && !journal && !jexists) {
		rc = gd__err(GD_ENOTFOUND,
		             "neither the vault %s nor its erasure journal %s is there: nothing tells which erasures"
		             " were made after this backup; give the newest journal you hold (journal: an export, a newer"
		             " backup, or this backup to accept only its own; docs/backups.md)",
		             path, jpath);
		goto done;
	}
	/* What the trails prove was erased, the journal must hold. */
	if ((r.live && (rc = find_anchor(r.live, &live_anchor)) < 0) || (rc = find_anchor(v, &snap_anchor)) < 0 ||
	    (rc = check_journal(jread, jexists, kr, &live_anchor, &snap_anchor)) < 0)
		goto done;
	if ((rc = gd_vault_begin(v)) < 0)
		goto done;
	/* A snapshot from before a master rotation: its tenant keys go under the current master;
	 * from before an audit rotation: its checkpoints stay verifiable (keys.c). */
	/* …and its epoch keys, sealed under secrets an epoch change may have destroyed
	 * since, go under the live key file's (the backup carries its own: epoch.c). */
	if ((rc = gd__key_rewrap_to_newest(v)) < 0 || (rc = keep_audit_keys(v, r.live)) < 0 ||
	    (rc = gd__epoch_adopt(v, secrets)) < 0) {
		gd_vault_rollback(v);
		goto done;
	}
	gd__journal_set_replaying(true);
	rc = gd__journal_each_file(jread, kr, true, replay_each, &r);
	gd__journal_set_replaying(false);
	gd_actor_close(r.a), r.a = NULL;
	gd_vault_close(r.live), r.live = NULL;
	if (rc == 0) {
		char why[160], when[32];
		gd_time_format(when, stats.snapshot_at);
		snprintf(why, sizeof why, "snapshot of %s; re-applied %llu erasure(s), %llu deletion(s), %llu anonymisation(s)",
		         when, (unsigned long long)stats.erasures, (unsigned long long)stats.deletions,
		         (unsigned long long)stats.anonymisations);
		rc = gd__audit_append(v, 0, "system:restore", &(struct gd__audit_event){.action = "backup.restore", .reason = why});
	}
	if (rc == 0)
		rc = gd_vault_commit(v);
	else
		gd_vault_rollback(v);
	gd_vault_close(v), v = NULL; /* checkpoints and removes its WAL */
	if (rc < 0)
		goto done;
	/* The journal first: the restored vault's anchors must find it. */
	if (journal && (rc = install_journal(jread, jpath)) < 0)
		goto done;
	/* Only now is the live vault touched: its WAL must not be applied to the snapshot. */
	if (pg) {
		rc = gd__pg_load(path, tmp);
		remove_db(tmp);
		goto done;
	}
	snprintf(side, sizeof side, "%s-wal", path), unlink(side);
	snprintf(side, sizeof side, "%s-shm", path), unlink(side);
	if (rename(tmp, path) != 0)
		rc = gd__err(GD_EIO, "cannot replace %s with the restored snapshot: %s", path, strerror(errno));
	snprintf(side, sizeof side, "%s.lock", tmp), unlink(side);
done:
	gd__journal_set_replaying(false);
	gd_actor_close(r.a);
	gd_vault_close(r.live);
	gd_vault_close(v);
	if (rc < 0 && tmp[0])
		remove_db(tmp);
	if (jsrc[0])
		unlink(jsrc), unlink(jplain);
	gd__keyring_free(kr);
	gd__keyring_free(secrets);
	gd__lock_release(lock, true);
	if (out)
		*out = stats;
	return rc;
}

/* ---- erasure horizon ---- */

struct find_erasure {
	const char *subject;
	gd_time at;
	char tenant[65];
};

/*
 * Copies gardien cannot reach (a snapshot, a WAL segment, a replica, a backup
 * outside rotation) open an erased subject's key until its erasure epoch's
 * key is destroyed (keys/epoch.c): that moment, or the epoch's end while it
 * is live (the first `key epoch` run after it). An erasure before the
 * tenant's first epoch (epoch 0, under the KEK) has no such bound: `h` as it is.
 */
static int epoch_bound(gd_vault *v, const char *tenant, gd_time at, gd_time *h)
{
	gd_time e = 0;
	int rc = gd__epoch_horizon(v, tenant, at, &e);
	if (rc == GD_ENOTFOUND)
		return 0;
	if (rc == 0 && e > *h)
		*h = e;
	return rc;
}

static int find_one(void *ud, const struct gd__journal_entry *e)
{
	struct find_erasure *f = ud;
	if (e->kind == GD__J_ERASE && strcmp(e->subject, f->subject) == 0 && e->at > f->at) {
		f->at = e->at;
		gd__copy(f->tenant, sizeof f->tenant, e->tenant);
	}
	return 0;
}

int gd_backup_horizon(gd_vault *v, const char *dir, const gd_backup_policy *p,
                      const char *subject, gd_time *erased_at, gd_time *horizon)
{
	struct find_erasure f = {subject, 0, ""};
	struct blist l = {0};
	int rc = check_policy(p);
	if (rc < 0)
		return rc;
	if (!subject || strlen(subject) != GD_SUBJECT_ID_SIZE - 1)
		return gd__err(GD_EINVAL, "\"%.40s\" is not a subject id", subject ? subject : "");
	if ((rc = gd__journal_each(v->file_base, v->ring, find_one, &f)) < 0)
		return rc;
	if (!f.at)
		return gd__err(GD_ENOTFOUND, "the erasure journal has no erasure of subject %s", subject);
	if ((rc = scan(dir, p, &l)) < 0)
		return rc;
	gd_time h = f.at;
	for (size_t i = 0; i < l.n; i++)
		if (l.b[i].created_at <= f.at && l.b[i].kept_until > h)
			h = l.b[i].kept_until;
	gd__free(l.b);
	if ((rc = epoch_bound(v, f.tenant, f.at, &h)) < 0)
		return rc;
	*erased_at = f.at;
	*horizon = h;
	return 0;
}

struct each_erasure {
	gd_vault *v;
	const struct blist *l;
	int (*cb)(void *ud, const char *subject, gd_time erased_at, gd_time horizon);
	void *ud;
};

static int each_one(void *ud, const struct gd__journal_entry *e)
{
	struct each_erasure *x = ud;
	if (e->kind != GD__J_ERASE)
		return 0;
	gd_time h = e->at;
	for (size_t i = 0; i < x->l->n; i++)
		if (x->l->b[i].created_at <= e->at && x->l->b[i].kept_until > h)
			h = x->l->b[i].kept_until;
	int rc = epoch_bound(x->v, e->tenant, e->at, &h);
	return rc < 0 ? rc : x->cb(x->ud, e->subject, e->at, h);
}

int gd_backup_horizon_each(gd_vault *v, const char *dir, const gd_backup_policy *p,
                           int (*cb)(void *ud, const char *subject, gd_time erased_at, gd_time horizon),
                           void *ud)
{
	struct blist l = {0};
	int rc = check_policy(p);
	if (rc == 0)
		rc = scan(dir, p, &l);
	if (rc == 0) {
		struct each_erasure x = {v, &l, cb, ud};
		rc = gd__journal_each(v->file_base, v->ring, each_one, &x);
	}
	gd__free(l.b);
	return rc;
}
