/*
 * fuzz_conventions.c — the HTTP conventions' parsers of client input
 * (src/server/conventions.c): the If-None-Match list against an ETag, a list
 * cursor, and an Idempotency-Key.
 *
 * Input: four lines — an If-None-Match value, a ?cursor= value, an
 * Idempotency-Key, a query string — each taken as is (any bytes but the
 * newline). A position cursor (the audit's) that parses must be one
 * api_cursor_make writes for the position it names; a keyset cursor (every
 * other list's) that parses must name a key of the list's arity, and the page
 * cut after it holds only items whose key comes after it, at most the limit;
 * a Link built from the query holds only visible ASCII (nothing that could
 * end the header or open another).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

static char *line(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *s = *p, *nl = memchr(s, '\n', (size_t)(end - s));
	size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
	char *out = malloc(n + 1);
	if (!out)
		abort();
	memcpy(out, s, n);
	out[n] = 0;
	*p = nl ? nl + 1 : end;
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	char *inm = line(&p, end), *cursor = line(&p, end), *key = line(&p, end), *query = line(&p, end);

	struct api_resp r = {.status = 200};
	r.body = strdup("{\"version\":1}");
	r.len = strlen(r.body);
	api_etag_apply(&r, *inm ? inm : NULL);
	if (r.status != 200 && r.status != 304)
		abort();
	if (r.status == 304 && r.body)
		abort(); /* a 304 carries no body */
	if (strlen(r.etag) != 34)
		abort();
	free(r.body);

	int64_t pos = -1;
	if (api_cursor_parse("listRequests", cursor, &pos) == 0) {
		char again[200];
		api_cursor_make("listRequests", pos, again, sizeof again);
		if (pos < 0 || strcmp(again, cursor) != 0)
			abort(); /* one position, one cursor */
	}
	/* Keyset: a list of roles (by name) and one of expiring consents (3 fields). */
	static const char *const ops[] = {"listRoles", "listExpiringConsents"};
	for (size_t k = 0; k < 2; k++) {
		struct api_page pg = {.limit = 2};
		if (api_keyset_parse(ops[k], cursor, pg.after) != 0)
			continue;
		json_t *after = json_loads(pg.after, 0, NULL);
		if (!json_is_array(after) || json_array_size(after) != (k ? 3u : 1u) || strlen(pg.after) > API_CURSOR_KEY_MAX)
			abort();
		struct api_ctx c = {0};
		c.out = k ? json_pack("{s:[{s:s,s:s,s:s},{s:s,s:s,s:s},{s:s,s:s,s:s}]}", "consents", "expires_at",
		                      "2027-01-01T00:00:00Z", "subject", "b", "activity", "x", "expires_at",
		                      "2026-01-01T00:00:00Z", "subject", "a", "activity", "y", "expires_at",
		                      "2027-01-01T00:00:00Z", "subject", "a", "activity", "z")
		          : json_pack("{s:[{s:s},{s:s},{s:s},{s:i}]}", "roles", "name", "ops", "name", "admin", "name",
		                      "billing", "name", 7);
		if (api_page_apply(&c, ops[k], k ? "consents" : "roles", &pg) == 0) {
			json_t *page = json_object_get(c.out, k ? "consents" : "roles"), *item;
			size_t i;
			if (json_array_size(page) > 2)
				abort();
			json_array_foreach (page, i, item) {
				json_t *first = json_object_get(item, k ? "expires_at" : "name"), *a0 = json_array_get(after, 0);
				/* the first field alone: an item before the cursor's would be a repeat */
				if (json_is_string(first) && json_is_string(a0) && strcmp(json_string_value(first), json_string_value(a0)) < 0)
					abort();
			}
		}
		json_decref(c.out);
		json_decref(after);
	}
	if (api_idem_key_check(key) == 0 && (strlen(key) == 0 || strlen(key) > 255))
		abort();
	struct api_resp l = {.status = 200};
	api_link_next(&l, "/v1/tenants/acme/requests", query, "76317c");
	size_t n = strlen(l.link);
	if (n && (l.link[0] != '<' || n < 11 || strcmp(l.link + n - 10, "rel=\"next\"") != 0))
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)l.link[i] < 0x20 || (unsigned char)l.link[i] >= 0x7f)
			abort();
	free(query);
	free(inm);
	free(cursor);
	free(key);
	return 0;
}
