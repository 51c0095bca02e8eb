#!/usr/bin/env bash
# gardien's main job on a fresh machine: install what is missing, build, create a
# demo vault (if there is none) and serve it over HTTP on 127.0.0.1 (examples/serve-demo.sh),
# with the web console at /console/ (it prints the address and how to sign in).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/deps.sh"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$root/build" -j"$(nproc)" >/dev/null
exec bash "$root/examples/serve-demo.sh" "$@"
