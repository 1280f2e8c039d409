/* The HTLC switch's decisions (daemon/htlcs/htlc_switch.h) fed with what two real
 * channel engines report across a reconnection (tests/unit/channel_pair.h),
 * the test keeping the records the daemon keeps in its forwards and
 * payments tables:
 *
 *  - channel_reestablish and a retransmitted revoke_and_ack that commits
 *    an HTLC arrive in one turn: the re-scan when the channel becomes
 *    usable already sees the HTLC committed, and its HTLC_ADDED follows;
 *    it is decided once (issue 10, D1);
 *  - an HTLC we offered is withdrawn after a reconnection and its id
 *    offered again for another forward: the fulfillment belongs to the new
 *    forward, not the old, failed one (issue 10, D2);
 *  - the same when the withdrawn HTLC was signed and its failure is held
 *    until the peer revokes: the old forward, marked with the withdrawal's
 *    key, stays unresolved and apart from the new one until that failure.
 */
#include "daemon/htlcs/htlc_switch.h"

#include "tests/unit/test.h"
#include "tests/unit/channel_pair.h"

#define MAX_IDS 16

/* B's record of the incoming HTLCs (the forwards rows by in_htlc_id), and
 * how many times each was decided. */
struct ledger {
	enum switch_record record[MAX_IDS];
	int decisions[MAX_IDS];
};

/* One trigger asking about id on ch: a decision is recorded with it (the
 * forward stored in the step that offers the outgoing HTLC). */
static void ask(struct ledger *l, const struct channel *ch, uint64_t id)
{
	const struct htlc *h = channel_find_htlc(ch, CHANNEL_REMOTE, id);

	if (id < MAX_IDS && switch_incoming(h, l->record[id]) == SWITCH_DECIDE) {
		l->decisions[id]++;
		l->record[id] = SWITCH_RECORD_OFFERED;
	}
}

/* The re-scan payflow_channel_usable does: every HTLC the peer offered. */
static void rescan(struct ledger *l, const struct channel *ch)
{
	const struct htlc_set *set = channel_get_htlcs(ch);

	for (size_t k = 0; k < set->num; k++)
		if (set->htlcs[k].h.offerer == CHANNEL_REMOTE)
			ask(l, ch, set->htlcs[k].h.id);
}

/* The HTLC_ADDED events node i reported from record first on. */
static void added_events(struct ledger *l, const struct pair *p, int i, size_t first)
{
	for (size_t k = first; k < p->node[i].num_records; k++)
		if (p->node[i].records[k].type == CHANNEL_EVENT_HTLC_ADDED)
			ask(l, p->node[i].ch, p->node[i].records[k].htlc_id);
}

/* A (node 0) offers an HTLC; B (node 1) loses A's last revoke_and_ack,
 * the one that commits it irrevocably.  On reconnection B gets
 * channel_reestablish and the retransmitted revoke_and_ack in one turn.
 * The daemon acts on that turn's steps in order: the reestablish step
 * makes the channel usable (the re-scan), then the revoke_and_ack step's
 * HTLC_ADDED. */
static void test_reestablish_and_commit_in_one_turn_decide_once(void)
{
	struct pair_options o;
	struct pair p;
	struct ledger l = {0};
	uint64_t id;
	size_t first;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	CHECK(pair_add_htlc_k(&p, 0, 40000000, 1, &id));
	CHECK(PAIR_CALL(&p, 0, channel_send_commit));
	/* B gets the add and A's commitment_signed, revokes and signs; A
	 * revokes in turn: that revoke_and_ack is on its way to B. */
	CHECK(pair_deliver(&p, 1) && pair_deliver(&p, 1));
	CHECK(PAIR_CALL(&p, 1, channel_send_commit));
	CHECK(pair_deliver(&p, 0) && pair_deliver(&p, 0));
	CHECK(pair_next_type(&p, 1) == WIRE_REVOKE_AND_ACK);
	/* Not committed yet at B: nothing may be decided. */
	rescan(&l, p.node[1].ch);
	CHECK(l.decisions[id] == 0);
	CHECK(switch_incoming(channel_find_htlc(p.node[1].ch, CHANNEL_REMOTE, id),
			      SWITCH_RECORD_NONE) == SWITCH_WAIT);
	CHECK(pair_count(&p, 1, CHANNEL_EVENT_HTLC_ADDED) == 0);

	pair_disconnect(&p);
	first = p.node[1].num_records;
	pair_reconnect(&p);		/* reestablish, then the revoke_and_ack */
	CHECK(!pair_is_failed(&p, 0) && !pair_is_failed(&p, 1));
	CHECK(pair_count(&p, 1, CHANNEL_EVENT_HTLC_ADDED) == 1);
	/* The turn, acted on in order: the re-scan already sees the HTLC
	 * committed (and decides it); its HTLC_ADDED must not decide again. */
	rescan(&l, p.node[1].ch);
	CHECK(l.decisions[id] == 1);
	added_events(&l, &p, 1, first);
	CHECK_MSG(l.decisions[id] == 1, "decided %d times", l.decisions[id]);
	/* A later reconnection's re-scan does not decide it again either. */
	rescan(&l, p.node[1].ch);
	CHECK(l.decisions[id] == 1);
	pair_settle(&p);
	CHECK(pair_check_agree(&p));
	pair_free(&p);
}

/* The other order (HTLC_ADDED acted on first, the re-scan after) and the
 * other records: a decision already in the engine (fulfilled back), and a
 * forward that resolved while the incoming HTLC is still open. */
static void test_every_trigger_order_decides_once(void)
{
	struct pair_options o;
	struct pair p;
	struct ledger l = {0};
	struct preimage pre;
	struct sha256 hash;
	const struct htlc *h;
	uint64_t id;
	size_t first;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	first = p.node[1].num_records;
	CHECK(pair_add_htlc_k(&p, 0, 40000000, 7, &id));
	pair_settle(&p);
	added_events(&l, &p, 1, first);
	rescan(&l, p.node[1].ch);
	CHECK(l.decisions[id] == 1);
	h = channel_find_htlc(p.node[1].ch, CHANNEL_REMOTE, id);
	CHECK(switch_incoming(h, SWITCH_RECORD_OFFERED) == SWITCH_DONE);
	CHECK(switch_incoming(h, SWITCH_RECORD_RESOLVED) == SWITCH_PASS_OUTCOME);
	CHECK(switch_incoming(h, SWITCH_RECORD_FAILED_BACK) == SWITCH_DONE);
	CHECK(switch_incoming(NULL, SWITCH_RECORD_NONE) == SWITCH_WAIT);
	/* B fulfils it: removed in the engine, nothing more to decide even
	 * with no forwards row (paid to B itself). */
	pair_preimage(&pre, &hash, 7);
	CHECK(PAIR_CALL(&p, 1, channel_fulfill_htlc, id, &pre));
	h = channel_find_htlc(p.node[1].ch, CHANNEL_REMOTE, id);
	CHECK(h && switch_incoming(h, SWITCH_RECORD_NONE) == SWITCH_DONE);
	pair_settle(&p);
	CHECK(pair_check_agree(&p));
	pair_free(&p);
}

/* The owners of the HTLCs B offered on its channel to node 1, as payflow
 * keeps them in memory: the forwards and payment parts B stored. */
#define OUT_CHANNEL 1

struct out_ledger {
	struct switch_origins *origins;
	int64_t next_id;
};

static void out_init(struct out_ledger *l)
{
	l->origins = switch_origins_new();
	l->next_id = 1000;
}

static int64_t out_offer(struct out_ledger *l, uint64_t out_id, bool is_forward)
{
	struct switch_origin origin = {.is_forward = is_forward, .id = l->next_id++};

	switch_origins_add(l->origins, OUT_CHANNEL, out_id, 0, &origin);
	return origin.id;
}

/* The owner of an outcome for out_id (with key: of the held failure of
 * the record marked with it), which stops being live. */
static int64_t out_resolve(struct out_ledger *l, uint64_t out_id, uint64_t key)
{
	struct switch_origin owner;

	if (!switch_origins_take(l->origins, OUT_CHANNEL, out_id, key, &owner))
		return 0;
	return owner.id;
}

/* Node 0 is B, forwarding to node 1.  B's HTLC (forward F1) is lost with
 * the connection and no longer fits afterwards: B withdraws it, and the
 * same id carries the next forward, F2, which node 1 fulfils. */
static void test_withdrawn_id_reused_resolves_the_new_forward(void)
{
	struct pair_options o;
	struct pair p;
	struct out_ledger l;
	struct preimage pre;
	struct sha256 hash;
	int64_t first_forward, second_forward;
	uint64_t id, reused;
	size_t first;

	out_init(&l);
	pair_default_options(&o);
	o.push_msat = 984000000;	/* B keeps 16000 sat */
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	for (uint64_t k = 0; k < 5; k++)
		CHECK(pair_add_htlc_k(&p, 1, 5000000, 10 + k, &id));
	CHECK(PAIR_CALL(&p, 1, channel_send_commit));
	CHECK(pair_add_htlc_k(&p, 0, 3000000, 1, &id));
	first_forward = out_offer(&l, id, true);
	for (int k = 0; k < 6; k++)
		CHECK(pair_deliver(&p, 0));
	CHECK(pair_deliver(&p, 1));
	CHECK(pair_deliver(&p, 1));
	pair_disconnect(&p);
	first = p.node[0].num_records;
	pair_reconnect(&p);
	pair_settle(&p);
	for (size_t k = first; k < p.node[0].num_records; k++) {
		const struct pair_record *r = &p.node[0].records[k];
		if (r->type == CHANNEL_EVENT_HTLC_FAILED) {
			CHECK(r->is_withdrawn && r->htlc_id == id);
			CHECK(out_resolve(&l, r->htlc_id, 0) == first_forward);
		}
	}
	CHECK(pair_count(&p, 0, CHANNEL_EVENT_HTLC_FAILED) == 1);
	/* The id is offered again, for another forward. */
	CHECK(pair_add_htlc_k(&p, 0, 1000000, 2, &reused));
	CHECK(reused == id);
	second_forward = out_offer(&l, reused, true);
	pair_settle(&p);
	pair_preimage(&pre, &hash, 2);
	first = p.node[0].num_records;
	CHECK(PAIR_CALL(&p, 1, channel_fulfill_htlc, reused, &pre));
	pair_settle(&p);
	CHECK(pair_count(&p, 0, CHANNEL_EVENT_HTLC_FULFILLED) == 1);
	for (size_t k = first; k < p.node[0].num_records; k++)
		if (p.node[0].records[k].type == CHANNEL_EVENT_HTLC_FULFILLED)
			CHECK(out_resolve(&l, p.node[0].records[k].htlc_id, 0) == second_forward);
	/* Both resolved: a repeated outcome has no owner. */
	CHECK(out_resolve(&l, reused, 0) == 0);
	CHECK(switch_origins_count(l.origins) == 0);
	CHECK(pair_check_agree(&p));
	switch_origins_free(l.origins);
	pair_free(&p);
}

/* HTLC_WITHDRAWN: the live record for out_id is marked with key (no
 * longer live, still unresolved).  Returns: its id, 0 if none. */
static int64_t out_mark(struct out_ledger *l, uint64_t out_id, uint64_t key)
{
	struct switch_origin marked;

	if (!switch_origins_withdraw(l->origins, OUT_CHANNEL, out_id, key, &marked))
		return 0;
	return marked.id;
}

/* Node 0 (B) forwards F1 as HTLC h, signed into node 1's next commitment;
 * node 1 keeps that commitment_signed and says it never got it.  B
 * withdraws h with its failure held: F1 is marked, h's id carries F2 at
 * once, F2's fulfillment is F2's, and the held failure (once node 1
 * revokes) is F1's. */
static void test_held_withdrawal_keeps_the_old_forward_apart(void)
{
	struct pair p;
	struct out_ledger l;
	struct wirebuf *kept;
	struct preimage pre;
	struct sha256 hash;
	int64_t first_forward, second_forward;
	uint64_t h = 0, reused = 99, key = 0;
	size_t first, held = 0, fulfilled = 0;

	out_init(&l);
	kept = pair_sign_and_lose_commit(&p, &h);
	first_forward = out_offer(&l, h, true);
	pair_settle(&p);
	for (size_t k = 0; k < p.node[0].num_records; k++) {
		const struct pair_record *r = &p.node[0].records[k];

		CHECK(r->type != CHANNEL_EVENT_HTLC_FAILED);
		if (r->type == CHANNEL_EVENT_HTLC_WITHDRAWN) {
			CHECK(r->htlc_id == h && r->withdrawn_key != 0);
			key = r->withdrawn_key;
			CHECK(out_mark(&l, r->htlc_id, key) == first_forward);
		}
	}
	CHECK(key != 0);
	/* Nothing live for h now; F1 still unresolved. */
	CHECK(out_resolve(&l, h, 0) == 0);
	CHECK(pair_add_htlc_k(&p, 0, 1000000, 2, &reused));
	CHECK(reused == h);
	second_forward = out_offer(&l, reused, true);
	first = p.node[0].num_records;
	pair_settle(&p);
	for (size_t k = first; k < p.node[0].num_records; k++) {
		const struct pair_record *r = &p.node[0].records[k];

		if (r->type == CHANNEL_EVENT_HTLC_FAILED) {
			CHECK(r->withdrawn_key == key && r->htlc_id == h);
			CHECK(out_resolve(&l, r->htlc_id, r->withdrawn_key)
			      == first_forward);
			held++;
		}
	}
	CHECK(held == 1);
	pair_preimage(&pre, &hash, 2);
	first = p.node[0].num_records;
	CHECK(PAIR_CALL(&p, 1, channel_fulfill_htlc, reused, &pre));
	pair_settle(&p);
	for (size_t k = first; k < p.node[0].num_records; k++)
		if (p.node[0].records[k].type == CHANNEL_EVENT_HTLC_FULFILLED) {
			CHECK(out_resolve(&l, p.node[0].records[k].htlc_id,
					  p.node[0].records[k].withdrawn_key)
			      == second_forward);
			fulfilled++;
		}
	CHECK(fulfilled == 1);
	CHECK(out_resolve(&l, h, 0) == 0 && out_resolve(&l, h, key) == 0);
	CHECK(switch_origins_count(l.origins) == 0);
	CHECK(pair_check_agree(&p));
	switch_origins_free(l.origins);
	wirebuf_free(kept);
	pair_free(&p);
}

/* A withdrawn forward's id reused by one of our own payments, and the
 * other way round: the live record owns it whatever the table; and the
 * table rebuilt at start-up, oldest row first, keeps the newest. */
static void test_owner_is_the_live_record_across_tables(void)
{
	struct switch_origins *t = switch_origins_new();
	struct switch_origin forward = {.is_forward = true, .id = 7, .in_channel = 4,
					.in_htlc_id = 11};
	struct switch_origin part = {.is_forward = false, .id = 3, .partid = 2};
	struct switch_origin old_part = {.is_forward = false, .id = 2};
	struct switch_origin got;

	memset(part.payment_hash.u8, 0xab, sizeof(part.payment_hash.u8));
	switch_origins_add(t, 1, 5, 0, &forward);
	CHECK(switch_origins_withdraw(t, 1, 5, 9, &got) && got.id == 7);
	switch_origins_add(t, 1, 5, 0, &part);
	/* The same id on another channel is another HTLC. */
	switch_origins_add(t, 2, 5, 0, &old_part);
	CHECK(switch_origins_count(t) == 3);
	CHECK(switch_origins_take(t, 1, 5, 0, &got));
	CHECK(!got.is_forward && got.id == 3 && got.partid == 2
	      && memcmp(got.payment_hash.u8, part.payment_hash.u8, 32) == 0);
	CHECK(!switch_origins_take(t, 1, 5, 0, &got));
	CHECK(switch_origins_take(t, 1, 5, 9, &got));
	CHECK(got.is_forward && got.id == 7 && got.in_channel == 4 && got.in_htlc_id == 11);
	/* Nothing live: a withdrawal marks nothing (a dev- HTLC). */
	CHECK(!switch_origins_withdraw(t, 1, 5, 10, &got));
	CHECK(switch_origins_take(t, 2, 5, 0, &got) && got.id == 2);
	/* Rebuilt: the older row, then the newer, of one HTLC id. */
	switch_origins_add(t, 1, 6, 0, &old_part);
	switch_origins_add(t, 1, 6, 0, &part);
	CHECK(switch_origins_take(t, 1, 6, 0, &got) && got.id == 3);
	CHECK(switch_origins_count(t) == 0);
	/* Many in flight: past the first allocation. */
	for (uint64_t id = 0; id < 100; id++) {
		part.id = 100 + (int64_t)id;
		switch_origins_add(t, 1, id, 0, &part);
	}
	for (uint64_t id = 100; id-- > 0;)
		CHECK(switch_origins_take(t, 1, id, 0, &got) && got.id == 100 + (int64_t)id);
	CHECK(switch_origins_count(t) == 0);
	switch_origins_free(t);
}

int main(void)
{
	RUN(test_reestablish_and_commit_in_one_turn_decide_once);
	RUN(test_every_trigger_order_decides_once);
	RUN(test_withdrawn_id_reused_resolves_the_new_forward);
	RUN(test_held_withdrawal_keeps_the_old_forward_apart);
	RUN(test_owner_is_the_live_record_across_tables);
	return test_done();
}
