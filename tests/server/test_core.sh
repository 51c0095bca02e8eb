#!/usr/bin/env bash
# test_core.sh — memory hygiene (issue 16 item 6): a `gardien serve` that
# crashes (SIGABRT, after a login, a write and a read of a value) leaves no core
# dump unless GARDIEN_CORE_DUMPS=1 asked for one; and the core it leaves then
# holds neither the value, nor the password, nor any token that went through
# it: request bodies, the bearer header, JSON values and response bodies are
# wiped once used.
# Needs the kernel to write cores as files (core_pattern not piped elsewhere).
. "$(dirname "$0")/lib.sh"
# Not on the PostgreSQL engine: what is wiped is the server's HTTP and JSON
# buffers and the decrypted values, the same code on both engines; libpq's own
# buffers hold only ciphertext and the SQL. A second run would test nothing new.
[ "${GD_ENGINE:-sqlite}" != pg ] || { echo "SKIP: the wiped buffers are the server's, the same on both engines (see above)"; exit 77; }
pattern=$(cat /proc/sys/kernel/core_pattern)
case $pattern in
'|'*) echo "SKIP: core_pattern pipes cores to '$pattern'; this test needs plain core files"; exit 77 ;;
esac
ulimit -c unlimited 2>/dev/null || { echo "SKIP: cannot raise the core size limit"; exit 77; }
setup_vault
IBAN="FR76 4242 7171 9090 1313 5656 828"
IBAN2="DE89 3704 0044 0532 0130 00"  # a JSON value of a rectification
PASSWORD="correct horse battery 4711"
GARDIEN_PASSWORD=$PASSWORD "$G" --tenant acme user add ana --role billing >/dev/null
# AddressSanitizer would switch cores off itself: only gardien may decide here.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:disable_coredump=0:use_madv_dontdump=1"

# crash DIR: a server run from DIR serves a login, a write and a read, then is
# killed with SIGABRT (the default action dumps core).
crash() {
	mkdir -p "$1"
	cd "$1"
	start_server
	req POST /v1/auth/login "" "{\"tenant\":\"acme\",\"name\":\"ana\",\"password\":\"$PASSWORD\"}"; expect_status 201
	SESSION=$(jq -r .token <<<"$BODY")
	[ -n "$SESSION" ] && [ "$SESSION" != null ] || fail "no session token: $BODY"
	req POST /v1/tenants/acme/subjects "$TA" '{}'; expect_status 201
	local s
	s=$(jq -r .subject <<<"$BODY")
	req POST "/v1/tenants/acme/subjects/$s/records" "$TA" "{\"activity\":\"billing\",\"category\":\"user.financial\",\"value\":\"$IBAN\"}"
	expect_status 201
	local r
	r=$(jq -r .id <<<"$BODY")
	req GET "/v1/tenants/acme/records/$r?purpose=billing" "$SESSION"; expect_status 200
	[ "$(jq -r .value <<<"$BODY")" = "$IBAN" ] || fail "value not read back: $BODY"
	# a rectification with a JSON value: the server writes it out as JSON text for the library
	req POST /v1/tenants/acme/requests "$TADMIN" "{\"kind\":\"rectification\",\"subject\":\"$s\"}"; expect_status 201
	local q
	q=$(jq -r .id <<<"$BODY")
	req POST "/v1/tenants/acme/requests/$q/verify" "$TADMIN" '{"method":"email_link","evidence":"mail-1"}'; expect_status 200
	req POST "/v1/tenants/acme/requests/$q/rectify" "$TADMIN" "{\"record_id\":$r,\"value\":{\"iban\":\"$IBAN2\"}}"
	expect_status 200
	kill -ABRT "$SERVER_PID"
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=
	cd "$W"
}

core_in() { find "$1" -maxdepth 1 -name 'core*' -type f | head -1; }

# 1. By default: no core at all.
crash "$W/default"
[ -z "$(core_in "$W/default")" ] || fail "a core was dumped although nobody asked for one"

# 2. Asked for: a core, without the secrets.
export GARDIEN_CORE_DUMPS=1
crash "$W/asked"
unset GARDIEN_CORE_DUMPS
core=$(core_in "$W/asked")
[ -n "$core" ] || fail "GARDIEN_CORE_DUMPS=1 gave no core: the test cannot tell anything"
for secret in "$IBAN" "$IBAN2" "$PASSWORD" "${TA#*_}" "${SESSION#*_}"; do
	if grep -qaF -- "$secret" "$core"; then
		fail "the core holds a secret (${secret:0:6}…)"
	fi
done
rm -f "$core"
echo ok
