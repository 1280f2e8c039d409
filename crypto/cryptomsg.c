/* The BOLT #8 message cipher.  Invariant: sn and rn stay below
 * CRYPTOMSG_KEY_ROTATION_INTERVAL; the use that brings one there rotates
 * its key and resets it to 0. */
#include "crypto/cryptomsg.h"

#include "crypto/aead.h"
#include "crypto/hash.h"
#include "crypto/util.h"

void crypto_state_init(struct crypto_state *cs, const struct secret *sk,
		       const struct secret *rk, const struct secret *ck)
{
	/* BOLT #8:
	 * 7. `rn = 0, sn = 0`
	 *    * The sending and receiving nonces are initialized to 0.
	 * 8. `rck = sck = ck`
	 *    * The sending and receiving chaining keys are initialized the
	 *      same.
	 */
	cs->sk = *sk;
	cs->rk = *rk;
	cs->sck = *ck;
	cs->rck = *ck;
	cs->sn = 0;
	cs->rn = 0;
}

void crypto_state_wipe(struct crypto_state *cs)
{
	CRYPTO_WIPE(cs);
}

/* Counts one use of key k under nonce *n, rotating k when due. */
static void key_used(struct secret *k, struct secret *ck, uint64_t *n)
{
	/* BOLT #8:
	 * A key is to be rotated after a party encrypts or decrypts 1000
	 * times with it (i.e. every 500 messages). This can be properly
	 * accounted for by rotating the key once the nonce dedicated to it
	 * reaches 1000.
	 */
	if (++*n < CRYPTOMSG_KEY_ROTATION_INTERVAL)
		return;

	/* BOLT #8:
	 * 1. Let `ck` be the chaining key (i.e. `rck` for `rk` or `sck` for
	 *    `sk`)
	 * 2. `ck', k' = HKDF(ck, k)`
	 * 3. Reset the nonce for the key to `n = 0`.
	 * 4. `k = k'`
	 * 5. `ck = ck'`
	 */
	hkdf_two_keys(ck, k, ck, k->data, sizeof(k->data));
	*n = 0;
}

bool cryptomsg_encrypt(struct crypto_state *cs, uint8_t *out,
		       const uint8_t *msg, size_t msg_len)
{
	uint8_t len_be[2];

	/* BOLT #8:
	 * The *maximum* size of _any_ Lightning message MUST NOT exceed
	 * `65535` bytes.
	 */
	if (msg_len > CRYPTOMSG_MAX_MSG_LEN)
		return false;

	/* BOLT #8:
	 * 2. Serialize `l` into 2 bytes encoded as a big-endian integer.
	 * 3. Encrypt `l` (using `ChaChaPoly-1305`, `sn`, and `sk`), to obtain
	 *    `lc` (18 bytes)
	 */
	/* BOLT #8:
	 *     * The nonce `sn` MUST be incremented after this step.
	 *     * A zero-length byte slice is to be passed as the AD (associated
	 *       data).
	 */
	len_be[0] = (uint8_t)(msg_len >> 8);
	len_be[1] = (uint8_t)msg_len;
	aead_encrypt(out, &cs->sk, cs->sn, NULL, 0, len_be, sizeof(len_be));
	key_used(&cs->sk, &cs->sck, &cs->sn);

	/* BOLT #8:
	 * 4. Finally, encrypt the message itself (`m`) using the same
	 *    procedure used to encrypt the length prefix. Let encrypted
	 *    ciphertext be known as `c`.
	 *     * The nonce `sn` MUST be incremented after this step.
	 */
	aead_encrypt(out + CRYPTOMSG_HEADER_LEN, &cs->sk, cs->sn, NULL, 0,
		     msg, msg_len);
	key_used(&cs->sk, &cs->sck, &cs->sn);
	return true;
}

bool cryptomsg_decrypt_header(struct crypto_state *cs, uint16_t *msg_len,
			      const uint8_t header[CRYPTOMSG_HEADER_LEN])
{
	uint8_t len_be[2];

	/* BOLT #8:
	 * 3. Decrypt `lc` (using `ChaCha20-Poly1305`, `rn`, and `rk`), to
	 *    obtain the size of the encrypted packet `l`.
	 *     * A zero-length byte slice is to be passed as the AD
	 *       (associated data).
	 *     * The nonce `rn` MUST be incremented after this step.
	 */
	if (!aead_decrypt(len_be, &cs->rk, cs->rn, NULL, 0, header,
			  CRYPTOMSG_HEADER_LEN))
		return false;
	key_used(&cs->rk, &cs->rck, &cs->rn);
	*msg_len = (uint16_t)(len_be[0] << 8 | len_be[1]);
	return true;
}

bool cryptomsg_decrypt_body(struct crypto_state *cs, uint8_t *msg,
			    const uint8_t *body, size_t body_len)
{
	/* BOLT #8:
	 * 5. Decrypt `c` (using `ChaCha20-Poly1305`, `rn`, and `rk`), to
	 *    obtain decrypted plaintext packet `p`.
	 *     * The nonce `rn` MUST be incremented after this step.
	 */
	if (!aead_decrypt(msg, &cs->rk, cs->rn, NULL, 0, body, body_len))
		return false;
	key_used(&cs->rk, &cs->rck, &cs->rn);
	return true;
}
