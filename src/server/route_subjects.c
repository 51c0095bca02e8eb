/*
 * route_subjects.c — subjects, identifiers, records and erasure over HTTP.
 *
 * The router has already authenticated the caller, opened its actor on the
 * tenant of the path and checked the route's operation; these handlers only
 * read the request, call the library and shape the answer. Reads name their
 * purpose in ?purpose=, and the library checks it (register, role, …).
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

int route_subject_create(struct api_ctx *c)
{
	char id[GD_SUBJECT_ID_SIZE];
	json_t *ids = json_object_get(c->body, "identifiers");
	const char *kind;
	json_t *val;
	int rc;
	if (ids && !json_is_object(ids))
		return api_error(c, 400, "bad_request", "\"identifiers\" must be an object {kind: value}");
	json_object_foreach (ids, kind, val) {
		if (!json_is_string(val))
			return api_error(c, 400, "bad_request", "identifier values must be strings");
	}
	gd_vault *v = c->rq->v;
	if ((rc = gd_vault_begin(v)) < 0)
		return api_fail(c, rc);
	rc = gd_subject_create(c->actor, id);
	json_object_foreach (ids, kind, val) {
		if (rc < 0)
			break;
		rc = gd_subject_add_identifier(c->actor, id, kind, json_string_value(val));
	}
	if (rc == 0)
		rc = gd_vault_commit(v);
	else
		gd_vault_rollback(v);
	if (rc < 0)
		return api_fail(c, rc);
	c->out = json_pack("{s:s}", "subject", id);
	return 201;
}

int route_subject_find(struct api_ctx *c)
{
	const char *kind, *value;
	char id[GD_SUBJECT_ID_SIZE];
	int st, rc;
	if ((st = api_str(c, "kind", true, &kind)) || (st = api_str(c, "value", true, &value)))
		return st;
	if ((rc = gd_subject_find(c->actor, id, kind, value)) < 0)
		return api_fail(c, rc);
	c->out = json_pack("{s:s}", "subject", id);
	return 200;
}

int route_subject_add_id(struct api_ctx *c)
{
	const char *kind, *value;
	int st, rc;
	if ((st = api_str(c, "kind", true, &kind)) || (st = api_str(c, "value", true, &value)))
		return st;
	if ((rc = gd_subject_add_identifier(c->actor, c->caps[1], kind, value)) < 0)
		return api_fail(c, rc);
	c->out = json_pack("{s:s,s:s}", "subject", c->caps[1], "kind", kind);
	return 201;
}

static int add_subject(void *ud, const gd_subject_info *s)
{
	return json_array_append_new(ud, json_pack("{s:s,s:o}", "subject", s->subject, "created_at",
	                                           api_time_json(s->created_at))) == 0
	               ? 0
	               : GD_ENOMEM;
}

int route_subject_list(struct api_ctx *c)
{
	const char *lim = api_query(c, "limit"), *cursor = api_query(c, "cursor");
	char *end = NULL, next[GD_CURSOR_SIZE];
	long limit = lim ? strtol(lim, &end, 10) : 100;
	if ((lim && (!*lim || *end)) || limit < 1 || limit > 1000)
		return api_error(c, 400, "bad_request", "?limit= takes 1 to 1000 subjects per page");
	json_t *list = json_array();
	int rc = list ? gd_subject_list(c->actor, cursor, (size_t)limit, add_subject, list, next) : GD_ENOMEM;
	if (rc < 0) {
		json_decref(list);
		if (rc == GD_EINVAL && cursor) /* the one input the library checks here */
			return api_error(c, 400, "bad_cursor",
			                 "?cursor= is not a cursor of this list: pass the next_cursor of its previous page as is");
		return api_fail(c, rc);
	}
	c->out = json_pack("{s:o,s:s?}", "subjects", list, "next_cursor", *next ? next : NULL);
	return 200;
}

int route_subject_erase(struct api_ctx *c)
{
	int rc = gd_subject_erase(c->actor, c->caps[1]);
	if (rc < 0)
		return api_fail(c, rc);
	c->out = json_pack("{s:s,s:b}", "subject", c->caps[1], "erased", 1);
	return 200;
}

/* DELETE /clients/{client}: a processor's customer's data, at the end of its contract. */
int route_client_erase(struct api_ctx *c)
{
	gd_client_erase_report rep;
	int rc = gd_client_erase(c->actor, c->caps[1], &rep);
	if (rc < 0)
		return api_fail(c, rc);
	c->out = json_pack("{s:s,s:I,s:I,s:I}", "client", c->caps[1], "deleted", (json_int_t)rep.deleted,
	                   "subjects_erased", (json_int_t)rep.subjects_erased, "held", (json_int_t)rep.held);
	return 200;
}

/* A record's value from the body: a string is text, anything else JSON. */
static int body_value(struct api_ctx *c, enum gd_value_type *type, char **buf, const char **p, size_t *n)
{
	json_t *v = json_object_get(c->body, "value");
	*buf = NULL;
	if (!v)
		return api_error(c, 400, "bad_request", "field \"value\" is missing from the JSON body");
	if (json_is_string(v)) {
		*type = GD_VALUE_TEXT;
		*p = json_string_value(v);
		*n = json_string_length(v);
		return 0;
	}
	*type = GD_VALUE_JSON;
	if (!(*buf = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)))
		return api_error(c, 503, "no_memory", "out of memory");
	*p = *buf;
	*n = strlen(*buf);
	return 0;
}

int route_record_put(struct api_ctx *c)
{
	gd_record_spec spec = GD_RECORD_SPEC_INIT;
	char *buf;
	int64_t id = 0;
	int st, rc;
	if ((st = api_str(c, "activity", true, &spec.activity)) ||
	    (st = api_str(c, "category", true, &spec.category)) ||
	    (st = api_str(c, "source", false, &spec.source)) ||
	    (st = api_str(c, "subject_category", false, &spec.subject_category)) ||
	    (st = api_str(c, "object", false, &spec.object)) ||
	    (st = api_str(c, "client", false, &spec.client)) ||
	    (st = api_time(c, "collected_at", &spec.collected_at)) ||
	    (st = body_value(c, &spec.type, &buf, (const char **)&spec.value, &spec.value_len)))
		return st;
	rc = gd_record_put(c->actor, &id, c->caps[1], &spec);
	gd_wipe_free(buf);
	if (rc < 0)
		return api_fail(c, rc);
	c->out = json_pack("{s:I,s:s}", "id", (json_int_t)id, "subject", c->caps[1]);
	return 201;
}

static const char *purpose_of(struct api_ctx *c, int *st)
{
	const char *p = api_query(c, "purpose");
	*st = 0;
	if (!p || !*p)
		*st = api_error(c, 400, "bad_request",
		                "name the purpose of the read: ?purpose=<activity of the register>");
	return p;
}

static int add_record(void *ud, const gd_record *r)
{
	return json_array_append_new(ud, gd_record_json(r)) == 0 ? 0 : GD_ENOMEM;
}

int route_record_list(struct api_ctx *c)
{
	int st, rc;
	size_t denied = 0;
	const char *purpose = purpose_of(c, &st);
	if (st)
		return st;
	json_t *list = json_array();
	if ((rc = gd_record_list(c->actor, c->caps[1], purpose, add_record, list, &denied)) < 0) {
		json_decref(list);
		return api_fail(c, rc);
	}
	c->out = json_pack("{s:s,s:s,s:o,s:I}", "subject", c->caps[1], "purpose", purpose, "records", list,
	                   "withheld", (json_int_t)denied);
	return 200;
}

int route_record_get(struct api_ctx *c)
{
	gd_record *r;
	int64_t id = 0;
	int st, rc;
	const char *purpose = purpose_of(c, &st);
	if (st || (st = api_id(c, 1, &id)))
		return st;
	if ((rc = gd_record_get(c->actor, &r, id, purpose)) < 0)
		return api_fail(c, rc);
	c->out = gd_record_json(r);
	gd_record_free(r);
	return 200;
}

int route_record_update(struct api_ctx *c)
{
	enum gd_value_type type;
	const char *p = NULL;
	char *buf;
	size_t n = 0;
	int64_t id = 0;
	int st, rc;
	if ((st = api_id(c, 1, &id)) || (st = body_value(c, &type, &buf, &p, &n)))
		return st;
	rc = gd_record_update(c->actor, id, type, p, n);
	gd_wipe_free(buf);
	if (rc < 0)
		return api_fail(c, rc);
	c->out = json_pack("{s:I,s:b}", "id", (json_int_t)id, "updated", 1);
	return 200;
}

int route_record_delete(struct api_ctx *c)
{
	int64_t id = 0;
	int st, rc;
	if ((st = api_id(c, 1, &id)))
		return st;
	if ((rc = gd_record_delete(c->actor, id)) < 0)
		return api_fail(c, rc);
	c->out = json_pack("{s:I,s:b}", "id", (json_int_t)id, "deleted", 1);
	return 200;
}
