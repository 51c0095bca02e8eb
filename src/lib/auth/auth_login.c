/*
 * auth_login.c — logging in (password, then TOTP when the role or the tenant
 * asks for it) to a session token, logging out, and enrolling a user's TOTP.
 *
 * Invariants: a login for an unknown name costs the same Argon2id work as one
 * for a known name and fails with the same message; a TOTP code is accepted
 * once (its time step must be after the last one used); TOTP secrets are
 * sealed under a key derived from the master key; failures count toward the
 * lockout and every outcome is audited.
 */
#include <liboath/oath.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gardien/auth.h"
#include "lib/auth/auth.h"
#include "lib/internal.h"

#define TOTP_RAW 20

static void totp_key(gd_vault *v, unsigned char key[GD__KEY_SIZE])
{
	gd__keyring_current(v->ring, GD__K_TOTP, key);
}

static pthread_once_t oath_once = PTHREAD_ONCE_INIT;
static void oath_start(void)
{
	oath_init();
}

int gd_user_totp_enable(gd_actor *a, const char *name, char out[64])
{
	unsigned char raw[TOTP_RAW], sealed[TOTP_RAW + GD__SEAL_OVERHEAD], *key;
	char *b32 = NULL;
	size_t b32n = 0;
	int rc;
	pthread_once(&oath_once, oath_start);
	if (!(key = gd__secure_alloc(GD__KEY_SIZE)))
		return gd__err(GD_ENOMEM, "out of secure memory");
	gd__random(raw, sizeof raw);
	totp_key(a->v, key);
	gd__seal(sealed, key, raw, sizeof raw, "gardien totp v1", 15);
	if (oath_base32_encode((const char *)raw, sizeof raw, &b32, &b32n) != OATH_OK || b32n >= 64) {
		rc = gd__err(GD_ENOMEM, "cannot encode the TOTP secret");
		goto done;
	}
	rc = gd__auth_principal_update(a, name, "auth.user.totp",
	                               "UPDATE auth_principals SET totp = ?, totp_step = 0 WHERE kind = 0 AND tenant_id = ? AND id = ?", "bi",
	                               sealed, sizeof sealed);
	if (rc == 0)
		memcpy(out, b32, b32n + 1);
done:
	if (b32) {
		gd__wipe(b32, b32n);
		free(b32);
	}
	gd__wipe(raw, sizeof raw);
	gd__secure_free(key);
	return rc;
}

/* ---- login ---- */

/* An Argon2id string of a random password, so unknown names cost a real verification. */
static char dummy_hash[GD__PWHASH_SIZE];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static void make_dummy(void)
{
	unsigned char pw[16];
	gd__random(pw, sizeof pw);
	if (gd__pwhash(dummy_hash, (const char *)pw, sizeof pw) < 0)
		dummy_hash[0] = 0;
}

/*
 * 0 when `code` is the TOTP of the sealed secret for a time step after
 * `last_step` (a code is accepted once: no replay); its step goes to `*step`.
 */
static int totp_check(gd_vault *v, const void *sealed, size_t n, const char *code, int64_t last_step,
                      int64_t *step)
{
	unsigned char raw[TOTP_RAW], *key;
	int rc = GD_EDENIED;
	pthread_once(&oath_once, oath_start);
	if (!code || strlen(code) != 6 || strspn(code, "0123456789") != 6)
		return GD_EDENIED;
	if (n != sizeof raw + GD__SEAL_OVERHEAD)
		return gd__err(GD_ECORRUPT, "a stored TOTP secret is damaged");
	if (!(key = gd__secure_alloc(GD__KEY_SIZE)))
		return gd__err(GD_ENOMEM, "out of secure memory");
	totp_key(v, key);
	if (gd__open(raw, key, sealed, n, "gardien totp v1", 15) < 0)
		rc = gd__err(GD_ECORRUPT, "a stored TOTP secret failed authentication");
	else {
		int pos = 0;
		uint64_t counter = 0;
		if (oath_totp_validate3((const char *)raw, sizeof raw, (time_t)gd_vault_now(v), 30, 0, 1, &pos,
		                        &counter, code) >= 0 &&
		    (int64_t)counter > last_step)
			rc = 0, *step = (int64_t)counter;
	}
	gd__wipe(raw, sizeof raw);
	gd__secure_free(key);
	return rc;
}

static const char bad_login[] =
	"wrong tenant, name, password or second factor, or too many recent failures: check them, wait, retry";

/* The lock after failed logins grows: 1 s at max_failures, doubling with each
 * further failure, at most cfg.lockout. Failures go on counting while locked
 * (until a success or an unlock), so a guesser only lengthens it. */
static gd_time lock_delay(const gd_auth_settings *cfg, int failures)
{
	int k = failures - cfg->max_failures;
	gd_time d = k >= 30 ? cfg->lockout : (gd_time)1 << k;
	return d < cfg->lockout ? d : cfg->lockout;
}

static int login(gd_vault *v, char out[GD_TOKEN_SIZE], const char *tenant, const char *name,
                 const char *password, const char *totp, bool need_totp);

int gd_auth_login(gd_vault *v, char out[GD_TOKEN_SIZE], const char *tenant, const char *name,
                  const char *password, const char *totp)
{
	return login(v, out, tenant, name, password, totp, false);
}

int gd_auth_login_2fa(gd_vault *v, char out[GD_TOKEN_SIZE], const char *tenant, const char *name,
                      const char *password, const char *totp)
{
	return login(v, out, tenant, name, password, totp, true);
}

static int login(gd_vault *v, char out[GD_TOKEN_SIZE], const char *tenant, const char *name,
                 const char *password, const char *totp, bool need_totp)
{
	int64_t tid = 0, pid = 0;
	char hash[GD__PWHASH_SIZE] = "", label[GD_NAME_MAX + 1];
	unsigned char sealed[TOTP_RAW + GD__SEAL_OVERHEAD];
	size_t sealed_n = 0;
	int kind = -1, failures = 0, disabled = 0, mfa = 0;
	int64_t totp_last = 0, totp_step = 0;
	gd_time locked_until = 0, now = gd_vault_now(v);
	gd__stmt *st;
	gd_auth_settings cfg;
	int rc;

	if ((rc = gd__auth_check_name(name)) < 0)
		return rc;
	if (!password || strlen(password) > GD_PASSWORD_MAX)
		return gd__err(GD_EINVAL, "password is missing or longer than %d bytes", GD_PASSWORD_MAX);
	pthread_once(&dummy_once, make_dummy);
	if (tenant && (rc = gd__auth_tenant_id(v, &tid, tenant)) < 0) {
		if (rc != GD_ENOTFOUND)
			return rc;
		/* As costly and as audited as any other failure: the answer says nothing. */
		gd__pwhash_verify(dummy_hash, password, strlen(password));
		if ((rc = gd__op_begin(v)) == 0)
			rc = gd__op_end(v, gd__audit_append(v, 0, "auth:unknown",
			                                    &(struct gd__audit_event){.action = "auth.login",
			                                                              .outcome = GD__DENIED,
			                                                              .reason = "unknown tenant"}));
		return rc < 0 ? rc : gd__err(GD_EDENIED, "%s", bad_login);
	}
	if ((rc = gd_auth_settings_get(v, &cfg)) < 0)
		return rc;
	rc = gd__db_query(v->store, &st,
	                  "SELECT p.id, p.kind, p.pwhash, p.totp, p.failures, p.locked_until, p.disabled,"
	                  " coalesce(r.mfa, 0), p.totp_step FROM auth_principals p LEFT JOIN auth_roles r ON r.id = p.role_id AND r.tenant_id = p.tenant_id"
	                  " WHERE p.tenant_id = ? AND p.name = ?",
	                  "it", tid, name);
	if (rc < 0)
		return rc;
	if ((rc = gd__db_step(v->store, st)) == 1) {
		pid = gd__col_int(v->store, st, 0);
		kind = (int)gd__col_int(v->store, st, 1);
		const char *h = gd__col_text(v->store, st, 2);
		snprintf(hash, sizeof hash, "%s", h ? h : "");
		if (!gd__col_null(v->store, st, 3)) {
			const void *b = gd__col_blob(v->store, st, 3, &sealed_n);
			if (sealed_n == sizeof sealed)
				memcpy(sealed, b, sealed_n);
		}
		failures = (int)gd__col_int(v->store, st, 4);
		locked_until = gd__col_int(v->store, st, 5);
		disabled = (int)gd__col_int(v->store, st, 6);
		mfa = (int)gd__col_int(v->store, st, 7);
		totp_last = gd__col_int(v->store, st, 8);
		rc = 0;
	}
	gd__db_reset(v->store, st);
	if (rc < 0)
		return rc;
	snprintf(label, sizeof label, "%s:%.64s", kind == GD_PRINCIPAL_SUPPORT ? "support" : "user", name);

	bool person = kind == GD_PRINCIPAL_PERSON || kind == GD_PRINCIPAL_SUPPORT;
	const char *why = NULL;
	/* A lock refuses everything but a proven second factor: so nobody locks
	 * a person with TOTP out by failing on purpose, and a locked answer
	 * looks exactly like wrong credentials (no way to tell a name exists). */
	bool locked = pid && locked_until > now, totp_ok = false;
	/* Always one Argon2id verification, whether or not the name exists. */
	bool pw_ok = gd__pwhash_verify(person && hash[0] ? hash : dummy_hash, password,
	                               strlen(password)) == 0;
	if (!pid)
		why = "unknown principal";
	else if (!person || !hash[0])
		why = "not a person with a password";
	else if (disabled)
		why = "principal disabled";
	else if (!pw_ok)
		why = "wrong password";
	else if (sealed_n == sizeof sealed) {
		int t = totp_check(v, sealed, sealed_n, totp, totp_last, &totp_step);
		if (t == GD_ECORRUPT || t == GD_ENOMEM)
			return t;
		if (t < 0)
			why = "wrong or missing second factor";
		else
			totp_ok = true;
	} else if (mfa) {
		why = "role requires a second factor and none is enrolled";
	}
	if (!why && (locked || need_totp) && !totp_ok)
		why = locked ? "locked out after failed logins" : "second factor required after failed logins";

	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	if (!why) {
		rc = gd__db_exec(v->store, "UPDATE auth_principals SET failures = 0, totp_step = ? WHERE tenant_id = ? AND id = ?",
		                 "iii", totp_step > totp_last ? totp_step : totp_last, tid, pid);
		if (rc == 0)
			rc = gd__auth_token_insert(v, out, NULL, tid, pid, true, now + cfg.absolute);
		if (rc == 0)
			rc = gd__audit_append(v, tid, label, &(struct gd__audit_event){.action = "auth.login"});
		return gd__op_end(v, rc);
	}
	if (pid) {
		failures++;
		bool lock = failures >= cfg.max_failures;
		rc = gd__db_exec(v->store, "UPDATE auth_principals SET failures = ?, locked_until = ? WHERE tenant_id = ? AND id = ?",
		                 "iiii", (int64_t)failures, (int64_t)(lock ? now + lock_delay(&cfg, failures) : 0),
		                 tid, pid);
		if (rc == 0 && failures == cfg.max_failures)
			rc = gd__audit_append(v, tid, label,
			                      &(struct gd__audit_event){.action = "auth.lockout", .outcome = GD__DENIED, .reason = "too many failed logins"});
	}
	if (rc == 0)
		rc = gd__audit_append(v, tid, pid ? label : "auth:unknown",
		                      &(struct gd__audit_event){.action = "auth.login", .outcome = GD__DENIED, .reason = why});
	rc = gd__op_end(v, rc);
	if (rc < 0)
		return rc;
	return gd__err(GD_EDENIED, "%s", bad_login);
}

int gd_auth_logout(gd_vault *v, const char *token)
{
	unsigned char hash[GD__HASH_SIZE];
	int rc = gd__auth_check_token(token);
	if (rc < 0)
		return rc;
	gd__auth_token_hash(hash, token);
	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	int64_t tid = 0;
	char label[GD_NAME_MAX + 1] = "";
	gd__stmt *st;
	rc = gd__db_query(v->store, &st,
	                  "SELECT t.tenant_id, p.kind, p.name FROM auth_tokens t JOIN auth_principals p"
	                  " ON p.id = t.principal_id AND p.tenant_id = t.tenant_id WHERE t.hash = ? AND t.revoked = 0",
	                  "b", hash, sizeof hash);
	if (rc == 0 && (rc = gd__db_step(v->store, st)) == 1) {
		tid = gd__col_int(v->store, st, 0);
		int kind = (int)gd__col_int(v->store, st, 1);
		snprintf(label, sizeof label, "%s:%.64s",
		         kind == 1 ? "svc" : kind == 2 ? "support"
		                                       : "user",
		         gd__col_text(v->store, st, 2));
		rc = 0;
	} else if (rc == 0) {
		rc = gd__err(GD_EDENIED, "the token is unknown or already revoked");
	}
	if (st)
		gd__db_reset(v->store, st);
	if (rc == 0)
		rc = gd__db_exec(v->store, "UPDATE auth_tokens SET revoked = 1 WHERE tenant_id = ? AND hash = ?", "ib", tid,
		                 hash, sizeof hash);
	if (rc == 0)
		rc = gd__audit_append(v, tid, label, &(struct gd__audit_event){.action = "auth.logout"});
	return gd__op_end(v, rc);
}
