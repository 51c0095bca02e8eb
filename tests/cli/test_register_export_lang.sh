# test_register_export_lang.sh — the register's Markdown and HTML exports read
# in the language asked for, through the same gettext catalogues as the
# information notice (po/<language>.po, context "register"): French and
# English headings, rows, rights, bases and retention in words; the HTML is a
# page `tidy -errors` accepts, with its lang attribute; an unknown language is
# refused; the machine formats do not change with the language.
. "$(dirname "$0")/lib.sh"
: "${GD_SOURCE_DIR:?}"
export GARDIEN_NOW=2026-01-01
run() { OUT=$("$GARDIEN" "$@" 2>&1); RC=$?; }
expect() { case "$OUT" in *"$1"*) ;; *) fail "$2: '$1' not in the output" ;; esac; }
refuse() { case "$OUT" in *"$1"*) fail "$2: '$1' is in the output" ;; esac; }

for ex in wimi iporta winbooks; do
	reg="$GD_SOURCE_DIR/examples/$ex.yml"
	for lang in fr en; do
		run register export --format html --language $lang --file "$reg"
		[ "$RC" -eq 0 ] || fail "$ex $lang html: exit $RC: $OUT"
		printf '%s\n' "$OUT" >"$W/$ex.$lang.html"
		tidy -errors -quiet "$W/$ex.$lang.html" >"$W/tidy.txt" 2>&1 ||
			fail "$ex $lang: tidy finds errors: $(cat "$W/tidy.txt")"
		expect "<html lang=\"$lang\">" "$ex $lang html"
	done
done

reg="$GD_SOURCE_DIR/examples/wimi.yml"
run register export --format md --language fr --file "$reg"
[ "$RC" -eq 0 ] || fail "fr md: exit $RC: $OUT"
expect "# Registre des activités de traitement — Cloud Solutions (Wimi)" "fr title"
expect "## Responsable du traitement" "fr heading"
expect "| Délégué à la protection des données | Maître Eric Barbry" "fr DPO row"
expect "| Base légale | exécution du contrat (art. 6(1)(b)) : " "fr basis"
expect "| Conservation | suppression 0 jour après service\\_end" "fr retention in words"
expect "| droit à la limitation (art. 18) | non proposé : le traitement" "fr right not offered"
expect "## Droits des personnes concernées" "fr rights heading"
refuse "| Legal basis |" "fr md"
refuse "Controller" "fr md"

run register export --format md --language en --file "$reg"
[ "$RC" -eq 0 ] || fail "en md: exit $RC: $OUT"
expect "# Register of processing activities — Cloud Solutions (Wimi)" "en title"
expect "| Legal basis | contract (Art. 6(1)(b)): " "en basis"
expect "| Retention | delete 0 days after service\\_end" "en retention"
expect "| restriction | not offered: le traitement" "en right not offered"
refuse "Base légale" "en md"
# no --language: English, as before
run register export --format md --file "$reg"
expect "## Controller" "default language"

# French HTML: escaped like the English one
run register export --format html --language fr --file "$reg"
expect "<h2 id=\"controller\">Responsable du traitement</h2>" "fr html heading"
expect "<th>Base légale</th>" "fr html row"

# an unknown or malformed language is refused, naming it
run register export --format md --language xx --file "$reg"
[ "$RC" -ne 0 ] || fail "unknown language accepted"
expect "xx" "unknown language message"
run register export --format md --language '../fr' --file "$reg"
[ "$RC" -ne 0 ] || fail "malformed language accepted"

# JSON has no language: the same bytes in both
"$GARDIEN" register export --format json --language fr --file "$reg" >"$W/fr.json" || fail "json fr"
"$GARDIEN" register export --format json --language en --file "$reg" >"$W/en.json" || fail "json en"
cmp -s "$W/fr.json" "$W/en.json" || fail "the JSON export changed with the language"

finish
echo ok
