/*
 * route_consents.c — the consent ledger over HTTP: giving, withdrawing, the
 * history of a subject, and the tenant's consents about to expire.
 * Same contract as every route file: the router authenticated, isolated and
 * checked the operation; these call the library and shape the answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

int route_consent_give(struct api_ctx *c)
{
	gd_consent_evidence ev = GD_CONSENT_EVIDENCE_INIT;
	int st, rc;
	if ((st = api_str(c, "text", false, &ev.text)) || (st = api_str(c, "text_version", false, &ev.text_version)) ||
	    (st = api_str(c, "channel", true, &ev.channel)) || (st = api_str(c, "source", false, &ev.source)))
		return st;
	if ((rc = gd_consent_give(c->actor, c->caps[1], c->caps[2], &ev)) < 0)
		return api_fail(c, rc);
	c->out = json_pack("{s:s,s:s,s:s}", "subject", c->caps[1], "activity", c->caps[2], "state", "live");
	return 201;
}

int route_consent_withdraw(struct api_ctx *c)
{
	const char *channel = api_query(c, "channel");
	int rc = gd_consent_withdraw(c->actor, c->caps[1], c->caps[2], channel ? channel : "api");
	if (rc < 0)
		return api_fail(c, rc);
	c->out = json_pack("{s:s,s:s,s:s}", "subject", c->caps[1], "activity", c->caps[2], "state", "withdrawn");
	return 200;
}

static int add_consent(void *ud, const gd_consent *k)
{
	return json_array_append_new(ud, gd_consent_json(k));
}

int route_consent_history(struct api_ctx *c)
{
	json_t *list = json_array();
	int rc = gd_consent_history(c->actor, c->caps[1], add_consent, list);
	if (rc < 0) {
		json_decref(list);
		return api_fail(c, rc);
	}
	c->out = json_pack("{s:s,s:o}", "subject", c->caps[1], "consents", list);
	return 200;
}

/* ---- consents expiring ---- */

static int add_expiring(void *ud, const char *subject, const char *activity, gd_time expires_at)
{
	return json_array_append_new(ud, json_pack("{s:s,s:s,s:o}", "subject", subject, "activity", activity,
	                                           "expires_at", api_time_json(expires_at)));
}

int route_consent_expiring(struct api_ctx *c)
{
	const char *u = api_query(c, "until");
	gd_time until = 0;
	if (!u || gd_time_parse(&until, u) < 0)
		return api_error(c, 400, "bad_request", "give the horizon: ?until=YYYY-MM-DD");
	json_t *list = json_array();
	int rc = gd_consent_expiring(c->actor, until, add_expiring, list);
	if (rc < 0) {
		json_decref(list);
		return api_fail(c, rc);
	}
	c->out = json_pack("{s:o}", "consents", list);
	return 200;
}
