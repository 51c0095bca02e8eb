#!/usr/bin/env bash
# Runs the benchmark twice with the same sizes: gardien (SQLite engine, durable
# commits) and the PostgreSQL + pgcrypto + audit-trigger baseline, on a
# throw-away PostgreSQL server listening only on a Unix socket. Needs root to
# install packages and to run the server as the postgres user.
#   bash bench/compare.sh [--engine sqlite|pg|both] [--procs N] [--records N] [--reads N] [--erasures N]
# --engine pg runs gardien on the PostgreSQL engine, in a database of the same
# throw-away server as the baseline (default: sqlite; both: one after the other).
# With the PostgreSQL engine, reads are then measured from --procs processes
# at once (default 2; 0: not measured), gardien's and the baseline's alike:
# each process --reads finds + reads on a connection of its own, in a database
# filled by a run of its own (gardien: --setup-only, then --reuse --one-call);
# the *_procs figures count all their reads over the wall-clock time. On
# PostgreSQL both sides read after a VACUUM ANALYZE of their load.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
engine=sqlite
procs=2
args=()
while [ $# -gt 0 ]; do
  case $1 in
    --engine) engine=$2; shift 2 ;;
    --engine=*) engine=${1#--engine=}; shift ;;
    --procs) procs=$2; shift 2 ;;
    --procs=*) procs=${1#--procs=}; shift ;;
    *) args+=("$1"); shift ;;
  esac
done
case $engine in sqlite|pg|both) ;; *) echo "compare.sh: --engine is sqlite, pg or both" >&2; exit 2 ;; esac
case $procs in ''|*[!0-9]*) echo "compare.sh: --procs is a number of processes (0: none)" >&2; exit 2 ;; esac
[ ${#args[@]} -gt 0 ] || args=(--records 100000 --reads 50000 --erasures 500)
bash "$root/scripts/deps.sh" >&2
for p in postgresql-15 libpq-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "$p" >/dev/null
done
cmake -S "$root" -B "$root/build-rel" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build-rel" -j"$(nproc)" --target gardien-bench pg-baseline >/dev/null

pgbin=/usr/lib/postgresql/15/bin
dir=$(mktemp -d /tmp/gardien-pg-XXXXXX)
chown postgres "$dir"
stop() {
  runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT
runuser -u postgres -- "$pgbin/initdb" -D "$dir/data" -A trust >/dev/null
runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-c listen_addresses='' -k $dir -c fsync=on -c synchronous_commit=on" start >/dev/null

if [ "$engine" != pg ]; then
  echo "# gardien (SQLite, durable commits)"
  "$root/build-rel/gardien-bench" "${args[@]}"
fi
if [ "$engine" != sqlite ]; then
  echo "# gardien (PostgreSQL engine on the same server, durable commits)"
  runuser -u postgres -- "$pgbin/createdb" -h "$dir" gardien_bench
  "$root/build-rel/gardien-bench" --vault "postgresql://postgres@/gardien_bench?host=$dir" "${args[@]}"
  if [ "$procs" -gt 0 ]; then
    echo "# gardien (PostgreSQL engine), $procs processes reading one database at once (gd_record_find)"
    runuser -u postgres -- "$pgbin/createdb" -h "$dir" gardien_procs
    url="postgresql://postgres@/gardien_procs?host=$dir"
    mkdir "$dir/procs"
    "$root/build-rel/gardien-bench" --vault "$url" --dir "$dir/procs" --setup-only "${args[@]}" >/dev/null
    t0=$(date +%s.%N)
    for p in $(seq "$procs"); do
      "$root/build-rel/gardien-bench" --vault "$url" --reuse "$dir/procs" --one-call "${args[@]}" >"$dir/procs/out.$p" &
    done
    wait
    t1=$(date +%s.%N)
    cat "$dir"/procs/out.*
    cat "$dir"/procs/out.* | sed -n 's/.*"n":\([0-9]*\).*/\1/p' |
      awk -v p="$procs" -v t0="$t0" -v t1="$t1" '{ n += $1 } END { printf "{\"figure\":\"record_find_procs\",\"procs\":%d,\"n\":%d,\"seconds\":%.3f,\"per_second\":%.1f}\n", p, n, t1 - t0, n / (t1 - t0) }'
  fi
fi
echo "# PostgreSQL 15 + pgcrypto + audit trigger (durable commits)"
baseline_procs=()
[ "$engine" = sqlite ] || [ "$procs" -eq 0 ] || baseline_procs=(--procs "$procs")
PG_CONNINFO="host=$dir dbname=postgres user=postgres" "$root/build-rel/pg-baseline" "${args[@]}" "${baseline_procs[@]}"
