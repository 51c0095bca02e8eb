/*
 * sqlite_vfs.h — the VFS the SQLite engine opens vaults with (see sqlite_vfs.c).
 */
#ifndef GD_SQLITE_VFS_H
#define GD_SQLITE_VFS_H

#include <stdint.h>

#define GD__VFS_NAME "gardien"
/* The same, skipping the sync of a header written into an empty WAL: only for
 * a file system known to order writes (sqlite_vfs.c). */
#define GD__VFS_ORDERED_NAME "gardien-ordered"

/* Registers both VFSes (neither as the default); an SQLite result code. Call once. */
int gd__vfs_register(void);

/* Process-wide counts, for tests: WAL syncs issued, header syncs skipped,
 * WALs scrubbed by zeroing (rather than truncated). */
struct gd__vfs_stats {
	uint64_t wal_syncs;
	uint64_t header_syncs_skipped;
	uint64_t wal_zeroed;
	uint64_t maps_kept; /* unmaps of the whole database left out (f_unfetch) */
};
struct gd__vfs_stats gd__vfs_stats(void);

#endif
