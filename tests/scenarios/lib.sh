# lib.sh — what the scenario tests share: a fresh vault for one tenant loaded
# with an example register, and assertions on exit codes and output.
# Sourced by test_<notice>.sh; needs GARDIEN and GD_SOURCE_DIR (set by ctest).
set -u
: "${GARDIEN:?set GARDIEN to the gardien binary}"
: "${GD_SOURCE_DIR:?set GD_SOURCE_DIR to the source tree}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gdscen-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/../tools/engine.sh"
gd_new_vault "$WORK"
export GARDIEN_NOW=2026-01-01 GARDIEN_PRINCIPAL=test:scenario
FAILS=0

fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }

# expect CODE DESCRIPTION -- command...: runs gardien, checks its exit code;
# the output (stdout+stderr) is left in $OUT.
expect() {
	local code=$1 what=$2
	shift 3
	OUT=$("$GARDIEN" "$@" 2>&1)
	local rc=$?
	[ "$rc" -eq "$code" ] || fail "$what: exit $rc, expected $code: $OUT"
}

# expect_out NEEDLE [DESCRIPTION]: the last output holds NEEDLE.
expect_out() {
	case "$OUT" in *"$1"*) ;; *) fail "${2:-last command}: output lacks \"$1\": $OUT" ;; esac
}

# Stores VALUE for a subject; prints the record id.
put() {
	"$GARDIEN" put "$@" || fail "put $*"
}

setup() { # TENANT EXAMPLE
	expect 0 "init with the $2 register" -- --tenant "$1" init --register "$GD_SOURCE_DIR/examples/$2.yml"
	expect_out "register version 1"
}

finish() {
	if [ "$FAILS" -ne 0 ]; then
		echo "$FAILS check(s) failed" >&2
		exit 1
	fi
	echo "ok"
}
