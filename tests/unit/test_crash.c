/*
 * test_crash.c — power cuts between the writes of a vault's files.
 *
 * A recording VFS, registered as SQLite's default before gardien registers its
 * own over it (sqlite_vfs.c wraps whatever is the default), logs every write,
 * truncation and sync of the database and its WAL; fdatasync and fsync are
 * interposed here (they pass through to the kernel) to log the erasure
 * journal's appends and syncs and to count device flushes. The workload (puts
 * in their own transactions, a batch, erasures, a retention sweep) runs once
 * on real files; then, at every cut point of the log (each sync, each return
 * to the caller), the files a power cut could leave are rebuilt in a folder
 * and opened as a vault:
 *
 * - what was synced is there; of what was written since a file's last sync,
 *   any prefix, all but one write, a few pseudo-random subsets, none or all;
 * - two file-system models for what was not synced. "ordering": a lost write
 *   leaves the old bytes, or zeros past the durable end of the file (ext4
 *   data=ordered, XFS, btrfs). "no ordering": past the durable end of a file,
 *   the size may reach the disk without the data, which then reads as what the
 *   file held there before it was truncated (ext4 data=writeback: freed blocks
 *   given back to the same file).
 *
 * Every state must open, its audit trail and rows verify, every acknowledged
 * put read back, every acknowledged erasure and sweep stay done, the erasure
 * journal hold every erasure and deletion the database shows, and an erased
 * subject's wrapped key appear in neither the database file nor the WAL once
 * its erasure returned. The state files are checked as the disk holds them,
 * before SQLite's recovery touches them.
 *
 * To debug: GD_CRASH_LOG=1 prints the log; GD_CRASH_STOP=1 stops at the first
 * violation and leaves its state in /tmp/crash-keep.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helpers.h"
#include "lib/backup/journal.h"
#include "lib/internal.h"
#include "lib/retention/retention.h"
#include "lib/store/sqlite_vfs.h"

#define FIXED_NOW 1767225600 /* helpers.c's clock: 2026-01-01 */
#define SWEEP_AT (FIXED_NOW + 40 * 86400)

enum {
	F_DB,
	F_WAL,
	F_JOURNAL,
	NFILES
};
static const char *const suffix[NFILES] = {"", "-wal", ".journal"};

enum {
	OP_WRITE,
	OP_TRUNC,
	OP_SYNC,
	OP_ACK,
	OP_ZERO
};

struct op {
	int kind, file;
	int64_t off, len; /* a write's place, a truncation's size */
	unsigned char *data;
	int ack; /* OP_ACK: the index of the acknowledged step */
};

static struct {
	struct op *v;
	size_t n, cap;
} ops;

static bool recording;
static char rec_base[400]; /* the recorded vault's path, as SQLite names it */
static int64_t journal_seen;
static unsigned long flushes; /* fdatasync and fsync calls, by anyone */

static void push(struct op o)
{
	if (ops.n == ops.cap) {
		ops.cap = ops.cap ? 2 * ops.cap : 1024;
		ops.v = realloc(ops.v, ops.cap * sizeof *ops.v);
		assert_non_null(ops.v);
	}
	ops.v[ops.n++] = o;
}

static void ops_free(void)
{
	for (size_t i = 0; i < ops.n; i++)
		free(ops.v[i].data);
	free(ops.v);
	memset(&ops, 0, sizeof ops);
}

/* The journal is written with write(2): what it gained since last seen is logged as one write. */
static void journal_catch_up(void)
{
	char path[420];
	struct stat st;
	snprintf(path, sizeof path, "%s.journal", rec_base);
	if (stat(path, &st) != 0 || st.st_size == journal_seen)
		return;
	if (st.st_size < journal_seen) {
		push((struct op){.kind = OP_TRUNC, .file = F_JOURNAL, .len = st.st_size});
	} else {
		int64_t n = st.st_size - journal_seen;
		unsigned char *d = malloc((size_t)n);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		assert_true(fd >= 0 && d);
		assert_int_equal(pread(fd, d, (size_t)n, journal_seen), n);
		close(fd);
		push((struct op){.kind = OP_WRITE, .file = F_JOURNAL, .off = journal_seen, .len = n, .data = d});
	}
	journal_seen = st.st_size;
}

static void note_sync(int fd)
{
	char path[420];
	struct stat a, b;
	if (!recording)
		return;
	snprintf(path, sizeof path, "%s.journal", rec_base);
	if (fstat(fd, &a) != 0 || stat(path, &b) != 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev)
		return;
	journal_catch_up();
	push((struct op){.kind = OP_SYNC, .file = F_JOURNAL});
}

/* Interposed for the whole program (the library and SQLite call these by name). */
int fdatasync(int fd)
{
	flushes++;
	note_sync(fd);
	return (int)syscall(SYS_fdatasync, fd);
}

int fsync(int fd)
{
	flushes++;
	note_sync(fd);
	return (int)syscall(SYS_fsync, fd);
}

/* fallocate(FALLOC_FL_ZERO_RANGE) on the WAL (sqlite_vfs.c's scrub), logged as a metadata operation. */
int fallocate(int fd, int mode, off_t off, off_t len)
{
	char path[420];
	struct stat a, b;
	snprintf(path, sizeof path, "%s-wal", rec_base);
	int rc = (int)syscall(SYS_fallocate, fd, mode, (long)off, (long)len);
	if (rc == 0 && recording && fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino &&
	    a.st_dev == b.st_dev) {
		assert_int_equal(mode, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE);
		journal_catch_up();
		push((struct op){.kind = OP_ZERO, .file = F_WAL, .off = off, .len = len});
	}
	return rc;
}

/* ---- the recording VFS ---- */

struct rfile {
	sqlite3_file base;
	sqlite3_file *real;
	int id; /* F_DB, F_WAL, or -1: not recorded */
};

static sqlite3_vfs *unix_vfs;
#define RREAL(f) (((struct rfile *)(f))->real)

static void record(struct rfile *p, struct op o)
{
	if (!recording || p->id < 0)
		return;
	journal_catch_up();
	o.file = p->id;
	push(o);
}

static int r_close(sqlite3_file *f)
{
	int rc = RREAL(f)->pMethods->xClose(RREAL(f));
	f->pMethods = NULL;
	return rc;
}
static int r_read(sqlite3_file *f, void *b, int n, sqlite3_int64 off)
{
	return RREAL(f)->pMethods->xRead(RREAL(f), b, n, off);
}
static int r_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 off)
{
	int rc = RREAL(f)->pMethods->xWrite(RREAL(f), b, n, off);
	if (rc == SQLITE_OK) {
		unsigned char *d = malloc((size_t)n);
		assert_non_null(d);
		memcpy(d, b, (size_t)n);
		if (recording && ((struct rfile *)f)->id >= 0)
			record((struct rfile *)f, (struct op){.kind = OP_WRITE, .off = off, .len = n, .data = d});
		else
			free(d);
	}
	return rc;
}
static int r_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	int rc = RREAL(f)->pMethods->xTruncate(RREAL(f), size);
	if (rc == SQLITE_OK)
		record((struct rfile *)f, (struct op){.kind = OP_TRUNC, .len = size});
	return rc;
}
static int r_sync(sqlite3_file *f, int flags)
{
	/* Logged before the call: a crash during a sync keeps the writes before it unsynced. */
	int rc = RREAL(f)->pMethods->xSync(RREAL(f), flags);
	if (rc == SQLITE_OK)
		record((struct rfile *)f, (struct op){.kind = OP_SYNC});
	return rc;
}
static int r_file_size(sqlite3_file *f, sqlite3_int64 *s)
{
	return RREAL(f)->pMethods->xFileSize(RREAL(f), s);
}
static int r_lock(sqlite3_file *f, int l)
{
	return RREAL(f)->pMethods->xLock(RREAL(f), l);
}
static int r_unlock(sqlite3_file *f, int l)
{
	return RREAL(f)->pMethods->xUnlock(RREAL(f), l);
}
static int r_check_reserved(sqlite3_file *f, int *o)
{
	return RREAL(f)->pMethods->xCheckReservedLock(RREAL(f), o);
}
static int r_file_control(sqlite3_file *f, int op, void *a)
{
	return RREAL(f)->pMethods->xFileControl(RREAL(f), op, a);
}
static int r_sector_size(sqlite3_file *f)
{
	return RREAL(f)->pMethods->xSectorSize(RREAL(f));
}
static int r_device_characteristics(sqlite3_file *f)
{
	return RREAL(f)->pMethods->xDeviceCharacteristics(RREAL(f));
}
static int r_shm_map(sqlite3_file *f, int r, int s, int e, void volatile **o)
{
	return RREAL(f)->pMethods->xShmMap(RREAL(f), r, s, e, o);
}
static int r_shm_lock(sqlite3_file *f, int o, int n, int fl)
{
	return RREAL(f)->pMethods->xShmLock(RREAL(f), o, n, fl);
}
static void r_shm_barrier(sqlite3_file *f)
{
	RREAL(f)->pMethods->xShmBarrier(RREAL(f));
}
static int r_shm_unmap(sqlite3_file *f, int d)
{
	return RREAL(f)->pMethods->xShmUnmap(RREAL(f), d);
}
/* No memory map: every write goes through xWrite, where it is logged. */
static int r_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **o)
{
	(void)f, (void)off, (void)n;
	*o = NULL;
	return SQLITE_OK;
}
static int r_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	(void)f, (void)off, (void)p;
	return SQLITE_OK;
}

static const sqlite3_io_methods r_methods = {
	.iVersion = 3,
	.xClose = r_close,
	.xRead = r_read,
	.xWrite = r_write,
	.xTruncate = r_truncate,
	.xSync = r_sync,
	.xFileSize = r_file_size,
	.xLock = r_lock,
	.xUnlock = r_unlock,
	.xCheckReservedLock = r_check_reserved,
	.xFileControl = r_file_control,
	.xSectorSize = r_sector_size,
	.xDeviceCharacteristics = r_device_characteristics,
	.xShmMap = r_shm_map,
	.xShmLock = r_shm_lock,
	.xShmBarrier = r_shm_barrier,
	.xShmUnmap = r_shm_unmap,
	.xFetch = r_fetch,
	.xUnfetch = r_unfetch,
};

static int file_id(const char *name)
{
	size_t n = strlen(rec_base);
	if (!name || !n || strncmp(name, rec_base, n) != 0)
		return -1;
	if (!name[n])
		return F_DB;
	return strcmp(name + n, "-wal") == 0 ? F_WAL : -1;
}

static int r_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
	struct rfile *p = (struct rfile *)f;
	(void)vfs;
	memset(p, 0, sizeof *p);
	p->real = (sqlite3_file *)(p + 1);
	p->id = file_id(name);
	int rc = unix_vfs->xOpen(unix_vfs, name, p->real, flags, out);
	if (rc != SQLITE_OK && p->real->pMethods)
		p->real->pMethods->xClose(p->real);
	p->base.pMethods = rc == SQLITE_OK ? &r_methods : NULL;
	return rc;
}

static int r_delete(sqlite3_vfs *v, const char *n, int sync)
{
	(void)v;
	if (recording && file_id(n) == F_WAL)
		push((struct op){.kind = OP_TRUNC, .file = F_WAL, .len = 0});
	return unix_vfs->xDelete(unix_vfs, n, sync);
}
static int r_access(sqlite3_vfs *v, const char *n, int fl, int *o)
{
	(void)v;
	return unix_vfs->xAccess(unix_vfs, n, fl, o);
}
static int r_full_pathname(sqlite3_vfs *v, const char *n, int cap, char *o)
{
	(void)v;
	return unix_vfs->xFullPathname(unix_vfs, n, cap, o);
}
static void *r_dlopen(sqlite3_vfs *v, const char *n)
{
	(void)v;
	return unix_vfs->xDlOpen(unix_vfs, n);
}
static void r_dlerror(sqlite3_vfs *v, int n, char *o)
{
	(void)v;
	unix_vfs->xDlError(unix_vfs, n, o);
}
static void (*r_dlsym(sqlite3_vfs *v, void *h, const char *n))(void)
{
	(void)v;
	return unix_vfs->xDlSym(unix_vfs, h, n);
}
static void r_dlclose(sqlite3_vfs *v, void *h)
{
	(void)v;
	unix_vfs->xDlClose(unix_vfs, h);
}
static int r_randomness(sqlite3_vfs *v, int n, char *o)
{
	(void)v;
	return unix_vfs->xRandomness(unix_vfs, n, o);
}
static int r_sleep(sqlite3_vfs *v, int us)
{
	(void)v;
	return unix_vfs->xSleep(unix_vfs, us);
}
static int r_current_time(sqlite3_vfs *v, double *o)
{
	(void)v;
	return unix_vfs->xCurrentTime(unix_vfs, o);
}
static int r_last_error(sqlite3_vfs *v, int n, char *o)
{
	(void)v;
	return unix_vfs->xGetLastError(unix_vfs, n, o);
}
static int r_current_time64(sqlite3_vfs *v, sqlite3_int64 *o)
{
	(void)v;
	return unix_vfs->xCurrentTimeInt64(unix_vfs, o);
}

static sqlite3_vfs rec_vfs = {
	.iVersion = 2,
	.zName = "crash-recorder",
	.xOpen = r_open,
	.xDelete = r_delete,
	.xAccess = r_access,
	.xFullPathname = r_full_pathname,
	.xDlOpen = r_dlopen,
	.xDlError = r_dlerror,
	.xDlSym = r_dlsym,
	.xDlClose = r_dlclose,
	.xRandomness = r_randomness,
	.xSleep = r_sleep,
	.xCurrentTime = r_current_time,
	.xGetLastError = r_last_error,
	.xCurrentTimeInt64 = r_current_time64,
};

/* ---- the workload, and what each step promised once it returned ---- */

enum {
	S_PUT,
	S_ERASE,
	S_SWEEP
};

struct step {
	int kind;
	char subject[GD_SUBJECT_ID_SIZE];
	int64_t records[8]; /* put: records[0]; erase and sweep: the records gone */
	int nrecords;
	unsigned char wrapped[128]; /* erase: the subject's wrapped key, as on disk */
	size_t wrapped_len;
};

static struct {
	struct step v[32];
	int n;
	char dir[300], path[320], key[330];
	char states[340];            /* where the crash states are rebuilt */
	struct fixture *fx;          /* the recorded vault's, closed */
	unsigned char *base[NFILES]; /* the files when recording began */
	size_t base_len[NFILES];
} w;

static const char *stage_cats[] = {"user.contact.email"};
static struct gd__stage contact_stage[] = {{GD__STAGE_DELETE, "collection", {0, 0, 30}}};
static struct gd__retention contact_rules[] = {{.categories = {stage_cats, 1}, .stages = contact_stage, .nstages = 1, .text = "30 days", .line = 1}};
static struct gd__activity acts[] = {{.id = "billing"}, {.id = "contact_requests", .retention = contact_rules, .nretention = 1}};
static struct gd__register reg = {.version = 1, .activities = acts, .nactivities = 2};

static void ack(void)
{
	if (recording)
		push((struct op){.kind = OP_ACK, .ack = w.n - 1});
}

static int64_t put(gd_actor *a, const char *subject, const char *activity)
{
	char value[40];
	int64_t id;
	gd_record_spec s = GD_RECORD_SPEC_INIT;
	s.activity = activity;
	s.category = "user.contact.email";
	memset(value, 'x', sizeof value);
	s.value = value;
	s.value_len = sizeof value;
	GD_OK_OR_FAIL(gd_record_put(a, &id, subject, &s));
	return id;
}

static void step_put(gd_actor *a, const char *subject, const char *activity)
{
	struct step *s = &w.v[w.n++];
	*s = (struct step){.kind = S_PUT, .nrecords = 1};
	gd__copy(s->subject, sizeof s->subject, subject);
	s->records[0] = put(a, subject, activity);
	ack();
}

static void wrapped_key(const char *subject, unsigned char *out, size_t *len)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	/* Straight through the unix VFS: nothing of this look-up enters the log. */
	assert_int_equal(sqlite3_open_v2(w.path, &db, SQLITE_OPEN_READONLY, "unix"), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT wrapped_key FROM subjects WHERE pseudonym = ?", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, subject, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	*len = (size_t)sqlite3_column_bytes(st, 0);
	assert_true(*len <= 128);
	memcpy(out, sqlite3_column_blob(st, 0), *len);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void step_erase(gd_actor *a, const char *subject, const int64_t *recs, int n)
{
	struct step *s = &w.v[w.n++];
	*s = (struct step){.kind = S_ERASE, .nrecords = n};
	gd__copy(s->subject, sizeof s->subject, subject);
	memcpy(s->records, recs, (size_t)n * sizeof *recs);
	wrapped_key(subject, s->wrapped, &s->wrapped_len);
	GD_OK_OR_FAIL(gd_subject_erase(a, subject));
	ack();
}

static void new_subject(gd_actor *a, char id[GD_SUBJECT_ID_SIZE])
{
	GD_OK_OR_FAIL(gd_subject_create(a, id));
}

static void run_workload(gd_actor *a, gd_vault *v)
{
	char sa[GD_SUBJECT_ID_SIZE], sb[GD_SUBJECT_ID_SIZE], sc[GD_SUBJECT_ID_SIZE], sd[GD_SUBJECT_ID_SIZE];
	int64_t ra[4], rb[4], rc[8];
	/* Puts, each its own transaction. */
	new_subject(a, sa);
	step_put(a, sa, "billing");
	ra[0] = w.v[w.n - 1].records[0];
	step_put(a, sa, "billing");
	ra[1] = w.v[w.n - 1].records[0];
	new_subject(a, sb);
	step_put(a, sb, "billing");
	rb[0] = w.v[w.n - 1].records[0];
	/* A batch: one transaction, acknowledged at its commit. */
	GD_OK_OR_FAIL(gd_vault_begin(v));
	new_subject(a, sc);
	for (int i = 0; i < 5; i++)
		rc[i] = put(a, sc, "billing");
	GD_OK_OR_FAIL(gd_vault_commit(v));
	for (int i = 0; i < 5; i++) {
		struct step *s = &w.v[w.n++];
		*s = (struct step){.kind = S_PUT, .nrecords = 1, .records = {rc[i]}};
		gd__copy(s->subject, sizeof s->subject, sc);
	}
	ack();
	/* An erasure (the WAL is scrubbed after it), then a put into the scrubbed
	 * WAL, then another erasure into it. */
	step_erase(a, sa, ra, 2);
	step_put(a, sb, "billing");
	rb[1] = w.v[w.n - 1].records[0];
	step_erase(a, sb, rb, 2);
	/* A sweep deleting records past their retention (journaled deletions). */
	new_subject(a, sd);
	int64_t due[3];
	for (int i = 0; i < 3; i++)
		due[i] = put(a, sd, "contact_requests");
	step_put(a, sd, "billing");
	gd_vault_set_now(v, SWEEP_AT);
	gd_retention_stats st;
	GD_OK_OR_FAIL(gd__retention_sweep(a, &reg, NULL, &st));
	assert_int_equal(st.deleted, 3);
	struct step *s = &w.v[w.n++];
	*s = (struct step){.kind = S_SWEEP, .nrecords = 3};
	memcpy(s->records, due, sizeof due);
	ack();
	/* An erasure after the sweep, then one more put. */
	step_erase(a, sc, rc, 5);
	step_put(a, sd, "billing");
}

/* ---- rebuilding what a power cut leaves ---- */

struct img {
	unsigned char *b;
	size_t n, cap;
};

static void img_size(struct img *m, size_t n)
{
	if (n > m->cap) {
		m->cap = n + 65536;
		m->b = realloc(m->b, m->cap);
		assert_non_null(m->b);
	}
	if (n > m->n)
		memset(m->b + m->n, 0, n - m->n);
	m->n = n;
}

static void img_set(struct img *m, const unsigned char *b, size_t n)
{
	m->n = 0;
	img_size(m, n);
	if (n)
		memcpy(m->b, b, n);
}

/* A file's history up to a cut: what was synced, the ghost of what a truncation freed. */
struct hist {
	struct img durable, ghost;
	size_t unsynced[4096]; /* op indexes since the last sync */
	int nunsynced;
};

static void apply(struct img *m, struct img *ghost, const struct op *o)
{
	if (o->kind == OP_WRITE) {
		img_size(m, m->n > (size_t)(o->off + o->len) ? m->n : (size_t)(o->off + o->len));
		memcpy(m->b + o->off, o->data, (size_t)o->len);
	} else if (o->kind == OP_ZERO) {
		size_t end = (size_t)(o->off + o->len) < m->n ? (size_t)(o->off + o->len) : m->n;
		if ((size_t)o->off < end)
			memset(m->b + o->off, 0, end - (size_t)o->off);
	} else if (o->kind == OP_TRUNC) {
		if (ghost && (size_t)o->len < m->n) {
			if (ghost->n < m->n)
				img_size(ghost, m->n);
			memcpy(ghost->b + o->len, m->b + o->len, m->n - (size_t)o->len);
		}
		if ((size_t)o->len < m->n)
			m->n = (size_t)o->len;
		else
			img_size(m, (size_t)o->len);
	}
}

static void history(struct hist *h, int file, size_t cut)
{
	struct img vol = {0};
	img_set(&h->durable, w.base[file], w.base_len[file]);
	img_set(&vol, w.base[file], w.base_len[file]);
	h->ghost.n = 0;
	h->nunsynced = 0;
	for (size_t i = 0; i < cut; i++) {
		const struct op *o = &ops.v[i];
		if (o->file != file || o->kind == OP_ACK)
			continue;
		if (o->kind == OP_SYNC) {
			img_set(&h->durable, vol.b, vol.n);
			h->nunsynced = 0;
			continue;
		}
		apply(&vol, &h->ghost, o);
		assert_true(h->nunsynced < 4096);
		h->unsynced[h->nunsynced++] = i;
	}
	free(vol.b);
}

/*
 * The file after the cut when the unsynced operations in `keep` reached the
 * disk and the others did not. Without ordering, a lost write past the
 * durable end still moved the size, over the ghost's bytes.
 */
static void crash_image(struct img *out, const struct hist *h, const bool *keep, bool ordering)
{
	struct img ghost = {0};
	img_set(out, h->durable.b, h->durable.n);
	img_set(&ghost, h->ghost.b, h->ghost.n);
	size_t durable_end = h->durable.n;
	/* Metadata operations (truncation, zeroing) reach the disk in order, as a
	 * journaling file system commits them: once one is lost, so are the later. */
	bool metadata_lost = false;
	for (int j = 0; j < h->nunsynced; j++) {
		const struct op *o = &ops.v[h->unsynced[j]];
		bool metadata = o->kind == OP_TRUNC || o->kind == OP_ZERO;
		if (metadata && (!keep[j] || metadata_lost)) {
			metadata_lost = true;
			continue;
		}
		if (keep[j]) {
			apply(out, &ghost, o);
		} else if (!ordering && o->kind == OP_WRITE && (size_t)(o->off + o->len) > out->n) {
			size_t from = out->n, to = (size_t)(o->off + o->len);
			img_size(out, to);
			for (size_t k = from > durable_end ? from : durable_end; k < to; k++)
				out->b[k] = k < ghost.n ? ghost.b[k] : 0;
		}
	}
	free(ghost.b);
}

static void write_file(const char *path, const struct img *m)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, m->b, m->n), (ssize_t)m->n);
	close(fd);
}

static bool contains(const struct img *m, const unsigned char *needle, size_t n)
{
	return n && m->n >= n && memmem(m->b, m->n, needle, n) != NULL;
}

struct journal_seen {
	const char *subject;
	int64_t record;
	bool found;
};

static int journal_cb(void *ud, const struct gd__journal_entry *e, int64_t pos, const unsigned char mac[GD__BLIND_SIZE])
{
	struct journal_seen *j = ud;
	(void)pos, (void)mac;
	if (j->subject && e->kind == GD__J_ERASE && strcmp(e->subject, j->subject) == 0)
		j->found = true;
	if (!j->subject && e->kind == GD__J_DELETE && e->record_id == j->record)
		j->found = true;
	return 0;
}

static bool journal_has(gd_vault *v, const char *path, const char *subject, int64_t record)
{
	struct journal_seen j = {subject, record, false};
	if (gd__journal_each_file(path, v->ring, false, journal_cb, &j) < 0)
		return false;
	return j.found;
}

struct report {
	long states, violations;
	char first[300];
};

static void violation(struct report *r, size_t cut, const char *what, const char *variant)
{
	if (r->violations++ == 0)
		snprintf(r->first, sizeof r->first, "cut at op %zu/%zu (%s): %s", cut, ops.n, variant, what);
	if (getenv("GD_CRASH_STOP")) { /* debugging: keep the state */
		char cmd[600];
		snprintf(cmd, sizeof cmd, "rm -rf /tmp/crash-keep; cp -r '%s' /tmp/crash-keep", w.states);
		fprintf(stderr, "%s\n", r->first);
		if (system(cmd) == 0)
			exit(1);
	}
}

static int count_cb(void *ud, const gd_audit_entry *e)
{
	(void)e;
	++*(int *)ud;
	return 0;
}

/* Whether the trail holds an entry of `action` (about `subject` or `record`): written in the same transaction. */
static bool audited(gd_actor *a, const char *action, const char *subject, int64_t record)
{
	gd_audit_filter f = GD_AUDIT_FILTER_INIT;
	int n = 0;
	f.action = action;
	f.subject = subject;
	f.record_id = record;
	return gd_audit_list(a, &f, count_cb, &n) == 0 && n > 0;
}

static bool record_gone(gd_actor *a, int64_t id)
{
	gd_record *r = NULL;
	int rc = gd_record_get(a, &r, id, "billing");
	gd_record_free(r);
	return rc == GD_ENOTFOUND;
}

/* Opens the rebuilt files as a vault and checks every promise made before `cut`. */
static void check_state(struct report *r, const char *dir, const struct img *files, size_t cut, bool ordering,
                        const char *variant)
{
	char path[400], p[420];
	snprintf(path, sizeof path, "%s/vault.db", dir);
	for (int i = 0; i < NFILES; i++) {
		snprintf(p, sizeof p, "%s%s", path, suffix[i]);
		unlink(p);
		if (files[i].n || i == F_DB)
			write_file(p, &files[i]);
	}
	snprintf(p, sizeof p, "%s-shm", path);
	unlink(p);
	snprintf(p, sizeof p, "%s.lock", path);
	unlink(p);
	r->states++;

	int acked = -1;
	for (size_t i = 0; i < cut; i++)
		if (ops.v[i].kind == OP_ACK)
			acked = ops.v[i].ack;
	/* Scrubbed: as the disk holds them, before any recovery. Not without
	 * ordering: a file system that shows old data in files after a crash
	 * (ext4 data=writeback) may show any freed block's, whatever was in it. */
	for (int s = 0; ordering && s <= acked; s++)
		if (w.v[s].kind == S_ERASE &&
		    (contains(&files[F_DB], w.v[s].wrapped, w.v[s].wrapped_len) ||
		     contains(&files[F_WAL], w.v[s].wrapped, w.v[s].wrapped_len)))
			violation(r, cut, "an erased subject's wrapped key is in the files", variant);

	gd_vault_options o = GD_VAULT_OPTIONS_INIT;
	o.now = SWEEP_AT;
	o.key_path = w.key;
	gd_vault *v = NULL;
	gd_actor *a = NULL;
	if (gd_vault_open(&v, path, &o) != 0 || gd_actor_open(&a, v, "acme", "test:unit") != 0) {
		violation(r, cut, "the vault does not open", variant);
		goto done;
	}
	gd_audit_report ar;
	if (gd_audit_verify(v, "acme", &ar, NULL, NULL) != 0)
		violation(r, cut, "the audit trail does not verify", variant);
	gd_vault_verify_report vr;
	if (gd_vault_verify(v, NULL, NULL, NULL, &vr) != 0)
		violation(r, cut, "a row does not verify", variant);
	snprintf(p, sizeof p, "%s.journal", path);
	bool erased[32] = {false}; /* erasure steps the database shows done, acknowledged or not */
	for (int s = 0; s < w.n; s++)
		erased[s] = w.v[s].kind == S_ERASE && audited(a, "subject.erase", w.v[s].subject, 0);
	for (int s = 0; s < w.n; s++) {
		const struct step *st = &w.v[s];
		/* A put stays unless an erasure of its subject reached the disk. */
		bool erased_later = false;
		for (int s2 = s + 1; st->kind == S_PUT && s2 < w.n; s2++)
			erased_later = erased_later || (erased[s2] && strcmp(w.v[s2].subject, st->subject) == 0);
		if (st->kind == S_PUT && s <= acked && !erased_later) {
			gd_record *rec = NULL;
			if (gd_record_get(a, &rec, st->records[0], "billing") != 0 || rec->value_len != 40)
				violation(r, cut, "an acknowledged put is lost", variant);
			gd_record_free(rec);
		}
		if (st->kind == S_PUT)
			continue;
		bool gone = true;
		for (int k = 0; k < st->nrecords; k++)
			gone = gone && record_gone(a, st->records[k]);
		if (s <= acked && !gone)
			violation(r, cut, st->kind == S_ERASE ? "an erased subject came back" : "a swept record came back", variant);
		/* Journaled before durable: what the database shows done, the journal holds. */
		if (erased[s] && !journal_has(v, p, st->subject, 0))
			violation(r, cut, "an erasure is in the database but not in the journal", variant);
		for (int k = 0; st->kind == S_SWEEP && k < st->nrecords; k++)
			if (audited(a, "retention.delete", NULL, st->records[k]) && !journal_has(v, p, NULL, st->records[k]))
				violation(r, cut, "a swept record's deletion is not in the journal", variant);
	}
done:
	gd_actor_close(a);
	gd_vault_close(v);
}

/* A small deterministic generator for the subsets. */
static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
	return *s;
}

/* Every cut point, every variant, one model. */
static struct report crash_all(bool ordering)
{
	struct report r = {0};
	/* The states are scratch: on tmpfs when there is one, where their syncs cost nothing. */
	char dir[340];
	snprintf(dir, sizeof dir, "/dev/shm/gdcrash-XXXXXX");
	if (!mkdtemp(dir)) {
		snprintf(dir, sizeof dir, "%s/crash", w.dir);
		assert_int_equal(mkdir(dir, 0700), 0);
	}
	snprintf(w.states, sizeof w.states, "%s", dir);
	static struct hist h[NFILES];
	struct img files[NFILES] = {{0}};
	uint64_t seed = 0x9e3779b97f4a7c15u;
	for (size_t cut = 0; cut <= ops.n; cut++) {
		bool at_sync = cut < ops.n && ops.v[cut].kind == OP_SYNC;
		bool at_ack = cut > 0 && ops.v[cut - 1].kind == OP_ACK;
		if (!at_sync && !at_ack && cut != ops.n)
			continue;
		for (int i = 0; i < NFILES; i++)
			history(&h[i], i, cut);
		/* The variants of one file's unsynced writes, the others synced only or whole. */
		for (int x = 0; x < NFILES; x++) {
			/* Without ordering only the WAL's variants differ: the database
			 * and the journal are never truncated, so they have no old
			 * content to show, only zeros, as with ordering. */
			int m = ordering || x == F_WAL ? h[x].nunsynced : 0;
			/* Prefixes and all-but-one at a stride: at most 8 of each. */
			int stride = m / 8 + 1, nprefix = (m + stride - 1) / stride;
			int nvariants = m == 0 ? (x == 0 ? 2 : 0) : 2 + 2 * nprefix + 2;
			for (int var = 0; var < nvariants; var++) {
				bool keep[4096];
				const char *name = "";
				for (int j = 0; j < h[x].nunsynced; j++)
					keep[j] = var == 1;
				for (int j = 0; j < m; j++) {
					if (var == 0)
						keep[j] = false, name = "none of the unsynced";
					else if (var == 1)
						keep[j] = true, name = "all of the unsynced";
					else if (var < 2 + nprefix)
						keep[j] = j < (var - 2) * stride + 1, name = "a prefix of the unsynced";
					else if (var < 2 + 2 * nprefix)
						keep[j] = j != (var - 2 - nprefix) * stride, name = "all but one unsynced";
					else
						keep[j] = rng(&seed) & 1, name = "a subset of the unsynced";
				}
				if (m == 0)
					name = var == 0 ? "synced only" : "all written";
				for (int others = 0; others < 2; others++) {
					for (int i = 0; i < NFILES; i++) {
						if (i == x) {
							crash_image(&files[i], &h[i], keep, ordering);
						} else {
							bool all[4096];
							for (int j = 0; j < h[i].nunsynced; j++)
								all[j] = others == 1;
							crash_image(&files[i], &h[i], all, ordering);
						}
					}
					char variant[160];
					snprintf(variant, sizeof variant, "%s of %s, other files %s, %s", name,
					         x == F_DB ? "the database" : x == F_WAL ? "the WAL"
					                                                 : "the journal",
					         others ? "as written" : "as synced", ordering ? "ordering" : "no ordering");
					check_state(&r, dir, files, cut, ordering, variant);
				}
			}
		}
	}
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	for (int i = 0; i < NFILES; i++) {
		free(files[i].b);
		free(h[i].durable.b);
		free(h[i].ghost.b);
		memset(&h[i], 0, sizeof h[i]);
	}
	return r;
}

/* ---- the tests ---- */

static unsigned char *slurp(const char *path, size_t *len)
{
	unsigned char *b = read_file(path, len);
	if (!b) {
		*len = 0;
		b = malloc(1);
	}
	return b;
}

/*
 * A fresh vault (closed, so its WAL is folded in and gone) is the base; the
 * workload then runs on it with every write logged.
 */
static void record_workload(bool ordered_writes)
{
	struct fixture *f = fx_new();
	fx_sqlite_only(f->path, "writes logged through an SQLite VFS");
	gd_actor_close(f->a);
	gd_vault_close(f->v);
	f->a = NULL, f->v = NULL;
	memset(&w, 0, sizeof w);
	ops_free();
	snprintf(w.dir, sizeof w.dir, "%s", f->dir);
	snprintf(w.path, sizeof w.path, "%s", f->path);
	snprintf(w.key, sizeof w.key, "%s", f->key);
	for (int i = 0; i < NFILES; i++) {
		char p[400];
		snprintf(p, sizeof p, "%s%s", f->path, suffix[i]);
		w.base[i] = slurp(p, &w.base_len[i]);
	}
	assert_int_equal(w.base_len[F_WAL], 0);
	char *full = realpath(f->path, NULL);
	assert_non_null(full);
	snprintf(rec_base, sizeof rec_base, "%s", full);
	free(full);
	journal_seen = (int64_t)w.base_len[F_JOURNAL];
	recording = true;

	gd_vault_options o = GD_VAULT_OPTIONS_INIT;
	o.now = FIXED_NOW;
	o.ordered_writes = ordered_writes;
	gd_vault *v;
	gd_actor *a;
	GD_OK_OR_FAIL(gd_vault_open(&v, f->path, &o));
	GD_OK_OR_FAIL(gd_actor_open(&a, v, "acme", "test:unit"));
	run_workload(a, v);
	journal_catch_up();
	recording = false;
	gd_actor_close(a);
	gd_vault_close(v);
	rec_base[0] = 0;
	if (getenv("GD_CRASH_LOG"))
		for (size_t i = 0; i < ops.n; i++)
			print_message("op %zu: %s %s off %lld len %lld ack %d\n", i,
			              (const char *[]){"write", "trunc", "sync", "ack", "zero"}[ops.v[i].kind],
			              ops.v[i].kind == OP_ACK ? "-" : suffix[ops.v[i].file][0] ? suffix[ops.v[i].file]
			                                                                       : "db",
			              (long long)ops.v[i].off, (long long)ops.v[i].len, ops.v[i].ack);
	/* The fixture and its folder stay until the checks are done (free_workload). */
	w.fx = f;
}

static void free_workload(void)
{
	fx_free(w.fx);
	for (int i = 0; i < NFILES; i++)
		free(w.base[i]);
	memset(&w, 0, sizeof w);
	ops_free();
}

static void print_report(const char *what, const struct report *r)
{
	print_message("%s: %ld crash states, %ld violations%s%s\n", what, r->states, r->violations,
	              r->violations ? "; first: " : "", r->violations ? r->first : "");
}

/*
 * Records the workload in a vault under `tmpdir` (NULL: the usual TMPDIR) and
 * says whether its erasures zeroed the WAL (or truncated it: tmpfs cannot zero
 * a range).
 */
static bool record_in(const char *tmpdir, bool ordered_writes)
{
	char *was = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
	if (tmpdir)
		setenv("TMPDIR", tmpdir, 1);
	struct gd__vfs_stats before = gd__vfs_stats();
	record_workload(ordered_writes);
	if (was)
		setenv("TMPDIR", was, 1);
	else
		unsetenv("TMPDIR");
	free(was);
	return gd__vfs_stats().wal_zeroed > before.wal_zeroed;
}

/* Every sync kept (the default), the WAL zeroed after an erasure: safe with or without the file system's ordering. */
static void default_mode_survives_every_cut(void **state)
{
	(void)state;
	bool zeroed = record_in(NULL, false);
	struct report r1 = crash_all(true), r2 = crash_all(false);
	print_report(zeroed ? "default, WAL zeroed, ordering" : "default, WAL truncated, ordering", &r1);
	print_report(zeroed ? "default, WAL zeroed, no ordering" : "default, WAL truncated, no ordering", &r2);
	assert_int_equal(r1.violations, 0);
	assert_int_equal(r2.violations, 0);
	assert_true(r1.states > 100);
	free_workload();
}

/* Where the WAL is truncated instead (tmpfs), every sync kept: safe too. */
static void default_mode_survives_every_cut_wal_truncated(void **state)
{
	(void)state;
	struct stat st;
	if (stat("/dev/shm", &st) != 0 || !S_ISDIR(st.st_mode))
		skip();
	bool zeroed = record_in("/dev/shm", false);
	struct report r1 = crash_all(true), r2 = crash_all(false);
	print_report(zeroed ? "default, WAL zeroed, ordering" : "default, WAL truncated, ordering", &r1);
	print_report(zeroed ? "default, WAL zeroed, no ordering" : "default, WAL truncated, no ordering", &r2);
	assert_int_equal(r1.violations, 0);
	assert_int_equal(r2.violations, 0);
	free_workload();
}

/*
 * --ordered-writes where the WAL is truncated (tmpfs): safe where the file
 * system orders writes; and the test can tell what it gives up where it
 * does not (an old header and frames shown again in the new log's blocks).
 */
static void ordered_writes_survive_where_writes_are_ordered(void **state)
{
	(void)state;
	struct stat st;
	if (stat("/dev/shm", &st) != 0 || !S_ISDIR(st.st_mode))
		skip();
	bool zeroed = record_in("/dev/shm", true);
	struct report r1 = crash_all(true), r2 = crash_all(false);
	print_report(zeroed ? "ordered-writes, WAL zeroed, ordering" : "ordered-writes, WAL truncated, ordering", &r1);
	print_report(zeroed ? "ordered-writes, WAL zeroed, no ordering" : "ordered-writes, WAL truncated, no ordering", &r2);
	assert_int_equal(r1.violations, 0);
	if (!zeroed) /* a WAL zeroed has no header sync to skip */
		assert_true(r2.violations > 0);
	free_workload();
}

/* The device flushes of one erasure in its own transaction, counted. */
static unsigned long erasure_flushes(bool ordered_writes)
{
	struct fixture *f = fx_new();
	fx_sqlite_only(f->path, "writes logged through an SQLite VFS");
	gd_vault_options o = GD_VAULT_OPTIONS_INIT;
	o.now = FIXED_NOW;
	o.ordered_writes = ordered_writes;
	gd_actor_close(f->a);
	gd_vault_close(f->v);
	GD_OK_OR_FAIL(gd_vault_open(&f->v, f->path, &o));
	GD_OK_OR_FAIL(gd_actor_open(&f->a, f->v, "acme", "test:unit"));
	char s[3][GD_SUBJECT_ID_SIZE];
	for (int i = 0; i < 3; i++) {
		new_subject(f->a, s[i]);
		put(f->a, s[i], "billing");
	}
	/* The first erasure leaves the WAL scrubbed, as a run of erasures finds it. */
	GD_OK_OR_FAIL(gd_subject_erase(f->a, s[0]));
	unsigned long before = flushes;
	GD_OK_OR_FAIL(gd_subject_erase(f->a, s[1]));
	unsigned long n = flushes - before;
	fx_free(f);
	return n;
}

static void erasure_flush_count(void **state)
{
	(void)state;
	/* The journal; the WAL (the commit, by the checkpoint); the database
	 * (the scrubbed pages); the WAL's zeroing (its old frames). The header
	 * written into the zeroed WAL needs no sync (sqlite_vfs.c). Where the
	 * file system cannot zero a range (tmpfs), the WAL is truncated instead,
	 * and then the header's sync is kept unless writes are ordered. */
	struct gd__vfs_stats before = gd__vfs_stats();
	unsigned long d = erasure_flushes(false), o = erasure_flushes(true);
	bool zeroed = gd__vfs_stats().wal_zeroed > before.wal_zeroed;
	print_message("flushes per erasure: %lu by default, %lu with ordered writes (WAL %s)\n", d, o,
	              zeroed ? "zeroed" : "truncated");
	assert_int_equal(d, zeroed ? 4 : 5);
	assert_int_equal(o, 4);
}

int main(void)
{
	if (fx_on_pg()) { /* the pg: copy (tests/CMakeLists.txt) */
		printf("skipped on PostgreSQL: the crash is simulated by an SQLite VFS that drops unsynced"
		       " writes; PostgreSQL's durability is its server's (tests/pg/test_concurrency.sh kills one)\n");
		return 77;
	}
	unix_vfs = sqlite3_vfs_find(NULL);
	assert_non_null(unix_vfs);
	rec_vfs.szOsFile = (int)sizeof(struct rfile) + unix_vfs->szOsFile;
	rec_vfs.mxPathname = unix_vfs->mxPathname;
	/* The default from now on: gardien's VFS, registered at the first open, wraps it. */
	if (sqlite3_vfs_register(&rec_vfs, 1) != SQLITE_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(erasure_flush_count),
		cmocka_unit_test(default_mode_survives_every_cut),
		cmocka_unit_test(default_mode_survives_every_cut_wal_truncated),
		cmocka_unit_test(ordered_writes_survive_where_writes_are_ordered),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
