/*
 * backup.h — encrypted backups inside the library (backup.c): what the fuzzer
 * and the restore path reach below the public API (include/gardien.h).
 */
#ifndef GD_BACKUP_H
#define GD_BACKUP_H

#include "gardien.h"

/*
 * Verifies a backup file under `master` (checksum, key id, every chunk) and,
 * with `plain`, writes the decrypted snapshot there. Exposed for the fuzzer.
 */
int gd__backup_decrypt(const unsigned char *master, const char *file, const char *plain,
                       gd_time *created);

#endif
