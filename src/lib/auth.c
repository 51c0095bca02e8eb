/*
 * auth.c — principals, passwords, TOTP, tokens, sessions, roles and support
 * grants (include/gardien/auth.h).
 *
 * Invariants:
 *  - no secret is stored in clear: passwords are Argon2id strings, TOTP secrets
 *    are sealed under a key derived from the master key, tokens are kept as
 *    their BLAKE2b-256 hash and shown once;
 *  - a token is looked up by its hash and the stored hash is compared again in
 *    constant time; a login for an unknown name costs the same Argon2id work as
 *    one for a known name and fails with the same message;
 *  - an actor opened from a token carries a struct gd__authz; policy.c refuses
 *    what its role (or grant) does not allow. Actors opened with gd_actor_open
 *    (the operator holding the master key) carry none and may do everything;
 *  - every management operation, login, failed login, lockout, support access
 *    and refused cross-tenant access is audited in the operation that makes it.
 */
#include <liboath/oath.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gardien/auth.h"
#include "lib/auth.h"
#include "lib/internal.h"

#define TOKEN_RAW 32
#define TOKEN_LEN (4 + 2 * TOKEN_RAW)
#define TOTP_RAW 20
#define TOUCH_EVERY 60 /* seconds between last_used updates of a token */

static const char *const op_names[] = {"read",     "write",    "erase", "export",
                                       "requests", "register", "audit", "admin"};

int gd_ops_parse(unsigned *out, const char *list)
{
	unsigned ops = 0;
	*out = 0;
	if (!list || !*list)
		return gd__err(GD_EINVAL, "operation list is empty: give e.g. read,write or all");
	if (strlen(list) > 256)
		return gd__err(GD_ETOOBIG, "operation list is longer than 256 bytes");
	const char *p = list;
	while (*p) {
		size_t n = strcspn(p, ",");
		bool found = false;
		if (n == 3 && strncmp(p, "all", 3) == 0)
			ops |= GD_OP_ALL, found = true;
		for (size_t i = 0; !found && i < sizeof op_names / sizeof *op_names; i++)
			if (strlen(op_names[i]) == n && strncmp(p, op_names[i], n) == 0)
				ops |= 1u << i, found = true;
		if (!found)
			return gd__err(GD_EINVAL,
			               "unknown operation \"%.*s\": use read, write, erase, export, requests, register, audit, admin or all",
			               (int)(n > 32 ? 32 : n), p);
		p += n;
		if (*p == ',')
			p++;
	}
	*out = ops;
	return 0;
}

void gd_ops_format(char out[96], unsigned ops)
{
	size_t len = 0;
	out[0] = 0;
	for (size_t i = 0; i < sizeof op_names / sizeof *op_names; i++)
		if (ops & (1u << i))
			len += (size_t)snprintf(out + len, 96 - len, "%s%s", len ? "," : "", op_names[i]);
	if (!len)
		snprintf(out, 96, "none");
}

/* ---- helpers ---- */

/* "*" or a comma-separated list of names. */
static int check_activities(const char *s)
{
	if (!s || !*s)
		return gd__err(GD_EINVAL, "activity list is empty: give \"*\" or activity ids separated by commas");
	if (strlen(s) > 4096)
		return gd__err(GD_ETOOBIG, "activity list is longer than 4096 bytes");
	if (strcmp(s, "*") == 0)
		return 0;
	for (const char *p = s; *p;) {
		size_t n = strcspn(p, ",");
		char name[GD_NAME_MAX + 1];
		if (n == 0 || n > GD_NAME_MAX)
			return gd__err(GD_EINVAL, "activity list has an empty or overlong entry");
		memcpy(name, p, n);
		name[n] = 0;
		int rc = gd__check_name(name, "activity");
		if (rc < 0)
			return rc;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

static bool activity_allowed(const char *list, const char *activity)
{
	if (strcmp(list, "*") == 0)
		return true;
	size_t na = strlen(activity);
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		if (n == na && strncmp(p, activity, n) == 0)
			return true;
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}

static int check_principal_name(const char *name)
{
	int rc = gd__check_name(name, "principal name");
	if (rc == 0 && strlen(name) > 64)
		rc = gd__err(GD_ETOOBIG, "principal name is longer than 64 bytes");
	return rc;
}

static int check_password(const char *pw)
{
	if (!pw)
		return gd__err(GD_EINVAL, "password is missing");
	size_t n = strlen(pw);
	if (n < GD_PASSWORD_MIN)
		return gd__err(GD_EINVAL, "password is shorter than %d characters: choose a longer one",
		               GD_PASSWORD_MIN);
	if (n > GD_PASSWORD_MAX)
		return gd__err(GD_ETOOBIG, "password is longer than %d bytes", GD_PASSWORD_MAX);
	return 0;
}

static int require_admin(gd_actor *a, const char *action)
{
	return gd_actor_require(a, GD_OP_ADMIN, action);
}

static int require_operator(gd_actor *a, const char *action)
{
	if (!a->authz)
		return 0;
	gd__audit_denied(a, &(struct gd__audit_event){.action = action, .outcome = GD__DENIED,
	                                                  .reason = "needs the operator (master key holder)"});
	return gd__err(GD_EDENIED, "%s needs the operator who holds the master key (gardien CLI)", action);
}

static int tenant_id_of(gd_vault *v, int64_t *out, const char *tenant)
{
	int rc = gd__db_int(v->store, out, "SELECT id FROM tenants WHERE name = ?", "t", tenant);
	if (rc == GD_ENOTFOUND)
		rc = gd__err(GD_ENOTFOUND, "no tenant \"%.64s\" in this vault", tenant);
	return rc;
}

static int principal_id_of(gd_actor *a, int64_t *out, int64_t tenant_id, const char *name)
{
	int rc = gd__db_int(a->v->store, out,
	                    "SELECT id FROM auth_principals WHERE tenant_id = ? AND name = ?", "it",
	                    tenant_id, name);
	if (rc == GD_ENOTFOUND)
		rc = gd__err(GD_ENOTFOUND, "no principal \"%s\" in %s", name,
		             tenant_id ? a->tenant : "the provider's support staff");
	return rc;
}

static void token_hash(unsigned char out[GD__HASH_SIZE], const char *token)
{
	gd__hash_state h;
	gd__hash_init(&h);
	gd__hash_update(&h, token, strlen(token));
	gd__hash_final(&h, out);
}

static int check_token_format(const char *t)
{
	if (!t || strlen(t) != TOKEN_LEN || (strncmp(t, "gdt_", 4) != 0 && strncmp(t, "gds_", 4) != 0) ||
	    strspn(t + 4, "0123456789abcdef") != 2 * TOKEN_RAW)
		return gd__err(GD_EDENIED, "the token is not a gardien token (gdt_… or gds_… with 64 hex digits)");
	return 0;
}

/* A new token: written to `out`, its hash stored for `principal_id`. Inside an operation. */
static int token_insert(gd_vault *v, char out[GD_TOKEN_SIZE], int64_t *out_id, int64_t principal_id,
                        bool session, gd_time expires_at)
{
	unsigned char raw[TOKEN_RAW], hash[GD__HASH_SIZE];
	char tok[TOKEN_LEN + 1];
	gd__random(raw, sizeof raw);
	memcpy(tok, session ? "gds_" : "gdt_", 4);
	gd__hex(tok + 4, raw, sizeof raw);
	gd__wipe(raw, sizeof raw);
	token_hash(hash, tok);
	gd_time now = gd_vault_now(v);
	int rc = gd__db_exec(v->store,
	                     "INSERT INTO auth_tokens (principal_id, hash, session, created_at, expires_at, last_used)"
	                     " VALUES (?, ?, ?, ?, ?, ?)",
	                     "ibiiii", principal_id, hash, sizeof hash, (int64_t)session, (int64_t)now,
	                     (int64_t)expires_at, (int64_t)now);
	if (rc == 0 && out_id)
		rc = gd__db_int(v->store, out_id, "SELECT id FROM auth_tokens WHERE hash = ?", "b", hash,
		                sizeof hash);
	if (rc == 0)
		memcpy(out, tok, TOKEN_LEN + 1);
	gd__wipe(tok, sizeof tok);
	return rc;
}

/* ---- settings ---- */

int gd_auth_settings_get(gd_vault *v, gd_auth_settings *out)
{
	*out = (gd_auth_settings)GD_AUTH_SETTINGS_INIT;
	gd__stmt *st;
	int rc = gd__db_query(v->store, &st, "SELECT key, value FROM auth_settings", NULL);
	if (rc < 0)
		return rc;
	while ((rc = gd__db_step(v->store, st)) == 1) {
		const char *k = gd__col_text(v->store, st, 0);
		int64_t x = gd__col_int(v->store, st, 1);
		if (strcmp(k, "max_failures") == 0)
			out->max_failures = (int)x;
		else if (strcmp(k, "lockout") == 0)
			out->lockout = x;
		else if (strcmp(k, "idle") == 0)
			out->idle = x;
		else if (strcmp(k, "absolute") == 0)
			out->absolute = x;
	}
	gd__db_reset(v->store, st);
	return rc;
}

int gd_auth_settings_set(gd_actor *a, const gd_auth_settings *s)
{
	int rc;
	if (!s || s->version != GD_AUTH_SETTINGS_VERSION)
		return gd__err(GD_EINVAL, "gd_auth_settings is missing or of an unsupported version");
	if (s->max_failures < 1 || s->max_failures > 1000 || s->lockout < 1 || s->idle < 1 ||
	    s->absolute < 1 || s->lockout > 31536000 || s->idle > 31536000 || s->absolute > 31536000)
		return gd__err(GD_EINVAL, "auth settings out of range: failures 1..1000, durations 1 s..1 year");
	if ((rc = require_operator(a, "auth.settings")) < 0)
		return rc;
	if ((rc = gd__op_begin(a->v)) < 0)
		return rc;
	const char *keys[] = {"max_failures", "lockout", "idle", "absolute"};
	int64_t vals[] = {s->max_failures, s->lockout, s->idle, s->absolute};
	for (int i = 0; rc == 0 && i < 4; i++)
		rc = gd__db_exec(a->v->store, "INSERT OR REPLACE INTO auth_settings (key, value) VALUES (?, ?)",
		                 "ti", keys[i], vals[i]);
	if (rc == 0)
		rc = gd__audit_append(a->v, 0, a->principal, &(struct gd__audit_event){.action = "auth.settings"});
	return gd__op_end(a->v, rc);
}

/* ---- roles ---- */

int gd_role_set(gd_actor *a, const char *name, unsigned ops, const char *activities, bool mfa)
{
	int rc;
	if ((rc = gd__check_name(name, "role name")) < 0 || (rc = check_activities(activities)) < 0)
		return rc;
	if (ops & ~(unsigned)GD_OP_ALL)
		return gd__err(GD_EINVAL, "unknown operation bits 0x%x", ops);
	if ((rc = require_admin(a, "auth.role.set")) < 0)
		return rc;
	if ((rc = gd__op_begin(a->v)) < 0)
		return rc;
	rc = gd__db_exec(a->v->store,
	                 "INSERT INTO auth_roles (tenant_id, name, ops, activities, mfa) VALUES (?, ?, ?, ?, ?)"
	                 " ON CONFLICT (tenant_id, name) DO UPDATE SET ops = excluded.ops,"
	                 " activities = excluded.activities, mfa = excluded.mfa",
	                 "ititi", a->tenant_id, name, (int64_t)ops, activities, (int64_t)mfa);
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "auth.role.set", .reason = name});
	return gd__op_end(a->v, rc);
}

int gd_role_list(gd_actor *a, int (*cb)(void *ud, const gd_role_info *r), void *ud)
{
	gd__stmt *st;
	int rc = require_admin(a, "auth.role.list");
	if (rc < 0)
		return rc;
	rc = gd__db_query(a->v->store, &st,
	                  "SELECT name, ops, activities, mfa FROM auth_roles WHERE tenant_id = ? ORDER BY name",
	                  "i", a->tenant_id);
	if (rc < 0)
		return rc;
	while ((rc = gd__db_step(a->v->store, st)) == 1) {
		gd_role_info r = {gd__col_text(a->v->store, st, 0), (unsigned)gd__col_int(a->v->store, st, 1),
		                  gd__col_text(a->v->store, st, 2), gd__col_int(a->v->store, st, 3) != 0};
		if ((rc = cb(ud, &r)) != 0)
			break;
	}
	gd__db_reset(a->v->store, st);
	return rc;
}

/* ---- principals ---- */

static int principal_insert(gd_actor *a, int64_t tenant_id, const char *name, int kind,
                            const char *role, const char *password, const char *action)
{
	char hash[GD__PWHASH_SIZE] = "";
	int64_t role_id = 0;
	int rc;
	if ((rc = check_principal_name(name)) < 0)
		return rc;
	if (password && (rc = check_password(password)) < 0)
		return rc;
	if (password && (rc = gd__pwhash(hash, password, strlen(password))) < 0)
		return rc;
	if ((rc = gd__op_begin(a->v)) < 0)
		return rc;
	if (role) {
		rc = gd__db_int(a->v->store, &role_id,
		                "SELECT id FROM auth_roles WHERE tenant_id = ? AND name = ?", "it",
		                a->tenant_id, role);
		if (rc == GD_ENOTFOUND)
			rc = gd__err(GD_ENOTFOUND, "no role \"%.64s\" in tenant %s: create it with 'gardien role set'",
			             role, a->tenant);
	}
	if (rc == 0)
		rc = gd__db_exec(a->v->store,
		                 "INSERT INTO auth_principals (tenant_id, name, kind, role_id, pwhash, created_at)"
		                 " VALUES (?, ?, ?, ?, ?, ?)",
		                 "itiiti", tenant_id, name, (int64_t)kind, role_id, password ? hash : NULL,
		                 (int64_t)gd_vault_now(a->v));
	if (rc == GD_EEXISTS)
		rc = gd__err(GD_EEXISTS, "principal \"%s\" already exists", name);
	if (rc == 0)
		rc = gd__audit_append(a->v, tenant_id ? a->tenant_id : 0, a->principal,
		                      &(struct gd__audit_event){.action = action, .reason = name});
	gd__wipe(hash, sizeof hash);
	return gd__op_end(a->v, rc);
}

int gd_user_create(gd_actor *a, const char *name, const char *role, const char *password)
{
	int rc = gd__check_name(role, "role");
	if (rc == 0)
		rc = require_admin(a, "auth.user.create");
	return rc < 0 ? rc : principal_insert(a, a->tenant_id, name, GD_PRINCIPAL_PERSON, role, password, "auth.user.create");
}

int gd_service_create(gd_actor *a, const char *name, const char *role)
{
	int rc = gd__check_name(role, "role");
	if (rc == 0)
		rc = require_admin(a, "auth.service.create");
	return rc < 0 ? rc : principal_insert(a, a->tenant_id, name, GD_PRINCIPAL_SERVICE, role, NULL, "auth.service.create");
}

int gd_support_create(gd_actor *a, const char *name, const char *password)
{
	int rc = require_operator(a, "auth.support.create");
	if (rc == 0 && !password)
		rc = gd__err(GD_EINVAL, "support staff need a password");
	return rc < 0 ? rc : principal_insert(a, 0, name, GD_PRINCIPAL_SUPPORT, NULL, password, "auth.support.create");
}

/* Runs `sql` (bound "i" principal id, plus `extra`) on a principal of the tenant, audited. */
static int principal_update(gd_actor *a, const char *name, const char *action, const char *sql,
                            const char *types, const void *blob, size_t n)
{
	int64_t id;
	int rc;
	if ((rc = check_principal_name(name)) < 0 || (rc = require_admin(a, action)) < 0)
		return rc;
	if ((rc = gd__op_begin(a->v)) < 0)
		return rc;
	if ((rc = principal_id_of(a, &id, a->tenant_id, name)) < 0)
		goto done;
	if (strcmp(types, "i") == 0)
		rc = gd__db_exec(a->v->store, sql, "i", id);
	else if (strcmp(types, "ti") == 0)
		rc = gd__db_exec(a->v->store, sql, "ti", (const char *)blob, id);
	else
		rc = gd__db_exec(a->v->store, sql, "bi", blob, n, id);
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){.action = action, .reason = name});
done:
	return gd__op_end(a->v, rc);
}

int gd_user_set_password(gd_actor *a, const char *name, const char *password)
{
	char hash[GD__PWHASH_SIZE];
	int rc = check_password(password);
	if (rc == 0)
		rc = gd__pwhash(hash, password, strlen(password));
	if (rc == 0)
		rc = principal_update(a, name, "auth.user.password",
		                      "UPDATE auth_principals SET pwhash = ?, failures = 0, locked_until = 0"
		                      " WHERE id = ? AND kind = 0",
		                      "ti", hash, 0);
	gd__wipe(hash, sizeof hash);
	return rc;
}

static void totp_key(gd_vault *v, unsigned char key[GD__KEY_SIZE])
{
	gd__keyring_current(v->ring, GD__K_TOTP, key);
}

static pthread_once_t oath_once = PTHREAD_ONCE_INIT;
static void oath_start(void)
{
	oath_init();
}

int gd_user_totp_enable(gd_actor *a, const char *name, char out[64])
{
	unsigned char raw[TOTP_RAW], sealed[TOTP_RAW + GD__SEAL_OVERHEAD], *key;
	char *b32 = NULL;
	size_t b32n = 0;
	int rc;
	pthread_once(&oath_once, oath_start);
	if (!(key = gd__secure_alloc(GD__KEY_SIZE)))
		return gd__err(GD_ENOMEM, "out of secure memory");
	gd__random(raw, sizeof raw);
	totp_key(a->v, key);
	gd__seal(sealed, key, raw, sizeof raw, "gardien totp v1", 15);
	if (oath_base32_encode((const char *)raw, sizeof raw, &b32, &b32n) != OATH_OK || b32n >= 64) {
		rc = gd__err(GD_ENOMEM, "cannot encode the TOTP secret");
		goto done;
	}
	rc = principal_update(a, name, "auth.user.totp",
	                      "UPDATE auth_principals SET totp = ?, totp_step = 0 WHERE id = ? AND kind = 0", "bi",
	                      sealed, sizeof sealed);
	if (rc == 0)
		memcpy(out, b32, b32n + 1);
done:
	if (b32) {
		gd__wipe(b32, b32n);
		free(b32);
	}
	gd__wipe(raw, sizeof raw);
	gd__secure_free(key);
	return rc;
}

int gd_principal_unlock(gd_actor *a, const char *name)
{
	return principal_update(a, name, "auth.unlock",
	                        "UPDATE auth_principals SET failures = 0, locked_until = 0 WHERE id = ?", "i",
	                        NULL, 0);
}

int gd_principal_disable(gd_actor *a, const char *name)
{
	int rc = principal_update(a, name, "auth.disable",
	                          "UPDATE auth_principals SET disabled = 1 WHERE id = ?", "i", NULL, 0);
	if (rc < 0)
		return rc;
	return principal_update(a, name, "auth.token.revoke",
	                        "UPDATE auth_tokens SET revoked = 1 WHERE principal_id = ?", "i", NULL, 0);
}

int gd_principal_list(gd_actor *a, int (*cb)(void *ud, const gd_principal_info *p), void *ud)
{
	gd__stmt *st;
	int rc = require_admin(a, "auth.principal.list");
	if (rc < 0)
		return rc;
	rc = gd__db_query(a->v->store, &st,
	                  "SELECT p.name, p.kind, coalesce(r.name, ''), p.totp IS NOT NULL, p.disabled,"
	                  " p.locked_until FROM auth_principals p LEFT JOIN auth_roles r ON r.id = p.role_id"
	                  " WHERE p.tenant_id = ? ORDER BY p.name",
	                  "i", a->tenant_id);
	if (rc < 0)
		return rc;
	gd__store *s = a->v->store;
	gd_time now = gd_vault_now(a->v);
	while ((rc = gd__db_step(s, st)) == 1) {
		gd_time until = gd__col_int(s, st, 5);
		gd_principal_info p = {gd__col_text(s, st, 0), (enum gd_principal_kind)gd__col_int(s, st, 1),
		                       gd__col_text(s, st, 2), gd__col_int(s, st, 3) != 0,
		                       gd__col_int(s, st, 4) != 0, until > now ? until : 0};
		if ((rc = cb(ud, &p)) != 0)
			break;
	}
	gd__db_reset(s, st);
	return rc;
}

/* ---- tokens ---- */

int gd_token_create(gd_actor *a, char out[GD_TOKEN_SIZE], int64_t *out_id, const char *principal,
                    gd_time expires_at)
{
	int64_t pid, id = 0;
	int rc;
	if ((rc = check_principal_name(principal)) < 0 || (rc = require_admin(a, "auth.token.create")) < 0)
		return rc;
	if (expires_at && expires_at <= gd_vault_now(a->v))
		return gd__err(GD_EINVAL, "token expiry is in the past: give a later time");
	if ((rc = gd__op_begin(a->v)) < 0)
		return rc;
	if ((rc = principal_id_of(a, &pid, a->tenant_id, principal)) < 0)
		goto done;
	if ((rc = token_insert(a->v, out, &id, pid, false, expires_at)) < 0)
		goto done;
	char why[96];
	snprintf(why, sizeof why, "token %lld for %s", (long long)id, principal);
	rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "auth.token.create", .reason = why});
done:
	rc = gd__op_end(a->v, rc);
	if (rc == 0 && out_id)
		*out_id = id;
	if (rc < 0)
		gd__wipe(out, GD_TOKEN_SIZE);
	return rc;
}

int gd_token_revoke(gd_actor *a, int64_t id)
{
	int rc = require_admin(a, "auth.token.revoke");
	if (rc < 0)
		return rc;
	if ((rc = gd__op_begin(a->v)) < 0)
		return rc;
	rc = gd__db_exec(a->v->store,
	                 "UPDATE auth_tokens SET revoked = 1 WHERE id = ? AND principal_id IN"
	                 " (SELECT id FROM auth_principals WHERE tenant_id = ?)",
	                 "ii", id, a->tenant_id);
	if (rc == 0 && gd__db_changes(a->v->store) == 0)
		rc = gd__err(GD_ENOTFOUND, "no token %lld in tenant %s", (long long)id, a->tenant);
	char why[48];
	snprintf(why, sizeof why, "token %lld", (long long)id);
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "auth.token.revoke", .reason = why});
	return gd__op_end(a->v, rc);
}

int gd_token_list(gd_actor *a, int (*cb)(void *ud, const gd_token_info *t), void *ud)
{
	gd__stmt *st;
	int rc = require_admin(a, "auth.token.list");
	if (rc < 0)
		return rc;
	gd__store *s = a->v->store;
	rc = gd__db_query(s, &st,
	                  "SELECT t.id, p.name, t.session, t.created_at, t.expires_at, t.last_used, t.revoked"
	                  " FROM auth_tokens t JOIN auth_principals p ON p.id = t.principal_id"
	                  " WHERE p.tenant_id = ? ORDER BY t.id",
	                  "i", a->tenant_id);
	if (rc < 0)
		return rc;
	while ((rc = gd__db_step(s, st)) == 1) {
		gd_token_info t = {gd__col_int(s, st, 0), gd__col_text(s, st, 1), gd__col_int(s, st, 2) != 0,
		                   gd__col_int(s, st, 3), gd__col_int(s, st, 4), gd__col_int(s, st, 5),
		                   gd__col_int(s, st, 6) != 0};
		if ((rc = cb(ud, &t)) != 0)
			break;
	}
	gd__db_reset(s, st);
	return rc;
}

/* ---- grants ---- */

int gd_grant_create(gd_actor *a, int64_t *out_id, const char *support, unsigned ops,
                    const char *activities, gd_time expires_at)
{
	int64_t pid, id = 0;
	int rc;
	if ((rc = check_principal_name(support)) < 0 || (rc = check_activities(activities)) < 0)
		return rc;
	if (!ops || (ops & ~(unsigned)GD_OP_ALL))
		return gd__err(GD_EINVAL, "a grant needs at least one operation");
	if (expires_at <= gd_vault_now(a->v))
		return gd__err(GD_EINVAL, "a grant needs an expiry in the future (--until TIME)");
	if ((rc = require_admin(a, "auth.grant.create")) < 0)
		return rc;
	if (a->authz && a->authz->grant_id)
		return gd__err(GD_EDENIED, "support staff cannot issue grants: the tenant's admin does");
	if ((rc = gd__op_begin(a->v)) < 0)
		return rc;
	if ((rc = principal_id_of(a, &pid, 0, support)) < 0)
		goto done;
	rc = gd__db_exec(a->v->store,
	                 "INSERT INTO auth_grants (tenant_id, principal_id, ops, activities, created_at,"
	                 " expires_at, issued_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
	                 "iiitiit", a->tenant_id, pid, (int64_t)ops, activities,
	                 (int64_t)gd_vault_now(a->v), (int64_t)expires_at, a->principal);
	if (rc == 0)
		rc = gd__db_int(a->v->store, &id, "SELECT max(id) FROM auth_grants", NULL);
	char why[128];
	snprintf(why, sizeof why, "grant %lld to support:%s", (long long)id, support);
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "auth.grant.create", .reason = why});
done:
	rc = gd__op_end(a->v, rc);
	if (rc == 0 && out_id)
		*out_id = id;
	return rc;
}

int gd_grant_revoke(gd_actor *a, int64_t id)
{
	int rc = require_admin(a, "auth.grant.revoke");
	if (rc < 0)
		return rc;
	if ((rc = gd__op_begin(a->v)) < 0)
		return rc;
	rc = gd__db_exec(a->v->store, "UPDATE auth_grants SET revoked = 1 WHERE id = ? AND tenant_id = ?",
	                 "ii", id, a->tenant_id);
	if (rc == 0 && gd__db_changes(a->v->store) == 0)
		rc = gd__err(GD_ENOTFOUND, "no grant %lld in tenant %s", (long long)id, a->tenant);
	char why[48];
	snprintf(why, sizeof why, "grant %lld", (long long)id);
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "auth.grant.revoke", .reason = why});
	return gd__op_end(a->v, rc);
}

int gd_grant_list(gd_actor *a, int (*cb)(void *ud, const gd_grant_info *g), void *ud)
{
	gd__stmt *st;
	int rc = require_admin(a, "auth.grant.list");
	if (rc < 0)
		return rc;
	gd__store *s = a->v->store;
	rc = gd__db_query(s, &st,
	                  "SELECT g.id, p.name, g.ops, g.activities, g.created_at, g.expires_at, g.issued_by,"
	                  " g.revoked FROM auth_grants g JOIN auth_principals p ON p.id = g.principal_id"
	                  " WHERE g.tenant_id = ? ORDER BY g.id",
	                  "i", a->tenant_id);
	if (rc < 0)
		return rc;
	while ((rc = gd__db_step(s, st)) == 1) {
		gd_grant_info g = {gd__col_int(s, st, 0), gd__col_text(s, st, 1),
		                   (unsigned)gd__col_int(s, st, 2), gd__col_text(s, st, 3),
		                   gd__col_int(s, st, 4), gd__col_int(s, st, 5), gd__col_text(s, st, 6),
		                   gd__col_int(s, st, 7) != 0};
		if ((rc = cb(ud, &g)) != 0)
			break;
	}
	gd__db_reset(s, st);
	return rc;
}

/* ---- login ---- */

/* An Argon2id string of a random password, so unknown names cost a real verification. */
static char dummy_hash[GD__PWHASH_SIZE];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static void make_dummy(void)
{
	unsigned char pw[16];
	gd__random(pw, sizeof pw);
	if (gd__pwhash(dummy_hash, (const char *)pw, sizeof pw) < 0)
		dummy_hash[0] = 0;
}

/*
 * 0 when `code` is the TOTP of the sealed secret for a time step after
 * `last_step` (a code is accepted once: no replay); its step goes to `*step`.
 */
static int totp_check(gd_vault *v, const void *sealed, size_t n, const char *code, int64_t last_step,
                      int64_t *step)
{
	unsigned char raw[TOTP_RAW], *key;
	int rc = GD_EDENIED;
	pthread_once(&oath_once, oath_start);
	if (!code || strlen(code) != 6 || strspn(code, "0123456789") != 6)
		return GD_EDENIED;
	if (n != sizeof raw + GD__SEAL_OVERHEAD)
		return gd__err(GD_ECORRUPT, "a stored TOTP secret is damaged");
	if (!(key = gd__secure_alloc(GD__KEY_SIZE)))
		return gd__err(GD_ENOMEM, "out of secure memory");
	totp_key(v, key);
	if (gd__open(raw, key, sealed, n, "gardien totp v1", 15) < 0)
		rc = gd__err(GD_ECORRUPT, "a stored TOTP secret failed authentication");
	else {
		int pos = 0;
		uint64_t counter = 0;
		if (oath_totp_validate3((const char *)raw, sizeof raw, (time_t)gd_vault_now(v), 30, 0, 1, &pos,
		                        &counter, code) >= 0 &&
		    (int64_t)counter > last_step)
			rc = 0, *step = (int64_t)counter;
	}
	gd__wipe(raw, sizeof raw);
	gd__secure_free(key);
	return rc;
}

static const char bad_login[] = "wrong tenant, name, password or second factor";

int gd_auth_login(gd_vault *v, char out[GD_TOKEN_SIZE], const char *tenant, const char *name,
                  const char *password, const char *totp)
{
	int64_t tid = 0, pid = 0;
	char hash[GD__PWHASH_SIZE] = "", label[GD_NAME_MAX + 1];
	unsigned char sealed[TOTP_RAW + GD__SEAL_OVERHEAD];
	size_t sealed_n = 0;
	int kind = -1, failures = 0, disabled = 0, mfa = 0;
	int64_t totp_last = 0, totp_step = 0;
	gd_time locked_until = 0, now = gd_vault_now(v);
	gd__stmt *st;
	gd_auth_settings cfg;
	int rc;

	if ((rc = check_principal_name(name)) < 0)
		return rc;
	if (!password || strlen(password) > GD_PASSWORD_MAX)
		return gd__err(GD_EINVAL, "password is missing or longer than %d bytes", GD_PASSWORD_MAX);
	pthread_once(&dummy_once, make_dummy);
	if (tenant && (rc = tenant_id_of(v, &tid, tenant)) < 0) {
		if (rc != GD_ENOTFOUND)
			return rc;
		/* As costly and as audited as any other failure: the answer says nothing. */
		gd__pwhash_verify(dummy_hash, password, strlen(password));
		if ((rc = gd__op_begin(v)) == 0)
			rc = gd__op_end(v, gd__audit_append(v, 0, "auth:unknown",
			                                    &(struct gd__audit_event){.action = "auth.login",
			                                                              .outcome = GD__DENIED,
			                                                              .reason = "unknown tenant"}));
		return rc < 0 ? rc : gd__err(GD_EDENIED, "%s", bad_login);
	}
	if ((rc = gd_auth_settings_get(v, &cfg)) < 0)
		return rc;
	rc = gd__db_query(v->store, &st,
	                  "SELECT p.id, p.kind, p.pwhash, p.totp, p.failures, p.locked_until, p.disabled,"
	                  " coalesce(r.mfa, 0), p.totp_step FROM auth_principals p LEFT JOIN auth_roles r ON r.id = p.role_id"
	                  " WHERE p.tenant_id = ? AND p.name = ?",
	                  "it", tid, name);
	if (rc < 0)
		return rc;
	if ((rc = gd__db_step(v->store, st)) == 1) {
		pid = gd__col_int(v->store, st, 0);
		kind = (int)gd__col_int(v->store, st, 1);
		const char *h = gd__col_text(v->store, st, 2);
		snprintf(hash, sizeof hash, "%s", h ? h : "");
		if (!gd__col_null(v->store, st, 3)) {
			const void *b = gd__col_blob(v->store, st, 3, &sealed_n);
			if (sealed_n == sizeof sealed)
				memcpy(sealed, b, sealed_n);
		}
		failures = (int)gd__col_int(v->store, st, 4);
		locked_until = gd__col_int(v->store, st, 5);
		disabled = (int)gd__col_int(v->store, st, 6);
		mfa = (int)gd__col_int(v->store, st, 7);
		totp_last = gd__col_int(v->store, st, 8);
		rc = 0;
	}
	gd__db_reset(v->store, st);
	if (rc < 0)
		return rc;
	snprintf(label, sizeof label, "%s:%.64s", kind == GD_PRINCIPAL_SUPPORT ? "support" : "user", name);

	bool person = kind == GD_PRINCIPAL_PERSON || kind == GD_PRINCIPAL_SUPPORT;
	const char *why = NULL;
	bool locked = false;
	if (pid && locked_until > now) {
		locked = true;
		why = "locked out after failed logins";
	} else {
		/* Always one Argon2id verification, whether or not the name exists. */
		bool pw_ok = gd__pwhash_verify(person && hash[0] ? hash : dummy_hash, password,
		                               strlen(password)) == 0;
		if (!pid)
			why = "unknown principal";
		else if (!person || !hash[0])
			why = "not a person with a password";
		else if (disabled)
			why = "principal disabled";
		else if (!pw_ok)
			why = "wrong password";
		else if (sealed_n == sizeof sealed) {
			int t = totp_check(v, sealed, sealed_n, totp, totp_last, &totp_step);
			if (t == GD_ECORRUPT || t == GD_ENOMEM)
				return t;
			if (t < 0)
				why = "wrong or missing second factor";
		} else if (mfa) {
			why = "role requires a second factor and none is enrolled";
		}
	}

	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	if (!why) {
		rc = gd__db_exec(v->store, "UPDATE auth_principals SET failures = 0, totp_step = ? WHERE id = ?",
		                 "ii", totp_step > totp_last ? totp_step : totp_last, pid);
		if (rc == 0)
			rc = token_insert(v, out, NULL, pid, true, now + cfg.absolute);
		if (rc == 0)
			rc = gd__audit_append(v, tid, label, &(struct gd__audit_event){.action = "auth.login"});
		return gd__op_end(v, rc);
	}
	if (pid && !locked) {
		failures++;
		bool lock = failures >= cfg.max_failures;
		rc = gd__db_exec(v->store, "UPDATE auth_principals SET failures = ?, locked_until = ? WHERE id = ?",
		                 "iii", (int64_t)(lock ? 0 : failures), (int64_t)(lock ? now + cfg.lockout : 0),
		                 pid);
		if (rc == 0 && lock)
			rc = gd__audit_append(v, tid, label,
			                      &(struct gd__audit_event){.action = "auth.lockout", .outcome = GD__DENIED,
			                                                .reason = "too many failed logins"});
	}
	if (rc == 0)
		rc = gd__audit_append(v, tid, pid ? label : "auth:unknown",
		                      &(struct gd__audit_event){.action = "auth.login", .outcome = GD__DENIED,
		                                                .reason = why});
	rc = gd__op_end(v, rc);
	if (rc < 0)
		return rc;
	if (locked) {
		char until[32];
		gd_time_format(until, locked_until);
		return gd__err(GD_ESTATE, "this principal is locked out after failed logins until %s", until);
	}
	return gd__err(GD_EDENIED, "%s", bad_login);
}

int gd_auth_logout(gd_vault *v, const char *token)
{
	unsigned char hash[GD__HASH_SIZE];
	int rc = check_token_format(token);
	if (rc < 0)
		return rc;
	token_hash(hash, token);
	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	int64_t tid = 0;
	char label[GD_NAME_MAX + 1] = "";
	gd__stmt *st;
	rc = gd__db_query(v->store, &st,
	                  "SELECT p.tenant_id, p.kind, p.name FROM auth_tokens t JOIN auth_principals p"
	                  " ON p.id = t.principal_id WHERE t.hash = ? AND t.revoked = 0",
	                  "b", hash, sizeof hash);
	if (rc == 0 && (rc = gd__db_step(v->store, st)) == 1) {
		tid = gd__col_int(v->store, st, 0);
		int kind = (int)gd__col_int(v->store, st, 1);
		snprintf(label, sizeof label, "%s:%.64s",
		         kind == 1 ? "svc" : kind == 2 ? "support" : "user", gd__col_text(v->store, st, 2));
		rc = 0;
	} else if (rc == 0) {
		rc = gd__err(GD_EDENIED, "the token is unknown or already revoked");
	}
	if (st)
		gd__db_reset(v->store, st);
	if (rc == 0)
		rc = gd__db_exec(v->store, "UPDATE auth_tokens SET revoked = 1 WHERE hash = ?", "b", hash,
		                 sizeof hash);
	if (rc == 0)
		rc = gd__audit_append(v, tid, label, &(struct gd__audit_event){.action = "auth.logout"});
	return gd__op_end(v, rc);
}

/* ---- opening an actor from a token ---- */

struct token_row {
	int64_t id, principal_id, tenant_id, role_id;
	int kind;
	bool session, revoked, disabled;
	gd_time created_at, expires_at, last_used;
	char name[GD_NAME_MAX + 1];
	char tenant_name[65];       /* "" for support staff */
	struct gd__authz *authz;    /* the role's rights; the caller frees */
};

static struct gd__authz *authz_new(unsigned ops, const char *activities, const char *role)
{
	size_t n = strlen(activities);
	struct gd__authz *z = gd__calloc(1, sizeof *z + n + 1);
	if (!z)
		return NULL;
	z->ops = ops;
	snprintf(z->role, sizeof z->role, "%s", role ? role : "");
	memcpy(z->activities, activities, n + 1);
	return z;
}

/*
 * The token row with its principal, tenant name and role (one query: this runs
 * on every API request). t->authz gets the role's rights (no role: none).
 */
static int load_token(gd_vault *v, struct token_row *t, const char *token)
{
	unsigned char hash[GD__HASH_SIZE];
	gd__stmt *st;
	token_hash(hash, token);
	int rc = gd__db_query(v->store, &st,
	                      "SELECT t.id, t.principal_id, t.session, t.created_at, t.expires_at, t.last_used,"
	                      " t.revoked, t.hash, p.tenant_id, p.name, p.kind, p.disabled, coalesce(p.role_id, 0),"
	                      " coalesce(tn.name, ''), coalesce(r.name, ''), coalesce(r.ops, 0), coalesce(r.activities, '')"
	                      " FROM auth_tokens t JOIN auth_principals p ON p.id = t.principal_id"
	                      " LEFT JOIN tenants tn ON tn.id = p.tenant_id LEFT JOIN auth_roles r ON r.id = p.role_id"
	                      " WHERE t.hash = ?",
	                      "b", hash, sizeof hash);
	if (rc < 0)
		return rc;
	gd__store *s = v->store;
	rc = gd__db_step(s, st);
	if (rc == 1) {
		size_t n;
		const void *h = gd__col_blob(s, st, 7, &n);
		if (n != sizeof hash || gd__memcmp(h, hash, sizeof hash) != 0) {
			rc = 0;
		} else {
			t->id = gd__col_int(s, st, 0);
			t->principal_id = gd__col_int(s, st, 1);
			t->session = gd__col_int(s, st, 2) != 0;
			t->created_at = gd__col_int(s, st, 3);
			t->expires_at = gd__col_int(s, st, 4);
			t->last_used = gd__col_int(s, st, 5);
			t->revoked = gd__col_int(s, st, 6) != 0;
			t->tenant_id = gd__col_int(s, st, 8);
			snprintf(t->name, sizeof t->name, "%s", gd__col_text(s, st, 9));
			t->kind = (int)gd__col_int(s, st, 10);
			t->disabled = gd__col_int(s, st, 11) != 0;
			t->role_id = gd__col_int(s, st, 12);
			snprintf(t->tenant_name, sizeof t->tenant_name, "%s", gd__col_text(s, st, 13));
			/* A principal without a role has no right at all. */
			if (!(t->authz = authz_new((unsigned)gd__col_int(s, st, 15), gd__col_text(s, st, 16),
			                           gd__col_text(s, st, 14))))
				rc = gd__err(GD_ENOMEM, "out of memory");
		}
	}
	gd__db_reset(s, st);
	if (rc == 0)
		rc = gd__err(GD_EDENIED, "the token is not valid: it is unknown or was mistyped");
	return rc < 0 ? rc : 0;
}



/* The grant that lets support principal `pid` into tenant `tid` now, if any. */
static int load_grant(gd_vault *v, struct gd__authz **out, int64_t tid, int64_t pid, bool *expired)
{
	gd__stmt *st;
	gd_time now = gd_vault_now(v);
	*expired = false;
	int rc = gd__db_query(v->store, &st,
	                      "SELECT id, ops, activities, expires_at FROM auth_grants"
	                      " WHERE tenant_id = ? AND principal_id = ? AND revoked = 0 ORDER BY expires_at DESC",
	                      "ii", tid, pid);
	if (rc < 0)
		return rc;
	*out = NULL;
	while ((rc = gd__db_step(v->store, st)) == 1) {
		if (gd__col_int(v->store, st, 3) <= now) {
			*expired = true;
			continue;
		}
		*out = authz_new((unsigned)gd__col_int(v->store, st, 1), gd__col_text(v->store, st, 2), "");
		if (!*out) {
			rc = gd__err(GD_ENOMEM, "out of memory");
			break;
		}
		(*out)->grant_id = gd__col_int(v->store, st, 0);
		rc = 0;
		break;
	}
	gd__db_reset(v->store, st);
	return rc < 0 ? rc : 0;
}


/* Audits a refused access in the chains of the tenants concerned (own and target). */
static void audit_refusal(gd_vault *v, int64_t own, int64_t target, const char *label,
                          const char *action, const char *reason)
{
	char why[256];
	snprintf(why, sizeof why, "%s", reason);
	if (gd__op_begin(v) < 0)
		return;
	int rc = gd__audit_append(v, own, label, &(struct gd__audit_event){.action = action,
	                                                                     .outcome = GD__DENIED, .reason = why});
	if (rc == 0 && target >= 0 && target != own)
		rc = gd__audit_append(v, target, label,
		                      &(struct gd__audit_event){.action = action, .outcome = GD__DENIED, .reason = why});
	gd__op_end(v, rc);
	gd__err(GD_EDENIED, "%s", why);
}

int gd_auth_open(gd_actor **out, gd_vault *v, const char *token, const char *tenant)
{
	struct token_row t = {0};
	struct gd__authz *z = NULL;
	gd_actor *a = NULL;
	gd_auth_settings cfg;
	char own[65] = "", label[GD_NAME_MAX + 1];
	int64_t target = -1;
	gd_time now = gd_vault_now(v);
	int rc;

	*out = NULL;
	if ((rc = check_token_format(token)) < 0 || (rc = load_token(v, &t, token)) < 0)
		goto done;
	z = t.authz, t.authz = NULL;
	snprintf(label, sizeof label, "%s:%.64s",
	         t.kind == GD_PRINCIPAL_SERVICE ? "svc" : t.kind == GD_PRINCIPAL_SUPPORT ? "support" : "user",
	         t.name);
	if (t.revoked || t.disabled) {
		rc = gd__err(GD_EDENIED, "the token was revoked or its principal disabled");
		goto done;
	}
	if (t.expires_at && now >= t.expires_at) {
		rc = gd__err(GD_EEXPIRED, "the %s expired: %s", t.session ? "session" : "token",
		             t.session ? "log in again" : "ask an admin for a new token");
		goto done;
	}
	if (t.session) {
		if ((rc = gd_auth_settings_get(v, &cfg)) < 0)
			goto done;
		if (now - t.last_used >= cfg.idle) {
			rc = gd__err(GD_EEXPIRED, "the session timed out after %lld s without use: log in again",
			             (long long)cfg.idle);
			goto done;
		}
		if (now - t.created_at >= cfg.absolute) {
			rc = gd__err(GD_EEXPIRED, "the session reached its maximum length: log in again");
			goto done;
		}
	}
	bool foreign = tenant && (t.kind == GD_PRINCIPAL_SUPPORT || strcmp(tenant, t.tenant_name) != 0);
	if (foreign && (rc = tenant_id_of(v, &target, tenant)) < 0 && rc != GD_ENOTFOUND)
		goto done;
	rc = 0;
	if (t.kind == GD_PRINCIPAL_SUPPORT) {
		gd__free(z), z = NULL;
		if (!tenant) {
			rc = gd__err(GD_EINVAL, "support staff must name the tenant they act on");
			goto done;
		}
		bool expired = false;
		if (target >= 0 && (rc = load_grant(v, &z, target, t.principal_id, &expired)) < 0)
			goto done;
		if (!z) {
			char why[160];
			snprintf(why, sizeof why, "%s grant for support access to tenant %.64s",
			         expired ? "expired" : "no", tenant);
			audit_refusal(v, 0, target, label, "support.access", why);
			rc = gd__err(expired ? GD_EEXPIRED : GD_EDENIED, "%s: the tenant's admin must issue one", why);
			goto done;
		}
		snprintf(own, sizeof own, "%s", tenant);
	} else {
		if (!t.tenant_name[0]) {
			rc = gd__err(GD_ENOTFOUND, "the token's tenant no longer exists");
			goto done;
		}
		snprintf(own, sizeof own, "%s", t.tenant_name);
		if (foreign) {
			char why[200];
			snprintf(why, sizeof why, "principal of tenant %s asked for tenant %.64s", own, tenant);
			audit_refusal(v, t.tenant_id, target, label, "access.tenant", why);
			rc = gd__err(GD_EDENIED, "this principal belongs to another tenant and sees only its own");
			goto done;
		}
	}
	z->principal_id = t.principal_id;
	if ((rc = gd_actor_open(&a, v, own, label)) < 0)
		goto done;
	a->authz = z, z = NULL;
	bool touch = now - t.last_used >= TOUCH_EVERY;
	if (touch || a->authz->grant_id) {
		if ((rc = gd__op_begin(v)) < 0)
			goto done;
		if (touch)
			rc = gd__db_exec(v->store, "UPDATE auth_tokens SET last_used = ? WHERE id = ?", "ii",
			                 (int64_t)now, t.id);
		if (rc == 0 && a->authz->grant_id) {
			char why[48];
			snprintf(why, sizeof why, "grant %lld", (long long)a->authz->grant_id);
			rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "support.access", .reason = why});
		}
		rc = gd__op_end(v, rc);
	}
done:
	gd__free(z);
	if (rc < 0)
		gd_actor_close(a);
	else
		*out = a;
	return rc;
}

int gd_actor_require(gd_actor *a, unsigned ops, const char *action)
{
	if (!a->authz || (a->authz->ops & ops) == ops)
		return 0;
	char need[96], why[320];
	gd_ops_format(need, ops & ~a->authz->ops);
	if (a->authz->grant_id)
		snprintf(why, sizeof why, "grant %lld does not allow %s", (long long)a->authz->grant_id, need);
	else
		snprintf(why, sizeof why, "role \"%s\" does not allow %s", a->authz->role, need);
	gd__audit_denied(a, &(struct gd__audit_event){.action = action, .outcome = GD__DENIED, .reason = why});
	return gd__err(GD_EDENIED, "%s", why);
}

void gd_actor_info_get(const gd_actor *a, gd_actor_info *out)
{
	const struct gd__authz *z = a->authz;
	*out = (gd_actor_info){
		.tenant = a->tenant, .principal = a->principal, .role = z ? z->role : "",
		.ops = z ? z->ops : (unsigned)GD_OP_ALL, .activities = z ? z->activities : "*",
		.grant = z ? z->grant_id : 0, .operator = z == NULL};
}

/* ---- policy checks ---- */

static int deny_activity(gd_actor *a, const char *what, const char *activity)
{
	if (a->authz->grant_id)
		return gd__err(GD_EDENIED, "grant %lld does not cover %s for activity \"%s\"",
		               (long long)a->authz->grant_id, what, activity);
	return gd__err(GD_EDENIED, "role \"%s\" does not grant %s for activity \"%s\"", a->authz->role,
	               what, activity);
}

int gd__auth_read_check(gd_actor *a, const struct gd__record_meta *m, const char *purpose)
{
	if (!a->authz)
		return 0;
	if (!(a->authz->ops & GD_OP_READ) || !activity_allowed(a->authz->activities, purpose))
		return deny_activity(a, "reading", purpose);
	return 0;
}

int gd__auth_write_check(gd_actor *a, const char *subject, const gd_record_spec *spec)
{
	if (!a->authz)
		return 0;
	if (!(a->authz->ops & GD_OP_WRITE) || !activity_allowed(a->authz->activities, spec->activity))
		return deny_activity(a, "writing", spec->activity);
	return 0;
}
