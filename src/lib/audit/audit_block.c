/*
 * audit_block.c — the stored form of the audit trail: entries are kept in
 * blocks, one row per block, each a run of consecutive entries of one chain.
 *
 * Why: an entry per row cost a find + read (two entries) a third of its time
 * in SQLite, to encode twelve columns and insert them into a B-tree. A block
 * is one insert per transaction's worth of entries, and small: strings that
 * recur in a block (principal, action, purpose, category, the subject of a
 * find and of the read after it) are stored once and referred to after.
 *
 * The encoding (docs/FORMAT.md, "Audit blocks"): a version byte (1), then
 * entries, each
 *   seq − previous seq, at − previous at   (zigzag varints; "previous" is 0
 *                                           before the first entry)
 *   principal, action, purpose, subject, category, reason   (string refs)
 *   record_id, outcome (zigzag varints), hash (32 bytes)
 * where a string ref is a varint k: 0 is NULL; an odd k is followed by a new
 * string of (k − 1) / 2 bytes, which takes the next index in the block's
 * table; an even k is the string at index k / 2 − 1. Varints are LEB128.
 * The hash of each entry is the chain hash of gd__audit_hash, unchanged: a
 * block is a way of storing entries, not of hashing them, so exports and
 * offline verification do not depend on it. The last 32 bytes of a block are
 * the hash of its last entry (the head of the chain when it is the last).
 */
#include <string.h>

#include "lib/audit/audit.h"
#include "lib/internal.h"

enum {
	BLOCK_VERSION = 1,
	STRING_FIELDS = 6
};

static unsigned char *put_varint(unsigned char *p, uint64_t x)
{
	while (x >= 0x80) {
		*p++ = (unsigned char)(x | 0x80);
		x >>= 7;
	}
	*p++ = (unsigned char)x;
	return p;
}

static uint64_t zigzag(int64_t x)
{
	return ((uint64_t)x << 1) ^ (uint64_t)(x >> 63);
}

static int64_t unzigzag(uint64_t x)
{
	return (int64_t)(x >> 1) ^ -(int64_t)(x & 1);
}

void gd__audit_block_reset(struct gd__audit_block *b)
{
	b->len = 0;
	b->n = 0;
	b->nstr = 0;
	memset(b->mru, 0, sizeof b->mru);
}

void gd__audit_block_free(struct gd__audit_block *b)
{
	gd__free(b->buf);
	memset(b, 0, sizeof *b);
}

/* Writes a string ref: a recent string of the same field, or a new one. */
static unsigned char *put_ref(struct gd__audit_block *b, unsigned char *p, int field, const char *s)
{
	if (!s)
		return put_varint(p, 0);
	size_t n = strlen(s);
	struct gd__audit_block_str *m = b->mru[field];
	for (int i = 0; i < GD__AUDIT_MRU; i++)
		if (m[i].len == n + 1 && memcmp(b->buf + m[i].off, s, n) == 0)
			return put_varint(p, 2 * ((uint64_t)m[i].index + 1));
	p = put_varint(p, 2 * (uint64_t)n + 1);
	/* The oldest slot of the field gives way (slots are in use order). */
	memmove(m + 1, m, (GD__AUDIT_MRU - 1) * sizeof *m);
	m[0] = (struct gd__audit_block_str){(size_t)(p - b->buf), n + 1, b->nstr++};
	memcpy(p, s, n);
	return p + n;
}

int gd__audit_block_add(struct gd__audit_block *b, const struct gd__audit_entry *e,
                        const unsigned char hash[GD__HASH_SIZE])
{
	const char *strs[STRING_FIELDS] = {e->principal, e->action, e->purpose,
	                                   e->subject, e->category, e->reason};
	size_t need = 1 + 5 * 10 + GD__HASH_SIZE;
	for (int i = 0; i < STRING_FIELDS; i++)
		need += 10 + (strs[i] ? strlen(strs[i]) : 0);
	if (b->len + need > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + need)
			cap *= 2;
		unsigned char *nb = gd__malloc(cap);
		if (!nb)
			return gd__err(GD_ENOMEM, "out of memory for the audit trail");
		if (b->len)
			memcpy(nb, b->buf, b->len);
		gd__free(b->buf);
		b->buf = nb;
		b->cap = cap;
	}
	unsigned char *p = b->buf + b->len;
	if (b->n == 0) {
		*p++ = BLOCK_VERSION;
		b->tenant_id = e->tenant_id;
		b->lane = e->lane;
		b->first_seq = e->seq;
		b->last_seq = 0;
		b->last_at = 0;
	}
	/* Unsigned differences: a tampered trail may hold any numbers. */
	p = put_varint(p, zigzag((int64_t)((uint64_t)e->seq - (uint64_t)b->last_seq)));
	p = put_varint(p, zigzag((int64_t)((uint64_t)e->at - (uint64_t)b->last_at)));
	for (int i = 0; i < STRING_FIELDS; i++)
		p = put_ref(b, p, i, strs[i]);
	p = put_varint(p, zigzag(e->record_id));
	p = put_varint(p, zigzag(e->outcome));
	memcpy(p, hash, GD__HASH_SIZE);
	b->len = (size_t)(p + GD__HASH_SIZE - b->buf);
	b->n++;
	b->last_seq = e->seq;
	b->last_at = e->at;
	return 0;
}

/* ---- reading ---------------------------------------------------------------- */

void gd__audit_reader_free(struct gd__audit_reader *r)
{
	gd__free(r->body);
	gd__free(r->arena);
	gd__free(r->tab);
	memset(r, 0, sizeof *r);
}

static int damaged(const char *what)
{
	return gd__err(GD_ECORRUPT, "audit block damaged: %s", what);
}

int gd__audit_reader_start(struct gd__audit_reader *r, const void *body, size_t n)
{
	r->p = r->end = NULL;
	r->seq = r->at = 0;
	r->arena_len = 0;
	r->ntab = 0;
	if (n < 1 || !body || *(const unsigned char *)body != BLOCK_VERSION)
		return damaged(n < 1 || !body ? "empty" : "unknown version");
	/* The body is copied: what the caller read it from (an SQLite column) may
	 * go away while entries are in use. Every string of the table costs at
	 * least one byte of it, so the arena (strings and their terminators) never
	 * needs more than n bytes and never moves while entries point into it. */
	if (r->cap < n) {
		unsigned char *copy = gd__malloc(n);
		char *arena = copy ? gd__malloc(n) : NULL;
		if (!arena) {
			gd__free(copy);
			return gd__err(GD_ENOMEM, "out of memory reading the audit trail");
		}
		gd__free(r->body);
		gd__free(r->arena);
		r->body = copy;
		r->arena = arena;
		r->cap = n;
	}
	memcpy(r->body, body, n);
	r->p = r->body + 1;
	r->end = r->body + n;
	return 0;
}

static bool get_varint(struct gd__audit_reader *r, uint64_t *out)
{
	uint64_t x = 0;
	for (int shift = 0; shift < 64 && r->p < r->end; shift += 7) {
		unsigned char c = *r->p++;
		x |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*out = x;
			return true;
		}
	}
	return false;
}

static int get_ref(struct gd__audit_reader *r, const char **out)
{
	uint64_t k;
	if (!get_varint(r, &k))
		return damaged("entry cut short");
	if (k == 0) {
		*out = NULL;
		return 0;
	}
	if (!(k & 1)) {
		uint64_t i = k / 2 - 1;
		if (i >= (uint64_t)r->ntab)
			return damaged("reference to a string not yet seen");
		*out = r->arena + r->tab[i];
		return 0;
	}
	uint64_t len = (k - 1) / 2;
	if (len > (uint64_t)(r->end - r->p) || memchr(r->p, 0, len))
		return damaged(len > (uint64_t)(r->end - r->p) ? "string runs past the end"
		                                               : "string holds a NUL byte");
	if (r->ntab == r->tabcap) {
		size_t cap = r->tabcap ? 2 * r->tabcap : 64;
		size_t *t = gd__malloc(cap * sizeof *t);
		if (!t)
			return gd__err(GD_ENOMEM, "out of memory reading the audit trail");
		if (r->ntab)
			memcpy(t, r->tab, r->ntab * sizeof *t);
		gd__free(r->tab);
		r->tab = t;
		r->tabcap = cap;
	}
	/* The ref took at least one byte: room for the terminator (see start). */
	r->tab[r->ntab++] = r->arena_len;
	memcpy(r->arena + r->arena_len, r->p, len);
	r->arena[r->arena_len + len] = 0;
	*out = r->arena + r->arena_len;
	r->arena_len += len + 1;
	r->p += len;
	return 0;
}

int gd__audit_reader_next(struct gd__audit_reader *r, struct gd__audit_entry *e,
                          const unsigned char **hash)
{
	if (r->p == r->end)
		return 0;
	uint64_t ds, dt, id, outcome;
	const char **strs[STRING_FIELDS] = {&e->principal, &e->action, &e->purpose,
	                                    &e->subject, &e->category, &e->reason};
	if (!get_varint(r, &ds) || !get_varint(r, &dt))
		return damaged("entry cut short");
	for (int i = 0; i < STRING_FIELDS; i++) {
		int rc = get_ref(r, strs[i]);
		if (rc < 0)
			return rc;
	}
	if (!get_varint(r, &id) || !get_varint(r, &outcome) || r->end - r->p < GD__HASH_SIZE)
		return damaged("entry cut short");
	int64_t oc = unzigzag(outcome);
	if (oc < INT32_MIN || oc > INT32_MAX)
		return damaged("outcome out of range");
	/* Wrapping arithmetic: a damaged delta gives a wrong number, never UB. */
	r->seq = (int64_t)((uint64_t)r->seq + (uint64_t)unzigzag(ds));
	r->at = (int64_t)((uint64_t)r->at + (uint64_t)unzigzag(dt));
	e->seq = r->seq;
	e->at = r->at;
	e->record_id = unzigzag(id);
	e->outcome = (int)oc;
	*hash = r->p;
	r->p += GD__HASH_SIZE;
	return 1;
}
