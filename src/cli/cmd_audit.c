/*
 * cmd_audit.c — gardien audit verify | list | export | prune | checkpoint | key.
 *
 * verify and checkpoint work on the whole vault (every chain) unless --tenant
 * is given; list, export and prune act on one tenant's chain. Progress goes to
 * stderr only when stderr is a terminal.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Parses a retention period: N followed by y, m, w or d ("1y", "13m", "90d"). */
static int parse_period(struct cli *c, const char *s, gd_time now, gd_time *out)
{
	char *end;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (end == s || n <= 0 || n > 1200 || errno || !end[0] || end[1])
		return cli_usage(c, "audit", "'%s' is not a period: write a number and y, m, w or d (1y, 13m, 90d)", s);
	switch (*end) {
	case 'y': *out = gd_time_add_months(now, -12 * (int)n); break;
	case 'm': *out = gd_time_add_months(now, -(int)n); break;
	case 'w': *out = now - (gd_time)n * 7 * 86400; break;
	case 'd': *out = now - (gd_time)n * 86400; break;
	default:
		return cli_usage(c, "audit", "'%s' is not a period: the unit is y, m, w or d", s);
	}
	return EXIT_OK;
}

#define FILTERS "--principal --subject --action --purpose --from --to --record --outcome"

/* The filter options of c->args (list, export), checked. */
static int take_filters(struct cli *c, gd_audit_filter *f)
{
	const struct cli_args *a = c->args;
	const char *v;
	int rc;
	f->principal = cli_arg(a, "--principal");
	f->subject = cli_arg(a, "--subject");
	f->action = cli_arg(a, "--action");
	f->purpose = cli_arg(a, "--purpose");
	if ((v = cli_arg(a, "--from")) && (rc = cli_parse_time(c, v, &f->from)) != EXIT_OK)
		return rc;
	if ((v = cli_arg(a, "--to")) && (rc = cli_parse_time(c, v, &f->to)) != EXIT_OK)
		return rc;
	if ((v = cli_arg(a, "--record"))) {
		char *end;
		errno = 0;
		long long id = strtoll(v, &end, 10);
		if (end == v || *end || errno || id <= 0)
			return cli_usage(c, "audit", "--record takes a record id (a positive number), not '%s'", v);
		f->record_id = id;
	}
	if ((v = cli_arg(a, "--outcome"))) {
		f->outcome = gd_audit_outcome_parse(v);
		if (f->outcome < 0)
			return cli_usage(c, "audit", "outcome '%s' is not ok, denied or failed", v);
	}
	return EXIT_OK;
}

/* Refuses arguments after the subcommand (pos[0]) and options `allowed` does not name. */
static int no_args(struct cli *c, const char *sub, const char *allowed)
{
	if (c->args->npos > 1)
		return cli_usage(c, "audit", "unexpected argument '%s'", c->args->pos[1]);
	return cli_args_allow(c, "audit", sub, allowed);
}

static void progress(void *ud, int64_t done)
{
	cli_progress_count(ud, (uint64_t)done, 0);
}

static void report_print(const gd_audit_report *r)
{
	if (r->problem == GD_AUDIT_INTACT) {
		printf("audit trail intact: %lld entries in %lld chain(s), %lld signature(s) checked\n",
		       (long long)r->entries, (long long)r->chains, (long long)r->checkpoints);
		if (r->unsigned_tail)
			printf("%lld entr%s after the last checkpoint of their chain: not yet signed"
			       " (run 'gardien audit checkpoint')\n",
			       (long long)r->unsigned_tail, r->unsigned_tail == 1 ? "y is" : "ies are");
		return;
	}
	printf("audit trail TAMPERED (%s): chain %s, lane %lld, entry %lld: %s\n", gd_audit_problem_name(r->problem),
	       r->tenant, (long long)r->lane, (long long)r->seq, r->detail);
}

/* Each lane verified intact: a line of text, or an element of the JSON report's "lanes". */
struct lanes_out {
	struct cli_progress pr;
	struct cli *c;
	json_t *arr;
	FILE *text; /* the lines, printed after the summary */
};

/* verify's two callbacks share one `ud`, a struct lanes_out. */
static void verify_progress(void *ud, int64_t done)
{
	progress(&((struct lanes_out *)ud)->pr, done);
}

static void lane_print(void *ud, const gd_audit_lane_report *l)
{
	struct lanes_out *o = ud;
	if (o->c->json) {
		json_array_append_new(o->arr, gd_audit_lane_json(l));
		return;
	}
	if (o->text)
		fprintf(o->text, "  %s lane %lld: entries %lld..%lld intact, %lld signature(s), %lld unsigned\n",
		        l->tenant, (long long)l->lane, (long long)l->first_seq, (long long)l->last_seq,
		        (long long)l->checkpoints, (long long)l->unsigned_tail);
}

struct lines {
	FILE *f;
	char *buf;
	size_t cap;
};

static int next_line(void *ud, const char **line, size_t *len)
{
	struct lines *l = ud;
	ssize_t n = getline(&l->buf, &l->cap, l->f);
	if (n < 0)
		return ferror(l->f) ? -1 : 0;
	if (n && l->buf[n - 1] == '\n')
		n--;
	*line = l->buf;
	*len = (size_t)n;
	return 1;
}

static int verify_file(struct cli *c, const char *path, const char *key_hex)
{
	unsigned char key[32];
	char named[65];
	if (key_hex) {
		size_t n = strlen(key_hex);
		for (size_t i = 0; i < n; i++)
			if (!strchr("0123456789abcdefABCDEF", key_hex[i]))
				n = 0;
		if (n != 64)
			return cli_usage(c, "audit", "--public-key takes the 64 hex digits 'gardien audit key' prints");
		for (int i = 0; i < 32; i++) {
			unsigned v;
			sscanf(key_hex + 2 * i, "%2x", &v);
			key[i] = (unsigned char)v;
		}
	}
	struct lines l = {.f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r")};
	if (!l.f) {
		fprintf(stderr, "gardien: cannot open %s: %s\n", path, strerror(errno));
		return EXIT_NOTFOUND;
	}
	gd_audit_report r;
	int rc = gd_audit_verify_export(next_line, &l, key_hex ? key : NULL, named, &r);
	free(l.buf);
	if (l.f != stdin)
		fclose(l.f);
	if (rc < 0 && rc != GD_ECORRUPT)
		return cli_fail(c, rc);
	if (c->json) {
		json_t *j = gd_audit_report_json(&r);
		json_object_set_new(j, "public_key", json_string(named));
		json_object_set_new(j, "key_checked", json_boolean(key_hex != NULL));
		cli_print_json(j);
	} else {
		report_print(&r);
		if (!key_hex)
			printf("signed by the key the file names, %s: compare it with the one the controller"
			       " gave you, or pass it with --public-key\n",
			       named);
	}
	return rc == GD_ECORRUPT ? EXIT_CORRUPT : EXIT_OK;
}

static int audit_verify(struct cli *c)
{
	int rc = no_args(c, "verify", "--file --public-key");
	if (rc != EXIT_OK)
		return rc;
	const char *file = cli_arg(c->args, "--file"), *key = cli_arg(c->args, "--public-key");
	if (file)
		return verify_file(c, file, key);
	if (key)
		return cli_usage(c, "audit", "--public-key checks an export: give it with --file EXPORT");
	rc = cli_open(c, false);
	if (rc != EXIT_OK)
		return rc;
	gd_audit_report r;
	/* Lines per lane come after the summary: kept until the verification ends. */
	char *text = NULL;
	size_t tlen = 0;
	struct lanes_out lo = {.c = c, .arr = json_array(), .text = c->json ? NULL : open_memstream(&text, &tlen)};
	cli_progress_start(c, &lo.pr, "audit entries verified");
	rc = gd_audit_verify_lanes(c->vault, c->tenant, &r, verify_progress, lane_print, &lo);
	cli_progress_end(&lo.pr);
	if (lo.text)
		fclose(lo.text);
	if (rc < 0 && rc != GD_ECORRUPT) {
		free(text);
		json_decref(lo.arr);
		return cli_fail(c, rc);
	}
	if (c->json) {
		json_t *j = gd_audit_report_json(&r);
		json_object_set_new(j, "lanes", lo.arr);
		cli_print_json(j);
	} else {
		json_decref(lo.arr);
		report_print(&r);
		if (text)
			fputs(text, stdout);
	}
	free(text);
	return rc == GD_ECORRUPT ? EXIT_CORRUPT : EXIT_OK;
}

static int print_entry(void *ud, const gd_audit_entry *e)
{
	struct cli *c = ud;
	if (c->json) {
		cli_print_json(gd_audit_entry_json(e));
		return 0;
	}
	char t[32];
	printf("%6lld  %s  %-16s %-22s %-14s %-28s", (long long)e->seq, cli_time(e->at, t),
	       e->principal ? e->principal : "-", e->action ? e->action : "-", e->purpose ? e->purpose : "-", e->subject ? e->subject : "-");
	if (e->record_id)
		printf(" record %lld", (long long)e->record_id);
	if (e->category)
		printf(" %s", e->category);
	if (e->outcome != GD_AUDIT_OK)
		printf("  %s", gd_audit_outcome_name(e->outcome));
	if (e->reason)
		printf("  (%s)", e->reason);
	putchar('\n');
	return 0;
}

static int audit_list(struct cli *c)
{
	gd_audit_filter f = GD_AUDIT_FILTER_INIT;
	int rc;
	if ((rc = no_args(c, "list", FILTERS)) != EXIT_OK || (rc = take_filters(c, &f)) != EXIT_OK)
		return rc;
	if ((rc = cli_open(c, true)) != EXIT_OK)
		return rc;
	rc = gd_audit_list(c->actor, &f, print_entry, c);
	return rc < 0 ? cli_fail(c, rc) : EXIT_OK;
}

static int write_file(void *ud, const void *p, size_t n)
{
	return fwrite(p, 1, n, ud) == n ? 0 : GD_EIO;
}

static int audit_export(struct cli *c)
{
	gd_audit_filter f = GD_AUDIT_FILTER_INIT;
	enum gd_audit_format fmt = GD_AUDIT_JSONL;
	const char *out = cli_arg(c->args, "--output"), *v = cli_arg(c->args, "--format");
	int rc;
	if ((rc = no_args(c, "export", FILTERS " --format --output")) != EXIT_OK ||
	    (rc = take_filters(c, &f)) != EXIT_OK)
		return rc;
	if (v && strcmp(v, "jsonl") == 0)
		fmt = GD_AUDIT_JSONL;
	else if (v && strcmp(v, "csv") == 0)
		fmt = GD_AUDIT_CSV;
	else if (v)
		return cli_usage(c, "audit", "export format '%s' is not jsonl or csv", v);
	if ((rc = cli_open(c, true)) != EXIT_OK)
		return rc;
	if (out && strcmp(out, "-") == 0)
		out = NULL; /* standard output, as without --output */
	FILE *fp = out ? fopen(out, "w") : stdout;
	if (!fp) {
		fprintf(stderr, "gardien: cannot create %s: %s\n", out, strerror(errno));
		return EXIT_ERROR;
	}
	rc = gd_audit_export(c->actor, &f, fmt, write_file, fp);
	if (fflush(fp) != 0 && rc == 0) {
		fprintf(stderr, "gardien: cannot write the export: %s\n", strerror(errno));
		rc = GD_EIO;
	}
	if (out)
		fclose(fp);
	if (rc == GD_EIO)
		return EXIT_ERROR;
	return rc < 0 ? cli_fail(c, rc) : EXIT_OK;
}

static int audit_prune(struct cli *c)
{
	const char *before = cli_arg(c->args, "--before"), *older = cli_arg(c->args, "--older-than");
	int rc = no_args(c, "prune", "--before --older-than");
	if (rc != EXIT_OK)
		return rc;
	if (!before == !older)
		return cli_usage(c, "audit", "prune takes one of --before TIME or --older-than PERIOD");
	rc = cli_open(c, true);
	if (rc != EXIT_OK)
		return rc;
	gd_time t;
	rc = before ? cli_parse_time(c, before, &t) : parse_period(c, older, gd_vault_now(c->vault), &t);
	if (rc != EXIT_OK)
		return rc;
	int64_t n;
	if ((rc = gd_audit_prune(c->actor, t, &n)) < 0)
		return cli_fail(c, rc);
	char ts[32];
	if (c->json)
		cli_print_json(json_pack("{s:I,s:s}", "removed", (json_int_t)n, "before", cli_time(t, ts)));
	else
		printf("removed %lld audit entries written before %s; a signed anchor marks the new start\n",
		       (long long)n, cli_time(t, ts));
	return EXIT_OK;
}

static int audit_checkpoint(struct cli *c)
{
	int rc = no_args(c, "checkpoint", "");
	if (rc != EXIT_OK)
		return rc;
	rc = cli_open(c, false);
	if (rc != EXIT_OK)
		return rc;
	int64_t n;
	if ((rc = gd_audit_checkpoint(c->vault, c->tenant, &n)) < 0)
		return cli_fail(c, rc);
	if (c->json)
		cli_print_json(json_pack("{s:I}", "checkpoints", (json_int_t)n));
	else
		printf("signed %lld checkpoint(s)\n", (long long)n);
	return EXIT_OK;
}

static int audit_key(struct cli *c)
{
	int rc = no_args(c, "key", "");
	if (rc != EXIT_OK)
		return rc;
	rc = cli_open(c, false);
	if (rc != EXIT_OK)
		return rc;
	unsigned char pk[32];
	char hex[65];
	gd_audit_public_key(c->vault, pk);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", pk[i]);
	if (c->json)
		cli_print_json(json_pack("{s:s,s:s}", "algorithm", "ed25519", "public_key", hex));
	else
		printf("%s\n", hex);
	return EXIT_OK;
}

int cmd_audit(struct cli *c, int argc, char **argv)
{
	(void)argc, (void)argv;
	if (c->args->npos < 1)
		return cli_usage(c, "audit", "audit needs a subcommand: verify, list, export, prune, checkpoint, key");
	const char *sub = c->args->pos[0];
	if (strcmp(sub, "verify") == 0)
		return audit_verify(c);
	if (strcmp(sub, "list") == 0)
		return audit_list(c);
	if (strcmp(sub, "export") == 0)
		return audit_export(c);
	if (strcmp(sub, "prune") == 0)
		return audit_prune(c);
	if (strcmp(sub, "checkpoint") == 0)
		return audit_checkpoint(c);
	if (strcmp(sub, "key") == 0)
		return audit_key(c);
	return cli_usage(c, "audit", "unknown audit subcommand '%s'", sub);
}
