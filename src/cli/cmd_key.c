/*
 * cmd_key.c — gardien key rotate master|tenant|backup|audit, gardien key
 * prune, gardien key epoch. Work the library counts (a tenant rotation's
 * rows, an epoch change's subject keys) shows a counter, the rest a ticker
 * (progress.c: on a terminal only).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int count_progress(void *ud, uint64_t done, uint64_t total)
{
	cli_progress_count(ud, done, total);
	return 0;
}

/* gardien key epoch: ends the erasure epochs that are over (docs/keys.md). */
static int key_epoch(struct cli *c)
{
	gd_key_epoch_result r;
	int rc;
	if (c->args->npos > 1)
		return cli_usage(c, "key", "epoch takes no argument, not '%s'", c->args->pos[1]);
	if ((rc = cli_open(c, false)) != EXIT_OK)
		return rc;
	struct cli_progress pr;
	cli_progress_start(c, &pr, "re-wrapping subject keys");
	rc = gd_key_epoch(c->vault, count_progress, &pr, &r);
	cli_progress_end(&pr);
	if (rc < 0)
		return cli_fail(c, rc);
	if (c->json)
		cli_print_json(json_pack("{s:i,s:I,s:i,s:i}", "begun", (int)r.begun, "rewrapped", (json_int_t)r.rewrapped,
		                         "destroyed", (int)r.destroyed, "secret_version", (int)r.secret_version));
	else
		printf("%u epoch(s) begun, %llu subject key(s) re-wrapped, %u ended epoch key(s) destroyed;"
		       " epoch secret version %u\n",
		       r.begun, (unsigned long long)r.rewrapped, r.destroyed, r.secret_version);
	return EXIT_OK;
}

int cmd_key(struct cli *c, int argc, char **argv)
{
	const struct cli_args *a = c->args;
	const char *sub = a->npos > 0 ? a->pos[0] : "", *kind = NULL, *dir = cli_arg(a, "--dir");
	char dir_buf[4200];
	int rc;
	if (strcmp(sub, "epoch") == 0)
		return key_epoch(c);
	(void)argc, (void)argv;
	if (strcmp(sub, "rotate") == 0 && a->npos > 1)
		kind = a->pos[1];
	if (a->npos > (kind ? 2 : 1))
		return cli_usage(c, "key", "unexpected argument '%s'", a->pos[kind ? 2 : 1]);
	if (strcmp(sub, "rotate") && strcmp(sub, "prune"))
		return cli_usage(c, "key", "missing or unknown subcommand: rotate, prune or epoch");
	if (strcmp(sub, "rotate") == 0 && !kind)
		return cli_usage(c, "key", "rotate takes the key to rotate: master, tenant, backup or audit");
	if (!dir)
		dir = cli_backup_dir(c, dir_buf, sizeof dir_buf);
	if ((rc = cli_open(c, false)) != EXIT_OK)
		return rc;
	unsigned version = 0, destroyed = 0;
	struct cli_progress pr;
	/* A tenant rotation counts the rows it re-does; master re-wraps every
	 * tenant key in one transaction, prune reads every backup's header. */
	bool tenant = kind && strcmp(kind, "tenant") == 0;
	gd_key_rotate_options o = GD_KEY_ROTATE_OPTIONS_INIT;
	if (tenant) {
		cli_progress_start(c, &pr, "re-doing what the tenant key protects");
		o.tenant = c->tenant, o.progress = count_progress, o.ud = &pr;
	} else {
		cli_progress_ticker(c, &pr, kind ? "rotating the key" : "pruning key versions");
	}
	if (kind)
		rc = gd_key_rotate_with(c->vault, kind, dir, &o, &version);
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
