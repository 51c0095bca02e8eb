/*
 * keycache.c — unwrapped subject keys kept per vault handle: opening a
 * subject's wrapped key (an XChaCha20-Poly1305 open under the tenant's KEK) is
 * half of a read's decryption, and a server opens an actor per request, so the
 * keys live with the vault handle (one per worker thread), not the actor.
 *
 * Invariants:
 * - Bounded: `n` slots (gd_vault_options.key_cache, default
 *   GD__KEYCACHE_DEFAULT), direct-mapped on the wrapped key's random nonce. The
 *   keys are in one block of secure memory (sodium_malloc: locked, guarded),
 *   wiped when a slot is given to another key, and freed (wiped) at close.
 * - Never trusted: a hit needs the tenant, the pseudonym and the wrapped key,
 *   byte for byte, to equal what the caller just read from the vault, so it
 *   gives exactly what opening would (same KEK, ciphertext and associated
 *   data); a key re-wrapped or a blob altered since is a miss.
 * - An erased subject's key leaves every cache of the process within the
 *   erasure's call (gd__keycache_forget walks them all, each under its lock).
 *   Another process's cache may keep it until evicted or closed, unusable: no
 *   row holds its wrapped key any more.
 * - A key cached in a transaction that rolls back is wiped with it: the slots
 *   filled since the transaction began are listed (`fresh`) until its commit.
 *
 * Each handle is used by one thread at a time; its lock is for an erasure
 * made through another handle of the process. Lock order: `all_lock`, then a
 * cache's `lock`.
 */
#include <pthread.h>
#include <string.h>

#include "lib/internal.h"
#include "lib/records/records.h"

#define KEYCACHE_MAX 65536u

struct slot {
	int64_t tenant_id;
	char pseudonym[GD_SUBJECT_ID_SIZE];
	unsigned char wrapped[GD__WRAPPED_MAX]; /* 72 bytes, or 76 naming an epoch (subject.c) */
	unsigned char wrapped_len;
	bool used;
	bool fresh; /* listed in `fresh` */
};

struct gd__keycache {
	unsigned n;              /* slots, a power of two */
	struct slot *slots;      /* what each key was opened from: nothing secret */
	unsigned char *keys;     /* n keys, secure memory */
	unsigned *fresh, nfresh; /* slots filled in the open transaction */
	bool committed;          /* its commit hook ran, at tx generation commit_gen */
	uint64_t commit_gen;
	pthread_mutex_t lock;
	struct gd__keycache *next, **pprev; /* the process's caches, under all_lock */
};

static pthread_mutex_t all_lock = PTHREAD_MUTEX_INITIALIZER;
static struct gd__keycache *all;

static void wipe_slot(struct gd__keycache *c, unsigned i)
{
	gd__wipe(c->keys + (size_t)i * GD__KEY_SIZE, GD__KEY_SIZE);
	c->slots[i].used = false;
}

int gd__keycache_new(struct gd__keycache **out, unsigned size)
{
	*out = NULL;
	if (size > KEYCACHE_MAX)
		return gd__err(GD_EINVAL, "key_cache of %u keys is over the limit of %u", size, KEYCACHE_MAX);
	unsigned n = 1;
	while (n < (size ? size : GD__KEYCACHE_DEFAULT))
		n <<= 1;
	struct gd__keycache *c = gd__calloc(1, sizeof *c);
	if (!c)
		return GD_ENOMEM;
	c->n = n;
	c->slots = gd__calloc(n, sizeof *c->slots);
	c->fresh = gd__calloc(n, sizeof *c->fresh);
	c->keys = gd__secure_alloc((size_t)n * GD__KEY_SIZE);
	if (!c->slots || !c->fresh || !c->keys || pthread_mutex_init(&c->lock, NULL) != 0) {
		gd__secure_free(c->keys);
		gd__free(c->fresh);
		gd__free(c->slots);
		gd__free(c);
		return gd__err(GD_ENOMEM, "out of secure memory for the key cache");
	}
	pthread_mutex_lock(&all_lock);
	if ((c->next = all))
		all->pprev = &c->next;
	c->pprev = &all;
	all = c;
	pthread_mutex_unlock(&all_lock);
	*out = c;
	return 0;
}

void gd__keycache_free(struct gd__keycache *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&all_lock);
	if (c->next)
		c->next->pprev = c->pprev;
	*c->pprev = c->next;
	pthread_mutex_unlock(&all_lock);
	pthread_mutex_destroy(&c->lock);
	gd__secure_free(c->keys); /* wipes */
	gd__free(c->fresh);
	gd__free(c->slots);
	gd__free(c);
}

static unsigned index_of(const struct gd__keycache *c, const unsigned char *w, size_t n)
{
	/* The sealed key (after an epoch number, if any) starts with its random nonce: a well-spread index. */
	w += n - GD__KEY_SIZE - GD__SEAL_OVERHEAD;
	return ((unsigned)w[0] | (unsigned)w[1] << 8 | (unsigned)w[2] << 16) & (c->n - 1);
}

/* A commit went through since the last fill: what it filled is no longer fresh. */
static void settle(struct gd__keycache *c, const gd_vault *v)
{
	if (!c->committed || v->tx.gen == c->commit_gen)
		return;
	for (unsigned i = 0; i < c->nfresh; i++)
		c->slots[c->fresh[i]].fresh = false;
	c->nfresh = 0;
	c->committed = false;
}

bool gd__keycache_get(gd_vault *v, int64_t tenant_id, const char *pseudonym, const void *wrapped, size_t n,
                      unsigned char key[GD__KEY_SIZE])
{
	struct gd__keycache *c = v->keycache;
	if (!c || n < GD__KEY_SIZE + GD__SEAL_OVERHEAD || n > GD__WRAPPED_MAX)
		return false;
	unsigned i = index_of(c, wrapped, n);
	pthread_mutex_lock(&c->lock);
	const struct slot *s = &c->slots[i];
	bool hit = s->used && s->tenant_id == tenant_id && s->wrapped_len == n && memcmp(s->wrapped, wrapped, n) == 0 &&
	           strcmp(s->pseudonym, pseudonym) == 0;
	if (hit)
		memcpy(key, c->keys + (size_t)i * GD__KEY_SIZE, GD__KEY_SIZE);
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void gd__keycache_put(gd_vault *v, int64_t tenant_id, const char *pseudonym, const void *wrapped, size_t n,
                      const unsigned char key[GD__KEY_SIZE])
{
	struct gd__keycache *c = v->keycache;
	if (!c || n < GD__KEY_SIZE + GD__SEAL_OVERHEAD || n > GD__WRAPPED_MAX)
		return;
	unsigned i = index_of(c, wrapped, n);
	pthread_mutex_lock(&c->lock);
	settle(c, v);
	struct slot *s = &c->slots[i];
	wipe_slot(c, i);
	memcpy(c->keys + (size_t)i * GD__KEY_SIZE, key, GD__KEY_SIZE);
	s->tenant_id = tenant_id;
	gd__copy(s->pseudonym, sizeof s->pseudonym, pseudonym);
	memcpy(s->wrapped, wrapped, n);
	s->wrapped_len = (unsigned char)n;
	s->used = true;
	if (!s->fresh) {
		s->fresh = true;
		c->fresh[c->nfresh++] = i; /* at most n: a slot is listed once */
	}
	pthread_mutex_unlock(&c->lock);
}

void gd__keycache_forget(int64_t tenant_id, const char *pseudonym)
{
	pthread_mutex_lock(&all_lock);
	for (struct gd__keycache *c = all; c; c = c->next) {
		pthread_mutex_lock(&c->lock);
		for (unsigned i = 0; i < c->n; i++)
			if (c->slots[i].used && c->slots[i].tenant_id == tenant_id &&
			    strcmp(c->slots[i].pseudonym, pseudonym) == 0)
				wipe_slot(c, i);
		pthread_mutex_unlock(&c->lock);
	}
	pthread_mutex_unlock(&all_lock);
}

size_t gd__keycache_count(gd_vault *v, int64_t tenant_id, const char *pseudonym)
{
	struct gd__keycache *c = v->keycache;
	size_t k = 0;
	pthread_mutex_lock(&c->lock);
	for (unsigned i = 0; i < c->n; i++)
		k += c->slots[i].used && (!pseudonym || (c->slots[i].tenant_id == tenant_id &&
		                                         strcmp(c->slots[i].pseudonym, pseudonym) == 0));
	pthread_mutex_unlock(&c->lock);
	return k;
}

/* The transaction layer's hooks: a commit settles the fresh slots (once the
 * next transaction shows it went through), a rollback wipes them. */
static int on_commit(gd_vault *v, bool batch)
{
	(void)batch;
	struct gd__keycache *c = v->keycache;
	if (c && c->nfresh) {
		pthread_mutex_lock(&c->lock);
		c->committed = true;
		c->commit_gen = v->tx.gen;
		pthread_mutex_unlock(&c->lock);
	}
	return 0;
}

static void on_rollback(gd_vault *v, bool whole)
{
	(void)whole; /* to a savepoint too: which fill belonged to it is not kept */
	struct gd__keycache *c = v->keycache;
	if (!c || !c->nfresh)
		return;
	/* Fills of a transaction that committed and was not followed by a fill
	 * yet are wiped too (a miss later, nothing worse): after a failed commit
	 * they must go, and the two cases look alike here. */
	pthread_mutex_lock(&c->lock);
	for (unsigned i = 0; i < c->nfresh; i++) {
		wipe_slot(c, c->fresh[i]);
		c->slots[c->fresh[i]].fresh = false;
	}
	c->nfresh = 0;
	c->committed = false;
	pthread_mutex_unlock(&c->lock);
}

const struct gd__tx_hooks gd__keycache_tx_hooks = {.commit = on_commit, .rollback = on_rollback};
