#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds with -Werror under
# AddressSanitizer and UndefinedBehaviorSanitizer, and runs every test.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/deps.sh"
build="$root/build-check"
cmake -S "$root" -B "$build" -DGD_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$build" -j"$(nproc)"
cd "$build"
ctest --output-on-failure --timeout 600 -j"$(nproc)" "$@"
