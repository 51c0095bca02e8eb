/*
 * route_outbox.c — the Art. 19 outbox over HTTP: the notices owed to the
 * recipients and processors of rectified, erased or restricted data, and
 * their acknowledgement once sent.
 * Same contract as every route file: the router authenticated, isolated and
 * checked the operation; these call the library and shape the answer.
 */
#include <string.h>

#include "server.h"

static int add_notice(void *ud, const gd_notice *n)
{
	json_t *j = json_pack("{s:I,s:o,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:o}", "id", (json_int_t)n->id, "at",
	                      api_time_json(n->at), "recipient", n->recipient, "action", n->action, "subject",
	                      n->subject, "activity", n->activity, "category", n->category, "record_id",
	                      (json_int_t)n->record_id, "request_id", (json_int_t)n->request_id, "acked_at",
	                      api_time_json(n->acked_at));
	return json_array_append_new(ud, j);
}

int route_outbox_list(struct api_ctx *c)
{
	const char *all = api_query(c, "all");
	json_t *list = json_array();
	int rc = gd_outbox_list(c->actor, api_query(c, "recipient"), !(all && strcmp(all, "true") == 0), add_notice,
	                        list);
	if (rc < 0) {
		json_decref(list);
		return api_fail(c, rc);
	}
	c->out = json_pack("{s:o}", "notices", list);
	return 200;
}

int route_outbox_ack(struct api_ctx *c)
{
	int64_t id = 0;
	int st, rc;
	if ((st = api_id(c, 1, &id)))
		return st;
	if ((rc = gd_outbox_ack(c->actor, id)) < 0)
		return api_fail(c, rc);
	c->out = json_pack("{s:I,s:b}", "id", (json_int_t)id, "acknowledged", 1);
	return 200;
}
