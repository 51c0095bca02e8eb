/*
 * console.h — the web console's files, compiled into the server by
 * cmake/embed.cmake from the console/ folder (CMakeLists.txt), and the code
 * that serves them under /console/ (console.c).
 */
#ifndef GD_SERVER_CONSOLE_H
#define GD_SERVER_CONSOLE_H

#include <stddef.h>

struct console_file {
	const char *name; /* path relative to the source root: "console/index.html" */
	const char *data; /* NUL-terminated */
	size_t size;
};

/* Terminated by an entry whose name is NULL (generated gd_console_files.c). */
extern const struct console_file console_files[];

#endif
