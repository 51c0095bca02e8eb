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
 * Drafts a register (YAML, current format) from the notice `text` (`len`
 * bytes, UTF-8 text or HTML) in `language` ("fr", "en"; NULL: detected) and
 * writes it to `out`. `name` names the notice in the draft's header. Every
 * drafted item carries a comment "L<line> <confidence>%: <sentence>"; what
 * the notice does not say is marked TODO, and sentences that look relevant
 * but could not be mapped are listed as comments at the end.
 * GD_EINVAL for text that is not UTF-8 (or has a NUL byte), GD_ETOOBIG over 1 MiB.
 */
int gd_notice_draft(const void *text, size_t len, const char *language, const char *name,
                    FILE *out);
/* The same from a file; GD_ENOTFOUND / GD_EIO when it cannot be read. */
int gd_notice_draft_file(const char *path, const char *language, FILE *out);

/* One difference between a notice and a register. Strings valid during the callback only. */
typedef struct gd_notice_gap {
	char side;            /* 'N': the notice says it, the register lacks it;
	                         'R': the register declares it, the notice does not tell */
	const char *kind;     /* "activity", "basis", "period", "recipient", "transfer",
	                         "right", "contact" */
	const char *what;     /* the item, in the notice's or the register's words */
	int line;             /* the notice's line for side 'N', 0 otherwise */
} gd_notice_gap;

/*
 * Compares the notice at `notice_path` with the register file at
 * `register_path` (validated first) and calls `cb` for each gap, notice side
 * first. *out_gaps (may be NULL) receives the count.
 */
int gd_notice_compare(const char *notice_path, const char *register_path, const char *language,
                      int (*cb)(void *ud, const gd_notice_gap *g), void *ud, size_t *out_gaps);

/* Something Art. 13/14 requires that the register does not say. */
typedef struct gd_notice_missing {
	const char *article;  /* "13(1)(a)", … */
	const char *where;    /* "controller", "activity billing", "rights" */
	const char *message;  /* what the register must still say */
} gd_notice_missing;

#define GD_NOTICE_FORMATS "md, html"

/*
 * Writes the information notice for version `version` (0: latest) of the
 * actor's tenant register in `language` (a catalogue po/<language>.po:
 * "fr", "en", …) and `format` ("md" or "html") to `out`. Before writing,
 * checks Art. 13/14 completeness and calls `missing` (may be NULL) for each
 * gap; the notice is written anyway, saying "to be completed" where the
 * register is silent. *out_missing (may be NULL) receives the count.
 * GD_ENOTFOUND for an unknown language or register version, GD_EINVAL for an
 * unknown format. Reading the register is audited ("register.export").
 */
int gd_notice_write(gd_actor *a, int64_t version, const char *language, const char *format,
                    void (*missing)(void *ud, const gd_notice_missing *m), void *ud,
                    size_t *out_missing, FILE *out);
/* The same from a register file (validated first), without a vault. */
int gd_notice_write_file(const char *register_path, const char *language, const char *format,
                         void (*missing)(void *ud, const gd_notice_missing *m), void *ud,
                         size_t *out_missing, FILE *out);

#ifdef __cplusplus
}
#endif

#endif
