/* fuzz_event_line.c — the bulk event line parser (gardien event --file). */
#include <stdint.h>
#include <string.h>

#include "gardien.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char subject[GD_SUBJECT_ID_SIZE], name[GD_NAME_MAX + 1];
	gd_time at;
	int rc = gd_event_parse_line((const char *)data, size, subject, name, &at);
	if (rc == 0 && (strlen(subject) != GD_SUBJECT_ID_SIZE - 1 || !*name))
		__builtin_trap();
	return 0;
}
