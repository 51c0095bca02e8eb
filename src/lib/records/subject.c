/*
 * subject.c — data subjects, their identifiers and their erasure.
 *
 * A subject is a random pseudonym plus a data key sealed by the tenant's KEK.
 * Identifiers are stored twice: as a blind index (keyed BLAKE2b of
 * "kind\0normalised value" under the tenant's blind key), which is how they are
 * found, and sealed under the subject's key, which is how they are shown.
 */
#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "lib/internal.h"
#include "lib/rights/rights.h"
#include "lib/retention/retention.h"

size_t gd__record_ad(unsigned char *ad, size_t cap, int64_t tenant, const char *subject,
                     int64_t record_id, const char *category)
{
	/* "gd1" | tenant (8 LE) | record id (8 LE) | subject | 0 | category */
	size_t ns = strlen(subject), nc = strlen(category), n = 3 + 16 + ns + 1 + nc;
	if (n > cap)
		return 0;
	unsigned char *p = ad;
	memcpy(p, "gd1", 3), p += 3;
	for (int i = 0; i < 8; i++)
		*p++ = (unsigned char)((uint64_t)tenant >> (8 * i));
	for (int i = 0; i < 8; i++)
		*p++ = (unsigned char)((uint64_t)record_id >> (8 * i));
	memcpy(p, subject, ns), p += ns;
	*p++ = 0;
	memcpy(p, category, nc);
	return n;
}

static size_t subject_key_ad(unsigned char *ad, size_t cap, int64_t tenant, const char *pseudonym)
{
	return gd__record_ad(ad, cap, tenant, pseudonym, 0, "subject-key");
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int normalise_email(char *out, size_t cap, const char *s)
{
	while (is_space(*s))
		s++;
	size_t n = strlen(s);
	while (n && is_space(s[n - 1]))
		n--;
	if (n + 1 > cap)
		return gd__err(GD_ETOOBIG, "email address is longer than %zu bytes", cap - 1);
	size_t at = 0, ats = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (is_space(c) || (unsigned char)c < 0x20)
			return gd__err(GD_EINVAL, "email address has a space or control character inside");
		if (c == '@')
			at = i, ats++;
		out[i] = (char)tolower((unsigned char)c);
	}
	out[n] = 0;
	if (ats != 1 || at == 0 || at == n - 1)
		return gd__err(GD_EINVAL, "email address must have one '@' between a local part and a domain");
	return 0;
}

static int normalise_phone(char *out, size_t cap, const char *s, const char *cc)
{
	char digits[64];
	size_t n = 0;
	bool plus = false;
	for (const char *p = s; *p; p++) {
		if (is_space(*p) || *p == '.' || *p == '-' || *p == '/' || *p == ')')
			continue;
		if (*p == '(') {
			/* "+33 (0)6 …": the trunk prefix in parentheses is dropped. */
			if (p[1] == '0' && p[2] == ')') {
				p += 2;
				continue;
			}
			continue;
		}
		if (*p == '+' && n == 0 && !plus) {
			plus = true;
			continue;
		}
		if (*p < '0' || *p > '9')
			return gd__err(GD_EINVAL, "phone number has a character other than digits, spaces, + . - ( ) /");
		if (n + 1 >= sizeof digits)
			return gd__err(GD_ETOOBIG, "phone number is too long");
		digits[n++] = *p;
	}
	digits[n] = 0;
	const char *rest = digits;
	char buf[80];
	if (plus) {
		snprintf(buf, sizeof buf, "+%s", rest);
	} else if (n > 2 && rest[0] == '0' && rest[1] == '0') {
		snprintf(buf, sizeof buf, "+%s", rest + 2);
	} else if (n > 1 && rest[0] == '0') {
		if (!cc || !*cc)
			return gd__err(GD_EINVAL, "national phone number without a country: write it as +<country code>…");
		snprintf(buf, sizeof buf, "+%s%s", cc, rest + 1);
	} else {
		return gd__err(GD_EINVAL, "phone number must start with +, 00 or a national 0");
	}
	size_t len = strlen(buf);
	if (len < 8 || len > 16)
		return gd__err(GD_EINVAL, "phone number must have 7 to 15 digits in E.164 form");
	if (len + 1 > cap)
		return gd__err(GD_ETOOBIG, "phone number does not fit");
	memcpy(out, buf, len + 1);
	return 0;
}

int gd_identifier_normalise(char *out, size_t cap, const char *kind, const char *value,
                            const char *country_code)
{
	int rc;
	if ((rc = gd__check_name(kind, "identifier kind")) < 0)
		return rc;
	if (!value)
		return gd__err(GD_EINVAL, "identifier value is missing");
	if (strlen(value) > GD_IDENTIFIER_MAX)
		return gd__err(GD_ETOOBIG, "identifier is longer than %d bytes", GD_IDENTIFIER_MAX);
	if (strcmp(kind, "email") == 0)
		return normalise_email(out, cap, value);
	if (strcmp(kind, "phone") == 0)
		return normalise_phone(out, cap, value, country_code);
	while (is_space(*value))
		value++;
	size_t n = strlen(value);
	while (n && is_space(value[n - 1]))
		n--;
	if (n == 0)
		return gd__err(GD_EINVAL, "%s identifier is empty", kind);
	if (n + 1 > cap)
		return gd__err(GD_ETOOBIG, "identifier does not fit");
	memcpy(out, value, n);
	out[n] = 0;
	return 0;
}

void gd__identifier_blind(unsigned char blind[GD__BLIND_SIZE], const unsigned char key[GD__KEY_SIZE],
                          const char *kind, const char *norm, size_t nv)
{
	size_t nk = strnlen(kind, GD_NAME_MAX);
	unsigned char msg[GD_NAME_MAX + 2 + GD_IDENTIFIER_MAX + 1];
	if (nv > GD_IDENTIFIER_MAX)
		nv = GD_IDENTIFIER_MAX;
	memcpy(msg, kind, nk);
	msg[nk] = 0;
	memcpy(msg + nk + 1, norm, nv);
	gd__blind(blind, key, msg, nk + 1 + nv);
	gd__wipe(msg, sizeof msg);
}

static int blind_identifier(gd_actor *a, unsigned char blind[GD__BLIND_SIZE], char *norm,
                            size_t cap, const char *kind, const char *value)
{
	int rc = gd_identifier_normalise(norm, cap, kind, value, a->country_code);
	if (rc < 0)
		return rc;
	gd__identifier_blind(blind, GD__ACTOR_BLIND(a), kind, norm, strlen(norm));
	return 0;
}

int gd__subject_blind(gd_actor *a, unsigned char blind[GD__BLIND_SIZE], const char *kind, const char *value)
{
	char norm[GD_IDENTIFIER_MAX + 1];
	int rc = blind_identifier(a, blind, norm, sizeof norm, kind, value);
	gd__wipe(norm, sizeof norm);
	return rc;
}

int gd__subject_blind_again(gd_actor *a, unsigned char blind[GD__BLIND_SIZE], const char *kind, const char *value,
                            int key)
{
	char norm[GD_IDENTIFIER_MAX + 1];
	unsigned char before[GD__BLIND_SIZE];
	int rc = gd_identifier_normalise(norm, sizeof norm, kind, value, a->country_code);
	if (rc == 0 && key == GD__KEY_FRESH && (rc = gd__actor_keys_fresh(a, true)) == 0) {
		memcpy(before, blind, sizeof before);
		gd__identifier_blind(blind, GD__ACTOR_BLIND(a), kind, norm, strlen(norm));
		rc = gd__memcmp(before, blind, sizeof before) != 0;
	} else if (rc == 0 && key == GD__KEY_PREVIOUS && a->has_prev) {
		gd__identifier_blind(blind, GD__ACTOR_PREV_BLIND(a), kind, norm, strlen(norm));
		rc = 1;
	}
	gd__wipe(norm, sizeof norm);
	return rc;
}

int gd__identifier_check(gd_actor *a, const unsigned char blind[GD__BLIND_SIZE], const char *pseudonym,
                         const char *kind, const void *mac, size_t n, int key)
{
	/* The link to the subject is what a look-up trusts: an edited one is refused. */
	unsigned char want[GD__BLIND_SIZE];
	gd__identifier_mac(want, key == GD__KEY_PREVIOUS ? GD__ACTOR_PREV_META(a) : GD__ACTOR_META(a), a->tenant_id,
	                   blind, pseudonym, kind);
	return n == sizeof want && gd__memcmp(want, mac, n) == 0
	               ? 0
	               : gd__err(GD_ECORRUPT, "the identifier looked up points to a subject it was not given to: the"
	                                      " identifiers table was changed outside gardien; run 'gardien vault verify'");
}

/*
 * Unwrapping a subject's key is half of a read's decryption: the vault handle
 * keeps the keys it opened (keycache.c), and a hit gives exactly what opening
 * would. `unwraps` counts the keys really opened, for the tests.
 */
static atomic_uint_fast64_t unwraps;

uint64_t gd__subject_unwraps(void)
{
	return atomic_load_explicit(&unwraps, memory_order_relaxed);
}

int gd__subject_unwrap(gd_actor *a, struct gd__subject *s, const void *wrapped, size_t n)
{
	/* 72 bytes: sealed by the KEK (epoch 0); 76: an epoch number, then sealed by its key. */
	if (n != GD__KEY_SIZE + GD__SEAL_OVERHEAD && n != GD__WRAPPED_MAX)
		return gd__err(GD_ECORRUPT, "the data key of subject %s failed authentication", s->pseudonym);
	if (gd__keycache_get(a->v, a->tenant_id, s->pseudonym, wrapped, n, s->key))
		return 0;
	const unsigned char *w = wrapped, *sealed = w + (n - GD__KEY_SIZE - GD__SEAL_OVERHEAD);
	const unsigned char *kek = GD__ACTOR_KEK(a);
	if (n == GD__WRAPPED_MAX) {
		uint32_t e = (uint32_t)w[0] | (uint32_t)w[1] << 8 | (uint32_t)w[2] << 16 | (uint32_t)w[3] << 24;
		int rc = gd__epoch_key(a, e, &kek);
		if (rc < 0)
			return rc;
	}
	unsigned char ad[128];
	size_t adn = subject_key_ad(ad, sizeof ad, a->tenant_id, s->pseudonym);
	atomic_fetch_add_explicit(&unwraps, 1, memory_order_relaxed);
	int bad = gd__open(s->key, kek, sealed, GD__KEY_SIZE + GD__SEAL_OVERHEAD, ad, adn) < 0;
	/* Under the KEK: the tenant key may have turned since the actor opened (keys/tenant_key.c). */
	if (bad && n != GD__WRAPPED_MAX && a->has_prev)
		bad = gd__open(s->key, GD__ACTOR_PREV_KEK(a), sealed, GD__KEY_SIZE + GD__SEAL_OVERHEAD, ad, adn) < 0;
	if (bad && n != GD__WRAPPED_MAX && gd__actor_keys_fresh(a, true) == 0) {
		bad = gd__open(s->key, GD__ACTOR_KEK(a), sealed, GD__KEY_SIZE + GD__SEAL_OVERHEAD, ad, adn) < 0;
		if (bad && a->has_prev)
			bad = gd__open(s->key, GD__ACTOR_PREV_KEK(a), sealed, GD__KEY_SIZE + GD__SEAL_OVERHEAD, ad, adn) < 0;
	}
	if (bad)
		return gd__err(GD_ECORRUPT, "the data key of subject %s failed authentication", s->pseudonym);
	gd__keycache_put(a->v, a->tenant_id, s->pseudonym, wrapped, n, s->key);
	return 0;
}

/* Wraps `key` for subject `pseudonym` under epoch `epoch`'s key (0: the KEK) into out; its length returned. */
static int subject_wrap(gd_actor *a, const char *pseudonym, const unsigned char key[GD__KEY_SIZE], uint32_t epoch,
                        unsigned char out[GD__WRAPPED_MAX], size_t *n)
{
	const unsigned char *kek = GD__ACTOR_KEK(a);
	unsigned char ad[128];
	size_t off = 0;
	/* Under the KEK as the tenant's row has it now (a rotation may have begun since the actor opened). */
	int rk = epoch ? 0 : gd__actor_keys_fresh(a, false);
	if (rk < 0)
		return rk;
	kek = GD__ACTOR_KEK(a);
	if (epoch) {
		int rc = gd__epoch_key(a, epoch, &kek);
		if (rc < 0)
			return rc;
		for (int i = 0; i < 4; i++)
			out[i] = (unsigned char)(epoch >> (8 * i));
		off = 4;
	}
	gd__seal(out + off, kek, key, GD__KEY_SIZE, ad, subject_key_ad(ad, sizeof ad, a->tenant_id, pseudonym));
	*n = off + GD__KEY_SIZE + GD__SEAL_OVERHEAD;
	return 0;
}

int gd__subject_rewrap(gd_actor *a, int64_t id, const char *pseudonym, const void *wrapped, size_t n,
                       uint32_t epoch, bool *moved)
{
	struct gd__subject s = {0};
	unsigned char out[GD__WRAPPED_MAX];
	size_t m = 0;
	const unsigned char *w = wrapped;
	*moved = false;
	if (n == GD__WRAPPED_MAX &&
	    ((uint32_t)w[0] | (uint32_t)w[1] << 8 | (uint32_t)w[2] << 16 | (uint32_t)w[3] << 24) == epoch)
		return 0;
	gd__copy(s.pseudonym, sizeof s.pseudonym, pseudonym);
	int rc = gd__subject_unwrap(a, &s, wrapped, n);
	if (rc == 0)
		rc = subject_wrap(a, pseudonym, s.key, epoch, out, &m);
	/* Compare-and-set: a subject erased or re-wrapped meanwhile is left as it is. */
	if (rc == 0)
		rc = gd__db_exec(a->v->store, "UPDATE subjects SET wrapped_key = ? WHERE tenant_id = ? AND id = ? AND wrapped_key = ?",
		                 "biib", out, m, a->tenant_id, id, wrapped, n);
	gd__wipe(&s, sizeof s);
	*moved = rc == 0;
	return rc;
}

static int check_pseudonym(const char *p)
{
	if (!p || strlen(p) != GD_SUBJECT_ID_SIZE - 1 || strncmp(p, "sub_", 4) != 0 ||
	    strspn(p + 4, "0123456789abcdef") != GD_SUBJECT_ID_SIZE - 5)
		return gd__err(GD_EINVAL, "\"%.40s\" is not a subject id (sub_ followed by 24 hex digits)",
		               p ? p : "");
	return 0;
}

int gd__subject_load(gd_actor *a, struct gd__subject *out, const char *pseudonym, bool key)
{
	gd__store *s = a->v->store;
	gd__stmt *st;
	int rc;
	if ((rc = check_pseudonym(pseudonym)) < 0)
		return rc;
	/* Within one transaction the same subject's key is unwrapped once: an
	 * application stores a subject's records together. (A subject created
	 * in it is cached without its id: subject_key.) */
	if (a->cached_gen == a->v->tx.gen && a->cached_subject_id && strcmp(a->cached_subject, pseudonym) == 0) {
		out->id = a->cached_subject_id;
		memcpy(out->pseudonym, pseudonym, GD_SUBJECT_ID_SIZE);
		if (key)
			memcpy(out->key, GD__ACTOR_CACHED_KEY(a), GD__KEY_SIZE);
		return 0;
	}
	rc = gd__db_query(s, &st, "SELECT id, wrapped_key FROM subjects WHERE pseudonym = ? AND tenant_id = ?",
	                  "ti", pseudonym, a->tenant_id);
	if (rc < 0)
		return rc;
	rc = gd__db_step(s, st);
	if (rc == 0)
		rc = gd__err(GD_ENOTFOUND, "no subject %s in tenant %s", pseudonym, a->tenant);
	if (rc == 1) {
		out->id = gd__col_int(s, st, 0);
		memcpy(out->pseudonym, pseudonym, GD_SUBJECT_ID_SIZE);
		rc = 0;
		size_t n;
		const void *w = gd__col_blob(s, st, 1, &n);
		/* Without `key` nothing is unwrapped: an erasure must work on a damaged key. */
		if (key && (rc = gd__subject_unwrap(a, out, w, n)) == 0) {
			memcpy(GD__ACTOR_CACHED_KEY(a), out->key, GD__KEY_SIZE);
			memcpy(a->cached_subject, pseudonym, GD_SUBJECT_ID_SIZE);
			a->cached_subject_id = out->id;
			a->cached_gen = a->v->tx.gen;
		}
	}
	gd__db_reset(s, st);
	return rc;
}

/*
 * The subject's key, and its id (0 for a subject created in this
 * transaction: its row may not be inserted yet, gd_subject_create). What a
 * caller that needs no id uses, so that giving a new subject its identifiers
 * reads no row.
 */
static int subject_key(gd_actor *a, struct gd__subject *out, const char *pseudonym)
{
	if (a->cached_gen != a->v->tx.gen || a->cached_subject_id || strcmp(a->cached_subject, pseudonym) != 0)
		return gd__subject_load(a, out, pseudonym, true);
	out->id = 0;
	memcpy(out->pseudonym, pseudonym, GD_SUBJECT_ID_SIZE);
	memcpy(out->key, GD__ACTOR_CACHED_KEY(a), GD__KEY_SIZE);
	return 0;
}

int gd_subject_create(gd_actor *a, char out_id[GD_SUBJECT_ID_SIZE])
{
	unsigned char raw[12], key[GD__KEY_SIZE], wrapped[GD__WRAPPED_MAX];
	char id[GD_SUBJECT_ID_SIZE];
	gd_vault *v = a->v;
	uint32_t epoch = 0;
	size_t n = 0;
	int rc;

	gd__random(raw, sizeof raw);
	memcpy(id, "sub_", 4);
	gd__hex(id + 4, raw, sizeof raw);
	gd__random(key, sizeof key);
	if ((rc = gd__op_begin(v)) < 0)
		goto wipe;
	/* The tenant's current epoch, read inside the write: `key epoch` may have begun another since the actor opened. */
	rc = gd__epoch_current(a, &epoch);
	if (rc == 0)
		rc = subject_wrap(a, id, key, epoch, wrapped, &n);
	if (rc == 0)
		rc = gd__db_exec(v->store,
		                 "INSERT INTO subjects (tenant_id, pseudonym, created_at, wrapped_key) VALUES (?, ?, ?, ?)",
		                 "itib", a->tenant_id, id, (int64_t)gd_vault_now(v), wrapped, n);
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "subject.create", .subject = id});
	if ((rc = gd__op_end(v, rc)) == 0) {
		memcpy(out_id, id, GD_SUBJECT_ID_SIZE);
		/* Its key for the rest of the transaction, its id not known here. */
		memcpy(GD__ACTOR_CACHED_KEY(a), key, GD__KEY_SIZE);
		memcpy(a->cached_subject, id, GD_SUBJECT_ID_SIZE);
		a->cached_subject_id = 0;
		a->cached_gen = v->tx.gen;
	}
wipe:
	gd__wipe(key, sizeof key);
	return rc;
}

int gd_subject_add_identifier(gd_actor *a, const char *subject, const char *kind, const char *value)
{
	struct gd__subject s = {0};
	unsigned char blind[GD__BLIND_SIZE], ad[256];
	unsigned char sealed[GD_IDENTIFIER_MAX + 1 + GD__SEAL_OVERHEAD];
	char norm[GD_IDENTIFIER_MAX + 1], cat[GD_NAME_MAX + 16];
	gd_vault *v = a->v;
	int rc;

	if ((rc = gd__op_begin(v)) < 0)
		goto wipe;
	/* Indexed and bound under the tenant key as its row has it now (keys/tenant_key.c). */
	if ((rc = gd__actor_keys_fresh(a, false)) < 0 ||
	    (rc = blind_identifier(a, blind, norm, sizeof norm, kind, value)) < 0)
		goto done;
	if ((rc = subject_key(a, &s, subject)) < 0)
		goto done;
	snprintf(cat, sizeof cat, "identifier:%s", kind);
	size_t nn = strlen(norm);
	gd__seal(sealed, s.key, norm, nn, ad, gd__record_ad(ad, sizeof ad, a->tenant_id, subject, 0, cat));
	unsigned char mac[GD__BLIND_SIZE];
	gd__identifier_mac(mac, GD__ACTOR_META(a), a->tenant_id, blind, subject, kind);
	/* The subject's id from its row, which subject_key may not have read. */
	rc = gd__db_exec(v->store,
	                 "INSERT INTO identifiers (tenant_id, blind, subject_id, kind, sealed, mac)"
	                 " SELECT ?, ?, id, ?, ?, ? FROM subjects WHERE tenant_id = ? AND pseudonym = ?",
	                 "ibtbbit", a->tenant_id, blind, sizeof blind, kind, sealed, nn + GD__SEAL_OVERHEAD,
	                 mac, sizeof mac, a->tenant_id, subject);
	if (rc == 0 && gd__db_changes(v->store) != 1)
		rc = gd__err(GD_ENOTFOUND, "no subject %s in tenant %s", subject, a->tenant);
	if (rc == GD_EEXISTS)
		rc = gd__err(GD_EEXISTS, "this %s is already an identifier of a subject of tenant %s",
		             kind, a->tenant);
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){
						.action = "subject.identifier.add", .subject = subject, .category = cat});
done:
	rc = gd__op_end(v, rc);
wipe:
	gd__wipe(&s, sizeof s);
	gd__wipe(norm, sizeof norm);
	return rc;
}

/*
 * A look-up is audited, found or not: that a person is (or is not) a subject
 * is itself personal data, and probing identifiers must leave a trace.
 */
/* Looks `blind` up; its MAC checked under `meta`. 1 found (`found` set), 0 not, or an error. */
static int find_blind(gd_actor *a, const unsigned char blind[GD__BLIND_SIZE], const unsigned char *meta,
                      char found[GD_SUBJECT_ID_SIZE])
{
	gd__store *s = a->v->store;
	gd__stmt *st;
	int rc = gd__db_query(s, &st,
	                      "SELECT s.pseudonym, i.kind, i.mac FROM identifiers i"
	                      " JOIN subjects s ON s.id = i.subject_id AND s.tenant_id = i.tenant_id"
	                      " WHERE i.tenant_id = ? AND i.blind = ?",
	                      "ib", a->tenant_id, blind, (size_t)GD__BLIND_SIZE);
	if (rc < 0)
		return rc;
	rc = gd__db_step(s, st);
	if (rc == 1) {
		/* The link to the subject is what a look-up trusts: an edited one is refused. */
		unsigned char want[GD__BLIND_SIZE];
		size_t n;
		gd__copy(found, GD_SUBJECT_ID_SIZE, gd__col_text(s, st, 0));
		gd__identifier_mac(want, meta, a->tenant_id, blind, found, gd__col_text(s, st, 1));
		const void *mac = gd__col_blob(s, st, 2, &n);
		rc = n == sizeof want && gd__memcmp(want, mac, n) == 0
		             ? 1
		             : gd__err(GD_ECORRUPT,
		                       "the identifier looked up points to a subject it was not given to: the"
		                       " identifiers table was changed outside gardien; run 'gardien vault verify'");
		if (rc < 0)
			found[0] = 0;
	}
	gd__db_reset(s, st);
	return rc;
}

int gd_subject_find(gd_actor *a, char out_id[GD_SUBJECT_ID_SIZE], const char *kind, const char *value)
{
	unsigned char blind[GD__BLIND_SIZE], again[GD__BLIND_SIZE];
	char norm[GD_IDENTIFIER_MAX + 1], cat[GD_NAME_MAX + 16], found[GD_SUBJECT_ID_SIZE] = "";
	int rc = blind_identifier(a, blind, norm, sizeof norm, kind, value);
	if (rc < 0)
		goto wipe;
	if ((rc = gd__op_begin_read(a->v)) < 0)
		goto wipe;
	rc = find_blind(a, blind, GD__ACTOR_META(a), found);
	/* Not found: the tenant key may have turned since the actor opened, or
	 * be turning (the row still under the previous key): keys/tenant_key.c. */
	if (rc == 0 && (rc = gd__actor_keys_fresh(a, true)) == 0) {
		gd__identifier_blind(again, GD__ACTOR_BLIND(a), kind, norm, strlen(norm));
		if (gd__memcmp(again, blind, sizeof blind) != 0)
			rc = find_blind(a, again, GD__ACTOR_META(a), found);
		if (rc == 0 && a->has_prev) {
			gd__identifier_blind(again, GD__ACTOR_PREV_BLIND(a), kind, norm, strlen(norm));
			rc = find_blind(a, again, GD__ACTOR_PREV_META(a), found);
		}
	}
	if (rc >= 0) {
		snprintf(cat, sizeof cat, "identifier:%s", kind);
		rc = gd__audit_actor(a, &(struct gd__audit_event){
						.action = "subject.find", .subject = *found ? found : NULL, .category = cat, .outcome = *found ? GD__OK : GD__FAILED, .reason = *found ? NULL : "not found"});
	}
	rc = gd__op_end(a->v, rc);
	if (rc == 0 && !*found)
		rc = gd__err(GD_ENOTFOUND, "no subject of tenant %s has this %s", a->tenant, kind);
	if (rc == 0)
		memcpy(out_id, found, GD_SUBJECT_ID_SIZE);
wipe:
	gd__wipe(norm, sizeof norm);
	return rc;
}

/* The cursor is the last row id of the page, in decimal: opaque to callers, checked here. */
static int parse_cursor(int64_t *out, const char *cursor)
{
	*out = 0;
	if (!cursor || !*cursor)
		return 0;
	size_t n = strlen(cursor);
	int64_t v = 0;
	if (n > 18 || strspn(cursor, "0123456789") != n)
		return gd__err(GD_EINVAL, "cursor \"%.24s\" is not one gardien gave: pass the next_cursor of the previous page", cursor);
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (cursor[i] - '0');
	*out = v;
	return 0;
}

int gd_subject_list(gd_actor *a, const char *cursor, size_t limit,
                    int (*cb)(void *ud, const gd_subject_info *s), void *ud, char next[GD_CURSOR_SIZE])
{
	gd__store *db = a->v->store;
	gd__stmt *st = NULL;
	int64_t after, last = 0;
	size_t n = 0;
	int rc, given = 0;
	next[0] = 0;
	if ((rc = parse_cursor(&after, cursor)) < 0)
		return rc;
	if (limit < 1 || limit > 1000)
		return gd__err(GD_EINVAL, "a page holds 1 to 1000 subjects, not %zu", limit);
	if ((rc = gd__op_begin_read(a->v)) < 0)
		return rc;
	/* One more than asked: whether a next page exists, without a second query. */
	rc = gd__db_query(db, &st,
	                  "SELECT id, pseudonym, created_at FROM subjects WHERE tenant_id = ? AND id > ?"
	                  " ORDER BY id LIMIT ?",
	                  "iii", a->tenant_id, after, (int64_t)limit + 1);
	while (rc == 0 && (rc = gd__db_step(db, st)) == 1) {
		rc = 0;
		if (n == limit) {
			snprintf(next, GD_CURSOR_SIZE, "%lld", (long long)last);
			break;
		}
		last = gd__col_int(db, st, 0);
		gd_subject_info s = {.subject = gd__col_text(db, st, 1), .created_at = gd__col_int(db, st, 2)};
		n++;
		if ((given = cb(ud, &s)) != 0)
			break;
	}
	if (st)
		gd__db_reset(db, st);
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "subject.list",
		                                                  .outcome = given < 0 ? GD__FAILED : GD__OK});
	if (rc < 0)
		next[0] = 0;
	return gd__op_end_given(a->v, rc, given);
}

/* Modules keeping rows about subjects add their hook here (see internal.h). */
static const gd__erase_hook erase_hooks[] = {
	gd__outbox_erase_hook, /* first: it reads the records the others leave */
	gd__rights_erase_hook,
	gd__retention_erase_hook,
};

int gd_subject_erase(gd_actor *a, const char *subject)
{
	struct gd__subject s = {0};
	gd_vault *v = a->v;
	int rc;

	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	if ((rc = gd__subject_load(a, &s, subject, false)) < 0)
		goto done;
	for (size_t i = 0; rc == 0 && i < sizeof erase_hooks / sizeof *erase_hooks; i++)
		rc = erase_hooks[i](a, &s);
	if (rc < 0)
		goto done;
	/* The key first: from here on nothing sealed for this subject can be opened. */
	rc = gd__db_exec(v->store, "DELETE FROM subjects WHERE tenant_id = ? AND id = ?", "ii", a->tenant_id, s.id);
	if (rc == 0)
		rc = gd__db_exec(v->store, "DELETE FROM identifiers WHERE tenant_id = ? AND subject_id = ?", "ii", a->tenant_id,
		                 s.id);
	if (rc == 0)
		rc = gd__records_delete_subject(v, a->tenant_id, s.id);
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "subject.erase", .subject = subject});
	if (rc == 0) {
		v->tx.needs_scrub = true;
		v->tx.gen++; /* no actor may use a cached key of this subject any more */
	}
done:
	rc = gd__op_end(v, rc);
	/* Whatever the outcome, the subject's key leaves every cache of the
	 * process now (a failed erasure only costs the next read an unwrap). */
	if (subject) {
		gd__keycache_forget(a->tenant_id, subject);
		if (strcmp(a->cached_subject, subject) == 0)
			gd__wipe(GD__ACTOR_CACHED_KEY(a), GD__KEY_SIZE);
	}
	return rc;
}
