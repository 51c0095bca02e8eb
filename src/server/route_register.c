/*
 * route_register.c — the register over HTTP: loading a version, reading the one
 * in force (JSON or a rendering), listing versions, the diff between two.
 * Same contract as every route file: the router authenticated, isolated and
 * checked the operation; these call the library and shape the answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

int route_register_load(struct api_ctx *c)
{
	const char *yaml, *name;
	int64_t version;
	int unchanged = 0, st, rc;
	if ((st = api_str(c, "yaml", true, &yaml)) || (st = api_str(c, "name", false, &name)))
		return st;
	rc = gd_register_load_buffer(c->actor, name ? name : "register.yml", yaml, strlen(yaml), &version,
	                             &unchanged);
	if (rc < 0)
		return api_fail(c, rc);
	c->out = json_pack("{s:I,s:b}", "version", (json_int_t)version, "unchanged", unchanged);
	return unchanged ? 200 : 201;
}

int route_register_get(struct api_ctx *c)
{
	const char *f = api_query(c, "format"), *v = api_query(c, "version");
	const char *format = f ? f : "json";
	int64_t version = 0;
	if (v && api_uint_parse(v, &version) < 0)
		return api_error(c, 400, "bad_request", "?version= takes a version number (a positive integer in digits)");
	static const char *const types[][2] = {
		{"json", "application/json"}, {"jsonld", "application/ld+json"}, {"md", "text/markdown; charset=utf-8"}, {"html", "text/html; charset=utf-8"}, {"csv", "text/csv; charset=utf-8"}, {"fods", "application/vnd.oasis.opendocument.spreadsheet"}};
	const char *type = NULL;
	for (size_t i = 0; i < sizeof types / sizeof *types; i++)
		if (strcmp(types[i][0], format) == 0)
			type = types[i][1];
	if (!type)
		return api_error(c, 400, "bad_request", "?format= takes json, jsonld, md, html, csv or fods");
	char *buf = NULL;
	size_t n = 0;
	FILE *mem = open_memstream(&buf, &n);
	if (!mem)
		return api_error(c, 503, "no_memory", "out of memory");
	int rc = gd_register_export(c->actor, version, format, mem);
	fclose(mem);
	if (rc < 0) {
		free(buf);
		return api_fail(c, rc);
	}
	c->resp->body = buf, c->resp->len = n, c->resp->type = type;
	return 200;
}

static int add_version(void *ud, const gd_register_version *v)
{
	return json_array_append_new(ud, gd_register_version_json(v));
}

int route_register_versions(struct api_ctx *c)
{
	json_t *list = json_array();
	int rc = gd_register_versions(c->actor, add_version, list);
	if (rc < 0) {
		json_decref(list);
		return api_fail(c, rc);
	}
	c->out = json_pack("{s:o}", "versions", list);
	return 200;
}

/* A positive integer from the query string; 0 when absent. */
static int query_id(struct api_ctx *c, const char *key, int64_t *out)
{
	const char *s = api_query(c, key);
	char *end;
	*out = 0;
	if (!s)
		return 0;
	long long x = strtoll(s, &end, 10);
	if (!*s || *end || x <= 0 || strlen(s) > 18)
		return api_error(c, 400, "bad_request", "?%s= takes a version number (a positive integer)", key);
	*out = x;
	return 0;
}

/* ---- register diff ---- */

static json_t *compact(const char *s)
{
	if (!s)
		return json_null();
	json_t *j = json_loads(s, JSON_DECODE_ANY, NULL);
	return j ? j : json_string(s);
}

static int add_change(void *ud, const gd_register_change *ch)
{
	char op[2] = {ch->op, 0};
	return json_array_append_new(ud, json_pack("{s:s,s:s,s:s?,s:o,s:o}", "op", op, "where", ch->where, "field",
	                                           ch->field, "before", compact(ch->before), "after",
	                                           compact(ch->after)));
}

int route_register_diff(struct api_ctx *c)
{
	int64_t from, to;
	size_t n = 0;
	int st, rc;
	if ((st = query_id(c, "from", &from)) || (st = query_id(c, "to", &to)))
		return st;
	if (!from || !to)
		return api_error(c, 400, "bad_request", "give both versions: ?from=N&to=M (GET …/register/versions)");
	json_t *list = json_array();
	if ((rc = gd_register_diff(c->actor, from, to, add_change, list, &n)) < 0) {
		json_decref(list);
		return api_fail(c, rc);
	}
	c->out = json_pack("{s:I,s:I,s:o}", "from", (json_int_t)from, "to", (json_int_t)to, "changes", list);
	return 200;
}
