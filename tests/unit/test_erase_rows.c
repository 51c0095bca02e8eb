/*
 * test_erase_rows.c — an erasure deletes every row of the subject's records
 * (the records, their retention index rows, their object keys), however many
 * and however their ids interleave with another subject's, and no row of the
 * other subject. The side rows go by record id, the subject's ids read first
 * (record.c, gd__records_delete_subject). Runs on both engines
 * (pg:unit/test_erase_rows).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "lib/internal.h"

static int64_t put(gd_actor *a, const char *subject, const char *object, int i)
{
	char value[64];
	gd_record_spec s = GD_RECORD_SPEC_INIT;
	int64_t id;
	snprintf(value, sizeof value, "%d rue de la Paix", i);
	s.activity = "billing";
	s.category = "user.contact.address";
	s.value = value;
	s.value_len = strlen(value);
	s.object = object;
	GD_OK_OR_FAIL(gd_record_put(a, &id, subject, &s));
	return id;
}

static int64_t count(struct fixture *f, const char *sql)
{
	int64_t n = -1;
	GD_OK_OR_FAIL(gd__db_int(f->v->store, &n, sql, NULL));
	return n;
}

static void erasure_leaves_no_row_of_the_subject(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	char jeanne[GD_SUBJECT_ID_SIZE], paul[GD_SUBJECT_ID_SIZE];
	int64_t kept[3];
	GD_OK_OR_FAIL(gd_subject_create(f->a, jeanne));
	GD_OK_OR_FAIL(gd_subject_create(f->a, paul));
	/* Jeanne's 40 records, Paul's 3 among them: her ids are not one range. */
	for (int i = 0; i < 40; i++) {
		if (i % 15 == 7)
			kept[i / 15] = put(f->a, paul, "contract-paul", i);
		put(f->a, jeanne, "contract-jeanne", i);
	}
	assert_int_equal(count(f, "SELECT count(*) FROM records"), 43);
	assert_int_equal(count(f, "SELECT count(*) FROM retention_due"), 43);
	assert_int_equal(count(f, "SELECT count(*) FROM record_objects"), 43);

	GD_OK_OR_FAIL(gd_subject_erase(f->a, jeanne));

	assert_int_equal(count(f, "SELECT count(*) FROM records"), 3);
	assert_int_equal(count(f, "SELECT count(*) FROM retention_due"), 3);
	assert_int_equal(count(f, "SELECT count(*) FROM record_objects"), 3);
	/* What is left is Paul's, and still reads. */
	assert_int_equal(count(f, "SELECT count(*) FROM retention_due d JOIN records r ON r.id = d.record_id"), 3);
	assert_int_equal(count(f, "SELECT count(*) FROM record_objects o JOIN records r ON r.id = o.record_id"), 3);
	for (int i = 0; i < 3; i++) {
		gd_record *r;
		GD_OK_OR_FAIL(gd_record_get(f->a, &r, kept[i], "billing"));
		assert_string_equal(r->subject, paul);
		gd_record_free(r);
	}
	fx_free(f);
}

/* The same inside a batch, the two subjects' records interleaved one by one. */
static void erasure_of_a_full_chunk_in_a_batch(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	char s1[GD_SUBJECT_ID_SIZE], s2[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, s1));
	GD_OK_OR_FAIL(gd_subject_create(f->a, s2));
	GD_OK_OR_FAIL(gd_vault_begin(f->v));
	for (int i = 0; i < 16; i++) {
		put(f->a, s1, NULL, i);
		put(f->a, s2, NULL, i);
	}
	GD_OK_OR_FAIL(gd_subject_erase(f->a, s1));
	GD_OK_OR_FAIL(gd_vault_commit(f->v));
	assert_int_equal(count(f, "SELECT count(*) FROM records"), 16);
	assert_int_equal(count(f, "SELECT count(*) FROM retention_due"), 16);
	assert_int_equal(count(f, "SELECT count(*) FROM retention_due d JOIN records r ON r.id = d.record_id"), 16);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(erasure_leaves_no_row_of_the_subject),
		cmocka_unit_test(erasure_of_a_full_chunk_in_a_batch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
