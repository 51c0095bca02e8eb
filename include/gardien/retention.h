/*
 * gardien/retention.h — retention engine (events, legal holds, plan, sweep)
 * and encrypted backups whose restore re-applies every erasure made since.
 * Included by gardien.h; see docs/retention.md and docs/backups.md.
 */
#ifndef GARDIEN_RETENTION_H
#define GARDIEN_RETENTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- events ------------------------------------------------------------------- */

/*
 * Records that event `name` ("last_contact", "unsubscription",
 * "contract_end"…) happened to `subject`. Retention clocks that count from the
 * event are re-based on its latest occurrence. Audited.
 *
 * @param name  when the tenant's register declares events, one of them
 * @param at    when it happened; 0: now
 * @return 0, or GD_ENOTFOUND (no such subject), GD_EINVAL (undeclared event, "collection",
 *         time in the future, bad name).
 */
int gd_event_record(gd_actor *a, const char *subject, const char *name, gd_time at);
/*
 * The same for one object of the subject (a contract, a subscription: the
 * `object` of gd_record_spec): rules count from it for that object's records
 * only; records of other objects and of the subject as a whole keep their
 * clocks. A subject-wide event (gd_event_record) counts for an object's
 * records while the object has no event of that name.
 */
int gd_event_record_object(gd_actor *a, const char *subject, const char *name, const char *object,
                           gd_time at);

/*
 * Parses one line of a bulk event file: "SUBJECT NAME [TIME]" separated by
 * spaces or tabs (TIME as gd_time_parse). Touches no vault.
 *
 * @param line     the line (`len` bytes, need not be NUL-terminated)
 * @param subject  receives the pseudonym
 * @param name     receives the event name
 * @param at       receives the time, 0 when absent
 * @return 0, GD_ENOTFOUND for an empty line or a "#" comment (skip it),
 *         GD_EINVAL (malformed: the message says which part), GD_ETOOBIG (line
 *         over 1024 bytes, name over GD_NAME_MAX). Thread-safe.
 */
int gd_event_parse_line(const char *line, size_t len, char subject[GD_SUBJECT_ID_SIZE],
                        char name[GD_NAME_MAX + 1], gd_time *at);

/* ---- legal holds ----------------------------------------------------------------- */

#define GD_HOLD_REASON_MAX 200

typedef struct gd_hold {
	int64_t id;
	char subject[GD_SUBJECT_ID_SIZE];
	int64_t record_id; /* 0: the whole subject */
	char reason[GD_HOLD_REASON_MAX + 1];
	gd_time placed_at;
	char placed_by[GD_NAME_MAX + 1];
	gd_time lifted_at; /* 0: still active */
} gd_hold;

/*
 * Places a legal hold on `subject` or on one of its records: while it stands,
 * no retention deletion or anonymisation touches it and gd_subject_erase
 * refuses with its reason. Audited.
 *
 * @param out_id     receives the hold's id
 * @param record_id  0: the whole subject
 * @param reason     1..GD_HOLD_REASON_MAX bytes of printable text, e.g.
 *                   "litigation 2026-114"; written to the audit trail, so no
 *                   personal data
 * @return 0, or GD_ENOTFOUND (no such subject) or record of that subject), GD_EINVAL (missing
 *         or unprintable reason, bad record id), GD_ETOOBIG (reason too long).
 */
int gd_hold_place(gd_actor *a, int64_t *out_id, const char *subject, int64_t record_id,
                  const char *reason);

/*
 * Lifts hold `id`; due transitions it blocked are applied by the next sweep.
 * Audited.
 *
 * @param reason  why, as for gd_hold_place
 * @return 0, or GD_ENOTFOUND (no such hold in the tenant), GD_ESTATE (already
 *         lifted), GD_EINVAL/GD_ETOOBIG (bad reason).
 */
int gd_hold_lift(gd_actor *a, int64_t id, const char *reason);

/*
 * Calls `cb` for the holds of `subject` (NULL: every subject).
 *
 * @param all  include lifted holds
 * @return 0, what `cb` returned, or GD_ENOTFOUND (no such subject).
 */
int gd_hold_list(gd_actor *a, const char *subject, bool all,
                 int (*cb)(void *ud, const gd_hold *h), void *ud);

/* ---- plan and sweep ----------------------------------------------------------------- */

enum gd_retention_action {
	GD_RETENTION_ARCHIVE = 0,   /* kept only as legal proof */
	GD_RETENTION_ANONYMISE = 1, /* personal part removed, statistics kept */
	GD_RETENTION_DELETE = 2,
};

/*
 * The name of a retention action: "archive", "anonymise", "delete".
 *
 * @return a static string ("none" out of range). Thread-safe.
 */
const char *gd_retention_action_name(int action);

typedef struct gd_retention_plan_row {
	char month[8]; /* "YYYY-MM" of the due date */
	const char *activity;
	int action;       /* enum gd_retention_action */
	const char *rule; /* the notice's wording of the rule ("" if none) */
	int rule_line;    /* line of the rule in the register file (0: unknown) */
	int64_t count;
	gd_time first_due;
} gd_retention_plan_row;

typedef struct gd_retention_plan_totals {
	int64_t transitions; /* in the rows */
	int64_t held;        /* records whose due deletion/anonymisation a hold blocks */
	int64_t waiting;     /* records whose next stage waits for an event */
	int64_t no_rule;     /* records no retention rule covers */
	/* records kept while the subject's consent lives (a rule's unless_consent, with no expiry) */
	int64_t kept_by_consent;
} gd_retention_plan_totals;

/*
 * Computes what the retention rules will do up to `until` (inclusive), by
 * month, activity, action and rule, in that order, and calls `cb` per row.
 * Reads only.
 *
 * @param until  the horizon
 * @param out    receives the totals (may be NULL)
 * @return 0, what `cb` returned, or GD_ESTATE (the tenant has no register).
 */
int gd_retention_plan(gd_actor *a, gd_time until,
                      int (*cb)(void *ud, const gd_retention_plan_row *row), void *ud,
                      gd_retention_plan_totals *out);

#define GD_RETENTION_SWEEP_OPTIONS_VERSION 1
typedef struct gd_retention_sweep_options {
	unsigned version;
	size_t batch;       /* transitions per commit; 0: 5000 */
	size_t max_batches; /* stop after this many batches (0: until done) */
	/* Called after each committed batch; non-zero stops the sweep (resumable). */
	int (*progress)(void *ud, uint64_t done, uint64_t total);
	void *ud;
} gd_retention_sweep_options;
#define GD_RETENTION_SWEEP_OPTIONS_INIT \
	{ \
		GD_RETENTION_SWEEP_OPTIONS_VERSION, 0, 0, NULL, NULL \
	}

typedef struct gd_retention_stats {
	uint64_t scheduled; /* records whose next transition was (re)computed, not yet due */
	uint64_t archived, anonymised, deleted;
	uint64_t batches;
	bool complete; /* nothing due is left */
} gd_retention_stats;

/*
 * Applies every transition due at the vault's clock, in batches, each batch
 * one transaction with its audit entries. Interrupted (by `progress` or a
 * failure), it resumes where it stopped; run twice, the second run does
 * nothing. Memory use does not depend on the number of records.
 *
 * @param opts  batch size, limit and progress callback; NULL: defaults
 * @param out   receives what was done (may be NULL)
 * @return 0, what `progress` returned to stop, or GD_ESTATE (the tenant has no
 *         register).
 */
int gd_retention_sweep(gd_actor *a, const gd_retention_sweep_options *opts,
                       gd_retention_stats *out);

/* ---- backups ----------------------------------------------------------------------- */

/* Rotation: every backup is kept `daily_days`; the first of each ISO week
 * `weekly_weeks` weeks; the first of each month `monthly_months` months. */
#define GD_BACKUP_POLICY_VERSION 1
typedef struct gd_backup_policy {
	unsigned version;
	int daily_days, weekly_weeks, monthly_months;
} gd_backup_policy;
#define GD_BACKUP_POLICY_INIT \
	{ \
		GD_BACKUP_POLICY_VERSION, 7, 4, 3 \
	}

enum {
	GD_BACKUP_DAILY = 1,
	GD_BACKUP_WEEKLY = 2,
	GD_BACKUP_MONTHLY = 4
};

typedef struct gd_backup_info {
	char name[64]; /* file name inside the backup directory */
	gd_time created_at;
	unsigned kinds;     /* GD_BACKUP_DAILY | WEEKLY | MONTHLY */
	gd_time kept_until; /* under the policy given */
	uint64_t size;
	char checksum[65]; /* BLAKE2b-256 of the file before its trailer, hex */
} gd_backup_info;

/*
 * Writes a consistent, encrypted snapshot of the open vault into `dir`
 * (created 0700 if missing), verifies it by reading it back, and audits it;
 * a backup that fails verification or whose audit fails is removed.
 *
 * @param dir  the backup directory
 * @param out  receives the backup's name, time, size and checksum
 * @return 0, or GD_EIO (cannot create or write), GD_EEXISTS (a backup of the
 *         same second exists), GD_EINVAL (no directory).
 */
int gd_backup_create(gd_vault *v, const char *dir, gd_backup_info *out);

/* What a long backup operation takes besides its arguments (libgit2's
 * versioned options: a struct of an older version stays accepted). */
#define GD_BACKUP_OPTIONS_VERSION 1
typedef struct gd_backup_options {
	unsigned version;
	/*
	 * Called after each chunk of the backup (64 KiB, docs/backups.md) with the bytes
	 * handled so far and their total, known from the first call: a create
	 * counts the snapshot encrypted then the file read back twice to verify
	 * it, a restore or a verify the backup read twice (checksum, then
	 * chunks); the last call has done == total. The snapshot itself (the
	 * engine's copy) comes before the first call. A non-zero return stops the
	 * work and nothing is kept: the negative code it returned, or GD_ESTATE.
	 */
	int (*progress)(void *ud, uint64_t done, uint64_t total);
	void *ud;
} gd_backup_options;
#define GD_BACKUP_OPTIONS_INIT \
	{ \
		GD_BACKUP_OPTIONS_VERSION, NULL, NULL \
	}

/* gd_backup_create with options (NULL: none), e.g. a progress callback. Also
 * GD_EINVAL (unsupported options version), GD_ESTATE (stopped by it). */
int gd_backup_create_with(gd_vault *v, const char *dir, const gd_backup_options *opts, gd_backup_info *out);

/*
 * Calls `cb` for each backup of `dir`, oldest first, with what policy `p`
 * keeps.
 *
 * @param p  the rotation policy (GD_BACKUP_POLICY_INIT)
 * @return 0, what `cb` returned, or GD_EINVAL (bad policy: unsupported version, out of range), GD_EIO (unreadable
 *         directory).
 */
int gd_backup_list(gd_vault *v, const char *dir, const gd_backup_policy *p,
                   int (*cb)(void *ud, const gd_backup_info *b), void *ud);

/*
 * Removes the backups policy `p` no longer keeps at the vault's clock.
 *
 * @param cb  called per removal (may be NULL)
 * @return 0, what `cb` returned, or GD_EINVAL (bad policy: unsupported version, out of range), GD_EIO.
 */
int gd_backup_prune(gd_vault *v, const char *dir, const gd_backup_policy *p,
                    int (*cb)(void *ud, const gd_backup_info *b), void *ud);

/*
 * Checks a backup's checksum, key and every encrypted chunk, without
 * restoring.
 *
 * @param file  the backup file
 * @return 0, or GD_ENOTFOUND (no such file), GD_ECORRUPT (not a backup,
 *         damaged, truncated, or made with another master key), GD_EIO.
 */
int gd_backup_verify(gd_vault *v, const char *file);
/* gd_backup_verify with options (NULL: none), e.g. a progress callback. */
int gd_backup_verify_with(gd_vault *v, const char *file, const gd_backup_options *opts);

typedef struct gd_backup_restore_stats {
	gd_time snapshot_at;
	uint64_t erasures, deletions, anonymisations; /* journal entries re-applied */
	/* Entries whose transaction never committed: the live vault still held the data. */
	uint64_t uncommitted;
} gd_backup_restore_stats;

/*
 * Replaces the vault at `path` (which must not be open) with the snapshot in
 * `file`, after re-applying to it every erasure, retention deletion and
 * anonymisation of the erasure journal ("<path>.journal"). Nothing changes if
 * the backup is damaged, foreign (another master key) or anything fails.
 * Journal entries are written before their transaction commits; when the live
 * vault can still be opened, an entry whose effect it does not show (the
 * subject or record is still there) is skipped as never committed. When it
 * cannot be opened, every entry is applied: erasing too much beats restoring
 * what was erased.
 *
 * @param path  the vault to replace; no handle may be open on it
 * @param opts  its key file (NULL: "<path>.key")
 * @param file  the backup
 * @param out   receives the snapshot time and the journal entries applied
 *              (may be NULL)
 * @return 0, or the errors of gd_backup_verify, GD_EDENIED (the key file does
 *         not open it), GD_ECORRUPT (a damaged journal entry), GD_EIO.
 */
int gd_backup_restore(const char *path, const gd_vault_options *opts, const char *file,
                      gd_backup_restore_stats *out);
/*
 * gd_backup_restore with the journal taken from `journal` (NULL: the one beside
 * the vault): a journal export or any backup of version 2, which carries the
 * journal as it was when it was made. The restore holds the vault's lock
 * throughout and is refused (GD_EBUSY, naming the holder's pid and command)
 * while another process has the vault open. It is refused (GD_ECORRUPT,
 * nothing changed) when the journal lacks entries that the live vault's or
 * the snapshot's audit trail anchors (missing, cut short, replaced) or when
 * an entry is damaged; on success a journal given is installed beside the vault.
 */
int gd_backup_restore_from(const char *path, const gd_vault_options *opts, const char *file,
                           const char *journal, gd_backup_restore_stats *out);
/* gd_backup_restore_from with backup options (NULL: none), e.g. a progress
 * callback over the backup's bytes; stopped by it, nothing changed. */
int gd_backup_restore_with(const char *path, const gd_vault_options *opts, const char *file,
                           const char *journal, const gd_backup_options *bopts, gd_backup_restore_stats *out);
/*
 * Writes the erasure journal, encrypted like a backup (the same key), to the
 * new file `dest`: a copy to keep elsewhere, for a restore where the vault and
 * its journal are lost (docs/backups.md). Audited.
 */
int gd_backup_journal_export(gd_vault *v, const char *dest);

/*
 * The erasure horizon of an erased subject: the date after which no backup of
 * `dir` still holds its data under policy `p` (its erasure time when none
 * does).
 *
 * @param erased_at  receives when it was erased
 * @param horizon    receives the horizon
 * @return 0, or GD_ENOTFOUND (the journal has no erasure of that subject),
 *         GD_EINVAL (bad policy: unsupported version, out of range).
 */
int gd_backup_horizon(gd_vault *v, const char *dir, const gd_backup_policy *p,
                      const char *subject, gd_time *erased_at, gd_time *horizon);

/*
 * Calls `cb` for every subject erasure of the journal, oldest first, with the
 * erasure time and its horizon as gd_backup_horizon computes it.
 *
 * @return 0, what `cb` returned, or GD_EINVAL (bad policy: unsupported version, out of range), GD_ECORRUPT (a damaged
 *         journal entry).
 */
int gd_backup_horizon_each(gd_vault *v, const char *dir, const gd_backup_policy *p,
                           int (*cb)(void *ud, const char *subject, gd_time erased_at, gd_time horizon),
                           void *ud);

#ifdef __cplusplus
}
#endif

#endif
