#!/usr/bin/env bash
# The web console in a real browser: Debian's chromium, headless, driven by
# puppeteer-core (console.test.mjs) against a real `gardien serve` on
# 127.0.0.1 with a demo vault made here (WinBooks' register in two versions,
# a DPO enrolled in TOTP, a clerk who reads billing only, a support agent
# under a grant, subjects, a late request, an erasure owing a notice, a hold). npm packages
# are pinned (package-lock.json) and installed with `npm ci` when missing.
# Screenshots of each page go to docs/console/. Bounded in time; the server
# and chromium are stopped whatever happens.
. "$(dirname "$0")/../server/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
for tool in node npm oathtool; do
	command -v $tool >/dev/null || fail "$tool is missing: run scripts/deps.sh"
done
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || fail "no chromium at $CHROMIUM: run scripts/deps.sh"
if [ ! -d "$here/node_modules/puppeteer-core" ] || [ ! -d "$here/node_modules/axe-core" ]; then
	(cd "$here" && timeout 600 npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci failed in $here"
fi

export GARDIEN_TENANT=winbooks
# a test vault (created on a fixed clock): the expiry run below serves it with --now
"$G" --now "$(date -u +%Y-%m-%dT%H:%M:%SZ)" init --tenant winbooks --country 32 --register "$GD_SOURCE_DIR/examples/winbooks.yml" >/dev/null
# Version 2 of the register: billing gets a mailing processor in the US under SCCs,
# and a newsletter on consent (13 months) appears.
awk '{print} /^    legal_claims: true$/ && !done && prev ~ /comptabilit/ {
	print "    processors:"
	print "      - {name: MailCo, kind: processor, country: US, purpose: envoi des factures}"
	print "    transfers:"
	print "      - {recipient: MailCo, country: US, safeguard: scc, reference: \"SCC 2021/914, module 3\"}"
	done = 1 } {prev = $0}' "$GD_SOURCE_DIR/examples/winbooks.yml" >"$W/winbooks-v2.yml"
cat >>"$W/winbooks-v2.yml" <<'YML'
  - id: newsletter
    name: Lettre d'information
    description: lettre d'information par courriel
    role: controller
    purposes: [marketing.communications.email]
    legal_basis: consent
    consent:
      text: "J'accepte de recevoir la lettre d'information de WinBooks."
      version: newsletter-v1
      validity: 13 months
    categories: [user.contact.email]
    subjects: [customer]
    sources: [site web]
YML
grep -q MailCo "$W/winbooks-v2.yml" || fail "could not write version 2 of the register"
"$G" register load "$W/winbooks-v2.yml" >/dev/null
# Version 2 changes what people were told: its policy-change notices are in the
# outbox; the DPO has published the new policy (docs/rights.md), so they are done.
pc=$("$G" --json outbox list | jq '[.[] | select(.action == "policy-change:v2") | .id]')
[ "$(jq length <<<"$pc")" -gt 0 ] || fail "version 2 queued no policy-change notice"
for id in $(jq '.[]' <<<"$pc"); do "$G" outbox ack "$id" >/dev/null; done
"$G" role set dpo --ops all --activities '*' --mfa >/dev/null
"$G" role set clerk --ops read --activities billing >/dev/null
"$G" role set admin --ops all --activities '*' >/dev/null
"$G" user service root --role admin >/dev/null
DPO_PASS="dpo password $RANDOM$RANDOM"
CLERK_PASS="clerk password $RANDOM$RANDOM"
SAM_PASS="sam password $RANDOM$RANDOM"
GARDIEN_PASSWORD=$DPO_PASS "$G" user add dora --role dpo >/dev/null
DPO_SECRET=$("$G" user totp dora | head -1)
GARDIEN_PASSWORD=$CLERK_PASS "$G" user add carl --role clerk >/dev/null
GARDIEN_PASSWORD=$SAM_PASS "$G" user support sam >/dev/null
"$G" grant create sam --ops read --activities billing --until "$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)" >/dev/null

ana=$("$G" subject create --email ana.peeters@example.be --id customer_number=WB-1042)
"$G" put "$ana" --activity billing --category user.contact.email --subject-category customer ana.peeters@example.be >/dev/null
"$G" put "$ana" --activity billing --category user.financial --subject-category customer --json-value '{"iban":"BE71 0961 2345 6769"}' >/dev/null
"$G" put "$ana" --activity support --category user.contact.email --subject-category customer ana.peeters@example.be >/dev/null
bob=$("$G" subject create --email bob.janssens@example.be)
"$G" put "$bob" --activity billing --category user.name --subject-category customer "Bob Janssens" >/dev/null
# A request received five weeks ago is late; one received today is not.
"$G" request open access "$bob" --received "$(date -u -d '-35 days' +%Y-%m-%d)" >/dev/null
"$G" request open erasure "$bob" >/dev/null
"$G" hold place "$bob" --reason "dossier contentieux 2026-17" >/dev/null
# Dan's hosted data is a customer's (WinBooks is its processor): his erasure request goes to that customer (Art. 28(3)(e)).
dan=$("$G" subject create --email dan.claes@example.be)
"$G" put "$dan" --activity cloud_hosting --client CLIENT-1 --category user.content.private.hosted --subject-category customer.cloud_user "dossier comptable 2025" >/dev/null
"$G" request open erasure "$dan" >/dev/null
"$G" event "$ana" contract_end >/dev/null
# Ana subscribed to the newsletter 13 months ago less 10 days: her consent expires within the month.
"$G" consent give "$ana" newsletter --channel web-form --at "$(date -u -d '-13 months +10 days' +%Y-%m-%dT%H:%M:%SZ)" >/dev/null

"$G" backup create >/dev/null   # the operator's nightly backup: erased data lives on in it until rotated out

start_server
echo "console at $B/console/"
rc=0
GD_BASE=$B GD_DPO_PASS=$DPO_PASS GD_DPO_SECRET=$DPO_SECRET GD_CLERK_PASS=$CLERK_PASS GD_SAM_PASS=$SAM_PASS \
GD_ANA=$ana GD_DAN=$dan GD_CHROMIUM=$CHROMIUM GD_PROFILE=$W/chromium GD_PIDFILE=$W/chromium.pid \
GD_SHOTS=${GD_SCREENSHOTS:-$GD_SOURCE_DIR/docs/console} GD_DOWNLOADS=$W/downloads \
	timeout -k 10 420 node "$here/console.test.mjs" || rc=$?
# chromium is closed by the test; if the test was killed, stop what it left.
if [ -s "$W/chromium.pid" ] && kill -0 "$(cat "$W/chromium.pid")" 2>/dev/null; then
	kill -KILL "$(cat "$W/chromium.pid")" 2>/dev/null || true
	echo "chromium was still running after the test" >&2
	rc=1
fi
if [ $rc -ne 0 ]; then
	echo "--- server's standard error:" >&2
	tail -n 40 "$W/err" >&2
	fail "console test failed ($rc)"
fi
stop_server

# ---- a support grant that ends by expiry, on the vault's fixed clock ----
# The server runs at T0 with a grant ending at T0 + 5 min; once the agent is in
# (expiry.test.mjs writes the signal), it is restarted on the same port at
# T0 + 10 min: within the session's idle timeout, past the grant's end.
T0=$(date -u +%Y-%m-%dT%H:%M:%SZ)
"$G" grant create sam --ops read --activities billing --until "$(date -u -d "$T0 + 5 minutes" +%Y-%m-%dT%H:%M:%SZ)" >/dev/null
ADMIN_TOKEN=$("$G" token create root | head -1)
start_server --now "$T0"
P0=$PORT
rm -f "$W/expiry" "$W/expiry.restarted" "$W/chromium.pid"
GD_BASE=$B GD_SAM_PASS=$SAM_PASS GD_ADMIN_TOKEN=$ADMIN_TOKEN GD_SIGNAL=$W/expiry GD_CHROMIUM=$CHROMIUM \
GD_PROFILE=$W/chromium-expiry GD_PIDFILE=$W/chromium.pid \
	timeout -k 10 180 node "$here/expiry.test.mjs" &
NODE_PID=$!
for _ in $(seq 1 1200); do   # at most 120 s for the agent to sign in
	[ -e "$W/expiry" ] && break
	kill -0 "$NODE_PID" 2>/dev/null || break
	sleep 0.1
done
if [ -e "$W/expiry" ]; then
	stop_server
	start_server --listen "127.0.0.1:$P0" --now "$(date -u -d "$T0 + 10 minutes" +%Y-%m-%dT%H:%M:%SZ)"
	[ "$PORT" = "$P0" ] || fail "the server came back on port $PORT, not $P0"
	touch "$W/expiry.restarted"
fi
rc=0
wait "$NODE_PID" || rc=$?
if [ -s "$W/chromium.pid" ] && kill -0 "$(cat "$W/chromium.pid")" 2>/dev/null; then
	kill -KILL "$(cat "$W/chromium.pid")" 2>/dev/null || true
	echo "chromium was still running after the expiry test" >&2
	rc=1
fi
if [ $rc -ne 0 ]; then
	echo "--- server's standard error:" >&2
	tail -n 40 "$W/err" >&2
	fail "expiry test failed ($rc)"
fi
stop_server
echo "console: ok"
