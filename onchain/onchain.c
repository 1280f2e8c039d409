/* The resolver's inputs (blocks in and out, preimages), the log they
 * build, and the events it reports (BOLT #5).  What the close and each
 * spend mean is onchain_classify.c; the transactions it signs are
 * onchain_sweep.c. */
#include "onchain/onchain_internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "crypto/hash.h"
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
	case ONCHAIN_OUT_TO_REMOTE_CSV:
		return "to_remote_csv";
	case ONCHAIN_OUT_ANCHOR:
		return "anchor";
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
	free(fx->abandoned);
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

	(void)err;
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
		bitcoin_tx_free(oc->pending[i].tx);
	free(oc->pending);
	free(oc);
}

void onchain_rebuild(struct onchain *oc)
{
	clear_derived(oc);
	if (!oc->num_log)
		return;
	onchain_classify(oc, &oc->log[0]);
	for (size_t i = 1; i < oc->num_log; i++)
		onchain_apply_spend(oc, &oc->log[i]);
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
	if (out->kind == ONCHAIN_OUT_WALLET || out->kind == ONCHAIN_OUT_THEIRS
	    || out->kind == ONCHAIN_OUT_ANCHOR || out->is_dust) {
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

/* may_replace: a block was connected (see onchain_decide). */
static void step_done(struct onchain *oc, struct onchain_effects *fx,
		      const struct onchain_feerates *feerates, bool may_replace)
{
	onchain_decide(oc, fx, feerates, may_replace);
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
			if (onchain_spends_funding(oc, txs[i])) {
				log_tx(oc, txs[i], height);
				onchain_rebuild(oc);
			}
			continue;
		}
		if (onchain_spends_tracked(oc, txs[i])) {
			log_tx(oc, txs[i], height);
			onchain_apply_spend(oc, &oc->log[oc->num_log - 1]);
		}
	}
	step_done(oc, fx, feerates, true);
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
	step_done(oc, fx, feerates, false);
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
	step_done(oc, fx, feerates, false);
}

void onchain_resume(struct onchain *oc, struct onchain_effects *fx,
		    const struct onchain_feerates *feerates)
{
	step_done(oc, fx, feerates, false);
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

const struct bitcoin_tx *onchain_get_confirmed_tx(const struct onchain *oc, size_t i)
{
	return i < oc->num_log ? oc->log[i].tx : NULL;
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
