/*
 * civil.h — proleptic Gregorian calendar arithmetic on day numbers (days
 * since 1970-01-01), shared by time.c, the TZif reader and the deadline
 * calendar. Pure functions: no time zone, no state.
 */
#ifndef GD_UTIL_CIVIL_H
#define GD_UTIL_CIVIL_H

#include <stdint.h>

/* Day number of y-m-d (m 1..12, d 1..31). */
int64_t gd__days_from_civil(int64_t y, unsigned m, unsigned d);
/* y-m-d of day number z. */
void gd__civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);
/* Days in month m (1..12) of year y. */
unsigned gd__days_in_month(int64_t y, unsigned m);
/* Day of the week of day number z: 0 Sunday .. 6 Saturday. */
static inline unsigned gd__weekday(int64_t z)
{
	return (unsigned)(((z + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
}
/* Floor of a / b for b > 0. */
static inline int64_t gd__floor_div(int64_t a, int64_t b)
{
	return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

#endif
