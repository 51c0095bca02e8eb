/* cmd_subject.c — gardien subject create/add-id/find/show/list, gardien erase. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int create(struct cli *c, int argc, char **argv)
{
	/* Identifiers are checked before anything is written. */
	for (int i = 2; i < argc; i++) {
		if ((strcmp(argv[i], "--email") == 0 || strcmp(argv[i], "--phone") == 0 ||
		     strcmp(argv[i], "--id") == 0) && i + 1 < argc)
			i++;
		else
			return cli_usage(c, "subject", "unexpected argument '%s'", argv[i]);
	}
	int rc = cli_open(c, true);
	if (rc != EXIT_OK)
		return rc;
	char id[GD_SUBJECT_ID_SIZE];
	if ((rc = gd_vault_begin(c->vault)) < 0)
		return cli_fail(c, rc);
	rc = gd_subject_create(c->actor, id);
	for (int i = 2; rc == 0 && i < argc; i += 2) {
		char kind[GD_NAME_MAX + 1];
		const char *value = argv[i + 1];
		if (strcmp(argv[i], "--id") == 0) {
			const char *eq = strchr(value, '=');
			if (!eq || eq == value || (size_t)(eq - value) > GD_NAME_MAX) {
				gd_vault_rollback(c->vault);
				return cli_usage(c, "subject", "--id takes KIND=VALUE, e.g. customer_number=C-1042");
			}
			snprintf(kind, sizeof kind, "%.*s", (int)(eq - value), value);
			value = eq + 1;
		} else {
			snprintf(kind, sizeof kind, "%s", argv[i] + 2);
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

static int add_id(struct cli *c, int argc, char **argv)
{
	if (argc != 5)
		return cli_usage(c, "subject", "add-id takes SUBJECT KIND VALUE");
	int rc = cli_open(c, true);
	if (rc != EXIT_OK)
		return rc;
	if ((rc = gd_subject_add_identifier(c->actor, argv[2], argv[3], argv[4])) < 0)
		return cli_fail(c, rc);
	if (c->json)
		cli_print_json(json_pack("{s:s,s:s}", "subject", argv[2], "kind", argv[3]));
	else
		printf("added %s identifier to %s\n", argv[3], argv[2]);
	return EXIT_OK;
}

static int find(struct cli *c, int argc, char **argv)
{
	if (argc != 4)
		return cli_usage(c, "subject", "find takes KIND VALUE, e.g. subject find email ana@example.org");
	int rc = cli_open(c, true);
	if (rc != EXIT_OK)
		return rc;
	char id[GD_SUBJECT_ID_SIZE];
	if ((rc = gd_subject_find(c->actor, id, argv[2], argv[3])) < 0)
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

static int show(struct cli *c, int argc, char **argv)
{
	const char *subject = NULL, *purpose = NULL;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--purpose") == 0 && i + 1 < argc)
			purpose = argv[++i];
		else if (!subject && argv[i][0] != '-')
			subject = argv[i];
		else
			return cli_usage(c, "subject", "unexpected argument '%s'", argv[i]);
	}
	if (!subject || !purpose)
		return cli_usage(c, "subject", "show takes SUBJECT --purpose ACTIVITY");
	int rc = cli_open(c, true);
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
static int list(struct cli *c, int argc, char **argv)
{
	const char *cursor = NULL;
	long limit = 100;
	for (int i = 2; i < argc; i++) {
		char *end;
		if (strcmp(argv[i], "--cursor") == 0 && i + 1 < argc) {
			cursor = argv[++i];
		} else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
			limit = strtol(argv[++i], &end, 10);
			if (!*argv[i] || *end || limit < 1 || limit > 1000)
				return cli_usage(c, "subject", "--limit takes 1 to 1000 subjects per page");
		} else {
			return cli_usage(c, "subject", "unexpected argument '%s'", argv[i]);
		}
	}
	int rc = cli_open(c, true);
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
	if (argc < 2)
		return cli_usage(c, "subject", "missing subcommand: create, add-id, find, show or list");
	if (strcmp(argv[1], "create") == 0)
		return create(c, argc, argv);
	if (strcmp(argv[1], "add-id") == 0)
		return add_id(c, argc, argv);
	if (strcmp(argv[1], "find") == 0)
		return find(c, argc, argv);
	if (strcmp(argv[1], "show") == 0)
		return show(c, argc, argv);
	if (strcmp(argv[1], "list") == 0)
		return list(c, argc, argv);
	return cli_usage(c, "subject", "unknown subcommand '%s'", argv[1]);
}

/* client erase CLIENT: all of a processor's customer's data, at the end of its contract. */
int cmd_client(struct cli *c, int argc, char **argv)
{
	if (argc != 3 || strcmp(argv[1], "erase") != 0)
		return cli_usage(c, "client", "client takes: erase CLIENT");
	int rc = cli_open(c, true);
	if (rc != EXIT_OK)
		return rc;
	gd_client_erase_report rep;
	if ((rc = gd_client_erase(c->actor, argv[2], &rep)) < 0)
		return cli_fail(c, rc);
	if (c->json)
		cli_print_json(json_pack("{s:s,s:I,s:I,s:I}", "client", argv[2], "deleted", (json_int_t)rep.deleted,
		                         "subjects_erased", (json_int_t)rep.subjects_erased, "held", (json_int_t)rep.held));
	else
		printf("client %s: %zu record(s) deleted, %zu subject(s) left with nothing erased, %zu record(s) kept under a legal hold\n",
		       argv[2], rep.deleted, rep.subjects_erased, rep.held);
	return EXIT_OK;
}

int cmd_erase(struct cli *c, int argc, char **argv)
{
	if (argc != 2)
		return cli_usage(c, "erase", "erase takes one SUBJECT");
	int rc = cli_open(c, true);
	if (rc != EXIT_OK)
		return rc;
	if ((rc = gd_subject_erase(c->actor, argv[1])) < 0)
		return cli_fail(c, rc);
	if (c->json)
		cli_print_json(json_pack("{s:s,s:b}", "subject", argv[1], "erased", 1));
	else
		printf("erased %s: its key is destroyed and its records deleted\n", argv[1]);
	return EXIT_OK;
}
