/*
 * notice_text.c — a privacy notice as sentences: HTML stripped to text,
 * paragraphs joined across the hard line breaks of PDF extractions, split
 * into sentences, list items, headings and table cells, each with the line
 * it starts on, and folded to lower-case ASCII for the lexicon.
 *
 * Invariants: every input is bounded (GD__NOTICE_MAX_BYTES in,
 * GD__NOTICE_MAX_SENTENCE bytes per sentence, GD__NOTICE_MAX_SENTENCES), valid
 * UTF-8 without NUL is required, and every pass is linear in the input, so
 * any bytes (a single 4 MiB line, no sentence end) finish quickly.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lib/vault/arena.h"
#include "lib/internal.h"
#include "lib/notice/notice.h"
#include "util/utf8.h"

/* ---- folding ---- */

/* The ASCII letters of Latin-1 U+00C0..U+00FF, lower-cased; '\0' for ×/÷. */
static const char latin1[64] = "aaaaaaaceeeeiiiidnooooo\0ouuuuyts"
			       "aaaaaaaceeeeiiiidnooooo\0ouuuuyty";

char *gd__notice_fold(struct gd__arena *ar, const char *s, size_t len)
{
	char *o = gd__arena_alloc(ar, 2 * len + 1); /* œ → "oe" at most doubles */
	if (!o)
		return NULL;
	gd__notice_fold_buf(s, len, o);
	return o;
}

void gd__notice_fold_buf(const char *s, size_t len, char *o)
{
	size_t j = 0;
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		unsigned c = p[i];
		if (c < 0x80) {
			if (c != '*') /* Markdown emphasis: "**sous-traitant**" */
				o[j++] = (char)tolower((int)c);
			i++;
			continue;
		}
		size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3
		                   : c >= 0xC0       ? 2
		                                     : 1;
		if (i + n > len)
			n = len - i;
		char r = ' ';
		if (n == 2 && c == 0xC3 && p[i + 1] >= 0x80 && p[i + 1] < 0xC0) {
			r = latin1[p[i + 1] - 0x80];
			if (!r)
				r = ' ';
		} else if (n == 2 && c == 0xC5 && (p[i + 1] == 0x92 || p[i + 1] == 0x93)) {
			o[j++] = 'o';
			r = 'e';
		} else if (n == 2 && c == 0xC2 && (p[i + 1] == 0xAB || p[i + 1] == 0xBB)) {
			r = '"';
		} else if (n == 2 && c == 0xC2 && p[i + 1] == 0xB0) {
			r = 'o'; /* n° */
		} else if (n == 3 && c == 0xE2 && p[i + 1] == 0x80) {
			unsigned d = p[i + 2];
			if (d == 0x98 || d == 0x99)
				r = '\'';
			else if (d == 0x9C || d == 0x9D)
				r = '"';
			else if (d >= 0x90 && d <= 0x95)
				r = '-';
		}
		o[j++] = r;
		i += n;
	}
	o[j] = 0;
}

size_t gd__notice_unfold(const char *text, size_t at)
{
	/* fold gives one byte per character, two for œ, none for '*' */
	size_t i = 0, k = 0;
	const unsigned char *p = (const unsigned char *)text;
	while (p[i] && k < at) {
		unsigned c = p[i];
		size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4
		                  : c >= 0xE0       ? 3
		                  : c >= 0xC0       ? 2
		                                    : 1;
		if (c == '*')
			k += 0;
		else if (c == 0xC5 && (p[i + 1] == 0x92 || p[i + 1] == 0x93))
			k += 2;
		else
			k += 1;
		for (size_t m = 0; m < n && p[i]; m++)
			i++;
	}
	return i;
}

/* ---- HTML to text ---- */

static bool looks_html(const char *t, size_t len)
{
	size_t i = 0;
	while (i < len && isspace((unsigned char)t[i]))
		i++;
	if (i < len && t[i] == '<')
		return true;
	/* a text notice may hold a stray tag (a centred title); many tags make it HTML */
	size_t tags = 0;
	for (size_t k = 0; k + 3 < len && k < 65536; k++)
		if (t[k] == '<' && (t[k + 1] == 'p' || t[k + 1] == '/' || t[k + 1] == 'd' || t[k + 1] == 'l'))
			tags++;
	return tags > 8;
}

static bool tag_is(const char *name, size_t n, const char *what)
{
	size_t w = strlen(what);
	return n == w && strncasecmp(name, what, w) == 0;
}

/* Block elements: each starts a new paragraph. */
static bool block_tag(const char *name, size_t n)
{
	static const char *const blocks[] = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4",
	                                     "h5", "h6", "tr", "table", "section", "article", "header",
	                                     "footer", "dt", "dd", "blockquote", "hr", "title", "main"};
	for (size_t i = 0; i < sizeof blocks / sizeof *blocks; i++)
		if (tag_is(name, n, blocks[i]))
			return true;
	return false;
}

/* Appends the UTF-8 encoding of code point `cp` (invalid ones as '?'). */
static size_t put_cp(char *o, unsigned long cp)
{
	if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = '?';
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Decodes the entity at t[i] ('&'); returns the bytes consumed (0: not an entity). */
static size_t entity(const char *t, size_t len, size_t i, char *o, size_t *j)
{
	static const struct {
		const char *name;
		unsigned long cp;
	} named[] = {
		{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}, {"nbsp", 0xA0}, {"laquo", 0xAB}, {"raquo", 0xBB}, {"eacute", 0xE9}, {"egrave", 0xE8}, {"ecirc", 0xEA}, {"agrave", 0xE0}, {"acirc", 0xE2}, {"ccedil", 0xE7}, {"ocirc", 0xF4}, {"ucirc", 0xFB}, {"ugrave", 0xF9}, {"icirc", 0xEE}, {"iuml", 0xEF}, {"euml", 0xEB}, {"Eacute", 0xC9}, {"rsquo", 0x2019}, {"lsquo", 0x2018}, {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"ndash", 0x2013}, {"mdash", 0x2014}, {"hellip", 0x2026}, {"euro", 0x20AC}, {"oelig", 0x153}, {"deg", 0xB0}, {"copy", 0xA9}};
	size_t k = i + 1, end = i + 12 < len ? i + 12 : len;
	while (k < end && t[k] != ';' && (isalnum((unsigned char)t[k]) || t[k] == '#'))
		k++;
	if (k >= end || t[k] != ';' || k == i + 1)
		return 0;
	const char *e = t + i + 1;
	size_t n = k - i - 1;
	unsigned long cp = 0;
	if (e[0] == '#') {
		char buf[16];
		if (n - 1 >= sizeof buf || n < 2)
			return 0;
		memcpy(buf, e + 1, n - 1);
		buf[n - 1] = 0;
		char *stop;
		cp = (buf[0] == 'x' || buf[0] == 'X') ? strtoul(buf + 1, &stop, 16) : strtoul(buf, &stop, 10);
		if (*stop)
			return 0;
	} else {
		size_t m;
		for (m = 0; m < sizeof named / sizeof *named; m++)
			if (strlen(named[m].name) == n && strncmp(named[m].name, e, n) == 0)
				break;
		if (m == sizeof named / sizeof *named)
			return 0;
		cp = named[m].cp;
	}
	*j += put_cp(o + *j, cp);
	return k + 1 - i;
}

/*
 * Strips HTML: tags dropped (block tags become a blank line so paragraphs
 * stay apart), script/style/head content dropped, comments dropped, entities
 * decoded. Every newline of the source is kept so that lines still match the
 * source's: the newlines inside a tag are emitted after it. The result is at
 * most 2 bytes per input byte (a tag of n bytes gives at most n + 2, an
 * entity of n ≥ 4 bytes at most 4).
 */
static char *strip_html(struct gd__arena *ar, const char *t, size_t len, size_t *olen)
{
	char *o = gd__arena_alloc(ar, 3 * len + 8); /* "<h6>" (4 bytes) gives 8 */
	if (!o)
		return NULL;
	size_t j = 0;
	int skip = 0; /* inside script/style */
	for (size_t i = 0; i < len;) {
		if (t[i] == '<') {
			size_t k = i + 1;
			size_t nl = 0;
			if (k + 2 < len && t[k] == '!' && t[k + 1] == '-' && t[k + 2] == '-') {
				const char *e = NULL;
				for (size_t m = k + 3; m + 2 < len; m++)
					if (t[m] == '-' && t[m + 1] == '-' && t[m + 2] == '>') {
						e = t + m;
						break;
					}
				size_t stop = e ? (size_t)(e - t) + 3 : len;
				for (size_t m = i; m < stop; m++)
					if (t[m] == '\n')
						nl++;
				i = stop;
				while (nl--)
					o[j++] = '\n';
				continue;
			}
			bool closing = k < len && t[k] == '/';
			if (closing)
				k++;
			size_t ns = k;
			while (k < len && (isalnum((unsigned char)t[k])))
				k++;
			size_t nn = k - ns;
			if (nn == 0 && !closing) { /* a lone '<' is text */
				o[j++] = t[i++];
				continue;
			}
			while (k < len && t[k] != '>') {
				if (t[k] == '\n')
					nl++;
				k++;
			}
			const char *name = t + ns;
			if (tag_is(name, nn, "script") || tag_is(name, nn, "style") || tag_is(name, nn, "head"))
				skip = closing ? 0 : 1;
			if (block_tag(name, nn) && !skip) {
				o[j++] = '\f'; /* a paragraph break that takes no line */
				/* titles and list items keep their shape: "### Title", "- item" */
				if (!closing && nn == 2 && (name[0] == 'h' || name[0] == 'H') && name[1] >= '1' &&
				    name[1] <= '6') {
					for (char l = '1'; l <= name[1]; l++)
						o[j++] = '#';
					o[j++] = ' ';
				} else if (!closing && tag_is(name, nn, "li")) {
					o[j++] = '-';
					o[j++] = ' ';
				}
			} else if (tag_is(name, nn, "td") || tag_is(name, nn, "th")) {
				o[j++] = '\t';
			}
			while (nl--)
				o[j++] = '\n';
			i = k < len ? k + 1 : len;
			continue;
		}
		if (skip) {
			if (t[i] == '\n')
				o[j++] = '\n';
			i++;
			continue;
		}
		if (t[i] == '&') {
			size_t used = entity(t, len, i, o, &j);
			if (used) {
				i += used;
				continue;
			}
		}
		o[j++] = t[i++];
	}
	o[j] = 0;
	*olen = j;
	return o;
}

/* ---- splitting ---- */

struct splitter {
	struct gd__arena *ar;
	struct gd__sentence *v;
	size_t n, cap;
	int err;
	int row;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Abbreviations a period does not end a sentence after (folded). */
static bool abbrev(const char *w, size_t n)
{
	static const char *const list[] = {"ex", "etc", "cf", "art", "no", "n", "m", "mr", "mrs", "ms",
	                                   "dr", "st", "e.g", "i.e", "eg", "ie", "al", "vs", "p", "min",
	                                   "max", "env", "ca", "approx", "inc", "ltd", "co", "av", "bd",
	                                   "tel", "r.c.s", "s.a", "sa", "nr", "fig", "chap", "cie"};
	for (size_t i = 0; i < sizeof list / sizeof *list; i++)
		if (strlen(list[i]) == n && strncasecmp(list[i], w, n) == 0)
			return true;
	return n == 1 && isalpha((unsigned char)w[0]); /* initials: "J. Martin" */
}

/* Collapses whitespace of s[0..n) and trims; returns the arena copy (NULL when empty or OOM). */
static char *collapse(struct gd__arena *ar, const char *s, size_t n, size_t *out_len)
{
	char *o = gd__arena_alloc(ar, n + 1);
	if (!o)
		return NULL;
	size_t j = 0;
	bool sp = false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (is_space(c) || c == '\n') {
			sp = j > 0;
			continue;
		}
		if (sp)
			o[j++] = ' ';
		sp = false;
		o[j++] = c;
	}
	o[j] = 0;
	*out_len = j;
	return o;
}

static int push(struct splitter *sp, const char *s, size_t n, int line, int flags, int level,
                int row, int cell)
{
	if (sp->err)
		return sp->err;
	size_t len;
	char *text = collapse(sp->ar, s, n, &len);
	if (!text)
		return sp->err = GD_ENOMEM;
	if (len == 0)
		return 0;
	if (sp->n >= GD__NOTICE_MAX_SENTENCES)
		return 0; /* the rest is ignored: still bounded */
	struct gd__sentence *x = gd__nv_push(sp->ar, &sp->v, &sp->n, &sp->cap, sizeof *x);
	char *norm = x ? gd__notice_fold(sp->ar, text, len) : NULL;
	if (!x || !norm)
		return sp->err = GD_ENOMEM;
	if (len && text[len - 1] == ':')
		flags |= GD__S_COLON;
	*x = (struct gd__sentence){text, norm, line, flags, level, row, cell};
	return 0;
}

/* Back to the start of the UTF-8 character holding s[i]. */
static size_t utf8_start(const char *s, size_t i)
{
	while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
		i--;
	return i;
}

/*
 * Splits one paragraph p[0..n) starting at `line` into sentences: after . ! ?
 * or ; followed by a space and an upper-case letter, digit, quote or dash, and
 * never after an abbreviation or inside a number. Runs longer than
 * GD__NOTICE_MAX_SENTENCE are cut.
 */
static void split_para(struct splitter *sp, const char *p, size_t n, int line, int flags)
{
	size_t start = 0;
	int sline = line;
	bool first = true;
	for (size_t i = 0; i < n && !sp->err; i++) {
		if (p[i] == '\n')
			line++;
		bool cut = false;
		size_t end = i + 1;
		char c = p[i];
		if ((c == '.' || c == '!' || c == '?' || c == ';') && i + 1 < n &&
		    (is_space(p[i + 1]) || p[i + 1] == '\n')) {
			size_t k = i + 1;
			while (k < n && (is_space(p[k]) || p[k] == '\n'))
				k++;
			unsigned char nx = k < n ? (unsigned char)p[k] : 0;
			bool starts = nx == 0 || isupper(nx) || isdigit(nx) || nx == '"' || nx == '-' ||
			              nx >= 0xC2 || nx == '(' || nx == '[';
			if (c == ';' || c == '!' || c == '?')
				cut = true;
			else if (starts) {
				size_t w = i;
				while (w > start && !is_space(p[w - 1]) && p[w - 1] != '\n' && p[w - 1] != '(')
					w--;
				cut = !abbrev(p + w, i - w);
			}
		}
		if (!cut && i + 1 - start >= GD__NOTICE_MAX_SENTENCE) {
			cut = true;
			end = utf8_start(p, i + 1);
			if (end <= start)
				end = i + 1;
		}
		if (cut) {
			push(sp, p + start, end - start, sline, flags | (first ? GD__S_PARA : 0), 0, 0, 0);
			first = false;
			flags &= ~GD__S_BULLET;
			start = end;
			i = end - 1;
			while (start < n && (is_space(p[start]) || p[start] == '\n')) {
				if (p[start] == '\n' && start > i)
					line++;
				start++;
			}
			if (start > end)
				i = start - 1;
			sline = line;
		}
	}
	if (start < n && !sp->err)
		push(sp, p + start, n - start, sline, flags | (first ? GD__S_PARA : 0), 0, 0, 0);
}

/* Length of a list marker at the start of s ("- ", "• ", "1° ", "a) "…), 0 if none. */
static size_t bullet(const char *s, size_t n)
{
	static const char *const marks[] = {"- ", "* ", "• ", "– ", "— ", "-->", "⇒ ", "→ ", "o ", "▪ ", "· "};
	for (size_t i = 0; i < sizeof marks / sizeof *marks; i++) {
		size_t m = strlen(marks[i]);
		if (n >= m && memcmp(s, marks[i], m) == 0)
			return m;
	}
	size_t d = 0;
	while (d < n && d < 3 && isdigit((unsigned char)s[d]))
		d++;
	if (d && d + 1 < n && (s[d] == ')' || (unsigned char)s[d] == 0xC2))
		return (unsigned char)s[d] == 0xC2 ? (d + 2 <= n ? d + 2 : d) : d + 1; /* 1) or 1° */
	return 0;
}

/* A heading: one short line, no sentence end; numbered, upper-case, a question or few words. */
static bool heading(const char *s, size_t n)
{
	while (n && is_space(s[n - 1]))
		n--;
	if (n == 0 || n > 120)
		return false;
	char last = s[n - 1];
	if (last == '.' || last == ';' || last == ',' || last == ':')
		return false;
	if (last == '?')
		return true;
	size_t up = 0, letters = 0, words = 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isalpha(c)) {
			letters++;
			up += isupper(c) != 0;
		}
		if (c == ' ')
			words++;
	}
	if (letters < 3)
		return false;
	if (isdigit((unsigned char)s[0]))
		return true;
	return up * 10 >= letters * 6 || words <= 8;
}

/* Strips leaders and page numbers of a table of contents line ("Titre.....\t2"). */
static bool toc_line(const char *s, size_t n)
{
	for (size_t i = 0; i + 4 < n; i++)
		if (memcmp(s + i, ".....", 5) == 0)
			return true;
	return false;
}

/* A cell worth keeping: some letters. */
static bool cell_text(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (isalpha((unsigned char)s[i]) || (unsigned char)s[i] >= 0xC2)
			return true;
	return false;
}

int gd__notice_split(struct gd__arena *ar, const char *text, size_t len, struct gd__sentence **out,
                     size_t *n)
{
	*out = NULL;
	*n = 0;
	if (len > GD__NOTICE_MAX_BYTES)
		return gd__err(GD_ETOOBIG, "the notice is over %u bytes: split it or keep its privacy part",
		               GD__NOTICE_MAX_BYTES);
	const char *nul = memchr(text, 0, len);
	if (nul)
		return gd__err(GD_EINVAL, "the notice has a NUL byte at offset %zu: it is not text",
		               (size_t)(nul - text));
	if (!gd__utf8_valid(text, len))
		return gd__err(GD_EINVAL, "the notice is not valid UTF-8: convert it first "
		                          "(iconv -f WINDOWS-1252 -t UTF-8)");
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) { /* BOM */
		text += 3;
		len -= 3;
	}
	struct splitter sp = {ar, NULL, 0, 0, 0, 0};
	const char *t = text;
	size_t tl = len;
	if (looks_html(text, len)) {
		t = strip_html(ar, text, len, &tl);
		if (!t)
			return gd__err(GD_ENOMEM, "out of memory");
	}
	/* The paragraph being gathered: para[0..plen) of the text, lines joined. */
	size_t pstart = 0, pend = 0;
	int pline = 0, pflags = 0;
	bool have = false, blank_since = false;
	int line = 1;
#define FLUSH() \
	do { \
		if (have) { \
			if (pflags & GD__S_HEADING) \
				push(&sp, t + pstart, pend - pstart, pline, pflags, 0, 0, 0); \
			else \
				split_para(&sp, t + pstart, pend - pstart, pline, pflags); \
		} \
		have = false; \
	} while (0)
	for (size_t i = 0; i < tl && !sp.err;) {
		size_t e = i;
		while (e < tl && t[e] != '\n' && t[e] != '\f')
			e++;
		bool ff = e < tl && t[e] == '\f';
		/* trim */
		size_t a = i, b = e;
		while (a < b && is_space(t[a]))
			a++;
		while (b > a && is_space(t[b - 1]))
			b--;
		if (a == b) {
			blank_since = true;
		} else if (toc_line(t + a, b - a)) {
			FLUSH();
		} else if (memchr(t + a, '\t', b - a)) {
			/* a table row: cells apart */
			FLUSH();
			sp.row++;
			int cell = 0;
			size_t cs = i; /* leading tabs count as empty cells */
			for (size_t c = i; c <= e; c++) {
				if (c == e || t[c] == '\t') {
					if (cell_text(t + cs, c - cs))
						push(&sp, t + cs, c - cs, line, GD__S_CELL | GD__S_PARA, 0, sp.row, cell);
					cell++;
					cs = c + 1;
				}
			}
		} else {
			size_t bl = bullet(t + a, b - a);
			int level = 0;
			while (a + (size_t)level < b && t[a + level] == '#' && level < 6)
				level++;
			bool md = level > 0 && a + (size_t)level < b && t[a + level] == ' ';
			bool join = have && !bl && !md &&
			            (!blank_since ||
			             /* a PDF page or column break inside a sentence */
			             (islower((unsigned char)t[a]) && pend > pstart &&
			              (islower((unsigned char)t[pend - 1]) || t[pend - 1] == ',')));
			if (join && (pflags & GD__S_HEADING))
				join = false;
			if (join && !blank_since && heading(t + a, b - a) && pend > pstart &&
			    (t[pend - 1] == '.' || t[pend - 1] == ':'))
				join = false;
			if (join) {
				/* keep the source between (newlines count lines in split_para) */
				pend = b;
			} else {
				FLUSH();
				if (md) {
					push(&sp, t + a + level + 1, b - a - (size_t)level - 1, line,
					     GD__S_HEADING | GD__S_MDHEAD | GD__S_PARA, level, 0, 0);
				} else {
					have = true;
					pstart = a + bl;
					pend = b;
					pline = line;
					pflags = bl ? GD__S_BULLET : 0;
					/* a lone short line followed by a blank is a title: decided at flush */
					size_t ne = e;
					bool next_blank = true;
					if (ne < tl && t[ne] == '\n') {
						size_t k = ne + 1;
						while (k < tl && is_space(t[k]))
							k++;
						next_blank = k >= tl || t[k] == '\n' || t[k] == '\f';
					}
					if (!bl && (next_blank || ff) && heading(t + a, b - a))
						pflags |= GD__S_HEADING;
				}
			}
			blank_since = false;
		}
		if (ff) {
			FLUSH();
			blank_since = true;
		}
		if (e < tl && t[e] == '\n')
			line++;
		i = e + 1;
	}
	FLUSH();
#undef FLUSH
	if (sp.err)
		return gd__err(sp.err, "out of memory");
	*out = sp.v;
	*n = sp.n;
	return 0;
}
