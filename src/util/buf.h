/*
 * buf.h — the one output buffer of the library and its escapers (after curl's
 * dynbuf): every writer that builds text (exports, drafts, the register's
 * tables, the audit export, the metrics page) goes through it.
 *
 * Two ways to use it:
 *  - growable (gd__buf_init): memory from gd__malloc, grown as needed up to
 *    `max` bytes; past it the buffer fails with GD_ETOOBIG ("too big"), so
 *    nothing built from outside input grows without bound;
 *  - streaming (gd__buf_init_stream): fixed memory the caller owns (protected
 *    memory for decrypted data, say); when full it is handed to a sink and
 *    wiped, so memory does not grow with the output.
 *
 * Invariants:
 *  - errors are sticky: after the first failure (GD_ENOMEM, GD_ETOOBIG or the
 *    sink's code) every add does nothing and returns that code, so a writer can
 *    add a whole document and check once at the end;
 *  - a growable buffer's contents are NUL-terminated (p[n] == 0) once anything
 *    was added; a streaming buffer's are not;
 *  - memory the buffer lets go of (grown past, reset, released) is wiped first:
 *    writers pass personal data through it.
 *
 * Not thread-safe: a buffer belongs to one writer at a time.
 */
#ifndef GD_UTIL_BUF_H
#define GD_UTIL_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "core.h"

/* Where a streaming buffer writes when full: 0 or a negative GD_E… code. */
typedef int (*gd__buf_sink)(void *ud, const void *p, size_t n);

struct gd__buf {
	char *p; /* contents: p[0..n) */
	size_t n, cap;
	size_t max;        /* growable: most bytes it may hold */
	int rc;            /* first error, 0 while none */
	gd__buf_sink sink; /* streaming: where full contents go; NULL: growable */
	void *ud;
};

/* A growable buffer of at most `max` bytes (plus its terminating NUL). */
void gd__buf_init(struct gd__buf *b, size_t max);

/*
 * A streaming buffer over `mem` (`cap` bytes, owned by the caller, who frees
 * it after gd__buf_flush): contents go to `sink(ud, …)` whenever it is full.
 */
void gd__buf_init_stream(struct gd__buf *b, void *mem, size_t cap, gd__buf_sink sink, void *ud);

/* Appends n bytes; returns b->rc (0 or the sticky error). */
int gd__buf_add(struct gd__buf *b, const void *p, size_t n);
/* Appends a C string. */
int gd__buf_puts(struct gd__buf *b, const char *s);
/* Appends formatted text (the whole of it, however long, within the cap). */
int gd__buf_printf(struct gd__buf *b, const char *fmt, ...) GD__PRINTF(2, 3);
int gd__buf_vprintf(struct gd__buf *b, const char *fmt, va_list ap);

/* Streaming: writes out what is held (then wipes it). Growable: does nothing. Returns b->rc. */
int gd__buf_flush(struct gd__buf *b);

/* Empties the buffer (wiping what it held), keeping its memory and clearing its error. */
void gd__buf_reset(struct gd__buf *b);

/*
 * Growable: hands the contents over (NUL-terminated, the caller gd__free()s
 * them) with their length in *len (may be NULL), leaving the buffer empty. A
 * buffer nothing was added to yields "". NULL after a sticky error, whose
 * code is b->rc (the buffer is then released). Streaming: NULL.
 */
char *gd__buf_take(struct gd__buf *b, size_t *len);

/* Frees a growable buffer's memory (wiped first). Streaming: wipes it only. */
void gd__buf_release(struct gd__buf *b);

/* ---- escapers: each writes `s` (n bytes; NULL writes nothing) escaped ---- */

/* HTML text or attribute value: & < > " ' become entities. */
int gd__buf_html(struct gd__buf *b, const char *s, size_t n);

/*
 * The body of a JSON string (no quotes around it): " and \ escaped, newline as
 * \n, other control characters and DEL as \u00XX. Bytes >= 0x80 pass as they
 * are (the caller checks UTF-8).
 */
int gd__buf_json(struct gd__buf *b, const char *s, size_t n);

/* How gd__buf_csv writes a field (flags, or-ed). */
enum gd__csv_flags {
	GD__CSV_MINIMAL = 0,    /* quoted only when needed: , " CR LF (or a neutralised formula) */
	GD__CSV_ALWAYS = 1,     /* every field between quotes */
	GD__CSV_NEUTRALISE = 2, /* a leading = + - @ gets an apostrophe (see below) */
};

/*
 * One CSV field (RFC 4180): " doubled, quoted as the flags say. With
 * GD__CSV_NEUTRALISE, a field a spreadsheet would take for a formula (first
 * byte = + - @) gets a leading apostrophe inside its quotes, so it reads as
 * text (OWASP "CSV injection"): for CSV meant to be opened and read (the
 * audit trail, the register). Exports whose values must come back exactly
 * (a subject's data, Art. 20 portability: "+33…" is a phone number) leave it
 * off. The separator after the field is the caller's.
 */
int gd__buf_csv(struct gd__buf *b, const char *s, size_t n, unsigned flags);

/*
 * A piece of a quoted CSV field the caller opens and closes (" doubled), for
 * cells composed of several texts. Only for text a spreadsheet may not take
 * for a formula (the register's own words); a value from outside is written
 * whole with gd__buf_csv.
 */
int gd__buf_csv_text(struct gd__buf *b, const char *s, size_t n);

#endif
