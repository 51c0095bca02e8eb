/*
 * route_auth.c — login, logout, whoami, and the tenant admin's management of
 * roles, principals, tokens and support grants over HTTP. The library checks
 * and audits; a token is shown in the answer that creates it and never again.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

int route_login(struct api_ctx *c)
{
	const char *tenant, *name, *password, *totp;
	char tok[GD_TOKEN_SIZE];
	int st, rc;
	if ((st = api_str(c, "tenant", false, &tenant)) || (st = api_str(c, "name", true, &name)) ||
	    (st = api_str(c, "password", true, &password)) || (st = api_str(c, "totp", false, &totp)))
		return st;
	rc = gd_auth_login(c->rq->v, tok, tenant, name, password, totp);
	if (rc == GD_ESTATE) {
		c->resp->retry_after = 60;
		return api_error(c, 429, "locked", "%s", gd_error_last());
	}
	if (rc == GD_EDENIED) {
		c->resp->www_authenticate = true;
		return api_error(c, 401, "unauthenticated", "%s", gd_error_last());
	}
	if (rc < 0)
		return api_fail(c, rc);
	gd_auth_settings cfg;
	if ((rc = gd_auth_settings_get(c->rq->v, &cfg)) < 0)
		return api_fail(c, rc);
	c->out = json_pack("{s:s,s:I,s:I}", "token", tok, "idle_timeout", (json_int_t)cfg.idle,
	                   "absolute_timeout", (json_int_t)cfg.absolute);
	memset(tok, 0, sizeof tok);
	return 201;
}

int route_logout(struct api_ctx *c)
{
	int rc = gd_auth_logout(c->rq->v, c->token);
	if (rc == GD_EDENIED) {
		c->resp->www_authenticate = true;
		return api_error(c, 401, "unauthenticated", "%s", gd_error_last());
	}
	return rc < 0 ? api_fail(c, rc) : 204;
}

static json_t *ops_json(unsigned ops)
{
	char buf[96];
	gd_ops_format(buf, ops);
	return json_string(buf);
}

int route_whoami(struct api_ctx *c)
{
	gd_actor *a = c->actor;
	int rc;
	if (!a) {
		rc = gd_auth_open(&a, c->rq->v, c->token, NULL);
		if (rc == GD_EINVAL)
			return api_error(c, 400, "bad_request", "%s", gd_error_last());
		if (rc < 0) {
			c->resp->www_authenticate = true;
			return api_error(c, 401, rc == GD_EEXPIRED ? "expired" : "unauthenticated", "%s",
			                 gd_error_last());
		}
	}
	gd_actor_info i;
	gd_actor_info_get(a, &i);
	c->out = json_pack("{s:s,s:s,s:s,s:o,s:s}", "tenant", i.tenant, "principal", i.principal, "role",
	                   i.role, "ops", ops_json(i.ops), "activities", i.activities);
	if (i.grant)
		json_object_set_new(c->out, "grant", json_integer(i.grant));
	if (a != c->actor)
		gd_actor_close(a);
	return 200;
}

/* ---- roles ---- */

static int ops_field(struct api_ctx *c, unsigned *ops)
{
	const char *s;
	int st = api_str(c, "ops", true, &s);
	if (st)
		return st;
	if (gd_ops_parse(ops, s) < 0)
		return api_error(c, 422, "invalid", "%s", gd_error_last());
	return 0;
}

int route_role_set(struct api_ctx *c)
{
	const char *activities;
	unsigned ops;
	int st, rc;
	json_t *mfa = json_object_get(c->body, "mfa");
	if (mfa && !json_is_boolean(mfa))
		return api_error(c, 400, "bad_request", "field \"mfa\" must be true or false");
	if ((st = ops_field(c, &ops)) || (st = api_str(c, "activities", true, &activities)))
		return st;
	if ((rc = gd_role_set(c->actor, c->caps[1], ops, activities, json_is_true(mfa))) < 0)
		return api_fail(c, rc);
	c->out = json_pack("{s:s,s:o,s:s,s:b}", "name", c->caps[1], "ops", ops_json(ops), "activities",
	                   activities, "mfa", json_is_true(mfa));
	return 200;
}

static int add_role(void *ud, const gd_role_info *r)
{
	return json_array_append_new(ud, json_pack("{s:s,s:o,s:s,s:b}", "name", r->name, "ops",
	                                           ops_json(r->ops), "activities", r->activities, "mfa",
	                                           r->mfa));
}

int route_role_list(struct api_ctx *c)
{
	json_t *list = json_array();
	int rc = gd_role_list(c->actor, add_role, list);
	if (rc < 0) {
		json_decref(list);
		return api_fail(c, rc);
	}
	c->out = json_pack("{s:o}", "roles", list);
	return 200;
}

/* ---- principals ---- */

int route_user_create(struct api_ctx *c)
{
	const char *name, *role, *password;
	int st, rc;
	if ((st = api_str(c, "name", true, &name)) || (st = api_str(c, "role", true, &role)) ||
	    (st = api_str(c, "password", true, &password)))
		return st;
	if ((rc = gd_user_create(c->actor, name, role, password)) < 0)
		return api_fail(c, rc);
	c->out = json_pack("{s:s,s:s,s:s}", "name", name, "kind", "person", "role", role);
	return 201;
}

int route_service_create(struct api_ctx *c)
{
	const char *name, *role;
	int st, rc;
	if ((st = api_str(c, "name", true, &name)) || (st = api_str(c, "role", true, &role)))
		return st;
	if ((rc = gd_service_create(c->actor, name, role)) < 0)
		return api_fail(c, rc);
	c->out = json_pack("{s:s,s:s,s:s}", "name", name, "kind", "service", "role", role);
	return 201;
}

static int add_principal(void *ud, const gd_principal_info *p)
{
	static const char *const kinds[] = {"person", "service", "support"};
	json_t *j = json_pack("{s:s,s:s,s:s,s:b,s:b}", "name", p->name, "kind", kinds[p->kind % 3], "role",
	                      p->role, "totp", p->totp, "disabled", p->disabled);
	if (p->locked_until)
		json_object_set_new(j, "locked_until", api_time_json(p->locked_until));
	return json_array_append_new(ud, j);
}

int route_principal_list(struct api_ctx *c)
{
	json_t *list = json_array();
	int rc = gd_principal_list(c->actor, add_principal, list);
	if (rc < 0) {
		json_decref(list);
		return api_fail(c, rc);
	}
	c->out = json_pack("{s:o}", "principals", list);
	return 200;
}

int route_principal_unlock(struct api_ctx *c)
{
	int rc = gd_principal_unlock(c->actor, c->caps[1]);
	if (rc < 0)
		return api_fail(c, rc);
	c->out = json_pack("{s:s,s:b}", "name", c->caps[1], "unlocked", 1);
	return 200;
}

/* ---- tokens ---- */

int route_token_create(struct api_ctx *c)
{
	const char *principal;
	char tok[GD_TOKEN_SIZE];
	gd_time exp;
	int64_t id = 0;
	int st, rc;
	if ((st = api_str(c, "principal", true, &principal)) || (st = api_time(c, "expires_at", &exp)))
		return st;
	if ((rc = gd_token_create(c->actor, tok, &id, principal, exp)) < 0)
		return api_fail(c, rc);
	c->out = json_pack("{s:I,s:s,s:s,s:o}", "id", (json_int_t)id, "principal", principal, "token", tok,
	                   "expires_at", api_time_json(exp));
	memset(tok, 0, sizeof tok);
	return 201;
}

static int add_token(void *ud, const gd_token_info *t)
{
	return json_array_append_new(
		ud, json_pack("{s:I,s:s,s:s,s:o,s:o,s:o,s:b}", "id", (json_int_t)t->id, "principal", t->principal,
		              "kind", t->session ? "session" : "token", "created_at", api_time_json(t->created_at),
		              "expires_at", api_time_json(t->expires_at), "last_used", api_time_json(t->last_used),
		              "revoked", t->revoked));
}

int route_token_list(struct api_ctx *c)
{
	json_t *list = json_array();
	int rc = gd_token_list(c->actor, add_token, list);
	if (rc < 0) {
		json_decref(list);
		return api_fail(c, rc);
	}
	c->out = json_pack("{s:o}", "tokens", list);
	return 200;
}

int route_token_revoke(struct api_ctx *c)
{
	int64_t id = 0;
	int st, rc;
	if ((st = api_id(c, 1, &id)))
		return st;
	if ((rc = gd_token_revoke(c->actor, id)) < 0)
		return api_fail(c, rc);
	c->out = json_pack("{s:I,s:b}", "id", (json_int_t)id, "revoked", 1);
	return 200;
}

/* ---- grants ---- */

int route_grant_create(struct api_ctx *c)
{
	const char *support, *activities;
	unsigned ops;
	gd_time exp;
	int64_t id = 0;
	int st, rc;
	if ((st = api_str(c, "support", true, &support)) || (st = ops_field(c, &ops)) ||
	    (st = api_str(c, "activities", true, &activities)) || (st = api_time(c, "expires_at", &exp)))
		return st;
	if (!exp)
		return api_error(c, 400, "bad_request", "field \"expires_at\" is missing: a grant is always time-limited");
	if ((rc = gd_grant_create(c->actor, &id, support, ops, activities, exp)) < 0)
		return api_fail(c, rc);
	c->out = json_pack("{s:I,s:s,s:o,s:s,s:o}", "id", (json_int_t)id, "support", support, "ops",
	                   ops_json(ops), "activities", activities, "expires_at", api_time_json(exp));
	return 201;
}

static int add_grant(void *ud, const gd_grant_info *g)
{
	return json_array_append_new(
		ud, json_pack("{s:I,s:s,s:o,s:s,s:o,s:o,s:s,s:b}", "id", (json_int_t)g->id, "support", g->support,
		              "ops", ops_json(g->ops), "activities", g->activities, "created_at",
		              api_time_json(g->created_at), "expires_at", api_time_json(g->expires_at),
		              "issued_by", g->issued_by, "revoked", g->revoked));
}

int route_grant_list(struct api_ctx *c)
{
	json_t *list = json_array();
	int rc = gd_grant_list(c->actor, add_grant, list);
	if (rc < 0) {
		json_decref(list);
		return api_fail(c, rc);
	}
	c->out = json_pack("{s:o}", "grants", list);
	return 200;
}

int route_grant_revoke(struct api_ctx *c)
{
	int64_t id = 0;
	int st, rc;
	if ((st = api_id(c, 1, &id)))
		return st;
	if ((rc = gd_grant_revoke(c->actor, id)) < 0)
		return api_fail(c, rc);
	c->out = json_pack("{s:I,s:b}", "id", (json_int_t)id, "revoked", 1);
	return 200;
}
