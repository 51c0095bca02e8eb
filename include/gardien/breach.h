/*
 * gardien/breach.h — the register of personal data breaches (GDPR Art. 33 and
 * 34): incidents with everything Art. 33(3) asks, the 72-hour clock from
 * detection, the scope computed from the audit trail, and drafts of the
 * notification to the supervisory authority and of the communication to the
 * data subjects, in French or English, as text or HTML.
 *
 * Breaches are audited ("breach.*" actions) and never deleted (Art. 33(5):
 * the controller documents every breach).
 */
#ifndef GARDIEN_BREACH_H
#define GARDIEN_BREACH_H

#include "gardien.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GD_BREACH_DEADLINE (72 * 3600) /* Art. 33(1): 72 hours after becoming aware */
/*
 * Art. 33(2): a processor notifies its controllers "without undue delay".
 * The law gives no hours; gardien's clock gives 24 hours from detection, so
 * that each controller keeps at least two of its own three days.
 */
#define GD_BREACH_PROCESSOR_DEADLINE (24 * 3600)
#define GD_BREACH_TEXT_MAX 8192 /* bytes of one text field */

#define GD_BREACH_SPEC_VERSION 1
typedef struct gd_breach_spec {
	unsigned version;
	gd_time detected_at;            /* when the controller became aware; 0: now */
	gd_time started_at, ended_at;   /* the incident window when known; 0: unknown */
	const char *nature;             /* "confidentiality", "integrity", "availability", comma-separated */
	const char *description;        /* what happened */
	const char *data_categories;    /* comma-separated categories of personal data */
	const char *subject_categories; /* comma-separated categories of data subjects */
	int64_t approx_subjects;        /* approximate number of subjects; -1: unknown */
	int64_t approx_records;         /* approximate number of records; -1: unknown */
	const char *consequences;       /* likely consequences */
	const char *measures_taken;     /* measures taken, including to mitigate */
	const char *measures_proposed;  /* measures proposed, advice to subjects */
	const char *contact;            /* DPO or other contact point, with how to reach them */
	const char *controller;         /* controller's name as in the register */
	const char *language;           /* a language with a catalogue, po/<language>.po ("fr", "en"); NULL: "en" */
	int high_risk;                  /* 1: likely high risk to subjects: Art. 34 applies */
} gd_breach_spec;
#define GD_BREACH_SPEC_INIT \
	{ \
		GD_BREACH_SPEC_VERSION, 0, 0, 0, NULL, NULL, NULL, NULL, -1, -1, NULL, NULL, NULL, NULL, NULL, NULL, 0 \
	}

/* A breach as stored, with its clock computed at the vault's now. */
typedef struct gd_breach {
	int64_t id;
	gd_time detected_at, recorded_at, started_at, ended_at;
	char *nature, *description, *data_categories, *subject_categories;
	int64_t approx_subjects, approx_records;
	char *consequences, *measures_taken, *measures_proposed, *contact, *controller;
	char language[8];
	int high_risk;
	gd_time notified_at;          /* authority notified; 0: not yet */
	char *delay_reason;           /* why after 72 hours */
	gd_time subjects_informed_at; /* Art. 34 communication made; 0: not yet */
	char *no_notice_reason;       /* documented decision that no notification is required */
	/* The last scope computed from the audit trail (gd_breach_scope with an id). */
	gd_time scope_from, scope_to;
	char *scope_principal, *scope_activity, *scoped_categories;
	int64_t scoped_subjects, scoped_records; /* -1: never computed */
	/* The 72-hour clock. */
	gd_time deadline;     /* detected_at + 72 h */
	int64_t seconds_left; /* until the deadline (negative: past it) */
	const char *status;   /* "open", "overdue", "notified", "notified-late", "not-notified" */
	/*
	 * As processor (Art. 33(2)), the controllers' clock, filled by
	 * gd_breach_get (gd_breach_list leaves it "none"): the notices queued to
	 * the customers by gd_breach_tell_controllers, how many are not yet
	 * acknowledged in the outbox, and the deadline, detected_at +
	 * GD_BREACH_PROCESSOR_DEADLINE.
	 */
	int64_t controllers_told, controllers_pending;
	gd_time controllers_deadline;
	gd_time controllers_done_at;    /* the last acknowledgement once none is pending; 0 otherwise */
	const char *controllers_status; /* "none" (none queued), "owed", "overdue", "told", "told-late" */
} gd_breach;

/*
 * Records a breach; its 72-hour clock starts at `detected_at`. Audited
 * ("breach.record").
 *
 * @param out_id  receives the breach's id (may be NULL)
 * @param spec    what is known (GD_BREACH_SPEC_INIT, then the fields): nature and
 *                description required
 * @return 0, or GD_EINVAL (missing nature or description, unknown nature or
 *         language, text not UTF-8, times negative, in the future or ending
 *         before they start, unsupported version), GD_ETOOBIG (a text over its
 *         limit).
 */
int gd_breach_record(gd_actor *a, int64_t *out_id, const gd_breach_spec *spec);

/*
 * Completes or corrects a breach (information may be given in phases, Art.
 * 33(4)): every non-NULL text and every number >= 0 of `spec` replaces the
 * stored one; times that are 0 are kept. Audited ("breach.update").
 *
 * @return 0, or GD_ENOTFOUND (no such breach in the tenant), and the input errors of gd_breach_record.
 */
int gd_breach_update(gd_actor *a, int64_t id, const gd_breach_spec *spec);

/*
 * Reads a breach, with its clock computed at the vault's now.
 *
 * @param out  receives the breach, to free with gd_breach_free (NULL on error)
 * @return 0, or GD_ENOTFOUND (no such breach in the tenant).
 */
int gd_breach_get(gd_actor *a, gd_breach **out, int64_t id);

/*
 * Frees a breach. NULL does nothing.
 */
void gd_breach_free(gd_breach *b);

/*
 * Calls `cb` for each breach of the tenant, newest detection first.
 *
 * @return 0, or what `cb` returned.
 */
int gd_breach_list(gd_actor *a, int (*cb)(void *ud, const gd_breach *b), void *ud);

/*
 * Records the notification to the supervisory authority. Audited
 * ("breach.notify").
 *
 * @param at            when it was sent; 0: now
 * @param delay_reason  required after the 72 hours (Art. 33(1)); NULL otherwise
 * @return 0, or GD_ENOTFOUND (no such breach in the tenant), GD_ESTATE (already notified: correct it with
 *         gd_breach_update), GD_EINVAL (late without a reason, before the
 *         detection).
 */
int gd_breach_notify(gd_actor *a, int64_t id, gd_time at, const char *delay_reason);

/*
 * Records the communication to the subjects (Art. 34). Audited.
 *
 * @param at  when it was made; 0: now
 * @return 0, or GD_ENOTFOUND (no such breach in the tenant).
 */
int gd_breach_inform_subjects(gd_actor *a, int64_t id, gd_time at);

/*
 * Records the documented decision that the breach need not be notified, with
 * its reason. Audited.
 *
 * @param reason  the decision's reason (text, no personal data)
 * @return 0, or GD_ENOTFOUND (no such breach in the tenant), GD_EINVAL/GD_ETOOBIG (missing or overlong reason).
 */
int gd_breach_no_notice(gd_actor *a, int64_t id, const char *reason);

/*
 * A breach of data held as processor: queues, in the outbox, one notice
 * ("breach:ID") to each customer of `activity` (NULL: of every activity the
 * register runs as processor) whose records the vault holds and who was not
 * yet told of this breach; the customers are the controllers, to be told
 * without undue delay (Art. 33(2)). The clock (gd_breach's controllers_*)
 * runs from detection; acknowledging the notices (gd_outbox_ack) stops it.
 * Audited ("breach.controllers").
 *
 * @param out_queued  receives the number of notices queued (may be NULL)
 * @return 0, or GD_ENOTFOUND (no such breach in the tenant), GD_ESTATE (no
 *         register), GD_EINVAL (`activity` is not a processor activity).
 */
int gd_breach_tell_controllers(gd_actor *a, int64_t id, const char *activity, int64_t *out_queued);

/* ---- scope from the audit trail ------------------------------------------- */

#define GD_BREACH_SCOPE_VERSION 1
typedef struct gd_breach_scope_spec {
	unsigned version;
	gd_time from, to;      /* the incident window: at >= from, at < to (to 0: now) */
	const char *principal; /* a leaked credential, token or compromised service; NULL: any */
	const char *activity;  /* the purpose used; NULL: any */
} gd_breach_scope_spec;
#define GD_BREACH_SCOPE_INIT \
	{ \
		GD_BREACH_SCOPE_VERSION, 0, 0, NULL, NULL \
	}

typedef struct gd_breach_scope_result {
	int64_t accesses;   /* successful reads and exports in the window */
	int64_t subjects;   /* distinct subjects concerned */
	int64_t records;    /* distinct records concerned */
	int64_t categories; /* distinct categories concerned */
} gd_breach_scope_result;

enum gd_breach_scope_row {
	GD_BREACH_SCOPE_CATEGORY = 0,
	GD_BREACH_SCOPE_SUBJECT = 1
};

/* What gd_breach_scope calls with each row (`name` valid during the call). */
typedef int (*gd_breach_scope_cb)(void *ud, enum gd_breach_scope_row kind, const char *name,
                                  int64_t subjects, int64_t records, int64_t accesses);

/*
 * Computes who and what was read or exported (entries "record.get" and any
 * "*export*" action that succeeded) in the window, from the audit trail. With
 * `breach_id` > 0 the counts and categories are stored on that breach (and the
 * window, principal and activity with them). Audited ("breach.scope").
 *
 * @param breach_id  the breach to store the scope on; 0: compute only
 * @param spec       the window (GD_BREACH_SCOPE_INIT, then from and to) and,
 *                   optionally, the principal and activity to follow
 * @param out        receives the totals
 * @param cb         gets one row per category (name, distinct subjects,
 *                   distinct records, accesses) then one per subject
 *                   (pseudonym, 0, distinct records, accesses); may be NULL
 * @return 0, what `cb` returned, or GD_ENOTFOUND (no such breach in the tenant), GD_EINVAL (window ending
 *         before it starts, bad names, unsupported version).
 */
int gd_breach_scope(gd_actor *a, int64_t breach_id, const gd_breach_scope_spec *spec,
                    gd_breach_scope_result *out, gd_breach_scope_cb cb, void *ud);

/* ---- drafts ------------------------------------------------------------------ */

enum gd_breach_recipient {
	GD_BREACH_AUTHORITY = 0,
	GD_BREACH_SUBJECTS = 1
};
enum gd_breach_format {
	GD_BREACH_TEXT = 0,
	GD_BREACH_HTML = 1
};

/*
 * Drafts the notification to the authority (Art. 33(3) items a-d, with the
 * reasons for a late notification) or the communication to the subjects (Art.
 * 34(2)), in the language of a catalogue (po/<language>.po: "fr", "en"), as
 * plain text or HTML (every text of the breach escaped). Items not yet known
 * are marked to be completed and listed first; nothing is invented.
 *
 * @param out       receives the NUL-terminated draft, to free with
 *                  gd_breach_draft_free (NULL on error)
 * @param to        GD_BREACH_AUTHORITY or GD_BREACH_SUBJECTS
 * @param language  a language with a catalogue; NULL: the breach's
 * @param format    GD_BREACH_TEXT or GD_BREACH_HTML
 * @return 0, or GD_ENOTFOUND (no such breach in the tenant), GD_EINVAL (bad
 *         recipient, language without a catalogue, or format).
 */
int gd_breach_draft(gd_actor *a, char **out, int64_t id, enum gd_breach_recipient to,
                    const char *language, enum gd_breach_format format);

/*
 * Frees a draft. NULL does nothing.
 */
void gd_breach_draft_free(char *s);

#ifdef __cplusplus
}
#endif

#endif
