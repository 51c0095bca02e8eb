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
 * How each function is documented (here and in gardien/<module>.h): what it does,
 * its parameters (`@param`), what it returns (`@return`) with the codes
 * particular to it, and who owns what it gives back. Not repeated each time:
 *  - the actor `a` or vault `v` a function takes is the one it acts with;
 *  - any function that reads or writes the vault may also return GD_ENOMEM,
 *    GD_EIO, GD_EBUSY (another writer held the vault too long), GD_ECORRUPT
 *    (stored data failed authentication) or GD_ERROR (the storage engine
 *    failed), and then changed nothing;
 *  - callbacks: what they receive is valid during the call only; a non-zero
 *    return stops the walk and is returned; they should not call gardien on
 *    the same vault handle while the walk runs (some walks hold the trail or
 *    a statement open);
 *  - roles: an actor opened from a token (gd_auth_open) is limited by its role
 *    or grant. Record reads and writes check the role for the purpose
 *    (GD_EDENIED); management (gardien/auth.h) needs GD_OP_ADMIN. Other
 *    operations do not check the role themselves: a shell acting for a token
 *    calls gd_actor_require first, as the server's route table does. Actors
 *    from gd_actor_open (the operator) have every right.
 *
 * Threads: a vault handle and the actors opened on it are used by one thread
 * at a time; open one handle per thread (SQLite serialises writers between
 * them). Functions that take no handle (time, names, parsing, normalising,
 * JSON forms) keep no state and are thread-safe; gd_error_last is per thread.
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

/*
 * The last error of the calling thread: one line for a person saying what
 * was wrong and how to fix it, never personal data or key material.
 *
 * @return a thread-local string ("" if no error yet), valid until the thread's
 *         next call into gardien. Thread-safe.
 */
const char *gd_error_last(void);

/*
 * The name of an error code ("GD_EDENIED"; "GD_EUNKNOWN" for a code that is
 * not one of enum gd_error_code).
 *
 * @param code  a return value of gardien
 * @return a static string. Thread-safe.
 */
const char *gd_error_name(int code);

/* ---- limits ---------------------------------------------------------------- */

#define GD_VALUE_MAX (1u << 20) /* bytes of one record value */
#define GD_IDENTIFIER_MAX 320   /* bytes of one identifier value */
#define GD_NAME_MAX 128         /* tenant, activity, category, source names */
#define GD_SUBJECT_ID_SIZE 29   /* "sub_" + 24 hex + NUL */

typedef int64_t gd_time;

/* ---- time and calendar (UTC) ------------------------------------------------- */

/*
 * Parses a time: "YYYY-MM-DD" (midnight UTC), "YYYY-MM-DDTHH:MM[:SS]Z", the
 * same with a "+HH:MM"/"-HH:MM" offset, or "@SECONDS" (Unix time); years
 * 0000 to 9999.
 *
 * @param out  receives the time (left unchanged on error)
 * @param s    the text
 * @return 0, or GD_EINVAL (missing, malformed, or not a real date and time).
 *         Thread-safe.
 */
int gd_time_parse(gd_time *out, const char *s);

/*
 * Formats `t` as "YYYY-MM-DDTHH:MM:SSZ" (UTC).
 *
 * @param out  at least 21 bytes; receives the NUL-terminated text
 * @param t    the time
 * Thread-safe.
 */
void gd_time_format(char out[32], gd_time t);

/*
 * Formats the UTC day of `t` as "YYYY-MM-DD".
 *
 * @param out  at least 11 bytes; receives the NUL-terminated text
 * @param t    the time
 * Thread-safe.
 */
void gd_date_format(char out[32], gd_time t);

/*
 * Adds `months` (may be negative) by the EU rule for periods in months
 * (Regulation 1182/71, Art. 3(2)(c)): same day of the month, or the last day of
 * the month when that day does not exist in it; the time of day is kept.
 *
 * @return the new time. Thread-safe.
 */
gd_time gd_time_add_months(gd_time t, int months);

/*
 * The last second (23:59:59 UTC) of the day holding `t`.
 *
 * @return that time. Thread-safe.
 */
gd_time gd_time_end_of_day(gd_time t);

/* ---- vault ----------------------------------------------------------------- */

typedef struct gd_vault gd_vault;

#define GD_VAULT_OPTIONS_VERSION 4
typedef struct gd_vault_options {
	unsigned version;
	/* Master key file; NULL means "<vault path>.key". */
	const char *key_path;
	/* Fixed clock for tests, demos and what-if planning; 0 means the system
	 * clock. A vault created with one is a test or demo vault; a vault created
	 * on the system clock refuses one at open (GD_EDENIED), so a production
	 * trail cannot be written in the past or the future. */
	gd_time now;
	/*
	 * Non-zero: the vault's file system orders writes (ext4 data=ordered, XFS,
	 * btrfs), so the sync of a WAL header written into an empty WAL may be
	 * skipped (the first commit after opening; after an erasure, where the WAL
	 * cannot be zeroed in place). 0, the default, keeps every such sync: safe
	 * on any file system (docs/FORMAT.md). SQLite vaults only.
	 * Added in version 2; a version-1 struct (without it) is still accepted.
	 */
	int ordered_writes;
	/* Version 3. Key providers (docs/keys.md), instead of the key file: the key
	 * file's bytes (or their hex) read from this open descriptor (> 0) until
	 * its end, or printed by this shell command (exit 0). A version-1 or -2
	 * struct (without them) is still accepted. */
	int key_fd;
	const char *key_command;
	/* A PKCS#11 URI (pkcs11:token=…;object=…?module-path=…&pin-value=…): the
	 * master key lives on that token and never leaves it; the key file then
	 * holds the other keys only. */
	const char *key_pkcs11;
	/* Version 4. How many unwrapped subject keys this handle keeps (in locked,
	 * wiped memory, 32 bytes each), so reading a subject again skips opening
	 * its key: 0 for the default, 1024; at most 65536; rounded up to a power
	 * of two. An erased subject's key leaves every handle of the process at
	 * once (docs/FORMAT.md, "Erasure"). */
	unsigned key_cache;
} gd_vault_options;
#define GD_VAULT_OPTIONS_INIT \
	{ \
		GD_VAULT_OPTIONS_VERSION, NULL, 0, 0, 0, NULL, NULL, 0 \
	}

/*
 * Creates a new vault at `path` (an SQLite database, mode 0600) and its master
 * key file (mode 0600), with the vault's own audit chain. Nothing is left
 * behind on failure.
 *
 * @param path  the database file to create
 * @param opts  key file and clock (NULL: "<path>.key", system clock)
 * @return 0, or GD_EEXISTS (the database or key file exists), GD_EINVAL (no
 *         path, unsupported options version), GD_EIO (a file cannot be
 *         created or written).
 */
int gd_vault_init(const char *path, const gd_vault_options *opts);

/*
 * Opens an existing vault and checks its key. A vault of an older format is
 * converted first, in one transaction (docs/FORMAT.md, "Audit blocks").
 *
 * @param out   receives the handle, to close with gd_vault_close (NULL on error)
 * @param path  the database file
 * @param opts  key file and clock (NULL: "<path>.key", system clock)
 * @return 0, or GD_ENOTFOUND (no key file), GD_EDENIED (the key file does not
 *         open this vault, or other users may read it), GD_ECORRUPT (not a
 *         gardien vault, or damaged), GD_ESTATE (written by a newer gardien),
 *         GD_EINVAL (no path, unsupported options version).
 * A handle is used by one thread at a time; open one per thread.
 */
int gd_vault_open(gd_vault **out, const char *path, const gd_vault_options *opts);

/*
 * Closes a vault handle: rolls back an open batch, wipes its keys and
 * releases its memory. Close the actors opened on it first. NULL does nothing.
 */
void gd_vault_close(gd_vault *v);

/*
 * The clock every part of the engine reads: the fixed time of the options or
 * of gd_vault_set_now, else the system clock. In every vault an audit entry is
 * never dated before the last entry of its chain, whatever the clock says.
 *
 * @return the current time of the vault.
 */
gd_time gd_vault_now(const gd_vault *v);

/*
 * Fixes the vault's clock (tests, what-if planning). Affects only this handle;
 * not confined like the options' clock (its caller holds the key).
 *
 * @param now  the time every part of the engine reads from now on; 0: the
 *             system clock again
 */
void gd_vault_set_now(gd_vault *v, gd_time now);

/*
 * Starts a batch: the operations that follow share one durable commit. Each
 * operation inside still succeeds or fails whole (a failed one is undone alone
 * and the batch goes on); without a batch every operation commits on its own.
 * If the storage engine drops the whole transaction by itself (a full disk,
 * an I/O error), every later call in the batch fails with GD_EIO until
 * gd_vault_rollback: a batch never goes on with its first half gone.
 *
 * @return 0, or GD_ESTATE (a batch is already open), GD_EBUSY (another writer
 *         holds the vault).
 */
int gd_vault_begin(gd_vault *v);

/*
 * Commits the open batch durably, signing the end of each audit chain it
 * appended to.
 *
 * @return 0, or GD_ESTATE (no batch is open), or the error that kept it from
 *         committing: then end the batch with gd_vault_rollback.
 */
int gd_vault_commit(gd_vault *v);

/*
 * Drops the open batch: every operation since gd_vault_begin is undone. Does
 * nothing without a batch.
 */
void gd_vault_rollback(gd_vault *v);

/*
 * Starts a group of reads whose audit entries are committed together. Until
 * gd_vault_reads_commit, the audited reads of this handle run in a read
 * transaction (one snapshot, beside other readers and the writer, without the
 * write lock) and return with their entries kept in memory instead of
 * committed: the values they returned must not leave the caller before
 * gd_vault_reads_commit returns 0 (a server holds its answers until then). A
 * failed read keeps nothing and ends the snapshot. Writes may run in between:
 * each ends the snapshot (the next read takes a new one) and commits on its
 * own, as without a group. A batch (gd_vault_begin) cannot be opened meanwhile.
 *
 * @return 0, or GD_ESTATE (a batch, a group of reads or an operation is open).
 */
int gd_vault_reads_begin(gd_vault *v);

/*
 * Ends the group of reads: appends every entry kept since gd_vault_reads_begin
 * and commits them durably, with the entries of the process's other readers of
 * the vault (one commit for all). Ends the group whatever it returns.
 *
 * @return 0: every read of the group is audited durably, its value may go out;
 *         GD_ESTATE (no group is open), or the error that kept the entries from
 *         being committed: then none of the group's values may go out.
 */
int gd_vault_reads_commit(gd_vault *v);

/* A row that failed authentication (gd_vault_verify); strings live during the call. */
typedef struct gd_vault_damage {
	char tenant[65];
	const char *table; /* "subjects", "records", "identifiers" */
	int64_t id;        /* record id, subject row id, or the identifier's subject row id */
	const char *what;  /* what is wrong, never personal data */
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

/* What gd_key_epoch did. */
typedef struct gd_key_epoch_result {
	unsigned begun;          /* tenants whose next erasure epoch began */
	uint64_t rewrapped;      /* subject keys moved onto their tenant's current epoch */
	unsigned destroyed;      /* ended epoch keys destroyed */
	unsigned secret_version; /* the epoch secret now in the key file */
} gd_key_epoch_result;
/**
 * Ends the erasure epochs that are over (docs/keys.md, "Erasure epochs"):
 * begins each such tenant's next epoch, re-wraps the live subject keys under
 * it in batches (`progress`, may be NULL, after each; a non-zero return
 * stops), then writes a new epoch secret to the key file and destroys the
 * ended epochs' keys, so that no copy of the database can unwrap the key of
 * a subject erased in them. Resumable: run it again after a crash. Needs the
 * key file (not a descriptor or a command). Audited (key.epoch).
 */
int gd_key_epoch(gd_vault *v, int (*progress)(void *ud, uint64_t done, uint64_t total), void *ud,
                 gd_key_epoch_result *out);

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
 * Creates a tenant (one controller, isolated from every other: data, keys,
 * register, audit chain), with its own key wrapped by the master key. Audited
 * in the vault's chain.
 *
 * @param v             the vault
 * @param name          a slug: [a-z0-9_-]{1,64}
 * @param country_code  default calling code used to normalise national phone
 *                      numbers ("33" for France); NULL: none (international only)
 * @return 0, or GD_EEXISTS, GD_EINVAL (bad name or code), GD_ETOOBIG (name
 *         over 64 bytes).
 */
int gd_tenant_create(gd_vault *v, const char *name, const char *country_code);
/**
 * Sets the length of a tenant's erasure epochs (docs/keys.md) in seconds,
 * from one hour to 366 days (default 7 days). Takes effect from the tenant's
 * next epoch. Audited (tenant.epoch). GD_ENOTFOUND: no such tenant.
 */
int gd_tenant_set_epoch(gd_vault *v, const char *name, int64_t seconds);

/*
 * Calls `cb` for each tenant name, in creation order.
 *
 * @param cb  gets each name (valid during the call); non-zero stops the walk
 * @return 0, or what `cb` returned to stop.
 */
int gd_tenant_list(gd_vault *v, int (*cb)(void *ud, const char *name), void *ud);

/*
 * An actor is who operates on one tenant: a principal (a person or service,
 * "cli:alice", "svc:billing") acting within that tenant. It holds the tenant's
 * unwrapped keys in protected memory until gd_actor_close. Every operation is
 * done by an actor and audited under its principal.
 */
typedef struct gd_actor gd_actor;

/*
 * Opens an actor: `principal` acting on `tenant` with every right (the
 * operator who holds the master key, as the CLI is). Unwraps the tenant's keys
 * into protected memory until gd_actor_close. For an actor limited by a role,
 * open it from a token with gd_auth_open.
 *
 * @param out        receives the actor, to close with gd_actor_close (NULL on error)
 * @param v          the vault; must outlive the actor
 * @param tenant     the tenant's name
 * @param principal  who acts, as the audit trail names it ("cli:alice"); a slug
 * @return 0, or GD_ENOTFOUND (no such tenant), GD_EINVAL/GD_ETOOBIG (bad
 *         principal), GD_ECORRUPT (the tenant's key fails authentication).
 */
int gd_actor_open(gd_actor **out, gd_vault *v, const char *tenant, const char *principal);

/*
 * Closes an actor, wiping the tenant's keys it held. NULL does nothing.
 */
void gd_actor_close(gd_actor *a);

/* ---- subjects and identifiers ------------------------------------------------- */

/*
 * Creates a data subject with its own data key and writes its pseudonymous id
 * ("sub_" + 24 hex, random, not derived from personal data). Audited.
 *
 * @param out_id  receives the id (GD_SUBJECT_ID_SIZE bytes with the NUL)
 * @return 0, or a storage error.
 */
int gd_subject_create(gd_actor *a, char out_id[GD_SUBJECT_ID_SIZE]);

/*
 * Attaches an identifier to a subject. The value is normalised (see
 * gd_identifier_normalise), sealed under the subject's key and indexed by a
 * keyed hash only. Audited with the kind, never the value.
 *
 * @param subject  the pseudonym
 * @param kind     "email", "phone" or any other slug ("customer_number")
 * @param value    the identifier (at most GD_IDENTIFIER_MAX bytes)
 * @return 0, or GD_ENOTFOUND (no such subject), GD_EEXISTS (another subject has
 *         it), GD_EINVAL/GD_ETOOBIG (bad kind or value).
 */
int gd_subject_add_identifier(gd_actor *a, const char *subject, const char *kind,
                              const char *value);

/*
 * Finds the subject holding an identifier, through its blind index. Audited
 * either way ("subject.find", with the kind, never the value).
 *
 * @param out_id  receives the pseudonym
 * @param kind    as in gd_subject_add_identifier
 * @param value   normalised first, as when it was added
 * @return 0, or GD_ENOTFOUND (no subject has it), GD_EINVAL/GD_ETOOBIG (bad
 *         kind or value).
 */
int gd_subject_find(gd_actor *a, char out_id[GD_SUBJECT_ID_SIZE], const char *kind,
                    const char *value);

/*
 * Lists the tenant's subjects by pseudonym, oldest first, a page at a time:
 * `limit` (1..1000) subjects after `cursor` (NULL or "" for the first page;
 * otherwise the `next` of the previous page, opaque). `next` receives the
 * cursor of the following page, "" after the last. Audited ("subject.list");
 * names pseudonyms only, never identifiers.
 */
#define GD_CURSOR_SIZE 24
typedef struct gd_subject_info {
	const char *subject; /* pseudonym, valid during the callback */
	gd_time created_at;
} gd_subject_info;
int gd_subject_list(gd_actor *a, const char *cursor, size_t limit,
                    int (*cb)(void *ud, const gd_subject_info *s), void *ud, char next[GD_CURSOR_SIZE]);

/*
 * Erases a subject by crypto-shredding: its data key is destroyed, then its
 * records and identifiers are deleted, in one transaction; deleted content is
 * overwritten in the database and its write-ahead log is truncated at commit.
 * Written to the erasure journal first, so a restore erases it again.
 * Irreversible. Audited.
 *
 * @param subject  the pseudonym
 * @return 0, or GD_ENOTFOUND (no such subject), GD_ESTATE (a legal hold
 *         stands: the message gives its reason).
 */
int gd_subject_erase(gd_actor *a, const char *subject);

/*
 * Writes the canonical form of an identifier, the form gardien indexes:
 * emails trimmed and case-folded, phone numbers in E.164 (national numbers take
 * `country_code`), other kinds trimmed.
 *
 * @param out           receives the NUL-terminated form
 * @param cap           size of `out`
 * @param kind          "email", "phone" or another slug
 * @param value         the identifier as given
 * @param country_code  calling code for national phone numbers; NULL: none
 * @return 0, or GD_EINVAL (not an email, not a phone number, bad kind),
 *         GD_ETOOBIG (longer than `cap` or GD_IDENTIFIER_MAX). Thread-safe.
 */
int gd_identifier_normalise(char *out, size_t cap, const char *kind, const char *value,
                            const char *country_code);

/* ---- records ------------------------------------------------------------------ */

enum gd_value_type {
	GD_VALUE_TEXT = 0,
	GD_VALUE_JSON = 1
};

/* 2 added `object`; a version 1 spec (without it) is still accepted. */
#define GD_RECORD_SPEC_VERSION 2
#define GD_COLLECTED_SKEW 86400 /* a collected_at later than now + 1 day is refused */
typedef struct gd_record_spec {
	unsigned version;
	const char *activity; /* processing activity it was collected for */
	const char *category; /* data category, e.g. "user.contact.email" */
	const char *source;   /* where it came from; NULL means "subject" */
	gd_time collected_at; /* 0 means now; at most now + GD_COLLECTED_SKEW */
	enum gd_value_type type;
	const void *value; /* UTF-8 text or a JSON document */
	size_t value_len;
	/*
	 * Who the data is about, as a data-subject category of the register
	 * ("customer", "prospect"); required once the tenant has a register.
	 */
	const char *subject_category;
	/*
	 * The thing the record is about when the subject holds several (a
	 * contract, a subscription, an account: "C-2041"); NULL: the subject as
	 * a whole. Retention counts from events of this object (gd_event_record_object).
	 */
	const char *object;
	/*
	 * In a processor activity, the customer (the controller) the record is
	 * processed for ("ACME-42"); required there by a format 2 register.
	 * gd_client_erase deletes all of one customer's records.
	 */
	const char *client;
} gd_record_spec;
#define GD_RECORD_SPEC_INIT \
	{ \
		GD_RECORD_SPEC_VERSION, NULL, NULL, NULL, 0, GD_VALUE_TEXT, NULL, 0, NULL, NULL, NULL \
	}

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
	unsigned char *value; /* NUL-terminated for convenience */
	size_t value_len;
} gd_record;

/*
 * Stores a record about a subject, sealed under the subject's key and bound to
 * its place (tenant, subject, id, category). Once the tenant has a register,
 * the activity must declare the category and the subject category, and an actor
 * opened from a token needs GD_OP_WRITE for the activity. Audited, refusals
 * too.
 *
 * @param out_id   receives the record's id (may be NULL)
 * @param subject  the pseudonym
 * @param spec     what to store (GD_RECORD_SPEC_INIT, then the fields)
 * @return 0, or GD_ENOTFOUND (no such subject), GD_EDENIED (the register or
 *         the role refuses: the message says why), GD_EINVAL (bad spec, value
 *         not UTF-8 text or not JSON), GD_ETOOBIG (value over GD_VALUE_MAX).
 */
int gd_record_put(gd_actor *a, int64_t *out_id, const char *subject,
                  const gd_record_spec *spec);

/*
 * Reads one record for `purpose`, an activity of the register. Refused when
 * the purpose may not read it (register, consent, restriction, objection,
 * retention stage, or the role of a token's actor). Audited, refusals too.
 *
 * @param out      receives the record, to free with gd_record_free; its value
 *                 lives in protected memory (NULL on error)
 * @param id       the record's id
 * @param purpose  the activity the data is read for
 * @return 0, or GD_ENOTFOUND (no such record in the tenant), GD_EDENIED (the
 *         reason in gd_error_last()), GD_ECORRUPT (the record fails
 *         authentication: altered or moved).
 */
int gd_record_get(gd_actor *a, gd_record **out, int64_t id, const char *purpose);

/*
 * Finds the subject holding an identifier and reads one of its records for
 * `purpose`: gd_subject_find then gd_record_get, in one look-up (one round
 * trip on PostgreSQL, where the two calls take two). Audited as the two calls
 * are: "subject.find", then "record.get"; a refusal is audited alone (its
 * entry names the subject and the record). A record that is not
 * the subject's is not read: a caller that keys its users by an identifier
 * cannot read another subject's record by naming its id.
 *
 * @param out      receives the record, to free with gd_record_free
 * @param kind     the identifier's kind, as in gd_subject_find
 * @param value    its value, normalised first
 * @param id       the record's id
 * @param purpose  the activity the data is read for
 * @return 0, or GD_ENOTFOUND (no subject has the identifier, or record `id`
 *         is not one of its records), GD_EDENIED, GD_ECORRUPT, GD_EINVAL and
 *         GD_ETOOBIG as gd_subject_find and gd_record_get.
 */
int gd_record_find(gd_actor *a, gd_record **out, const char *kind, const char *value, int64_t id,
                   const char *purpose);

/*
 * Frees a record, wiping its value. NULL does nothing.
 */
void gd_record_free(gd_record *r);

/* What gd_record_list calls with each record (valid during the call only). */
typedef int (*gd_record_cb)(void *ud, const gd_record *r);

/*
 * Streams every record of `subject` readable for `purpose` to `cb`, in id
 * order, one decrypted at a time. Records the purpose may not read are skipped
 * and counted. Audited as one read.
 *
 * @param subject     the pseudonym
 * @param purpose     the activity the data is read for
 * @param cb          gets each record, valid only during the call; a non-zero
 *                    return stops the walk and is returned
 * @param out_denied  receives the number of records skipped (may be NULL)
 * @return 0, what `cb` returned, or GD_ENOTFOUND (no such subject), GD_EDENIED
 *         (the role of a token's actor may not read for `purpose`).
 */
int gd_record_list(gd_actor *a, const char *subject, const char *purpose,
                   gd_record_cb cb, void *ud, size_t *out_denied);

/*
 * Replaces a record's value (rectification); the old ciphertext is
 * overwritten. The record keeps its activity and category. Audited.
 *
 * @param id         the record's id
 * @param type       GD_VALUE_TEXT or GD_VALUE_JSON
 * @param value      the new value, `value_len` bytes
 * @return 0, or GD_ENOTFOUND, GD_EINVAL (value not UTF-8 text or not JSON),
 *         GD_ETOOBIG (over GD_VALUE_MAX).
 */
int gd_record_update(gd_actor *a, int64_t id, enum gd_value_type type, const void *value,
                     size_t value_len);

/*
 * Deletes one record (its ciphertext overwritten at commit). Audited.
 *
 * @param id  the record's id
 * @return 0, or GD_ENOTFOUND (no such record in the tenant).
 */
int gd_record_delete(gd_actor *a, int64_t id);

/* What gd_client_erase did. */
typedef struct gd_client_erase_report {
	size_t deleted;         /* records deleted */
	size_t subjects_erased; /* subjects left with no record, erased whole */
	size_t held;            /* records kept under a legal hold */
} gd_client_erase_report;
/*
 * Deletes every record processed for customer `client` (gd_record_spec.client)
 * in the actor's tenant, at the end of the customer's contract (Art.
 * 28(3)(g)), in one transaction: each deletion journaled, subjects left with
 * no record erased whole, records under a legal hold kept and counted,
 * audited as "client.erase". GD_ENOTFOUND when the customer has no record.
 */
int gd_client_erase(gd_actor *a, const char *client, gd_client_erase_report *out);

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
#include "gardien/calendar.h"
#include "gardien/notice.h"

#endif
