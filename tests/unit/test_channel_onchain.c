/* The funding output spent (channel/state_onchain.c), with two engines
 * wired together (tests/unit/channel_pair.h): which commitment spent it,
 * what that means for each HTLC we offered, and the channel staying
 * CHANNEL_ONCHAIN (stored, refusing everything off chain). */
#include "channel/htlcs.h"
#include "tests/unit/channel_pair.h"

/* The txid of node i's latest commitment, as it would broadcast it. */
static void signed_txid(struct pair *p, int i, struct bitcoin_txid *out)
{
	struct bitcoin_tx *tx = channel_signed_commitment(p->node[i].ch);

	CHECK(tx != NULL);
	if (tx)
		bitcoin_tx_txid(out, tx);
	bitcoin_tx_free(tx);
}

static size_t failed_count(const struct pair *p, int i)
{
	return pair_count(p, i, CHANNEL_EVENT_HTLC_FAILED);
}

static const struct pair_record *last_record(const struct pair *p, int i)
{
	return &p->node[i].records[p->node[i].num_records - 1];
}

static bool has_offered(const struct pair *p, int i, uint64_t id)
{
	return channel_find_htlc(p->node[i].ch, CHANNEL_LOCAL, id) != NULL;
}

/* An open channel where node 0 offered HTLC 0, committed both ways. */
static void open_with_committed_htlc(struct pair *p)
{
	struct pair_options o;
	uint64_t id;

	pair_default_options(&o);
	pair_init(p, &o);
	CHECK(pair_open(p));
	CHECK(pair_add_htlc_k(p, 0, 50000000, 1, &id));
	pair_settle(p);
	CHECK(id == 0);
}

static void test_spender_is_recognised(void)
{
	struct pair p;
	struct bitcoin_txid ours, theirs, other;

	open_with_committed_htlc(&p);
	signed_txid(&p, 0, &ours);
	signed_txid(&p, 1, &theirs);
	memset(&other, 0x42, sizeof(other));
	CHECK(channel_spender_of(p.node[0].ch, &ours) == CHANNEL_SPENT_BY_LOCAL);
	CHECK(channel_spender_of(p.node[0].ch, &theirs) == CHANNEL_SPENT_BY_REMOTE);
	CHECK(channel_spender_of(p.node[0].ch, &other) == CHANNEL_SPENT_BY_OTHER);
	CHECK(channel_spender_of(p.node[1].ch, &theirs) == CHANNEL_SPENT_BY_LOCAL);
	CHECK(channel_spender_of(p.node[1].ch, &ours) == CHANNEL_SPENT_BY_REMOTE);
	pair_free(&p);
}

/* The peer's latest commitment confirms: the HTLC in it stays pending
 * (the peer may still claim it with the preimage: issue 13), the one never
 * signed fails at once; the channel is ONCHAIN for good. */
static void test_peer_commitment_keeps_what_it_holds(void)
{
	struct pair p;
	struct bitcoin_txid theirs;
	uint64_t id;

	open_with_committed_htlc(&p);
	CHECK(pair_add_htlc_k(&p, 0, 20000000, 2, &id));
	CHECK(id == 1);
	signed_txid(&p, 1, &theirs);
	CHECK(PAIR_CALL(&p, 0, channel_funding_spent, &theirs, 1));
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_ONCHAIN);
	CHECK(failed_count(&p, 0) == 1);
	CHECK(last_record(&p, 0)->htlc_id == 1);
	CHECK(last_record(&p, 0)->is_withdrawn);
	CHECK(has_offered(&p, 0, 0));
	CHECK(!has_offered(&p, 0, 1));
	/* Deeper changes nothing for the HTLC the spender holds. */
	CHECK(PAIR_CALL(&p, 0, channel_funding_spent, &theirs, 100));
	CHECK(failed_count(&p, 0) == 1);
	CHECK(has_offered(&p, 0, 0));
	CHECK(channel_spender_of(p.node[0].ch, &theirs) == CHANNEL_SPENT_BY_REMOTE);
	/* Nothing off chain any more: no HTLC, no failing, no close. */
	CHECK(!pair_add_htlc_k(&p, 0, 1000000, 3, &id));
	CHECK(!PAIR_CALL(&p, 0, channel_fail, "again"));
	CHECK(!PAIR_CALL(&p, 0, channel_shutdown, NULL, 0));
	CHECK(channel_sendable_msat(p.node[0].ch, CHANNEL_LOCAL) == 0);
	/* pair_absorb restored every step from its snapshot: it is stored. */
	pair_reload(&p, 0);
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_ONCHAIN);
	CHECK(strcmp(channel_state_name(CHANNEL_ONCHAIN), "CHANNEL_ONCHAIN") == 0);
	pair_free(&p);
}

/* We signed a new commitment for the peer (with HTLC 1) and await its
 * revoke_and_ack: its previous one is still valid.  If that one confirms,
 * HTLC 1 is not in it but is in the peer's latest: it fails only once the
 * spend is deep enough (a reorg could still confirm the latest). */
static void test_peer_previous_commitment_waits_for_depth(void)
{
	struct pair p;
	struct bitcoin_txid previous;
	uint64_t id;

	open_with_committed_htlc(&p);
	signed_txid(&p, 1, &previous);
	CHECK(pair_add_htlc_k(&p, 0, 20000000, 2, &id));
	p.drop_to[1] = true;
	CHECK(PAIR_CALL(&p, 0, channel_send_commit));
	CHECK(channel_spender_of(p.node[0].ch, &previous)
	      == CHANNEL_SPENT_BY_REMOTE_PREVIOUS);
	CHECK(PAIR_CALL(&p, 0, channel_funding_spent, &previous, 1));
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_ONCHAIN);
	CHECK(failed_count(&p, 0) == 0);
	CHECK(PAIR_CALL(&p, 0, channel_funding_spent, &previous,
			CHANNEL_ONCHAIN_REASONABLE_DEPTH - 1));
	CHECK(failed_count(&p, 0) == 0);
	CHECK(PAIR_CALL(&p, 0, channel_funding_spent, &previous,
			CHANNEL_ONCHAIN_REASONABLE_DEPTH));
	CHECK(failed_count(&p, 0) == 1);
	CHECK(last_record(&p, 0)->htlc_id == 1);
	CHECK(has_offered(&p, 0, 0));
	CHECK(!has_offered(&p, 0, 1));
	/* Dropping it left the spender as it was. */
	CHECK(channel_spender_of(p.node[0].ch, &previous)
	      == CHANNEL_SPENT_BY_REMOTE_PREVIOUS);
	pair_free(&p);
}

/* Our own commitment confirms while the peer's failure of HTLC 0 is in it
 * but not yet in the peer's: HTLC 0 has no output on chain, and fails at
 * reasonable depth with the peer's own reason. */
static void test_our_commitment_passes_on_the_peers_failure(void)
{
	struct pair p;
	struct bitcoin_txid ours;
	uint8_t reason[200];

	open_with_committed_htlc(&p);
	memset(reason, 0xee, sizeof(reason));
	CHECK(PAIR_CALL(&p, 1, channel_fail_htlc, 0, reason, sizeof(reason)));
	CHECK(PAIR_CALL(&p, 1, channel_send_commit));
	/* update_fail_htlc and commitment_signed reach node 0, which
	 * revokes; nothing else moves. */
	CHECK(pair_deliver(&p, 0));
	CHECK(pair_deliver(&p, 0));
	signed_txid(&p, 0, &ours);
	CHECK(channel_spender_of(p.node[0].ch, &ours) == CHANNEL_SPENT_BY_LOCAL);
	CHECK(PAIR_CALL(&p, 0, channel_funding_spent, &ours, 1));
	CHECK(failed_count(&p, 0) == 0);
	CHECK(PAIR_CALL(&p, 0, channel_funding_spent, &ours,
			CHANNEL_ONCHAIN_REASONABLE_DEPTH));
	CHECK(failed_count(&p, 0) == 1);
	CHECK(!last_record(&p, 0)->is_withdrawn);
	CHECK(last_record(&p, 0)->fail_reason_len == sizeof(reason));
	pair_free(&p);
}

/* A spend we do not know (a revoked commitment may hold any HTLC ever
 * signed): only the HTLC never signed into any commitment fails. */
static void test_unknown_spend_fails_only_what_was_never_signed(void)
{
	struct pair p;
	struct bitcoin_txid other;
	uint64_t id;

	open_with_committed_htlc(&p);
	CHECK(pair_add_htlc_k(&p, 0, 20000000, 2, &id));
	memset(&other, 0x42, sizeof(other));
	CHECK(PAIR_CALL(&p, 0, channel_funding_spent, &other, 1000));
	CHECK(failed_count(&p, 0) == 1);
	CHECK(last_record(&p, 0)->htlc_id == 1);
	CHECK(has_offered(&p, 0, 0));
	pair_free(&p);
}

/* HTLCs the peer offered are ours to claim on chain: never failed here. */
static void test_incoming_htlcs_are_left_alone(void)
{
	struct pair_options o;
	struct pair p;
	struct bitcoin_txid ours;
	uint64_t id;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	CHECK(pair_add_htlc_k(&p, 1, 20000000, 1, &id));
	pair_settle(&p);
	signed_txid(&p, 0, &ours);
	CHECK(PAIR_CALL(&p, 0, channel_funding_spent, &ours, 1000));
	CHECK(failed_count(&p, 0) == 0);
	CHECK(channel_find_htlc(p.node[0].ch, CHANNEL_REMOTE, 0) != NULL);
	pair_free(&p);
}

/* A mutually closed channel whose closing transaction confirms is
 * ONCHAIN too; one that never had commitments is refused. */
static void test_closed_and_unfunded_channels(void)
{
	struct pair_options o;
	struct pair p;
	struct bitcoin_txid txid;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	CHECK(PAIR_CALL(&p, 0, channel_shutdown, NULL, 0));
	pair_settle(&p);
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_CLOSED);
	CHECK(p.node[0].broadcast != NULL);
	bitcoin_tx_txid(&txid, p.node[0].broadcast);
	CHECK(channel_spender_of(p.node[0].ch, &txid) == CHANNEL_SPENT_BY_OTHER);
	CHECK(PAIR_CALL(&p, 0, channel_funding_spent, &txid, 1));
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_ONCHAIN);
	/* Told again: nothing to store. */
	{
		struct channel_effects fx;
		channel_effects_init(&fx);
		CHECK(channel_funding_spent(p.node[0].ch, &fx, &txid, 2));
		CHECK(fx.snapshot == NULL && fx.num_events == 0 && fx.num_msgs == 0);
		channel_effects_clear(&fx);
	}
	pair_free(&p);

	pair_init(&p, &o);
	memset(&txid, 1, sizeof(txid));
	CHECK(!PAIR_CALL(&p, 0, channel_funding_spent, &txid, 1));
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_AWAITING_OPEN);
	pair_free(&p);
}

int main(void)
{
	RUN(test_spender_is_recognised);
	RUN(test_peer_commitment_keeps_what_it_holds);
	RUN(test_peer_previous_commitment_waits_for_depth);
	RUN(test_our_commitment_passes_on_the_peers_failure);
	RUN(test_unknown_spend_fails_only_what_was_never_signed);
	RUN(test_incoming_htlcs_are_left_alone);
	RUN(test_closed_and_unfunded_channels);
	return test_done();
}
