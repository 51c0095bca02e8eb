/*
 * tzif.c — reads a TZif file (RFC 8536) into an immutable zone: the list of
 * transitions with the offset each brings in, and the footer's POSIX TZ rule
 * ("CET-1CEST,M3.5.0,M10.5.0/3") for instants after the last transition (a
 * "slim" file has almost no transitions and relies on it; a "fat" one stops
 * at 2037).
 *
 * The file comes from the file system: every field is untrusted. The parser
 * checks the header's counts against the bytes present and against fixed
 * caps before reading anything, checks every type index, requires transition
 * times to increase, bounds offsets to ±26 hours, and reads the footer only
 * within the file. Leap-second zones are refused (gardien counts POSIX time).
 * Fuzzed by tests/fuzz/fuzz_tzif.c.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/civil.h"
#include "util/core.h"
#include "util/tzif.h"

#define MAX_TIMES 4096
#define MAX_TYPES 256
#define MAX_OFFSET (26 * 3600)
#define MAX_FOOTER 256

/* A POSIX TZ rule date: Jn (julian, no Feb 29), n (zero-based, with Feb 29) or Mm.w.d. */
struct rdate {
	char kind; /* 'J', 'N', 'M' */
	int n, m, w, d;
	int32_t time; /* seconds after local midnight, may be negative or past 24 h */
};

struct gd__tz {
	size_t nt;
	int64_t *at;   /* nt transition instants, increasing */
	uint8_t *type; /* nt indexes into off */
	int32_t off[MAX_TYPES];
	size_t ntypes;
	bool rule; /* footer present and usable */
	bool dst;  /* the rule has a daylight-saving part */
	int32_t std_off, dst_off;
	struct rdate start, end;
};

static const struct gd__tz utc_zone = {.ntypes = 1};

const struct gd__tz *gd__tz_utc(void)
{
	return &utc_zone;
}

void gd__tz_free(struct gd__tz *z)
{
	if (z && z != &utc_zone)
		gd__free(z);
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct header {
	uint32_t isut, isstd, leap, time, type, chr;
};

static bool read_header(const unsigned char *p, size_t n, struct header *h, char *version)
{
	if (n < 44 || memcmp(p, "TZif", 4) != 0)
		return false;
	*version = (char)p[4];
	h->isut = be32(p + 20), h->isstd = be32(p + 24), h->leap = be32(p + 28);
	h->time = be32(p + 32), h->type = be32(p + 36), h->chr = be32(p + 40);
	return true;
}

/* Size of the data block after a header, or 0 when the counts are out of bounds. */
static size_t block_size(const struct header *h, size_t tsize)
{
	if (h->time > MAX_TIMES || h->type < 1 || h->type > MAX_TYPES || h->chr < 1 || h->chr > 1024 ||
	    h->leap > 1024 || (h->isut != 0 && h->isut != h->type) || (h->isstd != 0 && h->isstd != h->type))
		return 0;
	return h->time * tsize + h->time + h->type * 6 + h->chr + h->leap * (tsize + 4) + h->isstd + h->isut;
}

/* ---- the POSIX TZ footer ---------------------------------------------------------- */

static bool tz_name(const char **s)
{
	const char *p = *s;
	size_t len = 0;
	if (*p == '<') {
		for (p++; *p && *p != '>'; p++, len++)
			if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
			      *p == '+' || *p == '-'))
				return false;
		if (*p != '>')
			return false;
		p++;
	} else {
		for (; (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'); p++)
			len++;
	}
	*s = p;
	return len >= 3;
}

/* [+-]h[h[h]][:mm[:ss]] with hours up to `hmax`. */
static bool tz_hms(const char **s, int hmax, int32_t *out)
{
	const char *p = *s;
	int sign = 1, h = 0, m = 0, sec = 0, nd = 0;
	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	for (; *p >= '0' && *p <= '9' && nd < 3; p++, nd++)
		h = h * 10 + (*p - '0');
	if (nd == 0 || h > hmax)
		return false;
	if (*p == ':') {
		if (!(p[1] >= '0' && p[1] <= '5' && p[2] >= '0' && p[2] <= '9'))
			return false;
		m = (p[1] - '0') * 10 + (p[2] - '0'), p += 3;
		if (*p == ':') {
			if (!(p[1] >= '0' && p[1] <= '5' && p[2] >= '0' && p[2] <= '9'))
				return false;
			sec = (p[1] - '0') * 10 + (p[2] - '0'), p += 3;
		}
	}
	*s = p;
	*out = sign * (h * 3600 + m * 60 + sec);
	return true;
}

static bool tz_num(const char **s, int lo, int hi, int *out)
{
	const char *p = *s;
	int v = 0, nd = 0;
	for (; *p >= '0' && *p <= '9' && nd < 4; p++, nd++)
		v = v * 10 + (*p - '0');
	if (nd == 0 || v < lo || v > hi)
		return false;
	*s = p, *out = v;
	return true;
}

static bool tz_rdate(const char **s, struct rdate *r)
{
	const char *p = *s;
	bool ok;
	if (*p == 'J') {
		p++, r->kind = 'J';
		ok = tz_num(&p, 1, 365, &r->n);
	} else if (*p == 'M') {
		p++, r->kind = 'M';
		ok = tz_num(&p, 1, 12, &r->m) && *p++ == '.' && tz_num(&p, 1, 5, &r->w) && *p++ == '.' &&
		     tz_num(&p, 0, 6, &r->d);
	} else {
		r->kind = 'N';
		ok = tz_num(&p, 0, 365, &r->n);
	}
	r->time = 7200; /* 02:00 by default */
	if (ok && *p == '/') {
		p++;
		ok = tz_hms(&p, 167, &r->time); /* RFC 8536 3.3.1: -167..167 hours */
	}
	*s = p;
	return ok;
}

/* Parses "std offset [dst [offset] [,start[/time],end[/time]]]" into z. */
static bool parse_rule(struct gd__tz *z, const char *s)
{
	int32_t posix;
	if (!*s)
		return true; /* no rule: the last transition's offset holds */
	if (!tz_name(&s) || !tz_hms(&s, 24, &posix))
		return false;
	z->std_off = -posix; /* POSIX counts west of Greenwich */
	if (!*s) {
		z->rule = true;
		return true;
	}
	if (!tz_name(&s))
		return false;
	z->dst_off = z->std_off + 3600;
	if (*s && *s != ',') {
		if (!tz_hms(&s, 24, &posix))
			return false;
		z->dst_off = -posix;
	}
	if (*s != ',')
		return false; /* a daylight-saving part without rules: refuse rather than guess */
	s++;
	if (!tz_rdate(&s, &z->start) || *s++ != ',' || !tz_rdate(&s, &z->end) || *s)
		return false;
	z->rule = z->dst = true;
	return true;
}

/* Day number of rule date r in year y. */
static int64_t rdate_day(const struct rdate *r, int64_t y)
{
	int64_t jan1 = gd__days_from_civil(y, 1, 1);
	if (r->kind == 'J') {
		bool leap = gd__days_in_month(y, 2) == 29;
		return jan1 + r->n - 1 + (leap && r->n >= 60);
	}
	if (r->kind == 'N')
		return jan1 + r->n;
	int64_t first = gd__days_from_civil(y, (unsigned)r->m, 1);
	int day = 1 + (r->d - (int)gd__weekday(first) + 7) % 7 + (r->w - 1) * 7;
	while ((unsigned)day > gd__days_in_month(y, (unsigned)r->m))
		day -= 7;
	return first + day - 1;
}

static int32_t rule_offset(const struct gd__tz *z, int64_t t)
{
	if (!z->dst)
		return z->std_off;
	int64_t y;
	unsigned m, d;
	gd__civil_from_days(gd__floor_div(t + z->std_off, 86400), &y, &m, &d);
	/* Changes are given in local time: the start in standard time, the end in daylight time. */
	int64_t start = rdate_day(&z->start, y) * 86400 + z->start.time - z->std_off;
	int64_t end = rdate_day(&z->end, y) * 86400 + z->end.time - z->dst_off;
	bool in = start < end ? t >= start && t < end : !(t >= end && t < start);
	return in ? z->dst_off : z->std_off;
}

int32_t gd__tz_offset(const struct gd__tz *z, int64_t t)
{
	if (z->nt == 0)
		return z->rule ? rule_offset(z, t) : z->off[0];
	if (t < z->at[0])
		return z->off[0]; /* RFC 8536 3.2: type 0 before the first transition */
	if (t >= z->at[z->nt - 1] && z->rule)
		return rule_offset(z, t);
	size_t lo = 0, hi = z->nt; /* the last transition at or before t */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->at[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return z->off[z->type[lo]];
}

int64_t gd__tz_from_local(const struct gd__tz *z, int64_t local)
{
	/* The offsets in force a day before and a day after: the wall time is one of
	 * them (zones change at most once within a day). */
	int32_t o1 = gd__tz_offset(z, local - MAX_OFFSET), o2 = gd__tz_offset(z, local + MAX_OFFSET);
	int64_t t1 = local - o1, t2 = local - o2;
	bool v1 = gd__tz_offset(z, t1) == o1, v2 = gd__tz_offset(z, t2) == o2;
	if (v1 && v2)
		return t1 < t2 ? t1 : t2; /* clocks set back: the first occurrence */
	return v2 && !v1 ? t2 : t1;       /* clocks set forward: the offset before the change */
}

int gd__tz_parse(struct gd__tz **out, const unsigned char *buf, size_t n, const char *what)
{
	struct header h1, h;
	char version;
	size_t tsize = 4;
	*out = NULL;
	if (n > GD__TZIF_MAX)
		return gd__err(GD_ECORRUPT, "time zone %s: the file is over %d bytes", what, GD__TZIF_MAX);
	if (!read_header(buf, n, &h1, &version) || (version != 0 && (version < '2' || version > '4')))
		return gd__err(GD_ECORRUPT, "time zone %s: not a TZif file", what);
	size_t size = block_size(&h1, 4);
	if (!size || size > n - 44)
		return gd__err(GD_ECORRUPT, "time zone %s: the TZif file is truncated or its counts are out of range", what);
	const unsigned char *p = buf + 44, *endp = buf + n;
	h = h1;
	if (version != 0) {
		/* Version 2+: skip the 32-bit block, read the 64-bit one and the footer. */
		p += size;
		if (!read_header(p, (size_t)(endp - p), &h, &version))
			return gd__err(GD_ECORRUPT, "time zone %s: the second TZif header is missing", what);
		p += 44, tsize = 8;
		size = block_size(&h, 8);
		if (!size || size > (size_t)(endp - p))
			return gd__err(GD_ECORRUPT, "time zone %s: the TZif file is truncated or its counts are out of range", what);
	}
	if (h.leap)
		return gd__err(GD_ECORRUPT, "time zone %s counts leap seconds: use the zone of the same name outside right/", what);
	struct gd__tz *z = gd__calloc(1, sizeof *z + h.time * (sizeof(int64_t) + 1));
	if (!z)
		return GD_ENOMEM;
	z->nt = h.time, z->ntypes = h.type;
	z->at = (int64_t *)(z + 1);
	z->type = (uint8_t *)(z->at + z->nt);
	const unsigned char *times = p, *idx = p + h.time * tsize, *types = idx + h.time;
	int rc = 0;
	for (size_t i = 0; i < z->nt; i++) {
		z->at[i] = tsize == 8 ? be64(times + 8 * i) : (int32_t)be32(times + 4 * i);
		if (idx[i] >= h.type || (i && z->at[i] <= z->at[i - 1])) {
			rc = gd__err(GD_ECORRUPT, "time zone %s: transition %zu is out of order or of an unknown type", what, i);
			goto done;
		}
		z->type[i] = idx[i];
	}
	for (size_t i = 0; i < z->ntypes; i++) {
		int32_t off = (int32_t)be32(types + 6 * i);
		if (off < -MAX_OFFSET || off > MAX_OFFSET || types[6 * i + 4] > 1 || types[6 * i + 5] >= h.chr) {
			rc = gd__err(GD_ECORRUPT, "time zone %s: local time type %zu is out of range", what, i);
			goto done;
		}
		z->off[i] = off;
	}
	p += size;
	if (tsize == 8) {
		/* Footer: "\n" TZ string "\n", the last bytes of the file. */
		char rule[MAX_FOOTER + 1];
		size_t left = (size_t)(endp - p), len = 0;
		if (left < 2 || p[0] != '\n') {
			rc = gd__err(GD_ECORRUPT, "time zone %s: the TZif footer is missing", what);
			goto done;
		}
		while (1 + len < left && p[1 + len] != '\n' && len < MAX_FOOTER)
			len++;
		if (1 + len >= left || p[1 + len] != '\n' || memchr(p + 1, 0, len)) {
			rc = gd__err(GD_ECORRUPT, "time zone %s: the TZif footer is not one line", what);
			goto done;
		}
		memcpy(rule, p + 1, len);
		rule[len] = 0;
		if (!parse_rule(z, rule)) {
			rc = gd__err(GD_ECORRUPT, "time zone %s: its rule \"%.60s\" is not a POSIX TZ string gardien reads", what, rule);
			goto done;
		}
		if ((z->std_off < -MAX_OFFSET || z->std_off > MAX_OFFSET) ||
		    (z->dst && (z->dst_off < -MAX_OFFSET || z->dst_off > MAX_OFFSET))) {
			rc = gd__err(GD_ECORRUPT, "time zone %s: its rule's offset is out of range", what);
			goto done;
		}
	}
done:
	if (rc < 0)
		gd__free(z);
	else
		*out = z;
	return rc;
}
