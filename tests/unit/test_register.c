/*
 * test_register.c — the register's promises: a valid file loads into the model
 * the notice describes; every mistake is reported with file, line, column and a
 * fix; bad input (huge, deep, non-UTF-8, malformed) is refused and leaves the
 * vault unchanged; versions are kept and compared; exports are deterministic;
 * and once loaded the register decides which writes and reads are allowed.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "lib/internal.h"
#include "lib/register/register.h"

/* A small register: billing under contract, newsletter under consent. */
static const char *REG1 =
	"gardien_register: 1\n"
	"controller: {name: ACME SAS, address: \"1 rue de la Paix, Paris\"}\n"
	"dpo: {name: Jeanne DPO, email: dpo@acme.example}\n"
	"events:\n"
	"  contract_end: the contract ends\n"
	"taxonomy:\n"
	"  data_categories:\n"
	"    - {key: user.financial.bank_account.iban, beneath: user.financial.bank_account, name: IBAN}\n"
	"activities:\n"
	"  - id: billing\n"
	"    name: Billing\n"
	"    role: controller\n"
	"    purposes: [essential.service.payment_processing]\n"
	"    legal_basis: contract\n"
	"    categories: [user.contact, user.financial.bank_account.iban]\n"
	"    subjects: [customer]\n"
	"    retention:\n"
	"      - stages:\n"
	"          - {action: archive, from: contract_end, after: 0 days}\n"
	"          - {action: delete, from: contract_end, after: 10 years}\n"
	"  - id: newsletter\n"
	"    name: Newsletter\n"
	"    role: controller\n"
	"    purposes: [marketing.communications.email]\n"
	"    legal_basis: consent\n"
	"    consent: {text: I want the newsletter, version: '1', validity: 3 years}\n"
	"    categories: [user.contact.email]\n"
	"    subjects: [customer, prospect]\n"
	"    retention:\n"
	"      - stages: [{action: delete, from: collection, after: 3 years}]\n"
	"rights:\n"
	"  - {kind: access, identity_proof: true}\n"
	"  - {kind: post_mortem, offered: false, reason: not offered}\n";

struct findings {
	char text[8192];
	size_t n;
};

static void collect(void *ud, const gd_register_diag *d)
{
	struct findings *f = ud;
	size_t o = strlen(f->text);
	snprintf(f->text + o, sizeof f->text - o, "%d:%d:%s:%s\n", d->line, d->column,
	         d->severity == GD_REGISTER_ERROR ? "E" : "W", d->message);
	f->n++;
}

static int parse(const char *text, struct findings *f, size_t *nerr)
{
	struct gd__register *r = NULL;
	size_t w;
	int rc = gd__register_parse(&r, "t.yml", text, strlen(text), collect, f, nerr, &w);
	if (rc == 0)
		assert_non_null(r);
	else
		assert_null(r);
	gd__register_free(r);
	return rc;
}

/* REG1 with `from` replaced by `to` (once). */
static char *variant(const char *from, const char *to)
{
	const char *p = strstr(REG1, from);
	assert_non_null(p);
	size_t n = strlen(REG1) - strlen(from) + strlen(to) + 1;
	char *s = malloc(n);
	snprintf(s, n, "%.*s%s%s", (int)(p - REG1), REG1, to, p + strlen(from));
	return s;
}

static void assert_finding(const char *text, const char *expected_line_col, const char *needle)
{
	struct findings f = {0};
	size_t nerr = 0;
	assert_int_equal(parse(text, &f, &nerr), GD_EINVAL);
	assert_true(nerr >= 1);
	char want[256];
	snprintf(want, sizeof want, "%s:E:", expected_line_col);
	const char *at = strstr(f.text, want);
	if (!at || !strstr(at, needle))
		fail_msg("expected \"%s ... %s\" in:\n%s", want, needle, f.text);
	/* The library's last error is the first finding, with file:line:column. */
	assert_non_null(strstr(gd_error_last(), "t.yml:"));
}

static void valid_register_model(void **state)
{
	struct gd__register *r = NULL;
	struct findings f = {0};
	size_t nerr = 9, nwarn = 9;
	GD_OK_OR_FAIL(gd__register_parse(&r, "t.yml", REG1, strlen(REG1), collect, &f, &nerr, &nwarn));
	assert_int_equal(nerr, 0);
	assert_int_equal(nwarn, 0);
	assert_int_equal(r->nactivities, 2);
	const struct gd__activity *b = gd__register_activity(r, "billing");
	assert_non_null(b);
	assert_int_equal(b->basis, GD__BASIS_CONTRACT);
	assert_int_equal(b->nretention, 1);
	assert_int_equal(b->retention[0].nstages, 2);
	assert_int_equal(b->retention[0].stages[0].action, GD__STAGE_ARCHIVE);
	assert_int_equal(b->retention[0].stages[1].action, GD__STAGE_DELETE);
	assert_string_equal(b->retention[0].stages[1].from, "contract_end");
	assert_int_equal(b->retention[0].stages[1].after.years, 10);
	const struct gd__activity *n = gd__register_activity(r, "newsletter");
	assert_int_equal(n->basis, GD__BASIS_CONSENT);
	assert_string_equal(n->consent_text, "I want the newsletter");
	assert_int_equal(n->consent_validity.years, 3);
	assert_null(gd__register_activity(r, "marketing"));
	/* Coverage: a category covers what is beneath it, not its parent or siblings. */
	assert_true(gd__category_covered(&b->categories, "user.contact.email"));
	assert_true(gd__category_covered(&b->categories, "user.financial.bank_account.iban"));
	assert_false(gd__category_covered(&b->categories, "user.financial.bank_account"));
	assert_false(gd__category_covered(&b->categories, "user.contactx"));
	assert_false(gd__category_covered(&n->categories, "user.contact"));
	const struct gd__right *rt = gd__register_right(r, "post_mortem");
	assert_non_null(rt);
	assert_false(rt->offered);
	assert_true(gd__register_right(r, "access")->identity_proof);
	assert_null(gd__register_right(r, "portability"));
	assert_int_equal(r->nterms, 1);
	gd__register_free(r);
	gd__register_free(NULL);

	/* A right of Art. 15-22 declared not offered: valid, with a warning (the law grants it). */
	char *s = variant("{kind: post_mortem, offered: false", "{kind: restriction, offered: false");
	struct findings g = {0};
	size_t ne = 9;
	assert_int_equal(parse(s, &g, &ne), 0);
	assert_int_equal(ne, 0);
	if (!strstr(g.text, ":W:right \"restriction\" is declared not offered, but Art. 18 grants it"))
		fail_msg("no warning on a statutory right declared not offered:\n%s", g.text);
	free(s);
}

static void examples_are_valid(void **state)
{
	const char *src = getenv("GD_SOURCE_DIR");
	assert_non_null(src);
	static const char *const files[] = {"winbooks", "iporta", "wimi"};
	for (size_t i = 0; i < 3; i++) {
		char path[4200];
		snprintf(path, sizeof path, "%s/examples/%s.yml", src, files[i]);
		struct findings f = {0};
		size_t nerr = 0, nwarn = 0;
		int rc = gd_register_check(path, collect, &f, &nerr, &nwarn);
		if (rc != 0)
			fail_msg("%s: %s\n%s", path, gd_error_last(), f.text);
	}
}

static void findings_locate_and_explain(void **state)
{
	char *s;
	/* Unknown category: position of the item, nearest known keys. */
	s = variant("[user.contact.email]", "[user.email]");
	assert_finding(s, "27:18", "nearest known are \"user.contact.email\"");
	free(s);
	/* Unknown key with a suggestion. */
	s = variant("    legal_basis: contract\n", "    legal_bassis: contract\n");
	assert_finding(s, "14:5", "did you mean \"legal_basis\"");
	free(s);
	/* Duplicate activity id. */
	s = variant("id: newsletter", "id: billing");
	assert_finding(s, "21:9", "duplicate activity id \"billing\" (first at line 10)");
	free(s);
	/* Consent basis without wording. */
	s = variant("    consent: {text: I want the newsletter, version: '1', validity: 3 years}\n", "");
	assert_finding(s, "25:18", "consent-based activity without consent wording");
	free(s);
	/* Retention from an undeclared event. */
	s = variant("from: contract_end, after: 10", "from: end_of_contract, after: 10");
	assert_finding(s, "20:36", "undeclared event \"end_of_contract\"");
	free(s);
	/* Special category without an Art. 9 condition. */
	s = variant("[user.contact.email]", "[user.contact.email, user.health_and_medical]");
	assert_finding(s, "27:38", "special category (Art. 9)");
	free(s);
	/* Transfer outside the EU without safeguard; processor outside the EU without transfer. */
	s = variant("    subjects: [customer]\n",
	            "    subjects: [customer]\n"
	            "    processors: [{name: CloudCo, country: US}]\n"
	            "    transfers: [{recipient: MailCo, country: US}]\n");
	assert_finding(s, "18:18", "transfer to US (outside the EU/EEA) without a safeguard");
	assert_finding(s, "17:19", "processor \"CloudCo\" is in US, outside the EU/EEA");
	free(s);
	s = variant("    subjects: [customer]\n",
	            "    subjects: [customer]\n"
	            "    processors: [{name: CloudCo, country: US}]\n"
	            "    transfers: [{recipient: CloudCo, country: US, safeguard: scc}]\n");
	struct findings f = {0};
	size_t nerr = 0;
	assert_int_equal(parse(s, &f, &nerr), 0);
	free(s);
	/* Wrong type, missing key, bad period, unknown subject, stage order. */
	s = variant("categories: [user.contact.email]", "categories: user.contact.email");
	assert_finding(s, "27:17", "must be a list");
	free(s);
	s = variant("    name: Newsletter\n", "");
	assert_finding(s, "21:5", "required key \"name\" is missing");
	free(s);
	s = variant("after: 3 years}]", "after: three years}]");
	assert_finding(s, "30:60", "is not a period");
	free(s);
	s = variant("[customer, prospect]", "[customer, prospekt]");
	assert_finding(s, "28:26", "nearest known are \"prospect\"");
	free(s);
	s = variant("- {action: archive, from: contract_end, after: 0 days}\n          - {action: delete,",
	            "- {action: delete, from: contract_end, after: 0 days}\n          - {action: archive,");
	assert_finding(s, "20:14", "in the order archive, anonymise, delete");
	free(s);
	/* Own terms must sit beneath a published one, named after it. */
	s = variant("beneath: user.financial.bank_account,", "beneath: user.financial.bank,");
	assert_finding(s, "8:56", "unknown data category \"user.financial.bank\"");
	free(s);
	/*
	 * A refused activity (no id) followed by a valid one: the second is read on
	 * its own, not on top of the first's leftovers (found by the fuzzer).
	 */
	s = variant("  - id: billing\n", "  - ie: billing\n");
	memset(&f, 0, sizeof f);
	assert_int_equal(parse(s, &f, &nerr), GD_EINVAL);
	assert_int_equal(nerr, 2); /* unknown key "ie", missing "id" */
	assert_non_null(strstr(f.text, "did you mean \"id\""));
	free(s);
	/* Retention rules name only the activity's subject categories. */
	s = variant("      - stages: [{action: delete, from: collection",
	            "      - subjects: [employee]\n        stages: [{action: delete, from: collection");
	assert_finding(s, "30:20", "subject category \"employee\" is not a subject category of the activity");
	free(s);
	/* A right not offered needs its reason. */
	s = variant("offered: false, reason: not offered}", "offered: false}");
	assert_finding(s, "33:6", "is not offered and no \"reason\"");
	free(s);
}

static void bad_input_refused_vault_unchanged(void **state)
{
	struct fixture *f = fx_new();
	int64_t ver = 0;
	struct findings fi = {0};
	size_t nerr;
	/* Several MB. */
	size_t big = 3u << 20;
	char *huge = malloc(big + 1);
	memset(huge, '#', big);
	huge[big] = 0;
	assert_int_equal(gd_register_load_buffer(f->a, "big.yml", huge, big, &ver, NULL), GD_ETOOBIG);
	assert_non_null(strstr(gd_error_last(), "limit"));
	free(huge);
	/* Deep nesting. */
	char deep[4096];
	size_t o = (size_t)snprintf(deep, sizeof deep, "gardien_register: 1\nx: ");
	for (int i = 0; i < 1000; i++)
		deep[o++] = '[';
	for (int i = 0; i < 1000; i++)
		deep[o++] = ']';
	deep[o] = 0;
	assert_int_equal(parse(deep, &fi, &nerr), GD_EINVAL);
	assert_non_null(strstr(fi.text, "nesting deeper"));
	assert_int_equal(gd_register_load_buffer(f->a, "deep.yml", deep, o, &ver, NULL), GD_EINVAL);
	/* Not UTF-8, with the position of the bad byte. */
	memset(&fi, 0, sizeof fi);
	const char *latin1 = "gardien_register: 1\ncontroller: {name: \"Soci\xe9t\xe9\"}\n";
	assert_int_equal(parse(latin1, &fi, &nerr), GD_EINVAL);
	assert_non_null(strstr(fi.text, "2:25:E:the file is not valid UTF-8"));
	/* Malformed YAML, aliases, a list instead of a mapping, an empty file. */
	static const char *const bad[] = {
		"gardien_register: 1\nactivities: [\n",
		"a: &x [1]\nb: *x\n",
		"- 1\n- 2\n",
		"",
		"gardien_register: 3\n",
		"gardien_register: 1\n---\ngardien_register: 1\n",
	};
	static const char *const why[] = {"YAML syntax", "aliases", "not a list", "empty",
	                                  "format version must be 1 or 2", "more than one YAML document"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		memset(&fi, 0, sizeof fi);
		assert_int_equal(parse(bad[i], &fi, &nerr), GD_EINVAL);
		if (!strstr(fi.text, why[i]))
			fail_msg("case %zu: expected \"%s\" in %s", i, why[i], fi.text);
		assert_int_equal(gd_register_load_buffer(f->a, "bad.yml", bad[i], strlen(bad[i]), &ver, NULL),
		                 GD_EINVAL);
	}
	/* Nothing was stored, nothing audited. */
	size_t n = 0;
	assert_int_equal(gd_register_versions(f->a, NULL, NULL), 0);
	sqlite3 *db;
	sqlite3_stmt *st;
	db = audit_db_open(f->path);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM registers) * 1000 +"
	                                        " (SELECT count(*) FROM audit WHERE action = 'register.load')",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = (size_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	audit_db_close(db);
	assert_int_equal(n, 0);
	fx_free(f);
}

struct vlist {
	int64_t versions[8];
	size_t n;
	char changes[4096];
};

static int on_version(void *ud, const gd_register_version *v)
{
	struct vlist *l = ud;
	l->versions[l->n++] = v->version;
	assert_int_equal(v->activities, 2);
	assert_string_equal(v->principal, "test:unit");
	assert_int_equal(strlen(v->digest), 64);
	return 0;
}

static int on_change(void *ud, const gd_register_change *c)
{
	struct vlist *l = ud;
	size_t o = strlen(l->changes);
	snprintf(l->changes + o, sizeof l->changes - o, "%c %s %s %s -> %s\n", c->op, c->where,
	         c->field ? c->field : "-", c->before ? c->before : "-", c->after ? c->after : "-");
	return 0;
}

static char *export_to_string(gd_actor *a, int64_t version, const char *format, size_t *len)
{
	char *buf = NULL;
	FILE *m = open_memstream(&buf, len);
	GD_OK_OR_FAIL(gd_register_export(a, version, format, m));
	fclose(m);
	return buf;
}

static void versions_diff_and_exports(void **state)
{
	struct fixture *f = fx_new();
	int64_t v = 0;
	int unchanged = -1;
	GD_OK_OR_FAIL(gd_register_load_buffer(f->a, "acme.yml", REG1, strlen(REG1), &v, &unchanged));
	assert_int_equal(v, 1);
	assert_int_equal(unchanged, 0);
	/* The same text again stores nothing. */
	GD_OK_OR_FAIL(gd_register_load_buffer(f->a, "acme.yml", REG1, strlen(REG1), &v, &unchanged));
	assert_int_equal(v, 1);
	assert_int_equal(unchanged, 1);
	char *two = variant("legal_basis: consent", "legal_basis: legitimate_interests");
	GD_OK_OR_FAIL(gd_register_load_buffer(f->a, "acme.yml", two, strlen(two), &v, &unchanged));
	assert_int_equal(v, 2);
	free(two);
	struct vlist l = {0};
	GD_OK_OR_FAIL(gd_register_versions(f->a, on_version, &l));
	assert_int_equal(l.n, 2);
	assert_int_equal(l.versions[1], 2);
	size_t n = 0;
	GD_OK_OR_FAIL(gd_register_diff(f->a, 1, 2, on_change, &l, &n));
	assert_int_equal(n, 1);
	assert_non_null(strstr(l.changes, "~ activity newsletter legal_basis \"consent\" -> \"legitimate_interests\""));
	l.changes[0] = 0;
	GD_OK_OR_FAIL(gd_register_diff(f->a, 2, 2, on_change, &l, &n));
	assert_int_equal(n, 0);
	assert_int_equal(gd_register_diff(f->a, 1, 7, on_change, &l, &n), GD_ENOTFOUND);

	/* Every format is deterministic, also across handles; version 1 is still exportable. */
	static const char *const formats[] = {"html", "md", "csv", "json", "jsonld", "yaml"};
	for (size_t i = 0; i < 6; i++) {
		size_t l1, l2;
		char *a = export_to_string(f->a, 0, formats[i], &l1);
		fx_reopen(f);
		char *b = export_to_string(f->a, 2, formats[i], &l2);
		assert_int_equal(l1, l2);
		assert_memory_equal(a, b, l1);
		assert_true(l1 > 100);
		free(a);
		free(b);
	}
	size_t len;
	char *y = export_to_string(f->a, 1, "yaml", &len);
	assert_int_equal(len, strlen(REG1));
	assert_memory_equal(y, REG1, len);
	free(y);
	char *csv = export_to_string(f->a, 0, "csv", &len);
	assert_non_null(strstr(csv, "\"Nom / sigle\",\"N° / REF\""));
	assert_non_null(strstr(csv, "\"Billing\",\"billing\""));
	free(csv);
	char *ld = export_to_string(f->a, 0, "jsonld", &len);
	assert_non_null(strstr(ld, "https://w3id.org/dpv#Contract"));
	assert_non_null(strstr(ld, "https://w3id.org/dpv/legal/eu/gdpr#A6-1-b"));
	free(ld);
	char *html = export_to_string(f->a, 0, "html", &len);
	assert_non_null(strstr(html, "<h2 id=\"activity-newsletter\">Newsletter</h2>"));
	free(html);
	FILE *null = fopen("/dev/null", "w");
	assert_int_equal(gd_register_export(f->a, 0, "pdf", null), GD_EINVAL);
	assert_int_equal(gd_register_export(f->a, 9, "md", null), GD_ENOTFOUND);
	fclose(null);
	fx_free(f);
}

static int put(gd_actor *a, int64_t *id, const char *subject, const char *activity,
               const char *category, const char *subject_category)
{
	gd_record_spec s = GD_RECORD_SPEC_INIT;
	s.activity = activity, s.category = category, s.subject_category = subject_category;
	s.value = "x@example.com", s.value_len = 13;
	return gd_record_put(a, id, subject, &s);
}

static void register_enforced(void **state)
{
	struct fixture *f = fx_new();
	char sub[GD_SUBJECT_ID_SIZE];
	int64_t before_reg = 0, id = 0;
	gd_record *r = NULL;
	GD_OK_OR_FAIL(gd_subject_create(f->a, sub));
	/* Without a register: anything may be stored, read only for its own activity. */
	GD_OK_OR_FAIL(put(f->a, &before_reg, sub, "anything", "user.contact.email", NULL));
	assert_int_equal(gd_record_get(f->a, &r, before_reg, "billing"), GD_EDENIED);
	GD_OK_OR_FAIL(gd_record_get(f->a, &r, before_reg, "anything"));
	gd_record_free(r);

	GD_OK_OR_FAIL(gd_register_load_buffer(f->a, "acme.yml", REG1, strlen(REG1), NULL, NULL));
	/* Writes: activity, category and subject category must be declared. */
	assert_int_equal(put(f->a, &id, sub, "anything", "user.contact.email", "customer"), GD_EDENIED);
	assert_non_null(strstr(gd_error_last(), "\"anything\" is not in the register"));
	assert_int_equal(put(f->a, &id, sub, "newsletter", "user.contact.phone_number", "customer"), GD_EDENIED);
	assert_non_null(strstr(gd_error_last(), "does not declare category user.contact.phone_number"));
	assert_int_equal(put(f->a, &id, sub, "newsletter", "user.contact.email", NULL), GD_EDENIED);
	assert_non_null(strstr(gd_error_last(), "subject category is missing"));
	assert_int_equal(put(f->a, &id, sub, "billing", "user.contact.email", "prospect"), GD_EDENIED);
	assert_non_null(strstr(gd_error_last(), "does not declare subject category prospect"));
	int64_t email = 0, iban = 0;
	GD_OK_OR_FAIL(put(f->a, &email, sub, "newsletter", "user.contact.email", "prospect"));
	GD_OK_OR_FAIL(put(f->a, &iban, sub, "billing", "user.financial.bank_account.iban", "customer"));

	/* Reads: the purpose must be an activity covering the category. */
	GD_OK_OR_FAIL(gd_record_get(f->a, &r, email, "billing")); /* user.contact covers the email */
	gd_record_free(r);
	assert_int_equal(gd_record_get(f->a, &r, iban, "newsletter"), GD_EDENIED);
	assert_null(r);
	assert_non_null(strstr(gd_error_last(), "activity \"newsletter\" does not cover category user.financial.bank_account.iban"));
	assert_int_equal(gd_record_get(f->a, &r, email, "marketing"), GD_EDENIED);
	assert_non_null(strstr(gd_error_last(), "not an activity of the register"));
	/* The old record, collected for an activity the register does not have, is no longer readable for it. */
	assert_int_equal(gd_record_get(f->a, &r, before_reg, "anything"), GD_EDENIED);

	/* A new version loaded through another handle is enforced at the next operation. */
	gd_vault *v2;
	gd_actor *a2;
	gd_vault_options o = GD_VAULT_OPTIONS_INIT;
	o.key_path = f->key; /* where the fixture keeps it (a PostgreSQL vault needs it named) */
	GD_OK_OR_FAIL(gd_vault_open(&v2, f->path, &o));
	GD_OK_OR_FAIL(gd_actor_open(&a2, v2, "acme", "test:other"));
	char *narrow = variant("categories: [user.contact, user.financial", "categories: [user.contact.phone_number, user.financial");
	GD_OK_OR_FAIL(gd_register_load_buffer(a2, "acme.yml", narrow, strlen(narrow), NULL, NULL));
	free(narrow);
	gd_actor_close(a2);
	gd_vault_close(v2);
	assert_int_equal(gd_record_get(f->a, &r, email, "billing"), GD_EDENIED);
	assert_non_null(strstr(gd_error_last(), "register version 2"));

	/* Refusals are audited with their reason. */
	sqlite3 *db;
	sqlite3_stmt *st;
	db = audit_db_open(f->path);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM audit WHERE outcome = 1 AND"
	                                        " reason LIKE '%does not%'",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_true(sqlite3_column_int64(st, 0) >= 4);
	sqlite3_finalize(st);
	audit_db_close(db);
	fx_free(f);
}

static int64_t vault_rows(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	db = audit_db_open(path);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM registers) + (SELECT count(*) FROM audit)",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	audit_db_close(db);
	return n;
}

struct load_faults {
	struct fixture *f;
	int64_t before;
};

/* No cached register, no cached statement: every step of the load is reached. */
static void reopen(void *ud)
{
	fx_reopen(((struct load_faults *)ud)->f);
}

static int op_load(void *ud)
{
	struct load_faults *c = ud;
	int64_t v = 0;
	return gd_register_load_buffer(c->f->a, "acme.yml", REG1, strlen(REG1), &v, NULL);
}

static void vault_unchanged(void *ud, long n, int rc)
{
	struct load_faults *c = ud;
	assert_int_equal(vault_rows(c->f->path), c->before);
}

static void load_faults_leave_vault_unchanged(void **state)
{
	struct fixture *f = fx_new();
	struct load_faults c = {f, vault_rows(f->path)};
	struct fault_loop l = {.op = op_load, .before = reopen, .check = vault_unchanged, .ud = &c};
	assert_true(fault_loop_run(&l) > 4);
	assert_int_equal(vault_rows(f->path), c.before + 2); /* the version and its audit entry */
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_register_model),
		cmocka_unit_test(examples_are_valid),
		cmocka_unit_test(findings_locate_and_explain),
		cmocka_unit_test(bad_input_refused_vault_unchanged),
		cmocka_unit_test(versions_diff_and_exports),
		cmocka_unit_test(register_enforced),
		cmocka_unit_test(load_faults_leave_vault_unchanged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
