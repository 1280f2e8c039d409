/* What daemon/channels/channels.c, channels_chain.c, channels_htlc.c,
 * channels_peer.c and channels_requests.c share: one channel as ohmd runs it
 * (the engine and what surrounds it), and the helpers every part uses.
 * See channels.h for the rules. */
#ifndef OHM_DAEMON_CHANNELS_INTERNAL_H
#define OHM_DAEMON_CHANNELS_INTERNAL_H

#include <event2/event.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "bitcoin/tx.h"
#include "channel/state.h"
#include "common/workpool.h"
#include "crypto/secp_batch.h"
#include "daemon/channels/channels.h"
#include "daemon/channels/channels_store.h"
#include "daemon/channels/channels_gossip_store.h"

struct bitcoin_blkid;
struct bitcoin_block;
struct htlcs_noted;
struct log;

/* What we announce in open_channel / accept_channel. */
#define OUR_DUST_LIMIT_SAT 546
#define OUR_TO_SELF_DELAY 144
#define OUR_HTLC_MINIMUM_MSAT 1
/* No cap of ours on what is in flight: all the bitcoin there can be. */
#define OUR_MAX_HTLC_IN_FLIGHT_MSAT (BITCOIN_MAX_SATOSHIS * 1000ULL)
/* Channels peers opened to us whose funding is not confirmed yet
 * (AWAITING_LOCKIN as fundee): each costs a row and memory until BOLT 2's
 * 2016-block timeout, and a fake funding outpoint costs the peer nothing.
 * An open_channel past either limit is refused (a warning, the connection
 * closed), as LND's maxpendingchannels (default 1) does per peer. */
#define CHANNELS_MAX_AWAITING_PER_PEER 4
#define CHANNELS_MAX_AWAITING 200
/* Our limits on what a peer announces. */
#define MAX_TO_SELF_DELAY 2016
#define MAX_MINIMUM_DEPTH 144
#define MIN_FUNDING_SAT 20000
#define MAX_DUST_LIMIT_SAT 10000
/* The dev- HTLCs' default CLTV distance from the tip. */
#define DEV_HTLC_CLTV_DELTA 144

/* struct chan: one channel as ohmd runs it, the engine's struct channel
 * (channel/, pure) plus what the daemon keeps around it: its peer, its
 * secrets, what the chain said about its funding output, and the commands
 * waiting on it.  Functions on it are chan_*; functions on the set of
 * channels are channels_*. */
struct chan {
	struct channels *owner;
	int64_t dbid;			/* row id, also the secrets' index */
	uint8_t peer_id[PUBKEY_CMPR_LEN];
	char peer_id_hex[2 * PUBKEY_CMPR_LEN + 1];
	struct channel *ch;
	struct channel_secrets secrets;
	struct peer *peer;		/* while connected */

	/* Funder: the funding transaction from the wallet (held until the
	 * peer signs our first commitment). */
	struct bitcoin_tx *funding_tx;
	/* Where the funding transaction confirmed and what spent it. */
	bool funding_confirmed;
	uint32_t funding_height, funding_txindex;
	bool is_funding_bad;		/* it does not pay the channel */
	uint32_t depth_told;		/* last depth given to the engine */
	bool is_spent;
	struct bitcoin_txid spend_txid;
	uint32_t spend_height;
	bool is_to_remote_watched;	/* the wallet knows our to_remote */
	/* Our tip when the channel was first stored (0: unknown). */
	uint32_t opened_height;

	/* Commands waiting on it (done NULL: none). */
	channels_fund_cb fund_done;
	void *fund_arg;
	struct channels_fund_params fund;
	channels_close_cb close_done;
	void *close_arg;
	struct event *close_timer;

	/* BOLT #7 channel_update: the peer's for its direction (what it
	 * charges to forward to us); what setchannel set for ours and when we
	 * last signed it (stored), and the latest signed (channels_gossip.c). */
	bool has_remote_update;
	struct msg_channel_update remote_update;
	struct channels_gossip_row gossip;
	struct wirebuf *local_update;
	/* The fees before the last setchannel changed them, and when. */
	uint32_t previous_fee_base_msat, previous_fee_ppm;
	time_t fees_changed_at;

	/* chan_is_usable() was true after the last step. */
	bool was_usable;
	/* Group commit (see channels.c): a step changed the channel since
	 * its rows were last written, whether its row exists, and which
	 * connection a step's messages were made for (bumped on every
	 * connect and disconnect). */
	bool pending_save;
	bool has_row;
	bool forgotten;			/* FORGET acted on: freed at the flush */
	bool stepped;			/* a step since the last flush */
	/* Steps since our last commitment_signed, and when the first of
	 * them came (monotonic µs): the flush's policy (commit_policy.h). */
	size_t unsigned_steps;
	uint64_t first_unsigned_usec;
	uint64_t link_gen;

	char *failure;			/* why it failed, for status */
	/* What started its close (a Core Lightning close_cause, NULL
	 * before), and whether the row lacks it yet (channels_closed.c). */
	const char *close_cause;
	bool close_cause_unsaved;
	/* Moved to the closed channels in a transaction not yet acted on:
	 * no step writes its rows again. */
	bool is_closed_out;
	/* The HTLCs noted in channel_htlcs_seen since start-up. */
	struct htlcs_noted *htlcs_noted;
	/* The fee bump of our anchors commitment (channels_anchor.c). */
	bool has_bump;
	struct channels_store_bump bump;
	struct chan *next;
};

/* A peer we redial. */
struct redial {
	struct channels *owner;
	uint8_t node_id[PUBKEY_CMPR_LEN];
	unsigned delay_secs;
	struct event *timer;
	struct redial *next;
};

/* A step stored in the open group transaction, waiting for its commit to
 * be acted on (its messages sent, its events handled). */
struct queued_step {
	struct chan *chan;
	uint64_t link_gen;
	struct channel_effects fx;
	/* Per event of fx, owner_size bytes of the HTLC listener's (see
	 * channels.h); NULL if fx has no events. */
	void *owners;
	/* Logged once the step is committed (chan_log_committed). */
	char *note;
	const char *note_subsystem;
	/* Nothing to act on after the commit (see commit_and_act). */
	bool quiet;
	struct queued_step *next;
};

struct channels {
	struct channels_setup setup;	/* what the channels stand on */
	struct chan *list;
	struct redial *redials;
	bool is_fatal;			/* a database error: we are stopping */
	struct channels_htlc_listener htlc;	/* the HTLC switch above */
	/* Group commit: the transaction the steps of this turn of the event
	 * loop share, the steps waiting for it, and the event that commits
	 * it and acts on them once the loop has run what was ready. */
	bool batch_open;
	struct queued_step *queue, **queue_tail, *last_queued;
	struct event *flush_event;
	/* Where commitments are signed and verified (--worker-threads), and
	 * the timer of a flush the policy put off. */
	struct workpool *pool;
	struct ecdsa_batch batch;
	struct event *sign_timer;
	/* A group transaction whose steps all send nothing is left open for
	 * the next turn's (commit_and_act): whether it is (the next step's
	 * batch_join flushes), and the timer that commits it anyway (and
	 * whether it fired). */
	bool batch_deferred, defer_expired;
	struct event *defer_timer;
	/* Our gossip (channels_gossip.c): who hears it, our latest
	 * node_announcement and its timestamp (stored), the refresh timer. */
	struct channels_gossip_listener gossip;
	struct wirebuf *node_announcement;
	uint32_t node_announcement_timestamp;
	struct event *gossip_timer;
};

struct log *channels_log(const struct channels *chans);
/* Hex of the channel_id (the temporary one before funding_created). */
const char *chan_id_hex(char out[65], const struct chan *chan);
/* Whether the funding outpoint is known (funding_created sent or received). */
bool chan_has_funding(const struct chan *chan);
const struct bitcoin_outpoint *chan_funding(const struct chan *chan);
/* Core Lightning's name for the channel's state. */
const char *chan_state_name(const struct chan *chan);
/* Whether the channel still needs its peer (to open, update or close). */
bool chan_needs_peer(const struct chan *chan);
/* A channel with id (channel_id or temporary), with peer if not NULL. */
struct chan *channels_find_by_id(struct channels *chans, const struct peer *peer,
				     const uint8_t id[32]);
/* Our anchors commitment was just broadcast: a child spending our anchor
 * raises the package to the feerate for its deadline, if it needs it
 * (channels_anchor.c). */
void chan_anchor_broadcast(struct chan *chan, const struct bitcoin_tx *commitment);
/* A new tip: replaces a child not confirmed in time, stops once the
 * funding output's spend confirmed. */
void chan_anchor_tip(struct chan *chan, uint32_t height);
/* New estimates: a commitment of ours out without a child gets one if it
 * now needs it. */
void chan_anchor_fees_changed(struct chan *chan);
/* Reads the channel's fee bump at start-up.  Returns: false with err on a
 * database error. */
bool chan_anchor_load(struct chan *chan, char *err, size_t errlen);

/* channels_closed.c: what started chan's close ("user", "remote",
 * "protocol", "local"; NULL: none), kept if one is set already; stored
 * with its next step.  Returns: false on a database error. */
void chan_set_close_cause(struct chan *chan, const char *cause);
bool chan_store_close_cause(struct chan *chan, const struct channel_effects *fx);
/* Listens to the resolvers: a channel whose close is resolved becomes a
 * closed channel (closed_store.h). */
void channels_closed_listen(struct channels *chans);

/* A database error: logged with what failed, and ohmd stops. */
void channels_fatal(struct channels *chans, const char *what);

/* A new channel for peer_id, not linked in yet. */
struct chan *chan_alloc(struct channels *chans, const uint8_t peer_id[PUBKEY_CMPR_LEN]);
/* Derives chan's secrets and makes its close timer; links chan into chans. */
bool chan_setup(struct channels *chans, struct chan *chan);
/* A new engine for chan, as funder or fundee (funding_sat sizes our reserve). */
bool chan_engine_new(struct channels *chans, struct chan *chan, const struct peer *peer,
			 uint64_t funding_sat, char *err, size_t errlen);
/* What peer's connection negotiated for closing (BOLT #9). */
void chan_close_features(const struct peer *peer, struct close_features *out);
/* Unlinks chan, answers its waiting requests, wipes its secrets, frees it
 * (once chan_setup made its timer; before that, plain free()). */
void chan_free(struct chan *chan);

/* Our limits and fee opinions for a channel (the policy is not stored). */
void channels_fill_policy(struct channels *chans, struct channel_policy *policy);
/* channels_load.c: every stored channel, back and disconnected.
 * Returns: false with err if a row cannot be read or restored. */
bool channels_load(struct channels *chans, char *err, size_t errlen);

/* A command's error: kind and the message, formatted into buf. */
const struct channels_error *channels_error_fmt(struct channels_error *error, char *buf,
						size_t buflen, enum channels_error_kind kind,
						const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Answers chan's waiting fundchannel, if any, with an error. */
void chan_fund_error(struct chan *chan, enum channels_error_kind kind,
			 enum wallet_error wallet_error, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Stores fx in the group transaction and queues it: its messages are sent
 * and its events acted on once that commits (later in this turn of the
 * event loop).  Clears fx.  Returns: false if chan is gone. */
bool chan_step(struct chan *chan, struct channel_effects *fx);

/* Has the group transaction write the channel's rows (a channel loaded
 * from a snapshot of the whole channel, written before HTLCs had rows).
 * Returns: false if the transaction cannot begin. */
bool chan_save_soon(struct chan *chan);
/* The same, with fn's writes (for htlc_id) in the transaction. */
bool chan_step_with(struct chan *chan, struct channel_effects *fx, channels_db_fn fn,
			 void *arg, uint64_t htlc_id);
/* Fails the channel (channel_fail) and applies that.  Returns: false if
 * chan is gone. */
bool chan_fail_with(struct chan *chan, const char *why);
/* An engine call the engine refused: logged, fx cleared. */
void chan_refused(struct chan *chan, struct channel_effects *fx, const char *what);

/* channels_chain.c: the chain listener's calls, and one channel told what
 * the chain says at height (depth, bad funding, expired HTLCs). */
bool channels_block_connected(void *arg, uint32_t height, const struct bitcoin_blkid *hash,
			      const struct bitcoin_block *block, char *err, size_t errlen);
bool channels_block_disconnected(void *arg, uint32_t height, char *err, size_t errlen);
void channels_mempool_tx(void *arg, const struct bitcoin_tx *tx, const struct bitcoin_txid *txid);
void channels_tip_changed(void *arg, uint32_t height);
void channels_channel_tip(struct chan *chan, uint32_t height);

/* channels_fee.c: bitcoind's estimates; the chain listener's call when
 * they change (every channel's policy follows, and funders propose a new
 * feerate); and chan's update_fee, if we fund it and the policy wants one. */
struct fee_estimates;
void channels_fee_estimates(const struct channels *chans, struct fee_estimates *est);
void channels_feerates_changed(void *arg);
void chan_update_fee(struct chan *chan);

/* channels_gossip.c: chan's gossip state from the database and the
 * engine's node identity (at creation and at load); chan's announcement
 * is complete (CHANNEL_EVENT_ANNOUNCED); chan is usable again (its
 * channel_update, re-enabled, and our gossip to its peer); start-up
 * (the refresh timer, and our gossip to the listener); shut-down. */
bool chan_gossip_setup(struct chan *chan);
void chan_gossip_announced(struct chan *chan);
void chan_send_local_update(struct chan *chan);
/* After each step acted on: an announced channel no longer normal
 * (closing, failed) announces itself disabled. */
void chan_gossip_after_step(struct chan *chan);
void channels_gossip_start(struct channels *chans);
void channels_gossip_free(struct channels *chans);
/* Dials node_id after its backoff (at once: now), if we have a channel
 * that still needs it, or one we failed whose funding output is unspent
 * (to repeat our error). */
void channels_redial_schedule(struct channels *chans, const uint8_t node_id[PUBKEY_CMPR_LEN],
			      bool at_once);
/* Stops and frees every redial timer. */
void channels_redials_free(struct channels *chans);

#endif /* OHM_DAEMON_CHANNELS_INTERNAL_H */
