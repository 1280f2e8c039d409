/* The ChaCha20 stream cipher (RFC 8439) as a keystream: BOLT #4 obfuscates
 * onion payloads and error packets by XORing them with "a pseudo-random
 * byte stream" from ChaCha20 under a 96-bit nonce, starting at block 0.
 *
 * Thin wrappers over libsodium's crypto_stream_chacha20_ietf.  There is no
 * authentication here: for an AEAD, see crypto/aead.h.
 */
#ifndef OHM_CRYPTO_CHACHA20_H
#define OHM_CRYPTO_CHACHA20_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/types.h"

#define CHACHA20_NONCE_LEN 12

/* Writes len bytes of the ChaCha20 keystream for key and nonce (block
 * counter 0 onwards) to out: the encryption of len zero bytes. */
void chacha20_stream(uint8_t *out, size_t len, const struct secret *key,
		     const uint8_t nonce[CHACHA20_NONCE_LEN]);

/* out[i] = in[i] ^ keystream[i] for i < len, with the keystream above.
 * out may equal in (in place); other overlaps are not allowed. */
void chacha20_xor(uint8_t *out, const uint8_t *in, size_t len,
		  const struct secret *key,
		  const uint8_t nonce[CHACHA20_NONCE_LEN]);

#endif /* OHM_CRYPTO_CHACHA20_H */
