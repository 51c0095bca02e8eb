/*
 * route_consents.c — the consent ledger over HTTP: giving, withdrawing, and
 * the history of a subject.
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
	static const char *const ev[] = {"", "given", "renewed", "withdrawn", "expired"};
	return json_array_append_new(ud, json_pack("{s:s,s:s,s:o,s:o,s:s,s:s,s:s}", "activity", k->activity, "event",
	                                           ev[k->event % 5], "at", api_time_json(k->at), "expires_at",
	                                           api_time_json(k->expires_at), "text_version", k->text_version,
	                                           "channel", k->channel, "principal", k->principal));
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
