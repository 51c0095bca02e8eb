/*
 * keys.h — the vault's keys inside the library: the key file and its
 * providers (keyring.c), a master key on a PKCS#11 token (pkcs11.c),
 * rotation (keys.c), and what vault.c and tenant.c offer them: sealing with
 * a master version, re-reading the keys, opening a vault with keys read once.
 */
#ifndef GD_KEYS_H
#define GD_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gardien.h"
#include "lib/crypto/crypto.h"

/* ---- key file and providers (keys/keyring.c), rotation (keys/keys.c) ---- */

#define GD__KEYRING_MAX 16
/* GD__K_TOKEN: a master key version held by a PKCS#11 token (its entry's key bytes are zero). */
enum {
	GD__K_MASTER = 1,
	GD__K_BACKUP = 2,
	GD__K_JOURNAL = 3,
	GD__K_AUDIT = 4,
	GD__K_TOTP = 5,
	GD__K_TOKEN = 6,
	/* the erasure-epoch secret sealing every tenant's epoch keys (epoch.c) */
	GD__K_EPOCH = 7,
	/* an epoch secret held by the PKCS#11 token of a token vault (key bytes zero) */
	GD__K_EPOCH_TOKEN = 8
};
/* Token objects of epoch secrets: version | GD__P11_EPOCH, labelled "PREFIX-epoch-N" (pkcs11.c). */
#define GD__P11_EPOCH 0x80000000u
struct gd__keyring_entry {
	unsigned char kind;
	uint32_t version;
	unsigned char key[GD__KEY_SIZE];
};
struct gd__keyring {
	int n;
	int format; /* of the key file read: 1 or 2 */
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
/* The key file's path, or GD_ESTATE when the keys came from a descriptor or a command (keys.c). */
int gd__key_file(gd_vault *v, char *out, size_t cap);
/* ---- tenant keys (keys/tenant_key.c) ---- */
/* Opens the tenant key sealed as `wrapped` (n bytes) into the actor, with the blind and metadata keys it derives. */
int gd__actor_keys_load(gd_actor *a, const void *wrapped, size_t n);
/*
 * Inside an operation: makes the actor's tenant keys those of the tenant's row
 * now, and the previous key's while a rotation is under way (a->has_prev).
 * Queries once per transaction (unless `force`).
 */
int gd__actor_keys_fresh(gd_actor *a, bool force);
/* Re-seals the previous tenant keys of rotations under way under master `next` (keys.c's re-wrap). */
int gd__tenant_prev_rewrap(gd_vault *v, uint32_t next);
/* Rotates the key of `tenant` (NULL: every tenant), resumable; `*version` the last version made. */
int gd__tenant_key_rotate(gd_vault *v, const char *tenant, int (*progress)(void *ud, uint64_t done, uint64_t total),
                          void *ud, uint32_t *version);
/* One key rotation or epoch change at a time per key file: an exclusive lock on "<key file>.keys-lock". */
int gd__keys_lock(const char *kpath, int *fd);
void gd__keys_unlock(int fd);

/* ---- erasure epochs (keys/epoch.c) ---- */
/* The key of the actor's tenant's `epoch` (>= 1), opened on demand and kept in the actor; GD_ECORRUPT once destroyed. */
int gd__epoch_key(gd_actor *a, uint32_t epoch, const unsigned char **key);
/*
 * The tenant's current epoch (0: none begun yet, subject keys go under the
 * KEK). Called in write operations only: the write lock is held, so what it
 * reads stays true for the rest of the transaction, and is read once per
 * transaction (struct gd__epoch_now) but after epoch.c's own writes.
 */
int gd__epoch_current(gd_actor *a, uint32_t *epoch);
/* What gd__epoch_current read last: valid while gen == v->tx.gen. */
struct gd__epoch_now {
	uint64_t gen;
	int64_t tenant_id;
	uint32_t epoch;
};
/* When an erasure at `at` in `tenant` became (or becomes) unreadable in every copy; GD_ENOTFOUND: epoch 0. */
int gd__epoch_horizon(gd_vault *v, const char *tenant, gd_time at, gd_time *horizon);
/*
 * A restored snapshot's epoch keys sealed under secrets the live key file no
 * longer holds: opened with `from` (the backup's own secrets) and sealed
 * again under the live current secret, in the caller's operation.
 */
int gd__epoch_adopt(gd_vault *v, const struct gd__keyring *from);
/* Records a backup or journal export just written at `path`, so that key prune keeps what it needs wherever it is (keys.c). */
int gd__key_note_made(gd_vault *v, const char *path);
/* Re-wraps the tenant keys and the key check under the ring's newest master (keys.c), in the caller's operation. */
int gd__key_rewrap_to_newest(gd_vault *v);
/* Keeps `pk` among the audit public keys whose old signatures verify (keys.c), in the caller's operation. */
int gd__key_retire_pk(gd_vault *v, const unsigned char pk[32]);
/* Reads the key file again from the vault's provider and picks the master that opens it. */
int gd__vault_reload_keys(gd_vault *v);
/* Checks that the vault's master still opens its key check, re-reading the keys if not. */
int gd__vault_check_master(gd_vault *v);

/*
 * The vault lock "<vault>.lock" (lock.c): shared by every open handle,
 * exclusive for a restore. Refused with GD_EBUSY naming the holder's pid and
 * command. Reference-counted per process; release with gd__lock_release.
 */
struct gd__lock;
int gd__lock_acquire(struct gd__lock **out, const char *vault_path, bool exclusive);
void gd__lock_release(struct gd__lock *l, bool exclusive);

#endif
