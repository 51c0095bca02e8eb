/*
 * notice_write.c — the information notice (GDPR Art. 13 and 14) written
 * from a register: who the controller is and how to reach it and its DPO,
 * each purpose with its basis (and the legitimate interest, or the right to
 * withdraw consent), the categories of data and their source, recipients,
 * transfers and their safeguards, retention in plain words, whether the data
 * are required and what happens if not, automated decisions, every right and
 * how to exercise it, and the complaint to the authority.
 *
 * Every sentence comes from a gettext catalogue (po/<language>.po, po.c);
 * messages are English msgids with named placeholders ("{period}"), filled
 * here by substitution, never by printf, so a catalogue cannot inject a
 * format. The register's own words (names, descriptions, events) are written
 * as they are, escaped for the output format. The same view gives Markdown
 * or a standalone HTML page; output is deterministic.
 *
 * Before writing, check() lists what Art. 13/14 requires that the register
 * does not say; the notice then says "to be completed" there.
 */
#include <stdarg.h>
#include <string.h>

#include "lib/internal.h"
#include "lib/notice/notice.h"
#include "lib/register/taxonomy.h"

struct w {
	FILE *out;
	bool html;
	const char *lang;
	const struct gd__po *po;
	const struct gd__nv *v;
};

#define T(x) gd__po_gettext(w->po, (x))

/* ---- escaping ---- */

static void esc(struct w *w, const char *s)
{
	for (const char *p = s ? s : ""; *p; p++) {
		char c = *p;
		if (w->html) {
			if (c == '&')
				fputs("&amp;", w->out);
			else if (c == '<')
				fputs("&lt;", w->out);
			else if (c == '>')
				fputs("&gt;", w->out);
			else if (c == '"')
				fputs("&quot;", w->out);
			else if (c == '\n')
				fputc(' ', w->out);
			else
				fputc(c, w->out);
		} else {
			if (strchr("\\`*_[]<>|", c))
				fputc('\\', w->out);
			fputc(c == '\n' ? ' ' : c, w->out);
		}
	}
}

/*
 * Writes catalogue text `fmt` with {name} placeholders replaced by the
 * values given as name, value pairs (NULL-terminated); the catalogue's own
 * text is escaped too. An unknown placeholder is written as it is.
 */
static void say(struct w *w, const char *fmt, ...)
{
	const char *names[8], *vals[8];
	int n = 0;
	va_list ap;
	va_start(ap, fmt);
	for (;;) {
		const char *k = va_arg(ap, const char *);
		if (!k || n == 8)
			break;
		names[n] = k;
		vals[n++] = va_arg(ap, const char *);
	}
	va_end(ap);
	for (const char *p = fmt; *p;) {
		if (*p == '{') {
			const char *e = strchr(p, '}');
			int k = -1;
			for (int i = 0; e && i < n; i++)
				if (strlen(names[i]) == (size_t)(e - p - 1) && strncmp(names[i], p + 1, (size_t)(e - p - 1)) == 0)
					k = i;
			if (k >= 0) {
				esc(w, vals[k]);
				p = e + 1;
				continue;
			}
		}
		char one[2] = {*p++, 0};
		esc(w, one);
	}
}

static void h(struct w *w, int level, const char *text)
{
	if (w->html) {
		fprintf(w->out, "<h%d>", level);
		esc(w, text);
		fprintf(w->out, "</h%d>\n", level);
	} else {
		fprintf(w->out, "\n%.*s ", level, "######");
		esc(w, text);
		fputs("\n\n", w->out);
	}
}

static void p_open(struct w *w)
{
	fputs(w->html ? "<p>" : "", w->out);
}

static void p_close(struct w *w)
{
	fputs(w->html ? "</p>\n" : "\n\n", w->out);
}

static void ul_open(struct w *w)
{
	if (w->html)
		fputs("<ul>\n", w->out);
}

static void ul_close(struct w *w)
{
	fputs(w->html ? "</ul>\n" : "\n", w->out);
}

static void li_open(struct w *w)
{
	fputs(w->html ? "<li>" : "- ", w->out);
}

static void li_close(struct w *w)
{
	fputs(w->html ? "</li>\n" : "\n", w->out);
}

static void label(struct w *w, const char *l)
{
	if (w->html)
		fputs("<strong>", w->out);
	else
		fputs("**", w->out);
	esc(w, l);
	fputs(w->html ? "</strong> " : "** ", w->out);
}

static const char *tbd(struct w *w)
{
	return T("[to be completed: the register does not say]");
}

/* ---- terms ---- */

static const char *term(struct w *w, const char *ctx, enum gd__taxo_kind kind, const char *key)
{
	char k[200];
	snprintf(k, sizeof k, "%s\004%s", ctx, key);
	const char *t = gd__po_gettext(w->po, k);
	if (t != k)
		return t;
	for (size_t i = 0; i < w->v->nterms; i++)
		if (strcmp(w->v->terms[i].name, key) == 0 && w->v->terms[i].description)
			return w->v->terms[i].description;
	const struct gd__term *tt = gd__taxonomy_find(kind, key);
	return tt ? tt->label : key;
}

static void terms(struct w *w, const char *ctx, enum gd__taxo_kind kind, const struct gd__nv_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			esc(w, ", ");
		esc(w, term(w, ctx, kind, l->v[i]));
	}
}

static const char *event_text(struct w *w, const char *name)
{
	if (strcmp(name, "collection") == 0)
		return T("the data are collected");
	for (size_t i = 0; i < w->v->nevents; i++)
		if (strcmp(w->v->events[i].name, name) == 0 && w->v->events[i].description)
			return w->v->events[i].description;
	return name;
}

/* "3 years", "1 year 6 months", in the catalogue's words. */
static void period_words(struct w *w, struct gd__nv_period p, char out[128])
{
	size_t o = 0;
	out[0] = 0;
	struct {
		int n;
		const char *one, *many;
	} parts[] = {
		{p.years, "{n} year", "{n} years"}, {p.months, "{n} month", "{n} months"}, {p.days, "{n} day", "{n} days"}};
	for (size_t i = 0; i < 3; i++) {
		if (!parts[i].n)
			continue;
		const char *f = gd__po_ngettext(w->po, parts[i].one, parts[i].many, (unsigned long)parts[i].n);
		char num[16];
		snprintf(num, sizeof num, "%d", parts[i].n);
		const char *ph = strstr(f, "{n}");
		if (o)
			o += (size_t)snprintf(out + o, 128 - o, " ");
		if (ph)
			o += (size_t)snprintf(out + o, 128 - o, "%.*s%s%s", (int)(ph - f), f, num, ph + 3);
		else
			o += (size_t)snprintf(out + o, 128 - o, "%s", f);
		if (o >= 128)
			o = 127;
	}
}

static void stage(struct w *w, const struct gd__nv_stage *s)
{
	char per[128];
	period_words(w, s->after, per);
	const char *ev = event_text(w, s->from);
	bool zero = !s->after.years && !s->after.months && !s->after.days;
	if (s->action == GD__NV_ARCHIVE)
		say(w, zero ? T("Archived, kept only as proof, once {event}.") : T("Archived, kept only as proof, {period} after: {event}."),
		    "period", per, "event", ev, NULL);
	else if (s->action == GD__NV_ANONYMISE)
		say(w, zero ? T("Anonymised once {event}.") : T("Anonymised {period} after: {event}."),
		    "period", per, "event", ev, NULL);
	else
		say(w, zero ? T("Deleted once {event}.") : T("Deleted {period} after: {event}."),
		    "period", per, "event", ev, NULL);
}

static const char *basis_label(struct w *w, const char *b)
{
	char k[64];
	snprintf(k, sizeof k, "basis\004%s", b);
	const char *t = gd__po_gettext(w->po, k);
	return t != k ? t : b;
}

static const char *right_text(struct w *w, const char *kind)
{
	char k[64];
	snprintf(k, sizeof k, "right\004%s", kind);
	const char *t = gd__po_gettext(w->po, k);
	return t != k ? t : kind;
}

static const char *safeguard_label(struct w *w, const char *s)
{
	char k[64];
	snprintf(k, sizeof k, "safeguard\004%s", s);
	const char *t = gd__po_gettext(w->po, k);
	return t != k ? t : s;
}

/* ---- completeness ---- */

struct miss {
	void (*cb)(void *ud, const gd_notice_missing *m);
	void *ud;
	size_t n;
};

static void missing(struct miss *m, const char *article, const char *where, const char *msg)
{
	m->n++;
	if (m->cb) {
		gd_notice_missing x = {article, where, msg};
		m->cb(m->ud, &x);
	}
}

static bool has_right(const struct gd__nv *v, const char *kind)
{
	for (size_t i = 0; i < v->nrights; i++)
		if (strcmp(v->rights[i].kind, kind) == 0)
			return true;
	return false;
}

static void check(const struct gd__nv *v, struct miss *m)
{
	if (!v->address.v && !v->email.v)
		missing(m, "13(1)(a)", "controller", "the controller's contact details: add controller.address or controller.email");
	if (!v->dpo_email.v && !v->dpo_address.v && !v->dpo_phone.v)
		missing(m, "13(1)(b)", "dpo", "the contact details of the data protection officer, where one is designated: add dpo with an email or address");
	bool any_recipient = false, any_mandatory = false, any_consent = false;
	char where[200];
	for (size_t k = 0; k < v->nactivities; k++) {
		const struct gd__nv_activity *a = &v->activities[k];
		snprintf(where, sizeof where, "activity %s", a->id);
		any_recipient |= a->nparties > 0;
		any_mandatory |= a->mandatory.n > 0 || a->if_absent != NULL;
		if (a->basis && strcmp(a->basis, "legitimate_interests") == 0 && !a->basis_detail)
			missing(m, "13(1)(d)", where, "the legitimate interest pursued: add basis_detail");
		if (a->basis && strcmp(a->basis, "consent") == 0)
			any_consent = true;
		if (!a->nretention)
			missing(m, "13(2)(a)", where, "how long the data are kept, or the criteria: add retention");
		for (size_t t = 0; t < a->ntransfers; t++)
			if (!a->transfers[t].safeguard)
				missing(m, "13(1)(f)", where, "the safeguard of a transfer outside the EU/EEA");
	}
	if (!any_recipient)
		missing(m, "13(1)(e)", "activities", "the recipients or categories of recipients: add recipients or processors to the activities that share data");
	static const char *const rights[] = {"access", "rectification", "erasure", "restriction", "objection", "portability"};
	for (size_t i = 0; i < sizeof rights / sizeof *rights; i++)
		if (!has_right(v, rights[i])) {
			snprintf(where, sizeof where, "the right %s: list it under rights (offered: false with its reason if it does not apply)", rights[i]);
			missing(m, "13(2)(b)", "rights", where);
		}
	if (any_consent && !has_right(v, "withdraw_consent"))
		missing(m, "13(2)(c)", "rights", "the right to withdraw consent at any time: add withdraw_consent");
	if (!v->authority.v)
		missing(m, "13(2)(d)", "authority", "the supervisory authority people may complain to: add authority");
	if (!any_mandatory)
		missing(m, "13(2)(e)", "activities", "whether providing the data is required and what happens if not: add mandatory to the activities that need it");
	if (!v->rights_email.v && !v->rights_postal.v && !v->dpo_email.v && !v->email.v)
		missing(m, "12(2)", "rights_contact", "where people exercise their rights: add rights_contact");
}

/* ---- the notice ---- */

static void contact_line(struct w *w, const char *l, const char *val)
{
	if (!val)
		return;
	li_open(w);
	label(w, l);
	esc(w, val);
	li_close(w);
}

static void write_notice(struct w *w)
{
	const struct gd__nv *v = w->v;
	const char *name = v->name.v ? v->name.v : tbd(w);
	if (w->html) {
		fprintf(w->out, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n<title>",
		        w->lang);
		say(w, T("Privacy notice of {controller}"), "controller", name, NULL);
		fputs("</title>\n</head>\n<body>\n", w->out);
		fputs("<h1>", w->out);
		say(w, T("Privacy notice of {controller}"), "controller", name, NULL);
		fputs("</h1>\n", w->out);
	} else {
		fputs("# ", w->out);
		say(w, T("Privacy notice of {controller}"), "controller", name, NULL);
		fputs("\n\n", w->out);
	}
	p_open(w);
	say(w, T("This notice tells you, as the GDPR (Articles 13 and 14) requires, how {controller} processes your personal data and what your rights are."), "controller", name, NULL);
	p_close(w);

	h(w, 2, T("Who we are and how to contact us"));
	ul_open(w);
	contact_line(w, T("Controller:"), name);
	contact_line(w, T("Address:"), v->address.v);
	contact_line(w, T("Company registration:"), v->registration.v);
	contact_line(w, T("Email:"), v->email.v);
	if (v->rep_name.v) {
		li_open(w);
		label(w, T("Representative in the EU:"));
		esc(w, v->rep_name.v);
		if (v->rep_address.v) {
			esc(w, ", ");
			esc(w, v->rep_address.v);
		}
		if (v->rep_email.v) {
			esc(w, ", ");
			esc(w, v->rep_email.v);
		}
		li_close(w);
	}
	li_open(w);
	label(w, T("Data protection officer:"));
	if (v->dpo_name.v || v->dpo_email.v) {
		const char *parts[4] = {v->dpo_name.v, v->dpo_email.v, v->dpo_phone.v, v->dpo_address.v};
		bool first = true;
		for (int i = 0; i < 4; i++)
			if (parts[i]) {
				if (!first)
					esc(w, ", ");
				esc(w, parts[i]);
				first = false;
			}
	} else {
		esc(w, tbd(w));
	}
	li_close(w);
	ul_close(w);

	h(w, 2, T("Why we process your data and on what basis"));
	for (size_t k = 0; k < v->nactivities; k++) {
		const struct gd__nv_activity *a = &v->activities[k];
		h(w, 3, a->name);
		ul_open(w);
		li_open(w);
		label(w, T("Legal basis:"));
		say(w, basis_label(w, a->basis), NULL);
		if (strcmp(a->role, "processor") == 0) {
			esc(w, " ");
			say(w, T("(we process these data on behalf of {whom}, who decides the purpose)"), "whom",
			    a->on_behalf_of ? a->on_behalf_of : tbd(w), NULL);
		}
		li_close(w);
		if (strcmp(a->basis, "legitimate_interests") == 0) {
			li_open(w);
			label(w, T("Our legitimate interest:"));
			esc(w, a->basis_detail ? a->basis_detail : tbd(w));
			li_close(w);
		} else if (a->basis_detail && strcmp(a->basis, "legal_obligation") == 0) {
			li_open(w);
			label(w, T("The obligation:"));
			esc(w, a->basis_detail);
			li_close(w);
		}
		if (strcmp(a->basis, "consent") == 0) {
			li_open(w);
			label(w, T("Your consent:"));
			say(w, T("you may withdraw it at any time, as easily as you gave it; what was done before stays lawful."), NULL);
			li_close(w);
		}
		li_open(w);
		label(w, T("Data:"));
		terms(w, "category", GD__TAXO_CATEGORY, &a->categories);
		li_close(w);
		li_open(w);
		label(w, T("People concerned:"));
		terms(w, "subject", GD__TAXO_SUBJECT, &a->subjects);
		li_close(w);
		if (a->sources.n) {
			li_open(w);
			label(w, T("Where the data come from:"));
			for (size_t i = 0; i < a->sources.n; i++) {
				if (i)
					esc(w, ", ");
				esc(w, a->sources.v[i]);
			}
			li_close(w);
		}
		li_open(w);
		label(w, T("Recipients:"));
		if (!a->nparties)
			say(w, T("none outside the staff in charge"), NULL);
		for (size_t i = 0; i < a->nparties; i++) {
			if (i)
				esc(w, "; ");
			esc(w, a->parties[i].name);
			if (a->parties[i].country) {
				esc(w, " (");
				esc(w, a->parties[i].country);
				esc(w, ")");
			}
		}
		li_close(w);
		for (size_t i = 0; i < a->ntransfers; i++) {
			const struct gd__nv_transfer *t = &a->transfers[i];
			li_open(w);
			label(w, T("Transfer outside the EU:"));
			say(w, T("to {recipient} in {country}, protected by: {safeguard}"), "recipient", t->recipient,
			    "country", t->country ? t->country : tbd(w), "safeguard",
			    t->safeguard ? safeguard_label(w, t->safeguard) : tbd(w), NULL);
			if (t->reference) {
				esc(w, " (");
				esc(w, t->reference);
				esc(w, ")");
			}
			li_close(w);
		}
		li_open(w);
		label(w, T("How long we keep them:"));
		if (!a->nretention)
			esc(w, tbd(w));
		for (size_t r = 0; r < a->nretention; r++) {
			const struct gd__nv_retention *rr = &a->retention[r];
			if (r)
				esc(w, " ");
			if (rr->categories.n) {
				terms(w, "category", GD__TAXO_CATEGORY, &rr->categories);
				esc(w, ": ");
			}
			for (size_t s = 0; s < rr->nstages; s++) {
				if (s)
					esc(w, " ");
				stage(w, &rr->stages[s]);
			}
			if (rr->legal_reference) {
				esc(w, " (");
				esc(w, rr->legal_reference);
				esc(w, ")");
			}
		}
		li_close(w);
		if (a->mandatory.n) {
			li_open(w);
			label(w, T("Required:"));
			terms(w, "category", GD__TAXO_CATEGORY, &a->mandatory);
			esc(w, ". ");
			say(w, T("If you do not provide them: {consequence}"), "consequence",
			    a->if_absent ? a->if_absent : tbd(w), NULL);
			li_close(w);
		}
		li_open(w);
		label(w, T("Automated decisions:"));
		if (a->automated_decision)
			esc(w, a->automated_decision);
		else
			say(w, T("none: no decision about you is taken by automated means alone."), NULL);
		li_close(w);
		ul_close(w);
		/* the purpose in the register's words, after the basis so a reader of the
		   notice (and the draft) meets the basis first */
		if (a->description) {
			p_open(w);
			esc(w, a->description);
			p_close(w);
		}
	}

	if (v->nsecurity) {
		h(w, 2, T("How we protect your data"));
		ul_open(w);
		for (size_t i = 0; i < v->nsecurity; i++) {
			li_open(w);
			esc(w, v->security[i].v);
			li_close(w);
		}
		ul_close(w);
	}

	h(w, 2, T("Your rights"));
	size_t listed = 0;
	for (size_t i = 0; i < v->nrights; i++)
		listed += strcmp(v->rights[i].kind, "complaint") != 0;
	if (!listed) {
		p_open(w);
		esc(w, tbd(w));
		p_close(w);
	} else {
		ul_open(w);
	}
	for (size_t i = 0; i < v->nrights; i++) {
		const struct gd__nv_right *r = &v->rights[i];
		if (strcmp(r->kind, "complaint") == 0)
			continue;
		li_open(w);
		label(w, right_text(w, r->kind));
		if (!r->offered) {
			say(w, T("This right does not apply here: {reason}"), "reason", r->reason ? r->reason : tbd(w), NULL);
		} else if (r->conditions) {
			esc(w, r->conditions);
		}
		li_close(w);
	}
	if (listed)
		ul_close(w);
	p_open(w);
	const char *mail = v->rights_email.v ? v->rights_email.v : v->dpo_email.v ? v->dpo_email.v
	                                                                          : v->email.v;
	if (mail && v->rights_postal.v)
		say(w, T("To exercise them, write to {email} or by post to {postal}."), "email", mail, "postal", v->rights_postal.v, NULL);
	else if (mail)
		say(w, T("To exercise them, write to {email}."), "email", mail, NULL);
	else if (v->rights_postal.v)
		say(w, T("To exercise them, write by post to {postal}."), "postal", v->rights_postal.v, NULL);
	else
		say(w, T("To exercise them: {contact}"), "contact", tbd(w), NULL);
	esc(w, " ");
	say(w, T("We answer within one month; we may ask you to prove who you are."), NULL);
	p_close(w);

	h(w, 2, T("Complaints"));
	p_open(w);
	if (v->authority.v)
		say(w, T("You may lodge a complaint with a supervisory authority, in particular {authority}."),
		    "authority", v->authority.v, NULL);
	else
		say(w, T("You may lodge a complaint with a supervisory authority, in particular {authority}."),
		    "authority", tbd(w), NULL);
	if (v->authority_url.v) {
		esc(w, " ");
		if (w->html) {
			fputs("<a href=\"", w->out);
			esc(w, v->authority_url.v);
			fputs("\">", w->out);
			esc(w, v->authority_url.v);
			fputs("</a>", w->out);
		} else {
			fputs("<", w->out);
			fputs(strpbrk(v->authority_url.v, "<> \n") ? "" : v->authority_url.v, w->out);
			fputs(">", w->out);
		}
	}
	p_close(w);
	if (w->html)
		fputs("</body>\n</html>\n", w->out);
}

static int write_view(const struct gd__nv *v, const char *language, const char *format,
                      void (*cb)(void *ud, const gd_notice_missing *m), void *ud, size_t *out_missing,
                      FILE *out)
{
	if (strcmp(format, "md") != 0 && strcmp(format, "html") != 0)
		return gd__err(GD_EINVAL, "unknown notice format '%s': use md or html", format);
	const struct gd__po *po;
	int rc = gd__po_get(&po, language);
	if (rc < 0)
		return rc;
	if ((rc = gd__taxonomy_load()) < 0)
		return rc;
	struct miss m = {cb, ud, 0};
	check(v, &m);
	if (out_missing)
		*out_missing = m.n;
	struct w w = {out, strcmp(format, "html") == 0, language, po, v};
	write_notice(&w);
	return ferror(out) ? gd__err(GD_EIO, "cannot write the notice") : 0;
}

int gd_notice_write(gd_actor *a, int64_t version, const char *language, const char *format,
                    void (*cb)(void *ud, const gd_notice_missing *m), void *ud, size_t *out_missing,
                    FILE *out)
{
	if (out_missing)
		*out_missing = 0;
	struct gd__nv *v = NULL;
	int rc = gd__nv_from_vault(&v, a, version);
	if (rc == 0)
		rc = write_view(v, language, format, cb, ud, out_missing, out);
	gd__nv_free(v);
	return rc;
}

int gd_notice_write_file(const char *register_path, const char *language, const char *format,
                         void (*cb)(void *ud, const gd_notice_missing *m), void *ud,
                         size_t *out_missing, FILE *out)
{
	if (out_missing)
		*out_missing = 0;
	struct gd__nv *v = NULL;
	int rc = gd__nv_from_register_file(&v, register_path);
	if (rc == 0)
		rc = write_view(v, language, format, cb, ud, out_missing, out);
	gd__nv_free(v);
	return rc;
}
