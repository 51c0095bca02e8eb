/*
 * fuzz_po.c — libFuzzer harness for the PO catalogue parser (po.c). The
 * catalogues are compiled in today, but the parser is written for any file a
 * translator hands over: every input must be refused with an error naming
 * the line, or give a catalogue whose every lookup returns a string. The
 * corpus (corpus/po/) holds gardien's catalogues and malformed ones.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/internal.h"
#include "lib/notice/notice.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gd__po *po = NULL;
	int rc = gd__po_parse(&po, "fuzz.po", (const char *)data, size);
	if (rc != 0) {
		if (po || (rc != GD_EINVAL && rc != GD_ETOOBIG && rc != GD_ENOMEM))
			abort();
		return 0;
	}
	const char *a = gd__po_gettext(po, "Your rights");
	const char *b = gd__po_ngettext(po, "{n} year", "{n} years", 3);
	const char *c = gd__po_gettext(po, "right\004access");
	if (!a || !b || !c || strlen(a) > size + 12 || strlen(b) > size + 12)
		abort();
	gd__po_free(po);
	return 0;
}
