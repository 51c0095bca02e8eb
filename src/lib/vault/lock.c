/*
 * lock.c — the vault lock: "<vault>.lock" beside the vault, so that a restore
 * never replaces a vault another process is using.
 *
 * Every gd_vault_open holds a shared POSIX record lock (fcntl F_RDLCK on byte
 * 0) for as long as the handle lives; gd_backup_restore holds the exclusive
 * one (F_WRLCK) for its whole run. POSIX locks were chosen over flock and OFD
 * locks because F_GETLK reports the pid of a holder, which the refusal names.
 *
 * The same file queues writers (gd__lock_write): byte 1 is taken exclusive
 * with F_SETLKW around every write transaction of a file vault, before BEGIN
 * IMMEDIATE. Waiters then sleep in the kernel's lock queue and are woken the
 * moment the holder releases, instead of SQLite's busy handler, which sleeps
 * for growing intervals and retries: with readers committing their audit
 * entries back to back, a writer polling that way almost never found the lock
 * free (issue 15 measured 1.4–2.8k stores/s among readers, from ~70k alone).
 * Within a process, threads queue on a mutex first (POSIX locks belong to the
 * process, so the file lock alone would let two threads in); the mutex is
 * recursive so that a thread that opens a second handle of the vault inside a
 * write transaction meets SQLite's own lock, as before, rather than a
 * deadlock. Readers take nothing here: a read transaction holds no write lock.
 *
 * Invariant: one lock file descriptor per process and lock file. POSIX locks
 * belong to the process and vanish when any of its descriptors of the file is
 * closed, so two handles of one vault in one process (the server's threads, a
 * restore that opens the live vault to read its trail) share one descriptor
 * through the reference-counted table below, guarded by a mutex.
 *
 * A PostgreSQL vault (a postgresql:// URL) has no file beside it: its lock is
 * a session-level advisory lock on a connection of its own
 * (store/store_pg_lock.c), found in the same table by its URL and shared by
 * the process's handles the same way (its loss refuses the process's later
 * writes, gd__pg_lock_check), and the refusal names the holder's
 * client pid and command (its application_name) and PostgreSQL backend.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/internal.h"

struct gd__lock {
	struct gd__lock *next;
	dev_t dev;
	ino_t ino;
	int fd;
	char *url; /* a PostgreSQL vault: its URL and lock connection */
	struct gd__pg_lock *pg;
	int refs;
	int exclusive;       /* how many of the refs hold it exclusive */
	pthread_mutex_t wmu; /* recursive: the writers of this process (gd__lock_write) */
	int wdepth;          /* holds of byte 1 by the thread owning wmu */
};

static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;
static struct gd__lock *table;

/*
 * "gardien serve" for pid: the process name and the first two plain words of
 * its command line (lowercase letters and dashes only, so that paths, values
 * and anything secret-looking are never echoed).
 */
static void describe(char *out, size_t cap, pid_t pid)
{
	char path[64], buf[1024];
	snprintf(out, cap, "pid %ld", (long)pid);
	snprintf(path, sizeof path, "/proc/%ld/cmdline", (long)pid);
	FILE *f = fopen(path, "rb");
	if (!f)
		return;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	size_t len = strlen(out);
	const char *arg0 = buf, *slash = strrchr(arg0, '/');
	snprintf(out + len, cap - len, " (%.32s", slash ? slash + 1 : arg0);
	int words = 0;
	for (size_t i = strlen(buf) + 1; i < n && words < 2; i += strlen(buf + i) + 1) {
		const char *w = buf + i;
		size_t wl = strlen(w);
		bool plain = wl >= 2 && wl <= 16 && w[0] >= 'a' && w[0] <= 'z';
		for (size_t k = 0; plain && k < wl; k++)
			plain = (w[k] >= 'a' && w[k] <= 'z') || w[k] == '-';
		if (!plain)
			continue;
		len = strlen(out);
		snprintf(out + len, cap - len, " %s", w);
		words++;
	}
	len = strlen(out);
	snprintf(out + len, cap - len, ")");
}

/* The refusal, the holder described by `who`. */
static int busy(bool exclusive, const char *vault_path, const char *who)
{
	if (exclusive)
		return gd__err(GD_EBUSY,
		               "the vault %s is in use by %s: stop it (and every gardien process using this"
		               " vault) before restoring, then run the restore again",
		               vault_path, who);
	return gd__err(GD_EBUSY, "the vault %s is locked by %s (a restore in progress): open it again once it ends",
	               vault_path, who);
}

static int set_lock(int fd, bool exclusive, const char *vault_path)
{
	struct flock fl = {.l_type = exclusive ? F_WRLCK : F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
	if (gd__fault_point())
		return gd__err(GD_EIO, "cannot lock the vault (injected)");
	if (fcntl(fd, F_SETLK, &fl) == 0)
		return 0;
	if (errno != EAGAIN && errno != EACCES)
		return gd__err(GD_EIO, "cannot lock %s.lock: %s", vault_path, strerror(errno));
	char who[160] = "another process";
	struct flock q = {.l_type = exclusive ? F_WRLCK : F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
	if (fcntl(fd, F_GETLK, &q) == 0 && q.l_type != F_UNLCK)
		describe(who, sizeof who, q.l_pid);
	return busy(exclusive, vault_path, who);
}

static int set_pg_lock(struct gd__lock *l, bool exclusive)
{
	char who[200] = "another session";
	int rc = gd__pg_lock_set(l->pg, exclusive, who, sizeof who);
	/* The URL may hold a password: the refusal says "(PostgreSQL)" instead. */
	return rc == GD_EBUSY ? busy(exclusive, "(PostgreSQL)", who) : rc;
}

static int acquire_pg(struct gd__lock **out, const char *url, bool exclusive)
{
	int rc = 0;
	pthread_mutex_lock(&table_mu);
	struct gd__lock *l = table;
	while (l && (!l->url || strcmp(l->url, url) != 0))
		l = l->next;
	if (l) {
		if (exclusive && !l->exclusive)
			rc = set_pg_lock(l, true);
		if (rc == 0)
			l->refs++, l->exclusive += exclusive;
		goto done;
	}
	char me[160];
	describe(me, sizeof me, getpid());
	if (!(l = gd__calloc(1, sizeof *l)) || !(l->url = gd__strdup(url)))
		rc = GD_ENOMEM;
	else if ((rc = gd__pg_lock_open(&l->pg, url, me)) == 0)
		rc = set_pg_lock(l, exclusive);
	if (rc < 0) {
		if (l) {
			gd__pg_lock_close(l->pg);
			gd__free(l->url);
			gd__free(l);
		}
		l = NULL;
		goto done;
	}
	l->fd = -1, l->refs = 1, l->exclusive = exclusive, l->next = table;
	table = l;
done:
	pthread_mutex_unlock(&table_mu);
	if (rc == 0)
		*out = l;
	return rc;
}

int gd__lock_acquire(struct gd__lock **out, const char *vault_path, bool exclusive)
{
	char path[4200];
	struct stat st;
	int rc = 0, fd = -1;
	*out = NULL;
	if (gd__pg_is_url(vault_path))
		return acquire_pg(out, vault_path, exclusive);
	if (snprintf(path, sizeof path, "%s.lock", vault_path) >= (int)sizeof path)
		return gd__err(GD_EINVAL, "vault path is too long");
	pthread_mutex_lock(&table_mu);
	/* Found by stat, not by opening it: closing a second descriptor of the
	 * file would drop the lock the first one holds. */
	struct gd__lock *l = NULL;
	if (stat(path, &st) == 0)
		for (l = table; l && (l->dev != st.st_dev || l->ino != st.st_ino); l = l->next)
			;
	if (l) {
		if (exclusive && !l->exclusive)
			rc = set_lock(l->fd, true, vault_path);
		if (rc == 0)
			l->refs++, l->exclusive += exclusive;
		goto done;
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		rc = gd__err(GD_EIO, "cannot open the vault lock %s: %s", path, strerror(errno));
		goto done;
	}
	if (fstat(fd, &st) != 0) {
		rc = gd__err(GD_EIO, "cannot stat the vault lock %s: %s", path, strerror(errno));
		goto done;
	}
	if (!(l = gd__calloc(1, sizeof *l))) {
		rc = GD_ENOMEM;
		goto done;
	}
	if ((rc = set_lock(fd, exclusive, vault_path)) < 0) {
		gd__free(l);
		l = NULL;
		goto done;
	}
	*l = (struct gd__lock){.next = table, .dev = st.st_dev, .ino = st.st_ino, .fd = fd, .refs = 1, .exclusive = exclusive};
	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&l->wmu, &ma);
	pthread_mutexattr_destroy(&ma);
	table = l;
	fd = -1;
done:
	if (fd >= 0)
		close(fd);
	pthread_mutex_unlock(&table_mu);
	if (rc == 0)
		*out = l;
	return rc;
}

void gd__lock_release(struct gd__lock *l, bool exclusive)
{
	if (!l)
		return;
	pthread_mutex_lock(&table_mu);
	/* The last exclusive holder gone, handles still open keep it shared. */
	if (exclusive && --l->exclusive == 0 && l->refs > 1 && l->pg) {
		gd__pg_lock_unset_exclusive(l->pg);
	} else if (exclusive && l->exclusive == 0 && l->refs > 1) {
		struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
		(void)fcntl(l->fd, F_SETLK, &fl);
	}
	if (--l->refs == 0) {
		struct gd__lock **p = &table;
		while (*p != l)
			p = &(*p)->next;
		*p = l->next;
		if (l->pg) {
			gd__pg_lock_close(l->pg); /* ends the session, and its lock */
			gd__free(l->url);
		} else {
			close(l->fd); /* drops the process's lock */
			pthread_mutex_destroy(&l->wmu);
		}
		gd__free(l);
	}
	pthread_mutex_unlock(&table_mu);
}

int gd__lock_write(struct gd__lock *l)
{
	if (!l)
		return 0;
	if (l->pg) {                           /* PostgreSQL queues writers on its advisory lock; the vault lock must still be held */
		pthread_mutex_lock(&table_mu); /* the lock connection is shared by the process's handles */
		int rc = gd__pg_lock_check(l->pg);
		pthread_mutex_unlock(&table_mu);
		return rc;
	}
	pthread_mutex_lock(&l->wmu);
	if (l->wdepth++ > 0)
		return 0;
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 1, .l_len = 1};
	int r;
	/* A signal's interruption is not a reason to give up; anything else is. */
	while ((r = fcntl(l->fd, F_SETLKW, &fl)) != 0 && errno == EINTR)
		;
	if (r == 0)
		return 0;
	int err = errno;
	l->wdepth--;
	pthread_mutex_unlock(&l->wmu);
	return gd__err(GD_EIO, "cannot take the vault's write queue lock: %s", strerror(err));
}

void gd__lock_write_release(struct gd__lock *l)
{
	if (!l || l->pg)
		return;
	if (--l->wdepth == 0) {
		struct flock fl = {.l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = 1, .l_len = 1};
		(void)fcntl(l->fd, F_SETLK, &fl);
	}
	pthread_mutex_unlock(&l->wmu);
}
