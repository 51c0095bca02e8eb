#!/usr/bin/env bash
# A demo vault: a tenant, a customer with identifiers, records, a refused read,
# and an erasure. Run by scripts/run.sh; GARDIEN may name another binary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
G=${GARDIEN:-$root/build/gardien}
dir=${DEMO_DIR:-$root/demo}
mkdir -p "$dir"
export GARDIEN_VAULT=$dir/demo.db
if [ ! -f "$GARDIEN_VAULT" ]; then
  "$G" init --tenant winbooks --country 32
fi
echo "== a customer, found by identifiers written differently"
s=$("$G" subject create --email " Ana.Peeters@Example.BE " --phone "0470 12 34 56" --id customer_number=WB-1042)
echo "subject: $s"
"$G" subject find email ana.peeters@example.be
"$G" subject find phone "+32 470 12 34 56"
echo "== records, sealed under the customer's key"
"$G" put "$s" --activity billing --category user.contact.email ana.peeters@example.be
"$G" put "$s" --activity billing --category user.financial.bank_account --json-value '{"iban":"BE71 0961 2345 6769"}'
"$G" subject show "$s" --purpose billing
echo "== a read for another purpose is refused and audited"
"$G" subject show "$s" --purpose marketing || true
echo "== nothing in clear in the database file"
if grep -c "ana.peeters" "$GARDIEN_VAULT" "$GARDIEN_VAULT-wal" 2>/dev/null | grep -v ':0$'; then
  echo "plaintext found!" >&2; exit 1
else
  echo "no plaintext email in $GARDIEN_VAULT"
fi
echo "== erasure by crypto-shredding"
"$G" erase "$s"
"$G" subject find email ana.peeters@example.be || true
