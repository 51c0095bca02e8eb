# lib.sh — what the binding tests share: the shared library to load, and, in a
# sanitized build, the sanitizer runtimes preloaded into the interpreter (they
# must come first in the process) with leak checks off (the interpreters'
# own allocations are not ours to judge; the C suites check gardien's).
set -euo pipefail
: "${GARDIEN_LIBRARY:?GARDIEN_LIBRARY must name libgardien.so}"
export GARDIEN_LIBRARY
if [ "${GD_SANITIZE:-OFF}" = ON ]; then
  LD_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)"
  export LD_PRELOAD
  export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:verify_asan_link_order=0
fi
