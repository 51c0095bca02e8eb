/*
 * http.c — `gardien serve` on libmicrohttpd: the only file that knows MHD.
 *
 * A pool of worker threads (MHD's internal thread pool, epoll on Linux) reads
 * requests. Authenticated reads (the GET routes and the subject search) run
 * on a pool of reader threads, each with its own vault handle: a reader takes
 * the reads waiting, runs them as one group of reads (gd_vault_reads_begin:
 * in a read transaction, beside the other readers and the writer, without
 * the write lock) and answers them only once the group's
 * audit entries are committed durably (gd_vault_reads_commit, one commit for
 * every reader of the process waiting at that moment); if that commit fails
 * they all get 503. Other authenticated routes run on one committer thread
 * that owns one vault handle and executes the requests waiting for it as one
 * batch — one transaction, one durable commit for the lot (group commit),
 * each request still all-or-nothing inside it (a savepoint per operation) —
 * and answers them only once the batch is committed; if the commit fails they
 * all get 503. Routes that open their own transactions (a subject created
 * with its identifiers, register loads, sweeps) run alone on the committer.
 * A request handed to a reader or the committer suspends its connection (MHD
 * suspend/resume): the worker goes on with other connections and sends the
 * answer when the reader or committer resumes it. Every cache a request
 * touches belongs to a vault handle (subject keys, registers) and so to one
 * thread, or is the library's process-wide state, which locks itself (the
 * key caches' erasure walk, the group commit, the data tables); auth settings
 * and the register's version are read from the vault in each transaction.
 * Public
 * routes (health, metrics, login) run on the worker's own vault handle, opened
 * on its first request (a handle is single-threaded). Request bodies are
 * capped by the route's limit before anything is buffered: a Content-Length
 * over it is refused at once, a chunked body over it is discarded and refused.
 * Slow clients are cut by the connection timeout (idle) and by the request
 * deadline (headers and body must arrive within it, however slowly they
 * trickle: a reaper thread shuts the socket of a connection past it); one
 * client address holds at most --max-per-client connections.
 * The request line is checked before MHD decodes it (check_uri): the path is
 * decoded by api_path_decode, and a path or query holding a control character
 * (%00…) or an encoded slash is a 400 — a C string cut at a NUL must never
 * reach a shorter route. Ambiguous framing (Content-Length twice, or with
 * Transfer-Encoding) is a 400 and the connection is closed.
 * Every response body is wiped before it is freed (it may hold decrypted
 * values), including the answer of a client that went away while the
 * committer worked (on_completed). On SIGINT/SIGTERM the server
 * stops accepting, lets the requests in flight finish, then stops; on SIGHUP
 * it reloads its certificate, key and client CA (tls.c) and goes on.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <systemd/sd-daemon.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "server.h"
#include "tls.h"

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
	char *path;                    /* decoded by check_uri, NULL when refused */
	char *query;                   /* the raw query string after '?', or NULL */
	const char *refused;           /* why the request line is refused, or NULL */
	const char *raw_end;           /* where the raw request target ended (its NUL) */
	bool started;                  /* the access handler has seen the headers */
	char rid[20];                  /* request id (X-Request-Id, access log) */
	char client[INET6_ADDRSTRLEN]; /* the client's address */
	char cn[160];                  /* the client certificate's common name (mTLS) */
	size_t limit;
	char *body;
	size_t len, cap;
	bool too_big;
	bool answered;
	bool queued; /* handed to the committer */
	struct timespec start;
	char method[16];
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
	o.ordered_writes = config->ordered_writes;
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
static pthread_cond_t q_ready = PTHREAD_COND_INITIALIZER; /* a job is queued, or stop */
static struct job *q_head, *q_tail;
static bool q_stop;
static gd_vault *committer_vault;
static _Atomic long jobs_out; /* queued or running on the committer */

static bool runs_solo(const struct api_route *r)
{
	return r->fn == route_subject_create || r->fn == route_register_load || r->fn == route_retention_sweep ||
	       r->fn == route_audit_verify || r->fn == route_request_step;
}

/* ---- readers ---- */

/*
 * Reads go to the readers: the GET routes (HEAD included) and the subject
 * search, but not audit verification (a long walk, kept off the readers so
 * it never holds reads back). Whatever a read route writes besides its audit
 * entries (a session's last use, a refusal's entry) commits on its own, on the
 * reader's handle, under the writers' queue like any write.
 */
#define READ_BATCH 256 /* the most reads one reader takes at once */
#define READERS_MAX 16
static pthread_mutex_t r_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t r_ready = PTHREAD_COND_INITIALIZER;
static struct job *r_head, *r_tail;
static size_t r_len;    /* reads queued */
static unsigned r_idle; /* readers waiting for reads */
static bool r_stop;
static gd_vault *reader_vaults[READERS_MAX];
static pthread_t reader_threads[READERS_MAX];
static unsigned nreaders;

static bool runs_on_reader(const struct api_route *r)
{
	return (strcmp(r->method, "GET") == 0 && !runs_solo(r)) || r->fn == route_subject_find;
}

/*
 * Values and tokens pass through vector registers while the answer is built,
 * and the dynamic linker's lazy binding (the first call of a library function)
 * saves those registers on the stack, where nothing wipes them. After each
 * request, the stack below the caller's frame, where the request ran, is
 * overwritten.
 */
static void __attribute__((noinline)) scrub_stack(void)
{
	char pad[64 * 1024];
	explicit_bzero(pad, sizeof pad);
	__asm__ volatile(""
	                 :
	                 : "r"(pad)
	                 : "memory");
}

static void fail_job(struct job *j, int status, const char *code, const char *msg)
{
	gd_wipe_free(j->resp.body);
	api_idem_forget(&j->resp); /* not committed: a retry must run again */
	j->resp = (struct api_resp){.status = status, .type = "application/problem+json"};
	j->resp.body = api_problem_text(status, code, msg, &j->resp.len);
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
		scrub_stack();
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

/* Runs jobs[0..n) as one group of reads on `v`; answers them once their entries are durable. */
static void run_reads(gd_vault *v, struct job **jobs, size_t n)
{
	bool group = gd_vault_reads_begin(v) == 0;
	for (size_t i = 0; i < n; i++) {
		jobs[i]->rq.v = v;
		api_handle(&jobs[i]->rq, &jobs[i]->resp, &jobs[i]->route);
	}
	/* Once per group, not per read: each request runs from the same frame,
	 * so its stack overwrites the previous one's, and 64 KiB wiped per read
	 * was 3% of the server's time. */
	scrub_stack();
	if (!group || gd_vault_reads_commit(v) < 0) {
		char msg[300];
		snprintf(msg, sizeof msg, "the audit entries of the reads holding this request could not be committed: %s",
		         gd_error_last());
		for (size_t i = 0; i < n; i++)
			fail_job(jobs[i], 503, "unavailable", msg);
	}
	api_metrics_reads(n);
	finish(jobs, n);
}

static void *reader(void *arg)
{
	gd_vault *v = arg;
	struct job *batch[READ_BATCH];
	for (;;) {
		size_t n = 0;
		pthread_mutex_lock(&r_lock);
		while (!r_head && !r_stop) {
			r_idle++;
			pthread_cond_wait(&r_ready, &r_lock);
			r_idle--;
		}
		if (!r_head && r_stop) {
			pthread_mutex_unlock(&r_lock);
			break;
		}
		/* A share of what waits: all of it while the other readers are busy
		 * (a large group, one commit), split with those that are idle (the
		 * cores read in parallel). */
		size_t share = (r_len + r_idle) / (r_idle + 1);
		while (r_head && n < READ_BATCH && n < share) {
			batch[n++] = r_head;
			r_head = r_head->next;
			r_len--;
		}
		if (!r_head)
			r_tail = NULL;
		else
			pthread_cond_signal(&r_ready); /* more waits: wake another reader */
		pthread_mutex_unlock(&r_lock);
		run_reads(v, batch, n);
	}
	return NULL;
}

static void enqueue_read(struct job *j)
{
	atomic_fetch_add(&jobs_out, 1);
	pthread_mutex_lock(&r_lock);
	if (r_tail)
		r_tail->next = j;
	else
		r_head = j;
	r_tail = j;
	r_len++;
	pthread_cond_signal(&r_ready);
	pthread_mutex_unlock(&r_lock);
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
				scrub_stack();
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

/* ---- connections: the request deadline ---- */

/* One per TCP connection (MHD's socket context), on a list the reaper walks. */
struct conn {
	struct MHD_Connection *c;
	int fd;
	struct timespec since; /* when the request being read began */
	bool reading;          /* headers or body still arriving */
	bool cut;
	struct conn *prev, *next;
};
static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static struct conn *conns;
static pthread_t reaper_thread;
static _Atomic bool reaper_stop;

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
	(void)cls;
	struct conn *k = *socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *fi = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (!fi || !(k = calloc(1, sizeof *k)))
			return;
		k->c = c, k->fd = fi->connect_fd, k->reading = true;
		/* mTLS: no list of accepted CAs in the certificate request, for it
		 * would name the CA of the start, not the one SIGHUP reloaded. */
		const union MHD_ConnectionInfo *ti =
			config->client_ca ? MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION) : NULL;
		if (ti && ti->tls_session)
			gnutls_certificate_send_x509_rdn_sequence((gnutls_session_t)ti->tls_session, 1);
		clock_gettime(CLOCK_MONOTONIC, &k->since);
		pthread_mutex_lock(&conns_lock);
		k->next = conns;
		if (conns)
			conns->prev = k;
		conns = k;
		pthread_mutex_unlock(&conns_lock);
		*socket_context = k;
		return;
	}
	/* CLOSED: MHD calls this before it closes the socket, so the reaper,
	 * holding the same lock, never shuts down a descriptor reused since. */
	if (!k)
		return;
	pthread_mutex_lock(&conns_lock);
	if (k->prev)
		k->prev->next = k->next;
	else
		conns = k->next;
	if (k->next)
		k->next->prev = k->prev;
	pthread_mutex_unlock(&conns_lock);
	free(k);
	*socket_context = NULL;
}

/* Marks the connection's request as read in full (false) or as a new one
 * beginning to arrive (true, after an answer on a kept-alive connection). */
static void conn_reading(struct MHD_Connection *c, bool reading)
{
	const union MHD_ConnectionInfo *i = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *k = i ? i->socket_context : NULL;
	if (!k)
		return;
	pthread_mutex_lock(&conns_lock);
	k->reading = reading;
	if (reading)
		clock_gettime(CLOCK_MONOTONIC, &k->since);
	pthread_mutex_unlock(&conns_lock);
}

/* Cuts every connection whose request has not fully arrived within the
 * deadline: MHD's own timeout is an idle timeout, which a client sending one
 * byte now and then never reaches. shutdown() makes MHD see the end of the
 * stream and close the connection in its own thread. */
static void *reaper(void *arg)
{
	(void)arg;
	while (!atomic_load(&reaper_stop)) {
		nanosleep(&(struct timespec){0, 100000000}, NULL);
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		pthread_mutex_lock(&conns_lock);
		for (struct conn *k = conns; k; k = k->next)
			if (k->reading && !k->cut && now.tv_sec - k->since.tv_sec >= (time_t)config->deadline) {
				k->cut = true;
				shutdown(k->fd, SHUT_RDWR);
			}
		pthread_mutex_unlock(&conns_lock);
	}
	return NULL;
}

/* ---- the access log: one JSON line per request, never a value or a token ---- */

static FILE *access_log;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void log_access(const struct pending *p, const char *method, int route, int status,
                       const char *principal, unsigned long long usec)
{
	if (!access_log)
		return;
	char when[32];
	gd_time_format(when, (gd_time)time(NULL));
	json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:i,s:I}", "time", when, "request_id", p->rid, "method", method,
	                      "route", route >= 0 ? api_routes[route].pattern : "(none)", "status", status,
	                      "latency_us", (json_int_t)usec);
	if (j && principal && *principal)
		json_object_set_new(j, "principal", json_string(principal));
	char *line = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!line)
		return;
	pthread_mutex_lock(&log_lock);
	fprintf(access_log, "%s\n", line);
	fflush(access_log);
	pthread_mutex_unlock(&log_lock);
	free(line);
}

/* ---- answers ---- */

/* A response body may hold decrypted values: wiped before it is freed. */
struct wiped {
	char *p;
	size_t n;
};

static void wipe_free(void *cls)
{
	struct wiped *w = cls;
	if (!w)
		return;
	if (w->p) {
		explicit_bzero(w->p, w->n);
		free(w->p);
	}
	free(w);
}

static void body_free(struct api_resp *r)
{
	if (r->body) {
		explicit_bzero(r->body, r->len);
		free(r->body);
	}
	r->body = NULL, r->len = 0;
}

static enum MHD_Result respond(struct MHD_Connection *conn, struct pending *p, int route,
                               struct api_resp *r, bool close)
{
	struct wiped *w = malloc(sizeof *w);
	struct MHD_Response *resp = NULL;
	if (w) {
		*w = (struct wiped){r->body, r->len};
		resp = MHD_create_response_from_buffer_with_free_callback_cls(r->len, r->body ? r->body : "",
		                                                              wipe_free, w);
	}
	if (!resp) {
		body_free(r);
		free(w);
		return MHD_NO;
	}
	r->body = NULL; /* the response owns it now */
	if (r->len || (r->status != 204 && r->status != 304))
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->type);
	MHD_add_response_header(resp, "Cache-Control", r->cache_control ? r->cache_control : "no-store");
	if (r->allow[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
	if (r->etag[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, r->etag);
	if (r->replayed)
		MHD_add_response_header(resp, "Idempotent-Replayed", "true");
	if (r->link[0])
		MHD_add_response_header(resp, "Link", r->link);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Request-Id", p->rid);
	if (config && config->cert)
		MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
	if (close)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	if (r->www_authenticate)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"gardien\"");
	if (r->csp) {
		MHD_add_response_header(resp, "Content-Security-Policy", r->csp);
		MHD_add_response_header(resp, "X-Frame-Options", "DENY");
		MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	}
	if (r->location)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, r->location);
	if (r->retry_after) {
		char ra[16];
		snprintf(ra, sizeof ra, "%d", r->retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
	}
	enum MHD_Result ok = MHD_queue_response(conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	p->answered = true;
	unsigned long long usec = usec_since(&p->start);
	api_metrics_record(route, r->status, usec);
	log_access(p, p->method, route, r->status, r->principal, usec);
	return ok;
}

static enum MHD_Result send_error(struct MHD_Connection *conn, struct pending *p, int status,
                                  const char *code, const char *msg, bool close)
{
	struct api_resp r = {.status = status, .type = "application/problem+json"};
	r.body = api_problem_text(status, code, msg, &r.len);
	return respond(conn, p, -1, &r, close);
}

/* ---- the request line and the framing ---- */

static _Atomic unsigned long long request_seq;
static unsigned request_salt;

/* Called by MHD with the raw request target, before it decodes anything: its
 * value becomes the request's con_cls. The path is decoded here, by our own
 * rules; the query string must hold no control character either (MHD would
 * cut its values at a NUL). */
static void *check_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	(void)cls, (void)conn;
	struct pending *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	snprintf(p->rid, sizeof p->rid, "%08x%08llx", request_salt,
	         (unsigned long long)atomic_fetch_add(&request_seq, 1) & 0xffffffffull);
	atomic_fetch_add(&in_flight, 1);
	api_metrics_inflight(1);
	p->raw_end = uri + strlen(uri);
	size_t n = strcspn(uri, "?");
	if (n > 4096) {
		p->refused = "the request path is over 4096 bytes";
		return p;
	}
	if (!(p->path = malloc(n + 1)))
		return p;
	if (api_path_decode(uri, n, p->path, n + 1) < 0) {
		p->refused = "the request path holds a control character, an encoded slash or a bad %-escape";
		free(p->path), p->path = NULL;
		return p;
	}
	if (uri[n] == '?' && strlen(uri + n + 1) <= 4096)
		p->query = strdup(uri + n + 1); /* for the Link of a list's next page; NULL: no Link */
	for (const char *q = uri + n; *q; q++) {
		int x = -1;
		if (q[0] == '%' && isxdigit((unsigned char)q[1]) && isxdigit((unsigned char)q[2])) {
			char h[3] = {q[1], q[2], 0};
			x = (int)strtol(h, NULL, 16);
		} else if ((unsigned char)*q < 0x20 || *q == 0x7f) {
			x = 0;
		}
		if (x >= 0 && (x < 0x20 || x == 0x7f)) {
			p->refused = "the query string holds a control character";
			break;
		}
	}
	return p;
}

struct framing {
	int content_length, transfer_encoding;
};

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind, (void)value;
	struct framing *f = cls;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
		f->content_length++;
	else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0)
		f->transfer_encoding++;
	return MHD_YES;
}

/* The Bearer token of /healthz and /metrics, when the operator set one. */
static char *probe_token;

static bool probe_allowed(const char *authorization)
{
	if (!probe_token)
		return true;
	if (!authorization || strncmp(authorization, "Bearer ", 7) != 0)
		return false;
	const char *t = authorization + 7;
	size_t n = strlen(probe_token), m = strlen(t);
	unsigned char d = (unsigned char)(n != m);
	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(probe_token[i] ^ t[i < m ? i : 0]);
	return d == 0;
}

/* mTLS: the client presented a certificate that verifies against
 * --client-ca; its subject's common name goes to cn ("" when it has none). */
static bool client_cert_ok(struct MHD_Connection *conn, char *cn, size_t cnsize)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	gnutls_session_t s = ci ? (gnutls_session_t)ci->tls_session : NULL;
	unsigned n = 0;
	const gnutls_datum_t *peers;
	cn[0] = 0;
	if (!s || gnutls_certificate_type_get(s) != GNUTLS_CRT_X509 || !(peers = gnutls_certificate_get_peers(s, &n)) ||
	    !n)
		return false;
	/* Against the client CA loaded last (tls.c), not MHD's copy: SIGHUP reloads it. */
	if (!server_tls_client_ok(s))
		return false;
	gnutls_x509_crt_t crt;
	if (gnutls_x509_crt_init(&crt) == 0) {
		size_t len = cnsize;
		if (gnutls_x509_crt_import(crt, &peers[0], GNUTLS_X509_FMT_DER) != 0 ||
		    gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &len) != 0 ||
		    strlen(cn) != len)
			cn[0] = 0; /* none, too long, or with a NUL inside: binds to nobody */
		gnutls_x509_crt_deinit(crt);
	}
	return true;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
	(void)cls, (void)url;
	struct pending *p = *con_cls;
	if (!p)
		return MHD_NO; /* check_uri could not allocate */
	if (!p->started) {
		p->started = true;
		snprintf(p->method, sizeof p->method, "%s", method);
		const union MHD_ConnectionInfo *ai = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		const struct sockaddr *sa = ai ? ai->client_addr : NULL;
		if (sa && sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, p->client, sizeof p->client);
		else if (sa && sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, p->client, sizeof p->client);
		struct framing f = {0, 0};
		MHD_get_connection_values(conn, MHD_HEADER_KIND, count_framing, &f);
		if (f.content_length > 1 || (f.content_length && f.transfer_encoding))
			return send_error(conn, p, 400, "bad_request",
			                  "ambiguous framing: Content-Length twice, or with Transfer-Encoding", true);
		/* A literal NUL in the request line cuts the target MHD hands us:
		 * the version then does not follow the target's end, as it does
		 * when MHD split the line at the space (the test suite checks
		 * both, so a libmicrohttpd that parses otherwise is noticed). */
		if (!p->refused && version != p->raw_end + 1)
			p->refused = "the request line holds a NUL byte";
		if (config->client_ca && !client_cert_ok(conn, p->cn, sizeof p->cn))
			return send_error(conn, p, 403, "denied",
			                  "this server requires a client certificate signed by its --client-ca", true);
		if (p->refused || !p->path)
			return send_error(conn, p, 400, "bad_request", p->refused ? p->refused : "out of memory", true);
		p->limit = api_body_limit(method, p->path);
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > p->limit) {
			char msg[128];
			snprintf(msg, sizeof msg, "request body of %.20s bytes is over the %zu-byte limit of this route",
			         cl, p->limit);
			return send_error(conn, p, 413, "too_big", msg, false);
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
		return respond(conn, p, p->job.route, &p->job.resp, false);
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
	conn_reading(conn, false);
	if (p->too_big) {
		char msg[96];
		snprintf(msg, sizeof msg, "request body over the %zu-byte limit of this route", p->limit);
		return send_error(conn, p, 413, "too_big", msg, false);
	}
	struct api_req rq = {
		.method = method, .path = p->path, .authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION), .query = query_arg, .query_ud = conn, .body = p->body ? p->body : "", .body_len = p->len, .client = p->client, .client_cn = config->bind_client_cert ? p->cn : NULL, .query_string = p->query, .if_none_match = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH), .idempotency_key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Idempotency-Key")};
	struct api_resp r;
	int route;
	if (console_serve(method, url, &r))
		return respond(conn, p, -1, &r, false);
	struct api_ctx probe;
	int i = api_route_match(&probe, method, p->path);
	if (i >= 0 && (api_routes[i].fn == route_health || api_routes[i].fn == route_metrics) &&
	    !probe_allowed(rq.authorization)) {
		r = (struct api_resp){.status = 401, .type = "application/problem+json", .www_authenticate = true};
		r.body = api_problem_text(401, "unauthenticated",
		                          "this server requires the probe token (--probe-token-file) on /healthz and /metrics",
		                          &r.len);
		return respond(conn, p, i, &r, false);
	}
	if (i >= 0 && api_routes[i].auth != API_PUBLIC && committer_vault) {
		p->job = (struct job){.rq = rq, .conn = conn, .route = -1, .solo = runs_solo(&api_routes[i])};
		p->queued = true;
		MHD_suspend_connection(conn);
		if (nreaders && runs_on_reader(&api_routes[i]))
			enqueue_read(&p->job);
		else
			enqueue(&p->job);
		return MHD_YES;
	}
	if (!(rq.v = vault_for_thread()))
		return send_error(conn, p, 503, "unavailable", "the vault cannot be opened by this worker", false);
	api_handle(&rq, &r, &route);
	scrub_stack();
	return respond(conn, p, route, &r, false);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	(void)cls, (void)toe;
	struct pending *p = *con_cls;
	/* MHD keeps request headers in its connection pool and frees it unwiped:
	 * the bearer token is wiped in place once the request is over. */
	const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (auth)
		explicit_bzero((char *)auth, strlen(auth));
	if (!p)
		return;
	/* The client went away while the committer answered it: the answer was
	 * never handed to MHD, and may hold decrypted values. */
	if (p->queued && !p->answered)
		body_free(&p->job.resp);
	if (p->body) {
		explicit_bzero(p->body, p->cap);
		free(p->body);
	}
	free(p->path);
	free(p->query);
	free(p);
	*con_cls = NULL;
	atomic_fetch_sub(&in_flight, 1);
	api_metrics_inflight(-1);
	conn_reading(conn, true);
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

/* Reads the probe token: one line, 16 to 256 printable characters. */
static char *read_probe_token(const char *path)
{
	char *t = slurp(path);
	if (!t)
		return NULL;
	size_t n = strcspn(t, "\r\n");
	t[n] = 0;
	bool ok = n >= 16 && n <= 256;
	for (size_t i = 0; ok && i < n; i++)
		ok = t[i] > 0x20 && t[i] < 0x7f;
	if (!ok) {
		explicit_bzero(t, strlen(t));
		free(t);
		return NULL;
	}
	return t;
}

int server_run(const struct server_config *cfg)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)cfg->port)};
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)cfg->port)};
	bool v6 = strchr(cfg->host, ':') != NULL;
	char *trust = NULL;
	bool tls = false;
	struct MHD_Daemon *d = NULL;
	bool reaping = false, committing = false;
	pthread_t committer_thread;
	int rc = 1;

	config = cfg;
	api_vault_path = cfg->vault_path;
	request_salt = (unsigned)time(NULL) ^ ((unsigned)getpid() << 16);
	if (v6 ? inet_pton(AF_INET6, cfg->host, &sin6.sin6_addr) != 1 : inet_pton(AF_INET, cfg->host, &sin.sin_addr) != 1) {
		fprintf(stderr, "gardien: --listen takes an IPv4 or [IPv6] address and a port, e.g. 127.0.0.1:8080 or [::1]:8080\n");
		return 2;
	}
	if (cfg->probe_token_file && !(probe_token = read_probe_token(cfg->probe_token_file))) {
		fprintf(stderr, "gardien: cannot read the probe token %s: one line of 16 to 256 printable characters\n",
		        cfg->probe_token_file);
		return 2;
	}
	access_log = NULL;
	if (cfg->access_log) {
		if (strcmp(cfg->access_log, "-") == 0) {
			access_log = stderr;
		} else {
			int fd = open(cfg->access_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
			access_log = fd < 0 ? NULL : fdopen(fd, "a");
			if (fd >= 0 && !access_log)
				close(fd);
		}
		if (!access_log) {
			fprintf(stderr, "gardien: cannot open the access log %s: %s\n", cfg->access_log, strerror(errno));
			rc = 2;
			goto done;
		}
	}
	/* Fail early, in the foreground, if the vault does not open. */
	gd_vault *probe = vault_for_thread();
	if (!probe) {
		fprintf(stderr, "gardien: %s\n", gd_error_last());
		goto done;
	}
	/* The committer's own handle. */
	gd_vault_options o = GD_VAULT_OPTIONS_INIT;
	o.key_path = cfg->key_path;
	o.key_fd = cfg->key_fd, o.key_command = cfg->key_command, o.key_pkcs11 = cfg->key_pkcs11;
	o.now = cfg->now;
	o.ordered_writes = cfg->ordered_writes;
	if (gd_vault_open(&committer_vault, cfg->vault_path, &o) < 0) {
		fprintf(stderr, "gardien: %s\n", gd_error_last());
		goto done;
	}
	if (pthread_create(&committer_thread, NULL, committer, NULL) != 0) {
		fprintf(stderr, "gardien: cannot start the committer thread\n");
		goto done;
	}
	committing = true;
	/* The readers, each with its own handle: one per core (at least two, so
	 * that one reads while another waits for its group's commit), within
	 * --threads. Fewer readers make bigger groups: fewer commits per read. */
	r_stop = false;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned want = cpus > 1 ? (unsigned)cpus : 2u;
	if (want > cfg->threads)
		want = cfg->threads;
	if (want > READERS_MAX)
		want = READERS_MAX;
	for (nreaders = 0; nreaders < want; nreaders++) {
		if (gd_vault_open(&reader_vaults[nreaders], cfg->vault_path, &o) < 0) {
			fprintf(stderr, "gardien: %s\n", gd_error_last());
			goto done;
		}
		if (pthread_create(&reader_threads[nreaders], NULL, reader, reader_vaults[nreaders]) != 0) {
			gd_vault_close(reader_vaults[nreaders]), reader_vaults[nreaders] = NULL;
			fprintf(stderr, "gardien: cannot start a reader thread\n");
			goto done;
		}
	}
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	if (cfg->cert) {
		char why[512];
		if (server_tls_load(cfg->cert, cfg->cert_key, cfg->client_ca, why, sizeof why) < 0) {
			fprintf(stderr, "gardien: %s\n", why);
			goto done;
		}
		tls = true;
		flags |= MHD_USE_TLS;
		if (cfg->client_ca && !(trust = slurp(cfg->client_ca))) {
			fprintf(stderr, "gardien: cannot read the client CA %s (PEM, under 64 KiB)\n", cfg->client_ca);
			goto done;
		}
	}
	if (v6)
		flags |= MHD_USE_IPv6;
	atomic_store(&reaper_stop, false);
	if (pthread_create(&reaper_thread, NULL, reaper, NULL) != 0) {
		fprintf(stderr, "gardien: cannot start the reaper thread\n");
		goto done;
	}
	reaping = true;
	d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
	                     MHD_OPTION_SOCK_ADDR, v6 ? (struct sockaddr *)&sin6 : (struct sockaddr *)&sin,
	                     MHD_OPTION_THREAD_POOL_SIZE, cfg->threads,
	                     MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout,
	                     MHD_OPTION_CONNECTION_LIMIT, cfg->connections,
	                     MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->per_client,
	                     MHD_OPTION_URI_LOG_CALLBACK, check_uri, NULL,
	                     MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
	                     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	                     MHD_OPTION_STRICT_FOR_CLIENT, 1,
	                     /* the certificate of each handshake from tls.c, so SIGHUP can replace it;
	                      * the trust only makes MHD ask for client certificates */
	                     tls ? MHD_OPTION_HTTPS_CERT_CALLBACK : MHD_OPTION_END, server_tls_retrieve,
	                     trust ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, trust,
	                     MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "gardien: cannot listen on %s:%u: %s\n", cfg->host, cfg->port, strerror(errno));
		goto done;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("gardien %s listening on %s://%s%s%s:%u (vault %s, %u threads)\n", GD_VERSION,
	       tls ? "https" : "http", v6 ? "[" : "", cfg->host, v6 ? "]" : "", info ? info->port : cfg->port,
	       cfg->vault_path, cfg->threads);
	fflush(stdout);
	/* Under systemd (Type=notify), ready once listening; a no-op elsewhere. */
	sd_notify(0, "READY=1\nSTATUS=serving");

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	int sig = 0;
	while (sigwait(&set, &sig) == 0 && sig == SIGHUP) {
		/* systemd's ExecReload: RELOADING=1, then READY=1 once done. */
		sd_notify(0, "RELOADING=1");
		server_tls_reload();
		sd_notify(0, "READY=1");
	}
	fprintf(stderr, "gardien: %s received, finishing requests in flight\n",
	        sig == SIGINT ? "SIGINT" : "SIGTERM");
	sd_notify(0, "STOPPING=1");
	MHD_socket lfd = MHD_quiesce_daemon(d);
	/* Requests in flight finish: those still arriving within the connection
	 * timeout, those with a reader or the committer always (their connections are
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
	if (reaping) {
		atomic_store(&reaper_stop, true);
		pthread_join(reaper_thread, NULL);
	}
	if (access_log && access_log != stderr)
		fclose(access_log);
	access_log = NULL;
	if (probe_token) {
		explicit_bzero(probe_token, strlen(probe_token));
		free(probe_token), probe_token = NULL;
	}
	free(trust);
	if (committing) {
		pthread_mutex_lock(&q_lock);
		q_stop = true;
		pthread_cond_signal(&q_ready);
		pthread_mutex_unlock(&q_lock);
		pthread_join(committer_thread, NULL);
	}
	if (nreaders) {
		pthread_mutex_lock(&r_lock);
		r_stop = true;
		pthread_cond_broadcast(&r_ready);
		pthread_mutex_unlock(&r_lock);
		for (unsigned i = 0; i < nreaders; i++) {
			pthread_join(reader_threads[i], NULL);
			gd_vault_close(reader_vaults[i]), reader_vaults[i] = NULL;
		}
		nreaders = 0;
	}
	gd_vault_close(committer_vault);
	committer_vault = NULL;
	for (size_t i = 0; i < nhandles; i++)
		gd_vault_close(handles[i]);
	nhandles = 0;
	thread_vault = NULL;
	if (tls)
		server_tls_release();
	return rc;
}
