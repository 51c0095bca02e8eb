/*
 * po.c — gettext PO catalogues read by gardien itself: the translations of
 * the notice writer and the breach drafts live in po/<language>.po, compiled into the library like the
 * data files, so adding a language is adding a catalogue (no locale to
 * generate, no C to touch). The parser takes what msgfmt writes and reads:
 * comments, msgctxt, msgid, msgid_plural, msgstr, msgstr[N], strings
 * continued on following lines, and the C escapes \n \t \" \\ \a \b \f \r \v
 * and octal; "#, fuzzy" entries are skipped, as msgfmt does, and so are
 * untranslated ones (msgstr ""), which fall back to the msgid.
 *
 * Invariants: the parser reads a NUL-terminated copy of its input (bytes
 * need not be terminated); a catalogue is at most GD__PO_MAX_BYTES, GD__PO_MAX_ENTRIES
 * entries and GD__PO_MAX_STRING bytes per string; any other input is
 * GD_EINVAL with its line. The header's Plural-Forms is read for the two
 * rules European languages use ("n != 1", "n > 1"); others fall back to
 * "n != 1". Lookups are binary searches over entries sorted by key.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/vault/arena.h"
#include "lib/vault/embedded.h"
#include "lib/internal.h"
#include "lib/po/po.h"

struct entry {
	const char *key;    /* msgctxt "\004" msgid, or msgid */
	const char *str[4]; /* msgstr or msgstr[0..3] */
	int nstr;
};

struct gd__po {
	struct gd__arena *ar;
	struct entry *e;
	size_t n, cap;
	int plural_gt1; /* "plural=(n > 1)" */
};

void gd__po_free(struct gd__po *po)
{
	if (!po)
		return;
	gd__arena_free(po->ar);
	gd__free(po);
}

size_t gd__po_count(const struct gd__po *po)
{
	return po ? po->n : 0;
}

/* A growing string, capped at GD__PO_MAX_STRING. */
struct str {
	char *b;
	size_t n, cap;
};

static int str_put(struct str *s, char c)
{
	if (s->n + 1 >= GD__PO_MAX_STRING)
		return GD_ETOOBIG;
	if (s->n + 2 > s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 64;
		char *nb = realloc(s->b, nc);
		if (!nb)
			return GD_ENOMEM;
		s->b = nb;
		s->cap = nc;
	}
	s->b[s->n++] = c;
	s->b[s->n] = 0;
	return 0;
}

/* Parses the quoted string at p (after spaces) into s; returns the end or NULL. */
static const char *quoted(const char *p, const char *end, struct str *s, int *err)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p >= end || *p != '"') {
		*err = GD_EINVAL;
		return NULL;
	}
	p++;
	while (p < end && *p != '"') {
		char c = *p++;
		if (c == '\\') {
			if (p >= end) {
				*err = GD_EINVAL;
				return NULL;
			}
			char e = *p++;
			switch (e) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'a': c = '\a'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'v': c = '\v'; break;
			case '"':
			case '\\':
			case '\'':
			case '?': c = e; break;
			default:
				if (e >= '0' && e <= '7') {
					int v = e - '0';
					for (int k = 0; k < 2 && p < end && *p >= '0' && *p <= '7'; k++)
						v = v * 8 + (*p++ - '0');
					if (v == 0 || v > 255) {
						*err = GD_EINVAL;
						return NULL;
					}
					c = (char)v;
				} else {
					*err = GD_EINVAL;
					return NULL;
				}
			}
		} else if (c == '\n' || c == 0) {
			*err = GD_EINVAL;
			return NULL;
		}
		if ((*err = str_put(s, c)) != 0)
			return NULL;
	}
	if (p >= end) {
		*err = GD_EINVAL;
		return NULL;
	}
	p++;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	if (p < end && *p != '\n') {
		*err = GD_EINVAL;
		return NULL;
	}
	return p;
}

/* A new zeroed entry at the end of po->e (arena memory, doubled when full). */
static struct entry *push_entry(struct gd__po *po)
{
	if (po->n == po->cap) {
		size_t nc = po->cap ? po->cap * 2 : 64;
		struct entry *ne = gd__arena_alloc(po->ar, nc * sizeof *ne);
		if (!ne)
			return NULL;
		if (po->n)
			memcpy(ne, po->e, po->n * sizeof *ne);
		po->e = ne;
		po->cap = nc;
	}
	struct entry *e = &po->e[po->n++];
	memset(e, 0, sizeof *e);
	return e;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->key, ((const struct entry *)b)->key);
}

enum field {
	F_NONE,
	F_CTXT,
	F_ID,
	F_PLURAL,
	F_STR
};

int gd__po_parse(struct gd__po **out, const char *name, const char *text, size_t len)
{
	*out = NULL;
	if (len > GD__PO_MAX_BYTES)
		return gd__err(GD_ETOOBIG, "catalogue %s is over %u bytes", name, GD__PO_MAX_BYTES);
	if (memchr(text, 0, len))
		return gd__err(GD_EINVAL, "catalogue %s has a NUL byte: it is not a PO file", name);
	struct gd__po *po = gd__calloc(1, sizeof *po);
	if (!po || !(po->ar = gd__arena_new())) {
		gd__free(po);
		return gd__err(GD_ENOMEM, "out of memory");
	}
	/* keywords are compared with strncmp: work on a NUL-terminated copy */
	char *copy = gd__arena_strndup(po->ar, text, len);
	if (!copy) {
		gd__po_free(po);
		return gd__err(GD_ENOMEM, "out of memory");
	}
	text = copy;
	int rc = 0, line = 0;
	struct str ctxt = {0}, id = {0}, str[4] = {{0}};
	bool has_ctxt = false, has_id = false, fuzzy = false, fuzzy_next = false;
	int nstr = 0, cur = -1;
	enum field f = F_NONE;
	const char *end = text + len;
	const char *p = text;
	for (;;) {
		const char *l = p;
		const char *e = l;
		while (e < end && *e != '\n')
			e++;
		bool eof = l >= end;
		line++;
		const char *q = l;
		while (q < e && (*q == ' ' || *q == '\t' || *q == '\r'))
			q++;
		bool starts = !eof && (strncmp(q, "msgctxt", 7) == 0 || (strncmp(q, "msgid", 5) == 0 &&
		                                                         strncmp(q, "msgid_plural", 12) != 0));
		/* an entry ends at the next msgctxt/msgid after its msgstr, or at the end */
		if (eof && f != F_NONE && f != F_STR) {
			rc = gd__err(GD_EINVAL, "catalogue %s: the last entry has no msgstr", name);
			goto done;
		}
		if ((starts && f == F_STR) || (eof && has_id)) {
			if (!fuzzy && id.n > 0) {
				bool translated = false;
				for (int k = 0; k < nstr; k++)
					translated |= str[k].n > 0;
				if (translated) {
					if (po->n >= GD__PO_MAX_ENTRIES) {
						rc = gd__err(GD_ETOOBIG, "catalogue %s: over %d entries", name,
						             GD__PO_MAX_ENTRIES);
						goto done;
					}
					struct entry *en = push_entry(po);
					size_t kl = (has_ctxt ? ctxt.n + 1 : 0) + id.n;
					char *key = en ? gd__arena_alloc(po->ar, kl + 1) : NULL;
					if (!key) {
						rc = gd__err(GD_ENOMEM, "out of memory");
						goto done;
					}
					size_t o = 0;
					if (has_ctxt) {
						memcpy(key, ctxt.b, ctxt.n);
						key[ctxt.n] = '\004';
						o = ctxt.n + 1;
					}
					memcpy(key + o, id.b, id.n);
					en->key = key;
					en->nstr = nstr;
					for (int k = 0; k < nstr; k++)
						if (!(en->str[k] = gd__arena_strndup(po->ar, str[k].b ? str[k].b : "", str[k].n))) {
							rc = gd__err(GD_ENOMEM, "out of memory");
							goto done;
						}
				}
			} else if (id.n == 0 && nstr > 0 && str[0].b && !has_ctxt) {
				/* the header */
				po->plural_gt1 = strstr(str[0].b, "plural=(n > 1)") || strstr(str[0].b, "plural=n>1") ||
				                 strstr(str[0].b, "plural=(n>1)");
			}
			ctxt.n = id.n = 0;
			for (int k = 0; k < 4; k++)
				str[k].n = 0;
			has_ctxt = has_id = false;
			nstr = 0;
			f = F_NONE;
			fuzzy = fuzzy_next;
			fuzzy_next = false;
		}
		if (eof)
			break;
		p = e < end ? e + 1 : end;
		if (q == e)
			continue;
		if (*q == '#') {
			bool fz = false;
			for (const char *c = q; c + 5 <= e && !fz; c++)
				fz = memcmp(c, "fuzzy", 5) == 0;
			if (q + 1 < e && q[1] == ',' && fz) {
				if (f == F_NONE)
					fuzzy = true;
				else
					fuzzy_next = true;
			}
			continue;
		}
		struct str *dst = NULL;
		const char *v = NULL;
		if (strncmp(q, "msgctxt", 7) == 0 && (q[7] == ' ' || q[7] == '\t')) {
			if (f != F_NONE || has_ctxt)
				goto bad;
			has_ctxt = true;
			f = F_CTXT;
			dst = &ctxt;
			v = q + 7;
		} else if (strncmp(q, "msgid_plural", 12) == 0 && (q[12] == ' ' || q[12] == '\t')) {
			if (f != F_ID)
				goto bad;
			f = F_PLURAL;
			dst = NULL; /* the plural msgid is not part of the key */
			v = q + 12;
		} else if (strncmp(q, "msgid", 5) == 0 && (q[5] == ' ' || q[5] == '\t')) {
			if (has_id && f != F_CTXT)
				goto bad;
			if (f != F_NONE && f != F_CTXT)
				goto bad;
			has_id = true;
			f = F_ID;
			dst = &id;
			v = q + 5;
		} else if (strncmp(q, "msgstr", 6) == 0) {
			if (f != F_ID && f != F_PLURAL && f != F_STR)
				goto bad;
			const char *r = q + 6;
			int k = 0;
			if (*r == '[') {
				if (r + 2 >= e || r[1] < '0' || r[1] > '3' || r[2] != ']')
					goto bad;
				k = r[1] - '0';
				r += 3;
			}
			if (k != nstr || (f == F_STR && k == 0))
				goto bad;
			nstr = k + 1;
			cur = k;
			f = F_STR;
			dst = &str[k];
			v = r;
		} else if (*q == '"') {
			if (f == F_NONE)
				goto bad;
			v = q;
			dst = f == F_CTXT ? &ctxt : f == F_ID ? &id
			                    : f == F_STR      ? &str[cur]
			                                      : NULL;
		} else {
			goto bad;
		}
		struct str scratch = {0};
		int err = 0;
		const char *r = quoted(v, e, dst ? dst : &scratch, &err);
		free(scratch.b);
		if (!r) {
			if (err == GD_ENOMEM)
				rc = gd__err(GD_ENOMEM, "out of memory");
			else if (err == GD_ETOOBIG)
				rc = gd__err(GD_ETOOBIG, "catalogue %s line %d: a string over %u bytes", name,
				             line, GD__PO_MAX_STRING);
			else
				rc = gd__err(GD_EINVAL, "catalogue %s line %d: expected a \"quoted string\" "
				                        "with C escapes",
				             name, line);
			goto done;
		}
		continue;
	bad:
		rc = gd__err(GD_EINVAL, "catalogue %s line %d: unexpected line (expected msgctxt, msgid, "
		                        "msgid_plural, msgstr, msgstr[N], a string or a # comment)",
		             name, line);
		goto done;
	}
	if (f != F_NONE && f != F_STR) {
		rc = gd__err(GD_EINVAL, "catalogue %s: the last entry has no msgstr", name);
		goto done;
	}
	if (po->n)
		qsort(po->e, po->n, sizeof *po->e, cmp_entry);
done:
	free(ctxt.b);
	free(id.b);
	for (int k = 0; k < 4; k++)
		free(str[k].b);
	if (rc < 0)
		gd__po_free(po);
	else
		*out = po;
	return rc;
}

static const struct entry *lookup(const struct gd__po *po, const char *key)
{
	if (!po || !po->n)
		return NULL;
	struct entry k = {key, {NULL}, 0};
	return bsearch(&k, po->e, po->n, sizeof *po->e, cmp_entry);
}

const char *gd__po_gettext(const struct gd__po *po, const char *msgid)
{
	const struct entry *e = lookup(po, msgid);
	return e && e->nstr > 0 && e->str[0][0] ? e->str[0] : msgid;
}

const char *gd__po_pgettext(const struct gd__po *po, const char *ctxt, const char *msgid)
{
	char key[1024];
	int n = snprintf(key, sizeof key, "%s\004%s", ctxt, msgid);
	if (n < 0 || (size_t)n >= sizeof key)
		return msgid;
	const struct entry *e = lookup(po, key);
	return e && e->nstr > 0 && e->str[0][0] ? e->str[0] : msgid;
}

const char *gd__po_ngettext(const struct gd__po *po, const char *msgid, const char *plural,
                            unsigned long n)
{
	int form = po && po->plural_gt1 ? n > 1 : n != 1;
	const struct entry *e = lookup(po, msgid);
	if (e && form < e->nstr && e->str[form][0])
		return e->str[form];
	return form ? plural : msgid;
}

/* ---- the compiled-in catalogues ---- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct cached {
	char lang[16];
	struct gd__po *po;
} cache[16];

int gd__po_get(const struct gd__po **out, const char *language)
{
	*out = NULL;
	if (!language || !language[0] || strlen(language) >= sizeof cache[0].lang ||
	    strspn(language, "abcdefghijklmnopqrstuvwxyz_ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(language))
		return gd__err(GD_EINVAL, "'%s' is not a language code (fr, en, nl, de…)",
		               language ? language : "");
	int rc = 0;
	pthread_mutex_lock(&lock);
	size_t i;
	for (i = 0; i < sizeof cache / sizeof *cache && cache[i].po; i++)
		if (strcmp(cache[i].lang, language) == 0) {
			*out = cache[i].po;
			goto done;
		}
	char name[64];
	snprintf(name, sizeof name, "po/%s.po", language);
	const struct gd__embedded *e = gd__embedded_find(name);
	if (!e) {
		rc = gd__err(GD_ENOTFOUND, "no catalogue for language '%s': add po/%s.po (copy po/fr.po "
		                           "and translate each msgstr) and rebuild",
		             language, language);
		goto done;
	}
	struct gd__po *po;
	if ((rc = gd__po_parse(&po, name, e->data, e->size)) < 0) {
		rc = gd__err(GD_ECORRUPT, "%s", gd_error_last());
		goto done;
	}
	if (i == sizeof cache / sizeof *cache) {
		*out = po; /* full: leaks nothing, but reparses next time */
		rc = gd__err(GD_ESTATE, "too many languages in use");
		gd__po_free(po);
		*out = NULL;
		goto done;
	}
	snprintf(cache[i].lang, sizeof cache[i].lang, "%s", language);
	cache[i].po = po;
	*out = po;
done:
	pthread_mutex_unlock(&lock);
	return rc;
}
