/*
 * route_auth.c — login, logout, whoami, and the tenant admin's management of
 * roles, principals (TOTP enrolment included), tokens and support grants over
 * HTTP. The library checks and audits; a token or TOTP secret is shown in the
 * answer that creates it and never again.
 */
#include <stdio.h>
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
	gd_auth_settings cfg;
	if ((rc = gd_auth_settings_get(c->rq->v, &cfg)) < 0)
		return api_fail(c, rc);
	/* Throttling (throttle.c, docs/server.md): an address or a name that
	 * failed too often waits, and is told the truth about how long. During a
	 * name's wait only a login proving a second factor is tried, so failing
	 * on purpose does not lock a person with TOTP out; an address's wait
	 * allows nothing. Known and unknown names take exactly the same path. */
	struct api_throttle t = {.addr_free = 10, .addr_cap = 900, .name_free = cfg.max_failures, .name_cap = (double)cfg.lockout, .now = gd_vault_now(c->rq->v)};
	int aw, nw;
	api_throttle_check(&t, c->rq->client, tenant, name, &aw, &nw);
	if (aw || (nw && !totp)) {
		c->resp->retry_after = aw > nw ? aw : nw;
		return api_error(c, 429, "throttled", "too many failed logins: retry in %d s", c->resp->retry_after);
	}
	rc = nw ? gd_auth_login_2fa(c->rq->v, tok, tenant, name, password, totp)
	        : gd_auth_login(c->rq->v, tok, tenant, name, password, totp);
	if (rc == GD_EDENIED) {
		api_throttle_fail(&t, c->rq->client, tenant, name, &aw, &nw);
		if (nw || aw) {
			c->resp->retry_after = aw > nw ? aw : nw;
			return api_error(c, 429, "throttled", "too many failed logins: retry in %d s", c->resp->retry_after);
		}
		c->resp->www_authenticate = true;
		return api_error(c, 401, "unauthenticated", "%s", gd_error_last());
	}
	if (rc < 0)
		return api_fail(c, rc);
	api_throttle_success(tenant, name);
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
	snprintf(c->resp->principal, sizeof c->resp->principal, "%s", i.principal);
	if (c->rq->client_cn && strcmp(c->rq->client_cn, i.principal) != 0) {
		if (a != c->actor)
			gd_actor_close(a);
		return api_error(c, 403, "denied",
		                 "this token's principal is not the one named by the client certificate (its subject CN)");
	}
	c->out = json_pack("{s:s,s:s,s:s,s:o,s:s}", "tenant", i.tenant, "principal", i.principal, "role",
	                   i.role, "ops", ops_json(i.ops), "activities", i.activities);
	if (i.grant) {
		json_object_set_new(c->out, "grant", json_integer(i.grant));
		json_object_set_new(c->out, "grant_expires_at", api_time_json(i.grant_expires));
	}
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
	return json_array_append_new(ud, gd_role_json(r));
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
	return json_array_append_new(ud, gd_principal_json(p));
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
	api_throttle_success(c->caps[0], c->caps[1]); /* this server's wait for the name too */
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
	return json_array_append_new(ud, gd_token_json(t));
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
	return json_array_append_new(ud, gd_grant_json(g));
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

/* ---- TOTP enrolment ---- */

/* Clears a secret the compiler may not skip (a store through a volatile pointer). */
static void wipe(void *p, size_t n)
{
	volatile unsigned char *q = p;
	while (n--)
		*q++ = 0;
}

/* Percent-encodes `s` into `out` (for the otpauth URI's label). */
static void uri_escape(char *out, size_t cap, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;
	for (; *s && n + 4 < cap; s++) {
		unsigned char ch = (unsigned char)*s;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
		    ch == '.' || ch == '_') {
			out[n++] = (char)ch;
		} else {
			out[n++] = '%';
			out[n++] = hex[ch >> 4];
			out[n++] = hex[ch & 15];
		}
	}
	out[n] = 0;
}

int route_principal_totp(struct api_ctx *c)
{
	char secret[64], label[200], name[200], uri[640];
	int rc = gd_user_totp_enable(c->actor, c->caps[1], secret);
	if (rc < 0)
		return api_fail(c, rc);
	uri_escape(label, sizeof label, c->caps[0]);
	uri_escape(name, sizeof name, c->caps[1]);
	snprintf(uri, sizeof uri, "otpauth://totp/gardien:%s%%3A%s?secret=%s&issuer=gardien&digits=6&period=30",
	         label, name, secret);
	c->out = json_pack("{s:s,s:s,s:s}", "name", c->caps[1], "secret", secret, "otpauth", uri);
	wipe(secret, sizeof secret);
	wipe(uri, sizeof uri);
	return 201;
}
