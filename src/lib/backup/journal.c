/*
 * journal.c — the erasure journal (format in journal.h): a file beside the
 * vault, outside the database, so that restoring an older snapshot cannot
 * roll it back. Every erasure appends an entry, synced before the transaction
 * that erases commits (the transaction layer calls gd__journal_sync through
 * the hook journal.c registers, gd__journal_tx_hooks); a restore reads it back
 * (gd__journal_each) and re-applies what the snapshot still holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/internal.h"

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

static _Thread_local bool replaying;

bool gd__journal_replaying(void)
{
	return replaying;
}

void gd__journal_set_replaying(bool on)
{
	replaying = on;
}

void gd__journal_key(const unsigned char *master, unsigned char key[GD__KEY_SIZE])
{
	gd__kdf(key, GD__KEY_SIZE, 2, "gdjournl", master);
}

static void journal_mac(const unsigned char *master, unsigned char out[GD__BLIND_SIZE],
                        const unsigned char *entry)
{
	unsigned char k[GD__KEY_SIZE];
	gd__journal_key(master, k);
	gd__blind(out, k, entry, 144);
	gd__wipe(k, sizeof k);
}

void gd__journal_encode(gd_vault *v, unsigned char out[GD__JOURNAL_ENTRY_SIZE],
                        const struct gd__journal_entry *e)
{
	unsigned char k[GD__KEY_SIZE];
	gd__journal_key(v->master, k);
	gd__journal_encode_keyed(k, out, e);
	gd__wipe(k, sizeof k);
}

void gd__journal_encode_keyed(const unsigned char key[GD__KEY_SIZE],
                              unsigned char out[GD__JOURNAL_ENTRY_SIZE],
                              const struct gd__journal_entry *e)
{
	memset(out, 0, GD__JOURNAL_ENTRY_SIZE);
	memcpy(out, "GDJ1", 4);
	out[4] = (unsigned char)e->kind;
	put64(out + 8, (uint64_t)e->at);
	put64(out + 16, (uint64_t)e->record_id);
	put64(out + 24, (uint64_t)e->collected_at);
	memcpy(out + 32, e->subject, strnlen(e->subject, GD_SUBJECT_ID_SIZE - 1));
	memcpy(out + 64, e->tenant, strnlen(e->tenant, 64));
	gd__blind(out + 144, key, out, 144);
}

static void journal_path(char *buf, size_t cap, const char *vault_path)
{
	snprintf(buf, cap, "%s.journal", vault_path);
}

/*
 * The journal stays open from its first append: opening it twice per erasure
 * (to write, then to sync) cost a path walk and a file open each time. If the
 * file at its path is no longer the one open (removed, moved away, replaced),
 * the one at the path is opened (created) instead.
 */
static int journal_fd(gd_vault *v, const char *path)
{
	struct stat open_st, path_st;
	if (v->journal.fd >= 0 &&
	    (fstat(v->journal.fd, &open_st) != 0 || stat(path, &path_st) != 0 ||
	     open_st.st_ino != path_st.st_ino || open_st.st_dev != path_st.st_dev)) {
		close(v->journal.fd);
		v->journal.fd = -1;
	}
	if (v->journal.fd < 0)
		v->journal.fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	return v->journal.fd;
}

int gd__journal_append(gd_vault *v, const unsigned char *entries, size_t n)
{
	char path[PATH_CAP];
	struct stat st;
	int rc = 0;
	journal_path(path, sizeof path, v->file_base);
	if (gd__fault_point())
		return gd__err(GD_EIO, "cannot write the erasure journal (injected)");
	int fd = journal_fd(v, path);
	if (fd < 0)
		return gd__err(GD_EIO, "cannot open the erasure journal %s: %s", path, strerror(errno));
	/* A torn last entry (crash mid-write) is cut off so entries stay aligned. */
	if (fstat(fd, &st) == 0 && st.st_size % GD__JOURNAL_ENTRY_SIZE &&
	    ftruncate(fd, st.st_size - st.st_size % GD__JOURNAL_ENTRY_SIZE) != 0)
		rc = gd__err(GD_EIO, "cannot repair the erasure journal %s", path);
	size_t len = n * GD__JOURNAL_ENTRY_SIZE, off = 0;
	while (rc == 0 && off < len) {
		ssize_t w = write(fd, entries + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			rc = gd__err(GD_EIO, "cannot write the erasure journal %s: %s", path, strerror(errno));
		else
			off += (size_t)w;
	}
	if (rc == 0)
		v->journal.unsynced = true;
	return rc == 0 && v->tx.depth == 0 && !v->tx.batch ? gd__journal_sync(v) : rc;
}

int gd__journal_sync(gd_vault *v)
{
	char path[PATH_CAP];
	journal_path(path, sizeof path, v->file_base);
	if (gd__fault_point())
		return gd__err(GD_EIO, "cannot sync the erasure journal (injected)");
	/* The file appended to, wherever it is now: that is where the entries are. */
	int fd = v->journal.fd >= 0 ? v->journal.fd : journal_fd(v, path);
	if (fd < 0 || fdatasync(fd) != 0)
		return gd__err(GD_EIO, "cannot sync the erasure journal %s: %s", path, strerror(errno));
	v->journal.unsynced = false;
	return 0;
}

/* The transaction layer's hooks (vault/tx.c): synced before the commit (not
 * before a batch's own, which comes to the commit after), forgotten with a
 * rolled-back transaction. */
static int tx_commit(gd_vault *v, bool batch)
{
	return !batch && v->journal.unsynced ? gd__journal_sync(v) : 0;
}

static void tx_rollback(gd_vault *v, bool whole)
{
	if (whole)
		v->journal.unsynced = false;
}

const struct gd__tx_hooks gd__journal_tx_hooks = {
	.savepoint = NULL,
	.commit = tx_commit,
	.rollback = tx_rollback,
};

/* Calls `cb` for each entry of the journal of the vault whose files are named from `vault_path` (gd_vault.file_base); a missing journal has none. */
int gd__journal_each(const char *vault_path, const unsigned char *master,
                     int (*cb)(void *ud, const struct gd__journal_entry *e), void *ud)
{
	char path[PATH_CAP];
	unsigned char buf[GD__JOURNAL_ENTRY_SIZE], mac[GD__BLIND_SIZE];
	journal_path(path, sizeof path, vault_path);
	FILE *f = fopen(path, "rb");
	if (!f)
		return errno == ENOENT ? 0 : gd__err(GD_EIO, "cannot read the erasure journal %s: %s", path, strerror(errno));
	int rc = 0;
	for (long n = 1; rc == 0 && fread(buf, 1, sizeof buf, f) == sizeof buf; n++) {
		journal_mac(master, mac, buf);
		if (memcmp(buf, "GDJ1", 4) != 0 || gd__memcmp(mac, buf + 144, sizeof mac) != 0 ||
		    buf[4] < GD__J_ERASE || buf[4] > GD__J_ANONYMISE) {
			rc = gd__err(GD_ECORRUPT, "entry %ld of the erasure journal %s is damaged or was not written by this vault",
			             n, path);
			break;
		}
		struct gd__journal_entry e = {.kind = buf[4], .at = (gd_time)get64(buf + 8),
		                              .record_id = (int64_t)get64(buf + 16),
		                              .collected_at = (gd_time)get64(buf + 24)};
		memcpy(e.subject, buf + 32, GD_SUBJECT_ID_SIZE - 1);
		memcpy(e.tenant, buf + 64, 64);
		rc = cb(ud, &e);
	}
	fclose(f);
	return rc;
}
