/*
 * retention.c — the retention engine: when each record moves to its next
 * stage (archived, anonymised, deleted), the plan of what will happen, and the
 * sweep that applies what is due.
 *
 * Invariants:
 *  - a record's next transition is a pure function of the register rule that
 *    covers its (activity, category), its stage, its collection time, the
 *    events of its subject and the active holds; retention_due caches it and
 *    every change to an input invalidates the cache (retention.h);
 *  - a rule's period ends with the last second of its last day (Regulation
 *    1182/71: the day of the event is not counted; months by gd_time_add_months);
 *    the transition is due at the first second after it; a zero period is due
 *    at the event itself;
 *  - a sweep batch is one transaction: its transitions, their audit entries
 *    and the rescheduling commit together, after their erasure journal entries
 *    are on disk; memory is a few flat arrays of `batch` rows;
 *  - a record leaves retention_due with its deletion: record.c, the records
 *    table's owner, calls gd__retention_forget (no trigger does: one per row
 *    was a seventh of the sweep); a row whose record is gone all the same is
 *    dropped by the next sweep that reaches it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/retention/retention.h"
#include "lib/rights/rights.h"

int gd__retention_register(gd_actor *a, const struct gd__register **out)
{
	*out = NULL;
	return gd__register_current(a, out);
}

const char *gd_retention_action_name(int action)
{
	switch (action) {
	case GD_RETENTION_ARCHIVE: return "archive";
	case GD_RETENTION_ANONYMISE: return "anonymise";
	case GD_RETENTION_DELETE: return "delete";
	default: return "none";
	}
}

/* ---- rules ---- */

/*
 * The rules covering a category of an activity: those naming it (or a category
 * above it) when there are any, otherwise those for every category. Several
 * rules may cover a record (Wimi's prospection: one counted from the
 * unsubscription of customers, one from the last contact of prospects); they
 * apply together and the earliest transition wins, as each is a maximum.
 */
struct ruleset {
	const struct gd__activity *act;
	const char *subject_category; /* NULL: unknown, every rule's subjects match */
	bool specific;                /* the rules naming the category */
	bool any;                     /* at least one rule covers it */
};

/* A rule naming subject categories covers only records about them (when known). */
static bool subjects_match(const struct gd__retention *r, const char *subject_category)
{
	return !r->subjects.n || !subject_category || gd__category_covered(&r->subjects, subject_category);
}

static bool in_set(const struct ruleset *rs, const struct gd__retention *r, const char *category)
{
	if (!subjects_match(r, rs->subject_category))
		return false;
	return rs->specific ? r->categories.n && gd__category_covered(&r->categories, category) : !r->categories.n;
}

static struct ruleset rules_of(const struct gd__activity *act, const char *category,
                               const char *subject_category)
{
	struct ruleset rs = {act, subject_category, false, false};
	for (size_t i = 0; act && i < act->nretention && !rs.specific; i++) {
		const struct gd__retention *r = &act->retention[i];
		if (r->categories.n && gd__category_covered(&r->categories, category) && subjects_match(r, subject_category))
			rs.specific = rs.any = true;
	}
	for (size_t i = 0; act && i < act->nretention && !rs.any; i++)
		rs.any = !act->retention[i].categories.n && subjects_match(&act->retention[i], subject_category);
	return rs;
}

static int stage_after(enum gd__stage_action a)
{
	return a == GD__STAGE_ARCHIVE ? GD__REC_ARCHIVED : a == GD__STAGE_ANONYMISE ? GD__REC_ANONYMISED
	                                                                            : 3;
}

static gd_time period_end(gd_time base, struct gd__period p)
{
	if (!p.years && !p.months && !p.days)
		return base;
	gd_time t = gd_time_add_months(base, p.years * 12 + p.months) + (gd_time)p.days * 86400;
	return gd_time_end_of_day(t) + 1;
}

/* ---- scheduling ---- */

struct row {
	int64_t id, subject_id, due_at;
	bool gone; /* the record is gone, only its index row is left */
	gd_time collected_at;
	int stage;
	char activity[GD_NAME_MAX + 1];
	char category[GD_NAME_MAX + 1];
	char subject_category[GD_NAME_MAX + 1]; /* "" when not recorded */
	char subject[GD_SUBJECT_ID_SIZE];       /* "" once anonymised */
	char object[GD_NAME_MAX + 1];           /* "" when about the subject as a whole */
};

struct next {
	gd_time due; /* GD__DUE_NEVER / GD__DUE_HELD */
	int action;
	int stage_no; /* index of the stage in its rule */
	const struct gd__retention *rule;
};

#define RULE_CACHE 64
struct ctx {
	gd_actor *a;
	const struct gd__register *reg;
	bool any_holds;
	struct rule_slot {
		bool used;
		char activity[GD_NAME_MAX + 1];
		char category[GD_NAME_MAX + 1];
		char subject_category[GD_NAME_MAX + 1];
		struct ruleset rs;
	} cache[RULE_CACHE];
	const struct rule_slot *last; /* the slot of the previous row: batches repeat keys */
	bool consent_kept;            /* compute_next: a rule's stages wait on a live consent (unless_consent) */
	/* sweep only */
	const struct gd__retention *why_rule; /* the rule `why` was written for */
	char why[160];
	struct del { /* the batch's deletions, applied together */
		const struct row *r;
		const struct gd__retention *rule;
	} * del;
	int64_t *del_ids; /* the same, as sorted ids */
	size_t ndel;
};

static bool same_key(const struct rule_slot *s, const struct row *r)
{
	return strcmp(s->activity, r->activity) == 0 && strcmp(s->category, r->category) == 0 &&
	       strcmp(s->subject_category, r->subject_category) == 0;
}

static uint32_t fnv(uint32_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return (h ^ '\n') * 16777619u;
}

static const struct ruleset *cached_rules(struct ctx *c, const struct row *r)
{
	if (c->last && same_key(c->last, r))
		return &c->last->rs;
	uint32_t h = fnv(fnv(fnv(2166136261u, r->activity), r->category), r->subject_category);
	struct rule_slot *s = &c->cache[h % RULE_CACHE];
	if (!s->used || !same_key(s, r)) {
		s->used = true;
		memcpy(s->activity, r->activity, sizeof s->activity);
		memcpy(s->category, r->category, sizeof s->category);
		memcpy(s->subject_category, r->subject_category, sizeof s->subject_category);
		s->rs = rules_of(gd__register_activity(c->reg, r->activity), r->category,
		                 r->subject_category[0] ? s->subject_category : NULL);
	}
	c->last = s;
	return &s->rs;
}

static int any_active_hold(gd_actor *a, bool *out)
{
	int64_t n = 0;
	int rc = gd__db_int(a->v->store, &n,
	                    "SELECT count(*) FROM holds WHERE tenant_id = ? AND lifted_at IS NULL", "i",
	                    a->tenant_id);
	*out = n > 0;
	return rc;
}

/*
 * When the clock `from` of a record started: collection, or the event of
 * the record's object, or else of its subject (GD_ENOTFOUND: not yet).
 */
static int clock_start(gd_actor *a, const char *from, int64_t subject_id, const char *object,
                       gd_time collected, gd_time *out)
{
	gd__store *db = a->v->store;
	*out = collected;
	if (!from || strcmp(from, "collection") == 0)
		return 0;
	if (!subject_id)
		return GD_ENOTFOUND;
	if (object && *object) {
		int rc = gd__db_int(db, out,
		                    "SELECT at FROM object_events WHERE tenant_id = ? AND subject_id = ? AND object = ?"
		                    " AND name = ?",
		                    "iitt", a->tenant_id, subject_id, object, from);
		if (rc != GD_ENOTFOUND)
			return rc;
	}
	return gd__db_int(db, out, "SELECT at FROM events WHERE tenant_id = ? AND subject_id = ? AND name = ?", "iit",
	                  a->tenant_id, subject_id, from);
}

/*
 * The floor of a record (format 2 "minimum"): the latest end of the minimums
 * of the rules covering it, in *floor (0: none); *pending when one counts
 * from an event not recorded yet (the floor is then unknown and not passed);
 * *rule the rule whose minimum ends last (or is pending).
 */
static int floor_of(gd_actor *a, const struct ruleset *rs, const char *category, int64_t subject_id,
                    const char *object, gd_time collected, gd_time *floor, bool *pending,
                    const struct gd__retention **rule)
{
	*floor = 0, *pending = false, *rule = NULL;
	for (size_t k = 0; rs->any && k < rs->act->nretention; k++) {
		const struct gd__retention *ru = &rs->act->retention[k];
		if (!ru->has_minimum || !in_set(rs, ru, category))
			continue;
		gd_time base;
		int rc = clock_start(a, ru->minimum.from, subject_id, object, collected, &base);
		if (rc == GD_ENOTFOUND) {
			*pending = true, *rule = ru;
			continue;
		}
		if (rc < 0)
			return rc;
		gd_time end = period_end(base, ru->minimum.after);
		if (end > *floor) {
			*floor = end;
			if (!*pending)
				*rule = ru;
		}
	}
	return 0;
}

/*
 * When stage i of `rule` is due for a record, in *due, with its combined clocks
 * (register.h: or_later, or_earlier); GD_ENOTFOUND when no date is known yet:
 * its own event is not recorded (nor, with or_earlier, the other one).
 */
static int stage_due(gd_actor *a, const struct gd__retention *rule, size_t i, int64_t subject_id,
                     const char *object, gd_time collected, gd_time *due)
{
	static const struct gd__stage_clocks none = {0};
	const struct gd__stage *st = &rule->stages[i];
	const struct gd__stage_clocks *ck = rule->clocks ? &rule->clocks[i] : &none;
	gd_time base = 0;
	bool known = false;
	*due = 0;
	int rc = clock_start(a, st->from, subject_id, object, collected, &base);
	if (rc < 0 && rc != GD_ENOTFOUND)
		return rc;
	if (rc == 0)
		*due = period_end(base, st->after), known = true;
	if (ck->or_earlier_from) {
		rc = clock_start(a, ck->or_earlier_from, subject_id, object, collected, &base);
		if (rc < 0 && rc != GD_ENOTFOUND)
			return rc;
		if (rc == 0) {
			gd_time other = period_end(base, ck->or_earlier_after);
			if (!known || other < *due)
				*due = other;
			known = true;
		}
	}
	if (!known)
		return GD_ENOTFOUND;
	bool wait = false;
	if (ck->or_later_from && ck->or_later_when) {
		/* The later clock applies once `when` is recorded, and is then waited for. */
		rc = clock_start(a, ck->or_later_when, subject_id, object, collected, &base);
		if (rc < 0 && rc != GD_ENOTFOUND)
			return rc;
		wait = rc == 0;
		if (!wait)
			return 0;
	}
	if (ck->or_later_from) {
		rc = clock_start(a, ck->or_later_from, subject_id, object, collected, &base);
		if (rc < 0 && rc != GD_ENOTFOUND)
			return rc;
		if (rc == GD_ENOTFOUND && wait)
			return GD_ENOTFOUND;
		if (rc == 0) {
			gd_time other = period_end(base, ck->or_later_after);
			if (other > *due)
				*due = other;
		}
	}
	return 0;
}

/*
 * The exception of a consent on `rule` (register.h, unless_consent): in
 * *until, 0 when none is in force for the subject, the consent's expiry when
 * it is live and expires, GD__DUE_NEVER when it is live with no expiry. A
 * consent given or withdrawn invalidates the subject's due dates (consent.c),
 * so the cached date never outlives the consent it was computed under.
 */
static int consent_exception(struct ctx *c, const struct gd__retention *rule, int64_t subject_id, gd_time *until)
{
	*until = 0;
	if (!rule->unless_consent || !subject_id)
		return 0;
	enum gd_consent_state state;
	gd_time exp = 0;
	int rc = gd__consent_state(c->a, &state, &exp, subject_id, rule->unless_consent);
	if (rc < 0)
		return rc;
	if (state == GD_CONSENT_LIVE)
		*until = exp ? exp : GD__DUE_NEVER;
	return 0;
}

/* The next transition of `r` under the rules `rs` (see the file comment). */
static int compute_next(struct ctx *c, const struct row *r, const struct ruleset *rs, struct next *out)
{
	struct next best = {GD__DUE_NEVER, -1, -1, NULL}, arch = best;
	*out = best;
	c->consent_kept = false;
	/* A minimum holds back the stages that remove the data (anonymise, delete). */
	gd_time floor = 0;
	bool pending = false;
	const struct gd__retention *floor_rule;
	int frc = floor_of(c->a, rs, r->category, r->subject_id, r->object, r->collected_at, &floor, &pending,
	                   &floor_rule);
	if (frc < 0)
		return frc;
	for (size_t k = 0; rs->any && k < rs->act->nretention; k++) {
		const struct gd__retention *rule = &rs->act->retention[k];
		if (!in_set(rs, rule, r->category))
			continue;
		gd_time consent_until = 0;
		int crc = consent_exception(c, rule, r->subject_id, &consent_until);
		if (crc < 0)
			return crc;
		if (consent_until == GD__DUE_NEVER) {
			c->consent_kept = true;
			continue; /* kept while the consent lives: no stage of the rule is due */
		}
		for (size_t i = 0; i < rule->nstages; i++) {
			const struct gd__stage *st = &rule->stages[i];
			if (stage_after(st->action) <= r->stage)
				continue;
			gd_time due = 0;
			int rc = stage_due(c->a, rule, i, r->subject_id, r->object, r->collected_at, &due);
			if (rc == GD_ENOTFOUND)
				continue;
			if (rc < 0)
				return rc;
			if (due < consent_until)
				due = consent_until;
			if (st->action != GD__STAGE_ARCHIVE) {
				if (pending)
					continue;
				if (due < floor)
					due = floor;
			}
			if (due < best.due || (due == best.due && best.rule && (int)st->action > best.action))
				best = (struct next){due, (int)st->action, (int)i, rule};
			if (st->action == GD__STAGE_ARCHIVE && due < arch.due)
				arch = (struct next){due, (int)st->action, (int)i, rule};
		}
	}
	if (!best.rule)
		return 0;
	if (best.action != GD__STAGE_ARCHIVE && c->any_holds) {
		int64_t hold = 0;
		int rc = gd__hold_find(c->a, r->subject_id, r->id, &hold, NULL, 0);
		if (rc < 0)
			return rc;
		if (hold) {
			if (arch.rule)
				*out = arch;
			else
				*out = (struct next){GD__DUE_HELD, best.action, best.stage_no, best.rule};
			return 0;
		}
	}
	*out = best;
	return 0;
}

/*
 * The pair (tenant_id, record_id) is PostgreSQL's key of retention_due: a
 * nested loop probes it per record of the subject, even on statistics older
 * than the table's rows. `tenant_id = ? AND record_id IN (…)` would make
 * SQLite walk the tenant's part of retention_due_at (tenant_id, due_at); the
 * pair keeps its rowid probe (the rowid IN the list, the tenant checked).
 */
int gd__retention_invalidate_subject(gd_vault *v, int64_t tenant_id, int64_t subject_id)
{
	return gd__db_exec(v->store,
	                   "UPDATE retention_due SET due_at = -1 WHERE (tenant_id, record_id) IN"
	                   " (SELECT tenant_id, id FROM records WHERE tenant_id = ? AND subject_id = ?)",
	                   "ii", tenant_id, subject_id);
}

/*
 * The tenant is named so that PostgreSQL reads the range of its key
 * (tenant_id, record_id) and Citus sends the statement to one shard. It is
 * named as CAST(tenant_id AS BIGINT): PostgreSQL's column is a BIGINT, and a
 * cast to its own type is dropped when the statement is parsed, leaving the
 * key's first column; SQLite cannot match the expression to an index, so it
 * keeps the rowid range and checks the tenant on each row. With a plain
 * `tenant_id = ?` SQLite walks the tenant's whole part of retention_due_at
 * (tenant_id, due_at) on every call, a sweep's deletions included.
 */
int gd__retention_forget(gd_vault *v, int64_t tenant_id, int64_t first, int64_t last)
{
	return gd__db_exec(v->store,
	                   "DELETE FROM retention_due WHERE CAST(tenant_id AS BIGINT) = ? AND record_id BETWEEN ? AND ?",
	                   "iii", tenant_id, first, last);
}

int gd__retention_track(gd_vault *v, int64_t record_id, int64_t tenant_id)
{
	/* An upsert: a PostgreSQL vault created before the trigger was dropped
	 * may still have it (the index row is then written twice, the same).
	 * The tenant is never set: a record's never changes, and Citus refuses
	 * an update of the distribution column. */
	return gd__db_exec(v->store,
	                   "INSERT INTO retention_due (record_id, tenant_id, due_at, action, stage_no)"
	                   " VALUES (?, ?, -1, -1, -1) ON CONFLICT (record_id) DO UPDATE SET"
	                   " due_at = -1, action = -1, stage_no = -1",
	                   "ii", record_id, tenant_id);
}

int gd__retention_forget_one(gd_vault *v, int64_t tenant_id, int64_t record_id)
{
	return gd__db_exec(v->store, "DELETE FROM retention_due WHERE tenant_id = ? AND record_id = ?", "ii",
	                   tenant_id, record_id);
}

/*
 * A new register version re-schedules every record of the tenant, `batch` rows
 * to a transaction: in one UPDATE of every row, SQLite kept the original of
 * each page it changed in memory to its end (its statement journal, under
 * temp_store=MEMORY), 39 MiB at a million records. The version is recorded
 * with the last batch; an interrupted re-scheduling goes on at the next sweep.
 */
static int check_register_version(struct ctx *c, size_t batch)
{
	gd_vault *v = c->a->v;
	int64_t have = -1, want = c->reg ? c->reg->version : 0;
	int rc = gd__db_int(v->store, &have, "SELECT register_version FROM retention_state WHERE tenant_id = ?",
	                    "i", c->a->tenant_id);
	if (rc < 0 && rc != GD_ENOTFOUND)
		return rc;
	if (rc == 0 && have == want)
		return 0;
	/* Rows already unscheduled (all of them at a tenant's first sweep) are left
	 * alone, as are rows due before 1970: this sweep recomputes them anyway.
	 * Rewriting their index entries cost a sixth of a first sweep. A batch is
	 * a range of ids holding `batch` rows of the tenant, read and updated in
	 * the order of the key, both statements naming the tenant as
	 * gd__retention_forget does (PostgreSQL reads its key (tenant_id,
	 * record_id), SQLite its rowid): a list of ids (`record_id IN (SELECT …
	 * due_at > -1 LIMIT ?)`) made PostgreSQL read the tenant's whole part of
	 * the table at each batch, and one UPDATE per id cost SQLite 5% more
	 * instructions over the three sweeps of `gardien-bench --reschedule`. */
	int64_t after = 0, last = 0;
	rc = gd__db_int(v->store, &last, "SELECT record_id FROM retention_due WHERE tenant_id = ? AND due_at > -1 LIMIT 1",
	                "i", c->a->tenant_id);
	bool end = rc == GD_ENOTFOUND;
	if (rc < 0 && !end)
		return rc;
	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	while (!end) {
		rc = gd__db_int(v->store, &last,
		                "SELECT record_id FROM retention_due WHERE CAST(tenant_id AS BIGINT) = ? AND record_id > ?"
		                " ORDER BY record_id LIMIT 1 OFFSET ?",
		                "iii", c->a->tenant_id, after, (int64_t)batch - 1);
		if ((end = rc == GD_ENOTFOUND))
			last = INT64_MAX, rc = 0;
		if (rc == 0)
			rc = gd__db_exec(v->store,
			                 "UPDATE retention_due SET due_at = -1 WHERE CAST(tenant_id AS BIGINT) = ?"
			                 " AND record_id > ? AND record_id <= ? AND due_at > -1",
			                 "iii", c->a->tenant_id, after, last);
		if (rc < 0 || end)
			break;
		after = last;
		/* More may be left: this batch commits on its own. */
		if ((rc = gd__op_end(v, 0)) < 0 || (rc = gd__op_begin(v)) < 0)
			return rc;
	}
	if (rc == 0)
		rc = gd__db_exec(v->store, "DELETE FROM retention_state WHERE tenant_id = ?", "i", c->a->tenant_id);
	if (rc == 0)
		rc = gd__db_exec(v->store, "INSERT INTO retention_state (tenant_id, register_version) VALUES (?, ?)",
		                 "ii", c->a->tenant_id, want);
	if (rc == 0) {
		char why[64];
		snprintf(why, sizeof why, "register version %lld", (long long)want);
		rc = gd__audit_actor(c->a, &(struct gd__audit_event){.action = "retention.reschedule", .reason = why});
	}
	return gd__op_end(v, rc);
}

/* Bounded copy, truncating like snprintf (without its cost: several per row). */
static void copy_text(char *dst, size_t cap, const char *s)
{
	size_t n = s ? strnlen(s, cap - 1) : 0;
	memcpy(dst, s ? s : "", n);
	dst[n] = 0;
}

int gd__retention_anonymise_row(gd_actor *a, int64_t record_id, gd_time collected_at)
{
	gd_vault *v = a->v;
	/* Statistics keep the month of collection, not the instant. */
	char day[32];
	gd_time month = collected_at;
	gd_date_format(day, collected_at);
	memcpy(day + 8, "01", 3);
	if (gd_time_parse(&month, day) < 0)
		month = collected_at;
	v->tx.needs_scrub = true;
	return gd__records_anonymise(a, record_id, month);
}

static void journal_entry(struct ctx *c, unsigned char *out, int kind, const struct row *r)
{
	struct gd__journal_entry e = {.kind = kind, .at = gd_vault_now(c->a->v), .record_id = r->id, .collected_at = r->collected_at};
	copy_text(e.subject, sizeof e.subject, r->subject);
	copy_text(e.tenant, sizeof e.tenant, c->a->tenant);
	gd__journal_encode(out, &e);
}

/* The audit reason of a rule's transitions, written once per rule. */
static void set_why(struct ctx *c, const struct gd__retention *rule)
{
	if (rule != c->why_rule) {
		snprintf(c->why, sizeof c->why, "retention rule%s%.140s", rule->text ? ": " : "",
		         rule->text ? rule->text : "");
		c->why_rule = rule;
	}
}

/*
 * Applies the transition of `r` if it is due, or (re)schedules it: unscheduled
 * rows (due_at -1) come through here too, so new records need no separate pass.
 */
static int apply(struct ctx *c, struct row *r, unsigned char *journal, size_t *njournal,
                 gd_retention_stats *stats)
{
	gd_vault *v = c->a->v;
	if (r->gone)
		return gd__db_exec(v->store, "DELETE FROM retention_due WHERE tenant_id = ? AND record_id = ?", "ii",
		                   c->a->tenant_id, r->id);
	const struct ruleset *rs = cached_rules(c, r);
	struct next nx;
	int rc = compute_next(c, r, rs, &nx);
	if (rc < 0)
		return rc;
	if (nx.due > gd_vault_now(v)) {
		stats->scheduled++;
		return gd__db_exec(v->store,
		                   "UPDATE retention_due SET due_at = ?, action = ?, stage_no = ?"
		                   " WHERE tenant_id = ? AND record_id = ?",
		                   "iiiii", (int64_t)nx.due, (int64_t)nx.action, (int64_t)nx.stage_no, c->a->tenant_id,
		                   r->id);
	}
	const char *what = "retention.archive";
	struct row after = *r;
	switch (nx.action) {
	case GD__STAGE_ARCHIVE:
		rc = gd__records_archive(c->a, r->id);
		after.stage = GD__REC_ARCHIVED;
		stats->archived++;
		break;
	case GD__STAGE_ANONYMISE:
		what = "retention.anonymise";
		journal_entry(c, journal + GD__JOURNAL_ENTRY_SIZE * (*njournal)++, GD__J_ANONYMISE, r);
		rc = gd__retention_anonymise_row(c->a, r->id, r->collected_at);
		after.stage = GD__REC_ANONYMISED;
		stats->anonymised++;
		break;
	default:
		/* Deleted and audited with the rest of the batch (delete_batch). */
		journal_entry(c, journal + GD__JOURNAL_ENTRY_SIZE * (*njournal)++, GD__J_DELETE, r);
		c->del[c->ndel++] = (struct del){r, nx.rule};
		stats->deleted++;
		return 0;
	}
	if (rc < 0)
		return rc;
	set_why(c, nx.rule);
	rc = gd__audit_actor(c->a, &(struct gd__audit_event){
					   .action = what, .purpose = r->activity, .subject = r->subject[0] ? r->subject : NULL, .record_id = r->id, .category = r->category, .reason = c->why});
	if (rc < 0)
		return rc;
	/* The next stage is computed while the record is still linked to its subject. */
	if ((rc = compute_next(c, &after, rs, &nx)) < 0)
		return rc;
	return gd__db_exec(v->store,
	                   "UPDATE retention_due SET due_at = ?, action = ?, stage_no = ?"
	                   " WHERE tenant_id = ? AND record_id = ?",
	                   "iiiii", (int64_t)nx.due, (int64_t)nx.action, (int64_t)nx.stage_no, c->a->tenant_id,
	                   r->id);
}

/* Records one audit entry names at most: its reason stays under 1.5 KB. */
#define GROUP_MAX 64

static bool same_group(const struct del *x, const struct del *y)
{
	return x->rule == y->rule && strcmp(x->r->subject, y->r->subject) == 0 &&
	       strcmp(x->r->activity, y->r->activity) == 0 && strcmp(x->r->category, y->r->category) == 0;
}

/* Appends " <id>" (snprintf costs more than the rest of the entry). */
static size_t put_id(char *p, int64_t id)
{
	char tmp[24];
	size_t n = 0;
	uint64_t u = (uint64_t)id;
	do
		tmp[n++] = (char)('0' + u % 10);
	while (u /= 10);
	p[0] = ' ';
	for (size_t i = 0; i < n; i++)
		p[1 + i] = tmp[n - 1 - i];
	return n + 1;
}

/*
 * One retention.delete entry per run of the batch's deletions with the same
 * subject, activity, category and rule (a subject's records mostly fall due
 * together): record_id is the run's first record, and when the run has
 * several the reason ends with "; records ID ID …" naming every one of them,
 * the first included (docs/audit.md: what happened to record N).
 */
static int audit_deletions(struct ctx *c)
{
	char reason[sizeof c->why + 16 + GROUP_MAX * 21];
	int rc = 0;
	for (size_t i = 0, n; rc == 0 && i < c->ndel; i += n) {
		const struct del *d = &c->del[i];
		for (n = 1; i + n < c->ndel && n < GROUP_MAX && same_group(d, &c->del[i + n]); n++)
			;
		set_why(c, d->rule);
		size_t len = strlen(c->why);
		memcpy(reason, c->why, len);
		if (n > 1) {
			memcpy(reason + len, "; records", 9);
			len += 9;
			for (size_t k = 0; k < n; k++)
				len += put_id(reason + len, c->del[i + k].r->id);
		}
		reason[len] = 0;
		rc = gd__audit_actor(c->a, &(struct gd__audit_event){
						   .action = "retention.delete", .purpose = d->r->activity, .subject = d->r->subject[0] ? d->r->subject : NULL, .record_id = d->r->id, .category = d->r->category, .reason = reason});
		/* Art. 19: recipients of the activity learn of the erasure, once per group
		 * (an anonymised record names no subject: nothing left to tell about). */
		if (rc == 0 && d->r->subject[0])
			rc = gd__outbox_notify(c->a, "erasure", d->r->subject, d->r->activity, d->r->category,
			                       d->r->id, 0);
	}
	return rc;
}

static int cmp_id(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return (a > b) - (a < b);
}

/* A batch's rows in the order they fell due (then by id), as the due-date index gives them. */
static int cmp_due(const void *x, const void *y)
{
	const struct row *a = *(struct row *const *)x, *b = *(struct row *const *)y;
	if (a->due_at != b->due_at)
		return (a->due_at > b->due_at) - (a->due_at < b->due_at);
	return (a->id > b->id) - (a->id < b->id);
}

/*
 * Deletes the batch's due records and their index rows, once audited: one
 * call per run of consecutive ids (usually a few per batch, as records fall
 * due in the order they were stored).
 */
static int delete_batch(struct ctx *c)
{
	gd_vault *v = c->a->v;
	if (!c->ndel)
		return 0;
	int rc = audit_deletions(c);
	for (size_t i = 0; i < c->ndel; i++)
		c->del_ids[i] = c->del[i].r->id;
	qsort(c->del_ids, c->ndel, sizeof *c->del_ids, cmp_id);
	int64_t gone = 0;
	for (size_t i = 0, n; rc == 0 && i < c->ndel; i += n) {
		int64_t first = c->del_ids[i], run = 0;
		for (n = 1; i + n < c->ndel && c->del_ids[i + n] == first + (int64_t)n; n++)
			;
		rc = gd__records_delete(v, c->a->tenant_id, first, first + (int64_t)n - 1, &run);
		gone += run;
	}
	if (rc == 0 && gone != (int64_t)c->ndel)
		rc = gd__err(GD_ERROR, "internal: a sweep batch deleted %lld record(s) for %zu due deletion(s)",
		             (long long)gone, c->ndel);
	v->tx.needs_scrub = true;
	c->ndel = 0;
	return rc;
}

int gd__retention_sweep(gd_actor *a, const struct gd__register *reg,
                        const gd_retention_sweep_options *opts, gd_retention_stats *out)
{
	gd_retention_sweep_options o = GD_RETENTION_SWEEP_OPTIONS_INIT;
	gd_retention_stats stats = {0};
	gd_vault *v = a->v;
	struct ctx *c = NULL;
	struct row *rows = NULL, **order = NULL;
	unsigned char *journal = NULL;
	int rc;

	if (opts) {
		if (opts->version != GD_RETENTION_SWEEP_OPTIONS_VERSION)
			return gd__err(GD_EINVAL, "gd_retention_sweep_options version %u is not supported", opts->version);
		o = *opts;
	}
	if (!o.batch)
		o.batch = 5000;
	if (o.batch > 100000)
		return gd__err(GD_EINVAL, "sweep batch of %zu is over the limit of 100000", o.batch);
	c = gd__calloc(1, sizeof *c);
	rows = gd__calloc(o.batch, sizeof *rows);
	order = gd__calloc(o.batch, sizeof *order);
	journal = gd__malloc(o.batch * GD__JOURNAL_ENTRY_SIZE);
	if (c) {
		c->del = gd__malloc(o.batch * sizeof *c->del);
		c->del_ids = gd__malloc(o.batch * sizeof *c->del_ids);
	}
	if (!c || !rows || !order || !journal || !c->del || !c->del_ids) {
		rc = gd__err(GD_ENOMEM, "out of memory for a sweep batch of %zu", o.batch);
		goto done;
	}
	c->a = a;
	c->reg = reg;
	if ((rc = check_register_version(c, o.batch)) < 0 || (rc = any_active_hold(a, &c->any_holds)) < 0)
		goto done;
	gd_time now = gd_vault_now(v);
	int64_t total = 0;
	rc = gd__db_int(v->store, &total,
	                "SELECT count(*) FROM retention_due WHERE tenant_id = ? AND due_at <= ?",
	                "ii", a->tenant_id, (int64_t)now);
	if (rc < 0)
		goto done;
	uint64_t done_n = 0;
	for (;;) {
		size_t n = 0, nj = 0;
		gd__stmt *st;
		if (o.max_batches && stats.batches >= o.max_batches)
			break;
		if ((rc = gd__op_begin(v)) < 0)
			goto done;
		/* The batch's rows first, alone (the due-date index, in order, stopping
		 * at the limit), then joined, and put back in due order here (cheaper
		 * than SQLite's sort of the join): written as one join ordered at the
		 * end, PostgreSQL planned it before the tables' first ANALYZE as a join
		 * of every due row sorted at the end, each batch reading what was left
		 * (7k rows/s at 100k records against 190k/s once analysed). */
		rc = gd__db_query(v->store, &st,
		                  "SELECT d.record_id, r.subject_id, r.activity, r.category, r.collected_at,"
		                  " r.stage, s.pseudonym, r.subject_category, r.id IS NULL, o.object, d.due_at"
		                  " FROM (SELECT record_id, tenant_id, due_at FROM retention_due"
		                  " WHERE tenant_id = ? AND due_at <= ? ORDER BY due_at LIMIT ?) d"
		                  " LEFT JOIN records r ON r.id = d.record_id AND r.tenant_id = d.tenant_id"
		                  " LEFT JOIN subjects s ON s.id = r.subject_id AND s.tenant_id = r.tenant_id"
		                  " LEFT JOIN record_objects o ON o.record_id = d.record_id AND o.tenant_id = d.tenant_id",
		                  "iii", a->tenant_id, (int64_t)now, (int64_t)o.batch);
		while (rc == 0 && n < o.batch && (rc = gd__db_step(v->store, st)) == 1) {
			struct row *r = &rows[n++];
			r->id = gd__col_int(v->store, st, 0);
			r->subject_id = gd__col_int(v->store, st, 1);
			copy_text(r->activity, sizeof r->activity, gd__col_text(v->store, st, 2));
			copy_text(r->category, sizeof r->category, gd__col_text(v->store, st, 3));
			r->collected_at = gd__col_int(v->store, st, 4);
			r->stage = (int)gd__col_int(v->store, st, 5);
			copy_text(r->subject, sizeof r->subject, gd__col_text(v->store, st, 6));
			copy_text(r->subject_category, sizeof r->subject_category, gd__col_text(v->store, st, 7));
			/* A row a deleter left behind (apply drops it). */
			r->gone = gd__col_int(v->store, st, 8) != 0;
			copy_text(r->object, sizeof r->object, gd__col_text(v->store, st, 9));
			r->due_at = gd__col_int(v->store, st, 10);
			order[n - 1] = r;
			rc = 0;
		}
		qsort(order, n, sizeof *order, cmp_due);
		if (rc == 0 || rc == 1)
			gd__db_reset(v->store, st), rc = 0;
		uint64_t scheduled = stats.scheduled;
		c->ndel = 0;
		for (size_t i = 0; rc == 0 && i < n; i++)
			rc = apply(c, order[i], journal, &nj, &stats);
		if (rc == 0)
			rc = delete_batch(c);
		if (rc == 0 && stats.scheduled > scheduled) {
			char why[64];
			snprintf(why, sizeof why, "%llu record(s) scheduled",
			         (unsigned long long)(stats.scheduled - scheduled));
			rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "retention.schedule", .reason = why});
		}
		/* Journal first: a committed erasure always has its entry. */
		if (rc == 0 && nj)
			rc = gd__journal_append(a, journal, nj);
		if ((rc = gd__op_end(v, rc)) < 0)
			goto done;
		if (!n) {
			stats.complete = true;
			break;
		}
		stats.batches++;
		done_n += n;
		if (o.progress && o.progress(o.ud, done_n, (uint64_t)total) != 0)
			break;
	}
	if (!stats.complete) {
		int64_t left = 0;
		rc = gd__db_int(v->store, &left,
		                "SELECT count(*) FROM retention_due WHERE tenant_id = ? AND due_at <= ?",
		                "ii", a->tenant_id, (int64_t)now);
		stats.complete = rc == 0 && left == 0;
	}
done:
	if (c) {
		gd__free(c->del);
		gd__free(c->del_ids);
	}
	gd__free(c);
	gd__free(rows);
	gd__free(order);
	gd__free(journal);
	if (out)
		*out = stats;
	return rc < 0 ? rc : 0;
}

int gd_retention_sweep(gd_actor *a, const gd_retention_sweep_options *opts, gd_retention_stats *out)
{
	const struct gd__register *reg;
	int rc = gd__retention_register(a, &reg);
	if (rc < 0)
		return rc;
	if (!reg)
		return gd__err(GD_ESTATE, "tenant %s has no register: load one before a retention sweep",
		               a->tenant);
	return gd__retention_sweep(a, reg, opts, out);
}

/* ---- plan ---- */

struct bucket {
	char month[8];
	const char *activity;
	int action;
	const struct gd__retention *rule;
	int64_t count;
	gd_time first;
};

struct plan {
	struct bucket *b;
	size_t n, cap;
};

static int plan_add(struct plan *p, const struct gd__activity *act, const struct next *nx)
{
	char day[32];
	gd_date_format(day, nx->due);
	day[7] = 0;
	for (size_t i = p->n; i-- > 0;) {
		struct bucket *b = &p->b[i];
		if (b->rule == nx->rule && b->action == nx->action && strcmp(b->month, day) == 0) {
			b->count++;
			if (nx->due < b->first)
				b->first = nx->due;
			return 0;
		}
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		if (cap > 1000000)
			return gd__err(GD_ETOOBIG, "retention plan has too many rows: plan until an earlier date");
		struct bucket *nb = gd__calloc(cap, sizeof *nb);
		if (!nb)
			return GD_ENOMEM;
		if (p->n)
			memcpy(nb, p->b, p->n * sizeof *nb);
		gd__free(p->b);
		p->b = nb, p->cap = cap;
	}
	struct bucket *b = &p->b[p->n++];
	memcpy(b->month, day, 8);
	b->activity = act->id;
	b->action = nx->action;
	b->rule = nx->rule;
	b->count = 1;
	b->first = nx->due;
	return 0;
}

static int bucket_cmp(const void *x, const void *y)
{
	const struct bucket *a = x, *b = y;
	int c = strcmp(a->month, b->month);
	if (!c)
		c = strcmp(a->activity, b->activity);
	if (!c)
		c = a->action - b->action;
	if (!c)
		c = (a->rule ? a->rule->line : 0) - (b->rule ? b->rule->line : 0);
	return c;
}

int gd__retention_plan(gd_actor *a, const struct gd__register *reg, gd_time until,
                       int (*cb)(void *ud, const gd_retention_plan_row *row), void *ud,
                       gd_retention_plan_totals *out)
{
	gd_retention_plan_totals tot = {0};
	struct plan p = {0};
	gd_vault *v = a->v;
	struct ctx *c = gd__calloc(1, sizeof *c);
	gd__stmt *st = NULL;
	int rc;
	if (!c)
		return GD_ENOMEM;
	c->a = a;
	c->reg = reg;
	if ((rc = any_active_hold(a, &c->any_holds)) < 0)
		goto done;
	rc = gd__db_query(v->store, &st,
	                  "SELECT r.id, r.subject_id, r.activity, r.category, r.collected_at, r.stage,"
	                  " r.subject_category, o.object FROM records r"
	                  " LEFT JOIN record_objects o ON o.record_id = r.id AND o.tenant_id = r.tenant_id WHERE r.tenant_id = ? ORDER BY r.id",
	                  "i", a->tenant_id);
	while (rc == 0 && (rc = gd__db_step(v->store, st)) == 1) {
		struct row r = {0};
		r.id = gd__col_int(v->store, st, 0);
		r.subject_id = gd__col_int(v->store, st, 1);
		copy_text(r.activity, sizeof r.activity, gd__col_text(v->store, st, 2));
		copy_text(r.category, sizeof r.category, gd__col_text(v->store, st, 3));
		r.collected_at = gd__col_int(v->store, st, 4);
		r.stage = (int)gd__col_int(v->store, st, 5);
		copy_text(r.subject_category, sizeof r.subject_category, gd__col_text(v->store, st, 6));
		copy_text(r.object, sizeof r.object, gd__col_text(v->store, st, 7));
		const struct ruleset *rs = cached_rules(c, &r);
		rc = 0;
		if (!rs->any) {
			tot.no_rule++;
			continue;
		}
		for (int step = 0; rc == 0 && step < 3; step++) {
			struct next nx;
			if ((rc = compute_next(c, &r, rs, &nx)) < 0)
				break;
			if (nx.due == GD__DUE_NEVER) {
				if (step == 0 && c->consent_kept)
					tot.kept_by_consent++;
				else
					tot.waiting += step == 0;
				break;
			}
			if (nx.due == GD__DUE_HELD) {
				tot.held++;
				break;
			}
			if (nx.due > until)
				break;
			if ((rc = plan_add(&p, rs->act, &nx)) < 0)
				break;
			tot.transitions++;
			r.stage = stage_after((enum gd__stage_action)nx.action);
			if (r.stage > GD__REC_ANONYMISED)
				break;
		}
	}
	if (st)
		gd__db_reset(v->store, st);
	if (rc < 0)
		goto done;
	rc = 0;
	if (p.n)
		qsort(p.b, p.n, sizeof *p.b, bucket_cmp);
	for (size_t i = 0; cb && i < p.n; i++) {
		const struct bucket *b = &p.b[i];
		gd_retention_plan_row row = {.activity = b->activity, .action = b->action, .rule = b->rule->text ? b->rule->text : "", .rule_line = b->rule->line, .count = b->count, .first_due = b->first};
		memcpy(row.month, b->month, sizeof row.month);
		if ((rc = cb(ud, &row)) != 0)
			break;
	}
done:
	gd__free(p.b);
	gd__free(c);
	if (out)
		*out = tot;
	return rc;
}

int gd_retention_plan(gd_actor *a, gd_time until,
                      int (*cb)(void *ud, const gd_retention_plan_row *row), void *ud,
                      gd_retention_plan_totals *out)
{
	const struct gd__register *reg;
	int rc = gd__retention_register(a, &reg);
	if (rc < 0)
		return rc;
	if (!reg)
		return gd__err(GD_ESTATE, "tenant %s has no register: load one to plan its retention", a->tenant);
	return gd__retention_plan(a, reg, until, cb, ud, out);
}

/* ---- enforcement points ---- */

int gd__retention_check_read(gd_actor *a, const struct gd__record_meta *m, const char *purpose)
{
	if (m->stage == GD__REC_ACTIVE)
		return 0;
	if (m->stage == GD__REC_ANONYMISED)
		return gd__err(GD_EDENIED, "record %lld was anonymised: its personal part no longer exists",
		               (long long)m->id);
	const struct gd__register *reg;
	int rc = gd__retention_register(a, &reg);
	if (rc < 0)
		return rc;
	const struct gd__activity *act = gd__register_activity(reg, purpose);
	if (act && act->legal_claims)
		return 0;
	return gd__err(GD_EDENIED,
	               "record %lld is archived: it is kept only as legal proof and may be read only for "
	               "the register's legal-claims activity, not for \"%s\"",
	               (long long)m->id, purpose);
}

/* ---- minimum retention and what ends a record's retention (record.c, hold.c, request.c) ---- */

static void date_of(char out[32], gd_time t)
{
	gd_date_format(out, t);
}

int gd__retention_floor(gd_actor *a, const struct gd__register *reg, const struct gd__record_facts *f,
                        gd_time *until, char *why, size_t cap)
{
	*until = 0;
	if (why && cap)
		why[0] = 0;
	const struct gd__activity *act = gd__register_activity(reg, f->activity);
	struct ruleset rs = rules_of(act, f->category, f->subject_category && *f->subject_category ? f->subject_category : NULL);
	gd_time floor;
	bool pending;
	const struct gd__retention *rule;
	int rc = floor_of(a, &rs, f->category, f->subject_id, f->object, f->collected_at, &floor,
	                  &pending, &rule);
	if (rc < 0)
		return rc;
	if (!rule || (!pending && floor <= gd_vault_now(a->v)))
		return 0;
	char per[64], d[32];
	snprintf(per, sizeof per, "%d year(s) %d month(s) %d day(s)", rule->minimum.after.years,
	         rule->minimum.after.months, rule->minimum.after.days);
	const char *law = rule->legal_reference ? rule->legal_reference : rule->text ? rule->text
	                                                                             : "the register";
	if (pending) {
		if (why)
			snprintf(why, cap, "minimum retention (%s): kept at least %s after \"%s\", which has not happened yet",
			         law, per, rule->minimum.from);
	} else {
		*until = floor - 1;
		date_of(d, *until);
		if (why)
			snprintf(why, cap, "minimum retention (%s): kept at least until %s", law, d);
	}
	return 1;
}

int gd__retention_ends(gd_actor *a, const struct gd__register *reg, const struct gd__record_facts *f,
                       gd_time *until, char *out, size_t cap)
{
	const struct gd__activity *act = gd__register_activity(reg, f->activity);
	struct ruleset rs = rules_of(act, f->category, f->subject_category && *f->subject_category ? f->subject_category : NULL);
	*until = 0;
	if (!rs.any) {
		snprintf(out, cap, "no retention rule: the register sets no end for this data (activity \"%s\", category %s); it stays until deleted by hand",
		         f->activity, f->category);
		return 0;
	}
	gd_time best = GD__DUE_NEVER, floor;
	bool pending;
	const struct gd__stage *best_st = NULL, *waiting = NULL;
	const struct gd__retention *floor_rule;
	int rc = floor_of(a, &rs, f->category, f->subject_id, f->object, f->collected_at, &floor, &pending,
	                  &floor_rule);
	if (rc < 0)
		return rc;
	for (size_t k = 0; k < rs.act->nretention; k++) {
		const struct gd__retention *rule = &rs.act->retention[k];
		if (!in_set(&rs, rule, f->category))
			continue;
		for (size_t i = 0; i < rule->nstages; i++) {
			const struct gd__stage *st = &rule->stages[i];
			if (st->action == GD__STAGE_ARCHIVE)
				continue;
			gd_time due = 0;
			rc = stage_due(a, rule, i, f->subject_id, f->object, f->collected_at, &due);
			if (rc == GD_ENOTFOUND) {
				waiting = waiting ? waiting : st;
				continue;
			}
			if (rc < 0)
				return rc;
			if (due < best)
				best = due, best_st = st;
		}
	}
	char per[64] = "", d[32];
	if (best_st && !pending) {
		bool floored = floor > best;
		*until = (floored ? floor : best) - 1;
		date_of(d, *until);
		snprintf(out, cap, "kept until %s, then %s%s", d,
		         best_st->action == GD__STAGE_DELETE ? "deleted" : "anonymised",
		         floored ? " (the minimum retention ends last)" : "");
		return 0;
	}
	const struct gd__stage *w = pending && floor_rule ? &floor_rule->minimum : waiting;
	if (w) {
		snprintf(per, sizeof per, "%d year(s) %d month(s) %d day(s)", w->after.years, w->after.months,
		         w->after.days);
		if (w == waiting && floor > gd_vault_now(a->v)) {
			/* The floor is known, the end is not: both are said. */
			date_of(d, floor - 1);
			snprintf(out, cap, "kept at least until %s (minimum retention), then until the event \"%s\" happens and %s more",
			         d, w->from, per);
		} else {
			snprintf(out, cap, "kept until the event \"%s\" happens, then %s%s", w->from, per,
			         w == waiting ? "" : " at least (minimum retention)");
		}
		return 0;
	}
	snprintf(out, cap, "archived and never deleted: the register's rule for activity \"%s\" sets no end", f->activity);
	return 0;
}
