/*
 * test_backup_progress.c — the counts a backup's caller is given
 * (gd_backup_options.progress): create, verify and restore report bytes
 * handled, never going back, against a total fixed from the first call and
 * reached by the last; a callback that says stop leaves no backup behind and
 * a restore stopped so changes nothing; an options struct of an unknown
 * version is refused.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

struct calls {
	int n, stop_at;
	uint64_t last_done, total;
	bool backwards, total_moved;
};

static int count(void *ud, uint64_t done, uint64_t total)
{
	struct calls *c = ud;
	if (c->n == 0)
		c->total = total;
	c->backwards |= done < c->last_done;
	c->total_moved |= total != c->total;
	c->last_done = done;
	c->n++;
	return c->stop_at && c->n == c->stop_at;
}

/* Enough data for several 64 KiB chunks of snapshot. */
static void fill(struct fixture *f)
{
	char s[GD_SUBJECT_ID_SIZE], value[2048];
	memset(value, 'v', sizeof value - 1);
	value[sizeof value - 1] = 0;
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));
	for (int i = 0; i < 200; i++) {
		gd_record_spec sp = GD_RECORD_SPEC_INIT;
		sp.activity = "billing";
		sp.category = "user.financial";
		sp.value = value;
		sp.value_len = strlen(value);
		GD_OK_OR_FAIL(gd_record_put(f->a, NULL, s, &sp));
	}
}

static int backups_in(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		n += strstr(e->d_name, ".gdbk") != NULL;
	closedir(d);
	return n;
}

static void counts_create_verify_restore(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	char dir[320], file[400];
	fill(f);
	snprintf(dir, sizeof dir, "%s/backups", f->dir);

	struct calls c = {0};
	gd_backup_options o = GD_BACKUP_OPTIONS_INIT;
	o.progress = count, o.ud = &c;
	gd_backup_info b;
	GD_OK_OR_FAIL(gd_backup_create_with(f->v, dir, &o, &b));
	assert_true(c.n > 3); /* several chunks, each counted */
	assert_false(c.backwards);
	assert_false(c.total_moved);
	assert_int_equal(c.last_done, c.total);
	/* The snapshot is encrypted once and the file read twice to verify it. */
	assert_true(c.total > 2 * b.size - 200 && c.total < 3 * b.size);

	snprintf(file, sizeof file, "%s/%s", dir, b.name);
	c = (struct calls){0};
	GD_OK_OR_FAIL(gd_backup_verify_with(f->v, file, &o));
	assert_true(c.n > 3);
	assert_false(c.backwards);
	assert_int_equal(c.last_done, c.total);
	assert_true(c.total > 2 * b.size - 200 && c.total < 2 * b.size); /* header and trailer not counted */

	gd_actor_close(f->a);
	gd_vault_close(f->v);
	f->a = NULL, f->v = NULL;
	c = (struct calls){0};
	gd_backup_restore_stats rs;
	gd_vault_options vo = GD_VAULT_OPTIONS_INIT;
	vo.key_path = fx_key_for(f->path); /* a PostgreSQL URL names no key file */
	GD_OK_OR_FAIL(gd_backup_restore_with(f->path, &vo, file, NULL, &o, &rs));
	assert_true(c.n > 3);
	assert_false(c.backwards);
	assert_int_equal(c.last_done, c.total);
	fx_reopen(f);
	fx_free(f);
}

static void stopped_leaves_nothing(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	char dir[320], file[400];
	fill(f);
	snprintf(dir, sizeof dir, "%s/backups", f->dir);
	gd_backup_options o = GD_BACKUP_OPTIONS_INIT;
	/* Stopped while encrypting, then while reading back: no backup either time. */
	for (int at = 1; at <= 12; at += 11) {
		struct calls c = {.stop_at = at};
		o.progress = count, o.ud = &c;
		gd_backup_info b;
		assert_int_equal(gd_backup_create_with(f->v, dir, &o, &b), GD_ESTATE);
		assert_int_equal(c.n, at);
		assert_int_equal(backups_in(dir), 0);
	}
	/* A whole backup, then a restore stopped half-way: the vault as it was. */
	struct calls c = {0};
	o.progress = count, o.ud = &c;
	gd_backup_info b;
	GD_OK_OR_FAIL(gd_backup_create_with(f->v, dir, &o, &b));
	snprintf(file, sizeof file, "%s/%s", dir, b.name);
	char later[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, later));
	gd_actor_close(f->a);
	gd_vault_close(f->v);
	f->a = NULL, f->v = NULL;
	c = (struct calls){.stop_at = 2};
	gd_backup_restore_stats rs;
	gd_vault_options vo = GD_VAULT_OPTIONS_INIT;
	vo.key_path = fx_key_for(f->path); /* a PostgreSQL URL names no key file */
	assert_int_equal(gd_backup_restore_with(f->path, &vo, file, NULL, &o, &rs), GD_ESTATE);
	fx_reopen(f);
	/* The subject created after the backup is still there: nothing was restored. */
	bool restricted;
	GD_OK_OR_FAIL(gd_subject_restricted(f->a, &restricted, later));
	/* An options struct of an unknown version is refused. */
	o.version = 99;
	assert_int_equal(gd_backup_create_with(f->v, dir, &o, &b), GD_EINVAL);
	assert_int_equal(gd_backup_verify_with(f->v, file, &o), GD_EINVAL);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counts_create_verify_restore),
		cmocka_unit_test(stopped_leaves_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
