/* Writers for the BOLT #1 fundamental types; each mirrors its reader in
 * fromwire.c. */
#include "wire/wire.h"

void towire_bytes(struct wirebuf *buf, const void *bytes, size_t n)
{
	wirebuf_append(buf, bytes, n);
}

/* Appends the low n bytes of v, most significant first. */
static void towire_be(struct wirebuf *buf, uint64_t v, size_t n)
{
	uint8_t be[8];

	for (size_t i = 0; i < n; i++)
		be[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	wirebuf_append(buf, be, n);
}

void towire_u8(struct wirebuf *buf, uint8_t v)
{
	towire_be(buf, v, 1);
}

void towire_u16(struct wirebuf *buf, uint16_t v)
{
	towire_be(buf, v, 2);
}

void towire_u32(struct wirebuf *buf, uint32_t v)
{
	towire_be(buf, v, 4);
}

void towire_u64(struct wirebuf *buf, uint64_t v)
{
	towire_be(buf, v, 8);
}

/* Converting a negative value to unsigned is well defined (modulo 2^n),
 * which is exactly two's complement. */
void towire_s8(struct wirebuf *buf, int8_t v)
{
	towire_be(buf, (uint8_t)v, 1);
}

void towire_s16(struct wirebuf *buf, int16_t v)
{
	towire_be(buf, (uint16_t)v, 2);
}

void towire_s32(struct wirebuf *buf, int32_t v)
{
	towire_be(buf, (uint32_t)v, 4);
}

void towire_s64(struct wirebuf *buf, int64_t v)
{
	towire_be(buf, (uint64_t)v, 8);
}

size_t tu64_len(uint64_t v)
{
	size_t n = 0;

	while (v) {
		n++;
		v >>= 8;
	}
	return n;
}

/* BOLT #1:
 * For the final value in TLV records, truncated integers may be used. Leading zeros in
 * truncated integers MUST be omitted:
 */
void towire_tu16(struct wirebuf *buf, uint16_t v)
{
	towire_be(buf, v, tu64_len(v));
}

void towire_tu32(struct wirebuf *buf, uint32_t v)
{
	towire_be(buf, v, tu64_len(v));
}

void towire_tu64(struct wirebuf *buf, uint64_t v)
{
	towire_be(buf, v, tu64_len(v));
}

size_t bigsize_len(uint64_t v)
{
	if (v < 0xfd)
		return 1;
	if (v <= 0xffff)
		return 3;
	if (v <= 0xffffffff)
		return 5;
	return 9;
}

/* BOLT #1:
 *         uint8(x)                if x < 0xfd
 *         0xfd + be16(uint16(x))  if x < 0x10000
 *         0xfe + be32(uint32(x))  if x < 0x100000000
 *         0xff + be64(x)          otherwise.
 */
void towire_bigsize(struct wirebuf *buf, uint64_t v)
{
	switch (bigsize_len(v)) {
	case 1:
		towire_u8(buf, (uint8_t)v);
		return;
	case 3:
		towire_u8(buf, 0xfd);
		towire_u16(buf, (uint16_t)v);
		return;
	case 5:
		towire_u8(buf, 0xfe);
		towire_u32(buf, (uint32_t)v);
		return;
	}
	towire_u8(buf, 0xff);
	towire_u64(buf, v);
}

size_t signed_minimal_len(int64_t v)
{
	if (v >= INT8_MIN && v <= INT8_MAX)
		return 1;
	if (v >= INT16_MIN && v <= INT16_MAX)
		return 2;
	if (v >= INT32_MIN && v <= INT32_MAX)
		return 4;
	return 8;
}

void towire_signed_minimal(struct wirebuf *buf, int64_t v)
{
	towire_be(buf, (uint64_t)v, signed_minimal_len(v));
}

void towire_chain_hash(struct wirebuf *buf, const struct chain_hash *v)
{
	towire_bytes(buf, v->bytes, sizeof(v->bytes));
}

void towire_channel_id(struct wirebuf *buf, const struct channel_id *v)
{
	towire_bytes(buf, v->bytes, sizeof(v->bytes));
}

void towire_sha256(struct wirebuf *buf, const struct wire_sha256 *v)
{
	towire_bytes(buf, v->bytes, sizeof(v->bytes));
}

void towire_point(struct wirebuf *buf, const struct wire_point *v)
{
	towire_bytes(buf, v->bytes, sizeof(v->bytes));
}

void towire_signature(struct wirebuf *buf, const struct wire_signature *v)
{
	towire_bytes(buf, v->bytes, sizeof(v->bytes));
}

void towire_short_channel_id(struct wirebuf *buf,
			     const struct short_channel_id *v)
{
	towire_u64(buf, v->u64);
}
