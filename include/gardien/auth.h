/*
 * gardien/auth.h — principals, credentials, roles, sessions and support grants.
 *
 * A principal belongs to one tenant and sees only that tenant:
 *  - people log in with a name, an Argon2id-hashed password and, when their role
 *    requires it (or they enrolled), a TOTP code (RFC 6238); a login yields a
 *    session token with an idle and an absolute timeout;
 *  - services hold API tokens: random, shown once, stored hashed, revocable,
 *    optionally expiring.
 * Repeated failed logins lock the principal for a while (gd_auth_settings).
 *
 * A role (habilitation) says which operations (GD_OP_*) and which activities of
 * the register a principal may use. Actors opened from a token with
 * gd_auth_open carry their role, and every record read or write checks that the
 * role grants the purpose; actors opened directly with gd_actor_open (the
 * operator who holds the master key, e.g. the CLI) have every right.
 *
 * The provider's support staff are principals of no tenant ("support"): they
 * reach a tenant's data only under a grant issued by that tenant's admin, limited
 * in time, operations and activities, revocable; every use is audited in the
 * tenant's chain.
 *
 * Every management operation needs GD_OP_ADMIN and is audited; so are logins,
 * failed logins, lockouts, support access and refused cross-tenant access.
 */
#ifndef GARDIEN_AUTH_H
#define GARDIEN_AUTH_H

#include <stdbool.h>

#include "gardien.h"

/* Operations a role or grant may allow (a bit set). */
enum gd_op {
	GD_OP_READ = 1 << 0,      /* read records for a purpose */
	GD_OP_WRITE = 1 << 1,     /* create subjects, store and rectify records */
	GD_OP_ERASE = 1 << 2,     /* delete records, erase subjects */
	GD_OP_EXPORT = 1 << 3,    /* export a subject's data */
	GD_OP_REQUESTS = 1 << 4,  /* manage data-subject requests and consents */
	GD_OP_REGISTER = 1 << 5,  /* manage the register of processing activities */
	GD_OP_AUDIT = 1 << 6,     /* read the audit trail and breach register */
	GD_OP_ADMIN = 1 << 7,     /* manage principals, roles, tokens, grants */
	GD_OP_ALL = 0xff,
};

/*
 * Parses "read,write,erase" (names above, lowercase, or "all") into a bit set.
 * GD_EINVAL naming the unknown operation otherwise.
 */
int gd_ops_parse(unsigned *out, const char *list);
/* "read,write" (or "none"); `out` holds at least 96 bytes. */
void gd_ops_format(char out[96], unsigned ops);

#define GD_TOKEN_SIZE 72  /* "gdt_"/"gds_" + 64 hex + NUL, with room */
#define GD_PASSWORD_MIN 10
#define GD_PASSWORD_MAX 1024

/* ---- settings (vault-wide) ---- */

#define GD_AUTH_SETTINGS_VERSION 1
typedef struct gd_auth_settings {
	unsigned version;
	int max_failures;   /* failed logins in a row before a lockout (default 5) */
	gd_time lockout;    /* seconds a locked principal waits (default 900) */
	gd_time idle;       /* session idle timeout in seconds (default 900) */
	gd_time absolute;   /* session absolute timeout in seconds (default 28800) */
} gd_auth_settings;
#define GD_AUTH_SETTINGS_INIT {GD_AUTH_SETTINGS_VERSION, 5, 900, 900, 28800}

int gd_auth_settings_get(gd_vault *v, gd_auth_settings *out);
/* Needs an operator actor (no session): these settings protect every tenant. */
int gd_auth_settings_set(gd_actor *a, const gd_auth_settings *s);

/* ---- roles, principals, tokens (in the actor's tenant; need GD_OP_ADMIN) ---- */

/*
 * Creates or replaces role `name`: `ops` it allows, `activities` it may use
 * ("*" for all, or a comma-separated list of activity ids), and whether its
 * people must log in with a second factor.
 */
int gd_role_set(gd_actor *a, const char *name, unsigned ops, const char *activities, bool mfa);

typedef struct gd_role_info {
	const char *name;
	unsigned ops;
	const char *activities;
	bool mfa;
} gd_role_info;
int gd_role_list(gd_actor *a, int (*cb)(void *ud, const gd_role_info *r), void *ud);

enum gd_principal_kind { GD_PRINCIPAL_PERSON = 0, GD_PRINCIPAL_SERVICE = 1, GD_PRINCIPAL_SUPPORT = 2 };

/* A person of the tenant, with a role and a password (GD_PASSWORD_MIN..MAX bytes). */
int gd_user_create(gd_actor *a, const char *name, const char *role, const char *password);
/* A service of the tenant, with a role; it authenticates with API tokens. */
int gd_service_create(gd_actor *a, const char *name, const char *role);
int gd_user_set_password(gd_actor *a, const char *name, const char *password);
/*
 * Enrols a person in TOTP: writes the new secret, base32 (what authenticator
 * apps take), into `out` (at least 64 bytes). Shown once; stored sealed.
 */
int gd_user_totp_enable(gd_actor *a, const char *name, char out[64]);
/* Clears a lockout. */
int gd_principal_unlock(gd_actor *a, const char *name);
/* Disables a principal and revokes its tokens and sessions. */
int gd_principal_disable(gd_actor *a, const char *name);

typedef struct gd_principal_info {
	const char *name;
	enum gd_principal_kind kind;
	const char *role;
	bool totp;
	bool disabled;
	gd_time locked_until;   /* 0: not locked */
} gd_principal_info;
int gd_principal_list(gd_actor *a, int (*cb)(void *ud, const gd_principal_info *p), void *ud);

/*
 * Creates an API token for service (or person) `principal`; 0 `expires_at` means
 * no expiry. The token is written to `out` once and only its hash is kept.
 */
int gd_token_create(gd_actor *a, char out[GD_TOKEN_SIZE], int64_t *out_id,
                    const char *principal, gd_time expires_at);
/* Revokes a token or session of the tenant; GD_ENOTFOUND if none has this id. */
int gd_token_revoke(gd_actor *a, int64_t id);

typedef struct gd_token_info {
	int64_t id;
	const char *principal;
	bool session;
	gd_time created_at, expires_at, last_used;
	bool revoked;
} gd_token_info;
int gd_token_list(gd_actor *a, int (*cb)(void *ud, const gd_token_info *t), void *ud);

/* ---- provider support and grants ---- */

/* Creates a support person of the provider (no tenant). Needs an operator actor. */
int gd_support_create(gd_actor *a, const char *name, const char *password);

/*
 * Grants support person `support` access to the actor's tenant until
 * `expires_at`, for `ops` and `activities` ("*" or a list). Needs GD_OP_ADMIN.
 */
int gd_grant_create(gd_actor *a, int64_t *out_id, const char *support, unsigned ops,
                    const char *activities, gd_time expires_at);
int gd_grant_revoke(gd_actor *a, int64_t id);

typedef struct gd_grant_info {
	int64_t id;
	const char *support;
	unsigned ops;
	const char *activities;
	gd_time created_at, expires_at;
	const char *issued_by;
	bool revoked;
} gd_grant_info;
int gd_grant_list(gd_actor *a, int (*cb)(void *ud, const gd_grant_info *g), void *ud);

/* ---- authentication ---- */

/*
 * Logs a person in: `tenant` (NULL for support staff), name, password and, when
 * required, the current TOTP code. Writes a session token to `out`.
 * GD_EDENIED on wrong credentials (one message whatever was wrong), GD_ESTATE
 * while the principal is locked out. Successes and failures are audited.
 */
int gd_auth_login(gd_vault *v, char out[GD_TOKEN_SIZE], const char *tenant, const char *name,
                  const char *password, const char *totp);
/* Ends a session (or revokes a token) by its value. */
int gd_auth_logout(gd_vault *v, const char *token);

/*
 * Opens an actor from a token or session for `tenant` (NULL: the principal's
 * own). GD_EDENIED when the token is unknown or revoked or the tenant is not
 * the principal's and no grant covers it (audited in both tenants' chains),
 * GD_EEXPIRED when the token, session or grant expired.
 */
int gd_auth_open(gd_actor **out, gd_vault *v, const char *token, const char *tenant);

/*
 * 0 when the actor may do every operation of `ops`; GD_EDENIED otherwise, with
 * the refusal audited under `action`. Operator actors may do everything.
 */
int gd_actor_require(gd_actor *a, unsigned ops, const char *action);

typedef struct gd_actor_info {
	const char *tenant;
	const char *principal;   /* as audited: "user:ana", "svc:billing", "support:bob" */
	const char *role;        /* "" for the operator and for grants */
	unsigned ops;
	const char *activities;
	int64_t grant;           /* support access: the grant used; 0 otherwise */
	bool operator;           /* opened without a token: every right */
	gd_time grant_expires;   /* support access: when the grant ends; 0 otherwise */
} gd_actor_info;
/* Borrowed strings, valid while the actor is open. */
void gd_actor_info_get(const gd_actor *a, gd_actor_info *out);

#endif
