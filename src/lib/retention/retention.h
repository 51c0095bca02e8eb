/*
 * retention.h — what retention.c, event.c, hold.c and backup.c share.
 * The erasure journal is lib/backup/journal.h.
 *
 * The due-date index (table retention_due, 50-retention.sql) holds each
 * record's next transition. It is kept exact by invalidation: a new record, an
 * event of its subject, or a hold placed or lifted sets due_at to
 * GD__DUE_PENDING, and the next sweep recomputes it from the register (the plan
 * computes from the records themselves and never writes).
 */
#ifndef GD_RETENTION_INTERNAL_H
#define GD_RETENTION_INTERNAL_H

#include <stdbool.h>

#include "lib/internal.h"
#include "lib/backup/journal.h"
#include "lib/register/register.h"

#define GD__DUE_PENDING ((gd_time)-1)
#define GD__DUE_HELD ((gd_time)INT64_MAX - 1)
#define GD__DUE_NEVER ((gd_time)INT64_MAX)

/* The tenant's register (gd__register_current), or NULL in *out when none is loaded. */
int gd__retention_register(gd_actor *a, const struct gd__register **out);

/* The engine, with the register given explicitly (tests and benchmarks build one in C). */
int gd__retention_sweep(gd_actor *a, const struct gd__register *reg,
                        const gd_retention_sweep_options *opts, gd_retention_stats *out);
int gd__retention_plan(gd_actor *a, const struct gd__register *reg, gd_time until,
                       int (*cb)(void *ud, const gd_retention_plan_row *row), void *ud,
                       gd_retention_plan_totals *out);
/* Event recording with the register given (NULL: no check of the name). */
int gd__event_record(gd_actor *a, const struct gd__register *reg, const char *subject,
                     const char *name, gd_time at);

/* What the minimum-retention and retention-end questions need to know of a record. */
struct gd__record_facts {
	const char *activity, *category;
	const char *subject_category; /* NULL or "": not recorded */
	int64_t subject_id;           /* 0: anonymised */
	gd_time collected_at;
	const char *object; /* NULL or "": the subject as a whole */
};

/*
 * Format 2 minimum retention: 1 when the record must still be kept (a
 * minimum of a rule covering it has not passed, or counts from an event not
 * yet recorded), with its end in *until (0: awaiting the event) and a
 * sentence naming the rule in `why`; 0 when it may go; < 0 on error.
 */
int gd__retention_floor(gd_actor *a, const struct gd__register *reg, const struct gd__record_facts *f,
                        gd_time *until, char *why, size_t cap);

/*
 * What ends a record's retention, as a sentence for an erasure answer: the
 * date, or the event awaited, or plainly that no rule covers the data; the
 * date (last second kept) in *until, 0 when it is not known.
 */
int gd__retention_ends(gd_actor *a, const struct gd__register *reg, const struct gd__record_facts *f,
                       gd_time *until, char *out, size_t cap);

/* Marks every record of a subject for rescheduling (inside the caller's operation). */
int gd__retention_invalidate_subject(gd_vault *v, int64_t tenant_id, int64_t subject_id);

/* policy.c read check: archived records only for the legal-claims activity. */
int gd__retention_check_read(gd_actor *a, const struct gd__record_meta *m, const char *purpose);

/* subject.c erase hook: refuses under a hold, drops events, holds and the index rows, journals the erasure. */
int gd__retention_erase_hook(gd_actor *a, const struct gd__subject *s);

/*
 * What a deletion of records owes the due-date index, as no trigger does it
 * (50-retention.sql): their rows go. Called by the records table's owner
 * (record.c) in the deleting transaction: records `first`..`last` of tenant
 * `tenant_id`, or a list of records by id (a subject's, before the records
 * themselves are deleted).
 */
int gd__retention_forget(gd_vault *v, int64_t tenant_id, int64_t first, int64_t last);
/*
 * Enters a new record in the due-date index, unscheduled (the next sweep
 * computes its date). Called by gd_record_put before it inserts the record:
 * a row whose record never came (the put failed after it) is dropped by the
 * next sweep that reaches it, and ids are never given twice.
 */
int gd__retention_track(gd_vault *v, int64_t record_id, int64_t tenant_id);
/* Record `record_id` of tenant `tenant_id` (a subject's, one by one: record.c). */
int gd__retention_forget_one(gd_vault *v, int64_t tenant_id, int64_t record_id);

/* Removes the personal part of a record (see docs/retention.md, "Anonymisation"). */
int gd__retention_anonymise_row(gd_actor *a, int64_t record_id, gd_time collected_at);

/* An active hold of the actor's tenant covering the subject or the record: its id in *hold (0: none). */
int gd__hold_find(gd_actor *a, int64_t subject_id, int64_t record_id, int64_t *hold,
                  char *reason, size_t cap);

#endif
