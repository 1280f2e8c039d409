/* ohm-devchain's node state and the operations RPCs perform on it: mining
 * blocks (from the mempool or from given transactions), submitting
 * transactions, and reorgs.  Each operation is one store transaction, so a
 * reply is only sent for what is on disk.
 */
#ifndef OHM_CONTRIB_DEVCHAIN_DEVCHAIN_H
#define OHM_CONTRIB_DEVCHAIN_DEVCHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#include "bitcoin/chainparams.h"
#include "contrib/devchain/chain.h"
#include "contrib/devchain/mempool.h"
#include "contrib/devchain/store.h"

/* Core's default -blockmaxweight: room is kept for the coinbase. */
#define DEVCHAIN_BLOCK_MAX_WEIGHT (4000000 - 4000)

struct devchain {
	secp256k1_context *secp;
	const struct chainparams *params;	/* always regtest */
	struct store *store;
	struct chain *chain;
	struct mempool *mempool;
	int64_t mocktime;	/* setmocktime; 0 means the real clock */
	int64_t start_time;
	bool stop_requested;
};

/* Opens (or creates) the chain in datadir's devchain.sqlite3 and reloads
 * the persisted mempool.  Returns: false with the reason in err. */
bool devchain_open(struct devchain *d, const char *datadir, char *err,
		   size_t errlen);
void devchain_close(struct devchain *d);

/* Now, in seconds since the epoch: the mock time if set. */
int64_t devchain_now(const struct devchain *d);

/* Builds a block on the tip paying script, with the mempool's
 * transactions (from_mempool) or txs[0..num_txs), and grinds its nonce, spending at most
 * *max_tries attempts.  Does not validate or store it.
 * Returns: 1 with *out (block_free it); 0 if the tries ran out. */
int devchain_make_block(struct devchain *d, const uint8_t *script,
			size_t script_len, bool from_mempool,
			struct bitcoin_tx *const *txs, size_t num_txs,
			uint64_t *max_tries, struct bitcoin_block **out);

/* Core's TestBlockValidity for a block from devchain_make_block. */
bool devchain_test_block(struct devchain *d, const struct bitcoin_block *b,
			 struct validation_state *st);

/* Mines one block on the tip paying script: with the mempool's
 * transactions (from_mempool: generatetoaddress) or with txs
 * (generateblock).
 * Spends at most *max_tries nonce attempts.
 * Returns: 1 with *hash set; 0 if the tries ran out; -1 if the block is
 *          invalid, with st set. */
int devchain_mine(struct devchain *d, const uint8_t *script, size_t script_len,
		  bool from_mempool, struct bitcoin_tx *const *txs,
		  size_t num_txs, uint64_t *max_tries,
		  struct sha256_double *hash, struct validation_state *st);

/* sendrawtransaction's mempool submission (Core's BroadcastTransaction
 * after its checks): AcceptToMemoryPool, persisted. */
bool devchain_submit_tx(struct devchain *d, const struct bitcoin_tx *tx,
			struct mempool_accept_result *res,
			struct validation_state *st);

void devchain_invalidate(struct devchain *d, const struct block_index *index);
void devchain_reconsider(struct devchain *d, const struct block_index *index);

#endif /* OHM_CONTRIB_DEVCHAIN_DEVCHAIN_H */
