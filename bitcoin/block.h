/* Bitcoin blocks: the 80-byte header, its hash and proof of work, whole
 * blocks (header and transactions), and the transaction merkle root.
 *
 * Hashes are in internal byte order and display reversed, like txids.
 * A struct bitcoin_block owns its transactions: bitcoin_block_parse()
 * returns one to release with bitcoin_block_free().
 */
#ifndef OHM_BITCOIN_BLOCK_H
#define OHM_BITCOIN_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bitcoin/tx.h"
#include "crypto/types.h"
#include "wire/wirebuf.h"

#define BITCOIN_BLOCK_HEADER_LEN 80

/* A block hash (dSHA256 of the header), internal byte order. */
struct bitcoin_blkid {
	struct sha256_double shad;
};

struct bitcoin_block_header {
	uint32_t version;
	struct bitcoin_blkid prev_hash;
	struct sha256_double merkle_root;
	uint32_t timestamp;
	uint32_t bits;		/* nBits: the compact target */
	uint32_t nonce;
};

struct bitcoin_block {
	struct bitcoin_block_header header;
	struct bitcoin_tx **txs;	/* txs[0] is the coinbase */
	size_t num_txs;
};

/* Reads an 80-byte header at the cursor (failing it if short). */
void fromwire_bitcoin_block_header(const uint8_t **cursor, size_t *max,
				   struct bitcoin_block_header *out);

/* Appends the 80-byte header. */
void towire_bitcoin_block_header(struct wirebuf *out,
				 const struct bitcoin_block_header *header);

/* out = dSHA256(80-byte header). */
void bitcoin_block_header_hash(struct bitcoin_blkid *out,
			       const struct bitcoin_block_header *header);

/* Parses a whole block: header, CompactSize transaction count, then the
 * transactions (BIP144 form allowed), and nothing after.
 * Returns: the block; or NULL with *err naming the problem. */
struct bitcoin_block *bitcoin_block_parse(const uint8_t *bytes, size_t len,
					  const char **err);

/* Returns: a new block with the given header and no transactions. */
struct bitcoin_block *bitcoin_block_new(const struct bitcoin_block_header *header);

/* Appends tx, which the block now owns. */
void bitcoin_block_add_tx(struct bitcoin_block *block, struct bitcoin_tx *tx);

/* Releases block and its transactions.  NULL is a no-op. */
void bitcoin_block_free(struct bitcoin_block *block);

/* Appends the block, its transactions with or without witnesses. */
void bitcoin_block_serialize(struct wirebuf *out,
			     const struct bitcoin_block *block,
			     bool include_witness);

/* The merkle root of num_leaves hashes, as Core's ComputeMerkleRoot: an
 * odd level repeats its last hash.  *mutated (if not NULL) is set if some
 * level had two equal adjacent hashes, the CVE-2012-2459 ambiguity where a
 * different transaction list gives the same root.
 * Returns: false (outputs untouched) if num_leaves is 0. */
bool bitcoin_merkle_root(struct sha256_double *out, bool *mutated,
			 const struct sha256_double *leaves,
			 size_t num_leaves);

/* The merkle root of block's txids (what header.merkle_root must be).
 * Returns: false if the block has no transactions. */
bool bitcoin_block_merkle_root(struct sha256_double *out, bool *mutated,
			       const struct bitcoin_block *block);

/* BIP141: the merkle root of the wtxids, the coinbase's taken as zero.
 * Returns: false if the block has no transactions. */
bool bitcoin_block_witness_merkle_root(struct sha256_double *out,
				       const struct bitcoin_block *block);

/* BIP141: "Commitment hash: Double-SHA256(witness root hash|witness
 * reserved value)", which the coinbase commits to in an OP_RETURN output
 * 0x6a24aa21a9ed followed by it. */
void bitcoin_witness_commitment(struct sha256_double *out,
				const struct sha256_double *witness_root,
				const uint8_t reserved_value[32]);

/* Decodes nBits (Core's arith_uint256::SetCompact) into a 256-bit target,
 * stored little-endian like a hash in internal byte order.
 * Returns: false (target untouched) if the compact value is negative,
 *          zero or overflows 256 bits. */
bool bitcoin_target_from_bits(uint8_t target[32], uint32_t bits);

/* Returns: true if the header's hash, read as a little-endian number, is
 *          at most the target its nBits encodes (and nBits is valid).  The
 *          network's minimum difficulty (powLimit) and retargeting are the
 *          chain's rules, not checked here. */
bool bitcoin_block_header_check_pow(const struct bitcoin_block_header *header);

/* Block hashes display byte-reversed, as txids. */
char *bitcoin_blkid_to_hex(char out[65], const struct bitcoin_blkid *blkid);
bool bitcoin_blkid_from_hex(struct bitcoin_blkid *out, const char *hex,
			    size_t hex_len);

#endif /* OHM_BITCOIN_BLOCK_H */
