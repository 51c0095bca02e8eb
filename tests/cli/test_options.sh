#!/usr/bin/env bash
# test_options.sh — one option table per command (src/cli/options.c), read by
# the one parser (args.c), 'gardien help CMD', the man page and the bash and
# zsh completions: they cannot drift. Checks, for every command, that the
# options its code handles, its table, its man section and both completions
# are the same set, that every option its usage text names is accepted; and the
# parser's conventions: --opt=VALUE, "--" ending the options, an unknown option
# named with its command and a near option suggested, a missing value, an
# option given twice.
. "$(dirname "$0")/lib.sh"
: "${GD_SOURCE_DIR:?}"
export GARDIEN_NOW=2026-01-01T10:00:00Z
sqlite_vault "$W/v.db"
G --tenant acme init --country 33 >/dev/null

G completion bash >"$W/gardien.bash"
G completion zsh >"$W/_gardien"
G help --man >"$W/gardien.1"
GLOBALS=$(G help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
COMMANDS=$(G help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
[ "$(wc -w <<<"$COMMANDS")" -gt 25 ] || die "the command list is not read: $COMMANDS"

# the options of CMD's table, as 'gardien help CMD' prints them
table() { G help "$1" | sed -n '/^Options:/,$p' | grep -oE '^  (-[a-z], )?--[a-z][a-z0-9-]*' | grep -oE -- '--[a-z0-9-]+' | sort -u; }
# the man page's section of CMD (roff hyphens unescaped)
man_section() { awk -v c=".SS $1" '$0 == c { on = 1; next } /^\.S[SH] / { on = 0 } on' "$W/gardien.1" | sed 's/\\-/-/g'; }
# the options a completion offers after CMD
bash_opts() { sed -n "s/^\t$1) subs='[^']*'; opts='\([^']*\)' ;;/\1/p" "$W/gardien.bash" | tr ' ' '\n' | sed '/^$/d' | sort -u; }
zsh_opts() { sed -n "s/^\t$1) subs=([^)]*); opts=(\([^)]*\)) ;;/\1/p" "$W/_gardien" | tr ' ' '\n' | sed '/^$/d' | sort -u; }
# the "--option" literals the files serving CMD compare
declare -A serves=(
	[audit]=cmd_audit.c [user]=cmd_auth.c [token]=cmd_auth.c [role]=cmd_auth.c [grant]=cmd_auth.c
	[backup]=cmd_backup.c [breach]=cmd_breach.c [consent]=cmd_consent.c [outbox]=cmd_consent.c
	[directive]=cmd_directive.c [key]=cmd_key.c [put]=cmd_record.c [get]=cmd_record.c
	[update]=cmd_record.c [delete]=cmd_record.c [disclose]=cmd_disclose.c [register]="cmd_register.c cmd_notice.c"
	[request]=cmd_request.c [retention]=cmd_retention.c [event]=cmd_retention.c
	[hold]=cmd_retention.c [serve]="cmd_serve.c serve_config.c" [subject]=cmd_subject.c [client]=cmd_subject.c
	[erase]=cmd_subject.c [init]=cmd_vault.c [tenant]=cmd_vault.c [vault]=cmd_vault.c
)

# the options a C file handles: the "--option" literals it compares, and the
# lists of options a subcommand allows (cli_args_allow)
code_options() {
	{ grep -ohE '"--[a-z][a-z0-9-]*"' "$@" | tr -d '"'
	  grep -h 'cli_args_allow(' "$@" | grep -oE -- '--[a-z][a-z0-9-]*'; } | sort -u
}

n=0
for cmd in $COMMANDS; do
	t=$(table "$cmd")
	n=$((n + $(wc -w <<<"$t")))
	# man section and completions hold exactly the table
	m=$(man_section "$cmd" | sed -n '/^Options:/,$p' | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
	expect_eq "$m" "$t" "man page options of $cmd"
	expect_eq "$(bash_opts "$cmd")" "$t" "bash completion options of $cmd"
	expect_eq "$(zsh_opts "$cmd")" "$t" "zsh completion options of $cmd"
	# every option of its synopsis (the "gardien CMD …" lines) is a global one or the command's
	for o in $(G help "$cmd" | sed -n '/^Options:/q; /^\(usage:\)\? *gardien /,/^$/p' | grep -oE -- '(^|[^a-z0-9-])--[a-z][a-z0-9-]*' | grep -oE -- '--[a-z0-9-]+' | sort -u); do
		grep -qxF -- "$o" <<<"$t"$'\n'"$GLOBALS" && ok || fail "the synopsis of $cmd names $o, which it does not take"
	done
	# every option of the table passes the parser: an unknown option after it is the one named
	for o in $t; do
		out=$(G "$cmd" "$o" x --zz-not-an-option 2>&1 >/dev/null) || true
		expect_match "$out" "'gardien $cmd' has no option '--zz-not-an-option'|'gardien $cmd' has no option 'x'" "$cmd $o accepted by the parser"
	done
	# the options the code compares are the table's, and the table's are read by the code
	files=${serves[$cmd]:-}
	[ -n "$files" ] || continue
	code=$(cd "$GD_SOURCE_DIR/src/cli" && code_options $files)
	for o in $t; do
		grep -qxF -- "$o" <<<"$code" && ok || fail "$cmd declares $o, which its code (${files}) never reads"
	done
done
[ "$n" -gt 120 ] || fail "only $n options in the tables: the scan is broken"
# every option literal of a cmd_*.c file is in the table of a command it serves
for f in $(cd "$GD_SOURCE_DIR/src/cli" && ls cmd_*.c); do
	[ "$f" = cmd_docs.c ] && continue
	declared=$(for cmd in "${!serves[@]}"; do [[ " ${serves[$cmd]} " == *" $f "* ]] && table "$cmd"; done | sort -u)
	for o in $(cd "$GD_SOURCE_DIR/src/cli" && code_options "$f"); do
		grep -qxF -- "$o" <<<"$declared" && ok || fail "src/cli/$f handles $o, which no table of its commands declares"
	done
done

# ---- the parser's conventions ----
S=$(G subject create --email a@example.fr)
expect_code 2 G put "$S" --activty customers --category user.name x
expect_match "$err" "^gardien: 'gardien put' has no option '--activty'" "unknown option names the command"
expect_match "$err" "did you mean --activity\? run 'gardien help put' for its options" "near option suggested"
expect_code 2 G --json put "$S" --zz x
expect_eq "$(jq -r '.error.code + " " + (.error.exit|tostring)' <<<"$err")" "usage 2" "unknown option as JSON"
expect_code 2 G get 1 --purpose
expect_match "$err" "option --purpose needs a value: --purpose ACTIVITY" "missing value"
expect_code 2 G get 1 --purpose a --purpose b
expect_match "$err" "option --purpose is given twice: give it once" "repeat refused"
expect_code 0 G subject create --id customer_no=1 --id account=2   # --id repeats
# serve's options may come again, the last counting (the line overrides a wrapper's)
expect_code 2 G serve --listen 127.0.0.1:1 --listen 127.0.0.1:0 --zz-not-an-option
expect_match "$err" "'gardien serve' has no option '--zz-not-an-option'" "serve takes --listen twice"
expect_code 0 G put "$S" --activity=customers --category=user.name -- --not-an-option
R=$out
expect_code 0 G get "$R" --purpose customers
expect_match "$out" '^  --not-an-option$' "after --, an argument that looks like an option is a value"
expect_code 0 G put "$S" --activity customers --category user.name -- -5
expect_code 0 G get "$out" --purpose=customers
expect_match "$out" '^  -5$' "-- then -5"
expect_code 2 G put "$S" --activity customers --category user.name -x 5
expect_match "$err" "'gardien put' has no option '-x'" "unknown short option"
expect_code 2 G audit export -o
expect_match "$err" "option --output needs a value" "short option -o is --output"
# 'gardien help CMD' prints the table
expect_code 0 G help get
expect_match "$out" '^  --purpose ACTIVITY +the activity the record is read for$' "help lists the table"
finish
