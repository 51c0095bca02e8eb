/*
 * test_audit.c — the audit trail's promises: every kind of tampering (edit,
 * delete, insert, reorder, truncate, rewrite, forged signature) is found and
 * the first bad entry named exactly; pruning keeps what remains verifiable;
 * filters select exactly; an export verifies offline; and a process killed
 * with SIGKILL in the middle of a write load leaves no operation without its
 * entry and no entry without its operation.
 */
#include <libpq-fe.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "lib/audit/audit.h"
#include "lib/internal.h"

#define T0 1767225600 /* the fixture's clock: 2026-01-01T00:00:00Z */
#define ACME 1        /* tenant id of "acme" */

static int64_t put(gd_actor *a, const char *subject, const char *activity, const char *category,
                   const char *value)
{
	gd_record_spec s = GD_RECORD_SPEC_INIT;
	int64_t id;
	s.activity = activity;
	s.category = category;
	s.value = value;
	s.value_len = strlen(value);
	GD_OK_OR_FAIL(gd_record_put(a, &id, subject, &s));
	return id;
}

/* A vault whose acme chain holds a few dozen entries of several kinds. */
static struct fixture *populated(void)
{
	struct fixture *f = fx_new();
	char s1[GD_SUBJECT_ID_SIZE], s2[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, s1));
	GD_OK_OR_FAIL(gd_subject_create(f->a, s2));
	for (int i = 0; i < 10; i++) {
		int64_t id = put(f->a, i % 2 ? s1 : s2, "billing", "user.financial", "FR76 0000");
		gd_record *r;
		GD_OK_OR_FAIL(gd_record_get(f->a, &r, id, "billing"));
		gd_record_free(r);
	}
	return f;
}

/* Closes the vault, runs `stmt` on the file, reopens, verifies. */
static int tamper_and_verify(struct fixture *f, const char *stmt, gd_audit_report *r)
{
	gd_actor_close(f->a);
	gd_vault_close(f->v);
	f->a = NULL, f->v = NULL;
	if (stmt)
		db_exec(f->path, stmt);
	fx_reopen(f);
	return gd_audit_verify(f->v, NULL, r, NULL, NULL);
}

static void expect(struct fixture *f, const char *stmt, int problem, int64_t seq)
{
	gd_audit_report r;
	int rc = tamper_and_verify(f, stmt, &r);
	if (rc != GD_ECORRUPT || r.problem != problem || r.seq != seq || r.tenant_id != ACME)
		fail_msg("after \"%s\": rc %d, problem %s at %lld of tenant %lld (%s); wanted %s at %lld",
		         stmt, rc, gd_audit_problem_name(r.problem), (long long)r.seq,
		         (long long)r.tenant_id, r.detail, gd_audit_problem_name(problem), (long long)seq);
	assert_string_equal(r.tenant, "acme");
	assert_non_null(strstr(gd_error_last(), "acme"));
}

/* docs/FORMAT.md, "Entry hash", written out independently of audit.c. */
static void reference_hash(unsigned char out[32], const unsigned char prev[32],
                           const struct gd__audit_entry *e)
{
	gd__hash_state h;
	unsigned char b[8];
	const char *strs[6] = {e->principal, e->action, e->purpose, e->subject, e->category, e->reason};
	uint64_t ints[5] = {(uint64_t)e->tenant_id, (uint64_t)e->seq, (uint64_t)e->at,
	                    (uint64_t)e->record_id, (uint64_t)e->outcome};
	/* tenant seq at principal action purpose subject record_id category outcome reason */
	const char order[] = "IIISSSSISIS";
	int si = 0, ii = 0;
	gd__hash_init(&h);
	gd__hash_update(&h, "gardien audit v1", 16);
	gd__hash_update(&h, prev, 32);
	for (const char *o = order; *o; o++) {
		if (*o == 'I') {
			uint64_t x = ints[ii++];
			for (int i = 0; i < 8; i++)
				b[i] = (unsigned char)(x >> (8 * i));
			gd__hash_update(&h, b, 8);
		} else {
			const char *t = strs[si++];
			uint32_t n = t ? (uint32_t)strlen(t) : 0xFFFFFFFFu;
			for (int i = 0; i < 4; i++)
				b[i] = (unsigned char)(n >> (8 * i));
			gd__hash_update(&h, b, 4);
			if (t)
				gd__hash_update(&h, t, n);
		}
	}
	gd__hash_final(&h, out);
}

static void hash_matches_documented_format(void **state)
{
	char *long_reason = malloc(3000);
	memset(long_reason, 'r', 2999);
	long_reason[2999] = 0;
	unsigned char prev[32], a[32], b[32];
	memset(prev, 0xab, sizeof prev);
	struct gd__audit_entry e = {.tenant_id = 3, .seq = 1001, .at = T0, .principal = "svc:billing", .action = "record.get", .purpose = NULL, .subject = "", .record_id = 42, .category = "user.name", .outcome = 1, .reason = "refused"};
	assert_int_equal(gd__crypto_init(), 0);
	gd__audit_hash(a, prev, &e);
	reference_hash(b, prev, &e);
	assert_memory_equal(a, b, 32);
	/* NULL and "" differ. */
	e.purpose = "";
	gd__audit_hash(b, prev, &e);
	assert_memory_not_equal(a, b, 32);
	/* Fields longer than the one-shot buffer. */
	e.reason = long_reason;
	e.principal = long_reason + 1000;
	gd__audit_hash(a, prev, &e);
	reference_hash(b, prev, &e);
	assert_memory_equal(a, b, 32);
	free(long_reason);
}

static void intact_chain_verifies(void **state)
{
	struct fixture *f = populated();
	gd_audit_report r;
	GD_OK_OR_FAIL(tamper_and_verify(f, NULL, &r));
	assert_int_equal(r.problem, GD_AUDIT_INTACT);
	assert_int_equal(r.entries, db_count(f->path, "SELECT count(*) FROM audit"));
	assert_int_equal(r.chains, 2); /* the vault's and acme's */
	assert_int_equal(r.unsigned_tail, r.entries);
	fx_free(f);
}

static void edit_is_found(void **state)
{
	struct fixture *f = populated();
	expect(f, "UPDATE audit SET principal = 'mallory' WHERE tenant_id = 1 AND seq = 7",
	       GD_AUDIT_MODIFIED, 7);
	fx_free(f);
}

static void edited_hash_is_found(void **state)
{
	struct fixture *f = populated();
	expect(f,
	       fx_sql("UPDATE audit SET hash = zeroblob(32) WHERE tenant_id = 1 AND seq = 4",
	              "UPDATE audit SET hash = decode(repeat('00', 32), 'hex') WHERE tenant_id = 1 AND seq = 4"),
	       GD_AUDIT_MODIFIED, 4);
	fx_free(f);
}

static void delete_is_found(void **state)
{
	struct fixture *f = populated();
	expect(f, "DELETE FROM audit WHERE tenant_id = 1 AND seq = 6", GD_AUDIT_REMOVED, 6);
	fx_free(f);
}

static void delete_of_first_is_found(void **state)
{
	struct fixture *f = populated();
	expect(f, "DELETE FROM audit WHERE tenant_id = 1 AND seq = 1", GD_AUDIT_REMOVED, 1);
	fx_free(f);
}

static void delete_with_renumbering_is_found(void **state)
{
	struct fixture *f = populated();
	expect(f,
	       "DELETE FROM audit WHERE tenant_id = 1 AND seq = 6;"
	       "UPDATE audit SET seq = -(seq - 1) WHERE tenant_id = 1 AND seq > 6;"
	       "UPDATE audit SET seq = -seq WHERE tenant_id = 1 AND seq < 0;",
	       GD_AUDIT_REMOVED, 6);
	fx_free(f);
}

static void insert_is_found(void **state)
{
	struct fixture *f = populated();
	char stmt[600];
	snprintf(stmt, sizeof stmt,
	         "UPDATE audit SET seq = -(seq + 1) WHERE tenant_id = 1 AND seq >= 8;"
	         "UPDATE audit SET seq = -seq WHERE tenant_id = 1 AND seq < 0;"
	         "INSERT INTO audit SELECT tenant_id, 8, at, 'cli:mallory', action, purpose, subject,"
	         " record_id, category, outcome, reason, %s, lane FROM audit"
	         " WHERE tenant_id = 1 AND seq = 5;",
	         fx_sql("randomblob(32)", "decode(md5(random()::text) || md5(random()::text), 'hex')"));
	expect(f, stmt, GD_AUDIT_INSERTED, 8);
	fx_free(f);
}

static void reorder_is_found(void **state)
{
	struct fixture *f = populated();
	expect(f,
	       "UPDATE audit SET seq = -1 WHERE tenant_id = 1 AND seq = 9;"
	       "UPDATE audit SET seq = 9 WHERE tenant_id = 1 AND seq = 10;"
	       "UPDATE audit SET seq = 10 WHERE tenant_id = 1 AND seq = -1;",
	       GD_AUDIT_REORDERED, 9);
	fx_free(f);
}

static void truncation_after_checkpoint_is_found(void **state)
{
	struct fixture *f = populated();
	int64_t n;
	GD_OK_OR_FAIL(gd_audit_checkpoint(f->v, NULL, &n));
	assert_int_equal(n, 2);
	int64_t last = db_count(f->path, "SELECT max(seq) FROM audit WHERE tenant_id = 1");
	assert_int_equal(db_count(f->path, "SELECT max(seq) FROM audit_checkpoints WHERE tenant_id = 1"), last);
	expect(f, "DELETE FROM audit WHERE tenant_id = 1 AND seq > 12", GD_AUDIT_TRUNCATED, 12);
	fx_free(f);
}

/* A closed handle's lane is free at once: handles opened one after another
 * all write lane 0, whatever other vaults of the database do. (On PostgreSQL
 * the server ends a closed session's backend, and would drop its locks, only
 * after the client has gone: a connection open beside sees whether the
 * lane's lock outlived the close.) */
static void closed_handle_frees_its_lane(void **state)
{
	struct fixture *f = fx_new();
	PGconn *watch = NULL;
	if (fx_on_pg()) {
		/* The fixture's schema, whose hash is part of its lanes' lock (store_pg.c). */
		char conninfo[400];
		const char *schema = strstr(f->path, "search_path%3D");
		assert_non_null(schema);
		snprintf(conninfo, sizeof conninfo, "host=%s user=postgres dbname=postgres options=-csearch_path=%s",
		         getenv("GD_PG_DIR"), schema + 14);
		watch = PQconnectdb(conninfo);
		assert_int_equal(PQstatus(watch), CONNECTION_OK);
	}
	char s[GD_SUBJECT_ID_SIZE];
	int outlived = 0;
	for (int i = 0; i < 20; i++) {
		GD_OK_OR_FAIL(gd_subject_create(f->a, s));
		gd_actor_close(f->a);
		gd_vault_close(f->v);
		f->a = NULL, f->v = NULL;
		if (watch) {
			PGresult *r = PQexec(watch, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
			                            " AND classid = (x'6c616e65'::int # hashtext(current_schema()))::oid");
			assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
			outlived += atoi(PQgetvalue(r, 0, 0));
			PQclear(r);
		}
		fx_reopen(f);
	}
	PQfinish(watch);
	assert_int_equal(outlived, 0);
	assert_int_equal(db_count(f->path, "SELECT count(DISTINCT lane) FROM audit_blocks"), 1);
	assert_int_equal(db_count(f->path, "SELECT max(lane) FROM audit_blocks"), 0);
	fx_free(f);
}

/* Without a checkpoint over it, a cut tail cannot be told: verify says how much is unsigned. */
static void unsigned_tail_is_reported(void **state)
{
	struct fixture *f = populated();
	int64_t n;
	GD_OK_OR_FAIL(gd_audit_checkpoint(f->v, "acme", &n));
	assert_int_equal(n, 1);
	int64_t cp = db_count(f->path, "SELECT max(seq) FROM audit WHERE tenant_id = 1");
	char sub[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, sub));
	for (int i = 0; i < 3; i++)
		put(f->a, sub, "billing", "user.name", "Jeanne");
	gd_audit_report r;
	char stmt[128];
	snprintf(stmt, sizeof stmt, "DELETE FROM audit WHERE tenant_id = 1 AND seq > %lld", (long long)cp + 2);
	GD_OK_OR_FAIL(tamper_and_verify(f, stmt, &r));
	/* acme: the 2 entries left after its checkpoint; the vault chain: its 2. */
	assert_int_equal(r.unsigned_tail, 2 + 2);
	fx_free(f);
}

/* The hashes of a chain's rows, recomputed in order (what a forger can do without the signing key). */
struct rehash {
	unsigned char prev[32];
	int n;
	int64_t seq[64];
	unsigned char hash[64][32];
};

static void rehash_row(void *ud, int n, const char *const *v, const size_t *lens)
{
	struct rehash *rh = ud;
	(void)lens;
	assert_int_equal(n, 10);
	assert_true(rh->n < 64);
	struct gd__audit_entry e = {.tenant_id = 1, .seq = strtoll(v[0], NULL, 10), .at = strtoll(v[1], NULL, 10), .principal = v[2], .action = v[3], .purpose = v[4], .subject = v[5], .record_id = v[6] ? strtoll(v[6], NULL, 10) : 0, .category = v[7], .outcome = (int)strtol(v[8], NULL, 10), .reason = v[9]};
	gd__audit_hash(rh->hash[rh->n], rh->prev, &e);
	memcpy(rh->prev, rh->hash[rh->n], 32);
	rh->seq[rh->n++] = e.seq;
}

static void rewritten_chain_is_found(void **state)
{
	struct fixture *f = populated();
	GD_OK_OR_FAIL(gd_audit_checkpoint(f->v, "acme", NULL));
	int64_t cp = db_count(f->path, "SELECT max(seq) FROM audit_checkpoints WHERE tenant_id = 1");
	gd_actor_close(f->a);
	gd_vault_close(f->v);
	f->a = NULL, f->v = NULL;
	/* The forger edits entry 5 and recomputes every hash after it: the chain is
	 * consistent again, but the signed checkpoint still holds the old hash. */
	db_exec(f->path, "UPDATE audit SET principal = 'cli:mallory' WHERE tenant_id = 1 AND seq = 5");
	struct rehash rh = {0};
	db_rows(f->path,
	        "SELECT seq, at, principal, action, purpose, subject, record_id,"
	        " category, outcome, reason FROM audit WHERE tenant_id = 1 ORDER BY seq",
	        rehash_row, &rh);
	assert_true(rh.n > 5);
	for (int i = 0; i < rh.n; i++) {
		char q[120];
		snprintf(q, sizeof q, "UPDATE audit SET hash = ? WHERE tenant_id = 1 AND seq = %lld", (long long)rh.seq[i]);
		db_exec_blob(f->path, q, rh.hash[i], 32);
	}
	gd_audit_report r;
	fx_reopen(f);
	assert_int_equal(gd_audit_verify(f->v, "acme", &r, NULL, NULL), GD_ECORRUPT);
	assert_int_equal(r.problem, GD_AUDIT_REWRITTEN);
	assert_int_equal(r.seq, cp);
	fx_free(f);
}

static void forged_checkpoint_is_found(void **state)
{
	struct fixture *f = populated();
	GD_OK_OR_FAIL(gd_audit_checkpoint(f->v, "acme", NULL));
	int64_t cp = db_count(f->path, "SELECT max(seq) FROM audit_checkpoints WHERE tenant_id = 1");
	gd_audit_report r;
	assert_int_equal(tamper_and_verify(f, "UPDATE audit_checkpoints SET at = at + 1 WHERE tenant_id = 1", &r),
	                 GD_ECORRUPT);
	assert_int_equal(r.problem, GD_AUDIT_BAD_SIGNATURE);
	assert_int_equal(r.seq, cp);
	fx_free(f);
}

static void checkpoints_are_written_every_n(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));
	GD_OK_OR_FAIL(gd_vault_begin(f->v));
	for (int i = 0; i < GD_AUDIT_CHECKPOINT_EVERY + 10; i++)
		put(f->a, s, "billing", "user.name", "Jeanne");
	GD_OK_OR_FAIL(gd_vault_commit(f->v));
	/* One at entry 1000, one at the end of the batch (its commit signs it). */
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit_checkpoints WHERE tenant_id = 1"), 2);
	assert_int_equal(db_count(f->path, "SELECT min(seq) FROM audit_checkpoints WHERE tenant_id = 1"),
	                 GD_AUDIT_CHECKPOINT_EVERY);
	assert_int_equal(db_count(f->path, "SELECT max(seq) FROM audit_checkpoints WHERE tenant_id = 1"),
	                 GD_AUDIT_CHECKPOINT_EVERY + 11);
	gd_audit_report r;
	GD_OK_OR_FAIL(gd_audit_verify(f->v, "acme", &r, NULL, NULL));
	assert_int_equal(r.checkpoints, 2);
	assert_int_equal(r.unsigned_tail, 0);
	/* Single operations outside a batch are not signed one by one (cheap puts). */
	put(f->a, s, "billing", "user.name", "Jeanne");
	GD_OK_OR_FAIL(gd_audit_verify(f->v, "acme", &r, NULL, NULL));
	assert_int_equal(r.unsigned_tail, 1);
	/* Cutting entries covered by it is found. */
	expect(f, "DELETE FROM audit WHERE tenant_id = 1 AND seq > 990", GD_AUDIT_TRUNCATED, 990);
	fx_free(f);
}

/* ---- prune --------------------------------------------------------------- */

static void prune_keeps_the_rest_verifiable(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, s)); /* seq 1 at T0 */
	for (int day = 0; day < 20; day++) {       /* seq 2..21 at T0 + day days */
		gd_vault_set_now(f->v, T0 + day * 86400);
		put(f->a, s, "billing", "user.name", "Jeanne");
	}
	gd_vault_set_now(f->v, T0 + 400 * 86400);
	int64_t n;
	/* Everything written before day 10 goes: seq 1..11. */
	GD_OK_OR_FAIL(gd_audit_prune(f->a, T0 + 10 * 86400, &n));
	assert_int_equal(n, 11);
	assert_int_equal(db_count(f->path, "SELECT min(seq) FROM audit WHERE tenant_id = 1"), 12);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit_checkpoints WHERE tenant_id = 1 AND kind = 1 AND seq = 11"), 1);
	gd_audit_report r;
	GD_OK_OR_FAIL(gd_audit_verify(f->v, NULL, &r, NULL, NULL));
	assert_int_equal(r.entries, db_count(f->path, "SELECT count(*) FROM audit"));
	/* A second prune moves the anchor; the chain goes on after it. */
	GD_OK_OR_FAIL(gd_audit_prune(f->a, T0 + 15 * 86400, &n));
	assert_int_equal(n, 5);
	put(f->a, s, "billing", "user.name", "Jeanne");
	GD_OK_OR_FAIL(gd_audit_verify(f->v, NULL, &r, NULL, NULL));
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit_checkpoints WHERE tenant_id = 1 AND kind = 1"), 1);
	/* Removing entries right after the anchor, or forging the anchor, is found. */
	expect(f, "DELETE FROM audit WHERE tenant_id = 1 AND seq = 17", GD_AUDIT_REMOVED, 17);
	fx_free(f);
}

static void forged_anchor_is_found(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));
	for (int i = 0; i < 5; i++)
		put(f->a, s, "billing", "user.name", "Jeanne");
	gd_vault_set_now(f->v, T0 + 86400);
	GD_OK_OR_FAIL(gd_audit_prune(f->a, T0 + 1, NULL));
	/* Hiding more of the head by moving the anchor forward needs the key. */
	gd_audit_report r;
	assert_int_equal(tamper_and_verify(f,
	                                   "DELETE FROM audit WHERE tenant_id = 1 AND seq = 7;"
	                                   "UPDATE audit_checkpoints SET seq = 7 WHERE kind = 1 AND tenant_id = 1",
	                                   &r),
	                 GD_ECORRUPT);
	assert_int_equal(r.problem, GD_AUDIT_BAD_SIGNATURE);
	assert_int_equal(r.seq, 7);
	fx_free(f);
}

static void prune_refuses_a_damaged_chain(void **state)
{
	struct fixture *f = populated();
	gd_audit_report r;
	assert_int_equal(tamper_and_verify(f, "UPDATE audit SET action = 'x' WHERE tenant_id = 1 AND seq = 3", &r),
	                 GD_ECORRUPT);
	int64_t before = db_count(f->path, "SELECT count(*) FROM audit");
	assert_int_equal(gd_audit_prune(f->a, T0 + 1, NULL), GD_ECORRUPT);
	assert_non_null(strstr(gd_error_last(), "prune refused"));
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit"), before);
	fx_free(f);
}

/* ---- list and export ------------------------------------------------------ */

struct seen {
	int n;
	int64_t seqs[64];
};

static int collect(void *ud, const gd_audit_entry *e)
{
	struct seen *s = ud;
	if (s->n < 64)
		s->seqs[s->n] = e->seq;
	s->n++;
	return 0;
}

static void list_filters_select_exactly(void **state)
{
	struct fixture *f = fx_new();
	char s1[GD_SUBJECT_ID_SIZE], s2[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, s1));                   /* 1 */
	GD_OK_OR_FAIL(gd_subject_create(f->a, s2));                   /* 2 */
	int64_t r1 = put(f->a, s1, "billing", "user.name", "Jeanne"); /* 3 */
	gd_vault_set_now(f->v, T0 + 3600);
	put(f->a, s2, "billing", "user.name", "Paul"); /* 4 */
	gd_record *r;
	GD_OK_OR_FAIL(gd_record_get(f->a, &r, r1, "billing")); /* 5 */
	gd_record_free(r);
	assert_int_equal(gd_record_get(f->a, &r, r1, "marketing"), GD_EDENIED); /* 6 */
	gd_actor *other;
	GD_OK_OR_FAIL(gd_actor_open(&other, f->v, "acme", "svc:support"));
	GD_OK_OR_FAIL(gd_record_get(other, &r, r1, "billing")); /* 7 */
	gd_record_free(r);
	gd_actor_close(other);

	struct seen s = {0};
	gd_audit_filter flt = GD_AUDIT_FILTER_INIT;
	flt.subject = s1;
	GD_OK_OR_FAIL(gd_audit_list(f->a, &flt, collect, &s)); /* 8: audit.list */
	assert_int_equal(s.n, 5);
	assert_int_equal(s.seqs[0], 1), assert_int_equal(s.seqs[1], 3);
	assert_int_equal(s.seqs[2], 5), assert_int_equal(s.seqs[3], 6);
	assert_int_equal(s.seqs[4], 7);

	flt = (gd_audit_filter)GD_AUDIT_FILTER_INIT;
	flt.outcome = GD_AUDIT_DENIED;
	memset(&s, 0, sizeof s);
	GD_OK_OR_FAIL(gd_audit_list(f->a, &flt, collect, &s)); /* 9 */
	assert_int_equal(s.n, 1), assert_int_equal(s.seqs[0], 6);

	flt = (gd_audit_filter)GD_AUDIT_FILTER_INIT;
	flt.principal = "svc:support";
	flt.action = "record.get";
	flt.purpose = "billing";
	memset(&s, 0, sizeof s);
	GD_OK_OR_FAIL(gd_audit_list(f->a, &flt, collect, &s)); /* 10 */
	assert_int_equal(s.n, 1), assert_int_equal(s.seqs[0], 7);

	flt = (gd_audit_filter)GD_AUDIT_FILTER_INIT;
	flt.from = T0 + 1;
	flt.to = T0 + 3601;
	flt.action = "record.put";
	memset(&s, 0, sizeof s);
	GD_OK_OR_FAIL(gd_audit_list(f->a, &flt, collect, &s)); /* 11 */
	assert_int_equal(s.n, 1), assert_int_equal(s.seqs[0], 4);

	/* Listing is audited. */
	flt = (gd_audit_filter)GD_AUDIT_FILTER_INIT;
	flt.action = "audit.list";
	memset(&s, 0, sizeof s);
	GD_OK_OR_FAIL(gd_audit_list(f->a, &flt, collect, &s));
	assert_int_equal(s.n, 4);
	fx_free(f);
}

static int fail_second(void *ud, const gd_audit_entry *e)
{
	(void)e;
	return ++*(int *)ud == 2 ? GD_EIO : 0;
}

struct buf {
	char *p;
	size_t n, cap;
	size_t pos; /* reading */
};

static int buf_write(void *ud, const void *p, size_t n);

/*
 * Reading the trail is a read: it runs while another handle holds the write
 * lock in a batch (listing or exporting under the lock would wait here for
 * ever), sees what was committed before, and its own entries are committed
 * with the group of reads. A listing its callback stopped with an error is
 * audited too, as failed: what it gave was read.
 */
static void reading_the_trail_is_a_read(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));
	put(f->a, s, "billing", "user.name", "Jeanne");
	int calls = 0;
	assert_int_equal(gd_audit_list(f->a, NULL, fail_second, &calls), GD_EIO);
	assert_int_equal(calls, 2);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit WHERE action = 'audit.list' AND outcome = 2"), 1);
	int64_t before = db_count(f->path, "SELECT count(*) FROM audit WHERE tenant_id = 1");

	gd_vault *w;
	gd_actor *wa = fx_second_actor(f, &w, "test:writer");
	GD_OK_OR_FAIL(gd_vault_begin(w));
	put(wa, s, "billing", "user.name", "Paul");
	GD_OK_OR_FAIL(gd_vault_reads_begin(f->v));
	struct seen seen = {0};
	GD_OK_OR_FAIL(gd_audit_list(f->a, NULL, collect, &seen));
	assert_int_equal(seen.n, before); /* not the batch's entry */
	struct buf b = {0};
	GD_OK_OR_FAIL(gd_audit_export(f->a, NULL, GD_AUDIT_JSONL, buf_write, &b));
	GD_OK_OR_FAIL(gd_vault_commit(w));
	GD_OK_OR_FAIL(gd_vault_reads_commit(f->v));
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit WHERE tenant_id = 1"), before + 3); /* put, list, export */
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit WHERE action = 'audit.export' AND outcome = 0"), 1);
	gd_audit_report r;
	GD_OK_OR_FAIL(gd_audit_verify(f->v, "acme", &r, NULL, NULL));
	assert_int_equal(r.problem, GD_AUDIT_INTACT);
	free(b.p);
	gd_actor_close(wa);
	gd_vault_close(w);
	fx_free(f);
}

static int buf_write(void *ud, const void *p, size_t n)
{
	struct buf *b = ud;
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
	b->p[b->n] = 0;
	return 0;
}

static int buf_line(void *ud, const char **line, size_t *len)
{
	struct buf *b = ud;
	if (b->pos >= b->n)
		return 0;
	char *nl = memchr(b->p + b->pos, '\n', b->n - b->pos);
	size_t end = nl ? (size_t)(nl - b->p) : b->n;
	*line = b->p + b->pos;
	*len = end - b->pos;
	b->pos = end + 1;
	return 1;
}

static void export_verifies_offline(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));
	GD_OK_OR_FAIL(gd_vault_begin(f->v));
	for (int i = 0; i < GD_AUDIT_CHECKPOINT_EVERY + 5; i++)
		put(f->a, s, "billing", "user.name", "Jeanne");
	GD_OK_OR_FAIL(gd_vault_commit(f->v));
	gd_vault_set_now(f->v, T0 + 86400);
	GD_OK_OR_FAIL(gd_audit_prune(f->a, T0 + 1, NULL)); /* anchor at 1006 */
	put(f->a, s, "billing", "user.name", "Jeanne");
	GD_OK_OR_FAIL(gd_audit_checkpoint(f->v, "acme", NULL));

	struct buf b = {0};
	GD_OK_OR_FAIL(gd_audit_export(f->a, NULL, GD_AUDIT_JSONL, buf_write, &b));
	assert_non_null(strstr(b.p, "\"type\":\"anchor\""));
	assert_non_null(strstr(b.p, "\"type\":\"checkpoint\""));
	assert_null(strstr(b.p, "Jeanne"));
	gd_audit_report r;
	char key[65];
	GD_OK_OR_FAIL(gd_audit_verify_export(buf_line, &b, f->v->audit_pk, key, &r));
	assert_int_equal(r.problem, GD_AUDIT_INTACT);
	assert_int_equal(r.entries, 3);     /* audit.prune, record.put, audit.checkpoint */
	assert_int_equal(r.checkpoints, 2); /* the anchor and the checkpoint */
	char want[65];
	gd__hex(want, f->v->audit_pk, 32);
	assert_string_equal(key, want);

	/* CSV for spreadsheets: header row, the key, the anchor and checkpoint rows. */
	struct buf c = {0};
	GD_OK_OR_FAIL(gd_audit_export(f->a, NULL, GD_AUDIT_CSV, buf_write, &c));
	assert_true(strncmp(c.p, "type,seq,at,time,principal,action,", 34) == 0);
	assert_non_null(strstr(c.p, want));
	assert_non_null(strstr(c.p, "\nanchor,1006,"));
	assert_non_null(strstr(c.p, "\nentry,1008,"));
	free(c.p);
	free(b.p);
	fx_free(f);
}

static void export_tampering_is_found(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));
	for (int i = 0; i < 5; i++)
		put(f->a, s, "billing", "user.name", "Jeanne");
	GD_OK_OR_FAIL(gd_audit_checkpoint(f->v, "acme", NULL));
	struct buf b = {0};
	GD_OK_OR_FAIL(gd_audit_export(f->a, NULL, GD_AUDIT_JSONL, buf_write, &b));
	gd_audit_report r;

	/* Another vault's key: refused before anything else. */
	unsigned char other[32] = {1};
	assert_int_equal(gd_audit_verify_export(buf_line, &b, other, NULL, &r), GD_EDENIED);

	/* An entry edited in the file. */
	char *e4 = strstr(b.p, "\"seq\":4,");
	assert_non_null(e4);
	char *act = strstr(e4, "record.put");
	memcpy(act, "record.get", 10);
	b.pos = 0;
	assert_int_equal(gd_audit_verify_export(buf_line, &b, NULL, NULL, &r), GD_ECORRUPT);
	assert_int_equal(r.problem, GD_AUDIT_MODIFIED);
	assert_int_equal(r.seq, 4);
	memcpy(act, "record.put", 10);

	/* The tail cut, with the checkpoint kept: truncated. */
	char *e5 = strstr(b.p, "\"seq\":5,");
	char *line5 = e5;
	while (line5[-1] != '\n')
		line5--;
	char *cpline = strstr(b.p, "{\"type\":\"checkpoint\"");
	assert_non_null(cpline);
	size_t cplen = strchr(cpline, '\n') + 1 - cpline;
	memmove(line5, cpline, cplen);
	b.n = (size_t)(line5 - b.p) + cplen;
	b.pos = 0;
	assert_int_equal(gd_audit_verify_export(buf_line, &b, NULL, NULL, &r), GD_ECORRUPT);
	assert_int_equal(r.problem, GD_AUDIT_TRUNCATED);
	assert_int_equal(r.seq, 4);
	free(b.p);

	/* A filtered export is no chain. */
	struct buf c = {0};
	gd_audit_filter flt = GD_AUDIT_FILTER_INIT;
	flt.action = "record.put";
	GD_OK_OR_FAIL(gd_audit_export(f->a, &flt, GD_AUDIT_JSONL, buf_write, &c));
	assert_int_equal(gd_audit_verify_export(buf_line, &c, NULL, NULL, &r), GD_EINVAL);
	free(c.p);

	/* A principal a spreadsheet would run as a formula is defused in CSV. */
	gd_actor *odd;
	GD_OK_OR_FAIL(gd_actor_open(&odd, f->v, "acme", "@SUM"));
	put(odd, s, "billing", "user.name", "x");
	struct buf csv = {0};
	GD_OK_OR_FAIL(gd_audit_export(odd, NULL, GD_AUDIT_CSV, buf_write, &csv));
	assert_non_null(strstr(csv.p, ",\"'@SUM\",record.put,"));
	assert_null(strstr(csv.p, ",@SUM,"));
	free(csv.p);
	gd_actor_close(odd);
	fx_free(f);
}

/* ---- faults ------------------------------------------------------------- */

static int64_t state_of(struct fixture *f)
{
	return db_count(f->path, "SELECT (SELECT count(*) FROM audit) * 1000000"
	                         " + (SELECT count(*) FROM audit_checkpoints) * 1000"
	                         " + (SELECT coalesce(sum(seq), 0) FROM audit_checkpoints)"
	                         " + (SELECT count(*) FROM breaches) * 100000"
	                         " + (SELECT coalesce(sum(notified_at + scoped_subjects), 0) FROM breaches)");
}

struct trail_faults {
	struct fixture *f;
	int (*op)(struct fixture *f);
	int64_t before;
};

static int run_op(void *ud)
{
	struct trail_faults *c = ud;
	return c->op(c->f);
}

/* A failed operation left the trail and the breaches as they were, and the trail verifies. */
static void trail_unchanged(void *ud, long n, int rc)
{
	struct trail_faults *c = ud;
	assert_int_equal(state_of(c->f), c->before);
	gd_audit_report r;
	GD_OK_OR_FAIL(gd_audit_verify(c->f->v, NULL, &r, NULL, NULL));
}

/* Runs `op` with a fault at each point in turn: each failure leaves nothing. */
static void under_faults(struct fixture *f, int (*op)(struct fixture *f), int64_t *before)
{
	struct trail_faults c = {f, op, *before};
	struct fault_loop l = {.op = run_op, .check = trail_unchanged, .ud = &c};
	assert_true(fault_loop_run(&l) > 2);
	assert_int_not_equal(state_of(f), *before);
	*before = state_of(f);
}

static int op_checkpoint(struct fixture *f)
{
	return gd_audit_checkpoint(f->v, NULL, NULL);
}

static int op_prune(struct fixture *f)
{
	return gd_audit_prune(f->a, T0 + 1, NULL);
}

/* The breach op_breach recorded: not always 1, as faulted runs may use ids
 * up on PostgreSQL (a sequence never gives an id twice). */
static int64_t breach_id;

static int op_breach(struct fixture *f)
{
	gd_breach_spec s = GD_BREACH_SPEC_INIT;
	s.nature = "integrity";
	s.description = "records altered by a faulty import";
	return gd_breach_record(f->a, &breach_id, &s);
}

static int op_scope(struct fixture *f)
{
	gd_breach_scope_spec sp = GD_BREACH_SCOPE_INIT;
	gd_breach_scope_result r;
	return gd_breach_scope(f->a, breach_id, &sp, &r, NULL, NULL);
}

static int op_notify(struct fixture *f)
{
	return gd_breach_notify(f->a, breach_id, 0, "the import was only audited on day 5");
}

static void faults_leave_trail_and_register_unchanged(void **state)
{
	struct fixture *f = populated();
	int64_t before = state_of(f);
	under_faults(f, op_checkpoint, &before);
	gd_vault_set_now(f->v, T0 + 400 * 86400);
	under_faults(f, op_prune, &before);
	under_faults(f, op_breach, &before);
	under_faults(f, op_scope, &before);
	under_faults(f, op_notify, &before);
	fx_free(f);
}

/* Failed and rolled-back operations inside a batch leave a chain that verifies. */
static void rollbacks_inside_batches_keep_the_chain(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));
	GD_OK_OR_FAIL(gd_vault_begin(f->v));
	put(f->a, s, "billing", "user.name", "a");
	gd_vault_rollback(f->v);
	GD_OK_OR_FAIL(gd_vault_begin(f->v));
	gd_record_spec sp = GD_RECORD_SPEC_INIT;
	sp.activity = "billing", sp.category = "user.name", sp.value = "b", sp.value_len = 1;
	for (long n = 1; n < 40; n++) {
		int64_t id;
		gd__fault_arm(n);
		int rc = gd_record_put(f->a, &id, s, &sp);
		bool fired = gd__fault_fired();
		gd__fault_arm(0);
		if (fired)
			assert_true(rc < 0);
		else
			GD_OK_OR_FAIL(rc);
		if (fired && fx_on_pg()) {
			/* PostgreSQL learns of a failed write only at the batch's next sync,
			 * so a failed put fails its whole batch (docs/scaling.md): start
			 * another, the chain must hold across it all the same. */
			gd_vault_rollback(f->v);
			GD_OK_OR_FAIL(gd_vault_begin(f->v));
		}
		if (!fired) {
			gd_record *r;
			GD_OK_OR_FAIL(gd_record_get(f->a, &r, id, "billing"));
			gd_record_free(r);
		}
	}
	GD_OK_OR_FAIL(gd_vault_commit(f->v));
	gd_audit_report rep;
	GD_OK_OR_FAIL(gd_audit_verify(f->v, NULL, &rep, NULL, NULL));
	assert_int_equal(rep.unsigned_tail, 2); /* the vault chain's two; acme's end is signed */
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM records"),
	                 db_count(f->path, "SELECT count(*) FROM audit WHERE action = 'record.put'"));
	fx_free(f);
}

/* ---- storage in blocks (docs/FORMAT.md, "Audit blocks") ------------------ */

static void same_entry(const struct gd__audit_entry *a, const struct gd__audit_entry *b)
{
	const char *sa[] = {a->principal, a->action, a->purpose, a->subject, a->category, a->reason};
	const char *sb[] = {b->principal, b->action, b->purpose, b->subject, b->category, b->reason};
	assert_int_equal(a->seq, b->seq);
	assert_int_equal(a->at, b->at);
	assert_int_equal(a->record_id, b->record_id);
	assert_int_equal(a->outcome, b->outcome);
	for (int i = 0; i < 6; i++) {
		if (!sa[i] || !sb[i])
			assert_true(!sa[i] && !sb[i]); /* NULL stays NULL, "" stays "" */
		else
			assert_string_equal(sa[i], sb[i]);
	}
}

static void blocks_round_trip(void **state)
{
	char *long_reason = malloc(5000);
	memset(long_reason, 'r', 4999);
	long_reason[4999] = 0;
	const char *actions[] = {"record.get", "subject.find", "record.put", "a", "b", "c", "record.get"};
	struct gd__audit_entry in[64];
	unsigned char hashes[64][32];
	for (int i = 0; i < 64; i++) {
		/* Strings that recur, rotate through more values than a field remembers,
		 * NULL and "", a long one; seqs and times that go back (as a tamperer's
		 * would), negative numbers. */
		in[i] = (struct gd__audit_entry){
			.tenant_id = 7, .seq = i == 40 ? 3 : 1000 + i, .at = i % 9 == 0 ? -86400 * i : T0 + i, .principal = i % 2 ? "svc:billing" : "cli:dpo", .action = actions[i % 7], .purpose = i % 3 == 0 ? NULL : i % 3 == 1 ? ""
		                                                                                                                                                                                                                   : "billing",
			.subject = i % 5 == 0 ? NULL : i % 2 ? "s1"
		                                             : "s2",
			.record_id = i % 4 == 0 ? -i : i * 1000003LL,
			.category = i == 17 ? long_reason : "user.name",
			.outcome = i == 50 ? -7 : i % 3,
			.reason = i == 30 ? long_reason : i % 2 ? NULL
		                                                : "not found"};
		memset(hashes[i], i, 32);
	}
	struct gd__audit_block b = {0}, again = {0};
	size_t ends[65] = {1}; /* entry boundaries: after the version byte, after each entry */
	for (int i = 0; i < 64; i++) {
		GD_OK_OR_FAIL(gd__audit_block_add(&b, &in[i], hashes[i]));
		ends[i + 1] = b.len;
	}
	assert_int_equal(b.n, 64);
	assert_int_equal(b.first_seq, 1000);
	assert_int_equal(b.last_seq, 1063);
	assert_memory_equal(b.buf + b.len - 32, hashes[63], 32); /* the head's hash ends the block */

	struct gd__audit_reader r = {0};
	struct gd__audit_entry out;
	const unsigned char *h;
	GD_OK_OR_FAIL(gd__audit_reader_start(&r, b.buf, b.len));
	for (int i = 0; i < 64; i++) {
		assert_int_equal(gd__audit_reader_next(&r, &out, &h), 1);
		same_entry(&in[i], &out);
		assert_memory_equal(h, hashes[i], 32);
		out.tenant_id = 7;
		GD_OK_OR_FAIL(gd__audit_block_add(&again, &out, h));
	}
	assert_int_equal(gd__audit_reader_next(&r, &out, &h), 0);
	/* Decoding and encoding again gives the same bytes. */
	assert_int_equal(again.len, b.len);
	assert_memory_equal(again.buf, b.buf, b.len);
	/* A block cut anywhere but between entries is refused, never read past. */
	for (size_t n = 0, k = 0; n < b.len; n++) {
		int rc = gd__audit_reader_start(&r, b.buf, n);
		if (rc == 0)
			while ((rc = gd__audit_reader_next(&r, &out, &h)) == 1)
				;
		bool boundary = k < 65 && ends[k] == n;
		k += boundary;
		assert_int_equal(rc, boundary ? 0 : GD_ECORRUPT);
	}
	gd__audit_reader_free(&r);
	gd__audit_block_free(&b);
	gd__audit_block_free(&again);
	free(long_reason);
}

/* Rewrites the body of acme's block starting at `first` with `edit` applied, vault closed. */
static void edit_block(struct fixture *f, int64_t first, void (*edit)(unsigned char *body, int *n))
{
	gd_actor_close(f->a);
	gd_vault_close(f->v);
	f->a = NULL, f->v = NULL;
	char q[120];
	size_t len;
	snprintf(q, sizeof q, "SELECT body FROM audit_blocks WHERE tenant_id = 1 AND first_seq = %lld", (long long)first);
	unsigned char *body = db_blob(f->path, q, &len);
	int n = (int)len;
	edit(body, &n);
	snprintf(q, sizeof q, "UPDATE audit_blocks SET body = ? WHERE tenant_id = 1 AND first_seq = %lld", (long long)first);
	db_exec_blob(f->path, q, body, (size_t)n);
	free(body);
	fx_reopen(f);
}

static void cut_short(unsigned char *body, int *n)
{
	*n -= 5;
}
static void new_version(unsigned char *body, int *n)
{
	body[0] = 2;
}
static void bad_reference(unsigned char *body, int *n)
{
	body[3] = 0x7e;
} /* string 62 of an empty table */
static void flip_last_byte(unsigned char *body, int *n)
{
	body[*n - 1] ^= 1;
}

static void damaged_blocks_are_found(void **state)
{
	static void (*const edits[])(unsigned char *, int *) = {cut_short, new_version, bad_reference,
	                                                        flip_last_byte};
	for (size_t i = 0; i < sizeof edits / sizeof *edits; i++) {
		struct fixture *f = populated();
		/* Each operation committed on its own: one block per entry. */
		assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit_blocks WHERE tenant_id = 1"),
		                 db_count(f->path, "SELECT count(*) FROM audit WHERE tenant_id = 1"));
		edit_block(f, 5, edits[i]);
		gd_audit_report r;
		assert_int_equal(gd_audit_verify(f->v, NULL, &r, NULL, NULL), GD_ECORRUPT);
		assert_int_equal(r.problem, GD_AUDIT_MODIFIED);
		assert_int_equal(r.tenant_id, ACME);
		assert_int_equal(r.seq, 5);
		assert_string_equal(r.tenant, "acme");
		/* A block that does not decode fails a listing cleanly (a wrong hash
		 * still lists: only verification judges hashes); no prune signs over either. */
		struct seen seen = {0};
		assert_int_equal(gd_audit_list(f->a, NULL, collect, &seen),
		                 edits[i] == flip_last_byte ? 0 : GD_ECORRUPT);
		assert_int_equal(gd_audit_prune(f->a, T0 + 1, NULL), GD_ECORRUPT);
		fx_free(f);
	}
}

static void removed_block_is_found(void **state)
{
	struct fixture *f = populated();
	expect(f, "DELETE FROM audit_blocks WHERE tenant_id = 1 AND first_seq = 5", GD_AUDIT_REMOVED, 5);
	fx_free(f);
}

static int64_t acme_entries(struct fixture *f)
{
	return db_count(f->path, "SELECT count(*) FROM audit WHERE tenant_id = 1");
}

/* A batch's entries are one row; readers in the batch see them; a rollback drops them. */
static void batch_entries_are_one_block(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));
	int64_t id = put(f->a, s, "billing", "user.name", "Jeanne");
	int64_t blocks = db_count(f->path, "SELECT count(*) FROM audit_blocks WHERE tenant_id = 1");
	int64_t entries = acme_entries(f);

	GD_OK_OR_FAIL(gd_vault_begin(f->v));
	for (int i = 0; i < 100; i++) {
		gd_record *r;
		GD_OK_OR_FAIL(gd_record_get(f->a, &r, id, "billing"));
		gd_record_free(r);
	}
	GD_OK_OR_FAIL(gd_vault_commit(f->v));
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit_blocks WHERE tenant_id = 1"), blocks + 1);
	assert_int_equal(db_count(f->path, "SELECT max(last_seq - first_seq) FROM audit_blocks"), 99);
	assert_int_equal(acme_entries(f), entries + 100);

	/* Inside a batch, the trail read includes what the batch appended. */
	GD_OK_OR_FAIL(gd_vault_begin(f->v));
	gd_record *r;
	GD_OK_OR_FAIL(gd_record_get(f->a, &r, id, "billing"));
	gd_record_free(r);
	struct seen seen = {0};
	gd_audit_filter flt = GD_AUDIT_FILTER_INIT;
	flt.from = T0;
	GD_OK_OR_FAIL(gd_audit_list(f->a, &flt, collect, &seen));
	assert_int_equal(seen.n, entries + 101);
	/* A rollback drops them all, stored or not. */
	GD_OK_OR_FAIL(gd_record_get(f->a, &r, id, "billing"));
	gd_record_free(r);
	gd_vault_rollback(f->v);
	assert_int_equal(acme_entries(f), entries + 100);
	/* The chain goes on from the last committed entry. */
	GD_OK_OR_FAIL(gd_record_get(f->a, &r, id, "billing"));
	gd_record_free(r);
	assert_int_equal(db_count(f->path, "SELECT max(seq) FROM audit WHERE tenant_id = 1"), entries + 101);
	gd_audit_report rep;
	GD_OK_OR_FAIL(gd_audit_verify(f->v, NULL, &rep, NULL, NULL));

	/* A long batch is cut into blocks of GD__AUDIT_BLOCK_BYTES and a little. */
	GD_OK_OR_FAIL(gd_vault_begin(f->v));
	for (int i = 0; i < 3000; i++) {
		GD_OK_OR_FAIL(gd_record_get(f->a, &r, id, "billing"));
		gd_record_free(r);
	}
	GD_OK_OR_FAIL(gd_vault_commit(f->v));
	int64_t big = db_count(f->path, "SELECT count(*) FROM audit_blocks WHERE length(body) >= 32768");
	assert_true(big >= 2);
	assert_true(db_count(f->path, "SELECT max(length(body)) FROM audit_blocks") < GD__AUDIT_BLOCK_BYTES + 256);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit_blocks b1 JOIN audit_blocks b2"
	                                   " ON b2.tenant_id = b1.tenant_id AND b2.first_seq = b1.last_seq + 1"),
	                 db_count(f->path, "SELECT count(*) FROM audit_blocks") - 2); /* contiguous, per chain */
	GD_OK_OR_FAIL(gd_audit_verify(f->v, NULL, &rep, NULL, NULL));
	assert_int_equal(rep.entries, db_count(f->path, "SELECT count(*) FROM audit"));
	fx_free(f);
}

/* A prune cutting through a block keeps the block's later entries, verifiable. */
static void prune_splits_a_block(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));                   /* seq 1 at T0 */
	int64_t id = put(f->a, s, "billing", "user.name", "Jeanne"); /* seq 2 */
	GD_OK_OR_FAIL(gd_vault_begin(f->v));
	for (int day = 1; day <= 10; day++) { /* seq 3..12, one block */
		gd_vault_set_now(f->v, T0 + day * 86400);
		gd_record *r;
		GD_OK_OR_FAIL(gd_record_get(f->a, &r, id, "billing"));
		gd_record_free(r);
	}
	GD_OK_OR_FAIL(gd_vault_commit(f->v));
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit_blocks WHERE tenant_id = 1 AND first_seq = 3 AND last_seq = 12"), 1);
	gd_vault_set_now(f->v, T0 + 400 * 86400);
	int64_t n;
	/* Before day 5: seq 1..6 go, 7..12 stay in what is left of the block. */
	GD_OK_OR_FAIL(gd_audit_prune(f->a, T0 + 5 * 86400, &n));
	assert_int_equal(n, 6);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit_blocks WHERE tenant_id = 1 AND first_seq = 7 AND last_seq = 12"), 1);
	assert_int_equal(db_count(f->path, "SELECT min(seq) FROM audit WHERE tenant_id = 1"), 7);
	gd_audit_report r;
	GD_OK_OR_FAIL(gd_audit_verify(f->v, NULL, &r, NULL, NULL));
	/* Up to the block's last entry: the block goes whole. */
	GD_OK_OR_FAIL(gd_audit_prune(f->a, T0 + 11 * 86400, &n));
	assert_int_equal(n, 6); /* 7..12; the first prune's entry (13) is newer */
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit_blocks WHERE tenant_id = 1 AND first_seq <= 12"), 0);
	assert_int_equal(db_count(f->path, "SELECT min(seq) FROM audit WHERE tenant_id = 1"), 13);
	GD_OK_OR_FAIL(gd_audit_verify(f->v, NULL, &r, NULL, NULL));
	fx_free(f);
}

/* A block's row must name the entries it holds: appends and prunes go by it. */
static void block_rows_that_lie_are_found(void **state)
{
	static const char *const lies[] = {
		"UPDATE audit_blocks SET last_seq = last_seq + 1 WHERE tenant_id = 1 AND first_seq = 5",
		"DELETE FROM audit_blocks WHERE tenant_id = 1 AND first_seq = 4;"
		"UPDATE audit_blocks SET first_seq = 4 WHERE tenant_id = 1 AND first_seq = 5",
	};
	for (size_t i = 0; i < 2; i++) {
		struct fixture *f = populated();
		gd_audit_report r;
		assert_int_equal(tamper_and_verify(f, lies[i], &r), GD_ECORRUPT);
		assert_int_equal(r.problem, GD_AUDIT_MODIFIED);
		assert_int_equal(r.seq, i == 0 ? 5 : 4); /* the block in doubt */
		assert_non_null(strstr(r.detail, i == 0 ? "ends at entry 6" : "starts at entry 4"));
		fx_free(f);
	}
}

static int list_again(void *ud, const gd_audit_entry *e)
{
	gd_actor **a = ud;
	struct seen seen = {0};
	assert_int_equal(gd_audit_list(*a, NULL, collect, &seen), GD_ESTATE);
	assert_non_null(strstr(gd_error_last(), "already being read"));
	a[1] = *a; /* called */
	return 1;  /* the refusal above was audited: an entry more to walk */
}

/* A listing callback cannot read the trail again through the same handle. */
static void nested_reads_are_refused(void **state)
{
	struct fixture *f = populated();
	gd_actor *a[2] = {f->a, NULL};
	assert_int_equal(gd_audit_list(f->a, NULL, list_again, a), 1);
	assert_non_null(a[1]);
	struct seen seen = {0};
	GD_OK_OR_FAIL(gd_audit_list(f->a, NULL, collect, &seen));
	gd_audit_report r;
	GD_OK_OR_FAIL(gd_audit_verify(f->v, NULL, &r, NULL, NULL));
	fx_free(f);
}

/* A newer format is refused; an older gardien cannot write beside the blocks. */
static void formats_are_guarded(void **state)
{
	struct fixture *f = populated();
	gd_actor_close(f->a);
	gd_vault_close(f->v);
	f->a = NULL, f->v = NULL;
	/* A format this gardien does not know. */
	db_set_format(f->path, 8);
	gd_vault_options o = GD_VAULT_OPTIONS_INIT;
	o.key_path = fx_key_for(f->path);
	assert_int_equal(gd_vault_open(&f->v, f->path, &o), GD_ESTATE);
	assert_non_null(strstr(gd_error_last(), "newer gardien"));
	db_set_format(f->path, 7);
	/* What gardien before format 2 runs at open, then at its first entry. */
	sqlite3 *db;
	char *err = NULL;
	fx_sqlite_only(f->path, "the rest is the guard against gardien before format 2, which only knew SQLite");
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS audit (tenant_id INTEGER, seq INTEGER)",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "INSERT INTO audit (tenant_id, seq) VALUES (1, 1)", NULL, NULL, &err),
	                     SQLITE_OK);
	assert_non_null(strstr(err, "written_by_a_newer_gardien"));
	sqlite3_free(err);
	sqlite3_close(db);
	/* An old table beside blocks: an older gardien wrote there after the conversion. */
	db_exec(f->path, "UPDATE meta SET value = 2 WHERE key = 'format'; DROP VIEW main.audit;"
	                 "CREATE TABLE main.audit AS SELECT * FROM temp.audit");
	assert_int_equal(gd_vault_open(&f->v, f->path, &o), GD_ECORRUPT);
	assert_non_null(strstr(gd_error_last(), "audit table of format 1 beside its audit blocks"));
	assert_null(f->v);
	/* Blocks in a vault that says it is of format 1. */
	db_exec(f->path, "UPDATE meta SET value = 1 WHERE key = 'format'");
	assert_int_equal(gd_vault_open(&f->v, f->path, &o), GD_ECORRUPT);
	assert_non_null(strstr(gd_error_last(), "already holds audit blocks"));
	assert_null(f->v);
	fx_free(f);
}

/* The tests' view of the trail (tests/tools/audit_table.c) misses no change. */
static void test_view_of_the_trail_sees_every_change(void **state)
{
	fx_sqlite_only(NULL, "the write-back as a format-1 table is the SQLite side of tests/tools/audit_table.c"
	                     " (on PostgreSQL the tests' table is written back as blocks, which the tampering"
	                     " tests above exercise)");
	struct fixture *f = populated();
	int64_t n = db_count(f->path, "SELECT count(*) FROM audit");
	gd_actor_close(f->a);
	gd_vault_close(f->v);
	f->a = NULL, f->v = NULL;
	/* Written back, then read again before any open converts it. */
	db_exec(f->path, "DELETE FROM audit WHERE tenant_id = 1 AND seq = 6");
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit"), n - 1);
	/* Emptied whole (SQLite's truncation, which bypasses row hooks). */
	db_exec(f->path, "DELETE FROM audit");
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit"), 0);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM main.audit"), 0);
	fx_reopen(f);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit_blocks"), 0);
	fx_free(f);
}

/* A vault written before blocks (an `audit` table) is converted at open, whole. */
static void old_vault_is_converted(void **state)
{
	fx_sqlite_only(NULL, "format 1 (an audit row per entry) was only ever an SQLite file");
	struct fixture *f = populated();
	GD_OK_OR_FAIL(gd_audit_checkpoint(f->v, NULL, NULL));
	gd_audit_report before, after;
	GD_OK_OR_FAIL(gd_audit_verify(f->v, NULL, &before, NULL, NULL));
	int64_t entries = db_count(f->path, "SELECT count(*) FROM audit");
	int64_t digest = db_count(f->path, "SELECT sum(seq * length(hash) + at + length(principal || action)) FROM audit");
	/* The old layout: the trail as a table, an entry per row, and no blocks. */
	db_exec(f->path, "UPDATE audit SET at = at");
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM sqlite_master WHERE name = 'audit' AND type = 'table'"), 1);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM main.audit_blocks"), 0);
	assert_int_equal(db_count(f->path, "SELECT value FROM meta WHERE key = 'format'"), 1);
	fx_reopen(f);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM sqlite_master WHERE name = 'audit' AND type = 'table'"), 0);
	assert_int_equal(db_count(f->path, "SELECT value FROM meta WHERE key = 'format'"), 7);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit_blocks"), 2); /* a block per chain */
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit"), entries);
	assert_int_equal(db_count(f->path, "SELECT sum(seq * length(hash) + at + length(principal || action)) FROM audit"), digest);
	GD_OK_OR_FAIL(gd_audit_verify(f->v, NULL, &after, NULL, NULL));
	assert_int_equal(after.entries, before.entries);
	assert_int_equal(after.checkpoints, before.checkpoints);
	assert_int_equal(after.unsigned_tail, 0);
	/* The chain goes on. */
	char s[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));
	GD_OK_OR_FAIL(gd_audit_verify(f->v, NULL, &after, NULL, NULL));
	fx_free(f);
}

/*
 * A vault of format 4 (one chain per tenant, checkpoints signed without a
 * lane) is converted at open: its chains become lane 0 and verify as before,
 * their old signatures included; an old signature does not stand for any
 * other lane.
 */
static void format_4_vault_becomes_lane_0(void **state)
{
	fx_sqlite_only(NULL, "format 4 (a chain per tenant) is converted from SQLite files only: the"
	                     " PostgreSQL engine is new in this release, whose format has lanes");
	struct fixture *f = populated();
	GD_OK_OR_FAIL(gd_audit_checkpoint(f->v, NULL, NULL));
	gd_audit_report before, after;
	GD_OK_OR_FAIL(gd_audit_verify(f->v, NULL, &before, NULL, NULL));
	assert_true(before.checkpoints >= 2);
	/* Signed again as format 4 signed them ("gardien checkpoint v1"). */
	sqlite3 *db;
	sqlite3_stmt *st, *up;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT tenant_id, seq, kind, at, hash FROM audit_checkpoints", -1, &st,
	                                    NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "UPDATE audit_checkpoints SET sig = ? WHERE tenant_id = ? AND seq = ?"
	                                        " AND kind = ?",
	                                    -1, &up, NULL),
	                 SQLITE_OK);
	int resigned = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct gd__audit_cp cp = {.tenant_id = sqlite3_column_int64(st, 0), .seq = sqlite3_column_int64(st, 1), .kind = sqlite3_column_int64(st, 2), .at = sqlite3_column_int64(st, 3)};
		memcpy(cp.hash, sqlite3_column_blob(st, 4), GD__HASH_SIZE);
		unsigned char msg[GD__CP_MESSAGE_SIZE], sig[GD__SIG_SIZE];
		size_t n = gd__audit_cp_message(msg, &cp, 1);
		assert_int_equal(n, GD__CP_MESSAGE_SIZE - 8);
		gd__sign(sig, msg, n, f->v->audit_sk);
		sqlite3_bind_blob(up, 1, sig, sizeof sig, SQLITE_TRANSIENT);
		sqlite3_bind_int64(up, 2, cp.tenant_id);
		sqlite3_bind_int64(up, 3, cp.seq);
		sqlite3_bind_int64(up, 4, cp.kind);
		assert_int_equal(sqlite3_step(up), SQLITE_DONE);
		sqlite3_reset(up);
		resigned++;
	}
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	sqlite3_close(db);
	assert_int_equal(resigned, before.checkpoints);
	gd_actor_close(f->a);
	gd_vault_close(f->v);
	f->a = NULL, f->v = NULL;
	/* The tables as format 4 had them: keyed by tenant, no lane. */
	db_exec(f->path,
	        "CREATE TABLE b4 AS SELECT tenant_id, first_seq, last_seq, body FROM audit_blocks; DROP TABLE audit_blocks;"
	        " CREATE TABLE audit_blocks (tenant_id INTEGER NOT NULL, first_seq INTEGER NOT NULL,"
	        " last_seq INTEGER NOT NULL, body BLOB NOT NULL, PRIMARY KEY (tenant_id, first_seq)) WITHOUT ROWID;"
	        " INSERT INTO audit_blocks SELECT * FROM b4; DROP TABLE b4;"
	        " CREATE TABLE c4 AS SELECT tenant_id, seq, kind, at, hash, sig FROM audit_checkpoints;"
	        " DROP TABLE audit_checkpoints;"
	        " CREATE TABLE audit_checkpoints (tenant_id INTEGER NOT NULL, seq INTEGER NOT NULL, kind INTEGER NOT NULL,"
	        " at INTEGER NOT NULL, hash BLOB NOT NULL, sig BLOB NOT NULL, PRIMARY KEY (tenant_id, seq, kind))"
	        " WITHOUT ROWID; INSERT INTO audit_checkpoints SELECT * FROM c4; DROP TABLE c4;"
	        " UPDATE meta SET value = 4 WHERE key = 'format'");
	fx_reopen(f);
	assert_int_equal(db_count(f->path, "SELECT value FROM meta WHERE key = 'format'"), 7);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit_blocks WHERE lane <> 0"), 0);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit_checkpoints"), before.checkpoints);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM sqlite_master WHERE name LIKE '%_v4'"), 0);
	GD_OK_OR_FAIL(gd_audit_verify(f->v, NULL, &after, NULL, NULL));
	assert_int_equal(after.entries, before.entries);
	assert_int_equal(after.checkpoints, before.checkpoints);
	/* The chain goes on in lane 0, signed the new way. */
	char s[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));
	GD_OK_OR_FAIL(gd_audit_checkpoint(f->v, NULL, NULL));
	GD_OK_OR_FAIL(gd_audit_verify(f->v, NULL, &after, NULL, NULL));
	assert_int_equal(after.unsigned_tail, 0);
	/* A tenant's lane 0 relabelled lane 1: its old signatures do not follow it. */
	gd_actor_close(f->a);
	gd_vault_close(f->v);
	f->a = NULL, f->v = NULL;
	db_exec(f->path, "UPDATE audit_blocks SET lane = 1 WHERE tenant_id = 1;"
	                 " UPDATE audit_checkpoints SET lane = 1 WHERE tenant_id = 1");
	fx_reopen(f);
	assert_int_equal(gd_audit_verify(f->v, NULL, &after, NULL, NULL), GD_ECORRUPT);
	assert_int_equal(after.problem, GD_AUDIT_BAD_SIGNATURE);
	assert_int_equal(after.tenant_id, 1);
	assert_int_equal(after.lane, 1);
	fx_free(f);
}

/* After an erasure the subject's entries remain, pseudonymous, and verify. */
static void erasure_keeps_the_trail_verifiable(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));
	put(f->a, s, "billing", "user.name", "Jeanne");
	GD_OK_OR_FAIL(gd_subject_erase(f->a, s));
	gd_audit_report r;
	GD_OK_OR_FAIL(gd_audit_verify(f->v, NULL, &r, NULL, NULL));
	struct seen seen = {0};
	gd_audit_filter flt = GD_AUDIT_FILTER_INIT;
	flt.subject = s;
	GD_OK_OR_FAIL(gd_audit_list(f->a, &flt, collect, &seen));
	assert_true(seen.n >= 3); /* create, put, erase */
	fx_free(f);
}

/* ---- kill -9 during a write load ------------------------------------------ */

static void killed_writer_leaves_no_orphan(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));
	gd_actor_close(f->a);
	gd_vault_close(f->v);
	f->a = NULL, f->v = NULL;
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		gd_vault *v;
		gd_actor *a;
		gd_vault_options o = GD_VAULT_OPTIONS_INIT;
		o.key_path = fx_key_for(f->path);
		if (gd_vault_open(&v, f->path, &o) < 0 || gd_actor_open(&a, v, "acme", "svc:load") < 0)
			_exit(1);
		for (int round = 0;; round++) {
			/* Batches and single commits, so the kill lands in either. */
			bool batch = round % 2 == 0;
			if (batch && gd_vault_begin(v) < 0)
				_exit(1);
			for (int i = 0; i < 50; i++) {
				gd_record_spec sp = GD_RECORD_SPEC_INIT;
				sp.activity = "billing", sp.category = "user.name";
				sp.value = "Jeanne", sp.value_len = 6;
				if (gd_record_put(a, NULL, s, &sp) < 0)
					_exit(1);
			}
			if (batch && gd_vault_commit(v) < 0)
				_exit(1);
			if (write(pfd[1], "x", 1) != 1)
				_exit(1);
		}
	}
	close(pfd[1]);
	char c;
	/* Verifying while the writer writes sees a consistent snapshot: never a false alarm. */
	gd_vault *reader;
	gd_vault_options ro = GD_VAULT_OPTIONS_INIT;
	ro.key_path = fx_key_for(f->path);
	GD_OK_OR_FAIL(gd_vault_open(&reader, f->path, &ro));
	for (int i = 0; i < 6; i++) {
		assert_int_equal(read(pfd[0], &c, 1), 1);
		gd_audit_report live;
		GD_OK_OR_FAIL(gd_audit_verify(reader, NULL, &live, NULL, NULL));
	}
	gd_vault_close(reader);
	kill(pid, SIGKILL);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(pfd[0]);

	fx_reopen(f);
	gd_audit_report r;
	GD_OK_OR_FAIL(gd_audit_verify(f->v, NULL, &r, NULL, NULL));
	int64_t records = db_count(f->path, "SELECT count(*) FROM records");
	assert_true(records >= 300);
	/* Every record has its entry, every entry its record. */
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM records r WHERE NOT EXISTS (SELECT 1 FROM audit a"
	                                   " WHERE a.tenant_id = 1 AND a.action = 'record.put' AND a.record_id = r.id)"),
	                 0);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit a WHERE a.action = 'record.put' AND NOT EXISTS"
	                                   " (SELECT 1 FROM records r WHERE r.id = a.record_id)"),
	                 0);
	assert_int_equal(db_count(f->path, "SELECT count(*) FROM audit WHERE action = 'record.put'"), records);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hash_matches_documented_format),
		cmocka_unit_test(intact_chain_verifies),
		cmocka_unit_test(edit_is_found),
		cmocka_unit_test(edited_hash_is_found),
		cmocka_unit_test(delete_is_found),
		cmocka_unit_test(delete_of_first_is_found),
		cmocka_unit_test(delete_with_renumbering_is_found),
		cmocka_unit_test(insert_is_found),
		cmocka_unit_test(reorder_is_found),
		cmocka_unit_test(truncation_after_checkpoint_is_found),
		cmocka_unit_test(closed_handle_frees_its_lane),
		cmocka_unit_test(unsigned_tail_is_reported),
		cmocka_unit_test(rewritten_chain_is_found),
		cmocka_unit_test(forged_checkpoint_is_found),
		cmocka_unit_test(checkpoints_are_written_every_n),
		cmocka_unit_test(prune_keeps_the_rest_verifiable),
		cmocka_unit_test(forged_anchor_is_found),
		cmocka_unit_test(prune_refuses_a_damaged_chain),
		cmocka_unit_test(list_filters_select_exactly),
		cmocka_unit_test(export_verifies_offline),
		cmocka_unit_test(export_tampering_is_found),
		cmocka_unit_test(faults_leave_trail_and_register_unchanged),
		cmocka_unit_test(erasure_keeps_the_trail_verifiable),
		cmocka_unit_test(rollbacks_inside_batches_keep_the_chain),
		cmocka_unit_test(blocks_round_trip),
		cmocka_unit_test(damaged_blocks_are_found),
		cmocka_unit_test(removed_block_is_found),
		cmocka_unit_test(batch_entries_are_one_block),
		cmocka_unit_test(prune_splits_a_block),
		cmocka_unit_test(old_vault_is_converted),
		cmocka_unit_test(format_4_vault_becomes_lane_0),
		cmocka_unit_test(test_view_of_the_trail_sees_every_change),
		cmocka_unit_test(block_rows_that_lie_are_found),
		cmocka_unit_test(nested_reads_are_refused),
		cmocka_unit_test(reading_the_trail_is_a_read),
		cmocka_unit_test(formats_are_guarded),
		cmocka_unit_test(killed_writer_leaves_no_orphan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
