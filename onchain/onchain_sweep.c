/* The transactions the resolver signs: sweeps of our delayed outputs,
 * HTLC claims, our HTLC-timeout/-success transactions, and the penalty
 * (BOLT #5; the witnesses are BOLT #3's). */
#include "onchain/onchain_internal.h"

#include <stdlib.h>
#include <string.h>

#include "bitcoin/sighash.h"
#include "bitcoin/signature.h"
#include "channel/commitment_sign.h"
#include "common/alloc.h"
#include "crypto/secp.h"
#include "crypto/util.h"

/* BIP125: replaceable, no relative locktime. */
#define SEQUENCE_RBF 0xfffffffdu

uint32_t onchain_spendable_height(const struct onchain *oc, const struct onchain_out *out)
{
	switch (out->kind) {
	case ONCHAIN_OUT_DELAYED:
		return out->created_height + out->csv;
	case ONCHAIN_OUT_LOCAL_HTLC_TIMEOUT:
	case ONCHAIN_OUT_REMOTE_HTLC_TIMEOUT:
		/* nLockTime cltv_expiry: the next block may hold it. */
		return out->htlc.cltv_expiry + 1;
	case ONCHAIN_OUT_LOCAL_HTLC_SUCCESS:
	case ONCHAIN_OUT_REMOTE_HTLC_SUCCESS:
		return onchain_find_preimage(oc, &out->htlc.payment_hash)
			? out->created_height : 0;
	case ONCHAIN_OUT_PENALTY:
		return out->created_height;
	case ONCHAIN_OUT_TO_REMOTE_CSV:
		return out->created_height + 1;
	case ONCHAIN_OUT_WALLET:
	case ONCHAIN_OUT_THEIRS:
	case ONCHAIN_OUT_ANCHOR:
		break;
	}
	return UINT32_MAX;
}

static uint32_t input_sequence(const struct onchain *oc, const struct onchain_out *out)
{
	if (out->kind == ONCHAIN_OUT_DELAYED)
		return out->csv;
	if (out->kind == ONCHAIN_OUT_TO_REMOTE_CSV)
		return 1;
	/* With option_anchors the HTLC outputs carry a CSV of 1 for their
	 * counterparty (BOLT #3 "Offered HTLC Outputs"). */
	if ((out->kind == ONCHAIN_OUT_REMOTE_HTLC_TIMEOUT
	     || out->kind == ONCHAIN_OUT_REMOTE_HTLC_SUCCESS)
	    && oc->view.params.option_anchors)
		return 1;
	return SEQUENCE_RBF;
}

/* Signs input i of tx, spending out, with its BOLT #3 witness. */
static bool sign_input(const struct onchain *oc, struct bitcoin_tx *tx, size_t i,
		       const struct onchain_out *out)
{
	struct privkey key;
	struct sha256 hash;
	struct bitcoin_signature sig;
	uint8_t der[BITCOIN_SIGNATURE_MAX_LEN], point[PUBKEY_CMPR_LEN], one = 1;
	const uint8_t *items[3];
	size_t lens[3];
	const struct preimage *preimage;
	size_t num_items = 3;
	bool ok = false;

	switch (out->kind) {
	case ONCHAIN_OUT_DELAYED:
		ok = channel_derive_privkey(oc->ctx, &key,
					    &oc->secrets.delayed_payment_basepoint_secret,
					    &oc->view.local.point);
		break;
	case ONCHAIN_OUT_REMOTE_HTLC_TIMEOUT:
	case ONCHAIN_OUT_REMOTE_HTLC_SUCCESS:
		ok = channel_derive_privkey(oc->ctx, &key, &oc->secrets.htlc_basepoint_secret,
					    &oc->closing_c->keys.per_commitment_point);
		break;
	case ONCHAIN_OUT_PENALTY:
		ok = channel_derive_revocation_privkey(oc->ctx, &key,
						       &oc->secrets.revocation_basepoint_secret,
						       &oc->revoked_secret);
		break;
	case ONCHAIN_OUT_TO_REMOTE_CSV:
		/* option_anchors' to_remote pays the payment_basepoint
		 * itself (remotepubkey, as with static_remotekey). */
		key = oc->secrets.payment_basepoint_secret;
		ok = true;
		break;
	case ONCHAIN_OUT_LOCAL_HTLC_TIMEOUT:
	case ONCHAIN_OUT_LOCAL_HTLC_SUCCESS:
	case ONCHAIN_OUT_WALLET:
	case ONCHAIN_OUT_THEIRS:
	case ONCHAIN_OUT_ANCHOR:
		break;
	}
	if (!ok || !bip143_sighash(&hash, tx, i, out->wscript, out->wscript_len,
				   out->amount_sat, SIGHASH_ALL)
	    || !bitcoin_signature_sign(oc->ctx, &sig, &hash, &key, SIGHASH_ALL)) {
		crypto_wipe(&key, sizeof(key));
		return false;
	}
	crypto_wipe(&key, sizeof(key));
	items[0] = der;
	lens[0] = bitcoin_signature_serialize(oc->ctx, der, &sig);
	/* The witnesses of BOLT #3's scripts: to_local (and HTLC
	 * transaction outputs) after the delay `<local_delayedsig> <>`; an
	 * HTLC output of the peer's commitment `<remotehtlcsig> <>` after the
	 * timeout, `<remotehtlcsig> <payment_preimage>` with it; revoked
	 * `<revocation_sig> 1` for a to_local-style output,
	 * `<revocation_sig> <revocationpubkey>` for an HTLC output;
	 * option_anchors' to_remote `<remote_sig>`. */
	items[1] = NULL;
	lens[1] = 0;
	if (out->kind == ONCHAIN_OUT_REMOTE_HTLC_SUCCESS) {
		preimage = onchain_find_preimage(oc, &out->htlc.payment_hash);
		if (!preimage)
			return false;
		items[1] = preimage->r;
		lens[1] = sizeof(preimage->r);
	} else if (out->kind == ONCHAIN_OUT_PENALTY && out->is_penalty_htlc) {
		pubkey_serialize(oc->ctx, point, &oc->revoked_keys.revocation);
		items[1] = point;
		lens[1] = sizeof(point);
	} else if (out->kind == ONCHAIN_OUT_PENALTY) {
		items[1] = &one;
		lens[1] = 1;
	}
	if (out->kind == ONCHAIN_OUT_TO_REMOTE_CSV)
		num_items = 2;
	items[num_items - 1] = out->wscript;
	lens[num_items - 1] = out->wscript_len;
	bitcoin_tx_set_witness(tx, i, items, lens, num_items);
	return true;
}

static bool sign_all(const struct onchain *oc, struct bitcoin_tx *tx,
		     struct onchain_out *const *ins, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!sign_input(oc, tx, i, ins[i]))
			return false;
	return true;
}

uint64_t onchain_sweep_fee(const struct bitcoin_tx *tx, uint32_t feerate_perkw)
{
	size_t weight = bitcoin_tx_weight(tx);

	/* Each signature counted at its largest (72 bytes DER and the
	 * sighash byte), so re-signing cannot change the fee. */
	for (size_t i = 0; i < tx->num_inputs; i++)
		if (tx->inputs[i].num_witness && tx->inputs[i].witness[0].len < 73)
			weight += 73 - tx->inputs[i].witness[0].len;
	return ((uint64_t)feerate_perkw * weight + 999) / 1000;
}

/* A transaction spending ins to the sweep script at feerate_perkw.
 * Returns: NULL if what is left after the fee is dust (or signing failed). */
static struct bitcoin_tx *build_sweep(const struct onchain *oc, struct onchain_out *const *ins,
				      size_t n, uint32_t feerate_perkw)
{
	struct bitcoin_tx *tx;
	uint64_t total = 0, fee;
	uint32_t locktime = 0;

	for (size_t i = 0; i < n; i++) {
		total += ins[i]->amount_sat;
		if (ins[i]->kind == ONCHAIN_OUT_REMOTE_HTLC_TIMEOUT)
			locktime = ins[i]->htlc.cltv_expiry;
	}
	tx = bitcoin_tx_new(2, locktime);
	for (size_t i = 0; i < n; i++)
		bitcoin_tx_add_input(tx, &ins[i]->outpoint, input_sequence(oc, ins[i]));
	bitcoin_tx_add_output(tx, total, oc->sweep_script, oc->sweep_script_len);
	if (!sign_all(oc, tx, ins, n))
		goto fail;
	fee = onchain_sweep_fee(tx, feerate_perkw);
	if (total < fee + ONCHAIN_DUST_SAT)
		goto fail;
	tx->outputs[0].amount_sat = total - fee;
	if (!sign_all(oc, tx, ins, n))
		goto fail;
	return tx;
fail:
	bitcoin_tx_free(tx);
	return NULL;
}

/* Our HTLC-timeout or HTLC-success transaction for out, signed. */
static struct bitcoin_tx *local_htlc_tx(const struct onchain *oc, const struct onchain_out *out)
{
	struct ecdsa_signature ours;
	const struct preimage *preimage = NULL;

	if (!oc->closing_c || out->htlc_num >= oc->view.num_local_htlc_sigs
	    || !commitment_owner_sign_htlc(oc->ctx, &ours, oc->closing_c, out->htlc_num,
					   &oc->secrets.htlc_basepoint_secret))
		return NULL;
	if (out->kind == ONCHAIN_OUT_LOCAL_HTLC_SUCCESS) {
		preimage = onchain_find_preimage(oc, &out->htlc.payment_hash);
		if (!preimage)
			return NULL;
	}
	return commitment_signed_htlc_tx(oc->ctx, oc->closing_c, out->htlc_num, &ours,
					 &oc->view.local_htlc_sigs[out->htlc_num], preimage);
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
static const struct bitcoin_tx *pending_for(const struct onchain *oc,
					    const struct onchain_out *out)
{
	for (size_t i = 0; i < oc->num_pending; i++)
		for (size_t j = 0; j < oc->pending[i]->num_inputs; j++)
			if (same_outpoint(&oc->pending[i]->inputs[j].prevout, &out->outpoint))
				return oc->pending[i];
	return NULL;
}

/* Forgets the pending transactions that can no longer confirm, or did:
 * one spending an output that is spent (or no longer tracked). */
static void prune_pending(struct onchain *oc)
{
	size_t keep = 0;

	for (size_t i = 0; i < oc->num_pending; i++) {
		bool live = true;
		for (size_t j = 0; j < oc->pending[i]->num_inputs && live; j++) {
			const struct onchain_out *out =
				onchain_find_out(oc, &oc->pending[i]->inputs[j].prevout);
			live = out && !out->is_spent;
		}
		if (live)
			oc->pending[keep++] = oc->pending[i];
		else
			bitcoin_tx_free(oc->pending[i]);
	}
	oc->num_pending = keep;
}

static void emit(struct onchain_effects *fx, struct bitcoin_tx *tx, uint32_t deadline,
		 enum onchain_output_kind kind)
{
	struct onchain_broadcast *b;

	fx->txs = oh_realloc(fx->txs, (fx->num_txs + 1) * sizeof(*fx->txs));
	b = &fx->txs[fx->num_txs++];
	b->tx = tx;
	b->deadline = deadline;
	b->kind = kind;
}

/* Hands tx over (takes it) and keeps it pending, instead of any pending
 * one it conflicts with (a penalty signed again). */
static void hand_over(struct onchain *oc, struct onchain_effects *fx, struct bitcoin_tx *tx,
		      uint32_t deadline, enum onchain_output_kind kind)
{
	size_t keep = 0;
	struct bitcoin_txid txid, other;

	bitcoin_tx_txid(&txid, tx);
	for (size_t i = 0; i < oc->num_pending; i++) {
		bitcoin_tx_txid(&other, oc->pending[i]);
		if (bitcoin_txid_eq(&txid, &other)) {
			/* The same again (the penalty at its highest feerate). */
			bitcoin_tx_free(tx);
			return;
		}
	}
	for (size_t i = 0; i < oc->num_pending; i++) {
		if (conflict(oc->pending[i], tx))
			bitcoin_tx_free(oc->pending[i]);
		else
			oc->pending[keep++] = oc->pending[i];
	}
	oc->num_pending = keep;
	oc->pending = oh_realloc(oc->pending, (oc->num_pending + 1) * sizeof(*oc->pending));
	oc->pending[oc->num_pending++] = bitcoin_tx_dup(tx);
	emit(fx, tx, deadline, kind);
}

void onchain_resend_pending(struct onchain *oc, struct onchain_effects *fx)
{
	for (size_t i = 0; i < oc->num_pending; i++) {
		bool seen = false;
		struct bitcoin_txid a, b;
		bitcoin_tx_txid(&a, oc->pending[i]);
		for (size_t k = 0; k < fx->num_txs && !seen; k++) {
			bitcoin_tx_txid(&b, fx->txs[k].tx);
			seen = bitcoin_txid_eq(&a, &b);
		}
		if (!seen) {
			const struct onchain_out *out =
				onchain_find_out(oc, &oc->pending[i]->inputs[0].prevout);
			emit(fx, bitcoin_tx_dup(oc->pending[i]), oc->tip,
			     out ? out->kind : ONCHAIN_OUT_THEIRS);
		}
	}
}

/* The penalty (BOLT #5 "Revoked Transaction Close Handling") for every
 * revoked output still unspent, in one transaction, its feerate raised by a
 * quarter of the urgent one at each block it has not confirmed (the
 * cheater's to_local becomes theirs after our to_self_delay), up to
 * ONCHAIN_PENALTY_MAX_BUMP times it; where the outputs cannot pay that, the
 * urgent feerate. */
static void decide_penalty(struct onchain *oc, struct onchain_effects *fx,
			   const struct onchain_feerates *feerates)
{
	struct onchain_out **ins = oh_calloc(oc->num_outs + 1, sizeof(*ins));
	size_t n = 0;
	uint32_t since = UINT32_MAX, feerate;
	struct bitcoin_tx *tx;

	for (size_t i = 0; i < oc->num_outs; i++) {
		struct onchain_out *out = &oc->outs[i];
		if (out->kind != ONCHAIN_OUT_PENALTY || out->is_spent || out->is_dust)
			continue;
		ins[n++] = out;
		if (out->created_height < since)
			since = out->created_height;
	}
	if (n) {
		uint64_t bump = oc->tip > since ? oc->tip - since : 0;
		uint64_t rate;
		if (bump > 4 * (ONCHAIN_PENALTY_MAX_BUMP - 1))
			bump = 4 * (ONCHAIN_PENALTY_MAX_BUMP - 1);
		rate = (uint64_t)feerates->urgent_perkw * (4 + bump) / 4;
		feerate = rate > UINT32_MAX ? UINT32_MAX : (uint32_t)rate;
		tx = build_sweep(oc, ins, n, feerate);
		if (!tx)
			tx = build_sweep(oc, ins, n, feerates->urgent_perkw);
		if (tx)
			hand_over(oc, fx, tx, since + oc->view.params.party[CHANNEL_LOCAL].to_self_delay,
				  ONCHAIN_OUT_PENALTY);
		else
			for (size_t i = 0; i < n; i++)
				ins[i]->is_dust = true;
	}
	free(ins);
}

void onchain_decide(struct onchain *oc, struct onchain_effects *fx,
		    const struct onchain_feerates *feerates)
{
	if (!oc->num_log)
		return;
	prune_pending(oc);
	decide_penalty(oc, fx, feerates);
	for (size_t i = 0; i < oc->num_outs; i++) {
		struct onchain_out *out = &oc->outs[i];
		uint32_t from = onchain_spendable_height(oc, out);
		struct bitcoin_tx *tx = NULL;
		uint32_t deadline;

		if (out->is_spent || out->is_dust || out->kind == ONCHAIN_OUT_PENALTY
		    || from == 0 || from == UINT32_MAX || oc->tip + 1 < from
		    || pending_for(oc, out))
			continue;
		switch (out->kind) {
		case ONCHAIN_OUT_LOCAL_HTLC_TIMEOUT:
		case ONCHAIN_OUT_LOCAL_HTLC_SUCCESS:
			tx = local_htlc_tx(oc, out);
			/* Before the peer can take it the other way. */
			deadline = out->htlc.cltv_expiry
				+ (out->kind == ONCHAIN_OUT_LOCAL_HTLC_TIMEOUT
				   ? ONCHAIN_REASONABLE_DEPTH : 0);
			break;
		case ONCHAIN_OUT_REMOTE_HTLC_TIMEOUT:
		case ONCHAIN_OUT_REMOTE_HTLC_SUCCESS:
			{
				struct onchain_out *one = out;
				tx = build_sweep(oc, &one, 1, feerates->urgent_perkw);
			}
			deadline = out->htlc.cltv_expiry
				+ (out->kind == ONCHAIN_OUT_REMOTE_HTLC_TIMEOUT
				   ? ONCHAIN_REASONABLE_DEPTH : 0);
			if (!tx)
				out->is_dust = true;
			break;
		case ONCHAIN_OUT_DELAYED:
		case ONCHAIN_OUT_TO_REMOTE_CSV:
			{
				struct onchain_out *one = out;
				tx = build_sweep(oc, &one, 1, feerates->normal_perkw);
			}
			deadline = from + ONCHAIN_SWEEP_DEADLINE_BLOCKS;
			if (!tx)
				out->is_dust = true;
			break;
		case ONCHAIN_OUT_PENALTY:
		case ONCHAIN_OUT_WALLET:
		case ONCHAIN_OUT_THEIRS:
		case ONCHAIN_OUT_ANCHOR:
			break;
		}
		if (tx)
			hand_over(oc, fx, tx, deadline, out->kind);
	}
}
