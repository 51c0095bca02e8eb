/*
 * request.c — data-subject requests (GDPR Art. 12–22, French post-mortem
 * directives): the workflow and its deadlines. What a request does when it
 * completes (restriction, objection, withdrawal of consent, rectification,
 * erasure) is request_complete.c.
 *
 * Invariants:
 *  - a request moves received → verified → in progress → completed/refused;
 *    extension (once, with a reason, decided within the first month) keeps it
 *    open with a deadline two months later; every move is a row of
 *    request_steps and an audit entry in the same operation;
 *  - nothing is carried out before identity is verified (identity_at != 0);
 *  - a right the register does not offer is refused at once with the
 *    register's reason, and the refusal is kept;
 *  - requests name the subject by pseudonym and outlive its erasure.
 */
#include <stdio.h>
#include <string.h>

#include "lib/calendar/calendar.h"
#include "lib/retention/retention.h"
#include "lib/rights/rights.h"

static const char *const KINDS[] = {
	"access",
	"confirmation",
	"rectification",
	"erasure",
	"restriction",
	"objection",
	"portability",
	"withdraw_consent",
	"post_mortem",
};

const char *gd_request_state_name(enum gd_request_state s)
{
	static const char *const names[] = {"received", "verified", "in_progress",
	                                    "extended", "completed", "refused"};
	return (unsigned)s < sizeof names / sizeof *names ? names[s] : "unknown";
}

static int check_kind(const char *kind)
{
	if (!kind)
		return gd__err(GD_EINVAL, "request kind is missing");
	for (size_t i = 0; i < sizeof KINDS / sizeof *KINDS; i++)
		if (strcmp(kind, KINDS[i]) == 0)
			return 0;
	return gd__err(GD_EINVAL,
	               "\"%.40s\" is not a request kind: use access, confirmation, rectification, erasure, restriction, objection, portability, withdraw_consent or post_mortem",
	               kind);
}

static bool closed(const gd_request *r)
{
	return r->state == GD_REQUEST_COMPLETED || r->state == GD_REQUEST_REFUSED;
}

#define REQUEST_COLUMNS \
	"id, subject, kind, activity, state, received_at, due_at, extended, reason, identity_method," \
	" identity_ref, identity_by, identity_at, closed_at, opened_by, copies"

static void copy_col(char *dst, size_t cap, gd__store *db, gd__stmt *st, int i)
{
	snprintf(dst, cap, "%s", gd__col_null(db, st, i) ? "" : gd__col_text(db, st, i));
}

static void row_request(gd_actor *a, const struct gd__calendar *cal, gd__store *db, gd__stmt *st,
                        gd_request *r)
{
	memset(r, 0, sizeof *r);
	r->id = gd__col_int(db, st, 0);
	copy_col(r->subject, sizeof r->subject, db, st, 1);
	copy_col(r->kind, sizeof r->kind, db, st, 2);
	copy_col(r->activity, sizeof r->activity, db, st, 3);
	r->state = (enum gd_request_state)gd__col_int(db, st, 4);
	r->received_at = gd__col_int(db, st, 5);
	r->due_at = gd__col_int(db, st, 6);
	r->extended = gd__col_int(db, st, 7) != 0;
	copy_col(r->reason, sizeof r->reason, db, st, 8);
	copy_col(r->identity_method, sizeof r->identity_method, db, st, 9);
	copy_col(r->identity_ref, sizeof r->identity_ref, db, st, 10);
	copy_col(r->identity_by, sizeof r->identity_by, db, st, 11);
	r->identity_at = gd__col_int(db, st, 12);
	r->closed_at = gd__col_int(db, st, 13);
	copy_col(r->opened_by, sizeof r->opened_by, db, st, 14);
	r->copies = gd__col_int(db, st, 15);
	r->late = r->closed_at ? r->closed_at > r->due_at : gd_vault_now(a->v) > r->due_at;
	/* The target follows the tenant's current setting: it is the controller's own. */
	r->target_at = gd__calendar_target(cal, r->received_at, r->due_at);
}

int gd_request_get(gd_actor *a, gd_request *out, int64_t id)
{
	struct gd__calendar cal;
	gd__store *db = a->v->store;
	gd__stmt *st = NULL;
	int rc = gd__calendar_of(a, &cal);
	if (rc == 0)
		rc = gd__db_query(db, &st, "SELECT " REQUEST_COLUMNS " FROM requests WHERE id = ? AND tenant_id = ?",
		                  "ii", id, a->tenant_id);
	if (rc < 0)
		return rc;
	rc = gd__db_step(db, st);
	if (rc == 1) {
		row_request(a, &cal, db, st, out);
		rc = 0;
	} else if (rc == 0) {
		rc = gd__err(GD_ENOTFOUND, "no request %lld in tenant %s", (long long)id, a->tenant);
	}
	if (st)
		gd__db_reset(db, st);
	return rc;
}

int gd_request_list(gd_actor *a, bool open_only, gd_request_cb cb, void *ud)
{
	struct gd__calendar cal;
	gd__store *db = a->v->store;
	gd__stmt *st = NULL;
	int rc = gd__calendar_of(a, &cal);
	if (rc == 0)
		rc = gd__db_query(db, &st,
		                  "SELECT " REQUEST_COLUMNS " FROM requests WHERE tenant_id = ?"
		                  " AND (? = 0 OR closed_at = 0) ORDER BY id",
		                  "ii", a->tenant_id, (int64_t)open_only);
	while (rc == 0 && (rc = gd__db_step(db, st)) == 1) {
		gd_request r;
		row_request(a, &cal, db, st, &r);
		rc = cb(ud, &r);
	}
	if (st)
		gd__db_reset(db, st);
	return rc;
}

int gd__request_list_subject(gd_actor *a, const char *subject, gd_request_cb cb, void *ud)
{
	struct gd__calendar cal;
	gd__store *db = a->v->store;
	gd__stmt *st = NULL;
	int rc = gd__calendar_of(a, &cal);
	if (rc == 0)
		rc = gd__db_query(db, &st,
		                  "SELECT " REQUEST_COLUMNS " FROM requests WHERE subject = ? AND tenant_id = ? ORDER BY id",
		                  "ti", subject, a->tenant_id);
	while (rc == 0 && (rc = gd__db_step(db, st)) == 1) {
		gd_request r;
		row_request(a, &cal, db, st, &r);
		rc = cb(ud, &r);
	}
	if (st)
		gd__db_reset(db, st);
	return rc;
}

/*
 * Records a move of request `id` to `state` (inside the caller's operation) and
 * audits it. `note` is kept with the request; only notes that are not operator
 * free text (slugs, the register's reasons: `audit_note`) go to the audit trail,
 * which must never hold personal data.
 */
static int step_ex(gd_actor *a, const gd_request *r, enum gd_request_state state, const char *note,
                   const char *action, bool audit_note)
{
	gd__store *db = a->v->store;
	int64_t seq = 0;
	int rc = gd__db_int(db, &seq, "SELECT coalesce(max(seq), 0) + 1 FROM request_steps WHERE tenant_id = ? AND request_id = ?",
	                    "ii", a->tenant_id, r->id);
	if (rc == 0)
		rc = gd__db_exec(db,
		                 "INSERT INTO request_steps (request_id, seq, at, principal, state, note, tenant_id)"
		                 " VALUES (?, ?, ?, ?, ?, ?, ?)",
		                 "iiititi", r->id, seq, (int64_t)gd_vault_now(a->v), a->principal,
		                 (int64_t)state, note, a->tenant_id);
	if (rc == 0)
		rc = gd__db_exec(db, "UPDATE requests SET state = ? WHERE tenant_id = ? AND id = ?", "iii", (int64_t)state,
		                 a->tenant_id, r->id);
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){
						.action = action, .purpose = r->kind, .subject = r->subject, .record_id = r->id, .reason = audit_note ? note : NULL});
	return rc;
}

int gd__request_step(gd_actor *a, const gd_request *r, enum gd_request_state state, const char *note,
                     const char *action)
{
	return step_ex(a, r, state, note, action, false);
}

int gd_request_open(gd_actor *a, int64_t *out_id, const gd_request_spec *spec)
{
	struct gd__subject s = {0};
	const struct gd__register *reg;
	gd_vault *v = a->v;
	char why[GD_REASON_MAX + 1] = "";
	int64_t id = 0;
	int rc;

	if (out_id)
		*out_id = 0;
	if (!spec || spec->version != GD_REQUEST_SPEC_VERSION)
		return gd__err(GD_EINVAL, "gd_request_spec is missing or of an unsupported version");
	if ((rc = check_kind(spec->kind)) < 0 ||
	    (spec->activity && (rc = gd__check_name(spec->activity, "activity")) < 0))
		return rc;
	gd_time now = gd_vault_now(v), received = spec->received_at ? spec->received_at : now;
	if (received > now)
		return gd__err(GD_EINVAL, "a request cannot be received in the future: check the receipt time");
	struct gd__calendar cal;
	if ((rc = gd__calendar_of(a, &cal)) < 0 || (rc = gd__rights_register(a, &reg)) < 0)
		return rc;
	if (reg) {
		const struct gd__right *right = gd__rights_right(reg, spec->kind);
		/* Art. 15(1): confirmation is the first part of the right of access. */
		if (!right && strcmp(spec->kind, "confirmation") == 0)
			right = gd__rights_right(reg, "access");
		/* The GDPR grants the rights whatever a notice says: only a right the
		 * register declares not offered (with its reason), and the law lets it
		 * refuse (register_rights.c: outside Art. 15–22, or limited to
		 * processing the register has not), is refused here. */
		if (right && !right->offered && gd__register_right_waivable(reg, right->kind, NULL))
			snprintf(why, sizeof why, "%s",
			         right->reason && *right->reason ? right->reason
			                                         : "the register does not offer this right");
		if (spec->activity && !gd__rights_activity(reg, spec->activity))
			return gd__err(GD_ENOTFOUND, "the register of tenant %s has no activity \"%s\"",
			               a->tenant, spec->activity);
	}
	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	if ((rc = gd__subject_load(a, &s, spec->subject, false)) < 0)
		goto done;
	rc = gd__db_next_id(v->store, GD__COUNTER_REQUESTS, &id);
	if (rc == 0)
		rc = gd__db_exec(v->store,
		                 "INSERT INTO requests (id, tenant_id, subject, kind, activity, state, received_at,"
		                 " due_at, opened_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		                 "iitttiiit", id, a->tenant_id, spec->subject, spec->kind, spec->activity,
		                 (int64_t)GD_REQUEST_RECEIVED, (int64_t)received,
		                 (int64_t)gd__calendar_due(&cal, received, 1, 0), a->principal);
	gd_request r = {.id = id};
	snprintf(r.kind, sizeof r.kind, "%s", spec->kind);
	snprintf(r.subject, sizeof r.subject, "%s", spec->subject);
	if (rc == 0)
		rc = gd__request_step(a, &r, GD_REQUEST_RECEIVED, NULL, "request.open");
	if (rc == 0 && *why) {
		rc = gd__db_exec(v->store, "UPDATE requests SET reason = ?, closed_at = ? WHERE tenant_id = ? AND id = ?", "tiii",
		                 why, (int64_t)now, a->tenant_id, id);
		if (rc == 0)
			rc = step_ex(a, &r, GD_REQUEST_REFUSED, why, "request.refuse", true);
	} else if (rc == 0 && reg)
		/* Data held as processor: the customer answers (forward.c, Art. 28(3)(e)). */
		rc = gd__rights_forward(a, s.id, spec->subject, spec->kind, id, NULL);
done:
	rc = gd__op_end(v, rc);
	if (rc == 0 && out_id)
		*out_id = id;
	if (rc == 0 && *why)
		rc = gd__err(GD_EDENIED, "request %lld refused: the register does not offer the right of %s: %s",
		             (long long)id, spec->kind, why);
	return rc;
}

/* Loads request `id` for a move: GD_ESTATE when it is closed. */
static int load_open(gd_actor *a, gd_request *r, int64_t id)
{
	int rc = gd_request_get(a, r, id);
	if (rc == 0 && closed(r))
		rc = gd__err(GD_ESTATE, "request %lld is already %s", (long long)id, gd_request_state_name(r->state));
	return rc;
}

/* Loads request `id` to carry it out: open, identity verified, of `kind` (NULL: any). */
int gd__request_load_verified(gd_actor *a, gd_request *r, int64_t id, const char *kind)
{
	int rc = load_open(a, r, id);
	if (rc < 0)
		return rc;
	if (kind && strcmp(r->kind, kind) != 0)
		return gd__err(GD_EINVAL, "request %lld is a request of %s, not of %s", (long long)id, r->kind, kind);
	if (!r->identity_at)
		return gd__err(GD_ESTATE,
		               "request %lld: the subject's identity is not verified yet; record it first (gardien request verify)",
		               (long long)id);
	return 0;
}

int gd_request_verify(gd_actor *a, int64_t id, const char *method, const char *evidence_ref)
{
	gd_request r;
	gd_vault *v = a->v;
	int rc;
	if ((rc = gd__check_name(method, "verification method")) < 0 ||
	    (rc = gd__check_name(evidence_ref, "evidence reference")) < 0)
		return rc;
	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	if ((rc = load_open(a, &r, id)) < 0)
		goto done;
	if (r.identity_at) {
		rc = gd__err(GD_ESTATE, "request %lld: identity was already verified", (long long)id);
		goto done;
	}
	rc = gd__db_exec(v->store,
	                 "UPDATE requests SET identity_method = ?, identity_ref = ?, identity_by = ?,"
	                 " identity_at = ? WHERE tenant_id = ? AND id = ?",
	                 "tttiii", method, evidence_ref, a->principal, (int64_t)gd_vault_now(v), a->tenant_id, id);
	if (rc == 0)
		rc = step_ex(a, &r, r.state == GD_REQUEST_EXTENDED ? GD_REQUEST_EXTENDED : GD_REQUEST_VERIFIED,
		             method, "request.verify", true);
done:
	return gd__op_end(v, rc);
}

int gd_request_start(gd_actor *a, int64_t id)
{
	gd_request r;
	gd_vault *v = a->v;
	int rc;
	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	if ((rc = gd__request_load_verified(a, &r, id, NULL)) < 0)
		goto done;
	if (r.state != GD_REQUEST_VERIFIED) {
		rc = gd__err(GD_ESTATE, "request %lld is already %s", (long long)id, gd_request_state_name(r.state));
		goto done;
	}
	rc = gd__request_step(a, &r, GD_REQUEST_IN_PROGRESS, NULL, "request.start");
done:
	return gd__op_end(v, rc);
}

int gd_request_extend(gd_actor *a, int64_t id, const char *reason)
{
	struct gd__calendar cal;
	gd_request r;
	gd_vault *v = a->v;
	int rc;
	if ((rc = gd__check_text(reason, "extension reason")) < 0 || (rc = gd__calendar_of(a, &cal)) < 0)
		return rc;
	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	if ((rc = load_open(a, &r, id)) < 0)
		goto done;
	if (r.extended) {
		rc = gd__err(GD_ESTATE, "request %lld was already extended: Art. 12(3) allows two further months once",
		             (long long)id);
		goto done;
	}
	if (gd_vault_now(v) > r.due_at) {
		rc = gd__err(GD_ESTATE,
		             "request %lld: its one-month deadline has passed; an extension must be decided and told to the subject within it",
		             (long long)id);
		goto done;
	}
	rc = gd__db_exec(v->store, "UPDATE requests SET extended = 1, due_at = ?, reason = ? WHERE tenant_id = ? AND id = ?",
	                 "itii", (int64_t)gd__calendar_due(&cal, r.received_at, 3, 0), reason, a->tenant_id, id);
	if (rc == 0)
		rc = gd__request_step(a, &r, GD_REQUEST_EXTENDED, reason, "request.extend");
done:
	return gd__op_end(v, rc);
}

int gd_request_refuse(gd_actor *a, int64_t id, const char *reason)
{
	gd_request r;
	gd_vault *v = a->v;
	int rc;
	if ((rc = gd__check_text(reason, "refusal reason")) < 0)
		return rc;
	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	if ((rc = load_open(a, &r, id)) < 0)
		goto done;
	rc = gd__db_exec(v->store, "UPDATE requests SET reason = ?, closed_at = ? WHERE tenant_id = ? AND id = ?", "tiii",
	                 reason, (int64_t)gd_vault_now(v), a->tenant_id, id);
	if (rc == 0)
		rc = gd__request_step(a, &r, GD_REQUEST_REFUSED, reason, "request.refuse");
done:
	return gd__op_end(v, rc);
}

int gd_request_steps(gd_actor *a, int64_t id,
                     int (*cb)(void *ud, enum gd_request_state s, gd_time at, const char *principal,
                               const char *note),
                     void *ud)
{
	gd_request r;
	gd__store *db = a->v->store;
	gd__stmt *st = NULL;
	int rc = gd_request_get(a, &r, id);
	if (rc < 0)
		return rc;
	rc = gd__db_query(db, &st,
	                  "SELECT state, at, principal, note FROM request_steps WHERE tenant_id = ? AND request_id = ?"
	                  " ORDER BY seq",
	                  "ii", a->tenant_id, id);
	while (rc == 0 && (rc = gd__db_step(db, st)) == 1)
		rc = cb(ud, (enum gd_request_state)gd__col_int(db, st, 0), gd__col_int(db, st, 1),
		        gd__col_text(db, st, 2), gd__col_null(db, st, 3) ? "" : gd__col_text(db, st, 3));
	if (st)
		gd__db_reset(db, st);
	return rc;
}
