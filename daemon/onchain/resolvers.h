/* The closed channels' outputs on chain: one pure resolver
 * (onchain/onchain.h) per channel whose funding output was spent, fed
 * every block by the chain client (it is a chain_listener), its decisions
 * stored and acted on.
 *
 * Contract, for each block (inside the chain's database transaction):
 *   1. each resolver sees the block; its snapshot is written to its row
 *      (onchain_store.c), and the HTLC outcomes it learned go to the
 *      listener's resolved_db (the HTLC switch stores a preimage or a
 *      failure) — all in the block's transaction;
 *   2. once that commits (in the event loop's next turn, as the channels'
 *      steps are acted on): the listener's resolved (the switch settles or
 *      fails the incoming HTLC upstream), then the transactions to send
 *      (chain_broadcast, re-sent until they or a conflict confirm).
 * A `kill -9` at any moment restarts from the last block committed; at
 * start-up each resolver hands over again whatever the tip allows.
 *
 * Swept coins pay a wallet script (wallet_new_script, handed out when the
 * channel is handed over), so the wallet sees them (listfunds).  The
 * to_remote output of the peer's commitment is the wallet's already (it
 * watches our payment_basepoint, channels_chain.c), except with
 * option_anchors: the resolver sweeps it after its CSV of 1.  An
 * option_anchors HTLC transaction of ours pays its fee with a confirmed
 * wallet coin (wallet_fee_coin) and change to the wallet; the wallet
 * records it (wallet_record_spend) in the transaction that hands it over,
 * before it is sent.  Without such a coin it waits (logged at each
 * block).
 *
 * Calls come from above: the channels hand a channel over
 * (resolvers_watch) when a block spends its funding output; the commands
 * read the resolvers for listpeerchannels.  News goes up only through the
 * listener.
 */
#ifndef OHM_DAEMON_ONCHAIN_RESOLVERS_H
#define OHM_DAEMON_ONCHAIN_RESOLVERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#include "bitcoin/tx.h"
#include "channel/state.h"
#include "onchain/onchain.h"

struct chain;
struct db;
struct log;
struct resolvers;
struct wallet;

struct resolvers_setup {
	struct event_base *base;
	struct log *log;
	struct db *db;
	const secp256k1_context *secp;
	struct chain *chain;
	struct wallet *wallet;
	/* 32 bytes, kept by the caller: each channel's secrets derive from
	 * it and the channel's database id (channel_secrets_derive). */
	const uint8_t *node_secret;
};

/* What the resolvers tell the HTLC switch: an HTLC we offered on channel
 * (its database id) was fulfilled on chain (ev->type
 * CHANNEL_EVENT_HTLC_FULFILLED, ev->preimage) or can no longer be claimed
 * (CHANNEL_EVENT_HTLC_FAILED, ev->is_withdrawn: a failure of ours).
 * owner_size bytes per event are kept for it, as the channels' listener
 * does (channels.h). */
struct resolvers_htlc_listener {
	/* Inside the block's transaction.  Returns: false on a database
	 * error (the block is rolled back). */
	bool (*resolved_db)(void *arg, int64_t channel, const struct channel_event *ev,
			    void *owner);
	/* Once the block committed. */
	void (*resolved)(void *arg, int64_t channel, const struct channel_event *ev,
			 const void *owner);
	/* channel is resolved on chain from now on (after the commit that
	 * handed it over, and again at every start while it is not
	 * resolved): the preimages the switch knows for the peer's HTLCs on
	 * it go to resolvers_add_preimage. */
	void (*watching)(void *arg, int64_t channel);
	size_t owner_size;
	void *arg;
};

/* What the resolvers tell the channels: a channel's close is over, every
 * output irrevocably resolved (BOLT #5; for a mutual close, the closing
 * transaction ONCHAIN_IRREVOCABLE_DEPTH deep). */
struct resolvers_closed {
	enum onchain_close close;
	const struct bitcoin_tx *closing_tx;	/* valid during the call */
	uint32_t closing_height;
	/* What the transactions the resolver saw confirm (the closing
	 * transaction and every spend of an output it followed) paid to the
	 * wallet, less the wallet coins they spent (the fee coin of an
	 * option_anchors HTLC transaction); has_to_wallet false if the
	 * wallet could not be read. */
	bool has_to_wallet;
	int64_t to_wallet_sat;
};

struct resolvers_closed_listener {
	/* Inside the block's transaction, which also deletes the channel's
	 * resolver.  Returns: false on a database error (the block is rolled
	 * back). */
	bool (*closed_db)(void *arg, int64_t channel, const struct resolvers_closed *closed);
	/* Once that committed (the resolver is gone). */
	void (*closed)(void *arg, int64_t channel);
	void *arg;
};

/* Loads the resolvers from the database and listens to the chain (call
 * before chain_start).  Returns: NULL with err on failure. */
struct resolvers *resolvers_new(const struct resolvers_setup *setup, char *err,
				size_t errlen);
void resolvers_free(struct resolvers *rs);

/* Registers the switch; until then outcomes are stored by nobody. */
void resolvers_set_htlc_listener(struct resolvers *rs,
				 const struct resolvers_htlc_listener *listener);

/* Registers the channels; until then a resolved channel stays (and is
 * told at resolvers_start). */
void resolvers_set_closed_listener(struct resolvers *rs,
				   const struct resolvers_closed_listener *listener);

/* Hands over whatever each resolver may send now (after start-up), and
 * tells the closed listener of channels resolved before. */
void resolvers_start(struct resolvers *rs);

/* channel's funding output is spent by a transaction of txs, the block at
 * height (known_htlcs: every HTLC it ever carried, see onchain_setup):
 * a resolver starts from view (taken before the engine moved on), with
 * the preimages of HTLCs the peer offered that we know.  A channel
 * already handed over is left as it is (its resolver sees the blocks
 * itself).  Precondition: inside the block's transaction.
 * Returns: false with err on a database error or a channel the resolver
 * refuses. */
bool resolvers_watch(struct resolvers *rs, int64_t channel,
		     const struct channel_onchain_view *view,
		     const struct preimage *preimages, size_t num_preimages,
		     const struct channel_htlc *known_htlcs, size_t num_known_htlcs,
		     uint32_t height, struct bitcoin_tx *const *txs, size_t num_txs,
		     char *err, size_t errlen);

/* A preimage for an HTLC the peer offered on channel, learned off chain
 * (a forward settled downstream, an operator's dev-fulfillhtlc): its
 * resolver claims the HTLC's output with it.  Stored in its own database
 * transaction (or the caller's, if one is open) before anything is sent.
 * Returns: false with err if channel has no resolver, or on a database
 * error. */
bool resolvers_add_preimage(struct resolvers *rs, int64_t channel,
			    const struct preimage *preimage, char *err, size_t errlen);

/* channel's resolver, or NULL (never handed over). */
const struct onchain *resolvers_find(const struct resolvers *rs, int64_t channel);

#endif /* OHM_DAEMON_ONCHAIN_RESOLVERS_H */
