/*
 * gardien/notice.h — from privacy notice to register and back (docs/notice.md).
 *
 *  - gd_notice_draft: a register drafted from a notice (French or English
 *    text or HTML) by rules and a lexicon, every item quoting its sentence;
 *  - gd_notice_compare: what a notice promises that a register lacks, and
 *    what the register declares that the notice does not tell;
 *  - gd_notice_write: the Art. 13/14 information notice written from a
 *    register, in any language with a catalogue (po/<language>.po), as
 *    Markdown or HTML, after a completeness check.
 * Everything runs offline and is deterministic: the same input gives the same bytes.
 */
#ifndef GARDIEN_NOTICE_H
#define GARDIEN_NOTICE_H

#include <stdint.h>
#include <stdio.h>

#include "gardien.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Drafts a register (YAML, current format) from a privacy notice. Every
 * drafted item carries a comment "L<line> <confidence>%: <sentence>"; what the
 * notice does not say is marked TODO, and sentences that look relevant but
 * could not be mapped are listed as comments at the end. Touches no vault.
 *
 * @param text      the notice, `len` bytes of UTF-8 text or HTML
 * @param language  "fr" or "en"; NULL: detected
 * @param name      names the notice in the draft's header
 * @param out       an open stream, left open
 * @return 0, or GD_EINVAL (not UTF-8, or a NUL byte), GD_ETOOBIG (over 1 MiB),
 *         GD_EIO (the stream fails). Thread-safe.
 */
int gd_notice_draft(const void *text, size_t len, const char *language, const char *name,
                    FILE *out);

/*
 * As gd_notice_draft, from the notice file at `path`.
 *
 * @return as gd_notice_draft, or GD_ENOTFOUND/GD_EIO (the file cannot be
 *         read). Thread-safe.
 */
int gd_notice_draft_file(const char *path, const char *language, FILE *out);

/* One difference between a notice and a register. Strings valid during the callback only. */
typedef struct gd_notice_gap {
	char side;        /* 'N': the notice says it, the register lacks it;
	                         'R': the register declares it, the notice does not tell */
	const char *kind; /* "activity", "basis", "period", "recipient", "transfer",
	                         "right", "contact" */
	const char *what; /* the item, in the notice's or the register's words */
	int line;         /* the notice's line for side 'N', 0 otherwise */
} gd_notice_gap;

/*
 * Compares the notice at `notice_path` with the register file at
 * `register_path` (validated first) and calls `cb` for each gap, notice side
 * first. Touches no vault.
 *
 * @param language  the notice's language ("fr", "en"; NULL: detected)
 * @param cb        gets each gap, valid during the call; non-zero stops
 * @param out_gaps  receives the number of gaps (may be NULL)
 * @return 0, what `cb` returned, the errors of gd_notice_draft_file, or those
 *         of gd_register_check for the register. Thread-safe.
 */
int gd_notice_compare(const char *notice_path, const char *register_path, const char *language,
                      int (*cb)(void *ud, const gd_notice_gap *g), void *ud, size_t *out_gaps);

/* Something Art. 13/14 requires that the register does not say. */
typedef struct gd_notice_missing {
	const char *article; /* "13(1)(a)", … */
	const char *where;   /* "controller", "activity billing", "rights" */
	const char *message; /* what the register must still say */
} gd_notice_missing;

#define GD_NOTICE_FORMATS "md, html"

/*
 * Writes the Art. 13/14 information notice of a version of the tenant's
 * register. Before writing, checks Art. 13/14 completeness and reports each
 * gap; the notice is written anyway, saying "to be completed" where the
 * register is silent. Reading the register is audited ("register.export").
 *
 * @param version      0: the latest
 * @param language     a language with a catalogue po/<language>.po ("fr", "en", …)
 * @param format       "md" or "html" (GD_NOTICE_FORMATS)
 * @param missing      gets each gap, valid during the call (may be NULL)
 * @param out_missing  receives the number of gaps (may be NULL)
 * @param out          an open stream, left open
 * @return 0, or GD_ENOTFOUND (no catalogue for the language, no such register
 *         version), GD_EINVAL (unknown format), GD_EIO (the stream fails).
 */
int gd_notice_write(gd_actor *a, int64_t version, const char *language, const char *format,
                    void (*missing)(void *ud, const gd_notice_missing *m), void *ud,
                    size_t *out_missing, FILE *out);

/*
 * As gd_notice_write, from the register file at `register_path` (validated
 * first), without a vault.
 *
 * @return as gd_notice_write, or the errors of gd_register_check.
 *         Thread-safe.
 */
int gd_notice_write_file(const char *register_path, const char *language, const char *format,
                         void (*missing)(void *ud, const gd_notice_missing *m), void *ud,
                         size_t *out_missing, FILE *out);

#ifdef __cplusplus
}
#endif

#endif
