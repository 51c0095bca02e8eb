/*
 * internal.h — what the library's modules share and the shells never see:
 * errors, allocation and fault points (util/core.h), the vault and the actor, and (through
 * the headers it includes) each module's part that every other module uses:
 * the operation bracket (vault/tx.h), appending to the audit trail
 * (audit/audit.h), subjects (records/records.h), the policy checks
 * (policy/policy.h). struct gd_vault holds each module's state in a struct
 * of its own, declared in that module's header.
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
#include "lib/backup/journal.h"
#include "lib/crypto/crypto.h"
#include "lib/keys/keys.h"
#include "lib/rights/limits.h"
#include "lib/store/store.h"
#include "lib/vault/tx.h"
#include "util/core.h"

/* Errors, allocation with fault injection, gd__copy: util/core.h. */

/* ---- vault and actor ---- */

struct gd_vault {
	gd__store *store;
	char *path;
	/* Where the vault's own files (the erasure journal) are named from: the
	 * path of a file vault, the key file's minus ".key" for a PostgreSQL one. */
	char *file_base;
	unsigned char *master;        /* GD__KEY_SIZE, secure memory: the master that opens key_check */
	struct gd__keyring *ring;     /* the key file's keys (keys/keyring.c), secure memory */
	uint32_t master_version;      /* the version of `master` in the ring (or on the token) */
	char *key_path, *key_command; /* the key provider opened with (NULL: default file) */
	int key_fd;
	char *key_pkcs11;        /* PKCS#11 URI of the token holding the master (NULL: none) */
	struct gd__p11 *p11;     /* its session, while open */
	struct gd__lock *lock;   /* shared vault lock (vault/lock.c), held while open */
	unsigned char *audit_sk; /* Ed25519 secret key, secure memory */
	unsigned char audit_pk[32];
	gd_time now;          /* 0: system clock */
	unsigned store_flags; /* GD__STORE_* the engine is opened with (store.h) */
	/* Each module's state, in its own struct, declared in its header. */
	struct gd__tx tx;                     /* the operation bracket (vault/tx.h) */
	struct gd__journal_state journal;     /* the erasure journal (backup/journal.h) */
	struct gd__register_cache *registers; /* parsed registers per tenant (register_store.c) */
	struct gd__audit_state audit;         /* the trail's append state (audit/audit.h) */
	struct gd__limits_state limits;       /* restriction and objection (rights/limits.h) */
	struct gd__keycache *keycache;        /* unwrapped subject keys (records/keycache.c) */
	struct gd__epoch_now epoch_now;       /* a tenant's current erasure epoch (keys/epoch.c) */
};

/* Epoch keys an actor keeps opened (keys/epoch.c). */
#define GD__EPOCH_SLOTS 4
/* A subject's wrapped key: 72 bytes sealed by the KEK (epoch 0), or a 4-byte
 * epoch number then 72 bytes sealed by that epoch's key (keys/epoch.c). */
#define GD__WRAPPED_MAX (4 + GD__KEY_SIZE + GD__SEAL_OVERHEAD)

struct gd_actor {
	gd_vault *v;
	int64_t tenant_id;
	char tenant[65];
	char principal[GD_NAME_MAX + 1];
	char country_code[8];
	unsigned char *keys; /* kek | blind key | last subject's key, secure memory */
	/* The last subject whose key was unwrapped, valid while cached_gen == v->tx.gen. */
	int64_t cached_subject_id;
	char cached_subject[GD_SUBJECT_ID_SIZE];
	uint64_t cached_gen;
	struct gd__authz *authz; /* role or grant (auth.c); NULL: operator, every right */
	int64_t request_id;      /* the request being carried out, named by Art. 19 notices; 0 none */
	bool disclosing;         /* a read answering an authority (gd_record_disclose, rights/owed.c) */
	/* Epoch keys opened (keys/epoch.c): slot i holds epoch epoch_ids[i] (0: empty)
	 * at GD__ACTOR_EPOCH_KEY(a, i). */
	uint32_t epoch_ids[GD__EPOCH_SLOTS];
	/* The tenant key opened (keys/tenant_key.c): its sealed form, checked against
	 * the tenant's row once per transaction that uses it (keys_gen == v->tx.gen);
	 * has_prev while a `key rotate tenant` is under way (the previous key's slots). */
	unsigned char key_wrapped[GD__KEY_SIZE + GD__SEAL_OVERHEAD];
	unsigned char prev_wrapped[GD__KEY_SIZE + GD__SEAL_OVERHEAD];
	bool has_prev;
	uint64_t keys_gen;
};

#define GD__ACTOR_KEK(a) ((a)->keys)
#define GD__ACTOR_BLIND(a) ((a)->keys + GD__KEY_SIZE)
#define GD__ACTOR_CACHED_KEY(a) ((a)->keys + 2 * GD__KEY_SIZE)
#define GD__ACTOR_META(a) ((a)->keys + 3 * GD__KEY_SIZE) /* metadata MAC key (records/integrity.c) */
#define GD__ACTOR_EPOCH_KEY(a, i) ((a)->keys + (4 + (size_t)(i)) * GD__KEY_SIZE)
/* The previous tenant key's KEK, blind and metadata keys, during a tenant-key rotation. */
#define GD__ACTOR_PREV_KEK(a) ((a)->keys + (4 + GD__EPOCH_SLOTS) * GD__KEY_SIZE)
#define GD__ACTOR_PREV_BLIND(a) ((a)->keys + (5 + GD__EPOCH_SLOTS) * GD__KEY_SIZE)
#define GD__ACTOR_PREV_META(a) ((a)->keys + (6 + GD__EPOCH_SLOTS) * GD__KEY_SIZE)
/* What a->keys holds: KEK, blind key, last subject's key, metadata MAC key, the epoch keys, the previous tenant key's three. */
#define GD__ACTOR_KEYS_SIZE ((7 + GD__EPOCH_SLOTS) * GD__KEY_SIZE)

/*
 * The meta table and the tenants' wrapped keys belong to the vault module
 * (vault.c, tenant.c): other modules write them through these, inside their
 * operation. `key` names a meta row (created if missing).
 */
int gd__meta_put(gd_vault *v, const char *key, const void *value, size_t n);
int gd__meta_put_int(gd_vault *v, const char *key, int64_t value);
int gd__tenant_set_key(gd_vault *v, int64_t tenant_id, const void *wrapped, size_t n);

/* Validates a slug-like name ([a-z0-9._:-], 1..GD_NAME_MAX); `what` names it in the error. */
int gd__check_name(const char *s, const char *what);

/* ---- what the other modules offer every module ---- */
#include "lib/policy/policy.h"
#include "lib/records/records.h"
#include "lib/vault/embedded.h"

#endif
