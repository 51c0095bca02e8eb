/*
 * core.c — the thread's last error, allocation wrappers and fault injection
 * (see core.h).
 *
 * Every allocation and storage call of the library passes a fault point, so the
 * tests can make the n-th one fail and check that nothing was half-written.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/core.h"

static _Thread_local char last_error[512];
static _Thread_local long fault_countdown;
static _Thread_local bool fault_fired;

const char *gd_error_last(void)
{
	return last_error;
}

const char *gd_error_name(int code)
{
	switch (code) {
	case GD_OK: return "GD_OK";
	case GD_ERROR: return "GD_ERROR";
	case GD_EINVAL: return "GD_EINVAL";
	case GD_ENOTFOUND: return "GD_ENOTFOUND";
	case GD_EDENIED: return "GD_EDENIED";
	case GD_ECORRUPT: return "GD_ECORRUPT";
	case GD_EEXISTS: return "GD_EEXISTS";
	case GD_ENOMEM: return "GD_ENOMEM";
	case GD_EIO: return "GD_EIO";
	case GD_EEXPIRED: return "GD_EEXPIRED";
	case GD_ETOOBIG: return "GD_ETOOBIG";
	case GD_EBUSY: return "GD_EBUSY";
	case GD_ESTATE: return "GD_ESTATE";
	default: return "GD_EUNKNOWN";
	}
}

int gd__err(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_error, sizeof last_error, fmt, ap);
	va_end(ap);
	return code;
}

void gd__fault_arm(long n)
{
	fault_countdown = n;
	fault_fired = false;
}

bool gd__fault_fired(void)
{
	return fault_fired;
}

bool gd__fault_point(void)
{
	if (fault_countdown <= 0)
		return false;
	if (--fault_countdown > 0)
		return false;
	fault_fired = true;
	return true;
}

void *gd__malloc(size_t n)
{
	void *p = gd__fault_point() ? NULL : malloc(n ? n : 1);
	if (!p)
		gd__err(GD_ENOMEM, "out of memory (%zu bytes)", n);
	return p;
}

void *gd__calloc(size_t n, size_t size)
{
	void *p = gd__fault_point() ? NULL : calloc(n ? n : 1, size ? size : 1);
	if (!p)
		gd__err(GD_ENOMEM, "out of memory");
	return p;
}

char *gd__strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = gd__malloc(n);
	if (p)
		memcpy(p, s, n);
	return p;
}

void gd__free(void *p)
{
	free(p);
}

/* Called through a volatile pointer so the stores are not optimised away. */
static void *(*volatile memset_v)(void *, int, size_t) = memset;

void gd__zero(void *p, size_t n)
{
	if (p && n)
		memset_v(p, 0, n);
}

void gd__copy(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strnlen(src, cap - 1) : 0;
	memcpy(dst, src ? src : "", n);
	dst[n] = 0;
}
