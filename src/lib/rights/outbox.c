/*
 * outbox.c — notifications owed to recipients under Art. 19: when a subject's
 * data is rectified, erased or restricted, every recipient and processor the
 * register names for the activity (internal services and authorities
 * excepted) gets a notice.
 * Every path owes them: requests, plain updates and deletions, erasure of a
 * whole subject (the erase hook) and the retention sweep's deletions.
 * Applications and the server read the outbox and acknowledge what they have
 * passed on; a notice names the pseudonym, never personal data.
 */
#include <stdio.h>
#include <string.h>

#include "lib/rights/rights.h"

static int queue(gd_actor *a, const struct gd__party *p, const char *action, const char *subject,
                 const char *activity, const char *category, int64_t record_id, int64_t request_id)
{
	/* Internal services share the vault; authorities receive data only on requisition. */
	if (!p->name || (p->kind && (strcmp(p->kind, "internal") == 0 || strcmp(p->kind, "authority") == 0)))
		return 0;
	return gd__db_exec(a->v->store,
	                   "INSERT INTO outbox (tenant_id, at, recipient, action, subject, activity, category,"
	                   " record_id, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                   "iitttttii", a->tenant_id, (int64_t)gd_vault_now(a->v), p->name, action, subject,
	                   activity, category, record_id, request_id);
}

int gd__outbox_notify(gd_actor *a, const char *action, const char *subject, const char *activity,
                      const char *category, int64_t record_id, int64_t request_id)
{
	const struct gd__register *reg;
	int rc = gd__rights_register(a, &reg);
	if (rc < 0)
		return rc;
	const struct gd__activity *act = gd__rights_activity(reg, activity);
	for (size_t i = 0; act && rc == 0 && i < act->nrecipients; i++)
		rc = queue(a, &act->recipients[i], action, subject, activity, category, record_id, request_id);
	for (size_t i = 0; act && rc == 0 && i < act->nprocessors; i++)
		rc = queue(a, &act->processors[i], action, subject, activity, category, record_id, request_id);
	return rc;
}

int gd__outbox_erase_hook(gd_actor *a, const struct gd__subject *s)
{
	enum {
		PAGE = 64
	};
	const struct gd__register *reg;
	gd__store *db = a->v->store;
	size_t n;
	int rc = gd__rights_register(a, &reg);
	if (rc < 0 || !reg)
		return rc; /* no register, no recipient */
	char(*acts)[GD_NAME_MAX + 1] = gd__calloc(PAGE, GD_NAME_MAX + 1);
	if (!acts)
		return GD_ENOMEM;
	/* A page of activities at a time, however many: an erasure never fails for its notices' sake. */
	do {
		gd__stmt *st = NULL;
		char after[GD_NAME_MAX + 1] = "";
		n = 0;
		if (*acts[PAGE - 1])
			snprintf(after, sizeof after, "%s", acts[PAGE - 1]);
		rc = gd__db_query(db, &st,
		                  "SELECT DISTINCT activity FROM records WHERE tenant_id = ? AND subject_id = ? AND activity > ?"
		                  " ORDER BY activity LIMIT ?",
		                  "iiti", a->tenant_id, s->id, after, (int64_t)PAGE);
		while (rc == 0 && (rc = gd__db_step(db, st)) == 1) {
			snprintf(acts[n++], GD_NAME_MAX + 1, "%s", gd__col_text(db, st, 0));
			rc = 0;
		}
		if (st)
			gd__db_reset(db, st);
		for (size_t i = 0; rc == 0 && i < n; i++)
			rc = gd__outbox_notify(a, "erasure", s->pseudonym, acts[i], NULL, 0, a->request_id);
	} while (rc == 0 && n == PAGE);
	gd__free(acts);
	return rc;
}

int gd_outbox_list(gd_actor *a, const char *recipient, bool pending_only,
                   int (*cb)(void *ud, const gd_notice *n), void *ud)
{
	gd__store *db = a->v->store;
	gd__stmt *st = NULL;
	int rc;
	if (recipient && strlen(recipient) > GD_NAME_MAX * 2)
		return gd__err(GD_ETOOBIG, "recipient name is too long");
#define NOTICE_COLUMNS "id, at, recipient, action, subject, activity, category, record_id, request_id, acked_at"
	/* Two statements rather than "? IS NULL": PostgreSQL cannot type a bare NULL parameter. */
	if (recipient)
		rc = gd__db_query(db, &st,
		                  "SELECT " NOTICE_COLUMNS " FROM outbox WHERE tenant_id = ? AND recipient = ?"
		                  " AND (? = 0 OR acked_at = 0) ORDER BY id",
		                  "iti", a->tenant_id, recipient, (int64_t)pending_only);
	else
		rc = gd__db_query(db, &st,
		                  "SELECT " NOTICE_COLUMNS " FROM outbox WHERE tenant_id = ?"
		                  " AND (? = 0 OR acked_at = 0) ORDER BY id",
		                  "ii", a->tenant_id, (int64_t)pending_only);
	while (rc == 0 && (rc = gd__db_step(db, st)) == 1) {
		gd_notice n = {
			.id = gd__col_int(db, st, 0), .at = gd__col_int(db, st, 1), .recipient = gd__col_text(db, st, 2), .action = gd__col_text(db, st, 3), .subject = gd__col_text(db, st, 4), .activity = gd__col_text(db, st, 5), .category = gd__col_null(db, st, 6) ? "" : gd__col_text(db, st, 6), .record_id = gd__col_int(db, st, 7), .request_id = gd__col_int(db, st, 8), .acked_at = gd__col_int(db, st, 9)};
		rc = cb(ud, &n);
	}
	if (st)
		gd__db_reset(db, st);
	return rc;
}

int gd_outbox_ack(gd_actor *a, int64_t id)
{
	gd_vault *v = a->v;
	int64_t acked = 0;
	int rc;
	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	rc = gd__db_int(v->store, &acked, "SELECT acked_at FROM outbox WHERE id = ? AND tenant_id = ?", "ii", id,
	                a->tenant_id);
	if (rc == GD_ENOTFOUND)
		rc = gd__err(GD_ENOTFOUND, "no notice %lld in the outbox of tenant %s", (long long)id, a->tenant);
	else if (rc == 0 && acked)
		rc = gd__err(GD_ESTATE, "notice %lld was already acknowledged", (long long)id);
	if (rc == 0)
		rc = gd__db_exec(v->store, "UPDATE outbox SET acked_at = ?, acked_by = ? WHERE tenant_id = ? AND id = ?", "itii",
		                 (int64_t)gd_vault_now(v), a->principal, a->tenant_id, id);
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "outbox.ack", .record_id = id});
	return gd__op_end(v, rc);
}
