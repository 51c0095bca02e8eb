#!/usr/bin/env bash
# test_pkcs11.sh — a master key on a PKCS#11 token (issue 16 item 3), against
# SoftHSM2 through its PKCS#11 module: init generates the master on the token
# (not extractable; the key file holds the other keys only), records are put
# and read, a wrong PIN and a missing token are refused, the master is rotated
# on the token, a backup made before the rotation restores, and prune destroys
# the retired key object on the token.
source "$(dirname "$0")/lib.sh"
MODULE=$(for m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/*/softhsm/libsofthsm2.so; do [ -e "$m" ] && echo "$m" && break; done)
[ -n "$MODULE" ] || { echo "SKIP: no SoftHSM2 module (apt-get install softhsm2)"; exit 77; }
export SOFTHSM2_CONF=$T/softhsm2.conf
mkdir -p "$T/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$T" >"$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label gardien --pin 4711 --so-pin 8642 >/dev/null
export GARDIEN_TENANT=acme
# On both engines: a PostgreSQL vault's key file is $GARDIEN_KEY (tools/engine.sh).
export GARDIEN_BACKUP_DIR=$W/backups
KF=${GARDIEN_KEY:-$GARDIEN_VAULT.key}
export GARDIEN_KEY_PKCS11="pkcs11:token=gardien;object=gardien-master?module-path=$MODULE&pin-value=4711"
objects() { pkcs11-tool --module "$MODULE" --token-label gardien --login --pin 4711 --list-objects --type secrkey 2>/dev/null | sed -n 's/^ *label: *//p' | sort | tr '\n' ' '; }

expect_code 0 G init --tenant acme
expect_eq "$(objects)" "gardien-master-1 " "the master generated on the token"
# The key file holds no master: kinds 2..5 (backup, journal, audit, TOTP) and the token's version.
kinds=$(od -An -v -tu1 -w40 -j12 "$KF" | awk '{print $1}' | sort | tr '\n' ' ')
expect_eq "$kinds" "2 3 4 5 6 " "kinds of the key file"
s=$(G subject create --email jeanne@example.org)
r=$(G --json put "$s" --activity billing --category user.financial "FR76 3000 6000" | jq -r .record)
expect_code 0 G get "$r" --purpose billing
expect_match "$out" "FR76 3000 6000"
# The master key is nowhere else: not in the key file, not extractable from the token.
expect_code 1 pkcs11-tool --module "$MODULE" --token-label gardien --login --pin 4711 --read-object --type secrkey --label gardien-master-1
# Wrong PIN, no token: refused (exit 4), with the reason.
GARDIEN_KEY_PKCS11=${GARDIEN_KEY_PKCS11/4711/1111} expect_code 4 G get "$r" --purpose billing
expect_match "$err" "refused the PIN"
GARDIEN_KEY_PKCS11= expect_code 4 G get "$r" --purpose billing
expect_match "$err" "is on a PKCS#11 token"

# Rotation on the token; a backup made before it restores; prune destroys the old object.
expect_code 0 G backup create
expect_code 0 G key rotate master
expect_match "$out" "version 2 is current"
expect_eq "$(objects)" "gardien-master-1 gardien-master-2 " "old master kept for the backup"
expect_code 0 G get "$r" --purpose billing
expect_code 0 G backup restore "$(ls "$GARDIEN_BACKUP_DIR"/*.gdbk)"
expect_code 0 G get "$r" --purpose billing
expect_match "$out" "FR76 3000 6000"
rm "$GARDIEN_BACKUP_DIR"/*.gdbk
expect_code 0 G key prune
expect_match "$out" "destroyed 1 retired"
expect_eq "$(objects)" "gardien-master-2 " "the retired master destroyed on the token"
expect_code 0 G get "$r" --purpose billing
expect_code 0 G audit verify
finish
