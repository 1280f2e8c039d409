/* Routes for a payment: the hops an HTLC goes through, with what each hop
 * must receive and its CLTV, computed backwards from the destination
 * (BOLT #4 "Payment Routing" / BOLT #7 fee formula).  pay/pathfind.h
 * chooses the edges (the gossip graph, our channels, route hints); this
 * is the arithmetic along them.  Pure.
 */
#ifndef OHM_PAY_ROUTE_H
#define OHM_PAY_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/types.h"
#include "wire/short_channel_id.h"

/* At most this many hops (BOLT #4's 1300-byte onion fits ~20). */
#define ROUTE_MAX_HOPS 20

/* One hop, in Core Lightning's `route` form: the node reached, the
 * channel reaching it, the amount it must receive and the CLTV expiry of
 * the HTLC it gets. */
struct route_hop {
	uint8_t node_id[PUBKEY_CMPR_LEN];
	struct short_channel_id scid;
	uint64_t amount_msat;
	uint32_t delay;
};

/* A channel someone forwards over, and what they charge (a channel_update
 * or a route hint). */
struct route_edge {
	uint8_t from[PUBKEY_CMPR_LEN];
	uint8_t to[PUBKEY_CMPR_LEN];
	struct short_channel_id scid;
	uint32_t fee_base_msat;
	uint32_t fee_proportional_millionths;
	uint16_t cltv_expiry_delta;
};

/* BOLT #7:
 *     - fee_base_msat + ( amount_to_forward * fee_proportional_millionths / 1000000 )
 *
 * Returns: false on overflow. */
bool route_fee(uint64_t *fee_msat, const struct route_edge *edge, uint64_t amount_msat);

/* Fills out[0..num_edges] for a payment of amount_msat arriving at the
 * last hop with final_cltv: out[0] goes over first_scid (our channel, no
 * fee) to first_node, then along edges[0..num_edges), each edge forwarded
 * by the node before it.  Returns: false if a sum overflows or the route
 * is longer than ROUTE_MAX_HOPS. */
bool route_along(struct route_hop *out, const uint8_t first_node[PUBKEY_CMPR_LEN],
		 const struct short_channel_id *first_scid, const struct route_edge *edges,
		 size_t num_edges, uint64_t amount_msat, uint32_t final_cltv);

/* What the route costs the payer: out[0].amount_msat - amount_msat. */
uint64_t route_fees(const struct route_hop *route, size_t num_hops);

#endif /* OHM_PAY_ROUTE_H */
