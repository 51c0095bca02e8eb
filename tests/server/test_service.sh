#!/usr/bin/env bash
# gardien serve as a service (issue 20): settings from --config FILE and the
# environment, with the command line winning; a bad setting named with its
# file and line; readiness and stopping told to systemd through sd_notify
# (a real datagram socket standing in for systemd's, read by python3).
. "$(dirname "$0")/lib.sh"
setup_vault

# A settings file: the server takes its listen address and timeout from it.
cat >"$W/gardien.conf" <<CONF
# test settings
listen = 127.0.0.1:0     # any free port
timeout = 5
threads = 2
CONF
mkfifo "$W/out1"
"$G" serve --config "$W/gardien.conf" >"$W/out1" 2>"$W/err1" &
SERVER_PID=$!
read -r line <"$W/out1" || { cat "$W/err1"; fail "server did not start from the settings file"; }
grep -q 'listening on http://127.0.0.1:[0-9]*.*2 threads' <<<"$line" || fail "settings not applied: $line"
PORT=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' <<<"$line"); B=http://127.0.0.1:$PORT
req GET /healthz; expect_status 200
stop_server

# The environment wins over the file, the command line over both.
mkfifo "$W/out2"
GARDIEN_THREADS=3 "$G" serve --config "$W/gardien.conf" --timeout 7 >"$W/out2" 2>"$W/err2" &
SERVER_PID=$!
read -r line <"$W/out2" || { cat "$W/err2"; fail "server did not start"; }
grep -q '3 threads' <<<"$line" || fail "GARDIEN_THREADS did not win over the file: $line"
stop_server
mkfifo "$W/out3"
GARDIEN_THREADS=3 "$G" serve --config "$W/gardien.conf" --threads 4 >"$W/out3" 2>"$W/err3" &
SERVER_PID=$!
read -r line <"$W/out3" || { cat "$W/err3"; fail "server did not start"; }
grep -q '4 threads' <<<"$line" || fail "--threads did not win over the environment: $line"
stop_server

# Bad settings: refused before anything starts, with file and line.
printf 'listen = 127.0.0.1:0\nlisten-backlog = 5\n' >"$W/bad.conf"
rc=0; err=$("$G" serve --config "$W/bad.conf" 2>&1 >/dev/null) || rc=$?
[ $rc = 2 ] || fail "unknown setting: exit $rc"
grep -q "bad.conf:2: 'listen-backlog' is not a setting" <<<"$err" || fail "unknown setting message: $err"
printf 'threads\n' >"$W/bad2.conf"
rc=0; err=$("$G" serve --config "$W/bad2.conf" 2>&1 >/dev/null) || rc=$?
[ $rc = 2 ] && grep -q 'bad2.conf:1: expected NAME = VALUE' <<<"$err" || fail "line without '=': $rc $err"
printf 'threads = 999\n' >"$W/bad3.conf"
rc=0; err=$("$G" serve --config "$W/bad3.conf" 2>&1 >/dev/null) || rc=$?
[ $rc = 2 ] && grep -q 'threads takes a number from 1 to 64' <<<"$err" || fail "bad value: $rc $err"
rc=0; "$G" serve --config "$W/nonexistent.conf" 2>/dev/null || rc=$?
[ $rc = 3 ] || fail "missing settings file: exit $rc"

# sd_notify: READY=1 once listening, STOPPING=1 on SIGTERM.
python3 - "$W/notify.sock" >"$W/notify.out" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(30)
for _ in range(2):
    print(s.recv(4096).decode().replace("\n", " "), flush=True)
PY
listener=$!
for _ in $(seq 100); do [ -S "$W/notify.sock" ] && break; sleep 0.05; done
NOTIFY_SOCKET=$W/notify.sock start_server
for _ in $(seq 100); do grep -q READY=1 "$W/notify.out" && break; sleep 0.05; done
grep -q 'READY=1' "$W/notify.out" || fail "no READY=1: $(cat "$W/notify.out")"
req GET /healthz; expect_status 200
stop_server
wait "$listener" || fail "notify listener: $(cat "$W/notify.out")"
grep -q 'STOPPING=1' "$W/notify.out" || fail "no STOPPING=1: $(cat "$W/notify.out")"
echo "service: ok"
