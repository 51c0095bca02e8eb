/*
 * console.c — serves the web console (console/ in the source tree, embedded
 * in the binary) under /console/.
 *
 * Only GET and HEAD, only files of the embedded table (the path is looked up
 * by exact name, so "..", encodings or symlinks reach nothing), with a type
 * from the file's extension and a Content-Security-Policy that allows scripts,
 * styles, images and API calls from this origin only — no inline script or
 * style, no eval, no framing. The console holds no data: everything it shows
 * comes from the documented API with the session's bearer token.
 */
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "server.h"

const char *const console_csp =
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
	"connect-src 'self'; font-src 'self'; form-action 'none'; frame-ancestors 'none'; "
	"base-uri 'none'";

static const char *type_of(const char *name)
{
	static const char *const types[][2] = {
		{".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"}, {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"}, {".svg", "image/svg+xml"}, {".json", "application/json"}, {".txt", "text/plain; charset=utf-8"}};
	const char *dot = strrchr(name, '.');
	for (size_t i = 0; dot && i < sizeof types / sizeof *types; i++)
		if (strcmp(dot, types[i][0]) == 0)
			return types[i][1];
	return "application/octet-stream";
}

bool console_serve(const char *method, const char *path, struct api_resp *out)
{
	char name[160];
	if (strcmp(path, "/") != 0 && strcmp(path, "/console") != 0 && strncmp(path, "/console/", 9) != 0)
		return false;
	*out = (struct api_resp){.type = "application/json", .csp = console_csp};
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		out->status = 405;
		out->body = strdup("{\"error\":{\"code\":\"method_not_allowed\",\"message\":\"the console is read with GET\"}}");
		out->len = out->body ? strlen(out->body) : 0;
		return true;
	}
	if (strcmp(path, "/") == 0 || strcmp(path, "/console") == 0) {
		out->status = 302;
		out->location = "/console/";
		return true;
	}
	/* "/console/" is the page; "/console/x.js" is console/x.js. */
	const char *rel = path + 9;
	if (!*rel)
		rel = "index.html";
	if (strlen(rel) < sizeof name - 9) {
		memcpy(name, "console/", 8);
		strcpy(name + 8, rel);
		for (const struct console_file *f = console_files; f->name; f++) {
			if (strcmp(f->name, name) != 0)
				continue;
			out->status = 200;
			out->type = type_of(f->name);
			out->body = malloc(f->size + 1);
			if (!out->body) {
				out->status = 503;
				return true;
			}
			memcpy(out->body, f->data, f->size);
			out->len = f->size;
			return true;
		}
	}
	out->status = 404;
	out->body = strdup("{\"error\":{\"code\":\"not_found\",\"message\":\"no such file of the console\"}}");
	out->len = out->body ? strlen(out->body) : 0;
	return true;
}
