/*
 * cmd_disclose.c — gardien disclose: a record read for an authority's
 * request, with the legal reference, and the notice owed to the customer or
 * the person queued in the outbox (gd_record_disclose).
 */
#include <stdlib.h>

#include "cli.h"

int cmd_disclose(struct cli *c, int argc, char **argv)
{
	const struct cli_args *a = c->args;
	gd_disclosure d = GD_DISCLOSURE_INIT;
	const char *purpose = cli_arg(a, "--purpose"), *ids = a->npos > 0 ? a->pos[0] : NULL;
	(void)argc, (void)argv;
	d.authority = cli_arg(a, "--authority");
	d.legal_reference = cli_arg(a, "--legal-reference");
	d.withhold = cli_arg(a, "--withhold");
	if (a->npos > 1)
		return cli_usage(c, "disclose", "unexpected argument '%s'", a->pos[1]);
	if (!ids || !purpose || !d.authority || !d.legal_reference)
		return cli_usage(c, "disclose",
		                 "disclose takes RECORD --purpose ACTIVITY --authority NAME --legal-reference REF");
	char *end;
	long long id = strtoll(ids, &end, 10);
	if (end == ids || *end || id <= 0)
		return cli_usage(c, "disclose", "'%s' is not a record id (a positive number)", ids);
	int rc = cli_open(c, true);
	if (rc != EXIT_OK)
		return rc;
	gd_record *r;
	if ((rc = gd_record_disclose(c->actor, &r, id, purpose, &d)) < 0)
		return cli_fail(c, rc);
	if (c->json)
		cli_print_json(gd_record_json(r));
	else
		cli_record_print(r);
	gd_record_free(r);
	return EXIT_OK;
}
