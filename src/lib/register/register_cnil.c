/*
 * register_cnil.c — the register in the CNIL's register template ("modèle de
 * registre", fiche de registre): one row per activity, the template's
 * columns and French labels, written as CSV (for spreadsheets: UTF-8 with a
 * byte-order mark, RFC 4180) or as a flat OpenDocument spreadsheet (.fods).
 *
 * Invariants:
 *  - both formats are built from the same cells (cells_of), so they always
 *    hold the same text;
 *  - a cell is never cut: each is a growable buffer (util/buf.h) of at most
 *    CELL_MAX bytes, and running out of memory or past the cap fails the
 *    export instead of writing a short cell;
 *  - a CSV cell starting with = + - @ (or a tab or carriage return) gets a
 *    leading ' so that a spreadsheet shows it instead of running it as a
 *    formula; .fods cells are typed strings, never formulas;
 *  - output is deterministic: the same register gives the same bytes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/internal.h"
#include "lib/register/register.h"
#include "lib/register/taxonomy.h"
#include "util/buf.h"

/* ---- cells ---- */

/* A cell is one growable buffer (util/buf.h): never cut, at most CELL_MAX bytes. */
#define CELL_MAX (1u << 20)

struct row {
	struct gd__buf *c;
};

static void add(struct row *r, size_t col, const char *fmt, ...) GD__PRINTF(3, 4);
static void add(struct row *r, size_t col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	gd__buf_vprintf(&r->c[col], fmt, ap);
	va_end(ap);
}

/* Appends `s` to a cell, after `sep` when the cell already holds something. */
static void add_item(struct row *r, size_t col, const char *sep, const char *s)
{
	if (s && *s)
		add(r, col, "%s%s", r->c[col].n ? sep : "", s);
}

static const char *cell(const struct row *r, size_t col)
{
	return r->c[col].n ? r->c[col].p : "";
}

/* ---- the template's columns ---- */

/* The columns, grouped as the template groups them. */
/* clang-format off */
enum col {
	C_NAME, C_REF, C_CREATED, C_UPDATED, C_CONTROLLER, C_DPO, C_REPRESENTATIVE, C_JOINT, C_ROLE,
	C_PURPOSE, C_SUB_PURPOSES, C_BASIS, C_SUBJECTS,
	C_CAT_IDENTITY, C_CAT_PERSONAL, C_CAT_WORK, C_CAT_FINANCIAL, C_CAT_CONNECTION, C_CAT_LOCATION,
	C_CAT_INTERNET, C_CAT_OTHER, C_SENSITIVE, C_SOURCES,
	C_RECIP_INTERNAL, C_RECIP_EXTERNAL, C_PROCESSORS,
	C_TR_RECIPIENT, C_TR_COUNTRY, C_TR_SAFEGUARD, C_TR_DOC,
	C_RETENTION,
	C_SEC_ACCESS, C_SEC_TRACE, C_SEC_SOFTWARE, C_SEC_BACKUP, C_SEC_ENCRYPTION, C_SEC_PROCESSORS,
	C_SEC_OTHER,
	NCOLS
};

static const char *const labels[NCOLS] = {
	"Nom / sigle", "N° / REF", "Date de création", "Mise à jour", "Responsable du traitement",
	"Délégué à la protection des données", "Représentant", "Responsable(s) conjoint(s)",
	"Qualité (responsable / sous-traitant)", "Finalité principale", "Sous-finalités", "Base légale",
	"Catégories de personnes concernées",
	"État civil, identité, données d'identification, images",
	"Vie personnelle (habitudes de vie, situation familiale, etc.)",
	"Vie professionnelle (CV, scolarité, formation professionnelle, distinctions, etc.)",
	"Informations d'ordre économique et financier (revenus, situation financière, données bancaires, etc.)",
	"Données de connexion (adresses IP, logs, etc.)",
	"Données de localisation (déplacements, données GPS, GSM, etc.)",
	"Internet (cookies, traceurs, données de navigation, mesures d'audience, etc.)",
	"Autres catégories de données", "Données sensibles", "Sources des données",
	"Destinataires internes", "Organismes externes", "Sous-traitants",
	"Transferts hors UE : destinataire", "Transferts hors UE : pays",
	"Transferts hors UE : type de garanties", "Transferts hors UE : lien vers la documentation",
	"Durées de conservation",
	"Contrôle d'accès des utilisateurs", "Mesures de traçabilité", "Mesures de protection des logiciels",
	"Sauvegarde des données", "Chiffrement des données", "Contrôle des sous-traitants",
	"Autres mesures de sécurité",
};
/* clang-format on */

/* The template's category groups, by fideslang key prefix; the first match wins. */
static const struct {
	const char *prefix;
	enum col col;
} category_groups[] = {
	{"user.device.cookie", C_CAT_INTERNET},
	{"user.behavior.browsing_history", C_CAT_INTERNET},
	{"user.behavior.search_history", C_CAT_INTERNET},
	{"user.telemetry", C_CAT_INTERNET},
	{"user.device", C_CAT_CONNECTION},
	{"user.authorization", C_CAT_CONNECTION},
	{"user.account", C_CAT_CONNECTION},
	{"system", C_CAT_CONNECTION},
	{"user.location", C_CAT_LOCATION},
	{"user.financial", C_CAT_FINANCIAL},
	{"user.payment", C_CAT_FINANCIAL},
	{"user.behavior.purchase_history", C_CAT_FINANCIAL},
	{"user.workplace", C_CAT_WORK},
	{"user.job_title", C_CAT_WORK},
	{"user.contact.organization", C_CAT_WORK},
	{"user.demographic.marital_status", C_CAT_PERSONAL},
	{"user.behavior", C_CAT_PERSONAL},
	{"user.content.self_image", C_CAT_IDENTITY},
	{"user.content", C_CAT_PERSONAL},
	{"user.social", C_CAT_PERSONAL},
	{"user.privacy_preferences", C_CAT_PERSONAL},
	{"user.childrens", C_CAT_PERSONAL},
	{"user.name", C_CAT_IDENTITY},
	{"user.contact", C_CAT_IDENTITY},
	{"user.government_id", C_CAT_IDENTITY},
	{"user.demographic", C_CAT_IDENTITY},
	{"user.unique_id", C_CAT_IDENTITY},
};

/* Security measures by the words they use; the first match wins, the rest are "other". */
static const struct {
	const char *word;
	enum col col;
} security_words[] = {
	{"sauvegard", C_SEC_BACKUP},
	{"backup", C_SEC_BACKUP},
	{"chiffr", C_SEC_ENCRYPTION},
	{"encrypt", C_SEC_ENCRYPTION},
	{"tls", C_SEC_ENCRYPTION},
	{"https", C_SEC_ENCRYPTION},
	{"crypt", C_SEC_ENCRYPTION},
	{"sous-traitant", C_SEC_PROCESSORS},
	{"processor", C_SEC_PROCESSORS},
	{"trac", C_SEC_TRACE},
	{"journal", C_SEC_TRACE},
	{"log", C_SEC_TRACE},
	{"antivirus", C_SEC_SOFTWARE},
	{"pare-feu", C_SEC_SOFTWARE},
	{"firewall", C_SEC_SOFTWARE},
	{"mise à jour", C_SEC_SOFTWARE},
	{"patch", C_SEC_SOFTWARE},
	{"logiciel", C_SEC_SOFTWARE},
	{"accès", C_SEC_ACCESS},
	{"access", C_SEC_ACCESS},
	{"habilit", C_SEC_ACCESS},
	{"authentif", C_SEC_ACCESS},
	{"mot de passe", C_SEC_ACCESS},
	{"password", C_SEC_ACCESS},
	{"mfa", C_SEC_ACCESS},
	{"role", C_SEC_ACCESS},
	{"rôle", C_SEC_ACCESS},
};

static const char *const basis_fr[] = {
	"Consentement (art. 6.1.a RGPD)",
	"Exécution d'un contrat ou de mesures précontractuelles (art. 6.1.b RGPD)",
	"Obligation légale (art. 6.1.c RGPD)",
	"Sauvegarde des intérêts vitaux (art. 6.1.d RGPD)",
	"Mission d'intérêt public (art. 6.1.e RGPD)",
	"Intérêt légitime (art. 6.1.f RGPD)",
	"Non précisée par la notice d'information",
};
static const char *const safeguard_fr[] = {
	"Décision d'adéquation (art. 45 RGPD)",
	"Clauses contractuelles types (art. 46.2.c RGPD)",
	"Règles d'entreprise contraignantes (art. 47 RGPD)",
	"Dérogation pour une situation particulière (art. 49 RGPD)",
	"Aucune (pays de l'UE ou de l'EEE)",
};
static const char *const stage_fr[] = {"archivage", "anonymisation", "suppression"};

static bool starts_with(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(s, prefix, n) == 0 && (s[n] == 0 || s[n] == '.');
}

/* True when `word` occurs in `s`, ASCII letters compared without case. */
static bool has_word(const char *s, const char *word)
{
	size_t n = strlen(word);
	for (; *s; s++) {
		size_t i = 0;
		while (i < n && s[i] && (s[i] == word[i] || ((unsigned char)s[i] < 0x80 && (s[i] | 0x20) == word[i] && word[i] >= 'a' && word[i] <= 'z')))
			i++;
		if (i == n)
			return true;
	}
	return false;
}

/* A category's name for people: the taxonomy's, the controller's own, or the key. */
static const char *category_label(const struct gd__register *r, const char *key)
{
	const struct gd__term *t = gd__taxonomy_find(GD__TAXO_CATEGORY, key);
	if (t && t->label && *t->label)
		return t->label;
	for (size_t i = 0; i < r->nterms; i++)
		if (r->terms[i].kind == GD__TAXO_CATEGORY && strcmp(r->terms[i].key, key) == 0 && r->terms[i].name)
			return r->terms[i].name;
	return key;
}

static const char *term_label(enum gd__taxo_kind kind, const struct gd__register *r, const char *key)
{
	const struct gd__term *t = gd__taxonomy_find(kind, key);
	if (t && t->label && *t->label)
		return t->label;
	for (size_t i = 0; i < r->nterms; i++)
		if (r->terms[i].kind == (int)kind && strcmp(r->terms[i].key, key) == 0 && r->terms[i].name)
			return r->terms[i].name;
	return key;
}

/* "3 ans 6 mois", "0 jour". */
static void period_fr(struct row *row, size_t col, struct gd__period p)
{
	bool any = false;
	if (p.years)
		add(row, col, "%d an%s", p.years, p.years > 1 ? "s" : ""), any = true;
	if (p.months)
		add(row, col, "%s%d mois", any ? " " : "", p.months), any = true;
	if (p.days || !any)
		add(row, col, "%s%d jour%s", any ? " " : "", p.days, p.days > 1 ? "s" : "");
}

/* An event as the register describes it ("collection": the collection). */
static void event_fr(struct row *row, size_t col, const struct gd__register *r, const char *name)
{
	if (strcmp(name, "collection") == 0) {
		add(row, col, "la collecte");
		return;
	}
	for (size_t i = 0; i < r->nevents; i++)
		if (strcmp(r->events[i].name, name) == 0 && r->events[i].description) {
			add(row, col, "%s", r->events[i].description);
			return;
		}
	add(row, col, "%s", name);
}

static void parties(struct row *row, size_t col, const struct gd__party *p)
{
	add(row, col, "%s%s", row->c[col].n ? " ; " : "", p->name);
	bool open = false;
	for (size_t k = 0; k < p->countries.n; k++)
		add(row, col, "%s%s", open ? ", " : " (", p->countries.v[k]), open = true;
	if (!p->countries.n && p->country)
		add(row, col, " (%s", p->country), open = true;
	if (p->purpose)
		add(row, col, "%s%s", open ? " : " : " (", p->purpose), open = true;
	if (p->contract_date)
		add(row, col, "%scontrat du %s%s%s", open ? ", " : " (", p->contract_date, p->contract_reference ? " " : "",
		    p->contract_reference ? p->contract_reference : ""),
			open = true;
	if (open)
		add(row, col, ")");
	for (size_t k = 0; k < p->nsub_processors; k++) {
		const struct gd__party *s = &p->sub_processors[k];
		add(row, col, "%s%s (sous-traitant ultérieur", k ? " ; " : " — fait appel à ", s->name);
		for (size_t c = 0; c < s->countries.n; c++)
			add(row, col, ", %s", s->countries.v[c]);
		add(row, col, ")");
	}
}

/* Fills the template's cells of one activity. */
static void cells_of(const struct gd__register *r, const struct gd__activity *a, struct row *row)
{
	add_item(row, C_NAME, "", a->name);
	add_item(row, C_REF, "", a->id);
	add_item(row, C_CREATED, "", a->created);
	add_item(row, C_UPDATED, "", a->updated ? a->updated : r->notice.updated);
	add_item(row, C_CONTROLLER, ", ", r->controller.name);
	add_item(row, C_CONTROLLER, ", ", r->controller.address);
	add_item(row, C_CONTROLLER, ", ", r->controller.registration);
	add_item(row, C_CONTROLLER, ", ", r->controller.email);
	add_item(row, C_DPO, ", ", r->dpo.name);
	add_item(row, C_DPO, ", ", r->dpo.address);
	add_item(row, C_DPO, ", ", r->dpo.email);
	add_item(row, C_DPO, ", ", r->dpo_phone);
	add_item(row, C_REPRESENTATIVE, ", ", r->representative.name);
	add_item(row, C_REPRESENTATIVE, ", ", r->representative.address);
	add_item(row, C_REPRESENTATIVE, ", ", r->representative.email);
	for (size_t i = 0; i < a->njoint; i++) {
		const struct gd__joint *j = &a->joint[i];
		add(row, C_JOINT, "%s%s", row->c[C_JOINT].n ? " ; " : "", j->name);
		if (j->country)
			add(row, C_JOINT, " (%s)", j->country);
		if (j->email)
			add(row, C_JOINT, ", %s", j->email);
		if (j->arrangement)
			add(row, C_JOINT, " : accord : %s", j->arrangement);
	}
	if (a->role == GD__ROLE_PROCESSOR)
		add(row, C_ROLE, "Sous-traitant pour le compte de %s", a->on_behalf_of ? a->on_behalf_of : "?");
	else
		add(row, C_ROLE, "Responsable de traitement");
	if (a->description) {
		add_item(row, C_PURPOSE, "", a->description);
	} else {
		for (size_t i = 0; i < a->purposes.n; i++)
			add_item(row, C_PURPOSE, " ; ", term_label(GD__TAXO_USE, r, a->purposes.v[i]));
	}
	for (size_t i = 0; i < a->sub_purposes.n; i++)
		add_item(row, C_SUB_PURPOSES, " ; ", a->sub_purposes.v[i]);
	add(row, C_BASIS, "%s", basis_fr[a->basis]);
	if (a->basis_detail)
		add(row, C_BASIS, " : %s", a->basis_detail);
	for (size_t i = 0; i < a->subjects.n; i++)
		add_item(row, C_SUBJECTS, " ; ", term_label(GD__TAXO_SUBJECT, r, a->subjects.v[i]));
	for (size_t i = 0; i < a->categories.n; i++) {
		const char *key = a->categories.v[i];
		enum col col = C_CAT_OTHER;
		for (size_t g = 0; g < sizeof category_groups / sizeof *category_groups; g++)
			if (starts_with(key, category_groups[g].prefix)) {
				col = category_groups[g].col;
				break;
			}
		if (gd__taxonomy_special(key))
			add_item(row, C_SENSITIVE, " ; ", category_label(r, key));
		else
			add_item(row, col, " ; ", category_label(r, key));
	}
	if (row->c[C_SENSITIVE].n && a->art9_condition)
		add(row, C_SENSITIVE, " (condition de l'art. 9.2 : %s)", a->art9_condition);
	if (!row->c[C_SENSITIVE].n)
		add(row, C_SENSITIVE, "Non");
	for (size_t i = 0; i < a->sources.n; i++)
		add_item(row, C_SOURCES, " ; ", a->sources.v[i]);
	for (size_t i = 0; i < a->nrecipients; i++)
		parties(row, strcmp(a->recipients[i].kind, "internal") == 0 ? C_RECIP_INTERNAL : C_RECIP_EXTERNAL,
		        &a->recipients[i]);
	for (size_t i = 0; i < a->nprocessors; i++)
		parties(row, C_PROCESSORS, &a->processors[i]);
	/* One transfer per line in each of the four cells, so that they stay aligned. */
	for (size_t i = 0; i < a->ntransfers; i++) {
		const struct gd__transfer *t = &a->transfers[i];
		const char *sep = i ? "\n" : "";
		add(row, C_TR_RECIPIENT, "%s%s", sep, t->recipient);
		add(row, C_TR_COUNTRY, "%s%s", sep, t->country ? t->country : "non précisé");
		add(row, C_TR_SAFEGUARD, "%s%s", sep, safeguard_fr[t->safeguard]);
		add(row, C_TR_DOC, "%s%s", sep, t->reference ? t->reference : "");
	}
	for (size_t i = 0; i < a->nretention; i++) {
		const struct gd__retention *rt = &a->retention[i];
		if (i)
			add(row, C_RETENTION, "\n");
		for (size_t k = 0; k < rt->categories.n; k++)
			add(row, C_RETENTION, "%s%s", k ? ", " : "", category_label(r, rt->categories.v[k]));
		for (size_t k = 0; k < rt->subjects.n; k++)
			add(row, C_RETENTION, "%s%s", k ? ", " : rt->categories.n ? " des "
			                                                          : "Données des ",
			    term_label(GD__TAXO_SUBJECT, r, rt->subjects.v[k]));
		if (rt->categories.n || rt->subjects.n)
			add(row, C_RETENTION, " : ");
		for (size_t s = 0; s < rt->nstages; s++) {
			add(row, C_RETENTION, "%s%s ", s ? " ; " : "", stage_fr[rt->stages[s].action]);
			period_fr(row, C_RETENTION, rt->stages[s].after);
			add(row, C_RETENTION, " après ");
			event_fr(row, C_RETENTION, r, rt->stages[s].from);
		}
		if (rt->has_minimum) {
			add(row, C_RETENTION, " ; conservation minimale ");
			period_fr(row, C_RETENTION, rt->minimum.after);
			add(row, C_RETENTION, " après ");
			event_fr(row, C_RETENTION, r, rt->minimum.from);
		}
		if (rt->legal_reference)
			add(row, C_RETENTION, " (%s)", rt->legal_reference);
	}
	const struct gd__strings *sets[2] = {&a->security, &r->security};
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < sets[k]->n; i++) {
			const char *m = sets[k]->v[i];
			enum col col = C_SEC_OTHER;
			for (size_t w = 0; w < sizeof security_words / sizeof *security_words; w++)
				if (has_word(m, security_words[w].word)) {
					col = security_words[w].col;
					break;
				}
			add_item(row, col, " ; ", m);
		}
}

/* ---- writers ---- */

static void csv_cell(FILE *out, const char *s, bool last)
{
	fputc('"', out);
	if (*s && strchr("=+-@\t\r", *s))
		fputc('\'', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
	fputs(last ? "\r\n" : ",", out);
}

static void xml_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\n': fputs("</text:p><text:p>", out); break;
		default:
			/* Control characters and U+FFFE, U+FFFF are not XML 1.0 characters: dropped. */
			if ((unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBF &&
			    ((unsigned char)s[2] == 0xBE || (unsigned char)s[2] == 0xBF)) {
				s += 2;
				break;
			}
			if ((unsigned char)*s >= 0x20 || *s == '\t')
				fputc(*s, out);
		}
	}
}

static void fods_cell(FILE *out, const char *s)
{
	fputs("<table:table-cell office:value-type=\"string\"><text:p>", out);
	xml_text(out, s);
	fputs("</text:p></table:table-cell>", out);
}

static const char fods_head[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<office:document xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\""
	" xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\""
	" xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\""
	" office:version=\"1.2\" office:mimetype=\"application/vnd.oasis.opendocument.spreadsheet\">\n"
	"<office:body>\n<office:spreadsheet>\n";

/* content.xml of a zipped .ods (register_ods.c): the same body, in its own root. */
static const char ods_content_head[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\""
	" xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\""
	" xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\""
	" office:version=\"1.2\">\n"
	"<office:body>\n<office:spreadsheet>\n";

static void fods_pair(FILE *out, const char *label, const char *value)
{
	if (!value)
		return;
	fputs("<table:table-row>", out);
	fods_cell(out, label);
	fods_cell(out, value);
	fputs("</table:table-row>\n", out);
}

static int write_cnil(const struct gd__register *r, bool ods, bool content, FILE *out);

int gd__register_write_cnil(const struct gd__register *r, bool ods, FILE *out)
{
	return write_cnil(r, ods, false, out);
}

int gd__register_write_ods_content(const struct gd__register *r, FILE *out)
{
	return write_cnil(r, true, true, out);
}

/* The first error of any cell (errors are sticky), 0 when none. */
static int row_error(const struct row *r)
{
	for (int k = 0; k < NCOLS; k++)
		if (r->c[k].rc)
			return r->c[k].rc;
	return 0;
}

/* ods: the OpenDocument body, as a flat document or (content) as content.xml. */
static int write_cnil(const struct gd__register *r, bool ods, bool content, FILE *out)
{
	struct row row = {0};
	int rc = 0;
	if (!(row.c = gd__calloc(NCOLS, sizeof *row.c)))
		return gd__err(GD_ENOMEM, "out of memory");
	for (int k = 0; k < NCOLS; k++)
		gd__buf_init(&row.c[k], CELL_MAX);
	if (ods) {
		fputs(content ? ods_content_head : fods_head, out);
		/* The template's first sheet: the organisation, common to every activity. */
		fputs("<table:table table:name=\"Organisme\">\n", out);
		fods_pair(out, "Nom de l'organisme", r->controller.name);
		fods_pair(out, "Adresse", r->controller.address);
		fods_pair(out, "Immatriculation", r->controller.registration);
		fods_pair(out, "Pays", r->controller.country);
		fods_pair(out, "Adresse de messagerie", r->controller.email);
		fods_pair(out, "Délégué à la protection des données", r->dpo.name);
		fods_pair(out, "Adresse de messagerie du délégué", r->dpo.email);
		fods_pair(out, "Représentant", r->representative.name);
		fods_pair(out, "Autorité de contrôle", r->authority.name);
		fods_pair(out, "Notice d'information", r->notice.url);
		fputs("</table:table>\n<table:table table:name=\"Registre\">\n<table:table-row>", out);
		for (int i = 0; i < NCOLS; i++)
			fods_cell(out, labels[i]);
		fputs("</table:table-row>\n", out);
	} else {
		/* A byte-order mark: spreadsheets then read UTF-8, not the system's code page. */
		fputs("\xEF\xBB\xBF", out);
		for (int i = 0; i < NCOLS; i++)
			csv_cell(out, labels[i], i == NCOLS - 1);
	}
	for (size_t i = 0; i < r->nactivities && !rc; i++) {
		for (int k = 0; k < NCOLS; k++)
			gd__buf_reset(&row.c[k]);
		cells_of(r, &r->activities[i], &row);
		if ((rc = row_error(&row)) < 0)
			break;
		if (ods) {
			fputs("<table:table-row>", out);
			for (int k = 0; k < NCOLS; k++)
				fods_cell(out, cell(&row, (size_t)k));
			fputs("</table:table-row>\n", out);
		} else {
			for (int k = 0; k < NCOLS; k++)
				csv_cell(out, cell(&row, (size_t)k), k == NCOLS - 1);
		}
	}
	if (ods)
		fprintf(out, "</table:table>\n</office:spreadsheet>\n</office:body>\n</office:document%s>\n",
		        content ? "-content" : "");
	if (rc == GD_ETOOBIG)
		rc = gd__err(rc, "a cell of the register export would exceed %u bytes: nothing is cut, the export failed",
		             CELL_MAX);
	else if (rc < 0)
		rc = gd__err(rc, "out of memory building the register export: nothing is cut, the export failed");
	else if (ferror(out))
		rc = gd__err(GD_EIO, "cannot write the export");
	for (int k = 0; k < NCOLS; k++)
		gd__buf_release(&row.c[k]);
	gd__free(row.c);
	return rc;
}
