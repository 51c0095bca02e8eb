/*
 * notice.h — what the notice modules share: the "notice view" of a register
 * (the items an Art. 13/14 notice speaks of), the French and English lexicon,
 * the text splitter and the gettext catalogues.
 *
 * The notice view is deliberately a model of its own, not struct gd__register:
 * a draft (notice_draft.c) produces one with the source sentence and the
 * confidence of every item, the one adapter (notice_register.c) builds one
 * from a register, and the writer (notice_write.c), the comparison
 * (notice_compare.c) and the draft's YAML (notice_yaml.c) only read views.
 * When the register format changes, only the adapter follows.
 *
 * Every string and array of a view lives in the view's arena.
 */
#ifndef GD_NOTICE_H
#define GD_NOTICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "gardien.h"
#include "gardien/notice.h"

struct gd__arena;

/* ---- the notice view ---- */

/* Where a drafted item comes from; line 0 when it comes from a register. */
struct gd__nv_src {
	int line;          /* 1-based line of the notice */
	int conf;          /* how sure the extractor is, in percent */
	const char *quote; /* the sentence, whitespace collapsed */
	const char *note;  /* why this mapping ("lexicon: « trois ans »") */
};

struct gd__nv_field {
	const char *v;
	struct gd__nv_src src;
};

struct gd__nv_list {
	const char **v;
	size_t n, cap;
};

struct gd__nv_period {
	int years, months, days;
};

enum {
	GD__NV_DELETE = 0,
	GD__NV_ARCHIVE,
	GD__NV_ANONYMISE
};

struct gd__nv_stage {
	int action;       /* GD__NV_DELETE, … */
	const char *from; /* event name */
	struct gd__nv_period after;
};

struct gd__nv_retention {
	const char *text; /* the notice's wording */
	struct gd__nv_list categories;
	struct gd__nv_stage stages[3];
	size_t nstages;
	bool minimum; /* "at least": the period is a floor */
	bool legal;   /* "legal periods": the law sets the end */
	const char *legal_reference;
	struct gd__nv_src src;
};

struct gd__nv_party {
	const char *name;
	const char *kind;    /* internal, external, processor, sub-processor, authority */
	const char *country; /* ISO alpha-2 or NULL */
	const char *purpose;
	struct gd__nv_src src;
};

struct gd__nv_transfer {
	const char *recipient;
	const char *country;
	const char *safeguard; /* adequacy, scc, bcr, derogation, or NULL */
	const char *reference;
	const char *invalid; /* a struck-down mechanism the notice relies on */
	struct gd__nv_src src;
};

struct gd__nv_activity {
	const char *id;
	const char *name;
	const char *description;
	const char *role; /* "controller" or "processor" */
	const char *on_behalf_of;
	const char *basis; /* Art. 6(1) key, NULL when not stated */
	const char *basis_detail;
	const char *consent_text;
	const char *purpose; /* first data use */
	struct gd__nv_list sub_purposes;
	struct gd__nv_list categories, subjects, sources, mandatory;
	const char *if_absent;
	const char *automated_decision;
	struct gd__nv_party *parties; /* recipients and processors */
	size_t nparties, capparties;
	struct gd__nv_transfer *transfers;
	size_t ntransfers, captransfers;
	struct gd__nv_retention *retention;
	size_t nretention, capretention;
	struct gd__nv_src src, basis_src, purpose_src;
	/* draft only: sentences attached to this activity (basis, data, periods) */
	int first_line, last_line;
};

struct gd__nv_right {
	const char *kind;
	bool offered;
	const char *reason;
	const char *conditions;
	struct gd__nv_src src;
};

struct gd__nv_event {
	const char *name;
	const char *description;
};

struct gd__nv_note { /* a sentence the draft could not map */
	int line;
	const char *text;
};

struct gd__nv {
	struct gd__arena *arena;
	const char *language; /* "fr", "en" */
	struct gd__nv_field name, address, registration, email, country;
	struct gd__nv_field dpo_name, dpo_email, dpo_phone, dpo_address;
	struct gd__nv_field rep_name, rep_address, rep_email;
	struct gd__nv_field authority, authority_url;
	struct gd__nv_field rights_email, rights_postal;
	struct gd__nv_activity *activities;
	size_t nactivities, capactivities;
	struct gd__nv_right *rights;
	size_t nrights, caprights;
	struct gd__nv_event *events;
	size_t nevents, capevents;
	struct gd__nv_event *terms; /* the register's own terms: key, name */
	size_t nterms, capterms;
	struct gd__nv_field *security;
	size_t nsecurity, capsecurity;
	struct gd__nv_party *parties; /* draft: recipients not tied to an activity */
	size_t nparties, capparties;
	struct gd__nv_transfer *transfers; /* draft: transfers not tied to an activity */
	size_t ntransfers, captransfers;
	struct gd__nv_retention *retention; /* draft: periods not tied to an activity */
	size_t nretention, capretention;
	struct gd__nv_note *notes; /* draft: sentences left to handle */
	size_t nnotes, capnotes;
	struct gd__nv_list warnings; /* draft: what the reader must know */
};

/* A new empty view (NULL when out of memory); gd__nv_free frees it, NULL does nothing. */
struct gd__nv *gd__nv_new(void);
void gd__nv_free(struct gd__nv *v);
/* Appends one zeroed element to an arena array; NULL when out of memory or over 100000. */
void *gd__nv_push(struct gd__arena *ar, void *arrp, size_t *n, size_t *cap, size_t size);
/* Appends `s` (copied) to a list unless already there; GD_ENOMEM. */
int gd__nv_list_add(struct gd__arena *ar, struct gd__nv_list *l, const char *s);
bool gd__nv_list_has(const struct gd__nv_list *l, const char *s);
/* "3 years", "13 months", "0 days" — the register format's words. */
void gd__nv_period_str(char out[64], struct gd__nv_period p);

/* ---- the adapter (notice_register.c): the only file that reads struct gd__register ---- */

struct gd__register;
/* A view of `r`; GD_ENOMEM. */
int gd__nv_from_register(struct gd__nv **out, const struct gd__register *r);
/* Reads, validates and views the register file at `path` (errors as gd_register_check). */
int gd__nv_from_register_file(struct gd__nv **out, const char *path);
/* Views version `version` (0: latest) of the actor's tenant register (audited as an export). */
int gd__nv_from_vault(struct gd__nv **out, gd_actor *a, int64_t version);

/* ---- text (notice_text.c) ---- */

#define GD__NOTICE_MAX_BYTES (1u << 20) /* notice input */
#define GD__NOTICE_MAX_SENTENCE 2000    /* bytes; longer runs are cut */
#define GD__NOTICE_MAX_SENTENCES 50000
#define GD__NOTICE_MAX_ITEMS 500 /* activities, recipients, periods… a draft holds */

enum {
	GD__S_BULLET = 1,  /* a list item */
	GD__S_HEADING = 2, /* a title: short, alone on its line */
	GD__S_COLON = 4,   /* ends with ':' (announces a list) */
	GD__S_CELL = 8,    /* a table cell */
	GD__S_PARA = 16,   /* first sentence of its paragraph */
	GD__S_MDHEAD = 32, /* a Markdown heading (#…) */
};

struct gd__sentence {
	const char *text; /* whitespace collapsed, UTF-8 */
	const char *norm; /* folded: lower-case ASCII, accents dropped */
	int line;         /* 1-based line of its first character */
	int flags;        /* GD__S_… */
	int level;        /* Markdown heading level, 0 otherwise */
	int row, cell;    /* table position (row > 0 for cells) */
};

/*
 * Splits a notice (UTF-8 text, or HTML when it looks like HTML: tags stripped,
 * entities decoded, script and style dropped, line numbers kept) into
 * sentences, list items, headings and table cells. GD_EINVAL for invalid UTF-8
 * or a NUL byte (with the position), GD_ETOOBIG over GD__NOTICE_MAX_BYTES.
 * The sentences live in `ar`.
 */
int gd__notice_split(struct gd__arena *ar, const char *text, size_t len,
                     struct gd__sentence **out, size_t *n);

/* Folds UTF-8 `s` to lower-case ASCII (accents dropped, quotes and dashes plain), in `ar`. */
char *gd__notice_fold(struct gd__arena *ar, const char *s, size_t len);
/* The same into `out`, which has room for 2 * len + 1 bytes. */
void gd__notice_fold_buf(const char *s, size_t len, char *out);
/* The offset in `text` of the character at offset `at` of its folded form. */
size_t gd__notice_unfold(const char *text, size_t at);

/* ---- lexicon (notice_lexicon.c) ---- */

struct gd__lexicon;
/* The lexicon compiled into the library (data/notice-lexicon.tsv); GD_ECORRUPT if malformed. */
int gd__lexicon_get(const struct gd__lexicon **out);
/* Parses a lexicon text (for tests); gd__lexicon_free frees it. */
int gd__lexicon_parse(struct gd__lexicon **out, const char *text, size_t len);
void gd__lexicon_free(struct gd__lexicon *lx);

/* One match of a phrase in a folded text. */
struct gd__lex_hit {
	const char *kind, *key; /* the rule */
	size_t at, len;         /* where in the folded text */
};
/*
 * The first rule of `kind`, in lexicon order, with a phrase occurring in folded
 * `norm`; true when found (*hit filled, may be NULL).
 */
bool gd__lexicon_find(const struct gd__lexicon *lx, const char *kind, const char *norm,
                      struct gd__lex_hit *hit);
/* Calls cb for every occurrence of every rule of `kind` (each key once, leftmost occurrence). */
void gd__lexicon_each(const struct gd__lexicon *lx, const char *kind, const char *norm,
                      void (*cb)(void *ud, const struct gd__lex_hit *h), void *ud);
/* The key of `kind` whose phrase is exactly the word starting at norm[at]; NULL if none. */
const char *gd__lexicon_at(const struct gd__lexicon *lx, const char *kind, const char *norm,
                           size_t at, size_t *len);
/* The second field of the first rule of `kind` with key `key` (authority-url). */
const char *gd__lexicon_value(const struct gd__lexicon *lx, const char *kind, const char *key);

/* ---- drafting (notice_draft.c) ---- */

/* Drafts a view from a notice text; *out is freed with gd__nv_free. */
int gd__notice_draft(struct gd__nv **out, const char *text, size_t len, const char *language);
/* Writes a drafted view as a register YAML draft (notice_yaml.c). */
int gd__notice_draft_yaml(const struct gd__nv *v, const char *name, FILE *out);
/* Reads a notice file (at most GD__NOTICE_MAX_BYTES + 1 bytes, NUL-terminated); gd__free it. */
int gd__notice_read_file(const char *path, char **out, size_t *len);

/* ---- comparing (notice_compare.c) ---- */

/* Whether two texts name the same thing: shared content words (notice_compare.c). */
bool gd__nv_similar(const char *a, const char *b);

/* Per kind of item: activities, bases, retention periods, recipients, rights, contacts. */
#define GD__NV_KINDS 6
extern const char *const gd__nv_kind_names[GD__NV_KINDS];
struct gd__nv_score {
	size_t expected, found; /* items of the reference, and how many the draft has */
	size_t drafted, wrong;  /* items of the draft, and how many the reference has not */
};
/* Scores a draft against a reference view (a hand-written register). */
int gd__nv_score(const struct gd__nv *draft, const struct gd__nv *ref,
                 struct gd__nv_score out[GD__NV_KINDS]);

/* The gettext catalogues of the notice are in lib/po/po.h. */
#include "lib/po/po.h"

#endif
