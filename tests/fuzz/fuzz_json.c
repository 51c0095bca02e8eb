/*
 * fuzz_json.c — differential: gardien's allocation-free JSON check must agree
 * with jansson (the parser that later reads the values back) on every input.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "util/json.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Nesting deeper than either limit is refused by both in their own way: skip. */
static size_t depth(const uint8_t *d, size_t n)
{
	size_t cur = 0, max = 0;
	for (size_t i = 0; i < n; i++) {
		if (d[i] == '[' || d[i] == '{')
			cur++;
		if (cur > max)
			max = cur;
	}
	return max;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536 || depth(data, size) >= GD__JSON_MAX_DEPTH)
		return 0;
	/* Values reach the check only as valid UTF-8 without NUL. */
	if (!gd__utf8_valid(data, size))
		return 0;
	bool ours = gd__json_valid((const char *)data, size, NULL);
	json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	bool theirs = j != NULL;
	json_decref(j);
	if (ours != theirs)
		abort();
	return 0;
}
