/*
 * json_out.c — the JSON form of records, audit entries and reports, breaches,
 * requests, consents, holds, register versions, retention plan rows, roles,
 * principals, tokens and grants
 * (include/gardien/json.h), shared by the CLI and the server so that both
 * print one shape.
 *
 * The shapes are the server's where the two differed (times null when unset,
 * a record's "type", "record_id"), with the CLI's extra fields kept where the
 * server printed fewer (a breach's texts, a request's identity check), and the
 * names of a documented format where there is one (a consent's "wording_*",
 * as in the subject's export).
 */
#include <string.h>

#include "gardien/json.h"

/* A time, or null when unset. */
static json_t *time_json(gd_time t)
{
	char b[32];
	if (!t)
		return json_null();
	gd_time_format(b, t);
	return json_string(b);
}

/* NULL for an absent or empty text (json_pack's "s?" writes it as null). */
static const char *opt(const char *s)
{
	return s && *s ? s : NULL;
}

json_t *gd_record_json(const gd_record *r)
{
	json_t *value = NULL;
	if (r->type == GD_VALUE_JSON)
		value = json_loadb((const char *)r->value, r->value_len, JSON_DECODE_ANY, NULL);
	if (!value)
		value = json_stringn((const char *)r->value, r->value_len);
	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:o,s:o,s:s,s:o}", "id", (json_int_t)r->id, "subject",
	                 r->subject, "activity", r->activity, "category", r->category, "source", r->source,
	                 "collected_at", time_json(r->collected_at), "updated_at", time_json(r->updated_at),
	                 "type", r->type == GD_VALUE_JSON ? "json" : "text", "value", value ? value : json_null());
}

json_t *gd_audit_entry_json(const gd_audit_entry *e)
{
	return json_pack("{s:I,s:I,s:o,s:s?,s:s?,s:s?,s:s?,s:I,s:s?,s:s,s:s?}", "lane", (json_int_t)e->lane, "seq",
	                 (json_int_t)e->seq, "at", time_json(e->at), "principal", e->principal, "action", e->action,
	                 "purpose", e->purpose, "subject", e->subject, "record_id", (json_int_t)e->record_id,
	                 "category", e->category, "outcome", gd_audit_outcome_name(e->outcome), "reason", e->reason);
}

json_t *gd_breach_json(const gd_breach *b)
{
	json_t *j = json_pack("{s:I,s:s,s:o,s:I,s:o,s:o,s:o,s:o,s:s?,s:s?,s:s?,s:s?,s:I,s:I}", "id",
	                      (json_int_t)b->id, "status", b->status, "deadline", time_json(b->deadline),
	                      "seconds_left", (json_int_t)b->seconds_left, "detected_at", time_json(b->detected_at),
	                      "recorded_at", time_json(b->recorded_at), "started_at", time_json(b->started_at),
	                      "ended_at", time_json(b->ended_at), "nature", opt(b->nature), "description",
	                      opt(b->description), "data_categories", opt(b->data_categories),
	                      "subject_categories", opt(b->subject_categories), "approx_subjects",
	                      (json_int_t)b->approx_subjects, "approx_records", (json_int_t)b->approx_records);
	if (j && json_object_update_new(
			 j, json_pack("{s:s?,s:s?,s:s?,s:s?,s:s?,s:s,s:b,s:o,s:s?,s:o,s:s?}", "consequences",
	                              opt(b->consequences), "measures_taken", opt(b->measures_taken),
	                              "measures_proposed", opt(b->measures_proposed), "contact", opt(b->contact),
	                              "controller", opt(b->controller), "language", b->language, "high_risk",
	                              b->high_risk != 0, "notified_at", time_json(b->notified_at), "delay_reason",
	                              opt(b->delay_reason), "subjects_informed_at", time_json(b->subjects_informed_at),
	                              "no_notice_reason", opt(b->no_notice_reason))) != 0) {
		json_decref(j);
		return NULL;
	}
	if (j && json_object_set_new(j, "controllers",
	                             json_pack("{s:s,s:o,s:I,s:I,s:o}", "status", b->controllers_status, "deadline",
	                                       time_json(b->controllers_deadline), "told",
	                                       (json_int_t)b->controllers_told, "pending",
	                                       (json_int_t)b->controllers_pending, "done_at",
	                                       time_json(b->controllers_done_at))) != 0) {
		json_decref(j);
		return NULL;
	}
	if (j && b->scoped_subjects >= 0 &&
	    json_object_set_new(j, "scope",
	                        json_pack("{s:o,s:o,s:s?,s:s?,s:I,s:I,s:s?}", "from", time_json(b->scope_from), "to",
	                                  time_json(b->scope_to), "principal", opt(b->scope_principal),
	                                  "activity", opt(b->scope_activity), "subjects",
	                                  (json_int_t)b->scoped_subjects, "records", (json_int_t)b->scoped_records,
	                                  "categories", opt(b->scoped_categories))) != 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

json_t *gd_request_json(const gd_request *r)
{
	json_t *j = json_pack("{s:I,s:s,s:s,s:s?,s:s,s:o,s:o,s:o,s:b,s:b,s:s?}", "id", (json_int_t)r->id, "subject",
	                      r->subject, "kind", r->kind, "activity", opt(r->activity), "state",
	                      gd_request_state_name(r->state), "received_at", time_json(r->received_at),
	                      "due_at", time_json(r->due_at), "target_at", time_json(r->target_at), "extended", r->extended, "late", r->late, "reason",
	                      opt(r->reason));
	if (j && json_object_update_new(
			 j, json_pack("{s:s?,s:s?,s:s?,s:o,s:o,s:s,s:I}", "identity_method", opt(r->identity_method),
	                              "identity_ref", opt(r->identity_ref), "identity_by", opt(r->identity_by),
	                              "identity_verified_at", time_json(r->identity_at), "closed_at",
	                              time_json(r->closed_at), "opened_by", r->opened_by, "copies",
	                              (json_int_t)r->copies)) != 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

json_t *gd_consent_json(const gd_consent *c)
{
	static const char *const events[] = {"unknown", "given", "renewed", "withdrawn", "expired"};
	const char *ev = (unsigned)c->event < sizeof events / sizeof *events ? events[c->event] : "unknown";
	/* id: 0 for an expiry derived from a consent's end, not an event on file */
	return json_pack("{s:I,s:s,s:s,s:o,s:o,s:s?,s:s?,s:s?,s:s?,s:s?}", "id", (json_int_t)c->id, "activity",
	                 c->activity, "event", ev, "at", time_json(c->at), "expires_at", time_json(c->expires_at),
	                 "wording_hash", opt(c->text_hash), "wording_version", opt(c->text_version), "channel",
	                 opt(c->channel), "source", opt(c->source), "principal", opt(c->principal));
}

json_t *gd_hold_json(const gd_hold *h)
{
	return json_pack("{s:I,s:s,s:I,s:s,s:o,s:s,s:o}", "id", (json_int_t)h->id, "subject", h->subject,
	                 "record_id", (json_int_t)h->record_id, "reason", h->reason, "placed_at",
	                 time_json(h->placed_at), "placed_by", h->placed_by, "lifted_at", time_json(h->lifted_at));
}

json_t *gd_register_version_json(const gd_register_version *v)
{
	return json_pack("{s:I,s:o,s:s?,s:s?,s:s?,s:i}", "version", (json_int_t)v->version, "loaded_at",
	                 time_json(v->loaded_at), "principal", v->principal, "file", v->file, "digest", v->digest,
	                 "activities", v->activities);
}

json_t *gd_retention_plan_row_json(const gd_retention_plan_row *r)
{
	return json_pack("{s:s,s:s?,s:s,s:s?,s:i,s:I,s:o}", "month", r->month, "activity", r->activity, "action",
	                 gd_retention_action_name(r->action), "rule", r->rule, "rule_line", r->rule_line, "count",
	                 (json_int_t)r->count, "first_due", time_json(r->first_due));
}

json_t *gd_audit_report_json(const gd_audit_report *r)
{
	json_t *j = json_pack("{s:s,s:b,s:I,s:I,s:I,s:I,s:s}", "result", gd_audit_problem_name(r->problem), "intact",
	                      r->problem == GD_AUDIT_INTACT, "chains", (json_int_t)r->chains, "entries",
	                      (json_int_t)r->entries, "checkpoints", (json_int_t)r->checkpoints, "unsigned_tail",
	                      (json_int_t)r->unsigned_tail, "detail", r->detail);
	if (j && r->problem != GD_AUDIT_INTACT &&
	    json_object_update_new(j, json_pack("{s:s,s:I,s:I}", "tenant", r->tenant, "lane", (json_int_t)r->lane,
	                                        "first_bad_seq", (json_int_t)r->seq)) != 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

json_t *gd_audit_lane_json(const gd_audit_lane_report *l)
{
	return json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I}", "tenant", l->tenant, "lane", (json_int_t)l->lane,
	                 "first_seq", (json_int_t)l->first_seq, "last_seq", (json_int_t)l->last_seq, "entries",
	                 (json_int_t)l->entries, "checkpoints", (json_int_t)l->checkpoints, "unsigned_tail",
	                 (json_int_t)l->unsigned_tail);
}

/* "read,write" of an operation set. */
static json_t *ops_json(unsigned ops)
{
	char b[96];
	gd_ops_format(b, ops);
	return json_string(b);
}

json_t *gd_role_json(const gd_role_info *r)
{
	return json_pack("{s:s,s:o,s:s,s:b}", "name", r->name, "ops", ops_json(r->ops), "activities",
	                 r->activities, "mfa", r->mfa);
}

json_t *gd_principal_json(const gd_principal_info *p)
{
	static const char *const kinds[] = {"person", "service", "support"};
	const char *kind = (unsigned)p->kind < 3 ? kinds[p->kind] : "unknown";
	json_t *j = json_pack("{s:s,s:s,s:s,s:b,s:b}", "name", p->name, "kind", kind, "role", p->role, "totp",
	                      p->totp, "disabled", p->disabled);
	if (j && p->locked_until && json_object_set_new(j, "locked_until", time_json(p->locked_until)) != 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

json_t *gd_token_json(const gd_token_info *t)
{
	return json_pack("{s:I,s:s,s:s,s:o,s:o,s:o,s:b}", "id", (json_int_t)t->id, "principal", t->principal,
	                 "kind", t->session ? "session" : "token", "created_at", time_json(t->created_at),
	                 "expires_at", time_json(t->expires_at), "last_used", time_json(t->last_used), "revoked",
	                 t->revoked);
}

json_t *gd_grant_json(const gd_grant_info *g)
{
	return json_pack("{s:I,s:s,s:o,s:s,s:o,s:o,s:s,s:b}", "id", (json_int_t)g->id, "support", g->support,
	                 "ops", ops_json(g->ops), "activities", g->activities, "created_at", time_json(g->created_at),
	                 "expires_at", time_json(g->expires_at), "issued_by", g->issued_by, "revoked", g->revoked);
}
