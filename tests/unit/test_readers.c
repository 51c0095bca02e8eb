/*
 * test_readers.c — audited reads off the write lock, across processes, on one
 * SQLite vault: readers run in read transactions and append their entries
 * afterwards (audit/audit_lane.c), writers queue on the vault's lock file
 * (vault/lock.c).
 *
 * Every count is fixed or reported by the processes themselves; nothing is
 * timed. A reader reports a read (one byte on a pipe) only after
 * gd_record_get returned the value, so the parent knows how many values were
 * handed to a caller, and checks that each has its entry in the trail —
 * including when a reader is killed with SIGKILL in the middle of its run.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "lib/audit/audit.h"
#include "lib/internal.h"

#define FIXED_NOW 1767225600
#define VALUE "FR76 3000 6000 0112 3456 7890 189"
/* A hang guard, never the expected end: readers stop when the writer is done. */
#define READS_CAP 200000

static int64_t put(gd_actor *a, const char *subject)
{
	gd_record_spec s = GD_RECORD_SPEC_INIT;
	int64_t id;
	s.activity = "billing";
	s.category = "user.financial";
	s.value = VALUE;
	s.value_len = strlen(VALUE);
	GD_OK_OR_FAIL(gd_record_put(a, &id, subject, &s));
	return id;
}

static int open_actor(const char *path, const char *principal, gd_vault **v, gd_actor **a)
{
	gd_vault_options o = GD_VAULT_OPTIONS_INIT;
	o.now = FIXED_NOW;
	o.key_path = fx_key_for(path);
	int rc = gd_vault_open(v, path, &o);
	if (rc == 0 && (rc = gd_actor_open(a, *v, "acme", principal)) < 0)
		gd_vault_close(*v);
	return rc;
}

/*
 * A reader process: reads `id` until `stop` has data (or `n` reads when
 * stop < 0, or the cap), writing one byte to `out` after each read that
 * returned the right value. Exits 0, or 1 on any error (printed).
 */
static void reader(const char *path, const char *principal, int64_t id, int n, int stop, int out)
{
	gd_vault *v;
	gd_actor *a;
	if (open_actor(path, principal, &v, &a) < 0) {
		fprintf(stderr, "%s: open: %s\n", principal, gd_error_last());
		_exit(1);
	}
	int limit = n > 0 ? n : READS_CAP;
	for (int i = 0; i < limit; i++) {
		if (stop >= 0) {
			fd_set fs;
			struct timeval zero = {0, 0};
			FD_ZERO(&fs);
			FD_SET(stop, &fs);
			if (select(stop + 1, &fs, NULL, NULL, &zero) > 0)
				break;
		}
		gd_record *r;
		if (gd_record_get(a, &r, id, "billing") < 0) {
			fprintf(stderr, "%s: read %d: %s\n", principal, i, gd_error_last());
			_exit(1);
		}
		bool ok = r->value_len == strlen(VALUE) && memcmp(r->value, VALUE, r->value_len) == 0;
		gd_record_free(r);
		if (!ok || write(out, "r", 1) != 1)
			_exit(1);
	}
	gd_actor_close(a);
	gd_vault_close(v);
	_exit(0);
}

/* A writer process: `n` puts, one byte on `out` after each. */
static void writer(const char *path, int n, int out)
{
	gd_vault *v;
	gd_actor *a;
	char s[GD_SUBJECT_ID_SIZE];
	if (open_actor(path, "writer", &v, &a) < 0 || gd_subject_create(a, s) < 0) {
		fprintf(stderr, "writer: %s\n", gd_error_last());
		_exit(1);
	}
	for (int i = 0; i < n; i++) {
		gd_record_spec sp = GD_RECORD_SPEC_INIT;
		int64_t id;
		sp.activity = "billing";
		sp.category = "user.financial";
		sp.value = VALUE;
		sp.value_len = strlen(VALUE);
		if (gd_record_put(a, &id, s, &sp) < 0) {
			fprintf(stderr, "writer: put %d: %s\n", i, gd_error_last());
			_exit(1);
		}
		if (write(out, "w", 1) != 1)
			_exit(1);
	}
	gd_actor_close(a);
	gd_vault_close(v);
	_exit(0);
}

/* Bytes a pipe delivers until every writer end is closed. */
static int64_t drain(int fd)
{
	char buf[4096];
	int64_t n = 0;
	ssize_t k;
	while ((k = read(fd, buf, sizeof buf)) != 0) {
		if (k < 0 && errno == EINTR)
			continue;
		assert_true(k > 0);
		n += k;
	}
	return n;
}

static int exit_status(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		assert_int_equal(errno, EINTR);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

struct audit_count {
	const char *principal;
	int64_t n;
};

static int count_entry(void *ud, const gd_audit_entry *e)
{
	struct audit_count *c = ud;
	if (strcmp(e->action, "record.get") == 0 && strcmp(e->principal, c->principal) == 0 &&
	    e->outcome == GD_AUDIT_OK)
		c->n++;
	return 0;
}

static int64_t reads_audited(struct fixture *f, const char *principal)
{
	struct audit_count c = {principal, 0};
	GD_OK_OR_FAIL(gd_audit_list(f->a, NULL, count_entry, &c));
	return c.n;
}

static void verify_intact(struct fixture *f)
{
	gd_audit_report r;
	GD_OK_OR_FAIL(gd_audit_verify(f->v, NULL, &r, NULL, NULL));
	assert_int_equal(r.problem, GD_AUDIT_INTACT);
}

/* `n` reader processes, a fixed count of reads each: every read has exactly one entry. */
static void readers_each_read_has_its_entry(int n)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));
	int64_t id = put(f->a, s);
	pid_t pids[4];
	int pipes[4][2];
	for (int i = 0; i < n; i++) {
		assert_int_equal(pipe(pipes[i]), 0);
		char who[32];
		snprintf(who, sizeof who, "reader-%d", i);
		if ((pids[i] = fork()) == 0) {
			close(pipes[i][0]);
			reader(f->path, who, id, 150, -1, pipes[i][1]);
		}
		close(pipes[i][1]);
	}
	for (int i = 0; i < n; i++) {
		int64_t got = drain(pipes[i][0]);
		close(pipes[i][0]);
		assert_int_equal(exit_status(pids[i]), 0);
		assert_int_equal(got, 150);
		char who[32];
		snprintf(who, sizeof who, "reader-%d", i);
		assert_int_equal(reads_audited(f, who), 150);
	}
	verify_intact(f);
	fx_free(f);
}

static void two_readers(void **state)
{
	readers_each_read_has_its_entry(2);
}

static void four_readers(void **state)
{
	readers_each_read_has_its_entry(4);
}

/*
 * A writer among three readers: the readers read until the writer has made
 * its fixed count of puts, so the writer finishing while they run is the
 * claim (a starved writer would leave them reading to their cap, which fails
 * the test). Each reader's reads all have their entries.
 */
static void writer_among_readers_finishes(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));
	int64_t id = put(f->a, s);
	enum {
		READERS = 3,
		PUTS = 200
	};
	pid_t pids[READERS], wpid;
	int pipes[READERS][2], wp[2], stop[2];
	assert_int_equal(pipe(stop), 0);
	for (int i = 0; i < READERS; i++) {
		assert_int_equal(pipe(pipes[i]), 0);
		char who[32];
		snprintf(who, sizeof who, "reader-%d", i);
		if ((pids[i] = fork()) == 0) {
			close(pipes[i][0]);
			close(stop[1]);
			reader(f->path, who, id, 0, stop[0], pipes[i][1]);
		}
		close(pipes[i][1]);
	}
	close(stop[0]);
	assert_int_equal(pipe(wp), 0);
	if ((wpid = fork()) == 0) {
		close(wp[0]);
		close(stop[1]);
		writer(f->path, PUTS, wp[1]);
	}
	close(wp[1]);
	assert_int_equal(drain(wp[0]), PUTS);
	close(wp[0]);
	assert_int_equal(exit_status(wpid), 0);
	/* The writer is done: the readers stop at their next read. */
	assert_int_equal(write(stop[1], "x", 1), 1);
	close(stop[1]);
	for (int i = 0; i < READERS; i++) {
		int64_t got = drain(pipes[i][0]);
		close(pipes[i][0]);
		assert_int_equal(exit_status(pids[i]), 0);
		assert_true(got < READS_CAP); /* stopped by the writer's end, not by the cap */
		char who[32];
		snprintf(who, sizeof who, "reader-%d", i);
		assert_int_equal(reads_audited(f, who), got);
	}
	int64_t records = 0;
	GD_OK_OR_FAIL(gd__db_int(f->v->store, &records, "SELECT count(*) FROM records", NULL));
	assert_int_equal(records, PUTS + 1);
	verify_intact(f);
	fx_free(f);
}

/*
 * SIGKILL of a reader in the middle of its run: every value it reported (after
 * the call returned) has its entry; at most one entry more (committed, then
 * killed before reporting). The trail verifies.
 */
static void killed_reader_loses_no_returned_read(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));
	int64_t id = put(f->a, s);
	int p[2], other[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(other), 0);
	/* A second reader keeps reading after the kill: the vault stays usable. */
	pid_t keep = fork();
	if (keep == 0) {
		close(p[0]), close(p[1]), close(other[0]);
		reader(f->path, "reader-kept", id, 100, -1, other[1]);
	}
	close(other[1]);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]), close(other[0]);
		reader(f->path, "reader-killed", id, READS_CAP, -1, p[1]);
	}
	close(p[1]);
	/* Killed once it has returned 40 values: wherever it then is in its next read. */
	char buf[40];
	size_t have = 0;
	while (have < sizeof buf) {
		ssize_t k = read(p[0], buf + have, sizeof buf - have);
		if (k < 0 && errno == EINTR)
			continue;
		assert_true(k > 0);
		have += (size_t)k;
	}
	assert_int_equal(kill(pid, SIGKILL), 0);
	int64_t reported = (int64_t)have + drain(p[0]);
	close(p[0]);
	assert_int_equal(exit_status(pid), 128 + SIGKILL);
	assert_int_equal(drain(other[0]), 100);
	close(other[0]);
	assert_int_equal(exit_status(keep), 0);
	fx_reopen(f);
	int64_t audited = reads_audited(f, "reader-killed");
	assert_true(audited >= reported);
	assert_true(audited <= reported + 1);
	assert_int_equal(reads_audited(f, "reader-kept"), 100);
	verify_intact(f);
	/* The lanes and the trail go on. */
	gd_record *r;
	GD_OK_OR_FAIL(gd_record_get(f->a, &r, id, "billing"));
	gd_record_free(r);
	verify_intact(f);
	fx_free(f);
}

/*
 * A failure at each step of a read's entry commit (begin, append, commit):
 * the read fails and returns no value, and the trail verifies with exactly
 * the entries of the reads that succeeded.
 */
static void faults_in_the_entry_commit(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));
	int64_t id = put(f->a, s);
	int64_t ok = 0;
	for (int step = 1; step < 64; step++) {
		gd__fault_arm(step);
		gd_record *r = NULL;
		int rc = gd_record_get(f->a, &r, id, "billing");
		bool fired = gd__fault_fired();
		gd__fault_arm(0);
		if (rc == 0) {
			assert_non_null(r);
			gd_record_free(r);
			ok++;
			if (!fired)
				break; /* past the last step */
		} else {
			assert_null(r);
			assert_true(rc < 0);
		}
	}
	assert_true(ok >= 1);
	assert_int_equal(reads_audited(f, "test:unit"), ok);
	verify_intact(f);
	fx_free(f);
}

struct thread_read {
	gd_vault *v; /* opened before the thread starts, its own */
	gd_actor *a;
	int64_t id;
	char who[32];
	int rc;
};

static void *read_once(void *arg)
{
	struct thread_read *t = arg;
	gd_record *r = NULL;
	t->rc = gd_record_get(t->a, &r, t->id, "billing");
	if (t->rc == 0 && (r->value_len != strlen(VALUE) || memcmp(r->value, VALUE, r->value_len) != 0))
		t->rc = GD_ERROR;
	gd_record_free(r);
	return NULL;
}

/* Entries per audit block of acme: a block is one transaction's entries. */
static int64_t largest_block(struct fixture *f)
{
	int64_t n = 0;
	GD_OK_OR_FAIL(gd__db_int(f->v->store, &n,
	                         "SELECT max(last_seq - first_seq + 1) FROM audit_blocks WHERE tenant_id = 1", NULL));
	return n;
}

/*
 * Threads of one process: readers whose entries wait while a committer is
 * held up are committed together, by one of them, in one transaction (one
 * block); each read returns once its entry is in. The committer is held up
 * by a batch of this thread holding the write lock; the test waits until the
 * other readers are queued (a count, not a delay), then lets it go.
 */
static void group_commit_across_threads(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));
	int64_t id = put(f->a, s);
	enum {
		N = 4
	};
	struct thread_read t[N];
	pthread_t th[N];
	for (int i = 0; i < N; i++) {
		t[i] = (struct thread_read){.id = id};
		snprintf(t[i].who, sizeof t[i].who, "thread-%d", i);
		GD_OK_OR_FAIL(open_actor(f->path, t[i].who, &t[i].v, &t[i].a));
	}
	/* The write lock, held: a batch takes it at its first write on PostgreSQL. */
	GD_OK_OR_FAIL(gd_vault_begin(f->v));
	put(f->a, s);
	for (int i = 0; i < N; i++)
		assert_int_equal(pthread_create(&th[i], NULL, read_once, &t[i]), 0);
	/* One reader is the committer, blocked on the lock; the others queue behind
	 * it. Bounded, so that a reader not blocked fails the test, not hangs it. */
	for (int spins = 0; gd__audit_group_waiting(f->v) < N - 1; spins++) {
		assert_true(spins < 60000);
		usleep(500);
	}
	GD_OK_OR_FAIL(gd_vault_commit(f->v));
	for (int i = 0; i < N; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(t[i].rc, 0);
		gd_actor_close(t[i].a);
		gd_vault_close(t[i].v);
	}
	for (int i = 0; i < N; i++)
		assert_int_equal(reads_audited(f, t[i].who), 1);
	assert_true(largest_block(f) >= N - 1);
	verify_intact(f);
	fx_free(f);
}

/*
 * A group of reads (gd_vault_reads_begin/commit, the server's readers): the
 * reads return before their entries are in the trail; the commit puts them
 * all in, or none when it fails (a fault at each of its steps); a failed read
 * in the group leaves no entry and takes none of the others' with it; a write
 * in the middle of the group commits on its own.
 */
static void group_of_reads(void **state)
{
	struct fixture *f = fx_new();
	char s[GD_SUBJECT_ID_SIZE];
	GD_OK_OR_FAIL(gd_subject_create(f->a, s));
	int64_t id = put(f->a, s);
	gd_vault *v2;
	gd_actor *a2;
	GD_OK_OR_FAIL(open_actor(f->path, "grouped", &v2, &a2));
	int64_t committed = 0;
	for (int step = 0; step < 64; step++) {
		GD_OK_OR_FAIL(gd_vault_reads_begin(v2));
		assert_int_equal(gd_vault_reads_begin(v2), GD_ESTATE);
		assert_int_equal(gd_vault_begin(v2), GD_ESTATE);
		gd_record *r = NULL;
		for (int i = 0; i < 3; i++) {
			GD_OK_OR_FAIL(gd_record_get(a2, &r, id, "billing"));
			gd_record_free(r);
			if (i == 1) /* a write in the group ends its snapshot and commits on its own */
				put(a2, s);
		}
		assert_int_equal(gd_record_get(a2, &r, id + 1000, "billing"), GD_ENOTFOUND);
		assert_int_equal(reads_audited(f, "grouped"), committed); /* not in before the commit */
		gd__fault_arm(step);
		int rc = gd_vault_reads_commit(v2);
		bool fired = gd__fault_fired();
		gd__fault_arm(0);
		if (rc == 0)
			committed += 3;
		else
			assert_true(fired);
		assert_int_equal(reads_audited(f, "grouped"), committed);
		assert_int_equal(gd_vault_reads_commit(v2), GD_ESTATE); /* the group ended either way */
		if (rc == 0 && step > 0 && !fired)
			break; /* past the commit's last step */
	}
	assert_true(committed >= 6);
	gd_actor_close(a2);
	gd_vault_close(v2);
	verify_intact(f);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(two_readers),
		cmocka_unit_test(four_readers),
		cmocka_unit_test(writer_among_readers_finishes),
		cmocka_unit_test(killed_reader_loses_no_returned_read),
		cmocka_unit_test(faults_in_the_entry_commit),
		cmocka_unit_test(group_commit_across_threads),
		cmocka_unit_test(group_of_reads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
