/*
 * audit.h — the audit trail's entry and its hash, shared by the writer
 * (audit.c) and the verifier.
 */
#ifndef GD_AUDIT_H
#define GD_AUDIT_H

#include <stdint.h>

#include "lib/crypto.h"

struct gd__audit_entry {
	int64_t tenant_id;
	int64_t seq;        /* 1, 2, … within the tenant's chain */
	int64_t at;         /* gd_time */
	const char *principal;
	const char *action;
	const char *purpose;  /* may be NULL */
	const char *subject;  /* pseudonym, may be NULL */
	int64_t record_id;    /* 0: none */
	const char *category; /* may be NULL */
	int outcome;          /* enum gd__outcome */
	const char *reason;   /* may be NULL */
};

/* hash = BLAKE2b-256("gardien audit v1" | prev | canonical fields), see docs/FORMAT.md. */
void gd__audit_hash(unsigned char out[GD__HASH_SIZE], const unsigned char prev[GD__HASH_SIZE],
                    const struct gd__audit_entry *e);

#endif
