# test_register_schema.sh — docs/register.schema.json, the JSON Schema
# editors validate and complete registers with, is kept in step with the
# parser: for every mapping of the format, the keys the parser accepts (it
# lists them when it meets an unknown one) are the schema's properties, and
# the example registers and the format 2 test registers validate against the
# schema (ajv, pinned in tests/tools/js).
set -u
: "${GARDIEN:?}" "${GD_SOURCE_DIR:?}"
W=$(mktemp -d "${TMPDIR:-/tmp}/gdschema-XXXXXX")
trap 'rm -rf "$W"' EXIT
FAILS=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
SCHEMA="$GD_SOURCE_DIR/docs/register.schema.json"
jq -e . "$SCHEMA" >/dev/null || { echo "FAIL: the schema is not JSON" >&2; exit 1; }

# A format 2 register using every mapping of the format, each holding a @NAME@
# marker where an unknown key is put.
cat >"$W/base.yml" <<'YAML'
gardien_register: 2
@top@controller: {@controller@name: ACME}
dpo: {@person@name: DPO}
authority: {@authority@name: CNIL}
notice: {@notice@url: "https://acme.example/privacy"}
rights_contact: {@rights_contact@email: dpo@acme.example}
controls: {@controls@lockout_after: 5, mfa_roles: [dpo], support_access: on_request}
backups: {@backups@daily_days: 7, weekly_weeks: 4, monthly_months: 3, country: FR}
taxonomy: {@taxonomy@data_categories: [{@term@key: user.contact.email.work, beneath: user.contact.email}]}
events: {contract_end: the contract ends}
activities:
  - {@activity@id: billing, name: Billing, role: controller, purposes: [essential.service], legal_basis: consent,
     consent: {@consent@text: "I agree"}, categories: [user.contact.email], subjects: [customer],
     mandatory: {@mandatory@categories: [user.contact.email], if_absent: no invoice},
     recipients: [{@party@name: Bank, country: FR}],
     processors: [{name: MailCo, country: JP, contract: {@contract@date: "2024-01-01"},
                   sub_processors: [{name: Cloud, country: IE, contract: {date: "2024-01-01"}}]}],
     joint_controllers: [{@joint@name: Partner, arrangement: "we answer the requests"}],
     dpia: {@dpia@date: "2024-02-01", outcome: no_high_risk},
     transfers: [{@transfer@recipient: MailCo, country: JP, safeguard: adequacy}],
     retention: [{@retention@minimum: {@minimum@from: collection, after: 1 year},
                  stages: [{@stage@action: delete, from: collection, after: 2 years}]}]}
  - {id: support, name: Support, role: controller, purposes: [essential.service], legal_basis: contract,
     categories: [user.contact.email], subjects: [customer],
     reads_from: [{@reads_from@activity: billing, compatibility: "same customer"}]}
rights: [{@right@kind: access, channels: [email], fee: free, identity: "none"}]
cookies: {@cookies@text: "our cookie policy", list: [{@cookie@name: visit, activity: billing, lifetime: 13 months}]}
YAML
sed 's/@[a-z_]*@//g' "$W/base.yml" >"$W/clean.yml"
"$GARDIEN" register check "$W/clean.yml" >/dev/null 2>&1 || fail "the probe register is not valid: $("$GARDIEN" register check "$W/clean.yml" 2>&1)"

# marker → where its properties are in the schema
while read -r marker path; do
	sed -e "s/@$marker@/zzzzzzzzzzzzzzzz: 1, /" -e 's/@[a-z_]*@//g' "$W/base.yml" >"$W/probe.yml"
	[ "$marker" = top ] && sed -i 's/^zzzzzzzzzzzzzzzz: 1, /zzzzzzzzzzzzzzzz: 1\n/' "$W/probe.yml"
	MSG=$("$GARDIEN" --json register check "$W/probe.yml" | jq -r '.findings[] | select(.message | test("unknown key \"zzzz")) | .message')
	case "$MSG" in *"the keys are "*) ;; *) fail "$marker: no list of keys from the parser: $MSG"; continue ;; esac
	PARSER=$(printf '%s\n' "${MSG##*the keys are }" | tr ',' '\n' | sed 's/^ *//' | sort | tr '\n' ' ')
	SCHEMA_KEYS=$(jq -r "$path | keys[]" "$SCHEMA" | sort | tr '\n' ' ')
	[ "$PARSER" = "$SCHEMA_KEYS" ] || fail "$marker: parser keys [$PARSER] differ from the schema's [$SCHEMA_KEYS]"
done <<'EOF2'
top .properties
controller .properties.controller.properties
person ."$defs".person.properties
authority .properties.authority.properties
notice .properties.notice.properties
rights_contact .properties.rights_contact.oneOf[1].properties
taxonomy .properties.taxonomy.properties
term ."$defs".term.properties
activity ."$defs".activity.properties
consent ."$defs".activity.properties.consent.properties
mandatory ."$defs".activity.properties.mandatory.properties
party ."$defs".party.properties
transfer ."$defs".transfer.properties
retention ."$defs".retention.properties
minimum ."$defs".minimum.properties
stage ."$defs".stage.properties
reads_from ."$defs".reads_from.properties
right ."$defs".right.properties
contract ."$defs".party.properties.contract.properties
joint ."$defs".activity.properties.joint_controllers.items.properties
dpia ."$defs".activity.properties.dpia.properties
controls .properties.controls.properties
backups ."$defs".backups.properties
cookies .properties.cookies.properties
cookie ."$defs".cookie.properties
EOF2
# The enumerations the parser states in its errors are the schema's.
sed 's/legal_basis: consent,/legal_basis: zzzz,/' "$W/clean.yml" >"$W/probe.yml"
MSG=$("$GARDIEN" --json register check "$W/probe.yml" | jq -r '.findings[] | select(.message | test("must be one of")) | .message')
[ "$(printf '%s\n' "${MSG##*must be one of }" | tr ',' '\n' | sed 's/^ *//' | sort | tr '\n' ' ')" = \
	"$(jq -r '."$defs".activity.properties.legal_basis.enum[]' "$SCHEMA" | sort | tr '\n' ' ')" ] || fail "legal bases differ: $MSG"
sed 's/safeguard: adequacy/safeguard: zzzz/' "$W/clean.yml" >"$W/probe.yml"
MSG=$("$GARDIEN" --json register check "$W/probe.yml" | jq -r '.findings[] | select(.message | test("must be one of")) | .message')
[ "$(printf '%s\n' "${MSG##*must be one of }" | tr ',' '\n' | sed 's/^ *//' | sort | tr '\n' ' ')" = \
	"$(jq -r '."$defs".transfer.properties.safeguard.enum[]' "$SCHEMA" | sort | tr '\n' ' ')" ] || fail "safeguards differ: $MSG"

# The annotated example of docs/register.md is a valid register.
awk '/^## An annotated example/{f=1} f&&/^```yaml/{g=1;next} g&&/^```/{exit} g' "$GD_SOURCE_DIR/docs/register.md" >"$W/annotated.yml"
OUT=$("$GARDIEN" register check "$W/annotated.yml" 2>&1) || fail "the annotated example of docs/register.md is not valid: $OUT"

# Every register the suite plays validates against the schema (a real JSON
# Schema validator over the YAML read by a real YAML parser).
. "$GD_SOURCE_DIR/tests/tools/js_tools.sh"
if js_tools; then
	OUT=$(node "$GD_SOURCE_DIR/tests/tools/validate_schema.js" "$SCHEMA" "$W/clean.yml" "$W/annotated.yml" "$GD_SOURCE_DIR"/examples/*.yml \
		"$GD_SOURCE_DIR/tests/fuzz/corpus/register/format2.yml" "$GD_SOURCE_DIR/tests/fuzz/corpus/register/format2-minimum.yml" 2>&1) ||
		fail "registers that gardien accepts fail the schema: $OUT"
	# And a register the parser refuses for an unknown key fails it too.
	sed -e "s/@activity@/zzzzzzzzzzzzzzzz: 1, /" -e 's/@[a-z_]*@//g' "$W/base.yml" >"$W/bad.yml"
	node "$GD_SOURCE_DIR/tests/tools/validate_schema.js" "$SCHEMA" "$W/bad.yml" >/dev/null 2>&1 && fail "the schema accepts an unknown key"
else
	fail "the JavaScript tools (npm ci in tests/tools/js) could not be installed"
fi
[ "$FAILS" -eq 0 ] || { echo "$FAILS check(s) failed" >&2; exit 1; }
echo ok
