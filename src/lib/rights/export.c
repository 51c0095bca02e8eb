/*
 * export.c — everything held about a subject, for the rights of access and
 * copy (Art. 15) and portability (Art. 20), as JSON, CSV or one self-contained
 * HTML page.
 *
 * Invariants:
 *  - streamed: the subject's rows are read through their subject index, one
 *    record decrypted at a time into protected memory, and written through a
 *    fixed-size protected buffer; memory does not grow with the subject's data;
 *  - every decrypted byte is wiped after it is written out;
 *  - one "rights.export" audit entry per export, in the same operation.
 *
 * JSON layout (docs/rights.md): {"subject", "tenant", "generated_at",
 * "portable", "controller", "identifiers": [...], "records": [...],
 * "consents": [...], "limits": [...], "requests": [...]}.
 * CSV: one row per item, first column "section" (identifier, record, consent,
 * limit, request).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/rights/rights.h"
#include "util/buf.h"

#define OUT_CAP 16384
#define AD_MAX (3 + 16 + GD_SUBJECT_ID_SIZE + 1 + GD_NAME_MAX + 16)

struct out {
	struct gd__buf b; /* streaming over protected memory: decrypted values pass through it */
	gd_write_cb w;
	void *ud;
	enum gd_export_format fmt;
	bool first;      /* first item of the current JSON array */
	bool cell_start; /* CSV: a cell is open and nothing written in it yet */
	bool stopped;    /* the caller's writer refused a part */
};

/* The buffer's sink: the caller's writer, whose positive answers mean "stop". */
static int to_writer(void *ud, const void *p, size_t n)
{
	struct out *o = ud;
	int rc = o->w(o->ud, p, n);
	o->stopped |= rc != 0;
	if (rc != 0)
		return rc < 0 ? rc : gd__err(GD_ERROR, "the export was stopped by its writer (%d)", rc);
	return 0;
}

static void put(struct out *o, const void *p, size_t n)
{
	gd__buf_add(&o->b, p, n);
}

static void puts_(struct out *o, const char *s)
{
	gd__buf_puts(&o->b, s);
}

static void putf(struct out *o, const char *fmt, ...) GD__PRINTF(2, 3);
static void putf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	gd__buf_vprintf(&o->b, fmt, ap);
	va_end(ap);
}

/*
 * CSV: opens a quoted cell whose text is written in parts. A spreadsheet runs
 * a cell starting with = + - @ (or a tab or carriage return) as a formula: a
 * subject's own value or a register's text would run on the reader's machine,
 * so the cell's first text gets a ' before such a character (text()).
 */
static void copen(struct out *o)
{
	puts_(o, "\"");
	o->cell_start = true;
}

/*
 * Writes text escaped for the current format (JSON string body, the inside of
 * a quoted CSV field, HTML text).
 */
static void text(struct out *o, const char *s, size_t n)
{
	/* The first text of a cell opened by copen() (CSV): defused like
	 * GD__CSV_NEUTRALISE defuses a whole field. */
	if (o->fmt == GD_EXPORT_CSV && o->cell_start && n) {
		if (strchr("=+-@\t\r", s[0]))
			puts_(o, "'");
		o->cell_start = false;
	}
	if (o->fmt == GD_EXPORT_JSON)
		gd__buf_json(&o->b, s, n);
	else if (o->fmt == GD_EXPORT_CSV)
		gd__buf_csv_text(&o->b, s, n);
	else
		gd__buf_html(&o->b, s, n);
}

static void str(struct out *o, const char *s)
{
	text(o, s ? s : "", s ? strlen(s) : 0);
}

/* JSON: ,"key":"value" (or "key":null) inside an object, value escaped. */
static void jkv(struct out *o, const char *key, const char *value)
{
	putf(o, "%s\"%s\":", o->first ? "" : ",", key);
	o->first = false;
	if (!value) {
		puts_(o, "null");
		return;
	}
	puts_(o, "\"");
	str(o, value);
	puts_(o, "\"");
}

static void jkt(struct out *o, const char *key, gd_time t)
{
	char b[32];
	if (t)
		gd_time_format(b, t);
	jkv(o, key, t ? b : NULL);
}

/* Opens an array or object item: a comma unless first. */
static void item(struct out *o, bool *first)
{
	if (!*first)
		puts_(o, ",");
	*first = false;
}

/*
 * CSV: one field, quoted, then a comma (or CRLF when `last`). Values are
 * written exactly, formulas not neutralised: the export gives the subject's
 * data back as it is (a phone number "+33…" stays one).
 */
static void cf(struct out *o, const char *v, bool last)
{
	gd__buf_csv(&o->b, v, v ? strlen(v) : 0, GD__CSV_ALWAYS | GD__CSV_NEUTRALISE);
	puts_(o, last ? "\r\n" : ",");
}

static void cft(struct out *o, gd_time t, bool last)
{
	char b[32] = "";
	if (t)
		gd_time_format(b, t);
	cf(o, b, last);
}

/* HTML: a table cell. */
static void hc(struct out *o, const char *v)
{
	puts_(o, "<td>");
	str(o, v);
	puts_(o, "</td>");
}

static void hct(struct out *o, gd_time t)
{
	char b[32] = "";
	if (t)
		gd_date_format(b, t);
	hc(o, t ? b : "—");
}

static const char *safeguard_name(enum gd__safeguard s)
{
	switch (s) {
	case GD__SAFEGUARD_ADEQUACY: return "adequacy decision (Art. 45)";
	case GD__SAFEGUARD_SCC: return "standard contractual clauses (Art. 46(2)(c))";
	case GD__SAFEGUARD_BCR: return "binding corporate rules (Art. 47)";
	case GD__SAFEGUARD_DEROGATION: return "derogation (Art. 49)";
	case GD__SAFEGUARD_NONE: return "none needed (EU/EEA)";
	}
	return "unknown";
}

static const char *stage_name(int stage)
{
	return stage == GD__REC_ARCHIVED ? "archived" : stage == GD__REC_ANONYMISED ? "anonymised"
	                                                                            : "active";
}

/* "name (country); name (country)" of the parties, for CSV and HTML cells. */
static void parties_text(struct out *o, const struct gd__party *p, size_t n, bool *any)
{
	for (size_t i = 0; i < n; i++) {
		if (*any)
			puts_(o, "; ");
		*any = true;
		str(o, p[i].name);
		if (p[i].country) {
			puts_(o, " (");
			str(o, p[i].country);
			puts_(o, ")");
		}
	}
}

static void transfers_text(struct out *o, const struct gd__activity *act)
{
	for (size_t i = 0; act && i < act->ntransfers; i++) {
		const struct gd__transfer *t = &act->transfers[i];
		if (i)
			puts_(o, "; ");
		str(o, t->recipient);
		puts_(o, " → ");
		str(o, t->country);
		puts_(o, ": ");
		str(o, safeguard_name(t->safeguard));
		if (t->reference) {
			puts_(o, ", ");
			str(o, t->reference);
		}
	}
}

static void json_parties(struct out *o, const char *key, const struct gd__party *p, size_t n)
{
	putf(o, ",\"%s\":[", key);
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		item(o, &first);
		puts_(o, "{");
		o->first = true;
		jkv(o, "name", p[i].name);
		jkv(o, "kind", p[i].kind);
		jkv(o, "country", p[i].country);
		jkv(o, "purpose", p[i].purpose);
		puts_(o, "}");
	}
	puts_(o, "]");
}

/* ---- sections --------------------------------------------------------------------- */

struct ctx {
	gd_actor *a;
	const char *subject;
	struct gd__subject s;
	const struct gd__register *reg;
	unsigned flags;
	unsigned char *val; /* protected, reused across records */
	size_t valcap;
};

static void section_open(struct out *o, const char *name, const char *title, const char *heads)
{
	if (o->fmt == GD_EXPORT_JSON) {
		putf(o, ",\"%s\":[", name);
	} else if (o->fmt == GD_EXPORT_HTML) {
		putf(o, "<h2>%s</h2>\n<table><tr>", title);
		for (const char *h = heads; *h;) {
			const char *e = strchr(h, '|');
			size_t n = e ? (size_t)(e - h) : strlen(h);
			puts_(o, "<th>");
			put(o, h, n);
			puts_(o, "</th>");
			h += n + (e ? 1 : 0);
		}
		puts_(o, "</tr>\n");
	}
}

static void section_close(struct out *o)
{
	if (o->fmt == GD_EXPORT_JSON)
		puts_(o, "]");
	else if (o->fmt == GD_EXPORT_HTML)
		puts_(o, "</table>\n");
}

/* Makes room for `n` + 1 bytes of plaintext in c->val. */
static int val_room(struct ctx *c, size_t n)
{
	if (n + 1 <= c->valcap)
		return 0;
	gd__secure_free(c->val);
	c->valcap = n + 1 < 4096 ? 4096 : n + 1;
	if (!(c->val = gd__secure_alloc(c->valcap))) {
		c->valcap = 0;
		return gd__err(GD_ENOMEM, "out of secure memory");
	}
	return 0;
}

static int export_identifiers(struct ctx *c, struct out *o)
{
	gd__store *db = c->a->v->store;
	gd__stmt *st = NULL;
	unsigned char ad[AD_MAX];
	char cat[GD_NAME_MAX + 16];
	bool first = true;
	int rc = gd__db_query(db, &st, "SELECT kind, sealed FROM identifiers WHERE tenant_id = ? AND subject_id = ? ORDER BY kind",
	                      "ii", c->a->tenant_id, c->s.id);
	section_open(o, "identifiers", "Identifiers", "Kind|Value");
	while (rc == 0 && (rc = gd__db_step(db, st)) == 1) {
		const char *kind = gd__col_text(db, st, 0);
		size_t n;
		const void *sealed = gd__col_blob(db, st, 1, &n);
		rc = 0;
		if (n < GD__SEAL_OVERHEAD) {
			rc = gd__err(GD_ECORRUPT, "an identifier of subject %s is truncated", c->subject);
			break;
		}
		if ((rc = val_room(c, n - GD__SEAL_OVERHEAD)) < 0)
			break;
		snprintf(cat, sizeof cat, "identifier:%s", kind);
		if (gd__open(c->val, c->s.key, sealed, n, ad,
		             gd__record_ad(ad, sizeof ad, c->a->tenant_id, c->subject, 0, cat)) < 0) {
			rc = gd__err(GD_ECORRUPT, "an identifier of subject %s failed authentication", c->subject);
			break;
		}
		size_t vn = n - GD__SEAL_OVERHEAD;
		if (o->fmt == GD_EXPORT_JSON) {
			item(o, &first);
			puts_(o, "{\"kind\":\"");
			str(o, kind);
			puts_(o, "\",\"value\":\"");
			text(o, (const char *)c->val, vn);
			puts_(o, "\"}");
		} else if (o->fmt == GD_EXPORT_CSV) {
			cf(o, "identifier", false);
			for (int i = 0; i < 2; i++)
				cf(o, "", false);
			cf(o, kind, false);
			for (int i = 0; i < 7; i++)
				cf(o, "", false);
			gd__buf_csv(&o->b, (const char *)c->val, vn, GD__CSV_ALWAYS | GD__CSV_NEUTRALISE);
			puts_(o, "\r\n");
		} else {
			puts_(o, "<tr>");
			hc(o, kind);
			puts_(o, "<td>");
			text(o, (const char *)c->val, vn);
			puts_(o, "</td></tr>\n");
		}
		gd__wipe(c->val, vn);
		rc = o->b.rc;
	}
	if (st)
		gd__db_reset(db, st);
	section_close(o);
	return rc;
}

static bool portable(const struct gd__activity *act, const char *source)
{
	return strcmp(source, "subject") == 0 && act &&
	       (act->basis == GD__BASIS_CONSENT || act->basis == GD__BASIS_CONTRACT);
}

static void record_meta_json(struct out *o, const struct gd__activity *act, const char *source,
                             gd_time collected, gd_time updated, int stage, gd_time until,
                             const struct gd__retention *ret)
{
	jkv(o, "activity_name", act ? act->name : NULL);
	puts_(o, ",\"purposes\":[");
	for (size_t i = 0; act && i < act->purposes.n; i++) {
		puts_(o, i ? ",\"" : "\"");
		str(o, act->purposes.v[i]);
		puts_(o, "\"");
	}
	puts_(o, "]");
	jkv(o, "legal_basis", act ? gd__basis_name(act->basis) : NULL);
	jkv(o, "source", source);
	jkt(o, "collected_at", collected);
	jkt(o, "updated_at", updated);
	jkv(o, "stage", stage_name(stage));
	json_parties(o, "recipients", act ? act->recipients : NULL, act ? act->nrecipients : 0);
	json_parties(o, "processors", act ? act->processors : NULL, act ? act->nprocessors : 0);
	puts_(o, ",\"transfers\":[");
	for (size_t i = 0; act && i < act->ntransfers; i++) {
		const struct gd__transfer *t = &act->transfers[i];
		puts_(o, i ? ",{" : "{");
		o->first = true;
		jkv(o, "recipient", t->recipient);
		jkv(o, "country", t->country);
		jkv(o, "safeguard", safeguard_name(t->safeguard));
		jkv(o, "reference", t->reference);
		puts_(o, "}");
	}
	puts_(o, "],\"retention\":{");
	o->first = true;
	jkv(o, "rule", ret ? ret->text : NULL);
	jkv(o, "law", ret ? ret->legal_reference : NULL);
	jkt(o, "until", until);
	puts_(o, "}");
}

static int export_records(struct ctx *c, struct out *o)
{
	gd__store *db = c->a->v->store;
	gd__stmt *st = NULL;
	unsigned char ad[AD_MAX];
	bool first = true;
	int rc = gd__db_query(db, &st,
	                      "SELECT id, activity, category, source, collected_at, updated_at, type, stage, sealed,"
	                      " subject_category, mac FROM records WHERE tenant_id = ? AND subject_id = ? ORDER BY id",
	                      "ii", c->a->tenant_id, c->s.id);
	section_open(o, "records", "Personal data",
	             "Record|Category|Activity|Purposes|Legal basis|Source|Collected|Kept until|Recipients|Transfers|Value");
	while (rc == 0 && (rc = gd__db_step(db, st)) == 1) {
		int64_t id = gd__col_int(db, st, 0);
		const char *activity = gd__col_text(db, st, 1), *category = gd__col_text(db, st, 2),
			   *source = gd__col_text(db, st, 3);
		gd_time collected = gd__col_int(db, st, 4), updated = gd__col_int(db, st, 5);
		int type = (int)gd__col_int(db, st, 6), stage = (int)gd__col_int(db, st, 7);
		const struct gd__activity *act = gd__rights_activity(c->reg, activity);
		size_t macn;
		const void *mac = gd__col_blob(db, st, 10, &macn);
		struct gd__record_fields f = {.id = id, .tenant_id = c->a->tenant_id, .collected_at = collected, .stage = stage, .subject = c->subject, .activity = activity, .category = category, .subject_category = gd__col_text(db, st, 9)};
		if ((rc = gd__record_mac_check(c->a, &f, mac, macn)) < 0)
			break;
		if ((c->flags & GD_EXPORT_PORTABLE) && !portable(act, source))
			continue;
		/* Held as processor: the customer answers for it (forward.c), not this copy. */
		if (gd__rights_held_as_processor(c->reg, activity))
			continue;
		size_t n;
		const void *sealed = gd__col_blob(db, st, 8, &n);
		if (n < GD__SEAL_OVERHEAD) {
			rc = gd__err(GD_ECORRUPT, "record %lld is truncated", (long long)id);
			break;
		}
		size_t vn = n - GD__SEAL_OVERHEAD;
		if ((rc = val_room(c, vn)) < 0)
			break;
		if (gd__open(c->val, c->s.key, sealed, n, ad,
		             gd__record_ad(ad, sizeof ad, c->a->tenant_id, c->subject, id, category)) < 0) {
			rc = gd__err(GD_ECORRUPT, "record %lld failed authentication: it was altered or moved",
			             (long long)id);
			break;
		}
		const struct gd__retention *ret = gd__retention_of(act, category);
		gd_time until = gd__retention_end(ret, collected);
		char idb[24];
		snprintf(idb, sizeof idb, "%lld", (long long)id);
		if (o->fmt == GD_EXPORT_JSON) {
			item(o, &first);
			putf(o, "{\"id\":%lld", (long long)id);
			o->first = false;
			jkv(o, "activity", activity);
			jkv(o, "category", category);
			record_meta_json(o, act, source, collected, updated, stage, until, ret);
			puts_(o, ",\"value\":");
			if (type == GD_VALUE_JSON) {
				put(o, c->val, vn); /* validated JSON when stored */
			} else {
				puts_(o, "\"");
				text(o, (const char *)c->val, vn);
				puts_(o, "\"");
			}
			puts_(o, "}");
		} else if (o->fmt == GD_EXPORT_CSV) {
			cf(o, "record", false);
			cf(o, idb, false);
			cf(o, activity, false);
			cf(o, category, false);
			copen(o);
			for (size_t i = 0; act && i < act->purposes.n; i++) {
				if (i)
					puts_(o, " ");
				str(o, act->purposes.v[i]);
			}
			puts_(o, "\",");
			cf(o, act ? gd__basis_name(act->basis) : "", false);
			cf(o, source, false);
			cft(o, collected, false);
			cft(o, until, false);
			copen(o);
			bool any = false;
			if (act) {
				parties_text(o, act->recipients, act->nrecipients, &any);
				parties_text(o, act->processors, act->nprocessors, &any);
			}
			puts_(o, "\",");
			copen(o);
			transfers_text(o, act);
			puts_(o, "\",");
			gd__buf_csv(&o->b, (const char *)c->val, vn, GD__CSV_ALWAYS | GD__CSV_NEUTRALISE);
			puts_(o, "\r\n");
		} else {
			puts_(o, "<tr>");
			hc(o, idb);
			hc(o, category);
			hc(o, act && act->name ? act->name : activity);
			puts_(o, "<td>");
			for (size_t i = 0; act && i < act->purposes.n; i++) {
				if (i)
					puts_(o, ", ");
				str(o, act->purposes.v[i]);
			}
			puts_(o, "</td>");
			hc(o, act ? gd__basis_name(act->basis) : "not stated");
			hc(o, source);
			hct(o, collected);
			puts_(o, "<td>");
			if (until) {
				char d[32];
				gd_date_format(d, until);
				str(o, d);
			}
			if (ret && ret->text) {
				puts_(o, until ? " — " : "");
				str(o, ret->text);
			}
			puts_(o, "</td><td>");
			bool any = false;
			if (act) {
				parties_text(o, act->recipients, act->nrecipients, &any);
				parties_text(o, act->processors, act->nprocessors, &any);
			}
			puts_(o, "</td><td>");
			transfers_text(o, act);
			puts_(o, "</td><td>");
			text(o, (const char *)c->val, vn);
			puts_(o, "</td></tr>\n");
		}
		gd__wipe(c->val, vn);
		rc = o->b.rc;
	}
	if (st)
		gd__db_reset(db, st);
	section_close(o);
	return rc;
}

static const char *event_name(int e)
{
	return e == GD_CONSENT_GIVEN ? "given" : e == GD_CONSENT_RENEWED ? "renewed"
	                                 : e == GD_CONSENT_WITHDRAWN     ? "withdrawn"
	                                                                 : "expired";
}

struct consent_ctx {
	struct out *o;
	bool first;
};

static int consent_row(void *ud, const gd_consent *k)
{
	struct consent_ctx *cc = ud;
	struct out *o = cc->o;
	if (o->fmt == GD_EXPORT_JSON) {
		item(o, &cc->first);
		puts_(o, "{");
		o->first = true;
		jkv(o, "activity", k->activity);
		jkv(o, "event", event_name(k->event));
		jkt(o, "at", k->at);
		jkt(o, "expires_at", k->expires_at);
		jkv(o, "wording_hash", k->text_hash);
		jkv(o, "wording_version", k->text_version);
		jkv(o, "channel", k->channel);
		jkv(o, "source", k->source);
		puts_(o, "}");
	} else if (o->fmt == GD_EXPORT_CSV) {
		cf(o, "consent", false);
		cf(o, "", false);
		cf(o, k->activity, false);
		cf(o, k->channel, false);
		for (int i = 0; i < 3; i++)
			cf(o, "", false);
		cft(o, k->at, false);
		cft(o, k->expires_at, false);
		cf(o, "", false);
		cf(o, k->text_version, false);
		cf(o, event_name(k->event), true);
	} else {
		puts_(o, "<tr>");
		hc(o, k->activity);
		hc(o, event_name(k->event));
		hct(o, k->at);
		hct(o, k->expires_at);
		hc(o, k->channel);
		hc(o, k->text_version);
		puts_(o, "</tr>\n");
	}
	return o->b.rc;
}

static int export_limits(struct ctx *c, struct out *o)
{
	gd__store *db = c->a->v->store;
	gd__stmt *st = NULL;
	bool first = true;
	int rc = gd__db_query(db, &st, "SELECT kind, activity, since FROM subject_limits WHERE tenant_id = ? AND subject_id = ?",
	                      "ii", c->a->tenant_id, c->s.id);
	section_open(o, "limits", "Restrictions and objections", "Kind|Activity|Since");
	while (rc == 0 && (rc = gd__db_step(db, st)) == 1) {
		const char *kind = gd__col_int(db, st, 0) == GD__LIMIT_RESTRICTION ? "restriction" : "objection";
		const char *act = gd__col_text(db, st, 1);
		gd_time since = gd__col_int(db, st, 2);
		if (o->fmt == GD_EXPORT_JSON) {
			item(o, &first);
			puts_(o, "{");
			o->first = true;
			jkv(o, "kind", kind);
			jkv(o, "activity", *act ? act : NULL);
			jkt(o, "since", since);
			puts_(o, "}");
		} else if (o->fmt == GD_EXPORT_CSV) {
			cf(o, "limit", false);
			cf(o, "", false);
			cf(o, act, false);
			for (int i = 0; i < 4; i++)
				cf(o, "", false);
			cft(o, since, false);
			for (int i = 0; i < 3; i++)
				cf(o, "", false);
			cf(o, kind, true);
		} else {
			puts_(o, "<tr>");
			hc(o, kind);
			hc(o, *act ? act : "all processing");
			hct(o, since);
			puts_(o, "</tr>\n");
		}
		rc = o->b.rc;
	}
	if (st)
		gd__db_reset(db, st);
	section_close(o);
	return rc;
}

struct request_ctx {
	struct out *o;
	const char *subject;
	bool first;
};

static int request_row(void *ud, const gd_request *r)
{
	struct request_ctx *rq = ud;
	struct out *o = rq->o;
	if (strcmp(r->subject, rq->subject) != 0)
		return 0;
	const char *state = gd_request_state_name(r->state);
	char idb[24];
	snprintf(idb, sizeof idb, "%lld", (long long)r->id);
	if (o->fmt == GD_EXPORT_JSON) {
		item(o, &rq->first);
		putf(o, "{\"id\":%lld", (long long)r->id);
		o->first = false;
		jkv(o, "kind", r->kind);
		jkv(o, "state", state);
		jkt(o, "received_at", r->received_at);
		jkt(o, "due_at", r->due_at);
		jkt(o, "closed_at", r->closed_at);
		jkv(o, "reason", *r->reason ? r->reason : NULL);
		puts_(o, "}");
	} else if (o->fmt == GD_EXPORT_CSV) {
		cf(o, "request", false);
		cf(o, idb, false);
		cf(o, r->activity, false);
		cf(o, r->kind, false);
		for (int i = 0; i < 3; i++)
			cf(o, "", false);
		cft(o, r->received_at, false);
		cft(o, r->due_at, false);
		cf(o, "", false);
		cf(o, r->reason, false);
		cf(o, state, true);
	} else {
		puts_(o, "<tr>");
		hc(o, idb);
		hc(o, r->kind);
		hc(o, state);
		hct(o, r->received_at);
		hct(o, r->due_at);
		hc(o, r->reason);
		puts_(o, "</tr>\n");
	}
	return o->b.rc;
}

static const char HTML_HEAD[] =
	"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	"<title>Your personal data</title><style>"
	"body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
	"table{border-collapse:collapse;margin-bottom:2em}"
	"th,td{border:1px solid #bbb;padding:.3em .6em;text-align:left;vertical-align:top}"
	"th{background:#eee}</style></head><body>\n";

static void header(struct ctx *c, struct out *o)
{
	char now[32];
	gd_time_format(now, gd_vault_now(c->a->v));
	const struct gd__register *r = c->reg;
	if (o->fmt == GD_EXPORT_JSON) {
		puts_(o, "{");
		o->first = true;
		jkv(o, "subject", c->subject);
		jkv(o, "tenant", c->a->tenant);
		jkv(o, "generated_at", now);
		putf(o, ",\"portable\":%s", (c->flags & GD_EXPORT_PORTABLE) ? "true" : "false");
		puts_(o, ",\"controller\":{");
		o->first = true;
		jkv(o, "name", r ? r->controller.name : NULL);
		jkv(o, "address", r ? r->controller.address : NULL);
		jkv(o, "dpo", r ? r->dpo.email : NULL);
		jkv(o, "rights_contact", r ? r->rights_contact : NULL);
		jkv(o, "authority", r ? r->authority.name : NULL);
		puts_(o, "}");
	} else if (o->fmt == GD_EXPORT_CSV) {
		puts_(o, "section,id,activity,category,purposes,legal_basis,source,date,until,recipients,transfers,value\r\n");
	} else {
		puts_(o, HTML_HEAD);
		puts_(o, "<h1>");
		puts_(o, (c->flags & GD_EXPORT_PORTABLE) ? "Data you provided" : "Personal data held about you");
		puts_(o, "</h1>\n<p>Reference ");
		str(o, c->subject);
		puts_(o, ", produced ");
		str(o, now);
		if (r && r->controller.name) {
			puts_(o, " by ");
			str(o, r->controller.name);
		}
		puts_(o, ".");
		if (r && r->dpo.email) {
			puts_(o, " Data protection officer: ");
			str(o, r->dpo.email);
			puts_(o, ".");
		}
		if (r && r->authority.name) {
			puts_(o, " You may complain to ");
			str(o, r->authority.name);
			puts_(o, ".");
		}
		puts_(o, "</p>\n");
	}
}

int gd_rights_export(gd_actor *a, const char *subject, enum gd_export_format fmt, unsigned flags,
                     gd_write_cb w, void *ud)
{
	static const char *const fmt_names[] = {"json", "csv", "html"};
	struct ctx c = {.a = a, .subject = subject, .flags = flags};
	struct out o = {.w = w, .ud = ud, .fmt = fmt};
	gd_vault *v = a->v;
	int rc, given = 0;

	if ((unsigned)fmt > GD_EXPORT_HTML || !w)
		return gd__err(GD_EINVAL, "export format must be JSON, CSV or HTML, with a writer");
	if (flags & ~GD_EXPORT_PORTABLE)
		return gd__err(GD_EINVAL, "unknown export flags %#x", flags & ~GD_EXPORT_PORTABLE);
	if ((rc = gd__rights_register(a, &c.reg)) < 0)
		return rc;
	unsigned char *mem = gd__secure_alloc(OUT_CAP);
	if (!mem)
		return gd__err(GD_ENOMEM, "out of secure memory");
	gd__buf_init_stream(&o.b, mem, OUT_CAP, to_writer, &o);
	if ((rc = gd__op_begin_read(v)) < 0)
		goto free;
	if ((rc = gd__subject_load(a, &c.s, subject, true)) < 0)
		goto done;
	c.subject = c.s.pseudonym;
	header(&c, &o);
	rc = export_identifiers(&c, &o);
	if (rc == 0)
		rc = export_records(&c, &o);
	if (rc == 0 && !(flags & GD_EXPORT_PORTABLE)) {
		struct consent_ctx cc = {&o, true};
		section_open(&o, "consents", "Consents", "Activity|Event|Date|Expires|Channel|Wording version");
		rc = gd__consent_history(a, c.s.id, c.subject, consent_row, &cc);
		section_close(&o);
		if (rc == 0)
			rc = export_limits(&c, &o);
		struct request_ctx rq = {&o, subject, true};
		section_open(&o, "requests", "Your requests", "Request|Kind|State|Received|Due|Reason");
		if (rc == 0)
			rc = gd__request_list_subject(a, subject, request_row, &rq);
		section_close(&o);
	}
	if (rc == 0) {
		if (fmt == GD_EXPORT_JSON)
			puts_(&o, "}\n");
		else if (fmt == GD_EXPORT_HTML)
			puts_(&o, "</body></html>\n");
		rc = gd__buf_flush(&o.b);
	}
	/* Stopped by the caller's writer: what it took was read. */
	given = rc < 0 && o.stopped ? rc : 0;
	if (rc == 0 || given)
		rc = gd__audit_actor(a, &(struct gd__audit_event){
						.action = (flags & GD_EXPORT_PORTABLE) ? "rights.export.portable"
		                                                                       : "rights.export",
						.subject = subject,
						.category = fmt_names[fmt],
						.outcome = given ? GD__FAILED : GD__OK});
done:
	rc = gd__op_end_given(v, rc, given);
free:
	gd__buf_release(&o.b);
	gd__wipe(mem, OUT_CAP);
	gd__secure_free(mem);
	gd__secure_free(c.val);
	gd__wipe(&c.s, sizeof c.s);
	return rc;
}

int gd_request_export(gd_actor *a, int64_t id, enum gd_export_format fmt, gd_write_cb w, void *ud,
                      int64_t *out_copy, bool *out_charged)
{
	const struct gd__register *reg;
	gd_request r;
	gd_vault *v = a->v;
	int rc;

	if (out_copy)
		*out_copy = 0;
	if (out_charged)
		*out_charged = false;
	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	if ((rc = gd_request_get(a, &r, id)) < 0)
		goto done;
	bool port = strcmp(r.kind, "portability") == 0;
	if (!port && strcmp(r.kind, "access") != 0) {
		rc = gd__err(GD_EINVAL, "request %lld is a request of %s: only access and portability requests have an export",
		             (long long)id, r.kind);
		goto done;
	}
	if (r.state == GD_REQUEST_COMPLETED || r.state == GD_REQUEST_REFUSED) {
		rc = gd__err(GD_ESTATE, "request %lld is already %s", (long long)id, gd_request_state_name(r.state));
		goto done;
	}
	if (!r.identity_at) {
		rc = gd__err(GD_ESTATE,
		             "request %lld: the subject's identity is not verified yet; record it first (gardien request verify)",
		             (long long)id);
		goto done;
	}
	if (port && fmt == GD_EXPORT_HTML) {
		rc = gd__err(GD_EINVAL, "portability is answered in a machine-readable format: use JSON or CSV");
		goto done;
	}
	if ((rc = gd__db_exec(v->store, "UPDATE requests SET copies = copies + 1 WHERE tenant_id = ? AND id = ?", "ii",
	                      a->tenant_id, id)) < 0)
		goto done;
	/* Copies count over all the subject's access requests: the register may charge further ones. */
	int64_t copies = 0;
	if ((rc = gd__db_int(v->store, &copies,
	                     "SELECT coalesce(sum(copies), 0) FROM requests WHERE tenant_id = ? AND subject = ?"
	                     " AND kind = ?",
	                     "itt", a->tenant_id, r.subject, r.kind)) < 0)
		goto done;
	if ((rc = gd__rights_register(a, &reg)) < 0)
		goto done;
	const struct gd__right *right = gd__rights_right(reg, r.kind);
	bool charged = copies > 1 && right && right->extra_copies_charged;
	if (r.state == GD_REQUEST_VERIFIED) {
		/* Delivering the copy is working on the request. */
		int64_t seq = 0;
		rc = gd__db_int(v->store, &seq,
		                "SELECT coalesce(max(seq), 0) + 1 FROM request_steps WHERE tenant_id = ? AND request_id = ?",
		                "ii", a->tenant_id, id);
		if (rc == 0)
			rc = gd__db_exec(v->store,
			                 "INSERT INTO request_steps (request_id, seq, at, principal, state, note, tenant_id)"
			                 " VALUES (?, ?, ?, ?, ?, ?, ?)",
			                 "iiititi", id, seq, (int64_t)gd_vault_now(v), a->principal,
			                 (int64_t)GD_REQUEST_IN_PROGRESS, "copy delivered", a->tenant_id);
		if (rc == 0)
			rc = gd__db_exec(v->store, "UPDATE requests SET state = ? WHERE tenant_id = ? AND id = ?", "iii",
			                 (int64_t)GD_REQUEST_IN_PROGRESS, a->tenant_id, id);
	}
	if (rc == 0)
		rc = gd_rights_export(a, r.subject, fmt, port ? GD_EXPORT_PORTABLE : 0, w, ud);
	char why[64];
	snprintf(why, sizeof why, "copy %lld%s", (long long)copies, charged ? " (may be charged)" : "");
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){
						.action = "request.export", .purpose = r.kind, .subject = r.subject, .record_id = id, .reason = why});
	if (rc == 0) {
		if (out_copy)
			*out_copy = copies;
		if (out_charged)
			*out_charged = charged;
	}
done:
	return gd__op_end(v, rc);
}
