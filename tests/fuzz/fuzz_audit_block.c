/*
 * fuzz_audit_block.c — libFuzzer harness for the decoder of stored audit
 * blocks (audit_block.c), which reads bytes from the vault file: whatever the
 * input, it must decode or refuse with GD_ECORRUPT, never read out of bounds.
 * What decodes must encode again to a block that decodes to the same entries.
 */
#include <stdint.h>
#include <string.h>

#include "lib/audit/audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same(const struct gd__audit_entry *a, const struct gd__audit_entry *b)
{
	return a->seq == b->seq && a->at == b->at && a->record_id == b->record_id &&
	       a->outcome == b->outcome && same_str(a->principal, b->principal) &&
	       same_str(a->action, b->action) && same_str(a->purpose, b->purpose) &&
	       same_str(a->subject, b->subject) && same_str(a->category, b->category) &&
	       same_str(a->reason, b->reason);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gd__audit_reader r = {0}, r2 = {0};
	struct gd__audit_block b = {0};
	struct gd__audit_entry e = {0}, e2 = {0};
	const unsigned char *h, *h2;
	int rc = gd__audit_reader_start(&r, data, size), n = 0;
	if (rc == 0) {
		while ((rc = gd__audit_reader_next(&r, &e, &h)) == 1 && gd__audit_block_add(&b, &e, h) == 0)
			n++;
	}
	if (rc != 0 && rc != 1 && rc != GD_ECORRUPT)
		__builtin_trap();
	/* The entries read back from their new encoding, compared with a second read of the input. */
	if (n && (gd__audit_reader_start(&r, data, size) != 0 || gd__audit_reader_start(&r2, b.buf, b.len) != 0))
		__builtin_trap();
	for (int i = 0; i < n; i++) {
		if (gd__audit_reader_next(&r, &e, &h) != 1 || gd__audit_reader_next(&r2, &e2, &h2) != 1 ||
		    !same(&e, &e2) || memcmp(h, h2, GD__HASH_SIZE) != 0)
			__builtin_trap();
	}
	gd__audit_reader_free(&r);
	gd__audit_reader_free(&r2);
	gd__audit_block_free(&b);
	return 0;
}
