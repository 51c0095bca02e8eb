/*
 * breach_controllers.c — a breach of data held as processor, told to the
 * controllers (Art. 33(2): "The processor shall notify the controller
 * without undue delay after becoming aware of a personal data breach";
 * WinBooks: "Vous notifier dans les meilleurs délais tout cas de violation de
 * données").
 *
 * The controllers are the customers of the processor activities
 * (record_clients). Each is sent one outbox notice "breach:ID" (rights/owed.c
 * queues them); the clock runs from the breach's detection to
 * GD_BREACH_PROCESSOR_DEADLINE and stops when every notice is acknowledged.
 * The clock is computed from the outbox, never stored: acknowledging a notice
 * is what tells it the customer was told.
 */
#include <stdio.h>

#include "lib/breach/breach.h"
#include "lib/rights/rights.h"

int gd_breach_tell_controllers(gd_actor *a, int64_t id, const char *activity, int64_t *out_queued)
{
	gd_vault *v = a->v;
	int64_t one = 0, n = 0;
	char why[GD_NAME_MAX + 64];
	int rc;
	if (out_queued)
		*out_queued = 0;
	if (activity && (rc = gd__check_name(activity, "activity")) < 0)
		return rc;
	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	rc = gd__db_int(v->store, &one, "SELECT 1 FROM breaches WHERE id = ? AND tenant_id = ?", "ii", id,
	                a->tenant_id);
	if (rc == GD_ENOTFOUND)
		rc = gd__err(GD_ENOTFOUND, "no breach %lld in tenant %s: see 'gardien breach list'", (long long)id,
		             a->tenant);
	if (rc == 0)
		rc = gd__owed_breach(a, id, activity, &n);
	snprintf(why, sizeof why, "breach %lld: %lld controller notice(s) queued%s%s", (long long)id, (long long)n,
	         activity ? ", activity " : "", activity ? activity : "");
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "breach.controllers", .reason = why});
	rc = gd__op_end(v, rc);
	if (rc == 0 && out_queued)
		*out_queued = n;
	return rc;
}

int gd__breach_controllers_clock(gd_actor *a, gd_breach *b)
{
	int64_t told = 0, pending = 0;
	gd_time last = 0;
	int rc = gd__owed_breach_clock(a, b->id, &told, &pending, &last);
	if (rc < 0)
		return rc;
	b->controllers_told = told;
	b->controllers_pending = pending;
	b->controllers_done_at = told && !pending ? last : 0;
	if (!told)
		b->controllers_status = "none";
	else if (pending)
		b->controllers_status = gd_vault_now(a->v) > b->controllers_deadline ? "overdue" : "owed";
	else
		b->controllers_status = last > b->controllers_deadline ? "told-late" : "told";
	return 0;
}
