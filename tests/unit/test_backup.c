/*
 * test_backup.c — backups: a restore re-applies every erasure and retention
 * deletion made since the snapshot (the erased subject stays gone, its key is
 * nowhere in the restored vault), damaged and foreign backups are refused with
 * nothing changed, rotation keeps exactly the policy's set over a year, and the
 * erasure horizon follows from it.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "lib/internal.h"
#include "lib/retention/retention.h"

static const char *SECRET = "IBAN FR76 3000 6000 0112 3456 7890 189";

static gd_time T(const char *s)
{
	gd_time t;
	if (gd_time_parse(&t, s) != 0)
		fail_msg("bad time %s", s);
	return t;
}

static struct gd__stage cookie_stage[] = {{GD__STAGE_DELETE, "collection", {0, 13, 0}}};
static struct gd__retention cookie_rule[] = {{.stages = cookie_stage, .nstages = 1, .text = "13 months"}};
static struct gd__activity acts[] = {{.id = "audience", .retention = cookie_rule, .nretention = 1},
                                     {.id = "billing"}};
static struct gd__register reg = {.version = 1, .activities = acts, .nactivities = 2};

static int64_t put(struct fixture *f, const char *s, const char *activity, const char *value)
{
	gd_record_spec sp = GD_RECORD_SPEC_INIT;
	int64_t id;
	sp.activity = activity;
	sp.category = "user.financial.bank_account";
	sp.value = value;
	sp.value_len = strlen(value);
	GD_OK_OR_FAIL(gd_record_put(f->a, &id, s, &sp));
	return id;
}

/* Options that open the fixture's vault on either engine (a PostgreSQL URL names no key file). */
static gd_vault_options opts(const struct fixture *f)
{
	gd_vault_options o = GD_VAULT_OPTIONS_INIT;
	o.key_path = fx_key_for(f->path);
	return o;
}

/* The same, to pass in place of NULL (the defaults) where the test did. */
static const gd_vault_options *optp(const struct fixture *f)
{
	static gd_vault_options o;
	o = opts(f);
	return &o;
}

/* The erasure journal: beside the vault file, or beside the key file of a PostgreSQL vault (vault.db.key). */
static void journal_path(const struct fixture *f, char *out, size_t n)
{
	snprintf(out, n, "%s/vault.db.journal", f->dir);
}

/* How many subjects hold this wrapped key. */
static int64_t rows_with_key(struct fixture *f, const unsigned char *wk, size_t n)
{
	char q[400], hex[260];
	for (size_t i = 0; i < n && i < 128; i++)
		snprintf(hex + 2 * i, 3, "%02x", wk[i]);
	snprintf(q, sizeof q, fx_sql("SELECT count(*) FROM subjects WHERE wrapped_key = x'%s'", "SELECT count(*) FROM subjects WHERE wrapped_key = decode('%s', 'hex')"),
	         hex);
	return db_count(f->path, q);
}

static void close_vault(struct fixture *f)
{
	gd_actor_close(f->a);
	gd_vault_close(f->v);
	f->a = NULL, f->v = NULL;
}

struct names {
	char list[8192];
	int n;
};

static int add_name(void *ud, const gd_backup_info *b)
{
	struct names *x = ud;
	size_t len = strlen(x->list);
	snprintf(x->list + len, sizeof x->list - len, "%s|", b->name);
	x->n++;
	return 0;
}

static void create(struct fixture *f, const char *dir, gd_backup_info *out)
{
	GD_OK_OR_FAIL(gd_backup_create(f->v, dir, out));
}

static int count_entry(void *ud, const gd_audit_entry *e)
{
	(void)e;
	++*(int64_t *)ud;
	return 0;
}

static int discard(void *ud, const void *p, size_t n)
{
	(void)ud, (void)p, (void)n;
	return 0;
}

/*
 * More rows and audit blocks than a page: a backup copies them all and a
 * verification, a listing and an export walk them all, and on PostgreSQL
 * none holds more than a page of them at once (a cursor read a page at a
 * time, store_pg.c).
 */

static void long_tables_are_read_a_page_at_a_time(void **state)
{
	struct fixture *f = fx_new();
	char sub[GD_SUBJECT_ID_SIZE], dir[400], file[700];
	gd_backup_info b;
	gd_audit_report r;
	snprintf(dir, sizeof dir, "%s/backups", f->dir);
	GD_OK_OR_FAIL(gd_subject_create(f->a, sub));
	for (int i = 0; i < GD__PG_SCAN_PAGE + 44; i++) /* a block each: one transaction each */
		put(f, sub, "billing", "invoice address");
	int64_t records = db_count(f->path, "SELECT count(*) FROM records");
	int64_t entries = db_count(f->path, "SELECT count(*) FROM audit");
	assert_true(db_count(f->path, "SELECT count(*) FROM audit_blocks") > GD__PG_SCAN_PAGE);
	gd__pg_max_rows_held(true);
	GD_OK_OR_FAIL(gd_audit_verify(f->v, NULL, &r, NULL, NULL));
	assert_int_equal(r.entries, entries);
	GD_OK_OR_FAIL(gd_audit_verify(f->v, "acme", &r, NULL, NULL));
	int64_t listed = 0, in_acme = db_count(f->path, "SELECT count(*) FROM audit WHERE tenant_id = 1");
	GD_OK_OR_FAIL(gd_audit_list(f->a, NULL, count_entry, &listed));
	assert_int_equal(listed, in_acme);
	GD_OK_OR_FAIL(gd_audit_export(f->a, NULL, GD_AUDIT_JSONL, discard, NULL));
	create(f, dir, &b);
	snprintf(file, sizeof file, "%s/%s", dir, b.name);
	if (fx_on_pg())
		assert_true(gd__pg_max_rows_held(false) <= GD__PG_SCAN_PAGE);
	close_vault(f);
	gd_vault_options o = opts(f);
	gd_backup_restore_stats rs;
	GD_OK_OR_FAIL(gd_backup_restore(f->path, &o, file, &rs));
	fx_reopen(f);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM records"), records);
	GD_OK_OR_FAIL(gd_audit_verify(f->v, NULL, &r, NULL, NULL));
	assert_true(r.entries >= entries); /* and the entries of the backup and the restore */
	fx_free(f);
}

static void erase_then_restore_keeps_subject_gone(void **state)
{
	struct fixture *f = fx_new();
	char gone[GD_SUBJECT_ID_SIZE], kept[GD_SUBJECT_ID_SIZE], found[GD_SUBJECT_ID_SIZE], dir[400];
	unsigned char wk[128];
	size_t wk_len;
	gd_backup_info b;
	snprintf(dir, sizeof dir, "%s/backups", f->dir);

	GD_OK_OR_FAIL(gd_subject_create(f->a, gone));
	GD_OK_OR_FAIL(gd_subject_add_identifier(f->a, gone, "email", "jeanne@example.org"));
	int64_t secret = put(f, gone, "billing", SECRET);
	GD_OK_OR_FAIL(gd_subject_create(f->a, kept));
	int64_t cookie = put(f, kept, "audience", "cookie-id-1");
	int64_t invoice = put(f, kept, "billing", "invoice address");
	{
		gd__stmt *st;
		GD_OK_OR_FAIL(gd__db_query(f->v->store, &st, "SELECT wrapped_key FROM subjects WHERE pseudonym = ?",
		                           "t", gone));
		assert_int_equal(gd__db_step(f->v->store, st), 1);
		const void *p = gd__col_blob(f->v->store, st, 0, &wk_len);
		memcpy(wk, p, wk_len);
		gd__db_reset(f->v->store, st);
	}
	gd_vault_set_now(f->v, T("2026-01-02T02:00:00Z"));
	create(f, dir, &b);
	assert_true(b.kinds & GD_BACKUP_DAILY);
	assert_int_equal(strlen(b.checksum), 64);
	char file[700];
	snprintf(file, sizeof file, "%s/%s", dir, b.name);
	/* The backup holds no plaintext and not the wrapped key in clear. */
	assert_false(file_contains(file, SECRET, strlen(SECRET)));
	assert_false(file_contains(file, wk, wk_len));
	GD_OK_OR_FAIL(gd_backup_verify(f->v, file));

	/* After the snapshot: an erasure and a retention deletion. */
	gd_vault_set_now(f->v, T("2027-03-01T00:00:00Z"));
	GD_OK_OR_FAIL(gd_subject_erase(f->a, gone));
	gd_retention_stats st;
	GD_OK_OR_FAIL(gd__retention_sweep(f->a, &reg, NULL, &st));
	assert_int_equal(st.deleted, 1);
	close_vault(f);

	gd_vault_options o = opts(f);
	o.now = T("2027-03-02");
	gd_backup_restore_stats rs;
	GD_OK_OR_FAIL(gd_backup_restore(f->path, &o, file, &rs));
	/* The snapshot held both: the restore re-applied both. */
	assert_int_equal(rs.erasures, 1);
	assert_int_equal(rs.deletions, 1);
	assert_int_equal(rs.snapshot_at, T("2026-01-02T02:00:00Z"));

	fx_reopen(f);
	assert_int_equal(gd_subject_find(f->a, found, "email", "jeanne@example.org"), GD_ENOTFOUND);
	gd_record *r = NULL;
	assert_int_equal(gd_record_get(f->a, &r, secret, "billing"), GD_ENOTFOUND);
	assert_int_equal(gd_record_get(f->a, &r, cookie, "audience"), GD_ENOTFOUND);
	GD_OK_OR_FAIL(gd_record_get(f->a, &r, invoice, "billing"));
	assert_string_equal((char *)r->value, "invoice address");
	gd_record_free(r);
	/* The erased subject's key is nowhere in the restored vault: in no row,
	 * and on SQLite (secure_delete, the WAL scrubbed) in no byte of its files.
	 * PostgreSQL keeps dead tuples until VACUUM and WAL until recycled: its
	 * erasure horizon (docs/scaling.md), so only the rows are checked there. */
	assert_int_equal(rows_with_key(f, wk, wk_len), 0);
	if (!fx_on_pg())
		assert_false(fx_contains(f, wk, wk_len));
	/* Restoring twice re-applies nothing new and still works. */
	close_vault(f);
	GD_OK_OR_FAIL(gd_backup_restore(f->path, &o, file, &rs));
	fx_reopen(f);
	assert_int_equal(gd_subject_find(f->a, found, "email", "jeanne@example.org"), GD_ENOTFOUND);
	fx_free(f);
}

/* An erasure whose commit failed after its journal entry was written must not
 * be applied by a later restore: the live vault shows it never happened. */
static void uncommitted_erasure_not_replayed(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE], found[GD_SUBJECT_ID_SIZE], dir[400], journal[400], file[700];
	gd_backup_info b;
	snprintf(dir, sizeof dir, "%s/backups", f->dir);
	journal_path(f, journal, sizeof journal);
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));
	GD_OK_OR_FAIL(gd_subject_add_identifier(f->a, s, "email", "kept@example.org"));
	create(f, dir, &b);
	snprintf(file, sizeof file, "%s/%s", dir, b.name);
	/* Fail the erasure at each step until one fails after writing its journal entry. */
	size_t before = 0, after = 0;
	unsigned char *j = read_file(journal, &before);
	free(j);
	bool journaled = false;
	for (long n = 1; !journaled; n++) {
		gd__fault_arm(n);
		int rc = gd_subject_erase(f->a, s);
		bool fired = gd__fault_fired();
		gd__fault_arm(0);
		assert_true(fired); /* the erasure must not succeed before a journaled failure */
		assert_true(rc < 0);
		j = read_file(journal, &after);
		free(j);
		journaled = after > before;
	}
	GD_OK_OR_FAIL(gd_subject_find(f->a, found, "email", "kept@example.org"));
	close_vault(f);
	gd_backup_restore_stats rs;
	GD_OK_OR_FAIL(gd_backup_restore(f->path, optp(f), file, &rs));
	assert_int_equal(rs.uncommitted, 1);
	assert_int_equal(rs.erasures, 0);
	fx_reopen(f);
	GD_OK_OR_FAIL(gd_subject_find(f->a, found, "email", "kept@example.org"));
	assert_string_equal(found, s);
	/* Once it really happens, the same kind of entry is applied. */
	GD_OK_OR_FAIL(gd_subject_erase(f->a, s));
	close_vault(f);
	GD_OK_OR_FAIL(gd_backup_restore(f->path, optp(f), file, &rs));
	assert_int_equal(rs.erasures, 1);
	fx_reopen(f);
	assert_int_equal(gd_subject_find(f->a, found, "email", "kept@example.org"), GD_ENOTFOUND);
	fx_free(f);
}

/* Erasures batched in one transaction share one journal sync at its commit: a
 * commit failing at any step (the journal sync included) erases none of them. */
static void batched_erasures_all_or_nothing(void **state)
{
	struct fixture *f = fx_new();
	char s[3][GD_SUBJECT_ID_SIZE], found[GD_SUBJECT_ID_SIZE], email[64];
	for (int i = 0; i < 3; i++) {
		GD_OK_OR_FAIL(gd_subject_create(f->a, s[i]));
		snprintf(email, sizeof email, "batch%d@example.org", i);
		GD_OK_OR_FAIL(gd_subject_add_identifier(f->a, s[i], "email", email));
	}
	int rc = -1, failures = 0;
	bool journal_failed = false;
	for (long n = 1; rc != 0; n++) {
		GD_OK_OR_FAIL(gd_vault_begin(f->v));
		for (int i = 0; i < 3; i++)
			GD_OK_OR_FAIL(gd_subject_erase(f->a, s[i]));
		gd__fault_arm(n);
		rc = gd_vault_commit(f->v);
		gd__fault_arm(0);
		if (rc == 0)
			break;
		failures++;
		journal_failed = journal_failed || strstr(gd_error_last(), "erasure journal");
		gd_vault_rollback(f->v);
		for (int i = 0; i < 3; i++) {
			snprintf(email, sizeof email, "batch%d@example.org", i);
			GD_OK_OR_FAIL(gd_subject_find(f->a, found, "email", email));
		}
	}
	assert_true(journal_failed && failures > 1); /* the journal sync and the commit failed once */
	for (int i = 0; i < 3; i++) {
		snprintf(email, sizeof email, "batch%d@example.org", i);
		assert_int_equal(gd_subject_find(f->a, found, "email", email), GD_ENOTFOUND);
	}
	fx_free(f);
}

static void backup_while_in_use_is_consistent(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE], dir[400], file[700], wal[400];
	gd_backup_info b;
	gd_vault *other;
	gd_actor *oa;
	gd_vault_options o = opts(f);
	snprintf(dir, sizeof dir, "%s/backups", f->dir);
	snprintf(wal, sizeof wal, "%s-wal", f->path);
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));
	/* A second process-like handle writes; its commit sits in the WAL. */
	o.now = T("2026-01-01");
	GD_OK_OR_FAIL(gd_vault_open(&other, f->path, &o));
	GD_OK_OR_FAIL(gd_actor_open(&oa, other, "acme", "test:writer"));
	gd_record_spec sp = GD_RECORD_SPEC_INIT;
	int64_t committed, later;
	sp.activity = "billing";
	sp.category = "user.contact.email";
	sp.value = "committed by the other handle";
	sp.value_len = strlen(sp.value);
	GD_OK_OR_FAIL(gd_record_put(oa, &committed, s, &sp));
	if (!fx_on_pg()) { /* SQLite: still in the WAL, not yet in the file (PostgreSQL's snapshot is MVCC's) */
		size_t wal_len;
		unsigned char *w = read_file(wal, &wal_len);
		assert_true(wal_len > 0);
		free(w);
	}
	create(f, dir, &b);
	snprintf(file, sizeof file, "%s/%s", dir, b.name);
	/* Written after the snapshot: not in it. */
	sp.value = "written after";
	sp.value_len = strlen(sp.value);
	GD_OK_OR_FAIL(gd_record_put(oa, &later, s, &sp));
	gd_actor_close(oa);
	gd_vault_close(other);
	close_vault(f);
	GD_OK_OR_FAIL(gd_backup_restore(f->path, optp(f), file, NULL));
	fx_reopen(f);
	gd_record *r = NULL;
	GD_OK_OR_FAIL(gd_record_get(f->a, &r, committed, "billing"));
	assert_string_equal((char *)r->value, "committed by the other handle");
	gd_record_free(r);
	assert_int_equal(gd_record_get(f->a, &r, later, "billing"), GD_ENOTFOUND);
	fx_free(f);
}

static int count_files(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "ls -A '%s' 2>/dev/null | wc -l", dir);
	FILE *p = popen(cmd, "r");
	int n = -1;
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

struct backup_faults {
	struct fixture *f;
	const char *dir;
	const char *file;
	const unsigned char *before;
	size_t n0;
};

static int op_create(void *ud)
{
	struct backup_faults *c = ud;
	gd_backup_info b;
	return gd_backup_create(c->f->v, c->dir, &b);
}

static int64_t backups_audited(struct fixture *f)
{
	return db_count(f->path, "SELECT count(*) FROM audit WHERE action = 'backup.create'");
}

/* A failed backup leaves no file, no snapshot copy and no audit entry. */
static void no_backup(void *ud, long n, int rc)
{
	struct backup_faults *c = ud;
	assert_true(count_files(c->dir) <= 0);
	assert_int_equal(backups_audited(c->f), 0);
}

static void create_failing_anywhere_leaves_nothing(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE], dir[400];
	snprintf(dir, sizeof dir, "%s/backups", f->dir);
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));
	put(f, s, "billing", SECRET);
	struct backup_faults c = {.f = f, .dir = dir};
	struct fault_loop l = {.op = op_create, .check = no_backup, .ud = &c, .max = 2000};
	assert_true(fault_loop_run(&l) > 4);
	assert_int_equal(count_files(dir), 1);
	assert_int_equal(backups_audited(f), 1);
	fx_free(f);
}

static void damaged_or_foreign_backup_refused(void **state)
{
	struct fixture *f = fx_new(), *g = fx_new();
	char s[GD_SUBJECT_ID_SIZE], dir[400], gdir[400], file[700], bad[700], cmd[1500];
	gd_backup_info b, gb;
	snprintf(dir, sizeof dir, "%s/backups", f->dir);
	snprintf(gdir, sizeof gdir, "%s/backups", g->dir);
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));
	put(f, s, "billing", SECRET);
	create(f, dir, &b);
	create(g, gdir, &gb);
	snprintf(file, sizeof file, "%s/%s", dir, b.name);
	close_vault(f);
	struct fx_state before, after;
	fx_state_take(f, &before);

	gd_vault_options o = opts(f);
	gd_backup_restore_stats rs;
	/* One flipped byte in the middle. */
	size_t len;
	unsigned char *buf = read_file(file, &len);
	assert_non_null(buf);
	buf[len / 2] ^= 0x01;
	snprintf(bad, sizeof bad, "%s/damaged.gdbk", f->dir);
	FILE *fp = fopen(bad, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	fclose(fp);
	assert_int_equal(gd_backup_restore(f->path, &o, bad, &rs), GD_ECORRUPT);
	assert_non_null(strstr(gd_error_last(), "checksum"));
	/* Truncated. */
	fp = fopen(bad, "wb");
	assert_int_equal(fwrite(buf, 1, len - 100, fp), len - 100);
	fclose(fp);
	assert_int_equal(gd_backup_restore(f->path, &o, bad, &rs), GD_ECORRUPT);
	free(buf);
	/* Another vault's backup. */
	snprintf(cmd, sizeof cmd, "%s/%s", gdir, gb.name);
	assert_int_equal(gd_backup_restore(f->path, &o, cmd, &rs), GD_EDENIED);
	assert_non_null(strstr(gd_error_last(), "another vault"));
	/* Not a backup at all. */
	assert_int_equal(gd_backup_restore(f->path, &o, f->key, &rs), GD_ECORRUPT);

	fx_state_take(f, &after);
	assert_int_equal(before.len, after.len);
	assert_memory_equal(before.bytes, after.bytes, before.len);
	fx_state_free(&before);
	fx_state_free(&after);
	snprintf(cmd, sizeof cmd, "%s.restoring", f->path);
	assert_int_equal(access(cmd, F_OK), -1);
	fx_reopen(f);
	fx_free(f);
	fx_free(g);
}

static void rotation_over_a_year(void **state)
{
	fx_sqlite_only(NULL, "rotation works on the backup files' names, the same code on both engines"
	                     " (erasure_horizon runs it here); 365 PostgreSQL snapshots would take minutes");
	struct fixture *f = fx_new();
	char dir[400];
	gd_backup_policy p = GD_BACKUP_POLICY_INIT;
	snprintf(dir, sizeof dir, "%s/backups", f->dir);
	/* A daily backup at 02:00 and a prune, every day of 2026. */
	for (int day = 0; day < 365; day++) {
		gd_vault_set_now(f->v, T("2026-01-01T02:00:00Z") + (gd_time)day * 86400);
		create(f, dir, NULL);
		GD_OK_OR_FAIL(gd_backup_prune(f->v, dir, &p, NULL, NULL));
	}
	struct names x = {{0}, 0};
	GD_OK_OR_FAIL(gd_backup_list(f->v, dir, &p, add_name, &x));
	/* On 31 December: the last 7 dailies, the Mondays of the last 4 weeks, the
	 * first of each of the last 3 months. */
	assert_string_equal(x.list,
	                    "backup-20261001T020000Z.gdbk|backup-20261101T020000Z.gdbk|"
	                    "backup-20261201T020000Z.gdbk|backup-20261207T020000Z.gdbk|"
	                    "backup-20261214T020000Z.gdbk|backup-20261221T020000Z.gdbk|"
	                    "backup-20261225T020000Z.gdbk|backup-20261226T020000Z.gdbk|"
	                    "backup-20261227T020000Z.gdbk|backup-20261228T020000Z.gdbk|"
	                    "backup-20261229T020000Z.gdbk|backup-20261230T020000Z.gdbk|"
	                    "backup-20261231T020000Z.gdbk|");
	fx_free(f);
}

static int each_erased(void *ud, const char *subject, gd_time erased_at, gd_time horizon)
{
	struct names *x = ud;
	size_t len = strlen(x->list);
	snprintf(x->list + len, sizeof x->list - len, "%s %lld %lld|", subject, (long long)erased_at,
	         (long long)horizon);
	x->n++;
	return 0;
}

static void erasure_horizon(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE], dir[400];
	gd_backup_policy p = GD_BACKUP_POLICY_INIT;
	gd_time erased, horizon;
	snprintf(dir, sizeof dir, "%s/backups", f->dir);
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));
	put(f, s, "billing", SECRET);
	gd_vault_set_now(f->v, T("2026-01-01T02:00:00Z")); /* monthly: kept 3 months */
	create(f, dir, NULL);
	gd_vault_set_now(f->v, T("2026-01-02T02:00:00Z")); /* daily: 7 days */
	create(f, dir, NULL);
	gd_vault_set_now(f->v, T("2026-01-02T10:00:00Z"));
	assert_int_equal(gd_backup_horizon(f->v, dir, &p, s, &erased, &horizon), GD_ENOTFOUND);
	GD_OK_OR_FAIL(gd_subject_erase(f->a, s));
	gd_vault_set_now(f->v, T("2026-01-03T02:00:00Z"));
	create(f, dir, NULL);
	GD_OK_OR_FAIL(gd_backup_horizon(f->v, dir, &p, s, &erased, &horizon));
	assert_int_equal(erased, T("2026-01-02T10:00:00Z"));
	assert_int_equal(horizon, T("2026-04-01T02:00:00Z"));
	/* The same answer in the list of every erasure. */
	struct names x = {{0}, 0};
	GD_OK_OR_FAIL(gd_backup_horizon_each(f->v, dir, &p, each_erased, &x));
	char want[128];
	snprintf(want, sizeof want, "%s %lld %lld|", s, (long long)erased, (long long)horizon);
	assert_string_equal(x.list, want);
	/* With monthlies kept 1 month, the horizon comes earlier. */
	p.monthly_months = 1;
	GD_OK_OR_FAIL(gd_backup_horizon(f->v, dir, &p, s, &erased, &horizon));
	assert_int_equal(horizon, T("2026-02-01T02:00:00Z"));
	fx_free(f);
}

/* The journal stays open between erasures; moved away meanwhile, it is created
 * again by name rather than written into the file that moved. */
static void journal_moved_away_is_recreated(void **state)
{
	struct fixture *f = fx_new();
	char a[GD_SUBJECT_ID_SIZE], b[GD_SUBJECT_ID_SIZE], j[400], moved[420];
	size_t len;
	journal_path(f, j, sizeof j);
	snprintf(moved, sizeof moved, "%s.old", j);
	GD_OK_OR_FAIL(gd_subject_create(f->a, a));
	GD_OK_OR_FAIL(gd_subject_create(f->a, b));
	GD_OK_OR_FAIL(gd_subject_erase(f->a, a));
	assert_int_equal(rename(j, moved), 0);
	GD_OK_OR_FAIL(gd_subject_erase(f->a, b));
	free(read_file(moved, &len));
	assert_int_equal(len, GD__JOURNAL_ENTRY_SIZE);
	free(read_file(j, &len));
	assert_int_equal(len, GD__JOURNAL_ENTRY_SIZE);
	/* The erasure is found there. */
	char dir[400];
	gd_backup_policy p = GD_BACKUP_POLICY_INIT;
	gd_time erased, horizon;
	snprintf(dir, sizeof dir, "%s/backups", f->dir);
	GD_OK_OR_FAIL(gd_backup_horizon(f->v, dir, &p, b, &erased, &horizon));
	assert_int_equal(gd_backup_horizon(f->v, dir, &p, a, &erased, &horizon), GD_ENOTFOUND);
	/* The new file restarted the chain, not the numbering: a restore sees that
	 * the first erasure is missing from it and refuses. */
	gd_backup_info bk;
	char file[700];
	create(f, dir, &bk);
	snprintf(file, sizeof file, "%s/%s", dir, bk.name);
	close_vault(f);
	assert_int_equal(gd_backup_restore(f->path, optp(f), file, NULL), GD_ECORRUPT);
	assert_non_null(strstr(gd_error_last(), "lacks entries 1..1"));
	fx_reopen(f);
	fx_free(f);
}

/* A restore while another process has the vault open is refused, naming it. */
static void restore_refused_while_another_process_holds_the_vault(void **state)
{
	struct fixture *f = fx_new();
	char dir[400], file[700], want[64];
	gd_backup_info b;
	int ready[2], go[2];
	snprintf(dir, sizeof dir, "%s/backups", f->dir);
	create(f, dir, &b);
	snprintf(file, sizeof file, "%s/%s", dir, b.name);
	close_vault(f);
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		gd_vault *v = NULL;
		char c = gd_vault_open(&v, f->path, optp(f)) == 0 ? 'y' : 'n';
		if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		gd_vault_close(v);
		_exit(0);
	}
	char c = 0;
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(c, 'y');
	assert_int_equal(gd_backup_restore(f->path, optp(f), file, NULL), GD_EBUSY);
	snprintf(want, sizeof want, "in use by pid %ld", (long)pid);
	assert_non_null(strstr(gd_error_last(), want));
	/* This process may still open it beside the other (shared). */
	fx_reopen(f);
	close_vault(f);
	assert_int_equal(write(go[1], "x", 1), 1);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(ready[0]), close(ready[1]), close(go[0]), close(go[1]);
	/* Once it is gone, the restore runs. */
	GD_OK_OR_FAIL(gd_backup_restore(f->path, optp(f), file, NULL));
	fx_reopen(f);
	fx_free(f);
}

static void erasure_journal_tamper_detected(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE], dir[400], j[400], file[700];
	gd_backup_info b;
	snprintf(dir, sizeof dir, "%s/backups", f->dir);
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));
	create(f, dir, &b);
	snprintf(file, sizeof file, "%s/%s", dir, b.name);
	GD_OK_OR_FAIL(gd_subject_erase(f->a, s));
	close_vault(f);
	/* A forged or damaged journal entry stops the restore: nothing changes. */
	journal_path(f, j, sizeof j);
	size_t len;
	unsigned char *buf = read_file(j, &len);
	assert_int_equal(len, GD__JOURNAL_ENTRY_SIZE);
	buf[40] ^= 1;
	FILE *fp = fopen(j, "wb");
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	fclose(fp);
	free(buf);
	gd_vault_options o = opts(f);
	assert_int_equal(gd_backup_restore(f->path, &o, file, NULL), GD_ECORRUPT);
	assert_non_null(strstr(gd_error_last(), "journal"));
	fx_reopen(f);
	fx_free(f);
}

static int op_restore(void *ud)
{
	struct backup_faults *c = ud;
	gd_vault_options o = opts(c->f);
	return gd_backup_restore(c->f->path, &o, c->file, NULL);
}

/* A failed restore leaves the vault as it was (the file byte for byte on
 * SQLite, every table's rows on PostgreSQL) and no side file. */
static void vault_as_before(void *ud, long n, int rc)
{
	struct backup_faults *c = ud;
	char side[400];
	struct fx_state after;
	fx_state_take(c->f, &after);
	assert_int_equal(c->n0, after.len);
	assert_memory_equal(c->before, after.bytes, c->n0);
	fx_state_free(&after);
	snprintf(side, sizeof side, "%s.restoring", c->f->path);
	assert_int_equal(access(side, F_OK), -1);
}

static void restore_failing_anywhere_changes_nothing(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE], dir[400], file[700];
	gd_backup_info b;
	snprintf(dir, sizeof dir, "%s/backups", f->dir);
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));
	put(f, s, "billing", SECRET);
	create(f, dir, &b);
	snprintf(file, sizeof file, "%s/%s", dir, b.name);
	GD_OK_OR_FAIL(gd_subject_erase(f->a, s));
	close_vault(f);
	struct fx_state before;
	fx_state_take(f, &before);
	struct backup_faults c = {.f = f, .file = file, .before = before.bytes, .n0 = before.len};
	struct fault_loop l = {.op = op_restore, .check = vault_as_before, .ud = &c, .max = 2000};
	assert_true(fault_loop_run(&l) > 9);
	fx_state_free(&before);
	fx_reopen(f);
	char found[GD_SUBJECT_ID_SIZE];
	assert_int_equal(gd_subject_find(f->a, found, "email", "nobody@example.org"), GD_ENOTFOUND);
	assert_int_equal(gd__db_int(f->v->store, &(int64_t){0}, "SELECT id FROM subjects WHERE pseudonym = ?", "t", s),
	                 GD_ENOTFOUND);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(erase_then_restore_keeps_subject_gone),
		cmocka_unit_test(long_tables_are_read_a_page_at_a_time),
		cmocka_unit_test(damaged_or_foreign_backup_refused),
		cmocka_unit_test(uncommitted_erasure_not_replayed),
		cmocka_unit_test(batched_erasures_all_or_nothing),
		cmocka_unit_test(backup_while_in_use_is_consistent),
		cmocka_unit_test(create_failing_anywhere_leaves_nothing),
		cmocka_unit_test(rotation_over_a_year),
		cmocka_unit_test(erasure_horizon),
		cmocka_unit_test(journal_moved_away_is_recreated),
		cmocka_unit_test(restore_refused_while_another_process_holds_the_vault),
		cmocka_unit_test(erasure_journal_tamper_detected),
		cmocka_unit_test(restore_failing_anywhere_changes_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
