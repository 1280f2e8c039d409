/* The channels table: every query the channels make (daemon/channels*.c),
 * as typed functions.  Rows are read by column name.  Writes run inside
 * the caller's transaction (the channels' group commit, or the chain's
 * block); none opens its own.
 *
 * A row is the channel's engine snapshot (channel/state.h) and what the
 * daemon learns around it: where the funding transaction confirmed and
 * what spent it, the last transaction we broadcast for it (re-sent after
 * a restart until the funding output is spent), and the peer's latest
 * channel_update.  The snapshot is the engine's channel row, with its
 * HTLCs and our HTLC signatures in rows of their own (channel/state.h,
 * "Persistence as rows"), or in a database written before those the
 * whole channel (is_whole). */
#ifndef OHM_DAEMON_CHANNELS_STORE_H
#define OHM_DAEMON_CHANNELS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bitcoin/tx.h"
#include "channel/state.h"
#include "crypto/types.h"

struct db;

/* What the chain says about a channel's funding output. */
struct channels_store_chain {
	bool funding_confirmed;
	uint32_t funding_height, funding_txindex;
	bool is_spent;
	struct bitcoin_txid spend_txid;
	uint32_t spend_height;
};

/* One stored HTLC (blobs malloc'd; onion NULL if dropped). */
struct channels_store_htlc {
	uint64_t seq;
	uint8_t *record;
	size_t record_len;
	uint8_t *onion;			/* HTLC_ONION_LEN bytes */
};

/* One stored channel (blobs malloc'd; NULL if absent). */
struct channels_store_row {
	int64_t id;
	uint8_t peer_id[PUBKEY_CMPR_LEN];
	uint8_t *snapshot;
	size_t snapshot_len;
	/* snapshot is the whole channel (no rows below), written before
	 * HTLCs had rows of their own. */
	bool is_whole;
	struct channels_store_htlc *htlcs;	/* in seq order */
	size_t num_htlcs;
	/* Our latest commitment's HTLC signatures (sigs NULL if none). */
	uint64_t sigs_commit_num;
	uint8_t *sigs;
	size_t sigs_len;
	struct channels_store_chain chain;
	uint8_t *last_tx;
	size_t last_tx_len;
	uint8_t *remote_update;
	size_t remote_update_len;
	uint32_t opened_height;		/* 0: unknown */
	char close_cause[16];		/* "" if none yet (closed_store.h) */
};

/* Inserts the channel's row, or updates its channel_id, snapshot (the
 * engine's channel row) and funding outpoint (funding NULL: not known
 * yet); peer_id and opened_height are written only by the insert.
 * Returns: false on a database error. */
bool channels_store_save(struct db *db, int64_t id, const uint8_t peer_id[PUBKEY_CMPR_LEN],
			 const uint8_t channel_id[32], const uint8_t *snapshot,
			 size_t snapshot_len, const struct bitcoin_outpoint *funding,
			 uint32_t opened_height);

struct channel_htlc;

/* Notes an HTLC the channel carries (kept after it is gone: a revoked
 * commitment of the peer's may hold it).  Noting it again is a no-op.
 * Returns: false on a database error. */
bool channels_store_note_htlc(struct db *db, int64_t id, const struct channel_htlc *htlc);

/* Every HTLC noted for the channel, in *out (malloc'd, *num of them).
 * Returns: false on a database error (*out NULL). */
bool channels_store_htlcs_seen(struct db *db, int64_t id, struct channel_htlc **out,
			       size_t *num);

/* Writes a step's HTLC and signature rows (changes' row is the
 * caller's, for channels_store_save; the channel's row must exist).
 * Returns: false on a database error. */
bool channels_store_write_changes(struct db *db, int64_t id,
				  const struct channel_changes *changes);

/* Deletes the row (a forgotten channel), its HTLCs and signatures.  false: a database error. */
bool channels_store_delete(struct db *db, int64_t id);

/* The transaction (serialized) we broadcast for the channel. */
bool channels_store_set_last_tx(struct db *db, int64_t id, const uint8_t *tx, size_t tx_len);

/* Where the funding confirmed and what spent it. */
bool channels_store_set_chain(struct db *db, int64_t id, const struct channels_store_chain *chain);

/* The peer's channel_update, as received. */
bool channels_store_set_remote_update(struct db *db, int64_t id, const uint8_t *msg, size_t len);

/* Every row, by id.  Returns: false with err on a database error or a
 * damaged row (named by its id); *rows then NULL.  Free with
 * channels_store_rows_free. */
bool channels_store_load(struct db *db, struct channels_store_row **rows, size_t *num,
			 char *err, size_t errlen);
void channels_store_rows_free(struct channels_store_row *rows, size_t num);

/* The next channel's id, also its secrets' index: never reused, even for
 * deleted rows.  Returns: false on a database error. */
bool channels_store_next_index(struct db *db, int64_t *index);

/* The fee bump of our anchors commitment: the child we broadcast last. */
struct channels_store_bump {
	struct bitcoin_txid commitment_txid;
	struct bitcoin_txid child_txid;
	uint64_t child_fee_sat;
	uint32_t child_weight;		/* as estimated */
	uint32_t package_perkw;		/* the feerate it aimed at */
	uint32_t broadcast_height;	/* our tip when it was sent */
};

/* Stores (or replaces) the channel's bump.  false: a database error. */
bool channels_store_set_bump(struct db *db, int64_t id, const struct channels_store_bump *bump);

/* Deletes the channel's bump, if any.  false: a database error. */
bool channels_store_delete_bump(struct db *db, int64_t id);

/* Reads the channel's bump.  Returns: 1, 0 if none, -1 on a database
 * error. */
int channels_store_bump(struct db *db, int64_t id, struct channels_store_bump *bump);

#endif /* OHM_DAEMON_CHANNELS_STORE_H */
