/*
 * breach.c — the breach register (GDPR Art. 33 and 34).
 *
 * A breach row holds what Art. 33(3) asks the notification to contain, the
 * 72-hour clock (counted from detected_at, shown at the vault's clock), the
 * decisions taken (notified, late with reasons, not notifiable with reasons,
 * subjects informed), and the last scope computed from the audit trail.
 * Every change is audited in the same operation, and rows are never deleted
 * (a storage trigger refuses it too). Texts are the DPO's; they are bounded
 * and must be UTF-8, and drafts escape them for HTML.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/breach/breach.h"
#include "lib/internal.h"
#include "lib/po/po.h"
#include "lib/register/register.h"
#include "util/utf8.h"

static int check_text(const char *s, const char *what, bool required)
{
	if (!s || !*s)
		return required ? gd__err(GD_EINVAL, "the breach's %s is missing", what) : 0;
	size_t n = strlen(s);
	if (n > GD_BREACH_TEXT_MAX)
		return gd__err(GD_ETOOBIG, "the breach's %s is over %d bytes", what, GD_BREACH_TEXT_MAX);
	if (!gd__utf8_valid(s, n))
		return gd__err(GD_EINVAL, "the breach's %s is not valid UTF-8 text", what);
	return 0;
}

static int check_nature(const char *s)
{
	int rc = check_text(s, "nature", true);
	if (rc < 0)
		return rc;
	for (const char *p = s; *p;) {
		size_t n = strcspn(p, ",");
		const char *kinds[] = {"confidentiality", "integrity", "availability"};
		bool ok = false;
		for (int i = 0; i < 3; i++)
			ok = ok || (strlen(kinds[i]) == n && strncmp(p, kinds[i], n) == 0);
		if (!ok)
			return gd__err(GD_EINVAL,
			               "breach nature \"%.*s\" is not confidentiality, integrity or availability"
			               " (several may be given, separated by commas)",
			               (int)(n > 40 ? 40 : n), p);
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* A language the drafts can be written in: one with a catalogue (po/<language>.po). */
static int check_language(const char *s)
{
	const struct gd__po *po;
	if (s && (strlen(s) > 7 || gd__po_get(&po, s) < 0))
		return gd__err(GD_EINVAL, "breach language \"%.8s\" is not supported: use one with a "
		                          "catalogue in po/ (fr, en)",
		               s);
	return 0;
}

static int check_spec(const gd_breach_spec *s, bool create)
{
	int rc;
	if (!s || s->version != GD_BREACH_SPEC_VERSION)
		return gd__err(GD_EINVAL, "gd_breach_spec is missing or of an unsupported version");
	if ((create || s->nature) && (rc = check_nature(s->nature)) < 0)
		return rc;
	const struct {
		const char *v, *name;
		bool required;
	} texts[] = {
		{s->description, "description", create},
		{s->data_categories, "data categories", false},
		{s->subject_categories, "subject categories", false},
		{s->consequences, "likely consequences", false},
		{s->measures_taken, "measures taken", false},
		{s->measures_proposed, "measures proposed", false},
		{s->contact, "contact point", false},
		{s->controller, "controller", false},
	};
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
		if ((rc = check_text(texts[i].v, texts[i].name, texts[i].required)) < 0)
			return rc;
	if ((rc = check_language(s->language)) < 0)
		return rc;
	if (s->detected_at < 0 || s->started_at < 0 || s->ended_at < 0)
		return gd__err(GD_EINVAL, "breach times must not be negative");
	if (s->started_at && s->ended_at && s->ended_at < s->started_at)
		return gd__err(GD_EINVAL, "the breach ends before it starts: check its start and end (started_at, ended_at)");
	return 0;
}

static int audit_breach(gd_actor *a, const char *action, int64_t id, const char *what)
{
	char why[160];
	snprintf(why, sizeof why, "breach %lld%s%s", (long long)id, what ? ": " : "", what ? what : "");
	return gd__audit_actor(a, &(struct gd__audit_event){.action = action, .reason = why});
}

/*
 * What the breach does not say is taken from the tenant's register: the
 * controller's name, its DPO as the contact point, and its language when it
 * is one the drafts are written in.
 */
static int from_register(gd_actor *a, gd_breach_spec *s, char *contact, size_t cap)
{
	const struct gd__register *r = NULL;
	int rc = gd__register_current(a, &r);
	if (rc < 0 || !r)
		return rc;
	if (!s->controller)
		s->controller = r->controller.name;
	if (!s->contact && (r->dpo.name || r->dpo.email)) {
		snprintf(contact, cap, "%s%s%s", r->dpo.name ? r->dpo.name : "",
		         r->dpo.name && r->dpo.email ? ", " : "", r->dpo.email ? r->dpo.email : "");
		s->contact = contact;
	}
	const char *lang = r->controller.language;
	if (!s->language && lang && (strncmp(lang, "fr", 2) == 0 || strncmp(lang, "en", 2) == 0))
		s->language = strncmp(lang, "fr", 2) == 0 ? "fr" : "en";
	return 0;
}

int gd_breach_record(gd_actor *a, int64_t *out_id, const gd_breach_spec *given)
{
	gd_vault *v = a->v;
	int64_t id = 0;
	char contact[512];
	int rc = check_spec(given, true);
	if (rc < 0)
		return rc;
	gd_breach_spec copy = *given, *spec = &copy;
	if ((rc = from_register(a, spec, contact, sizeof contact)) < 0 ||
	    (rc = check_spec(spec, true)) < 0)
		return rc;
	gd_time now = gd_vault_now(v), detected = spec->detected_at ? spec->detected_at : now;
	if (detected > now)
		return gd__err(GD_EINVAL, "the breach is detected in the future: check when it was detected (detected_at)");
	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	rc = gd__db_next_id(v->store, GD__COUNTER_BREACHES, &id);
	if (rc == 0)
		rc = gd__db_exec(v->store,
		                 "INSERT INTO breaches (id, tenant_id, detected_at, recorded_at, started_at,"
		                 " ended_at, nature, description, data_categories, subject_categories,"
		                 " approx_subjects, approx_records, consequences, measures_taken,"
		                 " measures_proposed, contact, controller, language, high_risk)"
		                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		                 "iiiiiittttiitttttti", id,
		                 a->tenant_id, (int64_t)detected, (int64_t)now, (int64_t)spec->started_at,
		                 (int64_t)spec->ended_at, spec->nature, spec->description,
		                 spec->data_categories, spec->subject_categories,
		                 (int64_t)(spec->approx_subjects < 0 ? -1 : spec->approx_subjects),
		                 (int64_t)(spec->approx_records < 0 ? -1 : spec->approx_records),
		                 spec->consequences, spec->measures_taken, spec->measures_proposed,
		                 spec->contact, spec->controller, spec->language ? spec->language : "en",
		                 (int64_t)(spec->high_risk ? 1 : 0));
	if (rc == 0)
		rc = audit_breach(a, "breach.record", id, spec->nature);
	rc = gd__op_end(v, rc);
	if (rc == 0 && out_id)
		*out_id = id;
	return rc;
}

/* Fails with GD_ENOTFOUND unless breach `id` belongs to the actor's tenant. */
static int own(gd_actor *a, int64_t id)
{
	int64_t one;
	int rc = gd__db_int(a->v->store, &one, "SELECT 1 FROM breaches WHERE id = ? AND tenant_id = ?",
	                    "ii", id, a->tenant_id);
	if (rc == GD_ENOTFOUND)
		return gd__err(GD_ENOTFOUND, "no breach %lld in tenant %s: see 'gardien breach list'",
		               (long long)id, a->tenant);
	return rc;
}

int gd_breach_update(gd_actor *a, int64_t id, const gd_breach_spec *spec)
{
	gd_vault *v = a->v;
	int rc = check_spec(spec, false);
	if (rc < 0)
		return rc;
	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	if ((rc = own(a, id)) < 0)
		goto done;
	/* coalesce keeps what a NULL leaves unsaid; times and counts use their "unknown" marks. */
	rc = gd__db_exec(v->store,
	                 "UPDATE breaches SET"
	                 " detected_at = CASE WHEN ? > 0 THEN ? ELSE detected_at END,"
	                 " started_at = CASE WHEN ? > 0 THEN ? ELSE started_at END,"
	                 " ended_at = CASE WHEN ? > 0 THEN ? ELSE ended_at END,"
	                 " nature = coalesce(?, nature), description = coalesce(?, description),"
	                 " data_categories = coalesce(?, data_categories),"
	                 " subject_categories = coalesce(?, subject_categories),"
	                 " approx_subjects = CASE WHEN ? >= 0 THEN ? ELSE approx_subjects END,"
	                 " approx_records = CASE WHEN ? >= 0 THEN ? ELSE approx_records END,"
	                 " consequences = coalesce(?, consequences),"
	                 " measures_taken = coalesce(?, measures_taken),"
	                 " measures_proposed = coalesce(?, measures_proposed),"
	                 " contact = coalesce(?, contact), controller = coalesce(?, controller),"
	                 " language = coalesce(?, language),"
	                 " high_risk = CASE WHEN ? > 0 THEN 1 ELSE high_risk END"
	                 " WHERE id = ? AND tenant_id = ?",
	                 "iiiiiittttiiiittttttiii", (int64_t)spec->detected_at,
	                 (int64_t)spec->detected_at, (int64_t)spec->started_at,
	                 (int64_t)spec->started_at, (int64_t)spec->ended_at, (int64_t)spec->ended_at,
	                 spec->nature, spec->description, spec->data_categories,
	                 spec->subject_categories, (int64_t)spec->approx_subjects,
	                 (int64_t)spec->approx_subjects, (int64_t)spec->approx_records,
	                 (int64_t)spec->approx_records, spec->consequences, spec->measures_taken,
	                 spec->measures_proposed, spec->contact, spec->controller, spec->language,
	                 (int64_t)spec->high_risk, id, a->tenant_id);
	if (rc == 0)
		rc = audit_breach(a, "breach.update", id, NULL);
done:
	return gd__op_end(v, rc);
}

#define BREACH_COLUMNS \
	"id, detected_at, recorded_at, started_at, ended_at, nature, description, data_categories," \
	" subject_categories, approx_subjects, approx_records, consequences, measures_taken," \
	" measures_proposed, contact, controller, language, high_risk, notified_at, delay_reason," \
	" informed_at, no_notice_reason, scope_from, scope_to, scope_principal, scope_activity," \
	" scoped_subjects, scoped_records, scoped_categories"

void gd_breach_free(gd_breach *b)
{
	if (!b)
		return;
	char **s[] = {&b->nature, &b->description, &b->data_categories, &b->subject_categories,
	              &b->consequences, &b->measures_taken, &b->measures_proposed, &b->contact,
	              &b->controller, &b->delay_reason, &b->no_notice_reason, &b->scope_principal,
	              &b->scope_activity, &b->scoped_categories};
	for (size_t i = 0; i < sizeof s / sizeof *s; i++)
		gd__free(*s[i]);
	gd__free(b);
}

static void clock(gd_breach *b, gd_time now)
{
	b->deadline = b->detected_at + GD_BREACH_DEADLINE;
	b->seconds_left = b->deadline - now;
	b->controllers_deadline = b->detected_at + GD_BREACH_PROCESSOR_DEADLINE;
	b->controllers_status = "none"; /* gd_breach_get fills it (breach_controllers.c) */
	if (b->notified_at)
		b->status = b->notified_at > b->deadline ? "notified-late" : "notified";
	else if (b->no_notice_reason)
		b->status = "not-notified";
	else
		b->status = b->seconds_left >= 0 ? "open" : "overdue";
}

static int row_breach(gd_vault *v, gd__stmt *st, gd_breach **out)
{
	gd__store *db = v->store;
	gd_breach *b = gd__calloc(1, sizeof *b);
	if (!b)
		return gd__err(GD_ENOMEM, "out of memory");
	struct {
		int col;
		char **dst;
	} texts[] = {{5, &b->nature}, {6, &b->description}, {7, &b->data_categories}, {8, &b->subject_categories}, {11, &b->consequences}, {12, &b->measures_taken}, {13, &b->measures_proposed}, {14, &b->contact}, {15, &b->controller}, {19, &b->delay_reason}, {21, &b->no_notice_reason}, {24, &b->scope_principal}, {25, &b->scope_activity}, {28, &b->scoped_categories}};
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
		const char *t = gd__col_text(db, st, texts[i].col);
		if (t && !(*texts[i].dst = gd__strdup(t))) {
			gd_breach_free(b);
			return gd__err(GD_ENOMEM, "out of memory");
		}
	}
	b->id = gd__col_int(db, st, 0);
	b->detected_at = gd__col_int(db, st, 1);
	b->recorded_at = gd__col_int(db, st, 2);
	b->started_at = gd__col_int(db, st, 3);
	b->ended_at = gd__col_int(db, st, 4);
	b->approx_subjects = gd__col_int(db, st, 9);
	b->approx_records = gd__col_int(db, st, 10);
	const char *lang = gd__col_text(db, st, 16);
	snprintf(b->language, sizeof b->language, "%s", lang ? lang : "en");
	b->high_risk = (int)gd__col_int(db, st, 17);
	b->notified_at = gd__col_int(db, st, 18);
	b->subjects_informed_at = gd__col_int(db, st, 20);
	b->scope_from = gd__col_int(db, st, 22);
	b->scope_to = gd__col_int(db, st, 23);
	b->scoped_subjects = gd__col_int(db, st, 26);
	b->scoped_records = gd__col_int(db, st, 27);
	clock(b, gd_vault_now(v));
	*out = b;
	return 0;
}

int gd_breach_get(gd_actor *a, gd_breach **out, int64_t id)
{
	gd__stmt *st;
	*out = NULL;
	int rc = gd__db_query(a->v->store, &st,
	                      "SELECT " BREACH_COLUMNS " FROM breaches WHERE id = ? AND tenant_id = ?",
	                      "ii", id, a->tenant_id);
	if (rc < 0)
		return rc;
	rc = gd__db_step(a->v->store, st);
	if (rc == 1)
		rc = row_breach(a->v, st, out);
	else if (rc == 0)
		rc = gd__err(GD_ENOTFOUND, "no breach %lld in tenant %s: see 'gardien breach list'",
		             (long long)id, a->tenant);
	gd__db_reset(a->v->store, st);
	if (rc == 0 && (rc = gd__breach_controllers_clock(a, *out)) < 0) {
		gd_breach_free(*out);
		*out = NULL;
	}
	return rc;
}

int gd_breach_list(gd_actor *a, int (*cb)(void *ud, const gd_breach *b), void *ud)
{
	gd__stmt *st;
	int rc = gd__db_query(a->v->store, &st,
	                      "SELECT " BREACH_COLUMNS " FROM breaches WHERE tenant_id = ?"
	                      " ORDER BY detected_at DESC, id DESC",
	                      "i", a->tenant_id);
	if (rc < 0)
		return rc;
	while ((rc = gd__db_step(a->v->store, st)) == 1) {
		gd_breach *b;
		if ((rc = row_breach(a->v, st, &b)) < 0)
			break;
		rc = cb(ud, b);
		gd_breach_free(b);
		if (rc != 0)
			break;
	}
	gd__db_reset(a->v->store, st);
	return rc;
}

int gd_breach_notify(gd_actor *a, int64_t id, gd_time at, const char *delay_reason)
{
	gd_vault *v = a->v;
	gd_breach *b = NULL;
	int rc = check_text(delay_reason, "reason for the delay", false);
	if (rc < 0)
		return rc;
	if (!at)
		at = gd_vault_now(v);
	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	if ((rc = gd_breach_get(a, &b, id)) < 0)
		goto done;
	if (b->notified_at) {
		rc = gd__err(GD_ESTATE, "breach %lld was already notified: correct it with 'gardien breach update'",
		             (long long)id);
		goto done;
	}
	if (at < b->detected_at) {
		rc = gd__err(GD_EINVAL, "the notification cannot come before the detection of the breach");
		goto done;
	}
	bool late = at > b->detected_at + GD_BREACH_DEADLINE;
	if (late && (!delay_reason || !*delay_reason)) {
		rc = gd__err(GD_EINVAL,
		             "breach %lld is notified %lld hours after its detection, past the 72 hours of"
		             " Art. 33(1): give the reasons for the delay (delay_reason)",
		             (long long)id, (long long)((at - b->detected_at) / 3600));
		goto done;
	}
	rc = gd__db_exec(v->store,
	                 "UPDATE breaches SET notified_at = ?, delay_reason = ? WHERE id = ? AND tenant_id = ?",
	                 "itii", (int64_t)at, late ? delay_reason : NULL, id, a->tenant_id);
	if (rc == 0)
		rc = audit_breach(a, "breach.notify", id, late ? "late, with reasons" : "within 72 hours");
done:
	gd_breach_free(b);
	return gd__op_end(v, rc);
}

int gd_breach_inform_subjects(gd_actor *a, int64_t id, gd_time at)
{
	gd_vault *v = a->v;
	int rc = gd__op_begin(v);
	if (rc < 0)
		return rc;
	if ((rc = own(a, id)) == 0)
		rc = gd__db_exec(v->store, "UPDATE breaches SET informed_at = ? WHERE id = ? AND tenant_id = ?",
		                 "iii", (int64_t)(at ? at : gd_vault_now(v)), id, a->tenant_id);
	if (rc == 0)
		rc = audit_breach(a, "breach.inform", id, "subjects informed (Art. 34)");
	return gd__op_end(v, rc);
}

int gd_breach_no_notice(gd_actor *a, int64_t id, const char *reason)
{
	gd_vault *v = a->v;
	int rc = check_text(reason, "reason for not notifying", true);
	if (rc < 0)
		return rc;
	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	if ((rc = own(a, id)) == 0)
		rc = gd__db_exec(v->store,
		                 "UPDATE breaches SET no_notice_reason = ? WHERE id = ? AND tenant_id = ?",
		                 "tii", reason, id, a->tenant_id);
	if (rc == 0)
		rc = audit_breach(a, "breach.no-notice", id, "notification judged not required");
	return gd__op_end(v, rc);
}

/* ---- scope ------------------------------------------------------------------ */

/* What counts as personal data read or taken out: successful reads and exports. */
struct scope_filter {
	gd__store *db;
	gd_time from, to;
	const gd_breach_scope_spec *spec;
};

/* Copies the entries in scope into breach_scope_entries, where SQL counts them. */
static int scope_entry(void *ud, const struct gd__audit_entry *e, const void *hash, size_t n,
                       const unsigned char prev[GD__HASH_SIZE])
{
	const struct scope_filter *f = ud;
	if (e->at < f->from || e->at >= f->to || e->outcome != GD_AUDIT_OK || !e->action ||
	    (strcmp(e->action, "record.get") != 0 && !strstr(e->action, "export")) ||
	    (f->spec->principal && (!e->principal || strcmp(e->principal, f->spec->principal) != 0)) ||
	    (f->spec->activity && (!e->purpose || strcmp(e->purpose, f->spec->activity) != 0)))
		return 0;
	/* Only a record read names a record and its data category: an export's entry
	 * carries its format (json, csv, html) as category and a request's id as
	 * record, neither of which is personal data of a category. */
	bool read = strcmp(e->action, "record.get") == 0;
	return gd__db_exec(f->db,
	                   "INSERT INTO breach_scope_entries (subject, record_id, category) VALUES (?, ?, ?)",
	                   "tit", e->subject, read ? e->record_id : 0, read ? e->category : NULL);
}

#define SCOPE_RECORDS "count(DISTINCT CASE WHEN record_id > 0 THEN record_id END)"

int gd_breach_scope(gd_actor *a, int64_t breach_id, const gd_breach_scope_spec *spec,
                    gd_breach_scope_result *out, gd_breach_scope_cb cb, void *ud)
{
	gd_vault *v = a->v;
	gd__store *db = v->store;
	gd__stmt *st = NULL;
	char cats[2048] = "";
	size_t clen = 0;
	int rc;

	memset(out, 0, sizeof *out);
	if (!spec || spec->version != GD_BREACH_SCOPE_VERSION)
		return gd__err(GD_EINVAL, "gd_breach_scope_spec is missing or of an unsupported version");
	if ((spec->principal && (rc = gd__check_name(spec->principal, "principal")) < 0) ||
	    (spec->activity && (rc = gd__check_name(spec->activity, "activity")) < 0))
		return rc;
	gd_time from = spec->from, to = spec->to ? spec->to : gd_vault_now(v) + 1;
	if (to <= from)
		return gd__err(GD_EINVAL, "the scope window ends before it starts: check its bounds (from, to)");
	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	if (breach_id > 0 && (rc = own(a, breach_id)) < 0)
		goto done;
	struct scope_filter filter = {db, from, to, spec};
	struct gd__audit_walk w = {.entry = scope_entry, .cp = NULL, .ud = &filter};
	if ((rc = gd__db_exec(db, "DELETE FROM breach_scope_entries", NULL)) < 0 ||
	    (rc = gd__audit_walk(v, a->tenant_id, &w)) < 0)
		goto done;
	rc = gd__db_query(db, &st,
	                  "SELECT count(*), count(DISTINCT subject), " SCOPE_RECORDS ","
	                  " count(DISTINCT category) FROM breach_scope_entries",
	                  NULL);
	if (rc < 0)
		goto done;
	if ((rc = gd__db_step(db, st)) == 1) {
		out->accesses = gd__col_int(db, st, 0);
		out->subjects = gd__col_int(db, st, 1);
		out->records = gd__col_int(db, st, 2);
		out->categories = gd__col_int(db, st, 3);
		rc = 0;
	}
	gd__db_reset(db, st), st = NULL;
	if (rc < 0)
		goto done;
	rc = gd__db_query(db, &st,
	                  "SELECT category, count(DISTINCT subject), " SCOPE_RECORDS ", count(*)"
	                  " FROM breach_scope_entries WHERE category IS NOT NULL"
	                  " GROUP BY category ORDER BY category",
	                  NULL);
	while (rc == 0 && (rc = gd__db_step(db, st)) == 1) {
		const char *name = gd__col_text(db, st, 0);
		size_t n = strlen(name);
		if (clen + n + 2 < sizeof cats) {
			memcpy(cats + clen, clen ? ", " : "", clen ? 2 : 0);
			clen += clen ? 2 : 0;
			memcpy(cats + clen, name, n + 1);
			clen += n;
		}
		rc = cb ? cb(ud, GD_BREACH_SCOPE_CATEGORY, name, gd__col_int(db, st, 1),
		             gd__col_int(db, st, 2), gd__col_int(db, st, 3))
		        : 0;
	}
	if (st)
		gd__db_reset(db, st), st = NULL;
	if (rc != 0)
		goto done;
	if (cb) {
		rc = gd__db_query(db, &st,
		                  "SELECT subject, " SCOPE_RECORDS ", count(*) FROM breach_scope_entries"
		                  " WHERE subject IS NOT NULL GROUP BY subject ORDER BY subject",
		                  NULL);
		while (rc == 0 && (rc = gd__db_step(db, st)) == 1)
			rc = cb(ud, GD_BREACH_SCOPE_SUBJECT, gd__col_text(db, st, 0), 0,
			        gd__col_int(db, st, 1), gd__col_int(db, st, 2));
		if (st)
			gd__db_reset(db, st), st = NULL;
		if (rc != 0)
			goto done; /* an error, or the callback stopped */
	}
	if (breach_id > 0) {
		rc = gd__db_exec(db,
		                 "UPDATE breaches SET scope_from = ?, scope_to = ?, scope_principal = ?,"
		                 " scope_activity = ?, scoped_subjects = ?, scoped_records = ?,"
		                 " scoped_categories = ? WHERE id = ? AND tenant_id = ?",
		                 "iittiitii", (int64_t)from, (int64_t)to, spec->principal, spec->activity,
		                 out->subjects, out->records, cats, breach_id, a->tenant_id);
	}
	if (rc == 0) {
		char why[160];
		snprintf(why, sizeof why, "breach %lld: %lld subjects, %lld records in the window",
		         (long long)breach_id, (long long)out->subjects, (long long)out->records);
		rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "breach.scope", .reason = why});
	}
done:
	if (rc == 0)
		rc = gd__db_exec(db, "DELETE FROM breach_scope_entries", NULL);
	return gd__op_end(v, rc);
}
