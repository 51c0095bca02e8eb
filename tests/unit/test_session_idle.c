/*
 * test_session_idle.c — the idle timeout of sessions counts from their last
 * use, every use: a session used at +14, +40, +45 and +58 s with --idle 60
 * is alive at +71 s, and times out 60 s after its last use.
 */
#include <string.h>

#include "helpers.h"

static void a_session_in_use_never_times_out(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_TOKEN_SIZE];
	gd_actor *a = NULL;
	gd_time t0 = gd_vault_now(f->v);
	gd_auth_settings cfg = GD_AUTH_SETTINGS_INIT;
	cfg.idle = 60, cfg.absolute = 3600;
	GD_OK_OR_FAIL(gd_auth_settings_set(f->a, &cfg));
	GD_OK_OR_FAIL(gd_role_set(f->a, "r", GD_OP_READ, "*", false));
	GD_OK_OR_FAIL(gd_user_create(f->a, "ana", "r", "right password"));
	GD_OK_OR_FAIL(gd_auth_login(f->v, s, "acme", "ana", "right password", NULL));
	static const int uses[] = {14, 40, 45, 58, 71, 118, 177};
	for (size_t i = 0; i < sizeof uses / sizeof *uses; i++) {
		gd_vault_set_now(f->v, t0 + uses[i]);
		GD_OK_OR_FAIL(gd_auth_open(&a, f->v, s, NULL));
		gd_actor_close(a), a = NULL;
	}
	/* 60 s without use after the last one at +177: timed out. */
	gd_vault_set_now(f->v, t0 + 237);
	assert_int_equal(gd_auth_open(&a, f->v, s, NULL), GD_EEXPIRED);
	assert_non_null(strstr(gd_error_last(), "timed out after 60 s without use"));
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_session_in_use_never_times_out),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
