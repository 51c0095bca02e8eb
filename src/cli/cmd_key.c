/* cmd_key.c — gardien key rotate master|backup|audit, gardien key prune. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_key(struct cli *c, int argc, char **argv)
{
	const struct cli_args *a = c->args;
	const char *sub = a->npos > 0 ? a->pos[0] : "", *kind = NULL, *dir = cli_arg(a, "--dir");
	char dir_buf[4200];
	int rc;
	(void)argc, (void)argv;
	if (strcmp(sub, "rotate") == 0 && a->npos > 1)
		kind = a->pos[1];
	if (a->npos > (kind ? 2 : 1))
		return cli_usage(c, "key", "unexpected argument '%s'", a->pos[kind ? 2 : 1]);
	if (strcmp(sub, "rotate") && strcmp(sub, "prune"))
		return cli_usage(c, "key", "missing or unknown subcommand: rotate or prune");
	if (strcmp(sub, "rotate") == 0 && !kind)
		return cli_usage(c, "key", "rotate takes the key to rotate: master, backup or audit");
	if (!dir) {
		const char *env = getenv("GARDIEN_BACKUP_DIR");
		snprintf(dir_buf, sizeof dir_buf, "%s%s", env && *env ? env : c->vault_path, env && *env ? "" : ".backups");
		dir = dir_buf;
	}
	if ((rc = cli_open(c, false)) != EXIT_OK)
		return rc;
	unsigned version = 0, destroyed = 0;
	struct cli_progress pr;
	/* master re-wraps every tenant key, prune reads every backup's header */
	cli_progress_ticker(c, &pr, kind ? "rotating the key" : "pruning key versions");
	if (kind)
		rc = gd_key_rotate(c->vault, kind, dir, &version);
	else
		rc = gd_key_prune(c->vault, dir, &destroyed);
	cli_progress_end(&pr);
	if (rc < 0)
		return cli_fail(c, rc);
	if (c->json)
		cli_print_json(kind ? json_pack("{s:s,s:I}", "rotated", kind, "version", (json_int_t)version)
		                    : json_pack("{s:I}", "destroyed", (json_int_t)destroyed));
	else if (kind)
		printf("rotated the %s key: version %u is current\n", kind, version);
	else
		printf("destroyed %u retired key version(s) no backup of %s needs\n", destroyed, dir);
	return EXIT_OK;
}
