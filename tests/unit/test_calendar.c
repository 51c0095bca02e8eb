/*
 * test_calendar.c — deadlines as Regulation 1182/71 counts them, in the
 * controller's member state and time zone: per state (BE, FR, LU, NL, DE) and
 * year (2026-2028) a deadline landing on a weekend, on Easter Monday and on
 * 1 May, national days, a change of summer time, the day of receipt taken in
 * the zone; the holiday lists; the TZif reader on the system's tz database and
 * on files built here (footer rule only, damaged); the tenant's calendar and
 * its internal target on real requests.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "lib/calendar/calendar.h"
#include "util/tzif.h"

static gd_time T(const char *s)
{
	gd_time t;
	GD_OK_OR_FAIL(gd_time_parse(&t, s));
	return t;
}

static void assert_due(const char *state, const char *zone, const char *received, int months,
                       const char *expect)
{
	gd_time t;
	char b[32];
	GD_OK_OR_FAIL(gd_deadline(&t, state, zone, T(received), months, 0));
	gd_time_format(b, t);
	if (strcmp(b, expect) != 0)
		fail_msg("%s, received %s, %d month(s): due %s, expected %s", state ? state : "-", received, months, b,
		         expect);
}

static const char *const ALL[] = {"BE", "FR", "LU", "NL", "DE"};

static void the_issue_example(void **state)
{
	/* Received 31 January 2027: one month is 28 February, a Sunday: due Monday 1 March. */
	for (int i = 0; i < 5; i++)
		assert_due(ALL[i], NULL, "2027-01-31T10:00:00Z", 1, "2027-03-01T22:59:59Z");
	/* Without a state: UTC, weekends only. */
	char b[32];
	gd_time_format(b, gd_request_due(T("2027-01-31T10:00:00Z"), false));
	assert_string_equal(b, "2027-03-01T23:59:59Z");
}

static void weekends_each_year(void **state)
{
	for (int i = 0; i < 5; i++) {
		assert_due(ALL[i], NULL, "2026-01-31T10:00:00Z", 1, "2026-03-02T22:59:59Z"); /* Sat 28 Feb */
		assert_due(ALL[i], NULL, "2027-01-31T10:00:00Z", 1, "2027-03-01T22:59:59Z"); /* Sun 28 Feb */
		assert_due(ALL[i], NULL, "2028-02-05T10:00:00Z", 1, "2028-03-06T22:59:59Z"); /* Sun 5 Mar */
	}
}

static void easter_monday_each_year(void **state)
{
	for (int i = 0; i < 5; i++) {
		/* 6 April 2026 */
		assert_due(ALL[i], NULL, "2026-03-06T10:00:00Z", 1, "2026-04-07T21:59:59Z");
		/* 29 March 2027, an extended deadline (three months) */
		assert_due(ALL[i], NULL, "2026-12-29T10:00:00Z", 3, "2027-03-30T21:59:59Z");
		/* 17 April 2028 */
		assert_due(ALL[i], NULL, "2028-03-17T10:00:00Z", 1, "2028-04-18T21:59:59Z");
	}
}

static void first_of_may_each_year(void **state)
{
	/* A holiday in BE, FR, LU and DE; not in the Netherlands (Algemene termijnenwet art. 3). */
	for (int i = 0; i < 5; i++) {
		bool nl = strcmp(ALL[i], "NL") == 0;
		assert_due(ALL[i], NULL, "2026-04-01T10:00:00Z", 1, nl ? "2026-05-01T21:59:59Z" : "2026-05-04T21:59:59Z");
		assert_due(ALL[i], NULL, "2027-04-01T10:00:00Z", 1, "2027-05-03T21:59:59Z"); /* a Saturday */
		assert_due(ALL[i], NULL, "2028-04-01T10:00:00Z", 1, nl ? "2028-05-01T21:59:59Z" : "2028-05-02T21:59:59Z");
	}
}

static void national_days_and_good_friday(void **state)
{
	assert_due("BE", NULL, "2026-06-21T10:00:00Z", 1, "2026-07-22T21:59:59Z"); /* 21 July */
	assert_due("FR", NULL, "2026-06-14T10:00:00Z", 1, "2026-07-15T21:59:59Z"); /* 14 July */
	assert_due("BE", NULL, "2026-06-14T10:00:00Z", 1, "2026-07-14T21:59:59Z");
	assert_due("LU", NULL, "2027-05-23T10:00:00Z", 1, "2027-06-24T21:59:59Z"); /* 23 June */
	assert_due("NL", NULL, "2026-03-27T10:00:00Z", 1, "2026-04-28T21:59:59Z"); /* Koningsdag */
	assert_due("DE", NULL, "2028-09-03T10:00:00Z", 1, "2028-10-04T21:59:59Z"); /* 3 October */
	/* Good Friday 3 April 2026: a holiday in DE and NL only, then the weekend and Easter Monday. */
	assert_due("DE", NULL, "2026-03-03T10:00:00Z", 1, "2026-04-07T21:59:59Z");
	assert_due("NL", NULL, "2026-03-03T10:00:00Z", 1, "2026-04-07T21:59:59Z");
	assert_due("BE", NULL, "2026-03-03T10:00:00Z", 1, "2026-04-03T21:59:59Z");
	assert_due("FR", NULL, "2026-03-03T10:00:00Z", 1, "2026-04-03T21:59:59Z");
	assert_due("LU", NULL, "2026-03-03T10:00:00Z", 1, "2026-04-03T21:59:59Z");
}

static void summer_time_and_the_day_of_receipt(void **state)
{
	/* Received in winter time, due on the Sunday summer time ends (25 October 2026): Monday, in CET. */
	assert_due("FR", NULL, "2026-09-25T10:00:00Z", 1, "2026-10-26T22:59:59Z");
	/* Received in CET, due on the Sunday summer time starts (28 March 2027), Easter Monday next: CEST. */
	assert_due("BE", NULL, "2027-02-28T12:00:00Z", 1, "2027-03-30T21:59:59Z");
	/* 23:30 UTC on 14 March is 00:30 on 15 March in Brussels: the month counts from the 15th. */
	assert_due("BE", NULL, "2026-03-14T23:30:00Z", 1, "2026-04-15T21:59:59Z");
	assert_due("BE", "UTC", "2026-03-14T23:30:00Z", 1, "2026-04-14T23:59:59Z");
	/* Another zone than the state's. */
	assert_due("FR", "Europe/Lisbon", "2026-06-14T10:00:00Z", 1, "2026-07-15T22:59:59Z");
}

static void bad_calendars_are_refused(void **state)
{
	gd_time t;
	assert_int_equal(gd_deadline(&t, "XX", NULL, 0, 1, 0), GD_ENOTFOUND);
	assert_non_null(strstr(gd_error_last(), "BE, FR, LU, NL, DE"));
	assert_int_equal(gd_deadline(&t, "be", NULL, 0, 1, 0), GD_EINVAL);
	assert_int_equal(gd_deadline(&t, "BE", "../../etc/passwd", 0, 1, 0), GD_EINVAL);
	assert_int_equal(gd_deadline(&t, "BE", "Europe/Nowhere", 0, 1, 0), GD_ENOTFOUND);
	assert_int_equal(gd_deadline(&t, "BE", NULL, 0, -1, 0), GD_EINVAL);
	assert_int_equal(gd_deadline(&t, "BE", NULL, INT64_MAX, 1, 0), GD_EINVAL);
	/* The calendar-free function clamps instead: no overflow whatever it is given. */
	char b[32];
	gd_time_format(b, gd_request_due(INT64_MIN, true));
	assert_string_equal(b, "0000-04-03T23:59:59Z");
}

struct hol {
	char s[512];
};

static int add_holiday(void *ud, gd_time day, const char *name)
{
	struct hol *h = ud;
	char d[32];
	gd_date_format(d, day);
	snprintf(h->s + strlen(h->s), sizeof h->s - strlen(h->s), "%s %s;", d, name);
	return 0;
}

static void holidays_listed_per_year(void **state)
{
	struct hol h = {""};
	GD_OK_OR_FAIL(gd_calendar_holidays("BE", 2027, add_holiday, &h));
	assert_string_equal(h.s, "2027-01-01 New Year's Day;2027-03-29 Easter Monday;2027-05-01 Labour Day;"
	                         "2027-05-06 Ascension Day;2027-05-17 Whit Monday;2027-07-21 National Day;"
	                         "2027-08-15 Assumption;2027-11-01 All Saints' Day;2027-11-11 Armistice Day;"
	                         "2027-12-25 Christmas Day;");
	/* Koningsdag on Saturday 26 April when 27 April is a Sunday (2025). */
	memset(&h, 0, sizeof h);
	GD_OK_OR_FAIL(gd_calendar_holidays("NL", 2025, add_holiday, &h));
	assert_non_null(strstr(h.s, "2025-04-26 Koningsdag;"));
	assert_null(strstr(h.s, "2025-04-27"));
	/* Europe Day in Luxembourg since 2019; Reformation Day in Germany in 2017 only. */
	memset(&h, 0, sizeof h);
	GD_OK_OR_FAIL(gd_calendar_holidays("LU", 2018, add_holiday, &h));
	assert_null(strstr(h.s, "Europe Day"));
	memset(&h, 0, sizeof h);
	GD_OK_OR_FAIL(gd_calendar_holidays("LU", 2019, add_holiday, &h));
	assert_non_null(strstr(h.s, "2019-05-09 Europe Day"));
	memset(&h, 0, sizeof h);
	GD_OK_OR_FAIL(gd_calendar_holidays("DE", 2017, add_holiday, &h));
	assert_non_null(strstr(h.s, "2017-10-31 Reformationstag"));
	memset(&h, 0, sizeof h);
	GD_OK_OR_FAIL(gd_calendar_holidays("DE", 2018, add_holiday, &h));
	assert_null(strstr(h.s, "10-31"));
}

/* ---- the TZif reader ------------------------------------------------------------------ */

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16), p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* A version-2 file with no transition, one type (CET) and a footer: what a "slim" zone relies on. */
static size_t slim_zone(unsigned char *buf, const char *footer)
{
	size_t n = 0;
	for (int block = 0; block < 2; block++) {
		memset(buf + n, 0, 44);
		memcpy(buf + n, "TZif2", 5);
		put32(buf + n + 36, 1); /* typecnt */
		put32(buf + n + 40, 4); /* charcnt */
		n += 44;
		put32(buf + n, 3600), buf[n + 4] = 0, buf[n + 5] = 0; /* CET, +1 h */
		n += 6;
		memcpy(buf + n, "CET", 4);
		n += 4;
	}
	n += (size_t)sprintf((char *)buf + n, "\n%s\n", footer);
	return n;
}

static void tzif_footer_rules(void **state)
{
	unsigned char buf[256];
	struct gd__tz *z;
	size_t n = slim_zone(buf, "CET-1CEST,M3.5.0,M10.5.0/3");
	GD_OK_OR_FAIL(gd__tz_parse(&z, buf, n, "test"));
	assert_int_equal(gd__tz_offset(z, T("2026-01-15T12:00:00Z")), 3600);
	assert_int_equal(gd__tz_offset(z, T("2026-07-15T12:00:00Z")), 7200);
	/* The changes at 01:00 UTC on the last Sundays of March and October. */
	assert_int_equal(gd__tz_offset(z, T("2026-03-29T00:59:59Z")), 3600);
	assert_int_equal(gd__tz_offset(z, T("2026-03-29T01:00:00Z")), 7200);
	assert_int_equal(gd__tz_offset(z, T("2026-10-25T00:59:59Z")), 7200);
	assert_int_equal(gd__tz_offset(z, T("2026-10-25T01:00:00Z")), 3600);
	/* 02:30 on 29 March never happens; 02:30 on 25 October happens twice: the first. */
	assert_int_equal(gd__tz_from_local(z, T("2026-10-25T02:30:00Z")), T("2026-10-25T00:30:00Z"));
	assert_int_equal(gd__tz_from_local(z, T("2026-07-01T23:59:59Z")), T("2026-07-01T21:59:59Z"));
	gd__tz_free(z);
	/* A southern zone: summer time over the new year. */
	n = slim_zone(buf, "<-03>3<-02>,M9.1.6/24,M4.1.6/24");
	GD_OK_OR_FAIL(gd__tz_parse(&z, buf, n, "test"));
	assert_int_equal(gd__tz_offset(z, T("2027-01-10T12:00:00Z")), -7200);
	assert_int_equal(gd__tz_offset(z, T("2027-06-10T12:00:00Z")), -10800);
	gd__tz_free(z);
	/* Julian days and no daylight time. */
	n = slim_zone(buf, "JST-9");
	GD_OK_OR_FAIL(gd__tz_parse(&z, buf, n, "test"));
	assert_int_equal(gd__tz_offset(z, T("2026-07-15T12:00:00Z")), 9 * 3600);
	gd__tz_free(z);
}

static void tzif_damage_is_refused(void **state)
{
	unsigned char buf[256];
	struct gd__tz *z = NULL;
	size_t n = slim_zone(buf, "CET-1CEST,M3.5.0,M10.5.0/3");
	for (size_t cut = 0; cut < n; cut++) {
		int rc = gd__tz_parse(&z, buf, cut, "test");
		assert_int_equal(rc, GD_ECORRUPT);
		assert_null(z);
	}
	n = slim_zone(buf, "CET-1CEST"); /* daylight time without its rules: not guessed */
	assert_int_equal(gd__tz_parse(&z, buf, n, "test"), GD_ECORRUPT);
	n = slim_zone(buf, "CET-1CEST,M13.5.0,M10.5.0");
	assert_int_equal(gd__tz_parse(&z, buf, n, "test"), GD_ECORRUPT);
	n = slim_zone(buf, "CET-1");
	put32(buf + 44 + 10 + 36, 300); /* typecnt over the cap */
	assert_int_equal(gd__tz_parse(&z, buf, n, "test"), GD_ECORRUPT);
	assert_null(z);
}

static void tzif_of_the_system(void **state)
{
	const struct gd__tz *z;
	GD_OK_OR_FAIL(gd__calendar_zone(&z, "Europe/Brussels"));
	assert_int_equal(gd__tz_offset(z, T("2026-01-15T12:00:00Z")), 3600);
	assert_int_equal(gd__tz_offset(z, T("2026-07-15T12:00:00Z")), 7200);
	/* Past the last transition of a fat file (2037): the footer's rule. */
	assert_int_equal(gd__tz_offset(z, T("2100-07-15T12:00:00Z")), 7200);
	assert_int_equal(gd__tz_offset(z, T("2100-12-15T12:00:00Z")), 3600);
	/* Before 1892 Brussels kept local mean time (+00:17:30). */
	assert_int_equal(gd__tz_offset(z, T("1880-01-01T00:00:00Z")), 1050);
	const struct gd__tz *again;
	GD_OK_OR_FAIL(gd__calendar_zone(&again, "Europe/Brussels"));
	assert_ptr_equal(z, again); /* read once per process */
}

/* ---- the tenant's calendar on requests ------------------------------------------------- */

static int first_request(void *ud, const gd_request *r)
{
	gd_request *first = ud;
	if (!first->id)
		*first = *r;
	return 0;
}

static void tenants_calendar_and_target(void **state)
{
	struct fixture *f = fx_new();
	char subject[GD_SUBJECT_ID_SIZE], b[32];
	gd_calendar set, used;
	/* The fixture's tenant has calling code 33: France, Paris, no target. */
	GD_OK_OR_FAIL(gd_calendar_get(f->a, &set, &used));
	assert_string_equal(set.state, "");
	assert_string_equal(used.state, "FR");
	assert_string_equal(used.zone, "Europe/Paris");
	assert_int_equal(used.target_days, 0);

	gd_calendar c = GD_CALENDAR_INIT;
	strcpy(c.state, "BE");
	c.target_days = 25;
	GD_OK_OR_FAIL(gd_calendar_set(f->a, &c));
	GD_OK_OR_FAIL(gd_calendar_get(f->a, NULL, &used));
	assert_string_equal(used.zone, "Europe/Brussels");
	c.target_days = 91;
	assert_int_equal(gd_calendar_set(f->a, &c), GD_EINVAL);
	strcpy(c.zone, "Europe/Nowhere");
	c.target_days = 25;
	assert_int_equal(gd_calendar_set(f->a, &c), GD_ENOTFOUND);

	gd_vault_set_now(f->v, T("2027-02-02T09:00:00Z"));
	GD_OK_OR_FAIL(gd_subject_create(f->a, subject));
	gd_request_spec spec = GD_REQUEST_SPEC_INIT;
	spec.kind = "access";
	spec.subject = subject;
	spec.received_at = T("2027-01-31T10:00:00Z");
	int64_t id;
	GD_OK_OR_FAIL(gd_request_open(f->a, &id, &spec));
	gd_request r;
	GD_OK_OR_FAIL(gd_request_get(f->a, &r, id));
	gd_time_format(b, r.due_at);
	assert_string_equal(b, "2027-03-01T22:59:59Z");
	/* 25 days after 31 January: Thursday 25 February. */
	gd_time_format(b, r.target_at);
	assert_string_equal(b, "2027-02-25T22:59:59Z");
	/* A target on a Saturday is met on the Friday before. */
	c.target_days = 27;
	c.zone[0] = 0;
	GD_OK_OR_FAIL(gd_calendar_set(f->a, &c));
	memset(&r, 0, sizeof r);
	GD_OK_OR_FAIL(gd_request_list(f->a, true, first_request, &r));
	gd_time_format(b, r.target_at);
	assert_string_equal(b, "2027-02-26T22:59:59Z");
	/* Extended: three months, 30 April 2027 a Friday. */
	GD_OK_OR_FAIL(gd_request_extend(f->a, id, "many records to gather"));
	GD_OK_OR_FAIL(gd_request_get(f->a, &r, id));
	gd_time_format(b, r.due_at);
	assert_string_equal(b, "2027-04-30T21:59:59Z");
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_issue_example),
		cmocka_unit_test(weekends_each_year),
		cmocka_unit_test(easter_monday_each_year),
		cmocka_unit_test(first_of_may_each_year),
		cmocka_unit_test(national_days_and_good_friday),
		cmocka_unit_test(summer_time_and_the_day_of_receipt),
		cmocka_unit_test(bad_calendars_are_refused),
		cmocka_unit_test(holidays_listed_per_year),
		cmocka_unit_test(tzif_footer_rules),
		cmocka_unit_test(tzif_damage_is_refused),
		cmocka_unit_test(tzif_of_the_system),
		cmocka_unit_test(tenants_calendar_and_target),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
