/*
 * taxonomy.h — the published terms a register may use, loaded once from the
 * embedded data/taxonomy.yml (fideslang data categories, data uses and data
 * subjects; W3C DPV / DPV-GDPR legal bases, Art. 9 conditions, rights and
 * transfer safeguards). Read-only after loading; safe to share between threads.
 */
#ifndef GD_TAXONOMY_H
#define GD_TAXONOMY_H

#include <stdbool.h>
#include <stddef.h>

enum gd__taxo_kind {
	GD__TAXO_CATEGORY = 0, /* fideslang data_categories: dotted keys */
	GD__TAXO_USE,          /* fideslang data_uses: dotted keys */
	GD__TAXO_SUBJECT,      /* fideslang data_subjects */
	GD__TAXO_BASIS,        /* Art. 6(1) legal bases */
	GD__TAXO_ART9,         /* Art. 9(2) conditions */
	GD__TAXO_RIGHT,        /* data-subject rights */
	GD__TAXO_SAFEGUARD,    /* Chapter V transfer tools */
	GD__TAXO_NKINDS
};

struct gd__term {
	const char *key;
	const char *label;
	const char *article; /* GDPR article, "" when none */
	const char *dpv;     /* DPV IRI, "" when none */
	const char *gdpr;    /* DPV-GDPR IRI, "" when none */
};

/* Loads the taxonomy if needed. GD_ECORRUPT if the embedded file is damaged. */
int gd__taxonomy_load(void);
/* Every term of a kind, in file order; *n receives the count (0 before loading). */
const struct gd__term *gd__taxonomy_terms(enum gd__taxo_kind kind, size_t *n);
/* The term `key` of `kind`, or NULL. */
const struct gd__term *gd__taxonomy_find(enum gd__taxo_kind kind, const char *key);
/* Its name in messages and files: "data category", "legal basis", … */
const char *gd__taxonomy_kind_name(enum gd__taxo_kind kind);
/* True when `category` is a special category (Art. 9/10) or beneath one. */
bool gd__taxonomy_special(const char *category);
/* True when `country` (ISO 3166-1 alpha-2) is in the EU/EEA. */
bool gd__taxonomy_eea(const char *country);

/* Edit distance between two short strings (capped at 255). */
int gd__edit_distance(const char *a, const char *b);

#endif
