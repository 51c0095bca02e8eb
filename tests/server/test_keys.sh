#!/usr/bin/env bash
# test_keys.sh — keys rotated online and kept elsewhere (issue 16 items 1, 3):
# master, tenant, backup and audit keys rotated while `gardien serve` answers a
# writer (records and identifiers) and a reader (reads and look-ups): nothing
# unreadable, nothing lost, every identifier found, the audit trail intact (old
# signatures still verify); a master rotation killed (kill -9) between writing
# the key file and re-wrapping resumes; old versions are destroyed once no
# backup needs them and a backup made before a rotation still restores; the key
# comes from a descriptor or a command as well as from the file.
. "$(dirname "$0")/lib.sh"
# On both engines: a PostgreSQL vault's key file is $GARDIEN_KEY (tools/engine.sh).
export GARDIEN_BACKUP_DIR=$W/backups
setup_vault
K=${GARDIEN_KEY:-$GARDIEN_VAULT.key}
# call NAME METHOD PATH [BODY]: a request of one loop (its own files); fails on a non-2xx answer.
call() {
	local name=$1 method=$2 path=$3 body=${4:-} st
	local args=(-s -S -o "$W/$name.body" -w '%{http_code}' -X "$method" --max-time 20 -H "Authorization: Bearer $TA")
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	st=$(curl "${args[@]}" "$B$path")
	[ "${st:0:1}" = 2 ] || { echo "$name: $st $(cat "$W/$name.body")" >>"$W/loop.fail"; return 1; }
}
"$G" backup create >/dev/null
before=$(ls "$GARDIEN_BACKUP_DIR")

start_server
req POST /v1/tenants/acme/subjects "$TA" '{}'; expect_status 201
S=$(jq -r .subject <<<"$BODY")
req POST "/v1/tenants/acme/subjects/$S/identifiers" "$TA" '{"kind":"customer","value":"c0"}'; expect_status 201
# A writer and a reader, each its own loop of requests, while the keys turn.
writer() {
	local i=0
	while [ ! -e "$W/stop" ]; do
		i=$((i + 1))
		call writer POST "/v1/tenants/acme/subjects/$S/records" "{\"activity\":\"billing\",\"category\":\"user.financial\",\"value\":\"v$i\"}" || return 1
		echo "$(jq -r .id "$W/writer.body") v$i" >>"$W/written"
		# An identifier too: indexed under the tenant key of the moment.
		call writer POST "/v1/tenants/acme/subjects/$S/identifiers" "{\"kind\":\"customer\",\"value\":\"c$i\"}" || return 1
		echo "c$i" >>"$W/ids"
	done
}
reader() {
	while [ ! -e "$W/stop" ]; do
		call reader GET "/v1/tenants/acme/subjects/$S/records?purpose=billing" || return 1
		call reader POST /v1/tenants/acme/subjects/find '{"kind":"customer","value":"c0"}' || return 1
	done
}
writer & wpid=$!
reader & rpid=$!
# progress N: waits until the writer has stored more than N records (it must still be running).
progress() {
	until [ "$(wc -l 2>/dev/null <"$W/written" || echo 0)" -gt "$1" ]; do
		kill -0 $wpid 2>/dev/null || fail "the writer stopped: $(cat "$W/loop.fail" 2>/dev/null)"
		kill -0 $rpid 2>/dev/null || fail "the reader stopped: $(cat "$W/loop.fail" 2>/dev/null)"
		sleep 0.1
	done
}
progress 0
for kind in master tenant backup audit tenant master; do
	"$G" key rotate $kind >"$W/rot.out" || fail "rotate $kind failed: $(cat "$W/rot.out")"
	progress $(($(wc -l <"$W/written") + 2))  # the loops go on after it
done
# The reader was running at the last progress check; once told to stop it
# may exit at any moment, so its end is judged by its exit status alone.
touch "$W/stop"
wait $wpid || fail "the writer failed during rotations: $(cat "$W/loop.fail")"
wait $rpid || fail "the reader failed during rotations: $(cat "$W/loop.fail")"
# Nothing lost, nothing unreadable: every record written reads back with its value.
while read -r id value; do
	req GET "/v1/tenants/acme/records/$id?purpose=billing" "$TA"; expect_status 200
	[ "$(jq -r .value <<<"$BODY")" = "$value" ] || fail "record $id reads $(jq -r .value <<<"$BODY"), not $value"
done <"$W/written"
# Every identifier written, whichever tenant key indexed it, is found.
while read -r c; do
	req POST /v1/tenants/acme/subjects/find "$TA" "{\"kind\":\"customer\",\"value\":\"$c\"}"; expect_status 200
	[ "$(jq -r .subject <<<"$BODY")" = "$S" ] || fail "identifier $c finds $(jq -r .subject <<<"$BODY")"
done <"$W/ids"
stop_server
"$G" audit checkpoint >/dev/null
"$G" audit verify >"$W/verify" || fail "audit trail not intact after rotations: $(cat "$W/verify")"
grep -q "intact" "$W/verify" || fail "audit verify: $(cat "$W/verify")"
# Four rotations of one entry each; two tenant rotations of two entries (begun, destroyed) for each of the two tenants.
[ "$("$AUDIT_SQL" "$GARDIEN_VAULT" "SELECT count(*) FROM audit WHERE tenant_id = 0 AND action = 'key.rotate'")" = 12 ] ||
	fail "each rotation is not audited: $("$AUDIT_SQL" "$GARDIEN_VAULT" "SELECT reason FROM audit WHERE action = 'key.rotate'" | tr "\n" ,)"
# The key file holds master 3 and, for the backup made before, master 1; not master 2.
masters() { od -An -v -tu1 -w40 -j12 "$K" | awk '$1 == 1 { print $5 }' | sort -n | tr '\n' ' '; }
[ "$(masters)" = "1 3 " ] || fail "master versions kept: $(masters), expected 1 (a backup needs it) and 3"

# A backup from before every rotation restores and reads under the current keys.
"$G" backup restore "$GARDIEN_BACKUP_DIR/$before" >/dev/null || fail "old backup does not restore"
"$G" audit verify >/dev/null || fail "restored trail does not verify"
rm "$GARDIEN_BACKUP_DIR/$before"
"$G" key prune | grep -q "destroyed 2 retired" || fail "the old master and backup key were not destroyed"
[ "$(masters)" = "3 " ] || fail "master versions after prune: $(masters)"

# A master rotation killed after writing its key file: the vault still opens, and running it again finishes it.
"$G" --tenant acme subject create >/dev/null
set +e
GARDIEN_TEST_KILL_AT=master-key-written "$G" key rotate master >/dev/null 2>&1
rc=$?
set -e
[ $rc = 137 ] || fail "the rotation was not killed (exit $rc)"
[ "$(masters)" = "3 4 " ] || fail "after the kill the key file holds $(masters)"
"$G" --tenant acme subject create >/dev/null || fail "the vault does not open after an interrupted rotation"
"$G" key rotate master | grep -q "version 4 is current" || fail "the rotation did not resume with version 4"
[ "$(masters)" = "4 " ] || fail "after resuming the key file holds $(masters)"
"$G" audit verify >/dev/null || fail "trail after the resumed rotation"

# Key providers: a descriptor, a command; wrong or failing ones refused. A
# PostgreSQL vault keeps its files (the erasure journal) beside its key file, so
# it needs a key file: a descriptor or a command alone is refused, clearly.
if [ "$GD_ENGINE" = pg ]; then
	set +e
	env -u GARDIEN_KEY "$G" --tenant acme --key-command "cat '$K'" subject create 2>"$W/err"; rc=$?
	set -e
	[ $rc = 2 ] && grep -q "needs the path of its master key file" "$W/err" || fail "--key-command on PostgreSQL: exit $rc, $(cat "$W/err")"
	# Its backups go beside its key file by default (it has no file of its
	# own), where backup and key commands all look for them.
	env -u GARDIEN_BACKUP_DIR "$G" backup create >/dev/null || fail "backup create with the default folder on PostgreSQL"
	ls "$K.backups"/*.gdbk >/dev/null 2>&1 || fail "no backup in $K.backups, the default beside the key file"
	env -u GARDIEN_BACKUP_DIR "$G" backup list | grep -q gdbk || fail "backup list does not see the default folder"
	# A folder named after the URL (what appending .backups to the vault gave
	# before) is refused: a prune would read it as empty and destroy keys the
	# backups need. The URL (it may hold a password) is not shown.
	for cmd in "key prune" "backup create" "backup list"; do
		set +e
		"$G" $cmd --dir "$GARDIEN_VAULT.backups" >/dev/null 2>"$W/err"; rc=$?
		set -e
		[ $rc = 2 ] && grep -q "cannot be a PostgreSQL URL" "$W/err" || fail "$cmd with a URL as backup folder: exit $rc, $(cat "$W/err")"
		grep -q "postgres://\|postgresql://\|postgres@" "$W/err" && fail "$cmd shows the vault URL: $(cat "$W/err")"
	done
	echo ok
	exit 0
fi
n=$("$G" --json --tenant acme --key-fd 3 subject create 3<"$K" | jq -r .subject)
[ -n "$n" ] || fail "--key-fd from a file"
cat "$K" | "$G" --tenant acme --key-fd 3 subject create 3<&0 >/dev/null || fail "--key-fd from a pipe"
"$G" --tenant acme --key-command "cat '$K'" subject create >/dev/null || fail "--key-command"
"$G" --tenant acme --key-command "od -An -v -tx1 '$K' | tr -d ' \n'" subject create >/dev/null || fail "--key-command, hex"
set +e
"$G" --tenant acme --key-command "exit 3" subject create 2>"$W/err"; rc=$?
set -e
[ $rc = 4 ] && grep -q "key command failed" "$W/err" || fail "a failing key command: exit $rc, $(cat "$W/err")"
head -c 52 /dev/urandom >"$W/bad.key"; chmod 600 "$W/bad.key"
set +e
"$G" --tenant acme --key "$W/bad.key" subject create 2>"$W/err"; rc=$?
set -e
[ $rc = 4 ] || fail "a key file of random bytes: exit $rc"
set +e
"$G" --key-command "cat '$K'" key rotate master 2>"$W/err"; rc=$?
set -e
[ $rc = 7 ] && grep -q "rotate where the key file is kept" "$W/err" || fail "rotation through a command: exit $rc"
echo ok
