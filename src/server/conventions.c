/*
 * conventions.c — the HTTP conventions every route shares, applied by
 * api_handle (router.c) from the route's entry in the documentation table
 * (openapi.c), so that what the OpenAPI document says is what the server does:
 *
 *   - problem details (RFC 9457): every error is application/problem+json
 *     {type, title, status, detail, code}; `detail` is the library's one-line
 *     message, which never holds a value, a token or personal data;
 *   - cursor paging of lists: ?limit= and ?cursor=, the answer's next_cursor
 *     and a Link header to the next page.
 *     A cursor is opaque to clients (hex of "v2|<operationId>|<key>", the
 *     key of the last item seen: keyset paging, so that a change between two
 *     pages neither repeats nor skips an item; the audit's is a position in
 *     its chain), refused when it is not one this list handed out, and
 *     bounded in length;
 *   - ETag and If-None-Match: a strong validator over the answer's bytes, 304
 *     when the client's copy is current;
 *   - Idempotency-Key on the POSTs that create: the first answer is kept for a
 *     day per (tenant, principal, key) and replayed to a retry with the same
 *     request; another request under the same key is a 422. The store is in
 *     memory, bounded (IDEM_MAX entries, oldest evicted first): a retry after
 *     a restart of the server runs the request again (docs/server.md).
 *
 * Invariant: a replayed body is a copy wiped when it is freed or evicted.
 */
#include <gnutls/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server.h"

/* ---- problem details ---- */

static const struct {
	const char *code, *title;
} titles[] = {
	{"bad_request", "Malformed request"},
	{"bad_json", "Request body is not the JSON expected"},
	{"bad_cursor", "Cursor not valid for this list"},
	{"unauthenticated", "Authentication required"},
	{"expired", "Credential or grant expired"},
	{"denied", "Not allowed"},
	{"not_found", "Not found"},
	{"method_not_allowed", "Method not allowed"},
	{"exists", "Already exists"},
	{"conflict", "Not allowed in the current state"},
	{"idempotency_key_reused", "Idempotency key already used for another request"},
	{"too_big", "Too large"},
	{"invalid", "Invalid input"},
	{"throttled", "Too many attempts"},
	{"busy", "Busy: try again"},
	{"unavailable", "Service unavailable"},
	{"no_memory", "Out of memory"},
	{"corrupt", "Vault damaged"},
	{"internal", "Internal error"},
};

json_t *api_problem(int status, const char *code, const char *detail)
{
	const char *title = "Error";
	for (size_t i = 0; i < sizeof titles / sizeof *titles; i++)
		if (strcmp(titles[i].code, code) == 0)
			title = titles[i].title;
	char type[96];
	snprintf(type, sizeof type, "urn:gardien:problem:%s", code);
	return json_pack("{s:s,s:s,s:i,s:s,s:s}", "type", type, "title", title, "status", status, "detail", detail,
	                 "code", code);
}

char *api_problem_text(int status, const char *code, const char *detail, size_t *len)
{
	json_t *j = api_problem(status, code, detail);
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	*len = s ? strlen(s) : 0;
	return s;
}

/* ---- cursors ---- */

#define CURSOR_MAX 160 /* hex characters of a position cursor (audit) */

static void hex_encode(const char *plain, size_t k, char *out, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < k && o + 2 < n; i++) {
		out[o++] = hex[(unsigned char)plain[i] >> 4];
		out[o++] = hex[(unsigned char)plain[i] & 15];
	}
	out[o] = 0;
}

/* Hex text of at most `max` characters into `plain` (cap max / 2 + 1); -1 when not. */
static int hex_decode(const char *s, size_t max, char *plain, size_t *len)
{
	size_t n = strlen(s);
	if (n == 0 || n > max || n % 2)
		return -1;
	for (size_t i = 0; i < n; i += 2) {
		int v = 0;
		for (int j = 0; j < 2; j++) {
			char ch = s[i + j];
			int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
			                                                                   : -1;
			if (d < 0)
				return -1;
			v = v * 16 + d;
		}
		plain[i / 2] = (char)v;
	}
	plain[n / 2] = 0;
	*len = n / 2;
	return memchr(plain, 0, n / 2) ? -1 : 0;
}

void api_cursor_make(const char *op, int64_t pos, char *out, size_t n)
{
	char plain[CURSOR_MAX / 2 + 1];
	int k = snprintf(plain, sizeof plain, "v1|%s|%lld", op, (long long)pos);
	hex_encode(plain, k > 0 ? (size_t)k : 0, out, n);
}

int api_cursor_parse(const char *op, const char *s, int64_t *pos)
{
	char plain[CURSOR_MAX / 2 + 1], prefix[96];
	size_t len;
	if (hex_decode(s, CURSOR_MAX, plain, &len) < 0)
		return -1;
	int k = snprintf(prefix, sizeof prefix, "v1|%s|", op);
	if (k < 0 || (size_t)k >= sizeof prefix || strncmp(plain, prefix, (size_t)k) != 0)
		return -1;
	const char *num = plain + k;
	if (strcmp(num, "0") == 0) {
		*pos = 0;
		return 0;
	}
	return api_uint_parse(num, pos) < 0 || *pos > 1000000000000000LL ? -1 : 0;
}

/* ---- keyset paging of lists the library hands whole ----
 *
 * A list paged by the router is ordered by its key, the fields below of each
 * item (the last one unique in the list), and a page is the `limit` items
 * whose key comes after the cursor's: the key of the last item of the
 * previous page. An item inserted or removed before the cursor therefore
 * shifts nothing: no item is seen twice or skipped. The cursor is hex of
 * "v2|<operationId>|<key as a JSON array>", at most KEYSET_HEX characters,
 * and is refused unless it is an array of as many integers, strings or
 * nulls as the list has key fields, of a bounded length.
 */

#define KEYSET_HEX (2 * API_CURSOR_KEY_MAX + 2 * 80)
#define KEY_FIELDS 3

static const struct {
	const char *op;
	const char *fields[KEY_FIELDS]; /* NULL-terminated when fewer */
} keysets[] = {
	{"listRecords", {"id"}},
	{"listRegisterVersions", {"version"}},
	{"listBreaches", {"id"}},
	{"listRequests", {"id"}},
	{"listOutbox", {"id"}},
	{"listConsents", {"at", "id", "activity"}},
	{"listExpiringConsents", {"expires_at", "subject", "activity"}},
	{"listHolds", {"id"}},
	{"listRoles", {"name"}},
	{"listPrincipals", {"name"}},
	{"listTokens", {"id"}},
	{"listGrants", {"id"}},
};

static const char *const *keyset_of(const char *op, size_t *n)
{
	for (size_t i = 0; i < sizeof keysets / sizeof *keysets; i++)
		if (strcmp(keysets[i].op, op) == 0) {
			for (*n = 0; *n < KEY_FIELDS && keysets[i].fields[*n]; ++*n)
				;
			return keysets[i].fields;
		}
	*n = 0;
	return NULL;
}

/* null < integers < strings; integers by value, strings by bytes. */
static int value_cmp(const json_t *a, const json_t *b)
{
	int ra = json_is_integer(a) ? 1 : json_is_string(a) ? 2
	                                                    : 0;
	int rb = json_is_integer(b) ? 1 : json_is_string(b) ? 2
	                                                    : 0;
	if (ra != rb)
		return ra < rb ? -1 : 1;
	if (ra == 1) {
		json_int_t x = json_integer_value(a), y = json_integer_value(b);
		return x < y ? -1 : x > y;
	}
	if (ra == 2) {
		size_t la = json_string_length(a), lb = json_string_length(b);
		int c = memcmp(json_string_value(a), json_string_value(b), la < lb ? la : lb);
		return c ? c : la < lb ? -1
		                       : la > lb;
	}
	return 0;
}

struct keyed {
	json_t *item;
	size_t index;
	const char *const *fields;
	size_t nfields;
};

static int item_cmp(const void *pa, const void *pb)
{
	const struct keyed *a = pa, *b = pb;
	for (size_t f = 0; f < a->nfields; f++) {
		int c = value_cmp(json_object_get(a->item, a->fields[f]), json_object_get(b->item, b->fields[f]));
		if (c)
			return c;
	}
	return a->index < b->index ? -1 : a->index > b->index; /* stable */
}

/* The item's key compared with the cursor's (an array of nfields values). */
static int key_cmp(const json_t *item, const char *const *fields, size_t nfields, const json_t *key)
{
	for (size_t f = 0; f < nfields; f++) {
		int c = value_cmp(json_object_get(item, fields[f]), json_array_get(key, f));
		if (c)
			return c;
	}
	return 0;
}

/* The cursor's key, checked: an array of nfields scalars, each bounded. */
static json_t *cursor_key(const char *op, const char *s, size_t nfields)
{
	char plain[KEYSET_HEX / 2 + 1], prefix[96];
	size_t len;
	if (hex_decode(s, KEYSET_HEX, plain, &len) < 0)
		return NULL;
	int k = snprintf(prefix, sizeof prefix, "v2|%s|", op);
	if (k < 0 || (size_t)k >= sizeof prefix || strncmp(plain, prefix, (size_t)k) != 0 ||
	    len - (size_t)k > API_CURSOR_KEY_MAX)
		return NULL;
	json_t *key = json_loadb(plain + k, len - (size_t)k, 0, NULL);
	bool ok = json_is_array(key) && json_array_size(key) == nfields;
	for (size_t i = 0; ok && i < nfields; i++) {
		const json_t *v = json_array_get(key, i);
		ok = json_is_null(v) || json_is_integer(v) || (json_is_string(v) && json_string_length(v) <= 256);
	}
	if (!ok) {
		json_decref(key);
		return NULL;
	}
	return key;
}

int api_keyset_parse(const char *op, const char *s, char after[API_CURSOR_KEY_MAX + 1])
{
	size_t nfields;
	if (!keyset_of(op, &nfields))
		return -1;
	json_t *key = cursor_key(op, s, nfields);
	char *text = key ? json_dumps(key, JSON_COMPACT) : NULL;
	json_decref(key);
	int rc = text && strlen(text) <= API_CURSOR_KEY_MAX ? 0 : -1;
	if (rc == 0)
		memcpy(after, text, strlen(text) + 1);
	free(text);
	return rc;
}

int api_page_args(struct api_ctx *c, const char *op, struct api_page *pg)
{
	const char *lim = api_query(c, "limit"), *cur = api_query(c, "cursor");
	size_t nfields;
	pg->limit = 100, pg->after[0] = 0;
	if (lim && (api_uint_parse(lim, &pg->limit) < 0 || pg->limit > 1000))
		return api_error(c, 400, "bad_request", "?limit= takes 1 to 1000 items per page");
	if (!keyset_of(op, &nfields))
		return api_error(c, 500, "internal", "this list has no key to page it by");
	if (cur && api_keyset_parse(op, cur, pg->after) < 0)
		return api_error(c, 400, "bad_cursor",
		                 "?cursor= is not a cursor of this list: pass the next_cursor of its previous page as is");
	return 0;
}

int api_page_apply(struct api_ctx *c, const char *op, const char *key, const struct api_page *pg)
{
	json_t *all = c->out ? json_object_get(c->out, key) : NULL;
	size_t nfields, n = json_array_size(all), start = 0;
	const char *const *fields = keyset_of(op, &nfields);
	if (!json_is_array(all) || !fields)
		return 0;
	struct keyed *items = n ? calloc(n, sizeof *items) : NULL;
	json_t *after = *pg->after ? json_loads(pg->after, 0, NULL) : NULL, *page = json_array();
	int st = 0;
	if ((n && !items) || (*pg->after && !after) || !page) {
		st = api_error(c, 503, "no_memory", "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		items[i] = (struct keyed){json_array_get(all, i), i, fields, nfields};
	if (n)
		qsort(items, n, sizeof *items, item_cmp);
	while (after && start < n && key_cmp(items[start].item, fields, nfields, after) <= 0)
		start++;
	size_t end = start + (size_t)pg->limit < n ? start + (size_t)pg->limit : n;
	for (size_t i = start; i < end; i++)
		json_array_append(page, items[i].item);
	if (end < n) {
		json_t *last = json_array();
		for (size_t f = 0; f < nfields; f++) {
			json_t *v = json_object_get(items[end - 1].item, fields[f]);
			json_array_append_new(last, v && (json_is_integer(v) || json_is_string(v)) ? json_copy(v) : json_null());
		}
		char *text = json_dumps(last, JSON_COMPACT), plain[KEYSET_HEX / 2 + 1], cur[KEYSET_HEX + 1];
		json_decref(last);
		int k = text ? snprintf(plain, sizeof plain, "v2|%s|%s", op, text) : -1;
		free(text);
		/* A key longer than a cursor holds (names are far shorter): an
		 * error rather than a list cut short. */
		if (k < 0 || (size_t)k >= sizeof plain || (size_t)k - strlen(op) - 4 > API_CURSOR_KEY_MAX) {
			st = api_error(c, 500, "internal", "an item's key is too long to page this list by");
			goto done;
		}
		hex_encode(plain, (size_t)k, cur, sizeof cur);
		json_object_set_new(c->out, "next_cursor", json_string(cur));
	}
	json_object_set(c->out, key, page);
done:
	json_decref(page);
	json_decref(after);
	free(items);
	return st;
}

void api_link_next(struct api_resp *out, const char *path, const char *query, const char *cursor)
{
	static const char hex[] = "0123456789ABCDEF";
	char *o = out->link, *end = out->link + sizeof out->link;
	out->link[0] = 0;
	/* The decoded path, encoded again: unreserved characters and '/' as is. */
	*o++ = '<';
	for (const char *s = path; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (end - o < 4)
			goto too_long;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || strchr("/-._~", ch)) {
			*o++ = (char)ch;
		} else {
			*o++ = '%', *o++ = hex[ch >> 4], *o++ = hex[ch & 15];
		}
	}
	size_t used = (size_t)(o - out->link);
	/* The other parameters as the client wrote them, without the old cursor;
	 * only visible ASCII but angle brackets goes into the header. */
	char sep = '?';
	for (const char *q = query; q && *q;) {
		size_t n = strcspn(q, "&");
		bool old_cursor = n >= 6 && strncmp(q, "cursor", 6) == 0 && (n == 6 || q[6] == '=');
		if (n && !old_cursor) {
			if (used + n + 2 >= sizeof out->link)
				goto too_long;
			for (size_t i = 0; i < n; i++)
				if ((unsigned char)q[i] <= 0x20 || (unsigned char)q[i] >= 0x7f || q[i] == '>' || q[i] == '<')
					goto too_long; /* not in a header: no Link */
			out->link[used++] = sep;
			memcpy(out->link + used, q, n);
			used += n;
			sep = '&';
		}
		q += n + (q[n] == '&');
	}
	for (const char *c = cursor; *c; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || strchr("-._~", *c)))
			goto too_long; /* the library's and ours are plain */
	int k = snprintf(out->link + used, sizeof out->link - used, "%ccursor=%s>; rel=\"next\"", sep, cursor);
	if (k > 0 && (size_t)k < sizeof out->link - used)
		return;
too_long:
	out->link[0] = 0;
}

/* ---- ETag ---- */

void api_etag_apply(struct api_resp *out, const char *if_none_match)
{
	unsigned char d[32];
	if (out->status != 200 || gnutls_hash_fast(GNUTLS_DIG_SHA256, out->body ? out->body : "", out->len, d) != 0)
		return;
	static const char hex[] = "0123456789abcdef";
	char *e = out->etag;
	*e++ = '"';
	for (int i = 0; i < 16; i++)
		*e++ = hex[d[i] >> 4], *e++ = hex[d[i] & 15];
	*e++ = '"', *e = 0;
	out->cache_control = "private, no-cache";
	if (!if_none_match)
		return;
	/* A list of entity tags, or "*"; weak comparison (RFC 9110 13.1.2). */
	const char *p = if_none_match;
	bool match = false;
	while (*p && !match) {
		p += strspn(p, " \t,");
		if (*p == '*') {
			match = true;
			break;
		}
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		size_t k = strcspn(p, ",");
		while (k && (p[k - 1] == ' ' || p[k - 1] == '\t'))
			k--;
		match = k == strlen(out->etag) && strncmp(p, out->etag, k) == 0;
		p += strcspn(p, ",");
	}
	if (match) {
		gd_wipe_free(out->body);
		out->body = NULL, out->len = 0;
		out->status = 304;
	}
}

/* ---- Idempotency-Key ---- */

#define IDEM_MAX 4096
#define IDEM_TTL (24 * 3600)
#define IDEM_BODY_MAX (64u * 1024)

struct idem {
	unsigned char key[32]; /* SHA-256 of tenant, principal and the client's key */
	unsigned char req[32]; /* SHA-256 of method, path and body */
	time_t at;
	int status;
	const char *type;
	char *body;
	size_t len;
	bool used;
};
static struct idem idem[IDEM_MAX];
static pthread_mutex_t idem_lock = PTHREAD_MUTEX_INITIALIZER;

static void idem_clear(struct idem *e)
{
	gd_wipe_free(e->body);
	memset(e, 0, sizeof *e);
}

static int digest(unsigned char out[32], const char *a, const char *b, const char *c, const char *d, size_t dn)
{
	gnutls_hash_hd_t h;
	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) != 0)
		return -1;
	/* Length-prefixed parts: no two different tuples hash alike. */
	const char *parts[4] = {a, b, c, d};
	size_t lens[4] = {strlen(a), strlen(b), strlen(c), dn};
	for (int i = 0; i < 4; i++) {
		unsigned char l[8];
		for (int k = 0; k < 8; k++)
			l[k] = (unsigned char)(lens[i] >> (8 * k));
		gnutls_hash(h, l, 8);
		gnutls_hash(h, parts[i], lens[i]);
	}
	gnutls_hash_deinit(h, out);
	return 0;
}

int api_idem_key_check(const char *key)
{
	size_t n = strlen(key);
	if (n < 1 || n > 255)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (key[i] < 0x21 || key[i] > 0x7e)
			return -1;
	return 0;
}

static int idem_ids(struct api_ctx *c, unsigned char key[32], unsigned char req[32])
{
	const struct api_req *rq = c->rq;
	if (digest(key, c->caps[0] ? c->caps[0] : "", c->resp->principal, rq->idempotency_key, "", 0) < 0 ||
	    digest(req, rq->method, rq->path, "", rq->body ? rq->body : "", rq->body_len) < 0)
		return -1;
	return 0;
}

int api_idem_lookup(struct api_ctx *c)
{
	unsigned char key[32], req[32];
	int status = 0;
	if (idem_ids(c, key, req) < 0)
		return 0;
	time_t now = time(NULL);
	pthread_mutex_lock(&idem_lock);
	for (size_t i = 0; i < IDEM_MAX; i++) {
		struct idem *e = &idem[i];
		if (!e->used)
			continue;
		if (now - e->at > IDEM_TTL) {
			idem_clear(e);
			continue;
		}
		if (memcmp(e->key, key, 32) != 0)
			continue;
		if (memcmp(e->req, req, 32) != 0) {
			status = -1;
			break;
		}
		char *copy = e->len ? malloc(e->len + 1) : NULL;
		if (e->len && !copy) {
			status = -2;
			break;
		}
		if (copy)
			memcpy(copy, e->body, e->len), copy[e->len] = 0;
		c->resp->body = copy;
		c->resp->len = e->len;
		c->resp->type = e->type;
		c->resp->replayed = true;
		status = e->status;
		break;
	}
	pthread_mutex_unlock(&idem_lock);
	if (status == -1)
		return api_error(c, 422, "idempotency_key_reused",
		                 "this Idempotency-Key was used for another request (other path or body): use a new key");
	if (status == -2)
		return api_error(c, 503, "no_memory", "out of memory");
	return status;
}

void api_idem_store(struct api_ctx *c, struct api_resp *out)
{
	unsigned char key[32], req[32];
	/* Only successes are kept: after an error, a corrected retry runs. */
	if (out->status < 200 || out->status > 299 || out->len > IDEM_BODY_MAX || idem_ids(c, key, req) < 0)
		return;
	char *copy = out->len ? malloc(out->len) : NULL;
	if (out->len && !copy)
		return;
	if (copy)
		memcpy(copy, out->body, out->len);
	pthread_mutex_lock(&idem_lock);
	struct idem *slot = NULL;
	for (size_t i = 0; i < IDEM_MAX; i++) {
		if (!idem[i].used) {
			slot = &idem[i];
			break;
		}
		if (!slot || idem[i].at < slot->at)
			slot = &idem[i];
	}
	idem_clear(slot);
	memcpy(slot->key, key, 32);
	memcpy(slot->req, req, 32);
	slot->at = time(NULL);
	slot->status = out->status;
	slot->type = out->type;
	slot->body = copy;
	slot->len = out->len;
	slot->used = true;
	pthread_mutex_unlock(&idem_lock);
	memcpy(c->resp->idem_key, key, 32);
	c->resp->idem_stored = true;
}

void api_idem_forget(const struct api_resp *r)
{
	if (!r->idem_stored)
		return;
	pthread_mutex_lock(&idem_lock);
	for (size_t i = 0; i < IDEM_MAX; i++)
		if (idem[i].used && memcmp(idem[i].key, r->idem_key, 32) == 0)
			idem_clear(&idem[i]);
	pthread_mutex_unlock(&idem_lock);
}
