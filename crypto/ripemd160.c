/* RIPEMD-160, written from the algorithm's specification.
 *
 * The message is processed in 64-byte blocks of sixteen little-endian
 * words, each through two parallel lines of five 16-step rounds; padding
 * is MD4's (0x80, zeros, 64-bit little-endian bit count).  The tables below
 * are the specification's r, r', s, s', K and K' in that order.
 */
#include "crypto/ripemd160.h"

#include <string.h>

#include "crypto/hash.h"
#include "crypto/util.h"

/* Message word used by each step, left and right line. */
static const uint8_t word_left[80] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
	7, 4, 13, 1, 10, 6, 15, 3, 12, 0, 9, 5, 2, 14, 11, 8,
	3, 10, 14, 4, 9, 15, 8, 1, 2, 7, 0, 6, 13, 11, 5, 12,
	1, 9, 11, 10, 0, 8, 12, 4, 13, 3, 7, 15, 14, 5, 6, 2,
	4, 0, 5, 9, 7, 12, 2, 10, 14, 1, 3, 8, 11, 6, 15, 13,
};

static const uint8_t word_right[80] = {
	5, 14, 7, 0, 9, 2, 11, 4, 13, 6, 15, 8, 1, 10, 3, 12,
	6, 11, 3, 7, 0, 13, 5, 10, 14, 15, 8, 12, 4, 9, 1, 2,
	15, 5, 1, 3, 7, 14, 6, 9, 11, 8, 12, 2, 10, 0, 4, 13,
	8, 6, 4, 1, 3, 11, 15, 0, 5, 12, 2, 13, 9, 7, 10, 14,
	12, 15, 10, 4, 1, 5, 8, 7, 6, 2, 13, 14, 0, 3, 9, 11,
};

/* Left-rotation amount of each step, left and right line. */
static const uint8_t rotate_left[80] = {
	11, 14, 15, 12, 5, 8, 7, 9, 11, 13, 14, 15, 6, 7, 9, 8,
	7, 6, 8, 13, 11, 9, 7, 15, 7, 12, 15, 9, 11, 7, 13, 12,
	11, 13, 6, 7, 14, 9, 13, 15, 14, 8, 13, 6, 5, 12, 7, 5,
	11, 12, 14, 15, 14, 15, 9, 8, 9, 14, 5, 6, 8, 6, 5, 12,
	9, 15, 5, 11, 6, 8, 13, 12, 5, 12, 13, 14, 11, 8, 5, 6,
};

static const uint8_t rotate_right[80] = {
	8, 9, 9, 11, 13, 15, 15, 5, 7, 7, 8, 11, 14, 14, 12, 6,
	9, 13, 15, 7, 12, 8, 9, 11, 7, 7, 12, 7, 6, 15, 13, 11,
	9, 7, 15, 11, 8, 6, 6, 14, 12, 13, 5, 14, 13, 13, 7, 5,
	15, 5, 8, 11, 14, 14, 6, 14, 6, 9, 12, 9, 12, 5, 15, 8,
	8, 5, 12, 9, 12, 5, 14, 6, 8, 13, 6, 5, 15, 13, 11, 11,
};

/* Round constants: floor(2^30 * sqrt/cbrt of small primes). */
static const uint32_t constant_left[5] = {
	0x00000000, 0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xa953fd4e,
};

static const uint32_t constant_right[5] = {
	0x50a28be6, 0x5c4dd124, 0x6d703ef3, 0x7a6d76e9, 0x00000000,
};

static uint32_t rol32(uint32_t x, unsigned int n)
{
	return (x << n) | (x >> (32 - n));
}

/* The five boolean functions; the left line uses them in order 0..4 and
 * the right line in order 4..0. */
static uint32_t round_function(unsigned int round, uint32_t x, uint32_t y,
			       uint32_t z)
{
	switch (round) {
	case 0:
		return x ^ y ^ z;
	case 1:
		return (x & y) | (~x & z);
	case 2:
		return (x | ~y) ^ z;
	case 3:
		return (x & z) | (y & ~z);
	case 4:
		return x ^ (y | ~z);
	}
	return 0;	/* unreachable: round < 5 */
}

static uint32_t read_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void compress(uint32_t state[5], const uint8_t block[64])
{
	uint32_t x[16];
	uint32_t al = state[0], bl = state[1], cl = state[2], dl = state[3],
		 el = state[4];
	uint32_t ar = al, br = bl, cr = cl, dr = dl, er = el;
	uint32_t t;

	for (size_t i = 0; i < 16; i++)
		x[i] = read_le32(block + 4 * i);

	for (unsigned int j = 0; j < 80; j++) {
		unsigned int round = j / 16;

		t = rol32(al + round_function(round, bl, cl, dl) +
				  x[word_left[j]] + constant_left[round],
			  rotate_left[j]) + el;
		al = el;
		el = dl;
		dl = rol32(cl, 10);
		cl = bl;
		bl = t;

		t = rol32(ar + round_function(4 - round, br, cr, dr) +
				  x[word_right[j]] + constant_right[round],
			  rotate_right[j]) + er;
		ar = er;
		er = dr;
		dr = rol32(cr, 10);
		cr = br;
		br = t;
	}

	t = state[1] + cl + dr;
	state[1] = state[2] + dl + er;
	state[2] = state[3] + el + ar;
	state[3] = state[4] + al + br;
	state[4] = state[0] + bl + cr;
	state[0] = t;
}

void ripemd160_init(struct ripemd160_ctx *ctx)
{
	ctx->state[0] = 0x67452301;
	ctx->state[1] = 0xefcdab89;
	ctx->state[2] = 0x98badcfe;
	ctx->state[3] = 0x10325476;
	ctx->state[4] = 0xc3d2e1f0;
	ctx->bytes = 0;
}

void ripemd160_update(struct ripemd160_ctx *ctx, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t used = ctx->bytes % 64;

	if (len == 0)
		return;
	ctx->bytes += len;
	if (used) {
		size_t n = 64 - used < len ? 64 - used : len;

		memcpy(ctx->block + used, p, n);
		p += n;
		len -= n;
		if (used + n < 64)
			return;
		compress(ctx->state, ctx->block);
	}
	for (; len >= 64; p += 64, len -= 64)
		compress(ctx->state, p);
	if (len)
		memcpy(ctx->block, p, len);
}

void ripemd160_final(struct ripemd160 *out, struct ripemd160_ctx *ctx)
{
	static const uint8_t padding[64] = {0x80};
	uint64_t bits = ctx->bytes * 8;
	uint8_t length[8];

	for (size_t i = 0; i < 8; i++)
		length[i] = (uint8_t)(bits >> (8 * i));
	/* 0x80 then zeros up to 56 mod 64, then the 8-byte bit count. */
	ripemd160_update(ctx, padding, 1 + (119 - ctx->bytes % 64) % 64);
	ripemd160_update(ctx, length, sizeof(length));

	for (size_t i = 0; i < 5; i++)
		for (size_t b = 0; b < 4; b++)
			out->u8[4 * i + b] = (uint8_t)(ctx->state[i] >> (8 * b));
	CRYPTO_WIPE(ctx);
}

void ripemd160(struct ripemd160 *out, const void *data, size_t len)
{
	struct ripemd160_ctx ctx;

	ripemd160_init(&ctx);
	ripemd160_update(&ctx, data, len);
	ripemd160_final(out, &ctx);
}

void hash160(struct ripemd160 *out, const void *data, size_t len)
{
	struct sha256 sha;

	sha256(&sha, data, len);
	ripemd160(out, sha.u8, sizeof(sha.u8));
}
