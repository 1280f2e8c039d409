/* option_anchors between two engines: the channel type BOLT #2 "Defined
 * Channel Types" negotiates, and BOLT #3's anchors commitments through a
 * channel's whole life.  Each commitment carries both 330-sat anchors and
 * the CSV-locked to_remote, and the opener pays them with the fee; the
 * counterparty's HTLC signatures in commitment_signed are
 * SIGHASH_SINGLE|SIGHASH_ANYONECANPAY on zero-fee HTLC transactions; and
 * update_fee, a reconnection, a restart and both kinds of mutual close
 * work as without anchors. */
#include "tests/unit/channel_pair.h"

#include "bitcoin/script.h"
#include "bitcoin/sighash.h"
#include "channel/commitment.h"
#include "channel/fee.h"
#include "channel/htlc_tx.h"
#include "channel/scripts.h"
#include "crypto/secp.h"

static void open_anchors(struct pair *p, bool simple_close)
{
	struct pair_options o;

	pair_default_options(&o);
	o.anchors = true;
	o.simple_close = simple_close;
	pair_init(p, &o);
	CHECK(pair_open(p));
	CHECK(channel_get_params(p->node[0].ch)->option_anchors);
	CHECK(channel_get_params(p->node[1].ch)->option_anchors);
}

/* Whether tx pays amount_sat to the P2WSH of witness script ws. */
static bool pays(const struct bitcoin_tx *tx, uint64_t amount_sat,
		 const struct wirebuf *ws)
{
	struct wirebuf *spk = wirebuf_new();
	bool found = false;

	script_p2wsh_for_witness_script(spk, ws->data, ws->len);
	for (size_t k = 0; k < tx->num_outputs; k++)
		found |= tx->outputs[k].amount_sat == amount_sat
			&& tx->outputs[k].script_len == spk->len
			&& memcmp(tx->outputs[k].script, spk->data, spk->len) == 0;
	wirebuf_free(spk);
	return found;
}

/* Node i's latest commitment has both anchors (330 sat to each funding
 * key) and pays the other side's balance to the 1-block-CSV to_remote. */
static void check_anchors_commitment(struct pair *p, int i,
				     uint64_t to_remote_sat)
{
	const struct channel_params *params = channel_get_params(p->node[i].ch);
	struct bitcoin_tx *tx = channel_signed_commitment(p->node[i].ch);
	struct wirebuf *ws;

	CHECK(tx != NULL);
	if (!tx)
		return;
	for (int side = 0; side < 2; side++) {
		ws = wirebuf_new();
		channel_script_anchor(ws, p->ctx, &params->party[side].funding_pubkey);
		CHECK_MSG(pays(tx, CHANNEL_ANCHOR_OUTPUT_SAT, ws),
			  "node %d: no anchor for side %d", i, side);
		wirebuf_free(ws);
	}
	ws = wirebuf_new();
	channel_script_to_remote_anchored(
		ws, p->ctx, &params->party[CHANNEL_REMOTE].basepoints.payment);
	CHECK_MSG(pays(tx, to_remote_sat, ws), "node %d: no to_remote of %llu",
		  i, (unsigned long long)to_remote_sat);
	wirebuf_free(ws);
	bitcoin_tx_free(tx);
}

/* The opener pays the fee at the anchors weight and both anchors; the
 * fundee's balance is the CSV-locked to_remote on the opener's
 * commitment, and the opener's on the fundee's. */
static void test_open_pays_the_anchors(void)
{
	struct pair p;
	struct bitcoin_tx *tx;
	uint64_t fee = 1124 * 2500 / 1000;
	uint64_t funder_sat = 1000000 - 100000 - fee - 2 * CHANNEL_ANCHOR_OUTPUT_SAT;

	open_anchors(&p, false);
	CHECK(channel_commitment_fee_sat(2500, 0, true) == fee);
	check_anchors_commitment(&p, 0, 100000);
	check_anchors_commitment(&p, 1, funder_sat);
	tx = channel_signed_commitment(p.node[0].ch);
	CHECK(tx && tx->num_outputs == 4);
	if (tx) {
		uint64_t out = 0;

		for (size_t k = 0; k < tx->num_outputs; k++)
			out += tx->outputs[k].amount_sat;
		CHECK(out == 1000000 - fee);
	}
	bitcoin_tx_free(tx);
	CHECK(pair_check_agree(&p));
	pair_free(&p);
}

/* Delivers until node dest's next message is a commitment_signed. */
static bool until_commitment_signed(struct pair *p, int dest)
{
	for (;;) {
		if (pair_next_type(p, dest) == WIRE_COMMITMENT_SIGNED)
			return true;
		if (!pair_deliver(p, 0) && !pair_deliver(p, 1))
			return false;
	}
}

/* Node dest's next commitment (what the queued commitment_signed signs),
 * built here from its HTLC set and its per-commitment point. */
static struct commitment *next_commitment(struct pair *p, int dest)
{
	const struct channel *ch = p->node[dest].ch;
	uint64_t number = channel_commitment_number(ch, CHANNEL_LOCAL) + 1;
	struct commitment_state state = { .commitment_number = number };
	struct htlc_view view;
	struct pubkey point;
	struct commitment *c;
	const char *err = NULL;

	htlc_set_view(&view, channel_get_htlcs(ch), CHANNEL_LOCAL, true);
	state.feerate_per_kw = view.feerate_per_kw;
	state.balance_msat[0] = (uint64_t)view.balance_msat[0];
	state.balance_msat[1] = (uint64_t)view.balance_msat[1];
	state.htlcs = view.htlcs;
	state.num_htlcs = view.num_htlcs;
	CHECK(channel_per_commitment_point_from_seed(
		p->ctx, &point, &p->node[dest].secrets.shachain_seed, number));
	c = commitment_new(p->ctx, channel_get_params(ch), CHANNEL_LOCAL, &point,
			   &state, &err);
	CHECK_MSG(c, "commitment_new: %s", err ? err : "?");
	htlc_view_free(&view);
	return c;
}

/* BOLT #3: "if `option_anchors` applies to this commitment transaction,
 * `SIGHASH_SINGLE|SIGHASH_ANYONECANPAY` is used"; the HTLC transactions
 * pay no fee and their input has sequence 1.  Checked on the wire: each
 * htlc_signature verifies with that sighash and not with SIGHASH_ALL. */
static void check_htlc_signatures(struct pair *p, int dest, size_t want)
{
	struct wirebuf *msg;
	struct msg_commitment_signed *cs = NULL;
	struct commitment *c;

	CHECK(until_commitment_signed(p, dest));
	c = next_commitment(p, dest);
	msg = pair_take(p, dest);
	CHECK(msg && fromwire_commitment_signed(msg->data, msg->len, &cs));
	if (!c || !cs) {
		commitment_free(c);
		wirebuf_free(msg);
		return;
	}
	CHECK_MSG(cs->num_htlcs == c->num_htlc_outputs && c->num_htlc_outputs == want,
		  "%u signatures, %zu HTLC outputs, want %zu", cs->num_htlcs,
		  c->num_htlc_outputs, want);
	for (size_t k = 0; k < cs->num_htlcs && k < c->num_htlc_outputs; k++) {
		const struct commitment_output *o = &c->outputs[c->htlc_outputs[k]];
		struct ecdsa_signature sig;
		struct sha256 h;

		CHECK(o->htlc_tx->inputs[0].sequence == 1);
		CHECK(o->htlc_tx->outputs[0].amount_sat == o->amount_sat);
		CHECK(ecdsa_signature_parse_compact(p->ctx, &sig,
						    cs->htlc_signature[k].bytes));
		htlc_tx_sighash(&h, o->htlc_tx, o->witness_script,
				o->witness_script_len, o->amount_sat,
				SIGHASH_SINGLE | SIGHASH_ANYONECANPAY);
		CHECK(ecdsa_verify(p->ctx, &sig, &h, &c->keys.remote_htlc));
		htlc_tx_sighash(&h, o->htlc_tx, o->witness_script,
				o->witness_script_len, o->amount_sat, SIGHASH_ALL);
		CHECK(!ecdsa_verify(p->ctx, &sig, &h, &c->keys.remote_htlc));
	}
	msg_commitment_signed_free(cs);
	commitment_free(c);
	pair_feed(p, dest, msg);
	CHECK(!pair_is_failed(p, dest));
}

/* HTLCs both ways: every commitment_signed carries SIGHASH_SINGLE|
 * ANYONECANPAY HTLC signatures, each side takes the other's, and the
 * fulfills move the balances. */
static void test_htlcs_both_ways(void)
{
	struct pair p;
	struct preimage pre;
	struct sha256 hash;
	uint64_t id0, id1;

	open_anchors(&p, false);
	CHECK(pair_add_htlc_k(&p, 0, 20000000, 1, &id0));
	CHECK(pair_add_htlc_k(&p, 1, 15000000, 2, &id1));
	pair_run(&p);
	/* Node 0 signs its own HTLC (node 1's is not yet in node 1's
	 * commitment); node 1 then signs both into node 0's. */
	CHECK(PAIR_CALL(&p, 0, channel_send_commit));
	check_htlc_signatures(&p, 1, 1);
	CHECK(PAIR_CALL(&p, 1, channel_send_commit));
	check_htlc_signatures(&p, 0, 2);
	pair_settle(&p);
	CHECK(pair_check_agree(&p));
	CHECK(pair_count(&p, 0, CHANNEL_EVENT_HTLC_ADDED) == 1);
	CHECK(pair_count(&p, 1, CHANNEL_EVENT_HTLC_ADDED) == 1);

	/* A dust HTLC: below 546 sat, trimmed (no fee to count: zero-fee
	 * HTLC transactions) on both commitments; 546 sat is not. */
	CHECK(pair_add_htlc_k(&p, 0, 545000, 3, &id0));
	CHECK(pair_add_htlc_k(&p, 0, 546000, 4, &id0));
	pair_run(&p);
	CHECK(PAIR_CALL(&p, 0, channel_send_commit));
	check_htlc_signatures(&p, 1, 3);
	pair_settle(&p);

	pair_preimage(&pre, &hash, 1);
	CHECK(PAIR_CALL(&p, 1, channel_fulfill_htlc, 0, &pre));
	pair_preimage(&pre, &hash, 2);
	CHECK(PAIR_CALL(&p, 0, channel_fulfill_htlc, 0, &pre));
	pair_settle(&p);
	CHECK(pair_check_agree(&p));
	CHECK(pair_count(&p, 0, CHANNEL_EVENT_HTLC_FULFILLED) == 1);
	CHECK(pair_count(&p, 1, CHANNEL_EVENT_HTLC_FULFILLED) == 1);
	pair_free(&p);
}

/* update_fee on an anchors channel: both commitments move to it, the fee
 * counted at the anchors weight; the policy's anchors floor, not the
 * static_remotekey one, bounds the peer's. */
static void test_update_fee(void)
{
	struct pair p;
	struct htlc_view view;
	uint64_t id;

	open_anchors(&p, false);
	CHECK(pair_add_htlc_k(&p, 1, 15000000, 2, &id));
	pair_settle(&p);
	CHECK(PAIR_CALL(&p, 0, channel_update_fee, 5000));
	pair_settle(&p);
	channel_get_view(p.node[1].ch, CHANNEL_LOCAL, &view);
	CHECK(view.feerate_per_kw == 5000);
	htlc_view_free(&view);
	/* 1124 + 172 for the one HTLC output, and the two anchors. */
	check_anchors_commitment(&p, 1, 1000000 - 100000
				 - (1124 + 172) * 5000 / 1000 - 660);
	CHECK(pair_check_agree(&p));

	/* The fundee's static_remotekey floor is 2000, its anchors one 253:
	 * 300 perkw is taken (the anchor can bump the commitment). */
	p.node[1].policy.min_feerate_per_kw = 2000;
	p.node[1].policy.min_anchors_feerate_per_kw = 253;
	channel_set_policy(p.node[1].ch, &p.node[1].policy);
	CHECK(PAIR_CALL(&p, 0, channel_update_fee, 300));
	pair_settle(&p);
	CHECK(channel_get_state(p.node[1].ch) == CHANNEL_NORMAL);
	CHECK(channel_next_feerate(p.node[1].ch) == 300);
	/* Below the anchors floor: a warning and a disconnection. */
	p.node[1].policy.min_anchors_feerate_per_kw = 1000;
	channel_set_policy(p.node[1].ch, &p.node[1].policy);
	CHECK(PAIR_CALL(&p, 0, channel_update_fee, 600));
	pair_run(&p);
	CHECK(pair_last_sent(&p, 1) == WIRE_WARNING);
	CHECK(channel_get_state(p.node[1].ch) == CHANNEL_NORMAL);
	pair_free(&p);
}

/* A commitment_signed lost to a disconnection is signed again after
 * channel_reestablish; a restart from the snapshot keeps the type. */
static void test_reestablish_and_restart(void)
{
	struct pair p;
	uint64_t id;

	open_anchors(&p, false);
	CHECK(pair_add_htlc_k(&p, 0, 20000000, 1, &id));
	CHECK(PAIR_CALL(&p, 0, channel_send_commit));
	CHECK(until_commitment_signed(&p, 1));
	pair_disconnect(&p);
	for (int i = 0; i < 2; i++) {
		pair_reload(&p, i);
		CHECK(channel_get_params(p.node[i].ch)->option_anchors);
	}
	pair_reconnect(&p);
	pair_settle(&p);
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_NORMAL);
	CHECK(channel_get_state(p.node[1].ch) == CHANNEL_NORMAL);
	CHECK(pair_count(&p, 1, CHANNEL_EVENT_HTLC_ADDED) == 1);
	CHECK(pair_check_agree(&p));
	check_anchors_commitment(&p, 0, 100000);
	pair_free(&p);
}

/* The closing transaction has no anchors: each side's balance, the
 * opener paying the fee (legacy closing_signed), or with
 * option_simple_close each side's closing_complete, its closer paying. */
static void test_mutual_close(void)
{
	for (int simple = 0; simple < 2; simple++) {
		struct pair p;
		const struct bitcoin_tx *tx;
		uint64_t out = 0;

		open_anchors(&p, simple);
		CHECK(PAIR_CALL(&p, 0, channel_shutdown, NULL, 0));
		pair_settle(&p);
		CHECK_MSG(channel_get_state(p.node[0].ch) == CHANNEL_CLOSED, "%s %s",
			  channel_state_name(channel_get_state(p.node[0].ch)),
			  channel_state_name(channel_get_state(p.node[1].ch)));
		CHECK(channel_get_state(p.node[1].ch) == CHANNEL_CLOSED);
		CHECK_MSG(pair_count(&p, 0, CHANNEL_EVENT_CLOSE_BROADCAST) == (size_t)(1 + simple),
			  "simple %d: %zu close broadcasts", simple,
			  pair_count(&p, 0, CHANNEL_EVENT_CLOSE_BROADCAST));
		tx = p.node[0].broadcast;
		CHECK(tx && tx->num_outputs == 2);
		for (size_t k = 0; tx && k < tx->num_outputs; k++) {
			CHECK(tx->outputs[k].amount_sat != CHANNEL_ANCHOR_OUTPUT_SAT);
			out += tx->outputs[k].amount_sat;
		}
		/* The fundee gets its 100000 sat whole (legacy: the opener
		 * pays; simple: node 0's last is node 1's closing_complete,
		 * whose fee node 1 pays). */
		for (size_t k = 0, found = 0; tx && !simple && k <= tx->num_outputs; k++) {
			if (k == tx->num_outputs) {
				CHECK(found == 1);
				break;
			}
			found += tx->outputs[k].amount_sat == 100000;
		}
		CHECK(out < 1000000 && out > 1000000 - 5000);
		pair_free(&p);
	}
}

int main(void)
{
	RUN(test_open_pays_the_anchors);
	RUN(test_htlcs_both_ways);
	RUN(test_update_fee);
	RUN(test_reestablish_and_restart);
	RUN(test_mutual_close);
	return test_done();
}
