/*
 * policy.c — the enforcement points every write and read passes.
 *
 * Each module that can refuse an operation (register, consent, restriction and
 * objection, retention stage, roles) contributes one check to the tables below;
 * a check returns 0 to let the operation through or GD_EDENIED with the reason
 * in gd_error_last(). Checks run in table order and the first refusal wins, so
 * cheap, common refusals come first.
 */
#include <string.h>

#include "lib/auth.h"
#include "lib/internal.h"

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

static const read_check read_checks[] = {
	same_activity,
	gd__auth_read_check,
};

static const write_check write_checks[] = {
	NULL,
	gd__auth_write_check,
};

int gd__policy_write(gd_actor *a, const char *subject, const gd_record_spec *spec)
{
	for (size_t i = 0; i < sizeof write_checks / sizeof *write_checks; i++) {
		int rc = write_checks[i] ? write_checks[i](a, subject, spec) : 0;
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
