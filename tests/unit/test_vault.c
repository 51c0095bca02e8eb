/*
 * test_vault.c — the vault's promises: nothing in clear on disk, erasure that
 * leaves no trace, ciphertexts bound to their row, tampering detected, wrong
 * keys refused, identifiers normalised, and all-or-nothing writes under faults.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "lib/internal.h"
#include "lib/store/sqlite_vfs.h"

static const char *EMAIL = "Jeanne.Martin@Example.FR";
static const char *PHONE = "06 12 34 56 78";
static const char *SECRET = "IBAN FR76 3000 6000 0112 3456 7890 189";

static void put_text(gd_actor *a, int64_t *id, const char *subject, const char *activity,
                     const char *category, const char *value)
{
	gd_record_spec s = GD_RECORD_SPEC_INIT;
	s.activity = activity;
	s.category = category;
	s.value = value;
	s.value_len = strlen(value);
	GD_OK_OR_FAIL(gd_record_put(a, id, subject, &s));
}

static void new_subject(struct fixture *f, char id[GD_SUBJECT_ID_SIZE])
{
	GD_OK_OR_FAIL(gd_subject_create(f->a, id));
	GD_OK_OR_FAIL(gd_subject_add_identifier(f->a, id, "email", EMAIL));
	GD_OK_OR_FAIL(gd_subject_add_identifier(f->a, id, "phone", PHONE));
}

/* Inverts every bit of byte `at` of a blob: a change whatever the byte was. */
static void flip_byte(const char *path, const char *table, const char *column, int64_t id, int at)
{
	char q[200];
	size_t n;
	snprintf(q, sizeof q, "SELECT %s FROM %s WHERE id = %lld", column, table, (long long)id);
	unsigned char *b = db_blob(path, q, &n);
	assert_true((size_t)at < n);
	b[at] ^= 0xff;
	snprintf(q, sizeof q, "UPDATE %s SET %s = ? WHERE id = %lld", table, column, (long long)id);
	db_exec_blob(path, q, b, n);
	free(b);
}

static bool vault_files_contain(struct fixture *f, const void *needle, size_t n)
{
	return fx_contains(f, needle, n);
}

static void no_plaintext_on_disk(void **state)
{
	struct fixture *f = fx_new();
	char id[GD_SUBJECT_ID_SIZE];
	new_subject(f, id);
	put_text(f->a, NULL, id, "billing", "user.financial.bank_account", SECRET);
	put_text(f->a, NULL, id, "billing", "user.contact.email", EMAIL);
	/* While open (data in the WAL) and after close (checkpointed into the file). */
	for (int pass = 0; pass < 2; pass++) {
		assert_false(vault_files_contain(f, SECRET, strlen(SECRET)));
		assert_false(vault_files_contain(f, EMAIL, strlen(EMAIL)));
		assert_false(vault_files_contain(f, "jeanne.martin@example.fr", 24));
		assert_false(vault_files_contain(f, "+33612345678", 12));
		assert_false(vault_files_contain(f, "0612345678", 10));
		assert_false(vault_files_contain(f, "3000 6000", 9));
		fx_reopen(f);
	}
	fx_free(f);
}

static void erasure_leaves_no_trace(void **state)
{
	struct fixture *f = fx_new();
	char id[GD_SUBJECT_ID_SIZE], found[GD_SUBJECT_ID_SIZE];
	int64_t rec;
	new_subject(f, id);
	put_text(f->a, &rec, id, "billing", "user.financial.bank_account", SECRET);

	/* Remember the sealed key and value as they are on disk. */
	size_t wk_len = 0, ct_len = 0;
	unsigned char wk[128], ct[256];
	{
		unsigned char *b = db_blob(f->path, "SELECT wrapped_key FROM subjects", &wk_len);
		assert_true(wk_len <= sizeof wk);
		memcpy(wk, b, wk_len);
		free(b);
		b = db_blob(f->path, "SELECT sealed FROM records", &ct_len);
		assert_true(ct_len <= sizeof ct);
		memcpy(ct, b, ct_len);
		free(b);
	}
	assert_true(vault_files_contain(f, wk, wk_len));

	GD_OK_OR_FAIL(gd_subject_erase(f->a, id));
	/* Right after the erasure, with the vault still open: no key, no ciphertext.
	 * PostgreSQL does not overwrite what it deletes: dead tuples until VACUUM,
	 * WAL until recycled, the erasure horizon of docs/scaling.md; there the
	 * rows are checked below, the bytes cannot be. */
	if (fx_on_pg())
		print_message("on PostgreSQL the erased key's bytes stay in dead tuples and WAL until the horizon"
		              " (docs/scaling.md): rows checked, files not\n");
	else
		assert_false(vault_files_contain(f, wk, wk_len));
	if (!fx_on_pg())
		assert_false(vault_files_contain(f, ct, ct_len));
	assert_int_equal(gd_subject_find(f->a, found, "email", "jeanne.martin@example.fr"), GD_ENOTFOUND);
	assert_int_equal(gd_subject_find(f->a, found, "phone", "+33 6 12 34 56 78"), GD_ENOTFOUND);
	gd_record *r = NULL;
	assert_int_equal(gd_record_get(f->a, &r, rec, "billing"), GD_ENOTFOUND);
	assert_null(r);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM records"), 0);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM identifiers"), 0);
	/* The audit keeps the erasure, pseudonymously. */
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit WHERE action = 'subject.erase'"), 1);
	fx_reopen(f);
	if (!fx_on_pg())
		assert_false(vault_files_contain(f, wk, wk_len));
	fx_free(f);
}

/*
 * A reader holding an old snapshot blocks the checkpoint that scrubs the WAL:
 * the erasure still commits, durably, and the scrub happens at the next commit
 * once the reader is gone. (Waits out the 5 s busy timeout once.)
 */
static void scrub_blocked_by_a_reader_is_retried(void **state)
{
	fx_sqlite_only(NULL, "SQLite's WAL scrub after an erasure; PostgreSQL leaves WAL to its recycling"
	                     " (docs/scaling.md, the erasure horizon)");
	struct fixture *f = fx_new();
	char id[GD_SUBJECT_ID_SIZE], other[GD_SUBJECT_ID_SIZE], found[GD_SUBJECT_ID_SIZE];
	int64_t rec;
	new_subject(f, id);
	put_text(f->a, &rec, id, "billing", "user.financial.bank_account", SECRET);
	size_t wk_len;
	unsigned char wk[128];
	sqlite3 *reader;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(f->path, &reader), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(reader, "SELECT wrapped_key FROM subjects", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	wk_len = (size_t)sqlite3_column_bytes(st, 0);
	assert_true(wk_len <= sizeof wk);
	memcpy(wk, sqlite3_column_blob(st, 0), wk_len);
	/* The statement stays open: the reader keeps its snapshot. */
	GD_OK_OR_FAIL(gd_subject_erase(f->a, id));
	assert_int_equal(gd_subject_find(f->a, found, "email", "jeanne.martin@example.fr"), GD_ENOTFOUND);
	assert_true(vault_files_contain(f, wk, wk_len)); /* not scrubbed yet */
	sqlite3_finalize(st);
	sqlite3_close(reader);
	GD_OK_OR_FAIL(gd_subject_create(f->a, other)); /* the next commit scrubs */
	assert_false(vault_files_contain(f, wk, wk_len));
	fx_free(f);
}

static off_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* Reopens the fixture's vault with ordered_writes as given. */
static void reopen_ordered(struct fixture *f, bool ordered)
{
	gd_actor_close(f->a);
	gd_vault_close(f->v);
	gd_vault_options o = GD_VAULT_OPTIONS_INIT;
	o.now = 1767225600;
	o.ordered_writes = ordered;
	GD_OK_OR_FAIL(gd_vault_open(&f->v, f->path, &o));
	GD_OK_OR_FAIL(gd_actor_open(&f->a, f->v, "acme", "test:unit"));
}

/* Whether the file holds nothing but zeros (or nothing). */
static bool all_zeros(const char *path)
{
	size_t n;
	unsigned char *b = read_file(path, &n);
	bool zero = true;
	for (size_t i = 0; b && i < n; i++)
		zero = zero && b[i] == 0;
	free(b);
	return zero;
}

/* Counts the syncs of a commit that writes a new WAL header. */
static void syncs_of_next_commit(struct fixture *f, struct gd__vfs_stats *d)
{
	char other[GD_SUBJECT_ID_SIZE], wal[320];
	snprintf(wal, sizeof wal, "%s-wal", f->path);
	struct gd__vfs_stats before = gd__vfs_stats();
	GD_OK_OR_FAIL(gd_subject_create(f->a, other));
	struct gd__vfs_stats after = gd__vfs_stats();
	assert_true(file_size(wal) > 0);
	d->header_syncs_skipped = after.header_syncs_skipped - before.header_syncs_skipped;
	d->wal_syncs = after.wal_syncs - before.wal_syncs;
}

/* Reopened (the WAL removed at close: the next commit creates an empty one),
 * then counts the syncs of the first commit. */
static void syncs_into_new_wal(struct fixture *f, bool ordered, struct gd__vfs_stats *d)
{
	char wal[320];
	snprintf(wal, sizeof wal, "%s-wal", f->path);
	reopen_ordered(f, ordered);
	assert_true(file_size(wal) <= 0);
	syncs_of_next_commit(f, d);
}

/* Leaves the WAL scrubbed (an erasure's: zeroed where the file system can,
 * else truncated), then counts the syncs of the next commit. Says whether
 * the WAL was zeroed. */
static bool syncs_after_scrub(struct fixture *f, struct gd__vfs_stats *d)
{
	char id[GD_SUBJECT_ID_SIZE], wal[320];
	int64_t rec;
	snprintf(wal, sizeof wal, "%s-wal", f->path);
	new_subject(f, id);
	put_text(f->a, &rec, id, "billing", "user.financial.bank_account", SECRET);
	struct gd__vfs_stats before = gd__vfs_stats();
	GD_OK_OR_FAIL(gd_subject_erase(f->a, id));
	bool zeroed = gd__vfs_stats().wal_zeroed > before.wal_zeroed;
	assert_true(zeroed ? file_size(wal) > 0 : file_size(wal) == 0);
	assert_true(all_zeros(wal));
	syncs_of_next_commit(f, d);
	return zeroed;
}

/*
 * Callers built against older headers pass shorter structs: version 1 ends
 * after `now`, version 2 after `ordered_writes` (the key providers came in 3).
 * Both still open the vault, version 2's ordered_writes is honoured, and a
 * version this library does not know is refused.
 */
struct options_v2 {
	unsigned version;
	const char *key_path;
	gd_time now;
	int ordered_writes;
};

static void older_options_versions_accepted(void **state)
{
	fx_sqlite_only(NULL, "the WAL header syncs counted by gardien's SQLite VFS (sqlite_vfs.c)");
	struct fixture *f = fx_new();
	gd_actor_close(f->a);
	gd_vault_close(f->v);
	struct options_v2 *o2 = malloc(sizeof *o2); /* exactly its size: ASan sees a read past it */
	assert_non_null(o2);
	*o2 = (struct options_v2){2, NULL, 1767225600, 1};
	GD_OK_OR_FAIL(gd_vault_open(&f->v, f->path, (const gd_vault_options *)o2));
	GD_OK_OR_FAIL(gd_actor_open(&f->a, f->v, "acme", "test:unit"));
	struct gd__vfs_stats d;
	gd_actor_close(f->a);
	gd_vault_close(f->v);
	f->a = NULL, f->v = NULL;
	GD_OK_OR_FAIL(gd_vault_open(&f->v, f->path, (const gd_vault_options *)o2));
	GD_OK_OR_FAIL(gd_actor_open(&f->a, f->v, "acme", "test:unit"));
	syncs_of_next_commit(f, &d);                 /* into the new, empty WAL */
	assert_int_equal(d.header_syncs_skipped, 1); /* ordered_writes read from the version-2 struct */
	gd_actor_close(f->a);
	f->a = NULL;
	gd_vault_close(f->v);
	o2->version = 1;
	GD_OK_OR_FAIL(gd_vault_open(&f->v, f->path, (const gd_vault_options *)o2));
	gd_vault_close(f->v);
	o2->version = GD_VAULT_OPTIONS_VERSION + 1;
	assert_int_equal(gd_vault_open(&f->v, f->path, (const gd_vault_options *)o2), GD_EINVAL);
	free(o2);
	f->v = NULL;
	reopen_ordered(f, false); /* the fixture's handles again, for fx_free */
	fx_free(f);
}

/* Opens `path` through gardien's VFS, as a vault's store does: WAL, memory-mapped. */
static sqlite3 *open_mapped(const char *path)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, GD__VFS_NAME), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA mmap_size=268435456;", NULL, NULL, NULL),
	                 SQLITE_OK);
	return db;
}

/* Every row of t read through `db`: their count, and whether each holds its version `ver`. */
static int rows_as_written(sqlite3 *db, int ver)
{
	sqlite3_stmt *st;
	int n = 0;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT id, v FROM t ORDER BY id", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char want[32];
		snprintf(want, sizeof want, "%d:%d", (int)sqlite3_column_int(st, 0), ver);
		const char *v = (const char *)sqlite3_column_text(st, 1);
		assert_int_equal(sqlite3_column_bytes(st, 1), 1000);
		assert_memory_equal(v, want, strlen(want));
		n++;
	}
	assert_int_equal(sqlite3_finalize(st), SQLITE_OK);
	return n;
}

static void write_rows(sqlite3 *db, int from, int to, int ver)
{
	char sql[256];
	snprintf(sql, sizeof sql,
	         "WITH RECURSIVE n(i) AS (SELECT %d UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
	         " INSERT OR REPLACE INTO t SELECT i, printf('%%-1000s', i || ':' || %d) FROM n",
	         from, to, ver);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
}

/*
 * A reader's memory map of the database is kept across another connection's
 * commits (sqlite_vfs.c f_unfetch), and what it reads through it is still
 * what the file holds: pages rewritten by a checkpoint, the file shrunk by a
 * VACUUM (the map dropped, no read past the end), grown back, grown by more
 * than an eighth.
 */
static void memory_map_kept_and_coherent(void **state)
{
	fx_sqlite_only(NULL, "the memory map of gardien's SQLite VFS (sqlite_vfs.c)");
	struct fixture *f = fx_new(); /* its folder, and gardien's VFS registered */
	char path[320];
	snprintf(path, sizeof path, "%s/map.db", f->dir);
	sqlite3 *w = open_mapped(path), *r = open_mapped(path);
	assert_int_equal(sqlite3_exec(w, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)", NULL, NULL, NULL), SQLITE_OK);
	write_rows(w, 1, 4000, 1);
	assert_int_equal(sqlite3_wal_checkpoint_v2(w, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL), SQLITE_OK);
	assert_int_equal(rows_as_written(r, 1), 4000); /* mapped now */

	/* Another connection's commits, then a checkpoint that rewrites the pages in the file. */
	uint64_t kept = gd__vfs_stats().maps_kept;
	write_rows(w, 1, 4000, 2);
	assert_int_equal(rows_as_written(r, 2), 4000);
	assert_int_equal(sqlite3_wal_checkpoint_v2(w, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL), SQLITE_OK);
	write_rows(w, 1, 10, 3); /* a change, so that the reader's next transaction asks to unmap */
	assert_int_equal(sqlite3_exec(w, "UPDATE t SET v = printf('%-1000s', id || ':3') WHERE id > 10", NULL, NULL, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_wal_checkpoint_v2(w, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL), SQLITE_OK);
	write_rows(w, 4001, 4001, 3);
	assert_int_equal(rows_as_written(r, 3), 4001);
	assert_true(gd__vfs_stats().maps_kept > kept);

	/* Shrunk: most rows deleted, the file vacuumed to a quarter. */
	assert_int_equal(sqlite3_exec(w, "DELETE FROM t WHERE id > 1000; VACUUM;", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_wal_checkpoint_v2(w, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL), SQLITE_OK);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_true(sb.st_size < 2 * 1000 * 1024);
	assert_int_equal(rows_as_written(r, 3), 1000);
	/* Grown back past its old size, by far more than an eighth. */
	write_rows(w, 1, 9000, 4);
	assert_int_equal(sqlite3_wal_checkpoint_v2(w, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL), SQLITE_OK);
	assert_int_equal(rows_as_written(r, 4), 9000);
	write_rows(w, 9001, 9001, 4);
	assert_int_equal(rows_as_written(r, 4), 9001);
	sqlite3_close(r);
	sqlite3_close(w);
	fx_free(f);
}

/*
 * By default (no ordered_writes) a WAL header written into an empty WAL is
 * synced: the file system may not order writes (ext4 data=writeback), and
 * only the operator knows it does. Into the WAL an erasure zeroed, it is not:
 * that is safe on any file system (sqlite_vfs.c).
 */
static void wal_header_synced_by_default(void **state)
{
	fx_sqlite_only(NULL, "the WAL header syncs counted by gardien's SQLite VFS (sqlite_vfs.c)");
	struct fixture *f = fx_new();
	struct gd__vfs_stats d;
	syncs_into_new_wal(f, false, &d);
	assert_int_equal(d.header_syncs_skipped, 0);
	assert_int_equal(d.wal_syncs, 2); /* the header's, the commit's */
	bool zeroed = syncs_after_scrub(f, &d);
	assert_int_equal(d.header_syncs_skipped, zeroed ? 1 : 0);
	assert_int_equal(d.wal_syncs, zeroed ? 1 : 2);
	fx_free(f);
}

/*
 * With ordered_writes, the header written into an empty WAL is not synced on
 * its own (no old frames to guard against, sqlite_vfs.c); a WAL restarted
 * over old frames still has its header synced.
 */
static void ordered_writes_skip_only_header_into_empty_wal(void **state)
{
	fx_sqlite_only(NULL, "the WAL header syncs counted by gardien's SQLite VFS (sqlite_vfs.c)");
	struct fixture *f = fx_new();
	struct gd__vfs_stats d;
	syncs_into_new_wal(f, true, &d);
	assert_int_equal(d.header_syncs_skipped, 1);
	assert_int_equal(d.wal_syncs, 1); /* the commit's own */
	syncs_after_scrub(f, &d);
	assert_int_equal(d.header_syncs_skipped, 1);
	assert_int_equal(d.wal_syncs, 1);

	/* Every frame copied back, the file kept: the next commit writes its header over old frames. */
	char other[GD_SUBJECT_ID_SIZE], wal[320];
	snprintf(wal, sizeof wal, "%s-wal", f->path);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	int frames = -1, copied = -2;
	assert_int_equal(sqlite3_exec(db, "SELECT count(*) FROM meta", NULL, NULL, NULL), SQLITE_OK); /* opens the WAL */
	assert_int_equal(sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_RESTART, &frames, &copied), SQLITE_OK);
	assert_true(frames > 0);
	assert_int_equal(copied, frames);
	sqlite3_close(db);
	assert_true(file_size(wal) > 0);
	struct gd__vfs_stats before = gd__vfs_stats();
	GD_OK_OR_FAIL(gd_subject_create(f->a, other));
	struct gd__vfs_stats after = gd__vfs_stats();
	assert_int_equal(after.header_syncs_skipped - before.header_syncs_skipped, 0);
	assert_int_equal(after.wal_syncs - before.wal_syncs, 2); /* the header's, the commit's */

	/* Turned off again on the next open: the header is synced again. */
	syncs_into_new_wal(f, false, &d);
	assert_int_equal(d.header_syncs_skipped, 0);
	assert_int_equal(d.wal_syncs, 2);
	fx_free(f);
}

/*
 * Subject keys stay unwrapped in a bounded cache of the vault handle: a second
 * read of the same subject opens no key, even by another actor (a server opens
 * one per request); a wrapped key altered in the vault is not hidden by the
 * cache (the read fails as it would without it).
 */
static void subject_keys_cached_but_never_trusted(void **state)
{
	struct fixture *f = fx_new();
	char id[GD_SUBJECT_ID_SIZE], other[GD_SUBJECT_ID_SIZE];
	int64_t rec, rec2;
	gd_record *r;
	GD_OK_OR_FAIL(gd_subject_create(f->a, id));
	GD_OK_OR_FAIL(gd_subject_create(f->a, other));
	put_text(f->a, &rec, id, "billing", "user.contact.email", EMAIL);
	put_text(f->a, &rec2, other, "billing", "user.contact.email", "o@example.org");
	fx_reopen(f); /* a fresh handle: nothing cached */

	uint64_t before = gd__subject_unwraps();
	for (int i = 0; i < 3; i++) { /* each read its own transaction, its own actor */
		gd_actor *a;
		GD_OK_OR_FAIL(gd_actor_open(&a, f->v, "acme", "test:unit"));
		GD_OK_OR_FAIL(gd_record_get(a, &r, rec, "billing"));
		assert_string_equal(r->value, EMAIL);
		gd_record_free(r);
		gd_actor_close(a);
	}
	assert_int_equal(gd__subject_unwraps() - before, 1);

	/* The wrapped key altered on disk: the cached key is not used for it. */
	int64_t sid = db_count(f->path, "SELECT min(id) FROM subjects") /* `id`, created first */;
	flip_byte(f->path, "subjects", "wrapped_key", sid, 30);
	assert_int_equal(gd_record_get(f->a, &r, rec, "billing"), GD_ECORRUPT);
	flip_byte(f->path, "subjects", "wrapped_key", sid, 30);
	GD_OK_OR_FAIL(gd_record_get(f->a, &r, rec, "billing"));
	gd_record_free(r);
	fx_free(f);
}

/*
 * A subject created in a batch gets its identifiers without a read of its
 * row (its key kept from its creation, its id taken by the identifier's
 * INSERT): they find it, its records read back; a batch rolled back leaves
 * neither subject nor identifier, and an identifier for a subject that is
 * not there is refused.
 */
static void identifiers_of_a_subject_created_in_a_batch(void **state)
{
	struct fixture *f = fx_new();
	char s1[GD_SUBJECT_ID_SIZE], s2[GD_SUBJECT_ID_SIZE], s3[GD_SUBJECT_ID_SIZE], found[GD_SUBJECT_ID_SIZE];
	int64_t rec;
	gd_record *r;
	GD_OK_OR_FAIL(gd_vault_begin(f->v));
	GD_OK_OR_FAIL(gd_subject_create(f->a, s1));
	uint64_t before = gd__subject_unwraps();
	GD_OK_OR_FAIL(gd_subject_add_identifier(f->a, s1, "email", "ines@example.org"));
	assert_int_equal(gd__subject_unwraps() - before, 0);
	GD_OK_OR_FAIL(gd_subject_create(f->a, s2));
	/* s1 is no longer the subject kept: its row is read. */
	GD_OK_OR_FAIL(gd_subject_add_identifier(f->a, s1, "email", "ines.pro@example.org"));
	assert_int_equal(gd__subject_unwraps() - before, 1);
	GD_OK_OR_FAIL(gd_subject_add_identifier(f->a, s2, "email", "marc@example.org"));
	put_text(f->a, &rec, s2, "billing", "user.contact.email", EMAIL);
	GD_OK_OR_FAIL(gd_vault_commit(f->v));
	GD_OK_OR_FAIL(gd_subject_find(f->a, found, "email", "ines@example.org"));
	assert_string_equal(found, s1);
	GD_OK_OR_FAIL(gd_subject_find(f->a, found, "email", "ines.pro@example.org"));
	assert_string_equal(found, s1);
	GD_OK_OR_FAIL(gd_subject_find(f->a, found, "email", "marc@example.org"));
	assert_string_equal(found, s2);
	GD_OK_OR_FAIL(gd_record_get(f->a, &r, rec, "billing"));
	assert_string_equal(r->value, EMAIL);
	gd_record_free(r);

	GD_OK_OR_FAIL(gd_vault_begin(f->v));
	GD_OK_OR_FAIL(gd_subject_create(f->a, s3));
	GD_OK_OR_FAIL(gd_subject_add_identifier(f->a, s3, "email", "gone@example.org"));
	gd_vault_rollback(f->v);
	assert_int_equal(gd_subject_find(f->a, found, "email", "gone@example.org"), GD_ENOTFOUND);
	assert_int_equal(gd_subject_add_identifier(f->a, s3, "email", "gone@example.org"), GD_ENOTFOUND);
	fx_free(f);
}

/*
 * What leaves the key cache: an erased subject's key, from every handle of the
 * process, before the erasure returns (the other subjects' keys stay); the key
 * of a subject created in a batch that rolls back; and, bounded, the key a
 * newer one displaces.
 */
static void key_cache_forgets_erased_and_rolled_back(void **state)
{
	struct fixture *f = fx_new();
	char id[GD_SUBJECT_ID_SIZE], other[GD_SUBJECT_ID_SIZE], temp[GD_SUBJECT_ID_SIZE];
	int64_t rec, rec2;
	gd_record *r;
	GD_OK_OR_FAIL(gd_subject_create(f->a, id));
	GD_OK_OR_FAIL(gd_subject_create(f->a, other));
	put_text(f->a, &rec, id, "billing", "user.contact.email", EMAIL);
	put_text(f->a, &rec2, other, "billing", "user.contact.email", "o@example.org");
	/* A second handle on the same vault, as another worker thread of a server has. */
	gd_vault *v2;
	gd_actor *a2;
	gd_vault_options o = GD_VAULT_OPTIONS_INIT;
	o.key_path = f->key;
	GD_OK_OR_FAIL(gd_vault_open(&v2, f->path, &o));
	GD_OK_OR_FAIL(gd_actor_open(&a2, v2, "acme", "test:unit"));
	GD_OK_OR_FAIL(gd_record_get(a2, &r, rec, "billing"));
	gd_record_free(r);
	GD_OK_OR_FAIL(gd_record_get(a2, &r, rec2, "billing"));
	gd_record_free(r);
	assert_int_equal(gd__keycache_count(v2, a2->tenant_id, other), 1);

	GD_OK_OR_FAIL(gd_subject_erase(f->a, other)); /* through the first handle */
	assert_int_equal(gd__keycache_count(v2, a2->tenant_id, other), 0);
	assert_int_equal(gd__keycache_count(f->v, f->a->tenant_id, other), 0);
	assert_int_equal(gd__keycache_count(v2, a2->tenant_id, id), 1);
	uint64_t before = gd__subject_unwraps();
	GD_OK_OR_FAIL(gd_record_get(a2, &r, rec, "billing"));
	gd_record_free(r);
	assert_int_equal(gd__subject_unwraps() - before, 0);

	/* A subject created, written and read in a batch that rolls back. */
	GD_OK_OR_FAIL(gd_vault_begin(f->v));
	GD_OK_OR_FAIL(gd_subject_create(f->a, temp));
	put_text(f->a, &rec2, temp, "billing", "user.contact.email", "t@example.org");
	assert_int_equal(gd__keycache_count(f->v, f->a->tenant_id, temp), 1);
	gd_vault_rollback(f->v);
	assert_int_equal(gd__keycache_count(f->v, f->a->tenant_id, temp), 0);
	/* Committed, it stays. */
	GD_OK_OR_FAIL(gd_vault_begin(f->v));
	GD_OK_OR_FAIL(gd_subject_create(f->a, temp));
	put_text(f->a, &rec2, temp, "billing", "user.contact.email", "t@example.org");
	GD_OK_OR_FAIL(gd_vault_commit(f->v));
	GD_OK_OR_FAIL(gd_record_get(f->a, &r, rec, "billing")); /* a later transaction */
	gd_record_free(r);
	assert_int_equal(gd__keycache_count(f->v, f->a->tenant_id, temp), 1);
	gd_actor_close(a2);
	gd_vault_close(v2);

	/* Bounded: a handle asked for 2 keys holds at most 2, however many it reads. */
	o.key_cache = 2;
	GD_OK_OR_FAIL(gd_vault_open(&v2, f->path, &o));
	GD_OK_OR_FAIL(gd_actor_open(&a2, v2, "acme", "test:unit"));
	for (int i = 0; i < 8; i++) {
		char s[GD_SUBJECT_ID_SIZE];
		int64_t k;
		GD_OK_OR_FAIL(gd_subject_create(a2, s));
		put_text(a2, &k, s, "billing", "user.contact.email", "n@example.org");
		GD_OK_OR_FAIL(gd_record_get(a2, &r, k, "billing"));
		gd_record_free(r);
		assert_true(gd__keycache_count(v2, 0, NULL) <= 2);
	}
	o.key_cache = 65537;
	gd_vault *v3 = NULL;
	assert_int_equal(gd_vault_open(&v3, f->path, &o), GD_EINVAL);
	gd_actor_close(a2);
	gd_vault_close(v2);
	fx_free(f);
}

static void ciphertext_bound_to_its_row(void **state)
{
	struct fixture *f = fx_new();
	char s1[GD_SUBJECT_ID_SIZE], s2[GD_SUBJECT_ID_SIZE];
	int64_t r1, r2, r3;
	GD_OK_OR_FAIL(gd_subject_create(f->a, s1));
	GD_OK_OR_FAIL(gd_subject_create(f->a, s2));
	put_text(f->a, &r1, s1, "billing", "user.contact.email", "a@example.org");
	put_text(f->a, &r2, s1, "billing", "user.contact.email", "b@example.org");
	put_text(f->a, &r3, s1, "billing", "user.contact.phone_number", "+33612345678");
	fx_reopen(f);
	char q[200];
	/* Same subject, same category, another record id. */
	snprintf(q, sizeof q, "UPDATE records SET sealed = (SELECT sealed FROM records WHERE id = %lld) WHERE id = %lld", (long long)r1, (long long)r2);
	db_exec(f->path, q);
	/* Same record id, another category. */
	snprintf(q, sizeof q, "UPDATE records SET category = 'user.contact.email' WHERE id = %lld", (long long)r3);
	db_exec(f->path, q);
	gd_record *r = NULL;
	assert_int_equal(gd_record_get(f->a, &r, r2, "billing"), GD_ECORRUPT);
	assert_int_equal(gd_record_get(f->a, &r, r3, "billing"), GD_ECORRUPT);
	GD_OK_OR_FAIL(gd_record_get(f->a, &r, r1, "billing"));
	assert_string_equal((char *)r->value, "a@example.org");
	gd_record_free(r);
	/* Another subject's row. */
	snprintf(q, sizeof q, "UPDATE records SET subject_id = (SELECT id FROM subjects WHERE pseudonym = '%s') WHERE id = %lld", s2, (long long)r1);
	db_exec(f->path, q);
	assert_int_equal(gd_record_get(f->a, &r, r1, "billing"), GD_ECORRUPT);
	fx_free(f);
}

static void flipped_bytes_detected(void **state)
{
	struct fixture *f = fx_new();
	char s1[GD_SUBJECT_ID_SIZE];
	int64_t r1, r2;
	GD_OK_OR_FAIL(gd_subject_create(f->a, s1));
	put_text(f->a, &r1, s1, "billing", "user.contact.email", "a@example.org");
	put_text(f->a, &r2, s1, "billing", "user.contact.email", "b@example.org");
	gd_actor_close(f->a), f->a = NULL;
	gd_vault_close(f->v), f->v = NULL;
	/* One byte of the ciphertext body of r1. */
	flip_byte(f->path, "records", "sealed", r1, 30);
	fx_reopen(f);
	gd_record *r = NULL;
	assert_int_equal(gd_record_get(f->a, &r, r1, "billing"), GD_ECORRUPT);
	assert_null(strstr(gd_error_last(), "example.org"));
	GD_OK_OR_FAIL(gd_record_get(f->a, &r, r2, "billing"));
	gd_record_free(r);
	/* One byte of the subject's wrapped key: every record of the subject fails. */
	flip_byte(f->path, "subjects", "wrapped_key", db_count(f->path, "SELECT id FROM subjects"), 0);
	assert_int_equal(gd_record_get(f->a, &r, r2, "billing"), GD_ECORRUPT);
	/* One byte of the tenant's wrapped key: the tenant does not open. */
	flip_byte(f->path, "tenants", "wrapped_key", db_count(f->path, "SELECT id FROM tenants WHERE name = 'acme'"), 40);
	gd_actor_close(f->a), f->a = NULL;
	gd_actor *a = NULL;
	assert_int_equal(gd_actor_open(&a, f->v, "acme", "test:unit"), GD_ECORRUPT);
	assert_null(a);
	gd_vault_close(f->v), f->v = NULL;
	fx_free(f);
}

static void wrong_key_refused(void **state)
{
	struct fixture *f = fx_new();
	struct fixture *g = fx_new();
	gd_actor_close(f->a), f->a = NULL;
	gd_vault_close(f->v), f->v = NULL;
	gd_vault_options o = GD_VAULT_OPTIONS_INIT;
	o.key_path = g->key;
	gd_vault *v = NULL;
	assert_int_equal(gd_vault_open(&v, f->path, &o), GD_EDENIED);
	assert_null(v);
	assert_non_null(strstr(gd_error_last(), "wrong key"));
	/* A key file others can read is refused before it is used. */
	o.key_path = fx_key_for(f->path); /* its own key: the default beside a file vault, named for a URL */
	assert_int_equal(chmod(f->key, 0644), 0);
	assert_int_equal(gd_vault_open(&v, f->path, &o), GD_EDENIED);
	assert_non_null(strstr(gd_error_last(), "chmod 600"));
	/* No key file at all. */
	assert_int_equal(unlink(f->key), 0);
	assert_int_equal(gd_vault_open(&v, f->path, &o), GD_ENOTFOUND);
	fx_free(g);
	fx_free(f);
}

static void damaged_database_refused(void **state)
{
	fx_sqlite_only(NULL, "a damaged or truncated SQLite file; PostgreSQL's pages are the server's, checked by it");
	struct fixture *f = fx_new();
	char s1[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, s1));
	gd_actor_close(f->a), f->a = NULL;
	gd_vault_close(f->v), f->v = NULL;
	size_t len;
	unsigned char *buf = read_file(f->path, &len);
	assert_non_null(buf);
	/* Truncated to half. */
	FILE *fp = fopen(f->path, "wb");
	fwrite(buf, 1, len / 2, fp);
	fclose(fp);
	gd_vault *v = NULL;
	int rc = gd_vault_open(&v, f->path, NULL);
	if (rc == 0) {
		gd_actor *a = NULL;
		rc = gd_actor_open(&a, v, "acme", "x");
		gd_actor_close(a);
		gd_vault_close(v);
	}
	assert_true(rc == GD_ECORRUPT || rc == GD_ENOTFOUND);
	/* Garbage. */
	memset(buf, 0x5a, len);
	fp = fopen(f->path, "wb");
	fwrite(buf, 1, len, fp);
	fclose(fp);
	v = NULL;
	assert_int_equal(gd_vault_open(&v, f->path, NULL), GD_ECORRUPT);
	assert_null(v);
	free(buf);
	fx_free(f);
}

static void identifiers_normalised(void **state)
{
	struct fixture *f = fx_new();
	char id[GD_SUBJECT_ID_SIZE], found[GD_SUBJECT_ID_SIZE];
	new_subject(f, id);
	GD_OK_OR_FAIL(gd_subject_add_identifier(f->a, id, "customer_number", "  C-1042 "));
	const char *emails[] = {"jeanne.martin@example.fr", "  JEANNE.MARTIN@EXAMPLE.FR\t", "Jeanne.Martin@example.fr"};
	for (size_t i = 0; i < 3; i++) {
		GD_OK_OR_FAIL(gd_subject_find(f->a, found, "email", emails[i]));
		assert_string_equal(found, id);
	}
	const char *phones[] = {"0612345678", "06.12.34.56.78", "+33 6 12 34 56 78", "0033612345678", "+33 (0)6 12 34 56 78", "(06) 12-34-56-78"};
	for (size_t i = 0; i < 6; i++) {
		GD_OK_OR_FAIL(gd_subject_find(f->a, found, "phone", phones[i]));
		assert_string_equal(found, id);
	}
	GD_OK_OR_FAIL(gd_subject_find(f->a, found, "customer_number", "C-1042"));
	assert_string_equal(found, id);
	/* Kinds are separate name spaces; other values are not found. */
	assert_int_equal(gd_subject_find(f->a, found, "customer_number", "jeanne.martin@example.fr"), GD_ENOTFOUND);
	assert_int_equal(gd_subject_find(f->a, found, "email", "jeanne.martin@example.com"), GD_ENOTFOUND);
	/* Every look-up is audited, found or not, with the kind but never the value. */
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit WHERE action = 'subject.find' AND outcome = 0"), 10);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit WHERE action = 'subject.find' AND outcome = 2 AND subject IS NULL"), 2);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit WHERE category = 'identifier:phone' AND action = 'subject.find'"), 6);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit WHERE reason LIKE '%jeanne%' OR category LIKE '%jeanne%'"), 0);
	/* The same identifier cannot point at two subjects. */
	char other[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, other));
	assert_int_equal(gd_subject_add_identifier(f->a, other, "email", "JEANNE.martin@example.fr"), GD_EEXISTS);
	/* Bad identifiers say what is wrong. */
	assert_int_equal(gd_subject_add_identifier(f->a, other, "email", "no-at-sign"), GD_EINVAL);
	assert_int_equal(gd_subject_add_identifier(f->a, other, "phone", "12ab"), GD_EINVAL);
	char norm[64];
	GD_OK_OR_FAIL(gd_identifier_normalise(norm, sizeof norm, "phone", "0470 12 34 56", "32"));
	assert_string_equal(norm, "+32470123456");
	assert_int_equal(gd_identifier_normalise(norm, sizeof norm, "phone", "0470 12 34 56", NULL), GD_EINVAL);
	fx_free(f);
}

static void bad_values_refused(void **state)
{
	struct fixture *f = fx_new();
	char id[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, id));
	gd_record_spec s = GD_RECORD_SPEC_INIT;
	s.activity = "billing";
	s.category = "user.contact.email";
	char *big = calloc(1, GD_VALUE_MAX + 2);
	memset(big, 'x', GD_VALUE_MAX + 1);
	s.value = big;
	s.value_len = GD_VALUE_MAX + 1;
	assert_int_equal(gd_record_put(f->a, NULL, id, &s), GD_ETOOBIG);
	free(big);
	s.value = "\xff\xfe";
	s.value_len = 2;
	assert_int_equal(gd_record_put(f->a, NULL, id, &s), GD_EINVAL);
	s.type = GD_VALUE_JSON;
	s.value = "{\"a\":";
	s.value_len = 5;
	assert_int_equal(gd_record_put(f->a, NULL, id, &s), GD_EINVAL);
	s.value = "{\"iban\": \"FR76\"}";
	s.value_len = strlen(s.value);
	s.category = "bad category!";
	assert_int_equal(gd_record_put(f->a, NULL, id, &s), GD_EINVAL);
	s.category = "user.financial";
	assert_int_equal(gd_record_put(f->a, NULL, "sub_000000000000000000000000", &s), GD_ENOTFOUND);
	assert_int_equal(gd_record_put(f->a, NULL, "not-a-subject", &s), GD_EINVAL);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM records"), 0);
	fx_free(f);
}

static void purpose_bound_reads(void **state)
{
	struct fixture *f = fx_new();
	char id[GD_SUBJECT_ID_SIZE];
	int64_t rec;
	GD_OK_OR_FAIL(gd_subject_create(f->a, id));
	put_text(f->a, &rec, id, "billing", "user.financial", "FR76");
	gd_record *r = NULL;
	assert_int_equal(gd_record_get(f->a, &r, rec, "marketing"), GD_EDENIED);
	assert_null(r);
	assert_non_null(strstr(gd_error_last(), "marketing"));
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit WHERE action = 'record.get' AND outcome = 1 AND purpose = 'marketing'"), 1);
	GD_OK_OR_FAIL(gd_record_get(f->a, &r, rec, "billing"));
	assert_int_equal(r->value_len, 4);
	gd_record_free(r);
	/* Another tenant does not see the record at all. */
	GD_OK_OR_FAIL(gd_tenant_create(f->v, "other", NULL));
	gd_actor *b = NULL;
	GD_OK_OR_FAIL(gd_actor_open(&b, f->v, "other", "test:unit"));
	assert_int_equal(gd_record_get(b, &r, rec, "billing"), GD_ENOTFOUND);
	char found[GD_SUBJECT_ID_SIZE];
	assert_int_equal(gd_subject_erase(b, id), GD_ENOTFOUND);
	assert_int_equal(gd_subject_find(b, found, "email", EMAIL), GD_ENOTFOUND);
	gd_actor_close(b);
	fx_free(f);
}

static int count_cb(void *ud, const gd_record *r)
{
	(*(int *)ud)++;
	return 0;
}

static int fail_on_second(void *ud, const gd_record *r)
{
	(void)r;
	return ++*(int *)ud == 2 ? GD_EIO : 0;
}

static int fail_on_first_subject(void *ud, const gd_subject_info *s)
{
	(void)s;
	++*(int *)ud;
	return GD_EIO;
}

static int stop_after_one(void *ud, const gd_record *r)
{
	(void)r;
	++*(int *)ud;
	return 7;
}

/*
 * A listing runs as a read, without the write lock: a callback that stops it
 * gets its value back, and the record it was given is audited; a listing
 * beside an open batch of another handle does not wait for it.
 */
static void listing_is_a_read(void **state)
{
	struct fixture *f = fx_new();
	char id[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, id));
	for (int i = 0; i < 3; i++)
		put_text(f->a, NULL, id, "billing", "user.contact.email", "x@example.org");
	int64_t gets = db_count(f->path, "SELECT count(*) FROM audit WHERE action = 'record.get'");
	int n = 0;
	assert_int_equal(gd_record_list(f->a, id, "billing", stop_after_one, &n, NULL), 7);
	assert_int_equal(n, 1);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit WHERE action = 'record.get'"), gets + 1);
	/* A callback failing on the second record: both it was handed stay audited. */
	n = 0;
	assert_int_equal(gd_record_list(f->a, id, "billing", fail_on_second, &n, NULL), GD_EIO);
	assert_int_equal(n, 2);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit WHERE action = 'record.get'"), gets + 3);
	/* So does a page of subjects (pseudonyms): audited as failed. */
	char next[GD_CURSOR_SIZE];
	n = 0;
	assert_int_equal(gd_subject_list(f->a, NULL, 10, fail_on_first_subject, &n, next), GD_EIO);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit WHERE action = 'subject.list' AND outcome = 2"), 1);
	gets += 2;

	/* Another handle holds the write lock in a batch: a listing in a group
	 * of reads still runs (a listing that took the lock would wait here for
	 * ever); its entries are committed with the group, after the batch. */
	gd_vault *w;
	gd_actor *wa = fx_second_actor(f, &w, "test:writer");
	GD_OK_OR_FAIL(gd_vault_begin(w));
	put_text(wa, NULL, id, "billing", "user.contact.email", "y@example.org");
	GD_OK_OR_FAIL(gd_vault_reads_begin(f->v));
	n = 0;
	GD_OK_OR_FAIL(gd_record_list(f->a, id, "billing", count_cb, &n, NULL));
	assert_int_equal(n, 3); /* the batch is not committed: its record is not seen */
	GD_OK_OR_FAIL(gd_vault_commit(w));
	GD_OK_OR_FAIL(gd_vault_reads_commit(f->v));
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit WHERE action = 'record.get'"), gets + 4);
	gd_actor_close(wa);
	gd_vault_close(w);
	fx_free(f);
}

static void update_list_delete_and_batches(void **state)
{
	struct fixture *f = fx_new();
	char id[GD_SUBJECT_ID_SIZE];
	int64_t r1, r2;
	GD_OK_OR_FAIL(gd_subject_create(f->a, id));
	put_text(f->a, &r1, id, "billing", "user.contact.email", "old@example.org");
	put_text(f->a, &r2, id, "newsletter", "user.contact.email", "old@example.org");
	GD_OK_OR_FAIL(gd_record_update(f->a, r1, GD_VALUE_TEXT, "new@example.org", 15));
	gd_record *r = NULL;
	GD_OK_OR_FAIL(gd_record_get(f->a, &r, r1, "billing"));
	assert_string_equal((char *)r->value, "new@example.org");
	gd_record_free(r);
	int n = 0;
	size_t denied = 0;
	GD_OK_OR_FAIL(gd_record_list(f->a, id, "billing", count_cb, &n, &denied));
	assert_int_equal(n, 1);
	assert_int_equal(denied, 1);
	GD_OK_OR_FAIL(gd_record_delete(f->a, r2));
	assert_int_equal(gd_record_delete(f->a, r2), GD_ENOTFOUND);

	/* A batch commits together or not at all; a failed operation inside it is undone alone. */
	GD_OK_OR_FAIL(gd_vault_begin(f->v));
	for (int i = 0; i < 50; i++)
		put_text(f->a, NULL, id, "billing", "user.contact.email", "x@example.org");
	gd_vault_rollback(f->v);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM records"), 1);
	GD_OK_OR_FAIL(gd_vault_begin(f->v));
	put_text(f->a, NULL, id, "billing", "user.contact.email", "y@example.org");
	gd_record_spec bad = GD_RECORD_SPEC_INIT;
	bad.activity = "billing", bad.category = "user.contact.email", bad.value = "z", bad.value_len = 1;
	assert_int_equal(gd_record_put(f->a, NULL, "sub_000000000000000000000000", &bad), GD_ENOTFOUND);
	put_text(f->a, NULL, id, "billing", "user.contact.email", "w@example.org");
	GD_OK_OR_FAIL(gd_vault_commit(f->v));
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM records"), 3);
	assert_int_equal(gd_vault_commit(f->v), GD_ESTATE);

	/* Ids are never handed out again, even the last one deleted, even after a reopen:
	 * an id in the audit trail names one record forever. */
	int64_t last, next;
	put_text(f->a, &last, id, "billing", "user.contact.email", "last@example.org");
	GD_OK_OR_FAIL(gd_record_delete(f->a, last));
	fx_reopen(f);
	put_text(f->a, &next, id, "billing", "user.contact.email", "next@example.org");
	assert_true(next > last);
	fx_free(f);
}

/*
 * A vault of format 2 took record ids from max(id), raised to a high-water
 * mark of deleted ids (meta.record_high_water). Opened, it is converted once:
 * its counter starts above both, so no id it ever gave comes back.
 */
static void format_2_vault_keeps_its_ids(void **state)
{
	fx_sqlite_only(NULL, "format 2 (ids from max(id)) was only ever an SQLite file; PostgreSQL's counters are sequences");
	struct fixture *f = fx_new();
	char id[GD_SUBJECT_ID_SIZE], held[GD_SUBJECT_ID_SIZE];
	int64_t r1, r2, h1, h2;
	GD_OK_OR_FAIL(gd_subject_create(f->a, id));
	put_text(f->a, &r1, id, "billing", "user.contact.email", "a@example.org");
	put_text(f->a, &r2, id, "billing", "user.contact.email", "b@example.org");
	GD_OK_OR_FAIL(gd_subject_create(f->a, held));
	GD_OK_OR_FAIL(gd_hold_place(f->a, &h1, held, 0, "litigation"));
	gd_actor_close(f->a);
	gd_vault_close(f->v);
	f->a = NULL, f->v = NULL;
	/* As format 2 left it: records up to r2, deleted ones up to r2 + 5, no counters. */
	char sql[256];
	snprintf(sql, sizeof sql,
	         "DROP TABLE counters; INSERT INTO meta (key, value) VALUES ('record_high_water', %lld);"
	         " UPDATE meta SET value = 2 WHERE key = 'format'",
	         (long long)(r2 + 5));
	db_exec(f->path, sql);
	fx_reopen(f);
	/* Converted all the way: counters (3), metadata MACs (4), audit lanes (5), erasure epochs (6). */
	assert_int_equal(db_count(f->path, "SELECT value FROM meta WHERE key = 'format'"), 7);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM meta WHERE key = 'record_high_water'"), 0);
	assert_int_equal(db_count(f->path, "SELECT value FROM counters WHERE name = 'records'"), r2 + 5);
	int64_t next;
	put_text(f->a, &next, id, "billing", "user.contact.email", "c@example.org");
	assert_int_equal(next, r2 + 6);
	/* The other counters start at their table's highest id: a hold id is not
	 * given again even once its subject's erasure deleted it. */
	assert_int_equal(db_count(f->path, "SELECT value FROM counters WHERE name = 'holds'"), h1);
	GD_OK_OR_FAIL(gd_hold_lift(f->a, h1, "settled"));
	GD_OK_OR_FAIL(gd_subject_erase(f->a, held));
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM holds"), 0);
	GD_OK_OR_FAIL(gd_hold_place(f->a, &h2, id, 0, "authority request"));
	assert_int_equal(h2, h1 + 1);
	/* Without a mark above them, the records' own ids: the counter starts at the highest. */
	gd_actor_close(f->a);
	gd_vault_close(f->v);
	f->a = NULL, f->v = NULL;
	db_exec(f->path, "DROP TABLE counters; INSERT INTO meta (key, value) VALUES ('record_high_water', 0);"
	                 " UPDATE meta SET value = 2 WHERE key = 'format'");
	fx_reopen(f);
	put_text(f->a, &r1, id, "billing", "user.contact.email", "d@example.org");
	assert_int_equal(r1, next + 1);
	/* Ids taken in a batch that rolls back are not stored: the counter stays. */
	GD_OK_OR_FAIL(gd_vault_begin(f->v));
	put_text(f->a, NULL, id, "billing", "user.contact.email", "e@example.org");
	gd_vault_rollback(f->v);
	assert_int_equal(db_count(f->path, "SELECT value FROM counters WHERE name = 'records'"), r1);
	fx_free(f);
}

/* Counts every row the vault holds, to prove a failed operation changed nothing. */
static int64_t rows(struct fixture *f)
{
	return db_count(f->path, "SELECT (SELECT count(*) FROM records) + (SELECT count(*) FROM subjects)"
	                         " + (SELECT count(*) FROM identifiers) + (SELECT count(*) FROM audit)");
}

/* What the fault loops of faults_leave_vault_unchanged share. */
struct put_faults {
	struct fixture *f;
	const char *subject;
	const gd_record_spec *spec;
	int64_t before;
};

static int op_put(void *ud)
{
	struct put_faults *c = ud;
	int64_t rid = 0;
	return gd_record_put(c->f->a, &rid, c->subject, c->spec);
}

static int op_add_identifier(void *ud)
{
	struct put_faults *c = ud;
	return gd_subject_add_identifier(c->f->a, c->subject, "email", EMAIL);
}

static int op_erase(void *ud)
{
	struct put_faults *c = ud;
	return gd_subject_erase(c->f->a, c->subject);
}

static void rows_unchanged(void *ud, long n, int rc)
{
	struct put_faults *c = ud;
	assert_int_equal(rows(c->f), c->before);
}

/*
 * A put in a caller's batch runs without a savepoint (gd__op_begin_lean): a
 * fault at any of its steps leaves the batch usable and holding nothing of the
 * failed put (no record, no audit entry: the chain still verifies), and the
 * batch's entries reach the trail as one block at its commit, not a row per put.
 */
static void lean_put_in_batch_survives_faults(void **state)
{
	fx_sqlite_only(NULL, "a PostgreSQL batch's writes are pipelined, a failure reported at the next sync"
	                     " point: a failed put fails the batch whole (docs/scaling.md);"
	                     " lean_put_fault_then_batch_rollback checks that nothing of it stays");
	struct fixture *f = fx_new();
	char id[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, id));
	int64_t records = db_count(f->path, "SELECT count(*) FROM records");
	int64_t blocks = db_count(f->path, "SELECT count(*) FROM audit_blocks");
	gd_record_spec s = GD_RECORD_SPEC_INIT;
	s.activity = "billing", s.category = "user.contact.email";
	s.value = EMAIL, s.value_len = strlen(EMAIL);
	GD_OK_OR_FAIL(gd_vault_begin(f->v));
	GD_OK_OR_FAIL(gd_record_put(f->a, NULL, id, &s)); /* the block holds an entry already */
	struct put_faults c = {f, id, &s, 0};
	/* The loop goes on in the same batch: each failed put must leave it usable. */
	struct fault_loop l = {.op = op_put, .ud = &c};
	assert_true(fault_loop_run(&l) >= 4); /* subject, counter, index row, audit, record */
	for (int i = 0; i < 8; i++)
		GD_OK_OR_FAIL(gd_record_put(f->a, NULL, id, &s));
	GD_OK_OR_FAIL(gd_vault_commit(f->v));

	assert_int_equal(db_count(f->path, "SELECT count(*) FROM records"), records + 10);
	/* Every stored record has its entry, and no failed put left one. */
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit WHERE action = 'record.put'"), 10);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM records r WHERE NOT EXISTS"
	                                   " (SELECT 1 FROM audit a WHERE a.action = 'record.put'"
	                                   " AND a.record_id = r.id)"),
	                 0);
	/* Every stored record is in the due-date index (rows of failed puts may remain, harmless). */
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM records r WHERE NOT EXISTS"
	                                   " (SELECT 1 FROM retention_due d WHERE d.record_id = r.id)"),
	                 0);
	/* One block for the batch's ten entries (and its checkpoint row apart). */
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit_blocks"), blocks + 1);
	gd_audit_report r;
	GD_OK_OR_FAIL(gd_audit_verify(f->v, "acme", &r, NULL, NULL));
	fx_free(f);
}

/* A put failed in a batch, then the batch rolled back: nothing of it stays. */
static void batch_open_with_one_put(void *ud)
{
	struct put_faults *c = ud;
	c->before = rows(c->f);
	GD_OK_OR_FAIL(gd_vault_begin(c->f->v));
	GD_OK_OR_FAIL(gd_record_put(c->f->a, NULL, c->subject, c->spec));
}

static void batch_rolls_back_whole(void *ud, long n, int rc)
{
	struct put_faults *c = ud;
	gd_vault_rollback(c->f->v);
	assert_int_equal(rows(c->f), c->before);
}

static void lean_put_fault_then_batch_rollback(void **state)
{
	struct fixture *f = fx_new();
	char id[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, id));
	gd_record_spec s = GD_RECORD_SPEC_INIT;
	s.activity = "billing", s.category = "user.contact.email";
	s.value = EMAIL, s.value_len = strlen(EMAIL);
	struct put_faults c = {f, id, &s, 0};
	struct fault_loop l = {.op = op_put, .before = batch_open_with_one_put, .check = batch_rolls_back_whole, .ud = &c};
	assert_true(fault_loop_run(&l) >= 4);
	GD_OK_OR_FAIL(gd_vault_commit(f->v)); /* the last, unfaulted run's two puts */
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM records"), 2);
	gd_audit_report r;
	GD_OK_OR_FAIL(gd_audit_verify(f->v, "acme", &r, NULL, NULL));
	fx_free(f);
}

/*
 * A full disk in a batch: SQLite rolls the whole transaction back by itself
 * (a statement without a statement journal, as a lean put's) and goes on in
 * autocommit. The batch must not go on: its next operation would take a
 * savepoint, which opens a transaction of its own, and commit the second half
 * of a batch whose first half is gone. Every later call fails until the
 * caller rolls the batch back; then the vault holds nothing of it.
 */
static void batch_fails_once_sqlite_dropped_it(void **state)
{
	fx_sqlite_only(NULL, "SQLite rolling a transaction back by itself (a full disk); a PostgreSQL batch"
	                     " that failed fails whole (test_pg.c, the deferred write the server refuses)");
	struct fixture *f = fx_new();
	char id[GD_SUBJECT_ID_SIZE], other[GD_SUBJECT_ID_SIZE];
	static char big[4000];
	memset(big, 'x', sizeof big - 1);
	GD_OK_OR_FAIL(gd_subject_create(f->a, id));
	put_text(f->a, NULL, id, "billing", "user.contact.email", EMAIL);
	int64_t records = db_count(f->path, "SELECT count(*) FROM records");
	int64_t subjects = db_count(f->path, "SELECT count(*) FROM subjects");
	gd_record_spec s = GD_RECORD_SPEC_INIT;
	s.activity = "billing", s.category = "user.contact.email";
	s.value = big, s.value_len = strlen(big);
	GD_OK_OR_FAIL(gd_vault_begin(f->v));
	/* No page beyond the file's present size: the disk is full. */
	GD_OK_OR_FAIL(gd__db_exec(f->v->store, "PRAGMA max_page_count = 1", NULL));
	int rc = 0, n = 0;
	while (n < 1000 && (rc = gd_record_put(f->a, NULL, id, &s)) == 0)
		n++;
	assert_int_equal(rc, GD_EIO);
	/* SQLite dropped the transaction: nothing more goes through the batch. */
	assert_int_equal(gd_subject_create(f->a, other), GD_EIO);
	assert_non_null(strstr(gd_error_last(), "roll the batch back"));
	assert_int_equal(gd_record_put(f->a, NULL, id, &s), GD_EIO);
	assert_int_equal(gd_vault_commit(f->v), GD_EIO);
	gd_vault_rollback(f->v);
	fx_reopen(f); /* max_page_count is the connection's */
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM records"), records);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM subjects"), subjects);
	/* The vault goes on: a new batch commits, the trail verifies. */
	GD_OK_OR_FAIL(gd_vault_begin(f->v));
	GD_OK_OR_FAIL(gd_record_put(f->a, NULL, id, &s));
	GD_OK_OR_FAIL(gd_vault_commit(f->v));
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM records"), records + 1);
	gd_audit_report r;
	GD_OK_OR_FAIL(gd_audit_verify(f->v, "acme", &r, NULL, NULL));
	fx_free(f);
}

static void faults_leave_vault_unchanged(void **state)
{
	struct fixture *f = fx_new();
	char id[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, id));
	gd_record_spec s = GD_RECORD_SPEC_INIT;
	s.activity = "billing", s.category = "user.contact.email";
	s.value = EMAIL, s.value_len = strlen(EMAIL);
	struct put_faults c = {f, id, &s, rows(f)};
	struct fault_loop l = {.op = op_put, .check = rows_unchanged, .ud = &c};
	assert_true(fault_loop_run(&l) > 4);     /* the put passed several fault points */
	assert_int_equal(rows(f), c.before + 2); /* the record and its audit entry */

	/* The same for adding an identifier and for an erasure. */
	c.before = rows(f);
	l.op = op_add_identifier;
	fault_loop_run(&l);
	c.before = rows(f);
	l.op = op_erase;
	fault_loop_run(&l);
	fx_free(f);
}

static void init_refuses_existing_and_cleans_up(void **state)
{
	fx_sqlite_only(NULL, "a failed init leaves no SQLite file (on PostgreSQL, tests/pg and the CLI tests' init)");
	struct fixture *f = fx_new();
	assert_int_equal(gd_vault_init(f->path, NULL), GD_EEXISTS);
	char path[320];
	snprintf(path, sizeof path, "%s/second.db", f->dir);
	for (long n = 1;; n++) {
		gd__fault_arm(n);
		int rc = gd_vault_init(path, NULL);
		bool fired = gd__fault_fired();
		gd__fault_arm(0);
		if (!fired) {
			GD_OK_OR_FAIL(rc);
			break;
		}
		assert_true(rc < 0);
		assert_int_not_equal(access(path, F_OK), 0);
		char key[330];
		snprintf(key, sizeof key, "%s.key", path);
		assert_int_not_equal(access(key, F_OK), 0);
	}
	fx_free(f);
}

static void calendar(void **state)
{
	gd_time t;
	char buf[32];
	GD_OK_OR_FAIL(gd_time_parse(&t, "2024-01-31"));
	gd_date_format(buf, gd_time_add_months(t, 1));
	assert_string_equal(buf, "2024-02-29"); /* leap year */
	GD_OK_OR_FAIL(gd_time_parse(&t, "2025-01-31T10:00:00Z"));
	gd_time_format(buf, gd_time_add_months(t, 1));
	assert_string_equal(buf, "2025-02-28T10:00:00Z");
	gd_date_format(buf, gd_time_add_months(t, 3));
	assert_string_equal(buf, "2025-04-30");
	GD_OK_OR_FAIL(gd_time_parse(&t, "2025-03-15"));
	gd_date_format(buf, gd_time_add_months(t, 1));
	assert_string_equal(buf, "2025-04-15");
	gd_date_format(buf, gd_time_add_months(t, 13));
	assert_string_equal(buf, "2026-04-15");
	gd_date_format(buf, gd_time_add_months(t, -15));
	assert_string_equal(buf, "2023-12-15");
	GD_OK_OR_FAIL(gd_time_parse(&t, "2026-03-01T01:30:00+02:00"));
	gd_time_format(buf, t);
	assert_string_equal(buf, "2026-02-28T23:30:00Z");
	gd_time_format(buf, gd_time_end_of_day(t));
	assert_string_equal(buf, "2026-02-28T23:59:59Z");
	GD_OK_OR_FAIL(gd_time_parse(&t, "@0"));
	assert_int_equal(t, 0);
	assert_int_equal(gd_time_parse(&t, "2026-02-30"), GD_EINVAL);
	assert_int_equal(gd_time_parse(&t, "2026-13-01"), GD_EINVAL);
	assert_int_equal(gd_time_parse(&t, "yesterday"), GD_EINVAL);
	assert_int_equal(gd_time_parse(&t, "2026-01-01T10:00"), GD_EINVAL);
}

/* Nonces come from a buffered page: every seal gets a new one, a forked child
 * does not repeat its parent's, and each refill of the page is new too. */
static void nonces_never_repeat(void **state)
{
	(void)state;
	enum {
		N = 1000
	};
	static unsigned char seen[N][GD__NONCE_SIZE];
	unsigned char key[GD__KEY_SIZE] = {0}, out[GD__NONCE_SIZE + 1 + GD__TAG_SIZE];
	for (int i = 0; i < N; i++) { /* several refills of the page */
		gd__seal(out, key, "x", 1, NULL, 0);
		memcpy(seen[i], out, GD__NONCE_SIZE);
		for (int j = 0; j < i; j++)
			assert_memory_not_equal(seen[i], seen[j], GD__NONCE_SIZE);
	}
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		gd__seal(out, key, "x", 1, NULL, 0);
		_exit(write(fds[1], out, GD__NONCE_SIZE) == GD__NONCE_SIZE ? 0 : 1);
	}
	unsigned char child[GD__NONCE_SIZE];
	assert_int_equal(read(fds[0], child, sizeof child), (ssize_t)sizeof child);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	gd__seal(out, key, "x", 1, NULL, 0);
	assert_memory_not_equal(child, out, GD__NONCE_SIZE);
	for (int j = 0; j < N; j++)
		assert_memory_not_equal(child, seen[j], GD__NONCE_SIZE);
	close(fds[0]);
	close(fds[1]);
}

/* A format-3 vault (no MAC columns) is converted at open: every row gets its
 * MAC, verifies, and an edit made afterwards is detected. */
static void format_3_vault_gets_its_macs(void **state)
{
	fx_sqlite_only(NULL, "format 3 (no MACs) is converted from SQLite files only: the PostgreSQL engine is new in this release, in format 6");
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE], found[GD_SUBJECT_ID_SIZE];
	int64_t id;
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));
	GD_OK_OR_FAIL(gd_subject_add_identifier(f->a, s, "email", EMAIL));
	put_text(f->a, &id, s, "billing", "user.financial", SECRET);
	gd_actor_close(f->a);
	gd_vault_close(f->v);
	f->a = NULL, f->v = NULL;
	/* What gardien of format 3 left: no mac columns. */
	db_exec(f->path, "ALTER TABLE records DROP COLUMN mac; ALTER TABLE identifiers DROP COLUMN mac");
	db_set_format(f->path, 3);
	fx_reopen(f);
	assert_int_equal(db_count(f->path, "SELECT value FROM meta WHERE key = 'format'"), 7);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM records WHERE length(mac) = 16"), 1);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM identifiers WHERE length(mac) = 16"), 1);
	gd_vault_verify_report r;
	GD_OK_OR_FAIL(gd_vault_verify(f->v, NULL, NULL, NULL, &r));
	assert_int_equal(r.records, 1);
	assert_int_equal(r.identifiers, 1);
	GD_OK_OR_FAIL(gd_subject_find(f->a, found, "email", EMAIL));
	gd_record *rec = NULL;
	GD_OK_OR_FAIL(gd_record_get(f->a, &rec, id, "billing"));
	gd_record_free(rec);
	gd_actor_close(f->a);
	gd_vault_close(f->v);
	f->a = NULL, f->v = NULL;
	db_exec(f->path, "UPDATE records SET collected_at = collected_at - 86400");
	fx_reopen(f);
	assert_int_equal(gd_record_get(f->a, &rec, id, "billing"), GD_ECORRUPT);
	assert_int_equal(gd_vault_verify(f->v, NULL, NULL, NULL, &r), GD_ECORRUPT);
	assert_int_equal(r.damaged, 1);
	fx_free(f);
}

/* A format-6 vault (record_objects, record_clients, request_steps and
 * auth_tokens without tenant_id) is converted at open: each row takes the
 * tenant of the row it hangs off, and the record reads as before. */
static void format_6_vault_gets_tenant_columns(void **state)
{
	fx_sqlite_only(NULL, "a format-6 SQLite vault; tests/pg/test_format7.sh converts a PostgreSQL one, keys and all");
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	int64_t id;
	gd_record *rec = NULL;
	gd_record_spec spec = GD_RECORD_SPEC_INIT;
	(void)state;
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));
	spec.activity = "billing", spec.category = "user.financial", spec.object = "C-2041";
	spec.value = SECRET, spec.value_len = strlen(SECRET);
	GD_OK_OR_FAIL(gd_record_put(f->a, &id, s, &spec));
	int64_t tenant = db_count(f->path, "SELECT tenant_id FROM records");
	assert_true(tenant > 0);
	gd_actor_close(f->a);
	gd_vault_close(f->v);
	f->a = NULL, f->v = NULL;
	db_exec(f->path, "ALTER TABLE record_objects DROP COLUMN tenant_id; ALTER TABLE record_clients DROP COLUMN tenant_id;"
	                 "ALTER TABLE request_steps DROP COLUMN tenant_id; ALTER TABLE auth_tokens DROP COLUMN tenant_id;"
	                 "UPDATE meta SET value = 6 WHERE key = 'format'");
	fx_reopen(f);
	assert_int_equal(db_count(f->path, "SELECT value FROM meta WHERE key = 'format'"), 7);
	assert_int_equal(db_count(f->path, "SELECT tenant_id FROM record_objects WHERE object = 'C-2041'"), tenant);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM pragma_table_info('auth_tokens') WHERE name = 'tenant_id'"), 1);
	GD_OK_OR_FAIL(gd_record_get(f->a, &rec, id, "billing"));
	assert_string_equal((char *)rec->value, SECRET);
	gd_record_free(rec);
	fx_free(f);
}

/* A format-5 vault (no erasure epochs) is converted at open: its tenants get
 * the default epoch length, its subject keys stay readable as epoch 0, and
 * the first gd_key_epoch moves them onto epoch 1. */
static void format_5_vault_gets_epochs(void **state)
{
	fx_sqlite_only(NULL, "format 5 (no epochs) is converted from SQLite files only: the PostgreSQL engine is new in this release, in format 6");
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	int64_t id;
	gd_record *rec = NULL;
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));
	put_text(f->a, &id, s, "billing", "user.financial", SECRET);
	gd_actor_close(f->a);
	gd_vault_close(f->v);
	f->a = NULL, f->v = NULL;
	db_exec(f->path, "DROP TABLE tenant_epochs; ALTER TABLE tenants DROP COLUMN epoch_seconds");
	db_set_format(f->path, 5);
	fx_reopen(f);
	assert_int_equal(db_count(f->path, "SELECT value FROM meta WHERE key = 'format'"), 7);
	assert_int_equal(db_count(f->path, "SELECT min(epoch_seconds) FROM tenants"), 7 * 86400);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM tenant_epochs"), 0);
	assert_int_equal(db_count(f->path, "SELECT length(wrapped_key) FROM subjects"), 72);
	GD_OK_OR_FAIL(gd_record_get(f->a, &rec, id, "billing"));
	gd_record_free(rec);
	gd_key_epoch_result r;
	GD_OK_OR_FAIL(gd_key_epoch(f->v, NULL, NULL, &r));
	assert_int_equal(r.begun, 1);
	assert_int_equal(r.rewrapped, 1);
	assert_int_equal(db_count(f->path, "SELECT length(wrapped_key) FROM subjects"), 76);
	GD_OK_OR_FAIL(gd_record_get(f->a, &rec, id, "billing"));
	assert_string_equal((char *)rec->value, SECRET);
	gd_record_free(rec);
	fx_free(f);
}

/* An epoch changed by another handle (another process: `gardien key epoch`
 * while a server runs): an open actor reads the re-wrapped keys and creates
 * subjects under the new epoch, picking the new epoch secret up from the key file. */
static void epoch_changed_under_an_open_vault(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE], t[GD_SUBJECT_ID_SIZE];
	int64_t id, id2;
	gd_record *rec = NULL;
	gd_key_epoch_result r;
	GD_OK_OR_FAIL(gd_key_epoch(f->v, NULL, NULL, &r));
	assert_int_equal(r.secret_version, 1);
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));
	put_text(f->a, &id, s, "billing", "user.financial", SECRET);
	GD_OK_OR_FAIL(gd_record_get(f->a, &rec, id, "billing")); /* epoch 1's key now in the actor */
	gd_record_free(rec);
	gd_vault *other = NULL;
	gd_vault_options o = GD_VAULT_OPTIONS_INIT;
	o.now = 1767225600 + 8 * 86400; /* the fixture's clock (helpers.c), 8 days on */
	o.key_path = fx_key_for(f->path);
	GD_OK_OR_FAIL(gd_vault_open(&other, f->path, &o));
	GD_OK_OR_FAIL(gd_key_epoch(other, NULL, NULL, &r));
	gd_vault_close(other);
	assert_int_equal(r.begun, 1);
	assert_int_equal(r.rewrapped, 1);
	assert_int_equal(r.destroyed, 1);
	assert_int_equal(r.secret_version, 2);
	GD_OK_OR_FAIL(gd_record_get(f->a, &rec, id, "billing"));
	assert_string_equal((char *)rec->value, SECRET);
	gd_record_free(rec);
	GD_OK_OR_FAIL(gd_subject_create(f->a, t));
	assert_int_equal(db_count(f->path, fx_sql("SELECT count(*) FROM subjects WHERE hex(substr(wrapped_key, 1, 4)) = '02000000'",
	                                          "SELECT count(*) FROM subjects WHERE encode(substr(wrapped_key, 1, 4), 'hex') = '02000000'")),
	                 2);
	put_text(f->a, &id2, t, "billing", "user.financial", "other");
	GD_OK_OR_FAIL(gd_record_get(f->a, &rec, id2, "billing"));
	gd_record_free(rec);
	/* Epoch 1's key is gone from the vault: only its row's dates are left. */
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM tenant_epochs WHERE epoch = 1 AND sealed_key IS NULL"), 1);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_plaintext_on_disk),
		cmocka_unit_test(nonces_never_repeat),
		cmocka_unit_test(erasure_leaves_no_trace),
		cmocka_unit_test(scrub_blocked_by_a_reader_is_retried),
		cmocka_unit_test(memory_map_kept_and_coherent),
		cmocka_unit_test(wal_header_synced_by_default),
		cmocka_unit_test(ordered_writes_skip_only_header_into_empty_wal),
		cmocka_unit_test(older_options_versions_accepted),
		cmocka_unit_test(subject_keys_cached_but_never_trusted),
		cmocka_unit_test(identifiers_of_a_subject_created_in_a_batch),
		cmocka_unit_test(key_cache_forgets_erased_and_rolled_back),
		cmocka_unit_test(ciphertext_bound_to_its_row),
		cmocka_unit_test(flipped_bytes_detected),
		cmocka_unit_test(wrong_key_refused),
		cmocka_unit_test(damaged_database_refused),
		cmocka_unit_test(identifiers_normalised),
		cmocka_unit_test(bad_values_refused),
		cmocka_unit_test(purpose_bound_reads),
		cmocka_unit_test(update_list_delete_and_batches),
		cmocka_unit_test(listing_is_a_read),
		cmocka_unit_test(faults_leave_vault_unchanged),
		cmocka_unit_test(lean_put_in_batch_survives_faults),
		cmocka_unit_test(batch_fails_once_sqlite_dropped_it),
		cmocka_unit_test(lean_put_fault_then_batch_rollback),
		cmocka_unit_test(format_2_vault_keeps_its_ids),
		cmocka_unit_test(init_refuses_existing_and_cleans_up),
		cmocka_unit_test(calendar),
		cmocka_unit_test(format_3_vault_gets_its_macs),
		cmocka_unit_test(format_5_vault_gets_epochs),
		cmocka_unit_test(format_6_vault_gets_tenant_columns),
		cmocka_unit_test(epoch_changed_under_an_open_vault),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
