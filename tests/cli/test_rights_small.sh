#!/bin/bash
# test_rights_small.sh — the small things a DPO trips on: breach scope lists
# data categories only (not export formats), consent history shows a future
# expiry as "expires", vault-wide commands need no --tenant, withdrawing twice
# says so, messages are sentences, subjects list a page at a time, and the
# default principal is cli:$USER (or the account's name without USER).
. "$(dirname "$0")/lib.sh"
export GARDIEN_NOW=2026-01-31T10:00:00Z GARDIEN_PRINCIPAL=cli:dpo

G init --tenant acme --country 33 --register "$GD_SOURCE_DIR/examples/wimi.yml" >/dev/null
S=$(G subject create --email lea@example.fr)
R=$(G --json put "$S" --activity billing --category user.contact.email --subject-category customer lea@example.fr | jq -r .record)

# Breach scope: a record read and exports in three formats; categories are data categories only.
expect_code 0 G --as svc:leak --now 2026-01-31T11:00:00Z get "$R" --purpose billing
G request open access "$S" >/dev/null
G request verify 1 --method email --evidence ticket-1 >/dev/null
for f in json csv html; do G --as svc:leak --now 2026-01-31T12:00:00Z request export 1 --format $f >/dev/null 2>&1; done
expect_code 0 G --json breach scope --from 2026-01-31T10:30:00Z --to 2026-01-31T13:00:00Z --principal svc:leak
expect_eq "$(jq -r 'select(.kind == "category") | .name' <<<"$out" | tr '\n' ' ')" "user.contact.email " "categories in scope"
expect_eq "$(tail -1 <<<"$out" | jq -c '[.subjects, .records, .categories]')" "[1,1,1]" "scope counts"

# Consent history: the cookies consent (13 months) given 31 January 2026 expires 28 February 2027.
expect_code 0 G consent give "$S" cookies --channel banner
expect_code 0 G consent give "$S" profiling --channel web-form
expect_code 0 G consent history "$S"
expect_no_match "$out" "expired" "no expiry reported before it happens"
expect_match "$out" "cookies +given .*expires 2027-02-28T10:00:00Z" "future expiry shown as expires"
expect_code 0 G --now 2027-03-01 consent history "$S"
expect_match "$out" "2027-02-28T10:00:00Z  cookies +expired" "past expiry reported"

# Withdrawing twice says the consent was already withdrawn; never given says so too.
expect_code 0 G consent withdraw "$S" profiling --channel email
expect_code 7 G consent withdraw "$S" profiling --channel email
expect_match "$err" "already withdrew consent to \"profiling\" \(2026-01-31T10:00:00Z\)" "already withdrawn"
expect_code 7 G consent withdraw "$S" prospection --channel email
expect_match "$err" "never gave consent to \"prospection\"" "never given"

# Vault-wide commands with two tenants: no --tenant needed.
expect_code 0 G tenant create beta --country 32
expect_code 0 G user settings --idle 600
expect_match "$out" "sessions end after 600 s idle" "settings without --tenant"
export GARDIEN_PASSWORD='support password 1'
expect_code 0 G user support sam
expect_match "$out" "^created support staff sam; they see a tenant only under a grant of its admin$" "support without --tenant"
expect_code 2 G subject list   # a tenant's command still needs one
expect_match "$err" "several tenants: choose one with --tenant" "tenant commands still ask"
# Messages are sentences.
expect_code 0 G --tenant acme role set clerk --ops read --activities billing
expect_code 0 G --tenant acme user add dora --role clerk
expect_eq "$out" "created user dora with role clerk; they log in with their password" "user add message"
expect_code 0 G --tenant acme user disable dora
expect_eq "$out" "dora disabled: their tokens and sessions no longer work" "user disable message"

# Subjects a page at a time.
for i in 1 2 3 4; do G --tenant acme subject create >/dev/null; done
expect_code 0 G --tenant acme --json subject list --limit 2
expect_eq "$(jq '.subjects | length' <<<"$out")" 2 "first page"
first=$(jq -r '.subjects[0].subject' <<<"$out"); cursor=$(jq -r .next_cursor <<<"$out")
expect_eq "$first" "$S" "oldest first"
expect_code 0 G --tenant acme --json subject list --limit 2 --cursor "$cursor"
expect_eq "$(jq '.subjects | length' <<<"$out")" 2 "second page"
cursor=$(jq -r .next_cursor <<<"$out")
expect_code 0 G --tenant acme subject list --limit 2 --cursor "$cursor"
expect_eq "$(wc -l <<<"$out")" 1 "last page"
expect_eq "$err" "" "no next page announced after the last"
expect_code 0 G --tenant acme subject list --limit 2
expect_match "$err" "more subjects: gardien subject list --limit 2 --cursor [0-9]+" "next page announced"
expect_code 2 G --tenant acme subject list --cursor nope
expect_code 2 G --tenant acme subject list --limit 0

# The default principal: cli:$USER, or the account's name when USER is unset.
unset GARDIEN_PRINCIPAL
me=$(id -un)
env USER=alice "$GARDIEN" --tenant acme subject create >/dev/null
env -u USER "$GARDIEN" --tenant acme subject create >/dev/null
expect_code 0 G --tenant acme --json audit list --action subject.create
expect_eq "$(jq -r .principal <<<"$out" | tail -2 | tr '\n' ' ')" "cli:alice cli:$me " "default principals"
finish
