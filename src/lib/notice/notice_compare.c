/*
 * notice_compare.c — a notice against a register: both are notice views
 * (the notice drafted, the register through the adapter), compared item by
 * item. The same matching scores a draft against a hand-written register
 * (gd__nv_score, used by the measurement test and docs/notice.md).
 *
 * Matching, kept simple so a reader can check it by hand:
 *  - texts (purposes, recipients, contacts) match when they share content
 *    words (≥ 4 letters, not a stop word, compared on their first 5
 *    letters): at least one, and half of the shorter text's or three;
 *  - periods match on their length ("3 years", "13 months", "0 days" for
 *    "until the event") — the events' names are each writer's own;
 *  - rights on their kind, emails exactly.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <strings.h>
#include <string.h>

#include "lib/vault/arena.h"
#include "lib/internal.h"
#include "lib/notice/notice.h"

#define MAXTOK 64

struct toks {
	char t[MAXTOK][6];
	size_t n;
};

static bool stopword(const char *w, size_t n)
{
	static const char *const stop[] = {
		"donnees", "donnee", "personnel", "personnelles", "personnelle", "traitement", "traitements",
		"gestion", "data", "personal", "processing", "their", "your", "with", "pour", "dans",
		"avec", "leur", "leurs", "nous", "vous", "notre", "votre", "sont", "etre", "which", "from",
		"that", "this", "have", "the", "des", "les", "aux", "afin", "cadre", "ainsi", "plus",
		"tout", "toute", "toutes", "tous", "par", "sur", "caractere", "relatives", "relative",
		"concernant", "such", "other", "autres", "entre", "elles", "ceux", "celles", "also",
		"egalement", "notamment", "including", "about", "management", "manage", "nos", "our",
		"ours", "lorsque", "when", "where", "dont", "cette", "these", "those", "service",
		"services", "client", "clients", "customer", "customers"};
	for (size_t i = 0; i < sizeof stop / sizeof *stop; i++)
		if (strlen(stop[i]) == n && strncmp(stop[i], w, n) == 0)
			return true;
	return false;
}

static void tokens(struct gd__arena *ar, const char *s, struct toks *t)
{
	t->n = 0;
	if (!s)
		return;
	char *f = gd__notice_fold(ar, s, strlen(s));
	if (!f)
		return;
	for (const char *p = f; *p && t->n < MAXTOK;) {
		while (*p && !isalnum((unsigned char)*p))
			p++;
		const char *w = p;
		while (isalnum((unsigned char)*p))
			p++;
		size_t n = (size_t)(p - w);
		bool digits = n >= 2 && isdigit((unsigned char)w[0]);
		if ((n < 4 && !digits) || stopword(w, n))
			continue;
		size_t k = n < 5 ? n : 5;
		char tok[6];
		memcpy(tok, w, k);
		tok[k] = 0;
		bool dupe = false;
		for (size_t i = 0; i < t->n; i++)
			dupe |= strcmp(t->t[i], tok) == 0;
		if (!dupe)
			memcpy(t->t[t->n++], tok, 6);
	}
}

bool gd__nv_similar(const char *a, const char *b)
{
	struct gd__arena *ar = gd__arena_new();
	if (!ar)
		return false;
	struct toks ta, tb;
	tokens(ar, a, &ta);
	tokens(ar, b, &tb);
	size_t common = 0;
	for (size_t i = 0; i < ta.n; i++)
		for (size_t j = 0; j < tb.n; j++)
			if (strcmp(ta.t[i], tb.t[j]) == 0) {
				common++;
				break;
			}
	size_t small = ta.n < tb.n ? ta.n : tb.n;
	gd__arena_free(ar);
	return common >= 1 && (common * 2 >= small || common >= 3);
}

/* The expected activity's words: name, description, sub-purposes. */
static char *activity_words(struct gd__arena *ar, const struct gd__nv_activity *a)
{
	size_t n = strlen(a->name ? a->name : "") + strlen(a->description ? a->description : "") + 4;
	for (size_t i = 0; i < a->sub_purposes.n; i++)
		n += strlen(a->sub_purposes.v[i]) + 3;
	char *s = gd__arena_alloc(ar, n);
	if (!s)
		return NULL;
	strcpy(s, a->name ? a->name : "");
	if (a->description) {
		strcat(s, " ; ");
		strcat(s, a->description);
	}
	for (size_t i = 0; i < a->sub_purposes.n; i++) {
		strcat(s, " ; ");
		strcat(s, a->sub_purposes.v[i]);
	}
	return s;
}

/* A period as its length in words, months folded into years when whole. */
static void period_key(char out[64], struct gd__nv_period p)
{
	int months = p.years * 12 + p.months;
	struct gd__nv_period q = {months % 12 == 0 ? months / 12 : 0, months % 12 == 0 ? 0 : months, p.days};
	gd__nv_period_str(out, q);
}

/* The period keys a view states ('D'elete and anonymise stages; not "not stated" rules). */
static int period_keys(struct gd__arena *ar, const struct gd__nv *v, struct gd__nv_list *keys,
                       struct gd__nv_list *texts)
{
	for (size_t k = 0; k <= v->nactivities; k++) {
		const struct gd__nv_retention *r = k < v->nactivities ? v->activities[k].retention : v->retention;
		size_t nr = k < v->nactivities ? v->activities[k].nretention : v->nretention;
		for (size_t j = 0; j < nr; j++) {
			if (r[j].text && strstr(r[j].text, "not stated"))
				continue;
			for (size_t s = 0; s < r[j].nstages; s++) {
				if (r[j].stages[s].action == GD__NV_ARCHIVE)
					continue;
				char key[64];
				period_key(key, r[j].stages[s].after);
				if (!gd__nv_list_has(keys, key)) {
					if (gd__nv_list_add(ar, keys, key) < 0)
						return GD_ENOMEM;
					const char **t = gd__nv_push(ar, &texts->v, &texts->n, &texts->cap, sizeof *t);
					if (!t)
						return GD_ENOMEM;
					*t = r[j].text ? r[j].text : "";
				}
			}
		}
	}
	return 0;
}

/* Every party of a view: its own and its activities', once by name. */
static int all_parties(struct gd__arena *ar, const struct gd__nv *v, struct gd__nv_list *names)
{
	for (size_t i = 0; i < v->nparties; i++)
		if (gd__nv_list_add(ar, names, v->parties[i].name) < 0)
			return GD_ENOMEM;
	for (size_t k = 0; k < v->nactivities; k++)
		for (size_t i = 0; i < v->activities[k].nparties; i++)
			if (gd__nv_list_add(ar, names, v->activities[k].parties[i].name) < 0)
				return GD_ENOMEM;
	return 0;
}

static bool stated_basis(const struct gd__nv_activity *a)
{
	const char *d = a->basis_detail;
	return !(d && (strstr(d, "names no basis") || strstr(d, "names no basis for it") ||
	               strstr(d, "not stated") || strstr(d, "the notice names none")));
}

static bool has_right(const struct gd__nv *v, const char *kind)
{
	for (size_t i = 0; i < v->nrights; i++)
		if (strcmp(v->rights[i].kind, kind) == 0)
			return true;
	return false;
}

static bool same_contact(const char *key, const char *a, const char *b)
{
	if (!a || !b)
		return false;
	if (strstr(key, "email"))
		return strcasecmp(a, b) == 0;
	if (strstr(key, "phone")) {
		char da[32], db[32];
		size_t na = 0, nb = 0;
		for (const char *p = a; *p && na < 31; p++)
			if (isdigit((unsigned char)*p))
				da[na++] = *p;
		for (const char *p = b; *p && nb < 31; p++)
			if (isdigit((unsigned char)*p))
				db[nb++] = *p;
		return na == nb && memcmp(da, db, na) == 0;
	}
	return gd__nv_similar(a, b);
}

struct contact_field {
	const char *key;
	size_t off;
};

#define CF(k, f) \
	{ \
		k, offsetof(struct gd__nv, f) \
	}
static const struct contact_field contacts[] = {
	CF("controller name", name), CF("controller address", address),
	CF("controller registration", registration), CF("controller email", email),
	CF("DPO name", dpo_name), CF("DPO email", dpo_email), CF("DPO phone", dpo_phone),
	CF("DPO address", dpo_address), CF("authority", authority),
	CF("rights email", rights_email), CF("rights postal address", rights_postal)};

static const char *field_v(const struct gd__nv *v, size_t off)
{
	return ((const struct gd__nv_field *)((const char *)v + off))->v;
}

int gd__nv_score(const struct gd__nv *draft, const struct gd__nv *exp, struct gd__nv_score out[GD__NV_KINDS])
{
	memset(out, 0, GD__NV_KINDS * sizeof *out);
	struct gd__arena *ar = gd__arena_new();
	if (!ar)
		return gd__err(GD_ENOMEM, "out of memory");
	int rc = 0;
	char **words = gd__arena_alloc(ar, (exp->nactivities + 1) * sizeof *words);
	if (!words) {
		rc = gd__err(GD_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t e = 0; e < exp->nactivities; e++)
		if (!(words[e] = activity_words(ar, &exp->activities[e]))) {
			rc = gd__err(GD_ENOMEM, "out of memory");
			goto done;
		}
	/* activities and bases */
	for (size_t e = 0; e < exp->nactivities; e++) {
		const struct gd__nv_activity *ea = &exp->activities[e];
		out[0].expected++;
		bool stated = stated_basis(ea);
		out[1].expected += stated;
		bool found = false, bfound = false;
		for (size_t k = 0; k < draft->nactivities; k++)
			if (gd__nv_similar(draft->activities[k].name, words[e])) {
				found = true;
				bfound |= draft->activities[k].basis && ea->basis &&
				          strcmp(draft->activities[k].basis, ea->basis) == 0;
			}
		out[0].found += found;
		out[1].found += stated && bfound;
	}
	for (size_t k = 0; k < draft->nactivities; k++) {
		const struct gd__nv_activity *da = &draft->activities[k];
		out[0].drafted++;
		const struct gd__nv_activity *m = NULL;
		bool basis_ok = false;
		for (size_t e = 0; e < exp->nactivities; e++)
			if (gd__nv_similar(da->name, words[e])) {
				if (!m)
					m = &exp->activities[e];
				basis_ok |= da->basis && exp->activities[e].basis &&
				            strcmp(da->basis, exp->activities[e].basis) == 0;
			}
		out[0].wrong += m == NULL;
		if (da->basis) {
			out[1].drafted++;
			out[1].wrong += !basis_ok;
		}
	}
	/* periods */
	struct gd__nv_list dk = {0}, ek = {0}, dt = {0}, et = {0};
	if (period_keys(ar, draft, &dk, &dt) < 0 || period_keys(ar, exp, &ek, &et) < 0) {
		rc = gd__err(GD_ENOMEM, "out of memory");
		goto done;
	}
	out[2].expected = ek.n;
	out[2].drafted = dk.n;
	for (size_t i = 0; i < ek.n; i++)
		out[2].found += gd__nv_list_has(&dk, ek.v[i]);
	for (size_t i = 0; i < dk.n; i++)
		out[2].wrong += !gd__nv_list_has(&ek, dk.v[i]);
	/* recipients */
	struct gd__nv_list dp = {0}, ep = {0};
	if (all_parties(ar, draft, &dp) < 0 || all_parties(ar, exp, &ep) < 0) {
		rc = gd__err(GD_ENOMEM, "out of memory");
		goto done;
	}
	out[3].expected = ep.n;
	out[3].drafted = dp.n;
	for (size_t i = 0; i < ep.n; i++) {
		bool f = false;
		for (size_t j = 0; j < dp.n && !f; j++)
			f = gd__nv_similar(dp.v[j], ep.v[i]);
		out[3].found += f;
	}
	for (size_t j = 0; j < dp.n; j++) {
		bool f = false;
		for (size_t i = 0; i < ep.n && !f; i++)
			f = gd__nv_similar(dp.v[j], ep.v[i]);
		out[3].wrong += !f;
	}
	/* rights */
	out[4].expected = exp->nrights;
	out[4].drafted = draft->nrights;
	for (size_t i = 0; i < exp->nrights; i++)
		out[4].found += has_right(draft, exp->rights[i].kind);
	for (size_t i = 0; i < draft->nrights; i++)
		out[4].wrong += !has_right(exp, draft->rights[i].kind);
	/* contacts */
	for (size_t c = 0; c < sizeof contacts / sizeof *contacts; c++) {
		const char *e = field_v(exp, contacts[c].off), *d = field_v(draft, contacts[c].off);
		bool ok = same_contact(contacts[c].key, d, e);
		out[5].expected += e != NULL;
		out[5].found += e && ok;
		out[5].drafted += d != NULL;
		out[5].wrong += d && !ok;
	}
done:
	gd__arena_free(ar);
	return rc;
}

const char *const gd__nv_kind_names[GD__NV_KINDS] = {"activities", "bases", "retention periods",
                                                     "recipients", "rights", "contacts"};

/* ---- gd_notice_compare ---- */

struct emit {
	int (*cb)(void *ud, const gd_notice_gap *g);
	void *ud;
	size_t n;
	int rc;
};

static void gap(struct emit *e, char side, const char *kind, const char *what, int line)
{
	if (e->rc)
		return;
	e->n++;
	if (e->cb) {
		gd_notice_gap g = {side, kind, what ? what : "", line};
		e->rc = e->cb(e->ud, &g);
	}
}

static void compare(const struct gd__nv *n, const struct gd__nv *r, struct emit *e, struct gd__arena *ar)
{
	/* the notice's side */
	for (size_t k = 0; k < n->nactivities; k++) {
		bool f = false;
		for (size_t j = 0; j < r->nactivities && !f; j++)
			f = gd__nv_similar(n->activities[k].name, activity_words(ar, &r->activities[j]));
		if (!f)
			gap(e, 'N', "activity", n->activities[k].name, n->activities[k].src.line);
	}
	/* a basis the notice states that the matching register activities do not declare */
	for (size_t k = 0; k < n->nactivities; k++) {
		const struct gd__nv_activity *a = &n->activities[k];
		if (!a->basis)
			continue;
		bool matched = false, same = false;
		for (size_t j = 0; j < r->nactivities && !same; j++)
			if (gd__nv_similar(a->name, activity_words(ar, &r->activities[j]))) {
				matched = true;
				same = r->activities[j].basis && strcmp(r->activities[j].basis, a->basis) == 0;
			}
		if (matched && !same) {
			char buf[400];
			snprintf(buf, sizeof buf, "%.300s: %s", a->name, a->basis);
			gap(e, 'N', "basis", buf, a->basis_src.line);
		}
	}
	struct gd__nv_list nk = {0}, rk = {0}, nt = {0}, rt = {0}, np = {0}, rp = {0};
	if (period_keys(ar, n, &nk, &nt) < 0 || period_keys(ar, r, &rk, &rt) < 0 ||
	    all_parties(ar, n, &np) < 0 || all_parties(ar, r, &rp) < 0) {
		e->rc = GD_ENOMEM;
		return;
	}
	for (size_t i = 0; i < nk.n; i++)
		if (!gd__nv_list_has(&rk, nk.v[i])) {
			char buf[600];
			snprintf(buf, sizeof buf, "%s (\"%.500s\")", nk.v[i], nt.v[i]);
			gap(e, 'N', "period", buf, 0);
		}
	for (size_t i = 0; i < np.n; i++) {
		bool f = false;
		for (size_t j = 0; j < rp.n && !f; j++)
			f = gd__nv_similar(np.v[i], rp.v[j]);
		if (!f)
			gap(e, 'N', "recipient", np.v[i], 0);
	}
	for (size_t i = 0; i < n->nrights; i++)
		if (!has_right(r, n->rights[i].kind))
			gap(e, 'N', "right", n->rights[i].kind, n->rights[i].src.line);
	for (size_t i = 0; i < n->ntransfers; i++) {
		const struct gd__nv_transfer *t = &n->transfers[i];
		if (t->invalid)
			gap(e, 'N', "transfer", t->invalid, t->src.line);
		else if (t->country) {
			bool f = false;
			for (size_t k = 0; k < r->nactivities && !f; k++)
				for (size_t j = 0; j < r->activities[k].ntransfers && !f; j++)
					f = r->activities[k].transfers[j].country &&
					    strcmp(r->activities[k].transfers[j].country, t->country) == 0;
			if (!f)
				gap(e, 'N', "transfer", t->country, t->src.line);
		}
	}
	for (size_t c = 0; c < sizeof contacts / sizeof *contacts; c++) {
		const char *nv = field_v(n, contacts[c].off), *rv = field_v(r, contacts[c].off);
		if (nv && !same_contact(contacts[c].key, nv, rv)) {
			char buf[400];
			snprintf(buf, sizeof buf, "%s: %.300s", contacts[c].key, nv);
			gap(e, 'N', "contact", buf, ((const struct gd__nv_field *)((const char *)n + contacts[c].off))->src.line);
		}
	}
	/* the register's side */
	for (size_t j = 0; j < r->nactivities; j++) {
		const char *w = activity_words(ar, &r->activities[j]);
		bool f = false;
		for (size_t k = 0; k < n->nactivities && !f; k++)
			f = gd__nv_similar(n->activities[k].name, w);
		if (!f)
			gap(e, 'R', "activity", r->activities[j].name, 0);
	}
	for (size_t i = 0; i < rk.n; i++)
		if (!gd__nv_list_has(&nk, rk.v[i])) {
			char buf[600];
			snprintf(buf, sizeof buf, "%s (\"%.500s\")", rk.v[i], rt.v[i]);
			gap(e, 'R', "period", buf, 0);
		}
	for (size_t i = 0; i < rp.n; i++) {
		bool f = false;
		for (size_t j = 0; j < np.n && !f; j++)
			f = gd__nv_similar(np.v[j], rp.v[i]);
		if (!f)
			gap(e, 'R', "recipient", rp.v[i], 0);
	}
	for (size_t i = 0; i < r->nrights; i++)
		if (!has_right(n, r->rights[i].kind))
			gap(e, 'R', "right", r->rights[i].kind, 0);
	for (size_t k = 0; k < r->nactivities; k++)
		for (size_t j = 0; j < r->activities[k].ntransfers; j++) {
			const char *c = r->activities[k].transfers[j].country;
			bool f = false;
			for (size_t i = 0; i < n->ntransfers && !f; i++)
				f = c && n->transfers[i].country && strcmp(n->transfers[i].country, c) == 0;
			if (!f && c)
				gap(e, 'R', "transfer", c, 0);
		}
	for (size_t c = 0; c < sizeof contacts / sizeof *contacts; c++) {
		const char *nv = field_v(n, contacts[c].off), *rv = field_v(r, contacts[c].off);
		if (rv && !same_contact(contacts[c].key, nv, rv)) {
			char buf[400];
			snprintf(buf, sizeof buf, "%s: %.300s", contacts[c].key, rv);
			gap(e, 'R', "contact", buf, 0);
		}
	}
}

int gd_notice_compare(const char *notice_path, const char *register_path, const char *language,
                      int (*cb)(void *ud, const gd_notice_gap *g), void *ud, size_t *out_gaps)
{
	if (out_gaps)
		*out_gaps = 0;
	struct gd__nv *n = NULL, *r = NULL;
	struct gd__arena *ar = NULL;
	char *text = NULL;
	size_t len = 0;
	int rc = gd__nv_from_register_file(&r, register_path);
	if (rc < 0)
		goto done;
	if ((rc = gd__notice_read_file(notice_path, &text, &len)) < 0 ||
	    (rc = gd__notice_draft(&n, text, len, language)) < 0)
		goto done;
	if (!(ar = gd__arena_new())) {
		rc = gd__err(GD_ENOMEM, "out of memory");
		goto done;
	}
	struct emit e = {cb, ud, 0, 0};
	compare(n, r, &e, ar);
	if (e.rc == GD_ENOMEM)
		rc = gd__err(GD_ENOMEM, "out of memory");
	else
		rc = e.rc;
	if (out_gaps)
		*out_gaps = e.n;
done:
	gd__arena_free(ar);
	gd__free(text);
	gd__nv_free(n);
	gd__nv_free(r);
	return rc;
}
