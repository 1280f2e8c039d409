/* pay and keysend: one payment, tried over the cheapest usable route
 * (straight to the destination over one of our channels, or through one
 * of the invoice's route hints), each try one part sent as sendpay sends
 * it (payments.c).  A failed part updates the hint its channel_update
 * names, or else excludes the channel after the erring node, and the
 * next route is tried, until one completes, the destination refuses, no
 * route is left or retry_for_secs runs out (see payments.h). */
#include "daemon/payments_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "channel/state.h"
#include "common/alloc.h"
#include "crypto/util.h"
#include "daemon/chain.h"
#include "daemon/channels.h"
#include "daemon/log.h"
#include "daemon/ohmd.h"
#include "daemon/payments_store.h"
#include "db/db.h"
#include "pay/onion_error.h"
#include "wire/peer_wire.h"

/* Core Lightning's exemptfee: fees below this never count as too much. */
#define PAY_EXEMPT_FEE_MSAT 5000
/* A block may arrive while the HTLC travels. */
#define FINAL_CLTV_MARGIN 1

/* A pay or keysend in progress. */
struct pay {
	struct payments *owner;
	payment_done_fn done;		/* how the pay ends */
	void *arg;
	struct pay_params p;		/* strings, destination, hints copied */
	uint8_t destination[PUBKEY_CMPR_LEN];
	struct route_edge *edges;
	size_t *hint_lens;
	struct short_channel_id *excluded;
	size_t num_excluded;
	bool *hint_updated;		/* a hint's fees replaced once */
	uint64_t deadline;
	uint64_t partid;		/* of the attempt in flight */
	struct route_hop route[ROUTE_MAX_HOPS];
	size_t num_hops;
	int last_code;
	char last_error[400];
	/* The attempt's failure, decoded in the step that stored it. */
	int64_t failed_erring;		/* -1: unreadable */
	uint16_t failed_code;
	uint8_t *failed_update;		/* its channel_update, or NULL */
	size_t failed_update_len;
	struct pay *next;
};

static struct log *pmlog(const struct payments *pm)
{
	return pm->ohmd->log;
}

static void pay_free(struct payments *pm, struct pay *pay)
{
	for (struct pay **p = &pm->pays; *p; p = &(*p)->next) {
		if (*p == pay) {
			*p = pay->next;
			break;
		}
	}
	free((char *)pay->p.bolt11);
	free((char *)pay->p.label);
	free(pay->edges);
	free(pay->hint_lens);
	free(pay->excluded);
	free(pay->hint_updated);
	free(pay->failed_update);
	crypto_wipe(pay->p.keysend_preimage, sizeof(pay->p.keysend_preimage));
	free(pay);
}

void payments_pays_free(struct payments *pm)
{
	while (pm->pays) {
		pm->pays->done(pm->pays->arg, NULL, PAYMENT_ERR_STOPPING,
			       "ohmd is shutting down; the payment is stored and settles "
			       "when it starts again (see listpays)");
		pay_free(pm, pm->pays);
	}
}

/* ---- Route choice ---- */

static bool is_excluded(const struct pay *pay, const struct short_channel_id *scid)
{
	for (size_t i = 0; i < pay->num_excluded; i++)
		if (pay->excluded[i].u64 == scid->u64)
			return true;
	return false;
}

static void exclude(struct pay *pay, const struct short_channel_id *scid)
{
	pay->excluded = oh_realloc(pay->excluded, (pay->num_excluded + 1) * sizeof(*pay->excluded));
	pay->excluded[pay->num_excluded++] = *scid;
}

/* The cheapest usable route, or false with pay->last_error saying why. */
static bool choose_route(struct payments *pm, struct pay *pay)
{
	uint32_t final_cltv = chain_height(pm->ohmd->chain) + pay->p.min_final_cltv_expiry
		+ FINAL_CLTV_MARGIN;
	uint64_t best_fee = UINT64_MAX, limit = pay->p.maxfee_msat > PAY_EXEMPT_FEE_MSAT
		? pay->p.maxfee_msat : PAY_EXEMPT_FEE_MSAT;
	struct route_hop candidate[ROUTE_MAX_HOPS];
	size_t offset = 0;
	bool too_expensive = false;

	/* Candidate -1: straight to the destination; then each hint. */
	for (ssize_t h = -1; h < (ssize_t)pay->p.num_hints; h++) {
		const struct route_edge *edges = h < 0 ? NULL : pay->edges + offset;
		size_t len = h < 0 ? 0 : pay->hint_lens[h];
		const uint8_t *entry = h < 0 ? pay->destination : edges[0].from;
		struct dchannel *first = channels_usable_with(pm->ohmd->channels, entry);
		bool usable = first && dchannel_scid(first) && !is_excluded(pay, dchannel_scid(first));
		uint64_t fee;

		if (h >= 0)
			offset += len;
		for (size_t e = 0; usable && e < len; e++)
			usable = !is_excluded(pay, &edges[e].scid);
		if (!usable || !route_along(candidate, entry, dchannel_scid(first), edges, len,
					    pay->p.amount_msat, final_cltv))
			continue;
		fee = route_fees(candidate, len + 1);
		if (fee > limit || candidate[0].delay - chain_height(pm->ohmd->chain)
				   > pay->p.maxdelay) {
			too_expensive = true;
			continue;
		}
		if (channel_sendable_msat(dchannel_engine(first), CHANNEL_LOCAL)
		    < candidate[0].amount_msat)
			continue;
		if (fee < best_fee) {
			best_fee = fee;
			memcpy(pay->route, candidate, (len + 1) * sizeof(candidate[0]));
			pay->num_hops = len + 1;
		}
	}
	if (best_fee != UINT64_MAX)
		return true;
	if (pay->last_code == 0) {
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
static void pay_fail(struct payments *pm, struct pay *pay)
{
	for (uint64_t part = pay->partid + 1; part-- > 0 && pay->done;)
		payments_with_part(pm, &pay->p.payment_hash, part, fail_with_part, pay);
	if (pay->done)
		pay->done(pay->arg, NULL, pay->last_code ? pay->last_code : PAY_STOPPED_RETRYING,
			  pay->last_error);
	pay_free(pm, pay);
}

static void pay_attempt(struct payments *pm, struct pay *pay)
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

	while ((uint64_t)time(NULL) <= pay->deadline && choose_route(pm, pay)) {
		sp.route = pay->route;
		sp.num_hops = pay->num_hops;
		sp.partid = pay->partid;
		code = payments_send_part(pm, &sp,
					  pay->p.has_keysend ? pay->p.keysend_preimage : NULL, err,
					  sizeof(err));
		if (code == 0)
			return;		/* pay_part_done goes on */
		pay->last_code = code;
		snprintf(pay->last_error, sizeof(pay->last_error), "%s", err);
		if (code != PAY_TRY_OTHER_ROUTE)
			break;
		exclude(pay, &pay->route[0].scid);
	}
	pay_fail(pm, pay);
}

/* A failure that came with the channel_update of the channel it names: a
 * route hint's fees or CLTV delta were out of date.  Returns: whether a
 * hint was updated (once per hint), so the same route is worth a retry. */
static bool apply_update(struct payments *pm, struct pay *pay, const struct onion_failure *f,
			 size_t erring)
{
	struct msg_channel_update *update;
	const uint8_t *bytes = f->channel_update;
	size_t len = f->channel_update_len, offset = 0;
	bool applied = false;

	if (!len || erring == 0 || erring >= pay->num_hops)
		return false;
	uint8_t *prefixed;
	bool ok;

	/* BOLT #4 carries the message with its type; older nodes left the
	 * type out. */
	if (len >= 2 && bytes[0] == 0x01 && bytes[1] == 0x02)
		offset = 2;
	prefixed = oh_malloc(len - offset + 2);
	prefixed[0] = 0x01;
	prefixed[1] = 0x02;
	memcpy(prefixed + 2, bytes + offset, len - offset);
	ok = fromwire_channel_update(prefixed, len - offset + 2, &update);
	free(prefixed);
	if (!ok)
		return false;
	for (size_t h = 0, base = 0; h < pay->p.num_hints; base += pay->hint_lens[h], h++) {
		for (size_t e = 0; e < pay->hint_lens[h]; e++) {
			struct route_edge *edge = &pay->edges[base + e];
			if (edge->scid.u64 != update->short_channel_id.u64 || pay->hint_updated[h])
				continue;
			edge->fee_base_msat = update->fee_base_msat;
			edge->fee_proportional_millionths = update->fee_proportional_millionths;
			edge->cltv_expiry_delta = update->cltv_expiry_delta;
			pay->hint_updated[h] = true;
			applied = true;
		}
	}
	msg_channel_update_free(update);
	return applied;
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

static void pay_part_done(struct payments *pm, struct pay *pay, const struct channel_event *ev)
{
	struct pay_done d = {pay, false, pay->done, pay->arg, pay->failed_erring, pay->failed_code};
	const char *name;

	if (ev->type == CHANNEL_EVENT_HTLC_FULFILLED)
		payments_with_part(pm, &pay->p.payment_hash, pay->partid, read_done, &d);
	if (d.is_complete) {
		pay_free(pm, pay);
		return;
	}
	name = onion_failure_name(d.failcode);
	pay->partid++;
	if (d.erring_index == (int64_t)pay->num_hops) {
		/* The destination itself refused: no other route helps. */
		pay->last_code = PAY_DESTINATION_PERM_FAIL;
		snprintf(pay->last_error, sizeof(pay->last_error),
			 "Destination refused the payment: %s", name ? name : "unknown failure");
		pay_fail(pm, pay);
		return;
	}
	pay->last_code = PAY_STOPPED_RETRYING;
	snprintf(pay->last_error, sizeof(pay->last_error),
		 "Ran out of routes to try; last failure at hop %lld: %s",
		 (long long)d.erring_index, name ? name : "unreadable");
	{
		/* The failure's channel_update (fees changed), if it had one. */
		struct onion_failure failure = {
			.channel_update = pay->failed_update,
			.channel_update_len = pay->failed_update_len,
		};
		bool updated = d.erring_index >= 0
			&& apply_update(pm, pay, &failure, (size_t)d.erring_index);
		if (!updated) {
			/* Avoid the channel after the erring node next time
			 * (for index 0, our own first channel). */
			size_t at = d.erring_index < 0 ? 0 : (size_t)d.erring_index;
			exclude(pay, &pay->route[at < pay->num_hops ? at : pay->num_hops - 1].scid);
		}
	}
	log_info(pmlog(pm), "pay", "payment attempt %llu failed (%s); retrying",
		 (unsigned long long)pay->partid - 1, name ? name : "unreadable");
	pay_attempt(pm, pay);
}

void payments_pays_part_failed(struct payments *pm, const struct sha256 *payment_hash,
			       uint64_t partid, int64_t erring_index,
			       const struct onion_failure *failure)
{
	for (struct pay *pay = pm->pays; pay; pay = pay->next) {
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

void payments_pays_part_done(struct payments *pm, const struct sha256 *payment_hash,
			     uint64_t partid, const struct channel_event *ev)
{
	for (struct pay *pay = pm->pays, *next; pay; pay = next) {
		next = pay->next;
		if (memcmp(pay->p.payment_hash.u8, payment_hash->u8, 32) == 0
		    && pay->partid == partid)
			pay_part_done(pm, pay, ev);
	}
}

void payments_pay(struct payments *pm, const struct pay_params *p, payment_done_fn done,
		  void *arg)
{
	struct pay *pay = oh_calloc(1, sizeof(*pay));
	size_t num_edges = 0;
	char status[16] = "";

	/* Already paid, or on its way? */
	for (uint64_t part = 0;
	     payments_with_part(pm, &p->payment_hash, part, payments_read_status, status); part++) {
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
			payments_with_part(pm, &p->payment_hash, part, read_done, &d);
			free(pay);
			return;
		}
		pay->partid = part + 1;
	}
	pay->owner = pm;
	pay->done = done;
	pay->arg = arg;
	pay->failed_erring = -1;
	pay->p = *p;
	memcpy(pay->destination, p->destination, PUBKEY_CMPR_LEN);
	pay->p.bolt11 = p->bolt11 ? oh_strdup(p->bolt11) : NULL;
	pay->p.label = p->label ? oh_strdup(p->label) : NULL;
	for (size_t h = 0; h < p->num_hints; h++)
		num_edges += p->hint_lens[h];
	pay->edges = oh_calloc(num_edges + 1, sizeof(*pay->edges));
	pay->hint_lens = oh_calloc(p->num_hints + 1, sizeof(*pay->hint_lens));
	pay->hint_updated = oh_calloc(p->num_hints + 1, sizeof(*pay->hint_updated));
	/* keysend has no hints (and NULL pointers memcpy must not see). */
	if (num_edges)
		memcpy(pay->edges, p->hint_edges, num_edges * sizeof(*pay->edges));
	if (p->num_hints)
		memcpy(pay->hint_lens, p->hint_lens, p->num_hints * sizeof(*pay->hint_lens));
	pay->p.hint_edges = pay->edges;
	pay->p.hint_lens = pay->hint_lens;
	pay->deadline = (uint64_t)time(NULL) + p->retry_for_secs;
	pay->next = pm->pays;
	pm->pays = pay;
	pay_attempt(pm, pay);
}
