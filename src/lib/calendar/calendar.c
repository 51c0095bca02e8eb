/*
 * calendar.c — the controller's calendar for deadlines (Regulation 1182/71):
 * the public holidays of member states (the embedded data/holidays.yml, a
 * built-in data table of lib/vault/data.h, loaded once per process), their
 * time zones (TZif files of the system's tz database, read once per zone and
 * process), and each tenant's choice of state, zone and internal target
 * (table tenant_calendar, owned here).
 *
 * Invariants:
 *  - what is loaded is never freed nor changed: the holiday tables and the
 *    zone cache are reachable from static pointers for the life of the
 *    process, built under a mutex, and read without it afterwards, so the
 *    threaded server computes deadlines with no process-wide time zone state
 *    (no TZ, no localtime_r);
 *  - a deadline is the last second of a day counted in the tenant's zone; a
 *    tenant without a state or zone counts in UTC, Saturdays and Sundays only.
 */
#include <errno.h>
#include <fcntl.h>
#include <libfyaml.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/calendar/calendar.h"
#include "lib/vault/data.h"
#include "util/civil.h"

#define HOLIDAYS_FILE "data/holidays.yml"
#define ZONE_CACHE 32
#define MAX_TARGET_DAYS 90

enum {
	H_FIXED,
	H_EASTER,
	H_DATE
};

struct holiday {
	int kind;
	unsigned m, d, sun_m, sun_d; /* fixed: month-day, and the day kept when it is a Sunday */
	int offset;                  /* easter: days from Easter Sunday */
	int from, until;             /* fixed: years in force (0: unbounded) */
	int64_t day;                 /* date: day number */
	const char *name;
};

struct gd__state {
	char code[3];
	const char *name, *calling, *zone, *law;
	struct holiday *h;
	size_t n;
};

struct states {
	struct gd__state *v;
	size_t n;
};

struct zone_entry {
	char name[65];
	struct gd__tz *tz;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* the zone cache */
static struct zone_entry zones[ZONE_CACHE];
static size_t nzones;

/* ---- the holiday tables ------------------------------------------------------------ */

static const char *scalar(struct gd__arena *ar, struct fy_node *map, const char *key)
{
	return gd__data_scalar(ar, map ? fy_node_mapping_lookup_by_string(map, key, FY_NT) : NULL);
}

static bool int_of(const char *s, int lo, int hi, int *out)
{
	char *end;
	if (!s || !*s)
		return false;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (*end || errno || v < lo || v > hi)
		return false;
	*out = (int)v;
	return true;
}

/* "MM-DD" */
static bool month_day(const char *s, unsigned *m, unsigned *d)
{
	if (!s || strlen(s) != 5 || s[2] != '-')
		return false;
	char mm[3] = {s[0], s[1], 0}, dd[3] = {s[3], s[4], 0};
	int mi, di;
	if (!int_of(mm, 1, 12, &mi) || !int_of(dd, 1, 31, &di) || (unsigned)di > gd__days_in_month(2000, (unsigned)mi))
		return false;
	*m = (unsigned)mi, *d = (unsigned)di;
	return true;
}

static int load_holiday(struct gd__arena *ar, struct fy_node *n, int kind, struct holiday *h)
{
	const char *name = scalar(ar, n, "name"), *date = scalar(ar, n, "date");
	const char *from = scalar(ar, n, "from"), *until = scalar(ar, n, "until"), *sun = scalar(ar, n, "sunday");
	memset(h, 0, sizeof *h);
	h->kind = kind, h->name = name;
	if (!name)
		return GD_ECORRUPT;
	if (kind == H_EASTER)
		return int_of(scalar(ar, n, "offset"), -60, 60, &h->offset) ? 0 : GD_ECORRUPT;
	if (kind == H_DATE) {
		gd_time t;
		if (!date || strlen(date) != 10 || gd_time_parse(&t, date) < 0)
			return GD_ECORRUPT;
		h->day = gd__floor_div(t, 86400);
		return 0;
	}
	if (!month_day(date, &h->m, &h->d) || (from && !int_of(from, 1, 9999, &h->from)) ||
	    (until && !int_of(until, 1, 9999, &h->until)) || (sun && !month_day(sun, &h->sun_m, &h->sun_d)))
		return GD_ECORRUPT;
	return 0;
}

static int load_list(struct gd__arena *ar, struct fy_node *seq, int kind, struct gd__state *st)
{
	if (!seq)
		return 0;
	if (!fy_node_is_sequence(seq))
		return GD_ECORRUPT;
	void *it = NULL;
	struct fy_node *n;
	while ((n = fy_node_sequence_iterate(seq, &it))) {
		int rc = load_holiday(ar, n, kind, &st->h[st->n]);
		if (rc < 0)
			return rc;
		st->n++;
	}
	return 0;
}

static int count(struct fy_node *seq)
{
	return seq && fy_node_is_sequence(seq) ? fy_node_sequence_item_count(seq) : 0;
}

static int parse(struct gd__arena *ar, struct fy_node *root, void **out)
{
	int n = fy_node_is_mapping(root) ? fy_node_mapping_item_count(root) : 0;
	struct states *s = gd__arena_alloc(ar, sizeof *s);
	int rc;
	if (!s)
		return GD_ENOMEM;
	if (n <= 0)
		return GD_ECORRUPT;
	if (!(s->v = gd__arena_alloc(ar, (size_t)n * sizeof *s->v)))
		return GD_ENOMEM;
	void *it = NULL;
	struct fy_node_pair *p;
	while ((p = fy_node_mapping_iterate(root, &it))) {
		struct gd__state *st = &s->v[s->n];
		struct fy_node *map = fy_node_pair_value(p);
		size_t klen;
		const char *key = fy_node_get_scalar(fy_node_pair_key(p), &klen);
		if (!key || klen != 2 || !map || !fy_node_is_mapping(map))
			return GD_ECORRUPT;
		memcpy(st->code, key, 2);
		st->name = scalar(ar, map, "name");
		st->calling = scalar(ar, map, "calling_code");
		st->zone = scalar(ar, map, "zone");
		st->law = scalar(ar, map, "law");
		struct fy_node *fixed = fy_node_mapping_lookup_by_string(map, "fixed", FY_NT);
		struct fy_node *easter = fy_node_mapping_lookup_by_string(map, "easter", FY_NT);
		struct fy_node *dates = fy_node_mapping_lookup_by_string(map, "dates", FY_NT);
		size_t total = (size_t)count(fixed) + (size_t)count(easter) + (size_t)count(dates);
		if (!st->name || !st->calling || !st->zone || !st->law || !total)
			return GD_ECORRUPT;
		if (!(st->h = gd__arena_alloc(ar, total * sizeof *st->h)))
			return GD_ENOMEM;
		if ((rc = load_list(ar, fixed, H_FIXED, st)) < 0 || (rc = load_list(ar, easter, H_EASTER, st)) < 0 ||
		    (rc = load_list(ar, dates, H_DATE, st)) < 0)
			return rc;
		s->n++;
	}
	*out = s;
	return 0;
}

static struct gd__data holidays = GD__DATA_INIT(HOLIDAYS_FILE, "holiday calendar", parse);

static int states(const struct states **out)
{
	const void *t;
	int rc = gd__data_load(&holidays, &t);
	*out = t;
	return rc;
}

static int find_state(const struct gd__state **out, const char *code)
{
	const struct states *s;
	int rc = states(&s);
	*out = NULL;
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].code, code) == 0) {
			*out = &s->v[i];
			return 0;
		}
	char known[64] = "";
	for (size_t i = 0; i < s->n && strlen(known) + 4 < sizeof known; i++)
		snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i ? ", " : "", s->v[i].code);
	return gd__err(GD_ENOTFOUND,
	               "gardien does not know the public holidays of \"%.8s\": use one of %s, or add the state to %s",
	               code, known, HOLIDAYS_FILE);
}

/* Easter Sunday of year y (Gregorian; the anonymous algorithm of 1876). */
static int64_t easter(int64_t y)
{
	int64_t a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4, f = (b + 8) / 25;
	int64_t g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30, i = c / 4, k = c % 4;
	int64_t l = (32 + 2 * e + 2 * i - h - k) % 7, m = (a + 11 * h + 22 * l) / 451;
	int64_t month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;
	return gd__days_from_civil(y, (unsigned)month, (unsigned)day);
}

/* The name of the holiday of `st` on day number z, or NULL. */
static const char *holiday(const struct gd__state *st, int64_t z)
{
	int64_t y;
	unsigned m, d;
	if (!st)
		return NULL;
	gd__civil_from_days(z, &y, &m, &d);
	int64_t e = -1;
	for (size_t i = 0; i < st->n; i++) {
		const struct holiday *h = &st->h[i];
		if (h->kind == H_DATE) {
			if (h->day == z)
				return h->name;
		} else if (h->kind == H_EASTER) {
			if (e < 0)
				e = easter(y);
			if (e + h->offset == z)
				return h->name;
		} else if ((!h->from || y >= h->from) && (!h->until || y <= h->until)) {
			unsigned hm = h->m, hd = h->d;
			if (hm == 2 && hd == 29 && gd__days_in_month(y, 2) < 29)
				continue;
			if (h->sun_m && gd__weekday(gd__days_from_civil(y, hm, hd)) == 0)
				hm = h->sun_m, hd = h->sun_d;
			if (hm == m && hd == d)
				return h->name;
		}
	}
	return NULL;
}

static bool working_day(const struct gd__state *st, int64_t z)
{
	unsigned wd = gd__weekday(z);
	return wd != 0 && wd != 6 && !holiday(st, z);
}

/* ---- time zones --------------------------------------------------------------------- */

/* An IANA name: letters, digits, '_', '+', '-', components joined by '/', none "." or "..". */
static int check_zone_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	bool ok = n > 0 && n <= 64 && name[0] != '/' && name[n - 1] != '/';
	for (size_t i = 0; ok && i < n; i++) {
		char c = name[i];
		ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
		     c == '+' || c == '-' || (c == '/' && name[i + 1] != '/');
		if (ok && c == '.')
			ok = false;
	}
	if (!ok)
		return gd__err(GD_EINVAL,
		               "\"%.64s\" is not a time zone name: write it as the tz database does, e.g. Europe/Brussels",
		               name ? name : "");
	return 0;
}

static int read_zone(struct gd__tz **out, const char *name)
{
	const char *dir = getenv("TZDIR");
	char path[512];
	unsigned char *buf = NULL;
	struct stat sb;
	int rc, fd;
	snprintf(path, sizeof path, "%s/%s", dir && *dir && strlen(dir) < 400 ? dir : "/usr/share/zoneinfo", name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return gd__err(errno == ENOENT ? GD_ENOTFOUND : GD_EIO,
		               "time zone %s is not in the system's tz database (%s): check the name, or install tzdata",
		               name, path);
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size < 44 || sb.st_size > GD__TZIF_MAX) {
		rc = gd__err(GD_ECORRUPT, "time zone %s: %s is not a TZif file of at most %d bytes", name, path,
		             GD__TZIF_MAX);
		goto done;
	}
	size_t n = (size_t)sb.st_size, got = 0;
	if (!(buf = gd__malloc(n))) {
		rc = GD_ENOMEM;
		goto done;
	}
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	rc = got == n ? gd__tz_parse(out, buf, n, name) : gd__err(GD_EIO, "time zone %s: cannot read %s", name, path);
done:
	close(fd);
	gd__free(buf);
	return rc;
}

int gd__calendar_zone(const struct gd__tz **out, const char *name)
{
	int rc;
	*out = NULL;
	if ((rc = check_zone_name(name)) < 0)
		return rc;
	if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0) {
		*out = gd__tz_utc();
		return 0;
	}
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < nzones; i++)
		if (strcmp(zones[i].name, name) == 0) {
			*out = zones[i].tz;
			goto done;
		}
	if (nzones == ZONE_CACHE) {
		rc = gd__err(GD_ETOOBIG, "more than %d time zones in use in one process", ZONE_CACHE);
		goto done;
	}
	struct gd__tz *tz;
	if ((rc = read_zone(&tz, name)) < 0)
		goto done;
	snprintf(zones[nzones].name, sizeof zones[nzones].name, "%s", name);
	zones[nzones++].tz = tz;
	*out = tz;
done:
	pthread_mutex_unlock(&lock);
	return rc;
}

/* ---- deadlines --------------------------------------------------------------------- */

/* Day number of instant t on the zone's clocks. */
static int64_t local_day(const struct gd__tz *tz, gd_time t)
{
	return gd__floor_div(t + gd__tz_offset(tz, t), 86400);
}

static int64_t add_months(int64_t z, int months)
{
	int64_t y;
	unsigned m, d;
	gd__civil_from_days(z, &y, &m, &d);
	int64_t total = y * 12 + (m - 1) + months, ny = gd__floor_div(total, 12);
	unsigned nm = (unsigned)(total - ny * 12) + 1, dim = gd__days_in_month(ny, nm);
	return gd__days_from_civil(ny, nm, d > dim ? dim : d);
}

static gd_time end_of(const struct gd__tz *tz, int64_t z)
{
	return gd__tz_from_local(tz, z * 86400 + 86399);
}

/* Years 0000-9999, as gd_time_parse reads them: the arithmetic below never overflows. */
#define TIME_MIN (-62167219200LL)
#define TIME_MAX 253402300799LL

static gd_time clamp(gd_time t)
{
	return t < TIME_MIN ? TIME_MIN : t > TIME_MAX ? TIME_MAX
	                                              : t;
}

gd_time gd__calendar_due(const struct gd__calendar *c, gd_time start, int months, int days)
{
	start = clamp(start);
	int64_t z = add_months(local_day(c->tz, start), months) + days;
	/* Art. 3(4): a Saturday, Sunday or public holiday gives way to the next working day. */
	for (int i = 0; i < 366 && !working_day(c->st, z); i++)
		z++;
	return end_of(c->tz, z);
}

gd_time gd__calendar_target(const struct gd__calendar *c, gd_time received, gd_time due)
{
	if (!c->target_days)
		return 0;
	received = clamp(received);
	int64_t first = local_day(c->tz, received), z = first + c->target_days;
	/* An internal target is met before the day off, not after it. */
	while (z > first && !working_day(c->st, z))
		z--;
	gd_time t = end_of(c->tz, z);
	return t < due ? t : due;
}

static int resolve(struct gd__calendar *c, const char *state, const char *zone, const char *calling)
{
	const struct states *s;
	int rc;
	memset(c, 0, sizeof *c);
	c->tz = gd__tz_utc();
	snprintf(c->zone, sizeof c->zone, "UTC");
	if (state && *state) {
		if ((rc = find_state(&c->st, state)) < 0)
			return rc;
	} else if (calling && *calling) {
		if ((rc = states(&s)) < 0)
			return rc;
		if (*calling == '+')
			calling++;
		for (size_t i = 0; i < s->n && !c->st; i++)
			if (strcmp(s->v[i].calling, calling) == 0)
				c->st = &s->v[i];
	}
	if (c->st)
		snprintf(c->state, sizeof c->state, "%s", c->st->code);
	const char *z = zone && *zone ? zone : c->st ? c->st->zone
	                                             : NULL;
	if (z) {
		if ((rc = gd__calendar_zone(&c->tz, z)) < 0)
			return rc;
		snprintf(c->zone, sizeof c->zone, "%s", z);
	}
	return 0;
}

static int check_state(const char *state)
{
	if (!state || !*state)
		return 0;
	if (strlen(state) != 2 || state[0] < 'A' || state[0] > 'Z' || state[1] < 'A' || state[1] > 'Z')
		return gd__err(GD_EINVAL, "\"%.8s\" is not a member state code: write two capital letters, e.g. BE", state);
	return 0;
}

int gd_deadline(gd_time *out, const char *state, const char *zone, gd_time start, int months, int days)
{
	struct gd__calendar c;
	int rc;
	*out = 0;
	if (months < 0 || months > 120 || days < 0 || days > 3660)
		return gd__err(GD_EINVAL, "a period of 0 to 120 months and 0 to 3660 days is expected");
	if (start < TIME_MIN || start > TIME_MAX)
		return gd__err(GD_EINVAL, "the start of a period must fall within years 0000-9999");
	if ((rc = check_state(state)) < 0 || (zone && *zone && (rc = check_zone_name(zone)) < 0) ||
	    (rc = resolve(&c, state, zone, NULL)) < 0)
		return rc;
	*out = gd__calendar_due(&c, start, months, days);
	return 0;
}

gd_time gd_request_due(gd_time received, bool extended)
{
	struct gd__calendar c = {.tz = gd__tz_utc()};
	return gd__calendar_due(&c, received, extended ? 3 : 1, 0);
}

int gd_calendar_states(int (*cb)(void *ud, const char *state, const char *name), void *ud)
{
	const struct states *s;
	int rc = states(&s);
	for (size_t i = 0; rc == 0 && i < s->n; i++)
		rc = cb(ud, s->v[i].code, s->v[i].name);
	return rc;
}

int gd_calendar_holidays(const char *state, int year, int (*cb)(void *ud, gd_time day, const char *name),
                         void *ud)
{
	const struct gd__state *st;
	int rc;
	if ((rc = check_state(state)) < 0)
		return rc;
	if (!state || !*state)
		return gd__err(GD_EINVAL, "name the member state whose holidays to list, e.g. BE");
	if (year < 1900 || year > 9999)
		return gd__err(GD_EINVAL, "year %d is out of range: 1900 to 9999", year);
	if ((rc = find_state(&st, state)) < 0)
		return rc;
	int64_t end = gd__days_from_civil(year + 1, 1, 1);
	for (int64_t z = gd__days_from_civil(year, 1, 1); rc == 0 && z < end; z++) {
		const char *name = holiday(st, z);
		if (name)
			rc = cb(ud, z * 86400, name);
	}
	return rc;
}

/* ---- the tenant's calendar ---------------------------------------------------------- */

static int load_set(gd_actor *a, gd_calendar *set)
{
	gd__stmt *st = NULL;
	*set = (gd_calendar)GD_CALENDAR_INIT;
	int rc = gd__db_query(a->v->store, &st,
	                      "SELECT state, zone, target_days FROM tenant_calendar WHERE tenant_id = ?", "i",
	                      a->tenant_id);
	if (rc < 0)
		return rc;
	if ((rc = gd__db_step(a->v->store, st)) == 1) {
		snprintf(set->state, sizeof set->state, "%s", gd__col_text(a->v->store, st, 0));
		snprintf(set->zone, sizeof set->zone, "%s", gd__col_text(a->v->store, st, 1));
		set->target_days = (int)gd__col_int(a->v->store, st, 2);
		rc = 0;
	}
	gd__db_reset(a->v->store, st);
	return rc;
}

int gd__calendar_of(gd_actor *a, struct gd__calendar *out)
{
	gd_calendar set;
	int rc = load_set(a, &set);
	if (rc == 0)
		rc = resolve(out, set.state, set.zone, a->country_code);
	if (rc == 0)
		out->target_days = set.target_days;
	return rc;
}

int gd_calendar_get(gd_actor *a, gd_calendar *set, gd_calendar *used)
{
	struct gd__calendar c;
	gd_calendar s;
	int rc = load_set(a, &s);
	if (rc == 0 && set)
		*set = s;
	if (rc == 0 && used && (rc = gd__calendar_of(a, &c)) == 0) {
		*used = (gd_calendar)GD_CALENDAR_INIT;
		snprintf(used->state, sizeof used->state, "%s", c.state);
		snprintf(used->zone, sizeof used->zone, "%s", c.zone);
		used->target_days = c.target_days;
	}
	return rc;
}

void gd_calendar_date(gd_actor *a, char out[32], gd_time t)
{
	struct gd__calendar c;
	if (gd__calendar_of(a, &c) < 0)
		c.tz = gd__tz_utc();
	t = clamp(t);
	gd_date_format(out, t + gd__tz_offset(c.tz, t));
}

int gd_calendar_set(gd_actor *a, const gd_calendar *c)
{
	struct gd__calendar check;
	int rc;
	if (!c || c->version != GD_CALENDAR_VERSION)
		return gd__err(GD_EINVAL, "gd_calendar is missing or of an unsupported version");
	if (c->target_days < 0 || c->target_days > MAX_TARGET_DAYS)
		return gd__err(GD_EINVAL, "target of %d days is out of range: 0 (none) to %d", c->target_days,
		               MAX_TARGET_DAYS);
	if (!memchr(c->state, 0, sizeof c->state) || !memchr(c->zone, 0, sizeof c->zone))
		return gd__err(GD_EINVAL, "state or zone is not terminated");
	if ((rc = check_state(c->state)) < 0 || (*c->zone && (rc = check_zone_name(c->zone)) < 0) ||
	    (rc = resolve(&check, c->state, c->zone, a->country_code)) < 0)
		return rc;
	if ((rc = gd_actor_require(a, GD_OP_ADMIN, "tenant.calendar")) < 0)
		return rc;
	if ((rc = gd__op_begin(a->v)) < 0)
		return rc;
	rc = gd__db_exec(a->v->store,
	                 "INSERT INTO tenant_calendar (tenant_id, state, zone, target_days) VALUES (?, ?, ?, ?)"
	                 " ON CONFLICT (tenant_id) DO UPDATE SET state = excluded.state, zone = excluded.zone,"
	                 " target_days = excluded.target_days",
	                 "itti", a->tenant_id, c->state, c->zone, (int64_t)c->target_days);
	if (rc == 0) {
		char why[128];
		snprintf(why, sizeof why, "state %s, zone %s, target %d days", *check.state ? check.state : "none",
		         check.zone, c->target_days);
		rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "tenant.calendar", .reason = why});
	}
	return gd__op_end(a->v, rc);
}
