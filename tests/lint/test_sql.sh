#!/usr/bin/env bash
# test_sql.sh — the storage rules the build cannot check (docs/FORMAT.md, HACKING.md):
#  1. each table has one owning module, named by the "-- owner: MODULE" line
#     above its CREATE TABLE in the SQLite schema (src/lib/store/sqlite/*.sql);
#     only files under src/lib/MODULE/ write to it (INSERT, UPDATE, DELETE, DDL);
#  2. SQL outside the storage engines (src/lib/store/) stays within the
#     portable subset SQLite and PostgreSQL both accept: no INSERT OR …,
#     REPLACE, numbered or named parameters, SQLite functions or pragmas.
# SQL is every C string literal (adjacent literals joined) of src/lib that
# starts with an SQL verb. Reads of another module's tables are allowed.
set -euo pipefail
root=${GD_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"

fail=0
complain() { echo "test_sql: $*" >&2; fail=1; }

# table -> owner, from the schema files.
declare -A owner
while IFS=' ' read -r table mod; do
	owner[$table]=$mod
done < <(awk '
	/^-- owner:/ { pending = $3; next }
	/^CREATE (TEMP )?(TABLE|VIEW) IF NOT EXISTS/ {
		name = $0
		sub(/^CREATE (TEMP )?(TABLE|VIEW) IF NOT EXISTS +/, "", name)
		sub(/[ (].*/, "", name)
		if (pending == "") { printf "%s -\n", name } else { printf "%s %s\n", name, pending }
		pending = ""
		next
	}
	/^[^-]/ { pending = "" }
' src/lib/store/sqlite/*.sql)
for t in "${!owner[@]}"; do
	[[ ${owner[$t]} == - ]] &&
		complain "table $t has no owner: put a line \"-- owner: MODULE\" (a folder of src/lib) right above its CREATE in src/lib/store/sqlite/"
done

# Every SQL string of the modules: "file<TAB>line<TAB>sql".
extract() {
	awk '
	function flush() {
		if (grp != "" && grp ~ /^[ \t]*(SELECT|INSERT|UPDATE|DELETE|REPLACE|WITH|CREATE|DROP|ALTER|PRAGMA|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)[ \t(]/)
			printf "%s\t%d\t%s\n", FILENAME, gline, grp
		grp = ""; open = 0
	}
	FNR == 1 { flush(); state = 0 }
	{
		line = $0; n = length(line); i = 1
		if (state == 0 && line ~ /^[ \t]*#/) next   # preprocessor: #include "..."
		while (i <= n) {
			c = substr(line, i, 1)
			if (state == 1) {                    # inside /* */
				if (c == "*" && substr(line, i + 1, 1) == "/") { state = 0; i += 2 } else i++
				continue
			}
			if (state == 2) {                    # inside "..."
				if (c == "\\") { cur = cur substr(line, i + 1, 1); i += 2; continue }
				if (c == "\"") { state = 0; grp = grp cur; open = 1; i++; continue }
				cur = cur c; i++; continue
			}
			if (state == 3) {                    # inside a character constant
				if (c == "\\") { i += 2; continue }
				if (c == "\047") state = 0
				i++; continue
			}
			if (c == "/" && substr(line, i + 1, 1) == "*") { state = 1; i += 2; continue }
			if (c == "/" && substr(line, i + 1, 1) == "/") break
			if (c == "\"") { if (!open) gline = FNR; state = 2; cur = ""; i++; continue }
			if (c == "\047") { flush(); state = 3; i++; continue }
			if (c != " " && c != "\t") flush()
			i++
		}
	}
	END { flush() }
	' "$@"
}

mapfile -t files < <(find src/lib -name '*.c' -not -path 'src/lib/store/*' | sort)
sqlfile=$(mktemp)
trap 'rm -f "$sqlfile"' EXIT
extract "${files[@]}" >"$sqlfile"
nsql=0
# 1. writes only by the owner
while IFS=$'\t' read -r file line sql; do
	nsql=$((nsql + 1))
	mod=${file#src/lib/}
	mod=${mod%%/*}
	upper=${sql^^}
	for verb in 'INSERT( OR [A-Z]+)? INTO' 'REPLACE INTO' 'UPDATE' 'DELETE FROM' '(CREATE|DROP|ALTER) (TEMP )?(TABLE|VIEW|INDEX|TRIGGER)( IF (NOT )?EXISTS)?'; do
		if [[ $upper =~ ^[[:space:]]*$verb[[:space:]]+(MAIN\.)?([A-Z_0-9]+) ]]; then
			t=${BASH_REMATCH[${#BASH_REMATCH[@]}-1]}
			t=${t,,}
			o=${owner[$t]:-}
			if [[ -z $o ]]; then
				complain "$file:$line: writes to \"$t\", a table the schema does not declare: add it to src/lib/store/sqlite/ with an owner"
			elif [[ $o != "$mod" ]]; then
				complain "$file:$line: module $mod writes to \"$t\", which belongs to $o: call a function of src/lib/$o/ instead"
			fi
		fi
	done
done <"$sqlfile"
# 2. the portable subset (quoted strings blanked first, so their text does not count)
if ! awk -F'\t' '
	function bad(msg) { printf "test_sql: %s:%s: %s: %s\n", $1, $2, msg, $3 > "/dev/stderr"; failed = 1 }
	{
		s = tolower($3)
		if (s ~ /(^|[^[:alnum:]_])x\047/) bad("blob literals differ: bind the value as a parameter")
		gsub(/\047[^\047]*\047/, "\047\047", s)
		top = s
		while (gsub(/\([^()]*\)/, "", top)) ;
		if (s ~ /^[[:space:]]*insert[[:space:]]+or[[:space:]]/) bad("INSERT OR … is SQLite\047s: write INSERT … ON CONFLICT (key) DO NOTHING / DO UPDATE SET")
		if (s ~ /^[[:space:]]*replace[[:space:]]+into/) bad("REPLACE is SQLite\047s: write INSERT … ON CONFLICT (key) DO UPDATE SET")
		if (s ~ /\?[0-9]/) bad("numbered parameters (?1) are SQLite\047s: write one ? per value")
		if (s ~ /(^|[^[:alnum:]_])[:@$][[:alpha:]_]/) bad("named parameters are not portable: write ?")
		if (s ~ /(^|[^[:alnum:]_])(pragma|autoincrement|rowid|glob|collate)([^[:alnum:]_]|$)/) bad("SQLite-only syntax")
		if (s ~ /(^|[^[:alnum:]_])(ifnull|iif|strftime|datetime|julianday|group_concat|instr|printf|format|last_insert_rowid|changes|total|randomblob|zeroblob|hex|unhex|likelihood|typeof|json_[a-z_]+)[[:space:]]*\(/) bad("a function PostgreSQL lacks (or spells otherwise)")
		if (s ~ /==/) bad("== is SQLite\047s: write =")
		if (s ~ /(^|[^[:alnum:]_])(max|min)[[:space:]]*\([^()]*,/) bad("max(a, b) and min(a, b) are SQLite\047s (PostgreSQL: greatest, least): compute it in C or with CASE")
		if (s ~ /(^|[^[:alnum:]_])(begin|commit|rollback|savepoint|release)([^[:alnum:]_]|$)/) bad("transactions belong to the transaction layer (vault/tx.c) and the engines")
		# outside parentheses: a LIMIT in a subquery is fine
		if (top ~ /^[[:space:]]*(update|delete)[[:space:]].*[[:space:]]limit([[:space:]]|$)/) bad("UPDATE/DELETE … LIMIT is SQLite\047s")
	}
	END { exit failed }
' "$sqlfile"; then
	fail=1
fi

# The extraction itself must find the statements (a broken scanner passes everything).
((nsql > 100)) || complain "only $nsql SQL strings found in src/lib: the scanner is broken"
if ((fail)); then
	echo "test_sql: FAILED (see above; the rules: HACKING.md, \"The layers\"; docs/FORMAT.md, \"Portable SQL\")" >&2
	exit 1
fi
echo "test_sql: $nsql SQL strings, ${#owner[@]} tables: every write by its owner, all portable"
