/*
 * register_migrate.c — rewrites a format 1 register file as format 2
 * (gd_register_migrate, `gardien register migrate FILE`).
 *
 * Format 2 is format 1 plus new keys, so the rewrite is one edit: the version
 * number. Everything else — comments, order, quoting — stays byte for byte,
 * so that the writer's diff shows just that line. What changes is meaning:
 *   - reads across activities need reads_from (Art. 6(4)); each read format 1
 *     allowed and format 2 will refuse is reported, so that the writer
 *     declares it with its reasoning or lets it go: gardien does not invent
 *     a compatibility reasoning;
 *   - the law checks that format 1 reports as warnings are errors: a file
 *     with one is not written until it is fixed.
 */
#include <libfyaml.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/internal.h"
#include "lib/register/register.h"

struct notes {
	gd_register_report_cb cb;
	void *ud;
	const char *file;
	size_t n;
};

static void note(struct notes *n, int line, const char *fmt, ...) GD__PRINTF(3, 4);
static void note(struct notes *n, int line, const char *fmt, ...)
{
	char msg[420];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	n->n++;
	if (n->cb)
		n->cb(n->ud, &(gd_register_diag){.severity = GD_REGISTER_WARNING, .file = n->file, .line = line, .column = 0, .message = msg});
}

/* The first category of `from` that `to` can read under format 1's rule, or NULL. */
static const char *shared_category(const struct gd__activity *to, const struct gd__activity *from)
{
	for (size_t i = 0; i < from->categories.n; i++)
		if (gd__category_covered(&to->categories, from->categories.v[i]))
			return from->categories.v[i];
	for (size_t i = 0; i < to->categories.n; i++)
		if (gd__category_covered(&from->categories, to->categories.v[i]))
			return to->categories.v[i];
	return NULL;
}

/* Byte range of the value of the top-level key gardien_register. */
static int version_span(const char *text, size_t len, size_t *start, size_t *end)
{
	struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET};
	struct fy_document *doc = fy_document_build_from_string(&cfg, text, len);
	int rc = GD_EINVAL;
	struct fy_node *root = doc ? fy_document_root(doc) : NULL;
	struct fy_node *v = root && fy_node_is_mapping(root)
	                            ? fy_node_mapping_lookup_by_string(root, "gardien_register", FY_NT)
	                            : NULL;
	struct fy_token *t = v && fy_node_is_scalar(v) ? fy_node_get_scalar_token(v) : NULL;
	const struct fy_mark *s = t ? fy_token_start_mark(t) : NULL, *e = t ? fy_token_end_mark(t) : NULL;
	if (s && e && s->input_pos < e->input_pos && e->input_pos <= len) {
		*start = s->input_pos;
		*end = e->input_pos;
		rc = 0;
	}
	fy_document_destroy(doc);
	return rc;
}

int gd_register_migrate(const char *path, FILE *out, gd_register_report_cb cb, void *ud,
                        size_t *out_notes)
{
	char *text = NULL, *next = NULL;
	size_t len = 0, nerr = 0, start = 0, end = 0;
	struct gd__register *old = NULL, *neu = NULL;
	struct notes notes = {cb, ud, path, 0};
	size_t reads = 0;
	int rc;

	if (out_notes)
		*out_notes = 0;
	if ((rc = gd__register_read_file(path, &text, &len)) < 0)
		goto done;
	/* Findings are reported once, from the format 2 reading, unless format 1 already fails. */
	if ((rc = gd__register_parse(&old, path, text, len, NULL, NULL, &nerr, NULL)) < 0) {
		if (rc == GD_EINVAL && cb)
			rc = gd__register_parse(&old, path, text, len, cb, ud, &nerr, NULL);
		goto done;
	}
	if (old->format >= 2) {
		/* Already format 2: written unchanged, so that migrating twice is harmless. */
		rc = fwrite(text, 1, len, out) == len ? 0 : gd__err(GD_EIO, "cannot write the migrated register");
		goto done;
	}
	if (version_span(text, len, &start, &end) < 0) {
		rc = gd__err(GD_EINVAL, "%s: cannot find the value of gardien_register to rewrite", path);
		goto done;
	}
	size_t nlen = start + 1 + (len - end);
	if (!(next = gd__malloc(nlen + 1))) {
		rc = gd__err(GD_ENOMEM, "out of memory");
		goto done;
	}
	memcpy(next, text, start);
	next[start] = '2';
	memcpy(next + start + 1, text + end, len - end);
	next[nlen] = 0;
	/* The same file as format 2 must be valid: the law checks are errors there. */
	if ((rc = gd__register_parse(&neu, path, next, nlen, cb, ud, &nerr, NULL)) < 0) {
		rc = gd__err(rc, "%s is not valid as format 2 (%zu error%s above): fix them, then migrate", path,
		             nerr, nerr == 1 ? "" : "s");
		goto done;
	}
	/* One note per reading activity, naming the activities it could read from. */
	for (size_t i = 0; i < neu->nactivities; i++) {
		const struct gd__activity *to = &neu->activities[i];
		char ids[240] = "";
		size_t o = 0, count = 0, more = 0;
		for (size_t k = 0; k < neu->nactivities; k++) {
			const struct gd__activity *from = &neu->activities[k];
			if (from == to || from->role != to->role || !shared_category(to, from))
				continue;
			count++;
			int w = snprintf(ids + o, sizeof ids - o, "%s%s", o ? ", " : "", from->id);
			if (w < 0 || (size_t)w >= sizeof ids - o)
				ids[o] = 0, more++;
			else
				o += (size_t)w;
		}
		if (!count)
			continue;
		char tail[32] = "";
		if (more)
			snprintf(tail, sizeof tail, " and %zu more", more);
		note(&notes, to->line,
		     "activity \"%s\" could read data collected for %s%s (shared categories) under format 1; format 2 refuses each such read unless \"%s\" lists the activity in reads_from: [{activity: ID, compatibility: \"why it is compatible (Art. 6(4))\"}]%s",
		     to->id, ids, tail, to->id,
		     to->legal_claims ? "; archived records stay readable for it, the legal-claims activity" : "");
	}
	reads = notes.n; /* the count is of reads; what follows is said, not counted */
	for (size_t i = 0; i < neu->nactivities; i++)
		if (neu->activities[i].role == GD__ROLE_PROCESSOR)
			note(&notes, neu->activities[i].line,
			     "activity \"%s\" processes on behalf of customers: format 2 refuses its writes that do not say for which customer (--client, gd_record_spec.client)",
			     neu->activities[i].id);
	rc = fwrite(next, 1, nlen, out) == nlen ? 0 : gd__err(GD_EIO, "cannot write the migrated register");
done:
	if (out_notes)
		*out_notes = reads;
	gd__register_free(old);
	gd__register_free(neu);
	gd__free(text);
	gd__free(next);
	return rc;
}
