/*
 * event.c — events that retention clocks count from ("last_contact",
 * "unsubscription", "contract_end"…). Only the latest occurrence of each event
 * per subject is kept: it is what "3 years after the last contact" counts
 * from. Recording one re-bases the subject's schedule (retention.h).
 */
#include <stdio.h>
#include <string.h>

#include "lib/retention/retention.h"

static int check_event_name(const struct gd__register *reg, const char *name)
{
	int rc = gd__check_name(name, "event name");
	if (rc < 0)
		return rc;
	if (strcmp(name, "collection") == 0)
		return gd__err(GD_EINVAL, "\"collection\" is not an event to record: clocks count from it by themselves");
	if (!reg || !reg->nevents)
		return 0;
	for (size_t i = 0; i < reg->nevents; i++)
		if (reg->events[i].name && strcmp(reg->events[i].name, name) == 0)
			return 0;
	return gd__err(GD_EINVAL, "event \"%s\" is not declared in the register: add it under 'events' or use a declared one",
	               name);
}

/* One event of the subject (object NULL) or of one of its objects. */
static int record_event(gd_actor *a, const struct gd__register *reg, const char *subject,
                        const char *name, const char *object, gd_time at)
{
	struct gd__subject s = {0};
	gd_vault *v = a->v;
	gd_time now = gd_vault_now(v);
	int rc;

	if ((rc = check_event_name(reg, name)) < 0 ||
	    (object && (rc = gd__check_name(object, "object key")) < 0))
		return rc;
	if (!at)
		at = now;
	if (at > now)
		return gd__err(GD_EINVAL, "event time is in the future: record events when they happen");
	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	if ((rc = gd__subject_load(a, &s, subject, false)) < 0)
		goto done;
	if (object)
		rc = gd__db_exec(v->store,
		                 "INSERT INTO object_events (subject_id, object, name, at, tenant_id) VALUES (?, ?, ?, ?, ?)"
		                 " ON CONFLICT (subject_id, object, name) DO UPDATE SET at = excluded.at"
		                 " WHERE excluded.at > object_events.at",
		                 "ittii", s.id, object, name, (int64_t)at, a->tenant_id);
	else
		rc = gd__db_exec(v->store,
		                 "INSERT INTO events (subject_id, name, at, tenant_id) VALUES (?, ?, ?, ?)"
		                 " ON CONFLICT (subject_id, name) DO UPDATE SET at = excluded.at"
		                 " WHERE excluded.at > events.at",
		                 "itii", s.id, name, (int64_t)at, a->tenant_id);
	if (rc == 0)
		rc = gd__retention_invalidate_subject(v, a->tenant_id, s.id);
	/* The object key stays out of the trail: a contract number can identify. */
	char why[GD_NAME_MAX + 32];
	snprintf(why, sizeof why, "%s%s", name, object ? " (one object of the subject)" : "");
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "event.record", .subject = subject, .reason = why});
done:
	return gd__op_end(v, rc);
}

int gd_event_record(gd_actor *a, const char *subject, const char *name, gd_time at)
{
	const struct gd__register *reg;
	int rc = gd__retention_register(a, &reg);
	if (rc < 0)
		return rc;
	return record_event(a, reg, subject, name, NULL, at);
}

int gd__event_record(gd_actor *a, const struct gd__register *reg, const char *subject,
                     const char *name, gd_time at)
{
	return record_event(a, reg, subject, name, NULL, at);
}

int gd_event_record_object(gd_actor *a, const char *subject, const char *name, const char *object,
                           gd_time at)
{
	if (!object || !*object)
		return gd__err(GD_EINVAL, "the object key is missing: name the contract, subscription or account");
	const struct gd__register *reg;
	int rc = gd__retention_register(a, &reg);
	if (rc < 0)
		return rc;
	return record_event(a, reg, subject, name, object, at);
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int gd_event_parse_line(const char *line, size_t len, char subject[GD_SUBJECT_ID_SIZE],
                        char name[GD_NAME_MAX + 1], gd_time *at)
{
	const char *tok[4];
	size_t tlen[4], n = 0, i = 0;
	char buf[64];

	*at = 0;
	if (len > 1024)
		return gd__err(GD_ETOOBIG, "event line is longer than 1024 bytes");
	while (i < len && n < 4) {
		while (i < len && blank(line[i]))
			i++;
		if (i >= len)
			break;
		if (n == 0 && line[i] == '#')
			return GD_ENOTFOUND;
		if (line[i] == 0)
			return gd__err(GD_EINVAL, "event line holds a NUL byte");
		tok[n] = line + i;
		while (i < len && !blank(line[i]) && line[i])
			i++;
		tlen[n] = (size_t)(line + i - tok[n]);
		n++;
	}
	if (n == 0)
		return GD_ENOTFOUND;
	if (n < 2 || n > 3)
		return gd__err(GD_EINVAL, "event line must be SUBJECT NAME [TIME]");
	if (tlen[0] != GD_SUBJECT_ID_SIZE - 1)
		return gd__err(GD_EINVAL, "event line: \"%.*s\" is not a subject id",
		               (int)(tlen[0] > 40 ? 40 : tlen[0]), tok[0]);
	if (tlen[1] > GD_NAME_MAX)
		return gd__err(GD_ETOOBIG, "event name is longer than %d bytes", GD_NAME_MAX);
	memcpy(subject, tok[0], tlen[0]);
	subject[tlen[0]] = 0;
	memcpy(name, tok[1], tlen[1]);
	name[tlen[1]] = 0;
	int rc = gd__check_name(name, "event name");
	if (rc < 0)
		return rc;
	if (n == 3) {
		if (tlen[2] >= sizeof buf)
			return gd__err(GD_EINVAL, "event time is too long");
		memcpy(buf, tok[2], tlen[2]);
		buf[tlen[2]] = 0;
		if ((rc = gd_time_parse(at, buf)) < 0)
			return rc;
		if (*at <= 0)
			return gd__err(GD_EINVAL, "event time must be after 1970-01-01");
	}
	return 0;
}
