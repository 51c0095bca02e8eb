/*
 * route_directive.c — post-mortem directives over HTTP (French law 78-17,
 * art. 85; docs/rights.md): record or replace a subject's directive, read it,
 * apply it once the death is established. The same library calls as
 * `gardien directive set|show|apply`.
 * Same contract as every route file: the router authenticated, isolated and
 * checked the operation; these call the library and shape the answer. The
 * copy handed to the designated person (wish "transmit") is personal data: it
 * is answered once, in the body of the apply call, never logged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "buf.h" /* src/util: the one output buffer */

#define API_DIRECTIVE_COPY_MAX (64u * 1024 * 1024)

int route_directive_set(struct api_ctx *c)
{
	gd_directive d = {0};
	const char *wish = NULL;
	int st, rc;
	if ((st = api_str(c, "wish", true, &wish)) || (st = api_str(c, "designated", true, &d.designated)) ||
	    (st = api_str(c, "contact", true, &d.contact)) || (st = api_str(c, "text", false, &d.text)))
		return st;
	if (strcmp(wish, "erase") == 0)
		d.wish = GD_DIRECTIVE_ERASE;
	else if (strcmp(wish, "transmit") == 0)
		d.wish = GD_DIRECTIVE_TRANSMIT;
	else if (strcmp(wish, "keep") == 0)
		d.wish = GD_DIRECTIVE_KEEP;
	else
		return api_error(c, 400, "bad_request", "\"wish\" is erase, transmit or keep");
	if ((rc = gd_directive_set(c->actor, c->caps[1], &d)) < 0)
		return api_fail(c, rc);
	c->out = json_pack("{s:s,s:s,s:s}", "subject", c->caps[1], "wish", wish, "state", "recorded");
	return 200;
}

static int directive_json(void *ud, const gd_directive *d)
{
	json_t **out = ud;
	*out = json_pack("{s:s,s:s,s:s,s:s,s:o,s:o}", "wish", gd_directive_wish_name(d->wish), "designated",
	                 d->designated, "contact", d->contact, "text", d->text, "recorded_at",
	                 api_time_json(d->recorded_at), "applied_at",
	                 d->applied_at ? api_time_json(d->applied_at) : json_null());
	return *out ? 0 : GD_ENOMEM;
}

int route_directive_get(struct api_ctx *c)
{
	json_t *d = NULL;
	int rc = gd_directive_get(c->actor, c->caps[1], directive_json, &d);
	if (rc < 0) {
		json_decref(d);
		return api_fail(c, rc);
	}
	c->out = json_pack("{s:s,s:o}", "subject", c->caps[1], "directive", d);
	return 200;
}

static int copy_write(void *ud, const void *p, size_t n)
{
	return gd__buf_add(ud, p, n);
}

int route_directive_apply(struct api_ctx *c)
{
	struct gd__buf s;
	gd__buf_init(&s, API_DIRECTIVE_COPY_MAX);
	enum gd_directive_wish w = GD_DIRECTIVE_KEEP;
	int rc = gd_directive_apply(c->actor, c->caps[1], copy_write, &s, &w);
	if (rc == 0 && s.rc < 0)
		rc = s.rc;
	if (rc < 0) {
		gd__buf_release(&s);
		if (rc == GD_ETOOBIG)
			return api_error(c, 413, "too_big", "the copy is over %u bytes: apply it with the CLI",
			                 API_DIRECTIVE_COPY_MAX);
		return api_fail(c, rc);
	}
	json_t *copy = NULL;
	if (w == GD_DIRECTIVE_TRANSMIT) {
		/* the library wrote the subject's JSON export (gd_rights_export) */
		copy = json_loadb(s.p ? s.p : "", s.n, 0, NULL);
		if (!copy) {
			gd__buf_release(&s);
			return api_error(c, 500, "internal", "the copy for the designated person is not JSON");
		}
	}
	gd__buf_release(&s);
	c->out = json_pack("{s:s,s:s,s:s,s:o}", "subject", c->caps[1], "wish", gd_directive_wish_name(w), "state",
	                   "applied", "copy", copy ? copy : json_null());
	return 200;
}
