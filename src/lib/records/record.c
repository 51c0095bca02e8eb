/*
 * record.c — records: one piece of personal data about a subject, sealed under
 * the subject's data key with associated data binding tenant, subject, record
 * id and category (gd__record_ad), so a ciphertext moved to another row, another
 * subject or another category no longer opens.
 *
 * Every read names a purpose and passes gd__policy_read; granted and refused
 * reads are both audited (a refusal in an operation of its own, since the
 * refused one is rolled back).
 *
 * A put in a caller's batch takes no savepoint (gd__op_begin_lean): its steps
 * are ordered so that a failure at any of them leaves nothing a caller sees.
 * The id counter and the due-date index row come first (an id skipped and an
 * index row without its record are harmless: ids are never given twice, the
 * sweep drops such rows), then the audit entry, into the buffered block, and
 * last the record's own INSERT, one statement that fails whole; if it fails,
 * the entry is taken back (gd__audit_undo_last). Nothing fails after it. A put
 * with rows after the record's (record_objects, record_clients) and the put
 * whose entry a periodic checkpoint signs (one in 1,000) take the savepoint all
 * the same: those rows could not be taken back.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "lib/internal.h"
#include "lib/retention/retention.h"
#include "lib/rights/rights.h"
#include "util/json.h"
#include "util/utf8.h"

#define AD_MAX (3 + 16 + GD_SUBJECT_ID_SIZE + 1 + GD_NAME_MAX + 16)

static int check_value(enum gd_value_type type, const void *value, size_t n)
{
	if (!value)
		return gd__err(GD_EINVAL, "record value is missing");
	if (n > GD_VALUE_MAX)
		return gd__err(GD_ETOOBIG, "record value is %zu bytes, over the limit of %u", n, GD_VALUE_MAX);
	if (type != GD_VALUE_TEXT && type != GD_VALUE_JSON)
		return gd__err(GD_EINVAL, "record value type %d is neither text nor JSON", (int)type);
	if (!gd__utf8_valid(value, n))
		return gd__err(GD_EINVAL, "record value is not valid UTF-8 text");
	size_t at;
	if (type == GD_VALUE_JSON && !gd__json_valid(value, n, &at))
		return gd__err(GD_EINVAL,
		               "record value is not valid JSON (near byte %zu, nested at most %d deep)",
		               at, GD__JSON_MAX_DEPTH);
	return 0;
}

/* The spec's object key; a version 1 spec ends before the field. */
static const char *spec_object(const gd_record_spec *spec)
{
	return spec->version >= 2 && spec->object && *spec->object ? spec->object : NULL;
}

static const char *spec_client(const gd_record_spec *spec)
{
	return spec->version >= 2 && spec->client && *spec->client ? spec->client : NULL;
}

static int check_spec(const gd_record_spec *spec)
{
	int rc;
	if (!spec || spec->version < 1 || spec->version > GD_RECORD_SPEC_VERSION)
		return gd__err(GD_EINVAL, "gd_record_spec is missing or of an unsupported version");
	if ((spec_object(spec) && (rc = gd__check_name(spec_object(spec), "object key")) < 0) ||
	    (spec_client(spec) && (rc = gd__check_name(spec_client(spec), "client")) < 0))
		return rc;
	if ((rc = gd__check_name(spec->activity, "activity")) < 0 ||
	    (rc = gd__check_name(spec->category, "category")) < 0 ||
	    (spec->source && (rc = gd__check_name(spec->source, "source")) < 0) ||
	    (spec->subject_category &&
	     (rc = gd__check_name(spec->subject_category, "subject category")) < 0))
		return rc;
	return check_value(spec->type, spec->value, spec->value_len);
}

int gd_record_put(gd_actor *a, int64_t *out_id, const char *subject, const gd_record_spec *spec)
{
	struct gd__subject s = {0};
	unsigned char ad[AD_MAX], *sealed = NULL;
	gd_vault *v = a->v;
	int64_t id = 0;
	int rc;

	if ((rc = check_spec(spec)) < 0)
		return rc;
	/* Retention counts from collected_at: a date in the future would keep
	 * the record past its period (year 9999: forever). One day of slack for
	 * a date written in a time zone ahead of UTC. */
	if (spec->collected_at > gd_vault_now(v) + GD_COLLECTED_SKEW) {
		char when[32];
		gd_time_format(when, gd_vault_now(v) + GD_COLLECTED_SKEW);
		return gd__err(GD_EINVAL, "collected_at is in the future: give the time the data was collected, at the latest %s",
		               when);
	}
	if (spec->collected_at < 0)
		return gd__err(GD_EINVAL, "collected_at is before 1970: give the time the data was collected");
	if ((rc = gd__policy_write(a, subject, spec)) < 0) {
		/* Only a refusal is audited: a failure (storage, memory) wrote nothing to refuse. */
		if (rc == GD_EDENIED)
			gd__audit_denied(a, &(struct gd__audit_event){
						    .action = "record.put", .purpose = spec->activity, .subject = subject, .category = spec->category, .outcome = GD__DENIED, .reason = gd_error_last()});
		return rc;
	}
	if (!(sealed = gd__malloc(spec->value_len + GD__SEAL_OVERHEAD)))
		return GD_ENOMEM;
	/* Lean unless it writes rows after the record's own (an object key, a
	 * client) or its entry is signed by a periodic checkpoint. */
	bool lean = !spec_object(spec) && !spec_client(spec) && !gd__audit_next_is_checkpoint(v, a->tenant_id);
	rc = lean ? gd__op_begin_lean(v) : gd__op_begin(v);
	if (rc < 0)
		goto free;
	if ((rc = gd__subject_load(a, &s, subject, true)) < 0)
		goto done;
	/* The MAC below under the tenant key as its row has it now (a rotation may
	 * have begun: keys/tenant_key.c); checked before anything is audited. */
	if ((rc = gd__actor_keys_fresh(a, false)) < 0)
		goto done;
	/* From the vault's counter: above every id ever given, deleted ones included. */
	if ((rc = gd__db_next_id(v->store, GD__COUNTER_RECORDS, &id)) < 0)
		goto done;
	if ((rc = gd__retention_track(v, id, a->tenant_id)) < 0)
		goto done;
	if ((rc = gd__audit_actor(a, &(struct gd__audit_event){
					     .action = "record.put", .purpose = spec->activity, .subject = subject, .record_id = id, .category = spec->category})) < 0)
		goto done;
	gd__seal(sealed, s.key, spec->value, spec->value_len, ad,
	         gd__record_ad(ad, sizeof ad, a->tenant_id, subject, id, spec->category));
	gd_time now = gd_vault_now(v);
	const char *subject_category =
		spec->subject_category && *spec->subject_category ? spec->subject_category : NULL;
	gd_time collected_at = spec->collected_at ? spec->collected_at : now;
	unsigned char mac[GD__BLIND_SIZE];
	gd__record_mac(mac, GD__ACTOR_META(a),
	               &(struct gd__record_fields){.id = id, .tenant_id = a->tenant_id, .collected_at = collected_at, .stage = GD__REC_ACTIVE, .subject = subject, .activity = spec->activity, .category = spec->category, .subject_category = subject_category});
	rc = gd__db_exec(v->store,
	                 "INSERT INTO records (id, tenant_id, subject_id, activity, category, source,"
	                 " collected_at, updated_at, type, sealed, subject_category, mac)"
	                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                 "iiitttiiibtb", id, a->tenant_id, s.id, spec->activity, spec->category,
	                 spec->source ? spec->source : "subject", (int64_t)collected_at, (int64_t)now,
	                 (int64_t)spec->type, sealed, spec->value_len + GD__SEAL_OVERHEAD, subject_category,
	                 mac, sizeof mac);
	if (rc < 0)
		gd__audit_undo_last(v); /* a no-op unless lean: a rollback drops the entry then */
	/* Rows after the record's: such a put took its savepoint (not lean, above). */
	if (rc == 0 && spec_object(spec))
		rc = gd__db_exec(v->store, "INSERT INTO record_objects (record_id, object, tenant_id) VALUES (?, ?, ?)",
		                 "iti", id, spec_object(spec), a->tenant_id);
	if (rc == 0 && spec_client(spec))
		rc = gd__db_exec(v->store, "INSERT INTO record_clients (record_id, client, tenant_id) VALUES (?, ?, ?)",
		                 "iti", id, spec_client(spec), a->tenant_id);
done:
	rc = gd__op_end(v, rc);
free:
	gd__wipe(&s, sizeof s);
	gd__free(sealed);
	if (rc == 0 && out_id)
		*out_id = id;
	return rc;
}

void gd_record_free(gd_record *r)
{
	if (!r)
		return;
	gd__secure_free(r->value);
	gd__wipe(r, sizeof *r);
	gd__free(r);
}

/* Columns of RECORD_COLUMNS, in order. */
#define RECORD_COLUMNS \
	"r.id, s.pseudonym, s.wrapped_key, r.activity, r.category, r.source, r.collected_at," \
	" r.updated_at, r.type, r.sealed, r.subject_id, r.stage, r.subject_category, r.mac"

/* Decrypts the current row of a RECORD_COLUMNS query into `r` (value allocated). */
static int decrypt_row(gd_actor *a, gd__stmt *st, struct gd__subject *s, gd_record *r)
{
	gd__store *db = a->v->store;
	unsigned char ad[AD_MAX];
	size_t n;
	int rc;
	if (!s->id) {
		gd__copy(s->pseudonym, sizeof s->pseudonym, gd__col_text(db, st, 1));
		const void *w = gd__col_blob(db, st, 2, &n);
		if ((rc = gd__subject_unwrap(a, s, w, n)) < 0)
			return rc;
		s->id = 1;
	}
	const void *sealed = gd__col_blob(db, st, 9, &n);
	if (n < GD__SEAL_OVERHEAD)
		return gd__err(GD_ECORRUPT, "record %lld is truncated", (long long)r->id);
	r->value_len = n - GD__SEAL_OVERHEAD;
	if (!(r->value = gd__secure_alloc(r->value_len + 1)))
		return gd__err(GD_ENOMEM, "out of secure memory");
	rc = gd__open(r->value, s->key, sealed, n, ad,
	              gd__record_ad(ad, sizeof ad, a->tenant_id, s->pseudonym, r->id, r->category));
	if (rc < 0)
		return gd__err(GD_ECORRUPT, "record %lld failed authentication: it was altered or moved",
		               (long long)r->id);
	r->value[r->value_len] = 0;
	return 0;
}

/* Fills the clear metadata of `r` from the current row. */
static void row_meta(gd__store *db, gd__stmt *st, gd_record *r)
{
	r->id = gd__col_int(db, st, 0);
	gd__copy(r->subject, sizeof r->subject, gd__col_text(db, st, 1));
	gd__copy(r->activity, sizeof r->activity, gd__col_text(db, st, 3));
	gd__copy(r->category, sizeof r->category, gd__col_text(db, st, 4));
	gd__copy(r->source, sizeof r->source, gd__col_text(db, st, 5));
	r->collected_at = gd__col_int(db, st, 6);
	r->updated_at = gd__col_int(db, st, 7);
	r->type = (enum gd_value_type)gd__col_int(db, st, 8);
}

/* Checks the metadata MAC of the current row, whose metadata is already in `r`. */
static int check_meta(gd_actor *a, gd__stmt *st, const gd_record *r)
{
	gd__store *db = a->v->store;
	size_t n;
	const void *mac = gd__col_blob(db, st, 13, &n);
	struct gd__record_fields f = {.id = r->id, .tenant_id = a->tenant_id, .collected_at = r->collected_at, .stage = gd__col_int(db, st, 11), .subject = r->subject, .activity = r->activity, .category = r->category, .subject_category = gd__col_text(db, st, 12)};
	return gd__record_mac_check(a, &f, mac, n);
}

/* The policy's view of the current row, whose metadata is already in `r`. */
static struct gd__record_meta meta_of(gd__store *db, gd__stmt *st, const gd_record *r)
{
	return (struct gd__record_meta){
		.id = r->id, .subject_id = gd__col_int(db, st, 10), .subject = r->subject, .activity = r->activity, .category = r->category, .stage = (int)gd__col_int(db, st, 11)};
}

/*
 * A read once its row is found (gd_record_get, gd_record_find): the metadata
 * checked before the policy decides on it (metadata edited in the database
 * must not steer it), the value decrypted, the read audited. Resets `st`.
 */
static int read_row(gd_actor *a, gd__stmt *st, gd_record *r, int64_t id, const char *purpose, bool *denied)
{
	struct gd__subject s = {0};
	gd__store *db = a->v->store;
	row_meta(db, st, r);
	int rc = check_meta(a, st, r);
	if (rc == 0) {
		struct gd__record_meta m = meta_of(db, st, r);
		rc = gd__policy_read(a, &m, purpose);
		*denied = rc == GD_EDENIED;
	}
	if (rc == 0)
		rc = decrypt_row(a, st, &s, r);
	gd__wipe(&s, sizeof s);
	gd__db_reset(db, st);
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){
						.action = "record.get", .purpose = purpose, .subject = r->subject, .record_id = id, .category = r->category});
	return rc;
}

/* A read's end (gd_record_get, gd_record_find): its operation ended, then a
 * refusal audited on its own, after the rollback of the read's transaction. */
static int end_read(gd_actor *a, gd__stmt *st, int rc, const gd_record *r, int64_t id, const char *purpose,
                    bool denied)
{
	if (st)
		gd__db_reset(a->v->store, st);
	rc = gd__op_end(a->v, rc);
	if (denied)
		gd__audit_denied(a, &(struct gd__audit_event){
					    .action = "record.get", .purpose = purpose, .subject = r->subject, .record_id = id, .category = r->category, .outcome = GD__DENIED, .reason = gd_error_last()});
	return rc;
}

int gd_record_get(gd_actor *a, gd_record **out, int64_t id, const char *purpose)
{
	gd_vault *v = a->v;
	gd_record *r = NULL;
	gd__stmt *st = NULL;
	bool denied = false;
	int rc;

	*out = NULL;
	if ((rc = gd__check_name(purpose, "purpose")) < 0)
		return rc;
	if (!(r = gd__calloc(1, sizeof *r)))
		return GD_ENOMEM;
	if ((rc = gd__op_begin_read(v)) < 0)
		goto free;
	rc = gd__db_query(v->store, &st,
	                  "SELECT " RECORD_COLUMNS " FROM records r JOIN subjects s ON s.id = r.subject_id AND s.tenant_id = r.tenant_id"
	                  " WHERE r.id = ? AND r.tenant_id = ?",
	                  "ii", id, a->tenant_id);
	if (rc < 0)
		goto done;
	rc = gd__db_step(v->store, st);
	if (rc == 0)
		rc = gd__err(GD_ENOTFOUND, "no record %lld in tenant %s", (long long)id, a->tenant);
	if (rc < 0)
		goto done;
	rc = read_row(a, st, r, id, purpose, &denied);
	st = NULL;
done:
	rc = end_read(a, st, rc, r, id, purpose, denied);
free:
	if (rc < 0)
		gd_record_free(r);
	else
		*out = r;
	return rc;
}

/*
 * gd_subject_find and gd_record_get in one statement (identifier, subject
 * and record joined): on PostgreSQL one round trip instead of two. Audited
 * as the two calls are: the find's entry, then the read's (or its refusal).
 */
int gd_record_find(gd_actor *a, gd_record **out, const char *kind, const char *value, int64_t id,
                   const char *purpose)
{
	unsigned char blind[GD__BLIND_SIZE];
	char cat[GD_NAME_MAX + 16], found[GD_SUBJECT_ID_SIZE] = "";
	gd_vault *v = a->v;
	gd_record *r = NULL;
	gd__stmt *st = NULL;
	bool denied = false, have = false;
	int rc;

	*out = NULL;
	if ((rc = gd__check_name(purpose, "purpose")) < 0 || (rc = gd__subject_blind(a, blind, kind, value)) < 0)
		return rc;
	if (!(r = gd__calloc(1, sizeof *r)))
		return GD_ENOMEM;
	if ((rc = gd__op_begin_read(v)) < 0)
		goto free;
	/* Not found under the actor's tenant key: it may have turned since the
	 * actor opened, or be turning (the row still under the previous key), so
	 * the look-up is tried again as gd_subject_find does (keys/tenant_key.c). */
	for (int key = GD__KEY_NOW; rc == 0 && key <= GD__KEY_PREVIOUS; key++) {
		if (key > GD__KEY_NOW && ((rc = gd__subject_blind_again(a, blind, kind, value, key)) <= 0))
			continue;
		rc = gd__db_query(v->store, &st,
		                  "SELECT " RECORD_COLUMNS ", i.kind, i.mac FROM identifiers i"
		                  " JOIN subjects s ON s.id = i.subject_id AND s.tenant_id = i.tenant_id"
		                  " LEFT JOIN records r ON r.subject_id = s.id AND r.id = ? AND r.tenant_id = i.tenant_id"
		                  " WHERE i.tenant_id = ? AND i.blind = ?",
		                  "iib", id, a->tenant_id, blind, sizeof blind);
		if (rc < 0 || (rc = gd__db_step(v->store, st)) < 0)
			goto done;
		if (rc == 1) {
			size_t n;
			const void *mac = gd__col_blob(v->store, st, 15, &n);
			gd__copy(found, sizeof found, gd__col_text(v->store, st, 1));
			if ((rc = gd__identifier_check(a, blind, found, gd__col_text(v->store, st, 14), mac, n, key)) < 0)
				goto done;
			break;
		}
		gd__db_reset(v->store, st), st = NULL;
	}
	if (rc < 0)
		goto done;
	snprintf(cat, sizeof cat, "identifier:%s", kind);
	rc = gd__audit_actor(a, &(struct gd__audit_event){
					.action = "subject.find", .subject = *found ? found : NULL, .category = cat, .outcome = *found ? GD__OK : GD__FAILED, .reason = *found ? NULL : "not found"});
	/* No subject, or no such record of it: the find's entry is kept, as gd_subject_find's. */
	if (rc < 0 || !*found || gd__col_null(v->store, st, 0))
		goto done;
	have = true;
	rc = read_row(a, st, r, id, purpose, &denied);
	st = NULL;
done:
	rc = end_read(a, st, rc, r, id, purpose, denied);
	if (rc == 0 && !*found)
		rc = gd__err(GD_ENOTFOUND, "no subject of tenant %s has this %s", a->tenant, kind);
	else if (rc == 0 && !have)
		rc = gd__err(GD_ENOTFOUND, "the subject with this %s has no record %lld", kind, (long long)id);
free:
	if (rc < 0)
		gd_record_free(r);
	else
		*out = r;
	return rc;
}

int gd_record_list(gd_actor *a, const char *subject, const char *purpose, gd_record_cb cb,
                   void *ud, size_t *out_denied)
{
	struct gd__subject s = {0}, keyed = {0};
	gd_vault *v = a->v;
	gd__stmt *st = NULL;
	size_t denied = 0;
	int rc, given = 0;

	if ((rc = gd__check_name(purpose, "purpose")) < 0)
		return rc;
	if ((rc = gd__op_begin_read(v)) < 0)
		return rc;
	if ((rc = gd__subject_load(a, &s, subject, false)) < 0)
		goto done;
	rc = gd__db_query(v->store, &st,
	                  "SELECT " RECORD_COLUMNS " FROM records r JOIN subjects s ON s.id = r.subject_id AND s.tenant_id = r.tenant_id"
	                  " WHERE r.tenant_id = ? AND r.subject_id = ? ORDER BY r.id",
	                  "ii", a->tenant_id, s.id);
	while (rc == 0 && (rc = gd__db_step(v->store, st)) == 1) {
		gd_record r = {0};
		row_meta(v->store, st, &r);
		if ((rc = check_meta(a, st, &r)) < 0)
			break;
		struct gd__record_meta m = meta_of(v->store, st, &r);
		rc = gd__policy_read(a, &m, purpose);
		if (rc == GD_EDENIED) {
			denied++;
			rc = 0;
			continue;
		}
		if (rc == 0)
			rc = decrypt_row(a, st, &keyed, &r);
		if (rc == 0)
			rc = gd__audit_actor(a, &(struct gd__audit_event){
							.action = "record.get", .purpose = purpose, .subject = subject, .record_id = r.id, .category = r.category});
		if (rc == 0)
			given = cb(ud, &r);
		gd__secure_free(r.value);
		if (given)
			break;
	}
	if (rc == 0 && denied) {
		char why[64];
		snprintf(why, sizeof why, "%zu record(s) withheld for this purpose", denied);
		rc = gd__audit_actor(a, &(struct gd__audit_event){
						.action = "record.list", .purpose = purpose, .subject = subject, .outcome = GD__DENIED, .reason = why});
	}
done:
	if (st)
		gd__db_reset(v->store, st);
	gd__wipe(&keyed, sizeof keyed);
	rc = gd__op_end_given(v, rc, given);
	if (out_denied)
		*out_denied = denied;
	return rc;
}

/* Loads a record's metadata and unwrapped subject key for a write. */
static int load_for_write(gd_actor *a, gd_record *r, struct gd__subject *s)
{
	gd__store *db = a->v->store;
	gd__stmt *st;
	int rc = gd__db_query(db, &st,
	                      "SELECT " RECORD_COLUMNS " FROM records r JOIN subjects s ON s.id = r.subject_id AND s.tenant_id = r.tenant_id"
	                      " WHERE r.id = ? AND r.tenant_id = ?",
	                      "ii", r->id, a->tenant_id);
	if (rc < 0)
		return rc;
	rc = gd__db_step(db, st);
	if (rc == 0)
		rc = gd__err(GD_ENOTFOUND, "no record %lld in tenant %s", (long long)r->id, a->tenant);
	if (rc == 1) {
		row_meta(db, st, r);
		rc = check_meta(a, st, r);
		gd__copy(s->pseudonym, sizeof s->pseudonym, r->subject);
		size_t n;
		const void *w = gd__col_blob(db, st, 2, &n);
		if (rc == 0)
			rc = gd__subject_unwrap(a, s, w, n);
	}
	gd__db_reset(db, st);
	return rc;
}

int gd_record_update(gd_actor *a, int64_t id, enum gd_value_type type, const void *value,
                     size_t value_len)
{
	struct gd__subject s = {0};
	gd_record r = {.id = id};
	unsigned char ad[AD_MAX], *sealed = NULL;
	gd_vault *v = a->v;
	int rc;

	if ((rc = check_value(type, value, value_len)) < 0)
		return rc;
	if (!(sealed = gd__malloc(value_len + GD__SEAL_OVERHEAD)))
		return GD_ENOMEM;
	if ((rc = gd__op_begin(v)) < 0)
		goto free;
	if ((rc = load_for_write(a, &r, &s)) < 0)
		goto done;
	gd__seal(sealed, s.key, value, value_len, ad,
	         gd__record_ad(ad, sizeof ad, a->tenant_id, r.subject, id, r.category));
	rc = gd__db_exec(v->store, "UPDATE records SET sealed = ?, type = ?, updated_at = ? WHERE tenant_id = ? AND id = ?",
	                 "biiii", sealed, value_len + GD__SEAL_OVERHEAD, (int64_t)type,
	                 (int64_t)gd_vault_now(v), a->tenant_id, id);
	/* Art. 19: the recipients learn of every rectification, requested or not. */
	if (rc == 0)
		rc = gd__outbox_notify(a, "rectification", r.subject, r.activity, r.category, id, a->request_id);
	/* And the person, of a change the company made (rights/owed.c: the register's inform_changes). */
	if (rc == 0)
		rc = gd__owed_change(a, r.subject, r.activity, r.category, id);
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){
						.action = "record.update", .subject = r.subject, .record_id = id, .category = r.category});
done:
	rc = gd__op_end(v, rc);
free:
	gd__wipe(&s, sizeof s);
	gd__free(sealed);
	return rc;
}

int gd_record_delete(gd_actor *a, int64_t id)
{
	gd_vault *v = a->v;
	gd__stmt *st;
	char subject[GD_SUBJECT_ID_SIZE] = "", category[GD_NAME_MAX + 1] = "", activity[GD_NAME_MAX + 1] = "";
	int rc;

	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	char subject_category[GD_NAME_MAX + 1] = "", object[GD_NAME_MAX + 1] = "";
	struct gd__record_facts f = {activity, category, subject_category, 0, 0, object};
	rc = gd__db_query(v->store, &st,
	                  "SELECT s.pseudonym, r.category, r.activity, r.subject_category, r.subject_id,"
	                  " r.collected_at, o.object FROM records r JOIN subjects s ON s.id = r.subject_id AND s.tenant_id = r.tenant_id"
	                  " LEFT JOIN record_objects o ON o.record_id = r.id AND o.tenant_id = r.tenant_id"
	                  " WHERE r.id = ? AND r.tenant_id = ?",
	                  "ii", id, a->tenant_id);
	if (rc == 0) {
		rc = gd__db_step(v->store, st);
		if (rc == 1) {
			gd__copy(subject, sizeof subject, gd__col_text(v->store, st, 0));
			gd__copy(category, sizeof category, gd__col_text(v->store, st, 1));
			gd__copy(activity, sizeof activity, gd__col_text(v->store, st, 2));
			gd__copy(subject_category, sizeof subject_category, gd__col_text(v->store, st, 3));
			f.subject_id = gd__col_int(v->store, st, 4);
			f.collected_at = gd__col_int(v->store, st, 5);
			gd__copy(object, sizeof object, gd__col_text(v->store, st, 6));
			rc = 0;
		} else if (rc == 0) {
			rc = gd__err(GD_ENOTFOUND, "no record %lld in tenant %s", (long long)id, a->tenant);
		}
		gd__db_reset(v->store, st);
	}
	/* A minimum retention (format 2) is a floor the law sets: no delete before it. */
	const struct gd__register *reg = NULL;
	if (rc == 0 && (rc = gd__register_current(a, &reg)) == 0 && reg) {
		gd_time until;
		char why[512];
		rc = gd__retention_floor(a, reg, &f, &until, why, sizeof why);
		if (rc == 1)
			rc = gd__err(GD_ESTATE, "record %lld may not be deleted yet: %s", (long long)id, why);
	}
	if (rc == 0)
		rc = gd__records_delete(v, a->tenant_id, id, id, NULL);
	if (rc == 0)
		rc = gd__outbox_notify(a, "erasure", subject, activity, category, id, a->request_id);
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){
						.action = "record.delete", .subject = subject, .record_id = id, .category = category});
	return gd__op_end(v, rc);
}

/* ---- the records table's writes for the other modules ---- */

/*
 * The record's side rows (record.c owns them with the records): the object
 * key (record_objects) and, in processor activities, the customer
 * (record_clients) go with the record.
 */
static int forget_side_rows(gd_vault *v, int64_t tenant_id, int64_t first, int64_t last)
{
	int rc = gd__db_exec(v->store, "DELETE FROM record_objects WHERE tenant_id = ? AND record_id BETWEEN ? AND ?",
	                     "iii", tenant_id, first, last);
	if (rc == 0)
		rc = gd__db_exec(v->store, "DELETE FROM record_clients WHERE tenant_id = ? AND record_id BETWEEN ? AND ?",
		                 "iii", tenant_id, first, last);
	return rc;
}

int gd__records_delete(gd_vault *v, int64_t tenant_id, int64_t first, int64_t last, int64_t *n)
{
	int rc = gd__db_exec(v->store, "DELETE FROM records WHERE tenant_id = ? AND id BETWEEN ? AND ?", "iii",
	                     tenant_id, first, last);
	if (n)
		*n = rc == 0 ? gd__db_changes(v->store) : 0;
	if (rc == 0)
		rc = forget_side_rows(v, tenant_id, first, last);
	return rc == 0 ? gd__retention_forget(v, tenant_id, first, last) : rc;
}

/*
 * A subject's records and what goes with them. Their ids are read first (the
 * subject's index) and their side rows deleted one id at a time: a side table
 * joined with records (`record_id IN (SELECT id FROM records WHERE
 * subject_id = ?)`) is planned from statistics, and PostgreSQL, on a table
 * filled since its last ANALYZE, scanned the whole of retention_due for every
 * erasure (9 ms at 100k records, 69 ms at 1M, issue 14); with keys led by
 * the tenant it could not probe by record id at all. `tenant_id = ? AND
 * record_id = ?` is a primary-key probe on both engines (SQLite's rowid;
 * an `IN` list there walks the tenant's due-date index instead). Each
 * statement names the tenant: Citus runs it on that tenant's shards alone.
 */
int gd__records_delete_subject(gd_vault *v, int64_t tenant_id, int64_t subject_id)
{
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	gd__stmt *st;
	int rc = gd__db_query(v->store, &st, "SELECT id FROM records WHERE tenant_id = ? AND subject_id = ? ORDER BY id",
	                      "ii", tenant_id, subject_id);
	while (rc == 0 && (rc = gd__db_step(v->store, st)) == 1) {
		if (n == cap) {
			int64_t *m = gd__calloc(cap = cap ? 2 * cap : 64, sizeof *m);
			if (!m) {
				rc = GD_ENOMEM;
				break;
			}
			if (n)
				memcpy(m, ids, n * sizeof *ids);
			gd__free(ids);
			ids = m;
		}
		ids[n++] = gd__col_int(v->store, st, 0);
		rc = 0;
	}
	if (rc >= 0)
		gd__db_reset(v->store, st);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc = gd__retention_forget_one(v, tenant_id, ids[i]);
		if (rc == 0)
			rc = gd__db_exec(v->store, "DELETE FROM record_objects WHERE tenant_id = ? AND record_id = ?", "ii",
			                 tenant_id, ids[i]);
		if (rc == 0)
			rc = gd__db_exec(v->store, "DELETE FROM record_clients WHERE tenant_id = ? AND record_id = ?", "ii",
			                 tenant_id, ids[i]);
	}
	gd__free(ids);
	return rc == 0 ? gd__db_exec(v->store, "DELETE FROM records WHERE tenant_id = ? AND subject_id = ?", "ii",
	                             tenant_id, subject_id)
	               : rc;
}

/*
 * The MAC of record `id` as it will be once moved to `stage` (anonymised: no
 * subject, `collected`), from its row: the caller's next write stores it.
 */
static int mac_after(gd_actor *a, int64_t id, int stage, gd_time collected, bool anonymised,
                     unsigned char mac[GD__BLIND_SIZE])
{
	gd__store *db = a->v->store;
	gd__stmt *st;
	int rc = gd__actor_keys_fresh(a, false); /* the tenant key of now (keys/tenant_key.c) */
	if (rc < 0)
		return rc;
	rc = gd__db_query(db, &st,
	                  "SELECT r.activity, r.category, r.subject_category, r.collected_at, s.pseudonym"
	                  " FROM records r LEFT JOIN subjects s ON s.id = r.subject_id AND s.tenant_id = r.tenant_id"
	                  " WHERE r.tenant_id = ? AND r.id = ?",
	                  "ii", a->tenant_id, id);
	if (rc < 0)
		return rc;
	rc = gd__db_step(db, st);
	if (rc == 1) {
		gd__record_mac(mac, GD__ACTOR_META(a),
		               &(struct gd__record_fields){.id = id, .tenant_id = a->tenant_id, .collected_at = anonymised ? collected : gd__col_int(db, st, 3), .stage = stage, .subject = anonymised ? NULL : gd__col_text(db, st, 4), .activity = gd__col_text(db, st, 0), .category = gd__col_text(db, st, 1), .subject_category = gd__col_text(db, st, 2)});
		rc = 0;
	} else if (rc == 0) {
		rc = gd__err(GD_ENOTFOUND, "no record %lld", (long long)id);
	}
	gd__db_reset(db, st);
	return rc;
}

int gd__records_archive(gd_actor *a, int64_t id)
{
	unsigned char mac[GD__BLIND_SIZE];
	int rc = mac_after(a, id, GD__REC_ARCHIVED, 0, false, mac);
	if (rc == 0)
		rc = gd__db_exec(a->v->store, "UPDATE records SET stage = ?, mac = ? WHERE tenant_id = ? AND id = ?", "ibii",
		                 (int64_t)GD__REC_ARCHIVED, mac, sizeof mac, a->tenant_id, id);
	return rc;
}

int gd__records_anonymise(gd_actor *a, int64_t id, gd_time collected_month)
{
	unsigned char mac[GD__BLIND_SIZE];
	int rc = mac_after(a, id, GD__REC_ANONYMISED, collected_month, true, mac);
	/* The object key (a contract number) could single the person out again. */
	if (rc == 0)
		rc = gd__db_exec(a->v->store, "DELETE FROM record_objects WHERE tenant_id = ? AND record_id = ?", "ii",
		                 a->tenant_id, id);
	if (rc == 0)
		rc = gd__db_exec(a->v->store,
		                 "UPDATE records SET stage = ?, subject_id = 0, sealed = ?, collected_at = ?,"
		                 " updated_at = ?, mac = ? WHERE tenant_id = ? AND id = ?",
		                 "ibiibii", (int64_t)GD__REC_ANONYMISED, "", (size_t)0, (int64_t)collected_month,
		                 (int64_t)gd_vault_now(a->v), mac, sizeof mac, a->tenant_id, id);
	return rc;
}
