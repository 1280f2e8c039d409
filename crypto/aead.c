/* BOLT #8's AEAD over libsodium's crypto_aead_chacha20poly1305_ietf_*. */
#include "crypto/aead.h"

#include <string.h>

#include <sodium/crypto_aead_chacha20poly1305.h>

#include "crypto/util.h"

void aead_nonce_from_counter(uint8_t out[AEAD_NONCE_LEN], uint64_t n)
{
	/* BOLT #8:
	 *       with the passed arguments, with nonce `n` encoded as 32 zero
	 *       bits, followed by a *little-endian* 64-bit value.
	 */
	memset(out, 0, 4);
	for (size_t i = 0; i < 8; i++)
		out[4 + i] = (uint8_t)(n >> (8 * i));
}

void aead_encrypt(uint8_t *out, const struct secret *key, uint64_t nonce,
		  const void *ad, size_t ad_len,
		  const void *plain, size_t plain_len)
{
	uint8_t npub[AEAD_NONCE_LEN];
	unsigned long long out_len;

	aead_nonce_from_counter(npub, nonce);
	/* Cannot fail: it only reports the output length. */
	crypto_aead_chacha20poly1305_ietf_encrypt(out, &out_len, plain,
						  plain_len, ad, ad_len, NULL,
						  npub, key->data);
}

bool aead_decrypt(uint8_t *out, const struct secret *key, uint64_t nonce,
		  const void *ad, size_t ad_len,
		  const void *cipher, size_t cipher_len)
{
	uint8_t npub[AEAD_NONCE_LEN];
	unsigned long long out_len;

	if (cipher_len < AEAD_MAC_LEN)
		return false;
	aead_nonce_from_counter(npub, nonce);
	/* libsodium checks the MAC before it decrypts anything. */
	if (crypto_aead_chacha20poly1305_ietf_decrypt(out, &out_len, NULL,
						      cipher, cipher_len,
						      ad, ad_len, npub,
						      key->data) != 0) {
		/* It zeroes out too, but the header promises it. */
		if (cipher_len > AEAD_MAC_LEN)
			crypto_wipe(out, cipher_len - AEAD_MAC_LEN);
		return false;
	}
	return true;
}
