/* pay and keysend: one payment, tried over the cheapest usable route
 * (straight to the destination over one of our channels, or through one
 * of the invoice's route hints), each try one part sent as sendpay sends
 * it (payments.c).  A failed part updates the hint its channel_update
 * names, or else excludes the channel after the erring node, and the
 * next route is tried, until one completes, the destination refuses, no
 * route is left or retry_for_secs runs out (see payments.h).  The choice
 * and the policy are pay/retry.h's; this file does the I/O around them. */
#include "daemon/payments_internal.h"

#include <sqlite3.h>
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
#include "daemon/jsonrpc.h"
#include "daemon/log.h"
#include "daemon/ohmd.h"
#include "daemon/row_json.h"
#include "db/db.h"
#include "pay/onion_error.h"
#include "pay/retry.h"
#include "wire/peer_wire.h"

/* A pay or keysend in progress. */
struct pay {
	struct payments *owner;
	struct rpc_request *request;
	struct pay_params p;		/* strings, destination, hints copied */
	struct pay_retry retry;		/* the routes: what to try next */
	struct pay_first_hop *first_hops;	/* one per candidate */
	uint64_t partid;		/* of the attempt in flight */
	int last_code;
	char last_error[400];
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
	pay_retry_clear(&pay->retry);
	free(pay->first_hops);
	crypto_wipe(pay->p.keysend_preimage, sizeof(pay->p.keysend_preimage));
	free(pay);
}

void payments_pays_free(struct payments *pm)
{
	while (pm->pays) {
		rpc_respond_error(pm->pays->request, RPC_LIGHTNINGD,
				  "ohmd is shutting down; the payment is stored and settles "
				  "when it starts again (see listpays)");
		pay_free(pm, pm->pays);
	}
}

/* ---- Route choice ---- */

/* The cheapest usable route (in pay->retry.route), or false with
 * pay->last_error saying why. */
static bool choose_route(struct payments *pm, struct pay *pay)
{
	enum pay_retry_verdict verdict;

	for (size_t c = 0; c < pay_retry_num_candidates(&pay->retry); c++) {
		struct dchannel *first = channels_usable_with(pm->ohmd->channels,
							      pay_retry_entry(&pay->retry, c));
		struct pay_first_hop *hop = &pay->first_hops[c];

		hop->is_found = first && dchannel_scid(first);
		if (!hop->is_found)
			continue;
		hop->scid = *dchannel_scid(first);
		hop->sendable_msat = channel_sendable_msat(dchannel_engine(first), CHANNEL_LOCAL);
	}
	verdict = pay_retry_next(&pay->retry, pay->first_hops, (uint64_t)time(NULL),
				 chain_height(pm->ohmd->chain));
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

static void read_failure(void *arg, sqlite3_stmt *stmt)
{
	*(json_t **)arg = payments_failure_json(stmt);
}

/* Answers pay with its last error; the data is the last attempt that
 * failed (erring_index, erring_channel, failcode...), if any. */
static void pay_fail(struct payments *pm, struct pay *pay)
{
	int code = pay->last_code ? pay->last_code : PAY_STOPPED_RETRYING;
	json_t *data = NULL;
	char status[16] = "";

	for (uint64_t part = pay->partid + 1; part-- > 0 && !data;)
		if (payments_with_part(pm, &pay->p.payment_hash, part, payments_read_status, status)
		    && strcmp(status, "failed") == 0)
			payments_with_part(pm, &pay->p.payment_hash, part, read_failure, &data);
	if (data)
		rpc_respond_error_data(pay->request, code, data, "%s", pay->last_error);
	else
		rpc_respond_error(pay->request, code, "%s", pay->last_error);
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

	while (choose_route(pm, pay)) {
		sp.route = pay->retry.route;
		sp.num_hops = pay->retry.num_hops;
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
		pay_retry_unsendable(&pay->retry);
	}
	pay_fail(pm, pay);
}

struct pay_done {
	struct pay *pay;
	bool is_complete;
	json_t *result;
	int64_t erring_index;
	uint16_t failcode;
};

static void read_done(void *arg, sqlite3_stmt *stmt)
{
	struct pay_done *d = arg;

	d->is_complete = strcmp((const char *)sqlite3_column_text(stmt, 3), "complete") == 0;
	d->erring_index = sqlite3_column_type(stmt, 12) == SQLITE_NULL
		? -1 : sqlite3_column_int64(stmt, 12);
	d->failcode = (uint16_t)sqlite3_column_int(stmt, 13);
	if (!d->is_complete)
		return;
	d->result = json_pack("{s:I, s:i, s:I, s:I, s:s}",
		"created_at", (json_int_t)sqlite3_column_int64(stmt, 7),
		"parts", 1,
		"amount_msat", (json_int_t)sqlite3_column_int64(stmt, 5),
		"amount_sent_msat", (json_int_t)sqlite3_column_int64(stmt, 6),
		"status", "complete");
	row_json_hex(d->result, "payment_preimage", stmt, 11, 32);
	row_json_hex(d->result, "payment_hash", stmt, 1, 32);
	row_json_hex(d->result, "destination", stmt, 4, PUBKEY_CMPR_LEN);
}

static void pay_part_done(struct payments *pm, struct pay *pay, const struct channel_event *ev)
{
	struct pay_done d = {pay, false, NULL, -1, 0};
	enum pay_retry_verdict verdict;
	const char *name;

	payments_with_part(pm, &pay->p.payment_hash, pay->partid, read_done, &d);
	if (d.is_complete) {
		rpc_respond(pay->request, d.result);
		pay_free(pm, pay);
		return;
	}
	name = onion_failure_name(d.failcode);
	pay->partid++;
	{
		/* Re-read the failure for a channel_update (fees changed). */
		struct secret secrets[ROUTE_MAX_HOPS];
		struct onion_failure failure;
		struct wirebuf *buf = wirebuf_new();
		size_t erring, num;
		sqlite3_stmt *stmt = db_prepare(pm->ohmd->db, "SELECT shared_secrets FROM payments"
						" WHERE payment_hash = ? AND partid = ?");
		bool decoded = false;
		if (stmt) {
			sqlite3_bind_blob(stmt, 1, pay->p.payment_hash.u8, 32, SQLITE_STATIC);
			sqlite3_bind_int64(stmt, 2, (sqlite3_int64)pay->partid - 1);
			if (sqlite3_step(stmt) == SQLITE_ROW
			    && payments_secrets_column(stmt, 0, secrets, &num)
			    && num == pay->retry.num_hops)
				decoded = payments_decode_failure(ev, secrets, pay->retry.num_hops,
								  &erring, &failure, buf);
			sqlite3_reset(stmt);
		}
		verdict = pay_retry_failed(&pay->retry, d.erring_index, decoded ? &failure : NULL);
		crypto_wipe(secrets, sizeof(secrets));
		wirebuf_free(buf);
	}
	if (verdict == PAY_RETRY_DESTINATION_REFUSED) {
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
	log_info(pmlog(pm), "pay", "payment attempt %llu failed (%s); retrying",
		 (unsigned long long)pay->partid - 1, name ? name : "unreadable");
	pay_attempt(pm, pay);
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

void payments_pay(struct payments *pm, struct rpc_request *request, const struct pay_params *p)
{
	struct pay *pay = calloc(1, sizeof(*pay));
	struct pay_target target;
	char status[16] = "";

	if (!pay) {
		rpc_respond_error(request, RPC_INTERNAL_ERROR, "out of memory");
		return;
	}
	/* Already paid, or on its way? */
	for (uint64_t part = 0;
	     payments_with_part(pm, &p->payment_hash, part, payments_read_status, status); part++) {
		struct pay_done d = {NULL, false, NULL, -1, 0};
		if (strcmp(status, "pending") == 0) {
			rpc_respond_error(request, PAY_IN_PROGRESS,
					  "Payment already in progress (part %llu)",
					  (unsigned long long)part);
			free(pay);
			return;
		}
		if (strcmp(status, "complete") == 0) {
			payments_with_part(pm, &p->payment_hash, part, read_done, &d);
			rpc_respond(request, d.result);
			free(pay);
			return;
		}
		pay->partid = part + 1;
	}
	pay->owner = pm;
	pay->request = request;
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
	pay->p.bolt11 = p->bolt11 ? strdup(p->bolt11) : NULL;
	pay->p.label = p->label ? strdup(p->label) : NULL;
	pay_retry_init(&pay->retry, &target);
	pay->first_hops = oh_calloc(pay_retry_num_candidates(&pay->retry),
				    sizeof(*pay->first_hops));
	/* The caller's are gone after this call: only the copies are ours. */
	pay->p.destination = pay->retry.target.destination;
	pay->p.hint_edges = pay->retry.target.hint_edges;
	pay->p.hint_lens = pay->retry.target.hint_lens;
	pay->next = pm->pays;
	pm->pays = pay;
	pay_attempt(pm, pay);
}
