/*
 * json.c — a JSON syntax check that allocates nothing: record values are
 * validated on every put, and building a tree only to free it was a tenth of
 * the time of a put. Recursive descent with an explicit depth limit.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"

struct cur {
	const char *p, *end;
	int depth;
};

static void ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static bool lit(struct cur *c, const char *w)
{
	for (; *w; w++, c->p++)
		if (c->p >= c->end || *c->p != *w)
			return false;
	return true;
}

static bool hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

static int hexval(char ch)
{
	return ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10;
}

/* Reads the 4 hex digits after "\\u"; -1 if malformed. */
static long u_escape(struct cur *c)
{
	long v = 0;
	for (int i = 0; i < 4; i++) {
		if (c->p >= c->end || !hex(*c->p))
			return -1;
		v = v * 16 + hexval(*c->p++);
	}
	return v;
}

static bool string(struct cur *c)
{
	c->p++; /* opening quote */
	while (c->p < c->end) {
		unsigned char ch = (unsigned char)*c->p++;
		if (ch == '"')
			return true;
		if (ch < 0x20)
			return false;
		if (ch == '\\') {
			if (c->p >= c->end)
				return false;
			char e = *c->p++;
			if (e == 'u') {
				/* Surrogates must pair up, as the parser that reads values back requires. */
				long u = u_escape(c);
				if (u <= 0 || (u >= 0xdc00 && u <= 0xdfff))
					return false; /* \\u0000 too: values are C strings once read */
				if (u >= 0xd800 && u <= 0xdbff) {
					if (c->end - c->p < 2 || c->p[0] != '\\' || c->p[1] != 'u')
						return false;
					c->p += 2;
					long lo = u_escape(c);
					if (lo < 0xdc00 || lo > 0xdfff)
						return false;
				}
			} else if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' &&
			           e != 'r' && e != 't') {
				return false;
			}
		}
	}
	return false;
}

static bool digits(struct cur *c)
{
	const char *start = c->p;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
		c->p++;
	return c->p > start;
}

/*
 * Numbers must also be representable: an integer within int64, a real that
 * does not overflow a double (the reader's limits).
 */
static bool representable(const char *start, size_t n, bool real)
{
	char small[64], *buf = n < sizeof small ? small : malloc(n + 1);
	if (!buf)
		return false;
	memcpy(buf, start, n);
	buf[n] = 0;
	errno = 0;
	bool ok;
	if (real) {
		double d = strtod(buf, NULL);
		ok = !(errno == ERANGE && isinf(d));
	} else {
		(void)strtoll(buf, NULL, 10);
		ok = errno != ERANGE;
	}
	if (buf != small)
		free(buf);
	return ok;
}

static bool number(struct cur *c)
{
	const char *start = c->p;
	bool real = false;
	if (*c->p == '-')
		c->p++;
	if (c->p < c->end && *c->p == '0')
		c->p++;
	else if (!digits(c))
		return false;
	if (c->p < c->end && *c->p == '.') {
		c->p++;
		real = true;
		if (!digits(c))
			return false;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		real = true;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (!digits(c))
			return false;
	}
	return representable(start, (size_t)(c->p - start), real);
}

static bool value(struct cur *c);

static bool container(struct cur *c, char close, bool object)
{
	if (++c->depth > GD__JSON_MAX_DEPTH)
		return false;
	c->p++;
	ws(c);
	if (c->p < c->end && *c->p == close) {
		c->p++;
		c->depth--;
		return true;
	}
	for (;;) {
		if (object) {
			if (c->p >= c->end || *c->p != '"' || !string(c))
				return false;
			ws(c);
			if (c->p >= c->end || *c->p++ != ':')
				return false;
		}
		if (!value(c))
			return false;
		ws(c);
		if (c->p >= c->end)
			return false;
		char ch = *c->p++;
		if (ch == close) {
			c->depth--;
			return true;
		}
		if (ch != ',')
			return false;
		ws(c);
	}
}

static bool value(struct cur *c)
{
	ws(c);
	if (c->p >= c->end)
		return false;
	switch (*c->p) {
	case '{': return container(c, '}', true);
	case '[': return container(c, ']', false);
	case '"': return string(c);
	case 't': return lit(c, "true");
	case 'f': return lit(c, "false");
	case 'n': return lit(c, "null");
	default:
		if (*c->p == '-' || (*c->p >= '0' && *c->p <= '9'))
			return number(c);
		return false;
	}
}

bool gd__json_valid(const char *p, size_t n, size_t *err_at)
{
	struct cur c = {p, p + n, 0};
	bool ok = value(&c);
	if (ok) {
		ws(&c);
		ok = c.p == c.end;
	}
	if (!ok && err_at)
		*err_at = (size_t)(c.p - p);
	return ok;
}
