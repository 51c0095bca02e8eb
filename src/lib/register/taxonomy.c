/*
 * taxonomy.c — loads the embedded data/taxonomy.yml into static tables, once
 * per process (under a mutex, retried after a failure such as an injected
 * allocation fault). The tables are never freed: they are reachable from a
 * static pointer for the life of the process.
 */
#include <libfyaml.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/vault/arena.h"
#include "lib/internal.h"
#include "lib/register/taxonomy.h"

#define TAXONOMY_FILE "data/taxonomy.yml"

struct table {
	struct gd__term *v;
	size_t n;
};

struct taxonomy {
	struct gd__arena *ar;
	struct table kinds[GD__TAXO_NKINDS];
	struct table special; /* keys only */
	struct table eea;     /* keys only */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct taxonomy *loaded;

static const char *const kind_keys[GD__TAXO_NKINDS] = {
	"data_categories", "data_uses", "data_subjects", "legal_bases",
	"art9_conditions", "rights", "safeguards",
};
static const char *const kind_names[GD__TAXO_NKINDS] = {
	"data category", "data use", "data subject category", "legal basis",
	"Art. 9 condition", "right", "transfer safeguard",
};

const char *gd__taxonomy_kind_name(enum gd__taxo_kind kind)
{
	return kind_names[kind];
}

static const char *dup_scalar(struct gd__arena *ar, struct fy_node *n)
{
	size_t len;
	const char *s = n && fy_node_is_scalar(n) ? fy_node_get_scalar(n, &len) : NULL;
	return s ? gd__arena_strndup(ar, s, len) : NULL;
}

static const char *field(struct gd__arena *ar, struct fy_node *map, const char *key)
{
	struct fy_node *n = fy_node_mapping_lookup_by_string(map, key, FY_NT);
	const char *s = n ? dup_scalar(ar, n) : gd__arena_strdup(ar, "");
	return s;
}

/* A mapping of key → label, or key → {label, article, dpv, gdpr}. */
static int load_table(struct gd__arena *ar, struct fy_node *map, struct table *t)
{
	if (!map || !fy_node_is_mapping(map))
		return GD_ECORRUPT;
	int count = fy_node_mapping_item_count(map);
	if (count <= 0 || !(t->v = gd__arena_alloc(ar, (size_t)count * sizeof *t->v)))
		return count <= 0 ? GD_ECORRUPT : GD_ENOMEM;
	void *it = NULL;
	struct fy_node_pair *p;
	while ((p = fy_node_mapping_iterate(map, &it))) {
		struct gd__term *term = &t->v[t->n];
		struct fy_node *val = fy_node_pair_value(p);
		term->key = dup_scalar(ar, fy_node_pair_key(p));
		if (val && fy_node_is_mapping(val)) {
			term->label = field(ar, val, "label");
			term->article = field(ar, val, "article");
			term->dpv = field(ar, val, "dpv");
			term->gdpr = field(ar, val, "gdpr");
		} else {
			term->label = dup_scalar(ar, val);
			term->article = term->dpv = term->gdpr = "";
		}
		if (!term->key || !term->label || !term->article || !term->dpv || !term->gdpr)
			return GD_ENOMEM;
		t->n++;
	}
	return 0;
}

static int load_list(struct gd__arena *ar, struct fy_node *seq, struct table *t)
{
	if (!seq || !fy_node_is_sequence(seq))
		return GD_ECORRUPT;
	int count = fy_node_sequence_item_count(seq);
	if (count <= 0 || !(t->v = gd__arena_alloc(ar, (size_t)count * sizeof *t->v)))
		return count <= 0 ? GD_ECORRUPT : GD_ENOMEM;
	void *it = NULL;
	struct fy_node *n;
	while ((n = fy_node_sequence_iterate(seq, &it))) {
		if (!(t->v[t->n].key = dup_scalar(ar, n)))
			return GD_ENOMEM;
		t->v[t->n].label = t->v[t->n].article = t->v[t->n].dpv = t->v[t->n].gdpr = "";
		t->n++;
	}
	return 0;
}

static int load(struct taxonomy **out)
{
	const struct gd__embedded *f = gd__embedded_find(TAXONOMY_FILE);
	struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET};
	struct fy_document *doc = NULL;
	struct taxonomy *t = NULL;
	int rc = GD_ECORRUPT;

	if (!f)
		return gd__err(GD_ECORRUPT, "the taxonomy %s is not built into this gardien", TAXONOMY_FILE);
	if (!(t = gd__calloc(1, sizeof *t)) || !(t->ar = gd__arena_new())) {
		rc = GD_ENOMEM;
		goto done;
	}
	if (gd__fault_point() || !(doc = fy_document_build_from_string(&cfg, f->data, f->size))) {
		rc = GD_ENOMEM;
		goto done;
	}
	struct fy_node *root = fy_document_root(doc);
	for (int k = 0; k < GD__TAXO_NKINDS; k++)
		if ((rc = load_table(t->ar, fy_node_mapping_lookup_by_string(root, kind_keys[k], FY_NT),
		                     &t->kinds[k])) < 0)
			goto done;
	if ((rc = load_list(t->ar, fy_node_mapping_lookup_by_string(root, "special_categories", FY_NT),
	                    &t->special)) < 0 ||
	    (rc = load_list(t->ar, fy_node_mapping_lookup_by_string(root, "eea_countries", FY_NT),
	                    &t->eea)) < 0)
		goto done;
	rc = 0;
done:
	fy_document_destroy(doc);
	if (rc < 0) {
		if (t)
			gd__arena_free(t->ar);
		gd__free(t);
		return rc == GD_ENOMEM ? gd__err(rc, "out of memory loading the taxonomy")
		                       : gd__err(rc, "the built-in taxonomy %s is damaged", TAXONOMY_FILE);
	}
	*out = t;
	return 0;
}

int gd__taxonomy_load(void)
{
	int rc = 0;
	pthread_mutex_lock(&lock);
	if (!loaded)
		rc = load(&loaded);
	pthread_mutex_unlock(&lock);
	return rc;
}

static const struct taxonomy *get(void)
{
	pthread_mutex_lock(&lock);
	const struct taxonomy *t = loaded;
	pthread_mutex_unlock(&lock);
	return t;
}

const struct gd__term *gd__taxonomy_terms(enum gd__taxo_kind kind, size_t *n)
{
	const struct taxonomy *t = get();
	*n = t ? t->kinds[kind].n : 0;
	return t ? t->kinds[kind].v : NULL;
}

const struct gd__term *gd__taxonomy_find(enum gd__taxo_kind kind, const char *key)
{
	size_t n;
	const struct gd__term *v = gd__taxonomy_terms(kind, &n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].key, key) == 0)
			return &v[i];
	return NULL;
}

bool gd__taxonomy_special(const char *category)
{
	const struct taxonomy *t = get();
	if (!t)
		return false;
	for (size_t i = 0; i < t->special.n; i++) {
		const char *k = t->special.v[i].key;
		size_t n = strlen(k);
		if (strncmp(category, k, n) == 0 && (category[n] == 0 || category[n] == '.'))
			return true;
	}
	return false;
}

bool gd__taxonomy_eea(const char *country)
{
	const struct taxonomy *t = get();
	for (size_t i = 0; t && i < t->eea.n; i++)
		if (strcmp(t->eea.v[i].key, country) == 0)
			return true;
	return false;
}

int gd__edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 128 || lb > 128)
		return 255;
	unsigned char row[129];
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned char)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];
		row[0] = (unsigned char)(i > 255 ? 255 : i);
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j], best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1u < best)
				best = row[j - 1] + 1u;
			diag = up;
			row[j] = (unsigned char)(best > 255 ? 255 : best);
		}
	}
	return row[lb];
}
