/*
 * notice_yaml.c — a drafted notice view written as a register in the current
 * format (docs/register.md), for a person to finish: every item is preceded
 * by a comment "L<line> <confidence>%: <sentence>" naming where it comes
 * from, what the notice does not say is the scalar TODO (which `register
 * check` refuses until it is replaced), and the sentences no rule used close
 * the file as comments.
 *
 * Every scalar is written double-quoted with YAML escapes, and every comment
 * is one line with control characters replaced, so no notice text can change
 * the structure of the draft. Output is deterministic.
 */
#include <string.h>

#include "lib/internal.h"
#include "lib/notice/notice.h"
#include "util/utf8.h"

#define QUOTE_MAX 400 /* bytes of a sentence in a source comment */

/* Length of the valid UTF-8 character at p (1–4), 0 when p holds none. */
static size_t utf8_char(const unsigned char *p)
{
	size_t n = *p < 0x80 ? 1 : *p >= 0xF0 ? 4
	                   : *p >= 0xE0       ? 3
	                   : *p >= 0xC2       ? 2
	                                      : 0;
	for (size_t k = 1; k < n; k++)
		if ((p[k] & 0xC0) != 0x80)
			return 0;
	return n && gd__utf8_valid(p, n) ? n : 0;
}

/*
 * A YAML double-quoted scalar. Only whole UTF-8 characters are written: a
 * string cut inside a character (a quote capped in bytes) loses the piece
 * rather than making the draft unreadable.
 */
static void q(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p;) {
		size_t n = utf8_char(p);
		if (n == 0) {
			p++;
			continue;
		}
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\x%02x", *p);
		else
			fwrite(p, 1, n, out);
		p += n;
	}
	fputc('"', out);
}

/* A comment's text: one line of whole characters, cut past `max` bytes. */
static void ctext(FILE *out, const char *s, size_t max)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p;) {
		size_t c = utf8_char(p);
		if (c == 0) {
			p++;
			continue;
		}
		if (n >= max) {
			fputs(" […]", out);
			return;
		}
		if (*p < 0x20 || *p == 0x7f)
			fputc(' ', out);
		else
			fwrite(p, 1, c, out);
		p += c;
		n += c;
	}
}

static void src(FILE *out, const char *indent, const struct gd__nv_src *s)
{
	if (!s->line && !s->note)
		return;
	if (s->line) {
		fprintf(out, "%s# L%d %d%%: ", indent, s->line, s->conf);
		ctext(out, s->quote, QUOTE_MAX);
		fputc('\n', out);
	} else {
		fprintf(out, "%s# %d%%, from the whole notice:\n", indent, s->conf);
	}
	if (s->note) {
		fprintf(out, "%s#   (", indent);
		ctext(out, s->note, 200);
		fputs(")\n", out);
	}
}

static void field(FILE *out, const char *indent, const char *key, const struct gd__nv_field *f)
{
	if (!f->v)
		return;
	src(out, indent, &f->src);
	fprintf(out, "%s%s: ", indent, key);
	q(out, f->v);
	fputc('\n', out);
}

static void list(FILE *out, const struct gd__nv_list *l)
{
	fputc('[', out);
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			fputs(", ", out);
		q(out, l->v[i]);
	}
	fputc(']', out);
}

static const char *const actions[] = {"delete", "archive", "anonymise"};

static void retention(FILE *out, const char *indent, const struct gd__nv_retention *r, bool comment)
{
	const char *c = comment ? "# " : "";
	src(out, indent, &r->src);
	if (r->minimum)
		fprintf(out, "%s# a minimum (\"at least\"): the current format has no floor, keep it in text\n",
		        indent);
	if (r->legal)
		fprintf(out, "%s# the law sets this period: name it in legal_reference\n", indent);
	fprintf(out, "%s%s- text: ", indent, c);
	q(out, r->text);
	fprintf(out, "\n%s%s  stages:\n", indent, c);
	/* archive before delete, as the format orders them */
	for (int pass = 0; pass < 2; pass++)
		for (size_t s = 0; s < r->nstages; s++) {
			const struct gd__nv_stage *st = &r->stages[s];
			if ((pass == 0) != (st->action != GD__NV_DELETE))
				continue;
			char p[64];
			gd__nv_period_str(p, st->after);
			fprintf(out, "%s%s    - {action: %s, from: %s, after: %s}\n", indent, c,
			        actions[st->action], st->from, p);
		}
}

int gd__notice_draft_yaml(const struct gd__nv *v, const char *name, FILE *out)
{
	fputs("# Register drafted by `gardien register draft` from ", out);
	ctext(out, name, 200);
	fprintf(out, " (language %s).\n", v->language);
	fputs("# Each item follows a comment \"L<line> <confidence>%: <sentence of the notice>\".\n"
	      "# Check every item against its sentence; replace each TODO with what the\n"
	      "# notice does not say; then `gardien register check` this file.\n",
	      out);
	for (size_t i = 0; i < v->warnings.n; i++) {
		fputs("# WARNING: ", out);
		ctext(out, v->warnings.v[i], 600);
		fputc('\n', out);
	}
	fputs("gardien_register: 1\n\ncontroller:\n", out);
	if (v->name.v)
		field(out, "  ", "name", &v->name);
	else
		fputs("  name: TODO  # the notice does not name the controller plainly\n", out);
	field(out, "  ", "address", &v->address);
	field(out, "  ", "registration", &v->registration);
	field(out, "  ", "email", &v->email);
	fprintf(out, "  language: %s\n", v->language);
	fprintf(out, "notice:\n  language: %s\n", v->language);
	if (v->dpo_name.v || v->dpo_email.v) {
		fputs("dpo:\n", out);
		if (v->dpo_name.v)
			field(out, "  ", "name", &v->dpo_name);
		else
			fputs("  name: TODO  # the notice gives the DPO's contact, not a name\n", out);
		field(out, "  ", "address", &v->dpo_address);
		field(out, "  ", "email", &v->dpo_email);
		field(out, "  ", "phone", &v->dpo_phone);
	} else {
		fputs("# dpo: the notice names no data protection officer\n", out);
	}
	if (v->authority.v) {
		fputs("authority:\n", out);
		field(out, "  ", "name", &v->authority);
		field(out, "  ", "url", &v->authority_url);
	} else {
		fputs("# authority: the notice names no supervisory authority\n", out);
	}
	if (v->rights_email.v || v->rights_postal.v) {
		fputs("rights_contact:\n", out);
		field(out, "  ", "email", &v->rights_email);
		field(out, "  ", "postal", &v->rights_postal);
	}
	if (v->nsecurity) {
		fputs("security:\n", out);
		for (size_t i = 0; i < v->nsecurity; i++) {
			src(out, "  ", &v->security[i].src);
			fputs("  - ", out);
			q(out, v->security[i].v);
			fputc('\n', out);
		}
	}
	if (v->nevents) {
		fputs("\nevents:\n", out);
		for (size_t i = 0; i < v->nevents; i++) {
			fprintf(out, "  %s: ", v->events[i].name);
			char buf[240];
			snprintf(buf, sizeof buf, "%s", v->events[i].description ? v->events[i].description : "");
			q(out, buf);
			fputc('\n', out);
		}
	}
	fputs("\nactivities:\n", out);
	if (!v->nactivities)
		fputs("  # TODO: no purpose was found; describe each activity here\n", out);
	for (size_t k = 0; k < v->nactivities; k++) {
		const struct gd__nv_activity *a = &v->activities[k];
		fputc('\n', out);
		src(out, "  ", &a->src);
		fprintf(out, "  - id: %s\n    name: ", a->id);
		q(out, a->name);
		fputc('\n', out);
		if (a->description) {
			fputs("    description: ", out);
			q(out, a->description);
			fputc('\n', out);
		}
		fprintf(out, "    role: %s\n", a->role);
		if (strcmp(a->role, "processor") == 0)
			fputs("    on_behalf_of: TODO  # for whom the processing is done\n", out);
		if (a->purpose) {
			src(out, "    ", &a->purpose_src);
			fprintf(out, "    purposes: [%s]\n", a->purpose);
		} else {
			fputs("    purposes: [TODO]  # no data use of the lexicon matches the purpose\n", out);
		}
		if (a->sub_purposes.n) {
			fputs("    sub_purposes: ", out);
			list(out, &a->sub_purposes);
			fputc('\n', out);
		}
		if (a->basis) {
			src(out, "    ", &a->basis_src);
			fprintf(out, "    legal_basis: %s\n", a->basis);
			if (a->basis_detail) {
				fputs("    basis_detail: ", out);
				q(out, a->basis_detail);
				fputc('\n', out);
			}
			if (strcmp(a->basis, "consent") == 0)
				fputs("    consent: {text: TODO, version: TODO}  # the wording people agree to\n", out);
		} else {
			fputs("    legal_basis: TODO  # the notice names no basis for this purpose\n", out);
		}
		fputs("    categories: ", out);
		list(out, &a->categories);
		fputs(a->categories.n ? "  # from the lexicon: check them\n" : "  # TODO: no category named near it\n", out);
		fputs("    subjects: ", out);
		list(out, &a->subjects);
		fputs(a->subjects.n ? "\n" : "  # TODO\n", out);
		if (a->nretention) {
			fputs("    retention:\n", out);
			for (size_t r = 0; r < a->nretention; r++)
				retention(out, "      ", &a->retention[r], false);
		} else {
			fputs("    # retention: TODO, no period is stated for this purpose (see below)\n", out);
		}
	}
	if (v->nparties) {
		fputs("\n# Recipients the notice names, not tied to one purpose: copy each under\n"
		      "# `recipients:` or `processors:` of the activities that send them data.\n"
		      "#   recipients:\n",
		      out);
		for (size_t i = 0; i < v->nparties; i++) {
			const struct gd__nv_party *p = &v->parties[i];
			fprintf(out, "#   L%d %d%%: ", p->src.line, p->src.conf);
			ctext(out, p->src.quote, QUOTE_MAX);
			fputs("\n#     - {name: ", out);
			char buf[300];
			snprintf(buf, sizeof buf, "%s", p->name);
			for (char *c = buf; *c; c++)
				if (*c == '\n')
					*c = ' ';
			q(out, buf);
			fprintf(out, ", kind: %s%s%s}\n", p->kind, p->country ? ", country: " : "",
			        p->country ? p->country : "");
		}
	}
	if (v->ntransfers) {
		fputs("\n# Transfers outside the EU/EEA the notice mentions (add them under `transfers:`):\n", out);
		for (size_t i = 0; i < v->ntransfers; i++) {
			const struct gd__nv_transfer *t = &v->transfers[i];
			fprintf(out, "#   L%d %d%%: ", t->src.line, t->src.conf);
			ctext(out, t->src.quote, QUOTE_MAX);
			fprintf(out, "\n#     - {recipient: TODO, country: %s, safeguard: %s}%s%s\n",
			        t->country ? t->country : "TODO", t->safeguard ? t->safeguard : "TODO",
			        t->invalid ? "  WARNING: relies on " : "", t->invalid ? t->invalid : "");
		}
	}
	if (v->nretention) {
		fputs("\n# Periods the notice states without naming the purpose: copy each under\n"
		      "# `retention:` of the activities it covers.\n",
		      out);
		for (size_t i = 0; i < v->nretention; i++)
			retention(out, "#   ", &v->retention[i], false);
	}
	if (v->nrights) {
		fputs("\nrights:\n", out);
		for (size_t i = 0; i < v->nrights; i++) {
			const struct gd__nv_right *r = &v->rights[i];
			src(out, "  ", &r->src);
			fprintf(out, "  - kind: %s\n", r->kind);
			if (!r->offered) {
				fputs("    offered: false\n    reason: ", out);
				q(out, r->reason);
				fputc('\n', out);
			}
		}
	} else {
		fputs("\n# rights: TODO, the notice lists none\n", out);
	}
	if (v->nnotes) {
		fprintf(out, "\n# Sentences no rule used (%zu): handle or discard each.\n", v->nnotes);
		for (size_t i = 0; i < v->nnotes; i++) {
			fprintf(out, "# L%d: ", v->notes[i].line);
			ctext(out, v->notes[i].text, 1000);
			fputc('\n', out);
		}
	}
	return ferror(out) ? gd__err(GD_EIO, "cannot write the draft") : 0;
}

int gd_notice_draft(const void *text, size_t len, const char *language, const char *name, FILE *out)
{
	struct gd__nv *v = NULL;
	int rc = gd__notice_draft(&v, text, len, language);
	if (rc == 0)
		rc = gd__notice_draft_yaml(v, name ? name : "a notice", out);
	gd__nv_free(v);
	return rc;
}

int gd__notice_read_file(const char *path, char **out, size_t *len)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f)
		return gd__err(GD_ENOTFOUND, "cannot open notice %s: check the path", path);
	char *buf = gd__malloc(GD__NOTICE_MAX_BYTES + 2);
	if (!buf) {
		fclose(f);
		return gd__err(GD_ENOMEM, "out of memory");
	}
	size_t n = fread(buf, 1, GD__NOTICE_MAX_BYTES + 1, f);
	int err = ferror(f);
	fclose(f);
	if (err) {
		gd__free(buf);
		return gd__err(GD_EIO, "cannot read notice %s", path);
	}
	buf[n] = 0;
	*out = buf;
	*len = n;
	return 0;
}

int gd_notice_draft_file(const char *path, const char *language, FILE *out)
{
	char *text;
	size_t len;
	int rc = gd__notice_read_file(path, &text, &len);
	if (rc < 0)
		return rc;
	const char *base = strrchr(path, '/');
	rc = gd_notice_draft(text, len, language, base ? base + 1 : path, out);
	gd__free(text);
	return rc;
}
