/* The channel engine (channel/state.h) between two instances wired
 * together (tests/unit/channel_pair.h), every step persisted and restored:
 * opening, HTLCs added and fulfilled or failed, batching, update_fee,
 * retransmission after a disconnection, data loss protection, mutual
 * close, and the HTLC step model of channel/htlcs.h on its own. */
#include "bitcoin/script.h"
#include "channel/close.h"
#include "channel/htlcs.h"
#include "tests/unit/channel_pair.h"

static int64_t balance(struct pair *p, int i, enum channel_side owner,
		       enum channel_side side)
{
	struct htlc_view v;
	int64_t b;

	channel_get_view(p->node[i].ch, owner, &v);
	b = v.balance_msat[side];
	htlc_view_free(&v);
	return b;
}

static size_t num_htlcs(struct pair *p, int i, enum channel_side owner)
{
	struct htlc_view v;
	size_t n;

	channel_get_view(p->node[i].ch, owner, &v);
	n = v.num_htlcs;
	htlc_view_free(&v);
	return n;
}

/* ---- The step model ---- */

static void test_update_steps_follow_the_spec(void)
{
	enum update_step s = UPDATE_SENT;

	/* An update we send: our commit, their revoke, their commit, our
	 * revoke. */
	CHECK(!update_step_in_commitment(s, CHANNEL_LOCAL, CHANNEL_REMOTE));
	s = update_step_next(s, CHANNEL_LOCAL, CHANNEL_REMOTE,
			     UPDATE_EVENT_COMMIT);
	CHECK(s == UPDATE_SENT);	/* their commit does not carry it */
	s = update_step_next(s, CHANNEL_LOCAL, CHANNEL_LOCAL,
			     UPDATE_EVENT_COMMIT);
	CHECK(s == UPDATE_COMMITTED);
	CHECK(update_step_in_commitment(s, CHANNEL_LOCAL, CHANNEL_REMOTE));
	CHECK(!update_step_in_commitment(s, CHANNEL_LOCAL, CHANNEL_LOCAL));
	s = update_step_next(s, CHANNEL_LOCAL, CHANNEL_REMOTE,
			     UPDATE_EVENT_REVOKE);
	CHECK(s == UPDATE_REVOKED);
	s = update_step_next(s, CHANNEL_LOCAL, CHANNEL_REMOTE,
			     UPDATE_EVENT_COMMIT);
	CHECK(s == UPDATE_ACKED);
	CHECK(update_step_in_commitment(s, CHANNEL_LOCAL, CHANNEL_LOCAL));
	s = update_step_next(s, CHANNEL_LOCAL, CHANNEL_LOCAL,
			     UPDATE_EVENT_REVOKE);
	CHECK(s == UPDATE_COMPLETE);
	s = update_step_next(s, CHANNEL_LOCAL, CHANNEL_LOCAL,
			     UPDATE_EVENT_COMMIT);
	CHECK(s == UPDATE_COMPLETE);
}

static void test_htlc_state_names_are_core_lightnings(void)
{
	struct htlc h;

	memset(&h, 0, sizeof(h));
	h.h.offerer = CHANNEL_REMOTE;
	h.add_step = UPDATE_COMPLETE;
	CHECK_STREQ(htlc_state_name(&h), "RCVD_ADD_ACK_REVOCATION");
	h.removal = HTLC_FULFILLED;
	h.remove_step = UPDATE_SENT;
	CHECK_STREQ(htlc_state_name(&h), "SENT_REMOVE_HTLC");
	h.h.offerer = CHANNEL_LOCAL;
	h.remove_step = UPDATE_COMPLETE;
	CHECK_STREQ(htlc_state_name(&h), "RCVD_REMOVE_ACK_REVOCATION");
	h.removal = HTLC_NOT_REMOVED;
	h.add_step = UPDATE_REVOKED;
	CHECK_STREQ(htlc_state_name(&h), "RCVD_ADD_REVOCATION");
}

/* ---- Opening ---- */

static void test_open_reaches_normal(void)
{
	struct pair_options o;
	struct pair p;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	CHECK(p.node[0].funding_needed && p.node[0].funding_broadcast);
	CHECK(!p.node[1].funding_needed && !p.node[1].funding_broadcast);
	CHECK(p.node[0].normal && p.node[1].normal);
	CHECK(channel_is_opener(p.node[0].ch) && !channel_is_opener(p.node[1].ch));
	CHECK(memcmp(channel_get_id(p.node[0].ch), channel_get_id(p.node[1].ch),
		     32) == 0);
	/* The funder owns funding less push, the fundee the push. */
	CHECK(balance(&p, 0, CHANNEL_LOCAL, CHANNEL_LOCAL)
	      == (int64_t)(o.funding_sat * 1000 - o.push_msat));
	CHECK(balance(&p, 1, CHANNEL_LOCAL, CHANNEL_LOCAL)
	      == (int64_t)o.push_msat);
	CHECK(pair_check_agree(&p));
	CHECK(channel_commitment_number(p.node[0].ch, CHANNEL_LOCAL) == 0);
	pair_free(&p);
}

static void test_open_with_anchors(void)
{
	struct pair_options o;
	struct pair p;
	struct bitcoin_tx *tx;

	pair_default_options(&o);
	o.anchors = true;
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	CHECK(channel_get_params(p.node[1].ch)->option_anchors);
	tx = channel_signed_commitment(p.node[1].ch);
	CHECK(tx && tx->num_outputs == 4);	/* two balances, two anchors */
	bitcoin_tx_free(tx);
	CHECK(pair_check_agree(&p));
	pair_free(&p);
}

static void test_funding_script_is_the_2of2(void)
{
	struct pair_options o;
	struct pair p;
	struct channel_effects fx;
	struct channel_id temp;
	struct wirebuf *expected;
	bool found = false;

	pair_default_options(&o);
	pair_init(&p, &o);
	memset(temp.bytes, 1, 32);
	channel_effects_init(&fx);
	CHECK(channel_open(p.node[0].ch, &fx, &temp, o.funding_sat, 0, 2500,
			   CHANNEL_TYPE_STATIC_REMOTEKEY, 0));
	pair_absorb(&p, 0, &fx);
	CHECK(pair_deliver(&p, 1));
	CHECK(channel_get_state(p.node[1].ch)
	      == CHANNEL_AWAITING_FUNDING_CREATED);
	/* Catch the FUNDING_NEEDED event by hand. */
	{
		struct pair_queue *q = &p.node[0].inbox;
		struct wirebuf *msg = q->msgs[q->head++];

		channel_effects_init(&fx);
		channel_handle_message(p.node[0].ch, &fx, msg->data, msg->len);
		wirebuf_free(msg);
	}
	expected = wirebuf_new();
	channel_script_funding_output(
		expected, p.ctx,
		&channel_get_params(p.node[0].ch)->party[0].funding_pubkey,
		&channel_get_params(p.node[0].ch)->party[1].funding_pubkey);
	for (size_t k = 0; k < fx.num_events; k++)
		if (fx.events[k].type == CHANNEL_EVENT_FUNDING_NEEDED) {
			found = true;
			CHECK(fx.events[k].funding_sat == o.funding_sat);
			CHECK(fx.events[k].funding_script_len == expected->len);
			CHECK(memcmp(fx.events[k].funding_script, expected->data,
				     expected->len) == 0);
		}
	CHECK(found);
	wirebuf_free(expected);
	pair_absorb(&p, 0, &fx);
	pair_free(&p);
}

static void test_disconnect_while_opening_forgets(void)
{
	struct pair_options o;
	struct pair p;
	struct channel_id temp;

	pair_default_options(&o);
	pair_init(&p, &o);
	memset(temp.bytes, 2, 32);
	CHECK(PAIR_CALL(&p, 0, channel_open, &temp, o.funding_sat, 0, 2500,
			CHANNEL_TYPE_STATIC_REMOTEKEY, 0));
	pair_run(&p);
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_AWAITING_FUNDING_TX);
	pair_disconnect(&p);
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_FORGOTTEN);
	CHECK(channel_get_state(p.node[1].ch) == CHANNEL_FORGOTTEN);
	CHECK(p.node[0].forgotten && p.node[1].forgotten);
	pair_free(&p);
}

/* channel_ready lost with the line: channel_reestablish brings it back. */
static void test_reconnect_during_lockin(void)
{
	struct pair_options o;
	struct pair p;
	struct channel_id temp;
	struct bitcoin_outpoint funding;
	struct short_channel_id scid = { 0x0000640000010001ULL };

	pair_default_options(&o);
	pair_init(&p, &o);
	memset(temp.bytes, 9, 32);
	CHECK(PAIR_CALL(&p, 0, channel_open, &temp, o.funding_sat, 0, 2500,
			CHANNEL_TYPE_STATIC_REMOTEKEY, 0));
	pair_run(&p);
	memset(&funding, 0x31, sizeof(funding));
	funding.vout = 0;
	CHECK(PAIR_CALL(&p, 0, channel_funding_built, &funding));
	pair_run(&p);
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_AWAITING_LOCKIN);
	/* Node 0 sees the depth while connected (its channel_ready is lost),
	 * node 1 while disconnected. */
	CHECK(PAIR_CALL(&p, 0, channel_funding_depth, 3, &scid));
	pair_disconnect(&p);
	CHECK(PAIR_CALL(&p, 1, channel_funding_depth, 3, &scid));
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_AWAITING_LOCKIN);
	pair_reconnect(&p);
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_NORMAL);
	CHECK(channel_get_state(p.node[1].ch) == CHANNEL_NORMAL);
	CHECK(pair_count(&p, 0, CHANNEL_EVENT_NORMAL) == 1);
	CHECK(pair_count(&p, 1, CHANNEL_EVENT_NORMAL) == 1);
	CHECK(pair_check_agree(&p));
	/* And a redundant channel_ready later changes nothing. */
	pair_disconnect(&p);
	pair_reconnect(&p);
	CHECK(channel_get_state(p.node[1].ch) == CHANNEL_NORMAL);
	pair_free(&p);
}

/* ---- HTLCs ---- */

static void test_htlc_add_and_fulfill(void)
{
	struct pair_options o;
	struct pair p;
	struct preimage pre;
	struct sha256 hash;
	uint64_t id;
	int64_t a0, b0;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	a0 = balance(&p, 0, CHANNEL_LOCAL, CHANNEL_LOCAL);
	b0 = balance(&p, 1, CHANNEL_LOCAL, CHANNEL_LOCAL);
	CHECK(pair_add_htlc_k(&p, 0, 50000000, 7, &id));
	CHECK(id == 0);
	pair_run(&p);
	/* Not committed yet: nothing in either commitment. */
	CHECK(num_htlcs(&p, 1, CHANNEL_LOCAL) == 0);
	CHECK(pair_count(&p, 1, CHANNEL_EVENT_HTLC_ADDED) == 0);
	CHECK(PAIR_CALL(&p, 0, channel_send_commit));
	pair_run(&p);
	/* B has it in its commitment and revoked; A owes nothing more. */
	CHECK(num_htlcs(&p, 1, CHANNEL_LOCAL) == 1);
	CHECK(pair_count(&p, 1, CHANNEL_EVENT_HTLC_ADDED) == 0);
	CHECK(PAIR_CALL(&p, 1, channel_send_commit));
	pair_run(&p);
	CHECK(pair_count(&p, 1, CHANNEL_EVENT_HTLC_ADDED) == 1);
	CHECK(!channel_can_send_commit(p.node[0].ch));
	CHECK(!channel_can_send_commit(p.node[1].ch));
	CHECK(pair_check_agree(&p));
	CHECK(balance(&p, 0, CHANNEL_LOCAL, CHANNEL_LOCAL) == a0 - 50000000);

	pair_preimage(&pre, &hash, 7);
	CHECK(PAIR_CALL(&p, 1, channel_fulfill_htlc, 0, &pre));
	pair_run(&p);
	CHECK(pair_count(&p, 0, CHANNEL_EVENT_HTLC_FULFILLED) == 1);
	CHECK(memcmp(p.node[0].records[p.node[0].num_records - 1].preimage.r,
		     pre.r, 32) == 0);
	pair_settle(&p);
	CHECK(channel_get_htlcs(p.node[0].ch)->num == 0);
	CHECK(channel_get_htlcs(p.node[1].ch)->num == 0);
	CHECK(balance(&p, 0, CHANNEL_LOCAL, CHANNEL_LOCAL) == a0 - 50000000);
	CHECK(balance(&p, 1, CHANNEL_LOCAL, CHANNEL_LOCAL) == b0 + 50000000);
	CHECK(pair_check_agree(&p));
	CHECK(channel_commitment_number(p.node[0].ch, CHANNEL_LOCAL) == 2);
	pair_free(&p);
}

static void test_htlc_fail_is_reported_once_irrevocable(void)
{
	struct pair_options o;
	struct pair p;
	uint8_t reason[300];
	struct sha256 onion_hash;
	uint64_t id;
	int64_t a0;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	a0 = balance(&p, 0, CHANNEL_LOCAL, CHANNEL_LOCAL);
	CHECK(pair_add_htlc_k(&p, 0, 20000000, 1, &id));
	CHECK(pair_add_htlc_k(&p, 0, 30000000, 2, &id));
	pair_settle(&p);
	memset(reason, 0xee, sizeof(reason));
	CHECK(PAIR_CALL(&p, 1, channel_fail_htlc, 0, reason, sizeof(reason)));
	memset(onion_hash.u8, 0x11, 32);
	CHECK(!PAIR_CALL(&p, 1, channel_fail_malformed_htlc, 1, &onion_hash,
			 (uint16_t)0x1005));
	CHECK(strstr(p.node[1].last_refusal, "BADONION") != NULL);
	CHECK(PAIR_CALL(&p, 1, channel_fail_malformed_htlc, 1, &onion_hash,
			(uint16_t)0xc005));
	pair_run(&p);
	CHECK(pair_count(&p, 0, CHANNEL_EVENT_HTLC_FAILED) == 0);
	pair_settle(&p);
	CHECK(pair_count(&p, 0, CHANNEL_EVENT_HTLC_FAILED) == 2);
	for (size_t k = 0; k < p.node[0].num_records; k++) {
		const struct pair_record *r = &p.node[0].records[k];

		if (r->type != CHANNEL_EVENT_HTLC_FAILED)
			continue;
		CHECK(r->htlc_id == 0 ? r->fail_reason_len == 300
				      : r->is_malformed);
	}
	CHECK(balance(&p, 0, CHANNEL_LOCAL, CHANNEL_LOCAL) == a0);
	CHECK(pair_check_agree(&p));
	pair_free(&p);
}

static void test_many_updates_batch_into_one_commitment(void)
{
	static const uint16_t commit[] = { WIRE_COMMITMENT_SIGNED };
	struct pair_options o;
	struct pair p;
	uint64_t id;
	size_t commits_before;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	for (uint64_t k = 0; k < 10; k++)
		CHECK(pair_add_htlc_k(&p, 0, 10000000 + k * 1000, k, &id));
	for (uint64_t k = 0; k < 3; k++)
		CHECK(pair_add_htlc_k(&p, 1, 5000000, 100 + k, &id));
	commits_before = p.node[0].num_sent;
	CHECK(PAIR_CALL(&p, 0, channel_send_commit));
	CHECK(pair_sent_exactly(&p, 0, commits_before, commit, 1));
	/* A second one must wait for the revocation. */
	CHECK(!PAIR_CALL(&p, 0, channel_send_commit));
	pair_settle(&p);
	CHECK(num_htlcs(&p, 0, CHANNEL_LOCAL) == 13);
	CHECK(num_htlcs(&p, 1, CHANNEL_REMOTE) == 13);
	CHECK(pair_count(&p, 1, CHANNEL_EVENT_HTLC_ADDED) == 10);
	CHECK(pair_count(&p, 0, CHANNEL_EVENT_HTLC_ADDED) == 3);
	CHECK(pair_check_agree(&p));
	pair_free(&p);
}

static void test_trimmed_htlcs_still_balance(void)
{
	struct pair_options o;
	struct pair p;
	struct bitcoin_tx *tx;
	uint64_t id;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	/* Below the dust limit plus the HTLC fee: no output, yet counted. */
	CHECK(pair_add_htlc_k(&p, 0, 600000, 1, &id));
	CHECK(pair_add_htlc_k(&p, 1, 900000, 2, &id));
	pair_settle(&p);
	CHECK(num_htlcs(&p, 0, CHANNEL_LOCAL) == 2);
	tx = channel_signed_commitment(p.node[0].ch);
	CHECK(tx && tx->num_outputs == 2);
	bitcoin_tx_free(tx);
	CHECK(pair_check_agree(&p));
	pair_free(&p);
}

/* ---- update_fee ---- */

static void test_update_fee_from_funder(void)
{
	struct pair_options o;
	struct pair p;
	struct htlc_view v;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	CHECK(!PAIR_CALL(&p, 1, channel_update_fee, 5000));
	CHECK(strstr(p.node[1].last_refusal, "funder") != NULL);
	CHECK(!PAIR_CALL(&p, 0, channel_update_fee, 100));
	CHECK(PAIR_CALL(&p, 0, channel_update_fee, 5000));
	CHECK(!PAIR_CALL(&p, 0, channel_update_fee, 6000));
	CHECK(strstr(p.node[0].last_refusal, "channel_send_commit") != NULL);
	pair_run(&p);
	CHECK(PAIR_CALL(&p, 0, channel_send_commit));
	/* Signed: the next one may go (while the first awaits revocation). */
	CHECK(PAIR_CALL(&p, 0, channel_update_fee, 6000));
	pair_run(&p);
	CHECK(PAIR_CALL(&p, 0, channel_send_commit));
	pair_run(&p);
	/* The fundee's commitment has the new feerate; the funder's not yet. */
	channel_get_view(p.node[1].ch, CHANNEL_LOCAL, &v);
	CHECK(v.feerate_per_kw == 6000);
	htlc_view_free(&v);
	channel_get_view(p.node[0].ch, CHANNEL_LOCAL, &v);
	CHECK(v.feerate_per_kw == 2500);
	htlc_view_free(&v);
	pair_settle(&p);
	channel_get_view(p.node[0].ch, CHANNEL_LOCAL, &v);
	CHECK(v.feerate_per_kw == 6000);
	htlc_view_free(&v);
	CHECK(htlc_set_is_empty(channel_get_htlcs(p.node[0].ch)));
	CHECK(pair_check_agree(&p));
	pair_free(&p);
}

/* ---- Retransmission ---- */

/* Runs an exchange where node sender's next message of type is lost with
 * the connection, then reconnects and settles. */
static void lose_and_recover(struct pair *p, int sender, uint16_t type)
{
	/* Deliver until the message of that type is next in line. */
	for (int guard = 0; guard < 100; guard++) {
		if (pair_next_type(p, 1 - sender) == type)
			break;
		if (!pair_deliver(p, 1 - sender) && !pair_deliver(p, sender))
			break;
	}
	pair_disconnect(p);
	pair_reconnect(p);
	pair_settle(p);
}

static void test_lost_commitment_signed_is_retransmitted(void)
{
	struct pair_options o;
	struct pair p;
	uint64_t id;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	CHECK(pair_add_htlc_k(&p, 0, 40000000, 1, &id));
	CHECK(pair_add_htlc_k(&p, 0, 41000000, 2, &id));
	CHECK(PAIR_CALL(&p, 0, channel_send_commit));
	/* Everything node 0 sent is lost. */
	pair_disconnect(&p);
	CHECK(channel_commitment_number(p.node[0].ch, CHANNEL_REMOTE) == 1);
	pair_reconnect(&p);
	pair_settle(&p);
	CHECK(!pair_is_failed(&p, 0) && !pair_is_failed(&p, 1));
	CHECK(channel_commitment_number(p.node[1].ch, CHANNEL_LOCAL) == 1);
	CHECK(num_htlcs(&p, 1, CHANNEL_LOCAL) == 2);
	CHECK(pair_count(&p, 1, CHANNEL_EVENT_HTLC_ADDED) == 2);
	CHECK(pair_check_agree(&p));
	pair_free(&p);
}

static void test_lost_revoke_and_ack_is_retransmitted(void)
{
	struct pair_options o;
	struct pair p;
	uint64_t id;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	CHECK(pair_add_htlc_k(&p, 0, 40000000, 1, &id));
	CHECK(PAIR_CALL(&p, 0, channel_send_commit));
	lose_and_recover(&p, 1, WIRE_REVOKE_AND_ACK);
	CHECK(!pair_is_failed(&p, 0) && !pair_is_failed(&p, 1));
	CHECK(pair_count(&p, 1, CHANNEL_EVENT_HTLC_ADDED) == 1);
	CHECK(pair_check_agree(&p));
	pair_free(&p);
}

static void test_lost_revoke_and_commit_keep_their_order(void)
{
	struct pair_options o;
	struct pair p;
	uint64_t id;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	CHECK(pair_add_htlc_k(&p, 0, 40000000, 1, &id));
	CHECK(pair_add_htlc_k(&p, 1, 30000000, 2, &id));
	/* Both commit at once; node 1 then revokes, then commits again
	 * once it has the revocation; all of node 1's output is lost. */
	CHECK(PAIR_CALL(&p, 0, channel_send_commit));
	CHECK(PAIR_CALL(&p, 1, channel_send_commit));
	p.drop_to[0] = true;
	pair_run(&p);
	p.drop_to[0] = false;
	pair_disconnect(&p);
	pair_reconnect(&p);
	pair_settle(&p);
	CHECK(!pair_is_failed(&p, 0) && !pair_is_failed(&p, 1));
	CHECK(num_htlcs(&p, 0, CHANNEL_LOCAL) == 2);
	CHECK(pair_check_agree(&p));
	pair_free(&p);
}

static void test_uncommitted_updates_survive_reconnection(void)
{
	struct pair_options o;
	struct pair p;
	struct preimage pre;
	struct sha256 hash;
	uint64_t id;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	CHECK(pair_add_htlc_k(&p, 0, 40000000, 1, &id));
	pair_settle(&p);
	pair_preimage(&pre, &hash, 1);
	CHECK(PAIR_CALL(&p, 1, channel_fulfill_htlc, 0, &pre));
	CHECK(pair_add_htlc_k(&p, 0, 1000000, 2, &id));
	pair_run(&p);
	/* Node 0 forgets node 1's fulfill; node 1 forgets node 0's add. */
	pair_disconnect(&p);
	CHECK(channel_find_htlc(p.node[0].ch, CHANNEL_LOCAL, 0)->removal
	      == HTLC_NOT_REMOVED);
	CHECK(channel_find_htlc(p.node[1].ch, CHANNEL_REMOTE, 1) == NULL);
	pair_reconnect(&p);
	pair_settle(&p);
	CHECK(channel_find_htlc(p.node[0].ch, CHANNEL_LOCAL, 0) == NULL);
	CHECK(channel_find_htlc(p.node[1].ch, CHANNEL_REMOTE, 1) != NULL);
	CHECK(pair_check_agree(&p));
	pair_free(&p);
}

/* The funder sends an HTLC that just fits; the fundee's own HTLCs, in
 * flight the other way, then get committed.  The funder's HTLC is lost
 * with the connection, and after it would no longer fit (more HTLCs, more
 * fee): the funder withdraws it instead of sending it again. */
static void test_unaffordable_add_is_withdrawn_after_reconnection(void)
{
	struct pair_options o;
	struct pair p;
	uint64_t id;

	pair_default_options(&o);
	o.push_msat = 984000000;	/* the funder keeps 16000 sat */
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	for (uint64_t k = 0; k < 5; k++)
		CHECK(pair_add_htlc_k(&p, 1, 5000000, 10 + k, &id));
	CHECK(PAIR_CALL(&p, 1, channel_send_commit));
	/* Fits: 16000 - 3000 >= 10000 reserve + 1810 fee + 430 for it. */
	CHECK(pair_add_htlc_k(&p, 0, 3000000, 1, &id));
	for (int k = 0; k < 6; k++)
		CHECK(pair_deliver(&p, 0));	/* adds, commit: revoke out */
	CHECK(pair_deliver(&p, 1));		/* our add: fits still */
	CHECK(pair_deliver(&p, 1));		/* the revocation */
	CHECK(!pair_is_failed(&p, 0) && !pair_is_failed(&p, 1));
	pair_disconnect(&p);
	pair_reconnect(&p);
	pair_settle(&p);
	CHECK(!pair_is_failed(&p, 0) && !pair_is_failed(&p, 1));
	/* Never signed: failed at once, nothing held. */
	CHECK(pair_count(&p, 0, CHANNEL_EVENT_HTLC_FAILED) == 1);
	CHECK(pair_count(&p, 0, CHANNEL_EVENT_HTLC_WITHDRAWN) == 0);
	for (size_t k = 0; k < p.node[0].num_records; k++)
		if (p.node[0].records[k].type == CHANNEL_EVENT_HTLC_FAILED)
			CHECK(p.node[0].records[k].is_withdrawn
			      && p.node[0].records[k].htlc_id == 0
			      && p.node[0].records[k].withdrawn_key == 0);
	CHECK(channel_find_htlc(p.node[0].ch, CHANNEL_LOCAL, 0) == NULL);
	CHECK(num_htlcs(&p, 0, CHANNEL_LOCAL) == 5);
	CHECK(pair_check_agree(&p));
	/* The id is offered again, by a smaller HTLC that fits. */
	CHECK(pair_add_htlc_k(&p, 0, 1000000, 2, &id));
	CHECK(id == 0);
	pair_settle(&p);
	CHECK(num_htlcs(&p, 1, CHANNEL_LOCAL) == 6);
	CHECK(pair_check_agree(&p));
	pair_free(&p);
}

/* The same HTLC, but this time we signed it into the peer's next
 * commitment before the connection dropped, and the peer's
 * channel_reestablish says our commitment_signed never arrived.  The
 * peer may be telling the truth, or it may hold our signature on that
 * commitment (here: the attacker keeps the message) and broadcast it:
 * the HTLC has an output there that it can claim with the preimage.
 * BOLT #5: an HTLC is failed upstream only once no *valid* commitment
 * holds it, and a commitment we signed stays valid until it is revoked;
 * so the HTLC must not be reported failed on the peer's word. */
static void test_htlc_we_signed_is_not_failed_on_the_peers_word(void)
{
	struct pair p;
	struct wirebuf *kept;
	uint64_t h = 0;

	kept = pair_sign_and_lose_commit(&p, &h);
	pair_settle(&p);
	CHECK(!pair_is_failed(&p, 0) && !pair_is_failed(&p, 1));
	for (size_t k = 0; k < p.node[0].num_records; k++)
		CHECK_MSG(!(p.node[0].records[k].type == CHANNEL_EVENT_HTLC_FAILED
			    && p.node[0].records[k].htlc_id == h),
			  "HTLC %llu failed (withdrawn: %d) while the commitment "
			  "we signed with it can still be broadcast",
			  (unsigned long long)h, p.node[0].records[k].is_withdrawn);
	wirebuf_free(kept);
	pair_free(&p);
}

/* The key of node 0's HTLC_WITHDRAWN for id h, 0 if none (checks there is
 * at most one). */
static uint64_t withdrawn_key(const struct pair *p, uint64_t h)
{
	uint64_t key = 0;
	size_t n = 0;

	for (size_t k = 0; k < p->node[0].num_records; k++) {
		const struct pair_record *r = &p->node[0].records[k];

		if (r->type == CHANNEL_EVENT_HTLC_WITHDRAWN && r->htlc_id == h) {
			key = r->withdrawn_key;
			n++;
		}
	}
	CHECK(n <= 1);
	return key;
}

/* How many of node 0's HTLC_FAILED name the held HTLC with key: the
 * original's id, hash (k = 1) and amount. */
static size_t held_failures(const struct pair *p, uint64_t h, uint64_t key)
{
	struct preimage pre;
	struct sha256 hash;
	size_t n = 0;

	pair_preimage(&pre, &hash, 1);
	for (size_t k = 0; k < p->node[0].num_records; k++) {
		const struct pair_record *r = &p->node[0].records[k];

		if (r->type != CHANNEL_EVENT_HTLC_FAILED)
			continue;
		CHECK(r->withdrawn_key == key && r->htlc_id == h
		      && r->is_withdrawn
		      && memcmp(&r->payment_hash, &hash, sizeof(hash)) == 0);
		n++;
	}
	return n;
}

/* After the lie: the HTLC is withdrawn (its id offered again), its failure
 * held across a restart, and reported, once, when the peer revokes the
 * commitment number our kept signature was for. */
static void test_held_failure_is_reported_once_the_peer_revokes(void)
{
	struct pair p;
	struct wirebuf *kept;
	struct preimage pre;
	struct sha256 hash;
	const struct htlc *again;
	uint64_t h = 0, id = 99, key, lost;

	kept = pair_sign_and_lose_commit(&p, &h);
	lost = channel_commitment_number(p.node[0].ch, CHANNEL_REMOTE);
	pair_settle(&p);
	CHECK(!pair_is_failed(&p, 0) && !pair_is_failed(&p, 1));
	key = withdrawn_key(&p, h);
	CHECK(key != 0);
	CHECK(channel_find_htlc(p.node[0].ch, CHANNEL_LOCAL, h) == NULL);
	/* Signed again under the same number, without our HTLC; the peer
	 * revoked the one before it, not that one. */
	CHECK(channel_commitment_number(p.node[0].ch, CHANNEL_REMOTE) == lost);
	CHECK(held_failures(&p, h, key) == 0);
	/* It times out as if in flight (pair_add_htlc_k: 500 + k). */
	CHECK(channel_held_expiry(p.node[0].ch) == 501);
	/* The held failure is in the snapshot (pair_reload checks it
	 * serialises back to the same bytes). */
	pair_disconnect(&p);
	pair_reload(&p, 0);
	pair_reconnect(&p);
	pair_settle(&p);
	CHECK(held_failures(&p, h, key) == 0);
	/* The id is offered again; signing it makes the peer revoke the
	 * commitment the lost signature was for. */
	CHECK(pair_add_htlc_k(&p, 0, 1000000, 2, &id));
	CHECK(id == h);
	pair_settle(&p);
	CHECK(!pair_is_failed(&p, 0) && !pair_is_failed(&p, 1));
	CHECK(channel_commitment_number(p.node[0].ch, CHANNEL_REMOTE)
	      > lost);
	CHECK(held_failures(&p, h, key) == 1);
	CHECK(channel_held_expiry(p.node[0].ch) == 0);
	again = channel_find_htlc(p.node[0].ch, CHANNEL_LOCAL, h);
	pair_preimage(&pre, &hash, 2);
	CHECK(again && memcmp(&again->h.payment_hash, &hash, sizeof(hash)) == 0
	      && again->removal == HTLC_NOT_REMOVED);
	/* Released once: more revocations report nothing more. */
	pair_disconnect(&p);
	pair_reload(&p, 0);
	pair_reconnect(&p);
	CHECK(PAIR_CALL(&p, 1, channel_fulfill_htlc, h, &pre));
	pair_settle(&p);
	CHECK(held_failures(&p, h, key) == 1);
	CHECK(pair_check_agree(&p));
	wirebuf_free(kept);
	pair_free(&p);
}

/* The funding output is spent before the peer revokes: by a commitment we
 * recognise (it lacks the withdrawn HTLC), the held failure is reported
 * once the spend is reasonably deep; by one we do not (perhaps the very
 * commitment the peer kept), never here (issue 13 resolves it). */
static void test_held_failure_on_chain(void)
{
	struct pair p;
	struct wirebuf *kept;
	struct bitcoin_tx *tx;
	struct bitcoin_txid ours, other;
	uint64_t h = 0, key;

	kept = pair_sign_and_lose_commit(&p, &h);
	pair_settle(&p);
	key = withdrawn_key(&p, h);
	CHECK(key != 0);
	memset(&other, 0x42, sizeof(other));
	CHECK(PAIR_CALL(&p, 0, channel_funding_spent, &other, 100));
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_ONCHAIN);
	CHECK(held_failures(&p, h, key) == 0);
	tx = channel_signed_commitment(p.node[0].ch);
	CHECK(tx != NULL);
	if (tx)
		bitcoin_tx_txid(&ours, tx);
	bitcoin_tx_free(tx);
	CHECK(channel_spender_of(p.node[0].ch, &ours) == CHANNEL_SPENT_BY_LOCAL);
	CHECK(PAIR_CALL(&p, 0, channel_funding_spent, &ours, 1));
	CHECK(held_failures(&p, h, key) == 0);
	CHECK(PAIR_CALL(&p, 0, channel_funding_spent, &ours,
			CHANNEL_ONCHAIN_REASONABLE_DEPTH));
	CHECK(held_failures(&p, h, key) == 1);
	pair_reload(&p, 0);
	CHECK(PAIR_CALL(&p, 0, channel_funding_spent, &ours,
			CHANNEL_ONCHAIN_REASONABLE_DEPTH + 1));
	CHECK(held_failures(&p, h, key) == 1);
	wirebuf_free(kept);
	pair_free(&p);
}

static void test_restart_from_snapshot_mid_exchange(void)
{
	struct pair_options o;
	struct pair p;
	uint64_t id;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	CHECK(pair_add_htlc_k(&p, 1, 40000000, 1, &id));
	CHECK(PAIR_CALL(&p, 1, channel_send_commit));
	CHECK(pair_deliver(&p, 0));	/* the add */
	CHECK(pair_deliver(&p, 0));	/* the commit; revoke queued */
	pair_disconnect(&p);
	pair_reload(&p, 0);
	pair_reload(&p, 1);
	pair_reconnect(&p);
	pair_settle(&p);
	CHECK(pair_count(&p, 0, CHANNEL_EVENT_HTLC_ADDED) == 1);
	CHECK(pair_check_agree(&p));
	pair_free(&p);
}

/* A node restored from an old backup learns it is behind and does not
 * broadcast; the peer fails the channel and does. */
static void test_data_loss_is_detected(void)
{
	struct pair_options o;
	struct pair p;
	uint8_t *old;
	size_t old_len;
	const char *err;
	uint64_t id;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	CHECK(pair_add_htlc_k(&p, 0, 40000000, 1, &id));
	pair_settle(&p);
	old = wire_memdup(p.node[1].snapshot, p.node[1].snapshot_len);
	old_len = p.node[1].snapshot_len;
	CHECK(pair_add_htlc_k(&p, 0, 40000000, 2, &id));
	pair_settle(&p);
	pair_disconnect(&p);
	/* Node 1 comes back from the old backup. */
	channel_free(p.node[1].ch);
	p.node[1].ch = channel_deserialize(p.ctx, old, old_len,
					   &p.node[1].secrets,
					   &p.node[1].policy, &err);
	free(old);
	CHECK(p.node[1].ch != NULL);
	PAIR_CALL(&p, 1, channel_disconnected);
	bitcoin_tx_free(p.node[0].broadcast);
	p.node[0].broadcast = NULL;
	pair_reconnect(&p);
	CHECK(channel_get_state(p.node[1].ch) == CHANNEL_DATA_LOSS);
	CHECK(pair_count(&p, 1, CHANNEL_EVENT_COMMITMENT_BROADCAST) == 0);
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_AWAITING_UNILATERAL);
	CHECK(p.node[0].broadcast != NULL);
	pair_free(&p);
}

/* ---- Mutual close ---- */

static void check_close_tx(struct pair *p, int64_t bal0, int64_t bal1)
{
	const struct bitcoin_tx *a = p->node[0].broadcast,
				*b = p->node[1].broadcast;
	uint64_t total = 0;

	CHECK(pair_same_broadcast(p));
	if (!a || !b)
		return;
	CHECK(a->num_inputs == 1 && a->inputs[0].num_witness == 4);
	for (size_t k = 0; k < a->num_outputs; k++)
		total += a->outputs[k].amount_sat;
	/* The funder paid the fee; the fundee got its balance exactly. */
	CHECK(a->num_outputs == 2);
	CHECK(total < p->opts.funding_sat);
	for (size_t k = 0; k < a->num_outputs; k++) {
		uint8_t script[22];

		pair_script(script, 0xa1);
		if (memcmp(a->outputs[k].script, script, 22) == 0)
			CHECK(a->outputs[k].amount_sat == (uint64_t)bal1 / 1000);
		else
			CHECK(a->outputs[k].amount_sat < (uint64_t)bal0 / 1000);
	}
}

static void test_mutual_close(void)
{
	struct pair_options o;
	struct pair p;
	int64_t bal0, bal1;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	bal0 = balance(&p, 0, CHANNEL_LOCAL, CHANNEL_LOCAL);
	bal1 = balance(&p, 0, CHANNEL_LOCAL, CHANNEL_REMOTE);
	CHECK(PAIR_CALL(&p, 1, channel_shutdown, NULL, 0));
	pair_run(&p);
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_CLOSED);
	CHECK(channel_get_state(p.node[1].ch) == CHANNEL_CLOSED);
	CHECK(pair_count(&p, 0, CHANNEL_EVENT_CLOSE_BROADCAST) == 1);
	CHECK(pair_count(&p, 1, CHANNEL_EVENT_CLOSE_BROADCAST) == 1);
	check_close_tx(&p, bal0, bal1);
	pair_free(&p);
}

static void test_shutdown_waits_for_htlcs(void)
{
	struct pair_options o;
	struct pair p;
	struct preimage pre;
	struct sha256 hash;
	uint64_t id;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	CHECK(pair_shutdown_with_htlc(&p, 0, 40000000, 1, &id));
	/* No new HTLCs either way. */
	CHECK(!pair_add_htlc_k(&p, 1, 1000000, 2, &id));
	CHECK(!pair_add_htlc_k(&p, 0, 1000000, 3, &id));
	/* The one in flight still resolves; then the close runs. */
	pair_preimage(&pre, &hash, 1);
	CHECK(PAIR_CALL(&p, 1, channel_fulfill_htlc, 0, &pre));
	pair_settle(&p);
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_CLOSED);
	CHECK(channel_get_state(p.node[1].ch) == CHANNEL_CLOSED);
	CHECK(p.node[0].broadcast && p.node[1].broadcast);
	pair_free(&p);
}

static void test_close_restarts_after_reconnection(void)
{
	struct pair_options o;
	struct pair p;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	CHECK(PAIR_CALL(&p, 0, channel_shutdown, NULL, 0));
	CHECK(pair_deliver(&p, 1));	/* node 1 replies with shutdown */
	pair_disconnect(&p);		/* ... which is lost */
	pair_reconnect(&p);
	pair_run(&p);
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_CLOSED);
	CHECK(channel_get_state(p.node[1].ch) == CHANNEL_CLOSED);
	pair_free(&p);
}

/* The fundee agrees and closes; its agreement is lost with the line.  The
 * funder negotiates again on reconnection and still gets it. */
static void test_close_survives_a_lost_agreement(void)
{
	struct pair_options o;
	struct pair p;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	CHECK(PAIR_CALL(&p, 0, channel_shutdown, NULL, 0));
	CHECK(pair_deliver(&p, 1));	/* shutdown */
	CHECK(pair_deliver(&p, 0));	/* its shutdown: funder proposes */
	CHECK(pair_deliver(&p, 1));	/* closing_signed: fundee agrees */
	CHECK(channel_get_state(p.node[1].ch) == CHANNEL_CLOSED);
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_NEGOTIATING_CLOSE);
	pair_disconnect(&p);
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_SHUTTING_DOWN);
	pair_reconnect(&p);
	pair_run(&p);
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_CLOSED);
	CHECK(pair_same_broadcast(&p));
	pair_free(&p);
}

static void test_close_fee_range_helpers(void)
{
	struct close_fee_range a = { 100, 500 }, b = { 400, 900 }, c = { 600, 700 };
	struct close_fee_range out;
	uint8_t p2wpkh[22], p2tr[34];
	const struct close_features plain = { false, false };
	const struct close_features anysegwit = { true, false };

	CHECK(close_fee_range_overlap(&out, &a, &b));
	CHECK(out.min_fee_sat == 400 && out.max_fee_sat == 500);
	CHECK(!close_fee_range_overlap(&out, &a, &c));
	pair_script(p2wpkh, 1);
	CHECK(close_script_is_valid(p2wpkh, sizeof(p2wpkh), &plain));
	p2tr[0] = 0x51;
	p2tr[1] = 32;
	memset(p2tr + 2, 3, 32);
	CHECK(!close_script_is_valid(p2tr, sizeof(p2tr), &plain));
	CHECK(close_script_is_valid(p2tr, sizeof(p2tr), &anysegwit));
	CHECK(!close_script_is_valid(p2wpkh, 21, &anysegwit));
}

/* ---- Persistence ---- */

static void test_snapshot_rejects_corruption(void)
{
	struct pair_options o;
	struct pair p;
	const char *err = NULL;
	uint8_t *copy;
	uint64_t id;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	CHECK(pair_add_htlc_k(&p, 0, 40000000, 1, &id));
	pair_settle(&p);
	copy = wire_memdup(p.node[0].snapshot, p.node[0].snapshot_len);
	CHECK(!channel_deserialize(p.ctx, copy, p.node[0].snapshot_len - 1,
				   &p.node[0].secrets, &p.node[0].policy, &err));
	CHECK(err != NULL);
	copy[0] ^= 1;
	err = NULL;
	CHECK(!channel_deserialize(p.ctx, copy, p.node[0].snapshot_len,
				   &p.node[0].secrets, &p.node[0].policy, &err));
	CHECK_STREQ(err, "not a channel snapshot");
	copy[0] ^= 1;
	copy[6] = 99;	/* the state */
	err = NULL;
	CHECK(!channel_deserialize(p.ctx, copy, p.node[0].snapshot_len,
				   &p.node[0].secrets, &p.node[0].policy, &err));
	CHECK_STREQ(err, "bad channel state");
	free(copy);
	pair_free(&p);
}

int main(void)
{
	RUN(test_update_steps_follow_the_spec);
	RUN(test_htlc_state_names_are_core_lightnings);
	RUN(test_open_reaches_normal);
	RUN(test_open_with_anchors);
	RUN(test_funding_script_is_the_2of2);
	RUN(test_disconnect_while_opening_forgets);
	RUN(test_reconnect_during_lockin);
	RUN(test_htlc_add_and_fulfill);
	RUN(test_htlc_fail_is_reported_once_irrevocable);
	RUN(test_many_updates_batch_into_one_commitment);
	RUN(test_trimmed_htlcs_still_balance);
	RUN(test_update_fee_from_funder);
	RUN(test_lost_commitment_signed_is_retransmitted);
	RUN(test_lost_revoke_and_ack_is_retransmitted);
	RUN(test_lost_revoke_and_commit_keep_their_order);
	RUN(test_uncommitted_updates_survive_reconnection);
	RUN(test_unaffordable_add_is_withdrawn_after_reconnection);
	RUN(test_htlc_we_signed_is_not_failed_on_the_peers_word);
	RUN(test_held_failure_is_reported_once_the_peer_revokes);
	RUN(test_held_failure_on_chain);
	RUN(test_restart_from_snapshot_mid_exchange);
	RUN(test_data_loss_is_detected);
	RUN(test_mutual_close);
	RUN(test_shutdown_waits_for_htlcs);
	RUN(test_close_restarts_after_reconnection);
	RUN(test_close_survives_a_lost_agreement);
	RUN(test_close_fee_range_helpers);
	RUN(test_snapshot_rejects_corruption);
	return test_done();
}
