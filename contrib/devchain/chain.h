/* The block tree and the active chain: which blocks exist, which chain is
 * active (the most work, i.e. the longest: every regtest block has the
 * same work), connecting and disconnecting blocks against the UTXO set,
 * and invalidateblock / reconsiderblock.  Like Core's ChainstateManager,
 * reduced to one process making its own blocks.
 *
 * Block headers and metadata live in memory (struct block_index); block
 * bodies, undo data and coins live in the store.  Every function that
 * changes the chain must run inside a store transaction (store_begin).
 */
#ifndef OHM_CONTRIB_DEVCHAIN_CHAIN_H
#define OHM_CONTRIB_DEVCHAIN_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#include "contrib/devchain/block.h"
#include "contrib/devchain/store.h"
#include "contrib/devchain/validate.h"

struct block_index {
	struct sha256_double hash;
	struct block_index *prev;	/* NULL for genesis */
	uint32_t height;
	struct bitcoin_block_header header;
	uint64_t seq;			/* order made: ties keep the first */
	size_t pos;			/* position in chain_block() order */
	enum block_status status;
	uint32_t num_tx;
	uint32_t size, stripped_size, weight;
	int64_t median_time_past;	/* of this block and its 10 parents */
};

/* Transactions taken out of the chain by a reorg, oldest block first, for
 * the mempool to take back. */
struct tx_list {
	struct bitcoin_tx **txs;
	size_t num, cap;
};

void tx_list_add(struct tx_list *list, struct bitcoin_tx *tx);
void tx_list_clear(struct tx_list *list);

struct chain;

/* Loads the chain from store, creating the regtest genesis block in an
 * empty one.  Returns: the chain, or NULL with the reason in err. */
struct chain *chain_open(struct store *store, const secp256k1_context *secp,
			 char *err, size_t errlen);
void chain_free(struct chain *chain);

const struct block_index *chain_tip(const struct chain *chain);
/* The active chain's block at height, or NULL above the tip. */
const struct block_index *chain_at(const struct chain *chain, uint32_t height);
/* Any known block, on any branch; NULL if unknown. */
const struct block_index *chain_lookup(const struct chain *chain,
				       const struct sha256_double *hash);
bool chain_contains(const struct chain *chain, const struct block_index *index);
/* Every known block, parents before children: chain_block(chain, i)
 * has pos i (getchaintips). */
size_t chain_num_blocks(const struct chain *chain);
const struct block_index *chain_block(const struct chain *chain, size_t i);

/* Reads a block body.  Returns: the block (block_free it). */
struct bitcoin_block *chain_read_block(const struct chain *chain,
			       const struct block_index *index);

/* The MTP source for validate.h over the active chain. */
struct mtp_source chain_mtp_source(const struct chain *chain);

/* Returns: true and *coin if outpoint is unspent in the active chain. */
bool chain_get_coin(const struct chain *chain,
		    const struct bitcoin_outpoint *outpoint, struct coin *coin);

/* The fee each transaction of b (the block at index) paid, from the
 * block's undo data; fees[0], the coinbase's, is 0.
 * Returns: a malloc'd array of b->num_txs, or NULL if the block was never
 *          connected (no undo data). */
uint64_t *chain_block_fees(const struct chain *chain,
			   const struct block_index *index, const struct bitcoin_block *b);

/* Core's TestBlockValidity: would b connect on top of the tip?  Nothing
 * changes.  Returns: false with st set to the first failure. */
bool chain_test_block(struct chain *chain, const struct bitcoin_block *b,
		      struct validation_state *st);

/* Stores b as a new block on its parent and activates the best chain.
 * Returns: false with st if b fails validation (it is then forgotten). */
bool chain_submit_block(struct chain *chain, const struct bitcoin_block *b,
			struct validation_state *st,
			struct tx_list *disconnected);

/* Core's invalidateblock: marks index failed and its descendants failed,
 * disconnecting them if active, then activates the best remaining chain.
 * Transactions of disconnected blocks are appended to disconnected. */
void chain_invalidate(struct chain *chain, const struct block_index *index,
		      struct tx_list *disconnected);

/* Core's reconsiderblock: clears the failure of index, its descendants and
 * its ancestors, then activates the best chain. */
void chain_reconsider(struct chain *chain, const struct block_index *index,
		      struct tx_list *disconnected);

#endif /* OHM_CONTRIB_DEVCHAIN_CHAIN_H */
