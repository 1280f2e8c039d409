/* The resolver's inputs: blocks in and out, preimages; the classification
 * of the closing transaction (BOLT #5 "Unilateral Close Handling",
 * "Revoked Transaction Close Handling") and what each spend of a tracked
 * output means; and the events it reports.  The transactions it signs are
 * in onchain_sweep.c. */
#include "onchain/onchain_internal.h"

#include <stdlib.h>
#include <string.h>

#include "bitcoin/script.h"
#include "channel/scripts.h"
#include "channel/shachain.h"
#include "common/alloc.h"
#include "crypto/hash.h"
#include "crypto/secp.h"
#include "crypto/util.h"

const char *onchain_close_name(enum onchain_close close)
{
	switch (close) {
	case ONCHAIN_CLOSE_UNKNOWN:
		return "unknown";
	case ONCHAIN_CLOSE_MUTUAL:
		return "mutual";
	case ONCHAIN_CLOSE_LOCAL:
		return "local";
	case ONCHAIN_CLOSE_REMOTE:
		return "remote";
	case ONCHAIN_CLOSE_REMOTE_PREVIOUS:
		return "remote_previous";
	case ONCHAIN_CLOSE_REVOKED:
		return "revoked";
	}
	return "?";
}

const char *onchain_output_kind_name(enum onchain_output_kind kind)
{
	switch (kind) {
	case ONCHAIN_OUT_DELAYED:
		return "delayed_to_us";
	case ONCHAIN_OUT_LOCAL_HTLC_TIMEOUT:
		return "our_htlc_timeout";
	case ONCHAIN_OUT_LOCAL_HTLC_SUCCESS:
		return "our_htlc_success";
	case ONCHAIN_OUT_REMOTE_HTLC_TIMEOUT:
		return "their_htlc_timeout";
	case ONCHAIN_OUT_REMOTE_HTLC_SUCCESS:
		return "their_htlc_success";
	case ONCHAIN_OUT_WALLET:
		return "to_wallet";
	case ONCHAIN_OUT_PENALTY:
		return "penalty";
	case ONCHAIN_OUT_THEIRS:
		return "theirs";
	}
	return "?";
}

void onchain_effects_init(struct onchain_effects *fx)
{
	memset(fx, 0, sizeof(*fx));
}

void onchain_effects_clear(struct onchain_effects *fx)
{
	free(fx->snapshot);
	free(fx->events);
	for (size_t i = 0; i < fx->num_txs; i++)
		bitcoin_tx_free(fx->txs[i].tx);
	free(fx->txs);
	onchain_effects_init(fx);
}

bool onchain_preimage_matches(const struct preimage *preimage,
			      const struct sha256 *hash)
{
	struct sha256 h;

	sha256(&h, preimage->r, sizeof(preimage->r));
	return memcmp(h.u8, hash->u8, sizeof(h.u8)) == 0;
}

const struct preimage *onchain_find_preimage(const struct onchain *oc,
					     const struct sha256 *hash)
{
	for (size_t i = 0; i < oc->num_preimages; i++)
		if (onchain_preimage_matches(&oc->preimages[i], hash))
			return &oc->preimages[i];
	return NULL;
}

/* ---- Life ---- */

static struct channel_htlc *dup_htlcs(const struct channel_htlc *htlcs, size_t n)
{
	struct channel_htlc *copy = oh_calloc(n + 1, sizeof(*copy));

	if (n)
		memcpy(copy, htlcs, n * sizeof(*copy));
	return copy;
}

void onchain_view_copy(struct channel_onchain_view *out,
		       const struct channel_onchain_view *view)
{
	*out = *view;
	out->local.state.htlcs = dup_htlcs(view->local.state.htlcs,
					   view->local.state.num_htlcs);
	for (size_t i = 0; i < 2; i++)
		out->remote[i].state.htlcs = dup_htlcs(view->remote[i].state.htlcs,
						       view->remote[i].state.num_htlcs);
	out->local_htlc_sigs = oh_memdup(view->local_htlc_sigs,
					 view->num_local_htlc_sigs
					 * sizeof(view->local_htlc_sigs[0]));
	out->offered = dup_htlcs(view->offered, view->num_offered);
}

struct onchain *onchain_alloc(const struct onchain_setup *setup)
{
	struct onchain *oc = oh_calloc(1, sizeof(*oc));

	oc->ctx = setup->ctx;
	oc->secrets = *setup->secrets;
	oc->sweep_script = oh_memdup(setup->sweep_script, setup->sweep_script_len);
	oc->sweep_script_len = setup->sweep_script_len;
	oc->known = dup_htlcs(setup->known_htlcs, setup->num_known_htlcs);
	oc->num_known = setup->num_known_htlcs;
	return oc;
}

struct onchain *onchain_new(const struct onchain_setup *setup, const char **err)
{
	struct onchain *oc;

	if (setup->view->params.option_anchors) {
		*err = "option_anchors channels are not resolved on chain yet";
		return NULL;
	}
	oc = onchain_alloc(setup);
	onchain_view_copy(&oc->view, setup->view);
	return oc;
}

static void clear_derived(struct onchain *oc)
{
	for (size_t i = 0; i < oc->num_outs; i++)
		free(oc->outs[i].wscript);
	free(oc->outs);
	oc->outs = NULL;
	oc->num_outs = 0;
	commitment_free(oc->closing_c);
	oc->closing_c = NULL;
	crypto_wipe(&oc->revoked_secret, sizeof(oc->revoked_secret));
	oc->close = ONCHAIN_CLOSE_UNKNOWN;
}

void onchain_free(struct onchain *oc)
{
	if (!oc)
		return;
	clear_derived(oc);
	channel_onchain_view_clear(&oc->view);
	channel_secrets_wipe(&oc->secrets);
	free(oc->sweep_script);
	for (size_t i = 0; i < oc->num_log; i++)
		bitcoin_tx_free(oc->log[i].tx);
	free(oc->log);
	free(oc->preimages);
	free(oc->reported);
	free(oc->known);
	for (size_t i = 0; i < oc->num_pending; i++)
		bitcoin_tx_free(oc->pending[i]);
	free(oc->pending);
	free(oc);
}

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
			kind = ours ? ONCHAIN_OUT_THEIRS : ONCHAIN_OUT_WALLET;
			break;
		case COMMITMENT_OUTPUT_LOCAL_ANCHOR:
		case COMMITMENT_OUTPUT_REMOTE_ANCHOR:
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
		if (co->witness_script && kind != ONCHAIN_OUT_THEIRS)
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
	struct wirebuf *to_local, *to_remote;
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
	script_p2wpkh_for_pubkey(to_remote, oc->ctx,
				 &params->party[CHANNEL_LOCAL].basepoints.payment);
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
			add_out(oc, &closing->txid, (uint32_t)i, o->amount_sat,
				ONCHAIN_OUT_WALLET, closing->height);
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
	return found;
}

static struct commitment *rebuild_commitment(const struct onchain *oc, enum channel_side owner,
					     const struct channel_onchain_commitment *cc)
{
	const char *err;

	return commitment_new(oc->ctx, &oc->view.params, owner, &cc->point, &cc->state, &err);
}

static void classify(struct onchain *oc, const struct onchain_logged *closing)
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

static bool spends_funding(const struct onchain *oc, const struct bitcoin_tx *tx)
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

static bool spends_tracked(struct onchain *oc, const struct bitcoin_tx *tx)
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

static void apply_spend(struct onchain *oc, const struct onchain_logged *lt)
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
			break;
		}
	}
}

void onchain_rebuild(struct onchain *oc)
{
	clear_derived(oc);
	if (!oc->num_log)
		return;
	classify(oc, &oc->log[0]);
	for (size_t i = 1; i < oc->num_log; i++)
		apply_spend(oc, &oc->log[i]);
}

static void log_tx(struct onchain *oc, const struct bitcoin_tx *tx, uint32_t height)
{
	struct onchain_logged *lt;

	oc->log = oh_realloc(oc->log, (oc->num_log + 1) * sizeof(*oc->log));
	lt = &oc->log[oc->num_log++];
	lt->tx = bitcoin_tx_dup(tx);
	bitcoin_tx_txid(&lt->txid, tx);
	lt->height = height;
}

/* ---- Events ---- */

static bool was_reported(const struct onchain *oc, enum onchain_reported type,
			 uint64_t htlc_id, const struct bitcoin_outpoint *op)
{
	for (size_t i = 0; i < oc->num_reported; i++) {
		const struct onchain_report *r = &oc->reported[i];
		if (r->type != type)
			continue;
		if ((type == REPORTED_PREIMAGE || type == REPORTED_FAILED) && r->htlc_id == htlc_id)
			return true;
		if (type == REPORTED_DUST && r->outpoint.vout == op->vout
		    && bitcoin_txid_eq(&r->outpoint.txid, &op->txid))
			return true;
		if (type == REPORTED_ALL)
			return true;
	}
	return false;
}

static struct onchain_event *report(struct onchain *oc, struct onchain_effects *fx,
				    enum onchain_reported type, enum onchain_event_type ev_type,
				    uint64_t htlc_id, const struct bitcoin_outpoint *op)
{
	struct onchain_report *r;
	struct onchain_event *ev;

	oc->reported = oh_realloc(oc->reported, (oc->num_reported + 1) * sizeof(*oc->reported));
	r = &oc->reported[oc->num_reported++];
	memset(r, 0, sizeof(*r));
	r->type = (uint8_t)type;
	r->htlc_id = htlc_id;
	if (op)
		r->outpoint = *op;
	fx->events = oh_realloc(fx->events, (fx->num_events + 1) * sizeof(*fx->events));
	ev = &fx->events[fx->num_events++];
	memset(ev, 0, sizeof(*ev));
	ev->type = ev_type;
	return ev;
}

static uint32_t depth_of(const struct onchain *oc, uint32_t height)
{
	return oc->tip >= height ? oc->tip - height + 1 : 0;
}

/* Whether the closing commitment carries h (with an output or trimmed). */
static bool closing_has(const struct onchain *oc, const struct channel_htlc *h)
{
	const struct commitment_state *st = NULL;

	switch (oc->close) {
	case ONCHAIN_CLOSE_LOCAL:
		st = &oc->view.local.state;
		break;
	case ONCHAIN_CLOSE_REMOTE:
		st = &oc->view.remote[0].state;
		break;
	case ONCHAIN_CLOSE_REMOTE_PREVIOUS:
		st = &oc->view.remote[1].state;
		break;
	case ONCHAIN_CLOSE_REVOKED:
		/* The engine fails none of ours for an unknown spend. */
		return true;
	case ONCHAIN_CLOSE_MUTUAL:
	case ONCHAIN_CLOSE_UNKNOWN:
		return false;
	}
	for (size_t i = 0; i < st->num_htlcs; i++)
		if (st->htlcs[i].offerer == CHANNEL_LOCAL && st->htlcs[i].id == h->id)
			return true;
	return false;
}

/* Whether h, an HTLC we offered in the closing commitment, can no longer
 * be claimed with its preimage, reasonably deep: its output spent without
 * it (our timeout, the penalty), or no output at all. */
static bool offered_failed(const struct onchain *oc, const struct channel_htlc *h)
{
	bool has_output = false;

	for (size_t i = 0; i < oc->num_outs; i++) {
		const struct onchain_out *out = &oc->outs[i];
		if (!out->has_htlc || out->htlc.offerer != CHANNEL_LOCAL || out->htlc.id != h->id)
			continue;
		if (out->revealed)
			return false;
		/* A second-stage output carries the HTLC too: the first
		 * stage decides. */
		if (out->is_second_stage)
			continue;
		has_output = true;
		if (!out->is_spent
		    || depth_of(oc, out->spent_height) < ONCHAIN_REASONABLE_DEPTH)
			return false;
	}
	/* An HTLC with no output (trimmed) fails once the commitment is
	 * deep; BOLT #5:
	 *     - otherwise:
	 *       - once the commitment transaction has reached reasonable depth:
	 *         - MUST fail the corresponding incoming HTLC (if any). */
	return has_output || depth_of(oc, oc->log[0].height) >= ONCHAIN_REASONABLE_DEPTH;
}

static bool out_resolved(const struct onchain_out *out, uint32_t *height)
{
	if (out->kind == ONCHAIN_OUT_WALLET || out->kind == ONCHAIN_OUT_THEIRS || out->is_dust) {
		*height = out->created_height;
		return true;
	}
	*height = out->spent_height;
	return out->is_spent;
}

static void emit_events(struct onchain *oc, struct onchain_effects *fx)
{
	uint32_t last;

	if (!oc->num_log)
		return;
	for (size_t i = 0; i < oc->num_outs; i++) {
		struct onchain_out *out = &oc->outs[i];
		if (out->revealed && out->htlc.offerer == CHANNEL_LOCAL
		    && !was_reported(oc, REPORTED_PREIMAGE, out->htlc.id, NULL)) {
			struct onchain_event *ev = report(oc, fx, REPORTED_PREIMAGE,
							  ONCHAIN_EVENT_PREIMAGE, out->htlc.id, NULL);
			ev->htlc = out->htlc;
			ev->preimage = out->preimage;
		}
		if (out->is_dust && !was_reported(oc, REPORTED_DUST, 0, &out->outpoint)) {
			struct onchain_event *ev = report(oc, fx, REPORTED_DUST,
							  ONCHAIN_EVENT_DUST_LEFT, 0, &out->outpoint);
			ev->outpoint = out->outpoint;
			ev->amount_sat = out->amount_sat;
		}
	}
	for (size_t i = 0; i < oc->view.num_offered; i++) {
		const struct channel_htlc *h = &oc->view.offered[i];
		if (was_reported(oc, REPORTED_PREIMAGE, h->id, NULL)
		    || was_reported(oc, REPORTED_FAILED, h->id, NULL)
		    || !closing_has(oc, h) || !offered_failed(oc, h))
			continue;
		report(oc, fx, REPORTED_FAILED, ONCHAIN_EVENT_HTLC_FAILED, h->id, NULL)->htlc = *h;
	}
	last = oc->log[0].height;
	for (size_t i = 0; i < oc->num_outs; i++) {
		uint32_t height;
		if (!out_resolved(&oc->outs[i], &height))
			return;
		if (height > last)
			last = height;
	}
	if (depth_of(oc, last) >= ONCHAIN_IRREVOCABLE_DEPTH
	    && !was_reported(oc, REPORTED_ALL, 0, NULL))
		report(oc, fx, REPORTED_ALL, ONCHAIN_EVENT_ALL_RESOLVED, 0, NULL);
}

static void snapshot(struct onchain *oc, struct onchain_effects *fx)
{
	struct wirebuf *buf = wirebuf_new();

	free(fx->snapshot);
	onchain_serialize(buf, oc);
	fx->snapshot = wirebuf_take(buf, &fx->snapshot_len);
}

static void step_done(struct onchain *oc, struct onchain_effects *fx,
		      const struct onchain_feerates *feerates)
{
	onchain_decide(oc, fx, feerates);
	emit_events(oc, fx);
	snapshot(oc, fx);
}

/* ---- Inputs ---- */

void onchain_block_connected(struct onchain *oc, struct onchain_effects *fx,
			     uint32_t height, struct bitcoin_tx *const *txs,
			     size_t num_txs, const struct onchain_feerates *feerates)
{
	oc->tip = height;
	for (size_t i = 0; i < num_txs; i++) {
		if (!oc->num_log) {
			if (spends_funding(oc, txs[i])) {
				log_tx(oc, txs[i], height);
				onchain_rebuild(oc);
			}
			continue;
		}
		if (spends_tracked(oc, txs[i])) {
			log_tx(oc, txs[i], height);
			apply_spend(oc, &oc->log[oc->num_log - 1]);
		}
	}
	step_done(oc, fx, feerates);
}

void onchain_block_disconnected(struct onchain *oc, struct onchain_effects *fx,
				uint32_t height, const struct onchain_feerates *feerates)
{
	size_t keep = oc->num_log;

	while (keep && oc->log[keep - 1].height >= height)
		bitcoin_tx_free(oc->log[--keep].tx);
	oc->num_log = keep;
	oc->tip = height ? height - 1 : 0;
	onchain_rebuild(oc);
	step_done(oc, fx, feerates);
	/* What was handed over may be valid again. */
	onchain_resend_pending(oc, fx);
}

void onchain_add_preimage(struct onchain *oc, struct onchain_effects *fx,
			  const struct preimage *preimage,
			  const struct onchain_feerates *feerates)
{
	struct sha256 hash;

	sha256(&hash, preimage->r, sizeof(preimage->r));
	if (onchain_find_preimage(oc, &hash))
		return;
	oc->preimages = oh_realloc(oc->preimages, (oc->num_preimages + 1) * sizeof(*oc->preimages));
	oc->preimages[oc->num_preimages++] = *preimage;
	step_done(oc, fx, feerates);
}

void onchain_resume(struct onchain *oc, struct onchain_effects *fx,
		    const struct onchain_feerates *feerates)
{
	step_done(oc, fx, feerates);
	onchain_resend_pending(oc, fx);
}

/* ---- Reading ---- */

uint32_t onchain_get_tip(const struct onchain *oc)
{
	return oc->tip;
}

enum onchain_close onchain_get_close(const struct onchain *oc)
{
	return oc->close;
}

bool onchain_get_closing(const struct onchain *oc, struct bitcoin_txid *txid, uint32_t *height)
{
	if (!oc->num_log)
		return false;
	*txid = oc->log[0].txid;
	*height = oc->log[0].height;
	return true;
}

bool onchain_is_resolved(const struct onchain *oc)
{
	return was_reported(oc, REPORTED_ALL, 0, NULL);
}

size_t onchain_num_outputs(const struct onchain *oc)
{
	return oc->num_outs;
}

void onchain_get_output(const struct onchain *oc, size_t i, struct onchain_output_info *out)
{
	const struct onchain_out *o = &oc->outs[i];

	memset(out, 0, sizeof(*out));
	out->outpoint = o->outpoint;
	out->amount_sat = o->amount_sat;
	out->kind = o->kind;
	out->is_dust = o->is_dust;
	out->is_resolved = out_resolved(o, &out->resolved_height);
	if (o->is_spent)
		out->resolved_by = o->spent_by;
	if (!out->is_resolved)
		out->spendable_height = onchain_spendable_height(oc, o);
}
