#!/usr/bin/env bash
# test_pkcs11.sh — a master key on a PKCS#11 token (issue 16 item 3), against
# SoftHSM2 through its PKCS#11 module: init generates the master on the token
# (not extractable; the key file holds the other keys only), records are put
# and read, a wrong PIN and a missing token are refused, the master is rotated
# on the token, a backup made before the rotation restores, and prune destroys
# the retired key object on the token. The erasure-epoch secret is on the
# token too (issue 16): `key epoch` makes it there, the key file holds only
# its version (no key bytes), the object cannot be read out, subjects of the
# epoch read through the token, and an ended epoch's secret is destroyed on
# the token.
source "$(dirname "$0")/lib.sh"
MODULE=$(for m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/*/softhsm/libsofthsm2.so; do [ -e "$m" ] && echo "$m" && break; done)
[ -n "$MODULE" ] || { echo "SKIP: no SoftHSM2 module (apt-get install softhsm2)"; exit 77; }
export SOFTHSM2_CONF=$T/softhsm2.conf
mkdir -p "$T/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$T" >"$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label gardien --pin 4711 --so-pin 8642 >/dev/null
export GARDIEN_TENANT=acme GARDIEN_NOW=2026-03-02T09:00:00Z
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

# Erasure epochs: the secret is made on the token, the key file names its version only.
expect_code 0 G --json key epoch
expect_eq "$(jq -c '[.begun, .rewrapped, .secret_version]' <<<"$out")" "[1,1,1]" "the first epoch"
expect_eq "$(objects)" "gardien-master-2 gardien-master-epoch-1 " "the epoch secret made on the token"
secrets() { od -An -v -tu1 -w40 -j12 "$KF" | awk '$1 == 7 || $1 == 8 { print $1 "/" $5 "/" ($9 + $10 + $11 + $12) }' | tr '\n' ' '; }
expect_eq "$(secrets)" "8/1/0 " "the key file holds the secret's version, no key bytes"
expect_code 1 pkcs11-tool --module "$MODULE" --token-label gardien --login --pin 4711 --read-object --type secrkey --label gardien-master-epoch-1
expect_code 0 G get "$r" --purpose billing
expect_match "$out" "FR76 3000 6000" "a subject of epoch 1 reads through the token"
t=$(G subject create --email paul@example.org)
G erase "$s" >/dev/null || fail "erase"
# A week later: the next epoch, the ended one's secret destroyed on the token.
export GARDIEN_NOW=2026-03-10T09:00:00Z
expect_code 0 G --json key epoch
expect_eq "$(jq -c '[.begun, .destroyed, .secret_version]' <<<"$out")" "[1,1,2]" "the epoch change"
expect_eq "$(objects)" "gardien-master-2 gardien-master-epoch-2 " "the ended secret destroyed on the token"
expect_eq "$(secrets)" "8/2/0 " "the key file after the change"
expect_code 0 G --json subject find email paul@example.org
expect_eq "$(jq -r .subject <<<"$out")" "$t" "a live subject after the change"
expect_code 0 G audit verify
finish
