/* BOLT #3 vectors for channel/commitment, commitment_sign, htlc_tx,
 * scripts and fee:
 *  - Appendix B: the funding tx, with our funding output script;
 *  - Appendix C: all 16 commitment txs and their 33 HTLC txs, byte for
 *    byte, each built from both nodes' points of view (ours to verify
 *    the peer's signatures and broadcast, theirs to sign);
 *  - Appendix F: the same for option_anchors (9 txs, 15 HTLC txs).
 * Edge cases are in test_channel_commitment_edges.c. */
#include "bitcoin/script.h"
#include "bitcoin/sighash.h"
#include "bitcoin/signature.h"
#include "channel/commitment.h"
#include "channel/commitment_sign.h"
#include "channel/htlc_tx.h"
#include "channel/scripts.h"
#include "crypto/hash.h"
#include "tests/unit/keys.h"

static secp256k1_context *ctx;

#define MAX_TEST_HTLCS 16

/* Everything one Appendix C / F case needs, from the local node's view. */
struct vector_channel {
	struct channel_params params;	/* local node's view */
	struct pubkey per_commitment_point;
	struct privkey local_funding, remote_funding;
	struct privkey local_htlc_base, remote_htlc_base;
	struct channel_htlc htlcs[MAX_TEST_HTLCS];
	struct preimage preimages[MAX_TEST_HTLCS];
	size_t num_htlcs;
};

static void tx_hex_is(const struct bitcoin_tx *tx, const char *hex, bool *ok)
{
	struct wirebuf *buf = wirebuf_new();

	bitcoin_tx_serialize(buf, tx, true);
	if (!bytes_are(buf->data, buf->len, hex))
		*ok = false;
	wirebuf_free(buf);
}

static bool sig_is(const struct ecdsa_signature *sig, const char *hex)
{
	uint8_t der[SIGNATURE_DER_MAX_LEN];
	size_t len = ecdsa_signature_serialize_der(ctx, der, sig);

	return bytes_are(der, len, hex);
}

/* The Appendix C common parameters; anchors as given. */
static void vector_channel_init(struct vector_channel *v, const json_t *common,
				bool option_anchors, uint64_t dust_limit_sat)
{
	const json_t *internal = json_object_get(common, "internal");
	struct channel_party *local, *remote;
	const json_t *h;
	size_t i;

	memset(v, 0, sizeof(*v));
	CHECK(bitcoin_txid_from_hex(&v->params.funding.txid,
				    json_str(common, "funding_tx_id"), 64));
	v->params.funding.vout = (uint32_t)json_integer_value(
		json_object_get(common, "funding_output_index"));
	v->params.funding_sat = (uint64_t)json_integer_value(
		json_object_get(common, "funding_amount_satoshi"));
	v->params.opener = CHANNEL_LOCAL;
	v->params.option_anchors = option_anchors;

	local = &v->params.party[CHANNEL_LOCAL];
	remote = &v->params.party[CHANNEL_REMOTE];
	local->funding_pubkey = pubkey_from_hex(ctx, json_str(common, "local_funding_pubkey"));
	local->basepoints.payment = pubkey_from_hex(ctx, json_str(common, "local_payment_basepoint"));
	local->basepoints.htlc = pubkey_from_hex(ctx, json_str(common, "local_htlc_basepoint"));
	local->basepoints.delayed_payment = pubkey_from_hex(ctx,
		json_str(internal, "local_delayed_payment_basepoint"));
	/* Not used by the local commitment: any point. */
	local->basepoints.revocation = local->basepoints.payment;
	local->dust_limit_sat = dust_limit_sat;
	local->to_self_delay = 144;

	remote->funding_pubkey = pubkey_from_hex(ctx, json_str(common, "remote_funding_pubkey"));
	remote->basepoints.payment = pubkey_from_hex(ctx, json_str(common, "remote_payment_basepoint"));
	remote->basepoints.htlc = pubkey_from_hex(ctx, json_str(common, "remote_htlc_basepoint"));
	remote->basepoints.revocation = pubkey_from_hex(ctx,
		json_str(internal, "remote_revocation_basepoint"));
	remote->basepoints.delayed_payment = remote->basepoints.payment;
	remote->dust_limit_sat = 546;
	/* local_delay: what the remote imposes on the local's outputs. */
	remote->to_self_delay = (uint16_t)json_integer_value(
		json_object_get(common, "local_delay"));

	v->per_commitment_point = pubkey_from_hex(ctx,
		json_str(internal, "local_per_commitment_point"));
	v->local_funding = privkey_from_hex(json_str(common, "local_funding_privkey"));
	v->remote_funding = privkey_from_hex(json_str(internal, "remote_funding_privkey"));
	/* HTLC basepoints equal the payment basepoints in the vectors. */
	v->local_htlc_base = privkey_from_hex(json_str(internal,
		"local_payment_basepoint_secret"));
	v->remote_htlc_base = privkey_from_hex(json_str(internal,
		"remote_payment_basepoint_secret"));

	json_array_foreach(json_object_get(common, "htlcs"), i, h) {
		struct channel_htlc *htlc = &v->htlcs[i];

		if (i >= MAX_TEST_HTLCS)
			break;
		htlc->id = (uint64_t)json_integer_value(json_object_get(h, "id"));
		htlc->offerer = strcmp(json_str(h, "direction"), "local->remote") == 0
			? CHANNEL_LOCAL : CHANNEL_REMOTE;
		htlc->amount_msat = (uint64_t)json_integer_value(
			json_object_get(h, "amount_msat"));
		htlc->cltv_expiry = (uint32_t)json_integer_value(
			json_object_get(h, "expiry"));
		hex_to_array(v->preimages[i].r, 32, json_str(h, "payment_preimage"));
		sha256(&htlc->payment_hash, v->preimages[i].r, 32);
		v->num_htlcs = i + 1;
	}
}

/* The HTLCs a case uses: none, 0-4, or 1, 5 and 6. */
static size_t case_htlcs(struct channel_htlc *out, const struct vector_channel *v,
			 const char *name, bool uses_htlcs)
{
	static const size_t same_amount[] = { 1, 5, 6 };
	size_t n = 0;

	if (!uses_htlcs)
		return 0;
	if (strstr(name, "same amount and preimage")) {
		for (size_t i = 0; i < 3; i++)
			out[n++] = v->htlcs[same_amount[i]];
		return n;
	}
	for (size_t i = 0; i <= 4; i++)
		out[n++] = v->htlcs[i];
	return n;
}

/* The same channel from the remote node's view: sides swapped. */
static void swap_view(struct channel_params *out, const struct channel_params *in,
		      struct commitment_state *state_out,
		      struct channel_htlc *htlcs_out,
		      const struct commitment_state *state)
{
	*out = *in;
	out->opener = channel_side_other(in->opener);
	out->party[CHANNEL_LOCAL] = in->party[CHANNEL_REMOTE];
	out->party[CHANNEL_REMOTE] = in->party[CHANNEL_LOCAL];
	*state_out = *state;
	state_out->balance_msat[CHANNEL_LOCAL] = state->balance_msat[CHANNEL_REMOTE];
	state_out->balance_msat[CHANNEL_REMOTE] = state->balance_msat[CHANNEL_LOCAL];
	for (size_t i = 0; i < state->num_htlcs; i++) {
		htlcs_out[i] = state->htlcs[i];
		htlcs_out[i].offerer = channel_side_other(state->htlcs[i].offerer);
	}
	state_out->htlcs = htlcs_out;
}

static const struct preimage *preimage_for(const struct vector_channel *v,
					   const struct commitment_output *o)
{
	if (o->type != COMMITMENT_OUTPUT_RECEIVED_HTLC)
		return NULL;
	for (size_t i = 0; i < v->num_htlcs; i++)
		if (v->htlcs[i].id == o->htlc.id)
			return &v->preimages[i];
	return NULL;
}

struct expected {
	const char *commit_tx_hex;
	const char *remote_sig_hex;	/* NULL: not given separately */
	const char *local_sig_hex;
	size_t num_htlc_txs;
	const char *htlc_tx_hex[MAX_TEST_HTLCS];
	const char *htlc_remote_sig_hex[MAX_TEST_HTLCS];
	const char *htlc_local_sig_hex[MAX_TEST_HTLCS];
	long htlc_output_index[MAX_TEST_HTLCS];	/* -1: not given */
};

/* Builds one case both ways, signs as each node, checks every byte.
 * Returns the local node's commitment for further checks. */
static struct commitment *check_case(const struct vector_channel *v,
				     const struct commitment_state *state,
				     const struct expected *want,
				     const char *name)
{
	struct channel_params their_params;
	struct commitment_state their_state;
	struct channel_htlc their_htlcs[MAX_TEST_HTLCS];
	struct commitment *ours, *theirs;
	struct ecdsa_signature remote_sig, local_sig;
	struct ecdsa_signature htlc_sigs[MAX_TEST_HTLCS];
	struct wirebuf *a = wirebuf_new(), *b = wirebuf_new();
	const char *err = NULL;
	struct bitcoin_tx *signed_tx;
	bool ok = true;

	ours = commitment_new(ctx, &v->params, CHANNEL_LOCAL,
			      &v->per_commitment_point, state, &err);
	CHECK_MSG(ours != NULL, "%s: %s", name, err);
	if (!ours)
		goto out;

	/* The remote node builds the same bytes as "their commitment". */
	swap_view(&their_params, &v->params, &their_state, their_htlcs, state);
	theirs = commitment_new(ctx, &their_params, CHANNEL_REMOTE,
				&v->per_commitment_point, &their_state, &err);
	CHECK(theirs != NULL);
	if (!theirs)
		goto out;
	bitcoin_tx_serialize(a, ours->tx, true);
	bitcoin_tx_serialize(b, theirs->tx, true);
	CHECK_MSG(a->len == b->len && memcmp(a->data, b->data, a->len) == 0,
		  "%s: the two views differ", name);

	/* The remote signs its peer's commitment: commitment_signed. */
	CHECK(theirs->num_htlc_outputs == want->num_htlc_txs);
	CHECK(ours->num_htlc_outputs == want->num_htlc_txs);
	if (ours->num_htlc_outputs != want->num_htlc_txs
	    || theirs->num_htlc_outputs != want->num_htlc_txs)
		goto free_theirs;
	CHECK(commitment_counterparty_sign(ctx, &remote_sig, htlc_sigs, theirs,
					   &v->remote_funding,
					   &v->remote_htlc_base));
	if (want->remote_sig_hex)
		CHECK_MSG(sig_is(&remote_sig, want->remote_sig_hex), "%s", name);
	for (size_t k = 0; k < want->num_htlc_txs; k++) {
		if (want->htlc_remote_sig_hex[k])
			CHECK_MSG(sig_is(&htlc_sigs[k],
					 want->htlc_remote_sig_hex[k]),
				  "%s: htlc %zu", name, k);
		if (want->htlc_output_index[k] >= 0)
			CHECK(ours->htlc_outputs[k]
			      == (size_t)want->htlc_output_index[k]);
	}

	/* The local node checks them, then signs and broadcasts. */
	CHECK_MSG(commitment_counterparty_verify(ctx, ours, &remote_sig,
						 htlc_sigs,
						 ours->num_htlc_outputs, &err),
		  "%s: %s", name, err);
	CHECK(commitment_owner_sign(ctx, &local_sig, ours, &v->local_funding));
	if (want->local_sig_hex)
		CHECK_MSG(sig_is(&local_sig, want->local_sig_hex), "%s", name);
	signed_tx = commitment_signed_tx(ctx, ours, &local_sig, &remote_sig);
	CHECK(signed_tx != NULL);
	if (signed_tx)
		tx_hex_is(signed_tx, want->commit_tx_hex, &ok);
	CHECK_MSG(ok, "%s: commitment tx", name);
	bitcoin_tx_free(signed_tx);

	for (size_t k = 0; k < ours->num_htlc_outputs; k++) {
		const struct commitment_output *o =
			&ours->outputs[ours->htlc_outputs[k]];
		struct ecdsa_signature own;
		struct bitcoin_tx *htlc_tx;

		CHECK(commitment_owner_sign_htlc(ctx, &own, ours, k,
						 &v->local_htlc_base));
		if (want->htlc_local_sig_hex[k])
			CHECK(sig_is(&own, want->htlc_local_sig_hex[k]));
		htlc_tx = commitment_signed_htlc_tx(ctx, ours, k, &own,
						    &htlc_sigs[k],
						    preimage_for(v, o));
		CHECK(htlc_tx != NULL);
		ok = true;
		if (htlc_tx)
			tx_hex_is(htlc_tx, want->htlc_tx_hex[k], &ok);
		CHECK_MSG(ok, "%s: htlc tx %zu", name, k);
		bitcoin_tx_free(htlc_tx);
	}
free_theirs:
	commitment_free(theirs);
out:
	wirebuf_free(a);
	wirebuf_free(b);
	return ours;
}

/* The vector's untrimmed outputs are ours, amount and script. */
static void check_outputs(const struct commitment *c, const json_t *outputs,
			  const char *name)
{
	const json_t *o;
	size_t i, num_htlcs = 0;
	bool lists_balances = false;

	json_array_foreach(outputs, i, o) {
		if (strncmp(json_str(o, "type"), "htlc", 4) == 0)
			num_htlcs++;
		else
			lists_balances = true;
	}
	/* The spec lists only the HTLC outputs of its last case. */
	CHECK_MSG(c->num_htlc_outputs == num_htlcs, "%s: %zu HTLC outputs",
		  name, c->num_htlc_outputs);
	if (lists_balances)
		CHECK_MSG(c->num_outputs == json_array_size(outputs),
			  "%s: %zu outputs", name, c->num_outputs);
	json_array_foreach(outputs, i, o) {
		const char *type = json_str(o, "type");
		uint64_t amount = (uint64_t)json_integer_value(json_object_get(o, "amount_sat"));
		bool found = false;

		for (size_t j = 0; j < c->num_outputs; j++) {
			const struct commitment_output *out = &c->outputs[j];
			bool match;

			if (strcmp(type, "to_local") == 0)
				match = out->type == COMMITMENT_OUTPUT_TO_LOCAL;
			else if (strcmp(type, "to_remote") == 0)
				match = out->type == COMMITMENT_OUTPUT_TO_REMOTE;
			else
				match = (out->type == COMMITMENT_OUTPUT_OFFERED_HTLC
					 || out->type == COMMITMENT_OUTPUT_RECEIVED_HTLC)
					&& (strcmp(type, "htlc_offered") == 0)
					   == (out->type == COMMITMENT_OUTPUT_OFFERED_HTLC)
					&& out->htlc.id == (uint64_t)json_integer_value(
						json_object_get(o, "htlc_id"));
			if (!match)
				continue;
			found = true;
			CHECK(out->amount_sat == amount);
			if (json_object_get(o, "witness_script"))
				CHECK(bytes_are(out->witness_script,
						out->witness_script_len,
						json_str(o, "witness_script")));
			else
				CHECK(out->witness_script == NULL
				      && pubkey_is(ctx, &c->keys.remote_payment,
						   json_str(o, "p2wpkh_pubkey")));
		}
		CHECK_MSG(found, "%s: no %s output", name, type);
	}
}

static void test_appendix_b_funding_tx(void)
{
	json_t *root = vectors_load("bolt03-funding-tx.json");
	json_t *v = json_array_get(json_object_get(root, "vectors"), 0);
	const char *coinbase_hex = json_str(v, "coinbase_tx_hex"), *err = NULL;
	struct bitcoin_tx *coinbase = bitcoin_tx_from_hex(coinbase_hex,
							  strlen(coinbase_hex), &err);
	struct privkey key = privkey_from_hex(json_str(v, "coinbase_privkey"));
	struct pubkey local = pubkey_from_hex(ctx, json_str(v, "local_funding_pubkey"));
	struct pubkey remote = pubkey_from_hex(ctx, json_str(v, "remote_funding_pubkey"));
	uint64_t input_sat = (uint64_t)json_integer_value(json_object_get(v, "input_satoshis"));
	uint64_t funding_sat = (uint64_t)json_integer_value(json_object_get(v, "funding_satoshis"));
	uint64_t change_sat = (uint64_t)json_integer_value(json_object_get(v, "change_satoshis"));
	uint32_t feerate = (uint32_t)json_integer_value(json_object_get(v, "feerate_per_kw"));
	struct wirebuf *script = wirebuf_new(), *out = wirebuf_new();
	struct wirebuf *sigscript = wirebuf_new();
	struct bitcoin_signature sig;
	uint8_t der[BITCOIN_SIGNATURE_MAX_LEN], pub[PUBKEY_CMPR_LEN];
	struct bitcoin_outpoint prevout;
	struct ripemd160 key_hash;
	struct bitcoin_tx *tx;
	struct sha256 h;
	size_t len;
	bool ok = true;

	CHECK(coinbase != NULL);
	if (!coinbase)
		goto out;
	channel_script_funding(script, ctx, &remote, &local);
	CHECK(bytes_are(script->data, script->len,
			json_str(v, "funding_witness_script")));

	/* One input, the funding output then change (BIP69: by amount). */
	bitcoin_tx_txid(&prevout.txid, coinbase);
	prevout.vout = 0;
	tx = bitcoin_tx_new(2, 0);
	bitcoin_tx_add_input(tx, &prevout, BITCOIN_SEQUENCE_FINAL);
	channel_script_funding_output(out, ctx, &local, &remote);
	CHECK(json_integer_value(json_object_get(v, "funding_output_index")) == 0);
	bitcoin_tx_add_output(tx, funding_sat, out->data, out->len);
	/* Change goes to the coinbase key, as P2WPKH. */
	wirebuf_reset(out);
	memcpy(key_hash.u8, coinbase->outputs[0].script + 3, sizeof(key_hash.u8));
	script_p2wpkh(out, &key_hash);
	bitcoin_tx_add_output(tx, change_sat, out->data, out->len);

	CHECK(legacy_sighash(&h, tx, 0, coinbase->outputs[0].script,
			     coinbase->outputs[0].script_len, SIGHASH_ALL));
	CHECK(bitcoin_signature_sign(ctx, &sig, &h, &key, SIGHASH_ALL));
	len = bitcoin_signature_serialize(ctx, der, &sig);
	CHECK(pubkey_from_privkey(ctx, &local, &key));
	pubkey_serialize(ctx, pub, &local);
	script_push_data(sigscript, der, len);
	script_push_data(sigscript, pub, sizeof(pub));
	bitcoin_tx_set_script_sig(tx, 0, sigscript->data, sigscript->len);
	tx_hex_is(tx, json_str(v, "funding_tx_hex"), &ok);
	CHECK(ok);
	/* The change pays feerate * the actual weight. */
	CHECK(bitcoin_tx_weight(tx) == 928);
	CHECK(input_sat - funding_sat - change_sat
	      == feerate * bitcoin_tx_weight(tx) / 1000);
	bitcoin_tx_free(tx);
out:
	bitcoin_tx_free(coinbase);
	wirebuf_free(script);
	wirebuf_free(out);
	wirebuf_free(sigscript);
	json_decref(root);
}

static void test_appendix_c_commitment_txs(void)
{
	json_t *root = vectors_load("bolt03-commitment-tx.json");
	json_t *common = json_object_get(root, "common");
	json_t *tests = json_object_get(root, "tests"), *t;
	size_t i, htlc_txs = 0;
	struct vector_channel v;

	vector_channel_init(&v, common, false, (uint64_t)json_integer_value(
		json_object_get(common, "local_dust_limit_satoshi")));
	CHECK(json_array_size(tests) == 16);
	json_array_foreach(tests, i, t) {
		const char *name = json_str(t, "name");
		struct channel_htlc htlcs[MAX_TEST_HTLCS];
		struct commitment_state state = {
			.commitment_number = (uint64_t)json_integer_value(
				json_object_get(common, "commitment_number")),
			.feerate_per_kw = (uint32_t)json_integer_value(
				json_object_get(t, "local_feerate_per_kw")),
		};
		struct expected want = { 0 };
		struct commitment *c;
		json_t *h;
		size_t k;

		state.balance_msat[CHANNEL_LOCAL] = (uint64_t)json_integer_value(
			json_object_get(t, "to_local_msat"));
		state.balance_msat[CHANNEL_REMOTE] = (uint64_t)json_integer_value(
			json_object_get(t, "to_remote_msat"));
		state.num_htlcs = case_htlcs(htlcs, &v, name, i != 0);
		state.htlcs = htlcs;

		want.commit_tx_hex = json_str(t, "commit_tx_hex");
		want.remote_sig_hex = json_str(t, "remote_signature");
		want.local_sig_hex = json_str(t, "local_signature");
		json_array_foreach(json_object_get(t, "htlc_txs"), k, h) {
			want.htlc_tx_hex[k] = json_str(h, "tx_hex");
			want.htlc_remote_sig_hex[k] = json_str(h, "remote_htlc_signature");
			want.htlc_local_sig_hex[k] = json_str(h, "local_htlc_signature");
			want.htlc_output_index[k] = (long)json_integer_value(
				json_object_get(h, "commitment_output_index"));
			want.num_htlc_txs = k + 1;
		}
		CHECK((size_t)json_integer_value(json_object_get(t, "num_htlcs"))
		      == want.num_htlc_txs);
		htlc_txs += want.num_htlc_txs;

		c = check_case(&v, &state, &want, name);
		if (!c)
			continue;
		check_outputs(c, json_object_get(t, "outputs"), name);
		if (json_object_get(t, "base_fee_sat"))
			CHECK(c->base_fee_sat == (uint64_t)json_integer_value(
				json_object_get(t, "base_fee_sat")));
		if (json_object_get(t, "actual_fee_sat"))
			CHECK(c->fee_sat == (uint64_t)json_integer_value(
				json_object_get(t, "actual_fee_sat")));
		/* Only the last-but-one case leaves the opener short. */
		CHECK((c->opener_shortfall_sat > 0)
		      == (strcmp(name, "commitment tx with fee greater than funder amount") == 0));
		commitment_free(c);
	}
	CHECK(htlc_txs == 33);
	json_decref(root);
}

static void test_appendix_f_anchors(void)
{
	json_t *croot = vectors_load("bolt03-commitment-tx.json");
	json_t *common = json_object_get(croot, "common");
	json_t *root = vectors_load("bolt03-commitment-tx-anchors.json");
	json_t *tests = json_object_get(root, "tests"), *t;
	size_t i, htlc_txs = 0;

	CHECK(json_array_size(tests) == 9);
	json_array_foreach(tests, i, t) {
		const char *name = json_str(t, "Name");
		struct vector_channel v;
		struct channel_htlc htlcs[MAX_TEST_HTLCS];
		struct commitment_state state = {
			.commitment_number = (uint64_t)json_integer_value(
				json_object_get(common, "commitment_number")),
			.feerate_per_kw = (uint32_t)json_integer_value(
				json_object_get(t, "FeePerKw")),
		};
		struct expected want = { 0 };
		struct commitment *c;
		json_t *h;
		size_t k;

		vector_channel_init(&v, common, true, (uint64_t)json_integer_value(
			json_object_get(t, "DustLimitSatoshis")));
		state.balance_msat[CHANNEL_LOCAL] = (uint64_t)json_integer_value(
			json_object_get(t, "LocalBalance"));
		state.balance_msat[CHANNEL_REMOTE] = (uint64_t)json_integer_value(
			json_object_get(t, "RemoteBalance"));
		state.num_htlcs = case_htlcs(htlcs, &v, name, json_is_true(
			json_object_get(t, "UseTestHtlcs")));
		state.htlcs = htlcs;

		want.commit_tx_hex = json_str(t, "ExpectedCommitmentTxHex");
		want.remote_sig_hex = json_str(t, "RemoteSigHex");
		json_array_foreach(json_object_get(t, "HtlcDescs"), k, h) {
			want.htlc_tx_hex[k] = json_str(h, "ResolutionTxHex");
			want.htlc_remote_sig_hex[k] = json_str(h, "RemoteSigHex");
			want.htlc_output_index[k] = -1;
			want.num_htlc_txs = k + 1;
		}
		htlc_txs += want.num_htlc_txs;

		c = check_case(&v, &state, &want, name);
		if (c) {
			/* HTLC transactions pay no fee with anchors. */
			for (k = 0; k < c->num_htlc_outputs; k++) {
				const struct commitment_output *o =
					&c->outputs[c->htlc_outputs[k]];

				CHECK(o->htlc_tx->outputs[0].amount_sat
				      == o->amount_sat);
				CHECK(o->htlc_tx->inputs[0].sequence == 1);
			}
		}
		commitment_free(c);
	}
	CHECK(htlc_txs == 15);
	json_decref(root);
	json_decref(croot);
}

int main(void)
{
	ctx = keys_context_new();
	RUN(test_appendix_b_funding_tx);
	RUN(test_appendix_c_commitment_txs);
	RUN(test_appendix_f_anchors);
	crypto_secp_context_destroy(ctx);
	return test_done();
}
