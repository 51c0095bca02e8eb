/*
 * time.c — UTC calendar arithmetic without the C library's time zone state
 * (days_from_civil / civil_from_days, after H. Hinnant's algorithms), so that
 * results do not depend on TZ and are the same on every machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gardien.h"
#include "util/civil.h"
#include "util/core.h"

#define GD__TIME_MIN (-62167219200LL) /* 0000-01-01T00:00:00Z */
#define GD__TIME_MAX 253402300799LL   /* 9999-12-31T23:59:59Z */

int64_t gd__days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void gd__civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

unsigned gd__days_in_month(int64_t y, unsigned m)
{
	static const unsigned dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dim[m - 1];
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

static bool digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

int gd_time_parse(gd_time *out, const char *s)
{
	int y, mo, d, h = 0, mi = 0, se = 0;
	if (!s)
		return gd__err(GD_EINVAL, "time is missing");
	if (s[0] == '@') {
		char *end;
		long long v = strtoll(s + 1, &end, 10);
		if (end == s + 1 || *end || v < GD__TIME_MIN || v > GD__TIME_MAX)
			return gd__err(GD_EINVAL, "time \"%.40s\": expected @ followed by seconds within years 0000-9999", s);
		*out = v;
		return 0;
	}
	size_t n = strlen(s);
	if (n < 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !digits(s + 8, 2, &d))
		goto bad;
	const char *p = s + 10;
	int64_t offset = 0;
	if (*p == 'T' || *p == ' ') {
		if (!digits(p + 1, 2, &h) || p[3] != ':' || !digits(p + 4, 2, &mi))
			goto bad;
		p += 6;
		if (*p == ':') {
			if (!digits(p + 1, 2, &se))
				goto bad;
			p += 3;
		}
		if (*p == 'Z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int oh, om;
			if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 || om > 59)
				goto bad;
			offset = (oh * 3600 + om * 60) * (*p == '+' ? 1 : -1);
			p += 6;
		} else {
			goto bad;
		}
	}
	if (*p)
		goto bad;
	if (mo < 1 || mo > 12 || d < 1 || (unsigned)d > gd__days_in_month(y, (unsigned)mo) || h > 23 ||
	    mi > 59 || se > 60)
		return gd__err(GD_EINVAL, "time \"%.40s\" is not a real date and time", s);
	*out = gd__days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se - offset;
	return 0;
bad:
	return gd__err(GD_EINVAL,
	               "time \"%.40s\" is not understood: write 2026-01-31 or 2026-01-31T09:30:00Z", s);
}

/* Times outside years 0000-9999 are shown clamped: gardien never stores them. */
static gd_time clamp(gd_time t)
{
	return t < GD__TIME_MIN ? GD__TIME_MIN : t > GD__TIME_MAX ? GD__TIME_MAX
	                                                          : t;
}

void gd_time_format(char out[32], gd_time t)
{
	t = clamp(t);
	int64_t days = floor_div(t, 86400), y;
	unsigned secs = (unsigned)(t - days * 86400), m, d;
	gd__civil_from_days(days, &y, &m, &d);
	snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02uZ", (unsigned)y % 10000u, m % 13u, d % 32u,
	         secs / 3600 % 24u, secs / 60 % 60u, secs % 60u);
}

void gd_date_format(char out[32], gd_time t)
{
	t = clamp(t);
	int64_t y;
	unsigned m, d;
	gd__civil_from_days(floor_div(t, 86400), &y, &m, &d);
	snprintf(out, 32, "%04u-%02u-%02u", (unsigned)y % 10000u, m % 13u, d % 32u);
}

gd_time gd_time_add_months(gd_time t, int months)
{
	int64_t days = floor_div(t, 86400), secs = t - days * 86400, y;
	unsigned m, d;
	gd__civil_from_days(days, &y, &m, &d);
	int64_t total = y * 12 + (m - 1) + months;
	int64_t ny = floor_div(total, 12);
	unsigned nm = (unsigned)(total - ny * 12) + 1;
	unsigned dim = gd__days_in_month(ny, nm);
	return gd__days_from_civil(ny, nm, d > dim ? dim : d) * 86400 + secs;
}

gd_time gd_time_end_of_day(gd_time t)
{
	return floor_div(t, 86400) * 86400 + 86399;
}
