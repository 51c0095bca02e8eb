/*
 * test_art19.c — Art. 19 notices of a whole-subject erasure, whatever the
 * number of activities: a subject with records under 70 activities (more than
 * a page of the erase hook), each shared with an external recipient, gets one
 * notice per activity; its erasure never fails for their sake. Also: the
 * internal services and authorities of an activity are never notified.
 */
#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "lib/rights/rights.h"

#define NACT 70

static struct gd__party parties[] = {
	{.name = "Bank", .country = "FR", .purpose = "payments", .kind = "external"},
	{.name = "Support desk", .country = "FR", .purpose = "support", .kind = "internal"},
	{.name = "Tax office", .country = "FR", .purpose = "audits", .kind = "authority"},
};

static int count_notices(void *ud, const gd_notice *n)
{
	int *c = ud;
	if (strcmp(n->action, "erasure") == 0 && strcmp(n->recipient, "Bank") == 0 && n->request_id == 0)
		(*c)++;
	return 0;
}

static int count_any(void *ud, const gd_notice *n)
{
	(*(int *)ud)++;
	return 0;
}

static void erasure_notifies_every_activity(void **state)
{
	struct fixture *f = fx_new();
	static struct gd__activity acts[NACT];
	static char ids[NACT][16];
	for (int i = 0; i < NACT; i++) {
		snprintf(ids[i], sizeof ids[i], "act%02d", i);
		acts[i] = (struct gd__activity){.id = ids[i], .name = ids[i], .basis = GD__BASIS_CONTRACT, .recipients = parties, .nrecipients = 3};
	}
	struct gd__register reg = {.activities = acts, .nactivities = NACT};
	char s[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));
	for (int i = 0; i < NACT; i++) {
		gd_record_spec spec = GD_RECORD_SPEC_INIT;
		int64_t id;
		spec.activity = ids[i], spec.category = "user.contact.email";
		spec.value = "a@example.org", spec.value_len = strlen(spec.value);
		GD_OK_OR_FAIL(gd_record_put(f->a, &id, s, &spec));
	}
	gd__rights_use_register(&reg);
	GD_OK_OR_FAIL(gd_subject_erase(f->a, s));
	int n = 0;
	GD_OK_OR_FAIL(gd_outbox_list(f->a, NULL, true, count_notices, &n));
	assert_int_equal(n, NACT);
	/* Only the bank: internal services and authorities get nothing. */
	int all = 0;
	GD_OK_OR_FAIL(gd_outbox_list(f->a, NULL, false, count_any, &all));
	assert_int_equal(all, NACT);
	gd__rights_use_register(NULL);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(erasure_notifies_every_activity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
