# test_register_ods.sh — `register export --format ods`: a zipped OpenDocument
# spreadsheet as ODF 1.2 packages it. Read back with unzip and with Debian's
# python3-odf (an independent ODF reader): `mimetype` is the first entry,
# stored uncompressed with no extra field, so its type is readable at byte 38;
# content.xml is well-formed XML with the CNIL sheets and every activity;
# META-INF/manifest.xml lists content.xml; the same register gives the same
# bytes; the flat .fods keeps the same cells.
. "$(dirname "$0")/lib.sh"
: "${GD_SOURCE_DIR:?}"
export GARDIEN_NOW=2026-01-01
PY=/usr/bin/python3 # Debian's, where python3-odf is installed

reg="$GD_SOURCE_DIR/examples/iporta.yml"
"$GARDIEN" register export --format ods --file "$reg" >"$W/r.ods" || fail "export --format ods"

# the package: mimetype first, stored, no extra field, no data descriptor
[ "$(head -c 4 "$W/r.ods" | od -An -tx1 | tr -d ' ')" = "504b0304" ] || fail "not a zip file"
[ "$(dd if="$W/r.ods" bs=1 skip=30 count=8 2>/dev/null)" = "mimetype" ] || fail "mimetype is not the first entry"
[ "$(dd if="$W/r.ods" bs=1 skip=38 count=46 2>/dev/null)" = "application/vnd.oasis.opendocument.spreadsheet" ] ||
	fail "the media type is not readable at byte 38"
method=$(od -An -tu2 -j8 -N2 "$W/r.ods" | tr -d ' ')
[ "$method" = 0 ] || fail "mimetype is compressed (method $method)"
flags=$(od -An -tu2 -j6 -N2 "$W/r.ods" | tr -d ' ')
[ $((flags & 8)) = 0 ] || fail "mimetype has a data descriptor"
extra=$(od -An -tu2 -j28 -N2 "$W/r.ods" | tr -d ' ')
[ "$extra" = 0 ] || fail "mimetype has an extra field of $extra bytes"
unzip -tq "$W/r.ods" >/dev/null || fail "unzip -t finds the archive damaged"
# The listing goes through a file: under pipefail, `grep -q` or `head` quitting
# early would fail unzip with a broken pipe.
unzip -Z1 "$W/r.ods" >"$W/entries" || fail "unzip -Z1 cannot list the archive"
[ "$(sed -n 1p "$W/entries")" = mimetype ] || fail "unzip: mimetype not first"
grep -qx content.xml "$W/entries" || fail "no content.xml"
grep -qx META-INF/manifest.xml "$W/entries" || fail "no manifest"

# content.xml and the manifest are well-formed XML saying what they must
unzip -p "$W/r.ods" content.xml >"$W/content.xml"
xmllint --noout "$W/content.xml" || fail "content.xml is not well-formed"
grep -q '<office:document-content ' "$W/content.xml" || fail "content.xml root"
grep -q 'table:name="Registre"' "$W/content.xml" || fail "no Registre sheet"
unzip -p "$W/r.ods" META-INF/manifest.xml >"$W/manifest.xml"
xmllint --noout "$W/manifest.xml" || fail "manifest.xml is not well-formed"
grep -q 'manifest:full-path="content.xml"' "$W/manifest.xml" || fail "the manifest omits content.xml"
grep -q 'manifest:full-path="/" manifest:version="1.2" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"' \
	"$W/manifest.xml" || fail "the manifest's root entry"

# an ODF reader opens it and finds the organisation and every activity
if [ -x "$PY" ] && "$PY" -c 'import odf' 2>/dev/null; then
	"$PY" - "$W/r.ods" "$reg" >"$W/odf.txt" <<'PYEOF' || fail "python3-odf: $(cat "$W/odf.txt")"
import re, sys
from odf.opendocument import load
from odf.table import Table, TableRow, TableCell
from odf import teletype
doc = load(sys.argv[1])
assert doc.mimetype == "application/vnd.oasis.opendocument.spreadsheet", doc.mimetype
sheets = {t.getAttribute("name"): [[teletype.extractText(c) for c in r.getElementsByType(TableCell)]
                                   for r in t.getElementsByType(TableRow)]
          for t in doc.getElementsByType(Table)}
assert set(sheets) == {"Organisme", "Registre"}, sheets.keys()
assert ["Nom de l'organisme", "IPORTA SAS (Groupe VISIATIV)"] in sheets["Organisme"], sheets["Organisme"]
head, rows = sheets["Registre"][0], sheets["Registre"][1:]
assert head[0] == "Nom / sigle", head[0]
ids = re.findall(r"^  - id: (\S+)", open(sys.argv[2], encoding="utf-8").read(), re.M)
assert [r[1] for r in rows] == ids, ([r[1] for r in rows], ids)
print("ok", len(rows))
PYEOF
else
	fail "python3-odf is not installed (scripts/packages.txt)"
fi

# deterministic; the flat .fods holds the same cells
"$GARDIEN" register export --format ods --file "$reg" | cmp -s - "$W/r.ods" || fail "two exports differ"
"$GARDIEN" register export --format fods --file "$reg" >"$W/r.fods" || fail "fods"
sed -n '/<table:table /,$p' "$W/r.fods" >"$W/a"
sed -n '/<table:table /,$p' "$W/content.xml" | sed 's/office:document-content>/office:document>/' >"$W/b"
cmp -s "$W/a" "$W/b" || fail "the .ods and the .fods cells differ"

finish
echo ok
