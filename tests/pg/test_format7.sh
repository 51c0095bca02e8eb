#!/usr/bin/env bash
# Format 7 on PostgreSQL (issue 14, Citus): a vault of format 6 — keys without
# tenant_id, four tables without the column — is converted at its next open.
# Every row is still there, the tenant_id filled from the row it hangs off
# (each table's rows compare equal, by digest, to those the vault had before
# it was set back to format 6; the audit trail, which every command extends,
# is verified instead), every key and unique constraint is then the
# one a new vault gets, and the vault works on: records read, a customer's
# records found, a request stepped, tokens listed, the trail verified. Last,
# a vault of an older schema loses the index that repeated subjects' key.
. "$(dirname "$0")/../lib.sh"
set -e
. "$GD_SOURCE_DIR/tests/tools/pg.sh"
cleanup() { pg_stop; }
at_exit cleanup

pg_start "$W"
psql_q() { pg_as "$PG_BIN/psql" -h "$PG_DIR" -U postgres -d "$1" -XAtq -v ON_ERROR_STOP=1 -c "$2"; }
R="$W/saas.yml"
cat >"$R" <<'YAML'
gardien_register: 2
controller: {name: CloudSoft SA, address: "3 quai Ouest, Lyon", country: FR}
dpo: {name: DPO}
rights: [{kind: access}, {kind: erasure}]
events:
  contract_end: the customer's contract ends
activities:
  - id: hosting
    name: Hosting of our customers' files
    role: processor
    on_behalf_of: each customer, as controller
    purposes: [essential.service]
    legal_basis: contract
    categories: [user.name]
    subjects: [customer]
    retention:
      - stages: [{action: delete, from: collection, after: 5 years}]
  - id: accounts
    name: Our own customer accounts
    role: controller
    purposes: [essential.service]
    legal_basis: contract
    categories: [user.name]
    subjects: [customer]
    retention:
      - stages: [{action: delete, from: contract_end, after: 1 year}]
YAML
export GARDIEN_KEY=$W/vault.key
fresh=$(pg_createdb f7fresh)
GARDIEN_VAULT=$fresh "$G" init --tenant cloud --country 33 --register "$R" >/dev/null
export GARDIEN_VAULT=$(pg_createdb f7)
rm -f "$GARDIEN_KEY"
"$G" init --tenant cloud --country 33 --register "$R" >/dev/null
"$G" tenant create other --country 33 >/dev/null
# Rows in every table that took a tenant_id, in both tenants.
for t in cloud other; do
	[ $t = other ] && "$G" --tenant other register load "$R" >/dev/null
	s=$("$G" --tenant $t subject create --email "ann@$t.example")
	"$G" --tenant $t put "$s" --activity hosting --category user.name --subject-category customer \
		--client "ACME-$t" "Ann of $t" >/dev/null
	"$G" --tenant $t put "$s" --activity accounts --category user.name --subject-category customer \
		--object "C-$t" "Ann's account at $t" >"$W/record-$t"
	"$G" --tenant $t event "$s" contract_end --object "C-$t" >/dev/null
	"$G" --tenant $t hold place "$s" --reason "litigation $t" >/dev/null
	"$G" --tenant $t request open access "$s" >/dev/null
	"$G" --tenant $t role set app --ops read --activities '*' >/dev/null
	"$G" --tenant $t user service "app-$t" --role app >/dev/null
	"$G" --tenant $t token create "app-$t" --expires 2099-01-01 >"$W/token-$t"
done
req=$("$G" --tenant other --json request list | jq -r '.[0].id')
"$G" --tenant other request verify "$req" --method email --evidence ref-1 >/dev/null

db=f7
tables=$(psql_q $db "SELECT string_agg(table_name, ' ' ORDER BY table_name) FROM information_schema.tables
	WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")
digests() {
	for t in $tables; do
		case $t in audit_*) continue ;; esac # the trail grows with every command
		psql_q $db "SELECT '$t:' || count(*) || ':' || coalesce(md5(string_agg(x, '|' ORDER BY x)), '')
			FROM (SELECT t::text AS x FROM $t t) s"
	done
}
constraints() {
	psql_q "$1" "SELECT string_agg(conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid), E'\n'
		ORDER BY conrelid::regclass::text, conname) FROM pg_constraint
		WHERE connamespace = current_schema()::regnamespace AND contype IN ('p', 'u')"
	# and the other indexes (PostgreSQL's own: gen-pg-schema.py, TENANT_LED and GLOBAL_LOOKUP)
	psql_q "$1" "SELECT string_agg(indexdef, E'\n' ORDER BY indexname) FROM pg_indexes
		WHERE schemaname = current_schema() AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key'"
}
for t in record_clients record_objects request_steps auth_tokens; do
	[ "$(psql_q $db "SELECT count(DISTINCT tenant_id) FROM $t WHERE tenant_id > 0")" = 2 ] ||
		fail "$t: rows of both tenants expected"
done
before=$(digests)
[ "$(constraints f7)" = "$(constraints f7fresh)" ] || fail "a new vault's keys differ"

# Format 6: each key as it was (SQLite's), no tenant_id in the four tables.
rekey() { # table, format-6 key
	psql_q $db "ALTER TABLE $1 DROP CONSTRAINT $1_pkey, ADD PRIMARY KEY ($2)"
}
for t in subjects records breaches consents requests outbox holds auth_roles auth_principals \
	auth_tokens auth_grants; do
	rekey $t id
done
for t in record_clients record_objects retention_due; do rekey $t record_id; done
rekey directives subject_id
rekey subject_limits "subject_id, kind, activity"
rekey request_steps "request_id, seq"
rekey events "subject_id, name"
rekey object_events "subject_id, object, name"
psql_q $db "ALTER TABLE subjects DROP CONSTRAINT subjects_tenant_id_pseudonym_key, ADD UNIQUE (pseudonym);
	ALTER TABLE auth_tokens DROP CONSTRAINT auth_tokens_tenant_id_hash_key, ADD UNIQUE (hash);
	ALTER TABLE record_clients DROP COLUMN tenant_id; ALTER TABLE record_objects DROP COLUMN tenant_id;
	ALTER TABLE request_steps DROP COLUMN tenant_id; ALTER TABLE auth_tokens DROP COLUMN tenant_id;
	DROP INDEX records_subject; CREATE INDEX records_subject ON records (subject_id); DROP INDEX auth_tokens_hash;
	UPDATE meta SET value = convert_to('6', 'UTF8') WHERE key = 'format'"
[ "$(constraints f7)" != "$(constraints f7fresh)" ] || fail "the vault was not set back"

# The next open converts it.
"$G" --tenant cloud subject list >/dev/null || fail "the format-6 vault does not open"
[ "$(psql_q $db "SELECT convert_from(value, 'UTF8') FROM meta WHERE key = 'format'")" = 7 ] ||
	fail "format not 7 after the open"
[ "$(constraints f7)" = "$(constraints f7fresh)" ] ||
	fail "keys after the conversion differ from a new vault's: $(diff <(constraints f7) <(constraints f7fresh))"
after=$(digests)
[ "$before" = "$after" ] || fail "rows changed: $(diff <(echo "$before") <(echo "$after"))"

# It works on, in both tenants.
for t in cloud other; do
	"$G" --tenant $t get "$(cat "$W/record-$t")" --purpose accounts | grep -q "account at $t" ||
		fail "the record of $t unreadable"
	"$G" --tenant $t --json client erase "ACME-$t" | jq -e '.deleted + .held == 1' >/dev/null ||
		fail "the customer ACME-$t's record not found"
	"$G" --tenant $t --json token list | jq -e ".principal == \"app-$t\"" >/dev/null || fail "token of $t"
done
"$G" --tenant other request start "$req" >/dev/null || fail "request step after the conversion"
[ "$(psql_q $db "SELECT count(*) FROM request_steps s JOIN requests q ON q.id = s.request_id
	AND q.tenant_id = s.tenant_id WHERE q.id = $req")" -ge 2 ] || fail "request steps"
"$G" audit verify >/dev/null || fail "audit verify after the conversion: $("$G" audit verify 2>&1)"

# Format 5 (before erasure epochs): no tenants.epoch_seconds. The step that
# adds it asks the catalogue; a failed probe would abort PostgreSQL's
# transaction and the whole conversion with it.
psql_q $db "ALTER TABLE tenants DROP COLUMN epoch_seconds;
	UPDATE meta SET value = convert_to('5', 'UTF8') WHERE key = 'format'"
"$G" --tenant cloud subject list >/dev/null || fail "a format-5 vault does not open"
[ "$(psql_q $db "SELECT convert_from(value, 'UTF8') FROM meta WHERE key = 'format'")" = 7 ] ||
	fail "format not 7 after opening a format-5 vault"
[ "$(psql_q $db "SELECT bool_and(epoch_seconds = 604800) AND count(*) >= 2 FROM tenants")" = t ] ||
	fail "epoch_seconds not added with its default"
# A schema of an older build (another digest in meta.pg_schema) with the
# index that repeated subjects' primary key: the next open applies this
# build's schema, which drops it.
psql_q $db "CREATE INDEX subjects_tenant ON subjects (tenant_id, id);
	UPDATE meta SET value = convert_to('older', 'UTF8') WHERE key = 'pg_schema'"
"$G" --tenant cloud subject list >/dev/null || fail "a vault of an older schema does not open"
[ "$(psql_q $db "SELECT to_regclass('subjects_tenant') IS NULL")" = t ] ||
	fail "subjects_tenant, which repeats the primary key, is still there"
[ "$(psql_q $db "SELECT convert_from(value, 'UTF8') <> 'older' FROM meta WHERE key = 'pg_schema'")" = t ] ||
	fail "the schema's digest not updated"
echo "formats 6 and 5 to 7 on PostgreSQL: ok"
