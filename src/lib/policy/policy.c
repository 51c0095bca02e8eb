/*
 * policy.c — the enforcement points every write and read passes.
 *
 * Each module that can refuse an operation (register, consent, restriction and
 * objection, retention stage, roles) contributes one check to the tables below;
 * a check returns 0 to let the operation through or GD_EDENIED with the reason
 * in gd_error_last(). Checks run in table order and the first refusal wins, so
 * cheap, common refusals come first.
 */
#include <ctype.h>
#include <string.h>

#include "lib/auth/auth.h"
#include "lib/internal.h"
#include "lib/rights/rights.h"
#include "lib/retention/retention.h"
#include "lib/register/register.h"

typedef int (*read_check)(gd_actor *a, const struct gd__record_meta *m, const char *purpose);
typedef int (*write_check)(gd_actor *a, const char *subject, const gd_record_spec *spec);

/*
 * Without a register the rule is the narrowest one that is always lawful: a
 * record may be read only for the very activity it was collected for.
 */
static int same_activity(gd_actor *a, const struct gd__record_meta *m, const char *purpose)
{
	if (strcmp(purpose, m->activity) == 0)
		return 0;
	return gd__err(GD_EDENIED,
	               "record %lld was collected for activity \"%s\"; purpose \"%s\" is not it and no register says it covers category %s",
	               (long long)m->id, m->activity, purpose, m->category);
}

/*
 * The register's rule for reads. Without a register, the foundation rule
 * (same_activity). With one, a read for purpose P is allowed only if P is an
 * activity of the register's latest version that covers the record's category
 * (equal to it or beneath it in the taxonomy), and P has the same role
 * (controller or processor) as the activity the record was collected for.
 *
 * Consent: when P's legal basis is consent, the subject must also hold a live
 * consent for P. That check belongs to the consent ledger (rights branch): it
 * adds its own entry after register_read in read_checks, finds the activity
 * with gd__register_current + gd__register_activity and refuses when
 * act->basis == GD__BASIS_CONSENT and the ledger holds no live consent.
 */
static int register_read(gd_actor *a, const struct gd__record_meta *m, const char *purpose)
{
	const struct gd__register *r;
	int rc = gd__register_current(a, &r);
	if (rc < 0)
		return rc;
	if (!r)
		return same_activity(a, m, purpose);
	const struct gd__activity *act = gd__register_activity(r, purpose);
	if (!act)
		return gd__err(GD_EDENIED,
		               "purpose \"%s\" is not an activity of the register (version %lld): read for one of its activities",
		               purpose, (long long)r->version);
	if (!gd__category_covered(&act->categories, m->category))
		return gd__err(GD_EDENIED,
		               "activity \"%s\" does not cover category %s (register version %lld): record %lld may not be read for it",
		               purpose, m->category, (long long)r->version, (long long)m->id);
	/*
	 * Data a processor holds for its customers is never read for the
	 * processor's own purposes, and the other way round (Art. 28(3)(a), 28(10)).
	 */
	const struct gd__activity *from = gd__register_activity(r, m->activity);
	if (from && from->role != act->role)
		return gd__err(GD_EDENIED,
		               "record %lld was collected by %s as %s (activity \"%s\"): it may not be read for \"%s\", an activity as %s",
		               (long long)m->id, r->controller.name,
		               from->role == GD__ROLE_PROCESSOR ? "processor" : "controller", m->activity, purpose,
		               act->role == GD__ROLE_PROCESSOR ? "processor" : "controller");
	/*
	 * Format 2, purpose compatibility (Art. 6(4)): data collected for another
	 * activity is read only when this one lists it in reads_from with its
	 * reasoning, whatever the categories. Archived records are the exception:
	 * they are kept as proof, and the legal-claims activity reads them
	 * (retention.c lets no other activity).
	 */
	if (!gd__register_reads_from(r, act, m->activity) &&
	    !(act->legal_claims && m->stage == GD__REC_ARCHIVED))
		return gd__err(GD_EDENIED,
		               "record %lld was collected for activity \"%s\"; activity \"%s\" does not list it in reads_from (register version %lld): declare reads_from: [{activity: %s, compatibility: \"…\"}] if the new purpose is compatible (Art. 6(4))",
		               (long long)m->id, m->activity, purpose, (long long)r->version, m->activity);
	return 0;
}

/*
 * Format 2, what the register declares about collection, checked at write:
 * a source named with the record must be one of the activity's `sources`
 * (Art. 14(2)(f): the notice told people where their data come from; the
 * subject itself, the default, always is), and a category the notice marks
 * mandatory ("signalées par un astérisque") is never stored empty.
 */
/*
 * True when `given` (a --source, a name) names the register's `declared`
 * source (free text): both compared as slugs, ASCII letters and digits
 * lowercased, every run of anything else one '-' ("Site internet" is
 * site-internet, "formulaire d'inscription" formulaire-d-inscription).
 */
static bool same_source(const char *declared, const char *given)
{
	/* isalnum in the C locale: ASCII letters and digits only; UTF-8 bytes separate. */
	const unsigned char *d = (const unsigned char *)declared, *g = (const unsigned char *)given;
	for (;;) {
		while (*d && !isalnum(*d))
			d++;
		while (*g && !isalnum(*g))
			g++;
		if (!*d || !*g)
			return !*d && !*g;
		for (; isalnum(*d) && isalnum(*g); d++, g++)
			if (tolower(*d) != tolower(*g))
				return false;
		if (isalnum(*d) || isalnum(*g))
			return false;
	}
}

static int declared_write(const struct gd__register *r, const struct gd__activity *act,
                          const gd_record_spec *spec)
{
	if (spec->source && *spec->source && strcmp(spec->source, "subject") != 0 && act->sources.n) {
		bool found = false;
		for (size_t i = 0; i < act->sources.n && !found; i++)
			found = same_source(act->sources.v[i], spec->source);
		if (!found)
			return gd__err(GD_EDENIED,
			               "activity \"%s\" does not declare this source (register version %lld): name one of its \"sources\" (or \"subject\"), or add it to the register and the notice",
			               act->id, (long long)r->version);
	}
	bool empty = spec->value_len == 0 ||
	             (spec->type == GD_VALUE_JSON && spec->value_len == 4 && memcmp(spec->value, "null", 4) == 0);
	if (empty)
		for (size_t i = 0; i < act->mandatory.n; i++)
			if (gd__category_covered(&(struct gd__strings){&act->mandatory.v[i], 1}, spec->category))
				return gd__err(GD_EDENIED,
				               "activity \"%s\": category %s is mandatory and the value is empty (%s)",
				               act->id, spec->category, act->if_absent ? act->if_absent : "the register marks it mandatory");
	return 0;
}

/*
 * The register's rule for writes: the activity exists in the register and
 * declares both the record's category and its subject category (which must
 * then be given).
 */
static int register_write(gd_actor *a, const char *subject, const gd_record_spec *spec)
{
	const struct gd__register *r;
	int rc = gd__register_current(a, &r);
	if (rc < 0 || !r)
		return rc;
	const struct gd__activity *act = gd__register_activity(r, spec->activity);
	if (!act)
		return gd__err(GD_EDENIED,
		               "activity \"%s\" is not in the register (version %lld): store data only for a declared activity",
		               spec->activity, (long long)r->version);
	if (act->read_only)
		return gd__err(GD_EDENIED,
		               "activity \"%s\" is read-only (register version %lld): it reads the data of the activities it names in reads_from and stores or changes none",
		               spec->activity, (long long)r->version);
	if (!gd__category_covered(&act->categories, spec->category))
		return gd__err(GD_EDENIED,
		               "activity \"%s\" does not declare category %s (register version %lld): add it to the register or store it for another activity",
		               spec->activity, spec->category, (long long)r->version);
	if (!spec->subject_category || !*spec->subject_category)
		return gd__err(GD_EDENIED,
		               "activity \"%s\": the subject category is missing: say who the data is about (subject category, e.g. customer)",
		               spec->activity);
	/* Format 2: in a processor activity every record is some customer's (Art. 28(3)(g)). */
	if (r->format >= 2 && act->role == GD__ROLE_PROCESSOR &&
	    (spec->version < 2 || !spec->client || !*spec->client))
		return gd__err(GD_EDENIED,
		               "activity \"%s\" is processing on behalf of customers: say for which one the record is (--client, e.g. the customer's account id)",
		               spec->activity);
	if (!gd__category_covered(&act->subjects, spec->subject_category))
		return gd__err(GD_EDENIED,
		               "activity \"%s\" does not declare subject category %s (register version %lld): category %s may not be stored about them for it",
		               spec->activity, spec->subject_category, (long long)r->version, spec->category);
	return r->format >= 2 ? declared_write(r, act, spec) : 0;
}

static const read_check read_checks[] = {
	gd__retention_check_read,
	gd__auth_read_check,
	register_read,
	gd__limits_read_check,
	gd__consent_read_check,
	gd__owed_read_check,
};

static const write_check write_checks[] = {
	gd__auth_write_check,
	register_write,
};

int gd__policy_write(gd_actor *a, const char *subject, const gd_record_spec *spec)
{
	for (size_t i = 0; i < sizeof write_checks / sizeof *write_checks; i++) {
		int rc = write_checks[i](a, subject, spec);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int gd__policy_read(gd_actor *a, const struct gd__record_meta *m, const char *purpose)
{
	for (size_t i = 0; i < sizeof read_checks / sizeof *read_checks; i++) {
		int rc = read_checks[i](a, m, purpose);
		if (rc < 0)
			return rc;
	}
	return 0;
}
