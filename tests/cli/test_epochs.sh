#!/usr/bin/env bash
# test_epochs.sh — erasure epochs (issue 16 item 2, docs/keys.md): a copy of
# the database taken before an erasure (an SQLite file copied aside, or on
# PostgreSQL a database made from the vault's as template) still opens with
# the live key file, and reads the erased subject until the erasure's epoch
# ends and `gardien key epoch` runs; after that run it cannot, while the live
# vault reads every subject not erased. A run killed (kill -9) during the
# re-wrap resumes; keys of epoch 0 (before the first epoch) are moved off the
# tenant key; `backup horizon` gives the moment; the audit trail stays intact.
# A backup carries its epoch secret (sealed under the backup key): made before
# an epoch change, it restores after it with every subject readable, the
# subject erased since still erased; its horizon is its own rotation.
source "$(dirname "$0")/lib.sh"
export GARDIEN_TENANT=acme GARDIEN_NOW=2026-03-02T09:00:00Z GARDIEN_BACKUP_DIR=$W/backups
mkdir -p "$GARDIEN_BACKUP_DIR"
G init --tenant acme --country 33 >/dev/null
K=${GARDIEN_KEY:-$GARDIEN_VAULT.key}
# epoch_of SUBJECT: the epoch its wrapped key names (0: 72 bytes under the tenant key).
epoch_of() {
	local hex
	if [ "$GD_ENGINE" = pg ]; then
		hex=$(vault_sql "SELECT CASE WHEN length(wrapped_key) = 76 THEN encode(substring(wrapped_key FROM 1 FOR 4), 'hex') ELSE '' END FROM subjects WHERE pseudonym = '$1'")
	else
		hex=$(vault_sql "SELECT CASE WHEN length(wrapped_key) = 76 THEN lower(hex(substr(wrapped_key, 1, 4))) ELSE '' END FROM subjects WHERE pseudonym = '$1'")
	fi
	[ -z "$hex" ] && { echo 0; return; }
	echo $((16#${hex:0:2} + 256 * 16#${hex:2:2}))
}
# secrets: the versions of the epoch secret (kind 7) in the key file.
secrets() { od -An -v -tu1 -w40 -j12 "$K" | awk '$1 == 7 { print $5 }' | sort -n | tr '\n' ' '; }
# copy_vault: the vault's database as it is now, aside; copy_get ARGS…: gardien on that copy, with the live key file.
if [ "$GD_ENGINE" = pg ]; then
	db=${GARDIEN_VAULT#postgresql://*/}
	db=${db%%\?*}
	copy_vault() { createdb -h "$GD_PG_DIR" -U postgres -T "$db" "${db}_copy"; }
	copy_get() { GARDIEN_VAULT=${GARDIEN_VAULT/\/$db\?//${db}_copy?} G "$@"; }
	at_exit 'dropdb -h "$GD_PG_DIR" -U postgres --if-exists "${db}_copy"'
else
	copy_vault() { sqlite3 "$GARDIEN_VAULT" "VACUUM INTO '$W/copy.db'"; }
	copy_get() { GARDIEN_VAULT=$W/copy.db GARDIEN_KEY=$K G "$@"; }
fi

# A subject of epoch 0 (no epoch begun yet): its key under the tenant key.
o=$(G subject create --email old@example.org)
ro=$(G --json put "$o" --activity billing --category user.contact.email "old@example.org" | jq -r .record)
expect_eq "$(epoch_of "$o")" 0 "a key made before any epoch"
expect_code 2 G tenant set-epoch acme 0
expect_match "$err" "DAYS, a number of days from 1 to 366"
expect_code 3 G tenant set-epoch nobody 7
expect_code 0 G tenant set-epoch acme 7

# The first run begins epoch 1 and moves the epoch-0 key onto it.
expect_code 0 G --json key epoch
expect_eq "$(jq -c '[.begun, .rewrapped, .destroyed]' <<<"$out")" "[1,1,0]" "first run"
expect_eq "$(epoch_of "$o")" 1 "the epoch-0 key moved to epoch 1"
expect_eq "$(secrets)" "1 " "the first epoch secret in the key file"
expect_code 0 G get "$ro" --purpose billing --json
expect_eq "$(jq -r .value <<<"$out")" "old@example.org" "moved key still reads"

# Subjects of epoch 1; a copy of the database taken; then one is erased.
s=$(G subject create --email jeanne@example.org)
r=$(G --json put "$s" --activity billing --category user.financial.bank_account "FR76 3000 6000" | jq -r .record)
t=$(G subject create --email paul@example.org)
rt=$(G --json put "$t" --activity billing --category user.contact.email "paul@example.org" | jq -r .record)
for i in 1 2 3; do G subject create >/dev/null; done
expect_eq "$(epoch_of "$s")" 1 "a new subject's key under the current epoch"
copy_vault || die "cannot copy the vault"
# A backup too, outside the rotation folder (so that it does not move the horizons below).
expect_code 0 G backup create --dir "$W/aside"
bk=$(ls "$W"/aside/*.gdbk)
GARDIEN_NOW=2026-03-03T09:00:00Z expect_code 0 G erase "$s"
expect_code 3 G get "$r" --purpose billing
# The copy, with the live key file, still reads the erased subject: its epoch is live.
expect_code 0 copy_get get "$r" --purpose billing --json
expect_eq "$(jq -r .value <<<"$out")" "FR76 3000 6000" "the copy reads the erased subject during its epoch"
expect_code 0 G --json backup horizon "$s"
expect_eq "$(jq -r .horizon <<<"$out")" "2026-03-09T09:00:00Z" "horizon: the end of the erasure's epoch"

# Before the epoch's end a run changes nothing.
GARDIEN_NOW=2026-03-05T09:00:00Z expect_code 0 G --json key epoch
expect_eq "$(jq -c '[.begun, .rewrapped, .destroyed]' <<<"$out")" "[0,0,0]" "run inside the epoch"

# After it: a run killed (kill -9) after its first batch of re-wraps…
export GARDIEN_NOW=2026-03-10T09:00:00Z
GARDIEN_TEST_EPOCH_BATCH=1 GARDIEN_TEST_KILL_AT=epoch-rewrap G key epoch >/dev/null 2>&1
expect_eq "$?" 137 "the run was killed"
expect_eq "$(epoch_of "$o")" 2 "the first batch moved to epoch 2"
expect_eq "$(epoch_of "$t")" 1 "the rest still under epoch 1"
expect_code 0 G get "$rt" --purpose billing --json
expect_eq "$(jq -r .value <<<"$out")" "paul@example.org" "the vault reads during an interrupted run"
# …is finished by running it again: the ended epoch's key and secret are destroyed.
GARDIEN_NOW=2026-03-10T10:00:00Z expect_code 0 G --json key epoch
expect_eq "$(jq -c '[.begun, .rewrapped, .destroyed, .secret_version]' <<<"$out")" "[0,4,1,2]" "resumed run"
expect_eq "$(vault_sql "SELECT count(*) FROM tenant_epochs WHERE sealed_key IS NOT NULL")" 1 "one live epoch key"
expect_eq "$(secrets)" "2 " "only the new epoch secret is kept"
for x in $(vault_sql "SELECT pseudonym FROM subjects"); do
	[ "$(epoch_of "$x")" = 2 ] || fail "subject $x is under epoch $(epoch_of "$x"), not 2"
done

# The copy cannot read the erased subject any more, with the live key file…
expect_code 5 copy_get get "$r" --purpose billing
expect_match "$err" "erasure epoch 1 of tenant \"acme\" is destroyed" "the copy's refusal"
expect_no_match "$out$err" "FR76" "the copy's output"
# …while the live vault reads every subject not erased.
expect_code 0 G get "$rt" --purpose billing --json
expect_eq "$(jq -r .value <<<"$out")" "paul@example.org" "a live subject after the epoch change"
expect_code 0 G get "$ro" --purpose billing --json
expect_eq "$(jq -r .value <<<"$out")" "old@example.org" "a subject of epoch 0 after the epoch change"
expect_code 0 G --json backup horizon "$s"
expect_eq "$(jq -r .horizon <<<"$out")" "2026-03-10T10:00:00Z" "horizon: when the epoch's key was destroyed"
# New subjects go under the current epoch and read.
n=$(G subject create --email ana@example.org)
expect_eq "$(epoch_of "$n")" 2 "a subject created after the change"

# The backup from before the epoch change restores: its subjects read with
# the secret it carries (re-sealed under the live one), the one erased since
# is erased again from the journal.
expect_code 0 G backup restore "$bk"
expect_code 0 G get "$rt" --purpose billing --json
expect_eq "$(jq -r .value <<<"$out")" "paul@example.org" "a subject of the old backup, after the epoch change"
expect_code 0 G get "$ro" --purpose billing --json
expect_eq "$(jq -r .value <<<"$out")" "old@example.org" "another subject of the old backup"
expect_code 3 G get "$r" --purpose billing
expect_eq "$(secrets)" "2 " "the backup's secret is not written to the key file"
expect_code 0 G vault verify
# The backup's own rotation is its horizon: kept (monthly) until June.
expect_code 0 G --json backup horizon "$s" --dir "$W/aside"
expect_eq "$(jq -r .horizon <<<"$out")" "2026-06-02T09:00:00Z" "horizon: the backup's rotation"
# The restored vault is in the backup's epoch, which has ended: the next run
# begins another and destroys the old one's key, as for any ended epoch.
n=$(G subject create --email ana@example.org)
expect_eq "$(epoch_of "$n")" 1 "a subject created after the restore, in the restored epoch"
expect_code 0 G --json key epoch
expect_eq "$(jq -c '[.begun, .destroyed]' <<<"$out")" "[1,1]" "the restored old epoch ends at the next run"
expect_eq "$(epoch_of "$n")" 2 "moved onto the new epoch"
expect_code 0 G get "$rt" --purpose billing
expect_code 0 G subject find email ana@example.org

expect_code 0 G audit verify
expect_match "$out" "intact"
# Audited: each epoch begun (in the tenant's trail), each destruction (the vault's).
expect_code 0 G --json audit list --action key.epoch
expect_eq "$(jq -s -r 'map(.reason) | join(",")' <<<"$out")" "erasure epoch 1 begun,erasure epoch 2 begun" "key.epoch audited"
finish
