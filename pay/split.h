/* Sending a multi-part payment (BOLT #4 "Basic Multi-Part Payments"):
 * how `pay` splits an amount that no single route can carry into parts,
 * each over its own route (disjoint or overlapping).
 *
 * The parts are found one at a time: the whole amount left is tried
 * first; if no route carries it, half of it, then a quarter..., down to
 * min_part_msat (Core Lightning's adaptive splitter halves the same way;
 * LDK's router also caps each path at what its channels can take).  Each
 * part found reserves what it carries on every channel direction of its
 * route (a pathfind_cap), so the next part sees only the room left and
 * goes elsewhere, or over the same channels if they have room.  The fee
 * budget is shared in proportion to the amounts: a part of a tenth of
 * the amount may spend a tenth of what is left of the budget.
 *
 * The result is all or nothing: either the whole amount is placed in at
 * most max_parts parts, or nothing is (the caller does not send half a
 * plan it cannot finish).  Same inputs, same parts: pathfind() is
 * deterministic and so is the order of tries.
 *
 * Pure: no I/O, no globals, no clock.  Out of memory aborts.
 */
#ifndef OHM_PAY_SPLIT_H
#define OHM_PAY_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "pay/pathfind.h"
#include "pay/route.h"

/* Core Lightning's MPP_ADAPTIVE_LOWER_LIMIT: parts are not split below
 * 100 sat (a smaller remainder is sent as it is). */
#define PAY_SPLIT_MIN_PART_MSAT 100000
/* At most this many parts in flight for one payment. */
#define PAY_SPLIT_MAX_PARTS 16

struct pay_split_part {
	struct route_hop route[ROUTE_MAX_HOPS];	/* delays relative, as pathfind's */
	size_t num_hops;
	uint64_t amount_msat;		/* what it delivers */
};

/* The reservations of route[0..num_hops) from source, amount route[i]
 * .amount_msat on hop i's direction, appended to *caps (*num_caps of
 * them, realloc'd; a direction already there gains the amount).  The
 * first skip hops are not reserved (a part in flight already uses its
 * first channel's live balance). */
void pay_split_reserve(struct pathfind_cap **caps, size_t *num_caps,
		       const uint8_t source[PUBKEY_CMPR_LEN], const struct route_hop *route,
		       size_t num_hops, size_t skip);

/* Splits q->amount_msat (with q->maxfee_msat for all parts' fees, and
 * q->caps as the room already taken) into parts over g, each at least
 * min_part_msat unless what is left is smaller, at most max_parts.
 * Returns: how many parts (in out[0..]), or 0 if the whole amount cannot
 * be placed. */
size_t pay_split(struct pathfinder *pf, const struct graph *g, const struct pathfind_query *q,
		 uint64_t min_part_msat, size_t max_parts, struct pay_split_part *out);

#endif /* OHM_PAY_SPLIT_H */
