/*
 * fuzz_identifier.c — identifiers and times come from outside (CLI, HTTP):
 * their normalisers and parsers must reject garbage cleanly and never read out
 * of bounds. Input: kind byte, then the value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gardien.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4096)
		return 0;
	static const char *kinds[] = {"email", "phone", "customer_number", "bad kind!"};
	const char *kind = kinds[data[0] % 4];
	char *value = malloc(size);
	if (!value)
		return 0;
	memcpy(value, data + 1, size - 1);
	value[size - 1] = 0;
	char out[GD_IDENTIFIER_MAX + 1];
	if (gd_identifier_normalise(out, sizeof out, kind, value, data[0] & 0x80 ? "33" : NULL) == 0) {
		/* Normalising is idempotent: the canonical form maps to itself. */
		char again[GD_IDENTIFIER_MAX + 1];
		if (gd_identifier_normalise(again, sizeof again, kind, out, "33") != 0 || strcmp(out, again) != 0)
			abort();
	}
	gd_time t;
	if (gd_time_parse(&t, value) == 0) {
		char buf[32];
		gd_time_format(buf, t);
		gd_time back;
		if (gd_time_parse(&back, buf) != 0 || back != t)
			abort();
	}
	free(value);
	return 0;
}
