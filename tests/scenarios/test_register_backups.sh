# test_register_backups.sh — backups as the notice states them (issue 18
# item 4): the register (and an activity where it differs) promises how long
# backup copies are kept and where; `register check --controls` and `gardien
# backup` compare the promise with the rotation the installation applies and
# warn when they disagree.
. "$(dirname "$0")/lib.sh"
R="$WORK/shop.yml"
cat >"$R" <<'YAML'
gardien_register: 2
controller: {name: Boutique SAS, address: "1 rue de la Paix, Paris", country: FR}
dpo: {name: DPO}
rights: [{kind: access}]
backups: {daily_days: 14, weekly_weeks: 0, monthly_months: 12, country: FR,
          text: "nightly copies kept 14 days, monthly copies kept a year, stored in France"}
activities:
  - id: billing
    name: Billing
    role: controller
    purposes: [essential.service.payment_processing]
    legal_basis: contract
    categories: [user.contact.email]
    subjects: [customer]
    retention:
      - stages: [{action: delete, from: collection, after: 1 year}]
  - id: logs
    name: Security logs
    role: controller
    purposes: [essential.service.security]
    legal_basis: legitimate_interests
    basis_detail: securing the service
    categories: [user.device.ip_address]
    subjects: [customer]
    backups: {daily_days: 14, weekly_weeks: 0, monthly_months: 0}
    retention:
      - stages: [{action: delete, from: collection, after: 6 months}]
YAML
expect_gardien 0 "check" -- register check "$R"
expect_gardien 0 "init" -- --tenant shop init --register "$R"
# The default rotation (7 days, 4 weeks, 3 months) is not what the notice says.
expect_gardien 0 "controls: a disagreement is a warning" -- --json register check "$R" --controls
echo "$OUT" | jq -e '[.findings[].message] | any(test("the register promises daily copies kept 14 days; the installation.s rotation keeps them 7 days: copies go sooner")) and
	any(test("the register promises weekly copies kept 0 weeks; the installation.s rotation keeps them 4 weeks: copies outlive what the notice says")) and
	any(test("activity \"logs\" promises monthly copies kept 0 months; the installation.s rotation keeps them 3 months")) and
	any(test("stored in FR: .* stated, not verified"))' >/dev/null || fail "the disagreements are named: $OUT"
# gardien backup says it too, each time it applies the rotation.
expect_gardien 0 "backup with the default rotation" -- backup create --dir "$WORK/b"
expect_out "warning: tenant shop: the register promises daily copies kept 14 days"
# With the register's rotation only the activity that differs is reported.
export GARDIEN_BACKUP_ROTATION=14,0,12
expect_gardien 0 "backup list with the promised rotation" -- backup list --dir "$WORK/b"
case "$OUT" in *"the register promises"*) fail "the register's own promise is kept: $OUT" ;; esac
expect_out 'warning: tenant shop: activity "logs" promises monthly copies kept 0 months; the installation'"'"'s rotation keeps them 12 months'
unset GARDIEN_BACKUP_ROTATION
# Bad values, and outside the EEA.
sed 's/daily_days: 14, weekly_weeks: 0, monthly_months: 12, country: FR/daily_days: two weeks, country: FR/' "$R" >"$WORK/bad.yml"
expect_gardien 2 "not a number" -- register check "$WORK/bad.yml"
expect_out '"daily_days" is "two weeks": give a whole number from 0 to 100000'
sed 's/monthly_months: 12, country: FR/monthly_months: 12, country: US/' "$R" >"$WORK/us.yml"
expect_gardien 0 "backups in the US" -- register check "$WORK/us.yml"
expect_out 'backups are stored in US, outside the EU/EEA: that is a transfer'
finish
