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
	GD_OP_READ = 1 << 0,     /* read records for a purpose */
	GD_OP_WRITE = 1 << 1,    /* create subjects, store and rectify records */
	GD_OP_ERASE = 1 << 2,    /* delete records, erase subjects */
	GD_OP_EXPORT = 1 << 3,   /* export a subject's data */
	GD_OP_REQUESTS = 1 << 4, /* manage data-subject requests and consents */
	GD_OP_REGISTER = 1 << 5, /* manage the register of processing activities */
	GD_OP_AUDIT = 1 << 6,    /* read the audit trail and breach register */
	GD_OP_ADMIN = 1 << 7,    /* manage principals, roles, tokens, grants */
	GD_OP_ALL = 0xff,
};

/*
 * Parses "read,write,erase" (the names of enum gd_op, lowercase, or "all")
 * into a bit set.
 *
 * @param out   receives the bits
 * @param list  comma-separated names
 * @return 0, or GD_EINVAL (empty list, unknown name: the message names it),
 *         GD_ETOOBIG (over 256 bytes). Thread-safe.
 */
int gd_ops_parse(unsigned *out, const char *list);

/*
 * Formats a bit set of operations as "read,write" ("none" for 0).
 *
 * @param out  at least 96 bytes; receives the NUL-terminated text
 * Thread-safe.
 */
void gd_ops_format(char out[96], unsigned ops);

#define GD_TOKEN_SIZE 72 /* "gdt_"/"gds_" + 64 hex + NUL, with room */
#define GD_PASSWORD_MIN 10
#define GD_PASSWORD_MAX 1024

/* ---- settings (vault-wide) ---- */

#define GD_AUTH_SETTINGS_VERSION 1
typedef struct gd_auth_settings {
	unsigned version;
	int max_failures; /* failed logins in a row before a lock (default 5) */
	gd_time lockout;  /* longest lock in seconds (default 900): 1 s, doubling per failure */
	gd_time idle;     /* session idle timeout in seconds (default 900) */
	gd_time absolute; /* session absolute timeout in seconds (default 28800) */
} gd_auth_settings;
#define GD_AUTH_SETTINGS_INIT \
	{ \
		GD_AUTH_SETTINGS_VERSION, 5, 900, 900, 28800 \
	}

/*
 * Reads the vault-wide login settings (defaults when never set).
 *
 * @param out  receives the settings
 * @return 0, or a storage error.
 */
int gd_auth_settings_get(gd_vault *v, gd_auth_settings *out);

/*
 * Changes the vault-wide login settings. They protect every tenant, so only
 * the operator (an actor from gd_actor_open) may change them. Audited in the
 * vault's chain.
 *
 * @param s  the settings (GD_AUTH_SETTINGS_INIT, then the fields)
 * @return 0, or GD_EINVAL (missing, unsupported version, out of range:
 *         failures 1..1000, durations 1 s..1 year), GD_EDENIED (an actor from a
 *         token; refusal audited).
 */
int gd_auth_settings_set(gd_actor *a, const gd_auth_settings *s);

/* ---- roles, principals, tokens (in the actor's tenant; need GD_OP_ADMIN) ---- */

/*
 * Creates or replaces role `name` of the actor's tenant. Audited.
 *
 * @param name        a slug
 * @param ops         the operations it allows (enum gd_op bits)
 * @param activities  "*" for every activity, or activity ids separated by commas
 * @param mfa         whether its people must log in with a second factor
 * @return 0, or GD_EINVAL (bad name, unknown bits, bad activity list),
 *         GD_ETOOBIG (activity list over 4096 bytes), GD_EDENIED (the actor's role lacks GD_OP_ADMIN; refusal audited).
 */
int gd_role_set(gd_actor *a, const char *name, unsigned ops, const char *activities, bool mfa);

typedef struct gd_role_info {
	const char *name;
	unsigned ops;
	const char *activities;
	bool mfa;
} gd_role_info;

/*
 * Calls `cb` for each role of the tenant, by name.
 *
 * @return 0, what `cb` returned, or GD_EDENIED (the actor's role lacks GD_OP_ADMIN; refusal audited).
 */
int gd_role_list(gd_actor *a, int (*cb)(void *ud, const gd_role_info *r), void *ud);

enum gd_principal_kind {
	GD_PRINCIPAL_PERSON = 0,
	GD_PRINCIPAL_SERVICE = 1,
	GD_PRINCIPAL_SUPPORT = 2
};

/*
 * Creates a person of the tenant, with a role and a password (stored as an
 * Argon2id hash). Audited.
 *
 * @param name      a slug, at most 64 bytes
 * @param role      an existing role of the tenant
 * @param password  GD_PASSWORD_MIN..GD_PASSWORD_MAX bytes; wiped by the caller
 * @return 0, or GD_EEXISTS, GD_ENOTFOUND (no such role), GD_EINVAL (bad name,
 *         password too short), GD_ETOOBIG, GD_EDENIED (the actor's role lacks GD_OP_ADMIN; refusal audited).
 */
int gd_user_create(gd_actor *a, const char *name, const char *role, const char *password);

/*
 * Creates a service of the tenant, with a role; it authenticates with API
 * tokens (gd_token_create), never a password. Audited.
 *
 * @return 0, or GD_EEXISTS, GD_ENOTFOUND (no such role), GD_EINVAL (bad name),
 *         GD_EDENIED (the actor's role lacks GD_OP_ADMIN; refusal audited).
 */
int gd_service_create(gd_actor *a, const char *name, const char *role);

/*
 * Replaces a person's password; the old one stops working at once. Audited.
 *
 * @param name      the person
 * @param password  GD_PASSWORD_MIN..GD_PASSWORD_MAX bytes
 * @return 0, or GD_ENOTFOUND (no such person), GD_EINVAL (too short),
 *         GD_ETOOBIG, GD_EDENIED (the actor's role lacks GD_OP_ADMIN; refusal audited).
 */
int gd_user_set_password(gd_actor *a, const char *name, const char *password);

/*
 * Enrols a person in TOTP (RFC 6238, 30-second steps, 6 digits): a new secret
 * replaces any previous one and is stored sealed. From then on the person's
 * logins need a code, each accepted once. Audited.
 *
 * @param name  the person
 * @param out   at least 64 bytes; receives the secret in base32 (what
 *              authenticator apps take). Shown once: wipe it after use.
 * @return 0, or GD_ENOTFOUND (no such person), GD_EDENIED (the actor's role lacks GD_OP_ADMIN; refusal audited).
 */
int gd_user_totp_enable(gd_actor *a, const char *name, char out[64]);

/*
 * Clears a lockout (and the count of failed logins). Audited.
 *
 * @return 0, or GD_ENOTFOUND (no such principal), GD_EDENIED (the actor's role lacks GD_OP_ADMIN; refusal audited).
 */
int gd_principal_unlock(gd_actor *a, const char *name);

/*
 * Disables a principal: it can no longer log in, and its tokens and sessions
 * are revoked. Audited (the disabling and the revocation, one entry each).
 *
 * @return 0, or GD_ENOTFOUND (no such principal), GD_EDENIED (the actor's role lacks GD_OP_ADMIN; refusal audited).
 */
int gd_principal_disable(gd_actor *a, const char *name);

typedef struct gd_principal_info {
	const char *name;
	enum gd_principal_kind kind;
	const char *role;
	bool totp;
	bool disabled;
	gd_time locked_until; /* 0: not locked */
} gd_principal_info;

/*
 * Calls `cb` for each person and service of the tenant, by name.
 *
 * @return 0, what `cb` returned, or GD_EDENIED (the actor's role lacks GD_OP_ADMIN; refusal audited).
 */
int gd_principal_list(gd_actor *a, int (*cb)(void *ud, const gd_principal_info *p), void *ud);

/*
 * Creates an API token for a service (or person) of the tenant. The token is
 * written once to `out`; only its hash is kept. Audited.
 *
 * @param out         receives the token ("gdt_" + 64 hex): secret, wipe it after use
 * @param out_id      receives its id, for gd_token_revoke (may be NULL)
 * @param principal   the service or person
 * @param expires_at  0: no expiry; otherwise a time in the future
 * @return 0, or GD_ENOTFOUND (no such principal), GD_EINVAL (expiry in the
 *         past, bad name), GD_EDENIED (the actor's role lacks GD_OP_ADMIN; refusal audited).
 */
int gd_token_create(gd_actor *a, char out[GD_TOKEN_SIZE], int64_t *out_id,
                    const char *principal, gd_time expires_at);

/*
 * Revokes a token or session of the tenant by its id; it stops working at
 * once. Audited.
 *
 * @return 0, or GD_ENOTFOUND (no token of the tenant has this id), GD_EDENIED (the actor's role lacks GD_OP_ADMIN; refusal audited).
 */
int gd_token_revoke(gd_actor *a, int64_t id);

typedef struct gd_token_info {
	int64_t id;
	const char *principal;
	bool session;
	gd_time created_at, expires_at, last_used;
	bool revoked;
} gd_token_info;

/*
 * Calls `cb` for each token and session of the tenant (revoked and expired
 * ones included), by id; never the token itself.
 *
 * @return 0, what `cb` returned, or GD_EDENIED (the actor's role lacks GD_OP_ADMIN; refusal audited).
 */
int gd_token_list(gd_actor *a, int (*cb)(void *ud, const gd_token_info *t), void *ud);

/* ---- provider support and grants ---- */

/*
 * Creates a support person of the provider, of no tenant: they log in with
 * a NULL tenant and reach a tenant only under its grant. Only the operator may
 * create them. Audited in the vault's chain.
 *
 * @param name      a slug
 * @param password  GD_PASSWORD_MIN..GD_PASSWORD_MAX bytes
 * @return 0, or GD_EEXISTS, GD_EINVAL (bad name, no or short password),
 *         GD_EDENIED (an actor from a token; refusal audited).
 */
int gd_support_create(gd_actor *a, const char *name, const char *password);

/*
 * Grants support person `support` access to the actor's tenant until
 * `expires_at`, for `ops` and `activities`. Audited.
 *
 * @param out_id      receives the grant's id (may be NULL)
 * @param support     the support person
 * @param ops         the operations allowed (at least one)
 * @param activities  "*" or activity ids separated by commas
 * @param expires_at  a time in the future
 * @return 0, or GD_ENOTFOUND (no such support person), GD_EINVAL (no operation,
 *         expiry not in the future, bad activity list), GD_EDENIED (no
 *         GD_OP_ADMIN, or the actor is support staff: the tenant's admin
 *         issues grants).
 */
int gd_grant_create(gd_actor *a, int64_t *out_id, const char *support, unsigned ops,
                    const char *activities, gd_time expires_at);

/*
 * Revokes a grant; actors opened under it keep working until closed, new ones
 * are refused. Audited.
 *
 * @return 0, or GD_ENOTFOUND (no grant of the tenant has this id), GD_EDENIED (the actor's role lacks GD_OP_ADMIN; refusal audited).
 */
int gd_grant_revoke(gd_actor *a, int64_t id);

/*
 * The longest a grant of the actor's tenant may last (gd_grant_create refuses
 * an expiry after now + this): GD_GRANT_MAX_DEFAULT unless the operator set
 * another, from 1 hour to GD_GRANT_MAX_LIMIT.
 *
 * @return 0, or GD_EINVAL (out of range), GD_EDENIED (set: not the operator;
 *         refusal audited).
 */
#define GD_GRANT_MAX_DEFAULT (7 * 86400)
#define GD_GRANT_MAX_LIMIT (366 * 86400)
int gd_grant_max_get(gd_actor *a, gd_time *out);
int gd_grant_max_set(gd_actor *a, gd_time seconds);

typedef struct gd_grant_info {
	int64_t id;
	const char *support;
	unsigned ops;
	const char *activities;
	gd_time created_at, expires_at;
	const char *issued_by;
	bool revoked;
} gd_grant_info;

/*
 * Calls `cb` for each grant of the tenant (revoked and expired included).
 *
 * @return 0, what `cb` returned, or GD_EDENIED (the actor's role lacks GD_OP_ADMIN; refusal audited).
 */
int gd_grant_list(gd_actor *a, int (*cb)(void *ud, const gd_grant_info *g), void *ud);

/* ---- authentication ---- */

/*
 * Logs a person in and writes a new session token (idle and absolute timeouts
 * of gd_auth_settings). Every attempt costs one Argon2id verification, whether
 * or not the name exists, and is audited. `max_failures` failures in a row lock
 * the principal (audited as "auth.lockout"): 1 s, doubling with each further
 * failure, at most `lockout` seconds. A locked principal is answered exactly
 * like wrong credentials, so an answer never tells whether a name exists, and
 * a person with TOTP enrolled still logs in with the password and a valid code.
 *
 * @param v         the vault
 * @param out       receives the session token: secret, wipe it after use
 * @param tenant    the person's tenant; NULL for support staff
 * @param name      the person
 * @param password  at most GD_PASSWORD_MAX bytes
 * @param totp      the current TOTP code when enrolled (6 digits), else NULL
 * @return 0, or GD_EDENIED (wrong tenant, name, password or second factor, a
 *         disabled principal, a service, a role requiring a second factor none
 *         is enrolled for, a lock: one message whatever was wrong),
 *         GD_EINVAL (no password).
 */
int gd_auth_login(gd_vault *v, char out[GD_TOKEN_SIZE], const char *tenant, const char *name,
                  const char *password, const char *totp);

/*
 * gd_auth_login that succeeds only with a verified TOTP code: the server's
 * answer to a name it throttles after failed logins.
 *
 * @return as gd_auth_login; GD_EDENIED too for a person without TOTP.
 */
int gd_auth_login_2fa(gd_vault *v, char out[GD_TOKEN_SIZE], const char *tenant, const char *name,
                      const char *password, const char *totp);

/*
 * Ends a session (or revokes a token) given by its value. Audited.
 *
 * @param token  the session or token
 * @return 0, or GD_EDENIED (not a gardien token, unknown, already revoked).
 */
int gd_auth_logout(gd_vault *v, const char *token);

/*
 * Opens an actor from a token or session, limited by the principal's role (or,
 * for support staff, by a grant of the tenant). Records when a token was last
 * used; each support access is audited in the tenant's chain.
 *
 * @param out     receives the actor, to close with gd_actor_close (NULL on error)
 * @param token   the token or session
 * @param tenant  the tenant to act on; NULL: the principal's own (support staff
 *                must name one)
 * @return 0, or GD_EDENIED (unknown, mistyped or revoked token, disabled
 *         principal, another tenant's principal, no live grant: refusals across
 *         tenants are audited in both chains), GD_EEXPIRED (the token, the
 *         session, its idle time or the grant expired), GD_EINVAL (support
 *         staff without a tenant), GD_ENOTFOUND (the token's tenant is gone).
 */
int gd_auth_open(gd_actor **out, gd_vault *v, const char *token, const char *tenant);

/*
 * Checks that the actor may do every operation of `ops`; the refusal is
 * audited under `action`. Operator actors may do everything. The shells call it
 * before operations that do not check the role themselves.
 *
 * @param ops     enum gd_op bits
 * @param action  the action name for the audit entry ("subject.erase")
 * @return 0, or GD_EDENIED (the message names the role or grant and what it
 *         lacks).
 */
int gd_actor_require(gd_actor *a, unsigned ops, const char *action);

typedef struct gd_actor_info {
	const char *tenant;
	const char *principal; /* as audited: "user:ana", "svc:billing", "support:bob" */
	const char *role;      /* "" for the operator and for grants */
	unsigned ops;
	const char *activities;
	int64_t grant;         /* support access: the grant used; 0 otherwise */
	bool operator;         /* opened without a token: every right */
	gd_time grant_expires; /* support access: when the grant ends; 0 otherwise */
} gd_actor_info;

/*
 * Describes an actor: tenant, principal, role, rights.
 *
 * @param out  receives borrowed strings, valid while the actor is open
 * Does not touch the vault.
 */
void gd_actor_info_get(const gd_actor *a, gd_actor_info *out);

#endif
