/*
 * retention.h — what retention.c, event.c, hold.c and backup.c share.
 *
 * The due-date index (table retention_due, 50-retention.sql) holds each
 * record's next transition. It is kept exact by invalidation: a new record, an
 * event of its subject, or a hold placed or lifted sets due_at to
 * GD__DUE_PENDING, and the next sweep recomputes it from the register (the plan
 * computes from the records themselves and never writes).
 */
#ifndef GD_RETENTION_INTERNAL_H
#define GD_RETENTION_INTERNAL_H

#include <stdbool.h>

#include "lib/internal.h"
#include "lib/register/register.h"

#define GD__DUE_PENDING ((gd_time)-1)
#define GD__DUE_HELD ((gd_time)INT64_MAX - 1)
#define GD__DUE_NEVER ((gd_time)INT64_MAX)

/* The tenant's register (gd__register_current), or NULL in *out when none is loaded. */
int gd__retention_register(gd_actor *a, const struct gd__register **out);

/* The engine, with the register given explicitly (tests and benchmarks build one in C). */
int gd__retention_sweep(gd_actor *a, const struct gd__register *reg,
                        const gd_retention_sweep_options *opts, gd_retention_stats *out);
int gd__retention_plan(gd_actor *a, const struct gd__register *reg, gd_time until,
                       int (*cb)(void *ud, const gd_retention_plan_row *row), void *ud,
                       gd_retention_plan_totals *out);
/* Event recording with the register given (NULL: no check of the name). */
int gd__event_record(gd_actor *a, const struct gd__register *reg, const char *subject,
                     const char *name, gd_time at);

/* Marks every record of a subject for rescheduling (inside the caller's operation). */
int gd__retention_invalidate_subject(gd_vault *v, int64_t subject_id);

/* policy.c read check: archived records only for the legal-claims activity. */
int gd__retention_check_read(gd_actor *a, const struct gd__record_meta *m, const char *purpose);

/* subject.c erase hook: refuses under a hold, drops events, holds and the index rows, journals the erasure. */
int gd__retention_erase_hook(gd_actor *a, const struct gd__subject *s);

/*
 * What a deleter of record `id` owes, in its transaction, as no trigger does
 * it (50-retention.sql, 00-vault.sql): the record's due-date index row goes,
 * and the high-water mark of record ids rises to `id` so that it is never
 * given again. Every path that deletes records calls it (or does the same in
 * bulk: the sweep, a subject's erasure).
 */
int gd__retention_record_gone(gd_vault *v, int64_t id);

/* Removes the personal part of a record (see docs/retention.md, "Anonymisation"). */
int gd__retention_anonymise_row(gd_actor *a, int64_t record_id, gd_time collected_at);

/* An active hold covering the subject or the record: its id in *hold (0: none). */
int gd__hold_find(gd_vault *v, int64_t subject_id, int64_t record_id, int64_t *hold,
                  char *reason, size_t cap);

/* ---- erasure journal (backup.c) ---- */

/*
 * The journal "<vault>.journal" lives beside the vault, outside the database, so
 * that restoring an old snapshot cannot roll it back. Fixed 160-byte entries:
 *   0   4  magic "GDJ2" ("GDJ1": written before entries were chained, no number)
 *   4   1  kind (1 subject erased, 2 record deleted, 3 record anonymised)
 *   5   3  zero
 *   8   8  time of the erasure (little-endian gd_time)
 *   16  8  record id (0 for a subject)
 *   24  8  the record's collected_at (0 for a subject)
 *   32  29 subject pseudonym, NUL-padded
 *   61  3  zero
 *   64  65 tenant name, NUL-padded
 *   129 7  zero
 *   136 8  sequence number: 1, 2, … over the vault's life (little-endian)
 *   144 16 keyed BLAKE2b, under a key derived from the master key, of the
 *          previous entry's bytes 144..159 (zeros for the first) and bytes 0..143
 * An entry is written and synced before the transaction that erases commits,
 * and that transaction's audit trail holds a "journal.anchor" entry naming
 * the sequence numbers appended and the last MAC: the trail proves how long
 * the journal must be and what its last entry is (docs/backups.md).
 */
#define GD__JOURNAL_ENTRY_SIZE 160
enum { GD__J_ERASE = 1, GD__J_DELETE = 2, GD__J_ANONYMISE = 3 };

struct gd__journal_entry {
	int kind;
	gd_time at;
	int64_t record_id;
	gd_time collected_at;
	char subject[GD_SUBJECT_ID_SIZE];
	char tenant[65];
};

/* Bytes 0..143 of an entry; its number and MAC are set by gd__journal_append. */
void gd__journal_encode(unsigned char out[GD__JOURNAL_ENTRY_SIZE], const struct gd__journal_entry *e);
void gd__journal_key(const struct gd__keyring *kr, unsigned char key[GD__KEY_SIZE]);
/*
 * Numbers, chains and appends `n` encoded entries, and anchors them in the
 * actor's audit chain (inside the caller's operation). Inside a transaction
 * they are synced once, by gd__journal_sync at its commit, before the commit
 * can become durable (an erasure on disk always has its journal entry on
 * disk); outside, at once.
 */
int gd__journal_append(gd_actor *a, unsigned char *entries, size_t n);
int gd__journal_sync(gd_vault *v);
/*
 * Verifies a backup file under `master` (checksum, key id, every chunk) and,
 * with `plain`, writes the decrypted snapshot there. Exposed for the fuzzer.
 */
int gd__backup_decrypt(const unsigned char *master, const char *file, const char *plain,
                       gd_time *created);

/* True while a restore re-applies the journal (no new entries, holds overridden). */
bool gd__journal_replaying(void);

#endif
