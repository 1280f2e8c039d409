/* Little-endian integers and CompactSize over the wire/ cursor idiom. */
#include "bitcoin/serialize.h"

#include <string.h>

#include "common/hex.h"

static uint64_t fromwire_le(const uint8_t **cursor, size_t *max, size_t n)
{
	const uint8_t *p = fromwire_pull(cursor, max, n);
	uint64_t v = 0;

	if (!p)
		return 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

uint16_t fromwire_le16(const uint8_t **cursor, size_t *max)
{
	return (uint16_t)fromwire_le(cursor, max, 2);
}

uint32_t fromwire_le32(const uint8_t **cursor, size_t *max)
{
	return (uint32_t)fromwire_le(cursor, max, 4);
}

uint64_t fromwire_le64(const uint8_t **cursor, size_t *max)
{
	return fromwire_le(cursor, max, 8);
}

uint64_t fromwire_compactsize(const uint8_t **cursor, size_t *max)
{
	uint8_t prefix = fromwire_u8(cursor, max);
	uint64_t v, min;

	if (!*cursor)
		return 0;
	switch (prefix) {
	case 0xfd:
		v = fromwire_le16(cursor, max);
		min = 0xfd;
		break;
	case 0xfe:
		v = fromwire_le32(cursor, max);
		min = 0x10000;
		break;
	case 0xff:
		v = fromwire_le64(cursor, max);
		min = 0x100000000ULL;
		break;
	default:
		return prefix;
	}
	if (!*cursor)
		return 0;
	/* A longer encoding than needed would give one transaction two
	 * serializations, and so two txids for the same content. */
	if (v < min) {
		fromwire_fail(cursor, max);
		return 0;
	}
	return v;
}

static void towire_le(struct wirebuf *buf, uint64_t v, size_t n)
{
	uint8_t bytes[8];

	for (size_t i = 0; i < n; i++)
		bytes[i] = (uint8_t)(v >> (8 * i));
	wirebuf_append(buf, bytes, n);
}

void towire_le16(struct wirebuf *buf, uint16_t v)
{
	towire_le(buf, v, 2);
}

void towire_le32(struct wirebuf *buf, uint32_t v)
{
	towire_le(buf, v, 4);
}

void towire_le64(struct wirebuf *buf, uint64_t v)
{
	towire_le(buf, v, 8);
}

void towire_compactsize(struct wirebuf *buf, uint64_t v)
{
	if (v < 0xfd) {
		towire_u8(buf, (uint8_t)v);
	} else if (v <= 0xffff) {
		towire_u8(buf, 0xfd);
		towire_le16(buf, (uint16_t)v);
	} else if (v <= 0xffffffffULL) {
		towire_u8(buf, 0xfe);
		towire_le32(buf, (uint32_t)v);
	} else {
		towire_u8(buf, 0xff);
		towire_le64(buf, v);
	}
}

size_t compactsize_len(uint64_t v)
{
	if (v < 0xfd)
		return 1;
	if (v <= 0xffff)
		return 3;
	if (v <= 0xffffffffULL)
		return 5;
	return 9;
}

void towire_compactsize_bytes(struct wirebuf *buf, const void *bytes,
			      size_t len)
{
	towire_compactsize(buf, len);
	wirebuf_append(buf, bytes, len);
}

char *hex_encode_reversed(char *out, const uint8_t *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		uint8_t b = data[len - 1 - i];
		out[2 * i] = digits[b >> 4];
		out[2 * i + 1] = digits[b & 0xf];
	}
	out[2 * len] = '\0';
	return out;
}

bool hex_decode_reversed(uint8_t *out, size_t out_len, const char *hex,
			 size_t hex_len)
{
	uint8_t tmp[64];

	/* Everything we display reversed is a 32-byte hash. */
	if (out_len > sizeof(tmp) || !hex_decode(tmp, out_len, hex, hex_len))
		return false;
	for (size_t i = 0; i < out_len; i++)
		out[i] = tmp[out_len - 1 - i];
	return true;
}
