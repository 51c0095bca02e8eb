/*
 * input.c — "-" for standard input where a command takes an input file.
 *
 * The library reads its files by path (it checks sizes, names the file in
 * its findings). For "-" the CLI copies standard input, up to the command's
 * cap, into an anonymous memory file (memfd) and hands the library that
 * file's /proc/self/fd path; messages that name it say "<stdin>" instead.
 * Commands that must read a file twice or seek in it (a backup restored
 * in place) refuse "-" with cli_no_dash, saying why.
 */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int cli_input_open(struct cli *c, const char *arg, size_t max, struct cli_input *in)
{
	in->fd = -1;
	in->path = arg;
	in->name = arg;
	if (strcmp(arg, "-") != 0)
		return EXIT_OK;
	int fd = memfd_create("gardien-stdin", MFD_CLOEXEC);
	if (fd < 0)
		return cli_error(c, EXIT_ERROR, gd_error_name(GD_EIO), NULL, "cannot keep standard input: %s",
		                 strerror(errno));
	char buf[65536];
	size_t total = 0;
	for (;;) {
		ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return cli_error(c, EXIT_ERROR, gd_error_name(GD_EIO), NULL, "cannot read standard input: %s",
			                 strerror(e));
		}
		if (n == 0)
			break;
		/* One byte over the cap is enough for the library to refuse it by size. */
		size_t keep = total + (size_t)n > max + 1 ? max + 1 - total : (size_t)n;
		if (keep && write(fd, buf, keep) != (ssize_t)keep) {
			int e = errno;
			close(fd);
			return cli_error(c, EXIT_ERROR, gd_error_name(GD_EIO), NULL, "cannot keep standard input: %s",
			                 strerror(e));
		}
		total += keep;
		if (total > max) {
			close(fd);
			return cli_error(c, EXIT_USAGE, gd_error_name(GD_ETOOBIG), NULL,
			                 "standard input is over the %zu-byte limit of this input", max);
		}
	}
	snprintf(in->buf, sizeof in->buf, "/proc/self/fd/%d", fd);
	in->fd = fd;
	in->path = in->buf;
	in->name = "<stdin>";
	return EXIT_OK;
}

void cli_input_close(struct cli_input *in)
{
	if (in->fd >= 0)
		close(in->fd);
	in->fd = -1;
}

const char *cli_input_name(const struct cli_input *in, const char *file)
{
	return in && in->fd >= 0 && file && strcmp(file, in->path) == 0 ? in->name : file;
}

int cli_no_dash(struct cli *c, const char *cmd, const char *arg, const char *why)
{
	if (!arg || strcmp(arg, "-") != 0)
		return EXIT_OK;
	return cli_usage(c, cmd, "'-' (standard input or output) cannot stand for this file: %s", why);
}

int cli_input_bytes(struct cli *c, const struct cli_input *in, char **out, size_t *len)
{
	struct stat st;
	if (fstat(in->fd, &st) != 0 || st.st_size < 0)
		return cli_error(c, EXIT_ERROR, gd_error_name(GD_EIO), NULL, "cannot read standard input back");
	size_t n = (size_t)st.st_size, got = 0;
	char *buf = malloc(n + 1);
	if (!buf)
		return cli_error(c, EXIT_ERROR, gd_error_name(GD_ENOMEM), NULL, "out of memory");
	while (got < n) {
		ssize_t r = pread(in->fd, buf + got, n - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(buf);
			return cli_error(c, EXIT_ERROR, gd_error_name(GD_EIO), NULL, "cannot read standard input back");
		}
		got += (size_t)r;
	}
	buf[n] = 0;
	*out = buf, *len = n;
	return EXIT_OK;
}
