/* ohmd's data directory: <ohm-dir>/<network>/ holds the lock file, the
 * node secret, the database and the RPC socket. */
#ifndef OHM_DAEMON_DATADIR_H
#define OHM_DAEMON_DATADIR_H

#include <secp256k1.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Creates dir (mode 0700) if missing; an existing directory is fine. */
bool datadir_make(const char *dir, char *err, size_t errlen);

/* Takes the exclusive lock <net_dir>/ohmd.pid and writes our pid in it.
 * Returns the lock's fd, or -1 with a message naming the holder's pid when
 * another ohmd has it.  The kernel drops the lock if we die. */
int datadir_lock(const char *net_dir, char *err, size_t errlen);

/* Loads the 32-byte node secret at path, or creates it (mode 0400) from
 * libsodium's CSPRNG if the file does not exist.  A file of the wrong size
 * or holding an invalid key is an error: we never overwrite it. */
bool node_secret_load_or_create(const secp256k1_context *secp, const char *path,
				uint8_t secret[32], bool *is_created,
				char *err, size_t errlen);

#endif /* OHM_DAEMON_DATADIR_H */
