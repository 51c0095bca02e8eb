#!/usr/bin/env bash
# test_layers.sh — the storage layer is a leaf (HACKING.md, "The layers"): the
# files of src/lib/store/ name no function or type of the modules above them
# (the transaction layer, the audit trail, the journal, …), only their own
# (gd__store*, gd__db_*, gd__col_*, gd__counter*, the SQLite and PostgreSQL
# engines and the VFS) and the library's error, allocation and fault helpers. What is above calls
# down, or takes part through the transaction layer's hooks (vault/tx.h).
set -euo pipefail
root=${GD_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
allowed='^gd__(store|stmt|db_|col_|counter|sqlite_|pg_|vfs_|err$|malloc$|calloc$|free$|strdup$|copy$|fault_|embedded)'
fail=0
n=0
while IFS=: read -r file line name; do
	n=$((n + 1))
	if ! [[ $name =~ $allowed ]]; then
		echo "test_layers: $file:$line: the storage layer uses $name, which belongs above it: call down from there, or register a hook (vault/tx.h)" >&2
		fail=1
	fi
done < <(grep -noE '\bgd__[a-z0-9_]+' src/lib/store/*.c src/lib/store/*.h | sed -E 's/^([^:]+):([0-9]+):/\1:\2:/')
((n > 50)) || { echo "test_layers: only $n names found in src/lib/store: the scan is broken" >&2; exit 1; }
if ((fail)); then
	echo "test_layers: FAILED" >&2
	exit 1
fi
echo "test_layers: src/lib/store names $n internal symbols, all its own or the library's helpers"
