/*
 * auth.h — the auth module inside the library: the rights an actor opened from
 * a token carries (for the policy checks), and what auth.c (administration),
 * auth_login.c (login, TOTP) and auth_actor.c (token to actor) share.
 */
#ifndef GD_AUTH_H
#define GD_AUTH_H

#include "lib/internal.h"

struct gd__authz {
	unsigned ops; /* enum gd_op bits */
	int64_t principal_id;
	int64_t grant_id;      /* support access under a grant; 0 otherwise */
	gd_time grant_expires; /* when that grant ends; 0 otherwise */
	char role[GD_NAME_MAX + 1];
	char activities[]; /* "*" or "a,b,c" */
};

/* Record checks for the policy tables: the role must grant the operation and the activity. */
int gd__auth_read_check(gd_actor *a, const struct gd__record_meta *m, const char *purpose);
int gd__auth_write_check(gd_actor *a, const char *subject, const gd_record_spec *spec);

/* ---- shared by the auth files (auth.c) ---- */

/* Whether the comma-separated `list` ("*": every one) holds `activity`. */
bool gd__auth_activity_allowed(const char *list, const char *activity);
/* Validates a principal's name; GD_EINVAL saying what is allowed. */
int gd__auth_check_name(const char *name);
/* The id of tenant `tenant`; GD_ENOTFOUND naming it when there is none. */
int gd__auth_tenant_id(gd_vault *v, int64_t *out, const char *tenant);
/* BLAKE2b-256 of a token: what the tokens table keeps of it. */
void gd__auth_token_hash(unsigned char out[GD__HASH_SIZE], const char *token);
/* 0 when `t` has a token's shape ("gdt_"/"gds_" + 64 hex digits); GD_EDENIED (never quoting it) otherwise. */
int gd__auth_check_token(const char *t);
/* A new token: written to `out`, its hash stored for `principal_id` of `tenant_id`. Inside an operation. */
int gd__auth_token_insert(gd_vault *v, char out[GD_TOKEN_SIZE], int64_t *out_id, int64_t tenant_id,
                          int64_t principal_id, bool session, gd_time expires_at);
/* Runs `sql` (ending "WHERE tenant_id = ? AND id = ?", after the value `types` names) on a principal of the
 * actor's tenant, audited as `action`. */
int gd__auth_principal_update(gd_actor *a, const char *name, const char *action, const char *sql,
                              const char *types, const void *blob, size_t n);

#endif
