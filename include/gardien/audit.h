/*
 * gardien/audit.h — the audit trail: verification, checkpoints, listing,
 * export for auditors, and retention (pruning under a signed anchor).
 *
 * Every operation of the library appends an entry to its tenant's hash chain
 * in the same storage transaction (tenant 0 is the vault's own chain). Signed
 * checkpoints (Ed25519, key derived from the master key) are written every
 * GD_AUDIT_CHECKPOINT_EVERY entries of a chain and on gd_audit_checkpoint.
 * The chain format is documented byte by byte in docs/FORMAT.md ("Audit chain").
 */
#ifndef GARDIEN_AUDIT_H
#define GARDIEN_AUDIT_H

#include "gardien.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GD_AUDIT_CHECKPOINT_EVERY 1000

enum gd_audit_outcome {
	GD_AUDIT_OK = 0,
	GD_AUDIT_DENIED = 1,
	GD_AUDIT_FAILED = 2
};

/* One entry, as listed. Strings are borrowed for the duration of the callback. */
typedef struct gd_audit_entry {
	int64_t seq;
	gd_time at;
	const char *principal;
	const char *action;
	const char *purpose;            /* NULL: none */
	const char *subject;            /* pseudonym, NULL: none */
	int64_t record_id;              /* 0: none */
	const char *category;           /* NULL: none */
	int outcome;                    /* enum gd_audit_outcome */
	const char *reason;             /* NULL: none */
	const unsigned char *prev_hash; /* 32 bytes: the previous entry's hash */
	const unsigned char *hash;      /* 32 bytes */
	int64_t lane;                   /* the writer's chain within the tenant (0 for vaults before lanes) */
} gd_audit_entry;

/*
 * The name of an outcome: "ok", "denied", "failed".
 *
 * @return a static string ("unknown" out of range). Thread-safe.
 */
const char *gd_audit_outcome_name(int outcome);

/*
 * The outcome named `name` ("ok", "denied", "failed").
 *
 * @return the enum gd_audit_outcome value, or -1 when unknown. Thread-safe.
 */
int gd_audit_outcome_parse(const char *name);

/* Version 2 added record_id; a version 1 filter (without it) is still accepted. */
#define GD_AUDIT_FILTER_VERSION 2
typedef struct gd_audit_filter {
	unsigned version;
	gd_time from;          /* at >= from; 0: no lower bound */
	gd_time to;            /* at < to;    0: no upper bound */
	const char *principal; /* exact; NULL: any */
	const char *subject;
	const char *action;
	const char *purpose;
	int outcome; /* enum gd_audit_outcome; -1: any */
	/* Entries about this record (0: any): its record_id, or a grouped entry
	 * (retention.delete) whose reason lists it ("; records N1 N2 …"). */
	int64_t record_id;
} gd_audit_filter;
#define GD_AUDIT_FILTER_INIT \
	{ \
		GD_AUDIT_FILTER_VERSION, 0, 0, NULL, NULL, NULL, NULL, -1, 0 \
	}

/* What gd_audit_list calls with each entry (borrowed for the call). */
typedef int (*gd_audit_cb)(void *ud, const gd_audit_entry *e);

/*
 * Streams the entries of the actor's tenant matching `f` to `cb`, in chain
 * order. Listing is itself audited ("audit.list"). `cb` must not use the vault
 * handle to read the trail again (refused: GD_ESTATE) nor to write: an entry
 * appended while the walk runs may be walked in turn.
 *
 * @param f   the filter (GD_AUDIT_FILTER_INIT, then the fields); NULL: all
 * @param cb  gets each entry, borrowed for the call
 * @return 0, what `cb` returned, or GD_EINVAL (bad filter: unsupported
 *         version, `to` before `from`, bad names).
 */
int gd_audit_list(gd_actor *a, const gd_audit_filter *f, gd_audit_cb cb, void *ud);

/* What gd_audit_verify found. */
enum gd_audit_problem {
	GD_AUDIT_INTACT = 0,
	GD_AUDIT_MODIFIED,      /* an entry's content or hash was changed */
	GD_AUDIT_REMOVED,       /* entries are missing before `seq` */
	GD_AUDIT_INSERTED,      /* a foreign entry stands at `seq` */
	GD_AUDIT_REORDERED,     /* entries `seq` and `seq`+1 were swapped */
	GD_AUDIT_TRUNCATED,     /* entries after `seq` are missing (a checkpoint covers them) */
	GD_AUDIT_BAD_SIGNATURE, /* the checkpoint or anchor at `seq` is not signed by the vault key */
	GD_AUDIT_REWRITTEN,     /* the chain up to `seq` no longer matches its signed checkpoint */
};

typedef struct gd_audit_report {
	int problem;           /* enum gd_audit_problem; GD_AUDIT_INTACT when all is well */
	int64_t tenant_id;     /* chain of the problem (0: the vault chain) */
	char tenant[72];       /* its name ("(vault)" for chain 0) */
	int64_t seq;           /* first bad entry (see enum gd_audit_problem) */
	char detail[256];      /* one line for people */
	int64_t chains;        /* chains verified */
	int64_t entries;       /* entries verified */
	int64_t checkpoints;   /* signatures verified (checkpoints and anchors) */
	int64_t unsigned_tail; /* entries after the last checkpoint of their chain */
	int64_t lane;          /* lane of the problem, within tenant_id's chains */
} gd_audit_report;

/*
 * One lane that verified intact (gd_audit_verify_lanes). A tenant's trail is
 * one hash chain per lane: each writer process appends to a lane of its own
 * (docs/audit.md, "Lanes"). Strings are borrowed for the call.
 */
typedef struct gd_audit_lane_report {
	int64_t tenant_id;
	const char *tenant; /* "(vault)" for tenant 0 */
	int64_t lane;
	int64_t first_seq;     /* first entry kept (after a prune's anchor); 0: none */
	int64_t last_seq;      /* last entry */
	int64_t entries;       /* entries verified in this lane */
	int64_t checkpoints;   /* signatures verified in this lane */
	int64_t unsigned_tail; /* entries after its last checkpoint */
} gd_audit_lane_report;

/*
 * The name of a verification problem: "intact", "modified", "removed", …
 *
 * @return a static string. Thread-safe.
 */
const char *gd_audit_problem_name(int problem);

/*
 * Recomputes every chain (or only `tenant`'s) and checks every checkpoint
 * signature; stops at the first problem, which it describes in `*out`.
 * Streams: no allocation per entry; this is the entry point the benchmark
 * measures.
 *
 * @param tenant    the tenant's name; NULL: every chain, the vault's included
 * @param out       receives the report (filled on every return)
 * @param progress  called every 65536 entries with the count so far (may be NULL)
 * @return 0 when intact, GD_ECORRUPT when tampering was found (see `out`),
 *         GD_ENOTFOUND (no such tenant), or a storage error.
 */
int gd_audit_verify(gd_vault *v, const char *tenant, gd_audit_report *out,
                    void (*progress)(void *ud, int64_t done), void *ud);

/*
 * gd_audit_verify, calling `lane` at the end of each lane found intact, in
 * order of tenant then lane (the problem, if any, is in `*out`: its tenant,
 * lane and first bad entry).
 */
int gd_audit_verify_lanes(gd_vault *v, const char *tenant, gd_audit_report *out,
                          void (*progress)(void *ud, int64_t done),
                          void (*lane)(void *ud, const gd_audit_lane_report *l), void *ud);

/*
 * Signs a checkpoint at the current end of every chain (or `tenant`'s) that
 * has entries after its last checkpoint. Audited ("audit.checkpoint").
 *
 * @param tenant  the tenant's name; NULL: every chain
 * @param out_n   receives the number of checkpoints written (may be NULL)
 * @return 0, or GD_ENOTFOUND (no such tenant).
 */
int gd_audit_checkpoint(gd_vault *v, const char *tenant, int64_t *out_n);

/*
 * When the last signed checkpoint of the actor's tenant's chain was written.
 * Reads only, not audited.
 *
 * @param out  receives its time, 0 when the chain has none
 * @return 0, or a storage error.
 */
int gd_audit_last_checkpoint(gd_actor *a, gd_time *out);

/*
 * Removes the entries of the actor's tenant written before `before`, after
 * verifying the chain, and signs an anchor (the hash of the last removed
 * entry) from which what remains still verifies. Audited ("audit.prune").
 *
 * @param before  entries at earlier times go
 * @param out_n   receives the number removed (may be NULL)
 * @return 0, or GD_ECORRUPT (the chain does not verify: nothing is removed).
 */
int gd_audit_prune(gd_actor *a, gd_time before, int64_t *out_n);

enum gd_audit_format {
	GD_AUDIT_JSONL = 0,
	GD_AUDIT_CSV = 1
};

/* Writes `n` bytes of an export; a non-zero return stops it and is returned. */
typedef int (*gd_write_cb)(void *ud, const void *p, size_t n);

/*
 * Writes the tenant's chain (entries matching `f`) for an auditor, with the
 * public key, the checkpoints and the anchor, so that an unfiltered JSON-lines
 * export verifies offline (gd_audit_verify_export); the format is in
 * docs/FORMAT.md, "Audit export". CSV cells a spreadsheet would take for a
 * formula are neutralised. Audited ("audit.export").
 *
 * @param f       NULL: every entry
 * @param format  GD_AUDIT_JSONL or GD_AUDIT_CSV
 * @param write   gets the bytes; a non-zero return stops and is returned. Like
 *                gd_audit_list's callback, it must not use the vault handle.
 * @return 0, what `write` returned, or GD_EINVAL (bad format or filter).
 */
int gd_audit_export(gd_actor *a, const gd_audit_filter *f, enum gd_audit_format format,
                    gd_write_cb write, void *ud);

/*
 * Verifies a JSON-lines export offline, without a vault: hash chain,
 * checkpoint and anchor signatures.
 *
 * @param next_line    hands each line in turn: returns 1 and sets *line and
 *                     *len, 0 at the end, < 0 on error (returned)
 * @param public_key   32 bytes the export's key must equal (NULL: the key the
 *                     file names is used)
 * @param out_key_hex  receives that key in hex (65 bytes, may be NULL)
 * @param out          receives the report, as gd_audit_verify's
 * @return 0 when intact, GD_ECORRUPT (tampered, or another key),
 *         GD_EINVAL (not an export: bad header or line), GD_ETOOBIG (a line
 *         over GD_AUDIT_LINE_MAX). Thread-safe.
 */
int gd_audit_verify_export(int (*next_line)(void *ud, const char **line, size_t *len), void *ud,
                           const unsigned char *public_key, char *out_key_hex,
                           gd_audit_report *out);

/*
 * The vault's audit public key (Ed25519), to hand to auditors out of band.
 *
 * @param out  receives the 32 bytes
 */
void gd_audit_public_key(const gd_vault *v, unsigned char out[32]);

/* Lines of an export are at most this long; longer ones are GD_ETOOBIG. */
#define GD_AUDIT_LINE_MAX 16384

#ifdef __cplusplus
}
#endif

#endif
