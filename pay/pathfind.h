/* Pathfinding: the route from a source to a destination for an amount,
 * over gossip/'s graph, extra edges (an invoice's route hints) and our
 * own channels with their live balances.
 *
 * Dijkstra backwards from the destination (as Core Lightning and LDK do):
 * each node's label is what it must receive (amount and CLTV) to deliver
 * the payment, so every hop's fee is computed on the amount it forwards,
 * as BOLT #7 says:
 *     fee_base_msat + ( amount_to_forward * fee_proportional_millionths / 1000000 )
 * and its CLTV is the next one's plus the hop's cltv_expiry_delta.  An
 * edge from u to v carries what v receives; it is taken only if that
 * amount is within its htlc_minimum_msat, htlc_maximum_msat and capacity,
 * it is enabled and usable (graph_hop_in.is_usable), not excluded, and
 * the route so far stays within maxfee, maxdelay and maxhops (checked as
 * labels grow, as Core Lightning's getroute does: a route over the limit
 * may hide one within it that costs more).
 *
 * The cost of an edge: the fee, plus Core Lightning's risk (amount *
 * cltv_expiry_delta * riskfactor / (100 * 52596): riskfactor is the
 * yearly cost of locked funds in percent), plus the scorer's penalty
 * (pay/scorer.h; none without a scorer, or for our own channels, whose
 * balance is known, or route hints, whose capacity is not).  Equal costs
 * prefer fewer hops, then the smaller short_channel_id, then the smaller
 * node id: the same inputs always give the same route.
 *
 * maxhops is at most ROUTE_MAX_HOPS.  fuzz: none (Core Lightning's
 * getroute fuzzes fees; ohm's routes are the same for the same inputs).
 *
 * Pure.  A pathfinder keeps its work arrays from one query to the next
 * (they grow to the graph's node slots once) and an index of who links
 * to whom in the graph (rebuilt only when graph_shape() changes: a
 * channel came or went), so a query allocates nothing in the steady
 * state and reads each node's channels from one contiguous array.
 */
#ifndef OHM_PAY_PATHFIND_H
#define OHM_PAY_PATHFIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/types.h"
#include "gossip/graph.h"
#include "pay/route.h"
#include "pay/scorer.h"
#include "wire/short_channel_id.h"

/* One of the source's own channels, as it is now. */
struct pathfind_local {
	struct short_channel_id scid;
	uint8_t peer[PUBKEY_CMPR_LEN];
	uint64_t spendable_msat;	/* what it can send now */
	uint64_t htlc_minimum_msat;	/* the peer's */
};

/* A channel direction (direction -1: both) or, is_node, a node to avoid. */
struct pathfind_exclude {
	bool is_node;
	struct short_channel_id scid;
	int direction;
	uint8_t node_id[PUBKEY_CMPR_LEN];
};

/* A channel direction's liquidity as one payment sees it (pay/split.h):
 * at most max_msat through it (UINT64_MAX: what the graph says), less
 * reserved_msat that the payment's other parts already use. */
struct pathfind_cap {
	struct short_channel_id scid;
	int direction;
	uint64_t max_msat;
	uint64_t reserved_msat;
};

struct pathfind_query {
	uint8_t source[PUBKEY_CMPR_LEN];
	uint8_t destination[PUBKEY_CMPR_LEN];
	uint64_t amount_msat;
	uint32_t final_cltv;		/* the last hop's delay */
	double riskfactor;
	uint64_t maxfee_msat;		/* UINT64_MAX: no limit */
	uint32_t maxdelay;		/* of the first hop; UINT32_MAX: none */
	size_t maxhops;			/* at most ROUTE_MAX_HOPS */
	const struct pathfind_exclude *excludes;
	size_t num_excludes;
	/* Extra edges (route hints), each forwarded by its from node. */
	const struct route_edge *extra;
	size_t num_extra;
	/* With use_locals, the source's channels are locals[0..num_locals)
	 * only (the graph's and the hints' view of them, without balances,
	 * is ignored). */
	bool use_locals;
	const struct pathfind_local *locals;
	size_t num_locals;
	const struct scorer *scorer;	/* NULL: fees and risk only */
	uint64_t now;			/* for the scorer */
	/* A payment's own view of some channels (few: scanned per edge). */
	const struct pathfind_cap *caps;
	size_t num_caps;
};

struct pathfinder;

struct pathfinder *pathfinder_new(void);
void pathfinder_free(struct pathfinder *pf);

/* The cheapest route for q over g (which may be NULL: extra edges and
 * locals only), in out[0..*num_hops): out[0] is the first hop from the
 * source.  Returns false if there is none within q's limits. */
bool pathfind(struct pathfinder *pf, const struct graph *g, const struct pathfind_query *q,
	      struct route_hop *out, size_t *num_hops);

/* What an attempt over route[0..num_hops) from source teaches s at time
 * now: succeeded, every channel moved its amount; else, erring_index as
 * pay_retry_failed_graph() takes it (-1: unreadable, nothing learned), every
 * channel before the erring node carried its amount, and the one after
 * it could not if failcode says so (temporary_channel_failure: BOLT #4's
 * "not enough balance" case).  Capacities come from g: a hop g does not
 * know (a private channel, a hint's) teaches nothing. */
void pathfind_learn(struct scorer *s, const struct graph *g,
		    const uint8_t source[PUBKEY_CMPR_LEN], const struct route_hop *route,
		    size_t num_hops, bool succeeded, int64_t erring_index, uint16_t failcode,
		    uint64_t now);

/* BOLT #7 direction of a channel from node a to node b: 0 if a is
 * node_id_1 (the lesser id). */
int pathfind_direction(const uint8_t a[PUBKEY_CMPR_LEN], const uint8_t b[PUBKEY_CMPR_LEN]);

#endif /* OHM_PAY_PATHFIND_H */
