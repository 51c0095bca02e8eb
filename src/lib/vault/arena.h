/*
 * arena.h — a bump allocator: many small allocations freed at once. Used by the
 * register model, whose strings and arrays all live and die together.
 */
#ifndef GD_ARENA_H
#define GD_ARENA_H

#include <stddef.h>

struct gd__arena;

/* A new, empty arena; NULL when out of memory. */
struct gd__arena *gd__arena_new(void);
/* Frees every block of the arena; NULL does nothing. */
void gd__arena_free(struct gd__arena *ar);
/* `n` zeroed bytes aligned for any type; NULL when out of memory. */
void *gd__arena_alloc(struct gd__arena *ar, size_t n);
/* A NUL-terminated copy of `n` bytes of `s`. */
char *gd__arena_strndup(struct gd__arena *ar, const char *s, size_t n);
char *gd__arena_strdup(struct gd__arena *ar, const char *s);
/* Bytes handed out so far (for size limits). */
size_t gd__arena_used(const struct gd__arena *ar);

#endif
