/*
 * hygiene.c — what a process holding keys and personal data does once at
 * start (gd_process_harden): no core dumps unless asked for, and every block
 * the JSON library frees wiped first, since decoded request bodies
 * (passwords, values to store) and encoded responses (values read, tokens
 * issued) pass through it.
 *
 * Wiping uses malloc_usable_size, so a block from plain malloc may be freed
 * with gd_wipe_free and one from jansson with plain free: the allocator stays
 * the C library's, only the free path wipes.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <malloc.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "lib/internal.h"

void gd_wipe_free(void *p)
{
	if (!p)
		return;
	explicit_bzero(p, malloc_usable_size(p));
	free(p);
}

int gd_process_harden(int allow_core_dumps)
{
	json_set_alloc_funcs(malloc, gd_wipe_free);
	if (allow_core_dumps)
		return 0;
	/* Both: RLIMIT_CORE alone can be raised again by the process; a
	 * non-dumpable process also refuses ptrace attaches by its own user. */
	struct rlimit none = {0, 0};
	if (setrlimit(RLIMIT_CORE, &none) != 0)
		return gd__err(GD_ERROR, "cannot disable core dumps (setrlimit)");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return gd__err(GD_ERROR, "cannot disable core dumps (prctl)");
	return 0;
}
