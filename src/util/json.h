/* json.h — checks that bytes are one JSON document (RFC 8259) without building it. */
#ifndef GD_UTIL_JSON_H
#define GD_UTIL_JSON_H

#include <stdbool.h>
#include <stddef.h>

#define GD__JSON_MAX_DEPTH 64

/*
 * True when p[0..n) is exactly one JSON value (surrounded by optional white
 * space), nested at most GD__JSON_MAX_DEPTH deep. On false, *err_at (may be
 * NULL) receives the byte offset where it stopped making sense. Strings are
 * checked for escapes and control characters; UTF-8 is checked elsewhere.
 */
bool gd__json_valid(const char *p, size_t n, size_t *err_at);

#endif
