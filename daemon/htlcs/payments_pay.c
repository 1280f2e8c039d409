/* pay and keysend: one payment, tried over the cheapest usable route
 * (straight to the destination over one of our channels, or through one
 * of the invoice's route hints), each try one part sent as sendpay sends
 * it (payments.c).  A failed part updates the hint its channel_update
 * names, or else excludes the channel after the erring node, and the
 * next route is tried, until one completes, the destination refuses, no
 * route is left or retry_for_secs runs out (see payments.h).  The choice
 * and the policy are pay/retry.h's; this file does the I/O around them. */
#include "daemon/htlcs/payments_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "channel/state.h"
#include "common/alloc.h"
#include "crypto/util.h"
#include "daemon/chain/chain.h"
#include "daemon/channels/channels.h"
#include "daemon/log.h"
#include "daemon/htlcs/htlcs.h"
#include "daemon/htlcs/payments_store.h"
#include "db/db.h"
#include "pay/onion_error.h"
#include "pay/retry.h"
#include "wire/peer_wire.h"

/* A pay or keysend in progress. */
struct pay {
	struct payments *owner;
	payment_done_fn done;		/* how the pay ends */
	void *arg;
	struct pay_params p;		/* strings, destination, hints copied */
	struct pay_retry retry;		/* the routes: what to try next */
	struct pay_first_hop *first_hops;	/* one per candidate */
	uint64_t partid;		/* of the attempt in flight */
	int last_code;
	char last_error[400];
	/* The attempt's failure, decoded in the step that stored it. */
	int64_t failed_erring;		/* -1: unreadable */
	uint16_t failed_code;
	uint8_t *failed_update;		/* its channel_update, or NULL */
	size_t failed_update_len;
	struct pay *next;
};

static struct log *pmlog(const struct payments *payments)
{
	return payments->htlcs->log;
}

static void pay_free(struct payments *payments, struct pay *pay)
{
	for (struct pay **p = &payments->pays; *p; p = &(*p)->next) {
		if (*p == pay) {
			*p = pay->next;
			break;
		}
	}
	free((char *)pay->p.bolt11);
	free((char *)pay->p.label);
	pay_retry_clear(&pay->retry);
	free(pay->first_hops);
	free(pay->failed_update);
	crypto_wipe(pay->p.keysend_preimage, sizeof(pay->p.keysend_preimage));
	free(pay);
}

void payments_pays_free(struct payments *payments)
{
	while (payments->pays) {
		payments->pays->done(payments->pays->arg, NULL, PAYMENT_ERR_STOPPING,
			       "ohmd is shutting down; the payment is stored and settles "
			       "when it starts again (see listpays)");
		pay_free(payments, payments->pays);
	}
}

/* ---- Route choice ---- */

/* The cheapest usable route (in pay->retry.route), or false with
 * pay->last_error saying why. */
static bool choose_route(struct payments *payments, struct pay *pay)
{
	enum pay_retry_verdict verdict;

	for (size_t c = 0; c < pay_retry_num_candidates(&pay->retry); c++) {
		struct chan *first = channels_usable_with(payments->htlcs->channels,
							      pay_retry_entry(&pay->retry, c));
		struct pay_first_hop *hop = &pay->first_hops[c];

		hop->is_found = first && chan_scid(first);
		if (!hop->is_found)
			continue;
		hop->scid = *chan_scid(first);
		hop->sendable_msat = channel_sendable_msat(chan_engine(first), CHANNEL_LOCAL);
	}
	verdict = pay_retry_next(&pay->retry, pay->first_hops, (uint64_t)time(NULL),
				 chain_height(payments->htlcs->chain));
	if (verdict == PAY_RETRY_SEND)
		return true;
	if (pay->last_code == 0 && verdict != PAY_RETRY_OUT_OF_TIME) {
		bool too_expensive = verdict == PAY_RETRY_TOO_EXPENSIVE;
		pay->last_code = too_expensive ? PAY_ROUTE_TOO_EXPENSIVE : PAY_ROUTE_NOT_FOUND;
		snprintf(pay->last_error, sizeof(pay->last_error), "%s",
			 too_expensive ? "Fee or delay exceeds the limits on every route"
			 : "Could not find a route: no usable channel to the destination or "
			   "to any of the invoice's route hints with enough to send");
	}
	return false;
}

/* ---- Attempts ---- */

/* A payments_with_part fn: ends the pay with its error and this failed
 * part (the error's data), if it failed. */
static void fail_with_part(void *arg, const struct payment_row *row)
{
	struct pay *pay = arg;

	if (strcmp(row->status, "failed") != 0)
		return;
	pay->done(pay->arg, row, pay->last_code ? pay->last_code : PAY_STOPPED_RETRYING,
		  pay->last_error);
	pay->done = NULL;
}

/* Answers pay with its last error; the data is the last attempt that
 * failed (erring_index, erring_channel, failcode...), if any. */
static void pay_fail(struct payments *payments, struct pay *pay)
{
	for (uint64_t part = pay->partid + 1; part-- > 0 && pay->done;)
		payments_with_part(payments, &pay->p.payment_hash, part, fail_with_part, pay);
	if (pay->done)
		pay->done(pay->arg, NULL, pay->last_code ? pay->last_code : PAY_STOPPED_RETRYING,
			  pay->last_error);
	pay_free(payments, pay);
}

static void pay_attempt(struct payments *payments, struct pay *pay)
{
	struct sendpay_params sp = {
		.payment_hash = pay->p.payment_hash,
		.label = pay->p.label,
		.bolt11 = pay->p.bolt11,
		.has_payment_secret = pay->p.has_payment_secret,
		.payment_secret = pay->p.payment_secret,
		.amount_msat = pay->p.amount_msat,
	};
	char err[400];
	int code;

	while (choose_route(payments, pay)) {
		sp.route = pay->retry.route;
		sp.num_hops = pay->retry.num_hops;
		sp.partid = pay->partid;
		code = payments_send_part(payments, &sp,
					  pay->p.has_keysend ? pay->p.keysend_preimage : NULL, err,
					  sizeof(err));
		if (code == 0)
			return;		/* pay_part_done goes on */
		pay->last_code = code;
		snprintf(pay->last_error, sizeof(pay->last_error), "%s", err);
		if (code != PAY_TRY_OTHER_ROUTE)
			break;
		pay_retry_unsendable(&pay->retry);
	}
	pay_fail(payments, pay);
}

struct pay_done {
	struct pay *pay;
	bool is_complete;
	payment_done_fn done;
	void *arg;
	int64_t erring_index;
	uint16_t failcode;
};

static void read_done(void *arg, const struct payment_row *row)
{
	struct pay_done *d = arg;

	d->is_complete = strcmp(row->status, "complete") == 0;
	d->erring_index = row->has_erring_index ? row->erring_index : -1;
	d->failcode = row->failcode;
	if (d->is_complete)
		d->done(d->arg, row, 0, NULL);
}

static void pay_part_done(struct payments *payments, struct pay *pay,
			  const struct channel_event *ev)
{
	struct pay_done d = {pay, false, pay->done, pay->arg, pay->failed_erring, pay->failed_code};
	enum pay_retry_verdict verdict;
	const char *name;

	if (ev->type == CHANNEL_EVENT_HTLC_FULFILLED)
		payments_with_part(payments, &pay->p.payment_hash, pay->partid, read_done, &d);
	if (d.is_complete) {
		pay_free(payments, pay);
		return;
	}
	name = onion_failure_name(d.failcode);
	pay->partid++;
	{
		/* The failure as decoded in the step that stored it. */
		struct onion_failure failure = {
			.code = pay->failed_code,
			.channel_update = pay->failed_update,
			.channel_update_len = pay->failed_update_len,
		};
		verdict = pay_retry_failed(&pay->retry, d.erring_index,
					   d.erring_index >= 0 ? &failure : NULL);
	}
	if (verdict == PAY_RETRY_DESTINATION_REFUSED) {
		pay->last_code = PAY_DESTINATION_PERM_FAIL;
		snprintf(pay->last_error, sizeof(pay->last_error),
			 "Destination refused the payment: %s", name ? name : "unknown failure");
		pay_fail(payments, pay);
		return;
	}
	pay->last_code = PAY_STOPPED_RETRYING;
	snprintf(pay->last_error, sizeof(pay->last_error),
		 "Ran out of routes to try; last failure at hop %lld: %s",
		 (long long)d.erring_index, name ? name : "unreadable");
	log_info(pmlog(payments), "pay", "payment attempt %llu failed (%s); retrying",
		 (unsigned long long)pay->partid - 1, name ? name : "unreadable");
	pay_attempt(payments, pay);
}

void payments_pays_part_done(struct payments *payments, const struct sha256 *payment_hash,
			     uint64_t partid, const struct channel_event *ev)
{
	for (struct pay *pay = payments->pays, *next; pay; pay = next) {
		next = pay->next;
		if (memcmp(pay->p.payment_hash.u8, payment_hash->u8, 32) == 0
		    && pay->partid == partid)
			pay_part_done(payments, pay, ev);
	}
}

void payments_pays_part_failed(struct payments *payments, const struct sha256 *payment_hash,
			       uint64_t partid, int64_t erring_index,
			       const struct onion_failure *failure)
{
	for (struct pay *pay = payments->pays; pay; pay = pay->next) {
		if (memcmp(pay->p.payment_hash.u8, payment_hash->u8, 32) != 0
		    || pay->partid != partid)
			continue;
		pay->failed_erring = erring_index;
		pay->failed_code = failure ? failure->code : 0;
		free(pay->failed_update);
		pay->failed_update = NULL;
		pay->failed_update_len = 0;
		if (failure && failure->channel_update_len) {
			pay->failed_update = oh_memdup(failure->channel_update,
						       failure->channel_update_len);
			pay->failed_update_len = failure->channel_update_len;
		}
	}
}

void payments_pay(struct payments *payments, const struct pay_params *p, payment_done_fn done,
		  void *arg)
{
	struct pay *pay = oh_calloc(1, sizeof(*pay));
	struct pay_target target;
	char status[16] = "";

	/* Already paid, or on its way? */
	for (uint64_t part = 0;
	     payments_with_part(payments, &p->payment_hash, part, payments_read_status, status); part++) {
		struct pay_done d = {NULL, false, done, arg, -1, 0};
		if (strcmp(status, "pending") == 0) {
			char err[80];
			snprintf(err, sizeof(err), "Payment already in progress (part %llu)",
				 (unsigned long long)part);
			done(arg, NULL, PAY_IN_PROGRESS, err);
			free(pay);
			return;
		}
		if (strcmp(status, "complete") == 0) {
			payments_with_part(payments, &p->payment_hash, part, read_done, &d);
			free(pay);
			return;
		}
		pay->partid = part + 1;
	}
	pay->owner = payments;
	pay->done = done;
	pay->arg = arg;
	pay->failed_erring = -1;
	pay->p = *p;
	target = (struct pay_target){
		.amount_msat = p->amount_msat,
		.maxfee_msat = p->maxfee_msat,
		.maxdelay = p->maxdelay,
		.min_final_cltv_expiry = p->min_final_cltv_expiry,
		.deadline = (uint64_t)time(NULL) + p->retry_for_secs,
		.hint_edges = p->hint_edges,
		.hint_lens = p->hint_lens,
		.num_hints = p->num_hints,
	};
	memcpy(target.destination, p->destination, PUBKEY_CMPR_LEN);
	pay->p.bolt11 = p->bolt11 ? oh_strdup(p->bolt11) : NULL;
	pay->p.label = p->label ? oh_strdup(p->label) : NULL;
	pay_retry_init(&pay->retry, &target);
	pay->first_hops = oh_calloc(pay_retry_num_candidates(&pay->retry),
				    sizeof(*pay->first_hops));
	/* The caller's are gone after this call: only the copies are ours. */
	pay->p.destination = pay->retry.target.destination;
	pay->p.hint_edges = pay->retry.target.hint_edges;
	pay->p.hint_lens = pay->retry.target.hint_lens;
	pay->next = payments->pays;
	payments->pays = pay;
	pay_attempt(payments, pay);
}
