#!/usr/bin/env bash
# test_maintenance.sh — packaging/gardien-maintenance, what the daily timer
# runs (issue 16: the sweep and `key epoch` from one timer): the retention
# sweep of every tenant (one without a register is skipped, said so), then
# `key epoch` once for the vault; a day later nothing is due, a week later
# the next epoch begins and the ended one's key is destroyed. On both engines.
source "$(dirname "$0")/lib.sh"
: "${GD_SOURCE_DIR:?}"
export GARDIEN_NOW=2026-03-02T09:00:00Z GARDIEN_BIN=$GARDIEN
M=$GD_SOURCE_DIR/packaging/gardien-maintenance
G --tenant acme init --country 33 --register "$GD_SOURCE_DIR/examples/wimi.yml" >/dev/null
G tenant create beta --country 33 >/dev/null
S=$(G --tenant acme subject create --email a@example.fr)
epochs() { vault_sql "SELECT count(*) FROM tenant_epochs WHERE sealed_key IS NOT NULL"; }

expect_code 0 sh "$M"
expect_match "$out" "^sweep acme: " "acme swept"
expect_match "$out" "sweep beta: no register yet" "beta skipped"
expect_match "$out" "2 epoch\(s\) begun" "epochs begun after the sweeps"
expect_eq "$(epochs)" 2 "one live epoch key per tenant"

GARDIEN_NOW=2026-03-03T09:00:00Z expect_code 0 sh "$M"
expect_match "$out" "0 epoch\(s\) begun" "inside the epoch"
GARDIEN_NOW=2026-03-10T09:00:00Z expect_code 0 sh "$M"
expect_match "$out" "2 epoch\(s\) begun, 1 subject key\(s\) re-wrapped, 2 ended epoch key\(s\) destroyed" "a week later"
expect_eq "$(epochs)" 2 "the ended epochs' keys destroyed"
expect_code 0 G --tenant acme --json subject find email a@example.fr
expect_eq "$(jq -r .subject <<<"$out")" "$S" "the subject still found"

# A failing step is reported, the others still run, exit 1: here `key epoch`
# is refused while a key rotation holds the key file's lock.
GARDIEN_TEST_HOLD_KEYS_LOCK=$W/go G key rotate backup >"$W/rot.out" 2>&1 &
rot=$!
until [ -e "$W/go.held" ]; do
	kill -0 $rot 2>/dev/null || die "the rotation ended early: $(cat "$W/rot.out")"
	sleep 0.05
done
expect_code 1 sh "$M"
expect_match "$err" "key epoch failed" "the epoch step's failure"
expect_match "$out" "^sweep acme: " "the sweep ran all the same"
touch "$W/go"
wait $rot || fail "the rotation failed: $(cat "$W/rot.out")"
finish
