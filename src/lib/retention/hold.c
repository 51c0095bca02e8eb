/*
 * hold.c — legal holds (litigation, legal obligation, authority request). An
 * active hold on a subject, or on one record, suspends every retention
 * deletion and anonymisation of what it covers and makes gd_subject_erase
 * refuse, with the hold's reason, until it is lifted. Holds are never
 * deleted while the subject exists: lifted ones stay as history.
 */
#include <stdio.h>
#include <string.h>

#include "lib/retention/retention.h"
#include "util/utf8.h"

static int check_reason(const char *reason)
{
	if (!reason || !*reason)
		return gd__err(GD_EINVAL, "a hold needs a reason, e.g. \"litigation 2026-114\"");
	size_t n = strlen(reason);
	if (n > GD_HOLD_REASON_MAX)
		return gd__err(GD_ETOOBIG, "hold reason is longer than %d bytes", GD_HOLD_REASON_MAX);
	if (!gd__utf8_valid(reason, n))
		return gd__err(GD_EINVAL, "hold reason is not valid UTF-8");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)reason[i] < 0x20 || reason[i] == 0x7f)
			return gd__err(GD_EINVAL, "hold reason has a control character");
	return 0;
}

int gd__hold_find(gd_actor *a, int64_t subject_id, int64_t record_id, int64_t *hold, char *reason,
                  size_t cap)
{
	gd__store *db = a->v->store;
	gd__stmt *st;
	int rc;
	*hold = 0;
	/* record_id < 0: any hold of the subject, on it or on one of its records. */
	for (int pass = 0; pass < 2 && !*hold; pass++) {
		if (pass == 0 && subject_id > 0)
			rc = gd__db_query(db, &st,
			                  record_id < 0 ? "SELECT id, reason FROM holds WHERE tenant_id = ? AND subject_id = ?"
			                                  " AND lifted_at IS NULL LIMIT 1"
			                                : "SELECT id, reason FROM holds WHERE tenant_id = ? AND subject_id = ?"
			                                  " AND record_id = 0 AND lifted_at IS NULL LIMIT 1",
			                  "ii", a->tenant_id, subject_id);
		else if (pass == 1 && record_id > 0)
			rc = gd__db_query(db, &st,
			                  "SELECT id, reason FROM holds WHERE tenant_id = ? AND record_id = ? AND lifted_at IS NULL LIMIT 1",
			                  "ii", a->tenant_id, record_id);
		else
			continue;
		if (rc < 0)
			return rc;
		rc = gd__db_step(db, st);
		if (rc == 1) {
			*hold = gd__col_int(db, st, 0);
			if (reason)
				snprintf(reason, cap, "%s", gd__col_text(db, st, 1));
			rc = 0;
		}
		gd__db_reset(db, st);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int gd_hold_place(gd_actor *a, int64_t *out_id, const char *subject, int64_t record_id,
                  const char *reason)
{
	struct gd__subject s = {0};
	gd_vault *v = a->v;
	int64_t id = 0, owner = 0;
	int rc;

	if ((rc = check_reason(reason)) < 0)
		return rc;
	if (record_id < 0)
		return gd__err(GD_EINVAL, "record id %lld is not valid", (long long)record_id);
	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	if ((rc = gd__subject_load(a, &s, subject, false)) < 0)
		goto done;
	if (record_id) {
		rc = gd__db_int(v->store, &owner, "SELECT subject_id FROM records WHERE id = ? AND tenant_id = ?",
		                "ii", record_id, a->tenant_id);
		if (rc == 0 && owner != s.id)
			rc = GD_ENOTFOUND;
		if (rc == GD_ENOTFOUND)
			rc = gd__err(GD_ENOTFOUND, "subject %s has no record %lld", subject, (long long)record_id);
		if (rc < 0)
			goto done;
	}
	rc = gd__db_next_id(v->store, GD__COUNTER_HOLDS, &id);
	if (rc == 0)
		rc = gd__db_exec(v->store,
		                 "INSERT INTO holds (id, tenant_id, subject_id, record_id, reason, placed_at, placed_by)"
		                 " VALUES (?, ?, ?, ?, ?, ?, ?)",
		                 "iiiitit", id, a->tenant_id, s.id, record_id, reason, (int64_t)gd_vault_now(v),
		                 a->principal);
	if (rc == 0)
		rc = gd__retention_invalidate_subject(v, a->tenant_id, s.id);
	if (rc == 0) {
		char why[GD_HOLD_REASON_MAX + 32];
		snprintf(why, sizeof why, "hold %lld: %s", (long long)id, reason);
		rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "hold.place", .subject = subject, .record_id = record_id, .reason = why});
	}
done:
	rc = gd__op_end(v, rc);
	if (rc == 0 && out_id)
		*out_id = id;
	return rc;
}

int gd_hold_lift(gd_actor *a, int64_t id, const char *reason)
{
	gd_vault *v = a->v;
	gd__stmt *st;
	int64_t subject_id = 0, record_id = 0;
	char subject[GD_SUBJECT_ID_SIZE] = "";
	int rc;

	if (reason && *reason && (rc = check_reason(reason)) < 0)
		return rc;
	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	rc = gd__db_query(v->store, &st,
	                  "SELECT h.subject_id, h.record_id, h.lifted_at, s.pseudonym FROM holds h"
	                  " LEFT JOIN subjects s ON s.id = h.subject_id AND s.tenant_id = h.tenant_id WHERE h.id = ? AND h.tenant_id = ?",
	                  "ii", id, a->tenant_id);
	if (rc < 0)
		goto done;
	rc = gd__db_step(v->store, st);
	if (rc == 0) {
		rc = gd__err(GD_ENOTFOUND, "no hold %lld in tenant %s", (long long)id, a->tenant);
	} else if (rc == 1) {
		subject_id = gd__col_int(v->store, st, 0);
		record_id = gd__col_int(v->store, st, 1);
		snprintf(subject, sizeof subject, "%s", gd__col_text(v->store, st, 3) ? gd__col_text(v->store, st, 3) : "");
		rc = gd__col_null(v->store, st, 2) ? 0
		                                   : gd__err(GD_ESTATE, "hold %lld is already lifted", (long long)id);
	}
	gd__db_reset(v->store, st);
	if (rc < 0)
		goto done;
	rc = gd__db_exec(v->store,
	                 "UPDATE holds SET lifted_at = ?, lifted_by = ?, lift_reason = ? WHERE tenant_id = ? AND id = ?",
	                 "ittii", (int64_t)gd_vault_now(v), a->principal, reason && *reason ? reason : NULL,
	                 a->tenant_id, id);
	if (rc == 0)
		rc = gd__retention_invalidate_subject(v, a->tenant_id, subject_id);
	if (rc == 0 && record_id)
		rc = gd__db_exec(v->store, "UPDATE retention_due SET due_at = -1 WHERE tenant_id = ? AND record_id = ?",
		                 "ii", a->tenant_id, record_id);
	if (rc == 0) {
		char why[GD_HOLD_REASON_MAX + 32];
		snprintf(why, sizeof why, "hold %lld lifted%s%s", (long long)id, reason && *reason ? ": " : "",
		         reason && *reason ? reason : "");
		rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "hold.lift",
		                                                  .subject = subject[0] ? subject : NULL,
		                                                  .record_id = record_id,
		                                                  .reason = why});
	}
done:
	return gd__op_end(v, rc);
}

int gd_hold_list(gd_actor *a, const char *subject, bool all,
                 int (*cb)(void *ud, const gd_hold *h), void *ud)
{
	struct gd__subject s = {0};
	gd_vault *v = a->v;
	gd__stmt *st;
	int rc;
	if (subject && (rc = gd__subject_load(a, &s, subject, false)) < 0)
		return rc;
	rc = gd__db_query(v->store, &st,
	                  "SELECT h.id, s.pseudonym, h.record_id, h.reason, h.placed_at, h.placed_by,"
	                  " coalesce(h.lifted_at, 0) FROM holds h LEFT JOIN subjects s ON s.id = h.subject_id AND s.tenant_id = h.tenant_id"
	                  " WHERE h.tenant_id = ? AND (? = 0 OR h.subject_id = ?) AND (? = 1 OR h.lifted_at IS NULL)"
	                  " ORDER BY h.id",
	                  "iiii", a->tenant_id, s.id, s.id, (int64_t)all);
	if (rc < 0)
		return rc;
	while ((rc = gd__db_step(v->store, st)) == 1) {
		gd_hold h = {0};
		const char *p = gd__col_text(v->store, st, 1);
		h.id = gd__col_int(v->store, st, 0);
		snprintf(h.subject, sizeof h.subject, "%s", p ? p : "");
		h.record_id = gd__col_int(v->store, st, 2);
		snprintf(h.reason, sizeof h.reason, "%s", gd__col_text(v->store, st, 3));
		h.placed_at = gd__col_int(v->store, st, 4);
		snprintf(h.placed_by, sizeof h.placed_by, "%s", gd__col_text(v->store, st, 5));
		h.lifted_at = gd__col_int(v->store, st, 6);
		if ((rc = cb(ud, &h)) != 0)
			break;
	}
	gd__db_reset(v->store, st);
	return rc;
}

/*
 * A whole erasure destroys the subject's key: it is refused while a record
 * must still be kept under a minimum retention (format 2). An erasure request
 * keeps such records and erases the rest (request.c).
 */
static int minimum_blocks(gd_actor *a, const struct gd__subject *s)
{
	const struct gd__register *reg = NULL;
	gd__store *db = a->v->store;
	gd__stmt *st = NULL;
	int rc = gd__register_current(a, &reg);
	if (rc < 0 || !reg)
		return rc;
	rc = gd__db_query(db, &st,
	                  "SELECT r.id, r.activity, r.category, r.subject_category, r.collected_at, o.object"
	                  " FROM records r LEFT JOIN record_objects o ON o.record_id = r.id AND o.tenant_id = r.tenant_id"
	                  " WHERE r.tenant_id = ? AND r.subject_id = ? ORDER BY r.id",
	                  "ii", a->tenant_id, s->id);
	while (rc == 0 && (rc = gd__db_step(db, st)) == 1) {
		int64_t id = gd__col_int(db, st, 0);
		struct gd__record_facts f = {gd__col_text(db, st, 1), gd__col_text(db, st, 2),
		                             gd__col_text(db, st, 3), s->id, gd__col_int(db, st, 4),
		                             gd__col_text(db, st, 5)};
		gd_time until;
		char why[512];
		rc = gd__retention_floor(a, reg, &f, &until, why, sizeof why);
		if (rc == 1)
			rc = gd__err(GD_ESTATE,
			             "subject %s cannot be erased whole: record %lld must be kept (%s); an erasure "
			             "request ('gardien request open erasure', then 'erase') erases the rest and keeps it",
			             s->pseudonym, (long long)id, why);
	}
	if (st)
		gd__db_reset(db, st);
	return rc < 0 ? rc : 0;
}

int gd__retention_erase_hook(gd_actor *a, const struct gd__subject *s)
{
	gd_vault *v = a->v;
	int rc;
	if (!gd__journal_replaying()) {
		int64_t hold = 0;
		char reason[GD_HOLD_REASON_MAX + 1] = "";
		if ((rc = gd__hold_find(a, s->id, -1, &hold, reason, sizeof reason)) < 0)
			return rc;
		if (hold)
			return gd__err(GD_ESTATE,
			               "subject %s is under legal hold %lld (%s): its erasure is suspended until the "
			               "hold is lifted with 'gardien hold lift %lld'",
			               s->pseudonym, (long long)hold, reason, (long long)hold);
		if ((rc = minimum_blocks(a, s)) < 0)
			return rc;
	}
	rc = gd__db_exec(v->store, "DELETE FROM events WHERE tenant_id = ? AND subject_id = ?", "ii", a->tenant_id,
	                 s->id);
	if (rc == 0)
		rc = gd__db_exec(v->store, "DELETE FROM object_events WHERE tenant_id = ? AND subject_id = ?", "ii",
		                 a->tenant_id, s->id);
	if (rc == 0)
		rc = gd__db_exec(v->store, "DELETE FROM holds WHERE tenant_id = ? AND subject_id = ?", "ii", a->tenant_id,
		                 s->id);
	/* The records go next, with their index rows (subject.c, gd__records_delete_subject). */
	if (rc == 0 && !gd__journal_replaying()) {
		unsigned char entry[GD__JOURNAL_ENTRY_SIZE];
		struct gd__journal_entry e = {.kind = GD__J_ERASE, .at = gd_vault_now(v)};
		snprintf(e.subject, sizeof e.subject, "%s", s->pseudonym);
		snprintf(e.tenant, sizeof e.tenant, "%s", a->tenant);
		gd__journal_encode(entry, &e);
		rc = gd__journal_append(a, entry, 1);
	}
	return rc;
}
