/*
 * auth.c — administration: settings, roles, principals and passwords, tokens
 * and support grants (include/gardien/auth.h), and the helpers the other
 * auth files share (auth.h). Logging in and TOTP are in auth_login.c, opening
 * an actor from a token in auth_actor.c.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gardien/auth.h"
#include "lib/auth/auth.h"
#include "lib/internal.h"
#include "lib/register/register.h"

#define TOKEN_RAW 32
#define TOKEN_LEN (4 + 2 * TOKEN_RAW)

static const char *const op_names[] = {"read", "write", "erase", "export",
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

bool gd__auth_activity_allowed(const char *list, const char *activity)
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

int gd__auth_check_name(const char *name)
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
	gd__audit_denied(a, &(struct gd__audit_event){.action = action, .outcome = GD__DENIED, .reason = "needs the operator (master key holder)"});
	return gd__err(GD_EDENIED, "%s needs the operator who holds the master key (gardien CLI)", action);
}

int gd__auth_tenant_id(gd_vault *v, int64_t *out, const char *tenant)
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

void gd__auth_token_hash(unsigned char out[GD__HASH_SIZE], const char *token)
{
	gd__hash_state h;
	gd__hash_init(&h);
	gd__hash_update(&h, token, strlen(token));
	gd__hash_final(&h, out);
}

int gd__auth_check_token(const char *t)
{
	if (!t || strlen(t) != TOKEN_LEN || (strncmp(t, "gdt_", 4) != 0 && strncmp(t, "gds_", 4) != 0) ||
	    strspn(t + 4, "0123456789abcdef") != 2 * TOKEN_RAW)
		return gd__err(GD_EDENIED, "the token is not a gardien token (gdt_… or gds_… with 64 hex digits)");
	return 0;
}

/* A new token: written to `out`, its hash stored for `principal_id` of `tenant_id`. Inside an operation. */
int gd__auth_token_insert(gd_vault *v, char out[GD_TOKEN_SIZE], int64_t *out_id, int64_t tenant_id,
                          int64_t principal_id, bool session, gd_time expires_at)
{
	unsigned char raw[TOKEN_RAW], hash[GD__HASH_SIZE];
	char tok[TOKEN_LEN + 1];
	gd__random(raw, sizeof raw);
	memcpy(tok, session ? "gds_" : "gdt_", 4);
	gd__hex(tok + 4, raw, sizeof raw);
	gd__wipe(raw, sizeof raw);
	gd__auth_token_hash(hash, tok);
	gd_time now = gd_vault_now(v);
	int rc = gd__db_exec(v->store,
	                     "INSERT INTO auth_tokens (principal_id, hash, session, created_at, expires_at, last_used,"
	                     " tenant_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
	                     "ibiiiii", principal_id, hash, sizeof hash, (int64_t)session, (int64_t)now,
	                     (int64_t)expires_at, (int64_t)now, tenant_id);
	if (rc == 0 && out_id)
		rc = gd__db_int(v->store, out_id, "SELECT id FROM auth_tokens WHERE tenant_id = ? AND hash = ?", "ib",
		                tenant_id, hash, sizeof hash);
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
		rc = gd__db_exec(a->v->store,
		                 "INSERT INTO auth_settings (key, value) VALUES (?, ?)"
		                 " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
		                 "ti", keys[i], vals[i]);
	if (rc == 0)
		rc = gd__audit_append(a->v, 0, a->principal, &(struct gd__audit_event){.action = "auth.settings"});
	return gd__op_end(a->v, rc);
}

/* ---- roles ---- */

/* Once the tenant has a register, a role names only its activities: a typo
 * would otherwise grant nothing, silently. Before the first register any id
 * is accepted (roles are often set up first; docs/server.md). */
static int role_activities_known(gd_actor *a, const char *activities)
{
	const struct gd__register *reg = NULL;
	int rc = gd__register_current(a, &reg);
	if (rc < 0 || !reg || strcmp(activities, "*") == 0)
		return rc;
	for (const char *p = activities; *p;) {
		size_t n = strcspn(p, ",");
		bool found = false;
		for (size_t i = 0; i < reg->nactivities && !found; i++)
			found = strlen(reg->activities[i].id) == n && memcmp(reg->activities[i].id, p, n) == 0;
		if (!found)
			return gd__err(GD_EINVAL,
			               "activity \"%.*s\" is not in the tenant's register: name an activity of the register, "
			               "or load a register that has it first",
			               (int)n, p);
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

int gd_role_set(gd_actor *a, const char *name, unsigned ops, const char *activities, bool mfa)
{
	int rc;
	if ((rc = gd__check_name(name, "role name")) < 0 || (rc = check_activities(activities)) < 0)
		return rc;
	if (ops & ~(unsigned)GD_OP_ALL)
		return gd__err(GD_EINVAL, "unknown operation bits 0x%x", ops);
	if ((rc = require_admin(a, "auth.role.set")) < 0)
		return rc;
	if ((rc = role_activities_known(a, activities)) < 0)
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
	if ((rc = gd__auth_check_name(name)) < 0)
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

/*
 * Runs `sql` on a principal of the actor's tenant, audited: `sql` ends in
 * "WHERE tenant_id = ? AND id = ?", bound after the value `types` names
 * ("i": none, "ti": a text, "bi": a blob of n bytes).
 */
int gd__auth_principal_update(gd_actor *a, const char *name, const char *action, const char *sql,
                              const char *types, const void *blob, size_t n)
{
	int64_t id;
	int rc;
	if ((rc = gd__auth_check_name(name)) < 0 || (rc = require_admin(a, action)) < 0)
		return rc;
	if ((rc = gd__op_begin(a->v)) < 0)
		return rc;
	if ((rc = principal_id_of(a, &id, a->tenant_id, name)) < 0)
		goto done;
	if (strcmp(types, "i") == 0)
		rc = gd__db_exec(a->v->store, sql, "ii", a->tenant_id, id);
	else if (strcmp(types, "ti") == 0)
		rc = gd__db_exec(a->v->store, sql, "tii", (const char *)blob, a->tenant_id, id);
	else
		rc = gd__db_exec(a->v->store, sql, "bii", blob, n, a->tenant_id, id);
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
		rc = gd__auth_principal_update(a, name, "auth.user.password",
		                               "UPDATE auth_principals SET pwhash = ?, failures = 0, locked_until = 0"
		                               " WHERE kind = 0 AND tenant_id = ? AND id = ?",
		                               "ti", hash, 0);
	gd__wipe(hash, sizeof hash);
	return rc;
}

int gd_principal_unlock(gd_actor *a, const char *name)
{
	return gd__auth_principal_update(a, name, "auth.unlock",
	                                 "UPDATE auth_principals SET failures = 0, locked_until = 0"
	                                 " WHERE tenant_id = ? AND id = ?",
	                                 "i",
	                                 NULL, 0);
}

/*
 * One operation: a principal is never left disabled with tokens that still
 * work. The admin check comes first so that its refusal's entry is not rolled
 * back with the operation.
 */
int gd_principal_disable(gd_actor *a, const char *name)
{
	int rc = require_admin(a, "auth.disable");
	if (rc < 0 || (rc = gd__op_begin(a->v)) < 0)
		return rc;
	rc = gd__auth_principal_update(a, name, "auth.disable", "UPDATE auth_principals SET disabled = 1 WHERE tenant_id = ? AND id = ?", "i", NULL, 0);
	if (rc == 0)
		rc = gd__auth_principal_update(a, name, "auth.token.revoke",
		                               "UPDATE auth_tokens SET revoked = 1 WHERE tenant_id = ? AND principal_id = ?", "i",
		                               NULL, 0);
	return gd__op_end(a->v, rc);
}

int gd_principal_list(gd_actor *a, int (*cb)(void *ud, const gd_principal_info *p), void *ud)
{
	gd__stmt *st;
	int rc = require_admin(a, "auth.principal.list");
	if (rc < 0)
		return rc;
	rc = gd__db_query(a->v->store, &st,
	                  "SELECT p.name, p.kind, coalesce(r.name, ''), p.totp IS NOT NULL, p.disabled,"
	                  " p.locked_until FROM auth_principals p LEFT JOIN auth_roles r ON r.id = p.role_id AND r.tenant_id = p.tenant_id"
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
	if ((rc = gd__auth_check_name(principal)) < 0 || (rc = require_admin(a, "auth.token.create")) < 0)
		return rc;
	if (expires_at && expires_at <= gd_vault_now(a->v))
		return gd__err(GD_EINVAL, "token expiry is in the past: give a later time");
	if ((rc = gd__op_begin(a->v)) < 0)
		return rc;
	if ((rc = principal_id_of(a, &pid, a->tenant_id, principal)) < 0)
		goto done;
	if ((rc = gd__auth_token_insert(a->v, out, &id, a->tenant_id, pid, false, expires_at)) < 0)
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
	                  " FROM auth_tokens t JOIN auth_principals p ON p.id = t.principal_id AND p.tenant_id = t.tenant_id"
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

/* The longest grant of a tenant: a row "grant_max:TENANT_ID" of auth_settings
 * (vault-wide keys are plain names, so no schema change), or the default. */
static int grant_max_of(gd_vault *v, int64_t tid, gd_time *out)
{
	char key[48];
	int64_t x = 0;
	snprintf(key, sizeof key, "grant_max:%lld", (long long)tid);
	int rc = gd__db_int(v->store, &x, "SELECT value FROM auth_settings WHERE key = ?", "t", key);
	*out = rc == 0 && x > 0 ? x : GD_GRANT_MAX_DEFAULT;
	return rc == GD_ENOTFOUND ? 0 : rc;
}

int gd_grant_max_get(gd_actor *a, gd_time *out)
{
	return grant_max_of(a->v, a->tenant_id, out);
}

int gd_grant_max_set(gd_actor *a, gd_time seconds)
{
	int rc;
	if (seconds < 3600 || seconds > GD_GRANT_MAX_LIMIT)
		return gd__err(GD_EINVAL, "the longest grant is 3600 s (1 hour) to %d s (1 year)", GD_GRANT_MAX_LIMIT);
	if ((rc = require_operator(a, "auth.grant.max")) < 0)
		return rc;
	if ((rc = gd__op_begin(a->v)) < 0)
		return rc;
	char key[48], why[64];
	snprintf(key, sizeof key, "grant_max:%lld", (long long)a->tenant_id);
	snprintf(why, sizeof why, "grants last at most %lld s", (long long)seconds);
	rc = gd__db_exec(a->v->store, "INSERT INTO auth_settings (key, value) VALUES (?, ?)"
	                              " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	                 "ti", key,
	                 (int64_t)seconds);
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "auth.grant.max", .reason = why});
	return gd__op_end(a->v, rc);
}

int gd_grant_create(gd_actor *a, int64_t *out_id, const char *support, unsigned ops,
                    const char *activities, gd_time expires_at)
{
	int64_t pid, id = 0;
	int rc;
	if ((rc = gd__auth_check_name(support)) < 0 || (rc = check_activities(activities)) < 0)
		return rc;
	if (!ops || (ops & ~(unsigned)GD_OP_ALL))
		return gd__err(GD_EINVAL, "a grant needs at least one operation");
	if (expires_at <= gd_vault_now(a->v))
		return gd__err(GD_EINVAL, "a grant needs an expiry (until) in the future");
	if ((rc = require_admin(a, "auth.grant.create")) < 0)
		return rc;
	if (a->authz && a->authz->grant_id)
		return gd__err(GD_EDENIED, "support staff cannot issue grants: the tenant's admin does");
	gd_time max;
	if ((rc = grant_max_of(a->v, a->tenant_id, &max)) < 0)
		return rc;
	if (expires_at > gd_vault_now(a->v) + max) {
		char last[32];
		gd_time_format(last, gd_vault_now(a->v) + max);
		return gd__err(GD_EINVAL,
		               "a grant of this tenant lasts at most %lld s: give an expiry until %s (the operator sets "
		               "the maximum: gardien grant max SECONDS)",
		               (long long)max, last);
	}
	if ((rc = gd__op_begin(a->v)) < 0)
		return rc;
	if ((rc = principal_id_of(a, &pid, 0, support)) < 0)
		goto done;
	rc = gd__db_next_id(a->v->store, GD__COUNTER_GRANTS, &id);
	if (rc == 0)
		rc = gd__db_exec(a->v->store,
		                 "INSERT INTO auth_grants (id, tenant_id, principal_id, ops, activities, created_at,"
		                 " expires_at, issued_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		                 "iiiitiit", id, a->tenant_id, pid, (int64_t)ops, activities,
		                 (int64_t)gd_vault_now(a->v), (int64_t)expires_at, a->principal);
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
