/*
 * gardien-bench — measures the vault on a fresh database under a small
 * register (so every write and read passes the real policy checks): records
 * stored per second (batched durable commits), subject lookups by identifier
 * plus one record read per second (two calls, and one: gd_record_find), the export of everything about one subject,
 * audit verification, the latency of an erasure, and the retention sweep.
 * Prints one JSON line per figure with the peak resident set size so far, and
 * the peak of the program's own (anonymous) memory so far.
 *
 * It is a program, not a test: run it on a quiet machine with a release build
 * (docs/benchmarks.md says how and records the figures).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "gardien.h"

struct opts {
	long records;
	long per_subject;
	long batch;
	long reads;
	long erasures;
	long sweep_batch; /* 0: the sweep's default */
	const char *dir;
	const char *vault; /* --vault: a postgresql:// URL (an empty database); default: DIR/bench.db */
	bool keep;
	bool reschedule;
	bool one_call; /* --reuse reads with gd_record_find */
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Resident pages, the database file's mapped pages included (PRAGMA mmap_size). */
static long peak_rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/*
 * The program's own memory: RssAnon (heap, stacks, SQLite's page cache), not
 * the file pages the map brings in, which ru_maxrss counts too. The kernel
 * keeps no peak of it, so a thread samples it every 5 ms (on the other core),
 * and so do every sweep batch and every figure.
 */
static long anon_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];
	long kb = -1;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "RssAnon: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static _Atomic long peak_anon;
static atomic_bool sampling;

static long sample_anon(void)
{
	long kb = anon_kb(), peak = atomic_load(&peak_anon);
	while (kb > peak && !atomic_compare_exchange_weak(&peak_anon, &peak, kb))
		;
	return kb;
}

static void *sampler(void *ud)
{
	(void)ud;
	struct timespec ts = {0, 5000000};
	while (atomic_load(&sampling)) {
		sample_anon();
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static void figure(const char *name, long n, double seconds, const char *unit)
{
	sample_anon();
	bool rate = strcmp(unit, "per_second") == 0; /* else ms_each, to the hundredth */
	printf("{\"figure\":\"%s\",\"n\":%ld,\"seconds\":%.3f,\"%s\":%.*f,\"peak_rss_kb\":%ld,"
	       "\"peak_anon_kb\":%ld}\n",
	       name, n, seconds, unit, rate ? 1 : 2, rate ? n / seconds : seconds * 1e3 / n,
	       peak_rss_kb(), atomic_load(&peak_anon));
	fflush(stdout);
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "gardien-bench: %s: %s (%s)\n", what, gd_error_last(), gd_error_name(rc));
	exit(1);
}

#define CHECK(what, expr) \
	do { \
		int rc_ = (expr); \
		if (rc_ != 0) \
			die(what, rc_); \
	} while (0)

/* RssAnon during the sweep: at its start, after each tenth of it, its highest. */
struct sweep_mem {
	long start, tenth[10];
	int ntenth;
};

/*
 * On PostgreSQL, after the load: what autovacuum does within a minute of one
 * (statistics, hint bits), as pg-baseline does after its own, so that the
 * reads measure reading rather than the first look at each row just written.
 */
static void vacuum_analyze(const char *url)
{
	PGconn *c = PQconnectdb(url);
	PGresult *r = PQstatus(c) == CONNECTION_OK ? PQexec(c, "VACUUM ANALYZE") : NULL;
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "gardien-bench: VACUUM ANALYZE: %s", PQerrorMessage(c));
		exit(1);
	}
	PQclear(r);
	PQfinish(c);
}

static int sweep_progress(void *ud, uint64_t done, uint64_t total)
{
	struct sweep_mem *m = ud;
	long kb = sample_anon();
	while (m->ntenth < 10 && total && done * 10 >= (uint64_t)(m->ntenth + 1) * total)
		m->tenth[m->ntenth++] = kb;
	return 0;
}

/*
 * One sweep as a figure (`deletions`: records deleted per second, else records
 * scheduled), then RssAnon during it: at its start, its peak (the sampler's,
 * the peak so far being reset to the start), at its end, and by tenths.
 */
static void sweep_figure(gd_actor *a, const char *name, long batch, bool deletions)
{
	gd_retention_sweep_options so = GD_RETENTION_SWEEP_OPTIONS_INIT;
	gd_retention_stats rs;
	struct sweep_mem mem = {0};
	long before = atomic_load(&peak_anon);
	mem.start = anon_kb();
	atomic_store(&peak_anon, mem.start);
	so.progress = sweep_progress;
	so.ud = &mem;
	so.batch = (size_t)batch;
	double t0 = now_s();
	CHECK("sweep", gd_retention_sweep(a, &so, &rs));
	double t = now_s() - t0;
	long peak = atomic_load(&peak_anon);
	if (before > peak)
		atomic_store(&peak_anon, before);
	figure(name, deletions ? (long)rs.deleted : (long)rs.scheduled, t, "per_second");
	printf("{\"figure\":\"%s_anon_kb\",\"batches\":%llu,\"start\":%ld,\"max\":%ld,"
	       "\"end\":%ld,\"by_tenth\":[",
	       name, (unsigned long long)rs.batches, mem.start, peak, anon_kb());
	for (int i = 0; i < mem.ntenth; i++)
		printf("%s%ld", i ? "," : "", mem.tenth[i]);
	printf("]}\n");
	fflush(stdout);
}

/* One activity, a retention rule that makes every record due two years on. */
#define BENCH_ACTIVITY \
	"gardien_register: 1\n" \
	"controller: {name: Bench SAS, country: FR, language: en}\n" \
	"activities:\n" \
	"  - id: billing\n" \
	"    name: Billing\n" \
	"    role: controller\n" \
	"    purposes: [essential.service.payment_processing]\n" \
	"    legal_basis: contract\n" \
	"    categories: [user.contact]\n" \
	"    subjects: [customer]\n" \
	"    retention:\n"

static const char bench_register[] = BENCH_ACTIVITY
	"      - text: one year after collection\n"
	"        stages:\n"
	"          - {action: delete, from: collection, after: 1 year}\n";

/* The same rule under another wording: a new register version. */
static const char bench_register_v2[] = BENCH_ACTIVITY
	"      - text: twelve months after collection\n"
	"        stages:\n"
	"          - {action: delete, from: collection, after: 12 months}\n";

static int discard(void *ud, const void *p, size_t n)
{
	*(size_t *)ud += n;
	return 0;
}

/*
 * --reuse DIR: another process's load on a vault a first run kept (--setup-only
 * --dir DIR: subjects and records, nothing erased or swept): --reads N finds and
 * reads as the main run does, or with --writes N stores N records, in
 * batches. Prints one figure; run several at once for the concurrency table
 * (bench/run.sh). Each subject's first record id comes from DIR/bench.first,
 * which the first run wrote (a read checks that the record is the subject's).
 * With --vault URL, the vault is that PostgreSQL database, its key in DIR.
 */
static int reuse(const struct opts *o, const char *dir, long writes, bool ordered_writes)
{
	char path[300], key[300];
	snprintf(path, sizeof path, "%s/bench.db", dir);
	gd_vault_options vopts = GD_VAULT_OPTIONS_INIT;
	vopts.ordered_writes = ordered_writes;
	if (o->vault) { /* the PostgreSQL vault of that run, its key file in DIR */
		snprintf(path, sizeof path, "%s", o->vault);
		snprintf(key, sizeof key, "%s/bench.key", dir);
		vopts.key_path = key;
	}
	gd_vault *v;
	gd_actor *a;
	CHECK("open", gd_vault_open(&v, path, &vopts));
	CHECK("actor", gd_actor_open(&a, v, "bench", "bench:reuse"));
	long nsubjects = (o->records + o->per_subject - 1) / o->per_subject;
	char email[64], found[GD_SUBJECT_ID_SIZE];
	/* Each subject's first record id, as the --setup-only run wrote them. */
	int64_t *first = calloc((size_t)nsubjects, sizeof *first);
	char fpath[320];
	snprintf(fpath, sizeof fpath, "%s/bench.first", dir);
	FILE *f = fopen(fpath, "rb");
	if (!first || !f || fread(first, sizeof *first, (size_t)nsubjects, f) != (size_t)nsubjects ||
	    fgetc(f) != EOF) {
		fprintf(stderr, "gardien-bench: %s: --reuse needs the folder of a --setup-only run with the"
		                " same --records and --per-subject\n",
		        fpath);
		if (f)
			fclose(f);
		free(first);
		return 1;
	}
	fclose(f);
	srand((unsigned)getpid());
	double t0 = now_s();
	if (writes) {
		char value[64];
		gd_record_spec spec = GD_RECORD_SPEC_INIT;
		spec.activity = "billing";
		spec.category = "user.contact.address";
		spec.subject_category = "customer";
		spec.value = value;
		spec.type = GD_VALUE_TEXT;
		for (long i = 0; i < writes; i++) {
			if (i % o->batch == 0) {
				CHECK("begin", gd_vault_begin(v));
				long s = rand() % nsubjects;
				snprintf(email, sizeof email, "person%ld@example.org", s);
				CHECK("find", gd_subject_find(a, found, "email", email));
			}
			spec.value_len = (size_t)snprintf(value, sizeof value, "%ld rue de la Paix", i);
			CHECK("put", gd_record_put(a, NULL, found, &spec));
			if (i % o->batch == o->batch - 1 || i == writes - 1)
				CHECK("commit", gd_vault_commit(v));
		}
		figure("record_put", writes, now_s() - t0, "per_second");
	} else {
		/* Readers group their reads (gd_vault_reads_begin): read transactions
		 * beside the other processes, one commit of the group's entries. */
		for (long i = 0; i < o->reads; i++) {
			long s = rand() % nsubjects;
			if (i % o->batch == 0)
				CHECK("begin", gd_vault_reads_begin(v));
			snprintf(email, sizeof email, "  Person%ld@Example.org", s);
			gd_record *rec;
			if (o->one_call) {
				CHECK("find record", gd_record_find(a, &rec, "email", email, first[s], "billing"));
			} else {
				CHECK("find", gd_subject_find(a, found, "email", email));
				CHECK("get", gd_record_get(a, &rec, first[s], "billing"));
			}
			if (!o->one_call && strcmp(rec->subject, found) != 0) {
				fprintf(stderr, "gardien-bench: --reuse needs the vault of a run with the same"
				                " --records and --per-subject\n");
				return 1;
			}
			gd_record_free(rec);
			if (i % o->batch == o->batch - 1 || i == o->reads - 1)
				CHECK("commit", gd_vault_reads_commit(v));
		}
		figure(o->one_call ? "record_find" : "find_and_read", o->reads, now_s() - t0, "per_second");
	}
	free(first);
	gd_actor_close(a);
	gd_vault_close(v);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
	        "usage: gardien-bench [--records N] [--per-subject N] [--batch N] [--reads N]\n"
	        "                     [--erasures N] [--sweep-batch N] [--reschedule] [--dir DIR] [--keep]\n"
	        "                     [--ordered-writes] [--reuse DIR [--writes N | --one-call]]\n"
	        "                     [--vault postgresql://…]\n"
	        "--vault runs on the PostgreSQL engine, in that (empty) database; the key file\n"
	        "goes in DIR. There the load is followed by a VACUUM ANALYZE (not timed), as\n"
	        "pg-baseline's is.\n"
	        "Defaults: 1000000 records, 10 per subject, batches of 1000, 200000 reads,\n"
	        "1000 erasures, the sweep's own batch size, in a new folder under /tmp\n"
	        "(removed unless --keep). --reschedule adds, before the sweep, a sweep that\n"
	        "schedules every record and one after a new register version.\n"
	        "--ordered-writes opens the vault as `gardien --ordered-writes` does.\n"
	        "--reuse DIR: only --reads N finds and reads (or --writes N stores) on the\n"
	        "vault a run with --setup-only --dir DIR left (subjects and records, kept),\n"
	        "same --records and --per-subject (and --vault): one process of a\n"
	        "concurrency measure (bench/run.sh, bench/compare.sh). --one-call reads\n"
	        "with gd_record_find instead of gd_subject_find then gd_record_get.\n");
	exit(2);
}

static long arg_long(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc)
		usage();
	char *end;
	long v = strtol(argv[++*i], &end, 10);
	if (*end || v <= 0)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	bool ordered_writes = false;
	const char *reuse_dir = NULL;
	long writes = 0;
	bool setup_only = false;
	struct opts o = {1000000, 10, 1000, 200000, 1000, 0, NULL, NULL, false, false, false};
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--records") == 0)
			o.records = arg_long(argc, argv, &i);
		else if (strcmp(argv[i], "--per-subject") == 0)
			o.per_subject = arg_long(argc, argv, &i);
		else if (strcmp(argv[i], "--batch") == 0)
			o.batch = arg_long(argc, argv, &i);
		else if (strcmp(argv[i], "--reads") == 0)
			o.reads = arg_long(argc, argv, &i);
		else if (strcmp(argv[i], "--erasures") == 0)
			o.erasures = arg_long(argc, argv, &i);
		else if (strcmp(argv[i], "--sweep-batch") == 0)
			o.sweep_batch = arg_long(argc, argv, &i);
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			o.dir = argv[++i];
		else if (strcmp(argv[i], "--vault") == 0 && i + 1 < argc)
			o.vault = argv[++i];
		else if (strcmp(argv[i], "--keep") == 0)
			o.keep = true;
		else if (strcmp(argv[i], "--reschedule") == 0)
			o.reschedule = true;
		else if (strcmp(argv[i], "--ordered-writes") == 0)
			ordered_writes = true;
		else if (strcmp(argv[i], "--reuse") == 0 && i + 1 < argc)
			reuse_dir = argv[++i];
		else if (strcmp(argv[i], "--setup-only") == 0)
			setup_only = o.keep = true;
		else if (strcmp(argv[i], "--one-call") == 0)
			o.one_call = true;
		else if (strcmp(argv[i], "--writes") == 0)
			writes = arg_long(argc, argv, &i);
		else
			usage();
	}
	if (reuse_dir)
		return reuse(&o, reuse_dir, writes, ordered_writes);
	char dir[256], path[300];
	if (o.dir) {
		snprintf(dir, sizeof dir, "%s", o.dir);
	} else {
		snprintf(dir, sizeof dir, "/tmp/gardien-bench-XXXXXX");
		if (!mkdtemp(dir)) {
			perror("mkdtemp");
			return 1;
		}
	}
	snprintf(path, sizeof path, "%s/bench.db", dir);
	char key[300];
	gd_vault_options vopts = GD_VAULT_OPTIONS_INIT;
	vopts.ordered_writes = ordered_writes;
	if (o.vault) {
		snprintf(path, sizeof path, "%s", o.vault);
		snprintf(key, sizeof key, "%s/bench.key", dir);
		vopts.key_path = key;
	}
	pthread_t sampler_thread;
	atomic_store(&sampling, true);
	if (pthread_create(&sampler_thread, NULL, sampler, NULL) != 0) {
		perror("pthread_create");
		return 1;
	}

	long nsubjects = (o.records + o.per_subject - 1) / o.per_subject;
	if (o.erasures > nsubjects)
		o.erasures = nsubjects;
	char(*ids)[GD_SUBJECT_ID_SIZE] = calloc((size_t)nsubjects, GD_SUBJECT_ID_SIZE);
	int64_t *first = calloc((size_t)nsubjects, sizeof *first);
	if (!ids || !first)
		return 1;

	gd_vault *v;
	gd_actor *a;
	CHECK("init", gd_vault_init(path, &vopts));
	CHECK("open", gd_vault_open(&v, path, &vopts));
	CHECK("tenant", gd_tenant_create(v, "bench", "33"));
	CHECK("actor", gd_actor_open(&a, v, "bench", "bench:runner"));
	CHECK("register", gd_register_load_buffer(a, "bench.yml", bench_register, sizeof bench_register - 1,
	                                          NULL, NULL));
	printf("{\"vault\":\"%s\",\"records\":%ld,\"subjects\":%ld,\"batch\":%ld}\n", path, o.records,
	       nsubjects, o.batch);

	/* Subjects with an email identifier each (key generation, blind index). */
	char email[64];
	double t0 = now_s();
	for (long s = 0; s < nsubjects; s++) {
		if (s % o.batch == 0)
			CHECK("begin", gd_vault_begin(v));
		CHECK("subject", gd_subject_create(a, ids[s]));
		snprintf(email, sizeof email, "person%ld@example.org", s);
		CHECK("identifier", gd_subject_add_identifier(a, ids[s], "email", email));
		if (s % o.batch == o.batch - 1 || s == nsubjects - 1) {
			CHECK("commit", gd_vault_commit(v));
			sample_anon();
		}
	}
	figure("subject_create_with_email", nsubjects, now_s() - t0, "per_second");

	/* Records: a subject's records are written together, as an application does. */
	char value[160];
	gd_record_spec spec = GD_RECORD_SPEC_INIT;
	spec.activity = "billing";
	spec.category = "user.contact.address";
	spec.subject_category = "customer";
	spec.value = value;
	t0 = now_s();
	for (long r = 0; r < o.records; r++) {
		long s = r / o.per_subject;
		if (r % o.batch == 0)
			CHECK("begin", gd_vault_begin(v));
		spec.value_len = (size_t)snprintf(value, sizeof value,
		                                  "{\"street\":\"%ld rue de la Paix\",\"city\":\"Paris\",\"postcode\":\"75002\",\"country\":\"FR\"}",
		                                  r);
		spec.type = GD_VALUE_JSON;
		int64_t id;
		CHECK("put", gd_record_put(a, &id, ids[s], &spec));
		if (r % o.per_subject == 0)
			first[s] = id;
		if (r % o.batch == o.batch - 1 || r == o.records - 1) {
			CHECK("commit", gd_vault_commit(v));
			sample_anon();
		}
	}
	figure("record_put", o.records, now_s() - t0, "per_second");
	if (o.vault)
		vacuum_analyze(o.vault);
	if (setup_only) {
		/* Each subject's first record id, for --reuse: ids are not contiguous
		 * on PostgreSQL, where a batch drops what is left of its id block. */
		char fpath[320];
		snprintf(fpath, sizeof fpath, "%s/bench.first", dir);
		FILE *f = fopen(fpath, "wb");
		if (!f || fwrite(first, sizeof *first, (size_t)nsubjects, f) != (size_t)nsubjects || fclose(f) != 0) {
			perror(fpath);
			return 1;
		}
		goto finish;
	}

	/* Find a subject by email, read one of its records for a purpose (audited). */
	srand(42);
	char found[GD_SUBJECT_ID_SIZE];
	t0 = now_s();
	for (long i = 0; i < o.reads; i++) {
		long s = ((long)rand() * 7919L + i) % nsubjects;
		if (i % o.batch == 0)
			CHECK("begin", gd_vault_begin(v));
		snprintf(email, sizeof email, "  Person%ld@Example.org", s);
		CHECK("find", gd_subject_find(a, found, "email", email));
		gd_record *rec;
		CHECK("get", gd_record_get(a, &rec, first[s], "billing"));
		gd_record_free(rec);
		if (i % o.batch == o.batch - 1 || i == o.reads - 1) {
			CHECK("commit", gd_vault_commit(v));
			sample_anon();
		}
	}
	figure("find_and_read", o.reads, now_s() - t0, "per_second");

	/* The same in one call (gd_record_find): one statement instead of two. */
	srand(43);
	t0 = now_s();
	for (long i = 0; i < o.reads; i++) {
		long s = ((long)rand() * 7919L + i) % nsubjects;
		if (i % o.batch == 0)
			CHECK("begin", gd_vault_begin(v));
		snprintf(email, sizeof email, "  Person%ld@Example.org", s);
		gd_record *rec;
		CHECK("find record", gd_record_find(a, &rec, "email", email, first[s], "billing"));
		gd_record_free(rec);
		if (i % o.batch == o.batch - 1 || i == o.reads - 1) {
			CHECK("commit", gd_vault_commit(v));
			sample_anon();
		}
	}
	figure("record_find", o.reads, now_s() - t0, "per_second");

	/* Everything about one subject (access request), as JSON, streamed. */
	long exports = o.reads / 10 ? o.reads / 10 : 1;
	size_t bytes = 0;
	t0 = now_s();
	for (long i = 0; i < exports; i++)
		CHECK("export", gd_rights_export(a, ids[((long)rand() * 31L + i) % nsubjects], GD_EXPORT_JSON,
		                                 0, discard, &bytes));
	figure("export_subject_ms", exports, now_s() - t0, "ms_each");

	/* The whole audit trail, recomputed and its signatures checked. */
	gd_audit_report report;
	t0 = now_s();
	CHECK("audit verify", gd_audit_verify(v, NULL, &report, NULL, NULL));
	if (report.problem != GD_AUDIT_INTACT) {
		fprintf(stderr, "gardien-bench: audit verify: %s\n", report.detail);
		return 1;
	}
	figure("audit_verify", (long)report.entries, now_s() - t0, "per_second");

	/* Erasures, each its own durable transaction (key destroyed, rows deleted,
	 * WAL truncated): the latency a data-subject request sees. */
	t0 = now_s();
	for (long i = 0; i < o.erasures; i++)
		CHECK("erase", gd_subject_erase(a, ids[nsubjects - 1 - i]));
	figure("erase_subject_ms", o.erasures, now_s() - t0, "ms_each");

	/* The same, 100 erasures to a transaction (requests answered in a batch):
	 * one durable commit and one WAL truncation for all of them. */
	long base = nsubjects - 1 - o.erasures, batched = o.erasures < base ? o.erasures : base;
	t0 = now_s();
	for (long i = 0; i < batched; i++) {
		if (i % 100 == 0)
			CHECK("begin", gd_vault_begin(v));
		CHECK("erase", gd_subject_erase(a, ids[base - i]));
		if (i % 100 == 99 || i == batched - 1)
			CHECK("commit", gd_vault_commit(v));
	}
	figure("erase_subject_batched_ms", batched, now_s() - t0, "ms_each");

	/* With --reschedule: every record scheduled (nothing is due yet), then a
	 * new register version, after which the sweep marks every row for
	 * rescheduling and schedules it again. */
	if (o.reschedule) {
		sweep_figure(a, "retention_schedule", o.sweep_batch, false);
		CHECK("register v2", gd_register_load_buffer(a, "bench.yml", bench_register_v2,
		                                             sizeof bench_register_v2 - 1, NULL, NULL));
		sweep_figure(a, "retention_reschedule", o.sweep_batch, false);
	}

	/* Two years on, every record is due for deletion under the register's rule. */
	gd_vault_set_now(v, gd_vault_now(v) + 2 * 366 * 86400);
	sweep_figure(a, "retention_sweep", o.sweep_batch, true);
finish:
	atomic_store(&sampling, false);
	pthread_join(sampler_thread, NULL);

	gd_actor_close(a);
	gd_vault_close(v);
	free(ids);
	free(first);
	if (!o.keep) {
		char cmd[400];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "gardien-bench: could not remove %s\n", dir);
	}
	return 0;
}
