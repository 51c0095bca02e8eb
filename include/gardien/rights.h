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
	GD_CONSENT_RENEWED = 2, /* given again while a consent was live or expired */
	GD_CONSENT_WITHDRAWN = 3,
	GD_CONSENT_EXPIRED = 4, /* derived: never stored, reported by history/status */
};

enum gd_consent_state {
	GD_CONSENT_NONE = 0, /* never given */
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
	const char *channel; /* how it was given: "web-form", "email", … (slug) */
	const char *source;  /* where: a form or page id (slug); NULL: "subject" */
	gd_time at;          /* 0: now */
} gd_consent_evidence;
#define GD_CONSENT_EVIDENCE_INIT \
	{ \
		GD_CONSENT_EVIDENCE_VERSION, NULL, NULL, NULL, NULL, 0 \
	}

/* One event of the ledger (or the derived expiry). Valid during a callback only. */
typedef struct gd_consent {
	int64_t id; /* 0 for a derived expiry */
	const char *subject;
	const char *activity;
	enum gd_consent_event event;
	gd_time at;
	gd_time expires_at;       /* 0: no expiry */
	const char *text_hash;    /* 64 hex, or "" */
	const char *text_version; /* or "" */
	const char *channel;
	const char *source;
	const char *principal; /* who recorded it */
} gd_consent;
typedef int (*gd_consent_cb)(void *ud, const gd_consent *c);

/*
 * Records that `subject` consents to `activity`, with its evidence (only the
 * wording's BLAKE2b-256 hash is kept). When the register gives the activity a
 * consent validity, the consent expires that long after `ev->at`. Giving again
 * while a consent exists records a renewal. Audited.
 *
 * @param subject   the pseudonym
 * @param activity  an activity of the register
 * @param ev        the evidence (GD_CONSENT_EVIDENCE_INIT, then the fields)
 * @return 0, or GD_ENOTFOUND (no such subject) or activity in the register), GD_EINVAL (no
 *         wording given and none in the register, time in the future, bad
 *         channel or source, unsupported version), GD_ETOOBIG (wording over
 *         GD_VALUE_MAX).
 */
int gd_consent_give(gd_actor *a, const char *subject, const char *activity,
                    const gd_consent_evidence *ev);

/*
 * Withdraws a consent (as easy as giving it): reads for the activity are
 * refused from then on. Audited.
 *
 * @param channel  how it was withdrawn ("web-form", "email"; a slug), or NULL
 * @return 0, or GD_ESTATE (no live consent to withdraw), GD_ENOTFOUND (no such subject).
 */
int gd_consent_withdraw(gd_actor *a, const char *subject, const char *activity,
                        const char *channel);

/*
 * The state of a consent now, at the vault's clock.
 *
 * @param out          receives the state
 * @param out_expires  receives its expiry, 0 when none (may be NULL)
 * @return 0, or GD_ENOTFOUND (no such subject), GD_EINVAL (bad activity name).
 */
int gd_consent_status(gd_actor *a, enum gd_consent_state *out, gd_time *out_expires,
                      const char *subject, const char *activity);

/*
 * Streams the subject's full consent history, oldest first, with the derived
 * expiries (event GD_CONSENT_EXPIRED, id 0). Audited as a read.
 *
 * @return 0, what `cb` returned, or GD_ENOTFOUND (no such subject).
 */
int gd_consent_history(gd_actor *a, const char *subject, gd_consent_cb cb, void *ud);

/*
 * Opt-in list export: calls `cb` with the pseudonym of every subject holding a
 * live consent to `activity` and no objection to it, in subject order.
 *
 * @return 0, what `cb` returned, or GD_EINVAL (bad activity name).
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
	GD_REQUEST_RECEIVED = 0, /* identity to verify */
	GD_REQUEST_VERIFIED = 1, /* identity verified */
	GD_REQUEST_IN_PROGRESS = 2,
	GD_REQUEST_EXTENDED = 3, /* in progress, deadline extended by two months */
	GD_REQUEST_COMPLETED = 4,
	GD_REQUEST_REFUSED = 5,
};

/*
 * The name of a request state ("received", "verified", "in_progress",
 * "extended", "completed", "refused").
 *
 * @return a static string ("unknown" out of range). Thread-safe.
 */
const char *gd_request_state_name(enum gd_request_state s);

/*
 * Request kinds: "access", "confirmation", "rectification", "erasure",
 * "restriction", "objection", "portability", "withdraw_consent", "post_mortem".
 */
#define GD_REQUEST_SPEC_VERSION 1
typedef struct gd_request_spec {
	unsigned version;
	const char *kind;
	const char *subject;  /* pseudonym */
	gd_time received_at;  /* 0: now; the deadline counts from it */
	const char *activity; /* objection, withdraw_consent: the activity; NULL: all */
} gd_request_spec;
#define GD_REQUEST_SPEC_INIT \
	{ \
		GD_REQUEST_SPEC_VERSION, NULL, NULL, 0, NULL \
	}

typedef struct gd_request {
	int64_t id;
	char subject[GD_SUBJECT_ID_SIZE];
	char kind[32];
	char activity[GD_NAME_MAX + 1];
	enum gd_request_state state;
	gd_time received_at;
	gd_time due_at; /* legal deadline: last second of its day in the tenant's zone */
	bool extended;
	bool late; /* open and past due now, or closed after due */
	char reason[GD_REASON_MAX + 1];
	char identity_method[GD_NAME_MAX + 1];
	char identity_ref[GD_NAME_MAX + 1];
	char identity_by[GD_NAME_MAX + 1];
	gd_time identity_at; /* 0: not verified */
	gd_time closed_at;
	char opened_by[GD_NAME_MAX + 1];
	int64_t copies;    /* copies of the data delivered (access) */
	gd_time target_at; /* the tenant's internal target (gd_calendar), 0: none */
} gd_request;
typedef int (*gd_request_cb)(void *ud, const gd_request *r);

/*
 * The deadline of Art. 12(3) for a request received at `received`, counted in
 * UTC with Saturdays and Sundays only: the end of the day one month later
 * (three when extended), by Regulation 1182/71 Art. 3(2)(c) and 3(4). Requests
 * take the tenant's calendar instead (holidays, time zone: gardien/calendar.h).
 *
 * @return the last second of the deadline day. Thread-safe.
 */
gd_time gd_request_due(gd_time received, bool extended);

/*
 * Opens a data-subject request. When the register does not offer the right,
 * the request is still recorded, as refused with the register's reason. Audited.
 *
 * @param out_id  receives the request's id (also when refused)
 * @param spec    kind, subject, receipt time, activity (GD_REQUEST_SPEC_INIT)
 * @return 0, or GD_EDENIED (the register does not offer the right: the
 *         message gives its reason), GD_ENOTFOUND (no such subject) or activity in the
 *         register), GD_EINVAL (unknown kind, receipt in the future, bad spec).
 */
int gd_request_open(gd_actor *a, int64_t *out_id, const gd_request_spec *spec);

/*
 * Reads a request.
 *
 * @param out  receives the request (a plain struct: nothing to free)
 * @return 0, or GD_ENOTFOUND (no such request in the tenant).
 */
int gd_request_get(gd_actor *a, gd_request *out, int64_t id);

/*
 * Streams the tenant's requests, oldest first.
 *
 * @param open_only  skip completed and refused requests
 * @return 0, or what `cb` returned.
 */
int gd_request_list(gd_actor *a, bool open_only, gd_request_cb cb, void *ud);

/*
 * Records how the subject's identity was verified; nothing is answered
 * before. Audited.
 *
 * @param method        how: "id-card", "email-link" (a slug)
 * @param evidence_ref  where the evidence is filed ("scan-2026-0042"): a slug,
 *                      never the document's own number
 * @return 0, or GD_ENOTFOUND (no such request in the tenant), GD_ESTATE (already verified, or closed),
 *         GD_EINVAL (bad method or reference).
 */
int gd_request_verify(gd_actor *a, int64_t id, const char *method, const char *evidence_ref);

/*
 * Marks a verified request in progress. Audited.
 *
 * @return 0, or GD_ENOTFOUND (no such request in the tenant), GD_ESTATE (not verified yet, or closed).
 */
int gd_request_start(gd_actor *a, int64_t id);

/*
 * Extends the deadline by two months, once (Art. 12(3)). Audited.
 *
 * @param reason  what the subject is told (at most GD_REASON_MAX bytes, no
 *                personal data)
 * @return 0, or GD_ENOTFOUND (no such request in the tenant), GD_ESTATE (already extended, closed, or past
 *         the first month), GD_EINVAL (no reason).
 */
int gd_request_extend(gd_actor *a, int64_t id, const char *reason);

/*
 * Refuses the request with a reason and closes it. Audited.
 *
 * @param reason  what the subject is told (at most GD_REASON_MAX bytes, no
 *                personal data)
 * @return 0, or GD_ENOTFOUND (no such request in the tenant), GD_ESTATE (already closed), GD_EINVAL (no
 *         reason).
 */
int gd_request_refuse(gd_actor *a, int64_t id, const char *reason);

/*
 * Carries out and closes the request. Restriction, objection and
 * withdraw_consent take effect here; erasure runs gd_request_erase if it was
 * not run; access and portability need their copy delivered first
 * (gd_request_export); other kinds close. Audited.
 *
 * @param note  kept with the request (no personal data), or NULL
 * @return 0, or GD_ENOTFOUND (no such request in the tenant), GD_ESTATE (identity not verified, already
 *         closed, copy not delivered).
 */
int gd_request_complete(gd_actor *a, int64_t id, const char *note);

/*
 * Streams the steps of a request, oldest first: state, time, principal, note.
 *
 * @return 0, what `cb` returned, or GD_ENOTFOUND (no such request in the tenant).
 */
int gd_request_steps(gd_actor *a, int64_t id,
                     int (*cb)(void *ud, enum gd_request_state s, gd_time at,
                               const char *principal, const char *note),
                     void *ud);

/* ---- exports (access, copy, portability) ------------------------------------------ */

enum gd_export_format {
	GD_EXPORT_JSON = 0,
	GD_EXPORT_CSV = 1,
	GD_EXPORT_HTML = 2
};
/* Portability: only data the subject provided, processed on consent or contract. */
#define GD_EXPORT_PORTABLE 1u

/*
 * Streams everything held about `subject` to `w`: identifiers, every record
 * decrypted with its category, activity, purposes, legal basis, source,
 * recipients, retention and its end date, transfers and safeguards; consents,
 * restrictions, objections and requests. Memory stays flat whatever the number
 * of records (one record decrypted at a time, through a fixed buffer of
 * protected memory, wiped after each write). Audited as one "rights.export".
 * This is the benchmark's entry point.
 *
 * The export is one operation, so the vault's write lock is held while `w`
 * runs: `w` must not wait on a slow peer (a server should spool the export to
 * a file or buffer, then send it).
 *
 * @param subject  the pseudonym
 * @param fmt      JSON, CSV (one row per item; values exactly as stored) or HTML
 * @param flags    GD_EXPORT_PORTABLE: only what the subject provided, processed
 *                 on consent or contract (Art. 20)
 * @param w        gets the document in pieces; non-zero stops the export (a
 *                 positive value becomes GD_ERROR)
 * @return 0, or GD_ENOTFOUND (no such subject), GD_EINVAL (bad format or flags, no writer).
 */
int gd_rights_export(gd_actor *a, const char *subject, enum gd_export_format fmt,
                     unsigned flags, gd_write_cb w, void *ud);

/*
 * The export answering an access or portability request (identity verified,
 * not closed), through gd_rights_export; counts the copy. Audited.
 *
 * @param out_copy     receives the copy's number (may be NULL)
 * @param out_charged  receives whether the register says it may be charged
 *                     (may be NULL)
 * @return 0, or GD_ENOTFOUND (no such request in the tenant), GD_EINVAL (not an access or portability request,
 *         HTML for portability), GD_ESTATE (identity not verified, already
 *         closed), or an error of gd_rights_export.
 */
int gd_request_export(gd_actor *a, int64_t id, enum gd_export_format fmt, gd_write_cb w,
                      void *ud, int64_t *out_copy, bool *out_charged);

/* ---- rectification and erasure ---------------------------------------------------- */

/*
 * Replaces a record of the request's subject (as gd_record_update) and
 * notifies its recipients (Art. 19, in the outbox). Audited.
 *
 * @return 0, or GD_ENOTFOUND (no such request in the tenant) or record of its subject), and the errors of
 *         gd_record_update.
 */
int gd_request_rectify(gd_actor *a, int64_t id, int64_t record_id, enum gd_value_type type,
                       const void *value, size_t value_len);

/* A record kept by an erasure, and why. Valid during the callback only. */
typedef struct gd_erasure_kept {
	int64_t record_id;
	const char *activity;
	const char *category;
	const char *rule; /* "legal obligation: <law>", "legal claims", … */
	gd_time until;    /* 0: end unknown (counted from an event) */
	/* What ends its retention, in words: the date, the event awaited, or that
	   no rule covers it ("kept until the event \"contract_end\" happens, then …"). */
	const char *ends;
} gd_erasure_kept;

/*
 * Erases everything about the request's subject except what a legal
 * obligation, a legal claim or a minimum retention (format 2) requires
 * keeping: those records are reported to `kept` with the rule, until when and
 * what ends their retention. When nothing is kept, the subject is
 * crypto-shredded whole. Recipients are notified (Art. 19); the request is
 * completed. All or nothing. Audited.
 *
 * @param kept         gets each kept record (may be NULL)
 * @param out_deleted  receives the number of records deleted (may be NULL)
 * @return 0, or GD_ENOTFOUND (no such request in the tenant), GD_EINVAL (not an erasure request), GD_ESTATE
 *         (identity not verified, or closed), GD_ETOOBIG (too many records
 *         for one request: erase the subject instead).
 */
int gd_request_erase(gd_actor *a, int64_t id, int (*kept)(void *ud, const gd_erasure_kept *k),
                     void *ud, size_t *out_deleted);

/* ---- post-mortem directives (French law 78-17, art. 85) ---------------------------- */

enum gd_directive_wish {
	GD_DIRECTIVE_ERASE = 0,
	GD_DIRECTIVE_TRANSMIT = 1,
	GD_DIRECTIVE_KEEP = 2
};

/* A subject's directive. Strings are valid during the callback only. */
typedef struct gd_directive {
	enum gd_directive_wish wish; /* erase the data, hand it to the designated person, or keep it */
	const char *designated;      /* the person who is to see it done */
	const char *contact;         /* how to reach them */
	const char *text;            /* the directive in the subject's words ("" when none) */
	gd_time recorded_at;
	gd_time applied_at; /* 0: not applied yet */
} gd_directive;

/* "erase", "transmit", "keep". */
const char *gd_directive_wish_name(enum gd_directive_wish w);
/*
 * Records (or replaces) the subject's directive, sealed under its key;
 * GD_EDENIED when the register does not offer post-mortem directives (with
 * its reason). Audited as "directive.set".
 */
int gd_directive_set(gd_actor *a, const char *subject, const gd_directive *d);
/* Calls `cb` with the subject's directive; GD_ENOTFOUND when none. Audited. */
int gd_directive_get(gd_actor *a, const char *subject, int (*cb)(void *ud, const gd_directive *d), void *ud);
/*
 * Applies the directive once the subject's death is established, once:
 * transmit writes the subject's copy (gd_rights_export, JSON) to `w` for the
 * designated person; erase erases the subject (refused, with the reason,
 * under a legal hold or a minimum retention); keep records the decision.
 * *out (may be NULL) receives the wish. GD_ESTATE when already applied.
 */
int gd_directive_apply(gd_actor *a, const char *subject, gd_write_cb w, void *ud, enum gd_directive_wish *out);

/* ---- restriction and objection state --------------------------------------------------- */

/*
 * Whether the subject's processing is restricted (Art. 18).
 *
 * @param out  receives true when restricted
 * @return 0, or GD_ENOTFOUND (no such subject).
 */
int gd_subject_restricted(gd_actor *a, bool *out, const char *subject);

/*
 * Lifts a restriction (e.g. once accuracy is verified). Audited.
 *
 * @return 0, or GD_ENOTFOUND (no such subject), GD_ESTATE (not restricted).
 */
int gd_subject_unrestrict(gd_actor *a, const char *subject);

/* ---- outbox (Art. 19 notifications to recipients) -------------------------------------- */

typedef struct gd_notice {
	int64_t id;
	gd_time at;
	const char *recipient;
	const char *action; /* "rectification", "erasure", "restriction" (Art. 19), or "forward:KIND":
	                       a request of KIND on data held as a processor, for the controller */
	const char *subject;
	const char *activity;
	const char *category; /* or "" */
	int64_t record_id;    /* 0: the subject as a whole */
	int64_t request_id;
	gd_time acked_at; /* 0: pending */
} gd_notice;

/*
 * Streams Art. 19 notices to recipients, oldest first.
 *
 * @param recipient     only this recipient's; NULL: all
 * @param pending_only  only those not acknowledged
 * @return 0, what `cb` returned, or GD_ETOOBIG (recipient name too long).
 */
int gd_outbox_list(gd_actor *a, const char *recipient, bool pending_only,
                   int (*cb)(void *ud, const gd_notice *n), void *ud);

/*
 * Acknowledges a notice (the recipient was told). Audited.
 *
 * @return 0, or GD_ENOTFOUND (no such notice in the tenant), GD_ESTATE (already
 *         acknowledged).
 */
int gd_outbox_ack(gd_actor *a, int64_t id);

/* ---- notices owed to people and customers (outbox, rights/owed.c) ----------------------- */

#define GD_DISCLOSURE_VERSION 1
typedef struct gd_disclosure {
	unsigned version;
	const char *authority;       /* who requires the data, e.g. "tribunal judiciaire de Namur" */
	const char *legal_reference; /* the text or order that compels it (required): names the notice */
	const char *withhold;        /* NULL: the customer or the person is told; else why not (the request
	                                or the law forbids it) */
} gd_disclosure;
#define GD_DISCLOSURE_INIT \
	{ \
		GD_DISCLOSURE_VERSION, NULL, NULL, NULL \
	}

/*
 * Reads a record for an authority's request (a requisition, a court order):
 * the read of gd_record_get under `purpose`, which must be an activity whose
 * recipients include an authority, then a notice in the outbox (action
 * "authority:" + the legal reference) to whoever the data belongs to: each
 * customer of a record held as processor, else the subject (recipient
 * "subject"), unless `d->withhold` says why it may not be told. Audited
 * ("record.get", then "record.disclose" naming the authority and the
 * reference). An activity whose only recipients are authorities is read only
 * this way. The record is handed out only once its notice is queued.
 *
 * @return 0, or GD_EINVAL (no authority or legal reference, bad text,
 *         unsupported version), GD_EDENIED (the activity names no authority,
 *         or a refusal of gd_record_get), and the errors of gd_record_get.
 */
int gd_record_disclose(gd_actor *a, gd_record **out, int64_t id, const char *purpose,
                       const gd_disclosure *d);

#ifdef __cplusplus
}
#endif

#endif
