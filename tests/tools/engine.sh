# engine.sh — the storage engine a shell test runs on. Sourced by the test
# libraries. GD_ENGINE=pg (the pg: copies of the cli, server and scenario
# tests, tests/CMakeLists.txt) puts each test's vault in a fresh database of
# the PostgreSQL cluster that ctest's fixture started (GD_PG_DIR); otherwise
# the vault is an SQLite file in the test's folder.
#   gd_new_vault DIR     exports GARDIEN_VAULT (and GARDIEN_KEY for pg)
#   vault_sql SQL        runs SQL on the vault's database, prints rows a|b|c
GD_ENGINE=${GD_ENGINE:-sqlite}

gd_new_vault() {
	if [ "$GD_ENGINE" = pg ]; then
		: "${GD_PG_DIR:?GD_ENGINE=pg needs GD_PG_DIR (the ctest fixture sets it)}"
		local db=gd_$$_${RANDOM}_$(date +%s%N)
		createdb -h "$GD_PG_DIR" -U postgres "$db" || return 1
		export GARDIEN_VAULT="postgresql://postgres@/$db?host=$GD_PG_DIR"
		export GARDIEN_KEY=$1/vault.key
	else
		export GARDIEN_VAULT=$1/vault.db
		unset GARDIEN_KEY
	fi
}

vault_sql() {
	if [ "$GD_ENGINE" = pg ]; then
		psql -X -q -A -t -v ON_ERROR_STOP=1 "$GARDIEN_VAULT" -c "$1"
	else
		sqlite3 "$GARDIEN_VAULT" "$1"
	fi
}
