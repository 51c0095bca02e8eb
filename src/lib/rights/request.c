/*
 * request.c — data-subject requests (GDPR Art. 12–22, French post-mortem
 * directives): the workflow, its deadlines, and the rights that take effect
 * when a request completes (restriction, objection, withdrawal of consent,
 * rectification, erasure).
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

#include "lib/retention/retention.h"
#include "lib/rights/rights.h"

static const char *const KINDS[] = {
	"access",      "confirmation", "rectification",    "erasure",     "restriction",
	"objection",   "portability",  "withdraw_consent", "post_mortem",
};

const char *gd_request_state_name(enum gd_request_state s)
{
	static const char *const names[] = {"received",  "verified",  "in_progress",
	                                    "extended",  "completed", "refused"};
	return (unsigned)s < sizeof names / sizeof *names ? names[s] : "unknown";
}

gd_time gd_request_due(gd_time received, bool extended)
{
	return gd_time_end_of_day(gd_time_add_months(received, extended ? 3 : 1));
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

static void row_request(gd_actor *a, gd__store *db, gd__stmt *st, gd_request *r)
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
}

int gd_request_get(gd_actor *a, gd_request *out, int64_t id)
{
	gd__store *db = a->v->store;
	gd__stmt *st = NULL;
	int rc = gd__db_query(db, &st, "SELECT " REQUEST_COLUMNS " FROM requests WHERE id = ? AND tenant_id = ?",
	                      "ii", id, a->tenant_id);
	if (rc < 0)
		return rc;
	rc = gd__db_step(db, st);
	if (rc == 1) {
		row_request(a, db, st, out);
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
	gd__store *db = a->v->store;
	gd__stmt *st = NULL;
	int rc = gd__db_query(db, &st,
	                      "SELECT " REQUEST_COLUMNS " FROM requests WHERE tenant_id = ?"
	                      " AND (? = 0 OR closed_at = 0) ORDER BY id",
	                      "ii", a->tenant_id, (int64_t)open_only);
	while (rc == 0 && (rc = gd__db_step(db, st)) == 1) {
		gd_request r;
		row_request(a, db, st, &r);
		rc = cb(ud, &r);
	}
	if (st)
		gd__db_reset(db, st);
	return rc;
}

int gd__request_list_subject(gd_actor *a, const char *subject, gd_request_cb cb, void *ud)
{
	gd__store *db = a->v->store;
	gd__stmt *st = NULL;
	int rc = gd__db_query(db, &st,
	                      "SELECT " REQUEST_COLUMNS " FROM requests WHERE subject = ? AND tenant_id = ? ORDER BY id",
	                      "ti", subject, a->tenant_id);
	while (rc == 0 && (rc = gd__db_step(db, st)) == 1) {
		gd_request r;
		row_request(a, db, st, &r);
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
	int rc = gd__db_int(db, &seq, "SELECT coalesce(max(seq), 0) + 1 FROM request_steps WHERE request_id = ?",
	                    "i", r->id);
	if (rc == 0)
		rc = gd__db_exec(db,
		                 "INSERT INTO request_steps (request_id, seq, at, principal, state, note)"
		                 " VALUES (?, ?, ?, ?, ?, ?)",
		                 "iiitit", r->id, seq, (int64_t)gd_vault_now(a->v), a->principal,
		                 (int64_t)state, note);
	if (rc == 0)
		rc = gd__db_exec(db, "UPDATE requests SET state = ? WHERE id = ?", "ii", (int64_t)state, r->id);
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){
		                            .action = action, .purpose = r->kind, .subject = r->subject,
		                            .record_id = r->id, .reason = audit_note ? note : NULL});
	return rc;
}

static int step(gd_actor *a, const gd_request *r, enum gd_request_state state, const char *note,
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
	if ((rc = gd__rights_register(a, &reg)) < 0)
		return rc;
	if (reg) {
		const struct gd__right *right = gd__rights_right(reg, spec->kind);
		/* Art. 15(1): confirmation is the first part of the right of access. */
		if (!right && strcmp(spec->kind, "confirmation") == 0)
			right = gd__rights_right(reg, "access");
		/* The GDPR grants the rights whatever a notice says: only a right the
		 * register declares not offered (with its reason) is refused here. */
		if (right && !right->offered)
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
	rc = gd__db_exec(v->store,
	                 "INSERT INTO requests (tenant_id, subject, kind, activity, state, received_at,"
	                 " due_at, opened_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	                 "itttiiit", a->tenant_id, spec->subject, spec->kind, spec->activity,
	                 (int64_t)GD_REQUEST_RECEIVED, (int64_t)received,
	                 (int64_t)gd_request_due(received, false), a->principal);
	if (rc == 0)
		rc = gd__db_int(v->store, &id, "SELECT max(id) FROM requests WHERE tenant_id = ?", "i",
		                a->tenant_id);
	gd_request r = {.id = id};
	snprintf(r.kind, sizeof r.kind, "%s", spec->kind);
	snprintf(r.subject, sizeof r.subject, "%s", spec->subject);
	if (rc == 0)
		rc = step(a, &r, GD_REQUEST_RECEIVED, NULL, "request.open");
	if (rc == 0 && *why) {
		rc = gd__db_exec(v->store, "UPDATE requests SET reason = ?, closed_at = ? WHERE id = ?", "tii",
		                 why, (int64_t)now, id);
		if (rc == 0)
			rc = step_ex(a, &r, GD_REQUEST_REFUSED, why, "request.refuse", true);
	}
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
static int load_verified(gd_actor *a, gd_request *r, int64_t id, const char *kind)
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
	                 " identity_at = ? WHERE id = ?",
	                 "tttii", method, evidence_ref, a->principal, (int64_t)gd_vault_now(v), id);
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
	if ((rc = load_verified(a, &r, id, NULL)) < 0)
		goto done;
	if (r.state != GD_REQUEST_VERIFIED) {
		rc = gd__err(GD_ESTATE, "request %lld is already %s", (long long)id, gd_request_state_name(r.state));
		goto done;
	}
	rc = step(a, &r, GD_REQUEST_IN_PROGRESS, NULL, "request.start");
done:
	return gd__op_end(v, rc);
}

int gd_request_extend(gd_actor *a, int64_t id, const char *reason)
{
	gd_request r;
	gd_vault *v = a->v;
	int rc;
	if ((rc = gd__check_text(reason, "extension reason")) < 0)
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
	rc = gd__db_exec(v->store, "UPDATE requests SET extended = 1, due_at = ?, reason = ? WHERE id = ?", "iti",
	                 (int64_t)gd_request_due(r.received_at, true), reason, id);
	if (rc == 0)
		rc = step(a, &r, GD_REQUEST_EXTENDED, reason, "request.extend");
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
	rc = gd__db_exec(v->store, "UPDATE requests SET reason = ?, closed_at = ? WHERE id = ?", "tii", reason,
	                 (int64_t)gd_vault_now(v), id);
	if (rc == 0)
		rc = step(a, &r, GD_REQUEST_REFUSED, reason, "request.refuse");
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
	                  "SELECT state, at, principal, note FROM request_steps WHERE request_id = ? ORDER BY seq",
	                  "i", id);
	while (rc == 0 && (rc = gd__db_step(db, st)) == 1)
		rc = cb(ud, (enum gd_request_state)gd__col_int(db, st, 0), gd__col_int(db, st, 1),
		        gd__col_text(db, st, 2), gd__col_null(db, st, 3) ? "" : gd__col_text(db, st, 3));
	if (st)
		gd__db_reset(db, st);
	return rc;
}

/* ---- what completing a request does -------------------------------------------------- */

static int add_limit(gd_actor *a, int64_t subject_id, int kind, const char *activity, int64_t request)
{
	a->v->limits_gen = 0;
	return gd__db_exec(a->v->store,
	                   "INSERT OR IGNORE INTO subject_limits (tenant_id, subject_id, kind, activity, since,"
	                   " request_id) VALUES (?, ?, ?, ?, ?, ?)",
	                   "iiitii", a->tenant_id, subject_id, (int64_t)kind, activity,
	                   (int64_t)gd_vault_now(a->v), request);
}

/* Calls `fn` for each distinct activity of the subject's records (at most 256). */
static int each_record_activity(gd_actor *a, int64_t subject_id,
                                int (*fn)(gd_actor *a, void *ud, const char *activity), void *ud)
{
	enum { MAX = 256 };
	char(*acts)[GD_NAME_MAX + 1] = gd__calloc(MAX, GD_NAME_MAX + 1);
	gd__store *db = a->v->store;
	gd__stmt *st = NULL;
	size_t n = 0;
	if (!acts)
		return GD_ENOMEM;
	int rc = gd__db_query(db, &st, "SELECT DISTINCT activity FROM records WHERE subject_id = ?", "i",
	                      subject_id);
	while (rc == 0 && (rc = gd__db_step(db, st)) == 1) {
		rc = 0;
		if (n == MAX) {
			rc = gd__err(GD_ETOOBIG, "the subject's records span more than %d activities", MAX);
			break;
		}
		snprintf(acts[n++], GD_NAME_MAX + 1, "%s", gd__col_text(db, st, 0));
	}
	if (st)
		gd__db_reset(db, st);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = fn(a, ud, acts[i]);
	gd__free(acts);
	return rc;
}

struct notify_ctx {
	const gd_request *r;
	const char *action;
};

static int notify_activity(gd_actor *a, void *ud, const char *activity)
{
	struct notify_ctx *c = ud;
	return gd__outbox_notify(a, c->action, c->r->subject, activity, NULL, 0, c->r->id);
}

/* Objection without an activity: every activity on legitimate interests or for marketing. */
static bool objectionable(const struct gd__activity *act)
{
	if (act->basis == GD__BASIS_LEGITIMATE_INTERESTS)
		return true;
	for (size_t i = 0; i < act->purposes.n; i++)
		if (strncmp(act->purposes.v[i], "marketing", 9) == 0)
			return true;
	return false;
}

static int apply_objection(gd_actor *a, const gd_request *r, int64_t subject_id)
{
	const struct gd__register *reg;
	int rc;
	if (*r->activity)
		return add_limit(a, subject_id, GD__LIMIT_OBJECTION, r->activity, r->id);
	if ((rc = gd__rights_register(a, &reg)) < 0)
		return rc;
	if (!reg)
		return gd__err(GD_EINVAL,
		               "request %lld: without a register, an objection must name the activity objected to",
		               (long long)r->id);
	for (size_t i = 0; rc == 0 && i < reg->nactivities; i++)
		if (objectionable(&reg->activities[i]))
			rc = add_limit(a, subject_id, GD__LIMIT_OBJECTION, reg->activities[i].id, r->id);
	return rc;
}

static int withdraw_all(gd_actor *a, const gd_request *r, int64_t subject_id)
{
	enum { MAX = 256 };
	char(*acts)[GD_NAME_MAX + 1] = gd__calloc(MAX, GD_NAME_MAX + 1);
	gd__store *db = a->v->store;
	gd__stmt *st = NULL;
	size_t n = 0;
	if (!acts)
		return GD_ENOMEM;
	int rc = gd__db_query(db, &st, "SELECT DISTINCT activity FROM consents WHERE subject_id = ?", "i",
	                      subject_id);
	while (rc == 0 && (rc = gd__db_step(db, st)) == 1) {
		rc = 0;
		if (n < MAX)
			snprintf(acts[n++], GD_NAME_MAX + 1, "%s", gd__col_text(db, st, 0));
	}
	if (st)
		gd__db_reset(db, st);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		enum gd_consent_state state;
		gd_time exp;
		rc = gd__consent_state(a, &state, &exp, subject_id, acts[i]);
		if (rc == 0 && (state == GD_CONSENT_LIVE || state == GD_CONSENT_STATE_EXPIRED))
			rc = gd_consent_withdraw(a, r->subject, acts[i], "request");
	}
	gd__free(acts);
	return rc;
}

static int erase_subject(gd_actor *a, const gd_request *r, int (*kept)(void *, const gd_erasure_kept *),
                         void *ud, size_t *out_deleted);

int gd_request_complete(gd_actor *a, int64_t id, const char *note)
{
	struct gd__subject s = {0};
	gd_request r;
	gd_vault *v = a->v;
	int rc;
	if (note && (rc = gd__check_text(note, "note")) < 0)
		return rc;
	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	if ((rc = load_verified(a, &r, id, NULL)) < 0)
		goto done;
	if (strcmp(r.kind, "erasure") == 0) {
		rc = erase_subject(a, &r, NULL, NULL, NULL);
		goto close;
	}
	if ((strcmp(r.kind, "access") == 0 || strcmp(r.kind, "portability") == 0) && r.copies == 0) {
		rc = gd__err(GD_ESTATE, "request %lld: deliver the copy of the data first (gardien request export)",
		             (long long)id);
		goto done;
	}
	bool effect = strcmp(r.kind, "restriction") == 0 || strcmp(r.kind, "objection") == 0 ||
	              strcmp(r.kind, "withdraw_consent") == 0;
	if (effect && (rc = gd__subject_load(a, &s, r.subject, false)) < 0)
		goto done;
	if (strcmp(r.kind, "restriction") == 0) {
		rc = add_limit(a, s.id, GD__LIMIT_RESTRICTION, "", id);
		struct notify_ctx c = {&r, "restriction"};
		if (rc == 0)
			rc = each_record_activity(a, s.id, notify_activity, &c);
	} else if (strcmp(r.kind, "objection") == 0) {
		rc = apply_objection(a, &r, s.id);
	} else if (strcmp(r.kind, "withdraw_consent") == 0) {
		if (*r.activity) {
			enum gd_consent_state st;
			gd_time exp;
			/* Nothing on file to withdraw: the request is answered all the same. */
			rc = gd__consent_state(a, &st, &exp, s.id, r.activity);
			if (rc == 0 && (st == GD_CONSENT_LIVE || st == GD_CONSENT_STATE_EXPIRED))
				rc = gd_consent_withdraw(a, r.subject, r.activity, "request");
		} else {
			rc = withdraw_all(a, &r, s.id);
		}
	}
close:
	if (rc == 0)
		rc = gd__db_exec(v->store, "UPDATE requests SET closed_at = ? WHERE id = ?", "ii",
		                 (int64_t)gd_vault_now(v), id);
	if (rc == 0)
		rc = step(a, &r, GD_REQUEST_COMPLETED, note, "request.complete");
done:
	return gd__op_end(v, rc);
}

/* ---- rectification ------------------------------------------------------------------- */

int gd_request_rectify(gd_actor *a, int64_t id, int64_t record_id, enum gd_value_type type,
                       const void *value, size_t value_len)
{
	gd_request r;
	gd_vault *v = a->v;
	gd__stmt *st = NULL;
	char activity[GD_NAME_MAX + 1] = "", category[GD_NAME_MAX + 1] = "";
	int rc;

	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	if ((rc = load_verified(a, &r, id, "rectification")) < 0)
		goto done;
	rc = gd__db_query(v->store, &st,
	                  "SELECT r.activity, r.category FROM records r JOIN subjects s ON s.id = r.subject_id"
	                  " WHERE r.id = ? AND r.tenant_id = ? AND s.pseudonym = ?",
	                  "iit", record_id, a->tenant_id, r.subject);
	if (rc < 0)
		goto done;
	rc = gd__db_step(v->store, st);
	if (rc == 1) {
		snprintf(activity, sizeof activity, "%s", gd__col_text(v->store, st, 0));
		snprintf(category, sizeof category, "%s", gd__col_text(v->store, st, 1));
		rc = 0;
	} else if (rc == 0) {
		rc = gd__err(GD_ENOTFOUND, "request %lld: record %lld is not a record of the request's subject",
		             (long long)id, (long long)record_id);
	}
	if (st)
		gd__db_reset(v->store, st);
	if (rc == 0)
		rc = gd_record_update(a, record_id, type, value, value_len);
	if (rc == 0)
		rc = gd__outbox_notify(a, "rectification", r.subject, activity, category, record_id, id);
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){
		                            .action = "request.rectify", .purpose = r.kind, .subject = r.subject,
		                            .record_id = record_id, .category = category});
	if (rc == 0 && r.state == GD_REQUEST_VERIFIED)
		rc = step(a, &r, GD_REQUEST_IN_PROGRESS, "rectifying", "request.start");
done:
	return gd__op_end(v, rc);
}

/* ---- erasure ------------------------------------------------------------------------ */

/* Why records of `act` must be kept, or NULL when they may be erased. */
static const char *keep_rule(const struct gd__activity *act, char *buf, size_t cap)
{
	if (!act)
		return NULL;
	if (act->basis == GD__BASIS_LEGAL_OBLIGATION) {
		const char *law = act->basis_detail ? act->basis_detail
		                  : act->nretention && act->retention[0].legal_reference
		                          ? act->retention[0].legal_reference : "stated in the register";
		snprintf(buf, cap, "legal obligation (Art. 17(3)(b)): %s", law);
		return buf;
	}
	if (act->legal_claims) {
		snprintf(buf, cap, "legal claims (Art. 17(3)(e)): %s", act->basis_detail ? act->basis_detail : act->id);
		return buf;
	}
	return NULL;
}

struct doomed {
	int64_t id;
	gd_time collected_at;
};

struct erase_ctx {
	const gd_request *r;
	const struct gd__register *reg;
	struct gd__subject s;
	int (*kept)(void *, const gd_erasure_kept *);
	void *ud;
	struct doomed *del;     /* records to delete */
	size_t ndel, cap, nkept;
};

#define ERASE_MAX_RECORDS 10000000

static int doom(struct erase_ctx *c, int64_t id, gd_time collected)
{
	if (c->ndel == c->cap) {
		if (c->cap >= ERASE_MAX_RECORDS)
			return gd__err(GD_ETOOBIG, "subject has more than %d records: erase it with gardien erase",
			               ERASE_MAX_RECORDS);
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct doomed *p = gd__malloc(cap * sizeof *p);
		if (!p)
			return GD_ENOMEM;
		if (c->ndel)
			memcpy(p, c->del, c->ndel * sizeof *p);
		gd__free(c->del);
		c->del = p, c->cap = cap;
	}
	c->del[c->ndel++] = (struct doomed){id, collected};
	return 0;
}

/* Decides, record by record, what the law keeps (reported) and what goes (collected in c->del). */
static int erase_plan(gd_actor *a, struct erase_ctx *c)
{
	gd__store *db = a->v->store;
	gd__stmt *st = NULL;
	char prev[GD_NAME_MAX + 1] = "", buf[GD_REASON_MAX + 64], hold_reason[256];
	size_t ndel_before = 0;
	int rc = gd__db_query(db, &st,
	                      "SELECT id, activity, category, collected_at, stage, subject_category, mac FROM records"
	                      " WHERE subject_id = ? ORDER BY activity, id",
	                      "i", c->s.id);
	while (rc == 0 && (rc = gd__db_step(db, st)) == 1) {
		int64_t id = gd__col_int(db, st, 0);
		const char *activity = gd__col_text(db, st, 1), *category = gd__col_text(db, st, 2);
		gd_time collected = gd__col_int(db, st, 3);
		int stage = (int)gd__col_int(db, st, 4);
		const struct gd__activity *act = gd__rights_activity(c->reg, activity);
		/* What is kept is decided from these columns: edited ones must not decide it. */
		size_t macn;
		const void *mac = gd__col_blob(db, st, 6, &macn);
		struct gd__record_fields f = {.id = id, .tenant_id = a->tenant_id, .collected_at = collected, .stage = stage,
		                              .subject = c->s.pseudonym, .activity = activity, .category = category,
		                              .subject_category = gd__col_text(db, st, 5)};
		if ((rc = gd__record_mac_check(a, &f, mac, macn)) < 0)
			break;
		if (strcmp(prev, activity) != 0) {
			/* Art. 19: the recipients of what was erased for the previous activity. */
			if (*prev && c->ndel > ndel_before)
				rc = gd__outbox_notify(a, "erasure", c->r->subject, prev, NULL, 0, c->r->id);
			ndel_before = c->ndel;
			snprintf(prev, sizeof prev, "%s", activity);
		}
		int64_t hold = 0;
		if (rc == 0)
			rc = gd__hold_find(a->v, c->s.id, id, &hold, hold_reason, sizeof hold_reason);
		if (rc < 0)
			break;
		const char *rule = NULL;
		gd_time until = gd__retention_end(gd__retention_of(act, category), collected);
		if (hold) {
			snprintf(buf, sizeof buf, "legal hold %lld: %s", (long long)hold, hold_reason);
			rule = buf, until = 0;
		} else if (!(rule = keep_rule(act, buf, sizeof buf)) && stage == GD__REC_ARCHIVED) {
			rule = "archived as legal proof (Art. 17(3)(e))";
		}
		if (!rule) {
			rc = doom(c, id, collected);
			continue;
		}
		gd_erasure_kept k = {.record_id = id, .activity = activity, .category = category, .rule = rule,
		                     .until = until};
		c->nkept++;
		rc = gd__audit_actor(a, &(struct gd__audit_event){
		                            .action = "request.erase.keep", .purpose = activity,
		                            .subject = c->r->subject, .record_id = id, .category = category,
		                            .reason = rule});
		if (rc == 0 && c->kept)
			rc = c->kept(c->ud, &k);
	}
	if (rc == 0 && *prev && c->ndel > ndel_before)
		rc = gd__outbox_notify(a, "erasure", c->r->subject, prev, NULL, 0, c->r->id);
	if (st)
		gd__db_reset(db, st);
	return rc;
}

/* Deletes the doomed records, journaling each so a restored backup deletes them again. */
static int erase_doomed(gd_actor *a, struct erase_ctx *c)
{
	enum { CHUNK = 256 };
	unsigned char journal[CHUNK * GD__JOURNAL_ENTRY_SIZE];
	bool journaling = !gd__journal_replaying();
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < c->ndel; i += CHUNK) {
		size_t n = c->ndel - i < CHUNK ? c->ndel - i : CHUNK;
		for (size_t j = 0; rc == 0 && j < n; j++) {
			struct gd__journal_entry e = {.kind = GD__J_DELETE, .at = gd_vault_now(a->v),
			                              .record_id = c->del[i + j].id,
			                              .collected_at = c->del[i + j].collected_at};
			snprintf(e.subject, sizeof e.subject, "%s", c->s.pseudonym);
			snprintf(e.tenant, sizeof e.tenant, "%s", a->tenant);
			gd__journal_encode(journal + j * GD__JOURNAL_ENTRY_SIZE, &e);
			rc = gd__db_exec(a->v->store, "DELETE FROM records WHERE id = ?", "i", c->del[i + j].id);
			if (rc == 0)
				rc = gd__retention_record_gone(a->v, c->del[i + j].id);
			/* Each deletion has its audit entry, as erasures and retention's do. */
			if (rc == 0)
				rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "request.erase.delete",
				                                                  .subject = c->s.pseudonym,
				                                                  .record_id = c->del[i + j].id});
		}
		/* Written and synced before the erasing transaction commits. */
		if (rc == 0 && journaling)
			rc = gd__journal_append(a, journal, n);
	}
	return rc;
}

static int erase_subject(gd_actor *a, const gd_request *r, int (*kept)(void *, const gd_erasure_kept *),
                         void *ud, size_t *out_deleted)
{
	struct erase_ctx c = {.r = r, .kept = kept, .ud = ud};
	int rc = gd__subject_load(a, &c.s, r->subject, false);
	if (rc == GD_ENOTFOUND) /* already erased */
		return 0;
	if (rc < 0)
		return rc;
	if ((rc = gd__rights_register(a, &c.reg)) < 0)
		return rc;
	if ((rc = erase_plan(a, &c)) < 0)
		goto done;
	if (c.nkept == 0) {
		/* Nothing to keep: crypto-shred the subject whole (key, identifiers, rows). */
		rc = gd_subject_erase(a, r->subject);
	} else {
		/* The key and identifiers stay: what is kept must remain provable. */
		rc = erase_doomed(a, &c);
		if (rc == 0)
			rc = gd__rights_erase_hook(a, &c.s);
		if (rc == 0)
			a->v->needs_scrub = true;
	}
	if (rc == 0 && out_deleted)
		*out_deleted = c.ndel;
done:
	gd__free(c.del);
	return rc;
}

int gd_request_erase(gd_actor *a, int64_t id, int (*kept)(void *ud, const gd_erasure_kept *k), void *ud,
                     size_t *out_deleted)
{
	gd_request r;
	gd_vault *v = a->v;
	size_t deleted = 0;
	char note[64];
	int rc;

	if (out_deleted)
		*out_deleted = 0;
	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	if ((rc = load_verified(a, &r, id, "erasure")) < 0)
		goto done;
	if ((rc = erase_subject(a, &r, kept, ud, &deleted)) < 0)
		goto done;
	snprintf(note, sizeof note, "%zu record(s) erased", deleted);
	rc = gd__db_exec(v->store, "UPDATE requests SET closed_at = ? WHERE id = ?", "ii",
	                 (int64_t)gd_vault_now(v), id);
	if (rc == 0)
		rc = step(a, &r, GD_REQUEST_COMPLETED, note, "request.complete");
done:
	rc = gd__op_end(v, rc);
	if (rc == 0 && out_deleted)
		*out_deleted = deleted;
	return rc;
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
		                "SELECT count(*) FROM subject_limits WHERE subject_id = ? AND kind = ?", "ii", s.id,
		                (int64_t)GD__LIMIT_RESTRICTION);
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
	rc = gd__db_exec(v->store, "DELETE FROM subject_limits WHERE subject_id = ? AND kind = ?", "ii", s.id,
	                 (int64_t)GD__LIMIT_RESTRICTION);
	if (rc == 0 && gd__db_changes(v->store) == 0)
		rc = gd__err(GD_ESTATE, "subject %s is not restricted", subject);
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "subject.unrestrict", .subject = subject});
done:
	return gd__op_end(v, rc);
}
