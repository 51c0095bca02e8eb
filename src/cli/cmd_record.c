/* cmd_record.c — gardien put, get, update, delete. Their options are parsed
 * by args.c from options.c's tables (c->args). */
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
	const struct cli_args *a = c->args;
	const char *subject = a->npos > 0 ? a->pos[0] : NULL, *value = a->npos > 1 ? a->pos[1] : NULL, *t;
	int rc;
	(void)argc, (void)argv;
	spec.activity = cli_arg(a, "--activity");
	spec.category = cli_arg(a, "--category");
	if ((t = cli_arg(a, "--source")))
		spec.source = t;
	spec.subject_category = cli_arg(a, "--subject-category");
	spec.object = cli_arg(a, "--object");
	spec.client = cli_arg(a, "--client");
	if (cli_flag(a, "--json-value"))
		spec.type = GD_VALUE_JSON;
	if ((t = cli_arg(a, "--collected-at")) && (rc = cli_parse_time(c, t, &spec.collected_at)) != EXIT_OK)
		return rc;
	if (a->npos > 2)
		return cli_usage(c, "put", "unexpected argument '%s'", a->pos[2]);
	if (!subject || !value || !spec.activity || !spec.category)
		return cli_usage(c, "put", "put takes SUBJECT --activity ID --category CAT VALUE");
	char *buf = NULL;
	size_t len = 0;
	if ((rc = cli_read_value(c, value, &buf, &len)) != EXIT_OK)
		return rc;
	if (spec.type == GD_VALUE_JSON && (rc = cli_json_value_check(c, "put", buf, len)) != EXIT_OK) {
		gd_wipe_free(buf);
		return rc;
	}
	spec.value = buf;
	spec.value_len = len;
	int64_t id = 0;
	if ((rc = cli_open(c, true)) == EXIT_OK) {
		int r = gd_record_put(c->actor, &id, subject, &spec);
		rc = r < 0 ? cli_fail(c, r) : EXIT_OK;
	}
	gd_wipe_free(buf);
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
	const struct cli_args *a = c->args;
	const char *purpose = cli_arg(a, "--purpose"), *ids = a->npos > 0 ? a->pos[0] : NULL;
	(void)argc, (void)argv;
	if (a->npos > 1)
		return cli_usage(c, "get", "unexpected argument '%s'", a->pos[1]);
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
	const struct cli_args *a = c->args;
	enum gd_value_type type = cli_flag(a, "--json-value") ? GD_VALUE_JSON : GD_VALUE_TEXT;
	const char *ids = a->npos > 0 ? a->pos[0] : NULL, *value = a->npos > 1 ? a->pos[1] : NULL;
	(void)argc, (void)argv;
	if (a->npos > 2)
		return cli_usage(c, "update", "unexpected argument '%s'", a->pos[2]);
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
		gd_wipe_free(buf);
		return rc;
	}
	if ((rc = cli_open(c, true)) == EXIT_OK) {
		int r = gd_record_update(c->actor, id, type, buf, len);
		rc = r < 0 ? cli_fail(c, r) : EXIT_OK;
	}
	gd_wipe_free(buf);
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
	(void)argc, (void)argv;
	if (c->args->npos != 1)
		return cli_usage(c, "delete", "delete takes one RECORD");
	int64_t id = 0;
	int rc = parse_id(c, "delete", c->args->pos[0], &id);
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
