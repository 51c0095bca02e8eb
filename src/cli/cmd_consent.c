/* cmd_consent.c — gardien consent (the consent ledger) and gardien outbox (Art. 19 notices). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *event_name(enum gd_consent_event e)
{
	switch (e) {
	case GD_CONSENT_GIVEN: return "given";
	case GD_CONSENT_RENEWED: return "renewed";
	case GD_CONSENT_WITHDRAWN: return "withdrawn";
	case GD_CONSENT_EXPIRED: return "expired";
	}
	return "unknown";
}

static const char *state_name(enum gd_consent_state s)
{
	switch (s) {
	case GD_CONSENT_NONE: return "none";
	case GD_CONSENT_LIVE: return "live";
	case GD_CONSENT_STATE_WITHDRAWN: return "withdrawn";
	case GD_CONSENT_STATE_EXPIRED: return "expired";
	}
	return "unknown";
}

static int history_cb(void *ud, const gd_consent *k)
{
	json_t *arr = ud;
	char t1[32], t2[32];
	if (arr) {
		json_array_append_new(arr, gd_consent_json(k));
		return 0;
	}
	printf("%s  %-16s %-9s channel %s", cli_time(k->at, t1), k->activity, event_name(k->event), k->channel);
	if (*k->text_version)
		printf("  wording %s", k->text_version);
	if (k->expires_at && k->event != GD_CONSENT_EXPIRED)
		printf("  expires %s", cli_time(k->expires_at, t2));
	printf("\n");
	return 0;
}

static int member_cb(void *ud, const char *subject)
{
	json_t *arr = ud;
	if (arr)
		json_array_append_new(arr, json_string(subject));
	else
		printf("%s\n", subject);
	return 0;
}

/* Reads a whole small file (the consent wording), capped. */
static char *slurp(const char *path)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!fp)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap + 1);
	if (buf) {
		n = fread(buf, 1, cap + 1, fp);
		if (n > cap) {
			free(buf);
			buf = NULL;
			errno = EFBIG;
		} else {
			buf[n] = 0;
		}
	}
	if (fp != stdin)
		fclose(fp);
	return buf;
}

int cmd_consent(struct cli *c, int argc, char **argv)
{
	const struct cli_args *a = c->args;
	const char *pos[2] = {0}, *channel = cli_arg(a, "--channel"), *source = cli_arg(a, "--source"),
		   *text = cli_arg(a, "--text"), *text_file = cli_arg(a, "--text-file"),
		   *version = cli_arg(a, "--version"), *at = cli_arg(a, "--at");
	int npos = 0, rc;
	(void)argc, (void)argv;
	if (a->npos < 1)
		return cli_usage(c, "consent", "consent needs a subcommand");
	const char *sub = a->pos[0];
	for (int i = 1; i < a->npos; i++) {
		if (npos == 2)
			return cli_usage(c, "consent", "unexpected argument '%s'", a->pos[i]);
		pos[npos++] = a->pos[i];
	}

	if (strcmp(sub, "give") == 0) {
		gd_consent_evidence ev = GD_CONSENT_EVIDENCE_INIT;
		if (npos != 2 || !channel)
			return cli_usage(c, "consent", "consent give takes SUBJECT ACTIVITY --channel CHANNEL");
		if (at && (rc = cli_parse_time(c, at, &ev.at)) != EXIT_OK)
			return rc;
		char *file_text = NULL;
		if (text_file && !(file_text = slurp(text_file))) {
			fprintf(stderr, "gardien: cannot read the consent wording from %s: %s\n", text_file, strerror(errno));
			return EXIT_USAGE;
		}
		ev.text = file_text ? file_text : text;
		ev.text_version = version;
		ev.channel = channel;
		ev.source = source;
		if ((rc = cli_open(c, true)) == EXIT_OK) {
			int r = gd_consent_give(c->actor, pos[0], pos[1], &ev);
			rc = r < 0 ? cli_fail(c, r) : EXIT_OK;
		}
		free(file_text);
		if (rc != EXIT_OK)
			return rc;
	} else if (strcmp(sub, "withdraw") == 0) {
		if (npos != 2)
			return cli_usage(c, "consent", "consent withdraw takes SUBJECT ACTIVITY");
		if ((rc = cli_open(c, true)) != EXIT_OK)
			return rc;
		int r = gd_consent_withdraw(c->actor, pos[0], pos[1], channel ? channel : "cli");
		if (r < 0)
			return cli_fail(c, r);
	} else if (strcmp(sub, "history") == 0) {
		if (npos != 1)
			return cli_usage(c, "consent", "consent history takes SUBJECT");
		if ((rc = cli_open(c, true)) != EXIT_OK)
			return rc;
		json_t *arr = c->json ? json_array() : NULL;
		int r = gd_consent_history(c->actor, pos[0], history_cb, arr);
		if (r < 0) {
			json_decref(arr);
			return cli_fail(c, r);
		}
		if (arr)
			cli_print_json(arr);
		return EXIT_OK;
	} else if (strcmp(sub, "members") == 0) {
		if (npos != 1)
			return cli_usage(c, "consent", "consent members takes ACTIVITY");
		if ((rc = cli_open(c, true)) != EXIT_OK)
			return rc;
		json_t *arr = c->json ? json_array() : NULL;
		int r = gd_consent_members(c->actor, pos[0], member_cb, arr);
		if (r < 0) {
			json_decref(arr);
			return cli_fail(c, r);
		}
		if (arr)
			cli_print_json(arr);
		return EXIT_OK;
	} else if (strcmp(sub, "status") != 0) {
		return cli_usage(c, "consent", "unknown subcommand '%s'", sub);
	}
	/* give, withdraw and status end with the state. */
	if (npos != 2)
		return cli_usage(c, "consent", "consent status takes SUBJECT ACTIVITY");
	if (!c->actor && (rc = cli_open(c, true)) != EXIT_OK)
		return rc;
	enum gd_consent_state st;
	gd_time exp = 0;
	int r = gd_consent_status(c->actor, &st, &exp, pos[0], pos[1]);
	if (r < 0)
		return cli_fail(c, r);
	char t[32];
	if (c->json)
		cli_print_json(json_pack("{s:s,s:s,s:s,s:s?}", "subject", pos[0], "activity", pos[1], "state",
		                         state_name(st), "expires_at", exp ? cli_time(exp, t) : NULL));
	else if (exp)
		printf("consent of %s to %s: %s (%s %s)\n", pos[0], pos[1], state_name(st),
		       st == GD_CONSENT_STATE_EXPIRED ? "expired" : "expires", cli_time(exp, t));
	else
		printf("consent of %s to %s: %s\n", pos[0], pos[1], state_name(st));
	return EXIT_OK;
}

static int notice_cb(void *ud, const gd_notice *n)
{
	json_t *arr = ud;
	char t[32], t2[32];
	if (arr) {
		json_array_append_new(arr, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s?,s:I,s:I,s:s?}", "id", (json_int_t)n->id,
		                                     "at", cli_time(n->at, t), "recipient", n->recipient, "action",
		                                     n->action, "subject", n->subject, "activity", n->activity,
		                                     "category", *n->category ? n->category : NULL, "record",
		                                     (json_int_t)n->record_id, "request", (json_int_t)n->request_id,
		                                     "acked_at", n->acked_at ? cli_time(n->acked_at, t2) : NULL));
		return 0;
	}
	printf("%-5lld %s  %-20s %-13s %s  %s%s%s%s\n", (long long)n->id, cli_time(n->at, t), n->recipient,
	       n->action, n->subject, n->activity, *n->category ? " " : "", n->category,
	       n->acked_at ? "  (acknowledged)" : "");
	return 0;
}

int cmd_outbox(struct cli *c, int argc_, char **argv_)
{
	const struct cli_args *a = c->args;
	const char *recipient = cli_arg(a, "--recipient"), *ids = a->npos > 1 ? a->pos[1] : NULL;
	const char *argv[2] = {"outbox", a->npos ? a->pos[0] : NULL};
	bool all = cli_flag(a, "--all");
	int rc;
	(void)argc_, (void)argv_;
	if (a->npos < 1)
		return cli_usage(c, "outbox", "outbox needs a subcommand");
	if (a->npos > 2)
		return cli_usage(c, "outbox", "unexpected argument '%s'", a->pos[2]);
	if (strcmp(argv[1], "list") == 0) {
		if (ids)
			return cli_usage(c, "outbox", "outbox list takes no positional argument");
		if ((rc = cli_open(c, true)) != EXIT_OK)
			return rc;
		json_t *arr = c->json ? json_array() : NULL;
		int r = gd_outbox_list(c->actor, recipient, !all, notice_cb, arr);
		if (r < 0) {
			json_decref(arr);
			return cli_fail(c, r);
		}
		if (arr)
			cli_print_json(arr);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "ack") == 0) {
		char *end;
		long long id = ids ? strtoll(ids, &end, 10) : 0;
		if (!ids || *end || id <= 0)
			return cli_usage(c, "outbox", "outbox ack takes a notice ID (a positive number)");
		if ((rc = cli_open(c, true)) != EXIT_OK)
			return rc;
		int r = gd_outbox_ack(c->actor, id);
		if (r < 0)
			return cli_fail(c, r);
		if (c->json)
			cli_print_json(json_pack("{s:I,s:b}", "notice", (json_int_t)id, "acknowledged", 1));
		else
			printf("notice %lld acknowledged\n", id);
		return EXIT_OK;
	}
	return cli_usage(c, "outbox", "unknown subcommand '%s'", argv[1]);
}
