/* pay and keysend: one payment, tried over the cheapest usable route
 * (pay/pathfind.h: over our channels' balances, the network graph and
 * the invoice's route hints, weighed by what earlier attempts taught the
 * scorer), each try one part sent as sendpay sends it (payments.c).  A
 * failed part's channel_update goes to the graph (after gossip's checks)
 * or updates the hint it names, else the channel after the erring node
 * (or a failing node) is excluded, and the next route is tried, until one completes, the destination refuses, no
 * route is left or retry_for_secs runs out (see payments.h).  The choice
 * and the policy are pay/retry.h's; this file does the I/O around them.
 *
 * Multi-part (BOLT #4 basic_mpp, when the invoice offers it): if no
 * single route carries what is left to send, it goes in parts
 * (pay/split.h), each a sendpay part with its own partid, all with the
 * pay's groupid, total_msat and the payment secret.  A failed part's
 * amount is sent again over new routes; a part the destination fails
 * (mpp_timeout included) ends the payment: nothing more is sent, and the
 * pay answers once every part in flight has settled. */
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
#include "pay/split.h"
#include "wire/peer_wire.h"

/* A part of a pay in flight. */
struct pay_part {
	uint64_t partid;
	struct route_hop route[ROUTE_MAX_HOPS];
	size_t num_hops;
	/* Its failure, decoded in the step that stored it. */
	int64_t failed_erring;		/* -1: unreadable */
	uint16_t failed_code;
	uint8_t *failed_update;		/* its channel_update, or NULL */
	size_t failed_update_len;
};

/* A pay or keysend in progress. */
struct pay {
	struct payments *owner;
	payment_done_fn done;		/* how the pay ends */
	void *arg;
	struct pay_params p;		/* strings, destination, hints copied */
	struct pay_retry retry;		/* the routes: what to try next */
	uint64_t next_partid;
	uint64_t groupid;
	struct pay_part *parts;		/* in flight */
	size_t num_parts;
	/* Parts complete: what they delivered and sent. */
	uint64_t done_msat, done_sent_msat;
	bool is_ending;			/* send nothing more */
	int last_code;
	char last_error[400];
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
	for (size_t i = 0; i < pay->num_parts; i++)
		free(pay->parts[i].failed_update);
	free(pay->parts);
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

/* Why nothing can be sent (verdict), into pay->last_error unless a
 * failure said more. */
static void no_route(struct pay *pay, enum pay_retry_verdict verdict)
{
	if (pay->last_code == 0 && verdict != PAY_RETRY_OUT_OF_TIME) {
		bool too_expensive = verdict == PAY_RETRY_TOO_EXPENSIVE;
		pay->last_code = too_expensive ? PAY_ROUTE_TOO_EXPENSIVE : PAY_ROUTE_NOT_FOUND;
		snprintf(pay->last_error, sizeof(pay->last_error), "%s",
			 too_expensive ? "Fee or delay exceeds the limits on every route"
			 : "Could not find a route: no usable path over our channels, the "
			   "network graph or the invoice's route hints with enough to send");
	}
}

/* What the parts in flight deliver and cost, and the room they take on
 * channels beyond our own (whose balances already show them). */
static uint64_t in_flight(const struct pay *pay, uint64_t *fees, struct pathfind_cap **caps,
			  size_t *num_caps)
{
	uint64_t delivered = 0;

	*fees = pay->done_sent_msat - pay->done_msat;
	*caps = NULL;
	*num_caps = 0;
	for (size_t i = 0; i < pay->num_parts; i++) {
		const struct pay_part *part = &pay->parts[i];
		delivered += part->route[part->num_hops - 1].amount_msat;
		*fees += route_fees(part->route, part->num_hops);
		pay_split_reserve(caps, num_caps, pay->owner->htlcs->node_id, part->route,
				  part->num_hops, 1);
	}
	return delivered;
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
	for (uint64_t part = pay->next_partid; part-- > 0 && pay->done;)
		payments_with_part(payments, &pay->p.payment_hash, part, fail_with_part, pay);
	if (pay->done)
		pay->done(pay->arg, NULL, pay->last_code ? pay->last_code : PAY_STOPPED_RETRYING,
			  pay->last_error);
	pay_free(payments, pay);
}

/* The parts complete of a payment's group, summed into one row (pay's
 * answer: Core Lightning's parts and amount_sent_msat). */
struct pay_sum {
	uint64_t groupid;
	bool found;
	struct payment_row row;
	char status[16];
};

static void sum_part(void *arg, const struct payment_row *row)
{
	struct pay_sum *sum = arg;

	if (strcmp(row->status, "complete") != 0 || row->groupid != sum->groupid)
		return;
	if (!sum->found) {
		sum->row = *row;
		sum->row.label = sum->row.bolt11 = sum->row.failreason = sum->row.route_json = NULL;
		sum->row.amount_sent_msat = 0;
		sum->row.num_parts = 0;
		sum->found = true;
	}
	sum->row.amount_sent_msat += row->amount_sent_msat;
	sum->row.num_parts++;
	if (row->created_at < sum->row.created_at)
		sum->row.created_at = row->created_at;
}

/* Answers done with the payment_hash's complete parts of groupid. */
static bool answer_complete(struct payments *payments, const struct sha256 *hash,
			    uint64_t groupid, payment_done_fn done, void *arg)
{
	struct pay_sum sum = {.groupid = groupid};

	payments_list(payments, NULL, hash, "complete", sum_part, &sum);
	if (!sum.found)
		return false;
	done(arg, &sum.row, 0, NULL);
	return true;
}

/* Sends part, or says why it could not go.  Returns: 0 (it is in
 * flight) or the error code (last_error says). */
static int send_part(struct payments *payments, struct pay *pay,
		     const struct pay_split_part *part)
{
	struct sendpay_params sp = {
		.payment_hash = pay->p.payment_hash,
		.label = pay->p.label,
		.bolt11 = pay->p.bolt11,
		.has_payment_secret = pay->p.has_payment_secret,
		.payment_secret = pay->p.payment_secret,
		.amount_msat = pay->p.amount_msat,
		.route = part->route,
		.num_hops = part->num_hops,
		.partid = pay->next_partid,
		.groupid = pay->groupid,
	};
	struct pay_part *in;
	char err[400];
	int code;

	code = payments_send_part(payments, &sp, pay->p.has_keysend ? pay->p.keysend_preimage : NULL,
				  err, sizeof(err));
	if (code) {
		pay->last_code = code;
		snprintf(pay->last_error, sizeof(pay->last_error), "%s", err);
		return code;
	}
	pay->parts = oh_realloc(pay->parts, (pay->num_parts + 1) * sizeof(*pay->parts));
	in = &pay->parts[pay->num_parts++];
	memset(in, 0, sizeof(*in));
	in->partid = pay->next_partid++;
	memcpy(in->route, part->route, part->num_hops * sizeof(part->route[0]));
	in->num_hops = part->num_hops;
	in->failed_erring = -1;
	return 0;
}

/* Sends what no part in flight or complete carries, in as many parts as
 * it takes; ends the pay when nothing is in flight and nothing more can
 * be sent. */
static void pay_attempt(struct payments *payments, struct pay *pay)
{
	struct pay_split_part *plan = oh_calloc(PAY_SPLIT_MAX_PARTS, sizeof(*plan));

	while (!pay->is_ending && pay->done_msat < pay->p.amount_msat) {
		struct pathfind_local *locals;
		struct pathfind_cap *caps;
		size_t num_locals, num_caps, num_plan = 0;
		uint64_t fees, flying = in_flight(pay, &fees, &caps, &num_caps);
		uint64_t left = pay->p.amount_msat - pay->done_msat - flying;
		enum pay_retry_verdict verdict;
		bool resend = false;

		if (flying >= pay->p.amount_msat - pay->done_msat) {
			free(caps);
			break;
		}
		num_locals = payments_locals(payments, &locals);
		verdict = pay_retry_parts(&pay->retry, payments->pathfinder, payments_graph(payments),
					  payments->htlcs->node_id, locals, num_locals,
					  payments->scorer, (uint64_t)time(NULL),
					  chain_height(payments->htlcs->chain), left, fees, caps,
					  num_caps, plan, PAY_SPLIT_MAX_PARTS - pay->num_parts,
					  &num_plan);
		free(locals);
		free(caps);
		if (verdict != PAY_RETRY_SEND) {
			no_route(pay, verdict);
			/* Parts in flight may still fail and free room. */
			if (!pay->num_parts)
				pay->is_ending = true;
			break;
		}
		if (num_plan > 1)
			log_info(pmlog(payments), "pay", "sending %llu msat in %zu parts",
				 (unsigned long long)left, num_plan);
		for (size_t i = 0; i < num_plan; i++) {
			int code = send_part(payments, pay, &plan[i]);
			if (code == 0)
				continue;
			if (code != PAY_TRY_OTHER_ROUTE) {
				pay->is_ending = true;
				break;
			}
			/* Our first channel could not take it: another plan. */
			pay_retry_set_route(&pay->retry, plan[i].route, plan[i].num_hops);
			pay_retry_unsendable(&pay->retry);
			resend = true;
			break;
		}
		if (!resend)
			break;
	}
	free(plan);
	if (pay->num_parts)
		return;		/* pay_part_done goes on */
	if (pay->done_msat >= pay->p.amount_msat
	    && answer_complete(payments, &pay->p.payment_hash, pay->groupid, pay->done, pay->arg)) {
		pay_free(payments, pay);
		return;
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

static void read_complete(void *arg, const struct payment_row *row)
{
	*(bool *)arg = strcmp(row->status, "complete") == 0;
}

static void pay_part_done(struct payments *payments, struct pay *pay, struct pay_part *part,
			  const struct channel_event *ev)
{
	struct pay_part done = *part;
	bool is_complete = false;
	enum pay_retry_verdict verdict;
	const char *name;

	/* Out of the parts in flight (done is ours now). */
	*part = pay->parts[--pay->num_parts];
	if (ev->type == CHANNEL_EVENT_HTLC_FULFILLED)
		payments_with_part(payments, &pay->p.payment_hash, done.partid, read_complete,
				   &is_complete);
	if (is_complete) {
		payments_learn(payments, done.route, done.num_hops, true, -1, 0);
		pay->done_msat += done.route[done.num_hops - 1].amount_msat;
		pay->done_sent_msat += done.route[0].amount_msat;
		/* The preimage is ours: the destination took the whole. */
		pay->is_ending = true;
		pay->done_msat = pay->done_msat > pay->p.amount_msat ? pay->done_msat
			: pay->p.amount_msat;
		free(done.failed_update);
		pay_attempt(payments, pay);
		return;
	}
	name = onion_failure_name(done.failed_code);
	{
		/* The failure as decoded in the step that stored it. */
		struct onion_failure failure = {
			.code = done.failed_code,
			.channel_update = done.failed_update,
			.channel_update_len = done.failed_update_len,
		};
		bool took = done.failed_erring >= 0
			&& apply_failure_update(payments, done.failed_update, done.failed_update_len);
		payments_learn(payments, done.route, done.num_hops, false, done.failed_erring,
			       done.failed_code);
		pay_retry_set_route(&pay->retry, done.route, done.num_hops);
		if (!pay->is_ending)
			describe_failure(payments, pay, done.failed_erring, name);
		verdict = pay_retry_failed_graph(&pay->retry, done.failed_erring,
						 done.failed_erring >= 0 ? &failure : NULL, took);
	}
	free(done.failed_update);
	if (verdict == PAY_RETRY_DESTINATION_REFUSED) {
		/* BOLT #4: mpp_timeout, or the destination's own refusal: no
		 * other route helps, and no other part. */
		if (!pay->is_ending || pay->last_code != PAY_DESTINATION_PERM_FAIL) {
			pay->last_code = PAY_DESTINATION_PERM_FAIL;
			snprintf(pay->last_error, sizeof(pay->last_error),
				 "Destination refused the payment: %s",
				 name ? name : "unknown failure");
		}
		pay->is_ending = true;
	} else if (!pay->is_ending) {
		pay->last_code = PAY_STOPPED_RETRYING;
		log_info(pmlog(payments), "pay", "payment attempt %llu failed (%s); retrying",
			 (unsigned long long)done.partid, name ? name : "unreadable");
	}
	pay_attempt(payments, pay);
}

/* The pay and its part in flight (payment_hash, partid), if any. */
static struct pay *find_part(struct payments *payments, const struct sha256 *payment_hash,
			     uint64_t partid, struct pay_part **part)
{
	for (struct pay *pay = payments->pays; pay; pay = pay->next) {
		if (memcmp(pay->p.payment_hash.u8, payment_hash->u8, 32) != 0)
			continue;
		for (size_t i = 0; i < pay->num_parts; i++) {
			if (pay->parts[i].partid == partid) {
				*part = &pay->parts[i];
				return pay;
			}
		}
	}
	return NULL;
}

void payments_pays_part_done(struct payments *payments, const struct sha256 *payment_hash,
			     uint64_t partid, const struct channel_event *ev)
{
	struct pay_part *part;
	struct pay *pay = find_part(payments, payment_hash, partid, &part);

	if (pay)
		pay_part_done(payments, pay, part, ev);
}

void payments_pays_part_failed(struct payments *payments, const struct sha256 *payment_hash,
			       uint64_t partid, int64_t erring_index,
			       const struct onion_failure *failure)
{
	struct pay_part *part;

	if (!find_part(payments, payment_hash, partid, &part))
		return;
	part->failed_erring = erring_index;
	part->failed_code = failure ? failure->code : 0;
	free(part->failed_update);
	part->failed_update = NULL;
	part->failed_update_len = 0;
	if (failure && failure->channel_update_len) {
		part->failed_update = oh_memdup(failure->channel_update, failure->channel_update_len);
		part->failed_update_len = failure->channel_update_len;
	}
}

/* The payment's parts so far: the next partid and groupid, and whether
 * one is pending or complete (and its group). */
struct earlier {
	uint64_t next_partid, max_groupid;
	bool has_pending, has_complete;
	uint64_t pending_partid, complete_groupid;
};

static void earlier_part(void *arg, const struct payment_row *row)
{
	struct earlier *e = arg;

	if (row->partid >= e->next_partid)
		e->next_partid = row->partid + 1;
	if (row->groupid > e->max_groupid)
		e->max_groupid = row->groupid;
	if (strcmp(row->status, "pending") == 0 && !e->has_pending) {
		e->has_pending = true;
		e->pending_partid = row->partid;
	}
	if (strcmp(row->status, "complete") == 0 && !e->has_complete) {
		e->has_complete = true;
		e->complete_groupid = row->groupid;
	}
}

void payments_pay(struct payments *payments, const struct pay_params *p, payment_done_fn done,
		  void *arg)
{
	struct pay *pay;
	struct pay_target target;
	struct earlier e = {0};

	/* Already paid, or on its way? */
	payments_list(payments, NULL, &p->payment_hash, NULL, earlier_part, &e);
	if (e.has_pending) {
		char err[80];
		snprintf(err, sizeof(err), "Payment already in progress (part %llu)",
			 (unsigned long long)e.pending_partid);
		done(arg, NULL, PAY_IN_PROGRESS, err);
		return;
	}
	if (e.has_complete && answer_complete(payments, &p->payment_hash, e.complete_groupid,
					      done, arg))
		return;
	pay = oh_calloc(1, sizeof(*pay));
	pay->next_partid = e.next_partid;
	/* Core Lightning's pay: a new group for each pay of the hash. */
	pay->groupid = e.max_groupid + 1;
	pay->owner = payments;
	pay->done = done;
	pay->arg = arg;
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
		/* BOLT #4: parts need the payment secret (total_msat goes
		 * with it). */
		.allow_mpp = p->allow_mpp && p->has_payment_secret,
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
