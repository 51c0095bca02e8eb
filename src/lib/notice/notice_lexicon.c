/*
 * notice_lexicon.c — the French and English lexicon of the draft
 * (data/notice-lexicon.tsv, compiled in): rules "kind, key, phrases" matched
 * on whole words of folded text, in file order. Also the notice view's
 * small helpers (arena arrays and lists).
 *
 * The compiled-in lexicon is parsed once, under a mutex, and never freed
 * (like the taxonomy); a malformed lexicon is GD_ECORRUPT, caught by the tests.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/vault/arena.h"
#include "lib/vault/embedded.h"
#include "lib/internal.h"
#include "lib/notice/notice.h"

struct phrase {
	const char *s; /* folded; '*' stands for the rest of a word ("obligation* legale*") */
	size_t len;
	size_t head; /* bytes before the first '*': what strstr looks for */
};

struct rule {
	const char *kind, *key;
	struct phrase *p;
	size_t np;
};

struct kind {
	const char *name;
	size_t *rules; /* indexes into rules[], in file order */
	size_t n;
};

struct gd__lexicon {
	struct gd__arena *ar;
	struct rule *rules;
	size_t n, cap;
	struct kind *kinds; /* the rules of each kind: a look-up scans only those */
	size_t nkinds, capkinds;
};

/* The rules of `kind`, NULL when the lexicon has none. */
static const struct kind *kind_of(const struct gd__lexicon *lx, const char *kind)
{
	for (size_t i = 0; lx && i < lx->nkinds; i++)
		if (strcmp(lx->kinds[i].name, kind) == 0)
			return &lx->kinds[i];
	return NULL;
}

/* Builds the index of rules by kind once all rules are read. */
static int index_kinds(struct gd__lexicon *lx)
{
	for (size_t i = 0; i < lx->n; i++) {
		if (kind_of(lx, lx->rules[i].kind))
			continue;
		struct kind *k = gd__nv_push(lx->ar, &lx->kinds, &lx->nkinds, &lx->capkinds, sizeof *k);
		if (!k)
			return GD_ENOMEM;
		k->name = lx->rules[i].kind;
		for (size_t j = i; j < lx->n; j++)
			k->n += strcmp(lx->rules[j].kind, k->name) == 0;
		if (!(k->rules = gd__arena_alloc(lx->ar, k->n * sizeof *k->rules)))
			return GD_ENOMEM;
		size_t o = 0;
		for (size_t j = i; j < lx->n; j++)
			if (strcmp(lx->rules[j].kind, k->name) == 0)
				k->rules[o++] = j;
	}
	return 0;
}

/* ---- view helpers ---- */

struct gd__nv *gd__nv_new(void)
{
	struct gd__nv *v = gd__calloc(1, sizeof *v);
	if (!v)
		return NULL;
	if (!(v->arena = gd__arena_new())) {
		gd__free(v);
		return NULL;
	}
	return v;
}

void gd__nv_free(struct gd__nv *v)
{
	if (!v)
		return;
	gd__arena_free(v->arena);
	gd__free(v);
}

void *gd__nv_push(struct gd__arena *ar, void *arrp, size_t *n, size_t *cap, size_t size)
{
	void **arr = arrp;
	if (*n >= 100000)
		return NULL;
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		char *na = gd__arena_alloc(ar, nc * size);
		if (!na)
			return NULL;
		if (*n)
			memcpy(na, *arr, *n * size);
		*arr = na;
		*cap = nc;
	}
	char *e = (char *)*arr + (*n)++ * size;
	memset(e, 0, size);
	return e;
}

bool gd__nv_list_has(const struct gd__nv_list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

int gd__nv_list_add(struct gd__arena *ar, struct gd__nv_list *l, const char *s)
{
	if (!s || gd__nv_list_has(l, s))
		return 0;
	const char **e = gd__nv_push(ar, &l->v, &l->n, &l->cap, sizeof *e);
	if (!e)
		return GD_ENOMEM;
	if (!(*e = gd__arena_strdup(ar, s))) {
		l->n--; /* no NULL slot left behind for the next lookup */
		return GD_ENOMEM;
	}
	return 0;
}

void gd__nv_period_str(char out[64], struct gd__nv_period p)
{
	size_t o = 0;
	out[0] = 0;
	if (p.years)
		o += (size_t)snprintf(out + o, 64 - o, "%d year%s", p.years, p.years == 1 ? "" : "s");
	if (p.months)
		o += (size_t)snprintf(out + o, 64 - o, "%s%d month%s", o ? " " : "", p.months,
		                      p.months == 1 ? "" : "s");
	if (p.days || !o)
		snprintf(out + o, 64 - o, "%s%d day%s", o ? " " : "", p.days, p.days == 1 ? "" : "s");
}

/* ---- parsing ---- */

void gd__lexicon_free(struct gd__lexicon *lx)
{
	if (!lx)
		return;
	gd__arena_free(lx->ar);
	gd__free(lx);
}

int gd__lexicon_parse(struct gd__lexicon **out, const char *text, size_t len)
{
	*out = NULL;
	int rc = 0;
	struct gd__lexicon *lx = gd__calloc(1, sizeof *lx);
	if (!lx || !(lx->ar = gd__arena_new())) {
		gd__free(lx);
		return gd__err(GD_ENOMEM, "out of memory");
	}
	int lineno = 0;
	for (size_t i = 0; i < len;) {
		size_t e = i;
		while (e < len && text[e] != '\n')
			e++;
		lineno++;
		const char *l = text + i;
		size_t ll = e - i;
		i = e + 1;
		if (ll == 0 || l[0] == '#')
			continue;
		const char *t1 = memchr(l, '\t', ll);
		const char *t2 = t1 ? memchr(t1 + 1, '\t', ll - (size_t)(t1 + 1 - l)) : NULL;
		if (!t1 || !t2 || t1 == l || t2 == t1 + 1 || t2 + 1 >= l + ll) {
			rc = gd__err(GD_ECORRUPT, "lexicon line %d: expected KIND<TAB>KEY<TAB>phrases", lineno);
			goto done;
		}
		struct rule *r = gd__nv_push(lx->ar, &lx->rules, &lx->n, &lx->cap, sizeof *r);
		if (!r || !(r->kind = gd__arena_strndup(lx->ar, l, (size_t)(t1 - l))) ||
		    !(r->key = gd__arena_strndup(lx->ar, t1 + 1, (size_t)(t2 - t1 - 1)))) {
			rc = gd__err(GD_ENOMEM, "out of memory");
			goto done;
		}
		const char *ps = t2 + 1, *pe = l + ll;
		size_t np = 1;
		for (const char *c = ps; c < pe; c++)
			np += *c == '|';
		if (!(r->p = gd__arena_alloc(lx->ar, np * sizeof *r->p))) {
			rc = gd__err(GD_ENOMEM, "out of memory");
			goto done;
		}
		for (const char *c = ps; c <= pe; c++) {
			if (c < pe && *c != '|')
				continue;
			size_t n = (size_t)(c - ps);
			while (n && (ps[n - 1] == ' ' || ps[n - 1] == '\r'))
				n--;
			if (n && ps[0] != '*') {
				/* fold each piece between '*' (folding drops '*'), keep the '*' */
				char *f = gd__arena_alloc(lx->ar, 2 * n + 1);
				if (!f) {
					rc = gd__err(GD_ENOMEM, "out of memory");
					goto done;
				}
				size_t o = 0, head = SIZE_MAX;
				for (size_t a = 0; a <= n;) {
					size_t b = a;
					while (b < n && ps[b] != '*')
						b++;
					char *piece = gd__notice_fold(lx->ar, ps + a, b - a);
					if (!piece) {
						rc = gd__err(GD_ENOMEM, "out of memory");
						goto done;
					}
					size_t pl = strlen(piece);
					memcpy(f + o, piece, pl);
					o += pl;
					if (b < n) {
						if (head == SIZE_MAX)
							head = o;
						f[o++] = '*';
					}
					a = b + 1;
				}
				f[o] = 0;
				r->p[r->np++] = (struct phrase){f, o, head == SIZE_MAX ? o : head};
			}
			ps = c + 1;
		}
	}
	if (index_kinds(lx) < 0)
		rc = gd__err(GD_ENOMEM, "out of memory");
done:
	if (rc < 0)
		gd__lexicon_free(lx);
	else
		*out = lx;
	return rc;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct gd__lexicon *builtin;

int gd__lexicon_get(const struct gd__lexicon **out)
{
	int rc = 0;
	pthread_mutex_lock(&lock);
	if (!builtin) {
		const struct gd__embedded *e = gd__embedded_find("data/notice-lexicon.tsv");
		rc = e ? gd__lexicon_parse(&builtin, e->data, e->size)
		       : gd__err(GD_ECORRUPT, "the notice lexicon is not compiled in");
	}
	*out = builtin;
	pthread_mutex_unlock(&lock);
	return rc;
}

/* ---- matching ---- */

/* Word characters for phrase boundaries: "dpo-wimi@…" holds no word "dpo". */
static bool alnum(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '@' || c == '_';
}

/* The end of phrase `p` matched at norm[at], '*' taking the rest of a word; SIZE_MAX if no match. */
static size_t match_at(const struct phrase *p, const char *norm, size_t at)
{
	size_t i = at;
	for (size_t k = 0; k < p->len; k++) {
		if (p->s[k] == '*') {
			while (alnum(norm[i]))
				i++;
			continue;
		}
		if (norm[i] != p->s[k])
			return SIZE_MAX;
		i++;
	}
	return i;
}

/* Leftmost whole-word occurrence of phrase `p` in `norm` at or after `from`; SIZE_MAX if none. */
static size_t find_phrase(const struct phrase *p, const char *norm, size_t from, size_t *mlen)
{
	char head[64];
	size_t hl = p->head < sizeof head - 1 ? p->head : sizeof head - 1;
	memcpy(head, p->s, hl);
	head[hl] = 0;
	const char *s = norm + from;
	while ((s = strstr(s, head)) != NULL) {
		size_t at = (size_t)(s - norm);
		bool left = at == 0 || !alnum(norm[at - 1]) || !alnum(p->s[0]);
		size_t end = match_at(p, norm, at);
		bool right = end != SIZE_MAX && (!alnum(norm[end]) || !alnum(norm[end - (end > at)]));
		if (left && right && end > at) {
			*mlen = end - at;
			return at;
		}
		s++;
	}
	return SIZE_MAX;
}

bool gd__lexicon_find(const struct gd__lexicon *lx, const char *kind, const char *norm,
                      struct gd__lex_hit *hit)
{
	const struct kind *kd = kind_of(lx, kind);
	for (size_t ki = 0; kd && ki < kd->n; ki++) {
		const struct rule *r = &lx->rules[kd->rules[ki]];
		size_t best = SIZE_MAX, blen = 0;
		for (size_t k = 0; k < r->np; k++) {
			size_t ml, at = find_phrase(&r->p[k], norm, 0, &ml);
			if (at < best) {
				best = at;
				blen = ml;
			}
		}
		if (best != SIZE_MAX) {
			if (hit)
				*hit = (struct gd__lex_hit){r->kind, r->key, best, blen};
			return true;
		}
	}
	return false;
}

void gd__lexicon_each(const struct gd__lexicon *lx, const char *kind, const char *norm,
                      void (*cb)(void *ud, const struct gd__lex_hit *h), void *ud)
{
	const struct kind *kd = kind_of(lx, kind);
	for (size_t ki = 0; kd && ki < kd->n; ki++) {
		const struct rule *r = &lx->rules[kd->rules[ki]];
		size_t best = SIZE_MAX, blen = 0;
		for (size_t k = 0; k < r->np; k++) {
			size_t ml, at = find_phrase(&r->p[k], norm, 0, &ml);
			if (at < best) {
				best = at;
				blen = ml;
			}
		}
		if (best != SIZE_MAX) {
			struct gd__lex_hit h = {r->kind, r->key, best, blen};
			cb(ud, &h);
		}
	}
}

const char *gd__lexicon_at(const struct gd__lexicon *lx, const char *kind, const char *norm,
                           size_t at, size_t *len)
{
	if (at > 0 && alnum(norm[at - 1]))
		return NULL;
	const struct kind *kd = kind_of(lx, kind);
	for (size_t ki = 0; kd && ki < kd->n; ki++) {
		const struct rule *r = &lx->rules[kd->rules[ki]];
		for (size_t k = 0; k < r->np; k++) {
			size_t end = match_at(&r->p[k], norm, at);
			if (end == SIZE_MAX || end == at || (alnum(norm[end]) && alnum(norm[end - 1])))
				continue;
			if (len)
				*len = end - at;
			return r->key;
		}
	}
	return NULL;
}

const char *gd__lexicon_value(const struct gd__lexicon *lx, const char *kind, const char *key)
{
	for (size_t i = 0; lx && i < lx->n; i++)
		if (strcmp(lx->rules[i].kind, kind) == 0 && strcmp(lx->rules[i].key, key) == 0 &&
		    lx->rules[i].np)
			return lx->rules[i].p[0].s; /* a URL: no '*' in it */
	return NULL;
}
