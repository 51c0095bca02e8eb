/*
 * metrics.c — request counters and latencies per route, and the /healthz and
 * /metrics answers (Prometheus text exposition format 0.0.4).
 *
 * Counters are atomics updated by every worker thread; the exposition reads
 * them without a lock (each value is consistent, the set is a snapshot).
 * Besides the HTTP counters: gardien_build_info, the process_* family read
 * from /proc, and per tenant the gauges a DPO alerts on (requests overdue or
 * due within 7 days, open breaches and the time left to notify them (seconds, the base unit
 * Prometheus wants: alert on < 24 * 3600), the
 * retention backlog, the age of the last audit checkpoint and verification),
 * read through an unaudited operator actor on the worker's own vault handle.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gardien/audit.h"
#include "gardien/breach.h"
#include "gardien/retention.h"
#include "gardien/rights.h"

#include "server.h"
#include "buf.h" /* src/util: the one output buffer */

#define NROUTES_MAX 96
#define NCLASSES 5 /* 1xx..5xx */
static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2.5};
#define NBUCKETS (sizeof buckets / sizeof *buckets)

/* Index NROUTES_MAX-1 counts requests that matched no route. */
static _Atomic unsigned long long count[NROUTES_MAX][NCLASSES];
static _Atomic unsigned long long hist[NROUTES_MAX][NBUCKETS + 1];
static _Atomic unsigned long long usec_sum[NROUTES_MAX];
static _Atomic long in_flight_gauge;
static _Atomic unsigned long long batches, batched;
static _Atomic unsigned long long read_groups, read_grouped;

void api_metrics_batch(size_t n)
{
	atomic_fetch_add(&batches, 1);
	atomic_fetch_add(&batched, n);
}

void api_metrics_reads(size_t n)
{
	atomic_fetch_add(&read_groups, 1);
	atomic_fetch_add(&read_grouped, n);
}

const char *api_vault_path;

void api_metrics_inflight(int delta)
{
	atomic_fetch_add(&in_flight_gauge, delta);
}

void api_metrics_record(int route, int status, unsigned long long usec)
{
	size_t r = route >= 0 && (size_t)route < api_nroutes && route < NROUTES_MAX - 1 ? (size_t)route
	                                                                                : NROUTES_MAX - 1;
	int cls = status / 100 - 1;
	if (cls < 0 || cls >= NCLASSES)
		cls = NCLASSES - 1;
	atomic_fetch_add(&count[r][cls], 1);
	atomic_fetch_add(&usec_sum[r], usec);
	size_t b = 0;
	while (b < NBUCKETS && (double)usec / 1e6 > buckets[b])
		b++;
	atomic_fetch_add(&hist[r][b], 1);
}

/* The exposition has a line per route and class or bucket: far below this. */
#define METRICS_MAX (4u << 20)

static long long file_size(const char *path, const char *suffix)
{
	char p[4200];
	struct stat st;
	snprintf(p, sizeof p, "%s%s", path, suffix);
	return stat(p, &st) == 0 ? (long long)st.st_size : 0;
}

static void dpo_metrics(struct gd__buf *b, gd_vault *v);
static void process_metrics(struct gd__buf *b);

char *api_metrics_text(gd_vault *v, size_t *len)
{
	struct gd__buf b;
	gd__buf_init(&b, METRICS_MAX);
	gd__buf_printf(&b, "# HELP gardien_http_requests_total HTTP requests answered, by route and status class.\n"
	                   "# TYPE gardien_http_requests_total counter\n");
	for (size_t r = 0; r < NROUTES_MAX; r++) {
		const char *m = r < api_nroutes ? api_routes[r].method : "any";
		const char *p = r < api_nroutes ? api_routes[r].pattern : "unmatched";
		if (r >= api_nroutes && r != NROUTES_MAX - 1)
			continue;
		for (int c = 0; c < NCLASSES; c++) {
			unsigned long long x = atomic_load(&count[r][c]);
			if (x)
				gd__buf_printf(&b, "gardien_http_requests_total{method=\"%s\",route=\"%s\",status=\"%dxx\"} %llu\n", m,
				               p, c + 1, x);
		}
	}
	gd__buf_printf(&b, "# HELP gardien_http_request_duration_seconds Time to answer, by route.\n"
	                   "# TYPE gardien_http_request_duration_seconds histogram\n");
	for (size_t r = 0; r < NROUTES_MAX; r++) {
		if (r >= api_nroutes && r != NROUTES_MAX - 1)
			continue;
		const char *m = r < api_nroutes ? api_routes[r].method : "any";
		const char *p = r < api_nroutes ? api_routes[r].pattern : "unmatched";
		unsigned long long total = 0;
		for (size_t k = 0; k <= NBUCKETS; k++)
			total += atomic_load(&hist[r][k]);
		if (!total)
			continue;
		unsigned long long cum = 0;
		for (size_t k = 0; k < NBUCKETS; k++) {
			cum += atomic_load(&hist[r][k]);
			gd__buf_printf(&b, "gardien_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"%g\"} %llu\n",
			               m, p, buckets[k], cum);
		}
		gd__buf_printf(&b, "gardien_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"+Inf\"} %llu\n",
		               m, p, total);
		gd__buf_printf(&b, "gardien_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n", m, p,
		               (double)atomic_load(&usec_sum[r]) / 1e6);
		gd__buf_printf(&b, "gardien_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %llu\n", m, p,
		               total);
	}
	gd__buf_printf(&b, "# HELP gardien_http_requests_in_flight Requests being handled.\n"
	                   "# TYPE gardien_http_requests_in_flight gauge\n"
	                   "gardien_http_requests_in_flight %ld\n",
	               atomic_load(&in_flight_gauge));
	gd__buf_printf(&b, "# HELP gardien_commit_batches_total Durable commits of the committer (group commit).\n"
	                   "# TYPE gardien_commit_batches_total counter\n"
	                   "gardien_commit_batches_total %llu\n"
	                   "# HELP gardien_commit_batched_requests_total Requests answered by those commits.\n"
	                   "# TYPE gardien_commit_batched_requests_total counter\n"
	                   "gardien_commit_batched_requests_total %llu\n",
	               atomic_load(&batches), atomic_load(&batched));
	gd__buf_printf(&b, "# HELP gardien_read_groups_total Groups of reads run by the reader threads, each"
	                   " answered after one durable commit of its audit entries (shared with other groups).\n"
	                   "# TYPE gardien_read_groups_total counter\n"
	                   "gardien_read_groups_total %llu\n"
	                   "# HELP gardien_read_grouped_requests_total Requests answered by those groups.\n"
	                   "# TYPE gardien_read_grouped_requests_total counter\n"
	                   "gardien_read_grouped_requests_total %llu\n",
	               atomic_load(&read_groups), atomic_load(&read_grouped));
	if (api_vault_path)
		gd__buf_printf(&b, "# HELP gardien_vault_size_bytes Size of the vault database and its write-ahead log.\n"
		                   "# TYPE gardien_vault_size_bytes gauge\n"
		                   "gardien_vault_size_bytes{file=\"db\"} %lld\n"
		                   "gardien_vault_size_bytes{file=\"wal\"} %lld\n",
		               file_size(api_vault_path, ""), file_size(api_vault_path, "-wal"));
	gd__buf_printf(&b, "# HELP gardien_build_info The gardien version serving.\n"
	                   "# TYPE gardien_build_info gauge\n"
	                   "gardien_build_info{version=\"%s\"} 1\n",
	               GD_VERSION);
	process_metrics(&b);
	if (v)
		dpo_metrics(&b, v);
	/* Memory from malloc: the response frees it (MHD_RESPMEM_MUST_FREE). */
	return gd__buf_take(&b, len);
}

int route_metrics(struct api_ctx *c)
{
	c->resp->body = api_metrics_text(c->rq->v, &c->resp->len);
	if (!c->resp->body)
		return api_error(c, 503, "no_memory", "out of memory");
	c->resp->type = "text/plain; version=0.0.4; charset=utf-8";
	return 200;
}

static int count_tenant(void *ud, const char *name)
{
	(*(int *)ud)++;
	return 0;
}

int route_health(struct api_ctx *c)
{
	int n = 0;
	int rc = gd_tenant_list(c->rq->v, count_tenant, &n);
	if (rc < 0)
		return api_error(c, 503, "unavailable", "the vault does not answer: %s", gd_error_last());
	c->out = json_pack("{s:s,s:s}", "status", "ok", "version", GD_VERSION);
	return 200;
}

/* ---- what a DPO alerts on, and the process ---- */

/* Tenants whose audit chain this server verified, and when (vault clock). A
 * verification leaves no trace in the vault, so only this process knows it. */
#define VERIFIED_MAX 256
static pthread_mutex_t verified_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char tenant[72];
	gd_time at;
} verified[VERIFIED_MAX];

void api_metrics_verified(const char *tenant, gd_time at)
{
	pthread_mutex_lock(&verified_lock);
	size_t i, free_slot = VERIFIED_MAX;
	for (i = 0; i < VERIFIED_MAX; i++) {
		if (verified[i].tenant[0] && strcmp(verified[i].tenant, tenant) == 0)
			break;
		if (!verified[i].tenant[0] && free_slot == VERIFIED_MAX)
			free_slot = i;
	}
	if (i == VERIFIED_MAX)
		i = free_slot;
	if (i < VERIFIED_MAX) {
		snprintf(verified[i].tenant, sizeof verified[i].tenant, "%s", tenant);
		verified[i].at = at;
	}
	pthread_mutex_unlock(&verified_lock);
}

static gd_time verified_at(const char *tenant)
{
	gd_time at = 0;
	pthread_mutex_lock(&verified_lock);
	for (size_t i = 0; i < VERIFIED_MAX; i++)
		if (verified[i].tenant[0] && strcmp(verified[i].tenant, tenant) == 0)
			at = verified[i].at;
	pthread_mutex_unlock(&verified_lock);
	return at;
}

struct dpo {
	gd_time now;
	int64_t overdue, due_week, breaches_open, backlog;
	int64_t min_left; /* seconds left to notify the most urgent open breach */
	bool any_open;
};

static int count_request(void *ud, const gd_request *r)
{
	struct dpo *d = ud;
	if (r->due_at && r->due_at < d->now)
		d->overdue++;
	else if (r->due_at && r->due_at < d->now + 7 * 86400)
		d->due_week++;
	return 0;
}

static int count_breach(void *ud, const gd_breach *b)
{
	struct dpo *d = ud;
	if (strcmp(b->status, "open") == 0 || strcmp(b->status, "overdue") == 0) {
		d->breaches_open++;
		if (!d->any_open || b->seconds_left < d->min_left)
			d->min_left = b->seconds_left;
		d->any_open = true;
	}
	return 0;
}

static int skip_row(void *ud, const gd_retention_plan_row *r)
{
	(void)ud, (void)r;
	return 0;
}

/* Tenant names go into label values: escaped as the text format wants. */
static void label(char *out, size_t n, const char *s)
{
	size_t o = 0;
	for (; *s && o + 3 < n; s++) {
		if (*s == '\\' || *s == '"')
			out[o++] = '\\', out[o++] = *s;
		else if (*s == '\n')
			out[o++] = '\\', out[o++] = 'n';
		else
			out[o++] = *s;
	}
	out[o] = 0;
}

struct tenants {
	char names[256][72];
	size_t n;
};

static int add_tenant(void *ud, const char *name)
{
	struct tenants *t = ud;
	if (t->n < 256)
		snprintf(t->names[t->n++], sizeof t->names[0], "%s", name);
	return 0;
}

#define GAUGE(name, help) "# HELP " name " " help "\n# TYPE " name " gauge\n"

/* One family at a time, every tenant under it, as the text format requires. */
static void dpo_metrics(struct gd__buf *b, gd_vault *v)
{
	struct tenants *t = calloc(1, sizeof *t);
	struct dpo *d = t ? calloc(256, sizeof *d) : NULL;
	bool *ok = d ? calloc(256, sizeof *ok) : NULL;
	gd_time ckpt[256] = {0};
	if (!ok || gd_tenant_list(v, add_tenant, t) < 0)
		goto done;
	gd_time now = gd_vault_now(v);
	for (size_t i = 0; i < t->n; i++) {
		gd_actor *a = NULL;
		gd_retention_plan_totals tot;
		d[i].now = now;
		if (gd_actor_open(&a, v, t->names[i], "serve:metrics") < 0)
			continue;
		ok[i] = gd_request_list(a, true, count_request, &d[i]) == 0 &&
		        gd_breach_list(a, count_breach, &d[i]) == 0 && gd_audit_last_checkpoint(a, &ckpt[i]) == 0;
		/* Without a register there are no rules, hence nothing due. */
		memset(&tot, 0, sizeof tot);
		int rc = gd_retention_plan(a, now, skip_row, NULL, &tot);
		d[i].backlog = rc == 0 ? tot.transitions : rc == GD_ESTATE ? 0
		                                                           : -1;
		gd_actor_close(a);
	}
	char l[160];
	static const struct {
		const char *head;
		int what;
	} fam[] = {
		{GAUGE("gardien_requests_overdue", "Open data-subject requests past their legal deadline."), 0},
		{GAUGE("gardien_requests_due_7d", "Open data-subject requests due within 7 days, not yet overdue."), 1},
		{GAUGE("gardien_breaches_open", "Breaches not yet notified to the authority nor closed without notice."), 2},
		{GAUGE("gardien_breach_notify_seconds_left",
	               "Seconds left to notify the most urgent open breach (Art. 33: 72 h; negative: late)."),
	         3},
		{GAUGE("gardien_retention_backlog", "Retention transitions due now and not yet applied by a sweep."), 4},
		{GAUGE("gardien_audit_checkpoint_age_seconds", "Seconds since the last signed checkpoint of the audit chain."), 5},
		{GAUGE("gardien_audit_verify_age_seconds",
	               "Seconds since this server last verified the audit chain (GET .../audit/verify)."),
	         6},
	};
	for (size_t f = 0; f < sizeof fam / sizeof *fam; f++) {
		gd__buf_printf(b, "%s", fam[f].head);
		const char *name = fam[f].head + 7; /* after "# HELP " */
		int nl = (int)strcspn(name, " ");
		for (size_t i = 0; i < t->n; i++) {
			if (!ok[i])
				continue;
			label(l, sizeof l, t->names[i]);
			gd_time at = fam[f].what == 5 ? ckpt[i] : fam[f].what == 6 ? verified_at(t->names[i])
			                                                           : 0;
			switch (fam[f].what) {
			case 0: gd__buf_printf(b, "%.*s{tenant=\"%s\"} %lld\n", nl, name, l, (long long)d[i].overdue); break;
			case 1: gd__buf_printf(b, "%.*s{tenant=\"%s\"} %lld\n", nl, name, l, (long long)d[i].due_week); break;
			case 2: gd__buf_printf(b, "%.*s{tenant=\"%s\"} %lld\n", nl, name, l, (long long)d[i].breaches_open); break;
			case 3:
				if (d[i].any_open)
					gd__buf_printf(b, "%.*s{tenant=\"%s\"} %lld\n", nl, name, l, (long long)d[i].min_left);
				break;
			case 4:
				if (d[i].backlog >= 0)
					gd__buf_printf(b, "%.*s{tenant=\"%s\"} %lld\n", nl, name, l, (long long)d[i].backlog);
				break;
			default:
				if (at)
					gd__buf_printf(b, "%.*s{tenant=\"%s\"} %lld\n", nl, name, l, (long long)(now - at));
			}
		}
	}
done:
	free(ok);
	free(d);
	free(t);
}

/* The process_* family of Prometheus client libraries, from /proc. */
static void process_metrics(struct gd__buf *b)
{
	long tick = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	char stat[1024] = "";
	FILE *f = fopen("/proc/self/stat", "r");
	if (f) {
		if (!fgets(stat, sizeof stat, f))
			stat[0] = 0;
		fclose(f);
	}
	/* Fields after the command (which may hold spaces) begin after the last ')'. */
	const char *p = strrchr(stat, ')');
	unsigned long long utime = 0, stime = 0, start = 0, vsize = 0;
	long long rss = 0;
	if (p && tick > 0 &&
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %llu %llu %lld",
	           &utime, &stime, &start, &vsize, &rss) == 5) {
		unsigned long long btime = 0;
		char line[256];
		FILE *s = fopen("/proc/stat", "r");
		while (s && fgets(line, sizeof line, s))
			if (sscanf(line, "btime %llu", &btime) == 1)
				break;
		if (s)
			fclose(s);
		gd__buf_printf(b,
		               "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
		               "# TYPE process_cpu_seconds_total counter\n"
		               "process_cpu_seconds_total %.2f\n"
		               "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
		               "# TYPE process_resident_memory_bytes gauge\n"
		               "process_resident_memory_bytes %lld\n"
		               "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
		               "# TYPE process_virtual_memory_bytes gauge\n"
		               "process_virtual_memory_bytes %llu\n"
		               "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
		               "# TYPE process_start_time_seconds gauge\n"
		               "process_start_time_seconds %.2f\n",
		               (double)(utime + stime) / (double)tick, rss * page, vsize,
		               (double)btime + (double)start / (double)tick);
	}
	long fds = 0;
	DIR *dir = opendir("/proc/self/fd");
	if (dir) {
		struct dirent *e;
		while ((e = readdir(dir)))
			fds += e->d_name[0] != '.';
		closedir(dir);
		gd__buf_printf(b,
		               "# HELP process_open_fds Number of open file descriptors.\n"
		               "# TYPE process_open_fds gauge\n"
		               "process_open_fds %ld\n",
		               fds - 1 /* the directory's own */);
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		gd__buf_printf(b,
		               "# HELP process_max_fds Maximum number of open file descriptors.\n"
		               "# TYPE process_max_fds gauge\n"
		               "process_max_fds %llu\n",
		               (unsigned long long)rl.rlim_cur);
}
