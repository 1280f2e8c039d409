/* The transactions the resolver handed over and that are not confirmed
 * yet (struct onchain_pending), and their replacement (BIP125): which
 * one spends an output, what a replacement must pay, the fee schedule
 * (onchain_sweep_feerate), and forgetting those that can no longer
 * confirm. */
#include "onchain/onchain_internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

uint32_t onchain_sweep_feerate(uint32_t start_perkw, uint32_t end_perkw, uint32_t since,
			       uint32_t deadline, uint32_t tip)
{
	uint64_t span, elapsed;

	if (end_perkw <= start_perkw)
		return start_perkw;
	if (tip >= deadline)
		return end_perkw;
	elapsed = tip > since ? tip - since : 0;
	span = deadline > since ? deadline - since : 1;
	return start_perkw + (uint32_t)((uint64_t)(end_perkw - start_perkw) * elapsed / span);
}

/* Whether a transaction paying fee_sat, of the weight tx's fee was
 * computed at, may replace one paying old_fee_sat (BIP125 rules 3 and 4:
 * more absolute fee, and at least the incremental relay feerate times
 * its own size more). */
bool onchain_replacement_pays_enough(uint64_t fee_sat, size_t weight, uint64_t old_fee_sat)
{
	uint64_t incremental = ((uint64_t)ONCHAIN_INCREMENTAL_RELAY_PERKW * weight + 999) / 1000;

	return fee_sat > old_fee_sat && fee_sat - old_fee_sat >= incremental;
}

static bool same_outpoint(const struct bitcoin_outpoint *a, const struct bitcoin_outpoint *b)
{
	return a->vout == b->vout && bitcoin_txid_eq(&a->txid, &b->txid);
}

/* Whether a and b spend an output in common. */
static bool conflict(const struct bitcoin_tx *a, const struct bitcoin_tx *b)
{
	for (size_t i = 0; i < a->num_inputs; i++)
		for (size_t j = 0; j < b->num_inputs; j++)
			if (same_outpoint(&a->inputs[i].prevout, &b->inputs[j].prevout))
				return true;
	return false;
}

/* The pending transaction spending out, or NULL. */
struct onchain_pending *onchain_pending_for(struct onchain *oc, const struct onchain_out *out)
{
	for (size_t i = 0; i < oc->num_pending; i++)
		for (size_t j = 0; j < oc->pending[i].tx->num_inputs; j++)
			if (same_outpoint(&oc->pending[i].tx->inputs[j].prevout, &out->outpoint))
				return &oc->pending[i];
	return NULL;
}

/* Whether tx spends an input the resolver does not track (a wallet's fee
 * coin, never the first). */
static bool has_fee_coin(struct onchain *oc, const struct bitcoin_tx *tx)
{
	for (size_t j = 1; j < tx->num_inputs; j++)
		if (!onchain_find_out(oc, &tx->inputs[j].prevout))
			return true;
	return false;
}

static void abandon(struct onchain_effects *fx, const struct bitcoin_txid *txid)
{
	fx->abandoned = oh_realloc(fx->abandoned, (fx->num_abandoned + 1) * sizeof(*fx->abandoned));
	fx->abandoned[fx->num_abandoned++] = *txid;
}

/* Forgets the pending transactions that can no longer confirm, or did:
 * one spending an output that is spent, or whose first input is no longer
 * tracked; one with a wallet fee coin that did not confirm goes to
 * fx->abandoned. */
void onchain_prune_pending(struct onchain *oc, struct onchain_effects *fx)
{
	size_t keep = 0;

	for (size_t i = 0; i < oc->num_pending; i++) {
		struct bitcoin_tx *tx = oc->pending[i].tx;
		bool live = onchain_find_out(oc, &tx->inputs[0].prevout) != NULL;
		bool confirmed = false;
		struct bitcoin_txid txid;

		bitcoin_tx_txid(&txid, tx);
		for (size_t j = 0; j < tx->num_inputs; j++) {
			const struct onchain_out *out = onchain_find_out(oc, &tx->inputs[j].prevout);
			if (out && out->is_spent) {
				live = false;
				confirmed = bitcoin_txid_eq(&out->spent_by, &txid);
			}
		}
		if (live) {
			oc->pending[keep++] = oc->pending[i];
			continue;
		}
		if (has_fee_coin(oc, tx) && !confirmed)
			abandon(fx, &txid);
		bitcoin_tx_free(tx);
	}
	oc->num_pending = keep;
}

static struct onchain_broadcast *emit(struct onchain *oc, struct onchain_effects *fx,
				      struct bitcoin_tx *tx, uint32_t deadline,
				      enum onchain_output_kind kind,
				      const struct onchain_pending *meta)
{
	struct onchain_broadcast *b;

	fx->txs = oh_realloc(fx->txs, (fx->num_txs + 1) * sizeof(*fx->txs));
	b = &fx->txs[fx->num_txs++];
	memset(b, 0, sizeof(*b));
	b->tx = tx;
	b->deadline = deadline;
	b->kind = kind;
	b->fee_sat = meta->fee_sat;
	b->feerate_perkw = meta->feerate_perkw;
	/* An input the resolver does not track is the wallet's fee coin. */
	for (size_t i = 0; i < tx->num_inputs; i++)
		if (!onchain_find_out(oc, &tx->inputs[i].prevout)) {
			b->has_fee_coin = true;
			b->fee_coin = tx->inputs[i].prevout;
		}
	return b;
}

/* Hands tx over (takes it) and keeps it pending with meta's fee (its tx
 * ignored), instead of any pending one it conflicts with (a replacement,
 * or the penalty signed again): that one is abandoned if it had a wallet
 * fee coin. */
void onchain_hand_over(struct onchain *oc, struct onchain_effects *fx, struct bitcoin_tx *tx,
		      uint32_t deadline, enum onchain_output_kind kind,
		      const struct onchain_pending *meta)
{
	size_t keep = 0;
	struct bitcoin_txid txid, other;
	bool is_replacement = false;
	struct onchain_broadcast *b;
	struct onchain_pending *p;

	bitcoin_tx_txid(&txid, tx);
	for (size_t i = 0; i < oc->num_pending; i++) {
		bitcoin_tx_txid(&other, oc->pending[i].tx);
		if (bitcoin_txid_eq(&txid, &other)) {
			/* The same again (the penalty at its highest feerate). */
			bitcoin_tx_free(tx);
			return;
		}
	}
	for (size_t i = 0; i < oc->num_pending; i++) {
		if (conflict(oc->pending[i].tx, tx)) {
			bitcoin_tx_txid(&other, oc->pending[i].tx);
			is_replacement = true;
			if (has_fee_coin(oc, oc->pending[i].tx))
				abandon(fx, &other);
			bitcoin_tx_free(oc->pending[i].tx);
		} else {
			oc->pending[keep++] = oc->pending[i];
		}
	}
	oc->num_pending = keep;
	oc->pending = oh_realloc(oc->pending, (oc->num_pending + 1) * sizeof(*oc->pending));
	p = &oc->pending[oc->num_pending++];
	*p = *meta;
	p->tx = bitcoin_tx_dup(tx);
	b = emit(oc, fx, tx, deadline, kind, p);
	b->is_replacement = is_replacement;
	if (is_replacement)
		b->replaces = other;
}

void onchain_resend_pending(struct onchain *oc, struct onchain_effects *fx)
{
	for (size_t i = 0; i < oc->num_pending; i++) {
		bool seen = false;
		struct bitcoin_txid a, b;
		bitcoin_tx_txid(&a, oc->pending[i].tx);
		for (size_t k = 0; k < fx->num_txs && !seen; k++) {
			bitcoin_tx_txid(&b, fx->txs[k].tx);
			seen = bitcoin_txid_eq(&a, &b);
		}
		if (!seen) {
			const struct onchain_out *out =
				onchain_find_out(oc, &oc->pending[i].tx->inputs[0].prevout);
			emit(oc, fx, bitcoin_tx_dup(oc->pending[i].tx), oc->tip,
			     out ? out->kind : ONCHAIN_OUT_THEIRS, &oc->pending[i]);
		}
	}
}

uint64_t onchain_pending_fee(struct onchain *oc, const struct bitcoin_tx *tx)
{
	uint64_t in = 0, out = 0;

	for (size_t i = 0; i < tx->num_inputs; i++) {
		const struct onchain_out *o = onchain_find_out(oc, &tx->inputs[i].prevout);
		if (!o)
			return 0;
		in += o->amount_sat;
	}
	for (size_t i = 0; i < tx->num_outputs; i++)
		out += tx->outputs[i].amount_sat;
	return in > out ? in - out : 0;
}
