#!/usr/bin/env bash
# Login throttling: growing delays per address and per name; an unknown name
# answered exactly like a known one; Retry-After tells the truth; failing on
# purpose does not lock out a person who proves a second factor. Waits run on
# the vault's clock: on a fixed clock (first part) they never end, so what
# happens during one is certain; on the real clock (second part) the test
# sleeps each Retry-After (a few seconds). Each part comes from its own
# loopback address (curl --interface 127.0.0.N).
. "$(dirname "$0")/lib.sh"
setup_vault
"$G" --tenant acme user settings --max-failures 3 --lockout 8 >/dev/null
GARDIEN_PASSWORD='ana password 1' "$G" --tenant acme user add ana --role billing >/dev/null
GARDIEN_PASSWORD='adm password 1' "$G" --tenant acme user add adm --role admin >/dev/null
GARDIEN_PASSWORD='eve password 1' "$G" --tenant acme user add eve --role billing >/dev/null
SECRET=$("$G" --tenant acme user totp adm | head -1)
T0=2026-03-02T09:00:00Z
start_server --now $T0

# login FROM NAME PASSWORD [TOTP]: STATUS, BODY, and HEADERS without Date and X-Request-Id
login() {
	local body
	body=$(jq -cn --arg n "$2" --arg p "$3" --arg t "${4:-}" '{tenant:"acme",name:$n,password:$p} + (if $t == "" then {} else {totp:$t} end)')
	STATUS=$(curl -s -D "$W/h" -o "$W/body" -w '%{http_code}' --max-time 20 --interface "$1" \
		-H 'Content-Type: application/json' --data-binary "$body" "$B/v1/auth/login")
	BODY=$(cat "$W/body")
	HEADERS=$(grep -vi '^Date:\|^X-Request-Id:' "$W/h" | tr -d '\r')
	RETRY=$(sed -n 's/^Retry-After: *\([0-9]*\).*/\1/ip' "$W/h")
}

# ---- a known and an unknown name: the same answers, one by one ----
for name in ana ghost; do
	: >"$W/seq.$name"
	for i in 1 2 3 4; do
		login 127.0.0.2 $name 'wrong password'
		printf '%s\n%s\n%s\n' "$STATUS" "$HEADERS" "$BODY" >>"$W/seq.$name"
		[ $i -le 3 ] && A[$i]=$STATUS
	done
done
diff "$W/seq.ana" "$W/seq.ghost" >&2 || fail "an unknown name is answered unlike a known one"
[ "${A[1]} ${A[2]} ${A[3]}" = "401 401 429" ] || fail "failures answered ${A[*]}: expected 401 401 429"
grep -qi '^Retry-After: 1$' "$W/seq.ana" || fail "no Retry-After: 1 after the third failure"

# ---- per address: 10 failures on 10 different names, then the address waits ----
for i in $(seq 10); do login 127.0.0.4 "nobody$i" 'wrong password'; done
[ "$STATUS/$RETRY" = 429/1 ] || fail "the tenth failure of an address: $STATUS/$RETRY"
login 127.0.0.4 ana 'ana password 1'; [ "$STATUS" = 429 ] || fail "a throttled address still tries: $STATUS"
login 127.0.0.5 nobody11 'wrong password'; [ "$STATUS" = 401 ] || fail "another address is throttled too: $STATUS"

# ---- an admin's unlock ends the name's wait (the server's and the vault's) ----
login 127.0.0.9 ana 'ana password 1'; [ "$STATUS" = 429 ] || fail "ana before the unlock: $STATUS"
req POST /v1/tenants/acme/principals/ana/unlock "$TADMIN"; expect_status 200
login 127.0.0.9 ana 'ana password 1'; [ "$STATUS" = 201 ] || fail "ana after the unlock: $STATUS $BODY"

# ---- nobody locks out the admin: failures from one address, the admin logs in from another ----
for i in 1 2 3 4 5; do login 127.0.0.6 adm 'guessed password'; done
[ "$STATUS" = 429 ] || fail "the attacker is not throttled: $STATUS"
login 127.0.0.6 adm 'guessed password' 123456; [ "$STATUS" = 429 ] || fail "a guess with a code during the wait: $STATUS"
login 127.0.0.7 adm 'adm password 1'; [ "$STATUS" = 429 ] || fail "the password alone during the wait: $STATUS"
login 127.0.0.7 adm 'adm password 1' "$(oathtool --totp -b --now '2026-03-02 09:00:00 UTC' "$SECRET")"
[ "$STATUS" = 201 ] || fail "the admin with password and TOTP is locked out: $STATUS $BODY"

# ---- on the real clock: Retry-After tells the truth, and the delay doubles ----
stop_server
start_server
for i in 1 2 3; do login 127.0.0.3 eve 'wrong password'; done
[ "$STATUS/$RETRY" = 429/1 ] || fail "eve's third failure: $STATUS/$RETRY"
sleep "$RETRY"
login 127.0.0.3 eve 'eve password 1'; [ "$STATUS" = 201 ] || fail "after Retry-After ($RETRY s): $STATUS $BODY"
for i in 1 2 3; do login 127.0.0.8 ghost 'wrong password'; done
[ "$STATUS/$RETRY" = 429/1 ] || fail "ghost's third failure: $STATUS/$RETRY"
sleep "$RETRY"
login 127.0.0.8 ghost 'wrong password'; [ "$STATUS/$RETRY" = 429/2 ] || fail "the fourth: $STATUS/$RETRY"
sleep "$RETRY"
login 127.0.0.8 ghost 'wrong password'; [ "$STATUS/$RETRY" = 429/4 ] || fail "the fifth: $STATUS/$RETRY"

stop_server
[ "$(audit_count acme auth.lockout)" -ge 2 ] || fail "locks are not audited"
echo "throttle: ok"
