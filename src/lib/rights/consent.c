/*
 * consent.c — the consent ledger (GDPR Art. 7): an append-only list of events
 * per subject and activity — given, renewed, withdrawn — each with its
 * evidence (hash and version of the wording shown, time, channel, source, who
 * recorded it). The latest event is the state; expiry is derived from
 * expires_at and the vault clock, so that no sweep is needed for a consent to
 * stop counting. Only the hash of the wording is kept: the wording itself is
 * the register's.
 */
#include <stdio.h>
#include <string.h>

#include "lib/retention/retention.h"
#include "lib/rights/rights.h"

static int check_source(const char *s, const char *what)
{
	return s ? gd__check_name(s, what) : 0;
}

int gd__consent_state(gd_actor *a, enum gd_consent_state *out, gd_time *exp, int64_t subject_id,
                      const char *activity)
{
	gd__store *db = a->v->store;
	gd__stmt *st = NULL;
	*out = GD_CONSENT_NONE;
	*exp = 0;
	int rc = gd__db_query(db, &st,
	                      "SELECT event, expires_at FROM consents WHERE subject_id = ? AND activity = ?"
	                      " ORDER BY id DESC LIMIT 1",
	                      "it", subject_id, activity);
	if (rc < 0)
		return rc;
	rc = gd__db_step(db, st);
	if (rc == 1) {
		int64_t ev = gd__col_int(db, st, 0);
		*exp = gd__col_int(db, st, 1);
		if (ev == GD_CONSENT_WITHDRAWN)
			*out = GD_CONSENT_STATE_WITHDRAWN;
		else if (*exp && gd_vault_now(a->v) >= *exp)
			*out = GD_CONSENT_STATE_EXPIRED;
		else
			*out = GD_CONSENT_LIVE;
		rc = 0;
	}
	if (st)
		gd__db_reset(db, st);
	return rc;
}

int gd_consent_give(gd_actor *a, const char *subject, const char *activity,
                    const gd_consent_evidence *ev)
{
	struct gd__subject s = {0};
	const struct gd__register *reg;
	gd_vault *v = a->v;
	int rc;

	if (!ev || ev->version != GD_CONSENT_EVIDENCE_VERSION)
		return gd__err(GD_EINVAL, "gd_consent_evidence is missing or of an unsupported version");
	if ((rc = gd__check_name(activity, "activity")) < 0 ||
	    (rc = gd__check_name(ev->channel, "consent channel")) < 0 ||
	    (rc = check_source(ev->source, "consent source")) < 0 ||
	    (ev->text_version && (rc = gd__check_name(ev->text_version, "consent wording version")) < 0))
		return rc;
	if ((rc = gd__rights_register(a, &reg)) < 0)
		return rc;
	const struct gd__activity *act = gd__rights_activity(reg, activity);
	if (reg && !act)
		return gd__err(GD_ENOTFOUND, "the register of tenant %s has no activity \"%s\"", a->tenant,
		               activity);
	const char *text = ev->text ? ev->text : act ? act->consent_text
	                                             : NULL;
	const char *version = ev->text_version ? ev->text_version : act ? act->consent_version
	                                                                : NULL;
	if (!text || !*text)
		return gd__err(GD_EINVAL,
		               "no consent wording for activity \"%s\": pass the text shown to the subject, or give the activity a consent_text in the register",
		               activity);
	if (strlen(text) > GD_VALUE_MAX)
		return gd__err(GD_ETOOBIG, "consent wording is over %u bytes", GD_VALUE_MAX);
	unsigned char hash[GD__HASH_SIZE];
	gd__hash_state hs;
	gd__hash_init(&hs);
	gd__hash_update(&hs, text, strlen(text));
	gd__hash_final(&hs, hash);
	gd_time now = gd_vault_now(v), at = ev->at ? ev->at : now;
	if (at > now)
		return gd__err(GD_EINVAL, "consent time is in the future: record it when it is given");
	gd_time expires = act && !gd__period_zero(act->consent_validity)
	                          ? gd__period_add(at, act->consent_validity)
	                          : 0;

	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	if ((rc = gd__subject_load(a, &s, subject, false)) < 0)
		goto done;
	enum gd_consent_state state;
	gd_time exp;
	if ((rc = gd__consent_state(a, &state, &exp, s.id, activity)) < 0)
		goto done;
	int64_t event = state == GD_CONSENT_LIVE || state == GD_CONSENT_STATE_EXPIRED
	                        ? GD_CONSENT_RENEWED
	                        : GD_CONSENT_GIVEN;
	rc = gd__db_exec(v->store,
	                 "INSERT INTO consents (tenant_id, subject_id, activity, event, at, expires_at,"
	                 " text_hash, text_version, channel, source, principal)"
	                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                 "iitiiibtttt", a->tenant_id, s.id, activity, event, (int64_t)at,
	                 (int64_t)expires, hash, sizeof hash, version, ev->channel,
	                 ev->source ? ev->source : "subject", a->principal);
	/* A retention exception may last as long as this consent (unless_consent): reschedule. */
	if (rc == 0)
		rc = gd__retention_invalidate_subject(v, a->tenant_id, s.id);
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){
						.action = event == GD_CONSENT_RENEWED ? "consent.renew" : "consent.give",
						.purpose = activity,
						.subject = subject});
done:
	return gd__op_end(v, rc);
}

int gd_consent_withdraw(gd_actor *a, const char *subject, const char *activity, const char *channel)
{
	struct gd__subject s = {0};
	gd_vault *v = a->v;
	int rc;

	if ((rc = gd__check_name(activity, "activity")) < 0 ||
	    (rc = gd__check_name(channel, "withdrawal channel")) < 0)
		return rc;
	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	if ((rc = gd__subject_load(a, &s, subject, false)) < 0)
		goto done;
	enum gd_consent_state state;
	gd_time exp;
	if ((rc = gd__consent_state(a, &state, &exp, s.id, activity)) < 0)
		goto done;
	if (state == GD_CONSENT_STATE_WITHDRAWN) {
		int64_t at = 0;
		char d[32];
		if ((rc = gd__db_int(v->store, &at,
		                     "SELECT at FROM consents WHERE subject_id = ? AND activity = ? ORDER BY id DESC LIMIT 1",
		                     "it", s.id, activity)) < 0)
			goto done;
		gd_time_format(d, at);
		rc = gd__err(GD_ESTATE, "subject %s already withdrew consent to \"%s\" (%s): nothing more to withdraw",
		             subject, activity, d);
		goto done;
	}
	if (state == GD_CONSENT_NONE) {
		rc = gd__err(GD_ESTATE, "subject %s never gave consent to \"%s\": there is none to withdraw", subject, activity);
		goto done;
	}
	rc = gd__db_exec(v->store,
	                 "INSERT INTO consents (tenant_id, subject_id, activity, event, at, channel, source,"
	                 " principal) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	                 "iitiittt", a->tenant_id, s.id, activity, (int64_t)GD_CONSENT_WITHDRAWN,
	                 (int64_t)gd_vault_now(v), channel, "subject", a->principal);
	if (rc == 0)
		rc = gd__retention_invalidate_subject(v, a->tenant_id, s.id);
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){
						.action = "consent.withdraw", .purpose = activity, .subject = subject});
done:
	return gd__op_end(v, rc);
}

int gd_consent_status(gd_actor *a, enum gd_consent_state *out, gd_time *out_expires,
                      const char *subject, const char *activity)
{
	struct gd__subject s = {0};
	gd_time exp = 0;
	int rc;
	*out = GD_CONSENT_NONE;
	if ((rc = gd__check_name(activity, "activity")) < 0)
		return rc;
	if ((rc = gd__subject_load(a, &s, subject, false)) < 0)
		return rc;
	rc = gd__consent_state(a, out, &exp, s.id, activity);
	if (out_expires)
		*out_expires = exp;
	return rc;
}

static int emit(gd_consent_cb cb, void *ud, gd__store *db, gd__stmt *st, const char *subject)
{
	gd_consent c = {
		.id = gd__col_int(db, st, 0), .subject = subject, .activity = gd__col_text(db, st, 1), .event = (enum gd_consent_event)gd__col_int(db, st, 2), .at = gd__col_int(db, st, 3), .expires_at = gd__col_int(db, st, 4), .text_hash = "", .text_version = gd__col_null(db, st, 6) ? "" : gd__col_text(db, st, 6), .channel = gd__col_text(db, st, 7), .source = gd__col_text(db, st, 8), .principal = gd__col_text(db, st, 9)};
	char hex[2 * GD__HASH_SIZE + 1] = "";
	size_t n = 0;
	const void *h = gd__col_blob(db, st, 5, &n);
	if (h && n == GD__HASH_SIZE) {
		gd__hex(hex, h, n);
		c.text_hash = hex;
	}
	return cb(ud, &c);
}

/* A derived expiry between a live consent and what followed it (or now). */
static int emit_expiry(gd_consent_cb cb, void *ud, const char *subject, const char *activity,
                       gd_time expires)
{
	gd_consent c = {.subject = subject, .activity = activity, .event = GD_CONSENT_EXPIRED, .at = expires, .expires_at = expires, .text_hash = "", .text_version = "", .channel = "clock", .source = "register", .principal = "gardien"};
	return cb(ud, &c);
}

int gd__consent_history(gd_actor *a, int64_t subject_id, const char *subject, gd_consent_cb cb, void *ud)
{
	gd__store *db = a->v->store;
	gd__stmt *st = NULL;
	gd_time now = gd_vault_now(a->v), pending = 0; /* expiry of the previous live consent */
	char prev_activity[GD_NAME_MAX + 1] = "";
	int rc = gd__db_query(db, &st,
	                      "SELECT id, activity, event, at, expires_at, text_hash, text_version, channel,"
	                      " source, principal FROM consents WHERE subject_id = ? ORDER BY activity, id",
	                      "i", subject_id);
	while (rc == 0 && (rc = gd__db_step(db, st)) == 1) {
		const char *act = gd__col_text(db, st, 1);
		gd_time at = gd__col_int(db, st, 3);
		bool same = strcmp(act, prev_activity) == 0;
		rc = 0;
		/* A lapse is reported once it happened: before what followed it, or
		 * before now when the activity's events end here; a future expiry
		 * stays on the consent's own line ("expires"). */
		if (pending && (same ? pending <= at : pending <= now))
			rc = emit_expiry(cb, ud, subject, prev_activity, pending);
		pending = 0;
		if (rc == 0)
			rc = emit(cb, ud, db, st, subject);
		int64_t ev = gd__col_int(db, st, 2);
		if (ev != GD_CONSENT_WITHDRAWN)
			pending = gd__col_int(db, st, 4);
		snprintf(prev_activity, sizeof prev_activity, "%s", act);
	}
	if (rc == 0 && pending && pending <= now)
		rc = emit_expiry(cb, ud, subject, prev_activity, pending);
	if (st)
		gd__db_reset(db, st);
	return rc;
}

/* The caller's callback, and what it last answered. */
struct given {
	gd_consent_cb cb;
	void *ud;
	int rc;
};

static int give(void *ud, const gd_consent *c)
{
	struct given *g = ud;
	return g->rc = g->cb(g->ud, c);
}

int gd_consent_history(gd_actor *a, const char *subject, gd_consent_cb cb, void *ud)
{
	struct gd__subject s = {0};
	struct given g = {cb, ud, 0};
	int rc;
	if ((rc = gd__op_begin_read(a->v)) < 0)
		return rc;
	if ((rc = gd__subject_load(a, &s, subject, false)) < 0)
		goto done;
	rc = gd__consent_history(a, s.id, s.pseudonym, give, &g);
	if (rc != 0 && rc == g.rc) /* the callback stopped it: what it was given was read */
		rc = 0;
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "consent.history", .subject = subject, .outcome = g.rc < 0 ? GD__FAILED : GD__OK});
done:
	return gd__op_end_given(a->v, rc, g.rc);
}

int gd_consent_members(gd_actor *a, const char *activity, int (*cb)(void *ud, const char *subject),
                       void *ud)
{
	gd__store *db = a->v->store;
	gd__stmt *st = NULL;
	gd_time now = gd_vault_now(a->v);
	int rc, given = 0;

	if ((rc = gd__check_name(activity, "activity")) < 0)
		return rc;
	if ((rc = gd__op_begin_read(a->v)) < 0)
		return rc;
	/* The latest event of each subject for the activity, live, and no objection to it. */
	rc = gd__db_query(db, &st,
	                  "SELECT s.pseudonym FROM consents c JOIN subjects s ON s.id = c.subject_id AND s.tenant_id = c.tenant_id"
	                  " WHERE c.tenant_id = ? AND c.activity = ? AND c.event <> ?"
	                  " AND (c.expires_at = 0 OR c.expires_at > ?)"
	                  " AND c.id = (SELECT max(c2.id) FROM consents c2"
	                  "             WHERE c2.subject_id = c.subject_id AND c2.activity = c.activity)"
	                  " AND NOT EXISTS (SELECT 1 FROM subject_limits l WHERE l.subject_id = c.subject_id"
	                  "                 AND l.tenant_id = c.tenant_id"
	                  "                 AND l.kind = ? AND l.activity = c.activity)"
	                  " ORDER BY c.subject_id",
	                  "itiii", a->tenant_id, activity, (int64_t)GD_CONSENT_WITHDRAWN, (int64_t)now,
	                  (int64_t)GD__LIMIT_OBJECTION);
	while (rc == 0 && (rc = gd__db_step(db, st)) == 1) {
		rc = 0;
		if ((given = cb(ud, gd__col_text(db, st, 0))) != 0)
			break;
	}
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "consent.members", .purpose = activity, .outcome = given < 0 ? GD__FAILED : GD__OK});
	if (st)
		gd__db_reset(db, st);
	return gd__op_end_given(a->v, rc, given);
}

/*
 * Consents of the tenant still live now that expire at `until` or before: the
 * latest event of each subject and activity, not a withdrawal, with an expiry
 * in (now, until]. Soonest first. Audited once ("consent.expiring").
 */
int gd_consent_expiring(gd_actor *a, gd_time until,
                        int (*cb)(void *ud, const char *subject, const char *activity, gd_time expires_at),
                        void *ud)
{
	gd__store *db = a->v->store;
	gd__stmt *st = NULL;
	gd_time now = gd_vault_now(a->v);
	int rc;

	if (until <= now)
		return gd__err(GD_EINVAL, "the horizon of expiring consents must be after now");
	if ((rc = gd__op_begin(a->v)) < 0)
		return rc;
	rc = gd__db_query(db, &st,
	                  "SELECT s.pseudonym, c.activity, c.expires_at FROM consents c"
	                  " JOIN subjects s ON s.id = c.subject_id AND s.tenant_id = c.tenant_id"
	                  " WHERE c.tenant_id = ? AND c.event <> ? AND c.expires_at > ? AND c.expires_at <= ?"
	                  " AND c.id = (SELECT max(c2.id) FROM consents c2"
	                  "             WHERE c2.subject_id = c.subject_id AND c2.activity = c.activity)"
	                  " ORDER BY c.expires_at, c.id",
	                  "iiii", a->tenant_id, (int64_t)GD_CONSENT_WITHDRAWN, (int64_t)now, (int64_t)until);
	while (rc == 0 && (rc = gd__db_step(db, st)) == 1)
		rc = cb(ud, gd__col_text(db, st, 0), gd__col_text(db, st, 1), gd__col_int(db, st, 2));
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "consent.expiring"});
	if (st)
		gd__db_reset(db, st);
	return gd__op_end(a->v, rc);
}
