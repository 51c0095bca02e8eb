/*
 * owed.c — notices owed to people and customers, beside the Art. 19 notices
 * of outbox.c and on the same outbox: what a notice promised to tell them.
 *
 *  - "authority:REF": a record disclosed to an authority (gd_record_disclose)
 *    is told to whoever the data belongs to, the customer for data held as
 *    processor, else the subject ("s'engage à prévenir dans les meilleurs
 *    délais, les clients ... d'une telle demande"), unless the request or the
 *    law forbids it, which is then recorded as the reason;
 *  - "change": a change the company makes to a person's data, not one the
 *    person asked for, is told to the person when the register's
 *    rectification right says so (inform_changes: "ces derniers en seront
 *    spontanément informés");
 *  - "policy-change:vN": a new register version that changes what people
 *    were told is brought to their attention ("Toute nouvelle version ...
 *    sera portée à la connaissance des clients/prospects"), one notice per
 *    section or activity changed;
 *  - "breach:ID": a breach of data held as processor is notified to each
 *    customer (the controller) without undue delay (Art. 33(2)), on a clock of
 *    its own (breach/breach_controllers.c).
 *
 * Invariants: a notice names a pseudonym ("*" for everyone), an activity and
 * a customer, never personal data; every notice is queued inside the
 * operation that owes it, so a failed operation owes nothing.
 */
#include <stdio.h>
#include <string.h>

#include "lib/rights/rights.h"

/* The outbox's recipient for notices to the data subject itself, and to every subject. */
#define TO_SUBJECT "subject"
#define TO_SUBJECTS "subjects"

static int queue(gd_actor *a, const char *recipient, const char *action, const char *subject,
                 const char *activity, const char *category, int64_t record_id)
{
	return gd__db_exec(a->v->store,
	                   "INSERT INTO outbox (tenant_id, at, recipient, action, subject, activity, category,"
	                   " record_id, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                   "iitttttii", a->tenant_id, (int64_t)gd_vault_now(a->v), recipient, action, subject,
	                   activity, category, record_id, a->request_id);
}

static bool names_authority(const struct gd__activity *act)
{
	for (size_t i = 0; act && i < act->nrecipients; i++)
		if (act->recipients[i].kind && strcmp(act->recipients[i].kind, "authority") == 0)
			return true;
	return false;
}

int gd__owed_read_check(gd_actor *a, const struct gd__record_meta *m, const char *purpose)
{
	(void)m;
	if (a->disclosing)
		return 0;
	const struct gd__register *reg;
	int rc = gd__rights_register(a, &reg);
	if (rc < 0 || !reg)
		return rc;
	const struct gd__activity *act = gd__rights_activity(reg, purpose);
	if (act && act->answers_authorities)
		return gd__err(GD_EDENIED,
		               "activity \"%s\" answers authorities' requests (answers_authorities): read for it with 'gardien disclose' and the legal reference, so that the customer or the person is told",
		               purpose);
	return 0;
}

int gd_record_disclose(gd_actor *a, gd_record **out, int64_t id, const char *purpose, const gd_disclosure *d)
{
	const struct gd__register *reg = NULL;
	gd_vault *v = a->v;
	char action[GD_REASON_MAX + 16], why[GD_REASON_MAX * 3 + 96];
	int64_t told = 0;
	int rc;

	*out = NULL;
	if (!d || d->version != GD_DISCLOSURE_VERSION)
		return gd__err(GD_EINVAL, "gd_disclosure is missing or of an unsupported version");
	if ((rc = gd__check_text(d->authority, "authority")) < 0 ||
	    (rc = gd__check_text(d->legal_reference, "legal reference")) < 0 ||
	    (d->withhold && (rc = gd__check_text(d->withhold, "reason to withhold the notice")) < 0))
		return rc;
	if ((rc = gd__check_name(purpose, "purpose")) < 0 || (rc = gd__rights_register(a, &reg)) < 0)
		return rc;
	const struct gd__activity *act = gd__rights_activity(reg, purpose);
	if (reg && !names_authority(act))
		return gd__err(GD_EDENIED,
		               "activity \"%s\" names no authority among its recipients (register version %lld): disclose for an activity whose notice announces it (a recipient of kind authority)",
		               purpose, (long long)reg->version);
	/* The read itself: every check of an ordinary read, audited as one. */
	a->disclosing = true;
	rc = gd_record_get(a, out, id, purpose);
	a->disclosing = false;
	if (rc < 0)
		return rc;
	gd_record *r = *out;
	snprintf(action, sizeof action, "authority:%s", d->legal_reference);
	if ((rc = gd__op_begin(v)) < 0)
		goto fail;
	if (!d->withhold && gd__rights_held_as_processor(reg, r->activity)) {
		/* The customer's data: the customer is told (record_clients names it). */
		rc = gd__db_exec(v->store,
		                 "INSERT INTO outbox (tenant_id, at, recipient, action, subject, activity, category,"
		                 " record_id, request_id)"
		                 " SELECT CAST(? AS BIGINT), CAST(? AS BIGINT), c.client, CAST(? AS TEXT),"
		                 " CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), c.record_id, CAST(0 AS BIGINT)"
		                 " FROM record_clients c WHERE c.record_id = ? AND c.tenant_id = ?",
		                 "iittttii", a->tenant_id, (int64_t)gd_vault_now(v), action, r->subject, r->activity,
		                 r->category, id, a->tenant_id);
		if (rc == 0)
			rc = gd__db_int(v->store, &told,
			                "SELECT count(*) FROM outbox WHERE tenant_id = ? AND record_id = ? AND action = ?",
			                "iit", a->tenant_id, id, action);
	} else if (!d->withhold) {
		rc = queue(a, TO_SUBJECT, action, r->subject, r->activity, r->category, id);
		told = 1;
	}
	if (d->withhold)
		snprintf(why, sizeof why, "to %s under %s; notice withheld: %s", d->authority, d->legal_reference,
		         d->withhold);
	else
		snprintf(why, sizeof why, "to %s under %s; %lld notice(s) queued", d->authority, d->legal_reference,
		         (long long)told);
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){
						.action = "record.disclose", .purpose = purpose, .subject = r->subject, .record_id = id, .category = r->category, .reason = why});
	rc = gd__op_end(v, rc);
	if (rc == 0)
		return 0;
fail:
	/* Never handed out without its notice. */
	gd_record_free(*out);
	*out = NULL;
	return rc;
}

int gd__owed_change(gd_actor *a, const char *subject, const char *activity, const char *category,
                    int64_t record_id)
{
	const struct gd__register *reg;
	int rc = gd__rights_register(a, &reg);
	if (rc < 0 || !reg || a->request_id)
		return rc; /* a change the person asked for needs no notice of it */
	const struct gd__right *rt = gd__rights_right(reg, "rectification");
	/* Data held as processor is the customer's to tell its users about. */
	if (!rt || !rt->inform_changes || gd__rights_held_as_processor(reg, activity))
		return 0;
	return queue(a, TO_SUBJECT, "change", subject, activity, category, record_id);
}

int gd__owed_policy_change(gd_actor *a, int64_t version, const char *where)
{
	char action[48];
	snprintf(action, sizeof action, "policy-change:v%lld", (long long)version);
	return queue(a, TO_SUBJECTS, action, "*", where, NULL, 0);
}

int gd__owed_breach(gd_actor *a, int64_t breach_id, const char *activity, int64_t *queued)
{
	gd__store *db = a->v->store;
	const struct gd__register *reg;
	char action[48];
	int64_t before = 0, after = 0;
	int rc = gd__rights_register(a, &reg);
	if (rc < 0)
		return rc;
	*queued = 0;
	if (!reg)
		return gd__err(GD_ESTATE, "tenant %s has no register: which activities it runs as processor is not known", a->tenant);
	if (activity && !gd__rights_held_as_processor(reg, activity))
		return gd__err(GD_EINVAL, "activity \"%s\" is not one the register runs as processor: its controllers are the customers of a processor activity", activity);
	snprintf(action, sizeof action, "breach:%lld", (long long)breach_id);
	if ((rc = gd__db_int(db, &before, "SELECT count(*) FROM outbox WHERE tenant_id = ? AND action = ?", "it",
	                     a->tenant_id, action)) < 0)
		return rc;
	for (size_t i = 0; rc == 0 && i < reg->nactivities; i++) {
		const struct gd__activity *act = &reg->activities[i];
		if (act->role != GD__ROLE_PROCESSOR || (activity && strcmp(act->id, activity) != 0))
			continue;
		/* Each customer of the activity once, and never twice for one breach. */
		rc = gd__db_exec(db,
		                 "INSERT INTO outbox (tenant_id, at, recipient, action, subject, activity, category,"
		                 " record_id, request_id)"
		                 " SELECT DISTINCT CAST(? AS BIGINT), CAST(? AS BIGINT), c.client, CAST(? AS TEXT),"
		                 " CAST('*' AS TEXT), r.activity, CAST(NULL AS TEXT), CAST(0 AS BIGINT), CAST(0 AS BIGINT)"
		                 " FROM records r JOIN record_clients c ON c.record_id = r.id AND c.tenant_id = r.tenant_id"
		                 " WHERE r.tenant_id = ? AND r.activity = ? AND NOT EXISTS (SELECT 1 FROM outbox o"
		                 " WHERE o.tenant_id = r.tenant_id AND o.action = ? AND o.recipient = c.client"
		                 " AND o.activity = r.activity)",
		                 "iititt", a->tenant_id, (int64_t)gd_vault_now(a->v), action, a->tenant_id, act->id,
		                 action);
	}
	if (rc == 0)
		rc = gd__db_int(db, &after, "SELECT count(*) FROM outbox WHERE tenant_id = ? AND action = ?", "it",
		                a->tenant_id, action);
	*queued = after - before;
	return rc;
}

int gd__owed_breach_clock(gd_actor *a, int64_t breach_id, int64_t *owed, int64_t *pending, gd_time *last_ack)
{
	gd__store *db = a->v->store;
	char action[48];
	snprintf(action, sizeof action, "breach:%lld", (long long)breach_id);
	int rc = gd__db_int(db, owed, "SELECT count(*) FROM outbox WHERE tenant_id = ? AND action = ?", "it",
	                    a->tenant_id, action);
	if (rc == 0)
		rc = gd__db_int(db, pending,
		                "SELECT count(*) FROM outbox WHERE tenant_id = ? AND action = ? AND acked_at = 0", "it",
		                a->tenant_id, action);
	if (rc == 0)
		rc = gd__db_int(db, last_ack,
		                "SELECT coalesce(max(acked_at), 0) FROM outbox WHERE tenant_id = ? AND action = ?", "it",
		                a->tenant_id, action);
	return rc;
}
