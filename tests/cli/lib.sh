# lib.sh — helpers for the CLI tests: a fresh folder, and assertions that say
# what was expected and what came. Source it; $GARDIEN is the binary.
set -u
: "${GARDIEN:?GARDIEN must name the gardien binary}"
T=$(mktemp -d "${TMPDIR:-/tmp}/gdcli-XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T"
. "$(dirname "${BASH_SOURCE[0]}")/../tools/engine.sh"
unset GARDIEN_KEY GARDIEN_TENANT GARDIEN_PRINCIPAL GARDIEN_NOW
gd_new_vault "$T"
G() { "$GARDIEN" "$@"; }
failures=0
checks=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { checks=$((checks + 1)); }
# expect_code CODE CMD...: runs CMD, compares its exit code; output in $out, $err.
expect_code() {
  local want=$1; shift
  out=$("$@" 2>"$T/.err"); local got=$?
  err=$(cat "$T/.err")
  if [ "$got" != "$want" ]; then fail "$* exited $got, expected $want; stderr: $err"; else ok; fi
}
expect_eq() { if [ "$1" != "$2" ]; then fail "${3:-value}: got '$1', expected '$2'"; else ok; fi; }
expect_match() { if ! grep -qE -- "$2" <<<"$1"; then fail "${3:-output} does not match /$2/: $1"; else ok; fi; }
expect_no_match() { if grep -qE -- "$2" <<<"$1"; then fail "${3:-output} matches /$2/: $1"; else ok; fi; }
finish() {
  echo "$checks passed, $failures failed"
  [ "$failures" -eq 0 ]
}
