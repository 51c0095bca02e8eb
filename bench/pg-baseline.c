/*
 * pg-baseline — the same work as gardien-bench, done the way a team would build
 * it without gardien: PostgreSQL with pgcrypto (pgp_sym_encrypt of each value,
 * digest() of the normalised email as lookup key) and an audit trigger that
 * writes a row for every record stored, plus an audit row per read, in the
 * same transaction. Prints the same JSON lines with "engine":"postgresql".
 *
 * Run it through bench/compare.sh, which starts a throw-away PostgreSQL server
 * on a Unix socket (no TCP) and stops it afterwards.
 */
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static PGconn *db;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void figure(const char *name, long n, double seconds, bool per_second)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	/* As gardien-bench: milliseconds to the hundredth. */
	printf("{\"engine\":\"postgresql\",\"figure\":\"%s\",\"n\":%ld,\"seconds\":%.3f,\"%s\":%.*f,\"client_peak_rss_kb\":%ld}\n",
	       name, n, seconds, per_second ? "per_second" : "ms_each", per_second ? 1 : 2,
	       per_second ? n / seconds : seconds * 1e3 / n, ru.ru_maxrss);
	fflush(stdout);
}

static PGresult *run(const char *sql, int n, const char *const *params, ExecStatusType want)
{
	PGresult *r = n ? PQexecParams(db, sql, n, NULL, params, NULL, NULL, 0) : PQexec(db, sql);
	if (PQresultStatus(r) != want) {
		fprintf(stderr, "pg-baseline: %s\n%s", sql, PQerrorMessage(db));
		exit(1);
	}
	return r;
}

static void exec(const char *sql)
{
	PQclear(run(sql, 0, NULL, PGRES_COMMAND_OK));
}

static PGresult *prepared(const char *name, int n, const char *const *params, ExecStatusType want)
{
	PGresult *r = PQexecPrepared(db, name, n, params, NULL, NULL, 0);
	if (PQresultStatus(r) != want) {
		fprintf(stderr, "pg-baseline: %s: %s", name, PQerrorMessage(db));
		exit(1);
	}
	return r;
}

static void prepare(const char *name, const char *sql, int n)
{
	PGresult *r = PQprepare(db, name, sql, n, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "pg-baseline: prepare %s: %s", name, PQerrorMessage(db));
		exit(1);
	}
	PQclear(r);
}

static const char schema[] =
	"CREATE EXTENSION IF NOT EXISTS pgcrypto;"
	"DROP TABLE IF EXISTS audit, records, subjects;"
	"CREATE TABLE subjects (id bigserial PRIMARY KEY, pseudonym text UNIQUE NOT NULL,"
	"  email_digest bytea UNIQUE NOT NULL);"
	"CREATE TABLE records (id bigserial PRIMARY KEY, subject_id bigint NOT NULL REFERENCES subjects(id),"
	"  activity text NOT NULL, category text NOT NULL, value bytea NOT NULL);"
	"CREATE INDEX records_subject ON records (subject_id, id);"
	"CREATE TABLE audit (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(),"
	"  principal text NOT NULL, action text NOT NULL, subject_id bigint, record_id bigint, category text);"
	"CREATE OR REPLACE FUNCTION audit_records() RETURNS trigger AS $$ BEGIN"
	"  IF TG_OP = 'DELETE' THEN"
	"    INSERT INTO audit (principal, action, subject_id, record_id, category)"
	"      VALUES (current_user, 'record.delete', OLD.subject_id, OLD.id, OLD.category); RETURN OLD;"
	"  END IF;"
	"  INSERT INTO audit (principal, action, subject_id, record_id, category)"
	"    VALUES (current_user, 'record.put', NEW.subject_id, NEW.id, NEW.category); RETURN NEW;"
	"END $$ LANGUAGE plpgsql;"
	"CREATE TRIGGER records_audit AFTER INSERT OR DELETE ON records"
	"  FOR EACH ROW EXECUTE FUNCTION audit_records();";

static const char find_read_sql[] =
	"WITH r AS (SELECT id, subject_id, category, value FROM records WHERE id ="
	"  (SELECT min(id) FROM records WHERE subject_id ="
	"    (SELECT id FROM subjects WHERE email_digest = digest(lower(trim($1)), 'sha256')))),"
	" a AS (INSERT INTO audit (principal, action, subject_id, record_id, category)"
	"  SELECT current_user, 'record.get', subject_id, id, category FROM r)"
	" SELECT pgp_sym_decrypt(value, $2) FROM r";

int main(int argc, char **argv)
{
	long records = 100000, per_subject = 10, batch = 1000, reads = 20000, erasures = 200, procs = 0;
	const char *conninfo = getenv("PG_CONNINFO");
	for (int i = 1; i + 1 < argc; i += 2) {
		long v = strtol(argv[i + 1], NULL, 10);
		if (strcmp(argv[i], "--records") == 0)
			records = v;
		else if (strcmp(argv[i], "--reads") == 0)
			reads = v;
		else if (strcmp(argv[i], "--erasures") == 0)
			erasures = v;
		else if (strcmp(argv[i], "--batch") == 0)
			batch = v;
		else if (strcmp(argv[i], "--procs") == 0)
			procs = v;
	}
	if (!conninfo || records <= 0 || reads <= 0 || erasures <= 0 || batch <= 0 || procs < 0 || procs > 64) {
		fprintf(stderr, "usage: PG_CONNINFO=... pg-baseline [--records N] [--reads N] [--erasures N] [--batch N]"
		                " [--procs N]\n"
		                "--procs N: then N processes at once, each --reads N finds + reads on a connection\n"
		                "of its own (figure find_and_read_procs: all their reads over the wall-clock time)\n"
		                "The reads start after a VACUUM ANALYZE of the load, as autovacuum's.\n");
		return 2;
	}
	db = PQconnectdb(conninfo);
	if (PQstatus(db) != CONNECTION_OK) {
		fprintf(stderr, "pg-baseline: %s", PQerrorMessage(db));
		return 1;
	}
	/* Durable commits, as gardien's. */
	exec("SET synchronous_commit = on");
	exec("SET client_min_messages = warning");
	exec(schema);
	const char *key = "bench-key-0123456789abcdef0123456789abcdef";
	prepare("subject", "INSERT INTO subjects (pseudonym, email_digest) VALUES ($1, digest(lower(trim($2)), 'sha256')) RETURNING id", 2);
	prepare("put", "INSERT INTO records (subject_id, activity, category, value)"
	               " VALUES ($1, 'billing', 'user.contact.address', pgp_sym_encrypt($2, $3, 'cipher-algo=aes256, s2k-mode=1'))",
	        3);
	prepare("find_read", find_read_sql, 2);
	prepare("erase_records", "DELETE FROM records WHERE subject_id = $1", 1);
	prepare("erase_subject", "DELETE FROM subjects WHERE id = $1", 1);

	long nsubjects = (records + per_subject - 1) / per_subject;
	long *ids = calloc((size_t)nsubjects, sizeof *ids);
	char email[64], pseudo[64], value[160], sid[32];
	double t0 = now_s();
	for (long s = 0; s < nsubjects; s++) {
		if (s % batch == 0)
			exec("BEGIN");
		snprintf(pseudo, sizeof pseudo, "sub_%024lx", s);
		snprintf(email, sizeof email, "person%ld@example.org", s);
		const char *p[] = {pseudo, email};
		PGresult *r = prepared("subject", 2, p, PGRES_TUPLES_OK);
		ids[s] = atol(PQgetvalue(r, 0, 0));
		PQclear(r);
		if (s % batch == batch - 1 || s == nsubjects - 1)
			exec("COMMIT");
	}
	figure("subject_create_with_email", nsubjects, now_s() - t0, true);

	t0 = now_s();
	for (long i = 0; i < records; i++) {
		if (i % batch == 0)
			exec("BEGIN");
		snprintf(sid, sizeof sid, "%ld", ids[i / per_subject]);
		snprintf(value, sizeof value,
		         "{\"street\":\"%ld rue de la Paix\",\"city\":\"Paris\",\"postcode\":\"75002\",\"country\":\"FR\"}", i);
		const char *p[] = {sid, value, key};
		PQclear(prepared("put", 3, p, PGRES_COMMAND_OK));
		if (i % batch == batch - 1 || i == records - 1)
			exec("COMMIT");
	}
	figure("record_put", records, now_s() - t0, true);
	/* What autovacuum does within a minute of a load (statistics, hint bits),
	 * as gardien-bench does on the PostgreSQL engine: the reads then measure
	 * reading, not the first look at each row just written. */
	exec("VACUUM ANALYZE");

	srand(42);
	t0 = now_s();
	for (long i = 0; i < reads; i++) {
		long s = ((long)rand() * 7919L + i) % nsubjects;
		if (i % batch == 0)
			exec("BEGIN");
		snprintf(email, sizeof email, "  Person%ld@Example.org", s);
		const char *p[] = {email, key};
		PGresult *r = prepared("find_read", 2, p, PGRES_TUPLES_OK);
		if (PQntuples(r) != 1) {
			fprintf(stderr, "pg-baseline: subject %ld not found\n", s);
			return 1;
		}
		PQclear(r);
		if (i % batch == batch - 1 || i == reads - 1)
			exec("COMMIT");
	}
	figure("find_and_read", reads, now_s() - t0, true);

	/* The same from `procs` processes at once, each on a connection of its own. */
	if (procs > 0) {
		fflush(stdout);
		t0 = now_s();
		for (long p = 0; p < procs; p++) {
			pid_t pid = fork();
			if (pid < 0) {
				perror("fork");
				return 1;
			}
			if (pid == 0) {
				/* The parent's connection is left alone (a PQfinish here would end it). */
				db = PQconnectdb(conninfo);
				if (PQstatus(db) != CONNECTION_OK) {
					fprintf(stderr, "pg-baseline: %s", PQerrorMessage(db));
					_exit(1);
				}
				exec("SET synchronous_commit = on");
				prepare("find_read_p", find_read_sql, 2);
				srand((unsigned)(1000 + p));
				for (long i = 0; i < reads; i++) {
					long s = rand() % nsubjects;
					if (i % batch == 0)
						exec("BEGIN");
					snprintf(email, sizeof email, "  Person%ld@Example.org", s);
					const char *pr[] = {email, key};
					PGresult *r = prepared("find_read_p", 2, pr, PGRES_TUPLES_OK);
					if (PQntuples(r) != 1)
						_exit(1);
					PQclear(r);
					if (i % batch == batch - 1 || i == reads - 1)
						exec("COMMIT");
				}
				PQfinish(db);
				_exit(0);
			}
		}
		int failed = 0, status;
		while (wait(&status) > 0)
			failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
		if (failed) {
			fprintf(stderr, "pg-baseline: a reader process failed\n");
			return 1;
		}
		double t = now_s() - t0;
		printf("{\"engine\":\"postgresql\",\"figure\":\"find_and_read_procs\",\"procs\":%ld,\"n\":%ld,"
		       "\"seconds\":%.3f,\"per_second\":%.1f}\n",
		       procs, procs * reads, t, procs * reads / t);
		fflush(stdout);
	}

	if (erasures > nsubjects)
		erasures = nsubjects;
	t0 = now_s();
	for (long i = 0; i < erasures; i++) {
		snprintf(sid, sizeof sid, "%ld", ids[nsubjects - 1 - i]);
		const char *p[] = {sid};
		exec("BEGIN");
		PQclear(prepared("erase_records", 1, p, PGRES_COMMAND_OK));
		PQclear(prepared("erase_subject", 1, p, PGRES_COMMAND_OK));
		exec("COMMIT");
	}
	figure("erase_subject_ms", erasures, now_s() - t0, false);
	free(ids);
	PQfinish(db);
	return 0;
}
