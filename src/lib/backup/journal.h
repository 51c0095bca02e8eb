/*
 * journal.h — the erasure journal: every erasure (a subject erased, a record
 * deleted or anonymised) is written to a file beside the vault before the
 * transaction that makes it commits, so that a restore of an older snapshot
 * re-applies it (docs/backups.md). What it keeps in struct gd_vault is
 * v->journal.
 */
#ifndef GD_BACKUP_JOURNAL_H
#define GD_BACKUP_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gardien.h"
#include "lib/crypto/crypto.h"

struct gd__journal_state {
	int fd;                      /* open from the first append on; -1 before */
	bool unsynced;               /* written in this transaction, not yet synced */
};

/*
 * The journal "<vault>.journal" lives beside the vault, outside the database, so
 * that restoring an old snapshot cannot roll it back. Fixed 160-byte entries:
 *   0   4  magic "GDJ1"
 *   4   1  kind (1 subject erased, 2 record deleted, 3 record anonymised)
 *   5   3  zero
 *   8   8  time of the erasure (little-endian gd_time)
 *   16  8  record id (0 for a subject)
 *   24  8  the record's collected_at (0 for a subject)
 *   32  29 subject pseudonym, NUL-padded
 *   61  3  zero
 *   64  65 tenant name, NUL-padded
 *   129 15 zero
 *   144 16 keyed BLAKE2b of bytes 0..143 under a key derived from the master key
 * An entry is written and synced before the transaction that erases commits.
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

void gd__journal_encode(gd_vault *v, unsigned char out[GD__JOURNAL_ENTRY_SIZE],
                        const struct gd__journal_entry *e);
/* The same with the journal's MAC key derived once (gd__journal_key) for many entries. */
void gd__journal_key(const unsigned char *master, unsigned char key[GD__KEY_SIZE]);
void gd__journal_encode_keyed(const unsigned char key[GD__KEY_SIZE],
                              unsigned char out[GD__JOURNAL_ENTRY_SIZE],
                              const struct gd__journal_entry *e);
/*
 * Appends `n` encoded entries. Inside a transaction they are synced once, by
 * gd__journal_sync at its commit, before the commit can become durable (an
 * erasure on disk always has its journal entry on disk); outside, at once.
 */
int gd__journal_append(gd_vault *v, const unsigned char *entries, size_t n);
int gd__journal_sync(gd_vault *v);
/* What the journal does at commits and rollbacks (vault/tx.h). */
extern const struct gd__tx_hooks gd__journal_tx_hooks;
/* True while a restore re-applies the journal (no new entries, holds overridden). */
bool gd__journal_replaying(void);
void gd__journal_set_replaying(bool on);
/* Calls `cb` for each entry of the journal of `vault_path`; a missing journal has none. */
int gd__journal_each(const char *vault_path, const unsigned char *master,
                     int (*cb)(void *ud, const struct gd__journal_entry *e), void *ud);

#endif
