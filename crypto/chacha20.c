/* ChaCha20 keystreams over libsodium's IETF variant (96-bit nonce, 32-bit
 * block counter, as RFC 8439 defines it). */
#include "crypto/chacha20.h"

#include <sodium/crypto_stream_chacha20.h>

void chacha20_stream(uint8_t *out, size_t len, const struct secret *key,
		     const uint8_t nonce[CHACHA20_NONCE_LEN])
{
	/* Fails only beyond 2^32 blocks (256 GiB), which no caller asks
	 * for: onions and error packets are a few kilobytes. */
	crypto_stream_chacha20_ietf(out, len, nonce, key->data);
}

void chacha20_xor(uint8_t *out, const uint8_t *in, size_t len,
		  const struct secret *key,
		  const uint8_t nonce[CHACHA20_NONCE_LEN])
{
	crypto_stream_chacha20_ietf_xor(out, in, len, nonce, key->data);
}
