/* ohmd's channels: setting each one up, applying its engine's steps (each
 * persisted, then acted on, in one group commit per turn of the event
 * loop, flushed with one commitment_signed per channel), funding, timers
 * and the life cycle (see channels.h for the rules every step follows).
 * The peer layer is channels_peer.c, the chain channels_chain.c, the
 * channel commands channels_requests.c, what payments use channels_htlc.c, and
 * the SQL channels_store.c. */
#include "daemon/channels/channels_internal.h"

#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitcoin/chainparams.h"
#include "channel/scripts.h"
#include "channel/state.h"
#include "common/alloc.h"
#include "common/hex.h"
#include "crypto/hash.h"
#include "crypto/util.h"
#include "daemon/chain/chain.h"
#include "daemon/channels/channels_store.h"
#include "daemon/config.h"
#include "daemon/channels/commit_policy.h"
#include "daemon/channels/htlcs_noted.h"
#include "daemon/channels/fee_policy.h"
#include "daemon/chain/feerate.h"
#include "daemon/log.h"
#include "daemon/net/peer.h"
#include "daemon/onchain/resolvers.h"
#include "daemon/wallet/wallet.h"
#include "db/db.h"
#include "wire/peer_wire.h"
#include "wire/short_channel_id.h"

/* ---- Small helpers ---- */

struct log *channels_log(const struct channels *chans)
{
	return chans->setup.log;
}

const char *chan_id_hex(char out[65], const struct chan *chan)
{
	return hex_encode(out, channel_get_id(chan->ch)->bytes, 32);
}

bool chan_has_funding(const struct chan *chan)
{
	enum channel_state state = channel_get_state(chan->ch);

	return state >= CHANNEL_AWAITING_FUNDING_SIGNED && state != CHANNEL_FORGOTTEN;
}

const struct bitcoin_outpoint *chan_funding(const struct chan *chan)
{
	return &channel_get_params(chan->ch)->funding;
}

/* Core Lightning's name for the state. */
const char *chan_state_name(const struct chan *chan)
{
	switch (channel_get_state(chan->ch)) {
	case CHANNEL_AWAITING_OPEN:
	case CHANNEL_AWAITING_ACCEPT:
	case CHANNEL_AWAITING_FUNDING_TX:
	case CHANNEL_AWAITING_FUNDING_CREATED:
	case CHANNEL_AWAITING_FUNDING_SIGNED:
		return "OPENINGD";
	case CHANNEL_AWAITING_LOCKIN:
		return "CHANNELD_AWAITING_LOCKIN";
	case CHANNEL_NORMAL:
		return "CHANNELD_NORMAL";
	case CHANNEL_SHUTTING_DOWN:
		return "CHANNELD_SHUTTING_DOWN";
	case CHANNEL_NEGOTIATING_CLOSE:
		return "CLOSINGD_SIGEXCHANGE";
	case CHANNEL_CLOSED:
		return chan->is_spent ? "ONCHAIN" : "CLOSINGD_COMPLETE";
	case CHANNEL_AWAITING_UNILATERAL:
	case CHANNEL_DATA_LOSS:
		return chan->is_spent ? "ONCHAIN" : "AWAITING_UNILATERAL";
	case CHANNEL_FORGOTTEN:
		return "CLOSED";
	case CHANNEL_ONCHAIN:
		return "ONCHAIN";
	}
	return "UNKNOWN";
}

/* Whether the channel still needs its peer (to open, update or close). */
bool chan_needs_peer(const struct chan *chan)
{
	enum channel_state state = channel_get_state(chan->ch);

	return state != CHANNEL_CLOSED && state != CHANNEL_AWAITING_UNILATERAL
		&& state != CHANNEL_FORGOTTEN && state != CHANNEL_ONCHAIN;
}

const struct channels_error *channels_error_fmt(struct channels_error *error, char *buf,
						size_t buflen, enum channels_error_kind kind,
						const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, buflen, fmt, ap);
	va_end(ap);
	error->kind = kind;
	error->wallet_error = WALLET_OK;
	error->message = buf;
	return error;
}

void chan_fund_error(struct chan *chan, enum channels_error_kind kind,
			enum wallet_error wallet_error,
			 const char *fmt, ...)
{
	channels_fund_cb done = chan->fund_done;
	struct channels_error error = {kind, wallet_error, NULL};
	char text[1100];
	va_list ap;

	if (!done)
		return;
	chan->fund_done = NULL;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	error.message = text;
	done(chan->fund_arg, NULL, &error);
}

void channels_fatal(struct channels *chans, const char *what)
{
	log_broken(channels_log(chans), "channel", "%s: %s; stopping", what, db_errmsg(chans->setup.db));
	chans->is_fatal = true;
	chans->setup.on_fatal(chans->setup.fatal_arg);
}

/* ---- Policy and set-up ---- */

void channels_fill_policy(struct channels *chans, struct channel_policy *policy)
{
	struct fee_estimates est;
	struct fee_bounds bounds;

	channels_fee_estimates(chans, &est);
	fee_policy_bounds(&bounds, &est, chans->setup.config->max_fee_multiplier);
	memset(policy, 0, sizeof(*policy));
	memcpy(policy->chain_hash.bytes, chans->setup.config->chainparams->chain_hash, 32);
	policy->max_to_self_delay = MAX_TO_SELF_DELAY;
	policy->max_minimum_depth = MAX_MINIMUM_DEPTH;
	policy->min_funding_sat = MIN_FUNDING_SAT;
	policy->max_dust_limit_sat = MAX_DUST_LIMIT_SAT;
	/* Peers' open_channel and update_fee must be within these. */
	policy->min_feerate_per_kw = bounds.min_perkw;
	policy->min_anchors_feerate_per_kw = bounds.anchors_min_perkw;
	policy->max_feerate_per_kw = bounds.max_perkw;
	policy->closing_feerate_per_kw = chain_feerate(chans->setup.chain, FEERATE_NORMAL);
	/* Only matters while opening: chan_engine_new narrows it to peers
	 * that negotiated option_anchors. */
	policy->allow_anchors = chans->setup.config->anchors;
}

/* BOLT #2 "Defined Channel Types": the type we propose, the best both
 * sides can do.  Core Lightning, LND, Eclair and LDK all prefer anchors
 * (with static_remotekey) when both offered option_anchors, and fall back
 * to plain static_remotekey otherwise. */
static enum channel_type chan_open_type(const struct channels *chans, const struct peer *peer)
{
	if (chans->setup.config->anchors && peer_negotiated(peer, FEATURE_ANCHORS))
		return CHANNEL_TYPE_ANCHORS;
	return CHANNEL_TYPE_STATIC_REMOTEKEY;
}

struct chan *chan_alloc(struct channels *chans, const uint8_t peer_id[PUBKEY_CMPR_LEN])
{
	struct chan *chan = oh_calloc(1, sizeof(*chan));

	chan->owner = chans;
	memcpy(chan->peer_id, peer_id, PUBKEY_CMPR_LEN);
	hex_encode(chan->peer_id_hex, peer_id, PUBKEY_CMPR_LEN);
	return chan;
}

static void close_timer_fired(evutil_socket_t fd, short events, void *arg);

/* Derives the secrets and the timers; links chan in. */
bool chan_setup(struct channels *chans, struct chan *chan)
{
	struct secret node_secret;
	bool ok;

	memcpy(node_secret.data, chans->setup.node_secret, sizeof(node_secret.data));
	ok = channel_secrets_derive(chans->setup.secp, &chan->secrets, &node_secret, (uint64_t)chan->dbid);
	crypto_wipe(&node_secret, sizeof(node_secret));
	chan->close_timer = evtimer_new(chans->setup.base, close_timer_fired, chan);
	if (!ok || !chan->close_timer)
		return false;
	chan->next = chans->list;
	chans->list = chan;
	return true;
}

void chan_free(struct chan *chan)
{
	struct channels *chans = chan->owner;

	for (struct chan **p = &chans->list; *p; p = &(*p)->next) {
		if (*p == chan) {
			*p = chan->next;
			break;
		}
	}
	chan_fund_error(chan, CHANNELS_ERROR_FAILED, WALLET_OK, "Channel was forgotten: %s",
			    chan->failure ? chan->failure : "ohmd is shutting down");
	if (chan->close_done) {
		struct channels_error error = {CHANNELS_ERROR_FAILED, WALLET_OK, "ohmd is shutting down"};
		channels_close_cb done = chan->close_done;
		chan->close_done = NULL;
		done(chan->close_arg, NULL, &error);
	}
	if (chan->close_timer)
		event_free(chan->close_timer);
	for (struct queued_step *q = chans->queue; q; q = q->next)
		if (q->chan == chan)
			q->chan = NULL;
	channel_free(chan->ch);
	channel_secrets_wipe(&chan->secrets);
	bitcoin_tx_free(chan->funding_tx);
	wirebuf_free(chan->local_update);
	free(chan->failure);
	htlcs_noted_free(chan->htlcs_noted);
	free(chan);
}

void chan_close_features(const struct peer *peer, struct close_features *out)
{
	out->option_shutdown_anysegwit = peer_negotiated(peer, FEATURE_SHUTDOWN_ANYSEGWIT);
	out->option_simple_close = peer_negotiated(peer, FEATURE_SIMPLE_CLOSE);
}

/* A new channel's engine, as funder (funding_sat known) or fundee. */
bool chan_engine_new(struct channels *chans, struct chan *chan, const struct peer *peer,
			 uint64_t funding_sat, char *err, size_t errlen)
{
	struct channel_setup setup = {0};
	struct wirebuf *script = wirebuf_new();
	uint64_t reserve = funding_sat / 100;

	if (!wallet_new_script(chans->setup.wallet, script, err, errlen)) {
		wirebuf_free(script);
		return false;
	}
	setup.secrets = &chan->secrets;
	setup.config.dust_limit_sat = OUR_DUST_LIMIT_SAT;
	setup.config.max_htlc_value_in_flight_msat = OUR_MAX_HTLC_IN_FLIGHT_MSAT;
	setup.config.channel_reserve_sat = reserve < OUR_DUST_LIMIT_SAT ? OUR_DUST_LIMIT_SAT : reserve;
	setup.config.htlc_minimum_msat = OUR_HTLC_MINIMUM_MSAT;
	setup.config.to_self_delay = OUR_TO_SELF_DELAY;
	setup.config.max_accepted_htlcs = chans->setup.config->max_concurrent_htlcs;
	setup.config.minimum_depth = chans->setup.config->funding_confirms;
	channels_fill_policy(chans, &setup.policy);
	/* BOLT #2: the receiving node MUST fail the channel if "the
	 * `channel_type` is not suitable": anchors only with a peer that
	 * offered option_anchors in init, and only if we did. */
	setup.policy.allow_anchors = chan_open_type(chans, peer) == CHANNEL_TYPE_ANCHORS;
	setup.shutdown_script = script->data;
	setup.shutdown_script_len = script->len;
	chan_close_features(peer, &setup.features);
	chan->ch = channel_new(chans->setup.secp, &setup);
	wirebuf_free(script);
	if (chan->ch)
		channel_set_ecdsa_batch(chan->ch, &chans->batch);
	if (!chan->ch || !chan_gossip_setup(chan)) {
		snprintf(err, errlen, "cannot create the channel");
		return false;
	}
	/* Stored as rows (row_save), not as a snapshot per step. */
	channel_set_snapshots(chan->ch, false);
	return true;
}

/* ---- Applying a step ---- */

/* An htlcs_noted_update note: the HTLC into channel_htlcs_seen. */
static bool note_htlc(void *arg, const struct channel_htlc *htlc)
{
	struct chan *chan = arg;

	return channels_store_note_htlc(chan->owner->setup.db, chan->dbid, htlc);
}

/* Writes what changed in the channel since its last save: its row if it
 * changed, its HTLCs' and signatures' rows (channel/state.h, "Persistence
 * as rows"). */
static bool row_save(struct chan *chan)
{
	struct channels *chans = chan->owner;
	struct channel_changes changes;
	bool ok = true;

	chan->pending_save = false;
	const struct htlc_set *set = channel_get_htlcs(chan->ch);

	if (!chan->opened_height)
		chan->opened_height = chain_height(chans->setup.chain);
	channel_changes_take(chan->ch, &changes);
	if (changes.row)
		ok = channels_store_save(chans->setup.db, chan->dbid, chan->peer_id,
					 channel_get_id(chan->ch)->bytes, changes.row, changes.row_len,
					 chan_has_funding(chan) ? chan_funding(chan) : NULL,
					 chan->opened_height);
	ok = ok && channels_store_write_changes(chans->setup.db, chan->dbid, &changes);
	channel_changes_free(&changes);
	if (!ok)
		return false;
	chan->has_row = true;
	/* Each HTLC once, for the on-chain resolver of a revoked commitment
	 * (daemon/onchain/). */
	if (!chan->htlcs_noted)
		chan->htlcs_noted = htlcs_noted_new();
	return htlcs_noted_update(chan->htlcs_noted, set, note_htlc, chan);
}

static bool row_set_last_tx(struct chan *chan, const struct bitcoin_tx *tx)
{
	struct wirebuf *raw = wirebuf_new();
	bool ok;

	bitcoin_tx_serialize(raw, tx, true);
	ok = channels_store_set_last_tx(chan->owner->setup.db, chan->dbid, raw->data, raw->len);
	wirebuf_free(raw);
	return ok;
}

/* Whether a step's events write to the channel's row (which must then
 * exist, with what the step changed). */
static bool events_need_row(const struct channel_effects *fx)
{
	for (size_t i = 0; i < fx->num_events; i++)
		if (fx->events[i].type == CHANNEL_EVENT_CLOSE_BROADCAST
		    || fx->events[i].type == CHANNEL_EVENT_COMMITMENT_BROADCAST)
			return true;
	return false;
}

/* The database half of a step, inside the group transaction.  A plain
 * step only marks the channel: commit_and_act writes what changed in it
 * once, so a hundred HTLC steps on one channel in one turn cost one
 * write of each row they changed, not a hundred. */
static bool store_step(struct chan *chan, struct channel_effects *fx, uint8_t *owners)
{
	const struct channels_htlc_listener *htlc = &chan->owner->htlc;
	struct wallet *wallet = chan->owner->setup.wallet;
	char err[300];
	struct bitcoin_txid txid;

	if (fx->changed) {
		chan->pending_save = true;
		if ((!chan->has_row || events_need_row(fx)) && !row_save(chan))
			return false;
	}
	for (size_t i = 0; i < fx->num_events; i++) {
		const struct channel_event *ev = &fx->events[i];
		switch (ev->type) {
		case CHANNEL_EVENT_FORGET:
			if (chan->funding_tx) {
				bitcoin_tx_txid(&txid, chan->funding_tx);
				if (!wallet_fund_release(wallet, &txid, err, sizeof(err)))
					return false;
			}
			if (!channels_store_delete(chan->owner->setup.db, chan->dbid))
				return false;
			chan->pending_save = false;
			chan->has_row = false;
			break;
		case CHANNEL_EVENT_FUNDING_BROADCAST:
			if (chan->funding_tx) {
				bitcoin_tx_txid(&txid, chan->funding_tx);
				if (!wallet_fund_unhold(wallet, &txid, err, sizeof(err)))
					return false;
			}
			break;
		case CHANNEL_EVENT_CLOSE_BROADCAST:
		case CHANNEL_EVENT_COMMITMENT_BROADCAST:
			if (!row_set_last_tx(chan, ev->tx))
				return false;
			break;
		case CHANNEL_EVENT_HTLC_FULFILLED:
		case CHANNEL_EVENT_HTLC_FAILED:
		case CHANNEL_EVENT_HTLC_WITHDRAWN:
			if (htlc->resolved_db
			    && !htlc->resolved_db(htlc->arg, chan, ev, owners + i * htlc->owner_size))
				return false;
			break;
		default:
			break;
		}
	}
	return chan_store_close_cause(chan, fx);
}

/* Sends a step's messages, if the connection they were made for is still
 * the one we have (after a reconnection, channel_reestablish decides). */
static void send_msgs(struct chan *chan, const struct channel_effects *fx, uint64_t link_gen)
{
	for (size_t i = 0; i < fx->num_msgs; i++) {
		if (!chan->peer || chan->link_gen != link_gen)
			return;
		if (!peer_send(chan->peer, fx->msgs[i]->data, fx->msgs[i]->len)) {
			log_unusual(channels_log(chan->owner), "channel", "%s: cannot send to the peer",
				    chan->peer_id_hex);
			return;
		}
	}
}

static void fund_answer(struct chan *chan)
{
	channels_fund_cb done = chan->fund_done;
	struct channels_fund_result result;

	if (!done || !chan->funding_tx)
		return;
	chan->fund_done = NULL;
	result.tx = chan->funding_tx;
	result.outnum = chan_funding(chan)->vout;
	memcpy(result.channel_id, channel_get_id(chan->ch)->bytes, 32);
	result.option_anchors = channel_get_params(chan->ch)->option_anchors;
	done(chan->fund_arg, &result, NULL);
}

static void close_answer(struct chan *chan, const struct bitcoin_tx *tx, const char *type)
{
	channels_close_cb done = chan->close_done;
	struct channels_close_result result = {tx, type};

	if (!done)
		return;
	chan->close_done = NULL;
	evtimer_del(chan->close_timer);
	done(chan->close_arg, &result, NULL);
}

static bool build_funding(struct chan *chan, const struct channel_event *ev);

static void log_htlc_event(struct chan *chan, const struct channel_event *ev)
{
	char hash[65];
	static const char *const what[] = {
		[CHANNEL_EVENT_HTLC_ADDED] = "offered us",
		[CHANNEL_EVENT_HTLC_FULFILLED] = "fulfilled",
		[CHANNEL_EVENT_HTLC_FAILED] = "failed",
		[CHANNEL_EVENT_HTLC_WITHDRAWN] = "withdrawn (its failure held until the peer revokes)",
	};

	hex_encode(hash, ev->payment_hash.u8, 32);
	log_info(channels_log(chan->owner), "channel", "%s: HTLC %s %llu (%llu msat, hash %s) was %s",
		 chan->peer_id_hex, ev->offerer == CHANNEL_LOCAL ? "out" : "in",
		 (unsigned long long)ev->htlc_id, (unsigned long long)ev->amount_msat, hash,
		 ev->type == CHANNEL_EVENT_HTLC_ADDED ? "committed" : what[ev->type]);
}

/* The half of a step after the commit.  Returns: false if the channel is
 * forgotten (chan stays allocated until commit_and_act frees it). */
static bool act_on_step(struct chan *chan, struct channel_effects *fx, const uint8_t *owners,
		uint64_t link_gen)
{
	struct channels *chans = chan->owner;
	const struct channels_htlc_listener *htlc = &chans->htlc;
	char cid[65];
	bool forget = false, send_update = false;

	if (chan->forgotten)
		return false;
	send_msgs(chan, fx, link_gen);
	if (fx->disconnect && chan->peer && chan->link_gen == link_gen) {
		log_unusual(channels_log(chans), "channel", "%s: warned and disconnecting: %s",
			    chan->peer_id_hex, fx->disconnect);
		peer_close_once_sent(chan->peer);
	}
	if (fx->failure) {
		log_unusual(channels_log(chans), "channel", "%s: channel %s failed: %s", chan->peer_id_hex,
			    chan_id_hex(cid, chan), fx->failure);
		free(chan->failure);
		chan->failure = oh_strdup(fx->failure);
	}
	for (size_t i = 0; i < fx->num_events; i++) {
		const struct channel_event *ev = &fx->events[i];
		switch (ev->type) {
		case CHANNEL_EVENT_FUNDING_NEEDED:
			/* The engine asks nothing else in that step. */
			return build_funding(chan, ev);
		case CHANNEL_EVENT_FUNDING_BROADCAST:
			if (chan->funding_tx) {
				chain_broadcast(chans->setup.chain, chan->funding_tx, NULL, NULL);
				fund_answer(chan);
			}
			break;
		case CHANNEL_EVENT_NORMAL:
			log_info(channels_log(chans), "channel", "%s: channel %s is normal", chan->peer_id_hex,
				 chan_id_hex(cid, chan));
			send_update = true;
			break;
		case CHANNEL_EVENT_HTLC_ADDED:
			log_htlc_event(chan, ev);
			if (htlc->added)
				htlc->added(htlc->arg, chan, ev->htlc_id);
			break;
		case CHANNEL_EVENT_HTLC_WITHDRAWN:
			log_htlc_event(chan, ev);
			break;
		case CHANNEL_EVENT_HTLC_FULFILLED:
		case CHANNEL_EVENT_HTLC_FAILED:
			log_htlc_event(chan, ev);
			if (htlc->resolved)
				htlc->resolved(htlc->arg, chan, ev, owners + i * htlc->owner_size);
			break;
		case CHANNEL_EVENT_CLOSE_BROADCAST:
			chain_broadcast(chans->setup.chain, ev->tx, NULL, NULL);
			close_answer(chan, ev->tx, "mutual");
			break;
		case CHANNEL_EVENT_COMMITMENT_BROADCAST:
			chain_broadcast(chans->setup.chain, ev->tx, NULL, NULL);
			chan_anchor_broadcast(chan, ev->tx);
			close_answer(chan, ev->tx, "unilateral");
			chan_fund_error(chan, CHANNELS_ERROR_FAILED, WALLET_OK, "Channel failed: %s",
					    chan->failure ? chan->failure : "unknown");
			break;
		case CHANNEL_EVENT_FORGET:
			forget = true;
			break;
		case CHANNEL_EVENT_ANNOUNCED:
			log_info(channels_log(chans), "channel", "%s: channel %s is announced",
				 chan->peer_id_hex, chan_id_hex(cid, chan));
			chan_gossip_announced(chan);
			break;
		}
	}
	if (forget) {
		log_info(channels_log(chans), "channel", "%s: forgot channel %s%s%s", chan->peer_id_hex,
			 chan_id_hex(cid, chan), chan->failure ? ": " : "", chan->failure ? chan->failure : "");
		chan_fund_error(chan, CHANNELS_ERROR_FAILED, WALLET_OK, "Channel was forgotten: %s",
				    chan->failure ? chan->failure : "unknown");
		chan->forgotten = true;
		return false;
	}
	/* Reestablished (or newly normal): our channel_update goes after
	 * channel_reestablish, and incoming HTLCs still waiting for a
	 * decision get one now. */
	if (!chan->was_usable && chan_is_usable(chan)) {
		chan->was_usable = true;
		send_update = true;
		if (htlc->usable)
			htlc->usable(htlc->arg, chan);
		/* Estimates may have moved while we were apart. */
		chan_update_fee(chan);
	}
	if (send_update)
		chan_send_local_update(chan);
	chan_gossip_after_step(chan);
	return true;
}

/* ---- Group commit ---- */

static void queue_drop(struct channels *chans)
{
	while (chans->queue) {
		struct queued_step *q = chans->queue;
		chans->queue = q->next;
		channel_effects_clear(&q->fx);
		free(q->owners);
		free(q->note);
		free(q);
	}
	chans->queue_tail = &chans->queue;
	chans->last_queued = NULL;
}

/* Opens the group transaction if it is not open, and has commit_and_act run
 * once the event loop has handled what is ready now. */
static bool batch_join(struct channels *chans)
{
	if (chans->batch_open) {
		if (chans->batch_deferred) {
			chans->batch_deferred = false;
			event_active(chans->flush_event, EV_TIMEOUT, 0);
		}
		return true;
	}
	if (db_in_transaction(chans->setup.db)) {
		log_broken(channels_log(chans), "channel", "a channel step inside another transaction");
		return false;
	}
	if (!db_begin(chans->setup.db))
		return false;
	chans->batch_open = true;
	if (chans->setup.config->dev_commit_delay_msecs) {
		/* --dev-commit-delay: the tests' window before the commit. */
		unsigned ms = chans->setup.config->dev_commit_delay_msecs;
		struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};
		event_add(chans->flush_event, &tv);
	} else {
		event_active(chans->flush_event, EV_TIMEOUT, 0);
	}
	return true;
}

/* Commits the group transaction: what changed in each channel, then the
 * commit.  db_begin calls this too (another writer wants its own
 * transaction); the queued steps are acted on by commit_and_act either way. */
static bool batch_commit(void *arg)
{
	struct channels *chans = arg;
	struct db *db = chans->setup.db;

	if (!chans->batch_open)
		return true;
	for (struct chan *chan = chans->list; chan; chan = chan->next)
		if (chan->pending_save && !chan->is_closed_out && !row_save(chan))
			goto fail;
	if (!db_commit(db))
		goto fail;
	chans->batch_open = false;
	return true;
fail:
	channels_fatal(chans, "cannot store channel updates");
	db_rollback(db);
	chans->batch_open = false;
	queue_drop(chans);
	return false;
}

static uint64_t monotonic_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* The channels one flush signs, each signed on the pool. */
struct sign_round {
	struct chan **chans;
	struct channel_effects *fx;
	bool *ok;
};

/* Engine work only (channel_send_commit touches its own channel and the
 * shared const secp256k1 context), so channels sign in parallel; nested,
 * their HTLC batches run in the worker that signs the channel. */
static void sign_one_channel(void *arg, size_t i)
{
	struct sign_round *r = arg;

	channel_effects_init(&r->fx[i]);
	r->ok[i] = channel_send_commit(r->chans[i]->ch, &r->fx[i]);
}

/* Every update of this turn is in: sign those the policy says to, one
 * commitment_signed per channel, in this same transaction (and after the
 * updates on the wire); the others wait for sign_timer. */
static void sign_pending(struct channels *chans)
{
	struct sign_round r;
	size_t n = 0, count = 0, in_flight = 0;
	uint64_t now = monotonic_usec(), wait_usec = 0;

	for (struct chan *chan = chans->list; chan; chan = chan->next) {
		count++;
		if (!chan->forgotten && channel_awaits_revoke(chan->ch))
			in_flight++;
	}
	r.chans = oh_calloc(count + 1, sizeof(*r.chans));
	for (struct chan *chan = chans->list; chan; chan = chan->next) {
		struct commit_policy_input in;
		struct commit_policy_decision d;

		/* Only a step makes something to sign. */
		if (!chan->stepped)
			continue;
		if (!chan->peer || chan->forgotten || !channel_can_send_commit(chan->ch)) {
			chan->stepped = false;
			continue;
		}
		in.pending_updates = chan->unsigned_steps ? chan->unsigned_steps : 1;
		in.oldest_wait_usec = chan->unsigned_steps ? now - chan->first_unsigned_usec : 0;
		in.commitments_in_flight = in_flight;
		d = commit_policy_decide(&in);
		if (!d.sign_now) {
			if (d.wait_usec && (!wait_usec || d.wait_usec < wait_usec))
				wait_usec = d.wait_usec;
			continue;
		}
		chan->stepped = false;
		chan->unsigned_steps = 0;
		r.chans[n++] = chan;
	}
	r.fx = oh_calloc(n + 1, sizeof(*r.fx));
	r.ok = oh_calloc(n + 1, sizeof(*r.ok));
	if (n > 1)
		log_debug(channels_log(chans), "channel", "signing %zu channels on %u threads", n,
			  workpool_threads(chans->pool));
	workpool_map(chans->pool, sign_one_channel, &r, n);
	/* Stored and queued in the channels' order, as one by one. */
	for (size_t i = 0; i < n; i++) {
		if (chans->is_fatal) {
			channel_effects_clear(&r.fx[i]);
		} else if (r.ok[i]) {
			chan_step(r.chans[i], &r.fx[i]);
			r.chans[i]->unsigned_steps = 0;	/* the signing's own step */
		} else {
			chan_refused(r.chans[i], &r.fx[i], "channel_send_commit");
		}
	}
	if (wait_usec && !evtimer_pending(chans->sign_timer, NULL)) {
		struct timeval tv = {(time_t)(wait_usec / 1000000),
				     (suseconds_t)(wait_usec % 1000000)};
		evtimer_add(chans->sign_timer, &tv);
	}
	free(r.chans);
	free(r.fx);
	free(r.ok);
}

/* A flush the policy put off: run it now. */
static void sign_timer_fired(evutil_socket_t fd, short events, void *arg)
{
	struct channels *chans = arg;

	event_active(chans->flush_event, EV_TIMEOUT, 0);
}

/* Whether no queued step has anything to send (but update_add_htlc, see
 * only_adds), tell or log once committed: nothing the peer could hold us
 * to would leave the process. */
static bool queue_is_quiet(const struct channels *chans)
{
	for (const struct queued_step *q = chans->queue; q; q = q->next)
		if (!q->quiet || q->note || !q->chan || q->chan->forgotten
		    || !q->chan->was_usable || channel_get_state(q->chan->ch) != CHANNEL_NORMAL)
			return false;
	return true;
}

/* The longest a quiet group transaction stays open: longer than a round
 * trip to a busy peer (at 10 ms, one in six of A's and B's commits at 100
 * payments in flight on this 2-core machine were this timer's), and what
 * it delays (sendpay's answer, whose HTLC waits for our signature) is
 * waiting for the peer anyway. */
#define BATCH_DEFER_MAX_USEC 50000

static void defer_timer_fired(evutil_socket_t fd, short events, void *arg)
{
	struct channels *chans = arg;

	chans->batch_deferred = false;
	chans->defer_expired = true;
	event_active(chans->flush_event, EV_TIMEOUT, 0);
}

/* The loop ran what was ready: commit, then act on the steps in order.
 * Steps the acting starts go into a new group, flushed next.
 *
 * A turn whose steps send nothing (updates the peer sent us, before its
 * commitment_signed) or only HTLCs we add while our commitment awaits
 * the peer's revocation leaves the transaction open (their messages wait
 * with it), so the turn that signs or answers commits them with its own
 * steps, once: the peer saw nothing of them from us, and BOLT #2 has it
 * retransmit updates we never acknowledged if we lose them.  An idle
 * channel signs its HTLC in the same flush, so one payment at a time
 * waits for nothing.  Each fsync'd commit costs at least one WAL page per
 * table it touches, so fewer, fuller commits write less. */
static void commit_and_act(evutil_socket_t fd, short events, void *arg)
{
	struct channels *chans = arg;
	struct queued_step *list;
	bool force;

	if (!chans->is_fatal)
		sign_pending(chans);
	force = chans->defer_expired;
	chans->defer_expired = false;
	if (!force && chans->batch_open && !chans->is_fatal
	    && !chans->setup.config->dev_commit_delay_msecs && queue_is_quiet(chans)) {
		struct timeval tv = {0, BATCH_DEFER_MAX_USEC};

		if (!evtimer_pending(chans->defer_timer, NULL))
			evtimer_add(chans->defer_timer, &tv);
		chans->batch_deferred = true;
		return;
	}
	evtimer_del(chans->defer_timer);
	chans->batch_deferred = false;
	if (!batch_commit(chans))
		return;
	list = chans->queue;
	chans->queue = NULL;
	chans->queue_tail = &chans->queue;
	chans->last_queued = NULL;
	while (list) {
		struct queued_step *q = list;
		list = q->next;
		if (!chans->is_fatal && q->chan) {
			if (q->note)
				log_info(channels_log(chans), q->note_subsystem, "%s", q->note);
			act_on_step(q->chan, &q->fx, q->owners, q->link_gen);
		}
		channel_effects_clear(&q->fx);
		free(q->owners);
		free(q->note);
		free(q);
	}
	for (struct chan *chan = chans->list, *next; chan; chan = next) {
		next = chan->next;
		if (chan->forgotten)
			chan_free(chan);
	}
}

/* Whether the step sends nothing but update_add_htlc: an update the peer
 * forgets unless our commitment_signed covers it (BOLT #2, "MUST reverse
 * any uncommitted updates sent by the other side" on reconnection), and
 * that one goes out only after a commit that holds the step. */
static bool only_adds(const struct channel_effects *fx)
{
	for (size_t i = 0; i < fx->num_msgs; i++)
		if (fx->msgs[i]->len < 2
		    || ((fx->msgs[i]->data[0] << 8) | fx->msgs[i]->data[1]) != WIRE_UPDATE_ADD_HTLC)
			return false;
	return true;
}

bool chan_step_with(struct chan *chan, struct channel_effects *fx, channels_db_fn fn,
			 void *arg, uint64_t htlc_id)
{
	struct channels *chans = chan->owner;
	void *owners;
	struct queued_step *q;

	if (chans->is_fatal || chan->is_closed_out) {
		channel_effects_clear(fx);
		return true;
	}
	if (!batch_join(chans)) {
		channels_fatal(chans, "cannot begin a channel update");
		channel_effects_clear(fx);
		return true;
	}
	q = oh_calloc(1, sizeof(*q));
	owners = fx->num_events && chans->htlc.owner_size
		? oh_calloc(fx->num_events, chans->htlc.owner_size) : NULL;
	if (!store_step(chan, fx, owners) || (fn && !fn(arg, htlc_id))) {
		free(q);
		free(owners);
		/* Logged before the rollback, which clears the error. */
		channels_fatal(chans, "cannot store a channel update");
		db_rollback(chans->setup.db);
		chans->batch_open = false;
		queue_drop(chans);
		channel_effects_clear(fx);
		return true;
	}
	q->owners = owners;
	q->quiet = only_adds(fx) && !fx->num_events && !fx->disconnect && !fx->failure;
	chan->stepped = true;
	if (!chan->unsigned_steps++)
		chan->first_unsigned_usec = monotonic_usec();
	q->chan = chan;
	q->link_gen = chan->link_gen;
	q->fx = *fx;
	channel_effects_init(fx);
	*chans->queue_tail = q;
	chans->queue_tail = &q->next;
	chans->last_queued = q;
	return !chan->forgotten;
}

void chan_log_committed(struct chan *chan, const char *subsystem, const char *fmt, ...)
{
	struct channels *chans = chan->owner;
	struct queued_step *q = chans->last_queued;
	char text[600];
	va_list ap;

	if (chans->is_fatal || !q || q->chan != chan || q->note)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	q->note = oh_strdup(text);
	q->note_subsystem = subsystem;
}

bool chan_fail_with(struct chan *chan, const char *why)
{
	struct channel_effects fx;

	channel_effects_init(&fx);
	/* Ours, unless a caller said otherwise first. */
	chan_set_close_cause(chan, "local");
	if (channel_fail(chan->ch, &fx, why))
		return chan_step(chan, &fx);
	chan_refused(chan, &fx, "channel_fail");
	return true;
}

bool chan_save_soon(struct chan *chan)
{
	if (!batch_join(chan->owner))
		return false;
	chan->pending_save = true;
	return true;
}

bool chan_step(struct chan *chan, struct channel_effects *fx)
{
	return chan_step_with(chan, fx, NULL, NULL, 0);
}

/* An engine call the engine refused: only logged (or answered). */
void chan_refused(struct chan *chan, struct channel_effects *fx, const char *what)
{
	log_unusual(channels_log(chan->owner), "channel", "%s: %s refused: %s", chan->peer_id_hex, what,
		    fx->refusal ? fx->refusal : "?");
	channel_effects_clear(fx);
}

/* ---- Funding ---- */

/* Builds the funding transaction and hands it to the engine, storing both
 * in one transaction.  Returns: false if chan is gone. */
static bool build_funding(struct chan *chan, const struct channel_event *ev)
{
	struct channels *chans = chan->owner;
	struct wallet_withdraw_params wp = {
		.destination_script = ev->funding_script,
		.destination_script_len = ev->funding_script_len,
		.amount_sat = ev->funding_sat,
		.feerate_perkw = chan->fund.feerate_perkw,
		.minconf = chan->fund.minconf,
		/* Core Lightning: "we have or are opening anchor channels". */
		.reserve_sat = channel_get_params(chan->ch)->option_anchors
			? chans->setup.config->min_emergency_msat / 1000
			: channels_emergency_reserve_sat(chans),
	};
	struct channel_effects fx;
	struct bitcoin_outpoint outpoint;
	uint32_t outnum;
	enum wallet_error code = WALLET_OK;
	char err[1024];

	/* The funding transaction is stored in the same group transaction
	 * as the step that hands it to the engine. */
	if (!batch_join(chans)) {
		channels_fatal(chans, "cannot begin storing the funding transaction");
		return true;
	}
	chan->funding_tx = wallet_fund_prepare(chans->setup.wallet, &wp, &outnum, &code, err,
					     sizeof(err));
	if (!chan->funding_tx) {
		chan_fund_error(chan, CHANNELS_ERROR_WALLET, code, "%s", err);
		return chan_fail_with(chan, "the funder cannot build the funding transaction");
	}
	bitcoin_tx_txid(&outpoint.txid, chan->funding_tx);
	outpoint.vout = outnum;
	channel_effects_init(&fx);
	if (!channel_funding_built(chan->ch, &fx, &outpoint)) {
		if (!wallet_fund_release(chans->setup.wallet, &outpoint.txid, err, sizeof(err)))
			channels_fatal(chans, "cannot release the funding transaction");
		bitcoin_tx_free(chan->funding_tx);
		chan->funding_tx = NULL;
		chan_fund_error(chan, CHANNELS_ERROR_INTERNAL, WALLET_OK, "%s",
				    fx.refusal ? fx.refusal : "funding refused");
		channel_effects_clear(&fx);
		return true;
	}
	return chan_step(chan, &fx);
}

void channels_fund(struct channels *chans, struct peer *peer,
		   const struct channels_fund_params *params, channels_fund_cb done, void *arg)
{
	struct channel_effects fx;
	struct channel_id temporary_id;
	struct fee_estimates est;
	struct channels_error error;
	struct chan *chan;
	enum channel_type type;
	char err[300];

	for (chan = chans->list; chan; chan = chan->next) {
		if (chan->fund_done && memcmp(chan->peer_id, peer->node_id_bytes, PUBKEY_CMPR_LEN) == 0) {
			done(arg, NULL, channels_error_fmt(&error, err, sizeof(err),
							   CHANNELS_ERROR_FAILED,
							   "Already opening a channel with peer %s",
							   chan->peer_id_hex));
			return;
		}
	}
	chan = chan_alloc(chans, peer->node_id_bytes);
	if (!channels_store_next_index(chans->setup.db, &chan->dbid) || !chan_setup(chans, chan)) {
		done(arg, NULL, channels_error_fmt(&error, err, sizeof(err), CHANNELS_ERROR_INTERNAL,
						   "cannot set up the channel: %s",
						   db_errmsg(chans->setup.db)));
		if (chan->close_timer)
			chan_free(chan);
		else
			free(chan);
		return;
	}
	if (!chan_engine_new(chans, chan, peer, params->amount_sat, err, sizeof(err))) {
		error = (struct channels_error){CHANNELS_ERROR_INTERNAL, 0, err};
		done(arg, NULL, &error);
		chan_free(chan);
		return;
	}
	chan->peer = peer;
	chan->fund = *params;
	channel_effects_init(&fx);
	crypto_random_bytes(temporary_id.bytes, sizeof(temporary_id.bytes));
	channels_fee_estimates(chans, &est);
	type = chan_open_type(chans, peer);
	if (!channel_open(chan->ch, &fx, &temporary_id, params->amount_sat, params->push_msat,
			  fee_policy_commitment_feerate(&est, type), type,
			  params->announce ? 1 : 0)) {
		done(arg, NULL, channels_error_fmt(&error, err, sizeof(err),
						   CHANNELS_ERROR_BAD_PARAMS, "%s",
						   fx.refusal ? fx.refusal : "cannot open the channel"));
		channel_effects_clear(&fx);
		chan_free(chan);
		return;
	}
	chan->fund_done = done;
	chan->fund_arg = arg;
	log_info(channels_log(chans), "channel", "%s: opening a channel of %llu sat", chan->peer_id_hex,
		 (unsigned long long)params->amount_sat);
	chan_step(chan, &fx);
}

/* ---- Timers ---- */

static void close_timer_fired(evutil_socket_t fd, short events, void *arg)
{
	chan_fail_with(arg, "the mutual close timed out: closing unilaterally");
}

/* ---- Life cycle ---- */

struct channels *channels_new(const struct channels_setup *setup, char *err, size_t errlen)
{
	struct channels *chans = oh_calloc(1, sizeof(*chans));
	struct chain_listener listener = {
		.block_connected = channels_block_connected,
		.block_disconnected = channels_block_disconnected,
		.mempool_tx = channels_mempool_tx,
		.tip_changed = channels_tip_changed,
		.feerates_changed = channels_feerates_changed,
	};
	chans->setup = *setup;
	chans->queue_tail = &chans->queue;
	chans->flush_event = event_new(chans->setup.base, -1, 0, commit_and_act, chans);
	if (!chans->flush_event) {
		snprintf(err, errlen, "cannot create the channels' flush event");
		free(chans);
		return NULL;
	}
	chans->pool = workpool_new(chans->setup.config->worker_threads);
	chans->sign_timer = evtimer_new(chans->setup.base, sign_timer_fired, chans);
	chans->defer_timer = evtimer_new(chans->setup.base, defer_timer_fired, chans);
	if (!chans->pool || !chans->sign_timer || !chans->defer_timer) {
		snprintf(err, errlen, "cannot start %u worker threads",
			 chans->setup.config->worker_threads);
		channels_free(chans);
		return NULL;
	}
	ecdsa_batch_on_pool(&chans->batch, chans->pool);
	db_set_group_closer(chans->setup.db, batch_commit, chans);
	if (!channels_load(chans, err, errlen)) {
		channels_free(chans);
		return NULL;
	}
	listener.arg = chans;
	chain_add_listener(chans->setup.chain, &listener);
	channels_closed_listen(chans);
	return chans;
}

void channels_set_htlc_listener(struct channels *chans,
				const struct channels_htlc_listener *listener)
{
	chans->htlc = *listener;
}

void channels_start(struct channels *chans)
{
	uint32_t height = chain_height(chans->setup.chain);
	struct chan *chan, *next;

	for (chan = chans->list; chan; chan = next) {
		next = chan->next;
		if (height)
			channels_channel_tip(chan, height);
	}
	for (chan = chans->list; chan; chan = chan->next)
		channels_redial_schedule(chans, chan->peer_id, true);
	channels_gossip_start(chans);
}

void channels_free(struct channels *chans)
{
	if (!chans)
		return;
	if (chans->setup.resolvers)
		resolvers_set_closed_listener(chans->setup.resolvers,
					      &(struct resolvers_closed_listener){0});
	/* What is stored stays stored; the steps not acted on yet are
	 * redone from it at the next start (reestablish retransmits, and
	 * undecided HTLCs are decided again). */
	batch_commit(chans);
	queue_drop(chans);
	db_set_group_closer(chans->setup.db, NULL, NULL);
	if (chans->flush_event)
		event_free(chans->flush_event);
	if (chans->sign_timer)
		event_free(chans->sign_timer);
	if (chans->defer_timer)
		event_free(chans->defer_timer);
	while (chans->list)
		chan_free(chans->list);
	workpool_free(chans->pool);
	channels_redials_free(chans);
	channels_gossip_free(chans);
	free(chans);
}
