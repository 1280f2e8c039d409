/* The mempool: unconfirmed transactions accepted under Bitcoin Core's
 * rules (AcceptToMemoryPool: consensus, then standardness, fees and
 * replacement policy), in the order they entered, which is always a
 * topological order (parents first).  Persisted in the store, as Core
 * persists mempool.dat, and re-validated on start-up and after reorgs.
 *
 * Replacement is BIP125 opt-in (Core's -mempoolfullrbf=0): a transaction
 * may replace mempool transactions it conflicts with only if they signal
 * (an input with nSequence below 0xfffffffe); otherwise the newcomer is
 * rejected with "txn-mempool-conflict".
 */
#ifndef OHM_CONTRIB_DEVCHAIN_MEMPOOL_H
#define OHM_CONTRIB_DEVCHAIN_MEMPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#include "contrib/devchain/chain.h"
#include "contrib/devchain/store.h"
#include "contrib/devchain/validate.h"

/* Core's DEFAULT_ANCESTOR_LIMIT and replacement eviction limit. */
#define MEMPOOL_ANCESTOR_LIMIT 25
#define MEMPOOL_MAX_REPLACEMENT_EVICTIONS 100

struct mempool_entry {
	struct bitcoin_tx *tx;
	struct bitcoin_txid txid, wtxid;
	uint64_t fee_sat;
	size_t vsize, weight;
	int64_t time;		/* when it entered */
	uint32_t height;	/* the tip's height then */
};

struct mempool;

/* What an accepted (or acceptable) transaction costs. */
struct mempool_accept_result {
	struct bitcoin_txid txid, wtxid;
	uint64_t fee_sat;
	size_t vsize;
	size_t num_replaced;
};

struct mempool *mempool_new(struct store *store, struct chain *chain,
			    const secp256k1_context *secp);
void mempool_free(struct mempool *pool);

size_t mempool_count(const struct mempool *pool);
/* Core's mempool_sequence: counts every addition and removal. */
uint64_t mempool_sequence(const struct mempool *pool);
const struct mempool_entry *mempool_entry(const struct mempool *pool, size_t i);
/* Returns: the entry's index, or -1 if txid is not in the mempool. */
long mempool_find(const struct mempool *pool, const struct bitcoin_txid *txid);
/* Returns: the index of the entry spending outpoint, or -1. */
long mempool_find_spender(const struct mempool *pool,
			  const struct bitcoin_outpoint *outpoint);

/* Marks, in marks[0..mempool_count), entry index's in-mempool ancestors
 * (or descendants), not counting itself. */
void mempool_mark_ancestors(const struct mempool *pool, size_t index, bool *marks);
void mempool_mark_descendants(const struct mempool *pool, size_t index, bool *marks);

/* How mempool_accept may act. */
enum mempool_accept_mode {
	MEMPOOL_ACCEPT,		/* add, replacing conflicts if allowed */
	MEMPOOL_TEST,		/* check only: testmempoolaccept */
	MEMPOOL_ACCEPT_NO_REPLACE,	/* add, but refuse any conflict */
};

/* Core's AcceptToMemoryPool at time now.  Returns: true with *res; false
 * with st set to Core's reject reason. */
bool mempool_accept(struct mempool *pool, const struct bitcoin_tx *tx,
		    int64_t now, enum mempool_accept_mode mode,
		    struct mempool_accept_result *res,
		    struct validation_state *st);

/* Removes one entry without its descendants (testmempoolaccept uses it to
 * undo a package's trial additions). */
void mempool_remove(struct mempool *pool, size_t index);

/* After a block connected: drops its transactions, and whatever
 * conflicts with them together with their descendants. */
void mempool_remove_for_block(struct mempool *pool, const struct bitcoin_block *b);

/* After a reorg: re-validates the transactions of disconnected blocks
 * (oldest first), then the previous mempool, keeping what still passes. */
void mempool_resync(struct mempool *pool, struct tx_list *disconnected,
		    int64_t now);

/* Re-accepts the persisted mempool (start-up), inside a store
 * transaction.  Returns: how many transactions are in the mempool. */
size_t mempool_load(struct mempool *pool);

#endif /* OHM_CONTRIB_DEVCHAIN_MEMPOOL_H */
