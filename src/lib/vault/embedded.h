/* embedded.h — data files compiled into the library by cmake/embed.cmake. */
#ifndef GD_EMBEDDED_H
#define GD_EMBEDDED_H

#include <stddef.h>

struct gd__embedded {
	const char *name; /* path relative to the source root: "src/lib/store/sqlite/00-vault.sql" */
	const char *data; /* NUL-terminated */
	size_t size;
};

/* Terminated by an entry whose name is NULL. */
extern const struct gd__embedded gd__embedded_files[];

/* The file named `name`, or NULL. */
const struct gd__embedded *gd__embedded_find(const char *name);

#endif
