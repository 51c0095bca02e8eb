/*
 * error.c — the look-up of the data files compiled into the library.
 *
 * The thread's last error, allocation and fault injection moved to
 * util/core.c, so that util needs nothing from the engine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/internal.h"

const struct gd__embedded *gd__embedded_find(const char *name)
{
	for (const struct gd__embedded *e = gd__embedded_files; e->name; e++)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}
