/* SHA-1, for OP_SHA1 only (consensus still includes it; nothing else in
 * ohm should use it).
 *
 * TODO(bitcoin/): move once crypto/ has it (libsodium has no SHA-1).
 */
#ifndef OHM_CONTRIB_DEVCHAIN_SHA1_H
#define OHM_CONTRIB_DEVCHAIN_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define SHA1_LEN 20

/* out = SHA1(data[0..len)). */
void sha1(uint8_t out[SHA1_LEN], const void *data, size_t len);

#endif /* OHM_CONTRIB_DEVCHAIN_SHA1_H */
