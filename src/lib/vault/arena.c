/*
 * arena.c — bump allocator over a list of blocks. Blocks grow to 64 KiB; a
 * request larger than a block gets a block of its own. Allocations pass the
 * library's fault points (gd__malloc), so fault tests reach them.
 */
#include <stdalign.h>
#include <string.h>

#include "lib/vault/arena.h"
#include "lib/internal.h"

#define BLOCK_MIN 4096
#define BLOCK_MAX 65536

struct block {
	struct block *next;
	size_t size, used;
	alignas(max_align_t) unsigned char data[];
};

struct gd__arena {
	struct block *head;
	size_t total;
};

struct gd__arena *gd__arena_new(void)
{
	return gd__calloc(1, sizeof(struct gd__arena));
}

void gd__arena_free(struct gd__arena *ar)
{
	if (!ar)
		return;
	for (struct block *b = ar->head, *next; b; b = next) {
		next = b->next;
		gd__free(b);
	}
	gd__free(ar);
}

void *gd__arena_alloc(struct gd__arena *ar, size_t n)
{
	const size_t align = alignof(max_align_t);
	n = (n + align - 1) & ~(align - 1);
	if (n == 0)
		n = align;
	struct block *b = ar->head;
	if (!b || b->size - b->used < n) {
		size_t size = b ? b->size * 2 : BLOCK_MIN;
		if (size > BLOCK_MAX)
			size = BLOCK_MAX;
		if (size < n)
			size = n;
		if (!(b = gd__malloc(sizeof *b + size)))
			return NULL;
		b->size = size;
		b->used = 0;
		b->next = ar->head;
		ar->head = b;
	}
	void *p = b->data + b->used;
	b->used += n;
	ar->total += n;
	memset(p, 0, n);
	return p;
}

char *gd__arena_strndup(struct gd__arena *ar, const char *s, size_t n)
{
	char *p = gd__arena_alloc(ar, n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = 0;
	}
	return p;
}

char *gd__arena_strdup(struct gd__arena *ar, const char *s)
{
	return gd__arena_strndup(ar, s, strlen(s));
}

size_t gd__arena_used(const struct gd__arena *ar)
{
	return ar->total;
}
