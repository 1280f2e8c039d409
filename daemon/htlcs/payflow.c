/* Deciding incoming HTLCs, forwarding, and passing outcomes back (see
 * payflow.h). */
#include "daemon/htlcs/payflow.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "channel/state.h"
#include "common/alloc.h"
#include "common/hex.h"
#include "crypto/hash.h"
#include "crypto/secp.h"
#include "crypto/util.h"
#include "daemon/chain/chain.h"
#include "daemon/channels/channels.h"
#include "daemon/config.h"
#include "daemon/htlcs/forwards_store.h"
#include "daemon/htlcs/htlc_switch.h"
#include "daemon/htlcs/invoices.h"
#include "daemon/htlcs/mpp_hold.h"
#include "daemon/log.h"
#include "daemon/htlcs/htlcs.h"
#include "daemon/htlcs/payments.h"
#include "db/db.h"
#include "pay/hop_payload.h"
#include "pay/htlc_accept.h"
#include "pay/onion.h"
#include "pay/onion_error.h"

struct payflow {
	struct htlcs *htlcs;
	/* The owner of each HTLC we offered that is not resolved yet. */
	struct switch_origins *origins;
	/* The parts of multi-part payments to us, held. */
	struct mpp_hold *mpp;
};

static void mpp_fail(void *arg, struct chan *chan, uint64_t htlc_id,
		     const struct secret *shared_secret, uint16_t failcode, const char *why);

static void origin_loaded(void *arg, int64_t channel, uint64_t htlc_id, uint64_t withdrawn_key,
			  const struct switch_origin *origin)
{
	switch_origins_add(arg, channel, htlc_id, withdrawn_key, origin);
}

struct payflow *payflow_new(struct htlcs *htlcs)
{
	struct payflow *flow = oh_calloc(1, sizeof(*flow));

	flow->htlcs = htlcs;
	flow->origins = switch_origins_new();
	flow->mpp = mpp_hold_new(htlcs, mpp_fail, flow);
	/* Oldest first: a newer record of the same HTLC is the live one. */
	if (!forwards_store_owners(htlcs->db, origin_loaded, flow->origins)) {
		log_broken(htlcs->log, "pay", "cannot read the HTLCs in flight: %s",
			   db_errmsg(htlcs->db));
		payflow_free(flow);
		return NULL;
	}
	return flow;
}

void payflow_free(struct payflow *flow)
{
	if (!flow)
		return;
	switch_origins_free(flow->origins);
	mpp_hold_free(flow->mpp);
	free(flow);
}

struct switch_origins *payflow_origins(struct payflow *flow)
{
	return flow->origins;
}

static struct log *pflog(const struct payflow *flow)
{
	return flow->htlcs->log;
}

static uint32_t height(const struct payflow *flow)
{
	return chain_height(flow->htlcs->chain);
}

/* ---- Peeling ---- */

/* An incoming HTLC and what its onion told us. */
struct incoming {
	struct chan *chan;
	const struct htlc *htlc;
	uint16_t onion_failure;		/* 0: peeled */
	const char *why;
	struct secret shared_secret;
	bool has_secret;
	struct onion_peeled peeled;
};

static void peel(struct payflow *flow, struct incoming *in, struct chan *chan, uint64_t htlc_id)
{
	struct privkey node_key;
	struct pubkey path_key;
	const struct htlc *h = channel_find_htlc(chan_engine(chan), CHANNEL_REMOTE, htlc_id);

	memset(in, 0, sizeof(*in));
	in->chan = chan;
	in->htlc = h;
	if (!h)
		return;
	if (h->has_path_key && !pubkey_parse(flow->htlcs->secp, &path_key, h->path_key)) {
		in->onion_failure = ONION_FAILURE_INVALID_ONION_BLINDING;
		in->why = "invalid path_key";
		return;
	}
	memcpy(node_key.secret.data, flow->htlcs->node_secret, sizeof(node_key.secret.data));
	in->onion_failure = onion_process_with_key(flow->htlcs->secp, &in->peeled, &in->shared_secret,
						   &in->why, h->onion, h->h.payment_hash.u8, 32,
						   h->has_path_key ? &path_key : NULL, &node_key);
	crypto_wipe(&node_key, sizeof(node_key));
	/* invalid_onion_payload still gives the secret, to answer through. */
	in->has_secret = in->onion_failure == 0
		|| in->onion_failure == ONION_FAILURE_INVALID_ONION_PAYLOAD;
}

/* ---- Failing back ---- */

/* A forward we record with the incoming HTLC's failure ('local_failed'). */
struct local_fail {
	struct payflow *flow;
	int64_t in_channel;
	uint64_t in_msat;
	uint16_t failcode;
};

static bool store_local_fail(void *arg, uint64_t htlc_id)
{
	struct local_fail *lf = arg;

	return forwards_store_local_failed(lf->flow->htlcs->db, lf->in_channel, htlc_id, lf->in_msat,
					   lf->failcode, (int64_t)time(NULL));
}

/* Fails the incoming HTLC with failure, as its onion allows: an error
 * packet for the origin, or update_fail_malformed_htlc for a BADONION
 * code.  is_forward records it among the forwards (listforwards shows
 * local_failed forwards, not failed payments to us). */
static void fail_incoming(struct payflow *flow, struct incoming *in,
			  const struct onion_failure *failure, bool is_forward)
{
	struct local_fail lf = {flow, chan_dbid(in->chan), in->htlc->h.amount_msat, failure->code};
	struct wirebuf *msg, *packet;
	uint64_t id = in->htlc->h.id;
	struct sha256 payment_hash = in->htlc->h.payment_hash;
	char hash[65];
	bool failed = false;

	if ((failure->code & ONION_FAILURE_BADONION) || !in->has_secret) {
		struct sha256 sha;
		sha256(&sha, in->htlc->onion, HTLC_ONION_LEN);
		failed = chan_fail_malformed(in->chan, id, &sha,
						 (failure->code & ONION_FAILURE_BADONION)
						 ? failure->code : ONION_FAILURE_INVALID_ONION_KEY,
						 is_forward ? store_local_fail : NULL, &lf);
	} else {
		msg = wirebuf_new();
		packet = wirebuf_new();
		onion_failure_towire(msg, failure);
		if (onion_error_create(packet, &in->shared_secret, msg->data, msg->len,
				       ONION_ERROR_PADDED_LEN))
			failed = chan_fail(in->chan, id, packet->data, packet->len,
					       is_forward ? store_local_fail : NULL, &lf);
		wirebuf_free(msg);
		wirebuf_free(packet);
	}
	if (failed)
		chan_log_committed(in->chan, "pay", "failing incoming HTLC %llu (hash %s): %s%s%s",
				       (unsigned long long)id,
				       hex_encode(hash, payment_hash.u8, 32),
				       onion_failure_name(failure->code)
				       ? onion_failure_name(failure->code) : "?",
				       in->why ? ": " : "", in->why ? in->why : "");
}

static void fail_code(struct payflow *flow, struct incoming *in, uint16_t code, bool is_forward)
{
	struct onion_failure failure;

	onion_failure_init(&failure, code);
	fail_incoming(flow, in, &failure, is_forward);
}

/* pay/mpp's failure of a part it held: mpp_timeout, or
 * incorrect_or_unknown_payment_details (its data: BOLT #4). */
static void mpp_fail(void *arg, struct chan *chan, uint64_t htlc_id,
		     const struct secret *shared_secret, uint16_t failcode, const char *why)
{
	struct payflow *flow = arg;
	struct incoming in = {
		.chan = chan,
		.htlc = channel_find_htlc(chan_engine(chan), CHANNEL_REMOTE, htlc_id),
		.why = why,
		.shared_secret = *shared_secret,
		.has_secret = true,
	};
	struct onion_failure failure;

	if (in.htlc && in.htlc->removal == HTLC_NOT_REMOVED) {
		onion_failure_init(&failure, failcode);
		failure.htlc_msat = in.htlc->h.amount_msat;
		failure.height = height(flow);
		fail_incoming(flow, &in, &failure, false);
	}
	crypto_wipe(&in.shared_secret, sizeof(in.shared_secret));
}

/* A channel failure carrying out's channel_update. */
static void fail_update(struct payflow *flow, struct incoming *in, uint16_t code,
			struct chan *out, const char *why)
{
	struct onion_failure failure;
	struct wirebuf *update = out ? chan_local_update(out) : NULL;

	onion_failure_init(&failure, code);
	failure.htlc_msat = in->htlc->h.amount_msat;
	failure.cltv_expiry = in->htlc->h.cltv_expiry;
	if (update) {
		failure.channel_update = update->data;
		failure.channel_update_len = update->len;
	}
	in->why = why;
	fail_incoming(flow, in, &failure, true);
	wirebuf_free(update);
}

/* Answers a forward htlc_accept_forward() refused, with out's
 * channel_update if the failure carries one. */
static void fail_decided(struct payflow *flow, struct incoming *in, struct htlc_decision *d,
			 struct chan *out)
{
	struct wirebuf *update = d->needs_channel_update && out ? chan_local_update(out) : NULL;

	if (update) {
		d->failure.channel_update = update->data;
		d->failure.channel_update_len = update->len;
	}
	in->why = d->why;
	fail_incoming(flow, in, &d->failure, true);
	wirebuf_free(update);
}

/* ---- Paying us ---- */

struct paid {
	struct payflow *flow;
	int64_t invoice_id;
	uint64_t amount_msat;
	const uint8_t *keysend_preimage;
};

static bool store_paid(void *arg, uint64_t htlc_id)
{
	struct paid *p = arg;

	return invoices_mark_paid_db(p->flow->htlcs->invoices, &p->invoice_id, p->amount_msat, 1,
				     p->keysend_preimage);
}

static void final_hop(struct payflow *flow, struct incoming *in, const struct hop_payload *payload)
{
	const struct htlc *h = in->htlc;
	struct invoice_match invoice;
	struct preimage keysend;
	struct paid paid = {flow, 0, h->h.amount_msat, NULL};
	uint64_t paid_id = h->h.id;
	struct htlc_incoming incoming = {h->h.amount_msat, h->h.cltv_expiry, h->h.payment_hash};
	struct htlc_invoice found = {0};
	struct htlc_decision d;
	bool is_keysend = payload->has_keysend_preimage;

	if (is_keysend)
		keysend = payload->keysend_preimage;
	if (invoices_find(flow->htlcs->invoices, &h->h.payment_hash, &invoice))
		found = (struct htlc_invoice){true, invoice.is_paid, invoice.is_expired,
					      invoice.has_secret, invoice.payment_secret,
					      invoice.has_amount, invoice.amount_msat,
					      mpp_hold_has(flow->mpp, &h->h.payment_hash),
					      invoice.min_final_cltv};
	htlc_accept_final(&d, &incoming, payload, &found, height(flow),
			  flow->htlcs->config->cltv_final);
	crypto_wipe(&found, sizeof(found));
	if (d.failure.code) {
		in->why = d.why;
		fail_incoming(flow, in, &d.failure, false);
		crypto_wipe(&invoice, sizeof(invoice));
		crypto_wipe(&keysend, sizeof(keysend));
		return;
	}
	if (d.is_part) {
		struct mpp_hold_part part = {in->chan, h, &in->shared_secret,
					     payload->amt_to_forward_msat, d.total_msat};
		mpp_hold_add(flow->mpp, &part);
		goto out;
	}
	if (d.is_late_part) {
		/* Its set fulfilled the invoice already. */
		if (chan_fulfill(in->chan, h->h.id, &invoice.preimage, NULL, NULL))
			chan_log_committed(in->chan, "pay", "paid: HTLC %llu of %llu msat, a late part",
					   (unsigned long long)paid_id,
					   (unsigned long long)paid.amount_msat);
		goto out;
	}
	if (d.is_keysend) {
		paid.keysend_preimage = keysend.r;
		invoice.preimage = keysend;
	} else {
		paid.invoice_id = invoice.id;
	}
	if (chan_fulfill(in->chan, h->h.id, &invoice.preimage, store_paid, &paid)) {
		chan_log_committed(in->chan, "pay", "paid: HTLC %llu of %llu msat",
				       (unsigned long long)paid_id, (unsigned long long)paid.amount_msat);
	}
out:
	crypto_wipe(&invoice, sizeof(invoice));
	crypto_wipe(&keysend, sizeof(keysend));
}

/* ---- Forwarding ---- */

struct forward {
	struct payflow *flow;
	int64_t in_channel, out_channel;
	uint64_t in_htlc_id, in_msat, out_msat;
};

/* The forward's row, in the step that offers its outgoing HTLC; and the
 * HTLC's owner, in memory. */
static bool store_forward(void *arg, uint64_t out_htlc_id)
{
	struct forward *f = arg;
	struct switch_origin origin = {
		.is_forward = true, .in_channel = f->in_channel, .in_htlc_id = f->in_htlc_id,
	};

	if (!forwards_store_offered(f->flow->htlcs->db, f->in_channel, f->in_htlc_id, f->in_msat,
				    f->out_channel, out_htlc_id, f->out_msat, (int64_t)time(NULL),
				    &origin.id))
		return false;
	switch_origins_add(f->flow->origins, f->out_channel, out_htlc_id, 0, &origin);
	return true;
}

static void forward(struct payflow *flow, struct incoming *in, const struct hop_payload *payload)
{
	const struct htlc *h = in->htlc;
	const struct config *config = flow->htlcs->config;
	struct chan *out = channels_by_scid(flow->htlcs->channels, &payload->short_channel_id);
	struct htlc_incoming incoming = {h->h.amount_msat, h->h.cltv_expiry, h->h.payment_hash};
	struct htlc_forward_policy policy = {config->fee_base_msat, config->fee_per_satoshi,
					     config->cltv_delta};
	struct htlc_next_channel next = {out != NULL, out && chan_is_usable(out), 0};
	struct htlc_decision d;
	struct forward row;
	uint64_t out_id;
	char why[300];

	struct channels_update_values values;

	/* What our channel_update for out announces (setchannel's fees and
	 * HTLC minimum, else the defaults). */
	if (out) {
		chan_update_values(out, &values);
		policy.fee_base_msat = values.fee_base_msat;
		policy.fee_proportional_millionths = values.fee_ppm;
	}
	if (next.is_usable)
		next.htlc_minimum_msat = values.htlc_minimum_msat;
	htlc_accept_forward(&d, &incoming, payload, &next, &policy, height(flow));
	/* The fees before a recent setchannel still do (Core Lightning's
	 * enforcedelay). */
	if (d.failure.code == ONION_FAILURE_FEE_INSUFFICIENT && out && values.has_previous_fees) {
		policy.fee_base_msat = values.previous_fee_base_msat;
		policy.fee_proportional_millionths = values.previous_fee_ppm;
		htlc_accept_forward(&d, &incoming, payload, &next, &policy, height(flow));
	}
	if (d.failure.code) {
		fail_decided(flow, in, &d, out);
		return;
	}
	row = (struct forward){flow, chan_dbid(in->chan), chan_dbid(out), h->h.id,
			       h->h.amount_msat, d.out_amount_msat};
	if (!chan_offer(out, d.out_amount_msat, &h->h.payment_hash,
			    d.out_cltv_expiry, in->peeled.next_packet, store_forward, &row,
			    &out_id, why, sizeof(why))) {
		fail_update(flow, in, ONION_FAILURE_TEMPORARY_CHANNEL_FAILURE, out, why);
		return;
	}
	chan_log_committed(out, "pay", "forwarding HTLC %llu (%llu msat) as %llu (%llu msat)",
			       (unsigned long long)row.in_htlc_id, (unsigned long long)row.in_msat,
			       (unsigned long long)out_id, (unsigned long long)row.out_msat);
}

/* ---- Deciding an incoming HTLC ---- */

static bool onion_is_zero(const uint8_t *onion)
{
	for (size_t i = 0; i < HTLC_ONION_LEN; i++)
		if (onion[i])
			return false;
	return true;
}

static void decide_incoming(struct payflow *flow, struct chan *chan, uint64_t htlc_id)
{
	struct incoming in;
	struct hop_payload payload;
	struct hop_payload_error perr;

	peel(flow, &in, chan, htlc_id);
	if (!in.htlc)
		return;
	/* --dev-hold-htlcs: dev-sendhtlc's HTLCs (an all-zero onion) wait
	 * for dev-fulfillhtlc or dev-failhtlc. */
	if (flow->htlcs->config->dev_hold_htlcs && onion_is_zero(in.htlc->onion))
		return;
	if (in.onion_failure) {
		fail_code(flow, &in, in.onion_failure, false);
		return;
	}
	hop_payload_init(&payload);
	if (!hop_payload_decode(flow->htlcs->secp, &payload, &perr, in.peeled.payload,
				in.peeled.payload_len, in.peeled.is_final, in.htlc->has_path_key)) {
		in.why = perr.why;
		fail_incoming(flow, &in, &perr.failure, !in.peeled.is_final);
	} else if (in.peeled.is_final) {
		final_hop(flow, &in, &payload);
	} else {
		forward(flow, &in, &payload);
	}
	hop_payload_clear(&payload);
	crypto_wipe(&in.shared_secret, sizeof(in.shared_secret));
}

/* ---- Outcomes of HTLCs we offered ---- */

/* The failcode a forward's failure is stored with: a malformed HTLC's
 * code, or ours for a withdrawn one; 0 when the error onion says it. */
static uint16_t forward_failcode(const struct channel_event *ev)
{
	return ev->is_malformed ? ev->failure_code
		: ev->is_withdrawn ? ONION_FAILURE_TEMPORARY_CHANNEL_FAILURE : 0;
}

/* The error onion to pass back, if there is one to wrap. */
static bool forward_has_reason(const struct channel_event *ev)
{
	return !ev->is_malformed && !ev->is_withdrawn && ev->fail_reason_len;
}

bool payflow_resolved_db(struct payflow *flow, struct chan *chan, const struct channel_event *ev,
			 struct payflow_owner *owner)
{
	struct switch_origin *o = &owner->origin;
	struct db *db = flow->htlcs->db;
	int64_t now = (int64_t)time(NULL);

	memset(owner, 0, sizeof(*owner));
	if (ev->type == CHANNEL_EVENT_HTLC_WITHDRAWN) {
		/* Its outcome waits, and its id is offered again: the
		 * record stays unresolved but is no longer live. */
		struct switch_origin marked;
		if (!switch_origins_withdraw(flow->origins, chan_dbid(chan), ev->htlc_id,
					     ev->withdrawn_key, &marked))
			return true;
		/* Nothing to do after the commit (owner names nobody). */
		return forwards_store_mark_withdrawn(db, &marked, ev->withdrawn_key);
	}
	if (!switch_origins_take(flow->origins, chan_dbid(chan), ev->htlc_id, ev->withdrawn_key, o))
		return true;	/* not ours (a dev- HTLC), or resolved already */
	if (!o->is_forward)
		return payments_resolved_db(flow->htlcs->payments, o, ev);
	if (ev->type == CHANNEL_EVENT_HTLC_FULFILLED)
		return forwards_store_settled(db, o->id, &ev->preimage, now);
	return forwards_store_failed(db, o->id, forward_has_reason(ev) ? ev->fail_reason : NULL,
				     ev->fail_reason_len, forward_failcode(ev), now);
}

/* Passes a forward's outcome to the incoming HTLC, if it is still there
 * and its channel can take it. */
static void pass_upstream(struct payflow *flow, const struct forward_outcome *o)
{
	struct chan *in_dc = channels_by_dbid(flow->htlcs->channels, o->in_channel);
	struct incoming in;

	if (in_dc && o->is_settled && channel_get_state(chan_engine(in_dc)) == CHANNEL_ONCHAIN
	    && flow->htlcs->resolvers) {
		/* BOLT #5: the incoming HTLC's output is claimed on chain
		 * with the preimage (stored first, by our caller). */
		char err[300];
		if (!resolvers_add_preimage(flow->htlcs->resolvers, o->in_channel, &o->preimage,
					    err, sizeof(err)))
			log_unusual(pflog(flow), "pay", "cannot claim HTLC %llu on chain: %s",
				    (unsigned long long)o->in_htlc_id, err);
		return;
	}
	if (!in_dc || !chan_is_usable(in_dc))
		return;		/* payflow_channel_usable comes back to it */
	if (o->is_settled) {
		const struct htlc *h = channel_find_htlc(chan_engine(in_dc), CHANNEL_REMOTE,
							 o->in_htlc_id);
		if (h && h->removal == HTLC_NOT_REMOVED)
			chan_fulfill(in_dc, o->in_htlc_id, &o->preimage, NULL, NULL);
		return;
	}
	peel(flow, &in, in_dc, o->in_htlc_id);
	if (!in.htlc || in.htlc->removal != HTLC_NOT_REMOVED)
		return;
	if (o->fail_reason && in.has_secret) {
		/* Each hop on the way back obfuscates the error with its own
		 * ammag key (BOLT #4 "Returning Errors"). */
		uint8_t *packet = oh_memdup(o->fail_reason, o->fail_reason_len);
		onion_error_wrap(packet, o->fail_reason_len, &in.shared_secret);
		chan_fail(in_dc, o->in_htlc_id, packet, o->fail_reason_len, NULL, NULL);
		free(packet);
	} else {
		/* Malformed downstream or withdrawn: we speak for it. */
		struct chan *out = channels_by_dbid(flow->htlcs->channels, o->out_channel);
		struct onion_failure failure;
		if (o->failcode & ONION_FAILURE_BADONION) {
			onion_failure_init(&failure, o->failcode);
			fail_incoming(flow, &in, &failure, false);
		} else {
			fail_update(flow, &in, ONION_FAILURE_TEMPORARY_CHANNEL_FAILURE, out,
				    "next hop failed");
		}
	}
	crypto_wipe(&in.shared_secret, sizeof(in.shared_secret));
}

void payflow_resolved(struct payflow *flow, struct chan *chan, const struct channel_event *ev,
		      const struct payflow_owner *owner)
{
	const struct switch_origin *origin = &owner->origin;
	struct forward_outcome o;

	if (!origin->id)
		return;
	if (!origin->is_forward) {
		payments_resolved(flow->htlcs->payments, origin, ev);
		return;
	}
	/* What payflow_resolved_db stored, from the event itself. */
	o = (struct forward_outcome){
		.in_channel = origin->in_channel,
		.in_htlc_id = origin->in_htlc_id,
		.out_channel = chan_dbid(chan),
		.is_settled = ev->type == CHANNEL_EVENT_HTLC_FULFILLED,
		.is_failed = ev->type != CHANNEL_EVENT_HTLC_FULFILLED,
		.failcode = forward_failcode(ev),
	};
	if (o.is_settled)
		o.preimage = ev->preimage;
	else if (forward_has_reason(ev))
		o.fail_reason = oh_memdup(ev->fail_reason, ev->fail_reason_len);
	o.fail_reason_len = o.fail_reason ? ev->fail_reason_len : 0;
	pass_upstream(flow, &o);
	forward_outcome_clear(&o);
}

/* ---- Deciding, once ---- */

/* The only way an incoming HTLC is decided (htlc_switch.h, invariant 1):
 * from what is on record for it now, whichever trigger asks.  Returns:
 * what the switch said. */
static enum switch_action consider(struct payflow *flow, struct chan *chan, uint64_t htlc_id)
{
	const struct htlc *h = channel_find_htlc(chan_engine(chan), CHANNEL_REMOTE, htlc_id);
	enum switch_record record = SWITCH_RECORD_NONE;
	struct forward_outcome o;
	int found = forwards_store_by_incoming(flow->htlcs->db, chan_dbid(chan), htlc_id, &o);
	enum switch_action action;

	/* Not knowing whether it was decided is no licence to decide it. */
	if (found < 0) {
		log_broken(pflog(flow), "pay", "cannot read the forward of HTLC %llu: %s",
			   (unsigned long long)htlc_id, db_errmsg(flow->htlcs->db));
		return SWITCH_WAIT;
	}
	if (found)
		record = o.is_settled || o.is_failed ? SWITCH_RECORD_RESOLVED
			: o.is_failed_back ? SWITCH_RECORD_FAILED_BACK : SWITCH_RECORD_OFFERED;
	action = switch_incoming(h, record);
	switch (action) {
	case SWITCH_DECIDE:
		decide_incoming(flow, chan, htlc_id);
		break;
	case SWITCH_PASS_OUTCOME:
		pass_upstream(flow, &o);
		break;
	case SWITCH_WAIT:
	case SWITCH_DONE:
		break;
	}
	if (found)
		forward_outcome_clear(&o);
	return action;
}

void payflow_htlc_added(struct payflow *flow, struct chan *chan, uint64_t htlc_id)
{
	/* The re-scan of a channel reestablished in the same turn may have
	 * come first. */
	if (consider(flow, chan, htlc_id) == SWITCH_DONE)
		log_debug(pflog(flow), "pay", "HTLC %llu was decided already",
			  (unsigned long long)htlc_id);
}

void payflow_channel_usable(struct payflow *flow, struct chan *chan)
{
	const struct htlc_set *set = channel_get_htlcs(chan_engine(chan));
	uint64_t *pending;
	size_t num = 0;

	/* The engine's set changes as we decide: collect the ids first. */
	pending = oh_calloc(set->num + 1, sizeof(*pending));
	for (size_t i = 0; i < set->num; i++)
		if (set->htlcs[i].h.offerer == CHANNEL_REMOTE)
			pending[num++] = set->htlcs[i].h.id;
	for (size_t i = 0; i < num; i++)
		consider(flow, chan, pending[i]);
	free(pending);
}

/* ---- The channels' listener ---- */

static bool listener_resolved_db(void *arg, struct chan *chan, const struct channel_event *ev,
				 void *owner)
{
	return payflow_resolved_db(arg, chan, ev, owner);
}

static void listener_resolved(void *arg, struct chan *chan, const struct channel_event *ev,
			      const void *owner)
{
	payflow_resolved(arg, chan, ev, owner);
}

static void listener_added(void *arg, struct chan *chan, uint64_t htlc_id)
{
	payflow_htlc_added(arg, chan, htlc_id);
}

static void listener_usable(void *arg, struct chan *chan)
{
	payflow_channel_usable(arg, chan);
}

/* ---- The resolvers' listener: outcomes decided on chain ---- */

static bool onchain_resolved_db(void *arg, int64_t channel, const struct channel_event *ev,
				void *owner)
{
	struct payflow *flow = arg;
	struct chan *chan = channels_by_dbid(flow->htlcs->channels, channel);

	if (!chan) {
		memset(owner, 0, sizeof(struct payflow_owner));
		return true;
	}
	return payflow_resolved_db(flow, chan, ev, owner);
}

static void onchain_resolved(void *arg, int64_t channel, const struct channel_event *ev,
			     const void *owner)
{
	struct payflow *flow = arg;
	struct chan *chan = channels_by_dbid(flow->htlcs->channels, channel);

	if (chan)
		payflow_resolved(flow, chan, ev, owner);
}

/* BOLT #5: an HTLC the peer offered on a closed channel whose preimage we
 * know (its forward settled downstream, or it paid our invoice) is claimed
 * on chain: the resolver gets the preimage. */
static void onchain_watching(void *arg, int64_t channel)
{
	struct payflow *flow = arg;
	struct chan *chan = channels_by_dbid(flow->htlcs->channels, channel);
	const struct htlc_set *set;

	if (!chan || !flow->htlcs->resolvers)
		return;
	set = channel_get_htlcs(chan_engine(chan));
	for (size_t i = 0; i < set->num; i++) {
		const struct htlc *h = &set->htlcs[i];
		struct forward_outcome o;
		struct invoice_row row;
		struct preimage preimage;
		bool known = false;
		char err[300];
		if (h->h.offerer != CHANNEL_REMOTE)
			continue;
		if (forwards_store_by_incoming(flow->htlcs->db, channel, h->h.id, &o) == 1) {
			known = o.is_settled;
			preimage = o.preimage;
			forward_outcome_clear(&o);
		} else if (invoices_store_by_hash(flow->htlcs->db, &h->h.payment_hash, &row) == 1) {
			known = row.is_paid;
			preimage = row.preimage;
			invoice_row_clear(&row);
		}
		if (known && !resolvers_add_preimage(flow->htlcs->resolvers, channel, &preimage,
						     err, sizeof(err)))
			log_unusual(pflog(flow), "pay", "cannot claim HTLC %llu on chain: %s",
				    (unsigned long long)h->h.id, err);
		crypto_wipe(&preimage, sizeof(preimage));
	}
}

struct resolvers_htlc_listener payflow_resolvers_listener(struct payflow *flow)
{
	struct resolvers_htlc_listener listener = {
		.resolved_db = onchain_resolved_db,
		.resolved = onchain_resolved,
		.watching = onchain_watching,
		.owner_size = sizeof(struct payflow_owner),
		.arg = flow,
	};

	return listener;
}

/* The fulfillment deadline's question (channels_htlc_listener): whether
 * we know the preimage of the peer's HTLC, as onchain_watching finds it. */
static bool listener_preimage_known(void *arg, struct chan *chan, uint64_t htlc_id)
{
	struct payflow *flow = arg;
	const struct htlc *h = channel_find_htlc(chan_engine(chan), CHANNEL_REMOTE, htlc_id);
	struct forward_outcome o;
	struct invoice_row row;
	bool known = false;

	if (!h)
		return false;
	if (forwards_store_by_incoming(flow->htlcs->db, chan_dbid(chan), htlc_id, &o) == 1) {
		known = o.is_settled;
		forward_outcome_clear(&o);
	} else if (invoices_store_by_hash(flow->htlcs->db, &h->h.payment_hash, &row) == 1) {
		known = row.is_paid;
		invoice_row_clear(&row);
	}
	return known;
}

struct channels_htlc_listener payflow_channels_listener(struct payflow *flow)
{
	struct channels_htlc_listener listener = {
		.resolved_db = listener_resolved_db,
		.resolved = listener_resolved,
		.added = listener_added,
		.usable = listener_usable,
		.preimage_known = listener_preimage_known,
		.owner_size = sizeof(struct payflow_owner),
		.arg = flow,
	};

	return listener;
}

/* ---- listforwards ---- */

void payflow_forwards(struct payflow *flow, const char *status,
		      void (*fn)(void *arg, const struct forward_row *row), void *arg)
{
	forwards_store_list(flow->htlcs->db, status, fn, arg);
}
