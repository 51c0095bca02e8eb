#!/usr/bin/env bash
# gardien's main job: the HTTP/JSON API on an embedded demo vault. Creates the
# vault once (tenant winbooks with the register of examples/winbooks.yml, roles,
# a service and a person, a customer with records),
# issues a fresh API token, starts `gardien serve` on 127.0.0.1 and prints
# where it listens, how to authenticate and how to sign in to the web console. Ctrl-C stops it cleanly.
#   PORT=0 picks a free port; DEMO_DIR, GARDIEN choose the folder and binary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
G=${GARDIEN:-$root/build/gardien}
dir=${DEMO_DIR:-$root/demo}
port=${PORT:-8080}
mkdir -p "$dir"
export GARDIEN_VAULT=$dir/serve.db GARDIEN_TENANT=winbooks
if [ ! -f "$GARDIEN_VAULT" ]; then
	"$G" init --tenant winbooks --country 32 --register "$root/examples/winbooks.yml" >/dev/null
	"$G" role set webapp --ops read,write --activities billing,support >/dev/null
	"$G" role set admin --ops all --activities '*' >/dev/null
	"$G" user service webapp --role webapp >/dev/null
	head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/admin.password"
	chmod 600 "$dir/admin.password"
	"$G" user add admin --role admin <"$dir/admin.password" >/dev/null
	s=$("$G" subject create --email ana.peeters@example.be --id customer_number=WB-1042)
	"$G" put "$s" --activity billing --category user.contact.email --subject-category customer ana.peeters@example.be >/dev/null
	"$G" put "$s" --activity billing --category user.financial --subject-category customer --json-value '{"iban":"BE71 0961 2345 6769"}' >/dev/null
	echo "created the demo vault $GARDIEN_VAULT (tenant winbooks, customer $s)"
fi
token=$("$G" token create webapp --expires "$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)" | head -1)
subject=$("$G" subject find customer_number WB-1042 2>/dev/null || true)

fifo=$(mktemp -u) && mkfifo "$fifo"
"$G" serve --listen "127.0.0.1:$port" >"$fifo" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid; rm -f "$fifo"' INT TERM
read -r line <"$fifo"
echo "$line"
base=${line##* on }; base=${base%% *}
cat <<TXT

The API is at $base/v1/ (OpenAPI: $base/v1/openapi.json, metrics: $base/metrics).
The tenant's register (WinBooks' notice as code): $base/v1/tenants/winbooks/register?format=md
A token for the service "webapp" (role webapp: read, write on billing, support),
valid one day, shown once:

  export TOKEN=$token

  curl -H "Authorization: Bearer \$TOKEN" $base/v1/whoami
  curl -H "Authorization: Bearer \$TOKEN" -d '{"kind":"customer_number","value":"WB-1042"}' $base/v1/tenants/winbooks/subjects/find
  curl -H "Authorization: Bearer \$TOKEN" "$base/v1/tenants/winbooks/subjects/$subject/records?purpose=billing"
  curl -H "Authorization: Bearer \$TOKEN" "$base/v1/tenants/winbooks/subjects/$subject/records?purpose=marketing"   # withheld

People log in for a session: the admin's password is in $dir/admin.password
  curl -d "{\"tenant\":\"winbooks\",\"name\":\"admin\",\"password\":\"\$(cat $dir/admin.password)\"}" $base/v1/auth/login

The web console (docs/console.md): open $base/console/ in a browser and sign in
with tenant "winbooks", name "admin" and the password in $dir/admin.password
(no TOTP code: the demo admin is not enrolled; enrol people in Administration).

Ctrl-C (SIGINT) or SIGTERM stops the server after the requests in flight.
TXT
cat "$fifo" &
wait $pid
rm -f "$fifo"
