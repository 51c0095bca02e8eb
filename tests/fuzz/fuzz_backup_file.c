/*
 * fuzz_backup_file.c — the backup file reader. The input is written as a backup
 * file; when its last byte is odd, its correct checksum is appended so that the chunk
 * parser and the decryption are reached, not only the checksum check.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/backup/backup.h"
#include "lib/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64], plain[80];
	static const unsigned char master[GD__KEY_SIZE] = {7};
	if (!path[0]) {
		if (gd__crypto_init() < 0)
			abort();
		snprintf(path, sizeof path, "/tmp/gd-fuzz-backup-%d", (int)getpid());
		snprintf(plain, sizeof plain, "%s.plain", path);
	}
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	if (size && (data[size - 1] & 1)) {
		unsigned char sum[GD__HASH_SIZE];
		gd__hash_state h;
		gd__hash_init(&h);
		gd__hash_update(&h, data, size);
		gd__hash_final(&h, sum);
		fwrite(sum, 1, sizeof sum, f);
	}
	fclose(f);
	gd_time created;
	if (gd__backup_decrypt(master, path, plain, &created) == 0)
		__builtin_trap(); /* nothing forged without the key opens */
	unlink(plain);
	unlink(path);
	return 0;
}
