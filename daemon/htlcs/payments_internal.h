/* What daemon/htlcs/payments.c (sendpay, outcomes, listing) and payments_pay.c
 * (pay and keysend) share: the module's state and the helpers that read
 * and send one payment part.  See payments.h. */
#ifndef OHM_DAEMON_PAYMENTS_INTERNAL_H
#define OHM_DAEMON_PAYMENTS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/htlcs/payments.h"

struct channel_event;
struct onion_failure;
struct pathfind_local;
struct graph;
struct pay;
struct payment_row;
struct secret;
struct sha256;
struct waiter;
struct wirebuf;

struct sendpay_answer;

struct payments {
	struct htlcs *htlcs;
	struct waiter *waiters;		/* waitsendpay requests (payments.c) */
	struct pay *pays;		/* pays in progress (payments_pay.c) */
	/* sendpay requests whose part waits for its commit (payments.c). */
	struct sendpay_answer *answers, **answers_tail;
	/* Routing (payments_route.c): the pathfinder's work arrays, and what
	 * attempts taught of channels' liquidity (in memory only). */
	struct pathfinder *pathfinder;
	struct scorer *scorer;
};

/* payments.c */

/* Runs fn on the part (payment_hash, partid); false if it is not there. */
bool payments_with_part(struct payments *payments, const struct sha256 *hash, uint64_t partid,
			void (*fn)(void *arg, const struct payment_row *row), void *arg);
/* A payments_with_part fn: the part's status into arg (char[16]). */
void payments_read_status(void *arg, const struct payment_row *row);
/* Sends one part.  Returns: 0, or an error code (PAY_TRY_OTHER_ROUTE,
 * PAYMENT_ERR_*) with err. */
int payments_send_part(struct payments *payments, const struct sendpay_params *p,
		       const uint8_t *keysend_preimage, char *err, size_t errlen);
/* Decodes a failed part's error with its shared secrets. */
bool payments_decode_failure(const struct channel_event *ev, const struct secret *secrets,
			     size_t num_hops, size_t *erring_index, struct onion_failure *failure,
			     struct wirebuf *buf);

/* payments_route.c */

/* Our usable channels with a short_channel_id and their balances, as the
 * pathfinder takes them; how many, in *out (malloc'd). */
size_t payments_locals(struct payments *payments, struct pathfind_local **out);
/* The graph pay routes over (NULL: no gossip). */
const struct graph *payments_graph(struct payments *payments);
/* What an attempt over route taught (the scorer learns; see
 * pathfind_learn()). */
void payments_learn(struct payments *payments, const struct route_hop *route, size_t num_hops,
		    bool succeeded, int64_t erring_index, uint16_t failcode);

/* payments_pay.c */

/* Answers every pay in progress (ohmd is stopping) and frees it. */
void payments_pays_free(struct payments *payments);
/* The part (payment_hash, partid) failed, in the step's transaction: what
 * its error onion said (failure NULL: unreadable; erring_index 0 is us),
 * kept by the pay waiting on it for payments_pays_part_done. */
void payments_pays_part_failed(struct payments *payments, const struct sha256 *payment_hash,
			       uint64_t partid, int64_t erring_index,
			       const struct onion_failure *failure);
/* The part (payment_hash, partid) settled: the pay waiting on it goes on. */
void payments_pays_part_done(struct payments *payments, const struct sha256 *payment_hash,
			     uint64_t partid, const struct channel_event *ev);

#endif /* OHM_DAEMON_PAYMENTS_INTERNAL_H */
