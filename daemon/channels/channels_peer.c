/* The channels' peer layer: the BOLT #2 messages a peer sends for its
 * channels (open_channel starts a new one, as fundee), its `error`, the
 * BOLT #7 channel_update we send it and the one it sends us, and the
 * connection: channel_reestablish once it is up, and redialling with a
 * backoff after it goes (see channels.h). */
#include "daemon/channels/channels_internal.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bitcoin/chainparams.h"
#include "common/alloc.h"
#include "crypto/secp.h"
#include "crypto/util.h"
#include "daemon/channels/channels_store.h"
#include "daemon/config.h"
#include "daemon/log.h"
#include "daemon/net/peer.h"
#include "daemon/net/peers.h"
#include "gossip/channel_update.h"
#include "wire/peer_wire.h"

/* ---- Finding ---- */

static bool same_peer(const struct chan *chan, const struct peer *peer)
{
	return memcmp(chan->peer_id, peer->node_id_bytes, PUBKEY_CMPR_LEN) == 0;
}

struct chan *channels_find_by_id(struct channels *chans, const struct peer *peer,
				   const uint8_t id[32])
{
	for (struct chan *chan = chans->list; chan; chan = chan->next)
		if ((!peer || same_peer(chan, peer))
		    && memcmp(channel_get_id(chan->ch)->bytes, id, 32) == 0)
			return chan;
	return NULL;
}

/* ---- channel_update ---- */

void channels_peer_update(struct channels *chans, struct peer *peer, const uint8_t *msg, size_t len)
{
	struct msg_channel_update update, *parsed;
	const char *why;
	struct chan *chan;

	/* Most channel_updates a peer sends are gossip it relays (gossip/
	 * checks those, each against its own signer): only one for the
	 * peer's direction of a channel we have with it is the peer's own,
	 * to check against its key here. */
	if (!fromwire_channel_update(msg, len, &parsed))
		return;
	for (chan = chans->list; chan; chan = chan->next)
		if (same_peer(chan, peer) && chan->funding_confirmed
		    && channel_get_scid(chan->ch)->u64 == parsed->short_channel_id.u64)
			break;
	if (chan && (parsed->channel_flags & CHANNEL_UPDATE_DIRECTION)
	    != channel_update_direction(chan->peer_id, chans->setup.node_id))
		chan = NULL;
	msg_channel_update_free(parsed);
	if (!chan)
		return;
	if (!channel_update_check(chans->setup.secp, &update, msg, len, &peer->node_id, &why)) {
		log_unusual(channels_log(chans), "channel", "%s: ignoring channel_update: %s",
			    peer->node_id_hex, why);
		return;
	}
	if (chan->has_remote_update && update.timestamp <= chan->remote_update.timestamp)
		return;
	if (!channels_store_set_remote_update(chans->setup.db, chan->dbid, msg, len)) {
		channels_fatal(chans, "cannot store a channel_update");
		return;
	}
	chan->remote_update = update;
	chan->has_remote_update = true;
	log_debug(channels_log(chans), "channel", "%s: channel_update for %u: fee %u+%u ppm, "
		  "cltv delta %u", chan->peer_id_hex, update.timestamp, update.fee_base_msat,
		  update.fee_proportional_millionths, update.cltv_expiry_delta);
}

/* ---- The connection ---- */

static struct redial *redial_find(struct channels *chans, const uint8_t node_id[PUBKEY_CMPR_LEN])
{
	for (struct redial *r = chans->redials; r; r = r->next)
		if (memcmp(r->node_id, node_id, PUBKEY_CMPR_LEN) == 0)
			return r;
	return NULL;
}

void channels_peer_active(struct channels *chans, struct peer *peer)
{
	struct redial *r = redial_find(chans, peer->node_id_bytes);
	struct chan *chan, *next;

	if (r) {
		r->delay_secs = 0;
		evtimer_del(r->timer);
	}
	for (chan = chans->list; chan; chan = next) {
		struct channel_effects fx;
		struct close_features features;
		next = chan->next;
		if (!same_peer(chan, peer) || channel_get_state(chan->ch) == CHANNEL_FORGOTTEN)
			continue;
		chan->peer = peer;
		chan->link_gen++;
		chan_close_features(peer, &features);
		channel_set_features(chan->ch, &features);
		channel_effects_init(&fx);
		if (channel_reconnected(chan->ch, &fx))
			chan_step(chan, &fx);
		else
			chan_refused(chan, &fx, "channel_reconnected");
	}
}

static void redial_fired(evutil_socket_t fd, short events, void *arg);

/* Whether chan keeps us dialling its peer: while the channel needs it, and
 * once we failed it with an error of ours, until the funding output is
 * spent.  BOLT 2: "if a channel is in an error state: SHOULD retransmit
 * the error packet" upon reconnection; a peer that missed our error (one
 * waiting for our closing_signed, say) would otherwise wait for its own
 * timeout.  (A channel the peer's error failed has nothing to tell.) */
static bool wants_redial(const struct chan *chan)
{
	return chan_needs_peer(chan)
		|| (channel_get_state(chan->ch) == CHANNEL_AWAITING_UNILATERAL && !chan->is_spent
		    && channel_get_failure(chan->ch));
}

/* Dials node_id after its backoff, if we have a channel that wants it. */
void channels_redial_schedule(struct channels *chans, const uint8_t node_id[PUBKEY_CMPR_LEN],
			      bool at_once)
{
	struct redial *r = redial_find(chans, node_id);
	struct timeval delay = {0, 0};
	bool wanted = false;

	for (struct chan *chan = chans->list; chan; chan = chan->next)
		if (memcmp(chan->peer_id, node_id, PUBKEY_CMPR_LEN) == 0 && wants_redial(chan))
			wanted = true;
	if (!wanted)
		return;
	if (!r) {
		r = oh_calloc(1, sizeof(*r));
		r->owner = chans;
		memcpy(r->node_id, node_id, PUBKEY_CMPR_LEN);
		r->timer = evtimer_new(chans->setup.base, redial_fired, r);
		if (!r->timer) {
			free(r);
			return;
		}
		r->next = chans->redials;
		chans->redials = r;
	}
	if (!at_once)
		r->delay_secs = r->delay_secs ? r->delay_secs * 2 : 1;
	if (r->delay_secs > CHANNELS_RECONNECT_MAX_SECS)
		r->delay_secs = CHANNELS_RECONNECT_MAX_SECS;
	delay.tv_sec = at_once ? 0 : r->delay_secs;
	evtimer_add(r->timer, &delay);
}

static void redial_fired(evutil_socket_t fd, short events, void *arg)
{
	struct redial *r = arg;
	struct channels *chans = r->owner;
	struct pubkey node_id;
	struct peer *peer = peer_manager_find(chans->setup.peers, r->node_id);

	if (peer && peer->phase == PEER_ACTIVE)
		return;
	if (!pubkey_parse(chans->setup.secp, &node_id, r->node_id))
		return;
	/* A connection still in its handshake (ours or the peer's) is left
	 * to finish; a new dial would join it. */
	if (!peer)
		peer_manager_connect(chans->setup.peers, &node_id, NULL, 0, NULL, NULL);
	/* If it fails, channels_peer_gone is not called (the peer never
	 * became active): try again after the next backoff anyway, also
	 * when that connection was one already on its way. */
	channels_redial_schedule(chans, r->node_id, false);
}

void channels_peer_gone(struct channels *chans, struct peer *peer)
{
	struct chan *chan, *next;
	bool had_channels = false;

	for (chan = chans->list; chan; chan = next) {
		struct channel_effects fx;
		next = chan->next;
		if (chan->peer != peer)
			continue;
		chan->peer = NULL;
		chan->link_gen++;
		chan->was_usable = false;
		had_channels = true;
		channel_effects_init(&fx);
		if (channel_disconnected(chan->ch, &fx))
			chan_step(chan, &fx);
		else
			chan_refused(chan, &fx, "channel_disconnected");
	}
	if (had_channels && peer->is_outgoing)
		channels_redial_schedule(chans, peer->node_id_bytes, false);
}

void channels_redials_free(struct channels *chans)
{
	while (chans->redials) {
		struct redial *r = chans->redials;
		chans->redials = r->next;
		event_free(r->timer);
		free(r);
	}
}

/* ---- Messages ---- */

/* An open_channel: a new channel, as fundee. */
static enum channels_verdict handle_open(struct channels *chans, struct peer *peer,
					 const uint8_t *msg, size_t len)
{
	struct msg_open_channel *open = NULL;
	struct channel_effects fx;
	struct chan *chan;
	uint64_t funding_sat = 0;
	size_t awaiting = 0, awaiting_theirs = 0;
	char err[300];

	if (fromwire_open_channel(msg, len, &open)) {
		funding_sat = open->funding_satoshis;
		msg_open_channel_free(open);
	}
	for (chan = chans->list; chan; chan = chan->next) {
		if (same_peer(chan, peer) && channel_get_state(chan->ch) < CHANNEL_AWAITING_LOCKIN) {
			peer_warn_and_close(peer, "open_channel while another channel with us is "
					    "still opening");
			return CHANNELS_PEER_CLOSED;
		}
		if (channel_get_state(chan->ch) == CHANNEL_AWAITING_LOCKIN
		    && !channel_is_opener(chan->ch)) {
			awaiting++;
			awaiting_theirs += same_peer(chan, peer);
		}
	}
	if (awaiting_theirs >= CHANNELS_MAX_AWAITING_PER_PEER || awaiting >= CHANNELS_MAX_AWAITING) {
		log_unusual(channels_log(chans), "channel", "refusing %s's open_channel: %zu of its "
			    "channels, %zu in all, await their funding", peer->node_id_hex,
			    awaiting_theirs, awaiting);
		peer_warn_and_close(peer, "open_channel: %zu channels await their funding "
				    "transaction already (%zu of yours), the most we accept is %d (%d "
				    "per peer)", awaiting, awaiting_theirs, CHANNELS_MAX_AWAITING,
				    CHANNELS_MAX_AWAITING_PER_PEER);
		return CHANNELS_PEER_CLOSED;
	}
	chan = chan_alloc(chans, peer->node_id_bytes);
	if (!channels_store_next_index(chans->setup.db, &chan->dbid) || !chan_setup(chans, chan)
	    || !chan_engine_new(chans, chan, peer, funding_sat, err, sizeof(err))) {
		log_broken(channels_log(chans), "channel", "cannot set up a channel for %s's open_channel",
			   peer->node_id_hex);
		if (chan->close_timer)
			chan_free(chan);
		else
			free(chan);
		peer_close(peer, "cannot set up a channel");
		return CHANNELS_PEER_CLOSED;
	}
	chan->peer = peer;
	channel_effects_init(&fx);
	if (!channel_handle_message(chan->ch, &fx, msg, len)) {
		chan_refused(chan, &fx, "open_channel");
		chan_free(chan);
		return CHANNELS_HANDLED;
	}
	chan_step(chan, &fx);
	return CHANNELS_HANDLED;
}

/* BOLT #2 funding_created: the channel_id it implies must not be one we
 * already have (a peer pointing at another channel's outpoint). */
static bool funding_outpoint_taken(struct channels *chans, const uint8_t *msg, size_t len)
{
	uint8_t id[32];

	if (len < 2 + 32 + 32 + 2)
		return false;
	memcpy(id, msg + 2 + 32, 32);
	id[30] ^= msg[2 + 64];
	id[31] ^= msg[2 + 65];
	return channels_find_by_id(chans, NULL, id) != NULL;
}

enum channels_verdict channels_peer_message(struct channels *chans, struct peer *peer,
					    uint16_t type, const uint8_t *msg, size_t len)
{
	struct channel_effects fx;
	struct chan *chan;

	if (type == WIRE_OPEN_CHANNEL)
		return handle_open(chans, peer, msg, len);
	if (len < 2 + 32) {
		peer_warn_and_close(peer, "%s message of %zu bytes is too short",
				    peer_wire_name(type), len);
		return CHANNELS_PEER_CLOSED;
	}
	chan = channels_find_by_id(chans, peer, msg + 2);
	if (!chan)
		return CHANNELS_UNKNOWN_CHANNEL;
	if (type == WIRE_FUNDING_CREATED && funding_outpoint_taken(chans, msg, len)) {
		chan_fail_with(chan, "funding_created names the funding outpoint of another channel");
		return CHANNELS_HANDLED;
	}
	channel_effects_init(&fx);
	if (!channel_handle_message(chan->ch, &fx, msg, len)) {
		chan_refused(chan, &fx, peer_wire_name(type));
		return CHANNELS_HANDLED;
	}
	chan_step(chan, &fx);
	return CHANNELS_HANDLED;
}

void channels_peer_error(struct channels *chans, struct peer *peer,
			 const struct channel_id *channel_id, const char *text)
{
	struct chan *chan, *next;
	char why[600];

	snprintf(why, sizeof(why), "peer sent error: %s", text);
	for (chan = chans->list; chan; chan = next) {
		next = chan->next;
		if (!same_peer(chan, peer)
		    || (channel_id && memcmp(channel_get_id(chan->ch)->bytes, channel_id->bytes, 32)))
			continue;
		/* Nothing left to fail, or (data loss) nothing we may
		 * broadcast. */
		if (!chan_needs_peer(chan) || channel_get_state(chan->ch) == CHANNEL_DATA_LOSS)
			continue;
		chan_set_close_cause(chan, "remote");
		chan_fail_with(chan, why);
	}
}
