/*
 * fuzz_api.c — the HTTP API's request handling (route matching, body caps,
 * JSON bodies, path parameters, authentication header) on a real vault.
 *
 * Input: "METHOD TARGET\n" then "AUTH\n" (a line: "token" uses a valid service
 * token with every right, "bad" a malformed one, anything else is sent as is)
 * then the body. TARGET is a raw request target: its path is decoded by
 * api_path_decode as the server does (%00, %2F and bad escapes refused), its
 * query string ("?k=v&…", up to 8 pairs, taken as is) answers api_query;
 * without one, ?purpose=billing. It links the server's library
 * (gardien_server): the code `gardien serve` runs, minus the socket — the web
 * console's file lookup (console.c) included.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gardien.h"
#include "server.h"

static gd_vault *vault;
static char token[GD_TOKEN_SIZE], dir[64] = "/tmp/gd-fuzz-api.XXXXXX", path[128], keyp[140];

static void cleanup(void)
{
	gd_vault_close(vault);
	unlink(path);
	unlink(keyp);
	char side[160];
	snprintf(side, sizeof side, "%s-wal", path), unlink(side);
	snprintf(side, sizeof side, "%s-shm", path), unlink(side);
	rmdir(dir);
}

static void setup(void)
{
	gd_vault_options o = GD_VAULT_OPTIONS_INIT;
	gd_actor *a = NULL;
	char id[GD_SUBJECT_ID_SIZE];
	o.now = 1767225600; /* 2026-01-01 */
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof path, "%s/v.db", dir);
	snprintf(keyp, sizeof keyp, "%s.key", path);
	if (gd_vault_init(path, &o) || gd_vault_open(&vault, path, &o) || gd_tenant_create(vault, "acme", "33") ||
	    gd_tenant_create(vault, "beta", NULL) || gd_actor_open(&a, vault, "acme", "fuzz:setup") ||
	    gd_role_set(a, "all", GD_OP_ALL, "*", false) || gd_service_create(a, "app", "all") ||
	    gd_token_create(a, token, NULL, "app", 0) || gd_subject_create(a, id))
		abort();
	gd_record_spec s = GD_RECORD_SPEC_INIT;
	s.activity = "billing", s.category = "user.name", s.value = "Ana", s.value_len = 3;
	if (gd_record_put(a, NULL, id, &s))
		abort();
	gd_actor_close(a);
	atexit(cleanup);
}

struct args {
	int n;
	char *k[8], *v[8];
};

static const char *query(void *ud, const char *key)
{
	const struct args *a = ud;
	if (!a->n)
		return strcmp(key, "purpose") == 0 ? "billing" : NULL;
	for (int i = 0; i < a->n; i++)
		if (strcmp(a->k[i], key) == 0)
			return a->v[i];
	return NULL;
}

/* Splits "k=v&k2=v2" in place. */
static void split_query(struct args *a, char *q)
{
	while (q && *q && a->n < 8) {
		char *amp = strchr(q, '&'), *eq;
		if (amp)
			*amp = 0;
		eq = strchr(q, '=');
		a->k[a->n] = q;
		a->v[a->n++] = eq ? (*eq = 0, eq + 1) : (char *)"";
		q = amp ? amp + 1 : NULL;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!vault)
		setup();
	const char *p = (const char *)data, *end = p + size;
	const char *nl1 = memchr(p, '\n', size);
	if (!nl1)
		return 0;
	const char *nl2 = memchr(nl1 + 1, '\n', (size_t)(end - nl1 - 1));
	if (!nl2)
		return 0;
	char line[512], auth[256], method[16], upath[480];
	size_t n = (size_t)(nl1 - p);
	if (n >= sizeof line)
		return 0;
	memcpy(line, p, n), line[n] = 0;
	if (sscanf(line, "%15s %479s", method, upath) != 2)
		return 0;
	n = (size_t)(nl2 - nl1 - 1);
	if (n >= sizeof auth - 8)
		return 0;
	memcpy(auth, nl1 + 1, n), auth[n] = 0;
	char header[GD_TOKEN_SIZE + 300];
	if (strcmp(auth, "token") == 0)
		snprintf(header, sizeof header, "Bearer %s", token);
	else if (strcmp(auth, "none") == 0)
		header[0] = 0;
	else
		snprintf(header, sizeof header, "%s", auth);
	/* The body in its own allocation, so reads past it are caught. */
	size_t blen = (size_t)(end - nl2 - 1);
	char *body = malloc(blen ? blen : 1);
	if (!body)
		return 0;
	memcpy(body, nl2 + 1, blen);
	struct args args = {0};
	char *qs = strchr(upath, '?'), dpath[480];
	if (qs)
		*qs++ = 0;
	split_query(&args, qs);
	if (api_path_decode(upath, strlen(upath), dpath, sizeof dpath) < 0) {
		free(body);
		return 0; /* the server answers 400 before routing */
	}
	for (const char *c = dpath; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			abort(); /* a decoded control character must never reach the router */
	struct api_req rq = {.method = method, .path = dpath, .authorization = header[0] ? header : NULL, .query = query, .query_ud = &args, .body = body, .body_len = blen, .v = vault};
	struct api_resp r;
	int route;
	/* As http.c: the console's files first, then the API. */
	if (console_serve(method, upath, &r)) {
		if (r.status != 200 && r.status != 302 && r.status != 404 && r.status != 405 && r.status != 503)
			abort();
		if (r.status == 200 && (!r.body || !r.csp))
			abort();
		free(r.body);
		free(body);
		return 0;
	}
	api_handle(&rq, &r, &route);
	if (r.status < 200 || r.status > 599)
		abort();
	free(r.body);
	free(body);
	return 0;
}
