/* The closed_channels table (listclosedchannels): a channel moves here
 * from the channels table once its close is irrevocably resolved on chain
 * (channels_closed.c), in the transaction of the block that resolved it.
 * Rows are read by column name; writes run inside the caller's
 * transaction. */
#ifndef OHM_DAEMON_CHANNELS_CLOSED_STORE_H
#define OHM_DAEMON_CHANNELS_CLOSED_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "bitcoin/tx.h"
#include "crypto/types.h"

struct db;

/* One closed channel. */
struct closed_channel {
	int64_t id;			/* the channels.id it had */
	uint8_t peer_id[PUBKEY_CMPR_LEN];
	uint8_t channel_id[32];
	bool has_scid;
	uint64_t scid;
	bool is_opener;
	bool has_closer;
	bool is_closer;			/* if has_closer: we closed it */
	bool is_private;
	bool option_anchors;
	uint64_t local_commitments, remote_commitments;
	uint64_t htlcs_sent;
	struct bitcoin_outpoint funding;
	uint64_t funding_sat;
	uint64_t final_to_us_msat;
	struct bitcoin_txid close_txid;
	uint64_t close_fee_sat;
	uint32_t close_height;
	char close_type[24];		/* onchain_close_name() */
	char close_cause[16];		/* Core Lightning's close_cause */
	bool has_to_wallet;
	int64_t to_wallet_sat;
};

/* Inserts c.  Returns: false on a database error. */
bool closed_store_add(struct db *db, const struct closed_channel *c);

/* Calls each(arg, c) for every closed channel (with peer_id, if not
 * NULL), in the order they closed.  Returns: false on a database error. */
bool closed_store_list(struct db *db, const uint8_t *peer_id,
		       void (*each)(void *arg, const struct closed_channel *c), void *arg);

/* What started the channel's close (text, NULL to clear).  Returns: false
 * on a database error. */
bool closed_store_set_cause(struct db *db, int64_t channel, const char *cause);

#endif /* OHM_DAEMON_CHANNELS_CLOSED_STORE_H */
