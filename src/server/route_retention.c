/*
 * route_retention.c — retention over HTTP: events the clocks count from,
 * legal holds, the plan of what is due and the sweep.
 * Same contract as every route file: the router authenticated, isolated and
 * checked the operation; these call the library and shape the answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

int route_event_record(struct api_ctx *c)
{
	const char *name, *object = NULL;
	gd_time at;
	int st, rc;
	if ((st = api_str(c, "name", true, &name)) || (st = api_str(c, "object", false, &object)) ||
	    (st = api_time(c, "at", &at)))
		return st;
	if ((rc = object ? gd_event_record_object(c->actor, c->caps[1], name, object, at)
	                 : gd_event_record(c->actor, c->caps[1], name, at)) < 0)
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
	return json_array_append_new(ud, gd_hold_json(h));
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
	return json_array_append_new(ud, gd_retention_plan_row_json(r));
}

int route_retention_plan(struct api_ctx *c)
{
	gd_retention_plan_totals t;
	gd_time until;
	int st, rc;
	if ((st = api_query_time(c, "until", &until)))
		return st;
	if (!until)
		return api_error(c, 400, "bad_request", "give the horizon: ?until=YYYY-MM-DD");
	json_t *rows = json_array();
	if ((rc = gd_retention_plan(c->actor, until, add_row, rows, &t)) < 0) {
		json_decref(rows);
		return api_fail(c, rc);
	}
	c->out = json_pack("{s:o,s:I,s:I,s:I,s:I,s:I}", "rows", rows, "transitions", (json_int_t)t.transitions, "held",
	                   (json_int_t)t.held, "waiting", (json_int_t)t.waiting, "no_rule", (json_int_t)t.no_rule,
	                   "kept_by_consent", (json_int_t)t.kept_by_consent);
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
