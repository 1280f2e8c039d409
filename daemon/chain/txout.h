/* Looking up the output a short_channel_id names (BOLT #7: "block
 * height, transaction index, output index"), for the gossip checks, with
 * the calls Bitcoin Core offers for it (no -txindex needed):
 * getblockhash <height>, getblock <hash> 1 (the txids, in order), then
 * gettxout <txid> <n> false (the unspent output, its script, value and
 * confirmations; null if spent or absent).  As Core Lightning does.
 *
 * Asynchronous; nothing is cached here (the gossip layer caches).  A
 * backend that is down is not waited for (BITCOIND_FAIL_FAST): gossip
 * that cannot be checked now comes again.
 */
#ifndef OHM_DAEMON_CHAIN_TXOUT_H
#define OHM_DAEMON_CHAIN_TXOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bitcoin/tx.h"
#include "wire/short_channel_id.h"

struct bitcoind;

#define TXOUT_SCRIPT_MAX 64	/* longer scripts cannot be a funding output */

/* What the chain says about the output. */
struct txout_result {
	bool is_found;		/* the block and transaction exist */
	bool is_spent;		/* gettxout says null: spent, or no such output */
	struct bitcoin_txid txid;	/* if is_found */
	uint8_t script[TXOUT_SCRIPT_MAX];	/* if unspent */
	size_t script_len;	/* 0 if longer than TXOUT_SCRIPT_MAX */
	uint64_t amount_sat;
	uint32_t depth;		/* confirmations */
};

/* The answer: result, or err (NULL result) if bitcoind could not answer. */
typedef void (*txout_done)(void *arg, const struct txout_result *result, const char *err);

/* One lookup in flight: the caller's, kept until done runs (or, at
 * shutdown, until bitcoind_free(), which drops it without calling done). */
struct txout_lookup {
	struct bitcoind *bitcoind;
	struct short_channel_id scid;
	txout_done done;
	void *arg;
	struct txout_result result;
};

/* Looks up scid's output into l; done(arg, ...) runs later, from the
 * event loop, once. */
void txout_lookup(struct txout_lookup *l, struct bitcoind *bitcoind,
		  struct short_channel_id scid, txout_done done, void *arg);

#endif /* OHM_DAEMON_CHAIN_TXOUT_H */
