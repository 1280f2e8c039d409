/* Route amounts and CLTVs, backwards from the destination. */
#include "pay/route.h"

#include <string.h>

bool route_fee(uint64_t *fee_msat, const struct route_edge *edge, uint64_t amount_msat)
{
	/* 128-bit product: amounts near 2^64 must not wrap. */
	unsigned __int128 fee = (unsigned __int128)amount_msat * edge->fee_proportional_millionths
		/ 1000000 + edge->fee_base_msat;

	if (fee > UINT64_MAX)
		return false;
	*fee_msat = (uint64_t)fee;
	return true;
}

bool route_along(struct route_hop *out, const uint8_t first_node[PUBKEY_CMPR_LEN],
		 const struct short_channel_id *first_scid, const struct route_edge *edges,
		 size_t num_edges, uint64_t amount_msat, uint32_t final_cltv)
{
	size_t n = num_edges + 1;

	if (n > ROUTE_MAX_HOPS)
		return false;
	out[n - 1].amount_msat = amount_msat;
	out[n - 1].delay = final_cltv;
	/* Hop i + 1 is reached over edges[i], which hop i forwards. */
	for (size_t i = n - 1; i > 0; i--) {
		const struct route_edge *edge = &edges[i - 1];
		uint64_t fee;
		memcpy(out[i].node_id, edge->to, PUBKEY_CMPR_LEN);
		out[i].scid = edge->scid;
		if (!route_fee(&fee, edge, out[i].amount_msat)
		    || out[i].amount_msat + fee < fee
		    || out[i].delay + edge->cltv_expiry_delta < out[i].delay)
			return false;
		out[i - 1].amount_msat = out[i].amount_msat + fee;
		out[i - 1].delay = out[i].delay + edge->cltv_expiry_delta;
	}
	memcpy(out[0].node_id, first_node, PUBKEY_CMPR_LEN);
	out[0].scid = *first_scid;
	return true;
}

uint64_t route_fees(const struct route_hop *route, size_t num_hops)
{
	return route[0].amount_msat - route[num_hops - 1].amount_msat;
}
