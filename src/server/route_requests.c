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
	c->out = gd_request_json(&r);
	return 201;
}

static int add_request(void *ud, const gd_request *r)
{
	return json_array_append_new(ud, gd_request_json(r));
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
	c->out = gd_request_json(&r);
	return 200;
}

static int add_kept(void *ud, const gd_erasure_kept *k)
{
	return json_array_append_new(ud, json_pack("{s:I,s:s,s:s,s:s,s:o,s:s?}", "record_id", (json_int_t)k->record_id,
	                                           "activity", k->activity, "category", k->category, "rule",
	                                           k->rule, "until", api_time_json(k->until), "ends", k->ends));
}

/* POST /requests/{id}/{step}: verify, start, extend, refuse, rectify, complete, erase. */
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
	} else if (strcmp(step, "rectify") == 0) {
		/* {"record_id": N, "value": "text" or any JSON}: the record's new value. */
		json_t *rec = json_object_get(c->body, "record_id"), *val = json_object_get(c->body, "value");
		if (!json_is_integer(rec) || json_integer_value(rec) <= 0 || !val)
			return api_error(c, 400, "bad_request",
			                 "rectify takes {\"record_id\": N, \"value\": …}: the record and its corrected value");
		if (gd_actor_require(c->actor, GD_OP_WRITE, "request.rectify") < 0)
			return api_fail(c, GD_EDENIED);
		char *json = json_is_string(val) ? NULL : json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY);
		if (!json_is_string(val) && !json)
			return api_error(c, 503, "no_memory", "out of memory");
		rc = json ? gd_request_rectify(c->actor, id, json_integer_value(rec), GD_VALUE_JSON, json, strlen(json))
		          : gd_request_rectify(c->actor, id, json_integer_value(rec), GD_VALUE_TEXT, json_string_value(val),
		                               json_string_length(val));
		gd_wipe_free(json); /* the new value, as JSON text */
	} else if (strcmp(step, "erase") == 0) {
		if (gd_actor_require(c->actor, GD_OP_ERASE, "request.erase") < 0)
			return api_fail(c, GD_EDENIED);
		size_t deleted = 0;
		kept = json_array();
		rc = gd_request_erase(c->actor, id, add_kept, kept, &deleted);
	} else {
		return api_error(c, 404, "not_found", "no step \"%.32s\": verify, start, extend, refuse, rectify, complete or erase",
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
	c->out = gd_request_json(&r);
	if (kept)
		json_object_set_new(c->out, "kept", kept);
	return 200;
}
