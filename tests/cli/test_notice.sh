# test_notice.sh — gardien register draft | compare | notice from the command
# line: drafting real and own notices (text, HTML, Markdown), the comparison
# both ways, the Art. 13/14 notice in French and English, Markdown and HTML
# (valid for tidy, equal to the reviewed snapshots in docs/notice-examples/),
# from a file and from the vault, and the exit codes of bad input.
. "$(dirname "$0")/lib.sh"
: "${GD_SOURCE_DIR:?}"
sqlite_vault "$W/v.db"
export GARDIEN_NOW=2026-01-01
run() { OUT=$("$GARDIEN" "$@" 2>"$W/err"); RC=$?; ERR=$(cat "$W/err"); }
has() { case "$1" in *"$2"*) ;; *) fail "${3:-output} lacks '$2'" ;; esac; }
N="$GD_SOURCE_DIR/tests/data/notices"
SEEDS="${GD_SHARED_DIR:-$GD_SOURCE_DIR/../shared}/seeds"

# ---- draft ----
if [ -f "$SEEDS/wimi-privacy-policy.txt" ]; then
  run register draft "$SEEDS/wimi-privacy-policy.txt"
  [ "$RC" -eq 0 ] || fail "draft wimi: exit $RC: $ERR"
  has "$OUT" "gardien_register: 1" "wimi draft"
  has "$OUT" 'email: "dpo-wimi@racine.eu"' "wimi draft"
  has "$OUT" "# L117 80%: la gestion de l’inscription" "wimi draft"
  has "$OUT" "{action: delete, from: last_login, after: 1 year}" "wimi draft"
  has "$OUT" "# Sentences no rule used" "wimi draft"
else
  echo "SKIP: seed notices not in $SEEDS: real notices not drafted"
fi
run register draft "$N/fr-cabinet.html"
[ "$RC" -eq 0 ] || fail "draft html: exit $RC: $ERR"
has "$OUT" "(language fr)" "html draft"
has "$OUT" "legal_basis: legal_obligation" "html draft"
case "$OUT" in *"pas du texte"*|*"<p>"*) fail "html draft keeps script or tags" ;; esac
run register draft "$N/en-saas.md" --language en
[ "$RC" -eq 0 ] || fail "draft md: exit $RC: $ERR"
has "$OUT" "# WARNING: line 22: the notice relies on Privacy Shield" "saas draft"
printf 'caf\xe9' >"$W/latin1.txt"
run register draft "$W/latin1.txt"
[ "$RC" -eq 2 ] || fail "latin-1 notice: exit $RC, expected 2"
has "$ERR" "not valid UTF-8" "latin-1 error"
run register draft "$W/missing.txt"
[ "$RC" -eq 3 ] || fail "missing notice: exit $RC, expected 3"
run register draft "$N/en-saas.md" --language de
[ "$RC" -eq 2 ] || fail "unknown draft language: exit $RC, expected 2"
run register draft
[ "$RC" -eq 2 ] || fail "draft without a file: exit $RC"

# a draft filled in is a register: replace the TODOs of a small notice and check it
run register draft "$N/en-webshop.txt"
sed -e 's/^  name: TODO.*/  name: x/' "$W/err" >/dev/null
printf '%s\n' "$OUT" | sed -e 's/consent: {text: TODO, version: TODO}.*/consent: {text: "ok", version: "1"}/' \
  -e 's/categories: \[\]  # TODO.*/categories: [user.name]/' -e 's/subjects: \[\]  # TODO/subjects: [customer]/' \
  -e 's/purposes: \[TODO\].*/purposes: [essential.service]/' >"$W/filled.yml"
run register check "$W/filled.yml"
[ "$RC" -eq 0 ] || fail "filled draft does not check: $ERR"

# ---- compare ----
run register compare "$N/fr-boulangerie.txt" "$N/fr-boulangerie.yml"
[ "$RC" -eq 0 ] || fail "compare: exit $RC: $ERR"
has "$OUT" "register: the notice does not tell this period: 5 years" "compare"
case "$OUT" in *"lacks this basis"*) fail "same bases reported as a gap: $OUT" ;; esac
sed 's/legal_basis: legitimate_interests/legal_basis: contract/' "$N/fr-boulangerie.yml" >"$W/basis.yml"
run register compare "$N/fr-boulangerie.txt" "$W/basis.yml"
has "$OUT" "the register lacks this basis: la gestion du programme de fidélité" "basis gap"
run --json register compare "$N/fr-boulangerie.txt" "$GD_SOURCE_DIR/examples/wimi.yml"
[ "$RC" -eq 0 ] || fail "compare --json: exit $RC"
has "$OUT" '"side":"notice","kind":"activity","what":"la gestion des commandes en ligne' "compare json"
has "$OUT" '"side":"register","kind":"activity"' "compare json"
run register compare "$N/fr-boulangerie.txt"
[ "$RC" -eq 2 ] || fail "compare with one file: exit $RC"

# ---- notice: snapshots, tidy, completeness ----
SNAP="$GD_SOURCE_DIR/docs/notice-examples"
for ex in wimi iporta winbooks; do
  for lang in fr en; do
    "$GARDIEN" register notice --file "$GD_SOURCE_DIR/examples/$ex.yml" --language "$lang" >"$W/$ex.$lang.md" 2>/dev/null \
      || fail "notice $ex $lang md: exit $?"
    "$GARDIEN" register notice --html --file "$GD_SOURCE_DIR/examples/$ex.yml" --language "$lang" >"$W/$ex.$lang.html" 2>/dev/null \
      || fail "notice $ex $lang html: exit $?"
    cmp -s "$W/$ex.$lang.md" "$SNAP/$ex.$lang.md" || fail "$ex.$lang.md differs from its snapshot (diff it, review, copy)"
    cmp -s "$W/$ex.$lang.html" "$SNAP/$ex.$lang.html" || fail "$ex.$lang.html differs from its snapshot"
    if command -v tidy >/dev/null; then
      tidy -errors -q "$W/$ex.$lang.html" >"$W/tidy" 2>&1 || fail "$ex.$lang.html is not valid HTML: $(cat "$W/tidy")"
    else
      fail "tidy is missing: apt-get install tidy (scripts/packages.txt)"
    fi
  done
done
run register notice --file "$GD_SOURCE_DIR/examples/winbooks.yml" --strict
[ "$RC" -eq 2 ] || fail "incomplete register with --strict: exit $RC, expected 2"
has "$ERR" "missing (Art. 13(2)(d)) authority" "winbooks missing"
run --json register notice --file "$GD_SOURCE_DIR/examples/winbooks.yml"
has "$OUT" '"complete":false' "winbooks json"
run register notice --file "$GD_SOURCE_DIR/examples/wimi.yml" --strict
[ "$RC" -eq 0 ] || fail "complete register with --strict: exit $RC: $ERR"
run register notice --file "$GD_SOURCE_DIR/examples/wimi.yml" --language xx
[ "$RC" -eq 3 ] || fail "unknown language: exit $RC, expected 3"
has "$ERR" "po/xx.po" "unknown language"
run register notice --file "$GD_SOURCE_DIR/examples/wimi.yml" --format pdf
[ "$RC" -eq 2 ] || fail "unknown format: exit $RC, expected 2"

# from the vault: the latest version, the same text as from the file, audited
run --tenant acme init --register "$GD_SOURCE_DIR/examples/wimi.yml"
[ "$RC" -eq 0 ] || fail "init: $ERR"
run register notice --language fr
[ "$RC" -eq 0 ] || fail "notice from the vault: exit $RC: $ERR"
[ "$OUT" = "$(cat "$W/wimi.fr.md")" ] || fail "notice from the vault differs from the file's"
run audit list
has "$OUT" "register.export" "audit of the notice"
run register notice --version 9
[ "$RC" -eq 3 ] || fail "unknown version: exit $RC, expected 3"

finish
