/*
 * http.c — `gardien serve` on libmicrohttpd: the only file that knows MHD.
 *
 * A pool of worker threads (MHD's internal thread pool, epoll on Linux) reads
 * requests. Authenticated routes run on one committer thread that owns one
 * vault handle and executes the requests waiting for it as one batch — one
 * transaction, one durable commit for the lot (group commit), each request
 * still all-or-nothing inside it (a savepoint per operation) — and answers
 * them only once the batch is committed; if the commit fails they all get 503.
 * Routes that open their own transactions (a subject created with its
 * identifiers, register loads, sweeps) run alone on the committer. A request
 * handed to the committer suspends its connection (MHD suspend/resume): the
 * worker goes on with other connections and sends the answer when the
 * committer resumes it. Public
 * routes (health, metrics, login) run on the worker's own vault handle, opened
 * on its first request (a handle is single-threaded). Request bodies are
 * capped by the route's limit before anything is buffered: a Content-Length
 * over it is refused at once, a chunked body over it is discarded and refused.
 * Slow clients are cut by the connection timeout. On SIGINT/SIGTERM the server
 * stops accepting, lets the requests in flight finish, then stops.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <systemd/sd-daemon.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server.h"

/* A request handed to the committer; its connection is suspended meanwhile. */
struct job {
	struct api_req rq;
	struct MHD_Connection *conn;
	struct api_resp resp;
	int route;
	bool solo;
	_Atomic bool done;
	struct job *next;
};

struct pending {
	size_t limit;
	char *body;
	size_t len, cap;
	bool too_big;
	bool answered;
	bool queued;                 /* handed to the committer */
	struct timespec start;
	struct job job;
};

static const struct server_config *config;
static _Atomic long in_flight;

/* Vault handles of the worker threads, closed after the daemon stopped. */
#define MAX_HANDLES 256
static pthread_mutex_t handles_lock = PTHREAD_MUTEX_INITIALIZER;
static gd_vault *handles[MAX_HANDLES];
static size_t nhandles;
static __thread gd_vault *thread_vault;

static gd_vault *vault_for_thread(void)
{
	if (thread_vault)
		return thread_vault;
	gd_vault_options o = GD_VAULT_OPTIONS_INIT;
	o.key_path = config->key_path;
	o.key_fd = config->key_fd, o.key_command = config->key_command, o.key_pkcs11 = config->key_pkcs11;
	o.now = config->now;
	gd_vault *v;
	if (gd_vault_open(&v, config->vault_path, &o) < 0)
		return NULL;
	pthread_mutex_lock(&handles_lock);
	if (nhandles < MAX_HANDLES)
		handles[nhandles++] = v;
	else
		gd_vault_close(v), v = NULL;
	pthread_mutex_unlock(&handles_lock);
	return thread_vault = v;
}

/* ---- group commit ---- */

#define BATCH_MAX 512
static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_ready = PTHREAD_COND_INITIALIZER;   /* a job is queued, or stop */
static struct job *q_head, *q_tail;
static bool q_stop;
static gd_vault *committer_vault;
static _Atomic long jobs_out;        /* queued or running on the committer */

static bool runs_solo(const struct api_route *r)
{
	return r->fn == route_subject_create || r->fn == route_register_load || r->fn == route_retention_sweep ||
	       r->fn == route_audit_verify || r->fn == route_request_step;
}

static void fail_job(struct job *j, int status, const char *code, const char *msg)
{
	gd_wipe_free(j->resp.body);
	json_t *e = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
	j->resp = (struct api_resp){.status = status, .type = "application/json"};
	j->resp.body = e ? json_dumps(e, JSON_COMPACT) : NULL;
	j->resp.len = j->resp.body ? strlen(j->resp.body) : 0;
	json_decref(e);
}

/* The answers are ready: the workers resume the connections and send them. */
static void finish(struct job **jobs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		atomic_store(&jobs[i]->done, true);
		MHD_resume_connection(jobs[i]->conn);
		atomic_fetch_sub(&jobs_out, 1);
	}
}

/* Runs jobs[0..n) as one batch; answers them once it is committed. */
static void run_batch(struct job **jobs, size_t n)
{
	gd_vault *v = committer_vault;
	bool batch = gd_vault_begin(v) == 0;
	for (size_t i = 0; i < n; i++) {
		jobs[i]->rq.v = v;
		api_handle(&jobs[i]->rq, &jobs[i]->resp, &jobs[i]->route);
	}
	if (batch && gd_vault_commit(v) < 0) {
		char msg[300];
		snprintf(msg, sizeof msg, "the batch holding this request could not be committed: %s", gd_error_last());
		gd_vault_rollback(v);
		for (size_t i = 0; i < n; i++)
			fail_job(jobs[i], 503, "unavailable", msg);
	}
	api_metrics_batch(n);
	finish(jobs, n);
}

static void *committer(void *arg)
{
	struct job *batch[BATCH_MAX];
	for (;;) {
		size_t n = 0;
		pthread_mutex_lock(&q_lock);
		while (!q_head && !q_stop)
			pthread_cond_wait(&q_ready, &q_lock);
		if (!q_head && q_stop) {
			pthread_mutex_unlock(&q_lock);
			break;
		}
		while (q_head && n < BATCH_MAX) {
			batch[n++] = q_head;
			q_head = q_head->next;
		}
		if (!q_head)
			q_tail = NULL;
		pthread_mutex_unlock(&q_lock);
		/* In order: runs of batchable jobs, solo jobs alone. */
		size_t start = 0;
		for (size_t i = 0; i <= n; i++) {
			if (i < n && !batch[i]->solo)
				continue;
			if (i > start)
				run_batch(batch + start, i - start);
			if (i < n) {
				batch[i]->rq.v = committer_vault;
				api_handle(&batch[i]->rq, &batch[i]->resp, &batch[i]->route);
				finish(batch + i, 1);
			}
			start = i + 1;
		}
	}
	return NULL;
}

/* Queues a job for the committer (its connection is already suspended). */
static void enqueue(struct job *j)
{
	atomic_fetch_add(&jobs_out, 1);
	pthread_mutex_lock(&q_lock);
	if (q_tail)
		q_tail->next = j;
	else
		q_head = j;
	q_tail = j;
	pthread_cond_signal(&q_ready);
	pthread_mutex_unlock(&q_lock);
}

static const char *query_arg(void *ud, const char *key)
{
	return MHD_lookup_connection_value(ud, MHD_GET_ARGUMENT_KIND, key);
}

static unsigned long long usec_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (unsigned long long)((t.tv_sec - t0->tv_sec) * 1000000LL + (t.tv_nsec - t0->tv_nsec) / 1000);
}

static enum MHD_Result respond(struct MHD_Connection *conn, struct pending *p, int route,
                            struct api_resp *r)
{
	/* Bodies carry values read and tokens issued: wiped when MHD is done with them. */
	struct MHD_Response *resp =
		r->body ? MHD_create_response_from_buffer_with_free_callback(r->len, r->body, gd_wipe_free)
		        : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		gd_wipe_free(r->body);
		return MHD_NO;
	}
	if (r->len || r->status != 204)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->type);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (r->www_authenticate)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"gardien\"");
	if (r->retry_after) {
		char ra[16];
		snprintf(ra, sizeof ra, "%d", r->retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
	}
	enum MHD_Result ok = MHD_queue_response(conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	p->answered = true;
	api_metrics_record(route, r->status, usec_since(&p->start));
	return ok;
}

static enum MHD_Result send_error(struct MHD_Connection *conn, struct pending *p, int status,
                                  const char *code, const char *msg)
{
	json_t *j = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
	struct api_resp r = {.status = status, .type = "application/json"};
	r.body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	r.len = r.body ? strlen(r.body) : 0;
	json_decref(j);
	return respond(conn, p, -1, &r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
	struct pending *p = *con_cls;
	if (!p) {
		if (!(p = calloc(1, sizeof *p)))
			return MHD_NO;
		clock_gettime(CLOCK_MONOTONIC, &p->start);
		*con_cls = p;
		atomic_fetch_add(&in_flight, 1);
		api_metrics_inflight(1);
		p->limit = api_body_limit(method, url);
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > p->limit) {
			char msg[128];
			snprintf(msg, sizeof msg, "request body of %.20s bytes is over the %zu-byte limit of this route",
			         cl, p->limit);
			return send_error(conn, p, 413, "too_big", msg);
		}
		return MHD_YES;
	}
	if (p->answered) {
		*upload_size = 0; /* refused early: drop what still arrives */
		return MHD_YES;
	}
	if (p->queued) {
		/* Resumed by the committer: its answer is ready. */
		if (!atomic_load(&p->job.done))
			return MHD_YES;
		return respond(conn, p, p->job.route, &p->job.resp);
	}
	if (*upload_size) {
		size_t n = *upload_size;
		*upload_size = 0;
		if (p->too_big || p->len + n > p->limit) {
			p->too_big = true;
			gd_wipe_free(p->body), p->body = NULL, p->len = p->cap = 0;
			explicit_bzero((char *)upload, n);
			return MHD_YES;
		}
		if (p->len + n > p->cap) {
			size_t cap = p->cap ? p->cap : 4096;
			while (cap < p->len + n)
				cap *= 2;
			if (cap > p->limit)
				cap = p->limit;
			/* Not realloc: bodies hold passwords and values, the old block is wiped. */
			char *nb = malloc(cap);
			if (!nb)
				return MHD_NO;
			if (p->len)
				memcpy(nb, p->body, p->len);
			gd_wipe_free(p->body);
			p->body = nb, p->cap = cap;
		}
		memcpy(p->body + p->len, upload, n);
		p->len += n;
		/* MHD frees its read buffer without wiping it: done with these bytes, wipe them. */
		explicit_bzero((char *)upload, n);
		return MHD_YES;
	}
	if (p->too_big) {
		char msg[96];
		snprintf(msg, sizeof msg, "request body over the %zu-byte limit of this route", p->limit);
		return send_error(conn, p, 413, "too_big", msg);
	}
	struct api_req rq = {
		.method = method, .path = url,
		.authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
		.query = query_arg, .query_ud = conn, .body = p->body ? p->body : "", .body_len = p->len};
	struct api_resp r;
	int route;
	struct api_ctx probe;
	int i = api_route_match(&probe, method, url);
	if (i >= 0 && api_routes[i].auth != API_PUBLIC && committer_vault) {
		p->job = (struct job){.rq = rq, .conn = conn, .route = -1, .solo = runs_solo(&api_routes[i])};
		p->queued = true;
		MHD_suspend_connection(conn);
		enqueue(&p->job);
		return MHD_YES;
	} else {
		if (!(rq.v = vault_for_thread()))
			return send_error(conn, p, 503, "unavailable", "the vault cannot be opened by this worker");
		api_handle(&rq, &r, &route);
	}
	return respond(conn, p, route, &r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct pending *p = *con_cls;
	/* MHD keeps request headers in its connection pool and frees it unwiped:
	 * the bearer token is wiped in place once the request is over. */
	const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (auth)
		explicit_bzero((char *)auth, strlen(auth));
	if (!p)
		return;
	if (p->body)
		explicit_bzero(p->body, p->cap);
	gd_wipe_free(p->body);
	free(p);
	*con_cls = NULL;
	atomic_fetch_sub(&in_flight, 1);
	api_metrics_inflight(-1);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap + 1);
	if (buf)
		n = fread(buf, 1, cap, f);
	bool over = buf && !feof(f);
	fclose(f);
	if (!buf || over) {
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	return buf;
}

int server_run(const struct server_config *cfg)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)cfg->port)};
	char *cert = NULL, *key = NULL;
	struct MHD_Daemon *d = NULL;
	int rc = 1;

	config = cfg;
	api_vault_path = cfg->vault_path;
	if (inet_pton(AF_INET, cfg->host, &sin.sin_addr) != 1) {
		fprintf(stderr, "gardien: --listen takes an IPv4 address and a port, e.g. 127.0.0.1:8080\n");
		return 2;
	}
	/* Fail early, in the foreground, if the vault does not open. */
	gd_vault *probe = vault_for_thread();
	if (!probe) {
		fprintf(stderr, "gardien: %s\n", gd_error_last());
		return 1;
	}
	/* The committer's own handle. */
	gd_vault_options o = GD_VAULT_OPTIONS_INIT;
	o.key_path = cfg->key_path;
	o.key_fd = cfg->key_fd, o.key_command = cfg->key_command, o.key_pkcs11 = cfg->key_pkcs11;
	o.now = cfg->now;
	pthread_t committer_thread;
	bool committing = false;
	if (gd_vault_open(&committer_vault, cfg->vault_path, &o) < 0) {
		fprintf(stderr, "gardien: %s\n", gd_error_last());
		goto done;
	}
	if (pthread_create(&committer_thread, NULL, committer, NULL) != 0) {
		fprintf(stderr, "gardien: cannot start the committer thread\n");
		goto done;
	}
	committing = true;
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	if (cfg->cert) {
		if (!(cert = slurp(cfg->cert)) || !(key = slurp(cfg->cert_key))) {
			fprintf(stderr, "gardien: cannot read the certificate %s or its key %s (PEM, under 64 KiB)\n",
			        cfg->cert, cfg->cert_key);
			goto done;
		}
		flags |= MHD_USE_TLS;
	}
	d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
	                     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
	                     MHD_OPTION_THREAD_POOL_SIZE, cfg->threads,
	                     MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout,
	                     MHD_OPTION_CONNECTION_LIMIT, cfg->connections,
	                     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	                     cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, cert,
	                     MHD_OPTION_HTTPS_MEM_KEY, key,
	                     MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "gardien: cannot listen on %s:%u: %s\n", cfg->host, cfg->port, strerror(errno));
		goto done;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("gardien %s listening on %s://%s:%u (vault %s, %u threads)\n", GD_VERSION,
	       cert ? "https" : "http", cfg->host, info ? info->port : cfg->port, cfg->vault_path,
	       cfg->threads);
	fflush(stdout);
	/* Under systemd (Type=notify), ready once listening; a no-op elsewhere. */
	sd_notify(0, "READY=1\nSTATUS=serving");

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	int sig = 0;
	sigwait(&set, &sig);
	fprintf(stderr, "gardien: %s received, finishing requests in flight\n",
	        sig == SIGINT ? "SIGINT" : "SIGTERM");
	sd_notify(0, "STOPPING=1");
	MHD_socket lfd = MHD_quiesce_daemon(d);
	/* Requests in flight finish: those still arriving within the connection
	 * timeout, those with the committer always (their connections are
	 * suspended, and a daemon must not stop with suspended connections). */
	for (unsigned i = 0; (atomic_load(&in_flight) > 0 && i < cfg->timeout * 200u + 200u) ||
	                     atomic_load(&jobs_out) > 0;
	     i++)
		nanosleep(&(struct timespec){0, 5000000}, NULL);
	MHD_stop_daemon(d);
	if (lfd != MHD_INVALID_SOCKET)
		close(lfd);
	rc = 0;
done:
	if (committing) {
		pthread_mutex_lock(&q_lock);
		q_stop = true;
		pthread_cond_signal(&q_ready);
		pthread_mutex_unlock(&q_lock);
		pthread_join(committer_thread, NULL);
	}
	gd_vault_close(committer_vault);
	committer_vault = NULL;
	for (size_t i = 0; i < nhandles; i++)
		gd_vault_close(handles[i]);
	nhandles = 0;
	thread_vault = NULL;
	free(cert);
	if (key) {
		memset(key, 0, strlen(key));
		free(key);
	}
	return rc;
}
