/* Process setup and the small safety primitives everything in crypto/ uses:
 * CSPRNG bytes, constant-time comparison and wiping, all from libsodium.
 */
#ifndef OHM_CRYPTO_UTIL_H
#define OHM_CRYPTO_UTIL_H

#include <stdbool.h>
#include <stddef.h>

/* Initialises libsodium: seeds its RNG and selects the fastest ChaCha20,
 * Poly1305 and SHA-256 code for this CPU.  Call once at program start,
 * before any other crypto/ function; later calls are cheap no-ops and it is
 * thread-safe.
 * Returns: true on success, false if libsodium could not initialise (no
 *          usable entropy source; the program must not continue). */
bool crypto_init(void);

/* Fills out[0..len) with bytes from the operating system's CSPRNG. */
void crypto_random_bytes(void *out, size_t len);

/* Returns: true if a[0..len) equals b[0..len).  Takes the same time
 * whatever the contents, so it is safe for MACs and secrets. */
bool crypto_memeq(const void *a, const void *b, size_t len);

/* Zeroes p[0..len) in a way the compiler cannot optimise away. */
void crypto_wipe(void *p, size_t len);

/* Wipes the object ptr points to. */
#define CRYPTO_WIPE(ptr) crypto_wipe((ptr), sizeof(*(ptr)))

#endif /* OHM_CRYPTO_UTIL_H */
