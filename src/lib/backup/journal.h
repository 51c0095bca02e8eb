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
	int fd;        /* open from the first append on; -1 before */
	bool unsynced; /* written in this transaction, not yet synced */
};

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
 *   144 16 keyed BLAKE2b, under the key file's journal key, of the previous
 *          entry's bytes 144..159 (zeros for the first) and bytes 0..143
 * An entry is written and synced before the transaction that erases commits,
 * and that transaction's audit trail holds a "journal.anchor" entry naming
 * the sequence numbers appended and the last MAC: the trail proves how long
 * the journal must be and what its last entry is (docs/backups.md).
 */
#define GD__JOURNAL_ENTRY_SIZE 160
enum {
	GD__J_ERASE = 1,
	GD__J_DELETE = 2,
	GD__J_ANONYMISE = 3
};

struct gd__journal_entry {
	int kind;
	gd_time at;
	int64_t record_id;
	gd_time collected_at;
	char subject[GD_SUBJECT_ID_SIZE];
	char tenant[65];
};

struct gd__keyring;
/* Bytes 0..143 of an entry; its number and MAC are set by gd__journal_append. */
void gd__journal_encode(unsigned char out[GD__JOURNAL_ENTRY_SIZE], const struct gd__journal_entry *e);
void gd__journal_key(const struct gd__keyring *kr, unsigned char key[GD__KEY_SIZE]);
/* "<vault>.journal". */
void gd__journal_path(char *buf, size_t cap, const char *vault_path);
/*
 * Numbers, chains and appends `n` encoded entries, and anchors them in the
 * actor's audit chain (inside the caller's operation). Inside a transaction
 * they are synced once, by gd__journal_sync at its commit, before the commit
 * can become durable (an erasure on disk always has its journal entry on
 * disk); outside, at once.
 */
int gd__journal_append(gd_actor *a, unsigned char *entries, size_t n);
int gd__journal_sync(gd_vault *v);
/* What the journal does at commits and rollbacks (vault/tx.h). */
extern const struct gd__tx_hooks gd__journal_tx_hooks;
/* True while a restore re-applies the journal (no new entries, holds overridden). */
bool gd__journal_replaying(void);
void gd__journal_set_replaying(bool on);
/* Calls `cb` for each entry of the journal of `vault_path`; a missing journal has none. */
int gd__journal_each(const char *vault_path, const struct gd__keyring *kr,
                     int (*cb)(void *ud, const struct gd__journal_entry *e), void *ud);
/*
 * Calls `cb` for each entry of the journal file `path` with its position (1…)
 * and the chain's MAC up to it; a missing file has none. A damaged entry stops
 * with GD_ECORRUPT naming it; with `strict`, a gap in the numbers too.
 */
int gd__journal_each_file(const char *path, const struct gd__keyring *kr, bool strict,
                          int (*cb)(void *ud, const struct gd__journal_entry *e, int64_t pos,
                                    const unsigned char mac[GD__BLIND_SIZE]),
                          void *ud);

#endif
