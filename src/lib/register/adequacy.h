/*
 * adequacy.h — the law transfers are checked against, loaded once from the
 * embedded data/adequacy.yml: the Commission's adequacy decisions in force
 * (GDPR Art. 45) and the mechanisms the Court of Justice struck down.
 * Read-only after loading; safe to share between threads.
 */
#ifndef GD_ADEQUACY_H
#define GD_ADEQUACY_H

struct gd__adequacy {
	const char *country;   /* ISO 3166-1 alpha-2 */
	const char *name;      /* "Japan" */
	const char *decision;  /* the decision's reference */
	const char *date;      /* adopted, YYYY-MM-DD */
	const char *until;     /* sunset, YYYY-MM-DD; "" when none */
	const char *scope;     /* "full", "commercial", "certified" */
	const char *framework; /* for "certified": what the organisation certifies under */
	const char *note;      /* "" when none */
};

struct gd__struck_down {
	const char *name; /* "Privacy Shield" */
	const char *decision;
	const char *judgment; /* "C-311/18 (Schrems II)" */
	const char *date;     /* of the judgment */
	const char **match;   /* lower-case phrases that name it in free text */
	size_t nmatch;
};

/* Loads the file if needed. GD_ECORRUPT if the embedded file is damaged. */
int gd__adequacy_load(void);
/* The decision in force for `country`, or NULL (none, or not loaded). */
const struct gd__adequacy *gd__adequacy_find(const char *country);
/* The struck-down mechanism `text` names (case-insensitive), or NULL. */
const struct gd__struck_down *gd__adequacy_struck_in(const char *text);

#endif
