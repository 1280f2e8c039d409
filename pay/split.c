/* Splitting a payment into parts (see split.h). */
#include "pay/split.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

void pay_split_reserve(struct pathfind_cap **caps, size_t *num_caps,
		       const uint8_t source[PUBKEY_CMPR_LEN], const struct route_hop *route,
		       size_t num_hops, size_t skip)
{
	for (size_t i = skip; i < num_hops; i++) {
		const uint8_t *from = i == 0 ? source : route[i - 1].node_id;
		int direction = pathfind_direction(from, route[i].node_id);
		size_t c;

		for (c = 0; c < *num_caps; c++)
			if ((*caps)[c].scid.u64 == route[i].scid.u64 && (*caps)[c].direction == direction)
				break;
		if (c == *num_caps) {
			*caps = oh_realloc(*caps, (*num_caps + 1) * sizeof(**caps));
			(*caps)[c] = (struct pathfind_cap){route[i].scid, direction, UINT64_MAX, 0};
			(*num_caps)++;
		}
		(*caps)[c].reserved_msat += route[i].amount_msat;
	}
}

/* budget * part / whole, rounded down, without overflow. */
static uint64_t share(uint64_t budget, uint64_t part, uint64_t whole)
{
	if (budget == UINT64_MAX)
		return UINT64_MAX;
	return (uint64_t)((unsigned __int128)budget * part / whole);
}

size_t pay_split(struct pathfinder *pf, const struct graph *g, const struct pathfind_query *q,
		 uint64_t min_part_msat, size_t max_parts, struct pay_split_part *out)
{
	struct pathfind_query pq = *q;
	struct pathfind_cap *caps = NULL;
	size_t num_caps = q->num_caps, num_parts = 0;
	uint64_t left = q->amount_msat, budget = q->maxfee_msat, attempt = left;

	if (num_caps) {
		caps = oh_malloc(num_caps * sizeof(*caps));
		memcpy(caps, q->caps, num_caps * sizeof(*caps));
	}
	while (left && num_parts < max_parts) {
		struct pay_split_part *part = &out[num_parts];

		pq.amount_msat = attempt;
		pq.maxfee_msat = share(budget, attempt, left);
		pq.caps = caps;
		pq.num_caps = num_caps;
		if (pathfind(pf, g, &pq, part->route, &part->num_hops)) {
			uint64_t fee = route_fees(part->route, part->num_hops);
			part->amount_msat = attempt;
			pay_split_reserve(&caps, &num_caps, q->source, part->route, part->num_hops, 0);
			if (budget != UINT64_MAX)
				budget -= fee < budget ? fee : budget;
			left -= attempt;
			attempt = left;
			num_parts++;
			continue;
		}
		/* Half, but not below the smallest part (nor leaving a
		 * remainder that is). */
		if (attempt / 2 < min_part_msat || left - attempt / 2 < min_part_msat)
			break;
		attempt /= 2;
	}
	free(caps);
	return left ? 0 : num_parts;
}
