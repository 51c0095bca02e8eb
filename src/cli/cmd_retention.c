/* cmd_retention.c — gardien retention plan/sweep, gardien event, gardien hold. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* ---- retention plan ---- */

struct plan_out {
	json_t *rows;
	int n;
};

static int plan_row(void *ud, const gd_retention_plan_row *r)
{
	struct plan_out *p = ud;
	p->n++;
	if (p->rows) {
		json_array_append_new(p->rows, gd_retention_plan_row_json(r));
		return 0;
	}
	if (p->n == 1)
		printf("%-8s %-28s %-10s %8s  %s\n", "MONTH", "ACTIVITY", "ACTION", "RECORDS", "RULE");
	printf("%-8s %-28s %-10s %8lld  %.70s%s\n", r->month, r->activity, gd_retention_action_name(r->action),
	       (long long)r->count, r->rule, strlen(r->rule) > 70 ? "…" : "");
	return 0;
}

static int plan(struct cli *c, int argc, char **argv)
{
	gd_time until = 0;
	const char *until_s = cli_arg(c->args, "--until");
	int arc = cli_args_allow(c, "retention", "plan", "--until");
	(void)argv;
	if (arc != EXIT_OK)
		return arc;
	if (argc > 1)
		return cli_usage(c, "retention", "unexpected argument '%s'", c->args->pos[1]);
	if (until_s && (arc = cli_parse_time(c, until_s, &until)) != EXIT_OK)
		return arc;
	int rc = cli_open(c, true);
	if (rc != EXIT_OK)
		return rc;
	if (!until)
		until = gd_time_add_months(gd_vault_now(c->vault), 12);
	until = gd_time_end_of_day(until);
	struct plan_out p = {.rows = c->json ? json_array() : NULL};
	gd_retention_plan_totals t;
	if ((rc = gd_retention_plan(c->actor, until, plan_row, &p, &t)) < 0) {
		json_decref(p.rows);
		return cli_fail(c, rc);
	}
	char u[32];
	if (p.rows) {
		cli_print_json(json_pack("{s:s,s:o,s:I,s:I,s:I,s:I,s:I}", "until", cli_time(until, u), "rows", p.rows,
		                         "transitions", (json_int_t)t.transitions, "held", (json_int_t)t.held,
		                         "waiting_for_event", (json_int_t)t.waiting, "no_rule",
		                         (json_int_t)t.no_rule, "kept_by_consent", (json_int_t)t.kept_by_consent));
		return EXIT_OK;
	}
	if (!p.n)
		printf("nothing is due until %s\n", cli_time(until, u));
	printf("%lld transition(s) until %s", (long long)t.transitions, cli_time(until, u));
	if (t.held)
		printf("; %lld record(s) held by a legal hold", (long long)t.held);
	if (t.waiting)
		printf("; %lld waiting for an event", (long long)t.waiting);
	if (t.no_rule)
		printf("; %lld without a retention rule", (long long)t.no_rule);
	if (t.kept_by_consent)
		printf("; %lld kept while a consent lives", (long long)t.kept_by_consent);
	printf("\n");
	return EXIT_OK;
}

/* ---- retention sweep ---- */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int sweep_progress(void *ud, uint64_t done, uint64_t total)
{
	cli_progress_count(ud, done, total);
	return interrupted ? 1 : 0;
}

static int sweep(struct cli *c, int argc, char **argv)
{
	gd_retention_sweep_options o = GD_RETENTION_SWEEP_OPTIONS_INIT;
	const char *b = cli_arg(c->args, "--batch");
	int rc = cli_args_allow(c, "retention", "sweep", "--batch");
	(void)argv;
	if (rc != EXIT_OK)
		return rc;
	if (argc > 1)
		return cli_usage(c, "retention", "unexpected argument '%s'", c->args->pos[1]);
	if (b) {
		char *end;
		long n = strtol(b, &end, 10);
		if (!*b || *end || n < 1 || n > 100000)
			return cli_usage(c, "retention", "--batch takes a number from 1 to 100000");
		o.batch = (size_t)n;
	}
	rc = cli_open(c, true);
	if (rc != EXIT_OK)
		return rc;
	struct cli_progress ui;
	cli_progress_start(c, &ui, "sweep");
	o.progress = sweep_progress;
	o.ud = &ui;
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	gd_retention_stats st;
	rc = gd_retention_sweep(c->actor, &o, &st);
	cli_progress_end(&ui);
	if (rc < 0)
		return cli_fail(c, rc);
	if (c->json) {
		cli_print_json(json_pack("{s:I,s:I,s:I,s:I,s:I,s:b}", "scheduled", (json_int_t)st.scheduled,
		                         "archived", (json_int_t)st.archived, "anonymised",
		                         (json_int_t)st.anonymised, "deleted", (json_int_t)st.deleted,
		                         "batches", (json_int_t)st.batches, "complete", st.complete));
	} else {
		printf("archived %llu, anonymised %llu, deleted %llu record(s) in %llu batch(es)\n",
		       (unsigned long long)st.archived, (unsigned long long)st.anonymised,
		       (unsigned long long)st.deleted, (unsigned long long)st.batches);
		if (!st.complete)
			printf("interrupted: run 'gardien retention sweep' again to finish\n");
	}
	return st.complete ? EXIT_OK : EXIT_STATE;
}

int cmd_retention(struct cli *c, int argc, char **argv)
{
	/* plan and sweep get the arguments without the options: pos[0] is the subcommand */
	const struct cli_args *a = c->args;
	const char *sub = a->npos ? a->pos[0] : NULL;
	(void)argc, (void)argv;
	if (!sub)
		return cli_usage(c, "retention", "missing subcommand: plan or sweep");
	if (strcmp(sub, "plan") == 0)
		return plan(c, a->npos, NULL);
	if (strcmp(sub, "sweep") == 0)
		return sweep(c, a->npos, NULL);
	return cli_usage(c, "retention", "unknown subcommand '%s'", sub);
}

/* ---- event ---- */

static int events_from(struct cli *c, const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (!f) {
		fprintf(stderr, "gardien: cannot open %s: %s\n", path, strerror(errno));
		return EXIT_NOTFOUND;
	}
	char line[1100];
	size_t done = 0, pending = 0;
	long lineno = 0;
	struct cli_progress pr;
	cli_progress_start(c, &pr, "events recorded");
	int rc = gd_vault_begin(c->vault);
	while (rc == 0 && fgets(line, sizeof line, f)) {
		cli_progress_count(&pr, done + pending, 0);
		char subject[GD_SUBJECT_ID_SIZE], name[GD_NAME_MAX + 1];
		size_t n = strlen(line);
		gd_time at;
		lineno++;
		if (n == sizeof line - 1 && line[n - 1] != '\n' && !feof(f)) {
			cli_progress_end(&pr);
			fprintf(stderr, "gardien: %s line %ld is longer than 1024 bytes\n", path, lineno);
			gd_vault_rollback(c->vault);
			if (f != stdin)
				fclose(f);
			fprintf(stderr, "gardien: %zu event(s) before it were recorded\n", done);
			return EXIT_USAGE;
		}
		rc = gd_event_parse_line(line, n, subject, name, &at);
		if (rc == GD_ENOTFOUND) {
			rc = 0;
			continue;
		}
		if (rc == 0)
			rc = gd_event_record(c->actor, subject, name, at);
		if (rc == 0 && ++pending == 1000) {
			if ((rc = gd_vault_commit(c->vault)) == 0 && (rc = gd_vault_begin(c->vault)) == 0)
				done += pending, pending = 0;
		}
	}
	if (f != stdin)
		fclose(f);
	if (rc == 0 && (rc = gd_vault_commit(c->vault)) == 0)
		done += pending, pending = 0;
	cli_progress_end(&pr);
	if (rc < 0) {
		gd_vault_rollback(c->vault);
		fprintf(stderr, "gardien: %s line %ld: %s\n", path, lineno, gd_error_last());
		fprintf(stderr, "gardien: %zu event(s) before it were recorded; fix the line and resume after them\n", done);
		return cli_fail(c, rc);
	}
	if (c->json)
		cli_print_json(json_pack("{s:I}", "recorded", (json_int_t)done));
	else
		printf("recorded %zu event(s)\n", done);
	return EXIT_OK;
}

int cmd_event(struct cli *c, int argc, char **argv)
{
	const struct cli_args *a = c->args;
	const char *subject = a->npos > 0 ? a->pos[0] : NULL, *name = a->npos > 1 ? a->pos[1] : NULL,
		   *at_s = cli_arg(a, "--at"), *file = cli_arg(a, "--file"), *object = cli_arg(a, "--object");
	(void)argc, (void)argv;
	if (a->npos > 2)
		return cli_usage(c, "event", "unexpected argument '%s'", a->pos[2]);
	if (file ? subject || at_s || object : !subject || !name)
		return cli_usage(c, "event", "event takes SUBJECT NAME [--object KEY] [--at TIME], or --file FILE|-");
	gd_time at = 0;
	int rc;
	if (at_s && (rc = cli_parse_time(c, at_s, &at)) != EXIT_OK)
		return rc;
	if ((rc = cli_open(c, true)) != EXIT_OK)
		return rc;
	if (file)
		return events_from(c, file);
	if ((rc = object ? gd_event_record_object(c->actor, subject, name, object, at)
	                 : gd_event_record(c->actor, subject, name, at)) < 0)
		return cli_fail(c, rc);
	char t[32];
	if (c->json)
		cli_print_json(json_pack("{s:s,s:s,s:s}", "subject", subject, "event", name, "at",
		                         cli_time(at ? at : gd_vault_now(c->vault), t)));
	else
		printf("recorded %s for %s at %s\n", name, subject, cli_time(at ? at : gd_vault_now(c->vault), t));
	return EXIT_OK;
}

/* ---- hold ---- */

static int print_hold(void *ud, const gd_hold *h)
{
	json_t *arr = ud;
	char p[32], l[32];
	if (arr) {
		json_array_append_new(arr, gd_hold_json(h));
		return 0;
	}
	char what[48];
	if (h->record_id)
		snprintf(what, sizeof what, "record %lld", (long long)h->record_id);
	else
		snprintf(what, sizeof what, "whole subject");
	printf("hold %lld  %s  %s  placed %s by %s%s%s\n  reason: %s\n", (long long)h->id, h->subject, what,
	       cli_time(h->placed_at, p), h->placed_by, h->lifted_at ? ", lifted " : "",
	       h->lifted_at ? cli_time(h->lifted_at, l) : "", h->reason);
	return 0;
}

int cmd_hold(struct cli *c, int argc, char **argv)
{
	const struct cli_args *a = c->args;
	const char *sub = a->npos ? a->pos[0] : "", *subject = a->npos > 1 ? a->pos[1] : NULL, *id_s = subject,
		   *reason = cli_arg(a, "--reason"), *rec = cli_arg(a, "--record");
	int64_t record = 0;
	bool all = cli_flag(a, "--all");
	(void)argc, (void)argv;
	if (rec) {
		char *end;
		record = strtoll(rec, &end, 10);
		if (!*rec || *end || record <= 0)
			return cli_usage(c, "hold", "--record takes a record id");
	}
	if (a->npos > 2)
		return cli_usage(c, "hold", "unexpected argument '%s'", a->pos[2]);
	int rc;
	if (strcmp(sub, "place") == 0) {
		if (!subject || !reason)
			return cli_usage(c, "hold", "place takes SUBJECT [--record ID] --reason TEXT");
		if ((rc = cli_open(c, true)) != EXIT_OK)
			return rc;
		int64_t id;
		if ((rc = gd_hold_place(c->actor, &id, subject, record, reason)) < 0)
			return cli_fail(c, rc);
		if (c->json)
			cli_print_json(json_pack("{s:I,s:s,s:I}", "hold", (json_int_t)id, "subject", subject,
			                         "record", (json_int_t)record));
		else
			printf("hold %lld placed on %s%s: deletion, anonymisation and erasure are suspended\n",
			       (long long)id, subject, record ? " (one record)" : "");
		return EXIT_OK;
	}
	if (strcmp(sub, "lift") == 0) {
		char *end = NULL;
		long long id = id_s ? strtoll(id_s, &end, 10) : 0;
		if (!id_s || *end || id <= 0 || record)
			return cli_usage(c, "hold", "lift takes a hold ID [--reason TEXT]");
		if ((rc = cli_open(c, true)) != EXIT_OK)
			return rc;
		if ((rc = gd_hold_lift(c->actor, id, reason)) < 0)
			return cli_fail(c, rc);
		if (c->json)
			cli_print_json(json_pack("{s:I,s:b}", "hold", (json_int_t)id, "lifted", 1));
		else
			printf("hold %lld lifted: due transitions apply at the next sweep\n", id);
		return EXIT_OK;
	}
	if (strcmp(sub, "list") == 0) {
		if (reason || record)
			return cli_usage(c, "hold", "list takes [SUBJECT] [--all]");
		if ((rc = cli_open(c, true)) != EXIT_OK)
			return rc;
		json_t *arr = c->json ? json_array() : NULL;
		if ((rc = gd_hold_list(c->actor, subject, all, print_hold, arr)) < 0) {
			json_decref(arr);
			return cli_fail(c, rc);
		}
		if (arr)
			cli_print_json(json_pack("{s:o}", "holds", arr));
		return EXIT_OK;
	}
	return cli_usage(c, "hold", "missing or unknown subcommand: place, lift or list");
}
