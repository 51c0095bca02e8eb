/*
 * rights.h — what the rights, consent and outbox modules share inside the
 * library: access to the register, the policy checks they contribute to
 * policy.c, the erasure hook for subject.c, and the outbox writer.
 */
#ifndef GD_RIGHTS_INTERNAL_H
#define GD_RIGHTS_INTERNAL_H

#include <stdbool.h>

#include "lib/internal.h"
#include "lib/register/register.h"
#include "lib/rights/limits.h"

/*
 * The register in force for the actor's tenant, or NULL in *out when there is
 * none (the rights modules then apply only what needs no register): the
 * register module's gd__register_current, unless a test overrides it.
 */
int gd__rights_register(gd_actor *a, const struct gd__register **out);

/*
 * Tests only: makes gd__rights_register return `r` (NULL: back to the
 * register module) for this thread. Lets unit tests play a register model
 * built in memory; the register module's own loader is tested on its side.
 */
void gd__rights_use_register(const struct gd__register *r);

/* Lookups in a register that may be NULL. */
const struct gd__activity *gd__rights_activity(const struct gd__register *r, const char *id);
const struct gd__right *gd__rights_right(const struct gd__register *r, const char *kind);

/* `t` + `p` (years and months by gd_time_add_months, then days). */
gd_time gd__period_add(gd_time t, struct gd__period p);
bool gd__period_zero(struct gd__period p);

/* The retention rule of `act` covering `category`, or NULL. */
const struct gd__retention *gd__retention_of(const struct gd__activity *act, const char *category);
/* The last second a record collected at `collected` is kept under `ret`; 0 when counted from an event. */
gd_time gd__retention_end(const struct gd__retention *ret, gd_time collected);

/* State of the consent of subject row `subject_id` to `activity` now; `*exp` its expiry or 0. */
int gd__consent_state(gd_actor *a, enum gd_consent_state *out, gd_time *exp, int64_t subject_id,
                      const char *activity);

/* The consent history of subject row `subject_id` (no operation, no audit: the caller's). */
int gd__consent_history(gd_actor *a, int64_t subject_id, const char *subject, gd_consent_cb cb, void *ud);

/* Policy checks (policy.c tables). */
int gd__consent_read_check(gd_actor *a, const struct gd__record_meta *m, const char *purpose);

/*
 * forward.c. True when `activity` is one the register runs as processor (its
 * records are a customer's, Art. 28). gd__rights_forward queues one outbox
 * notice "forward:KIND" per (customer, processor activity) of the subject's
 * records, naming request `request_id` (whose due date is the deadline), and
 * audits it; *forwarded (may be NULL) gets the count.
 */
bool gd__rights_held_as_processor(const struct gd__register *reg, const char *activity);
int gd__rights_forward(gd_actor *a, int64_t subject_id, const char *pseudonym, const char *kind,
                       int64_t request_id, int64_t *forwarded);
/* Objection (Art. 21) and restriction (Art. 18) of the record's subject (limits.c). */
int gd__limits_read_check(gd_actor *a, const struct gd__record_meta *m, const char *purpose);

/* Erasure hook (subject.c table): deletes consents and limits of the subject. */
int gd__rights_erase_hook(gd_actor *a, const struct gd__subject *s);

/*
 * Queues Art. 19 notices to every recipient and processor (not "internal" nor "authority") of
 * `activity`, inside the current operation.
 */
int gd__outbox_notify(gd_actor *a, const char *action, const char *subject, const char *activity,
                      const char *category, int64_t record_id, int64_t request_id);

/*
 * Erasure hook (subject.c table): an "erasure" notice for every activity the
 * subject's records belong to, whoever erases it (gardien erase, DELETE
 * /subjects/{s}, an erasure request: a->request_id).
 */
int gd__outbox_erase_hook(gd_actor *a, const struct gd__subject *s);

/*
 * owed.c: notices owed to people and customers, queued inside the caller's
 * operation. The read check refuses an ordinary read for an activity that
 * only answers authorities (gd_record_disclose's own read passes it).
 * gd__owed_change: a change made by the company (no request under way) to a
 * record, told to the subject when the rectification right says inform_changes.
 * gd__owed_policy_change: version `version` changed `where` (a section or an
 * activity) of what people were told. gd__owed_breach: one "breach:ID" notice
 * to each customer of `activity` (NULL: of every processor activity) not yet
 * told, *queued the count; gd__owed_breach_clock: how many were queued, how
 * many are not acknowledged, the last acknowledgement.
 */
int gd__owed_read_check(gd_actor *a, const struct gd__record_meta *m, const char *purpose);
int gd__owed_change(gd_actor *a, const char *subject, const char *activity, const char *category,
                    int64_t record_id);
int gd__owed_policy_change(gd_actor *a, int64_t version, const char *where);
int gd__owed_breach(gd_actor *a, int64_t breach_id, const char *activity, int64_t *queued);
int gd__owed_breach_clock(gd_actor *a, int64_t breach_id, int64_t *owed, int64_t *pending, gd_time *last_ack);

/* ---- requests (request.c, request_complete.c) ---- */

/* Records a move of request `r` to `state` (a request_steps row) and audits it as `action`. */
int gd__request_step(gd_actor *a, const gd_request *r, enum gd_request_state state, const char *note,
                     const char *action);
/* Loads request `id` to carry it out: open, identity verified, of `kind` (NULL: any). */
int gd__request_load_verified(gd_actor *a, gd_request *r, int64_t id, const char *kind);

/* Streams the requests about `subject` (pseudonym), oldest first. */
int gd__request_list_subject(gd_actor *a, const char *subject, gd_request_cb cb, void *ud);

/* Checks operator free text: present, ≤ GD_REASON_MAX bytes, valid UTF-8, no control characters. */
int gd__check_text(const char *s, const char *what);

#endif
