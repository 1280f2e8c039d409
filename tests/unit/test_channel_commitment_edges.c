/* Edge cases of channel/commitment, commitment_sign and fee, on a channel
 * between two nodes whose keys come from channel_secrets_derive: all
 * outputs trimmed, an opener that cannot pay the fee, balances at the dust
 * limit, the HTLC trimming boundary, many equal HTLCs told apart by
 * cltv_expiry (and both nodes agreeing on the order), inputs that do not
 * add up, and wrong keys, signatures and preimages. */
#include "channel/commitment.h"
#include "channel/commitment_sign.h"
#include "channel/fee.h"
#include "common/workpool.h"
#include "crypto/hash.h"
#include "tests/unit/keys.h"

static secp256k1_context *ctx;

struct test_node {
	struct channel_secrets secrets;
	struct pubkey funding_pubkey;
	struct channel_basepoints basepoints;
	uint16_t to_self_delay;		/* what it asks of its peer */
};

static void test_node_init(struct test_node *n, uint8_t seed_byte)
{
	struct secret node_secret;

	memset(node_secret.data, seed_byte, sizeof(node_secret.data));
	CHECK(channel_secrets_derive(ctx, &n->secrets, &node_secret, 7));
	n->to_self_delay = (uint16_t)(100 + seed_byte);
	CHECK(channel_secrets_public(ctx, &n->funding_pubkey, &n->basepoints,
				     &n->secrets));
}

/* Node a's view of a channel between a (opener if a_opens) and b. */
static void test_params(struct channel_params *p, const struct test_node *a,
			const struct test_node *b, bool a_opens,
			bool option_anchors, uint64_t funding_sat)
{
	const struct test_node *nodes[2] = { a, b };

	memset(p, 0, sizeof(*p));
	memset(&p->funding.txid, 0xab, sizeof(p->funding.txid));
	p->funding.vout = 1;
	p->funding_sat = funding_sat;
	p->opener = a_opens ? CHANNEL_LOCAL : CHANNEL_REMOTE;
	p->option_anchors = option_anchors;
	for (int side = 0; side < 2; side++) {
		p->party[side].funding_pubkey = nodes[side]->funding_pubkey;
		p->party[side].basepoints = nodes[side]->basepoints;
		p->party[side].dust_limit_sat = 546;
		p->party[side].to_self_delay = nodes[side]->to_self_delay;
	}
}

/* The state as the other node sees it: sides swapped. */
static void mirror_state(struct commitment_state *out,
			 struct channel_htlc *htlcs_out,
			 const struct commitment_state *in)
{
	*out = *in;
	out->balance_msat[CHANNEL_LOCAL] = in->balance_msat[CHANNEL_REMOTE];
	out->balance_msat[CHANNEL_REMOTE] = in->balance_msat[CHANNEL_LOCAL];
	for (size_t i = 0; i < in->num_htlcs; i++) {
		htlcs_out[i] = in->htlcs[i];
		htlcs_out[i].offerer = channel_side_other(in->htlcs[i].offerer);
	}
	out->htlcs = htlcs_out;
}

static struct commitment *build(const struct channel_params *p,
				enum channel_side owner,
				const struct test_node *owner_node,
				const struct commitment_state *state)
{
	struct pubkey point;
	const char *err = NULL;
	struct commitment *c;

	CHECK(channel_per_commitment_point_from_seed(
		ctx, &point, &owner_node->secrets.shachain_seed,
		state->commitment_number));
	c = commitment_new(ctx, p, owner, &point, state, &err);
	CHECK_MSG(c != NULL, "%s", err);
	return c;
}

static void test_all_outputs_trimmed(void)
{
	struct test_node a, b;
	struct channel_params p;
	struct channel_htlc htlc = { .id = 0, .offerer = CHANNEL_LOCAL,
				     .amount_msat = 454001, .cltv_expiry = 100 };
	struct commitment_state state = { .commitment_number = 3,
					  .feerate_per_kw = 1000,
					  .htlcs = &htlc, .num_htlcs = 1 };
	struct commitment *c;

	test_node_init(&a, 1);
	test_node_init(&b, 2);
	for (int anchors = 0; anchors < 2; anchors++) {
		uint64_t cost;

		/* The opener keeps 545 sat after paying, the other side
		 * 545.999 sat, and the HTLC is below dust + its fee. */
		test_params(&p, &a, &b, true, anchors, 0);
		cost = commitment_opener_cost_sat(&p, CHANNEL_LOCAL, &state);
		CHECK(cost == (anchors ? 1124 + 660 : 724));
		p.funding_sat = cost + 545 + 1000;
		state.balance_msat[CHANNEL_LOCAL] = (cost + 545) * 1000;
		state.balance_msat[CHANNEL_REMOTE] = 545999;
		c = build(&p, CHANNEL_LOCAL, &a, &state);
		if (!c)
			continue;
		/* No output at all, not even an anchor: all of it is fee. */
		CHECK(c->num_outputs == 0 && c->tx->num_outputs == 0);
		CHECK(c->num_htlc_outputs == 0);
		CHECK(c->fee_sat == p.funding_sat);
		CHECK(c->opener_shortfall_sat == 0);
		commitment_free(c);
	}
}

static void test_opener_cannot_pay_fee(void)
{
	struct test_node a, b;
	struct channel_params p;
	struct commitment_state state = { .commitment_number = 0,
					  .feerate_per_kw = 10000 };
	struct commitment *c;

	test_node_init(&a, 3);
	test_node_init(&b, 4);
	/* b opened and keeps only 5000 sat; the fee is 7240 sat. */
	test_params(&p, &a, &b, false, false, 1000000);
	state.balance_msat[CHANNEL_LOCAL] = 995000000;
	state.balance_msat[CHANNEL_REMOTE] = 5000000;
	CHECK(commitment_opener_cost_sat(&p, CHANNEL_LOCAL, &state) == 7240);
	c = build(&p, CHANNEL_LOCAL, &a, &state);
	if (c) {
		CHECK(c->opener_shortfall_sat == 2240);
		CHECK(c->num_outputs == 1);
		CHECK(c->outputs[0].type == COMMITMENT_OUTPUT_TO_LOCAL);
		CHECK(c->outputs[0].amount_sat == 995000);
		CHECK(c->fee_sat == 5000);
	}
	commitment_free(c);

	/* With anchors, the opener's 660 sat of anchors count too. */
	test_params(&p, &a, &b, false, true, 1000000);
	state.feerate_per_kw = 253;
	state.balance_msat[CHANNEL_LOCAL] = 999500000;
	state.balance_msat[CHANNEL_REMOTE] = 500000;
	CHECK(commitment_opener_cost_sat(&p, CHANNEL_LOCAL, &state)
	      == 253 * 1124 / 1000 + 660);
	c = build(&p, CHANNEL_LOCAL, &a, &state);
	if (c) {
		CHECK(c->opener_shortfall_sat == 284 + 660 - 500);
		/* to_local and its anchor only. */
		CHECK(c->num_outputs == 2);
	}
	commitment_free(c);
}

/* A balance of exactly the dust limit (the smallest legal reserve, BOLT
 * #2) gets an output; a satoshi less does not. */
static void test_reserve_sized_balances(void)
{
	struct test_node a, b;
	struct channel_params p;
	struct commitment_state state = { .commitment_number = 1,
					  .feerate_per_kw = 0 };
	struct commitment *c;

	test_node_init(&a, 5);
	test_node_init(&b, 6);
	test_params(&p, &a, &b, true, false, 100000);
	state.balance_msat[CHANNEL_LOCAL] = 99454000;
	state.balance_msat[CHANNEL_REMOTE] = 546000;
	c = build(&p, CHANNEL_LOCAL, &a, &state);
	if (c) {
		CHECK(c->num_outputs == 2);
		CHECK(c->outputs[0].type == COMMITMENT_OUTPUT_TO_REMOTE
		      && c->outputs[0].amount_sat == 546);
		CHECK(c->fee_sat == 0);
	}
	commitment_free(c);

	/* 545.999 sat rounds down to 545: trimmed, and the msat go to fee. */
	state.balance_msat[CHANNEL_LOCAL] = 99454001;
	state.balance_msat[CHANNEL_REMOTE] = 545999;
	c = build(&p, CHANNEL_LOCAL, &a, &state);
	if (c) {
		CHECK(c->num_outputs == 1);
		CHECK(c->outputs[0].type == COMMITMENT_OUTPUT_TO_LOCAL);
		CHECK(c->fee_sat == 100000 - 99454);
	}
	commitment_free(c);
}

/* An HTLC exactly at dust + second-stage fee stays; 1 msat less goes. */
static void test_htlc_trim_boundary(void)
{
	uint32_t feerate = 5000;
	uint64_t timeout_fee = channel_htlc_timeout_fee_sat(feerate, false);
	uint64_t success_fee = channel_htlc_success_fee_sat(feerate, false);

	/* The BOLT #3 Fee Calculation example. */
	CHECK(timeout_fee == 3315 && success_fee == 3515);
	CHECK(channel_commitment_fee_sat(feerate, 2, false) == 5340);
	CHECK(!channel_htlc_is_trimmed(5000000, true, feerate, 546, false));
	CHECK(channel_htlc_is_trimmed(1000000, true, feerate, 546, false));
	CHECK(!channel_htlc_is_trimmed(7000000, false, feerate, 546, false));
	CHECK(channel_htlc_is_trimmed(800000, false, feerate, 546, false));

	CHECK(!channel_htlc_is_trimmed((546 + 3315) * 1000, true, feerate, 546,
				       false));
	CHECK(channel_htlc_is_trimmed((546 + 3315) * 1000 - 1, true, feerate,
				      546, false));
	CHECK(!channel_htlc_is_trimmed((546 + 3515) * 1000, false, feerate, 546,
				       false));
	CHECK(channel_htlc_is_trimmed((546 + 3515) * 1000 - 1, false, feerate,
				      546, false));
	/* An amount below the fee, and anchors' zero fee. */
	CHECK(channel_htlc_is_trimmed(1000, true, feerate, 0, false));
	CHECK(!channel_htlc_is_trimmed(546000, true, feerate, 546, true));
	CHECK(channel_htlc_is_trimmed(545999, false, feerate, 546, true));
	CHECK(channel_htlc_timeout_fee_sat(UINT32_MAX, true) == 0);
	CHECK(channel_commitment_fee_sat(UINT32_MAX, 966, true)
	      == (uint64_t)UINT32_MAX * (1124 + 172 * 966) / 1000);
}

/* Many HTLCs of one amount and payment hash: the offered ones have
 * identical outputs and are ordered by cltv_expiry; both nodes agree on
 * the order and on which signature belongs to which HTLC tx. */
/* The signatures made and checked as batches on worker pools of 1, 2 and
 * 4 threads are the sequential ones, in order, and a bad one is named the
 * same way. */
static void check_batches_match(const struct commitment *mine,
				const struct commitment *theirs,
				const struct test_node *b,
				const struct ecdsa_signature *commit_sig,
				const struct ecdsa_signature *htlc_sigs)
{
	static const unsigned threads[] = {1, 2, 4};
	size_t n = theirs->num_htlc_outputs;

	for (size_t t = 0; t < sizeof(threads) / sizeof(threads[0]); t++) {
		struct workpool *pool = workpool_new(threads[t]);
		struct ecdsa_signature sig, *sigs = calloc(n + 1, sizeof(*sigs));
		struct ecdsa_batch batch;
		const char *err = NULL;

		ecdsa_batch_on_pool(&batch, pool);
		CHECK(commitment_counterparty_sign_batch(
			ctx, &batch, &sig, sigs, theirs, &b->secrets.funding,
			&b->secrets.htlc_basepoint_secret));
		CHECK_MEMEQ(&sig, commit_sig, sizeof(sig));
		CHECK_MEMEQ(sigs, htlc_sigs, n * sizeof(*sigs));
		CHECK(commitment_counterparty_verify_batch(ctx, &batch, mine, &sig,
							   sigs, n, &err));
		sigs[n - 1] = sigs[0];
		CHECK(!commitment_counterparty_verify_batch(ctx, &batch, mine,
							    &sig, sigs, n, &err));
		CHECK(err && strstr(err, "htlc_signature"));
		CHECK(!commitment_counterparty_verify_batch(ctx, &batch, mine,
							    &sig, sigs, n - 1,
							    &err));
		CHECK(err && strstr(err, "count"));
		CHECK(!commitment_counterparty_verify_batch(ctx, &batch, mine,
							    &sigs[0], sigs, n,
							    &err));
		CHECK(err && strstr(err, "commitment signature"));
		free(sigs);
		workpool_free(pool);
	}
}

static void test_equal_htlcs_ordered_by_cltv(void)
{
	static const uint32_t cltvs[] = { 509, 501, 507, 503, 505, 502, 508,
					  504, 506, 500 };
	const size_t n = sizeof(cltvs) / sizeof(cltvs[0]);
	struct test_node a, b;
	struct channel_params pa, pb;
	struct channel_htlc htlcs[2 * 10], mirrored[2 * 10];
	struct commitment_state state = { .commitment_number = 5,
					  .feerate_per_kw = 1000 };
	struct commitment_state their_state;
	struct ecdsa_signature commit_sig, htlc_sigs[2 * 10];
	const char *err = NULL;

	test_node_init(&a, 7);
	test_node_init(&b, 8);
	for (int anchors = 0; anchors < 2; anchors++) {
		struct commitment *mine, *theirs;
		uint32_t last = 0;
		size_t offered = 0;

		uint64_t htlc_total = 0;

		for (size_t i = 0; i < 2 * n; i++) {
			htlcs[i].id = i;
			/* The first n offered by us, the rest by them. */
			htlcs[i].offerer = i < n ? CHANNEL_LOCAL : CHANNEL_REMOTE;
			htlcs[i].amount_msat = 5000000 + (i % 3);
			memset(&htlcs[i].payment_hash, 0x55, 32);
			htlcs[i].cltv_expiry = cltvs[i % n];
			htlc_total += htlcs[i].amount_msat;
		}
		test_params(&pa, &a, &b, true, anchors, 1000000);
		state.balance_msat[CHANNEL_LOCAL] = 800000000 - htlc_total;
		state.balance_msat[CHANNEL_REMOTE] = 200000000;
		state.htlcs = htlcs;
		state.num_htlcs = 2 * n;
		mine = build(&pa, CHANNEL_LOCAL, &a, &state);
		/* b's own view of the same commitment: "their" commitment. */
		test_params(&pb, &b, &a, false, anchors, 1000000);
		mirror_state(&their_state, mirrored, &state);
		theirs = build(&pb, CHANNEL_REMOTE, &a, &their_state);
		if (!mine || !theirs)
			goto next;
		CHECK(mine->num_htlc_outputs == 2 * n);
		for (size_t k = 0; k < mine->num_htlc_outputs; k++) {
			const struct commitment_output *o =
				&mine->outputs[mine->htlc_outputs[k]];

			CHECK(theirs->outputs[theirs->htlc_outputs[k]].htlc.id
			      == o->htlc.id);
			if (o->type != COMMITMENT_OUTPUT_OFFERED_HTLC)
				continue;
			/* Identical outputs, increasing cltv_expiry, and the
			 * HTLC-timeout tx's locktime follows. */
			CHECK(o->htlc.cltv_expiry > last);
			last = o->htlc.cltv_expiry;
			CHECK(o->htlc_tx->locktime == o->htlc.cltv_expiry);
			offered++;
		}
		CHECK(offered == n);
		CHECK(commitment_counterparty_sign(
			ctx, &commit_sig, htlc_sigs, theirs, &b.secrets.funding,
			&b.secrets.htlc_basepoint_secret));
		CHECK_MSG(commitment_counterparty_verify(ctx, mine, &commit_sig,
							 htlc_sigs, 2 * n, &err),
			  "%s", err);
		check_batches_match(mine, theirs, &b, &commit_sig, htlc_sigs);
		/* Swapping two signatures breaks the match. */
		{
			struct ecdsa_signature tmp = htlc_sigs[0];

			htlc_sigs[0] = htlc_sigs[1];
			htlc_sigs[1] = tmp;
			CHECK(!commitment_counterparty_verify(ctx, mine,
							      &commit_sig,
							      htlc_sigs, 2 * n,
							      &err));
		}
next:
		commitment_free(mine);
		commitment_free(theirs);
	}
}

static void test_bad_inputs_rejected(void)
{
	struct test_node a, b;
	struct channel_params p;
	struct commitment_state state = { .commitment_number = 0,
					  .feerate_per_kw = 253 };
	struct pubkey point;
	const char *err = NULL;

	test_node_init(&a, 9);
	test_node_init(&b, 10);
	test_params(&p, &a, &b, true, false, 100000);
	CHECK(channel_per_commitment_point_from_seed(
		ctx, &point, &a.secrets.shachain_seed, 0));
	state.balance_msat[CHANNEL_LOCAL] = 60000000;
	state.balance_msat[CHANNEL_REMOTE] = 40000001;
	CHECK(!commitment_new(ctx, &p, CHANNEL_LOCAL, &point, &state, &err));
	CHECK(err && strstr(err, "add up"));
	state.balance_msat[CHANNEL_REMOTE] = UINT64_MAX;
	CHECK(!commitment_new(ctx, &p, CHANNEL_LOCAL, &point, &state, NULL));
	state.balance_msat[CHANNEL_REMOTE] = 40000000;
	state.commitment_number = UINT64_C(1) << 48;
	CHECK(!commitment_new(ctx, &p, CHANNEL_LOCAL, &point, &state, &err));
	CHECK(err && strstr(err, "2^48"));
}

static void test_bad_signatures_rejected(void)
{
	struct test_node a, b;
	struct channel_params p;
	struct channel_htlc htlcs[2] = {
		{ .id = 0, .offerer = CHANNEL_LOCAL, .amount_msat = 20000000,
		  .cltv_expiry = 600 },
		{ .id = 0, .offerer = CHANNEL_REMOTE, .amount_msat = 30000000,
		  .cltv_expiry = 601 },
	};
	struct commitment_state state = { .commitment_number = 9,
					  .feerate_per_kw = 2000,
					  .htlcs = htlcs, .num_htlcs = 2 };
	struct ecdsa_signature commit_sig, htlc_sigs[2], own, bad;
	struct preimage preimage, wrong;
	struct commitment *c;
	const char *err = NULL;
	size_t received = 0, offered = 0;

	memset(preimage.r, 0x77, 32);
	memset(wrong.r, 0x78, 32);
	sha256(&htlcs[1].payment_hash, preimage.r, 32);
	sha256(&htlcs[0].payment_hash, wrong.r, 32);
	test_node_init(&a, 11);
	test_node_init(&b, 12);
	test_params(&p, &a, &b, true, true, 1000000);
	state.balance_msat[CHANNEL_LOCAL] = 550000000;
	state.balance_msat[CHANNEL_REMOTE] = 400000000;
	c = build(&p, CHANNEL_LOCAL, &a, &state);
	if (!c)
		return;
	CHECK(c->num_htlc_outputs == 2);

	/* Wrong keys: the owner's keys cannot sign as counterparty. */
	CHECK(!commitment_counterparty_sign(ctx, &commit_sig, htlc_sigs, c,
					    &a.secrets.funding,
					    &b.secrets.htlc_basepoint_secret));
	CHECK(!commitment_counterparty_sign(ctx, &commit_sig, htlc_sigs, c,
					    &b.secrets.funding,
					    &a.secrets.htlc_basepoint_secret));
	CHECK(!commitment_owner_sign(ctx, &own, c, &b.secrets.funding));
	CHECK(!commitment_owner_sign_htlc(ctx, &own, c, 0,
					  &b.secrets.htlc_basepoint_secret));
	CHECK(!commitment_owner_sign_htlc(ctx, &own, c, 2,
					  &a.secrets.htlc_basepoint_secret));

	CHECK(commitment_counterparty_sign(ctx, &commit_sig, htlc_sigs, c,
					   &b.secrets.funding,
					   &b.secrets.htlc_basepoint_secret));
	CHECK(commitment_counterparty_verify(ctx, c, &commit_sig, htlc_sigs, 2,
					     &err));
	CHECK(!commitment_counterparty_verify(ctx, c, &commit_sig, htlc_sigs, 1,
					      &err));
	CHECK(err && strstr(err, "count"));
	CHECK(!commitment_counterparty_verify(ctx, c, &htlc_sigs[0], htlc_sigs,
					      2, &err));
	CHECK(err && strstr(err, "commitment signature"));
	bad = htlc_sigs[1];
	htlc_sigs[1] = commit_sig;
	CHECK(!commitment_counterparty_verify(ctx, c, &commit_sig, htlc_sigs, 2,
					      &err));
	CHECK(err && strstr(err, "htlc_signature"));
	htlc_sigs[1] = bad;

	/* Finalizing checks signatures and the preimage. */
	CHECK(commitment_owner_sign(ctx, &own, c, &a.secrets.funding));
	CHECK(commitment_signed_tx(ctx, c, &commit_sig, &own) == NULL);
	for (size_t k = 0; k < 2; k++) {
		const struct commitment_output *o = &c->outputs[c->htlc_outputs[k]];
		struct bitcoin_tx *tx;

		CHECK(commitment_owner_sign_htlc(ctx, &own, c, k,
						 &a.secrets.htlc_basepoint_secret));
		if (o->type == COMMITMENT_OUTPUT_RECEIVED_HTLC) {
			received++;
			CHECK(!commitment_signed_htlc_tx(ctx, c, k, &own,
							 &htlc_sigs[k], NULL));
			CHECK(!commitment_signed_htlc_tx(ctx, c, k, &own,
							 &htlc_sigs[k], &wrong));
			CHECK(!commitment_signed_htlc_tx(ctx, c, k, &htlc_sigs[k],
							 &own, &preimage));
			tx = commitment_signed_htlc_tx(ctx, c, k, &own,
						       &htlc_sigs[k], &preimage);
			CHECK(tx && tx->locktime == 0
			      && tx->inputs[0].num_witness == 5);
		} else {
			offered++;
			CHECK(!commitment_signed_htlc_tx(ctx, c, k, &own,
							 &htlc_sigs[k], &wrong));
			tx = commitment_signed_htlc_tx(ctx, c, k, &own,
						       &htlc_sigs[k], NULL);
			CHECK(tx && tx->locktime == 600);
		}
		bitcoin_tx_free(tx);
	}
	CHECK(received == 1 && offered == 1);
	commitment_free(c);
}

int main(void)
{
	ctx = keys_context_new();
	RUN(test_all_outputs_trimmed);
	RUN(test_opener_cannot_pay_fee);
	RUN(test_reserve_sized_balances);
	RUN(test_htlc_trim_boundary);
	RUN(test_equal_htlcs_ordered_by_cltv);
	RUN(test_bad_inputs_rejected);
	RUN(test_bad_signatures_rejected);
	crypto_secp_context_destroy(ctx);
	return test_done();
}
