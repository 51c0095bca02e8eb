#!/usr/bin/env bash
# gardien role/user/token/grant: managing who may use the API, offline, with
# human and --json output and the documented exit codes.
. "$(dirname "$0")/lib.sh"
G init --tenant acme >/dev/null

expect_code 0 G role set billing --ops read,write --activities billing,support
expect_match "$out" "role billing set"
expect_code 2 G role set x --ops fly --activities '*'
expect_match "$err" "unknown operation \"fly\""
expect_code 2 G role set x --ops read
expect_code 0 G role set dpo --ops all --activities '*' --mfa
expect_code 0 G --json role list
expect_eq "$(jq -s -c 'map(select(.name=="dpo"))[0] | [.ops, .mfa]' <<<"$out")" '["read,write,erase,export,requests,register,audit,admin",true]' "dpo role"

# people: password from stdin or GARDIEN_PASSWORD, never argv
expect_code 0 G user add ana --role billing <<<"ana's long password"
expect_code 2 G user add bob --role billing <<<"short"
expect_match "$err" "shorter than 10"
expect_code 3 G user add bob --role nosuch <<<"a long password"
expect_code 6 G user add ana --role billing <<<"ana's long password"
GARDIEN_PASSWORD="bob's long password" expect_code 0 G user add bob --role dpo
expect_code 0 G user service app --role billing
expect_code 0 G user totp bob
expect_match "$out" "^[A-Z2-7]{32}$" "TOTP secret"
expect_code 0 G --json user list
expect_eq "$(jq -s -c 'map([.name, .kind, .role, .totp])' <<<"$out")" '[["ana","person","billing",false],["app","service","billing",false],["bob","person","dpo",true]]' "user list"
expect_code 2 G user add carol <<<"x"
expect_code 2 G user frobnicate x

# tokens: shown once, listed without the secret, revoked
expect_code 0 G token create app --expires 2099-01-01
tok=$(head -1 <<<"$out")
expect_match "$tok" "^gdt_[0-9a-f]{64}$" "token"
expect_code 0 G --json token list
expect_no_match "$out" "${tok#gdt_}" "token list"
expect_eq "$(jq -s -r '.[0].principal' <<<"$out")" app "token owner"
expect_code 0 G token revoke 1
expect_code 3 G token revoke 99
expect_code 2 G token revoke abc
expect_code 2 G token create app --expires yesterday
expect_code 3 G token create nobody
if grep -q "${tok#gdt_}" "$GARDIEN_VAULT"; then fail "token stored in clear"; else ok; fi

# settings, unlock, disable
expect_code 0 G user settings --max-failures 3 --lockout 60 --idle 300 --absolute 3600
expect_match "$out" "after 3 failed logins for 60 s"
expect_code 2 G user settings --max-failures 0
expect_code 0 G user unlock ana
expect_code 0 G user disable ana
expect_code 3 G user unlock nobody

# support staff and grants
expect_code 0 G user support sam <<<"support password 1"
SOON=$(date -u -d '+3 days' +%Y-%m-%dT%H:%M:%SZ)
expect_code 2 G grant create sam --ops read --activities billing --until 2099-01-01
expect_match "$err" "lasts at most 604800 s"
expect_code 0 G grant create sam --ops read --activities billing --until "$SOON"
expect_match "$out" "grant 1 to support:sam"
# the longest grant is the tenant's: the operator shortens it to one day
expect_code 0 G grant max
expect_match "$out" "at most 604800 s"
expect_code 0 G grant max 86400
expect_code 2 G grant create sam --ops read --activities billing --until "$SOON"
expect_code 2 G grant max 60
expect_code 2 G grant create sam --ops read --activities billing
expect_code 2 G grant create sam --ops read --activities billing --until 2001-01-01
expect_code 3 G grant create nobody --ops read --activities '*' --until "$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%SZ)"
expect_code 0 G --json grant list
expect_eq "$(jq -s -r '.[0].support + " " + .[0].ops' <<<"$out")" "sam read" "grant list"
expect_code 0 G grant revoke 1
expect_code 3 G grant revoke 7

# every change is in the audit trail, without secrets
n=$("${AUDIT_SQL:?}" "$GARDIEN_VAULT" "SELECT count(*) FROM audit WHERE action LIKE 'auth.%'")
[ "$n" -ge 15 ] && ok || fail "only $n auth entries in the audit trail"
if "$AUDIT_SQL" "$GARDIEN_VAULT" "SELECT reason FROM audit" | grep -q "long password"; then fail "password in the audit trail"; else ok; fi
finish
