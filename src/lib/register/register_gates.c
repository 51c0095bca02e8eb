/*
 * register_gates.c — the gates a register file passes before its document is
 * built (register.c calls them in this order after the size gate):
 *   - strict UTF-8, no NUL (utf8_gate);
 *   - an event scan with libfyaml's streaming parser (scan_gate): syntax
 *     errors, nesting depth (GD__REGISTER_MAX_DEPTH), node count, one
 *     document, no aliases.
 * So a hostile or broken file gives one clear error and costs bounded memory
 * and stack before any tree exists. libfyaml's own diagnostics become findings
 * (collect_diag) with their line and column.
 */
#include <libfyaml.h>
#include <stdio.h>
#include <string.h>

#include "lib/internal.h"
#include "lib/register/parse.h"
#include "util/utf8.h"

/* ---- gates before the document ---- */

static void position_of(const char *text, size_t off, int *line, int *col)
{
	*line = 1, *col = 1;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n')
			(*line)++, *col = 1;
		else if (((unsigned char)text[i] & 0xc0) != 0x80)
			(*col)++;
	}
}

bool gd__reg_utf8_gate(struct gd__reg_ctx *c, const char *text, size_t len)
{
	if (gd__utf8_valid(text, len))
		return true;
	/* The first bad byte: walk character by character. */
	size_t lo = 0;
	while (lo < len) {
		unsigned char b = (unsigned char)text[lo];
		size_t n = b < 0x80 ? 1 : (b & 0xe0) == 0xc0 ? 2
		                  : (b & 0xf0) == 0xe0       ? 3
		                                             : 4;
		if (n > len - lo || !gd__utf8_valid(text + lo, n))
			break;
		lo += n;
	}
	int line, col;
	position_of(text, lo, &line, &col);
	gd__reg_report_at(c, line, col, GD_REGISTER_ERROR,
	                  "the file is not valid UTF-8 text (or holds a NUL byte) here: save it as UTF-8");
	return false;
}

void gd__reg_collect_diag(struct gd__reg_ctx *c, struct fy_diag *d)
{
	void *it = NULL;
	struct fy_diag_error *e;
	bool any = false;
	while ((e = fy_diag_errors_iterate(d, &it))) {
		if (e->type < FYET_ERROR)
			continue;
		any = true;
		gd__reg_report_at(c, e->line + 1, e->column + 1, GD_REGISTER_ERROR, "YAML syntax: %s", e->msg ? e->msg : "invalid");
	}
	if (!any)
		gd__reg_report_at(c, 0, 0, GD_REGISTER_ERROR, "YAML syntax error: check indentation and quoting");
}

struct fy_diag *gd__reg_new_diag(void)
{
	struct fy_diag_cfg dc;
	fy_diag_cfg_default(&dc);
	dc.fp = NULL;
	dc.output_fn = NULL;
	dc.level = FYET_ERROR;
	dc.colorize = false;
	struct fy_diag *d = fy_diag_create(&dc);
	if (d)
		fy_diag_set_collect_errors(d, true);
	return d;
}

/* Streams the events once: syntax, depth, size, one document, no aliases. */
int gd__reg_scan_gate(struct gd__reg_ctx *c, const char *text, size_t len)
{
	struct fy_diag *d = gd__reg_new_diag();
	struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET, .diag = d};
	struct fy_parser *p = d ? fy_parser_create(&cfg) : NULL;
	int rc = 0, depth = 0, docs = 0;
	size_t nodes = 0;
	if (!p || gd__fault_point() || fy_parser_set_string(p, text, len) != 0) {
		rc = GD_ENOMEM;
		goto done;
	}
	struct fy_event *e;
	while (rc == 0 && (e = fy_parser_parse(p))) {
		int line = 0, col = 0;
		const struct fy_mark *m = fy_event_start_mark(e);
		if (m)
			line = m->line + 1, col = m->column + 1;
		switch (e->type) {
		case FYET_DOCUMENT_START:
			if (++docs > 1) {
				gd__reg_report_at(c, line, col, GD_REGISTER_ERROR, "the file holds more than one YAML document: keep one register per file");
				rc = GD_EINVAL;
			}
			break;
		case FYET_MAPPING_START:
		case FYET_SEQUENCE_START:
			if (++depth > GD__REGISTER_MAX_DEPTH) {
				gd__reg_report_at(c, line, col, GD_REGISTER_ERROR, "nesting deeper than %d levels: a register never needs this much; flatten the document",
				                  GD__REGISTER_MAX_DEPTH);
				rc = GD_EINVAL;
			}
			nodes++;
			break;
		case FYET_MAPPING_END:
		case FYET_SEQUENCE_END:
			depth--;
			break;
		case FYET_SCALAR:
			nodes++;
			break;
		case FYET_ALIAS:
			gd__reg_report_at(c, line, col, GD_REGISTER_ERROR, "YAML aliases (*name) are not allowed in a register: write the value out");
			rc = GD_EINVAL;
			break;
		default:
			break;
		}
		if (rc == 0 && nodes > GD__REGISTER_MAX_NODES) {
			gd__reg_report_at(c, line, col, GD_REGISTER_ERROR, "more than %d values: a register is not this big; split the file or remove data from it",
			                  GD__REGISTER_MAX_NODES);
			rc = GD_ETOOBIG;
		}
		fy_parser_event_free(p, e);
	}
	if (rc == 0 && fy_parser_get_stream_error(p)) {
		gd__reg_collect_diag(c, d);
		rc = GD_EINVAL;
	}
	if (rc == 0 && docs == 0) {
		gd__reg_report_at(c, 1, 1, GD_REGISTER_ERROR, "the file is empty: a register starts with \"gardien_register: 2\" (the format version)");
		rc = GD_EINVAL;
	}
done:
	fy_parser_destroy(p);
	if (d)
		fy_diag_destroy(d);
	return rc;
}
