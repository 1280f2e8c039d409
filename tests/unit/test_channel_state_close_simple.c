/* option_simple_close between two engines (BOLT #2 "Closing Negotiation:
 * `closing_complete` and `closing_sig`", BOLT #3 "Closing Transaction"):
 * each side's closing_complete, the variants it signs, the closee's
 * choice, and a peer breaking the rules, which gets a warning and a
 * disconnection, never a failed channel. */
#include "tests/unit/channel_pair.h"

#include "bitcoin/script.h"

/* Node 0 starts the close; messages flow until node dest's next one is
 * closing_complete (left queued).  Returns: whether it came. */
static bool until_closing_complete(struct pair *p, int dest)
{
	for (;;) {
		if (pair_next_type(p, dest) == WIRE_CLOSING_COMPLETE)
			return true;
		if (!pair_deliver(p, 0) && !pair_deliver(p, 1))
			return false;
	}
}

static struct pair *opened_upfront(struct pair *p, uint64_t push_msat,
				   bool upfront)
{
	struct pair_options o;

	pair_default_options(&o);
	o.simple_close = true;
	o.no_upfront_script = !upfront;
	o.push_msat = push_msat;
	pair_init(p, &o);
	CHECK(pair_open(p));
	return p;
}

static struct pair *opened(struct pair *p, uint64_t push_msat)
{
	return opened_upfront(p, push_msat, true);
}

/* Node i warned and dropped the connection, its channel neither failed
 * nor closed. */
static bool warned(struct pair *p, int i, enum channel_state state)
{
	bool ok = pair_last_sent(p, i) == WIRE_WARNING
		&& p->node[i].last_failure == NULL
		&& channel_get_state(p->node[i].ch) == state
		&& pair_count(p, i, CHANNEL_EVENT_COMMITMENT_BROADCAST) == 0;

	if (!ok)
		printf("# node %d: last sent %s, failure %s, state %s\n", i,
		       peer_wire_name(pair_last_sent(p, i)),
		       p->node[i].last_failure ? p->node[i].last_failure : "-",
		       channel_state_name(channel_get_state(p->node[i].ch)));
	return ok;
}

/* Whether node i broadcast the transaction txid. */
static bool broadcast_txid(const struct pair *p, int i,
			   const struct bitcoin_txid *txid)
{
	for (size_t k = 0; k < p->node[i].num_records; k++)
		if (p->node[i].records[k].type == CHANNEL_EVENT_CLOSE_BROADCAST
		    && bitcoin_txid_eq(&p->node[i].records[k].txid, txid))
			return true;
	return false;
}

/* Both sides close at once: each sends closing_complete, signs the
 * other's, and broadcasts both transactions, the same two. */
static void test_both_close(void)
{
	struct pair p;
	const struct bitcoin_tx *tx;

	opened(&p, 100000000);
	CHECK(PAIR_CALL(&p, 0, channel_shutdown, NULL, 0));
	pair_run(&p);
	for (int i = 0; i < 2; i++) {
		CHECK(channel_get_state(p.node[i].ch) == CHANNEL_CLOSED);
		CHECK(pair_count(&p, i, CHANNEL_EVENT_CLOSE_BROADCAST) == 2);
		CHECK(pair_count(&p, i, CHANNEL_EVENT_COMMITMENT_BROADCAST) == 0);
		for (size_t k = 0; k < p.node[i].num_sent; k++)
			CHECK(p.node[i].sent_types[k] != WIRE_WARNING
			      && p.node[i].sent_types[k] != WIRE_ERROR
			      && p.node[i].sent_types[k] != WIRE_CLOSING_SIGNED);
	}
	for (size_t k = 0; k < p.node[0].num_records; k++)
		if (p.node[0].records[k].type == CHANNEL_EVENT_CLOSE_BROADCAST)
			CHECK(broadcast_txid(&p, 1, &p.node[0].records[k].txid));
	/* BOLT #3: sequence 0xFFFFFFFD, our locktime, both outputs. */
	tx = p.node[0].broadcast;
	CHECK(tx->inputs[0].sequence == 0xFFFFFFFDu);
	CHECK(tx->locktime == 0);
	CHECK(tx->num_outputs == 2);
	CHECK(tx->inputs[0].num_witness == 4);
	pair_free(&p);
}

/* The closer's variants (BOLT #2): the richer side signs
 * closer_output_only and closer_and_closee_outputs; the poorer one only
 * closer_and_closee_outputs; and the closee answers with the one it must
 * select, in the same field. */
static void test_variants_by_balance(void)
{
	struct pair p;
	struct wirebuf *msg;
	struct msg_closing_complete *m;
	struct msg_closing_sig *s;

	opened(&p, 100000000);
	CHECK(PAIR_CALL(&p, 0, channel_shutdown, NULL, 0));
	CHECK(until_closing_complete(&p, 1));
	msg = pair_take(&p, 1);
	CHECK(fromwire_closing_complete(msg->data, msg->len, &m));
	CHECK(m->tlvs->closer_output_only && m->tlvs->closer_and_closee_outputs
	      && !m->tlvs->closee_output_only);
	msg_closing_complete_free(m);
	pair_feed(&p, 1, msg);
	/* Node 1's answer (closing_sig) and its own closing_complete. */
	while (pair_next_type(&p, 0) && pair_next_type(&p, 0) != WIRE_CLOSING_SIG
	       && pair_next_type(&p, 0) != WIRE_CLOSING_COMPLETE)
		pair_deliver(&p, 0);
	for (int k = 0; k < 2; k++) {
		msg = pair_take(&p, 0);
		CHECK(msg != NULL);
		if (!msg)
			break;
		if (fromwire_closing_sig(msg->data, msg->len, &s)) {
			CHECK(s->tlvs->closer_and_closee_outputs
			      && !s->tlvs->closer_output_only);
			msg_closing_sig_free(s);
		} else {
			CHECK(fromwire_closing_complete(msg->data, msg->len, &m));
			CHECK(!m->tlvs->closer_output_only
			      && m->tlvs->closer_and_closee_outputs
			      && !m->tlvs->closee_output_only);
			msg_closing_complete_free(m);
		}
		pair_feed(&p, 0, msg);
	}
	pair_run(&p);
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_CLOSED);
	CHECK(channel_get_state(p.node[1].ch) == CHANNEL_CLOSED);
	pair_free(&p);
}

/* The fundee has 200 sat: below P2WPKH dust (294).  It cannot pay a fee,
 * so it sends no closing_complete; the funder signs closer_output_only
 * only, which the fundee selects (its own output is dust). */
static void test_dust_closee_gets_closer_output_only(void)
{
	struct pair p;
	struct wirebuf *msg;
	struct msg_closing_complete *m;

	opened(&p, 200000);
	CHECK(PAIR_CALL(&p, 0, channel_shutdown, NULL, 0));
	CHECK(until_closing_complete(&p, 1));
	msg = pair_take(&p, 1);
	CHECK(fromwire_closing_complete(msg->data, msg->len, &m));
	CHECK(m->tlvs->closer_output_only && !m->tlvs->closer_and_closee_outputs
	      && !m->tlvs->closee_output_only);
	msg_closing_complete_free(m);
	pair_feed(&p, 1, msg);
	pair_run(&p);
	for (size_t k = 0; k < p.node[1].num_sent; k++)
		CHECK(p.node[1].sent_types[k] != WIRE_CLOSING_COMPLETE);
	CHECK(pair_count(&p, 0, CHANNEL_EVENT_CLOSE_BROADCAST) == 1);
	CHECK(pair_count(&p, 1, CHANNEL_EVENT_CLOSE_BROADCAST) == 1);
	CHECK(pair_same_broadcast(&p));
	CHECK(p.node[0].broadcast->num_outputs == 1);
	pair_free(&p);
}

/* The fee a closer pays at pair_policy's closing feerate (1000 perkw)
 * for a transaction with two P2WPKH outputs: its weight does not depend
 * on the amounts. */
static uint64_t both_outputs_fee(void)
{
	struct close_simple c;
	struct channel_params params;
	struct bitcoin_tx *tx;
	uint8_t script[22];
	uint64_t fee;

	memset(&c, 0, sizeof(c));
	memset(&params, 0, sizeof(params));
	pair_script(script, 1);
	for (int side = 0; side < CHANNEL_NUM_SIDES; side++) {
		c.outs.script[side] = script;
		c.outs.script_len[side] = sizeof(script);
	}
	tx = close_simple_tx_new(&params, &c, CLOSE_BOTH);
	fee = 1000 * close_tx_weight(tx) / 1000;
	bitcoin_tx_free(tx);
	return fee;
}

/* The poorer side whose output after its fee is dust sends
 * closee_output_only: a transaction paying only the richer side. */
static void test_poorer_side_omits_its_dust_output(void)
{
	uint64_t fee = both_outputs_fee();
	struct pair p;
	struct wirebuf *msg;
	struct msg_closing_complete *m;

	/* The fundee's balance pays the fee with 100 sat left: dust. */
	opened(&p, (fee + 100) * 1000);
	CHECK(PAIR_CALL(&p, 1, channel_shutdown, NULL, 0));
	CHECK(until_closing_complete(&p, 0));
	msg = pair_take(&p, 0);
	CHECK(fromwire_closing_complete(msg->data, msg->len, &m));
	CHECK(m->fee_satoshis == fee);
	CHECK(m->tlvs->closee_output_only && !m->tlvs->closer_output_only
	      && !m->tlvs->closer_and_closee_outputs);
	msg_closing_complete_free(m);
	pair_feed(&p, 0, msg);
	CHECK(pair_last_sent(&p, 0) == WIRE_CLOSING_SIG);
	/* Node 0 signed it: one output, node 0's. */
	CHECK(p.node[0].broadcast && p.node[0].broadcast->num_outputs == 1);
	pair_run(&p);
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_CLOSED);
	CHECK(channel_get_state(p.node[1].ch) == CHANNEL_CLOSED);
	pair_free(&p);
}

/* A closing_complete of node 0's, built and signed here: fee_sat,
 * closer_script (NULL: node 0's), closee_script (NULL: node 1's), with
 * the signatures of the variants in mask (1 << variant). */
static struct wirebuf *crafted(struct pair *p, uint64_t fee_sat,
			       const uint8_t *closer, size_t closer_len,
			       const uint8_t *closee, size_t closee_len,
			       unsigned mask, bool corrupt)
{
	struct msg_closing_complete m;
	struct tlv_closing_tlvs *tlvs = tlv_closing_tlvs_new();
	struct close_simple c;
	struct wirebuf *msg;
	uint8_t s0[22], s1[22];
	const struct channel_params *params = channel_get_params(p->node[0].ch);
	struct htlc_view view;

	pair_script(s0, 0xa0);
	pair_script(s1, 0xa1);
	memset(&c, 0, sizeof(c));
	c.closer = CHANNEL_LOCAL;
	c.outs.script[0] = closer ? closer : s0;
	c.outs.script_len[0] = closer ? closer_len : 22;
	c.outs.script[1] = closee ? closee : s1;
	c.outs.script_len[1] = closee ? closee_len : 22;
	htlc_set_view(&view, channel_get_htlcs(p->node[0].ch), CHANNEL_LOCAL, false);
	c.outs.balance_msat[0] = (uint64_t)view.balance_msat[CHANNEL_LOCAL];
	c.outs.balance_msat[1] = (uint64_t)view.balance_msat[CHANNEL_REMOTE];
	htlc_view_free(&view);
	c.fee_sat = fee_sat;
	for (int v = 1; v <= CLOSE_NUM_VARIANTS; v++) {
		struct close_simple payable = c;
		struct ecdsa_signature sig;
		struct wire_signature *out;
		struct bitcoin_tx *tx;

		if (!(mask & (1u << v)))
			continue;
		/* A fee above the balance builds no transaction: sign the
		 * one without a fee (any signature will do). */
		tx = close_simple_tx_new(params, &c, (enum close_variant)v);
		if (!tx) {
			payable.fee_sat = 0;
			tx = close_simple_tx_new(params, &payable, (enum close_variant)v);
		}
		close_tx_sign(p->ctx, &sig, tx, params, &p->node[0].secrets.funding);
		bitcoin_tx_free(tx);
		if (v == CLOSE_CLOSER_ONLY) {
			tlvs->closer_output_only = calloc(1, sizeof(*tlvs->closer_output_only));
			out = &tlvs->closer_output_only->sig;
		} else if (v == CLOSE_CLOSEE_ONLY) {
			tlvs->closee_output_only = calloc(1, sizeof(*tlvs->closee_output_only));
			out = &tlvs->closee_output_only->sig;
		} else {
			tlvs->closer_and_closee_outputs =
				calloc(1, sizeof(*tlvs->closer_and_closee_outputs));
			out = &tlvs->closer_and_closee_outputs->sig;
		}
		ecdsa_signature_serialize_compact(p->ctx, out->bytes, &sig);
		if (corrupt)
			out->bytes[10] ^= 1;
	}
	memset(&m, 0, sizeof(m));
	m.channel_id = *channel_get_id(p->node[0].ch);
	m.closer_scriptpubkey = (uint8_t *)c.outs.script[0];
	m.closer_scriptpubkey_len = (uint16_t)c.outs.script_len[0];
	m.closee_scriptpubkey = (uint8_t *)c.outs.script[1];
	m.closee_scriptpubkey_len = (uint16_t)c.outs.script_len[1];
	m.fee_satoshis = fee_sat;
	m.tlvs = tlvs;
	msg = towire_closing_complete(&m);
	tlv_closing_tlvs_free(tlvs);
	return msg;
}

/* Node 1 in CHANNEL_NEGOTIATING_CLOSE, node 0's own closing_complete
 * dropped: the test speaks for node 0 (which promised no upfront
 * script, unless upfront). */
static void ready_for_crafted_upfront(struct pair *p, bool upfront)
{
	opened_upfront(p, 100000000, upfront);
	CHECK(PAIR_CALL(p, 0, channel_shutdown, NULL, 0));
	CHECK(until_closing_complete(p, 1));
	wirebuf_free(pair_take(p, 1));
	CHECK(channel_get_state(p->node[1].ch) == CHANNEL_NEGOTIATING_CLOSE);
	/* Node 1's own closing_complete, if queued, stays undelivered. */
	pair_queue_clear(&p->node[0].inbox);
}

static void ready_for_crafted(struct pair *p)
{
	ready_for_crafted_upfront(p, false);
}

#define BOTH_MASK (1u << CLOSE_CLOSER_ONLY | 1u << CLOSE_BOTH)

/* Each closing_complete BOLT #2 says to refuse: a warning, the
 * connection dropped, the channel still open to a close. */
static void test_bad_closing_complete_warns(void)
{
	static const uint8_t other[22] = { 0x00, 20, 9, 9, 9 };
	static const uint8_t p2pkh[25] = { 0x76, 0xa9, 20 };
	struct pair p;

	/* closee_scriptpubkey not node 1's. */
	ready_for_crafted(&p);
	pair_feed(&p, 1, crafted(&p, 1000, NULL, 0, other, sizeof(other), BOTH_MASK, false));
	CHECK(warned(&p, 1, CHANNEL_SHUTTING_DOWN));
	pair_free(&p);

	/* A closer_scriptpubkey that breaks the upfront_shutdown_script
	 * promise. */
	ready_for_crafted_upfront(&p, true);
	pair_feed(&p, 1, crafted(&p, 1000, other, sizeof(other), NULL, 0, BOTH_MASK, false));
	CHECK(warned(&p, 1, CHANNEL_SHUTTING_DOWN));
	pair_free(&p);

	/* closer_scriptpubkey not a shutdown form. */
	ready_for_crafted(&p);
	pair_feed(&p, 1, crafted(&p, 1000, p2pkh, sizeof(p2pkh), NULL, 0, BOTH_MASK, false));
	CHECK(warned(&p, 1, CHANNEL_SHUTTING_DOWN));
	pair_free(&p);

	/* fee_satoshis above the closer's balance. */
	ready_for_crafted(&p);
	pair_feed(&p, 1, crafted(&p, 2000000, NULL, 0, NULL, 0, BOTH_MASK, false));
	CHECK(warned(&p, 1, CHANNEL_SHUTTING_DOWN));
	pair_free(&p);

	/* The signature node 1 must select (both outputs) is missing. */
	ready_for_crafted(&p);
	pair_feed(&p, 1, crafted(&p, 1000, NULL, 0, NULL, 0, 1u << CLOSE_CLOSER_ONLY, false));
	CHECK(warned(&p, 1, CHANNEL_SHUTTING_DOWN));
	pair_free(&p);

	/* An invalid signature. */
	ready_for_crafted(&p);
	pair_feed(&p, 1, crafted(&p, 1000, NULL, 0, NULL, 0, BOTH_MASK, true));
	CHECK(warned(&p, 1, CHANNEL_SHUTTING_DOWN));
	CHECK(pair_count(&p, 1, CHANNEL_EVENT_CLOSE_BROADCAST) == 0);
	/* A new connection closes it properly. */
	p.connected = true;
	PAIR_CALL(&p, 0, channel_disconnected);
	pair_reconnect(&p);
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_CLOSED);
	CHECK(channel_get_state(p.node[1].ch) == CHANNEL_CLOSED);
	CHECK(pair_count(&p, 1, CHANNEL_EVENT_CLOSE_BROADCAST) == 2);
	pair_free(&p);
}

/* A valid crafted one is signed: the closee checks exactly what BOLT #3
 * builds.  Then an RBF, a higher fee to a new (taproot) closer script:
 * signed and broadcast too. */
static void test_rbf_and_new_script(void)
{
	static const uint8_t p2tr[34] = { 0x51, 32, 1, 2, 3 };
	struct pair p;
	const struct bitcoin_tx *tx;
	uint64_t total = 0;
	bool pays_p2tr = false;

	ready_for_crafted(&p);
	pair_feed(&p, 1, crafted(&p, 1000, NULL, 0, NULL, 0, BOTH_MASK, false));
	CHECK(pair_last_sent(&p, 1) == WIRE_CLOSING_SIG);
	CHECK(channel_get_state(p.node[1].ch) == CHANNEL_CLOSED);
	pair_feed(&p, 1, crafted(&p, 3000, p2tr, sizeof(p2tr), NULL, 0, BOTH_MASK, false));
	CHECK(pair_last_sent(&p, 1) == WIRE_CLOSING_SIG);
	CHECK(pair_count(&p, 1, CHANNEL_EVENT_CLOSE_BROADCAST) == 2);
	tx = p.node[1].broadcast;
	CHECK(tx->num_outputs == 2);
	for (size_t k = 0; k < tx->num_outputs; k++) {
		total += tx->outputs[k].amount_sat;
		pays_p2tr |= tx->outputs[k].script_len == sizeof(p2tr)
			&& memcmp(tx->outputs[k].script, p2tr, sizeof(p2tr)) == 0;
	}
	CHECK(pays_p2tr);
	CHECK(total == 1000000 - 3000);
	CHECK(p.node[1].last_failure == NULL);
	pair_free(&p);
}

/* An OP_RETURN closer script: its output is worth 0, all to fees. */
static void test_op_return_closer(void)
{
	static const uint8_t op_return[8] = { 0x6a, 6, 'o', 'h', 'm', '!', '!', '!' };
	struct pair p;
	const struct bitcoin_tx *tx;

	ready_for_crafted(&p);
	pair_feed(&p, 1, crafted(&p, 1000, op_return, sizeof(op_return), NULL, 0, BOTH_MASK, false));
	CHECK(pair_last_sent(&p, 1) == WIRE_CLOSING_SIG);
	tx = p.node[1].broadcast;
	CHECK(tx && tx->num_outputs == 2);
	if (tx && tx->num_outputs == 2)
		CHECK(tx->outputs[0].amount_sat == 0
		      && script_is_op_return(tx->outputs[0].script,
					     tx->outputs[0].script_len));
	pair_free(&p);
}

/* closing_sig that does not match our closing_complete: a warning. */
static void test_bad_closing_sig_warns(void)
{
	struct pair p;
	struct wirebuf *msg;
	struct msg_closing_complete *m;
	struct msg_closing_sig s;

	opened(&p, 100000000);
	CHECK(PAIR_CALL(&p, 0, channel_shutdown, NULL, 0));
	CHECK(until_closing_complete(&p, 1));
	msg = pair_take(&p, 1);
	CHECK(fromwire_closing_complete(msg->data, msg->len, &m));
	wirebuf_free(msg);
	memset(&s, 0, sizeof(s));
	s.channel_id = m->channel_id;
	s.closer_scriptpubkey = m->closer_scriptpubkey;
	s.closer_scriptpubkey_len = m->closer_scriptpubkey_len;
	s.closee_scriptpubkey = m->closee_scriptpubkey;
	s.closee_scriptpubkey_len = m->closee_scriptpubkey_len;
	s.fee_satoshis = m->fee_satoshis + 1;
	s.tlvs = m->tlvs;	/* two signatures, and not node 1's */
	pair_feed(&p, 0, towire_closing_sig(&s));
	CHECK(warned(&p, 0, CHANNEL_SHUTTING_DOWN));
	msg_closing_complete_free(m);
	pair_free(&p);
}

/* closing_complete while an HTLC is still in the channel; and the legacy
 * closing_signed once option_simple_close is negotiated. */
static void test_out_of_turn_warns(void)
{
	struct pair p;
	struct msg_closing_signed cs;
	uint64_t id;

	opened(&p, 100000000);
	CHECK(pair_shutdown_with_htlc(&p, 0, 5000000, 1, &id));
	pair_feed(&p, 1, crafted(&p, 1000, NULL, 0, NULL, 0, BOTH_MASK, false));
	CHECK(warned(&p, 1, CHANNEL_SHUTTING_DOWN));
	pair_free(&p);

	opened(&p, 100000000);
	memset(&cs, 0, sizeof(cs));
	cs.channel_id = *channel_get_id(p.node[0].ch);
	cs.fee_satoshis = 1000;
	pair_feed(&p, 1, towire_closing_signed(&cs));
	CHECK(warned(&p, 1, CHANNEL_NORMAL));
	pair_free(&p);
}

/* Without option_simple_close, closing_complete is out of place. */
static void test_not_negotiated_warns(void)
{
	struct pair_options o;
	struct pair p;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	pair_feed(&p, 1, crafted(&p, 1000, NULL, 0, NULL, 0, BOTH_MASK, false));
	CHECK(warned(&p, 1, CHANNEL_NORMAL));
	pair_free(&p);
}

/* The connection drops with both closing_completes in flight: after
 * channel_reestablish and shutdown again, both send them again. */
static void test_reconnect_mid_close(void)
{
	struct pair p;

	opened(&p, 100000000);
	CHECK(PAIR_CALL(&p, 0, channel_shutdown, NULL, 0));
	CHECK(until_closing_complete(&p, 1));
	pair_disconnect(&p);
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_SHUTTING_DOWN);
	pair_reconnect(&p);
	for (int i = 0; i < 2; i++) {
		CHECK(channel_get_state(p.node[i].ch) == CHANNEL_CLOSED);
		CHECK(pair_count(&p, i, CHANNEL_EVENT_CLOSE_BROADCAST) == 2);
		CHECK(p.node[i].last_failure == NULL);
	}
	pair_free(&p);
}

/* BOLT #2: with option_simple_close a shutdown may pay to OP_RETURN. */
static void test_op_return_shutdown_script(void)
{
	static const uint8_t ok6[8] = { 0x6a, 6 }, ok80[83] = { 0x6a, 0x4c, 80 };
	static const uint8_t short5[7] = { 0x6a, 5 }, two[10] = { 0x6a, 6, 0, 0, 0, 0, 0, 0, 1, 0 };
	static const uint8_t pushdata75[78] = { 0x6a, 0x4c, 75 };
	const struct close_features simple = { true, true }, plain = { true, false };

	CHECK(close_script_is_valid(ok6, sizeof(ok6), &simple));
	CHECK(close_script_is_valid(ok80, sizeof(ok80), &simple));
	CHECK(!close_script_is_valid(ok6, sizeof(ok6), &plain));
	CHECK(!close_script_is_valid(short5, sizeof(short5), &simple));
	CHECK(!close_script_is_valid(two, sizeof(two), &simple));
	CHECK(!close_script_is_valid(pushdata75, sizeof(pushdata75), &simple));
	CHECK(!close_output_is_dust(ok6, sizeof(ok6), 0));
}

/* BOLT #3 "Dust Limits": the threshold of each script type. */
static void test_dust_thresholds(void)
{
	uint8_t p2wpkh[22], p2wsh[34] = { 0x00, 32 }, p2tr[34] = { 0x51, 32 };

	pair_script(p2wpkh, 1);
	CHECK(close_output_is_dust(p2wpkh, sizeof(p2wpkh), 293));
	CHECK(!close_output_is_dust(p2wpkh, sizeof(p2wpkh), 294));
	CHECK(close_output_is_dust(p2wsh, sizeof(p2wsh), 329));
	CHECK(!close_output_is_dust(p2wsh, sizeof(p2wsh), 330));
	CHECK(close_output_is_dust(p2tr, sizeof(p2tr), 353));
	CHECK(!close_output_is_dust(p2tr, sizeof(p2tr), 354));
}

int main(void)
{
	RUN(test_both_close);
	RUN(test_variants_by_balance);
	RUN(test_dust_closee_gets_closer_output_only);
	RUN(test_poorer_side_omits_its_dust_output);
	RUN(test_bad_closing_complete_warns);
	RUN(test_rbf_and_new_script);
	RUN(test_op_return_closer);
	RUN(test_bad_closing_sig_warns);
	RUN(test_out_of_turn_warns);
	RUN(test_not_negotiated_warns);
	RUN(test_reconnect_mid_close);
	RUN(test_op_return_shutdown_script);
	RUN(test_dust_thresholds);
	return test_done();
}
