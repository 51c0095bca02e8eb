/* cmd_request.c — gardien request: data-subject requests, their deadlines and answers. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int parse_num(struct cli *c, const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end || v <= 0 || errno)
		return cli_usage(c, "request", "'%s' is not an id (a positive number)", s);
	*out = v;
	return EXIT_OK;
}

/* The options and arguments of c->args (after the subcommand, pos[0]), by name. */
struct opts {
	const char *pos[3];
	int npos;
	const char *activity, *received, *method, *evidence, *reason, *note, *format, *output;
	bool all, json_value, late;
};

static int parse(struct cli *c, struct opts *o)
{
	const struct cli_args *a = c->args;
	o->activity = cli_arg(a, "--activity");
	o->received = cli_arg(a, "--received");
	o->method = cli_arg(a, "--method");
	o->evidence = cli_arg(a, "--evidence");
	o->reason = cli_arg(a, "--reason");
	o->note = cli_arg(a, "--note");
	o->format = cli_arg(a, "--format");
	o->output = cli_arg(a, "--output");
	o->all = cli_flag(a, "--all");
	o->json_value = cli_flag(a, "--json-value");
	o->late = cli_flag(a, "--late");
	for (int i = 1; i < a->npos; i++) {
		if (o->npos == 3)
			return cli_usage(c, "request", "unexpected argument '%s'", a->pos[i]);
		o->pos[o->npos++] = a->pos[i];
	}
	return EXIT_OK;
}

/* Dates on the tenant's clocks: the due date is the day the deadline ends there. */
static void request_line(struct cli *c, const gd_request *r)
{
	char due[32], rec[32], target[32] = "";
	gd_calendar_date(c->actor, due, r->due_at);
	gd_calendar_date(c->actor, rec, r->received_at);
	if (r->target_at)
		gd_calendar_date(c->actor, target, r->target_at);
	printf("%-5lld %-16s %-12s %s  received %s  due %s%s%s%s%s\n", (long long)r->id, r->kind,
	       gd_request_state_name(r->state), r->subject, rec, due, r->extended ? " (extended)" : "",
	       *target ? "  target " : "", target, r->late ? "  LATE" : "");
}

struct list_ctx {
	json_t *arr;
	bool late_only;
	struct cli *c;
};

static int list_cb(void *ud, const gd_request *r)
{
	struct list_ctx *lc = ud;
	json_t *arr = lc->arr;
	if (lc->late_only && !r->late)
		return 0;
	if (arr)
		json_array_append_new(arr, gd_request_json(r));
	else
		request_line(lc->c, r);
	return 0;
}

static int step_cb(void *ud, enum gd_request_state s, gd_time at, const char *principal, const char *note)
{
	json_t *arr = ud;
	char t[32];
	if (arr)
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s}", "state", gd_request_state_name(s), "at",
		                                     cli_time(at, t), "by", principal, "note", note));
	else
		printf("  %s  %-12s by %s%s%s\n", cli_time(at, t), gd_request_state_name(s), principal,
		       *note ? ": " : "", note);
	return 0;
}

static int write_fd(void *ud, const void *p, size_t n)
{
	int fd = *(int *)ud;
	const char *s = p;
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return 1;
		s += w, n -= (size_t)w;
	}
	return 0;
}

static int parse_format(struct cli *c, const char *s, enum gd_export_format *out)
{
	if (!s || strcmp(s, "json") == 0)
		*out = GD_EXPORT_JSON;
	else if (strcmp(s, "csv") == 0)
		*out = GD_EXPORT_CSV;
	else if (strcmp(s, "html") == 0)
		*out = GD_EXPORT_HTML;
	else
		return cli_usage(c, "request", "format '%s' is not json, csv or html", s);
	return EXIT_OK;
}

static int do_export(struct cli *c, int64_t id, const struct opts *o)
{
	enum gd_export_format fmt = GD_EXPORT_JSON;
	int rc = parse_format(c, o->format, &fmt);
	if (rc != EXIT_OK)
		return rc;
	int fd = STDOUT_FILENO;
	const char *output = o->output && strcmp(o->output, "-") ? o->output : NULL; /* "-": standard output */
	if (output) {
		/* The copy holds personal data: readable by its owner only. */
		fd = open(o->output, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd < 0 && errno == EEXIST)
			return cli_error(c, EXIT_EXISTS, gd_error_name(GD_EEXISTS),
			                 "name a new file: a copy is never written over another", "%s already exists",
			                 output);
		if (fd < 0)
			return cli_error(c, EXIT_ERROR, gd_error_name(GD_EIO), NULL, "cannot create %s: %s", output,
			                 strerror(errno));
	}
	int64_t copy = 0;
	bool charged = false;
	fflush(stdout);
	int r = gd_request_export(c->actor, id, fmt, write_fd, &fd, &copy, &charged);
	if (output) {
		if (close(fd) != 0 && r == 0)
			r = GD_EIO;
		if (r < 0)
			unlink(output);
	}
	if (r < 0)
		return cli_fail(c, r);
	fprintf(stderr, "gardien: copy %lld of the data of request %lld%s\n", (long long)copy, (long long)id,
	        charged ? " (the register says further copies may be charged)" : "");
	return EXIT_OK;
}

struct kept_ctx {
	json_t *arr;
	int n;
};

static int kept_cb(void *ud, const gd_erasure_kept *k)
{
	struct kept_ctx *kc = ud;
	char t[32];
	kc->n++;
	if (kc->arr) {
		json_array_append_new(kc->arr, json_pack("{s:I,s:s,s:s,s:s,s:s?,s:s?}", "record", (json_int_t)k->record_id,
		                                         "activity", k->activity, "category", k->category, "rule",
		                                         k->rule, "until", k->until ? cli_time(k->until, t) : NULL,
		                                         "ends", k->ends));
	} else {
		if (k->until)
			gd_date_format(t, k->until);
		printf("kept record %lld  %s  (%s)  until %s\n  under %s\n", (long long)k->record_id, k->category,
		       k->activity, k->until ? t : "the end of its retention", k->rule);
		if (k->ends && *k->ends)
			printf("  %s\n", k->ends);
	}
	return 0;
}

int cmd_request(struct cli *c, int argc, char **argv)
{
	struct opts o = {0};
	int rc;
	(void)argc, (void)argv;
	if (c->args->npos < 1)
		return cli_usage(c, "request", "request needs a subcommand");
	const char *sub = c->args->pos[0];
	if ((rc = parse(c, &o)) != EXIT_OK)
		return rc;

	if (strcmp(sub, "open") == 0) {
		gd_request_spec sp = GD_REQUEST_SPEC_INIT;
		if (o.npos != 2)
			return cli_usage(c, "request", "request open takes KIND SUBJECT");
		sp.kind = o.pos[0];
		sp.subject = o.pos[1];
		sp.activity = o.activity;
		if (o.received && (rc = cli_parse_time(c, o.received, &sp.received_at)) != EXIT_OK)
			return rc;
		if ((rc = cli_open(c, true)) != EXIT_OK)
			return rc;
		int64_t id = 0;
		int r = gd_request_open(c->actor, &id, &sp);
		if (r < 0 && !(r == GD_EDENIED && id))
			return cli_fail(c, r);
		gd_request req;
		int g = gd_request_get(c->actor, &req, id);
		if (g < 0)
			return cli_fail(c, g);
		if (c->json)
			cli_print_json(gd_request_json(&req));
		else if (r == 0)
			printf("request %lld (%s) received; due %s\n", (long long)id, req.kind,
			       cli_time(req.due_at, (char[32]){0}));
		if (r < 0) {
			fprintf(stderr, "gardien: request %lld refused: %s\n", (long long)id, req.reason);
			return EXIT_DENIED;
		}
		return EXIT_OK;
	}
	if (strcmp(sub, "list") == 0) {
		if (o.npos)
			return cli_usage(c, "request", "request list takes no argument");
		if ((rc = cli_open(c, true)) != EXIT_OK)
			return rc;
		struct list_ctx lc = {c->json ? json_array() : NULL, o.late, c};
		int r = gd_request_list(c->actor, !o.all, list_cb, &lc);
		if (r < 0) {
			json_decref(lc.arr);
			return cli_fail(c, r);
		}
		if (lc.arr)
			cli_print_json(lc.arr);
		return EXIT_OK;
	}
	if (strcmp(sub, "unrestrict") == 0) {
		if (o.npos != 1)
			return cli_usage(c, "request", "request unrestrict takes SUBJECT");
		if ((rc = cli_open(c, true)) != EXIT_OK)
			return rc;
		int r = gd_subject_unrestrict(c->actor, o.pos[0]);
		if (r < 0)
			return cli_fail(c, r);
		if (c->json)
			cli_print_json(json_pack("{s:s,s:b}", "subject", o.pos[0], "restricted", 0));
		else
			printf("restriction of %s lifted\n", o.pos[0]);
		return EXIT_OK;
	}

	/* Everything else names a request. */
	int64_t id = 0;
	if (o.npos < 1)
		return cli_usage(c, "request", "request %s takes a request ID", sub);
	if ((rc = parse_num(c, o.pos[0], &id)) != EXIT_OK)
		return rc;
	if ((rc = cli_open(c, true)) != EXIT_OK)
		return rc;
	int r = 0;
	const char *done = NULL;
	if (strcmp(sub, "show") == 0) {
		gd_request req;
		if ((r = gd_request_get(c->actor, &req, id)) < 0)
			return cli_fail(c, r);
		if (c->json) {
			json_t *j = gd_request_json(&req), *steps = json_array();
			r = gd_request_steps(c->actor, id, step_cb, steps);
			json_object_set_new(j, "steps", steps);
			if (r < 0) {
				json_decref(j);
				return cli_fail(c, r);
			}
			cli_print_json(j);
			return EXIT_OK;
		}
		request_line(c, &req);
		if (*req.reason)
			printf("  reason: %s\n", req.reason);
		if (req.identity_at)
			printf("  identity verified by %s (%s, evidence %s)\n", req.identity_by, req.identity_method,
			       req.identity_ref);
		if (req.copies)
			printf("  copies delivered: %lld\n", (long long)req.copies);
		r = gd_request_steps(c->actor, id, step_cb, NULL);
		return r < 0 ? cli_fail(c, r) : EXIT_OK;
	} else if (strcmp(sub, "verify") == 0) {
		if (!o.method || !o.evidence)
			return cli_usage(c, "request", "request verify takes ID --method M --evidence REF");
		r = gd_request_verify(c->actor, id, o.method, o.evidence);
		done = "identity verified";
	} else if (strcmp(sub, "start") == 0) {
		r = gd_request_start(c->actor, id);
		done = "in progress";
	} else if (strcmp(sub, "extend") == 0) {
		if (!o.reason)
			return cli_usage(c, "request", "request extend takes ID --reason TEXT (told to the subject)");
		r = gd_request_extend(c->actor, id, o.reason);
		done = "extended by two months";
	} else if (strcmp(sub, "refuse") == 0) {
		if (!o.reason)
			return cli_usage(c, "request", "request refuse takes ID --reason TEXT");
		r = gd_request_refuse(c->actor, id, o.reason);
		done = "refused";
	} else if (strcmp(sub, "complete") == 0) {
		r = gd_request_complete(c->actor, id, o.note);
		done = "completed";
	} else if (strcmp(sub, "export") == 0) {
		return do_export(c, id, &o);
	} else if (strcmp(sub, "rectify") == 0) {
		int64_t rec = 0;
		if (o.npos != 3)
			return cli_usage(c, "request", "request rectify takes ID RECORD VALUE|-");
		if ((rc = parse_num(c, o.pos[1], &rec)) != EXIT_OK)
			return rc;
		char *buf = NULL;
		size_t len = 0;
		if ((rc = cli_read_value(c, o.pos[2], &buf, &len)) != EXIT_OK)
			return rc;
		if (o.json_value && (rc = cli_json_value_check(c, "request", buf, len)) != EXIT_OK) {
			gd_wipe_free(buf);
			return rc;
		}
		r = gd_request_rectify(c->actor, id, rec, o.json_value ? GD_VALUE_JSON : GD_VALUE_TEXT, buf, len);
		gd_wipe_free(buf);
		done = "record rectified; recipients notified";
	} else if (strcmp(sub, "erase") == 0) {
		struct kept_ctx kc = {c->json ? json_array() : NULL, 0};
		size_t deleted = 0;
		r = gd_request_erase(c->actor, id, kept_cb, &kc, &deleted);
		if (r < 0) {
			json_decref(kc.arr);
			return cli_fail(c, r);
		}
		if (c->json)
			cli_print_json(json_pack("{s:I,s:I,s:o}", "request", (json_int_t)id, "deleted",
			                         (json_int_t)deleted, "kept", kc.arr));
		else
			printf("request %lld: %zu record(s) erased, %d kept%s\n", (long long)id, deleted, kc.n,
			       kc.n ? " (listed above)" : "");
		return EXIT_OK;
	} else {
		return cli_usage(c, "request", "unknown subcommand '%s'", sub);
	}
	if (r < 0)
		return cli_fail(c, r);
	gd_request req;
	if ((r = gd_request_get(c->actor, &req, id)) < 0)
		return cli_fail(c, r);
	if (c->json)
		cli_print_json(gd_request_json(&req));
	else
		printf("request %lld: %s (due %s)\n", (long long)id, done, cli_time(req.due_at, (char[32]){0}));
	return EXIT_OK;
}
