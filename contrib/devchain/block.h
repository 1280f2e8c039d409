/* What ohm-devchain needs of blocks beyond bitcoin/block.h: sizes and
 * BIP141 weight, finding and building the witness commitment output,
 * Core's difficulty number, and the regtest genesis block.
 *
 * TODO(bitcoin/): move once bitcoin/ has it (block sizes and weight, the
 * commitment output, GetDifficulty, the genesis blocks of chainparams).
 *
 * Pure: no I/O.
 */
#ifndef OHM_CONTRIB_DEVCHAIN_BLOCK_H
#define OHM_CONTRIB_DEVCHAIN_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bitcoin/block.h"
#include "bitcoin/tx.h"
#include "crypto/types.h"
#include "wire/wirebuf.h"

/* Regtest's proof-of-work limit, and so the bits of every devchain block:
 * a target of 0x7fffff << 232, met by half of all hashes. */
#define REGTEST_BITS 0x207fffffu

/* Core's bounds on a coinbase scriptSig ("bad-cb-length"). */
#define BLOCK_COINBASE_SCRIPT_MIN 2
#define BLOCK_COINBASE_SCRIPT_MAX 100

/* The block hash, as a plain double SHA-256 (how the chain keys blocks). */
void block_hash(struct sha256_double *out, const struct bitcoin_block_header *h);

/* Sizes in bytes with and without witness data, and BIP141 weight. */
size_t block_total_size(const struct bitcoin_block *b);
size_t block_stripped_size(const struct bitcoin_block *b);
size_t block_weight(const struct bitcoin_block *b);

/* BIP141: "the commitment is recorded in a scriptPubKey of the coinbase
 * transaction. It must be at least 38 bytes, with the first 6-byte of
 * 0x6a24aa21a9ed".  Returns: the index of the last such output of
 * coinbase, or -1 if there is none. */
int block_witness_commitment_index(const struct bitcoin_tx *coinbase);

/* out = BIP141's commitment for b's transactions and reserved value. */
void block_witness_commitment(struct sha256_double *out,
			      const struct bitcoin_block *b,
			      const uint8_t reserved[32]);

/* Appends the 38-byte commitment scriptPubKey for commitment. */
void block_witness_commitment_script(struct wirebuf *script,
				     const struct sha256_double *commitment);

/* Core's GetDifficulty: the difficulty-1 target over bits' target. */
double block_bits_difficulty(uint32_t bits);

/* Returns: the regtest genesis block (hash 0f9188f1...e2206), parsed from
 *          its serialization.  Never NULL; free with bitcoin_block_free(). */
struct bitcoin_block *block_regtest_genesis(void);

#endif /* OHM_CONTRIB_DEVCHAIN_BLOCK_H */
