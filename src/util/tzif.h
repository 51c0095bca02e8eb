/*
 * tzif.h — a time zone read from a TZif file (RFC 8536, versions 1 to 4), as
 * the system's tz database installs them (/usr/share/zoneinfo, Debian tzdata).
 *
 * Why not TZ + localtime_r: the C library keeps one time zone per process, and
 * changing it under the threaded server would change it for every thread. A
 * parsed zone here is immutable once built, so any number of threads may read
 * it at once.
 */
#ifndef GD_UTIL_TZIF_H
#define GD_UTIL_TZIF_H

#include <stddef.h>
#include <stdint.h>

struct gd__tz;

/* Largest TZif file accepted (the biggest zone of tzdata 2025 is under 4 KiB). */
#define GD__TZIF_MAX 65536

/*
 * Parses the TZif bytes buf[0..n). Every count, index and time is checked
 * before use: a truncated, oversized or inconsistent file is GD_ECORRUPT (with
 * a message naming `what`, the zone's name). Zones counting leap seconds
 * ("right/…") are refused. *out is freed with gd__tz_free.
 */
int gd__tz_parse(struct gd__tz **out, const unsigned char *buf, size_t n, const char *what);
void gd__tz_free(struct gd__tz *z);

/* Coordinated Universal Time, without a file: static, never freed. */
const struct gd__tz *gd__tz_utc(void);

/* The offset from UTC (seconds east) in force at instant `t`. */
int32_t gd__tz_offset(const struct gd__tz *z, int64_t t);

/*
 * The instant at which the zone's clocks show `local` (seconds since
 * 1970-01-01T00:00:00 of wall-clock time). A wall time that happens twice
 * (clocks set back) gives the first; one that never happens (clocks set
 * forward) is read with the offset in force before the change.
 */
int64_t gd__tz_from_local(const struct gd__tz *z, int64_t local);

#endif
