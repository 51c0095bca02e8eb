/*
 * serve_config.c — where `gardien serve` takes its settings from, besides its
 * command line: a settings file (--config FILE) and the environment. Any
 * option of `gardien help serve` that takes a value may be given as
 *   file:        listen = 127.0.0.1:8443      ("#" starts a comment)
 *   environment: GARDIEN_LISTEN=127.0.0.1:8443 (upper case, "-" as "_")
 * The command line wins over the environment, which wins over the file: the
 * settings are laid before the command line's options, and the last value of
 * an option is the one kept. Names are checked against the command's help, so
 * a setting cannot name an option that does not exist, and a bad line is
 * reported with its file and line.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

#define MAX_SETTINGS GD_CLI_SERVE_SETTINGS
#define MAX_LINE 1024
#define MAX_FILE (64 * 1024)

static const char *serve_usage(void)
{
	size_t n;
	const struct command *cmds = cli_commands(&n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(cmds[i].name, "serve") == 0)
			return cmds[i].usage;
	return "";
}

/* Whether `gardien help serve` documents "--NAME VALUE" (an option with a value). */
static bool takes_value(const char *name, size_t len)
{
	const char *u = serve_usage();
	for (const char *p = u; (p = strstr(p, "--")) != NULL; p += 2) {
		if (strncmp(p + 2, name, len) == 0 && p[2 + len] == ' ' && isupper((unsigned char)p[3 + len]))
			return strcmp(name, "config") != 0;
	}
	return false;
}

static int add(struct cli *c, struct serve_settings *s, const char *name, size_t len, const char *value)
{
	if (s->nowned + 2 > 2 * MAX_SETTINGS)
		return cli_error(c, EXIT_USAGE, "usage", NULL, "too many serve settings (at most %d)",
		                 MAX_SETTINGS);
	char *opt = malloc(len + 3), *val = strdup(value);
	if (!opt || !val) {
		free(opt), free(val);
		return cli_error(c, EXIT_ERROR, "GD_ENOMEM", NULL, "out of memory");
	}
	memcpy(opt, "--", 2);
	memcpy(opt + 2, name, len);
	opt[len + 2] = 0;
	s->owned[s->nowned++] = opt;
	s->owned[s->nowned++] = val;
	return EXIT_OK;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = 0;
	return s;
}

static int read_file(struct cli *c, struct serve_settings *s, const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return cli_error(c, EXIT_NOTFOUND, "GD_ENOTFOUND", NULL, "cannot open settings file %s: %s",
		                 path, strerror(errno));
	struct stat st;
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_FILE) {
		fclose(f);
		return cli_error(c, EXIT_USAGE, "usage", NULL,
		                 "settings file %s is not a regular file of at most %d bytes", path, MAX_FILE);
	}
	char line[MAX_LINE + 2];
	int lineno = 0, rc = EXIT_OK;
	while (rc == EXIT_OK && fgets(line, sizeof line, f)) {
		lineno++;
		if (strlen(line) > MAX_LINE) {
			rc = cli_error(c, EXIT_USAGE, "usage", NULL, "%s:%d: line longer than %d bytes", path,
			               lineno, MAX_LINE);
			break;
		}
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		char *l = trim(line);
		if (!*l)
			continue;
		char *eq = strchr(l, '=');
		if (!eq) {
			rc = cli_error(c, EXIT_USAGE, "usage", NULL, "%s:%d: expected NAME = VALUE", path, lineno);
			break;
		}
		*eq = 0;
		char *name = trim(l), *value = trim(eq + 1);
		size_t len = strlen(name);
		if (!len || !*value || !takes_value(name, len))
			rc = cli_error(c, EXIT_USAGE, "usage", "run 'gardien help serve' for the settings",
			               "%s:%d: '%s' is not a setting of gardien serve (or has no value)", path,
			               lineno, name);
		else
			rc = add(c, s, name, len, value);
	}
	fclose(f);
	return rc;
}

/* GARDIEN_<NAME> for every option with a value that the help documents. */
static int read_environment(struct cli *c, struct serve_settings *s)
{
	const char *u = serve_usage(), *done[MAX_SETTINGS];
	size_t ndone = 0;
	for (const char *p = u; (p = strstr(p, "--")) != NULL; p += 2) {
		const char *name = p + 2, *e = name;
		while (islower((unsigned char)*e) || *e == '-')
			e++;
		size_t len = (size_t)(e - name);
		if (!len || len > 40 || !takes_value(name, len))
			continue;
		bool seen = false; /* an option may be documented twice */
		for (size_t i = 0; i < ndone && !seen; i++)
			seen = strncmp(done[i], name, len) == 0 && !islower((unsigned char)done[i][len]) &&
			       done[i][len] != '-';
		if (seen || ndone == MAX_SETTINGS)
			continue;
		done[ndone++] = name;
		char var[64] = "GARDIEN_";
		for (size_t i = 0; i < len; i++)
			var[8 + i] = name[i] == '-' ? '_' : (char)toupper((unsigned char)name[i]);
		var[8 + len] = 0;
		const char *val = getenv(var);
		int rc = val && *val ? add(c, s, name, len, val) : EXIT_OK;
		if (rc != EXIT_OK)
			return rc;
	}
	return EXIT_OK;
}

int cli_serve_settings(struct cli *c, struct serve_settings *s)
{
	const struct cli_args *a = c->args;
	const char *config = cli_arg(a, "--config");
	int rc;
	*s = (struct serve_settings){0};
	if (config && (rc = read_file(c, s, config)) != EXIT_OK)
		goto fail;
	if ((rc = read_environment(c, s)) != EXIT_OK)
		goto fail;
	s->argv = calloc((size_t)(1 + s->nowned + 2 * a->nseen + 1), sizeof *s->argv);
	if (!s->argv) {
		rc = cli_error(c, EXIT_ERROR, "GD_ENOMEM", NULL, "out of memory");
		goto fail;
	}
	s->argv[s->argc++] = "serve";
	for (int i = 0; i < s->nowned; i++)
		s->argv[s->argc++] = s->owned[i];
	/* The command line's options as the parser took them (so "--opt=VALUE"
	 * and a value starting with "-" stay what they were), after the settings. */
	for (int i = 0; i < a->nseen; i++) {
		const struct cli_opt *o = a->seen[i].opt;
		if (strcmp(o->name, "--config") == 0)
			continue;
		s->argv[s->argc++] = (char *)o->name;
		if (o->value)
			s->argv[s->argc++] = (char *)a->seen[i].value;
	}
	return EXIT_OK;
fail:
	cli_serve_settings_release(s);
	return rc;
}

void cli_serve_settings_release(struct serve_settings *s)
{
	for (int i = 0; i < s->nowned; i++)
		free(s->owned[i]);
	free(s->argv);
	*s = (struct serve_settings){0};
}

int cmd_serve(struct cli *c, int argc, char **argv)
{
	(void)argc, (void)argv;
	if (c->args->npos)
		return cli_usage(c, "serve", "serve takes options only, not '%s'", c->args->pos[0]);
	struct serve_settings s;
	int rc = cli_serve_settings(c, &s);
	if (rc != EXIT_OK)
		return rc;
	/* Parsed again with the same table: a setting is checked as an option
	 * is, and the last value of each counts (CLI_OPT_LAST). */
	struct cli_args all;
	rc = cli_args_parse(c, "serve", cli_command_opts("serve"), s.argc, s.argv, &all);
	if (rc == EXIT_OK)
		rc = cli_serve_run(c, &all);
	cli_serve_settings_release(&s);
	return rc;
}
