/* The chain client: follows bitcoind's best chain block by block, tells
 * its listeners (the wallet, later channels) what each block did, and
 * undoes it on a reorg; scans the mempool; estimates fees; broadcasts.
 *
 * Following: every poll interval (dev-poll-interval, default 30 s) it asks
 * getblockcount, then walks from our tip to the backend's: getblockhash and
 * getblock (raw, verbosity 0) for each next height, in order.  A block
 * whose parent is not our tip, a backend tip lower than ours, or a
 * different hash at our tip's height is a reorg: our tip is disconnected
 * (each listener undoes what it did, in one database transaction with
 * forgetting the block) and the walk goes on until the chains agree.
 *
 * Start height: a fresh node starts at the backend's tip when it first
 * reaches it, processing that block and every later one (nothing older can
 * pay a wallet that did not exist yet).  It is stored, so a reorg that
 * takes out our first block re-processes from that same height.
 *
 * Invariant: the blocks table holds exactly the blocks processed, one per
 * height, from the start height up, each the child of the one below; a
 * block and everything listeners stored for it commit together.
 *
 * Mempool: after catching up, getrawmempool; each transaction not seen
 * before (at most CHAIN_MEMPOOL_FETCH_MAX per poll) is fetched with
 * getrawtransaction and shown to listeners; then, if the backend's tip is
 * still ours, listeners see the whole mempool (the wallet forgets
 * unconfirmed deposits that left it).
 *
 * Broadcast: sendrawtransaction; a broadcast transaction is sent again at
 * every new block and whenever a mempool scan misses it, until it is seen
 * in a block, or a block confirms another transaction spending one of its
 * inputs (then it can never confirm).  While bitcoind is down everything
 * waits, with warnings.
 */
#ifndef OHM_DAEMON_CHAIN_H
#define OHM_DAEMON_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bitcoin/block.h"
#include "bitcoin/tx.h"
#include "daemon/chain/feerate.h"

struct bitcoind;
struct bitcoind_error;
struct byteset;
struct chainparams;
struct db;
struct event_base;
struct log;
struct chain;

#define CHAIN_MEMPOOL_FETCH_MAX 1000

/* Fallback feerates (perkw) for when bitcoind has no estimate yet (a new
 * node, regtest): urgent 10 sat/vB, normal 5 sat/vB, slow 1 sat/vB. */
#define CHAIN_FALLBACK_URGENT_PERKW 2500
#define CHAIN_FALLBACK_NORMAL_PERKW 1250
#define CHAIN_FALLBACK_SLOW_PERKW FEERATE_FLOOR_PERKW

/* Someone who cares what blocks do.  Every function may be NULL. */
struct chain_listener {
	void *arg;
	/* block, at height, joined our chain.  Runs inside the database
	 * transaction that records the block.  Returns: false (with err)
	 * to roll that back; the block is then retried at the next poll. */
	bool (*block_connected)(void *arg, uint32_t height,
				const struct bitcoin_blkid *hash,
				const struct bitcoin_block *block,
				char *err, size_t errlen);
	/* Undo block_connected for height, which left our chain.  Same
	 * transaction rules. */
	bool (*block_disconnected)(void *arg, uint32_t height,
				   char *err, size_t errlen);
	/* A transaction in the mempool, seen for the first time (or again
	 * after a restart).  Outside any transaction. */
	void (*mempool_tx)(void *arg, const struct bitcoin_tx *tx,
			   const struct bitcoin_txid *txid);
	/* The whole mempool (a set of 32-byte txids), after a scan at our
	 * tip.  Outside any transaction. */
	void (*mempool_snapshot)(void *arg, const struct byteset *txids);
	/* Our tip moved to height (after a catch-up step). */
	void (*tip_changed)(void *arg, uint32_t height);
	/* chain_feerate() changed for some target (new estimates, after
	 * the blocks that brought them).  Outside any transaction. */
	void (*feerates_changed)(void *arg);
};

struct chain_options {
	const struct chainparams *params;
	unsigned poll_interval_secs;
};

/* Loads the processed blocks from db.  bitcoind may be NULL: then nothing
 * is polled and blocks come only through chain_block_connect() (tests,
 * bench).  Returns: NULL with err on a database error. */
struct chain *chain_new(struct event_base *base, struct log *log, struct db *db,
			struct bitcoind *bitcoind, const struct chain_options *opts,
			char *err, size_t errlen);

/* Stops polling and frees.  NULL is a no-op. */
void chain_free(struct chain *chain);

/* Adds a listener (copied).  At most CHAIN_MAX_LISTENERS. */
#define CHAIN_MAX_LISTENERS 4
void chain_add_listener(struct chain *chain, const struct chain_listener *listener);

/* Starts following bitcoind (the first poll runs at once). */
void chain_start(struct chain *chain);

/* Returns: the height of our tip, or 0 if no block is processed yet. */
uint32_t chain_height(const struct chain *chain);

/* Returns: NULL, or a warning about the backend for getinfo's
 *          warning_bitcoind_sync: unreachable, on another network, or
 *          "Bitcoind is not up-to-date with network." */
const char *chain_backend_warning(const struct chain *chain);

/* Returns: true if the backend has blocks we have not processed yet. */
bool chain_is_catching_up(const struct chain *chain);

/* The feerate for target: bitcoind's estimate, else the fallback; never
 * below FEERATE_FLOOR_PERKW. */
uint32_t chain_feerate(const struct chain *chain, enum feerate_target target);

/* Whether chain_feerate(target) is bitcoind's estimate, not the
 * fallback (none yet since the start, or bitcoind has none). */
bool chain_feerate_is_estimated(const struct chain *chain, enum feerate_target target);

/* The feerate to confirm within blocks: chain_feerate()'s targets (2, 4
 * and 100 blocks) interpolated (feerate_for_deadline). */
uint32_t chain_feerate_for_deadline(const struct chain *chain, uint32_t blocks);

/* The outcome of a broadcast: error is NULL if bitcoind took the
 * transaction (or already had it). */
typedef void (*chain_broadcast_cb)(const struct bitcoind_error *error, void *arg);

/* Sends tx with sendrawtransaction, failing fast if bitcoind is down, and
 * keeps re-sending it (see above) until it or a conflicting transaction is
 * in a block, or chain_rebroadcast_forget() is called.  cb (may be NULL) hears the first
 * attempt's outcome. */
void chain_broadcast(struct chain *chain, const struct bitcoin_tx *tx,
		     chain_broadcast_cb cb, void *arg);

/* Adds tx to the re-send list without sending it now (e.g. at start-up,
 * our unconfirmed transactions). */
void chain_rebroadcast_add(struct chain *chain, const struct bitcoin_tx *tx);

/* Drops txid from the re-send list. */
void chain_rebroadcast_forget(struct chain *chain, const struct bitcoin_txid *txid);

/* Processes raw block bytes as the block at height, which must be our tip
 * plus one (or any height when no block is processed yet) and, if we have
 * a tip, its child.  Returns: false with err on a bad block, a wrong
 * parent, a listener's refusal or a database error (nothing changes). */
bool chain_block_connect(struct chain *chain, uint32_t height,
			 const uint8_t *raw, size_t len, char *err, size_t errlen);

/* Disconnects our tip.  Returns: false with err (nothing changes). */
bool chain_block_disconnect_tip(struct chain *chain, char *err, size_t errlen);

/* Shows tx to the mempool listeners, as a mempool scan would. */
void chain_mempool_tx(struct chain *chain, const struct bitcoin_tx *tx);

/* Shows the whole mempool (a set of 32-byte txids) to the listeners, as a
 * mempool scan at our tip would. */
void chain_mempool_snapshot(struct chain *chain, const struct byteset *txids);

#endif /* OHM_DAEMON_CHAIN_H */
