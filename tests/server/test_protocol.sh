#!/usr/bin/env bash
# The HTTP side: slow clients are cut by the connection timeout without holding
# up others; SIGTERM stops accepting but finishes the request in flight; TLS
# with a certificate; the OpenAPI document kept in the repo is the one served.
. "$(dirname "$0")/lib.sh"
setup_vault

# ---- OpenAPI: docs/openapi.json is exactly what the server serves ----
start_server --timeout 2
req GET /v1/openapi.json; expect_status 200
jq -S . <<<"$BODY" >"$W/served.json"
jq -S . "$GD_SOURCE_DIR/docs/openapi.json" >"$W/repo.json"
diff -u "$W/repo.json" "$W/served.json" >&2 || fail "docs/openapi.json differs from the served document: run 'gardien serve --openapi > docs/openapi.json'"
[ "$(jq -r .openapi "$W/repo.json")" = 3.0.3 ] || fail "not OpenAPI 3"
# every documented operation is routed (a 404 "no route" or a 405 would mean it is not)
jq -r '.paths | to_entries[] | .key as $p | .value | keys[] | "\(ascii_upcase) \($p)"' "$W/repo.json" >"$W/ops"
TLOOP=$("$G" --tenant acme token create app | head -1)   # logout revokes it
while read -r method path; do
	p=${path//\{tenant\}/acme}; p=${p//\{subject\}/sub_000000000000000000000000}; p=${p//\{id\}/1}; p=${p//\{name\}/x}; p=${p//\{step\}/start}; p=${p//\{activity\}/billing}
	req "$method" "$p" "$TLOOP"
	[ "$STATUS" != 405 ] && ! grep -q '"no route' <<<"$BODY" || fail "$method $path is documented but not served: $STATUS $BODY"
done <"$W/ops"

# ---- a slow client (headers never finished) does not block others, and is cut ----
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ' >&3
req GET /healthz; expect_status 200
rc=0; timeout 20 cat <&3 >"$W/slow" || rc=$?
[ $rc -eq 0 ] || fail "the slow connection was not closed by the server (rc $rc)"
[ ! -s "$W/slow" ] || fail "the slow client got an answer: $(cat "$W/slow")"
exec 3<&-
# a slow body (declared 60 bytes, 10 sent) is cut too
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
printf 'POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 60\r\n\r\n{"name":"' >&3
req GET /healthz; expect_status 200
rc=0; timeout 20 cat <&3 >/dev/null || rc=$?
[ $rc -eq 0 ] || fail "the slow upload was not cut (rc $rc)"
exec 3<&-

# ---- graceful shutdown: the request in flight is answered, new ones refused ----
body='{"tenant":"acme","name":"nobody","password":"0123456789"}'
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
printf 'POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
	${#body} "${body:0:10}" >&3
# wait until the server has our request in hand (in flight: it and the /metrics request itself)
for i in $(seq 500); do
	req GET /metrics
	grep -q '^gardien_http_requests_in_flight 2$' <<<"$BODY" && break
done
grep -q '^gardien_http_requests_in_flight 2$' <<<"$BODY" || fail "the partial request is not in flight"
kill -TERM "$SERVER_PID"
timeout 20 grep -q -m1 'SIGTERM received' <(tail -n +1 -f "$W/err") || fail "no shutdown message"
printf '%s' "${body:10}" >&3
timeout 20 cat <&3 >"$W/late" || true
exec 3<&-
head -1 "$W/late" | grep -q '^HTTP/1.1 401' || fail "the request in flight was not answered: $(head -c 300 "$W/late")"
pid=$SERVER_PID; SERVER_PID=
rc=0; wait "$pid" || rc=$?
[ $rc -eq 0 ] || fail "server exit status $rc after SIGTERM"
curl -s -o /dev/null "$B/healthz" && fail "the stopped server still answers"

# ---- TLS ----
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/key.pem" -out "$W/cert.pem" -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
start_server --cert "$W/cert.pem" --cert-key "$W/key.pem"
[[ $B == https://* ]] || fail "no https in the listening line"
STATUS=$(curl -s --cacert "$W/cert.pem" -o "$W/body" -w '%{http_code}' -H "Authorization: Bearer $TA" "$B/v1/whoami")
[ "$STATUS" = 200 ] || fail "https whoami: $STATUS"
curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && fail "plain HTTP accepted on the TLS port"
stop_server
"$G" serve --cert "$W/cert.pem" 2>/dev/null && fail "--cert without --cert-key accepted"
echo "protocol: ok"
