/* The gossip store: the `gossip` table (db/migrations.c, 12), every
 * BOLT #7 message the graph holds, verbatim, so what we relay and answer
 * queries with is exactly what was signed.  A row's id is the graph's
 * graph_ref for it (gossip/graph.h).
 *
 * Why SQLite and not an append-only file beside it: a message and the
 * graph change it stands for must not part on a crash, and the rest of
 * the node's state is already committed through the same connection; a
 * replaced update is one DELETE, where a file would need compaction; the
 * size (~50,000 channels, ~100,000 updates, ~15,000 nodes: some 60 MB) is
 * well within what SQLite reads back at start-up in a second or two.
 *
 * Typed functions, rows read by column name.  Each returns false on a
 * database error (see db_errmsg).
 */
#ifndef OHM_DAEMON_GOSSIP_STORE_H
#define OHM_DAEMON_GOSSIP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bitcoin/tx.h"
#include "crypto/types.h"
#include "wire/short_channel_id.h"

struct db;

/* Row ids are the caller's (the graph refers to a message before its
 * row is written: daemon/gossip/gossip_batch.c), each above every id
 * stored before; gossip_store_load() tells the highest. */

/* Stores an accepted channel_announcement (msg[0..len), type included)
 * as row id, with its funding output's value and txid. */
bool gossip_store_add_channel(struct db *db, uint64_t id, struct short_channel_id scid,
			      const uint8_t *msg, size_t len, uint64_t amount_sat,
			      const struct bitcoin_txid *funding_txid);

/* Stores an accepted channel_update of scid as row id. */
bool gossip_store_add_update(struct db *db, uint64_t id, struct short_channel_id scid,
			     const uint8_t *msg, size_t len);

/* Stores an accepted node_announcement of node_id as row id. */
bool gossip_store_add_node(struct db *db, uint64_t id, const uint8_t node_id[PUBKEY_CMPR_LEN],
			   const uint8_t *msg, size_t len);

/* The message of row id, malloc'd into *msg.  Returns false (and *msg
 * NULL) if there is no such row or on a database error. */
bool gossip_store_get(struct db *db, uint64_t id, uint8_t **msg, size_t *len);

/* scid's channel_announcement: its message malloc'd into *msg (msg NULL:
 * not wanted) and its funding txid.  Returns false if there is none. */
bool gossip_store_channel(struct db *db, struct short_channel_id scid, uint8_t **msg,
			  size_t *len, struct bitcoin_txid *funding_txid);

/* Deletes row id (a replaced update or node_announcement).  No such row
 * is not an error. */
bool gossip_store_delete(struct db *db, uint64_t id);

/* Deletes scid's announcement and updates (a pruned channel). */
bool gossip_store_delete_channel(struct db *db, struct short_channel_id scid);

/* Deletes node_id's node_announcement (a node left without channels). */
bool gossip_store_delete_node(struct db *db, const uint8_t node_id[PUBKEY_CMPR_LEN]);

/* Records that scid's funding output was spent in the block at height
 * (0: no longer, after a reorg). */
bool gossip_store_set_spent(struct db *db, struct short_channel_id scid, uint32_t height);

/* Calls fn for each channel recorded spent at height.  Returns false on
 * a database error. */
bool gossip_store_spent_at(struct db *db, uint32_t height,
			   void (*fn)(void *arg, struct short_channel_id scid), void *arg);

/* One stored row, as gossip_store_load() shows it (pointers valid only
 * during the call). */
struct gossip_store_row {
	uint64_t id;
	uint16_t type;			/* 256, 257 or 258 */
	const uint8_t *msg;
	size_t len;
	struct short_channel_id scid;	/* 256, 258 */
	uint64_t amount_sat;		/* 256 */
	struct bitcoin_txid funding_txid;	/* 256 */
	uint32_t spent_height;		/* 256; 0: unspent */
};

/* Calls fn for every row in the order stored (an announcement before its
 * channel's updates).  fn returns false to stop (then so does this).  */
bool gossip_store_load(struct db *db, bool (*fn)(void *arg, const struct gossip_store_row *row),
		       void *arg);

#endif /* OHM_DAEMON_GOSSIP_STORE_H */
