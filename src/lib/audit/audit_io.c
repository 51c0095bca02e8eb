/*
 * audit_io.c — reading the audit trail out: listing with filters, exports for
 * the auditor (JSON lines, CSV) and offline verification of a JSON-lines
 * export without the vault.
 *
 * An export carries what an auditor needs to verify it alone: the vault's
 * audit public key (to compare with one obtained out of band), the prune
 * anchor, every entry with its hash and the previous one, and every signed
 * checkpoint, in chain order (docs/FORMAT.md, "Audit export"). The offline
 * verifier is the same state machine as gd_audit_verify, fed from the file;
 * it treats the file as untrusted input: lines are bounded, every field is
 * type-checked, and nothing in it is trusted but what the signatures cover.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/audit/audit.h"
#include "lib/internal.h"
#include "util/buf.h"

/* The record a filter asks about (version 1 filters have no such field). */
static int64_t filter_record(const gd_audit_filter *f)
{
	return f && f->version >= 2 ? f->record_id : 0;
}

/*
 * Is record `id` this entry's, or in the list a grouped retention.delete entry
 * ends its reason with ("; records N1 N2 …", after the rule's own text)?
 */
static bool about_record(const struct gd__audit_entry *e, int64_t id)
{
	if (e->record_id == id)
		return true;
	if (!e->reason || !e->action || strcmp(e->action, "retention.delete") != 0)
		return false;
	const char *list = NULL;
	for (const char *p = e->reason; (p = strstr(p, "; records ")); p++)
		list = p;
	if (!list)
		return false;
	for (const char *p = list + 10; *p;) {
		char *end;
		long long n = strtoll(p, &end, 10);
		if (end == p)
			return false;
		if (n == id)
			return true;
		p = *end == ' ' ? end + 1 : end;
	}
	return false;
}

static bool matches(const gd_audit_filter *f, const struct gd__audit_entry *e)
{
	if (!f)
		return true;
	if (filter_record(f) && !about_record(e, filter_record(f)))
		return false;
	if ((f->from && e->at < f->from) || (f->to && e->at >= f->to))
		return false;
	if (f->outcome >= 0 && e->outcome != f->outcome)
		return false;
	const char *want[4] = {f->principal, f->subject, f->action, f->purpose};
	const char *have[4] = {e->principal, e->subject, e->action, e->purpose};
	for (int i = 0; i < 4; i++)
		if (want[i] && (!have[i] || strcmp(want[i], have[i]) != 0))
			return false;
	return true;
}

static int check_filter(const gd_audit_filter *f)
{
	if (f && f->version != 1 && f->version != GD_AUDIT_FILTER_VERSION)
		return gd__err(GD_EINVAL, "gd_audit_filter version %u is not supported", f->version);
	if (filter_record(f) < 0)
		return gd__err(GD_EINVAL, "audit filter: record id %lld is not a record id",
		               (long long)filter_record(f));
	if (f && f->outcome > GD_AUDIT_FAILED)
		return gd__err(GD_EINVAL, "audit outcome %d is not ok (0), denied (1) or failed (2)",
		               f->outcome);
	return 0;
}

struct list_ctx {
	gd_actor *a;
	const gd_audit_filter *f;
	gd_audit_cb cb;
	void *ud;
	int64_t n;
};

static int list_entry(void *ud, const struct gd__audit_entry *e, const void *hash, size_t n,
                      const unsigned char prev[GD__HASH_SIZE])
{
	struct list_ctx *c = ud;
	static const unsigned char zero[GD__HASH_SIZE];
	if (!matches(c->f, e))
		return 0;
	c->n++;
	gd_audit_entry out = {
		.seq = e->seq,
		.at = e->at,
		.principal = e->principal,
		.action = e->action,
		.purpose = e->purpose,
		.subject = e->subject,
		.record_id = e->record_id,
		.category = e->category,
		.outcome = e->outcome,
		.reason = e->reason,
		.prev_hash = prev,
		.hash = n == GD__HASH_SIZE ? hash : zero,
		.lane = e->lane,
	};
	return c->cb(c->ud, &out);
}

/*
 * A read of the trail itself: `walk` runs as a read operation (one snapshot,
 * beside the writers, without the write lock; on PostgreSQL a transaction for
 * the walk's cursors), and the entry recording it, failed or not (what a
 * failed walk gave the caller was read), commits as a read's entries do.
 */
static int audit_read(gd_actor *a, const char *action, int (*walk)(void *ctx), void *ctx, const int64_t *n)
{
	int rc = gd__op_begin_read(a->v);
	if (rc < 0)
		return rc;
	int walked = walk(ctx);
	char msg[512], why[96];
	snprintf(msg, sizeof msg, "%s", gd_error_last());
	snprintf(why, sizeof why, "%lld entries", (long long)*n);
	int entry = gd__audit_actor(a, &(struct gd__audit_event){
					       .action = action, .reason = why, .outcome = walked < 0 ? GD__FAILED : GD__OK});
	rc = gd__op_end_given(a->v, entry, walked);
	if (entry == 0 && rc < 0 && rc == walked)
		gd__err(walked, "%s", msg);
	return rc;
}

static int list_walk(void *ctx)
{
	struct list_ctx *c = ctx;
	struct gd__audit_walk w = {.entry = list_entry, .cp = NULL, .ud = c};
	return gd__audit_walk(c->a->v, c->a->tenant_id, &w);
}

int gd_audit_list(gd_actor *a, const gd_audit_filter *f, gd_audit_cb cb, void *ud)
{
	int rc = check_filter(f);
	if (rc < 0)
		return rc;
	struct list_ctx c = {a, f, cb, ud, 0};
	return audit_read(a, "audit.list", list_walk, &c, &c.n);
}

/* ---- export --------------------------------------------------------------- */

struct export_ctx {
	gd_actor *a;
	const gd_audit_filter *f;
	enum gd_audit_format format;
	struct gd__buf o; /* streaming to the caller's writer */
	int64_t n;
};

static int emit_json(struct export_ctx *c, json_t *j)
{
	if (!j)
		return gd__err(GD_ENOMEM, "out of memory");
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(j);
	if (!s)
		return gd__err(GD_ENOMEM, "out of memory");
	gd__buf_puts(&c->o, s);
	free(s);
	return gd__buf_puts(&c->o, "\n");
}

/*
 * Writes one CSV field (RFC 4180 quoting when needed), followed by `sep`. A
 * field that a spreadsheet would take for a formula (= + - @) is prefixed
 * with a quote (OWASP "CSV injection", util/buf.h): the CSV is for reading,
 * JSON lines for verifying.
 */
static int csv_field(struct export_ctx *c, const char *s, char sep)
{
	gd__buf_csv(&c->o, s, s ? strlen(s) : 0, GD__CSV_MINIMAL | GD__CSV_NEUTRALISE);
	return gd__buf_add(&c->o, &sep, 1);
}

static int csv_row(struct export_ctx *c, const char *const *cols, int n)
{
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++)
		rc = csv_field(c, cols[i], i == n - 1 ? '\n' : ',');
	return rc;
}

#define CSV_COLUMNS 16

static int export_entry(void *ud, const struct gd__audit_entry *e, const void *hash, size_t n,
                        const unsigned char prev[GD__HASH_SIZE])
{
	struct export_ctx *c = ud;
	static const unsigned char zero[GD__HASH_SIZE];
	char t[32], hh[2 * GD__HASH_SIZE + 1], ph[2 * GD__HASH_SIZE + 1];
	if (!matches(c->f, e))
		return 0;
	c->n++;
	gd_time_format(t, e->at);
	gd__hex(hh, n == GD__HASH_SIZE ? hash : zero, GD__HASH_SIZE);
	gd__hex(ph, prev, GD__HASH_SIZE);
	if (c->format == GD_AUDIT_CSV) {
		char seq[24], at[24], rid[24], out[4], lane[24];
		snprintf(lane, sizeof lane, "%lld", (long long)e->lane);
		snprintf(seq, sizeof seq, "%lld", (long long)e->seq);
		snprintf(at, sizeof at, "%lld", (long long)e->at);
		snprintf(rid, sizeof rid, "%lld", (long long)e->record_id);
		snprintf(out, sizeof out, "%d", e->outcome);
		const char *cols[CSV_COLUMNS] = {"entry", seq, at, t,
		                                 e->principal, e->action, e->purpose, e->subject,
		                                 rid, e->category, out, e->reason,
		                                 ph, hh, NULL, lane};
		return csv_row(c, cols, CSV_COLUMNS);
	}
	json_t *j = json_pack("{s:s,s:I,s:I,s:I,s:s,s:s?,s:s?,s:s?,s:s?,s:I,s:s?,s:i,s:s?,s:s,s:s}",
	                      "type", "entry", "lane", (json_int_t)e->lane, "seq", (json_int_t)e->seq,
	                      "at", (json_int_t)e->at,
	                      "time", t, "principal", e->principal, "action", e->action, "purpose",
	                      e->purpose, "subject", e->subject, "record_id", (json_int_t)e->record_id,
	                      "category", e->category, "outcome", e->outcome, "reason", e->reason,
	                      "prev", ph, "hash", hh);
	/* "s?" writes an absent field as null, which the hash tells apart from "". */
	return emit_json(c, j);
}

static int export_cp(void *ud, const struct gd__audit_cp *cp)
{
	struct export_ctx *c = ud;
	const char *kind = cp->kind == GD__CP_ANCHOR ? "anchor" : "checkpoint";
	char t[32], hh[2 * GD__HASH_SIZE + 1], sh[2 * GD__SIG_SIZE + 1];
	gd_time_format(t, cp->at);
	gd__hex(hh, cp->hash, GD__HASH_SIZE);
	gd__hex(sh, cp->sig, GD__SIG_SIZE);
	if (c->format == GD_AUDIT_CSV) {
		char seq[24], at[24], lane[24];
		snprintf(seq, sizeof seq, "%lld", (long long)cp->seq);
		snprintf(at, sizeof at, "%lld", (long long)cp->at);
		snprintf(lane, sizeof lane, "%lld", (long long)cp->lane);
		const char *cols[CSV_COLUMNS] = {kind, seq, at, t, NULL, NULL, NULL, NULL,
		                                 NULL, NULL, NULL, NULL, NULL, hh, sh, lane};
		return csv_row(c, cols, CSV_COLUMNS);
	}
	return emit_json(c, json_pack("{s:s,s:I,s:I,s:I,s:s,s:s,s:s}", "type", kind, "lane", (json_int_t)cp->lane,
	                              "seq", (json_int_t)cp->seq, "at", (json_int_t)cp->at, "time", t,
	                              "hash", hh, "signature", sh));
}

static int export_walk(void *ctx)
{
	struct export_ctx *c = ctx;
	struct gd__audit_walk w = {.entry = export_entry, .cp = export_cp, .ud = c};
	int rc = gd__audit_walk(c->a->v, c->a->tenant_id, &w);
	return rc == 0 ? gd__buf_flush(&c->o) : rc;
}

int gd_audit_export(gd_actor *a, const gd_audit_filter *f, enum gd_audit_format format,
                    gd_write_cb write, void *ud)
{
	struct export_ctx c = {a, f, format, {0}, 0};
	char mem[8192];
	char pk[2 * GD__SIGN_PK_SIZE + 1], t[32];
	bool filtered = false;
	int rc = check_filter(f);
	if (rc < 0)
		return rc;
	if (format != GD_AUDIT_JSONL && format != GD_AUDIT_CSV)
		return gd__err(GD_EINVAL, "audit export format %d is neither JSON lines nor CSV", (int)format);
	gd__buf_init_stream(&c.o, mem, sizeof mem, write, ud);
	if (f)
		filtered = f->from || f->to || f->principal || f->subject || f->action || f->purpose ||
		           f->outcome >= 0 || filter_record(f);
	gd__hex(pk, a->v->audit_pk, GD__SIGN_PK_SIZE);
	gd_time_format(t, gd_vault_now(a->v));
	if (format == GD_AUDIT_CSV) {
		const char *head[CSV_COLUMNS] = {"type", "seq", "at", "time", "principal",
		                                 "action", "purpose", "subject", "record_id",
		                                 "category", "outcome", "reason", "prev_hash", "hash",
		                                 "signature", "lane"};
		char tid[24];
		snprintf(tid, sizeof tid, "%lld", (long long)a->tenant_id);
		const char *meta[CSV_COLUMNS] = {"header", NULL, NULL, t, a->tenant, "gardien-audit-export-2",
		                                 filtered ? "filtered" : NULL, NULL, tid, NULL, NULL, NULL,
		                                 NULL, NULL, pk, NULL};
		rc = csv_row(&c, head, CSV_COLUMNS);
		if (rc == 0)
			rc = csv_row(&c, meta, CSV_COLUMNS);
	} else {
		rc = emit_json(&c, json_pack("{s:s,s:i,s:s,s:I,s:s,s:s,s:s,s:b}", "type", "header",
		                             "format", 2, "tenant", a->tenant, "tenant_id",
		                             (json_int_t)a->tenant_id, "public_key", pk, "hash",
		                             "blake2b-256", "exported_at", t, "filtered", filtered));
	}
	if (rc == 0)
		rc = audit_read(a, "audit.export", export_walk, &c, &c.n);
	gd__buf_release(&c.o);
	return rc;
}

/* ---- offline verification ------------------------------------------------- */

static int get_hex(json_t *o, const char *key, unsigned char *out, size_t n)
{
	const char *s = json_string_value(json_object_get(o, key));
	if (!s || strlen(s) != 2 * n || gd__unhex(out, n, s) < 0)
		return -1;
	return 0;
}

static int get_int(json_t *o, const char *key, int64_t *out)
{
	json_t *j = json_object_get(o, key);
	if (!json_is_integer(j))
		return -1;
	*out = json_integer_value(j);
	return 0;
}

/* A string field that may be null; -1 when absent or of another type. */
/* A line's lane: absent in format 1 exports (written before lanes: lane 0). */
static int get_lane(json_t *o, int64_t *out)
{
	*out = 0;
	if (!json_object_get(o, "lane"))
		return 0;
	return get_int(o, "lane", out) < 0 || *out < 0 ? -1 : 0;
}

static int get_str(json_t *o, const char *key, const char **out)
{
	json_t *j = json_object_get(o, key);
	if (json_is_null(j)) {
		*out = NULL;
		return 0;
	}
	if (!json_is_string(j))
		return -1;
	*out = json_string_value(j);
	return 0;
}

int gd_audit_verify_export(int (*next_line)(void *ud, const char **line, size_t *len), void *ud,
                           const unsigned char *public_key, char *out_key_hex,
                           gd_audit_report *out)
{
	struct gd__verifier *vf = NULL;
	unsigned char pk[GD__SIGN_PK_SIZE];
	int64_t tenant = 0, lineno = 0;
	json_t *j = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = gd__crypto_init()) < 0)
		return rc;
	for (;;) {
		const char *line;
		size_t len;
		json_error_t err;
		rc = next_line(ud, &line, &len);
		if (rc <= 0)
			break;
		lineno++;
		if (len > GD_AUDIT_LINE_MAX) {
			rc = gd__err(GD_ETOOBIG, "line %lld of the export is over %d bytes", (long long)lineno,
			             GD_AUDIT_LINE_MAX);
			break;
		}
		json_decref(j);
		if (!(j = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err)) || !json_is_object(j)) {
			rc = gd__err(GD_EINVAL, "line %lld of the export is not a JSON object: %s",
			             (long long)lineno, j ? "another JSON value" : err.text);
			break;
		}
		const char *type = json_string_value(json_object_get(j, "type"));
		if (!type)
			type = "";
		if (lineno == 1) {
			int64_t format;
			if (strcmp(type, "header") != 0 || get_int(j, "format", &format) < 0 ||
			    (format != 1 && format != 2) ||
			    get_int(j, "tenant_id", &tenant) < 0 || get_hex(j, "public_key", pk, sizeof pk) < 0) {
				rc = gd__err(GD_EINVAL, "the export does not start with a gardien audit export header"
				                        " (format 1 or 2): export it with 'gardien audit export'");
				break;
			}
			if (json_is_true(json_object_get(j, "filtered"))) {
				rc = gd__err(GD_EINVAL, "a filtered export cannot be verified as a chain:"
				                        " export the whole trail, without filters");
				break;
			}
			if (out_key_hex)
				gd__hex(out_key_hex, pk, sizeof pk);
			if (public_key && memcmp(public_key, pk, sizeof pk) != 0) {
				rc = gd__err(GD_EDENIED, "the export names another audit public key than the one"
				                         " given: it does not come from that vault");
				break;
			}
			if ((rc = gd__verifier_new(&vf, pk, out)) < 0)
				break;
			continue;
		}
		if (strcmp(type, "entry") == 0) {
			struct gd__audit_entry e = {.tenant_id = tenant};
			unsigned char hash[GD__HASH_SIZE];
			int64_t outcome;
			if (get_lane(j, &e.lane) < 0 || get_int(j, "seq", &e.seq) < 0 || get_int(j, "at", &e.at) < 0 ||
			    get_str(j, "principal", &e.principal) < 0 || get_str(j, "action", &e.action) < 0 ||
			    get_str(j, "purpose", &e.purpose) < 0 || get_str(j, "subject", &e.subject) < 0 ||
			    get_int(j, "record_id", &e.record_id) < 0 ||
			    get_str(j, "category", &e.category) < 0 || get_int(j, "outcome", &outcome) < 0 ||
			    get_str(j, "reason", &e.reason) < 0 || get_hex(j, "hash", hash, sizeof hash) < 0) {
				rc = gd__err(GD_EINVAL, "line %lld of the export is not a well-formed entry",
				             (long long)lineno);
				break;
			}
			e.outcome = (int)outcome;
			if ((int64_t)e.outcome != outcome)
				e.outcome = -1;
			if ((rc = gd__verifier_entry(vf, &e, hash, sizeof hash)) < 0)
				break;
		} else if (strcmp(type, "checkpoint") == 0 || strcmp(type, "anchor") == 0) {
			struct gd__audit_cp cp = {.tenant_id = tenant, .well_formed = true, .kind = type[0] == 'a' ? GD__CP_ANCHOR : GD__CP_CHECKPOINT};
			if (get_lane(j, &cp.lane) < 0 || get_int(j, "seq", &cp.seq) < 0 || get_int(j, "at", &cp.at) < 0 ||
			    get_hex(j, "hash", cp.hash, sizeof cp.hash) < 0 ||
			    get_hex(j, "signature", cp.sig, sizeof cp.sig) < 0) {
				rc = gd__err(GD_EINVAL, "line %lld of the export is not a well-formed %s",
				             (long long)lineno, type);
				break;
			}
			if ((rc = gd__verifier_cp(vf, &cp)) < 0)
				break;
		} else {
			rc = gd__err(GD_EINVAL, "line %lld of the export has an unknown type", (long long)lineno);
			break;
		}
	}
	if (rc == 0 && !vf)
		rc = gd__err(GD_EINVAL, "the export is empty");
	if (rc == 0)
		rc = gd__verifier_end(vf);
	if (out->problem != GD_AUDIT_INTACT) {
		snprintf(out->tenant, sizeof out->tenant, "#%lld", (long long)tenant);
		rc = gd__err(GD_ECORRUPT, "audit export: %s", out->detail);
	}
	json_decref(j);
	gd__verifier_free(vf);
	return rc;
}

void gd_audit_public_key(const gd_vault *v, unsigned char out[32])
{
	memcpy(out, v->audit_pk, GD__SIGN_PK_SIZE);
}
