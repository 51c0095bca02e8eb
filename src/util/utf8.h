/* utf8.h — UTF-8 validation (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF). */
#ifndef GD_UTF8_H
#define GD_UTF8_H

#include <stdbool.h>
#include <stddef.h>

bool gd__utf8_valid(const void *p, size_t n);

#endif
