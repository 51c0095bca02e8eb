/*
 * args.c — the one parser of command options, over the declarative tables of
 * options.c, getopt_long's conventions: "--name VALUE" or "--name=VALUE" (split
 * by main.c before anything parses), "-x" for an option with a short name, "--"
 * ends the options, "-" alone is an argument (standard input or output).
 *
 * Every command line goes through it before its command runs, so every
 * command refuses the same way an unknown option (naming the command, with a
 * near option suggested and a pointer to 'gardien help CMD'), an option
 * missing its value, and an option given twice where the table does not say
 * it repeats. The man page, 'gardien help CMD' and the completions are written
 * from the same tables (cmd_docs.c), so none can offer an option the parser
 * refuses or miss one it takes (tests/cli/test_options.sh).
 */
#include <string.h>

#include "cli.h"

const struct cli_opt *cli_opt_find(const struct cli_opt *opts, const char *name)
{
	for (const struct cli_opt *o = opts; o && o->name; o++)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

static const struct cli_opt *find_short(const struct cli_opt *opts, char s)
{
	for (const struct cli_opt *o = opts; o && o->name; o++)
		if (o->shrt && o->shrt == s)
			return o;
	return NULL;
}

/* Edit distance up to 2 between two short words (a typo's reach), else 3. */
static int near(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 40 || lb > 40 || (la > lb ? la - lb : lb - la) > 2)
		return 3;
	int d[41][41];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			int sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			int del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
			d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
	return d[la][lb];
}

/* The option of the table closest to a mistyped one: a prefix of it, or a typo away. */
static const struct cli_opt *suggest(const struct cli_opt *opts, const char *name)
{
	size_t n = strlen(name);
	const struct cli_opt *best = NULL;
	int best_d = 3;
	for (const struct cli_opt *o = opts; o && o->name; o++) {
		if (n > 3 && strncmp(o->name, name, n) == 0)
			return o;
		int d = near(o->name, name);
		if (d < best_d)
			best = o, best_d = d;
	}
	return best;
}

static int unknown(struct cli *c, const char *cmd, const struct cli_opt *opts, const char *arg)
{
	char hint[160];
	const struct cli_opt *s = arg[1] == '-' ? suggest(opts, arg) : NULL;
	if (s)
		snprintf(hint, sizeof hint, "did you mean %s? run 'gardien help %s' for its options", s->name, cmd);
	else
		snprintf(hint, sizeof hint, "run 'gardien help %s' for its options", cmd);
	return cli_error(c, EXIT_USAGE, "usage", hint, "'gardien %s' has no option '%s'", cmd, arg);
}

int cli_args_parse(struct cli *c, const char *cmd, const struct cli_opt *opts, int argc, char **argv,
                   struct cli_args *out)
{
	memset(out, 0, sizeof *out);
	bool options = true;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (options && strcmp(a, "--") == 0) {
			options = false;
			continue;
		}
		if (!options || a[0] != '-' || a[1] == 0) {
			if (out->npos == CLI_ARGS_MAX)
				return cli_usage(c, cmd, "too many arguments (at most %d)", CLI_ARGS_MAX);
			out->pos[out->npos++] = a;
			continue;
		}
		const struct cli_opt *o = a[1] == '-' ? cli_opt_find(opts, a) : a[2] == 0 ? find_short(opts, a[1])
		                                                                          : NULL;
		if (!o)
			return unknown(c, cmd, opts, a);
		if (!(o->flags & (CLI_OPT_REPEAT | CLI_OPT_LAST)))
			for (int k = 0; k < out->nseen; k++)
				if (out->seen[k].opt == o)
					return cli_usage(c, cmd, "option %s is given twice: give it once", o->name);
		const char *value = "";
		if (o->value) {
			if (i + 1 >= argc)
				return cli_usage(c, cmd, "option %s needs a value: %s %s", o->name, o->name, o->value);
			value = argv[++i];
		}
		if (out->nseen == CLI_ARGS_MAX)
			return cli_usage(c, cmd, "too many options (at most %d)", CLI_ARGS_MAX);
		out->seen[out->nseen].opt = o;
		out->seen[out->nseen++].value = value;
	}
	return EXIT_OK;
}

const char *cli_arg(const struct cli_args *a, const char *name)
{
	for (int k = a->nseen - 1; k >= 0; k--)
		if (strcmp(a->seen[k].opt->name, name) == 0)
			return a->seen[k].value;
	return NULL;
}

bool cli_flag(const struct cli_args *a, const char *name)
{
	return cli_arg(a, name) != NULL;
}

/* The options of 'gardien help CMD' and of the man page, one a line. */
void cli_opts_print(FILE *f, const struct cli_opt *opts)
{
	for (const struct cli_opt *o = opts; o && o->name; o++) {
		char left[64], shrt[8] = "";
		if (o->shrt)
			snprintf(shrt, sizeof shrt, "-%c, ", o->shrt);
		snprintf(left, sizeof left, "%s%s%s%s", shrt, o->name, o->value ? " " : "", o->value ? o->value : "");
		fprintf(f, "  %-28s %s%s\n", left, o->help, o->flags & CLI_OPT_REPEAT ? " (repeatable)" : "");
	}
}

int cli_args_allow(struct cli *c, const char *cmd, const char *sub, const char *allowed)
{
	const struct cli_args *a = c->args;
	for (int k = 0; k < a->nseen; k++) {
		const char *name = a->seen[k].opt->name, *p = allowed;
		size_t n = strlen(name);
		bool ok = false;
		while (p && (p = strstr(p, name)) != NULL) {
			if ((p == allowed || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0)) {
				ok = true;
				break;
			}
			p += n;
		}
		if (!ok)
			return cli_usage(c, cmd, "option %s does not apply to '%s %s'", name, cmd, sub);
	}
	return EXIT_OK;
}
