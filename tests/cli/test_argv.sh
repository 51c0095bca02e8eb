#!/usr/bin/env bash
# test_argv.sh — the commands that walked their argv by hand (user, token,
# role, grant, audit, breach, register and its notice subcommands, serve) now
# read the one parser's result (src/cli/args.c, issue 20): "--opt=VALUE" is
# "--opt VALUE", "--" ends the options so that an argument starting with "-"
# (a file, a name) is an argument, and each subcommand still refuses the
# options of its siblings.
. "$(dirname "$0")/lib.sh"
: "${GD_SOURCE_DIR:?}"
REG=$GD_SOURCE_DIR/examples/wimi.yml
expect_code 0 G --tenant=acme init --country=33 --register="$REG"

# ---- role, user, token, grant: names starting with "-" after "--" ----
expect_code 0 G role set --ops=read,write --activities='*' -- -ops
expect_code 0 G --json role list
expect_eq "$(jq -r 'select(.name == "-ops") | .activities' <<<"$out")" '*' "role -ops set with --ops=…"
# a value starting with "-" given with "=": the role named "-ops"
GARDIEN_PASSWORD='a long enough password 1' expect_code 0 G user add --role=-ops -- -ana
expect_match "$out" '^created user -ana with role -ops' "user add -- -ana"
expect_code 0 G --json user list
expect_eq "$(jq -r 'select(.name == "-ana") | .role' <<<"$out")" -ops "-ana listed with its role"
expect_code 0 G user password --password-stdin -- -ana <<<'another long password 2'
expect_match "$out" 'password of -ana changed' "user password -- -ana"
expect_code 0 G user settings --idle=600 --max-failures=7
expect_match "$out" 'lockout after 7 failed logins .* 600 s idle' "user settings --opt=value"
expect_code 2 G user list --role=x
expect_match "$err" "option --role does not apply to 'user list'" "a sibling's option refused"
expect_code 0 G --json token create --expires=2099-01-01T00:00:00Z -- -ana
expect_eq "$(jq -r .principal <<<"$out")" -ana "token create -- -ana"
expect_code 0 G --json token list
expect_match "$(jq -r 'select(.principal == "-ana") | .expires_at' <<<"$out")" '^2099-01-01' "token's --expires=…"
# "-1" after "--" reaches the command, which says it is no id (not "no option")
expect_code 2 G token revoke -- -1
expect_match "$err" "'-1' is not an id" "token revoke -- -1"
expect_code 2 G token revoke -1
expect_match "$err" "'gardien token' has no option '-1'" "without --, -1 is an option"
expect_code 0 G user support --password-stdin -- -sup <<<'support password long 3'
expect_code 0 G --json grant create --ops=read --activities=billing --until="$(date -u -d '+3 days' +%Y-%m-%dT%H:%M:%SZ)" -- -sup
expect_eq "$(jq -r .support <<<"$out")" -sup "grant create -- -sup"
expect_code 2 G grant revoke -- -1
expect_match "$err" "'-1' is not an id" "grant revoke -- -1"
expect_code 2 G grant list --ops=read
expect_match "$err" "option --ops applies to 'grant create' only" "grant list refuses create's options"

# ---- audit ----
expect_code 0 G --json audit list --action=auth.user.create
[ "$(jq -r .action <<<"$out" | sort -u)" = auth.user.create ] && ok || fail "audit list --action=auth.user.create gave other actions: $out"
expect_code 2 G audit list -- -x
expect_match "$err" "unexpected argument '-x'" "audit list -- -x is an argument, refused as one"
expect_code 0 G audit export --format=csv --output=-
expect_match "$(head -1 <<<"$out")" '^type,seq,at' "audit export --format=csv --output=-"
expect_code 0 G audit export --output=./-trail.jsonl
expect_code 0 G audit verify --file=./-trail.jsonl
expect_match "$out" 'audit trail intact' "audit verify --file=./-trail.jsonl"
expect_code 0 G audit verify --file=- <./-trail.jsonl
expect_match "$out" 'audit trail intact' "audit verify --file=- reads standard input"
expect_code 2 G audit prune --older-than=1y --before=2020-01-01
expect_match "$err" 'one of --before TIME or --older-than PERIOD' "audit prune, both given with ="
expect_code 2 G audit key --format=csv
expect_match "$err" "option --format does not apply to 'audit key'" "audit key refuses export's options"

# ---- breach ----
expect_code 0 G --json breach record --nature=confidentiality --description=-lost-laptop --subjects=12
id=$(jq -r .id <<<"$out")
expect_eq "$(jq -r '.description + " " + (.approx_subjects|tostring)' <<<"$out")" "-lost-laptop 12" "breach record --opt=value"
expect_code 0 G --json breach update "$id" --records=40 --high-risk
expect_eq "$(jq -r '.approx_records' <<<"$out")" 40 "breach update --records=40"
expect_code 2 G breach show -- -1
expect_match "$err" "'-1' is not a breach id" "breach show -- -1"
expect_code 0 G breach draft "$id" --to=subjects --language=en
expect_match "$out" . "breach draft --to=subjects"
expect_code 2 G breach draft "$id" --at=2026-01-01
expect_match "$err" "option --at does not apply to 'breach draft'" "draft refuses notify's options"
expect_code 0 G --json breach scope "$id" --from=2020-01-01T00:00:00Z --summary
expect_eq "$(jq -r .kind <<<"$out")" total "breach scope --from=… --summary"
expect_code 0 G --json breach no-notice "$id" --reason=-unlikely-risk
expect_eq "$(jq -r .no_notice_reason <<<"$out")" -unlikely-risk "no-notice --reason=-…"

# ---- register and its notice subcommands: files named "-…" ----
cp "$REG" ./-reg.yml
printf 'Nous collectons votre adresse email pour la facturation de votre abonnement.\n' >./-notice.txt
expect_code 0 G register check -- -reg.yml
expect_match "$out" '^-reg.yml: valid register' "register check -- -reg.yml"
expect_code 0 G register check --controls -- -reg.yml
expect_code 0 G register load -- -reg.yml
expect_match "$out" '-reg.yml is version 1 already' "register load -- -reg.yml"
expect_code 0 G register load - <"$REG"
expect_match "$out" '<stdin> is version 1 already' "register load - reads standard input"
expect_code 0 G register export --format=yaml --version=1
expect_match "$out" 'Wimi' "register export --format=yaml --version=1"
expect_code 0 G register show --file=./-reg.yml --format=md --language=en
expect_match "$out" 'Wimi' "register show --file=./-reg.yml"
expect_code 0 G register migrate --output=./-out.yml -- -reg.yml
[ -s ./-out.yml ] && ok || fail "register migrate --output=./-out.yml -- -reg.yml wrote nothing"
expect_code 0 G register draft --language=fr -- -notice.txt
expect_match "$out" 'from -notice.txt \(language fr\)' "register draft -- -notice.txt"
expect_code 0 G --json register compare --language=fr -- -notice.txt -reg.yml
expect_eq "$(jq -r '.notice + " " + .register' <<<"$out")" "-notice.txt -reg.yml" "register compare -- -notice.txt -reg.yml"
expect_code 0 G register notice --language=fr --format=html --version=1
expect_match "$out" '<html|<h1' "register notice --format=html"
expect_code 2 G register notice -- -reg.yml
expect_match "$err" "unexpected argument '-reg.yml'" "notice takes no argument"
expect_code 2 G register load --controls -- -reg.yml
expect_match "$err" "option --controls does not apply to 'register load'" "load refuses check's options"

# ---- serve ----
expect_code 2 G serve -- -x
expect_match "$err" "serve takes options only, not '-x'" "serve -- -x"
expect_code 2 G serve --threads=0
expect_match "$err" '--threads takes a number from 1 to 64' "serve --threads=0 read"
expect_code 2 G serve --listen=nowhere
expect_match "$err" '--listen takes ADDRESS:PORT' "serve --listen=…"
# a setting of the environment is checked as the option is; the line's value
# comes after it, and the last counts
GARDIEN_LISTEN=nowhere expect_code 2 G serve
expect_match "$err" '--listen takes ADDRESS:PORT' "GARDIEN_LISTEN read"
GARDIEN_LISTEN=nowhere expect_code 2 G serve --listen=127.0.0.1:0 --threads=0
expect_match "$err" '--threads takes a number' "--listen=… overrides GARDIEN_LISTEN"
expect_code 0 G serve --threads=4 --openapi
expect_eq "$(jq -r .openapi <<<"$out")" 3.0.3 "serve --openapi with --threads=4"
finish
