/*
 * cmd_notice.c — gardien register draft | compare | notice: from a privacy
 * notice to a register draft, the gaps between a notice and a register, and
 * the Art. 13/14 notice written from the register (docs/notice.md).
 * Called from cmd_register.c; the logic is in the library (gardien/notice.h).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int check_language(struct cli *c, const char *lang)
{
	if (!lang || (strlen(lang) >= 2 && strlen(lang) <= 8 && strspn(lang, "abcdefghijklmnopqrstuvwxyz_ABCDEFGHIJKLMNOPQRSTUVWXYZ") == strlen(lang)))
		return EXIT_OK;
	return cli_usage(c, "register", "'%s' is not a language code (fr, en, …)", lang);
}

/* register draft NOTICE [--language fr|en]; argv: the subcommand and its arguments, options in c->args */
int cli_register_draft(struct cli *c, int argc, const char *const *argv)
{
	const char *file = argc > 1 ? argv[1] : NULL, *lang = cli_arg(c->args, "--language");
	int rc = cli_args_allow(c, "register", "draft", "--language");
	if (rc != EXIT_OK)
		return rc;
	if (argc > 2)
		return cli_usage(c, "register", "register draft takes one NOTICE");
	if (!file)
		return cli_usage(c, "register", "register draft takes one NOTICE (text or HTML)");
	rc = check_language(c, lang);
	if (rc != EXIT_OK)
		return rc;
	if (strcmp(file, "-") == 0) {
		/* standard input, named "<stdin>" in the draft's header */
		struct cli_input in;
		char *text = NULL;
		size_t len = 0;
		if ((rc = cli_input_open(c, file, CLI_INPUT_MAX, &in)) != EXIT_OK)
			return rc;
		if ((rc = cli_input_bytes(c, &in, &text, &len)) == EXIT_OK) {
			int r = gd_notice_draft(text, len, lang, in.name, stdout);
			fflush(stdout);
			rc = r < 0 ? cli_fail(c, r) : EXIT_OK;
		}
		free(text);
		cli_input_close(&in);
		return rc;
	}
	rc = gd_notice_draft_file(file, lang, stdout);
	fflush(stdout);
	return rc < 0 ? cli_fail(c, rc) : EXIT_OK;
}

struct gaps {
	json_t *arr;
};

static int on_gap(void *ud, const gd_notice_gap *g)
{
	struct gaps *x = ud;
	if (x->arr) {
		json_t *o = json_pack("{s:s,s:s,s:s}", "side", g->side == 'N' ? "notice" : "register",
		                      "kind", g->kind, "what", g->what);
		if (g->line)
			json_object_set_new(o, "line", json_integer(g->line));
		json_array_append_new(x->arr, o);
		return 0;
	}
	if (g->side == 'N')
		printf("notice:%d: the register lacks this %s: %s\n", g->line, g->kind, g->what);
	else
		printf("register: the notice does not tell this %s: %s\n", g->kind, g->what);
	return 0;
}

/* register compare NOTICE REGISTER [--language fr|en] */
int cli_register_compare(struct cli *c, int argc, const char *const *argv)
{
	const char *files[2] = {argc > 1 ? argv[1] : NULL, argc > 2 ? argv[2] : NULL};
	const char *lang = cli_arg(c->args, "--language");
	int rc = cli_args_allow(c, "register", "compare", "--language");
	if (rc != EXIT_OK)
		return rc;
	if (argc != 3)
		return cli_usage(c, "register", "register compare takes NOTICE and REGISTER");
	rc = check_language(c, lang);
	if (rc != EXIT_OK)
		return rc;
	if (strcmp(files[0], "-") == 0 && strcmp(files[1], "-") == 0)
		return cli_usage(c, "register", "only one of NOTICE and REGISTER can be read from standard input (-)");
	struct cli_input in[2];
	if ((rc = cli_input_open(c, files[0], CLI_INPUT_MAX, &in[0])) != EXIT_OK)
		return rc;
	if ((rc = cli_input_open(c, files[1], CLI_INPUT_MAX, &in[1])) != EXIT_OK) {
		cli_input_close(&in[0]);
		return rc;
	}
	struct gaps x = {c->json ? json_array() : NULL};
	size_t n = 0;
	rc = gd_notice_compare(in[0].path, in[1].path, lang, on_gap, &x, &n);
	files[0] = in[0].name, files[1] = in[1].name;
	cli_input_close(&in[0]);
	cli_input_close(&in[1]);
	if (rc < 0) {
		json_decref(x.arr);
		return cli_fail(c, rc);
	}
	if (x.arr)
		cli_print_json(json_pack("{s:s,s:s,s:I,s:o}", "notice", files[0], "register", files[1],
		                         "count", (json_int_t)n, "gaps", x.arr));
	else if (n == 0)
		printf("the notice and the register tell the same\n");
	return EXIT_OK;
}

static void on_missing(void *ud, const gd_notice_missing *m)
{
	json_t *arr = ud;
	if (arr)
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "article", m->article, "where",
		                                     m->where, "message", m->message));
	else
		fprintf(stderr, "missing (Art. %s) %s: %s\n", m->article, m->where, m->message);
}

/* register notice [--language L] [--html|--format md|html] [--version N] [--file FILE] [--strict] */
int cli_register_notice(struct cli *c, int argc, const char *const *argv)
{
	const struct cli_args *a = c->args;
	const char *lang = cli_arg(a, "--language"), *format = cli_arg(a, "--format"), *file = cli_arg(a, "--file");
	const char *v = cli_arg(a, "--version");
	int64_t version = 0;
	bool strict = cli_flag(a, "--strict");
	int rc = cli_args_allow(c, "register", "notice", "--language --html --format --file --strict --version");
	if (rc != EXIT_OK)
		return rc;
	if (argc > 1)
		return cli_usage(c, "register", "unexpected argument '%s'", argv[1]);
	if (!lang)
		lang = "en";
	if (cli_flag(a, "--html"))
		format = "html";
	else if (!format)
		format = "md";
	if (v) {
		char *end;
		long long n = strtoll(v, &end, 10);
		if (!*v || *end || n <= 0)
			return cli_usage(c, "register", "'%s' is not a version number (1, 2, …)", v);
		version = n;
	}
	rc = check_language(c, lang);
	if (rc != EXIT_OK)
		return rc;
	if (file && version)
		return cli_usage(c, "register", "--file and --version exclude each other");
	size_t missing = 0;
	/* --json: the completeness check only, as JSON */
	json_t *arr = c->json ? json_array() : NULL;
	FILE *out = c->json ? fopen("/dev/null", "w") : stdout;
	if (!out) {
		json_decref(arr);
		return cli_fail(c, GD_EIO);
	}
	if (file) {
		struct cli_input in;
		if ((rc = cli_input_open(c, file, CLI_INPUT_MAX, &in)) != EXIT_OK) {
			if (out != stdout)
				fclose(out);
			json_decref(arr);
			return rc;
		}
		rc = gd_notice_write_file(in.path, lang, format, on_missing, arr, &missing, out);
		cli_input_close(&in);
	} else {
		int orc = cli_open(c, true);
		if (orc != EXIT_OK) {
			if (out != stdout)
				fclose(out);
			json_decref(arr);
			return orc;
		}
		rc = gd_notice_write(c->actor, version, lang, format, on_missing, arr, &missing, out);
	}
	if (out != stdout)
		fclose(out);
	fflush(stdout);
	if (rc < 0) {
		json_decref(arr);
		return cli_fail(c, rc);
	}
	if (arr)
		cli_print_json(json_pack("{s:b,s:I,s:o}", "complete", missing == 0, "missing",
		                         (json_int_t)missing, "items", arr));
	else if (missing)
		fprintf(stderr, "%zu item%s of Art. 13/14 missing from the register: the notice says "
		                "\"to be completed\" there\n",
		        missing, missing == 1 ? "" : "s");
	return strict && missing ? EXIT_USAGE : EXIT_OK;
}
