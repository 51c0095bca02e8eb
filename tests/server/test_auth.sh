#!/usr/bin/env bash
# Authentication against a real daemon: wrong, malformed, revoked and expired
# tokens; the lock after failed logins (in the vault, across restarts); TOTP for
# roles that require it; idle and absolute session timeouts. Time moves with
# the vault clock (--now), restarting the server, never with sleeps.
. "$(dirname "$0")/lib.sh"
setup_vault
T0=2026-03-02T09:00:00Z
"$G" --tenant acme user settings --max-failures 4 --lockout 600 --idle 900 --absolute 3600 >/dev/null
"$G" --tenant acme role set dpo --ops read,audit --activities '*' --mfa >/dev/null
GARDIEN_PASSWORD='ana password 1' "$G" --tenant acme user add ana --role billing >/dev/null
GARDIEN_PASSWORD='dora password 1' "$G" --tenant acme user add dora --role dpo >/dev/null
EXP=$("$G" --now $T0 --tenant acme token create app --expires 2026-03-02T10:00:00Z | head -1)
start_server --now $T0

# tokens: missing, not bearer, malformed, unknown, revoked, expired
req GET /v1/whoami; expect_status 401 unauthenticated
curl -s -D "$W/h" -o /dev/null "$B/v1/whoami"; grep -qi '^WWW-Authenticate: Bearer' "$W/h" || fail "no WWW-Authenticate"
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Basic eDp5' "$B/v1/whoami"); [ "$STATUS" = 401 ] || fail "basic auth: $STATUS"
req GET /v1/whoami "gdt_nothex"; expect_status 401 unauthenticated
req GET /v1/whoami "gdt_$(printf '%064d' 0)"; expect_status 401 unauthenticated
req GET /v1/tenants/acme "gdt_$(printf '%064d' 0)"; expect_status 401 unauthenticated
req GET /v1/whoami "$EXP"; expect_status 200
req GET /v1/whoami "$TA"; expect_status 200

# the lock: 4 failures lock ana in the vault (1 s, doubling); the server throttles
# at the same count and says for how long (tests/server/test_throttle.sh)
for i in 1 2 3; do
	req POST /v1/auth/login "" '{"tenant":"acme","name":"ana","password":"wrong password"}'; expect_status 401 unauthenticated
done
req POST /v1/auth/login "" '{"tenant":"acme","name":"ana","password":"wrong password"}'; expect_status 429 throttled
req POST /v1/auth/login "" '{"tenant":"acme","name":"ana","password":"ana password 1"}'; expect_status 429 throttled
curl -s -D "$W/h" -o /dev/null -d '{"tenant":"acme","name":"ana","password":"ana password 1"}' "$B/v1/auth/login"
grep -qi '^Retry-After: [12]' "$W/h" || fail "429 without Retry-After"
[ "$(audit_count acme auth.login 1)" -ge 4 ] || fail "failed logins not audited"
[ "$(audit_count acme auth.lockout)" = 1 ] || fail "lockout not audited"
# the vault's lock outlives the server (its clock is fixed here): after a
# restart the right password is refused, answered like wrong credentials
stop_server
start_server --now $T0
req POST /v1/auth/login "" '{"tenant":"acme","name":"ana","password":"ana password 1"}'; expect_status 401 unauthenticated
# unknown names and tenants fail the same way, and are audited too
req POST /v1/auth/login "" '{"tenant":"acme","name":"nobody","password":"whatever it is"}'; expect_status 401 unauthenticated
MSG1=$(jq -r .detail <<<"$BODY")
req POST /v1/auth/login "" '{"tenant":"acme","name":"bob","password":"x"}'
req POST /v1/auth/login "" '{"tenant":"nope","name":"ana","password":"ana password 1"}'; expect_status 401
[ "$(jq -r .detail <<<"$BODY")" = "$MSG1" ] || fail "login messages differ"
[ "$(audit_count 0 auth.login 1)" = 1 ] || fail "login to an unknown tenant not audited in the vault chain"

# TOTP: the dpo role requires it; dora is refused until enrolled, then needs the code
req POST /v1/auth/login "" '{"tenant":"acme","name":"dora","password":"dora password 1"}'; expect_status 401
stop_server
SECRET=$("$G" --tenant acme user totp dora | head -1)
start_server --now $T0
CODE=$(oathtool --totp -b --now "2026-03-02 09:00:00 UTC" "$SECRET")
req POST /v1/auth/login "" '{"tenant":"acme","name":"dora","password":"dora password 1"}'; expect_status 401
req POST /v1/auth/login "" '{"tenant":"acme","name":"dora","password":"dora password 1","totp":"000000"}'
[ "$CODE" = 000000 ] || expect_status 401
req POST /v1/auth/login "" "{\"tenant\":\"acme\",\"name\":\"dora\",\"password\":\"dora password 1\",\"totp\":\"$CODE\"}"
expect_status 201; DS=$(jq -r .token <<<"$BODY")
req GET /v1/whoami "$DS"; expect_status 200
[ "$(jq -r .role <<<"$BODY")" = dpo ] || fail "dora's role: $BODY"
# a TOTP code is accepted once: replaying it (still within its 30 s) fails
req POST /v1/auth/login "" "{\"tenant\":\"acme\",\"name\":\"dora\",\"password\":\"dora password 1\",\"totp\":\"$CODE\"}"
expect_status 401 unauthenticated
# a session of bob (no TOTP needed) for the timeouts below
GARDIEN_PASSWORD='bob password 1' "$G" --tenant acme user add bob --role billing >/dev/null
req POST /v1/auth/login "" '{"tenant":"acme","name":"bob","password":"bob password 1"}'; expect_status 201
BS=$(jq -r .token <<<"$BODY")
stop_server

# 10 minutes later: ana's lock (a few seconds) is over; sessions are within their idle limit (15 min)
start_server --now 2026-03-02T09:09:59Z
req POST /v1/auth/login "" '{"tenant":"acme","name":"ana","password":"ana password 1"}'; expect_status 201
CODE2=$(oathtool --totp -b --now "2026-03-02 09:09:59 UTC" "$SECRET")
req POST /v1/auth/login "" "{\"tenant\":\"acme\",\"name\":\"dora\",\"password\":\"dora password 1\",\"totp\":\"$CODE2\"}"
expect_status 201    # a later code is accepted
req GET /v1/whoami "$BS"; expect_status 200
stop_server

# ana logs in again; bob's session, used at 09:09:59, is still alive at 09:24
start_server --now 2026-03-02T09:24:00Z
req POST /v1/auth/login "" '{"tenant":"acme","name":"ana","password":"ana password 1"}'; expect_status 201
req GET /v1/whoami "$BS"; expect_status 200
# dora's session was last used at 09:00: idle timeout (900 s)
req GET /v1/whoami "$DS"; expect_status 401 expired
req GET /v1/tenants/acme "$DS"; expect_status 401 expired
stop_server

# bob keeps his session alive (used every 14 min) ...
for t in 09:38:00 09:52:00; do
	start_server --now 2026-03-02T${t}Z
	req GET /v1/whoami "$BS"; expect_status 200
	stop_server
done
# ... until the absolute limit (1 h) ends it, 8 min after its last use;
# the token with an expiry is refused after it
start_server --now 2026-03-02T10:00:00Z
req GET /v1/whoami "$EXP"; expect_status 401 expired
req GET /v1/tenants/acme/subjects/sub_000000000000000000000000/records?purpose=billing "$EXP"; expect_status 401 expired
req GET /v1/whoami "$TA"; expect_status 200
req GET /v1/whoami "$BS"; expect_status 401 expired
stop_server

# an admin unlocks; a disabled principal's tokens stop working
"$G" --tenant acme user disable app >/dev/null
start_server --now 2026-03-02T10:00:00Z
req GET /v1/whoami "$TA"; expect_status 401 unauthenticated
stop_server
# passwords are stored as Argon2id strings, tokens as hashes: no secret in the file
! grep -q "ana password 1" "$GARDIEN_VAULT" || fail "password in clear in the vault"
! grep -q "${TA#gdt_}" "$GARDIEN_VAULT" || fail "token in clear in the vault"
[ "$(vault_sql "SELECT count(*) FROM auth_principals WHERE pwhash LIKE '\$argon2id\$%'")" -ge 3 ] || fail "not argon2id"
echo "auth: ok"
