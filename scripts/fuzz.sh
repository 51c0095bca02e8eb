#!/usr/bin/env bash
# Fuzzes one of gardien's parsers with libFuzzer (clang, ASan + UBSan), starting
# from its corpus, for a while; then merges the inputs that found new coverage,
# minimised, back into the corpus that every test run replays.
#   bash scripts/fuzz.sh NAME [SECONDS]      NAME: tests/fuzz/fuzz_NAME.c
#   bash scripts/fuzz.sh audit_block 600
# A crash stops it with the input saved as crash-* in the current directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
name=${1:?usage: bash scripts/fuzz.sh NAME [SECONDS] (NAME: one of $(cd "$root/tests/fuzz" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//' | tr '\n' ' '))}
seconds=${2:-300}
[ -f "$root/tests/fuzz/fuzz_$name.c" ] || { echo "fuzz: no tests/fuzz/fuzz_$name.c" >&2; exit 2; }
bash "$root/scripts/deps.sh"
if ! command -v clang >/dev/null; then
  [ "$(id -u)" -eq 0 ] || { echo "fuzz: clang is missing: apt-get install clang (as root)" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang >/dev/null
fi
build="$root/build-fuzz"
cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DGD_FUZZ=ON -DGD_SANITIZE=ON \
      -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$build" --target "fuzz_$name" -j"$(nproc)" >/dev/null
corpus="$root/tests/fuzz/corpus/$name"
work=$(mktemp -d /tmp/gardien-fuzz-XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/run" "$work/merged" "$corpus"
cp "$corpus"/* "$work/run/" 2>/dev/null || true
dict=()
[ -f "$root/tests/fuzz/$name.dict" ] && dict=(-dict="$root/tests/fuzz/$name.dict")
echo "fuzz: $name for $seconds s from $(ls "$corpus" | wc -l) inputs" >&2
"$build/tests/fuzz_$name" -max_total_time="$seconds" -print_final_stats=1 "${dict[@]}" "$work/run"
"$build/tests/fuzz_$name" -merge=1 "$work/merged" "$corpus" "$work/run" 2>/dev/null
before=$(ls "$corpus" | wc -l)
cp -n "$work/merged"/* "$corpus/" 2>/dev/null || true
echo "fuzz: corpus $before -> $(ls "$corpus" | wc -l) inputs (tests/fuzz/corpus/$name)" >&2
