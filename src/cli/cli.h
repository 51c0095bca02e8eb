/*
 * cli.h — what the command files of the gardien CLI share. The CLI sees only
 * the public API (gardien.h); each cmd_<verb>.c parses its arguments, calls the
 * library, and prints: results on stdout (human, or JSON with --json),
 * diagnostics on stderr.
 */
#ifndef GD_CLI_H
#define GD_CLI_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "gardien.h"
#include "gardien/json.h"

/* Exit codes (docs/cli.md). */
enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1, /* storage, system, unexpected */
	EXIT_USAGE = 2, /* bad arguments or bad input */
	EXIT_NOTFOUND = 3,
	EXIT_DENIED = 4,  /* refused by policy, wrong key or credentials */
	EXIT_CORRUPT = 5, /* tampering or damage detected */
	EXIT_EXISTS = 6,
	EXIT_STATE = 7, /* expired, busy, or not allowed now */
};

struct cli {
	const char *vault_path;      /* --vault, GARDIEN_VAULT, "gardien.db" */
	const char *key_path;        /* --key, GARDIEN_KEY, "<vault>.key" */
	int key_fd;                  /* --key-fd, GARDIEN_KEY_FD: the key file's bytes on a descriptor */
	const char *key_command;     /* --key-command, GARDIEN_KEY_COMMAND: a command printing them */
	const char *key_pkcs11;      /* --key-pkcs11, GARDIEN_KEY_PKCS11: the token holding the master */
	const char *tenant;          /* --tenant, GARDIEN_TENANT, the only tenant */
	const char *principal;       /* --as, GARDIEN_PRINCIPAL, "cli:$USER" */
	gd_time now;                 /* --now, GARDIEN_NOW; 0: the system clock */
	bool json;                   /* --json */
	bool ordered_writes;         /* --ordered-writes, GARDIEN_ORDERED_WRITES=1 */
	const struct cli_args *args; /* the command line parsed with the command's option table (main.c) */
	const char *prog;
	gd_vault *vault;
	gd_actor *actor;
	char principal_buf[80];
	char tenant_buf[72];
};

struct command {
	const char *name;
	int (*run)(struct cli *c, int argc, char **argv);
	const char *summary;
	const char *usage; /* full help text */
};

/*
 * A command's options, declared once (options.c): the parser (args.c), the
 * man page, 'gardien help CMD' and the completions (cmd_docs.c) all read them.
 */
enum {
	CLI_OPT_REPEAT = 1, /* may be given more than once, each counts */
	CLI_OPT_LAST = 2,   /* may be given again, the last counts (serve: the line overrides) */
};
struct cli_opt {
	const char *name;  /* "--activity"; NULL ends a table */
	char shrt;         /* 'o' for -o, or 0 */
	const char *value; /* its value's name ("ID"), NULL for a flag */
	const char *help;  /* one line */
	unsigned flags;    /* CLI_OPT_* */
};
#define CLI_ARGS_MAX 64
/* A parsed command line: its arguments in order, its options as given. */
struct cli_args {
	const char *pos[CLI_ARGS_MAX];
	int npos;
	struct {
		const struct cli_opt *opt;
		const char *value; /* "" for a flag */
	} seen[CLI_ARGS_MAX];
	int nseen;
};
/* The option table of command `cmd` (an empty table when it has none). */
const struct cli_opt *cli_command_opts(const char *cmd);
const struct cli_opt *cli_opt_find(const struct cli_opt *opts, const char *name);
/* Parses argv[1..] of command `cmd` or prints why not (EXIT_USAGE). */
int cli_args_parse(struct cli *c, const char *cmd, const struct cli_opt *opts, int argc, char **argv,
                   struct cli_args *out);
/* The value of option `name` (its last, for a repeatable one), "" for a flag given, NULL when absent. */
const char *cli_arg(const struct cli_args *a, const char *name);
bool cli_flag(const struct cli_args *a, const char *name);
/* Refuses (EXIT_USAGE) an option of c->args not in `allowed` ("--a --b"): for
 * a subcommand, whose command's table holds its siblings' options too. */
int cli_args_allow(struct cli *c, const char *cmd, const char *sub, const char *allowed);
/* The table as lines "  --name VALUE   help" (help, man page). */
void cli_opts_print(FILE *f, const struct cli_opt *opts);

/* Opens the vault (and, with `actor`, the actor for the tenant) or prints why not. */
/* The vault options of the global flags (key provider, clock). */
gd_vault_options cli_vault_options(const struct cli *c);
/* The backup folder when --dir is not given (docs/cli.md, "backup"); may use `buf`. */
const char *cli_backup_dir(const struct cli *c, char *buf, size_t n);
int cli_open(struct cli *c, bool actor);
/* Prints the library's last error for `rc` and returns the exit code. */
int cli_fail(struct cli *c, int rc);
/* As cli_open(c, true) for operations on the whole vault: --tenant is not needed with several tenants. */
int cli_open_vault_wide(struct cli *c);

/* The same, with a hint for people on its own line (e.g. the option to give). */
int cli_fail_hint(struct cli *c, int rc, const char *hint);
/*
 * Prints an error ("gardien: MESSAGE", then HINT if any; with --json one object
 * {"error":{"code":CODE,"exit":EXIT,"message":…,"hint":…}} on stderr) and
 * returns `exit_code`. CODE is a GD_E… name or "usage".
 */
int cli_error(struct cli *c, int exit_code, const char *code, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Prints a usage error with a pointer to help, returns EXIT_USAGE. */
int cli_usage(struct cli *c, const char *cmd, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prints a JSON value on stdout (compact, one line) and releases it. */
void cli_print_json(json_t *j);
/* Reads a value: the argument itself, or all of stdin when it is "-" (capped). */
int cli_read_value(struct cli *c, const char *arg, char **out, size_t *len);
/* A --json-value value: refuses duplicate keys, as the API does (EXIT_USAGE). */
int cli_json_value_check(struct cli *c, const char *cmd, const char *buf, size_t len);
/*
 * An input FILE argument (input.c): the path itself, or for "-" standard
 * input (at most `max` bytes) kept in an anonymous file whose path goes to
 * the library. `name` is what messages call it ("<stdin>").
 */
struct cli_input {
	const char *path, *name;
	int fd;
	char buf[32];
};
int cli_input_open(struct cli *c, const char *arg, size_t max, struct cli_input *in);
void cli_input_close(struct cli_input *in);
/* The bytes of an input read from standard input (NUL-terminated, caller frees). */
int cli_input_bytes(struct cli *c, const struct cli_input *in, char **out, size_t *len);
/* `file` as messages name it: "<stdin>" for the anonymous file of `in`. */
const char *cli_input_name(const struct cli_input *in, const char *file);
/* EXIT_USAGE with `why` when `arg` is "-" where a stream cannot serve. */
int cli_no_dash(struct cli *c, const char *cmd, const char *arg, const char *why);
/* Inputs are capped before the library sees them: registers, notices, exports. */
#define CLI_INPUT_MAX ((size_t)64 * 1024 * 1024)

/*
 * The progress line of a long operation (progress.c): on stderr, only on a
 * terminal and without --json. _count redraws done/total (total 0: unknown),
 * _bytes the same in megabytes; _ticker shows the elapsed time from a thread,
 * for work the library does not count, until the first count; _end clears
 * the line (call it before printing the result).
 */
struct cli_progress {
	bool on, ticking;
	_Atomic bool stop;
	const char *what;
	double start, last;
	pthread_t thread;
};
void cli_progress_start(struct cli *c, struct cli_progress *p, const char *what);
void cli_progress_count(struct cli_progress *p, uint64_t done, uint64_t total);
void cli_progress_bytes(struct cli_progress *p, uint64_t done, uint64_t total);
void cli_progress_ticker(struct cli *c, struct cli_progress *p, const char *what);
void cli_progress_end(struct cli_progress *p);

/* Parses a time argument or prints why not. */
int cli_parse_time(struct cli *c, const char *s, gd_time *out);
/* A record as lines for people (cmd_record.c); as JSON: gd_record_json. */
void cli_record_print(const gd_record *r);
/* The command table, its global options and exit codes (main.c), for help, man page and completions. */
const struct command *cli_commands(size_t *n);
extern const char cli_global_options[];
extern const char cli_exit_codes[];
/* The man page gardien(1) in roff on stdout (cmd_docs.c). */
int cli_write_man(void);

/*
 * `gardien serve`'s settings from --config FILE and GARDIEN_<OPTION> variables,
 * laid before the command line's options (serve_config.c): `argv` is "serve",
 * the settings as "--name value" pairs, then the options of c->args without
 * --config. Release with cli_serve_settings_release.
 */
#define GD_CLI_SERVE_SETTINGS 64
struct serve_settings {
	char **argv;
	int argc;
	char *owned[2 * GD_CLI_SERVE_SETTINGS];
	int nowned;
};
int cli_serve_settings(struct cli *c, struct serve_settings *s);
void cli_serve_settings_release(struct serve_settings *s);
/* `gardien serve` once its settings and options are parsed together (cmd_serve.c). */
int cli_serve_run(struct cli *c, const struct cli_args *a);

/* Formats a time for people. */
const char *cli_time(gd_time t, char buf[32]);

/* Loads FILE (or standard input for "-") as the next register version of c->actor's tenant, or prints why not. */
int cli_register_load(struct cli *c, const char *file, int64_t *version, int *unchanged);
/* register draft / compare / notice (cmd_notice.c): argv[0] is the subcommand, then
 * its arguments without the options, which are read from c->args. */
int cli_register_draft(struct cli *c, int argc, const char *const *argv);
int cli_register_compare(struct cli *c, int argc, const char *const *argv);
int cli_register_notice(struct cli *c, int argc, const char *const *argv);

int cmd_init(struct cli *c, int argc, char **argv);
int cmd_tenant(struct cli *c, int argc, char **argv);
int cmd_vault(struct cli *c, int argc, char **argv);
int cmd_key(struct cli *c, int argc, char **argv);
int cmd_subject(struct cli *c, int argc, char **argv);
int cmd_put(struct cli *c, int argc, char **argv);
int cmd_get(struct cli *c, int argc, char **argv);
int cmd_disclose(struct cli *c, int argc, char **argv);
int cmd_update(struct cli *c, int argc, char **argv);
int cmd_delete(struct cli *c, int argc, char **argv);
int cmd_erase(struct cli *c, int argc, char **argv);
int cmd_client(struct cli *c, int argc, char **argv);
int cmd_directive(struct cli *c, int argc, char **argv);
/* The backup rotation of GARDIEN_BACKUP_ROTATION (or the defaults); EXIT_USAGE when malformed. */
int cli_backup_policy(struct cli *c, gd_backup_policy *out);
int cmd_serve(struct cli *c, int argc, char **argv);
int cmd_user(struct cli *c, int argc, char **argv);
int cmd_token(struct cli *c, int argc, char **argv);
int cmd_role(struct cli *c, int argc, char **argv);
int cmd_grant(struct cli *c, int argc, char **argv);
int cmd_request(struct cli *c, int argc, char **argv);
int cmd_consent(struct cli *c, int argc, char **argv);
int cmd_outbox(struct cli *c, int argc, char **argv);
int cmd_retention(struct cli *c, int argc, char **argv);
int cmd_event(struct cli *c, int argc, char **argv);
int cmd_hold(struct cli *c, int argc, char **argv);
int cmd_backup(struct cli *c, int argc, char **argv);
int cmd_register(struct cli *c, int argc, char **argv);
int cmd_audit(struct cli *c, int argc, char **argv);
int cmd_breach(struct cli *c, int argc, char **argv);
int cmd_completion(struct cli *c, int argc, char **argv);

#endif
