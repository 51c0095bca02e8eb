#!/usr/bin/env bash
# test_format.sh — the C code is as .clang-format writes it (HACKING.md,
# "Style"), so that nobody's change reflows lines they did not touch. Fails
# naming each file clang-format would change; `clang-format -i FILE` fixes it.
# Tables meant to be read across are fenced with clang-format off/on.
set -euo pipefail
root=${GD_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
command -v clang-format >/dev/null || { echo "test_format: clang-format is not installed (scripts/deps.sh installs it)" >&2; exit 1; }
fail=0
n=0
while IFS= read -r f; do
	n=$((n + 1))
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "test_format: $f is not formatted as .clang-format says: run clang-format -i $f" >&2
		fail=1
	fi
done < <(git ls-files 'src/*.[ch]' 'include/*.[ch]' 'tests/*.[ch]' 'bench/*.[ch]' 'bindings/*.[ch]' 'examples/*.[ch]' 2>/dev/null ||
	find src include tests bench bindings examples -name '*.[ch]' -not -path '*/corpus/*')
[ "$n" -gt 100 ] || { echo "test_format: found only $n C files: wrong source folder?" >&2; exit 1; }
exit $fail
