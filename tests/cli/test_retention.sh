#!/usr/bin/env bash
# test_retention.sh — the CLI of events, legal holds and backups: a hold makes
# erase refuse (exit 7) with its reason; backup create/list/verify; erase, then
# restore: the subject stays gone; a damaged backup is refused (exit 5) with
# the vault unchanged; bulk events report the bad line.
. "$(dirname "$0")/lib.sh"
set -e
sqlite_vault "$W/v.db"
export GARDIEN_NOW=2026-01-10T09:00:00Z GARDIEN_PRINCIPAL=test:cli

"$GARDIEN" init --tenant acme --country 33 >/dev/null
s=$("$GARDIEN" subject create --email jeanne@example.org)
r=$("$GARDIEN" --json put "$s" --activity billing --category user.financial.bank_account "FR76 3000 6000" | jq -r .id 2>/dev/null || true)
[ -n "$s" ] || fail "no subject"

# Events: one, then in bulk with a bad line reported by number.
"$GARDIEN" event "$s" last_contact --at 2026-01-09 | grep -q "recorded last_contact"
expect_code 2 "$GARDIEN" event "$s" last_contact --at 2030-01-01
printf '# bulk\n%s last_login 2026-01-05\n\n%s debit\n' "$s" "$s" | "$GARDIEN" event --file - | grep -q "recorded 2 event"
printf '%s last_login\nnot-a-subject x\n' "$s" > "$W/bad.txt"
expect_code 2 "$GARDIEN" event --file "$W/bad.txt"
grep -q "line 2" <<<"$err" || fail "bad line not named"
{ printf '%s last_login\n' "$s"; head -c 5000 /dev/zero | tr '\0' 'x'; echo; } > "$W/long.txt"
expect_code 2 "$GARDIEN" event --file "$W/long.txt"
grep -q "line 2 is longer than 1024 bytes" <<<"$err" || fail "overlong line not refused"

# Holds: erase refused with the reason, then allowed once lifted.
h=$("$GARDIEN" --json hold place "$s" --reason "litigation 2026-114" | jq -r .hold)
"$GARDIEN" hold list | grep -q "litigation 2026-114"
expect_code 7 "$GARDIEN" erase "$s"
grep -q "legal hold $h (litigation 2026-114)" <<<"$err" || fail "hold reason not given"
"$GARDIEN" hold lift "$h" --reason "case closed" | grep -q lifted
expect_code 7 "$GARDIEN" hold lift "$h"
[ "$("$GARDIEN" --json hold list --all | jq '.holds | length')" = 1 ] || fail "lifted hold not listed with --all"
[ "$("$GARDIEN" --json hold list | jq '.holds | length')" = 0 ] || fail "lifted hold still active"

# Retention needs a register.
expect_code 7 "$GARDIEN" retention sweep
grep -q "no register" <<<"$err" || fail "missing register not explained"

# Backups: create, list, verify; erase; restore; the subject stays gone.
"$GARDIEN" backup create | grep -q "created and verified"
b=$("$GARDIEN" --json backup list | jq -r '.backups[0].name')
[ "$("$GARDIEN" --json backup list | jq -r '.backups[0].kinds | join(",")')" = "daily,weekly,monthly" ] || fail "kinds"
"$GARDIEN" backup verify "$W/v.db.backups/$b" | grep -q verified
GARDIEN_NOW=2026-01-11T09:00:00Z "$GARDIEN" erase "$s" >/dev/null
"$GARDIEN" backup horizon "$s" | grep -q "after 2026-04-10T09:00:00Z"
[ "$("$GARDIEN" --json backup horizon | jq -r '.erasures[0].horizon')" = 2026-04-10T09:00:00Z ] || fail "horizon list"
# A damaged copy is refused and changes nothing.
cp "$W/v.db.backups/$b" "$W/damaged.gdbk"
# Byte 300 is changed to another value (setting a fixed one left it as it was once in 256 runs).
byte=$(od -An -tu1 -j300 -N1 "$W/damaged.gdbk" | tr -d ' ')
printf "\\$(printf %03o $(( (byte + 1) % 256 )))" | dd of="$W/damaged.gdbk" bs=1 seek=300 conv=notrunc status=none
cmp -s "$W/v.db.backups/$b" "$W/damaged.gdbk" && fail "the copy was not damaged"
sum_before=$(sha256sum "$W/v.db" | cut -d' ' -f1)
expect_code 5 "$GARDIEN" backup restore "$W/damaged.gdbk"
grep -q "damaged" <<<"$err" || fail "damage not named"
[ "$(sha256sum "$W/v.db" | cut -d' ' -f1)" = "$sum_before" ] || fail "vault changed by a refused restore"
"$GARDIEN" --json backup restore "$W/v.db.backups/$b" > "$W/restore.json"
[ "$(jq .erasures "$W/restore.json")" = 1 ] || fail "erasure not re-applied"
expect_code 3 "$GARDIEN" subject find email jeanne@example.org
# Rotation: a backup a day, pruned: dailies older than 7 days go (the 11th and
# 13th), the first of the month (10th) and of the week (Monday 12th) stay.
for d in 11 12 13 14 15 16 17 18 19 20; do
	GARDIEN_NOW=2026-01-${d}T02:00:00Z "$GARDIEN" backup create >/dev/null
done
GARDIEN_NOW=2026-01-20T03:00:00Z "$GARDIEN" backup prune >/dev/null
names=$("$GARDIEN" --json backup list | jq -r '[.backups[].name | .[7:15]] | join(" ")')
[ "$names" = "20260110 20260112 20260114 20260115 20260116 20260117 20260118 20260119 20260120" ] || fail "kept: $names"
# Rotation from the environment: dailies kept 2 days only.
GARDIEN_BACKUP_ROTATION=2,0,0 GARDIEN_NOW=2026-01-20T03:00:00Z "$GARDIEN" backup prune >/dev/null
names=$("$GARDIEN" --json backup list | jq -r '[.backups[].name | .[7:15]] | join(" ")')
[ "$names" = "20260119 20260120" ] || fail "kept with 2,0,0: $names"
expect_code 2 env GARDIEN_BACKUP_ROTATION=7,x "$GARDIEN" backup list
echo ok
