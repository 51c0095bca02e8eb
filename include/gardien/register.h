/*
 * gardien/register.h — the register of processing activities (GDPR Art. 30)
 * as code: check a register file, load it into a tenant as a new version,
 * export it for people, the regulator and machines, and compare versions.
 * The format is documented in docs/register.md.
 *
 * Once a tenant has a register, every record write and read is checked
 * against its latest version (see gd_record_put, gd_record_get).
 */
#ifndef GARDIEN_REGISTER_H
#define GARDIEN_REGISTER_H

#include <stdint.h>
#include <stdio.h>

#include "gardien.h"

#ifdef __cplusplus
extern "C" {
#endif

enum gd_register_severity {
	GD_REGISTER_ERROR = 0,
	GD_REGISTER_WARNING = 1
};

/* One finding of the validator. Strings are valid during the callback only. */
typedef struct gd_register_diag {
	enum gd_register_severity severity;
	const char *file;    /* as given to the check */
	int line, column;    /* 1-based; 0 when the finding is about the whole file */
	const char *message; /* what is wrong and how to fix it */
} gd_register_diag;

typedef void (*gd_register_report_cb)(void *ud, const gd_register_diag *d);

/*
 * Validates the register file at `path`, reporting each error and warning to
 * `cb`, section by section, with its line and column. Touches no vault.
 *
 * @param cb            gets each finding (may be NULL)
 * @param out_errors    receives the number of errors (may be NULL)
 * @param out_warnings  receives the number of warnings (may be NULL)
 * @return 0 when the file has no error (it may have warnings), GD_EINVAL when
 *         it has errors (the first in gd_error_last()), GD_ETOOBIG (over the size
 *         limit of docs/register.md), GD_ENOTFOUND/GD_EIO (cannot be read).
 *         Thread-safe.
 */
int gd_register_check(const char *path, gd_register_report_cb cb, void *ud,
                      size_t *out_errors, size_t *out_warnings);

/*
 * Compares the backups the register promises (format 2 `backups`, for the
 * register and for each activity that states its own) with the rotation
 * the installation applies (`installed`, gd_backup_policy): each
 * disagreement is reported to `cb` as a warning and counted in
 * *out_disagreements (may be NULL). `path` NULL: the actor's tenant's
 * loaded register (none: nothing to compare); else the file at `path`.
 */
int gd_register_check_backups(gd_actor *a, const char *path, const gd_backup_policy *installed,
                              gd_register_report_cb cb, void *ud, size_t *out_disagreements);

/*
 * Compares the security promises of the register file at `path` (format 2
 * `controls`) with the installation: the vault's login lockout and session
 * timeouts, and the second factor of the roles named in the actor's tenant.
 * Each promise not kept is reported to `cb` as an error and counted in
 * *out_broken (may be NULL); what gardien cannot see is reported as a
 * warning ("stated, not verified"). GD_EINVAL when the file has errors.
 */
int gd_register_check_controls(gd_actor *a, const char *path, gd_register_report_cb cb, void *ud,
                               size_t *out_broken);

/*
 * Writes the register file at `path`, format 1, to `out` as format 2: the
 * same bytes with "gardien_register: 2" (a format 2 file is written
 * unchanged). The file must be valid in both formats; its findings go to
 * `cb`. Each read between activities that format 1 allows and format 2
 * refuses without reads_from is reported to `cb` as a warning and counted in
 * *out_notes (may be NULL): gardien does not write a compatibility reasoning
 * for the controller. GD_EINVAL when the file has errors (nothing written).
 */
int gd_register_migrate(const char *path, FILE *out, gd_register_report_cb cb, void *ud,
                        size_t *out_notes);

/*
 * Validates the register file at `path` and, when it has no error, stores it
 * as the next version of the tenant's register (audited as "register.load");
 * from then on it rules every record read and write. Loading a file identical to
 * the latest version stores nothing. On any error the vault is unchanged.
 *
 * @param out_version    receives the version number (may be NULL)
 * @param out_unchanged  receives 1 when the file equals the latest version
 *                       (may be NULL)
 * @return 0, or the errors of gd_register_check.
 */
int gd_register_load(gd_actor *a, const char *path, int64_t *out_version, int *out_unchanged);

/*
 * As gd_register_load, from a buffer.
 *
 * @param name  names the register in messages and in the version list
 * @param text  the YAML text, `len` bytes (need not be NUL-terminated)
 * @return as gd_register_load.
 */
int gd_register_load_buffer(gd_actor *a, const char *name, const void *text, size_t len,
                            int64_t *out_version, int *out_unchanged);

/* One stored version. Strings are valid during the callback only. */
typedef struct gd_register_version {
	int64_t version;
	gd_time loaded_at;
	const char *principal; /* who loaded it */
	const char *file;      /* the file name given at load */
	const char *digest;    /* BLAKE2b-256 of the source, hex */
	int activities;        /* number of processing activities */
} gd_register_version;

/*
 * Calls `cb` for each version of the tenant's register, oldest first.
 *
 * @return 0, or what `cb` returned.
 */
int gd_register_versions(gd_actor *a, int (*cb)(void *ud, const gd_register_version *v), void *ud);

/*
 * Export formats. All are deterministic: the same register gives the same
 * bytes. "html" and "md" for people (one section per activity), "csv" and
 * "fods" (flat OpenDocument spreadsheet) in the columns and French labels of
 * the CNIL register template (one row per activity, docs/register.md),
 * "json" (gardien's model), "jsonld" (W3C DPV terms), "yaml" (the source as loaded).
 */
#define GD_REGISTER_FORMATS "html, md, csv, ods, fods, json, jsonld, yaml"

/*
 * Writes a version of the tenant's register to `out` in `format`
 * (GD_REGISTER_FORMATS). Audited ("register.export").
 *
 * @param version  0: the latest
 * @param format   "html", "md", "csv", "json", "jsonld" or "yaml"; NULL: "md"
 * @param out      an open stream, left open
 * @return 0, or GD_ENOTFOUND (no such version, or no register), GD_EINVAL
 *         (unknown format), GD_EIO (the stream fails), GD_ETOOBIG (a joined cell
 *         over its cap).
 */
int gd_register_export(gd_actor *a, int64_t version, const char *format, FILE *out);

/*
 * Validates the register file at `path` and writes it to `out` in `format`,
 * without a vault.
 *
 * @return 0, or the errors of gd_register_check and of gd_register_export.
 *         Thread-safe.
 */
int gd_register_export_file(const char *path, const char *format, FILE *out);

/*
 * gd_register_export and gd_register_export_file with the language of the
 * "html" and "md" documents: "fr", "en" or any po/<language>.po compiled in
 * (the catalogues of the information notice, docs/notice.md); NULL: English.
 * The other formats are the same in every language.
 *
 * @return as they do, and GD_EINVAL / GD_ENOTFOUND for a bad or unknown language.
 */
int gd_register_export_lang(gd_actor *a, int64_t version, const char *format, const char *language,
                            FILE *out);
int gd_register_export_file_lang(const char *path, const char *format, const char *language, FILE *out);

/* One difference between two versions. Strings are valid during the callback only. */
typedef struct gd_register_change {
	char op;            /* '+' added, '-' removed, '~' changed */
	const char *where;  /* "activity billing", "controller", "rights", … */
	const char *field;  /* the changed key ("legal_basis"); NULL for a whole section */
	const char *before; /* compact JSON, NULL when added */
	const char *after;  /* compact JSON, NULL when removed */
} gd_register_change;

/*
 * Compares versions `from` and `to` of the tenant's register and calls `cb`
 * for each difference, in a stable order (sections, then activities by id).
 *
 * @param out_changes  receives the number of differences (may be NULL)
 * @return 0, what `cb` returned, or GD_ENOTFOUND (no such version).
 */
int gd_register_diff(gd_actor *a, int64_t from, int64_t to,
                     int (*cb)(void *ud, const gd_register_change *c), void *ud,
                     size_t *out_changes);

#ifdef __cplusplus
}
#endif

#endif
