/*
 * core.h — what every file of the library shares and nothing else provides:
 * the thread's last error, allocation with fault injection and wiping.
 *
 * It lives in util so that util needs nothing from the engine (src/lib): the
 * engine builds on util, never the other way round.
 *
 * Invariants:
 *  - the last error is thread-local, one line, never personal data;
 *  - every allocation and storage call passes one fault point, so a test can
 *    make the n-th one fail (gd__fault_arm) and check nothing half-happened.
 */
#ifndef GD_UTIL_CORE_H
#define GD_UTIL_CORE_H

#include <stdbool.h>
#include <stddef.h>

#include "gardien.h"

#define GD__PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Sets the thread's last error and returns `code`, so callers `return gd__err(...)`. */
int gd__err(int code, const char *fmt, ...) GD__PRINTF(2, 3);

/* Allocation through a fault point; on failure NULL with GD_ENOMEM as last error. */
void *gd__malloc(size_t n);
void *gd__calloc(size_t n, size_t size);
char *gd__strdup(const char *s);
void gd__free(void *p);

/*
 * Fault injection for tests: after gd__fault_arm(n), the n-th fault point
 * (allocation or storage call) of this thread fails. gd__fault_fired() tells
 * whether it did; gd__fault_arm(0) disarms.
 */
void gd__fault_arm(long n);
bool gd__fault_fired(void);
bool gd__fault_point(void);

/* Zeroes n bytes in a way the compiler does not remove (for buffers util owns). */
void gd__zero(void *p, size_t n);

/*
 * Copies the C string `src` (NULL: "") into `dst` of `cap` bytes, cut to fit and
 * always terminated. The hot paths' replacement for snprintf("%s").
 */
void gd__copy(char *dst, size_t cap, const char *src);

#endif
