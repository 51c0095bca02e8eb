# pg.sh — a throw-away PostgreSQL cluster for the tests of the PostgreSQL
# engine: initdb in a temporary directory, a Unix socket in it and no TCP port,
# run as the postgres user (initdb refuses root), stopped by pg_stop. Source it.
#   pg_start DIR      starts a cluster under DIR (which must exist)
#   pg_createdb NAME  creates a database, prints its gardien vault URL
#   pg_stop           stops the cluster (called on EXIT by the tests)
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
PG_DIR=

pg_as() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
	[ -x "$PG_BIN/initdb" ] || { echo "pg.sh: PostgreSQL server not installed (scripts/packages.txt: postgresql)" >&2; return 1; }
	PG_DIR=$1/pg
	mkdir -p "$PG_DIR"
	[ "$(id -u)" = 0 ] && chown postgres "$PG_DIR" "$1"
	pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres --no-sync >"$PG_DIR/initdb.log" 2>&1 ||
		{ cat "$PG_DIR/initdb.log" >&2; return 1; }
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 60 \
		-o "-c listen_addresses='' -k $PG_DIR -c fsync=on -c max_connections=100" start >/dev/null ||
		{ cat "$PG_DIR/log" >&2; return 1; }
}

pg_createdb() {
	pg_as "$PG_BIN/createdb" -h "$PG_DIR" -U postgres "$1" || return 1
	echo "postgresql://postgres@/$1?host=$PG_DIR"
}

pg_stop() {
	[ -n "$PG_DIR" ] && [ -d "$PG_DIR/data" ] || return 0
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
	PG_DIR=
}
