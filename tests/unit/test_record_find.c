/*
 * test_record_find.c — gd_record_find, a subject found by an identifier and
 * one of its records read in one call: it gives what gd_subject_find then
 * gd_record_get give, reads no record of another subject, leaves the same
 * audit entries (a refusal's alone), and works inside a batch. Runs on both
 * engines (pg:unit/test_record_find).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static int64_t put(gd_actor *a, const char *subject, const char *value)
{
	gd_record_spec s = GD_RECORD_SPEC_INIT;
	int64_t id;
	s.activity = "billing";
	s.category = "user.contact.address";
	s.value = value;
	s.value_len = strlen(value);
	GD_OK_OR_FAIL(gd_record_put(a, &id, subject, &s));
	return id;
}

/* Two subjects with an e-mail and a record each. */
struct two {
	char s1[GD_SUBJECT_ID_SIZE], s2[GD_SUBJECT_ID_SIZE];
	int64_t r1, r2;
};

static void two_subjects(struct fixture *f, struct two *t)
{
	GD_OK_OR_FAIL(gd_subject_create(f->a, t->s1));
	GD_OK_OR_FAIL(gd_subject_add_identifier(f->a, t->s1, "email", "jeanne@example.org"));
	GD_OK_OR_FAIL(gd_subject_create(f->a, t->s2));
	GD_OK_OR_FAIL(gd_subject_add_identifier(f->a, t->s2, "email", "paul@example.org"));
	t->r1 = put(f->a, t->s1, "1 rue de la Paix");
	t->r2 = put(f->a, t->s2, "2 avenue Foch");
}

/* The actions of the entries after `after`, joined by spaces, with their outcomes. */
struct trail {
	int64_t after;
	char text[2048];
};

static int add_entry(void *ud, const gd_audit_entry *e)
{
	struct trail *t = ud;
	if (e->seq > t->after && strcmp(e->action, "audit.list") != 0) {
		size_t n = strlen(t->text);
		snprintf(t->text + n, sizeof t->text - n, "%s%s:%s:%s", n ? " " : "", e->action,
		         gd_audit_outcome_name(e->outcome), e->subject ? e->subject : "-");
	}
	return 0;
}

static int last_seq(void *ud, const gd_audit_entry *e)
{
	*(int64_t *)ud = e->seq;
	return 0;
}

static int64_t head(struct fixture *f)
{
	int64_t seq = 0;
	GD_OK_OR_FAIL(gd_audit_list(f->a, NULL, last_seq, &seq));
	return seq;
}

static void entries_since(struct fixture *f, int64_t after, char *out, size_t cap)
{
	struct trail t = {.after = after};
	GD_OK_OR_FAIL(gd_audit_list(f->a, NULL, add_entry, &t));
	snprintf(out, cap, "%s", t.text);
}

static void finds_and_reads_as_the_two_calls(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	struct two t;
	two_subjects(f, &t);
	char want[640], got[2048], found[GD_SUBJECT_ID_SIZE];

	/* The two calls, for what they give and what they audit. */
	int64_t h = head(f);
	gd_record *r;
	GD_OK_OR_FAIL(gd_subject_find(f->a, found, "email", "  Jeanne@Example.org"));
	GD_OK_OR_FAIL(gd_record_get(f->a, &r, t.r1, "billing"));
	gd_record_free(r);
	entries_since(f, h, got, sizeof got);
	snprintf(want, sizeof want, "subject.find:ok:%s record.get:ok:%s", t.s1, t.s1);
	assert_string_equal(got, want);

	h = head(f);
	GD_OK_OR_FAIL(gd_record_find(f->a, &r, "email", "  Jeanne@Example.org", t.r1, "billing"));
	assert_string_equal(r->subject, t.s1);
	assert_int_equal(r->id, t.r1);
	assert_int_equal(r->value_len, strlen("1 rue de la Paix"));
	assert_memory_equal(r->value, "1 rue de la Paix", r->value_len);
	assert_string_equal(r->activity, "billing");
	assert_string_equal(r->category, "user.contact.address");
	gd_record_free(r);
	entries_since(f, h, got, sizeof got);
	assert_string_equal(got, want);
	fx_free(f);
}

static void reads_no_record_of_another_subject(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	struct two t;
	two_subjects(f, &t);
	char want[640], got[2048];
	gd_record *r = (gd_record *)&r;

	/* Paul's record named with Jeanne's e-mail: not found, nothing read; the find is audited. */
	int64_t h = head(f);
	assert_int_equal(gd_record_find(f->a, &r, "email", "jeanne@example.org", t.r2, "billing"), GD_ENOTFOUND);
	assert_null(r);
	assert_null(strstr(gd_error_last(), "Foch"));
	entries_since(f, h, got, sizeof got);
	snprintf(want, sizeof want, "subject.find:ok:%s", t.s1);
	assert_string_equal(got, want);

	/* No such record at all, and no such identifier. */
	assert_int_equal(gd_record_find(f->a, &r, "email", "jeanne@example.org", t.r2 + 100, "billing"),
	                 GD_ENOTFOUND);
	h = head(f);
	assert_int_equal(gd_record_find(f->a, &r, "email", "nobody@example.org", t.r1, "billing"), GD_ENOTFOUND);
	assert_null(r);
	entries_since(f, h, got, sizeof got);
	assert_string_equal(got, "subject.find:failed:-");

	/* Bad input is refused before any look-up. */
	assert_int_equal(gd_record_find(f->a, &r, "email", "not an e-mail", t.r1, "billing"), GD_EINVAL);
	assert_int_equal(gd_record_find(f->a, &r, "email", "jeanne@example.org", t.r1, "no such purpose!"),
	                 GD_EINVAL);
	fx_free(f);
}

static void a_refusal_is_audited(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	struct two t;
	two_subjects(f, &t);
	char want[640], got[2048];
	gd_record *r;

	int64_t h = head(f);
	assert_int_equal(gd_record_find(f->a, &r, "email", "paul@example.org", t.r2, "marketing"), GD_EDENIED);
	assert_null(r);
	entries_since(f, h, got, sizeof got);
	snprintf(want, sizeof want, "record.get:denied:%s", t.s2);
	assert_string_equal(got, want);
	fx_free(f);
}

/* In a batch, as gardien-bench reads: entries durable with the commit. */
static void works_in_a_batch(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	struct two t;
	two_subjects(f, &t);
	gd_record *r;
	int64_t h = head(f);
	GD_OK_OR_FAIL(gd_vault_begin(f->v));
	for (int i = 0; i < 10; i++) {
		GD_OK_OR_FAIL(gd_record_find(f->a, &r, "email", i % 2 ? "paul@example.org" : "jeanne@example.org",
		                             i % 2 ? t.r2 : t.r1, "billing"));
		assert_string_equal(r->subject, i % 2 ? t.s2 : t.s1);
		gd_record_free(r);
	}
	assert_int_equal(gd_record_find(f->a, &r, "email", "paul@example.org", t.r1, "billing"), GD_ENOTFOUND);
	GD_OK_OR_FAIL(gd_vault_commit(f->v));
	fx_reopen(f);
	char got[2048];
	entries_since(f, h, got, sizeof got);
	int n = 0;
	for (const char *p = got; (p = strstr(p, ":ok:")); p++)
		n++;
	assert_int_equal(n, 21); /* 10 finds, 10 reads, the find of the record not found */
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_and_reads_as_the_two_calls),
		cmocka_unit_test(reads_no_record_of_another_subject),
		cmocka_unit_test(a_refusal_is_audited),
		cmocka_unit_test(works_in_a_batch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
