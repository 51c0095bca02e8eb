/*
 * server.h — what the files of `gardien serve` share.
 *
 * http.c is the only file that knows libmicrohttpd: it reads a request (with
 * the body capped at the route's limit), hands it to api_handle (router.c) as a
 * struct api_req, and sends back the struct api_resp. Everything from routing
 * to the JSON answer is plain C over the public library API, so the fuzz
 * harness (tests/fuzz/fuzz_api.c) drives it without a socket.
 *
 * Each worker thread has its own vault handle (a handle is single-threaded).
 */
#ifndef GD_SERVER_H
#define GD_SERVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "gardien.h"
#include "gardien/json.h"

#define API_BODY_DEFAULT (64u * 1024)        /* request body cap of most routes */
#define API_BODY_RECORD (3u * 1024 * 1024)   /* records: a 1 MiB value, JSON-escaped */
#define API_BODY_REGISTER (2u * 1024 * 1024) /* a register file, JSON-escaped */
#define API_MAX_CAPS 4

struct api_req {
	const char *method;
	const char *path;          /* without the query string */
	const char *authorization; /* the Authorization header, or NULL */
	/* Query-string parameter `key`, or NULL. */
	const char *(*query)(void *ud, const char *key);
	void *query_ud;
	const char *body;
	size_t body_len;
	gd_vault *v;        /* this thread's handle */
	const char *client; /* the client's address (login throttling), or NULL */
	/* With --bind-client-cert: the client certificate's subject CN, which must
	 * name the token's principal ("svc:app"); NULL: no binding. */
	const char *client_cn;
	const char *query_string;    /* the raw query string (after '?'), or NULL */
	const char *if_none_match;   /* the If-None-Match header, or NULL */
	const char *idempotency_key; /* the Idempotency-Key header, or NULL */
};

struct api_resp {
	int status;
	char *body; /* malloc'd; the caller frees */
	size_t len;
	const char *type;          /* Content-Type */
	bool www_authenticate;     /* 401: add WWW-Authenticate: Bearer */
	int retry_after;           /* 429: seconds, 0: none */
	char principal[128];       /* authenticated principal, for the access log */
	const char *csp;           /* the console's files: Content-Security-Policy, or NULL */
	const char *location;      /* 302: Location, or NULL */
	char allow[64];            /* 405: the Allow header */
	char etag[40];             /* ETag, or "" */
	char link[1024];           /* a list's next page: Link: <…>; rel="next", or "" */
	const char *cache_control; /* NULL: no-store */
	bool replayed;             /* an Idempotency-Key replay */
	bool idem_stored;          /* kept for Idempotency-Key replays under idem_key */
	unsigned char idem_key[32];
};

struct api_ctx;
typedef int (*api_handler)(struct api_ctx *c);

enum api_auth {
	API_PUBLIC = 0,
	API_TOKEN = 1,
	API_TENANT = 2
};

struct api_route {
	const char *method;
	const char *pattern; /* "/v1/tenants/{tenant}/records/{id}" */
	api_handler fn;
	enum api_auth auth;      /* API_TENANT: opens an actor for {tenant} */
	unsigned ops;            /* GD_OP_* the actor needs */
	size_t body_max;         /* 0: no body accepted */
	const char *action;      /* audited name of a refusal */
	const char *summary;     /* for the OpenAPI document */
	const char *body_schema; /* OpenAPI schema name of the body, or NULL */
	int ok_status;           /* 200, 201, 204 */
};

struct api_ctx {
	const struct api_req *rq;
	const struct api_route *route;
	const char *caps[API_MAX_CAPS]; /* path parameters, in pattern order */
	char capbuf[1024];
	json_t *body; /* parsed JSON body (object) or NULL */
	gd_actor *actor;
	const char *token; /* bearer token, or NULL */
	json_t *out;       /* response JSON (status from the handler) */
	struct api_resp *resp;
};

/*
 * What the OpenAPI document says of a route beyond the route table, and the
 * conventions the router applies from it (openapi.c, conventions.c).
 */
enum {
	API_PAGED = 1,      /* a list paged by the router: ?limit=, ?cursor=, next_cursor */
	API_CURSOR = 2,     /* a list its handler pages itself, with the same parameters */
	API_ETAG = 4,       /* ETag, If-None-Match: 304 */
	API_IDEMPOTENT = 8, /* a POST that creates: Idempotency-Key replays */
};
struct api_doc {
	const char *method, *pattern;
	const char *op_id; /* operationId, also the cursors' tag */
	unsigned flags;
	const char *list;  /* API_PAGED/API_CURSOR: the key of the list in the answer */
	const char *resp;  /* schema of the success answer (components), NULL: none */
	const char *query; /* query parameters: "name:type:description|…", "!name" required */
};
/* The route's entry of the documentation table, or NULL. */
const struct api_doc *api_doc_of(const struct api_route *r);

/* A page of a list paged by the router: ?limit=, and the key of the last item
 * of the previous page (a JSON array, from ?cursor=; "" for the first page). */
#define API_CURSOR_KEY_MAX 512
struct api_page {
	int64_t limit;
	char after[API_CURSOR_KEY_MAX + 1];
};
/* Problem details (RFC 9457) of an error; api_problem_text: as text (malloc'd). */
json_t *api_problem(int status, const char *code, const char *detail);
char *api_problem_text(int status, const char *code, const char *detail, size_t *len);
/* Opaque cursors of list `op`: position pos, hex text; parse: 0 or -1. */
void api_cursor_make(const char *op, int64_t pos, char *out, size_t n);
int api_cursor_parse(const char *op, const char *s, int64_t *pos);
/* ?limit= and ?cursor= of a list paged by the router (0 or an error status),
 * then the page cut from the handler's answer: the items after the cursor's
 * key in the order of the list's key (keyset paging, conventions.c). */
int api_page_args(struct api_ctx *c, const char *op, struct api_page *pg);
/* A keyset cursor of list `op`, checked: 0 and its key (compact JSON) in `after`, or -1. */
int api_keyset_parse(const char *op, const char *s, char after[API_CURSOR_KEY_MAX + 1]);
int api_page_apply(struct api_ctx *c, const char *op, const char *key, const struct api_page *pg);
/* Link: <path?…&cursor=next>; rel="next" for a page followed by another
 * (the request's other parameters kept); nothing when it would not fit. */
void api_link_next(struct api_resp *out, const char *path, const char *query, const char *cursor);
/* A 200 answer's ETag; 304 without a body when If-None-Match names it. */
void api_etag_apply(struct api_resp *out, const char *if_none_match);
/* Idempotency-Key: 0 or -1 (1 to 255 visible ASCII characters). */
int api_idem_key_check(const char *key);
/* The kept answer to the same request (its status), a 422 for another request
 * under the key, or 0: none kept. */
int api_idem_lookup(struct api_ctx *c);
void api_idem_store(struct api_ctx *c, struct api_resp *out);
/* The batch holding the answer was not committed: it must not be replayed. */
void api_idem_forget(const struct api_resp *r);
/* The methods of the routes matching path, for Allow ("GET, HEAD, PUT"). */
void api_allow(const char *path, char *out, size_t n);

/* The route table (router.c) and its size. */
extern const struct api_route api_routes[];
extern const size_t api_nroutes;

/*
 * Finds the route for method and path, filling c->caps. Returns its index, or
 * -1 when no pattern matches (404), or -2 when a pattern matches with another
 * method (405).
 */
int api_route_match(struct api_ctx *c, const char *method, const char *path);
/*
 * Whether a GET route also answers HEAD. Every GET does — the same checks,
 * read and audit entry, without the body — except a GET with an effect on a
 * data subject's request beyond its audit entry (an access request's export
 * counts a copy handed over, Art. 15(3)): a HEAD hands nothing over (405).
 */
bool api_route_heads(const struct api_route *r);
/*
 * Decodes the raw request path raw[0..n) (%-escapes) into out (NUL-terminated).
 * Refuses (-1) a bad escape, a decoded control character (NUL included) or
 * raw one, an encoded slash, and a result over outsize: a path is routed only
 * as the client wrote it, never cut short at a NUL.
 */
int api_path_decode(const char *raw, size_t n, char *out, size_t outsize);
/*
 * A canonical positive integer: digits only, no sign, no leading zero, at most
 * 18 digits ("+1", "01", "-5", "1e3" are refused). 0 or -1.
 */
int api_uint_parse(const char *s, int64_t *out);
/* The body limit of the route for (method, path); API_BODY_DEFAULT when none matches. */
size_t api_body_limit(const char *method, const char *path);
/* Handles one request. `*route` receives the matched index (-1 none) for metrics. */
void api_handle(const struct api_req *rq, struct api_resp *out, int *route);
/* The OpenAPI 3 document of the route table (caller decrefs). */
json_t *api_openapi(void);

/* Helpers for the route handlers (router.c). */
int api_error(struct api_ctx *c, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Maps a library error to its status and stable code and sets the error body. */
int api_fail(struct api_ctx *c, int rc);
/* Body fields: required/optional strings; a missing required field is a 400. */
int api_str(struct api_ctx *c, const char *key, bool required, const char **out);
const char *api_query(struct api_ctx *c, const char *key);
/* A "YYYY-MM-DD…" time field, or 0 when absent. */
int api_time(struct api_ctx *c, const char *key, gd_time *out);
json_t *api_time_json(gd_time t);
/* A "?key=" time of the query string, or 0 when absent; 400 when it is not a time. */
int api_query_time(struct api_ctx *c, const char *key, gd_time *out);
int api_id(struct api_ctx *c, int cap, int64_t *out);

/*
 * Login throttling (throttle.c): growing delays after failed logins, by client
 * address and by (tenant, name) whether the name exists or not. After `free`
 * failures, 1 s doubling per failure up to `cap` seconds.
 */
struct api_throttle {
	int addr_free, name_free;
	double addr_cap, name_cap;
	gd_time now; /* the vault's clock */
};
/* Seconds (rounded up) the address and the name must still wait; 0: none. */
void api_throttle_check(const struct api_throttle *t, const char *client, const char *tenant, const char *name,
                        int *addr_wait, int *name_wait);
/* Counts a failure for both keys; returns their waits after it. */
void api_throttle_fail(const struct api_throttle *t, const char *client, const char *tenant, const char *name,
                       int *addr_wait, int *name_wait);
/* A success clears the name's failures (not the address's). */
void api_throttle_success(const char *tenant, const char *name);

/* Route handlers (route_*.c). */
int route_subject_create(struct api_ctx *c);
int route_subject_find(struct api_ctx *c);
int route_subject_add_id(struct api_ctx *c);
int route_subject_list(struct api_ctx *c);
int route_calendar_get(struct api_ctx *c);
int route_calendar_set(struct api_ctx *c);
int route_subject_erase(struct api_ctx *c);
int route_client_erase(struct api_ctx *c);
int route_record_put(struct api_ctx *c);
int route_record_list(struct api_ctx *c);
int route_record_get(struct api_ctx *c);
int route_record_update(struct api_ctx *c);
int route_record_delete(struct api_ctx *c);
int route_login(struct api_ctx *c);
int route_logout(struct api_ctx *c);
int route_whoami(struct api_ctx *c);
int route_role_set(struct api_ctx *c);
int route_role_list(struct api_ctx *c);
int route_user_create(struct api_ctx *c);
int route_service_create(struct api_ctx *c);
int route_principal_list(struct api_ctx *c);
int route_principal_unlock(struct api_ctx *c);
int route_token_create(struct api_ctx *c);
int route_token_list(struct api_ctx *c);
int route_token_revoke(struct api_ctx *c);
int route_grant_create(struct api_ctx *c);
int route_grant_list(struct api_ctx *c);
int route_grant_revoke(struct api_ctx *c);
int route_register_load(struct api_ctx *c);
int route_register_get(struct api_ctx *c);
int route_register_versions(struct api_ctx *c);
int route_audit_list(struct api_ctx *c);
int route_audit_verify(struct api_ctx *c);
int route_breach_record(struct api_ctx *c);
int route_breach_list(struct api_ctx *c);
int route_breach_get(struct api_ctx *c);
int route_breach_notify(struct api_ctx *c);
int route_breach_update(struct api_ctx *c);
int route_request_open(struct api_ctx *c);
int route_request_list(struct api_ctx *c);
int route_request_get(struct api_ctx *c);
int route_request_step(struct api_ctx *c);
int route_request_export(struct api_ctx *c);
int route_subject_export(struct api_ctx *c);
int route_consent_give(struct api_ctx *c);
int route_consent_withdraw(struct api_ctx *c);
int route_consent_history(struct api_ctx *c);
int route_event_record(struct api_ctx *c);
int route_hold_place(struct api_ctx *c);
int route_hold_lift(struct api_ctx *c);
int route_hold_list(struct api_ctx *c);
int route_retention_plan(struct api_ctx *c);
int route_retention_sweep(struct api_ctx *c);
int route_register_diff(struct api_ctx *c);
int route_breach_scope(struct api_ctx *c);
int route_breach_draft(struct api_ctx *c);
int route_principal_totp(struct api_ctx *c);
int route_outbox_list(struct api_ctx *c);
int route_record_disclose(struct api_ctx *c);
int route_breach_controllers(struct api_ctx *c);
int route_outbox_ack(struct api_ctx *c);
int route_backup_status(struct api_ctx *c);
int route_consent_expiring(struct api_ctx *c);
int route_directive_set(struct api_ctx *c);
int route_directive_get(struct api_ctx *c);
int route_directive_apply(struct api_ctx *c);
int route_health(struct api_ctx *c);
int route_metrics(struct api_ctx *c);
int route_openapi(struct api_ctx *c);

/*
 * The web console (console.c): answers GET/HEAD of "/", "/console" and
 * "/console/..." from the embedded files and returns true; false for any
 * other path.
 */
bool console_serve(const char *method, const char *path, struct api_resp *out);

/* Metrics (http.c): Prometheus text of the counters, appended to `out` (malloc'd). */
char *api_metrics_text(gd_vault *v, size_t *len);
/* A verification of `tenant`'s audit chain at `at` (vault clock), for /metrics. */
void api_metrics_verified(const char *tenant, gd_time at);
void api_metrics_record(int route, int status, unsigned long long usec);
void api_metrics_inflight(int delta);
/* One durable commit of the committer answering `n` requests. */
void api_metrics_batch(size_t n);
/* A group of n reads answered by a reader thread (http.c). */
void api_metrics_reads(size_t n);
/* The vault file whose size /metrics reports (set by server_run). */
extern const char *api_vault_path;

/* `gardien serve` (http.c). */
struct server_config {
	const char *vault_path, *key_path;
	int key_fd; /* key providers (docs/keys.md) */
	const char *key_command, *key_pkcs11;
	gd_time now;
	bool ordered_writes; /* gd_vault_options.ordered_writes (--ordered-writes) */
	const char *host;
	unsigned port;
	const char *cert, *cert_key;
	unsigned threads;
	unsigned timeout;             /* seconds of inactivity before a connection is closed */
	unsigned connections;         /* connection limit */
	unsigned per_client;          /* connections per client address, 0: no limit */
	unsigned deadline;            /* seconds to receive a request's headers and body */
	const char *access_log;       /* file of JSON lines, "-" for stderr, or NULL */
	const char *probe_token_file; /* token /healthz and /metrics require, or NULL */
	const char *client_ca;        /* PEM CA: client certificates required (mTLS), or NULL */
	bool bind_client_cert;        /* a token works only with a certificate whose CN is its principal */
};
/* Runs until SIGINT/SIGTERM (blocked by the caller), then drains and stops. */
int server_run(const struct server_config *cfg);

#endif
