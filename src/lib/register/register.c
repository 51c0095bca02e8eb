/*
 * register.c — loads a register file (YAML, docs/register.md) into the model
 * of register.h and validates it: the sections' validation and the entry
 * points. The gates are in register_gates.c, the typed readers of the
 * document and the findings in register_doc.c (parse.h).
 *
 * The input passes four gates before the model is built, so that a hostile or
 * broken file gives one clear error and costs bounded memory and stack:
 *   1. size (GD__REGISTER_MAX_BYTES);
 *   2. strict UTF-8, no NUL;
 *   3. an event scan with libfyaml's streaming parser: syntax errors, nesting
 *      depth (GD__REGISTER_MAX_DEPTH), node count, one document, no aliases;
 *   4. the document is built and walked key by key: every key is known, every
 *      value has its type, every term is in the taxonomy or declared beneath
 *      it, and the register's rules hold (see validate_activity).
 * Every finding names file, line and column and says how to fix it. Strings of
 * the model are copied into the register's arena; nothing points into libfyaml.
 */
#include <ctype.h>
#include <libfyaml.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/vault/arena.h"
#include "lib/register/adequacy.h"
#include "lib/internal.h"
#include "lib/register/parse.h"
#include "lib/register/register.h"
#include "lib/register/taxonomy.h"
#include "util/utf8.h"

/*
 * Syntax new in format 2 is refused in a format 1 file, so that a file means
 * the same to every gardien that accepts it. True when the file may use it.
 */
static bool format2(struct gd__reg_ctx *c, struct fy_node *n, const char *feature)
{
	if (c->r->format >= 2)
		return true;
	ERR(c, n, "%s is format 2: set \"gardien_register: 2\" (or run 'gardien register migrate FILE', which keeps the file's meaning)",
	    feature);
	return false;
}

/* A check of the law added with format 2: an error there, a warning in format 1 files. */
#define LAW(c, n, ...) \
	gd__reg_report((c), (n), (c)->r->format >= 2 ? GD_REGISTER_ERROR : GD_REGISTER_WARNING, __VA_ARGS__)

static bool valid_country(const char *s);
static int choice(struct gd__reg_ctx *c, struct fy_node *map, const char *key, bool required,
                  const char *what, const char *const *options);

/* ---- terms ---- */

static const struct gd__own_term *own_term(const struct gd__register *r, int kind, const char *key)
{
	for (size_t i = 0; i < r->nterms; i++)
		if (r->terms[i].kind == kind && strcmp(r->terms[i].key, key) == 0)
			return &r->terms[i];
	return NULL;
}

static bool known_term(const struct gd__register *r, enum gd__taxo_kind kind, const char *key)
{
	return gd__taxonomy_find(kind, key) || own_term(r, kind, key);
}

/* Reports an unknown term with the nearest known keys. */
static void unknown_term(struct gd__reg_ctx *c, struct fy_node *n, enum gd__taxo_kind kind, const char *key,
                         const char *what)
{
	size_t nt;
	const struct gd__term *t = gd__taxonomy_terms(kind, &nt);
	const char *best[3] = {0};
	int bestd[3] = {1000, 1000, 1000};
	const char *last = strrchr(key, '.');
	last = last ? last + 1 : key;
	size_t total = nt + c->r->nterms;
	for (size_t i = 0; i < total; i++) {
		const char *k;
		if (i < nt) {
			k = t[i].key;
		} else {
			if (c->r->terms[i - nt].kind != (int)kind)
				continue;
			k = c->r->terms[i - nt].key;
		}
		int d = 2 * gd__edit_distance(k, key); /* doubled: leaf matches rank between */
		const char *kl = strrchr(k, '.');
		kl = kl ? kl + 1 : k;
		/* Same or nearly the same leaf on another branch: "user.emial" → "user.contact.email". */
		int el = gd__edit_distance(kl, last);
		if (2 * el + 1 < d && (size_t)el <= strlen(last) / 2)
			d = 2 * el + 1;
		for (int j = 0; j < 3; j++) {
			if (d < bestd[j]) {
				for (int m = 2; m > j; m--)
					best[m] = best[m - 1], bestd[m] = bestd[m - 1];
				best[j] = k, bestd[j] = d;
				break;
			}
		}
	}
	char near[400] = "";
	size_t o = 0;
	int limit = 2 * ((int)strlen(key) / 2 + 2);
	for (int j = 0; j < 3 && best[j] && bestd[j] <= limit; j++)
		o += (size_t)snprintf(near + o, sizeof near - o, "%s\"%s\"", j ? ", " : "", best[j]);
	const char *section = kind == GD__TAXO_CATEGORY ? "data_categories"
	                      : kind == GD__TAXO_USE    ? "data_uses"
	                                                : "data_subjects";
	if (kind <= GD__TAXO_SUBJECT)
		ERR(c, n, "%s: unknown %s \"%s\"%s%s%s; or declare it under taxonomy.%s beneath a published key",
		    what, gd__taxonomy_kind_name(kind), key, *near ? ": nearest known are " : "", near,
		    *near ? "" : " (see data/taxonomy.yml)", section);
	else
		ERR(c, n, "%s: unknown %s \"%s\"%s%s", what, gd__taxonomy_kind_name(kind), key,
		    *near ? ": did you mean " : "", near);
}

static void check_terms(struct gd__reg_ctx *c, const struct gd__strings *set, struct fy_node *list,
                        enum gd__taxo_kind kind, const char *what)
{
	for (size_t i = 0; i < set->n; i++)
		if (!known_term(c->r, kind, set->v[i]))
			unknown_term(c, gd__reg_item_of(list, set->v[i]), kind, set->v[i], what);
}

/* ---- sections ---- */

static const char *const top_keys[] = {
	"gardien_register",
	"controller",
	"representative",
	"dpo",
	"authority",
	"notice",
	"rights_contact",
	"taxonomy",
	"events",
	"security",
	"activities",
	"rights",
	"controls",
	"backups",
	"cookies",
	NULL,
};

static int count_of(struct gd__reg_ctx *c, struct fy_node *map, const char *key, int min, int max, const char *what);

/* backups (format 2): {daily_days, weekly_weeks, monthly_months, country, text}. */
static void parse_backups(struct gd__reg_ctx *c, struct fy_node *map, const char *what,
                          struct gd__backup_promise *out)
{
	static const char *const keys[] = {"daily_days", "weekly_weeks", "monthly_months", "country", "text", NULL};
	struct fy_node *keyn = NULL, *n = gd__reg_member(map, "backups", &keyn);
	out->daily_days = out->weekly_weeks = out->monthly_months = -1;
	if (!keyn || !format2(c, keyn, "\"backups\"") || !gd__reg_is_mapping(c, n, keyn, "backups"))
		return;
	gd__reg_check_keys(c, n, "backups", keys);
	out->present = true;
	int line, col;
	gd__reg_where(n, &line, &col);
	out->line = line;
	out->daily_days = count_of(c, n, "daily_days", 0, 100000, what);
	out->weekly_weeks = count_of(c, n, "weekly_weeks", 0, 10000, what);
	out->monthly_months = count_of(c, n, "monthly_months", 0, 1200, what);
	out->country = gd__reg_text(c, n, "country", false, what);
	out->text = gd__reg_text(c, n, "text", false, what);
	if (out->country && !valid_country(out->country))
		ERR(c, gd__reg_member(n, "country", NULL), "%s: backups: country \"%s\" must be an ISO 3166-1 alpha-2 code", what, out->country);
	else if (out->country && !gd__taxonomy_eea(out->country))
		WARN(c, gd__reg_member(n, "country", NULL), "%s: backups are stored in %s, outside the EU/EEA: that is a transfer; declare it with its safeguard",
		     what, out->country);
	if (out->daily_days < 0 && out->weekly_weeks < 0 && out->monthly_months < 0)
		ERR(c, n, "%s: \"backups\" says how long no copy is kept: give daily_days, weekly_weeks or monthly_months", what);
}

/*
 * cookies (format 2): {policy, text, list: [{name, activity, lifetime,
 * purpose, provider}]}. Checked once the activities are read: each cookie
 * serves an activity of the register; a lifetime over 13 months, the CNIL's
 * ceiling for trackers (deliberation 2020-091), or shorter than the consent
 * it rests on, is warned; an activity keeping cookie identifiers with no
 * cookie declared for it is warned.
 */
static void parse_cookies(struct gd__reg_ctx *c, struct fy_node *root)
{
	static const char *const keys[] = {"policy", "text", "list", NULL};
	static const char *const ckeys[] = {"name", "activity", "lifetime", "purpose", "provider", NULL};
	struct gd__register *r = c->r;
	struct fy_node *keyn = NULL, *n = gd__reg_member(root, "cookies", &keyn);
	if (!keyn || !format2(c, keyn, "\"cookies\"") || !gd__reg_is_mapping(c, n, keyn, "cookies"))
		goto uncovered;
	gd__reg_check_keys(c, n, "cookies", keys);
	r->cookies.present = true;
	r->cookies.policy = gd__reg_text(c, n, "policy", false, "cookies");
	r->cookies.text = gd__reg_text(c, n, "text", false, "cookies");
	if (r->cookies.policy && strncmp(r->cookies.policy, "https://", 8) != 0 &&
	    strncmp(r->cookies.policy, "http://", 7) != 0)
		ERR(c, gd__reg_member(n, "policy", NULL), "cookies: \"policy\" is \"%s\": give the cookie policy's address (https://…), or quote the notice in \"text\"",
		    r->cookies.policy);
	if (!r->cookies.policy && !r->cookies.text)
		ERR(c, n, "cookies: say where the cookie policy is (\"policy: https://…\") or quote the notice (\"text\")");
	struct fy_node *lk = NULL, *l = gd__reg_member(n, "list", &lk);
	int count = lk && gd__reg_is_sequence(c, l, lk, "cookies list") ? fy_node_sequence_item_count(l) : 0;
	if (count > 0 && (r->cookies.list = gd__reg_alloc(c, (size_t)count * sizeof *r->cookies.list))) {
		void *it = NULL;
		struct fy_node *item;
		while ((item = fy_node_sequence_iterate(l, &it))) {
			if (!gd__reg_is_mapping(c, item, lk, "a cookie"))
				continue;
			gd__reg_check_keys(c, item, "a cookie", ckeys);
			struct gd__cookie ck = {0};
			int line, col;
			gd__reg_where(item, &line, &col);
			ck.line = line;
			ck.name = gd__reg_text(c, item, "name", true, "a cookie");
			ck.activity = gd__reg_text(c, item, "activity", true, "a cookie");
			ck.purpose = gd__reg_text(c, item, "purpose", false, "a cookie");
			ck.provider = gd__reg_text(c, item, "provider", false, "a cookie");
			if (gd__reg_member(item, "lifetime", NULL))
				ck.has_lifetime = gd__reg_period(c, item, "lifetime", true, "a cookie", &ck.lifetime);
			else
				WARN(c, item, "cookie \"%s\": no \"lifetime\": how long it stays on the terminal is part of what people are told",
				     ck.name ? ck.name : "?");
			const struct gd__activity *act = ck.activity ? gd__register_activity(r, ck.activity) : NULL;
			if (ck.activity && !act)
				ERR(c, gd__reg_member(item, "activity", NULL), "cookie \"%s\": activity \"%s\" is not in the register: name the activity the cookie serves",
				    ck.name ? ck.name : "?", ck.activity);
			struct gd__period p = ck.lifetime;
			int months = p.years * 12 + p.months;
			if (ck.has_lifetime && (months > 13 || (months == 13 && p.days > 0)))
				WARN(c, gd__reg_member(item, "lifetime", NULL), "cookie \"%s\": a lifetime over 13 months is beyond what the CNIL accepts for trackers (deliberation 2020-091)",
				     ck.name ? ck.name : "?");
			if (ck.has_lifetime && act && act->basis == GD__BASIS_CONSENT &&
			    (act->consent_validity.years || act->consent_validity.months || act->consent_validity.days)) {
				struct gd__period v = act->consent_validity;
				int vm = v.years * 12 + v.months;
				if (vm > months || (vm == months && v.days > p.days))
					WARN(c, gd__reg_member(item, "lifetime", NULL), "cookie \"%s\": the consent of activity \"%s\" outlives the cookie: a consent to a cookie lasts no longer than the cookie",
					     ck.name ? ck.name : "?", act->id);
			}
			if (ck.name && ck.activity)
				r->cookies.list[r->cookies.n++] = ck;
		}
	}
uncovered:
	/* Cookie identifiers kept for an activity with no cookie declared for it. */
	for (size_t i = 0; r->format >= 2 && i < r->nactivities; i++) {
		const struct gd__activity *a = &r->activities[i];
		bool cookie = false, declared = false;
		for (size_t k = 0; k < a->categories.n && !cookie; k++)
			cookie = strcmp(a->categories.v[k], "user.device.cookie_id") == 0;
		for (size_t k = 0; k < r->cookies.n && !declared; k++)
			declared = strcmp(r->cookies.list[k].activity, a->id) == 0;
		if (cookie && !declared)
			gd__reg_report_at(c, a->line, 0, GD_REGISTER_WARNING, "activity \"%s\" keeps cookie identifiers and no cookie is declared for it: list them under \"cookies\" with their lifetime",
			                  a->id);
	}
}

/* A whole number of `key` in min..max; -1 when absent (an error when it is not one). */
static int count_of(struct gd__reg_ctx *c, struct fy_node *map, const char *key, int min, int max, const char *what)
{
	const char *s = gd__reg_text(c, map, key, false, what);
	if (!s)
		return -1;
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || end == s || v < min || v > max) {
		ERR(c, gd__reg_member(map, key, NULL), "%s: \"%s\" is \"%s\": give a whole number from %d to %d", what, key, s, min, max);
		return -1;
	}
	return (int)v;
}

static int tristate(struct gd__reg_ctx *c, struct fy_node *map, const char *key, const char *what)
{
	if (!gd__reg_member(map, key, NULL))
		return -1;
	return gd__reg_boolean(c, map, key, false, what) ? 1 : 0;
}

/*
 * controls (format 2): the security promises the installation can be
 * checked against — lockout, session timeouts, second factor by role — and
 * those stated for the record (encryption, pseudonymisation, separated
 * environments, support access on request).
 */
static void parse_controls(struct gd__reg_ctx *c, struct fy_node *root)
{
	static const char *const keys[] = {"lockout_after", "lockout_minutes", "idle_timeout_minutes",
	                                   "session_max_hours", "mfa_roles", "encryption", "pseudonymisation",
	                                   "separated_environments", "support_access", NULL};
	static const char *const support[] = {"on_request", "standing", NULL};
	struct gd__register *r = c->r;
	struct fy_node *keyn = NULL, *n = gd__reg_member(root, "controls", &keyn);
	r->controls.lockout_after = r->controls.lockout_minutes = r->controls.idle_minutes = -1;
	r->controls.session_hours = r->controls.encryption = r->controls.pseudonymisation = -1;
	r->controls.separated_environments = -1;
	if (!keyn || !format2(c, keyn, "\"controls\"") || !gd__reg_is_mapping(c, n, keyn, "controls"))
		return;
	r->controls.present = true;
	gd__reg_check_keys(c, n, "controls", keys);
	r->controls.lockout_after = count_of(c, n, "lockout_after", 1, 1000, "controls");
	r->controls.lockout_minutes = count_of(c, n, "lockout_minutes", 1, 525600, "controls");
	r->controls.idle_minutes = count_of(c, n, "idle_timeout_minutes", 1, 525600, "controls");
	r->controls.session_hours = count_of(c, n, "session_max_hours", 1, 8784, "controls");
	struct fy_node *list;
	gd__reg_strings(c, n, "mfa_roles", false, "controls", &r->controls.mfa_roles, &list);
	for (size_t i = 0; i < r->controls.mfa_roles.n; i++)
		if (!gd__reg_valid_name(r->controls.mfa_roles.v[i]))
			ERR(c, gd__reg_item_of(list, r->controls.mfa_roles.v[i]), "controls: role \"%s\" is not a role name (letters, digits and . _ - : @)",
			    r->controls.mfa_roles.v[i]);
	r->controls.encryption = tristate(c, n, "encryption", "controls");
	r->controls.pseudonymisation = tristate(c, n, "pseudonymisation", "controls");
	r->controls.separated_environments = tristate(c, n, "separated_environments", "controls");
	int k = choice(c, n, "support_access", false, "controls", support);
	r->controls.support_access = k >= 0 ? support[k] : NULL;
}

static void parse_controller(struct gd__reg_ctx *c, struct fy_node *root)
{
	static const char *const keys[] = {"name", "address", "registration", "country",
	                                   "language", "email", NULL};
	struct fy_node *keyn = NULL, *n = gd__reg_member(root, "controller", &keyn);
	if (!keyn) {
		ERR(c, root, "required key \"controller\" is missing: give the controller's name, address and registration number");
		return;
	}
	if (!gd__reg_is_mapping(c, n, keyn, "controller"))
		return;
	gd__reg_check_keys(c, n, "controller", keys);
	c->r->controller.name = gd__reg_text(c, n, "name", true, "controller");
	c->r->controller.address = gd__reg_text(c, n, "address", false, "controller");
	c->r->controller.registration = gd__reg_text(c, n, "registration", false, "controller");
	c->r->controller.country = gd__reg_text(c, n, "country", false, "controller");
	c->r->controller.language = gd__reg_text(c, n, "language", false, "controller");
	c->r->controller.email = gd__reg_text(c, n, "email", false, "controller");
	if (!c->r->controller.address)
		WARN(c, n, "controller: no \"address\": Art. 30(1)(a) asks for the controller's contact details");
}

static void parse_person(struct gd__reg_ctx *c, struct fy_node *root, const char *key,
                         const char **name, const char **address, const char **email,
                         const char **phone)
{
	static const char *const keys[] = {"name", "address", "email", "phone", NULL};
	struct fy_node *keyn = NULL, *n = gd__reg_member(root, key, &keyn);
	if (!keyn)
		return;
	if (!gd__reg_is_mapping(c, n, keyn, key))
		return;
	gd__reg_check_keys(c, n, key, keys);
	*name = gd__reg_text(c, n, "name", true, key);
	*address = gd__reg_text(c, n, "address", false, key);
	*email = gd__reg_text(c, n, "email", false, key);
	const char *p = gd__reg_text(c, n, "phone", false, key);
	if (phone)
		*phone = p;
}

static void parse_small_sections(struct gd__reg_ctx *c, struct fy_node *root)
{
	struct gd__register *r = c->r;
	parse_person(c, root, "representative", &r->representative.name, &r->representative.address,
	             &r->representative.email, NULL);
	parse_person(c, root, "dpo", &r->dpo.name, &r->dpo.address, &r->dpo.email, &r->dpo_phone);
	if (!r->dpo.name)
		WARN(c, root, "no \"dpo\": name the data protection officer or the privacy contact (Art. 30(1)(a))");
	if (r->controller.country && valid_country(r->controller.country) && !gd__taxonomy_eea(r->controller.country) &&
	    !r->representative.name)
		WARN(c, root, "the controller is in %s, outside the EU/EEA, and names no \"representative\": Art. 27 requires one in the Union unless an exception applies",
		     r->controller.country);

	static const char *const akeys[] = {"name", "url", NULL};
	struct fy_node *keyn = NULL, *n = gd__reg_member(root, "authority", &keyn);
	if (keyn && gd__reg_is_mapping(c, n, keyn, "authority")) {
		gd__reg_check_keys(c, n, "authority", akeys);
		r->authority.name = gd__reg_text(c, n, "name", true, "authority");
		r->authority.url = gd__reg_text(c, n, "url", false, "authority");
	}
	static const char *const nkeys[] = {"url", "updated", "language", NULL};
	keyn = NULL, n = gd__reg_member(root, "notice", &keyn);
	if (keyn && gd__reg_is_mapping(c, n, keyn, "notice")) {
		gd__reg_check_keys(c, n, "notice", nkeys);
		r->notice.url = gd__reg_text(c, n, "url", false, "notice");
		r->notice.updated = gd__reg_text(c, n, "updated", false, "notice");
		/* A date the notice was updated on must exist: "2018-02-31" is refused. */
		gd_time upd;
		if (r->notice.updated && (strlen(r->notice.updated) != 10 || gd_time_parse(&upd, r->notice.updated) < 0))
			ERR(c, gd__reg_member(n, "updated", NULL),
			    "notice \"updated\" is not a real date: write YYYY-MM-DD (e.g. 2018-02-28)");
		r->notice.language = gd__reg_text(c, n, "language", false, "notice");
	}
	keyn = NULL, n = gd__reg_member(root, "rights_contact", &keyn);
	if (keyn) {
		if (n && fy_node_is_mapping(n)) {
			static const char *const ckeys[] = {"email", "postal", NULL};
			gd__reg_check_keys(c, n, "rights_contact", ckeys);
			r->rights_contact = gd__reg_text(c, n, "email", false, "rights_contact");
			r->rights_postal = gd__reg_text(c, n, "postal", false, "rights_contact");
		} else {
			r->rights_contact = gd__reg_text_of(c, n, keyn, "rights_contact");
		}
	}
	gd__reg_strings(c, root, "security", false, "security", &r->security, NULL);
}

static const char *const taxo_sections[] = {"data_categories", "data_uses", "data_subjects", NULL};

/* taxonomy: {data_categories: [{key, beneath, name}], data_uses: …, data_subjects: …} */
static void parse_taxonomy(struct gd__reg_ctx *c, struct fy_node *root)
{
	struct fy_node *keyn = NULL, *n = gd__reg_member(root, "taxonomy", &keyn);
	if (!keyn || !gd__reg_is_mapping(c, n, keyn, "taxonomy"))
		return;
	gd__reg_check_keys(c, n, "taxonomy", taxo_sections);
	size_t total = 0;
	for (int k = 0; taxo_sections[k]; k++) {
		struct fy_node *l = gd__reg_member(n, taxo_sections[k], NULL);
		if (l && fy_node_is_sequence(l))
			total += (size_t)fy_node_sequence_item_count(l);
	}
	if (!total || !(c->r->terms = gd__reg_alloc(c, total * sizeof *c->r->terms)))
		return;
	static const char *const tkeys[] = {"key", "beneath", "name", NULL};
	for (int k = 0; taxo_sections[k]; k++) {
		char what[64];
		snprintf(what, sizeof what, "taxonomy.%s", taxo_sections[k]);
		struct fy_node *lk = NULL, *l = gd__reg_member(n, taxo_sections[k], &lk);
		if (!lk || !gd__reg_is_sequence(c, l, lk, what))
			continue;
		void *it = NULL;
		struct fy_node *item;
		while ((item = fy_node_sequence_iterate(l, &it))) {
			if (!gd__reg_is_mapping(c, item, lk, what))
				continue;
			gd__reg_check_keys(c, item, what, tkeys);
			const char *key = gd__reg_text(c, item, "key", true, what);
			const char *beneath = gd__reg_text(c, item, "beneath", true, what);
			const char *name = gd__reg_text(c, item, "name", false, what);
			if (!key || !beneath)
				continue;
			struct fy_node *kn = gd__reg_member(item, "key", NULL), *bn = gd__reg_member(item, "beneath", NULL);
			size_t bl = strlen(beneath);
			if (!gd__reg_valid_name(key)) {
				ERR(c, kn, "%s: \"%s\" may hold only letters, digits and . _ - : @ (at most %d bytes)", what, key, GD_NAME_MAX);
				continue;
			}
			if (!known_term(c->r, (enum gd__taxo_kind)k, beneath)) {
				unknown_term(c, bn, (enum gd__taxo_kind)k, beneath, what);
				continue;
			}
			if (strncmp(key, beneath, bl) != 0 || key[bl] != '.' || !key[bl + 1]) {
				ERR(c, kn, "%s: \"%s\" must start with the key it is beneath and a dot: \"%s.<name>\"",
				    what, key, beneath);
				continue;
			}
			if (known_term(c->r, (enum gd__taxo_kind)k, key)) {
				ERR(c, kn, "%s: \"%s\" is already %s: remove this declaration", what, key,
				    gd__taxonomy_find((enum gd__taxo_kind)k, key) ? "a published term" : "declared above");
				continue;
			}
			c->r->terms[c->r->nterms++] = (struct gd__own_term){k, key, beneath, name};
		}
	}
}

/* events: {name: description} — the clocks retention counts from. */
static void parse_events(struct gd__reg_ctx *c, struct fy_node *root)
{
	struct fy_node *keyn = NULL, *n = gd__reg_member(root, "events", &keyn);
	if (!keyn || !gd__reg_is_mapping(c, n, keyn, "events"))
		return;
	int count = fy_node_mapping_item_count(n);
	if (count <= 0 || !(c->r->events = gd__reg_alloc(c, (size_t)count * sizeof *c->r->events)))
		return;
	void *it = NULL;
	struct fy_node_pair *p;
	while ((p = fy_node_mapping_iterate(n, &it))) {
		const char *name = gd__reg_text_of(c, fy_node_pair_key(p), fy_node_pair_key(p), "an event name");
		const char *desc = gd__reg_text_of(c, fy_node_pair_value(p), fy_node_pair_key(p), "an event's description");
		if (!name)
			continue;
		if (!gd__reg_valid_name(name) || strcmp(name, "collection") == 0) {
			ERR(c, fy_node_pair_key(p), strcmp(name, "collection") == 0 ? "event \"%s\" is built in (the day a record is stored): do not declare it" : "event name \"%s\" may hold only letters, digits and . _ - : @",
			    name);
			continue;
		}
		c->r->events[c->r->nevents++] = (struct gd__event_def){name, desc};
	}
}

static bool event_declared(const struct gd__register *r, const char *name)
{
	if (strcmp(name, "collection") == 0)
		return true;
	for (size_t i = 0; i < r->nevents; i++)
		if (strcmp(r->events[i].name, name) == 0)
			return true;
	return false;
}

static const char *const basis_keys[] = {"consent", "contract", "legal_obligation",
                                         "vital_interests", "public_task", "legitimate_interests",
                                         "not_stated", NULL};
static const char *const safeguard_keys[] = {"adequacy", "scc", "bcr", "derogation", NULL};
static const char *const stage_keys[] = {"archive", "anonymise", "delete", NULL};
static const char *const party_kinds[] = {"internal", "external", "processor", "sub-processor",
                                          "authority", NULL};

/* Index of `s` in a NULL-terminated list, or -1. */
static int index_of(const char *const *list, const char *s)
{
	for (int i = 0; list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return i;
	return -1;
}

static int choice(struct gd__reg_ctx *c, struct fy_node *map, const char *key, bool required,
                  const char *what, const char *const *options)
{
	const char *s = gd__reg_text(c, map, key, required, what);
	if (!s)
		return -1;
	int i = index_of(options, s);
	if (i < 0) {
		char list[300];
		ERR(c, gd__reg_member(map, key, NULL), "%s: \"%s\" is \"%s\": it must be one of %s", what, key, s,
		    gd__reg_join(list, sizeof list, options));
	}
	return i;
}

static bool valid_country(const char *s)
{
	return s && strlen(s) == 2 && isupper((unsigned char)s[0]) && isupper((unsigned char)s[1]);
}

/* recipients / processors: lists of {name, kind, country, address, purpose}. */
static const char *activity_date(struct gd__reg_ctx *c, struct fy_node *act, const char *key, const char *what);

static void parse_parties(struct gd__reg_ctx *c, struct fy_node *act, const char *key, const char *what,
                          const char *dflt_kind, struct gd__party **out, size_t *nout)
{
	static const char *const keys[] = {"name", "kind", "country", "address", "purpose", "contract",
	                                   "sub_processors", NULL};
	/* Sub-processors are listed one level down only: a sub-processor's own are the processor's business. */
	bool nested = strcmp(key, "sub_processors") == 0;
	struct fy_node *keyn = NULL, *l = gd__reg_member(act, key, &keyn);
	if (!keyn || !gd__reg_is_sequence(c, l, keyn, what))
		return;
	int count = fy_node_sequence_item_count(l);
	if (count <= 0 || !(*out = gd__reg_alloc(c, (size_t)count * sizeof **out)))
		return;
	void *it = NULL;
	struct fy_node *item;
	while ((item = fy_node_sequence_iterate(l, &it))) {
		if (!gd__reg_is_mapping(c, item, keyn, what))
			continue;
		gd__reg_check_keys(c, item, what, keys);
		struct gd__party p = {0};
		p.name = gd__reg_text(c, item, "name", true, what);
		p.address = gd__reg_text(c, item, "address", false, what);
		struct fy_node *ck = NULL, *cn = gd__reg_member(item, "country", &ck), *clist = NULL;
		if (cn && fy_node_is_sequence(cn)) {
			if (format2(c, cn, "a list of countries"))
				gd__reg_strings(c, item, "country", false, what, &p.countries, &clist);
		} else if (ck) {
			const char *one = gd__reg_text_of(c, cn, ck, "a party's country");
			if (one && (p.countries.v = gd__reg_alloc(c, sizeof *p.countries.v)))
				p.countries.v[p.countries.n++] = one;
		}
		p.country = p.countries.n ? p.countries.v[0] : NULL;
		p.purpose = gd__reg_text(c, item, "purpose", false, what);
		int k = choice(c, item, "kind", false, what, party_kinds);
		p.kind = k >= 0 ? party_kinds[k] : dflt_kind;
		for (size_t i = 0; i < p.countries.n; i++)
			if (!valid_country(p.countries.v[i]))
				ERR(c, clist ? gd__reg_item_of(clist, p.countries.v[i]) : cn, "%s: country \"%s\" must be an ISO 3166-1 alpha-2 code such as FR, BE or US",
				    what, p.countries.v[i]);
		if (p.name && !p.countries.n && strcmp(p.kind, "internal") != 0 && strcmp(p.kind, "authority") != 0)
			WARN(c, item, "%s: %s \"%s\" names no country: say where it is (\"country: FR\", or a list \"[DE, NL]\" in format 2): Art. 13(1)(f) and the transfer check need it",
			     what, p.kind, p.name);
		bool processor = strcmp(p.kind, "processor") == 0 || strcmp(p.kind, "sub-processor") == 0;
		static const char *const ckeys[] = {"date", "reference", NULL};
		struct fy_node *kk = NULL, *kn = gd__reg_member(item, "contract", &kk);
		if (kk && format2(c, kk, "a processor's \"contract\"") && gd__reg_is_mapping(c, kn, kk, "contract")) {
			gd__reg_check_keys(c, kn, "contract", ckeys);
			p.contract_date = activity_date(c, kn, "date", what);
			if (!gd__reg_member(kn, "date", NULL))
				ERR(c, kn, "%s: contract of \"%s\": required key \"date\" is missing (YYYY-MM-DD)", what, p.name ? p.name : "?");
			p.contract_reference = gd__reg_text(c, kn, "reference", false, what);
		} else if (!kk && processor && c->r->format >= 2 && p.name) {
			WARN(c, item, "%s: %s \"%s\" has no \"contract\": Art. 28(3) requires one; give contract: {date: YYYY-MM-DD, reference: \"…\"}",
			     what, p.kind, p.name);
		}
		struct fy_node *sk = NULL;
		gd__reg_member(item, "sub_processors", &sk);
		if (sk && format2(c, sk, "\"sub_processors\"")) {
			if (nested || !processor)
				ERR(c, sk, "%s: \"sub_processors\" belong to a processor, one level down: list them under the processor that engages them",
				    what);
			else
				parse_parties(c, item, "sub_processors", what, "sub-processor", &p.sub_processors,
				              &p.nsub_processors);
		}
		if (p.name)
			(*out)[(*nout)++] = p;
	}
}

/*
 * A transfer's mechanism against the law (data/adequacy.yml): adequacy only
 * where a decision is in force, and for its scope; never a mechanism the
 * Court of Justice struck down, even named in passing in the reference;
 * derogations flagged as the exceptions they are (Art. 49).
 */
static void check_transfer_law(struct gd__reg_ctx *c, struct fy_node *item, const struct gd__transfer *t,
                               const char *what)
{
	const char *texts[] = {t->reference, t->recipient};
	for (size_t i = 0; i < 2; i++) {
		const struct gd__struck_down *s = gd__adequacy_struck_in(texts[i]);
		if (s) {
			/* An error in format 2; format 1 files keep loading, with the warning. */
			LAW(c, gd__reg_member(item, i == 0 ? "reference" : "recipient", NULL),
			    "%s: transfer to \"%s\" relies on the %s (%s), which the Court of Justice struck down in %s on %s: use standard contractual clauses, binding corporate rules or an adequacy decision in force",
			    what, t->recipient ? t->recipient : "?", s->name, s->decision, s->judgment, s->date);
			return;
		}
	}
	if (t->safeguard == GD__SAFEGUARD_ADEQUACY) {
		const struct gd__adequacy *d = gd__adequacy_find(t->country);
		if (!t->country)
			; /* reported above: a transfer without country */
		else if (!d)
			LAW(c, gd__reg_member(item, "safeguard", NULL), "%s: adequacy claimed for %s, which has no adequacy decision of the European Commission in force (data/adequacy.yml): use scc, bcr, or a derogation for an occasional transfer",
			    what, t->country);
		else if (strcmp(d->scope, "certified") == 0 &&
		         (!t->reference || !strstr(t->reference, d->framework)))
			LAW(c, gd__reg_member(item, "safeguard", NULL), "%s: the adequacy decision for %s (%s) covers only organisations certified under the %s: say so in \"reference\" (e.g. \"%s, certified\") or use scc",
			    what, d->name, d->decision, d->framework, d->framework);
		else if (strcmp(d->scope, "commercial") == 0)
			WARN(c, gd__reg_member(item, "safeguard", NULL), "%s: the adequacy decision for %s (%s) covers %s: check that the recipient is one",
			     what, d->name, d->decision, d->note);
	}
	if (t->safeguard == GD__SAFEGUARD_DEROGATION)
		WARN(c, gd__reg_member(item, "safeguard", NULL), "%s: transfer to \"%s\" on a derogation (Art. 49) is an exception for occasional transfers, not a regime for regular ones: name its ground in \"reference\" (e.g. \"Art. 49(1)(b) contract\") and prefer scc or bcr",
		     what, t->recipient ? t->recipient : "?");
}

static void parse_transfers(struct gd__reg_ctx *c, struct fy_node *act, struct gd__activity *a, const char *what)
{
	static const char *const keys[] = {"recipient", "country", "safeguard", "reference", NULL};
	struct fy_node *keyn = NULL, *l = gd__reg_member(act, "transfers", &keyn);
	if (!keyn || !gd__reg_is_sequence(c, l, keyn, what))
		return;
	int count = fy_node_sequence_item_count(l);
	if (count <= 0 || !(a->transfers = gd__reg_alloc(c, (size_t)count * sizeof *a->transfers)))
		return;
	void *it = NULL;
	struct fy_node *item;
	while ((item = fy_node_sequence_iterate(l, &it))) {
		if (!gd__reg_is_mapping(c, item, keyn, what))
			continue;
		gd__reg_check_keys(c, item, what, keys);
		struct gd__transfer t = {.safeguard = GD__SAFEGUARD_NONE};
		t.recipient = gd__reg_text(c, item, "recipient", true, what);
		t.country = gd__reg_text(c, item, "country", false, what);
		if (!t.country)
			WARN(c, item, "%s: transfer to \"%s\" names no country: add \"country\" (ISO 3166-1 alpha-2) when it is known; an adequacy decision is made country by country (Art. 45)",
			     what, t.recipient ? t.recipient : "?");
		t.reference = gd__reg_text(c, item, "reference", false, what);
		struct fy_node *sk = NULL;
		gd__reg_member(item, "safeguard", &sk);
		if (!sk) {
			if (!t.country || !gd__taxonomy_eea(t.country))
				ERR(c, item, "%s: transfer to %s (outside the EU/EEA) without a safeguard: add \"safeguard\": adequacy, scc, bcr or derogation (GDPR Chapter V)",
				    what, t.country ? t.country : "an unnamed country");
		} else {
			int s = choice(c, item, "safeguard", true, what, safeguard_keys);
			if (s >= 0)
				t.safeguard = (enum gd__safeguard)s;
		}
		if (t.country && !valid_country(t.country))
			ERR(c, gd__reg_member(item, "country", NULL), "%s: country \"%s\" must be an ISO 3166-1 alpha-2 code such as US", what, t.country);
		else if (t.country && gd__taxonomy_eea(t.country))
			WARN(c, gd__reg_member(item, "country", NULL), "%s: %s is in the EU/EEA: this is not a transfer outside it, list the party as a recipient or processor instead",
			     what, t.country);
		else if (sk)
			check_transfer_law(c, item, &t, what);
		int line, col;
		gd__reg_where(item, &line, &col);
		t.line = line;
		if (t.recipient)
			a->transfers[a->ntransfers++] = t;
	}
}

/* True when period `a` is certainly shorter than `b` (each part no longer, one shorter). */
static bool period_shorter(struct gd__period a, struct gd__period b)
{
	int am = a.years * 12 + a.months, bm = b.years * 12 + b.months;
	return am <= bm && a.days <= b.days && (am < bm || a.days < b.days);
}

/*
 * or_later / or_earlier: {from, after} (format 2) on a stage: a second clock
 * combined with the stage's own (register.h). *from stays NULL when absent
 * or wrong (the error is reported).
 */
static void combined_clock(struct gd__reg_ctx *c, struct fy_node *st, const char *key, const char *w,
                           const char **from, struct gd__period *after, const char **when)
{
	static const char *const lkeys[] = {"from", "after", "when", NULL};
	static const char *const ckeys[] = {"from", "after", NULL};
	char what[240];
	snprintf(what, sizeof what, "%s %s", w, key);
	struct fy_node *k = NULL, *n = gd__reg_member(st, key, &k);
	if (!k || !format2(c, k, key[3] == 'l' ? "\"or_later\" on a stage" : "\"or_earlier\" on a stage") ||
	    !gd__reg_is_mapping(c, n, k, what))
		return;
	gd__reg_check_keys(c, n, what, when ? lkeys : ckeys);
	const char *f = gd__reg_text(c, n, "from", true, what);
	const char *wh = when ? gd__reg_text(c, n, "when", false, what) : NULL;
	if (wh && !event_declared(c->r, wh)) {
		ERR(c, gd__reg_member(n, "when", NULL), "%s: \"when\" names undeclared event \"%s\": declare it under \"events\"",
		    what, wh);
		return;
	}
	if (when)
		*when = wh;
	struct gd__period p;
	bool ok = gd__reg_period(c, n, "after", true, what, &p);
	if (f && !event_declared(c->r, f)) {
		ERR(c, gd__reg_member(n, "from", NULL), "%s: counted from undeclared event \"%s\": declare it under \"events\" (or count from \"collection\")",
		    what, f);
		return;
	}
	if (!f || !ok)
		return;
	*from = f, *after = p;
}

/* minimum: {from, after} (format 2): how long the data is kept at least. */
static void parse_minimum(struct gd__reg_ctx *c, struct fy_node *item, struct gd__retention *rt, const char *w)
{
	static const char *const mkeys[] = {"from", "after", NULL};
	struct fy_node *mk = NULL, *mn = gd__reg_member(item, "minimum", &mk);
	if (!mk || !format2(c, mk, "\"minimum\" retention") || !gd__reg_is_mapping(c, mn, mk, "minimum"))
		return;
	gd__reg_check_keys(c, mn, "minimum", mkeys);
	const char *from = gd__reg_text(c, mn, "from", true, w);
	struct gd__period after;
	bool ok = gd__reg_period(c, mn, "after", true, w, &after);
	if (from && !event_declared(c->r, from)) {
		ERR(c, gd__reg_member(mn, "from", NULL), "%s: minimum counted from undeclared event \"%s\": declare it under \"events\" (or count from \"collection\")",
		    w, from);
		return;
	}
	if (!from || !ok)
		return;
	rt->has_minimum = true;
	rt->minimum = (struct gd__stage){GD__STAGE_DELETE, from, after};
	/* A stage that removes the data before the floor, from the same clock, contradicts it. */
	for (size_t i = 0; i < rt->nstages; i++) {
		const struct gd__stage *st = &rt->stages[i];
		if (st->action != GD__STAGE_ARCHIVE && strcmp(st->from, from) == 0 &&
		    period_shorter(st->after, after))
			ERR(c, mn, "%s: the \"%s\" stage comes before the minimum (both from \"%s\"): the data would go before the law lets it; lengthen the stage or shorten the minimum",
			    w, st->action == GD__STAGE_DELETE ? "delete" : "anonymise", from);
	}
}

static void parse_retention(struct gd__reg_ctx *c, struct fy_node *act, struct gd__activity *a, const char *what)
{
	static const char *const keys[] = {"categories", "subjects", "stages", "legal_reference", "text",
	                                   "minimum", "unless_consent", NULL};
	static const char *const skeys[] = {"action", "from", "after", "or_later", "or_earlier", NULL};
	struct fy_node *keyn = NULL, *l = gd__reg_member(act, "retention", &keyn);
	if (!keyn)
		return;
	if (!gd__reg_is_sequence(c, l, keyn, what))
		return;
	int count = fy_node_sequence_item_count(l);
	if (count <= 0 || !(a->retention = gd__reg_alloc(c, (size_t)count * sizeof *a->retention)))
		return;
	void *it = NULL;
	struct fy_node *item;
	while ((item = fy_node_sequence_iterate(l, &it))) {
		char w[200];
		snprintf(w, sizeof w, "%s retention", what);
		if (!gd__reg_is_mapping(c, item, keyn, w))
			continue;
		gd__reg_check_keys(c, item, w, keys);
		struct gd__retention rt = {0};
		int line, col;
		gd__reg_where(item, &line, &col);
		rt.line = line;
		struct fy_node *catl;
		gd__reg_strings(c, item, "categories", false, w, &rt.categories, &catl);
		for (size_t i = 0; i < rt.categories.n; i++)
			if (!gd__category_covered(&a->categories, rt.categories.v[i]))
				ERR(c, gd__reg_item_of(catl, rt.categories.v[i]), "%s: category \"%s\" is not a category of the activity: add it to its \"categories\" or remove it here",
				    w, rt.categories.v[i]);
		gd__reg_strings(c, item, "subjects", false, w, &rt.subjects, &catl);
		for (size_t i = 0; i < rt.subjects.n; i++)
			if (!gd__category_covered(&a->subjects, rt.subjects.v[i]))
				ERR(c, gd__reg_item_of(catl, rt.subjects.v[i]), "%s: subject category \"%s\" is not a subject category of the activity: add it to its \"subjects\" or remove it here",
				    w, rt.subjects.v[i]);
		rt.legal_reference = gd__reg_text(c, item, "legal_reference", false, w);
		rt.text = gd__reg_text(c, item, "text", false, w);
		struct fy_node *sk = NULL, *sl = gd__reg_member(item, "stages", &sk);
		if (!sk) {
			ERR(c, item, "%s: required key \"stages\" is missing: list what happens and when, e.g. - {action: delete, from: contract_end, after: 3 years}", w);
			continue;
		}
		if (!gd__reg_is_sequence(c, sl, sk, w))
			continue;
		int ns = fy_node_sequence_item_count(sl);
		if (ns <= 0 || !(rt.stages = gd__reg_alloc(c, (size_t)ns * sizeof *rt.stages))) {
			if (ns <= 0)
				ERR(c, sk, "%s: \"stages\" is empty: give at least one stage", w);
			continue;
		}
		void *sit = NULL;
		struct fy_node *st;
		int last = -1;
		while ((st = fy_node_sequence_iterate(sl, &sit))) {
			if (!gd__reg_is_mapping(c, st, sk, w))
				continue;
			gd__reg_check_keys(c, st, w, skeys);
			int act_i = choice(c, st, "action", true, w, stage_keys);
			const char *from = gd__reg_text(c, st, "from", true, w);
			struct gd__period after;
			bool ok = gd__reg_period(c, st, "after", true, w, &after);
			if (from && !event_declared(c->r, from)) {
				ERR(c, gd__reg_member(st, "from", NULL), "%s: retention counted from undeclared event \"%s\": declare it under \"events\" (or count from \"collection\")",
				    w, from);
				continue;
			}
			if (act_i < 0 || !from || !ok)
				continue;
			if (act_i <= last) {
				ERR(c, st, "%s: stage \"%s\" comes after \"%s\": list stages once each, in the order archive, anonymise, delete",
				    w, stage_keys[act_i], stage_keys[last]);
				continue;
			}
			last = act_i;
			struct gd__stage_clocks ck = {0};
			combined_clock(c, st, "or_later", w, &ck.or_later_from, &ck.or_later_after, &ck.or_later_when);
			combined_clock(c, st, "or_earlier", w, &ck.or_earlier_from, &ck.or_earlier_after, NULL);
			if ((ck.or_later_from || ck.or_earlier_from) && !rt.clocks &&
			    (rt.clocks = gd__reg_alloc(c, (size_t)ns * sizeof *rt.clocks)))
				memset(rt.clocks, 0, (size_t)ns * sizeof *rt.clocks);
			if (rt.clocks)
				rt.clocks[rt.nstages] = ck;
			rt.stages[rt.nstages++] = (struct gd__stage){(enum gd__stage_action)act_i, from, after};
		}
		parse_minimum(c, item, &rt, w);
		struct fy_node *uk = NULL;
		gd__reg_member(item, "unless_consent", &uk);
		if (uk && format2(c, uk, "\"unless_consent\"")) {
			rt.unless_consent = gd__reg_text(c, item, "unless_consent", false, w);
			rt.unless_consent_line = line; /* checked once every activity is read (check_reads_from) */
		}
		if (rt.nstages && rt.stages[rt.nstages - 1].action == GD__STAGE_ARCHIVE)
			WARN(c, item, "%s: archived data is never deleted nor anonymised: add a delete or anonymise stage", w);
		a->retention[a->nretention++] = rt;
	}
}

static const char *const activity_keys[] = {
	"id",
	"name",
	"description",
	"notice",
	"role",
	"on_behalf_of",
	"purposes",
	"sub_purposes",
	"legal_basis",
	"basis_detail",
	"art9_condition",
	"consent",
	"categories",
	"subjects",
	"sources",
	"mandatory",
	"roles",
	"recipients",
	"processors",
	"transfers",
	"retention",
	"automated_decision",
	"security",
	"legal_claims",
	"reads_from",
	"created",
	"updated",
	"joint_controllers",
	"dpia",
	"backups",
	"read_only",
	"on_request",
	"answers_authorities",
	NULL,
};

/* Outside-EU parties need a transfer entry naming them. */
static void check_parties_transfers(struct gd__reg_ctx *c, struct fy_node *act, const struct gd__activity *a,
                                    const struct gd__party *ps, size_t n, const char *key,
                                    const char *what)
{
	for (size_t i = 0; i < n; i++) {
		const struct gd__party *p = &ps[i];
		/* Onward transfers: a processor's sub-processors need theirs too (Art. 44, 46). */
		if (p->nsub_processors)
			check_parties_transfers(c, act, a, p->sub_processors, p->nsub_processors, key, what);
		if (strcmp(p->kind, "authority") == 0 || strcmp(p->kind, "internal") == 0)
			continue;
		for (size_t k = 0; k < p->countries.n; k++) {
			const char *country = p->countries.v[k];
			if (!valid_country(country) || gd__taxonomy_eea(country))
				continue;
			/* One transfer for the party covers it; in format 2, one per country. */
			bool covered = false;
			for (size_t t = 0; t < a->ntransfers && !covered; t++)
				covered = strcmp(a->transfers[t].recipient, p->name) == 0 &&
				          a->transfers[t].safeguard != GD__SAFEGUARD_NONE &&
				          (c->r->format < 2 || !a->transfers[t].country ||
				           strcmp(a->transfers[t].country, country) == 0);
			if (!covered)
				ERR(c, gd__reg_member(act, key, NULL), "%s: %s \"%s\" is in %s, outside the EU/EEA, with no safeguarded transfer: add to \"transfers\" {recipient: \"%s\", country: %s, safeguard: adequacy|scc|bcr|derogation}",
				    what, p->kind, p->name, country, p->name, country);
		}
	}
}

/*
 * reads_from: [{activity, compatibility}] — the activities whose data this
 * one reads, each with why the new purpose is compatible with the one the
 * data was collected for (Art. 6(4)). Checked against the other activities
 * once all are read (check_reads_from).
 */
static void parse_reads_from(struct gd__reg_ctx *c, struct fy_node *act, struct gd__activity *a, const char *what)
{
	static const char *const keys[] = {"activity", "compatibility", NULL};
	struct fy_node *keyn = NULL, *l = gd__reg_member(act, "reads_from", &keyn);
	char w[200];
	snprintf(w, sizeof w, "%s: \"reads_from\"", what);
	if (!keyn || !format2(c, keyn, "\"reads_from\"") || !gd__reg_is_sequence(c, l, keyn, w))
		return;
	int count = fy_node_sequence_item_count(l);
	if (count <= 0 || !(a->reads_from = gd__reg_alloc(c, (size_t)count * sizeof *a->reads_from)))
		return;
	void *it = NULL;
	struct fy_node *item;
	while ((item = fy_node_sequence_iterate(l, &it))) {
		if (fy_node_is_scalar(item)) {
			size_t len;
			const char *s = gd__reg_scalar(item, &len);
			ERR(c, item, "%s: reads_from \"%.*s\" gives no reasoning: write {activity: %.*s, compatibility: \"why this use is compatible with the purpose of collection (Art. 6(4))\"}",
			    what, (int)(len > 64 ? 64 : len), s ? s : "", (int)(len > 64 ? 64 : len), s ? s : "");
			continue;
		}
		if (!gd__reg_is_mapping(c, item, keyn, "a reads_from entry"))
			continue;
		gd__reg_check_keys(c, item, "a reads_from entry", keys);
		struct gd__read_source rs = {0};
		rs.activity = gd__reg_text(c, item, "activity", true, what);
		rs.compatibility = gd__reg_text(c, item, "compatibility", true, what);
		int line, col;
		gd__reg_where(item, &line, &col);
		rs.line = line;
		if (rs.activity && rs.compatibility)
			a->reads_from[a->nreads_from++] = rs;
	}
}

/*
 * Each reads_from names another activity of the register, with the same role
 * and shared categories; each retention exception (unless_consent) an
 * activity, the one the consent ledger records the agreement for.
 */
static void check_reads_from(struct gd__reg_ctx *c)
{
	struct gd__register *r = c->r;
	for (size_t i = 0; i < r->nactivities; i++) {
		const struct gd__activity *a = &r->activities[i];
		for (size_t k = 0; k < a->nretention; k++) {
			const struct gd__retention *rt = &a->retention[k];
			if (rt->unless_consent && !gd__register_activity(r, rt->unless_consent))
				gd__reg_report_at(c, rt->unless_consent_line, 0, GD_REGISTER_ERROR, "activity \"%s\": retention \"unless_consent\" names \"%s\", which is not an activity of the register: name the activity the subject's agreement is recorded for in the consent ledger",
				                  a->id, rt->unless_consent);
		}
		for (size_t k = 0; k < a->nreads_from; k++) {
			const struct gd__read_source *rs = &a->reads_from[k];
			const struct gd__activity *src = gd__register_activity(r, rs->activity);
			if (!src) {
				gd__reg_report_at(c, rs->line, 0, GD_REGISTER_ERROR, "activity \"%s\": reads_from names \"%s\", which is not an activity of the register: give the id of the activity the data was collected for",
				                  a->id, rs->activity);
			} else if (src == a) {
				gd__reg_report_at(c, rs->line, 0, GD_REGISTER_ERROR, "activity \"%s\": reads_from names the activity itself: an activity always reads its own data; remove the entry", a->id);
			} else if (src->role != a->role) {
				gd__reg_report_at(c, rs->line, 0, GD_REGISTER_ERROR, "activity \"%s\" (%s) reads_from \"%s\" (%s): data held as processor is never used for the controller's own purposes, nor the other way round (Art. 28(10))",
				                  a->id, a->role == GD__ROLE_PROCESSOR ? "processor" : "controller", src->id,
				                  src->role == GD__ROLE_PROCESSOR ? "processor" : "controller");
			} else {
				/* Shared when one side's category is the other's or beneath it. */
				bool shared = false;
				for (size_t j = 0; j < src->categories.n && !shared; j++)
					shared = gd__category_covered(&a->categories, src->categories.v[j]);
				for (size_t j = 0; j < a->categories.n && !shared; j++)
					shared = gd__category_covered(&src->categories, a->categories.v[j]);
				if (!shared)
					gd__reg_report_at(c, rs->line, 0, GD_REGISTER_WARNING, "activity \"%s\" reads_from \"%s\" but covers none of its categories: no read can use it; add the categories read to \"categories\"",
					                  a->id, src->id);
			}
		}
	}
}

/* created / updated (format 2): a calendar date, YYYY-MM-DD. */
static const char *activity_date(struct gd__reg_ctx *c, struct fy_node *act, const char *key, const char *what)
{
	struct fy_node *keyn = NULL;
	gd__reg_member(act, key, &keyn);
	if (!keyn)
		return NULL;
	char feature[48];
	snprintf(feature, sizeof feature, "\"%s\"", key);
	if (!format2(c, keyn, feature))
		return NULL;
	const char *s = gd__reg_text(c, act, key, false, what);
	gd_time t;
	if (s && (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || gd_time_parse(&t, s) < 0)) {
		ERR(c, gd__reg_member(act, key, NULL), "%s: \"%s\" is \"%s\": write a date as YYYY-MM-DD", what, key, s);
		return NULL;
	}
	return s;
}

/* joint_controllers (format 2): [{name, arrangement, country, email, reference}] (Art. 26). */
static void parse_joint(struct gd__reg_ctx *c, struct fy_node *act, struct gd__activity *a, const char *what)
{
	static const char *const keys[] = {"name", "arrangement", "country", "email", "reference", NULL};
	struct fy_node *keyn = NULL, *l = gd__reg_member(act, "joint_controllers", &keyn);
	if (!keyn || !format2(c, keyn, "\"joint_controllers\"") || !gd__reg_is_sequence(c, l, keyn, what))
		return;
	int count = fy_node_sequence_item_count(l);
	if (count <= 0 || !(a->joint = gd__reg_alloc(c, (size_t)count * sizeof *a->joint)))
		return;
	void *it = NULL;
	struct fy_node *item;
	while ((item = fy_node_sequence_iterate(l, &it))) {
		if (!gd__reg_is_mapping(c, item, keyn, "a joint controller"))
			continue;
		gd__reg_check_keys(c, item, "a joint controller", keys);
		struct gd__joint j = {0};
		j.name = gd__reg_text(c, item, "name", true, what);
		j.arrangement = gd__reg_text(c, item, "arrangement", false, what);
		j.country = gd__reg_text(c, item, "country", false, what);
		j.email = gd__reg_text(c, item, "email", false, what);
		j.reference = gd__reg_text(c, item, "reference", false, what);
		if (j.country && !valid_country(j.country))
			ERR(c, gd__reg_member(item, "country", NULL), "%s: country \"%s\" must be an ISO 3166-1 alpha-2 code", what, j.country);
		if (j.name && !j.arrangement)
			ERR(c, item, "%s: joint controller \"%s\" without \"arrangement\": Art. 26 requires an arrangement setting who does what, and its essence is made available to the data subjects: state it",
			    what, j.name);
		if (j.name)
			a->joint[a->njoint++] = j;
	}
}

/* dpia (format 2): {date, outcome, reference} (Art. 35, 36). */
static void parse_dpia(struct gd__reg_ctx *c, struct fy_node *act, struct gd__activity *a, const char *what)
{
	static const char *const keys[] = {"date", "outcome", "reference", NULL};
	static const char *const outcomes[] = {"no_high_risk", "risks_mitigated", "prior_consultation", NULL};
	struct fy_node *keyn = NULL, *n = gd__reg_member(act, "dpia", &keyn);
	if (!keyn) {
		/* Art. 35(3): special categories or automated decisions call for one; said, not imposed. */
		bool special = false;
		for (size_t i = 0; i < a->categories.n && !special; i++)
			special = gd__taxonomy_special(a->categories.v[i]);
		if (c->r->format >= 2 && (special || a->automated_decision))
			WARN(c, act, "%s: %s and no \"dpia\": Art. 35(3) may require an impact assessment; record it as dpia: {date: YYYY-MM-DD, outcome: no_high_risk|risks_mitigated|prior_consultation}",
			     what, special ? "special categories of data" : "automated decisions");
		return;
	}
	if (!format2(c, keyn, "\"dpia\"") || !gd__reg_is_mapping(c, n, keyn, "dpia"))
		return;
	gd__reg_check_keys(c, n, "dpia", keys);
	a->dpia.date = activity_date(c, n, "date", what);
	if (!gd__reg_member(n, "date", NULL))
		ERR(c, n, "%s: dpia: required key \"date\" is missing (YYYY-MM-DD)", what);
	int o = choice(c, n, "outcome", true, what, outcomes);
	a->dpia.outcome = o >= 0 ? outcomes[o] : NULL;
	a->dpia.reference = gd__reg_text(c, n, "reference", false, what);
}

static void parse_activity(struct gd__reg_ctx *c, struct fy_node *n, struct gd__activity *a)
{
	char what[200] = "activity";
	/* The slot may hold a refused activity (no id, duplicate id): start afresh. */
	memset(a, 0, sizeof *a);
	gd__reg_check_keys(c, n, "an activity", activity_keys);
	int line, col;
	gd__reg_where(n, &line, &col);
	a->line = line;
	a->id = gd__reg_text(c, n, "id", true, "activity");
	if (a->id) {
		snprintf(what, sizeof what, "activity \"%s\"", a->id);
		if (!gd__reg_valid_name(a->id))
			ERR(c, gd__reg_member(n, "id", NULL), "%s: the id may hold only letters, digits and . _ - : @ (at most %d bytes): it names the purpose of every read",
			    what, GD_NAME_MAX);
	}
	a->name = gd__reg_text(c, n, "name", true, what);
	a->description = gd__reg_text(c, n, "description", false, what);
	a->notice = gd__reg_text(c, n, "notice", false, what);
	int role = choice(c, n, "role", true, what, (const char *const[]){"controller", "processor", NULL});
	a->role = role == 1 ? GD__ROLE_PROCESSOR : GD__ROLE_CONTROLLER;
	a->on_behalf_of = gd__reg_text(c, n, "on_behalf_of", false, what);
	if (role == 1 && !a->on_behalf_of)
		ERR(c, gd__reg_member(n, "role", NULL), "%s: a processor activity must say for whom: add \"on_behalf_of\" (e.g. \"each customer, as controller\")", what);

	struct fy_node *list;
	gd__reg_strings(c, n, "purposes", true, what, &a->purposes, &list);
	check_terms(c, &a->purposes, list, GD__TAXO_USE, what);
	gd__reg_strings(c, n, "sub_purposes", false, what, &a->sub_purposes, NULL);

	int basis = choice(c, n, "legal_basis", true, what, basis_keys);
	a->basis = basis >= 0 ? (enum gd__basis)basis : GD__BASIS_CONTRACT;
	if (basis == GD__BASIS_NOT_STATED && format2(c, gd__reg_member(n, "legal_basis", NULL), "\"legal_basis: not_stated\""))
		WARN(c, gd__reg_member(n, "legal_basis", NULL), "%s: the legal basis is not stated: the notice is silent where Art. 13(1)(c) requires it; find the basis the controller relies on and write it here",
		     what);
	a->basis_detail = gd__reg_text(c, n, "basis_detail", false, what);
	if (basis == GD__BASIS_LEGITIMATE_INTERESTS && !a->basis_detail)
		WARN(c, gd__reg_member(n, "legal_basis", NULL), "%s: legitimate interests without \"basis_detail\": state the interest pursued (Art. 13(1)(d))", what);
	if (basis == GD__BASIS_LEGAL_OBLIGATION && !a->basis_detail)
		WARN(c, gd__reg_member(n, "legal_basis", NULL), "%s: legal obligation without \"basis_detail\": name the law", what);

	static const char *const ckeys[] = {"text", "version", "validity", NULL};
	struct fy_node *ck = NULL, *cn = gd__reg_member(n, "consent", &ck);
	if (ck && gd__reg_is_mapping(c, cn, ck, "consent")) {
		gd__reg_check_keys(c, cn, "consent", ckeys);
		a->consent_text = gd__reg_text(c, cn, "text", false, what);
		a->consent_version = gd__reg_text(c, cn, "version", false, what);
		gd__reg_period(c, cn, "validity", false, what, &a->consent_validity);
	}
	if (ck && basis >= 0 && basis != GD__BASIS_CONSENT)
		WARN(c, ck, "%s: \"consent\" is given but the legal basis is %s: consent is then not what makes the processing lawful; remove it or change the basis",
		     what, basis_keys[basis]);
	if (basis == GD__BASIS_CONSENT && !a->consent_text)
		ERR(c, ck ? ck : gd__reg_member(n, "legal_basis", NULL), "%s: consent-based activity without consent wording: add consent: {text: \"the wording the subject agrees to\", version: \"1\"}", what);

	gd__reg_strings(c, n, "categories", true, what, &a->categories, &list);
	check_terms(c, &a->categories, list, GD__TAXO_CATEGORY, what);
	a->art9_condition = gd__reg_text(c, n, "art9_condition", false, what);
	if (a->art9_condition && !gd__taxonomy_find(GD__TAXO_ART9, a->art9_condition))
		unknown_term(c, gd__reg_member(n, "art9_condition", NULL), GD__TAXO_ART9, a->art9_condition, what);
	for (size_t i = 0; i < a->categories.n; i++)
		if (gd__taxonomy_special(a->categories.v[i]) && !a->art9_condition)
			ERR(c, gd__reg_item_of(list, a->categories.v[i]), "%s: \"%s\" is a special category (Art. 9) and the activity has no \"art9_condition\": add one of explicit_consent, employment_social_security, vital_interests, legal_claims, …",
			    what, a->categories.v[i]);

	gd__reg_strings(c, n, "subjects", true, what, &a->subjects, &list);
	check_terms(c, &a->subjects, list, GD__TAXO_SUBJECT, what);
	gd__reg_strings(c, n, "sources", false, what, &a->sources, NULL);

	static const char *const mkeys[] = {"categories", "if_absent", NULL};
	struct fy_node *mk = NULL, *mn = gd__reg_member(n, "mandatory", &mk);
	if (mk && gd__reg_is_mapping(c, mn, mk, "mandatory")) {
		gd__reg_check_keys(c, mn, "mandatory", mkeys);
		gd__reg_strings(c, mn, "categories", true, what, &a->mandatory, &list);
		for (size_t i = 0; i < a->mandatory.n; i++)
			if (!gd__category_covered(&a->categories, a->mandatory.v[i]))
				ERR(c, gd__reg_item_of(list, a->mandatory.v[i]), "%s: mandatory \"%s\" is not a category of the activity: add it to \"categories\"", what, a->mandatory.v[i]);
		a->if_absent = gd__reg_text(c, mn, "if_absent", true, what);
	}
	gd__reg_strings(c, n, "roles", false, what, &a->roles, NULL);
	parse_parties(c, n, "recipients", what, "external", &a->recipients, &a->nrecipients);
	parse_parties(c, n, "processors", what, "processor", &a->processors, &a->nprocessors);
	parse_transfers(c, n, a, what);
	check_parties_transfers(c, n, a, a->recipients, a->nrecipients, "recipients", what);
	check_parties_transfers(c, n, a, a->processors, a->nprocessors, "processors", what);
	struct fy_node *fk = NULL;
	gd__reg_member(n, "read_only", &fk);
	if (fk && format2(c, fk, "\"read_only\""))
		a->read_only = gd__reg_boolean(c, n, "read_only", false, what);
	fk = NULL;
	gd__reg_member(n, "on_request", &fk);
	if (fk && format2(c, fk, "\"on_request\""))
		a->on_request = gd__reg_boolean(c, n, "on_request", false, what);
	fk = NULL;
	gd__reg_member(n, "answers_authorities", &fk);
	if (fk && format2(c, fk, "\"answers_authorities\"")) {
		a->answers_authorities = gd__reg_boolean(c, n, "answers_authorities", false, what);
		bool named = false;
		for (size_t i = 0; i < a->nrecipients && !named; i++)
			named = a->recipients[i].kind && strcmp(a->recipients[i].kind, "authority") == 0;
		if (a->answers_authorities && !named)
			ERR(c, fk, "%s: answers_authorities and no recipient of kind authority: name the authorities it answers, e.g. - {name: autorités judiciaires, kind: authority}", what);
	}
	if (a->read_only && !gd__reg_member(n, "reads_from", NULL))
		WARN(c, n, "%s: read_only and no \"reads_from\": it stores nothing and may read nothing of the other activities", what);
	parse_retention(c, n, a, what);
	/* A read-only activity stores nothing: the data it reads keep their own retention. */
	if (!gd__reg_member(n, "retention", NULL) && !a->read_only)
		WARN(c, n, "%s: no \"retention\": its data would be kept without limit; say when it is deleted (Art. 5(1)(e))", what);
	a->automated_decision = gd__reg_text(c, n, "automated_decision", false, what);
	gd__reg_strings(c, n, "security", false, what, &a->security, NULL);
	a->legal_claims = gd__reg_boolean(c, n, "legal_claims", false, what);
	parse_reads_from(c, n, a, what);
	parse_joint(c, n, a, what);
	parse_backups(c, n, what, &a->backups);
	parse_dpia(c, n, a, what);
	a->created = activity_date(c, n, "created", what);
	a->updated = activity_date(c, n, "updated", what);
	if (a->created && a->updated && strcmp(a->created, a->updated) > 0)
		ERR(c, gd__reg_member(n, "updated", NULL), "%s: \"updated\" (%s) is before \"created\" (%s)", what, a->updated, a->created);
}

static void parse_activities(struct gd__reg_ctx *c, struct fy_node *root)
{
	struct fy_node *keyn = NULL, *l = gd__reg_member(root, "activities", &keyn);
	if (!keyn) {
		ERR(c, root, "required key \"activities\" is missing: list the processing activities");
		return;
	}
	if (!gd__reg_is_sequence(c, l, keyn, "activities"))
		return;
	int count = fy_node_sequence_item_count(l);
	if (count <= 0) {
		ERR(c, keyn, "\"activities\" is empty: list at least one processing activity");
		return;
	}
	if (!(c->r->activities = gd__reg_alloc(c, (size_t)count * sizeof *c->r->activities)))
		return;
	void *it = NULL;
	struct fy_node *item;
	while ((item = fy_node_sequence_iterate(l, &it))) {
		if (!gd__reg_is_mapping(c, item, keyn, "an activity"))
			continue;
		struct gd__activity *a = &c->r->activities[c->r->nactivities];
		parse_activity(c, item, a);
		if (!a->id)
			continue;
		for (size_t i = 0; i < c->r->nactivities; i++)
			if (strcmp(c->r->activities[i].id, a->id) == 0) {
				ERR(c, gd__reg_member(item, "id", NULL), "duplicate activity id \"%s\" (first at line %d): give each activity its own id",
				    a->id, c->r->activities[i].line);
				a = NULL;
				break;
			}
		if (a)
			c->r->nactivities++;
	}
}

static const char *const right_kinds[] = {"access", "confirmation", "rectification", "erasure",
                                          "restriction", "objection", "portability",
                                          "withdraw_consent", "post_mortem", "automated_decision",
                                          "complaint", NULL};

/*
 * A right of Art. 15–22 declared not offered: the law grants it whatever the
 * notice says (register_rights.c), so gardien accepts such requests; the
 * register is warned, not refused, as it encodes what the notice says.
 */
static void check_rights_waived(struct gd__reg_ctx *c, struct fy_node *root)
{
	struct fy_node *l = gd__reg_member(root, "rights", NULL);
	for (size_t i = 0; i < c->r->nrights; i++) {
		const struct gd__right *rt = &c->r->rights[i];
		const char *art;
		if (rt->offered || gd__register_right_waivable(c->r, rt->kind, &art))
			continue;
		struct fy_node *at = l ? fy_node_sequence_get_by_index(l, (int)i) : NULL;
		WARN(c, at ? at : root,
		     "right \"%s\" is declared not offered, but %s grants it whatever the notice says: gardien accepts and handles such requests; correct the notice",
		     rt->kind, art);
	}
}

static void parse_rights(struct gd__reg_ctx *c, struct fy_node *root)
{
	static const char *const keys[] = {"kind", "offered", "reason", "conditions",
	                                   "identity_proof", "extra_copies_charged", "channels", "fee",
	                                   "identity", "categories", "inform_changes", NULL};
	static const char *const channel_kinds[] = {"email", "post", "form", "in_person", "phone", NULL};
	static const char *const fees[] = {"free", "free_unless_unfounded", NULL};
	struct fy_node *keyn = NULL, *l = gd__reg_member(root, "rights", &keyn);
	if (!keyn) {
		WARN(c, root, "no \"rights\": say which rights are offered and how (Art. 13(2)(b))");
		return;
	}
	if (!gd__reg_is_sequence(c, l, keyn, "rights"))
		return;
	int count = fy_node_sequence_item_count(l);
	if (count <= 0 || !(c->r->rights = gd__reg_alloc(c, (size_t)count * sizeof *c->r->rights)))
		return;
	void *it = NULL;
	struct fy_node *item;
	while ((item = fy_node_sequence_iterate(l, &it))) {
		if (!gd__reg_is_mapping(c, item, keyn, "a right"))
			continue;
		gd__reg_check_keys(c, item, "a right", keys);
		struct gd__right r = {0};
		int k = choice(c, item, "kind", true, "a right", right_kinds);
		r.offered = gd__reg_boolean(c, item, "offered", true, "a right");
		r.reason = gd__reg_text(c, item, "reason", false, "a right");
		r.conditions = gd__reg_text(c, item, "conditions", false, "a right");
		r.identity_proof = gd__reg_boolean(c, item, "identity_proof", false, "a right");
		r.extra_copies_charged = gd__reg_boolean(c, item, "extra_copies_charged", false, "a right");
		struct fy_node *kn = NULL, *list;
		gd__reg_member(item, "channels", &kn);
		if (kn && format2(c, kn, "a right's \"channels\"")) {
			gd__reg_strings(c, item, "channels", false, "a right", &r.channels, &list);
			for (size_t i = 0; i < r.channels.n; i++)
				if (index_of(channel_kinds, r.channels.v[i]) < 0) {
					char all[120];
					ERR(c, gd__reg_item_of(list, r.channels.v[i]), "a right: channel \"%s\" must be one of %s", r.channels.v[i],
					    gd__reg_join(all, sizeof all, channel_kinds));
				}
		}
		kn = NULL;
		gd__reg_member(item, "fee", &kn);
		if (kn && format2(c, kn, "a right's \"fee\"")) {
			int f = choice(c, item, "fee", false, "a right", fees);
			r.fee = f >= 0 ? fees[f] : NULL;
		}
		kn = NULL;
		gd__reg_member(item, "identity", &kn);
		if (kn && format2(c, kn, "a right's \"identity\""))
			r.identity = gd__reg_text(c, item, "identity", false, "a right");
		/* Rectification limited to some categories (Wimi §11: no "modification de confort"). */
		kn = NULL;
		gd__reg_member(item, "categories", &kn);
		if (kn && format2(c, kn, "a right's \"categories\"")) {
			gd__reg_strings(c, item, "categories", false, "a right", &r.categories, &list);
			check_terms(c, &r.categories, list, GD__TAXO_CATEGORY, "a right");
		}
		/* Wimi §11: the company's own changes are told to the person (rights/owed.c). */
		kn = NULL;
		gd__reg_member(item, "inform_changes", &kn);
		if (kn && format2(c, kn, "a right's \"inform_changes\""))
			r.inform_changes = gd__reg_boolean(c, item, "inform_changes", false, "a right");
		/* Art. 12(5): a charge is the exception (manifestly unfounded or excessive, further copies). */
		if (r.fee && strcmp(r.fee, "free") == 0 && r.extra_copies_charged)
			ERR(c, gd__reg_member(item, "fee", NULL), "a right: fee \"free\" and extra_copies_charged: true contradict each other: say free_unless_unfounded, or that extra copies are free");
		if (k < 0)
			continue;
		r.kind = right_kinds[k];
		if (r.inform_changes && strcmp(r.kind, "rectification") != 0)
			ERR(c, gd__reg_member(item, "inform_changes", NULL), "right \"%s\": \"inform_changes\" belongs to the rectification right: move it there", r.kind);
		if (!r.offered && !r.reason)
			ERR(c, item, "right \"%s\" is not offered and no \"reason\" says why: quote the notice's reason", r.kind);
		if (gd__register_right(c->r, r.kind)) {
			ERR(c, gd__reg_member(item, "kind", NULL), "right \"%s\" is listed twice: merge the two entries", r.kind);
			continue;
		}
		c->r->rights[c->r->nrights++] = r;
	}
}

/* ---- entry points ---- */

int gd__register_parse(struct gd__register **out, const char *file, const void *text, size_t len,
                       gd_register_report_cb cb, void *ud, size_t *nerr, size_t *nwarn)
{
	struct gd__reg_ctx c = {.file = file ? file : "register", .text = text, .cb = cb, .ud = ud};
	struct fy_document *doc = NULL;
	struct fy_diag *d = NULL;
	int rc;

	*out = NULL;
	if ((rc = gd__taxonomy_load()) < 0 || (rc = gd__adequacy_load()) < 0)
		return rc;
	if (len > GD__REGISTER_MAX_BYTES) {
		gd__reg_report_at(&c, 0, 0, GD_REGISTER_ERROR, "the file is larger than the %u-byte limit of a register: remove what is not the register",
		                  GD__REGISTER_MAX_BYTES);
		rc = GD_ETOOBIG;
		goto done;
	}
	if (!gd__reg_utf8_gate(&c, text, len)) {
		rc = GD_EINVAL;
		goto done;
	}
	if ((rc = gd__reg_scan_gate(&c, text, len)) < 0)
		goto done;
	if (!(c.r = gd__calloc(1, sizeof *c.r)) || !(c.ar = c.r->arena = gd__arena_new())) {
		rc = GD_ENOMEM;
		goto done;
	}
	if (!(c.r->file = gd__arena_strdup(c.ar, c.file))) {
		rc = GD_ENOMEM;
		goto done;
	}
	c.file = c.r->file;
	d = gd__reg_new_diag();
	struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET, .diag = d};
	if (!d || gd__fault_point() || !(doc = fy_document_build_from_string(&cfg, text, len))) {
		if (d && fy_diag_got_error(d)) {
			gd__reg_collect_diag(&c, d);
			rc = GD_EINVAL;
		} else {
			rc = GD_ENOMEM;
		}
		goto done;
	}
	struct fy_node *root = fy_document_root(doc);
	if (!root || !fy_node_is_mapping(root)) {
		ERR(&c, root, "a register is a mapping of keys (gardien_register, controller, activities, …), not a list or a scalar");
		rc = GD_EINVAL;
		goto done;
	}
	gd__reg_check_keys(&c, root, "the register", top_keys);
	struct fy_node *fk = NULL, *fv = gd__reg_member(root, "gardien_register", &fk);
	size_t flen;
	const char *fs = gd__reg_scalar(fv, &flen);
	if (!fk)
		ERR(&c, root, "required key \"gardien_register\" is missing: start the file with \"gardien_register: 2\" (the format version; 1 is still read)");
	else if (!fs || flen != 1 || (fs[0] != '1' && fs[0] != '2'))
		ERR(&c, fv ? fv : fk, "gardien_register: format version must be 1 or 2 (docs/register.md); 2 is the current one");
	else
		c.r->format = fs[0] - '0';
	parse_controller(&c, root);
	parse_small_sections(&c, root);
	parse_taxonomy(&c, root);
	parse_events(&c, root);
	parse_controls(&c, root);
	parse_backups(&c, root, "the register", &c.r->backups);
	parse_activities(&c, root);
	check_reads_from(&c);
	parse_cookies(&c, root);
	parse_rights(&c, root);
	check_rights_waived(&c, root);
	if (c.oom)
		rc = GD_ENOMEM;
	else if (c.nerr)
		rc = GD_EINVAL;
done:
	fy_document_destroy(doc);
	if (d)
		fy_diag_destroy(d);
	if (nerr)
		*nerr = c.nerr;
	if (nwarn)
		*nwarn = c.nwarn;
	if (rc == GD_ENOMEM || c.oom) {
		rc = gd__err(GD_ENOMEM, "out of memory reading register %s", c.file);
	} else if (rc < 0) {
		int code = rc;
		rc = gd__err(code, "%s%s", c.first[0] ? c.first : "register is not valid",
		             c.nerr > 1 ? " (and more errors: run 'gardien register check')" : "");
	}
	if (rc < 0) {
		gd__register_free(c.r);
		return rc;
	}
	*out = c.r;
	return 0;
}

int gd__register_read_file(const char *path, char **out, size_t *len)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f)
		return gd__err(GD_ENOTFOUND, "cannot open register file %s: check the path", path);
	size_t cap = GD__REGISTER_MAX_BYTES + 1;
	char *buf = gd__malloc(cap + 1);
	if (!buf) {
		fclose(f);
		return gd__err(GD_ENOMEM, "out of memory");
	}
	size_t n = fread(buf, 1, cap, f);
	int err = ferror(f);
	fclose(f);
	if (err) {
		gd__free(buf);
		return gd__err(GD_EIO, "cannot read register file %s", path);
	}
	buf[n] = 0;
	*out = buf;
	*len = n;
	return 0;
}

int gd_register_check(const char *path, gd_register_report_cb cb, void *ud, size_t *out_errors,
                      size_t *out_warnings)
{
	char *text;
	size_t len;
	struct gd__register *r = NULL;
	if (out_errors)
		*out_errors = 0;
	if (out_warnings)
		*out_warnings = 0;
	int rc = gd__register_read_file(path, &text, &len);
	if (rc < 0)
		return rc;
	rc = gd__register_parse(&r, path, text, len, cb, ud, out_errors, out_warnings);
	gd__register_free(r);
	gd__free(text);
	return rc;
}

/* ---- the model ---- */

void gd__register_free(struct gd__register *r)
{
	if (!r)
		return;
	gd__arena_free(r->arena);
	gd__free(r);
}

const struct gd__activity *gd__register_activity(const struct gd__register *r, const char *id)
{
	for (size_t i = 0; r && id && i < r->nactivities; i++)
		if (r->activities[i].id && strcmp(r->activities[i].id, id) == 0)
			return &r->activities[i];
	return NULL;
}

const struct gd__right *gd__register_right(const struct gd__register *r, const char *kind)
{
	for (size_t i = 0; r && i < r->nrights; i++)
		if (strcmp(r->rights[i].kind, kind) == 0)
			return &r->rights[i];
	return NULL;
}

bool gd__register_reads_from(const struct gd__register *r, const struct gd__activity *purpose,
                             const char *collected_for)
{
	if (!r || r->format < 2 || strcmp(purpose->id, collected_for) == 0)
		return true;
	for (size_t i = 0; i < purpose->nreads_from; i++)
		if (strcmp(purpose->reads_from[i].activity, collected_for) == 0)
			return true;
	return false;
}

bool gd__category_covered(const struct gd__strings *set, const char *category)
{
	for (size_t i = 0; i < set->n; i++) {
		const char *k = set->v[i];
		size_t n = strlen(k);
		if (strncmp(category, k, n) == 0 && (category[n] == 0 || category[n] == '.'))
			return true;
	}
	return false;
}
