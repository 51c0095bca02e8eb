/*
 * route_requests.c — data-subject requests over HTTP: opening, listing,
 * reading, and each step of the workflow (verify, start, extend, refuse,
 * complete, rectify, erase).
 * Same contract as every route file: the router authenticated, isolated and
 * checked the operation; these call the library and shape the answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

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
