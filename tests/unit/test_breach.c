/*
 * test_breach.c — the breach register: the 72-hour clock and late
 * notifications, breaches never deleted and always audited, the scope computed
 * from a known access pattern with exact subjects and counts, and drafts that
 * carry every Art. 33(3) / 34(2) item in French and English, text and HTML.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define T0 1767225600 /* 2026-01-01T00:00:00Z, the fixture's clock */
#define H 3600

static int64_t put(gd_actor *a, const char *subject, const char *activity, const char *category)
{
	gd_record_spec s = GD_RECORD_SPEC_INIT;
	int64_t id;
	s.activity = activity;
	s.category = category;
	s.value = "x";
	s.value_len = 1;
	GD_OK_OR_FAIL(gd_record_put(a, &id, subject, &s));
	return id;
}

static void get(gd_actor *a, int64_t id, const char *purpose)
{
	gd_record *r;
	GD_OK_OR_FAIL(gd_record_get(a, &r, id, purpose));
	gd_record_free(r);
}

static gd_breach_spec leak(void)
{
	gd_breach_spec s = GD_BREACH_SPEC_INIT;
	s.nature = "confidentiality";
	s.description = "An API token of the billing service leaked in a public <script> log";
	s.subject_categories = "customers";
	s.consequences = "Phishing using the email addresses";
	s.measures_taken = "Token revoked, logs purged";
	s.measures_proposed = "Be wary of emails asking for payment details";
	s.contact = "DPO, dpo@acme.example, +33 1 23 45 67 89";
	s.controller = "ACME SAS";
	return s;
}

static void clock_runs_72_hours(void **state)
{
	struct fixture *f = fx_new();
	gd_breach_spec s = leak();
	int64_t id;
	GD_OK_OR_FAIL(gd_breach_record(f->a, &id, &s));
	gd_breach *b;
	GD_OK_OR_FAIL(gd_breach_get(f->a, &b, id));
	assert_string_equal(b->status, "open");
	assert_int_equal(b->detected_at, T0);
	assert_int_equal(b->deadline, T0 + 72 * H);
	assert_int_equal(b->seconds_left, 72 * H);
	assert_string_equal(b->controller, "ACME SAS");
	assert_int_equal(b->approx_subjects, -1);
	gd_breach_free(b);

	gd_vault_set_now(f->v, T0 + 71 * H);
	GD_OK_OR_FAIL(gd_breach_get(f->a, &b, id));
	assert_string_equal(b->status, "open");
	assert_int_equal(b->seconds_left, 1 * H);
	gd_breach_free(b);

	gd_vault_set_now(f->v, T0 + 80 * H);
	GD_OK_OR_FAIL(gd_breach_get(f->a, &b, id));
	assert_string_equal(b->status, "overdue");
	assert_int_equal(b->seconds_left, -8 * H);
	gd_breach_free(b);

	/* Late: the reasons are required (Art. 33(1)). */
	assert_int_equal(gd_breach_notify(f->a, id, 0, NULL), GD_EINVAL);
	assert_non_null(strstr(gd_error_last(), "80 hours"));
	GD_OK_OR_FAIL(gd_breach_notify(f->a, id, 0, "the scope took four days to establish"));
	GD_OK_OR_FAIL(gd_breach_get(f->a, &b, id));
	assert_string_equal(b->status, "notified-late");
	assert_string_equal(b->delay_reason, "the scope took four days to establish");
	assert_int_equal(b->notified_at, T0 + 80 * H);
	gd_breach_free(b);
	assert_int_equal(gd_breach_notify(f->a, id, 0, "again"), GD_ESTATE);

	/* In time: no reason needed, none kept. */
	s.detected_at = T0 + 79 * H;
	int64_t id2;
	GD_OK_OR_FAIL(gd_breach_record(f->a, &id2, &s));
	GD_OK_OR_FAIL(gd_breach_notify(f->a, id2, T0 + 100 * H, NULL));
	GD_OK_OR_FAIL(gd_breach_get(f->a, &b, id2));
	assert_string_equal(b->status, "notified");
	assert_null(b->delay_reason);
	gd_breach_free(b);
	fx_free(f);
}

static void bad_input_is_refused(void **state)
{
	struct fixture *f = fx_new();
	gd_breach_spec s = leak();
	s.nature = "confidentiality,theft";
	assert_int_equal(gd_breach_record(f->a, NULL, &s), GD_EINVAL);
	assert_non_null(strstr(gd_error_last(), "theft"));
	s = leak();
	s.description = NULL;
	assert_int_equal(gd_breach_record(f->a, NULL, &s), GD_EINVAL);
	s = leak();
	s.language = "de";
	assert_int_equal(gd_breach_record(f->a, NULL, &s), GD_EINVAL);
	s = leak();
	s.detected_at = T0 + 1;
	assert_int_equal(gd_breach_record(f->a, NULL, &s), GD_EINVAL);
	char *big = malloc(GD_BREACH_TEXT_MAX + 2);
	memset(big, 'a', GD_BREACH_TEXT_MAX + 1);
	big[GD_BREACH_TEXT_MAX + 1] = 0;
	s = leak();
	s.consequences = big;
	assert_int_equal(gd_breach_record(f->a, NULL, &s), GD_ETOOBIG);
	free(big);
	gd_breach *b;
	assert_int_equal(gd_breach_get(f->a, &b, 42), GD_ENOTFOUND);
	fx_free(f);
}

static void breaches_are_audited_and_never_deleted(void **state)
{
	struct fixture *f = fx_new();
	gd_breach_spec s = leak();
	int64_t id;
	GD_OK_OR_FAIL(gd_breach_record(f->a, &id, &s));
	gd_breach_spec u = GD_BREACH_SPEC_INIT;
	u.approx_subjects = 120;
	u.measures_taken = "Token revoked; all sessions closed";
	GD_OK_OR_FAIL(gd_breach_update(f->a, id, &u));
	GD_OK_OR_FAIL(gd_breach_no_notice(f->a, id, "the data were encrypted and the key was not exposed"));
	gd_breach *b;
	GD_OK_OR_FAIL(gd_breach_get(f->a, &b, id));
	assert_int_equal(b->approx_subjects, 120);
	assert_string_equal(b->measures_taken, "Token revoked; all sessions closed");
	assert_string_equal(b->consequences, "Phishing using the email addresses"); /* kept */
	assert_string_equal(b->status, "not-notified");
	gd_breach_free(b);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit WHERE action LIKE 'breach.%'"), 3);

	char err[256];
	assert_int_equal(db_try(f->path, "DELETE FROM breaches", err, sizeof err), -1);
	assert_non_null(strstr(err, "never deleted"));
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM breaches"), 1);

	/* Another tenant does not see it. */
	GD_OK_OR_FAIL(gd_tenant_create(f->v, "globex", NULL));
	gd_actor *other;
	GD_OK_OR_FAIL(gd_actor_open(&other, f->v, "globex", "cli:dpo"));
	assert_int_equal(gd_breach_get(other, &b, id), GD_ENOTFOUND);
	assert_int_equal(gd_breach_notify(other, id, 0, NULL), GD_ENOTFOUND);
	gd_actor_close(other);
	fx_free(f);
}

struct rows {
	char text[2048];
};

static int scope_row(void *ud, enum gd_breach_scope_row kind, const char *name, int64_t subjects,
                     int64_t records, int64_t accesses)
{
	struct rows *r = ud;
	size_t n = strlen(r->text);
	snprintf(r->text + n, sizeof r->text - n, "%s %s %lld %lld %lld\n",
	         kind == GD_BREACH_SCOPE_CATEGORY ? "category" : "subject", name, (long long)subjects,
	         (long long)records, (long long)accesses);
	return 0;
}

static void scope_from_a_known_access_pattern(void **state)
{
	struct fixture *f = fx_new();
	char sa[GD_SUBJECT_ID_SIZE], sb[GD_SUBJECT_ID_SIZE], sc[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, sa));
	GD_OK_OR_FAIL(gd_subject_create(f->a, sb));
	GD_OK_OR_FAIL(gd_subject_create(f->a, sc));
	int64_t a_mail = put(f->a, sa, "billing", "user.contact.email");
	int64_t a_name = put(f->a, sa, "billing", "user.name");
	int64_t b_mail = put(f->a, sb, "billing", "user.contact.email");
	int64_t c_mail = put(f->a, sc, "billing", "user.contact.email");
	int64_t c_iban = put(f->a, sc, "billing", "user.financial.bank_account");

	gd_actor *leaky;
	GD_OK_OR_FAIL(gd_actor_open(&leaky, f->v, "acme", "svc:billing"));
	/* Before the window: svc:billing reads C. */
	gd_vault_set_now(f->v, T0 + 1 * H);
	get(leaky, c_mail, "billing");
	/* In the window [T0+10h, T0+20h): A twice (one record twice), A's name, B. */
	gd_vault_set_now(f->v, T0 + 10 * H);
	get(leaky, a_mail, "billing");
	get(leaky, a_mail, "billing");
	gd_vault_set_now(f->v, T0 + 12 * H);
	get(leaky, a_name, "billing");
	get(leaky, b_mail, "billing");
	/* Refused reads take nothing out. */
	gd_record *r;
	assert_int_equal(gd_record_get(leaky, &r, c_iban, "marketing"), GD_EDENIED);
	/* Someone else reads C's IBAN in the window. */
	gd_vault_set_now(f->v, T0 + 15 * H);
	get(f->a, c_iban, "billing");
	/* After the window: svc:billing reads C again. */
	gd_vault_set_now(f->v, T0 + 20 * H);
	get(leaky, c_iban, "billing");
	gd_actor_close(leaky);

	gd_vault_set_now(f->v, T0 + 30 * H);
	gd_breach_spec s = leak();
	s.detected_at = T0 + 21 * H;
	int64_t id;
	GD_OK_OR_FAIL(gd_breach_record(f->a, &id, &s));

	gd_breach_scope_spec sp = GD_BREACH_SCOPE_INIT;
	sp.from = T0 + 10 * H;
	sp.to = T0 + 20 * H;
	sp.principal = "svc:billing";
	gd_breach_scope_result res;
	struct rows rows = {""};
	GD_OK_OR_FAIL(gd_breach_scope(f->a, id, &sp, &res, scope_row, &rows));
	assert_int_equal(res.accesses, 4);
	assert_int_equal(res.subjects, 2);
	assert_int_equal(res.records, 3);
	assert_int_equal(res.categories, 2);
	char want[1024];
	const char *first = strcmp(sa, sb) < 0 ? sa : sb, *second = first == sa ? sb : sa;
	snprintf(want, sizeof want,
	         "category user.contact.email 2 2 3\n"
	         "category user.name 1 1 1\n"
	         "subject %s 0 %d %d\n"
	         "subject %s 0 %d %d\n",
	         first, first == sa ? 2 : 1, first == sa ? 3 : 1, second, second == sa ? 2 : 1,
	         second == sa ? 3 : 1);
	assert_string_equal(rows.text, want);

	gd_breach *b;
	GD_OK_OR_FAIL(gd_breach_get(f->a, &b, id));
	assert_int_equal(b->scoped_subjects, 2);
	assert_int_equal(b->scoped_records, 3);
	assert_string_equal(b->scoped_categories, "user.contact.email, user.name");
	assert_string_equal(b->scope_principal, "svc:billing");
	assert_int_equal(b->scope_from, T0 + 10 * H);
	gd_breach_free(b);
	/* The drafts say it, in the catalogue's words (po/<language>.po, context "breach"). */
	char *d;
	GD_OK_OR_FAIL(gd_breach_draft(f->a, &d, id, GD_BREACH_AUTHORITY, "fr", GD_BREACH_TEXT));
	assert_non_null(strstr(d, "Calculé à partir de la piste d'audit: 2 personne(s) et 3 enregistrement(s) "
	                          "lus ou exportés entre le "));
	assert_non_null(strstr(d, " par svc:billing"));
	gd_breach_draft_free(d);
	GD_OK_OR_FAIL(gd_breach_draft(f->a, &d, id, GD_BREACH_AUTHORITY, "en", GD_BREACH_TEXT));
	assert_non_null(strstr(d, "Computed from the audit trail: 2 data subject(s) and 3 record(s) read "
	                          "or exported between "));
	gd_breach_draft_free(d);

	/* Any principal, same window: C's IBAN joins. */
	sp.principal = NULL;
	GD_OK_OR_FAIL(gd_breach_scope(f->a, 0, &sp, &res, NULL, NULL));
	assert_int_equal(res.subjects, 3);
	assert_int_equal(res.records, 4);
	assert_int_equal(res.categories, 3);
	/* Scoping is audited. */
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit WHERE action = 'breach.scope'"), 2);
	fx_free(f);
}

static bool has(const char *text, const char *needle)
{
	if (strstr(text, needle))
		return true;
	print_error("missing \"%s\" in:\n%s\n", needle, text);
	return false;
}

static void drafts_carry_every_item(void **state)
{
	struct fixture *f = fx_new();
	gd_breach_spec s = leak();
	s.started_at = T0 - 48 * H;
	s.ended_at = T0 - 2 * H;
	s.data_categories = "email addresses";
	s.approx_records = 340;
	s.high_risk = 1;
	int64_t id;
	GD_OK_OR_FAIL(gd_breach_record(f->a, &id, &s));
	char *d;

	/* Authority, English, text, in time; no subject count yet: flagged. */
	GD_OK_OR_FAIL(gd_breach_draft(f->a, &d, id, GD_BREACH_AUTHORITY, "en", GD_BREACH_TEXT));
	assert_true(has(d, "Notification of a personal data breach to the supervisory authority"));
	assert_true(has(d, "Controller: ACME SAS"));
	assert_true(has(d, "(a) Nature of the breach"));
	assert_true(has(d, "confidentiality (unauthorised disclosure"));
	assert_true(has(d, "Categories of personal data concerned: email addresses"));
	assert_true(has(d, "Categories of data subjects concerned: customers"));
	assert_true(has(d, "Approximate number of personal data records concerned: 340"));
	assert_true(has(d, "To be completed before sending:\n  - Approximate number of data subjects concerned"));
	assert_true(has(d, "(b) Data protection officer or other contact point\n  DPO, dpo@acme.example"));
	assert_true(has(d, "(c) Likely consequences of the breach\n  Phishing"));
	assert_true(has(d, "Measures taken, including to mitigate possible adverse effects: Token revoked"));
	assert_true(has(d, "Measures proposed: Be wary"));
	assert_true(has(d, "Period of the breach: from 2025-12-30 00:00 UTC to 2025-12-31 22:00 UTC"));
	assert_true(has(d, "Communication to the data subjects (Art. 34)\n  planned"));
	assert_null(strstr(d, "Reasons for the delay"));
	gd_breach_draft_free(d);

	/* Late, in French, HTML: the delay and its reasons, escaped texts. */
	gd_vault_set_now(f->v, T0 + 100 * H);
	gd_breach_spec u = GD_BREACH_SPEC_INIT;
	u.approx_subjects = 120;
	GD_OK_OR_FAIL(gd_breach_update(f->a, id, &u));
	GD_OK_OR_FAIL(gd_breach_notify(f->a, id, 0, "périmètre établi en quatre jours"));
	GD_OK_OR_FAIL(gd_breach_draft(f->a, &d, id, GD_BREACH_AUTHORITY, "fr", GD_BREACH_HTML));
	assert_true(has(d, "<html lang=\"fr\">"));
	assert_true(has(d, "<h2>a) Nature de la violation</h2>"));
	assert_true(has(d, "<dt>Nombre approximatif de personnes concernées</dt><dd>120</dd>"));
	assert_true(has(d, "<dt>Motifs du retard</dt><dd>périmètre établi en quatre jours</dd>"));
	assert_true(has(d, "(100 heures après la prise de connaissance)"));
	assert_true(has(d, "in a public &lt;script&gt; log"));
	assert_null(strstr(d, "<script>"));
	assert_null(strstr(d, "à compléter"));
	assert_true(has(d, "b) Délégué à la protection des données"));
	assert_true(has(d, "c) Conséquences probables"));
	assert_true(has(d, "d) Mesures prises ou envisagées"));
	gd_breach_draft_free(d);

	/* To the subjects (Art. 34(2)), in the breach's language by default. */
	GD_OK_OR_FAIL(gd_breach_draft(f->a, &d, id, GD_BREACH_SUBJECTS, NULL, GD_BREACH_TEXT));
	assert_true(has(d, "Information about a personal data breach"));
	assert_true(has(d, "ACME SAS — We are writing to inform you"));
	assert_true(has(d, "What this may mean for you\n  Phishing"));
	assert_true(has(d, "What we have done\n  Token revoked"));
	assert_true(has(d, "What we will do and what we advise you to do\n  Be wary"));
	assert_true(has(d, "DPO, dpo@acme.example"));
	gd_breach_draft_free(d);
	GD_OK_OR_FAIL(gd_breach_draft(f->a, &d, id, GD_BREACH_SUBJECTS, "fr", GD_BREACH_HTML));
	assert_true(has(d, "<h2>Qui contacter</h2>"));
	assert_true(has(d, "Nous vous informons d&#39;un incident"));
	gd_breach_draft_free(d);
	assert_int_equal(gd_breach_draft(f->a, &d, id, GD_BREACH_SUBJECTS, "de", GD_BREACH_HTML), GD_EINVAL);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(clock_runs_72_hours),
		cmocka_unit_test(bad_input_is_refused),
		cmocka_unit_test(breaches_are_audited_and_never_deleted),
		cmocka_unit_test(scope_from_a_known_access_pattern),
		cmocka_unit_test(drafts_carry_every_item),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
