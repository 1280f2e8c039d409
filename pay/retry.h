/* `pay`'s route choice and retry policy: which route to try next, what a
 * failed attempt teaches, and when to give up.
 *
 * The candidates are the route straight to the destination over one of
 * our channels, and one per route hint of the invoice (our channel to
 * the hint's first node, then the hint's edges).  The cheapest usable
 * candidate within the fee and delay limits is tried.  A failure that
 * came with a channel_update for a hint's channel updates that hint's
 * fees and CLTV delta (once per hint: a node that keeps sending one is
 * not believed twice) and the same candidates are tried again; any other
 * failure excludes the channel after the erring node (for hop 0, our own
 * first channel); a refusal by the destination ends the payment, as no
 * other route helps.  Every step learns something, so `pay` never sends
 * the same route twice for the same reason, and ends.
 *
 * The caller does the I/O: it tells which of our channels reaches each
 * candidate's entry node (struct pay_first_hop), sends the route chosen,
 * reads and decodes the failure (pay/onion_error.h) and passes it in.
 *
 * Over the graph (pay_retry_route()), the candidates are every route
 * pay/pathfind.h finds: our channels with their balances, the public
 * channels, and the hints' edges; a failure's channel_update the graph
 * took lets the same channel be tried again once, a node failure
 * excludes the node, and the scorer (the caller's) learns from each
 * attempt (pathfind_learn()).
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
/* A block may arrive while the HTLC travels. */
#define PAY_RETRY_FINAL_CLTV_MARGIN 1

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
};

/* Our channel to a candidate's entry node, as the caller found it. */
struct pay_first_hop {
	bool is_found;			/* a usable channel with a short_channel_id */
	struct short_channel_id scid;
	uint64_t sendable_msat;		/* what it can send now */
};

/* A payment's retry state. */
struct pay_retry {
	struct pay_target target;	/* hints point at the copies below */
	struct route_edge *edges;
	size_t *hint_lens;
	bool *hint_updated;		/* a hint's fees replaced once */
	struct short_channel_id *excluded;
	size_t num_excluded, max_excluded;
	/* The caller's exclusions and the nodes failures excluded, as the
	 * pathfinder takes them. */
	struct pathfind_exclude *excludes;
	size_t num_excludes, max_excludes;
	/* Channels whose channel_update (from a failure) the graph took. */
	struct short_channel_id *updated;
	size_t num_updated;
	/* The route of the attempt in flight (pay_retry_next()'s). */
	struct route_hop route[ROUTE_MAX_HOPS];
	size_t num_hops;
};

enum pay_retry_verdict {
	PAY_RETRY_SEND,			/* send r->route[0..r->num_hops) */
	PAY_RETRY_OUT_OF_TIME,		/* the deadline passed */
	PAY_RETRY_NO_ROUTE,		/* no usable candidate with enough to send */
	PAY_RETRY_TOO_EXPENSIVE,	/* candidates, but over the fee or delay limit */
	PAY_RETRY_DESTINATION_REFUSED,	/* the destination failed it: stop */
};

/* Starts the retry state of a payment to target (copied). */
void pay_retry_init(struct pay_retry *r, const struct pay_target *target);

/* Frees what r owns. */
void pay_retry_clear(struct pay_retry *r);

/* How many candidates there are: the destination, then each hint. */
size_t pay_retry_num_candidates(const struct pay_retry *r);

/* The node our first channel must reach for candidate i: the
 * destination for 0, hint i - 1's first node otherwise. */
const uint8_t *pay_retry_entry(const struct pay_retry *r, size_t i);

/* The next attempt at time now and block height: first_hops[i] is our
 * channel to pay_retry_entry(r, i), for every candidate.
 * Returns: PAY_RETRY_SEND with r->route filled, or why not
 *          (PAY_RETRY_OUT_OF_TIME, _NO_ROUTE or _TOO_EXPENSIVE). */
enum pay_retry_verdict pay_retry_next(struct pay_retry *r, const struct pay_first_hop *first_hops,
				      uint64_t now, uint32_t height);

/* The attempt on r->route could not be sent over its first channel
 * (it cannot take the HTLC now): excludes that channel. */
void pay_retry_unsendable(struct pay_retry *r);

/* The attempt on r->route failed at hop erring_index (-1 if the failure
 * could not be read; r->num_hops for the destination) with failure (the
 * decoded failure message, or NULL).  Records what it teaches.
 * Returns: PAY_RETRY_DESTINATION_REFUSED if the destination refused, or
 *          PAY_RETRY_SEND if another try may help (call
 *          pay_retry_next()). */
enum pay_retry_verdict pay_retry_failed(struct pay_retry *r, int64_t erring_index,
					const struct onion_failure *failure);

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

/* As pay_retry_failed(), for routes of pay_retry_route(): graph_took is
 * whether the failure's channel_update was new to the graph (then that
 * channel is tried again, once per payment); a node failure excludes
 * the erring node. */
enum pay_retry_verdict pay_retry_failed_graph(struct pay_retry *r, int64_t erring_index,
					      const struct onion_failure *failure,
					      bool graph_took);

/* Whether scid is excluded from the routes r will choose. */
bool pay_retry_is_excluded(const struct pay_retry *r, const struct short_channel_id *scid);

#endif /* OHM_PAY_RETRY_H */
