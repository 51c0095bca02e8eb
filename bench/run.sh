#!/usr/bin/env bash
# The benchmarks in one table (not a test): min / median / max over N runs of
#  - gardien-bench (SQLite, durable commits) and pg-baseline (PostgreSQL 15 +
#    pgcrypto + audit trigger on a throw-away server) run by bench/compare.sh,
#    one after the other in each run, with the ratio of the medians, at each size;
#  - concurrency on one vault: 1, 2 and 4 reader processes, a writer alone and
#    a writer among 2 readers (gardien-bench --setup-only, then --reuse);
#  - audited record reads over HTTP (gardien serve, wrk --latency): req/s, p50, p99.
# Needs root (packages, the postgres user). Prints progress on stderr, the
# machine and the table (Markdown) on stdout, and keeps the raw JSON lines in
# $OUT (a folder).
#
#   bash bench/run.sh [--runs N] [--sizes "100000 1000000"] [--reads N]
#                     [--erasures N] [--conc-records N] [--conc-reads N]
#                     [--http-seconds S] [--no-pg] [--no-conc] [--no-http]
#
# The environment may set RUNS and SIZES instead (SIZES="100000 1000000" bash
# bench/run.sh). Defaults: 3 runs at 100k, 1M and 10M records (10M takes an
# hour or more on two cores), 200,000 reads (50,000 at 100k), 1,000 erasures;
# concurrency on 100k records, 50,000 reads per reader process; HTTP 5 s.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-3} sizes=${SIZES:-"100000 1000000 10000000"}
reads=200000 erasures=1000 conc_records=100000 conc_reads=50000
http_s=5 pg=1 conc=1 http=1
args=("$@")
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --10m) sizes="$sizes 10000000"; shift ;; # kept for older command lines
    --reads) reads=$2; shift 2 ;;
    --erasures) erasures=$2; shift 2 ;;
    --conc-records) conc_records=$2; shift 2 ;;
    --conc-reads) conc_reads=$2; shift 2 ;;
    --http-seconds) http_s=$2; shift 2 ;;
    --no-pg) pg=0; shift ;;
    --no-conc) conc=0; shift ;;
    --no-http) http=0; shift ;;
    *) sed -n '2,20p' "$0" >&2; exit 2 ;;
  esac
done
for n in $runs $sizes $reads $erasures $conc_records $conc_reads $http_s; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: $n is not a positive number" >&2; exit 2; }
done
bash "$root/scripts/deps.sh" >/dev/null
for p in postgresql-15 libpq-dev wrk; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "$p" >/dev/null
done
cmake -S "$root" -B "$root/build-rel" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build-rel" -j"$(nproc)" --target gardien-bench pg-baseline gardien_cli >/dev/null
B=$root/build-rel/gardien-bench G=$root/build-rel/gardien
OUT=${OUT:-$(mktemp -d /tmp/gardien-run-XXXXXX)}
mkdir -p "$OUT"
W=$(mktemp -d /tmp/gardien-runw-XXXXXX)
chmod 755 "$W"
spid=
cleanup() {
  [ -z "$spid" ] || { kill -TERM "$spid" 2>/dev/null; wait "$spid" 2>/dev/null || true; }
  rm -rf "$W"
}
trap cleanup EXIT
say() { [ -t 2 ] && echo "run.sh: $*" >&2 || true; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "load_start $(load) $(date -u +%FT%TZ)" >"$OUT/meta"

# The machine: what a reader needs to compare figures (the disk under /tmp,
# where the vaults and the PostgreSQL server live).
{
  echo "cpu $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
  echo "cores $(nproc) online, $(lscpu | sed -n 's/^Thread(s) per core: *//p') thread(s) per core"
  echo "ram $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "kernel $(uname -sr), $(. /etc/os-release && echo "$PRETTY_NAME")"
  src=$(findmnt -no SOURCE --target /tmp | head -1)
  disk=$(lsblk -no PKNAME "$src" 2>/dev/null | head -1 || true)
  disk=/dev/${disk:-${src#/dev/}}
  desc=$(lsblk -dno SIZE,ROTA,MODEL "$disk" 2>/dev/null |
    awk '{m = ""; for (i = 3; i <= NF; i++) m = m (m ? " " : "") $i
          print $1 (m ? ", " m : "") ", " ($2 == 1 ? "rotational (or virtual)" : "solid state")}' || true)
  echo "disk $disk ${desc:+($desc)}, $(findmnt -no FSTYPE --target /tmp | head -1) ($(findmnt -no OPTIONS --target /tmp | head -1))"
  cmd="bash bench/run.sh${args[*]:+ ${args[*]}}"
  [ -z "${SIZES:-}" ] || cmd="SIZES=\"$SIZES\" $cmd"
  [ -z "${RUNS:-}" ] || cmd="RUNS=$RUNS $cmd"
  echo "command $cmd"
  echo "commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')"
} >"$OUT/machine"

# gardien and the baseline, one after the other, run after run (bench/compare.sh:
# a throw-away PostgreSQL server per run, Unix socket only).
tag() { sed "s/^{/{\"sys\":\"$1\",\"size\":$2,/"; }
for size in $sizes; do
  r=$reads; [ "$size" -le 100000 ] && [ "$r" -gt 50000 ] && r=50000
  for i in $(seq "$runs"); do
    if [ $pg = 1 ]; then
      say "$size records, run $i/$runs: gardien, then the PostgreSQL baseline"
      bash "$root/bench/compare.sh" --records "$size" --reads "$r" --erasures "$erasures" |
        awk -v size="$size" '/^# gardien/ {sys="gardien"} /^# PostgreSQL/ {sys="pg"}
          /^\{/ {sub(/^\{/, "{\"sys\":\"" sys "\",\"size\":" size ","); print}' >>"$OUT/vault.jsonl"
    else
      say "$size records, run $i/$runs: gardien"
      "$B" --records "$size" --reads "$r" --erasures "$erasures" | tag gardien "$size" >>"$OUT/vault.jsonl"
    fi
  done
done

# Concurrency: processes on one vault, each its own connection.
if [ $conc = 1 ]; then
  C=$W/conc; mkdir -p "$C"
  say "concurrency: a vault of $conc_records records"
  "$B" --records "$conc_records" --setup-only --dir "$C" >/dev/null
  reuse() { "$B" --records "$conc_records" --reuse "$C" "$@"; }
  for i in $(seq "$runs"); do
    for k in 1 2 4; do
      say "concurrency run $i/$runs: $k readers"
      pids=()
      for j in $(seq $k); do reuse --reads "$conc_reads" >"$W/r$j" & pids+=($!); done
      wait "${pids[@]}"
      cat "$W"/r[0-9]* | sed "s/^{/{\"case\":\"readers_$k\",/" >>"$OUT/conc.jsonl"
      rm -f "$W"/r[0-9]*
    done
    say "concurrency run $i/$runs: a writer alone, then among 2 readers"
    reuse --writes "$conc_reads" | sed 's/^{/{"case":"writer_alone",/' >>"$OUT/conc.jsonl"
    reuse --reads "$conc_reads" >"$W/r1" & p1=$!
    reuse --reads "$conc_reads" >"$W/r2" & p2=$!
    reuse --writes "$conc_reads" | sed 's/^{/{"case":"writer_among_2",/' >>"$OUT/conc.jsonl"
    wait $p1 $p2
    cat "$W/r1" "$W/r2" | sed 's/^{/{"case":"readers_with_writer",/' >>"$OUT/conc.jsonl"
    rm -f "$W"/r[0-9]*
  done
fi

# HTTP: audited record reads, as bench/http.sh, with wrk's latency distribution.
if [ $http = 1 ]; then
  H=$W/http; mkdir -p "$H"
  export GARDIEN_VAULT=$H/bench.db GARDIEN_TENANT=acme
  "$G" init --tenant acme >/dev/null
  "$G" role set app --ops read,write --activities billing >/dev/null
  "$G" user service app --role app >/dev/null
  token=$("$G" token create app | head -1)
  s=$("$G" subject create --email bench@example.org)
  "$G" put "$s" --activity billing --category user.contact.email bench@example.org >/dev/null
  mkfifo "$H/out"
  "$G" serve --listen 127.0.0.1:0 --max-per-client 0 >"$H/out" 2>"$H/err" &
  spid=$!
  read -r line <"$H/out"
  base=${line##* on }; base=${base%% *}
  for i in $(seq "$runs"); do
    say "HTTP run $i/$runs"
    wrk -t 2 -c 128 -d "${http_s}s" --latency -H "Authorization: Bearer $token" \
      "$base/v1/tenants/acme/records/1?purpose=billing" >"$H/wrk"
    awk '/Requests\/sec/ {rps=$2} $1=="50%" {p50=$2} $1=="99%" {p99=$2}
         /Non-2xx/ {bad=$NF}
         END {printf "{\"rps\":%s,\"p50\":\"%s\",\"p99\":\"%s\",\"non2xx\":%d}\n", rps, p50, p99, bad}' \
      "$H/wrk" >>"$OUT/http.jsonl"
  done
  kill -TERM "$spid"; wait "$spid" 2>/dev/null || true; spid=
fi
echo "load_end $(load) $(date -u +%FT%TZ)" >>"$OUT/meta"

python3 - "$OUT" "$runs" <<'EOF'
import json, os, statistics, sys
out, runs = sys.argv[1], sys.argv[2]
def rows(name):
    p = os.path.join(out, name)
    return [json.loads(l) for l in open(p) if l.startswith("{")] if os.path.exists(p) else []
def mmm(xs, fmt):
    if not xs:
        return "—", None
    m = statistics.median(xs)
    return f"{fmt(min(xs))} / {fmt(m)} / {fmt(max(xs))}", m
num = lambda x: f"{x:,.0f}"
ms = lambda x: f"{x:.2f}"
meta = open(os.path.join(out, "meta")).read().split("\n")
m = dict(l.split(" ", 1) for l in open(os.path.join(out, "machine")).read().splitlines() if " " in l)
print(f"Machine: {m.get('cpu', '?')}; {m.get('cores', '?')}; {m.get('ram', '?')} RAM; {m.get('kernel', '?')};"
      f" disk: {m.get('disk', '?')}.")
print(f"Run: {runs} runs, commit {m.get('commit', '?')}, {meta[0].split(' ')[-1]} → "
      f"{meta[1].split(' ')[-1] if len(meta) > 1 and meta[1] else '?'}; load average (1, 5, 15 min)"
      f" {' '.join(meta[0].split(' ')[1:4])} → {' '.join(meta[1].split(' ')[1:4]) if len(meta) > 1 and meta[1] else '?'}.")
print(f"How to repeat: {m.get('command', 'bash bench/run.sh')} as root, on a quiet machine.\n")
v = rows("vault.jsonl")
figs = [("record_put", "store a record", "per_second", num, "/s", True),
        ("find_and_read", "find by identifier + read", "per_second", num, "/s", True),
        ("erase_subject_ms", "erase a subject (own transaction)", "ms_each", ms, " ms", False),
        ("retention_sweep", "retention sweep", "per_second", num, "/s", True),
        ("audit_verify", "audit verify", "per_second", num, " entries/s", True)]
if v:
    print("| records | figure | gardien min / median / max | PostgreSQL baseline min / median / max | ratio (medians) |")
    print("| ---: | --- | ---: | ---: | ---: |")
    for size in sorted({r["size"] for r in v}):
        for key, label, unit, fmt, suffix, higher in figs:
            g = [r[unit] for r in v if r["size"] == size and r["sys"] == "gardien" and r.get("figure") == key]
            p = [r[unit] for r in v if r["size"] == size and r["sys"] == "pg" and r.get("figure") == key]
            gs, gm = mmm(g, fmt)
            ps, pm = mmm(p, fmt)
            ratio = "—"
            if gm and pm:
                ratio = f"{(gm / pm if higher else pm / gm):.2f}×"
            if g or p:
                print(f"| {size:,} | {label} | {gs}{suffix if g else ''} | {ps}{suffix if p else ''} | {ratio} |")
    print()
c = rows("conc.jsonl")
if c:
    print("| processes on one vault | per process, min / median / max | total per run, min / median / max |")
    print("| --- | ---: | ---: |")
    labels = [("readers_1", "1 reader (find + read /s)"), ("readers_2", "2 readers"), ("readers_4", "4 readers"),
              ("writer_alone", "a writer alone (stores /s)"), ("writer_among_2", "a writer among 2 readers (stores /s)"),
              ("readers_with_writer", "the 2 readers beside it (find + read /s)")]
    for case, label in labels:
        xs = [r["per_second"] for r in c if r["case"] == case]
        if not xs:
            continue
        k = {"readers_2": 2, "readers_4": 4, "readers_with_writer": 2}.get(case, 1)
        totals = [sum(xs[i:i + k]) for i in range(0, len(xs), k)]
        print(f"| {label} | {mmm(xs, num)[0]} | {mmm(totals, num)[0]} |")
    solo = [r["per_second"] for r in c if r["case"] == "readers_1"]
    two = [r["per_second"] for r in c if r["case"] == "readers_2"]
    wa = [r["per_second"] for r in c if r["case"] == "writer_alone"]
    w2 = [r["per_second"] for r in c if r["case"] == "writer_among_2"]
    if solo and two:
        t2 = [sum(two[i:i + 2]) for i in range(0, len(two), 2)]
        print(f"\n2 readers / 1 reader (medians): {statistics.median(t2) / statistics.median(solo):.2f}×", end="")
    if wa and w2:
        print(f"; a writer among 2 readers keeps {100 * statistics.median(w2) / statistics.median(wa):.0f}% of its solo rate", end="")
    print("\n")
h = rows("http.jsonl")
if h:
    print("| HTTP, audited record read (wrk, 2 threads, 128 connections) | min / median / max |")
    print("| --- | ---: |")
    print(f"| requests/s | {mmm([r['rps'] for r in h], num)[0]} |")
    def to_ms(t):  # wrk writes 812.00us, 3.93ms, 1.02s
        for unit, k in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
            if t.endswith(unit):
                return float(t[:-len(unit)]) * k
        return float("nan")
    print(f"| p50 latency | {mmm([to_ms(r['p50']) for r in h], ms)[0]} ms |")
    print(f"| p99 latency | {mmm([to_ms(r['p99']) for r in h], ms)[0]} ms |")
    if any(r["non2xx"] for r in h):
        print(f"| non-2xx answers | {', '.join(str(r['non2xx']) for r in h)} |")
print(f"\nRaw figures: {out}")
EOF
