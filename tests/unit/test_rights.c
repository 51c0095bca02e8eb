/*
 * test_rights.c — data-subject requests and the consent ledger, played through
 * register models of the Wimi and IPORTA notices (regs.h): deadlines by the EU
 * month rule, the workflow and its audit, rights the notice does not offer,
 * exports (JSON, CSV, HTML, portability), rectification and erasure with the
 * Art. 19 outbox, restriction, objection, consent expiry and withdrawal, opt-in
 * lists. All on the vault clock.
 */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
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

static void assert_time(gd_time t, const char *expect)
{
	char b[32];
	gd_time_format(b, t);
	assert_string_equal(b, expect);
}

static int64_t put_typed(struct fixture *f, const char *subject, const char *activity,
                         const char *category, const char *source, enum gd_value_type type,
                         const char *value)
{
	gd_record_spec s = GD_RECORD_SPEC_INIT;
	int64_t id;
	s.type = type;
	s.activity = activity;
	s.category = category;
	s.source = source;
	s.value = value;
	s.value_len = strlen(value);
	GD_OK_OR_FAIL(gd_record_put(f->a, &id, subject, &s));
	return id;
}

static int64_t put(struct fixture *f, const char *subject, const char *activity, const char *category,
                   const char *source, const char *value)
{
	return put_typed(f, subject, activity, category, source, GD_VALUE_TEXT, value);
}

static void new_subject(struct fixture *f, char id[GD_SUBJECT_ID_SIZE], const char *email)
{
	GD_OK_OR_FAIL(gd_subject_create(f->a, id));
	GD_OK_OR_FAIL(gd_subject_add_identifier(f->a, id, "email", email));
}

static int64_t open_req(struct fixture *f, const char *kind, const char *subject, const char *activity)
{
	gd_request_spec sp = GD_REQUEST_SPEC_INIT;
	int64_t id;
	sp.kind = kind;
	sp.subject = subject;
	sp.activity = activity;
	GD_OK_OR_FAIL(gd_request_open(f->a, &id, &sp));
	return id;
}

static int64_t open_verified(struct fixture *f, const char *kind, const char *subject, const char *activity)
{
	int64_t id = open_req(f, kind, subject, activity);
	GD_OK_OR_FAIL(gd_request_verify(f->a, id, "id-card", "scan-2026-001"));
	return id;
}

struct buf {
	char *p;
	size_t n, cap, max_write;
	int writes;
};

static int buf_write(void *ud, const void *p, size_t n)
{
	struct buf *b = ud;
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
	b->p[b->n] = 0;
	b->writes++;
	if (n > b->max_write)
		b->max_write = n;
	return 0;
}

static int64_t sql_count(struct fixture *f, const char *query)
{
	return db_count(f->path, query);
}

static int read_for(struct fixture *f, int64_t id, const char *purpose)
{
	gd_record *r = NULL;
	int rc = gd_record_get(f->a, &r, id, purpose);
	gd_record_free(r);
	return rc;
}

static int teardown(void **state)
{
	gd__rights_use_register(NULL);
	fx_free(*state);
	return 0;
}

static int setup_wimi(void **state)
{
	*state = fx_new();
	gd__rights_use_register(&wimi_register);
	return 0;
}

static int setup_iporta(void **state)
{
	*state = fx_new();
	gd__rights_use_register(&iporta_register);
	return 0;
}

/* ---- deadlines ----------------------------------------------------------------------- */

static void deadlines_follow_the_eu_month_rule(void **state)
{
	/* Without a calendar (gd_request_due): UTC, Saturdays and Sundays only (Art. 3(4)). */
	/* Same day of the next month, end of that day: 15 February 2026 is a Sunday. */
	assert_time(gd_request_due(T("2026-01-15T10:00:00Z"), false), "2026-02-16T23:59:59Z");
	assert_time(gd_request_due(T("2026-12-15"), false), "2027-01-15T23:59:59Z");
	/* No 31 February: the last day of the month; leap year. */
	assert_time(gd_request_due(T("2024-01-31T08:00:00Z"), false), "2024-02-29T23:59:59Z");
	assert_time(gd_request_due(T("2023-01-31"), false), "2023-02-28T23:59:59Z");
	assert_time(gd_request_due(T("2024-01-30"), false), "2024-02-29T23:59:59Z");
	/* Extended: two further months from the same start. */
	assert_time(gd_request_due(T("2024-01-31"), true), "2024-04-30T23:59:59Z");
	assert_time(gd_request_due(T("2024-02-29"), false), "2024-03-29T23:59:59Z");
	assert_time(gd_request_due(T("2024-02-29"), true), "2024-05-29T23:59:59Z");
	assert_time(gd_request_due(T("2026-03-31"), false), "2026-04-30T23:59:59Z");
	assert_time(gd_request_due(T("2026-08-31"), false), "2026-09-30T23:59:59Z");
	assert_time(gd_request_due(T("2027-11-30"), true), "2028-02-29T23:59:59Z");
	/* 28 February 2027 is a Sunday: Monday 1 March. */
	assert_time(gd_request_due(T("2026-11-30"), true), "2027-03-01T23:59:59Z");
}

struct late_ctx {
	int n, late;
};

static int count_late(void *ud, const gd_request *r)
{
	struct late_ctx *c = ud;
	c->n++;
	c->late += r->late;
	return 0;
}

static void request_list_shows_due_and_late(void **state)
{
	struct fixture *f = *state;
	char s[GD_SUBJECT_ID_SIZE];
	new_subject(f, s, "a@example.fr");
	gd_vault_set_now(f->v, T("2024-01-31T09:00:00Z"));
	int64_t id = open_req(f, "access", s, NULL);
	gd_request r;
	GD_OK_OR_FAIL(gd_request_get(f->a, &r, id));
	/* The fixture's tenant is French (calling code 33): the day ends at midnight in Paris. */
	assert_time(r.due_at, "2024-02-29T22:59:59Z");
	assert_false(r.late);
	struct late_ctx c = {0};
	gd_vault_set_now(f->v, T("2024-02-29T22:59:59Z"));
	GD_OK_OR_FAIL(gd_request_list(f->a, true, count_late, &c));
	assert_int_equal(c.n, 1);
	assert_int_equal(c.late, 0);
	gd_vault_set_now(f->v, T("2024-02-29T23:00:00Z"));
	c = (struct late_ctx){0};
	GD_OK_OR_FAIL(gd_request_list(f->a, true, count_late, &c));
	assert_int_equal(c.late, 1);
	/* Too late to extend now: an extension is decided within the first month. */
	assert_int_equal(gd_request_extend(f->a, id, "complex request"), GD_ESTATE);
}

static void extension_once_with_reason(void **state)
{
	struct fixture *f = *state;
	char s[GD_SUBJECT_ID_SIZE];
	new_subject(f, s, "b@example.fr");
	gd_vault_set_now(f->v, T("2026-03-31T12:00:00Z"));
	int64_t id = open_req(f, "access", s, NULL);
	assert_int_equal(gd_request_extend(f->a, id, NULL), GD_EINVAL);
	GD_OK_OR_FAIL(gd_request_extend(f->a, id, "number of requests received this month"));
	gd_request r;
	GD_OK_OR_FAIL(gd_request_get(f->a, &r, id));
	assert_true(r.extended);
	assert_int_equal(r.state, GD_REQUEST_EXTENDED);
	assert_string_equal(r.reason, "number of requests received this month");
	assert_time(r.due_at, "2026-06-30T21:59:59Z"); /* Paris, summer time */
	assert_int_equal(gd_request_extend(f->a, id, "again"), GD_ESTATE);
	/* Operator free text stays with the request, out of the audit trail. */
	assert_int_equal(sql_count(f, "SELECT count(*) FROM audit WHERE reason LIKE '%requests received%'"), 0);
	assert_int_equal(sql_count(f, "SELECT count(*) FROM audit WHERE action = 'request.extend'"), 1);
	/* Still nothing done before identity is verified, even extended. */
	struct buf b = {0};
	assert_int_equal(gd_request_export(f->a, id, GD_EXPORT_JSON, buf_write, &b, NULL, NULL), GD_ESTATE);
	assert_int_equal(b.n, 0);
	GD_OK_OR_FAIL(gd_request_verify(f->a, id, "id-card", "scan-7"));
	GD_OK_OR_FAIL(gd_request_get(f->a, &r, id));
	assert_int_equal(r.state, GD_REQUEST_EXTENDED);
	assert_string_equal(r.identity_by, "test:unit");
}

/* ---- workflow, access, copies ------------------------------------------------------------ */

struct steps {
	int n;
	enum gd_request_state s[16];
	char who[16][64];
};

static int collect_step(void *ud, enum gd_request_state s, gd_time at, const char *principal,
                        const char *note)
{
	struct steps *st = ud;
	if (st->n < 16) {
		st->s[st->n] = s;
		snprintf(st->who[st->n], sizeof st->who[0], "%s", principal);
	}
	st->n++;
	return 0;
}

static void access_request_end_to_end(void **state)
{
	struct fixture *f = *state;
	char s[GD_SUBJECT_ID_SIZE];
	new_subject(f, s, "Jeanne.Martin@example.fr");
	int64_t r1 = put(f, s, "customers", "user.name", "subject", "Jeanne Martin");
	put_typed(f, s, "invoicing", "user.financial.invoice", "billing", GD_VALUE_JSON, "{\"invoice\":\"F-2026-001\",\"total\":120}");
	gd_consent_evidence ev = GD_CONSENT_EVIDENCE_INIT;
	ev.channel = "cookie-banner";
	GD_OK_OR_FAIL(gd_consent_give(f->a, s, "cookies", &ev));

	int64_t id = open_req(f, "access", s, NULL);
	struct buf b = {0};
	/* Nothing before identity verification. */
	assert_int_equal(gd_request_export(f->a, id, GD_EXPORT_JSON, buf_write, &b, NULL, NULL), GD_ESTATE);
	assert_int_equal(gd_request_complete(f->a, id, NULL), GD_ESTATE);
	assert_int_equal(gd_request_start(f->a, id), GD_ESTATE);
	gd_actor_close(f->a);
	GD_OK_OR_FAIL(gd_actor_open(&f->a, f->v, "acme", "cli:dpo"));
	GD_OK_OR_FAIL(gd_request_verify(f->a, id, "id-card", "scan-2026-001"));
	assert_int_equal(gd_request_verify(f->a, id, "id-card", "x"), GD_ESTATE);
	/* Access is completed only once the copy is delivered. */
	assert_int_equal(gd_request_complete(f->a, id, NULL), GD_ESTATE);

	int64_t copy;
	bool charged;
	GD_OK_OR_FAIL(gd_request_export(f->a, id, GD_EXPORT_JSON, buf_write, &b, &copy, &charged));
	assert_int_equal(copy, 1);
	assert_false(charged);
	json_error_t err;
	json_t *j = json_loadb(b.p, b.n, 0, &err);
	if (!j)
		fail_msg("export is not JSON: %s (line %d)", err.text, err.line);
	assert_string_equal(json_string_value(json_object_get(j, "subject")), s);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "controller"), "name")),
	                    "Wimi SAS");
	json_t *ids = json_object_get(j, "identifiers");
	assert_int_equal(json_array_size(ids), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ids, 0), "value")),
	                    "jeanne.martin@example.fr");
	json_t *recs = json_object_get(j, "records");
	assert_int_equal(json_array_size(recs), 2);
	json_t *rec = json_array_get(recs, 0);
	assert_int_equal(json_integer_value(json_object_get(rec, "id")), r1);
	assert_string_equal(json_string_value(json_object_get(rec, "value")), "Jeanne Martin");
	assert_string_equal(json_string_value(json_object_get(rec, "legal_basis")), "contract");
	assert_string_equal(json_string_value(json_object_get(rec, "category")), "user.name");
	assert_int_equal(json_array_size(json_object_get(rec, "recipients")), 3);
	json_t *tr = json_array_get(json_object_get(rec, "transfers"), 0);
	assert_string_equal(json_string_value(json_object_get(tr, "country")), "US");
	assert_non_null(strstr(json_string_value(json_object_get(tr, "safeguard")), "standard contractual"));
	/* Retention counted from an event: rule given, end unknown. */
	json_t *ret = json_object_get(rec, "retention");
	assert_string_equal(json_string_value(json_object_get(ret, "rule")), "3 years after the end of the contract");
	assert_true(json_is_null(json_object_get(ret, "until")));
	/* The invoice: JSON value kept as JSON, 10 years from collection. */
	json_t *inv = json_array_get(recs, 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(inv, "value"), "total")), 120);
	assert_string_equal(json_string_value(json_object_get(json_object_get(inv, "retention"), "until")),
	                    "2036-01-01T23:59:59Z");
	assert_string_equal(json_string_value(json_object_get(inv, "legal_basis")), "legal_obligation");
	json_t *cons = json_object_get(j, "consents");
	assert_int_equal(json_array_size(cons), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(cons, 0), "wording_version")),
	                    "cookies-v1");
	assert_int_equal(json_array_size(json_object_get(j, "requests")), 1);
	json_decref(j);

	/* Wimi: a further copy may be charged; gardien counts it. */
	b.n = 0;
	GD_OK_OR_FAIL(gd_request_export(f->a, id, GD_EXPORT_HTML, buf_write, &b, &copy, &charged));
	assert_int_equal(copy, 2);
	assert_true(charged);
	assert_non_null(strstr(b.p, "<!DOCTYPE html>"));
	assert_non_null(strstr(b.p, "Jeanne Martin"));
	assert_non_null(strstr(b.p, "CNIL"));
	GD_OK_OR_FAIL(gd_request_complete(f->a, id, "sent by e-mail"));
	gd_request r;
	GD_OK_OR_FAIL(gd_request_get(f->a, &r, id));
	assert_int_equal(r.state, GD_REQUEST_COMPLETED);
	assert_int_equal(r.copies, 2);
	assert_false(r.late);
	assert_int_equal(gd_request_refuse(f->a, id, "too late"), GD_ESTATE);

	struct steps st = {0};
	GD_OK_OR_FAIL(gd_request_steps(f->a, id, collect_step, &st));
	assert_int_equal(st.n, 4);
	assert_int_equal(st.s[0], GD_REQUEST_RECEIVED);
	assert_string_equal(st.who[0], "test:unit");
	assert_int_equal(st.s[1], GD_REQUEST_VERIFIED);
	assert_string_equal(st.who[1], "cli:dpo");
	assert_int_equal(st.s[2], GD_REQUEST_IN_PROGRESS);
	assert_int_equal(st.s[3], GD_REQUEST_COMPLETED);
	/* Every step audited, under who did it. */
	assert_int_equal(sql_count(f, "SELECT count(*) FROM audit WHERE action LIKE 'request.%' AND principal = 'cli:dpo'"), 4);
	assert_int_equal(sql_count(f, "SELECT count(*) FROM audit WHERE action = 'request.open' AND principal = 'test:unit'"), 1);
	free(b.p);
}

static void confirmation_and_post_mortem_close(void **state)
{
	struct fixture *f = *state;
	char s[GD_SUBJECT_ID_SIZE];
	new_subject(f, s, "c@example.fr");
	int64_t id = open_verified(f, "confirmation", s, NULL);
	GD_OK_OR_FAIL(gd_request_complete(f->a, id, "data is processed: answered"));
	id = open_verified(f, "post_mortem", s, NULL);
	GD_OK_OR_FAIL(gd_request_complete(f->a, id, "directives filed under reference PM-12"));
	gd_request r;
	GD_OK_OR_FAIL(gd_request_get(f->a, &r, id));
	assert_int_equal(r.state, GD_REQUEST_COMPLETED);
}

/*
 * Wimi §13 declares restriction not offered; Art. 18 grants it whatever the
 * notice says, so the request is received and handled, not refused.
 */
static void statutory_right_not_offered_is_still_received(void **state)
{
	struct fixture *f = *state;
	char s[GD_SUBJECT_ID_SIZE];
	new_subject(f, s, "d@example.fr");
	int64_t id = open_req(f, "restriction", s, NULL);
	gd_request r;
	GD_OK_OR_FAIL(gd_request_get(f->a, &r, id));
	assert_int_equal(r.state, GD_REQUEST_RECEIVED);
	assert_int_equal(sql_count(f, "SELECT count(*) FROM audit WHERE action = 'request.refuse'"), 0);
	gd_request_spec sp = GD_REQUEST_SPEC_INIT;
	sp.kind = "teleportation";
	sp.subject = s;
	assert_int_equal(gd_request_open(f->a, &id, &sp), GD_EINVAL);
}

/*
 * Where the GDPR itself limits a right (portability: only processing on
 * consent or contract, Art. 20(1)(a)) and the register has none of that
 * processing, the register's "not offered" holds: refused with its reason.
 */
static void limited_right_not_offered_is_refused_with_the_registers_reason(void **state)
{
	struct fixture *f = *state;
	struct gd__activity acts[] = {
		{.id = "security_logs", .name = "Security logs", .role = GD__ROLE_CONTROLLER, .basis = GD__BASIS_LEGAL_OBLIGATION, .categories = STRS("user.device"), .subjects = STRS("customer")},
	};
	struct gd__right rights[] = {
		{.kind = "portability", .offered = false, .reason = "no processing rests on consent or a contract"},
	};
	struct gd__register reg = wimi_register;
	reg.activities = acts, reg.nactivities = 1, reg.rights = rights, reg.nrights = 1;
	gd__rights_use_register(&reg);
	char s[GD_SUBJECT_ID_SIZE];
	new_subject(f, s, "d2@example.fr");
	gd_request_spec sp = GD_REQUEST_SPEC_INIT;
	sp.kind = "portability";
	sp.subject = s;
	int64_t id = 0;
	assert_int_equal(gd_request_open(f->a, &id, &sp), GD_EDENIED);
	assert_non_null(strstr(gd_error_last(), "no processing rests on consent"));
	assert_true(id > 0);
	gd_request r;
	GD_OK_OR_FAIL(gd_request_get(f->a, &r, id));
	assert_int_equal(r.state, GD_REQUEST_REFUSED);
	/* The register's own reason is no personal data: it is audited. */
	assert_int_equal(sql_count(f, "SELECT count(*) FROM audit WHERE action = 'request.refuse' AND reason LIKE '%consent or a contract%'"), 1);
}

/* The model of IPORTA's register here does not mention post-mortem directives:
 * silence is not a refusal, since the law grants the right whatever the notice says. */
static void right_the_register_is_silent_on_is_received(void **state)
{
	struct fixture *f = *state;
	char s[GD_SUBJECT_ID_SIZE];
	new_subject(f, s, "e@example.fr");
	gd_request_spec sp = GD_REQUEST_SPEC_INIT;
	sp.kind = "post_mortem";
	sp.subject = s;
	int64_t id;
	assert_int_equal(gd_request_open(f->a, &id, &sp), 0);
	gd_request r;
	assert_int_equal(gd_request_get(f->a, &r, id), 0);
	assert_int_equal(r.state, GD_REQUEST_RECEIVED);
	/* Restriction is offered by IPORTA. */
	open_req(f, "restriction", s, NULL);
}

/* ---- consent ---------------------------------------------------------------------------- */

struct hist {
	int n;
	enum gd_consent_event ev[16];
	gd_time at[16];
};

static int collect_hist(void *ud, const gd_consent *c)
{
	struct hist *h = ud;
	if (h->n < 16) {
		h->ev[h->n] = c->event;
		h->at[h->n] = c->at;
	}
	h->n++;
	assert_int_equal(strlen(c->text_hash), c->event == GD_CONSENT_WITHDRAWN || c->event == GD_CONSENT_EXPIRED ? 0 : 64);
	return 0;
}

static int fail_second_event(void *ud, const gd_consent *c)
{
	(void)c;
	return ++*(int *)ud == 2 ? GD_EIO : 0;
}

static int refuse_writes(void *ud, const void *p, size_t n)
{
	(void)ud, (void)p, (void)n;
	return GD_EIO;
}

static void cookie_consent_expires_after_13_months(void **state)
{
	struct fixture *f = *state;
	char s[GD_SUBJECT_ID_SIZE];
	new_subject(f, s, "f@example.fr");
	gd_vault_set_now(f->v, T("2026-01-31T10:00:00Z"));
	int64_t rec = put(f, s, "cookies", "user.device.cookie_id", "website", "ck-8f2a");
	/* No consent yet: refused. */
	assert_int_equal(read_for(f, rec, "cookies"), GD_EDENIED);
	assert_non_null(strstr(gd_error_last(), "not recorded"));
	gd_consent_evidence ev = GD_CONSENT_EVIDENCE_INIT;
	ev.channel = "cookie-banner";
	ev.source = "www.wimi-teamwork.com";
	GD_OK_OR_FAIL(gd_consent_give(f->a, s, "cookies", &ev));
	GD_OK_OR_FAIL(read_for(f, rec, "cookies"));
	enum gd_consent_state st;
	gd_time exp;
	GD_OK_OR_FAIL(gd_consent_status(f->a, &st, &exp, s, "cookies"));
	assert_int_equal(st, GD_CONSENT_LIVE);
	/* 13 months from 31 January 2026: 28 February 2027 (no 31 February). */
	assert_time(exp, "2027-02-28T10:00:00Z");
	gd_vault_set_now(f->v, exp - 1);
	GD_OK_OR_FAIL(read_for(f, rec, "cookies"));
	gd_vault_set_now(f->v, exp);
	assert_int_equal(read_for(f, rec, "cookies"), GD_EDENIED);
	assert_non_null(strstr(gd_error_last(), "expired on 2027-02-28"));
	GD_OK_OR_FAIL(gd_consent_status(f->a, &st, NULL, s, "cookies"));
	assert_int_equal(st, GD_CONSENT_STATE_EXPIRED);
	/* Renewed: readable again, for another 13 months. */
	gd_vault_set_now(f->v, T("2027-03-10T00:00:00Z"));
	GD_OK_OR_FAIL(gd_consent_give(f->a, s, "cookies", &ev));
	GD_OK_OR_FAIL(read_for(f, rec, "cookies"));
	/* Withdrawn: refused at once. */
	GD_OK_OR_FAIL(gd_consent_withdraw(f->a, s, "cookies", "preference-centre"));
	assert_int_equal(read_for(f, rec, "cookies"), GD_EDENIED);
	assert_non_null(strstr(gd_error_last(), "withdrawn"));
	assert_int_equal(gd_consent_withdraw(f->a, s, "cookies", "preference-centre"), GD_ESTATE);
	struct hist h = {0};
	GD_OK_OR_FAIL(gd_consent_history(f->a, s, collect_hist, &h));
	assert_int_equal(h.n, 4);
	assert_int_equal(h.ev[0], GD_CONSENT_GIVEN);
	assert_int_equal(h.ev[1], GD_CONSENT_EXPIRED);
	assert_time(h.at[1], "2027-02-28T10:00:00Z");
	assert_int_equal(h.ev[2], GD_CONSENT_RENEWED);
	assert_int_equal(h.ev[3], GD_CONSENT_WITHDRAWN);
	/* A callback that fails part-way: what it was given was read, and audited. */
	int64_t failed = sql_count(f, "SELECT count(*) FROM audit WHERE action = 'consent.history' AND outcome = 2");
	int calls = 0;
	assert_int_equal(gd_consent_history(f->a, s, fail_second_event, &calls), GD_EIO);
	assert_int_equal(calls, 2);
	assert_int_equal(sql_count(f, "SELECT count(*) FROM audit WHERE action = 'consent.history' AND outcome = 2"),
	                 failed + 1);
	/* The refusals are in the audit trail. */
	assert_true(sql_count(f, "SELECT count(*) FROM audit WHERE action = 'record.get' AND outcome = 1") >= 3);
}

static void consent_evidence_is_the_hash_of_the_wording(void **state)
{
	struct fixture *f = *state;
	char s[GD_SUBJECT_ID_SIZE];
	new_subject(f, s, "g@example.fr");
	gd_consent_evidence ev = GD_CONSENT_EVIDENCE_INIT;
	ev.channel = "web-form";
	ev.text = "Send me the Wimi newsletter (weekly).";
	ev.text_version = "news-v3";
	GD_OK_OR_FAIL(gd_consent_give(f->a, s, "newsletter", &ev));
	/* Not stored in clear: only its hash. */
	assert_false(fx_contains(f, ev.text, strlen(ev.text)));
	assert_int_equal(sql_count(f, "SELECT count(*) FROM consents WHERE text_version = 'news-v3' AND length(text_hash) = 32"), 1);
	/* Missing channel, unknown activity. */
	ev.channel = NULL;
	assert_int_equal(gd_consent_give(f->a, s, "newsletter", &ev), GD_EINVAL);
	ev.channel = "web-form";
	assert_int_equal(gd_consent_give(f->a, s, "no-such-activity", &ev), GD_ENOTFOUND);
	ev.at = gd_vault_now(f->v) + 3600;
	assert_int_equal(gd_consent_give(f->a, s, "newsletter", &ev), GD_EINVAL);
}

static int collect_member(void *ud, const char *subject)
{
	char(*m)[GD_SUBJECT_ID_SIZE] = ud;
	for (int i = 0; i < 4; i++)
		if (!m[i][0]) {
			snprintf(m[i], GD_SUBJECT_ID_SIZE, "%s", subject);
			return 0;
		}
	fail_msg("too many members");
	return 1;
}

static int refuse_member(void *ud, const char *subject)
{
	(void)ud, (void)subject;
	return GD_EIO;
}

static void optin_list_follows_consent(void **state)
{
	struct fixture *f = *state;
	char a[GD_SUBJECT_ID_SIZE], b[GD_SUBJECT_ID_SIZE], c[GD_SUBJECT_ID_SIZE], d[GD_SUBJECT_ID_SIZE];
	new_subject(f, a, "a@x.fr");
	new_subject(f, b, "b@x.fr");
	new_subject(f, c, "c@x.fr");
	new_subject(f, d, "d@x.fr");
	gd_consent_evidence ev = GD_CONSENT_EVIDENCE_INIT;
	ev.channel = "web-form";
	GD_OK_OR_FAIL(gd_consent_give(f->a, a, "newsletter", &ev));
	GD_OK_OR_FAIL(gd_consent_give(f->a, b, "newsletter", &ev));
	GD_OK_OR_FAIL(gd_consent_give(f->a, c, "cookies", &ev)); /* another list */
	GD_OK_OR_FAIL(gd_consent_give(f->a, d, "newsletter", &ev));
	GD_OK_OR_FAIL(gd_consent_withdraw(f->a, b, "newsletter", "unsubscribe-link"));
	char m[4][GD_SUBJECT_ID_SIZE] = {{0}};
	GD_OK_OR_FAIL(gd_consent_members(f->a, "newsletter", collect_member, m));
	assert_string_equal(m[0], a);
	assert_string_equal(m[1], d);
	assert_int_equal(m[2][0], 0);
	/* D objects to the newsletter: off the list although consent is on file. */
	int64_t id = open_verified(f, "objection", d, "newsletter");
	GD_OK_OR_FAIL(gd_request_complete(f->a, id, NULL));
	memset(m, 0, sizeof m);
	GD_OK_OR_FAIL(gd_consent_members(f->a, "newsletter", collect_member, m));
	assert_string_equal(m[0], a);
	assert_int_equal(m[1][0], 0);
	/* A withdraws through a request; asking again finds nothing to withdraw and still completes. */
	id = open_verified(f, "withdraw_consent", a, "newsletter");
	GD_OK_OR_FAIL(gd_request_complete(f->a, id, NULL));
	id = open_verified(f, "withdraw_consent", a, "newsletter");
	GD_OK_OR_FAIL(gd_request_complete(f->a, id, NULL));
	assert_int_equal(sql_count(f, "SELECT count(*) FROM consents WHERE event = 3"), 2); /* B's and A's */
	memset(m, 0, sizeof m);
	GD_OK_OR_FAIL(gd_consent_members(f->a, "newsletter", collect_member, m));
	assert_int_equal(m[0][0], 0);
	/* A callback that fails: the list it was given was read, and audited as failed. */
	assert_int_equal(gd_consent_members(f->a, "cookies", refuse_member, NULL), GD_EIO);
	assert_int_equal(sql_count(f, "SELECT count(*) FROM audit WHERE action = 'consent.members' AND outcome = 2"), 1);
}

static int refuse_directive(void *ud, const gd_directive *d)
{
	(void)ud, (void)d;
	return GD_EIO;
}

/* A directive read by a callback that then fails was read: its entry stays. */
static void directive_read_is_audited_even_when_its_callback_fails(void **state)
{
	struct fixture *f = *state;
	char s[GD_SUBJECT_ID_SIZE];
	new_subject(f, s, "heir@x.fr");
	gd_directive d = {.wish = GD_DIRECTIVE_TRANSMIT, .designated = "Paul", .contact = "paul@x.fr", .text = ""};
	GD_OK_OR_FAIL(gd_directive_set(f->a, s, &d));
	assert_int_equal(gd_directive_get(f->a, s, refuse_directive, NULL), GD_EIO);
	assert_int_equal(sql_count(f, "SELECT count(*) FROM audit WHERE action = 'directive.read'"), 1);
}

/* ---- restriction, objection ---------------------------------------------------------------- */

static int count_notice(void *ud, const gd_notice *n)
{
	int *c = ud;
	(*c)++;
	return 0;
}

static void restriction_refuses_reads_but_legal_claims_and_consent(void **state)
{
	struct fixture *f = *state;
	char s[GD_SUBJECT_ID_SIZE];
	new_subject(f, s, "h@example.fr");
	int64_t cust = put(f, s, "customers", "user.contact.phone", "subject", "+33612345678");
	int64_t claim = put(f, s, "litigation", "user.contact.email", "subject", "h@example.fr");
	GD_OK_OR_FAIL(read_for(f, cust, "customers"));
	int64_t id = open_verified(f, "restriction", s, NULL);
	GD_OK_OR_FAIL(gd_request_complete(f->a, id, "accuracy contested"));
	bool restricted;
	GD_OK_OR_FAIL(gd_subject_restricted(f->a, &restricted, s));
	assert_true(restricted);
	assert_int_equal(read_for(f, cust, "customers"), GD_EDENIED);
	assert_non_null(strstr(gd_error_last(), "restricted"));
	GD_OK_OR_FAIL(read_for(f, claim, "litigation"));
	/* The records stay stored: the subject's own access still sees them. */
	struct buf b = {0};
	GD_OK_OR_FAIL(gd_rights_export(f->a, s, GD_EXPORT_JSON, 0, buf_write, &b));
	assert_non_null(strstr(b.p, "+33612345678"));
	assert_non_null(strstr(b.p, "\"kind\":\"restriction\""));
	/* A writer that refuses it: what it was offered was read, and audited as failed. */
	assert_int_equal(gd_rights_export(f->a, s, GD_EXPORT_JSON, 0, refuse_writes, NULL), GD_EIO);
	assert_int_equal(sql_count(f, "SELECT count(*) FROM audit WHERE action = 'rights.export' AND outcome = 2"), 1);
	free(b.p);
	/* Recipients of the customer data are told (Art. 19). */
	int n = 0;
	GD_OK_OR_FAIL(gd_outbox_list(f->a, "Visiativ group", true, count_notice, &n));
	assert_int_equal(n, 1);
	/* With the subject's consent to the purpose, a read is allowed. */
	gd_consent_evidence ev = GD_CONSENT_EVIDENCE_INIT;
	ev.channel = "email";
	ev.text = "I agree that my data be used for my customer account while restricted.";
	GD_OK_OR_FAIL(gd_consent_give(f->a, s, "customers", &ev));
	GD_OK_OR_FAIL(read_for(f, cust, "customers"));
	GD_OK_OR_FAIL(gd_consent_withdraw(f->a, s, "customers", "email"));
	assert_int_equal(read_for(f, cust, "customers"), GD_EDENIED);
	GD_OK_OR_FAIL(gd_subject_unrestrict(f->a, s));
	GD_OK_OR_FAIL(read_for(f, cust, "customers"));
	assert_int_equal(gd_subject_unrestrict(f->a, s), GD_ESTATE);
}

/* Reads skip the limits look-up while no subject has any: a restriction
 * completed in the middle of a transaction applies to the very next read. */
static void restriction_applies_within_a_batch(void **state)
{
	struct fixture *f = *state;
	char s[GD_SUBJECT_ID_SIZE];
	new_subject(f, s, "batch@example.fr");
	int64_t cust = put(f, s, "customers", "user.contact.phone", "subject", "+33612345679");
	int64_t id = open_verified(f, "restriction", s, NULL);
	GD_OK_OR_FAIL(gd_vault_begin(f->v));
	GD_OK_OR_FAIL(read_for(f, cust, "customers"));
	GD_OK_OR_FAIL(gd_request_complete(f->a, id, "accuracy contested"));
	assert_int_equal(read_for(f, cust, "customers"), GD_EDENIED);
	GD_OK_OR_FAIL(gd_vault_commit(f->v));
	assert_int_equal(read_for(f, cust, "customers"), GD_EDENIED);
}

static void objection_stops_prospection_only(void **state)
{
	struct fixture *f = *state;
	char s[GD_SUBJECT_ID_SIZE];
	new_subject(f, s, "i@example.fr");
	int64_t pro = put(f, s, "prospection", "user.contact.email", "trade-show", "i@example.fr");
	int64_t cust = put(f, s, "customers", "user.contact.email", "subject", "i@example.fr");
	GD_OK_OR_FAIL(read_for(f, pro, "prospection"));
	/* No activity named: every activity on legitimate interests or for marketing. */
	int64_t id = open_verified(f, "objection", s, NULL);
	GD_OK_OR_FAIL(gd_request_complete(f->a, id, NULL));
	assert_int_equal(read_for(f, pro, "prospection"), GD_EDENIED);
	assert_non_null(strstr(gd_error_last(), "objected"));
	GD_OK_OR_FAIL(read_for(f, cust, "customers"));
	/* Wimi: prospection (legitimate interests) and the newsletter (marketing). */
	assert_int_equal(sql_count(f, "SELECT count(*) FROM subject_limits WHERE kind = 2"), 2);
}

/* ---- rectification, erasure, portability ------------------------------------------------- */

struct notices {
	int n;
	char recipient[8][64], action[8][32];
	int64_t first_id;
};

static int collect_notice(void *ud, const gd_notice *n)
{
	struct notices *c = ud;
	if (c->n == 0)
		c->first_id = n->id;
	if (c->n < 8) {
		snprintf(c->recipient[c->n], 64, "%s", n->recipient);
		snprintf(c->action[c->n], 32, "%s", n->action);
	}
	c->n++;
	return 0;
}

static void rectification_notifies_recipients(void **state)
{
	struct fixture *f = *state;
	char s[GD_SUBJECT_ID_SIZE], other[GD_SUBJECT_ID_SIZE];
	new_subject(f, s, "j@example.fr");
	new_subject(f, other, "k@example.fr");
	int64_t rec = put(f, s, "customers", "user.name", "subject", "Jean Dupond");
	int64_t theirs = put(f, other, "customers", "user.name", "subject", "Karl");
	int64_t id = open_req(f, "rectification", s, NULL);
	assert_int_equal(gd_request_rectify(f->a, id, rec, GD_VALUE_TEXT, "Jean Dupont", 11), GD_ESTATE);
	GD_OK_OR_FAIL(gd_request_verify(f->a, id, "email-link", "msg-42"));
	/* Only the request's own subject's records. */
	assert_int_equal(gd_request_rectify(f->a, id, theirs, GD_VALUE_TEXT, "x", 1), GD_ENOTFOUND);
	GD_OK_OR_FAIL(gd_request_rectify(f->a, id, rec, GD_VALUE_TEXT, "Jean Dupont", 11));
	gd_record *r;
	GD_OK_OR_FAIL(gd_record_get(f->a, &r, rec, "customers"));
	assert_string_equal((const char *)r->value, "Jean Dupont");
	gd_record_free(r);
	/* OVH (processor) and Stripe (external) are told, not the internal support team. */
	struct notices n = {0};
	GD_OK_OR_FAIL(gd_outbox_list(f->a, NULL, true, collect_notice, &n));
	assert_int_equal(n.n, 2);
	assert_string_equal(n.recipient[0], "OVH");
	assert_string_equal(n.recipient[1], "Stripe");
	assert_string_equal(n.action[0], "rectification");
	GD_OK_OR_FAIL(gd_outbox_ack(f->a, n.first_id));
	assert_int_equal(gd_outbox_ack(f->a, n.first_id), GD_ESTATE);
	assert_int_equal(gd_outbox_ack(f->a, 9999), GD_ENOTFOUND);
	n = (struct notices){0};
	GD_OK_OR_FAIL(gd_outbox_list(f->a, NULL, true, collect_notice, &n));
	assert_int_equal(n.n, 1);
	GD_OK_OR_FAIL(gd_request_complete(f->a, id, NULL));
}

struct kept {
	int n;
	int64_t id;
	char rule[256];
	gd_time until;
};

static int collect_kept(void *ud, const gd_erasure_kept *k)
{
	struct kept *c = ud;
	c->n++;
	c->id = k->record_id;
	snprintf(c->rule, sizeof c->rule, "%s", k->rule);
	c->until = k->until;
	return 0;
}

static void erasure_keeps_what_the_law_requires_and_says_so(void **state)
{
	struct fixture *f = *state;
	char s[GD_SUBJECT_ID_SIZE];
	new_subject(f, s, "l@example.fr");
	gd_vault_set_now(f->v, T("2026-02-10T09:00:00Z"));
	int64_t name = put(f, s, "customers", "user.name", "subject", "Louise Leroy");
	int64_t inv = put(f, s, "invoicing", "user.financial.invoice", "billing", "F-2026-0042 120 EUR");
	int64_t ck = put(f, s, "cookies", "user.device.cookie_id", "website", "ck-1");
	gd_consent_evidence ev = GD_CONSENT_EVIDENCE_INIT;
	ev.channel = "cookie-banner";
	GD_OK_OR_FAIL(gd_consent_give(f->a, s, "cookies", &ev));
	int64_t id = open_verified(f, "erasure", s, NULL);
	struct kept k = {0};
	size_t deleted = 0;
	GD_OK_OR_FAIL(gd_request_erase(f->a, id, collect_kept, &k, &deleted));
	assert_int_equal(deleted, 2);
	assert_int_equal(k.n, 1);
	assert_int_equal(k.id, inv);
	assert_non_null(strstr(k.rule, "legal obligation"));
	assert_non_null(strstr(k.rule, "L123-22"));
	assert_time(k.until, "2036-02-10T23:59:59Z");
	assert_int_equal(read_for(f, name, "customers"), GD_ENOTFOUND);
	assert_int_equal(read_for(f, ck, "cookies"), GD_ENOTFOUND);
	GD_OK_OR_FAIL(read_for(f, inv, "invoicing"));
	assert_int_equal(sql_count(f, "SELECT count(*) FROM consents"), 0);
	gd_request r;
	GD_OK_OR_FAIL(gd_request_get(f->a, &r, id));
	assert_int_equal(r.state, GD_REQUEST_COMPLETED);
	/* Recipients of the erased customer data are told; none for cookies (no recipients). */
	struct notices n = {0};
	GD_OK_OR_FAIL(gd_outbox_list(f->a, NULL, true, collect_notice, &n));
	assert_int_equal(n.n, 2);
	assert_string_equal(n.action[0], "erasure");
	assert_int_equal(sql_count(f, "SELECT count(*) FROM audit WHERE action = 'request.erase.keep'"), 1);
	/* The erased records left the retention index with them; the kept one stays. */
	assert_int_equal(sql_count(f, "SELECT count(*) FROM retention_due WHERE record_id NOT IN (SELECT id FROM records)"), 0);
	assert_int_equal(sql_count(f, "SELECT count(*) FROM retention_due"), sql_count(f, "SELECT count(*) FROM records"));
	/* And the highest erased id is never given again: the vault's counter is past it. */
	if (fx_on_pg()) /* a sequence, its ids taken in blocks (store_pg.c): at or past it */
		assert_true(sql_count(f, "SELECT last_value FROM counter_records") >= ck);
	else
		assert_int_equal(sql_count(f, "SELECT value FROM counters WHERE name = 'records'"), ck);
	/* Plaintext of the erased record is gone from the files. */
	fx_reopen(f);
	assert_false(fx_contains(f, "Louise", 6));
}

struct kept_all {
	int n;
	int64_t id[8];
	char rule[8][256];
	gd_time until[8];
};

static int collect_all_kept(void *ud, const gd_erasure_kept *k)
{
	struct kept_all *c = ud;
	if (c->n < 8) {
		c->id[c->n] = k->record_id;
		snprintf(c->rule[c->n], sizeof c->rule[0], "%s", k->rule);
		c->until[c->n] = k->until;
	}
	c->n++;
	return 0;
}

static void erasure_honours_holds_and_survives_a_restore(void **state)
{
	struct fixture *f = *state;
	char s[GD_SUBJECT_ID_SIZE], bdir[300], file[400];
	new_subject(f, s, "r@example.fr");
	int64_t name = put(f, s, "customers", "user.name", "subject", "Remi Roux");
	int64_t phone = put(f, s, "customers", "user.contact.phone", "subject", "+33611111111");
	int64_t inv = put(f, s, "invoicing", "user.financial.invoice", "billing", "F-9");
	snprintf(bdir, sizeof bdir, "%s/backups", f->dir);
	gd_backup_info bi;
	GD_OK_OR_FAIL(gd_backup_create(f->v, bdir, &bi));
	gd_vault_set_now(f->v, gd_vault_now(f->v) + 3600);
	int64_t hold;
	GD_OK_OR_FAIL(gd_hold_place(f->a, &hold, s, phone, "litigation 2026-114"));
	int64_t id = open_verified(f, "erasure", s, NULL);
	struct kept_all k = {0};
	size_t deleted = 0;
	GD_OK_OR_FAIL(gd_request_erase(f->a, id, collect_all_kept, &k, &deleted));
	assert_int_equal(deleted, 1);
	assert_int_equal(k.n, 2);
	/* Ordered by activity: customers (the held phone), then invoicing. */
	assert_int_equal(k.id[0], phone);
	assert_non_null(strstr(k.rule[0], "legal hold"));
	assert_non_null(strstr(k.rule[0], "litigation 2026-114"));
	assert_int_equal(k.until[0], 0);
	assert_int_equal(k.id[1], inv);
	assert_non_null(strstr(k.rule[1], "legal obligation"));
	assert_int_equal(read_for(f, name, "customers"), GD_ENOTFOUND);

	/* Restoring the backup taken before re-applies the partial erasure. */
	snprintf(file, sizeof file, "%s/%s", bdir, bi.name);
	gd_actor_close(f->a);
	gd_vault_close(f->v);
	f->a = NULL, f->v = NULL;
	gd_vault_options o = GD_VAULT_OPTIONS_INIT;
	o.now = T("2026-01-02");
	o.key_path = f->key; /* where the fixture keeps it (a PostgreSQL vault needs it named) */
	gd_backup_restore_stats rs;
	GD_OK_OR_FAIL(gd_backup_restore(f->path, &o, file, &rs));
	assert_int_equal(rs.deletions, 1);
	fx_reopen(f);
	assert_int_equal(read_for(f, name, "customers"), GD_ENOTFOUND);
	/* The restore's re-applied deletion left the retention index too, and its id stays given. */
	assert_int_equal(sql_count(f, "SELECT count(*) FROM retention_due WHERE record_id NOT IN (SELECT id FROM records)"), 0);
	assert_true(sql_count(f, "SELECT value FROM counters WHERE name = 'records'") >= name);
	GD_OK_OR_FAIL(read_for(f, phone, "customers"));
	GD_OK_OR_FAIL(read_for(f, inv, "invoicing"));
}

static void erasure_with_nothing_to_keep_shreds_the_subject(void **state)
{
	struct fixture *f = *state;
	char s[GD_SUBJECT_ID_SIZE], found[GD_SUBJECT_ID_SIZE];
	new_subject(f, s, "m@example.fr");
	put(f, s, "customers", "user.name", "subject", "Marc");
	int64_t id = open_verified(f, "erasure", s, NULL);
	GD_OK_OR_FAIL(gd_request_complete(f->a, id, NULL));
	assert_int_equal(gd_subject_find(f->a, found, "email", "m@example.fr"), GD_ENOTFOUND);
	assert_int_equal(sql_count(f, "SELECT count(*) FROM subjects"), 0);
	/* The request stays as proof, by pseudonym. */
	gd_request r;
	GD_OK_OR_FAIL(gd_request_get(f->a, &r, id));
	assert_string_equal(r.subject, s);
	assert_int_equal(r.state, GD_REQUEST_COMPLETED);
}

struct erase_faults {
	struct fixture *f;
	int64_t request;
};

static int op_request_erase(void *ud)
{
	struct erase_faults *c = ud;
	return gd_request_erase(c->f->a, c->request, NULL, NULL, NULL);
}

/* Nothing half-done: both records, the request still open, no notice. */
static void nothing_erased(void *ud, long n, int rc)
{
	struct erase_faults *c = ud;
	assert_int_equal(sql_count(c->f, "SELECT count(*) FROM records"), 2);
	gd_request r;
	GD_OK_OR_FAIL(gd_request_get(c->f->a, &r, c->request));
	assert_int_equal(r.state, GD_REQUEST_VERIFIED);
	assert_int_equal(sql_count(c->f, "SELECT count(*) FROM outbox"), 0);
}

static void erasure_is_all_or_nothing_under_faults(void **state)
{
	struct fixture *f = *state;
	char s[GD_SUBJECT_ID_SIZE];
	new_subject(f, s, "n@example.fr");
	put(f, s, "customers", "user.name", "subject", "Nina");
	put(f, s, "invoicing", "user.financial.invoice", "billing", "F-1");
	struct erase_faults c = {f, open_verified(f, "erasure", s, NULL)};
	struct fault_loop l = {.op = op_request_erase, .check = nothing_erased, .ud = &c};
	fault_loop_run(&l);
	assert_int_equal(sql_count(f, "SELECT count(*) FROM records"), 1);
}

/* Rows of every table the rights modules write, and of the audit trail. */
static int64_t footprint(struct fixture *f)
{
	return sql_count(f, "SELECT (SELECT count(*) FROM consents) + 1000 * (SELECT count(*) FROM requests)"
	                    " + 1000000 * (SELECT count(*) FROM request_steps)"
	                    " + 1000000000 * (SELECT count(*) FROM subject_limits)"
	                    " + 1000000000000 * (SELECT count(*) FROM outbox)"
	                    " + 1000000000000000 * (SELECT count(*) FROM audit)"
	                    " + (SELECT coalesce(sum(copies), 0) FROM requests)");
}

struct op {
	const char *name;
	int expect; /* the operation's result once no fault fires */
	int (*run)(struct fixture *f, const char *s, int64_t rec, int64_t *req);
};

static int op_give(struct fixture *f, const char *s, int64_t rec, int64_t *req)
{
	gd_consent_evidence ev = GD_CONSENT_EVIDENCE_INIT;
	ev.channel = "web-form";
	return gd_consent_give(f->a, s, "newsletter", &ev);
}
static int op_withdraw(struct fixture *f, const char *s, int64_t rec, int64_t *req)
{
	return gd_consent_withdraw(f->a, s, "newsletter", "email");
}
/* A refusal the law allows: portability where nothing rests on consent or contract. */
static int op_open_refused(struct fixture *f, const char *s, int64_t rec, int64_t *req)
{
	struct gd__activity acts[] = {
		{.id = "security_logs", .name = "Security logs", .role = GD__ROLE_CONTROLLER, .basis = GD__BASIS_LEGAL_OBLIGATION, .categories = STRS("user.device"), .subjects = STRS("customer")},
	};
	struct gd__right rights[] = {
		{.kind = "portability", .offered = false, .reason = "no processing rests on consent or a contract"},
	};
	struct gd__register reg = wimi_register;
	reg.activities = acts, reg.nactivities = 1, reg.rights = rights, reg.nrights = 1;
	gd__rights_use_register(&reg);
	gd_request_spec sp = GD_REQUEST_SPEC_INIT;
	int64_t id;
	sp.kind = "portability";
	sp.subject = s;
	int rc = gd_request_open(f->a, &id, &sp);
	gd__rights_use_register(&wimi_register);
	return rc;
}
static int op_open(struct fixture *f, const char *s, int64_t rec, int64_t *req)
{
	gd_request_spec sp = GD_REQUEST_SPEC_INIT;
	sp.kind = "rectification";
	sp.subject = s;
	return gd_request_open(f->a, req, &sp);
}
static int op_verify(struct fixture *f, const char *s, int64_t rec, int64_t *req)
{
	return gd_request_verify(f->a, *req, "id-card", "scan-9");
}
static int op_extend(struct fixture *f, const char *s, int64_t rec, int64_t *req)
{
	return gd_request_extend(f->a, *req, "many requests");
}
static int op_rectify(struct fixture *f, const char *s, int64_t rec, int64_t *req)
{
	return gd_request_rectify(f->a, *req, rec, GD_VALUE_TEXT, "Sam Smith", 9);
}
static int op_ack(struct fixture *f, const char *s, int64_t rec, int64_t *req)
{
	/* The rectification's notice: not id 1 on PostgreSQL, where the faulted
	 * runs' rolled-back inserts used ids up (a sequence never gives one twice). */
	return gd_outbox_ack(f->a, db_count(f->path, "SELECT min(id) FROM outbox WHERE acked_at = 0"));
}
static int op_complete(struct fixture *f, const char *s, int64_t rec, int64_t *req)
{
	return gd_request_complete(f->a, *req, "done");
}
static int op_objection(struct fixture *f, const char *s, int64_t rec, int64_t *req)
{
	/* Set-up for the next step, run without faults. */
	*req = open_verified(f, "objection", s, NULL);
	return 0;
}
static int op_export(struct fixture *f, const char *s, int64_t rec, int64_t *req)
{
	struct buf b = {0};
	int rc = gd_request_export(f->a, *req, GD_EXPORT_JSON, buf_write, &b, NULL, NULL);
	free(b.p);
	return rc;
}

struct export_faults {
	struct fixture *f;
	const char *s;
	int64_t rec, req, before;
};

static int run_export(void *ud)
{
	struct export_faults *c = ud;
	return op_export(c->f, c->s, c->rec, &c->req);
}

static void take_footprint(void *ud)
{
	struct export_faults *c = ud;
	c->before = footprint(c->f);
}

static void footprint_unchanged(void *ud, long n, int rc)
{
	struct export_faults *c = ud;
	assert_int_equal(footprint(c->f), c->before);
}

static void writes_are_all_or_nothing_under_faults(void **state)
{
	struct fixture *f = *state;
	char s[GD_SUBJECT_ID_SIZE];
	new_subject(f, s, "s@example.fr");
	int64_t rec = put(f, s, "customers", "user.name", "subject", "Sam Smyth");
	int64_t req = 0;
	static const struct op ops[] = {
		{"consent give", 0, op_give},
		{"consent withdraw", 0, op_withdraw},
		{"open refused", GD_EDENIED, op_open_refused},
		{"open", 0, op_open},
		{"verify", 0, op_verify},
		{"extend", 0, op_extend},
		{"rectify", 0, op_rectify},
		{"outbox ack", 0, op_ack},
		{"complete rectification", 0, op_complete},
		{"open objection (no faults)", 0, op_objection},
		{"complete objection", 0, op_complete},
	};
	for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
		bool faults = strstr(ops[i].name, "no faults") == NULL;
		for (long n = 1;; n++) {
			int64_t before = footprint(f);
			if (faults)
				gd__fault_arm(n);
			int rc = ops[i].run(f, s, rec, &req);
			bool fired = faults && gd__fault_fired();
			gd__fault_arm(0);
			if (!fired) {
				if (rc != ops[i].expect)
					fail_msg("%s: %d (%s)", ops[i].name, rc, gd_error_last());
				assert_true(footprint(f) != before);
				break;
			}
			if (rc >= 0)
				fail_msg("%s succeeded although fault %ld fired", ops[i].name, n);
			if (footprint(f) != before)
				fail_msg("%s left a partial write at fault %ld", ops[i].name, n);
		}
	}
	/* Exports count copies only when they are delivered whole. */
	struct export_faults c = {.f = f, .s = s, .rec = rec, .req = open_verified(f, "access", s, NULL)};
	struct fault_loop l = {.op = run_export, .before = take_footprint, .check = footprint_unchanged, .ud = &c};
	fault_loop_run(&l);
}

static void portability_holds_only_what_the_subject_provided(void **state)
{
	struct fixture *f = *state;
	char s[GD_SUBJECT_ID_SIZE];
	new_subject(f, s, "o@example.fr");
	put(f, s, "customers", "user.contact.phone", "subject", "+33600000001");     /* contract, provided */
	put(f, s, "customers", "user.contact.address", "partner", "1 rue de Paris"); /* contract, not provided */
	put(f, s, "prospection", "user.contact.email", "subject", "o@example.fr");   /* legitimate interests */
	int64_t id = open_verified(f, "portability", s, NULL);
	struct buf b = {0};
	assert_int_equal(gd_request_export(f->a, id, GD_EXPORT_HTML, buf_write, &b, NULL, NULL), GD_EINVAL);
	GD_OK_OR_FAIL(gd_request_export(f->a, id, GD_EXPORT_CSV, buf_write, &b, NULL, NULL));
	assert_non_null(strstr(b.p, "section,id,activity,category"));
	/* A leading + would be run as a formula by a spreadsheet: neutralised with a '. */
	assert_non_null(strstr(b.p, "\"'+33600000001\""));
	assert_null(strstr(b.p, "\"+33600000001\""));
	assert_null(strstr(b.p, "1 rue de Paris"));
	assert_null(strstr(b.p, "\"prospection\""));
	b.n = 0;
	GD_OK_OR_FAIL(gd_request_export(f->a, id, GD_EXPORT_JSON, buf_write, &b, NULL, NULL));
	json_t *j = json_loadb(b.p, b.n, 0, NULL);
	assert_non_null(j);
	assert_true(json_is_true(json_object_get(j, "portable")));
	assert_int_equal(json_array_size(json_object_get(j, "records")), 1);
	assert_null(json_object_get(j, "consents"));
	json_decref(j);
	GD_OK_OR_FAIL(gd_request_complete(f->a, id, NULL));
	free(b.p);
}

static void exports_escape_and_stream(void **state)
{
	struct fixture *f = *state;
	char s[GD_SUBJECT_ID_SIZE];
	new_subject(f, s, "p@example.fr");
	put(f, s, "customers", "user.name", "subject", "<script>alert(\"x\")</script>, \"quoted\"\nline");
	char big[1000];
	memset(big, 'z', sizeof big - 1);
	big[sizeof big - 1] = 0;
	for (int i = 0; i < 60; i++)
		put(f, s, "customers", "user.contact.note", "subject", big);
	struct buf b = {0};
	GD_OK_OR_FAIL(gd_rights_export(f->a, s, GD_EXPORT_HTML, 0, buf_write, &b));
	assert_null(strstr(b.p, "<script>"));
	assert_non_null(strstr(b.p, "&lt;script&gt;"));
	/* Streamed in bounded pieces, not one buffer of everything. */
	assert_true(b.writes > 2);
	assert_true(b.max_write <= 16384);
	b.n = 0;
	GD_OK_OR_FAIL(gd_rights_export(f->a, s, GD_EXPORT_JSON, 0, buf_write, &b));
	json_t *j = json_loadb(b.p, b.n, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "records"), 0), "value")),
	                    "<script>alert(\"x\")</script>, \"quoted\"\nline");
	json_decref(j);
	b.n = 0;
	GD_OK_OR_FAIL(gd_rights_export(f->a, s, GD_EXPORT_CSV, 0, buf_write, &b));
	assert_non_null(strstr(b.p, "\"<script>alert(\"\"x\"\")</script>, \"\"quoted\"\"\nline\""));
	free(b.p);
	assert_int_equal(sql_count(f, "SELECT count(*) FROM audit WHERE action = 'rights.export'"), 3);
}

static void subject_erasure_drops_consents_keeps_requests(void **state)
{
	struct fixture *f = *state;
	char s[GD_SUBJECT_ID_SIZE];
	new_subject(f, s, "q@example.fr");
	gd_consent_evidence ev = GD_CONSENT_EVIDENCE_INIT;
	ev.channel = "web-form";
	GD_OK_OR_FAIL(gd_consent_give(f->a, s, "newsletter", &ev));
	int64_t id = open_verified(f, "objection", s, "prospection");
	GD_OK_OR_FAIL(gd_request_complete(f->a, id, NULL));
	GD_OK_OR_FAIL(gd_subject_erase(f->a, s));
	assert_int_equal(sql_count(f, "SELECT count(*) FROM consents"), 0);
	assert_int_equal(sql_count(f, "SELECT count(*) FROM subject_limits"), 0);
	assert_int_equal(sql_count(f, "SELECT count(*) FROM requests"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(deadlines_follow_the_eu_month_rule),
		cmocka_unit_test_setup_teardown(request_list_shows_due_and_late, setup_wimi, teardown),
		cmocka_unit_test_setup_teardown(extension_once_with_reason, setup_wimi, teardown),
		cmocka_unit_test_setup_teardown(access_request_end_to_end, setup_wimi, teardown),
		cmocka_unit_test_setup_teardown(confirmation_and_post_mortem_close, setup_wimi, teardown),
		cmocka_unit_test_setup_teardown(directive_read_is_audited_even_when_its_callback_fails, setup_wimi,
	                                        teardown),
		cmocka_unit_test_setup_teardown(statutory_right_not_offered_is_still_received, setup_wimi, teardown),
		cmocka_unit_test_setup_teardown(limited_right_not_offered_is_refused_with_the_registers_reason, setup_wimi, teardown),
		cmocka_unit_test_setup_teardown(right_the_register_is_silent_on_is_received, setup_iporta, teardown),
		cmocka_unit_test_setup_teardown(cookie_consent_expires_after_13_months, setup_wimi, teardown),
		cmocka_unit_test_setup_teardown(consent_evidence_is_the_hash_of_the_wording, setup_wimi, teardown),
		cmocka_unit_test_setup_teardown(optin_list_follows_consent, setup_wimi, teardown),
		cmocka_unit_test_setup_teardown(restriction_refuses_reads_but_legal_claims_and_consent, setup_iporta, teardown),
		cmocka_unit_test_setup_teardown(restriction_applies_within_a_batch, setup_iporta, teardown),
		cmocka_unit_test_setup_teardown(objection_stops_prospection_only, setup_wimi, teardown),
		cmocka_unit_test_setup_teardown(rectification_notifies_recipients, setup_wimi, teardown),
		cmocka_unit_test_setup_teardown(erasure_keeps_what_the_law_requires_and_says_so, setup_wimi, teardown),
		cmocka_unit_test_setup_teardown(erasure_honours_holds_and_survives_a_restore, setup_wimi, teardown),
		cmocka_unit_test_setup_teardown(erasure_with_nothing_to_keep_shreds_the_subject, setup_wimi, teardown),
		cmocka_unit_test_setup_teardown(erasure_is_all_or_nothing_under_faults, setup_wimi, teardown),
		cmocka_unit_test_setup_teardown(writes_are_all_or_nothing_under_faults, setup_wimi, teardown),
		cmocka_unit_test_setup_teardown(portability_holds_only_what_the_subject_provided, setup_iporta, teardown),
		cmocka_unit_test_setup_teardown(exports_escape_and_stream, setup_wimi, teardown),
		cmocka_unit_test_setup_teardown(subject_erasure_drops_consents_keeps_requests, setup_wimi, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
