/*
 * main.c — the gardien command: global options, the command table, and the
 * helpers every command shares. Global options may stand anywhere on the line.
 */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int cmd_help(struct cli *c, int argc, char **argv);
static int cmd_version(struct cli *c, int argc, char **argv);

/* One entry per line, a table to read across: kept out of clang-format. */
/* clang-format off */
static const struct command commands[] = {
	{"init", cmd_init, "create a vault, its master key file and a first tenant",
	 "usage: gardien init [--tenant NAME] [--country CODE] [--register FILE]\n"
	 "\n"
	 "Creates the vault database (--vault, default gardien.db) and its master key\n"
	 "file (--key, default <vault>.key, mode 0600). Keep the key file apart from\n"
	 "backups of the vault: whoever holds both can read the data.\n"
	 "  --tenant NAME    also create this tenant (a controller)\n"
	 "  --country CODE   its default phone calling code, e.g. 33\n"
	 "  --register FILE  load this register into the tenant (checked before anything\n"
	 "                   is created; see 'gardien help register')\n"},
	{"tenant", cmd_tenant, "create or list tenants (controllers); their deadline calendar",
	 "usage: gardien tenant create NAME [--country CODE]\n"
	 "       gardien tenant list\n"
	 "       gardien tenant calendar [--state CODE] [--zone ZONE] [--target-days N]\n"
	 "       gardien tenant holidays [STATE [YEAR]]\n"
	 "\n"
	 "--country is the tenant's phone calling code (33): national phone numbers\n"
	 "are read with it; without it (asked for on a terminal) they must be written\n"
	 "+33…. 'calendar' shows or sets how request deadlines are counted: the member\n"
	 "state whose public holidays move a deadline to the next working day (BE, FR,\n"
	 "LU, NL, DE; default: the calling code's), the time zone its last day ends in\n"
	 "(default: the state's, e.g. Europe/Brussels) and an internal target, N days\n"
	 "after receipt, shown beside the legal due date. 'holidays' lists the states\n"
	 "gardien knows, or a state's holidays in YEAR (default: this year).\n"},
	{"key", cmd_key, "rotate the vault's keys, destroy the versions no longer needed",
	 "usage: gardien key rotate master|backup|audit [--dir DIR]\n"
	 "       gardien key prune [--dir DIR]\n"
	 "\n"
	 "rotate makes a new version of a key while the vault stays in use: master\n"
	 "re-wraps every tenant key (run it again to finish one interrupted), backup\n"
	 "encrypts new backups under a new key, audit signs new checkpoints with a new\n"
	 "key (old signatures still verify). The key file is rewritten (mode 0600):\n"
	 "rotation needs --key FILE, not --key-fd or --key-command. Then, like prune,\n"
	 "it destroys the retired versions no backup of DIR (default: the backup\n"
	 "directory) needs. Audited (key.rotate, key.prune). See docs/keys.md.\n"},
	{"vault", cmd_vault, "check that no row of the vault was changed outside gardien",
	 "usage: gardien vault verify\n"
	 "\n"
	 "Checks every row: each subject's data key opens under its tenant's key, and\n"
	 "each record's metadata (activity, category, subject, subject category,\n"
	 "collection time, stage) and each identifier's link to its subject match their\n"
	 "MACs. Damaged rows are listed on stderr (--json: in \"rows\"), exit 5.\n"
	 "Progress on a terminal. Audited (vault.verify).\n"},
	{"subject", cmd_subject, "create, find, show data subjects and their identifiers",
	 "usage: gardien subject create [--email E] [--phone P] [--id KIND=VALUE]...\n"
	 "       gardien subject add-id SUBJECT KIND VALUE\n"
	 "       gardien subject find KIND VALUE\n"
	 "       gardien subject show SUBJECT --purpose ACTIVITY\n"
	 "       gardien subject list [--limit N] [--cursor C]\n"
	 "\n"
	 "Identifiers are normalised before they are indexed: emails are trimmed and\n"
	 "case-folded, phone numbers put in E.164 form (national numbers use the\n"
	 "tenant's country code). 'show' prints the records readable for the purpose.\n"
	 "'list' gives the tenant's subjects, oldest first, N a page (default 100); when\n"
	 "more follow it says how to ask for them (--cursor, from the previous page).\n"},
	{"put", cmd_put, "store a record about a subject",
	 "usage: gardien put SUBJECT --activity ID --category CAT [--source SRC]\n"
	 "                   [--subject-category KIND] [--object KEY] [--json-value]\n"
	 "                   [--client CLIENT] [--collected-at TIME] VALUE|-\n"
	 "\n"
	 "Seals VALUE (or standard input with -) under the subject's key. The record\n"
	 "is tagged with the processing activity it was collected for. Once the tenant\n"
	 "has a register, the activity must declare the category and the subject\n"
	 "category (--subject-category, e.g. customer), or the write is refused (exit 4).\n"
	 "--object names the contract, subscription or account the record is about when\n"
	 "the subject holds several: retention counts from that object's events\n"
	 "('gardien event SUBJECT NAME --object KEY').\n"},
	{"get", cmd_get, "read a record for a purpose",
	 "usage: gardien get RECORD --purpose ACTIVITY\n"
	 "\n"
	 "Refused (exit 4) when the purpose does not allow reading the record.\n"},
	{"disclose", cmd_disclose, "read a record for an authority's request, the owner told",
	 "usage: gardien disclose RECORD --purpose ACTIVITY --authority NAME --legal-reference REF\n"
	 "                        [--withhold REASON]\n"
	 "\n"
	 "Reads the record as 'gardien get' does, for an activity whose recipients\n"
	 "include an authority, and queues in the outbox the notice owed to whoever the\n"
	 "data belongs to: each customer for data held as processor, else the person\n"
	 "(action authority:REF). --withhold says why the request or the law forbids\n"
	 "telling them; no notice is then queued. Both are audited. An activity whose\n"
	 "only recipients are authorities is read this way only.\n"},
	{"update", cmd_update, "replace the value of a record (rectification)",
	 "usage: gardien update RECORD [--json-value] VALUE|-\n"},
	{"delete", cmd_delete, "delete one record",
	 "usage: gardien delete RECORD\n"},
	{"directive", cmd_directive, "post-mortem directives (French law 78-17, art. 85)",
	 "usage: gardien directive set SUBJECT --designated NAME --contact HOW --wish erase|transmit|keep [--text WORDS]\n"
	 "       gardien directive show SUBJECT\n"
	 "       gardien directive apply SUBJECT [--output FILE]\n"
	 "\n"
	 "set records what the subject wants done with their data after their death and\n"
	 "whom they designate (sealed under the subject's key; refused when the register\n"
	 "does not offer post_mortem). apply, once the death is established, does it once:\n"
	 "erase erases the subject (unless a hold or a minimum retention keeps it),\n"
	 "transmit writes the subject's copy to FILE (new, mode 600) for the designated\n"
	 "person, keep records the decision. Each step is audited.\n"},
	{"client", cmd_client, "delete all of a processor's customer's data",
	 "usage: gardien client erase CLIENT\n"
	 "\n"
	 "At the end of a customer's contract (Art. 28(3)(g)), deletes every record\n"
	 "processed for it (put --client CLIENT) in one audited operation; subjects\n"
	 "left with no record are erased whole, records under a legal hold are kept.\n"
	 "Prints what was deleted, erased and kept.\n"},
	{"erase", cmd_erase, "erase a subject by crypto-shredding",
	 "usage: gardien erase SUBJECT\n"
	 "\n"
	 "Destroys the subject's data key and deletes its records and identifiers in\n"
	 "one transaction. Irreversible.\n"},
	{"serve", cmd_serve, "run the HTTP/JSON API server",
	 "usage: gardien serve [--listen ADDRESS:PORT|[IPV6]:PORT] [--cert FILE --cert-key FILE]\n"
	 "                     [--client-ca FILE [--bind-client-cert]] [--threads N] [--timeout SECONDS]\n"
	 "                     [--deadline SECONDS] [--max-connections N] [--max-per-client N]\n"
	 "                     [--access-log FILE|-] [--probe-token-file FILE] [--config FILE]\n"
	 "       gardien serve --openapi\n"
	 "\n"
	 "Serves the API under /v1/ (docs/server.md, /v1/openapi.json) and the web\n"
	 "console under /console/ (docs/console.md) on the vault\n"
	 "given by --vault. Listens on 127.0.0.1:8080 by default (port 0: any free\n"
	 "port) and prints where on its first line. With --cert and --cert-key (PEM)\n"
	 "it speaks HTTPS only (with HSTS); --client-ca then requires client\n"
	 "certificates signed by that CA, and --bind-client-cert tokens of the principal\n"
	 "the certificate's subject CN names (svc:NAME). SIGINT or SIGTERM stops it after the requests\n"
	 "in flight; SIGHUP reloads the certificate, key and client CA without dropping\n"
	 "connections (a bad new file keeps the running one, and says why). --timeout closes idle connections (default 30 s), --deadline those\n"
	 "whose request has not fully arrived (default 60 s); --max-per-client bounds\n"
	 "the connections of one address (default 64, 0: none). --threads sets the\n"
	 "HTTP workers (default 16); authenticated requests are run by one committer\n"
	 "thread in batches sharing one durable commit. --access-log writes a JSON\n"
	 "line per request; --probe-token-file makes /healthz and /metrics need that\n"
	 "token. --openapi prints the OpenAPI document and exits. --now fixes the\n"
	 "clock (test and demo vaults only).\n"
	 "Settings may also come from --config FILE (lines NAME = VALUE, e.g.\n"
	 "'listen = 127.0.0.1:8443', '#' comments) and from the environment\n"
	 "(GARDIEN_LISTEN, GARDIEN_CERT_KEY, …: the option's name in upper case);\n"
	 "the command line wins over the environment, which wins over the file.\n"
	 "Under systemd (Type=notify) it reports readiness with sd_notify.\n"},
	{"user", cmd_user, "manage people and services who use the API",
	 "usage: gardien user add NAME --role ROLE [--password-stdin]\n"
	 "       gardien user service NAME --role ROLE\n"
	 "       gardien user support NAME [--password-stdin]   (provider staff, no tenant)\n"
	 "       gardien user password NAME [--password-stdin]\n"
	 "       gardien user totp NAME\n"
	 "       gardien user unlock NAME\n"
	 "       gardien user disable NAME\n"
	 "       gardien user list\n"
	 "       gardien user settings [--max-failures N] [--lockout SECONDS]\n"
	 "                             [--idle SECONDS] [--absolute SECONDS]\n"
	 "\n"
	 "People log in with a password (read from standard input, or from\n"
	 "GARDIEN_PASSWORD) and, if their role says so or they enrolled with 'totp',\n"
	 "a TOTP code. Services use API tokens ('gardien token'). 'settings' sets the\n"
	 "lockout after failed logins and the session timeouts for the whole vault.\n"},
	{"token", cmd_token, "create, list and revoke API tokens",
	 "usage: gardien token create PRINCIPAL [--expires TIME]\n"
	 "       gardien token list\n"
	 "       gardien token revoke ID\n"
	 "\n"
	 "The token is printed once; only its hash is kept.\n"},
	{"role", cmd_role, "define roles: operations and activities they allow",
	 "usage: gardien role set NAME --ops LIST --activities LIST|* [--mfa]\n"
	 "       gardien role list\n"
	 "\n"
	 "Operations: read, write, erase, export, requests, register, audit, admin, all.\n"
	 "Activities: ids of the register's processing activities, comma-separated, or *.\n"
	 "--mfa requires people with this role to log in with a TOTP code.\n"},
	{"grant", cmd_grant, "grant the provider's support time-limited access",
	 "usage: gardien grant create SUPPORT --ops LIST --activities LIST|* --until TIME\n"
	 "       gardien grant list\n"
	 "       gardien grant revoke ID\n"
	 "       gardien grant max [SECONDS]\n"
	 "\n"
	 "Support staff (gardien user support) see a tenant only under a grant of its\n"
	 "admin; every use is audited in the tenant's trail. A grant lasts at most the\n"
	 "tenant's maximum (default 7 days; 'grant max' shows it, the operator sets it).\n"},
	{"request", cmd_request, "data-subject requests: open, verify, answer, list deadlines",
	 "usage: gardien request open KIND SUBJECT [--activity ID] [--received TIME]\n"
	 "       gardien request list [--all] [--late]\n"
	 "       gardien request show ID\n"
	 "       gardien request verify ID --method METHOD --evidence REF\n"
	 "       gardien request start ID\n"
	 "       gardien request extend ID --reason TEXT\n"
	 "       gardien request refuse ID --reason TEXT\n"
	 "       gardien request export ID [--format json|csv|html] [--output FILE]\n"
	 "       gardien request rectify ID RECORD [--json-value] VALUE|-\n"
	 "       gardien request erase ID\n"
	 "       gardien request complete ID [--note TEXT]\n"
	 "       gardien request unrestrict SUBJECT\n"
	 "\n"
	 "KIND is access, confirmation, rectification, erasure, restriction, objection,\n"
	 "portability, withdraw_consent or post_mortem. A right the register does not\n"
	 "offer is refused at once with the register's reason (exit 4).\n"
	 "Deadline (Art. 12(3)): end of the day one month after receipt; 'extend' adds\n"
	 "two months once, with the reason told to the subject, decided within the\n"
	 "first month. 'list' shows open requests (--all: every one; --late: only\n"
	 "those past due), their due date and LATE when past it.\n"
	 "Nothing is answered before 'verify' records how the subject's identity was\n"
	 "checked (METHOD and REF are short slugs, e.g. id-card scan-0042; REF says\n"
	 "where the evidence is filed, never the document's number).\n"
	 "'export' writes the copy (access: everything held; portability: only what\n"
	 "the subject provided, on consent or contract; JSON or CSV) to stdout or to a\n"
	 "new FILE (mode 0600), and counts the copy. 'rectify' replaces a record and\n"
	 "notifies its recipients; 'erase' erases all but what a legal obligation or\n"
	 "claim requires, and lists what was kept, under which rule, until when.\n"
	 "'complete' applies restriction, objection (--activity at open, or every\n"
	 "activity on legitimate interests or for marketing) and consent withdrawal.\n"
	 "'unrestrict' lifts a restriction (tell the subject first, Art. 18(3)).\n"
	 "Reasons and notes are told to the subject and kept as proof: no personal data.\n"},
	{"consent", cmd_consent, "the consent ledger: give, withdraw, status, history, opt-in lists",
	 "usage: gardien consent give SUBJECT ACTIVITY --channel CHANNEL [--source SRC]\n"
	 "                          [--text TEXT | --text-file FILE] [--version V] [--at TIME]\n"
	 "       gardien consent withdraw SUBJECT ACTIVITY [--channel CHANNEL]\n"
	 "       gardien consent status SUBJECT ACTIVITY\n"
	 "       gardien consent history SUBJECT\n"
	 "       gardien consent members ACTIVITY\n"
	 "\n"
	 "Records consent with its evidence: the hash of the wording shown (default: the\n"
	 "register's consent_text for the activity) and its version, time, channel and\n"
	 "source. A consent expires after the activity's consent_validity (e.g. 13\n"
	 "months for cookies); reads for an activity on consent are refused without a\n"
	 "live one. 'members' is the opt-in list: subjects with live consent and no\n"
	 "objection. 'history' includes expiries.\n"},
	{"outbox", cmd_outbox, "notices owed to recipients (Art. 19): list and acknowledge",
	 "usage: gardien outbox list [--recipient NAME] [--all]\n"
	 "       gardien outbox ack ID\n"
	 "\n"
	 "Rectifications, erasures and restrictions are notified to every recipient and\n"
	 "processor of the activity (internal ones and authorities excepted). 'list'\n"
	 "shows the pending notices (--all: acknowledged ones too); 'ack' marks one as\n"
	 "passed on.\n"},
	{"retention", cmd_retention, "plan and apply the register's retention rules",
	 "usage: gardien retention plan [--until DATE]\n"
	 "       gardien retention sweep [--batch N]\n"
	 "\n"
	 "plan shows what the retention rules will archive, anonymise or delete, per\n"
	 "month, activity and rule, until DATE (default: one year from now), and how\n"
	 "many records are held, waiting for an event, or covered by no rule.\n"
	 "sweep applies every transition due now (--now moves the clock), N per\n"
	 "transaction (default 5000), each audited; interrupted (Ctrl-C), it stops\n"
	 "after the current batch and exits 7: run it again to finish. A second run\n"
	 "does nothing. Needs the tenant's register.\n"},
	{"event", cmd_event, "record an event retention clocks count from",
	 "usage: gardien event SUBJECT NAME [--object KEY] [--at TIME]\n"
	 "       gardien event --file FILE|-\n"
	 "\n"
	 "Records that NAME (e.g. last_contact, unsubscription, contract_end) happened\n"
	 "to SUBJECT at TIME (default now); clocks counting from it restart from its\n"
	 "latest occurrence. With --object, the event is of one contract, subscription\n"
	 "or account of the subject (the --object of 'put'): only that object's\n"
	 "records count from it. With --file, one \"SUBJECT NAME [TIME]\" per line ('#'\n"
	 "starts a comment), committed 1000 at a time; a bad line stops the import and\n"
	 "is reported with its number.\n"},
	{"hold", cmd_hold, "place, lift or list legal holds",
	 "usage: gardien hold place SUBJECT [--record ID] --reason TEXT\n"
	 "       gardien hold lift ID [--reason TEXT]\n"
	 "       gardien hold list [SUBJECT] [--all]\n"
	 "\n"
	 "A hold (litigation, legal obligation, authority request) suspends every\n"
	 "retention deletion and anonymisation of the subject (or of one record) and\n"
	 "makes 'gardien erase' refuse, until lifted. The reason goes to the audit\n"
	 "trail: name the case, not the person. list shows active holds (--all: lifted too).\n"},
	{"backup", cmd_backup, "encrypted backups, rotation, restore",
	 "usage: gardien backup create [--dir DIR]\n"
	 "       gardien backup list [--dir DIR] [ROTATION]\n"
	 "       gardien backup prune [--dir DIR] [ROTATION]\n"
	 "       gardien backup verify FILE\n"
	 "       gardien backup restore FILE [--journal JOURNAL]\n"
	 "       gardien backup export-journal FILE\n"
	 "       gardien backup horizon [SUBJECT] [--dir DIR] [ROTATION]\n"
	 "\n"
	 "create writes a consistent snapshot of the vault, even in use, encrypted with\n"
	 "a key derived from the master key, and verifies it. DIR defaults to\n"
	 "GARDIEN_BACKUP_DIR or <vault>.backups (<key>.backups for a PostgreSQL vault).\n"
	 "ROTATION: --daily DAYS (7) --weekly WEEKS (4) --monthly MONTHS (3), or once\n"
	 "for all GARDIEN_BACKUP_ROTATION=DAYS,WEEKS,MONTHS (the flags win): every backup\n"
	 "is kept DAYS days, the first of each week WEEKS weeks, the first of each month\n"
	 "MONTHS months; prune removes what they no longer keep.\n"
	 "restore replaces the vault with the snapshot, after re-applying to it every\n"
	 "erasure, retention deletion and anonymisation of the erasure journal\n"
	 "(<vault>.journal, or the one JOURNAL carries: an export or a newer backup).\n"
	 "Refused, nothing changed: while another process uses the vault (exit 7, the\n"
	 "holder named), for a damaged or foreign backup, and when the journal lacks\n"
	 "erasures the audit trail proves (missing, cut short, altered: exit 5).\n"
	 "export-journal writes the journal, encrypted like a backup, to FILE: keep it\n"
	 "away from the vault for the day both are lost (docs/backups.md).\n"
	 "horizon tells after which date no backup holds an erased subject's data\n"
	 "(without SUBJECT: for every erased subject).\n"},
	{"register", cmd_register, "check, load, export and compare the register of activities",
	 "usage: gardien register check FILE [--controls]\n"
	 "       gardien register load FILE\n"
	 "       gardien register versions\n"
	 "       gardien register show [--version N] [--file FILE] [--format F]\n"
	 "       gardien register export [--format html|md|csv|ods|fods|json|jsonld|yaml] [--language fr|en] [--version N] [--file FILE]\n"
	 "       gardien register diff V1 V2\n"
	 "       gardien register migrate FILE [--output OUT]\n"
	 "       gardien register draft NOTICE [--language fr|en]\n"
	 "       gardien register compare NOTICE REGISTER [--language fr|en]\n"
	 "       gardien register notice [--language L] [--html] [--version N] [--file FILE] [--strict]\n"
	 "\n"
	 "The register (docs/register.md) lists the controller's processing activities;\n"
	 "once loaded, every write and read of the tenant is checked against it.\n"
	 "  check    validate FILE: errors and warnings as FILE:LINE:COLUMN (exit 2 on error);\n"
	 "           --controls also checks its security controls against this installation\n"
	 "  load     validate FILE and store it as the tenant's next register version\n"
	 "  versions list the stored versions\n"
	 "  show     print a version (default: the latest) as Markdown\n"
	 "  export   print a version in a format (default json); csv uses the columns of\n"
	 "           the CNIL register template (fods: the same as an OpenDocument\n"
	 "           spreadsheet); with --file, export FILE without a vault\n"
	 "  diff     list what changed between two versions\n"
	 "  migrate  write a format 1 FILE as format 2 (stdout, or OUT); reports each read\n"
	 "           between activities that format 2 refuses without reads_from\n"
	 "  draft    draft a register from a privacy notice (text or HTML, French or\n"
	 "           English): each item quotes its sentence and line; TODO marks gaps\n"
	 "  compare  what NOTICE promises that REGISTER lacks, and the reverse\n"
	 "  notice   write the Art. 13/14 notice from a version (or --file) in language L\n"
	 "           (po/L.po), Markdown or --html; what the register must still say goes\n"
	 "           to stderr (--strict: exit 2 then; --json: only that list)\n"},
	{"audit", cmd_audit, "verify, list, export and prune the audit trail",
	 "usage: gardien audit verify [--file EXPORT [--public-key HEX]]\n"
	 "       gardien audit list [FILTERS]\n"
	 "       gardien audit export [--format jsonl|csv] [--output FILE] [FILTERS]\n"
	 "       gardien audit prune --before TIME | --older-than PERIOD\n"
	 "       gardien audit checkpoint\n"
	 "       gardien audit key\n"
	 "\n"
	 "verify     recomputes every hash chain (or --tenant's) and checks every signed\n"
	 "           checkpoint; names the first entry modified, removed, inserted or\n"
	 "           reordered, and a tail cut after a checkpoint (exit 5). With --file,\n"
	 "           verifies a JSON-lines export offline, against --public-key if given.\n"
	 "list       the tenant's entries, oldest first (--json: one object per line)\n"
	 "export     the tenant's chain for an auditor, with the public key, checkpoints\n"
	 "           and prune anchor; an unfiltered jsonl export verifies offline\n"
	 "prune      removes the tenant's entries written before TIME (or older than\n"
	 "           PERIOD: 1y, 13m, 4w, 90d) and signs an anchor so the rest verifies\n"
	 "checkpoint signs a checkpoint at the end of every chain (or --tenant's)\n"
	 "key        prints the audit public key (Ed25519, hex) to give to auditors\n"
	 "\n"
	 "Filters: --from TIME --to TIME (at >= from, at < to) --principal P --subject S\n"
	 "         --action A --purpose ACTIVITY --outcome ok|denied|failed\n"
	 "         --record N (entries about record N, grouped retention deletions included)\n"},
	{"breach", cmd_breach, "record breaches, their 72-hour clock, scope and notification drafts",
	 "usage: gardien breach record --nature N --description TEXT [DETAILS]\n"
	 "       gardien breach update ID [DETAILS]\n"
	 "       gardien breach list\n"
	 "       gardien breach show ID\n"
	 "       gardien breach scope [ID] --from TIME [--to TIME] [--principal P]\n"
	 "                            [--activity A] [--summary]\n"
	 "       gardien breach notify ID [--at TIME] [--delay-reason TEXT]\n"
	 "       gardien breach inform ID [--at TIME]\n"
	 "       gardien breach controllers ID [--activity A]\n"
	 "       gardien breach no-notice ID --reason TEXT\n"
	 "       gardien breach draft ID [--to authority|subjects] [--language fr|en] [--html]\n"
	 "\n"
	 "The register of personal data breaches (GDPR Art. 33 and 34). The 72-hour\n"
	 "clock runs from --detected (default: now); 'list' and 'show' give the status\n"
	 "(open, overdue, notified, notified-late, not-notified) and the time left.\n"
	 "A notification after 72 hours needs --delay-reason. 'controllers' tells the\n"
	 "customers of data held as processor (outbox notices breach:ID; Art. 33(2)),\n"
	 "on a clock of 24 hours from detection, stopped by acknowledging them.\n"
	 "A notification after 72 hours needs --delay-reason. 'scope' counts, from the\n"
	 "audit trail, the subjects, records and categories read or exported in the\n"
	 "window (by --principal, e.g. a leaked token's service, for --activity) and,\n"
	 "with an ID, saves them on the breach. 'draft' writes the notification to the\n"
	 "authority or the communication to the subjects. Breaches are never deleted.\n"
	 "\n"
	 "DETAILS: --nature confidentiality,integrity,availability --description TEXT\n"
	 "  --detected TIME --started TIME --ended TIME --data-categories TEXT\n"
	 "  --subject-categories TEXT --subjects N --records N --consequences TEXT\n"
	 "  --measures-taken TEXT --measures-proposed TEXT --contact TEXT\n"
	 "  --controller NAME --language fr|en --high-risk\n"},
	{"help", cmd_help, "show help for a command, or the man page",
	 "usage: gardien help [COMMAND]\n"
	 "       gardien help --man\n"
	 "\n"
	 "--man prints the manual page gardien(1) in roff (man -l - reads it).\n"},
	{"completion", cmd_completion, "print the shell completion script",
	 "usage: gardien completion bash|zsh\n"
	 "\n"
	 "bash: source <(gardien completion bash); zsh: save it as _gardien in $fpath.\n"},
	{"version", cmd_version, "print the version", "usage: gardien version\n"
	 "\n"
	 "Prints the command's version and the library's (they differ only when a\n"
	 "shared libgardien of another version is loaded). Also -V and --version.\n"},
};
/* clang-format on */

const char cli_global_options[] =
	"  --vault PATH     vault database (GARDIEN_VAULT, default gardien.db)\n"
	"  --key PATH       master key file (GARDIEN_KEY, default <vault>.key)\n"
	"  --key-fd N       the key file's bytes on descriptor N (GARDIEN_KEY_FD)\n"
	"  --key-command CMD a command printing them (GARDIEN_KEY_COMMAND)\n"
	"  --key-pkcs11 URI the token holding the master key (GARDIEN_KEY_PKCS11, docs/keys.md)\n"
	"  --tenant NAME    tenant to act on (GARDIEN_TENANT, default: the only one)\n"
	"  --as PRINCIPAL   who acts, for the audit trail (GARDIEN_PRINCIPAL, default cli:$USER)\n"
	"  --now TIME       the clock, for tests and what-if (GARDIEN_NOW)\n"
	"  --json           machine-readable output; errors as JSON on stderr\n"
	"  --ordered-writes the file system orders writes: one WAL header sync less (GARDIEN_ORDERED_WRITES=1)\n"
	"  -h, --help       help; -V, --version: the version\n";

const char cli_exit_codes[] =
	"0 ok, 1 error, 2 bad usage or input, 3 not found, 4 denied,\n"
	"5 corrupt or tampered, 6 already exists, 7 expired or not allowed now.\n";

const struct command *cli_commands(size_t *n)
{
	*n = sizeof commands / sizeof *commands;
	return commands;
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void print_overview(FILE *f)
{
	fprintf(f, "usage: gardien [--vault PATH] [--key PATH] [--tenant NAME] [--as PRINCIPAL]\n"
	           "               [--now TIME] [--json] [--ordered-writes] COMMAND [ARGS]\n\n"
	           "gardien keeps personal data encrypted and enforces a register of processing\n"
	           "activities on every operation, with a tamper-evident audit trail.\n\n"
	           "Commands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nGlobal options (also from the environment; --opt=VALUE works too):\n%s\n"
	           "Exit codes: %s"
	           "Run 'gardien help COMMAND' for a command's options.\n",
	        cli_global_options, cli_exit_codes);
}

/* A command's help: its usage text, then its options from its table. */
static void print_usage(const struct command *cmd)
{
	const struct cli_opt *opts = cli_command_opts(cmd->name);
	fputs(cmd->usage, stdout);
	if (opts[0].name) {
		fputs("\nOptions:\n", stdout);
		cli_opts_print(stdout, opts);
	}
}

static int cmd_help(struct cli *c, int argc, char **argv)
{
	if (argc < 2) {
		print_overview(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--man") == 0)
		return cli_write_man();
	const struct command *cmd = find_command(argv[1]);
	if (!cmd)
		return cli_usage(c, NULL, "unknown command '%s'", argv[1]);
	print_usage(cmd);
	return EXIT_OK;
}

static int cmd_version(struct cli *c, int argc, char **argv)
{
	if (c->json)
		cli_print_json(json_pack("{s:s,s:s}", "version", GD_VERSION, "library", gd_version()));
	else if (strcmp(gd_version(), GD_VERSION) != 0)
		printf("gardien %s (library %s)\n", GD_VERSION, gd_version());
	else
		printf("gardien %s\n", GD_VERSION);
	return EXIT_OK;
}

/*
 * Every error the CLI reports goes through here: "gardien: MESSAGE" and an
 * optional hint line for people, or with --json one object on stderr,
 * {"error":{"code":"GD_…","exit":N,"message":…,"hint":…}}.
 */
int cli_error(struct cli *c, int exit_code, const char *code, const char *hint, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (c->json) {
		json_t *e = json_pack("{s:s,s:i,s:s}", "code", code, "exit", exit_code, "message", msg);
		if (e && hint)
			json_object_set_new(e, "hint", json_string(hint));
		json_t *j = e ? json_pack("{s:o}", "error", e) : NULL;
		if (j) {
			json_dumpf(j, stderr, JSON_COMPACT | JSON_ENSURE_ASCII);
			fputc('\n', stderr);
			json_decref(j);
			return exit_code;
		}
	}
	fprintf(stderr, "gardien: %s\n", msg);
	if (hint)
		fprintf(stderr, "%s\n", hint);
	return exit_code;
}

int cli_usage(struct cli *c, const char *cmd, const char *fmt, ...)
{
	char msg[1024], hint[96];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (cmd)
		snprintf(hint, sizeof hint, "run 'gardien help %s' for usage", cmd);
	else
		snprintf(hint, sizeof hint, "run 'gardien help' for the list of commands");
	return cli_error(c, EXIT_USAGE, "usage", hint, "%s", msg);
}

static int exit_code_of(int rc)
{
	switch (rc) {
	case GD_EINVAL:
	case GD_ETOOBIG: return EXIT_USAGE;
	case GD_ENOTFOUND: return EXIT_NOTFOUND;
	case GD_EDENIED: return EXIT_DENIED;
	case GD_ECORRUPT: return EXIT_CORRUPT;
	case GD_EEXISTS: return EXIT_EXISTS;
	case GD_EEXPIRED:
	case GD_EBUSY:
	case GD_ESTATE: return EXIT_STATE;
	default: return EXIT_ERROR;
	}
}

int cli_fail_hint(struct cli *c, int rc, const char *hint)
{
	const char *msg = gd_error_last();
	return cli_error(c, exit_code_of(rc), gd_error_name(rc), hint, "%s", *msg ? msg : gd_error_name(rc));
}

/*
 * The library's messages name what was wrong as the API does (a field, "the
 * key file"), never a flag: an HTTP client reads them too. The CLI adds the
 * option to give, matched on the message.
 */
static const struct {
	const char *in_message, *hint;
} flag_hints[] = {
	{"(until)", "give the end with --until TIME"},
	{"(started_at, ended_at)", "check --started and --ended"},
	{"(detected_at)", "check --detected"},
	{"(delay_reason)", "give the reasons with --delay-reason TEXT"},
	{"(from, to)", "check --from and --to"},
	{"plan until an earlier date", "give an earlier --until DATE"},
	{"(subject category,", "say who the data is about with --subject-category KIND"},
	{"cannot open key file", "give the key file with --key PATH or GARDIEN_KEY"},
	{"(journal:", "give it with: gardien backup restore BACKUP --journal JOURNAL"},
	{"(key_pkcs11,", "give the token with --key-pkcs11 URI or GARDIEN_KEY_PKCS11"},
	{"rotate where the key file is kept (key_path)", "rotate with --key FILE, then put the new key file back"},
	{"init writes a key file (key_path)", "init with --key FILE; then open with --key-fd N or --key-command CMD"},
	{"(backup folder)", "give the folder with --dir DIR or GARDIEN_BACKUP_DIR"},
};

int cli_fail(struct cli *c, int rc)
{
	const char *msg = gd_error_last();
	for (size_t i = 0; i < sizeof flag_hints / sizeof *flag_hints; i++)
		if (strstr(msg, flag_hints[i].in_message))
			return cli_fail_hint(c, rc, flag_hints[i].hint);
	return cli_fail_hint(c, rc, NULL);
}

static int only_tenant(void *ud, const char *name)
{
	struct cli *c = ud;
	if (c->tenant)
		return 1; /* more than one */
	snprintf(c->tenant_buf, sizeof c->tenant_buf, "%s", name);
	c->tenant = c->tenant_buf;
	return 0;
}

/*
 * The backup folder when --dir is not given: GARDIEN_BACKUP_DIR, else beside
 * the vault file ("<vault>.backups"); a PostgreSQL vault has no file, so its
 * backups go beside its key file ("<key>.backups"), on the host that keeps
 * its erasure journal there too.
 */
const char *cli_backup_dir(const struct cli *c, char *buf, size_t n)
{
	const char *env = getenv("GARDIEN_BACKUP_DIR");
	if (env && *env)
		return env;
	bool url = strncmp(c->vault_path, "postgresql://", 13) == 0 || strncmp(c->vault_path, "postgres://", 11) == 0;
	snprintf(buf, n, "%s.backups", url && c->key_path && *c->key_path ? c->key_path : c->vault_path);
	return buf;
}

gd_vault_options cli_vault_options(const struct cli *c)
{
	gd_vault_options o = GD_VAULT_OPTIONS_INIT;
	o.key_path = c->key_path;
	o.key_fd = c->key_fd;
	o.key_command = c->key_command;
	o.key_pkcs11 = c->key_pkcs11;
	o.now = c->now;
	o.ordered_writes = c->ordered_writes;
	return o;
}

/*
 * A key given on a pipe can be read once, but a server opens the vault once
 * per worker: it is copied into an anonymous memory file, read from its start
 * by each open.
 */
static int seekable_key_fd(struct cli *c, const char *arg)
{
	char *end;
	long fd = strtol(arg, &end, 10);
	if (*end || fd < 3 || fd > 65535)
		return cli_usage(c, NULL, "--key-fd takes an open descriptor number above 2, e.g. 3 (3<keyfile)");
	if (lseek((int)fd, 0, SEEK_CUR) >= 0) {
		c->key_fd = (int)fd;
		return EXIT_OK;
	}
	int mfd = memfd_create("gardien-key", MFD_CLOEXEC);
	char buf[4096];
	ssize_t n, total = 0;
	while (mfd >= 0 && (n = read((int)fd, buf, sizeof buf)) > 0 && total < 65536) {
		if (write(mfd, buf, (size_t)n) != n)
			break;
		total += n;
	}
	explicit_bzero(buf, sizeof buf);
	close((int)fd);
	if (mfd < 0) {
		fprintf(stderr, "gardien: cannot keep the key read from descriptor %ld\n", fd);
		return EXIT_FAILURE;
	}
	c->key_fd = mfd;
	return EXIT_OK;
}

static int open_actor(struct cli *c, bool actor, bool vault_wide);

int cli_open(struct cli *c, bool actor)
{
	return open_actor(c, actor, false);
}

int cli_open_vault_wide(struct cli *c)
{
	return open_actor(c, true, true);
}

/*
 * Opens the vault, and an actor on --tenant or the only tenant. A vault-wide
 * operation (support staff, auth settings: audited in the vault's own chain)
 * needs some tenant's actor only to run: with several, the first will do.
 */
static int open_actor(struct cli *c, bool actor, bool vault_wide)
{
	gd_vault_options o = cli_vault_options(c);
	int rc = gd_vault_open(&c->vault, c->vault_path, &o);
	if (rc < 0)
		return cli_fail(c, rc);
	if (!actor)
		return EXIT_OK;
	if (!c->tenant) {
		rc = gd_tenant_list(c->vault, only_tenant, c);
		if (rc == 1 && vault_wide)
			rc = 0;
		if (rc == 1)
			return cli_error(c, EXIT_USAGE, "usage", NULL,
			                 "the vault holds several tenants: choose one with --tenant NAME");
		if (rc < 0)
			return cli_fail(c, rc);
		if (!c->tenant)
			return cli_error(c, EXIT_NOTFOUND, gd_error_name(GD_ENOTFOUND), NULL,
			                 "the vault holds no tenant yet: create one with 'gardien tenant create NAME'");
	}
	rc = gd_actor_open(&c->actor, c->vault, c->tenant, c->principal);
	return rc < 0 ? cli_fail(c, rc) : EXIT_OK;
}

void cli_print_json(json_t *j)
{
	if (!j)
		return;
	json_dumpf(j, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
	fputc('\n', stdout);
	json_decref(j);
}

int cli_json_value_check(struct cli *c, const char *cmd, const char *buf, size_t len)
{
	/* The API parses bodies with JSON_REJECT_DUPLICATES; the same value must
	 * not mean something else when it comes through the CLI. Syntax errors
	 * are left to the library's own message. */
	json_error_t err;
	json_t *j = json_loadb(buf, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
	json_decref(j);
	if (!j && json_error_code(&err) == json_error_duplicate_key)
		return cli_usage(c, cmd, "the --json-value value has a key twice (line %d, column %d): give each key once",
		                 err.line, err.column);
	return EXIT_OK;
}

int cli_read_value(struct cli *c, const char *arg, char **out, size_t *len)
{
	if (strcmp(arg, "-") != 0) {
		*out = strdup(arg);
		*len = strlen(arg);
		return *out ? EXIT_OK : EXIT_ERROR;
	}
	/* read(2) straight into our block, grown by copies that wipe what they
	 * leave: no copy of the value stays in stdio's buffer or in a block that
	 * realloc gave back. The caller frees the value with gd_wipe_free. */
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (n == cap) {
			if (cap > GD_VALUE_MAX) {
				gd_wipe_free(buf);
				return cli_error(c, EXIT_USAGE, gd_error_name(GD_ETOOBIG), NULL,
				                 "standard input is over the %u-byte limit of a value", GD_VALUE_MAX);
			}
			char *nb = malloc(cap * 2);
			if (!nb)
				break;
			memcpy(nb, buf, n);
			gd_wipe_free(buf);
			buf = nb, cap *= 2;
		}
		ssize_t r = read(STDIN_FILENO, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		n += (size_t)r;
		if (r == 0) {
			/* One trailing newline is the shell's, not the value's. */
			if (n && buf[n - 1] == '\n')
				n--;
			if (n == cap) {
				gd_wipe_free(buf);
				return cli_error(c, EXIT_USAGE, gd_error_name(GD_ETOOBIG), NULL,
				                 "standard input is over the %u-byte limit of a value", GD_VALUE_MAX);
			}
			buf[n] = 0;
			*out = buf, *len = n;
			return EXIT_OK;
		}
	}
	gd_wipe_free(buf);
	return cli_error(c, EXIT_ERROR, gd_error_name(GD_EIO), NULL, "cannot read standard input: %s",
	                 strerror(errno));
}

int cli_parse_time(struct cli *c, const char *s, gd_time *out)
{
	int rc = gd_time_parse(out, s);
	return rc < 0 ? cli_fail(c, rc) : EXIT_OK;
}

const char *cli_time(gd_time t, char buf[32])
{
	gd_time_format(buf, t);
	return buf;
}

/* Removes the global options from argv wherever they stand. */
static int take_globals(struct cli *c, int *argc, char **argv)
{
	int out = 1;
	const char *now = getenv("GARDIEN_NOW"), *key_fd = getenv("GARDIEN_KEY_FD");
	c->key_command = getenv("GARDIEN_KEY_COMMAND");
	c->key_pkcs11 = getenv("GARDIEN_KEY_PKCS11");
	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;
		if (strcmp(a, "--") == 0) {
			while (i < *argc)
				argv[out++] = argv[i++];
			break;
		}
		if (strcmp(a, "--json") == 0) {
			c->json = true;
			continue;
		}
		if (strcmp(a, "--ordered-writes") == 0) {
			c->ordered_writes = true;
			continue;
		}
		if (strcmp(a, "--vault") == 0)
			slot = &c->vault_path;
		else if (strcmp(a, "--key") == 0)
			slot = &c->key_path;
		else if (strcmp(a, "--tenant") == 0)
			slot = &c->tenant;
		else if (strcmp(a, "--as") == 0)
			slot = &c->principal;
		else if (strcmp(a, "--now") == 0)
			slot = &now;
		else if (strcmp(a, "--key-fd") == 0)
			slot = &key_fd;
		else if (strcmp(a, "--key-command") == 0)
			slot = &c->key_command;
		else if (strcmp(a, "--key-pkcs11") == 0)
			slot = &c->key_pkcs11;
		if (!slot) {
			argv[out++] = argv[i];
			continue;
		}
		if (i + 1 >= *argc)
			return cli_usage(c, NULL, "option %s needs a value", a);
		*slot = argv[++i];
	}
	argv[out] = NULL;
	*argc = out;
	if (now && *now && (c->now = 0, cli_parse_time(c, now, &c->now)) != EXIT_OK)
		return EXIT_USAGE;
	if (c->key_command && !*c->key_command)
		c->key_command = NULL;
	if (c->key_pkcs11 && !*c->key_pkcs11)
		c->key_pkcs11 = NULL;
	if (key_fd && *key_fd && seekable_key_fd(c, key_fd) != EXIT_OK)
		return EXIT_USAGE;
	if ((c->key_fd || c->key_command) && c->key_path && *c->key_path)
		return cli_usage(c, NULL, "give the key one way: --key FILE, --key-fd N or --key-command CMD");
	return EXIT_OK;
}

/*
 * getopt_long's spelling "--option=VALUE" becomes "--option" "VALUE" before any
 * parser sees it, so every command takes both; "--" ends the options. Returns
 * a new argv (NULL-terminated, the caller frees the array, not the strings).
 */
static char **split_equals(int *argc, char **argv)
{
	int n = *argc, extra = 0;
	for (int i = 1; i < n && strcmp(argv[i], "--") != 0; i++)
		extra += strncmp(argv[i], "--", 2) == 0 && strchr(argv[i], '=') != NULL;
	char **out = calloc((size_t)(n + extra + 1), sizeof *out);
	if (!out)
		return NULL;
	int k = 0;
	bool options = true;
	for (int i = 0; i < n; i++) {
		char *eq = options && i > 0 && strncmp(argv[i], "--", 2) == 0 ? strchr(argv[i], '=') : NULL;
		if (options && strcmp(argv[i], "--") == 0)
			options = false;
		if (eq) {
			*eq = 0; /* argv's strings are ours to change */
			out[k++] = argv[i];
			out[k++] = eq + 1;
		} else {
			out[k++] = argv[i];
		}
	}
	*argc = k;
	return out;
}

/* The command line once "--option=VALUE" is split. */
static int run(int argc, char **argv)
{
	struct cli c = {.prog = "gardien"};
	/* Before anything holds a key or a value: no core dumps unless asked for
	 * (GARDIEN_CORE_DUMPS=1, for debugging), JSON buffers wiped when freed. */
	const char *cores = getenv("GARDIEN_CORE_DUMPS");
	if (gd_process_harden(cores && strcmp(cores, "1") == 0) < 0) {
		fprintf(stderr, "gardien: %s\n", gd_error_last());
		return EXIT_FAILURE;
	}
	c.vault_path = getenv("GARDIEN_VAULT");
	c.key_path = getenv("GARDIEN_KEY");
	c.tenant = getenv("GARDIEN_TENANT");
	c.principal = getenv("GARDIEN_PRINCIPAL");
	const char *ordered = getenv("GARDIEN_ORDERED_WRITES");
	c.ordered_writes = ordered && strcmp(ordered, "1") == 0;
	if (c.tenant && !*c.tenant)
		c.tenant = NULL;
	int rc = take_globals(&c, &argc, argv);
	if (rc != EXIT_OK)
		return rc;
	if (!c.vault_path || !*c.vault_path)
		c.vault_path = "gardien.db";
	if (!c.principal || !*c.principal) {
		/* Who runs the command, as docs/cli.md says: $USER, else the account of the
		 * effective uid (cron, containers and sudo -i often leave USER unset). */
		const char *user = getenv("USER");
		struct passwd *pw = user && *user ? NULL : getpwuid(geteuid());
		if (pw && pw->pw_name && *pw->pw_name)
			user = pw->pw_name;
		snprintf(c.principal_buf, sizeof c.principal_buf, "cli:%s", user && *user ? user : "operator");
		c.principal = c.principal_buf;
	}
	if (argc < 2) {
		print_overview(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help(&c, 1, argv);
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)
		return cmd_version(&c, 1, argv);
	const struct command *cmd = find_command(argv[1]);
	if (!cmd)
		return cli_usage(&c, NULL, "unknown command '%s'", argv[1]);
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			print_usage(cmd);
			return EXIT_OK;
		}
	}
	/* Every command line is checked against the command's option table
	 * (args.c); the commands read the parsed arguments (c.args). help and
	 * completion, which take one plain word, read argv, without the "--". */
	struct cli_args args;
	if ((rc = cli_args_parse(&c, cmd->name, cli_command_opts(cmd->name), argc - 1, argv + 1, &args)) != EXIT_OK)
		return rc;
	c.args = &args;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			memmove(argv + i, argv + i + 1, (size_t)(argc - i) * sizeof *argv);
			argc--;
			break;
		}
	}
	rc = cmd->run(&c, argc - 1, argv + 1);
	gd_actor_close(c.actor);
	gd_vault_close(c.vault);
	return rc;
}

int main(int argc, char **argv)
{
	/* Our own buffer for standard output, wiped at the end: `get` and the
	 * exports print decrypted values through it. */
	static char out_buf[BUFSIZ];
	setvbuf(stdout, out_buf, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF, sizeof out_buf);
	char **args = split_equals(&argc, argv);
	if (!args) {
		fprintf(stderr, "gardien: out of memory\n");
		return EXIT_ERROR;
	}
	argv = args;
	int rc = run(argc, argv);
	free(args);
	fflush(stdout);
	explicit_bzero(out_buf, sizeof out_buf);
	return rc;
}
