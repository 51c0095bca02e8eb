#!/usr/bin/env bash
# The CLI as people expect it (issue 20): --option=VALUE, -V, errors as
# JSON with --json, the man page and the bash/zsh completions written from the
# command table.
. "$(dirname "$0")/lib.sh"

# --option=VALUE is the same as --option VALUE, for global and command options.
expect_code 0 G --vault="$T/eq.db" init --tenant=acme --country=33
[ -f "$T/eq.db" ] && ok || fail "--vault=PATH did not create $T/eq.db"
expect_code 0 G --vault="$T/eq.db" subject create --email=ana@example.org
s=$out
expect_code 0 G --vault "$T/eq.db" put "$s" --activity=billing --category=user.contact.email x@y.z
expect_code 0 G --vault "$T/eq.db" get 1 --purpose=billing
expect_match "$out" 'x@y.z' "get with --purpose=billing"
# -V, --version and version agree; --json gives the library's version too.
expect_code 0 G -V
v=$out
expect_code 0 G --version
expect_eq "$out" "$v" "--version"
expect_code 0 G --json version
expect_eq "$(jq -r '.version + " " + .library' <<<"$out")" "${v#gardien } ${v#gardien }" "version JSON"

# With --json, errors are one JSON object on stderr, with the exit code.
expect_code 3 G --vault "$T/eq.db" --json get 99 --purpose billing
expect_eq "$(jq -r .error.code <<<"$err")" GD_ENOTFOUND "error code"
expect_eq "$(jq -r .error.exit <<<"$err")" 3 "error exit"
expect_match "$(jq -r .error.message <<<"$err")" 'no record 99' "error message"
expect_code 2 G --json nosuchcommand
expect_eq "$(jq -r .error.code <<<"$err")" usage "usage error code"
expect_match "$(jq -r .error.hint <<<"$err")" "gardien help" "usage hint"
expect_code 4 G --vault "$T/eq.db" --json get 1 --purpose marketing
expect_eq "$(jq -r .error.code <<<"$err")" GD_EDENIED "denied as JSON"
# Without --json, people's wording is unchanged.
expect_code 3 G --vault "$T/eq.db" get 99 --purpose billing
expect_match "$err" '^gardien: no record 99' "plain error"

# The library's messages name no flag (HTTP clients read them too); the CLI
# adds the option to give as a hint on its own line.
expect_code 2 G --vault "$T/eq.db" grant create nobody --ops read --activities billing --until 2020-01-01
expect_no_match "$(head -1 <<<"$err")" '--until' "library message"
expect_match "$err" 'give the end with --until TIME' "CLI hint"
expect_code 2 G --vault "$T/eq.db" breach record --nature confidentiality --description x --detected 2099-01-01
expect_no_match "$(head -1 <<<"$err")" '--detected' "library message"
expect_match "$err" 'check --detected' "CLI hint"
expect_code 2 G --vault "$T/eq.db" --json breach record --nature confidentiality --description x --detected 2099-01-01
expect_eq "$(jq -r .error.hint <<<"$err")" "check --detected" "hint in JSON"
expect_code 3 G --vault "$T/eq.db" --key "$T/nokey" subject create
expect_match "$err" 'give the key file with --key PATH or GARDIEN_KEY' "key file hint"

# The man page: renders, and holds every command of `gardien help`.
expect_code 0 G help --man
printf '%s\n' "$out" >"$T/gardien.1"
page=$(MANWIDTH=100 man -l "$T/gardien.1" 2>&1) || fail "man -l failed: $page"
commands=$(G help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
[ -n "$commands" ] || fail "no command listed by gardien help"
for c in $commands; do
  grep -q "^   $c\$" <<<"$page" && ok || fail "man page lacks command $c"
done
expect_match "$page" 'EXIT STATUS' "man page sections"
# Options documented in a command's help are in the page, with real hyphens.
grep -q 'gardien register check FILE' <<<"$page" && ok || fail "man page lacks register usage"
grep -q '\\-\\-purpose' "$T/gardien.1" && ok || fail "roff hyphens not escaped"

# bash completion: loads, completes commands, subcommands and options.
expect_code 0 G completion bash
printf '%s\n' "$out" >"$T/gardien.bash"
complete_bash() {  # words…, the last one being completed
  bash --norc -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _gardien; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "$T/gardien.bash" "$@"
}
expect_eq "$(complete_bash gardien reg)" register "command completion"
expect_eq "$(complete_bash gardien --vault x.db regi | tr '\n' ' ')" "register " "after a global option"
expect_match "$(complete_bash gardien register '' | tr '\n' ' ')" 'check load versions show export diff' "subcommands"
expect_match "$(complete_bash gardien request open erasure x --rec)" '^--received$' "command options"
expect_match "$(complete_bash gardien --j)" '^--json$' "global options"
bash --norc -c ". '$T/gardien.bash'; complete -p gardien" >/dev/null && ok || fail "bash: no completion registered"
# zsh completion: parses and defines _gardien when autoloaded.
expect_code 0 G completion zsh
mkdir -p "$T/zfunc" && printf '%s\n' "$out" >"$T/zfunc/_gardien"
if command -v zsh >/dev/null; then
  zsh -n "$T/zfunc/_gardien" && ok || fail "zsh completion does not parse"
  got=$(zsh -fc "fpath=('$T/zfunc' \$fpath); autoload -Uz compinit && compinit -u -d '$T/zcd' && print -r -- \$_comps[gardien]")
  expect_eq "$got" _gardien "zsh completion registered"
else
  fail "zsh is not installed (scripts/packages.txt lists it)"
fi
expect_code 2 G completion fish

finish
