/*
 * data.c — loading the built-in data tables (data.h): the embedded file
 * found, parsed by libfyaml, handed to the table's parser with a fresh arena,
 * and kept behind a static pointer once whole.
 */
#include <string.h>

#include "lib/internal.h"
#include "lib/vault/data.h"
#include "lib/vault/embedded.h"

static int load(struct gd__data *d)
{
	const struct gd__embedded *f = gd__embedded_find(d->file);
	struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET};
	struct fy_document *doc = NULL;
	struct gd__arena *ar = NULL;
	void *tables = NULL;
	int rc = GD_ENOMEM;

	if (!f)
		return gd__err(GD_ECORRUPT, "the %s %s is not built into this gardien", d->what, d->file);
	if (!(ar = gd__arena_new()) || gd__fault_point() ||
	    !(doc = fy_document_build_from_string(&cfg, f->data, f->size)))
		goto done;
	struct fy_node *root = fy_document_root(doc);
	rc = root ? d->parse(ar, root, &tables) : GD_ECORRUPT;
	if (rc == 0 && !tables)
		rc = GD_ECORRUPT;
done:
	fy_document_destroy(doc);
	if (rc < 0) {
		gd__arena_free(ar);
		return rc == GD_ENOMEM ? gd__err(rc, "out of memory loading the %s", d->what)
		                       : gd__err(GD_ECORRUPT, "the built-in %s %s is damaged", d->what, d->file);
	}
	d->ar = ar;
	d->loaded = tables;
	return 0;
}

int gd__data_load(struct gd__data *d, const void **tables)
{
	int rc = 0;
	pthread_mutex_lock(&d->lock);
	if (!d->loaded)
		rc = load(d);
	if (tables)
		*tables = d->loaded;
	pthread_mutex_unlock(&d->lock);
	return rc;
}

const void *gd__data_peek(struct gd__data *d)
{
	pthread_mutex_lock(&d->lock);
	const void *t = d->loaded;
	pthread_mutex_unlock(&d->lock);
	return t;
}

const char *gd__data_scalar(struct gd__arena *ar, struct fy_node *n)
{
	size_t len;
	const char *s = n && fy_node_is_scalar(n) ? fy_node_get_scalar(n, &len) : NULL;
	return s ? gd__arena_strndup(ar, s, len) : NULL;
}

const char *gd__data_field(struct gd__arena *ar, struct fy_node *map, const char *key)
{
	struct fy_node *n = map ? fy_node_mapping_lookup_by_string(map, key, FY_NT) : NULL;
	return n ? gd__data_scalar(ar, n) : gd__arena_strdup(ar, "");
}
