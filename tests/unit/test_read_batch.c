/*
 * test_read_batch.c — on PostgreSQL, a batch (gd_vault_begin) takes the
 * vault's write lock at its first write, not at its start: a batch that has
 * only read holds no lock, so that processes reading in batches run side by
 * side (issue 14: find + read with 2 processes); a write operation takes it
 * before its first statement, and the commit releases it. Checked in
 * pg_locks from a second connection, by the batch connection's backend pid.
 * Skipped on SQLite (its writers' queue is the file lock, taken at begin).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "lib/internal.h"

#define LOCK_WRITE 1734439524 /* store_pg.c: 0x67617264, "gard" */

static int64_t put(gd_actor *a, const char *subject)
{
	gd_record_spec s = GD_RECORD_SPEC_INIT;
	int64_t id;
	s.activity = "billing";
	s.category = "user.contact.address";
	s.value = "1 rue de la Paix";
	s.value_len = strlen(s.value);
	GD_OK_OR_FAIL(gd_record_put(a, &id, subject, &s));
	return id;
}

/* Write locks the backend `pid` holds, seen from another connection. */
static int64_t locks_of(gd_vault *other, int64_t pid)
{
	int64_t n = -1;
	GD_OK_OR_FAIL(gd__db_int(other->store, &n,
	                         "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = ?"
	                         " AND objid = hashtext(current_schema())::oid AND granted AND pid = ?",
	                         "ii", (int64_t)LOCK_WRITE, pid));
	return n;
}

static void a_batch_locks_at_its_first_write(void **state)
{
	(void)state;
	const char *engine = getenv("GD_TEST_ENGINE");
	if (!engine || strcmp(engine, "pg") != 0)
		skip();
	struct fixture *f = fx_new();
	char s1[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, s1));
	GD_OK_OR_FAIL(gd_subject_add_identifier(f->a, s1, "email", "jeanne@example.org"));
	int64_t id = put(f->a, s1);

	gd_vault_options o = GD_VAULT_OPTIONS_INIT;
	o.key_path = f->key;
	gd_vault *other;
	GD_OK_OR_FAIL(gd_vault_open(&other, f->path, &o));

	GD_OK_OR_FAIL(gd_vault_begin(f->v));
	gd_record *r;
	for (int i = 0; i < 3; i++) {
		GD_OK_OR_FAIL(gd_record_find(f->a, &r, "email", "jeanne@example.org", id, "billing"));
		gd_record_free(r);
	}
	int64_t pid = 0;
	GD_OK_OR_FAIL(gd__db_int(f->v->store, &pid, "SELECT pg_backend_pid()", NULL));
	assert_int_equal(locks_of(other, pid), 0); /* reads only: no lock */

	put(f->a, s1); /* a write operation: the lock, held to the commit */
	assert_int_equal(locks_of(other, pid), 1);
	GD_OK_OR_FAIL(gd_record_find(f->a, &r, "email", "jeanne@example.org", id, "billing"));
	gd_record_free(r);
	GD_OK_OR_FAIL(gd_vault_commit(f->v));
	assert_int_equal(locks_of(other, pid), 0);

	/* A batch of reads alone commits its entries (taking the lock for the
	 * commit only): 3 finds and 3 reads, then a find and a read. */
	GD_OK_OR_FAIL(gd_vault_begin(f->v));
	GD_OK_OR_FAIL(gd_record_find(f->a, &r, "email", "jeanne@example.org", id, "billing"));
	gd_record_free(r);
	GD_OK_OR_FAIL(gd_vault_commit(f->v));
	assert_int_equal(locks_of(other, pid), 0);
	gd_audit_report rep;
	GD_OK_OR_FAIL(gd_audit_verify(other, NULL, &rep, NULL, NULL));
	assert_int_equal(rep.problem, GD_AUDIT_INTACT);
	gd_vault_close(other);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_batch_locks_at_its_first_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
