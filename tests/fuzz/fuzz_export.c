/*
 * fuzz_export.c — the subject export writes untrusted values (whatever
 * applications stored) into JSON, CSV and HTML with its own escaping. Each input
 * becomes one record value (JSON when it parses as JSON, text otherwise); the
 * JSON export must parse and give back exactly that value, the CSV field must
 * be quoted with its quotes doubled, and the HTML page must hold no raw '<' or
 * '&' from the value. One vault serves the whole run.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gardien.h"

static gd_vault *v;
static gd_actor *a;
static char subject[GD_SUBJECT_ID_SIZE], dir[256];

struct buf {
	char *p;
	size_t n, cap;
};

static int put(void *ud, const void *p, size_t n)
{
	struct buf *b = ud;
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		if (!(b->p = realloc(b->p, b->cap)))
			abort();
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
	b->p[b->n] = 0;
	return 0;
}

static void cleanup(void)
{
	char cmd[300];
	gd_actor_close(a);
	gd_vault_close(v);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static size_t count_char(const char *p, size_t n, char c)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += p[i] == c;
	return k;
}

/* '<' and '&' in the HTML page of one record with a plain value: the page's own. */
static size_t base_lt, base_amp;

static void setup(void)
{
	char path[300];
	gd_vault_options o = GD_VAULT_OPTIONS_INIT;
	o.now = 1767225600;
	snprintf(dir, sizeof dir, "%s/gdfuzz-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof path, "%s/v.db", dir);
	if (gd_vault_init(path, &o) || gd_vault_open(&v, path, &o) || gd_tenant_create(v, "fz", NULL) ||
	    gd_actor_open(&a, v, "fz", "fuzz") || gd_subject_create(a, subject))
		abort();
	atexit(cleanup);
	gd_record_spec s = GD_RECORD_SPEC_INIT;
	int64_t id;
	struct buf b = {0};
	s.activity = "fz";
	s.category = "user.content";
	s.value = "plain";
	s.value_len = 5;
	if (gd_record_put(a, &id, subject, &s) || gd_rights_export(a, subject, GD_EXPORT_HTML, 0, put, &b) ||
	    gd_record_delete(a, id))
		abort();
	base_lt = count_char(b.p, b.n, '<');
	base_amp = count_char(b.p, b.n, '&');
	free(b.p);
}

/* The value as the JSON export holds it: the stored JSON, or a string. */
static json_t *expected(const uint8_t *data, size_t size, enum gd_value_type type)
{
	return type == GD_VALUE_JSON ? json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL)
	                             : json_stringn((const char *)data, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!v)
		setup();
	if (size > 4096)
		return 0;
	gd_record_spec s = GD_RECORD_SPEC_INIT;
	int64_t id;
	s.activity = "fz";
	s.category = "user.content";
	s.value = data;
	s.value_len = size;
	s.type = GD_VALUE_JSON;
	if (gd_record_put(a, &id, subject, &s) < 0) {
		s.type = GD_VALUE_TEXT;
		if (gd_record_put(a, &id, subject, &s) < 0)
			return 0; /* not UTF-8 (or holds NUL): refused at the door */
	}
	struct buf b = {0};
	if (gd_rights_export(a, subject, GD_EXPORT_JSON, 0, put, &b) < 0)
		abort();
	json_error_t err;
	json_t *doc = json_loadb(b.p, b.n, 0, &err), *want = expected(data, size, s.type);
	if (!doc || !want) {
		fprintf(stderr, "export is not JSON: %s\n", err.text);
		abort();
	}
	json_t *rec = json_array_get(json_object_get(doc, "records"), 0);
	if (json_integer_value(json_object_get(rec, "id")) != id || !json_equal(json_object_get(rec, "value"), want))
		abort();
	json_decref(doc);
	json_decref(want);

	b.n = 0;
	if (gd_rights_export(a, subject, GD_EXPORT_HTML, 0, put, &b) < 0)
		abort();
	/* The value adds no tag: every '<' is the page's own; every '&' it adds starts an entity. */
	if (count_char(b.p, b.n, '<') != base_lt)
		abort();
	size_t specials = 0;
	for (size_t i = 0; i < size; i++)
		specials += memchr("<>&\"'", data[i], 5) != NULL;
	if (count_char(b.p, b.n, '&') != base_amp + specials)
		abort();

	b.n = 0;
	if (gd_rights_export(a, subject, GD_EXPORT_CSV, 0, put, &b) < 0)
		abort();
	/* Every line of the CSV has an even number of quotes once the value's are doubled. */
	size_t quotes = 0;
	for (size_t i = 0; i < b.n; i++)
		quotes += b.p[i] == '"';
	if (quotes % 2)
		abort();
	free(b.p);
	if (gd_record_delete(a, id) < 0)
		abort();
	return 0;
}
