#!/usr/bin/env bash
# test_breach.sh — gardien breach from the command line: the 72-hour clock with
# --now, a late notification refused without reasons, the scope of a leaked
# service credential computed from the audit trail, and the drafts.
. "$(dirname "$0")/lib.sh"
set -e
sqlite_vault "$W/v.db"
export GARDIEN_NOW=2026-03-01T08:00:00Z GARDIEN_PRINCIPAL=cli:dpo

"$G" init --tenant acme >/dev/null
a=$("$G" subject create); b=$("$G" subject create); c=$("$G" subject create)
ra=$("$G" put "$a" --activity billing --category user.contact.email a@x)
rb=$("$G" put "$b" --activity billing --category user.contact.email b@x)
rc_=$("$G" put "$c" --activity billing --category user.financial.bank_account FR76)
# The leaked service reads A and B during the incident, C only before it.
GARDIEN_NOW=2026-03-01T09:00:00Z "$G" --as svc:export get "$rc_" --purpose billing >/dev/null
GARDIEN_NOW=2026-03-02T10:00:00Z "$G" --as svc:export get "$ra" --purpose billing >/dev/null
GARDIEN_NOW=2026-03-02T11:00:00Z "$G" --as svc:export get "$rb" --purpose billing >/dev/null
GARDIEN_NOW=2026-03-02T12:00:00Z "$G" get "$rc_" --purpose billing >/dev/null

export GARDIEN_NOW=2026-03-03T09:00:00Z
id=$("$G" breach record --json --nature confidentiality --detected 2026-03-03T08:00:00Z \
	--description "API token of svc:export published in a public repository" \
	--controller "ACME SAS" --contact "DPO, dpo@acme.example" --language fr | jq .id)
[ "$id" = 1 ] || fail "breach id $id"
"$G" breach list | grep -q "#1    open .*71h00 left to notify" || fail "clock: $("$G" breach list)"

out=$("$G" breach scope 1 --from 2026-03-02 --to 2026-03-03 --principal svc:export --json | tail -1)
[ "$(jq -c '[.subjects,.records,.categories,.accesses]' <<<"$out")" = "[2,2,1,2]" ] || fail "scope: $out"
subjects=$("$G" breach scope --from 2026-03-02 --to 2026-03-03 --principal svc:export --json |
	jq -r 'select(.kind=="subject") | .name' | sort | tr '\n' ' ')
[ "$subjects" = "$(printf '%s\n' "$a" "$b" | sort | tr '\n' ' ')" ] || fail "scope subjects: $subjects"

"$G" breach draft 1 | grep -q "Nombre approximatif de personnes concernées: 2" || fail "draft lacks the computed count"
"$G" breach draft 1 --language en --html | grep -q "<h2>(c) Likely consequences of the breach</h2>" || fail "html draft"

export GARDIEN_NOW=2026-03-06T12:00:00Z
"$G" breach show 1 | grep -q "overdue" || fail "not overdue after 76 hours"
set +e
"$G" breach notify 1 2>err; rc=$?
set -e
[ $rc = 2 ] || fail "late notification without reasons: exit $rc"
grep -q "72 hours" err || fail "message: $(cat err)"
"$G" breach notify 1 --delay-reason "scope established on day 3" | grep -q notified-late || fail "late notify"
"$G" breach draft 1 | grep -q "Motifs du retard: scope established on day 3" || fail "draft lacks delay reason"
[ "$("$G" audit list --json --action breach.notify | jq -r .reason)" = "breach 1: late, with reasons" ] || fail "not audited"
sqlite3 v.db "DELETE FROM breaches" 2>/dev/null && fail "a breach was deleted"

# With a register (Wimi's notice), the controller, its DPO and its language come from it.
sqlite_vault "$W/w.db"
"$G" init --tenant wimi --register "${GD_SOURCE_DIR:?}/examples/wimi.yml" >/dev/null
out=$("$G" breach record --json --nature availability --description "Serveur de fichiers chiffré par un rançongiciel")
[ "$(jq -r .controller <<<"$out")" = "Cloud Solutions (Wimi)" ] || fail "controller: $out"
[ "$(jq -r .contact <<<"$out")" = "Maître Eric Barbry, Cabinet Racine Avocats, dpo-wimi@racine.eu" ] || fail "contact: $out"
[ "$(jq -r .language <<<"$out")" = fr ] || fail "language: $out"
"$G" breach draft 1 | grep -q "^  Autorité de contrôle: CNIL" || fail "draft does not name the authority"
echo ok
