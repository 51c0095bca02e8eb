#!/usr/bin/env bash
# The CLI over the vault: init, subjects, records, purpose-bound reads, erasure,
# errors and exit codes, --json, --now.
. "$(dirname "$0")/lib.sh"

expect_code 0 G --now 2026-01-01 init --tenant acme --country 33   # a test vault: --now allowed
if [ "$GD_ENGINE" = pg ]; then
  expect_eq "$(stat -c %a "$GARDIEN_KEY")" 600 "key file mode"
else
  expect_eq "$(stat -c %a vault.db.key)" 600 "key file mode"
  expect_eq "$(stat -c %a vault.db)" 600 "vault file mode"
fi
expect_code 6 G init --tenant acme
expect_match "$err" "already exists"

expect_code 0 G subject create --email " Ana@Example.ORG " --phone "06 12 34 56 78" --id customer_number=C-1
s=$out
expect_match "$s" '^sub_[0-9a-f]{24}$' "subject id"
expect_code 0 G subject find email ana@example.org
expect_eq "$out" "$s" "found by email"
expect_code 0 G subject find phone "+33 6 12 34 56 78"
expect_eq "$out" "$s" "found by phone in another format"
expect_code 3 G subject find email nobody@example.org
expect_code 2 G subject create --id nokind
expect_code 2 G subject create --email not-an-email
expect_match "$err" "@"

expect_code 0 G --now 2026-01-15T10:00:00Z put "$s" --activity billing --category user.contact.email ana@example.org
r=$out
expect_code 0 G get "$r" --purpose billing --json
expect_eq "$(jq -r .value <<<"$out")" "ana@example.org" "value read back"
expect_eq "$(jq -r .collected_at <<<"$out")" "2026-01-15T10:00:00Z" "clock set by --now"
expect_code 4 G get "$r" --purpose marketing
expect_match "$err" 'marketing'
GARDIEN_NOW=2026-02-01 expect_code 0 G put "$s" --activity billing --category user.financial --json-value '{"iban":"FR76"}'
expect_code 0 G --json subject show "$s" --purpose billing
expect_eq "$(jq '.records | length' <<<"$out")" 2 "records listed"
expect_eq "$(jq -r '.records[1].value.iban' <<<"$out")" FR76 "JSON value kept as JSON"
expect_eq "$(jq -r '.records[1].collected_at' <<<"$out")" 2026-02-01T00:00:00Z "GARDIEN_NOW"
GARDIEN_NOW=tomorrow expect_code 2 G subject find email ana@example.org
expect_match "$err" "not understood"

# Values from standard input, with the size limit enforced.
expect_code 0 bash -c "printf 'from stdin' | '$GARDIEN' put $s --activity billing --category user.name -"
expect_code 0 G get "$out" --purpose billing --json
expect_eq "$(jq -r .value <<<"$out")" "from stdin" "stdin value"
head -c 1100000 /dev/zero | tr '\0' 'x' > big
expect_code 2 bash -c "'$GARDIEN' put $s --activity billing --category user.name - < big"
expect_code 2 G put "$s" --activity billing --category user.name --json-value '{"unclosed":'
expect_match "$err" "not valid JSON"

# Rectification and deletion.
expect_code 0 G update "$r" new@example.org
expect_code 0 G get "$r" --purpose billing --json
expect_eq "$(jq -r .value <<<"$out")" "new@example.org" "updated value"
expect_code 0 G delete "$r"
expect_code 3 G get "$r" --purpose billing

# Nothing in clear on disk (on PostgreSQL: tests/pg/test_no_plaintext.sh).
[ "$GD_ENGINE" = pg ] || expect_code 1 grep -c -a -e "ana@example.org" -e "FR76" -e "+33612345678" vault.db
# Wrong key file: refused.
env -u GARDIEN_KEY "$GARDIEN" init --vault "$T/other.db" >/dev/null
expect_code 4 G --key "$T/other.db.key" subject find email ana@example.org
expect_match "$err" "wrong key"

# Erasure.
expect_code 0 G erase "$s"
expect_code 3 G subject find email ana@example.org
expect_code 3 G erase "$s"
# A vault on a file system that orders writes (docs/FORMAT.md): the same
# operations, by option or variable, wherever the option stands.
expect_code 0 G subject create --email ordered@example.org
o=$out
expect_code 0 G put "$o" --activity billing --category user.contact.email ordered@example.org --ordered-writes
GARDIEN_ORDERED_WRITES=1 expect_code 0 G erase "$o"
expect_code 3 G --ordered-writes subject find email ordered@example.org
expect_code 0 G --help
expect_match "$out" "--ordered-writes"

# Several tenants: the choice is required and isolation holds.
expect_code 0 G tenant create beta
expect_code 2 G subject create
expect_match "$err" "--tenant"
expect_code 0 G --tenant beta subject create --email ana@example.org
expect_code 3 G --tenant acme subject find email ana@example.org
expect_code 0 G tenant list --json
expect_eq "$(jq -c .tenants <<<"$out")" '["acme","beta"]' "tenants"

# Usage errors and help.
expect_code 2 G frobnicate
expect_match "$err" "unknown command"
expect_code 0 G help put
expect_match "$out" "--activity"
expect_code 0 G get --help
expect_code 2 G get 12
expect_code 2 G get abc --purpose billing
expect_code 0 G --version
finish
