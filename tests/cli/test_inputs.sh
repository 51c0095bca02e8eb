#!/usr/bin/env bash
# Inputs an attacker or a careless operator gives the CLI: a FIFO as key file,
# a --now on a production vault, a trail that would go back in time, JSON
# values with a key twice, a collected_at in year 9999, an impossible date in
# the register, a role naming an activity the register lacks, a grant too long.
. "$(dirname "$0")/lib.sh"

# ---- a fixed clock only on test vaults; the trail never goes back in time ----
expect_code 0 G init --tenant acme                      # production: the system clock
expect_code 4 G --now 0000-01-01 subject create
expect_match "$err" "runs on the system clock"
GARDIEN_NOW=2020-01-01 expect_code 4 G subject create
expect_code 0 G subject create                          # the system clock is fine
expect_code 1 timeout 20 "$GARDIEN" --now 2026-01-01 serve --listen 127.0.0.1:0
expect_match "$err" "runs on the system clock"
# a test vault beside it (a file, whatever the engine of the first)
TV() { env -u GARDIEN_KEY "$GARDIEN" --vault "$T/test.db" "$@"; }
expect_code 0 TV --now 2026-03-01T10:00:00Z init --tenant t
expect_code 0 TV --now 2026-03-01T10:00:00Z --tenant t subject create
expect_code 0 TV --now 2020-01-01T00:00:00Z --tenant t subject create
expect_code 0 TV --now 2026-03-02T00:00:00Z --tenant t --json audit list
expect_eq "$(jq -r .at <<<"$out" | sort -c && echo sorted)" sorted "audit times in order"
expect_eq "$(jq -r 'select(.action == "subject.create") | .at' <<<"$out" | tail -1)" 2026-03-01T10:00:00Z \
	"an entry written with an earlier clock is dated at the chain's last time"

# ---- a key file that is a FIFO (or any non-regular file) is refused, not waited on ----
mkfifo fifo.key
expect_code 4 timeout 20 "$GARDIEN" --key fifo.key subject create
expect_match "$err" "not a regular file"
expect_code 4 timeout 20 "$GARDIEN" --key /dev/zero subject create

# ---- --json-value: a key twice is refused, as by the API ----
s=$(G subject create)
expect_code 2 G put "$s" --activity billing --category user.name --json-value '{"a":1,"a":2}'
expect_match "$err" "key twice"
expect_code 0 G put "$s" --activity billing --category user.name --json-value '{"a":1,"b":{"a":2}}'
r=$out
expect_code 2 G update "${r##* }" --json-value '{"x":{"k":1,"k":1}}'

# ---- collected_at: not in the future (one day of slack) ----
expect_code 2 G put "$s" --activity billing --category user.name --collected-at 9999-12-31 x
expect_match "$err" "collected_at is in the future"
expect_code 2 G put "$s" --activity billing --category user.name --collected-at "$(date -u -d '+3 days' +%Y-%m-%d)" x
expect_code 0 G put "$s" --activity billing --category user.name --collected-at "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" x

# ---- the register: impossible dates ----
sed 's/updated: "2018-05-25"/updated: "2018-02-31"/' "$GD_SOURCE_DIR/examples/winbooks.yml" >bad-date.yml
expect_code 2 G register check bad-date.yml
expect_match "$out$err" "not a real date"
expect_code 0 G register check "$GD_SOURCE_DIR/examples/winbooks.yml"

# ---- roles name activities of the register once there is one ----
expect_code 0 G role set early --ops read --activities nosuch      # no register yet: accepted
expect_code 0 G register load "$GD_SOURCE_DIR/examples/winbooks.yml"
expect_code 2 G role set typo --ops read --activities billing,biling
expect_match "$err" "activity \"biling\" is not in the tenant's register"
expect_code 0 G role set ok --ops read --activities billing,support
expect_code 0 G role set all --ops read --activities '*'
finish
