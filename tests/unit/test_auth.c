/*
 * test_auth.c — the library's promises about principals: roles limit what an
 * actor opened from a token may read and write (and the operator is not
 * limited), lockout counts failures, grows, expires and lets a proven second
 * factor through (answering like wrong credentials), tokens are unusable once
 * revoked or expired, management needs the admin operation, and a failure at
 * any step of issuing a token leaves nothing half-made.
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

/* The TOTP code of a base32 secret at time t. */
static void totp_at(const char *secret, gd_time t, char code[7])
{
	char *raw = NULL;
	size_t n = 0;
	assert_int_equal(oath_init(), OATH_OK);
	assert_int_equal(oath_base32_decode(secret, strlen(secret), &raw, &n), OATH_OK);
	assert_int_equal(oath_totp_generate(raw, n, (time_t)t, 30, 0, 6, code), OATH_OK);
	free(raw);
}

/* Failing on purpose does not lock out a person who proves a second factor:
 * a lock lets the password and a valid TOTP code through, nothing less. And
 * gd_auth_login_2fa succeeds only with a verified code. */
static void test_lock_lets_a_second_factor_through(void **state)
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
	totp_at(secret, NOW, code);
	assert_int_equal(gd_auth_login(f->v, s, "acme", "adm", "adm password 1", NULL), GD_EDENIED);
	assert_int_equal(gd_auth_login(f->v, s, "acme", "ana", "ana password 1", NULL), GD_EDENIED);
	assert_int_equal(gd_auth_login(f->v, s, "acme", "adm", "guessed password", code), GD_EDENIED);
	GD_OK_OR_FAIL(gd_auth_login(f->v, s, "acme", "adm", "adm password 1", code));
	/* the 2FA login: a person without TOTP never passes it */
	gd_vault_set_now(f->v, NOW + 3600);
	GD_OK_OR_FAIL(gd_auth_login(f->v, s, "acme", "ana", "ana password 1", NULL));
	assert_int_equal(gd_auth_login_2fa(f->v, s, "acme", "ana", "ana password 1", "123456"), GD_EDENIED);
	totp_at(secret, NOW + 3600, code);
	GD_OK_OR_FAIL(gd_auth_login_2fa(f->v, s, "acme", "adm", "adm password 1", code));
	fx_free(f);
}

static void test_token_faults_leave_nothing(void **state)
{
	struct fixture *f = fx_new();
	char tok[GD_TOKEN_SIZE];
	GD_OK_OR_FAIL(gd_role_set(f->a, "r", GD_OP_READ, "*", false));
	GD_OK_OR_FAIL(gd_service_create(f->a, "app", "r"));
	for (long n = 1;; n++) {
		gd__fault_arm(n);
		int rc = gd_token_create(f->a, tok, NULL, "app", 0);
		bool fired = gd__fault_fired();
		gd__fault_arm(0);
		if (!fired) {
			GD_OK_OR_FAIL(rc);
			break;
		}
		assert_true(rc < 0);
		int64_t count = -1;
		GD_OK_OR_FAIL(gd__db_int(f->v->store, &count, "SELECT count(*) FROM auth_tokens", NULL));
		assert_int_equal(count, 0);
	}
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roles_bound_reads_and_writes),
		cmocka_unit_test(test_tenant_isolation),
		cmocka_unit_test(test_lockout_and_expiry),
		cmocka_unit_test(test_lock_lets_a_second_factor_through),
		cmocka_unit_test(test_token_faults_leave_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
