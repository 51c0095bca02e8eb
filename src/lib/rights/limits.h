/*
 * limits.h — restriction (Art. 18) and objection (Art. 21): what limits.c
 * keeps in struct gd_vault (v->limits) and what it offers the rights files.
 */
#ifndef GD_RIGHTS_LIMITS_H
#define GD_RIGHTS_LIMITS_H

#include <stdbool.h>
#include <stdint.h>

#include "gardien.h"

enum gd__limit_kind {
	GD__LIMIT_RESTRICTION = 1,
	GD__LIMIT_OBJECTION = 2
};

/* Whether any subject has a limit, valid while gen == v->tx.gen (0: not known);
 * without any, reads skip the look-up. */
struct gd__limits_state {
	uint64_t gen;
	bool any;
};

/* Adds a limit (GD__LIMIT_*) on subject row `subject_id` for `activity` ("": all), from `request`. */
int gd__limits_add(gd_actor *a, int64_t subject_id, int kind, const char *activity, int64_t request);

#endif
