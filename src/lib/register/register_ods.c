/*
 * register_ods.c — the register as a zipped OpenDocument spreadsheet (.ods),
 * the format issue 18 names for spreadsheets, built with Debian's libzip.
 *
 * Invariants:
 *  - the package is what ODF 1.2 Part 3 asks of it: the first entry is
 *    `mimetype`, stored (not compressed), with no extra field, holding
 *    "application/vnd.oasis.opendocument.spreadsheet", so that tools that sniff
 *    the type from the file's first bytes find it; then content.xml (the same
 *    cells as the flat .fods, register_cnil.c) and META-INF/manifest.xml;
 *  - the bytes depend on the register alone: every entry carries the same
 *    fixed time, and the archive is built in memory and written at the end,
 *    so a failure writes nothing;
 *  - the archive never exceeds GD__ODS_MAX bytes (the register is bounded).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "lib/internal.h"
#include "lib/register/register.h"

static const char mimetype[] = "application/vnd.oasis.opendocument.spreadsheet";

static const char manifest[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\""
	" manifest:version=\"1.2\">\n"
	" <manifest:file-entry manifest:full-path=\"/\" manifest:version=\"1.2\""
	" manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/>\n"
	" <manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>\n"
	"</manifest:manifest>\n";

/* 1 January 1980 at noon: the first date a zip entry can carry, in any time zone. */
#define ODS_TIME ((time_t)315576000)
#define GD__ODS_MAX ((zip_uint64_t)16 * GD__REGISTER_MAX_BYTES + (1u << 20))

/* Adds `name` from memory (copied by libzip on close: the data outlive the call). */
static int add(zip_t *z, const char *name, const void *data, size_t len, bool store)
{
	zip_source_t *s = zip_source_buffer(z, data, len, 0);
	if (!s)
		return -1;
	zip_int64_t i = zip_file_add(z, name, s, ZIP_FL_ENC_UTF_8);
	if (i < 0) {
		zip_source_free(s);
		return -1;
	}
	if (zip_set_file_compression(z, (zip_uint64_t)i, store ? ZIP_CM_STORE : ZIP_CM_DEFLATE, 9) < 0 ||
	    zip_file_set_mtime(z, (zip_uint64_t)i, ODS_TIME, 0) < 0)
		return -1;
	return 0;
}

int gd__register_write_ods(const struct gd__register *r, FILE *out)
{
	char *content = NULL, *bytes = NULL;
	size_t clen = 0;
	zip_source_t *buf = NULL;
	zip_t *z = NULL;
	zip_error_t ze;
	int rc = 0;
	zip_error_init(&ze);
	FILE *m = open_memstream(&content, &clen);
	if (!m)
		return gd__err(GD_ENOMEM, "out of memory");
	rc = gd__register_write_ods_content(r, m);
	if (fclose(m) != 0 && rc == 0)
		rc = gd__err(GD_ENOMEM, "out of memory");
	if (rc < 0)
		goto done;
	/* the archive is written into a buffer source kept past zip_close */
	if (!(buf = zip_source_buffer_create(NULL, 0, 0, &ze)) ||
	    !(z = zip_open_from_source(buf, ZIP_TRUNCATE, &ze))) {
		rc = gd__err(GD_ENOMEM, "cannot build the spreadsheet archive");
		goto done;
	}
	zip_source_keep(buf);
	if (add(z, "mimetype", mimetype, sizeof mimetype - 1, true) < 0 ||
	    add(z, "content.xml", content, clen, false) < 0 ||
	    add(z, "META-INF/manifest.xml", manifest, sizeof manifest - 1, false) < 0) {
		rc = gd__err(GD_ENOMEM, "cannot build the spreadsheet archive");
		zip_discard(z);
		z = NULL;
		goto done;
	}
	if (zip_close(z) < 0) {
		rc = gd__err(GD_ENOMEM, "cannot build the spreadsheet archive");
		zip_discard(z);
		z = NULL;
		goto done;
	}
	z = NULL;
	zip_stat_t st;
	if (zip_source_stat(buf, &st) < 0 || !(st.valid & ZIP_STAT_SIZE) || st.size > GD__ODS_MAX ||
	    zip_source_open(buf) < 0) {
		rc = gd__err(GD_ETOOBIG, "the spreadsheet archive is larger than expected");
		goto done;
	}
	if (!(bytes = gd__malloc(st.size ? st.size : 1))) {
		zip_source_close(buf);
		rc = gd__err(GD_ENOMEM, "out of memory");
		goto done;
	}
	zip_int64_t n = zip_source_read(buf, bytes, st.size);
	zip_source_close(buf);
	if (n < 0 || (zip_uint64_t)n != st.size) {
		rc = gd__err(GD_EIO, "cannot read back the spreadsheet archive");
		goto done;
	}
	if (fwrite(bytes, 1, (size_t)n, out) != (size_t)n)
		rc = gd__err(GD_EIO, "cannot write the export");
done:
	if (buf)
		zip_source_free(buf);
	zip_error_fini(&ze);
	gd__free(bytes);
	free(content); /* open_memstream's buffer comes from malloc */
	return rc;
}
