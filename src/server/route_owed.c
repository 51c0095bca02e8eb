/*
 * route_owed.c — the notices owed to people and customers over HTTP
 * (rights/owed.c): a record disclosed to an authority, its notice queued, and
 * a processor's breach told to its customers (Art. 33(2)). The notices
 * themselves are read and acknowledged through /outbox.
 * Same contract as every route file: the router authenticated, isolated and
 * checked the operation; these call the library and shape the answer.
 */
#include "server.h"

/* POST /records/{id}/disclose {purpose, authority, legal_reference, withhold?} */
int route_record_disclose(struct api_ctx *c)
{
	gd_disclosure d = GD_DISCLOSURE_INIT;
	const char *purpose = NULL;
	gd_record *r;
	int64_t id = 0;
	int st, rc;
	if ((st = api_id(c, 1, &id)) || (st = api_str(c, "purpose", true, &purpose)) ||
	    (st = api_str(c, "authority", true, &d.authority)) ||
	    (st = api_str(c, "legal_reference", true, &d.legal_reference)) ||
	    (st = api_str(c, "withhold", false, &d.withhold)))
		return st;
	if ((rc = gd_record_disclose(c->actor, &r, id, purpose, &d)) < 0)
		return api_fail(c, rc);
	c->out = gd_record_json(r);
	gd_record_free(r);
	return 200;
}

/* POST /breaches/{id}/controllers {activity?} */
int route_breach_controllers(struct api_ctx *c)
{
	const char *activity = NULL;
	int64_t id = 0, n = 0;
	gd_breach *b;
	int st, rc;
	if ((st = api_id(c, 1, &id)) || (st = api_str(c, "activity", false, &activity)))
		return st;
	if ((rc = gd_breach_tell_controllers(c->actor, id, activity, &n)) < 0 ||
	    (rc = gd_breach_get(c->actor, &b, id)) < 0)
		return api_fail(c, rc);
	c->out = gd_breach_json(b);
	gd_breach_free(b);
	if (c->out)
		json_object_set_new(c->out, "queued", json_integer(n));
	return 200;
}
