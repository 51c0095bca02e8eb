/*
 * internal.h — what the library's modules share and the shells never see.
 *
 * Invariants kept by every module:
 *  - every write happens inside gd__op_begin/gd__op_end, so an operation is
 *    all-or-nothing even inside a caller's batch (a savepoint per operation);
 *  - every operation appends its audit entry inside that same operation;
 *  - keys and plaintext personal data only live in gd__secure_alloc memory;
 *  - no module but the storage engines knows an SQL dialect: modules write the
 *    portable subset documented in docs/FORMAT.md ("?" parameters, no
 *    engine-specific functions) and the engines own their schemas.
 */
#ifndef GD_INTERNAL_H
#define GD_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gardien.h"
#include "lib/audit/audit.h"
#include "lib/crypto/crypto.h"
#include "lib/store/store.h"

#define GD__PRINTF(a, b) __attribute__((format(printf, a, b)))

/* ---- errors (error.c) ---- */

/* Sets the thread's last error and returns `code`, so callers `return gd__err(...)`. */
int gd__err(int code, const char *fmt, ...) GD__PRINTF(2, 3);

/* ---- allocation with fault injection (error.c) ---- */

void *gd__malloc(size_t n);
void *gd__calloc(size_t n, size_t size);
char *gd__strdup(const char *s);
void gd__free(void *p);

/*
 * Fault injection for tests: after gd__fault_arm(n), the n-th fault point
 * (allocation or storage call) of this thread fails. gd__fault_fired() tells
 * whether it did; gd__fault_arm(0) disarms.
 */
void gd__fault_arm(long n);
bool gd__fault_fired(void);
bool gd__fault_point(void);

/* ---- key file and providers (keys/keyring.c), rotation (keys/keys.c) ---- */

#define GD__KEYRING_MAX 16
/* GD__K_TOKEN: a master key version held by a PKCS#11 token (its entry's key bytes are zero). */
enum { GD__K_MASTER = 1, GD__K_BACKUP = 2, GD__K_JOURNAL = 3, GD__K_AUDIT = 4, GD__K_TOTP = 5, GD__K_TOKEN = 6 };
struct gd__keyring_entry {
	unsigned char kind;
	uint32_t version;
	unsigned char key[GD__KEY_SIZE];
};
struct gd__keyring {
	int n;
	int format;                  /* of the key file read: 1 or 2 */
	struct gd__keyring_entry e[GD__KEYRING_MAX];
};
/* In secure memory; _free(NULL) does nothing. */
struct gd__keyring *gd__keyring_new(void);
void gd__keyring_free(struct gd__keyring *kr);
/* Reads the key file of the vault at `vault_path` from the provider `opts` names. */
int gd__keyring_read(struct gd__keyring *kr, const char *vault_path, const gd_vault_options *opts,
                     char *key_path, size_t cap);
/* Writes `kr` as a format-2 key file at `kpath`, atomically (temporary file, fsync, rename). */
int gd__keyring_write(const struct gd__keyring *kr, const char *kpath);
int gd__keyring_add(struct gd__keyring *kr, int kind, uint32_t version, const unsigned char key[GD__KEY_SIZE]);
void gd__keyring_remove(struct gd__keyring *kr, int kind, uint32_t version);
/* The entry of `kind` and `version` (0: the highest), or NULL. */
const struct gd__keyring_entry *gd__keyring_find(const struct gd__keyring *kr, int kind, uint32_t version);
/* The current key of `kind` into out, its version returned; a format-1 ring derives it from its master. */
uint32_t gd__keyring_current(const struct gd__keyring *kr, int kind, unsigned char out[GD__KEY_SIZE]);
/* Adds the derived secrets as entries of their own (version 1), before a master changes. */
void gd__keyring_materialise(struct gd__keyring *kr);

/* ---- PKCS#11 token (keys/pkcs11.c) ---- */

struct gd__p11;
/* Opens a session on the token a PKCS#11 URI names, logged in (GD_EDENIED: wrong PIN). */
int gd__p11_open(struct gd__p11 **out, const char *uri);
void gd__p11_close(struct gd__p11 *p);
/* Generates master `version` on the token: AES-256, sensitive, not extractable. */
int gd__p11_generate(struct gd__p11 *p, uint32_t version);
int gd__p11_destroy(struct gd__p11 *p, uint32_t version);
/* gd__seal / gd__open's contract and sizes, with the token's key `version` (AES-256-GCM). */
int gd__p11_seal(struct gd__p11 *p, uint32_t version, unsigned char *out, const void *pt, size_t n,
                 const void *ad, size_t adlen);
int gd__p11_open_sealed(struct gd__p11 *p, uint32_t version, unsigned char *out, const void *sealed, size_t n,
                        const void *ad, size_t adlen);

/* ---- vault and actor ---- */

struct gd_vault {
	gd__store *store;
	char *path;
	unsigned char *master;       /* GD__KEY_SIZE, secure memory: the master that opens key_check */
	struct gd__keyring *ring;    /* the key file's keys (keyring.c), secure memory */
	uint32_t master_version;     /* the version of `master` in the ring */
	char *key_path, *key_command;  /* the key provider opened with (NULL: default file) */
	char *key_pkcs11;            /* PKCS#11 URI of the token holding the master (NULL: none) */
	struct gd__p11 *p11;         /* its session, while open */
	int key_fd;
	unsigned char *audit_sk;     /* Ed25519 secret key, secure memory */
	unsigned char audit_pk[32];
	gd_time now;                 /* 0: system clock */
	int batch;                   /* inside gd_vault_begin */
	int depth;                   /* nested operations */
	unsigned light;              /* bit d: operation at depth d is a read (no savepoint) */
	uint64_t tx_gen;             /* changes at every begin and rollback: cache validity */
	int64_t next_record_id;      /* valid while next_record_gen == tx_gen */
	uint64_t next_record_gen;
	bool needs_scrub;            /* this transaction erased data: scrub at commit */
	bool scrub_pending;          /* a committed erasure still awaits its scrub */
	bool journal_unsynced;       /* erasure journal written in this transaction, not yet synced */
	int journal_fd;              /* erasure journal, open from its first append on; -1 before */
	struct gd__lock *lock;       /* shared vault lock (lock.c), held while open */
	struct gd__register_cache *registers; /* parsed registers per tenant (register_store.c) */
	/* audit.c: the last entry appended, valid while audit_gen == tx_gen (one
	 * query less per operation), and the chains appended to in the open batch,
	 * whose ends gd_vault_commit signs. */
	int64_t audit_tenant, audit_seq;
	unsigned char audit_hash[32];
	uint64_t audit_gen;
	int64_t audit_batch[4];
	int audit_nbatch;
	/* Entries appended since the innermost savepoint (or the transaction)
	 * began, not yet written: written before a savepoint, a commit or a read
	 * of the trail, dropped by a rollback (see gd__audit_flush). */
	struct gd__audit_block audit_block;
	bool audit_walking;          /* inside gd__audit_walk */
	/* rights.c: whether any subject has a restriction or objection, valid while
	 * limits_gen == tx_gen (0: not known); without any, reads skip the look-up. */
	uint64_t limits_gen;
	bool limits_any;
};

struct gd_actor {
	gd_vault *v;
	int64_t tenant_id;
	char tenant[65];
	char principal[GD_NAME_MAX + 1];
	char country_code[8];
	unsigned char *keys;         /* kek | blind key | last subject's key, secure memory */
	/* The last subject whose key was unwrapped, valid while cached_gen == v->tx_gen. */
	int64_t cached_subject_id;
	char cached_subject[GD_SUBJECT_ID_SIZE];
	uint64_t cached_gen;
	struct gd__authz *authz;     /* role or grant (auth.c); NULL: operator, every right */
};

#define GD__ACTOR_KEK(a) ((a)->keys)
#define GD__ACTOR_BLIND(a) ((a)->keys + GD__KEY_SIZE)
#define GD__ACTOR_CACHED_KEY(a) ((a)->keys + 2 * GD__KEY_SIZE)
#define GD__ACTOR_META(a) ((a)->keys + 3 * GD__KEY_SIZE)   /* metadata MAC key (integrity.c) */
#define GD__ACTOR_KEYS_SIZE (4 * GD__KEY_SIZE)

/* Copies options of version 1 or 2 into `out` (defaults for what an older version lacks). */
int gd__vault_options(gd_vault_options *out, const gd_vault_options *opts);
/* The associated data of a tenant's sealed KEK ("gardien tenant v1:" name); ad holds 18 + 64 bytes. */
size_t gd__tenant_ad(unsigned char *ad, const char *name);
/* The associated data of the key check (meta.key_check, 32 zero bytes sealed by the master). */
extern const char gd__key_check_ad[21];
/* gd_vault_open with the keys already read (`given`, copied; NULL: read them from the provider). */
int gd__vault_open_ring(gd_vault **out, const char *path, const gd_vault_options *opts,
                        const struct gd__keyring *given);
/*
 * Seals / opens with master `version`: the ring's key, or the token's object
 * when the vault's master is on a PKCS#11 token (vault.c).
 */
int gd__master_seal(gd_vault *v, uint32_t version, unsigned char *out, const void *pt, size_t n,
                    const void *ad, size_t adlen);
int gd__master_open(gd_vault *v, uint32_t version, unsigned char *out, const void *sealed, size_t n,
                    const void *ad, size_t adlen);
/* GD__K_TOKEN when the master is on a token, GD__K_MASTER otherwise. */
int gd__master_kind(const gd_vault *v);
/* Re-wraps the tenant keys and the key check under the ring's newest master (keys.c), in the caller's operation. */
int gd__key_rewrap_to_newest(gd_vault *v);
/* Keeps `pk` among the audit public keys whose old signatures verify (keys.c), in the caller's operation. */
int gd__key_retire_pk(gd_vault *v, const unsigned char pk[32]);
/* Reads the key file again from the vault's provider and picks the master that opens it. */
int gd__vault_reload_keys(gd_vault *v);

/*
 * The vault lock "<vault>.lock" (lock.c): shared by every open handle,
 * exclusive for a restore. Refused with GD_EBUSY naming the holder's pid and
 * command. Reference-counted per process; release with gd__lock_release.
 */
struct gd__lock;
int gd__lock_acquire(struct gd__lock **out, const char *vault_path, bool exclusive);
void gd__lock_release(struct gd__lock *l, bool exclusive);

/* Operations: BEGIN IMMEDIATE at the outermost level, SAVEPOINT inside. */
int gd__op_begin(gd_vault *v);
/*
 * For operations whose only write is their audit entry, appended last (reads):
 * inside a batch they need no savepoint, since a failure before the append
 * leaves nothing to undo and the append either adds the entry to the audit
 * block or fails without adding it.
 */
int gd__op_begin_read(gd_vault *v);
/* Ends an operation: commits (or releases) when rc == 0, rolls back otherwise. Returns rc or the commit error. */
int gd__op_end(gd_vault *v, int rc);

/*
 * Copies the C string `src` (NULL: "") into `dst` of `cap` bytes, cut to fit and
 * always terminated. The hot paths' replacement for snprintf("%s").
 */
void gd__copy(char *dst, size_t cap, const char *src);

/* Validates a slug-like name ([a-z0-9._:-], 1..GD_NAME_MAX); `what` names it in the error. */
int gd__check_name(const char *s, const char *what);

/* ---- subjects (subject.c) ---- */

struct gd__subject {
	int64_t id;
	char pseudonym[GD_SUBJECT_ID_SIZE];
	unsigned char key[GD__KEY_SIZE]; /* unwrapped data key; wipe after use */
};

/*
 * Erasure hooks: gd_subject_erase calls each, inside its operation, before
 * deleting the subject's own rows; a module that keeps rows about subjects
 * (consents, requests, events, holds) deletes them there, or refuses the
 * erasure (GD_ESTATE with the reason, e.g. a legal hold). See subject.c.
 */
typedef int (*gd__erase_hook)(gd_actor *a, const struct gd__subject *s);

/* Looks up a subject of the actor's tenant and unwraps its key (if `key` wanted). */
int gd__subject_load(gd_actor *a, struct gd__subject *out, const char *pseudonym, bool key);
int gd__subject_unwrap(gd_actor *a, struct gd__subject *s, const void *wrapped, size_t n);

/* Associated data binding a sealed value to its place. */
size_t gd__record_ad(unsigned char *ad, size_t cap, int64_t tenant, const char *subject,
                     int64_t record_id, const char *category);

/* ---- metadata MACs (records/integrity.c) ---- */

/* The fields of a record its MAC binds (strings may be NULL: same as ""). */
struct gd__record_fields {
	int64_t id, tenant_id, collected_at, stage;
	const char *subject, *activity, *category, *subject_category;
};
void gd__meta_key(const unsigned char kek[GD__KEY_SIZE], unsigned char key[GD__KEY_SIZE]);
void gd__record_mac(unsigned char out[GD__BLIND_SIZE], const unsigned char key[GD__KEY_SIZE],
                    const struct gd__record_fields *f);
void gd__identifier_mac(unsigned char out[GD__BLIND_SIZE], const unsigned char key[GD__KEY_SIZE],
                        int64_t tenant_id, const unsigned char blind[GD__BLIND_SIZE], const char *subject,
                        const char *kind);
/* 0, or GD_ECORRUPT naming the record when `mac` (n bytes) is not the MAC of `f`. */
int gd__record_mac_check(gd_actor *a, const struct gd__record_fields *f, const void *mac, size_t n);
/* Format 2 -> 3: adds the MAC columns and fills them, inside the caller's operation. */
int gd__integrity_migrate(gd_vault *v);

/* ---- audit (audit.c) ---- */

enum gd__outcome { GD__OK = 0, GD__DENIED = 1, GD__FAILED = 2 };

struct gd__audit_event {
	const char *action;    /* "record.put", "record.get", "subject.erase", … */
	const char *purpose;
	const char *subject;   /* pseudonym */
	int64_t record_id;     /* 0: none */
	const char *category;
	enum gd__outcome outcome;
	const char *reason;
};

/*
 * Appends an entry to the tenant's chain (tenant 0: the vault's own chain)
 * inside the current operation. Never give it personal data.
 */
int gd__audit_append(gd_vault *v, int64_t tenant_id, const char *principal,
                     const struct gd__audit_event *e);
int gd__audit_actor(gd_actor *a, const struct gd__audit_event *e);
/*
 * Writes the entries appended but not yet stored as one block. The op bracket
 * calls it before a savepoint and before a commit, and every reader of the
 * trail before reading, so the buffer only ever holds entries of the innermost
 * savepoint and a rollback just drops them (gd__audit_discard). On failure the
 * entries stay buffered.
 */
int gd__audit_flush(gd_vault *v);
void gd__audit_discard(gd_vault *v);
/* Converts a format-1 trail (one row per entry) to blocks, inside the caller's operation. */
int gd__audit_migrate(gd_vault *v);
/* Signs a checkpoint at the end of each chain the open batch appended to (gd_vault_commit). */
int gd__audit_seal_batch(gd_vault *v);
/* Records a refusal in an operation of its own (the refused one was rolled back). */
int gd__audit_denied(gd_actor *a, const struct gd__audit_event *e);

/* ---- policy (policy.c): the register's enforcement points ---- */

/* Record stages (records.stage); the retention engine moves records along them. */
enum gd__record_stage { GD__REC_ACTIVE = 0, GD__REC_ARCHIVED = 1, GD__REC_ANONYMISED = 2 };

struct gd__record_meta {
	int64_t id;
	int64_t subject_id;      /* internal row id of the subject */
	const char *subject;     /* pseudonym */
	const char *activity;    /* collected for */
	const char *category;
	int stage;               /* enum gd__record_stage */
};

/* 0 if `spec` may be stored; GD_EDENIED with the reason otherwise. */
int gd__policy_write(gd_actor *a, const char *subject, const gd_record_spec *spec);
/* 0 if the record may be read for `purpose`; GD_EDENIED with the reason otherwise. */
int gd__policy_read(gd_actor *a, const struct gd__record_meta *m, const char *purpose);

/* ---- embedded data files (embedded.h) ---- */
#include "lib/vault/embedded.h"

#endif
