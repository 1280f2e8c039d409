/* The network graph a node learns from BOLT #7 gossip: nodes by node id,
 * channels by short_channel_id, each direction's latest channel_update.
 * Pure and in memory: data in, data out.
 *
 * Every message is kept by reference: a graph_ref is an offset into the
 * caller's store of raw messages (the daemon's append-only gossip store),
 * so what we relay is exactly what was signed, and the graph holds only
 * what routing and the checks need.  The layout is compact on purpose
 * (BOLT #7's network is ~15,000 nodes and ~50,000 channels today; the
 * goal is under 100 bytes per channel direction beyond the raw messages):
 * fixed-size records in blocks of GRAPH_BLOCK, open-addressing indexes of
 * 32-bit slot numbers, no per-record allocation.  graph_memory() says
 * what it holds.
 *
 * How the daemon uses it, per received message (see the checks in
 * channel_announcement.h, channel_update.h, node_announcement.h):
 *   channel_announcement: graph_channel_known() first (duplicates cost no
 *     signature check), then the checks, then graph_add_channel();
 *   channel_update: graph_channel_update_facts(), the check, then
 *     graph_set_update();
 *   node_announcement: graph_node_facts(), the check, then
 *     graph_set_node_announcement();
 *   each block: graph_mark_spent() for spent funding outputs; then
 *     graph_prune() now and then, dropping from the store what it removed.
 * The queries: graph_channels_in_range() for reply_channel_range and
 * graph_reply_scids() for query_short_channel_ids.
 */
#ifndef OHM_GOSSIP_GRAPH_H
#define OHM_GOSSIP_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/types.h"
#include "gossip/channel_update.h"
#include "gossip/node_announcement.h"
#include "wire/short_channel_id.h"

/* Where a raw message is in the caller's store. */
typedef uint64_t graph_ref;
#define GRAPH_NO_REF UINT64_MAX

/* BOLT #7 "Pruning the Network View": "if the funding output of a channel
 * is spent and received 72 block confirmations: SHOULD be removed". */
#define GRAPH_SPENT_PRUNE_DEPTH 72

/* Spam: BOLT #7 leaves it to each node.  As Core Lightning does, each
 * channel direction (and each node's announcement) earns one relay token
 * per GOSSIP_TOKEN_SECONDS of its own timestamps, up to GOSSIP_TOKENS_MAX;
 * an update without a token is still taken (routing wants the latest)
 * but not relayed. */
#define GOSSIP_TOKEN_SECONDS 3600
#define GOSSIP_TOKENS_MAX 4

struct graph;

/* An empty graph.  Never NULL (aborts on exhaustion). */
struct graph *graph_new(void);
void graph_free(struct graph *g);

/* ---- Channels ---- */

/* Whether scid is in the graph, and if so (node_ids not NULL) whether it
 * is between the same two nodes: BOLT #7 "if it has previously received a
 * valid `channel_announcement`, for the same transaction, in the same
 * block, but for a different `node_id_1` or `node_id_2`" is a conflict. */
enum graph_known {
	GRAPH_UNKNOWN,		/* a new channel */
	GRAPH_SAME,		/* a duplicate: ignore it */
	GRAPH_CONFLICT,		/* the same scid, other nodes */
};
enum graph_known graph_channel_known(const struct graph *g, struct short_channel_id scid,
				     const uint8_t node_id_1[PUBKEY_CMPR_LEN],
				     const uint8_t node_id_2[PUBKEY_CMPR_LEN]);

/* Adds a channel that passed every check (and its nodes, if new).
 * is_routable false: unknown even features (not for routing).  now: when
 * it was accepted, the age of a direction with no update yet.
 * Precondition: graph_channel_known() said GRAPH_UNKNOWN. */
void graph_add_channel(struct graph *g, struct short_channel_id scid,
		       const uint8_t node_id_1[PUBKEY_CMPR_LEN],
		       const uint8_t node_id_2[PUBKEY_CMPR_LEN],
		       uint64_t capacity_sat, bool is_routable, graph_ref announcement,
		       uint32_t now);

/* What channel_update_check_gossip() needs to know of scid's channel
 * (is_known false if it is not in the graph). */
void graph_channel_update_facts(const struct graph *g, struct short_channel_id scid,
				struct channel_update_facts *out);

/* Whether an update that passed channel_update_check_gossip() comes too
 * fast to relay (no token left: see GOSSIP_TOKEN_SECONDS).  Ask before
 * graph_set_update(), which spends the token. */
bool graph_update_is_spam(const struct graph *g, const struct channel_update_info *info);

/* Takes an update that passed channel_update_check_gossip().  Returns
 * false if its channel is not in the graph. */
bool graph_set_update(struct graph *g, const struct channel_update_info *info, graph_ref update);

/* The funding output of scid was spent in the block at height (BOLT #7:
 * its updates are ignored now, unless they disable it; it is pruned
 * GRAPH_SPENT_PRUNE_DEPTH blocks later, so a splice can carry it over).
 * Returns false if scid is not in the graph. */
bool graph_mark_spent(struct graph *g, struct short_channel_id scid, uint32_t height);

/* Undoes graph_mark_spent() (the spending block left the chain).
 * Returns false if scid is not in the graph. */
bool graph_unmark_spent(struct graph *g, struct short_channel_id scid);

/* Forgets a channel now (and its nodes if they have no channel left).
 * Returns false if scid is not in the graph. */
bool graph_remove_channel(struct graph *g, struct short_channel_id scid);

/* Removes the channels BOLT #7 says to prune at UNIX time now and block
 * height: spent GRAPH_SPENT_PRUNE_DEPTH blocks ago, or whose latest
 * channel_update in either direction (the time it was added, for a
 * direction without one) is older than two weeks ("Recommendation on
 * Pruning Stale Entries"); then the nodes left without channels.
 * Returns the number removed, and (if removed is not NULL) their
 * short_channel_ids in *removed (malloc'd), so the caller can drop their
 * messages from its store. */
size_t graph_prune(struct graph *g, uint32_t now, uint32_t height,
		   struct short_channel_id **removed);

/* A channel direction as routing sees it. */
struct graph_direction {
	bool has_update;
	bool is_routable;	/* channel and update both fit for routing */
	bool is_disabled;
	uint32_t timestamp;
	uint32_t checksum;
	uint8_t message_flags, channel_flags;
	uint16_t cltv_expiry_delta;
	uint32_t fee_base_msat, fee_proportional_millionths;
	uint64_t htlc_minimum_msat, htlc_maximum_msat;
	graph_ref update;
};

struct graph_channel {
	struct short_channel_id scid;
	uint8_t node_id[2][PUBKEY_CMPR_LEN];
	uint64_t capacity_sat;
	bool is_routable;
	bool is_spent;
	uint32_t spent_height;
	graph_ref announcement;
	struct graph_direction dir[2];
};

/* Fills *out with scid's channel.  Returns false if it is not there. */
bool graph_get_channel(const struct graph *g, struct short_channel_id scid,
		       struct graph_channel *out);

/* ---- Nodes ---- */

/* What node_announcement_check() needs to know of node id. */
void graph_node_facts(const struct graph *g, const uint8_t id[PUBKEY_CMPR_LEN],
		      struct node_announcement_facts *out);

/* Whether a node_announcement with this timestamp comes too fast to
 * relay (as graph_update_is_spam()).  Ask before
 * graph_set_node_announcement(), which spends the token. */
bool graph_node_announcement_is_spam(const struct graph *g, const uint8_t id[PUBKEY_CMPR_LEN],
				     uint32_t timestamp);

/* Takes a node_announcement that passed node_announcement_check() (with
 * its is_forwardable: false keeps it out of query replies).  Returns
 * false if the node has no channel in the graph. */
bool graph_set_node_announcement(struct graph *g, const uint8_t id[PUBKEY_CMPR_LEN],
				 uint32_t timestamp, bool has_unknown_even_features,
				 bool is_forwardable, graph_ref announcement);

/* Forgets node id and every channel it has: BOLT #7 "SHOULD blacklist
 * ... AND forget any channels connected to them" when two
 * channel_announcements conflict (graph_channel_known() said
 * GRAPH_CONFLICT; the blacklist itself is the caller's).  Returns the
 * number of channels removed, and their ids in *removed (malloc'd) if
 * removed is not NULL. */
size_t graph_remove_node(struct graph *g, const uint8_t id[PUBKEY_CMPR_LEN],
			 struct short_channel_id **removed);

struct graph_node {
	uint8_t id[PUBKEY_CMPR_LEN];
	size_t num_channels;
	bool has_announcement;
	bool has_unknown_even_features;
	bool is_forwardable;
	uint32_t timestamp;
	graph_ref announcement;
};

/* Fills *out with node id.  Returns false if it is not there. */
bool graph_get_node(const struct graph *g, const uint8_t id[PUBKEY_CMPR_LEN],
		    struct graph_node *out);

/* Calls fn for each channel of node id (in no set order); stops early if
 * fn returns false.  Returns false if the node is not there. */
bool graph_node_channels(const struct graph *g, const uint8_t id[PUBKEY_CMPR_LEN],
			 bool (*fn)(void *arg, const struct graph_channel *chan),
			 void *arg);

/* Calls fn for every channel (then, for graph_foreach_node, every node),
 * in no set order, until fn returns false: for listchannels and
 * listnodes.  fn must not change the graph. */
void graph_foreach_channel(const struct graph *g,
			   bool (*fn)(void *arg, const struct graph_channel *chan), void *arg);
void graph_foreach_node(const struct graph *g,
			bool (*fn)(void *arg, const struct graph_node *node), void *arg);

/* ---- Walking by slot (for routing) ----
 * A pathfinder walks the graph many thousand edges per query: these read
 * the records in place, by slot number, with no copy of the graph.  Node
 * slots are below graph_node_slot_limit() (some of them free); a slot
 * stays put until its node is removed. */

#define GRAPH_NO_SLOT UINT32_MAX

/* Changes whenever a channel (and so maybe a node) is added or removed,
 * never otherwise: a search may keep its own index of who is linked to
 * whom (slots and lists) while it stays the same. */
uint64_t graph_shape(const struct graph *g);

uint32_t graph_node_slot_limit(const struct graph *g);
/* Node id's slot, or GRAPH_NO_SLOT. */
uint32_t graph_node_slot(const struct graph *g, const uint8_t id[PUBKEY_CMPR_LEN]);
/* The id of the node in slot (which is in use). */
const uint8_t *graph_node_slot_id(const struct graph *g, uint32_t slot);
/* Whether the node in slot may be routed through (no unknown even
 * feature in its node_announcement).  Apart from graph_hop_in, as a
 * search asks it once per node, not once per channel. */
bool graph_node_slot_is_routable(const struct graph *g, uint32_t slot);

/* A channel direction into a node: from the node in from_slot, with the
 * channel_update of that direction (direction 0: from is node_id_1). */
struct graph_hop_in {
	struct short_channel_id scid;
	uint32_t from_slot;
	int direction;
	/* Routable, has an update, not disabled, funding unspent (whether
	 * its sender is: graph_node_slot_is_routable()). */
	bool is_usable;
	uint64_t capacity_sat;
	uint16_t cltv_expiry_delta;
	uint32_t fee_base_msat, fee_proportional_millionths;
	uint64_t htlc_minimum_msat, htlc_maximum_msat;
};

/* Asks the CPU to fetch cursor's channel now (a search reads it next,
 * and a node's channels are a list: each fetch waits for the last). */
void graph_hop_prefetch(const struct graph *g, uint32_t cursor);

/* The first channel (a cursor) of the node in slot, or GRAPH_NO_SLOT. */
uint32_t graph_node_first_hop(const struct graph *g, uint32_t node_slot);
/* Fills *out with cursor's channel (a channel slot) into the node in
 * node_slot; returns the next cursor (GRAPH_NO_SLOT after the last). */
uint32_t graph_node_hop_in(const struct graph *g, uint32_t node_slot, uint32_t cursor,
			   struct graph_hop_in *out);

/* ---- Counts and size ---- */

size_t graph_num_channels(const struct graph *g);
size_t graph_num_nodes(const struct graph *g);

/* Bytes the graph has allocated (records, indexes, block tables). */
size_t graph_memory(const struct graph *g);

/* Calls fn for every message the graph refers to, so the caller can
 * compact its store. */
void graph_foreach_ref(const struct graph *g, void (*fn)(void *arg, graph_ref ref), void *arg);

/* ---- Queries ---- */

/* One channel for reply_channel_range. */
struct graph_range_entry {
	struct short_channel_id scid;
	uint32_t timestamp[2];	/* 0: no channel_update of that direction */
	uint32_t checksum[2];	/* 0: likewise */
};

/* The unspent channels whose block is in [first_blocknum, first_blocknum
 * + number_of_blocks), by increasing short_channel_id, in *out
 * (malloc'd; NULL if none).  Returns how many. */
size_t graph_channels_in_range(const struct graph *g, uint32_t first_blocknum,
			       uint32_t number_of_blocks, struct graph_range_entry **out);

/* What to send for a query_short_channel_ids asking for scids[0..num)
 * with query_flags (NULL: the message had none): for each known channel,
 * its channel_announcement, its channel_updates, then its nodes'
 * node_announcements, each node once per query (BOLT #7 "SHOULD avoid
 * sending duplicate `node_announcements`").  Returns how many refs, in
 * *out (malloc'd; NULL if none). */
size_t graph_reply_scids(const struct graph *g, const struct short_channel_id *scids,
			 const uint64_t *query_flags, size_t num, graph_ref **out);

#endif /* OHM_GOSSIP_GRAPH_H */
