/*
 * metrics.c — request counters and latencies per route, and the /healthz and
 * /metrics answers (Prometheus text exposition format 0.0.4).
 *
 * Counters are atomics updated by every worker thread; the exposition reads
 * them without a lock (each value is consistent, the set is a snapshot).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "server.h"
#include "buf.h"  /* src/util: the one output buffer */

#define NROUTES_MAX 96
#define NCLASSES 5   /* 1xx..5xx */
static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2.5};
#define NBUCKETS (sizeof buckets / sizeof *buckets)

/* Index NROUTES_MAX-1 counts requests that matched no route. */
static _Atomic unsigned long long count[NROUTES_MAX][NCLASSES];
static _Atomic unsigned long long hist[NROUTES_MAX][NBUCKETS + 1];
static _Atomic unsigned long long usec_sum[NROUTES_MAX];
static _Atomic long in_flight_gauge;
static _Atomic unsigned long long batches, batched;

void api_metrics_batch(size_t n)
{
	atomic_fetch_add(&batches, 1);
	atomic_fetch_add(&batched, n);
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

char *api_metrics_text(size_t *len)
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
	if (api_vault_path)
		gd__buf_printf(&b, "# HELP gardien_vault_size_bytes Size of the vault database and its write-ahead log.\n"
		        "# TYPE gardien_vault_size_bytes gauge\n"
		        "gardien_vault_size_bytes{file=\"db\"} %lld\n"
		        "gardien_vault_size_bytes{file=\"wal\"} %lld\n",
		    file_size(api_vault_path, ""), file_size(api_vault_path, "-wal"));
	/* Memory from malloc: the response frees it (MHD_RESPMEM_MUST_FREE). */
	return gd__buf_take(&b, len);
}

int route_metrics(struct api_ctx *c)
{
	c->resp->body = api_metrics_text(&c->resp->len);
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
