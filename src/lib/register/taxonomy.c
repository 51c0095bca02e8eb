/*
 * taxonomy.c — the vocabulary of registers: the embedded data/taxonomy.yml,
 * a built-in data table (lib/vault/data.h: loaded once per process, never
 * freed), and lookups in it.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/vault/data.h"
#include "lib/internal.h"
#include "lib/register/taxonomy.h"

struct table {
	struct gd__term *v;
	size_t n;
};

struct taxonomy {
	struct table kinds[GD__TAXO_NKINDS];
	struct table special; /* keys only */
	struct table eea;     /* keys only */
};

static const char *const kind_keys[GD__TAXO_NKINDS] = {
	"data_categories",
	"data_uses",
	"data_subjects",
	"legal_bases",
	"art9_conditions",
	"rights",
	"safeguards",
};
static const char *const kind_names[GD__TAXO_NKINDS] = {
	"data category",
	"data use",
	"data subject category",
	"legal basis",
	"Art. 9 condition",
	"right",
	"transfer safeguard",
};

const char *gd__taxonomy_kind_name(enum gd__taxo_kind kind)
{
	return kind_names[kind];
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
		term->key = gd__data_scalar(ar, fy_node_pair_key(p));
		if (val && fy_node_is_mapping(val)) {
			term->label = gd__data_field(ar, val, "label");
			term->article = gd__data_field(ar, val, "article");
			term->dpv = gd__data_field(ar, val, "dpv");
			term->gdpr = gd__data_field(ar, val, "gdpr");
		} else {
			term->label = gd__data_scalar(ar, val);
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
		if (!(t->v[t->n].key = gd__data_scalar(ar, n)))
			return GD_ENOMEM;
		t->v[t->n].label = t->v[t->n].article = t->v[t->n].dpv = t->v[t->n].gdpr = "";
		t->n++;
	}
	return 0;
}

static int parse(struct gd__arena *ar, struct fy_node *root, void **out)
{
	struct taxonomy *t = gd__arena_alloc(ar, sizeof *t);
	int rc;
	if (!t)
		return GD_ENOMEM;
	for (int k = 0; k < GD__TAXO_NKINDS; k++)
		if ((rc = load_table(ar, fy_node_mapping_lookup_by_string(root, kind_keys[k], FY_NT), &t->kinds[k])) < 0)
			return rc;
	if ((rc = load_list(ar, fy_node_mapping_lookup_by_string(root, "special_categories", FY_NT), &t->special)) < 0 ||
	    (rc = load_list(ar, fy_node_mapping_lookup_by_string(root, "eea_countries", FY_NT), &t->eea)) < 0)
		return rc;
	*out = t;
	return 0;
}

static struct gd__data data = GD__DATA_INIT("data/taxonomy.yml", "taxonomy", parse);

int gd__taxonomy_load(void)
{
	return gd__data_load(&data, NULL);
}

static const struct taxonomy *get(void)
{
	return gd__data_peek(&data);
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
