/*
 * crypto.h — the library's cryptography, over libsodium (crypto.c is the only
 * file that includes sodium.h).
 *
 * Sealed format (gd__seal): nonce (24 bytes) | XChaCha20-Poly1305 ciphertext | tag (16).
 */
#ifndef GD_CRYPTO_H
#define GD_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define GD__KEY_SIZE 32
#define GD__NONCE_SIZE 24
#define GD__TAG_SIZE 16
#define GD__SEAL_OVERHEAD (GD__NONCE_SIZE + GD__TAG_SIZE)
#define GD__BLIND_SIZE 16
#define GD__HASH_SIZE 32
#define GD__SIG_SIZE 64
#define GD__SIGN_PK_SIZE 32
#define GD__SIGN_SK_SIZE 64

int gd__crypto_init(void);

/* Guarded, locked memory wiped on free (sodium_malloc); NULL on failure. */
void *gd__secure_alloc(size_t n);
void gd__secure_free(void *p);
void gd__wipe(void *p, size_t n);
/* Constant-time comparison: 0 when equal. */
int gd__memcmp(const void *a, const void *b, size_t n);

void gd__random(void *buf, size_t n);

/* out must hold n + GD__SEAL_OVERHEAD bytes. */
void gd__seal(unsigned char *out, const unsigned char key[GD__KEY_SIZE], const void *pt,
              size_t n, const void *ad, size_t adlen);
/* out must hold n - GD__SEAL_OVERHEAD bytes. GD_ECORRUPT if it does not authenticate. */
int gd__open(unsigned char *out, const unsigned char key[GD__KEY_SIZE], const void *sealed,
             size_t n, const void *ad, size_t adlen);

/* Keyed BLAKE2b, truncated to GD__BLIND_SIZE: the blind index of a value. */
void gd__blind(unsigned char out[GD__BLIND_SIZE], const unsigned char key[GD__KEY_SIZE],
               const void *msg, size_t n);

/* Derives subkey `id` of `key` in context `ctx` (8 characters). */
void gd__kdf(unsigned char *out, size_t n, uint64_t id, const char ctx[8],
             const unsigned char key[GD__KEY_SIZE]);

/* Incremental BLAKE2b-256 (unkeyed). */
typedef struct gd__hash_state {
	_Alignas(64) unsigned char opaque[512];
} gd__hash_state;
void gd__hash_init(gd__hash_state *st);
void gd__hash_update(gd__hash_state *st, const void *p, size_t n);
void gd__hash_final(gd__hash_state *st, unsigned char out[GD__HASH_SIZE]);
/* One-shot BLAKE2b-256: cheaper than the incremental calls for short messages. */
void gd__hash(unsigned char out[GD__HASH_SIZE], const void *p, size_t n);

/* Ed25519. */
void gd__sign_seed_keypair(unsigned char pk[GD__SIGN_PK_SIZE], unsigned char sk[GD__SIGN_SK_SIZE],
                           const unsigned char seed[32]);
void gd__sign(unsigned char sig[GD__SIG_SIZE], const void *msg, size_t n,
              const unsigned char sk[GD__SIGN_SK_SIZE]);
int gd__sign_verify(const unsigned char sig[GD__SIG_SIZE], const void *msg, size_t n,
                    const unsigned char pk[GD__SIGN_PK_SIZE]);

/* Argon2id password hashing (string form, self-describing). */
#define GD__PWHASH_SIZE 128
int gd__pwhash(char out[GD__PWHASH_SIZE], const char *password, size_t n);
int gd__pwhash_verify(const char *hash, const char *password, size_t n);

/*
 * Streaming AEAD (XChaCha20-Poly1305 secretstream) for files such as backups:
 * each chunk is authenticated, chunks cannot be reordered, dropped or
 * truncated unnoticed (the last carries the final tag).
 */
#define GD__STREAM_HEADER_SIZE 24
#define GD__STREAM_ABYTES 17
typedef struct gd__stream_state {
	_Alignas(16) unsigned char opaque[64];
} gd__stream_state;
void gd__stream_push_init(gd__stream_state *st, unsigned char header[GD__STREAM_HEADER_SIZE],
                          const unsigned char key[GD__KEY_SIZE]);
/* out must hold n + GD__STREAM_ABYTES bytes. */
void gd__stream_push(gd__stream_state *st, unsigned char *out, const void *in, size_t n,
                     const void *ad, size_t adlen, int final);
int gd__stream_pull_init(gd__stream_state *st, const unsigned char header[GD__STREAM_HEADER_SIZE],
                         const unsigned char key[GD__KEY_SIZE]);
/* out must hold n - GD__STREAM_ABYTES bytes; *final tells whether it was the last chunk. */
int gd__stream_pull(gd__stream_state *st, unsigned char *out, const void *in, size_t n,
                    const void *ad, size_t adlen, int *final);

/* Lowercase hex; out must hold 2n + 1. */
void gd__hex(char *out, const void *p, size_t n);
/* Parses exactly `n` bytes of hex; GD_EINVAL otherwise. */
int gd__unhex(unsigned char *out, size_t n, const char *hex);

/* Base64 (standard, padded). out must hold gd__b64_len(n). */
size_t gd__b64_len(size_t n);
void gd__b64(char *out, const void *p, size_t n);
int gd__unb64(unsigned char *out, size_t cap, size_t *outlen, const char *s);

#endif
