#!/usr/bin/env bash
# test_key_prune.sh — `key prune` keeps the key versions that any backup or
# journal export of the vault still needs, wherever it was written (issue 16:
# prune saw only the backup folder it was given, so a backup made with
# another --dir, or a journal export kept off-site, lost its keys and could
# never be opened again). The vault records each file it writes beside its
# key file (<key file>.made); prune reads the folder and that list, and
# forgets the files gone.
source "$(dirname "$0")/lib.sh"
export GARDIEN_TENANT=acme GARDIEN_BACKUP_DIR=$W/backups
mkdir -p "$GARDIEN_BACKUP_DIR" "$W/offsite"
G init --tenant acme --country 33 >/dev/null
K=${GARDIEN_KEY:-$GARDIEN_VAULT.key}
s=$(G subject create --email jeanne@example.org)
r=$(G --json put "$s" --activity billing --category user.financial "FR76 3000 6000" | jq -r .record)
# versions KIND: the versions of a kind in the key file (1 master, 2 backup).
versions() { od -An -v -tu1 -w40 -j12 "$K" | awk -v k="$1" '$1 == k { print $5 }' | sort -n | tr '\n' ' '; }

# A backup in another folder, and a journal export kept off-site; then both keys turn.
expect_code 0 G backup create --dir "$W/other"
other=$(ls "$W"/other/*.gdbk)
expect_code 0 G backup export-journal "$W/offsite/journal.gdbk"
expect_code 0 G key rotate backup
expect_code 0 G key rotate master
# The rotations prune what the default folder (empty) does not need, but keep
# what the other backup and the export need.
expect_eq "$(versions 1)" "1 2 " "the master the other folder's backup was made under"
expect_eq "$(versions 2)" "1 2 " "the backup key of the other backup and of the export"
expect_code 0 G key prune
expect_match "$out" "destroyed 0 retired"
# Both still open: the export as a journal, the backup as a restore.
expect_code 0 G backup verify "$W/offsite/journal.gdbk"
expect_code 0 G backup restore "$other" --journal "$W/offsite/journal.gdbk"
expect_code 0 G --json get "$r" --purpose billing
expect_eq "$(jq -r .value <<<"$out")" "FR76 3000 6000" "the record after restoring the other folder's backup"

# Gone, they need nothing: prune destroys the old versions and forgets them.
rm "$other" "$W/offsite/journal.gdbk"
expect_code 0 G key prune
expect_match "$out" "destroyed 2 retired"
expect_eq "$(versions 1)" "2 " "the retired master destroyed"
expect_eq "$(versions 2)" "2 " "the retired backup key destroyed"
expect_eq "$(wc -l <"$K.made")" 0 "the list forgets the files gone"
expect_code 0 G audit verify
finish
