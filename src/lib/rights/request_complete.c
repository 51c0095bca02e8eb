/*
 * request_complete.c — what a data-subject request does when it completes:
 * restriction and objection (subject_limits, limits.c), withdrawal of
 * consent, rectification of a record, erasure (with what the register keeps
 * and why), and the Art. 19 notices to the recipients of each activity. The
 * workflow that leads there is request.c.
 *
 * Invariants: nothing is carried out before identity is verified (the request
 * is loaded with load_verified); the effect, the request's closing step and
 * their audit entries are one operation.
 */
#include <stdio.h>
#include <string.h>

#include "lib/retention/retention.h"
#include "lib/rights/rights.h"

/* ---- what completing a request does -------------------------------------------------- */

/* Calls `fn` for each distinct activity of the subject's records (at most 256). */
static int each_record_activity(gd_actor *a, int64_t subject_id,
                                int (*fn)(gd_actor *a, void *ud, const char *activity), void *ud)
{
	enum {
		MAX = 256
	};
	char(*acts)[GD_NAME_MAX + 1] = gd__calloc(MAX, GD_NAME_MAX + 1);
	gd__store *db = a->v->store;
	gd__stmt *st = NULL;
	size_t n = 0;
	if (!acts)
		return GD_ENOMEM;
	int rc = gd__db_query(db, &st, "SELECT DISTINCT activity FROM records WHERE tenant_id = ? AND subject_id = ?",
	                      "ii", a->tenant_id, subject_id);
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
		return gd__limits_add(a, subject_id, GD__LIMIT_OBJECTION, r->activity, r->id);
	if ((rc = gd__rights_register(a, &reg)) < 0)
		return rc;
	if (!reg)
		return gd__err(GD_EINVAL,
		               "request %lld: without a register, an objection must name the activity objected to",
		               (long long)r->id);
	for (size_t i = 0; rc == 0 && i < reg->nactivities; i++)
		if (objectionable(&reg->activities[i]))
			rc = gd__limits_add(a, subject_id, GD__LIMIT_OBJECTION, reg->activities[i].id, r->id);
	return rc;
}

static int withdraw_all(gd_actor *a, const gd_request *r, int64_t subject_id)
{
	enum {
		MAX = 256
	};
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
	if ((rc = gd__request_load_verified(a, &r, id, NULL)) < 0)
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
		rc = gd__limits_add(a, s.id, GD__LIMIT_RESTRICTION, "", id);
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
		rc = gd__db_exec(v->store, "UPDATE requests SET closed_at = ? WHERE tenant_id = ? AND id = ?", "iii",
		                 (int64_t)gd_vault_now(v), a->tenant_id, id);
	if (rc == 0)
		rc = gd__request_step(a, &r, GD_REQUEST_COMPLETED, note, "request.complete");
done:
	return gd__op_end(v, rc);
}

/* ---- rectification ------------------------------------------------------------------- */

/*
 * May record `record_id` (of `category`, collected for `activity`) be changed
 * under a rectification request? Not when it is held as processor (the
 * customer decides, forward.c), nor, in format 2, outside the categories the
 * register's rectification right names (Wimi §11: "seules des modifications
 * substantielles sur l'état civil, l'identité et les coordonnées").
 */
static int rectifiable(gd_actor *a, int64_t id, int64_t record_id, const char *category, const char *activity)
{
	const struct gd__register *reg;
	int rc = gd__rights_register(a, &reg);
	if (rc < 0 || !reg)
		return rc;
	if (gd__rights_held_as_processor(reg, activity))
		return gd__err(GD_EDENIED,
		               "request %lld: record %lld is held as processor for a customer (activity \"%s\"): the request was forwarded to that controller, who decides (Art. 28(3)(e))",
		               (long long)id, (long long)record_id, activity);
	const struct gd__right *right = gd__rights_right(reg, "rectification");
	if (right && right->categories.n && !gd__category_covered(&right->categories, category))
		return gd__err(GD_EDENIED,
		               "request %lld: the register limits rectification to other categories than %s%s%s",
		               (long long)id, category, right->conditions ? ": " : "",
		               right->conditions ? right->conditions : "");
	return 0;
}

int gd_request_rectify(gd_actor *a, int64_t id, int64_t record_id, enum gd_value_type type,
                       const void *value, size_t value_len)
{
	gd_request r;
	gd_vault *v = a->v;
	gd__stmt *st = NULL;
	char category[GD_NAME_MAX + 1] = "";
	int rc;

	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	if ((rc = gd__request_load_verified(a, &r, id, "rectification")) < 0)
		goto done;
	rc = gd__db_query(v->store, &st,
	                  "SELECT r.category, r.activity FROM records r JOIN subjects s ON s.id = r.subject_id AND s.tenant_id = r.tenant_id"
	                  " WHERE r.id = ? AND r.tenant_id = ? AND s.pseudonym = ?",
	                  "iit", record_id, a->tenant_id, r.subject);
	if (rc < 0)
		goto done;
	rc = gd__db_step(v->store, st);
	if (rc == 1) {
		snprintf(category, sizeof category, "%s", gd__col_text(v->store, st, 0));
		rc = rectifiable(a, id, record_id, category, gd__col_text(v->store, st, 1));
	} else if (rc == 0) {
		rc = gd__err(GD_ENOTFOUND, "request %lld: record %lld is not a record of the request's subject",
		             (long long)id, (long long)record_id);
	}
	if (st)
		gd__db_reset(v->store, st);
	/* The update notifies the recipients (Art. 19), naming this request. */
	a->request_id = id;
	if (rc == 0)
		rc = gd_record_update(a, record_id, type, value, value_len);
	a->request_id = 0;
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){
						.action = "request.rectify", .purpose = r.kind, .subject = r.subject, .record_id = record_id, .category = category});
	if (rc == 0 && r.state == GD_REQUEST_VERIFIED)
		rc = gd__request_step(a, &r, GD_REQUEST_IN_PROGRESS, "rectifying", "request.start");
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
		                          ? act->retention[0].legal_reference
		                          : "stated in the register";
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
	struct doomed *del; /* records to delete */
	size_t ndel, cap, nkept;
	char (*lost)[GD_NAME_MAX + 1]; /* activities losing records: their recipients are owed a notice */
	size_t nlost, caplost;
};

/* Notes that `activity` lost records (the plan goes through them in order). */
static int lost(struct erase_ctx *c, const char *activity)
{
	if (c->nlost && strcmp(c->lost[c->nlost - 1], activity) == 0)
		return 0;
	if (c->nlost == c->caplost) {
		size_t cap = c->caplost ? c->caplost * 2 : 16;
		char(*p)[GD_NAME_MAX + 1] = gd__calloc(cap, GD_NAME_MAX + 1);
		if (!p)
			return GD_ENOMEM;
		if (c->nlost)
			memcpy(p, c->lost, c->nlost * sizeof *p);
		gd__free(c->lost);
		c->lost = p, c->caplost = cap;
	}
	snprintf(c->lost[c->nlost++], GD_NAME_MAX + 1, "%s", activity);
	return 0;
}

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
	char buf[GD_REASON_MAX + 64], hold_reason[256];
	int rc = gd__db_query(db, &st,
	                      "SELECT r.id, r.activity, r.category, r.collected_at, r.stage, r.subject_category,"
	                      " o.object, r.mac FROM records r LEFT JOIN record_objects o ON o.record_id = r.id AND o.tenant_id = r.tenant_id"
	                      " WHERE r.tenant_id = ? AND r.subject_id = ? ORDER BY r.activity, r.id",
	                      "ii", a->tenant_id, c->s.id);
	while (rc == 0 && (rc = gd__db_step(db, st)) == 1) {
		int64_t id = gd__col_int(db, st, 0);
		const char *activity = gd__col_text(db, st, 1), *category = gd__col_text(db, st, 2);
		gd_time collected = gd__col_int(db, st, 3);
		int stage = (int)gd__col_int(db, st, 4);
		const struct gd__activity *act = gd__rights_activity(c->reg, activity);
		/* What is kept is decided from these columns: edited ones must not decide it. */
		size_t macn;
		const void *mac = gd__col_blob(db, st, 7, &macn);
		struct gd__record_fields mf = {.id = id, .tenant_id = a->tenant_id, .collected_at = collected, .stage = stage, .subject = c->s.pseudonym, .activity = activity, .category = category, .subject_category = gd__col_text(db, st, 5)};
		if ((rc = gd__record_mac_check(a, &mf, mac, macn)) < 0)
			break;
		int64_t hold = 0;
		rc = gd__hold_find(a, c->s.id, id, &hold, hold_reason, sizeof hold_reason);
		if (rc < 0)
			break;
		const char *rule = NULL;
		struct gd__record_facts f = {activity, category, gd__col_text(db, st, 5), c->s.id, collected,
		                             gd__col_text(db, st, 6)};
		gd_time until = 0, floor_until = 0;
		char ends[400] = "";
		if (c->reg && (rc = gd__retention_ends(a, c->reg, &f, &until, ends, sizeof ends)) < 0)
			break;
		if (act && act->role == GD__ROLE_PROCESSOR) {
			/* The customer's data: the request was forwarded to it at open (forward.c). */
			rule = "held as processor for a customer: the request is forwarded to that controller, who decides (Art. 28(3)(e))";
		} else if (hold) {
			snprintf(buf, sizeof buf, "legal hold %lld: %s", (long long)hold, hold_reason);
			rule = buf, until = 0;
			snprintf(ends, sizeof ends, "kept until legal hold %lld is lifted", (long long)hold);
		} else if ((rule = keep_rule(act, buf, sizeof buf))) {
			;
		} else if (c->reg && (rc = gd__retention_floor(a, c->reg, &f, &floor_until, buf, sizeof buf)) != 0) {
			if (rc < 0)
				break;
			/* Art. 17(3)(b): a minimum the law sets keeps the record, to its end at least. */
			rule = buf, rc = 0;
		} else if (stage == GD__REC_ARCHIVED) {
			rule = "archived as legal proof (Art. 17(3)(e))";
		}
		if (!rule) {
			rc = doom(c, id, collected);
			if (rc == 0)
				rc = lost(c, activity);
			continue;
		}
		if (!c->reg)
			snprintf(ends, sizeof ends, "no register: no retention rule sets an end");
		gd_erasure_kept k = {.record_id = id, .activity = activity, .category = category, .rule = rule, .until = until, .ends = ends};
		c->nkept++;
		rc = gd__audit_actor(a, &(struct gd__audit_event){
						.action = "request.erase.keep", .purpose = activity, .subject = c->r->subject, .record_id = id, .category = category, .reason = rule});
		if (rc == 0 && c->kept)
			rc = c->kept(c->ud, &k);
	}
	if (st)
		gd__db_reset(db, st);
	return rc;
}

/* Deletes the doomed records, journaling each so a restored backup deletes them again. */
static int erase_doomed(gd_actor *a, struct erase_ctx *c)
{
	enum {
		CHUNK = 256
	};
	unsigned char journal[CHUNK * GD__JOURNAL_ENTRY_SIZE];
	bool journaling = !gd__journal_replaying();
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < c->ndel; i += CHUNK) {
		size_t n = c->ndel - i < CHUNK ? c->ndel - i : CHUNK;
		for (size_t j = 0; rc == 0 && j < n; j++) {
			struct gd__journal_entry e = {.kind = GD__J_DELETE, .at = gd_vault_now(a->v), .record_id = c->del[i + j].id, .collected_at = c->del[i + j].collected_at};
			snprintf(e.subject, sizeof e.subject, "%s", c->s.pseudonym);
			snprintf(e.tenant, sizeof e.tenant, "%s", a->tenant);
			gd__journal_encode(journal + j * GD__JOURNAL_ENTRY_SIZE, &e);
			rc = gd__records_delete(a->v, a->tenant_id, c->del[i + j].id, c->del[i + j].id, NULL);
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
		/* Nothing to keep: crypto-shred the subject whole (key, identifiers, rows);
		 * its erase hooks notify the recipients (Art. 19), naming this request. */
		a->request_id = r->id;
		rc = gd_subject_erase(a, r->subject);
		a->request_id = 0;
	} else {
		/* The key and identifiers stay: what is kept must remain provable. */
		rc = erase_doomed(a, &c);
		if (rc == 0)
			rc = gd__rights_erase_hook(a, &c.s);
		if (rc == 0)
			a->v->tx.needs_scrub = true;
		/* Art. 19: the recipients of each activity that lost records. */
		for (size_t i = 0; rc == 0 && i < c.nlost; i++)
			rc = gd__outbox_notify(a, "erasure", r->subject, c.lost[i], NULL, 0, r->id);
	}
	if (rc == 0 && out_deleted)
		*out_deleted = c.ndel;
done:
	gd__free(c.del);
	gd__free(c.lost);
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
	if ((rc = gd__request_load_verified(a, &r, id, "erasure")) < 0)
		goto done;
	if ((rc = erase_subject(a, &r, kept, ud, &deleted)) < 0)
		goto done;
	snprintf(note, sizeof note, "%zu record(s) erased", deleted);
	rc = gd__db_exec(v->store, "UPDATE requests SET closed_at = ? WHERE tenant_id = ? AND id = ?", "iii",
	                 (int64_t)gd_vault_now(v), a->tenant_id, id);
	if (rc == 0)
		rc = gd__request_step(a, &r, GD_REQUEST_COMPLETED, note, "request.complete");
done:
	rc = gd__op_end(v, rc);
	if (rc == 0 && out_deleted)
		*out_deleted = deleted;
	return rc;
}
