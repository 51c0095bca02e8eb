# test_register_controls.sh — security measures as data (issue 18 item 13):
# `register check FILE --controls` compares the register's controls with the
# installation — login lockout, session timeouts, second factor by role — and
# reports each promise the installation does not keep.
. "$(dirname "$0")/lib.sh"

R="$WORK/shop.yml"
cat >"$R" <<'YAML'
gardien_register: 2
controller: {name: Boutique SAS, address: "1 rue de la Paix, Paris", country: FR}
dpo: {name: DPO}
rights: [{kind: access}]
controls:
  lockout_after: 5
  lockout_minutes: 15
  idle_timeout_minutes: 15
  session_max_hours: 8
  mfa_roles: [dpo]
  encryption: true
  pseudonymisation: true
  separated_environments: true
  support_access: on_request
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
YAML
expect_gardien 0 "the register checks without a vault" -- register check "$R"
expect_gardien 0 "init" -- --tenant shop init --register "$R"

# The role the register says uses a second factor does not exist yet.
expect_gardien 2 "a role missing" -- register check "$R" --controls
expect_out 'second factor for role "dpo", which tenant shop does not have'
expect_gardien 0 "role without mfa" -- role set dpo --ops read,requests --activities '*'
expect_gardien 2 "a role without second factor" -- register check "$R" --controls
expect_out 'second factor for role "dpo"; its people log in without one'
expect_gardien 0 "role with mfa" -- role set dpo --ops read,requests --activities '*' --mfa
# The defaults (5 failures, 15 minutes, 15 idle minutes, 8 hours) keep the rest.
expect_gardien 0 "every promise kept" -- register check "$R" --controls
expect_out 'separated production and test environments cannot be checked from the vault: stated, not verified'
expect_out 'support access "on_request" is a practice gardien does not see'

# The installation loosens its settings: each broken promise is named.
expect_gardien 0 "looser settings" -- user settings --max-failures 10 --idle 3600 --lockout 60 --absolute 86400
expect_gardien 2 "promises broken" -- --json register check "$R" --controls
echo "$OUT" | jq -e '.valid == false and .errors == 4' >/dev/null || fail "four broken promises: $OUT"
echo "$OUT" | jq -e '[.findings[].message] | any(test("lockout after 5 failed logins; the vault locks after 10")) and
	any(test("sessions end after 15 idle minutes; the vault.s end after 60")) and any(test("lockout of 15 minutes; the vault.s lasts 1")) and
	any(test("at most 8 hours; the vault.s last 24"))' >/dev/null || fail "the findings name each promise: $OUT"
expect_gardien 0 "settings restored" -- user settings --max-failures 5 --idle 900 --lockout 900 --absolute 28800
expect_gardien 0 "kept again" -- register check "$R" --controls

# Bad values and format 1.
sed 's/lockout_after: 5/lockout_after: five/' "$R" >"$WORK/bad.yml"
expect_gardien 2 "not a number" -- register check "$WORK/bad.yml"
expect_out '"lockout_after" is "five": give a whole number from 1 to 1000'
sed 's/^gardien_register: 2/gardien_register: 1/' "$R" >"$WORK/v1.yml"
expect_gardien 2 "controls need format 2" -- register check "$WORK/v1.yml"
expect_out '"controls" is format 2'
finish
