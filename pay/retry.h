/* `pay`'s route choice and retry policy: which route to try next, what a
 * failed attempt teaches, and when to give up.
 *
 * The routes are the ones pay/pathfind.h finds (pay_retry_route()): over
 * our channels with their balances, the public channels of gossip's
 * graph, and the invoice's route hints as extra edges, weighed by the
 * caller's scorer.  The cheapest within the fee and delay limits is
 * tried.  After a failure (pay_retry_failed_graph()):
 *   - a refusal by the destination ends the payment, as no other route
 *     helps;
 *   - a channel_update the graph took (the caller offers it to gossip
 *     first) lets the same channel be tried again, once per channel;
 *   - one for a hint's channel updates that hint's fees and CLTV delta,
 *     once per hint (a node that keeps sending one is not believed
 *     twice);
 *   - otherwise the channel after the erring node is excluded (for hop
 *     0 or an unreadable failure, our own first channel), and for a node
 *     failure the erring node too; an attempt our first channel could
 *     not take excludes that channel (pay_retry_unsendable()).
 * Every step learns something, so `pay` never sends the same route twice
 * for the same reason, and ends.
 *
 * The caller does the I/O: it sends the route chosen, reads and decodes
 * the failure (pay/onion_error.h), offers its channel_update to the graph
 * and passes in the result; the scorer learns from each attempt through
 * pathfind_learn().
 *
 * Pure: no I/O, no globals, no clock (now is a parameter).  Memory:
 * pay_retry_init() copies what it is given; pay_retry_clear() frees it.
 * Out of memory aborts (common/alloc.h): an exclusion is never dropped.
 */
#ifndef OHM_PAY_RETRY_H
#define OHM_PAY_RETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pay/onion_error.h"
#include "pay/pathfind.h"
#include "pay/route.h"

/* Core Lightning's exemptfee: fees below this never count as too much. */
#define PAY_RETRY_EXEMPT_FEE_MSAT 5000
/* Blocks added to the final CLTV the payee asks for: a block may arrive
 * while the HTLC travels, and a payee whose fulfillment deadline is
 * close to its min_final_cltv_expiry (Core Lightning's 17 of 18) gets
 * time to commit its fulfillment (LND pads by 3 too). */
#define PAY_RETRY_FINAL_CLTV_MARGIN 3

/* What is paid, within which limits, and the invoice's route hints. */
struct pay_target {
	uint8_t destination[PUBKEY_CMPR_LEN];
	uint64_t amount_msat;
	uint64_t maxfee_msat;
	uint32_t maxdelay;
	uint32_t min_final_cltv_expiry;
	uint64_t deadline;		/* give up after this time (seconds) */
	/* Edges ending at the destination; hint h has hint_lens[h] of
	 * them, consecutive. */
	const struct route_edge *hint_edges;
	const size_t *hint_lens;
	size_t num_hints;
	/* pay's exclude and maxhops (0: ROUTE_MAX_HOPS). */
	const struct pathfind_exclude *excludes;
	size_t num_excludes;
	size_t maxhops;
	bool maxfee_is_fixed;	/* no PAY_RETRY_EXEMPT_FEE_MSAT (pay's maxfee) */
	/* The invoice offers basic_mpp (BOLT #4): parts (pay_retry_parts),
	 * and a part short of balance at a channel limits what later parts
	 * send over it instead of excluding it. */
	bool allow_mpp;
};

/* A payment's retry state. */
struct pay_retry {
	struct pay_target target;	/* hints point at the copies below */
	struct route_edge *edges;
	size_t *hint_lens;
	bool *hint_updated;		/* a hint's fees replaced once */
	struct short_channel_id *excluded;	/* channels, both directions */
	size_t num_excluded, max_excluded;
	/* The caller's exclusions and the nodes failures excluded, as the
	 * pathfinder takes them. */
	struct pathfind_exclude *excludes;
	size_t num_excludes, max_excludes;
	/* Channels whose channel_update (from a failure) the graph took. */
	struct short_channel_id *updated;
	size_t num_updated;
	/* What failed parts taught of channels' balances (allow_mpp). */
	struct pathfind_cap *limits;
	size_t num_limits;
	/* The route of the attempt in flight (pay_retry_route()'s), or of
	 * the part whose failure is being recorded (pay_retry_set_route()). */
	struct route_hop route[ROUTE_MAX_HOPS];
	size_t num_hops;
};

enum pay_retry_verdict {
	PAY_RETRY_SEND,			/* send r->route[0..r->num_hops) */
	PAY_RETRY_OUT_OF_TIME,		/* the deadline passed */
	PAY_RETRY_NO_ROUTE,		/* no usable route with enough to send */
	PAY_RETRY_TOO_EXPENSIVE,	/* routes, but over the fee or delay limit */
	PAY_RETRY_DESTINATION_REFUSED,	/* the destination failed it: stop */
};

/* Starts the retry state of a payment to target (copied). */
void pay_retry_init(struct pay_retry *r, const struct pay_target *target);

/* Frees what r owns. */
void pay_retry_clear(struct pay_retry *r);

/* The attempt on r->route could not be sent over its first channel
 * (it cannot take the HTLC now): excludes that channel. */
void pay_retry_unsendable(struct pay_retry *r);

/* The next attempt over the graph g (NULL: none), from source, with our
 * channels locals[0..num_locals), the hints as extra edges and the
 * scorer (NULL: fees and risk only) at time now and block height.
 * Returns: PAY_RETRY_SEND with r->route filled (delays absolute), or why
 * not (PAY_RETRY_OUT_OF_TIME, _NO_ROUTE, or _TOO_EXPENSIVE if a route
 * exists beyond maxfee or maxdelay). */
enum pay_retry_verdict pay_retry_route(struct pay_retry *r, struct pathfinder *pf,
				       const struct graph *g,
				       const uint8_t source[PUBKEY_CMPR_LEN],
				       const struct pathfind_local *locals, size_t num_locals,
				       const struct scorer *scorer, uint64_t now, uint32_t height);

/* The parts to send next, for amount_msat of the payment (what parts in
 * flight or complete do not carry) with fee_used_msat already spent by
 * those parts, and in_flight[0..num_in_flight) the room they take
 * (pay_split_reserve(), skipping our own channels, whose balances
 * locals already show): one route for the whole amount if there is one,
 * else, with target.allow_mpp, at most max_parts parts (pay/split.h),
 * all within what r learned.  Returns: PAY_RETRY_SEND with
 * parts[0..*num_parts) (delays absolute), or why not as
 * pay_retry_route(). */
struct pay_split_part;
enum pay_retry_verdict pay_retry_parts(struct pay_retry *r, struct pathfinder *pf,
				       const struct graph *g,
				       const uint8_t source[PUBKEY_CMPR_LEN],
				       const struct pathfind_local *locals, size_t num_locals,
				       const struct scorer *scorer, uint64_t now, uint32_t height,
				       uint64_t amount_msat, uint64_t fee_used_msat,
				       const struct pathfind_cap *in_flight, size_t num_in_flight,
				       struct pay_split_part *parts, size_t max_parts,
				       size_t *num_parts);

/* Makes route the one pay_retry_unsendable() and pay_retry_failed_graph()
 * speak of (a part's, with several in flight). */
void pay_retry_set_route(struct pay_retry *r, const struct route_hop *route, size_t num_hops);

/* The attempt on r->route failed at hop erring_index (-1 if the failure
 * could not be read; r->num_hops for the destination) with failure (the
 * decoded failure message, or NULL); graph_took is whether the failure's
 * channel_update was new to the graph.  Records what it teaches (see the
 * top of this file).
 * Returns: PAY_RETRY_DESTINATION_REFUSED if the destination refused, or
 *          PAY_RETRY_SEND if another try may help (call
 *          pay_retry_route()). */
enum pay_retry_verdict pay_retry_failed_graph(struct pay_retry *r, int64_t erring_index,
					      const struct onion_failure *failure,
					      bool graph_took);

#endif /* OHM_PAY_RETRY_H */
