/*
 * fuzz_register.c — libFuzzer harness for the register parser (outside input:
 * a controller's YAML file). Every input must either be refused with an error
 * or give a model that every export can write; nothing may crash, leak or read
 * out of bounds. The corpus (corpus/register/) is seeded from the examples and
 * from malformed files, and replays in the ordinary test run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/internal.h"
#include "lib/register/register.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ignore(void *ud, const gd_register_diag *d)
{
	(void)ud;
	(void)d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gd__register *r = NULL;
	size_t nerr = 0, nwarn = 0;
	int rc = gd__register_parse(&r, "fuzz.yml", data, size, ignore, NULL, &nerr, &nwarn);
	if (rc == 0) {
		if (!r || nerr)
			abort(); /* success means a model and no error */
		static const char *const formats[] = {"json", "jsonld", "csv", "ods", "fods", "md", "html", "yaml"};
		FILE *out = fopen("/dev/null", "w");
		for (size_t i = 0; out && i < sizeof formats / sizeof *formats; i++)
			for (int l = 0; l < 2; l++) /* the documents in English and French */
				if (gd__register_write(r, (const char *)data, size, formats[i], l ? "fr" : "en", out) != 0)
					abort();
		if (out)
			fclose(out);
	} else if (r || (rc == GD_EINVAL && nerr == 0)) {
		abort(); /* a refusal has no model and, when invalid, says why */
	}
	gd__register_free(r);
	return 0;
}
