/*
 * calendar.h — the deadline calendar inside the library (calendar.c): a
 * tenant's member state and time zone, resolved once per use.
 */
#ifndef GD_CALENDAR_INTERNAL_H
#define GD_CALENDAR_INTERNAL_H

#include "lib/internal.h"
#include "util/tzif.h"

struct gd__state;

struct gd__calendar {
	const struct gd__state *st; /* NULL: no public holidays, weekends only */
	const struct gd__tz *tz;    /* never NULL (UTC when none is set); lives for the process */
	int target_days;            /* 0: no internal target */
	char state[3];
	char zone[65];
};

/* The calendar tenant `a` counts deadlines in (its settings, else its calling code's state). */
int gd__calendar_of(gd_actor *a, struct gd__calendar *out);

/* The zone `name` of the system's tz database, read once per process. */
int gd__calendar_zone(const struct gd__tz **out, const char *name);

/* The legal end of `months` months and `days` days from `start` (Regulation 1182/71 Art. 3). */
gd_time gd__calendar_due(const struct gd__calendar *c, gd_time start, int months, int days);

/* The internal target for a request received at `received` (0: none), never after `due`. */
gd_time gd__calendar_target(const struct gd__calendar *c, gd_time received, gd_time due);

#endif
