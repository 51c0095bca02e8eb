/*
 * gardien/calendar.h — the controller's calendar: its member state (whose
 * public holidays count), its time zone (in which a deadline's last day ends),
 * and the internal target it sets itself for answering requests.
 *
 * Deadlines follow Regulation (EEC, Euratom) No 1182/71: a period in months
 * ends on the same date of the last month (its last day if it has no such
 * date), Art. 3(2)(c); the day of the event does not count, Art. 3(1); a
 * period whose last day is a Saturday, a Sunday or a public holiday ends with
 * the last hour of the next working day, Art. 3(4). docs/rights.md has the
 * examples.
 */
#ifndef GARDIEN_CALENDAR_H
#define GARDIEN_CALENDAR_H

#ifdef __cplusplus
extern "C" {
#endif

#define GD_CALENDAR_VERSION 1
typedef struct gd_calendar {
	unsigned version;
	char state[3];   /* ISO 3166-1 alpha-2 member state: "BE", "FR"…; "" none */
	char zone[65];   /* IANA time zone: "Europe/Brussels"; "" the state's */
	int target_days; /* internal target, days after receipt; 0 none */
} gd_calendar;
#define GD_CALENDAR_INIT \
	{ \
		GD_CALENDAR_VERSION, "", "", 0 \
	}

/*
 * The tenant's calendar as set (`set`, may be NULL) and as used (`used`, may
 * be NULL): an unset state is the one of the tenant's calling code (32 → BE),
 * an unset zone the state's (BE → Europe/Brussels), and without either
 * deadlines are counted in UTC with weekends only.
 */
int gd_calendar_get(gd_actor *a, gd_calendar *set, gd_calendar *used);

/*
 * Sets the tenant's calendar (audited "tenant.calendar"). The state must be
 * one gardien knows the holidays of (gd_calendar_states), the zone one the
 * system's tz database holds; target_days 0..90. Requests already open keep
 * the deadline they were given.
 */
int gd_calendar_set(gd_actor *a, const gd_calendar *c);

/* Writes the date (YYYY-MM-DD) of instant `t` on the tenant's clocks; UTC if its zone fails to load. */
void gd_calendar_date(gd_actor *a, char out[32], gd_time t);

/* Calls `cb` with each member state whose holidays gardien knows, and its name. */
int gd_calendar_states(int (*cb)(void *ud, const char *state, const char *name), void *ud);

/* Calls `cb` with each public holiday of `state` in `year` (1900..9999), in date order. */
int gd_calendar_holidays(const char *state, int year,
                         int (*cb)(void *ud, gd_time day, const char *name), void *ud);

/*
 * The end of a period of `months` months (then `days` days) from the event at
 * `start`, for a controller in `state` ("" or NULL: weekends only) and `zone`
 * ("" or NULL: the state's, or UTC): the last second of the last day, in the
 * zone, moved past Saturdays, Sundays and the state's public holidays.
 */
int gd_deadline(gd_time *out, const char *state, const char *zone, gd_time start, int months, int days);

#ifdef __cplusplus
}
#endif

#endif
