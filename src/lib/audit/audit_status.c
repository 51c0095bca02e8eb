/*
 * audit_status.c — how fresh a tenant's signed checkpoints are, for the
 * server's /metrics (a DPO alerts when a chain goes long unsigned).
 * Reads only; not audited (a scrape every few seconds would flood the chain).
 */
#include "lib/audit/audit.h"
#include "lib/internal.h"

int gd_audit_last_checkpoint(gd_actor *a, gd_time *out)
{
	int64_t at = 0;
	int rc = gd__db_int(a->v->store, &at,
	                    "SELECT coalesce(max(at), 0) FROM audit_checkpoints WHERE tenant_id = ? AND kind = 0", "i",
	                    a->tenant_id);
	*out = rc < 0 ? 0 : (gd_time)at;
	return rc < 0 ? rc : 0;
}
