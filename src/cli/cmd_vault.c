/* cmd_vault.c — gardien init, gardien tenant, gardien vault verify. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* vault verify's progress line, shared with its damaged-row callback. */
static struct cli_progress verify_ui;

/*
 * A tenant without a calling code cannot read national phone numbers: on a
 * terminal, ask for it; otherwise say what such numbers will need.
 */
static const char *ask_country(const char *tenant, char *buf, size_t cap)
{
	if (isatty(STDIN_FILENO) && isatty(STDERR_FILENO)) {
		fprintf(stderr, "country calling code of %s, for national phone numbers (e.g. 33 for France, 32 for Belgium; empty for none): ",
		        tenant);
		if (fgets(buf, (int)cap, stdin)) {
			buf[strcspn(buf, "\r\n")] = 0;
			if (*buf)
				return buf;
		}
	}
	fprintf(stderr, "gardien: note: tenant %s has no country calling code: phone numbers must be given in international form (+33 6…), and deadlines count weekends only, in UTC, until 'gardien tenant calendar --state' names its member state\n",
	        tenant);
	return NULL;
}

static int init_with(struct cli *c, const char *country, const struct cli_input *reg);

int cmd_init(struct cli *c, int argc, char **argv)
{
	const char *country = cli_arg(c->args, "--country"), *reg = cli_arg(c->args, "--register");
	(void)argc, (void)argv;
	if (c->args->npos)
		return cli_usage(c, "init", "unexpected argument '%s'", c->args->pos[0]);
	if (reg && !c->tenant)
		return cli_usage(c, "init", "--register needs --tenant NAME: a register belongs to a tenant");
	int rc;
	/* --register -: standard input, kept for the check and the load. */
	struct cli_input in = {.fd = -1};
	if (reg && (rc = cli_input_open(c, reg, CLI_INPUT_MAX, &in)) != EXIT_OK)
		return rc;
	rc = init_with(c, country, reg ? &in : NULL);
	cli_input_close(&in);
	return rc;
}

static int init_with(struct cli *c, const char *country, const struct cli_input *reg)
{
	int rc;
	if (reg && (rc = gd_register_check(reg->path, NULL, NULL, NULL, NULL)) < 0)
		return cli_fail(c, rc); /* before creating anything */
	gd_vault_options o = cli_vault_options(c);
	o.now = c->now;
	o.ordered_writes = c->ordered_writes;
	rc = gd_vault_init(c->vault_path, &o);
	if (rc < 0)
		return cli_fail(c, rc);
	char asked[16];
	if (c->tenant) {
		if ((rc = cli_open(c, false)) != EXIT_OK)
			return rc;
		if (!country)
			country = ask_country(c->tenant, asked, sizeof asked);
		if ((rc = gd_tenant_create(c->vault, c->tenant, country)) < 0)
			return cli_fail(c, rc);
	}
	int64_t version = 0;
	if (reg) {
		if ((rc = gd_actor_open(&c->actor, c->vault, c->tenant, c->principal)) < 0)
			return cli_fail(c, rc);
		if (reg->fd >= 0) { /* standard input: named "<stdin>" in the version list */
			char *text = NULL;
			size_t len = 0;
			if ((rc = cli_input_bytes(c, reg, &text, &len)) != EXIT_OK)
				return rc;
			rc = gd_register_load_buffer(c->actor, reg->name, text, len, &version, NULL);
			free(text);
		} else {
			rc = gd_register_load(c->actor, reg->path, &version, NULL);
		}
		if (rc < 0)
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
			printf("loaded %s as register version %lld\n", reg->name, (long long)version);
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

static int tenant_calendar(struct cli *c, int argc, const char **argv)
{
	const char *state = cli_arg(c->args, "--state"), *zone = cli_arg(c->args, "--zone"),
		   *target = cli_arg(c->args, "--target-days");
	int rc = cli_args_allow(c, "tenant", "calendar", "--state --zone --target-days");
	if (rc != EXIT_OK)
		return rc;
	if (argc > 2)
		return cli_usage(c, "tenant", "unexpected argument '%s'", argv[2]);
	rc = cli_open(c, true);
	if (rc != EXIT_OK)
		return rc;
	gd_calendar set, used;
	if ((rc = gd_calendar_get(c->actor, &set, NULL)) < 0)
		return cli_fail(c, rc);
	if (state || zone || target) {
		char *end = NULL;
		long days = target ? strtol(target, &end, 10) : set.target_days;
		if (target && (!*target || *end || days < 0 || days > 90))
			return cli_usage(c, "tenant", "--target-days takes a number of days from 0 (none) to 90");
		if ((state && strlen(state) >= sizeof set.state) || (zone && strlen(zone) >= sizeof set.zone))
			return cli_usage(c, "tenant", "%s is too long", state && strlen(state) >= sizeof set.state ? "--state" : "--zone");
		if (state)
			snprintf(set.state, sizeof set.state, "%s", state);
		if (zone)
			snprintf(set.zone, sizeof set.zone, "%s", zone);
		set.target_days = (int)days;
		if ((rc = gd_calendar_set(c->actor, &set)) < 0)
			return cli_fail(c, rc);
	}
	if ((rc = gd_calendar_get(c->actor, &set, &used)) < 0)
		return cli_fail(c, rc);
	if (c->json) {
		cli_print_json(json_pack("{s:s,s:s?,s:s,s:o?}", "tenant", c->tenant, "state", *used.state ? used.state : NULL,
		                         "zone", used.zone, "target_days", used.target_days ? json_integer(used.target_days) : NULL));
		return EXIT_OK;
	}
	printf("member state  %s%s\n", *used.state ? used.state : "none (weekends only)",
	       *used.state && !*set.state ? " (from the calling code)" : "");
	printf("time zone     %s%s\n", used.zone, !*set.zone && *used.state ? " (the state's)" : "");
	if (used.target_days)
		printf("target        %d days after receipt\n", used.target_days);
	else
		printf("target        none\n");
	return EXIT_OK;
}

static int print_holiday(void *ud, gd_time day, const char *name)
{
	json_t *arr = ud;
	char d[32];
	gd_date_format(d, day);
	if (arr)
		json_array_append_new(arr, json_pack("{s:s,s:s}", "date", d, "name", name));
	else
		printf("%s  %s\n", d, name);
	return 0;
}

static int print_state(void *ud, const char *state, const char *name)
{
	json_t *arr = ud;
	if (arr)
		json_array_append_new(arr, json_pack("{s:s,s:s}", "state", state, "name", name));
	else
		printf("%s  %s\n", state, name);
	return 0;
}

/* gardien tenant holidays [STATE] [YEAR]: the public holidays deadlines skip. */
static int tenant_holidays(struct cli *c, int argc, const char **argv)
{
	int arc = cli_args_allow(c, "tenant", "holidays", "");
	if (arc != EXIT_OK)
		return arc;
	if (argc > 4)
		return cli_usage(c, "tenant", "holidays takes [STATE] [YEAR]");
	const char *state = argc > 2 ? argv[2] : NULL;
	char *end = NULL;
	long year = argc > 3 ? strtol(argv[3], &end, 10) : 0;
	if (argc > 3 && (*end || year < 1900 || year > 9999))
		return cli_usage(c, "tenant", "YEAR must be from 1900 to 9999");
	json_t *arr = c->json ? json_array() : NULL;
	int rc;
	if (!state) {
		rc = gd_calendar_states(print_state, arr);
	} else {
		if (!year) {
			char now[32];
			gd_date_format(now, c->now ? c->now : (gd_time)time(NULL));
			year = strtol(now, NULL, 10);
		}
		rc = gd_calendar_holidays(state, (int)year, print_holiday, arr);
	}
	if (rc < 0) {
		json_decref(arr);
		return cli_fail(c, rc);
	}
	if (arr)
		cli_print_json(arr);
	return EXIT_OK;
}

int cmd_tenant(struct cli *c, int argc_, char **argv_)
{
	/* "tenant" then the arguments without the options (c->args), as the subcommands count them */
	const struct cli_args *a = c->args;
	const char *argv[CLI_ARGS_MAX + 1] = {"tenant"};
	int argc = 1;
	(void)argc_, (void)argv_;
	for (int i = 0; i < a->npos; i++)
		argv[argc++] = a->pos[i];
	if (argc < 2)
		return cli_usage(c, "tenant", "missing subcommand: create or list");
	int rc;
	if (strcmp(argv[1], "create") == 0) {
		const char *name = argc > 2 ? argv[2] : NULL, *country = cli_arg(a, "--country");
		if ((rc = cli_args_allow(c, "tenant", "create", "--country")) != EXIT_OK)
			return rc;
		if (argc > 3)
			return cli_usage(c, "tenant", "unexpected argument '%s'", argv[3]);
		if (!name)
			return cli_usage(c, "tenant", "missing the tenant NAME");
		if ((rc = cli_open(c, false)) != EXIT_OK)
			return rc;
		char asked[16];
		if (!country)
			country = ask_country(name, asked, sizeof asked);
		if ((rc = gd_tenant_create(c->vault, name, country)) < 0)
			return cli_fail(c, rc);
		if (c->json)
			cli_print_json(json_pack("{s:s}", "tenant", name));
		else
			printf("created tenant %s\n", name);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "list") == 0) {
		if ((rc = cli_args_allow(c, "tenant", "list", "")) != EXIT_OK)
			return rc;
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
	if (strcmp(argv[1], "set-epoch") == 0) {
		/* gardien tenant set-epoch NAME DAYS: the length of the tenant's erasure epochs (docs/keys.md). */
		char *end = NULL;
		long days = argc == 4 ? strtol(argv[3], &end, 10) : 0;
		if (argc != 4 || !end || *end || days < 1 || days > 366)
			return cli_usage(c, "tenant", "set-epoch takes NAME and DAYS, a number of days from 1 to 366");
		if ((rc = cli_open(c, false)) != EXIT_OK)
			return rc;
		if ((rc = gd_tenant_set_epoch(c->vault, argv[2], (int64_t)days * 86400)) < 0)
			return cli_fail(c, rc);
		if (c->json)
			cli_print_json(json_pack("{s:s,s:i}", "tenant", argv[2], "epoch_days", (int)days));
		else
			printf("tenant %s: erasure epochs of %ld day(s), from its next epoch\n", argv[2], days);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "calendar") == 0)
		return tenant_calendar(c, argc, argv);
	if (strcmp(argv[1], "holidays") == 0)
		return tenant_holidays(c, argc, argv);
	return cli_usage(c, "tenant", "unknown subcommand '%s'", argv[1]);
}

static int verify_damaged(void *ud, const gd_vault_damage *d)
{
	json_t *arr = ud;
	if (arr) {
		json_array_append_new(arr, json_pack("{s:s,s:s,s:I,s:s}", "tenant", d->tenant, "table", d->table,
		                                     "id", (json_int_t)d->id, "what", d->what));
		return 0;
	}
	if (verify_ui.on)
		fputs("\r\033[K", stderr); /* the damaged row on its own line */
	fprintf(stderr, "damaged: tenant %s, %s row %lld: %s\n", d->tenant[0] ? d->tenant : "(none)", d->table,
	        (long long)d->id, d->what);
	return 0;
}

static int verify_progress(void *ud, uint64_t done, uint64_t total)
{
	(void)ud;
	cli_progress_count(&verify_ui, done, total);
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
	cli_progress_start(c, &verify_ui, "rows checked");
	rc = gd_vault_verify(c->vault, verify_damaged, verify_progress, arr, &r);
	cli_progress_end(&verify_ui);
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
