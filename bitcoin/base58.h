/* Base58 and Base58Check: the encoding of legacy (P2PKH/P2SH) addresses
 * and of BIP32 extended keys.
 *
 * Base58Check appends the first 4 bytes of dSHA256(payload) before
 * encoding; decoding checks them.  Leading zero bytes are written as
 * leading '1's.  The conversion is quadratic, which is fine for the
 * sub-100-byte payloads it is used for; inputs are capped at
 * BASE58_MAX_PAYLOAD bytes.
 */
#ifndef OHM_BITCOIN_BASE58_H
#define OHM_BITCOIN_BASE58_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest payload (before the checksum) we encode or decode. */
#define BASE58_MAX_PAYLOAD 128

/* Writes the Base58 form of data[0..len) and a NUL into out[0..out_size).
 * Returns: false (out untouched) if len > BASE58_MAX_PAYLOAD + 4 or it
 *          does not fit. */
bool base58_encode(char *out, size_t out_size, const uint8_t *data,
		   size_t len);

/* Decodes str into out[0..out_size), *out_len bytes.
 * Returns: false (outputs untouched) on a non-Base58 character, or a
 *          result longer than out_size or BASE58_MAX_PAYLOAD + 4. */
bool base58_decode(uint8_t *out, size_t *out_len, size_t out_size,
		   const char *str);

/* Base58 of payload || first 4 bytes of dSHA256(payload). */
bool base58check_encode(char *out, size_t out_size, const uint8_t *payload,
			size_t len);

/* Decodes and checks the 4-byte checksum; out gets the payload only.
 * Returns: false with *err (if not NULL) naming the problem. */
bool base58check_decode(uint8_t *out, size_t *out_len, size_t out_size,
			const char *str, const char **err);

#endif /* OHM_BITCOIN_BASE58_H */
