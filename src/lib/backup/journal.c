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
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/internal.h"
#include "lib/keys/keys.h"

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

void gd__journal_key(const struct gd__keyring *kr, unsigned char key[GD__KEY_SIZE])
{
	gd__keyring_current(kr, GD__K_JOURNAL, key);
}

/*
 * The MAC of an entry. "GDJ1" entries (before chaining) cover their own bytes;
 * "GDJ2" entries also cover the MAC of the entry before them (zeros for the
 * first), so the last MAC vouches for the whole journal up to it: that value is
 * what the audit trail's anchors record.
 */
static void entry_mac(const unsigned char key[GD__KEY_SIZE], const unsigned char prev[GD__BLIND_SIZE],
                      const unsigned char *entry, unsigned char out[GD__BLIND_SIZE])
{
	unsigned char m[GD__BLIND_SIZE + 144];
	if (memcmp(entry, "GDJ1", 4) == 0) {
		gd__blind(out, key, entry, 144);
		return;
	}
	memcpy(m, prev, GD__BLIND_SIZE);
	memcpy(m + GD__BLIND_SIZE, entry, 144);
	gd__blind(out, key, m, sizeof m);
}

void gd__journal_encode(unsigned char out[GD__JOURNAL_ENTRY_SIZE], const struct gd__journal_entry *e)
{
	memset(out, 0, GD__JOURNAL_ENTRY_SIZE);
	memcpy(out, "GDJ2", 4);
	out[4] = (unsigned char)e->kind;
	put64(out + 8, (uint64_t)e->at);
	put64(out + 16, (uint64_t)e->record_id);
	put64(out + 24, (uint64_t)e->collected_at);
	memcpy(out + 32, e->subject, strnlen(e->subject, GD_SUBJECT_ID_SIZE - 1));
	memcpy(out + 64, e->tenant, strnlen(e->tenant, 64));
}

void gd__journal_path(char *buf, size_t cap, const char *vault_path)
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
		v->journal.fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	return v->journal.fd;
}

static bool all_zero(const unsigned char *p, size_t n)
{
	unsigned char acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/*
 * The length of the journal without its tail of entries that never reached
 * the disk: a partial last entry (a crash mid-write), and whole entries of
 * zeros after the last written one (a crash after the file's new size reached
 * the disk but before its data did, which some file systems show as zeros:
 * XFS, ext4 data=writeback). Neither was ever synced, so no erasure that
 * returned is in them.
 */
static int64_t written_length(int fd, int64_t size)
{
	unsigned char e[GD__JOURNAL_ENTRY_SIZE];
	int64_t n = size - size % GD__JOURNAL_ENTRY_SIZE;
	while (n > 0 && pread(fd, e, sizeof e, (off_t)(n - GD__JOURNAL_ENTRY_SIZE)) == (ssize_t)sizeof e &&
	       all_zero(e, sizeof e))
		n -= GD__JOURNAL_ENTRY_SIZE;
	return n;
}

/* Writes all of `p` at the end of `fd`. */
static int append_all(int fd, const unsigned char *p, size_t len, const char *path)
{
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, p + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return gd__err(GD_EIO, "cannot write the erasure journal %s: %s", path, strerror(errno));
		off += (size_t)w;
	}
	return 0;
}

int gd__journal_append(gd_actor *a, unsigned char *entries, size_t n)
{
	gd_vault *v = a->v;
	char path[PATH_CAP], why[160], hex[2 * GD__BLIND_SIZE + 1];
	unsigned char key[GD__KEY_SIZE], prev[GD__BLIND_SIZE] = {0};
	struct stat st;
	int rc = 0;
	gd__journal_path(path, sizeof path, v->file_base);
	if (gd__fault_point())
		return gd__err(GD_EIO, "cannot write the erasure journal (injected)");
	int fd = journal_fd(v, path);
	if (fd < 0)
		return gd__err(GD_EIO, "cannot open the erasure journal %s: %s", path, strerror(errno));
	/* Writers are already serialised by the vault's write transaction; the
	 * file lock also keeps a process that bypasses it from interleaving. */
	while (flock(fd, LOCK_EX) != 0)
		if (errno != EINTR)
			return gd__err(GD_EIO, "cannot lock the erasure journal %s: %s", path, strerror(errno));
	/* A tail that never reached the disk (written_length) is cut off, so that
	 * entries stay aligned and chain from the last one written. */
	int64_t len = 0;
	if (fstat(fd, &st) != 0)
		rc = gd__err(GD_EIO, "cannot stat the erasure journal %s: %s", path, strerror(errno));
	else if ((len = written_length(fd, (int64_t)st.st_size)) != (int64_t)st.st_size && ftruncate(fd, (off_t)len) != 0)
		rc = gd__err(GD_EIO, "cannot repair the erasure journal %s", path);
	int64_t count = rc == 0 ? len / GD__JOURNAL_ENTRY_SIZE : 0, seq = 0, last = 0;
	unsigned char tail[GD__JOURNAL_ENTRY_SIZE];
	/* The chain goes on from the MAC of the last entry; the numbering from the
	 * highest of the last entry's and the vault's (a journal file removed or
	 * replaced restarts the chain, never the numbers: a restore sees the gap). */
	if (rc == 0 && count > 0) {
		if (pread(fd, tail, sizeof tail, (off_t)((count - 1) * GD__JOURNAL_ENTRY_SIZE)) != (ssize_t)sizeof tail)
			rc = gd__err(GD_EIO, "cannot read the erasure journal %s", path);
		else {
			memcpy(prev, tail + 144, GD__BLIND_SIZE);
			last = memcmp(tail, "GDJ2", 4) == 0 ? (int64_t)get64(tail + 136) : count;
		}
	}
	/* meta.journal_seq: the last number given (a file removed or replaced cannot
	 * restart the count; not a counter, as a rolled-back transaction's entries
	 * stay in the file with their numbers). Absent until the first append. */
	if (rc == 0 && (rc = gd__db_int(v->store, &seq, "SELECT value FROM meta WHERE key = 'journal_seq'", NULL)) == GD_ENOTFOUND)
		rc = 0, seq = 0;
	if (rc == 0) {
		seq = seq > last ? seq : last;
		gd__journal_key(v->ring, key);
		for (size_t i = 0; i < n; i++) {
			unsigned char *e = entries + i * GD__JOURNAL_ENTRY_SIZE;
			put64(e + 136, (uint64_t)(seq + 1 + (int64_t)i));
			entry_mac(key, prev, e, e + 144);
			memcpy(prev, e + 144, GD__BLIND_SIZE);
		}
		gd__wipe(key, sizeof key);
		rc = append_all(fd, entries, n * GD__JOURNAL_ENTRY_SIZE, path);
	}
	flock(fd, LOCK_UN);
	if (rc < 0)
		return rc;
	v->journal.unsynced = true;
	/* The anchor: in the same transaction as the erasure, the trail records how
	 * long the journal is and its last MAC, so a restore can tell a journal
	 * that lost or changed entries (docs/backups.md). */
	gd__hex(hex, prev, sizeof prev);
	snprintf(why, sizeof why, "journal entries %lld..%lld head %s", (long long)seq + 1,
	         (long long)(seq + (int64_t)n), hex);
	if ((rc = gd__meta_put_int(v, "journal_seq", seq + (int64_t)n)) < 0)
		return rc;
	if ((rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "journal.anchor", .reason = why})) < 0)
		return rc;
	return v->tx.depth == 0 && !v->tx.batch ? gd__journal_sync(v) : 0;
}

int gd__journal_sync(gd_vault *v)
{
	char path[PATH_CAP];
	gd__journal_path(path, sizeof path, v->file_base);
	if (gd__fault_point())
		return gd__err(GD_EIO, "cannot sync the erasure journal (injected)");
	/* The file appended to, wherever it is now: that is where the entries are. */
	int fd = v->journal.fd >= 0 ? v->journal.fd : journal_fd(v, path);
	if (fd < 0 || fdatasync(fd) != 0)
		return gd__err(GD_EIO, "cannot sync the erasure journal %s: %s", path, strerror(errno));
	v->journal.unsynced = false;
	return 0;
}

/*
 * Calls `cb` for each entry of the journal file `path` with its position (1…)
 * and the chain's MAC up to it; a missing file has none. An entry whose MAC
 * does not verify (altered, forged, reordered, or from another vault) stops
 * the walk with GD_ECORRUPT naming it.
 */
int gd__journal_each_file(const char *path, const struct gd__keyring *kr, bool strict,
                          int (*cb)(void *ud, const struct gd__journal_entry *e, int64_t pos,
                                    const unsigned char mac[GD__BLIND_SIZE]),
                          void *ud)
{
	unsigned char buf[GD__JOURNAL_ENTRY_SIZE], mac[GD__BLIND_SIZE], prev[GD__BLIND_SIZE] = {0};
	unsigned char key[GD__KEY_SIZE];
	FILE *f = fopen(path, "rb");
	if (!f)
		return errno == ENOENT ? 0 : gd__err(GD_EIO, "cannot read the erasure journal %s: %s", path, strerror(errno));
	gd__journal_key(kr, key);
	int rc = 0;
	/* Entries up to the written length (see written_length): a tail of zeros is no entry. */
	int64_t entries = 0;
	struct stat st;
	if (fstat(fileno(f), &st) == 0)
		entries = written_length(fileno(f), (int64_t)st.st_size) / GD__JOURNAL_ENTRY_SIZE;
	for (int64_t n = 1; rc == 0 && n <= entries && fread(buf, 1, sizeof buf, f) == sizeof buf; n++) {
		entry_mac(key, prev, buf, mac);
		if ((memcmp(buf, "GDJ1", 4) != 0 && memcmp(buf, "GDJ2", 4) != 0) ||
		    gd__memcmp(mac, buf + 144, sizeof mac) != 0 || buf[4] < GD__J_ERASE || buf[4] > GD__J_ANONYMISE) {
			rc = gd__err(GD_ECORRUPT,
			             "entry %lld of the erasure journal %s is damaged, out of place or was not written"
			             " by this vault",
			             (long long)n, path);
			break;
		}
		int64_t seq = memcmp(buf, "GDJ2", 4) == 0 ? (int64_t)get64(buf + 136) : n;
		if (strict && seq != n) {
			rc = seq > n ? gd__err(GD_ECORRUPT,
			                       "the erasure journal %s lacks entries %lld..%lld: its file was removed or"
			                       " replaced after they were written; restore the full journal from a backup"
			                       " or an export (journal: docs/backups.md)",
			                       path, (long long)n, (long long)seq - 1)
			             : gd__err(GD_ECORRUPT, "entry %lld of the erasure journal %s is out of place", (long long)n,
			                       path);
			break;
		}
		memcpy(prev, mac, sizeof prev);
		struct gd__journal_entry e = {.kind = buf[4], .at = (gd_time)get64(buf + 8), .record_id = (int64_t)get64(buf + 16), .collected_at = (gd_time)get64(buf + 24)};
		memcpy(e.subject, buf + 32, GD_SUBJECT_ID_SIZE - 1);
		memcpy(e.tenant, buf + 64, 64);
		rc = cb(ud, &e, n, mac);
	}
	gd__wipe(key, sizeof key);
	fclose(f);
	return rc;
}

struct each_adapter {
	int (*cb)(void *ud, const struct gd__journal_entry *e);
	void *ud;
};

static int each_adapt(void *ud, const struct gd__journal_entry *e, int64_t pos,
                      const unsigned char mac[GD__BLIND_SIZE])
{
	(void)pos, (void)mac;
	struct each_adapter *x = ud;
	return x->cb(x->ud, e);
}

int gd__journal_each(const char *vault_path, const struct gd__keyring *kr,
                     int (*cb)(void *ud, const struct gd__journal_entry *e), void *ud)
{
	char path[PATH_CAP];
	struct each_adapter x = {cb, ud};
	gd__journal_path(path, sizeof path, vault_path);
	return gd__journal_each_file(path, kr, false, each_adapt, &x);
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
