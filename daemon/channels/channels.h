/* The channels ohmd runs: each a pure engine (channel/state.h) plus what
 * the engine leaves to the daemon: the database row, the peer connection,
 * the funding transaction from the wallet, the blocks that confirm or
 * spend the funding output, timers, and the commands waiting on it.
 *
 * Every engine step is applied the same way (channels.c
 * chan_step_with()): what it changed in the channel (its rows: see
 * channels_store.h) and what its events change in the
 * database (a funding transaction released or let go, a transaction to
 * broadcast, the row deleted, an HTLC outcome the listener records) go
 * into the group transaction of this turn of the event loop; only after
 * that commits (channels.c flush()) are the messages sent and the events
 * acted on.  A `kill -9` at any moment therefore restarts from a state
 * the peer has seen at most one step of.  The table's SQL is in
 * channels_store.c.
 *
 * Updates are batched: the update_* messages go out as they are made, and
 * one commitment_signed covering all of them goes out when the event loop
 * next runs (a zero timer), or once the peer's revoke_and_ack lets us; on
 * a busy node commit_policy.h may hold it up to 500 µs for more.  The
 * channels one flush signs are signed in parallel on the worker pool
 * (--worker-threads), then stored and sent in order from the loop.
 *
 * Reconnection: we dial the peers we have live channels with (or a
 * channel we failed whose funding output is unspent, to repeat our error)
 * and reached by dialling before (the peers table keeps only outgoing
 * addresses), at start-up and after a disconnection, retrying with a
 * backoff from 1 s doubling to CHANNELS_RECONNECT_MAX_SECS.
 */
#ifndef OHM_DAEMON_CHANNELS_H
#define OHM_DAEMON_CHANNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bitcoin/tx.h"
#include "crypto/types.h"
#include "daemon/wallet/wallet.h"
#include "wire/peer_wire.h"

#include <secp256k1.h>

struct chain;
struct channel_id;
struct channels;
struct config;
struct db;
struct chan;
struct event_base;
struct log;
struct peer;
struct peer_manager;
struct resolvers;

#define CHANNELS_RECONNECT_MAX_SECS 60
/* Our channel_update is signed again this long after the last one, a day
 * before BOLT #7's two-week staleness limit (Core Lightning's 13 days). */
#define CHANNELS_UPDATE_REFRESH_SECS (13 * 24 * 3600)
/* Core Lightning's default for close's unilateraltimeout: two days. */
#define CHANNELS_CLOSE_TIMEOUT_SECS 172800

struct node_address;

/* What our BOLT #7 node_announcement says (kept by the caller while the
 * channels run). */
struct channels_node_info {
	const char *alias;		/* at most 32 bytes */
	const uint8_t *rgb;		/* 3 bytes */
	const struct node_address *addrs;	/* ascending by type */
	size_t num_addrs;
	const uint8_t *features;	/* BOLT #9 node_announcement context */
	size_t features_len;
};

/* What the channels stand on: the layers below, and the node's keys. */
struct channels_setup {
	struct event_base *base;
	struct log *log;
	struct db *db;
	const struct config *config;
	const secp256k1_context *secp;
	struct chain *chain;
	struct wallet *wallet;
	/* Where a channel whose funding output is spent goes (may be NULL:
	 * nothing is resolved on chain). */
	struct resolvers *resolvers;
	struct peer_manager *peers;
	/* The node's keys: 32 and 33 bytes, kept by the caller while the
	 * channels run (the secret is never logged). */
	const uint8_t *node_secret;
	const uint8_t *node_id;
	const struct channels_node_info *node_info;
	/* Called when a channel step cannot be stored: nothing more is
	 * acted on, and the process must stop. */
	void (*on_fatal)(void *arg);
	void *fatal_arg;
};

/* Loads every channel from the database (each resumes disconnected) and
 * listens to the chain.  Returns: NULL with err on failure. */
struct channels *channels_new(const struct channels_setup *setup, char *err, size_t errlen);

/* Starts dialling the peers of live channels. */
void channels_start(struct channels *channels);

/* Answers waiting requests, wipes the secrets, frees.  NULL is fine. */
void channels_free(struct channels *channels);

/* ---- From the peer layer ---- */

/* The peer finished init: its channels send channel_reestablish. */
void channels_peer_active(struct channels *channels, struct peer *peer);

/* An active peer's connection is going away (peer is still valid but can
 * no longer send). */
void channels_peer_gone(struct channels *channels, struct peer *peer);

enum channels_verdict {
	CHANNELS_HANDLED,		/* the connection goes on */
	CHANNELS_UNKNOWN_CHANNEL,	/* no such channel with this peer */
	CHANNELS_PEER_CLOSED,		/* the peer was closed (and freed) */
};

/* A BOLT #2 message (open_channel ... channel_reestablish). */
enum channels_verdict channels_peer_message(struct channels *channels, struct peer *peer,
					    uint16_t type, const uint8_t *msg, size_t len);

/* The peer sent a channel_update: kept if it is the peer's, for one of
 * our channels with it (route hints use it); ignored otherwise. */
void channels_peer_update(struct channels *channels, struct peer *peer, const uint8_t *msg,
			  size_t len);

/* The peer sent `error` for channel_id (NULL: all zero, every channel
 * with it): BOLT #1 says fail them. */
void channels_peer_error(struct channels *channels, struct peer *peer,
			 const struct channel_id *channel_id, const char *text);

/* ---- Our gossip (channels_gossip.c) ---- */

/* Who hears our own BOLT #7 messages: the channel_announcement of each
 * announced channel (once both announcement_signatures are exchanged and
 * the funding is 6 deep), our channel_update for it (new fees, disabled
 * or enabled again, refreshed before two weeks pass), and our
 * node_announcement; all again at start-up for the channels announced
 * before.  Without a listener (own_gossip NULL) they go to the channel's
 * peer directly, on each reconnection. */
struct channels_gossip_listener {
	void (*own_gossip)(void *arg, const uint8_t *msg, size_t len);
	void *arg;
};
void channels_set_gossip_listener(struct channels *channels,
				  const struct channels_gossip_listener *listener);

/* setchannel: what changes in chan's channel_update (has_*: given). */
struct channels_update_params {
	bool has_fee_base, has_fee_ppm, has_htlc_min, has_htlc_max;
	uint32_t fee_base_msat, fee_ppm;
	uint64_t htlc_minimum_msat, htlc_maximum_msat;
};
/* Core Lightning's setchannel enforcedelay default: the fees before a
 * setchannel are still accepted this long, while the new update spreads. */
#define CHANNELS_FEE_GRACE_SECS 600

/* What chan's channel_update says now; and the fees it said before the
 * last setchannel, if that was under CHANNELS_FEE_GRACE_SECS ago. */
struct channels_update_values {
	uint32_t fee_base_msat, fee_ppm;
	uint64_t htlc_minimum_msat, htlc_maximum_msat;
	bool is_public;
	bool has_scid;
	bool has_previous_fees;
	uint32_t previous_fee_base_msat, previous_fee_ppm;
};
/* Applies p to chan (stored), and signs and sends a new channel_update if
 * that changed it.  htlc_max above what the channel allows is lowered to
 * it, as Core Lightning does.  Returns: false with why (a database error,
 * or htlcmin above htlcmax). */
bool chan_set_update(struct chan *chan, const struct channels_update_params *p,
		     char *why, size_t whylen);
void chan_update_values(const struct chan *chan, struct channels_update_values *out);

/* ---- For the channel commands (daemon/commands/rpc_channel.c) ---- */

struct htlc_set;
struct msg_channel_update;

/* Why a channel command failed; the command turns it into its error. */
enum channels_error_kind {
	CHANNELS_ERROR_FAILED,		/* the channel says no, for the reason given */
	CHANNELS_ERROR_BAD_PARAMS,	/* the engine refused the arguments */
	CHANNELS_ERROR_INTERNAL,	/* ours: the database, setting up a channel */
	CHANNELS_ERROR_WALLET,		/* the wallet's: wallet_error says why */
};
struct channels_error {
	enum channels_error_kind kind;
	enum wallet_error wallet_error;
	const char *message;
};

struct channels_fund_params {
	uint64_t amount_sat;
	uint64_t push_msat;
	uint32_t feerate_perkw;		/* of the funding transaction */
	uint32_t minconf;
	bool announce;
};

/* A channel opened: its funding transaction was broadcast. */
struct channels_fund_result {
	const struct bitcoin_tx *tx;
	uint32_t outnum;		/* the funding output */
	uint8_t channel_id[32];
	bool option_anchors;
};
typedef void (*channels_fund_cb)(void *arg, const struct channels_fund_result *result,
				 const struct channels_error *error);

/* fundchannel: opens a channel to the connected peer.  done is called
 * once (perhaps before this returns): with the result when the funding
 * transaction is broadcast, or with an error (result NULL). */
void channels_fund(struct channels *channels, struct peer *peer,
		   const struct channels_fund_params *params, channels_fund_cb done, void *arg);

/* A close's transaction: type "mutual" or "unilateral". */
struct channels_close_result {
	const struct bitcoin_tx *tx;
	const char *type;
};
typedef void (*channels_close_cb)(void *arg, const struct channels_close_result *result,
				  const struct channels_error *error);

/* close: closes chan; script NULL pays our wallet.  timeout_secs 0 waits for
 * the peer forever.  done as channels_fund's, once the closing (or our
 * commitment) transaction is broadcast. */
void channels_close(struct channels *channels, struct chan *chan, const uint8_t *script,
		    size_t script_len, unsigned timeout_secs, channels_close_cb done, void *arg);

/* dev-fail: fails chan at once (BOLT #2 "MUST fail the channel"): our
 * latest commitment is broadcast (with its anchor CPFP), the peer gets an
 * error, the resolver follows the outputs.  done as channels_close's,
 * with our commitment once it is stored and broadcast. */
void channels_dev_fail(struct channels *channels, struct chan *chan, channels_close_cb done,
		       void *arg);

/* The channel a user names by peer id: its oldest channel that still
 * needs the peer, else its newest; NULL if none. */
struct chan *channels_for_peer(struct channels *channels,
				   const uint8_t peer_id[PUBKEY_CMPR_LEN]);
/* By channel_id (or the temporary one before funding_created); NULL if none. */
struct chan *channels_by_channel_id(struct channels *channels, const uint8_t id[32]);

struct closed_channel;
/* listclosedchannels: each(arg, c) for every closed channel (closed_store.h;
 * with peer_id, or all if NULL), in the order they closed.  Returns: false
 * on a database error. */
bool channels_list_closed(struct channels *channels, const uint8_t *peer_id,
			  void (*each)(void *arg, const struct closed_channel *c), void *arg);

/* How many channels (with peer_id, or all if NULL) are opening or locking
 * in, normal (or shutting down), or anything else. */
struct channels_counts {
	unsigned pending, active, inactive;
};
void channels_count(const struct channels *channels, const uint8_t *peer_id,
		    struct channels_counts *counts);

/* Returns: true if an anchor channel is open (or opening, or closing):
 * the wallet then keeps min-emergency-msat for its fee bumps. */
bool channels_have_anchors(const struct channels *channels);

/* Returns: the wallet reserve withdraw and fundchannel keep: the
 * configured min-emergency-msat (in satoshis) while channels_have_anchors,
 * else 0. */
uint64_t channels_emergency_reserve_sat(const struct channels *channels);

/* One channel as listpeerchannels and listfunds show it.  Pointers are
 * valid until the channel's next step. */
struct channel_summary {
	const uint8_t *peer_id;		/* PUBKEY_CMPR_LEN bytes */
	bool peer_connected;
	bool is_reestablished;		/* channel_reestablish exchanged */
	const char *state;		/* Core Lightning's name */
	bool is_opener;
	uint8_t channel_id[32];
	bool is_private;
	bool option_anchors;
	uint64_t funding_sat;
	bool has_funding;		/* funding outpoint known */
	struct bitcoin_outpoint funding;
	const struct short_channel_id *scid;	/* NULL before confirmed */
	bool is_spent;			/* the funding output, on chain */
	struct bitcoin_txid spend_txid;
	uint32_t spend_height;
	bool is_awaiting_lockin;
	uint32_t minimum_depth;		/* the fundee's: the one that counts */
	uint32_t depth;			/* of the funding transaction (0: none) */
	const char *failure;		/* why it failed, or NULL */
	uint32_t feerate_perkw;
	uint64_t to_us_msat;
	uint64_t spendable_msat, receivable_msat;
	uint64_t our_reserve_msat, their_reserve_msat;	/* what each side must keep */
	uint64_t htlc_minimum_in_msat, htlc_minimum_out_msat;
	uint32_t our_to_self_delay, their_to_self_delay;	/* each side's wait */
	uint32_t max_accepted_htlcs;	/* ours, from the peer */
	uint64_t dust_limit_msat;	/* ours */
	/* The HTLC limits of our direction (the peer's, which bind us). */
	uint64_t local_htlc_minimum_msat, local_htlc_maximum_msat;
	const struct msg_channel_update *remote_update;	/* or NULL */
	const struct htlc_set *htlcs;	/* the engine's */
};
void chan_summary(const struct chan *chan, struct channel_summary *summary);

typedef void (*channels_htlc_cb)(void *arg, uint64_t htlc_id, const struct channels_error *error);

/* dev-sendhtlc: offers an HTLC of amount_msat paying sha256(preimage)
 * (with a dummy onion) over chan, signed at once.  done (before this
 * returns) gets its id or an error. */
void channels_dev_send_htlc(struct channels *channels, struct chan *chan,
			    uint64_t amount_msat, const uint8_t preimage[32],
			    uint32_t cltv_expiry, channels_htlc_cb done, void *arg);

/* dev-fulfillhtlc / dev-failhtlc: settles an HTLC the peer offered us
 * (preimage NULL: fails it); done as dev_send's. */
void channels_dev_settle_htlc(struct channels *channels, struct chan *chan,
			      uint64_t htlc_id, const uint8_t *preimage, channels_htlc_cb done,
			      void *arg);

/* ---- For the HTLC switch (daemon/htlcs/payflow.c) ---- */

struct channel;
struct channel_event;
struct preimage;
struct sha256;
struct short_channel_id;
struct wirebuf;

/* What the channels tell the layer above about HTLCs, registered once at
 * start-up (channels_set_htlc_listener); until then nobody is told.
 * owner_size bytes per event of a step are kept for it, zeroed: what
 * resolved_db finds inside the step's transaction (whose HTLC it was) and
 * resolved acts on after the commit; the channels never look inside. */
struct channels_htlc_listener {
	/* Our HTLC on chan was fulfilled, failed or withdrawn (ev), inside the
	 * step's transaction.  Returns: false on a database error (the step
	 * is rolled back and ohmd stops). */
	bool (*resolved_db)(void *arg, struct chan *chan, const struct channel_event *ev,
			    void *owner);
	/* The same fulfilled or failed HTLC, once the step committed. */
	void (*resolved)(void *arg, struct chan *chan, const struct channel_event *ev,
			 const void *owner);
	/* The peer's HTLC htlc_id on chan is irrevocably committed. */
	void (*added)(void *arg, struct chan *chan, uint64_t htlc_id);
	/* chan can carry updates again (newly normal, or reestablished). */
	void (*usable)(void *arg, struct chan *chan);
	/* Whether the preimage of the peer's HTLC htlc_id on chan is known
	 * (its forward settled, its invoice paid) though not yet sent: it
	 * has a fulfillment deadline (channel/deadline.h).  May be NULL. */
	bool (*preimage_known)(void *arg, struct chan *chan, uint64_t htlc_id);
	size_t owner_size;
	void *arg;
};
void channels_set_htlc_listener(struct channels *channels,
				const struct channels_htlc_listener *listener);

/* Extra database writes that must commit with a step (a payment or a
 * forward recorded with the HTLC that carries it); htlc_id is the HTLC
 * the step is about.  Runs inside the transaction; false rolls it back
 * (and stops ohmd: the engine has moved on). */
typedef bool (*channels_db_fn)(void *arg, uint64_t htlc_id);

/* Channels by short_channel_id, by database id, or the first usable one
 * with a peer; NULL if none. */
struct chan *channels_by_scid(struct channels *channels, const struct short_channel_id *scid);
struct chan *channels_by_dbid(struct channels *channels, int64_t dbid);
struct chan *channels_usable_with(struct channels *channels,
				      const uint8_t peer_id[PUBKEY_CMPR_LEN]);
/* Every channel in turn (first: prev NULL). */
struct chan *channels_next(struct channels *channels, struct chan *prev);

int64_t chan_dbid(const struct chan *chan);
const uint8_t *chan_peer_id(const struct chan *chan);
const struct channel *chan_engine(const struct chan *chan);
/* Normal, with its peer connected and reestablished: HTLCs can go. */
bool chan_is_usable(const struct chan *chan);
/* Stored as a closed channel (listclosedchannels), freed at the loop's
 * next turn: listpeerchannels no longer shows it. */
bool chan_is_closed_out(const struct chan *chan);
/* The short_channel_id, or NULL before the funding confirmed. */
const struct short_channel_id *chan_scid(const struct chan *chan);
/* The peer's channel_update (its fees toward us), or NULL. */
const struct msg_channel_update *chan_remote_update(const struct chan *chan);
/* Our channel_update, newly signed (NULL before a short_channel_id). */
struct wirebuf *chan_local_update(struct chan *chan);

/* Offers an HTLC; fn (may be NULL) stores what goes with it.  Returns:
 * false with why (the engine's refusal: over a limit, not normal...; or
 * the step could not be stored and ohmd is stopping). */
bool chan_offer(struct chan *chan, uint64_t amount_msat, const struct sha256 *payment_hash,
		    uint32_t cltv_expiry, const uint8_t *onion, channels_db_fn fn, void *arg,
		    uint64_t *htlc_id, char *why, size_t whylen);

/* What payments log about a step they just applied on chan (an offer, a
 * fulfill, a failure): logged (info, under subsystem, a static string)
 * once the step is committed, just before its messages go out; never if
 * it is not (ohmd stopped on a database error first). */
void chan_log_committed(struct chan *chan, const char *subsystem, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Removes an HTLC the peer offered: fulfills it (preimage), or fails it
 * with reason (an onion error for the origin), or as malformed
 * (failure_code with BADONION, sha256_of_onion).  fn as above.
 * Returns: false if the engine refused or the step could not be stored. */
bool chan_fulfill(struct chan *chan, uint64_t htlc_id, const struct preimage *preimage,
		      channels_db_fn fn, void *arg);
bool chan_fail(struct chan *chan, uint64_t htlc_id, const uint8_t *reason,
		   size_t reason_len, channels_db_fn fn, void *arg);
bool chan_fail_malformed(struct chan *chan, uint64_t htlc_id,
			     const struct sha256 *sha256_of_onion, uint16_t failure_code,
			     channels_db_fn fn, void *arg);

#endif /* OHM_DAEMON_CHANNELS_H */
