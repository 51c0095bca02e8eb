/*
 * audit.h — the audit module inside the library: the trail's entry, its hash,
 * blocks, checkpoint signatures, and the chain verifier shared by
 * gd_audit_verify (vault) and gd_audit_verify_export (offline). Files:
 * audit.c (append), audit_block.c (stored form), audit_checkpoint.c
 * (checkpoints, prune), audit_verify.c (verifier, walk), audit_io.c (list,
 * export, offline verification).
 */
#ifndef GD_AUDIT_H
#define GD_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "gardien.h"
#include "gardien/audit.h"
#include "lib/crypto/crypto.h"

struct gd__audit_entry {
	int64_t tenant_id;
	int64_t lane; /* the writer's chain within the tenant (docs/FORMAT.md, "Lanes") */
	int64_t seq;  /* 1, 2, … within the (tenant, lane) chain */
	int64_t at;   /* gd_time */
	const char *principal;
	const char *action;
	const char *purpose;  /* may be NULL */
	const char *subject;  /* pseudonym, may be NULL */
	int64_t record_id;    /* 0: none */
	const char *category; /* may be NULL */
	int outcome;          /* enum gd__outcome */
	const char *reason;   /* may be NULL */
};

/*
 * A block of consecutive entries of one chain, as stored (audit_block.c,
 * docs/FORMAT.md): appends encode into it; gd__audit_flush writes it as one row.
 */
#define GD__AUDIT_MRU 4
struct gd__audit_block_str {
	size_t off, len; /* len + 1 of a string at buf + off; 0: free slot */
	int index;       /* in the block's string table */
};
struct gd__audit_block {
	unsigned char *buf;
	size_t len, cap;
	int n;    /* entries */
	int nstr; /* strings in its table */
	int64_t tenant_id, lane, first_seq, last_seq, last_at;
	struct gd__audit_block_str mru[6][GD__AUDIT_MRU]; /* per string field, most recent first */
};
/* Flushed before a new entry once a block holds this many bytes. */
#define GD__AUDIT_BLOCK_BYTES (32 * 1024)

/* What the audit trail keeps in struct gd_vault (v->audit). */
struct gd__audit_state {
	/* The last entry appended, valid while gen == v->tx.gen (one query less
	 * per operation), and the chains appended to in the open batch, whose
	 * ends gd_vault_commit signs. */
	int64_t tenant, seq;
	gd_time at; /* its time: no entry of the chain is dated before it */
	/* The lane this handle appends to (-1: not claimed yet): claimed at the
	 * first append and held until the handle closes (gd__audit_lane). */
	int64_t lane;
	/* Entries of a read transaction (tx.read), appended after it ends in a
	 * write transaction of their own (audit_defer.c), before the read
	 * returns. */
	struct gd__audit_deferred *deferred;
	int ndeferred, deferred_cap;
	bool flushing_deferred;
	struct gd__audit_group *group; /* the vault's group commit in this process (audit_lane.c) */
	unsigned char hash[32];
	uint64_t gen;
	int64_t batch[4];
	int nbatch;
	/* Entries appended since the innermost savepoint (or the transaction)
	 * began, not yet written: written before a savepoint, a commit or a read
	 * of the trail, dropped by a rollback (see gd__audit_flush). */
	struct gd__audit_block block;
	bool walking; /* inside gd__audit_walk */
	/* Before the last append of a light operation (no savepoint under it):
	 * what gd__audit_undo_last restores. Its buf and cap are not used. */
	struct {
		bool valid;
		struct gd__audit_block block;
		int64_t tenant, seq;
		unsigned char hash[32];
		uint64_t gen;
		int nbatch;
	} undo;
};

int gd__audit_block_add(struct gd__audit_block *b, const struct gd__audit_entry *e,
                        const unsigned char hash[GD__HASH_SIZE]);
void gd__audit_block_reset(struct gd__audit_block *b);
void gd__audit_block_free(struct gd__audit_block *b);

/* Decodes a block's entries one by one; their strings and hashes live until the next start or free. */
struct gd__audit_reader {
	const unsigned char *p, *end;
	int64_t seq, at;
	unsigned char *body; /* a copy of the block */
	char *arena;
	size_t arena_len, cap; /* cap: of body and arena each */
	size_t *tab;           /* offsets of the table's strings in arena */
	int ntab, tabcap;
};
/* 0, or GD_ECORRUPT (unknown version, empty). */
int gd__audit_reader_start(struct gd__audit_reader *r, const void *body, size_t n);
/* 1: *e (all but tenant_id) and *hash (32 bytes) filled; 0: end; < 0: GD_ECORRUPT, GD_ENOMEM. */
int gd__audit_reader_next(struct gd__audit_reader *r, struct gd__audit_entry *e,
                          const unsigned char **hash);
void gd__audit_reader_free(struct gd__audit_reader *r);

/* hash = BLAKE2b-256("gardien audit v1" | prev | canonical fields), see docs/FORMAT.md. */
void gd__audit_hash(unsigned char out[GD__HASH_SIZE], const unsigned char prev[GD__HASH_SIZE],
                    const struct gd__audit_entry *e);

enum {
	GD__CP_CHECKPOINT = 0,
	GD__CP_ANCHOR = 1
};

/* A signed checkpoint (kind 0) or prune anchor (kind 1). */
struct gd__audit_cp {
	int64_t tenant_id, lane, seq, kind, at;
	unsigned char hash[GD__HASH_SIZE];
	unsigned char sig[GD__SIG_SIZE];
	bool well_formed; /* hash and signature had the right sizes */
};

#define GD__CP_MESSAGE_SIZE (21 + 5 * 8 + GD__HASH_SIZE)
/*
 * Version 2: "gardien checkpoint v2" | kind | tenant | lane | seq | at (u64 LE
 * each) | hash. Version 1 (no lane, 8 bytes shorter) is what vaults before
 * lanes signed; it is accepted for lane 0 only, the lane those chains became.
 * Returns the message's length.
 */
size_t gd__audit_cp_message(unsigned char out[GD__CP_MESSAGE_SIZE], const struct gd__audit_cp *cp, int version);

/*
 * The chain verifier: fed entries and checkpoints in chain order (a checkpoint
 * right after the entry it covers, an anchor before the first entry), chain
 * after chain. Each feed returns 0, or GD_ECORRUPT once a problem is decided
 * (described in the report); then feeding stops. An entry whose hash does not
 * match is held until the next one arrives, to tell a modification from an
 * insertion, a removal or a swap.
 */
struct gd__verifier;
int gd__verifier_new(struct gd__verifier **out, const unsigned char pk[GD__SIGN_PK_SIZE],
                     gd_audit_report *r);
void gd__verifier_free(struct gd__verifier *vf);
int gd__verifier_entry(struct gd__verifier *vf, const struct gd__audit_entry *e,
                       const void *hash, size_t hash_len);
int gd__verifier_cp(struct gd__verifier *vf, const struct gd__audit_cp *cp);
/* Ends the stream (and its last chain). */
int gd__verifier_end(struct gd__verifier *vf);

/*
 * Walks the stored chain(s) of `tenant` (-1: all) in order, merging entries and
 * checkpoints as the verifier wants them. `prev` passed to `entry` is the
 * stored hash of the previous entry (or the anchor's, or zeros).
 */
struct gd__audit_walk {
	int (*entry)(void *ud, const struct gd__audit_entry *e, const void *hash, size_t hash_len,
	             const unsigned char prev[GD__HASH_SIZE]);
	int (*cp)(void *ud, const struct gd__audit_cp *cp); /* may be NULL */
	void *ud;
	/* Set by the walk when a block cannot be decoded (GD_ECORRUPT): where. */
	int64_t damaged_tenant, damaged_lane, damaged_seq;
};
int gd__audit_walk(gd_vault *v, int64_t tenant, struct gd__audit_walk *w);

/* ---- between audit.c, audit_checkpoint.c and audit_verify.c ---- */

/* Signs and stores a checkpoint (GD__CP_CHECKPOINT) or anchor (GD__CP_ANCHOR) at `seq` of a chain. */
int gd__audit_write_cp(gd_vault *v, int64_t tenant, int64_t lane, int64_t seq, int kind,
                       const unsigned char hash[GD__HASH_SIZE]);
/* The last entry of a lane (the block being appended to included): *seq = 0 and zero hash when empty. */
int gd__audit_last(gd_vault *v, int64_t tenant, int64_t lane, int64_t *seq, unsigned char hash[GD__HASH_SIZE]);
/* Verifies `tenant`'s lanes (-1: all) in the current transaction (the caller's operation, or none). */
int gd__audit_verify_chains(gd_vault *v, int64_t tenant, gd_audit_report *r,
                            void (*progress)(void *ud, int64_t done),
                            void (*lane)(void *ud, const gd_audit_lane_report *l), void *ud);
/* Called by the verifier at the end of each intact lane (may be NULL). */
void gd__verifier_on_lane(struct gd__verifier *vf, void (*lane)(void *ud, const gd_audit_lane_report *l),
                          void *ud);
/*
 * The lane this handle appends to, claimed at its first append: lane 0 on
 * SQLite (every writer holds the file's write lock, and each transaction reads
 * the lane's head from the file), the lowest lane no live session holds on an
 * engine with claim_lane (PostgreSQL: a session advisory lock).
 */
int gd__audit_lane(gd_vault *v, int64_t *lane);

/* ---- appending, for every module (audit.c) ---- */

enum gd__outcome {
	GD__OK = 0,
	GD__DENIED = 1,
	GD__FAILED = 2
};

struct gd__audit_event {
	const char *action; /* "record.put", "record.get", "subject.erase", … */
	const char *purpose;
	const char *subject; /* pseudonym */
	int64_t record_id;   /* 0: none */
	const char *category;
	enum gd__outcome outcome;
	const char *reason;
};

/*
 * Appends an entry to the tenant's chain (tenant 0: the vault's own chain)
 * inside the current operation. Never give it personal data.
 */
int gd__audit_append(gd_vault *v, int64_t tenant_id, const char *principal,
                     const struct gd__audit_event *e);
int gd__audit_actor(gd_actor *a, const struct gd__audit_event *e);
/*
 * Writes the entries appended but not yet stored as one block. The op bracket
 * calls it before a savepoint and before a commit, and every reader of the
 * trail before reading, so the buffer only ever holds entries of the innermost
 * savepoint and a rollback just drops them (gd__audit_discard). On failure the
 * entries stay buffered.
 */
int gd__audit_flush(gd_vault *v);
void gd__audit_discard(gd_vault *v);
/*
 * Takes back the entry the last gd__audit_append of a light operation (a read
 * or a lean write in a batch, vault/tx.h) added to the buffered block, when
 * what it audits then failed. Cannot fail; a no-op after anything else.
 */
void gd__audit_undo_last(gd_vault *v);
/*
 * True when the next entry of `tenant` in this transaction is known to be one
 * a checkpoint is signed at (every GD_AUDIT_CHECKPOINT_EVERY): a lean write
 * then takes its savepoint after all, since a checkpoint is a row of its own
 * that gd__audit_undo_last could not take back.
 */
bool gd__audit_next_is_checkpoint(const gd_vault *v, int64_t tenant);
/* What the audit trail does at savepoints, commits and rollbacks (vault/tx.h). */
extern const struct gd__tx_hooks gd__audit_tx_hooks;
/* Converts a format-1 trail (one row per entry) to blocks, inside the caller's operation. */
int gd__audit_migrate(gd_vault *v);
/* Format 5: the tables keyed by (tenant, lane); the existing chains become lane 0. */
int gd__audit_migrate_lanes(gd_vault *v);
/*
 * Reads off the write lock (vault/tx.c, audit_defer.c): inside a read
 * transaction gd__audit_append keeps a copy of the entry; once the read
 * transaction has ended, gd__audit_commit_deferred appends them in a write
 * transaction of its own and commits it durably. The read returns its value
 * only when that succeeded. gd__audit_drop_deferred forgets them (a failed
 * read); gd__audit_drop_deferred_from forgets those from index `from` on (the
 * entries of one failed read in a group of reads, gd_vault_reads_begin).
 */
int gd__audit_commit_deferred(gd_vault *v);
int gd__audit_defer(gd_vault *v, int64_t tenant, const char *principal, const struct gd__audit_event *ev);
void gd__audit_drop_deferred(gd_vault *v);
void gd__audit_drop_deferred_from(gd_vault *v, int from);
/* For tests: how many reads wait in the queue of `v`'s vault, no committer having taken them yet. */
int gd__audit_group_waiting(gd_vault *v);
/* Leaves the vault's group commit (gd_vault_close). */
void gd__audit_group_release(gd_vault *v);
/* Signs a checkpoint at the end of each chain the open batch appended to (gd_vault_commit). */
int gd__audit_seal_batch(gd_vault *v);
/* Records a refusal in an operation of its own (the refused one was rolled back). */
int gd__audit_denied(gd_actor *a, const struct gd__audit_event *e);

/* The id of a tenant by name (0 for "(vault)"). */
int gd__audit_tenant_id(gd_vault *v, const char *name, int64_t *out);

#endif
