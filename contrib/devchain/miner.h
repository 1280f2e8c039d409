/* Building regtest blocks, as Bitcoin Core's BlockAssembler and the
 * generate* RPCs do: a coinbase paying the subsidy and the fees, the BIP34
 * height and the BIP141 witness commitment, the merkle root, and a nonce
 * ground until the header meets the regtest target.
 *
 * Pure: the caller chooses the transactions, the time and the payout, and
 * checks the result against the chain (chain.c).
 */
#ifndef OHM_CONTRIB_DEVCHAIN_MINER_H
#define OHM_CONTRIB_DEVCHAIN_MINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "contrib/devchain/block.h"

/* Core's regtest block version once no deployment is signalling: just
 * the BIP9 top bits. */
#define MINER_BLOCK_VERSION 0x20000000u

/* Returns: a new block at height on top of prev_hash with timestamp
 *          time, whose coinbase pays block_subsidy(height) + fees_sat to
 *          payout_script, followed by copies of txs[0..num_txs) in order.
 *          The merkle root is set; the nonce is 0 (see miner_grind).
 *          Never NULL; free with bitcoin_block_free(). */
struct bitcoin_block *miner_create_block(const struct sha256_double *prev_hash,
				 uint32_t height, uint32_t time,
				 const uint8_t *payout_script,
				 size_t payout_script_len,
				 struct bitcoin_tx *const *txs, size_t num_txs,
				 uint64_t fees_sat);

/* Core's GenerateBlock loop: increments h->nonce until the header hash
 * meets h->bits, spending at most *max_tries attempts (decremented).
 * Returns: true if the header now has valid proof of work; false if the
 *          tries or the nonce range ran out. */
bool miner_grind(struct bitcoin_block_header *h, uint64_t *max_tries);

#endif /* OHM_CONTRIB_DEVCHAIN_MINER_H */
