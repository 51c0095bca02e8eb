#!/usr/bin/env bash
# pg_cluster.sh start|stop DIR — the PostgreSQL cluster the pg: tests share,
# started and stopped by ctest fixtures (tests/CMakeLists.txt): a Unix socket
# in DIR, no TCP port. stop is safe to run when nothing is running.
set -euo pipefail
. "$(dirname "$0")/pg.sh"
dir=${2:?usage: pg_cluster.sh start|stop DIR}
case $1 in
start)
	rm -rf "$dir"
	mkdir -p "$dir"
	pg_start "$dir"
	;;
stop)
	PG_DIR=$dir/pg
	pg_stop
	rm -rf "$dir"
	;;
*) echo "usage: pg_cluster.sh start|stop DIR" >&2; exit 2 ;;
esac
