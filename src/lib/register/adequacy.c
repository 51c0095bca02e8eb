/*
 * adequacy.c — the Commission's adequacy decisions and the transfer
 * frameworks struck down by the Court: the embedded data/adequacy.yml, a
 * built-in data table (lib/vault/data.h: loaded once per process, never
 * freed), and lookups in it.
 */
#include <ctype.h>
#include <string.h>

#include "lib/register/adequacy.h"
#include "lib/vault/data.h"
#include "lib/internal.h"

struct tables {
	struct gd__arena *ar; /* while parsing */
	struct gd__adequacy *dec;
	size_t ndec;
	struct gd__struck_down *struck;
	size_t nstruck;
};

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
		d->country = gd__data_scalar(t->ar, fy_node_pair_key(p));
		d->name = gd__data_field(t->ar, v, "name");
		d->decision = gd__data_field(t->ar, v, "decision");
		d->date = gd__data_field(t->ar, v, "date");
		d->until = gd__data_field(t->ar, v, "until");
		d->scope = gd__data_field(t->ar, v, "scope");
		d->framework = gd__data_field(t->ar, v, "framework");
		d->note = gd__data_field(t->ar, v, "note");
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
		s->name = gd__data_field(t->ar, v, "name");
		s->decision = gd__data_field(t->ar, v, "decision");
		s->judgment = gd__data_field(t->ar, v, "judgment");
		s->date = gd__data_field(t->ar, v, "date");
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
			if (!(s->match[s->nmatch++] = gd__data_scalar(t->ar, mv)))
				return GD_ENOMEM;
		t->nstruck++;
	}
	return 0;
}

static int parse(struct gd__arena *ar, struct fy_node *root, void **out)
{
	struct tables *t = gd__arena_alloc(ar, sizeof *t);
	int rc;
	if (!t)
		return GD_ENOMEM;
	t->ar = ar;
	if ((rc = load_decisions(t, fy_node_mapping_lookup_by_string(root, "adequacy", FY_NT))) < 0 ||
	    (rc = load_struck(t, fy_node_mapping_lookup_by_string(root, "struck_down", FY_NT))) < 0)
		return rc;
	*out = t;
	return 0;
}

static struct gd__data data = GD__DATA_INIT("data/adequacy.yml", "adequacy list", parse);

int gd__adequacy_load(void)
{
	return gd__data_load(&data, NULL);
}

static const struct tables *get(void)
{
	return gd__data_peek(&data);
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
