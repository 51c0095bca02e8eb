/*
 * buf.c — the output buffer and the escapers (see buf.h for the invariants).
 */
#include <stdio.h>
#include <string.h>

#include "util/buf.h"

void gd__buf_init(struct gd__buf *b, size_t max)
{
	*b = (struct gd__buf){.max = max};
}

void gd__buf_init_stream(struct gd__buf *b, void *mem, size_t cap, gd__buf_sink sink, void *ud)
{
	*b = (struct gd__buf){.p = mem, .cap = cap, .max = cap, .sink = sink, .ud = ud};
}

int gd__buf_flush(struct gd__buf *b)
{
	if (!b->sink)
		return b->rc;
	if (b->rc == 0 && b->n) {
		int rc = b->sink(b->ud, b->p, b->n);
		if (rc != 0)
			b->rc = rc;
	}
	gd__zero(b->p, b->n);
	b->n = 0;
	return b->rc;
}

/* Room for `extra` more bytes and the NUL; sets the sticky error when there is none. */
static int grow(struct gd__buf *b, size_t extra)
{
	if (extra > b->max - b->n)
		return b->rc = gd__err(GD_ETOOBIG, "output over its limit of %zu bytes", b->max);
	size_t need = b->n + extra + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	char *p = gd__malloc(cap);
	if (!p)
		return b->rc = GD_ENOMEM;
	if (b->p) {
		memcpy(p, b->p, b->n);
		gd__zero(b->p, b->cap);
		gd__free(b->p);
	}
	b->p = p, b->cap = cap;
	return 0;
}

int gd__buf_add(struct gd__buf *b, const void *p, size_t n)
{
	const char *s = p;
	if (b->rc)
		return b->rc;
	if (b->sink) {
		while (n && b->rc == 0) {
			if (b->n == b->cap && gd__buf_flush(b) != 0)
				break;
			size_t k = b->cap - b->n < n ? b->cap - b->n : n;
			memcpy(b->p + b->n, s, k);
			b->n += k, s += k, n -= k;
		}
		return b->rc;
	}
	if (grow(b, n) != 0)
		return b->rc;
	if (n)
		memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = 0;
	return 0;
}

int gd__buf_puts(struct gd__buf *b, const char *s)
{
	return gd__buf_add(b, s, strlen(s));
}

int gd__buf_vprintf(struct gd__buf *b, const char *fmt, va_list ap)
{
	char tmp[512];
	va_list aq;
	if (b->rc)
		return b->rc;
	va_copy(aq, ap);
	int n = vsnprintf(tmp, sizeof tmp, fmt, aq);
	va_end(aq);
	if (n < 0)
		return b->rc = gd__err(GD_ERROR, "text could not be formatted");
	if ((size_t)n < sizeof tmp) {
		gd__buf_add(b, tmp, (size_t)n);
		gd__zero(tmp, (size_t)n);
		return b->rc;
	}
	/* Longer than the stack buffer: format it again into memory of its size. */
	char *big = gd__malloc((size_t)n + 1);
	if (!big)
		return b->rc = GD_ENOMEM;
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	gd__buf_add(b, big, (size_t)n);
	gd__zero(big, (size_t)n);
	gd__free(big);
	return b->rc;
}

int gd__buf_printf(struct gd__buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = gd__buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void gd__buf_reset(struct gd__buf *b)
{
	gd__zero(b->p, b->n);
	b->n = 0;
	b->rc = 0;
	if (b->p && !b->sink)
		b->p[0] = 0;
}

char *gd__buf_take(struct gd__buf *b, size_t *len)
{
	if (len)
		*len = 0;
	if (b->sink)
		return NULL;
	if (b->rc == 0 && !b->p)
		grow(b, 0);
	if (b->rc) {
		int rc = b->rc;
		gd__buf_release(b);
		b->rc = rc;
		return NULL;
	}
	b->p[b->n] = 0;
	char *p = b->p;
	if (len)
		*len = b->n;
	*b = (struct gd__buf){.max = b->max};
	return p;
}

void gd__buf_release(struct gd__buf *b)
{
	if (b->sink) {
		gd__zero(b->p, b->n);
		b->n = 0;
		return;
	}
	if (b->p) {
		gd__zero(b->p, b->cap);
		gd__free(b->p);
	}
	*b = (struct gd__buf){.max = b->max};
}

/* Writes s[0..n) replacing each byte `rep` names; runs without one are copied whole. */
typedef const char *(*replace_fn)(unsigned char c, char u[7]);

static int escape(struct gd__buf *b, const char *s, size_t n, replace_fn rep)
{
	size_t start = 0;
	char u[7];
	for (size_t i = 0; s && i < n && b->rc == 0; i++) {
		const char *r = rep((unsigned char)s[i], u);
		if (r) {
			gd__buf_add(b, s + start, i - start);
			gd__buf_puts(b, r);
			start = i + 1;
		}
	}
	if (s && start < n)
		gd__buf_add(b, s + start, n - start);
	return b->rc;
}

static const char *html_rep(unsigned char c, char u[7])
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\'': return "&#39;";
	default: return NULL;
	}
}

static const char *json_rep(unsigned char c, char u[7])
{
	static const char hex[] = "0123456789abcdef";
	if (c == '"')
		return "\\\"";
	if (c == '\\')
		return "\\\\";
	if (c == '\n')
		return "\\n";
	if (c < 0x20 || c == 0x7f) {
		memcpy(u, "\\u00", 4);
		u[4] = hex[c >> 4], u[5] = hex[c & 15], u[6] = 0;
		return u;
	}
	return NULL;
}

static const char *csv_rep(unsigned char c, char u[7])
{
	return c == '"' ? "\"\"" : NULL;
}

int gd__buf_html(struct gd__buf *b, const char *s, size_t n)
{
	return escape(b, s, n, html_rep);
}

int gd__buf_json(struct gd__buf *b, const char *s, size_t n)
{
	return escape(b, s, n, json_rep);
}

int gd__buf_csv(struct gd__buf *b, const char *s, size_t n, unsigned flags)
{
	bool formula = (flags & GD__CSV_NEUTRALISE) && s && n &&
	               (*s == '=' || *s == '+' || *s == '-' || *s == '@');
	bool quote = (flags & GD__CSV_ALWAYS) || formula;
	for (size_t i = 0; s && !quote && i < n; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
	if (quote)
		gd__buf_add(b, formula ? "\"'" : "\"", formula ? 2 : 1);
	escape(b, s, n, csv_rep);
	if (quote)
		gd__buf_add(b, "\"", 1);
	return b->rc;
}

int gd__buf_csv_text(struct gd__buf *b, const char *s, size_t n)
{
	return escape(b, s, n, csv_rep);
}
