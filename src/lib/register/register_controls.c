/*
 * register_controls.c — a register's security promises (format 2
 * `controls`) against the installation that is to keep them
 * (gd_register_check_controls, `gardien register check FILE --controls`).
 *
 * What gardien can see is checked: the vault's login lockout and session
 * timeouts (gd_auth_settings) and the second factor of each role named (the
 * actor's tenant). What it cannot see (separated environments, support
 * access practice) is reported as stated, never as kept. Encryption at rest
 * and pseudonymous subject ids are what gardien always does.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "gardien/auth.h"
#include "gardien/retention.h"
#include "lib/internal.h"
#include "lib/register/register.h"

struct ctx {
	const char *file;
	gd_register_report_cb cb;
	void *ud;
	size_t broken;
	const char *role; /* the role looked for */
	bool found, mfa;
};

static void finding(struct ctx *c, enum gd_register_severity sev, const char *fmt, ...) GD__PRINTF(3, 4);
static void finding(struct ctx *c, enum gd_register_severity sev, const char *fmt, ...)
{
	char msg[420];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (sev == GD_REGISTER_ERROR)
		c->broken++;
	if (c->cb)
		c->cb(c->ud, &(gd_register_diag){.severity = sev, .file = c->file, .message = msg});
}

static int find_role(void *ud, const gd_role_info *r)
{
	struct ctx *c = ud;
	if (strcmp(r->name, c->role) == 0)
		c->found = true, c->mfa = r->mfa;
	return 0;
}

int gd_register_check_controls(gd_actor *a, const char *path, gd_register_report_cb cb, void *ud,
                               size_t *out_broken)
{
	char *text = NULL;
	size_t len = 0;
	struct gd__register *r = NULL;
	struct ctx c = {.file = path, .cb = cb, .ud = ud};
	gd_auth_settings s;
	int rc;

	if (out_broken)
		*out_broken = 0;
	if ((rc = gd__register_read_file(path, &text, &len)) < 0)
		goto done;
	if ((rc = gd__register_parse(&r, path, text, len, NULL, NULL, NULL, NULL)) < 0)
		goto done;
	if (!r->controls.present) {
		finding(&c, GD_REGISTER_WARNING, "no \"controls\": the register states no security promise gardien can check (format 2)");
		goto done;
	}
	if ((rc = gd_auth_settings_get(a->v, &s)) < 0)
		goto done;
	__typeof__(r->controls) *k = &r->controls;
	if (k->lockout_after > 0 && s.max_failures > k->lockout_after)
		finding(&c, GD_REGISTER_ERROR, "controls: the register promises a lockout after %d failed logins; the vault locks after %d: run 'gardien user settings --max-failures %d' or change the promise",
		        k->lockout_after, s.max_failures, k->lockout_after);
	if (k->lockout_minutes > 0 && s.lockout < (gd_time)k->lockout_minutes * 60)
		finding(&c, GD_REGISTER_ERROR, "controls: the register promises a lockout of %d minutes; the vault's lasts %lld: run 'gardien user settings --lockout %d' or change the promise",
		        k->lockout_minutes, (long long)(s.lockout / 60), k->lockout_minutes * 60);
	if (k->idle_minutes > 0 && s.idle > (gd_time)k->idle_minutes * 60)
		finding(&c, GD_REGISTER_ERROR, "controls: the register promises sessions end after %d idle minutes; the vault's end after %lld: run 'gardien user settings --idle %d' or change the promise",
		        k->idle_minutes, (long long)(s.idle / 60), k->idle_minutes * 60);
	if (k->session_hours > 0 && s.absolute > (gd_time)k->session_hours * 3600)
		finding(&c, GD_REGISTER_ERROR, "controls: the register promises sessions last at most %d hours; the vault's last %lld: run 'gardien user settings --absolute %d' or change the promise",
		        k->session_hours, (long long)(s.absolute / 3600), k->session_hours * 3600);
	for (size_t i = 0; i < k->mfa_roles.n; i++) {
		c.role = k->mfa_roles.v[i], c.found = c.mfa = false;
		if ((rc = gd_role_list(a, find_role, &c)) < 0)
			goto done;
		if (!c.found)
			finding(&c, GD_REGISTER_ERROR, "controls: the register promises a second factor for role \"%s\", which tenant %s does not have: create it with 'gardien role set %s … --mfa'",
			        c.role, a->tenant, c.role);
		else if (!c.mfa)
			finding(&c, GD_REGISTER_ERROR, "controls: the register promises a second factor for role \"%s\"; its people log in without one: run 'gardien role set %s … --mfa'",
			        c.role, c.role);
	}
	if (k->encryption == 0 || k->pseudonymisation == 0)
		finding(&c, GD_REGISTER_WARNING, "controls: the register says data is not %s; gardien always does it: the register undersells the installation",
		        k->encryption == 0 ? "encrypted" : "pseudonymised");
	if (k->separated_environments == 1)
		finding(&c, GD_REGISTER_WARNING, "controls: separated production and test environments cannot be checked from the vault: stated, not verified");
	if (k->support_access)
		finding(&c, GD_REGISTER_WARNING, "controls: support access \"%s\" is a practice gardien does not see: stated, not verified",
		        k->support_access);
	rc = 0;
done:
	if (out_broken)
		*out_broken = c.broken;
	gd__register_free(r);
	gd__free(text);
	return rc;
}

/* ---- backups as promised against the installation's rotation ---- */

static void compare_one(struct ctx *c, const char *who, const struct gd__backup_promise *p,
                        const gd_backup_policy *in)
{
	static const char *const kind[] = {"daily", "weekly", "monthly"};
	static const char *const unit[] = {"days", "weeks", "months"};
	static const char *const flag[] = {"--daily", "--weekly", "--monthly"};
	const int promised[] = {p->daily_days, p->weekly_weeks, p->monthly_months};
	const int kept[] = {in->daily_days, in->weekly_weeks, in->monthly_months};
	for (int i = 0; i < 3; i++) {
		if (promised[i] < 0 || promised[i] == kept[i])
			continue;
		c->broken++;
		char msg[420];
		snprintf(msg, sizeof msg,
		         "%s promises %s copies kept %d %s; the installation's rotation keeps them %d %s: %s (GARDIEN_BACKUP_ROTATION or backup %s %d) or correct the register",
		         who, kind[i], promised[i], unit[i], kept[i], unit[i],
		         kept[i] > promised[i] ? "copies outlive what the notice says" : "copies go sooner than the notice says",
		         flag[i], promised[i]);
		if (c->cb)
			c->cb(c->ud, &(gd_register_diag){.severity = GD_REGISTER_WARNING, .file = c->file, .line = p->line, .message = msg});
	}
	if (p->country && c->cb) {
		char msg[200];
		snprintf(msg, sizeof msg, "%s says backups are stored in %s: where the backup directory is cannot be seen from the vault: stated, not verified",
		         who, p->country);
		c->cb(c->ud, &(gd_register_diag){.severity = GD_REGISTER_WARNING, .file = c->file, .line = p->line, .message = msg});
	}
}

int gd_register_check_backups(gd_actor *a, const char *path, const gd_backup_policy *installed,
                              gd_register_report_cb cb, void *ud, size_t *out_disagreements)
{
	char *text = NULL;
	size_t len = 0;
	struct gd__register *owned = NULL;
	const struct gd__register *r = NULL;
	struct ctx c = {.file = path, .cb = cb, .ud = ud};
	int rc;

	if (out_disagreements)
		*out_disagreements = 0;
	if (!installed || installed->version != GD_BACKUP_POLICY_VERSION)
		return gd__err(GD_EINVAL, "gd_backup_policy is missing or of an unsupported version");
	if (path) {
		if ((rc = gd__register_read_file(path, &text, &len)) < 0 ||
		    (rc = gd__register_parse(&owned, path, text, len, NULL, NULL, NULL, NULL)) < 0)
			goto done;
		r = owned;
	} else {
		if ((rc = gd__register_current(a, &r)) < 0 || !r)
			goto done;
		c.file = r->file;
	}
	if (r->backups.present)
		compare_one(&c, "the register", &r->backups, installed);
	for (size_t i = 0; i < r->nactivities; i++) {
		if (!r->activities[i].backups.present)
			continue;
		char who[GD_NAME_MAX + 16];
		snprintf(who, sizeof who, "activity \"%s\"", r->activities[i].id);
		compare_one(&c, who, &r->activities[i].backups, installed);
	}
	rc = 0;
done:
	if (out_disagreements)
		*out_disagreements = c.broken;
	gd__register_free(owned);
	gd__free(text);
	return rc;
}
