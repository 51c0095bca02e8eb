/*
 * cmd_register.c — gardien register: check, load, versions, show, export, diff,
 * migrate (draft, compare and notice are in cmd_notice.c).
 * Findings of 'check' go to stderr as FILE:LINE:COLUMN: severity: message (the
 * form editors jump to), or to stdout as JSON with --json.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct findings {
	json_t *arr;                /* --json */
	const struct cli_input *in; /* the file read, named "<stdin>" when it is "-" */
};

static void on_finding(void *ud, const gd_register_diag *d)
{
	struct findings *f = ud;
	const char *sev = d->severity == GD_REGISTER_ERROR ? "error" : "warning";
	const char *file = cli_input_name(f->in, d->file);
	if (f->arr)
		json_array_append_new(f->arr, json_pack("{s:s,s:s,s:i,s:i,s:s}", "severity", sev, "file",
		                                        file, "line", d->line, "column", d->column,
		                                        "message", d->message));
	else
		fprintf(stderr, "%s:%d:%d: %s: %s\n", file, d->line, d->column, sev, d->message);
}

static int reg_check_input(struct cli *c, bool vault, const struct cli_input *in);

/*
 * Each subcommand below takes `argv`: itself then its arguments (argc in
 * all), the options being in c->args, parsed against the table of
 * options.c; each refuses the options of its siblings (cli_args_allow).
 */

/* check FILE|- [--controls] */
static int reg_check(struct cli *c, int argc, const char *const *argv)
{
	bool vault = cli_flag(c->args, "--controls");
	int rc = cli_args_allow(c, "register", "check", "--controls");
	if (rc != EXIT_OK)
		return rc;
	if (argc != 2)
		return cli_usage(c, "register", "register check takes one FILE [--controls]");
	struct cli_input in;
	rc = cli_input_open(c, argv[1], CLI_INPUT_MAX, &in);
	if (rc != EXIT_OK)
		return rc;
	rc = reg_check_input(c, vault, &in);
	cli_input_close(&in);
	return rc;
}

static int reg_check_input(struct cli *c, bool vault, const struct cli_input *in)
{
	struct findings f = {c->json ? json_array() : NULL, in};
	size_t nerr = 0, nwarn = 0;
	int rc = gd_register_check(in->path, on_finding, &f, &nerr, &nwarn);
	/* --controls: the security promises against this installation; one not kept is an error. */
	if (vault && rc == 0) {
		size_t broken = 0;
		if ((rc = cli_open(c, true)) != EXIT_OK) {
			json_decref(f.arr);
			return rc;
		}
		if ((rc = gd_register_check_controls(c->actor, in->path, on_finding, &f, &broken)) < 0) {
			json_decref(f.arr);
			return cli_fail(c, rc);
		}
		/* Backups as promised against the rotation this shell applies (GARDIEN_BACKUP_ROTATION). */
		gd_backup_policy policy;
		size_t differ = 0;
		if ((rc = cli_backup_policy(c, &policy)) != EXIT_OK) {
			json_decref(f.arr);
			return rc;
		}
		if ((rc = gd_register_check_backups(c->actor, in->path, &policy, on_finding, &f, &differ)) < 0) {
			json_decref(f.arr);
			return cli_fail(c, rc);
		}
		nwarn += differ;
		nerr += broken;
		rc = broken ? GD_EINVAL : 0;
	}
	if (rc < 0 && rc != GD_EINVAL && rc != GD_ETOOBIG) {
		json_decref(f.arr);
		return cli_fail(c, rc);
	}
	if (f.arr)
		cli_print_json(json_pack("{s:s,s:b,s:I,s:I,s:o}", "file", in->name, "valid", rc == 0,
		                         "errors", (json_int_t)nerr, "warnings", (json_int_t)nwarn,
		                         "findings", f.arr));
	else if (rc == 0)
		printf("%s: valid register (%zu warning%s)\n", in->name, nwarn, nwarn == 1 ? "" : "s");
	else
		fprintf(stderr, "%s: %zu error%s, %zu warning%s\n", in->name, nerr, nerr == 1 ? "" : "s",
		        nwarn, nwarn == 1 ? "" : "s");
	return rc == 0 ? EXIT_OK : EXIT_USAGE;
}

int cli_register_load(struct cli *c, const char *file, int64_t *version, int *unchanged)
{
	if (strcmp(file, "-") != 0) {
		int rc = gd_register_load(c->actor, file, version, unchanged);
		return rc < 0 ? cli_fail(c, rc) : EXIT_OK;
	}
	/* From standard input: the bytes as given (the version's digest is theirs), named "<stdin>". */
	struct cli_input in;
	char *text = NULL;
	size_t len = 0;
	int rc = cli_input_open(c, file, CLI_INPUT_MAX, &in);
	if (rc == EXIT_OK && (rc = cli_input_bytes(c, &in, &text, &len)) == EXIT_OK) {
		int r = gd_register_load_buffer(c->actor, "<stdin>", text, len, version, unchanged);
		rc = r < 0 ? cli_fail(c, r) : EXIT_OK;
	}
	free(text);
	cli_input_close(&in);
	return rc;
}

/* load FILE|- */
static int reg_load(struct cli *c, int argc, const char *const *argv)
{
	int rc = cli_args_allow(c, "register", "load", "");
	if (rc != EXIT_OK)
		return rc;
	if (argc != 2)
		return cli_usage(c, "register", "register load takes one FILE");
	rc = cli_open(c, true);
	if (rc != EXIT_OK)
		return rc;
	int64_t version = 0;
	int unchanged = 0;
	if ((rc = cli_register_load(c, argv[1], &version, &unchanged)) != EXIT_OK)
		return rc;
	if (c->json)
		cli_print_json(json_pack("{s:I,s:b}", "version", (json_int_t)version, "unchanged", unchanged));
	else if (unchanged)
		printf("register unchanged: %s is version %lld already\n", strcmp(argv[1], "-") ? argv[1] : "<stdin>",
		       (long long)version);
	else
		printf("loaded %s as register version %lld\n", strcmp(argv[1], "-") ? argv[1] : "<stdin>",
		       (long long)version);
	return EXIT_OK;
}

static int print_version(void *ud, const gd_register_version *v)
{
	json_t *arr = ud;
	char t[32];
	if (arr)
		json_array_append_new(arr, gd_register_version_json(v));
	else
		printf("%-4lld %s  %-20s %-24s %3d activities  %.16s\n", (long long)v->version,
		       cli_time(v->loaded_at, t), v->principal, v->file, v->activities, v->digest);
	return 0;
}

static int reg_versions(struct cli *c, int argc, const char *const *argv)
{
	(void)argv;
	int rc = cli_args_allow(c, "register", "versions", "");
	if (rc != EXIT_OK)
		return rc;
	if (argc != 1)
		return cli_usage(c, "register", "register versions takes no argument");
	rc = cli_open(c, true);
	if (rc != EXIT_OK)
		return rc;
	json_t *arr = c->json ? json_array() : NULL;
	if ((rc = gd_register_versions(c->actor, print_version, arr)) < 0) {
		json_decref(arr);
		return cli_fail(c, rc);
	}
	if (arr)
		cli_print_json(json_pack("{s:o}", "versions", arr));
	return EXIT_OK;
}

static int parse_version(struct cli *c, const char *s, int64_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end || v <= 0)
		return cli_usage(c, "register", "'%s' is not a version number (1, 2, …)", s);
	*out = v;
	return EXIT_OK;
}

/* show / export [--format F] [--language L] [--version N] [--file FILE] */
static int reg_export(struct cli *c, int argc, const char *const *argv, const char *dflt)
{
	const struct cli_args *a = c->args;
	const char *format = cli_arg(a, "--format"), *file = cli_arg(a, "--file"), *language = cli_arg(a, "--language");
	const char *v = cli_arg(a, "--version");
	int64_t version = 0;
	int rc = cli_args_allow(c, "register", argv[0], "--format --version --file --language");
	if (rc != EXIT_OK)
		return rc;
	if (argc > 1)
		return cli_usage(c, "register", "unexpected argument '%s'", argv[1]);
	if (v && (rc = parse_version(c, v, &version)) != EXIT_OK)
		return rc;
	if (!format)
		format = dflt;
	if (c->json && strcmp(format, dflt) == 0)
		format = "json";
	if (file) {
		if (version)
			return cli_usage(c, "register", "--file and --version exclude each other");
		struct cli_input in;
		if ((rc = cli_input_open(c, file, CLI_INPUT_MAX, &in)) != EXIT_OK)
			return rc;
		rc = gd_register_export_file_lang(in.path, format, language, stdout);
		cli_input_close(&in);
	} else {
		if ((rc = cli_open(c, true)) != EXIT_OK)
			return rc;
		rc = gd_register_export_lang(c->actor, version, format, language, stdout);
	}
	fflush(stdout);
	return rc < 0 ? cli_fail(c, rc) : EXIT_OK;
}

static int migrate_input(struct cli *c, const struct cli_input *in, const char *output);

/* migrate FILE|- [--output OUT|-]: OUT is written whole or not at all (temporary file, then rename). */
static int reg_migrate(struct cli *c, int argc, const char *const *argv)
{
	const char *file = argc > 1 ? argv[1] : NULL, *output = cli_arg(c->args, "--output");
	int rc = cli_args_allow(c, "register", "migrate", "--output");
	if (rc != EXIT_OK)
		return rc;
	if (argc > 2)
		return cli_usage(c, "register", "unexpected argument '%s'", argv[2]);
	if (!file)
		return cli_usage(c, "register", "register migrate takes a FILE");
	if (output && strcmp(output, "-") == 0)
		output = NULL; /* standard output, as without --output */
	struct cli_input in;
	rc = cli_input_open(c, file, CLI_INPUT_MAX, &in);
	if (rc != EXIT_OK)
		return rc;
	rc = migrate_input(c, &in, output);
	cli_input_close(&in);
	return rc;
}

static int migrate_input(struct cli *c, const struct cli_input *in, const char *output)
{
	const char *file = in->name;
	char tmp[4096];
	FILE *out = stdout;
	if (output) {
		if (snprintf(tmp, sizeof tmp, "%s.migrate-tmp", output) >= (int)sizeof tmp)
			return cli_usage(c, "register", "--output path is too long");
		if (!(out = fopen(tmp, "wb"))) {
			fprintf(stderr, "gardien: cannot write %s\n", tmp);
			return EXIT_ERROR;
		}
	}
	struct findings f = {NULL, in};
	size_t notes = 0;
	int rc = gd_register_migrate(in->path, out, on_finding, &f, &notes);
	if (output) {
		if (fclose(out) != 0 && rc == 0)
			rc = GD_EIO;
		if (rc == 0 && rename(tmp, output) != 0)
			rc = GD_EIO;
		if (rc < 0)
			remove(tmp);
	} else {
		fflush(stdout);
	}
	if (rc < 0)
		return cli_fail(c, rc);
	fprintf(stderr, "%s: written as format 2%s%s; %zu activit%s could read other activities' data (above): declare what is compatible with reads_from\n",
	        file, output ? " to " : "", output ? output : "", notes, notes == 1 ? "y" : "ies");
	return EXIT_OK;
}

static int print_change(void *ud, const gd_register_change *ch)
{
	json_t *arr = ud;
	if (arr) {
		json_t *o = json_pack("{s:s#,s:s}", "op", &ch->op, 1, "where", ch->where);
		if (ch->field)
			json_object_set_new(o, "field", json_string(ch->field));
		if (ch->before)
			json_object_set_new(o, "before", json_loads(ch->before, JSON_DECODE_ANY, NULL));
		if (ch->after)
			json_object_set_new(o, "after", json_loads(ch->after, JSON_DECODE_ANY, NULL));
		json_array_append_new(arr, o);
		return 0;
	}
	printf("%c %s%s%s", ch->op, ch->where, ch->field ? ": " : "", ch->field ? ch->field : "");
	if (ch->op == '~')
		printf("\n    - %s\n    + %s\n", ch->before, ch->after);
	else if (ch->field)
		printf(" %s\n", ch->op == '+' ? ch->after : ch->before);
	else
		printf("\n");
	return 0;
}

static int reg_diff(struct cli *c, int argc, const char *const *argv)
{
	int rc = cli_args_allow(c, "register", "diff", "");
	if (rc != EXIT_OK)
		return rc;
	if (argc != 3)
		return cli_usage(c, "register", "register diff takes two versions: V1 V2");
	int64_t v1 = 0, v2 = 0;
	if ((rc = parse_version(c, argv[1], &v1)) != EXIT_OK ||
	    (rc = parse_version(c, argv[2], &v2)) != EXIT_OK || (rc = cli_open(c, true)) != EXIT_OK)
		return rc;
	json_t *arr = c->json ? json_array() : NULL;
	size_t n = 0;
	if ((rc = gd_register_diff(c->actor, v1, v2, print_change, arr, &n)) < 0) {
		json_decref(arr);
		return cli_fail(c, rc);
	}
	if (arr)
		cli_print_json(json_pack("{s:I,s:I,s:o}", "from", (json_int_t)v1, "to", (json_int_t)v2,
		                         "changes", arr));
	else if (n == 0)
		printf("versions %lld and %lld are the same register\n", (long long)v1, (long long)v2);
	return EXIT_OK;
}

int cmd_register(struct cli *c, int argc, char **argv)
{
	(void)argc, (void)argv;
	/* the subcommand and its arguments, without the options (c->args) */
	int n = c->args->npos;
	const char *const *pos = c->args->pos;
	if (n < 1)
		return cli_usage(c, "register", "missing subcommand: check, load, versions, show, export, diff, migrate, draft, compare or notice");
	const char *sub = pos[0];
	if (strcmp(sub, "check") == 0)
		return reg_check(c, n, pos);
	if (strcmp(sub, "load") == 0)
		return reg_load(c, n, pos);
	if (strcmp(sub, "versions") == 0)
		return reg_versions(c, n, pos);
	if (strcmp(sub, "show") == 0)
		return reg_export(c, n, pos, "md");
	if (strcmp(sub, "export") == 0)
		return reg_export(c, n, pos, "json");
	if (strcmp(sub, "diff") == 0)
		return reg_diff(c, n, pos);
	if (strcmp(sub, "migrate") == 0)
		return reg_migrate(c, n, pos);
	if (strcmp(sub, "draft") == 0)
		return cli_register_draft(c, n, pos);
	if (strcmp(sub, "compare") == 0)
		return cli_register_compare(c, n, pos);
	if (strcmp(sub, "notice") == 0)
		return cli_register_notice(c, n, pos);
	return cli_usage(c, "register", "unknown subcommand '%s'", sub);
}
