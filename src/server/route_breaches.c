/*
 * route_breaches.c — the breach register over HTTP (Art. 33, 34): recording,
 * listing, reading, completing in phases, the scope from the audit trail, the
 * notification drafts, and the notification decisions.
 * Same contract as every route file: the router authenticated, isolated and
 * checked the operation; these call the library and shape the answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

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

/* PUT /breaches/{id}: completes or corrects a breach (Art. 33(4): information in phases). */
int route_breach_update(struct api_ctx *c)
{
	gd_breach_spec s = GD_BREACH_SPEC_INIT;
	int64_t id = 0;
	int st, rc;
	if ((st = api_id(c, 1, &id)) || (st = breach_spec(c, &s)))
		return st;
	/* Only what the body names changes (the library keeps the rest; high_risk can only be raised). */
	if ((rc = gd_breach_update(c->actor, id, &s)) < 0)
		return api_fail(c, rc);
	return route_breach_get(c);
}

static int add_breach(void *ud, const gd_breach *b)
{
	return json_array_append_new(ud, gd_breach_json(b));
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
	c->out = gd_breach_json(b);
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

/* ---- breach scope and drafts ---- */

static int add_scope_row(void *ud, enum gd_breach_scope_row kind, const char *name, int64_t subjects,
                         int64_t records, int64_t accesses)
{
	json_t **acc = ud;
	if (kind == GD_BREACH_SCOPE_CATEGORY)
		return json_array_append_new(acc[0], json_pack("{s:s,s:I,s:I,s:I}", "category", name, "subjects",
		                                               (json_int_t)subjects, "records", (json_int_t)records,
		                                               "accesses", (json_int_t)accesses));
	return json_array_append_new(acc[1], json_pack("{s:s,s:I,s:I}", "subject", name, "records",
	                                               (json_int_t)records, "accesses", (json_int_t)accesses));
}

int route_breach_scope(struct api_ctx *c)
{
	gd_breach_scope_spec s = GD_BREACH_SCOPE_INIT;
	gd_breach_scope_result r = {0};
	int64_t id = 0;
	int st, rc;
	if ((st = api_id(c, 1, &id)) || (st = api_time(c, "from", &s.from)) || (st = api_time(c, "to", &s.to)) ||
	    (st = api_str(c, "principal", false, &s.principal)) || (st = api_str(c, "activity", false, &s.activity)))
		return st;
	if (!s.from)
		return api_error(c, 400, "bad_request", "field \"from\" is missing: the start of the incident window");
	json_t *acc[2] = {json_array(), json_array()};
	if ((rc = gd_breach_scope(c->actor, id, &s, &r, add_scope_row, acc)) < 0) {
		json_decref(acc[0]);
		json_decref(acc[1]);
		return api_fail(c, rc);
	}
	c->out = json_pack("{s:I,s:I,s:I,s:I,s:I,s:o,s:o}", "breach", (json_int_t)id, "accesses",
	                   (json_int_t)r.accesses, "subjects", (json_int_t)r.subjects, "records", (json_int_t)r.records,
	                   "categories", (json_int_t)r.categories, "by_category", acc[0], "by_subject", acc[1]);
	return 200;
}

int route_breach_draft(struct api_ctx *c)
{
	const char *to = api_query(c, "to"), *lang = api_query(c, "language"), *format = api_query(c, "format");
	enum gd_breach_recipient who = GD_BREACH_AUTHORITY;
	enum gd_breach_format fmt = GD_BREACH_TEXT;
	int64_t id = 0;
	char *text = NULL;
	int st, rc;
	if ((st = api_id(c, 1, &id)))
		return st;
	if (to && strcmp(to, "subjects") == 0)
		who = GD_BREACH_SUBJECTS;
	else if (to && strcmp(to, "authority") != 0)
		return api_error(c, 400, "bad_request", "?to= takes authority or subjects");
	if (format && strcmp(format, "html") == 0)
		fmt = GD_BREACH_HTML;
	else if (format && strcmp(format, "text") != 0)
		return api_error(c, 400, "bad_request", "?format= takes text or html");
	if (lang && strcmp(lang, "fr") != 0 && strcmp(lang, "en") != 0)
		return api_error(c, 400, "bad_request", "?language= takes fr or en");
	if ((rc = gd_breach_draft(c->actor, &text, id, who, lang, fmt)) < 0)
		return api_fail(c, rc);
	c->resp->len = strlen(text);
	c->resp->body = malloc(c->resp->len + 1);
	if (!c->resp->body) {
		gd_breach_draft_free(text);
		return api_error(c, 503, "no_memory", "out of memory");
	}
	memcpy(c->resp->body, text, c->resp->len + 1);
	gd_breach_draft_free(text);
	c->resp->type = fmt == GD_BREACH_HTML ? "text/html; charset=utf-8" : "text/plain; charset=utf-8";
	return 200;
}
