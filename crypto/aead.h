/* ChaCha20-Poly1305 (IETF, RFC 8439) with BOLT #8's nonce layout: the
 * `encryptWithAD` / `decryptWithAD` of the handshake and message cipher.
 *
 * The 64-bit counter n becomes the 96-bit nonce 0x00000000 || LE64(n).
 * Keys are 32 bytes; every ciphertext carries a 16-byte Poly1305 MAC at
 * its end.
 */
#ifndef OHM_CRYPTO_AEAD_H
#define OHM_CRYPTO_AEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/types.h"

#define AEAD_MAC_LEN 16
#define AEAD_NONCE_LEN 12

/* Writes BOLT #8's 12-byte nonce for counter n into out. */
void aead_nonce_from_counter(uint8_t out[AEAD_NONCE_LEN], uint64_t n);

/* encryptWithAD(key, nonce, ad, plain): writes plain_len bytes of
 * ciphertext and then the MAC, plain_len + AEAD_MAC_LEN bytes in all, to
 * out.  out may equal plain (in-place); other overlaps are not allowed.
 * ad may be NULL when ad_len is 0. */
void aead_encrypt(uint8_t *out, const struct secret *key, uint64_t nonce,
		  const void *ad, size_t ad_len,
		  const void *plain, size_t plain_len);

/* decryptWithAD(key, nonce, ad, cipher): checks the MAC on
 * cipher[0..cipher_len) and writes the cipher_len - AEAD_MAC_LEN bytes of
 * plaintext to out.  out may equal cipher (in-place).
 * Returns: true on success; false if cipher_len < AEAD_MAC_LEN or the MAC
 *          does not verify, in which case out holds zeros, never
 *          unauthenticated plaintext. */
bool aead_decrypt(uint8_t *out, const struct secret *key, uint64_t nonce,
		  const void *ad, size_t ad_len,
		  const void *cipher, size_t cipher_len);

#endif /* OHM_CRYPTO_AEAD_H */
