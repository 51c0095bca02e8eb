# test_register_directives.sh — post-mortem directives (issue 18 item 12,
# French law 78-17 art. 85) on Wimi's notice (§16 offers them): a subject
# records what becomes of their data and whom they designate; once the death
# is established the directive is applied once — the copy handed to the
# designated person, or the data erased — and every step is audited.
. "$(dirname "$0")/lib.sh"
setup wimi wimi
S=$("$GARDIEN" subject create --email jeanne@example.fr) || fail "subject"
E=$(put "$S" --activity subscription --category user.contact.email --subject-category customer "jeanne@example.fr")
expect_gardien 3 "no directive yet" -- directive show "$S"
expect_gardien 0 "a directive to hand the data over" -- directive set "$S" --designated "Paul Martin" --contact paul@example.fr --wish transmit \
	--text "que mon fils reçoive mes données"
expect_gardien 0 "show" -- --json directive show "$S"
echo "$OUT" | jq -e '.wish == "transmit" and .designated == "Paul Martin" and .contact == "paul@example.fr" and .applied_at == null' >/dev/null ||
	fail "the directive as recorded: $OUT"
# Sealed: neither the designated person nor the words are in the vault file in clear.
if [ "$GD_ENGINE" = pg ]; then
	CLEAR="SELECT count(*) FROM directives WHERE position(convert_to('Paul Martin', 'UTF8') in sealed) > 0"
else
	CLEAR="SELECT count(*) FROM directives WHERE instr(sealed, 'Paul Martin') > 0"
fi
[ "$(vault_sql "SELECT count(*) FROM directives")" = 1 ] && [ "$(vault_sql "$CLEAR")" = 0 ] ||
	fail "the designated person is stored in clear, or not at all"
expect_gardien 2 "transmit needs a file for the copy" -- directive apply "$S"
expect_gardien 0 "applied after the death" -- directive apply "$S" --output "$WORK/copy.json"
expect_out "transmit, copy written to"
[ "$(stat -c %a "$WORK/copy.json")" = 600 ] || fail "the copy is readable by its owner only"
jq -e '.records[] | select(.value == "jeanne@example.fr")' "$WORK/copy.json" >/dev/null || fail "the copy holds the subject's data"
expect_gardien 7 "applied once" -- directive apply "$S" --output "$WORK/copy2.json"
expect_out "was applied on"
[ ! -e "$WORK/copy2.json" ] || fail "a refused apply left a file"
AUDIT=$("$GARDIEN" audit list --json)
for a in directive.set directive.read directive.apply; do
	echo "$AUDIT" | jq -se --arg a "$a" "any(.[]; .action == \$a)" >/dev/null || fail "$a is not audited: $AUDIT"
done

# A directive to erase: applied, the subject is gone.
T=$("$GARDIEN" subject create --email marc@example.fr) || fail "subject 2"
F=$(put "$T" --activity subscription --category user.contact.email --subject-category customer "marc@example.fr")
expect_gardien 0 "a directive to erase" -- directive set "$T" --designated "Anne Dubois" --contact "+33 6 00 00 00 00" --wish erase
expect_gardien 0 "applied" -- directive apply "$T"
expect_gardien 3 "erased" -- get "$F" --purpose subscription
expect_gardien 3 "the directive went with the subject" -- directive show "$T"
expect_gardien 2 "a wish that is not one" -- directive set "$S" --designated X --contact Y --wish burn

# Where the register does not offer them, they are refused with its reason.
cat >"$WORK/r.yml" <<'YAML'
gardien_register: 2
controller: {name: Boutique SAS, address: "1 rue de la Paix", country: FR}
dpo: {name: DPO}
rights:
  - {kind: post_mortem, offered: false, reason: "the shop keeps no data after an account is closed"}
activities:
  - id: billing
    name: Billing
    role: controller
    purposes: [essential.service.payment_processing]
    legal_basis: contract
    categories: [user.contact.email]
    subjects: [customer]
    retention:
      - stages: [{action: delete, from: collection, after: 1 year}]
YAML
expect_gardien 0 "a second tenant" -- tenant create shop
expect_gardien 0 "its register" -- --tenant shop register load "$WORK/r.yml"
U=$("$GARDIEN" --tenant shop subject create --email lea@example.fr) || fail "subject 3"
expect_gardien 4 "not offered" -- --tenant shop directive set "$U" --designated X --contact Y --wish keep
expect_out "post-mortem directives are not offered: the shop keeps no data after an account is closed"
finish
