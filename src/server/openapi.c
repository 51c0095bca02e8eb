/*
 * openapi.c — the OpenAPI 3 document of the HTTP API, generated from the route
 * table (router.c) and the documentation table below, which gives each route
 * what a client generator needs beyond it: an operationId, the query
 * parameters, the schema of the answer, and the conventions the router
 * applies (paging, ETag, Idempotency-Key: conventions.c). The router reads the
 * same table, so the document cannot promise what the server does not do.
 *
 * Invariant: every route of the route table has an entry here (the suite
 * checks that every operation of docs/openapi.json has an operationId, and
 * the document is validated by @redocly/cli).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define R_TENANT "/v1/tenants/{tenant}"
#define Q_PAGE "limit:integer:items per page, 1 to 1000 (100)|cursor:string:next_cursor of the previous page"
#define Q_FORMAT_EXPORT "format:string:json, csv or html (json)"

/* One entry per line, a table to read across: kept out of clang-format. */
/* clang-format off */
static const struct api_doc docs[] = {
	/* method, pattern, operationId, flags, list key, answer schema, query parameters */
	{"GET", "/healthz", "getHealth", 0, NULL, "Health", NULL},
	{"GET", "/metrics", "getMetrics", 0, NULL, NULL, NULL},
	{"GET", "/v1/openapi.json", "getOpenApi", 0, NULL, "Done", NULL},
	{"POST", "/v1/auth/login", "login", 0, NULL, "LoginResult", NULL},
	{"POST", "/v1/auth/logout", "logout", 0, NULL, NULL, NULL},
	{"GET", "/v1/whoami", "whoAmI", 0, NULL, "Actor", NULL},
	{"GET", R_TENANT, "getTenant", 0, NULL, "Actor", NULL},
	{"GET", R_TENANT "/subjects", "listSubjects", API_CURSOR, "subjects", "Subject", Q_PAGE},
	{"POST", R_TENANT "/subjects", "createSubject", API_IDEMPOTENT, NULL, "SubjectRef", NULL},
	{"POST", R_TENANT "/subjects/find", "findSubject", 0, NULL, "SubjectRef", NULL},
	{"POST", R_TENANT "/subjects/{subject}/identifiers", "addIdentifier", API_IDEMPOTENT, NULL, "IdentifierAdded", NULL},
	{"DELETE", R_TENANT "/subjects/{subject}", "eraseSubject", 0, NULL, "SubjectErased", NULL},
	{"POST", R_TENANT "/subjects/{subject}/records", "putRecord", API_IDEMPOTENT, NULL, "RecordRef", NULL},
	{"GET", R_TENANT "/subjects/{subject}/records", "listRecords", API_PAGED, "records", "Record", "!purpose:string:the activity the read is for|" Q_PAGE},
	{"GET", R_TENANT "/records/{id}", "getRecord", 0, NULL, "Record", "!purpose:string:the activity the read is for"},
	{"POST", R_TENANT "/records/{id}/disclose", "discloseRecord", 0, NULL, "Record", NULL},
	{"PUT", R_TENANT "/records/{id}", "updateRecord", 0, NULL, "RecordUpdated", NULL},
	{"DELETE", R_TENANT "/records/{id}", "deleteRecord", 0, NULL, "RecordDeleted", NULL},
	{"DELETE", R_TENANT "/clients/{client}", "eraseClient", 0, NULL, "ClientErased", NULL},
	{"PUT", R_TENANT "/register", "loadRegister", 0, NULL, "RegisterLoaded", NULL},
	{"GET", R_TENANT "/register", "getRegister", API_ETAG, NULL, "Done", "format:string:json, jsonld, md, html, csv or fods (json)|version:integer:a version (the latest)"},
	{"GET", R_TENANT "/register/diff", "diffRegister", API_ETAG, NULL, "RegisterDiff", "from:integer:the older version (the one before to)|to:integer:the newer version (the latest)"},
	{"GET", R_TENANT "/register/versions", "listRegisterVersions", API_ETAG | API_PAGED, "versions", "RegisterVersion", Q_PAGE},
	{"GET", R_TENANT "/audit", "listAudit", API_CURSOR, "entries", "AuditEntry", "from:string:entries from this time|to:string:entries up to this time|principal:string:by this principal|subject:string:about this subject|action:string:this action|purpose:string:for this purpose|outcome:string:ok, denied or failed|record:integer:about this record|limit:integer:entries per page, 1 to 10000 (1000)|cursor:string:next_cursor of the previous page|after:integer:the next of the previous page (older form of cursor)"},
	{"GET", R_TENANT "/audit/verify", "verifyAudit", 0, NULL, "AuditReport", NULL},
	{"POST", R_TENANT "/breaches", "recordBreach", API_IDEMPOTENT, NULL, "BreachId", NULL},
	{"GET", R_TENANT "/breaches", "listBreaches", API_PAGED, "breaches", "Breach", Q_PAGE},
	{"GET", R_TENANT "/breaches/{id}", "getBreach", 0, NULL, "Breach", NULL},
	{"PUT", R_TENANT "/breaches/{id}", "updateBreach", 0, NULL, "Breach", NULL},
	{"POST", R_TENANT "/breaches/{id}/scope", "scopeBreach", 0, NULL, "BreachScopeResult", NULL},
	{"GET", R_TENANT "/breaches/{id}/draft", "draftBreach", 0, NULL, NULL, "to:string:authority or subjects|language:string:fr or en|format:string:text or html"},
	{"POST", R_TENANT "/breaches/{id}/notify", "notifyBreach", 0, NULL, "Breach", NULL},
	{"POST", R_TENANT "/breaches/{id}/controllers", "tellBreachControllers", 0, NULL, "Breach", NULL},
	{"GET", R_TENANT "/calendar", "getCalendar", 0, NULL, "CalendarInfo", NULL},
	{"PUT", R_TENANT "/calendar", "setCalendar", 0, NULL, "CalendarInfo", NULL},
	{"POST", R_TENANT "/requests", "openRequest", API_IDEMPOTENT, NULL, "Request", NULL},
	{"GET", R_TENANT "/requests", "listRequests", API_PAGED, "requests", "Request", "open:boolean:true: open requests only|" Q_PAGE},
	{"GET", R_TENANT "/requests/{id}", "getRequest", 0, NULL, "Request", NULL},
	{"POST", R_TENANT "/requests/{id}/{step}", "stepRequest", 0, NULL, "Request", NULL},
	{"GET", R_TENANT "/requests/{id}/export", "exportRequest", 0, NULL, NULL, Q_FORMAT_EXPORT},
	{"GET", R_TENANT "/outbox", "listOutbox", API_PAGED, "notices", "OutboxNotice", "all:boolean:true: acknowledged ones too|recipient:string:this recipient's|" Q_PAGE},
	{"POST", R_TENANT "/outbox/{id}/ack", "ackOutbox", 0, NULL, "Acknowledged", NULL},
	{"GET", R_TENANT "/subjects/{subject}/export", "exportSubject", 0, NULL, NULL, Q_FORMAT_EXPORT "|portable:boolean:true: the portable data only (Art. 20)"},
	{"GET", R_TENANT "/subjects/{subject}/consents", "listConsents", API_PAGED, "consents", "Consent", Q_PAGE},
	{"PUT", R_TENANT "/subjects/{subject}/consents/{activity}", "giveConsent", 0, NULL, "ConsentState", NULL},
	{"DELETE", R_TENANT "/subjects/{subject}/consents/{activity}", "withdrawConsent", 0, NULL, "ConsentState", "channel:string:how the withdrawal came"},
	{"GET", R_TENANT "/consents/expiring", "listExpiringConsents", API_PAGED, "consents", "Consent", "until:string:the horizon (YYYY-MM-DD)|" Q_PAGE},
	{"PUT", R_TENANT "/subjects/{subject}/directive", "setDirective", 0, NULL, "DirectiveRecorded", NULL},
	{"GET", R_TENANT "/subjects/{subject}/directive", "getDirective", 0, NULL, "DirectiveInfo", NULL},
	{"POST", R_TENANT "/subjects/{subject}/directive/apply", "applyDirective", 0, NULL, "DirectiveApplied", NULL},
	{"POST", R_TENANT "/subjects/{subject}/events", "recordEvent", API_IDEMPOTENT, NULL, "EventRecorded", NULL},
	{"POST", R_TENANT "/holds", "placeHold", API_IDEMPOTENT, NULL, "HoldRef", NULL},
	{"GET", R_TENANT "/holds", "listHolds", API_PAGED, "holds", "HoldInfo", "subject:string:this subject's|all:boolean:true: lifted ones too|" Q_PAGE},
	{"DELETE", R_TENANT "/holds/{id}", "liftHold", 0, NULL, "Lifted", "reason:string:why the hold ends"},
	{"GET", R_TENANT "/backups", "getBackups", 0, NULL, "Backups", NULL},
	{"GET", R_TENANT "/retention/plan", "planRetention", 0, NULL, "RetentionPlan", "!until:string:the horizon (YYYY-MM-DD)"},
	{"POST", R_TENANT "/retention/sweep", "sweepRetention", 0, NULL, "SweepResult", NULL},
	{"GET", R_TENANT "/roles", "listRoles", API_PAGED, "roles", "RoleInfo", Q_PAGE},
	{"PUT", R_TENANT "/roles/{name}", "setRole", 0, NULL, "RoleInfo", NULL},
	{"GET", R_TENANT "/principals", "listPrincipals", API_PAGED, "principals", "Principal", Q_PAGE},
	{"POST", R_TENANT "/users", "createUser", API_IDEMPOTENT, NULL, "PrincipalCreated", NULL},
	{"POST", R_TENANT "/services", "createService", API_IDEMPOTENT, NULL, "PrincipalCreated", NULL},
	{"POST", R_TENANT "/principals/{name}/totp", "enableTotp", 0, NULL, "TotpEnrolment", NULL},
	{"POST", R_TENANT "/principals/{name}/unlock", "unlockPrincipal", 0, NULL, "Unlocked", NULL},
	{"GET", R_TENANT "/tokens", "listTokens", API_PAGED, "tokens", "TokenInfo", Q_PAGE},
	{"POST", R_TENANT "/tokens", "createToken", 0, NULL, "TokenCreated", NULL},
	{"DELETE", R_TENANT "/tokens/{id}", "revokeToken", 0, NULL, "Revoked", NULL},
	{"GET", R_TENANT "/grants", "listGrants", API_PAGED, "grants", "GrantInfo", Q_PAGE},
	{"POST", R_TENANT "/grants", "createGrant", API_IDEMPOTENT, NULL, "GrantCreated", NULL},
	{"DELETE", R_TENANT "/grants/{id}", "revokeGrant", 0, NULL, "Revoked", NULL},
};
/* clang-format on */

const struct api_doc *api_doc_of(const struct api_route *r)
{
	for (size_t i = 0; i < sizeof docs / sizeof *docs; i++)
		if (strcmp(docs[i].method, r->method) == 0 && strcmp(docs[i].pattern, r->pattern) == 0)
			return &docs[i];
	return NULL;
}

/* Request and answer bodies, as JSON Schema (OpenAPI 3.0 dialect): the source is
 * openapi_schemas.json, made into this string by scripts/gen-openapi-schemas.py. */
#include "openapi_schemas.inc"

static json_t *schema_ref(const char *name)
{
	char ref[128];
	snprintf(ref, sizeof ref, "#/components/schemas/%s", name);
	return json_pack("{s:s}", "$ref", ref);
}

/* "name:type:description|…" ("!name": required) → parameters in the query. */
static void add_query_params(json_t *params, const char *spec)
{
	while (spec && *spec) {
		size_t n = strcspn(spec, "|");
		char item[256];
		snprintf(item, sizeof item, "%.*s", (int)(n < sizeof item ? n : sizeof item - 1), spec);
		bool req = item[0] == '!';
		char *name = item + req, *type = strchr(name, ':'), *desc = type ? strchr(type + 1, ':') : NULL;
		if (type && desc) {
			*type++ = 0, *desc++ = 0;
			json_array_append_new(params, json_pack("{s:s,s:s,s:b,s:s,s:{s:s}}", "name", name, "in", "query",
			                                        "required", req, "description", desc, "schema", "type", type));
		}
		spec += n + (spec[n] == '|');
	}
}

/* The answer's content: JSON under its schema, or the route's other types. */
static json_t *ok_content(const struct api_route *r, const struct api_doc *d)
{
	if (r->fn == route_metrics)
		return json_pack("{s:{s:{s:s}}}", "text/plain; version=0.0.4", "schema", "type", "string");
	if (r->fn == route_subject_export || r->fn == route_request_export)
		return json_pack("{s:{s:{s:s}},s:{s:{s:s}},s:{s:{s:s}}}", "application/json", "schema", "type", "object",
		                 "text/csv", "schema", "type", "string", "text/html", "schema", "type", "string");
	if (r->fn == route_breach_draft)
		return json_pack("{s:{s:{s:s}},s:{s:{s:s}}}", "text/plain", "schema", "type", "string", "text/html",
		                 "schema", "type", "string");
	if (r->fn == route_register_get)
		return json_pack("{s:{s:{s:s}},s:{s:{s:s}},s:{s:{s:s}},s:{s:{s:s}},s:{s:{s:s}},s:{s:{s:s,s:s}}}",
		                 "application/json", "schema", "type", "object", "application/ld+json", "schema", "type",
		                 "object", "text/markdown", "schema", "type", "string", "text/html", "schema", "type",
		                 "string", "text/csv", "schema", "type", "string",
		                 "application/vnd.oasis.opendocument.spreadsheet", "schema", "type", "string", "format",
		                 "binary");
	if (!d || !d->resp)
		return NULL;
	json_t *schema = schema_ref(d->resp);
	if (d->list) /* a page: the list, and the cursor of the next page when there is one */
		schema = json_pack("{s:s,s:{s:{s:s,s:o},s:{s:s,s:s}},s:[s],s:b}", "type", "object", "properties", d->list,
		                   "type", "array", "items", schema, "next_cursor", "type", "string", "description",
		                   "pass it as ?cursor= (with the same other parameters) for the next page; absent "
		                   "on the last page",
		                   "required", d->list, "additionalProperties", 1);
	return json_pack("{s:{s:o}}", "application/json", "schema", schema);
}

static json_t *problem_response(const char *description)
{
	return json_pack("{s:s,s:{s:{s:o}}}", "description", description, "content", "application/problem+json",
	                 "schema", schema_ref("Problem"));
}

static json_t *operation(const struct api_route *r, const struct api_doc *d, bool head)
{
	char opid[96], code[8];
	if (d)
		snprintf(opid, sizeof opid, "%s%s", head ? "head" : "", d->op_id);
	else /* a route without its documentation entry still gets a unique id */
		snprintf(opid, sizeof opid, "%s_%s", head ? "HEAD" : r->method, r->action ? r->action : r->pattern);
	if (head && d && opid[4] >= 'a' && opid[4] <= 'z')
		opid[4] = (char)(opid[4] - 'a' + 'A'); /* getRegister → headGetRegister */
	json_t *op = json_pack("{s:s,s:s,s:{}}", "operationId", opid, "summary",
	                       head ? "the headers of the GET of this path, without its body" : r->summary, "responses");
	json_t *params = json_array();
	for (const char *p = strchr(r->pattern, '{'); p; p = strchr(p + 1, '{')) {
		const char *e = strchr(p, '}');
		json_array_append_new(params, json_pack("{s:s%,s:s,s:b,s:{s:s}}", "name", p + 1, (size_t)(e - p - 1),
		                                        "in", "path", "required", 1, "schema", "type", "string"));
	}
	if (d)
		add_query_params(params, d->query);
	if (d && (d->flags & API_ETAG))
		json_array_append_new(params, json_pack("{s:s,s:s,s:b,s:s,s:{s:s}}", "name", "If-None-Match", "in",
		                                        "header", "required", 0, "description",
		                                        "the ETag of the copy held: 304 when it is current", "schema",
		                                        "type", "string"));
	if (d && (d->flags & API_IDEMPOTENT))
		json_array_append_new(params,
		                      json_pack("{s:s,s:s,s:b,s:s,s:{s:s,s:i,s:i}}", "name", "Idempotency-Key", "in",
		                                "header", "required", 0, "description",
		                                "a retry with the same key and body gets the first answer again (kept 24 "
		                                "hours in the server's memory); another request under the key is a 422",
		                                "schema", "type", "string", "minLength", 1, "maxLength", 255));
	if (json_array_size(params))
		json_object_set_new(op, "parameters", params);
	else
		json_decref(params);
	if (r->body_schema && !head)
		json_object_set_new(op, "requestBody",
		                    json_pack("{s:b,s:{s:{s:o}}}", "required", 1, "content", "application/json", "schema",
		                              schema_ref(r->body_schema)));
	json_object_set_new(op, "security",
	                    r->auth != API_PUBLIC ? json_pack("[{s:[]}]", "bearer")
	                    : (r->fn == route_health || r->fn == route_metrics)
	                            ? json_pack("[{},{s:[]}]", "probe") /* --probe-token-file */
	                            : json_array());
	json_t *resp = json_object_get(op, "responses");
	snprintf(code, sizeof code, "%d", r->ok_status);
	json_t *ok = json_pack("{s:s}", "description", "success");
	json_t *content = head || r->ok_status == 204 ? NULL : ok_content(r, d);
	if (content)
		json_object_set_new(ok, "content", content);
	json_t *headers = json_object();
	if (d && (d->flags & API_ETAG))
		json_object_set_new(headers, "ETag",
		                    json_pack("{s:s,s:{s:s}}", "description",
		                              "strong validator of this answer: send it back in If-None-Match", "schema",
		                              "type", "string"));
	if (d && (d->flags & API_IDEMPOTENT))
		json_object_set_new(headers, "Idempotent-Replayed",
		                    json_pack("{s:s,s:{s:s}}", "description",
		                              "true: this is the kept answer of an earlier request with the same key",
		                              "schema", "type", "string"));
	if (d && (d->flags & (API_PAGED | API_CURSOR)))
		json_object_set_new(headers, "Link",
		                    json_pack("{s:s,s:{s:s}}", "description",
		                              "<…&cursor=next_cursor>; rel=\"next\" while another page follows", "schema",
		                              "type", "string"));
	if (json_object_size(headers))
		json_object_set_new(ok, "headers", headers);
	else
		json_decref(headers);
	json_object_set_new(resp, code, ok);
	if (d && (d->flags & API_ETAG))
		json_object_set_new(resp, "304", json_pack("{s:s}", "description", "not modified: the copy held is current"));
	static const char *const errs[][2] = {
		{"400", "malformed request, JSON or cursor"}, {"401", "missing, wrong or expired token"}, {"403", "refused by role, grant, tenant isolation or policy"}, {"404", "no such resource"}, {"409", "already exists or not allowed in the current state"}, {"413", "body over the route's limit"}, {"422", "well-formed but invalid input, or an Idempotency-Key reused for another request"}, {"429", "too many failed logins: wait Retry-After seconds"}, {"503", "busy, or the vault is unavailable"}};
	bool probe = r->fn == route_health || r->fn == route_metrics;
	for (size_t e = 0; e < sizeof errs / sizeof *errs; e++) {
		const char *c = errs[e][0];
		if (r->auth == API_PUBLIC && r->fn != route_login && strcmp(c, "400") != 0 && strcmp(c, "503") != 0 &&
		    !(probe && strcmp(c, "401") == 0))
			continue;
		if (r->fn != route_login && strcmp(c, "429") == 0)
			continue;
		json_t *er = problem_response(errs[e][1]);
		if (strcmp(c, "429") == 0)
			json_object_set_new(er, "headers",
			                    json_pack("{s:{s:s,s:{s:s}}}", "Retry-After", "description",
			                              "seconds to wait; the next attempt after them is tried", "schema",
			                              "type", "integer"));
		if (head)
			json_object_del(er, "content");
		json_object_set_new(resp, c, er);
	}
	return op;
}

static const char description[] =
	"GDPR enforcement engine: subjects, purpose-bound records, erasure, rights, breaches, register, audit. "
	"Errors are problem details (RFC 9457, application/problem+json) with gardien's stable `code`. "
	"Lists are paged: ?limit= and ?cursor= (the next_cursor of the previous page). GET answers to HEAD "
	"too; a method a path does not take is a 405 with Allow. The register's GETs carry an ETag "
	"(If-None-Match: 304). POSTs that create take an Idempotency-Key. See docs/API.md.";

json_t *api_openapi(void)
{
	json_t *paths = json_object();
	for (size_t i = 0; i < api_nroutes; i++) {
		const struct api_route *r = &api_routes[i];
		const struct api_doc *d = api_doc_of(r);
		json_t *item = json_object_get(paths, r->pattern);
		if (!item) {
			item = json_object();
			json_object_set_new(paths, r->pattern, item);
		}
		char m[8];
		size_t k;
		for (k = 0; r->method[k] && k < sizeof m - 1; k++)
			m[k] = (char)(r->method[k] - 'A' + 'a');
		m[k] = 0;
		json_object_set_new(item, m, operation(r, d, false));
		if (api_route_heads(r))
			json_object_set_new(item, "head", operation(r, d, true));
	}
	json_t *schemas = json_loads(schema_text, 0, NULL);
	return json_pack(
		"{s:s,s:{s:s,s:s,s:s,s:{s:s,s:s}},s:[{s:s,s:s},{s:s,s:s,s:{s:{s:s,s:[s,s]},s:{s:s}}}],s:[{s:[]}],"
		"s:o,s:{s:o,s:{s:{s:s,s:s},s:{s:s,s:s,s:s}}}}",
		"openapi", "3.0.3", "info", "title", "gardien API", "version", GD_VERSION, "description", description,
		"license", "name", "Apache-2.0", "url", "https://www.apache.org/licenses/LICENSE-2.0",
		"servers", "url", "/", "description", "the server that serves this document",
		"url", "{scheme}://{host}", "description", "a gardien serve elsewhere", "variables",
		"scheme", "default", "https", "enum", "https", "http", "host", "default", "127.0.0.1:8080",
		"security", "bearer",
		"paths", paths, "components", "schemas", schemas ? schemas : json_object(), "securitySchemes", "bearer",
		"type", "http", "scheme", "bearer", "probe", "type", "http", "scheme", "bearer", "description",
		"the probe token of --probe-token-file, when the server has one");
}

int route_openapi(struct api_ctx *c)
{
	c->out = api_openapi();
	return 200;
}
