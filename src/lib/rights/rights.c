/*
 * rights.c — what the rights modules share: access to the register, period
 * arithmetic, the read check for consent (Art. 6(1)(a), 7(3)), and the
 * erasure hook. Restriction and objection are limits.c.
 *
 * Invariants: a check refuses only with GD_EDENIED and a reason naming the
 * record, the purpose and the way out; a check never writes (the refusal is
 * audited by the caller).
 */
#include <stdio.h>
#include <string.h>

#include "lib/rights/rights.h"
#include "util/utf8.h"

static _Thread_local const struct gd__register *override_reg;
static _Thread_local bool overridden;

void gd__rights_use_register(const struct gd__register *r)
{
	override_reg = r;
	overridden = r != NULL;
}

int gd__rights_register(gd_actor *a, const struct gd__register **out)
{
	*out = NULL;
	if (overridden) {
		*out = override_reg;
		return 0;
	}
	return gd__register_current(a, out);
}

const struct gd__activity *gd__rights_activity(const struct gd__register *r, const char *id)
{
	return r && id ? gd__register_activity(r, id) : NULL;
}

const struct gd__right *gd__rights_right(const struct gd__register *r, const char *kind)
{
	return r && kind ? gd__register_right(r, kind) : NULL;
}

gd_time gd__period_add(gd_time t, struct gd__period p)
{
	return gd_time_add_months(t, p.years * 12 + p.months) + (gd_time)p.days * 86400;
}

bool gd__period_zero(struct gd__period p)
{
	return p.years == 0 && p.months == 0 && p.days == 0;
}

/*
 * As the retention module chooses (retention.c, rules_of): a rule naming the
 * category (or one above it) first, otherwise a rule for every category.
 */
const struct gd__retention *gd__retention_of(const struct gd__activity *act, const char *category)
{
	for (size_t i = 0; act && i < act->nretention; i++)
		if (act->retention[i].categories.n && gd__category_covered(&act->retention[i].categories, category))
			return &act->retention[i];
	for (size_t i = 0; act && i < act->nretention; i++)
		if (!act->retention[i].categories.n)
			return &act->retention[i];
	return NULL;
}

gd_time gd__retention_end(const struct gd__retention *ret, gd_time collected)
{
	if (!ret || !ret->nstages)
		return 0;
	const struct gd__stage *last = &ret->stages[ret->nstages - 1];
	if (!last->from || strcmp(last->from, "collection") != 0)
		return 0;
	/* Kept to the end of the period's last day; the sweep removes it at the next midnight. */
	return gd_time_end_of_day(gd__period_add(collected, last->after));
}

int gd__check_text(const char *s, const char *what)
{
	if (!s || !*s)
		return gd__err(GD_EINVAL, "%s is missing", what);
	size_t n = strlen(s);
	if (n > GD_REASON_MAX)
		return gd__err(GD_ETOOBIG, "%s is longer than %d bytes: shorten it", what, GD_REASON_MAX);
	if (!gd__utf8_valid(s, n))
		return gd__err(GD_EINVAL, "%s is not valid UTF-8 text", what);
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
			return gd__err(GD_EINVAL, "%s has a control character", what);
	return 0;
}

/* Is there a limit of `kind` on the subject (for `activity`, "" for any)? */
int gd__consent_read_check(gd_actor *a, const struct gd__record_meta *m, const char *purpose)
{
	const struct gd__register *reg;
	int rc = gd__rights_register(a, &reg);
	if (rc < 0)
		return rc;
	const struct gd__activity *act = gd__rights_activity(reg, purpose);
	if (!act || (act->basis != GD__BASIS_CONSENT && !act->on_request))
		return 0;
	enum gd_consent_state state;
	gd_time exp;
	if ((rc = gd__consent_state(a, &state, &exp, m->subject_id, purpose)) < 0)
		return rc;
	if (state == GD_CONSENT_LIVE)
		return 0;
	/* on_request: the subject's express request is in the ledger, like a consent. */
	if (act->basis != GD__BASIS_CONSENT)
		return gd__err(GD_EDENIED,
		               "record %lld: activity \"%s\" reads only at the subject's express request and none is live; record it first (gardien consent give SUBJECT %s --channel … --text …), withdraw it when the request is closed",
		               (long long)m->id, purpose, purpose);
	if (state == GD_CONSENT_STATE_EXPIRED) {
		char d[32];
		gd_date_format(d, exp);
		return gd__err(GD_EDENIED,
		               "record %lld: activity \"%s\" rests on consent and the subject's consent expired on %s; ask the subject to renew it",
		               (long long)m->id, purpose, d);
	}
	return gd__err(GD_EDENIED,
	               "record %lld: activity \"%s\" rests on consent and the subject's consent is %s; read it only after the subject gives consent",
	               (long long)m->id, purpose,
	               state == GD_CONSENT_STATE_WITHDRAWN ? "withdrawn" : "not recorded");
}

int gd__rights_erase_hook(gd_actor *a, const struct gd__subject *s)
{
	int rc = gd__db_exec(a->v->store, "DELETE FROM consents WHERE subject_id = ?", "i", s->id);
	if (rc == 0)
		rc = gd__db_exec(a->v->store, "DELETE FROM subject_limits WHERE tenant_id = ? AND subject_id = ?", "ii",
		                 a->tenant_id, s->id);
	/* A post-mortem directive (directive.c) goes with its subject, sealed or not. */
	if (rc == 0)
		rc = gd__db_exec(a->v->store, "DELETE FROM directives WHERE tenant_id = ? AND subject_id = ?", "ii",
		                 a->tenant_id, s->id);
	/* Requests and outbox notices name the pseudonym only: they stay as proof. */
	return rc;
}
