/*
 * version.c — the version of the library that is loaded, for callers to compare
 * with the GD_VERSION they were compiled against.
 */
#include "gardien.h"

const char *gd_version(void)
{
	return GD_VERSION;
}
