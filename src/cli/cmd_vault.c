/* cmd_vault.c — gardien init, gardien tenant, gardien vault verify. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
	gd_vault_options o = cli_vault_options(c);
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

static int verify_damaged(void *ud, const gd_vault_damage *d)
{
	json_t *arr = ud;
	if (arr)
		json_array_append_new(arr, json_pack("{s:s,s:s,s:I,s:s}", "tenant", d->tenant, "table", d->table,
		                                     "id", (json_int_t)d->id, "what", d->what));
	else
		fprintf(stderr, "damaged: tenant %s, %s row %lld: %s\n", d->tenant[0] ? d->tenant : "(none)", d->table,
		        (long long)d->id, d->what);
	return 0;
}

static int verify_progress(void *ud, uint64_t done, uint64_t total)
{
	(void)ud;
	fprintf(stderr, "\rchecked %llu of %llu rows", (unsigned long long)done, (unsigned long long)total);
	if (done == total)
		fputc('\n', stderr);
	return 0;
}

/* gardien vault verify: every row's MAC or key, damaged ones listed (exit 5). */
int cmd_vault(struct cli *c, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "verify") != 0)
		return cli_usage(c, "vault", "missing or unknown subcommand: verify");
	if (argc > 2)
		return cli_usage(c, "vault", "unexpected argument '%s'", argv[2]);
	int rc = cli_open(c, false);
	if (rc != EXIT_OK)
		return rc;
	json_t *arr = c->json ? json_array() : NULL;
	gd_vault_verify_report r;
	rc = gd_vault_verify(c->vault, verify_damaged, isatty(2) && !c->json ? verify_progress : NULL, arr, &r);
	if (rc < 0 && rc != GD_ECORRUPT) {
		json_decref(arr);
		return cli_fail(c, rc);
	}
	if (arr)
		cli_print_json(json_pack("{s:b,s:I,s:I,s:I,s:I,s:o}", "intact", r.damaged == 0, "subjects",
		                         (json_int_t)r.subjects, "records", (json_int_t)r.records, "identifiers",
		                         (json_int_t)r.identifiers, "damaged", (json_int_t)r.damaged, "rows", arr));
	else
		printf("%s: %llu subject(s), %llu record(s), %llu identifier(s) checked, %llu damaged\n",
		       r.damaged ? "vault damaged" : "vault intact", (unsigned long long)r.subjects,
		       (unsigned long long)r.records, (unsigned long long)r.identifiers, (unsigned long long)r.damaged);
	return rc == GD_ECORRUPT ? cli_fail(c, rc) : EXIT_OK;
}
