/*
 * register_export.c — the register for people (Markdown, HTML), for the
 * regulator (CSV in the columns of the CNIL register template) and for
 * machines (JSON, JSON-LD with W3C DPV terms).
 *
 * Every format is built from the model alone, walking it in file order, with
 * no clock, locale or hash-table order involved: the same register gives the
 * same bytes. The JSON form is also what gd_register_diff compares. Markdown
 * and HTML take their words from the language's gettext catalogue (po.h,
 * contexts "register", "register-basis", "register-right",
 * "register-safeguard", "stage"), the notice writer's catalogues; catalogue
 * texts are inserted as text, never used as a printf format.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/internal.h"
#include "lib/po/po.h"
#include "lib/register/register.h"
#include "lib/register/taxonomy.h"
#include "util/buf.h"

static const char *const basis_names[] = {"consent", "contract", "legal_obligation",
                                          "vital_interests", "public_task", "legitimate_interests",
                                          "not_stated"};
static const char *const safeguard_names[] = {"adequacy", "scc", "bcr", "derogation", "none"};
static const char *const stage_names[] = {"archive", "anonymise", "delete"};

const char *gd__basis_name(enum gd__basis b)
{
	return basis_names[b];
}

/* "3 years 6 months", "0 days". */
static void period_str(char out[64], struct gd__period p)
{
	size_t o = 0;
	out[0] = 0;
	if (p.years)
		o += (size_t)snprintf(out + o, 64 - o, "%d year%s", p.years, p.years == 1 ? "" : "s");
	if (p.months)
		o += (size_t)snprintf(out + o, 64 - o, "%s%d month%s", o ? " " : "", p.months, p.months == 1 ? "" : "s");
	if (p.days || !o)
		snprintf(out + o, 64 - o, "%s%d day%s", o ? " " : "", p.days, p.days == 1 ? "" : "s");
}

/* ---- JSON ---- */

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *jstrings(const struct gd__strings *s)
{
	json_t *a = json_array();
	for (size_t i = 0; i < s->n; i++)
		json_array_append_new(a, json_string(s->v[i]));
	return a;
}

/* Adds key only when the value is not null / empty. */
static void put(json_t *o, const char *k, json_t *v)
{
	if (!v || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0)) {
		json_decref(v);
		return;
	}
	json_object_set_new(o, k, v);
}

static json_t *parties_json(const struct gd__party *p, size_t n);

static json_t *party_json(const struct gd__party *p)
{
	json_t *o = json_object();
	put(o, "name", jstr(p->name));
	put(o, "kind", jstr(p->kind));
	/* One country stays a string (format 1 files export as before). */
	if (p->countries.n > 1)
		put(o, "country", jstrings(&p->countries));
	else
		put(o, "country", jstr(p->country));
	put(o, "address", jstr(p->address));
	put(o, "purpose", jstr(p->purpose));
	if (p->contract_date || p->contract_reference) {
		json_t *k = json_object();
		put(k, "date", jstr(p->contract_date));
		put(k, "reference", jstr(p->contract_reference));
		json_object_set_new(o, "contract", k);
	}
	put(o, "sub_processors", parties_json(p->sub_processors, p->nsub_processors));
	return o;
}

static json_t *parties_json(const struct gd__party *p, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, party_json(&p[i]));
	return a;
}

static json_t *activity_json(const struct gd__activity *a)
{
	char buf[64];
	json_t *o = json_object();
	put(o, "id", jstr(a->id));
	put(o, "name", jstr(a->name));
	put(o, "description", jstr(a->description));
	put(o, "notice", jstr(a->notice));
	put(o, "role", json_string(a->role == GD__ROLE_PROCESSOR ? "processor" : "controller"));
	put(o, "on_behalf_of", jstr(a->on_behalf_of));
	put(o, "purposes", jstrings(&a->purposes));
	put(o, "sub_purposes", jstrings(&a->sub_purposes));
	put(o, "legal_basis", json_string(basis_names[a->basis]));
	put(o, "basis_detail", jstr(a->basis_detail));
	put(o, "art9_condition", jstr(a->art9_condition));
	if (a->consent_text || a->consent_version) {
		json_t *c = json_object();
		put(c, "text", jstr(a->consent_text));
		put(c, "version", jstr(a->consent_version));
		struct gd__period z = {0};
		if (memcmp(&a->consent_validity, &z, sizeof z) != 0) {
			period_str(buf, a->consent_validity);
			put(c, "validity", json_string(buf));
		}
		json_object_set_new(o, "consent", c);
	}
	put(o, "categories", jstrings(&a->categories));
	put(o, "subjects", jstrings(&a->subjects));
	put(o, "sources", jstrings(&a->sources));
	if (a->mandatory.n)
		json_object_set_new(o, "mandatory", json_pack("{s:o,s:o}", "categories", jstrings(&a->mandatory), "if_absent", jstr(a->if_absent)));
	put(o, "roles", jstrings(&a->roles));
	put(o, "recipients", parties_json(a->recipients, a->nrecipients));
	put(o, "processors", parties_json(a->processors, a->nprocessors));
	json_t *tr = json_array();
	for (size_t i = 0; i < a->ntransfers; i++) {
		json_t *t = json_object();
		put(t, "recipient", jstr(a->transfers[i].recipient));
		put(t, "country", jstr(a->transfers[i].country));
		put(t, "safeguard", json_string(safeguard_names[a->transfers[i].safeguard]));
		put(t, "reference", jstr(a->transfers[i].reference));
		json_array_append_new(tr, t);
	}
	put(o, "transfers", tr);
	json_t *rf = json_array();
	for (size_t i = 0; i < a->nreads_from; i++)
		json_array_append_new(rf, json_pack("{s:s,s:s}", "activity", a->reads_from[i].activity,
		                                    "compatibility", a->reads_from[i].compatibility));
	put(o, "reads_from", rf);
	json_t *jc = json_array();
	for (size_t i = 0; i < a->njoint; i++) {
		json_t *j = json_object();
		put(j, "name", jstr(a->joint[i].name));
		put(j, "arrangement", jstr(a->joint[i].arrangement));
		put(j, "country", jstr(a->joint[i].country));
		put(j, "email", jstr(a->joint[i].email));
		put(j, "reference", jstr(a->joint[i].reference));
		json_array_append_new(jc, j);
	}
	put(o, "joint_controllers", jc);
	if (a->dpia.date) {
		json_t *d = json_object();
		put(d, "date", jstr(a->dpia.date));
		put(d, "outcome", jstr(a->dpia.outcome));
		put(d, "reference", jstr(a->dpia.reference));
		json_object_set_new(o, "dpia", d);
	}
	put(o, "created", jstr(a->created));
	put(o, "updated", jstr(a->updated));
	json_t *ret = json_array();
	for (size_t i = 0; i < a->nretention; i++) {
		const struct gd__retention *r = &a->retention[i];
		json_t *ro = json_object(), *st = json_array();
		put(ro, "categories", jstrings(&r->categories));
		put(ro, "subjects", jstrings(&r->subjects));
		for (size_t s = 0; s < r->nstages; s++) {
			period_str(buf, r->stages[s].after);
			json_array_append_new(st, json_pack("{s:s,s:s,s:s}", "action",
			                                    stage_names[r->stages[s].action], "from",
			                                    r->stages[s].from, "after", buf));
		}
		put(ro, "stages", st);
		put(ro, "legal_reference", jstr(r->legal_reference));
		put(ro, "unless_consent", jstr(r->unless_consent));
		put(ro, "text", jstr(r->text));
		json_array_append_new(ret, ro);
	}
	put(o, "retention", ret);
	put(o, "automated_decision", jstr(a->automated_decision));
	put(o, "security", jstrings(&a->security));
	if (a->legal_claims)
		json_object_set_new(o, "legal_claims", json_true());
	return o;
}

static json_t *person_json(const char *name, const char *address, const char *email, const char *phone)
{
	if (!name)
		return json_null();
	json_t *o = json_object();
	put(o, "name", jstr(name));
	put(o, "address", jstr(address));
	put(o, "email", jstr(email));
	put(o, "phone", jstr(phone));
	return o;
}

json_t *gd__register_json(const struct gd__register *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "gardien_register", json_integer(r->format));
	json_t *c = json_object();
	put(c, "name", jstr(r->controller.name));
	put(c, "address", jstr(r->controller.address));
	put(c, "registration", jstr(r->controller.registration));
	put(c, "country", jstr(r->controller.country));
	put(c, "language", jstr(r->controller.language));
	put(c, "email", jstr(r->controller.email));
	json_object_set_new(o, "controller", c);
	put(o, "representative", person_json(r->representative.name, r->representative.address, r->representative.email, NULL));
	put(o, "dpo", person_json(r->dpo.name, r->dpo.address, r->dpo.email, r->dpo_phone));
	if (r->authority.name)
		json_object_set_new(o, "authority", json_pack("{s:s,s:o}", "name", r->authority.name, "url", jstr(r->authority.url)));
	if (r->notice.url || r->notice.updated || r->notice.language) {
		json_t *n = json_object();
		put(n, "url", jstr(r->notice.url));
		put(n, "updated", jstr(r->notice.updated));
		put(n, "language", jstr(r->notice.language));
		json_object_set_new(o, "notice", n);
	}
	if (r->rights_contact || r->rights_postal) {
		json_t *rc = json_object();
		put(rc, "email", jstr(r->rights_contact));
		put(rc, "postal", jstr(r->rights_postal));
		json_object_set_new(o, "rights_contact", rc);
	}
	put(o, "security", jstrings(&r->security));
	json_t *t = json_array();
	static const char *const kinds[] = {"data_categories", "data_uses", "data_subjects"};
	for (size_t i = 0; i < r->nterms; i++) {
		json_t *e = json_object();
		put(e, "kind", json_string(kinds[r->terms[i].kind]));
		put(e, "key", jstr(r->terms[i].key));
		put(e, "beneath", jstr(r->terms[i].beneath));
		put(e, "name", jstr(r->terms[i].name));
		json_array_append_new(t, e);
	}
	put(o, "taxonomy", t);
	json_t *ev = json_object();
	for (size_t i = 0; i < r->nevents; i++)
		json_object_set_new(ev, r->events[i].name, jstr(r->events[i].description));
	if (json_object_size(ev))
		json_object_set_new(o, "events", ev);
	else
		json_decref(ev);
	json_t *acts = json_array();
	for (size_t i = 0; i < r->nactivities; i++)
		json_array_append_new(acts, activity_json(&r->activities[i]));
	json_object_set_new(o, "activities", acts);
	json_t *rights = json_array();
	for (size_t i = 0; i < r->nrights; i++) {
		const struct gd__right *g = &r->rights[i];
		json_t *e = json_object();
		put(e, "kind", jstr(g->kind));
		json_object_set_new(e, "offered", json_boolean(g->offered));
		put(e, "reason", jstr(g->reason));
		put(e, "conditions", jstr(g->conditions));
		if (g->identity_proof)
			json_object_set_new(e, "identity_proof", json_true());
		if (g->extra_copies_charged)
			json_object_set_new(e, "extra_copies_charged", json_true());
		if (g->inform_changes)
			json_object_set_new(e, "inform_changes", json_true());
		put(e, "channels", jstrings(&g->channels));
		put(e, "fee", jstr(g->fee));
		put(e, "identity", jstr(g->identity));
		json_array_append_new(rights, e);
	}
	put(o, "rights", rights);
	if (r->cookies.present) {
		json_t *ck = json_object(), *list = json_array();
		put(ck, "policy", jstr(r->cookies.policy));
		put(ck, "text", jstr(r->cookies.text));
		for (size_t i = 0; i < r->cookies.n; i++) {
			const struct gd__cookie *k = &r->cookies.list[i];
			json_t *e = json_object();
			put(e, "name", jstr(k->name));
			put(e, "activity", jstr(k->activity));
			if (k->has_lifetime) {
				char per[64];
				period_str(per, k->lifetime);
				put(e, "lifetime", jstr(per));
			}
			put(e, "purpose", jstr(k->purpose));
			put(e, "provider", jstr(k->provider));
			json_array_append_new(list, e);
		}
		put(ck, "list", list);
		json_object_set_new(o, "cookies", ck);
	}
	return o;
}

static int dump(json_t *j, FILE *out)
{
	if (!j)
		return gd__err(GD_ENOMEM, "out of memory building the export");
	int rc = json_dumpf(j, out, JSON_INDENT(2) | JSON_ENSURE_ASCII) == 0 && fputc('\n', out) != EOF
	                 ? 0
	                 : gd__err(GD_EIO, "cannot write the export");
	json_decref(j);
	return rc;
}

/* ---- JSON-LD with DPV ---- */

static const char *term_iri(enum gd__taxo_kind kind, const char *key, bool prefer_gdpr)
{
	const struct gd__term *t = gd__taxonomy_find(kind, key);
	if (!t)
		return NULL;
	if (prefer_gdpr && *t->gdpr)
		return t->gdpr;
	return *t->dpv ? t->dpv : (*t->gdpr ? t->gdpr : NULL);
}

/*
 * Terms as DPV concepts, each keeping its fideslang key: one node per term,
 * typed with the DPV class (dpv:… purpose, pd:… personal data), with the key
 * as dct:identifier and the fideslang IRI as rdfs:seeAlso.
 */
static json_t *dpv_terms(const char *ns, const struct gd__strings *s, const char *(*map)(const char *))
{
	json_t *a = json_array();
	for (size_t i = 0; i < s->n; i++) {
		char buf[GD_NAME_MAX + 64];
		snprintf(buf, sizeof buf, "%s:%s", ns, s->v[i]);
		json_array_append_new(a, json_pack("{s:s,s:s,s:{s:s}}", "@type", map(s->v[i]), "dct:identifier",
		                                   s->v[i], "rdfs:seeAlso", "@id", buf));
	}
	return a;
}

/* A country as a DPV location (https://w3id.org/dpv/loc#FR). */
static json_t *loc(const char *country)
{
	char buf[32];
	if (!country)
		return json_null();
	snprintf(buf, sizeof buf, "loc:%s", country);
	return json_pack("{s:s}", "@id", buf);
}

static json_t *locs(const struct gd__party *p)
{
	if (p->countries.n <= 1)
		return loc(p->countries.n ? p->countries.v[0] : p->country);
	json_t *a = json_array();
	for (size_t k = 0; k < p->countries.n; k++)
		json_array_append_new(a, loc(p->countries.v[k]));
	return a;
}

/* A fideslang key as an IRI of gardien's taxonomy namespace. */
static json_t *taxo_ids(const char *ns, const struct gd__strings *s)
{
	json_t *a = json_array();
	for (size_t i = 0; i < s->n; i++) {
		char buf[GD_NAME_MAX + 64];
		snprintf(buf, sizeof buf, "%s:%s", ns, s->v[i]);
		json_array_append_new(a, json_pack("{s:s}", "@id", buf));
	}
	return a;
}

static json_t *jsonld(const struct gd__register *r)
{
	json_t *ctx = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "dpv", "https://w3id.org/dpv#",
	                        "pd", "https://w3id.org/dpv/pd#", "loc", "https://w3id.org/dpv/loc#",
	                        "rdfs", "http://www.w3.org/2000/01/rdf-schema#",
	                        "eu-gdpr", "https://w3id.org/dpv/legal/eu/gdpr#", "dct",
	                        "http://purl.org/dc/terms/", "fides-category",
	                        "https://github.com/IABTechLab/fideslang#data_category/",
	                        "fides-use", "https://github.com/IABTechLab/fideslang#data_use/",
	                        "fides-subject", "https://github.com/IABTechLab/fideslang#data_subject/",
	                        "gardien", "urn:gardien:register:");
	json_t *graph = json_array();
	char id[GD_NAME_MAX + 32];
	json_t *ctl = json_object();
	json_object_set_new(ctl, "@id", json_string("gardien:controller"));
	json_object_set_new(ctl, "@type", json_string("dpv:DataController"));
	put(ctl, "dct:title", jstr(r->controller.name));
	put(ctl, "dpv:hasAddress", jstr(r->controller.address));
	put(ctl, "dpv:hasIdentifier", jstr(r->controller.registration));
	put(ctl, "dpv:hasCountry", loc(r->controller.country));
	if (r->dpo.name)
		json_object_set_new(ctl, "dpv:hasDataProtectionOfficer",
		                    json_pack("{s:s,s:s,s:o}", "@type", "dpv:DataProtectionOfficer",
		                              "dct:title", r->dpo.name, "dpv:hasContact", jstr(r->dpo.email)));
	if (r->authority.name)
		json_object_set_new(ctl, "dpv:hasAuthority",
		                    json_pack("{s:s,s:s}", "@type", "dpv:SupervisoryAuthority", "dct:title",
		                              r->authority.name));
	json_t *rights = json_array();
	for (size_t i = 0; i < r->nrights; i++) {
		if (!r->rights[i].offered)
			continue;
		const char *iri = term_iri(GD__TAXO_RIGHT, r->rights[i].kind, true);
		if (iri)
			json_array_append_new(rights, json_pack("{s:s}", "@id", iri));
	}
	put(ctl, "dpv:hasRight", rights);
	json_array_append_new(graph, ctl);
	for (size_t i = 0; i < r->nactivities; i++) {
		const struct gd__activity *a = &r->activities[i];
		json_t *p = json_object();
		snprintf(id, sizeof id, "gardien:activity:%s", a->id);
		json_object_set_new(p, "@id", json_string(id));
		json_object_set_new(p, "@type", json_string("dpv:PersonalDataHandling"));
		put(p, "dct:title", jstr(a->name));
		put(p, "dct:description", jstr(a->description));
		json_object_set_new(p, a->role == GD__ROLE_PROCESSOR ? "dpv:hasDataProcessor" : "dpv:hasDataController",
		                    json_pack("{s:s}", "@id", "gardien:controller"));
		put(p, "dpv:hasPurpose", dpv_terms("fides-use", &a->purposes, gd__dpv_purpose));
		const char *b = term_iri(GD__TAXO_BASIS, basis_names[a->basis], false);
		const char *bg = term_iri(GD__TAXO_BASIS, basis_names[a->basis], true);
		json_t *bases = json_array();
		if (b)
			json_array_append_new(bases, json_pack("{s:s}", "@id", b));
		if (bg && (!b || strcmp(b, bg) != 0))
			json_array_append_new(bases, json_pack("{s:s}", "@id", bg));
		if (a->art9_condition) {
			const char *c9 = term_iri(GD__TAXO_ART9, a->art9_condition, true);
			if (c9)
				json_array_append_new(bases, json_pack("{s:s}", "@id", c9));
		}
		put(p, "dpv:hasLegalBasis", bases);
		if (a->njoint) {
			json_t *jc = json_array();
			for (size_t k = 0; k < a->njoint; k++)
				json_array_append_new(jc, json_pack("{s:s}", "dct:title", a->joint[k].name));
			json_object_set_new(p, "dpv:hasJointDataControllers",
			                    json_pack("{s:s,s:o}", "@type", "dpv:JointDataControllers", "dpv:hasDataController", jc));
		}
		put(p, "dpv:hasPersonalData", dpv_terms("fides-category", &a->categories, gd__dpv_personal_data));
		put(p, "dpv:hasDataSubject", taxo_ids("fides-subject", &a->subjects));
		json_t *recips = json_array();
		for (size_t k = 0; k < a->nrecipients; k++) {
			json_t *e = json_pack("{s:s,s:s}", "@type", "dpv:Recipient", "dct:title", a->recipients[k].name);
			put(e, "dpv:hasCountry", locs(&a->recipients[k]));
			json_array_append_new(recips, e);
		}
		for (size_t k = 0; k < a->nprocessors; k++)
			json_array_append_new(recips, json_pack("{s:s,s:s,s:o}", "@type", "dpv:DataProcessor",
			                                        "dct:title", a->processors[k].name, "dpv:hasCountry",
			                                        locs(&a->processors[k])));
		put(p, "dpv:hasRecipient", recips);
		json_t *tr = json_array();
		for (size_t k = 0; k < a->ntransfers; k++) {
			const struct gd__transfer *t = &a->transfers[k];
			const char *s = t->safeguard == GD__SAFEGUARD_NONE
			                        ? NULL
			                        : term_iri(GD__TAXO_SAFEGUARD, safeguard_names[t->safeguard], true);
			json_t *e = json_pack("{s:s,s:s}", "@type", "dpv:DataTransfer", "dct:title", t->recipient);
			if (t->country)
				json_object_set_new(e, "dpv:hasCountry", loc(t->country));
			if (s)
				json_object_set_new(e, "dpv:hasLegalBasis", json_pack("{s:s}", "@id", s));
			json_array_append_new(tr, e);
		}
		put(p, "dpv:hasProcessing", tr);
		json_t *dur = json_array();
		for (size_t k = 0; k < a->nretention; k++)
			for (size_t s = 0; s < a->retention[k].nstages; s++) {
				char per[64], txt[200];
				period_str(per, a->retention[k].stages[s].after);
				snprintf(txt, sizeof txt, "%s %s after %s", stage_names[a->retention[k].stages[s].action],
				         per, a->retention[k].stages[s].from);
				json_array_append_new(dur, json_pack("{s:s,s:s}", "@type", "dpv:StorageDuration",
				                                     "dct:description", txt));
			}
		put(p, "dpv:hasStorageCondition", dur);
		json_t *tom = json_array();
		for (size_t k = 0; k < a->security.n; k++)
			json_array_append_new(tom, json_pack("{s:s,s:s}", "@type", "dpv:TechnicalOrganisationalMeasure",
			                                     "dct:description", a->security.v[k]));
		for (size_t k = 0; k < r->security.n; k++)
			json_array_append_new(tom, json_pack("{s:s,s:s}", "@type", "dpv:TechnicalOrganisationalMeasure",
			                                     "dct:description", r->security.v[k]));
		put(p, "dpv:hasTechnicalOrganisationalMeasure", tom);
		if (a->automated_decision)
			json_object_set_new(p, "dpv:hasProcessingContext",
			                    json_pack("{s:s,s:s}", "@type", "dpv:AutomatedDecisionMaking",
			                              "dct:description", a->automated_decision));
		json_array_append_new(graph, p);
	}
	return json_pack("{s:o,s:o}", "@context", ctx, "@graph", graph);
}

/* ---- text cells of the Markdown and HTML documents ---- */

/* Where the CSV, Markdown and HTML exports go: their FILE, through a buffer. */
static int to_file(void *ud, const void *p, size_t n)
{
	return fwrite(p, 1, n, ud) == n ? 0 : gd__err(GD_EIO, "cannot write the export");
}

/*
 * Joined cells are built in one growable buffer (reset for each cell). A cell
 * holds at most the whole register, hence the cap.
 */
#define CELL_MAX (4u * GD__REGISTER_MAX_BYTES)

static void sb_add(struct gd__buf *b, const char *fmt, ...) GD__PRINTF(2, 3);
static void sb_add(struct gd__buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	gd__buf_vprintf(b, fmt, ap);
	va_end(ap);
}

/* The cell built so far ("" when empty or failed; the failure shows at the end). */
static const char *sb_str(struct gd__buf *b)
{
	return b->p && b->rc == 0 ? b->p : "";
}

static const char *sb_list(struct gd__buf *b, const struct gd__strings *s, const char *sep)
{
	gd__buf_reset(b);
	for (size_t i = 0; i < s->n; i++)
		sb_add(b, "%s%s", i ? sep : "", s->v[i]);
	return sb_str(b);
}

static const char *sb_parties(const struct gd__po *po, struct gd__buf *b, const struct gd__party *p, size_t n,
                              const char *sep)
{
	gd__buf_reset(b);
	for (size_t i = 0; i < n; i++) {
		sb_add(b, "%s%s", i ? sep : "", p[i].name);
		if (p[i].kind || p[i].country || p[i].purpose) {
			sb_add(b, " (");
			bool any = false;
			if (p[i].kind)
				sb_add(b, "%s", p[i].kind), any = true;
			for (size_t k = 0; k < p[i].countries.n; k++)
				sb_add(b, "%s%s", any ? ", " : "", p[i].countries.v[k]), any = true;
			if (!p[i].countries.n && p[i].country)
				sb_add(b, "%s%s", any ? ", " : "", p[i].country), any = true;
			if (p[i].purpose)
				sb_add(b, "%s%s", any ? ", " : "", p[i].purpose);
			if (p[i].contract_date)
				sb_add(b, "%s%s %s%s%s", any ? ", " : "", gd__po_pgettext(po, "register", "contract of"), p[i].contract_date,
				       p[i].contract_reference ? " " : "", p[i].contract_reference ? p[i].contract_reference : "");
			sb_add(b, ")");
		}
		for (size_t k = 0; k < p[i].nsub_processors; k++) {
			const struct gd__party *s = &p[i].sub_processors[k];
			sb_add(b, "%s%s (%s", k ? "; " : gd__po_pgettext(po, "register", " — engages "), s->name,
			       gd__po_pgettext(po, "register", "sub-processor"));
			for (size_t c = 0; c < s->countries.n; c++)
				sb_add(b, ", %s", s->countries.v[c]);
			if (s->purpose)
				sb_add(b, ", %s", s->purpose);
			sb_add(b, ")");
		}
	}
	return sb_str(b);
}

static const char *sb_transfers(const struct gd__po *po, struct gd__buf *b, const struct gd__activity *a,
                                const char *sep)
{
	gd__buf_reset(b);
	for (size_t i = 0; i < a->ntransfers; i++) {
		const struct gd__transfer *t = &a->transfers[i];
		sb_add(b, "%s%s, %s, %s%s%s", i ? sep : "", t->recipient, t->country ? t->country : "?",
		       gd__po_pgettext(po, "register-safeguard", safeguard_names[t->safeguard]), t->reference ? ", " : "",
		       t->reference ? t->reference : "");
	}
	return sb_str(b);
}

static void period_words(const struct gd__po *po, char out[128], struct gd__period p);

static const char *sb_retention(const struct gd__po *po, struct gd__buf *b, const struct gd__activity *a,
                                const char *sep)
{
	gd__buf_reset(b);
	for (size_t i = 0; i < a->nretention; i++) {
		const struct gd__retention *r = &a->retention[i];
		sb_add(b, "%s", i ? sep : "");
		if (r->categories.n || r->subjects.n) {
			for (size_t k = 0; k < r->categories.n; k++)
				sb_add(b, "%s%s", k ? ", " : "", r->categories.v[k]);
			for (size_t k = 0; k < r->subjects.n; k++)
				sb_add(b, "%s%s", k ? ", " : gd__po_pgettext(po, "register", r->categories.n ? " of " : "of "),
				       r->subjects.v[k]);
			sb_add(b, ": ");
		}
		for (size_t s = 0; s < r->nstages; s++) {
			char per[128];
			period_words(po, per, r->stages[s].after);
			const char *f = gd__po_pgettext(po, "register", "{action} {period} after {event}");
			sb_add(b, "%s", s ? "; " : "");
			/* the catalogue orders the words; placeholders are replaced here, never printf'd */
			for (const char *c = f; *c;) {
				const char *v = NULL;
				size_t skip = 0;
				if (strncmp(c, "{action}", 8) == 0)
					v = gd__po_pgettext(po, "stage", stage_names[r->stages[s].action]), skip = 8;
				else if (strncmp(c, "{period}", 8) == 0)
					v = per, skip = 8;
				else if (strncmp(c, "{event}", 7) == 0)
					v = r->stages[s].from, skip = 7;
				if (v) {
					sb_add(b, "%s", v);
					c += skip;
				} else {
					gd__buf_add(b, c, 1);
					c++;
				}
			}
		}
		if (r->legal_reference)
			sb_add(b, " [%s]", r->legal_reference);
	}
	return sb_str(b);
}

static const char *sb_special(const struct gd__po *po, struct gd__buf *b, const struct gd__activity *a)
{
	gd__buf_reset(b);
	for (size_t i = 0; i < a->categories.n; i++)
		if (gd__taxonomy_special(a->categories.v[i]))
			sb_add(b, "%s%s", b->n ? ", " : "", a->categories.v[i]);
	if (b->n && a->art9_condition)
		sb_add(b, " (Art. 9: %s)", a->art9_condition);
	if (!b->n)
		sb_add(b, "%s", gd__po_pgettext(po, "register", "none"));
	return sb_str(b);
}

static const char *sb_basis(const struct gd__po *po, struct gd__buf *b, const struct gd__activity *a)
{
	const struct gd__term *t = gd__taxonomy_find(GD__TAXO_BASIS, basis_names[a->basis]);
	gd__buf_reset(b);
	if (a->basis == GD__BASIS_NOT_STATED)
		sb_add(b, "%s", gd__po_pgettext(po, "register", "not stated in the notice"));
	else
		sb_add(b, "%s (%s %s)", gd__po_pgettext(po, "register-basis", basis_names[a->basis]),
		       gd__po_pgettext(po, "register", "Art."), t ? t->article : "6(1)");
	if (a->basis_detail)
		sb_add(b, "%s%s", gd__po_pgettext(po, "register", ": "), a->basis_detail);
	return sb_str(b);
}

/* Flushes `o` and releases `cell`: 0, or the first error of either. */
static int finish(struct gd__buf *o, struct gd__buf *cell)
{
	int rc = gd__buf_flush(o);
	if (rc == 0)
		rc = cell->rc;
	gd__buf_release(o);
	gd__buf_release(cell);
	return rc;
}

/* ---- Markdown and HTML: one section per activity ---- */

struct doc {
	struct gd__buf o; /* streaming to the FILE */
	bool html;
	const struct gd__po *po; /* the language's catalogue (po/<language>.po) */
};

/* A label of the export in the document's language (context "register"). */
#define L(x) gd__po_pgettext(d.po, "register", (x))

/* A register term in the catalogue's words ("basis", "right"…), else its key. */
static const char *term_of(const struct doc *d, const char *ctx, const char *key)
{
	return gd__po_pgettext(d->po, ctx, key);
}

/* "3 years 6 months" in the catalogue's words (the notice's plural forms). */
static void period_words(const struct gd__po *po, char out[128], struct gd__period p)
{
	struct {
		int n;
		const char *one, *many;
	} parts[] = {
		{p.years, "{n} year", "{n} years"}, {p.months, "{n} month", "{n} months"}, {p.days, "{n} day", "{n} days"}};
	size_t o = 0;
	out[0] = 0;
	for (size_t i = 0; i < 3; i++) {
		if (!parts[i].n && !(i == 2 && o == 0))
			continue;
		const char *f = gd__po_ngettext(po, parts[i].one, parts[i].many, (unsigned long)parts[i].n);
		const char *ph = strstr(f, "{n}");
		int w = ph ? snprintf(out + o, 128 - o, "%s%.*s%d%s", o ? " " : "", (int)(ph - f), f, parts[i].n, ph + 3)
		           : snprintf(out + o, 128 - o, "%s%s", o ? " " : "", f);
		o += w > 0 ? (size_t)w : 0;
		if (o >= 128)
			o = 127;
	}
}

/* Text in the document: HTML-escaped, or Markdown's special characters escaped. */
static void esc(struct doc *d, const char *s)
{
	if (d->html) {
		gd__buf_html(&d->o, s, s ? strlen(s) : 0);
		return;
	}
	for (; s && *s; s++) {
		if (*s == '|' || *s == '*' || *s == '_' || *s == '`' || *s == '<' || *s == '[' || *s == '\\')
			gd__buf_add(&d->o, "\\", 1);
		gd__buf_add(&d->o, *s == '\n' ? " " : s, 1);
	}
}

static void heading(struct doc *d, int level, const char *text, const char *anchor)
{
	if (d->html) {
		gd__buf_printf(&d->o, "<h%d", level);
		if (anchor) {
			gd__buf_puts(&d->o, " id=\"");
			esc(d, anchor);
			gd__buf_puts(&d->o, "\"");
		}
		gd__buf_puts(&d->o, ">");
		esc(d, text);
		gd__buf_printf(&d->o, "</h%d>\n", level);
	} else {
		gd__buf_printf(&d->o, "\n%.*s ", level, "######");
		esc(d, text);
		gd__buf_puts(&d->o, "\n\n");
	}
}

static void table_start(struct doc *d)
{
	gd__buf_puts(&d->o, d->html ? "<table>\n" : "| | |\n|---|---|\n");
}

static void table_end(struct doc *d)
{
	gd__buf_puts(&d->o, d->html ? "</table>\n" : "");
}

static void row(struct doc *d, const char *label, const char *value)
{
	if (!value || !*value)
		return;
	if (d->html) {
		gd__buf_puts(&d->o, "<tr><th>");
		esc(d, label);
		gd__buf_puts(&d->o, "</th><td>");
		esc(d, value);
		gd__buf_puts(&d->o, "</td></tr>\n");
	} else {
		gd__buf_puts(&d->o, "| ");
		esc(d, label);
		gd__buf_puts(&d->o, " | ");
		esc(d, value);
		gd__buf_puts(&d->o, " |\n");
	}
}

/* A right's name from the notice's catalogue, without its trailing colon. */
static void right_label(const struct doc *d, const char *kind, char out[256])
{
	snprintf(out, 256, "%s", term_of(d, "register-right", kind));
	size_t n = strlen(out);
	for (;;) {
		if (n && (out[n - 1] == ':' || out[n - 1] == ' '))
			n--;
		else if (n >= 2 && memcmp(out + n - 2, "\xc2\xa0", 2) == 0) /* no-break space */
			n -= 2;
		else if (n >= 3 && memcmp(out + n - 3, "\xe2\x80\xaf", 3) == 0) /* narrow one */
			n -= 3;
		else
			break;
	}
	out[n] = 0;
}

static int write_doc(const struct gd__register *r, FILE *out, bool html, const char *language)
{
	const struct gd__po *po;
	int prc = gd__po_get(&po, language ? language : "en");
	if (prc < 0)
		return prc;
	char mem[8192];
	struct doc d = {.html = html, .po = po};
	struct gd__buf cell, *b = &cell;
	char t[1024];
	gd__buf_init(&cell, CELL_MAX);
	gd__buf_init_stream(&d.o, mem, sizeof mem, to_file, out);
	snprintf(t, sizeof t, "%s — %s", L("Register of processing activities"), r->controller.name);
	if (html) {
		gd__buf_puts(&d.o, "<!DOCTYPE html>\n<html lang=\"");
		esc(&d, language ? language : "en");
		gd__buf_puts(&d.o, "\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
		esc(&d, t);
		gd__buf_puts(&d.o, "</title>\n<style>body{font-family:sans-serif;max-width:60em;margin:auto;padding:1em}"
		                   "table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.3em;"
		                   "text-align:left;vertical-align:top}th{width:14em;background:#f4f4f4}</style>\n"
		                   "</head>\n<body>\n");
		heading(&d, 1, t, NULL);
	} else {
		gd__buf_puts(&d.o, "# ");
		esc(&d, t);
		gd__buf_puts(&d.o, "\n");
	}
	heading(&d, 2, L("Controller"), "controller");
	table_start(&d);
	row(&d, L("Name"), r->controller.name);
	row(&d, L("Address"), r->controller.address);
	row(&d, L("Registration"), r->controller.registration);
	row(&d, L("Country"), r->controller.country);
	row(&d, L("Email"), r->controller.email);
	if (r->representative.name) {
		snprintf(t, sizeof t, "%s%s%s", r->representative.name, r->representative.address ? ", " : "",
		         r->representative.address ? r->representative.address : "");
		row(&d, L("Representative"), t);
	}
	if (r->dpo.name) {
		snprintf(t, sizeof t, "%s%s%s%s%s%s%s", r->dpo.name, r->dpo.address ? ", " : "",
		         r->dpo.address ? r->dpo.address : "", r->dpo.email ? ", " : "",
		         r->dpo.email ? r->dpo.email : "", r->dpo_phone ? ", " : "", r->dpo_phone ? r->dpo_phone : "");
		row(&d, L("Data protection officer"), t);
	}
	if (r->authority.name)
		row(&d, L("Supervisory authority"), r->authority.name);
	row(&d, L("Rights: write to"), r->rights_contact);
	row(&d, L("Rights: postal address"), r->rights_postal);
	row(&d, L("Privacy notice"), r->notice.url);
	row(&d, L("Notice updated"), r->notice.updated);
	row(&d, L("Security (all activities)"), sb_list(b, &r->security, "; "));
	table_end(&d);

	heading(&d, 2, L("Activities"), "activities");
	if (html)
		gd__buf_puts(&d.o, "<ul>\n");
	for (size_t i = 0; i < r->nactivities; i++) {
		const struct gd__activity *a = &r->activities[i];
		if (html) {
			gd__buf_puts(&d.o, "<li><a href=\"#activity-");
			esc(&d, a->id);
			gd__buf_puts(&d.o, "\">");
			esc(&d, a->name);
			gd__buf_puts(&d.o, "</a></li>\n");
		} else {
			gd__buf_puts(&d.o, "- ");
			esc(&d, a->name);
			gd__buf_puts(&d.o, " (`");
			gd__buf_puts(&d.o, a->id);
			gd__buf_puts(&d.o, "`)\n");
		}
	}
	if (html)
		gd__buf_puts(&d.o, "</ul>\n");
	for (size_t i = 0; i < r->nactivities; i++) {
		const struct gd__activity *a = &r->activities[i];
		char anchor[GD_NAME_MAX + 16];
		snprintf(anchor, sizeof anchor, "activity-%s", a->id);
		heading(&d, 2, a->name, anchor);
		table_start(&d);
		row(&d, L("Id"), a->id);
		row(&d, L("Description"), a->description);
		snprintf(t, sizeof t, "%s%s%s", L(a->role == GD__ROLE_PROCESSOR ? "processor" : "controller"),
		         a->on_behalf_of ? L(", on behalf of ") : "", a->on_behalf_of ? a->on_behalf_of : "");
		row(&d, L("Role"), t);
		row(&d, L("Purposes"), sb_list(b, &a->purposes, ", "));
		row(&d, L("Sub-purposes"), sb_list(b, &a->sub_purposes, "; "));
		row(&d, L("Legal basis"), sb_basis(po, b, a));
		if (a->consent_text) {
			snprintf(t, sizeof t, "%s%s%s", a->consent_text, a->consent_version ? L(" — version ") : "",
			         a->consent_version ? a->consent_version : "");
			row(&d, L("Consent wording"), t);
		}
		row(&d, L("Art. 9 condition"), a->art9_condition);
		row(&d, L("Data categories"), sb_list(b, &a->categories, ", "));
		row(&d, L("Special categories"), sb_special(po, b, a));
		row(&d, L("Data subjects"), sb_list(b, &a->subjects, ", "));
		row(&d, L("Sources"), sb_list(b, &a->sources, ", "));
		if (a->mandatory.n) {
			sb_list(b, &a->mandatory, ", ");
			sb_add(b, "%s%s", L(" — if absent: "), a->if_absent ? a->if_absent : "");
			row(&d, L("Mandatory"), sb_str(b));
		}
		row(&d, L("Internal roles"), sb_list(b, &a->roles, ", "));
		row(&d, L("Recipients"), sb_parties(po, b, a->recipients, a->nrecipients, "; "));
		row(&d, L("Processors"), sb_parties(po, b, a->processors, a->nprocessors, "; "));
		row(&d, L("Transfers outside the EU"), sb_transfers(po, b, a, "; "));
		gd__buf_reset(b);
		for (size_t k = 0; k < a->njoint; k++)
			sb_add(b, "%s%s: %s%s%s", k ? "; " : "", a->joint[k].name,
			       a->joint[k].arrangement ? a->joint[k].arrangement : "", a->joint[k].reference ? " — " : "",
			       a->joint[k].reference ? a->joint[k].reference : "");
		row(&d, L("Joint controllers (Art. 26)"), b->n ? sb_str(b) : NULL);
		if (a->dpia.date) {
			gd__buf_reset(b);
			sb_add(b, "%s, %s%s%s", a->dpia.date, a->dpia.outcome ? a->dpia.outcome : "",
			       a->dpia.reference ? " — " : "", a->dpia.reference ? a->dpia.reference : "");
			row(&d, L("Impact assessment (Art. 35)"), sb_str(b));
		}
		row(&d, L("Retention"), sb_retention(po, b, a, " | "));
		for (size_t k = 0; k < a->nretention; k++)
			row(&d, L("Retention (notice)"), a->retention[k].text);
		row(&d, L("Automated decision"), a->automated_decision);
		row(&d, L("Security"), sb_list(b, &a->security, "; "));
		row(&d, L("Notice"), a->notice);
		table_end(&d);
	}
	if (r->nrights) {
		heading(&d, 2, L("Rights of the data subjects"), "rights");
		table_start(&d);
		for (size_t i = 0; i < r->nrights; i++) {
			const struct gd__right *g = &r->rights[i];
			gd__buf_reset(b);
			sb_add(b, "%s", L(g->offered ? "offered" : "not offered"));
			if (g->reason)
				sb_add(b, "%s%s", L(": "), g->reason);
			if (g->conditions)
				sb_add(b, " — %s", g->conditions);
			if (g->identity_proof)
				sb_add(b, "%s", L(" — identity proof required"));
			if (g->extra_copies_charged)
				sb_add(b, "%s", L(" — extra copies may be charged"));
			for (size_t k = 0; k < g->channels.n; k++)
				sb_add(b, "%s%s", k ? ", " : L(" — by "), g->channels.v[k]);
			if (g->fee)
				sb_add(b, " — %s", L(strcmp(g->fee, "free") == 0 ? "free" : "free unless manifestly unfounded or excessive"));
			if (g->identity)
				sb_add(b, "%s%s", L(" — identity: "), g->identity);
			char label[256];
			right_label(&d, g->kind, label);
			row(&d, label, sb_str(b));
		}
		table_end(&d);
	}
	if (r->cookies.present) {
		heading(&d, 2, L("Cookies"), "cookie-declarations");
		table_start(&d);
		row(&d, L("Cookie policy"), r->cookies.policy);
		row(&d, L("Cookies (notice)"), r->cookies.text);
		for (size_t i = 0; i < r->cookies.n; i++) {
			const struct gd__cookie *ck = &r->cookies.list[i];
			char per[128];
			gd__buf_reset(b);
			sb_add(b, "%s%s", L("activity: "), ck->activity);
			if (ck->has_lifetime) {
				period_words(po, per, ck->lifetime);
				sb_add(b, "%s%s", L(" — lifetime: "), per);
			}
			if (ck->purpose)
				sb_add(b, " — %s", ck->purpose);
			if (ck->provider)
				sb_add(b, "%s%s", L(" — set by: "), ck->provider);
			row(&d, ck->name, sb_str(b));
		}
		table_end(&d);
	}
	if (r->nevents) {
		heading(&d, 2, L("Events retention counts from"), "events");
		table_start(&d);
		for (size_t i = 0; i < r->nevents; i++)
			row(&d, r->events[i].name, r->events[i].description ? r->events[i].description : "-");
		table_end(&d);
	}
	if (html)
		gd__buf_puts(&d.o, "</body>\n</html>\n");
	return finish(&d.o, &cell);
}

int gd__register_write(const struct gd__register *r, const char *source, size_t len,
                       const char *format, const char *language, FILE *out)
{
	if (!format)
		format = "md";
	if (strcmp(format, "json") == 0)
		return dump(gd__register_json(r), out);
	if (strcmp(format, "jsonld") == 0)
		return dump(jsonld(r), out);
	if (strcmp(format, "csv") == 0)
		return gd__register_write_cnil(r, false, out);
	if (strcmp(format, "ods") == 0)
		return gd__register_write_ods(r, out);
	if (strcmp(format, "fods") == 0)
		return gd__register_write_cnil(r, true, out);
	if (strcmp(format, "md") == 0 || strcmp(format, "markdown") == 0)
		return write_doc(r, out, false, language);
	if (strcmp(format, "html") == 0)
		return write_doc(r, out, true, language);
	if (strcmp(format, "yaml") == 0)
		return fwrite(source, 1, len, out) == len ? 0 : gd__err(GD_EIO, "cannot write the export");
	return gd__err(GD_EINVAL, "unknown export format \"%s\": use one of %s", format, GD_REGISTER_FORMATS);
}
