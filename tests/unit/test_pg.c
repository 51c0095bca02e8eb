/*
 * test_pg.c — the PostgreSQL engine under injected faults (issue 14): a fault at
 * each storage call (every libpq round trip goes through one) of a put, an
 * erasure leaves the database exactly as it was — every table's rows,
 * compared by a digest of their text — and a retention sweep with no batch
 * half done (it commits in steps by design). Sequences may move (an id
 * taken in a rolled-back transaction is skipped, never reused) and are left
 * out. Runs against the cluster the ctest fixture starts (GD_PG_DIR); a
 * database of its own is created for the run.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "lib/internal.h"

static char url[512], key[300], dir[256];

static const char reg[] =
	"gardien_register: 1\n"
	"controller: {name: Test SAS, country: FR, language: en}\n"
	"activities:\n"
	"  - id: billing\n"
	"    name: Billing\n"
	"    role: controller\n"
	"    purposes: [essential.service.payment_processing]\n"
	"    legal_basis: contract\n"
	"    categories: [user.contact]\n"
	"    subjects: [customer]\n"
	"    retention:\n"
	"      - text: one year after collection\n"
	"        stages:\n"
	"          - {action: delete, from: collection, after: 1 year}\n";

/* One value a query of the test's database returns, from a connection of its own. */
static char *query_text(const char *sql)
{
	PGconn *c = PQconnectdb(url);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PGresult *r = PQexec(c, sql);
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	char *out = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(c);
	return out;
}

/* One table's rows as "count:md5", from PostgreSQL itself. */
static char *table_digest(const char *table)
{
	char q[512];
	snprintf(q, sizeof q,
	         "SELECT count(*) || ':' || coalesce(md5(string_agg(x, '|' ORDER BY x)), '')"
	         " FROM (SELECT t::text AS x FROM %s t) s",
	         table);
	return query_text(q);
}

static int count_entry(void *ud, const gd_audit_entry *e)
{
	(void)e;
	++*(int *)ud;
	return 0;
}

/* Every table's rows as one digest, from PostgreSQL itself. */
static char *digest(void)
{
	PGconn *c = PQconnectdb(url);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PGresult *r = PQexec(c,
	                     "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables"
	                     " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	char *tables = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	char *out = calloc(1, 1 << 16);
	for (char *t = strtok(tables, ","); t; t = strtok(NULL, ",")) {
		char q[512];
		snprintf(q, sizeof q,
		         "SELECT '%s:' || count(*) || ':' || coalesce(md5(string_agg(x, '|' ORDER BY x)), '')"
		         " FROM (SELECT t::text AS x FROM %s t) s",
		         t, t);
		r = PQexec(c, q);
		assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
		strncat(out, PQgetvalue(r, 0, 0), (1 << 16) - strlen(out) - 2);
		strcat(out, ";");
		PQclear(r);
	}
	free(tables);
	PQfinish(c);
	return out;
}

/* Runs `op` with a fault at each storage call in turn until it passes them all. */
#define FAULT_LOOP(op) \
	do { \
		long n; \
		for (n = 1;; n++) { \
			char *before = digest(); \
			gd__fault_arm(n); \
			int frc_ = (op); \
			bool fired = gd__fault_fired(); \
			gd__fault_arm(0); \
			if (!fired) { \
				GD_OK_OR_FAIL(frc_); \
				free(before); \
				break; \
			} \
			assert_true(frc_ < 0); \
			char *after = digest(); \
			assert_string_equal(after, before); \
			free(before); \
			free(after); \
		} \
		assert_true(n > 3); \
	} while (0)

/* Runs SQL on the test's database from a connection of its own. */
static void admin(const char *sql)
{
	PGconn *c = PQconnectdb(url);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}

static int64_t count_rows(const char *table)
{
	char *d = table_digest(table);
	int64_t n = strtoll(d, NULL, 10);
	free(d);
	return n;
}

/*
 * A batch of puts, pipelined and sent as multi-row INSERTs (store_pg.c),
 * each record read back inside the batch (read-your-writes), committed.
 * The puts go to two subjects in turn, five at a time: each change of
 * subject reads its row ahead of the rows kept (run_ahead). Returns 0 or
 * the first error, the batch rolled back.
 */
#define BATCH_PUTS 20
static int put_batch(gd_vault *v, gd_actor *a, const char *const s[2], int64_t ids[BATCH_PUTS])
{
	gd_record_spec spec = GD_RECORD_SPEC_INIT;
	spec.activity = "billing", spec.category = "user.contact.email", spec.subject_category = "customer";
	char value[32];
	spec.value = value;
	int rc = gd_vault_begin(v);
	for (int i = 0; rc == 0 && i < BATCH_PUTS; i++) {
		spec.value_len = (size_t)snprintf(value, sizeof value, "v%d@example.org", i);
		rc = gd_record_put(a, &ids[i], s[i / 5 % 2], &spec);
		if (rc == 0 && i % 7 == 6) {
			gd_record *r = NULL;
			rc = gd_record_get(a, &r, ids[i - 3], "billing");
			if (rc == 0) {
				char want[32];
				snprintf(want, sizeof want, "v%d@example.org", i - 3);
				assert_int_equal(r->value_len, strlen(want));
				assert_memory_equal(r->value, want, r->value_len);
			}
			gd_record_free(r);
		}
	}
	if (rc == 0)
		rc = gd_vault_commit(v);
	if (rc < 0)
		gd_vault_rollback(v);
	return rc;
}

static void faults_leave_the_database_unchanged(void **state)
{
	gd_vault *v;
	gd_actor *a;
	gd_vault_options o = GD_VAULT_OPTIONS_INIT;
	o.key_path = key;
	(void)state;
	GD_OK_OR_FAIL(gd_time_parse(&o.now, "2026-01-15T10:00:00Z"));
	GD_OK_OR_FAIL(gd_vault_init(url, &o));
	GD_OK_OR_FAIL(gd_vault_open(&v, url, &o));
	GD_OK_OR_FAIL(gd_tenant_create(v, "acme", "33"));
	GD_OK_OR_FAIL(gd_actor_open(&a, v, "acme", "test:pg"));
	GD_OK_OR_FAIL(gd_register_load_buffer(a, "reg.yml", reg, sizeof reg - 1, NULL, NULL));
	char s[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(a, s));
	GD_OK_OR_FAIL(gd_subject_add_identifier(a, s, "email", "ana@example.org"));

	gd_record_spec spec = GD_RECORD_SPEC_INIT;
	spec.activity = "billing", spec.category = "user.contact.email", spec.subject_category = "customer";
	spec.value = "ana@example.org", spec.value_len = strlen(spec.value);
	int64_t id;
	FAULT_LOOP(gd_record_put(a, &id, s, &spec));
	for (int i = 0; i < 4; i++)
		GD_OK_OR_FAIL(gd_record_put(a, &id, s, &spec));

	/* A sweep a year and a day later deletes the five records. */
	gd_time later;
	GD_OK_OR_FAIL(gd_time_parse(&later, "2027-01-16T10:00:00Z"));
	gd_vault_set_now(v, later);
	/* A sweep commits in steps (scheduling, then each batch of transitions):
	 * a failed one may leave earlier steps done, never a batch half done. Its
	 * five deletions are one batch: after a fault, the records are all there,
	 * or all gone with their audit entry. */
	gd_retention_stats st;
	char *records_before = table_digest("records");
	long k;
	for (k = 1;; k++) {
		gd__fault_arm(k);
		int rc = gd_retention_sweep(a, NULL, &st);
		bool fired = gd__fault_fired();
		gd__fault_arm(0);
		if (!fired) {
			GD_OK_OR_FAIL(rc);
			break;
		}
		assert_true(rc < 0);
		char *records_after = table_digest("records");
		if (strcmp(records_after, records_before) != 0) {
			assert_string_equal(records_after, "0:");
			gd_audit_filter af = GD_AUDIT_FILTER_INIT;
			af.action = "retention.delete";
			int entries = 0;
			GD_OK_OR_FAIL(gd_audit_list(a, &af, count_entry, &entries));
			assert_true(entries >= 1);
		}
		free(records_after);
	}
	free(records_before);
	assert_true(k > 3);
	char *left = table_digest("records");
	assert_string_equal(left, "0:");
	free(left);

	/* A batch of puts: a fault at any storage call, a send or a sync of
	 * the pipeline included, leaves nothing of the batch. */
	char s2[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(a, s2));
	const char *const both[2] = {s, s2};
	int64_t ids[BATCH_PUTS];
	gd__pg_reads_ahead(true);
	FAULT_LOOP(put_batch(v, a, both, ids));
	assert_int_equal(count_rows("records"), BATCH_PUTS);
	assert_true(gd__pg_reads_ahead(false) > 0);
	for (int i = 1; i < BATCH_PUTS; i++)
		assert_true(ids[i] > ids[i - 1]);
	gd_vault_set_now(v, later + 2 * 366 * 86400);
	GD_OK_OR_FAIL(gd_retention_sweep(a, NULL, &st));
	assert_int_equal(count_rows("records"), 0);
	/* Its DELETE went unwaited: the count it asked for waited for it. */
	assert_int_equal(st.deleted, BATCH_PUTS);

	/* A deferred write the server refuses, after its put returned: the
	 * batch fails whole (the put was not acknowledged: its batch was not
	 * committed), nothing of it is kept, and the vault works on after the
	 * rollback. */
	char *kept = digest();
	admin("ALTER TABLE records ADD CONSTRAINT gd_test_refuse CHECK (source <> 'subject')");
	assert_true(put_batch(v, a, both, ids) < 0);
	assert_non_null(strstr(gd_error_last(), "gd_test_refuse"));
	admin("ALTER TABLE records DROP CONSTRAINT gd_test_refuse");
	char *now_kept = digest();
	assert_string_equal(now_kept, kept);
	free(kept);
	free(now_kept);
	GD_OK_OR_FAIL(put_batch(v, a, both, ids));
	assert_int_equal(count_rows("records"), BATCH_PUTS);

	/* A deferred DELETE the server refuses, after the erasure's statement
	 * returned: the erasure fails at its commit, and nothing of it is kept. */
	kept = digest();
	admin("CREATE FUNCTION gd_test_refuse() RETURNS trigger LANGUAGE plpgsql"
	      " AS $$ BEGIN RAISE EXCEPTION 'gd_test_refuse'; END $$");
	admin("CREATE TRIGGER gd_test_refuse BEFORE DELETE ON identifiers FOR EACH ROW EXECUTE FUNCTION gd_test_refuse()");
	assert_true(gd_subject_erase(a, s) < 0);
	assert_non_null(strstr(gd_error_last(), "gd_test_refuse"));
	admin("DROP TRIGGER gd_test_refuse ON identifiers");
	admin("DROP FUNCTION gd_test_refuse()");
	now_kept = digest();
	assert_string_equal(now_kept, kept);
	free(kept);
	free(now_kept);

	/* An erasure, with its own transaction and journal. */
	GD_OK_OR_FAIL(gd_record_put(a, &id, s, &spec));
	FAULT_LOOP(gd_subject_erase(a, s));
	char found[GD_SUBJECT_ID_SIZE];
	assert_int_equal(gd_subject_find(a, found, "email", "ana@example.org"), GD_ENOTFOUND);
	gd_actor_close(a);
	gd_vault_close(v);
}

/*
 * What sending INSERTs and DELETEs unwaited relies on (store_pg.c,
 * deferred_sql and deferred_delete_sql): in the vault's schema no table but
 * breaches has a trigger (it refuses deletion, and no DELETE of it is sent
 * unwaited), and no table has a foreign key, so such a write fails only
 * when storage does. A trigger or a foreign key added to the schema fails
 * here first: then take its table out of those lists.
 */
static void unwaited_writes_meet_no_trigger_nor_foreign_key(void **state)
{
	(void)state;
	char *triggers = query_text("SELECT coalesce(string_agg(DISTINCT c.relname, ','), '') FROM pg_trigger t"
	                            " JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
	                            " WHERE NOT t.tgisinternal AND n.nspname = current_schema()");
	assert_string_equal(triggers, "breaches");
	free(triggers);
	char *keys = query_text("SELECT count(*) FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace"
	                        " WHERE k.contype = 'f' AND n.nspname = current_schema()");
	assert_string_equal(keys, "0");
	free(keys);
}

/*
 * sum() of a BIGINT column is a NUMERIC on PostgreSQL, read in binary form
 * (the copies of a subject's access requests are counted so, rights/export.c):
 * read as the integer it holds, large, negative or zero.
 */
static void numeric_results_read_as_integers(void **state)
{
	gd_vault *v;
	gd_vault_options o = GD_VAULT_OPTIONS_INIT;
	o.key_path = key;
	(void)state;
	GD_OK_OR_FAIL(gd_vault_open(&v, url, &o));
	static const struct {
		const char *sql;
		int64_t want;
	} cases[] = {
		{"SELECT coalesce(sum(x), 0) FROM (VALUES (1::bigint), (2::bigint)) t(x)", 3},
		{"SELECT coalesce(sum(x), 0) FROM (VALUES (40000000000::bigint), (123456789::bigint)) t(x)",
	         40123456789},
		{"SELECT coalesce(sum(x), 0) FROM (VALUES (-10000::bigint), (-7::bigint)) t(x)", -10007},
		{"SELECT coalesce(sum(x), 0) FROM (VALUES (1::bigint)) t(x) WHERE false", 0},
		{"SELECT sum(x) FROM (VALUES (9000000000000000000::bigint), (9000000000000000000::bigint)) t(x)",
	         INT64_MAX},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int64_t got = -1;
		GD_OK_OR_FAIL(gd__db_int(v->store, &got, cases[i].sql, NULL));
		assert_int_equal(got, cases[i].want);
	}
	gd_vault_close(v);
}

static void pg_exec(const char *sql)
{
	PGconn *c = PQconnectdb(url);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(c);
}

static int64_t pg_count(const char *sql)
{
	PGconn *c = PQconnectdb(url);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PGresult *r = PQexec(c, sql);
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	int64_t n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	PQfinish(c);
	return n;
}

static void count_lane(void *ud, const gd_audit_lane_report *l)
{
	if (strcmp(l->tenant, "acme") == 0)
		++*(int *)ud;
}

/*
 * Lanes on PostgreSQL: two live handles append to two lanes; a lane left by
 * a closed handle is taken by the next one, which continues from the head in
 * the database; verification covers every lane. Then the tables are put back
 * in format 4's shape (no lane) and the open converts them: the chains become
 * lane 0 and verify as before.
 */
static void lanes_and_format_4(void **state)
{
	gd_vault *v1, *v2, *v3;
	gd_actor *a1, *a2, *a3;
	gd_vault_options o = GD_VAULT_OPTIONS_INIT;
	char s[GD_SUBJECT_ID_SIZE];
	(void)state;
	o.key_path = key;
	GD_OK_OR_FAIL(gd_time_parse(&o.now, "2026-01-15T10:00:00Z"));
	GD_OK_OR_FAIL(gd_vault_open(&v1, url, &o));
	GD_OK_OR_FAIL(gd_vault_open(&v2, url, &o));
	GD_OK_OR_FAIL(gd_actor_open(&a1, v1, "acme", "test:lane-a"));
	GD_OK_OR_FAIL(gd_actor_open(&a2, v2, "acme", "test:lane-b"));
	GD_OK_OR_FAIL(gd_subject_create(a1, s));
	GD_OK_OR_FAIL(gd_subject_create(a2, s));
	GD_OK_OR_FAIL(gd_subject_create(a1, s));
	assert_int_equal(pg_count("SELECT count(DISTINCT lane) FROM audit_blocks WHERE tenant_id = 1"), 2);
	gd_actor_close(a1);
	gd_vault_close(v1);
	/* The lane v1 held is free: the next handle takes the lowest free one. */
	GD_OK_OR_FAIL(gd_vault_open(&v3, url, &o));
	GD_OK_OR_FAIL(gd_actor_open(&a3, v3, "acme", "test:lane-c"));
	GD_OK_OR_FAIL(gd_subject_create(a3, s));
	GD_OK_OR_FAIL(gd_subject_create(a2, s));
	assert_int_equal(pg_count("SELECT count(DISTINCT lane) FROM audit_blocks WHERE tenant_id = 1"), 2);
	GD_OK_OR_FAIL(gd_audit_checkpoint(v3, NULL, NULL));
	gd_audit_report before, after;
	int lanes = 0;
	GD_OK_OR_FAIL(gd_audit_verify_lanes(v3, NULL, &before, NULL, count_lane, &lanes));
	assert_int_equal(lanes, 2);
	gd_actor_close(a2);
	gd_vault_close(v2);
	gd_actor_close(a3);
	gd_vault_close(v3);

	/* Format 4: one lane per tenant, the tables keyed without it. */
	pg_exec("DELETE FROM audit_blocks WHERE lane <> 0; DELETE FROM audit_checkpoints WHERE lane <> 0;"
	        " CREATE TABLE b4 AS SELECT tenant_id, first_seq, last_seq, body FROM audit_blocks;"
	        " DROP TABLE audit_blocks; CREATE TABLE audit_blocks (tenant_id BIGINT NOT NULL,"
	        " first_seq BIGINT NOT NULL, last_seq BIGINT NOT NULL, body BYTEA NOT NULL,"
	        " PRIMARY KEY (tenant_id, first_seq)); INSERT INTO audit_blocks SELECT * FROM b4; DROP TABLE b4;"
	        " CREATE TABLE c4 AS SELECT tenant_id, seq, kind, at, hash, sig FROM audit_checkpoints;"
	        " DROP TABLE audit_checkpoints; CREATE TABLE audit_checkpoints (tenant_id BIGINT NOT NULL,"
	        " seq BIGINT NOT NULL, kind BIGINT NOT NULL, at BIGINT NOT NULL, hash BYTEA NOT NULL,"
	        " sig BYTEA NOT NULL, PRIMARY KEY (tenant_id, seq, kind));"
	        " INSERT INTO audit_checkpoints SELECT * FROM c4; DROP TABLE c4;"
	        " UPDATE meta SET value = convert_to('4', 'UTF8') WHERE key = 'format'");
	int64_t entries = pg_count("SELECT sum(last_seq - first_seq + 1) FROM audit_blocks WHERE tenant_id = 1");
	GD_OK_OR_FAIL(gd_vault_open(&v1, url, &o));
	assert_int_equal(pg_count("SELECT count(*) FROM audit_blocks WHERE lane <> 0"), 0);
	assert_int_equal(pg_count("SELECT sum(last_seq - first_seq + 1) FROM audit_blocks WHERE tenant_id = 1"), entries);
	assert_int_equal(pg_count("SELECT count(*) FROM information_schema.tables WHERE table_name LIKE '%_v4'"), 0);
	lanes = 0;
	GD_OK_OR_FAIL(gd_audit_verify_lanes(v1, "acme", &after, NULL, count_lane, &lanes));
	assert_int_equal(lanes, 1);
	assert_int_equal(after.entries, entries);
	GD_OK_OR_FAIL(gd_actor_open(&a1, v1, "acme", "test:lane-a"));
	GD_OK_OR_FAIL(gd_subject_create(a1, s));
	GD_OK_OR_FAIL(gd_audit_verify(v1, NULL, &after, NULL, NULL));
	gd_actor_close(a1);
	gd_vault_close(v1);
}

int main(void)
{
	const char *pgdir = getenv("GD_PG_DIR");
	if (!pgdir || !*pgdir) {
		fprintf(stderr, "test_pg: GD_PG_DIR is not set (ctest's pg_cluster fixture sets it)\n");
		return 1;
	}
	char db[64], cmd[1024];
	snprintf(db, sizeof db, "gd_unit_%d", (int)getpid());
	snprintf(cmd, sizeof cmd, "createdb -h '%s' -U postgres %s", pgdir, db);
	if (system(cmd) != 0)
		return 1;
	snprintf(url, sizeof url, "postgresql://postgres@/%s?host=%s", db, pgdir);
	snprintf(dir, sizeof dir, "%s/gdpg-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		return 1;
	snprintf(key, sizeof key, "%s/vault.key", dir);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(faults_leave_the_database_unchanged),
		cmocka_unit_test(unwaited_writes_meet_no_trigger_nor_foreign_key),
		cmocka_unit_test(numeric_results_read_as_integers),
		cmocka_unit_test(lanes_and_format_4),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
