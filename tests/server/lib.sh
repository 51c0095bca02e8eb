# lib.sh — what the server tests share: tests/lib.sh (a fresh folder, the
# assertions), a vault, a real `gardien serve` on 127.0.0.1 on a port the
# kernel picks, curl helpers, and cleanup. Source it; it sets G (the binary),
# W (work dir), B (base URL after start_server).
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
set -e
SERVER_PID=
at_exit stop_server

# start_server [ARGS…]: starts the daemon, waits for its "listening" line.
start_server() {
	rm -f "$W/out" "$W/err"
	mkfifo "$W/out"
	"$G" serve --listen 127.0.0.1:0 "$@" >"$W/out" 2>"$W/err" &
	SERVER_PID=$!
	local line
	if ! read -r line <"$W/out"; then
		cat "$W/err" >&2; die "server did not start"
	fi
	rm -f "$W/out"
	PORT=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' <<<"$line")
	[ -n "$PORT" ] || die "no port in: $line"
	case $line in *https://*) B=https://127.0.0.1:$PORT ;; *) B=http://127.0.0.1:$PORT ;; esac
}

# stop_server: SIGTERM and wait; the exit status must be 0.
stop_server() {
	[ -n "$SERVER_PID" ] || return 0
	kill -TERM "$SERVER_PID" 2>/dev/null || true
	local rc=0
	wait "$SERVER_PID" || rc=$?
	SERVER_PID=
	[ $rc -eq 0 ] || { cat "$W/err" >&2; fail "server exited with $rc"; }
}

# req METHOD PATH [TOKEN] [BODY]: sets STATUS and BODY (the response).
req() {
	local method=$1 path=$2 token=${3:-} body=${4:-}
	local args=(-s -S -o "$W/body" -w '%{http_code}' --max-time 20)
	# HEAD: curl must not wait for the body the Content-Length announces.
	if [ "$method" = HEAD ]; then args+=(--head); else args+=(-X "$method"); fi
	[ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	STATUS=$(curl "${args[@]}" "$B$path" ${CURL_EXTRA:-})
	BODY=$(cat "$W/body")
}

# expect_status STATUS [ERROR_CODE]: the last response had this status (and error code).
expect_status() {
	[ "$STATUS" = "$1" ] || fail "expected $1, got $STATUS: $BODY"
	if [ $# -ge 2 ]; then
		local code
		code=$(jq -r .code <<<"$BODY")
		[ "$code" = "$2" ] || fail "expected error $2, got $code: $BODY"
	fi
	return 0
}

# audit_count TENANT ACTION [OUTCOME]: entries of the tenant's audit chain.
audit_count() {
	local tid
	if [ "$1" = 0 ]; then tid=0; else tid=$(vault_sql "SELECT id FROM tenants WHERE name='$1'"); fi
	"${AUDIT_SQL:?}" "$GARDIEN_VAULT" "SELECT count(*) FROM audit WHERE tenant_id=$tid AND action='$2'${3:+ AND outcome=$3}"
}

# A vault with tenants acme and beta, roles, a service token per tenant, an admin person.
setup_vault() {
	# a test vault: created on a fixed clock, it may run on one later (--now)
	"$G" --now "$(date -u +%Y-%m-%dT%H:%M:%SZ)" init --tenant acme --country 33 >/dev/null
	"$G" tenant create beta >/dev/null
	for t in acme beta; do
		"$G" --tenant $t role set admin --ops all --activities '*' >/dev/null
		"$G" --tenant $t role set billing --ops read,write --activities billing >/dev/null
		"$G" --tenant $t user service app --role billing >/dev/null
		"$G" --tenant $t user service root --role admin >/dev/null
	done
	TA=$("$G" --tenant acme token create app | head -1)
	TB=$("$G" --tenant beta token create app | head -1)
	TADMIN=$("$G" --tenant acme token create root | head -1)
	TBADMIN=$("$G" --tenant beta token create root | head -1)
}
