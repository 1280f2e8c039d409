/* Block headers, blocks, merkle roots and proof of work. */
#include "bitcoin/block.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitcoin/serialize.h"
#include "crypto/hash.h"
#include "wire/wire.h"

/* The smallest serialized transaction: version, empty input and output
 * counts, locktime.  A block's tx count is checked against it. */
#define MIN_TX_LEN 10

void fromwire_bitcoin_block_header(const uint8_t **cursor, size_t *max,
				   struct bitcoin_block_header *out)
{
	out->version = fromwire_le32(cursor, max);
	fromwire_bytes(cursor, max, out->prev_hash.shad.sha.u8, 32);
	fromwire_bytes(cursor, max, out->merkle_root.sha.u8, 32);
	out->timestamp = fromwire_le32(cursor, max);
	out->bits = fromwire_le32(cursor, max);
	out->nonce = fromwire_le32(cursor, max);
}

void towire_bitcoin_block_header(struct wirebuf *out,
				 const struct bitcoin_block_header *header)
{
	towire_le32(out, header->version);
	towire_bytes(out, header->prev_hash.shad.sha.u8, 32);
	towire_bytes(out, header->merkle_root.sha.u8, 32);
	towire_le32(out, header->timestamp);
	towire_le32(out, header->bits);
	towire_le32(out, header->nonce);
}

void bitcoin_block_header_hash(struct bitcoin_blkid *out,
			       const struct bitcoin_block_header *header)
{
	struct wirebuf *buf = wirebuf_new();

	towire_bitcoin_block_header(buf, header);
	sha256_double(&out->shad, buf->data, buf->len);
	wirebuf_free(buf);
}

struct bitcoin_block *bitcoin_block_new(const struct bitcoin_block_header *header)
{
	struct bitcoin_block *block = wire_calloc(1, sizeof(*block));

	block->header = *header;
	return block;
}

void bitcoin_block_add_tx(struct bitcoin_block *block, struct bitcoin_tx *tx)
{
	struct bitcoin_tx **txs = realloc(block->txs, (block->num_txs + 1)
					  * sizeof(*txs));

	if (!txs) {
		fputs("ohm: out of memory in bitcoin layer\n", stderr);
		abort();
	}
	txs[block->num_txs++] = tx;
	block->txs = txs;
}

void bitcoin_block_free(struct bitcoin_block *block)
{
	if (!block)
		return;
	for (size_t i = 0; i < block->num_txs; i++)
		bitcoin_tx_free(block->txs[i]);
	free(block->txs);
	free(block);
}

static struct bitcoin_block *block_fail(struct bitcoin_block *block,
					const char **err, const char *why)
{
	bitcoin_block_free(block);
	if (err)
		*err = why;
	return NULL;
}

struct bitcoin_block *bitcoin_block_parse(const uint8_t *bytes, size_t len,
					  const char **err)
{
	const uint8_t *cursor = bytes;
	size_t max = len;
	struct bitcoin_block_header header;
	struct bitcoin_block *block;
	uint64_t n;

	fromwire_bitcoin_block_header(&cursor, &max, &header);
	if (!cursor)
		return block_fail(NULL, err, "truncated block header");
	n = fromwire_compactsize(&cursor, &max);
	if (!cursor || n > max / MIN_TX_LEN)
		return block_fail(NULL, err,
				  "truncated or impossible transaction count");
	block = bitcoin_block_new(&header);
	block->txs = wire_calloc((size_t)n, sizeof(*block->txs));
	for (size_t i = 0; i < n; i++) {
		struct bitcoin_tx *tx = fromwire_bitcoin_tx(&cursor, &max, err);

		if (!tx)
			return block_fail(block, NULL, NULL);
		block->txs[block->num_txs++] = tx;
	}
	if (max != 0)
		return block_fail(block, err, "trailing bytes after block");
	return block;
}

void bitcoin_block_serialize(struct wirebuf *out,
			     const struct bitcoin_block *block,
			     bool include_witness)
{
	towire_bitcoin_block_header(out, &block->header);
	towire_compactsize(out, block->num_txs);
	for (size_t i = 0; i < block->num_txs; i++)
		bitcoin_tx_serialize(out, block->txs[i], include_witness);
}

bool bitcoin_merkle_root(struct sha256_double *out, bool *mutated,
			 const struct sha256_double *leaves,
			 size_t num_leaves)
{
	struct sha256_double *level;
	bool mutation = false;
	size_t n = num_leaves;

	if (n == 0)
		return false;
	/* One spare slot for duplicating an odd level's last hash. */
	level = wire_calloc(n + 1, sizeof(*level));
	memcpy(level, leaves, n * sizeof(*level));
	while (n > 1) {
		for (size_t i = 0; i + 1 < n; i += 2)
			if (memcmp(&level[i], &level[i + 1],
				   sizeof(level[i])) == 0)
				mutation = true;
		if (n & 1) {
			level[n] = level[n - 1];
			n++;
		}
		for (size_t i = 0; i < n / 2; i++)
			sha256_double(&level[i], &level[2 * i],
				      2 * sizeof(level[0]));
		n /= 2;
	}
	*out = level[0];
	if (mutated)
		*mutated = mutation;
	free(level);
	return true;
}

bool bitcoin_block_merkle_root(struct sha256_double *out, bool *mutated,
			       const struct bitcoin_block *block)
{
	struct sha256_double *ids;
	bool ok;

	if (block->num_txs == 0)
		return false;
	ids = wire_calloc(block->num_txs, sizeof(*ids));
	for (size_t i = 0; i < block->num_txs; i++) {
		struct bitcoin_txid txid;

		bitcoin_tx_txid(&txid, block->txs[i]);
		ids[i] = txid.shad;
	}
	ok = bitcoin_merkle_root(out, mutated, ids, block->num_txs);
	free(ids);
	return ok;
}

bool bitcoin_block_witness_merkle_root(struct sha256_double *out,
				       const struct bitcoin_block *block)
{
	struct sha256_double *ids;
	bool ok;

	if (block->num_txs == 0)
		return false;
	ids = wire_calloc(block->num_txs, sizeof(*ids));
	/* BIP141: "the wtxid of coinbase transaction is assumed to be
	 * 0x0000....0000" (wire_calloc zeroed ids[0]). */
	for (size_t i = 1; i < block->num_txs; i++) {
		struct bitcoin_txid wtxid;

		bitcoin_tx_wtxid(&wtxid, block->txs[i]);
		ids[i] = wtxid.shad;
	}
	ok = bitcoin_merkle_root(out, NULL, ids, block->num_txs);
	free(ids);
	return ok;
}

void bitcoin_witness_commitment(struct sha256_double *out,
				const struct sha256_double *witness_root,
				const uint8_t reserved_value[32])
{
	uint8_t buf[64];

	memcpy(buf, witness_root->sha.u8, 32);
	memcpy(buf + 32, reserved_value, 32);
	sha256_double(out, buf, sizeof(buf));
}

bool bitcoin_target_from_bits(uint8_t target[32], uint32_t bits)
{
	/* nBits is a base-256 float: exponent (size in bytes) in the top
	 * byte, a 23-bit mantissa, and a sign bit (0x00800000). */
	unsigned size = bits >> 24;
	uint32_t word = bits & 0x007fffff;
	uint8_t t[32], nonzero = 0;

	if (size <= 3)
		word >>= 8 * (3 - size);
	if (word != 0 && (bits & 0x00800000))
		return false;	/* negative */
	if (word != 0 && (size > 34 || (word > 0xff && size > 33)
			  || (word > 0xffff && size > 32)))
		return false;	/* overflow */
	memset(t, 0, sizeof(t));
	if (size <= 3) {
		for (unsigned i = 0; i < 3; i++)
			t[i] = word >> (8 * i);
	} else {
		/* Bytes beyond 32 are zero, as the overflow check showed. */
		for (unsigned i = 0; i < 3; i++)
			if (size - 3 + i < 32)
				t[size - 3 + i] = word >> (8 * i);
	}
	for (unsigned i = 0; i < 32; i++)
		nonzero |= t[i];
	if (!nonzero)
		return false;	/* a zero target can never be met */
	memcpy(target, t, sizeof(t));
	return true;
}

bool bitcoin_block_header_check_pow(const struct bitcoin_block_header *header)
{
	struct bitcoin_blkid hash;
	uint8_t target[32];

	if (!bitcoin_target_from_bits(target, header->bits))
		return false;
	bitcoin_block_header_hash(&hash, header);
	/* Compare as little-endian 256-bit numbers, high byte first. */
	for (int i = 31; i >= 0; i--) {
		if (hash.shad.sha.u8[i] != target[i])
			return hash.shad.sha.u8[i] < target[i];
	}
	return true;
}

char *bitcoin_blkid_to_hex(char out[65], const struct bitcoin_blkid *blkid)
{
	return hex_encode_reversed(out, blkid->shad.sha.u8, 32);
}

bool bitcoin_blkid_from_hex(struct bitcoin_blkid *out, const char *hex,
			    size_t hex_len)
{
	return hex_decode_reversed(out->shad.sha.u8, 32, hex, hex_len);
}
