/*
 * route_register.c — the register over HTTP: loading a version, reading the one
 * in force (JSON or a rendering), listing versions.
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
	int64_t version = v ? strtoll(v, NULL, 10) : 0;
	static const char *const types[][2] = {
		{"json", "application/json"}, {"jsonld", "application/ld+json"}, {"md", "text/markdown; charset=utf-8"},
		{"html", "text/html; charset=utf-8"}, {"csv", "text/csv; charset=utf-8"}};
	const char *type = NULL;
	for (size_t i = 0; i < sizeof types / sizeof *types; i++)
		if (strcmp(types[i][0], format) == 0)
			type = types[i][1];
	if (!type)
		return api_error(c, 400, "bad_request", "?format= takes json, jsonld, md, html or csv");
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
	return json_array_append_new(ud, json_pack("{s:I,s:o,s:s,s:s,s:s,s:i}", "version", (json_int_t)v->version,
	                                           "loaded_at", api_time_json(v->loaded_at), "principal",
	                                           v->principal, "file", v->file, "digest", v->digest,
	                                           "activities", v->activities));
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
