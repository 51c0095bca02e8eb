/*
 * router.c — the one route table of the HTTP API and the code that applies it.
 *
 * For every request, in this order and only here: match the route (404/405),
 * check the body against the route's cap (413) and parse it as a JSON object
 * (400), authenticate the bearer token (401), open the actor on the tenant named
 * in the path — a principal sees only its own tenant, support staff only under
 * a grant, refusals audited by the library (403) — check that the role allows
 * the route's operations (403, audited), then call the handler. Library errors
 * become problem details (RFC 9457, conventions.c) with a stable `code`. Around
 * the handler, the conventions of the route's documentation entry (openapi.c):
 * HEAD answered as GET (and audited as it: the same checks and read, only the
 * body is not sent) except where the GET hands a copy over (api_route_heads),
 * Allow on 405, paging, ETag, Idempotency-Key.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define R_TENANT "/v1/tenants/{tenant}"

/* One entry per line, a table to read across: kept out of clang-format. */
/* clang-format off */
const struct api_route api_routes[] = {
	/* method, pattern, handler, auth, ops, body cap, audited action, summary, body schema, ok */
	{"GET", "/healthz", route_health, API_PUBLIC, 0, 0, NULL, "liveness and vault reachability", NULL, 200},
	{"GET", "/metrics", route_metrics, API_PUBLIC, 0, 0, NULL, "Prometheus metrics: requests, latencies, vault size", NULL, 200},
	{"GET", "/v1/openapi.json", route_openapi, API_PUBLIC, 0, 0, NULL, "this OpenAPI document", NULL, 200},
	{"POST", "/v1/auth/login", route_login, API_PUBLIC, 0, 4096, NULL, "log a person in (password, TOTP): returns a session token", "Login", 201},
	{"POST", "/v1/auth/logout", route_logout, API_TOKEN, 0, 0, NULL, "end the session (or revoke the token) used", NULL, 204},
	{"GET", "/v1/whoami", route_whoami, API_TOKEN, 0, 0, NULL, "the principal, tenant, role and rights of the token", NULL, 200},
	{"GET", R_TENANT, route_whoami, API_TENANT, 0, 0, "api.tenant", "the caller's view of the tenant", NULL, 200},
	{"GET", R_TENANT "/subjects", route_subject_list, API_TENANT, GD_OP_READ, 0, "subject.list", "the tenant's subjects a page at a time: ?limit=1..1000 (100), ?cursor= from next_cursor", NULL, 200},
	{"POST", R_TENANT "/subjects", route_subject_create, API_TENANT, GD_OP_WRITE, API_BODY_DEFAULT, "subject.create", "create a data subject with identifiers", "SubjectCreate", 201},
	{"POST", R_TENANT "/subjects/find", route_subject_find, API_TENANT, GD_OP_READ, 4096, "subject.find", "find a subject by identifier (blind index)", "Identifier", 200},
	{"POST", R_TENANT "/subjects/{subject}/identifiers", route_subject_add_id, API_TENANT, GD_OP_WRITE, 4096, "subject.identifier.add", "attach an identifier to a subject", "Identifier", 201},
	{"DELETE", R_TENANT "/subjects/{subject}", route_subject_erase, API_TENANT, GD_OP_ERASE, 0, "subject.erase", "erase a subject by crypto-shredding", NULL, 200},
	{"POST", R_TENANT "/subjects/{subject}/records", route_record_put, API_TENANT, GD_OP_WRITE, API_BODY_RECORD, "record.put", "store a record collected for an activity", "RecordPut", 201},
	{"GET", R_TENANT "/subjects/{subject}/records", route_record_list, API_TENANT, GD_OP_READ, 0, "record.list", "records of a subject readable for ?purpose=", NULL, 200},
	{"GET", R_TENANT "/records/{id}", route_record_get, API_TENANT, GD_OP_READ, 0, "record.get", "read one record for ?purpose=", NULL, 200},
	{"PUT", R_TENANT "/records/{id}", route_record_update, API_TENANT, GD_OP_WRITE, API_BODY_RECORD, "record.update", "replace a record's value (rectification)", "RecordValue", 200},
	{"POST", R_TENANT "/records/{id}/disclose", route_record_disclose, API_TENANT, GD_OP_READ, 4096, "record.disclose", "read a record for an authority's request, the notice to its owner queued", "Disclosure", 200},
	{"DELETE", R_TENANT "/records/{id}", route_record_delete, API_TENANT, GD_OP_ERASE, 0, "record.delete", "delete one record", NULL, 200},
	{"DELETE", R_TENANT "/clients/{client}", route_client_erase, API_TENANT, GD_OP_ERASE, 0, "client.erase", "delete all of a processor's customer's data (end of its contract)", NULL, 200},
	{"PUT", R_TENANT "/register", route_register_load, API_TENANT, GD_OP_REGISTER, API_BODY_REGISTER, "register.load", "load a new version of the register (YAML text)", "RegisterLoad", 201},
	{"GET", R_TENANT "/register", route_register_get, API_TENANT, 0, 0, "register.export", "the register: ?format=json|jsonld|md|html|csv, ?version=N", NULL, 200},
	{"GET", R_TENANT "/register/diff", route_register_diff, API_TENANT, 0, 0, "register.diff", "the changes between two versions: ?from=N&to=M", NULL, 200},
	{"GET", R_TENANT "/register/versions", route_register_versions, API_TENANT, 0, 0, "register.versions", "versions of the register", NULL, 200},
	{"GET", R_TENANT "/audit", route_audit_list, API_TENANT, GD_OP_AUDIT, 0, "audit.list", "audit entries: ?from, to, principal, subject, action, purpose, outcome, record, limit; ?after=next for the following page", NULL, 200},
	{"GET", R_TENANT "/audit/verify", route_audit_verify, API_TENANT, GD_OP_AUDIT, 0, "audit.verify", "verify the tenant's audit chain and checkpoints", NULL, 200},
	{"POST", R_TENANT "/breaches", route_breach_record, API_TENANT, GD_OP_AUDIT, API_BODY_DEFAULT, "breach.record", "record a personal-data breach (72-hour clock)", "BreachRecord", 201},
	{"GET", R_TENANT "/breaches", route_breach_list, API_TENANT, GD_OP_AUDIT, 0, "breach.list", "the breach register", NULL, 200},
	{"GET", R_TENANT "/breaches/{id}", route_breach_get, API_TENANT, GD_OP_AUDIT, 0, "breach.get", "one breach with its clock", NULL, 200},
	{"PUT", R_TENANT "/breaches/{id}", route_breach_update, API_TENANT, GD_OP_AUDIT, API_BODY_DEFAULT, "breach.update", "complete or correct a breach: the fields given replace the stored ones", "BreachRecord", 200},
	{"POST", R_TENANT "/breaches/{id}/scope", route_breach_scope, API_TENANT, GD_OP_AUDIT, 4096, "breach.scope", "who and what was read or exported in the incident window, from the audit trail", "BreachScope", 200},
	{"GET", R_TENANT "/breaches/{id}/draft", route_breach_draft, API_TENANT, GD_OP_AUDIT, 0, "breach.draft", "the notification draft: ?to=authority|subjects&language=fr|en&format=text|html", NULL, 200},
	{"POST", R_TENANT "/breaches/{id}/controllers", route_breach_controllers, API_TENANT, GD_OP_AUDIT, 4096, "breach.controllers", "tell the customers of data held as processor (Art. 33(2), 24-hour clock)", "BreachControllers", 200},
	{"POST", R_TENANT "/breaches/{id}/notify", route_breach_notify, API_TENANT, GD_OP_AUDIT, 4096, "breach.notify", "record the notification to the authority", "BreachNotify", 200},
	{"GET", R_TENANT "/calendar", route_calendar_get, API_TENANT, 0, 0, "tenant.calendar.get", "the deadline calendar: member state, time zone, internal target (set and used)", NULL, 200},
	{"PUT", R_TENANT "/calendar", route_calendar_set, API_TENANT, GD_OP_ADMIN, 4096, "tenant.calendar", "set the deadline calendar (fields given change, the rest stays)", "Calendar", 200},
	{"POST", R_TENANT "/requests", route_request_open, API_TENANT, GD_OP_REQUESTS, 4096, "request.open", "open a data-subject request (deadline Art. 12(3))", "RequestOpen", 201},
	{"GET", R_TENANT "/requests", route_request_list, API_TENANT, GD_OP_REQUESTS, 0, "request.list", "requests (?open=true for open ones)", NULL, 200},
	{"GET", R_TENANT "/requests/{id}", route_request_get, API_TENANT, GD_OP_REQUESTS, 0, "request.get", "one request", NULL, 200},
	{"POST", R_TENANT "/requests/{id}/{step}", route_request_step, API_TENANT, GD_OP_REQUESTS, 4096, "request.step", "move a request: verify, start, extend, refuse, rectify, complete, erase", "RequestStep", 200},
	{"GET", R_TENANT "/requests/{id}/export", route_request_export, API_TENANT, GD_OP_REQUESTS | GD_OP_EXPORT, 0, "request.export", "the export answering an access or portability request (?format=json|csv|html)", NULL, 200},
	{"GET", R_TENANT "/outbox", route_outbox_list, API_TENANT, GD_OP_REQUESTS, 0, "outbox.list", "Art. 19 notices owed to recipients: pending ones (?all=true: every one, ?recipient=)", NULL, 200},
	{"POST", R_TENANT "/outbox/{id}/ack", route_outbox_ack, API_TENANT, GD_OP_REQUESTS, 0, "outbox.ack", "acknowledge that a recipient was notified", NULL, 200},
	{"GET", R_TENANT "/subjects/{subject}/export", route_subject_export, API_TENANT, GD_OP_EXPORT, 0, "subject.export", "everything held about a subject (?format=, ?portable=true)", NULL, 200},
	{"GET", R_TENANT "/subjects/{subject}/consents", route_consent_history, API_TENANT, GD_OP_REQUESTS, 0, "consent.history", "a subject's consent history", NULL, 200},
	{"PUT", R_TENANT "/subjects/{subject}/consents/{activity}", route_consent_give, API_TENANT, GD_OP_REQUESTS, 8192, "consent.give", "record a consent with its evidence", "ConsentGive", 201},
	{"DELETE", R_TENANT "/subjects/{subject}/consents/{activity}", route_consent_withdraw, API_TENANT, GD_OP_REQUESTS, 0, "consent.withdraw", "withdraw a consent", NULL, 200},
	{"PUT", R_TENANT "/subjects/{subject}/directive", route_directive_set, API_TENANT, GD_OP_REQUESTS, 8192, "directive.set", "record or replace a subject's post-mortem directive (French law 78-17, art. 85)", "Directive", 200},
	{"GET", R_TENANT "/subjects/{subject}/directive", route_directive_get, API_TENANT, GD_OP_REQUESTS, 0, "directive.get", "a subject's post-mortem directive", NULL, 200},
	{"POST", R_TENANT "/subjects/{subject}/directive/apply", route_directive_apply, API_TENANT, GD_OP_REQUESTS | GD_OP_ERASE | GD_OP_EXPORT, 0, "directive.apply", "apply the directive once the death is established: erase, hand over the copy (in the answer), or keep", NULL, 200},
	{"GET", R_TENANT "/consents/expiring", route_consent_expiring, API_TENANT, GD_OP_REQUESTS, 0, "consent.expiring", "live consents that expire by ?until=, soonest first", NULL, 200},
	{"POST", R_TENANT "/subjects/{subject}/events", route_event_record, API_TENANT, GD_OP_WRITE, 4096, "event.record", "record an event retention counts from (last_contact, contract_end, …)", "Event", 201},
	{"POST", R_TENANT "/holds", route_hold_place, API_TENANT, GD_OP_ADMIN, 4096, "hold.place", "place a legal hold on a subject or record", "Hold", 201},
	{"GET", R_TENANT "/holds", route_hold_list, API_TENANT, GD_OP_ADMIN, 0, "hold.list", "legal holds (?subject=, ?all=true)", NULL, 200},
	{"DELETE", R_TENANT "/holds/{id}", route_hold_lift, API_TENANT, GD_OP_ADMIN, 0, "hold.lift", "lift a legal hold", NULL, 200},
	{"GET", R_TENANT "/backups", route_backup_status, API_TENANT, 0, 0, "backup.status", "the vault's backups: when made, kept until when, and the erasure horizon", NULL, 200},
	{"GET", R_TENANT "/retention/plan", route_retention_plan, API_TENANT, GD_OP_REGISTER, 0, "retention.plan", "what retention will do up to ?until=", NULL, 200},
	{"POST", R_TENANT "/retention/sweep", route_retention_sweep, API_TENANT, GD_OP_ERASE, 0, "retention.sweep", "apply the retention transitions due now", NULL, 200},
	{"GET", R_TENANT "/roles", route_role_list, API_TENANT, GD_OP_ADMIN, 0, "auth.role.list", "roles of the tenant", NULL, 200},
	{"PUT", R_TENANT "/roles/{name}", route_role_set, API_TENANT, GD_OP_ADMIN, 8192, "auth.role.set", "create or replace a role", "Role", 200},
	{"GET", R_TENANT "/principals", route_principal_list, API_TENANT, GD_OP_ADMIN, 0, "auth.principal.list", "people and services of the tenant", NULL, 200},
	{"POST", R_TENANT "/users", route_user_create, API_TENANT, GD_OP_ADMIN, 4096, "auth.user.create", "create a person (password login)", "UserCreate", 201},
	{"POST", R_TENANT "/services", route_service_create, API_TENANT, GD_OP_ADMIN, 4096, "auth.service.create", "create a service (API tokens)", "ServiceCreate", 201},
	{"POST", R_TENANT "/principals/{name}/totp", route_principal_totp, API_TENANT, GD_OP_ADMIN, 0, "auth.totp.enable", "enrol a person in TOTP: the secret and its otpauth URI, shown once", NULL, 201},
	{"POST", R_TENANT "/principals/{name}/unlock", route_principal_unlock, API_TENANT, GD_OP_ADMIN, 0, "auth.unlock", "clear a lockout", NULL, 200},
	{"GET", R_TENANT "/tokens", route_token_list, API_TENANT, GD_OP_ADMIN, 0, "auth.token.list", "tokens and sessions of the tenant", NULL, 200},
	{"POST", R_TENANT "/tokens", route_token_create, API_TENANT, GD_OP_ADMIN, 4096, "auth.token.create", "create an API token (shown once)", "TokenCreate", 201},
	{"DELETE", R_TENANT "/tokens/{id}", route_token_revoke, API_TENANT, GD_OP_ADMIN, 0, "auth.token.revoke", "revoke a token or session", NULL, 200},
	{"GET", R_TENANT "/grants", route_grant_list, API_TENANT, GD_OP_ADMIN, 0, "auth.grant.list", "support-access grants issued by the tenant", NULL, 200},
	{"POST", R_TENANT "/grants", route_grant_create, API_TENANT, GD_OP_ADMIN, 8192, "auth.grant.create", "grant the provider's support time-limited access", "GrantCreate", 201},
	{"DELETE", R_TENANT "/grants/{id}", route_grant_revoke, API_TENANT, GD_OP_ADMIN, 0, "auth.grant.revoke", "revoke a support-access grant", NULL, 200},
};
/* clang-format on */
const size_t api_nroutes = sizeof api_routes / sizeof *api_routes;

/* Matches one pattern; captures point into c->capbuf. */
static bool match(struct api_ctx *c, const char *pat, const char *path)
{
	size_t used = 0;
	int ncap = 0;
	while (*pat && *path) {
		if (*pat == '{') {
			const char *end = strchr(pat, '}');
			size_t n = strcspn(path, "/");
			if (!end || n == 0 || ncap == API_MAX_CAPS || used + n + 1 > sizeof c->capbuf)
				return false;
			memcpy(c->capbuf + used, path, n);
			c->capbuf[used + n] = 0;
			c->caps[ncap++] = c->capbuf + used;
			used += n + 1;
			pat = end + 1;
			path += n;
			continue;
		}
		if (*pat != *path)
			return false;
		pat++, path++;
	}
	return *pat == 0 && *path == 0;
}

bool api_route_heads(const struct api_route *r)
{
	return strcmp(r->method, "GET") == 0 && r->fn != route_request_export;
}

int api_route_match(struct api_ctx *c, const char *method, const char *path)
{
	int other = -1;
	bool head = strcmp(method, "HEAD") == 0;
	if (head)
		method = "GET"; /* the same answer; libmicrohttpd sends no body */
	for (size_t i = 0; i < api_nroutes; i++) {
		if (!match(c, api_routes[i].pattern, path))
			continue;
		if (strcmp(api_routes[i].method, method) == 0 && (!head || api_route_heads(&api_routes[i])))
			return (int)i;
		other = -2;
	}
	return other;
}

void api_allow(const char *path, char *out, size_t n)
{
	struct api_ctx c;
	size_t used = 0;
	out[0] = 0;
	for (size_t i = 0; i < api_nroutes; i++) {
		const char *m = api_routes[i].method;
		if (!match(&c, api_routes[i].pattern, path) || strstr(out, m))
			continue;
		int k = snprintf(out + used, n - used, "%s%s%s", used ? ", " : "", m,
		                 api_route_heads(&api_routes[i]) ? ", HEAD" : "");
		if (k < 0 || (size_t)k >= n - used)
			break;
		used += (size_t)k;
	}
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	                                : c >= 'A' && c <= 'F'       ? c - 'A' + 10
	                                                             : -1;
}

int api_path_decode(const char *raw, size_t n, char *out, size_t outsize)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int ch = (unsigned char)raw[i];
		if (ch == '%') {
			int hi = i + 2 < n ? hexval(raw[i + 1]) : -1, lo = i + 2 < n ? hexval(raw[i + 2]) : -1;
			if (hi < 0 || lo < 0)
				return -1;
			ch = hi * 16 + lo;
			i += 2;
			if (ch == '/')
				return -1;
		}
		if (ch < 0x20 || ch == 0x7f || o + 1 >= outsize)
			return -1;
		out[o++] = (char)ch;
	}
	if (o >= outsize)
		return -1;
	out[o] = 0;
	return 0;
}

int api_uint_parse(const char *s, int64_t *out)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 18 || s[0] == '0' || strspn(s, "0123456789") != n)
		return -1;
	*out = strtoll(s, NULL, 10);
	return 0;
}

size_t api_body_limit(const char *method, const char *path)
{
	struct api_ctx c;
	int i = api_route_match(&c, method, path);
	return i >= 0 ? api_routes[i].body_max : 0;
}

/* ---- responses ---- */

int api_error(struct api_ctx *c, int status, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_decref(c->out);
	c->out = api_problem(status, code, msg);
	if (c->resp)
		c->resp->type = "application/problem+json";
	return status;
}

int api_fail(struct api_ctx *c, int rc)
{
	const char *m = gd_error_last();
	if (!*m)
		m = gd_error_name(rc);
	switch (rc) {
	case GD_EINVAL: return api_error(c, 422, "invalid", "%s", m);
	case GD_ENOTFOUND: return api_error(c, 404, "not_found", "%s", m);
	case GD_EDENIED: return api_error(c, 403, "denied", "%s", m);
	case GD_EEXISTS: return api_error(c, 409, "exists", "%s", m);
	case GD_ESTATE: return api_error(c, 409, "conflict", "%s", m);
	case GD_ETOOBIG: return api_error(c, 413, "too_big", "%s", m);
	case GD_EEXPIRED: return api_error(c, 403, "expired", "%s", m);
	case GD_EBUSY: return api_error(c, 503, "busy", "%s", m);
	case GD_ECORRUPT: return api_error(c, 500, "corrupt", "%s", m);
	case GD_ENOMEM: return api_error(c, 503, "no_memory", "%s", m);
	default: return api_error(c, 500, "internal", "%s", m);
	}
}

int api_str(struct api_ctx *c, const char *key, bool required, const char **out)
{
	json_t *v = c->body ? json_object_get(c->body, key) : NULL;
	*out = NULL;
	if (!v || json_is_null(v)) {
		if (required)
			return api_error(c, 400, "bad_request", "field \"%s\" is missing from the JSON body", key);
		return 0;
	}
	if (!json_is_string(v))
		return api_error(c, 400, "bad_request", "field \"%s\" must be a string", key);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return api_error(c, 400, "bad_request", "field \"%s\" holds a NUL character", key);
	*out = json_string_value(v);
	return 0;
}

const char *api_query(struct api_ctx *c, const char *key)
{
	return c->rq->query ? c->rq->query(c->rq->query_ud, key) : NULL;
}

int api_time(struct api_ctx *c, const char *key, gd_time *out)
{
	const char *s;
	int st = api_str(c, key, false, &s);
	*out = 0;
	if (st || !s)
		return st;
	if (gd_time_parse(out, s) < 0)
		return api_error(c, 400, "bad_request",
		                 "field \"%s\" is not a time: write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ", key);
	return 0;
}

int api_query_time(struct api_ctx *c, const char *key, gd_time *out)
{
	const char *s = api_query(c, key);
	*out = 0;
	if (s && gd_time_parse(out, s) < 0)
		return api_error(c, 400, "bad_request", "?%s= is not a time (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)", key);
	return 0;
}

json_t *api_time_json(gd_time t)
{
	char buf[32];
	if (!t)
		return json_null();
	gd_time_format(buf, t);
	return json_string(buf);
}

int api_id(struct api_ctx *c, int cap, int64_t *out)
{
	if (api_uint_parse(c->caps[cap], out) < 0)
		return api_error(c, 400, "bad_request",
		                 "path parameter %d is not an id: write a positive integer in digits, without sign or "
		                 "leading zero",
		                 cap + 1);
	return 0;
}

/* ---- the pipeline ---- */

static int authenticate(struct api_ctx *c, const struct api_route *r)
{
	const char *h = c->rq->authorization;
	if (!h || strncmp(h, "Bearer ", 7) != 0 || !h[7]) {
		c->resp->www_authenticate = true;
		return api_error(c, 401, "unauthenticated",
		                 "send a token: Authorization: Bearer <token> (log in at POST /v1/auth/login)");
	}
	c->token = h + 7;
	if (r->auth != API_TENANT)
		return 0;
	int rc = gd_auth_open(&c->actor, c->rq->v, c->token, c->caps[0]);
	if (rc == 0) {
		gd_actor_info i;
		gd_actor_info_get(c->actor, &i);
		snprintf(c->resp->principal, sizeof c->resp->principal, "%s", i.principal);
		if (c->rq->client_cn && strcmp(c->rq->client_cn, i.principal) != 0)
			return api_error(c, 403, "denied",
			                 "this token's principal is not the one named by the client certificate (its subject CN)");
		if ((rc = gd_actor_require(c->actor, r->ops, r->action)) < 0)
			return api_fail(c, rc);
		return 0;
	}
	if (rc == GD_EDENIED || rc == GD_EEXPIRED) {
		/* A valid token refused for this tenant is a 403; a bad token a 401. */
		char msg[512];
		snprintf(msg, sizeof msg, "%s", gd_error_last());
		gd_actor *own = NULL;
		int r2 = gd_auth_open(&own, c->rq->v, c->token, NULL);
		gd_actor_close(own);
		if (r2 == 0 || r2 == GD_EINVAL)
			return api_error(c, 403, rc == GD_EEXPIRED ? "expired" : "denied", "%s", msg);
		c->resp->www_authenticate = true;
		return api_error(c, 401, r2 == GD_EEXPIRED ? "expired" : "unauthenticated", "%s", msg);
	}
	if (rc == GD_ENOTFOUND)
		return api_error(c, 404, "not_found", "no such tenant");
	return api_fail(c, rc);
}

/* The answer's JSON text, grown by copies that wipe what they leave behind:
 * json_dumps' own buffer would leave decrypted values in freed memory. */
struct wbuf {
	char *p;
	size_t n, cap;
	bool failed;
};

static int wbuf_put(const char *s, size_t n, void *ud)
{
	struct wbuf *b = ud;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *nb = malloc(cap);
		if (!nb) {
			b->failed = true;
			return -1;
		}
		if (b->p) {
			memcpy(nb, b->p, b->n);
			explicit_bzero(b->p, b->cap);
			free(b->p);
		}
		b->p = nb, b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = 0;
	return 0;
}

void api_handle(const struct api_req *rq, struct api_resp *out, int *route)
{
	struct api_ctx c = {.rq = rq, .resp = out};
	const struct api_doc *doc = NULL;
	unsigned flags = 0;
	struct api_page page = {.limit = 0};
	bool idem = false;
	int status;
	*out = (struct api_resp){.type = "application/json"};
	int i = api_route_match(&c, rq->method, rq->path);
	*route = i;
	if (i == -1) {
		status = api_error(&c, 404, "not_found", "no route %s %.200s: see /v1/openapi.json",
		                   rq->method, rq->path);
		goto done;
	}
	if (i == -2) {
		api_allow(rq->path, out->allow, sizeof out->allow);
		if (strcmp(rq->method, "HEAD") == 0 && strstr(out->allow, "GET"))
			status = api_error(&c, 405, "method_not_allowed",
			                   "HEAD is not answered on %.200s: its GET hands a copy to the data subject, counted"
			                   " (Art. 15(3)), which a HEAD must not do; use GET",
			                   rq->path);
		else
			status = api_error(&c, 405, "method_not_allowed", "%s is not allowed on %.200s: see Allow",
			                   rq->method, rq->path);
		goto done;
	}
	const struct api_route *r = c.route = &api_routes[i];
	doc = api_doc_of(r);
	flags = doc ? doc->flags : 0;
	if (rq->body_len > r->body_max) {
		status = r->body_max ? api_error(&c, 413, "too_big", "request body over the %zu-byte limit of this route",
		                                 r->body_max)
		                     : api_error(&c, 413, "too_big", "this route takes no request body");
		goto done;
	}
	if (r->body_max && strcmp(r->method, "GET") != 0) {
		json_error_t err;
		if (rq->body_len == 0) {
			c.body = json_object();
		} else if (!(c.body = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &err))) {
			/* Never jansson's text: it quotes the body (values, passwords). */
			if (json_error_code(&err) == json_error_duplicate_key)
				status = api_error(&c, 400, "bad_json",
				                   "request body has a key twice (line %d, column %d): each key once",
				                   err.line, err.column);
			else
				status = api_error(&c, 400, "bad_json", "request body is not valid JSON (line %d, column %d)",
				                   err.line, err.column);
			goto done;
		}
		if (!json_is_object(c.body)) {
			status = api_error(&c, 400, "bad_json", "request body must be a JSON object");
			goto done;
		}
	}
	if (r->auth != API_PUBLIC && (status = authenticate(&c, r)) != 0)
		goto done;
	if ((flags & API_PAGED) && (status = api_page_args(&c, doc->op_id, &page)) != 0)
		goto done;
	if ((flags & API_IDEMPOTENT) && rq->idempotency_key) {
		if (api_idem_key_check(rq->idempotency_key) < 0) {
			status = api_error(&c, 400, "bad_request", "Idempotency-Key takes 1 to 255 visible ASCII characters");
			goto done;
		}
		if ((status = api_idem_lookup(&c)) != 0)
			goto done;
		idem = true;
	}
	status = r->fn(&c);
	if (status == 200 && (flags & API_PAGED)) {
		int st = api_page_apply(&c, doc->op_id, doc->list, &page);
		if (st)
			status = st;
	}
done:
	out->status = status;
	if (status == 200 && (flags & (API_PAGED | API_CURSOR))) {
		json_t *next = c.out ? json_object_get(c.out, "next_cursor") : NULL;
		if (json_is_string(next))
			api_link_next(out, rq->path, rq->query_string, json_string_value(next));
	}
	if (c.out && !out->body) {
		struct wbuf b = {0};
		if (json_dump_callback(c.out, wbuf_put, &b, JSON_COMPACT) < 0 || b.failed) {
			if (b.p)
				explicit_bzero(b.p, b.cap), free(b.p);
			b.p = NULL, b.n = 0;
		}
		out->body = b.p;
		out->len = b.n;
	}
	if (status == 204 && out->body) {
		gd_wipe_free(out->body);
		out->body = NULL, out->len = 0;
	}
	if (idem)
		api_idem_store(&c, out);
	if (flags & API_ETAG)
		api_etag_apply(out, rq->if_none_match);
	json_decref(c.out);
	json_decref(c.body);
	gd_actor_close(c.actor);
}
