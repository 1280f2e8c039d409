/* The channel_gossip table: per channel, what setchannel set for our
 * BOLT #7 channel_update and the timestamp of the last one we signed.
 * Writes run inside the caller's transaction. */
#ifndef OHM_DAEMON_CHANNELS_GOSSIP_STORE_H
#define OHM_DAEMON_CHANNELS_GOSSIP_STORE_H

#include <stdbool.h>
#include <stdint.h>

struct db;

struct channels_gossip_row {
	/* Set by setchannel (has_*), else the node's defaults. */
	bool has_fee_base, has_fee_ppm, has_htlc_min, has_htlc_max;
	uint32_t fee_base_msat, fee_ppm;
	uint64_t htlc_minimum_msat, htlc_maximum_msat;
	/* The last channel_update we signed (0: none). */
	uint32_t update_timestamp;
	bool update_disabled;
};

/* Reads channel id's row into *row (all zero if there is none).
 * Returns: false on a database error. */
bool channels_gossip_store_load(struct db *db, int64_t id, struct channels_gossip_row *row);

/* Inserts or replaces channel id's row.  Returns: false on a database
 * error. */
bool channels_gossip_store_save(struct db *db, int64_t id, const struct channels_gossip_row *row);

#endif /* OHM_DAEMON_CHANNELS_GOSSIP_STORE_H */
