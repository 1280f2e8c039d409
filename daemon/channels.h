/* The channels ohmd runs: each a pure engine (channel/state.h) plus what
 * the engine leaves to the daemon: the database row, the peer connection,
 * the funding transaction from the wallet, the blocks that confirm or
 * spend the funding output, timers, and the RPC requests waiting on it.
 *
 * Every engine step is applied the same way (channels.c apply()): in ONE
 * database transaction the new snapshot and what its events change in the
 * database (a funding transaction released or let go, a transaction to
 * broadcast, the row deleted); only after that commits are the messages
 * sent and the events acted on.  A `kill -9` at any moment therefore
 * restarts from a state the peer has seen at most one step of.
 *
 * Updates are batched: the update_* messages go out as they are made, and
 * one commitment_signed covering all of them goes out when the event loop
 * next runs (a zero timer), or once the peer's revoke_and_ack lets us.
 *
 * Reconnection: we dial the peers we have live channels with and reached
 * by dialling before (the peers table keeps only outgoing addresses), at
 * start-up and after a disconnection, retrying with a backoff from 1 s
 * doubling to CHANNELS_RECONNECT_MAX_SECS.
 */
#ifndef OHM_DAEMON_CHANNELS_H
#define OHM_DAEMON_CHANNELS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/types.h"

struct channel_id;
struct channels;
struct ohmd;
struct peer;
struct rpc_request;

#define CHANNELS_RECONNECT_MAX_SECS 60
/* Core Lightning's default for close's unilateraltimeout: two days. */
#define CHANNELS_CLOSE_TIMEOUT_SECS 172800

/* Loads every channel from the database (each resumes disconnected) and
 * listens to the chain.  Needs ohmd's db, chain, wallet and peers.
 * Returns: NULL with err on failure. */
struct channels *channels_new(struct ohmd *ohmd, char *err, size_t errlen);

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

/* ---- For the RPC commands (daemon/rpc_channel.c) ---- */

struct channels_fund_params {
	uint64_t amount_sat;
	uint64_t push_msat;
	uint32_t feerate_perkw;		/* of the funding transaction */
	uint32_t minconf;
	bool announce;
};

/* fundchannel: opens a channel to the connected peer; request is answered
 * when the funding transaction is broadcast, or with an error. */
void channels_fund(struct channels *channels, struct rpc_request *request, struct peer *peer,
		   const struct channels_fund_params *params);

/* close: id is a peer id, a channel_id or a short_channel_id; script NULL
 * pays our wallet.  timeout_secs 0 waits for the peer forever. */
void channels_close(struct channels *channels, struct rpc_request *request, const char *id,
		    const uint8_t *script, size_t script_len, unsigned timeout_secs);

/* listpeerchannels' "channels" (peer_id NULL: all). */
json_t *channels_list_json(struct channels *channels, const uint8_t *peer_id);

/* How many channels (with peer_id, or all if NULL) are opening or locking
 * in, normal (or shutting down), or anything else. */
struct channels_counts {
	unsigned pending, active, inactive;
};
void channels_count(const struct channels *channels, const uint8_t *peer_id,
		    struct channels_counts *counts);

/* listfunds' "channels". */
json_t *channels_funds_json(struct channels *channels);

/* dev-sendhtlc: offers an HTLC of amount_msat paying sha256(preimage)
 * (with a dummy onion) over the channel id names, signed at once. */
void channels_dev_send_htlc(struct channels *channels, struct rpc_request *request,
			    const char *id, uint64_t amount_msat, const uint8_t preimage[32],
			    uint32_t cltv_expiry);

/* dev-fulfillhtlc / dev-failhtlc: settles an HTLC the peer offered us. */
void channels_dev_settle_htlc(struct channels *channels, struct rpc_request *request,
			      const char *id, uint64_t htlc_id, const uint8_t *preimage);

#endif /* OHM_DAEMON_CHANNELS_H */
