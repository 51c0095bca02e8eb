#!/usr/bin/env bash
# test_lists.sh — keyset paging of the lists the router pages (issue 20):
# a change made between two pages (an item added before the cursor, one
# removed from a page already read) neither repeats nor skips an item; the
# cursor is opaque, checked and bounded. And the outbox's forward:* notices
# (requests on data held as a processor) are what the OpenAPI document says.
. "$(dirname "$0")/lib.sh"
setup_vault
"$G" --tenant acme register load "$GD_SOURCE_DIR/examples/iporta.yml" >/dev/null
start_server
T=/v1/tenants/acme

# walk PATH IDEXPR CHANGE: reads PATH (which may hold a query) two items a
# page; CHANGE (a shell function) runs after the first page. Every item that
# was in the list before CHANGE and still is after must be seen exactly once.
walk() {
	local path=$1 id=$2 change=$3 sep=? list cur seen before after
	[[ $path == *\?* ]] && sep='&'
	req GET "$path${sep}limit=1000" "$TADMIN"; expect_status 200
	list=$(jq -r 'to_entries[] | select(.value | type == "array") | .key' <<<"$BODY" | head -1)
	before=$(jq -r ".$list[] | $id" <<<"$BODY" | sort)
	[ "$(wc -l <<<"$before")" -ge 3 ] || die "$path: too few items to page ($before)"
	req GET "$path${sep}limit=2" "$TADMIN"; expect_status 200
	seen=$(jq -r ".$list[] | $id" <<<"$BODY")
	cur=$(jq -r '.next_cursor // empty' <<<"$BODY")
	[ -n "$cur" ] || die "$path: no next_cursor after a first page of 2"
	$change
	while [ -n "$cur" ]; do
		req GET "$path${sep}limit=2&cursor=$cur" "$TADMIN"; expect_status 200
		seen+=$'\n'$(jq -r ".$list[] | $id" <<<"$BODY")
		cur=$(jq -r '.next_cursor // empty' <<<"$BODY")
	done
	seen=$(sed '/^$/d' <<<"$seen" | sort)
	req GET "$path${sep}limit=1000" "$TADMIN"; expect_status 200
	after=$(jq -r ".$list[] | $id" <<<"$BODY" | sort)
	local dup
	dup=$(uniq -d <<<"$seen")
	[ -z "$dup" ] && ok || fail "$path: seen twice across pages after $change: $dup"
	local missed
	missed=$(comm -12 <(echo "$before") <(echo "$after") | comm -23 - <(echo "$seen"))
	[ -z "$missed" ] && ok || fail "$path: skipped across pages after $change: $missed"
}

# roles, by name: one added before the cursor ("aaa" sorts first)
for r in ops1 ops2 ops3 ops4; do
	req PUT "$T/roles/$r" "$TADMIN" '{"ops":"read","activities":"*"}'; expect_status 200
done
add_role_first() { req PUT "$T/roles/aaa" "$TADMIN" '{"ops":"read","activities":"*"}'; expect_status 200; }
walk "$T/roles" .name add_role_first

# principals, by name
for u in mia noor; do
	req POST "$T/users" "$TADMIN" "{\"name\":\"$u\",\"role\":\"ops1\",\"password\":\"a long enough password 1\"}"; expect_status 201
done
add_user_first() { req POST "$T/users" "$TADMIN" '{"name":"aardvark","role":"ops1","password":"a long enough password 1"}'; expect_status 201; }
walk "$T/principals" .name add_user_first

# records of a subject, by id: one of the first page deleted, one added
req POST "$T/subjects" "$TADMIN" '{}'; expect_status 201
S=$(jq -r .subject <<<"$BODY")
for v in a b c d e; do
	req POST "$T/subjects/$S/records" "$TADMIN" "{\"activity\":\"contact_requests\",\"category\":\"user.contact.email\",\"subject_category\":\"visitor\",\"value\":\"$v@example.be\"}"
	expect_status 201
done
req GET "$T/subjects/$S/records?purpose=contact_requests&limit=1" "$TADMIN"; expect_status 200
FIRST=$(jq -r '.records[0].id' <<<"$BODY")
change_records() {
	req DELETE "$T/records/$FIRST" "$TADMIN"; expect_status 200
	req POST "$T/subjects/$S/records" "$TADMIN" '{"activity":"contact_requests","category":"user.contact.email","subject_category":"visitor","value":"f@example.be"}'
	expect_status 201
}
walk "$T/subjects/$S/records?purpose=contact_requests" .id change_records

# tokens, by id: one added while paging
add_token() { req POST "$T/tokens" "$TADMIN" '{"principal":"app"}'; expect_status 201; }
add_token; add_token
walk "$T/tokens" .id add_token

# breaches, by id
add_breach() { req POST "$T/breaches" "$TADMIN" '{"nature":"confidentiality","description":"lost laptop"}'; expect_status 201; }
add_breach; add_breach; add_breach
walk "$T/breaches" .id add_breach

# consents of a subject: events keyed by time, id and activity
for a in visitor_prospection business_prospection visitor_prospection; do
	req PUT "$T/subjects/$S/consents/$a" "$TADMIN" '{"channel":"web-form"}'; expect_status 201
done
give_consent() { req PUT "$T/subjects/$S/consents/business_prospection" "$TADMIN" '{"channel":"paper"}'; expect_status 201; }
walk "$T/subjects/$S/consents" '"\(.at) \(.id) \(.activity) \(.event)"' give_consent

# ---- the cursor: opaque, checked, bounded ----
req GET "$T/roles?limit=2" "$TADMIN"; expect_status 200
CUR=$(jq -r .next_cursor <<<"$BODY")
[[ $CUR =~ ^[0-9a-f]+$ ]] && ok || fail "cursor not opaque hex: $CUR"
req GET "$T/principals?cursor=$CUR" "$TADMIN"; expect_status 400 bad_cursor   # another list's
req GET "$T/roles?cursor=${CUR}00" "$TADMIN"; expect_status 400 bad_cursor    # tampered
req GET "$T/roles?cursor=$(printf 'v2|listRoles|[1,2]' | od -An -tx1 | tr -d ' \n')" "$TADMIN"; expect_status 400 bad_cursor
req GET "$T/roles?cursor=$(printf 'v1|listRoles|2' | od -An -tx1 | tr -d ' \n')" "$TADMIN"; expect_status 400 bad_cursor
req GET "$T/roles?cursor=$(head -c 2000 /dev/zero | tr '\0' a)" "$TADMIN"; expect_status 400 bad_cursor
# a cursor made by hand with a valid key is only a position in the order
req GET "$T/roles?cursor=$(printf 'v2|listRoles|["ops2"]' | od -An -tx1 | tr -d ' \n')" "$TADMIN"; expect_status 200
expect_eq "$(jq -r '[.roles[].name] | join(" ")' <<<"$BODY")" "ops3 ops4" "roles after ops2"

# ---- forward:* outbox notices, as the document says ----
stop_server
U=$("$G" --tenant acme subject create --email user@client.example)
"$G" --tenant acme put "$U" --activity processor_services --client CLIENT-42 --category user.contact.email \
	--subject-category customer.user user@client.example >/dev/null
"$G" --tenant acme request open erasure "$U" >/dev/null
start_server
req GET /v1/openapi.json; expect_status 200
DOC=$BODY
req GET "$T/outbox" "$TADMIN"; expect_status 200
notice=$(jq -c '[.notices[] | select(.action | startswith("forward:"))][0]' <<<"$BODY")
expect_eq "$(jq -r '.recipient + " " + .action' <<<"$notice")" "CLIENT-42 forward:erasure" "the request forwarded"
pattern=$(jq -r '.components.schemas.OutboxNotice.properties.action.pattern' <<<"$DOC")
jq -e --arg p "$pattern" '.action | test($p)' <<<"$notice" >/dev/null && ok || fail "forward:erasure does not match the documented pattern $pattern"
for f in $(jq -r '.components.schemas.OutboxNotice.required[]' <<<"$DOC"); do
	jq -e --arg f "$f" 'has($f)' <<<"$notice" >/dev/null && ok || fail "notice lacks the documented field $f: $notice"
done
for f in $(jq -r 'keys[]' <<<"$notice"); do
	jq -e --arg f "$f" '.components.schemas.OutboxNotice.properties | has($f)' <<<"$DOC" >/dev/null && ok ||
		fail "notice field $f is not documented"
done
finish
