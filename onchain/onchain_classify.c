/* What the closing transaction is (BOLT #5 "Unilateral Close Handling",
 * "Revoked Transaction Close Handling") and which of its outputs, and of
 * the transactions spending them, are ours to resolve; and what each spend
 * of a tracked output means (a preimage shown, an HTLC transaction's
 * delayed output to follow).  Derived state only: onchain_rebuild() runs
 * these over the log. */
#include "onchain/onchain_internal.h"

#include <stdlib.h>
#include <string.h>

#include "bitcoin/script.h"
#include "channel/scripts.h"
#include "channel/shachain.h"
#include "common/alloc.h"

/* ---- Classification ---- */

static struct onchain_out *add_out(struct onchain *oc, const struct bitcoin_txid *txid,
				   uint32_t vout, uint64_t amount_sat,
				   enum onchain_output_kind kind, uint32_t height)
{
	struct onchain_out *out;

	oc->outs = oh_realloc(oc->outs, (oc->num_outs + 1) * sizeof(*oc->outs));
	out = &oc->outs[oc->num_outs++];
	memset(out, 0, sizeof(*out));
	out->outpoint.txid = *txid;
	out->outpoint.vout = vout;
	out->amount_sat = amount_sat;
	out->kind = kind;
	out->created_height = height;
	return out;
}

static void set_wscript(struct onchain_out *out, const uint8_t *script, size_t len)
{
	out->wscript = oh_memdup(script, len);
	out->wscript_len = len;
}

static bool is_p2wsh_of(const struct bitcoin_tx_output *o, const uint8_t *wscript,
			size_t len)
{
	struct wirebuf *spk = wirebuf_new();
	bool same;

	script_p2wsh_for_witness_script(spk, wscript, len);
	same = o->script_len == spk->len && memcmp(o->script, spk->data, spk->len) == 0;
	wirebuf_free(spk);
	return same;
}

/* The to_local-style script of a commitment with keys, delayed by delay. */
static struct wirebuf *to_local_script(const struct onchain *oc,
				       const struct commitment_keys *keys,
				       uint16_t delay)
{
	struct wirebuf *ws = wirebuf_new();

	channel_script_to_local(ws, oc->ctx, &keys->revocation, delay,
				&keys->local_delayed);
	return ws;
}

/* The outputs of c (our or the peer's commitment), which is tx. */
static void track_commitment(struct onchain *oc, const struct commitment *c,
			     const struct onchain_logged *closing)
{
	bool ours = c->owner == CHANNEL_LOCAL;

	for (size_t i = 0; i < c->num_outputs; i++) {
		const struct commitment_output *co = &c->outputs[i];
		enum onchain_output_kind kind = ONCHAIN_OUT_THEIRS;
		struct onchain_out *out;

		switch (co->type) {
		case COMMITMENT_OUTPUT_TO_LOCAL:
			kind = ours ? ONCHAIN_OUT_DELAYED : ONCHAIN_OUT_THEIRS;
			break;
		case COMMITMENT_OUTPUT_TO_REMOTE:
			/* BOLT 3's to_remote with option_anchors is a
			 * P2WSH of <remotepubkey> OP_CHECKSIGVERIFY 1
			 * OP_CHECKSEQUENCEVERIFY: one block's delay. */
			kind = ours ? ONCHAIN_OUT_THEIRS
				: c->option_anchors ? ONCHAIN_OUT_TO_REMOTE_CSV
				: ONCHAIN_OUT_WALLET;
			break;
		case COMMITMENT_OUTPUT_LOCAL_ANCHOR:
		case COMMITMENT_OUTPUT_REMOTE_ANCHOR:
			kind = ONCHAIN_OUT_ANCHOR;
			break;
		case COMMITMENT_OUTPUT_OFFERED_HTLC:
			kind = ours ? ONCHAIN_OUT_LOCAL_HTLC_TIMEOUT
				    : ONCHAIN_OUT_REMOTE_HTLC_SUCCESS;
			break;
		case COMMITMENT_OUTPUT_RECEIVED_HTLC:
			kind = ours ? ONCHAIN_OUT_LOCAL_HTLC_SUCCESS
				    : ONCHAIN_OUT_REMOTE_HTLC_TIMEOUT;
			break;
		}
		out = add_out(oc, &closing->txid, (uint32_t)i, co->amount_sat, kind,
			      closing->height);
		if (co->witness_script && kind != ONCHAIN_OUT_THEIRS && kind != ONCHAIN_OUT_ANCHOR)
			set_wscript(out, co->witness_script, co->witness_script_len);
		if (kind == ONCHAIN_OUT_DELAYED)
			/* The delay is the to_self_delay the other side
			 * sent (BOLT #2). */
			out->csv = oc->view.params.party[CHANNEL_REMOTE].to_self_delay;
		if (co->type == COMMITMENT_OUTPUT_OFFERED_HTLC
		    || co->type == COMMITMENT_OUTPUT_RECEIVED_HTLC) {
			out->has_htlc = true;
			out->htlc = co->htlc;
			for (size_t k = 0; k < c->num_htlc_outputs; k++)
				if (c->htlc_outputs[k] == i)
					out->htlc_num = k;
		}
	}
}

/* The commitment number tx carries (BOLT #3 "Commitment Transaction":
 * locktime's upper 8 bits 0x20, sequence's 0x80, the lower 24 bits of each
 * the obscured number).  Returns: false if tx is no commitment. */
static bool commitment_number_of(const struct onchain *oc, const struct bitcoin_tx *tx,
				 uint64_t *n)
{
	uint64_t obscured;

	if (tx->num_inputs != 1 || (tx->locktime >> 24) != 0x20
	    || (tx->inputs[0].sequence >> 24) != 0x80)
		return false;
	obscured = ((uint64_t)(tx->inputs[0].sequence & 0xffffff) << 24)
		| (tx->locktime & 0xffffff);
	*n = obscured ^ commitment_obscured_number(oc->ctx, &oc->view.params, 0);
	return true;
}

/* A revoked commitment of the peer's, numbered n: its to_local and HTLC
 * outputs are ours with the revocation key (BOLT #5 "Revoked Transaction
 * Close Handling").  Returns: false if tx is not one. */
static bool track_revoked(struct onchain *oc, const struct onchain_logged *closing,
			  uint64_t n)
{
	const struct channel_params *params = &oc->view.params;
	struct pubkey point, ours;
	struct wirebuf *to_local, *to_remote, *to_remote_ws = NULL, *anchors[2] = { NULL, NULL };
	bool found = false;

	if (!shachain_get(&oc->revoked_secret, &oc->view.remote_secrets,
			  SHACHAIN_MAX_INDEX - n)
	    || !channel_per_commitment_point(oc->ctx, &point, &oc->revoked_secret)
	    || !commitment_keys_derive(oc->ctx, &oc->revoked_keys, params, CHANNEL_REMOTE,
				       &point))
		return false;
	(void)ours;
	to_local = to_local_script(oc, &oc->revoked_keys,
				   params->party[CHANNEL_LOCAL].to_self_delay);
	to_remote = wirebuf_new();
	if (params->option_anchors) {
		struct wirebuf *ws = wirebuf_new();
		channel_script_to_remote_anchored(ws, oc->ctx,
						  &params->party[CHANNEL_LOCAL].basepoints.payment);
		script_p2wsh_for_witness_script(to_remote, ws->data, ws->len);
		to_remote_ws = ws;
		for (size_t side = 0; side < 2; side++) {
			anchors[side] = wirebuf_new();
			channel_script_anchor(anchors[side], oc->ctx,
					      &params->party[side].funding_pubkey);
		}
	} else {
		script_p2wpkh_for_pubkey(to_remote, oc->ctx,
					 &params->party[CHANNEL_LOCAL].basepoints.payment);
	}
	for (size_t i = 0; i < closing->tx->num_outputs; i++) {
		const struct bitcoin_tx_output *o = &closing->tx->outputs[i];
		struct onchain_out *out;

		if (is_p2wsh_of(o, to_local->data, to_local->len)) {
			out = add_out(oc, &closing->txid, (uint32_t)i, o->amount_sat,
				      ONCHAIN_OUT_PENALTY, closing->height);
			set_wscript(out, to_local->data, to_local->len);
			found = true;
			continue;
		}
		if (o->script_len == to_remote->len
		    && memcmp(o->script, to_remote->data, to_remote->len) == 0) {
			out = add_out(oc, &closing->txid, (uint32_t)i, o->amount_sat,
				      to_remote_ws ? ONCHAIN_OUT_TO_REMOTE_CSV
				      : ONCHAIN_OUT_WALLET, closing->height);
			if (to_remote_ws)
				set_wscript(out, to_remote_ws->data, to_remote_ws->len);
			continue;
		}
		if (anchors[0] && (is_p2wsh_of(o, anchors[0]->data, anchors[0]->len)
				   || is_p2wsh_of(o, anchors[1]->data, anchors[1]->len))) {
			add_out(oc, &closing->txid, (uint32_t)i, o->amount_sat,
				ONCHAIN_OUT_ANCHOR, closing->height);
			continue;
		}
		out = add_out(oc, &closing->txid, (uint32_t)i, o->amount_sat,
			      ONCHAIN_OUT_THEIRS, closing->height);
		/* An HTLC output: one of the HTLCs we know of, offered or
		 * received by the peer (the revoked commitment's owner). */
		for (size_t s = 0; s < 2 + oc->view.num_remote && !out->has_htlc; s++) {
			const struct channel_htlc *list = s == 0 ? oc->known
				: s == 1 ? oc->view.local.state.htlcs
				: oc->view.remote[s - 2].state.htlcs;
			size_t num = s == 0 ? oc->num_known : s == 1 ? oc->view.local.state.num_htlcs
				: oc->view.remote[s - 2].state.num_htlcs;
			for (size_t h = 0; h < num; h++) {
				const struct channel_htlc *htlc = &list[h];
				struct wirebuf *ws = wirebuf_new();
				if (htlc->amount_msat / 1000 != o->amount_sat) {
					wirebuf_free(ws);
					continue;
				}
				if (htlc->offerer == CHANNEL_REMOTE)
					channel_script_offered_htlc(ws, oc->ctx,
						&oc->revoked_keys.revocation,
						&oc->revoked_keys.local_htlc,
						&oc->revoked_keys.remote_htlc,
						&htlc->payment_hash, params->option_anchors);
				else
					channel_script_received_htlc(ws, oc->ctx,
						&oc->revoked_keys.revocation,
						&oc->revoked_keys.local_htlc,
						&oc->revoked_keys.remote_htlc,
						&htlc->payment_hash, htlc->cltv_expiry,
						params->option_anchors);
				if (is_p2wsh_of(o, ws->data, ws->len)) {
					out->kind = ONCHAIN_OUT_PENALTY;
					out->is_penalty_htlc = true;
					out->has_htlc = true;
					out->htlc = *htlc;
					set_wscript(out, ws->data, ws->len);
					found = true;
				}
				wirebuf_free(ws);
				if (out->has_htlc)
					break;
			}
		}
	}
	wirebuf_free(to_local);
	wirebuf_free(to_remote);
	wirebuf_free(to_remote_ws);
	wirebuf_free(anchors[0]);
	wirebuf_free(anchors[1]);
	return found;
}

static struct commitment *rebuild_commitment(const struct onchain *oc, enum channel_side owner,
					     const struct channel_onchain_commitment *cc)
{
	const char *err;

	return commitment_new(oc->ctx, &oc->view.params, owner, &cc->point, &cc->state, &err);
}

void onchain_classify(struct onchain *oc, const struct onchain_logged *closing)
{
	struct bitcoin_txid txid;
	uint64_t n;

	oc->closing_c = rebuild_commitment(oc, CHANNEL_LOCAL, &oc->view.local);
	if (oc->closing_c) {
		bitcoin_tx_txid(&txid, oc->closing_c->tx);
		if (bitcoin_txid_eq(&txid, &closing->txid)) {
			oc->close = ONCHAIN_CLOSE_LOCAL;
			track_commitment(oc, oc->closing_c, closing);
			return;
		}
		commitment_free(oc->closing_c);
	}
	for (size_t i = 0; i < oc->view.num_remote; i++) {
		oc->closing_c = rebuild_commitment(oc, CHANNEL_REMOTE, &oc->view.remote[i]);
		if (!oc->closing_c)
			continue;
		bitcoin_tx_txid(&txid, oc->closing_c->tx);
		if (bitcoin_txid_eq(&txid, &closing->txid)) {
			oc->close = i == 0 ? ONCHAIN_CLOSE_REMOTE : ONCHAIN_CLOSE_REMOTE_PREVIOUS;
			track_commitment(oc, oc->closing_c, closing);
			return;
		}
		commitment_free(oc->closing_c);
	}
	oc->closing_c = NULL;
	if (!commitment_number_of(oc, closing->tx, &n)) {
		/* No commitment number: the closing transaction we agreed
		 * on, whose output to us is the wallet's. */
		oc->close = ONCHAIN_CLOSE_MUTUAL;
		return;
	}
	if (n < oc->view.remote[oc->view.num_remote - 1].state.commitment_number
	    && track_revoked(oc, closing, n)) {
		oc->close = ONCHAIN_CLOSE_REVOKED;
		return;
	}
	/* Our own revoked commitment, or a state we lost: nothing of it is
	 * ours to take but what pays the wallet directly. */
	for (size_t i = 0; i < oc->num_outs; i++)
		free(oc->outs[i].wscript);
	oc->num_outs = 0;
	oc->close = ONCHAIN_CLOSE_UNKNOWN;
}

/* ---- Spends ---- */

bool onchain_spends_funding(const struct onchain *oc, const struct bitcoin_tx *tx)
{
	for (size_t i = 0; i < tx->num_inputs; i++)
		if (tx->inputs[i].prevout.vout == oc->view.params.funding.vout
		    && bitcoin_txid_eq(&tx->inputs[i].prevout.txid,
				       &oc->view.params.funding.txid))
			return true;
	return false;
}

struct onchain_out *onchain_find_out(struct onchain *oc, const struct bitcoin_outpoint *op)
{
	for (size_t i = 0; i < oc->num_outs; i++)
		if (oc->outs[i].outpoint.vout == op->vout
		    && bitcoin_txid_eq(&oc->outs[i].outpoint.txid, &op->txid))
			return &oc->outs[i];
	return NULL;
}

bool onchain_spends_tracked(struct onchain *oc, const struct bitcoin_tx *tx)
{
	for (size_t i = 0; i < tx->num_inputs; i++) {
		struct onchain_out *out = onchain_find_out(oc, &tx->inputs[i].prevout);
		if (out && !out->is_spent)
			return true;
	}
	return false;
}

/* A preimage of out's HTLC in input's witness (any 32-byte item: the
 * peer's HTLC-success or its direct claim). */
static bool find_revealed(struct onchain_out *out, const struct bitcoin_tx_input *in)
{
	for (size_t w = 0; w < in->num_witness; w++) {
		struct preimage p;
		if (in->witness[w].len != sizeof(p.r))
			continue;
		memcpy(p.r, in->witness[w].data, sizeof(p.r));
		if (onchain_preimage_matches(&p, &out->htlc.payment_hash)) {
			out->revealed = true;
			out->preimage = p;
			return true;
		}
	}
	return false;
}

/* The output of an HTLC transaction spending out: ours to sweep after the
 * delay (our commitment), or the penalty's (a revoked one's). */
static void track_second_stage(struct onchain *oc, const struct onchain_out *spent_out,
			       const struct onchain_logged *lt)
{
	/* add_out moves oc->outs. */
	const struct onchain_out copy = *spent_out, *spent = &copy;
	const struct channel_params *params = &oc->view.params;
	struct wirebuf *ws;
	struct onchain_out *out;
	enum onchain_output_kind kind;
	uint16_t delay;

	if (lt->tx->num_outputs == 0)
		return;
	if (spent->kind == ONCHAIN_OUT_PENALTY) {
		delay = params->party[CHANNEL_LOCAL].to_self_delay;
		ws = to_local_script(oc, &oc->revoked_keys, delay);
		kind = ONCHAIN_OUT_PENALTY;
	} else {
		delay = params->party[CHANNEL_REMOTE].to_self_delay;
		ws = to_local_script(oc, &oc->closing_c->keys, delay);
		kind = ONCHAIN_OUT_DELAYED;
	}
	for (size_t i = 0; i < lt->tx->num_outputs; i++) {
		if (!is_p2wsh_of(&lt->tx->outputs[i], ws->data, ws->len))
			continue;
		out = add_out(oc, &lt->txid, (uint32_t)i, lt->tx->outputs[i].amount_sat, kind,
			      lt->height);
		set_wscript(out, ws->data, ws->len);
		out->csv = delay;
		out->is_second_stage = true;
		out->has_htlc = spent->has_htlc;
		out->htlc = spent->htlc;
	}
	wirebuf_free(ws);
}

void onchain_apply_spend(struct onchain *oc, const struct onchain_logged *lt)
{
	for (size_t i = 0; i < lt->tx->num_inputs; i++) {
		struct onchain_out *out = onchain_find_out(oc, &lt->tx->inputs[i].prevout);
		size_t index;
		if (!out || out->is_spent)
			continue;
		out->is_spent = true;
		out->spent_by = lt->txid;
		out->spent_height = lt->height;
		if (out->has_htlc)
			find_revealed(out, &lt->tx->inputs[i]);
		index = (size_t)(out - oc->outs);
		switch (out->kind) {
		case ONCHAIN_OUT_LOCAL_HTLC_TIMEOUT:
		case ONCHAIN_OUT_LOCAL_HTLC_SUCCESS:
			track_second_stage(oc, &oc->outs[index], lt);
			break;
		case ONCHAIN_OUT_PENALTY:
			if (oc->outs[index].is_penalty_htlc)
				track_second_stage(oc, &oc->outs[index], lt);
			break;
		case ONCHAIN_OUT_DELAYED:
		case ONCHAIN_OUT_REMOTE_HTLC_TIMEOUT:
		case ONCHAIN_OUT_REMOTE_HTLC_SUCCESS:
		case ONCHAIN_OUT_WALLET:
		case ONCHAIN_OUT_THEIRS:
		case ONCHAIN_OUT_TO_REMOTE_CSV:
		case ONCHAIN_OUT_ANCHOR:
			break;
		}
	}
}
