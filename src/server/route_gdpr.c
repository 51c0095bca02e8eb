/*
 * route_gdpr.c — the register, the audit trail, breaches, data-subject
 * requests, consents, events, legal holds, retention and exports over HTTP.
 * Same contract as the other route files: the router authenticated, isolated
 * and checked the operation; these call the library and shape the answer.
 * Documents the library streams (exports, register renderings) are collected
 * in memory up to API_EXPORT_MAX.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define API_EXPORT_MAX (64u * 1024 * 1024)

/* ---- streamed documents ---- */

struct sink {
	char *p;
	size_t n, cap;
	bool over;
};

static int sink_write(void *ud, const void *p, size_t n)
{
	struct sink *s = ud;
	if (s->over || s->n + n > API_EXPORT_MAX) {
		s->over = true;
		return -1;
	}
	if (s->n + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 8192;
		while (cap < s->n + n + 1)
			cap *= 2;
		/* Not realloc: the old block held personal data and is wiped as it goes. */
		char *np = malloc(cap);
		if (!np)
			return -1;
		if (s->n)
			memcpy(np, s->p, s->n);
		gd_wipe_free(s->p);
		s->p = np, s->cap = cap;
	}
	memcpy(s->p + s->n, p, n);
	s->n += n;
	s->p[s->n] = 0;
	return 0;
}

static int export_format(struct api_ctx *c, enum gd_export_format *fmt, const char **type)
{
	const char *f = api_query(c, "format");
	if (!f || strcmp(f, "json") == 0)
		*fmt = GD_EXPORT_JSON, *type = "application/json";
	else if (strcmp(f, "csv") == 0)
		*fmt = GD_EXPORT_CSV, *type = "text/csv; charset=utf-8";
	else if (strcmp(f, "html") == 0)
		*fmt = GD_EXPORT_HTML, *type = "text/html; charset=utf-8";
	else
		return api_error(c, 400, "bad_request", "?format= takes json, csv or html");
	return 0;
}

/* Hands a collected document to the response. */
static int send_doc(struct api_ctx *c, struct sink *s, const char *type)
{
	c->resp->body = s->p ? s->p : calloc(1, 1);
	c->resp->len = s->n;
	c->resp->type = type;
	return 200;
}

static int sink_fail(struct api_ctx *c, struct sink *s, int rc)
{
	gd_wipe_free(s->p);
	if (s->over)
		return api_error(c, 413, "too_big", "the document is over %u bytes: use the CLI", API_EXPORT_MAX);
	return api_fail(c, rc);
}

/* ---- register ---- */

int route_register_load(struct api_ctx *c)
{
	const char *yaml, *name;
	int64_t version;
	int unchanged = 0, st, rc;
	if ((st = api_str(c, "yaml", true, &yaml)) || (st = api_str(c, "name", false, &name)))
		return st;
	rc = gd_register_load_buffer(c->actor, name ? name : "register.yml", yaml, strlen(yaml), &version,
	                             &unchanged);
	if (rc < 0)
		return api_fail(c, rc);
	c->out = json_pack("{s:I,s:b}", "version", (json_int_t)version, "unchanged", unchanged);
	return unchanged ? 200 : 201;
}

int route_register_get(struct api_ctx *c)
{
	const char *f = api_query(c, "format"), *v = api_query(c, "version");
	const char *format = f ? f : "json";
	int64_t version = v ? strtoll(v, NULL, 10) : 0;
	static const char *const types[][2] = {
		{"json", "application/json"}, {"jsonld", "application/ld+json"}, {"md", "text/markdown; charset=utf-8"},
		{"html", "text/html; charset=utf-8"}, {"csv", "text/csv; charset=utf-8"}};
	const char *type = NULL;
	for (size_t i = 0; i < sizeof types / sizeof *types; i++)
		if (strcmp(types[i][0], format) == 0)
			type = types[i][1];
	if (!type)
		return api_error(c, 400, "bad_request", "?format= takes json, jsonld, md, html or csv");
	char *buf = NULL;
	size_t n = 0;
	FILE *mem = open_memstream(&buf, &n);
	if (!mem)
		return api_error(c, 503, "no_memory", "out of memory");
	int rc = gd_register_export(c->actor, version, format, mem);
	fclose(mem);
	if (rc < 0) {
		free(buf);
		return api_fail(c, rc);
	}
	c->resp->body = buf, c->resp->len = n, c->resp->type = type;
	return 200;
}

static int add_version(void *ud, const gd_register_version *v)
{
	return json_array_append_new(ud, json_pack("{s:I,s:o,s:s,s:s,s:s,s:i}", "version", (json_int_t)v->version,
	                                           "loaded_at", api_time_json(v->loaded_at), "principal",
	                                           v->principal, "file", v->file, "digest", v->digest,
	                                           "activities", v->activities));
}

int route_register_versions(struct api_ctx *c)
{
	json_t *list = json_array();
	int rc = gd_register_versions(c->actor, add_version, list);
	if (rc < 0) {
		json_decref(list);
		return api_fail(c, rc);
	}
	c->out = json_pack("{s:o}", "versions", list);
	return 200;
}

/* ---- audit ---- */

static int add_entry(void *ud, const gd_audit_entry *e)
{
	json_t **acc = ud;
	if (json_array_size(acc[0]) >= (size_t)json_integer_value(acc[1]))
		return 1; /* page full */
	json_t *j = json_pack("{s:I,s:o,s:s,s:s,s:s?,s:s?,s:s?,s:s?}", "seq", (json_int_t)e->seq, "at",
	                      api_time_json(e->at), "principal", e->principal, "action", e->action, "purpose",
	                      e->purpose, "subject", e->subject, "category", e->category, "reason", e->reason);
	json_object_set_new(j, "outcome", json_string(gd_audit_outcome_name(e->outcome)));
	if (e->record_id)
		json_object_set_new(j, "record_id", json_integer(e->record_id));
	return json_array_append_new(acc[0], j);
}

static int query_time(struct api_ctx *c, const char *key, gd_time *out)
{
	const char *s = api_query(c, key);
	*out = 0;
	if (s && gd_time_parse(out, s) < 0)
		return api_error(c, 400, "bad_request", "?%s= is not a time (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)", key);
	return 0;
}

int route_audit_list(struct api_ctx *c)
{
	gd_audit_filter f = GD_AUDIT_FILTER_INIT;
	int st;
	if ((st = query_time(c, "from", &f.from)) || (st = query_time(c, "to", &f.to)))
		return st;
	f.principal = api_query(c, "principal");
	f.subject = api_query(c, "subject");
	f.action = api_query(c, "action");
	f.purpose = api_query(c, "purpose");
	const char *o = api_query(c, "outcome"), *lim = api_query(c, "limit"), *rec = api_query(c, "record");
	if (o && (f.outcome = gd_audit_outcome_parse(o)) < 0)
		return api_error(c, 400, "bad_request", "?outcome= takes ok, denied or failed");
	if (rec) {
		char *end;
		f.record_id = strtoll(rec, &end, 10);
		if (end == rec || *end || f.record_id <= 0)
			return api_error(c, 400, "bad_request", "?record= takes a record id (a positive number)");
	}
	long limit = lim ? strtol(lim, NULL, 10) : 1000;
	if (limit < 1 || limit > 10000)
		return api_error(c, 400, "bad_request", "?limit= takes 1 to 10000");
	json_t *acc[2] = {json_array(), json_integer(limit)};
	int rc = gd_audit_list(c->actor, &f, add_entry, acc);
	json_decref(acc[1]);
	if (rc < 0) {
		json_decref(acc[0]);
		return api_fail(c, rc);
	}
	c->out = json_pack("{s:o,s:b}", "entries", acc[0], "truncated", rc == 1);
	return 200;
}

int route_audit_verify(struct api_ctx *c)
{
	gd_audit_report r;
	int rc = gd_audit_verify(c->rq->v, c->caps[0], &r, NULL, NULL);
	if (rc < 0 && rc != GD_ECORRUPT)
		return api_fail(c, rc);
	c->out = json_pack("{s:s,s:b,s:I,s:I,s:I,s:s}", "result", gd_audit_problem_name(r.problem), "intact",
	                   rc == 0, "entries", (json_int_t)r.entries, "checkpoints", (json_int_t)r.checkpoints,
	                   "unsigned_tail", (json_int_t)r.unsigned_tail, "detail", r.detail);
	if (rc == GD_ECORRUPT)
		json_object_set_new(c->out, "first_bad_seq", json_integer(r.seq));
	return 200;
}

/* ---- breaches ---- */

static int breach_spec(struct api_ctx *c, gd_breach_spec *s)
{
	int st;
	if ((st = api_time(c, "detected_at", &s->detected_at)) || (st = api_time(c, "started_at", &s->started_at)) ||
	    (st = api_time(c, "ended_at", &s->ended_at)) || (st = api_str(c, "nature", false, &s->nature)) ||
	    (st = api_str(c, "description", false, &s->description)) ||
	    (st = api_str(c, "data_categories", false, &s->data_categories)) ||
	    (st = api_str(c, "subject_categories", false, &s->subject_categories)) ||
	    (st = api_str(c, "consequences", false, &s->consequences)) ||
	    (st = api_str(c, "measures_taken", false, &s->measures_taken)) ||
	    (st = api_str(c, "measures_proposed", false, &s->measures_proposed)) ||
	    (st = api_str(c, "contact", false, &s->contact)) || (st = api_str(c, "controller", false, &s->controller)) ||
	    (st = api_str(c, "language", false, &s->language)))
		return st;
	json_t *x;
	if ((x = json_object_get(c->body, "approx_subjects")) && json_is_integer(x))
		s->approx_subjects = json_integer_value(x);
	if ((x = json_object_get(c->body, "approx_records")) && json_is_integer(x))
		s->approx_records = json_integer_value(x);
	s->high_risk = json_is_true(json_object_get(c->body, "high_risk"));
	return 0;
}

static json_t *breach_json(const gd_breach *b)
{
	json_t *j = json_pack("{s:I,s:o,s:o,s:s?,s:s?,s:s?,s:s?,s:I,s:I,s:b,s:o,s:I,s:s,s:o,s:o}", "id",
	                      (json_int_t)b->id, "detected_at", api_time_json(b->detected_at), "deadline",
	                      api_time_json(b->deadline), "nature", b->nature, "description", b->description,
	                      "data_categories", b->data_categories, "subject_categories", b->subject_categories,
	                      "approx_subjects", (json_int_t)b->approx_subjects, "approx_records",
	                      (json_int_t)b->approx_records, "high_risk", b->high_risk != 0, "notified_at",
	                      api_time_json(b->notified_at), "seconds_left", (json_int_t)b->seconds_left, "status",
	                      b->status, "subjects_informed_at", api_time_json(b->subjects_informed_at),
	                      "started_at", api_time_json(b->started_at));
	return j;
}

int route_breach_record(struct api_ctx *c)
{
	gd_breach_spec s = GD_BREACH_SPEC_INIT;
	int64_t id = 0;
	int st, rc;
	if ((st = breach_spec(c, &s)))
		return st;
	if ((rc = gd_breach_record(c->actor, &id, &s)) < 0)
		return api_fail(c, rc);
	c->out = json_pack("{s:I}", "id", (json_int_t)id);
	return 201;
}

static int add_breach(void *ud, const gd_breach *b)
{
	return json_array_append_new(ud, breach_json(b));
}

int route_breach_list(struct api_ctx *c)
{
	json_t *list = json_array();
	int rc = gd_breach_list(c->actor, add_breach, list);
	if (rc < 0) {
		json_decref(list);
		return api_fail(c, rc);
	}
	c->out = json_pack("{s:o}", "breaches", list);
	return 200;
}

int route_breach_get(struct api_ctx *c)
{
	gd_breach *b;
	int64_t id = 0;
	int st, rc;
	if ((st = api_id(c, 1, &id)))
		return st;
	if ((rc = gd_breach_get(c->actor, &b, id)) < 0)
		return api_fail(c, rc);
	c->out = breach_json(b);
	gd_breach_free(b);
	return 200;
}

int route_breach_notify(struct api_ctx *c)
{
	const char *why;
	gd_time at;
	int64_t id = 0;
	int st, rc;
	if ((st = api_id(c, 1, &id)) || (st = api_time(c, "at", &at)) || (st = api_str(c, "delay_reason", false, &why)))
		return st;
	if ((rc = gd_breach_notify(c->actor, id, at, why)) < 0)
		return api_fail(c, rc);
	return route_breach_get(c);
}

/* ---- requests ---- */

static json_t *request_json(const gd_request *r)
{
	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:o,s:o,s:b,s:b,s:s,s:o,s:s}", "id", (json_int_t)r->id, "subject",
	                 r->subject, "kind", r->kind, "activity", r->activity, "state",
	                 gd_request_state_name(r->state), "received_at", api_time_json(r->received_at), "due_at",
	                 api_time_json(r->due_at), "extended", r->extended, "late", r->late, "reason", r->reason,
	                 "identity_verified_at", api_time_json(r->identity_at), "opened_by", r->opened_by);
}

int route_request_open(struct api_ctx *c)
{
	gd_request_spec s = GD_REQUEST_SPEC_INIT;
	int64_t id = 0;
	int st, rc;
	if ((st = api_str(c, "kind", true, &s.kind)) || (st = api_str(c, "subject", true, &s.subject)) ||
	    (st = api_str(c, "activity", false, &s.activity)) || (st = api_time(c, "received_at", &s.received_at)))
		return st;
	if ((rc = gd_request_open(c->actor, &id, &s)) < 0)
		return api_fail(c, rc);
	gd_request r;
	if ((rc = gd_request_get(c->actor, &r, id)) < 0)
		return api_fail(c, rc);
	c->out = request_json(&r);
	return 201;
}

static int add_request(void *ud, const gd_request *r)
{
	return json_array_append_new(ud, request_json(r));
}

int route_request_list(struct api_ctx *c)
{
	const char *open = api_query(c, "open");
	json_t *list = json_array();
	int rc = gd_request_list(c->actor, open && strcmp(open, "true") == 0, add_request, list);
	if (rc < 0) {
		json_decref(list);
		return api_fail(c, rc);
	}
	c->out = json_pack("{s:o}", "requests", list);
	return 200;
}

int route_request_get(struct api_ctx *c)
{
	gd_request r;
	int64_t id = 0;
	int st, rc;
	if ((st = api_id(c, 1, &id)))
		return st;
	if ((rc = gd_request_get(c->actor, &r, id)) < 0)
		return api_fail(c, rc);
	c->out = request_json(&r);
	return 200;
}

static int add_kept(void *ud, const gd_erasure_kept *k)
{
	return json_array_append_new(ud, json_pack("{s:I,s:s,s:s,s:s,s:o}", "record_id", (json_int_t)k->record_id,
	                                           "activity", k->activity, "category", k->category, "rule",
	                                           k->rule, "until", api_time_json(k->until)));
}

/* POST /requests/{id}/{step}: verify, start, extend, refuse, complete, erase. */
int route_request_step(struct api_ctx *c)
{
	const char *step = c->caps[2], *method, *ref, *reason;
	int64_t id = 0;
	int st, rc;
	json_t *kept = NULL;
	if ((st = api_id(c, 1, &id)) || (st = api_str(c, "method", false, &method)) ||
	    (st = api_str(c, "evidence", false, &ref)) || (st = api_str(c, "reason", false, &reason)))
		return st;
	if (strcmp(step, "verify") == 0) {
		if (!method)
			return api_error(c, 400, "bad_request", "field \"method\" is missing: how the identity was verified");
		rc = gd_request_verify(c->actor, id, method, ref);
	} else if (strcmp(step, "start") == 0) {
		rc = gd_request_start(c->actor, id);
	} else if (strcmp(step, "extend") == 0) {
		rc = gd_request_extend(c->actor, id, reason);
	} else if (strcmp(step, "refuse") == 0) {
		rc = gd_request_refuse(c->actor, id, reason);
	} else if (strcmp(step, "complete") == 0) {
		rc = gd_request_complete(c->actor, id, reason);
	} else if (strcmp(step, "erase") == 0) {
		if (gd_actor_require(c->actor, GD_OP_ERASE, "request.erase") < 0)
			return api_fail(c, GD_EDENIED);
		size_t deleted = 0;
		kept = json_array();
		rc = gd_request_erase(c->actor, id, add_kept, kept, &deleted);
	} else {
		return api_error(c, 404, "not_found", "no step \"%.32s\": verify, start, extend, refuse, complete or erase",
		                 step);
	}
	if (rc < 0) {
		json_decref(kept);
		return api_fail(c, rc);
	}
	gd_request r;
	if ((rc = gd_request_get(c->actor, &r, id)) < 0) {
		json_decref(kept);
		return api_fail(c, rc);
	}
	c->out = request_json(&r);
	if (kept)
		json_object_set_new(c->out, "kept", kept);
	return 200;
}

int route_request_export(struct api_ctx *c)
{
	enum gd_export_format fmt = GD_EXPORT_JSON;
	const char *type = "application/json";
	struct sink s = {0};
	int64_t id = 0, copy = 0;
	bool charged = false;
	int st, rc;
	if ((st = api_id(c, 1, &id)) || (st = export_format(c, &fmt, &type)))
		return st;
	if ((rc = gd_request_export(c->actor, id, fmt, sink_write, &s, &copy, &charged)) < 0)
		return sink_fail(c, &s, rc);
	return send_doc(c, &s, type);
}

int route_subject_export(struct api_ctx *c)
{
	enum gd_export_format fmt = GD_EXPORT_JSON;
	const char *type = "application/json", *portable = api_query(c, "portable");
	struct sink s = {0};
	int st, rc;
	if ((st = export_format(c, &fmt, &type)))
		return st;
	rc = gd_rights_export(c->actor, c->caps[1], fmt, portable && strcmp(portable, "true") == 0 ? GD_EXPORT_PORTABLE : 0,
	                      sink_write, &s);
	if (rc < 0)
		return sink_fail(c, &s, rc);
	return send_doc(c, &s, type);
}

/* ---- consents ---- */

int route_consent_give(struct api_ctx *c)
{
	gd_consent_evidence ev = GD_CONSENT_EVIDENCE_INIT;
	int st, rc;
	if ((st = api_str(c, "text", false, &ev.text)) || (st = api_str(c, "text_version", false, &ev.text_version)) ||
	    (st = api_str(c, "channel", true, &ev.channel)) || (st = api_str(c, "source", false, &ev.source)))
		return st;
	if ((rc = gd_consent_give(c->actor, c->caps[1], c->caps[2], &ev)) < 0)
		return api_fail(c, rc);
	c->out = json_pack("{s:s,s:s,s:s}", "subject", c->caps[1], "activity", c->caps[2], "state", "live");
	return 201;
}

int route_consent_withdraw(struct api_ctx *c)
{
	const char *channel = api_query(c, "channel");
	int rc = gd_consent_withdraw(c->actor, c->caps[1], c->caps[2], channel ? channel : "api");
	if (rc < 0)
		return api_fail(c, rc);
	c->out = json_pack("{s:s,s:s,s:s}", "subject", c->caps[1], "activity", c->caps[2], "state", "withdrawn");
	return 200;
}

static int add_consent(void *ud, const gd_consent *k)
{
	static const char *const ev[] = {"", "given", "renewed", "withdrawn", "expired"};
	return json_array_append_new(ud, json_pack("{s:s,s:s,s:o,s:o,s:s,s:s,s:s}", "activity", k->activity, "event",
	                                           ev[k->event % 5], "at", api_time_json(k->at), "expires_at",
	                                           api_time_json(k->expires_at), "text_version", k->text_version,
	                                           "channel", k->channel, "principal", k->principal));
}

int route_consent_history(struct api_ctx *c)
{
	json_t *list = json_array();
	int rc = gd_consent_history(c->actor, c->caps[1], add_consent, list);
	if (rc < 0) {
		json_decref(list);
		return api_fail(c, rc);
	}
	c->out = json_pack("{s:s,s:o}", "subject", c->caps[1], "consents", list);
	return 200;
}

/* ---- events, holds, retention ---- */

int route_event_record(struct api_ctx *c)
{
	const char *name;
	gd_time at;
	int st, rc;
	if ((st = api_str(c, "name", true, &name)) || (st = api_time(c, "at", &at)))
		return st;
	if ((rc = gd_event_record(c->actor, c->caps[1], name, at)) < 0)
		return api_fail(c, rc);
	c->out = json_pack("{s:s,s:s,s:o}", "subject", c->caps[1], "event", name, "at", api_time_json(at));
	return 201;
}

int route_hold_place(struct api_ctx *c)
{
	const char *subject, *reason;
	int64_t id, rec = 0;
	int st, rc;
	if ((st = api_str(c, "subject", true, &subject)) || (st = api_str(c, "reason", true, &reason)))
		return st;
	json_t *r = json_object_get(c->body, "record_id");
	if (r && !json_is_integer(r))
		return api_error(c, 400, "bad_request", "field \"record_id\" must be an integer");
	rec = r ? json_integer_value(r) : 0;
	if ((rc = gd_hold_place(c->actor, &id, subject, rec, reason)) < 0)
		return api_fail(c, rc);
	c->out = json_pack("{s:I,s:s}", "id", (json_int_t)id, "subject", subject);
	return 201;
}

int route_hold_lift(struct api_ctx *c)
{
	const char *reason = api_query(c, "reason");
	int64_t id = 0;
	int st, rc;
	if ((st = api_id(c, 1, &id)))
		return st;
	if ((rc = gd_hold_lift(c->actor, id, reason ? reason : "lifted over the API")) < 0)
		return api_fail(c, rc);
	c->out = json_pack("{s:I,s:b}", "id", (json_int_t)id, "lifted", 1);
	return 200;
}

static int add_hold(void *ud, const gd_hold *h)
{
	return json_array_append_new(ud, json_pack("{s:I,s:s,s:I,s:s,s:o,s:s,s:o}", "id", (json_int_t)h->id, "subject",
	                                           h->subject, "record_id", (json_int_t)h->record_id, "reason",
	                                           h->reason, "placed_at", api_time_json(h->placed_at), "placed_by",
	                                           h->placed_by, "lifted_at", api_time_json(h->lifted_at)));
}

int route_hold_list(struct api_ctx *c)
{
	const char *all = api_query(c, "all");
	json_t *list = json_array();
	int rc = gd_hold_list(c->actor, api_query(c, "subject"), all && strcmp(all, "true") == 0, add_hold, list);
	if (rc < 0) {
		json_decref(list);
		return api_fail(c, rc);
	}
	c->out = json_pack("{s:o}", "holds", list);
	return 200;
}

static int add_row(void *ud, const gd_retention_plan_row *r)
{
	return json_array_append_new(ud, json_pack("{s:s,s:s,s:s,s:s,s:I,s:o}", "month", r->month, "activity",
	                                           r->activity, "action", gd_retention_action_name(r->action),
	                                           "rule", r->rule, "count", (json_int_t)r->count, "first_due",
	                                           api_time_json(r->first_due)));
}

int route_retention_plan(struct api_ctx *c)
{
	gd_retention_plan_totals t;
	gd_time until;
	int st, rc;
	if ((st = query_time(c, "until", &until)))
		return st;
	if (!until)
		return api_error(c, 400, "bad_request", "give the horizon: ?until=YYYY-MM-DD");
	json_t *rows = json_array();
	if ((rc = gd_retention_plan(c->actor, until, add_row, rows, &t)) < 0) {
		json_decref(rows);
		return api_fail(c, rc);
	}
	c->out = json_pack("{s:o,s:I,s:I,s:I,s:I}", "rows", rows, "transitions", (json_int_t)t.transitions, "held",
	                   (json_int_t)t.held, "waiting", (json_int_t)t.waiting, "no_rule", (json_int_t)t.no_rule);
	return 200;
}

int route_retention_sweep(struct api_ctx *c)
{
	gd_retention_sweep_options o = GD_RETENTION_SWEEP_OPTIONS_INIT;
	gd_retention_stats s;
	int rc = gd_retention_sweep(c->actor, &o, &s);
	if (rc < 0)
		return api_fail(c, rc);
	c->out = json_pack("{s:I,s:I,s:I,s:I,s:b}", "scheduled", (json_int_t)s.scheduled, "archived",
	                   (json_int_t)s.archived, "anonymised", (json_int_t)s.anonymised, "deleted",
	                   (json_int_t)s.deleted, "complete", s.complete);
	return 200;
}
