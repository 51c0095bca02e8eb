/*
 * cmd_auth.c — gardien user/token/role/grant: managing who may use the API,
 * offline, as the operator holding the master key (full rights, audited under
 * the CLI principal). Passwords come from GARDIEN_PASSWORD or standard input,
 * never from the command line (where `ps` would show them).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The arguments after the subcommand (pos[0]) and the option table's values
 * (c->args, options.c): "--" and "--opt=VALUE" were handled by the parser. */
#define POS(i) (c->args->npos > (i) ? c->args->pos[(i)] : NULL)
#define NPOS (c->args->npos)

static int read_password(struct cli *c, char *buf, size_t cap)
{
	const char *env = getenv("GARDIEN_PASSWORD");
	if (env && *env) {
		if (strlen(env) >= cap)
			return cli_usage(c, "user", "GARDIEN_PASSWORD is longer than %zu bytes", cap - 1);
		snprintf(buf, cap, "%s", env);
		return EXIT_OK;
	}
	if (!fgets(buf, (int)cap, stdin))
		return cli_usage(c, "user", "give the password on standard input or in GARDIEN_PASSWORD");
	buf[strcspn(buf, "\r\n")] = 0;
	return EXIT_OK;
}

static const char *kind_name(enum gd_principal_kind k)
{
	return k == GD_PRINCIPAL_SERVICE ? "service" : k == GD_PRINCIPAL_SUPPORT ? "support"
	                                                                         : "person";
}

static int print_principal(void *ud, const gd_principal_info *p)
{
	struct cli *c = ud;
	char t[32];
	if (c->json) {
		cli_print_json(gd_principal_json(p));
	} else {
		printf("%-24s %-8s role=%s%s%s", p->name, kind_name(p->kind), *p->role ? p->role : "-",
		       p->totp ? " totp" : "", p->disabled ? " disabled" : "");
		if (p->locked_until)
			printf(" locked-until=%s", cli_time(p->locked_until, t));
		putchar('\n');
	}
	return 0;
}

static int settings(struct cli *c)
{
	int rc = cli_args_allow(c, "user", "settings", "--max-failures --lockout --idle --absolute");
	if (rc == EXIT_OK && NPOS > 1)
		rc = cli_usage(c, "user", "settings takes no argument, not '%s'", POS(1));
	if (rc != EXIT_OK || (rc = cli_open_vault_wide(c)) != EXIT_OK)
		return rc;
	gd_auth_settings s;
	if ((rc = gd_auth_settings_get(c->vault, &s)) < 0)
		return cli_fail(c, rc);
	const char *v;
	bool change = false;
	if ((v = cli_arg(c->args, "--max-failures")))
		s.max_failures = atoi(v), change = true;
	if ((v = cli_arg(c->args, "--lockout")))
		s.lockout = atoll(v), change = true;
	if ((v = cli_arg(c->args, "--idle")))
		s.idle = atoll(v), change = true;
	if ((v = cli_arg(c->args, "--absolute")))
		s.absolute = atoll(v), change = true;
	if (change && (rc = gd_auth_settings_set(c->actor, &s)) < 0)
		return cli_fail(c, rc);
	if (c->json)
		cli_print_json(json_pack("{s:i,s:I,s:I,s:I}", "max_failures", s.max_failures, "lockout",
		                         (json_int_t)s.lockout, "idle", (json_int_t)s.idle, "absolute",
		                         (json_int_t)s.absolute));
	else
		printf("lockout after %d failed logins for %lld s; sessions end after %lld s idle, %lld s at most\n",
		       s.max_failures, (long long)s.lockout, (long long)s.idle, (long long)s.absolute);
	return EXIT_OK;
}

int cmd_user(struct cli *c, int argc, char **argv)
{
	(void)argc, (void)argv;
	if (NPOS < 1)
		return cli_usage(c, "user", "missing subcommand");
	const char *sub = POS(0);
	char pw[GD_PASSWORD_MAX + 2];
	int rc;
	if (strcmp(sub, "settings") == 0)
		return settings(c);
	if (strcmp(sub, "list") == 0) {
		if ((rc = cli_args_allow(c, "user", sub, "")) != EXIT_OK)
			return rc;
		if (NPOS != 1)
			return cli_usage(c, "user", "list takes no argument");
		if ((rc = cli_open(c, true)) != EXIT_OK)
			return rc;
		rc = gd_principal_list(c->actor, print_principal, c);
		return rc < 0 ? cli_fail(c, rc) : EXIT_OK;
	}
	if (NPOS < 2)
		return cli_usage(c, "user", "%s needs a NAME", sub);
	const char *name = POS(1);
	if (NPOS > 2)
		return cli_usage(c, "user", "%s takes one NAME, not also '%s'", sub, POS(2));
	if (strcmp(sub, "add") == 0 || strcmp(sub, "service") == 0) {
		if ((rc = cli_args_allow(c, "user", sub, "--role --password-stdin")) != EXIT_OK)
			return rc;
		const char *role = cli_arg(c->args, "--role");
		if (!role)
			return cli_usage(c, "user", "%s needs --role ROLE", sub);
		bool person = strcmp(sub, "add") == 0;
		if (person && (rc = read_password(c, pw, sizeof pw)) != EXIT_OK)
			return rc;
		if ((rc = cli_open(c, true)) != EXIT_OK)
			return rc;
		rc = person ? gd_user_create(c->actor, name, role, pw) : gd_service_create(c->actor, name, role);
		memset(pw, 0, sizeof pw);
	} else if (strcmp(sub, "support") == 0 || strcmp(sub, "password") == 0) {
		if ((rc = cli_args_allow(c, "user", sub, "--password-stdin")) != EXIT_OK)
			return rc;
		if ((rc = read_password(c, pw, sizeof pw)) != EXIT_OK)
			return rc;
		bool support = strcmp(sub, "support") == 0;
		if ((rc = support ? cli_open_vault_wide(c) : cli_open(c, true)) != EXIT_OK)
			return rc;
		rc = support ? gd_support_create(c->actor, name, pw)
		             : gd_user_set_password(c->actor, name, pw);
		memset(pw, 0, sizeof pw);
	} else if (strcmp(sub, "totp") == 0 || strcmp(sub, "unlock") == 0 || strcmp(sub, "disable") == 0) {
		if ((rc = cli_args_allow(c, "user", sub, "")) != EXIT_OK)
			return rc;
		if ((rc = cli_open(c, true)) != EXIT_OK)
			return rc;
		if (strcmp(sub, "totp") == 0) {
			char secret[64];
			if ((rc = gd_user_totp_enable(c->actor, name, secret)) < 0)
				return cli_fail(c, rc);
			if (c->json)
				cli_print_json(json_pack("{s:s,s:s}", "name", name, "totp_secret", secret));
			else
				printf("%s\n# TOTP secret (base32, 30 s, 6 digits): enter it in an authenticator app; it is not shown again\n",
				       secret);
			memset(secret, 0, sizeof secret);
			return EXIT_OK;
		}
		rc = strcmp(sub, "unlock") == 0 ? gd_principal_unlock(c->actor, name)
		                                : gd_principal_disable(c->actor, name);
	} else {
		return cli_usage(c, "user", "unknown subcommand '%s'", sub);
	}
	if (rc < 0)
		return cli_fail(c, rc);
	if (c->json) {
		cli_print_json(json_pack("{s:s,s:s}", "name", name, "done", sub));
		return EXIT_OK;
	}
	const char *role = cli_arg(c->args, "--role");
	if (strcmp(sub, "add") == 0)
		printf("created user %s with role %s; they log in with their password\n", name, role);
	else if (strcmp(sub, "service") == 0)
		printf("created service %s with role %s; give it a token with 'gardien token create %s'\n", name, role, name);
	else if (strcmp(sub, "support") == 0)
		printf("created support staff %s; they see a tenant only under a grant of its admin\n", name);
	else if (strcmp(sub, "password") == 0)
		printf("password of %s changed; failed logins cleared\n", name);
	else if (strcmp(sub, "unlock") == 0)
		printf("%s unlocked: they may log in again\n", name);
	else
		printf("%s disabled: their tokens and sessions no longer work\n", name);
	return EXIT_OK;
}

static int print_token(void *ud, const gd_token_info *t)
{
	struct cli *c = ud;
	char a[32], b[32];
	if (c->json)
		cli_print_json(gd_token_json(t));
	else
		printf("%-5lld %-24s %-7s created %s expires %s%s\n", (long long)t->id, t->principal,
		       t->session ? "session" : "token", cli_time(t->created_at, a),
		       t->expires_at ? cli_time(t->expires_at, b) : "never", t->revoked ? " revoked" : "");
	return 0;
}

static int parse_id(struct cli *c, const char *cmd, const char *s, int64_t *out)
{
	char *end;
	long long x = strtoll(s, &end, 10);
	if (!*s || *end || x <= 0)
		return cli_usage(c, cmd, "'%s' is not an id", s);
	*out = x;
	return EXIT_OK;
}

int cmd_token(struct cli *c, int argc, char **argv)
{
	(void)argc, (void)argv;
	int rc;
	if (NPOS < 1)
		return cli_usage(c, "token", "missing subcommand");
	const char *sub = POS(0);
	if ((rc = cli_args_allow(c, "token", sub, strcmp(sub, "create") == 0 ? "--expires" : "")) != EXIT_OK)
		return rc;
	if (NPOS > 2)
		return cli_usage(c, "token", "unexpected argument '%s'", POS(2));
	if (strcmp(sub, "create") == 0) {
		if (NPOS < 2)
			return cli_usage(c, "token", "create needs a PRINCIPAL");
		const char *principal = POS(1);
		gd_time exp = 0;
		const char *e = cli_arg(c->args, "--expires");
		if (e && (rc = cli_parse_time(c, e, &exp)) != EXIT_OK)
			return rc;
		if ((rc = cli_open(c, true)) != EXIT_OK)
			return rc;
		char tok[GD_TOKEN_SIZE];
		int64_t id = 0;
		if ((rc = gd_token_create(c->actor, tok, &id, principal, exp)) < 0)
			return cli_fail(c, rc);
		if (c->json)
			cli_print_json(json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id, "principal", principal, "token", tok));
		else
			printf("%s\n# token %lld for %s: shown once, keep it secret\n", tok, (long long)id, principal);
		memset(tok, 0, sizeof tok);
		return EXIT_OK;
	}
	if (strcmp(sub, "list") == 0) {
		if (NPOS > 1)
			return cli_usage(c, "token", "list takes no argument");
		if ((rc = cli_open(c, true)) != EXIT_OK)
			return rc;
		rc = gd_token_list(c->actor, print_token, c);
		return rc < 0 ? cli_fail(c, rc) : EXIT_OK;
	}
	if (strcmp(sub, "revoke") == 0) {
		int64_t id = 0;
		if (NPOS != 2)
			return cli_usage(c, "token", "revoke takes an ID");
		if ((rc = parse_id(c, "token", POS(1), &id)) != EXIT_OK || (rc = cli_open(c, true)) != EXIT_OK)
			return rc;
		if ((rc = gd_token_revoke(c->actor, id)) < 0)
			return cli_fail(c, rc);
		if (c->json)
			cli_print_json(json_pack("{s:I,s:b}", "id", (json_int_t)id, "revoked", 1));
		else
			printf("token %lld revoked\n", (long long)id);
		return EXIT_OK;
	}
	return cli_usage(c, "token", "unknown subcommand '%s'", sub);
}

static int print_role(void *ud, const gd_role_info *r)
{
	struct cli *c = ud;
	char ops[96];
	gd_ops_format(ops, r->ops);
	if (c->json)
		cli_print_json(gd_role_json(r));
	else
		printf("%-20s ops=%s activities=%s%s\n", r->name, ops, r->activities, r->mfa ? " mfa" : "");
	return 0;
}

int cmd_role(struct cli *c, int argc, char **argv)
{
	(void)argc, (void)argv;
	int rc;
	const char *sub = NPOS ? POS(0) : "";
	if (strcmp(sub, "list") == 0) {
		if ((rc = cli_args_allow(c, "role", sub, "")) != EXIT_OK)
			return rc;
		if (NPOS > 1)
			return cli_usage(c, "role", "list takes no argument");
		if ((rc = cli_open(c, true)) != EXIT_OK)
			return rc;
		rc = gd_role_list(c->actor, print_role, c);
		return rc < 0 ? cli_fail(c, rc) : EXIT_OK;
	}
	if (NPOS != 2 || strcmp(sub, "set") != 0)
		return cli_usage(c, "role", "use 'role set NAME …' or 'role list'");
	const char *name = POS(1);
	const char *ops_s = cli_arg(c->args, "--ops"), *acts = cli_arg(c->args, "--activities");
	if (!ops_s || !acts)
		return cli_usage(c, "role", "set needs --ops LIST and --activities LIST");
	unsigned ops;
	if ((rc = gd_ops_parse(&ops, ops_s)) < 0)
		return cli_fail(c, rc);
	if ((rc = cli_open(c, true)) != EXIT_OK)
		return rc;
	if ((rc = gd_role_set(c->actor, name, ops, acts, cli_flag(c->args, "--mfa"))) < 0)
		return cli_fail(c, rc);
	if (c->json)
		cli_print_json(json_pack("{s:s,s:b}", "role", name, "set", 1));
	else
		printf("role %s set\n", name);
	return EXIT_OK;
}

static int print_grant(void *ud, const gd_grant_info *g)
{
	struct cli *c = ud;
	char ops[96], b[32];
	gd_ops_format(ops, g->ops);
	if (c->json)
		cli_print_json(gd_grant_json(g));
	else
		printf("%-5lld support:%s ops=%s activities=%s until %s by %s%s\n", (long long)g->id, g->support,
		       ops, g->activities, cli_time(g->expires_at, b), g->issued_by, g->revoked ? " revoked" : "");
	return 0;
}

int cmd_grant(struct cli *c, int argc, char **argv)
{
	(void)argc, (void)argv;
	int rc;
	const char *sub = NPOS ? POS(0) : "";
	if (strcmp(sub, "create") != 0 && c->args->nseen)
		return cli_usage(c, "grant", "option %s applies to 'grant create' only", c->args->seen[0].opt->name);
	if (strcmp(sub, "list") == 0 && NPOS == 1) {
		if ((rc = cli_open(c, true)) != EXIT_OK)
			return rc;
		rc = gd_grant_list(c->actor, print_grant, c);
		return rc < 0 ? cli_fail(c, rc) : EXIT_OK;
	}
	if (NPOS == 2 && strcmp(sub, "revoke") == 0) {
		int64_t id = 0;
		if ((rc = parse_id(c, "grant", POS(1), &id)) != EXIT_OK || (rc = cli_open(c, true)) != EXIT_OK)
			return rc;
		if ((rc = gd_grant_revoke(c->actor, id)) < 0)
			return cli_fail(c, rc);
		printf(c->json ? "{\"id\":%lld,\"revoked\":true}\n" : "grant %lld revoked\n", (long long)id);
		return EXIT_OK;
	}
	if (NPOS >= 1 && NPOS <= 2 && strcmp(sub, "max") == 0) {
		gd_time max = 0;
		if ((rc = cli_open(c, true)) != EXIT_OK)
			return rc;
		if (NPOS == 2) {
			int64_t secs = 0;
			if ((rc = parse_id(c, "grant", POS(1), &secs)) != EXIT_OK)
				return rc;
			if ((rc = gd_grant_max_set(c->actor, secs)) < 0)
				return cli_fail(c, rc);
		}
		if ((rc = gd_grant_max_get(c->actor, &max)) < 0)
			return cli_fail(c, rc);
		printf(c->json ? "{\"grant_max\":%lld}\n" : "grants last at most %lld s\n", (long long)max);
		return EXIT_OK;
	}
	if (NPOS != 2 || strcmp(sub, "create") != 0)
		return cli_usage(c, "grant", "use 'grant create SUPPORT …', 'grant list', 'grant revoke ID' or 'grant max [SECONDS]'");
	const char *support = POS(1);
	const char *ops_s = cli_arg(c->args, "--ops"), *acts = cli_arg(c->args, "--activities"),
		   *until = cli_arg(c->args, "--until");
	if (!ops_s || !acts || !until)
		return cli_usage(c, "grant", "create needs --ops, --activities and --until");
	unsigned ops;
	gd_time exp;
	if ((rc = gd_ops_parse(&ops, ops_s)) < 0)
		return cli_fail(c, rc);
	if ((rc = cli_parse_time(c, until, &exp)) != EXIT_OK || (rc = cli_open(c, true)) != EXIT_OK)
		return rc;
	int64_t id;
	if ((rc = gd_grant_create(c->actor, &id, support, ops, acts, exp)) < 0)
		return cli_fail(c, rc);
	if (c->json)
		cli_print_json(json_pack("{s:I,s:s}", "id", (json_int_t)id, "support", support));
	else
		printf("grant %lld to support:%s\n", (long long)id, support);
	return EXIT_OK;
}
