/* cmd_subject.c — gardien subject create/add-id/find/show/list, gardien erase,
 * gardien client erase. Arguments come parsed from the option table (c->args):
 * pos[0] is the subcommand. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int create(struct cli *c)
{
	const struct cli_args *a = c->args;
	int rc = cli_args_allow(c, "subject", "create", "--email --phone --id");
	if (rc != EXIT_OK)
		return rc;
	if (a->npos > 1)
		return cli_usage(c, "subject", "unexpected argument '%s'", a->pos[1]);
	rc = cli_open(c, true);
	if (rc != EXIT_OK)
		return rc;
	char id[GD_SUBJECT_ID_SIZE];
	if ((rc = gd_vault_begin(c->vault)) < 0)
		return cli_fail(c, rc);
	rc = gd_subject_create(c->actor, id);
	/* the identifiers in the order given */
	for (int i = 0; rc == 0 && i < a->nseen; i++) {
		char kind[GD_NAME_MAX + 1];
		const char *opt = a->seen[i].opt->name, *value = a->seen[i].value;
		if (strcmp(opt, "--id") == 0) {
			const char *eq = strchr(value, '=');
			if (!eq || eq == value || (size_t)(eq - value) > GD_NAME_MAX) {
				gd_vault_rollback(c->vault);
				return cli_usage(c, "subject", "--id takes KIND=VALUE, e.g. customer_number=C-1042");
			}
			snprintf(kind, sizeof kind, "%.*s", (int)(eq - value), value);
			value = eq + 1;
		} else {
			snprintf(kind, sizeof kind, "%s", opt + 2);
		}
		rc = gd_subject_add_identifier(c->actor, id, kind, value);
	}
	if (rc == 0)
		rc = gd_vault_commit(c->vault);
	else
		gd_vault_rollback(c->vault);
	if (rc < 0)
		return cli_fail(c, rc);
	if (c->json)
		cli_print_json(json_pack("{s:s}", "subject", id));
	else
		printf("%s\n", id);
	return EXIT_OK;
}

static int add_id(struct cli *c, int argc, const char **argv)
{
	int rc = cli_args_allow(c, "subject", "add-id", "");
	if (rc != EXIT_OK)
		return rc;
	if (argc != 4)
		return cli_usage(c, "subject", "add-id takes SUBJECT KIND VALUE");
	rc = cli_open(c, true);
	if (rc != EXIT_OK)
		return rc;
	if ((rc = gd_subject_add_identifier(c->actor, argv[1], argv[2], argv[3])) < 0)
		return cli_fail(c, rc);
	if (c->json)
		cli_print_json(json_pack("{s:s,s:s}", "subject", argv[1], "kind", argv[2]));
	else
		printf("added %s identifier to %s\n", argv[2], argv[1]);
	return EXIT_OK;
}

static int find(struct cli *c, int argc, const char **argv)
{
	int rc = cli_args_allow(c, "subject", "find", "");
	if (rc != EXIT_OK)
		return rc;
	if (argc != 3)
		return cli_usage(c, "subject", "find takes KIND VALUE, e.g. subject find email ana@example.org");
	if ((rc = cli_open(c, true)) != EXIT_OK)
		return rc;
	char id[GD_SUBJECT_ID_SIZE];
	if ((rc = gd_subject_find(c->actor, id, argv[1], argv[2])) < 0)
		return cli_fail(c, rc);
	if (c->json)
		cli_print_json(json_pack("{s:s}", "subject", id));
	else
		printf("%s\n", id);
	return EXIT_OK;
}

struct show_state {
	json_t *arr;
	size_t n;
};

static int show_one(void *ud, const gd_record *r)
{
	struct show_state *s = ud;
	s->n++;
	if (s->arr)
		json_array_append_new(s->arr, gd_record_json(r));
	else
		cli_record_print(r);
	return 0;
}

static int show(struct cli *c, int argc, const char **argv)
{
	const char *subject = argc > 1 ? argv[1] : NULL, *purpose = cli_arg(c->args, "--purpose");
	int rc = cli_args_allow(c, "subject", "show", "--purpose");
	if (rc != EXIT_OK)
		return rc;
	if (argc > 2)
		return cli_usage(c, "subject", "unexpected argument '%s'", argv[2]);
	if (!subject || !purpose)
		return cli_usage(c, "subject", "show takes SUBJECT --purpose ACTIVITY");
	rc = cli_open(c, true);
	if (rc != EXIT_OK)
		return rc;
	struct show_state s = {.arr = c->json ? json_array() : NULL};
	size_t denied = 0;
	rc = gd_record_list(c->actor, subject, purpose, show_one, &s, &denied);
	if (rc < 0) {
		json_decref(s.arr);
		return cli_fail(c, rc);
	}
	if (s.arr)
		cli_print_json(json_pack("{s:s,s:s,s:o,s:I}", "subject", subject, "purpose", purpose,
		                         "records", s.arr, "withheld", (json_int_t)denied));
	else if (denied)
		printf("(%zu record(s) withheld: purpose %s does not allow reading them)\n", denied, purpose);
	else if (!s.n)
		printf("(no records)\n");
	return EXIT_OK;
}

static int list_one(void *ud, const gd_subject_info *s)
{
	json_t *arr = ud;
	char t[32];
	if (arr)
		json_array_append_new(arr, json_pack("{s:s,s:s}", "subject", s->subject, "created_at", cli_time(s->created_at, t)));
	else
		printf("%s  created %s\n", s->subject, cli_time(s->created_at, t));
	return 0;
}

/* gardien subject list [--limit N] [--cursor C]: a page of pseudonyms, and how to get the next. */
static int list(struct cli *c, int argc, const char **argv)
{
	const char *cursor = cli_arg(c->args, "--cursor"), *l = cli_arg(c->args, "--limit");
	long limit = 100;
	int rc = cli_args_allow(c, "subject", "list", "--cursor --limit");
	if (rc != EXIT_OK)
		return rc;
	if (argc > 1)
		return cli_usage(c, "subject", "unexpected argument '%s'", argv[1]);
	if (l) {
		char *end;
		limit = strtol(l, &end, 10);
		if (!*l || *end || limit < 1 || limit > 1000)
			return cli_usage(c, "subject", "--limit takes 1 to 1000 subjects per page");
	}
	rc = cli_open(c, true);
	if (rc != EXIT_OK)
		return rc;
	json_t *arr = c->json ? json_array() : NULL;
	char next[GD_CURSOR_SIZE];
	if ((rc = gd_subject_list(c->actor, cursor, (size_t)limit, list_one, arr, next)) < 0) {
		json_decref(arr);
		return cli_fail(c, rc);
	}
	if (arr)
		cli_print_json(json_pack("{s:o,s:s?}", "subjects", arr, "next_cursor", *next ? next : NULL));
	else if (*next)
		fprintf(stderr, "gardien: more subjects: gardien subject list --limit %ld --cursor %s\n", limit, next);
	return EXIT_OK;
}

int cmd_subject(struct cli *c, int argc, char **argv)
{
	const struct cli_args *a = c->args;
	const char **pos = (const char **)a->pos, *sub = a->npos ? pos[0] : NULL;
	(void)argc, (void)argv;
	if (!sub)
		return cli_usage(c, "subject", "missing subcommand: create, add-id, find, show or list");
	if (strcmp(sub, "create") == 0)
		return create(c);
	if (strcmp(sub, "add-id") == 0)
		return add_id(c, a->npos, pos);
	if (strcmp(sub, "find") == 0)
		return find(c, a->npos, pos);
	if (strcmp(sub, "show") == 0)
		return show(c, a->npos, pos);
	if (strcmp(sub, "list") == 0)
		return list(c, a->npos, pos);
	return cli_usage(c, "subject", "unknown subcommand '%s'", sub);
}

/* client erase CLIENT: all of a processor's customer's data, at the end of its contract. */
int cmd_client(struct cli *c, int argc, char **argv)
{
	const struct cli_args *a = c->args;
	(void)argc, (void)argv;
	if (a->npos != 2 || strcmp(a->pos[0], "erase") != 0)
		return cli_usage(c, "client", "client takes: erase CLIENT");
	const char *client = a->pos[1];
	int rc = cli_open(c, true);
	if (rc != EXIT_OK)
		return rc;
	gd_client_erase_report rep;
	if ((rc = gd_client_erase(c->actor, client, &rep)) < 0)
		return cli_fail(c, rc);
	if (c->json)
		cli_print_json(json_pack("{s:s,s:I,s:I,s:I}", "client", client, "deleted", (json_int_t)rep.deleted,
		                         "subjects_erased", (json_int_t)rep.subjects_erased, "held", (json_int_t)rep.held));
	else
		printf("client %s: %zu record(s) deleted, %zu subject(s) left with nothing erased, %zu record(s) kept under a legal hold\n",
		       client, rep.deleted, rep.subjects_erased, rep.held);
	return EXIT_OK;
}

int cmd_erase(struct cli *c, int argc, char **argv)
{
	const struct cli_args *a = c->args;
	(void)argc, (void)argv;
	if (a->npos != 1)
		return cli_usage(c, "erase", "erase takes one SUBJECT");
	const char *subject = a->pos[0];
	int rc = cli_open(c, true);
	if (rc != EXIT_OK)
		return rc;
	if ((rc = gd_subject_erase(c->actor, subject)) < 0)
		return cli_fail(c, rc);
	if (c->json)
		cli_print_json(json_pack("{s:s,s:b}", "subject", subject, "erased", 1));
	else
		printf("erased %s: its key is destroyed and its records deleted\n", subject);
	return EXIT_OK;
}
