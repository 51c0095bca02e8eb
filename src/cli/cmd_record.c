/* cmd_record.c — gardien put, get, update, delete. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_record_print(const gd_record *r)
{
	char t[32];
	printf("record %lld  %s  activity %s  source %s  collected %s\n  %.*s\n", (long long)r->id,
	       r->category, r->activity, r->source, cli_time(r->collected_at, t), (int)r->value_len,
	       (const char *)r->value);
}

static int parse_id(struct cli *c, const char *cmd, const char *s, int64_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end || v <= 0)
		return cli_usage(c, cmd, "'%s' is not a record id (a positive number)", s);
	*out = v;
	return EXIT_OK;
}

int cmd_put(struct cli *c, int argc, char **argv)
{
	gd_record_spec spec = GD_RECORD_SPEC_INIT;
	const char *subject = NULL, *value = NULL;
	int rc;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--activity") == 0 && i + 1 < argc)
			spec.activity = argv[++i];
		else if (strcmp(argv[i], "--category") == 0 && i + 1 < argc)
			spec.category = argv[++i];
		else if (strcmp(argv[i], "--source") == 0 && i + 1 < argc)
			spec.source = argv[++i];
		else if (strcmp(argv[i], "--subject-category") == 0 && i + 1 < argc)
			spec.subject_category = argv[++i];
		else if (strcmp(argv[i], "--object") == 0 && i + 1 < argc)
			spec.object = argv[++i];
		else if (strcmp(argv[i], "--client") == 0 && i + 1 < argc)
			spec.client = argv[++i];
		else if (strcmp(argv[i], "--json-value") == 0)
			spec.type = GD_VALUE_JSON;
		else if (strcmp(argv[i], "--collected-at") == 0 && i + 1 < argc) {
			if ((rc = cli_parse_time(c, argv[++i], &spec.collected_at)) != EXIT_OK)
				return rc;
		} else if (!subject && (argv[i][0] != '-' || !argv[i][1]))
			subject = argv[i];
		else if (!value && (argv[i][0] != '-' || !argv[i][1]))
			value = argv[i];
		else
			return cli_usage(c, "put", "unexpected argument '%s'", argv[i]);
	}
	if (!subject || !value || !spec.activity || !spec.category)
		return cli_usage(c, "put", "put takes SUBJECT --activity ID --category CAT VALUE");
	char *buf = NULL;
	size_t len = 0;
	if ((rc = cli_read_value(c, value, &buf, &len)) != EXIT_OK)
		return rc;
	if (spec.type == GD_VALUE_JSON && (rc = cli_json_value_check(c, "put", buf, len)) != EXIT_OK) {
		free(buf);
		return rc;
	}
	spec.value = buf;
	spec.value_len = len;
	int64_t id = 0;
	if ((rc = cli_open(c, true)) == EXIT_OK) {
		int r = gd_record_put(c->actor, &id, subject, &spec);
		rc = r < 0 ? cli_fail(c, r) : EXIT_OK;
	}
	free(buf);
	if (rc != EXIT_OK)
		return rc;
	if (c->json)
		cli_print_json(json_pack("{s:I}", "record", (json_int_t)id));
	else
		printf("%lld\n", (long long)id);
	return EXIT_OK;
}

int cmd_get(struct cli *c, int argc, char **argv)
{
	const char *purpose = NULL, *ids = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--purpose") == 0 && i + 1 < argc)
			purpose = argv[++i];
		else if (!ids && argv[i][0] != '-')
			ids = argv[i];
		else
			return cli_usage(c, "get", "unexpected argument '%s'", argv[i]);
	}
	if (!ids || !purpose)
		return cli_usage(c, "get", "get takes RECORD --purpose ACTIVITY");
	int64_t id = 0;
	int rc = parse_id(c, "get", ids, &id);
	if (rc != EXIT_OK || (rc = cli_open(c, true)) != EXIT_OK)
		return rc;
	gd_record *r;
	if ((rc = gd_record_get(c->actor, &r, id, purpose)) < 0)
		return cli_fail(c, rc);
	if (c->json)
		cli_print_json(gd_record_json(r));
	else
		cli_record_print(r);
	gd_record_free(r);
	return EXIT_OK;
}

int cmd_update(struct cli *c, int argc, char **argv)
{
	enum gd_value_type type = GD_VALUE_TEXT;
	const char *ids = NULL, *value = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json-value") == 0)
			type = GD_VALUE_JSON;
		else if (!ids && argv[i][0] != '-')
			ids = argv[i];
		else if (!value && (argv[i][0] != '-' || !argv[i][1]))
			value = argv[i];
		else
			return cli_usage(c, "update", "unexpected argument '%s'", argv[i]);
	}
	if (!ids || !value)
		return cli_usage(c, "update", "update takes RECORD VALUE");
	int64_t id = 0;
	int rc = parse_id(c, "update", ids, &id);
	if (rc != EXIT_OK)
		return rc;
	char *buf = NULL;
	size_t len = 0;
	if ((rc = cli_read_value(c, value, &buf, &len)) != EXIT_OK)
		return rc;
	if (type == GD_VALUE_JSON && (rc = cli_json_value_check(c, "update", buf, len)) != EXIT_OK) {
		free(buf);
		return rc;
	}
	if ((rc = cli_open(c, true)) == EXIT_OK) {
		int r = gd_record_update(c->actor, id, type, buf, len);
		rc = r < 0 ? cli_fail(c, r) : EXIT_OK;
	}
	free(buf);
	if (rc == EXIT_OK) {
		if (c->json)
			cli_print_json(json_pack("{s:I,s:b}", "record", (json_int_t)id, "updated", 1));
		else
			printf("updated record %lld\n", (long long)id);
	}
	return rc;
}

int cmd_delete(struct cli *c, int argc, char **argv)
{
	if (argc != 2)
		return cli_usage(c, "delete", "delete takes one RECORD");
	int64_t id = 0;
	int rc = parse_id(c, "delete", argv[1], &id);
	if (rc != EXIT_OK || (rc = cli_open(c, true)) != EXIT_OK)
		return rc;
	if ((rc = gd_record_delete(c->actor, id)) < 0)
		return cli_fail(c, rc);
	if (c->json)
		cli_print_json(json_pack("{s:I,s:b}", "record", (json_int_t)id, "deleted", 1));
	else
		printf("deleted record %lld\n", (long long)id);
	return EXIT_OK;
}
