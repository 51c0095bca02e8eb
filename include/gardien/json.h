/*
 * gardien/json.h — the JSON form of the objects the CLI and the server both
 * print, so that `gardien … --json` and the HTTP API give the same object the
 * same shape (docs/API.md, "JSON shapes").
 *
 * Not included by gardien.h: it needs jansson (<jansson.h>), which the library
 * links anyway; include it where JSON is written.
 *
 * Shared conventions of every object:
 *  - times are ISO 8601 UTC strings ("2026-01-15T10:00:00Z"), null when not
 *    set (a gd_time of 0);
 *  - an optional text that is absent or empty is null;
 *  - counts that may be unknown keep the library's -1.
 *
 * Each function below takes the object to write (borrowed, not kept) and
 * @return a new object the caller owns (json_decref), or NULL when memory
 * runs out. They read only their argument and touch no vault: thread-safe as
 * long as the argument is not being changed.
 */
#ifndef GARDIEN_JSON_H
#define GARDIEN_JSON_H

#include <jansson.h>

#include "gardien.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A record: {"id", "subject", "activity", "category", "source",
 * "collected_at", "updated_at", "type" ("text" or "json"), "value"}. A JSON
 * value is embedded as JSON (a string if it does not parse), text as a string.
 * The value is personal data: the result holds a copy in ordinary memory.
 */
json_t *gd_record_json(const gd_record *r);

/*
 * An audit entry: {"seq", "at", "principal", "action", "purpose", "subject",
 * "record_id" (0 when none), "category", "outcome" ("ok", "denied",
 * "failed"), "reason"}.
 */
json_t *gd_audit_entry_json(const gd_audit_entry *e);

/*
 * A breach: every field of gd_breach under its own name ("approx_subjects"
 * and "approx_records" -1 when unknown), plus "scope" {"from", "to",
 * "principal", "activity", "subjects", "records", "categories"} once the
 * scope was computed from the audit trail.
 */
json_t *gd_breach_json(const gd_breach *b);

/*
 * A data-subject request: {"id", "subject", "kind", "activity", "state",
 * "received_at", "due_at", "extended", "late", "reason", "identity_method",
 * "identity_ref", "identity_by", "identity_verified_at", "closed_at",
 * "opened_by", "copies"}.
 */
json_t *gd_request_json(const gd_request *r);

/*
 * A consent event: {"activity", "event" ("given", "renewed", "withdrawn",
 * "expired"), "at", "expires_at", "wording_hash", "wording_version",
 * "channel", "source", "principal"} (the names of the subject's export,
 * docs/rights.md).
 */
json_t *gd_consent_json(const gd_consent *c);

/*
 * A legal hold: {"id", "subject", "record_id" (0: the whole subject),
 * "reason", "placed_at", "placed_by", "lifted_at"}.
 */
json_t *gd_hold_json(const gd_hold *h);

/*
 * A version of a register: {"version", "loaded_at", "principal", "file",
 * "digest", "activities"}.
 */
json_t *gd_register_version_json(const gd_register_version *v);

/*
 * A row of the retention plan: {"month", "activity", "action", "rule",
 * "rule_line", "count", "first_due"}.
 */
json_t *gd_retention_plan_row_json(const gd_retention_plan_row *r);

/*
 * The report of an audit verification: {"result" (gd_audit_problem_name),
 * "intact", "chains", "entries", "checkpoints", "unsigned_tail", "detail"},
 * and, when not intact, "tenant" (the chain's name) and "first_bad_seq".
 */
json_t *gd_audit_report_json(const gd_audit_report *r);
/* One lane that verified intact (gd_audit_verify_lanes). */
json_t *gd_audit_lane_json(const gd_audit_lane_report *l);

/* A role: {"name", "ops" ("read,write"), "activities", "mfa"}. */
json_t *gd_role_json(const gd_role_info *r);

/*
 * A person or service: {"name", "kind" ("person", "service", "support"),
 * "role", "totp", "disabled"}, and "locked_until" while locked out.
 */
json_t *gd_principal_json(const gd_principal_info *p);

/*
 * A token or session (never its value): {"id", "principal", "kind"
 * ("token", "session"), "created_at", "expires_at", "last_used", "revoked"}.
 */
json_t *gd_token_json(const gd_token_info *t);

/*
 * A support grant: {"id", "support", "ops", "activities", "created_at",
 * "expires_at", "issued_by", "revoked"}.
 */
json_t *gd_grant_json(const gd_grant_info *g);

#ifdef __cplusplus
}
#endif

#endif
