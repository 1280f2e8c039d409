/* Base58 by repeated division, as in Bitcoin Core's base58.cpp. */
#include "bitcoin/base58.h"

#include <string.h>

#include "crypto/hash.h"

static const char alphabet[] =
	"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

#define BASE58_MAX_BYTES (BASE58_MAX_PAYLOAD + 4)
/* log(256)/log(58) < 1.37, so this many digits always suffice. */
#define BASE58_MAX_DIGITS (BASE58_MAX_BYTES * 138 / 100 + 1)

bool base58_encode(char *out, size_t out_size, const uint8_t *data,
		   size_t len)
{
	uint8_t digits[BASE58_MAX_DIGITS];
	size_t zeros = 0, ndigits = 0, total;

	if (len > BASE58_MAX_BYTES)
		return false;
	while (zeros < len && data[zeros] == 0)
		zeros++;
	/* digits[] holds the number in base 58, least significant first. */
	for (size_t i = zeros; i < len; i++) {
		unsigned carry = data[i];

		for (size_t j = 0; j < ndigits; j++) {
			carry += (unsigned)digits[j] << 8;
			digits[j] = carry % 58;
			carry /= 58;
		}
		while (carry) {
			digits[ndigits++] = carry % 58;
			carry /= 58;
		}
	}
	total = zeros + ndigits;
	if (total + 1 > out_size)
		return false;
	memset(out, '1', zeros);
	for (size_t i = 0; i < ndigits; i++)
		out[zeros + i] = alphabet[digits[ndigits - 1 - i]];
	out[total] = '\0';
	return true;
}

bool base58_decode(uint8_t *out, size_t *out_len, size_t out_size,
		   const char *str)
{
	uint8_t bytes[BASE58_MAX_BYTES];
	size_t zeros = 0, nbytes = 0, len = strlen(str);

	while (zeros < len && str[zeros] == '1')
		zeros++;
	/* bytes[] holds the number base 256, least significant first. */
	for (size_t i = zeros; i < len; i++) {
		const char *p = str[i] ? strchr(alphabet, str[i]) : NULL;
		unsigned carry;

		if (!p)
			return false;
		carry = (unsigned)(p - alphabet);
		for (size_t j = 0; j < nbytes; j++) {
			carry += (unsigned)bytes[j] * 58;
			bytes[j] = carry & 0xff;
			carry >>= 8;
		}
		while (carry) {
			if (nbytes == sizeof(bytes))
				return false;
			bytes[nbytes++] = carry & 0xff;
			carry >>= 8;
		}
	}
	if (zeros + nbytes > out_size || zeros + nbytes > BASE58_MAX_BYTES)
		return false;
	memset(out, 0, zeros);
	for (size_t i = 0; i < nbytes; i++)
		out[zeros + i] = bytes[nbytes - 1 - i];
	*out_len = zeros + nbytes;
	return true;
}

bool base58check_encode(char *out, size_t out_size, const uint8_t *payload,
			size_t len)
{
	uint8_t buf[BASE58_MAX_BYTES];
	struct sha256_double h;

	if (len > BASE58_MAX_PAYLOAD)
		return false;
	memcpy(buf, payload, len);
	sha256_double(&h, payload, len);
	memcpy(buf + len, h.sha.u8, 4);
	return base58_encode(out, out_size, buf, len + 4);
}

bool base58check_decode(uint8_t *out, size_t *out_len, size_t out_size,
			const char *str, const char **err)
{
	uint8_t buf[BASE58_MAX_BYTES];
	struct sha256_double h;
	size_t len;

	if (!base58_decode(buf, &len, sizeof(buf), str)) {
		if (err)
			*err = "invalid base58 string";
		return false;
	}
	if (len < 4) {
		if (err)
			*err = "base58 string too short for a checksum";
		return false;
	}
	sha256_double(&h, buf, len - 4);
	if (memcmp(h.sha.u8, buf + len - 4, 4) != 0) {
		if (err)
			*err = "bad base58 checksum";
		return false;
	}
	if (len - 4 > out_size) {
		if (err)
			*err = "base58 payload too long";
		return false;
	}
	memcpy(out, buf, len - 4);
	*out_len = len - 4;
	return true;
}
