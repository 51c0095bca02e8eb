/*
 * register.h — the in-memory model of a controller's register of processing
 * activities (GDPR Art. 30), as loaded from its YAML file (docs/register.md).
 *
 * Every string and array of a struct gd__register lives in the register's own
 * arena and is freed with it; the model is read-only once loaded. Modules that
 * enforce the register (policy, retention, rights, consent, breach) read it
 * through gd__register_current().
 */
#ifndef GD_REGISTER_H
#define GD_REGISTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "gardien.h"
#include "gardien/register.h"

/* GDPR Art. 6(1) legal bases (DPV-GDPR terms A6-1-a … A6-1-f). */
enum gd__basis {
	GD__BASIS_CONSENT = 0,
	GD__BASIS_CONTRACT,
	GD__BASIS_LEGAL_OBLIGATION,
	GD__BASIS_VITAL_INTERESTS,
	GD__BASIS_PUBLIC_TASK,
	GD__BASIS_LEGITIMATE_INTERESTS,
	GD__BASIS_NOT_STATED, /* format 2: the notice is silent (a warning, never a basis) */
};

enum gd__role {
	GD__ROLE_CONTROLLER = 0,
	GD__ROLE_PROCESSOR
};

/* Transfer safeguards (Chapter V). */
enum gd__safeguard {
	GD__SAFEGUARD_ADEQUACY = 0, /* Art. 45 */
	GD__SAFEGUARD_SCC,          /* Art. 46(2)(c) standard contractual clauses */
	GD__SAFEGUARD_BCR,          /* Art. 47 binding corporate rules */
	GD__SAFEGUARD_DEROGATION,   /* Art. 49 */
	GD__SAFEGUARD_NONE,         /* only in the EU/EEA: no safeguard needed */
};

/* Retention stage actions, in the order a record goes through them. */
enum gd__stage_action {
	GD__STAGE_ARCHIVE = 0, /* kept only as legal proof */
	GD__STAGE_ANONYMISE,   /* personal part removed, statistics kept */
	GD__STAGE_DELETE,
};

struct gd__strings {
	const char **v;
	size_t n;
};

/* Format 2: backups as the notice states them (-1: not stated). */
struct gd__backup_promise {
	bool present;
	int daily_days, weekly_weeks, monthly_months; /* copies of each kind kept this long */
	const char *country;                          /* where the copies are stored */
	const char *text;                             /* the notice's words */
	int line;
};

/* A period as notices write it: years, months and days (any may be 0). */
struct gd__period {
	int years, months, days;
};

struct gd__party { /* a recipient, processor or sub-processor */
	const char *name;
	const char *address;
	const char *country; /* ISO 3166-1 alpha-2 */
	const char *purpose;
	const char *kind; /* "internal", "external", "processor", "sub-processor", "authority" */
	/* Format 2: every country it is in (`country: [DE, NL]`); `country` is the first. */
	struct gd__strings countries;
	/* Format 2, processors (Art. 28): the contract, and the processor's own sub-processors. */
	const char *contract_date, *contract_reference;
	struct gd__party *sub_processors;
	size_t nsub_processors;
};

/* Format 2: a joint controller of an activity (Art. 26) and the essence of the arrangement. */
struct gd__joint {
	const char *name, *country, *email;
	const char *arrangement; /* the essence of the arrangement (Art. 26(2)) */
	const char *reference;   /* where the arrangement is */
};

struct gd__transfer {
	const char *recipient;
	const char *country;
	enum gd__safeguard safeguard;
	const char *reference; /* decision, clauses version, derogation ground */
	int line;              /* where in the register file */
};

/* Format 2: data of another activity this one reads, with its Art. 6(4) reasoning. */
struct gd__read_source {
	const char *activity;      /* the activity the data was collected for */
	const char *compatibility; /* why the new purpose is compatible (Art. 6(4)) */
	int line;
};

struct gd__stage {
	enum gd__stage_action action;
	const char *from;        /* event name, or "collection" */
	struct gd__period after; /* counted from `from` */
};

/*
 * Format 2, combined clocks of one stage. or_later ("the contract's term, or
 * longer if the client instructs it"): once or_later_from is recorded, the
 * stage is due at the later of its own date and or_later_after counted from
 * it; until then, at its own date. or_earlier ("3 years after the last
 * contact, or sooner at unsubscription"): due at the earlier of the two dates
 * whose events are recorded. NULL from: not combined. or_later_when (may be
 * NULL): the later clock applies only once this event is recorded ("the
 * Client instructed a longer period"), and is then waited for.
 */
struct gd__stage_clocks {
	const char *or_later_when;
	const char *or_later_from;
	struct gd__period or_later_after;
	const char *or_earlier_from;
	struct gd__period or_earlier_after;
};

struct gd__retention {
	struct gd__strings categories; /* empty: every category of the activity */
	struct gd__stage *stages;      /* in order of `action` */
	size_t nstages;
	const char *legal_reference; /* the law that sets the period, if any */
	const char *text;            /* the notice's wording */
	int line;                    /* where in the register file */
	/* Added by the register module. */
	struct gd__strings subjects; /* empty: every subject category of the activity */
	/*
	 * Format 2: a floor, not a ceiling ("invoices are kept at least 10
	 * years"): no stage that removes the personal data (anonymise, delete)
	 * runs, and no delete or erasure goes, before `minimum.after` counted
	 * from `minimum.from`. has_minimum false: no floor.
	 */
	bool has_minimum;
	struct gd__stage minimum;        /* action unused */
	struct gd__stage_clocks *clocks; /* NULL, or one per stage (format 2) */
	/*
	 * Format 2: the exception of a consent ("supprimées dès la transaction
	 * réalisée, sauf accord exprès du client"): while the consent ledger holds
	 * the subject's live consent to this activity (whatever its basis: the
	 * ledger records express agreements too), none of the rule's stages runs;
	 * they run at their own date or when the consent ends, whichever is
	 * later. NULL: no exception.
	 */
	const char *unless_consent;
	int unless_consent_line;
};

struct gd__activity {
	const char *id;
	const char *name;
	enum gd__role role;
	const char *on_behalf_of;    /* processor: for whom */
	struct gd__strings purposes; /* fideslang data_use keys or the controller's own */
	enum gd__basis basis;
	const char *basis_detail;           /* legitimate interest pursued, law of the obligation, … */
	const char *art9_condition;         /* for special categories: Art. 9(2) point */
	const char *consent_text;           /* consent wording, required for consent basis */
	const char *consent_version;        /* version of that wording */
	struct gd__period consent_validity; /* 0: no expiry (cookies: 13 months) */
	struct gd__strings categories;      /* fideslang data_category keys or own */
	struct gd__strings subjects;        /* fideslang data_subject keys or own */
	struct gd__strings sources;
	struct gd__strings mandatory; /* categories that must be provided */
	const char *if_absent;        /* what happens when a mandatory field is missing */
	struct gd__strings roles;     /* internal roles allowed to read for this activity */
	struct gd__party *recipients;
	size_t nrecipients;
	struct gd__party *processors;
	size_t nprocessors;
	struct gd__transfer *transfers;
	size_t ntransfers;
	struct gd__retention *retention;
	size_t nretention;
	const char *automated_decision; /* NULL: none */
	struct gd__strings security;
	bool legal_claims; /* the proof / legal-claims activity: reads archived records */
	int line;
	/* Added by the register module (keep above fields' meaning unchanged). */
	const char *description;         /* the notice's wording of the purpose */
	struct gd__strings sub_purposes; /* as the notice lists them ("sous-finalités") */
	const char *notice;              /* where the notice states it (section, quote) */
	/* Format 2 (empty in format 1 files). */
	struct gd__read_source *reads_from;
	size_t nreads_from;
	const char *created, *updated; /* YYYY-MM-DD: the CNIL template's dates; NULL: not given */
	struct gd__joint *joint;       /* joint controllers (Art. 26) */
	size_t njoint;
	struct {
		const char *date, *outcome, *reference; /* outcome: no_high_risk, risks_mitigated, prior_consultation */
	} dpia;                                         /* Art. 35; date NULL: none recorded */
	struct gd__backup_promise backups;              /* where it differs from the register's */
	/*
	 * read_only: the activity reads other activities' data (reads_from) and
	 * changes none ("sans pour autant modifier les données hébergées"): no
	 * record is stored or updated for it. on_request: a read for it needs the
	 * subject's live express request, recorded in the consent ledger
	 * ("uniquement à la demande expresse de l'utilisateur").
	 */
	bool read_only, on_request;
	/*
	 * Format 2: the activity answers authorities' requests (WinBooks "Accès
	 * dans le cadre d'une demande des autorités"): it is read only through
	 * gd_record_disclose, which queues the notice to the data's owner.
	 */
	bool answers_authorities;
};

/* Kinds of rights, as request kinds (docs/register.md). */
struct gd__right {
	const char *kind; /* "access", "rectification", "erasure", "restriction",
	                           "objection", "portability", "withdraw_consent",
	                           "post_mortem", "confirmation" */
	bool offered;
	const char *reason; /* why not offered, as the register states it */
	const char *conditions;
	bool identity_proof; /* identity must be verified first */
	bool extra_copies_charged;
	/* Format 2: how the right is exercised, as the notice offers it. */
	struct gd__strings channels; /* email, post, form, in_person, phone */
	const char *fee;             /* "free" or "free_unless_unfounded" (Art. 12(5)); NULL: not stated */
	const char *identity;        /* what identity check is asked, in words */
	/* Format 2, rectification: the only categories it changes (empty: any). */
	struct gd__strings categories;
	/*
	 * Format 2, rectification: a change the company makes to a person's data
	 * (not one the person requested) is told to the person ("ces derniers en
	 * seront spontanément informés"): an outbox notice to the subject.
	 */
	bool inform_changes;
};

struct gd__event_def {
	const char *name; /* "last_contact", "contract_end", … */
	const char *description;
};

/* A term the controller declares beneath a published one (key "taxonomy"). */
struct gd__own_term {
	int kind;            /* enum gd__taxo_kind (lib/taxonomy.h) */
	const char *key;     /* "user.financial.bank_account.iban" */
	const char *beneath; /* the published (or declared) parent key */
	const char *name;
};

struct gd__register {
	int format;       /* the file's format version */
	int64_t version;  /* version number in the vault (1, 2, …); 0 if not stored */
	const char *file; /* file name, for messages */
	struct {
		const char *name, *address, *registration, *country, *language, *email;
	} controller;
	struct {
		const char *name, *address, *email;
	} representative, dpo;
	struct {
		const char *name, *url;
	} authority;
	const char *rights_contact;
	struct gd__activity *activities;
	size_t nactivities;
	struct gd__right *rights;
	size_t nrights;
	struct gd__event_def *events;
	size_t nevents;
	struct gd__arena *arena;
	/* Added by the register module. */
	struct gd__own_term *terms;
	size_t nterms;
	struct gd__strings security; /* measures that apply to every activity */
	struct {
		const char *url, *updated, *language;
	} notice; /* the privacy notice this register encodes */
	const char *dpo_phone;
	const char *rights_postal; /* postal address to exercise rights, if any */
	/*
	 * Format 2: security measures as data the installation can be checked
	 * against (gd_register_check_controls). -1: not stated.
	 */
	struct {
		bool present;
		int lockout_after;                                        /* failed logins before a lockout, at most */
		int lockout_minutes;                                      /* a locked account waits at least */
		int idle_minutes;                                         /* sessions end after this idle time, at most */
		int session_hours;                                        /* sessions end after this, at most */
		struct gd__strings mfa_roles;                             /* roles that log in with a second factor */
		int encryption, pseudonymisation, separated_environments; /* 1 true, 0 false, -1 not stated */
		const char *support_access;                               /* "on_request" or "standing" */
	} controls;
	struct gd__backup_promise backups; /* format 2: the backups the notice promises */
	/*
	 * Format 2: the cookies as the notice declares them (Art. 13, ePrivacy
	 * Art. 5(3)): where the cookie policy is, the notice's words, and each
	 * cookie (or family of cookies) with the activity it serves and its
	 * lifetime. present false: no "cookies" key.
	 */
	struct {
		bool present;
		const char *policy; /* the cookie policy's URL (http or https) */
		const char *text;   /* the notice's words about cookies */
		struct gd__cookie {
			const char *name, *activity, *purpose, *provider;
			bool has_lifetime;
			struct gd__period lifetime;
			int line;
		} * list;
		size_t n;
	} cookies;
};

/*
 * Format 2 reads: true when activity `purpose` may read data collected for
 * activity `collected_for` under `r`'s compatibility rule (same activity, or
 * listed in its reads_from). Format 1 registers always answer true: their
 * rule is category coverage alone.
 */
bool gd__register_reads_from(const struct gd__register *r, const struct gd__activity *purpose,
                             const char *collected_for);

/* Frees a register and its arena; NULL does nothing. */
void gd__register_free(struct gd__register *r);

/* The activity with `id`, or NULL (also when `r` or `id` is NULL). */
const struct gd__activity *gd__register_activity(const struct gd__register *r, const char *id);

/* The right of `kind`, or NULL when the register does not mention it. */
const struct gd__right *gd__register_right(const struct gd__register *r, const char *kind);

/*
 * True when a register may lawfully declare the right `kind` not offered:
 * outside Art. 15–22, or where the GDPR limits it to processing the register
 * does not have (register_rights.c). *article (may be NULL) gets the article
 * granting it, or NULL.
 */
bool gd__register_right_waivable(const struct gd__register *r, const char *kind, const char **article);

/*
 * True when `category` is covered by one of `set`: equal to it, or beneath it in
 * the taxonomy ("user.contact" covers "user.contact.email").
 */
bool gd__category_covered(const struct gd__strings *set, const char *category);

/*
 * The register currently loaded for the actor's tenant (latest version), or
 * NULL in *out when the tenant has none. Borrowed: valid until the vault is
 * closed or a new version is loaded.
 */
int gd__register_current(gd_actor *a, const struct gd__register **out);

/* ---- loading (register.c) ---- */

/* Size and shape limits of a register file (docs/register.md). */
#define GD__REGISTER_MAX_BYTES (1u << 20)
#define GD__REGISTER_MAX_DEPTH 24
#define GD__REGISTER_MAX_NODES 200000

/*
 * Parses and validates a register held in `text` (`len` bytes; need not be
 * NUL-terminated); `file` names it in messages. Each error and warning goes to
 * `cb` (may be NULL), counted in *nerr / *nwarn (may be NULL). On success *out
 * receives the model (free with gd__register_free); with any error it
 * receives NULL and the call returns GD_EINVAL (GD_ETOOBIG over a size limit)
 * with the first error in gd_error_last().
 */
int gd__register_parse(struct gd__register **out, const char *file, const void *text, size_t len,
                       gd_register_report_cb cb, void *ud, size_t *nerr, size_t *nwarn);

/*
 * Reads a register file into *out (gd__free it), NUL-terminated, reading at most
 * one byte over GD__REGISTER_MAX_BYTES so that an oversized file is seen as such.
 */
int gd__register_read_file(const char *path, char **out, size_t *len);

/* ---- exports (register_export.c) ---- */

/* "consent", "contract", … */
const char *gd__basis_name(enum gd__basis b);
/* The model as JSON (jansson); the caller json_decref()s it. */
struct json_t;
struct json_t *gd__register_json(const struct gd__register *r);
/*
 * Writes `r` in `format` (GD_REGISTER_FORMATS); "yaml" writes `source`. The
 * Markdown and HTML documents read in `language` (po/<language>.po, context
 * "register"; NULL: English); the other formats have no language.
 */
int gd__register_write(const struct gd__register *r, const char *source, size_t len,
                       const char *format, const char *language, FILE *out);

/* A fideslang data use / data category as the closest DPV 2.2 term, compact ("dpv:…", "pd:…"; register_dpv.c). */
const char *gd__dpv_purpose(const char *data_use);
const char *gd__dpv_personal_data(const char *category);

/* The CNIL template's columns, as CSV (ods false) or flat OpenDocument (register_cnil.c). */
int gd__register_write_cnil(const struct gd__register *r, bool ods, FILE *out);
/* The same cells as content.xml of an OpenDocument package (register_ods.c). */
int gd__register_write_ods_content(const struct gd__register *r, FILE *out);
/* The zipped OpenDocument spreadsheet (.ods): mimetype stored first, content.xml, manifest. */
int gd__register_write_ods(const struct gd__register *r, FILE *out);

/* Cache of parsed registers kept on the vault handle (register_store.c). */
struct gd__register_cache;
void gd__register_cache_free(struct gd__register_cache *c);

#endif
