#include "common/hex.h"

#include <string.h>

char *hex_encode(char *out, const uint8_t *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 0xf];
	}
	out[2 * len] = '\0';
	return out;
}

static int hex_digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool hex_decode(uint8_t *out, size_t out_len, const char *hex, size_t hex_len)
{
	if (hex_len != 2 * out_len)
		return false;
	for (size_t i = 0; i < hex_len; i++)
		if (hex_digit_value(hex[i]) < 0)
			return false;
	for (size_t i = 0; i < out_len; i++)
		out[i] = (uint8_t)(hex_digit_value(hex[2 * i]) << 4
				   | hex_digit_value(hex[2 * i + 1]));
	return true;
}
