/*
 * po.h — gettext PO catalogues read by gardien itself (po.c): the texts the
 * library writes for people (the Art. 13/14 notice, breach drafts) in any
 * language that has a po/<language>.po, compiled in with the data files.
 */
#ifndef GD_PO_H
#define GD_PO_H

#include <stddef.h>

#define GD__PO_MAX_BYTES (1u << 20)
#define GD__PO_MAX_ENTRIES 20000
#define GD__PO_MAX_STRING (64u << 10)

struct gd__po;
/*
 * Parses a PO catalogue (msgctxt, msgid, msgid_plural, msgstr, msgstr[N],
 * continued strings, C escapes, comments; "#, fuzzy" entries are skipped as
 * gettext does). GD_EINVAL with the line on a malformed file.
 */
int gd__po_parse(struct gd__po **out, const char *name, const char *text, size_t len);
void gd__po_free(struct gd__po *po);
/* The catalogue compiled in for `language` ("po/<language>.po"), cached; GD_ENOTFOUND. */
int gd__po_get(const struct gd__po **out, const char *language);
/* The translation of `msgid` (itself when untranslated). */
const char *gd__po_gettext(const struct gd__po *po, const char *msgid);
/* The translation of msgid/plural for `n`, with the catalogue's plural rule. */
const char *gd__po_ngettext(const struct gd__po *po, const char *msgid, const char *plural,
                            unsigned long n);
/* Number of entries (for tests). */
size_t gd__po_count(const struct gd__po *po);

/* The translation of `msgid` in context `ctxt` (msgctxt), itself when untranslated. */
const char *gd__po_pgettext(const struct gd__po *po, const char *ctxt, const char *msgid);

#endif
