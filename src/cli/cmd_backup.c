/* cmd_backup.c — gardien backup create/list/prune/verify/restore/export-journal/horizon. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct bopts {
	const char *dir;
	char dir_buf[4200];
	gd_backup_policy policy;
	const char *arg;
	const char *journal;
};

int cli_backup_policy(struct cli *c, gd_backup_policy *out)
{
	*out = (gd_backup_policy)GD_BACKUP_POLICY_INIT;
	const char *rot = getenv("GARDIEN_BACKUP_ROTATION");
	if (rot && *rot) {
		int d, w, m;
		char end;
		if (sscanf(rot, "%d,%d,%d%c", &d, &w, &m, &end) != 3 || d < 1 || w < 0 || m < 0)
			return cli_usage(c, "backup", "GARDIEN_BACKUP_ROTATION must be DAYS,WEEKS,MONTHS, e.g. 7,4,3");
		out->daily_days = d, out->weekly_weeks = w, out->monthly_months = m;
	}
	return EXIT_OK;
}

/* Each tenant's register promises about backups, against the rotation applied: warnings on stderr. */
struct promise_ctx {
	struct cli *c;
	const gd_backup_policy *policy;
	const char *tenant;
};

static void on_promise(void *ud, const gd_register_diag *d)
{
	struct promise_ctx *p = ud;
	fprintf(stderr, "warning: tenant %s: %s\n", p->tenant, d->message);
}

static int tenant_promises(void *ud, const char *name)
{
	struct promise_ctx *p = ud;
	gd_actor *a = NULL;
	p->tenant = name;
	if (gd_actor_open(&a, p->c->vault, name, p->c->principal) == 0)
		gd_register_check_backups(a, NULL, p->policy, on_promise, p, NULL);
	gd_actor_close(a);
	return 0;
}

static void check_promises(struct cli *c, const gd_backup_policy *policy)
{
	struct promise_ctx p = {c, policy, NULL};
	gd_tenant_list(c->vault, tenant_promises, &p);
}

static int parse(struct cli *c, int argc, char **argv, struct bopts *o)
{
	int prc = cli_backup_policy(c, &o->policy);
	if (prc != EXIT_OK)
		return prc;
	const struct cli_args *a = c->args;
	static const char *const counts[] = {"--daily", "--weekly", "--monthly"};
	int *slots[] = {&o->policy.daily_days, &o->policy.weekly_weeks, &o->policy.monthly_months};
	(void)argc, (void)argv;
	o->dir = cli_arg(a, "--dir");
	o->journal = cli_arg(a, "--journal");
	for (int k = 0; k < 3; k++) {
		const char *v = cli_arg(a, counts[k]);
		char *end;
		long n = v ? strtol(v, &end, 10) : 0;
		if (v && (!*v || *end || n < 0 || n > 10000))
			return cli_usage(c, "backup", "%s takes a number", counts[k]);
		if (v)
			*slots[k] = (int)n;
	}
	/* pos[0] is the subcommand, pos[1] its FILE, SUBJECT or BACKUP */
	if (a->npos > 2)
		return cli_usage(c, "backup", "unexpected argument '%s'", a->pos[2]);
	o->arg = a->npos > 1 ? a->pos[1] : NULL;
	if (!o->dir)
		o->dir = cli_backup_dir(c, o->dir_buf, sizeof o->dir_buf);
	return EXIT_OK;
}

static json_t *info_json(const gd_backup_info *b)
{
	char c[32], k[32];
	json_t *kinds = json_array();
	if (b->kinds & GD_BACKUP_DAILY)
		json_array_append_new(kinds, json_string("daily"));
	if (b->kinds & GD_BACKUP_WEEKLY)
		json_array_append_new(kinds, json_string("weekly"));
	if (b->kinds & GD_BACKUP_MONTHLY)
		json_array_append_new(kinds, json_string("monthly"));
	return json_pack("{s:s,s:s,s:o,s:s,s:I,s:s}", "name", b->name, "created_at", cli_time(b->created_at, c),
	                 "kinds", kinds, "kept_until", cli_time(b->kept_until, k), "size",
	                 (json_int_t)b->size, "checksum", b->checksum);
}

static void info_print(const gd_backup_info *b)
{
	char c[32], k[32];
	printf("%s  %s  %s%s%s  kept until %s  %llu bytes  blake2b:%.16s…\n", b->name, cli_time(b->created_at, c),
	       b->kinds & GD_BACKUP_DAILY ? "daily" : "", b->kinds & GD_BACKUP_WEEKLY ? ",weekly" : "",
	       b->kinds & GD_BACKUP_MONTHLY ? ",monthly" : "", cli_time(b->kept_until, k),
	       (unsigned long long)b->size, b->checksum);
}

static int each_info(void *ud, const gd_backup_info *b)
{
	json_t *arr = ud;
	if (arr)
		json_array_append_new(arr, info_json(b));
	else
		info_print(b);
	return 0;
}

static int each_horizon(void *ud, const char *subject, gd_time erased_at, gd_time horizon)
{
	json_t *arr = ud;
	char e[32], h[32];
	if (arr)
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "subject", subject, "erased_at",
		                                     cli_time(erased_at, e), "horizon", cli_time(horizon, h)));
	else
		printf("%s  erased %s  in no backup after %s\n", subject, cli_time(erased_at, e),
		       cli_time(horizon, h));
	return 0;
}

/* The library's count of bytes (gd_backup_options.progress) on the progress line. */
static int bytes_done(void *ud, uint64_t done, uint64_t total)
{
	cli_progress_bytes(ud, done, total);
	return 0;
}

int cmd_backup(struct cli *c, int argc, char **argv)
{
	struct bopts o = {0};
	const char *sub = c->args->npos ? c->args->pos[0] : "";
	int rc = parse(c, argc, argv, &o);
	if (rc != EXIT_OK)
		return rc;
	if (strcmp(sub, "restore") == 0) {
		if (!o.arg)
			return cli_usage(c, "backup", "restore takes the backup FILE");
		/* A backup is as large as the vault: it is decrypted from its file, not
		 * copied from a stream into memory first. */
		if ((rc = cli_no_dash(c, "backup", o.arg, "restore decrypts the backup from its file: give the file")) !=
		            EXIT_OK ||
		    (rc = cli_no_dash(c, "backup", o.journal, "restore decrypts the journal from its file: give the file")) !=
		            EXIT_OK)
			return rc;
		gd_vault_options vo = cli_vault_options(c);
		vo.now = c->now;
		vo.ordered_writes = c->ordered_writes;
		gd_backup_restore_stats st;
		struct cli_progress pr;
		cli_progress_ticker(c, &pr, "restoring the backup");
		gd_backup_options bo = GD_BACKUP_OPTIONS_INIT;
		bo.progress = bytes_done, bo.ud = &pr;
		rc = gd_backup_restore_with(c->vault_path, &vo, o.arg, o.journal, &bo, &st);
		cli_progress_end(&pr);
		if (rc < 0)
			return cli_fail(c, rc);
		char t[32];
		if (c->json)
			cli_print_json(json_pack("{s:s,s:s,s:I,s:I,s:I,s:I}", "vault", c->vault_path, "snapshot_at",
			                         cli_time(st.snapshot_at, t), "erasures", (json_int_t)st.erasures,
			                         "deletions", (json_int_t)st.deletions, "anonymisations",
			                         (json_int_t)st.anonymisations, "uncommitted",
			                         (json_int_t)st.uncommitted));
		else
			printf("restored %s from the snapshot of %s; re-applied %llu erasure(s), %llu deletion(s), "
			       "%llu anonymisation(s) made since (%llu journal entr%s never committed, skipped)\n",
			       c->vault_path, cli_time(st.snapshot_at, t), (unsigned long long)st.erasures,
			       (unsigned long long)st.deletions, (unsigned long long)st.anonymisations,
			       (unsigned long long)st.uncommitted, st.uncommitted == 1 ? "y" : "ies");
		return EXIT_OK;
	}
	if (o.journal)
		return cli_usage(c, "backup", "--journal goes with restore only");
	if (strcmp(sub, "export-journal") == 0) {
		if (!o.arg)
			return cli_usage(c, "backup", "export-journal takes the FILE to write");
		if ((rc = cli_no_dash(c, "backup", o.arg,
		                      "export-journal writes a new file (mode 0600) and reads it back to check it: give its name")) != EXIT_OK)
			return rc;
		if ((rc = cli_open(c, false)) != EXIT_OK)
			return rc;
		if ((rc = gd_backup_journal_export(c->vault, o.arg)) < 0)
			return cli_fail(c, rc);
		if (c->json)
			cli_print_json(json_pack("{s:s}", "journal_export", o.arg));
		else
			printf("exported the erasure journal to %s (encrypted with the vault's backup key)\n", o.arg);
		return EXIT_OK;
	}
	if (strcmp(sub, "create") && strcmp(sub, "list") && strcmp(sub, "prune") && strcmp(sub, "verify") &&
	    strcmp(sub, "horizon"))
		return cli_usage(c, "backup", "missing or unknown subcommand: create, list, prune, verify, restore, export-journal or horizon");
	if ((strcmp(sub, "verify") == 0) != (o.arg != NULL) && strcmp(sub, "horizon") != 0)
		return cli_usage(c, "backup", o.arg ? "unexpected argument '%s'" : "%s needs an argument",
		                 o.arg ? o.arg : sub);
	if ((rc = cli_open(c, false)) != EXIT_OK)
		return rc;
	if (strcmp(sub, "create") == 0) {
		gd_backup_info b;
		struct cli_progress pr;
		/* The snapshot is not counted: the ticker runs until the bytes are. */
		cli_progress_ticker(c, &pr, "creating and verifying the backup");
		gd_backup_options bo = GD_BACKUP_OPTIONS_INIT;
		bo.progress = bytes_done, bo.ud = &pr;
		rc = gd_backup_create_with(c->vault, o.dir, &bo, &b);
		cli_progress_end(&pr);
		if (rc < 0)
			return cli_fail(c, rc);
		if (c->json) {
			cli_print_json(info_json(&b));
		} else {
			printf("created and verified %s/%s\n", o.dir, b.name);
			info_print(&b);
		}
		check_promises(c, &o.policy);
		return EXIT_OK;
	}
	if (strcmp(sub, "list") == 0 || strcmp(sub, "prune") == 0) {
		json_t *arr = c->json ? json_array() : NULL;
		bool prune = sub[0] == 'p';
		if (prune && !c->json)
			printf("removing backups the rotation (daily %d days, weekly %d weeks, monthly %d months) no longer keeps:\n",
			       o.policy.daily_days, o.policy.weekly_weeks, o.policy.monthly_months);
		rc = prune ? gd_backup_prune(c->vault, o.dir, &o.policy, each_info, arr)
		           : gd_backup_list(c->vault, o.dir, &o.policy, each_info, arr);
		if (rc < 0) {
			json_decref(arr);
			return cli_fail(c, rc);
		}
		if (arr)
			cli_print_json(json_pack(prune ? "{s:o}" : "{s:o}", prune ? "removed" : "backups", arr));
		check_promises(c, &o.policy);
		return EXIT_OK;
	}
	if (strcmp(sub, "verify") == 0) {
		if ((rc = cli_no_dash(c, "backup", o.arg, "verify decrypts the backup from its file: give the file")) != EXIT_OK)
			return rc;
		struct cli_progress pr;
		cli_progress_start(c, &pr, "verifying the backup");
		gd_backup_options bo = GD_BACKUP_OPTIONS_INIT;
		bo.progress = bytes_done, bo.ud = &pr;
		rc = gd_backup_verify_with(c->vault, o.arg, &bo);
		cli_progress_end(&pr);
		if (rc < 0)
			return cli_fail(c, rc);
		if (c->json)
			cli_print_json(json_pack("{s:s,s:b}", "backup", o.arg, "valid", 1));
		else
			printf("%s: checksum, key and every encrypted chunk verified\n", o.arg);
		return EXIT_OK;
	}
	if (!o.arg) {
		json_t *arr = c->json ? json_array() : NULL;
		if ((rc = gd_backup_horizon_each(c->vault, o.dir, &o.policy, each_horizon, arr)) < 0) {
			json_decref(arr);
			return cli_fail(c, rc);
		}
		if (arr)
			cli_print_json(json_pack("{s:o}", "erasures", arr));
		return EXIT_OK;
	}
	gd_time erased, horizon;
	if ((rc = gd_backup_horizon(c->vault, o.dir, &o.policy, o.arg, &erased, &horizon)) < 0)
		return cli_fail(c, rc);
	char e[32], h[32];
	if (c->json)
		cli_print_json(json_pack("{s:s,s:s,s:s}", "subject", o.arg, "erased_at", cli_time(erased, e),
		                         "horizon", cli_time(horizon, h)));
	else
		printf("%s was erased at %s; no backup holds its data after %s\n", o.arg, cli_time(erased, e),
		       cli_time(horizon, h));
	return EXIT_OK;
}
