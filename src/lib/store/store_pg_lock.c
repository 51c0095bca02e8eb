/*
 * store_pg_lock.c — the vault lock of a PostgreSQL vault (issue 16 item 4):
 * what "<vault>.lock" is to a file vault (vault/lock.c), a session-level
 * advisory lock is to a postgresql:// vault. Every open handle holds it
 * shared, a restore holds it exclusive, so that a restore never replaces the
 * rows of a vault a server (or any gardien process, on any host) is using.
 *
 * The lock lives on a connection of its own, opened by vault/lock.c once per
 * process and vault URL and shared by every handle (reference-counted there,
 * like the file lock's descriptor): a session-level advisory lock belongs to
 * its connection and goes when the connection does, which is also what frees
 * it when a holder is killed (the server notices the closed socket).
 *
 * Key: the two-integer form (classid "gdv1", objid the hash of the schema the
 * vault's tables are in), a key space apart from the single-bigint write lock
 * of store_pg.c. The connection's application_name says who holds it ("pid N
 * (gardien serve)", the client's pid and command): a refusal names it, with
 * the server backend's pid and the client's address, from pg_locks and
 * pg_stat_activity.
 *
 * The lock connection can drop (a PostgreSQL restart, pg_terminate_backend,
 * an idle timeout) and its lock with it, silently: nothing reads from it.
 * gd__pg_lock_check, run before each write transaction, reads what the server
 * sent (a FATAL message, the closed socket) without blocking; a lost lock
 * refuses every later write of the process, since a restore may have taken
 * the vault meanwhile (the handles' caches would no longer match the rows).
 *
 * Invariant: nothing of the URL (it may hold a password) is ever put in an
 * error message.
 */
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "lib/internal.h"

#define KEY "1734637105, hashtext(current_schema())" /* 0x67647631: "gdv1" */

struct gd__pg_lock {
	PGconn *conn;
};

static int conn_error(PGconn *c, const char *what)
{
	const char *m = c ? PQerrorMessage(c) : "out of memory";
	size_t n = strcspn(m, "\n");
	return gd__err(GD_EIO, "%s the PostgreSQL vault: %.*s", what, (int)(n > 300 ? 300 : n), m);
}

int gd__pg_lock_open(struct gd__pg_lock **out, const char *url, const char *who)
{
	*out = NULL;
	if (gd__fault_point())
		return gd__err(GD_EIO, "cannot lock the vault (injected)");
	struct gd__pg_lock *l = gd__calloc(1, sizeof *l);
	if (!l)
		return GD_ENOMEM;
	l->conn = PQconnectdb(url);
	int rc = 0;
	if (PQstatus(l->conn) != CONNECTION_OK) {
		rc = conn_error(l->conn, "cannot connect to");
	} else {
		const char *v[1] = {who};
		PGresult *res = PQexecParams(l->conn, "SELECT set_config('application_name', $1, false)", 1, NULL, v,
		                             NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			rc = conn_error(l->conn, "cannot name the lock connection to");
		PQclear(res);
	}
	if (rc < 0) {
		gd__pg_lock_close(l);
		return rc;
	}
	*out = l;
	return 0;
}

void gd__pg_lock_close(struct gd__pg_lock *l)
{
	if (!l)
		return;
	/* The server drops a closed session's locks once its backend has ended,
	 * after PQfinish returns: released first, the lock is free for whoever
	 * opens the vault next (a restore's end, then an open, would otherwise
	 * find it still held). A session that broke loses them anyway. */
	if (PQstatus(l->conn) == CONNECTION_OK && PQtransactionStatus(l->conn) == PQTRANS_IDLE)
		PQclear(PQexec(l->conn, "SELECT pg_advisory_unlock_all()"));
	PQfinish(l->conn);
	gd__free(l);
}

/* Copies a text PostgreSQL gave (an application_name, an address) keeping printable ASCII only. */
static void printable(char *out, size_t cap, const char *s)
{
	size_t n = 0;
	for (; s && *s && n + 1 < cap; s++)
		out[n++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	out[n] = 0;
}

/* Who holds the lock in a mode that conflicts with ours, as "pid N (gardien serve) …". */
static void holder(struct gd__pg_lock *l, bool exclusive, char *out, size_t cap)
{
	snprintf(out, cap, "another session");
	PGresult *res = PQexec(l->conn, exclusive
	                                        ? "SELECT a.pid, a.application_name, coalesce(host(a.client_addr), 'local socket')"
	                                          " FROM pg_locks k JOIN pg_stat_activity a ON a.pid = k.pid"
	                                          " WHERE k.locktype = 'advisory' AND k.objsubid = 2 AND k.granted AND k.pid <> pg_backend_pid()"
	                                          " AND k.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
	                                          " AND k.classid = 1734637105 AND k.objid = hashtext(current_schema())::oid"
	                                          " ORDER BY a.backend_start LIMIT 1"
	                                        : "SELECT a.pid, a.application_name, coalesce(host(a.client_addr), 'local socket')"
	                                          " FROM pg_locks k JOIN pg_stat_activity a ON a.pid = k.pid"
	                                          " WHERE k.locktype = 'advisory' AND k.objsubid = 2 AND k.granted AND k.pid <> pg_backend_pid()"
	                                          " AND k.mode = 'ExclusiveLock'"
	                                          " AND k.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
	                                          " AND k.classid = 1734637105 AND k.objid = hashtext(current_schema())::oid LIMIT 1");
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		char app[80], addr[64];
		printable(app, sizeof app, PQgetvalue(res, 0, 1));
		printable(addr, sizeof addr, PQgetvalue(res, 0, 2));
		snprintf(out, cap, "%s (PostgreSQL backend %.12s, from %s)", *app ? app : "an unnamed client",
		         PQgetvalue(res, 0, 0), addr);
	}
	PQclear(res);
}

int gd__pg_lock_set(struct gd__pg_lock *l, bool exclusive, char *who, size_t cap)
{
	if (gd__fault_point())
		return gd__err(GD_EIO, "cannot lock the vault (injected)");
	PGresult *res = PQexec(l->conn, exclusive ? "SELECT pg_try_advisory_lock(" KEY ")"
	                                          : "SELECT pg_try_advisory_lock_shared(" KEY ")");
	int rc;
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		rc = conn_error(l->conn, "cannot lock");
	else if (strcmp(PQgetvalue(res, 0, 0), "t") == 0)
		rc = 0;
	else
		holder(l, exclusive, who, cap), rc = GD_EBUSY;
	PQclear(res);
	return rc;
}

int gd__pg_lock_check(struct gd__pg_lock *l)
{
	/* An idle lock connection receives nothing, unless its server ends it:
	 * then a FATAL message, then the end of the stream. PQconsumeInput reads
	 * what is waiting without blocking and fails at the end of the stream;
	 * a few rounds reach it past the message (or past a harmless notice). */
	bool lost = PQstatus(l->conn) != CONNECTION_OK;
	for (int round = 0; !lost && round < 8; round++) {
		struct pollfd p = {.fd = PQsocket(l->conn), .events = POLLIN};
		if (p.fd < 0 || poll(&p, 1, 0) < 0)
			lost = true;
		else if (p.revents == 0)
			break;
		else
			lost = !PQconsumeInput(l->conn) || PQstatus(l->conn) != CONNECTION_OK;
	}
	if (!lost)
		return 0;
	const char *m = PQerrorMessage(l->conn);
	size_t n = strcspn(m, "\n");
	return gd__err(GD_EIO,
	               "the connection holding this process's lock on the PostgreSQL vault was lost (%.*s): a restore"
	               " may have replaced the vault since, so writes are refused; open the vault again (restart the"
	               " server)",
	               (int)(n > 200 ? 200 : n), m);
}

void gd__pg_lock_unset_exclusive(struct gd__pg_lock *l)
{
	/* Drops one exclusive hold; a shared one taken by the same session stays. */
	PQclear(PQexec(l->conn, "SELECT pg_advisory_unlock(" KEY ")"));
}
