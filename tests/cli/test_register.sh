# test_register.sh — gardien register from the command line: exit codes, the
# FILE:LINE:COLUMN form of findings, --json, and bad files changing nothing.
. "$(dirname "$0")/lib.sh"
: "${GD_SOURCE_DIR:?}"
sqlite_vault "$W/v.db"
export GARDIEN_NOW=2026-01-01
run() { OUT=$("$GARDIEN" "$@" 2>&1); RC=$?; }

cat >"$W/bad.yml" <<'YAML'
gardien_register: 1
controller: {name: ACME}
activities:
  - id: billing
    name: Billing
    role: controller
    purposes: [essential.service.payment_processing]
    legal_basis: contract
    categories: [user.emial]
    subjects: [customer]
YAML

run register check "$GD_SOURCE_DIR/examples/wimi.yml"
[ "$RC" -eq 0 ] || fail "valid register: exit $RC: $OUT"
case "$OUT" in *"valid register"*) ;; *) fail "valid register message: $OUT" ;; esac

run register check "$W/bad.yml"
[ "$RC" -eq 2 ] || fail "invalid register: exit $RC, expected 2"
case "$OUT" in *"bad.yml:9:18: error: activity \"billing\": unknown data category \"user.emial\": nearest known are \"user.contact.email\""*) ;;
*) fail "finding not in FILE:LINE:COLUMN form: $OUT" ;; esac

run --json register check "$W/bad.yml"
[ "$RC" -eq 2 ] || fail "--json invalid: exit $RC"
echo "$OUT" | jq -e '.valid == false and .errors == 1 and (.findings[] | select(.severity == "error") | .line == 9 and .column == 18)' >/dev/null ||
	fail "--json findings: $OUT"

run register check "$W/missing.yml"
[ "$RC" -eq 3 ] || fail "missing file: exit $RC, expected 3"

# init --register with a bad file creates nothing.
run --tenant acme init --register "$W/bad.yml"
[ "$RC" -eq 2 ] || fail "init with bad register: exit $RC"
[ ! -e "$W/v.db" ] && [ ! -e "$W/v.db.key" ] || fail "init with a bad register left files behind"

run --tenant acme init
[ "$RC" -eq 0 ] || fail "init: $OUT"
run register load "$W/bad.yml"
[ "$RC" -eq 2 ] || fail "load bad: exit $RC"
run --json register versions
[ "$OUT" = '{"versions":[]}' ] || fail "a bad load stored a version: $OUT"
run register show
[ "$RC" -eq 3 ] || fail "show without register: exit $RC, expected 3"

run register load "$GD_SOURCE_DIR/examples/winbooks.yml"
[ "$RC" -eq 0 ] || fail "load: $OUT"
run --json register load "$GD_SOURCE_DIR/examples/winbooks.yml"
[ "$OUT" = '{"version":1,"unchanged":true}' ] || fail "reload: $OUT"
run register export --format pdf
[ "$RC" -eq 2 ] || fail "unknown format: exit $RC"
run register diff 1 2
[ "$RC" -eq 3 ] || fail "diff with a missing version: exit $RC"
# Export of a file without a vault equals the export of the loaded version.
A=$("$GARDIEN" register export --format csv) || fail "export csv"
B=$(GARDIEN_VAULT=/nonexistent "$GARDIEN" register export --format csv --file "$GD_SOURCE_DIR/examples/winbooks.yml") || fail "export --file"
[ "$A" = "$B" ] || fail "vault and file exports differ"
# The CSV is opened in spreadsheets: a cell that would run as a formula is
# neutralised, and the HTML escapes every markup character.
sed 's/^    name: Facturation et gestion des recouvrements$/    name: "=HYPERLINK(\x27http:\/\/evil\x27)"/' \
	"$GD_SOURCE_DIR/examples/winbooks.yml" >"$W/formula.yml"
grep -q '=HYPERLINK' "$W/formula.yml" || fail "the test register was not changed"
run register export --format csv --file "$W/formula.yml"
[ "$RC" -eq 0 ] || fail "export of the formula register: exit $RC: $OUT"
case "$OUT" in *"\"'=HYPERLINK('http://evil')\""*) ;; *) fail "formula not neutralised: $OUT" ;; esac
run register export --format html --file "$W/formula.yml"
case "$OUT" in *"=HYPERLINK(&#39;http://evil&#39;)"*) ;; *) fail "apostrophe not escaped in HTML: $OUT" ;; esac
run help register
case "$OUT" in *"gardien register check FILE"*) ;; *) fail "help register: $OUT" ;; esac

finish
echo ok
