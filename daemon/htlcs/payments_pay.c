/* pay and keysend: one payment, tried over the cheapest usable route
 * (pay/pathfind.h: over our channels' balances, the network graph and
 * the invoice's route hints, weighed by what earlier attempts taught the
 * scorer), each try one part sent as sendpay sends it (payments.c).  A
 * failed part's channel_update goes to the graph (after gossip's checks)
 * or updates the hint it names, else the channel after the erring node
 * (or a failing node) is excluded, and the next route is tried, until one completes, the destination refuses, no
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
#include "common/hex.h"
#include "crypto/util.h"
#include "daemon/chain/chain.h"
#include "daemon/channels/channels.h"
#include "daemon/gossip/gossip.h"
#include "daemon/log.h"
#include "daemon/htlcs/htlcs.h"
#include "daemon/htlcs/payments_store.h"
#include "db/db.h"
#include "pay/onion_error.h"
#include "pay/pathfind.h"
#include "pay/retry.h"
#include "wire/peer_wire.h"

/* A pay or keysend in progress. */
struct pay {
	struct payments *owner;
	payment_done_fn done;		/* how the pay ends */
	void *arg;
	struct pay_params p;		/* strings, destination, hints copied */
	struct pay_retry retry;		/* the routes: what to try next */
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

/* The cheapest usable route (in pay->retry.route): over our channels'
 * balances, the graph and the invoice's hints, weighed by the scorer; or
 * false with pay->last_error saying why. */
static bool choose_route(struct payments *payments, struct pay *pay)
{
	enum pay_retry_verdict verdict;
	struct pathfind_local *locals;
	size_t num_locals = payments_locals(payments, &locals);

	verdict = pay_retry_route(&pay->retry, payments->pathfinder, payments_graph(payments),
				  payments->htlcs->node_id, locals, num_locals, payments->scorer,
				  (uint64_t)time(NULL), chain_height(payments->htlcs->chain));
	free(locals);
	if (verdict == PAY_RETRY_SEND)
		return true;
	if (pay->last_code == 0 && verdict != PAY_RETRY_OUT_OF_TIME) {
		bool too_expensive = verdict == PAY_RETRY_TOO_EXPENSIVE;
		pay->last_code = too_expensive ? PAY_ROUTE_TOO_EXPENSIVE : PAY_ROUTE_NOT_FOUND;
		snprintf(pay->last_error, sizeof(pay->last_error), "%s",
			 too_expensive ? "Fee or delay exceeds the limits on every route"
			 : "Could not find a route: no usable path over our channels, the "
			   "network graph or the invoice's route hints with enough to send");
	}
	return false;
}

/* Says which channel_update from a failure the graph took (tests and
 * operators see why the next route differs). */
static void log_taken_update(struct payments *payments, const uint8_t *msg, size_t len)
{
	struct msg_channel_update *u;
	char scid[SHORT_CHANNEL_ID_STR_MAX];

	if (!fromwire_channel_update(msg, len, &u))
		return;
	short_channel_id_to_str(scid, &u->short_channel_id);
	log_info(pmlog(payments), "pay",
		 "channel_update in a failure taken: %s/%u fee %u msat + %u ppm, cltv delta %u",
		 scid, (unsigned)(u->channel_flags & 1), u->fee_base_msat,
		 u->fee_proportional_millionths, (unsigned)u->cltv_expiry_delta);
	msg_channel_update_free(u);
}

/* A failure's channel_update (BOLT #4 carries it with its type; older
 * nodes left the type out), offered to the graph after gossip's checks.
 * Returns: whether the graph took it. */
static bool apply_failure_update(struct payments *payments, const uint8_t *bytes, size_t len)
{
	uint8_t *msg;
	bool took;
	char err[200];

	if (!len || !payments->htlcs->gossip)
		return false;
	if (len >= 2 && bytes[0] == 0x01 && bytes[1] == 0x02) {
		msg = oh_memdup(bytes, len);
	} else {
		msg = oh_malloc(len + 2);
		msg[0] = 0x01;
		msg[1] = 0x02;
		memcpy(msg + 2, bytes, len);
		len += 2;
	}
	took = gossip_add_failure_update(payments->htlcs->gossip, msg, len, err, sizeof(err));
	if (!took)
		log_debug(pmlog(payments), "pay", "channel_update in a failure not taken: %s", err);
	else
		log_taken_update(payments, msg, len);
	free(msg);
	return took;
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

/* "Ran out of routes to try; last failure at hop N (node X, channel Y):
 * NAME" (the erring node and the channel out of it), into last_error. */
static void describe_failure(struct payments *payments, struct pay *pay, int64_t erring,
			     const char *name)
{
	const struct pay_retry *r = &pay->retry;
	char node[2 * PUBKEY_CMPR_LEN + 1] = "?", chan[SHORT_CHANNEL_ID_STR_MAX] = "none";

	if (erring >= 0 && (size_t)erring <= r->num_hops)
		hex_encode(node, erring == 0 ? payments->htlcs->node_id
			   : r->route[erring - 1].node_id, PUBKEY_CMPR_LEN);
	if (erring >= 0 && (size_t)erring < r->num_hops)
		short_channel_id_to_str(chan, &r->route[erring].scid);
	snprintf(pay->last_error, sizeof(pay->last_error),
		 "Ran out of routes to try; last failure at hop %lld (node %s, channel %s): %s",
		 (long long)erring, node, chan, name ? name : "unreadable");
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
		payments_learn(payments, pay->retry.route, pay->retry.num_hops, true, -1, 0);
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
		bool took = d.erring_index >= 0
			&& apply_failure_update(payments, pay->failed_update, pay->failed_update_len);
		payments_learn(payments, pay->retry.route, pay->retry.num_hops, false,
			       d.erring_index, pay->failed_code);
		describe_failure(payments, pay, d.erring_index, name);
		verdict = pay_retry_failed_graph(&pay->retry, d.erring_index,
						 d.erring_index >= 0 ? &failure : NULL, took);
	}
	if (verdict == PAY_RETRY_DESTINATION_REFUSED) {
		pay->last_code = PAY_DESTINATION_PERM_FAIL;
		snprintf(pay->last_error, sizeof(pay->last_error),
			 "Destination refused the payment: %s", name ? name : "unknown failure");
		pay_fail(payments, pay);
		return;
	}
	pay->last_code = PAY_STOPPED_RETRYING;
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
		.excludes = p->excludes,
		.num_excludes = p->num_excludes,
		.maxhops = p->maxhops,
		.maxfee_is_fixed = p->maxfee_is_fixed,
	};
	memcpy(target.destination, p->destination, PUBKEY_CMPR_LEN);
	pay->p.bolt11 = p->bolt11 ? oh_strdup(p->bolt11) : NULL;
	pay->p.label = p->label ? oh_strdup(p->label) : NULL;
	pay_retry_init(&pay->retry, &target);
	/* The caller's are gone after this call: only the copies are ours. */
	pay->p.destination = pay->retry.target.destination;
	pay->p.hint_edges = pay->retry.target.hint_edges;
	pay->p.hint_lens = pay->retry.target.hint_lens;
	pay->next = payments->pays;
	payments->pays = pay;
	pay_attempt(payments, pay);
}
