/*
 * fuzz_notice.c — libFuzzer harness for the notice extractor (outside input:
 * a privacy notice as text or HTML, `gardien register draft`). Every input
 * must either be refused with an error (not UTF-8, a NUL byte, too big) or
 * give a view that the draft's YAML writer and the comparison can use; the
 * draft must then be one YAML document. Nothing may crash, leak, read out of
 * bounds or take time beyond linear. The corpus (corpus/notice/) holds
 * notices in French, English and HTML, tables, huge lines without a sentence
 * end and bad bytes, and replays in the ordinary test run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <libfyaml.h>

#include "lib/internal.h"
#include "lib/notice/notice.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gd__nv *v = NULL;
	int rc = gd__notice_draft(&v, (const char *)data, size, NULL);
	if (rc != 0) {
		if (v || (rc != GD_EINVAL && rc != GD_ETOOBIG && rc != GD_ENOMEM))
			abort();
		return 0;
	}
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	if (!out || gd__notice_draft_yaml(v, "fuzz", out) != 0)
		abort();
	fclose(out);
	/* the notice's words cannot break the structure of the draft */
	struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET};
	struct fy_document *doc = fy_document_build_from_string(&cfg, text, len);
	if (!doc)
		abort();
	fy_document_destroy(doc);
	struct gd__nv_score s[GD__NV_KINDS];
	if (gd__nv_score(v, v, s) != 0)
		abort();
	for (int k = 0; k < GD__NV_KINDS; k++)
		if (s[k].found > s[k].expected || s[k].wrong > s[k].drafted)
			abort(); /* counts of a score stay within their totals */
	free(text);
	gd__nv_free(v);
	return 0;
}
