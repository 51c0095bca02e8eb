/*
 * records.h — subjects and records inside the library (subject.c, record.c):
 * loading a subject with its data key, the erasure hooks other modules give
 * subject.c, and the associated data that binds a sealed value to its place.
 */
#ifndef GD_RECORDS_H
#define GD_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gardien.h"
#include "lib/crypto/crypto.h"

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
/* Opens a subject's wrapped key into s->key, through the vault's key cache (subject.c). */
int gd__subject_unwrap(gd_actor *a, struct gd__subject *s, const void *wrapped, size_t n);
/*
 * Re-wraps a subject's key (read as `wrapped`) under epoch `epoch`'s key, in
 * the caller's operation; *moved tells whether it changed (keys/epoch.c).
 */
int gd__subject_rewrap(gd_actor *a, int64_t id, const char *pseudonym, const void *wrapped, size_t n,
                       uint32_t epoch, bool *moved);
/* Keys actually opened by gd__subject_unwrap in this process (not found in a cache): for tests. */
uint64_t gd__subject_unwraps(void);

/*
 * The cache of unwrapped subject keys of a vault handle (keycache.c, where its
 * invariants are). `size`: slots wanted, 0 for GD__KEYCACHE_DEFAULT, rounded
 * up to a power of two. `wrapped` is `n` bytes (72 or 76, subject.c).
 */
#define GD__KEYCACHE_DEFAULT 1024u
struct gd__keycache;
int gd__keycache_new(struct gd__keycache **out, unsigned size);
void gd__keycache_free(struct gd__keycache *c);
/* True, with the key in `key`, when the vault's cache holds it for exactly this tenant, pseudonym and wrapped key. */
bool gd__keycache_get(gd_vault *v, int64_t tenant_id, const char *pseudonym, const void *wrapped, size_t n,
                      unsigned char key[GD__KEY_SIZE]);
void gd__keycache_put(gd_vault *v, int64_t tenant_id, const char *pseudonym, const void *wrapped, size_t n,
                      const unsigned char key[GD__KEY_SIZE]);
/* Wipes the subject's key from every cache of the process (an erasure). */
void gd__keycache_forget(int64_t tenant_id, const char *pseudonym);
/* Keys the vault's cache holds: all, or the subject's (`pseudonym` not NULL). For tests. */
size_t gd__keycache_count(gd_vault *v, int64_t tenant_id, const char *pseudonym);
extern const struct gd__tx_hooks gd__keycache_tx_hooks;

/*
 * The records table belongs to record.c: every other module writes it through
 * these, so what a write owes is done once, here. Ids come from the vault's
 * counter (GD__COUNTER_RECORDS), never from the rows, so deleting a record
 * owes nothing to keep its id from coming back; it owes the retention index
 * its row (gd__retention_forget). Inside the caller's operation.
 */
/* Deletes the tenant's records `first`..`last`; *n (may be NULL): how many there were. */
int gd__records_delete(gd_vault *v, int64_t tenant_id, int64_t first, int64_t last, int64_t *n);
/* Deletes every record of subject row `subject_id` (of tenant `tenant_id`). */
int gd__records_delete_subject(gd_vault *v, int64_t tenant_id, int64_t subject_id);
/* Moves a record to the archived stage (its metadata MAC follows, records/integrity.c). */
int gd__records_archive(gd_actor *a, int64_t id);
/* Keeps only what statistics need of a record: anonymised, no subject, no value, the month collected. */
int gd__records_anonymise(gd_actor *a, int64_t id, gd_time collected_month);

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
/* An identifier's blind index, as gd_subject_find looks it up (the value normalised first). */
int gd__subject_blind(gd_actor *a, unsigned char blind[GD__BLIND_SIZE], const char *kind, const char *value);
/* Which tenant key a look-up uses: the actor's, the tenant's of now (it may
 * have turned since the actor opened), the previous one (a rotation under way). */
enum {
	GD__KEY_NOW,
	GD__KEY_FRESH,
	GD__KEY_PREVIOUS
};
/* `blind` again under `key` (FRESH or PREVIOUS): 1 when that gives another
 * look-up to try, 0 when not (the key has not turned, no previous one). */
int gd__subject_blind_again(gd_actor *a, unsigned char blind[GD__BLIND_SIZE], const char *kind, const char *value,
                            int key);
/* 0 if an identifiers row's `mac` binds `blind` to `pseudonym` and `kind`
 * under `key`'s metadata key; GD_ECORRUPT if not. */
int gd__identifier_check(gd_actor *a, const unsigned char blind[GD__BLIND_SIZE], const char *pseudonym,
                         const char *kind, const void *mac, size_t n, int key);
void gd__identifier_mac(unsigned char out[GD__BLIND_SIZE], const unsigned char key[GD__KEY_SIZE],
                        int64_t tenant_id, const unsigned char blind[GD__BLIND_SIZE], const char *subject,
                        const char *kind);
/* The blind index of identifier `norm` (nv bytes, normalised) of `kind` under blind key `key`. */
void gd__identifier_blind(unsigned char blind[GD__BLIND_SIZE], const unsigned char key[GD__KEY_SIZE],
                          const char *kind, const char *norm, size_t nv);
/* 0, or GD_ECORRUPT naming the record when `mac` (n bytes) is not the MAC of `f`. */
int gd__record_mac_check(gd_actor *a, const struct gd__record_fields *f, const void *mac, size_t n);
/* A tenant-key rotation's writes (keys/tenant_key.c): a record's new MAC; an identifier's new blind index and MAC. */
int gd__record_set_mac(gd_vault *v, int64_t tenant_id, int64_t id, const unsigned char mac[GD__BLIND_SIZE]);
int gd__identifier_set_blind(gd_vault *v, int64_t tenant_id, const unsigned char old[GD__BLIND_SIZE],
                             const unsigned char blind[GD__BLIND_SIZE], const unsigned char mac[GD__BLIND_SIZE]);
/* Format 3 -> 4: adds the MAC columns and fills them, inside the caller's operation. */
int gd__integrity_migrate(gd_vault *v);

#endif
