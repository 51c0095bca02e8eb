/*
 * auth_actor.c — from a bearer token to an actor: the token's row, its
 * principal, role or support grant, checked (revoked, expired, disabled,
 * locked, wrong tenant) and turned into a gd_actor carrying a struct
 * gd__authz; and the record checks policy.c runs with it.
 *
 * Invariants: a token is looked up by its hash and the stored hash compared
 * again in constant time; a refused cross-tenant access is audited in the
 * target tenant's chain and in the principal's own; an actor opened with
 * gd_actor_open (the operator holding the master key) carries no authz and
 * may do everything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gardien/auth.h"
#include "lib/auth/auth.h"
#include "lib/internal.h"

#define TOUCH_EVERY 60 /* seconds between last_used updates of an API token */

/* ---- opening an actor from a token ---- */

struct token_row {
	int64_t id, principal_id, tenant_id, role_id;
	int kind;
	bool session, revoked, disabled;
	gd_time created_at, expires_at, last_used;
	char name[GD_NAME_MAX + 1];
	char tenant_name[65];    /* "" for support staff */
	struct gd__authz *authz; /* the role's rights; the caller frees */
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
	gd__auth_token_hash(hash, token);
	int rc = gd__db_query(v->store, &st,
	                      "SELECT t.id, t.principal_id, t.session, t.created_at, t.expires_at, t.last_used,"
	                      " t.revoked, t.hash, p.tenant_id, p.name, p.kind, p.disabled, coalesce(p.role_id, 0),"
	                      " coalesce(tn.name, ''), coalesce(r.name, ''), coalesce(r.ops, 0), coalesce(r.activities, '')"
	                      " FROM auth_tokens t JOIN auth_principals p ON p.id = t.principal_id AND p.tenant_id = t.tenant_id"
	                      " LEFT JOIN tenants tn ON tn.id = p.tenant_id LEFT JOIN auth_roles r ON r.id = p.role_id AND r.tenant_id = p.tenant_id"
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
		(*out)->grant_expires = gd__col_int(v->store, st, 3);
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
	int rc = gd__audit_append(v, own, label, &(struct gd__audit_event){.action = action, .outcome = GD__DENIED, .reason = why});
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
	if ((rc = gd__auth_check_token(token)) < 0 || (rc = load_token(v, &t, token)) < 0)
		goto done;
	z = t.authz, t.authz = NULL;
	snprintf(label, sizeof label, "%s:%.64s",
	         t.kind == GD_PRINCIPAL_SERVICE ? "svc" : t.kind == GD_PRINCIPAL_SUPPORT ? "support"
	                                                                                 : "user",
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
	if (foreign && (rc = gd__auth_tenant_id(v, &target, tenant)) < 0 && rc != GD_ENOTFOUND)
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
	/*
	 * A session's last use is what its idle timeout counts from: recorded at
	 * every use (at most once a second), or a session in use would time out
	 * between two records. API tokens have no idle timeout: once a minute is
	 * enough to show when they were last used, and spares a write per request.
	 */
	bool touch = t.session ? now > t.last_used : now - t.last_used >= TOUCH_EVERY;
	if (touch || a->authz->grant_id) {
		if ((rc = gd__op_begin(v)) < 0)
			goto done;
		if (touch)
			rc = gd__db_exec(v->store, "UPDATE auth_tokens SET last_used = ? WHERE tenant_id = ? AND id = ?", "iii",
			                 (int64_t)now, t.tenant_id, t.id);
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
		.tenant = a->tenant, .principal = a->principal, .role = z ? z->role : "", .ops = z ? z->ops : (unsigned)GD_OP_ALL, .activities = z ? z->activities : "*", .grant = z ? z->grant_id : 0, .grant_expires = z ? z->grant_expires : 0, .operator= z == NULL };
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
	if (!(a->authz->ops & GD_OP_READ) || !gd__auth_activity_allowed(a->authz->activities, purpose))
		return deny_activity(a, "reading", purpose);
	return 0;
}

int gd__auth_write_check(gd_actor *a, const char *subject, const gd_record_spec *spec)
{
	if (!a->authz)
		return 0;
	if (!(a->authz->ops & GD_OP_WRITE) || !gd__auth_activity_allowed(a->authz->activities, spec->activity))
		return deny_activity(a, "writing", spec->activity);
	return 0;
}
