/*
 * fuzz_keyring.c — the key file parser, fed the way a key provider feeds it
 * (a descriptor; a command's output goes through the same parser): binary key
 * files of format 1 and 2, their hex, a bare hex master key. Whatever the
 * bytes, the parse ends in a ring of at most GD__KEYRING_MAX well-formed keys
 * or an error, and never reads past what it was given.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	if (!path[0]) {
		if (gd__crypto_init() < 0)
			abort();
		snprintf(path, sizeof path, "/tmp/gd-fuzz-keyring-%d", (int)getpid());
	}
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	struct gd__keyring *kr = gd__keyring_new();
	if (!kr)
		abort();
	gd_vault_options o = GD_VAULT_OPTIONS_INIT;
	o.key_fd = fd;
	if (gd__keyring_read(kr, "/nonexistent/vault", &o, NULL, 0) == 0) {
		if (kr->n < 1 || kr->n > GD__KEYRING_MAX ||
		    (!gd__keyring_find(kr, GD__K_MASTER, 0) && !gd__keyring_find(kr, GD__K_TOKEN, 0)))
			__builtin_trap(); /* a ring without a master never comes out */
		for (int i = 0; i < kr->n; i++)
			if (kr->e[i].kind < GD__K_MASTER || kr->e[i].kind > GD__K_TOKEN || !kr->e[i].version)
				__builtin_trap();
	}
	gd__keyring_free(kr);
	close(fd);
	unlink(path);
	return 0;
}
