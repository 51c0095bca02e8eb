/*
 * cmd_breach.c — gardien breach record | update | list | show | notify |
 * inform | no-notice | scope | draft: the breach register (GDPR Art. 33/34).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int parse_id(struct cli *c, const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end || v <= 0 || errno)
		return cli_usage(c, "breach", "'%s' is not a breach id (a positive number)", s);
	*out = v;
	return EXIT_OK;
}

static int parse_count(struct cli *c, const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end || v < 0 || errno)
		return cli_usage(c, "breach", "'%s' is not a number of subjects or records", s);
	*out = v;
	return EXIT_OK;
}

#define SPEC_OPTS \
	"--nature --description --data-categories --subject-categories --consequences --measures-taken " \
	"--measures-proposed --contact --controller --language --detected --started --ended --subjects " \
	"--records --high-risk"

/* The breach spec of c->args (record, update), checked. */
static int take_spec(struct cli *c, gd_breach_spec *s)
{
	const struct cli_args *a = c->args;
	const struct {
		const char *opt;
		const char **slot;
	} texts[] = {
		{"--nature", &s->nature},
		{"--description", &s->description},
		{"--data-categories", &s->data_categories},
		{"--subject-categories", &s->subject_categories},
		{"--consequences", &s->consequences},
		{"--measures-taken", &s->measures_taken},
		{"--measures-proposed", &s->measures_proposed},
		{"--contact", &s->contact},
		{"--controller", &s->controller},
		{"--language", &s->language},
	};
	for (size_t k = 0; k < sizeof texts / sizeof *texts; k++) {
		const char *v = cli_arg(a, texts[k].opt);
		if (v)
			*texts[k].slot = v;
	}
	const struct {
		const char *opt;
		gd_time *slot;
	} times[] = {{"--detected", &s->detected_at}, {"--started", &s->started_at}, {"--ended", &s->ended_at}};
	int rc;
	for (size_t k = 0; k < sizeof times / sizeof *times; k++) {
		const char *v = cli_arg(a, times[k].opt);
		if (v && (rc = cli_parse_time(c, v, times[k].slot)) != EXIT_OK)
			return rc;
	}
	const char *v;
	if ((v = cli_arg(a, "--subjects")) && (rc = parse_count(c, v, &s->approx_subjects)) != EXIT_OK)
		return rc;
	if ((v = cli_arg(a, "--records")) && (rc = parse_count(c, v, &s->approx_records)) != EXIT_OK)
		return rc;
	if (cli_flag(a, "--high-risk"))
		s->high_risk = 1;
	return EXIT_OK;
}

/* Refuses arguments after the subcommand and its id (`npos` in all) and options not `allowed`. */
static int only(struct cli *c, const char *sub, int npos, const char *allowed)
{
	if (c->args->npos > npos)
		return cli_usage(c, "breach", "unexpected argument '%s'", c->args->pos[npos]);
	return cli_args_allow(c, "breach", sub, allowed);
}

static void left(char *out, size_t cap, const gd_breach *b)
{
	int64_t s = b->seconds_left < 0 ? -b->seconds_left : b->seconds_left;
	snprintf(out, cap, "%lldh%02lld", (long long)(s / 3600), (long long)(s % 3600 / 60));
}

static int print_line(void *ud, const gd_breach *b)
{
	struct cli *c = ud;
	if (c->json) {
		cli_print_json(gd_breach_json(b));
		return 0;
	}
	char t[32], l[32];
	left(l, sizeof l, b);
	printf("#%-4lld %-14s detected %s  %s", (long long)b->id, b->status, cli_time(b->detected_at, t),
	       b->nature);
	if (strcmp(b->status, "open") == 0)
		printf("  (%s left to notify)", l);
	else if (strcmp(b->status, "overdue") == 0)
		printf("  (72 hours passed %s ago)", l);
	putchar('\n');
	return 0;
}

static void show(const gd_breach *b)
{
	char t[32], l[32];
	left(l, sizeof l, b);
	printf("breach #%lld: %s\n", (long long)b->id, b->status);
	printf("  detected        %s\n", cli_time(b->detected_at, t));
	printf("  deadline        %s (%s %s)\n", cli_time(b->deadline, t), l,
	       b->seconds_left >= 0 ? "left" : "ago");
	if (b->started_at)
		printf("  started         %s\n", cli_time(b->started_at, t));
	if (b->ended_at)
		printf("  ended           %s\n", cli_time(b->ended_at, t));
	printf("  nature          %s\n  description     %s\n", b->nature, b->description);
	const struct {
		const char *label, *v;
	} rows[] = {{"data categories", b->data_categories}, {"subject categ.", b->subject_categories}, {"consequences", b->consequences}, {"measures taken", b->measures_taken}, {"measures prop.", b->measures_proposed}, {"contact", b->contact}, {"controller", b->controller}, {"delay reason", b->delay_reason}, {"not notified", b->no_notice_reason}};
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
		printf("  %-15s %s\n", rows[i].label, rows[i].v ? rows[i].v : "-");
	if (b->approx_subjects >= 0)
		printf("  subjects        ~%lld\n", (long long)b->approx_subjects);
	if (b->approx_records >= 0)
		printf("  records         ~%lld\n", (long long)b->approx_records);
	if (b->notified_at)
		printf("  notified        %s\n", cli_time(b->notified_at, t));
	if (b->subjects_informed_at)
		printf("  subjects told   %s\n", cli_time(b->subjects_informed_at, t));
	printf("  high risk       %s (language %s)\n", b->high_risk ? "yes: inform the subjects (Art. 34)" : "no",
	       b->language);
	if (b->scoped_subjects >= 0)
		printf("  audit scope     %lld subjects, %lld records (%s)\n", (long long)b->scoped_subjects,
		       (long long)b->scoped_records, b->scoped_categories ? b->scoped_categories : "");
	if (b->controllers_told)
		printf("  controllers     %s: %lld told, %lld not acknowledged, due %s (Art. 33(2))\n",
		       b->controllers_status, (long long)b->controllers_told, (long long)b->controllers_pending,
		       cli_time(b->controllers_deadline, t));
}

/* breach controllers ID [--activity A]: a processor's breach told to its customers (Art. 33(2)). */
static int breach_controllers(struct cli *c, int64_t id)
{
	const char *activity = cli_arg(c->args, "--activity");
	int64_t n = 0;
	int rc = only(c, "controllers", 2, "--activity");
	if (rc != EXIT_OK)
		return rc;
	if ((rc = cli_open(c, true)) != EXIT_OK)
		return rc;
	if ((rc = gd_breach_tell_controllers(c->actor, id, activity, &n)) < 0)
		return cli_fail(c, rc);
	gd_breach *b;
	if ((rc = gd_breach_get(c->actor, &b, id)) < 0)
		return cli_fail(c, rc);
	char t[32];
	if (c->json) {
		json_t *j = gd_breach_json(b);
		cli_print_json(json_pack("{s:I,s:I,s:O?}", "breach", (json_int_t)id, "queued", (json_int_t)n, "clock",
		                         json_object_get(j, "controllers")));
		json_decref(j);
	} else
		printf("breach %lld: %lld notice(s) queued to the controllers; %s, due %s ('gardien outbox list')\n",
		       (long long)id, (long long)n, b->controllers_status, cli_time(b->controllers_deadline, t));
	gd_breach_free(b);
	return EXIT_OK;
}

static int breach_record(struct cli *c, int64_t id)
{
	gd_breach_spec s = GD_BREACH_SPEC_INIT;
	int rc;
	if ((rc = only(c, id ? "update" : "record", id ? 2 : 1, SPEC_OPTS)) != EXIT_OK ||
	    (rc = take_spec(c, &s)) != EXIT_OK)
		return rc;
	if (!id && (!s.nature || !s.description))
		return cli_usage(c, "breach", "record needs --nature and --description");
	if ((rc = cli_open(c, true)) != EXIT_OK)
		return rc;
	rc = id ? gd_breach_update(c->actor, id, &s) : gd_breach_record(c->actor, &id, &s);
	if (rc < 0)
		return cli_fail(c, rc);
	gd_breach *b;
	if ((rc = gd_breach_get(c->actor, &b, id)) < 0)
		return cli_fail(c, rc);
	if (c->json)
		cli_print_json(gd_breach_json(b));
	else
		print_line(c, b);
	gd_breach_free(b);
	return EXIT_OK;
}

static int scope_row(void *ud, enum gd_breach_scope_row kind, const char *name, int64_t subjects,
                     int64_t records, int64_t accesses)
{
	struct cli *c = ud;
	if (c->json)
		cli_print_json(json_pack("{s:s,s:s,s:I,s:I,s:I}", "kind",
		                         kind == GD_BREACH_SCOPE_CATEGORY ? "category" : "subject", "name",
		                         name, "subjects", (json_int_t)subjects, "records",
		                         (json_int_t)records, "accesses", (json_int_t)accesses));
	else if (kind == GD_BREACH_SCOPE_CATEGORY)
		printf("category %-32s %6lld subjects %6lld records %6lld accesses\n", name,
		       (long long)subjects, (long long)records, (long long)accesses);
	else
		printf("subject  %-32s %6lld records %6lld accesses\n", name, (long long)records,
		       (long long)accesses);
	return 0;
}

static int breach_scope(struct cli *c)
{
	const struct cli_args *a = c->args;
	gd_breach_scope_spec sp = GD_BREACH_SCOPE_INIT;
	int64_t id = 0;
	bool list = !cli_flag(a, "--summary");
	const char *from = cli_arg(a, "--from"), *to = cli_arg(a, "--to"), *p = cli_arg(a, "--principal"),
		   *t = cli_arg(a, "--token");
	int rc = only(c, "scope", 2, "--from --to --principal --token --activity --summary");
	if (rc != EXIT_OK)
		return rc;
	if (p && t)
		return cli_usage(c, "breach", "--token is --principal under another name: give one");
	sp.principal = p ? p : t;
	sp.activity = cli_arg(a, "--activity");
	if (a->npos > 1 && (rc = parse_id(c, a->pos[1], &id)) != EXIT_OK)
		return rc;
	if (from && (rc = cli_parse_time(c, from, &sp.from)) != EXIT_OK)
		return rc;
	if (to && (rc = cli_parse_time(c, to, &sp.to)) != EXIT_OK)
		return rc;
	if (!from)
		return cli_usage(c, "breach", "scope needs the start of the incident window: --from TIME");
	if ((rc = cli_open(c, true)) != EXIT_OK)
		return rc;
	gd_breach_scope_result r;
	rc = gd_breach_scope(c->actor, id, &sp, &r, list ? scope_row : NULL, c);
	if (rc < 0)
		return cli_fail(c, rc);
	if (c->json)
		cli_print_json(json_pack("{s:s,s:I,s:I,s:I,s:I}", "kind", "total", "subjects",
		                         (json_int_t)r.subjects, "records", (json_int_t)r.records,
		                         "categories", (json_int_t)r.categories, "accesses",
		                         (json_int_t)r.accesses));
	else
		printf("total: %lld subjects, %lld records, %lld categories read or exported (%lld accesses)%s\n",
		       (long long)r.subjects, (long long)r.records, (long long)r.categories,
		       (long long)r.accesses, id ? "; saved on the breach" : "");
	return EXIT_OK;
}

static int breach_draft(struct cli *c, int64_t id)
{
	enum gd_breach_recipient to = GD_BREACH_AUTHORITY;
	enum gd_breach_format fmt = cli_flag(c->args, "--html") ? GD_BREACH_HTML : GD_BREACH_TEXT;
	const char *lang = cli_arg(c->args, "--language"), *v = cli_arg(c->args, "--to");
	int rc = only(c, "draft", 2, "--to --language --html");
	if (rc != EXIT_OK)
		return rc;
	if (v && strcmp(v, "subjects") == 0)
		to = GD_BREACH_SUBJECTS;
	else if (v && strcmp(v, "authority") != 0)
		return cli_usage(c, "breach", "--to takes authority or subjects, not '%s'", v);
	rc = cli_open(c, true);
	if (rc != EXIT_OK)
		return rc;
	char *d;
	if ((rc = gd_breach_draft(c->actor, &d, id, to, lang, fmt)) < 0)
		return cli_fail(c, rc);
	if (c->json)
		cli_print_json(json_pack("{s:I,s:s,s:s,s:s}", "breach", (json_int_t)id, "to",
		                         to == GD_BREACH_AUTHORITY ? "authority" : "subjects", "format",
		                         fmt == GD_BREACH_HTML ? "html" : "text", "draft", d));
	else
		fputs(d, stdout);
	gd_breach_draft_free(d);
	return EXIT_OK;
}

int cmd_breach(struct cli *c, int argc, char **argv)
{
	(void)argc, (void)argv;
	const struct cli_args *a = c->args;
	if (a->npos < 1)
		return cli_usage(c, "breach", "breach needs a subcommand: record, update, list, show, notify,"
		                              " inform, no-notice, scope, draft");
	const char *sub = a->pos[0];
	int64_t id = 0;
	int rc;
	if (strcmp(sub, "record") == 0)
		return breach_record(c, 0);
	if (strcmp(sub, "scope") == 0)
		return breach_scope(c);
	if (strcmp(sub, "list") == 0) {
		if ((rc = only(c, "list", 1, "")) != EXIT_OK)
			return rc;
		if ((rc = cli_open(c, true)) != EXIT_OK)
			return rc;
		rc = gd_breach_list(c->actor, print_line, c);
		return rc < 0 ? cli_fail(c, rc) : EXIT_OK;
	}
	const char *known[] = {"update", "show", "notify", "inform", "no-notice", "draft", "controllers"};
	bool ok = false;
	for (size_t i = 0; i < sizeof known / sizeof *known; i++)
		ok = ok || strcmp(sub, known[i]) == 0;
	if (!ok)
		return cli_usage(c, "breach", "unknown breach subcommand '%s'", sub);
	if (a->npos < 2)
		return cli_usage(c, "breach", "%s needs a breach id", sub);
	if ((rc = parse_id(c, a->pos[1], &id)) != EXIT_OK)
		return rc;
	if (strcmp(sub, "update") == 0)
		return breach_record(c, id);
	if (strcmp(sub, "draft") == 0)
		return breach_draft(c, id);
	if (strcmp(sub, "controllers") == 0)
		return breach_controllers(c, id);
	gd_time at = 0;
	const char *reason = cli_arg(a, "--delay-reason"), *v = cli_arg(a, "--at");
	rc = only(c, sub, 2,
	          strcmp(sub, "notify") == 0      ? "--at --delay-reason"
	          : strcmp(sub, "inform") == 0    ? "--at"
	          : strcmp(sub, "no-notice") == 0 ? "--reason"
	                                          : "");
	if (rc != EXIT_OK)
		return rc;
	if (!reason)
		reason = cli_arg(a, "--reason");
	if (v && (rc = cli_parse_time(c, v, &at)) != EXIT_OK)
		return rc;
	if (strcmp(sub, "no-notice") == 0 && !reason)
		return cli_usage(c, "breach", "no-notice needs --reason TEXT");
	if ((rc = cli_open(c, true)) != EXIT_OK)
		return rc;
	if (strcmp(sub, "notify") == 0)
		rc = gd_breach_notify(c->actor, id, at, reason);
	else if (strcmp(sub, "inform") == 0)
		rc = gd_breach_inform_subjects(c->actor, id, at);
	else if (strcmp(sub, "no-notice") == 0)
		rc = gd_breach_no_notice(c->actor, id, reason);
	if (rc < 0)
		return cli_fail(c, rc);
	gd_breach *b;
	if ((rc = gd_breach_get(c->actor, &b, id)) < 0)
		return cli_fail(c, rc);
	if (c->json)
		cli_print_json(gd_breach_json(b));
	else if (strcmp(sub, "show") == 0)
		show(b);
	else
		print_line(c, b);
	gd_breach_free(b);
	return EXIT_OK;
}
