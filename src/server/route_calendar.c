/*
 * route_calendar.c — the tenant's deadline calendar over HTTP: member state,
 * time zone and internal target (gardien/calendar.h, docs/rights.md).
 * GET shows what is set and what is used; PUT changes what is given and keeps
 * the rest.
 */
#include <string.h>

#include "server.h"

static json_t *calendar_json(const gd_calendar *set, const gd_calendar *used)
{
	return json_pack("{s:s?,s:s,s:i,s:{s:s?,s:s?,s:i}}", "state", *used->state ? used->state : NULL, "zone",
	                 used->zone, "target_days", used->target_days, "set", "state",
	                 *set->state ? set->state : NULL, "zone", *set->zone ? set->zone : NULL, "target_days",
	                 set->target_days);
}

int route_calendar_get(struct api_ctx *c)
{
	gd_calendar set, used;
	int rc = gd_calendar_get(c->actor, &set, &used);
	if (rc < 0)
		return api_fail(c, rc);
	c->out = calendar_json(&set, &used);
	return 200;
}

int route_calendar_set(struct api_ctx *c)
{
	gd_calendar set, used;
	const char *state, *zone;
	int st, rc;
	if ((st = api_str(c, "state", false, &state)) || (st = api_str(c, "zone", false, &zone)))
		return st;
	json_t *days = c->body ? json_object_get(c->body, "target_days") : NULL;
	if (days && !json_is_null(days) && !json_is_integer(days))
		return api_error(c, 400, "bad_request", "field \"target_days\" must be an integer (0: no target)");
	if ((state && strlen(state) >= sizeof set.state) || (zone && strlen(zone) >= sizeof set.zone))
		return api_error(c, 422, "invalid", "field \"%s\" is too long", state && strlen(state) >= sizeof set.state ? "state" : "zone");
	if ((rc = gd_calendar_get(c->actor, &set, NULL)) < 0)
		return api_fail(c, rc);
	if (state)
		memcpy(set.state, state, strlen(state) + 1);
	if (zone)
		memcpy(set.zone, zone, strlen(zone) + 1);
	if (days && json_is_integer(days)) {
		json_int_t d = json_integer_value(days);
		set.target_days = d < 0 ? -1 : d > 1000 ? 1000
		                                        : (int)d; /* out of range either way: the library says so */
	}
	if ((rc = gd_calendar_set(c->actor, &set)) < 0 || (rc = gd_calendar_get(c->actor, &set, &used)) < 0)
		return api_fail(c, rc);
	c->out = calendar_json(&set, &used);
	return 200;
}
