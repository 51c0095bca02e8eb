# lib.sh — what the scenario tests share: tests/lib.sh (a fresh folder, the
# assertions), a vault for one tenant loaded with an example register, and
# a check of gardien's exit code with its output kept for expect_out.
# Sourced by test_<notice>.sh; needs GARDIEN and GD_SOURCE_DIR (set by ctest).
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
: "${GD_SOURCE_DIR:?set GD_SOURCE_DIR to the source tree}"
WORK=$W
export GARDIEN_NOW=2026-01-01 GARDIEN_PRINCIPAL=test:scenario

# expect_gardien CODE DESCRIPTION -- ARGS…: runs gardien ARGS, checks its exit
# code; the output (stdout+stderr) is left in $OUT.
expect_gardien() {
	local code=$1 what=$2 rc
	shift 3
	if OUT=$("$GARDIEN" "$@" 2>&1); then rc=0; else rc=$?; fi
	if [ "$rc" -eq "$code" ]; then ok; else fail "$what: exit $rc, expected $code: $OUT"; fi
}

# expect_out NEEDLE [DESCRIPTION]: the last output holds NEEDLE.
expect_out() {
	case "$OUT" in *"$1"*) ok ;; *) fail "${2:-last command}: output lacks \"$1\": $OUT" ;; esac
}

# Stores VALUE for a subject; prints the record id.
put() {
	"$GARDIEN" put "$@" || fail "put $*"
}

setup() { # TENANT EXAMPLE
	expect_gardien 0 "init with the $2 register" -- --tenant "$1" init --register "$GD_SOURCE_DIR/examples/$2.yml"
	expect_out "register version 1"
}
