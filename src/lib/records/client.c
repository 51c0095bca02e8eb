/*
 * client.c — the customers of a processor (issue 18 item 9). In a processor
 * activity every record is processed for a customer, the controller
 * (record_clients, "--client"); at the end of the customer's contract
 * (Art. 28(3)(g)) all of its data goes in one operation: gd_client_erase.
 *
 * Invariants: the erasure is one transaction, audited ("client.erase" with
 * the counts; each record's deletion journaled so that a restored backup
 * deletes it again); a record under a legal hold is kept and reported; a
 * subject left with no record at all is erased whole (its identifiers are
 * the customer's data too), one that still has records of another customer
 * or of the controller's own activities keeps them.
 */
#include <stdio.h>
#include <string.h>

#include "lib/internal.h"
#include "lib/records/records.h"
#include "lib/retention/retention.h"

#define CLIENT_MAX_RECORDS 10000000

struct doomed {
	int64_t id, subject_id;
	gd_time collected_at;
	char subject[GD_SUBJECT_ID_SIZE];
};

int gd_client_erase(gd_actor *a, const char *client, gd_client_erase_report *out)
{
	gd_vault *v = a->v;
	gd__store *db = v->store;
	gd__stmt *st = NULL;
	struct doomed *del = NULL;
	size_t n = 0, cap = 0;
	gd_client_erase_report rep = {0};
	int rc;

	if (out)
		*out = rep;
	if ((rc = gd__check_name(client, "client")) < 0)
		return rc;
	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	rc = gd__db_query(db, &st,
	                  "SELECT r.id, r.subject_id, r.collected_at, s.pseudonym FROM record_clients c"
	                  " JOIN records r ON r.id = c.record_id AND r.tenant_id = c.tenant_id LEFT JOIN subjects s ON s.id = r.subject_id AND s.tenant_id = r.tenant_id"
	                  " WHERE c.client = ? AND r.tenant_id = ? ORDER BY r.id",
	                  "ti", client, a->tenant_id);
	while (rc == 0 && (rc = gd__db_step(db, st)) == 1) {
		rc = 0;
		if (n == cap) {
			if (cap >= CLIENT_MAX_RECORDS) {
				rc = gd__err(GD_ETOOBIG, "client %s has more than %d records", client, CLIENT_MAX_RECORDS);
				break;
			}
			size_t ncap = cap ? cap * 2 : 64;
			struct doomed *p = gd__malloc(ncap * sizeof *p);
			if (!p) {
				rc = gd__err(GD_ENOMEM, "out of memory");
				break;
			}
			if (n)
				memcpy(p, del, n * sizeof *p);
			gd__free(del);
			del = p, cap = ncap;
		}
		struct doomed *d = &del[n++];
		d->id = gd__col_int(db, st, 0);
		d->subject_id = gd__col_int(db, st, 1);
		d->collected_at = gd__col_int(db, st, 2);
		gd__copy(d->subject, sizeof d->subject, gd__col_text(db, st, 3));
	}
	if (st)
		gd__db_reset(db, st);
	if (rc < 0)
		goto done;
	if (n == 0) {
		rc = gd__err(GD_ENOTFOUND, "no record of client %s in tenant %s", client, a->tenant);
		goto done;
	}
	bool journaling = !gd__journal_replaying();
	for (size_t i = 0; rc == 0 && i < n; i++) {
		int64_t hold = 0;
		if ((rc = gd__hold_find(a, del[i].subject_id, del[i].id, &hold, NULL, 0)) < 0)
			break;
		if (hold) {
			rep.held++;
			del[i].id = 0; /* kept */
			continue;
		}
		unsigned char entry[GD__JOURNAL_ENTRY_SIZE];
		struct gd__journal_entry e = {.kind = GD__J_DELETE, .at = gd_vault_now(v), .record_id = del[i].id, .collected_at = del[i].collected_at};
		snprintf(e.subject, sizeof e.subject, "%s", del[i].subject);
		snprintf(e.tenant, sizeof e.tenant, "%s", a->tenant);
		gd__journal_encode(entry, &e);
		rc = gd__records_delete(v, a->tenant_id, del[i].id, del[i].id, NULL);
		if (rc == 0 && journaling)
			rc = gd__journal_append(a, entry, 1);
		rep.deleted++;
	}
	/* Subjects left with nothing are the customer's end users: erased whole. */
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (!del[i].subject_id || !del[i].subject[0] || (i && del[i].subject_id == del[i - 1].subject_id))
			continue;
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = del[k].subject_id == del[i].subject_id;
		if (seen)
			continue;
		int64_t left = 0;
		if ((rc = gd__db_int(db, &left, "SELECT count(*) FROM records WHERE tenant_id = ? AND subject_id = ?",
		                     "ii", a->tenant_id, del[i].subject_id)) < 0)
			break;
		if (left)
			continue;
		if ((rc = gd_subject_erase(a, del[i].subject)) == 0)
			rep.subjects_erased++;
	}
	if (rc == 0) {
		char why[160];
		snprintf(why, sizeof why, "end of the customer's contract: %zu record(s) deleted, %zu subject(s) erased, %zu kept under a legal hold",
		         rep.deleted, rep.subjects_erased, rep.held);
		/* The client key names a company, not a person: it goes to the trail as the category. */
		rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "client.erase", .category = client, .reason = why});
	}
	if (rc == 0)
		v->tx.needs_scrub = true;
done:
	rc = gd__op_end(v, rc);
	gd__free(del);
	if (rc == 0 && out)
		*out = rep;
	return rc;
}
