/* The transactions the resolver signs: sweeps of our delayed outputs,
 * HTLC claims, our HTLC-timeout/-success transactions, and the penalty
 * (BOLT #5; the witnesses are BOLT #3's). */
#include "onchain/onchain_internal.h"

#include <stdlib.h>
#include <string.h>

#include "bitcoin/script.h"
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

/* tx's weight with each signature counted at its largest (72 bytes DER
 * and the sighash byte), so re-signing cannot change the fee. */
static size_t sweep_weight(const struct bitcoin_tx *tx)
{
	size_t weight = bitcoin_tx_weight(tx);

	for (size_t i = 0; i < tx->num_inputs; i++)
		if (tx->inputs[i].num_witness && tx->inputs[i].witness[0].len < 73)
			weight += 73 - tx->inputs[i].witness[0].len;
	return weight;
}

uint64_t onchain_sweep_fee(const struct bitcoin_tx *tx, uint32_t feerate_perkw)
{
	return ((uint64_t)feerate_perkw * sweep_weight(tx) + 999) / 1000;
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

/* BOLT #3 "Expected Weight of HTLC-timeout and HTLC-success Transactions"
 * with option_anchors (the larger, HTLC-success's), a P2WPKH input
 * (41 * 4 + 1 + 73 + 34) and a P2WPKH output (31 * 4). */
#define ANCHOR_HTLC_TX_WEIGHT (706 + 272 + 124)

/* Signs input 0 of tx, an option_anchors HTLC transaction of ours
 * extended with a fee input: the peer's signature (SIGHASH_SINGLE|
 * ANYONECANPAY) as it gave it, ours SIGHASH_ALL over the whole; and input
 * 1, coin's P2WPKH. */
static bool sign_anchor_htlc_tx(const struct onchain *oc, struct bitcoin_tx *tx,
				const struct onchain_out *out, const struct preimage *preimage,
				const struct onchain_fee_coin *coin)
{
	struct bitcoin_signature theirs, ours, fee_sig;
	uint8_t their_der[BITCOIN_SIGNATURE_MAX_LEN], our_der[BITCOIN_SIGNATURE_MAX_LEN];
	uint8_t fee_der[BITCOIN_SIGNATURE_MAX_LEN], fee_point[PUBKEY_CMPR_LEN];
	const uint8_t *items[5];
	size_t lens[5];
	struct privkey key;
	struct pubkey fee_pubkey;
	struct ripemd160 key_hash;
	struct wirebuf *code;
	struct sha256 hash;
	bool ok;

	theirs.sig = oc->view.local_htlc_sigs[out->htlc_num];
	theirs.sighash_type = SIGHASH_SINGLE | SIGHASH_ANYONECANPAY;
	ok = channel_derive_privkey(oc->ctx, &key, &oc->secrets.htlc_basepoint_secret,
				    &oc->closing_c->keys.per_commitment_point)
		&& bip143_sighash(&hash, tx, 0, out->wscript, out->wscript_len, out->amount_sat,
				  SIGHASH_ALL)
		&& bitcoin_signature_sign(oc->ctx, &ours, &hash, &key, SIGHASH_ALL);
	crypto_wipe(&key, sizeof(key));
	if (!ok || !pubkey_from_privkey(oc->ctx, &fee_pubkey, &coin->key))
		return false;
	memcpy(key_hash.u8, coin->script + 2, sizeof(key_hash.u8));
	code = wirebuf_new();
	script_code_for_p2wpkh(code, &key_hash);
	ok = bip143_sighash(&hash, tx, 1, code->data, code->len, coin->amount_sat, SIGHASH_ALL)
		&& bitcoin_signature_sign(oc->ctx, &fee_sig, &hash, &coin->key, SIGHASH_ALL);
	wirebuf_free(code);
	if (!ok)
		return false;
	/* BOLT #3:
	 *   * `txin[0]` witness stack: `0 <remotehtlcsig> <localhtlcsig>  <payment_preimage>` for HTLC-success, `0 <remotehtlcsig> <localhtlcsig> <>` for HTLC-timeout
	 */
	items[0] = NULL;
	lens[0] = 0;
	items[1] = their_der;
	lens[1] = bitcoin_signature_serialize(oc->ctx, their_der, &theirs);
	items[2] = our_der;
	lens[2] = bitcoin_signature_serialize(oc->ctx, our_der, &ours);
	items[3] = preimage ? preimage->r : NULL;
	lens[3] = preimage ? sizeof(preimage->r) : 0;
	items[4] = out->wscript;
	lens[4] = out->wscript_len;
	bitcoin_tx_set_witness(tx, 0, items, lens, 5);
	pubkey_serialize(oc->ctx, fee_point, &fee_pubkey);
	items[0] = fee_der;
	lens[0] = bitcoin_signature_serialize(oc->ctx, fee_der, &fee_sig);
	items[1] = fee_point;
	lens[1] = sizeof(fee_point);
	bitcoin_tx_set_witness(tx, 1, items, lens, 2);
	return true;
}

/* tx's weight with each signature counted at 73 bytes. */
static size_t anchor_htlc_weight(const struct bitcoin_tx *tx)
{
	return bitcoin_tx_weight(tx) + (73 - tx->inputs[0].witness[1].len)
		+ (73 - tx->inputs[0].witness[2].len) + (73 - tx->inputs[1].witness[0].len);
}

/* The fee tx pays at feerate_perkw, each signature counted at 73 bytes. */
static uint64_t anchor_htlc_fee(const struct bitcoin_tx *tx, uint32_t feerate_perkw)
{
	return ((uint64_t)feerate_perkw * anchor_htlc_weight(tx) + 999) / 1000;
}

/* What a transaction we build pays. */
struct built {
	uint64_t fee_sat;
	uint64_t fee_coin_sat;		/* its wallet fee coin's value, or 0 */
};

/* An option_anchors HTLC transaction of ours, its fee paid by a wallet
 * coin at feerate_perkw (BOLT #3: "HTLC-timeout and HTLC-success ... zero
 * fee", the peer signs SIGHASH_SINGLE|SIGHASH_ANYONECANPAY so inputs and
 * outputs can be added): a new coin, or same_coin (the one of the version
 * it replaces, with less change).  Returns: NULL if the wallet has no
 * coin for it, or the coin cannot pay it. */
static struct bitcoin_tx *anchor_htlc_tx(const struct onchain *oc, const struct onchain_out *out,
					 const struct preimage *preimage,
					 const struct onchain_feerates *feerates,
					 uint32_t feerate_perkw,
					 const struct bitcoin_outpoint *same_coin, struct built *built)
{
	const struct onchain_fee_source *source = feerates->fee_source;
	const struct commitment_output *co = &oc->closing_c->outputs[out->outpoint.vout];
	struct onchain_fee_coin coin;
	struct bitcoin_tx *tx;
	uint64_t fee, min_sat;

	min_sat = ((uint64_t)feerate_perkw * ANCHOR_HTLC_TX_WEIGHT + 999) / 1000
		+ ONCHAIN_DUST_SAT;
	if (!source || !co->htlc_tx)
		return NULL;
	if (same_coin ? !source->get_same_coin
			|| !source->get_same_coin(source->arg, same_coin, &coin)
		      : !source->get_coin(source->arg, min_sat, &coin))
		return NULL;
	tx = bitcoin_tx_dup(co->htlc_tx);
	bitcoin_tx_add_input(tx, &coin.outpoint, SEQUENCE_RBF);
	bitcoin_tx_add_output(tx, coin.amount_sat, oc->sweep_script, oc->sweep_script_len);
	if (!sign_anchor_htlc_tx(oc, tx, out, preimage, &coin))
		goto fail;
	fee = anchor_htlc_fee(tx, feerate_perkw);
	if (coin.amount_sat < fee + ONCHAIN_DUST_SAT)
		goto fail;
	tx->outputs[1].amount_sat = coin.amount_sat - fee;
	if (!sign_anchor_htlc_tx(oc, tx, out, preimage, &coin))
		goto fail;
	crypto_wipe(&coin.key, sizeof(coin.key));
	built->fee_sat = fee;
	built->fee_coin_sat = coin.amount_sat;
	return tx;
fail:
	crypto_wipe(&coin.key, sizeof(coin.key));
	bitcoin_tx_free(tx);
	return NULL;
}

/* Our HTLC-timeout or HTLC-success transaction for out, signed; with
 * option_anchors at feerate_perkw (same_coin: see anchor_htlc_tx). */
static struct bitcoin_tx *local_htlc_tx(const struct onchain *oc, const struct onchain_out *out,
					const struct onchain_feerates *feerates,
					uint32_t feerate_perkw,
					const struct bitcoin_outpoint *same_coin, struct built *built)
{
	struct ecdsa_signature ours;
	const struct preimage *preimage = NULL;

	if (!oc->closing_c || out->htlc_num >= oc->view.num_local_htlc_sigs)
		return NULL;
	if (out->kind == ONCHAIN_OUT_LOCAL_HTLC_SUCCESS) {
		preimage = onchain_find_preimage(oc, &out->htlc.payment_hash);
		if (!preimage)
			return NULL;
	}
	if (oc->view.params.option_anchors)
		return anchor_htlc_tx(oc, out, preimage, feerates, feerate_perkw, same_coin,
				      built);
	/* Without option_anchors the peer signed it SIGHASH_ALL at the
	 * commitment's feerate: its fee is fixed, it cannot be replaced. */
	built->fee_sat = 0;
	if (!commitment_owner_sign_htlc(oc->ctx, &ours, oc->closing_c, out->htlc_num,
					&oc->secrets.htlc_basepoint_secret))
		return NULL;
	return commitment_signed_htlc_tx(oc->ctx, oc->closing_c, out->htlc_num, &ours,
					 &oc->view.local_htlc_sigs[out->htlc_num], preimage);
}

static uint64_t penalty_fee(struct onchain_out *const *ins, size_t n,
			    const struct bitcoin_tx *tx)
{
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += ins[i]->amount_sat;
	return total - tx->outputs[0].amount_sat;
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
		if (!tx) {
			feerate = feerates->urgent_perkw;
			tx = build_sweep(oc, ins, n, feerate);
		}
		if (tx) {
			struct onchain_pending meta = {
				.since = since,
				.fee_sat = penalty_fee(ins, n, tx),
				.feerate_perkw = feerate,
			};
			onchain_hand_over(oc, fx, tx, since + oc->view.params.party[CHANNEL_LOCAL].to_self_delay,
				  ONCHAIN_OUT_PENALTY, &meta);
		}
		else
			for (size_t i = 0; i < n; i++)
				ins[i]->is_dust = true;
	}
	free(ins);
}

/* The deadline of out's sweep, and the ends of its fee schedule
 * (onchain_sweep_feerate). */
static uint32_t sweep_plan(const struct onchain *oc, const struct onchain_out *out,
			   const struct onchain_feerates *feerates, uint32_t *start_perkw,
			   uint32_t *end_perkw)
{
	uint64_t end = (uint64_t)feerates->urgent_perkw * ONCHAIN_HTLC_MAX_BUMP;

	*start_perkw = feerates->urgent_perkw;
	*end_perkw = end > UINT32_MAX ? UINT32_MAX : (uint32_t)end;
	switch (out->kind) {
	case ONCHAIN_OUT_LOCAL_HTLC_TIMEOUT:
	case ONCHAIN_OUT_REMOTE_HTLC_TIMEOUT:
		/* Before the peer can take it the other way. */
		return out->htlc.cltv_expiry + ONCHAIN_REASONABLE_DEPTH;
	case ONCHAIN_OUT_LOCAL_HTLC_SUCCESS:
	case ONCHAIN_OUT_REMOTE_HTLC_SUCCESS:
		return out->htlc.cltv_expiry;
	case ONCHAIN_OUT_DELAYED:
	case ONCHAIN_OUT_TO_REMOTE_CSV:
		*start_perkw = feerates->normal_perkw;
		*end_perkw = feerates->urgent_perkw;
		return onchain_spendable_height(oc, out) + ONCHAIN_SWEEP_DEADLINE_BLOCKS;
	case ONCHAIN_OUT_PENALTY:
	case ONCHAIN_OUT_WALLET:
	case ONCHAIN_OUT_THEIRS:
	case ONCHAIN_OUT_ANCHOR:
		break;
	}
	return oc->tip;
}

/* out's sweep at feerate_perkw (same_coin: see anchor_htlc_tx), or NULL
 * (dust at that feerate, no fee coin, no preimage). */
static struct bitcoin_tx *build_for(struct onchain *oc, struct onchain_out *out,
				    const struct onchain_feerates *feerates,
				    uint32_t feerate_perkw,
				    const struct bitcoin_outpoint *same_coin, struct built *built)
{
	struct bitcoin_tx *tx = NULL;

	memset(built, 0, sizeof(*built));
	switch (out->kind) {
	case ONCHAIN_OUT_LOCAL_HTLC_TIMEOUT:
	case ONCHAIN_OUT_LOCAL_HTLC_SUCCESS:
		return local_htlc_tx(oc, out, feerates, feerate_perkw, same_coin, built);
	case ONCHAIN_OUT_REMOTE_HTLC_TIMEOUT:
	case ONCHAIN_OUT_REMOTE_HTLC_SUCCESS:
	case ONCHAIN_OUT_DELAYED:
	case ONCHAIN_OUT_TO_REMOTE_CSV:
		tx = build_sweep(oc, &out, 1, feerate_perkw);
		if (tx)
			built->fee_sat = out->amount_sat - tx->outputs[0].amount_sat;
		return tx;
	case ONCHAIN_OUT_PENALTY:
	case ONCHAIN_OUT_WALLET:
	case ONCHAIN_OUT_THEIRS:
	case ONCHAIN_OUT_ANCHOR:
		break;
	}
	return NULL;
}

/* out's pending sweep p not confirmed yet: replaced by one at the
 * schedule's feerate for this tip if that pays BIP125's minimum more. */
static void refee(struct onchain *oc, struct onchain_effects *fx, struct onchain_out *out,
		  const struct onchain_pending *p, const struct onchain_feerates *feerates)
{
	uint32_t start, end, deadline = sweep_plan(oc, out, feerates, &start, &end), feerate;
	const struct bitcoin_outpoint *same_coin = NULL;
	struct onchain_pending meta = *p;
	struct bitcoin_tx *tx;
	struct built built;
	size_t weight;

	/* A pre-signed HTLC transaction (no option_anchors), or an unknown
	 * fee (a version 1 snapshot's with a fee coin): as it is. */
	if ((out->kind == ONCHAIN_OUT_LOCAL_HTLC_TIMEOUT
	     || out->kind == ONCHAIN_OUT_LOCAL_HTLC_SUCCESS) && !oc->view.params.option_anchors)
		return;
	if (!p->fee_sat || p->tx->num_inputs != (p->fee_coin_sat ? 2u : 1u)
	    || feerates->is_fallback)
		return;
	feerate = onchain_sweep_feerate(start, end, p->since, deadline, oc->tip);
	if (feerate <= p->feerate_perkw)
		return;
	if (p->fee_coin_sat)
		same_coin = &p->tx->inputs[1].prevout;
	tx = build_for(oc, out, feerates, feerate, same_coin, &built);
	if (!tx)
		return;
	weight = p->fee_coin_sat ? anchor_htlc_weight(tx) : sweep_weight(tx);
	if (!onchain_replacement_pays_enough(built.fee_sat, weight, p->fee_sat)) {
		bitcoin_tx_free(tx);
		return;
	}
	meta.fee_sat = built.fee_sat;
	meta.feerate_perkw = feerate;
	meta.fee_coin_sat = built.fee_coin_sat;
	onchain_hand_over(oc, fx, tx, deadline, out->kind, &meta);
}

void onchain_decide(struct onchain *oc, struct onchain_effects *fx,
		    const struct onchain_feerates *feerates, bool may_replace)
{
	if (!oc->num_log)
		return;
	onchain_prune_pending(oc, fx);
	decide_penalty(oc, fx, feerates);
	for (size_t i = 0; i < oc->num_outs; i++) {
		struct onchain_out *out = &oc->outs[i];
		uint32_t from = onchain_spendable_height(oc, out);
		uint32_t start, end, deadline;
		struct onchain_pending *p, meta = {.since = oc->tip};
		struct built built;
		struct bitcoin_tx *tx;

		if (out->is_spent || out->is_dust || out->kind == ONCHAIN_OUT_PENALTY
		    || out->kind == ONCHAIN_OUT_WALLET || out->kind == ONCHAIN_OUT_THEIRS
		    || out->kind == ONCHAIN_OUT_ANCHOR
		    || from == 0 || from == UINT32_MAX || oc->tip + 1 < from)
			continue;
		p = onchain_pending_for(oc, out);
		if (p) {
			if (may_replace)
				refee(oc, fx, out, p, feerates);
			continue;
		}
		deadline = sweep_plan(oc, out, feerates, &start, &end);
		meta.feerate_perkw = onchain_sweep_feerate(start, end, oc->tip, deadline, oc->tip);
		tx = build_for(oc, out, feerates, meta.feerate_perkw, NULL, &built);
		if (!tx) {
			/* An HTLC transaction of ours waits (a fee coin, its
			 * preimage); a sweep too small for its fee is dust. */
			if (out->kind != ONCHAIN_OUT_LOCAL_HTLC_TIMEOUT
			    && out->kind != ONCHAIN_OUT_LOCAL_HTLC_SUCCESS)
				out->is_dust = true;
			continue;
		}
		meta.fee_sat = built.fee_sat;
		meta.fee_coin_sat = built.fee_coin_sat;
		if (!built.fee_sat)
			meta.feerate_perkw = 0;
		onchain_hand_over(oc, fx, tx, deadline, out->kind, &meta);
	}
}
