/*
 * test_auth.c — the library's promises about principals, each with its
 * refusal:
 *  - administration: every management operation works for an admin and is
 *    refused (GD_EDENIED, audited) to a principal whose role lacks "admin";
 *    the vault-wide ones (settings, support staff) need the operator;
 *  - login: password, TOTP (missing, wrong, replayed, required by the role),
 *    lockout and unlock, disabled principals, services that have no password,
 *    one message whatever was wrong; sessions that time out when idle, reach
 *    their maximum length, or end at logout;
 *  - tokens: created once, used, expired, revoked, malformed, of another
 *    tenant; support staff through a grant that limits, expires and revokes;
 *  - roles limit what an actor opened from a token may read and write (the
 *    operator is not limited), and a failure at any step of issuing a token
 *    leaves nothing half-made.
 */
#include <liboath/oath.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "lib/internal.h"

#define NOW 1767225600

static void put(gd_actor *a, int64_t *id, const char *subject, const char *activity)
{
	gd_record_spec s = GD_RECORD_SPEC_INIT;
	s.activity = activity, s.category = "user.name", s.value = "Ana", s.value_len = 3;
	GD_OK_OR_FAIL(gd_record_put(a, id, subject, &s));
}

static int nread;
static int count_cb(void *ud, const gd_record *r)
{
	(*(int *)ud)++;
	return 0;
}

static void test_roles_bound_reads_and_writes(void **state)
{
	struct fixture *f = fx_new();
	char tok[GD_TOKEN_SIZE], sub[GD_SUBJECT_ID_SIZE];
	int64_t rb, rm;
	gd_actor *svc = NULL;
	gd_record *r = NULL;
	GD_OK_OR_FAIL(gd_role_set(f->a, "billing", GD_OP_READ | GD_OP_WRITE, "billing", false));
	GD_OK_OR_FAIL(gd_service_create(f->a, "app", "billing"));
	GD_OK_OR_FAIL(gd_token_create(f->a, tok, NULL, "app", 0));
	GD_OK_OR_FAIL(gd_subject_create(f->a, sub));
	/* the operator (no token) writes and reads for any activity */
	put(f->a, &rb, sub, "billing");
	put(f->a, &rm, sub, "marketing");
	GD_OK_OR_FAIL(gd_record_get(f->a, &r, rm, "marketing"));
	gd_record_free(r);

	GD_OK_OR_FAIL(gd_auth_open(&svc, f->v, tok, NULL));
	GD_OK_OR_FAIL(gd_record_get(svc, &r, rb, "billing"));
	assert_memory_equal(r->value, "Ana", 3);
	gd_record_free(r);
	assert_int_equal(gd_record_get(svc, &r, rm, "marketing"), GD_EDENIED);
	assert_non_null(strstr(gd_error_last(), "role \"billing\""));
	size_t withheld = 0;
	GD_OK_OR_FAIL(gd_record_list(svc, sub, "billing", count_cb, &nread, &withheld));
	assert_int_equal(nread, 1);
	assert_int_equal(withheld, 1);
	gd_record_spec s = GD_RECORD_SPEC_INIT;
	s.activity = "marketing", s.category = "user.name", s.value = "x", s.value_len = 1;
	assert_int_equal(gd_record_put(svc, NULL, sub, &s), GD_EDENIED);
	assert_int_equal(gd_actor_require(svc, GD_OP_ERASE, "subject.erase"), GD_EDENIED);
	assert_int_equal(gd_role_set(svc, "x", GD_OP_ALL, "*", false), GD_EDENIED);
	GD_OK_OR_FAIL(gd_actor_require(f->a, GD_OP_ALL, "anything"));
	gd_actor_close(svc);
	fx_free(f);
}

static void test_tenant_isolation(void **state)
{
	struct fixture *f = fx_new();
	char tok[GD_TOKEN_SIZE];
	gd_actor *a = NULL;
	GD_OK_OR_FAIL(gd_tenant_create(f->v, "beta", NULL));
	GD_OK_OR_FAIL(gd_role_set(f->a, "all", GD_OP_ALL, "*", false));
	GD_OK_OR_FAIL(gd_service_create(f->a, "root", "all"));
	GD_OK_OR_FAIL(gd_token_create(f->a, tok, NULL, "root", 0));
	assert_int_equal(gd_auth_open(&a, f->v, tok, "beta"), GD_EDENIED);
	assert_null(a);
	GD_OK_OR_FAIL(gd_auth_open(&a, f->v, tok, "acme"));
	gd_actor_info i;
	gd_actor_info_get(a, &i);
	assert_string_equal(i.tenant, "acme");
	assert_string_equal(i.principal, "svc:root");
	assert_false(i.operator);
	gd_actor_close(a);
	fx_free(f);
}

static void test_lockout_and_expiry(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_TOKEN_SIZE], tok[GD_TOKEN_SIZE];
	gd_actor *a = NULL;
	gd_auth_settings cfg = GD_AUTH_SETTINGS_INIT;
	cfg.max_failures = 2, cfg.lockout = 100, cfg.idle = 50, cfg.absolute = 1000;
	GD_OK_OR_FAIL(gd_auth_settings_set(f->a, &cfg));
	GD_OK_OR_FAIL(gd_role_set(f->a, "r", GD_OP_READ, "*", false));
	GD_OK_OR_FAIL(gd_user_create(f->a, "ana", "r", "right password"));
	assert_int_equal(gd_auth_login(f->v, s, "acme", "ana", "wrong password", NULL), GD_EDENIED);
	char wrong[256];
	snprintf(wrong, sizeof wrong, "%s", gd_error_last());
	assert_int_equal(gd_auth_login(f->v, s, "acme", "ana", "wrong password", NULL), GD_EDENIED);
	/* Locked for 1 s, then 2 s after a third failure: the lock answers like
	 * wrong credentials, so it never tells that the name exists. */
	assert_int_equal(gd_auth_login(f->v, s, "acme", "ana", "right password", NULL), GD_EDENIED);
	assert_string_equal(gd_error_last(), wrong);
	assert_int_equal(gd_auth_login(f->v, s, "acme", "nobody", "right password", NULL), GD_EDENIED);
	assert_string_equal(gd_error_last(), wrong);
	gd_vault_set_now(f->v, NOW + 1);
	assert_int_equal(gd_auth_login(f->v, s, "acme", "ana", "wrong password", NULL), GD_EDENIED);
	assert_int_equal(gd_auth_login(f->v, s, "acme", "ana", "right password", NULL), GD_EDENIED);
	gd_vault_set_now(f->v, NOW + 2);
	assert_int_equal(gd_auth_login(f->v, s, "acme", "ana", "right password", NULL), GD_EDENIED);
	gd_vault_set_now(f->v, NOW + 100);
	GD_OK_OR_FAIL(gd_auth_login(f->v, s, "acme", "ana", "right password", NULL));
	GD_OK_OR_FAIL(gd_auth_open(&a, f->v, s, NULL));
	gd_actor_close(a), a = NULL;
	gd_vault_set_now(f->v, NOW + 150);
	assert_int_equal(gd_auth_open(&a, f->v, s, NULL), GD_EEXPIRED);
	/* tokens: expiry and revocation */
	int64_t id;
	GD_OK_OR_FAIL(gd_service_create(f->a, "app", "r"));
	GD_OK_OR_FAIL(gd_token_create(f->a, tok, &id, "app", NOW + 200));
	GD_OK_OR_FAIL(gd_auth_open(&a, f->v, tok, NULL));
	gd_actor_close(a), a = NULL;
	gd_vault_set_now(f->v, NOW + 200);
	assert_int_equal(gd_auth_open(&a, f->v, tok, NULL), GD_EEXPIRED);
	GD_OK_OR_FAIL(gd_token_create(f->a, tok, &id, "app", 0));
	GD_OK_OR_FAIL(gd_token_revoke(f->a, id));
	assert_int_equal(gd_auth_open(&a, f->v, tok, NULL), GD_EDENIED);
	assert_int_equal(gd_auth_open(&a, f->v, "gdt_short", NULL), GD_EDENIED);
	fx_free(f);
}

/* ---- fixture helpers ---- */

/* Audit entries of `action` in the trail (any tenant) with `outcome` (0 ok, 1 denied). */
static int64_t audited(struct fixture *f, const char *action, int outcome)
{
	char q[256];
	snprintf(q, sizeof q, "SELECT count(*) FROM audit WHERE action = '%s' AND outcome = %d", action, outcome);
	return db_count(f->path, q);
}

/* An actor opened from a service token whose role has `ops` on every activity. */
static gd_actor *service_with(struct fixture *f, const char *name, unsigned ops)
{
	char tok[GD_TOKEN_SIZE];
	gd_actor *a = NULL;
	GD_OK_OR_FAIL(gd_role_set(f->a, name, ops, "*", false));
	GD_OK_OR_FAIL(gd_service_create(f->a, name, name));
	GD_OK_OR_FAIL(gd_token_create(f->a, tok, NULL, name, 0));
	GD_OK_OR_FAIL(gd_auth_open(&a, f->v, tok, NULL));
	return a;
}

static int count(void *ud)
{
	(*(int *)ud)++;
	return 0;
}
static int role_cb(void *ud, const gd_role_info *r)
{
	return count(ud);
}
static int principal_cb(void *ud, const gd_principal_info *p)
{
	return count(ud);
}
static int grant_cb(void *ud, const gd_grant_info *g)
{
	return count(ud);
}

/* The current TOTP code of a base32 secret at the vault's clock (RFC 6238, 30 s steps). */
static void totp_now(struct fixture *f, const char *secret, char code[7])
{
	char *raw = NULL;
	size_t n = 0;
	assert_int_equal(oath_init(), OATH_OK);
	assert_int_equal(oath_base32_decode(secret, strlen(secret), &raw, &n), OATH_OK);
	assert_int_equal(oath_totp_generate(raw, n, (time_t)gd_vault_now(f->v), 30, 0, 6, code), OATH_OK);
	free(raw);
	oath_done();
}

/* ---- administration ---- */

static void admin_operations_work_for_an_admin(void **state)
{
	struct fixture *f = fx_new();
	gd_actor *admin = service_with(f, "admin", GD_OP_ALL);
	char tok[GD_TOKEN_SIZE], secret[64];
	int64_t tid = 0, gid = 0;
	int n = 0;

	GD_OK_OR_FAIL(gd_role_set(admin, "reader", GD_OP_READ, "billing,support", false));
	GD_OK_OR_FAIL(gd_role_list(admin, role_cb, &n));
	assert_int_equal(n, 2); /* admin, reader */
	GD_OK_OR_FAIL(gd_user_create(admin, "ana", "reader", "correct horse"));
	GD_OK_OR_FAIL(gd_service_create(admin, "etl", "reader"));
	assert_int_equal(gd_user_create(admin, "ana", "reader", "correct horse"), GD_EEXISTS);
	assert_int_equal(gd_user_create(admin, "bob", "nobody", "correct horse"), GD_ENOTFOUND);
	assert_int_equal(gd_user_create(admin, "bob", "reader", "short"), GD_EINVAL);
	GD_OK_OR_FAIL(gd_user_set_password(admin, "ana", "battery staple"));
	assert_int_equal(gd_user_set_password(admin, "nobody", "battery staple"), GD_ENOTFOUND);
	GD_OK_OR_FAIL(gd_user_totp_enable(admin, "ana", secret));
	assert_true(strlen(secret) >= 32);
	GD_OK_OR_FAIL(gd_token_create(admin, tok, &tid, "etl", 0));
	assert_memory_equal(tok, "gdt_", 4);
	GD_OK_OR_FAIL(gd_principal_unlock(admin, "ana"));
	n = 0;
	GD_OK_OR_FAIL(gd_principal_list(admin, principal_cb, &n));
	assert_int_equal(n, 3); /* admin, ana, etl */
	GD_OK_OR_FAIL(gd_token_revoke(admin, tid));
	assert_int_equal(gd_token_revoke(admin, 9999), GD_ENOTFOUND);
	GD_OK_OR_FAIL(gd_principal_disable(admin, "etl"));
	GD_OK_OR_FAIL(gd_support_create(f->a, "sam", "support password"));
	GD_OK_OR_FAIL(gd_grant_create(admin, &gid, "sam", GD_OP_READ, "*", NOW + 3600));
	assert_int_equal(gd_grant_create(admin, NULL, "sam", 0, "*", NOW + 3600), GD_EINVAL);
	assert_int_equal(gd_grant_create(admin, NULL, "sam", GD_OP_READ, "*", NOW - 1), GD_EINVAL);
	n = 0;
	GD_OK_OR_FAIL(gd_grant_list(admin, grant_cb, &n));
	assert_int_equal(n, 1);
	GD_OK_OR_FAIL(gd_grant_revoke(admin, gid));
	assert_int_equal(gd_grant_revoke(admin, 9999), GD_ENOTFOUND);
	/* every change is in the audit trail under the admin's name */
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit WHERE principal = 'svc:admin'"
	                                   " AND action IN ('auth.role.set', 'auth.user.create', 'auth.service.create',"
	                                   " 'auth.user.password', 'auth.user.totp', 'auth.token.create',"
	                                   " 'auth.unlock', 'auth.token.revoke', 'auth.disable', 'auth.grant.create',"
	                                   " 'auth.grant.revoke') AND outcome = 0"),
	                 12); /* eleven operations; disabling also revokes the principal's tokens */
	gd_actor_close(admin);
	fx_free(f);
}

static void admin_operations_refused_without_admin(void **state)
{
	struct fixture *f = fx_new();
	GD_OK_OR_FAIL(gd_role_set(f->a, "r", GD_OP_READ, "*", false));
	GD_OK_OR_FAIL(gd_user_create(f->a, "ana", "r", "correct horse"));
	GD_OK_OR_FAIL(gd_support_create(f->a, "sam", "support password"));
	gd_actor *clerk = service_with(f, "clerk", GD_OP_ALL & ~GD_OP_ADMIN);
	char tok[GD_TOKEN_SIZE], secret[64];
	int64_t id;
	int n = 0;
	struct {
		const char *action;
		int rc;
	} refused[] = {
		{"auth.role.set", gd_role_set(clerk, "x", GD_OP_ALL, "*", false)},
		{"auth.role.list", gd_role_list(clerk, role_cb, &n)},
		{"auth.user.create", gd_user_create(clerk, "eve", "r", "correct horse")},
		{"auth.service.create", gd_service_create(clerk, "eve", "r")},
		{"auth.user.password", gd_user_set_password(clerk, "ana", "battery staple")},
		{"auth.user.totp", gd_user_totp_enable(clerk, "ana", secret)},
		{"auth.unlock", gd_principal_unlock(clerk, "ana")},
		{"auth.disable", gd_principal_disable(clerk, "ana")},
		{"auth.principal.list", gd_principal_list(clerk, principal_cb, &n)},
		{"auth.token.create", gd_token_create(clerk, tok, &id, "ana", 0)},
		{"auth.token.revoke", gd_token_revoke(clerk, 1)},
		{"auth.token.list", gd_token_list(clerk, NULL, NULL)},
		{"auth.grant.create", gd_grant_create(clerk, &id, "sam", GD_OP_READ, "*", NOW + 60)},
		{"auth.grant.revoke", gd_grant_revoke(clerk, 1)},
		{"auth.grant.list", gd_grant_list(clerk, grant_cb, &n)},
		/* vault-wide: the operator only, even for a full admin */
		{"auth.settings", gd_auth_settings_set(clerk, &(gd_auth_settings)GD_AUTH_SETTINGS_INIT)},
		{"auth.support.create", gd_support_create(clerk, "sue", "support password")},
	};
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
		if (refused[i].rc != GD_EDENIED)
			fail_msg("%s: %d, expected GD_EDENIED", refused[i].action, refused[i].rc);
		if (audited(f, refused[i].action, 1) != 1)
			fail_msg("%s: refusal not audited", refused[i].action);
	}
	assert_int_equal(n, 0); /* no callback ran */
	/* nothing changed: ana keeps her password, no principal was added */
	char s[GD_TOKEN_SIZE];
	GD_OK_OR_FAIL(gd_auth_login(f->v, s, "acme", "ana", "correct horse", NULL));
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM auth_principals WHERE name IN ('eve', 'sue')"), 0);
	gd_actor *admin = service_with(f, "admin", GD_OP_ALL);
	assert_int_equal(gd_auth_settings_set(admin, &(gd_auth_settings)GD_AUTH_SETTINGS_INIT), GD_EDENIED);
	gd_actor_close(admin);
	gd_actor_close(clerk);
	fx_free(f);
}

static void settings_are_checked(void **state)
{
	struct fixture *f = fx_new();
	gd_auth_settings s = GD_AUTH_SETTINGS_INIT, got;
	GD_OK_OR_FAIL(gd_auth_settings_get(f->v, &got));
	assert_int_equal(got.max_failures, 5);
	s.max_failures = 0;
	assert_int_equal(gd_auth_settings_set(f->a, &s), GD_EINVAL);
	s.max_failures = 3, s.idle = 0;
	assert_int_equal(gd_auth_settings_set(f->a, &s), GD_EINVAL);
	s.idle = 60;
	GD_OK_OR_FAIL(gd_auth_settings_set(f->a, &s));
	GD_OK_OR_FAIL(gd_auth_settings_get(f->v, &got));
	assert_int_equal(got.max_failures, 3);
	assert_int_equal(got.idle, 60);
	fx_free(f);
}

/* ---- login ---- */

static void password_login_and_its_refusals(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_TOKEN_SIZE], bad1[256], bad2[256];
	gd_actor *a = NULL;
	GD_OK_OR_FAIL(gd_role_set(f->a, "r", GD_OP_READ, "*", false));
	GD_OK_OR_FAIL(gd_user_create(f->a, "ana", "r", "correct horse"));
	GD_OK_OR_FAIL(gd_service_create(f->a, "etl", "r"));

	GD_OK_OR_FAIL(gd_auth_login(f->v, s, "acme", "ana", "correct horse", NULL));
	GD_OK_OR_FAIL(gd_auth_open(&a, f->v, s, NULL));
	gd_actor_info i;
	gd_actor_info_get(a, &i);
	assert_string_equal(i.principal, "user:ana");
	assert_string_equal(i.role, "r");
	assert_int_equal(i.ops, GD_OP_READ);
	gd_actor_close(a), a = NULL;
	assert_int_equal(audited(f, "auth.login", 0), 1);

	/* wrong password, unknown name, unknown tenant: one message, nothing to tell them apart */
	assert_int_equal(gd_auth_login(f->v, s, "acme", "ana", "wrong horse!", NULL), GD_EDENIED);
	snprintf(bad1, sizeof bad1, "%s", gd_error_last());
	assert_int_equal(gd_auth_login(f->v, s, "acme", "nobody", "correct horse", NULL), GD_EDENIED);
	snprintf(bad2, sizeof bad2, "%s", gd_error_last());
	assert_string_equal(bad1, bad2);
	assert_int_equal(gd_auth_login(f->v, s, "nowhere", "ana", "correct horse", NULL), GD_EDENIED);
	assert_string_equal(gd_error_last(), bad1);
	/* a service has no password; a password change retires the old one */
	assert_int_equal(gd_auth_login(f->v, s, "acme", "etl", "correct horse", NULL), GD_EDENIED);
	GD_OK_OR_FAIL(gd_user_set_password(f->a, "ana", "battery staple"));
	assert_int_equal(gd_auth_login(f->v, s, "acme", "ana", "correct horse", NULL), GD_EDENIED);
	GD_OK_OR_FAIL(gd_auth_login(f->v, s, "acme", "ana", "battery staple", NULL));
	/* bad input is refused before any look-up */
	assert_int_equal(gd_auth_login(f->v, s, "acme", "ana", NULL, NULL), GD_EINVAL);
	assert_int_equal(audited(f, "auth.login", 1), 5);
	/* a disabled principal cannot log in, and its sessions end */
	GD_OK_OR_FAIL(gd_principal_disable(f->a, "ana"));
	assert_int_equal(gd_auth_open(&a, f->v, s, NULL), GD_EDENIED);
	assert_int_equal(gd_auth_login(f->v, s, "acme", "ana", "battery staple", NULL), GD_EDENIED);
	fx_free(f);
}

static void totp_login_and_its_refusals(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_TOKEN_SIZE], secret[64], code[7], wrong[12];
	GD_OK_OR_FAIL(gd_role_set(f->a, "r", GD_OP_READ, "*", false));
	GD_OK_OR_FAIL(gd_role_set(f->a, "strict", GD_OP_READ, "*", true));
	GD_OK_OR_FAIL(gd_user_create(f->a, "ana", "r", "correct horse"));
	GD_OK_OR_FAIL(gd_user_create(f->a, "bob", "strict", "correct horse"));

	/* a role that requires a second factor refuses a person without one */
	assert_int_equal(gd_auth_login(f->v, s, "acme", "bob", "correct horse", NULL), GD_EDENIED);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit WHERE action = 'auth.login' AND outcome = 1"
	                                   " AND reason LIKE '%requires a second factor%'"),
	                 1);

	GD_OK_OR_FAIL(gd_user_totp_enable(f->a, "ana", secret));
	totp_now(f, secret, code);
	snprintf(wrong, sizeof wrong, "%06d", (atoi(code) + 1) % 1000000); /* not the code of a step around now but with odds of 3 in a million */
	assert_int_equal(gd_auth_login(f->v, s, "acme", "ana", "correct horse", NULL), GD_EDENIED);
	assert_int_equal(gd_auth_login(f->v, s, "acme", "ana", "correct horse", wrong), GD_EDENIED);
	assert_int_equal(gd_auth_login(f->v, s, "acme", "ana", "correct horse", "12345x"), GD_EDENIED);
	assert_int_equal(gd_auth_login(f->v, s, "acme", "ana", "wrong horse!", code), GD_EDENIED);
	GD_OK_OR_FAIL(gd_auth_login(f->v, s, "acme", "ana", "correct horse", code));
	/* a code is good once: replayed within its step, refused */
	assert_int_equal(gd_auth_login(f->v, s, "acme", "ana", "correct horse", code), GD_EDENIED);
	/* the next step's code works */
	gd_vault_set_now(f->v, NOW + 30);
	totp_now(f, secret, code);
	GD_OK_OR_FAIL(gd_auth_login(f->v, s, "acme", "ana", "correct horse", code));
	/* the secret is stored sealed, never as given */
	gd_vault_close(f->v), f->v = NULL;
	gd_actor_close(f->a), f->a = NULL;
	assert_false(fx_contains(f, secret, strlen(secret)));
	fx_reopen(f);
	fx_free(f);
}

static void lockout_holds_until_it_expires_or_is_cleared(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_TOKEN_SIZE];
	gd_auth_settings cfg = GD_AUTH_SETTINGS_INIT;
	cfg.max_failures = 3, cfg.lockout = 600;
	GD_OK_OR_FAIL(gd_auth_settings_set(f->a, &cfg));
	GD_OK_OR_FAIL(gd_role_set(f->a, "r", GD_OP_READ, "*", false));
	GD_OK_OR_FAIL(gd_user_create(f->a, "ana", "r", "correct horse"));
	/* a success resets the count */
	for (int i = 0; i < 2; i++)
		assert_int_equal(gd_auth_login(f->v, s, "acme", "ana", "wrong horse!", NULL), GD_EDENIED);
	GD_OK_OR_FAIL(gd_auth_login(f->v, s, "acme", "ana", "correct horse", NULL));
	for (int i = 0; i < 3; i++)
		assert_int_equal(gd_auth_login(f->v, s, "acme", "ana", "wrong horse!", NULL), GD_EDENIED);
	assert_int_equal(audited(f, "auth.lockout", 1), 1);
	/* locked: answered like wrong credentials (the message allows for it) */
	assert_int_equal(gd_auth_login(f->v, s, "acme", "ana", "correct horse", NULL), GD_EDENIED);
	assert_non_null(strstr(gd_error_last(), "too many recent failures"));
	/* the admin clears it */
	GD_OK_OR_FAIL(gd_principal_unlock(f->a, "ana"));
	GD_OK_OR_FAIL(gd_auth_login(f->v, s, "acme", "ana", "correct horse", NULL));
	/* or it expires */
	for (int i = 0; i < 3; i++)
		assert_int_equal(gd_auth_login(f->v, s, "acme", "ana", "wrong horse!", NULL), GD_EDENIED);
	/* the third failure locks for 1 s; a try during the lock is a fourth
	 * failure (2 s from then, at most lockout) */
	assert_int_equal(gd_auth_login(f->v, s, "acme", "ana", "correct horse", NULL), GD_EDENIED);
	gd_vault_set_now(f->v, NOW + 1);
	assert_int_equal(gd_auth_login(f->v, s, "acme", "ana", "correct horse", NULL), GD_EDENIED);
	gd_vault_set_now(f->v, NOW + 5);
	GD_OK_OR_FAIL(gd_auth_login(f->v, s, "acme", "ana", "correct horse", NULL));
	fx_free(f);
}

/* Failing on purpose does not lock out a person who proves a second factor:
 * a lock lets the password and a valid TOTP code through, nothing less. And
 * gd_auth_login_2fa succeeds only with a verified code. */
static void lock_lets_a_second_factor_through(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_TOKEN_SIZE], secret[64], code[7];
	gd_auth_settings cfg = GD_AUTH_SETTINGS_INIT;
	cfg.max_failures = 2, cfg.lockout = 600;
	GD_OK_OR_FAIL(gd_auth_settings_set(f->a, &cfg));
	GD_OK_OR_FAIL(gd_role_set(f->a, "r", GD_OP_READ, "*", false));
	GD_OK_OR_FAIL(gd_user_create(f->a, "adm", "r", "adm password 1"));
	GD_OK_OR_FAIL(gd_user_create(f->a, "ana", "r", "ana password 1"));
	GD_OK_OR_FAIL(gd_user_totp_enable(f->a, "adm", secret));
	for (int i = 0; i < 6; i++) {
		assert_int_equal(gd_auth_login(f->v, s, "acme", "adm", "guessed password", NULL), GD_EDENIED);
		assert_int_equal(gd_auth_login(f->v, s, "acme", "ana", "guessed password", NULL), GD_EDENIED);
	}
	/* both locked (16 s by now); the password alone is refused */
	totp_now(f, secret, code);
	assert_int_equal(gd_auth_login(f->v, s, "acme", "adm", "adm password 1", NULL), GD_EDENIED);
	assert_int_equal(gd_auth_login(f->v, s, "acme", "ana", "ana password 1", NULL), GD_EDENIED);
	assert_int_equal(gd_auth_login(f->v, s, "acme", "adm", "guessed password", code), GD_EDENIED);
	GD_OK_OR_FAIL(gd_auth_login(f->v, s, "acme", "adm", "adm password 1", code));
	/* the 2FA login: a person without TOTP never passes it */
	gd_vault_set_now(f->v, NOW + 3600);
	GD_OK_OR_FAIL(gd_auth_login(f->v, s, "acme", "ana", "ana password 1", NULL));
	assert_int_equal(gd_auth_login_2fa(f->v, s, "acme", "ana", "ana password 1", "123456"), GD_EDENIED);
	totp_now(f, secret, code);
	GD_OK_OR_FAIL(gd_auth_login_2fa(f->v, s, "acme", "adm", "adm password 1", code));
	fx_free(f);
}

static void sessions_time_out_and_end_at_logout(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_TOKEN_SIZE];
	gd_actor *a = NULL;
	gd_auth_settings cfg = GD_AUTH_SETTINGS_INIT;
	cfg.idle = 300, cfg.absolute = 1000;
	GD_OK_OR_FAIL(gd_auth_settings_set(f->a, &cfg));
	GD_OK_OR_FAIL(gd_role_set(f->a, "r", GD_OP_READ, "*", false));
	GD_OK_OR_FAIL(gd_user_create(f->a, "ana", "r", "correct horse"));

	/* idle: used every 200 s it lives on, until its absolute end */
	GD_OK_OR_FAIL(gd_auth_login(f->v, s, "acme", "ana", "correct horse", NULL));
	for (gd_time t = 200; t < 1000; t += 200) {
		gd_vault_set_now(f->v, NOW + t);
		GD_OK_OR_FAIL(gd_auth_open(&a, f->v, s, NULL));
		gd_actor_close(a), a = NULL;
	}
	gd_vault_set_now(f->v, NOW + 1000);
	assert_int_equal(gd_auth_open(&a, f->v, s, NULL), GD_EEXPIRED);
	assert_non_null(strstr(gd_error_last(), "expired"));
	assert_null(a);
	/* unused for the idle time, it times out */
	GD_OK_OR_FAIL(gd_auth_login(f->v, s, "acme", "ana", "correct horse", NULL));
	gd_vault_set_now(f->v, NOW + 1000 + 300);
	assert_int_equal(gd_auth_open(&a, f->v, s, NULL), GD_EEXPIRED);
	assert_non_null(strstr(gd_error_last(), "without use"));
	/* logout ends it; a second logout is refused */
	GD_OK_OR_FAIL(gd_auth_login(f->v, s, "acme", "ana", "correct horse", NULL));
	GD_OK_OR_FAIL(gd_auth_logout(f->v, s));
	assert_int_equal(gd_auth_open(&a, f->v, s, NULL), GD_EDENIED);
	assert_int_equal(gd_auth_logout(f->v, s), GD_EDENIED);
	assert_int_equal(gd_auth_logout(f->v, "not a token"), GD_EDENIED);
	assert_int_equal(audited(f, "auth.logout", 0), 1);
	fx_free(f);
}

/* ---- tokens ---- */

struct token_seen {
	int n, revoked, sessions;
	gd_time last_used;
};

static int token_cb(void *ud, const gd_token_info *t)
{
	struct token_seen *s = ud;
	s->n++;
	s->revoked += t->revoked;
	s->sessions += t->session;
	if (t->last_used > s->last_used)
		s->last_used = t->last_used;
	return 0;
}

static void tokens_are_created_used_expired_and_revoked(void **state)
{
	struct fixture *f = fx_new();
	char t1[GD_TOKEN_SIZE], t2[GD_TOKEN_SIZE];
	int64_t id1, id2;
	gd_actor *a = NULL;
	GD_OK_OR_FAIL(gd_role_set(f->a, "r", GD_OP_READ, "*", false));
	GD_OK_OR_FAIL(gd_service_create(f->a, "etl", "r"));
	assert_int_equal(gd_token_create(f->a, t1, &id1, "etl", NOW - 1), GD_EINVAL); /* expiry in the past */
	assert_int_equal(gd_token_create(f->a, t1, &id1, "nobody", 0), GD_ENOTFOUND);
	GD_OK_OR_FAIL(gd_token_create(f->a, t1, &id1, "etl", NOW + 3600));
	GD_OK_OR_FAIL(gd_token_create(f->a, t2, &id2, "etl", 0));
	assert_string_not_equal(t1, t2);
	/* only the hash is kept */
	gd_actor_close(f->a), f->a = NULL;
	gd_vault_close(f->v), f->v = NULL;
	assert_false(fx_contains(f, t1 + 4, 64));
	fx_reopen(f);

	/* use: opens an actor of the service, and is remembered */
	gd_vault_set_now(f->v, NOW + 120);
	GD_OK_OR_FAIL(gd_auth_open(&a, f->v, t1, NULL));
	gd_actor_info i;
	gd_actor_info_get(a, &i);
	assert_string_equal(i.principal, "svc:etl");
	assert_false(i.operator);
	gd_actor_close(a), a = NULL;
	struct token_seen seen = {0};
	GD_OK_OR_FAIL(gd_token_list(f->a, token_cb, &seen));
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.last_used, NOW + 120);
	/* expire */
	gd_vault_set_now(f->v, NOW + 3600);
	assert_int_equal(gd_auth_open(&a, f->v, t1, NULL), GD_EEXPIRED);
	GD_OK_OR_FAIL(gd_auth_open(&a, f->v, t2, NULL));
	gd_actor_close(a), a = NULL;
	/* revoke */
	GD_OK_OR_FAIL(gd_token_revoke(f->a, id2));
	assert_int_equal(gd_auth_open(&a, f->v, t2, NULL), GD_EDENIED);
	memset(&seen, 0, sizeof seen);
	GD_OK_OR_FAIL(gd_token_list(f->a, token_cb, &seen));
	assert_int_equal(seen.revoked, 1);
	/* malformed or unknown tokens */
	assert_int_equal(gd_auth_open(&a, f->v, "gdt_short", NULL), GD_EDENIED);
	t2[10] = t2[10] == 'a' ? 'b' : 'a';
	assert_int_equal(gd_auth_open(&a, f->v, t2, NULL), GD_EDENIED);
	assert_null(a);
	fx_free(f);
}

static void support_access_needs_a_live_grant(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_TOKEN_SIZE], sub[GD_SUBJECT_ID_SIZE];
	int64_t gid, rid;
	gd_actor *a = NULL;
	GD_OK_OR_FAIL(gd_tenant_create(f->v, "beta", NULL));
	GD_OK_OR_FAIL(gd_support_create(f->a, "sam", "support password"));
	GD_OK_OR_FAIL(gd_subject_create(f->a, sub));
	put(f->a, &rid, sub, "billing");
	GD_OK_OR_FAIL(gd_auth_login(f->v, s, NULL, "sam", "support password", NULL));
	assert_int_equal(gd_auth_open(&a, f->v, s, NULL), GD_EINVAL); /* must name a tenant */
	assert_int_equal(gd_auth_open(&a, f->v, s, "acme"), GD_EDENIED);
	assert_int_equal(audited(f, "support.access", 1), 2); /* in the vault's chain and in acme's */

	GD_OK_OR_FAIL(gd_grant_create(f->a, &gid, "sam", GD_OP_READ, "billing", NOW + 3600));
	GD_OK_OR_FAIL(gd_auth_open(&a, f->v, s, "acme"));
	gd_actor_info i;
	gd_actor_info_get(a, &i);
	assert_int_equal(i.grant, gid);
	assert_string_equal(i.tenant, "acme");
	gd_record *r = NULL;
	GD_OK_OR_FAIL(gd_record_get(a, &r, rid, "billing"));
	gd_record_free(r), r = NULL;
	/* the grant limits operations and activities */
	assert_int_equal(gd_actor_require(a, GD_OP_ERASE, "subject.erase"), GD_EDENIED);
	assert_int_equal(gd_record_get(a, &r, rid, "marketing"), GD_EDENIED);
	gd_actor_close(a), a = NULL;
	/* another tenant's data stays closed */
	assert_int_equal(gd_auth_open(&a, f->v, s, "beta"), GD_EDENIED);
	/* a revoked grant opens nothing */
	GD_OK_OR_FAIL(gd_grant_revoke(f->a, gid));
	assert_int_equal(gd_auth_open(&a, f->v, s, "acme"), GD_EDENIED);
	/* a grant expires (the session is still alive) */
	GD_OK_OR_FAIL(gd_grant_create(f->a, &gid, "sam", GD_OP_READ, "*", NOW + 600));
	GD_OK_OR_FAIL(gd_auth_open(&a, f->v, s, "acme"));
	gd_actor_close(a), a = NULL;
	gd_vault_set_now(f->v, NOW + 600);
	GD_OK_OR_FAIL(gd_auth_login(f->v, s, NULL, "sam", "support password", NULL));
	assert_int_equal(gd_auth_open(&a, f->v, s, "acme"), GD_EEXPIRED);
	assert_null(a);
	fx_free(f);
}

/* ---- faults ---- */

struct token_faults {
	struct fixture *f;
	char tok[GD_TOKEN_SIZE];
	int64_t before; /* tokens and sessions before the operation */
};

static int64_t tokens(struct fixture *f)
{
	int64_t count = -1;
	GD_OK_OR_FAIL(gd__db_int(f->v->store, &count, "SELECT count(*) FROM auth_tokens", NULL));
	return count;
}

static int op_token_create(void *ud)
{
	struct token_faults *c = ud;
	return gd_token_create(c->f->a, c->tok, NULL, "app", 0);
}

static int op_login(void *ud)
{
	struct token_faults *c = ud;
	return gd_auth_login(c->f->v, c->tok, "acme", "ana", "correct horse", NULL);
}

static void no_token(void *ud, long n, int rc)
{
	struct token_faults *c = ud;
	assert_int_equal(tokens(c->f), c->before);
}

static void test_token_faults_leave_nothing(void **state)
{
	struct fixture *f = fx_new();
	GD_OK_OR_FAIL(gd_role_set(f->a, "r", GD_OP_READ, "*", false));
	GD_OK_OR_FAIL(gd_service_create(f->a, "app", "r"));
	GD_OK_OR_FAIL(gd_user_create(f->a, "ana", "r", "correct horse"));
	struct token_faults c = {.f = f, .before = 0};
	struct fault_loop l = {.op = op_token_create, .check = no_token, .ud = &c};
	assert_true(fault_loop_run(&l) > 2);
	assert_int_equal(tokens(f), 1);
	/* a login is a session token: the same */
	c.before = 1;
	l.op = op_login;
	assert_true(fault_loop_run(&l) > 2);
	assert_int_equal(tokens(f), 2);
	fx_free(f);
}

static int64_t live_of(struct fixture *f, const char *sql)
{
	int64_t n = -1;
	GD_OK_OR_FAIL(gd__db_int(f->v->store, &n, sql, NULL));
	return n;
}

static int op_disable(void *ud)
{
	struct token_faults *c = ud;
	return gd_principal_disable(c->f->a, "app");
}

/* A failed disable leaves the principal enabled and its token live: never one without the other. */
static void still_enabled(void *ud, long n, int rc)
{
	struct token_faults *c = ud;
	assert_int_equal(live_of(c->f, "SELECT count(*) FROM auth_principals WHERE name = 'app' AND disabled = 0"), 1);
	assert_int_equal(live_of(c->f, "SELECT count(*) FROM auth_tokens WHERE revoked = 0"), 1);
}

static void test_disable_is_one_operation(void **state)
{
	struct fixture *f = fx_new();
	GD_OK_OR_FAIL(gd_role_set(f->a, "r", GD_OP_READ, "*", false));
	GD_OK_OR_FAIL(gd_service_create(f->a, "app", "r"));
	struct token_faults c = {.f = f};
	GD_OK_OR_FAIL(gd_token_create(f->a, c.tok, NULL, "app", 0));
	struct fault_loop l = {.op = op_disable, .check = still_enabled, .ud = &c};
	assert_true(fault_loop_run(&l) > 2);
	assert_int_equal(live_of(f, "SELECT count(*) FROM auth_principals WHERE name = 'app' AND disabled = 1"), 1);
	assert_int_equal(live_of(f, "SELECT count(*) FROM auth_tokens WHERE revoked = 0"), 0);
	gd_actor *a = NULL;
	assert_int_equal(gd_auth_open(&a, f->v, c.tok, "acme"), GD_EDENIED);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roles_bound_reads_and_writes),
		cmocka_unit_test(test_tenant_isolation),
		cmocka_unit_test(test_lockout_and_expiry),
		cmocka_unit_test(admin_operations_work_for_an_admin),
		cmocka_unit_test(admin_operations_refused_without_admin),
		cmocka_unit_test(settings_are_checked),
		cmocka_unit_test(password_login_and_its_refusals),
		cmocka_unit_test(totp_login_and_its_refusals),
		cmocka_unit_test(lockout_holds_until_it_expires_or_is_cleared),
		cmocka_unit_test(lock_lets_a_second_factor_through),
		cmocka_unit_test(sessions_time_out_and_end_at_logout),
		cmocka_unit_test(tokens_are_created_used_expired_and_revoked),
		cmocka_unit_test(support_access_needs_a_live_grant),
		cmocka_unit_test(test_token_faults_leave_nothing),
		cmocka_unit_test(test_disable_is_one_operation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
