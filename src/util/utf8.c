/* utf8.c — strict UTF-8 validation; NUL bytes are refused too (values are C strings). */
#include "util/utf8.h"

bool gd__utf8_valid(const void *p, size_t n)
{
	const unsigned char *s = p, *end = s + n;
	while (s < end) {
		unsigned c = *s;
		if (c == 0)
			return false;
		if (c < 0x80) {
			s++;
			continue;
		}
		size_t len;
		unsigned min, cp;
		if ((c & 0xe0) == 0xc0)
			len = 2, min = 0x80, cp = c & 0x1f;
		else if ((c & 0xf0) == 0xe0)
			len = 3, min = 0x800, cp = c & 0x0f;
		else if ((c & 0xf8) == 0xf0)
			len = 4, min = 0x10000, cp = c & 0x07;
		else
			return false;
		if ((size_t)(end - s) < len)
			return false;
		for (size_t i = 1; i < len; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		s += len;
	}
	return true;
}
