/* Commitment transaction construction (BOLT #3), following the spec's
 * "Commitment Transaction Construction" steps in order.
 *
 * Everything "local" in BOLT #3 is the owner's; the counterparty is
 * "remote".  The owner's outputs are delayed by the counterparty's
 * to_self_delay, and trimmed against the owner's dust limit. */
#include "channel/commitment.h"

#include <stdlib.h>
#include <string.h>

#include "bitcoin/script.h"
#include "channel/fee.h"
#include "channel/htlc_tx.h"
#include "channel/scripts.h"
#include "crypto/hash.h"
#include "crypto/secp.h"
#include "wire/wirebuf.h"

/* An output before sorting: its description and scriptPubKey. */
struct pending_output {
	struct commitment_output out;
	struct wirebuf *script_pubkey;
	size_t seq;	/* insertion order: the last tie-break */
};

static void fail(const char **err, const char *msg)
{
	if (err)
		*err = msg;
}

uint64_t commitment_obscured_number(const secp256k1_context *ctx,
				    const struct channel_params *params,
				    uint64_t commitment_number)
{
	enum channel_side opener = params->opener;
	uint8_t buf[2 * PUBKEY_CMPR_LEN];
	struct sha256 h;
	uint64_t factor = 0;

	/* BOLT #3:
	 * The 48-bit commitment number is obscured by `XOR` with the lower 48 bits of:
	 *
	 *     SHA256(payment_basepoint from open_channel || payment_basepoint from accept_channel)
	 */
	pubkey_serialize(ctx, buf, &params->party[opener].basepoints.payment);
	pubkey_serialize(ctx, buf + PUBKEY_CMPR_LEN,
			 &params->party[channel_side_other(opener)]
				  .basepoints.payment);
	sha256(&h, buf, sizeof(buf));
	for (size_t i = SHA256_LEN - 6; i < SHA256_LEN; i++)
		factor = (factor << 8) | h.u8[i];
	return (commitment_number ^ factor) & COMMITMENT_NUMBER_MAX;
}

static bool htlc_is_trimmed(const struct channel_params *params,
			    enum channel_side owner, uint32_t feerate_per_kw,
			    const struct channel_htlc *htlc)
{
	return channel_htlc_is_trimmed(htlc->amount_msat, htlc->offerer == owner,
				       feerate_per_kw,
				       params->party[owner].dust_limit_sat,
				       params->option_anchors);
}

size_t commitment_num_untrimmed_htlcs(const struct channel_params *params,
				      enum channel_side owner,
				      const struct commitment_state *state)
{
	size_t n = 0;

	for (size_t i = 0; i < state->num_htlcs; i++)
		if (!htlc_is_trimmed(params, owner, state->feerate_per_kw,
				     &state->htlcs[i]))
			n++;
	return n;
}

uint64_t commitment_opener_cost_sat(const struct channel_params *params,
				    enum channel_side owner,
				    const struct commitment_state *state)
{
	uint64_t fee = channel_commitment_fee_sat(
		state->feerate_per_kw,
		commitment_num_untrimmed_htlcs(params, owner, state),
		params->option_anchors);

	return fee + (params->option_anchors ? 2 * CHANNEL_ANCHOR_OUTPUT_SAT : 0);
}

/* The keys of owner's commitment at per_commitment_point. */
bool commitment_keys_derive(const secp256k1_context *ctx,
			    struct commitment_keys *keys,
			    const struct channel_params *params,
			    enum channel_side owner,
			    const struct pubkey *per_commitment_point)
{
	const struct channel_basepoints *local = &params->party[owner].basepoints;
	const struct channel_basepoints *remote =
		&params->party[channel_side_other(owner)].basepoints;

	keys->per_commitment_point = *per_commitment_point;
	/* BOLT #3:
	 * The `remotepubkey` is simply the remote node's `payment_basepoint`.
	 */
	keys->remote_payment = remote->payment;
	return channel_derive_revocation_pubkey(ctx, &keys->revocation,
						&remote->revocation,
						per_commitment_point)
		&& channel_derive_pubkey(ctx, &keys->local_delayed,
					 &local->delayed_payment,
					 per_commitment_point)
		&& channel_derive_pubkey(ctx, &keys->local_htlc, &local->htlc,
					 per_commitment_point)
		&& channel_derive_pubkey(ctx, &keys->remote_htlc, &remote->htlc,
					 per_commitment_point);
}

/* Checks balances + HTLCs == funding, without overflowing. */
static bool amounts_add_up(const struct channel_params *params,
			   const struct commitment_state *state)
{
	uint64_t total = 0, funding_msat;

	if (params->funding_sat > UINT64_MAX / 1000)
		return false;
	funding_msat = params->funding_sat * 1000;
	for (size_t side = 0; side < CHANNEL_NUM_SIDES; side++) {
		if (state->balance_msat[side] > funding_msat - total)
			return false;
		total += state->balance_msat[side];
	}
	for (size_t i = 0; i < state->num_htlcs; i++) {
		if (state->htlcs[i].amount_msat > funding_msat - total)
			return false;
		total += state->htlcs[i].amount_msat;
	}
	return total == funding_msat;
}

/* Appends an output whose scriptPubKey is P2WSH(witness script). */
static void add_p2wsh(struct pending_output *outs, size_t *n,
		      enum commitment_output_type type, uint64_t amount_sat,
		      struct wirebuf *witness_script)
{
	struct pending_output *p = &outs[*n];

	memset(p, 0, sizeof(*p));
	p->out.type = type;
	p->out.amount_sat = amount_sat;
	p->out.witness_script = wirebuf_take(witness_script,
					     &p->out.witness_script_len);
	p->script_pubkey = wirebuf_new();
	script_p2wsh_for_witness_script(p->script_pubkey, p->out.witness_script,
					p->out.witness_script_len);
	p->seq = (*n)++;
}

static void add_htlc_output(const secp256k1_context *ctx,
			    struct pending_output *outs, size_t *n,
			    const struct commitment *c,
			    const struct channel_htlc *htlc)
{
	struct wirebuf *script = wirebuf_new();
	bool offered = htlc->offerer == c->owner;

	if (offered)
		channel_script_offered_htlc(script, ctx, &c->keys.revocation,
					    &c->keys.local_htlc,
					    &c->keys.remote_htlc,
					    &htlc->payment_hash,
					    c->option_anchors);
	else
		channel_script_received_htlc(script, ctx, &c->keys.revocation,
					     &c->keys.local_htlc,
					     &c->keys.remote_htlc,
					     &htlc->payment_hash,
					     htlc->cltv_expiry,
					     c->option_anchors);
	/* BOLT #3:
	 * The amounts for each output MUST be rounded down to whole satoshis.
	 */
	add_p2wsh(outs, n,
		  offered ? COMMITMENT_OUTPUT_OFFERED_HTLC
			  : COMMITMENT_OUTPUT_RECEIVED_HTLC,
		  htlc->amount_msat / 1000, script);
	outs[*n - 1].out.htlc = *htlc;
}

static bool is_htlc_output(const struct commitment_output *out)
{
	return out->type == COMMITMENT_OUTPUT_OFFERED_HTLC
		|| out->type == COMMITMENT_OUTPUT_RECEIVED_HTLC;
}

/* BOLT #3:
 * Outputs in transactions are always sorted according to:
 *  * first according to their value, smallest first (in whole satoshis, note that for HTLC outputs, the millisatoshi part must be ignored)
 *  * followed by `scriptpubkey`, comparing the common-length prefix lexicographically as if by `memcmp`, then selecting the shorter script (if they differ in length),
 *  * finally, for HTLC outputs, in increasing `cltv_expiry` order.
 *
 * Two HTLCs equal even in that are interchangeable; insertion order keeps
 * qsort deterministic.
 */
static int output_cmp(const void *va, const void *vb)
{
	const struct pending_output *a = va, *b = vb;
	size_t common = a->script_pubkey->len < b->script_pubkey->len
		? a->script_pubkey->len : b->script_pubkey->len;
	int cmp;

	if (a->out.amount_sat != b->out.amount_sat)
		return a->out.amount_sat < b->out.amount_sat ? -1 : 1;
	cmp = memcmp(a->script_pubkey->data, b->script_pubkey->data, common);
	if (cmp)
		return cmp;
	if (a->script_pubkey->len != b->script_pubkey->len)
		return a->script_pubkey->len < b->script_pubkey->len ? -1 : 1;
	if (is_htlc_output(&a->out) && is_htlc_output(&b->out)
	    && a->out.htlc.cltv_expiry != b->out.htlc.cltv_expiry)
		return a->out.htlc.cltv_expiry < b->out.htlc.cltv_expiry ? -1
									 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Adds the to_local, to_remote and anchor outputs (steps 6 to 8). */
static void add_balance_outputs(const secp256k1_context *ctx,
				struct pending_output *outs, size_t *n,
				const struct commitment *c,
				const struct channel_params *params,
				const uint64_t balance_sat[CHANNEL_NUM_SIDES],
				size_t num_untrimmed, uint16_t to_self_delay)
{
	enum channel_side owner = c->owner, other = channel_side_other(owner);
	uint64_t dust_limit_sat = params->party[owner].dust_limit_sat;
	bool has_to_local = balance_sat[owner] >= dust_limit_sat;
	bool has_to_remote = balance_sat[other] >= dust_limit_sat;
	struct wirebuf *script;

	/* BOLT #3:
	 * 6. If the `to_local` amount is greater or equal to `dust_limit_satoshis`,
	 *    add a [`to_local` output](#to_local-output).
	 */
	if (has_to_local) {
		script = wirebuf_new();
		channel_script_to_local(script, ctx, &c->keys.revocation,
					to_self_delay, &c->keys.local_delayed);
		add_p2wsh(outs, n, COMMITMENT_OUTPUT_TO_LOCAL,
			  balance_sat[owner], script);
	}
	/* BOLT #3:
	 * 7. If the `to_remote` amount is greater or equal to `dust_limit_satoshis`,
	 *    add a [`to_remote` output](#to_remote-output).
	 */
	if (has_to_remote && c->option_anchors) {
		script = wirebuf_new();
		channel_script_to_remote_anchored(script, ctx,
						  &c->keys.remote_payment);
		add_p2wsh(outs, n, COMMITMENT_OUTPUT_TO_REMOTE,
			  balance_sat[other], script);
	} else if (has_to_remote) {
		/* BOLT #3:
		 * Otherwise, this output is a simple P2WPKH to `remotepubkey`.
		 */
		struct pending_output *p = &outs[*n];

		memset(p, 0, sizeof(*p));
		p->out.type = COMMITMENT_OUTPUT_TO_REMOTE;
		p->out.amount_sat = balance_sat[other];
		p->script_pubkey = wirebuf_new();
		script_p2wpkh_for_pubkey(p->script_pubkey, ctx,
					 &c->keys.remote_payment);
		p->seq = (*n)++;
	}
	if (!c->option_anchors)
		return;
	/* BOLT #3:
	 * 8. If `option_anchors` applies to the commitment transaction:
	 *    * if `to_local` exists or there are untrimmed HTLCs, add a [`to_local_anchor` output](#to_local_anchor-and-to_remote_anchor-output-option_anchors)
	 *    * if `to_remote` exists or there are untrimmed HTLCs, add a [`to_remote_anchor` output](#to_local_anchor-and-to_remote_anchor-output-option_anchors)
	 */
	if (has_to_local || num_untrimmed) {
		script = wirebuf_new();
		channel_script_anchor(script, ctx, &c->funding_pubkey[0]);
		add_p2wsh(outs, n, COMMITMENT_OUTPUT_LOCAL_ANCHOR,
			  CHANNEL_ANCHOR_OUTPUT_SAT, script);
	}
	if (has_to_remote || num_untrimmed) {
		script = wirebuf_new();
		channel_script_anchor(script, ctx, &c->funding_pubkey[1]);
		add_p2wsh(outs, n, COMMITMENT_OUTPUT_REMOTE_ANCHOR,
			  CHANNEL_ANCHOR_OUTPUT_SAT, script);
	}
}

/* Builds the HTLC transaction of every HTLC output of c->tx. */
static void add_htlc_txs(const secp256k1_context *ctx, struct commitment *c,
			 uint16_t to_self_delay)
{
	struct bitcoin_outpoint outpoint;

	bitcoin_tx_txid(&outpoint.txid, c->tx);
	c->htlc_outputs = wire_calloc(c->num_outputs, sizeof(size_t));
	for (size_t i = 0; i < c->num_outputs; i++) {
		struct commitment_output *out = &c->outputs[i];

		if (!is_htlc_output(out))
			continue;
		outpoint.vout = (uint32_t)i;
		/* Untrimmed, so the fee fits: never NULL. */
		out->htlc_tx = htlc_tx_new(
			ctx, &outpoint, out->amount_sat,
			out->type == COMMITMENT_OUTPUT_OFFERED_HTLC,
			out->htlc.cltv_expiry, c->feerate_per_kw,
			c->option_anchors, &c->keys.revocation, to_self_delay,
			&c->keys.local_delayed);
		c->htlc_outputs[c->num_htlc_outputs++] = i;
	}
}

/* Writes c->tx (input, locktime and the sorted outputs) and c->outputs,
 * taking the pending outputs' contents; the fee is what is left over. */
static void assemble_tx(const secp256k1_context *ctx, struct commitment *c,
			const struct channel_params *params,
			struct pending_output *pending, size_t n)
{
	uint64_t obscured = commitment_obscured_number(ctx, params,
						       c->commitment_number);
	uint64_t total = 0;

	/* BOLT #3:
	 * * locktime: upper 8 bits are 0x20, lower 24 bits are the lower 24 bits of the obscured commitment number
	 */
	c->tx = bitcoin_tx_new(2, (0x20u << 24) | (uint32_t)(obscured & 0xffffff));
	/* BOLT #3:
	 *    * `txin[0]` sequence: upper 8 bits are 0x80, lower 24 bits are upper 24 bits of the obscured commitment number
	 */
	bitcoin_tx_add_input(c->tx, &params->funding,
			     (0x80u << 24) | (uint32_t)(obscured >> 24));
	c->outputs = wire_calloc(n ? n : 1, sizeof(*c->outputs));
	for (size_t i = 0; i < n; i++) {
		bitcoin_tx_add_output(c->tx, pending[i].out.amount_sat,
				      pending[i].script_pubkey->data,
				      pending[i].script_pubkey->len);
		c->outputs[i] = pending[i].out;
		total += pending[i].out.amount_sat;
		wirebuf_free(pending[i].script_pubkey);
	}
	c->num_outputs = n;
	c->fee_sat = params->funding_sat - total;
}

struct commitment *commitment_new(const secp256k1_context *ctx,
				  const struct channel_params *params,
				  enum channel_side owner,
				  const struct pubkey *per_commitment_point,
				  const struct commitment_state *state,
				  const char **err)
{
	enum channel_side other = channel_side_other(owner);
	enum channel_side opener = params->opener;
	/* The counterparty's to_self_delay applies to the owner's outputs. */
	uint16_t to_self_delay = params->party[other].to_self_delay;
	uint64_t balance_sat[CHANNEL_NUM_SIDES], opener_cost;
	struct pending_output *pending;
	struct commitment *c;
	size_t num_untrimmed, n = 0;

	if (state->commitment_number > COMMITMENT_NUMBER_MAX) {
		fail(err, "commitment_number is 2^48 or more");
		return NULL;
	}
	if (!amounts_add_up(params, state)) {
		fail(err, "balances and HTLCs do not add up to funding_satoshis");
		return NULL;
	}

	c = wire_calloc(1, sizeof(*c));
	c->owner = owner;
	c->commitment_number = state->commitment_number;
	c->feerate_per_kw = state->feerate_per_kw;
	c->option_anchors = params->option_anchors;
	c->funding_pubkey[0] = params->party[owner].funding_pubkey;
	c->funding_pubkey[1] = params->party[other].funding_pubkey;
	c->funding_sat = params->funding_sat;
	if (!commitment_keys_derive(ctx, &c->keys, params, owner, per_commitment_point)) {
		fail(err, "per_commitment_point derives an invalid key");
		free(c);
		return NULL;
	}

	/* BOLT #3:
	 * 1. Calculate which committed HTLCs need to be trimmed (see [Trimmed Outputs](#trimmed-outputs)).
	 * 2. Calculate the base [commitment transaction fee](#fee-calculation).
	 * 3. Subtract this base fee from the funder (either `to_local` or `to_remote`).
	 * If `option_anchors` applies to the commitment transaction,
	 * also subtract two times the fixed anchor size of 330 sats from the funder
	 * (either `to_local` or `to_remote`).
	 */
	num_untrimmed = commitment_num_untrimmed_htlcs(params, owner, state);
	c->base_fee_sat = channel_commitment_fee_sat(
		state->feerate_per_kw, num_untrimmed, params->option_anchors);
	opener_cost = commitment_opener_cost_sat(params, owner, state);
	for (size_t side = 0; side < CHANNEL_NUM_SIDES; side++)
		balance_sat[side] = state->balance_msat[side] / 1000;
	if (balance_sat[opener] < opener_cost) {
		c->opener_shortfall_sat = opener_cost - balance_sat[opener];
		balance_sat[opener] = 0;
	} else {
		balance_sat[opener] -= opener_cost;
	}

	/* BOLT #3:
	 * 4. For every offered HTLC, if it is not trimmed, add an
	 *    [offered HTLC output](#offered-htlc-outputs).
	 * 5. For every received HTLC, if it is not trimmed, add an
	 *    [received HTLC output](#received-htlc-outputs).
	 */
	pending = wire_calloc(num_untrimmed + 4, sizeof(*pending));
	for (size_t i = 0; i < state->num_htlcs; i++)
		if (!htlc_is_trimmed(params, owner, state->feerate_per_kw,
				     &state->htlcs[i]))
			add_htlc_output(ctx, pending, &n, c, &state->htlcs[i]);
	add_balance_outputs(ctx, pending, &n, c, params, balance_sat,
			    num_untrimmed, to_self_delay);

	/* BOLT #3:
	 * 9. Sort the outputs into [BIP 69+CLTV order](#transaction-output-ordering).
	 */
	qsort(pending, n, sizeof(*pending), output_cmp);

	assemble_tx(ctx, c, params, pending, n);
	free(pending);
	add_htlc_txs(ctx, c, to_self_delay);
	return c;
}

void commitment_free(struct commitment *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->num_outputs; i++) {
		free(c->outputs[i].witness_script);
		bitcoin_tx_free(c->outputs[i].htlc_tx);
	}
	free(c->outputs);
	free(c->htlc_outputs);
	bitcoin_tx_free(c->tx);
	free(c);
}
