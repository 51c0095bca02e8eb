/*
 * register_doc.c — typed access to a register's YAML document while it is
 * validated: findings (errors and warnings with file, line and column, the
 * first error kept for the one-line message) and readers that check a node's
 * type and report what is wrong (member, text, strings, boolean, period…).
 *
 * Invariant: a reader never fails silently. It either returns the value or
 * reports a finding that says where and how to fix it, and returns NULL/false
 * so validation goes on and reports every finding of the file at once.
 */
#include <ctype.h>
#include <libfyaml.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/internal.h"
#include "lib/register/parse.h"
#include "lib/register/taxonomy.h"
#include "lib/vault/arena.h"

#define TEXT_MAX 8192  /* bytes of one scalar */
#define REPORT_MAX 200 /* findings reported; the rest are counted */

/* ---- findings ---- */

static void vreport(struct gd__reg_ctx *c, int line, int col, enum gd_register_severity sev,
                    const char *fmt, va_list ap)
{
	char msg[640]; /* the longest: an unknown key with every key of an activity */
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (sev == GD_REGISTER_ERROR) {
		if (c->nerr++ == 0)
			snprintf(c->first, sizeof c->first, "%s:%d:%d: %s", c->file, line, col, msg);
	} else {
		c->nwarn++;
	}
	if (c->cb && c->nerr + c->nwarn <= REPORT_MAX)
		c->cb(c->ud, &(gd_register_diag){.severity = sev, .file = c->file, .line = line, .column = col, .message = msg});
}

void gd__reg_report_at(struct gd__reg_ctx *c, int line, int col, enum gd_register_severity sev,
                       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(c, line, col, sev, fmt, ap);
	va_end(ap);
}

/* Where a node starts (1-based); collections: where their first scalar starts. */
void gd__reg_where(struct fy_node *n, int *line, int *col)
{
	*line = *col = 0;
	for (int guard = 0; n && guard < GD__REGISTER_MAX_DEPTH + 2; guard++) {
		if (fy_node_is_scalar(n)) {
			struct fy_token *t = fy_node_get_scalar_token(n);
			const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
			if (m)
				*line = m->line + 1, *col = m->column + 1;
			return;
		}
		void *it = NULL;
		if (fy_node_is_mapping(n)) {
			struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);
			n = p ? fy_node_pair_key(p) : NULL;
		} else {
			n = fy_node_sequence_iterate(n, &it);
		}
	}
}

void gd__reg_report(struct gd__reg_ctx *c, struct fy_node *n, enum gd_register_severity sev,
                    const char *fmt, ...)
{
	int line, col;
	gd__reg_where(n, &line, &col);
	va_list ap;
	va_start(ap, fmt);
	vreport(c, line, col, sev, fmt, ap);
	va_end(ap);
}

void *gd__reg_alloc(struct gd__reg_ctx *c, size_t n)
{
	void *p = gd__arena_alloc(c->ar, n);
	if (!p)
		c->oom = true;
	return p;
}

/* ---- typed access to the document ---- */

/* A scalar's text, or NULL when `n` is not a plain or quoted scalar. */
const char *gd__reg_scalar(struct fy_node *n, size_t *len)
{
	if (!n || !fy_node_is_scalar(n) || fy_node_is_alias(n))
		return NULL;
	return fy_node_get_scalar(n, len);
}

static bool key_is(struct fy_node_pair *p, const char *key)
{
	size_t len;
	const char *s = gd__reg_scalar(fy_node_pair_key(p), &len);
	return s && len == strlen(key) && memcmp(s, key, len) == 0;
}

/* The value of `key` in mapping `map`, or NULL; its key node in *keyn. */
struct fy_node *gd__reg_member(struct fy_node *map, const char *key, struct fy_node **keyn)
{
	void *it = NULL;
	struct fy_node_pair *p;
	while (map && (p = fy_node_mapping_iterate(map, &it))) {
		if (key_is(p, key)) {
			if (keyn)
				*keyn = fy_node_pair_key(p);
			return fy_node_pair_value(p);
		}
	}
	return NULL;
}

/* Comma-separated list of `keys` into `buf`. */
const char *gd__reg_join(char *buf, size_t cap, const char *const *keys)
{
	size_t o = 0;
	buf[0] = 0;
	for (size_t i = 0; keys[i] && o < cap; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%s%s", i ? ", " : "", keys[i]);
	return buf;
}

/* Reports every key of `map` that is not in `allowed`, with the nearest allowed one. */
void gd__reg_check_keys(struct gd__reg_ctx *c, struct fy_node *map, const char *what,
                        const char *const *allowed)
{
	void *it = NULL;
	struct fy_node_pair *p;
	while ((p = fy_node_mapping_iterate(map, &it))) {
		size_t len;
		const char *k = gd__reg_scalar(fy_node_pair_key(p), &len);
		if (!k || len > 64) {
			ERR(c, fy_node_pair_key(p), "a key of %s is not a short plain word: write keys as plain names", what);
			continue;
		}
		char key[65];
		memcpy(key, k, len), key[len] = 0;
		const char *best = NULL;
		int bestd = 1000;
		bool ok = false;
		for (size_t i = 0; allowed[i] && !ok; i++) {
			ok = strcmp(allowed[i], key) == 0;
			int d = gd__edit_distance(allowed[i], key);
			if (d < bestd)
				bestd = d, best = allowed[i];
		}
		if (ok)
			continue;
		char list[600];
		if (best && bestd <= 3)
			ERR(c, fy_node_pair_key(p), "unknown key \"%s\" in %s: did you mean \"%s\"?", key, what, best);
		else
			ERR(c, fy_node_pair_key(p), "unknown key \"%s\" in %s: the keys are %s", key, what,
			    gd__reg_join(list, sizeof list, allowed));
	}
}

bool gd__reg_is_mapping(struct gd__reg_ctx *c, struct fy_node *n, struct fy_node *keyn, const char *what)
{
	if (n && fy_node_is_mapping(n))
		return true;
	ERR(c, n ? n : keyn, "%s must be a mapping of keys to values", what);
	return false;
}

bool gd__reg_is_sequence(struct gd__reg_ctx *c, struct fy_node *n, struct fy_node *keyn, const char *what)
{
	if (n && fy_node_is_sequence(n))
		return true;
	ERR(c, n ? n : keyn, "%s must be a list (items starting with \"- \", or [a, b])", what);
	return false;
}

/* A scalar value copied into the arena; NULL (with an error) when it is not text. */
const char *gd__reg_text_of(struct gd__reg_ctx *c, struct fy_node *n, struct fy_node *keyn, const char *what)
{
	size_t len;
	const char *s = gd__reg_scalar(n, &len);
	if (!s) {
		ERR(c, n ? n : keyn, "%s must be text (a scalar), not a list or mapping", what);
		return NULL;
	}
	if (len == 0) {
		ERR(c, n, "%s is empty: give a value or remove the key", what);
		return NULL;
	}
	if (len > TEXT_MAX) {
		ERR(c, n, "%s is %zu bytes long, over the limit of %d", what, len, TEXT_MAX);
		return NULL;
	}
	const char *p = gd__arena_strndup(c->ar, s, len);
	if (!p)
		c->oom = true;
	return p;
}

/* The text value of `key`; an error when it is required and absent. */
const char *gd__reg_text(struct gd__reg_ctx *c, struct fy_node *map, const char *key, bool required,
                         const char *what)
{
	struct fy_node *keyn = NULL, *n = gd__reg_member(map, key, &keyn);
	if (!n && !keyn) {
		if (required)
			ERR(c, map, "%s: required key \"%s\" is missing", what, key);
		return NULL;
	}
	char w[160];
	snprintf(w, sizeof w, "%s: \"%s\"", what, key);
	return gd__reg_text_of(c, n, keyn, w);
}

/* A name that may key records and appear in SQL rows: [A-Za-z0-9._:@-], ≤ GD_NAME_MAX. */
bool gd__reg_valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > GD_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || strchr("._:@-", *s)))
			return false;
	return true;
}

bool gd__reg_boolean(struct gd__reg_ctx *c, struct fy_node *map, const char *key, bool dflt, const char *what)
{
	struct fy_node *keyn = NULL, *n = gd__reg_member(map, key, &keyn);
	if (!keyn)
		return dflt;
	size_t len;
	const char *s = gd__reg_scalar(n, &len);
	if (s && len == 4 && memcmp(s, "true", 4) == 0)
		return true;
	if (s && len == 5 && memcmp(s, "false", 5) == 0)
		return false;
	ERR(c, n ? n : keyn, "%s: \"%s\" must be true or false", what, key);
	return dflt;
}

/* A list of text items. */
void gd__reg_strings(struct gd__reg_ctx *c, struct fy_node *map, const char *key, bool required,
                     const char *what, struct gd__strings *out, struct fy_node **listn)
{
	struct fy_node *keyn = NULL, *n = gd__reg_member(map, key, &keyn);
	if (listn)
		*listn = n;
	if (!keyn) {
		if (required)
			ERR(c, map, "%s: required key \"%s\" is missing", what, key);
		return;
	}
	char w[160];
	snprintf(w, sizeof w, "%s: \"%s\"", what, key);
	if (!gd__reg_is_sequence(c, n, keyn, w))
		return;
	int count = fy_node_sequence_item_count(n);
	if (count == 0) {
		if (required)
			ERR(c, n ? n : keyn, "%s is an empty list: give at least one item", w);
		return;
	}
	if (!(out->v = gd__reg_alloc(c, (size_t)count * sizeof *out->v)))
		return;
	void *it = NULL;
	struct fy_node *item;
	while ((item = fy_node_sequence_iterate(n, &it))) {
		const char *s = gd__reg_text_of(c, item, keyn, w);
		if (s)
			out->v[out->n++] = s;
	}
}

/* The list item of `list` holding `s` (for positions of findings on list items). */
struct fy_node *gd__reg_item_of(struct fy_node *list, const char *s)
{
	void *it = NULL;
	struct fy_node *item;
	size_t len;
	while (list && fy_node_is_sequence(list) && (item = fy_node_sequence_iterate(list, &it))) {
		const char *v = gd__reg_scalar(item, &len);
		if (v && len == strlen(s) && memcmp(v, s, len) == 0)
			return item;
	}
	return list;
}

/*
 * Parses a period as notices write it: "3 years", "13 months", "1 year 6 months",
 * "30 days", "0 days". Returns false when it is not one.
 */
static bool parse_period(const char *s, struct gd__period *out)
{
	*out = (struct gd__period){0};
	int parts = 0;
	while (*s) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		if (!isdigit((unsigned char)*s))
			return false;
		char *end;
		long v = strtol(s, &end, 10);
		if (v < 0 || v > 1200 || end == s)
			return false;
		s = end;
		while (*s == ' ')
			s++;
		size_t n = strcspn(s, " ");
		if ((n == 4 && strncmp(s, "year", 4) == 0) || (n == 5 && strncmp(s, "years", 5) == 0))
			out->years += (int)v;
		else if ((n == 5 && strncmp(s, "month", 5) == 0) || (n == 6 && strncmp(s, "months", 6) == 0))
			out->months += (int)v;
		else if ((n == 3 && strncmp(s, "day", 3) == 0) || (n == 4 && strncmp(s, "days", 4) == 0))
			out->days += (int)v;
		else
			return false;
		s += n;
		parts++;
	}
	return parts > 0;
}

bool gd__reg_period(struct gd__reg_ctx *c, struct fy_node *map, const char *key, bool required,
                    const char *what, struct gd__period *out)
{
	const char *s = gd__reg_text(c, map, key, required, what);
	if (!s)
		return false;
	if (parse_period(s, out))
		return true;
	ERR(c, gd__reg_member(map, key, NULL), "%s: \"%s\" is not a period: write e.g. \"3 years\", \"13 months\", \"1 year 6 months\" or \"0 days\"",
	    what, s);
	return false;
}
