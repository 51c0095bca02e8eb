/*
 * options.c — the option table of every command: what it accepts, the name of
 * each value, one line of help. The parser (args.c) refuses what a table does
 * not hold; 'gardien help CMD', the man page and the completions print the
 * tables (cmd_docs.c). A command with subcommands has one table for all of
 * them; its usage text says which subcommand takes which. serve's options
 * may be given again, the last counting: its command line is laid after the
 * settings of its file and environment, and a wrapper may add to a line.
 * tests/cli/test_options.sh checks that every "--option" a cmd_*.c file
 * compares is in its command's table, and that every option of a table is read.
 */
#include <string.h>

#include "cli.h"

/* One option a line, a table to read across: kept out of clang-format. */
/* clang-format off */
static const struct cli_opt none[] = {{0}};

static const struct cli_opt init_opts[] = {
	{"--country", 0, "CODE", "the tenant's phone calling code, e.g. 33", 0},
	{"--register", 0, "FILE|-", "load this register into the tenant (- reads standard input)", 0},
	{0}};
static const struct cli_opt tenant_opts[] = {
	{"--country", 0, "CODE", "create: the tenant's phone calling code, e.g. 33", 0},
	{"--state", 0, "CODE", "calendar: the member state whose holidays count (BE, FR, LU, NL, DE)", 0},
	{"--zone", 0, "ZONE", "calendar: the time zone deadlines end in, e.g. Europe/Paris", 0},
	{"--target-days", 0, "N", "calendar: an internal target N days after receipt", 0},
	{0}};
static const struct cli_opt key_opts[] = {
	{"--dir", 0, "DIR", "the backup directory whose backups still need old key versions", 0},
	{0}};
static const struct cli_opt subject_opts[] = {
	{"--email", 0, "E", "create: an email address", 0},
	{"--phone", 0, "P", "create: a phone number", 0},
	{"--id", 0, "KIND=VALUE", "create: an identifier of another kind", CLI_OPT_REPEAT},
	{"--purpose", 0, "ACTIVITY", "show: the activity the records are read for", 0},
	{"--limit", 0, "N", "list: subjects a page (default 100)", 0},
	{"--cursor", 0, "C", "list: the page after the one that gave C", 0},
	{0}};
static const struct cli_opt put_opts[] = {
	{"--activity", 0, "ID", "the processing activity the record is collected for", 0},
	{"--category", 0, "CAT", "the data category of the record", 0},
	{"--source", 0, "SRC", "where the data comes from", 0},
	{"--subject-category", 0, "KIND", "who the data is about, e.g. customer", 0},
	{"--object", 0, "KEY", "the contract, subscription or account the record is about", 0},
	{"--json-value", 0, NULL, "the value is JSON", 0},
	{"--client", 0, "CLIENT", "the processor's customer the record is processed for", 0},
	{"--collected-at", 0, "TIME", "when the data was collected (default: now)", 0},
	{0}};
static const struct cli_opt get_opts[] = {
	{"--purpose", 0, "ACTIVITY", "the activity the record is read for", 0},
	{0}};
static const struct cli_opt disclose_opts[] = {
	{"--purpose", 0, "ACTIVITY", "the activity the record is read for (it names an authority)", 0},
	{"--authority", 0, "NAME", "the authority that requires the data", 0},
	{"--legal-reference", 0, "REF", "the text or order that compels the disclosure", 0},
	{"--withhold", 0, "REASON", "why the customer or person may not be told (no notice queued)", 0},
	{0}};
static const struct cli_opt update_opts[] = {
	{"--json-value", 0, NULL, "the value is JSON", 0},
	{0}};
static const struct cli_opt directive_opts[] = {
	{"--designated", 0, "NAME", "set: the person designated", 0},
	{"--contact", 0, "HOW", "set: how to reach them", 0},
	{"--wish", 0, "erase|transmit|keep", "set: what is to be done with the data", 0},
	{"--text", 0, "WORDS", "set: the directive in the subject's words", 0},
	{"--output", 0, "FILE|-", "apply: where the subject's copy is written (- for standard output)", 0},
	{0}};
static const struct cli_opt serve_opts[] = {
	{"--listen", 0, "ADDRESS:PORT", "where to listen (default 127.0.0.1:8080; [IPV6]:PORT)", CLI_OPT_LAST},
	{"--cert", 0, "FILE", "TLS certificate (PEM; reloaded on SIGHUP)", CLI_OPT_LAST},
	{"--cert-key", 0, "FILE", "its private key (PEM)", CLI_OPT_LAST},
	{"--client-ca", 0, "FILE", "require client certificates signed by this CA (PEM)", CLI_OPT_LAST},
	{"--bind-client-cert", 0, NULL, "a token works only with a certificate whose CN is its principal", CLI_OPT_LAST},
	{"--threads", 0, "N", "HTTP worker threads (default 16)", CLI_OPT_LAST},
	{"--timeout", 0, "SECONDS", "idle connections are closed after it (default 30)", CLI_OPT_LAST},
	{"--deadline", 0, "SECONDS", "a request must fully arrive within it (default 60)", CLI_OPT_LAST},
	{"--max-connections", 0, "N", "connections at once", CLI_OPT_LAST},
	{"--max-per-client", 0, "N", "connections of one address (default 64, 0: no limit)", CLI_OPT_LAST},
	{"--access-log", 0, "FILE|-", "a JSON line per request (- for standard error)", CLI_OPT_LAST},
	{"--probe-token-file", 0, "FILE", "the token /healthz and /metrics require", CLI_OPT_LAST},
	{"--config", 0, "FILE", "settings file, lines NAME = VALUE", CLI_OPT_LAST},
	{"--openapi", 0, NULL, "print the OpenAPI document and exit", CLI_OPT_LAST},
	{0}};
static const struct cli_opt user_opts[] = {
	{"--role", 0, "ROLE", "add, service: the role given", 0},
	{"--password-stdin", 0, NULL, "read the password from standard input without asking", 0},
	{"--max-failures", 0, "N", "settings: failed logins before a lockout", 0},
	{"--lockout", 0, "SECONDS", "settings: how long a lockout lasts", 0},
	{"--idle", 0, "SECONDS", "settings: a session ends after this long unused", 0},
	{"--absolute", 0, "SECONDS", "settings: a session ends this long after login", 0},
	{0}};
static const struct cli_opt token_opts[] = {
	{"--expires", 0, "TIME", "create: when the token stops working", 0},
	{0}};
static const struct cli_opt role_opts[] = {
	{"--ops", 0, "LIST", "the operations allowed (read,write,… or all)", 0},
	{"--activities", 0, "LIST", "the activities they are allowed for ('*': all)", 0},
	{"--mfa", 0, NULL, "people of this role need a second factor", 0},
	{0}};
static const struct cli_opt grant_opts[] = {
	{"--ops", 0, "LIST", "the operations granted", 0},
	{"--activities", 0, "LIST", "the activities they are granted for", 0},
	{"--until", 0, "TIME", "when the grant ends", 0},
	{0}};
static const struct cli_opt request_opts[] = {
	{"--activity", 0, "ID", "open: the activity the request is about", 0},
	{"--received", 0, "TIME", "open: when it was received (default: now)", 0},
	{"--all", 0, NULL, "list: every request, closed ones too", 0},
	{"--late", 0, NULL, "list: only those past due", 0},
	{"--method", 0, "METHOD", "verify: how the identity was checked", 0},
	{"--evidence", 0, "REF", "verify: the evidence of the check", 0},
	{"--reason", 0, "TEXT", "extend, refuse: the reason told to the subject", 0},
	{"--format", 0, "json|csv|html", "export: the format of the copy", 0},
	{"--output", 0, "FILE|-", "export: where the copy is written (- for standard output)", 0},
	{"--json-value", 0, NULL, "rectify: the value is JSON", 0},
	{"--note", 0, "TEXT", "complete: a note kept with the request", 0},
	{0}};
static const struct cli_opt consent_opts[] = {
	{"--channel", 0, "CHANNEL", "where consent was given or withdrawn (web, paper, …)", 0},
	{"--source", 0, "SRC", "give: the form or page", 0},
	{"--text", 0, "TEXT", "give: the wording shown", 0},
	{"--text-file", 0, "FILE|-", "give: the wording shown, from a file (- for standard input)", 0},
	{"--version", 0, "V", "give: the wording's version", 0},
	{"--at", 0, "TIME", "give: when (default: now)", 0},
	{0}};
static const struct cli_opt outbox_opts[] = {
	{"--recipient", 0, "NAME", "only the messages for this recipient", 0},
	{"--all", 0, NULL, "delivered messages too", 0},
	{0}};
static const struct cli_opt retention_opts[] = {
	{"--until", 0, "DATE", "plan: until this date (default: one year from now)", 0},
	{"--batch", 0, "N", "sweep: transitions a transaction (default 5000)", 0},
	{0}};
static const struct cli_opt event_opts[] = {
	{"--object", 0, "KEY", "the contract, subscription or account the event is about", 0},
	{"--at", 0, "TIME", "when it happened (default: now)", 0},
	{"--file", 0, "FILE|-", "events from a file, one a line (- for standard input)", 0},
	{0}};
static const struct cli_opt hold_opts[] = {
	{"--record", 0, "ID", "hold one record instead of the subject", 0},
	{"--reason", 0, "TEXT", "why the data is held", 0},
	{"--all", 0, NULL, "list: released holds too", 0},
	{0}};
static const struct cli_opt backup_opts[] = {
	{"--dir", 0, "DIR", "the backup directory (GARDIEN_BACKUP_DIR, default <vault>.backups, or <key>.backups for a PostgreSQL vault)", 0},
	{"--journal", 0, "JOURNAL", "restore: the erasure journal to re-apply (a file: not -)", 0},
	{"--daily", 0, "DAYS", "prune: daily backups kept", 0},
	{"--weekly", 0, "WEEKS", "prune: weekly backups kept", 0},
	{"--monthly", 0, "MONTHS", "prune: monthly backups kept", 0},
	{0}};
static const struct cli_opt register_opts[] = {
	{"--controls", 0, NULL, "check: also check its security controls against this installation", 0},
	{"--version", 0, "N", "show, export, notice: this version (default: the latest)", 0},
	{"--file", 0, "FILE|-", "show, export, notice: this file instead of a stored version", 0},
	{"--format", 0, "F", "show, export: html, md, csv, ods, fods, json, jsonld or yaml", 0},
	{"--output", 0, "OUT|-", "migrate: write here (default: standard output)", 0},
	{"--language", 0, "L", "show, export, draft, compare, notice: the language (fr, en, …)", 0},
	{"--html", 0, NULL, "notice: HTML instead of Markdown", 0},
	{"--strict", 0, NULL, "notice: exit 2 when the register must still say something", 0},
	{0}};
static const struct cli_opt audit_opts[] = {
	{"--file", 0, "EXPORT|-", "verify: a JSON-lines export, offline", 0},
	{"--public-key", 0, "HEX", "verify: the audit public key the export must match", 0},
	{"--format", 0, "jsonl|csv", "export: the format (default jsonl)", 0},
	{"--output", 'o', "FILE|-", "export: where to write (- or none: standard output)", 0},
	{"--before", 0, "TIME", "prune: entries written before TIME", 0},
	{"--older-than", 0, "PERIOD", "prune: entries older than PERIOD (1y, 13m, 4w, 90d)", 0},
	{"--from", 0, "TIME", "filter: entries at or after TIME", 0},
	{"--to", 0, "TIME", "filter: entries before TIME", 0},
	{"--principal", 0, "P", "filter: by who acted", 0},
	{"--subject", 0, "S", "filter: about this subject", 0},
	{"--action", 0, "A", "filter: this action", 0},
	{"--purpose", 0, "ACTIVITY", "filter: for this activity", 0},
	{"--outcome", 0, "ok|denied|failed", "filter: this outcome", 0},
	{"--record", 0, "N", "filter: about record N", 0},
	{0}};
static const struct cli_opt breach_opts[] = {
	{"--nature", 0, "LIST", "confidentiality, integrity, availability", 0},
	{"--description", 0, "TEXT", "what happened", 0},
	{"--detected", 0, "TIME", "when it was detected: the 72-hour clock starts (default: now)", 0},
	{"--started", 0, "TIME", "when it started", 0},
	{"--ended", 0, "TIME", "when it ended", 0},
	{"--data-categories", 0, "TEXT", "the categories of data concerned", 0},
	{"--subject-categories", 0, "TEXT", "the categories of subjects concerned", 0},
	{"--subjects", 0, "N", "how many subjects", 0},
	{"--records", 0, "N", "how many records", 0},
	{"--consequences", 0, "TEXT", "the likely consequences", 0},
	{"--measures-taken", 0, "TEXT", "the measures taken", 0},
	{"--measures-proposed", 0, "TEXT", "the measures proposed", 0},
	{"--contact", 0, "TEXT", "who to contact for more", 0},
	{"--controller", 0, "NAME", "the controller's name in drafts", 0},
	{"--language", 0, "fr|en", "the language of drafts", 0},
	{"--high-risk", 0, NULL, "a high risk to the subjects (Art. 34)", 0},
	{"--from", 0, "TIME", "scope: the start of the window", 0},
	{"--to", 0, "TIME|authority|subjects", "scope: the end of the window; draft: to whom", 0},
	{"--principal", 0, "P", "scope: by this principal only", 0},
	{"--token", 0, "P", "scope: the same as --principal", 0},
	{"--activity", 0, "A", "scope: for this activity only; controllers: this processor activity's customers", 0},
	{"--summary", 0, NULL, "scope: counts only", 0},
	{"--at", 0, "TIME", "notify, inform: when (default: now)", 0},
	{"--delay-reason", 0, "TEXT", "notify: why after 72 hours", 0},
	{"--reason", 0, "TEXT", "no-notice: why the authority is not notified", 0},
	{"--html", 0, NULL, "draft: HTML instead of text", 0},
	{0}};
static const struct cli_opt help_opts[] = {
	{"--man", 0, NULL, "print the manual page gardien(1) in roff", 0},
	{0}};

static const struct {
	const char *cmd;
	const struct cli_opt *opts;
} tables[] = {
	{"init", init_opts}, {"tenant", tenant_opts}, {"key", key_opts}, {"subject", subject_opts},
	{"put", put_opts}, {"get", get_opts}, {"disclose", disclose_opts}, {"update", update_opts}, {"directive", directive_opts},
	{"serve", serve_opts}, {"user", user_opts}, {"token", token_opts}, {"role", role_opts},
	{"grant", grant_opts}, {"request", request_opts}, {"consent", consent_opts},
	{"outbox", outbox_opts}, {"retention", retention_opts}, {"event", event_opts},
	{"hold", hold_opts}, {"backup", backup_opts}, {"register", register_opts},
	{"audit", audit_opts}, {"breach", breach_opts}, {"help", help_opts},
};
/* clang-format on */

const struct cli_opt *cli_command_opts(const char *cmd)
{
	for (size_t i = 0; i < sizeof tables / sizeof *tables; i++)
		if (strcmp(tables[i].cmd, cmd) == 0)
			return tables[i].opts;
	return none;
}
