/*
 * openapi.c — the OpenAPI 3 document of the HTTP API, generated from the route
 * table (router.c) and the documentation table below, which gives each route
 * what a client generator needs beyond it: an operationId, the query
 * parameters, the schema of the answer, and the conventions the router
 * applies (paging, ETag, Idempotency-Key: conventions.c). The router reads the
 * same table, so the document cannot promise what the server does not do.
 *
 * Invariant: every route of the route table has an entry here (the suite
 * checks that every operation of docs/openapi.json has an operationId, and
 * the document is validated by @redocly/cli).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define R_TENANT "/v1/tenants/{tenant}"
#define Q_PAGE "limit:integer:items per page, 1 to 1000 (100)|cursor:string:next_cursor of the previous page"
#define Q_FORMAT_EXPORT "format:string:json, csv or html (json)"

/* One entry per line, a table to read across: kept out of clang-format. */
/* clang-format off */
static const struct api_doc docs[] = {
	/* method, pattern, operationId, flags, list key, answer schema, query parameters */
	{"GET", "/healthz", "getHealth", 0, NULL, "Health", NULL},
	{"GET", "/metrics", "getMetrics", 0, NULL, NULL, NULL},
	{"GET", "/v1/openapi.json", "getOpenApi", 0, NULL, "Done", NULL},
	{"POST", "/v1/auth/login", "login", 0, NULL, "LoginResult", NULL},
	{"POST", "/v1/auth/logout", "logout", 0, NULL, NULL, NULL},
	{"GET", "/v1/whoami", "whoAmI", 0, NULL, "Actor", NULL},
	{"GET", R_TENANT, "getTenant", 0, NULL, "Actor", NULL},
	{"GET", R_TENANT "/subjects", "listSubjects", API_CURSOR, "subjects", "Subject", Q_PAGE},
	{"POST", R_TENANT "/subjects", "createSubject", API_IDEMPOTENT, NULL, "SubjectRef", NULL},
	{"POST", R_TENANT "/subjects/find", "findSubject", 0, NULL, "SubjectRef", NULL},
	{"POST", R_TENANT "/subjects/{subject}/identifiers", "addIdentifier", API_IDEMPOTENT, NULL, "IdentifierAdded", NULL},
	{"DELETE", R_TENANT "/subjects/{subject}", "eraseSubject", 0, NULL, "SubjectErased", NULL},
	{"POST", R_TENANT "/subjects/{subject}/records", "putRecord", API_IDEMPOTENT, NULL, "RecordRef", NULL},
	{"GET", R_TENANT "/subjects/{subject}/records", "listRecords", API_PAGED, "records", "Record", "!purpose:string:the activity the read is for|" Q_PAGE},
	{"GET", R_TENANT "/records/{id}", "getRecord", 0, NULL, "Record", "!purpose:string:the activity the read is for"},
	{"POST", R_TENANT "/records/{id}/disclose", "discloseRecord", 0, NULL, "Record", NULL},
	{"PUT", R_TENANT "/records/{id}", "updateRecord", 0, NULL, "RecordUpdated", NULL},
	{"DELETE", R_TENANT "/records/{id}", "deleteRecord", 0, NULL, "RecordDeleted", NULL},
	{"DELETE", R_TENANT "/clients/{client}", "eraseClient", 0, NULL, "ClientErased", NULL},
	{"PUT", R_TENANT "/register", "loadRegister", 0, NULL, "RegisterLoaded", NULL},
	{"GET", R_TENANT "/register", "getRegister", API_ETAG, NULL, "Done", "format:string:json, jsonld, md, html, csv or fods (json)|version:integer:a version (the latest)"},
	{"GET", R_TENANT "/register/diff", "diffRegister", API_ETAG, NULL, "RegisterDiff", "from:integer:the older version (the one before to)|to:integer:the newer version (the latest)"},
	{"GET", R_TENANT "/register/versions", "listRegisterVersions", API_ETAG | API_PAGED, "versions", "RegisterVersion", Q_PAGE},
	{"GET", R_TENANT "/audit", "listAudit", API_CURSOR, "entries", "AuditEntry", "from:string:entries from this time|to:string:entries up to this time|principal:string:by this principal|subject:string:about this subject|action:string:this action|purpose:string:for this purpose|outcome:string:ok, denied or failed|record:integer:about this record|limit:integer:entries per page, 1 to 10000 (1000)|cursor:string:next_cursor of the previous page|after:integer:the next of the previous page (older form of cursor)"},
	{"GET", R_TENANT "/audit/verify", "verifyAudit", 0, NULL, "AuditReport", NULL},
	{"POST", R_TENANT "/breaches", "recordBreach", API_IDEMPOTENT, NULL, "BreachId", NULL},
	{"GET", R_TENANT "/breaches", "listBreaches", API_PAGED, "breaches", "Breach", Q_PAGE},
	{"GET", R_TENANT "/breaches/{id}", "getBreach", 0, NULL, "Breach", NULL},
	{"PUT", R_TENANT "/breaches/{id}", "updateBreach", 0, NULL, "Breach", NULL},
	{"POST", R_TENANT "/breaches/{id}/scope", "scopeBreach", 0, NULL, "BreachScopeResult", NULL},
	{"GET", R_TENANT "/breaches/{id}/draft", "draftBreach", 0, NULL, NULL, "to:string:authority or subjects|language:string:fr or en|format:string:text or html"},
	{"POST", R_TENANT "/breaches/{id}/notify", "notifyBreach", 0, NULL, "Breach", NULL},
	{"POST", R_TENANT "/breaches/{id}/controllers", "tellBreachControllers", 0, NULL, "Breach", NULL},
	{"GET", R_TENANT "/calendar", "getCalendar", 0, NULL, "CalendarInfo", NULL},
	{"PUT", R_TENANT "/calendar", "setCalendar", 0, NULL, "CalendarInfo", NULL},
	{"POST", R_TENANT "/requests", "openRequest", API_IDEMPOTENT, NULL, "Request", NULL},
	{"GET", R_TENANT "/requests", "listRequests", API_PAGED, "requests", "Request", "open:boolean:true: open requests only|" Q_PAGE},
	{"GET", R_TENANT "/requests/{id}", "getRequest", 0, NULL, "Request", NULL},
	{"POST", R_TENANT "/requests/{id}/{step}", "stepRequest", 0, NULL, "Request", NULL},
	{"GET", R_TENANT "/requests/{id}/export", "exportRequest", 0, NULL, NULL, Q_FORMAT_EXPORT},
	{"GET", R_TENANT "/outbox", "listOutbox", API_PAGED, "notices", "OutboxNotice", "all:boolean:true: acknowledged ones too|recipient:string:this recipient's|" Q_PAGE},
	{"POST", R_TENANT "/outbox/{id}/ack", "ackOutbox", 0, NULL, "Acknowledged", NULL},
	{"GET", R_TENANT "/subjects/{subject}/export", "exportSubject", 0, NULL, NULL, Q_FORMAT_EXPORT "|portable:boolean:true: the portable data only (Art. 20)"},
	{"GET", R_TENANT "/subjects/{subject}/consents", "listConsents", API_PAGED, "consents", "Consent", Q_PAGE},
	{"PUT", R_TENANT "/subjects/{subject}/consents/{activity}", "giveConsent", 0, NULL, "ConsentState", NULL},
	{"DELETE", R_TENANT "/subjects/{subject}/consents/{activity}", "withdrawConsent", 0, NULL, "ConsentState", "channel:string:how the withdrawal came"},
	{"GET", R_TENANT "/consents/expiring", "listExpiringConsents", API_PAGED, "consents", "Consent", "until:string:the horizon (YYYY-MM-DD)|" Q_PAGE},
	{"PUT", R_TENANT "/subjects/{subject}/directive", "setDirective", 0, NULL, "DirectiveRecorded", NULL},
	{"GET", R_TENANT "/subjects/{subject}/directive", "getDirective", 0, NULL, "DirectiveInfo", NULL},
	{"POST", R_TENANT "/subjects/{subject}/directive/apply", "applyDirective", 0, NULL, "DirectiveApplied", NULL},
	{"POST", R_TENANT "/subjects/{subject}/events", "recordEvent", API_IDEMPOTENT, NULL, "EventRecorded", NULL},
	{"POST", R_TENANT "/holds", "placeHold", API_IDEMPOTENT, NULL, "HoldRef", NULL},
	{"GET", R_TENANT "/holds", "listHolds", API_PAGED, "holds", "HoldInfo", "subject:string:this subject's|all:boolean:true: lifted ones too|" Q_PAGE},
	{"DELETE", R_TENANT "/holds/{id}", "liftHold", 0, NULL, "Lifted", "reason:string:why the hold ends"},
	{"GET", R_TENANT "/backups", "getBackups", 0, NULL, "Backups", NULL},
	{"GET", R_TENANT "/retention/plan", "planRetention", 0, NULL, "RetentionPlan", "!until:string:the horizon (YYYY-MM-DD)"},
	{"POST", R_TENANT "/retention/sweep", "sweepRetention", 0, NULL, "SweepResult", NULL},
	{"GET", R_TENANT "/roles", "listRoles", API_PAGED, "roles", "RoleInfo", Q_PAGE},
	{"PUT", R_TENANT "/roles/{name}", "setRole", 0, NULL, "RoleInfo", NULL},
	{"GET", R_TENANT "/principals", "listPrincipals", API_PAGED, "principals", "Principal", Q_PAGE},
	{"POST", R_TENANT "/users", "createUser", API_IDEMPOTENT, NULL, "PrincipalCreated", NULL},
	{"POST", R_TENANT "/services", "createService", API_IDEMPOTENT, NULL, "PrincipalCreated", NULL},
	{"POST", R_TENANT "/principals/{name}/totp", "enableTotp", 0, NULL, "TotpEnrolment", NULL},
	{"POST", R_TENANT "/principals/{name}/unlock", "unlockPrincipal", 0, NULL, "Unlocked", NULL},
	{"GET", R_TENANT "/tokens", "listTokens", API_PAGED, "tokens", "TokenInfo", Q_PAGE},
	{"POST", R_TENANT "/tokens", "createToken", 0, NULL, "TokenCreated", NULL},
	{"DELETE", R_TENANT "/tokens/{id}", "revokeToken", 0, NULL, "Revoked", NULL},
	{"GET", R_TENANT "/grants", "listGrants", API_PAGED, "grants", "GrantInfo", Q_PAGE},
	{"POST", R_TENANT "/grants", "createGrant", API_IDEMPOTENT, NULL, "GrantCreated", NULL},
	{"DELETE", R_TENANT "/grants/{id}", "revokeGrant", 0, NULL, "Revoked", NULL},
};
/* clang-format on */

const struct api_doc *api_doc_of(const struct api_route *r)
{
	for (size_t i = 0; i < sizeof docs / sizeof *docs; i++)
		if (strcmp(docs[i].method, r->method) == 0 && strcmp(docs[i].pattern, r->pattern) == 0)
			return &docs[i];
	return NULL;
}

/* The bodies of route_owed.c, apart so that the table above stays one generated string. */
static const char owed_schema_text[] =
	"{\"Disclosure\":{\"type\":\"object\",\"properties\":{\"purpose\":{\"type\":\"string\",\"description\":"
	"\"an activity whose recipients include an authority\"},\"authority\":{\"type\":\"string\"},"
	"\"legal_reference\":{\"type\":\"string\",\"description\":\"the text or order that compels the disclosure\"},"
	"\"withhold\":{\"type\":\"string\",\"description\":\"why the owner may not be told: no notice is queued\"}},"
	"\"required\":[\"purpose\",\"authority\",\"legal_reference\"]},\"BreachControllers\":{\"type\":\"object\","
	"\"properties\":{\"activity\":{\"type\":\"string\",\"description\":\"only this processor activity's customers\"}}}}";

/* Request and answer bodies, as JSON Schema (OpenAPI 3.0 dialect). */
static const char schema_text[] =
	"{\"Login\":{\"type\":\"object\",\"properties\":{\"tenant\":{\"type\":\"string\",\"description\":\"om"
	"it for the provider's support staff\"},\"name\":{\"type\":\"string\"},\"password\":{\"type\":\"strin"
	"g\"},\"totp\":{\"type\":\"string\",\"description\":\"6-digit TOTP code when required\"}},\"required\""
	":[\"name\",\"password\"]},\"SubjectCreate\":{\"type\":\"object\",\"properties\":{\"identifiers\":{\""
	"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"},\"description\":\"kind: value, e.g."
	" email, phone, customer_number\"}}},\"Identifier\":{\"type\":\"object\",\"properties\":{\"kind\":{\""
	"type\":\"string\"},\"value\":{\"type\":\"string\"}},\"required\":[\"kind\",\"value\"]},\"RecordPut\""
	":{\"type\":\"object\",\"properties\":{\"activity\":{\"type\":\"string\"},\"category\":{\"type\":\"st"
	"ring\"},\"source\":{\"type\":\"string\"},\"collected_at\":{\"type\":\"string\"},\"value\":{\"descrip"
	"tion\":\"a string (text) or any JSON value\"},\"subject_category\":{\"type\":\"string\",\"descriptio"
	"n\":\"data-subject category of the register (customer, prospect); required once the tenant has a reg"
	"ister\"},\"object\":{\"type\":\"string\",\"description\":\"the contract, subscription or account the"
	" record is about; retention counts from its events\"},\"client\":{\"type\":\"string\",\"description\""
	":\"in a processor activity, the customer the record is processed for\"}},\"required\":[\"activity\","
	"\"category\",\"value\"]},\"RecordValue\":{\"type\":\"object\",\"properties\":{\"value\":{\"descripti"
	"on\":\"a string (text) or any JSON value\"}},\"required\":[\"value\"]},\"Role\":{\"type\":\"object\""
	",\"properties\":{\"ops\":{\"type\":\"string\",\"description\":\"read,write,erase,export,requests,reg"
	"ister,audit,admin or all\"},\"activities\":{\"type\":\"string\",\"description\":\"* or activity ids "
	"separated by commas\"},\"mfa\":{\"type\":\"boolean\"}},\"required\":[\"ops\",\"activities\"]},\"User"
	"Create\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"role\":{\"type\":\"st"
	"ring\"},\"password\":{\"type\":\"string\"}},\"required\":[\"name\",\"role\",\"password\"]},\"Service"
	"Create\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"role\":{\"type\":\"st"
	"ring\"}},\"required\":[\"name\",\"role\"]},\"TokenCreate\":{\"type\":\"object\",\"properties\":{\"pr"
	"incipal\":{\"type\":\"string\"},\"expires_at\":{\"type\":\"string\"}},\"required\":[\"principal\"]},"
	"\"GrantCreate\":{\"type\":\"object\",\"properties\":{\"support\":{\"type\":\"string\"},\"ops\":{\"ty"
	"pe\":\"string\"},\"activities\":{\"type\":\"string\"},\"expires_at\":{\"type\":\"string\"}},\"requir"
	"ed\":[\"support\",\"ops\",\"activities\",\"expires_at\"]},\"RegisterLoad\":{\"type\":\"object\",\"pr"
	"operties\":{\"yaml\":{\"type\":\"string\",\"description\":\"the register file (docs/register.md)\"},"
	"\"name\":{\"type\":\"string\"}},\"required\":[\"yaml\"]},\"BreachRecord\":{\"type\":\"object\",\"pro"
	"perties\":{\"detected_at\":{\"type\":\"string\"},\"started_at\":{\"type\":\"string\"},\"ended_at\":{"
	"\"type\":\"string\"},\"nature\":{\"type\":\"string\"},\"description\":{\"type\":\"string\"},\"data_c"
	"ategories\":{\"type\":\"string\"},\"subject_categories\":{\"type\":\"string\"},\"consequences\":{\"t"
	"ype\":\"string\"},\"measures_taken\":{\"type\":\"string\"},\"measures_proposed\":{\"type\":\"string\""
	"},\"contact\":{\"type\":\"string\"},\"controller\":{\"type\":\"string\"},\"language\":{\"type\":\"st"
	"ring\"},\"approx_subjects\":{\"type\":\"integer\"},\"approx_records\":{\"type\":\"integer\"},\"high_"
	"risk\":{\"type\":\"boolean\"}}},\"BreachScope\":{\"type\":\"object\",\"properties\":{\"from\":{\"typ"
	"e\":\"string\"},\"to\":{\"type\":\"string\"},\"principal\":{\"type\":\"string\"},\"activity\":{\"typ"
	"e\":\"string\"}},\"required\":[\"from\"]},\"BreachNotify\":{\"type\":\"object\",\"properties\":{\"at"
	"\":{\"type\":\"string\"},\"delay_reason\":{\"type\":\"string\"}}},\"RequestOpen\":{\"type\":\"object"
	"\",\"properties\":{\"kind\":{\"type\":\"string\",\"description\":\"access, rectification, erasure, r"
	"estriction, objection, portability, withdraw_consent, post_mortem, confirmation\"},\"subject\":{\"ty"
	"pe\":\"string\"},\"activity\":{\"type\":\"string\"},\"received_at\":{\"type\":\"string\"}},\"require"
	"d\":[\"kind\",\"subject\"]},\"RequestStep\":{\"type\":\"object\",\"properties\":{\"method\":{\"type\""
	":\"string\",\"description\":\"verify: how the identity was verified\"},\"evidence\":{\"type\":\"stri"
	"ng\"},\"reason\":{\"type\":\"string\"},\"record_id\":{\"type\":\"integer\",\"description\":\"rectify"
	": the record\"},\"value\":{\"description\":\"rectify: its corrected value (a string or any JSON)\"}}"
	"},\"ConsentGive\":{\"type\":\"object\",\"properties\":{\"channel\":{\"type\":\"string\"},\"text\":{\""
	"type\":\"string\"},\"text_version\":{\"type\":\"string\"},\"source\":{\"type\":\"string\"}},\"requir"
	"ed\":[\"channel\"]},\"Event\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\""
	"at\":{\"type\":\"string\"},\"object\":{\"type\":\"string\",\"description\":\"one contract, subscript"
	"ion or account of the subject: only its records count from this event\"}},\"required\":[\"name\"]},\""
	"Hold\":{\"type\":\"object\",\"properties\":{\"subject\":{\"type\":\"string\"},\"record_id\":{\"type\""
	":\"integer\"},\"reason\":{\"type\":\"string\"}},\"required\":[\"subject\",\"reason\"]},\"Calendar\":"
	"{\"type\":\"object\",\"properties\":{\"state\":{\"type\":\"string\",\"description\":\"member state w"
	"hose public holidays count (BE, FR, LU, NL, DE); empty: the calling code's\"},\"zone\":{\"type\":\"s"
	"tring\",\"description\":\"IANA time zone, e.g. Europe/Brussels; empty: the state's\"},\"target_days\""
	":{\"type\":\"integer\",\"description\":\"internal target in days after receipt, 0 to 90; 0: none\"}}"
	"},\"Directive\":{\"type\":\"object\",\"properties\":{\"wish\":{\"type\":\"string\",\"enum\":[\"erase"
	"\",\"transmit\",\"keep\"]},\"designated\":{\"type\":\"string\",\"description\":\"the person who is t"
	"o see it done\"},\"contact\":{\"type\":\"string\"},\"text\":{\"type\":\"string\",\"description\":\"t"
	"he directive in the subject's words\"}},\"required\":[\"wish\",\"designated\",\"contact\"]},\"Proble"
	"m\":{\"type\":\"object\",\"properties\":{\"type\":{\"type\":\"string\",\"description\":\"urn:gardien"
	":problem:<code>\"},\"title\":{\"type\":\"string\"},\"status\":{\"type\":\"integer\"},\"detail\":{\"t"
	"ype\":\"string\",\"description\":\"what went wrong and how to fix it; never a value, token or person"
	"al data\"},\"code\":{\"type\":\"string\",\"description\":\"gardien's stable error code\"}},\"require"
	"d\":[\"type\",\"title\",\"status\",\"detail\",\"code\"],\"description\":\"RFC 9457 problem details\""
	"},\"Health\":{\"type\":\"object\",\"properties\":{\"status\":{\"type\":\"string\"},\"version\":{\"ty"
	"pe\":\"string\"}},\"required\":[\"status\",\"version\"]},\"LoginResult\":{\"type\":\"object\",\"prop"
	"erties\":{\"token\":{\"type\":\"string\",\"description\":\"the session token, shown once\"},\"idle_t"
	"imeout\":{\"type\":\"integer\"},\"absolute_timeout\":{\"type\":\"integer\"}},\"required\":[\"token\""
	"]},\"Actor\":{\"type\":\"object\",\"properties\":{\"tenant\":{\"type\":\"string\"},\"principal\":{\""
	"type\":\"string\"},\"role\":{\"type\":\"string\"},\"ops\":{\"type\":\"array\",\"items\":{\"type\":\""
	"string\"}},\"activities\":{\"type\":\"string\"},\"grant\":{\"type\":\"integer\",\"description\":\"th"
	"e support grant in use, if any\"}},\"required\":[\"tenant\",\"principal\"]},\"SubjectRef\":{\"type\""
	":\"object\",\"properties\":{\"subject\":{\"type\":\"string\",\"description\":\"pseudonymous id sub_…"
	"\"}},\"required\":[\"subject\"]},\"Subject\":{\"type\":\"object\",\"properties\":{\"subject\":{\"typ"
	"e\":\"string\"},\"created_at\":{\"type\":\"string\",\"nullable\":true,\"description\":\"ISO 8601 UTC"
	" time, null when not set\"}},\"required\":[\"subject\"]},\"IdentifierAdded\":{\"type\":\"object\",\""
	"properties\":{\"subject\":{\"type\":\"string\"},\"kind\":{\"type\":\"string\"}},\"required\":[\"subj"
	"ect\",\"kind\"]},\"RecordRef\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\""
	"subject\":{\"type\":\"string\"}},\"required\":[\"id\",\"subject\"]},\"Record\":{\"type\":\"object\","
	"\"properties\":{\"id\":{\"type\":\"integer\"},\"subject\":{\"type\":\"string\"},\"activity\":{\"type"
	"\":\"string\"},\"category\":{\"type\":\"string\"},\"source\":{\"type\":\"string\",\"nullable\":true}"
	",\"collected_at\":{\"type\":\"string\",\"nullable\":true,\"description\":\"ISO 8601 UTC time, null w"
	"hen not set\"},\"updated_at\":{\"type\":\"string\",\"nullable\":true,\"description\":\"ISO 8601 UTC "
	"time, null when not set\"},\"type\":{\"type\":\"string\",\"enum\":[\"text\",\"json\"]},\"value\":{\""
	"description\":\"text as a string, JSON as JSON\"}},\"required\":[\"id\",\"subject\",\"activity\",\"c"
	"ategory\"]},\"Request\":{\"type\":\"object\",\"properties\":{\"subject\":{\"type\":\"string\",\"null"
	"able\":true},\"kind\":{\"type\":\"string\",\"nullable\":true},\"activity\":{\"type\":\"string\",\"nu"
	"llable\":true},\"state\":{\"type\":\"string\",\"nullable\":true},\"reason\":{\"type\":\"string\",\"n"
	"ullable\":true},\"identity_method\":{\"type\":\"string\",\"nullable\":true},\"identity_ref\":{\"type"
	"\":\"string\",\"nullable\":true},\"identity_by\":{\"type\":\"string\",\"nullable\":true},\"opened_by"
	"\":{\"type\":\"string\",\"nullable\":true},\"received_at\":{\"type\":\"string\",\"nullable\":true,\""
	"description\":\"ISO 8601 UTC time, null when not set\"},\"due_at\":{\"type\":\"string\",\"nullable\""
	":true,\"description\":\"ISO 8601 UTC time, null when not set\"},\"identity_verified_at\":{\"type\":\""
	"string\",\"nullable\":true,\"description\":\"ISO 8601 UTC time, null when not set\"},\"closed_at\":{"
	"\"type\":\"string\",\"nullable\":true,\"description\":\"ISO 8601 UTC time, null when not set\"},\"id"
	"\":{\"type\":\"integer\"},\"extended\":{\"type\":\"boolean\"},\"late\":{\"type\":\"boolean\"},\"copi"
	"es\":{\"type\":\"integer\"},\"kept\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties"
	"\":{},\"additionalProperties\":true},\"description\":\"erase: records kept and why\"}},\"required\":"
	"[\"id\",\"subject\",\"kind\",\"state\"],\"additionalProperties\":true},\"AuditEntry\":{\"type\":\"ob"
	"ject\",\"properties\":{\"seq\":{\"type\":\"integer\"},\"at\":{\"type\":\"string\",\"nullable\":true,"
	"\"description\":\"ISO 8601 UTC time, null when not set\"},\"principal\":{\"type\":\"string\"},\"acti"
	"on\":{\"type\":\"string\"},\"purpose\":{\"type\":\"string\",\"nullable\":true},\"subject\":{\"type\""
	":\"string\",\"nullable\":true},\"record_id\":{\"type\":\"integer\"},\"category\":{\"type\":\"string\""
	",\"nullable\":true},\"outcome\":{\"type\":\"string\",\"enum\":[\"ok\",\"denied\",\"failed\"]},\"reas"
	"on\":{\"type\":\"string\",\"nullable\":true}},\"required\":[\"seq\",\"at\",\"action\",\"outcome\"]},"
	"\"AuditReport\":{\"type\":\"object\",\"properties\":{\"result\":{\"type\":\"string\"},\"intact\":{\""
	"type\":\"boolean\"},\"chains\":{\"type\":\"integer\"},\"entries\":{\"type\":\"integer\"},\"checkpoin"
	"ts\":{\"type\":\"integer\"},\"unsigned_tail\":{\"type\":\"integer\"},\"detail\":{\"type\":\"string\""
	"},\"tenant\":{\"type\":\"string\"},\"first_bad_seq\":{\"type\":\"integer\"}},\"required\":[\"result\""
	",\"intact\"]},\"Breach\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"status"
	"\":{\"type\":\"string\"},\"deadline\":{\"type\":\"string\",\"nullable\":true,\"description\":\"ISO 8"
	"601 UTC time, null when not set\"},\"seconds_left\":{\"type\":\"integer\"},\"detected_at\":{\"type\""
	":\"string\",\"nullable\":true,\"description\":\"ISO 8601 UTC time, null when not set\"}},\"required\""
	":[\"id\"],\"additionalProperties\":true,\"description\":\"every field of BreachRecord, its clock and"
	" its scope\"},\"BreachId\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"}},\"req"
	"uired\":[\"id\"]},\"Consent\":{\"type\":\"object\",\"properties\":{\"activity\":{\"type\":\"string\""
	"},\"event\":{\"type\":\"string\",\"enum\":[\"given\",\"renewed\",\"withdrawn\",\"expired\"]},\"at\":"
	"{\"type\":\"string\",\"nullable\":true,\"description\":\"ISO 8601 UTC time, null when not set\"},\"e"
	"xpires_at\":{\"type\":\"string\",\"nullable\":true,\"description\":\"ISO 8601 UTC time, null when no"
	"t set\"},\"wording_hash\":{\"type\":\"string\",\"nullable\":true},\"wording_version\":{\"type\":\"st"
	"ring\",\"nullable\":true},\"channel\":{\"type\":\"string\",\"nullable\":true},\"source\":{\"type\":\""
	"string\",\"nullable\":true},\"principal\":{\"type\":\"string\",\"nullable\":true}},\"required\":[\"a"
	"ctivity\",\"event\"],\"additionalProperties\":true},\"ConsentState\":{\"type\":\"object\",\"properti"
	"es\":{\"subject\":{\"type\":\"string\"},\"activity\":{\"type\":\"string\"},\"state\":{\"type\":\"str"
	"ing\",\"enum\":[\"live\",\"withdrawn\"]}},\"required\":[\"subject\",\"activity\",\"state\"]},\"HoldI"
	"nfo\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"subject\":{\"type\":\"str"
	"ing\"},\"record_id\":{\"type\":\"integer\"},\"reason\":{\"type\":\"string\"},\"placed_at\":{\"type\""
	":\"string\",\"nullable\":true,\"description\":\"ISO 8601 UTC time, null when not set\"},\"placed_by\""
	":{\"type\":\"string\"},\"lifted_at\":{\"type\":\"string\",\"nullable\":true,\"description\":\"ISO 86"
	"01 UTC time, null when not set\"}},\"required\":[\"id\",\"subject\"]},\"HoldRef\":{\"type\":\"object"
	"\",\"properties\":{\"id\":{\"type\":\"integer\"},\"subject\":{\"type\":\"string\"}},\"required\":[\""
	"id\",\"subject\"]},\"RegisterVersion\":{\"type\":\"object\",\"properties\":{\"version\":{\"type\":\""
	"integer\"},\"loaded_at\":{\"type\":\"string\",\"nullable\":true,\"description\":\"ISO 8601 UTC time,"
	" null when not set\"},\"principal\":{\"type\":\"string\"},\"file\":{\"type\":\"string\",\"nullable\""
	":true},\"digest\":{\"type\":\"string\"},\"activities\":{\"type\":\"integer\"}},\"required\":[\"versi"
	"on\"]},\"RegisterLoaded\":{\"type\":\"object\",\"properties\":{\"version\":{\"type\":\"integer\"},\""
	"unchanged\":{\"type\":\"boolean\"}},\"required\":[\"version\",\"unchanged\"]},\"RegisterDiff\":{\"ty"
	"pe\":\"object\",\"properties\":{\"from\":{\"type\":\"integer\"},\"to\":{\"type\":\"integer\"},\"chan"
	"ges\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{},\"additionalProperties\":"
	"true}}},\"required\":[\"from\",\"to\",\"changes\"]},\"PlanRow\":{\"type\":\"object\",\"properties\":"
	"{\"month\":{\"type\":\"string\"},\"activity\":{\"type\":\"string\"},\"action\":{\"type\":\"string\"}"
	",\"rule\":{\"type\":\"string\"},\"rule_line\":{\"type\":\"integer\"},\"count\":{\"type\":\"integer\""
	"},\"first_due\":{\"type\":\"string\",\"nullable\":true,\"description\":\"ISO 8601 UTC time, null whe"
	"n not set\"}},\"required\":[\"month\",\"activity\",\"action\",\"count\"]},\"RoleInfo\":{\"type\":\"o"
	"bject\",\"properties\":{\"name\":{\"type\":\"string\"},\"ops\":{\"oneOf\":[{\"type\":\"string\"},{\""
	"type\":\"array\",\"items\":{\"type\":\"string\"}}]},\"activities\":{\"type\":\"string\"},\"mfa\":{\""
	"type\":\"boolean\"}},\"required\":[\"name\"]},\"Principal\":{\"type\":\"object\",\"properties\":{\"n"
	"ame\":{\"type\":\"string\"},\"kind\":{\"type\":\"string\",\"enum\":[\"person\",\"service\",\"support"
	"\"]},\"role\":{\"type\":\"string\",\"nullable\":true},\"totp\":{\"type\":\"boolean\"},\"disabled\":{"
	"\"type\":\"boolean\"},\"locked_until\":{\"type\":\"string\",\"nullable\":true,\"description\":\"ISO "
	"8601 UTC time, null when not set\"}},\"required\":[\"name\",\"kind\"]},\"PrincipalCreated\":{\"type\""
	":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"kind\":{\"type\":\"string\"},\"role\":{"
	"\"type\":\"string\"}},\"required\":[\"name\",\"kind\",\"role\"]},\"TokenInfo\":{\"type\":\"object\","
	"\"properties\":{\"id\":{\"type\":\"integer\"},\"principal\":{\"type\":\"string\"},\"kind\":{\"type\""
	":\"string\",\"enum\":[\"token\",\"session\"]},\"created_at\":{\"type\":\"string\",\"nullable\":true,"
	"\"description\":\"ISO 8601 UTC time, null when not set\"},\"expires_at\":{\"type\":\"string\",\"null"
	"able\":true,\"description\":\"ISO 8601 UTC time, null when not set\"},\"last_used\":{\"type\":\"stri"
	"ng\",\"nullable\":true,\"description\":\"ISO 8601 UTC time, null when not set\"},\"revoked\":{\"type"
	"\":\"boolean\"}},\"required\":[\"id\",\"principal\",\"kind\"]},\"TokenCreated\":{\"type\":\"object\""
	",\"properties\":{\"id\":{\"type\":\"integer\"},\"principal\":{\"type\":\"string\"},\"token\":{\"type"
	"\":\"string\",\"description\":\"shown once\"},\"expires_at\":{\"type\":\"string\",\"nullable\":true,"
	"\"description\":\"ISO 8601 UTC time, null when not set\"}},\"required\":[\"id\",\"principal\",\"toke"
	"n\"]},\"TotpEnrolment\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"secret"
	"\":{\"type\":\"string\"},\"otpauth\":{\"type\":\"string\"}},\"required\":[\"name\",\"secret\",\"otpa"
	"uth\"]},\"GrantInfo\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"support\""
	":{\"type\":\"string\"},\"ops\":{\"oneOf\":[{\"type\":\"string\"},{\"type\":\"array\",\"items\":{\"ty"
	"pe\":\"string\"}}]},\"activities\":{\"type\":\"string\"},\"created_at\":{\"type\":\"string\",\"nulla"
	"ble\":true,\"description\":\"ISO 8601 UTC time, null when not set\"},\"expires_at\":{\"type\":\"stri"
	"ng\",\"nullable\":true,\"description\":\"ISO 8601 UTC time, null when not set\"},\"issued_by\":{\"ty"
	"pe\":\"string\",\"nullable\":true},\"revoked\":{\"type\":\"boolean\"}},\"required\":[\"id\",\"suppor"
	"t\"]},\"OutboxNotice\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"}},\"require"
	"d\":[\"id\"],\"additionalProperties\":true},\"RetentionPlan\":{\"type\":\"object\",\"properties\":{\""
	"rows\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/PlanRow\"}},\"transitions\":{\""
	"type\":\"integer\"},\"held\":{\"type\":\"integer\"},\"waiting\":{\"type\":\"integer\"},\"no_rule\":{"
	"\"type\":\"integer\"}},\"required\":[\"rows\"]},\"SubjectErased\":{\"type\":\"object\",\"properties\""
	":{\"subject\":{\"type\":\"string\"},\"erased\":{\"type\":\"boolean\"}},\"required\":[\"subject\",\"e"
	"rased\"]},\"RecordUpdated\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"upd"
	"ated\":{\"type\":\"boolean\"}},\"required\":[\"id\",\"updated\"]},\"RecordDeleted\":{\"type\":\"obje"
	"ct\",\"properties\":{\"id\":{\"type\":\"integer\"},\"deleted\":{\"type\":\"boolean\"}},\"required\":"
	"[\"id\",\"deleted\"]},\"ClientErased\":{\"type\":\"object\",\"properties\":{\"client\":{\"type\":\"s"
	"tring\"},\"deleted\":{\"type\":\"integer\"},\"subjects_erased\":{\"type\":\"integer\"},\"held\":{\"t"
	"ype\":\"integer\"}},\"required\":[\"client\",\"deleted\",\"subjects_erased\",\"held\"]},\"Revoked\":"
	"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"revoked\":{\"type\":\"boolean\""
	"}},\"required\":[\"id\",\"revoked\"]},\"Acknowledged\":{\"type\":\"object\",\"properties\":{\"id\":{"
	"\"type\":\"integer\"},\"acknowledged\":{\"type\":\"boolean\"}},\"required\":[\"id\",\"acknowledged\""
	"]},\"Lifted\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"lifted\":{\"type\""
	":\"boolean\"}},\"required\":[\"id\",\"lifted\"]},\"Unlocked\":{\"type\":\"object\",\"properties\":{\""
	"name\":{\"type\":\"string\"},\"unlocked\":{\"type\":\"boolean\"}},\"required\":[\"name\",\"unlocked\""
	"]},\"EventRecorded\":{\"type\":\"object\",\"properties\":{\"subject\":{\"type\":\"string\"},\"event\""
	":{\"type\":\"string\"},\"at\":{\"type\":\"string\",\"nullable\":true,\"description\":\"ISO 8601 UTC "
	"time, null when not set\"}},\"required\":[\"subject\",\"event\"]},\"GrantCreated\":{\"type\":\"objec"
	"t\",\"properties\":{\"id\":{\"type\":\"integer\"},\"support\":{\"type\":\"string\"},\"ops\":{\"type\""
	":\"string\"},\"activities\":{\"type\":\"string\"},\"expires_at\":{\"type\":\"string\",\"nullable\":t"
	"rue,\"description\":\"ISO 8601 UTC time, null when not set\"}},\"required\":[\"id\",\"support\",\"op"
	"s\",\"activities\"]},\"CalendarInfo\":{\"type\":\"object\",\"properties\":{\"state\":{\"type\":\"str"
	"ing\",\"nullable\":true},\"zone\":{\"type\":\"string\"},\"target_days\":{\"type\":\"integer\"},\"set"
	"\":{\"type\":\"object\",\"properties\":{\"state\":{\"type\":\"string\",\"nullable\":true},\"zone\":{"
	"\"type\":\"string\",\"nullable\":true},\"target_days\":{\"type\":\"integer\"}}}},\"required\":[\"zon"
	"e\",\"target_days\",\"set\"],\"description\":\"the calendar as used, and as set\"},\"SweepResult\":{"
	"\"type\":\"object\",\"properties\":{\"scheduled\":{\"type\":\"integer\"},\"archived\":{\"type\":\"in"
	"teger\"},\"anonymised\":{\"type\":\"integer\"},\"deleted\":{\"type\":\"integer\"},\"complete\":{\"ty"
	"pe\":\"boolean\"}},\"required\":[\"scheduled\",\"archived\",\"anonymised\",\"deleted\",\"complete\"]"
	"},\"BreachScopeResult\":{\"type\":\"object\",\"properties\":{\"breach\":{\"type\":\"integer\"},\"acc"
	"esses\":{\"type\":\"integer\"},\"subjects\":{\"type\":\"integer\"},\"records\":{\"type\":\"integer\""
	"},\"categories\":{\"type\":\"integer\"},\"by_category\":{\"type\":\"array\",\"items\":{\"type\":\"ob"
	"ject\",\"properties\":{},\"additionalProperties\":true}},\"by_subject\":{\"type\":\"array\",\"items\""
	":{\"type\":\"object\",\"properties\":{},\"additionalProperties\":true}}},\"required\":[\"breach\",\""
	"accesses\",\"subjects\",\"records\",\"categories\"]},\"Backups\":{\"type\":\"object\",\"properties\""
	":{\"policy\":{\"type\":\"object\",\"properties\":{\"daily_days\":{\"type\":\"integer\"},\"weekly_wee"
	"ks\":{\"type\":\"integer\"},\"monthly_months\":{\"type\":\"integer\"}}},\"count\":{\"type\":\"intege"
	"r\"},\"last\":{\"type\":\"string\",\"nullable\":true,\"description\":\"ISO 8601 UTC time, null when "
	"not set\"},\"horizon\":{\"type\":\"string\",\"nullable\":true,\"description\":\"ISO 8601 UTC time, n"
	"ull when not set\"},\"backups\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\""
	"created_at\":{\"type\":\"string\",\"nullable\":true,\"description\":\"ISO 8601 UTC time, null when n"
	"ot set\"},\"kinds\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},\"kept_until\":{\"type\":\""
	"string\",\"nullable\":true,\"description\":\"ISO 8601 UTC time, null when not set\"}},\"additionalPr"
	"operties\":true}}},\"required\":[\"policy\",\"count\",\"backups\"]},\"DirectiveRecorded\":{\"type\":"
	"\"object\",\"properties\":{\"subject\":{\"type\":\"string\"},\"wish\":{\"type\":\"string\",\"enum\":"
	"[\"erase\",\"transmit\",\"keep\"]},\"state\":{\"type\":\"string\"}},\"required\":[\"subject\",\"wish"
	"\",\"state\"]},\"DirectiveInfo\":{\"type\":\"object\",\"properties\":{\"subject\":{\"type\":\"string"
	"\"},\"directive\":{\"type\":\"object\",\"properties\":{\"wish\":{\"type\":\"string\",\"enum\":[\"era"
	"se\",\"transmit\",\"keep\"]},\"designated\":{\"type\":\"string\"},\"contact\":{\"type\":\"string\"},"
	"\"text\":{\"type\":\"string\"},\"recorded_at\":{\"type\":\"string\",\"nullable\":true,\"description\""
	":\"ISO 8601 UTC time, null when not set\"},\"applied_at\":{\"type\":\"string\",\"nullable\":true,\"d"
	"escription\":\"ISO 8601 UTC time, null when not set\"}},\"required\":[\"wish\",\"designated\",\"cont"
	"act\"]}},\"required\":[\"subject\",\"directive\"]},\"DirectiveApplied\":{\"type\":\"object\",\"prope"
	"rties\":{\"subject\":{\"type\":\"string\"},\"wish\":{\"type\":\"string\",\"enum\":[\"erase\",\"trans"
	"mit\",\"keep\"]},\"state\":{\"type\":\"string\"},\"copy\":{\"type\":\"object\",\"properties\":{},\"a"
	"dditionalProperties\":true,\"nullable\":true,\"description\":\"transmit: the subject export for the "
	"designated person\"}},\"required\":[\"subject\",\"wish\",\"state\"]},\"Done\":{\"type\":\"object\",\""
	"properties\":{},\"additionalProperties\":true,\"description\":\"the operation's outcome: the ids it "
	"touched and what it changed\"}}";

static json_t *schema_ref(const char *name)
{
	char ref[128];
	snprintf(ref, sizeof ref, "#/components/schemas/%s", name);
	return json_pack("{s:s}", "$ref", ref);
}

/* "name:type:description|…" ("!name": required) → parameters in the query. */
static void add_query_params(json_t *params, const char *spec)
{
	while (spec && *spec) {
		size_t n = strcspn(spec, "|");
		char item[256];
		snprintf(item, sizeof item, "%.*s", (int)(n < sizeof item ? n : sizeof item - 1), spec);
		bool req = item[0] == '!';
		char *name = item + req, *type = strchr(name, ':'), *desc = type ? strchr(type + 1, ':') : NULL;
		if (type && desc) {
			*type++ = 0, *desc++ = 0;
			json_array_append_new(params, json_pack("{s:s,s:s,s:b,s:s,s:{s:s}}", "name", name, "in", "query",
			                                        "required", req, "description", desc, "schema", "type", type));
		}
		spec += n + (spec[n] == '|');
	}
}

/* The answer's content: JSON under its schema, or the route's other types. */
static json_t *ok_content(const struct api_route *r, const struct api_doc *d)
{
	if (r->fn == route_metrics)
		return json_pack("{s:{s:{s:s}}}", "text/plain; version=0.0.4", "schema", "type", "string");
	if (r->fn == route_subject_export || r->fn == route_request_export)
		return json_pack("{s:{s:{s:s}},s:{s:{s:s}},s:{s:{s:s}}}", "application/json", "schema", "type", "object",
		                 "text/csv", "schema", "type", "string", "text/html", "schema", "type", "string");
	if (r->fn == route_breach_draft)
		return json_pack("{s:{s:{s:s}},s:{s:{s:s}}}", "text/plain", "schema", "type", "string", "text/html",
		                 "schema", "type", "string");
	if (r->fn == route_register_get)
		return json_pack("{s:{s:{s:s}},s:{s:{s:s}},s:{s:{s:s}},s:{s:{s:s}},s:{s:{s:s}},s:{s:{s:s,s:s}}}",
		                 "application/json", "schema", "type", "object", "application/ld+json", "schema", "type",
		                 "object", "text/markdown", "schema", "type", "string", "text/html", "schema", "type",
		                 "string", "text/csv", "schema", "type", "string",
		                 "application/vnd.oasis.opendocument.spreadsheet", "schema", "type", "string", "format",
		                 "binary");
	if (!d || !d->resp)
		return NULL;
	json_t *schema = schema_ref(d->resp);
	if (d->list) /* a page: the list, and the cursor of the next page when there is one */
		schema = json_pack("{s:s,s:{s:{s:s,s:o},s:{s:s,s:s}},s:[s],s:b}", "type", "object", "properties", d->list,
		                   "type", "array", "items", schema, "next_cursor", "type", "string", "description",
		                   "pass it as ?cursor= (with the same other parameters) for the next page; absent "
		                   "on the last page",
		                   "required", d->list, "additionalProperties", 1);
	return json_pack("{s:{s:o}}", "application/json", "schema", schema);
}

static json_t *problem_response(const char *description)
{
	return json_pack("{s:s,s:{s:{s:o}}}", "description", description, "content", "application/problem+json",
	                 "schema", schema_ref("Problem"));
}

static json_t *operation(const struct api_route *r, const struct api_doc *d, bool head)
{
	char opid[96], code[8];
	if (d)
		snprintf(opid, sizeof opid, "%s%s", head ? "head" : "", d->op_id);
	else /* a route without its documentation entry still gets a unique id */
		snprintf(opid, sizeof opid, "%s_%s", head ? "HEAD" : r->method, r->action ? r->action : r->pattern);
	if (head && d && opid[4] >= 'a' && opid[4] <= 'z')
		opid[4] = (char)(opid[4] - 'a' + 'A'); /* getRegister → headGetRegister */
	json_t *op = json_pack("{s:s,s:s,s:{}}", "operationId", opid, "summary",
	                       head ? "the headers of the GET of this path, without its body" : r->summary, "responses");
	json_t *params = json_array();
	for (const char *p = strchr(r->pattern, '{'); p; p = strchr(p + 1, '{')) {
		const char *e = strchr(p, '}');
		json_array_append_new(params, json_pack("{s:s%,s:s,s:b,s:{s:s}}", "name", p + 1, (size_t)(e - p - 1),
		                                        "in", "path", "required", 1, "schema", "type", "string"));
	}
	if (d)
		add_query_params(params, d->query);
	if (d && (d->flags & API_ETAG))
		json_array_append_new(params, json_pack("{s:s,s:s,s:b,s:s,s:{s:s}}", "name", "If-None-Match", "in",
		                                        "header", "required", 0, "description",
		                                        "the ETag of the copy held: 304 when it is current", "schema",
		                                        "type", "string"));
	if (d && (d->flags & API_IDEMPOTENT))
		json_array_append_new(params,
		                      json_pack("{s:s,s:s,s:b,s:s,s:{s:s,s:i,s:i}}", "name", "Idempotency-Key", "in",
		                                "header", "required", 0, "description",
		                                "a retry with the same key and body gets the first answer again (kept 24 "
		                                "hours in the server's memory); another request under the key is a 422",
		                                "schema", "type", "string", "minLength", 1, "maxLength", 255));
	if (json_array_size(params))
		json_object_set_new(op, "parameters", params);
	else
		json_decref(params);
	if (r->body_schema && !head)
		json_object_set_new(op, "requestBody",
		                    json_pack("{s:b,s:{s:{s:o}}}", "required", 1, "content", "application/json", "schema",
		                              schema_ref(r->body_schema)));
	json_object_set_new(op, "security",
	                    r->auth != API_PUBLIC ? json_pack("[{s:[]}]", "bearer")
	                    : (r->fn == route_health || r->fn == route_metrics)
	                            ? json_pack("[{},{s:[]}]", "probe") /* --probe-token-file */
	                            : json_array());
	json_t *resp = json_object_get(op, "responses");
	snprintf(code, sizeof code, "%d", r->ok_status);
	json_t *ok = json_pack("{s:s}", "description", "success");
	json_t *content = head || r->ok_status == 204 ? NULL : ok_content(r, d);
	if (content)
		json_object_set_new(ok, "content", content);
	json_t *headers = json_object();
	if (d && (d->flags & API_ETAG))
		json_object_set_new(headers, "ETag",
		                    json_pack("{s:s,s:{s:s}}", "description",
		                              "strong validator of this answer: send it back in If-None-Match", "schema",
		                              "type", "string"));
	if (d && (d->flags & API_IDEMPOTENT))
		json_object_set_new(headers, "Idempotent-Replayed",
		                    json_pack("{s:s,s:{s:s}}", "description",
		                              "true: this is the kept answer of an earlier request with the same key",
		                              "schema", "type", "string"));
	if (d && (d->flags & (API_PAGED | API_CURSOR)))
		json_object_set_new(headers, "Link",
		                    json_pack("{s:s,s:{s:s}}", "description",
		                              "<…&cursor=next_cursor>; rel=\"next\" while another page follows", "schema",
		                              "type", "string"));
	if (json_object_size(headers))
		json_object_set_new(ok, "headers", headers);
	else
		json_decref(headers);
	json_object_set_new(resp, code, ok);
	if (d && (d->flags & API_ETAG))
		json_object_set_new(resp, "304", json_pack("{s:s}", "description", "not modified: the copy held is current"));
	static const char *const errs[][2] = {
		{"400", "malformed request, JSON or cursor"}, {"401", "missing, wrong or expired token"}, {"403", "refused by role, grant, tenant isolation or policy"}, {"404", "no such resource"}, {"409", "already exists or not allowed in the current state"}, {"413", "body over the route's limit"}, {"422", "well-formed but invalid input, or an Idempotency-Key reused for another request"}, {"429", "too many failed logins: wait Retry-After seconds"}, {"503", "busy, or the vault is unavailable"}};
	bool probe = r->fn == route_health || r->fn == route_metrics;
	for (size_t e = 0; e < sizeof errs / sizeof *errs; e++) {
		const char *c = errs[e][0];
		if (r->auth == API_PUBLIC && r->fn != route_login && strcmp(c, "400") != 0 && strcmp(c, "503") != 0 &&
		    !(probe && strcmp(c, "401") == 0))
			continue;
		if (r->fn != route_login && strcmp(c, "429") == 0)
			continue;
		json_t *er = problem_response(errs[e][1]);
		if (strcmp(c, "429") == 0)
			json_object_set_new(er, "headers",
			                    json_pack("{s:{s:s,s:{s:s}}}", "Retry-After", "description",
			                              "seconds to wait; the next attempt after them is tried", "schema",
			                              "type", "integer"));
		if (head)
			json_object_del(er, "content");
		json_object_set_new(resp, c, er);
	}
	return op;
}

static const char description[] =
	"GDPR enforcement engine: subjects, purpose-bound records, erasure, rights, breaches, register, audit. "
	"Errors are problem details (RFC 9457, application/problem+json) with gardien's stable `code`. "
	"Lists are paged: ?limit= and ?cursor= (the next_cursor of the previous page). GET answers to HEAD "
	"too; a method a path does not take is a 405 with Allow. The register's GETs carry an ETag "
	"(If-None-Match: 304). POSTs that create take an Idempotency-Key. See docs/API.md.";

json_t *api_openapi(void)
{
	json_t *paths = json_object();
	for (size_t i = 0; i < api_nroutes; i++) {
		const struct api_route *r = &api_routes[i];
		const struct api_doc *d = api_doc_of(r);
		json_t *item = json_object_get(paths, r->pattern);
		if (!item) {
			item = json_object();
			json_object_set_new(paths, r->pattern, item);
		}
		char m[8];
		size_t k;
		for (k = 0; r->method[k] && k < sizeof m - 1; k++)
			m[k] = (char)(r->method[k] - 'A' + 'a');
		m[k] = 0;
		json_object_set_new(item, m, operation(r, d, false));
		if (strcmp(r->method, "GET") == 0)
			json_object_set_new(item, "head", operation(r, d, true));
	}
	json_t *schemas = json_loads(schema_text, 0, NULL);
	/* The owed notices' bodies (route_owed.c). */
	json_t *owed = json_loads(owed_schema_text, 0, NULL);
	if (schemas && owed)
		json_object_update(schemas, owed);
	json_decref(owed);
	return json_pack(
		"{s:s,s:{s:s,s:s,s:s,s:{s:s,s:s}},s:[{s:s,s:s},{s:s,s:s,s:{s:{s:s,s:[s,s]},s:{s:s}}}],s:[{s:[]}],"
		"s:o,s:{s:o,s:{s:{s:s,s:s},s:{s:s,s:s,s:s}}}}",
		"openapi", "3.0.3", "info", "title", "gardien API", "version", GD_VERSION, "description", description,
		"license", "name", "Apache-2.0", "url", "https://www.apache.org/licenses/LICENSE-2.0",
		"servers", "url", "/", "description", "the server that serves this document",
		"url", "{scheme}://{host}", "description", "a gardien serve elsewhere", "variables",
		"scheme", "default", "https", "enum", "https", "http", "host", "default", "127.0.0.1:8080",
		"security", "bearer",
		"paths", paths, "components", "schemas", schemas ? schemas : json_object(), "securitySchemes", "bearer",
		"type", "http", "scheme", "bearer", "probe", "type", "http", "scheme", "bearer", "description",
		"the probe token of --probe-token-file, when the server has one");
}

int route_openapi(struct api_ctx *c)
{
	c->out = api_openapi();
	return 200;
}
