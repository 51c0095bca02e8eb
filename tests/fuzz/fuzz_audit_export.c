/*
 * fuzz_audit_export.c — libFuzzer harness for the offline verifier of audit
 * exports (gd_audit_verify_export), the parser an auditor runs on a file that
 * came from elsewhere. The input is split into lines as the CLI does; with the
 * length a multiple of 7, a fixed public key is imposed as with --public-key.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gardien.h"

struct input {
	const char *p;
	size_t n, pos;
};

static int next_line(void *ud, const char **line, size_t *len)
{
	struct input *in = ud;
	if (in->pos >= in->n)
		return 0;
	const char *start = in->p + in->pos;
	const char *nl = memchr(start, '\n', in->n - in->pos);
	size_t l = nl ? (size_t)(nl - start) : in->n - in->pos;
	*line = start;
	*len = l;
	in->pos += l + 1;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char key[32] = {1, 2, 3};
	struct input in = {(const char *)data, size, 0};
	gd_audit_report r;
	char named[65];
	int rc = gd_audit_verify_export(next_line, &in, size % 7 == 0 ? key : NULL, named, &r);
	/* The verdict and the report agree. */
	if ((rc == GD_ECORRUPT) != (r.problem != GD_AUDIT_INTACT))
		abort();
	if (rc == 0 && r.chains > 1)
		abort(); /* an export holds one chain */
	return 0;
}
