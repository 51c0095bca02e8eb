/*
 * fuzz_tzif.c — the TZif reader (src/util/tzif.c): time zone files come from
 * the file system. A file it accepts must answer offsets within ±26 h at any
 * instant, and turn a wall time back into an instant without overflow.
 */
#include <stdint.h>
#include <string.h>

#include "gardien.h"
#include "util/tzif.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t probes[] = {-8000000000LL, -1, 0, 1774746000LL, 1792890000LL,
	                                 2147483648LL, 4102444800LL, 253402300799LL};
	struct gd__tz *z = NULL;
	if (gd__tz_parse(&z, data, size, "fuzz") < 0) {
		if (z)
			__builtin_trap();
		return 0;
	}
	for (size_t i = 0; i < sizeof probes / sizeof *probes; i++) {
		int32_t off = gd__tz_offset(z, probes[i]);
		if (off < -26 * 3600 || off > 26 * 3600)
			__builtin_trap();
		(void)gd__tz_from_local(z, probes[i]);
	}
	gd__tz_free(z);
	return 0;
}
