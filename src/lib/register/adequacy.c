/*
 * adequacy.c — loads the embedded data/adequacy.yml into static tables, once
 * per process (under a mutex, retried after a failure). The tables are never
 * freed: they are reachable from a static pointer for the life of the process,
 * like the taxonomy's.
 */
#include <ctype.h>
#include <libfyaml.h>
#include <pthread.h>
#include <string.h>

#include "lib/register/adequacy.h"
#include "lib/vault/arena.h"
#include "lib/vault/embedded.h"
#include "lib/internal.h"

#define ADEQUACY_FILE "data/adequacy.yml"

struct tables {
	struct gd__arena *ar;
	struct gd__adequacy *dec;
	size_t ndec;
	struct gd__struck_down *struck;
	size_t nstruck;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct tables *loaded;

static const char *dup_scalar(struct gd__arena *ar, struct fy_node *n)
{
	size_t len;
	const char *s = n && fy_node_is_scalar(n) ? fy_node_get_scalar(n, &len) : NULL;
	return s ? gd__arena_strndup(ar, s, len) : NULL;
}

/* A field of `map`; "" when absent, NULL only when out of memory. */
static const char *field(struct gd__arena *ar, struct fy_node *map, const char *key)
{
	struct fy_node *n = fy_node_mapping_lookup_by_string(map, key, FY_NT);
	return n ? dup_scalar(ar, n) : gd__arena_strdup(ar, "");
}

static int load_decisions(struct tables *t, struct fy_node *map)
{
	int count = map && fy_node_is_mapping(map) ? fy_node_mapping_item_count(map) : 0;
	if (count <= 0)
		return GD_ECORRUPT;
	if (!(t->dec = gd__arena_alloc(t->ar, (size_t)count * sizeof *t->dec)))
		return GD_ENOMEM;
	void *it = NULL;
	struct fy_node_pair *p;
	while ((p = fy_node_mapping_iterate(map, &it))) {
		struct fy_node *v = fy_node_pair_value(p);
		if (!v || !fy_node_is_mapping(v))
			return GD_ECORRUPT;
		struct gd__adequacy *d = &t->dec[t->ndec];
		d->country = dup_scalar(t->ar, fy_node_pair_key(p));
		d->name = field(t->ar, v, "name");
		d->decision = field(t->ar, v, "decision");
		d->date = field(t->ar, v, "date");
		d->until = field(t->ar, v, "until");
		d->scope = field(t->ar, v, "scope");
		d->framework = field(t->ar, v, "framework");
		d->note = field(t->ar, v, "note");
		if (!d->country || !d->name || !d->decision || !d->date || !d->until || !d->scope ||
		    !d->framework || !d->note)
			return GD_ENOMEM;
		t->ndec++;
	}
	return 0;
}

static int load_struck(struct tables *t, struct fy_node *seq)
{
	int count = seq && fy_node_is_sequence(seq) ? fy_node_sequence_item_count(seq) : 0;
	if (count <= 0)
		return GD_ECORRUPT;
	if (!(t->struck = gd__arena_alloc(t->ar, (size_t)count * sizeof *t->struck)))
		return GD_ENOMEM;
	void *it = NULL;
	struct fy_node *v;
	while ((v = fy_node_sequence_iterate(seq, &it))) {
		if (!fy_node_is_mapping(v))
			return GD_ECORRUPT;
		struct gd__struck_down *s = &t->struck[t->nstruck];
		s->name = field(t->ar, v, "name");
		s->decision = field(t->ar, v, "decision");
		s->judgment = field(t->ar, v, "judgment");
		s->date = field(t->ar, v, "date");
		if (!s->name || !s->decision || !s->judgment || !s->date)
			return GD_ENOMEM;
		struct fy_node *m = fy_node_mapping_lookup_by_string(v, "match", FY_NT);
		int nm = m && fy_node_is_sequence(m) ? fy_node_sequence_item_count(m) : 0;
		if (nm <= 0)
			return GD_ECORRUPT;
		if (!(s->match = gd__arena_alloc(t->ar, (size_t)nm * sizeof *s->match)))
			return GD_ENOMEM;
		void *mit = NULL;
		struct fy_node *mv;
		while ((mv = fy_node_sequence_iterate(m, &mit)))
			if (!(s->match[s->nmatch++] = dup_scalar(t->ar, mv)))
				return GD_ENOMEM;
		t->nstruck++;
	}
	return 0;
}

static int load(struct tables **out)
{
	const struct gd__embedded *f = gd__embedded_find(ADEQUACY_FILE);
	struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET};
	struct fy_document *doc = NULL;
	struct tables *t = NULL;
	int rc;

	if (!f)
		return gd__err(GD_ECORRUPT, "the adequacy list %s is not built into this gardien", ADEQUACY_FILE);
	if (!(t = gd__calloc(1, sizeof *t)) || !(t->ar = gd__arena_new())) {
		rc = GD_ENOMEM;
		goto done;
	}
	if (gd__fault_point() || !(doc = fy_document_build_from_string(&cfg, f->data, f->size))) {
		rc = GD_ENOMEM;
		goto done;
	}
	struct fy_node *root = fy_document_root(doc);
	if ((rc = load_decisions(t, fy_node_mapping_lookup_by_string(root, "adequacy", FY_NT))) < 0)
		goto done;
	rc = load_struck(t, fy_node_mapping_lookup_by_string(root, "struck_down", FY_NT));
done:
	fy_document_destroy(doc);
	if (rc < 0) {
		if (t)
			gd__arena_free(t->ar);
		gd__free(t);
		return rc == GD_ENOMEM ? gd__err(rc, "out of memory loading the adequacy list")
		                       : gd__err(rc, "the built-in adequacy list %s is damaged", ADEQUACY_FILE);
	}
	*out = t;
	return 0;
}

int gd__adequacy_load(void)
{
	int rc = 0;
	pthread_mutex_lock(&lock);
	if (!loaded)
		rc = load(&loaded);
	pthread_mutex_unlock(&lock);
	return rc;
}

static const struct tables *get(void)
{
	pthread_mutex_lock(&lock);
	const struct tables *t = loaded;
	pthread_mutex_unlock(&lock);
	return t;
}

const struct gd__adequacy *gd__adequacy_find(const char *country)
{
	const struct tables *t = get();
	for (size_t i = 0; t && country && i < t->ndec; i++)
		if (strcmp(t->dec[i].country, country) == 0)
			return &t->dec[i];
	return NULL;
}

/* True when `needle` (lower case) occurs in `hay`, ignoring case. */
static bool contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	if (!n)
		return false;
	for (; *hay; hay++) {
		size_t i = 0;
		while (i < n && hay[i] && tolower((unsigned char)hay[i]) == needle[i])
			i++;
		if (i == n)
			return true;
	}
	return false;
}

const struct gd__struck_down *gd__adequacy_struck_in(const char *text)
{
	const struct tables *t = get();
	for (size_t i = 0; t && text && i < t->nstruck; i++)
		for (size_t k = 0; k < t->struck[i].nmatch; k++)
			if (contains_ci(text, t->struck[i].match[k]))
				return &t->struck[i];
	return NULL;
}
