/*
 * sqlite_vfs.c — a thin layer over SQLite's default VFS: the WAL's scrub made
 * durable, one device flush that can be left out (the sync of a WAL header
 * written into an empty WAL), the database's memory map kept across other
 * connections' commits (f_fetch below). A truncation to the size a file
 * already has is always left out.
 *
 * An erasure's commit is followed by a TRUNCATE checkpoint (store_sqlite.c):
 * the WAL is copied into the database, the database synced, and the WAL
 * "truncated" to nothing, since its old frames hold images of the erased
 * rows. SQLite does not sync that truncation: until the file system commits
 * it on its own (seconds later), a power cut brings the whole old WAL back,
 * and the erased rows' images with it. So the log is zeroed where it lies
 * (its first block, then the rest: no crash leaves the old header in front
 * of part of the old log) or, where the file system cannot, truncated, and
 * then synced before the checkpoint returns: an erasure that returned is
 * scrubbed from the disk, not only from the page cache
 * (tests/unit/test_crash.c cuts power at every step to check it).
 *
 * Two VFSes are registered. GD__VFS_NAME keeps every sync SQLite asks for: the
 * default, safe on any file system. GD__VFS_ORDERED_NAME, chosen by the
 * operator for a file system known to order writes (gd_vault_options
 * .ordered_writes, `gardien --ordered-writes`), skips the header sync below.
 *
 * SQLite syncs a new WAL header before writing frames after it (ticket
 * ff5be73dee): when the log restarts over old frames, an out-of-order write
 * could otherwise leave the old header on disk in front of a mix of old and new
 * frames, and a recovery would replay part of an old log over a newer database.
 * When the file is empty (new, or truncated by the TRUNCATE checkpoint that
 * scrubs the log after every erasure) there are no old frames to mix with:
 * after a crash the file holds nothing, or the new header and some of the new
 * frames, and a frame without its header fails its checksum. The commit
 * itself is still synced before it returns (store_sqlite.c).
 *
 * This relies on what Linux file systems guarantee in their usual modes (ext4
 * data=ordered, the default; XFS; btrfs): after a crash, a file never shows the
 * old content of blocks it had freed. ext4 mounted data=writeback does not
 * (docs/FORMAT.md): the size of the new log can reach the disk before its
 * data, over blocks that still hold the old log's header and frames. Nor can
 * gardien tell from here what a file system or the device under it does:
 * hence an option, off by default.
 *
 * Every other call goes straight to the default VFS.
 */
#define _GNU_SOURCE /* fallocate, FALLOC_FL_ZERO_RANGE */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "lib/store/sqlite_vfs.h"

#define WAL_HEADER_SIZE 32

struct file {
	sqlite3_file base;
	sqlite3_file *real; /* the default VFS's file, allocated right after this one */
	bool wal;
	bool may_skip;           /* opened through the ordered-writes VFS */
	bool skip_sync;          /* the last write was a header into an empty or zeroed WAL */
	int fd;                  /* the WAL's own descriptor for fallocate, opened at its first scrub; -1 */
	char *path;              /* the WAL's name (SQLite's, valid while the file is open) */
	sqlite3_int64 map_bound; /* the database's size just after its memory map was made; 0: none made */
};

static sqlite3_vfs *real_vfs;
/* Counted for tests; atomic because vaults may live on several threads. */
static atomic_uint_fast64_t wal_syncs, header_syncs_skipped, wal_zeroed, maps_kept;

#define REAL(f) (((struct file *)(f))->real)

static int f_close(sqlite3_file *f)
{
	struct file *p = (struct file *)f;
	if (p->fd >= 0)
		close(p->fd); /* SQLite holds no lock on a WAL file: none is lost */
	int rc = REAL(f)->pMethods->xClose(REAL(f));
	f->pMethods = NULL;
	return rc;
}

static int f_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), buf, n, off);
}

/* Whether a header written now at offset 0 of the WAL needs no sync of its own (see above). */
static bool header_needs_no_sync(struct file *p)
{
	static const unsigned char zeros[WAL_HEADER_SIZE];
	unsigned char old[WAL_HEADER_SIZE];
	sqlite3_int64 size = -1;
	if (p->real->pMethods->xFileSize(p->real, &size) != SQLITE_OK)
		return false;
	if (size == 0)
		return p->may_skip;
	return size >= WAL_HEADER_SIZE && p->real->pMethods->xRead(p->real, old, sizeof old, 0) == SQLITE_OK &&
	       memcmp(old, zeros, sizeof old) == 0;
}

static int f_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
	struct file *p = (struct file *)f;
	p->skip_sync = p->wal && off == 0 && n == WAL_HEADER_SIZE && header_needs_no_sync(p);
	return p->real->pMethods->xWrite(p->real, buf, n, off);
}

/*
 * The WAL's content turned to zeros where it lies, as two metadata operations
 * (unwritten extents; the blocks stay the file's): its first block, then the
 * rest. A journaling file system commits them in that order, so no crash
 * leaves the old header in front of part of the old log. False when the file
 * system cannot (tmpfs, older kernels): then the WAL is truncated.
 */
static bool zero_wal(struct file *p, sqlite3_int64 size)
{
	const off_t first = 4096;
	if (p->fd < 0 && p->path)
		p->fd = open(p->path, O_RDWR | O_CLOEXEC);
	if (p->fd < 0)
		return false;
	int rc;
	do
		rc = fallocate(p->fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 0, size < first ? size : first);
	while (rc != 0 && errno == EINTR);
	if (rc == 0 && size > first) {
		do
			rc = fallocate(p->fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, first, size - first);
		while (rc != 0 && errno == EINTR);
		/* Past the first block a failure leaves the header zeroed: the truncation below is still right. */
	}
	return rc == 0;
}

/* The WAL's old frames made unreadable, and that made durable: zeroed (or,
 * where the file system cannot, truncated), then synced. */
static int scrub_wal(struct file *p)
{
	sqlite3_int64 size = 0;
	int rc = p->real->pMethods->xFileSize(p->real, &size);
	if (rc != SQLITE_OK || size == 0)
		return rc;
	if (zero_wal(p, size))
		atomic_fetch_add_explicit(&wal_zeroed, 1, memory_order_relaxed);
	else if ((rc = p->real->pMethods->xTruncate(p->real, 0)) != SQLITE_OK)
		return rc;
	atomic_fetch_add_explicit(&wal_syncs, 1, memory_order_relaxed);
	return p->real->pMethods->xSync(p->real, SQLITE_SYNC_NORMAL);
}

/* A checkpoint "truncates" the database to the size it already has: a system
 * call and an inode update for nothing, after every erasure. The WAL truncated
 * to 0 (the scrub after an erasure) is synced: see above. */
static int f_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	struct file *p = (struct file *)f;
	sqlite3_int64 now;
	if (p->wal && size == 0)
		return scrub_wal(p);
	if (REAL(f)->pMethods->xFileSize(REAL(f), &now) == SQLITE_OK && now == size)
		return SQLITE_OK;
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int f_sync(sqlite3_file *f, int flags)
{
	struct file *p = (struct file *)f;
	if (p->skip_sync) {
		p->skip_sync = false;
		atomic_fetch_add_explicit(&header_syncs_skipped, 1, memory_order_relaxed);
		return SQLITE_OK;
	}
	if (p->wal)
		atomic_fetch_add_explicit(&wal_syncs, 1, memory_order_relaxed);
	return p->real->pMethods->xSync(p->real, flags);
}

static int f_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int f_lock(sqlite3_file *f, int level)
{
	return REAL(f)->pMethods->xLock(REAL(f), level);
}

static int f_unlock(sqlite3_file *f, int level)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), level);
}

static int f_check_reserved(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int f_file_control(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int f_sector_size(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int f_device_characteristics(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int f_shm_map(sqlite3_file *f, int region, int size, int extend, void volatile **out)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), region, size, extend, out);
}

static int f_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}

static void f_shm_barrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int f_shm_unmap(sqlite3_file *f, int delete_flag)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), delete_flag);
}

/*
 * The database's memory map, kept across other connections' commits. SQLite
 * unmaps the whole file whenever a read transaction finds that the database
 * changed (another connection committed), in case a process truncated the
 * file and grew it back; the pages then fault in again, and a second reader
 * process, whose audit entries are such commits, read barely more than one
 * (docs/benchmarks.md). On Linux a shared map of a file stays coherent with
 * it through any write, truncation or growth: only pages past the end of the
 * file fault (SIGBUS). In WAL mode a read transaction asks the file only for
 * pages of its snapshot that are not in the log, and those are in the file
 * (the checkpoint truncates nothing a reader still needs), as they must be
 * for SQLite's own reads. So the map is kept while the file is as large as
 * when it was made, and dropped as SQLite asks when the file is smaller
 * (vacuumed by another program) or grew by more than an eighth (pages past
 * the map are read, not mapped: a new map takes them in).
 */
static int f_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **out)
{
	struct file *p = (struct file *)f;
	int rc = p->real->pMethods->xFetch(p->real, off, n, out);
	if (rc == SQLITE_OK && *out && !p->map_bound && p->real->pMethods->xFileSize(p->real, &p->map_bound) != SQLITE_OK)
		p->map_bound = 0;
	return rc;
}

static int f_unfetch(sqlite3_file *f, sqlite3_int64 off, void *page)
{
	struct file *p = (struct file *)f;
	sqlite3_int64 size;
	if (!page && p->map_bound > 0 && p->real->pMethods->xFileSize(p->real, &size) == SQLITE_OK &&
	    size >= p->map_bound && size - p->map_bound <= p->map_bound / 8) {
		atomic_fetch_add_explicit(&maps_kept, 1, memory_order_relaxed);
		return SQLITE_OK;
	}
	if (!page)
		p->map_bound = 0;
	return p->real->pMethods->xUnfetch(p->real, off, page);
}

static const sqlite3_io_methods methods = {
	.iVersion = 3,
	.xClose = f_close,
	.xRead = f_read,
	.xWrite = f_write,
	.xTruncate = f_truncate,
	.xSync = f_sync,
	.xFileSize = f_file_size,
	.xLock = f_lock,
	.xUnlock = f_unlock,
	.xCheckReservedLock = f_check_reserved,
	.xFileControl = f_file_control,
	.xSectorSize = f_sector_size,
	.xDeviceCharacteristics = f_device_characteristics,
	.xShmMap = f_shm_map,
	.xShmLock = f_shm_lock,
	.xShmBarrier = f_shm_barrier,
	.xShmUnmap = f_shm_unmap,
	.xFetch = f_fetch,
	.xUnfetch = f_unfetch,
};

static int v_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
	struct file *p = (struct file *)f;
	memset(p, 0, sizeof *p);
	p->real = (sqlite3_file *)(p + 1);
	p->fd = -1;
	p->wal = (flags & SQLITE_OPEN_WAL) != 0;
	/* SQLite keeps a file's name valid until it is closed (sqlite3_vfs.xOpen). */
	p->path = p->wal ? (char *)name : NULL;
	p->may_skip = vfs->pAppData != NULL;
	int rc = real_vfs->xOpen(real_vfs, name, p->real, flags, out_flags);
	if (rc == SQLITE_OK && p->real->pMethods->iVersion < 3)
		rc = SQLITE_CANTOPEN; /* our methods forward calls it would not have */
	if (rc != SQLITE_OK && p->real->pMethods)
		p->real->pMethods->xClose(p->real);
	/* Only an open file gets methods: SQLite closes nothing that failed to open. */
	p->base.pMethods = rc == SQLITE_OK ? &methods : NULL;
	return rc;
}

#define PASS(name, ret, params, args) \
	static ret v_##name params \
	{ \
		(void)v; \
		return real_vfs->x##name args; \
	}
PASS(Delete, int, (sqlite3_vfs * v, const char *n, int sync), (real_vfs, n, sync))
PASS(Access, int, (sqlite3_vfs * v, const char *n, int flags, int *out), (real_vfs, n, flags, out))
PASS(FullPathname, int, (sqlite3_vfs * v, const char *n, int cap, char *out), (real_vfs, n, cap, out))
PASS(Randomness, int, (sqlite3_vfs * v, int n, char *out), (real_vfs, n, out))
PASS(Sleep, int, (sqlite3_vfs * v, int us), (real_vfs, us))
PASS(CurrentTime, int, (sqlite3_vfs * v, double *out), (real_vfs, out))
PASS(GetLastError, int, (sqlite3_vfs * v, int n, char *out), (real_vfs, n, out))
PASS(CurrentTimeInt64, int, (sqlite3_vfs * v, sqlite3_int64 *out), (real_vfs, out))
PASS(DlOpen, void *, (sqlite3_vfs * v, const char *n), (real_vfs, n))
PASS(DlError, void, (sqlite3_vfs * v, int n, char *out), (real_vfs, n, out))
PASS(DlClose, void, (sqlite3_vfs * v, void *h), (real_vfs, h))
#undef PASS

typedef void (*dl_sym)(void);
static dl_sym v_DlSym(sqlite3_vfs *v, void *h, const char *name)
{
	(void)v;
	return real_vfs->xDlSym(real_vfs, h, name);
}

#define VFS_METHODS \
	.xOpen = v_open, \
	.xDelete = v_Delete, \
	.xAccess = v_Access, \
	.xFullPathname = v_FullPathname, \
	.xRandomness = v_Randomness, \
	.xSleep = v_Sleep, \
	.xCurrentTime = v_CurrentTime, \
	.xGetLastError = v_GetLastError, \
	.xCurrentTimeInt64 = v_CurrentTimeInt64, \
	.xDlOpen = v_DlOpen, \
	.xDlError = v_DlError, \
	.xDlSym = v_DlSym, \
	.xDlClose = v_DlClose,

static int ordered_tag; /* pAppData of the ordered VFS: any non-NULL pointer */

static sqlite3_vfs vfs = {.iVersion = 2, .zName = GD__VFS_NAME, VFS_METHODS};
static sqlite3_vfs vfs_ordered = {.iVersion = 2, .zName = GD__VFS_ORDERED_NAME, .pAppData = &ordered_tag, VFS_METHODS};
#undef VFS_METHODS

int gd__vfs_register(void)
{
	real_vfs = sqlite3_vfs_find(NULL);
	if (!real_vfs || real_vfs->iVersion < 2)
		return SQLITE_ERROR;
	vfs.szOsFile = vfs_ordered.szOsFile = (int)sizeof(struct file) + real_vfs->szOsFile;
	vfs.mxPathname = vfs_ordered.mxPathname = real_vfs->mxPathname;
	int rc = sqlite3_vfs_register(&vfs, 0);
	return rc == SQLITE_OK ? sqlite3_vfs_register(&vfs_ordered, 0) : rc;
}

struct gd__vfs_stats gd__vfs_stats(void)
{
	return (struct gd__vfs_stats){
		.wal_syncs = atomic_load_explicit(&wal_syncs, memory_order_relaxed),
		.header_syncs_skipped = atomic_load_explicit(&header_syncs_skipped, memory_order_relaxed),
		.wal_zeroed = atomic_load_explicit(&wal_zeroed, memory_order_relaxed),
		.maps_kept = atomic_load_explicit(&maps_kept, memory_order_relaxed),
	};
}
