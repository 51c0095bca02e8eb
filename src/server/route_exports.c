/*
 * route_exports.c — everything held about a subject as one document (JSON,
 * CSV, HTML), for a request or directly. The library streams the document;
 * it is collected in memory up to API_EXPORT_MAX.
 * Same contract as every route file: the router authenticated, isolated and
 * checked the operation; these call the library and shape the answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "buf.h" /* src/util: the one output buffer */

#define API_EXPORT_MAX (64u * 1024 * 1024)

/* ---- streamed documents ---- */

/*
 * Exports are collected whole before they are sent (the library holds the
 * write lock while its writer runs), in the one output buffer, capped at
 * API_EXPORT_MAX: over it the export stops with GD_ETOOBIG.
 */
static int sink_write(void *ud, const void *p, size_t n)
{
	return gd__buf_add(ud, p, n);
}

static int export_format(struct api_ctx *c, enum gd_export_format *fmt, const char **type)
{
	const char *f = api_query(c, "format");
	if (!f || strcmp(f, "json") == 0)
		*fmt = GD_EXPORT_JSON, *type = "application/json";
	else if (strcmp(f, "csv") == 0)
		*fmt = GD_EXPORT_CSV, *type = "text/csv; charset=utf-8";
	else if (strcmp(f, "html") == 0)
		*fmt = GD_EXPORT_HTML, *type = "text/html; charset=utf-8";
	else
		return api_error(c, 400, "bad_request", "?format= takes json, csv or html");
	return 0;
}

/* Hands a collected document to the response. */
static int send_doc(struct api_ctx *c, struct gd__buf *s, const char *type)
{
	/* malloc memory: the response frees it (MHD_RESPMEM_MUST_FREE). */
	c->resp->body = gd__buf_take(s, &c->resp->len);
	if (!c->resp->body)
		return api_error(c, 503, "no_memory", "out of memory");
	c->resp->type = type;
	return 200;
}

static int sink_fail(struct api_ctx *c, struct gd__buf *s, int rc)
{
	gd__buf_release(s);
	if (rc == GD_ETOOBIG)
		return api_error(c, 413, "too_big", "the document is over %u bytes: use the CLI", API_EXPORT_MAX);
	return api_fail(c, rc);
}

int route_request_export(struct api_ctx *c)
{
	enum gd_export_format fmt = GD_EXPORT_JSON;
	const char *type = "application/json";
	struct gd__buf s;
	gd__buf_init(&s, API_EXPORT_MAX);
	int64_t id = 0, copy = 0;
	bool charged = false;
	int st, rc;
	if ((st = api_id(c, 1, &id)) || (st = export_format(c, &fmt, &type)))
		return st;
	if ((rc = gd_request_export(c->actor, id, fmt, sink_write, &s, &copy, &charged)) < 0)
		return sink_fail(c, &s, rc);
	return send_doc(c, &s, type);
}

int route_subject_export(struct api_ctx *c)
{
	enum gd_export_format fmt = GD_EXPORT_JSON;
	const char *type = "application/json", *portable = api_query(c, "portable");
	struct gd__buf s;
	gd__buf_init(&s, API_EXPORT_MAX);
	int st, rc;
	if ((st = export_format(c, &fmt, &type)))
		return st;
	rc = gd_rights_export(c->actor, c->caps[1], fmt, portable && strcmp(portable, "true") == 0 ? GD_EXPORT_PORTABLE : 0,
	                      sink_write, &s);
	if (rc < 0)
		return sink_fail(c, &s, rc);
	return send_doc(c, &s, type);
}
