# tests/lib.sh — the one shell library of the CLI, server and scenario tests:
# a fresh work folder removed at exit, and one dialect of assertions that say
# what was expected and what came. tests/cli/lib.sh, tests/server/lib.sh and
# tests/scenarios/lib.sh source it and add what their kind needs.
#
# Assertions record a failure and go on, so one run shows every broken
# promise; the script then exits 1 (the EXIT trap sees the count), with or
# without `finish`. `die` stops at once when going on makes no sense.
#
#   fail MESSAGE                 a failed check (named with its file and line)
#   die MESSAGE                  a failed check, and stop
#   expect_code CODE CMD…        CMD exits CODE; its stdout in $out, stderr in $err
#   expect_eq GOT WANT [WHAT]    two strings are equal
#   expect_match TEXT ERE [WHAT] / expect_no_match TEXT ERE [WHAT]
#   at_exit COMMAND              runs COMMAND at exit, before the folder goes
#   finish                       prints the count; exits 1 on any failure
#   sqlite_vault PATH            a vault in an SQLite file of this test, whatever
#                                the engine (for tests that open the file)
#
# Sets W (the work folder, also the current directory), G (the binary) and
# GARDIEN_VAULT (GARDIEN_KEY too on PostgreSQL).
set -uo pipefail
: "${GARDIEN:?GARDIEN must name the gardien binary}"
G=$GARDIEN
W=$(mktemp -d "${TMPDIR:-/tmp}/gdtest-XXXXXX")
cd "$W"
unset GARDIEN_KEY GARDIEN_TENANT GARDIEN_PRINCIPAL GARDIEN_NOW
# The vault on the engine under test (tools/engine.sh: an SQLite file in W,
# or with GD_ENGINE=pg a fresh PostgreSQL database); vault_sql queries it.
. "$(dirname "${BASH_SOURCE[0]}")/tools/engine.sh"
gd_new_vault "$W" || { echo "FAIL: no vault for the test" >&2; exit 1; }
failures=0
checks=0
_at_exit=()

at_exit() { _at_exit+=("$1"); }

_gd_exit() {
	local rc=$? i
	for ((i = ${#_at_exit[@]} - 1; i >= 0; i--)); do eval "${_at_exit[i]}" || true; done
	cd / && rm -rf "$W"
	if [ "$failures" -ne 0 ]; then
		echo "$failures check(s) failed" >&2
		exit 1
	fi
	exit "$rc"
}
trap _gd_exit EXIT

# file:line of the test line that failed: the first caller outside the libraries.
_where() {
	local i
	for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do
		case ${BASH_SOURCE[i]} in
		*/lib.sh) ;;
		*) echo "${BASH_SOURCE[i]##*/}:${BASH_LINENO[i - 1]}"; return ;;
		esac
	done
	echo "${0##*/}"
}

# In a subshell ($(…), a pipeline) a count would be lost: fail exits it with 1
# instead, which the caller sees (set -e, ||).
fail() {
	echo "FAIL: $* ($(_where))" >&2
	[ "$BASHPID" = "$$" ] || exit 1
	failures=$((failures + 1))
	return 0
}
die() {
	echo "FAIL: $* ($(_where))" >&2
	failures=$((failures + 1))
	exit 1
}
ok() { checks=$((checks + 1)); }

expect_code() {
	local want=$1 got
	shift
	if out=$("$@" 2>"$W/.err"); then got=0; else got=$?; fi
	err=$(cat "$W/.err")
	if [ "$got" != "$want" ]; then
		fail "'$*' exited $got, expected $want; stdout: $out; stderr: $err"
	else
		ok
	fi
	return 0
}
expect_eq() { if [ "$1" != "$2" ]; then fail "${3:-value}: got '$1', expected '$2'"; else ok; fi; }
expect_match() { if ! grep -qE -- "$2" <<<"$1"; then fail "${3:-output} does not match /$2/: $1"; else ok; fi; }
expect_no_match() { if grep -qE -- "$2" <<<"$1"; then fail "${3:-output} matches /$2/: $1"; else ok; fi; }

sqlite_vault() {
	export GARDIEN_VAULT=$1
	unset GARDIEN_KEY
}

finish() {
	echo "$checks passed, $failures failed"
	[ "$failures" -eq 0 ] || exit 1
}
