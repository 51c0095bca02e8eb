/*
 * test_notice.c — from notice to register and back (docs/notice.md).
 *
 *  - measurement: the three real notices of ../shared/seeds drafted and scored
 *    against the hand-written registers of examples/, and the notices of
 *    tests/data/notices/ (two tuned on, two held out from the lexicon work)
 *    against their expected registers; the tables are printed (and written to
 *    $GD_NOTICE_TABLE when set, for docs/notice.md) and each figure must stay
 *    at or above the floor recorded here, so a lexicon change that loses
 *    ground fails;
 *  - round trip: draft(notice(register)) recovers every activity, basis and
 *    period of each example register, in French and in English;
 *  - the draft's YAML parses, quotes its sentences, refuses bad input;
 *  - the Art. 13/14 check names what a register lacks;
 *  - the PO parser reads plurals, contexts, escapes, and refuses bad files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "lib/internal.h"
#include "lib/notice/notice.h"

#include <libfyaml.h>

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	b[n] = 0;
	fclose(f);
	*len = (size_t)n;
	return b;
}

static const char *src_dir(void)
{
	const char *s = getenv("GD_SOURCE_DIR");
	return s ? s : ".";
}

/* Drafts `notice` and scores it against the register file `reg`. */
static void score(const char *notice, const char *reg, struct gd__nv_score out[GD__NV_KINDS])
{
	size_t len;
	char *text = slurp(notice, &len);
	assert_non_null(text);
	struct gd__nv *d = NULL, *e = NULL;
	assert_int_equal(gd__notice_draft(&d, text, len, NULL), 0);
	int rc = gd__nv_from_register_file(&e, reg);
	if (rc)
		fail_msg("%s: %s", reg, gd_error_last());
	assert_int_equal(gd__nv_score(d, e, out), 0);
	gd__nv_free(d);
	gd__nv_free(e);
	free(text);
}

struct floor {
	const char *name;
	/* per kind: found and right, in percent (-1: no item to measure) */
	int found[GD__NV_KINDS], right[GD__NV_KINDS];
};

static int pct(size_t a, size_t b)
{
	return b ? (int)(100 * a / b) : -1;
}

static FILE *table_out;
static struct gd__nv_score seed_total[GD__NV_KINDS]; /* the last measure's totals */

static void table_head(const char *title)
{
	const char *h = "| notice | kind | found / expected | wrong / drafted |\n|---|---|---|---|\n";
	printf("\n%s\n%s", title, h);
	if (table_out)
		fprintf(table_out, "\n%s\n\n%s", title, h);
}

static void table_row(const char *name, int k, const struct gd__nv_score *s)
{
	char line[256];
	char f[32] = "—", w[32] = "—";
	if (s->expected)
		snprintf(f, sizeof f, "%d%%", pct(s->found, s->expected));
	if (s->drafted)
		snprintf(w, sizeof w, "%d%%", pct(s->wrong, s->drafted));
	snprintf(line, sizeof line, "| %s | %s | %zu / %zu (%s) | %zu / %zu (%s) |\n", name,
	         gd__nv_kind_names[k], s->found, s->expected, f, s->wrong, s->drafted, w);
	fputs(line, stdout);
	if (table_out)
		fputs(line, table_out);
}

/* Scores each pair, prints, sums, and checks each figure against its floor. */
static void measure(const char *title, const char *const pairs[][2], const struct floor *floors,
                    size_t n)
{
	struct gd__nv_score total[GD__NV_KINDS] = {{0}};
	table_head(title);
	for (size_t p = 0; p < n; p++) {
		struct gd__nv_score s[GD__NV_KINDS];
		score(pairs[p][0], pairs[p][1], s);
		for (int k = 0; k < GD__NV_KINDS; k++) {
			table_row(floors[p].name, k, &s[k]);
			total[k].expected += s[k].expected;
			total[k].found += s[k].found;
			total[k].drafted += s[k].drafted;
			total[k].wrong += s[k].wrong;
			int f = pct(s[k].found, s[k].expected);
			int r = s[k].drafted ? 100 - pct(s[k].wrong, s[k].drafted) : -1;
			if (f >= 0 && f < floors[p].found[k])
				fail_msg("%s %s: found %d%%, below its floor %d%%", floors[p].name,
				         gd__nv_kind_names[k], f, floors[p].found[k]);
			if (r >= 0 && r < floors[p].right[k])
				fail_msg("%s %s: right %d%%, below its floor %d%%", floors[p].name,
				         gd__nv_kind_names[k], r, floors[p].right[k]);
		}
	}
	for (int k = 0; k < GD__NV_KINDS; k++)
		table_row("**all**", k, &total[k]);
	memcpy(seed_total, total, sizeof total);
}

static void seeds_measured(void **state)
{
	(void)state;
	const char *shared = getenv("GD_SHARED_DIR");
	char seeds[512];
	snprintf(seeds, sizeof seeds, "%s/seeds", shared ? shared : "../shared");
	char probe[600];
	snprintf(probe, sizeof probe, "%s/wimi-privacy-policy.txt", seeds);
	FILE *f = fopen(probe, "r");
	if (!f) {
		printf("SKIP: the seed notices are not in %s (set GD_SHARED_DIR): not measured\n", seeds);
		skip();
	}
	fclose(f);
	const char *t = getenv("GD_NOTICE_TABLE");
	table_out = t ? fopen(t, "w") : NULL;
	static char paths[3][2][600];
	static const char *const names[3][2] = {
		{"wimi-privacy-policy.txt", "wimi.yml"},
		{"iporta-data-protection-policy.txt", "iporta.yml"},
		{"winbooks-privacy-policy.txt", "winbooks.yml"}};
	const char *pairs[3][2];
	for (int i = 0; i < 3; i++) {
		snprintf(paths[i][0], 600, "%s/%s", seeds, names[i][0]);
		snprintf(paths[i][1], 600, "%s/examples/%s", src_dir(), names[i][1]);
		pairs[i][0] = paths[i][0];
		pairs[i][1] = paths[i][1];
	}
	/*
	 * floors: the figures reached when this test was written (docs/notice.md),
	 * measured again when issue 23 corrected the registers: IPORTA's events
	 * statistics became an activity of their own whose basis the notice does
	 * not state, and WinBooks lost the DPO e-mail its notice never gave.
	 */
	static const struct floor floors[3] = {
		{"wimi", {100, 100, 100, 77, 90, 87}, {100, 91, 100, 84, 100, 100}},
		{"iporta", {100, 88, 100, 92, 100, 85}, {82, 100, 100, 92, 100, 100}},
		{"winbooks", {81, 62, 100, 50, 0, 75}, {100, 100, 100, 100, 0, 75}},
	};
	measure("Seed notices (../shared/seeds) against examples/*.yml", pairs, floors, 3);
	/* the aim of issue 21, on the three notices together: 80% found, 90% right */
	for (int k = 0; k < GD__NV_KINDS; k++) {
		int fo = pct(seed_total[k].found, seed_total[k].expected);
		int r = seed_total[k].drafted ? 100 - pct(seed_total[k].wrong, seed_total[k].drafted) : 100;
		if (fo < 80 || r < 90)
			fail_msg("seeds %s: %d%% found, %d%% right: below the aim (80%%, 90%%)",
			         gd__nv_kind_names[k], fo, r);
	}
	if (table_out)
		fclose(table_out);
	table_out = NULL;
}

/* The notices written for these tests: two tuned on, two held out. */
static void own_measured(void **state)
{
	(void)state;
	static char paths[4][2][600];
	static const char *const files[4][2] = {
		{"fr-boulangerie.txt", "fr-boulangerie.yml"}, {"en-webshop.txt", "en-webshop.yml"}, {"fr-cabinet.html", "fr-cabinet.yml"}, {"en-saas.md", "en-saas.yml"}};
	const char *pairs[4][2];
	for (int i = 0; i < 4; i++) {
		snprintf(paths[i][0], 600, "%s/tests/data/notices/%s", src_dir(), files[i][0]);
		snprintf(paths[i][1], 600, "%s/tests/data/notices/%s", src_dir(), files[i][1]);
		pairs[i][0] = paths[i][0];
		pairs[i][1] = paths[i][1];
	}
	const char *t = getenv("GD_NOTICE_TABLE");
	table_out = t ? fopen(t, "a") : NULL;
	static const struct floor tuned[2] = {
		{"fr-boulangerie", {100, 100, 75, 75, 100, 100}, {100, 100, 75, 100, 100, 100}},
		{"en-webshop", {100, 100, 100, 100, 100, 71}, {100, 100, 100, 100, 100, 100}},
	};
	static const struct floor held[2] = {
		{"fr-cabinet (HTML)", {100, 100, 100, 100, 100, 66}, {100, 100, 100, 100, 100, 100}},
		{"en-saas (Markdown)", {0, 0, 100, 0, 100, 57}, {0, 0, 100, 0, 100, 100}},
	};
	measure("Own notices the lexicon was tuned on (tests/data/notices)", pairs, tuned, 2);
	measure("Own notices held out from the lexicon work (tests/data/notices)", pairs + 2, held, 2);
	if (table_out)
		fclose(table_out);
	table_out = NULL;
}

/* Period lengths of an activity's delete/anonymise stages, as one sorted string. */
static void periods_of(const struct gd__nv_activity *a, char *out, size_t cap)
{
	char keys[32][64];
	size_t n = 0;
	for (size_t r = 0; r < a->nretention; r++)
		for (size_t s = 0; s < a->retention[r].nstages && n < 32; s++)
			if (a->retention[r].stages[s].action != GD__NV_ARCHIVE) {
				struct gd__nv_period p = a->retention[r].stages[s].after;
				int months = p.years * 12 + p.months;
				struct gd__nv_period q = {months % 12 ? 0 : months / 12, months % 12 ? months : 0, p.days};
				gd__nv_period_str(keys[n], q);
				bool dupe = false;
				for (size_t k = 0; k < n; k++)
					dupe |= strcmp(keys[k], keys[n]) == 0;
				n += !dupe;
			}
	qsort(keys, n, sizeof *keys, (int (*)(const void *, const void *))strcmp);
	out[0] = 0;
	for (size_t k = 0; k < n; k++) {
		strncat(out, keys[k], cap - strlen(out) - 1);
		strncat(out, ";", cap - strlen(out) - 1);
	}
}

/* draft(notice(register)) gives back each activity with its basis and its periods. */
static void round_trip(void **state)
{
	(void)state;
	static const char *const regs[] = {"wimi", "iporta", "winbooks"};
	static const char *const langs[] = {"fr", "en"};
	static const char *const formats[] = {"md", "html"};
	for (size_t r = 0; r < 3; r++)
		for (size_t l = 0; l < 2; l++)
			for (size_t f = 0; f < 2; f++) {
				char path[600];
				snprintf(path, sizeof path, "%s/examples/%s.yml", src_dir(), regs[r]);
				char *text = NULL;
				size_t len = 0;
				FILE *out = open_memstream(&text, &len);
				assert_int_equal(gd_notice_write_file(path, langs[l], formats[f], NULL, NULL, NULL, out), 0);
				fclose(out);
				struct gd__nv *reg = NULL, *d = NULL;
				assert_int_equal(gd__nv_from_register_file(&reg, path), 0);
				assert_int_equal(gd__notice_draft(&d, text, len, langs[l]), 0);
				assert_int_equal(d->nactivities, reg->nactivities);
				for (size_t k = 0; k < reg->nactivities; k++) {
					const struct gd__nv_activity *e = &reg->activities[k], *a = &d->activities[k];
					if (!gd__nv_similar(a->name, e->name))
						fail_msg("%s %s %s: activity %zu drafted as '%s', written as '%s'", regs[r],
						         langs[l], formats[f], k, a->name, e->name);
					/* A basis the notice does not state cannot be drafted back. */
					if (strcmp(e->basis, "not_stated") != 0 && (!a->basis || strcmp(a->basis, e->basis) != 0))
						fail_msg("%s %s %s: %s: basis %s drafted as %s", regs[r], langs[l],
						         formats[f], e->id, e->basis, a->basis ? a->basis : "none");
					char pe[512], pa[512];
					periods_of(e, pe, sizeof pe);
					periods_of(a, pa, sizeof pa);
					if (strcmp(pe, pa) != 0)
						fail_msg("%s %s %s: %s: periods '%s' drafted as '%s'", regs[r], langs[l],
						         formats[f], e->id, pe, pa);
				}
				gd__nv_free(reg);
				gd__nv_free(d);
				free(text);
			}
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

struct missing_list {
	char text[4096];
	size_t n;
};

static void on_missing(void *ud, const gd_notice_missing *m)
{
	struct missing_list *l = ud;
	l->n++;
	strncat(l->text, m->article, sizeof l->text - strlen(l->text) - 1);
	strncat(l->text, " ", sizeof l->text - strlen(l->text) - 1);
	strncat(l->text, m->message, sizeof l->text - strlen(l->text) - 1);
	strncat(l->text, "\n", sizeof l->text - strlen(l->text) - 1);
}

/* Every Art. 13 item is in the notice; what the register lacks is listed and marked. */
static void art13_items(void **state)
{
	(void)state;
	char path[600];
	struct {
		const char *reg;
		size_t activities;
	} ex[] = {{"wimi", 13}, {"iporta", 9}, {"winbooks", 11}};
	for (size_t r = 0; r < 3; r++) {
		snprintf(path, sizeof path, "%s/examples/%s.yml", src_dir(), ex[r].reg);
		char *text = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&text, &len);
		struct missing_list m = {{0}, 0};
		size_t nm = 99;
		assert_int_equal(gd_notice_write_file(path, "en", "md", on_missing, &m, &nm, out), 0);
		fclose(out);
		assert_int_equal(nm, m.n);
		/* 13(1)(a)(b)(c)(e), 13(2)(a)(b)(d)(e)(f): one line per activity or a section */
		assert_non_null(strstr(text, "## Who we are and how to contact us"));
		assert_non_null(strstr(text, "**Data protection officer:**"));
		assert_int_equal(count(text, "**Legal basis:**"), ex[r].activities);
		assert_int_equal(count(text, "**Recipients:**"), ex[r].activities);
		assert_int_equal(count(text, "**How long we keep them:**"), ex[r].activities);
		assert_int_equal(count(text, "**Automated decisions:**"), ex[r].activities);
		assert_non_null(strstr(text, "## Your rights"));
		assert_non_null(strstr(text, "To exercise them"));
		assert_non_null(strstr(text, "lodge a complaint with a supervisory authority"));
		if (strcmp(ex[r].reg, "wimi") == 0) {
			assert_int_equal(m.n, 0); /* every item is there */
			assert_non_null(strstr(text, "Deleted 3 years after: the customer unsubscribes"));
			assert_non_null(strstr(text, "**Legal basis:** not stated in the privacy notice"));
			assert_non_null(strstr(text, "you may withdraw it at any time"));
			assert_non_null(strstr(text, "CNIL"));
		}
		if (strcmp(ex[r].reg, "winbooks") == 0) {
			/* no authority, no rights: listed, and said in the notice */
			assert_non_null(strstr(m.text, "13(2)(d) the supervisory authority"));
			assert_non_null(strstr(m.text, "13(2)(b) the right access"));
			assert_non_null(strstr(text, "to be completed: the register does not say"));
		}
		free(text);
	}
	/* French from po/fr.po; an unknown language and format are refused */
	snprintf(path, sizeof path, "%s/examples/wimi.yml", src_dir());
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_int_equal(gd_notice_write_file(path, "fr", "md", NULL, NULL, NULL, out), 0);
	fclose(out);
	assert_non_null(strstr(text, "Supprimées 3 ans à compter de"));
	assert_non_null(strstr(text, "## Vos droits"));
	free(text);
	out = fopen("/dev/null", "w");
	assert_int_equal(gd_notice_write_file(path, "xx", "md", NULL, NULL, NULL, out), GD_ENOTFOUND);
	assert_non_null(strstr(gd_error_last(), "po/xx.po"));
	assert_int_equal(gd_notice_write_file(path, "../fr", "md", NULL, NULL, NULL, out), GD_EINVAL);
	assert_int_equal(gd_notice_write_file(path, "fr", "pdf", NULL, NULL, NULL, out), GD_EINVAL);
	fclose(out);
}

/* The draft is YAML whatever the notice says, quotes its sentences, refuses bad input. */
static void draft_yaml(void **state)
{
	(void)state;
	static const char notice[] =
		"Privacy notice\n\nWho we are\n\nAcme Ltd (\"we\") is the controller.\n\n"
		"How we use your data\n\nWe use your personal data for the following purposes:\n\n"
		"- to manage your account \"quoted\\\" text - evil: [x] #c\n  {a: b}, which is necessary for the performance of our contract;\n"
		"- to send newsletters, with your consent.\n\n"
		"Account data is kept for 2 years after account closure.\n"
		"Our processor relies on the Privacy Shield for transfers to the United States.\n";
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_int_equal(gd_notice_draft(notice, sizeof notice - 1, NULL, "test.txt", out), 0);
	fclose(out);
	struct fy_document *doc = fy_document_build_from_string(NULL, text, len);
	if (!doc)
		fail_msg("the draft is not YAML:\n%s", text);
	struct fy_node *acts = fy_node_by_path(fy_document_root(doc), "/activities", FY_NT, FYNWF_DONT_FOLLOW);
	assert_non_null(acts);
	assert_int_equal(fy_node_sequence_item_count(acts), 2);
	fy_document_destroy(doc);
	assert_non_null(strstr(text, "legal_basis: contract"));
	assert_non_null(strstr(text, "legal_basis: consent"));
	assert_non_null(strstr(text, "# L11 80%: to manage your account"));
	assert_non_null(strstr(text, "- {action: delete, from: account_closure, after: 2 years}"));
	assert_non_null(strstr(text, "# WARNING: line 16: the notice relies on Privacy Shield"));
	assert_non_null(strstr(text, "# L3: Who we are") == NULL ? strstr(text, "Sentences no rule used") : text);
	free(text);
	/* bad input: named, nothing written */
	out = fopen("/dev/null", "w");
	assert_int_equal(gd_notice_draft("a\0b", 3, NULL, "x", out), GD_EINVAL);
	assert_non_null(strstr(gd_error_last(), "NUL byte at offset 1"));
	assert_int_equal(gd_notice_draft("caf\xe9", 4, NULL, "x", out), GD_EINVAL);
	assert_non_null(strstr(gd_error_last(), "UTF-8"));
	assert_int_equal(gd_notice_draft("x", 1, "de", "x", out), GD_EINVAL);
	size_t big = GD__NOTICE_MAX_BYTES + 1;
	char *b = malloc(big);
	assert_non_null(b);
	memset(b, 'a', big);
	assert_int_equal(gd_notice_draft(b, big, NULL, "x", out), GD_ETOOBIG);
	/* one huge line without a sentence end is cut, not refused */
	assert_int_equal(gd_notice_draft(b, big - 1, NULL, "x", out), 0);
	free(b);
	fclose(out);
}

static void po_catalogues(void **state)
{
	(void)state;
	static const char po_text[] =
		"# comment\n"
		"msgid \"\"\nmsgstr \"\"\n\"Plural-Forms: nplurals=2; plural=(n > 1);\\n\"\n\n"
		"msgid \"Hello\"\nmsgstr \"Bon\"\n\"jour\"\n\n"
		"msgctxt \"right\"\nmsgid \"access\"\nmsgstr \"accès \\\"\\101\\\"\\n\"\n\n"
		"#, fuzzy\nmsgid \"Fuzzy\"\nmsgstr \"Flou\"\n\n"
		"msgid \"Untranslated\"\nmsgstr \"\"\n\n"
		"msgid \"{n} year\"\nmsgid_plural \"{n} years\"\nmsgstr[0] \"{n} an\"\nmsgstr[1] \"{n} ans\"\n";
	struct gd__po *po = NULL;
	assert_int_equal(gd__po_parse(&po, "t.po", po_text, sizeof po_text - 1), 0);
	assert_int_equal(gd__po_count(po), 3);
	assert_string_equal(gd__po_gettext(po, "Hello"), "Bonjour");
	assert_string_equal(gd__po_gettext(po, "right\004access"), "accès \"A\"\n");
	assert_string_equal(gd__po_gettext(po, "Fuzzy"), "Fuzzy");
	assert_string_equal(gd__po_gettext(po, "Untranslated"), "Untranslated");
	assert_string_equal(gd__po_ngettext(po, "{n} year", "{n} years", 1), "{n} an");
	assert_string_equal(gd__po_ngettext(po, "{n} year", "{n} years", 0), "{n} an"); /* n > 1 */
	assert_string_equal(gd__po_ngettext(po, "{n} year", "{n} years", 2), "{n} ans");
	gd__po_free(po);
	static const char *const bad[] = {
		"msgid \"a\"\nmsgstr \"b\n",     /* unterminated */
		"msgid \"a\"\nmsgstr \"\\q\"\n", /* unknown escape */
		"msgstr \"b\"\n",                /* msgstr without msgid */
		"msgid \"a\"\nmsgid \"b\"\nmsgstr \"\"\n",
		"msgid \"a\"\nmsgstr[1] \"b\"\n", /* plural forms out of order */
		"msgid \"a\"\nmsgstr \"b\" trailing\n",
		"msgid \"a\"\n", /* no msgstr */
		"hello\n"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		po = NULL;
		int rc = gd__po_parse(&po, "bad.po", bad[i], strlen(bad[i]));
		if (rc != GD_EINVAL)
			fail_msg("bad catalogue %zu accepted (%d)", i, rc);
		assert_null(po);
		assert_non_null(strstr(gd_error_last(), "bad.po"));
	}
	/* the compiled-in catalogues parse and translate every msgid of the writer */
	const struct gd__po *fr = NULL, *en = NULL;
	assert_int_equal(gd__po_get(&fr, "fr"), 0);
	assert_int_equal(gd__po_get(&en, "en"), 0);
	assert_true(gd__po_count(fr) > 100);
	assert_string_equal(gd__po_gettext(fr, "Your rights"), "Vos droits");
	assert_string_equal(gd__po_ngettext(fr, "{n} month", "{n} months", 13), "{n} mois");
}

/*
 * Out of memory at every allocation of a draft and of a written notice: an
 * error or a result, never a crash or a leak (ASan checks the leaks).
 */
static void out_of_memory(void **state)
{
	(void)state;
	char path[600];
	snprintf(path, sizeof path, "%s/tests/data/notices/en-webshop.txt", src_dir());
	size_t len;
	char *text = slurp(path, &len);
	assert_non_null(text);
	const struct gd__lexicon *lx;
	assert_int_equal(gd__lexicon_get(&lx), 0); /* compiled in once, kept: not a leak */
	long n;
	for (n = 1; n < 200000; n++) {
		struct gd__nv *v = NULL;
		gd__fault_arm(n);
		int rc = gd__notice_draft(&v, text, len, NULL);
		bool fired = gd__fault_fired();
		gd__fault_arm(0);
		if (rc != 0 && rc != GD_ENOMEM)
			fail_msg("allocation %ld: draft returned %d", n, rc);
		assert_true(rc == 0 ? v != NULL : v == NULL);
		gd__nv_free(v);
		if (!fired)
			break;
	}
	printf("draft: %ld allocation points failed in turn\n", n - 1);
	assert_true(n > 5); /* the loop went through the allocations (arena blocks) */
	free(text);
	snprintf(path, sizeof path, "%s/examples/iporta.yml", src_dir());
	const struct gd__po *po;
	assert_int_equal(gd__po_get(&po, "fr"), 0);
	for (n = 1; n < 200000; n++) {
		FILE *out = fopen("/dev/null", "w");
		gd__fault_arm(n);
		int rc = gd_notice_write_file(path, "fr", "html", NULL, NULL, NULL, out);
		bool fired = gd__fault_fired();
		gd__fault_arm(0);
		fclose(out);
		if (rc != 0 && rc != GD_ENOMEM && rc != GD_ERROR)
			fail_msg("allocation %ld: notice returned %d (%s)", n, rc, gd_error_last());
		if (!fired)
			break;
	}
	printf("notice: %ld allocation points failed in turn\n", n - 1);
	assert_true(n > 5);
}

/*
 * The general rules written for issue 21's measurement, on a notice of their
 * own: purposes listed as aims after any "… :", a basis a sentence states for
 * a kind of purpose, cookies without a stated basis, a recipient list that
 * goes on past the lexicon's words, authorities answered on request.
 */
static void draft_rules(void **state)
{
	(void)state;
	static const char notice[] =
		"Politique de confidentialité de la société Exemple\n\n"
		"Les données que vous renseignez sont nécessaires afin que nous puissions assurer la "
		"facturation, la bonne exécution du contrat et le respect de nos obligations légales.\n\n"
		"Nous accédons à vos données dans deux situations :\n\n"
		"- Pour les besoins de la détection des fraudes sur les paiements en ligne ;\n"
		"- Afin de répondre aux obligations légales de conservation des factures.\n\n"
		"Vos données sont traitées pour les finalités suivantes :\n\n"
		"- la facturation des abonnements ;\n"
		"- les cookies de mesure d'audience.\n\n"
		"Destinataires\n\n"
		"Ces prestataires sont entre autres : des prestataires d'hébergement ; des bureaux "
		"d'enregistrement de noms de domaine ; des imprimeurs de catalogues.\n\n"
		"Nous sommes tenus de répondre aux demandes des autorités judiciaires.\n";
	struct gd__nv *v = NULL;
	assert_int_equal(gd__notice_draft(&v, notice, sizeof notice - 1, "fr"), 0);
	const char *fraud = NULL, *oblig = NULL, *billing = NULL, *cookies = NULL;
	for (size_t k = 0; k < v->nactivities; k++) {
		const struct gd__nv_activity *a = &v->activities[k];
		if (strstr(a->name, "fraudes"))
			fraud = a->basis ? a->basis : "-";
		if (strstr(a->name, "conservation des factures"))
			oblig = a->basis ? a->basis : "-";
		if (strstr(a->name, "facturation des abonnements"))
			billing = a->basis ? a->basis : "-";
		if (strstr(a->name, "cookies"))
			cookies = a->basis ? a->basis : "-";
	}
	/* the aims are activities; the second names its basis itself */
	assert_non_null(fraud);
	assert_string_equal(oblig ? oblig : "(none)", "legal_obligation");
	/* the first sentence stated the basis of billing, listed later */
	assert_string_equal(billing ? billing : "(none)", "contract");
	assert_string_equal(cookies ? cookies : "(none)", "consent");
	bool bureaux = false, imprimeurs = false, autorites = false;
	for (size_t k = 0; k < v->nparties; k++) {
		bureaux |= strstr(v->parties[k].name, "bureaux d'enregistrement") != NULL;
		imprimeurs |= strstr(v->parties[k].name, "imprimeurs de catalogues") != NULL;
		autorites |= strstr(v->parties[k].name, "autorités judiciaires") != NULL &&
		             strcmp(v->parties[k].kind, "authority") == 0;
	}
	assert_true(bureaux);
	assert_true(imprimeurs);
	assert_true(autorites);
	gd__nv_free(v);
}

int main(void)
{
	if (fx_on_pg()) { /* the pg: copy (tests/CMakeLists.txt) */
		printf("skipped on PostgreSQL: privacy notices parsed from text, no vault: the same code on both engines\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seeds_measured),
		cmocka_unit_test(own_measured),
		cmocka_unit_test(round_trip),
		cmocka_unit_test(art13_items),
		cmocka_unit_test(draft_yaml),
		cmocka_unit_test(draft_rules),
		cmocka_unit_test(po_catalogues),
		cmocka_unit_test(out_of_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
