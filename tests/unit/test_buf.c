/*
 * test_buf.c — the output buffer and the escapers every writer uses: growth
 * up to a cap and "too big" past it, sticky errors, no leak and no partial
 * result when an allocation fails, streaming through a sink, and each
 * escaper's output (HTML, JSON, CSV with formula neutralising).
 */
#include <string.h>

#include "helpers.h"
#include "util/buf.h"

static char *take(struct gd__buf *b)
{
	size_t n;
	char *s = gd__buf_take(b, &n);
	assert_non_null(s);
	assert_int_equal(strlen(s), n);
	return s;
}

static void grows_and_terminates(void **state)
{
	struct gd__buf b;
	gd__buf_init(&b, 1 << 20);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(gd__buf_printf(&b, "%04d,", i), 0);
	assert_int_equal(b.n, 5000);
	assert_int_equal(b.p[b.n], 0);
	assert_memory_equal(b.p + 4995, "0999,", 5);
	/* longer than printf's stack buffer */
	char big[2000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	assert_int_equal(gd__buf_printf(&b, "[%s]", big), 0);
	assert_int_equal(b.n, 5000 + 2001);
	char *s = take(&b);
	assert_int_equal(s[5000], '[');
	assert_int_equal(s[7000], ']');
	gd__free(s);
	assert_null(b.p);
	assert_int_equal(b.n, 0);
}

static void empty_take_is_empty_string(void **state)
{
	struct gd__buf b;
	gd__buf_init(&b, 16);
	char *s = take(&b);
	assert_string_equal(s, "");
	gd__free(s);
}

static void cap_is_too_big_and_sticky(void **state)
{
	struct gd__buf b;
	gd__buf_init(&b, 10);
	assert_int_equal(gd__buf_puts(&b, "0123456789"), 0); /* exactly the cap */
	assert_int_equal(gd__buf_puts(&b, "a"), GD_ETOOBIG);
	assert_non_null(strstr(gd_error_last(), "10 bytes"));
	/* sticky: a smaller add after the failure does nothing */
	assert_int_equal(gd__buf_puts(&b, ""), GD_ETOOBIG);
	assert_int_equal(b.n, 10);
	size_t n = 99;
	assert_null(gd__buf_take(&b, &n));
	assert_int_equal(n, 0);
	assert_null(b.p);
	assert_int_equal(b.rc, GD_ETOOBIG); /* the caller learns why */
	/* reset clears the error */
	gd__buf_init(&b, 4);
	assert_int_equal(gd__buf_puts(&b, "abcde"), GD_ETOOBIG);
	gd__buf_reset(&b);
	assert_int_equal(gd__buf_puts(&b, "abcd"), 0);
	assert_string_equal(b.p, "abcd");
	gd__buf_release(&b);
}

/* Builds a document of many adds: each allocation failing in turn yields no result and no leak. */
static int build(void *ud)
{
	struct gd__buf b;
	gd__buf_init(&b, 1 << 20);
	for (int i = 0; i < 200; i++) {
		gd__buf_html(&b, "<a href='x'>&</a>", 17);
		gd__buf_printf(&b, "%d", i);
	}
	size_t n;
	char *s = gd__buf_take(&b, &n);
	if (!s)
		return b.rc ? b.rc : GD_ERROR;
	int rc = n > 200 * 38 ? 0 : GD_ERROR;
	gd__free(s);
	return rc;
}

static void allocation_failures_leave_nothing(void **state)
{
	struct fault_loop l = {.op = build, .max = 64};
	assert_true(fault_loop_run(&l) > 3); /* the buffer grew several times */
}

struct sink {
	char out[4096];
	size_t n;
	int calls, fail_at;
};

static int sink(void *ud, const void *p, size_t n)
{
	struct sink *s = ud;
	if (++s->calls == s->fail_at)
		return GD_EIO;
	memcpy(s->out + s->n, p, n);
	s->n += n;
	return 0;
}

static void streams_through_a_sink(void **state)
{
	char mem[8];
	struct sink s = {.fail_at = 0};
	struct gd__buf b;
	gd__buf_init_stream(&b, mem, sizeof mem, sink, &s);
	assert_int_equal(gd__buf_puts(&b, "hello, "), 0);
	assert_int_equal(gd__buf_printf(&b, "%s #%d", "streaming world", 42), 0);
	assert_int_equal(s.calls, 26 / sizeof mem); /* memory never grew: each full buffer went out */
	assert_int_equal(gd__buf_flush(&b), 0);
	assert_int_equal(s.n, strlen("hello, streaming world #42"));
	assert_memory_equal(s.out, "hello, streaming world #42", s.n);
	/* what went out is wiped from the buffer */
	for (size_t i = 0; i < sizeof mem; i++)
		assert_int_equal(mem[i], 0);
	/* the sink's error is sticky */
	struct sink t = {.fail_at = 1};
	gd__buf_init_stream(&b, mem, sizeof mem, sink, &t);
	assert_int_equal(gd__buf_puts(&b, "0123456789"), GD_EIO);
	assert_int_equal(gd__buf_puts(&b, "x"), GD_EIO);
	assert_int_equal(gd__buf_flush(&b), GD_EIO);
	assert_int_equal(t.n, 0);
	gd__buf_release(&b);
}

static char *escaped(int (*esc)(struct gd__buf *, const char *, size_t), const char *s)
{
	struct gd__buf b;
	gd__buf_init(&b, 1024);
	assert_int_equal(esc(&b, s, strlen(s)), 0);
	return take(&b);
}

static void html_escapes_markup(void **state)
{
	char *s = escaped(gd__buf_html, "<script>alert(\"x\" & 'y')</script> é");
	assert_string_equal(s, "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt; é");
	gd__free(s);
}

static void json_escapes_strings(void **state)
{
	const char in[] = "a\"b\\c\nd\te\x01\x7f é";
	struct gd__buf b;
	gd__buf_init(&b, 1024);
	assert_int_equal(gd__buf_json(&b, in, sizeof in - 1), 0);
	char *s = take(&b);
	assert_string_equal(s, "a\\\"b\\\\c\\nd\\u0009e\\u0001\\u007f é");
	gd__free(s);
	/* embedded NUL bytes are escaped too, not cut */
	gd__buf_init(&b, 1024);
	assert_int_equal(gd__buf_json(&b, "a\0b", 3), 0);
	s = take(&b);
	assert_string_equal(s, "a\\u0000b");
	gd__free(s);
}

static char *csv(const char *in, unsigned q)
{
	struct gd__buf b;
	gd__buf_init(&b, 1024);
	assert_int_equal(gd__buf_csv(&b, in, in ? strlen(in) : 0, q), 0);
	return take(&b);
}

static void csv_quotes_and_neutralises_formulas(void **state)
{
	enum {
		N = GD__CSV_NEUTRALISE
	};
	static const struct {
		const char *in;
		unsigned q;
		const char *out;
	} cases[] = {
		{"plain", GD__CSV_MINIMAL, "plain"},
		{"plain", GD__CSV_ALWAYS, "\"plain\""},
		{"a,b", GD__CSV_MINIMAL, "\"a,b\""},
		{"say \"hi\"", GD__CSV_MINIMAL, "\"say \"\"hi\"\"\""},
		{"two\r\nlines", GD__CSV_MINIMAL, "\"two\r\nlines\""},
		{"=HYPERLINK(\"http://evil\")", N, "\"'=HYPERLINK(\"\"http://evil\"\")\""},
		{"+33 1 23", N, "\"'+33 1 23\""},
		{"-1", N | GD__CSV_ALWAYS, "\"'-1\""},
		{"@SUM(A1)", N, "\"'@SUM(A1)\""},
		{"a=b", N, "a=b"},
		/* without neutralising, values come back exactly (portability) */
		{"+33 1 23", GD__CSV_MINIMAL, "+33 1 23"},
		{"-1", GD__CSV_ALWAYS, "\"-1\""},
		{"", GD__CSV_MINIMAL, ""},
		{"", GD__CSV_ALWAYS, "\"\""},
		{NULL, GD__CSV_MINIMAL, ""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *s = csv(cases[i].in, cases[i].q);
		if (strcmp(s, cases[i].out) != 0)
			fail_msg("csv(%s): got [%s], expected [%s]", cases[i].in ? cases[i].in : "NULL", s,
			         cases[i].out);
		gd__free(s);
	}
}

int main(void)
{
	if (fx_on_pg()) { /* the pg: copy (tests/CMakeLists.txt) */
		printf("skipped on PostgreSQL: the growable buffers of src/util, no vault: the same code on both engines\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(grows_and_terminates),
		cmocka_unit_test(empty_take_is_empty_string),
		cmocka_unit_test(cap_is_too_big_and_sticky),
		cmocka_unit_test(allocation_failures_leave_nothing),
		cmocka_unit_test(streams_through_a_sink),
		cmocka_unit_test(html_escapes_markup),
		cmocka_unit_test(json_escapes_strings),
		cmocka_unit_test(csv_quotes_and_neutralises_formulas),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
