/* cmd_key.c — gardien key rotate master|backup|audit, gardien key prune. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_key(struct cli *c, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "", *kind = NULL, *dir = NULL;
	char dir_buf[4200];
	int rc;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (!kind && argv[i][0] != '-' && strcmp(sub, "rotate") == 0)
			kind = argv[i];
		else
			return cli_usage(c, "key", "unexpected argument '%s'", argv[i]);
	}
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
	if (kind)
		rc = gd_key_rotate(c->vault, kind, dir, &version);
	else
		rc = gd_key_prune(c->vault, dir, &destroyed);
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
