/*
 * fuzz_conventions.c — the HTTP conventions' parsers of client input
 * (src/server/conventions.c): the If-None-Match list against an ETag, a list
 * cursor, and an Idempotency-Key.
 *
 * Input: four lines — an If-None-Match value, a ?cursor= value, an
 * Idempotency-Key, a query string — each taken as is (any bytes but the
 * newline). A cursor that parses must be one api_cursor_make writes for the
 * position it names; a Link built from the query holds only visible ASCII
 * (nothing that could end the header or open another).
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
