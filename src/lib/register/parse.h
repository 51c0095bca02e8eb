/*
 * parse.h — what the three files of the register parser share, and nothing
 * outside src/lib/register includes:
 *   register_gates.c  the gates before the document (UTF-8, event scan);
 *   register_doc.c    typed access to the YAML document and the findings;
 *   register.c        the sections' validation and the entry points.
 *
 * Invariants: a finding always names file, line and column and says how to
 * fix it; every string of the model is copied into the register's arena (the
 * model never points into libfyaml); c->oom, once set, makes the parse fail
 * with GD_ENOMEM whatever else was found.
 */
#ifndef GD_REGISTER_PARSE_H
#define GD_REGISTER_PARSE_H

#include <libfyaml.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/internal.h"
#include "lib/register/register.h"

/* One parse of one register file. */
struct gd__reg_ctx {
	struct gd__register *r;
	struct gd__arena *ar;
	const char *file;
	const char *text;
	gd_register_report_cb cb;
	void *ud;
	size_t nerr, nwarn;
	bool oom;
	char first[960]; /* the first error, "file:line:col: message" */
};

/* ---- findings (register_doc.c) ---- */

/* A finding at a position (1-based; 0, 0: the whole file). */
void gd__reg_report_at(struct gd__reg_ctx *c, int line, int col, enum gd_register_severity sev,
                       const char *fmt, ...) GD__PRINTF(5, 6);
/* A finding at where node `n` starts. */
void gd__reg_report(struct gd__reg_ctx *c, struct fy_node *n, enum gd_register_severity sev,
                    const char *fmt, ...) GD__PRINTF(4, 5);
#define ERR(c, n, ...) gd__reg_report((c), (n), GD_REGISTER_ERROR, __VA_ARGS__)
#define WARN(c, n, ...) gd__reg_report((c), (n), GD_REGISTER_WARNING, __VA_ARGS__)
/* Where a node starts (1-based); collections: where their first scalar starts. */
void gd__reg_where(struct fy_node *n, int *line, int *col);
/* Arena memory for the model; NULL sets c->oom. */
void *gd__reg_alloc(struct gd__reg_ctx *c, size_t n);

/* ---- typed access to the document (register_doc.c) ---- */

/* A scalar's text, or NULL when `n` is not a plain or quoted scalar. */
const char *gd__reg_scalar(struct fy_node *n, size_t *len);
/* The value of `key` in mapping `map`, or NULL; its key node in *keyn. */
struct fy_node *gd__reg_member(struct fy_node *map, const char *key, struct fy_node **keyn);
/* Comma-separated list of `keys` into `buf`. */
const char *gd__reg_join(char *buf, size_t cap, const char *const *keys);
/* Reports every key of `map` that is not in `allowed` (NULL-terminated), with the nearest allowed one. */
void gd__reg_check_keys(struct gd__reg_ctx *c, struct fy_node *map, const char *what,
                        const char *const *allowed);
/* Whether `n` is a mapping (a sequence); an error naming `what` when not. */
bool gd__reg_is_mapping(struct gd__reg_ctx *c, struct fy_node *n, struct fy_node *keyn, const char *what);
bool gd__reg_is_sequence(struct gd__reg_ctx *c, struct fy_node *n, struct fy_node *keyn, const char *what);
/* A scalar value copied into the arena; NULL (with an error) when it is not text. */
const char *gd__reg_text_of(struct gd__reg_ctx *c, struct fy_node *n, struct fy_node *keyn, const char *what);
/* The text value of `key`; an error when it is required and absent. */
const char *gd__reg_text(struct gd__reg_ctx *c, struct fy_node *map, const char *key, bool required,
                         const char *what);
/* A name that may key records and appear in SQL rows: [A-Za-z0-9._:@-], ≤ GD_NAME_MAX. */
bool gd__reg_valid_name(const char *s);
/* A true/false value of `key`, `dflt` when absent. */
bool gd__reg_boolean(struct gd__reg_ctx *c, struct fy_node *map, const char *key, bool dflt, const char *what);
/* A list of text items; its node in *listn (may be NULL). */
void gd__reg_strings(struct gd__reg_ctx *c, struct fy_node *map, const char *key, bool required,
                     const char *what, struct gd__strings *out, struct fy_node **listn);
/* The list item of `list` holding `s` (for positions of findings on list items). */
struct fy_node *gd__reg_item_of(struct fy_node *list, const char *s);
/* A period ("3 years", "13 months", "1 year 6 months") of `key`. */
bool gd__reg_period(struct gd__reg_ctx *c, struct fy_node *map, const char *key, bool required,
                    const char *what, struct gd__period *out);

/* ---- gates before the document (register_gates.c) ---- */

/* Strict UTF-8 without NUL; false with an error at the first bad byte. */
bool gd__reg_utf8_gate(struct gd__reg_ctx *c, const char *text, size_t len);
/* Streams the events once: syntax, depth, size, one document, no aliases. < 0 on failure. */
int gd__reg_scan_gate(struct gd__reg_ctx *c, const char *text, size_t len);
/* libfyaml's diagnostics, collected (NULL: out of memory), and turned into findings. */
struct fy_diag *gd__reg_new_diag(void);
void gd__reg_collect_diag(struct gd__reg_ctx *c, struct fy_diag *d);

#endif
