/*
 * test_retention.c — the retention promises of the three notices, with the
 * clock moved forward: each kind of rule applied to the day (month ends and
 * leap days included), events re-basing clocks, stages (archive, anonymise,
 * delete), holds blocking deletions and erasures, a sweep interrupted and
 * resumed, and the plan.
 *
 * The registers are built in C from the model (lib/register.h), as the YAML
 * loader would build them from the notices' wording.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "helpers.h"
#include "lib/internal.h"
#include "lib/retention/retention.h"

static gd_time T(const char *s)
{
	gd_time t;
	if (gd_time_parse(&t, s) != 0)
		fail_msg("bad time %s", s);
	return t;
}

/* ---- the registers ---- */

#define P(y, m, d) ((struct gd__period){(y), (m), (d)})

/* Wimi, §9 "Durée de conservation". */
static const char *bank_cats[] = {"user.financial.bank_account"};
static const char *tech_cats[] = {"user.device.ip_address", "system.operations"};
static struct gd__stage wimi_customer[] = {{GD__STAGE_DELETE, "unsubscription", P(3, 0, 0)}};
static struct gd__stage wimi_prospect[] = {{GD__STAGE_DELETE, "last_contact", P(3, 0, 0)}};
static struct gd__stage wimi_tech[] = {{GD__STAGE_DELETE, "last_login", P(1, 0, 0)}};
static struct gd__stage wimi_bank[] = {{GD__STAGE_ARCHIVE, "debit", P(0, 0, 0)},
                                       {GD__STAGE_DELETE, "debit", P(0, 13, 0)}};
static struct gd__stage wimi_cookie[] = {{GD__STAGE_DELETE, "collection", P(0, 13, 0)}};
static struct gd__retention wimi_service_rules[] = {
	{.categories = {bank_cats, 1}, .stages = wimi_bank, .nstages = 2, .text = "bank data deleted once the transaction is done; kept 13 months in archive from the debit as proof", .line = 40},
	{.categories = {tech_cats, 2}, .stages = wimi_tech, .nstages = 1, .text = "IP addresses and logs: 1 year from the last login", .line = 44},
};
static struct gd__retention wimi_marketing_rules[] = {
	{.stages = wimi_customer, .nstages = 1, .text = "3 years from unsubscription", .line = 50}};
/* Wimi's prospection holds customers (from unsubscription) and prospects (from
 * their last contact): two rules for every category of one activity. */
static const char *prospects[] = {"prospect"}, *customers[] = {"customer"};
static struct gd__retention wimi_prospect_rules[] = {
	{.stages = wimi_prospect, .nstages = 1, .text = "3 years from the last contact", .line = 55, .subjects = {prospects, 1}},
	{.stages = wimi_customer, .nstages = 1, .text = "3 years from unsubscription", .line = 56, .subjects = {customers, 1}}};
static struct gd__retention wimi_cookie_rules[] = {
	{.stages = wimi_cookie, .nstages = 1, .text = "cookies: 13 months", .line = 60}};
static struct gd__activity wimi_acts[] = {
	{.id = "service", .retention = wimi_service_rules, .nretention = 2},
	{.id = "customer_marketing", .retention = wimi_marketing_rules, .nretention = 1},
	{.id = "prospection", .retention = wimi_prospect_rules, .nretention = 2},
	{.id = "audience", .retention = wimi_cookie_rules, .nretention = 1},
	{.id = "proof", .legal_claims = true},
};
static struct gd__event_def wimi_events[] = {
	{"unsubscription", NULL}, {"last_contact", NULL}, {"last_login", NULL}, {"debit", NULL}};
static struct gd__register wimi = {.version = 1, .activities = wimi_acts, .nactivities = 5, .events = wimi_events, .nevents = 4};

/* WinBooks §3 and IPORTA: the contract, then the legal period; prospection 3 years after the relationship. */
static struct gd__stage wb_contract[] = {{GD__STAGE_ARCHIVE, "contract_end", P(0, 0, 0)},
                                         {GD__STAGE_DELETE, "contract_end", P(10, 0, 0)}};
static struct gd__stage ip_events[] = {{GD__STAGE_ANONYMISE, "relationship_end", P(3, 0, 0)}};
static struct gd__stage ip_contact[] = {{GD__STAGE_DELETE, "collection", P(0, 0, 30)}};
static struct gd__retention wb_rules[] = {
	{.stages = wb_contract, .nstages = 2, .legal_reference = "Code des sociétés, art. III.86", .text = "for the contract, then the legal accounting period", .line = 12}};
static struct gd__retention ip_event_rules[] = {
	{.stages = ip_events, .nstages = 1, .text = "3 years from the end of the relationship, then anonymised", .line = 30}};
static struct gd__retention ip_contact_rules[] = {
	{.stages = ip_contact, .nstages = 1, .text = "the time needed to answer the request", .line = 20}};
static struct gd__activity contract_acts[] = {
	{.id = "customer_relationship", .retention = wb_rules, .nretention = 1},
	{.id = "events", .retention = ip_event_rules, .nretention = 1},
	{.id = "contact_requests", .retention = ip_contact_rules, .nretention = 1},
	{.id = "support"}, /* no rule */
	{.id = "legal_claims", .legal_claims = true},
};
static struct gd__register contracts = {.version = 1, .activities = contract_acts, .nactivities = 5};

/* ---- helpers ---- */

static int64_t put(struct fixture *f, const char *subject, const char *activity, const char *category,
                   const char *collected)
{
	gd_record_spec s = GD_RECORD_SPEC_INIT;
	int64_t id;
	s.activity = activity;
	s.category = category;
	s.value = "Jeanne Martin, FR76 3000 6000 0112";
	s.value_len = strlen(s.value);
	s.collected_at = T(collected);
	/* A record is put once collected: the clock is at least its collected_at. */
	gd_time was = gd_vault_now(f->v);
	if (s.collected_at > was)
		gd_vault_set_now(f->v, s.collected_at);
	GD_OK_OR_FAIL(gd_record_put(f->a, &id, subject, &s));
	gd_vault_set_now(f->v, was);
	return id;
}

static int64_t put_about(struct fixture *f, const char *subject, const char *activity,
                         const char *category, const char *about, const char *collected)
{
	gd_record_spec s = GD_RECORD_SPEC_INIT;
	int64_t id;
	s.activity = activity;
	s.category = category;
	s.subject_category = about;
	s.value = "value";
	s.value_len = 5;
	s.collected_at = T(collected);
	/* A record is put once collected: the clock is at least its collected_at. */
	gd_time was = gd_vault_now(f->v);
	if (s.collected_at > was)
		gd_vault_set_now(f->v, s.collected_at);
	GD_OK_OR_FAIL(gd_record_put(f->a, &id, subject, &s));
	gd_vault_set_now(f->v, was);
	return id;
}

static void subject(struct fixture *f, char id[GD_SUBJECT_ID_SIZE])
{
	GD_OK_OR_FAIL(gd_subject_create(f->a, id));
}

static gd_retention_stats sweep(struct fixture *f, const struct gd__register *reg, const char *at)
{
	gd_retention_stats st;
	gd_vault_set_now(f->v, T(at));
	GD_OK_OR_FAIL(gd__retention_sweep(f->a, reg, NULL, &st));
	assert_true(st.complete);
	return st;
}

static void event(struct fixture *f, const struct gd__register *reg, const char *s, const char *name,
                  const char *at)
{
	GD_OK_OR_FAIL(gd__event_record(f->a, reg, s, name, T(at)));
}

/* Stage of a record: 0, 1, 2, or -1 when it no longer exists. */
static int stage(struct fixture *f, int64_t id)
{
	int64_t s;
	int rc = gd__db_int(f->v->store, &s, "SELECT stage FROM records WHERE id = ?", "i", id);
	if (rc == GD_ENOTFOUND)
		return -1;
	GD_OK_OR_FAIL(rc);
	return (int)s;
}

static int64_t count(struct fixture *f, const char *sql)
{
	return db_count(f->path, sql);
}

/*
 * The records the retention.delete entries name, as docs/audit.md tells a
 * reader to find them: the entry's record, or every id of "; records …" at the
 * end of its reason. Returns how many; `id` > 0: how many times that one.
 */
static int64_t deletions_audited(struct fixture *f, int64_t id)
{
	sqlite3 *db = audit_db_open(f->path);
	sqlite3_stmt *st;
	int64_t n = 0;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT record_id, reason FROM audit WHERE action = 'retention.delete'",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t first = sqlite3_column_int64(st, 0);
		const char *list = strstr((const char *)sqlite3_column_text(st, 1), "; records ");
		if (!list) {
			n += !id || first == id;
			continue;
		}
		bool first_named = false;
		for (char *p = (char *)list + 10, *end; *p; p = end) {
			long long named = strtoll(p, &end, 10);
			assert_true(end > p);
			first_named = first_named || named == first;
			n += !id || named == id;
		}
		assert_true(first_named);
	}
	sqlite3_finalize(st);
	audit_db_close(db);
	return n;
}

/* ---- rules, to the day ---- */

static void three_years_after_last_contact(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	subject(f, s);
	int64_t r = put(f, s, "prospection", "user.contact.email", "2026-01-01");
	/* No contact yet: nothing is due, however late. */
	sweep(f, &wimi, "2040-01-01");
	assert_int_equal(stage(f, r), 0);
	/* Re-open at the real time: contact on a month end. */
	gd_vault_set_now(f->v, T("2026-03-31T18:00:00Z"));
	event(f, &wimi, s, "last_contact", "2026-03-31T17:00:00Z");
	/* 3 years after 2026-03-31: the period ends with 2029-03-31. */
	assert_int_equal(sweep(f, &wimi, "2029-03-31T23:59:59Z").deleted, 0);
	assert_int_equal(stage(f, r), 0);
	/* A later contact re-bases the clock (recorded when it happened). */
	gd_vault_set_now(f->v, T("2027-05-10T09:00:00Z"));
	event(f, &wimi, s, "last_contact", "2027-05-10T08:00:00Z");
	assert_int_equal(sweep(f, &wimi, "2029-04-01T00:00:00Z").deleted, 0);
	assert_int_equal(sweep(f, &wimi, "2030-05-10T23:59:59Z").deleted, 0);
	assert_int_equal(stage(f, r), 0);
	/* An older event does not move the clock back. */
	gd_vault_set_now(f->v, T("2030-05-10T23:59:59Z"));
	event(f, &wimi, s, "last_contact", "2026-02-01");
	assert_int_equal(sweep(f, &wimi, "2030-05-10T23:59:59Z").deleted, 0);
	gd_retention_stats st = sweep(f, &wimi, "2030-05-11T00:00:00Z");
	assert_int_equal(st.deleted, 1);
	assert_int_equal(stage(f, r), -1);
	/* Idempotent: a second run does nothing. */
	st = sweep(f, &wimi, "2030-05-11T00:00:00Z");
	assert_int_equal(st.deleted + st.archived + st.anonymised, 0);
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'retention.delete'"), 1);
	assert_int_equal(deletions_audited(f, r), 1);
	fx_free(f);
}

static void two_rules_of_one_activity_apply_together(void **state)
{
	struct fixture *f = fx_new();
	char prospect[GD_SUBJECT_ID_SIZE], customer[GD_SUBJECT_ID_SIZE];
	subject(f, prospect);
	subject(f, customer);
	int64_t p = put(f, prospect, "prospection", "user.contact.email", "2026-01-01");
	int64_t c = put(f, customer, "prospection", "user.contact.email", "2026-01-01");
	gd_vault_set_now(f->v, T("2026-05-31T12:00:00Z"));
	event(f, &wimi, prospect, "last_contact", "2026-05-31T12:00:00Z");
	gd_vault_set_now(f->v, T("2026-09-30T12:00:00Z"));
	event(f, &wimi, customer, "unsubscription", "2026-09-30T12:00:00Z");
	assert_int_equal(sweep(f, &wimi, "2029-05-31T23:59:59Z").deleted, 0);
	assert_int_equal(sweep(f, &wimi, "2029-06-01T00:00:00Z").deleted, 1);
	assert_int_equal(stage(f, p), -1);
	assert_int_equal(stage(f, c), 0);
	assert_int_equal(sweep(f, &wimi, "2029-10-01T00:00:00Z").deleted, 1);
	assert_int_equal(stage(f, c), -1);
	/* The audit names the rule that applied. */
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'retention.delete'"
	                          " AND reason LIKE '%unsubscription%'"),
	                 1);
	fx_free(f);
}

static void rules_for_subject_categories(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	subject(f, s);
	/* A prospect who became a customer: two newsletter records, one per capacity. */
	int64_t as_prospect = put_about(f, s, "prospection", "user.contact.email", "prospect", "2026-01-01");
	int64_t as_customer = put_about(f, s, "prospection", "user.contact.email", "customer", "2026-06-01");
	gd_vault_set_now(f->v, T("2026-05-31T12:00:00Z"));
	event(f, &wimi, s, "last_contact", "2026-05-31T12:00:00Z");
	/* Three years after the last contact as a prospect: only the prospect's record goes. */
	assert_int_equal(sweep(f, &wimi, "2029-06-01T00:00:00Z").deleted, 1);
	assert_int_equal(stage(f, as_prospect), -1);
	assert_int_equal(stage(f, as_customer), 0);
	/* The customer's waits for the unsubscription. */
	gd_retention_plan_totals tot;
	GD_OK_OR_FAIL(gd__retention_plan(f->a, &wimi, T("2100-01-01"), NULL, NULL, &tot));
	assert_int_equal(tot.waiting, 1);
	gd_vault_set_now(f->v, T("2030-01-15T12:00:00Z"));
	event(f, &wimi, s, "unsubscription", "2030-01-15T12:00:00Z");
	assert_int_equal(sweep(f, &wimi, "2033-01-15T23:59:59Z").deleted, 0);
	assert_int_equal(sweep(f, &wimi, "2033-01-16T00:00:00Z").deleted, 1);
	fx_free(f);
}

static void one_year_after_last_login_leap_day(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	subject(f, s);
	int64_t ip = put(f, s, "service", "user.device.ip_address", "2026-01-01");
	int64_t log = put(f, s, "service", "system.operations.log", "2026-01-01");
	gd_vault_set_now(f->v, T("2028-02-29T12:00:00Z"));
	event(f, &wimi, s, "last_login", "2028-02-29T11:00:00Z");
	/* 1 year after 29 February 2028: 28 February 2029 is the last day kept. */
	assert_int_equal(sweep(f, &wimi, "2029-02-28T23:59:59Z").deleted, 0);
	assert_int_equal(sweep(f, &wimi, "2029-03-01T00:00:00Z").deleted, 2);
	assert_int_equal(stage(f, ip), -1);
	assert_int_equal(stage(f, log), -1);
	fx_free(f);
}

static void three_years_after_unsubscription(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	subject(f, s);
	int64_t r = put(f, s, "customer_marketing", "user.contact.email", "2026-01-01");
	gd_vault_set_now(f->v, T("2026-08-31T10:00:00Z"));
	event(f, &wimi, s, "unsubscription", "2026-08-31T10:00:00Z");
	assert_int_equal(sweep(f, &wimi, "2029-08-31T23:59:59Z").deleted, 0);
	assert_int_equal(sweep(f, &wimi, "2029-09-01T00:00:00Z").deleted, 1);
	assert_int_equal(stage(f, r), -1);
	fx_free(f);
}

static void bank_data_archived_then_deleted_13_months_after_debit(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	subject(f, s);
	int64_t r = put(f, s, "service", "user.financial.bank_account", "2026-01-01");
	gd_vault_set_now(f->v, T("2026-01-31T15:00:00Z"));
	event(f, &wimi, s, "debit", "2026-01-31T14:00:00Z");
	/* Deleted once the transaction is done, except the 13-month proof archive. */
	gd_retention_stats st = sweep(f, &wimi, "2026-01-31T15:00:00Z");
	assert_int_equal(st.archived, 1);
	assert_int_equal(stage(f, r), GD__REC_ARCHIVED);
	/* Archived: not readable for the service any more. */
	gd_record *rec = NULL;
	assert_int_equal(gd_record_get(f->a, &rec, r, "service"), GD_EDENIED);
	assert_non_null(strstr(gd_error_last(), "archived"));
	assert_null(rec);
	/* 13 months after 31 January 2026: 28 February 2027 is the last day. */
	assert_int_equal(sweep(f, &wimi, "2027-02-28T23:59:59Z").deleted, 0);
	assert_int_equal(stage(f, r), GD__REC_ARCHIVED);
	assert_int_equal(sweep(f, &wimi, "2027-03-01T00:00:00Z").deleted, 1);
	assert_int_equal(stage(f, r), -1);
	fx_free(f);
}

static void cookies_13_months_from_collection(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	subject(f, s);
	int64_t a = put(f, s, "audience", "user.behavior.browsing_history", "2026-01-31T10:00:00Z");
	int64_t b = put(f, s, "audience", "user.behavior.browsing_history", "2026-03-15T10:00:00Z");
	assert_int_equal(sweep(f, &wimi, "2027-02-28T23:59:59Z").deleted, 0);
	assert_int_equal(sweep(f, &wimi, "2027-03-01T00:00:00Z").deleted, 1);
	assert_int_equal(stage(f, a), -1);
	assert_int_equal(stage(f, b), 0);
	assert_int_equal(sweep(f, &wimi, "2027-04-15T23:59:59Z").deleted, 0);
	assert_int_equal(sweep(f, &wimi, "2027-04-16T00:00:00Z").deleted, 1);
	fx_free(f);
}

static void contract_then_legal_period(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	subject(f, s);
	int64_t r = put(f, s, "customer_relationship", "user.contact.address", "2026-01-01");
	/* During the contract: kept active, whatever the time. */
	sweep(f, &contracts, "2035-01-01");
	assert_int_equal(stage(f, r), 0);
	gd_vault_set_now(f->v, T("2026-06-30T17:00:00Z"));
	event(f, &contracts, s, "contract_end", "2026-06-30T17:00:00Z");
	gd_retention_stats st = sweep(f, &contracts, "2026-06-30T17:00:00Z");
	assert_int_equal(st.archived, 1);
	assert_int_equal(stage(f, r), GD__REC_ARCHIVED);
	assert_int_equal(sweep(f, &contracts, "2036-06-30T23:59:59Z").deleted, 0);
	assert_int_equal(sweep(f, &contracts, "2036-07-01T00:00:00Z").deleted, 1);
	fx_free(f);
}

static void days_rule_and_no_rule(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	subject(f, s);
	int64_t c = put(f, s, "contact_requests", "user.contact.email", "2026-01-31T08:00:00Z");
	int64_t k = put(f, s, "support", "user.contact.email", "2026-01-31T08:00:00Z");
	/* 30 days from 31 January: 2 March 2026 is the last day. */
	assert_int_equal(sweep(f, &contracts, "2026-03-02T23:59:59Z").deleted, 0);
	assert_int_equal(sweep(f, &contracts, "2026-03-03T00:00:00Z").deleted, 1);
	assert_int_equal(stage(f, c), -1);
	assert_int_equal(stage(f, k), 0);
	gd_retention_plan_totals tot;
	GD_OK_OR_FAIL(gd__retention_plan(f->a, &contracts, T("2100-01-01"), NULL, NULL, &tot));
	assert_int_equal(tot.no_rule, 1);
	fx_free(f);
}

static void anonymisation_keeps_statistics_only(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	subject(f, s);
	GD_OK_OR_FAIL(gd_subject_add_identifier(f->a, s, "email", "jeanne@example.org"));
	int64_t r = put(f, s, "events", "user.demographic.profession", "2026-02-17T10:00:00Z");
	gd_vault_set_now(f->v, T("2026-12-31T10:00:00Z"));
	event(f, &contracts, s, "relationship_end", "2026-12-31T10:00:00Z");
	assert_int_equal(sweep(f, &contracts, "2029-12-31T23:59:59Z").anonymised, 0);
	gd_retention_stats st = sweep(f, &contracts, "2030-01-01T00:00:00Z");
	assert_int_equal(st.anonymised, 1);
	assert_int_equal(stage(f, r), GD__REC_ANONYMISED);
	/* The personal part is gone: no value, no link to the subject; the month of
	 * collection, the activity and the category stay for statistics. */
	assert_int_equal(count(f, "SELECT length(sealed) FROM records"), 0);
	assert_int_equal(count(f, "SELECT subject_id FROM records"), 0);
	assert_int_equal(count(f, "SELECT collected_at FROM records"), T("2026-02-01"));
	assert_int_equal(count(f, "SELECT count(*) FROM records WHERE activity = 'events'"
	                          " AND category = 'user.demographic.profession'"),
	                 1);
	gd_record *rec = NULL;
	assert_int_equal(gd_record_get(f->a, &rec, r, "events"), GD_ENOTFOUND);
	/* Erasing the subject later does not touch the anonymous statistic. */
	GD_OK_OR_FAIL(gd_subject_erase(f->a, s));
	assert_int_equal(count(f, "SELECT count(*) FROM records"), 1);
	/* Nothing further is due. */
	st = sweep(f, &contracts, "2099-01-01");
	assert_int_equal(st.deleted + st.anonymised + st.archived, 0);
	fx_free(f);
}

/* ---- holds ---- */

static void hold_blocks_due_deletion_and_erasure(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE], other[GD_SUBJECT_ID_SIZE];
	int64_t hold;
	subject(f, s);
	subject(f, other);
	int64_t r = put(f, s, "audience", "user.behavior.browsing_history", "2026-01-01");
	int64_t r2 = put(f, other, "audience", "user.behavior.browsing_history", "2026-01-01");
	gd_vault_set_now(f->v, T("2026-06-01"));
	assert_int_equal(gd_hold_place(f->a, &hold, s, 0, ""), GD_EINVAL);
	assert_int_equal(gd_hold_place(f->a, &hold, s, 0, "bad\nreason"), GD_EINVAL);
	GD_OK_OR_FAIL(gd_hold_place(f->a, &hold, s, 0, "litigation 2026-114"));
	/* Due, but held: the other subject's record goes, this one stays. */
	gd_retention_stats st = sweep(f, &wimi, "2027-06-01");
	assert_int_equal(st.deleted, 1);
	assert_int_equal(stage(f, r), 0);
	assert_int_equal(stage(f, r2), -1);
	gd_retention_plan_totals tot;
	GD_OK_OR_FAIL(gd__retention_plan(f->a, &wimi, T("2030-01-01"), NULL, NULL, &tot));
	assert_int_equal(tot.held, 1);
	/* Erasure is refused, with the hold's reason, and nothing is erased. */
	assert_int_equal(gd_subject_erase(f->a, s), GD_ESTATE);
	assert_non_null(strstr(gd_error_last(), "litigation 2026-114"));
	assert_int_equal(stage(f, r), 0);
	/* Lifted: the next sweep applies the deletion that was due. */
	GD_OK_OR_FAIL(gd_hold_lift(f->a, hold, "case closed"));
	assert_int_equal(gd_hold_lift(f->a, hold, NULL), GD_ESTATE);
	st = sweep(f, &wimi, "2027-06-01");
	assert_int_equal(st.deleted, 1);
	assert_int_equal(stage(f, r), -1);
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action IN ('hold.place', 'hold.lift')"), 2);
	GD_OK_OR_FAIL(gd_subject_erase(f->a, s));
	fx_free(f);
}

static int count_hold(void *ud, const gd_hold *h)
{
	(*(int *)ud)++;
	return 0;
}

static void record_hold_keeps_one_record(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE], other[GD_SUBJECT_ID_SIZE];
	int64_t hold;
	subject(f, s);
	subject(f, other);
	int64_t a = put(f, s, "audience", "user.behavior.browsing_history", "2026-01-01");
	int64_t b = put(f, s, "audience", "user.behavior.browsing_history", "2026-01-01");
	int64_t c = put(f, other, "audience", "user.behavior.browsing_history", "2026-01-01");
	assert_int_equal(gd_hold_place(f->a, &hold, s, c, "authority request"), GD_ENOTFOUND);
	GD_OK_OR_FAIL(gd_hold_place(f->a, &hold, s, a, "authority request CNIL-2026-7"));
	int n = 0;
	GD_OK_OR_FAIL(gd_hold_list(f->a, s, false, count_hold, &n));
	assert_int_equal(n, 1);
	assert_int_equal(sweep(f, &wimi, "2028-01-01").deleted, 2);
	assert_int_equal(stage(f, a), 0);
	assert_int_equal(stage(f, b), -1);
	fx_free(f);
}

/* ---- sweep mechanics ---- */

static int stop_after_first(void *ud, uint64_t done, uint64_t total)
{
	uint64_t *seen = ud;
	seen[0] = done, seen[1] = total;
	return 1;
}

static void sweep_interrupted_and_resumed(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	subject(f, s);
	GD_OK_OR_FAIL(gd_vault_begin(f->v));
	for (int i = 0; i < 35; i++)
		put(f, s, "audience", "user.behavior.browsing_history", "2026-01-01");
	GD_OK_OR_FAIL(gd_vault_commit(f->v));
	gd_retention_sweep_options o = GD_RETENTION_SWEEP_OPTIONS_INIT;
	uint64_t seen[2] = {0};
	gd_retention_stats st;
	o.batch = 10;
	o.progress = stop_after_first;
	o.ud = seen;
	gd_vault_set_now(f->v, T("2027-03-01"));
	GD_OK_OR_FAIL(gd__retention_sweep(f->a, &wimi, &o, &st));
	/* Stopped after one committed batch. */
	assert_false(st.complete);
	assert_int_equal(st.deleted, 10);
	assert_int_equal(seen[0], 10);
	assert_int_equal(seen[1], 35);
	assert_int_equal(count(f, "SELECT count(*) FROM records"), 25);
	/* Resumed by a new sweep: the rest, once each. */
	o.progress = NULL;
	GD_OK_OR_FAIL(gd__retention_sweep(f->a, &wimi, &o, &st));
	assert_true(st.complete);
	assert_int_equal(st.deleted, 25);
	assert_int_equal(count(f, "SELECT count(*) FROM records"), 0);
	/* Each deletion audited once: the subject's 35 records, one entry per batch of 10. */
	assert_int_equal(deletions_audited(f, 0), 35);
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'retention.delete'"), 4);
	/* Journaled for restores: one entry per deletion. */
	char j[400];
	snprintf(j, sizeof j, "%s.journal", f->path);
	size_t len;
	unsigned char *buf = read_file(j, &len);
	assert_non_null(buf);
	assert_int_equal(len, 35 * GD__JOURNAL_ENTRY_SIZE);
	free(buf);
	fx_free(f);
}

/* A batch deletes exactly the records it audited as deleted, whatever else it does. */
static void one_batch_mixes_deletions_with_other_transitions(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	subject(f, s);
	int64_t c1 = put(f, s, "contact_requests", "user.contact.email", "2029-01-01");
	int64_t k = put(f, s, "support", "user.contact.email", "2026-01-01");
	int64_t e = put(f, s, "events", "user.demographic.profession", "2026-01-01");
	int64_t cr = put(f, s, "customer_relationship", "user.contact.address", "2026-01-01");
	int64_t c2 = put(f, s, "contact_requests", "user.contact.email", "2029-05-20");
	int64_t c3 = put(f, s, "contact_requests", "user.contact.email", "2029-01-02");
	gd_vault_set_now(f->v, T("2026-01-01T12:00:00Z"));
	event(f, &contracts, s, "relationship_end", "2026-01-01T10:00:00Z");
	event(f, &contracts, s, "contract_end", "2026-01-01T10:00:00Z");
	/* 1 June 2029: c1 and c3 past their 30 days, e past 3 years, cr archived at the
	 * contract's end; c2 not due yet, k under no rule. */
	gd_retention_stats st = sweep(f, &contracts, "2029-06-01");
	assert_int_equal(st.batches, 1);
	assert_int_equal(st.deleted, 2);
	assert_int_equal(st.anonymised, 1);
	assert_int_equal(st.archived, 1);
	assert_int_equal(stage(f, c1), -1);
	assert_int_equal(stage(f, c3), -1);
	assert_int_equal(stage(f, k), 0);
	assert_int_equal(stage(f, e), GD__REC_ANONYMISED);
	assert_int_equal(stage(f, cr), GD__REC_ARCHIVED);
	assert_int_equal(stage(f, c2), 0);
	/* Each deletion is named by the audit trail (one entry: same subject, activity,
	 * category and rule); the index keeps one row per record left. */
	assert_int_equal(deletions_audited(f, c1), 1);
	assert_int_equal(deletions_audited(f, c3), 1);
	assert_int_equal(deletions_audited(f, 0), 2);
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'retention.delete'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM retention_due"), 4);
	assert_int_equal(count(f, "SELECT count(*) FROM retention_due WHERE record_id NOT IN (SELECT id FROM records)"), 0);
	/* The deleted ids are never given again, even the highest one. */
	assert_true(count(f, fx_sql("SELECT value FROM counters WHERE name = 'records'", "SELECT last_value FROM counter_records")) >= c3);
	GD_OK_OR_FAIL(gd_record_delete(f->a, c2));
	assert_true(put(f, s, "support", "user.contact.email", "2029-06-01") > c3);
	/* Nothing more is due at the same clock. */
	st = sweep(f, &contracts, "2029-06-01");
	assert_int_equal(st.deleted + st.anonymised + st.archived, 0);
	fx_free(f);
}

struct sweep_faults {
	struct fixture *f;
	int64_t before, audit_before;
};

static int op_sweep(void *ud)
{
	struct sweep_faults *c = ud;
	gd_retention_stats st;
	return gd__retention_sweep(c->f->a, &wimi, NULL, &st);
}

static void take_counts(void *ud)
{
	struct sweep_faults *c = ud;
	c->before = count(c->f, "SELECT count(*) FROM records");
	c->audit_before = deletions_audited(c->f, 0);
}

/* Every deletion that stands has its audit entry, and left the due-date index. */
static void deletions_consistent(void *ud, long n, int rc)
{
	struct sweep_faults *c = ud;
	int64_t after = count(c->f, "SELECT count(*) FROM records");
	assert_int_equal(c->before - after, deletions_audited(c->f, 0) - c->audit_before);
	assert_int_equal(count(c->f, "SELECT count(*) FROM retention_due"), after);
}

static void failed_batch_leaves_nothing_half_done(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	subject(f, s);
	for (int i = 0; i < 5; i++)
		put(f, s, "audience", "user.behavior.browsing_history", "2026-01-01");
	gd_vault_set_now(f->v, T("2027-03-01"));
	/* Fail every fault point in turn: the sweep either completes or changes nothing. */
	struct sweep_faults c = {.f = f};
	struct fault_loop l = {.op = op_sweep, .before = take_counts, .check = deletions_consistent, .ud = &c, .max = 400};
	fault_loop_run(&l);
	assert_int_equal(count(f, "SELECT count(*) FROM records"), 0);
	assert_int_equal(deletions_audited(f, 0), 5);
	fx_free(f);
}

struct actions {
	int n;
	char action[4][32];
};

static int collect_actions(void *ud, const gd_audit_entry *e)
{
	struct actions *a = ud;
	if (a->n < 4)
		snprintf(a->action[a->n], sizeof a->action[0], "%s", e->action);
	a->n++;
	return 0;
}

/* One entry per subject, activity, category and rule names each of its deleted records. */
static void deletions_audited_by_subject_and_rule(void **state)
{
	struct fixture *f = fx_new();
	char s1[GD_SUBJECT_ID_SIZE], s2[GD_SUBJECT_ID_SIZE];
	int64_t a[70], b[3], other;
	subject(f, s1);
	subject(f, s2);
	GD_OK_OR_FAIL(gd_vault_begin(f->v));
	for (int i = 0; i < 70; i++)
		a[i] = put(f, s1, "audience", "user.behavior.browsing_history", "2026-01-01");
	for (int i = 0; i < 3; i++)
		b[i] = put(f, s2, "audience", "user.behavior.browsing_history", "2026-01-01");
	other = put(f, s2, "audience", "user.device.cookie_id", "2026-01-01");
	GD_OK_OR_FAIL(gd_vault_commit(f->v));
	gd_retention_stats st = sweep(f, &wimi, "2027-03-01");
	assert_int_equal(st.deleted, 74);
	/* 64 records at most per entry: s1's 70 in two, s2's in one per category. */
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'retention.delete'"), 4);
	assert_int_equal(deletions_audited(f, 0), 74);
	for (int i = 0; i < 70; i++)
		assert_int_equal(deletions_audited(f, a[i]), 1);
	for (int i = 0; i < 3; i++)
		assert_int_equal(deletions_audited(f, b[i]), 1);
	assert_int_equal(deletions_audited(f, other), 1);
	/* Found by subject: the entry that names s2's browsing history names only it. */
	sqlite3 *db = audit_db_open(f->path);
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT record_id, category, reason FROM audit"
	                                        " WHERE action = 'retention.delete' AND subject = ? ORDER BY seq",
	                                    -1, &q, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(q, 1, s2, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(q, 0), b[0]);
	assert_string_equal((const char *)sqlite3_column_text(q, 1), "user.behavior.browsing_history");
	char want[200];
	snprintf(want, sizeof want, "cookies: 13 months; records %lld %lld %lld", (long long)b[0],
	         (long long)b[1], (long long)b[2]);
	assert_non_null(strstr((const char *)sqlite3_column_text(q, 2), want));
	/* Alone in its entry: named by record_id, no list. */
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(q, 0), other);
	assert_null(strstr((const char *)sqlite3_column_text(q, 2), "records"));
	assert_int_equal(sqlite3_step(q), SQLITE_DONE);
	sqlite3_finalize(q);
	audit_db_close(db);
	/* gd_audit_list --record N: its put and the deletion entry naming it, grouped or not. */
	int64_t probes[] = {a[0], a[63], a[64], a[69], b[1], other};
	for (size_t i = 0; i < sizeof probes / sizeof *probes; i++) {
		struct actions got = {0};
		gd_audit_filter flt = GD_AUDIT_FILTER_INIT;
		flt.record_id = probes[i];
		GD_OK_OR_FAIL(gd_audit_list(f->a, &flt, collect_actions, &got));
		assert_int_equal(got.n, 2);
		assert_string_equal(got.action[0], "record.put");
		assert_string_equal(got.action[1], "retention.delete");
	}
	/* A version 1 filter (without record_id) still works and lists everything. */
	struct actions all = {0};
	gd_audit_filter v1 = GD_AUDIT_FILTER_INIT;
	v1.version = 1;
	v1.action = "retention.delete";
	GD_OK_OR_FAIL(gd_audit_list(f->a, &v1, collect_actions, &all));
	assert_int_equal(all.n, 4);
	fx_free(f);
}

/*
 * No trigger keeps the index: every path that deletes a record removes its row
 * (through record.c, the records table's owner), and the vault's id counter
 * never goes back (erasure requests and restores: test_rights.c).
 */
static void every_deleter_leaves_the_index(void **state)
{
	struct fixture *f = fx_new();
	char s1[GD_SUBJECT_ID_SIZE], s2[GD_SUBJECT_ID_SIZE];
	subject(f, s1);
	subject(f, s2);
	put(f, s2, "audience", "user.behavior.browsing_history", "2026-01-01");
	put(f, s2, "audience", "user.behavior.browsing_history", "2026-01-01");
	put(f, s1, "audience", "user.behavior.browsing_history", "2026-01-01");
	int64_t r2 = put(f, s1, "audience", "user.behavior.browsing_history", "2026-01-01");
	const char *orphans = "SELECT count(*) FROM retention_due WHERE record_id NOT IN (SELECT id FROM records)";
	/* PostgreSQL: a sequence, its ids taken in blocks (store_pg.c): at or past it. */
	const char *high = fx_sql("SELECT value FROM counters WHERE name = 'records'", "SELECT last_value FROM counter_records");
	/* Each time the highest record goes: its id is never given again. */
	GD_OK_OR_FAIL(gd_record_delete(f->a, r2));
	assert_int_equal(count(f, orphans), 0);
	assert_true(fx_on_pg() ? count(f, high) >= r2 : count(f, high) == r2);
	int64_t r3 = put(f, s1, "audience", "user.behavior.browsing_history", "2026-01-01");
	assert_true(r3 > r2);
	GD_OK_OR_FAIL(gd_subject_erase(f->a, s1));
	assert_int_equal(count(f, orphans), 0);
	assert_true(fx_on_pg() ? count(f, high) >= r3 : count(f, high) == r3);
	assert_true(put(f, s2, "audience", "user.behavior.browsing_history", "2026-01-01") > r3);
	assert_int_equal(count(f, "SELECT count(*) FROM retention_due"), 3);
	/* An old vault still has the trigger: opening it drops the trigger. */
	fx_free(f);
	if (fx_on_pg()) /* SQLite triggers of vaults older than the PostgreSQL engine */
		return;
	f = fx_new();
	subject(f, s1);
	int64_t r1 = put(f, s1, "audience", "user.behavior.browsing_history", "2026-01-01");
	r2 = put(f, s1, "audience", "user.behavior.browsing_history", "2026-01-01");
	gd_actor_close(f->a);
	gd_vault_close(f->v);
	f->a = NULL, f->v = NULL;
	db_exec(f->path, "CREATE TRIGGER retention_record_gone AFTER DELETE ON records BEGIN"
	                 " DELETE FROM retention_due WHERE record_id = old.id; END");
	db_exec(f->path, "CREATE TRIGGER records_high_water AFTER DELETE ON records BEGIN"
	                 " UPDATE meta SET value = old.id WHERE key = 'record_high_water'; END");
	fx_reopen(f);
	assert_int_equal(count(f, "SELECT count(*) FROM sqlite_master WHERE name = 'retention_record_gone'"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM sqlite_master WHERE name = 'records_high_water'"), 0);
	/* A row left behind by some other deleter is dropped by the next sweep, which completes. */
	char sql[120];
	snprintf(sql, sizeof sql, "DELETE FROM records WHERE id = %lld", (long long)r1);
	gd_actor_close(f->a);
	gd_vault_close(f->v);
	f->a = NULL, f->v = NULL;
	db_exec(f->path, sql);
	fx_reopen(f);
	assert_int_equal(count(f, orphans), 1);
	gd_retention_stats st = sweep(f, &wimi, "2027-03-01");
	assert_int_equal(st.deleted, 1);
	assert_int_equal(stage(f, r2), -1);
	assert_int_equal(count(f, "SELECT count(*) FROM retention_due"), 0);
	fx_free(f);
}

static void new_register_version_reschedules(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	subject(f, s);
	int64_t r = put(f, s, "audience", "user.behavior.browsing_history", "2026-01-15");
	/* Scheduled under 13 months: nothing due on 1 August 2026. */
	assert_int_equal(sweep(f, &wimi, "2026-08-01").deleted, 0);
	/* Version 2 shortens it to 6 months: the same sweep time now deletes. */
	static struct gd__stage six[] = {{GD__STAGE_DELETE, "collection", P(0, 6, 0)}};
	static struct gd__retention rules[] = {{.stages = six, .nstages = 1, .text = "cookies: 6 months"}};
	static struct gd__activity acts[] = {{.id = "audience", .retention = rules, .nretention = 1}};
	struct gd__register v2 = {.version = 2, .activities = acts, .nactivities = 1};
	assert_int_equal(sweep(f, &v2, "2026-07-15T23:59:59Z").deleted, 0);
	assert_int_equal(sweep(f, &v2, "2026-08-01").deleted, 1);
	assert_int_equal(stage(f, r), -1);
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'retention.reschedule'"), 2);
	/* A new version finds rows not scheduled yet (left as they are) and scheduled ones. */
	int64_t later = put(f, s, "audience", "user.behavior.browsing_history", "2026-07-01");
	assert_int_equal(sweep(f, &v2, "2026-08-01").deleted, 0);
	int64_t fresh = put(f, s, "audience", "user.behavior.browsing_history", "2026-01-15");
	static struct gd__stage one[] = {{GD__STAGE_DELETE, "collection", P(0, 1, 0)}};
	static struct gd__retention rules3[] = {{.stages = one, .nstages = 1, .text = "cookies: 1 month"}};
	static struct gd__activity acts3[] = {{.id = "audience", .retention = rules3, .nretention = 1}};
	struct gd__register v3 = {.version = 3, .activities = acts3, .nactivities = 1};
	assert_int_equal(sweep(f, &v3, "2026-08-02").deleted, 2);
	assert_int_equal(stage(f, fresh), -1);
	assert_int_equal(stage(f, later), -1);
	fx_free(f);
}

/*
 * A new version re-schedules the rows a batch at a time (memory stays flat);
 * interrupted anywhere, the next sweep goes on and misses no row.
 */
static void reschedule_in_batches_resumes(void **state)
{
	static struct gd__stage one[] = {{GD__STAGE_DELETE, "collection", P(0, 1, 0)}};
	static struct gd__retention rules[] = {{.stages = one, .nstages = 1, .text = "cookies: 1 month"}};
	static struct gd__activity acts[] = {{.id = "audience", .retention = rules, .nretention = 1}};
	struct gd__register v2 = {.version = 2, .activities = acts, .nactivities = 1};
	gd_retention_sweep_options o = GD_RETENTION_SWEEP_OPTIONS_INIT;
	o.batch = 2;
	bool fired = true;
	for (long n = 1; fired && n < 200; n++) {
		struct fixture *f = fx_new();
		char s[GD_SUBJECT_ID_SIZE];
		subject(f, s);
		for (int i = 0; i < 5; i++)
			put(f, s, "audience", "user.behavior.browsing_history", "2026-07-01");
		/* Scheduled under 13 months; the new version makes them due on 2 August. */
		assert_int_equal(sweep(f, &wimi, "2026-08-01").scheduled, 5);
		gd_retention_stats st;
		gd_vault_set_now(f->v, T("2026-08-02"));
		gd__fault_arm(n);
		int rc = gd__retention_sweep(f->a, &v2, &o, &st);
		fired = gd__fault_fired();
		gd__fault_arm(0);
		if (!fired)
			GD_OK_OR_FAIL(rc);
		else
			GD_OK_OR_FAIL(gd__retention_sweep(f->a, &v2, &o, &st));
		assert_true(st.complete);
		assert_int_equal(count(f, "SELECT count(*) FROM records"), 0);
		assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'retention.reschedule'"), 2);
		fx_free(f);
	}
	assert_false(fired);
}

struct event_hold_faults {
	struct fixture *f;
	const char *subject;
	int what;       /* 0: an event, 1: a hold */
	int64_t before; /* audit entries before the attempt */
};

static int op_event_or_hold(void *ud)
{
	struct event_hold_faults *c = ud;
	int64_t hold = 0;
	return c->what == 0 ? gd__event_record(c->f->a, &wimi, c->subject, "last_login", 0)
	                    : gd_hold_place(c->f->a, &hold, c->subject, 0, "litigation 7");
}

static void count_audit(void *ud)
{
	struct event_hold_faults *c = ud;
	c->before = count(c->f, "SELECT count(*) FROM audit");
}

static int64_t event_or_hold_rows(struct event_hold_faults *c)
{
	return count(c->f, c->what == 0 ? "SELECT count(*) FROM events" : "SELECT count(*) FROM holds");
}

/* Refused whole: no row, no audit entry, the schedule untouched. */
static void refused_whole(void *ud, long n, int rc)
{
	struct event_hold_faults *c = ud;
	assert_int_equal(event_or_hold_rows(c), 0);
	assert_int_equal(count(c->f, "SELECT count(*) FROM audit"), c->before);
	assert_int_equal(count(c->f, "SELECT count(*) FROM retention_due WHERE due_at = -1"), c->what == 0 ? 1 : 0);
}

static void event_and_hold_all_or_nothing_under_faults(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	subject(f, s);
	put(f, s, "audience", "user.behavior.browsing_history", "2026-01-01");
	struct event_hold_faults c = {.f = f, .subject = s};
	struct fault_loop l = {.op = op_event_or_hold, .before = count_audit, .check = refused_whole, .ud = &c, .max = 500};
	for (c.what = 0; c.what < 2; c.what++) {
		assert_true(fault_loop_run(&l) > 1);
		assert_int_equal(event_or_hold_rows(&c), 1);
		assert_int_equal(count(f, "SELECT count(*) FROM audit"), c.before + 1);
		/* The first sweep schedules the record; the hold test then starts from there. */
		if (c.what == 0)
			sweep(f, &wimi, "2026-01-02");
	}
	fx_free(f);
}

/* ---- plan ---- */

struct rows {
	char text[2048];
	int n;
};

static int plan_row(void *ud, const gd_retention_plan_row *r)
{
	struct rows *x = ud;
	size_t len = strlen(x->text);
	snprintf(x->text + len, sizeof x->text - len, "%s %s %s %lld|", r->month, r->activity,
	         gd_retention_action_name(r->action), (long long)r->count);
	x->n++;
	return 0;
}

static void plan_by_month_activity_and_rule(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE], t[GD_SUBJECT_ID_SIZE];
	subject(f, s);
	subject(f, t);
	put(f, s, "audience", "user.behavior.browsing_history", "2026-01-05");
	put(f, t, "audience", "user.behavior.browsing_history", "2026-01-20");
	put(f, s, "audience", "user.behavior.browsing_history", "2026-02-03");
	put(f, s, "service", "user.financial.bank_account", "2026-01-05");
	put(f, t, "prospection", "user.contact.email", "2026-01-05");
	gd_vault_set_now(f->v, T("2026-01-10"));
	event(f, &wimi, s, "debit", "2026-01-10");
	struct rows x = {{0}, 0};
	gd_retention_plan_totals tot;
	GD_OK_OR_FAIL(gd__retention_plan(f->a, &wimi, T("2027-12-31"), plan_row, &x, &tot));
	assert_string_equal(x.text, "2026-01 service archive 1|2027-02 audience delete 2|"
	                            "2027-02 service delete 1|2027-03 audience delete 1|");
	assert_int_equal(tot.transitions, 5);
	assert_int_equal(tot.waiting, 1); /* the prospect: no contact recorded */
	/* The plan reads only: nothing changed. */
	assert_int_equal(count(f, "SELECT count(*) FROM records WHERE stage = 0"), 5);
	/* Until an earlier date, fewer rows. */
	struct rows y = {{0}, 0};
	GD_OK_OR_FAIL(gd__retention_plan(f->a, &wimi, T("2026-12-31"), plan_row, &y, NULL));
	assert_string_equal(y.text, "2026-01 service archive 1|");
	fx_free(f);
}

/* ---- events ---- */

static void events_validated_and_parsed(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE], subj[GD_SUBJECT_ID_SIZE], name[GD_NAME_MAX + 1];
	gd_time at;
	subject(f, s);
	assert_int_equal(gd__event_record(f->a, &wimi, s, "birthday", 0), GD_EINVAL);
	assert_int_equal(gd__event_record(f->a, &wimi, s, "collection", 0), GD_EINVAL);
	assert_int_equal(gd__event_record(f->a, &wimi, s, "last_login", T("2030-01-01")), GD_EINVAL);
	assert_int_equal(gd__event_record(f->a, &wimi, "sub_000000000000000000000000", "last_login", 0),
	                 GD_ENOTFOUND);
	GD_OK_OR_FAIL(gd__event_record(f->a, &wimi, s, "last_login", 0));
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'event.record'"), 1);

	char line[200];
	snprintf(line, sizeof line, "  %s\tlast_login 2026-03-01T10:00:00Z\r\n", s);
	GD_OK_OR_FAIL(gd_event_parse_line(line, strlen(line), subj, name, &at));
	assert_string_equal(subj, s);
	assert_string_equal(name, "last_login");
	assert_int_equal(at, T("2026-03-01T10:00:00Z"));
	snprintf(line, sizeof line, "%s debit", s);
	GD_OK_OR_FAIL(gd_event_parse_line(line, strlen(line), subj, name, &at));
	assert_int_equal(at, 0);
	assert_int_equal(gd_event_parse_line("# comment", 9, subj, name, &at), GD_ENOTFOUND);
	assert_int_equal(gd_event_parse_line("   ", 3, subj, name, &at), GD_ENOTFOUND);
	assert_int_equal(gd_event_parse_line("sub_x debit", 11, subj, name, &at), GD_EINVAL);
	snprintf(line, sizeof line, "%s debit 2026-02-30", s);
	assert_int_equal(gd_event_parse_line(line, strlen(line), subj, name, &at), GD_EINVAL);
	snprintf(line, sizeof line, "%s debit now extra", s);
	assert_int_equal(gd_event_parse_line(line, strlen(line), subj, name, &at), GD_EINVAL);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(three_years_after_last_contact),
		cmocka_unit_test(two_rules_of_one_activity_apply_together),
		cmocka_unit_test(rules_for_subject_categories),
		cmocka_unit_test(one_year_after_last_login_leap_day),
		cmocka_unit_test(three_years_after_unsubscription),
		cmocka_unit_test(bank_data_archived_then_deleted_13_months_after_debit),
		cmocka_unit_test(cookies_13_months_from_collection),
		cmocka_unit_test(contract_then_legal_period),
		cmocka_unit_test(days_rule_and_no_rule),
		cmocka_unit_test(anonymisation_keeps_statistics_only),
		cmocka_unit_test(hold_blocks_due_deletion_and_erasure),
		cmocka_unit_test(record_hold_keeps_one_record),
		cmocka_unit_test(sweep_interrupted_and_resumed),
		cmocka_unit_test(one_batch_mixes_deletions_with_other_transitions),
		cmocka_unit_test(failed_batch_leaves_nothing_half_done),
		cmocka_unit_test(deletions_audited_by_subject_and_rule),
		cmocka_unit_test(every_deleter_leaves_the_index),
		cmocka_unit_test(new_register_version_reschedules),
		cmocka_unit_test(reschedule_in_batches_resumes),
		cmocka_unit_test(event_and_hold_all_or_nothing_under_faults),
		cmocka_unit_test(plan_by_month_activity_and_rule),
		cmocka_unit_test(events_validated_and_parsed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
