/* Our own BOLT #7 gossip: each channel's channel_update (private: to the
 * peer only, with dont_forward; announced: to the listener), the
 * channel_announcement the engine builds once both announcement_signatures
 * are exchanged (channel/state_announce.c), and our node_announcement.
 *
 * Timestamps: a new channel_update (or node_announcement) is signed only
 * when what it says changes, or to refresh it before the two-week
 * staleness limit; its timestamp (gossip_next_timestamp: the clock, but
 * always above the last) is committed before it leaves the process, so
 * they grow across restarts.  Signing is deterministic (RFC 6979): the
 * same fields and timestamp give the same bytes, so at start-up the last
 * update is rebuilt from what is stored.
 *
 * Disabling: as Core Lightning does, a channel whose peer is away is
 * marked disabled when an HTLC would use it (its update goes in the
 * failure, chan_local_update) and enabled again when the peer is back. */
#include "daemon/channels/channels_internal.h"

#include <event2/event.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bitcoin/chainparams.h"
#include "common/alloc.h"
#include "crypto/util.h"
#include "daemon/config.h"
#include "daemon/log.h"
#include "daemon/net/peer.h"
#include "db/db.h"
#include "gossip/channel_update.h"
#include "gossip/node_announcement.h"

#define NODE_ANNOUNCEMENT_VAR "node_announcement_timestamp"
/* How often the refresh timer looks for updates about to go stale. */
#define GOSSIP_TIMER_SECS 3600
/* message_flags bit 1: BOLT #7 `dont_forward`. */
#define UPDATE_DONT_FORWARD 2

/* A channel_update: type, signature, chain_hash, short_channel_id, then
 * the timestamp; what follows it is the rest of what it says. */
#define UPDATE_TIMESTAMP_OFFSET (2 + 64 + 32 + 8)

static void node_key(const struct channels *chans, struct privkey *out)
{
	memcpy(out->secret.data, chans->setup.node_secret, sizeof(out->secret.data));
}

static bool is_public(const struct chan *chan)
{
	return channel_get_flags(chan->ch) & 1;
}

/* Announced: the channel_announcement exists and the channel is open. */
static bool is_announced(const struct chan *chan)
{
	return is_public(chan) && channel_has_announcement(chan->ch) && !chan->is_spent;
}

bool chan_gossip_setup(struct chan *chan)
{
	struct channels *chans = chan->owner;
	struct privkey key;

	node_key(chans, &key);
	channel_set_node(chan->ch, &key, chan->peer_id);
	crypto_wipe(&key, sizeof(key));
	return channels_gossip_store_load(chans->setup.db, chan->dbid, &chan->gossip);
}

void channels_set_gossip_listener(struct channels *chans,
				  const struct channels_gossip_listener *listener)
{
	chans->gossip = *listener;
}

void chan_update_values(const struct chan *chan, struct channels_update_values *v)
{
	const struct config *config = chan->owner->setup.config;
	const struct channel_config *theirs = channel_get_config(chan->ch, CHANNEL_REMOTE);
	uint64_t capacity_msat = channel_get_params(chan->ch)->funding_sat * 1000;
	uint64_t limit = theirs->max_htlc_value_in_flight_msat < capacity_msat
		? theirs->max_htlc_value_in_flight_msat : capacity_msat;
	const struct channels_gossip_row *g = &chan->gossip;

	v->fee_base_msat = g->has_fee_base ? g->fee_base_msat : config->fee_base_msat;
	v->fee_ppm = g->has_fee_ppm ? g->fee_ppm : config->fee_per_satoshi;
	/* We forward into the peer: its limits are the ones that bind. */
	v->htlc_minimum_msat = theirs->htlc_minimum_msat;
	if (g->has_htlc_min && g->htlc_minimum_msat > v->htlc_minimum_msat)
		v->htlc_minimum_msat = g->htlc_minimum_msat;
	v->htlc_maximum_msat = g->has_htlc_max && g->htlc_maximum_msat < limit
		? g->htlc_maximum_msat : limit;
	v->is_public = is_public(chan);
	v->has_scid = chan->funding_confirmed && channel_get_scid(chan->ch)->u64;
	v->has_previous_fees = chan->fees_changed_at
		&& time(NULL) < chan->fees_changed_at + CHANNELS_FEE_GRACE_SECS;
	v->previous_fee_base_msat = chan->previous_fee_base_msat;
	v->previous_fee_ppm = chan->previous_fee_ppm;
}

/* chan's channel_update with timestamp, disabled or not. */
static struct wirebuf *build_update(struct chan *chan, uint32_t timestamp, bool disabled)
{
	struct channels *chans = chan->owner;
	struct channels_update_values v;
	struct msg_channel_update update = {0};
	struct privkey key;
	struct wirebuf *msg;

	chan_update_values(chan, &v);
	memcpy(update.chain_hash.bytes, chans->setup.config->chainparams->chain_hash, 32);
	update.short_channel_id = *channel_get_scid(chan->ch);
	update.timestamp = timestamp;
	update.message_flags = CHANNEL_UPDATE_MUST_BE_ONE;
	/* BOLT #7 (a channel_update for the peer before, or without, the
	 * announcement): MUST set `dont_forward` to 1 in `message_flags` */
	if (!is_announced(chan))
		update.message_flags |= UPDATE_DONT_FORWARD;
	update.channel_flags = (uint8_t)channel_update_direction(chans->setup.node_id, chan->peer_id);
	if (disabled)
		update.channel_flags |= CHANNEL_UPDATE_DISABLE;
	update.cltv_expiry_delta = (uint16_t)chans->setup.config->cltv_delta;
	update.htlc_minimum_msat = v.htlc_minimum_msat;
	update.htlc_maximum_msat = v.htlc_maximum_msat;
	update.fee_base_msat = v.fee_base_msat;
	update.fee_proportional_millionths = v.fee_ppm;
	node_key(chans, &key);
	msg = channel_update_sign(chans->setup.secp, &update, &key);
	crypto_wipe(&key, sizeof(key));
	return msg;
}

/* Whether two updates say the same, timestamps and signatures aside. */
static bool update_same(const struct wirebuf *a, const struct wirebuf *b)
{
	const size_t sig_end = 2 + 64, ts_end = UPDATE_TIMESTAMP_OFFSET + 4;

	return a->len == b->len && a->len > ts_end
		&& memcmp(a->data + sig_end, b->data + sig_end, UPDATE_TIMESTAMP_OFFSET - sig_end) == 0
		&& memcmp(a->data + ts_end, b->data + ts_end, a->len - ts_end) == 0;
}

/* Stores chan's gossip row in a transaction of its own (committing the
 * channels' group transaction first, see db_begin); inside another
 * writer's transaction (a block's), in that one. */
static bool store_row(struct chan *chan)
{
	struct db *db = chan->owner->setup.db;

	if (db_in_transaction(db) && !chan->owner->batch_open)
		return channels_gossip_store_save(db, chan->dbid, &chan->gossip);
	if (!db_begin(db))
		return false;
	if (!channels_gossip_store_save(db, chan->dbid, &chan->gossip) || !db_commit(db)) {
		db_rollback(db);
		return false;
	}
	return true;
}

/* Stores our node_announcement's timestamp, committed before it leaves. */
static bool store_node_timestamp(struct channels *chans, uint32_t timestamp)
{
	struct db *db = chans->setup.db;

	if (db_in_transaction(db) && !chans->batch_open)
		return db_var_set_int(db, NODE_ANNOUNCEMENT_VAR, timestamp);
	if (!db_begin(db))
		return false;
	if (!db_var_set_int(db, NODE_ANNOUNCEMENT_VAR, timestamp) || !db_commit(db)) {
		db_rollback(db);
		return false;
	}
	return true;
}

/* Makes chan->local_update say what chan says now (disabled or not): a
 * new one, with a new stored timestamp, if that differs from the last one
 * (or if force).  Returns: true if it is new. */
static bool refresh_update(struct chan *chan, bool disabled, bool force)
{
	struct wirebuf *same, *fresh;
	struct channels_gossip_row old = chan->gossip;

	if (!chan->funding_confirmed || !channel_get_scid(chan->ch)->u64)
		return false;
	/* Closing (or closed, or failed): no HTLC will go through it. */
	if (channel_get_state(chan->ch) != CHANNEL_NORMAL)
		disabled = true;
	if (!chan->local_update && chan->gossip.update_timestamp)
		/* The last one we signed, rebuilt (deterministic). */
		chan->local_update = build_update(chan, chan->gossip.update_timestamp,
						  chan->gossip.update_disabled);
	same = build_update(chan, chan->gossip.update_timestamp, disabled);
	if (!force && chan->local_update && same && update_same(same, chan->local_update)) {
		wirebuf_free(same);
		return false;
	}
	wirebuf_free(same);
	/* BOLT #7: MUST set `timestamp` to greater than 0, AND to greater than
	 * any previously-sent `channel_update` for this `short_channel_id`. */
	chan->gossip.update_timestamp = gossip_next_timestamp((uint32_t)time(NULL),
							      chan->gossip.update_timestamp);
	chan->gossip.update_disabled = disabled;
	if (!store_row(chan)) {
		chan->gossip = old;
		log_broken(channels_log(chan->owner), "channel", "%s: cannot store our channel_update "
			   "timestamp: %s", chan->peer_id_hex, db_errmsg(chan->owner->setup.db));
		return false;
	}
	fresh = build_update(chan, chan->gossip.update_timestamp, disabled);
	if (!fresh)
		return false;
	wirebuf_free(chan->local_update);
	chan->local_update = fresh;
	return true;
}

static void send_to_peer(struct chan *chan, const struct wirebuf *msg, const char *what)
{
	if (chan->peer && msg && !peer_send(chan->peer, msg->data, msg->len))
		log_unusual(channels_log(chan->owner), "channel", "%s: cannot send %s",
			    chan->peer_id_hex, what);
}

/* Our gossip for an announced channel: to the listener, or (none) to the
 * channel's peer. */
static void publish(struct chan *chan, const struct wirebuf *msg, const char *what)
{
	struct channels *chans = chan->owner;

	if (!msg)
		return;
	log_debug(channels_log(chans), "channel", "%s: our %s", chan->peer_id_hex, what);
	if (chans->gossip.own_gossip)
		chans->gossip.own_gossip(chans->gossip.arg, msg->data, msg->len);
	else
		send_to_peer(chan, msg, what);
}

/* Our node_announcement, new if what it says changed (or none yet);
 * NULL while no channel of ours is announced (BOLT #7: nodes ignore it
 * from a node without channels). */
static const struct wirebuf *node_announcement(struct channels *chans)
{
	const struct channels_node_info *info = chans->setup.node_info;
	struct node_announcement_fields f = {0};
	struct wirebuf *fresh, *same;
	struct privkey key;
	const char *why;
	bool any = false;

	for (struct chan *chan = chans->list; chan && !any; chan = chan->next)
		any = is_announced(chan);
	if (!any || !info)
		return NULL;
	f.alias = info->alias;
	memcpy(f.rgb_color, info->rgb, 3);
	f.addrs = info->addrs;
	f.num_addrs = info->num_addrs;
	f.features = info->features;
	f.features_len = info->features_len;
	if (chans->node_announcement)
		return chans->node_announcement;
	node_key(chans, &key);
	/* At start-up: the last one, rebuilt; new only if it differs. */
	f.timestamp = chans->node_announcement_timestamp;
	same = f.timestamp ? node_announcement_create(chans->setup.secp, &key, &f, &why) : NULL;
	f.timestamp = gossip_next_timestamp((uint32_t)time(NULL), chans->node_announcement_timestamp);
	fresh = node_announcement_create(chans->setup.secp, &key, &f, &why);
	crypto_wipe(&key, sizeof(key));
	if (!fresh) {
		wirebuf_free(same);
		log_broken(channels_log(chans), "channel", "cannot make our node_announcement: %s", why);
		return NULL;
	}
	/* Compare past the signature and the timestamp. */
	if (same && same->len == fresh->len
	    && memcmp(same->data + 2 + 64, fresh->data + 2 + 64, 2) == 0) {
		size_t flen = ((size_t)fresh->data[66] << 8) | fresh->data[67];
		size_t rest = 2 + 64 + 2 + flen + 4;
		if (memcmp(same->data + 68, fresh->data + 68, flen) == 0
		    && memcmp(same->data + rest, fresh->data + rest, fresh->len - rest) == 0) {
			wirebuf_free(fresh);
			chans->node_announcement = same;
			return same;
		}
	}
	wirebuf_free(same);
	if (!store_node_timestamp(chans, f.timestamp)) {
		wirebuf_free(fresh);
		log_broken(channels_log(chans), "channel", "cannot store our node_announcement "
			   "timestamp: %s", db_errmsg(chans->setup.db));
		return NULL;
	}
	chans->node_announcement_timestamp = f.timestamp;
	chans->node_announcement = fresh;
	return fresh;
}

/* Everything the network needs to know chan: its announcement, our
 * update, our node_announcement. */
static void publish_all(struct chan *chan)
{
	struct wirebuf *ann = channel_get_announcement(chan->ch);
	const struct wirebuf *node;

	publish(chan, ann, "channel_announcement");
	wirebuf_free(ann);
	publish(chan, chan->local_update, "channel_update");
	node = node_announcement(chan->owner);
	publish(chan, node, "node_announcement");
}

void chan_gossip_announced(struct chan *chan)
{
	/* The private update had dont_forward: this one differs. */
	refresh_update(chan, !chan_is_usable(chan), false);
	publish_all(chan);
}

/* Usable again (reestablished, or newly normal). */
void chan_send_local_update(struct chan *chan)
{
	if (channel_get_state(chan->ch) != CHANNEL_NORMAL)
		return;
	if (!is_announced(chan)) {
		/* BOLT #7 allows a private channel_update for the peer, so it
		 * can route to us (its invoices' route hints); sent again on
		 * each reconnection, in case it was lost. */
		refresh_update(chan, false, false);
		send_to_peer(chan, chan->local_update, "channel_update");
		return;
	}
	/* Enabled again if it was disabled. */
	if (refresh_update(chan, false, false) && chan->owner->gossip.own_gossip)
		publish(chan, chan->local_update, "channel_update");
	/* Without the gossip layer, the peer hears it all from us. */
	if (!chan->owner->gossip.own_gossip)
		publish_all(chan);
}

struct wirebuf *chan_local_update(struct chan *chan)
{
	/* Core Lightning disables a channel whose peer is away when it
	 * would be used: the failure carries the disabled update. */
	bool away = !chan_is_usable(chan);
	struct wirebuf *copy;

	if (is_announced(chan)) {
		if (refresh_update(chan, away, false))
			publish(chan, chan->local_update, "channel_update");
	} else if (!chan->local_update) {
		refresh_update(chan, false, false);
	}
	if (!chan->local_update)
		return NULL;
	copy = wirebuf_new();
	wirebuf_append(copy, chan->local_update->data, chan->local_update->len);
	return copy;
}

void chan_gossip_after_step(struct chan *chan)
{
	/* Closing or failed: tell the network now (Core Lightning does), not
	 * only when an HTLC would use it. */
	if (is_announced(chan) && channel_get_state(chan->ch) != CHANNEL_NORMAL
	    && !chan->gossip.update_disabled && refresh_update(chan, true, false))
		publish(chan, chan->local_update, "channel_update (disabled)");
}

bool chan_set_update(struct chan *chan, const struct channels_update_params *p,
		     char *why, size_t whylen)
{
	struct channels_gossip_row old = chan->gossip;
	struct channels_update_values v, before;

	chan_update_values(chan, &before);
	if (p->has_fee_base) {
		chan->gossip.has_fee_base = true;
		chan->gossip.fee_base_msat = p->fee_base_msat;
	}
	if (p->has_fee_ppm) {
		chan->gossip.has_fee_ppm = true;
		chan->gossip.fee_ppm = p->fee_ppm;
	}
	if (p->has_htlc_min) {
		chan->gossip.has_htlc_min = true;
		chan->gossip.htlc_minimum_msat = p->htlc_minimum_msat;
	}
	if (p->has_htlc_max) {
		chan->gossip.has_htlc_max = true;
		chan->gossip.htlc_maximum_msat = p->htlc_maximum_msat;
	}
	chan_update_values(chan, &v);
	if (v.htlc_minimum_msat > v.htlc_maximum_msat) {
		chan->gossip = old;
		snprintf(why, whylen, "htlcmin %llu msat is above htlcmax %llu msat",
			 (unsigned long long)v.htlc_minimum_msat,
			 (unsigned long long)v.htlc_maximum_msat);
		return false;
	}
	if (!store_row(chan)) {
		chan->gossip = old;
		snprintf(why, whylen, "cannot store the channel's settings: %s",
			 db_errmsg(chan->owner->setup.db));
		return false;
	}
	if (v.fee_base_msat != before.fee_base_msat || v.fee_ppm != before.fee_ppm) {
		chan->previous_fee_base_msat = before.fee_base_msat;
		chan->previous_fee_ppm = before.fee_ppm;
		chan->fees_changed_at = time(NULL);
	}
	/* A new channel_update, if it changed and the channel has one. */
	if (refresh_update(chan, chan->gossip.update_disabled && !chan_is_usable(chan), false)) {
		if (is_announced(chan))
			publish(chan, chan->local_update, "channel_update");
		else if (channel_get_state(chan->ch) == CHANNEL_NORMAL)
			send_to_peer(chan, chan->local_update, "channel_update");
	}
	return true;
}

/* BOLT #7 "Recommendation on Pruning Stale Entries": a node SHOULD send a
 * new channel_update before two weeks pass. */
static uint32_t refresh_secs(const struct channels *chans)
{
	unsigned secs = chans->setup.config->dev_update_refresh_secs;

	return secs ? secs : CHANNELS_UPDATE_REFRESH_SECS;
}

static void gossip_timer_fired(evutil_socket_t fd, short events, void *arg)
{
	struct channels *chans = arg;
	uint32_t now = (uint32_t)time(NULL), refresh = refresh_secs(chans);
	/* Looks every hour, or more often for a shorter --dev-update-refresh. */
	struct timeval tv = {refresh / 2 < GOSSIP_TIMER_SECS ? (refresh + 1) / 2 : GOSSIP_TIMER_SECS,
			     0};

	for (struct chan *chan = chans->list; chan; chan = chan->next) {
		if (!is_announced(chan) || !chan->gossip.update_timestamp
		    || now < chan->gossip.update_timestamp + refresh)
			continue;
		if (refresh_update(chan, chan->gossip.update_disabled, true))
			publish(chan, chan->local_update, "channel_update (refresh)");
	}
	evtimer_add(chans->gossip_timer, &tv);
}

void channels_gossip_start(struct channels *chans)
{
	struct timeval tv = {0, 0};
	int64_t ts = 0;

	if (db_var_get_int(chans->setup.db, NODE_ANNOUNCEMENT_VAR, &ts) == 1)
		chans->node_announcement_timestamp = (uint32_t)ts;
	/* The gossip layer hears again what we announced (it keeps what it
	 * has; the same bytes are no news), and the refresh timer starts at
	 * once: an update may have gone stale while we were down. */
	if (chans->gossip.own_gossip) {
		for (struct chan *chan = chans->list; chan; chan = chan->next) {
			if (!is_announced(chan))
				continue;
			refresh_update(chan, chan->gossip.update_disabled, false);
			publish_all(chan);
		}
	}
	chans->gossip_timer = evtimer_new(chans->setup.base, gossip_timer_fired, chans);
	if (chans->gossip_timer)
		evtimer_add(chans->gossip_timer, &tv);
}

void channels_gossip_free(struct channels *chans)
{
	if (chans->gossip_timer)
		event_free(chans->gossip_timer);
	wirebuf_free(chans->node_announcement);
}
