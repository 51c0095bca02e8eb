/*
 * gardien/rights.h — data-subject rights (GDPR Art. 12–21, French post-mortem
 * directives) and the consent ledger (Art. 7). See docs/rights.md.
 *
 * Requests go received → identity verified → in progress → completed or
 * refused (with reason); a request may be extended once, with a reason, by two
 * months. Every step is audited under the actor's principal and recorded in the
 * request's own history. Nothing is fulfilled before the subject's identity is
 * verified. Requests name their subject by pseudonym and are kept, as proof,
 * when the subject is erased.
 *
 * Consents are a ledger of events per subject and activity (given, renewed,
 * withdrawn); a consent expires when the register gives its activity a
 * validity (cookies: 13 months). Reads for an activity whose legal basis is
 * consent are refused without a live consent.
 */
#ifndef GARDIEN_RIGHTS_H
#define GARDIEN_RIGHTS_H

#include <stdbool.h>

#include "gardien.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Caps on free text given by operators (reasons, notes). Such text is told to
 * the subject and kept with the request as proof after the subject's erasure:
 * it must not hold personal data ("identity document expired", not a name). It
 * is never written to the audit trail.
 */
#define GD_REASON_MAX 1000

/* Writes `n` bytes of an export; a non-zero return stops it and is returned. */
typedef int (*gd_write_cb)(void *ud, const void *p, size_t n);

/* ---- consent ledger ----------------------------------------------------------- */

enum gd_consent_event {
	GD_CONSENT_GIVEN = 1,
	GD_CONSENT_RENEWED = 2,     /* given again while a consent was live or expired */
	GD_CONSENT_WITHDRAWN = 3,
	GD_CONSENT_EXPIRED = 4,     /* derived: never stored, reported by history/status */
};

enum gd_consent_state {
	GD_CONSENT_NONE = 0,        /* never given */
	GD_CONSENT_LIVE = 1,
	GD_CONSENT_STATE_WITHDRAWN = 2,
	GD_CONSENT_STATE_EXPIRED = 3,
};

#define GD_CONSENT_EVIDENCE_VERSION 1
typedef struct gd_consent_evidence {
	unsigned version;
	/* The wording shown to the subject: only its BLAKE2b-256 hash is kept.
	 * NULL: the register's consent_text for the activity. */
	const char *text;
	/* Version of that wording; NULL: the register's consent_version. */
	const char *text_version;
	const char *channel;        /* how it was given: "web-form", "email", … (slug) */
	const char *source;         /* where: a form or page id (slug); NULL: "subject" */
	gd_time at;                 /* 0: now */
} gd_consent_evidence;
#define GD_CONSENT_EVIDENCE_INIT {GD_CONSENT_EVIDENCE_VERSION, NULL, NULL, NULL, NULL, 0}

/* One event of the ledger (or the derived expiry). Valid during a callback only. */
typedef struct gd_consent {
	int64_t id;                 /* 0 for a derived expiry */
	const char *subject;
	const char *activity;
	enum gd_consent_event event;
	gd_time at;
	gd_time expires_at;         /* 0: no expiry */
	const char *text_hash;      /* 64 hex, or "" */
	const char *text_version;   /* or "" */
	const char *channel;
	const char *source;
	const char *principal;      /* who recorded it */
} gd_consent;
typedef int (*gd_consent_cb)(void *ud, const gd_consent *c);

/*
 * Records that `subject` consents to `activity`, with its evidence. When the
 * register gives the activity a consent validity, the consent expires that long
 * after `ev->at`. Giving again while a consent exists records a renewal.
 * GD_EINVAL when no wording is given and the register has none.
 */
int gd_consent_give(gd_actor *a, const char *subject, const char *activity,
                    const gd_consent_evidence *ev);

/* Withdraws a consent (as easy as giving it). GD_ESTATE if none is live. */
int gd_consent_withdraw(gd_actor *a, const char *subject, const char *activity,
                        const char *channel);

/* The state of a consent now; `*out_expires` (may be NULL) gets its expiry or 0. */
int gd_consent_status(gd_actor *a, enum gd_consent_state *out, gd_time *out_expires,
                      const char *subject, const char *activity);

/* Streams the subject's full consent history (with derived expiries), oldest first. */
int gd_consent_history(gd_actor *a, const char *subject, gd_consent_cb cb, void *ud);

/*
 * Opt-in list export: calls `cb` with the pseudonym of every subject holding a
 * live consent to `activity` and no objection to it, in subject order.
 */
int gd_consent_members(gd_actor *a, const char *activity,
                       int (*cb)(void *ud, const char *subject), void *ud);

/*
 * Consents still live that expire by `until` (after the vault's now), soonest
 * first: `cb` gets the subject's pseudonym, the activity and the expiry. For
 * asking renewal in time. GD_EINVAL when `until` is not after now. Audited
 * ("consent.expiring").
 */
int gd_consent_expiring(gd_actor *a, gd_time until,
                        int (*cb)(void *ud, const char *subject, const char *activity, gd_time expires_at),
                        void *ud);

/* ---- requests ------------------------------------------------------------------ */

enum gd_request_state {
	GD_REQUEST_RECEIVED = 0,    /* identity to verify */
	GD_REQUEST_VERIFIED = 1,    /* identity verified */
	GD_REQUEST_IN_PROGRESS = 2,
	GD_REQUEST_EXTENDED = 3,    /* in progress, deadline extended by two months */
	GD_REQUEST_COMPLETED = 4,
	GD_REQUEST_REFUSED = 5,
};

/* "received", "verified", … */
const char *gd_request_state_name(enum gd_request_state s);

/*
 * Request kinds: "access", "confirmation", "rectification", "erasure",
 * "restriction", "objection", "portability", "withdraw_consent", "post_mortem".
 */
#define GD_REQUEST_SPEC_VERSION 1
typedef struct gd_request_spec {
	unsigned version;
	const char *kind;
	const char *subject;        /* pseudonym */
	gd_time received_at;        /* 0: now; the deadline counts from it */
	const char *activity;       /* objection, withdraw_consent: the activity; NULL: all */
} gd_request_spec;
#define GD_REQUEST_SPEC_INIT {GD_REQUEST_SPEC_VERSION, NULL, NULL, 0, NULL}

typedef struct gd_request {
	int64_t id;
	char subject[GD_SUBJECT_ID_SIZE];
	char kind[32];
	char activity[GD_NAME_MAX + 1];
	enum gd_request_state state;
	gd_time received_at;
	gd_time due_at;             /* last second of the deadline day */
	bool extended;
	bool late;                  /* open and past due now, or closed after due */
	char reason[GD_REASON_MAX + 1];
	char identity_method[GD_NAME_MAX + 1];
	char identity_ref[GD_NAME_MAX + 1];
	char identity_by[GD_NAME_MAX + 1];
	gd_time identity_at;        /* 0: not verified */
	gd_time closed_at;
	char opened_by[GD_NAME_MAX + 1];
	int64_t copies;             /* copies of the data delivered (access) */
} gd_request;
typedef int (*gd_request_cb)(void *ud, const gd_request *r);

/*
 * The deadline of Art. 12(3) for a request received at `received`: the end of
 * the day one month later (three when extended), by Regulation 1182/71.
 */
gd_time gd_request_due(gd_time received, bool extended);

/*
 * Opens a request. Its id goes to `*out_id`. When the register does not offer
 * the right, the request is recorded as refused with the register's reason and
 * GD_EDENIED is returned (with `*out_id` set).
 */
int gd_request_open(gd_actor *a, int64_t *out_id, const gd_request_spec *spec);

int gd_request_get(gd_actor *a, gd_request *out, int64_t id);

/* Lists requests, oldest first; `open_only` skips completed and refused ones. */
int gd_request_list(gd_actor *a, bool open_only, gd_request_cb cb, void *ud);

/*
 * Records how identity was verified: `method` ("id-card", "email-link") and
 * `evidence_ref`, the reference of the evidence where it is filed
 * ("scan-2026-0042") — a slug, never the document's own number.
 */
int gd_request_verify(gd_actor *a, int64_t id, const char *method, const char *evidence_ref);
/* Marks the request in progress (after verification). */
int gd_request_start(gd_actor *a, int64_t id);
/* Extends the deadline by two months, once; `reason` is what the subject is told. */
int gd_request_extend(gd_actor *a, int64_t id, const char *reason);
/* Refuses the request with a reason. */
int gd_request_refuse(gd_actor *a, int64_t id, const char *reason);
/*
 * Carries out and closes the request. Restriction, objection and
 * withdraw_consent take effect here; erasure runs gd_request_erase if it was
 * not run; other kinds close. GD_ESTATE before identity verification.
 */
int gd_request_complete(gd_actor *a, int64_t id, const char *note);

/* Streams the steps of a request: (state, time, principal, note). */
int gd_request_steps(gd_actor *a, int64_t id,
                     int (*cb)(void *ud, enum gd_request_state s, gd_time at,
                               const char *principal, const char *note),
                     void *ud);

/* ---- exports (access, copy, portability) ------------------------------------------ */

enum gd_export_format { GD_EXPORT_JSON = 0, GD_EXPORT_CSV = 1, GD_EXPORT_HTML = 2 };
/* Portability: only data the subject provided, processed on consent or contract. */
#define GD_EXPORT_PORTABLE 1u

/*
 * Streams everything held about `subject` to `w`: identifiers, every record
 * decrypted with its category, activity, purposes, legal basis, source,
 * recipients, retention and its end date, transfers and safeguards; consents,
 * restrictions, objections and requests. Memory stays flat whatever the number
 * of records (one record decrypted at a time, index lookup by subject). Audited
 * as one "rights.export". This is the benchmark's entry point.
 *
 * The export is one operation, so the vault's write lock is held while `w`
 * runs: `w` must not wait on a slow peer (a server should spool the export to
 * a file or buffer, then send it).
 */
int gd_rights_export(gd_actor *a, const char *subject, enum gd_export_format fmt,
                     unsigned flags, gd_write_cb w, void *ud);

/*
 * The export answering an access or portability request (identity verified,
 * not closed): counts the copy; `*out_copy` (may be NULL) gets its number, and
 * `*out_charged` (may be NULL) whether the register says it may be charged.
 */
int gd_request_export(gd_actor *a, int64_t id, enum gd_export_format fmt, gd_write_cb w,
                      void *ud, int64_t *out_copy, bool *out_charged);

/* ---- rectification and erasure ---------------------------------------------------- */

/* Replaces a record of the request's subject and notifies its recipients (Art. 19). */
int gd_request_rectify(gd_actor *a, int64_t id, int64_t record_id, enum gd_value_type type,
                       const void *value, size_t value_len);

/* A record kept by an erasure, and why. Valid during the callback only. */
typedef struct gd_erasure_kept {
	int64_t record_id;
	const char *activity;
	const char *category;
	const char *rule;           /* "legal obligation: <law>", "legal claims", … */
	gd_time until;              /* 0: end unknown (counted from an event) */
} gd_erasure_kept;

/*
 * Erases everything about the request's subject except what a legal
 * obligation or a legal claim requires keeping: those records are reported to
 * `kept` (may be NULL) with the rule and until when. When nothing is kept, the
 * subject is crypto-shredded whole. Recipients are notified (Art. 19); the
 * request is completed. `*out_deleted` (may be NULL) gets the records deleted.
 */
int gd_request_erase(gd_actor *a, int64_t id, int (*kept)(void *ud, const gd_erasure_kept *k),
                     void *ud, size_t *out_deleted);

/* ---- restriction and objection state --------------------------------------------------- */

/* Whether the subject's processing is restricted (Art. 18). */
int gd_subject_restricted(gd_actor *a, bool *out, const char *subject);
/* Lifts a restriction (e.g. once accuracy is verified); audited. */
int gd_subject_unrestrict(gd_actor *a, const char *subject);

/* ---- outbox (Art. 19 notifications to recipients) -------------------------------------- */

typedef struct gd_notice {
	int64_t id;
	gd_time at;
	const char *recipient;
	const char *action;         /* "rectification", "erasure", "restriction" */
	const char *subject;
	const char *activity;
	const char *category;       /* or "" */
	int64_t record_id;          /* 0: the subject as a whole */
	int64_t request_id;
	gd_time acked_at;           /* 0: pending */
} gd_notice;

/* Streams notices, oldest first; `recipient` NULL: all; `pending_only`: not acknowledged. */
int gd_outbox_list(gd_actor *a, const char *recipient, bool pending_only,
                   int (*cb)(void *ud, const gd_notice *n), void *ud);
/* Acknowledges a notice. GD_ENOTFOUND, or GD_ESTATE if already acknowledged. */
int gd_outbox_ack(gd_actor *a, int64_t id);

#ifdef __cplusplus
}
#endif

#endif
