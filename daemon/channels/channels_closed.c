/* A channel's end: what started its close (kept from that step on), and
 * the move to the closed channels (closed_store.h) once the resolvers say
 * its close is irrevocably resolved on chain (resolvers.h).  From then on
 * listpeerchannels no longer shows it, and listclosedchannels does. */
#include "daemon/channels/channels_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "daemon/channels/closed_store.h"
#include "daemon/log.h"
#include "daemon/onchain/resolvers.h"
#include "db/db.h"
#include "wire/short_channel_id.h"

void chan_set_close_cause(struct chan *chan, const char *cause)
{
	/* Stored texts are mapped back to these constants. */
	static const char *const causes[] = {"user", "remote", "protocol", "local"};

	if (chan->close_cause || !cause)
		return;
	for (size_t i = 0; i < sizeof(causes) / sizeof(causes[0]); i++)
		if (strcmp(cause, causes[i]) == 0) {
			chan->close_cause = causes[i];
			chan->close_cause_unsaved = true;
		}
}

bool chan_store_close_cause(struct chan *chan, const struct channel_effects *fx)
{
	for (size_t i = 0; i < fx->num_events; i++) {
		/* Nobody told us why: the peer's shutdown started a mutual
		 * close; a failure the engine decided on a peer's message
		 * (BOLT #2) broke the protocol. */
		if (fx->events[i].type == CHANNEL_EVENT_CLOSE_BROADCAST)
			chan_set_close_cause(chan, "remote");
		else if (fx->events[i].type == CHANNEL_EVENT_COMMITMENT_BROADCAST)
			chan_set_close_cause(chan, "protocol");
	}
	if (!chan->close_cause_unsaved || !chan->has_row)
		return true;
	chan->close_cause_unsaved = false;
	return closed_store_set_cause(chan->owner->setup.db, chan->dbid, chan->close_cause);
}

/* Who closed it: the side that started the close, else the one whose
 * commitment confirmed. */
static void fill_closer(struct closed_channel *c, enum onchain_close close, const char *cause)
{
	c->has_closer = true;
	if (strcmp(cause, "remote") == 0) {
		c->is_closer = false;
		return;
	}
	if (strcmp(cause, "onchain") != 0) {
		c->is_closer = true;
		return;
	}
	switch (close) {
	case ONCHAIN_CLOSE_LOCAL:
		c->is_closer = true;
		return;
	case ONCHAIN_CLOSE_REMOTE:
	case ONCHAIN_CLOSE_REMOTE_PREVIOUS:
	case ONCHAIN_CLOSE_REVOKED:
		c->is_closer = false;
		return;
	case ONCHAIN_CLOSE_MUTUAL:
	case ONCHAIN_CLOSE_UNKNOWN:
		break;
	}
	c->has_closer = false;
}

/* Inside the block's transaction: the channel's row becomes a closed
 * channel's. */
static bool closed_db(void *arg, int64_t channel, const struct resolvers_closed *closed)
{
	struct channels *chans = arg;
	struct chan *chan = channels_by_dbid(chans, channel);
	struct closed_channel c;
	struct channel_summary s;
	struct channel_htlc *seen;
	size_t num_seen;
	uint64_t out_sat = 0;
	const char *cause;

	if (!chan) {
		log_unusual(channels_log(chans), "channel", "channel %lld resolved on chain is unknown",
			    (long long)channel);
		return true;
	}
	chan_summary(chan, &s);
	memset(&c, 0, sizeof(c));
	c.id = channel;
	memcpy(c.peer_id, chan->peer_id, PUBKEY_CMPR_LEN);
	memcpy(c.channel_id, s.channel_id, 32);
	if (s.scid) {
		c.has_scid = true;
		c.scid = s.scid->u64;
	}
	c.is_opener = s.is_opener;
	c.is_private = s.is_private;
	c.option_anchors = s.option_anchors;
	/* Commitment numbers count from 0. */
	c.local_commitments = channel_commitment_number(chan->ch, CHANNEL_LOCAL) + 1;
	c.remote_commitments = channel_commitment_number(chan->ch, CHANNEL_REMOTE) + 1;
	if (!channels_store_htlcs_seen(chans->setup.db, channel, &seen, &num_seen))
		return false;
	for (size_t i = 0; i < num_seen; i++)
		c.htlcs_sent += seen[i].offerer == CHANNEL_LOCAL;
	free(seen);
	c.funding = s.funding;
	c.funding_sat = s.funding_sat;
	c.final_to_us_msat = s.to_us_msat;
	bitcoin_tx_txid(&c.close_txid, closed->closing_tx);
	for (size_t i = 0; i < closed->closing_tx->num_outputs; i++)
		out_sat += closed->closing_tx->outputs[i].amount_sat;
	c.close_fee_sat = s.funding_sat > out_sat ? s.funding_sat - out_sat : 0;
	c.close_height = closed->closing_height;
	snprintf(c.close_type, sizeof(c.close_type), "%s", onchain_close_name(closed->close));
	/* No cause of ours: the peer's shutdown (mutual), else its
	 * commitment (or another spend) appeared on chain. */
	cause = chan->close_cause ? chan->close_cause
		: closed->close == ONCHAIN_CLOSE_MUTUAL ? "remote" : "onchain";
	snprintf(c.close_cause, sizeof(c.close_cause), "%s", cause);
	fill_closer(&c, closed->close, cause);
	c.has_to_wallet = closed->has_to_wallet;
	c.to_wallet_sat = closed->to_wallet_sat;
	chan->is_closed_out = true;
	return closed_store_add(chans->setup.db, &c)
		&& channels_store_delete(chans->setup.db, channel);
}

/* Committed: the channel is gone from memory too. */
static void closed_done(void *arg, int64_t channel)
{
	struct channels *chans = arg;
	struct chan *chan = channels_by_dbid(chans, channel);
	char cid[65];

	if (!chan)
		return;
	log_info(channels_log(chans), "channel", "%s: channel %s is closed and resolved: see"
		 " listclosedchannels", chan->peer_id_hex, chan_id_hex(cid, chan));
	chan_free(chan);
}

void channels_closed_listen(struct channels *chans)
{
	struct resolvers_closed_listener listener = {
		.closed_db = closed_db,
		.closed = closed_done,
		.arg = chans,
	};

	if (chans->setup.resolvers)
		resolvers_set_closed_listener(chans->setup.resolvers, &listener);
}

bool chan_is_closed_out(const struct chan *chan)
{
	return chan->is_closed_out;
}

bool channels_list_closed(struct channels *chans, const uint8_t *peer_id,
			  void (*each)(void *arg, const struct closed_channel *c), void *arg)
{
	return closed_store_list(chans->setup.db, peer_id, each, arg);
}
