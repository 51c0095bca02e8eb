/*
 * breach_draft.c — drafts of the notification of a breach to the supervisory
 * authority (GDPR Art. 33(3): (a) nature, categories and approximate numbers
 * of subjects and records; (b) contact point; (c) likely consequences; (d)
 * measures taken or proposed; plus the reasons for a delay past 72 hours) and
 * of the communication to the data subjects (Art. 34(2), in clear and plain
 * language), in any language with a catalogue (po/<language>.po, context
 * "breach": French and English today), as plain text or HTML.
 *
 * A draft never invents: what the breach does not record yet is marked "to be
 * completed" and listed at the top, so that a phased notification (Art. 33(4))
 * says what is missing. Every text of the breach is HTML-escaped in HTML.
 */
#include <stdio.h>
#include <string.h>

#include "lib/internal.h"
#include "lib/po/po.h"
#include "lib/register/register.h"
#include "util/buf.h"

/* Far above any draft: the breach's texts are bounded (breach.c). */
#define DRAFT_MAX (4u << 20)

struct sb {
	struct gd__buf buf;
	bool html;
};

static void sb_add(struct sb *b, const char *s, size_t n)
{
	gd__buf_add(&b->buf, s, n);
}

static void sb_raw(struct sb *b, const char *s)
{
	gd__buf_puts(&b->buf, s);
}

/* Text of the breach or of the template: escaped in HTML. */
static void sb_text(struct sb *b, const char *s)
{
	if (b->html)
		gd__buf_html(&b->buf, s, strlen(s));
	else
		sb_raw(b, s);
}

struct words {
	const char *lang;
	const char *title[2];
	const char *todo, *missing, *unknown, *open_end, *general;
	const char *authority, *controller, *reference, *detected, *period, *from, *to, *notified, *hours_after;
	const char *late, *delay, *yes;
	const char *sec_a, *kind, *what, *data_cats, *subject_cats, *n_subjects, *n_records, *computed;
	const char *computed_fmt, *by_principal, *for_activity;
	const char *sec_b, *sec_c, *sec_d, *taken, *proposed;
	const char *art34, *art34_yes, *art34_done, *art34_no;
	const char *natures[3];
	/* to the subjects */
	const char *intro_subjects, *s_what, *s_when, *s_data, *s_consequences, *s_done, *s_advice,
		*s_contact, *s_closing;
	const char *intro_authority;
};

/*
 * The texts of the drafts, in English: the msgids of the catalogues
 * (po/<language>.po, context "breach"), translated field by field at draft
 * time (words_for), so a language is added with a catalogue, not in C.
 */
static const struct words EN = {
	.lang = "en",
	.yes = "yes",
	.title = {"Notification of a personal data breach to the supervisory authority (GDPR Art. 33)",
                  "Information about a personal data breach (GDPR Art. 34)"},
	.todo = "[to be completed]",
	.missing = "To be completed before sending",
	.unknown = "not known yet",
	.open_end = "end not known yet",
	.general = "Controller and notification",
	.authority = "Supervisory authority",
	.controller = "Controller",
	.reference = "Breach reference",
	.detected = "Became aware of the breach on",
	.period = "Period of the breach",
	.from = "from",
	.to = "to",
	.notified = "Date of this notification",
	.hours_after = "hours after the breach became known",
	.late = "Notification made after 72 hours (Art. 33(1))",
	.delay = "Reasons for the delay",
	.sec_a = "(a) Nature of the breach",
	.kind = "Type of breach",
	.what = "Description",
	.data_cats = "Categories of personal data concerned",
	.subject_cats = "Categories of data subjects concerned",
	.n_subjects = "Approximate number of data subjects concerned",
	.n_records = "Approximate number of personal data records concerned",
	.computed = "Computed from the audit trail",
	.computed_fmt = "{subjects} data subject(s) and {records} record(s) read or exported between {from} and {to}",
	.by_principal = "by",
	.for_activity = "for the activity",
	.sec_b = "(b) Data protection officer or other contact point",
	.sec_c = "(c) Likely consequences of the breach",
	.sec_d = "(d) Measures taken or proposed",
	.taken = "Measures taken, including to mitigate possible adverse effects",
	.proposed = "Measures proposed",
	.art34 = "Communication to the data subjects (Art. 34)",
	.art34_yes = "planned: the breach is likely to result in a high risk to their rights and freedoms",
	.art34_done = "made on",
	.art34_no = "not planned: the breach is not judged likely to result in a high risk to their rights and freedoms",
	.natures = {"confidentiality (unauthorised disclosure of or access to personal data)",
                    "integrity (unauthorised or accidental alteration of personal data)",
                    "availability (accidental or unauthorised loss of access to, or destruction of, personal data)"},
	.intro_authority = "The controller named below notifies the following personal data breach.",
	.intro_subjects = "We are writing to inform you of a security incident that concerns personal data about you.",
	.s_what = "What happened",
	.s_when = "When",
	.s_data = "Which data about you may be concerned",
	.s_consequences = "What this may mean for you",
	.s_done = "What we have done",
	.s_advice = "What we will do and what we advise you to do",
	.s_contact = "Whom to contact",
	.s_closing = "We apologise for this incident and remain at your disposal for any question.",
};

/* Each text of EN through the catalogue of `lang` (context "breach"). */
static int words_for(struct words *out, const char *lang)
{
	const struct gd__po *po;
	int rc = gd__po_get(&po, lang);
	if (rc < 0)
		return rc;
	*out = EN;
	out->lang = lang;
#define T(f) out->f = gd__po_pgettext(po, "breach", EN.f)
	T(todo);
	T(missing);
	T(unknown);
	T(open_end);
	T(general);
	T(authority);
	T(controller);
	T(reference);
	T(detected);
	T(period);
	T(from);
	T(to);
	T(notified);
	T(hours_after);
	T(late);
	T(delay);
	T(sec_a);
	T(kind);
	T(what);
	T(data_cats);
	T(subject_cats);
	T(n_subjects);
	T(n_records);
	T(computed);
	T(computed_fmt);
	T(by_principal);
	T(for_activity);
	T(sec_b);
	T(sec_c);
	T(sec_d);
	T(taken);
	T(proposed);
	T(art34);
	T(art34_yes);
	T(art34_done);
	T(art34_no);
	T(intro_authority);
	T(intro_subjects);
	T(s_what);
	T(s_when);
	T(s_data);
	T(s_consequences);
	T(s_done);
	T(s_advice);
	T(s_contact);
	T(s_closing);
	T(title[0]);
	T(title[1]);
	T(natures[0]);
	T(natures[1]);
	T(natures[2]);
	T(yes);
#undef T
	return 0;
}

struct draft {
	struct sb b;
	const struct words *w;
	const char *missing[16];
	size_t nmissing;
	bool in_list;
	const char *section; /* the current heading */
};

static void heading(struct draft *d, const char *title)
{
	d->section = title;
	if (d->b.html) {
		if (d->in_list)
			sb_raw(&d->b, "</dl>\n");
		sb_raw(&d->b, "<h2>");
		sb_text(&d->b, title);
		sb_raw(&d->b, "</h2>\n<dl>\n");
		d->in_list = true;
	} else {
		sb_raw(&d->b, "\n");
		sb_raw(&d->b, title);
		sb_raw(&d->b, "\n");
	}
}

/* One item; a NULL or empty value is marked to be completed and remembered. */
static void item(struct draft *d, const char *label, const char *value)
{
	bool todo = !value || !*value;
	if (todo && d->nmissing < sizeof d->missing / sizeof *d->missing)
		d->missing[d->nmissing++] = label;
	/* An item that is the whole section is not labelled twice. */
	bool bare = label == d->section;
	if (d->b.html) {
		if (!bare) {
			sb_raw(&d->b, "<dt>");
			sb_text(&d->b, label);
			sb_raw(&d->b, "</dt>");
		}
		sb_raw(&d->b, todo ? "<dd class=\"todo\">" : "<dd>");
		sb_text(&d->b, todo ? d->w->todo : value);
		sb_raw(&d->b, "</dd>\n");
	} else {
		sb_raw(&d->b, "  ");
		if (!bare) {
			sb_raw(&d->b, label);
			sb_raw(&d->b, ": ");
		}
		sb_raw(&d->b, todo ? d->w->todo : value);
		sb_raw(&d->b, "\n");
	}
}

static void natures(const struct words *w, const char *nature, char *out, size_t cap)
{
	static const char *kinds[] = {"confidentiality", "integrity", "availability"};
	size_t n = 0;
	out[0] = 0;
	for (int i = 0; i < 3; i++) {
		if (!strstr(nature, kinds[i]))
			continue;
		n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s%s", n ? "; " : "", w->natures[i]);
	}
}

static void when(char *out, size_t cap, gd_time t)
{
	char s[32];
	if (!t) {
		snprintf(out, cap, "?");
		return;
	}
	gd_time_format(s, t);
	s[10] = ' ', s[16] = 0; /* "YYYY-MM-DD HH:MM" UTC */
	snprintf(out, cap, "%s UTC", s);
}

static void number(char *out, size_t cap, int64_t n)
{
	if (n < 0)
		out[0] = 0;
	else
		snprintf(out, cap, "%lld", (long long)n);
}

/* Writes `fmt` with {subjects} {records} {from} {to} replaced (a catalogue is no printf format). */
static size_t fill(char *out, size_t cap, const char *fmt, const char *const names[4],
                   const char *const vals[4])
{
	size_t n = 0;
	for (const char *p = fmt; *p && n + 1 < cap;) {
		bool done = false;
		for (int i = 0; i < 4 && *p == '{'; i++) {
			size_t l = strlen(names[i]);
			if (strncmp(p + 1, names[i], l) == 0 && p[l + 1] == '}') {
				n += (size_t)snprintf(out + n, cap - n, "%s", vals[i]);
				if (n >= cap)
					n = cap - 1;
				p += l + 2;
				done = true;
				break;
			}
		}
		if (!done)
			out[n++] = *p++;
	}
	out[n] = 0;
	return n;
}

static void scope_line(const struct words *w, const gd_breach *b, char *out, size_t cap)
{
	char f[40], t[40], ns[24], nr[24];
	out[0] = 0;
	if (b->scoped_subjects < 0)
		return;
	when(f, sizeof f, b->scope_from);
	when(t, sizeof t, b->scope_to);
	snprintf(ns, sizeof ns, "%lld", (long long)b->scoped_subjects);
	snprintf(nr, sizeof nr, "%lld", (long long)b->scoped_records);
	static const char *const names[4] = {"subjects", "records", "from", "to"};
	const char *const vals[4] = {ns, nr, f, t};
	size_t n = fill(out, cap, w->computed_fmt, names, vals);
	if (b->scope_principal && n < cap)
		n += (size_t)snprintf(out + n, cap - n, " %s %s", w->by_principal, b->scope_principal);
	if (b->scope_activity && n < cap)
		n += (size_t)snprintf(out + n, cap - n, " %s %s", w->for_activity, b->scope_activity);
	if (b->scoped_categories && *b->scoped_categories && n < cap)
		snprintf(out + n, cap - n, " (%s)", b->scoped_categories);
}

static void authority(struct draft *d, const gd_breach *b, gd_time now, const char *to)
{
	const struct words *w = d->w;
	char t1[40], t2[40], buf[1024], num[32];
	gd_time at = b->notified_at ? b->notified_at : now;
	bool late = at > b->deadline;

	heading(d, w->general);
	if (to)
		item(d, w->authority, to);
	item(d, w->controller, b->controller);
	snprintf(num, sizeof num, "#%lld", (long long)b->id);
	item(d, w->reference, num);
	when(t1, sizeof t1, b->detected_at);
	item(d, w->detected, t1);
	when(t1, sizeof t1, b->started_at);
	when(t2, sizeof t2, b->ended_at);
	if (b->started_at || b->ended_at) {
		if (b->ended_at)
			snprintf(buf, sizeof buf, "%s %s %s %s", w->from, t1, w->to, t2);
		else
			snprintf(buf, sizeof buf, "%s %s (%s)", w->from, t1, w->open_end);
		item(d, w->period, buf);
	} else {
		item(d, w->period, NULL);
	}
	when(t1, sizeof t1, at);
	snprintf(buf, sizeof buf, "%s (%lld %s)", t1, (long long)((at - b->detected_at) / 3600),
	         w->hours_after);
	item(d, w->notified, buf);
	if (late) {
		item(d, w->late, w->yes);
		item(d, w->delay, b->delay_reason);
	}

	heading(d, w->sec_a);
	natures(w, b->nature, buf, sizeof buf);
	item(d, w->kind, buf);
	item(d, w->what, b->description);
	item(d, w->data_cats, b->data_categories && *b->data_categories ? b->data_categories : b->scoped_categories);
	item(d, w->subject_cats, b->subject_categories);
	number(num, sizeof num, b->approx_subjects >= 0 ? b->approx_subjects : b->scoped_subjects);
	item(d, w->n_subjects, num);
	number(num, sizeof num, b->approx_records >= 0 ? b->approx_records : b->scoped_records);
	item(d, w->n_records, num);
	scope_line(w, b, buf, sizeof buf);
	if (*buf)
		item(d, w->computed, buf);

	heading(d, w->sec_b);
	item(d, w->sec_b, b->contact);
	heading(d, w->sec_c);
	item(d, w->sec_c, b->consequences);
	heading(d, w->sec_d);
	item(d, w->taken, b->measures_taken);
	item(d, w->proposed, b->measures_proposed);

	heading(d, w->art34);
	if (b->subjects_informed_at) {
		when(t1, sizeof t1, b->subjects_informed_at);
		snprintf(buf, sizeof buf, "%s %s", w->art34_done, t1);
		item(d, w->art34, buf);
	} else {
		item(d, w->art34, b->high_risk ? w->art34_yes : w->art34_no);
	}
}

static void subjects(struct draft *d, const gd_breach *b)
{
	const struct words *w = d->w;
	char t1[40], t2[40], buf[1024];
	heading(d, w->s_what);
	item(d, w->s_what, b->description);
	natures(w, b->nature, buf, sizeof buf);
	item(d, w->kind, buf);
	heading(d, w->s_when);
	when(t1, sizeof t1, b->started_at ? b->started_at : b->detected_at);
	when(t2, sizeof t2, b->ended_at);
	if (b->ended_at)
		snprintf(buf, sizeof buf, "%s %s %s %s", w->from, t1, w->to, t2);
	else
		snprintf(buf, sizeof buf, "%s %s (%s)", w->from, t1, w->open_end);
	item(d, w->period, buf);
	when(t1, sizeof t1, b->detected_at);
	item(d, w->detected, t1);
	heading(d, w->s_data);
	item(d, w->data_cats, b->data_categories && *b->data_categories ? b->data_categories : b->scoped_categories);
	heading(d, w->s_consequences);
	item(d, w->s_consequences, b->consequences);
	heading(d, w->s_done);
	item(d, w->s_done, b->measures_taken);
	heading(d, w->s_advice);
	item(d, w->s_advice, b->measures_proposed);
	heading(d, w->s_contact);
	item(d, w->sec_b, b->contact);
}

int gd_breach_draft(gd_actor *a, char **out, int64_t id, enum gd_breach_recipient to,
                    const char *language, enum gd_breach_format format)
{
	gd_breach *b = NULL;
	struct draft d = {0};
	struct sb head = {0};
	int rc;

	*out = NULL;
	if (to != GD_BREACH_AUTHORITY && to != GD_BREACH_SUBJECTS)
		return gd__err(GD_EINVAL, "a breach draft is for the authority or for the subjects");
	if (format != GD_BREACH_TEXT && format != GD_BREACH_HTML)
		return gd__err(GD_EINVAL, "a breach draft is text or HTML");
	struct words words;
	if (language && words_for(&words, language) < 0)
		return gd__err(GD_EINVAL, "breach drafts are written in a language with a catalogue "
		                          "(po/<language>.po: fr, en), not \"%.8s\"",
		               language);
	if ((rc = gd_breach_get(a, &b, id)) < 0)
		return rc;
	if (!language && (rc = words_for(&words, b->language)) < 0) {
		gd_breach_free(b);
		return rc;
	}
	d.w = &words;
	d.b.html = head.html = format == GD_BREACH_HTML;
	gd__buf_init(&d.b.buf, DRAFT_MAX);
	gd__buf_init(&head.buf, DRAFT_MAX);
	/* The authority, when the register names it. */
	const struct gd__register *reg = NULL;
	if ((rc = gd__register_current(a, &reg)) < 0) {
		gd_breach_free(b);
		return rc;
	}
	if (to == GD_BREACH_AUTHORITY)
		authority(&d, b, gd_vault_now(a->v), reg ? reg->authority.name : NULL);
	else
		subjects(&d, b);
	if (d.b.html && d.in_list)
		sb_raw(&d.b, "</dl>\n");

	/* Title, introduction and what is missing go first, now that it is known. */
	const char *title = d.w->title[to];
	const char *intro = to == GD_BREACH_AUTHORITY ? d.w->intro_authority : d.w->intro_subjects;
	if (head.html) {
		sb_raw(&head, "<!DOCTYPE html>\n<html lang=\"");
		sb_raw(&head, d.w->lang);
		sb_raw(&head, "\">\n<head><meta charset=\"utf-8\"><title>");
		sb_text(&head, title);
		sb_raw(&head, "</title></head>\n<body>\n<h1>");
		sb_text(&head, title);
		sb_raw(&head, "</h1>\n<p>");
		if (to == GD_BREACH_SUBJECTS && b->controller) {
			sb_text(&head, b->controller);
			sb_raw(&head, " — ");
		}
		sb_text(&head, intro);
		sb_raw(&head, "</p>\n");
		if (d.nmissing) {
			sb_raw(&head, "<p class=\"missing\"><strong>");
			sb_text(&head, d.w->missing);
			sb_raw(&head, ":</strong> ");
			for (size_t i = 0; i < d.nmissing; i++) {
				sb_text(&head, d.missing[i]);
				sb_raw(&head, i + 1 < d.nmissing ? "; " : "</p>\n");
			}
		}
	} else {
		sb_raw(&head, title);
		sb_raw(&head, "\n\n");
		if (to == GD_BREACH_SUBJECTS && b->controller) {
			sb_raw(&head, b->controller);
			sb_raw(&head, " — ");
		}
		sb_raw(&head, intro);
		sb_raw(&head, "\n");
		if (d.nmissing) {
			sb_raw(&head, "\n");
			sb_raw(&head, d.w->missing);
			sb_raw(&head, ":\n");
			for (size_t i = 0; i < d.nmissing; i++) {
				sb_raw(&head, "  - ");
				sb_raw(&head, d.missing[i]);
				sb_raw(&head, "\n");
			}
		}
	}
	if (d.b.buf.rc == 0)
		sb_add(&head, d.b.buf.p ? d.b.buf.p : "", d.b.buf.n);
	else
		head.buf.rc = d.b.buf.rc;
	if (to == GD_BREACH_SUBJECTS) {
		sb_raw(&head, head.html ? "<p>" : "\n");
		sb_text(&head, d.w->s_closing);
		sb_raw(&head, head.html ? "</p>\n" : "\n");
	}
	if (head.html)
		sb_raw(&head, "</body>\n</html>\n");
	if (!(*out = gd__buf_take(&head.buf, NULL)))
		rc = head.buf.rc;
	gd__buf_release(&d.b.buf);
	gd_breach_free(b);
	return rc;
}

void gd_breach_draft_free(char *s)
{
	gd__free(s);
}
