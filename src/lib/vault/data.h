/*
 * data.h — built-in data tables: YAML files compiled into the library
 * (cmake/embed.cmake) and parsed once per process into an arena, on first
 * use, under the table's mutex. A failed load (an injected allocation fault,
 * a damaged file) leaves nothing behind and is retried by the next caller.
 *
 * Invariant: a table once loaded is never freed nor changed, so readers use
 * what gd__data_load returned without a lock for the life of the process.
 */
#ifndef GD_DATA_H
#define GD_DATA_H

#include <libfyaml.h>
#include <pthread.h>

#include "lib/vault/arena.h"

struct gd__data {
	const char *file; /* embedded path: "data/taxonomy.yml" */
	const char *what; /* for messages: "taxonomy" */
	/*
	 * Builds the tables from the document's root, allocating only from `ar`
	 * (freed whole on failure); 0, GD_ECORRUPT when the document is not what
	 * it must be, or GD_ENOMEM. No message: gd__data_load writes it.
	 */
	int (*parse)(struct gd__arena *ar, struct fy_node *root, void **tables);
	pthread_mutex_t lock;
	void *loaded;
	struct gd__arena *ar; /* holds `loaded`, kept reachable for the life of the process */
};

#define GD__DATA_INIT(file_, what_, parse_) \
	{ \
		.file = (file_), .what = (what_), .parse = (parse_), .lock = PTHREAD_MUTEX_INITIALIZER \
	}

/* Loads `d` unless it is loaded; *tables (may be NULL) gets the tables. */
int gd__data_load(struct gd__data *d, const void **tables);

/* The tables if loaded, else NULL (never loads: for callers that loaded before). */
const void *gd__data_peek(struct gd__data *d);

/* A copy in `ar` of scalar node `n`; NULL when `n` is not a scalar or out of memory. */
const char *gd__data_scalar(struct gd__arena *ar, struct fy_node *n);
/* Scalar `key` of mapping `map`: a copy in `ar`, "" when absent; NULL only when out of memory. */
const char *gd__data_field(struct gd__arena *ar, struct fy_node *map, const char *key);

#endif
