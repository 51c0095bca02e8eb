/*
 * limits.c — restriction (Art. 18) and objection (Art. 21) of a subject's
 * processing: the subject_limits table, written when a request completes
 * (request_complete.c), read on every record read (the policy check), lifted
 * by gd_subject_unrestrict.
 *
 * Invariants: restricted data is read only for legal claims, the subject's
 * own requests, or with the subject's consent; an objection stops reads for
 * the activity objected to. The check costs one query per transaction while
 * no subject has a limit (v->limits).
 */
#include <stdio.h>
#include <string.h>

#include "lib/rights/rights.h"

int gd__limits_add(gd_actor *a, int64_t subject_id, int kind, const char *activity, int64_t request)
{
	a->v->limits.gen = 0;
	return gd__db_exec(a->v->store,
	                   "INSERT INTO subject_limits (tenant_id, subject_id, kind, activity, since,"
	                   " request_id) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (subject_id, kind, activity) DO NOTHING",
	                   "iiitii", a->tenant_id, subject_id, (int64_t)kind, activity,
	                   (int64_t)gd_vault_now(a->v), request);
}

/* Art. 18: restricted data is read only for legal claims or with consent. */
static int restriction_allows(gd_actor *a, const struct gd__record_meta *m, const char *purpose)
{
	const struct gd__register *reg;
	int rc;
	if ((rc = gd__rights_register(a, &reg)) < 0)
		return rc;
	const struct gd__activity *act = gd__rights_activity(reg, purpose);
	if (act && act->legal_claims)
		return 0;
	enum gd_consent_state state;
	gd_time exp;
	if ((rc = gd__consent_state(a, &state, &exp, m->subject_id, purpose)) < 0)
		return rc;
	if (state == GD_CONSENT_LIVE)
		return 0;
	return gd__err(GD_EDENIED,
	               "record %lld: the subject's processing is restricted (Art. 18); it may be read only for legal claims, the subject's own requests, or with the subject's consent to \"%s\"",
	               (long long)m->id, purpose);
}

/*
 * Objection (Art. 21) and restriction (Art. 18) in one look-up, since it runs
 * on every read and most subjects have neither.
 */
int gd__limits_read_check(gd_actor *a, const struct gd__record_meta *m, const char *purpose)
{
	gd__store *db = a->v->store;
	gd__stmt *st;
	bool restricted = false, objected = false;
	int rc;
	/* Reads run inside a write transaction: no one else adds a limit meanwhile. */
	if (a->v->limits.gen != a->v->tx.gen) {
		int64_t any = 1;
		if ((rc = gd__db_int(db, &any, "SELECT EXISTS (SELECT 1 FROM subject_limits)", NULL)) < 0)
			return rc;
		a->v->limits.any = any != 0;
		a->v->limits.gen = a->v->tx.gen;
	}
	if (!a->v->limits.any)
		return 0;
	rc = gd__db_query(db, &st, "SELECT kind, activity FROM subject_limits WHERE tenant_id = ? AND subject_id = ?",
	                  "ii", a->tenant_id, m->subject_id);
	while (rc == 0 && (rc = gd__db_step(db, st)) == 1) {
		int64_t kind = gd__col_int(db, st, 0);
		const char *act = gd__col_text(db, st, 1);
		if (kind == GD__LIMIT_RESTRICTION)
			restricted = true;
		else if (kind == GD__LIMIT_OBJECTION && act && strcmp(act, purpose) == 0)
			objected = true;
		rc = 0;
	}
	gd__db_reset(db, st);
	if (rc < 0)
		return rc;
	if (objected)
		return gd__err(GD_EDENIED,
		               "record %lld: the subject objected to processing for \"%s\" (Art. 21); it may no longer be read for it",
		               (long long)m->id, purpose);
	return restricted ? restriction_allows(a, m, purpose) : 0;
}

/* ---- restriction state -------------------------------------------------------------- */

int gd_subject_restricted(gd_actor *a, bool *out, const char *subject)
{
	struct gd__subject s = {0};
	int64_t n = 0;
	int rc = gd__subject_load(a, &s, subject, false);
	*out = false;
	if (rc == 0)
		rc = gd__db_int(a->v->store, &n,
		                "SELECT count(*) FROM subject_limits WHERE tenant_id = ? AND subject_id = ? AND kind = ?",
		                "iii", a->tenant_id, s.id, (int64_t)GD__LIMIT_RESTRICTION);
	*out = rc == 0 && n > 0;
	return rc;
}

int gd_subject_unrestrict(gd_actor *a, const char *subject)
{
	struct gd__subject s = {0};
	gd_vault *v = a->v;
	int rc;
	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	if ((rc = gd__subject_load(a, &s, subject, false)) < 0)
		goto done;
	rc = gd__db_exec(v->store, "DELETE FROM subject_limits WHERE tenant_id = ? AND subject_id = ? AND kind = ?", "iii",
	                 a->tenant_id, s.id, (int64_t)GD__LIMIT_RESTRICTION);
	if (rc == 0 && gd__db_changes(v->store) == 0)
		rc = gd__err(GD_ESTATE, "subject %s is not restricted", subject);
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "subject.unrestrict", .subject = subject});
done:
	return gd__op_end(v, rc);
}
