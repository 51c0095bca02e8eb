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
