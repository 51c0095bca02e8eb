/*
 * gardien.h — public API of gardien, a GDPR enforcement engine.
 *
 * A vault stores personal data encrypted (one data key per data subject,
 * wrapped by a per-tenant key, wrapped by the master key) and enforces the
 * controller's register on every operation, each of which appends an entry to a
 * tamper-evident audit trail in the same storage transaction.
 *
 * Conventions (see docs/API.md):
 *  - functions return 0 on success or a negative GD_E* code; gd_error_last()
 *    holds one line of detail for the calling thread, never personal data or keys;
 *  - out-parameters come first; what a `**out` receives belongs to the caller and
 *    is released with the matching _free/_close, which accept NULL;
 *  - options structs carry a version and are initialised with their _INIT macro;
 *  - times are gd_time: seconds since 1970-01-01T00:00:00Z.
 *
 * A vault handle is used by one thread at a time; open one per thread.
 */
#ifndef GARDIEN_H
#define GARDIEN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "gardien/version.h"

/*
 * The version of the library actually loaded ("0.1.0"), which may differ from
 * GD_VERSION, the version the caller was compiled against. Never NULL; static.
 */
const char *gd_version(void);

/* ---- errors ------------------------------------------------------------- */

enum gd_error_code {
	GD_OK = 0,
	GD_ERROR = -1,     /* unexpected failure (storage, system) */
	GD_EINVAL = -2,    /* bad input: the message says what and how to fix it */
	GD_ENOTFOUND = -3, /* no such tenant, subject, record, … */
	GD_EDENIED = -4,   /* refused by policy, or wrong key / credentials */
	GD_ECORRUPT = -5,  /* data failed authentication or is malformed on disk */
	GD_EEXISTS = -6,   /* already exists */
	GD_ENOMEM = -7,    /* out of memory */
	GD_EIO = -8,       /* file system or storage engine I/O error */
	GD_EEXPIRED = -9,  /* consent, grant, token or session expired */
	GD_ETOOBIG = -10,  /* input over a documented size limit */
	GD_EBUSY = -11,    /* vault locked by another writer for too long */
	GD_ESTATE = -12,   /* operation not allowed in the current state */
};

/* One line describing the last error of this thread ("" if none). */
const char *gd_error_last(void);
/* Short name of a code: "GD_EDENIED". */
const char *gd_error_name(int code);

/* ---- limits ---------------------------------------------------------------- */

#define GD_VALUE_MAX (1u << 20)   /* bytes of one record value */
#define GD_IDENTIFIER_MAX 320     /* bytes of one identifier value */
#define GD_NAME_MAX 128           /* tenant, activity, category, source names */
#define GD_SUBJECT_ID_SIZE 29     /* "sub_" + 24 hex + NUL */

typedef int64_t gd_time;

/* ---- time and calendar (UTC) ------------------------------------------------- */

/*
 * Parses "YYYY-MM-DD" (midnight UTC), "YYYY-MM-DDTHH:MM[:SS]Z" or with a
 * "+HH:MM"/"-HH:MM" offset, or "@SECONDS". GD_EINVAL on anything else.
 */
int gd_time_parse(gd_time *out, const char *s);
/* "YYYY-MM-DDTHH:MM:SSZ"; `out` holds at least 21 bytes. */
void gd_time_format(char out[32], gd_time t);
/* "YYYY-MM-DD". */
void gd_date_format(char out[32], gd_time t);
/*
 * Adds `months` (may be negative) by the EU rule for periods in months
 * (Regulation 1182/71, Art. 3(2)(c)): same day of the month, or the last day of
 * the month when that day does not exist in it; the time of day is kept.
 */
gd_time gd_time_add_months(gd_time t, int months);
/* The last second (23:59:59) of the UTC day holding `t`. */
gd_time gd_time_end_of_day(gd_time t);

/* ---- vault ----------------------------------------------------------------- */

typedef struct gd_vault gd_vault;

#define GD_VAULT_OPTIONS_VERSION 2
typedef struct gd_vault_options {
	unsigned version;
	/* Master key file; NULL means "<vault path>.key". */
	const char *key_path;
	/* Fixed clock for tests and what-if planning; 0 means the system clock. */
	gd_time now;
	/* Version 2. Key providers (docs/keys.md), instead of the key file: the key
	 * file's bytes (or their hex) read from this open descriptor (> 0) until
	 * its end, or printed by this shell command (exit 0). */
	int key_fd;
	const char *key_command;
	/* A PKCS#11 URI (pkcs11:token=…;object=…?module-path=…&pin-value=…): the
	 * master key lives on that token and never leaves it; the key file then
	 * holds the other keys only. */
	const char *key_pkcs11;
} gd_vault_options;
#define GD_VAULT_OPTIONS_INIT {GD_VAULT_OPTIONS_VERSION, NULL, 0, 0, NULL, NULL}

/*
 * Creates a new vault at `path` (an SQLite database) and its master key file
 * (mode 0600). Fails with GD_EEXISTS if either already exists.
 */
int gd_vault_init(const char *path, const gd_vault_options *opts);

/*
 * Opens an existing vault. GD_EDENIED if the key file does not open it,
 * GD_ECORRUPT if the database is not a gardien vault or is damaged, GD_ESTATE
 * if a newer gardien wrote it (a newer format). A vault of an older format is
 * converted first, in one transaction (docs/FORMAT.md, "Audit blocks").
 */
int gd_vault_open(gd_vault **out, const char *path, const gd_vault_options *opts);
void gd_vault_close(gd_vault *v);

/* The clock every part of the engine reads. */
gd_time gd_vault_now(const gd_vault *v);
void gd_vault_set_now(gd_vault *v, gd_time now);

/*
 * Groups the operations that follow into one durable commit (batching). Each
 * operation inside still succeeds or fails whole; gd_vault_rollback drops all.
 * Without a batch, every operation commits on its own.
 */
int gd_vault_begin(gd_vault *v);
int gd_vault_commit(gd_vault *v);
void gd_vault_rollback(gd_vault *v);

/* A row that failed authentication (gd_vault_verify); strings live during the call. */
typedef struct gd_vault_damage {
	char tenant[65];
	const char *table;   /* "subjects", "records", "identifiers" */
	int64_t id;          /* record id, subject row id, or the identifier's subject row id */
	const char *what;    /* what is wrong, never personal data */
} gd_vault_damage;

typedef struct gd_vault_verify_report {
	uint64_t subjects, records, identifiers, damaged;
} gd_vault_verify_report;

/*
 * Checks every row of the vault: each subject's wrapped data key opens under
 * its tenant's key, each record's metadata (activity, category, subject,
 * subject category, collection time, stage) and each identifier's link to its
 * subject match their MACs (docs/FORMAT.md, "Metadata MACs"). `damaged` (may
 * be NULL) is called for each row that fails, `progress` (may be NULL) every
 * few thousand rows; a non-zero return from either stops the walk with it.
 * Audited (vault.verify). Returns GD_ECORRUPT when any row failed.
 */
int gd_vault_verify(gd_vault *v, int (*damaged)(void *ud, const gd_vault_damage *d),
                    int (*progress)(void *ud, uint64_t done, uint64_t total), void *ud,
                    gd_vault_verify_report *out);

/* ---- keys (docs/keys.md) ------------------------------------------------------ */

/*
 * Rotates a key of the vault online: `kind` "master" (a new master key wraps
 * every tenant key; the old one is kept while a backup of `backup_dir` was
 * made under it), "backup" (new backups under a new key; old ones kept while
 * backups need them) or "audit" (a new signing key; the old public key kept so
 * old checkpoints verify). Needs the key file (not a descriptor or a command).
 * An interrupted master rotation is finished by running it again. Audited
 * (key.rotate); `*version` (may be NULL) receives the new version. Then runs
 * gd_key_prune.
 */
int gd_key_rotate(gd_vault *v, const char *kind, const char *backup_dir, unsigned *version);
/* Destroys the retired key versions no backup of `backup_dir` needs (audited). */
int gd_key_prune(gd_vault *v, const char *backup_dir, unsigned *destroyed);

/* ---- process hygiene --------------------------------------------------------- */

/*
 * For programs that hold keys and personal data (the CLI and `gardien serve`
 * call it first, before any other call): core dumps off (RLIMIT_CORE 0 and
 * PR_SET_DUMPABLE 0) unless `allow_core_dumps`, and every block the JSON
 * library (jansson) frees is wiped first. 0, or GD_ERROR if the kernel refused.
 */
int gd_process_harden(int allow_core_dumps);
/* free() that first wipes the whole block (any block of malloc, realloc or jansson). */
void gd_wipe_free(void *p);

/* ---- tenants and actors ----------------------------------------------------- */

/*
 * A tenant is one controller: its data, keys, register and audit chain are
 * isolated from every other tenant's. `name` is a slug: [a-z0-9_-]{1,64}.
 * `country_code` is the default calling code used to normalise national phone
 * numbers ("33" for France); NULL means none (only international numbers).
 */
int gd_tenant_create(gd_vault *v, const char *name, const char *country_code);

/* Calls `cb` for each tenant name, in creation order. */
int gd_tenant_list(gd_vault *v, int (*cb)(void *ud, const char *name), void *ud);

/*
 * An actor is who operates on one tenant: a principal (a person or service,
 * "cli:alice", "svc:billing") acting within that tenant. It holds the tenant's
 * unwrapped keys in protected memory until gd_actor_close. Every operation is
 * done by an actor and audited under its principal.
 */
typedef struct gd_actor gd_actor;
int gd_actor_open(gd_actor **out, gd_vault *v, const char *tenant, const char *principal);
void gd_actor_close(gd_actor *a);

/* ---- subjects and identifiers ------------------------------------------------- */

/*
 * Creates a data subject and writes its pseudonymous id ("sub_" + 24 hex,
 * random, not derived from personal data) into `out_id`.
 */
int gd_subject_create(gd_actor *a, char out_id[GD_SUBJECT_ID_SIZE]);

/*
 * Attaches an identifier to a subject. `kind` is "email", "phone" or any other
 * slug ("customer_number"); the value is normalised (email: trimmed and
 * case-folded; phone: E.164; others: trimmed), sealed under the subject's key,
 * and indexed by a keyed hash only. GD_EEXISTS if another subject has it.
 */
int gd_subject_add_identifier(gd_actor *a, const char *subject, const char *kind,
                              const char *value);

/*
 * Finds the subject holding an identifier. GD_ENOTFOUND if none. Audited either
 * way ("subject.find", with the kind, never the value).
 */
int gd_subject_find(gd_actor *a, char out_id[GD_SUBJECT_ID_SIZE], const char *kind,
                    const char *value);

/*
 * Erases a subject by crypto-shredding: its data key is destroyed, then its
 * records and identifiers are deleted, in one transaction; deleted content is
 * overwritten in the database and its write-ahead log is truncated at commit.
 */
int gd_subject_erase(gd_actor *a, const char *subject);

/*
 * Writes the canonical form of an identifier into `out` (size `cap`). Exposed
 * so applications and tests can see what gardien indexes.
 */
int gd_identifier_normalise(char *out, size_t cap, const char *kind, const char *value,
                            const char *country_code);

/* ---- records ------------------------------------------------------------------ */

enum gd_value_type { GD_VALUE_TEXT = 0, GD_VALUE_JSON = 1 };

#define GD_RECORD_SPEC_VERSION 1
typedef struct gd_record_spec {
	unsigned version;
	const char *activity;   /* processing activity it was collected for */
	const char *category;   /* data category, e.g. "user.contact.email" */
	const char *source;     /* where it came from; NULL means "subject" */
	gd_time collected_at;   /* 0 means now */
	enum gd_value_type type;
	const void *value;      /* UTF-8 text or a JSON document */
	size_t value_len;
	/*
	 * Who the data is about, as a data-subject category of the register
	 * ("customer", "prospect"); required once the tenant has a register.
	 */
	const char *subject_category;
} gd_record_spec;
#define GD_RECORD_SPEC_INIT {GD_RECORD_SPEC_VERSION, NULL, NULL, NULL, 0, GD_VALUE_TEXT, NULL, 0, NULL}

/* A decrypted record. `value` lives in protected memory, wiped by gd_record_free. */
typedef struct gd_record {
	int64_t id;
	char subject[GD_SUBJECT_ID_SIZE];
	char activity[GD_NAME_MAX + 1];
	char category[GD_NAME_MAX + 1];
	char source[GD_NAME_MAX + 1];
	gd_time collected_at;
	gd_time updated_at;
	enum gd_value_type type;
	unsigned char *value;   /* NUL-terminated for convenience */
	size_t value_len;
} gd_record;

/* Stores a record about `subject`; its id goes to `out_id` (may be NULL). */
int gd_record_put(gd_actor *a, int64_t *out_id, const char *subject,
                  const gd_record_spec *spec);

/*
 * Reads one record for `purpose` (an activity of the register). GD_EDENIED,
 * with the reason in gd_error_last(), when the purpose does not allow it; the
 * refusal is audited.
 */
int gd_record_get(gd_actor *a, gd_record **out, int64_t id, const char *purpose);
void gd_record_free(gd_record *r);

/*
 * Streams every record of `subject` readable for `purpose` to `cb`, in id order;
 * the record passed is valid only during the call. A non-zero return from `cb`
 * stops the walk and is returned. Records the purpose may not read are skipped
 * and counted in `*out_denied` (may be NULL).
 */
typedef int (*gd_record_cb)(void *ud, const gd_record *r);
int gd_record_list(gd_actor *a, const char *subject, const char *purpose,
                   gd_record_cb cb, void *ud, size_t *out_denied);

/* Replaces a record's value (rectification); the old ciphertext is overwritten. */
int gd_record_update(gd_actor *a, int64_t id, enum gd_value_type type, const void *value,
                     size_t value_len);

/* Deletes one record. */
int gd_record_delete(gd_actor *a, int64_t id);

#ifdef __cplusplus
}
#endif

/* Modules: one header each under include/gardien/, one line each here. */
#include "gardien/auth.h"
#include "gardien/rights.h"
#include "gardien/retention.h"
#include "gardien/register.h"
#include "gardien/audit.h"
#include "gardien/breach.h"
#include "gardien/notice.h"

#endif
