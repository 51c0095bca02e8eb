/* cmd_vault.c — gardien init, gardien tenant. */
#include <string.h>

#include "cli.h"

int cmd_init(struct cli *c, int argc, char **argv)
{
	const char *country = NULL, *reg = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--country") == 0 && i + 1 < argc)
			country = argv[++i];
		else if (strcmp(argv[i], "--register") == 0 && i + 1 < argc)
			reg = argv[++i];
		else
			return cli_usage(c, "init", "unexpected argument '%s'", argv[i]);
	}
	if (reg && !c->tenant)
		return cli_usage(c, "init", "--register needs --tenant NAME: a register belongs to a tenant");
	int rc;
	if (reg && (rc = gd_register_check(reg, NULL, NULL, NULL, NULL)) < 0)
		return cli_fail(c, rc); /* before creating anything */
	gd_vault_options o = GD_VAULT_OPTIONS_INIT;
	o.key_path = c->key_path;
	o.now = c->now;
	rc = gd_vault_init(c->vault_path, &o);
	if (rc < 0)
		return cli_fail(c, rc);
	if (c->tenant) {
		if ((rc = cli_open(c, false)) != EXIT_OK)
			return rc;
		if ((rc = gd_tenant_create(c->vault, c->tenant, country)) < 0)
			return cli_fail(c, rc);
	}
	int64_t version = 0;
	if (reg) {
		if ((rc = gd_actor_open(&c->actor, c->vault, c->tenant, c->principal)) < 0 ||
		    (rc = gd_register_load(c->actor, reg, &version, NULL)) < 0)
			return cli_fail(c, rc);
	}
	char key[4200];
	snprintf(key, sizeof key, "%s%s", c->key_path ? c->key_path : c->vault_path,
	         c->key_path ? "" : ".key");
	if (c->json) {
		cli_print_json(json_pack("{s:s,s:s,s:s?,s:I}", "vault", c->vault_path, "key", key,
		                         "tenant", c->tenant, "register_version", (json_int_t)version));
	} else {
		printf("created vault %s\n", c->vault_path);
		printf("master key in %s (mode 0600): back it up apart from the vault\n", key);
		if (c->tenant)
			printf("created tenant %s\n", c->tenant);
		if (reg)
			printf("loaded %s as register version %lld\n", reg, (long long)version);
	}
	return EXIT_OK;
}

static int print_tenant(void *ud, const char *name)
{
	json_t *arr = ud;
	if (arr)
		json_array_append_new(arr, json_string(name));
	else
		printf("%s\n", name);
	return 0;
}

int cmd_tenant(struct cli *c, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage(c, "tenant", "missing subcommand: create or list");
	int rc;
	if (strcmp(argv[1], "create") == 0) {
		const char *name = NULL, *country = NULL;
		for (int i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--country") == 0 && i + 1 < argc)
				country = argv[++i];
			else if (!name && argv[i][0] != '-')
				name = argv[i];
			else
				return cli_usage(c, "tenant", "unexpected argument '%s'", argv[i]);
		}
		if (!name)
			return cli_usage(c, "tenant", "missing the tenant NAME");
		if ((rc = cli_open(c, false)) != EXIT_OK)
			return rc;
		if ((rc = gd_tenant_create(c->vault, name, country)) < 0)
			return cli_fail(c, rc);
		if (c->json)
			cli_print_json(json_pack("{s:s}", "tenant", name));
		else
			printf("created tenant %s\n", name);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "list") == 0) {
		if (argc > 2)
			return cli_usage(c, "tenant", "unexpected argument '%s'", argv[2]);
		if ((rc = cli_open(c, false)) != EXIT_OK)
			return rc;
		json_t *arr = c->json ? json_array() : NULL;
		if ((rc = gd_tenant_list(c->vault, print_tenant, arr)) < 0) {
			json_decref(arr);
			return cli_fail(c, rc);
		}
		if (arr)
			cli_print_json(json_pack("{s:o}", "tenants", arr));
		return EXIT_OK;
	}
	return cli_usage(c, "tenant", "unknown subcommand '%s'", argv[1]);
}
