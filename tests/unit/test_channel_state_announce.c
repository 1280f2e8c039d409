/* BOLT #7 announcement_signatures between two engines: sent once the
 * funding is 6 deep and channel_ready went both ways, never for a private
 * channel or after our shutdown; checked on receipt (a bad signature gets
 * a warning and a disconnection, another short_channel_id a warning);
 * deferred before our channel_ready; sent again after a reconnection as
 * BOLT #7 requires, and answered when the peer sends its own again; the
 * channel_announcement both build is the same, with four good signatures
 * (checked by gossip/, the receiving side's code); the state survives the
 * snapshot (channel_pair.h reloads after every step). */
#include "tests/unit/channel_pair.h"

#include "gossip/channel_announcement.h"

static const struct short_channel_id test_scid = { 0x0000640000010001ULL };

static void at_depth(struct pair *p, int i, uint32_t depth)
{
	PAIR_CALL(p, i, channel_funding_depth, depth, &test_scid);
}

/* How many announcement_signatures node i sent since index from. */
static size_t sigs_sent(const struct pair *p, int i, size_t from)
{
	size_t n = 0;

	for (size_t k = from; k < p->node[i].num_sent; k++)
		n += p->node[i].sent_types[k] == WIRE_ANNOUNCEMENT_SIGNATURES;
	return n;
}

static const struct pair_record *announced(const struct pair *p, int i)
{
	for (size_t k = 0; k < p->node[i].num_records; k++)
		if (p->node[i].records[k].type == CHANNEL_EVENT_ANNOUNCED)
			return &p->node[i].records[k];
	return NULL;
}

static void opened(struct pair *p, bool is_private)
{
	struct pair_options o;

	pair_default_options(&o);
	o.is_private = is_private;
	pair_init(p, &o);
	CHECK(pair_open(p));
}

/* The announcement passes the receiving node's checks: chain, keys,
 * node_id_1 the lesser, all four signatures. */
static void check_announcement(const struct pair *p, const struct pair_record *r)
{
	struct msg_channel_announcement *ann = NULL;
	struct gossip_verdict v;
	const uint8_t *ids[2] = { p->node[0].node_id, p->node[1].node_id };
	int first = memcmp(ids[0], ids[1], PUBKEY_CMPR_LEN) < 0 ? 0 : 1;

	CHECK(r && r->announcement);
	if (!r || !r->announcement)
		return;
	v = channel_announcement_check(p->ctx, NULL, &p->node[0].policy.chain_hash,
				       r->announcement, r->announcement_len, &ann, NULL);
	CHECK_MSG(v.action == GOSSIP_ACCEPT, "announcement: %s", v.reason ? v.reason : "");
	if (!ann)
		return;
	CHECK(ann->short_channel_id.u64 == test_scid.u64);
	CHECK_MEMEQ(ann->node_id_1.bytes, ids[first], PUBKEY_CMPR_LEN);
	CHECK_MEMEQ(ann->node_id_2.bytes, ids[1 - first], PUBKEY_CMPR_LEN);
	msg_channel_announcement_free(ann);
}

static void test_exchange_at_six(void)
{
	struct pair p;
	const struct pair_record *a, *b;
	struct wirebuf *again;

	opened(&p, false);
	/* Normal at depth 3, but not deep enough to announce. */
	for (uint32_t d = 4; d <= 5; d++) {
		at_depth(&p, 0, d);
		at_depth(&p, 1, d);
		pair_run(&p);
	}
	CHECK(sigs_sent(&p, 0, 0) == 0 && sigs_sent(&p, 1, 0) == 0);
	at_depth(&p, 0, 6);
	at_depth(&p, 1, 6);
	pair_run(&p);
	CHECK(sigs_sent(&p, 0, 0) == 1 && sigs_sent(&p, 1, 0) == 1);
	a = announced(&p, 0);
	b = announced(&p, 1);
	CHECK(pair_count(&p, 0, CHANNEL_EVENT_ANNOUNCED) == 1);
	CHECK(pair_count(&p, 1, CHANNEL_EVENT_ANNOUNCED) == 1);
	check_announcement(&p, a);
	CHECK(a && b && a->announcement_len == b->announcement_len
	      && memcmp(a->announcement, b->announcement, a->announcement_len) == 0);
	/* The same from the engine, and once only: deeper blocks change
	 * nothing. */
	again = channel_get_announcement(p.node[0].ch);
	CHECK(again && a && again->len == a->announcement_len
	      && memcmp(again->data, a->announcement, again->len) == 0);
	wirebuf_free(again);
	at_depth(&p, 0, 7);
	at_depth(&p, 1, 7);
	pair_run(&p);
	CHECK(sigs_sent(&p, 0, 0) == 1 && pair_count(&p, 0, CHANNEL_EVENT_ANNOUNCED) == 1);
	pair_free(&p);
}

/* One side sees the 6th block first: it sends, the other keeps the
 * signatures and answers once its own funding is 6 deep. */
static void test_one_side_first(void)
{
	struct pair p;

	opened(&p, false);
	at_depth(&p, 0, 6);
	pair_run(&p);
	CHECK(sigs_sent(&p, 0, 0) == 1 && sigs_sent(&p, 1, 0) == 0);
	CHECK(channel_has_announcement(p.node[0].ch) == false);
	CHECK(pair_count(&p, 1, CHANNEL_EVENT_ANNOUNCED) == 0);
	at_depth(&p, 1, 6);
	pair_run(&p);
	CHECK(sigs_sent(&p, 1, 0) == 1);
	CHECK(pair_count(&p, 0, CHANNEL_EVENT_ANNOUNCED) == 1);
	CHECK(pair_count(&p, 1, CHANNEL_EVENT_ANNOUNCED) == 1);
	check_announcement(&p, announced(&p, 1));
	pair_free(&p);
}

static void test_private_never_sends(void)
{
	struct pair p;

	opened(&p, true);
	at_depth(&p, 0, 6);
	at_depth(&p, 1, 6);
	pair_run(&p);
	pair_disconnect(&p);
	pair_reconnect(&p);
	CHECK(sigs_sent(&p, 0, 0) == 0 && sigs_sent(&p, 1, 0) == 0);
	CHECK(channel_get_announcement(p.node[0].ch) == NULL);
	pair_free(&p);
}

/* BOLT #7: MUST NOT send announcement_signatures once a shutdown was
 * sent. */
static void test_not_after_shutdown(void)
{
	struct pair p;

	opened(&p, false);
	CHECK(PAIR_CALL(&p, 0, channel_shutdown, NULL, 0));
	pair_run(&p);
	at_depth(&p, 0, 6);
	at_depth(&p, 1, 6);
	pair_run(&p);
	CHECK(sigs_sent(&p, 0, 0) == 0);
	pair_free(&p);
}

/* Lost on the wire: each side sends again on reconnection until it has
 * the other's; once both have them, a reconnection sends nothing, but a
 * peer that sends its own again gets ours in answer (once). */
static void test_resent_after_reconnection(void)
{
	struct pair p;
	size_t from0, from1;
	struct wirebuf *theirs;

	opened(&p, false);
	p.drop_to[1] = true;
	at_depth(&p, 0, 6);
	pair_run(&p);
	p.drop_to[1] = false;
	CHECK(sigs_sent(&p, 0, 0) == 1);
	pair_disconnect(&p);
	at_depth(&p, 1, 6);
	from0 = p.node[0].num_sent;
	from1 = p.node[1].num_sent;
	pair_reconnect(&p);
	CHECK(sigs_sent(&p, 0, from0) == 1);
	CHECK(sigs_sent(&p, 1, from1) == 1);
	CHECK(pair_count(&p, 0, CHANNEL_EVENT_ANNOUNCED) == 1);
	CHECK(pair_count(&p, 1, CHANNEL_EVENT_ANNOUNCED) == 1);

	/* Both have them now: nothing on the next reconnection. */
	pair_disconnect(&p);
	from0 = p.node[0].num_sent;
	from1 = p.node[1].num_sent;
	pair_reconnect(&p);
	CHECK(sigs_sent(&p, 0, from0) == 0 && sigs_sent(&p, 1, from1) == 0);

	/* Node 1 lost them (say): it sends its own again, node 0 answers,
	 * node 1 answers that (BOLT #7 "MUST respond with its own"), and
	 * there it stops: once per side per connection. */
	pair_disconnect(&p);
	pair_reconnect(&p);
	from0 = p.node[0].num_sent;
	from1 = p.node[1].num_sent;
	theirs = channel_get_announcement(p.node[1].ch);
	CHECK(theirs != NULL);
	wirebuf_free(theirs);
	/* Replay node 1's own message: take node 0's answer to count it. */
	{
		struct pair q;
		opened(&q, false);
		at_depth(&q, 0, 6);
		at_depth(&q, 1, 6);
		/* q's node 1's message, same seeds and keys as p's. */
		while (pair_next_type(&q, 0) && pair_next_type(&q, 0) != WIRE_ANNOUNCEMENT_SIGNATURES)
			pair_deliver(&q, 0);
		if (pair_next_type(&q, 0) == WIRE_ANNOUNCEMENT_SIGNATURES)
			pair_feed(&p, 0, pair_take(&q, 0));
		pair_free(&q);
	}
	pair_run(&p);
	CHECK(sigs_sent(&p, 0, from0) == 1);
	CHECK(sigs_sent(&p, 1, from1) == 1);
	CHECK(pair_count(&p, 0, CHANNEL_EVENT_ANNOUNCED) == 1);
	pair_free(&p);
}

/* Node 1's announcement_signatures from a pair like p's (same keys),
 * with one byte at offset changed (0: none). */
static struct wirebuf *their_sigs(size_t offset)
{
	struct pair q;
	struct wirebuf *msg = NULL;

	opened(&q, false);
	at_depth(&q, 0, 6);
	at_depth(&q, 1, 6);
	while (pair_next_type(&q, 0) && pair_next_type(&q, 0) != WIRE_ANNOUNCEMENT_SIGNATURES)
		pair_deliver(&q, 0);
	if (pair_next_type(&q, 0) == WIRE_ANNOUNCEMENT_SIGNATURES)
		msg = pair_take(&q, 0);
	pair_free(&q);
	CHECK(msg != NULL);
	if (msg && offset)
		msg->data[offset] ^= 0x01;
	return msg;
}

/* BOLT #7: a node_signature or bitcoin_signature that is not right: MAY
 * send a `warning` and close the connection.  The channel stays. */
static void test_bad_signature_warns(void)
{
	/* type 2, channel_id 32, short_channel_id 8, then the signatures. */
	const size_t node_sig = 2 + 32 + 8 + 10, bitcoin_sig = 2 + 32 + 8 + 64 + 10;
	const size_t offsets[2] = { node_sig, bitcoin_sig };

	for (int k = 0; k < 2; k++) {
		struct pair p;
		struct wirebuf *bad = their_sigs(offsets[k]);

		opened(&p, false);
		at_depth(&p, 0, 6);
		pair_run(&p);
		if (bad)
			pair_feed(&p, 0, bad);
		CHECK(pair_last_sent(&p, 0) == WIRE_WARNING);
		CHECK(!channel_is_connected(p.node[0].ch));
		CHECK(channel_get_state(p.node[0].ch) == CHANNEL_NORMAL);
		CHECK(!channel_has_announcement(p.node[0].ch));
		pair_free(&p);
	}
}

/* BOLT #7: a short_channel_id that is not our funding transaction's:
 * SHOULD send a `warning` (the connection stays). */
static void test_other_scid_warns(void)
{
	struct pair p;
	struct wirebuf *msg = their_sigs(2 + 32 + 7);

	opened(&p, false);
	at_depth(&p, 0, 6);
	pair_run(&p);
	if (msg)
		pair_feed(&p, 0, msg);
	CHECK(pair_last_sent(&p, 0) == WIRE_WARNING);
	CHECK(channel_is_connected(p.node[0].ch));
	CHECK(!channel_has_announcement(p.node[0].ch));
	pair_free(&p);
}

/* BOLT #7: before it sent channel_ready, a node SHOULD defer handling
 * announcement_signatures until after. */
static void test_deferred_before_channel_ready(void)
{
	struct pair p;
	struct pair_options o;
	struct wirebuf *early = their_sigs(0);

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_fund(&p));
	if (early)
		pair_feed(&p, 0, early);
	CHECK(pair_last_sent(&p, 0) != WIRE_WARNING);
	CHECK(!channel_has_announcement(p.node[0].ch));
	at_depth(&p, 0, 6);
	at_depth(&p, 1, 6);
	pair_run(&p);
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_NORMAL);
	CHECK(channel_has_announcement(p.node[0].ch));
	CHECK(pair_count(&p, 0, CHANNEL_EVENT_ANNOUNCED) == 1);
	pair_free(&p);
}

int main(void)
{
	RUN(test_exchange_at_six);
	RUN(test_one_side_first);
	RUN(test_private_never_sends);
	RUN(test_not_after_shutdown);
	RUN(test_resent_after_reconnection);
	RUN(test_bad_signature_warns);
	RUN(test_other_scid_warns);
	RUN(test_deferred_before_channel_ready);
	return test_done();
}
