#!/usr/bin/env bash
# HTTP benchmark (not a test): authenticated small requests with keep-alive
# from wrk on loopback against `gardien serve` (Release build, 2 worker threads).
# Prints requests/s and latency per endpoint and the server's peak RSS.
#   DURATION (s, default 10), CONNECTIONS (default 64), THREADS (wrk, default 2)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
cmake -S "$root" -B "$root/build-rel" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build "$root/build-rel" -j2 --target gardien_cli >/dev/null
G=$root/build-rel/gardien
W=$(mktemp -d)
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$W"' EXIT
export GARDIEN_VAULT=$W/bench.db GARDIEN_TENANT=acme
"$G" init --tenant acme >/dev/null
"$G" role set app --ops read,write --activities billing >/dev/null
"$G" user service app --role app >/dev/null
TOKEN=$("$G" token create app | head -1)
s=$("$G" subject create --email bench@example.org)
"$G" put "$s" --activity billing --category user.contact.email bench@example.org >/dev/null
mkfifo "$W/out"
"$G" serve --listen 127.0.0.1:0 --max-per-client 0 ${SERVER_THREADS:+--threads "$SERVER_THREADS"} >"$W/out" 2>"$W/err" &
pid=$!
read -r line <"$W/out"
base=${line##* on }; base=${base%% *}
echo "$line"
echo "cpus: $(nproc); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
run() {
	echo "== $1"
	wrk -t "${THREADS:-2}" -c "${CONNECTIONS:-64}" -d "${DURATION:-10}s" -H "Authorization: Bearer $TOKEN" "$2" |
		grep -E 'Requests/sec|Latency|requests in|Non-2xx'
}
run "GET /healthz (no auth, no vault write)" "$base/healthz"
run "GET /v1/tenants/acme (token checked, actor opened, no write)" "$base/v1/tenants/acme"
run "GET a record for a purpose (token, role, decrypt, audited: one commit per read)" \
	"$base/v1/tenants/acme/records/1?purpose=billing"
curl -s "$base/metrics" | grep -E '^gardien_commit_'
echo "server peak RSS: $(grep VmHWM /proc/$pid/status | awk '{print $2, $3}')"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
