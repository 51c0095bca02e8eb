/*
 * store.c — engine-neutral helpers over struct gd__store_engine: parameter
 * binding from a type string, stepping with fault points, and the operation
 * bracket (transaction at the outermost level, savepoint inside).
 */
#include <assert.h>
#include <stdarg.h>
#include <string.h>

#include "lib/internal.h"
#include "lib/retention/retention.h"

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

static int op_begin(gd_vault *v, bool light)
{
	const struct gd__store_engine *e = v->store->engine;
	if (gd__fault_point())
		return gd__err(GD_EIO, "storage failure (injected)");
	if (v->depth >= 31)
		return gd__err(GD_ERROR, "internal: operations nested too deep");
	bool nested = v->batch || v->depth;
	int rc = 0;
	if (!nested) {
		if ((rc = e->begin(v->store)) == 0)
			v->tx_gen++;
	} else if (!light) {
		/* The entries buffered so far belong outside the savepoint. */
		if ((rc = gd__audit_flush(v)) == 0)
			rc = e->savepoint(v->store);
	}
	if (rc == 0) {
		v->light = (v->light & ~(1u << v->depth)) | ((unsigned)(light && nested) << v->depth);
		v->depth++;
	}
	return rc;
}

int gd__op_begin(gd_vault *v)
{
	return op_begin(v, false);
}

int gd__op_begin_read(gd_vault *v)
{
	return op_begin(v, true);
}

int gd__op_end(gd_vault *v, int rc)
{
	const struct gd__store_engine *e = v->store->engine;
	v->depth--;
	bool outermost = !v->batch && v->depth == 0;
	if (rc == 0 && gd__fault_point())
		rc = gd__err(GD_EIO, "storage failure (injected)");
	if (!outermost && (v->light >> v->depth & 1u)) {
		/* A read: its one write, the audit entry, either happened whole or
		 * not at all (gd__audit_append). Nothing to release or undo. */
		return rc;
	}
	if (rc == 0 && outermost)
		rc = gd__audit_flush(v);
	/* The journal first: the commit must not be on disk without it. */
	if (rc == 0 && outermost && v->journal_unsynced)
		rc = gd__journal_sync(v);
	if (rc == 0) {
		int c;
		if (!outermost) {
			c = e->release(v->store);
		} else if (v->needs_scrub || v->scrub_pending) {
			bool scrubbed = false;
			/* Only the erasing transaction waits for readers; later ones just retry. */
			c = e->commit_erasure(v->store, v->needs_scrub, &scrubbed);
			if (c == 0) {
				v->needs_scrub = false;
				v->scrub_pending = !scrubbed;
			}
		} else {
			c = e->commit(v->store);
		}
		if (c == 0)
			return 0;
		rc = c;
	}
	v->tx_gen++; /* what the caches remember of this transaction may be undone */
	gd__audit_discard(v);
	if (outermost) {
		e->rollback(v->store);
		v->needs_scrub = false;
		v->journal_unsynced = false;
	} else {
		e->rollback_to(v->store);
	}
	return rc;
}
