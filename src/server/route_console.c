/*
 * route_console.c — API routes the web console needed (most of them the CLI
 * already had): the diff between two register versions, a breach's scope from the
 * audit trail, notification drafts, TOTP enrolment by the tenant admin, and
 * the Art. 19 outbox (notices owed to recipients) with its acknowledgement,
 * the status of the vault's backups with the erasure horizon, and the
 * consents about to expire.
 * Same contract as the other route files: the router authenticated, isolated
 * and checked the operation; these call the library and shape the answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

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

/* ---- breach scope and drafts ---- */

static int add_scope_row(void *ud, enum gd_breach_scope_row kind, const char *name, int64_t subjects,
                         int64_t records, int64_t accesses)
{
	json_t **acc = ud;
	if (kind == GD_BREACH_SCOPE_CATEGORY)
		return json_array_append_new(acc[0], json_pack("{s:s,s:I,s:I,s:I}", "category", name, "subjects",
		                                               (json_int_t)subjects, "records", (json_int_t)records,
		                                               "accesses", (json_int_t)accesses));
	return json_array_append_new(acc[1], json_pack("{s:s,s:I,s:I}", "subject", name, "records",
	                                               (json_int_t)records, "accesses", (json_int_t)accesses));
}

int route_breach_scope(struct api_ctx *c)
{
	gd_breach_scope_spec s = GD_BREACH_SCOPE_INIT;
	gd_breach_scope_result r = {0};
	int64_t id = 0;
	int st, rc;
	if ((st = api_id(c, 1, &id)) || (st = api_time(c, "from", &s.from)) || (st = api_time(c, "to", &s.to)) ||
	    (st = api_str(c, "principal", false, &s.principal)) || (st = api_str(c, "activity", false, &s.activity)))
		return st;
	if (!s.from)
		return api_error(c, 400, "bad_request", "field \"from\" is missing: the start of the incident window");
	json_t *acc[2] = {json_array(), json_array()};
	if ((rc = gd_breach_scope(c->actor, id, &s, &r, add_scope_row, acc)) < 0) {
		json_decref(acc[0]);
		json_decref(acc[1]);
		return api_fail(c, rc);
	}
	c->out = json_pack("{s:I,s:I,s:I,s:I,s:I,s:o,s:o}", "breach", (json_int_t)id, "accesses",
	                   (json_int_t)r.accesses, "subjects", (json_int_t)r.subjects, "records", (json_int_t)r.records,
	                   "categories", (json_int_t)r.categories, "by_category", acc[0], "by_subject", acc[1]);
	return 200;
}

int route_breach_draft(struct api_ctx *c)
{
	const char *to = api_query(c, "to"), *lang = api_query(c, "language"), *format = api_query(c, "format");
	enum gd_breach_recipient who = GD_BREACH_AUTHORITY;
	enum gd_breach_format fmt = GD_BREACH_TEXT;
	int64_t id = 0;
	char *text = NULL;
	int st, rc;
	if ((st = api_id(c, 1, &id)))
		return st;
	if (to && strcmp(to, "subjects") == 0)
		who = GD_BREACH_SUBJECTS;
	else if (to && strcmp(to, "authority") != 0)
		return api_error(c, 400, "bad_request", "?to= takes authority or subjects");
	if (format && strcmp(format, "html") == 0)
		fmt = GD_BREACH_HTML;
	else if (format && strcmp(format, "text") != 0)
		return api_error(c, 400, "bad_request", "?format= takes text or html");
	if (lang && strcmp(lang, "fr") != 0 && strcmp(lang, "en") != 0)
		return api_error(c, 400, "bad_request", "?language= takes fr or en");
	if ((rc = gd_breach_draft(c->actor, &text, id, who, lang, fmt)) < 0)
		return api_fail(c, rc);
	c->resp->len = strlen(text);
	c->resp->body = malloc(c->resp->len + 1);
	if (!c->resp->body) {
		gd_breach_draft_free(text);
		return api_error(c, 503, "no_memory", "out of memory");
	}
	memcpy(c->resp->body, text, c->resp->len + 1);
	gd_breach_draft_free(text);
	c->resp->type = fmt == GD_BREACH_HTML ? "text/html; charset=utf-8" : "text/plain; charset=utf-8";
	return 200;
}

/* ---- TOTP enrolment ---- */

/* Clears a secret the compiler may not skip (a store through a volatile pointer). */
static void wipe(void *p, size_t n)
{
	volatile unsigned char *q = p;
	while (n--)
		*q++ = 0;
}

/* Percent-encodes `s` into `out` (for the otpauth URI's label). */
static void uri_escape(char *out, size_t cap, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;
	for (; *s && n + 4 < cap; s++) {
		unsigned char ch = (unsigned char)*s;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
		    ch == '.' || ch == '_') {
			out[n++] = (char)ch;
		} else {
			out[n++] = '%';
			out[n++] = hex[ch >> 4];
			out[n++] = hex[ch & 15];
		}
	}
	out[n] = 0;
}

int route_principal_totp(struct api_ctx *c)
{
	char secret[64], label[200], name[200], uri[640];
	int rc = gd_user_totp_enable(c->actor, c->caps[1], secret);
	if (rc < 0)
		return api_fail(c, rc);
	uri_escape(label, sizeof label, c->caps[0]);
	uri_escape(name, sizeof name, c->caps[1]);
	snprintf(uri, sizeof uri, "otpauth://totp/gardien:%s%%3A%s?secret=%s&issuer=gardien&digits=6&period=30",
	         label, name, secret);
	c->out = json_pack("{s:s,s:s,s:s}", "name", c->caps[1], "secret", secret, "otpauth", uri);
	wipe(secret, sizeof secret);
	wipe(uri, sizeof uri);
	return 201;
}

/* ---- Art. 19 outbox ---- */

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

/* ---- backups: status and erasure horizon ---- */

struct backups {
	json_t *list;
	gd_time last, horizon;
};

static int add_backup(void *ud, const gd_backup_info *b)
{
	struct backups *acc = ud;
	json_t *kinds = json_array();
	if (b->kinds & GD_BACKUP_DAILY)
		json_array_append_new(kinds, json_string("daily"));
	if (b->kinds & GD_BACKUP_WEEKLY)
		json_array_append_new(kinds, json_string("weekly"));
	if (b->kinds & GD_BACKUP_MONTHLY)
		json_array_append_new(kinds, json_string("monthly"));
	if (b->created_at > acc->last)
		acc->last = b->created_at;
	if (b->kept_until > acc->horizon)
		acc->horizon = b->kept_until;
	return json_array_append_new(acc->list, json_pack("{s:o,s:o,s:o}", "created_at", api_time_json(b->created_at),
	                                                  "kinds", kinds, "kept_until", api_time_json(b->kept_until)));
}

/*
 * The backups of the vault as `gardien backup` sees them (GARDIEN_BACKUP_DIR or
 * <vault>.backups, rotation GARDIEN_BACKUP_ROTATION or 7,4,3): when each was
 * made and until when the rotation keeps it. No file names, sizes or paths:
 * they are the operator's. `horizon` is the date after which no backup of
 * today holds data erased now.
 */
int route_backup_status(struct api_ctx *c)
{
	gd_backup_policy p = GD_BACKUP_POLICY_INIT;
	char dir[4200];
	const char *env = getenv("GARDIEN_BACKUP_DIR"), *rot = getenv("GARDIEN_BACKUP_ROTATION");
	if (env && *env)
		snprintf(dir, sizeof dir, "%s", env);
	else
		snprintf(dir, sizeof dir, "%s.backups", api_vault_path ? api_vault_path : "gardien.db");
	if (rot && *rot) {
		int d, w, m;
		char end;
		if (sscanf(rot, "%d,%d,%d%c", &d, &w, &m, &end) != 3 || d < 1 || w < 0 || m < 0)
			return api_error(c, 500, "internal", "the server's GARDIEN_BACKUP_ROTATION is not DAYS,WEEKS,MONTHS");
		p.daily_days = d, p.weekly_weeks = w, p.monthly_months = m;
	}
	struct backups acc = {json_array(), 0, 0};
	if (gd_backup_list(c->rq->v, dir, &p, add_backup, &acc) < 0) {
		json_decref(acc.list);
		return api_error(c, 500, "internal", "the backup directory cannot be read: see the server's operator");
	}
	c->out = json_pack("{s:{s:i,s:i,s:i},s:I,s:o,s:o,s:o}", "policy", "daily_days", p.daily_days, "weekly_weeks",
	                   p.weekly_weeks, "monthly_months", p.monthly_months, "count",
	                   (json_int_t)json_array_size(acc.list), "last", api_time_json(acc.last), "horizon",
	                   api_time_json(acc.horizon), "backups", acc.list);
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
