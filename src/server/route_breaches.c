/*
 * route_breaches.c — the breach register over HTTP (Art. 33, 34): recording,
 * listing, reading, and the notification decisions.
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
