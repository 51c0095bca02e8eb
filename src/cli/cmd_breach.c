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

/* Takes one option of a breach spec at argv[*i]; 1 if taken, 0 if not one. */
static int take_spec(struct cli *c, int argc, char **argv, int *i, gd_breach_spec *s, int *rc)
{
	const char *a = argv[*i];
	*rc = EXIT_OK;
	if (strcmp(a, "--high-risk") == 0) {
		s->high_risk = 1;
		return 1;
	}
	if (*i + 1 >= argc)
		return 0;
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
		if (strcmp(a, texts[k].opt) == 0) {
			*texts[k].slot = argv[++*i];
			return 1;
		}
	}
	const struct {
		const char *opt;
		gd_time *slot;
	} times[] = {{"--detected", &s->detected_at}, {"--started", &s->started_at}, {"--ended", &s->ended_at}};
	for (size_t k = 0; k < sizeof times / sizeof *times; k++) {
		if (strcmp(a, times[k].opt) == 0) {
			*rc = cli_parse_time(c, argv[++*i], times[k].slot);
			return 1;
		}
	}
	if (strcmp(a, "--subjects") == 0) {
		*rc = parse_count(c, argv[++*i], &s->approx_subjects);
		return 1;
	}
	if (strcmp(a, "--records") == 0) {
		*rc = parse_count(c, argv[++*i], &s->approx_records);
		return 1;
	}
	return 0;
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
static int breach_controllers(struct cli *c, int argc, char **argv, int64_t id)
{
	const char *activity = NULL;
	int64_t n = 0;
	int rc;
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--activity") == 0 && i + 1 < argc)
			activity = argv[++i];
		else
			return cli_usage(c, "breach", "unexpected argument '%s'", argv[i]);
	}
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

static int breach_record(struct cli *c, int argc, char **argv, int64_t id)
{
	gd_breach_spec s = GD_BREACH_SPEC_INIT;
	int rc;
	for (int i = id ? 3 : 2; i < argc; i++) {
		if (take_spec(c, argc, argv, &i, &s, &rc)) {
			if (rc != EXIT_OK)
				return rc;
			continue;
		}
		return cli_usage(c, "breach", "unexpected argument '%s'", argv[i]);
	}
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

static int breach_scope(struct cli *c, int argc, char **argv)
{
	gd_breach_scope_spec sp = GD_BREACH_SCOPE_INIT;
	int64_t id = 0;
	bool from = false, list = true;
	int rc;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if ((strcmp(a, "--from") == 0 || strcmp(a, "--to") == 0) && i + 1 < argc) {
			if ((rc = cli_parse_time(c, argv[++i], a[2] == 'f' ? &sp.from : &sp.to)) != EXIT_OK)
				return rc;
			from = from || a[2] == 'f';
		} else if ((strcmp(a, "--principal") == 0 || strcmp(a, "--token") == 0) && i + 1 < argc) {
			sp.principal = argv[++i];
		} else if (strcmp(a, "--activity") == 0 && i + 1 < argc) {
			sp.activity = argv[++i];
		} else if (strcmp(a, "--summary") == 0) {
			list = false;
		} else if (!id && a[0] != '-') {
			if ((rc = parse_id(c, a, &id)) != EXIT_OK)
				return rc;
		} else {
			return cli_usage(c, "breach", "unexpected argument '%s'", a);
		}
	}
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

static int breach_draft(struct cli *c, int argc, char **argv, int64_t id)
{
	enum gd_breach_recipient to = GD_BREACH_AUTHORITY;
	enum gd_breach_format fmt = GD_BREACH_TEXT;
	const char *lang = NULL;
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--to") == 0 && i + 1 < argc) {
			const char *v = argv[++i];
			if (strcmp(v, "authority") == 0)
				to = GD_BREACH_AUTHORITY;
			else if (strcmp(v, "subjects") == 0)
				to = GD_BREACH_SUBJECTS;
			else
				return cli_usage(c, "breach", "--to takes authority or subjects, not '%s'", v);
		} else if (strcmp(argv[i], "--language") == 0 && i + 1 < argc) {
			lang = argv[++i];
		} else if (strcmp(argv[i], "--html") == 0) {
			fmt = GD_BREACH_HTML;
		} else {
			return cli_usage(c, "breach", "unexpected argument '%s'", argv[i]);
		}
	}
	int rc = cli_open(c, true);
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
	if (argc < 2)
		return cli_usage(c, "breach", "breach needs a subcommand: record, update, list, show, notify,"
		                              " inform, no-notice, scope, draft");
	const char *sub = argv[1];
	int64_t id = 0;
	int rc;
	if (strcmp(sub, "record") == 0)
		return breach_record(c, argc, argv, 0);
	if (strcmp(sub, "scope") == 0)
		return breach_scope(c, argc, argv);
	if (strcmp(sub, "list") == 0) {
		if (argc > 2)
			return cli_usage(c, "breach", "unexpected argument '%s'", argv[2]);
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
	if (argc < 3)
		return cli_usage(c, "breach", "%s needs a breach id", sub);
	if ((rc = parse_id(c, argv[2], &id)) != EXIT_OK)
		return rc;
	if (strcmp(sub, "update") == 0)
		return breach_record(c, argc, argv, id);
	if (strcmp(sub, "draft") == 0)
		return breach_draft(c, argc, argv, id);
	if (strcmp(sub, "controllers") == 0)
		return breach_controllers(c, argc, argv, id);
	gd_time at = 0;
	const char *reason = NULL;
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--at") == 0 && i + 1 < argc) {
			if ((rc = cli_parse_time(c, argv[++i], &at)) != EXIT_OK)
				return rc;
		} else if ((strcmp(argv[i], "--delay-reason") == 0 || strcmp(argv[i], "--reason") == 0) &&
		           i + 1 < argc) {
			reason = argv[++i];
		} else {
			return cli_usage(c, "breach", "unexpected argument '%s'", argv[i]);
		}
	}
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
