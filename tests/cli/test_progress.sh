#!/usr/bin/env bash
# test_progress.sh — every long operation (backup create/verify/restore, key
# rotation, retention sweep, vault and audit verify, event import) shows a
# progress line on a terminal (script(1) gives it one), and none when stderr
# is not a terminal or with --json: scripts and pipes never see it. Backups
# show the bytes the library counts (gd_backup_options.progress).
. "$(dirname "$0")/lib.sh"
: "${GD_SOURCE_DIR:?}"
command -v script >/dev/null || die "script(1) (bsdutils) is needed"
sqlite_vault "$W/v.db"
G --tenant acme init --country 33 --register "$GD_SOURCE_DIR/examples/wimi.yml" >/dev/null
S=$(G subject create --email a@example.fr)
printf '%s contract_end 2025-01-01T00:00:00Z\n' "$S" >"$W/events.txt"

# on_tty "TEXT" ARGS…: run gardien ARGS on a terminal; its output must show TEXT.
# off_tty "TEXT" ARGS…: run it with stderr to a file; TEXT must not be there.
on_tty() {
	local text=$1; shift
	local cmd="$GARDIEN"
	for a in "$@"; do cmd+=" $(printf '%q' "$a")"; done
	script -qec "$cmd" /dev/null </dev/null >"$W/tty.out" 2>&1 || true
	grep -qF -- "$text" "$W/tty.out" && ok || fail "no progress '$text' on a terminal for: $* ($(cat -v "$W/tty.out"))"
}
off_tty() {
	local text=$1; shift
	"$GARDIEN" "$@" >/dev/null 2>"$W/plain.err" </dev/null || true
	grep -qF -- "$text" "$W/plain.err" && fail "progress '$text' written off a terminal for: $*" || ok
}
both() { on_tty "$@"; off_tty "$@"; }

both "creating and verifying the backup" backup create
# the library counts a backup's bytes: the line shows them
grep -qE 'creating and verifying the backup \[#+ *\] [0-9.]+/[0-9.]+ MB' "$W/tty.out" && ok ||
	fail "no byte count for backup create: $(cat -v "$W/tty.out")"
B=$(ls "$W"/v.db.backups/*.gdbk | head -1)
both "verifying the backup" backup verify "$B"
grep -qE 'verifying the backup \[#+ *\] [0-9.]+/[0-9.]+ MB' "$W/tty.out" && ok ||
	fail "no byte count for backup verify: $(cat -v "$W/tty.out")"
both "rows checked" vault verify
both "audit entries verified" audit verify
both "sweep" retention sweep
both "events recorded" event --file "$W/events.txt"
both "rotating the key" key rotate backup
# --json on a terminal: no progress either
cmd="$GARDIEN --json vault verify"
script -qec "$cmd" /dev/null </dev/null >"$W/tty.out" 2>&1 || true
grep -q 'rows checked' "$W/tty.out" && fail "progress with --json" || ok
jq -e .intact "$W/tty.out" >/dev/null 2>&1 || jq -e .intact < <(tr -d '\r' <"$W/tty.out") >/dev/null && ok || fail "--json output spoiled: $(cat -v "$W/tty.out")"
# restore last: it replaces the vault
on_tty "restoring the backup" backup restore "$B"
grep -qE 'restoring the backup \[#+ *\] [0-9.]+/[0-9.]+ MB' "$W/tty.out" && ok ||
	fail "no byte count for backup restore: $(cat -v "$W/tty.out")"
finish
