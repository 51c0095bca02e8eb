/*
 * notice_draft.c — a register drafted from a privacy notice by rules: the
 * notice is split into sentences (notice_text.c), walked once in order with
 * the section its headings announce, and each sentence is matched against
 * the lexicon (data/notice-lexicon.tsv) and a few patterns (emails, postal
 * addresses, periods, company names). The result is a notice view whose
 * every item keeps the sentence it comes from and a confidence in percent.
 *
 * Confidence, by rule: a purpose in a table row 85, in a list announced as
 * purposes 80, under a purposes heading 60; a basis in the purpose's own row
 * or sentence 85, in the sentences that follow it 70, a notice-wide basis
 * sentence applied to the service purposes 50; a period 80 when its event
 * is in the lexicon, 60 otherwise; contacts 40–85 by pattern; an enumeration
 * of purposes in one sentence 50. Nothing is invented: what the notice does
 * not say stays empty (the YAML writer marks it TODO), and every sentence no
 * rule used is kept as a note.
 *
 * Invariants: passes over bounded sentences (notice_text.c), at most
 * GD__NOTICE_MAX_ITEMS items of each kind so that comparing items with each
 * other stays small, every allocation in the view's arena (the view's lists
 * may share arrays once drafted: read-only), no output here (notice_yaml.c
 * writes).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lib/vault/arena.h"
#include "lib/internal.h"
#include "lib/notice/notice.h"

struct draft {
	const struct gd__lexicon *lx;
	struct gd__nv *v;
	struct gd__arena *ar;
	struct gd__sentence *s;
	size_t n;
	bool *used;
	int rc;
	const char *section; /* from the last heading that named one */
	const char *role;    /* "controller" or "processor" */
	bool purpose_list, security_list, recipient_list;
	bool colon_list;  /* bullets follow a sentence ending with ':' */
	int bullet_line;  /* line of the last list item */
	int party_line;   /* line of the last recipient taken from an in-sentence list */
	int act;          /* the activity sentences attach to, -1 none */
	bool act_titled;  /* that activity's text is a title: paragraphs describe it */
	bool act_heading; /* that activity is a heading: its list items describe it */
	/* table columns, from the last header row */
	int col_purpose, col_sub, col_ret, col_basis, header_row, last_row;
	bool row_has_purpose;
	/* notice-wide */
	const char *general_basis;
	struct gd__nv_src general_basis_src;
	/* "des services de facturation … nécessaires à l'exécution du contrat":
	   a basis a sentence states for a kind of purpose (lexicon `use`) */
	struct use_basis {
		const char *use, *basis;
		struct gd__nv_src src;
	} use_basis[64];
	size_t nuse_basis;
	struct gd__nv_list categories, subjects;
	const char *subject_keys[32];
	int subject_count[32];
	int complaint_line; /* a sentence about complaints, to find the authority near */
	size_t nrules;      /* retention rules drafted, all lists together */
};

#define OOM(d) ((d)->rc = (d)->rc ? (d)->rc : GD_ENOMEM)

/*
 * Whether one more item fits (GD__NOTICE_MAX_ITEMS of each kind): a notice
 * listing more is not a notice, and the matching between items stays
 * quadratic in their number. The first refusal leaves a warning in the draft.
 */
static bool room(struct draft *d, size_t n, const char *what)
{
	if (n < GD__NOTICE_MAX_ITEMS)
		return true;
	char buf[160];
	snprintf(buf, sizeof buf, "the notice has more than %d %s: the rest are not drafted",
	         GD__NOTICE_MAX_ITEMS, what);
	if (gd__nv_list_add(d->ar, &d->v->warnings, buf) < 0)
		d->rc = GD_ENOMEM;
	return false;
}

static char *dup(struct draft *d, const char *s, size_t n)
{
	char *r = gd__arena_strndup(d->ar, s, n);
	if (!r)
		OOM(d);
	return r;
}

static struct gd__nv_src src_of(struct draft *d, size_t i, int conf, const char *note)
{
	return (struct gd__nv_src){d->s[i].line, conf, d->s[i].text, note};
}

static bool has(struct draft *d, const char *kind, const char *norm)
{
	return gd__lexicon_find(d->lx, kind, norm, NULL);
}

static const char *key_of(struct draft *d, const char *kind, const char *norm)
{
	struct gd__lex_hit h;
	return gd__lexicon_find(d->lx, kind, norm, &h) ? h.key : NULL;
}

/* Trims spaces, list punctuation and a trailing "etc." from an item's text. */
static char *item_text(struct draft *d, const char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == ';' || s[n - 1] == ',' || s[n - 1] == '.' || s[n - 1] == ' ' ||
	             s[n - 1] == ':'))
		n--;
	return dup(d, s, n);
}

/* ---- activities ---- */

static int new_activity(struct draft *d, size_t i, const char *name, int conf, const char *note)
{
	struct gd__nv *v = d->v;
	if (!room(d, v->nactivities, "purposes"))
		return -1;
	struct gd__nv_activity *a =
		gd__nv_push(v->arena, &v->activities, &v->nactivities, &v->capactivities, sizeof *a);
	if (!a) {
		OOM(d);
		return -1;
	}
	a->name = item_text(d, name);
	a->role = d->role;
	a->src = src_of(d, i, conf, note);
	a->first_line = a->last_line = d->s[i].line;
	d->act = (int)(v->nactivities - 1);
	d->used[i] = true;
	return d->act;
}

static void set_basis(struct draft *d, struct gd__nv_activity *a, const char *basis, size_t i,
                      int conf)
{
	if (a->basis || !basis)
		return;
	a->basis = basis;
	a->basis_src = src_of(d, i, conf, NULL);
	a->basis_detail = d->s[i].text;
}

/* ---- retention ---- */

static int number_before(struct draft *d, const char *norm, size_t u, size_t *start)
{
	/* skip spaces back to the previous word */
	size_t k = u;
	while (k > 0 && norm[k - 1] == ' ')
		k--;
	size_t e = k;
	while (k > 0 && isdigit((unsigned char)norm[k - 1]))
		k--;
	if (k < e && e - k <= 4) {
		*start = k;
		return atoi(norm + k);
	}
	while (k > 0 && (isalpha((unsigned char)norm[k - 1]) || norm[k - 1] == '-'))
		k--;
	if (k == e)
		return 0;
	size_t len;
	const char *key = gd__lexicon_at(d->lx, "number", norm, k, &len);
	if (key && k + len == e) {
		*start = k;
		return atoi(key);
	}
	return 0;
}

/* Turns the words after "from"/"à compter de" into an event name: "date_debit". */
static const char *event_from_words(struct draft *d, const char *norm, size_t at)
{
	static const char *const stop[] = {"de", "du", "des", "la", "le", "les", "l", "d", "the",
	                                   "a", "an", "of", "your", "vos", "votre", "leur", "their",
	                                   "our", "notre", "nos", "un", "une", "au", "aux", "et"};
	char buf[48];
	size_t o = 0;
	int words = 0;
	size_t i = at;
	while (norm[i] && words < 3) {
		/* up to three content words of the clause: stop at its punctuation */
		while (norm[i] && !isalnum((unsigned char)norm[i]) && !strchr(".;,:", norm[i]))
			i++;
		if (!norm[i] || strchr(".;,:", norm[i]))
			break;
		size_t ws = i;
		while (isalnum((unsigned char)norm[i]))
			i++;
		size_t wl = i - ws;
		bool skip = false;
		for (size_t k = 0; k < sizeof stop / sizeof *stop; k++)
			if (strlen(stop[k]) == wl && strncmp(stop[k], norm + ws, wl) == 0)
				skip = true;
		if (skip || wl > 16)
			continue;
		if (o + 1 + wl >= sizeof buf)
			break;
		if (o)
			buf[o++] = '_';
		memcpy(buf + o, norm + ws, wl);
		o += wl;
		words++;
	}
	buf[o] = 0;
	return o ? dup(d, buf, o) : NULL;
}

struct ret_target {
	struct gd__nv_retention **arr;
	size_t *n, *cap;
};

static struct gd__nv_retention *add_rule(struct draft *d, struct ret_target t, size_t i, int conf,
                                         const char *note)
{
	if (!room(d, d->nrules++, "retention periods"))
		return NULL;
	struct gd__nv_retention *r = gd__nv_push(d->ar, t.arr, t.n, t.cap, sizeof *r);
	if (!r) {
		OOM(d);
		return NULL;
	}
	r->text = d->s[i].text;
	r->src = src_of(d, i, conf, note);
	return r;
}

/* Finds periods in sentence i; each becomes a rule of `t`. True when one was found. */
static bool parse_retention(struct draft *d, size_t i, struct ret_target t)
{
	const char *norm = d->s[i].norm;
	bool found = false;
	size_t last_end = 0;
	bool archive = has(d, "archive", norm);
	size_t len = strlen(norm);
	for (size_t u = 0; u < len && !d->rc; u++) {
		if (!isalpha((unsigned char)norm[u]) || (u > 0 && isalnum((unsigned char)norm[u - 1])))
			continue;
		size_t ul;
		const char *unit = gd__lexicon_at(d->lx, "unit", norm, u, &ul);
		if (!unit)
			continue;
		size_t nstart;
		int num = number_before(d, norm, u, &nstart);
		if (num <= 0 || num > 1000)
			continue;
		struct gd__nv_period p = {0, 0, 0};
		if (strcmp(unit, "years") == 0)
			p.years = num;
		else if (strcmp(unit, "months") == 0)
			p.months = num;
		else if (strcmp(unit, "weeks") == 0)
			p.days = 7 * num;
		else
			p.days = num;
		/* "1 an et 6 mois" */
		size_t k = u + ul;
		for (int more = 0; more < 2; more++) {
			size_t m = k;
			while (norm[m] == ' ' || norm[m] == ',')
				m++;
			if (strncmp(norm + m, "et ", 3) == 0 || strncmp(norm + m, "and ", 4) == 0)
				m += norm[m] == 'e' ? 3 : 4;
			size_t ds = m;
			while (isdigit((unsigned char)norm[m]))
				m++;
			if (m == ds || m - ds > 3)
				break;
			while (norm[m] == ' ')
				m++;
			size_t ul2;
			const char *u2 = gd__lexicon_at(d->lx, "unit", norm, m, &ul2);
			if (!u2)
				break;
			int n2 = atoi(norm + ds);
			if (strcmp(u2, "months") == 0)
				p.months += n2;
			else if (strcmp(u2, "days") == 0)
				p.days += n2;
			else if (strcmp(u2, "weeks") == 0)
				p.days += 7 * n2;
			else
				p.years += n2;
			k = m + ul2;
		}
		/* the event: after "from" in the rest of the clause */
		const char *event = NULL;
		int econf = 40;
		const char *rest = norm + k;
		struct gd__lex_hit fh, eh;
		char clause[512];
		size_t cl = 0;
		while (rest[cl] && rest[cl] != '.' && rest[cl] != ';' && cl < sizeof clause - 1)
			cl++;
		memcpy(clause, rest, cl);
		clause[cl] = 0;
		if (gd__lexicon_find(d->lx, "from", clause, &fh)) {
			if (gd__lexicon_find(d->lx, "event", clause + fh.at + fh.len, &eh)) {
				event = eh.key;
				econf = 80;
			} else if ((event = event_from_words(d, clause, fh.at + fh.len))) {
				econf = 50;
			}
		} else if (gd__lexicon_find(d->lx, "until", norm, &eh)) {
			event = eh.key;
			econf = 60;
		}
		if (!event)
			event = "collection";
		/* "at least" just before the number */
		char before[64];
		size_t bs = nstart > 40 ? nstart - 40 : 0;
		memcpy(before, norm + bs, nstart - bs);
		before[nstart - bs] = 0;
		bool minimum = has(d, "minimum", before);
		struct gd__nv_retention *r = add_rule(d, t, i, econf < 80 ? 60 : 80, NULL);
		if (!r)
			return found;
		r->minimum = minimum;
		if (archive && !minimum) {
			r->stages[r->nstages++] = (struct gd__nv_stage){GD__NV_ARCHIVE, event, {0, 0, 0}};
		}
		r->stages[r->nstages++] = (struct gd__nv_stage){GD__NV_DELETE, event, p};
		found = true;
		u = k;
		last_end = k;
	}
	struct gd__lex_hit h;
	/* "deleted once …", also after a period of the same sentence */
	if (gd__lexicon_find(d->lx, "once", norm + last_end, &h)) {
		h.at += last_end;
		struct gd__lex_hit eh;
		const char *ev = gd__lexicon_find(d->lx, "event", norm + h.at + h.len, &eh)
		                         ? eh.key
		                         : event_from_words(d, norm, h.at + h.len);
		struct gd__nv_retention *r = add_rule(d, t, i, 70, NULL);
		int action = strncmp(norm + h.at, "archiv", 6) == 0    ? GD__NV_ARCHIVE
		             : strncmp(norm + h.at, "anonymi", 7) == 0 ? GD__NV_ANONYMISE
		                                                       : GD__NV_DELETE;
		if (r)
			r->stages[r->nstages++] =
				(struct gd__nv_stage){action, ev ? ev : "collection", {0, 0, 0}};
		found = true;
	}
	if (gd__lexicon_find(d->lx, "until", norm, &h) && !found) {
		struct gd__nv_retention *r = add_rule(d, t, i, 70, NULL);
		if (r)
			r->stages[r->nstages++] = (struct gd__nv_stage){GD__NV_DELETE, h.key, {0, 0, 0}};
		found = true;
	}
	if (gd__lexicon_find(d->lx, "legal", norm, &h)) {
		struct gd__nv_retention *r = add_rule(d, t, i, 50, "the law sets the end: name the text");
		if (r) {
			r->legal = true;
			r->stages[r->nstages++] = (struct gd__nv_stage){GD__NV_DELETE, h.key, {0, 0, 0}};
		}
		found = true;
	}
	return found;
}

static struct ret_target act_target(struct gd__nv_activity *a)
{
	return (struct ret_target){&a->retention, &a->nretention, &a->capretention};
}

/* ---- contacts ---- */

static void set_field(struct draft *d, struct gd__nv_field *f, const char *val, size_t n, size_t i,
                      int conf)
{
	if (f->v || !val || n == 0)
		return;
	f->v = dup(d, val, n);
	f->src = src_of(d, i, conf, NULL);
	d->used[i] = true;
}

static bool email_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_' || c == '+';
}

static bool in_section(struct draft *d, const char *s)
{
	return d->section && strcmp(d->section, s) == 0;
}

static bool is_dpo(struct draft *d, size_t i)
{
	struct gd__lex_hit h;
	return in_section(d, "dpo") || (gd__lexicon_find(d->lx, "section", d->s[i].norm, &h) &&
	                                strcmp(h.key, "dpo") == 0);
}

static void emails(struct draft *d, size_t i)
{
	const char *t = d->s[i].text;
	for (const char *at = strchr(t, '@'); at; at = strchr(at + 1, '@')) {
		const char *b = at, *e = at + 1;
		while (b > t && email_char(b[-1]))
			b--;
		while (email_char(*e))
			e++;
		while (e > at + 1 && (e[-1] == '.' || e[-1] == '-'))
			e--;
		if (b == at || !memchr(at, '.', (size_t)(e - at)) || (b > t && b[-1] == ':' && b - t >= 6 && strncmp(b - 7, "mailto", 6) == 0))
			continue;
		size_t n = (size_t)(e - b);
		bool dpo = is_dpo(d, i);
		bool rights = has(d, "rightsmail", d->s[i].norm) || in_section(d, "rights");
		if (in_section(d, "complaint") && !dpo && !rights)
			continue;
		if (dpo)
			set_field(d, &d->v->dpo_email, b, n, i, 85);
		if (rights)
			set_field(d, &d->v->rights_email, b, n, i, 80);
		if (!dpo && !rights)
			set_field(d, &d->v->email, b, n, i, 60);
	}
}

static void phones(struct draft *d, size_t i)
{
	if (!is_dpo(d, i))
		return;
	const char *t = d->s[i].text, *norm = d->s[i].norm;
	struct gd__lex_hit h;
	if (!gd__lexicon_find(d->lx, "phone", norm, &h) || strlen(t) != strlen(norm))
		return; /* only ASCII sentences keep offsets between text and norm */
	const char *p = t + h.at + h.len;
	while (*p && (*p == ' ' || *p == ':' || *p == '.'))
		p++;
	const char *s = p;
	int digits = 0;
	while (*p && (isdigit((unsigned char)*p) || *p == ' ' || *p == '+' || *p == '.' || *p == '(' ||
	              *p == ')' || *p == '-')) {
		digits += isdigit((unsigned char)*p) != 0;
		p++;
	}
	while (p > s && p[-1] == ' ')
		p--;
	if (digits >= 8)
		set_field(d, &d->v->dpo_phone, s, (size_t)(p - s), i, 80);
}

static bool street_word(struct draft *d, const char *t, size_t at, size_t *len)
{
	char f[2 * 24 + 1]; /* on the stack: called for many positions */
	gd__notice_fold_buf(t + at, strnlen(t + at, 24), f);
	return gd__lexicon_at(d->lx, "street", f, 0, len) != NULL;
}

/* A postal address in sentence i: "[12] Rue …, 75002 City[, Country]". */
static bool address_in(struct draft *d, size_t i, const char **out, size_t *olen, size_t *ostart)
{
	const char *t = d->s[i].text;
	size_t n = strlen(t);
	for (size_t p = 0; p + 5 < n; p++) {
		if (!isdigit((unsigned char)t[p]) || (p > 0 && isalnum((unsigned char)t[p - 1])))
			continue;
		size_t q = p;
		while (q < n && isdigit((unsigned char)t[q]))
			q++;
		if (q - p < 4 || q - p > 5 || q + 2 >= n || t[q] != ' ' ||
		    !(isupper((unsigned char)t[q + 1]) || (unsigned char)t[q + 1] >= 0xC3))
			continue;
		/* back to a street word within 80 bytes */
		size_t lo = p > 80 ? p - 80 : 0, start = SIZE_MAX;
		for (size_t b = lo; b < p; b++) {
			if (b > 0 && isalnum((unsigned char)t[b - 1]))
				continue;
			size_t sl;
			if (isalpha((unsigned char)t[b]) && street_word(d, t, b, &sl)) {
				start = b;
				/* a house number just before: "112 Rue" */
				size_t k = b;
				while (k > lo && t[k - 1] == ' ')
					k--;
				size_t dg = k;
				while (dg > lo && (isdigit((unsigned char)t[dg - 1]) || t[dg - 1] == ','))
					dg--;
				if (dg < k && (dg == 0 || t[dg - 1] == ' ' || t[dg - 1] == ':'))
					start = dg;
				break;
			}
		}
		if (start == SIZE_MAX)
			continue;
		/* the city: words after the post code, up to a comma/semicolon/" ou " */
		size_t e = q + 1;
		while (e < n && t[e] != ',' && t[e] != ';' && t[e] != '(' && t[e] != '.' &&
		       strncmp(t + e, " ou ", 4) != 0 && strncmp(t + e, " or ", 4) != 0 &&
		       strncmp(t + e, " - ", 3) != 0 && e - q < 48) {
			if (t[e] == ' ' && e + 1 < n && islower((unsigned char)t[e + 1]) &&
			    !(e + 4 < n && (strncmp(t + e + 1, "la-", 3) == 0 || strncmp(t + e + 1, "les-", 4) == 0)))
				break;
			if (t[e] == ' ' && e + 1 < n && isalpha((unsigned char)t[e + 1]) &&
			    strchr(t + e + 1, '@') && (size_t)(strchr(t + e + 1, '@') - t) < e + 40 &&
			    !memchr(t + e + 1, ' ', (size_t)(strchr(t + e + 1, '@') - (t + e + 1))))
				break; /* an email follows */
			e++;
		}
		/* ", France" */
		static const char *const countries[] = {", France", ", Belgique", ", Belgium", ", Luxembourg",
		                                        ", Suisse", ", United Kingdom", ", Ireland"};
		for (size_t c = 0; c < sizeof countries / sizeof *countries; c++)
			if (strncmp(t + e, countries[c], strlen(countries[c])) == 0)
				e += strlen(countries[c]);
		while (e > q && t[e - 1] == ' ')
			e--;
		*out = t + start;
		*olen = e - start;
		*ostart = start;
		return true;
	}
	return false;
}

/* Capitalised words just before t[end] (up to 5): a name. */
static size_t name_before(const char *t, size_t end, size_t *start)
{
	size_t k = end;
	while (k > 0 && t[k - 1] == ' ')
		k--;
	size_t e = k;
	int words = 0;
	size_t s = k;
	while (k > 0 && words < 5) {
		size_t we = k;
		while (k > 0 && t[k - 1] != ' ' && t[k - 1] != ',' && t[k - 1] != ':' && t[k - 1] != '"')
			k--;
		if (k == we || !(isupper((unsigned char)t[k]) || (unsigned char)t[k] >= 0xC3))
			break;
		s = k;
		words++;
		if (k == 0 || t[k - 1] != ' ')
			break;
		k--;
	}
	*start = s;
	return words ? e - s : 0;
}

static void addresses(struct draft *d, size_t i)
{
	const char *a;
	size_t n, start;
	if (!address_in(d, i, &a, &n, &start))
		return;
	const char *norm = d->s[i].norm;
	if (in_section(d, "complaint") || gd__lexicon_find(d->lx, "authority", norm, NULL))
		return;
	if (is_dpo(d, i)) {
		set_field(d, &d->v->dpo_address, a, n, i, 70);
		size_t ns, nl = name_before(d->s[i].text, start, &ns);
		if (nl && !d->v->dpo_name.v)
			set_field(d, &d->v->dpo_name, d->s[i].text + ns, nl, i, 50);
		return;
	}
	if (has(d, "rightsmail", norm) || in_section(d, "rights")) {
		set_field(d, &d->v->rights_postal, a, n, i, 75);
		return;
	}
	set_field(d, &d->v->address, a, n, i, has(d, "seat", norm) ? 80 : 50);
}

static void dpo_name(struct draft *d, size_t i)
{
	if (!is_dpo(d, i) || d->v->dpo_name.v)
		return;
	const char *t = d->s[i].text;
	static const char *const keys[] = {"Nom:", "Nom :", "Name:", "Name :", "Nom et prénom :"};
	for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
		const char *p = strstr(t, keys[k]);
		if (!p)
			continue;
		p += strlen(keys[k]);
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, ";\n");
		while (n && p[n - 1] == ' ')
			n--;
		set_field(d, &d->v->dpo_name, p, n, i, 85);
		return;
	}
}

/* Company forms and "(ci-après …)" give the controller's name. */
static void controller_name(struct draft *d, size_t i)
{
	if (d->v->name.v)
		return;
	const char *t = d->s[i].text;
	static const char *const marks[] = {" (ci-après", " (ci-apres", " (hereinafter", " (\"we\"",
	                                    " (“we”", " (together", " (« "};
	for (size_t k = 0; k < sizeof marks / sizeof *marks; k++) {
		const char *p = strstr(t, marks[k]);
		if (!p)
			continue;
		size_t s, n = name_before(t, (size_t)(p - t), &s);
		if (n) {
			set_field(d, &d->v->name, t + s, n, i, 70);
			return;
		}
	}
	static const char *const societe[] = {"la société ", "La société ", "the company ", "The company "};
	for (size_t k = 0; k < sizeof societe / sizeof *societe; k++) {
		const char *p = strstr(t, societe[k]);
		if (!p)
			continue;
		p += strlen(societe[k]);
		size_t n = 0;
		while (p[n] && p[n] != ',' && p[n] != '(' && p[n] != ';' && n < 80 &&
		       !(p[n] == ' ' && islower((unsigned char)p[n + 1])))
			n++;
		if (n && (isupper((unsigned char)p[0]) || (unsigned char)p[0] >= 0xC3)) {
			set_field(d, &d->v->name, p, n, i, 70);
			return;
		}
	}
}

static void registration(struct draft *d, size_t i)
{
	struct gd__lex_hit h;
	const char *t = d->s[i].text, *norm = d->s[i].norm;
	if (d->v->registration.v || !gd__lexicon_find(d->lx, "registration", norm, &h))
		return;
	/* the number: after "numéro"/"number"/"n°" or the phrase, letters and digits */
	const char *p = strstr(norm + h.at, "numero");
	if (!p)
		p = strstr(norm + h.at, "number");
	size_t from = p ? (size_t)(p - norm) + 6 : h.at + h.len;
	/* offsets differ when accents precede: search the same digits in the text */
	const char *dg = norm + from;
	while (*dg && !isdigit((unsigned char)*dg))
		dg++;
	if (!*dg || dg - (norm + from) > 30)
		return;
	char digits[8];
	size_t dn = 0;
	while (dg[dn] && isdigit((unsigned char)dg[dn]) && dn < sizeof digits - 1)
		dn++;
	memcpy(digits, dg, dn);
	digits[dn] = 0;
	const char *q = strstr(t, digits);
	if (!q)
		return;
	/* one letter before ("B 453 …") */
	const char *s = q;
	if (s - t >= 2 && s[-1] == ' ' && isupper((unsigned char)s[-2]) && (s - t == 2 || s[-3] == ' '))
		s -= 2;
	const char *e = q;
	while (*e && (isdigit((unsigned char)*e) || *e == ' ' || *e == '.') && e - q < 24)
		e++;
	while (e > q && (e[-1] == ' ' || e[-1] == '.'))
		e--;
	char buf[160];
	int bn = snprintf(buf, sizeof buf, "%.*s %.*s", (int)(h.len < 60 ? h.len : 60), norm + h.at,
	                  (int)(e - s), s);
	if (bn > 0 && strncmp(buf, "rcs", 3) != 0 && strncmp(buf, "registre du commerce", 20) == 0)
		bn = snprintf(buf, sizeof buf, "RCS %.*s", (int)(e - s), s);
	if (bn > 0)
		set_field(d, &d->v->registration, buf, strnlen(buf, sizeof buf), i, 75);
}

/* ---- rights ---- */

struct right_ctx {
	struct draft *d;
	size_t i;
};

static void on_right(void *ud, const struct gd__lex_hit *h)
{
	struct right_ctx *c = ud;
	struct draft *d = c->d;
	struct gd__nv *v = d->v;
	const char *norm = d->s[c->i].norm;
	/* "ne disposent pas du droit à la limitation": a negation just before */
	struct gd__lex_hit ng;
	char before[96];
	size_t bs = h->at > 60 ? h->at - 60 : 0;
	memcpy(before, norm + bs, h->at - bs);
	before[h->at - bs] = 0;
	bool negated = gd__lexicon_find(d->lx, "negation", before, &ng);
	struct gd__nv_right *r = NULL;
	for (size_t k = 0; k < v->nrights; k++)
		if (strcmp(v->rights[k].kind, h->key) == 0)
			r = &v->rights[k];
	if (!r) {
		if (!(r = gd__nv_push(v->arena, &v->rights, &v->nrights, &v->caprights, sizeof *r))) {
			OOM(d);
			return;
		}
		r->kind = h->key;
		r->offered = true;
		r->src = src_of(d, c->i, d->s[c->i].flags & GD__S_HEADING ? 85 : 75, NULL);
	}
	if (negated) {
		r->offered = false;
		r->reason = d->s[c->i].text;
		r->src = src_of(d, c->i, 70, "not offered: the notice says so");
	}
	d->used[c->i] = true;
}

static void rights(struct draft *d, size_t i)
{
	const char *norm = d->s[i].norm;
	if (d->act >= 0 && d->act_heading && in_section(d, "purposes"))
		return; /* what a purpose's own list says ("automated decisions: none") */
	bool heading = d->s[i].flags & GD__S_HEADING;
	if (!heading && !in_section(d, "rights") && !in_section(d, "complaint") &&
	    !has(d, "rightcue", norm))
		return;
	if (!heading && !has(d, "rightcue", norm) && !(d->s[i].flags & GD__S_BULLET))
		return;
	struct right_ctx c = {d, i};
	gd__lexicon_each(d->lx, "right", norm, on_right, &c);
}

static void authority(struct draft *d, size_t i)
{
	struct gd__lex_hit h;
	const char *norm = d->s[i].norm;
	bool complaint = gd__lexicon_find(d->lx, "right", norm, &h) && strcmp(h.key, "complaint") == 0;
	if (complaint || in_section(d, "complaint"))
		d->complaint_line = (int)i + 1;
	if (d->v->authority.v || !d->complaint_line || (int)i > d->complaint_line + 3)
		return;
	if (!gd__lexicon_find(d->lx, "authority", norm, &h))
		return;
	set_field(d, &d->v->authority, h.key, strlen(h.key), i, complaint ? 85 : 65);
	const char *url = gd__lexicon_value(d->lx, "authority-url", h.key);
	if (url)
		set_field(d, &d->v->authority_url, url, strlen(url), i, 70);
}

/* ---- recipients and transfers ---- */

static void add_party(struct draft *d, size_t i, const char *name, size_t n, int conf)
{
	struct gd__nv *v = d->v;
	while (n && (name[n - 1] == ' ' || name[n - 1] == ';' || name[n - 1] == ',' ||
	             name[n - 1] == '.' || name[n - 1] == ':'))
		n--;
	if (n < 4)
		return;
	if (!room(d, v->nparties, "recipients"))
		return;
	char *nm = dup(d, name, n);
	if (!nm)
		return;
	for (size_t k = 0; k < v->nparties; k++)
		if (strcmp(v->parties[k].name, nm) == 0)
			return;
	struct gd__nv_party *p = gd__nv_push(v->arena, &v->parties, &v->nparties, &v->capparties, sizeof *p);
	if (!p) {
		OOM(d);
		return;
	}
	char *f = gd__notice_fold(d->ar, nm, n);
	const char *kind = f ? key_of(d, "recipient", f) : NULL;
	p->name = nm;
	p->kind = kind ? kind : "external";
	p->country = f ? key_of(d, "country", f) : NULL;
	p->src = src_of(d, i, conf, NULL);
	d->used[i] = true;
}

static void shared_with(struct draft *d, size_t i)
{
	struct gd__lex_hit h;
	const char *t = d->s[i].text, *norm = d->s[i].norm;
	if (!gd__lexicon_find(d->lx, "shared", norm, &h) || !has(d, "recipient", norm + h.at))
		return;
	const char *p = t + gd__notice_unfold(t, h.at + h.len);
	while (*p == ' ')
		p++;
	size_t n = strcspn(p, ".;(");
	add_party(d, i, p, n > 160 ? 160 : n, 60);
}

/*
 * "Ces prestataires sont entre autres : des prestataires d'hébergement ; des
 * exploitants réseaux (CDN) ; …": in the recipients section, the items of a
 * list written inside a sentence (the splitter cuts it at each ';') are
 * recipients, and so is what follows " : " when the sentence names them.
 */
static void recipient_items(struct draft *d, size_t i)
{
	const struct gd__sentence *s = &d->s[i];
	if (!in_section(d, "recipients") || (s->flags & (GD__S_BULLET | GD__S_HEADING | GD__S_CELL)))
		return;
	const char *t = s->text, *colon = strstr(t, " : ");
	if (!colon)
		colon = strstr(t, ": ");
	if (colon && has(d, "recipient", s->norm)) {
		const char *p = colon + (colon[0] == ' ' ? 3 : 2);
		add_party(d, i, p, strcspn(p, ".;"), 50);
		d->party_line = s->line;
		return;
	}
	static const char *const starts[] = {"des ", "les ", "nos ", "aux ", "our ", "the ", "to our "};
	size_t words = 1;
	for (const char *c = t; *c; c++)
		words += *c == ' ';
	/* the list goes on in the same line: its items are recipients too, even
	   those the lexicon does not know ("des bureaux d'enregistrement …") */
	bool more = d->party_line && d->party_line == s->line;
	for (size_t k = 0; k < sizeof starts / sizeof *starts; k++)
		if (strncmp(t, starts[k], strlen(starts[k])) == 0 && words <= 25 &&
		    (more || has(d, "recipient", s->norm))) {
			add_party(d, i, t, strcspn(t, ".;"), more ? 45 : 50);
			return;
		}
}

static void transfers(struct draft *d, size_t i)
{
	struct gd__nv *v = d->v;
	const char *norm = d->s[i].norm;
	struct gd__lex_hit inv, sg, co;
	bool invalid = gd__lexicon_find(d->lx, "invalid", norm, &inv);
	bool safeguard = gd__lexicon_find(d->lx, "safeguard", norm, &sg);
	bool country = gd__lexicon_find(d->lx, "country", norm, &co) &&
	               strcmp(co.key, "FR") != 0 && strcmp(co.key, "BE") != 0;
	bool ctx = in_section(d, "transfers") || has(d, "transfer", norm);
	if (!invalid && !(ctx && (safeguard || country)))
		return;
	if (!room(d, v->ntransfers, "transfers"))
		return;
	struct gd__nv_transfer *t =
		gd__nv_push(v->arena, &v->transfers, &v->ntransfers, &v->captransfers, sizeof *t);
	if (!t) {
		OOM(d);
		return;
	}
	t->country = country ? co.key : NULL;
	t->safeguard = safeguard ? sg.key : NULL;
	t->src = src_of(d, i, 60, NULL);
	if (invalid) {
		t->invalid = inv.key;
		char buf[400];
		snprintf(buf, sizeof buf,
		         "line %d: the notice relies on %s: it is no longer a valid safeguard; name the "
		         "one that applies now (adequacy decision, SCC 2021/914, BCR)",
		         d->s[i].line, inv.key);
		if (gd__nv_list_add(d->ar, &v->warnings, buf) < 0)
			OOM(d);
	}
	d->used[i] = true;
}

static void security(struct draft *d, size_t i)
{
	struct gd__nv *v = d->v;
	const struct gd__sentence *s = &d->s[i];
	bool listed = (s->flags & GD__S_BULLET) &&
	              (d->security_list || (in_section(d, "security") && has(d, "security", s->norm)));
	if (!listed)
		return;
	size_t letters = 0;
	for (const char *p = s->text; *p; p++)
		letters += isalpha((unsigned char)*p) != 0;
	if (letters < 6)
		return;
	if (!room(d, v->nsecurity, "security measures"))
		return;
	struct gd__nv_field *f =
		gd__nv_push(v->arena, &v->security, &v->nsecurity, &v->capsecurity, sizeof *f);
	if (!f) {
		OOM(d);
		return;
	}
	f->v = item_text(d, s->text);
	f->src = src_of(d, i, has(d, "security", s->norm) ? 80 : 60, NULL);
	d->used[i] = true;
}

/* ---- categories and subjects ---- */

struct list_ctx {
	struct draft *d;
	struct gd__nv_list *l;
};

static void on_term(void *ud, const struct gd__lex_hit *h)
{
	struct list_ctx *c = ud;
	if (gd__nv_list_add(c->d->ar, c->l, h->key) < 0)
		OOM(c->d);
}

static void terms(struct draft *d, const char *kind, const char *norm, struct gd__nv_list *l)
{
	struct list_ctx c = {d, l};
	gd__lexicon_each(d->lx, kind, norm, on_term, &c);
}

/* ---- tables ---- */

static int column_of(struct draft *d, size_t i)
{
	const char *k = key_of(d, "column", d->s[i].norm);
	if (!k || strlen(d->s[i].text) > 60)
		return -1;
	return strcmp(k, "purpose") == 0 ? 0 : strcmp(k, "sub") == 0 ? 1
	                               : strcmp(k, "retention") == 0 ? 2
	                                                             : 3;
}

/* Row i.. of cells: a header row names columns, a data row fills an activity. Returns the next index. */
static size_t table_row(struct draft *d, size_t i)
{
	int row = d->s[i].row;
	size_t e = i;
	while (e < d->n && d->s[e].row == row && (d->s[e].flags & GD__S_CELL))
		e++;
	/* header? */
	int cols[4] = {-1, -1, -1, -1}, named = 0;
	for (size_t k = i; k < e; k++) {
		int c = column_of(d, k);
		if (c >= 0 && cols[c] < 0) {
			cols[c] = d->s[k].cell;
			named++;
		}
	}
	if (named >= 2 && cols[0] >= 0) {
		d->col_purpose = cols[0];
		d->col_sub = cols[1];
		d->col_ret = cols[2];
		d->col_basis = cols[3];
		d->header_row = row;
		d->act = -1;
		for (size_t k = i; k < e; k++)
			d->used[k] = true;
		return e;
	}
	if (d->col_purpose < 0)
		return i; /* not a table we know: cells as sentences */
	size_t purpose = SIZE_MAX, sub = SIZE_MAX, ret = SIZE_MAX, basis = SIZE_MAX;
	for (size_t k = i; k < e; k++) {
		int c = d->s[k].cell;
		size_t tl = strlen(d->s[k].text);
		if (tl && d->s[k].text[tl - 1] == ':')
			continue; /* "Vos données … sont conservées :" */
		if (c == d->col_purpose)
			purpose = k;
		else if (c == d->col_sub)
			sub = k;
		else if (c == d->col_ret)
			ret = k;
		else if (c == d->col_basis)
			basis = k;
	}
	const char *bkey = basis != SIZE_MAX ? key_of(d, "basis", d->s[basis].norm) : NULL;
	struct gd__nv_activity *a = d->act >= 0 ? &d->v->activities[d->act] : NULL;
	if (purpose != SIZE_MAX) {
		if (new_activity(d, purpose, d->s[purpose].text, 85, "a row of the purposes table") < 0)
			return e;
		a = &d->v->activities[d->act];
		if (sub != SIZE_MAX && gd__nv_list_add(d->ar, &a->sub_purposes, item_text(d, d->s[sub].text)) < 0)
			OOM(d);
	} else if (sub != SIZE_MAX && a && bkey && a->basis && strcmp(bkey, a->basis) != 0) {
		/* a sub-purpose with a basis of its own is an activity of its own */
		if (new_activity(d, sub, d->s[sub].text, 60, "a sub-purpose with its own basis") < 0)
			return e;
		a = &d->v->activities[d->act];
	} else if (sub != SIZE_MAX && a) {
		if (gd__nv_list_add(d->ar, &a->sub_purposes, item_text(d, d->s[sub].text)) < 0)
			OOM(d);
		d->used[sub] = true;
	}
	if (!a)
		return e;
	a->last_line = d->s[i].line;
	if (sub != SIZE_MAX)
		d->used[sub] = true;
	if (basis != SIZE_MAX && bkey) {
		set_basis(d, a, bkey, basis, 85);
		d->used[basis] = true;
	}
	if (ret != SIZE_MAX && parse_retention(d, ret, act_target(a)))
		d->used[ret] = true;
	for (size_t k = i; k < e; k++) {
		terms(d, "category", d->s[k].norm, &a->categories);
		if (k != ret && k != basis)
			terms(d, "subject", d->s[k].norm, &a->subjects);
	}
	return e;
}

/* The activity cookies belong to: one named so, or a new one. */
static int cookies_activity(struct draft *d, size_t i)
{
	for (size_t k = 0; k < d->v->nactivities; k++)
		if (strstr(d->v->activities[k].name, "ookie"))
			return (int)k;
	int keep = d->act;
	int c = new_activity(d, i, "Cookies", 50, "periods of cookies: the notice names no purpose for them");
	d->act = keep;
	return c;
}

/*
 * "… à des fins de facturation, de gestion des recouvrements, de démarchage
 * commercial, etc.": an enumeration of three purposes or more in a sentence
 * becomes as many activities (confidence 50). Shorter ones ("à des fins de
 * preuve") are not purposes of their own.
 */
static void enumerated_purposes(struct draft *d, size_t i)
{
	static const char *const intros[] = {"à des fins de ", "aux fins de ", "for the purposes of "};
	static const char *const seps[] = {", de la ", ", de l'", ", de l’", ", des ", ", du ", ", de ",
	                                   ", d'", ", d’", ", and ", ", "};
	const char *t = d->s[i].text, *p = NULL;
	for (size_t k = 0; k < sizeof intros / sizeof *intros && !p; k++)
		if ((p = strstr(t, intros[k])))
			p += strlen(intros[k]);
	if (!p || in_section(d, "rights") || in_section(d, "retention"))
		return;
	const char *end = p + strcspn(p, ".;:(");
	const char *starts[12], *ends[12];
	size_t n = 0;
	const char *a = p;
	while (a < end && n < 12) {
		const char *best = NULL;
		size_t bl = 0;
		for (size_t k = 0; k < sizeof seps / sizeof *seps; k++) {
			const char *f = strstr(a, seps[k]);
			if (f && f < end && (!best || f < best)) {
				best = f;
				bl = strlen(seps[k]);
			}
		}
		const char *e = best ? best : end;
		starts[n] = a;
		ends[n] = e;
		n++;
		a = best ? best + bl : end;
	}
	size_t kept = 0;
	for (size_t k = 0; k < n; k++) {
		if (ends[k] - starts[k] < 4 || strncmp(starts[k], "etc", 3) == 0)
			continue;
		size_t words = 1;
		for (const char *c = starts[k]; c < ends[k]; c++)
			words += *c == ' ';
		if (words > 10)
			return; /* a clause, not a list of purposes */
		kept++;
	}
	if (kept < 3)
		return;
	int keep = d->act;
	for (size_t k = 0; k < n; k++) {
		if (ends[k] - starts[k] < 4 || strncmp(starts[k], "etc", 3) == 0)
			continue;
		char *name = dup(d, starts[k], (size_t)(ends[k] - starts[k]));
		if (!name || new_activity(d, i, name, 50, "one of the purposes the sentence enumerates") < 0)
			return;
	}
	d->act = keep;
}

/* ---- the walk ---- */

/* "7 . FINALITES", "2. Les engagements", "3° Conserver": a numbered title, not "3 Place …". */
static bool numbered(const char *t)
{
	size_t k = 0;
	while (k < 3 && isdigit((unsigned char)t[k]))
		k++;
	if (k == 0 || k == 3)
		return false;
	while (t[k] == ' ')
		k++;
	return t[k] == '.' || t[k] == ')' || strncmp(t + k, "°", strlen("°")) == 0;
}

static void heading_sentence(struct draft *d, size_t i)
{
	const struct gd__sentence *s = &d->s[i];
	const char *sec = key_of(d, "section", s->norm);
	const char *role = key_of(d, "role", s->norm);
	if (role)
		d->role = role;
	d->purpose_list = d->security_list = d->recipient_list = false;
	if (sec && !(s->level >= 3 && in_section(d, "purposes"))) {
		d->section = sec;
		d->act = -1;
		d->col_purpose = -1;
		d->used[i] = true;
		return;
	}
	if (numbered(s->text) && !(s->flags & GD__S_MDHEAD)) {
		d->section = "other";
		d->act = -1;
		d->used[i] = role != NULL;
		return;
	}
	/* a subheading: within purposes an activity, within recipients a recipient */
	if (in_section(d, "purposes") && (s->flags & GD__S_MDHEAD || d->role)) {
		new_activity(d, i, s->text, 60, "a heading under the purposes");
		d->act_titled = true;
		d->act_heading = true;
	} else if (in_section(d, "recipients")) {
		add_party(d, i, s->text, strlen(s->text), 55);
	}
}

static void purposes_sentence(struct draft *d, size_t i)
{
	const struct gd__sentence *s = &d->s[i];
	if ((s->flags & GD__S_BULLET) && !(d->act >= 0 && d->act_heading)) {
		bool listed = d->purpose_list || (in_section(d, "purposes") && !d->security_list &&
		                                  !d->recipient_list && d->act_titled == false);
		/* "… dans trois situations : - pour les besoins de … ; - afin de …":
		   items that open on an aim are purposes, whatever announced them */
		struct gd__lex_hit aim;
		if (!listed && d->colon_list && !d->security_list && !d->recipient_list &&
		    gd__lexicon_find(d->lx, "aim", s->norm, &aim) && aim.at <= 8)
			listed = true;
		if (listed && strlen(s->text) < 400) {
			size_t tl = strlen(s->text);
			char last = tl ? s->text[tl - 1] : 0;
			new_activity(d, i, s->text, d->purpose_list ? 80 : 60,
			             d->purpose_list ? "an item of the list of purposes" : "a list item under the purposes");
			d->act_titled = !(last == ';' || last == ',' || last == '.');
			d->act_heading = false;
			struct gd__nv_activity *a = &d->v->activities[d->act];
			set_basis(d, a, key_of(d, "basis", s->norm), i, 85);
			terms(d, "category", s->norm, &a->categories);
			terms(d, "subject", s->norm, &a->subjects);
		}
		return;
	}
	if (d->act >= 0 && d->act_titled && !(s->flags & GD__S_HEADING)) {
		struct gd__nv_activity *a = &d->v->activities[d->act];
		a->last_line = s->line;
		if (!a->description)
			a->description = s->text;
		const char *b = key_of(d, "basis", s->norm);
		if (b) {
			set_basis(d, a, b, i, 70);
			d->used[i] = true;
		}
		terms(d, "category", s->norm, &a->categories);
		terms(d, "subject", s->norm, &a->subjects);
		if (has(d, "keep", s->norm) && parse_retention(d, i, act_target(a)))
			d->used[i] = true;
		if (has(d, "category", s->norm))
			d->used[i] = true;
		return;
	}
	/* a sentence about the purposes in general: "necessary for the contract" */
	if ((in_section(d, "purposes") || d->purpose_list) && !d->general_basis) {
		struct gd__lex_hit h;
		if (gd__lexicon_find(d->lx, "basis", s->norm, &h)) {
			d->general_basis = h.key;
			d->general_basis_src = src_of(d, i, 50, "said of the purposes in general");
			d->used[i] = true;
		}
	}
	if (d->act >= 0 && !d->act_titled)
		d->act = -1; /* the list has ended */
}

/* Hits of one kind in a sentence, in the order gd__lexicon_each gives them. */
struct hits {
	struct gd__lex_hit h[16];
	size_t n;
};

static void on_hit(void *ud, const struct gd__lex_hit *h)
{
	struct hits *c = ud;
	if (c->n < sizeof c->h / sizeof *c->h)
		c->h[c->n++] = *h;
}

/*
 * "vous ne renseignez que des données nécessaires afin que X puisse assurer
 * des services de facturation, de comptabilité ou de support, la bonne
 * exécution du contrat … ou le respect de ses obligations légales": a sentence
 * naming kinds of purposes (lexicon `use`) and bases states, for each kind, the
 * first basis named after it (else the last one before it). Kept notice-wide,
 * applied at the end to the activities of that kind that have no basis of
 * their own, wherever they are listed.
 */
static void use_bases(struct draft *d, size_t i)
{
	const struct gd__sentence *s = &d->s[i];
	if (s->flags & GD__S_HEADING)
		return;
	struct hits b = {.n = 0}, u = {.n = 0};
	gd__lexicon_each(d->lx, "basis", s->norm, on_hit, &b);
	if (!b.n)
		return;
	gd__lexicon_each(d->lx, "use", s->norm, on_hit, &u);
	for (size_t k = 0; k < u.n && d->nuse_basis < sizeof d->use_basis / sizeof *d->use_basis; k++) {
		const struct gd__lex_hit *after = NULL, *before = NULL;
		for (size_t j = 0; j < b.n; j++) {
			if (b.h[j].at >= u.h[k].at && (!after || b.h[j].at < after->at))
				after = &b.h[j];
			if (b.h[j].at < u.h[k].at && (!before || b.h[j].at > before->at))
				before = &b.h[j];
		}
		const char *basis = after ? after->key : before->key;
		bool known = false;
		for (size_t j = 0; j < d->nuse_basis && !known; j++)
			known = strcmp(d->use_basis[j].use, u.h[k].key) == 0;
		if (known)
			continue; /* the first sentence that says it wins */
		d->use_basis[d->nuse_basis++] = (struct use_basis){
			u.h[k].key, basis, src_of(d, i, 50, "the notice states this basis for such purposes")};
	}
}

/* Folded, stripped of trailing list punctuation, the name's first content words: the id. */
static const char *make_id(struct draft *d, const char *name, size_t k)
{
	static const char *const stop[] = {"la", "le", "les", "l", "de", "du", "des", "d", "et", "a",
	                                   "au", "aux", "the", "of", "and", "to", "for", "gestion",
	                                   "management", "en", "par", "sur", "avec", "un", "une", "vos",
	                                   "your", "our", "nos", "notre", "ces", "ce", "with", "on", "in"};
	char *f = gd__notice_fold(d->ar, name, strlen(name));
	char buf[48];
	size_t o = 0;
	int words = 0;
	for (const char *p = f ? f : ""; *p && words < 3;) {
		while (*p && !isalnum((unsigned char)*p))
			p++;
		const char *w = p;
		while (isalnum((unsigned char)*p))
			p++;
		size_t wl = (size_t)(p - w);
		if (!wl)
			break;
		bool skip = false;
		for (size_t s = 0; s < sizeof stop / sizeof *stop; s++)
			if (strlen(stop[s]) == wl && strncmp(stop[s], w, wl) == 0)
				skip = true;
		if (skip || o + wl + 1 >= sizeof buf - 6)
			continue;
		if (o)
			buf[o++] = '_';
		memcpy(buf + o, w, wl);
		o += wl;
		words++;
	}
	if (!o)
		o = (size_t)snprintf(buf, sizeof buf, "activity");
	buf[o] = 0;
	/* unique: the words, else the words and the activity's number, else more */
	char id[80];
	snprintf(id, sizeof id, "%s", buf);
	for (size_t n = 0; n < 3; n++) {
		bool taken = false;
		for (size_t a = 0; a < k && !taken; a++)
			taken = d->v->activities[a].id && strcmp(d->v->activities[a].id, id) == 0;
		if (!taken)
			break;
		snprintf(id, sizeof id, "%s_%zu%s", buf, k + 1, n ? "_b" : "");
	}
	return dup(d, id, strlen(id));
}

/*
 * The controller's name when no pattern gave it: the upper-case word of four
 * letters or more the notice repeats most (a brand written in capitals), not
 * an acronym of the law. One pass over the words, 64 candidates at most.
 * Confidence 40.
 */
static void caps_name(struct draft *d)
{
	static const char *const law[] = {"RGPD", "GDPR", "CNIL", "DPO", "HTTP", "HTTPS", "CEDEX",
	                                  "IBAN", "SIREN", "SIRET", "CJEU", "FAQ", "CGU", "CGV"};
	struct cand {
		const char *w;
		size_t n, count;
	} cand[64];
	size_t nc = 0;
	for (size_t i = 0; i < d->n; i++) {
		const char *t = d->s[i].text;
		if (d->s[i].flags & GD__S_HEADING)
			continue;
		for (const char *p = t; *p;) {
			while (*p && !isupper((unsigned char)*p))
				p++;
			const char *w = p;
			while (isupper((unsigned char)*p))
				p++;
			size_t n = (size_t)(p - w);
			if (n < 4 || isalnum((unsigned char)*p) || (w > t && isalnum((unsigned char)w[-1])))
				continue;
			bool skip = false;
			for (size_t k = 0; k < sizeof law / sizeof *law; k++)
				skip |= strlen(law[k]) == n && strncmp(law[k], w, n) == 0;
			if (skip)
				continue;
			size_t c;
			for (c = 0; c < nc; c++)
				if (cand[c].n == n && strncmp(cand[c].w, w, n) == 0)
					break;
			if (c == nc) {
				if (nc == 64)
					continue;
				cand[nc++] = (struct cand){w, n, 0};
			}
			cand[c].count++;
		}
	}
	size_t best = SIZE_MAX;
	for (size_t c = 0; c < nc; c++)
		if (cand[c].count >= 5 && (best == SIZE_MAX || cand[c].count > cand[best].count))
			best = c;
	if (best != SIZE_MAX) {
		d->v->name.v = dup(d, cand[best].w, cand[best].n);
		d->v->name.src = (struct gd__nv_src){0, 40, NULL, "the upper-case name the notice repeats most"};
	}
}

static void finish(struct draft *d)
{
	struct gd__nv *v = d->v;
	for (size_t k = 0; k < v->nactivities && !d->rc; k++) {
		struct gd__nv_activity *a = &v->activities[k];
		a->id = make_id(d, a->name, k);
		if (!a->role)
			a->role = "controller";
		char *f = gd__notice_fold(d->ar, a->name, strlen(a->name));
		struct gd__lex_hit h;
		if (f && gd__lexicon_find(d->lx, "use", f, &h)) {
			a->purpose = h.key;
			a->purpose_src = a->src;
			a->purpose_src.conf = 70;
		} else if (a->description) {
			char *fd = gd__notice_fold(d->ar, a->description, strlen(a->description));
			if (fd && gd__lexicon_find(d->lx, "use", fd, &h)) {
				a->purpose = h.key;
				a->purpose_src = a->src;
				a->purpose_src.conf = 50;
			}
		}
		if (!a->basis && f && gd__lexicon_find(d->lx, "basis", f, &h) &&
		    strcmp(h.key, "contract") != 0) {
			/* "obligations légales de sécurité": the purpose names its basis */
			a->basis = h.key;
			a->basis_src = a->src;
			a->basis_src.conf = 60;
		}
		if (!a->basis && a->purpose && strcmp(a->purpose, "essential.legal_obligation") == 0) {
			/* a purpose that is an obligation ("les demandes relatives aux droits") */
			a->basis = "legal_obligation";
			a->basis_src = a->purpose_src;
			a->basis_src.conf = 50;
			a->basis_src.note = "the purpose is a legal obligation";
		}
		for (size_t u = 0; !a->basis && a->purpose && u < d->nuse_basis; u++)
			if (strcmp(d->use_basis[u].use, a->purpose) == 0) {
				a->basis = d->use_basis[u].basis;
				a->basis_src = d->use_basis[u].src;
				a->basis_detail = d->use_basis[u].src.quote;
			}
		if (!a->basis && f && strstr(f, "cookie")) {
			/* cookies not strictly necessary need consent (ePrivacy Art. 5(3)):
			   the law gives the basis when the notice is silent */
			a->basis = "consent";
			a->basis_src = a->src;
			a->basis_src.conf = 40;
			a->basis_src.note = "cookies need consent (ePrivacy Art. 5(3)) unless strictly necessary: check";
		}
		if (!a->basis && d->general_basis && a->purpose && strncmp(a->purpose, "essential", 9) == 0) {
			a->basis = d->general_basis;
			a->basis_src = d->general_basis_src;
			a->basis_detail = d->general_basis_src.quote;
		}
		/* the notice-wide lists, shared (read-only from here on): copying them
		   into each of many activities would multiply the input's size */
		if (a->categories.n == 0)
			a->categories = d->categories;
		if (a->subjects.n == 0)
			a->subjects = d->subjects;
	}
	if (!v->name.v)
		caps_name(d);
	/* the rights contact also gives the controller's address when nothing else does */
	if (!v->address.v && v->rights_postal.v) {
		v->address = v->rights_postal;
		v->address.src.conf = 40;
	}
	/* the events periods count from */
	for (size_t k = 0; k <= v->nactivities && !d->rc; k++) {
		struct gd__nv_retention *r = k < v->nactivities ? v->activities[k].retention : v->retention;
		size_t nr = k < v->nactivities ? v->activities[k].nretention : v->nretention;
		for (size_t j = 0; j < nr; j++)
			for (size_t s = 0; s < r[j].nstages; s++) {
				const char *ev = r[j].stages[s].from;
				bool known = strcmp(ev, "collection") == 0;
				for (size_t e = 0; e < v->nevents && !known; e++)
					known = strcmp(v->events[e].name, ev) == 0;
				if (known)
					continue;
				struct gd__nv_event *e =
					gd__nv_push(v->arena, &v->events, &v->nevents, &v->capevents, sizeof *e);
				if (!e) {
					OOM(d);
					return;
				}
				e->name = ev;
				e->description = r[j].text;
			}
	}
}

static void detect_language(struct draft *d, const char *language)
{
	if (language) {
		d->v->language = language;
		return;
	}
	/* the rule of kind "lang" with most phrase hits over the first sentences */
	size_t fr = 0, en = 0;
	for (size_t i = 0; i < d->n && i < 400; i++) {
		struct gd__lex_hit h;
		const char *p = d->s[i].norm;
		for (int k = 0; k < 4 && *p; k++) {
			/* count words of each language in this sentence */
			if (!gd__lexicon_find(d->lx, "lang", p, &h))
				break;
			if (strcmp(h.key, "fr") == 0)
				fr++;
			else
				en++;
			p += h.at + h.len;
		}
	}
	d->v->language = en > fr ? "en" : "fr";
}

int gd__notice_draft(struct gd__nv **out, const char *text, size_t len, const char *language)
{
	*out = NULL;
	int rc;
	const struct gd__lexicon *lx;
	if ((rc = gd__lexicon_get(&lx)) < 0)
		return rc;
	if (language && strcmp(language, "fr") != 0 && strcmp(language, "en") != 0)
		return gd__err(GD_EINVAL, "no lexicon for language '%s': use fr or en", language);
	struct gd__nv *v = gd__nv_new();
	if (!v)
		return gd__err(GD_ENOMEM, "out of memory");
	struct draft d = {.lx = lx, .v = v, .ar = v->arena, .act = -1, .col_purpose = -1, .col_sub = -1, .col_ret = -1, .col_basis = -1};
	if ((rc = gd__notice_split(v->arena, text, len, &d.s, &d.n)) < 0)
		goto done;
	if (!(d.used = gd__arena_alloc(v->arena, d.n + 1))) {
		rc = gd__err(GD_ENOMEM, "out of memory");
		goto done;
	}
	detect_language(&d, language);
	for (size_t i = 0; i < d.n && !d.rc;) {
		const struct gd__sentence *s = &d.s[i];
		if ((s->flags & GD__S_CELL) && s->row != d.last_row) {
			d.last_row = s->row;
			size_t next = table_row(&d, i);
			if (next != i) {
				/* the cells still feed contacts, rights and recipients below */
				for (size_t k = i; k < next; k++) {
					emails(&d, k);
					rights(&d, k);
				}
				i = next;
				continue;
			}
		}
		const char *role = key_of(&d, "role", s->norm);
		if (role)
			d.role = role;
		if ((s->flags & GD__S_HEADING) && !(s->flags & GD__S_CELL)) {
			heading_sentence(&d, i);
		} else {
			/* a sentence of the same line goes on with the item before it */
			if (s->flags & GD__S_BULLET)
				d.bullet_line = s->line;
			else if (s->line != d.bullet_line)
				d.colon_list = (s->flags & GD__S_COLON) != 0;
			if ((s->flags & GD__S_COLON) && !(s->flags & GD__S_BULLET)) {
				const char *intro = key_of(&d, "intro", s->norm);
				d.purpose_list = intro && strcmp(intro, "purposes") == 0;
				d.security_list = intro && strcmp(intro, "security") == 0;
				d.recipient_list = intro && strcmp(intro, "recipients") == 0;
				if (intro) {
					d.used[i] = true;
					d.act = -1;
					d.act_titled = false;
				}
			}
			if (!(s->flags & GD__S_COLON) || (s->flags & GD__S_BULLET))
				purposes_sentence(&d, i);
			security(&d, i);
			if ((s->flags & GD__S_BULLET) && !d.purpose_list && !d.security_list &&
			    (d.recipient_list || in_section(&d, "recipients")) && !in_section(&d, "security"))
				add_party(&d, i, s->text, strlen(s->text) > 200 ? 200 : strlen(s->text), 60);
			if (in_section(&d, "categories"))
				terms(&d, "category", s->norm, &d.categories);
			if (in_section(&d, "categories"))
				d.used[i] = d.used[i] || has(&d, "category", s->norm);
			/* periods outside any activity */
			if ((in_section(&d, "retention") || has(&d, "keep", s->norm)) && !d.used[i] &&
			    !(d.act >= 0 && d.act_titled) && strstr(s->norm, "cookie")) {
				int c = cookies_activity(&d, i);
				if (c >= 0 && parse_retention(&d, i, act_target(&v->activities[c])))
					d.used[i] = true;
			}
			if ((in_section(&d, "retention") || has(&d, "keep", s->norm)) && !d.used[i] &&
			    !(d.act >= 0 && d.act_titled)) {
				if (parse_retention(&d, i, (struct ret_target){&v->retention, &v->nretention, &v->capretention}))
					d.used[i] = true;
			}
			use_bases(&d, i);
			shared_with(&d, i);
			recipient_items(&d, i);
			transfers(&d, i);
			if (!(s->flags & GD__S_BULLET))
				enumerated_purposes(&d, i);
		}
		if (s->row == 0 || s->row != d.header_row) {
			emails(&d, i);
			phones(&d, i);
			addresses(&d, i);
			dpo_name(&d, i);
			controller_name(&d, i);
			registration(&d, i);
			rights(&d, i);
			authority(&d, i);
		}
		/* subjects named often give the default of activities that name none */
		struct gd__nv_list seen = {0};
		terms(&d, "subject", s->norm, &seen);
		for (size_t k = 0; k < seen.n; k++)
			for (size_t j = 0; j < sizeof d.subject_keys / sizeof *d.subject_keys; j++) {
				if (!d.subject_keys[j])
					d.subject_keys[j] = seen.v[k];
				if (strcmp(d.subject_keys[j], seen.v[k]) == 0) {
					if (++d.subject_count[j] == 3 && gd__nv_list_add(d.ar, &d.subjects, seen.v[k]) < 0)
						OOM(&d);
					break;
				}
			}
		i++;
	}
	finish(&d);
	/* every sentence no rule used is kept for the reader */
	for (size_t i = 0; i < d.n && !d.rc; i++) {
		if (d.used[i])
			continue;
		struct gd__nv_note *nt = gd__nv_push(v->arena, &v->notes, &v->nnotes, &v->capnotes, sizeof *nt);
		if (!nt) {
			OOM(&d);
			break;
		}
		nt->line = d.s[i].line;
		nt->text = d.s[i].text;
	}
	if (d.rc)
		rc = gd__err(d.rc, "out of memory");
done:
	if (rc < 0)
		gd__nv_free(v);
	else
		*out = v;
	return rc;
}
