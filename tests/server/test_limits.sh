#!/usr/bin/env bash
# Limits and exposure: a bounded slowloris from one address while another
# address is served (per-client limit, request deadline); the access log (one
# JSON line per request, no value, no token); the probe token on /healthz and
# /metrics; HSTS and client certificates (mTLS) under TLS; IPv6 on [::1].
# Every attack is bounded in count and time and stays on loopback.
. "$(dirname "$0")/lib.sh"
H=${HTTPC:?HTTPC must name the httpc tool}
setup_vault

# ---- slowloris: 40 connections trickling one header byte every 0.5 s ----
# The idle timeout (30 s) never fires for them; the deadline (2 s) does, and
# only 8 connections of the attacker's address are taken at all.
start_server --timeout 30 --deadline 2 --max-per-client 8 --access-log "$W/access.log"
"$H" slowloris 127.0.0.1 "$PORT" 40 15 >"$W/loris" &
LORIS=$!
# meanwhile another address is served, every time
for i in 1 2 3 4 5; do
	STATUS=$(curl -s -o "$W/body" -w '%{http_code}' --max-time 10 --interface 127.0.0.2 \
		-H "Authorization: Bearer $TA" "$B/v1/whoami")
	[ "$STATUS" = 200 ] || fail "another client is not served during the attack: $STATUS"
done
wait $LORIS
read -r result <"$W/loris"
[ "$result" = "connections=40 closed=40 answered=0" ] ||
	fail "slowloris: every connection must be closed by the server within 15 s, none answered: $result"
# the attacker's address is served again once its connections are gone
req GET /healthz; expect_status 200

# ---- the access log: one JSON line per request, never a value or a token ----
req POST /v1/tenants/acme/subjects "$TA" '{"identifiers":{"email":"ana@example.fr"}}'; expect_status 201
S=$(jq -r .subject <<<"$BODY")
req POST /v1/tenants/acme/subjects/$S/records "$TA" '{"activity":"billing","category":"user.name","value":"Ana Secret-Value"}'
expect_status 201; R=$(jq -r .id <<<"$BODY")
curl -s -D "$W/h" -o /dev/null -H "Authorization: Bearer $TA" "$B/v1/tenants/acme/records/$R?purpose=billing"
RID=$(sed -n 's/^X-Request-Id: *\([0-9a-f]*\).*/\1/ip' "$W/h")
[ -n "$RID" ] || fail "no X-Request-Id"
stop_server
jq -e . "$W/access.log" >/dev/null || fail "the access log is not JSON lines"
line=$(grep "\"$RID\"" "$W/access.log") || fail "request $RID is not in the access log"
[ "$(jq -r .route <<<"$line")" = "/v1/tenants/{tenant}/records/{id}" ] || fail "route template: $line"
[ "$(jq -r .status <<<"$line")" = 200 ] && [ "$(jq -r .principal <<<"$line")" = svc:app ] || fail "access line: $line"
[ "$(jq -r .method <<<"$line")" = GET ] && jq -e '.latency_us >= 0 and (.time | test("^20"))' <<<"$line" >/dev/null ||
	fail "access line: $line"
! grep -q "Secret-Value\|ana@example\|${TA#gdt_}\|$S\|purpose=" "$W/access.log" || fail "a value, token or id in the access log"
[ "$(wc -l <"$W/access.log")" = 9 ] || fail "not one line per request"

# ---- the probe token: /healthz and /metrics only with it ----
printf 'probe-token-0123456789abcdef\n' >"$W/probe"
start_server --probe-token-file "$W/probe"
req GET /healthz; expect_status 401 unauthenticated
req GET /metrics "wrong-token-0123456789abcdef"; expect_status 401
req GET /metrics "probe-token-0123456789abcdef"; expect_status 200
req GET /healthz "probe-token-0123456789abcdef"; expect_status 200
req GET /v1/whoami "$TA"; expect_status 200     # other routes are unchanged
stop_server
printf 'short\n' >"$W/probe"
"$G" serve --listen 127.0.0.1:0 --probe-token-file "$W/probe" 2>"$W/e" && fail "a short probe token accepted"
grep -q "16 to 256" "$W/e" || fail "no clear message: $(cat "$W/e")"

# ---- IPv6 ----
rm -f "$W/out"; mkfifo "$W/out"
"$G" serve --listen '[::1]:0' >"$W/out" 2>"$W/err" &
SERVER_PID=$!
read -r line <"$W/out" || fail "no IPv6 server"
P6=$(sed -n 's/.*\[::1\]:\([0-9]*\).*/\1/p' <<<"$line")
[ -n "$P6" ] || fail "no [::1] port in: $line"
STATUS=$(curl -s -g -o /dev/null -w '%{http_code}' --max-time 10 -H "Authorization: Bearer $TA" "http://[::1]:$P6/v1/whoami")
[ "$STATUS" = 200 ] || fail "whoami over IPv6: $STATUS"
stop_server
"$G" serve --listen '::1:8080' 2>/dev/null && fail "an IPv6 address without brackets accepted"

# ---- TLS: HSTS, and client certificates (mTLS) ----
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/key.pem" -out "$W/cert.pem" -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/ca.key" -out "$W/ca.pem" -days 2 -subj /CN=test-ca 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$W/client.key" -out "$W/client.csr" -subj /CN=svc:app 2>/dev/null
openssl x509 -req -in "$W/client.csr" -CA "$W/ca.pem" -CAkey "$W/ca.key" -CAcreateserial -out "$W/client.pem" -days 2 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/rogue.key" -out "$W/rogue.pem" -days 2 -subj /CN=rogue 2>/dev/null
start_server --cert "$W/cert.pem" --cert-key "$W/key.pem"
curl -s --cacert "$W/cert.pem" -D "$W/h" -o /dev/null "$B/healthz"
grep -qi '^Strict-Transport-Security: max-age=31536000' "$W/h" || fail "no HSTS under TLS"
stop_server
start_server
curl -s -D "$W/h" -o /dev/null "$B/healthz"
! grep -qi '^Strict-Transport-Security' "$W/h" || fail "HSTS over plain HTTP"
stop_server
start_server --cert "$W/cert.pem" --cert-key "$W/key.pem" --client-ca "$W/ca.pem"
tls() { STATUS=$(curl -s --cacert "$W/cert.pem" -o "$W/body" -w '%{http_code}' -H "Authorization: Bearer $TA" "$@" "$B/v1/whoami"); }
tls; [ "$STATUS" = 403 ] || fail "no client certificate: $STATUS"
tls --cert "$W/rogue.pem" --key "$W/rogue.key"; [ "$STATUS" = 403 ] || [ "$STATUS" = 000 ] || fail "a certificate of another CA: $STATUS"
tls --cert "$W/client.pem" --key "$W/client.key"; [ "$STATUS" = 200 ] || fail "a client certificate of the CA: $STATUS"
STATUS=$(curl -s --cacert "$W/cert.pem" --cert "$W/client.pem" --key "$W/client.key" -o /dev/null -w '%{http_code}' \
	-H "Authorization: Bearer $TADMIN" "$B/v1/tenants/acme")
[ "$STATUS" = 200 ] || fail "without binding, any token goes with the certificate: $STATUS"
stop_server
# bound: the certificate (CN=svc:app) admits only svc:app's tokens
start_server --cert "$W/cert.pem" --cert-key "$W/key.pem" --client-ca "$W/ca.pem" --bind-client-cert
bound() { STATUS=$(curl -s --cacert "$W/cert.pem" --cert "$W/client.pem" --key "$W/client.key" -o "$W/body" \
	-w '%{http_code}' -H "Authorization: Bearer $1" "$B$2"); }
bound "$TA" /v1/tenants/acme; [ "$STATUS" = 200 ] || fail "the certificate's own principal: $STATUS"
bound "$TA" /v1/whoami; [ "$STATUS" = 200 ] || fail "whoami of the certificate's principal: $STATUS"
bound "$TADMIN" /v1/tenants/acme; [ "$STATUS" = 403 ] || fail "another principal's token with the certificate: $STATUS"
bound "$TADMIN" /v1/whoami; [ "$STATUS" = 403 ] || fail "whoami of another principal: $STATUS"
stop_server
"$G" serve --bind-client-cert 2>/dev/null && fail "--bind-client-cert without --client-ca accepted"
"$G" serve --client-ca "$W/ca.pem" 2>/dev/null && fail "--client-ca without TLS accepted"
echo "limits: ok"
