/* Our payments: sendpay (an HTLC along a given route, with its onion),
 * waitsendpay, and pay / keysend, which find routes over our channels and
 * an invoice's route hints and retry over the next route when one fails.
 *
 * Each attempt is a row of the payments table written in the same
 * database transaction as the HTLC that carries it, holding the onion's
 * shared secrets; the HTLC's outcome is written in the transaction of the
 * channel step that reports it (payflow.c calls payments_resolved_db).
 */
#ifndef OHM_DAEMON_PAYMENTS_H
#define OHM_DAEMON_PAYMENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/types.h"
#include "pay/route.h"

struct channel_event;
struct htlcs;
struct payments;

/* How a payment command ends: with err NULL, row is its part (sendpay:
 * the part sent, once stored; waitsendpay: the settled part; pay: its
 * completed parts summed, num_parts of them, amount_sent_msat their
 * sum).  With err: code (a PAY_* code, or PAYMENT_ERR_*) and,
 * if a part failed, that part's row (Core Lightning's error data), else
 * row NULL.  The row is valid during the call. */
struct payment_row;
typedef void (*payment_done_fn)(void *arg, const struct payment_row *row, int code,
				const char *err);
#define PAYMENT_ERR_INTERNAL 1		/* it could not be done (err: why) */
#define PAYMENT_ERR_INVALID 2		/* the route given is not valid */
#define PAYMENT_ERR_STOPPING 3		/* ohmd is shutting down */

/* Core Lightning's error codes. */
#define PAY_IN_PROGRESS 200
#define PAY_RHASH_ALREADY_USED 201
#define PAY_UNPARSEABLE_ONION 202
#define PAY_DESTINATION_PERM_FAIL 203
#define PAY_TRY_OTHER_ROUTE 204
#define PAY_ROUTE_NOT_FOUND 205
#define PAY_ROUTE_TOO_EXPENSIVE 206
#define PAY_INVOICE_EXPIRED 207
#define PAY_NO_SUCH_PAYMENT 208
#define PAY_STATUS_UNEXPECTED 209
#define PAY_STOPPED_RETRYING 210

struct payments *payments_new(struct htlcs *htlcs);
/* Ends the waiting commands (PAYMENT_ERR_STOPPING), frees. */
void payments_free(struct payments *payments);

/* sendpay: route[0] must be one of our channels. */
struct sendpay_params {
	const struct route_hop *route;
	size_t num_hops;
	struct sha256 payment_hash;
	const char *label;
	const char *bolt11;
	bool has_payment_secret;
	struct secret payment_secret;
	uint64_t amount_msat;		/* what the destination gets in total */
	uint64_t partid;
	uint64_t groupid;		/* Core Lightning's: one per pay */
};
void payments_sendpay(struct payments *payments, const struct sendpay_params *params,
		      payment_done_fn done, void *arg);

/* waitsendpay: done once the part settles (PAY_IN_PROGRESS after
 * timeout_secs, if not 0). */
void payments_waitsendpay(struct payments *payments, const struct sha256 *payment_hash,
			  uint64_t partid, uint64_t timeout_secs, payment_done_fn done,
			  void *arg);

/* pay: a decoded-and-checked invoice's payment.  amount_msat is what the
 * payee gets; maxfee_msat caps the fees; retry_for_secs bounds retries. */
struct pay_params {
	const char *bolt11;		/* NULL for keysend */
	const uint8_t *destination;	/* PUBKEY_CMPR_LEN */
	struct sha256 payment_hash;
	bool has_payment_secret;
	struct secret payment_secret;
	bool has_keysend;
	uint8_t keysend_preimage[32];
	uint64_t amount_msat;
	uint64_t maxfee_msat;
	uint32_t maxdelay;
	uint32_t min_final_cltv_expiry;
	uint64_t retry_for_secs;
	/* The invoice's route hints, as edges ending at the destination. */
	const struct route_edge *hint_edges;
	const size_t *hint_lens;	/* hops per hint; edges are consecutive */
	size_t num_hints;
	const char *label;
	/* pay's exclude (channels and nodes) and maxhops (0: no limit). */
	const struct pathfind_exclude *excludes;
	size_t num_excludes;
	size_t maxhops;
	bool maxfee_is_fixed;		/* maxfee given: no exemption of small fees */
	bool allow_mpp;			/* the invoice offers basic_mpp: parts */
};
void payments_pay(struct payments *payments, const struct pay_params *params,
		  payment_done_fn done, void *arg);

/* getroute (Core Lightning's): the cheapest route to destination from
 * source (NULL: us; from us, over our channels' balances) for amount_msat
 * arriving with final_cltv, by fees and riskfactor only (the scorer is
 * pay's), within maxhops, avoiding excludes.  Delays are relative, as
 * Core Lightning's are.  Returns false if there is none. */
struct pathfind_exclude;
bool payments_getroute(struct payments *payments, const uint8_t *source,
		       const uint8_t destination[PUBKEY_CMPR_LEN], uint64_t amount_msat,
		       double riskfactor, uint32_t final_cltv,
		       const struct pathfind_exclude *excludes, size_t num_excludes,
		       size_t maxhops, struct route_hop *out, size_t *num_hops);

/* listsendpays, listpays: each part matching the filters (NULL: any), in
 * order. */
void payments_list(struct payments *payments, const char *bolt11,
		   const struct sha256 *payment_hash, const char *status,
		   void (*fn)(void *arg, const struct payment_row *row), void *arg);

/* From payflow.c: the HTLC of our part (its owner, from memory) was
 * resolved (ev).  _db runs in the step's transaction, decodes a failure
 * (once) and hands it to the pay waiting on the part; it names nobody in
 * part (id 0) if the part was settled already.  Returns: false on a
 * database error. */
struct switch_origin;
bool payments_resolved_db(struct payments *payments, struct switch_origin *part,
			  const struct channel_event *ev);
void payments_resolved(struct payments *payments, const struct switch_origin *part,
		       const struct channel_event *ev);

#endif /* OHM_DAEMON_PAYMENTS_H */
