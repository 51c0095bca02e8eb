/*
 * route_audit.c — the audit trail over HTTP: listing entries with filters and
 * verifying the chains.
 * Same contract as every route file: the router authenticated, isolated and
 * checked the operation; these call the library and shape the answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

static int add_entry(void *ud, const gd_audit_entry *e)
{
	json_t **acc = ud;
	if (e->seq <= json_integer_value(acc[2]))
		return 0; /* before the cursor: an earlier page */
	if (json_array_size(acc[0]) >= (size_t)json_integer_value(acc[1]))
		return 1; /* page full */
	return json_array_append_new(acc[0], gd_audit_entry_json(e));
}

int route_audit_list(struct api_ctx *c)
{
	gd_audit_filter f = GD_AUDIT_FILTER_INIT;
	int st;
	if ((st = api_query_time(c, "from", &f.from)) || (st = api_query_time(c, "to", &f.to)))
		return st;
	f.principal = api_query(c, "principal");
	f.subject = api_query(c, "subject");
	f.action = api_query(c, "action");
	f.purpose = api_query(c, "purpose");
	const char *o = api_query(c, "outcome"), *lim = api_query(c, "limit"), *rec = api_query(c, "record");
	if (o && (f.outcome = gd_audit_outcome_parse(o)) < 0)
		return api_error(c, 400, "bad_request", "?outcome= takes ok, denied or failed");
	if (rec && api_uint_parse(rec, &f.record_id) < 0)
		return api_error(c, 400, "bad_request", "?record= takes a record id (a positive integer in digits)");
	int64_t limit = 1000;
	if ((lim && api_uint_parse(lim, &limit) < 0) || limit < 1 || limit > 10000)
		return api_error(c, 400, "bad_request", "?limit= takes 1 to 10000");
	/* Cursor: ?cursor= (next_cursor, opaque) or ?after=SEQ (next, the older
	 * form) continue after the last entry of the previous page. */
	const char *after_s = api_query(c, "after"), *cur = api_query(c, "cursor");
	long long after = 0;
	int64_t pos = 0;
	if (cur && after_s)
		return api_error(c, 400, "bad_request", "give ?cursor= or ?after=, not both");
	if (cur) {
		if (api_cursor_parse("listAudit", cur, &pos) < 0)
			return api_error(c, 400, "bad_cursor",
			                 "?cursor= is not a cursor of this list: pass the next_cursor of its previous page as is");
		after = pos;
	} else if (after_s) {
		char *end;
		after = strtoll(after_s, &end, 10);
		if (end == after_s || *end || after < 0)
			return api_error(c, 400, "bad_request", "?after= takes the \"next\" of the previous page");
	}
	json_t *acc[3] = {json_array(), json_integer(limit), json_integer(after)};
	int rc = gd_audit_list(c->actor, &f, add_entry, acc);
	json_decref(acc[1]);
	json_decref(acc[2]);
	if (rc < 0) {
		json_decref(acc[0]);
		return api_fail(c, rc);
	}
	size_t n = json_array_size(acc[0]);
	json_t *next = rc == 1 && n ? json_object_get(json_array_get(acc[0], n - 1), "seq") : NULL;
	c->out = json_pack("{s:o,s:b,s:O?}", "entries", acc[0], "truncated", rc == 1, "next", next);
	if (next) {
		char cursor[200];
		api_cursor_make("listAudit", json_integer_value(next), cursor, sizeof cursor);
		json_object_set_new(c->out, "next_cursor", json_string(cursor));
	}
	return 200;
}

/* Each lane verified intact, as the CLI's report lists them (lanes). */
static void lane_add(void *ud, const gd_audit_lane_report *l)
{
	json_array_append_new(ud, gd_audit_lane_json(l));
}

int route_audit_verify(struct api_ctx *c)
{
	gd_audit_report r;
	json_t *lanes = json_array();
	int rc = gd_audit_verify_lanes(c->rq->v, c->caps[0], &r, NULL, lane_add, lanes);
	if (rc < 0 && rc != GD_ECORRUPT) {
		json_decref(lanes);
		return api_fail(c, rc);
	}
	if (rc == 0)
		api_metrics_verified(c->caps[0], gd_vault_now(c->rq->v));
	c->out = gd_audit_report_json(&r);
	if (c->out)
		json_object_set_new(c->out, "lanes", lanes);
	else
		json_decref(lanes);
	return 200;
}
