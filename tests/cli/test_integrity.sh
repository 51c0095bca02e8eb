#!/usr/bin/env bash
# test_integrity.sh — every stored field that decides enforcement is
# authenticated (issue 16 item 5): each metadata column of a record (activity,
# category, subject category, collection time, stage, subject link) and each
# identifier's link to its subject, edited with sqlite3 (psql on the PostgreSQL
# engine), is detected by `gardien vault verify` (exit 5, the row named) and at
# read (exit 5).
source "$(dirname "$0")/lib.sh"
export GARDIEN_TENANT=acme GARDIEN_NOW=2026-03-02T09:00:00Z
G init --tenant acme --country 33 >/dev/null
s=$(G subject create --email jeanne@example.org)
t=$(G subject create --email paul@example.org)
r=$(G --json put "$s" --activity billing --category user.financial.bank_account --subject-category customer \
	"FR76 3000 6000" | jq -r .record)
G put "$t" --activity billing --category user.contact.email "paul@example.org" >/dev/null
expect_code 0 G vault verify
expect_match "$out" "vault intact: 2 subject\(s\), 2 record\(s\), 2 identifier\(s\) checked, 0 damaged"
if [ "$GD_ENGINE" = pg ]; then
	# The pristine vault is a template database; each edit starts from a new copy of it.
	db=${GARDIEN_VAULT#postgresql://*/}
	db=${db%%\?*}
	createdb -h "$GD_PG_DIR" -U postgres -T "$db" "${db}_pristine"
	restore_pristine() {
		dropdb -h "$GD_PG_DIR" -U postgres "$db" || fail "cannot drop the edited vault"
		createdb -h "$GD_PG_DIR" -U postgres -T "${db}_pristine" "$db"
	}
else
	cp "$GARDIEN_VAULT" "$T/pristine.db"
	restore_pristine() {
		cp "$T/pristine.db" "$GARDIEN_VAULT"
		rm -f "$GARDIEN_VAULT-wal" "$GARDIEN_VAULT-shm"
	}
fi
tid=$(vault_sql "SELECT id FROM subjects WHERE pseudonym = '$t'")

# edit SQL: a fresh copy of the vault, the edit applied behind gardien's back.
edit() {
	restore_pristine
	vault_sql "$1" >/dev/null
}

for change in "activity = 'marketing'" "category = 'user.contact.email'" "subject_category = 'prospect'" \
	"subject_category = NULL" "collected_at = collected_at + 86400" "stage = 1" "subject_id = $tid"; do
	edit "UPDATE records SET $change WHERE id = $r"
	expect_code 5 G vault verify
	expect_match "$err" "damaged: tenant acme, records row $r: metadata changed outside gardien" "verify after $change"
	expect_match "$out" "vault damaged: .* 1 damaged" "verify summary after $change"
	expect_code 5 G get "$r" --purpose billing
	expect_match "$err" "record $r: its metadata .* was changed outside gardien|failed authentication" "read after $change"
done
# JSON lists the damaged rows.
edit "UPDATE records SET activity = 'marketing' WHERE id = $r"
expect_code 5 G --json vault verify
expect_eq "$(jq -r '.rows[0].table + " " + (.rows[0].id|tostring)' <<<"$out")" "records $r" "json row"
# The subject's access export refuses to report metadata that was edited.
expect_code 0 G request open access "$s"
expect_code 0 G request verify 1 --method id-card --evidence scan-1
expect_code 5 G request export 1 --format json
expect_match "$err" "record $r: its metadata"

# The identifier of Jeanne pointed at Paul: a look-up refuses it.
edit "UPDATE identifiers SET subject_id = $tid WHERE subject_id = (SELECT id FROM subjects WHERE pseudonym = '$s')"
expect_code 5 G vault verify
expect_match "$err" "damaged: tenant acme, identifiers row $tid"
expect_code 5 G subject find email jeanne@example.org
expect_match "$err" "changed outside gardien"
edit "UPDATE identifiers SET kind = 'phone' WHERE subject_id = $tid"
expect_code 5 G vault verify
# A subject's data key swapped with another's.
edit "UPDATE subjects SET wrapped_key = (SELECT wrapped_key FROM subjects WHERE id = $tid) WHERE pseudonym = '$s'"
expect_code 5 G vault verify
expect_match "$err" "subjects row .*: data key fails authentication"

# The pristine vault verifies, and the verification is audited.
edit "SELECT 1"
expect_code 0 G vault verify
expect_eq "$("${AUDIT_SQL:?}" "$GARDIEN_VAULT" "SELECT count(*) FROM audit WHERE tenant_id = 0 AND action = 'vault.verify'")" 2 \
	"vault.verify audited (the first run, in the copy, and this one)"
finish
