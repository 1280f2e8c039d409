/* The closing sequence of BOLT #2 ("Closing Initiation: `shutdown`",
 * "Legacy Closing Negotiation") between two engines, in the orders other
 * implementations send it.  Core Lightning as funder sends update_fee,
 * commitment_signed and shutdown in one flight; the receiver must answer
 * revoke_and_ack, then sign the peer's update into the peer's commitment,
 * and only then send its own shutdown ("if there are updates pending on
 * the receiving node's commitment transaction: MUST NOT send a
 * `shutdown`"), or the peer starts closing_signed while a commitment is
 * still owed. */
#include "tests/unit/channel_pair.h"

/* Both closed by mutual agreement on the same transaction; neither
 * failed nor sent an error. */
static void check_mutual(struct pair *p)
{
	CHECK(channel_get_state(p->node[0].ch) == CHANNEL_CLOSED);
	CHECK(channel_get_state(p->node[1].ch) == CHANNEL_CLOSED);
	CHECK(pair_count(p, 0, CHANNEL_EVENT_CLOSE_BROADCAST) == 1);
	CHECK(pair_count(p, 1, CHANNEL_EVENT_CLOSE_BROADCAST) == 1);
	CHECK(pair_count(p, 0, CHANNEL_EVENT_COMMITMENT_BROADCAST) == 0);
	CHECK(pair_count(p, 1, CHANNEL_EVENT_COMMITMENT_BROADCAST) == 0);
	for (int i = 0; i < 2; i++)
		for (size_t k = 0; k < p->node[i].num_sent; k++)
			CHECK(p->node[i].sent_types[k] != WIRE_ERROR
			      && p->node[i].sent_types[k] != WIRE_WARNING);
	CHECK(pair_same_broadcast(p));
}

/* Node 0 plays Core Lightning as funder: update_fee, commitment_signed,
 * shutdown in one flight.  Node 1 (the fundee) answers revoke_and_ack,
 * commitment_signed (the fee into node 0's commitment), then shutdown;
 * then node 0 proposes a fee and the close ends mutual. */
static void test_peer_funder_fee_commit_shutdown_in_one_flight(void)
{
	static const uint16_t want[] = { WIRE_REVOKE_AND_ACK,
					 WIRE_COMMITMENT_SIGNED, WIRE_SHUTDOWN };
	struct pair_options o;
	struct pair p;
	size_t from;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	CHECK(PAIR_CALL(&p, 0, channel_update_fee, 3000));
	CHECK(PAIR_CALL(&p, 0, channel_send_commit));
	CHECK(PAIR_CALL(&p, 0, channel_shutdown, NULL, 0));
	CHECK(p.node[1].inbox.tail - p.node[1].inbox.head == 3);
	from = p.node[1].num_sent;
	for (int k = 0; k < 3; k++)
		CHECK(pair_deliver(&p, 1));
	CHECK(pair_sent_exactly(&p, 1, from, want, 3));
	pair_run(&p);
	check_mutual(&p);
	pair_free(&p);
}

/* The same flight from the fundee (which cannot send update_fee): it
 * fulfills our HTLC, signs and shuts down at once.  We, the funder,
 * answer revoke_and_ack, commitment_signed, shutdown, and propose a fee
 * once its revoke_and_ack clears the channel. */
static void test_peer_fundee_fulfill_commit_shutdown_in_one_flight(void)
{
	static const uint16_t want[] = { WIRE_REVOKE_AND_ACK,
					 WIRE_COMMITMENT_SIGNED, WIRE_SHUTDOWN };
	struct pair_options o;
	struct pair p;
	struct preimage pre;
	struct sha256 hash;
	uint64_t id;
	size_t from;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	CHECK(pair_add_htlc_k(&p, 0, 30000000, 1, &id));
	pair_settle(&p);
	pair_preimage(&pre, &hash, 1);
	CHECK(PAIR_CALL(&p, 1, channel_fulfill_htlc, id, &pre));
	CHECK(PAIR_CALL(&p, 1, channel_send_commit));
	CHECK(PAIR_CALL(&p, 1, channel_shutdown, NULL, 0));
	CHECK(p.node[0].inbox.tail - p.node[0].inbox.head == 3);
	from = p.node[0].num_sent;
	for (int k = 0; k < 3; k++)
		CHECK(pair_deliver(&p, 0));
	CHECK(pair_sent_exactly(&p, 0, from, want, 3));
	/* Its revoke_and_ack: the channel is clear, the funder proposes. */
	for (int k = 0; k < 3; k++)
		CHECK(pair_deliver(&p, 1));
	from = p.node[0].num_sent;
	CHECK(pair_deliver(&p, 0));
	{
		static const uint16_t closing[] = { WIRE_CLOSING_SIGNED };

		CHECK(pair_sent_exactly(&p, 0, from, closing, 1));
	}
	pair_run(&p);
	check_mutual(&p);
	pair_free(&p);
}

/* We start the close ourselves while the funder's update_fee is in our
 * commitment but not yet in its own: our shutdown must follow our
 * commitment_signed. */
static void test_our_shutdown_signs_the_peers_fee_first(void)
{
	static const uint16_t want[] = { WIRE_COMMITMENT_SIGNED, WIRE_SHUTDOWN };
	struct pair_options o;
	struct pair p;
	size_t from;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	CHECK(PAIR_CALL(&p, 0, channel_update_fee, 3000));
	CHECK(PAIR_CALL(&p, 0, channel_send_commit));
	CHECK(pair_deliver(&p, 1));	/* update_fee */
	CHECK(pair_deliver(&p, 1));	/* commitment_signed: we revoke */
	from = p.node[1].num_sent;
	CHECK(PAIR_CALL(&p, 1, channel_shutdown, NULL, 0));
	CHECK(pair_sent_exactly(&p, 1, from, want, 2));
	pair_settle(&p);
	check_mutual(&p);
	pair_free(&p);
}

/* A funder that proposes as soon as it sees no HTLC (Core Lightning,
 * LDK): its closing_signed follows its last revoke_and_ack, and the
 * fundee, which then sees the channel clear too, agrees. */
static void test_funder_proposes_right_after_the_last_htlc(void)
{
	struct pair_options o;
	struct pair p;
	struct preimage pre;
	struct sha256 hash;
	uint64_t id;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	CHECK(pair_shutdown_with_htlc(&p, 1, 20000000, 2, &id));
	pair_preimage(&pre, &hash, 2);
	CHECK(PAIR_CALL(&p, 0, channel_fulfill_htlc, id, &pre));
	pair_settle(&p);
	check_mutual(&p);
	pair_free(&p);
}

/* BOLT #2 tells the receiver of closing_signed what it may expect: "the
 * channel is empty of HTLCs, there are no commitments for which a
 * revocation is owed, and all updates are included on both commitments".
 * A closing_signed that comes while we still await the revoke_and_ack
 * that completes the last HTLC (here: lost, which only a broken peer or
 * link does) fails the channel rather than sign a close on balances the
 * peer has not made irrevocable. */
static void test_closing_signed_before_we_see_the_channel_clear_fails(void)
{
	struct pair_options o;
	struct pair p;
	struct preimage pre;
	struct sha256 hash;
	struct pair_queue *q;
	uint64_t id;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	CHECK(pair_shutdown_with_htlc(&p, 1, 20000000, 3, &id));
	pair_preimage(&pre, &hash, 3);
	CHECK(PAIR_CALL(&p, 0, channel_fulfill_htlc, id, &pre));
	CHECK(PAIR_CALL(&p, 0, channel_send_commit));
	CHECK(pair_deliver(&p, 1));	/* update_fulfill_htlc */
	CHECK(pair_deliver(&p, 1));	/* commitment_signed: revoke */
	CHECK(PAIR_CALL(&p, 1, channel_send_commit));
	CHECK(pair_deliver(&p, 0));	/* revoke_and_ack */
	CHECK(pair_deliver(&p, 0));	/* commitment_signed: revoke, propose */
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_NEGOTIATING_CLOSE);
	q = &p.node[1].inbox;
	CHECK(q->tail - q->head == 2);	/* revoke_and_ack, closing_signed */
	if (q->tail - q->head == 2) {
		wirebuf_free(q->msgs[q->head++ % PAIR_MAX_QUEUE]);
		CHECK(pair_deliver(&p, 1));
	}
	CHECK(channel_get_state(p.node[1].ch) == CHANNEL_AWAITING_UNILATERAL);
	CHECK(p.node[1].last_failure
	      && strstr(p.node[1].last_failure, "before the channel is clear"));
	pair_free(&p);
}

/* Whether the next message waiting for node i is a closing_signed. */
static bool next_is_closing_signed(const struct pair *p, int i)
{
	const struct pair_queue *q = &p->node[i].inbox;
	uint16_t type = 0;

	if (q->head == q->tail)
		return false;
	fromwire_peektype(q->msgs[q->head % PAIR_MAX_QUEUE]->data,
			  q->msgs[q->head % PAIR_MAX_QUEUE]->len, &type);
	return type == WIRE_CLOSING_SIGNED;
}

/* BOLT #2 holds the fundee's answer to the fee_range the funder *sent*:
 * "if `fee_satoshis` is not in the overlap between the sent and received
 * `fee_range`: MUST fail the channel".  ohmd gives every channel a new
 * policy whenever bitcoind's estimates move, which can fall between our
 * closing_signed and the fundee's counter-proposal; a range recomputed
 * from the new policy then no longer holds the fee the fundee took from
 * the one we sent, and the close would end unilateral. */
static void test_new_policy_mid_negotiation_keeps_the_sent_range(void)
{
	struct pair_options o;
	struct pair p;
	struct channel_policy higher;

	pair_default_options(&o);
	pair_init(&p, &o);
	/* The fundee wants more than the funder's first proposal: it
	 * answers at the bottom of its own range. */
	p.node[1].policy.min_feerate_per_kw = 2000;
	channel_set_policy(p.node[1].ch, &p.node[1].policy);
	CHECK(pair_open(&p));
	CHECK(PAIR_CALL(&p, 0, channel_shutdown, NULL, 0));
	while (!next_is_closing_signed(&p, 0)
	       && (pair_deliver(&p, 0) || pair_deliver(&p, 1)))
		;
	CHECK(next_is_closing_signed(&p, 0));
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_NEGOTIATING_CLOSE);
	/* The estimates rise before the counter-proposal is read: the
	 * funder's new minimum is above it. */
	higher = p.node[0].policy;
	higher.min_feerate_per_kw = 3000;
	p.node[0].policy = higher;
	channel_set_policy(p.node[0].ch, &higher);
	pair_run(&p);
	CHECK_MSG(p.node[0].last_failure == NULL, "node 0 failed: %s",
		  p.node[0].last_failure);
	check_mutual(&p);
	pair_free(&p);
}

int main(void)
{
	RUN(test_peer_funder_fee_commit_shutdown_in_one_flight);
	RUN(test_peer_fundee_fulfill_commit_shutdown_in_one_flight);
	RUN(test_our_shutdown_signs_the_peers_fee_first);
	RUN(test_funder_proposes_right_after_the_last_htlc);
	RUN(test_closing_signed_before_we_see_the_channel_clear_fails);
	RUN(test_new_policy_mid_negotiation_keeps_the_sent_range);
	return test_done();
}
