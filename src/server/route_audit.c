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
