/*
 * test_consent_expiring.c — gd_consent_expiring, what the console's Today page
 * asks: live consents of the tenant that expire by a date, soonest first;
 * renewed, withdrawn, already expired and open-ended consents left out, other
 * tenants' never seen. On the Wimi register model (regs.h: cookies expire
 * after 13 months, the newsletter never).
 */
#include <string.h>

#include "helpers.h"
#include "lib/rights/rights.h"
#include "regs.h"

static gd_time T(const char *s)
{
	gd_time t;
	GD_OK_OR_FAIL(gd_time_parse(&t, s));
	return t;
}

struct seen {
	int n;
	char subject[4][GD_SUBJECT_ID_SIZE];
	char activity[4][32];
	gd_time at[4];
};

static int collect(void *ud, const char *subject, const char *activity, gd_time expires_at)
{
	struct seen *s = ud;
	if (s->n < 4) {
		snprintf(s->subject[s->n], sizeof s->subject[0], "%s", subject);
		snprintf(s->activity[s->n], sizeof s->activity[0], "%s", activity);
		s->at[s->n] = expires_at;
	}
	s->n++;
	return 0;
}

static void give(struct fixture *f, const char *subject, const char *activity, const char *at)
{
	gd_consent_evidence ev = GD_CONSENT_EVIDENCE_INIT;
	ev.channel = "cookie-banner";
	gd_vault_set_now(f->v, T(at));
	GD_OK_OR_FAIL(gd_consent_give(f->a, subject, activity, &ev));
}

static void expiring_consents_soonest_first(void **state)
{
	struct fixture *f = *state;
	char a[GD_SUBJECT_ID_SIZE], b[GD_SUBJECT_ID_SIZE], c[GD_SUBJECT_ID_SIZE], d[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, a));
	GD_OK_OR_FAIL(gd_subject_create(f->a, b));
	GD_OK_OR_FAIL(gd_subject_create(f->a, c));
	GD_OK_OR_FAIL(gd_subject_create(f->a, d));
	give(f, a, "cookies", "2025-02-20T09:00:00Z"); /* expires 2026-03-20 */
	give(f, b, "cookies", "2025-02-10T09:00:00Z"); /* expires 2026-03-10 */
	give(f, c, "cookies", "2025-02-05T09:00:00Z"); /* renewed below: 2027 */
	give(f, c, "cookies", "2026-02-01T09:00:00Z");
	give(f, d, "cookies", "2025-02-15T09:00:00Z");    /* withdrawn below */
	give(f, d, "newsletter", "2025-02-15T09:00:00Z"); /* no expiry */
	gd_vault_set_now(f->v, T("2026-02-02T09:00:00Z"));
	GD_OK_OR_FAIL(gd_consent_withdraw(f->a, d, "cookies", "preference-centre"));

	struct seen s = {0};
	GD_OK_OR_FAIL(gd_consent_expiring(f->a, T("2026-03-31T00:00:00Z"), collect, &s));
	assert_int_equal(s.n, 2);
	assert_string_equal(s.subject[0], b);
	assert_string_equal(s.activity[0], "cookies");
	assert_int_equal(s.at[0], T("2026-03-10T09:00:00Z"));
	assert_string_equal(s.subject[1], a);
	assert_int_equal(s.at[1], T("2026-03-20T09:00:00Z"));
	/* A shorter horizon: only b's. */
	memset(&s, 0, sizeof s);
	GD_OK_OR_FAIL(gd_consent_expiring(f->a, T("2026-03-15T00:00:00Z"), collect, &s));
	assert_int_equal(s.n, 1);
	assert_string_equal(s.subject[0], b);
	/* Once b's has expired it is no longer "expiring". */
	gd_vault_set_now(f->v, T("2026-03-11T00:00:00Z"));
	memset(&s, 0, sizeof s);
	GD_OK_OR_FAIL(gd_consent_expiring(f->a, T("2026-03-31T00:00:00Z"), collect, &s));
	assert_int_equal(s.n, 1);
	assert_string_equal(s.subject[0], a);
	/* The horizon must be in the future. */
	assert_int_equal(gd_consent_expiring(f->a, T("2026-03-01T00:00:00Z"), collect, &s), GD_EINVAL);
	/* Another tenant sees none of these. */
	gd_actor *other;
	GD_OK_OR_FAIL(gd_tenant_create(f->v, "beta", "33"));
	GD_OK_OR_FAIL(gd_actor_open(&other, f->v, "beta", "test:unit"));
	memset(&s, 0, sizeof s);
	GD_OK_OR_FAIL(gd_consent_expiring(other, T("2026-03-31T00:00:00Z"), collect, &s));
	assert_int_equal(s.n, 0);
	gd_actor_close(other);
	/* The listing is audited. */
	assert_true(db_count(f->path, "SELECT count(*) FROM audit WHERE action = 'consent.expiring'") >= 3);
}

static int setup(void **state)
{
	*state = fx_new();
	gd__rights_use_register(&wimi_register);
	return 0;
}

static int teardown(void **state)
{
	(void)iporta_register; /* regs.h's other model, not needed here */
	gd__rights_use_register(NULL);
	fx_free(*state);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(expiring_consents_soonest_first, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
