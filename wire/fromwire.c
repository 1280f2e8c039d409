/* Readers for the BOLT #1 fundamental types.
 *
 * Invariant: a NULL *cursor means an earlier read failed; every reader is
 * then a no-op returning zero, so callers check the cursor once at the end.
 * Readers never read past *max bytes.
 */
#include "wire/wire.h"

#include <string.h>

void fromwire_fail(const uint8_t **cursor, size_t *max)
{
	*cursor = NULL;
	*max = 0;
}

const uint8_t *fromwire_pull(const uint8_t **cursor, size_t *max, size_t n)
{
	const uint8_t *p = *cursor;

	if (!p)
		return NULL;
	if (n > *max) {
		fromwire_fail(cursor, max);
		return NULL;
	}
	*cursor += n;
	*max -= n;
	return p;
}

void fromwire_bytes(const uint8_t **cursor, size_t *max, void *out, size_t n)
{
	const uint8_t *p;

	if (n == 0)
		return;
	p = fromwire_pull(cursor, max, n);
	if (p)
		memcpy(out, p, n);
	else
		memset(out, 0, n);
}

bool fromwire_array_fits(const uint8_t **cursor, size_t *max, size_t count,
			 size_t elem_size)
{
	if (!*cursor)
		return false;
	if (elem_size && count > *max / elem_size) {
		fromwire_fail(cursor, max);
		return false;
	}
	return true;
}

/* Big-endian unsigned integer of n <= 8 bytes. */
static uint64_t be_read(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static uint64_t fromwire_be(const uint8_t **cursor, size_t *max, size_t n)
{
	const uint8_t *p = fromwire_pull(cursor, max, n);

	return p ? be_read(p, n) : 0;
}

uint8_t fromwire_u8(const uint8_t **cursor, size_t *max)
{
	return (uint8_t)fromwire_be(cursor, max, 1);
}

uint16_t fromwire_u16(const uint8_t **cursor, size_t *max)
{
	return (uint16_t)fromwire_be(cursor, max, 2);
}

uint32_t fromwire_u32(const uint8_t **cursor, size_t *max)
{
	return (uint32_t)fromwire_be(cursor, max, 4);
}

uint64_t fromwire_u64(const uint8_t **cursor, size_t *max)
{
	return fromwire_be(cursor, max, 8);
}

/* Two's complement of the low `bits` bits of u, without relying on the
 * implementation-defined conversion of out-of-range values to signed. */
static int64_t twos_complement(uint64_t u, unsigned bits)
{
	uint64_t sign = (uint64_t)1 << (bits - 1);

	if (!(u & sign))
		return (int64_t)u;
	/* -(2^bits - u), computed as -(complement) - 1 to stay in range. */
	return -(int64_t)((~u) & (sign - 1)) - 1;
}

/* BOLT #1:
 * Signed integers use standard big-endian two's complement representation
 */
int8_t fromwire_s8(const uint8_t **cursor, size_t *max)
{
	return (int8_t)twos_complement(fromwire_be(cursor, max, 1), 8);
}

int16_t fromwire_s16(const uint8_t **cursor, size_t *max)
{
	return (int16_t)twos_complement(fromwire_be(cursor, max, 2), 16);
}

int32_t fromwire_s32(const uint8_t **cursor, size_t *max)
{
	return (int32_t)twos_complement(fromwire_be(cursor, max, 4), 32);
}

int64_t fromwire_s64(const uint8_t **cursor, size_t *max)
{
	return twos_complement(fromwire_be(cursor, max, 8), 64);
}

/* Reads all remaining bytes (at most `size`) as a truncated integer. */
static uint64_t fromwire_truncated(const uint8_t **cursor, size_t *max,
				   size_t size)
{
	size_t n = *max;
	const uint8_t *p;

	if (!*cursor)
		return 0;
	if (n > size) {
		fromwire_fail(cursor, max);
		return 0;
	}
	p = fromwire_pull(cursor, max, n);
	/* BOLT #1:
	 * For the final value in TLV records, truncated integers may be used. Leading zeros in
	 * truncated integers MUST be omitted:
	 */
	if (n > 0 && p[0] == 0) {
		fromwire_fail(cursor, max);
		return 0;
	}
	return be_read(p, n);
}

uint16_t fromwire_tu16(const uint8_t **cursor, size_t *max)
{
	return (uint16_t)fromwire_truncated(cursor, max, 2);
}

uint32_t fromwire_tu32(const uint8_t **cursor, size_t *max)
{
	return (uint32_t)fromwire_truncated(cursor, max, 4);
}

uint64_t fromwire_tu64(const uint8_t **cursor, size_t *max)
{
	return fromwire_truncated(cursor, max, 8);
}

uint64_t fromwire_bigsize(const uint8_t **cursor, size_t *max)
{
	uint8_t prefix = fromwire_u8(cursor, max);
	uint64_t v, min;

	switch (prefix) {
	case 0xfd:
		v = fromwire_u16(cursor, max);
		min = 0xfd;
		break;
	case 0xfe:
		v = fromwire_u32(cursor, max);
		min = 0x10000;
		break;
	case 0xff:
		v = fromwire_u64(cursor, max);
		min = 0x100000000;
		break;
	default:
		return prefix;
	}
	/* BOLT #1:
	 * A value is said to be _minimally encoded_ if it could not be encoded using
	 * fewer bytes. For example, a BigSize encoding that occupies 5 bytes
	 * but whose value is less than 0x10000 is not minimally encoded. All values
	 * decoded with BigSize should be checked to ensure they are minimally encoded.
	 */
	if (v < min) {
		fromwire_fail(cursor, max);
		return 0;
	}
	return *cursor ? v : 0;
}

void fromwire_chain_hash(const uint8_t **cursor, size_t *max,
			 struct chain_hash *out)
{
	fromwire_bytes(cursor, max, out->bytes, sizeof(out->bytes));
}

void fromwire_channel_id(const uint8_t **cursor, size_t *max,
			 struct channel_id *out)
{
	fromwire_bytes(cursor, max, out->bytes, sizeof(out->bytes));
}

void fromwire_sha256(const uint8_t **cursor, size_t *max,
		     struct wire_sha256 *out)
{
	fromwire_bytes(cursor, max, out->bytes, sizeof(out->bytes));
}

void fromwire_point(const uint8_t **cursor, size_t *max,
		    struct wire_point *out)
{
	fromwire_bytes(cursor, max, out->bytes, sizeof(out->bytes));
}

void fromwire_signature(const uint8_t **cursor, size_t *max,
			struct wire_signature *out)
{
	fromwire_bytes(cursor, max, out->bytes, sizeof(out->bytes));
}

void fromwire_short_channel_id(const uint8_t **cursor, size_t *max,
			       struct short_channel_id *out)
{
	out->u64 = fromwire_u64(cursor, max);
}
