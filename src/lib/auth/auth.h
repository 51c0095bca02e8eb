/*
 * auth.h — what the policy checks need from auth.c: the rights an actor opened
 * from a token carries.
 */
#ifndef GD_AUTH_H
#define GD_AUTH_H

#include "lib/internal.h"

struct gd__authz {
	unsigned ops;            /* enum gd_op bits */
	int64_t principal_id;
	int64_t grant_id;        /* support access under a grant; 0 otherwise */
	char role[GD_NAME_MAX + 1];
	char activities[];       /* "*" or "a,b,c" */
};

/* Record checks for the policy tables: the role must grant the operation and the activity. */
int gd__auth_read_check(gd_actor *a, const struct gd__record_meta *m, const char *purpose);
int gd__auth_write_check(gd_actor *a, const char *subject, const gd_record_spec *spec);

#endif
