/*
 * crypto.c — every call into libsodium. Nothing here allocates except the
 * secure allocator, and nothing here logs: errors are codes.
 */
#include <pthread.h>
#include <sodium.h>
#include <string.h>
#include <sys/mman.h>

#include "lib/internal.h"

_Static_assert(sizeof(crypto_generichash_state) <= sizeof(((gd__hash_state *)0)->opaque),
               "gd__hash_state too small");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == GD__NONCE_SIZE, "nonce");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == GD__TAG_SIZE, "tag");
_Static_assert(crypto_pwhash_STRBYTES <= GD__PWHASH_SIZE, "pwhash");
_Static_assert(sizeof(crypto_secretstream_xchacha20poly1305_state) <=
                       sizeof(((gd__stream_state *)0)->opaque),
               "gd__stream_state too small");
_Static_assert(crypto_secretstream_xchacha20poly1305_HEADERBYTES == GD__STREAM_HEADER_SIZE, "stream header");
_Static_assert(crypto_secretstream_xchacha20poly1305_ABYTES == GD__STREAM_ABYTES, "stream abytes");

int gd__crypto_init(void)
{
	if (sodium_init() < 0)
		return gd__err(GD_ERROR, "libsodium failed to initialise");
	return 0;
}

/*
 * Secure memory. sodium_malloc costs an mmap and two mprotects (guard pages);
 * on the read path that is most of the time of a record read. Small blocks are
 * therefore recycled through a bounded pool: wiped on release, kept in guarded
 * memory, handed out again. Each block starts with a header giving its size.
 */
#define POOL_BLOCK 4096
#define POOL_MAX 64
#define HEADER 16

struct secure_header {
	size_t size;
	size_t pooled;
};
_Static_assert(sizeof(struct secure_header) <= HEADER, "header");

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char *pool[POOL_MAX];
static size_t pool_count;

void *gd__secure_alloc(size_t n)
{
	if (gd__fault_point())
		return NULL;
	unsigned char *p = NULL;
	bool pooled = n <= POOL_BLOCK;
	if (pooled) {
		pthread_mutex_lock(&pool_lock);
		if (pool_count)
			p = pool[--pool_count];
		pthread_mutex_unlock(&pool_lock);
	}
	if (!p && !(p = sodium_malloc(HEADER + (pooled ? POOL_BLOCK : n))))
		return NULL;
	struct secure_header h = {n, pooled};
	memcpy(p, &h, sizeof h);
	return p + HEADER;
}

void gd__secure_free(void *q)
{
	if (!q)
		return;
	unsigned char *p = (unsigned char *)q - HEADER;
	struct secure_header h;
	memcpy(&h, p, sizeof h);
	sodium_memzero(q, h.size);
	if (h.pooled) {
		pthread_mutex_lock(&pool_lock);
		bool kept = pool_count < POOL_MAX;
		if (kept)
			pool[pool_count++] = p;
		pthread_mutex_unlock(&pool_lock);
		if (kept)
			return;
	}
	sodium_free(p);
}

void gd__wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}

int gd__memcmp(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n);
}

void gd__random(void *buf, size_t n)
{
	randombytes_buf(buf, n);
}

/*
 * Nonces are drawn from a page of random bytes refilled 4 KiB at a time: one
 * system call per 170 nonces instead of one each (3% of a put). Nonces are
 * public, so the page holds nothing secret; what matters is that no two seals
 * share one. The page is marked MADV_WIPEONFORK, so a forked child finds it
 * empty and refills it from the kernel instead of repeating its parent's.
 */
#define NONCE_PAGE 4096

static struct {
	pthread_mutex_t lock;
	unsigned char *page; /* NONCE_PAGE bytes, the count of bytes spent at its end */
} nonces = {PTHREAD_MUTEX_INITIALIZER, NULL};

static void nonce_next(unsigned char out[GD__NONCE_SIZE])
{
	pthread_mutex_lock(&nonces.lock);
	if (!nonces.page) {
		void *p = mmap(NULL, NONCE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED && madvise(p, NONCE_PAGE, MADV_WIPEONFORK) == 0)
			nonces.page = p;
		else if (p != MAP_FAILED)
			munmap(p, NONCE_PAGE);
	}
	if (!nonces.page) { /* no fork-safe page: straight from the kernel */
		pthread_mutex_unlock(&nonces.lock);
		randombytes_buf(out, GD__NONCE_SIZE);
		return;
	}
	/* The count lives in the page too, so a wiped page reads as empty. */
	size_t *used = (size_t *)(void *)(nonces.page + NONCE_PAGE - sizeof(size_t));
	size_t cap = (NONCE_PAGE - sizeof(size_t)) / GD__NONCE_SIZE * GD__NONCE_SIZE;
	if (*used == 0 || *used >= cap) {
		randombytes_buf(nonces.page, cap);
		*used = 0;
	}
	memcpy(out, nonces.page + *used, GD__NONCE_SIZE);
	*used += GD__NONCE_SIZE;
	pthread_mutex_unlock(&nonces.lock);
}

void gd__seal(unsigned char *out, const unsigned char key[GD__KEY_SIZE], const void *pt,
              size_t n, const void *ad, size_t adlen)
{
	nonce_next(out);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + GD__NONCE_SIZE, NULL, pt, n, ad, adlen,
	                                           NULL, out, key);
}

int gd__open(unsigned char *out, const unsigned char key[GD__KEY_SIZE], const void *sealed,
             size_t n, const void *ad, size_t adlen)
{
	const unsigned char *s = sealed;
	if (n < GD__SEAL_OVERHEAD)
		return gd__err(GD_ECORRUPT, "sealed value too short (%zu bytes)", n);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, NULL, NULL, s + GD__NONCE_SIZE,
	                                               n - GD__NONCE_SIZE, ad, adlen, s, key) != 0)
		return gd__err(GD_ECORRUPT, "sealed value failed authentication");
	return 0;
}

void gd__blind(unsigned char out[GD__BLIND_SIZE], const unsigned char key[GD__KEY_SIZE],
               const void *msg, size_t n)
{
	crypto_generichash(out, GD__BLIND_SIZE, msg, n, key, GD__KEY_SIZE);
}

void gd__kdf(unsigned char *out, size_t n, uint64_t id, const char ctx[8],
             const unsigned char key[GD__KEY_SIZE])
{
	crypto_kdf_derive_from_key(out, n, id, ctx, key);
}

void gd__hash_init(gd__hash_state *st)
{
	crypto_generichash_init((crypto_generichash_state *)st->opaque, NULL, 0, GD__HASH_SIZE);
}

void gd__hash_update(gd__hash_state *st, const void *p, size_t n)
{
	crypto_generichash_update((crypto_generichash_state *)st->opaque, p, n);
}

void gd__hash_final(gd__hash_state *st, unsigned char out[GD__HASH_SIZE])
{
	crypto_generichash_final((crypto_generichash_state *)st->opaque, out, GD__HASH_SIZE);
	/* The state's buffer still holds the last bytes hashed (a bearer token). */
	sodium_memzero(st, sizeof *st);
}

void gd__hash(unsigned char out[GD__HASH_SIZE], const void *p, size_t n)
{
	crypto_generichash(out, GD__HASH_SIZE, p, n, NULL, 0);
}

void gd__sign_seed_keypair(unsigned char pk[GD__SIGN_PK_SIZE], unsigned char sk[GD__SIGN_SK_SIZE],
                           const unsigned char seed[32])
{
	crypto_sign_seed_keypair(pk, sk, seed);
}

void gd__sign(unsigned char sig[GD__SIG_SIZE], const void *msg, size_t n,
              const unsigned char sk[GD__SIGN_SK_SIZE])
{
	crypto_sign_detached(sig, NULL, msg, n, sk);
}

int gd__sign_verify(const unsigned char sig[GD__SIG_SIZE], const void *msg, size_t n,
                    const unsigned char pk[GD__SIGN_PK_SIZE])
{
	if (crypto_sign_verify_detached(sig, msg, n, pk) != 0)
		return gd__err(GD_ECORRUPT, "signature does not verify");
	return 0;
}

int gd__pwhash(char out[GD__PWHASH_SIZE], const char *password, size_t n)
{
	if (crypto_pwhash_str(out, password, n, crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return gd__err(GD_ENOMEM, "not enough memory to hash the password");
	return 0;
}

int gd__pwhash_verify(const char *hash, const char *password, size_t n)
{
	if (crypto_pwhash_str_verify(hash, password, n) != 0)
		return GD_EDENIED;
	return 0;
}

void gd__hex(char *out, const void *p, size_t n)
{
	sodium_bin2hex(out, 2 * n + 1, p, n);
}

int gd__unhex(unsigned char *out, size_t n, const char *hex)
{
	size_t len = 0;
	const char *end = NULL;
	if (strlen(hex) != 2 * n || sodium_hex2bin(out, n, hex, 2 * n, NULL, &len, &end) != 0 ||
	    len != n)
		return gd__err(GD_EINVAL, "expected %zu hexadecimal digits", 2 * n);
	return 0;
}

size_t gd__b64_len(size_t n)
{
	return sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
}

void gd__b64(char *out, const void *p, size_t n)
{
	sodium_bin2base64(out, gd__b64_len(n), p, n, sodium_base64_VARIANT_ORIGINAL);
}

int gd__unb64(unsigned char *out, size_t cap, size_t *outlen, const char *s)
{
	if (sodium_base642bin(out, cap, s, strlen(s), NULL, outlen, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0)
		return gd__err(GD_EINVAL, "invalid base64");
	return 0;
}

#define SS(st) ((crypto_secretstream_xchacha20poly1305_state *)(void *)(st)->opaque)

void gd__stream_push_init(gd__stream_state *st, unsigned char header[GD__STREAM_HEADER_SIZE],
                          const unsigned char key[GD__KEY_SIZE])
{
	crypto_secretstream_xchacha20poly1305_init_push(SS(st), header, key);
}

void gd__stream_push(gd__stream_state *st, unsigned char *out, const void *in, size_t n,
                     const void *ad, size_t adlen, int final)
{
	crypto_secretstream_xchacha20poly1305_push(
		SS(st), out, NULL, in, n, ad, adlen,
		final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
		      : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
}

int gd__stream_pull_init(gd__stream_state *st, const unsigned char header[GD__STREAM_HEADER_SIZE],
                         const unsigned char key[GD__KEY_SIZE])
{
	if (crypto_secretstream_xchacha20poly1305_init_pull(SS(st), header, key) != 0)
		return gd__err(GD_ECORRUPT, "stream header is invalid");
	return 0;
}

int gd__stream_pull(gd__stream_state *st, unsigned char *out, const void *in, size_t n,
                    const void *ad, size_t adlen, int *final)
{
	unsigned char tag = 0;
	if (n < GD__STREAM_ABYTES ||
	    crypto_secretstream_xchacha20poly1305_pull(SS(st), out, NULL, &tag, in, n, ad, adlen) != 0)
		return gd__err(GD_ECORRUPT, "stream chunk failed authentication");
	*final = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
	return 0;
}
