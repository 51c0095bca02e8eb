#!/usr/bin/env bash
# test_stdin.sh — "-" for standard input where a command takes an input file
# (register check/load/export/notice/draft/compare/migrate, init --register,
# consent --text-file), "-" for standard output where it writes one (audit
# export, request export, directive apply, register migrate), and a clear
# refusal where a stream cannot serve (backup restore/verify/export-journal).
. "$(dirname "$0")/lib.sh"
: "${GD_SOURCE_DIR:?}"
export GARDIEN_NOW=2026-01-01T10:00:00Z GARDIEN_PRINCIPAL=cli:dpo
WIMI=$GD_SOURCE_DIR/examples/wimi.yml
NOTICE=$GD_SOURCE_DIR/docs/notice-examples/wimi.fr.md

# ---- register check ----
expect_code 0 G register check - <"$WIMI"
expect_match "$out" '^<stdin>: valid register' "check from stdin"
printf 'gardien_register: 2\ncontroller: {name: ACME}\nactivities: [\n' >"$W/bad.yml"
expect_code 2 G register check - <"$W/bad.yml"
expect_match "$err" '^<stdin>:[0-9]+:[0-9]+: error: ' "findings name <stdin>, in FILE:LINE:COLUMN form"
expect_code 2 G --json register check - <"$W/bad.yml"
expect_eq "$(jq -r '.file, .findings[0].file' <<<"$out" | sort -u)" "<stdin>" "JSON findings name <stdin>"

# ---- init --register - and register load - ----
sqlite_vault "$W/a.db"
expect_code 0 G --tenant acme init --country 33 --register - <"$WIMI"
expect_match "$out" 'loaded <stdin> as register version 1' "init --register -"
sed 's/^controller:/# edited\ncontroller:/' "$WIMI" >"$W/wimi2.yml"
expect_code 0 G register load - <"$W/wimi2.yml"
expect_match "$out" 'loaded <stdin> as register version 2' "load -"
expect_eq "$(G --json register versions | jq -r '.versions[].file' | sort -u)" "<stdin>" "versions name <stdin>"
# the bytes as given: loading the same file by name changes nothing
expect_code 0 G register load "$W/wimi2.yml"
expect_match "$out" 'unchanged' "stdin and the file are the same version"

# ---- export / notice / draft / compare / migrate read "-" as the file ----
G register export --file "$WIMI" --format json >"$W/by-name.json"
G register export --file - --format json <"$WIMI" >"$W/by-stdin.json"
cmp -s "$W/by-name.json" "$W/by-stdin.json" && ok || fail "export --file - differs from export --file FILE"
G register notice --file "$WIMI" --language fr >"$W/n1.md" 2>/dev/null
G register notice --file - --language fr <"$WIMI" >"$W/n2.md" 2>/dev/null
cmp -s "$W/n1.md" "$W/n2.md" && ok || fail "notice --file - differs"
G register draft "$NOTICE" --language fr | grep -v '^#' >"$W/d1.yml"
G register draft - --language fr <"$NOTICE" | grep -v '^#' >"$W/d2.yml"
[ -s "$W/d1.yml" ] && cmp -s "$W/d1.yml" "$W/d2.yml" && ok || fail "draft - differs from draft FILE"
G register draft - --language fr <"$NOTICE" >"$W/d3.yml"
grep -q '^# Register drafted .* from <stdin>' "$W/d3.yml" && ok || fail "the draft names <stdin>"
G --json register compare "$NOTICE" "$WIMI" | jq -c .gaps >"$W/c1"
G --json register compare - "$WIMI" <"$NOTICE" | jq -c .gaps >"$W/c2"
G --json register compare "$NOTICE" - <"$WIMI" | jq -c .gaps >"$W/c3"
cmp -s "$W/c1" "$W/c2" && cmp -s "$W/c1" "$W/c3" && ok || fail "compare with - differs"
expect_code 2 G register compare - - <"$NOTICE"
expect_match "$err" 'only one of NOTICE and REGISTER' "compare - - refused"
sed 's/^gardien_register: 2/gardien_register: 1/' "$WIMI" >"$W/f1.yml"
if G register migrate "$W/f1.yml" >"$W/m1.yml" 2>/dev/null; then
	G register migrate - <"$W/f1.yml" >"$W/m2.yml" 2>/dev/null
	G register migrate - --output - <"$W/f1.yml" >"$W/m3.yml" 2>/dev/null
	cmp -s "$W/m1.yml" "$W/m2.yml" && cmp -s "$W/m1.yml" "$W/m3.yml" && ok || fail "migrate - / --output - differ"
fi

# ---- consent --text-file - ----
sqlite_vault "$W/b.db"
G --tenant acme init --country 33 >/dev/null
S1=$(G subject create --email a@example.fr); S2=$(G subject create --email b@example.fr)
printf 'I agree to the newsletter.\n' >"$W/wording.txt"
G consent give "$S1" newsletter --channel web --text-file "$W/wording.txt" >/dev/null
G consent give "$S2" newsletter --channel web --text-file - <"$W/wording.txt" >/dev/null
h1=$(G --json consent history "$S1" | jq -r '.. | .wording_hash? // empty' | head -1)
h2=$(G --json consent history "$S2" | jq -r '.. | .wording_hash? // empty' | head -1)
[ -n "$h1" ] && [ "$h1" = "$h2" ] && ok || fail "consent wording from stdin hashed differently: '$h1' '$h2'"

# ---- outputs: "-" is standard output ----
# (each export is itself audited: the later one holds the earlier one's lines, and one more)
G audit export >"$W/a1.jsonl"
G audit export --output - >"$W/a2.jsonl"
G audit export -o - >"$W/a3.jsonl"
n=$(wc -l <"$W/a1.jsonl")
[ "$n" -gt 1 ] && [ "$(head -n "$n" "$W/a2.jsonl")" = "$(cat "$W/a1.jsonl")" ] &&
	[ "$(head -n "$n" "$W/a3.jsonl")" = "$(cat "$W/a1.jsonl")" ] &&
	[ "$(jq -r 'select(.type == "entry") | .action' "$W/a3.jsonl" | tail -1)" = audit.export ] && ok ||
	fail "audit export --output - is not the export on standard output"
[ ! -e ./- ] && ok || fail "a file named - was written"
R=$(G put "$S1" --activity customers --category user.name "Jeanne")
G request open access "$S1" >/dev/null
G request verify 1 --method id-card --evidence scan-1 >/dev/null
expect_code 0 G request export 1 --format json --output -
[ "$(jq -r '.records[0].value' <<<"$out")" = Jeanne ] && ok || fail "request export --output - is not the copy: $out"
[ ! -e ./- ] && ok || fail "a file named - was written"

# directive apply --output -: the copy on stdout, the report on stderr
sqlite_vault "$W/c.db"
G --tenant acme init --country 33 --register "$WIMI" >/dev/null
S=$(G subject create --email jeanne@example.fr)
G put "$S" --activity subscription --category user.contact.email --subject-category customer jeanne@example.fr >/dev/null
G directive set "$S" --designated "Paul Martin" --contact paul@example.fr --wish transmit >/dev/null
expect_code 0 G directive apply "$S" --output -
jq -e '.records[] | select(.value == "jeanne@example.fr")' <<<"$out" >/dev/null && ok || fail "directive copy on stdout: $out"
expect_match "$err" 'copy written to standard output' "the report goes to stderr"

# ---- where a stream cannot serve, "-" is refused and the reason given ----
G backup create >/dev/null
expect_code 2 G backup restore - </dev/null
expect_match "$err" "'-' \(standard input or output\) cannot stand for this file: restore decrypts the backup from its file" "restore -"
expect_code 2 G backup verify - </dev/null
expect_match "$err" "verify decrypts the backup from its file" "verify -"
expect_code 2 G backup export-journal -
expect_match "$err" "export-journal writes a new file" "export-journal -"
[ ! -e ./- ] && ok || fail "a file named - was written"
finish
