/*
 * forward.c — requests over data held as a processor go to the controller.
 *
 * A record stored for a processor activity is the customer's (the controller,
 * record_clients). When its data subject exercises a right with the
 * processor, Art. 28(3)(e) has the processor assist the controller, not answer
 * in its place: the request is recorded as usual (with its due date, the
 * deadline the controller must meet), one outbox notice per customer and
 * processor activity forwards it ("forward:<kind>", naming the request), and
 * the records are not answered from: no export, no erasure, no rectification
 * here. What the controller then instructs is carried out by the ordinary
 * paths (gardien delete, client erase...).
 *
 * Invariants: a notice names the pseudonym and the customer, never personal
 * data; forwarding happens inside the request's own operation, so a refused
 * or failed request forwards nothing.
 */
#include <stdio.h>
#include <string.h>

#include "lib/records/records.h"
#include "lib/rights/rights.h"

bool gd__rights_held_as_processor(const struct gd__register *reg, const char *activity)
{
	const struct gd__activity *act = gd__rights_activity(reg, activity);
	return act && act->role == GD__ROLE_PROCESSOR;
}

int gd__rights_forward(gd_actor *a, int64_t subject_id, const char *pseudonym, const char *kind,
                       int64_t request_id, int64_t *forwarded)
{
	gd__store *db = a->v->store;
	char action[48];
	int64_t n = 0;
	snprintf(action, sizeof action, "forward:%s", kind);
	/* Each (customer, activity) pair once; the casts type the parameters for PostgreSQL. */
	int rc = gd__db_exec(db,
	                     "INSERT INTO outbox (tenant_id, at, recipient, action, subject, activity, category,"
	                     " record_id, request_id)"
	                     " SELECT DISTINCT CAST(? AS BIGINT), CAST(? AS BIGINT), c.client, CAST(? AS TEXT),"
	                     " CAST(? AS TEXT), r.activity, CAST(NULL AS TEXT), CAST(0 AS BIGINT), CAST(? AS BIGINT)"
	                     " FROM records r JOIN record_clients c ON c.record_id = r.id AND c.tenant_id = r.tenant_id"
	                     " WHERE r.tenant_id = ? AND r.subject_id = ?",
	                     "iittiii", a->tenant_id, (int64_t)gd_vault_now(a->v), action, pseudonym, request_id,
	                     a->tenant_id, subject_id);
	if (rc == 0)
		rc = gd__db_int(db, &n,
		                "SELECT count(*) FROM outbox WHERE tenant_id = ? AND request_id = ? AND action = ?",
		                "iit", a->tenant_id, request_id, action);
	if (rc == 0 && n > 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){
						.action = "request.forward", .subject = pseudonym, .record_id = request_id, .reason = "held as processor: forwarded to the controller (Art. 28(3)(e))"});
	if (forwarded)
		*forwarded = n;
	return rc;
}
