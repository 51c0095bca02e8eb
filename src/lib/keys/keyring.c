/*
 * keyring.c — the vault's key file and where it comes from (providers), its
 * versions, and the secrets once derived from the master key.
 *
 * Key file, format 1 (written by gd_vault_init; 40 bytes):
 *   0  8  magic "GDKEY\0\1\0"
 *   8 32  master key
 * Every other secret is then derived from the master key (libsodium KDF):
 * backup key (id 1, "gdbackup"), journal MAC key (2, "gdjournl"), audit
 * signing seed (1, "gdaudit_"), TOTP sealing key (3, "gdtotp__").
 *
 * Format 2 (written by the first `gardien key rotate`; 12 + 40 n bytes):
 *   0  8  magic "GDKEY\0\2\0"
 *   8  4  n, the number of entries (little-endian, 1..GD__KEYRING_MAX)
 *   12 …  n entries of 40 bytes: kind (1), zero (3), version (u32 LE), key (32)
 * kinds: 1 master, 2 backup, 3 journal MAC, 4 audit seed, 5 TOTP, 6 master on
 * a token (no bytes), 7 erasure-epoch secret (written by `key epoch`), 8 an
 * epoch secret on the token of a token vault (no bytes). The first
 * rotation writes the derived secrets as entries of their own (version 1, the
 * same bytes), so that a new master key wraps the tenant keys without
 * changing them. Several versions of a kind may be present: the highest is
 * the current one; older backup keys stay while backups need them, an older
 * master only while a rotation is under way (gd_key_rotate).
 *
 * Providers: the bytes of the key file come from a file (default), an open
 * file descriptor, or the standard output of a command (a secrets manager, a
 * cloud KMS client). A provider may also give the 64 hex digits of a format-1
 * master key, or the key file in hex.
 *
 * Invariant: entries live in secure memory (the ring is gd__secure_alloc'd)
 * and every transient copy is wiped.
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/internal.h"

#define MAGIC1 "GDKEY\0\1\0"
#define MAGIC2 "GDKEY\0\2\0"
#define ENTRY 40
#define FILE_MAX (12 + ENTRY * GD__KEYRING_MAX)
#define HEX_MAX (2 * FILE_MAX + 8)

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(unsigned char *p, uint32_t x)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(x >> (8 * i));
}

struct gd__keyring *gd__keyring_new(void)
{
	struct gd__keyring *kr = gd__secure_alloc(sizeof *kr);
	if (kr)
		memset(kr, 0, sizeof *kr);
	return kr;
}

void gd__keyring_free(struct gd__keyring *kr)
{
	gd__secure_free(kr);
}

int gd__keyring_add(struct gd__keyring *kr, int kind, uint32_t version, const unsigned char key[GD__KEY_SIZE])
{
	if (kr->n >= GD__KEYRING_MAX)
		return gd__err(GD_ETOOBIG, "the key file holds %d keys already: prune old backups, then rotate",
		               GD__KEYRING_MAX);
	kr->e[kr->n].kind = (unsigned char)kind;
	kr->e[kr->n].version = version;
	memcpy(kr->e[kr->n].key, key, GD__KEY_SIZE);
	kr->n++;
	return 0;
}

void gd__keyring_remove(struct gd__keyring *kr, int kind, uint32_t version)
{
	for (int i = 0; i < kr->n; i++) {
		if (kr->e[i].kind != kind || kr->e[i].version != version)
			continue;
		gd__wipe(&kr->e[i], sizeof kr->e[i]);
		memmove(&kr->e[i], &kr->e[i + 1], (size_t)(kr->n - i - 1) * sizeof kr->e[i]);
		kr->n--;
		gd__wipe(&kr->e[kr->n], sizeof kr->e[kr->n]);
		return;
	}
}

/* The legacy derivation of a kind from a master key (format 1). */
static void derive(int kind, const unsigned char *master, unsigned char out[GD__KEY_SIZE])
{
	switch (kind) {
	case GD__K_BACKUP: gd__kdf(out, GD__KEY_SIZE, 1, "gdbackup", master); break;
	case GD__K_JOURNAL: gd__kdf(out, GD__KEY_SIZE, 2, "gdjournl", master); break;
	case GD__K_AUDIT: gd__kdf(out, GD__KEY_SIZE, 1, "gdaudit_", master); break;
	case GD__K_TOTP: gd__kdf(out, GD__KEY_SIZE, 3, "gdtotp__", master); break;
	default: memcpy(out, master, GD__KEY_SIZE);
	}
}

const struct gd__keyring_entry *gd__keyring_find(const struct gd__keyring *kr, int kind, uint32_t version)
{
	const struct gd__keyring_entry *best = NULL;
	for (int i = 0; i < kr->n; i++)
		if (kr->e[i].kind == kind && (version ? kr->e[i].version == version
		                                      : !best || kr->e[i].version > best->version))
			best = &kr->e[i];
	return best;
}

uint32_t gd__keyring_current(const struct gd__keyring *kr, int kind, unsigned char out[GD__KEY_SIZE])
{
	const struct gd__keyring_entry *e = gd__keyring_find(kr, kind, 0);
	if (e) {
		memcpy(out, e->key, GD__KEY_SIZE);
		return e->version;
	}
	/* A format-1 ring: one master, everything else derived from it. */
	const struct gd__keyring_entry *m = gd__keyring_find(kr, GD__K_MASTER, 0);
	derive(kind, m ? m->key : (const unsigned char[GD__KEY_SIZE]){0}, out);
	return 1;
}

void gd__keyring_materialise(struct gd__keyring *kr)
{
	const struct gd__keyring_entry *m = gd__keyring_find(kr, GD__K_MASTER, 0);
	if (!m)
		return;
	unsigned char master[GD__KEY_SIZE];
	memcpy(master, m->key, sizeof master);
	static const int kinds[] = {GD__K_BACKUP, GD__K_JOURNAL, GD__K_AUDIT, GD__K_TOTP};
	unsigned char k[GD__KEY_SIZE];
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
		if (gd__keyring_find(kr, kinds[i], 0))
			continue;
		derive(kinds[i], master, k);
		gd__keyring_add(kr, kinds[i], 1, k);
	}
	gd__wipe(k, sizeof k);
	gd__wipe(master, sizeof master);
}

/* Parses key-file bytes (binary or hex) into `kr`. */
static int parse(struct gd__keyring *kr, unsigned char *buf, size_t n, const char *where)
{
	unsigned char *bin = NULL;
	int rc = 0;
	/* Hex (a secrets manager holds text): the key file, or a bare master key. */
	if (n >= 64 && memcmp(buf, "GDKEY", 5) != 0) {
		while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
			n--;
		if (n % 2 || n > HEX_MAX || !(bin = gd__secure_alloc(n / 2 + 1)))
			return gd__err(GD_EDENIED, "%s is not a gardien key (a key file, or its hex)", where);
		char *hex = gd__secure_alloc(n + 1);
		if (!hex) {
			gd__secure_free(bin);
			return GD_ENOMEM;
		}
		memcpy(hex, buf, n);
		hex[n] = 0;
		rc = gd__unhex(bin, n / 2, hex);
		gd__secure_free(hex);
		if (rc < 0) {
			gd__secure_free(bin);
			return gd__err(GD_EDENIED, "%s is not a gardien key (a key file, or its hex)", where);
		}
		n /= 2;
		buf = bin;
		if (n == GD__KEY_SIZE) {
			rc = gd__keyring_add(kr, GD__K_MASTER, 1, buf);
			kr->format = 1;
			gd__secure_free(bin);
			return rc;
		}
	}
	if (n == 8 + GD__KEY_SIZE && memcmp(buf, MAGIC1, 8) == 0) {
		rc = gd__keyring_add(kr, GD__K_MASTER, 1, buf + 8);
		kr->format = 1;
	} else if (n >= 12 && memcmp(buf, MAGIC2, 8) == 0 && get32(buf + 8) >= 1 &&
	           get32(buf + 8) <= GD__KEYRING_MAX && n == 12 + ENTRY * (size_t)get32(buf + 8)) {
		uint32_t count = get32(buf + 8);
		kr->format = 2;
		for (uint32_t i = 0; rc == 0 && i < count; i++) {
			const unsigned char *e = buf + 12 + ENTRY * i;
			if (e[0] < GD__K_MASTER || e[0] > GD__K_EPOCH_TOKEN || get32(e + 4) == 0)
				rc = gd__err(GD_EDENIED, "%s holds a key of an unknown kind or version", where);
			else
				rc = gd__keyring_add(kr, e[0], get32(e + 4), e + 8);
		}
		if (rc == 0 && !gd__keyring_find(kr, GD__K_MASTER, 0) && !gd__keyring_find(kr, GD__K_TOKEN, 0))
			rc = gd__err(GD_EDENIED, "%s holds no master key", where);
		/* With the master on a token nothing can be derived: every other key must be there. */
		for (int k = GD__K_BACKUP; rc == 0 && !gd__keyring_find(kr, GD__K_MASTER, 0) && k <= GD__K_TOTP; k++)
			if (!gd__keyring_find(kr, k, 0))
				rc = gd__err(GD_EDENIED, "%s lacks a key of kind %d", where, k);
	} else {
		rc = gd__err(GD_EDENIED, "%s is not a gardien key file", where);
	}
	gd__secure_free(bin);
	return rc;
}

/* Reads up to `cap` bytes from fd into buf; one byte more means too long. */
static int read_fd(int fd, unsigned char *buf, size_t cap, size_t *n)
{
	*n = 0;
	while (*n < cap) {
		ssize_t r = read(fd, buf + *n, cap - *n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		*n += (size_t)r;
	}
	return 0;
}

static int from_file(struct gd__keyring *kr, const char *kpath)
{
	struct stat st;
	/* O_NONBLOCK: a FIFO (or device) given as key file must not hang the
	 * open; anything but a regular file is refused below. */
	int fd = open(kpath, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return gd__err(errno == ENOENT ? GD_ENOTFOUND : GD_EIO,
		               "cannot open key file %s: %s", kpath, strerror(errno));
	unsigned char *buf = gd__secure_alloc(FILE_MAX + 1);
	size_t n = 0;
	int rc = 0;
	if (!buf)
		rc = GD_ENOMEM;
	else if (fstat(fd, &st) != 0)
		rc = gd__err(GD_EIO, "cannot stat key file %s", kpath);
	else if (!S_ISREG(st.st_mode))
		rc = gd__err(GD_EDENIED, "key file %s is not a regular file (a FIFO, device or directory): give the key file itself",
		             kpath);
	else if (st.st_mode & 077)
		rc = gd__err(GD_EDENIED, "key file %s is accessible by other users: run 'chmod 600 %s'", kpath, kpath);
	else if (read_fd(fd, buf, FILE_MAX + 1, &n) != 0)
		rc = gd__err(GD_EIO, "cannot read key file %s", kpath);
	else if (n > FILE_MAX || memcmp(buf, "GDKEY", n < 5 ? n : 5) != 0 || n < 5)
		rc = gd__err(GD_EDENIED, "%s is not a gardien key file", kpath);
	else
		rc = parse(kr, buf, n, kpath);
	close(fd);
	gd__secure_free(buf);
	return rc;
}

static int from_fd(struct gd__keyring *kr, int fd)
{
	char where[48];
	unsigned char *buf = gd__secure_alloc(HEX_MAX + 1);
	size_t n = 0;
	int rc;
	snprintf(where, sizeof where, "the key on descriptor %d", fd);
	if (!buf)
		return GD_ENOMEM;
	/* From its start when it is a file (each open of the vault reads it again), else as a stream. */
	ssize_t got = pread(fd, buf, HEX_MAX + 1, 0);
	if (got >= 0)
		n = (size_t)got, rc = 0;
	else if (errno == ESPIPE)
		rc = read_fd(fd, buf, HEX_MAX + 1, &n) != 0 ? gd__err(GD_EIO, "cannot read %s: %s", where, strerror(errno)) : 0;
	else
		rc = gd__err(GD_EIO, "cannot read %s: %s", where, strerror(errno));
	if (rc < 0)
		;
	else if (n > HEX_MAX)
		rc = gd__err(GD_EDENIED, "%s is longer than any gardien key", where);
	else
		rc = parse(kr, buf, n, where);
	gd__secure_free(buf);
	return rc;
}

/*
 * Runs `command` with /bin/sh, its standard output a pipe read here (bounded),
 * its standard input /dev/null, stderr inherited (the operator sees why a
 * secrets manager refused). It must exit 0.
 */
static int from_command(struct gd__keyring *kr, const char *command)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return gd__err(GD_EIO, "cannot run the key command: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]), close(p[1]);
		return gd__err(GD_EIO, "cannot run the key command: %s", strerror(errno));
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);
		if (nul < 0 || dup2(nul, 0) < 0 || dup2(p[1], 1) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	unsigned char *buf = gd__secure_alloc(HEX_MAX + 1);
	size_t n = 0;
	int rc = 0, status = 0;
	if (!buf)
		rc = GD_ENOMEM;
	else if (read_fd(p[0], buf, HEX_MAX + 1, &n) != 0)
		rc = gd__err(GD_EIO, "cannot read the key command's output: %s", strerror(errno));
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		rc = gd__err(GD_EDENIED, "the key command failed (exit %d): no key", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	else if (rc == 0 && n > HEX_MAX)
		rc = gd__err(GD_EDENIED, "the key command printed more than any gardien key");
	else if (rc == 0)
		rc = parse(kr, buf, n, "the key command's output");
	gd__secure_free(buf);
	return rc;
}

int gd__keyring_read(struct gd__keyring *kr, const char *vault_path, const gd_vault_options *opts,
                     char *key_path, size_t cap)
{
	char path[4200];
	kr->n = 0;
	if (opts && opts->key_command)
		return from_command(kr, opts->key_command);
	if (opts && opts->key_fd > 0)
		return from_fd(kr, opts->key_fd);
	if (opts && opts->key_path)
		snprintf(path, sizeof path, "%s", opts->key_path);
	else
		snprintf(path, sizeof path, "%s.key", vault_path);
	if (key_path)
		snprintf(key_path, cap, "%s", path);
	return from_file(kr, path);
}

int gd__keyring_write(const struct gd__keyring *kr, const char *kpath)
{
	char tmp[4300];
	unsigned char *buf = gd__secure_alloc(FILE_MAX);
	if (!buf)
		return GD_ENOMEM;
	memcpy(buf, MAGIC2, 8);
	put32(buf + 8, (uint32_t)kr->n);
	for (int i = 0; i < kr->n; i++) {
		unsigned char *e = buf + 12 + ENTRY * i;
		memset(e, 0, ENTRY);
		e[0] = kr->e[i].kind;
		put32(e + 4, kr->e[i].version);
		memcpy(e + 8, kr->e[i].key, GD__KEY_SIZE);
	}
	size_t n = 12 + ENTRY * (size_t)kr->n;
	snprintf(tmp, sizeof tmp, "%s.new", kpath);
	int rc = 0, fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = gd__err(GD_EIO, "cannot write the key file %s: %s", tmp, strerror(errno));
	} else {
		if (gd__fault_point() || write(fd, buf, n) != (ssize_t)n || fsync(fd) != 0)
			rc = gd__err(GD_EIO, "cannot write the key file %s", tmp);
		close(fd);
		/* The rename is the switch: a crash leaves the old file or the new, whole. */
		if (rc == 0 && rename(tmp, kpath) != 0)
			rc = gd__err(GD_EIO, "cannot replace the key file %s: %s", kpath, strerror(errno));
		if (rc < 0)
			unlink(tmp);
	}
	if (rc == 0) {
		char dir[4200];
		snprintf(dir, sizeof dir, "%s", kpath);
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = 0;
		int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	gd__secure_free(buf);
	return rc;
}
