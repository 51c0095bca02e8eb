/*
 * policy.h — the enforcement points (policy.c) every record write and read
 * passes, and the record's stage and metadata the checks see.
 */
#ifndef GD_POLICY_H
#define GD_POLICY_H

#include <stdint.h>

#include "gardien.h"

/* Record stages (records.stage); the retention engine moves records along them. */
enum gd__record_stage {
	GD__REC_ACTIVE = 0,
	GD__REC_ARCHIVED = 1,
	GD__REC_ANONYMISED = 2
};

struct gd__record_meta {
	int64_t id;
	int64_t subject_id;   /* internal row id of the subject */
	const char *subject;  /* pseudonym */
	const char *activity; /* collected for */
	const char *category;
	int stage; /* enum gd__record_stage */
};

/* 0 if `spec` may be stored; GD_EDENIED with the reason otherwise. */
int gd__policy_write(gd_actor *a, const char *subject, const gd_record_spec *spec);
/* 0 if the record may be read for `purpose`; GD_EDENIED with the reason otherwise. */
int gd__policy_read(gd_actor *a, const struct gd__record_meta *m, const char *purpose);

#endif
