#!/usr/bin/env bash
# SIGHUP reloads the server's certificate, key and client CA without dropping
# connections: a new TLS connection sees the new certificate, a keep-alive
# connection opened before goes on answering; a broken file, or a key that is
# not the certificate's, keeps the running certificate and says why in the log
# (naming the file, not its content); a reloaded client CA admits the
# certificates it signed and no longer the old CA's.
. "$(dirname "$0")/lib.sh"
"$G" --now "$(date -u +%Y-%m-%dT%H:%M:%SZ)" init --tenant acme --country 33 >/dev/null

cert() { # cert NAME CN: a self-signed server certificate for 127.0.0.1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/$1.key" -out "$W/$1.pem" -days 2 \
		-subj "/CN=$2" -addext subjectAltName=IP:127.0.0.1 2>/dev/null
}
cert a server-a
cert b server-b
cp "$W/a.pem" "$W/live.pem"; cp "$W/a.key" "$W/live.key"

# The client: python3's ssl module, a real TLS stack other than GnuTLS.
cat >"$W/client.py" <<'PY'
import hashlib, socket, ssl, sys, time
host, port = "127.0.0.1", int(sys.argv[1])

def connect(cert=None, key=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the test compares the certificate itself
    if cert:
        ctx.load_cert_chain(cert, key)
    s = ctx.wrap_socket(socket.create_connection((host, port), timeout=20))
    return s

def seen(s):  # the server certificate's SHA-256 fingerprint, as openssl prints it
    return hashlib.sha256(s.getpeercert(binary_form=True)).hexdigest().upper()

def get(s, path="/healthz"):
    s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % path).encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            raise SystemExit("connection closed by the server")
        buf += chunk
    head, _, body = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v)
    while len(body) < length:
        body += s.recv(4096)
    return int(head.split(b" ")[1])

cmd = sys.argv[2]
if cmd == "fingerprint":
    s = connect(); get(s); print(seen(s))
elif cmd == "status":  # status CERT KEY: the answer to a client certificate
    try:
        s = connect(sys.argv[3], sys.argv[4]); print(get(s))
    except (ssl.SSLError, ConnectionError, SystemExit) as e:
        print("refused")
elif cmd == "keepalive":
    # keepalive FIFO_IN FIFO_OUT: one connection; a request each time a line
    # arrives on FIFO_IN, its status and the certificate seen on FIFO_OUT.
    s = connect()
    with open(sys.argv[3]) as fin, open(sys.argv[4], "w") as fout:
        for _ in fin:
            fout.write("%d %s\n" % (get(s), seen(s))); fout.flush()
PY
fp() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g'; }
FA=$(fp "$W/a.pem"); FB=$(fp "$W/b.pem")

# wait_log TEXT [N]: the server wrote TEXT on stderr (N times): the reload is done.
wait_log() {
	local i
	for i in $(seq 1 600); do
		[ "$(grep -cF "$1" "$W/err")" -ge "${2:-1}" ] && return 0
		sleep 0.05
	done
	cat "$W/err" >&2; die "the server never logged: $1"
}

start_server --cert "$W/live.pem" --cert-key "$W/live.key"
[ "$(python3 "$W/client.py" "$PORT" fingerprint)" = "$FA" ] || fail "the server does not present certificate A"

# A keep-alive connection, opened on A, and kept across the reload.
mkfifo "$W/ka.in" "$W/ka.out"
python3 "$W/client.py" "$PORT" keepalive "$W/ka.in" "$W/ka.out" 2>"$W/ka.err" &
KA=$!
exec 7>"$W/ka.in" 8<"$W/ka.out"
echo >&7; read -r -t 30 line <&8 || fail "no answer on the keep-alive connection: $(cat "$W/ka.err")"
[ "$line" = "200 $FA" ] || fail "keep-alive connection before the reload: $line"

cp "$W/b.pem" "$W/live.pem"; cp "$W/b.key" "$W/live.key"
kill -HUP "$SERVER_PID"
wait_log "certificate $W/live.pem reloaded"
[ "$(python3 "$W/client.py" "$PORT" fingerprint)" = "$FB" ] || fail "a new connection does not see certificate B after SIGHUP"
echo >&7; read -r -t 30 line <&8 || fail "the keep-alive connection was dropped by the reload: $(cat "$W/ka.err")"
[ "$line" = "200 $FA" ] || fail "keep-alive connection after the reload: $line"
exec 7>&- 8<&-
wait "$KA" || fail "keep-alive client: $(cat "$W/ka.err")"

# A broken certificate file keeps B, and the log says why without the content.
printf -- '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n' >"$W/live.pem"
kill -HUP "$SERVER_PID"
wait_log "keeping the current certificate: $W/live.pem holds no usable certificate"
[ "$(python3 "$W/client.py" "$PORT" fingerprint)" = "$FB" ] || fail "a broken certificate replaced the running one"
# A certificate with another's key: kept too.
cp "$W/a.pem" "$W/live.pem"; cp "$W/b.key" "$W/live.key"
kill -HUP "$SERVER_PID"
wait_log "the key $W/live.key is not the key of the certificate $W/live.pem"
[ "$(python3 "$W/client.py" "$PORT" fingerprint)" = "$FB" ] || fail "a mismatched key replaced the running certificate"
grep -q 'PRIVATE KEY\|BEGIN' "$W/err" && fail "the log shows PEM content"
# Put right, it takes: A again.
cp "$W/a.key" "$W/live.key"
kill -HUP "$SERVER_PID"
wait_log "certificate $W/live.pem reloaded" 2
[ "$(python3 "$W/client.py" "$PORT" fingerprint)" = "$FA" ] || fail "the fixed files were not loaded"
stop_server

# ---- mTLS: the client CA is reloaded too ----
ca() { # ca NAME: a CA and a client certificate it signed (CN svc:NAME)
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/$1-ca.key" -out "$W/$1-ca.pem" -days 2 \
		-subj "/CN=$1 CA" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=keyCertSign 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -keyout "$W/$1-client.key" -out "$W/$1-client.csr" \
		-subj "/CN=svc:$1" 2>/dev/null
	openssl x509 -req -in "$W/$1-client.csr" -CA "$W/$1-ca.pem" -CAkey "$W/$1-ca.key" -CAcreateserial \
		-days 2 -out "$W/$1-client.pem" 2>/dev/null
}
ca one
ca two
cp "$W/one-ca.pem" "$W/live-ca.pem"
start_server --cert "$W/live.pem" --cert-key "$W/live.key" --client-ca "$W/live-ca.pem"
[ "$(python3 "$W/client.py" "$PORT" status "$W/one-client.pem" "$W/one-client.key")" = 200 ] || fail "CA one's client refused"
[ "$(python3 "$W/client.py" "$PORT" status "$W/two-client.pem" "$W/two-client.key")" != 200 ] || fail "CA two's client admitted before the reload"
cp "$W/two-ca.pem" "$W/live-ca.pem"
kill -HUP "$SERVER_PID"
wait_log "and client CA $W/live-ca.pem"
[ "$(python3 "$W/client.py" "$PORT" status "$W/two-client.pem" "$W/two-client.key")" = 200 ] || fail "CA two's client refused after the reload"
[ "$(python3 "$W/client.py" "$PORT" status "$W/one-client.pem" "$W/one-client.key")" != 200 ] || fail "CA one's client still admitted after the reload"
stop_server
echo "tls reload: ok"
