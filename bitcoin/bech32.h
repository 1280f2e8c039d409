/* Bech32 (BIP173) and Bech32m (BIP350): the checksummed base32 string
 * format of segwit addresses, and of BOLT #11 invoices.
 *
 * The data part is handled as 5-bit values ("data5"); bech32_convert_bits
 * regroups bytes to and from them.  The 90-character limit is BIP173's,
 * for addresses; BOLT #11 decodes longer strings, so every function that
 * cares takes the limit as max_len (SIZE_MAX for none).
 */
#ifndef OHM_BITCOIN_BECH32_H
#define OHM_BITCOIN_BECH32_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum bech32_encoding {
	BECH32_ENCODING_NONE,	/* the checksum matches neither */
	BECH32_ENCODING_BECH32,	/* BIP173: constant 1 */
	BECH32_ENCODING_BECH32M,	/* BIP350: constant 0x2bc830a3 */
};

/* BIP173: "The human-readable part ... must contain 1 to 83 US-ASCII
 * characters"; whole string at most 90 characters. */
#define BECH32_MAX_LEN 90
#define BECH32_CHECKSUM_LEN 6

/* Computes the 6 checksum values for hrp (lowercase) and data5.  Inputs
 * are not validated here; bech32_encode does that. */
void bech32_create_checksum(uint8_t checksum[BECH32_CHECKSUM_LEN],
			    const char *hrp, const uint8_t *data5,
			    size_t data5_len, enum bech32_encoding encoding);

/* Returns: which encoding's checksum data5[0..data5_len) (which ends with
 *          the 6 checksum values) satisfies for hrp (lowercase), or
 *          BECH32_ENCODING_NONE. */
enum bech32_encoding bech32_verify_checksum(const char *hrp,
					    const uint8_t *data5,
					    size_t data5_len);

/* Writes hrp, '1', data5 as characters and the checksum, and a NUL, into
 * out[0..out_size).
 * Returns: false (out untouched) if hrp is empty, has characters outside
 *          33..126 or uppercase ones, a data5 value is 32 or more, the
 *          result would exceed max_len characters or not fit out_size, or
 *          encoding is NONE. */
bool bech32_encode(char *out, size_t out_size, const char *hrp,
		   const uint8_t *data5, size_t data5_len,
		   enum bech32_encoding encoding, size_t max_len);

/* Decodes str: *encoding gets which checksum matched, hrp_out the
 * lowercased human-readable part (NUL-terminated; hrp_size bytes), and
 * data5_out the 5-bit values without the checksum (*data5_len of them;
 * data5_size available).  Buffers of strlen(str) bytes always suffice.
 * Returns: false with *err (if err is not NULL) naming the problem, and
 *          outputs untouched, if str is not valid bech32 or bech32m:
 *          over max_len, a character outside 33..126, mixed case, no
 *          separator, empty hrp, short checksum, a character not in the
 *          charset, or a bad checksum. */
bool bech32_decode(enum bech32_encoding *encoding, char *hrp_out,
		   size_t hrp_size, uint8_t *data5_out, size_t *data5_len,
		   size_t data5_size, const char *str, size_t max_len,
		   const char **err);

/* Regroups in_len values of in_bits bits into values of out_bits bits
 * (each at most 8), most significant bit first.  With pad, a final
 * partial group is zero-padded; without, BIP173 requires the leftover to
 * be under in_bits bits and all zero.
 * Returns: false (outputs untouched) if the padding rule fails, an input
 *          value has bits above in_bits, or out_size is too small. */
bool bech32_convert_bits(uint8_t *out, size_t *out_len, size_t out_size,
			 unsigned out_bits, const uint8_t *in, size_t in_len,
			 unsigned in_bits, bool pad);

#endif /* OHM_BITCOIN_BECH32_H */
