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
#include "daemon/channels/fee_policy.h"
#include "daemon/chain/feerate.h"
#include "daemon/log.h"
#include "daemon/net/peer.h"
#include "daemon/wallet/wallet.h"
#include "db/db.h"
#include "wire/peer_wire.h"
#include "wire/short_channel_id.h"

/* ---- Small helpers ---- */

struct log *channels_log(const struct channels *chans)
{
	return chans->setup.log;
}

const char *dchannel_id_hex(char out[65], const struct dchannel *dc)
{
	return hex_encode(out, channel_get_id(dc->ch)->bytes, 32);
}

bool dchannel_has_funding(const struct dchannel *dc)
{
	enum channel_state state = channel_get_state(dc->ch);

	return state >= CHANNEL_AWAITING_FUNDING_SIGNED && state != CHANNEL_FORGOTTEN;
}

const struct bitcoin_outpoint *dchannel_funding(const struct dchannel *dc)
{
	return &channel_get_params(dc->ch)->funding;
}

/* Core Lightning's name for the state. */
const char *dchannel_state_name(const struct dchannel *dc)
{
	switch (channel_get_state(dc->ch)) {
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
		return dc->is_spent ? "ONCHAIN" : "CLOSINGD_COMPLETE";
	case CHANNEL_AWAITING_UNILATERAL:
	case CHANNEL_DATA_LOSS:
		return dc->is_spent ? "ONCHAIN" : "AWAITING_UNILATERAL";
	case CHANNEL_FORGOTTEN:
		return "CLOSED";
	case CHANNEL_ONCHAIN:
		return "ONCHAIN";
	}
	return "UNKNOWN";
}

/* Whether the channel still needs its peer (to open, update or close). */
bool dchannel_needs_peer(const struct dchannel *dc)
{
	enum channel_state state = channel_get_state(dc->ch);

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

void dchannel_fund_error(struct dchannel *dc, enum channels_error_kind kind,
			enum wallet_error wallet_error,
			 const char *fmt, ...)
{
	channels_fund_cb done = dc->fund_done;
	struct channels_error error = {kind, wallet_error, NULL};
	char text[1100];
	va_list ap;

	if (!done)
		return;
	dc->fund_done = NULL;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	error.message = text;
	done(dc->fund_arg, NULL, &error);
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
	policy->max_feerate_per_kw = bounds.max_perkw;
	policy->closing_feerate_per_kw = chain_feerate(chans->setup.chain, FEERATE_NORMAL);
	policy->allow_anchors = false;
}

struct dchannel *dchannel_alloc(struct channels *chans, const uint8_t peer_id[PUBKEY_CMPR_LEN])
{
	struct dchannel *dc = oh_calloc(1, sizeof(*dc));

	dc->owner = chans;
	memcpy(dc->peer_id, peer_id, PUBKEY_CMPR_LEN);
	hex_encode(dc->peer_id_hex, peer_id, PUBKEY_CMPR_LEN);
	return dc;
}

static void close_timer_fired(evutil_socket_t fd, short events, void *arg);

/* Derives the secrets and the timers; links dc in. */
bool dchannel_setup(struct channels *chans, struct dchannel *dc)
{
	struct secret node_secret;
	bool ok;

	memcpy(node_secret.data, chans->setup.node_secret, sizeof(node_secret.data));
	ok = channel_secrets_derive(chans->setup.secp, &dc->secrets, &node_secret, (uint64_t)dc->dbid);
	crypto_wipe(&node_secret, sizeof(node_secret));
	dc->close_timer = evtimer_new(chans->setup.base, close_timer_fired, dc);
	if (!ok || !dc->close_timer)
		return false;
	dc->next = chans->list;
	chans->list = dc;
	return true;
}

void dchannel_free(struct dchannel *dc)
{
	struct channels *chans = dc->owner;

	for (struct dchannel **p = &chans->list; *p; p = &(*p)->next) {
		if (*p == dc) {
			*p = dc->next;
			break;
		}
	}
	dchannel_fund_error(dc, CHANNELS_ERROR_FAILED, WALLET_OK, "Channel was forgotten: %s",
			    dc->failure ? dc->failure : "ohmd is shutting down");
	if (dc->close_done) {
		struct channels_error error = {CHANNELS_ERROR_FAILED, WALLET_OK, "ohmd is shutting down"};
		channels_close_cb done = dc->close_done;
		dc->close_done = NULL;
		done(dc->close_arg, NULL, &error);
	}
	if (dc->close_timer)
		event_free(dc->close_timer);
	for (struct queued_step *q = chans->queue; q; q = q->next)
		if (q->dc == dc)
			q->dc = NULL;
	channel_free(dc->ch);
	channel_secrets_wipe(&dc->secrets);
	bitcoin_tx_free(dc->funding_tx);
	free(dc->pending_snapshot);
	free(dc->failure);
	free(dc);
}

void dchannel_close_features(const struct peer *peer, struct close_features *out)
{
	out->option_shutdown_anysegwit = peer_negotiated(peer, FEATURE_SHUTDOWN_ANYSEGWIT);
	out->option_simple_close = peer_negotiated(peer, FEATURE_SIMPLE_CLOSE);
}

/* A new channel's engine, as funder (funding_sat known) or fundee. */
bool dchannel_engine_new(struct channels *chans, struct dchannel *dc, const struct peer *peer,
			 uint64_t funding_sat, char *err, size_t errlen)
{
	struct channel_setup setup = {0};
	struct wirebuf *script = wirebuf_new();
	uint64_t reserve = funding_sat / 100;

	if (!wallet_new_script(chans->setup.wallet, script, err, errlen)) {
		wirebuf_free(script);
		return false;
	}
	setup.secrets = &dc->secrets;
	setup.config.dust_limit_sat = OUR_DUST_LIMIT_SAT;
	setup.config.max_htlc_value_in_flight_msat = OUR_MAX_HTLC_IN_FLIGHT_MSAT;
	setup.config.channel_reserve_sat = reserve < OUR_DUST_LIMIT_SAT ? OUR_DUST_LIMIT_SAT : reserve;
	setup.config.htlc_minimum_msat = OUR_HTLC_MINIMUM_MSAT;
	setup.config.to_self_delay = OUR_TO_SELF_DELAY;
	setup.config.max_accepted_htlcs = OUR_MAX_ACCEPTED_HTLCS;
	setup.config.minimum_depth = chans->setup.config->funding_confirms;
	channels_fill_policy(chans, &setup.policy);
	setup.shutdown_script = script->data;
	setup.shutdown_script_len = script->len;
	dchannel_close_features(peer, &setup.features);
	dc->ch = channel_new(chans->setup.secp, &setup);
	wirebuf_free(script);
	if (!dc->ch) {
		snprintf(err, errlen, "cannot create the channel");
		return false;
	}
	return true;
}

/* ---- Applying a step ---- */

static bool row_save(struct dchannel *dc, const uint8_t *snapshot, size_t snapshot_len)
{
	struct channels *chans = dc->owner;

	if (!dc->opened_height)
		dc->opened_height = chain_height(chans->setup.chain);
	if (!channels_store_save(chans->setup.db, dc->dbid, dc->peer_id, channel_get_id(dc->ch)->bytes,
				 snapshot, snapshot_len,
				 dchannel_has_funding(dc) ? dchannel_funding(dc) : NULL,
				 dc->opened_height))
		return false;
	dc->has_row = true;
	return true;
}

static bool row_set_last_tx(struct dchannel *dc, const struct bitcoin_tx *tx)
{
	struct wirebuf *raw = wirebuf_new();
	bool ok;

	bitcoin_tx_serialize(raw, tx, true);
	ok = channels_store_set_last_tx(dc->owner->setup.db, dc->dbid, raw->data, raw->len);
	wirebuf_free(raw);
	return ok;
}

/* Whether a step's events write to the channel's row (which must then
 * exist, with the step's snapshot). */
static bool events_need_row(const struct channel_effects *fx)
{
	for (size_t i = 0; i < fx->num_events; i++)
		if (fx->events[i].type == CHANNEL_EVENT_CLOSE_BROADCAST
		    || fx->events[i].type == CHANNEL_EVENT_COMMITMENT_BROADCAST)
			return true;
	return false;
}

/* The database half of a step, inside the group transaction.  A plain
 * step's snapshot is only kept (taken from fx): commit_and_act writes each
 * channel's latest one once, so a hundred HTLC steps on one channel in
 * one turn cost one snapshot write, not a hundred. */
static bool store_step(struct dchannel *dc, struct channel_effects *fx, uint8_t *owners)
{
	const struct channels_htlc_listener *htlc = &dc->owner->htlc;
	struct wallet *wallet = dc->owner->setup.wallet;
	char err[300];
	struct bitcoin_txid txid;

	if (fx->snapshot) {
		free(dc->pending_snapshot);
		dc->pending_snapshot = fx->snapshot;
		dc->pending_snapshot_len = fx->snapshot_len;
		fx->snapshot = NULL;
		fx->snapshot_len = 0;
		if (!dc->has_row || events_need_row(fx)) {
			if (!row_save(dc, dc->pending_snapshot, dc->pending_snapshot_len))
				return false;
			free(dc->pending_snapshot);
			dc->pending_snapshot = NULL;
		}
	}
	for (size_t i = 0; i < fx->num_events; i++) {
		const struct channel_event *ev = &fx->events[i];
		switch (ev->type) {
		case CHANNEL_EVENT_FORGET:
			if (dc->funding_tx) {
				bitcoin_tx_txid(&txid, dc->funding_tx);
				if (!wallet_fund_release(wallet, &txid, err, sizeof(err)))
					return false;
			}
			if (!channels_store_delete(dc->owner->setup.db, dc->dbid))
				return false;
			free(dc->pending_snapshot);
			dc->pending_snapshot = NULL;
			dc->has_row = false;
			break;
		case CHANNEL_EVENT_FUNDING_BROADCAST:
			if (dc->funding_tx) {
				bitcoin_tx_txid(&txid, dc->funding_tx);
				if (!wallet_fund_unhold(wallet, &txid, err, sizeof(err)))
					return false;
			}
			break;
		case CHANNEL_EVENT_CLOSE_BROADCAST:
		case CHANNEL_EVENT_COMMITMENT_BROADCAST:
			if (!row_set_last_tx(dc, ev->tx))
				return false;
			break;
		case CHANNEL_EVENT_HTLC_FULFILLED:
		case CHANNEL_EVENT_HTLC_FAILED:
		case CHANNEL_EVENT_HTLC_WITHDRAWN:
			if (htlc->resolved_db
			    && !htlc->resolved_db(htlc->arg, dc, ev, owners + i * htlc->owner_size))
				return false;
			break;
		default:
			break;
		}
	}
	return true;
}

/* Sends a step's messages, if the connection they were made for is still
 * the one we have (after a reconnection, channel_reestablish decides). */
static void send_msgs(struct dchannel *dc, const struct channel_effects *fx, uint64_t link_gen)
{
	for (size_t i = 0; i < fx->num_msgs; i++) {
		if (!dc->peer || dc->link_gen != link_gen)
			return;
		if (!peer_send(dc->peer, fx->msgs[i]->data, fx->msgs[i]->len)) {
			log_unusual(channels_log(dc->owner), "channel", "%s: cannot send to the peer",
				    dc->peer_id_hex);
			return;
		}
	}
}

static void fund_answer(struct dchannel *dc)
{
	channels_fund_cb done = dc->fund_done;
	struct channels_fund_result result;

	if (!done || !dc->funding_tx)
		return;
	dc->fund_done = NULL;
	result.tx = dc->funding_tx;
	result.outnum = dchannel_funding(dc)->vout;
	memcpy(result.channel_id, channel_get_id(dc->ch)->bytes, 32);
	result.option_anchors = channel_get_params(dc->ch)->option_anchors;
	done(dc->fund_arg, &result, NULL);
}

static void close_answer(struct dchannel *dc, const struct bitcoin_tx *tx, const char *type)
{
	channels_close_cb done = dc->close_done;
	struct channels_close_result result = {tx, type};

	if (!done)
		return;
	dc->close_done = NULL;
	evtimer_del(dc->close_timer);
	done(dc->close_arg, &result, NULL);
}

static bool build_funding(struct dchannel *dc, const struct channel_event *ev);

static void log_htlc_event(struct dchannel *dc, const struct channel_event *ev)
{
	char hash[65];
	static const char *const what[] = {
		[CHANNEL_EVENT_HTLC_ADDED] = "offered us",
		[CHANNEL_EVENT_HTLC_FULFILLED] = "fulfilled",
		[CHANNEL_EVENT_HTLC_FAILED] = "failed",
		[CHANNEL_EVENT_HTLC_WITHDRAWN] = "withdrawn (its failure held until the peer revokes)",
	};

	hex_encode(hash, ev->payment_hash.u8, 32);
	log_info(channels_log(dc->owner), "channel", "%s: HTLC %s %llu (%llu msat, hash %s) was %s",
		 dc->peer_id_hex, ev->offerer == CHANNEL_LOCAL ? "out" : "in",
		 (unsigned long long)ev->htlc_id, (unsigned long long)ev->amount_msat, hash,
		 ev->type == CHANNEL_EVENT_HTLC_ADDED ? "committed" : what[ev->type]);
}

/* The half of a step after the commit.  Returns: false if the channel is
 * forgotten (dc stays allocated until commit_and_act frees it). */
static bool act_on_step(struct dchannel *dc, struct channel_effects *fx, const uint8_t *owners,
		uint64_t link_gen)
{
	struct channels *chans = dc->owner;
	const struct channels_htlc_listener *htlc = &chans->htlc;
	char cid[65];
	bool forget = false, send_update = false;

	if (dc->forgotten)
		return false;
	send_msgs(dc, fx, link_gen);
	if (fx->disconnect && dc->peer && dc->link_gen == link_gen) {
		log_unusual(channels_log(chans), "channel", "%s: warned and disconnecting: %s",
			    dc->peer_id_hex, fx->disconnect);
		peer_close_once_sent(dc->peer);
	}
	if (fx->failure) {
		log_unusual(channels_log(chans), "channel", "%s: channel %s failed: %s", dc->peer_id_hex,
			    dchannel_id_hex(cid, dc), fx->failure);
		free(dc->failure);
		dc->failure = oh_strdup(fx->failure);
	}
	for (size_t i = 0; i < fx->num_events; i++) {
		const struct channel_event *ev = &fx->events[i];
		switch (ev->type) {
		case CHANNEL_EVENT_FUNDING_NEEDED:
			/* The engine asks nothing else in that step. */
			return build_funding(dc, ev);
		case CHANNEL_EVENT_FUNDING_BROADCAST:
			if (dc->funding_tx) {
				chain_broadcast(chans->setup.chain, dc->funding_tx, NULL, NULL);
				fund_answer(dc);
			}
			break;
		case CHANNEL_EVENT_NORMAL:
			log_info(channels_log(chans), "channel", "%s: channel %s is normal", dc->peer_id_hex,
				 dchannel_id_hex(cid, dc));
			send_update = true;
			break;
		case CHANNEL_EVENT_HTLC_ADDED:
			log_htlc_event(dc, ev);
			if (htlc->added)
				htlc->added(htlc->arg, dc, ev->htlc_id);
			break;
		case CHANNEL_EVENT_HTLC_WITHDRAWN:
			log_htlc_event(dc, ev);
			break;
		case CHANNEL_EVENT_HTLC_FULFILLED:
		case CHANNEL_EVENT_HTLC_FAILED:
			log_htlc_event(dc, ev);
			if (htlc->resolved)
				htlc->resolved(htlc->arg, dc, ev, owners + i * htlc->owner_size);
			break;
		case CHANNEL_EVENT_CLOSE_BROADCAST:
			chain_broadcast(chans->setup.chain, ev->tx, NULL, NULL);
			close_answer(dc, ev->tx, "mutual");
			break;
		case CHANNEL_EVENT_COMMITMENT_BROADCAST:
			chain_broadcast(chans->setup.chain, ev->tx, NULL, NULL);
			close_answer(dc, ev->tx, "unilateral");
			dchannel_fund_error(dc, CHANNELS_ERROR_FAILED, WALLET_OK, "Channel failed: %s",
					    dc->failure ? dc->failure : "unknown");
			break;
		case CHANNEL_EVENT_FORGET:
			forget = true;
			break;
		}
	}
	if (forget) {
		log_info(channels_log(chans), "channel", "%s: forgot channel %s%s%s", dc->peer_id_hex,
			 dchannel_id_hex(cid, dc), dc->failure ? ": " : "", dc->failure ? dc->failure : "");
		dchannel_fund_error(dc, CHANNELS_ERROR_FAILED, WALLET_OK, "Channel was forgotten: %s",
				    dc->failure ? dc->failure : "unknown");
		dc->forgotten = true;
		return false;
	}
	/* Reestablished (or newly normal): our channel_update goes after
	 * channel_reestablish, and incoming HTLCs still waiting for a
	 * decision get one now. */
	if (!dc->was_usable && dchannel_is_usable(dc)) {
		dc->was_usable = true;
		send_update = true;
		if (htlc->usable)
			htlc->usable(htlc->arg, dc);
		/* Estimates may have moved while we were apart. */
		dchannel_update_fee(dc);
	}
	if (send_update)
		dchannel_send_local_update(dc);
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
	if (chans->batch_open)
		return true;
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

/* Commits the group transaction: each channel's latest snapshot, then the
 * commit.  db_begin calls this too (another writer wants its own
 * transaction); the queued steps are acted on by commit_and_act either way. */
static bool batch_commit(void *arg)
{
	struct channels *chans = arg;
	struct db *db = chans->setup.db;

	if (!chans->batch_open)
		return true;
	for (struct dchannel *dc = chans->list; dc; dc = dc->next) {
		if (!dc->pending_snapshot)
			continue;
		if (!row_save(dc, dc->pending_snapshot, dc->pending_snapshot_len))
			goto fail;
		free(dc->pending_snapshot);
		dc->pending_snapshot = NULL;
	}
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

/* The loop ran what was ready: commit, then act on the steps in order.
 * Steps the acting starts go into a new group, flushed next. */
static void commit_and_act(evutil_socket_t fd, short events, void *arg)
{
	struct channels *chans = arg;
	struct queued_step *list;

	/* Every update of this turn is in: sign them, one commitment_signed
	 * per channel, in this same transaction (and after the updates on
	 * the wire). */
	for (struct dchannel *dc = chans->list; dc && !chans->is_fatal; dc = dc->next) {
		struct channel_effects fx;
		/* Only a step makes something to sign. */
		if (!dc->stepped)
			continue;
		dc->stepped = false;
		if (!dc->peer || dc->forgotten || !channel_can_send_commit(dc->ch))
			continue;
		channel_effects_init(&fx);
		if (channel_send_commit(dc->ch, &fx))
			dchannel_step(dc, &fx);
		else
			dchannel_refused(dc, &fx, "channel_send_commit");
	}
	if (!batch_commit(chans))
		return;
	list = chans->queue;
	chans->queue = NULL;
	chans->queue_tail = &chans->queue;
	chans->last_queued = NULL;
	while (list) {
		struct queued_step *q = list;
		list = q->next;
		if (!chans->is_fatal && q->dc) {
			if (q->note)
				log_info(channels_log(chans), q->note_subsystem, "%s", q->note);
			act_on_step(q->dc, &q->fx, q->owners, q->link_gen);
		}
		channel_effects_clear(&q->fx);
		free(q->owners);
		free(q->note);
		free(q);
	}
	for (struct dchannel *dc = chans->list, *next; dc; dc = next) {
		next = dc->next;
		if (dc->forgotten)
			dchannel_free(dc);
	}
}

bool dchannel_step_with(struct dchannel *dc, struct channel_effects *fx, channels_db_fn fn,
			 void *arg, uint64_t htlc_id)
{
	struct channels *chans = dc->owner;
	void *owners;
	struct queued_step *q;

	if (chans->is_fatal) {
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
	if (!store_step(dc, fx, owners) || (fn && !fn(arg, htlc_id))) {
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
	dc->stepped = true;
	q->dc = dc;
	q->link_gen = dc->link_gen;
	q->fx = *fx;
	channel_effects_init(fx);
	*chans->queue_tail = q;
	chans->queue_tail = &q->next;
	chans->last_queued = q;
	return !dc->forgotten;
}

void dchannel_log_committed(struct dchannel *dc, const char *subsystem, const char *fmt, ...)
{
	struct channels *chans = dc->owner;
	struct queued_step *q = chans->last_queued;
	char text[600];
	va_list ap;

	if (chans->is_fatal || !q || q->dc != dc || q->note)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	q->note = oh_strdup(text);
	q->note_subsystem = subsystem;
}

bool dchannel_fail_with(struct dchannel *dc, const char *why)
{
	struct channel_effects fx;

	channel_effects_init(&fx);
	if (channel_fail(dc->ch, &fx, why))
		return dchannel_step(dc, &fx);
	dchannel_refused(dc, &fx, "channel_fail");
	return true;
}

bool dchannel_step(struct dchannel *dc, struct channel_effects *fx)
{
	return dchannel_step_with(dc, fx, NULL, NULL, 0);
}

/* An engine call the engine refused: only logged (or answered). */
void dchannel_refused(struct dchannel *dc, struct channel_effects *fx, const char *what)
{
	log_unusual(channels_log(dc->owner), "channel", "%s: %s refused: %s", dc->peer_id_hex, what,
		    fx->refusal ? fx->refusal : "?");
	channel_effects_clear(fx);
}

/* ---- Funding ---- */

/* Builds the funding transaction and hands it to the engine, storing both
 * in one transaction.  Returns: false if dc is gone. */
static bool build_funding(struct dchannel *dc, const struct channel_event *ev)
{
	struct channels *chans = dc->owner;
	struct wallet_withdraw_params wp = {
		.destination_script = ev->funding_script,
		.destination_script_len = ev->funding_script_len,
		.amount_sat = ev->funding_sat,
		.feerate_perkw = dc->fund.feerate_perkw,
		.minconf = dc->fund.minconf,
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
	dc->funding_tx = wallet_fund_prepare(chans->setup.wallet, &wp, &outnum, &code, err,
					     sizeof(err));
	if (!dc->funding_tx) {
		dchannel_fund_error(dc, CHANNELS_ERROR_WALLET, code, "%s", err);
		return dchannel_fail_with(dc, "the funder cannot build the funding transaction");
	}
	bitcoin_tx_txid(&outpoint.txid, dc->funding_tx);
	outpoint.vout = outnum;
	channel_effects_init(&fx);
	if (!channel_funding_built(dc->ch, &fx, &outpoint)) {
		if (!wallet_fund_release(chans->setup.wallet, &outpoint.txid, err, sizeof(err)))
			channels_fatal(chans, "cannot release the funding transaction");
		bitcoin_tx_free(dc->funding_tx);
		dc->funding_tx = NULL;
		dchannel_fund_error(dc, CHANNELS_ERROR_INTERNAL, WALLET_OK, "%s",
				    fx.refusal ? fx.refusal : "funding refused");
		channel_effects_clear(&fx);
		return true;
	}
	return dchannel_step(dc, &fx);
}

void channels_fund(struct channels *chans, struct peer *peer,
		   const struct channels_fund_params *params, channels_fund_cb done, void *arg)
{
	struct channel_effects fx;
	struct channel_id temporary_id;
	struct fee_estimates est;
	struct channels_error error;
	struct dchannel *dc;
	char err[300];

	for (dc = chans->list; dc; dc = dc->next) {
		if (dc->fund_done && memcmp(dc->peer_id, peer->node_id_bytes, PUBKEY_CMPR_LEN) == 0) {
			done(arg, NULL, channels_error_fmt(&error, err, sizeof(err),
							   CHANNELS_ERROR_FAILED,
							   "Already opening a channel with peer %s",
							   dc->peer_id_hex));
			return;
		}
	}
	dc = dchannel_alloc(chans, peer->node_id_bytes);
	if (!channels_store_next_index(chans->setup.db, &dc->dbid) || !dchannel_setup(chans, dc)) {
		done(arg, NULL, channels_error_fmt(&error, err, sizeof(err), CHANNELS_ERROR_INTERNAL,
						   "cannot set up the channel: %s",
						   db_errmsg(chans->setup.db)));
		if (dc->close_timer)
			dchannel_free(dc);
		else
			free(dc);
		return;
	}
	if (!dchannel_engine_new(chans, dc, peer, params->amount_sat, err, sizeof(err))) {
		error = (struct channels_error){CHANNELS_ERROR_INTERNAL, 0, err};
		done(arg, NULL, &error);
		dchannel_free(dc);
		return;
	}
	dc->peer = peer;
	dc->fund = *params;
	channel_effects_init(&fx);
	crypto_random_bytes(temporary_id.bytes, sizeof(temporary_id.bytes));
	channels_fee_estimates(chans, &est);
	if (!channel_open(dc->ch, &fx, &temporary_id, params->amount_sat, params->push_msat,
			  fee_policy_commitment_feerate(&est, CHANNEL_TYPE_STATIC_REMOTEKEY),
			  CHANNEL_TYPE_STATIC_REMOTEKEY, params->announce ? 1 : 0)) {
		done(arg, NULL, channels_error_fmt(&error, err, sizeof(err),
						   CHANNELS_ERROR_BAD_PARAMS, "%s",
						   fx.refusal ? fx.refusal : "cannot open the channel"));
		channel_effects_clear(&fx);
		dchannel_free(dc);
		return;
	}
	dc->fund_done = done;
	dc->fund_arg = arg;
	log_info(channels_log(chans), "channel", "%s: opening a channel of %llu sat", dc->peer_id_hex,
		 (unsigned long long)params->amount_sat);
	dchannel_step(dc, &fx);
}

/* ---- Timers ---- */

static void close_timer_fired(evutil_socket_t fd, short events, void *arg)
{
	dchannel_fail_with(arg, "the mutual close timed out: closing unilaterally");
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
	db_set_group_closer(chans->setup.db, batch_commit, chans);
	if (!channels_load(chans, err, errlen)) {
		channels_free(chans);
		return NULL;
	}
	listener.arg = chans;
	chain_add_listener(chans->setup.chain, &listener);
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
	struct dchannel *dc, *next;

	for (dc = chans->list; dc; dc = next) {
		next = dc->next;
		if (height)
			channels_channel_tip(dc, height);
	}
	for (dc = chans->list; dc; dc = dc->next)
		channels_redial_schedule(chans, dc->peer_id, true);
}

void channels_free(struct channels *chans)
{
	if (!chans)
		return;
	/* What is stored stays stored; the steps not acted on yet are
	 * redone from it at the next start (reestablish retransmits, and
	 * undecided HTLCs are decided again). */
	batch_commit(chans);
	queue_drop(chans);
	db_set_group_closer(chans->setup.db, NULL, NULL);
	if (chans->flush_event)
		event_free(chans->flush_event);
	while (chans->list)
		dchannel_free(chans->list);
	channels_redials_free(chans);
	free(chans);
}
