/*
 * register_store.c — register versions in the vault: loading a new version
 * (validated first, audited as "register.load", all-or-nothing), listing and
 * exporting versions, comparing two, and the per-tenant cache of the latest
 * parsed version that enforcement reads on every operation.
 *
 * The cache is checked against the newest stored version number on each use,
 * so a version loaded through another handle is seen at the next operation.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "lib/internal.h"
#include "lib/register/register.h"
#include "lib/rights/rights.h"

struct gd__register_cache {
	struct gd__register_cache *next;
	int64_t tenant_id;
	int64_t version;
	struct gd__register *reg;
	uint64_t checked_gen; /* the latest version was looked up in transaction tx.gen */
};

void gd__register_cache_free(struct gd__register_cache *c)
{
	while (c) {
		struct gd__register_cache *next = c->next;
		gd__register_free(c->reg);
		gd__free(c);
		c = next;
	}
}

static struct gd__register_cache *cache_entry(gd_vault *v, int64_t tenant_id, bool create)
{
	for (struct gd__register_cache *c = v->registers; c; c = c->next)
		if (c->tenant_id == tenant_id)
			return c;
	if (!create)
		return NULL;
	struct gd__register_cache *c = gd__calloc(1, sizeof *c);
	if (c) {
		c->tenant_id = tenant_id;
		c->next = v->registers;
		v->registers = c;
	}
	return c;
}

static void cache_put(gd_vault *v, int64_t tenant_id, int64_t version, struct gd__register *r)
{
	struct gd__register_cache *c = cache_entry(v, tenant_id, true);
	if (!c) {
		gd__register_free(r);
		return;
	}
	gd__register_free(c->reg);
	c->reg = r;
	c->version = version;
	r->version = version;
}

/* Loads and parses version `version` (0: latest) of the tenant's register. */
static int fetch(gd_actor *a, int64_t version, struct gd__register **out, char **src, size_t *srclen)
{
	gd__store *db = a->v->store;
	gd__stmt *st;
	int rc;
	*out = NULL;
	if (src)
		*src = NULL;
	if (version <= 0)
		rc = gd__db_query(db, &st,
		                  "SELECT version, file, source FROM registers WHERE tenant_id = ?"
		                  " ORDER BY version DESC LIMIT 1",
		                  "i", a->tenant_id);
	else
		rc = gd__db_query(db, &st,
		                  "SELECT version, file, source FROM registers WHERE tenant_id = ? AND version = ?",
		                  "ii", a->tenant_id, version);
	if (rc < 0)
		return rc;
	rc = gd__db_step(db, st);
	if (rc == 0)
		rc = version <= 0 ? gd__err(GD_ENOTFOUND, "tenant %s has no register: load one with 'gardien register load FILE'", a->tenant)
		                  : gd__err(GD_ENOTFOUND, "tenant %s has no register version %lld: see 'gardien register versions'",
		                            a->tenant, (long long)version);
	if (rc == 1) {
		int64_t ver = gd__col_int(db, st, 0);
		size_t n;
		const char *text = gd__col_blob(db, st, 2, &n);
		char file[300];
		snprintf(file, sizeof file, "%s (version %lld)", gd__col_text(db, st, 1), (long long)ver);
		rc = gd__register_parse(out, file, text ? text : "", text ? n : 0, NULL, NULL, NULL, NULL);
		if (rc == GD_EINVAL || rc == GD_ETOOBIG)
			rc = gd__err(GD_ECORRUPT, "stored register version %lld of tenant %s no longer validates: %s",
			             (long long)ver, a->tenant, gd_error_last());
		if (rc == 0) {
			(*out)->version = ver;
			if (src) {
				if ((*src = gd__malloc(n + 1))) {
					memcpy(*src, text, n);
					(*src)[n] = 0;
					*srclen = n;
				} else {
					rc = gd__err(GD_ENOMEM, "out of memory");
				}
			}
		}
	}
	gd__db_reset(db, st);
	if (rc < 0) {
		gd__register_free(*out);
		*out = NULL;
	}
	return rc;
}

int gd__register_current(gd_actor *a, const struct gd__register **out)
{
	int64_t latest = 0;
	*out = NULL;
	/* Inside a transaction no other writer can load a version: one look-up per
	 * transaction is enough (loads through this handle update the cache). */
	bool in_tx = a->v->tx.depth > 0 || a->v->tx.batch;
	struct gd__register_cache *c = cache_entry(a->v, a->tenant_id, in_tx);
	if (in_tx && !c) /* out of memory: fail rather than carry on half-cached */
		return gd__err(GD_ENOMEM, "out of memory caching the register");
	if (in_tx && c && c->checked_gen == a->v->tx.gen) {
		*out = c->reg;
		return 0;
	}
	int rc = gd__db_int(a->v->store, &latest,
	                    "SELECT coalesce(max(version), 0) FROM registers WHERE tenant_id = ?", "i",
	                    a->tenant_id);
	if (rc == 0 && in_tx && c)
		c->checked_gen = a->v->tx.gen;
	if (rc < 0 || latest == 0)
		return rc;
	if (c && c->reg && c->version == latest) {
		*out = c->reg;
		return 0;
	}
	struct gd__register *r;
	if ((rc = fetch(a, latest, &r, NULL, NULL)) < 0)
		return rc;
	cache_put(a->v, a->tenant_id, latest, r);
	c = cache_entry(a->v, a->tenant_id, false);
	if (!c || c->reg != r)
		return gd__err(GD_ENOMEM, "out of memory caching the register");
	*out = r;
	return 0;
}

static json_t *find_by(json_t *arr, const char *key, const char *value);

/*
 * What a new version changes of what people were told (Art. 13/14: the
 * controller, DPO, authority, rights, and per activity its purposes, bases,
 * data, recipients, transfers, retention…), as opposed to the register's own
 * bookkeeping (format, events, taxonomy, security measures and controls,
 * roles, dates, impact assessments, reads_from and the read gates): one
 * policy-change notice per section or activity changed (rights/owed.c).
 */
static bool told(const char *key, bool activity)
{
	static const char *const top[] = {"gardien_register", "events", "taxonomy", "security", "controls", NULL};
	static const char *const act[] = {"roles", "created", "updated", "dpia", "reads_from", "read_only",
	                                  "on_request", "legal_claims", "security", "notice", NULL};
	for (const char *const *k = activity ? act : top; *k; k++)
		if (strcmp(*k, key) == 0)
			return false;
	return true;
}

static bool told_equal(json_t *x, json_t *y)
{
	const char *k;
	json_t *v;
	json_object_foreach (x, k, v)
		if (told(k, true) && !json_equal(v, json_object_get(y, k)))
			return false;
	json_object_foreach (y, k, v)
		if (told(k, true) && !json_object_get(x, k))
			return false;
	return true;
}

static int policy_changes(gd_actor *a, int64_t previous, const struct gd__register *now, int64_t version)
{
	struct gd__register *old = NULL;
	json_t *j1 = NULL, *j2 = NULL;
	int rc = fetch(a, previous, &old, NULL, NULL);
	if (rc < 0)
		return rc;
	if (!(j1 = gd__register_json(old)) || !(j2 = gd__register_json(now))) {
		rc = gd__err(GD_ENOMEM, "out of memory comparing registers");
		goto done;
	}
	const char *k;
	json_t *v;
	json_object_foreach (j1, k, v)
		if (rc == 0 && strcmp(k, "activities") != 0 && told(k, false) && !json_equal(v, json_object_get(j2, k)))
			rc = gd__owed_policy_change(a, version, k);
	json_object_foreach (j2, k, v)
		if (rc == 0 && strcmp(k, "activities") != 0 && told(k, false) && !json_object_get(j1, k))
			rc = gd__owed_policy_change(a, version, k);
	json_t *fa = json_object_get(j1, "activities"), *ta = json_object_get(j2, "activities"), *e;
	size_t i;
	json_array_foreach (fa, i, e) {
		const char *id = json_string_value(json_object_get(e, "id"));
		json_t *w = find_by(ta, "id", id);
		if (rc == 0 && (!w || !told_equal(e, w)))
			rc = gd__owed_policy_change(a, version, id);
	}
	json_array_foreach (ta, i, e) {
		const char *id = json_string_value(json_object_get(e, "id"));
		if (rc == 0 && !find_by(fa, "id", id))
			rc = gd__owed_policy_change(a, version, id);
	}
done:
	json_decref(j1);
	json_decref(j2);
	gd__register_free(old);
	return rc;
}

int gd_register_load_buffer(gd_actor *a, const char *name, const void *text, size_t len,
                            int64_t *out_version, int *out_unchanged)
{
	struct gd__register *r = NULL;
	gd_vault *v = a->v;
	gd__stmt *st;
	unsigned char digest[GD__HASH_SIZE];
	char hex[2 * GD__HASH_SIZE + 1], why[200];
	int64_t version = 0;
	bool same = false;
	int rc;

	if (out_unchanged)
		*out_unchanged = 0;
	if (!name || !*name)
		name = "register";
	if ((rc = gd__register_parse(&r, name, text, len, NULL, NULL, NULL, NULL)) < 0)
		return rc;
	gd__hash_state hs;
	gd__hash_init(&hs);
	gd__hash_update(&hs, text, len);
	gd__hash_final(&hs, digest);
	gd__hex(hex, digest, sizeof digest);
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;

	/* The cache slot is made first, so that nothing can fail after the commit. */
	if (!cache_entry(v, a->tenant_id, true)) {
		rc = gd__err(GD_ENOMEM, "out of memory");
		goto free;
	}
	if ((rc = gd__op_begin(v)) < 0)
		goto free;
	rc = gd__db_query(v->store, &st,
	                  "SELECT version, digest FROM registers WHERE tenant_id = ? ORDER BY version DESC LIMIT 1",
	                  "i", a->tenant_id);
	if (rc < 0)
		goto done;
	rc = gd__db_step(v->store, st);
	if (rc == 1) {
		version = gd__col_int(v->store, st, 0);
		same = strcmp(gd__col_text(v->store, st, 1), hex) == 0;
		rc = 0;
	}
	gd__db_reset(v->store, st);
	if (rc < 0 || same)
		goto done;
	version++;
	rc = gd__db_exec(v->store,
	                 "INSERT INTO registers (tenant_id, version, loaded_at, principal, file, digest,"
	                 " activities, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	                 "iiitttib", a->tenant_id, version, (int64_t)gd_vault_now(v), a->principal, base,
	                 hex, (int64_t)r->nactivities, text, len);
	/* Wimi §24 "Toute nouvelle version ... sera portée à la connaissance des clients/prospects". */
	if (rc == 0 && version > 1)
		rc = policy_changes(a, version - 1, r, version);
	if (rc < 0)
		goto done;
	snprintf(why, sizeof why, "version %lld, %zu activities, blake2b %.16s", (long long)version,
	         r->nactivities, hex);
	rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "register.load", .reason = why});
done:
	rc = gd__op_end(v, rc);
	if (rc == 0 && !same) {
		cache_put(v, a->tenant_id, version, r);
		r = NULL;
	}
free:
	gd__register_free(r);
	if (rc == 0) {
		if (out_version)
			*out_version = version;
		if (out_unchanged)
			*out_unchanged = same;
	}
	return rc;
}

int gd_register_load(gd_actor *a, const char *path, int64_t *out_version, int *out_unchanged)
{
	char *text;
	size_t len;
	int rc = gd__register_read_file(path, &text, &len);
	if (rc < 0)
		return rc;
	rc = gd_register_load_buffer(a, path, text, len, out_version, out_unchanged);
	gd__free(text);
	return rc;
}

int gd_register_versions(gd_actor *a, int (*cb)(void *ud, const gd_register_version *v), void *ud)
{
	gd__store *db = a->v->store;
	gd__stmt *st;
	int rc = gd__db_query(db, &st,
	                      "SELECT version, loaded_at, principal, file, digest, activities FROM registers"
	                      " WHERE tenant_id = ? ORDER BY version",
	                      "i", a->tenant_id);
	if (rc < 0)
		return rc;
	while ((rc = gd__db_step(db, st)) == 1) {
		gd_register_version ver = {
			.version = gd__col_int(db, st, 0),
			.loaded_at = gd__col_int(db, st, 1),
			.principal = gd__col_text(db, st, 2),
			.file = gd__col_text(db, st, 3),
			.digest = gd__col_text(db, st, 4),
			.activities = (int)gd__col_int(db, st, 5),
		};
		if ((rc = cb(ud, &ver)) != 0)
			break;
	}
	gd__db_reset(db, st);
	return rc;
}

int gd_register_export(gd_actor *a, int64_t version, const char *format, FILE *out)
{
	return gd_register_export_lang(a, version, format, NULL, out);
}

int gd_register_export_lang(gd_actor *a, int64_t version, const char *format, const char *language,
                            FILE *out)
{
	struct gd__register *r = NULL;
	char *src = NULL, why[64];
	size_t len = 0;
	int rc;
	if ((rc = fetch(a, version, &r, &src, &len)) < 0)
		return rc;
	if ((rc = gd__op_begin(a->v)) < 0)
		goto free;
	snprintf(why, sizeof why, "version %lld as %.16s", (long long)r->version, format ? format : "md");
	rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "register.export", .reason = why});
	if (rc == 0)
		rc = gd__register_write(r, src, len, format, language, out);
	rc = gd__op_end(a->v, rc);
free:
	gd__register_free(r);
	gd__free(src);
	return rc;
}

int gd_register_export_file(const char *path, const char *format, FILE *out)
{
	return gd_register_export_file_lang(path, format, NULL, out);
}

int gd_register_export_file_lang(const char *path, const char *format, const char *language, FILE *out)
{
	char *text;
	size_t len;
	struct gd__register *r = NULL;
	int rc = gd__register_read_file(path, &text, &len);
	if (rc < 0)
		return rc;
	if ((rc = gd__register_parse(&r, path, text, len, NULL, NULL, NULL, NULL)) == 0)
		rc = gd__register_write(r, text, len, format, language, out);
	gd__register_free(r);
	gd__free(text);
	return rc;
}

/* ---- diff ---- */

struct differ {
	int (*cb)(void *ud, const gd_register_change *c);
	void *ud;
	size_t n;
};

static int emit(struct differ *d, char op, const char *where, const char *field, json_t *before,
                json_t *after)
{
	char *b = before ? json_dumps(before, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	char *a = after ? json_dumps(after, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	d->n++;
	int rc = d->cb ? d->cb(d->ud, &(gd_register_change){op, where, field, b, a}) : 0;
	free(b);
	free(a);
	return rc;
}

/* Field-by-field comparison of two objects, in the order of `from` then new keys of `to`. */
static int diff_object(struct differ *d, const char *where, json_t *from, json_t *to)
{
	const char *k;
	json_t *v;
	int rc = 0;
	json_object_foreach (from, k, v) {
		json_t *w = json_object_get(to, k);
		if (!w)
			rc = emit(d, '-', where, k, v, NULL);
		else if (!json_equal(v, w))
			rc = emit(d, '~', where, k, v, w);
		if (rc)
			return rc;
	}
	json_object_foreach (to, k, v) {
		if (!json_object_get(from, k) && (rc = emit(d, '+', where, k, NULL, v)))
			return rc;
	}
	return 0;
}

static json_t *find_by(json_t *arr, const char *key, const char *value)
{
	size_t i;
	json_t *e;
	json_array_foreach (arr, i, e) {
		const char *s = json_string_value(json_object_get(e, key));
		if (s && strcmp(s, value) == 0)
			return e;
	}
	return NULL;
}

static int diff_json(struct differ *d, json_t *from, json_t *to)
{
	int rc = 0;
	const char *k;
	json_t *v;
	/* Sections other than activities: whole-section or field-level changes. */
	json_object_foreach (from, k, v) {
		if (strcmp(k, "activities") == 0)
			continue;
		json_t *w = json_object_get(to, k);
		if (!w)
			rc = emit(d, '-', k, NULL, v, NULL);
		else if (!json_equal(v, w))
			rc = json_is_object(v) && json_is_object(w) ? diff_object(d, k, v, w)
			                                            : emit(d, '~', k, NULL, v, w);
		if (rc)
			return rc;
	}
	json_object_foreach (to, k, v) {
		if (strcmp(k, "activities") != 0 && !json_object_get(from, k) &&
		    (rc = emit(d, '+', k, NULL, NULL, v)))
			return rc;
	}
	json_t *fa = json_object_get(from, "activities"), *ta = json_object_get(to, "activities");
	size_t i;
	json_t *e;
	char where[GD_NAME_MAX + 16];
	json_array_foreach (fa, i, e) {
		const char *id = json_string_value(json_object_get(e, "id"));
		snprintf(where, sizeof where, "activity %s", id);
		json_t *w = find_by(ta, "id", id);
		rc = !w ? emit(d, '-', where, NULL, e, NULL) : diff_object(d, where, e, w);
		if (rc)
			return rc;
	}
	json_array_foreach (ta, i, e) {
		const char *id = json_string_value(json_object_get(e, "id"));
		snprintf(where, sizeof where, "activity %s", id);
		if (!find_by(fa, "id", id) && (rc = emit(d, '+', where, NULL, NULL, e)))
			return rc;
	}
	return 0;
}

int gd_register_diff(gd_actor *a, int64_t from, int64_t to,
                     int (*cb)(void *ud, const gd_register_change *c), void *ud, size_t *out_changes)
{
	struct gd__register *r1 = NULL, *r2 = NULL;
	json_t *j1 = NULL, *j2 = NULL;
	struct differ d = {cb, ud, 0};
	int rc;
	if (out_changes)
		*out_changes = 0;
	if ((rc = fetch(a, from, &r1, NULL, NULL)) < 0 || (rc = fetch(a, to, &r2, NULL, NULL)) < 0)
		goto done;
	if (!(j1 = gd__register_json(r1)) || !(j2 = gd__register_json(r2))) {
		rc = gd__err(GD_ENOMEM, "out of memory comparing registers");
		goto done;
	}
	rc = diff_json(&d, j1, j2);
	if (out_changes)
		*out_changes = d.n;
done:
	json_decref(j1);
	json_decref(j2);
	gd__register_free(r1);
	gd__register_free(r2);
	return rc;
}
