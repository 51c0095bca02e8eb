/*
 * store.c — engine-neutral helpers over struct gd__store_engine: parameter
 * binding from a type string, stepping with fault points. A leaf: it calls
 * the engine and nothing above it (the transaction layer is vault/tx.c).
 */
#include <assert.h>
#include <stdarg.h>
#include <string.h>

#include "lib/internal.h"

static int bind_args(gd__store *s, gd__stmt *st, const char *types, va_list ap)
{
	const struct gd__store_engine *e = s->engine;
	int rc = 0;
	for (int i = 1; types && *types && rc == 0; types++, i++) {
		switch (*types) {
		case 'i': rc = e->bind_int(st, i, va_arg(ap, int64_t)); break;
		case 't': {
			const char *t = va_arg(ap, const char *);
			rc = t ? e->bind_text(st, i, t) : e->bind_null(st, i);
			break;
		}
		case 'b': {
			const void *p = va_arg(ap, const void *);
			size_t n = va_arg(ap, size_t);
			rc = p ? e->bind_blob(st, i, p, n) : e->bind_null(st, i);
			break;
		}
		case 'n': rc = e->bind_null(st, i); break;
		default: return gd__err(GD_ERROR, "internal: bad bind type '%c'", *types);
		}
	}
	return rc;
}

static int vquery(gd__store *s, gd__stmt **out, const char *sql, const char *types, va_list ap)
{
	if (gd__fault_point())
		return gd__err(GD_EIO, "storage failure (injected)");
	int rc = s->engine->prepare(s, out, sql);
	if (rc < 0)
		return rc;
	assert(s->engine->param_count(*out) == (int)(types ? strlen(types) : 0));
	rc = bind_args(s, *out, types, ap);
	if (rc < 0)
		s->engine->reset(*out);
	return rc;
}

int gd__db_query(gd__store *s, gd__stmt **out, const char *sql, const char *types, ...)
{
	va_list ap;
	va_start(ap, types);
	int rc = vquery(s, out, sql, types, ap);
	va_end(ap);
	return rc;
}

int gd__db_scan(gd__store *s, gd__stmt **out, const char *sql, const char *types, ...)
{
	va_list ap;
	va_start(ap, types);
	int rc = vquery(s, out, sql, types, ap);
	va_end(ap);
	if (rc == 0 && s->engine->scan)
		s->engine->scan(*out);
	return rc;
}

int gd__db_step(gd__store *s, gd__stmt *st)
{
	if (gd__fault_point())
		return gd__err(GD_EIO, "storage failure (injected)");
	return s->engine->step(st);
}

int gd__db_exec(gd__store *s, const char *sql, const char *types, ...)
{
	gd__stmt *st;
	va_list ap;
	va_start(ap, types);
	int rc = vquery(s, &st, sql, types, ap);
	va_end(ap);
	if (rc < 0)
		return rc;
	while ((rc = gd__db_step(s, st)) == 1)
		;
	s->engine->reset(st);
	return rc;
}

const char *const gd__counter_names[GD__COUNTERS] = {"records", "breaches", "requests", "holds",
                                                     "auth_grants"};

int gd__db_next_id(gd__store *s, enum gd__counter counter, int64_t *out)
{
	if (gd__fault_point())
		return gd__err(GD_EIO, "storage failure (injected)");
	return s->engine->next_id(s, counter, out);
}

int gd__db_int(gd__store *s, int64_t *out, const char *sql, const char *types, ...)
{
	gd__stmt *st;
	va_list ap;
	va_start(ap, types);
	int rc = vquery(s, &st, sql, types, ap);
	va_end(ap);
	if (rc < 0)
		return rc;
	rc = gd__db_step(s, st);
	if (rc == 1) {
		*out = s->engine->col_int(st, 0);
		rc = 0;
	} else if (rc == 0) {
		rc = GD_ENOTFOUND;
	}
	s->engine->reset(st);
	return rc;
}

char *gd__store_keep_printf(struct gd__store_keep *k, const char *fmt, ...)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 16;
		char **v = gd__calloc(cap, sizeof *v);
		if (!v)
			return NULL;
		if (k->n)
			memcpy(v, k->sql, k->n * sizeof *v);
		gd__free(k->sql);
		k->sql = v, k->cap = cap;
	}
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *p = n < 0 ? NULL : gd__malloc((size_t)n + 1);
	if (p) {
		va_start(ap, fmt);
		vsnprintf(p, (size_t)n + 1, fmt, ap);
		va_end(ap);
		k->sql[k->n++] = p;
	}
	return p;
}

void gd__store_keep_release(struct gd__store_keep *k)
{
	for (size_t i = 0; i < k->n; i++)
		gd__free(k->sql[i]);
	gd__free(k->sql);
	*k = (struct gd__store_keep){0};
}

int gd__store_copy(gd__store *from, gd__store *to, const char *table, struct gd__store_keep *keep,
                   int64_t *copied)
{
	const struct gd__store_engine *fe = from->engine, *te = to->engine;
	char *select = NULL, *insert = NULL;
	gd__stmt *in = NULL, *out;
	int rc, ncol = 0;
	*copied = 0;
	if (!(select = gd__store_keep_printf(keep, "SELECT * FROM %s", table)))
		return gd__err(GD_ENOMEM, "out of memory");
	if ((rc = fe->prepare(from, &in, select)) < 0)
		return rc;
	if (fe->scan)
		fe->scan(in);
	while ((rc = gd__db_step(from, in)) == 1) {
		if (!insert) {
			/* The statement, from the first row's columns. */
			ncol = fe->col_count(in);
			/* Names and placeholders, written twice over: the first pass sizes the text. */
			size_t cap = strlen(table) + 40;
			for (int i = 0; i < ncol; i++)
				cap += strlen(fe->col_name(in, i)) + 5;
			char *cols = gd__malloc(cap), *marks = gd__malloc(cap);
			if (cols && marks) {
				size_t a = 0, b = 0;
				for (int i = 0; i < ncol; i++) {
					a += (size_t)snprintf(cols + a, cap - a, "%s%s", i ? ", " : "", fe->col_name(in, i));
					b += (size_t)snprintf(marks + b, cap - b, "%s?", i ? ", " : "");
				}
				insert = gd__store_keep_printf(keep, "INSERT INTO %s (%s) VALUES (%s)", table, cols, marks);
			}
			gd__free(cols);
			gd__free(marks);
			if (!insert) {
				rc = gd__err(GD_ENOMEM, "out of memory");
				break;
			}
		}
		if ((rc = te->prepare(to, &out, insert)) < 0)
			break;
		for (int i = 0; i < ncol && rc == 0; i++) {
			size_t len;
			const void *p;
			switch (fe->col_type(in, i)) {
			case GD__COL_INT: rc = te->bind_int(out, i + 1, fe->col_int(in, i)); break;
			case GD__COL_TEXT: rc = te->bind_text(out, i + 1, fe->col_text(in, i)); break;
			case GD__COL_BLOB:
				p = fe->col_blob(in, i, &len);
				rc = te->bind_blob(out, i + 1, p ? p : "", len);
				break;
			default: rc = te->bind_null(out, i + 1); break;
			}
		}
		if (rc == 0 && (rc = gd__db_step(to, out)) > 0)
			rc = 0;
		te->reset(out);
		if (rc < 0)
			break;
		++*copied;
	}
	fe->reset(in);
	return rc < 0 ? rc : 0;
}
