/* Bech32/Bech32m after the BIP173 reference implementation. */
#include "bitcoin/bech32.h"

#include <stdlib.h>
#include <string.h>

#include "wire/wirebuf.h"

static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/* BIP350: "M = 0x2bc830a3"; BIP173's constant is 1. */
static uint32_t encoding_constant(enum bech32_encoding encoding)
{
	return encoding == BECH32_ENCODING_BECH32M ? 0x2bc830a3 : 1;
}

static uint32_t polymod_step(uint32_t pre)
{
	uint8_t b = pre >> 25;

	return ((pre & 0x1ffffff) << 5)
		^ (-((b >> 0) & 1) & 0x3b6a57b2UL)
		^ (-((b >> 1) & 1) & 0x26508e6dUL)
		^ (-((b >> 2) & 1) & 0x1ea119faUL)
		^ (-((b >> 3) & 1) & 0x3d4233ddUL)
		^ (-((b >> 4) & 1) & 0x2a1462b3UL);
}

/* The checksum state after the expanded hrp: high bits, 0, low bits. */
static uint32_t polymod_hrp(const char *hrp)
{
	uint32_t chk = 1;
	size_t len = strlen(hrp);

	for (size_t i = 0; i < len; i++)
		chk = polymod_step(chk) ^ ((uint8_t)hrp[i] >> 5);
	chk = polymod_step(chk);
	for (size_t i = 0; i < len; i++)
		chk = polymod_step(chk) ^ (hrp[i] & 0x1f);
	return chk;
}

void bech32_create_checksum(uint8_t checksum[BECH32_CHECKSUM_LEN],
			    const char *hrp, const uint8_t *data5,
			    size_t data5_len, enum bech32_encoding encoding)
{
	uint32_t chk = polymod_hrp(hrp);

	for (size_t i = 0; i < data5_len; i++)
		chk = polymod_step(chk) ^ data5[i];
	for (size_t i = 0; i < BECH32_CHECKSUM_LEN; i++)
		chk = polymod_step(chk);
	chk ^= encoding_constant(encoding);
	for (size_t i = 0; i < BECH32_CHECKSUM_LEN; i++)
		checksum[i] = (chk >> (5 * (5 - i))) & 0x1f;
}

enum bech32_encoding bech32_verify_checksum(const char *hrp,
					    const uint8_t *data5,
					    size_t data5_len)
{
	uint32_t chk = polymod_hrp(hrp);

	for (size_t i = 0; i < data5_len; i++)
		chk = polymod_step(chk) ^ data5[i];
	if (chk == encoding_constant(BECH32_ENCODING_BECH32))
		return BECH32_ENCODING_BECH32;
	if (chk == encoding_constant(BECH32_ENCODING_BECH32M))
		return BECH32_ENCODING_BECH32M;
	return BECH32_ENCODING_NONE;
}

bool bech32_encode(char *out, size_t out_size, const char *hrp,
		   const uint8_t *data5, size_t data5_len,
		   enum bech32_encoding encoding, size_t max_len)
{
	size_t hrp_len = strlen(hrp), total;
	uint8_t checksum[BECH32_CHECKSUM_LEN];
	char *p;

	if (encoding == BECH32_ENCODING_NONE || hrp_len == 0)
		return false;
	total = hrp_len + 1 + data5_len + BECH32_CHECKSUM_LEN;
	if (total < hrp_len || total > max_len || total >= out_size)
		return false;
	for (size_t i = 0; i < hrp_len; i++)
		if (hrp[i] < 33 || hrp[i] > 126
		    || (hrp[i] >= 'A' && hrp[i] <= 'Z'))
			return false;
	for (size_t i = 0; i < data5_len; i++)
		if (data5[i] >> 5)
			return false;
	bech32_create_checksum(checksum, hrp, data5, data5_len, encoding);
	p = out;
	memcpy(p, hrp, hrp_len);
	p += hrp_len;
	*p++ = '1';
	for (size_t i = 0; i < data5_len; i++)
		*p++ = charset[data5[i]];
	for (size_t i = 0; i < BECH32_CHECKSUM_LEN; i++)
		*p++ = charset[checksum[i]];
	*p = '\0';
	return true;
}

static int charset_index(char c)
{
	const char *p = strchr(charset, c);

	return c && p ? (int)(p - charset) : -1;
}

static bool decode_fail(const char **err, const char *why)
{
	if (err)
		*err = why;
	return false;
}

bool bech32_decode(enum bech32_encoding *encoding, char *hrp_out,
		   size_t hrp_size, uint8_t *data5_out, size_t *data5_len,
		   size_t data5_size, const char *str, size_t max_len,
		   const char **err)
{
	size_t len = strlen(str), sep, n;
	bool has_lower = false, has_upper = false;
	enum bech32_encoding enc;
	char *lower;
	uint8_t *values;

	/* BIP173 "Decoders MUST NOT accept strings where some characters are
	 * uppercase and some are lowercase"; "character out of range". */
	if (len > max_len)
		return decode_fail(err, "bech32 string too long");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = str[i];

		if (c < 33 || c > 126)
			return decode_fail(err,
					   "bech32 character out of range");
		if (c >= 'a' && c <= 'z')
			has_lower = true;
		if (c >= 'A' && c <= 'Z')
			has_upper = true;
	}
	if (has_lower && has_upper)
		return decode_fail(err, "bech32 string has mixed case");
	/* "The last one [separator '1'] is the separator." */
	for (sep = len; sep > 0 && str[sep - 1] != '1'; sep--)
		;
	if (sep == 0)
		return decode_fail(err, "bech32 separator '1' missing");
	sep--;
	if (sep == 0)
		return decode_fail(err, "bech32 human-readable part is empty");
	if (len - sep - 1 < BECH32_CHECKSUM_LEN)
		return decode_fail(err, "bech32 checksum too short");
	n = len - sep - 1;
	if (sep + 1 > hrp_size || n - BECH32_CHECKSUM_LEN > data5_size)
		return decode_fail(err, "bech32 output buffer too small");

	lower = wire_calloc(len + 1, 1);
	values = wire_calloc(n, 1);
	for (size_t i = 0; i < len; i++)
		lower[i] = (str[i] >= 'A' && str[i] <= 'Z')
			? (char)(str[i] - 'A' + 'a') : str[i];
	for (size_t i = 0; i < n; i++) {
		int v = charset_index(lower[sep + 1 + i]);

		if (v < 0) {
			free(lower);
			free(values);
			return decode_fail(err, i >= n - BECH32_CHECKSUM_LEN
					   ? "invalid character in bech32 checksum"
					   : "invalid bech32 data character");
		}
		values[i] = (uint8_t)v;
	}
	lower[sep] = '\0';
	enc = bech32_verify_checksum(lower, values, n);
	if (enc == BECH32_ENCODING_NONE) {
		free(lower);
		free(values);
		return decode_fail(err, "bad bech32 checksum");
	}
	*encoding = enc;
	memcpy(hrp_out, lower, sep + 1);
	memcpy(data5_out, values, n - BECH32_CHECKSUM_LEN);
	*data5_len = n - BECH32_CHECKSUM_LEN;
	free(lower);
	free(values);
	return true;
}

bool bech32_convert_bits(uint8_t *out, size_t *out_len, size_t out_size,
			 unsigned out_bits, const uint8_t *in, size_t in_len,
			 unsigned in_bits, bool pad)
{
	uint32_t acc = 0, max_out = (1u << out_bits) - 1;
	unsigned bits = 0;
	size_t n = 0, need;

	if (in_bits == 0 || in_bits > 8 || out_bits == 0 || out_bits > 8)
		return false;
	/* How many outputs there will be, so we never half-write out. */
	need = (in_len * in_bits + (pad ? out_bits - 1 : 0)) / out_bits;
	if (need > out_size)
		return false;
	for (size_t i = 0; i < in_len; i++) {
		if (in[i] >> in_bits)
			return false;
	}
	if (!pad) {
		/* BIP173: "Any incomplete group at the end MUST be 4 bits or
		 * less, MUST be all zeroes, and is discarded."  Fewer than
		 * in_bits leftover bits all lie in the last input value. */
		unsigned rem = (unsigned)((in_len * in_bits) % out_bits);

		if (rem >= in_bits
		    || (rem && (in[in_len - 1] & ((1u << rem) - 1))))
			return false;
	}
	for (size_t i = 0; i < in_len; i++) {
		acc = (acc << in_bits) | in[i];
		bits += in_bits;
		while (bits >= out_bits) {
			bits -= out_bits;
			out[n++] = (acc >> bits) & max_out;
		}
	}
	if (pad && bits)
		out[n++] = (acc << (out_bits - bits)) & max_out;
	*out_len = n;
	return true;
}
