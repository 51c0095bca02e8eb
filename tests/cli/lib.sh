# lib.sh — what the CLI tests share: tests/lib.sh (a fresh folder, the
# assertions). Source it; $GARDIEN is the binary. Kept so that a test sources
# the library of its kind.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
T=$W
G() { "$GARDIEN" "$@"; }
