/* The on-chain resolver (onchain/onchain.h) on the commitments of two
 * channel engines wired together (tests/unit/channel_pair.h): each kind of
 * close classified, every transaction it signs run through ohm-devchain's
 * script interpreter (standard flags) against the outputs it spends, the
 * amounts and fees exact, the penalty after a cheater's second stage, a
 * reorg, and the database form. */
#include "bitcoin/script.h"
#include "bitcoin/sighash.h"
#include "bitcoin/signature.h"
#include "contrib/devchain/interpreter.h"
#include "onchain/onchain.h"
#include "tests/unit/channel_pair.h"

#define MAX_CHAIN 64
#define MAX_SEEN 64

/* Every transaction "on chain" (and the funding output), for the
 * interpreter to find what an input spends. */
struct world {
	struct pair p;
	struct bitcoin_tx *txs[MAX_CHAIN];
	size_t num_txs;
	struct bitcoin_tx_output funding_out;
	uint8_t funding_script[34];
};

/* One resolver, and what it handed over. */
struct run {
	struct world *w;
	struct onchain *oc;
	struct onchain_feerates rates;
	uint32_t tip;
	struct bitcoin_tx *sent[MAX_SEEN];
	struct onchain_broadcast sent_as[MAX_SEEN];	/* its tx not kept */
	uint32_t sent_tip[MAX_SEEN];
	size_t num_sent;
	struct onchain_event events[MAX_SEEN];
	size_t num_events;
	uint8_t *snapshot;
	size_t snapshot_len;
	struct bitcoin_txid abandoned[MAX_SEEN];
	size_t num_abandoned;
};

static const uint8_t sweep_script[22] = { 0x00, 20, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee,
					  0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee,
					  0xee, 0xee, 0xee, 0xee, 0xee, 0xee };

static void world_add(struct world *w, const struct bitcoin_tx *tx)
{
	struct bitcoin_txid txid, other;

	bitcoin_tx_txid(&txid, tx);
	for (size_t i = 0; i < w->num_txs; i++) {
		bitcoin_tx_txid(&other, w->txs[i]);
		if (bitcoin_txid_eq(&txid, &other))
			return;
	}
	if (w->num_txs < MAX_CHAIN)
		w->txs[w->num_txs++] = bitcoin_tx_dup(tx);
}

static const struct bitcoin_tx_output *world_find(const struct world *w,
						  const struct bitcoin_outpoint *op)
{
	const struct channel_params *params = channel_get_params(w->p.node[0].ch);

	if (bitcoin_txid_eq(&op->txid, &params->funding.txid) && op->vout == params->funding.vout)
		return &w->funding_out;
	for (size_t i = 0; i < w->num_txs; i++) {
		struct bitcoin_txid txid;
		bitcoin_tx_txid(&txid, w->txs[i]);
		if (bitcoin_txid_eq(&txid, &op->txid) && op->vout < w->txs[i]->num_outputs)
			return &w->txs[i]->outputs[op->vout];
	}
	return NULL;
}

/* Whether every input of tx satisfies what it spends, under the standard
 * flags (CSV and CLTV included), as ohm-devchain would check it. */
static bool world_verify(const struct world *w, const struct bitcoin_tx *tx)
{
	struct bitcoin_tx_output spent[8];

	if (tx->num_inputs > 8)
		return false;
	for (size_t i = 0; i < tx->num_inputs; i++) {
		const struct bitcoin_tx_output *o = world_find(w, &tx->inputs[i].prevout);
		if (!o)
			return false;
		spent[i] = *o;
	}
	for (size_t i = 0; i < tx->num_inputs; i++) {
		struct script_tx_context sc = { .secp = w->p.ctx, .tx = tx, .input_index = i,
						.spent_outputs = spent };
		enum script_error err;
		if (!script_verify_input(&err, &sc, SCRIPT_VERIFY_STANDARD)) {
			printf("# input %zu: %s\n", i, script_error_string(err));
			return false;
		}
	}
	return true;
}

/* A channel where node 0 (the funder) offered A (50000 sat, cltv 501) and
 * node 1 offered B (40000 sat, cltv 502), committed both ways. */
static void world_open_type(struct world *w, bool anchors)
{
	struct pair_options o;
	struct wirebuf *ws = wirebuf_new();
	const struct channel_params *params;
	uint64_t id;

	memset(w, 0, sizeof(*w));
	pair_default_options(&o);
	o.anchors = anchors;
	pair_init(&w->p, &o);
	CHECK(pair_open(&w->p));
	CHECK(pair_add_htlc_k(&w->p, 0, 50000000, 1, &id));
	CHECK(pair_add_htlc_k(&w->p, 1, 40000000, 2, &id));
	pair_settle(&w->p);
	params = channel_get_params(w->p.node[0].ch);
	channel_script_funding_output(ws, w->p.ctx, &params->party[0].funding_pubkey,
				      &params->party[1].funding_pubkey);
	memcpy(w->funding_script, ws->data, ws->len);
	w->funding_out.script = w->funding_script;
	w->funding_out.script_len = ws->len;
	w->funding_out.amount_sat = params->funding_sat;
	wirebuf_free(ws);
}

static void world_open(struct world *w)
{
	world_open_type(w, false);
}

/* The same with option_anchors. */
static void world_open_anchors(struct world *w)
{
	world_open_type(w, true);
	CHECK(channel_get_params(w->p.node[0].ch)->option_anchors);
}

static void world_free(struct world *w)
{
	for (size_t i = 0; i < w->num_txs; i++)
		bitcoin_tx_free(w->txs[i]);
	pair_free(&w->p);
}

static struct onchain *resolver_known(struct world *w, int i, const struct channel_htlc *known,
				      size_t num_known);

static struct onchain *resolver_for(struct world *w, int i)
{
	return resolver_known(w, i, NULL, 0);
}

static struct onchain *resolver_known(struct world *w, int i, const struct channel_htlc *known,
				      size_t num_known)
{
	struct channel_onchain_view view;
	struct onchain_setup setup;
	struct onchain *oc;
	const char *err = NULL;

	CHECK(channel_onchain_view(w->p.node[i].ch, &view));
	memset(&setup, 0, sizeof(setup));
	setup.ctx = w->p.ctx;
	setup.view = &view;
	setup.secrets = &w->p.node[i].secrets;
	setup.sweep_script = sweep_script;
	setup.sweep_script_len = sizeof(sweep_script);
	setup.known_htlcs = known;
	setup.num_known_htlcs = num_known;
	oc = onchain_new(&setup, &err);
	CHECK_MSG(oc != NULL, "%s", err);
	channel_onchain_view_clear(&view);
	return oc;
}

static void run_init(struct run *r, struct world *w, int i)
{
	memset(r, 0, sizeof(*r));
	r->w = w;
	r->oc = resolver_for(w, i);
	r->rates.urgent_perkw = 2500;
	r->rates.normal_perkw = 1000;
	r->tip = 99;
}

static void run_free(struct run *r)
{
	onchain_free(r->oc);
	for (size_t i = 0; i < r->num_sent; i++)
		bitcoin_tx_free(r->sent[i]);
	free(r->snapshot);
}

static void run_absorb(struct run *r, struct onchain_effects *fx)
{
	for (size_t i = 0; i < fx->num_events && r->num_events < MAX_SEEN; i++)
		r->events[r->num_events++] = fx->events[i];
	for (size_t i = 0; i < fx->num_abandoned && r->num_abandoned < MAX_SEEN; i++)
		r->abandoned[r->num_abandoned++] = fx->abandoned[i];
	for (size_t i = 0; i < fx->num_txs; i++) {
		if (r->num_sent < MAX_SEEN) {
			r->sent_as[r->num_sent] = fx->txs[i];
			r->sent_as[r->num_sent].tx = NULL;
			r->sent_tip[r->num_sent] = onchain_get_tip(r->oc);
			r->sent[r->num_sent++] = fx->txs[i].tx;
			fx->txs[i].tx = NULL;
		}
	}
	if (fx->snapshot) {
		free(r->snapshot);
		r->snapshot = fx->snapshot;
		r->snapshot_len = fx->snapshot_len;
		fx->snapshot = NULL;
	}
	onchain_effects_clear(fx);
}

/* The block at height with txs (which join the world). */
static void run_block(struct run *r, uint32_t height, struct bitcoin_tx **txs, size_t n)
{
	struct onchain_effects fx;

	for (size_t i = 0; i < n; i++)
		world_add(r->w, txs[i]);
	onchain_effects_init(&fx);
	onchain_block_connected(r->oc, &fx, height, txs, n, &r->rates);
	r->tip = height;
	run_absorb(r, &fx);
}

static void run_until(struct run *r, uint32_t height)
{
	while (r->tip < height)
		run_block(r, r->tip + 1, NULL, 0);
}

static void run_preimage(struct run *r, uint64_t k)
{
	struct onchain_effects fx;
	struct preimage pre;
	struct sha256 hash;

	pair_preimage(&pre, &hash, k);
	onchain_effects_init(&fx);
	onchain_add_preimage(r->oc, &fx, &pre, &r->rates);
	run_absorb(r, &fx);
}

static size_t count_events(const struct run *r, enum onchain_event_type type)
{
	size_t n = 0;

	for (size_t i = 0; i < r->num_events; i++)
		n += r->events[i].type == type;
	return n;
}

/* The last handed-over transaction, or NULL. */
static struct bitcoin_tx *last_sent(const struct run *r)
{
	return r->num_sent ? r->sent[r->num_sent - 1] : NULL;
}

/* The output of kind (the first), or -1. */
static int output_of(const struct onchain *oc, enum onchain_output_kind kind, size_t skip)
{
	for (size_t i = 0; i < onchain_num_outputs(oc); i++) {
		struct onchain_output_info info;
		onchain_get_output(oc, i, &info);
		if (info.kind == kind && skip-- == 0)
			return (int)i;
	}
	return -1;
}

/* The outpoint of the resolver's output i. */
static struct bitcoin_outpoint outpoint_of(const struct onchain *oc, int i)
{
	struct onchain_output_info info;

	onchain_get_output(oc, (size_t)i, &info);
	return info.outpoint;
}

/* The last handed-over transaction spending op (its latest replacement),
 * or NULL; *versions (if not NULL): how many different ones spent it. */
static struct bitcoin_tx *last_spending(const struct run *r, const struct bitcoin_outpoint *op,
					size_t *versions)
{
	struct bitcoin_tx *last = NULL;
	struct bitcoin_txid seen[MAX_SEEN], txid;
	size_t n = 0;

	for (size_t i = 0; i < r->num_sent; i++)
		for (size_t j = 0; j < r->sent[i]->num_inputs; j++) {
			const struct bitcoin_outpoint *in = &r->sent[i]->inputs[j].prevout;
			bool dup = false;
			if (in->vout != op->vout || !bitcoin_txid_eq(&in->txid, &op->txid))
				continue;
			last = r->sent[i];
			bitcoin_tx_txid(&txid, last);
			for (size_t k = 0; k < n; k++)
				dup |= bitcoin_txid_eq(&seen[k], &txid);
			if (!dup)
				seen[n++] = txid;
		}
	if (versions)
		*versions = n;
	return last;
}

/* The fee a sweep pays at feerate_perkw: its weight with 73-byte
 * signatures. */
static uint64_t sweep_fee(const struct bitcoin_tx *tx, uint32_t feerate_perkw)
{
	size_t weight = bitcoin_tx_weight(tx);

	for (size_t i = 0; i < tx->num_inputs; i++)
		weight += 73 - tx->inputs[i].witness[0].len;
	return ((uint64_t)feerate_perkw * weight + 999) / 1000;
}

/* ---- Our commitment ---- */

static void test_local_commitment(void)
{
	struct world w;
	struct run r;
	struct bitcoin_tx *commit, *success, *sweep, *timeout, *second;
	struct onchain_output_info info;
	int to_local;

	world_open(&w);
	run_init(&r, &w, 0);
	commit = channel_signed_commitment(w.p.node[0].ch);
	CHECK(world_verify(&w, commit));
	run_block(&r, 100, &commit, 1);
	CHECK(onchain_get_close(r.oc) == ONCHAIN_CLOSE_LOCAL);
	CHECK(onchain_num_outputs(r.oc) == 4);
	CHECK(r.num_sent == 0);
	to_local = output_of(r.oc, ONCHAIN_OUT_DELAYED, 0);
	CHECK(to_local >= 0);
	CHECK(output_of(r.oc, ONCHAIN_OUT_LOCAL_HTLC_TIMEOUT, 0) >= 0);
	CHECK(output_of(r.oc, ONCHAIN_OUT_LOCAL_HTLC_SUCCESS, 0) >= 0);

	/* B's preimage: HTLC-success at once, its BOLT #3 fee taken. */
	run_preimage(&r, 2);
	CHECK(r.num_sent == 1);
	success = last_sent(&r);
	CHECK(success && world_verify(&w, success));
	CHECK(success && success->outputs[0].amount_sat == 40000 - 2500 * 703 / 1000);

	/* Its output is delayed by the peer's to_self_delay (145) too. */
	run_block(&r, 101, &success, 1);
	CHECK(output_of(r.oc, ONCHAIN_OUT_DELAYED, 1) >= 0);

	/* to_local: spendable in block 100 + 145, so handed over at 244. */
	run_until(&r, 243);
	CHECK(r.num_sent == 1);
	run_until(&r, 244);
	CHECK(r.num_sent == 2);
	sweep = last_sent(&r);
	onchain_get_output(r.oc, (size_t)to_local, &info);
	CHECK(sweep && world_verify(&w, sweep) && sweep->inputs[0].sequence == 145);
	CHECK(sweep && sweep->outputs[0].amount_sat == info.amount_sat - sweep_fee(sweep, 1000));
	/* One block short of the delay, the script's CSV refuses it. */
	if (sweep) {
		struct bitcoin_tx *early = bitcoin_tx_dup(sweep);
		early->inputs[0].sequence = 144;
		CHECK(!world_verify(&w, early));
		bitcoin_tx_free(early);
	}
	CHECK(sweep && sweep->outputs[0].script_len == 22
	      && memcmp(sweep->outputs[0].script, sweep_script, 22) == 0);
	run_until(&r, 245);
	CHECK(r.num_sent == 3);
	second = last_sent(&r);
	CHECK(second && world_verify(&w, second));
	CHECK(second && second->outputs[0].amount_sat == 38243 - sweep_fee(second, 1000));
	run_block(&r, 246, (struct bitcoin_tx *[]){ sweep, second }, 2);

	/* A times out: HTLC-timeout in block 502 (locktime 501). */
	run_until(&r, 500);
	CHECK(r.num_sent == 3);
	run_until(&r, 501);
	CHECK(r.num_sent == 4);
	timeout = last_sent(&r);
	CHECK(timeout && world_verify(&w, timeout) && timeout->locktime == 501);
	CHECK(timeout && timeout->outputs[0].amount_sat == 50000 - 2500 * 663 / 1000);
	run_block(&r, 502, &timeout, 1);
	run_until(&r, 506);
	CHECK(count_events(&r, ONCHAIN_EVENT_HTLC_FAILED) == 0);
	run_until(&r, 507);
	CHECK(count_events(&r, ONCHAIN_EVENT_HTLC_FAILED) == 1);
	CHECK(r.events[r.num_events - 1].htlc.id == 0
	      && r.events[r.num_events - 1].htlc.offerer == CHANNEL_LOCAL);
	/* Its output swept after the delay, then everything 100 deep. */
	run_until(&r, 502 + 145 - 1);
	CHECK(r.num_sent == 5);
	sweep = last_sent(&r);
	CHECK(sweep && world_verify(&w, sweep));
	run_block(&r, 647, &sweep, 1);
	CHECK(!onchain_is_resolved(r.oc));
	run_until(&r, 647 + 98);
	CHECK(count_events(&r, ONCHAIN_EVENT_ALL_RESOLVED) == 0);
	run_until(&r, 647 + 99);
	CHECK(count_events(&r, ONCHAIN_EVENT_ALL_RESOLVED) == 1);
	CHECK(onchain_is_resolved(r.oc));
	CHECK(count_events(&r, ONCHAIN_EVENT_PREIMAGE) == 0);
	bitcoin_tx_free(commit);
	run_free(&r);
	world_free(&w);
}

/* ---- The peer's commitment ---- */

static void test_remote_commitment(void)
{
	struct world w;
	struct run r;
	struct bitcoin_tx *commit, *claim, *timeout;
	struct bitcoin_outpoint a_op, b_op;
	size_t versions;

	world_open(&w);
	run_init(&r, &w, 0);
	commit = channel_signed_commitment(w.p.node[1].ch);
	run_block(&r, 100, &commit, 1);
	CHECK(onchain_get_close(r.oc) == ONCHAIN_CLOSE_REMOTE);
	a_op = outpoint_of(r.oc, output_of(r.oc, ONCHAIN_OUT_REMOTE_HTLC_TIMEOUT, 0));
	b_op = outpoint_of(r.oc, output_of(r.oc, ONCHAIN_OUT_REMOTE_HTLC_SUCCESS, 0));
	/* to_remote pays our payment_basepoint: the wallet's. */
	CHECK(output_of(r.oc, ONCHAIN_OUT_WALLET, 0) >= 0);
	CHECK(output_of(r.oc, ONCHAIN_OUT_REMOTE_HTLC_SUCCESS, 0) >= 0);
	CHECK(output_of(r.oc, ONCHAIN_OUT_REMOTE_HTLC_TIMEOUT, 0) >= 0);
	CHECK(r.num_sent == 0);

	/* B (theirs) with its preimage, at the urgent feerate. */
	run_preimage(&r, 2);
	CHECK(r.num_sent == 1);
	claim = last_sent(&r);
	CHECK(claim && world_verify(&w, claim));
	CHECK(claim && claim->outputs[0].amount_sat == 40000 - sweep_fee(claim, 2500));

	/* A (ours) after its expiry: the script's CLTV checks locktime.
	 * Meanwhile the claim of B is replaced as its deadline (B's expiry)
	 * nears. */
	run_until(&r, 500);
	CHECK(last_spending(&r, &a_op, NULL) == NULL);
	CHECK(last_spending(&r, &b_op, &versions) && versions > 1 && versions == r.num_sent);
	claim = last_spending(&r, &b_op, NULL);
	CHECK(claim && world_verify(&w, claim));
	run_until(&r, 501);
	timeout = last_spending(&r, &a_op, &versions);
	CHECK(versions == 1);
	CHECK(timeout && world_verify(&w, timeout) && timeout->locktime == 501);
	CHECK(timeout && timeout->outputs[0].amount_sat == 50000 - sweep_fee(timeout, 2500));
	/* A locktime one lower fails the script. */
	if (timeout) {
		struct bitcoin_tx *early = bitcoin_tx_dup(timeout);
		early->locktime = 500;
		CHECK(!world_verify(&w, early));
		bitcoin_tx_free(early);
	}
	run_block(&r, 502, (struct bitcoin_tx *[]){ claim, timeout }, 2);
	run_until(&r, 507);
	CHECK(count_events(&r, ONCHAIN_EVENT_HTLC_FAILED) == 1);
	run_until(&r, 601);
	CHECK(count_events(&r, ONCHAIN_EVENT_ALL_RESOLVED) == 1);
	bitcoin_tx_free(commit);
	run_free(&r);
	world_free(&w);
}

/* The peer claims A on its own commitment with the preimage (its
 * HTLC-success, signed by its own resolver): we learn the preimage. */
static void test_remote_reveals_preimage(void)
{
	struct world w;
	struct run r, peer;
	struct bitcoin_tx *commit, *success;

	world_open(&w);
	run_init(&r, &w, 0);
	run_init(&peer, &w, 1);
	commit = channel_signed_commitment(w.p.node[1].ch);
	run_block(&r, 100, &commit, 1);
	run_block(&peer, 100, &commit, 1);
	CHECK(onchain_get_close(peer.oc) == ONCHAIN_CLOSE_LOCAL);
	run_preimage(&peer, 1);
	CHECK(peer.num_sent == 1);
	success = last_sent(&peer);
	CHECK(success && world_verify(&w, success));
	run_block(&r, 101, &success, 1);
	CHECK(count_events(&r, ONCHAIN_EVENT_PREIMAGE) == 1);
	if (r.num_events) {
		struct preimage pre;
		struct sha256 hash;
		pair_preimage(&pre, &hash, 1);
		CHECK(memcmp(r.events[0].preimage.r, pre.r, 32) == 0);
		CHECK(r.events[0].htlc.id == 0 && r.events[0].htlc.offerer == CHANNEL_LOCAL);
	}
	/* Never failed afterwards. */
	run_until(&r, 520);
	CHECK(count_events(&r, ONCHAIN_EVENT_HTLC_FAILED) == 0);
	bitcoin_tx_free(commit);
	run_free(&peer);
	run_free(&r);
	world_free(&w);
}

/* We signed the peer a new commitment and await its revoke_and_ack: its
 * previous one is still valid, and recognised. */
static void test_remote_previous_commitment(void)
{
	struct world w;
	struct run r;
	struct bitcoin_tx *previous;
	uint64_t id;

	world_open(&w);
	previous = channel_signed_commitment(w.p.node[1].ch);
	CHECK(pair_add_htlc_k(&w.p, 0, 30000000, 3, &id));
	CHECK(PAIR_CALL(&w.p, 0, channel_send_commit));
	run_init(&r, &w, 0);
	run_block(&r, 100, &previous, 1);
	CHECK(onchain_get_close(r.oc) == ONCHAIN_CLOSE_REMOTE_PREVIOUS);
	CHECK(output_of(r.oc, ONCHAIN_OUT_REMOTE_HTLC_TIMEOUT, 0) >= 0);
	run_until(&r, 501);
	CHECK(r.num_sent == 1 && world_verify(&w, last_sent(&r)));
	/* C is not in that commitment: the channel engine fails it. */
	run_block(&r, 502, (struct bitcoin_tx *[]){ last_sent(&r) }, 1);
	run_until(&r, 507);
	CHECK(count_events(&r, ONCHAIN_EVENT_HTLC_FAILED) == 1);
	bitcoin_tx_free(previous);
	run_free(&r);
	world_free(&w);
}

/* ---- Revoked ---- */

/* The peer's commitment with A and B, then revoked by a third HTLC. */
static struct bitcoin_tx *revoke_one(struct world *w, struct run *cheater)
{
	struct bitcoin_tx *old = channel_signed_commitment(w->p.node[1].ch);
	uint64_t id;

	if (cheater)
		run_init(cheater, w, 1);
	CHECK(pair_add_htlc_k(&w->p, 0, 30000000, 3, &id));
	pair_settle(&w->p);
	return old;
}

static void test_revoked_penalty(void)
{
	struct world w;
	struct run r;
	struct bitcoin_tx *old, *justice;
	uint64_t total = 0;

	world_open(&w);
	old = revoke_one(&w, NULL);
	run_init(&r, &w, 0);
	run_block(&r, 100, &old, 1);
	CHECK(onchain_get_close(r.oc) == ONCHAIN_CLOSE_REVOKED);
	CHECK(output_of(r.oc, ONCHAIN_OUT_WALLET, 0) >= 0);
	CHECK(output_of(r.oc, ONCHAIN_OUT_PENALTY, 2) >= 0);
	CHECK(r.num_sent == 1);
	justice = last_sent(&r);
	CHECK(justice && justice->num_inputs == 3 && world_verify(&w, justice));
	for (size_t i = 0; justice && i < justice->num_inputs; i++)
		total += world_find(&w, &justice->inputs[i].prevout)->amount_sat;
	CHECK(justice && justice->outputs[0].amount_sat == total - sweep_fee(justice, 2500));
	/* Not confirmed: a higher feerate at the next block. */
	run_block(&r, 101, NULL, 0);
	CHECK(r.num_sent == 2);
	justice = last_sent(&r);
	CHECK(justice && world_verify(&w, justice));
	CHECK(justice && justice->outputs[0].amount_sat == total - sweep_fee(justice, 3125));
	run_block(&r, 102, &justice, 1);
	run_until(&r, 107);
	/* A (ours) went to the penalty, C is not in the revoked state:
	 * both failed upstream. */
	CHECK(count_events(&r, ONCHAIN_EVENT_HTLC_FAILED) == 2);
	run_until(&r, 201);
	CHECK(onchain_is_resolved(r.oc));
	bitcoin_tx_free(old);
	run_free(&r);
	world_free(&w);
}

/* A penalty that does not confirm pays more at every block, up to ten
 * times the urgent feerate, and is never given up. */
static void test_penalty_bump_is_capped(void)
{
	struct world w;
	struct run r;
	struct bitcoin_tx *old, *justice;
	uint64_t total = 0;

	world_open(&w);
	old = revoke_one(&w, NULL);
	run_init(&r, &w, 0);
	run_block(&r, 100, &old, 1);
	run_until(&r, 136);
	CHECK(r.num_sent == 37);
	justice = last_sent(&r);
	for (size_t i = 0; justice && i < justice->num_inputs; i++)
		total += world_find(&w, &justice->inputs[i].prevout)->amount_sat;
	CHECK(justice && justice->outputs[0].amount_sat == total - sweep_fee(justice, 25000));
	run_until(&r, 150);
	CHECK(r.num_sent == 37);
	CHECK(count_events(&r, ONCHAIN_EVENT_DUST_LEFT) == 0);
	bitcoin_tx_free(old);
	run_free(&r);
	world_free(&w);
}

/* The cheater gets its HTLC-success of the revoked state confirmed first:
 * the preimage is learned, and the penalty takes that output too. */
static void test_revoked_second_stage(void)
{
	struct world w;
	struct run r, cheater;
	struct bitcoin_tx *old, *success, *justice;
	struct bitcoin_txid success_txid;
	bool takes_second = false;

	world_open(&w);
	old = revoke_one(&w, &cheater);
	run_init(&r, &w, 0);
	run_block(&r, 100, &old, 1);
	run_block(&cheater, 100, &old, 1);
	CHECK(onchain_get_close(cheater.oc) == ONCHAIN_CLOSE_LOCAL);
	run_preimage(&cheater, 1);
	CHECK(cheater.num_sent == 1);
	success = last_sent(&cheater);
	CHECK(success && world_verify(&w, success));
	if (!success)
		goto out;
	bitcoin_tx_txid(&success_txid, success);
	run_block(&r, 101, &success, 1);
	CHECK(count_events(&r, ONCHAIN_EVENT_PREIMAGE) == 1);
	justice = last_sent(&r);
	CHECK(justice && justice->num_inputs == 3 && world_verify(&w, justice));
	for (size_t i = 0; justice && i < justice->num_inputs; i++)
		takes_second |= bitcoin_txid_eq(&justice->inputs[i].prevout.txid, &success_txid);
	CHECK(takes_second);
	run_block(&r, 102, &justice, 1);
	run_until(&r, 201);
	CHECK(onchain_is_resolved(r.oc));
	/* C only: A was paid. */
	CHECK(count_events(&r, ONCHAIN_EVENT_HTLC_FAILED) == 1);
out:
	bitcoin_tx_free(old);
	run_free(&cheater);
	run_free(&r);
	world_free(&w);
}

/* A revoked commitment holds A, which has left the channel since (failed):
 * the view alone cannot recognise its output; the HTLCs the caller kept
 * can, and the penalty takes it too. */
static void test_revoked_htlc_gone_from_the_channel(void)
{
	struct world w;
	struct run r;
	struct bitcoin_tx *old, *justice;
	struct channel_htlc a;
	static const uint8_t reason[32];

	world_open(&w);
	a = channel_find_htlc(w.p.node[0].ch, CHANNEL_LOCAL, 0)->h;
	old = channel_signed_commitment(w.p.node[1].ch);
	CHECK(PAIR_CALL(&w.p, 1, channel_fail_htlc, 0, reason, sizeof(reason)));
	pair_settle(&w.p);
	CHECK(channel_find_htlc(w.p.node[0].ch, CHANNEL_LOCAL, 0) == NULL);

	run_init(&r, &w, 0);
	run_block(&r, 100, &old, 1);
	CHECK(onchain_get_close(r.oc) == ONCHAIN_CLOSE_REVOKED);
	justice = last_sent(&r);
	CHECK(justice && justice->num_inputs == 2);
	run_free(&r);

	memset(&r, 0, sizeof(r));
	r.w = &w;
	r.oc = resolver_known(&w, 0, &a, 1);
	r.rates.urgent_perkw = 2500;
	r.rates.normal_perkw = 1000;
	run_block(&r, 100, &old, 1);
	justice = last_sent(&r);
	CHECK(justice && justice->num_inputs == 3 && world_verify(&w, justice));
	bitcoin_tx_free(old);
	run_free(&r);
	world_free(&w);
}

/* ---- Mutual, reorg, unknown ---- */

static void test_mutual_close(void)
{
	struct world w;
	struct run r;
	struct bitcoin_tx *tx = bitcoin_tx_new(2, 0);

	world_open(&w);
	run_init(&r, &w, 0);
	bitcoin_tx_add_input(tx, &channel_get_params(w.p.node[0].ch)->funding,
			     BITCOIN_SEQUENCE_FINAL);
	bitcoin_tx_add_output(tx, 900000, sweep_script, sizeof(sweep_script));
	run_block(&r, 100, &tx, 1);
	CHECK(onchain_get_close(r.oc) == ONCHAIN_CLOSE_MUTUAL);
	CHECK(onchain_num_outputs(r.oc) == 0 && r.num_sent == 0);
	run_until(&r, 198);
	CHECK(!onchain_is_resolved(r.oc));
	run_until(&r, 199);
	CHECK(onchain_is_resolved(r.oc) && count_events(&r, ONCHAIN_EVENT_ALL_RESOLVED) == 1);
	bitcoin_tx_free(tx);
	run_free(&r);
	world_free(&w);
}

static void test_reorg(void)
{
	struct world w;
	struct run r;
	struct bitcoin_tx *ours, *theirs, *sweep;
	struct onchain_effects fx;

	world_open(&w);
	run_init(&r, &w, 0);
	ours = channel_signed_commitment(w.p.node[0].ch);
	theirs = channel_signed_commitment(w.p.node[1].ch);
	run_block(&r, 100, &ours, 1);
	run_until(&r, 244);
	CHECK(r.num_sent == 1);
	sweep = last_sent(&r);
	run_block(&r, 245, &sweep, 1);
	CHECK(output_of(r.oc, ONCHAIN_OUT_DELAYED, 0) >= 0);
	/* The chain forgets everything from block 100 on. */
	for (uint32_t h = 245; h >= 100; h--) {
		onchain_effects_init(&fx);
		onchain_block_disconnected(r.oc, &fx, h, &r.rates);
		run_absorb(&r, &fx);
	}
	r.tip = 99;
	CHECK(onchain_get_close(r.oc) == ONCHAIN_CLOSE_UNKNOWN);
	CHECK(onchain_num_outputs(r.oc) == 0);
	/* The peer's commitment confirms instead. */
	run_block(&r, 100, &theirs, 1);
	CHECK(onchain_get_close(r.oc) == ONCHAIN_CLOSE_REMOTE);
	CHECK(output_of(r.oc, ONCHAIN_OUT_DELAYED, 0) < 0);
	CHECK(output_of(r.oc, ONCHAIN_OUT_WALLET, 0) >= 0);
	bitcoin_tx_free(ours);
	bitcoin_tx_free(theirs);
	run_free(&r);
	world_free(&w);
}

/* A spend of the funding output with a commitment number we do not know
 * (our own revoked commitment here): nothing tracked, nothing signed. */
static void test_unknown_commitment(void)
{
	struct world w;
	struct run r;
	struct bitcoin_tx *old;
	uint64_t id;

	world_open(&w);
	old = channel_signed_commitment(w.p.node[0].ch);
	CHECK(pair_add_htlc_k(&w.p, 0, 30000000, 3, &id));
	pair_settle(&w.p);
	run_init(&r, &w, 0);
	run_block(&r, 100, &old, 1);
	CHECK(onchain_get_close(r.oc) == ONCHAIN_CLOSE_UNKNOWN);
	CHECK(r.num_sent == 0);
	bitcoin_tx_free(old);
	run_free(&r);
	world_free(&w);
}

/* ---- Persistence ---- */

static void test_serialize_round_trip(void)
{
	struct world w;
	struct run r;
	struct bitcoin_tx *commit, *next_a = NULL, *next_b = NULL;
	struct onchain_setup setup;
	struct onchain *copy;
	struct wirebuf *again = wirebuf_new();
	struct onchain_effects fx;
	const char *err = NULL;

	world_open(&w);
	run_init(&r, &w, 0);
	commit = channel_signed_commitment(w.p.node[0].ch);
	run_block(&r, 100, &commit, 1);
	run_preimage(&r, 2);
	run_until(&r, 120);
	memset(&setup, 0, sizeof(setup));
	setup.ctx = w.p.ctx;
	setup.secrets = &w.p.node[0].secrets;
	setup.sweep_script = sweep_script;
	setup.sweep_script_len = sizeof(sweep_script);
	copy = onchain_deserialize(&setup, r.snapshot, r.snapshot_len, &err);
	CHECK_MSG(copy != NULL, "%s", err);
	if (!copy)
		goto out;
	onchain_serialize(again, copy);
	CHECK(again->len == r.snapshot_len
	      && memcmp(again->data, r.snapshot, again->len) == 0);
	CHECK(onchain_get_close(copy) == ONCHAIN_CLOSE_LOCAL);
	CHECK(onchain_num_outputs(copy) == onchain_num_outputs(r.oc));
	/* Both decide the same at block 501. */
	run_until(&r, 500);
	for (uint32_t h = 121; h <= 501; h++) {
		onchain_effects_init(&fx);
		onchain_block_connected(copy, &fx, h, NULL, 0, &r.rates);
		for (size_t i = 0; i < fx.num_txs; i++)
			if (h == 501) {
				next_a = fx.txs[i].tx;
				fx.txs[i].tx = NULL;
			}
		onchain_effects_clear(&fx);
	}
	run_until(&r, 501);
	next_b = last_sent(&r);
	CHECK(next_a && next_b);
	if (next_a && next_b) {
		struct bitcoin_txid a, b;
		bitcoin_tx_txid(&a, next_a);
		bitcoin_tx_txid(&b, next_b);
		CHECK(bitcoin_txid_eq(&a, &b));
	}
	/* Truncated or trailing bytes are errors, not crashes. */
	for (size_t cut = 0; cut < r.snapshot_len; cut += 97) {
		struct onchain *bad = onchain_deserialize(&setup, r.snapshot, cut, &err);
		CHECK(bad == NULL && err != NULL);
	}
	bitcoin_tx_free(next_a);
	onchain_free(copy);
out:
	wirebuf_free(again);
	bitcoin_tx_free(commit);
	run_free(&r);
	world_free(&w);
}

/* A sweep handed over stays the one: a new feerate estimate does not make
 * another, and after a restart (the database form) the same transaction
 * goes out again. */
static void test_pending_sweep_survives_restart(void)
{
	struct world w;
	struct run r;
	struct bitcoin_tx *commit;
	struct bitcoin_txid sent, again;
	struct onchain_setup setup;
	struct onchain_effects fx;
	struct onchain *copy;
	const char *err = NULL;

	world_open(&w);
	run_init(&r, &w, 0);
	commit = channel_signed_commitment(w.p.node[0].ch);
	run_block(&r, 100, &commit, 1);
	run_until(&r, 244);
	CHECK(r.num_sent == 1);
	if (r.num_sent != 1)
		goto out;
	/* The estimate rises: replaced once at the next block, then that one
	 * stands (its schedule is flat: normal is now above urgent). */
	r.rates.normal_perkw = 5000;
	run_until(&r, 250);
	CHECK(r.num_sent == 2);
	bitcoin_tx_txid(&sent, last_sent(&r));
	memset(&setup, 0, sizeof(setup));
	setup.ctx = w.p.ctx;
	setup.secrets = &w.p.node[0].secrets;
	setup.sweep_script = sweep_script;
	setup.sweep_script_len = sizeof(sweep_script);
	copy = onchain_deserialize(&setup, r.snapshot, r.snapshot_len, &err);
	CHECK_MSG(copy != NULL, "%s", err);
	if (!copy)
		goto out;
	onchain_effects_init(&fx);
	onchain_resume(copy, &fx, &r.rates);
	CHECK(fx.num_txs == 1);
	if (fx.num_txs == 1) {
		bitcoin_tx_txid(&again, fx.txs[0].tx);
		CHECK(bitcoin_txid_eq(&sent, &again));
	}
	onchain_effects_clear(&fx);
	onchain_free(copy);
out:
	bitcoin_tx_free(commit);
	run_free(&r);
	world_free(&w);
}

/* A sweep worth less than its fee is left, and said so once. */
static void test_dust_left(void)
{
	struct world w;
	struct run r;
	struct bitcoin_tx *commit;

	world_open(&w);
	run_init(&r, &w, 0);
	/* A feerate at which the whole to_local would go to the fee. */
	r.rates.normal_perkw = 4000000;
	commit = channel_signed_commitment(w.p.node[0].ch);
	run_block(&r, 100, &commit, 1);
	run_until(&r, 246);
	CHECK(r.num_sent == 0);
	CHECK(count_events(&r, ONCHAIN_EVENT_DUST_LEFT) == 1);
	bitcoin_tx_free(commit);
	run_free(&r);
	world_free(&w);
}

/* A channel without commitments has no view. */
static void test_unfunded_has_no_view(void)
{
	struct pair p;
	struct pair_options o;
	struct channel_onchain_view view;

	pair_default_options(&o);
	o.anchors = true;
	pair_init(&p, &o);
	CHECK(!channel_onchain_view(p.node[0].ch, &view));
	CHECK(pair_open(&p));
	CHECK(channel_onchain_view(p.node[0].ch, &view));
	channel_onchain_view_clear(&view);
	pair_free(&p);
}

/* ---- option_anchors ---- */

/* Whether the interpreter refuses tx once input 0's nSequence is seq and
 * it is signed again (SIGHASH_ALL) with key: the script's CSV, not the
 * signature, decides. */
static bool refused_with_sequence(const struct world *w, const struct bitcoin_tx *tx,
				  const struct privkey *key, uint32_t seq)
{
	struct bitcoin_tx *copy = bitcoin_tx_dup(tx);
	const struct bitcoin_tx_input *in = &copy->inputs[0];
	const struct bitcoin_tx_output *spent = world_find(w, &in->prevout);
	const uint8_t *items[3];
	size_t lens[3], n = in->num_witness;
	uint8_t der[BITCOIN_SIGNATURE_MAX_LEN];
	struct bitcoin_signature sig;
	struct sha256 hash;
	bool refused;

	copy->inputs[0].sequence = seq;
	CHECK(spent && n >= 2 && n <= 3);
	CHECK(bip143_sighash(&hash, copy, 0, in->witness[n - 1].data, in->witness[n - 1].len,
			     spent->amount_sat, SIGHASH_ALL));
	CHECK(bitcoin_signature_sign(w->p.ctx, &sig, &hash, key, SIGHASH_ALL));
	items[0] = der;
	lens[0] = bitcoin_signature_serialize(w->p.ctx, der, &sig);
	/* The other items as they were (tx's: copy's are replaced). */
	for (size_t k = 1; k < n; k++) {
		items[k] = tx->inputs[0].witness[k].data;
		lens[k] = tx->inputs[0].witness[k].len;
	}
	bitcoin_tx_set_witness(copy, 0, items, lens, n);
	refused = !world_verify(w, copy);
	bitcoin_tx_free(copy);
	return refused;
}

/* Node 0's key for its HTLC outputs on the peer's latest commitment. */
static void remote_htlc_key(struct world *w, struct privkey *key)
{
	struct channel_onchain_view view;

	CHECK(channel_onchain_view(w->p.node[0].ch, &view));
	CHECK(channel_derive_privkey(w->p.ctx, key, &w->p.node[0].secrets.htlc_basepoint_secret,
				     &view.remote[0].point));
	channel_onchain_view_clear(&view);
}

/* The amount of output vout of tx. */
static uint64_t amount_of(const struct onchain *oc, int i)
{
	struct onchain_output_info info;

	onchain_get_output(oc, (size_t)i, &info);
	return info.amount_sat;
}

/* Our anchors commitment: both anchors recognised and left (resolved
 * from the start, never spent by us), to_local swept after the delay as
 * without anchors. */
static void test_anchors_local_to_local(void)
{
	struct world w;
	struct run r;
	struct bitcoin_tx *commit, *sweep;
	struct onchain_output_info info;
	int to_local;

	world_open_anchors(&w);
	run_init(&r, &w, 0);
	commit = channel_signed_commitment(w.p.node[0].ch);
	CHECK(commit && world_verify(&w, commit));
	run_block(&r, 100, &commit, 1);
	CHECK(onchain_get_close(r.oc) == ONCHAIN_CLOSE_LOCAL);
	/* to_local, to_remote (theirs), two HTLCs, two anchors. */
	CHECK(onchain_num_outputs(r.oc) == 6);
	CHECK(output_of(r.oc, ONCHAIN_OUT_ANCHOR, 1) >= 0);
	CHECK(output_of(r.oc, ONCHAIN_OUT_ANCHOR, 2) < 0);
	for (int k = 0; k < 2; k++) {
		onchain_get_output(r.oc, (size_t)output_of(r.oc, ONCHAIN_OUT_ANCHOR, (size_t)k), &info);
		CHECK(info.amount_sat == 330 && info.is_resolved && !info.is_dust);
		CHECK(info.spendable_height == 0);
	}
	to_local = output_of(r.oc, ONCHAIN_OUT_DELAYED, 0);
	CHECK(to_local >= 0);
	run_until(&r, 243);
	CHECK(r.num_sent == 0);
	run_until(&r, 244);
	CHECK(r.num_sent == 1);
	sweep = last_sent(&r);
	CHECK(sweep && sweep->num_inputs == 1 && world_verify(&w, sweep));
	CHECK(sweep && sweep->inputs[0].sequence == 145);
	CHECK(sweep && sweep->outputs[0].amount_sat
	      == amount_of(r.oc, to_local) - sweep_fee(sweep, 1000));
	/* One block short of the delay, the script's CSV refuses it. */
	if (sweep) {
		struct bitcoin_tx *early = bitcoin_tx_dup(sweep);
		early->inputs[0].sequence = 144;
		CHECK(!world_verify(&w, early));
		bitcoin_tx_free(early);
	}
	bitcoin_tx_free(commit);
	run_free(&r);
	world_free(&w);
}

/* The peer's anchors commitment: to_remote (P2WSH, 1 OP_CSV) swept to the
 * wallet with nSequence 1 and the payment_basepoint secret; our HTLC
 * claims carry nSequence 1 too (BOLT #3's `1 OP_CHECKSEQUENCEVERIFY`);
 * the anchors are left, and everything resolves without them. */
static void test_anchors_remote_commitment(void)
{
	struct world w;
	struct run r;
	struct bitcoin_tx *commit, *to_remote, *claim, *timeout;
	const struct privkey *pay_key;
	struct privkey htlc_key;
	int out;

	world_open_anchors(&w);
	pay_key = &w.p.node[0].secrets.payment_basepoint_secret;
	remote_htlc_key(&w, &htlc_key);
	run_init(&r, &w, 0);
	commit = channel_signed_commitment(w.p.node[1].ch);
	run_block(&r, 100, &commit, 1);
	CHECK(onchain_get_close(r.oc) == ONCHAIN_CLOSE_REMOTE);
	CHECK(output_of(r.oc, ONCHAIN_OUT_WALLET, 0) < 0);
	out = output_of(r.oc, ONCHAIN_OUT_TO_REMOTE_CSV, 0);
	CHECK(out >= 0);
	CHECK(output_of(r.oc, ONCHAIN_OUT_ANCHOR, 1) >= 0);
	/* Spendable in the next block: handed over at once. */
	CHECK(r.num_sent == 1);
	to_remote = last_sent(&r);
	CHECK(to_remote && to_remote->num_inputs == 1 && world_verify(&w, to_remote));
	CHECK(to_remote && to_remote->inputs[0].sequence == 1);
	CHECK(to_remote && to_remote->inputs[0].num_witness == 2);
	CHECK(to_remote && to_remote->outputs[0].amount_sat
	      == amount_of(r.oc, out) - sweep_fee(to_remote, 1000));
	CHECK(to_remote && to_remote->outputs[0].script_len == 22
	      && memcmp(to_remote->outputs[0].script, sweep_script, 22) == 0);
	/* Without the one block's wait, its CSV refuses it. */
	CHECK(to_remote && !refused_with_sequence(&w, to_remote, pay_key, 1));
	CHECK(to_remote && refused_with_sequence(&w, to_remote, pay_key, 0));
	run_block(&r, 101, &to_remote, 1);
	CHECK(r.num_sent == 1);

	/* B (theirs) with its preimage, nSequence 1. */
	run_preimage(&r, 2);
	CHECK(r.num_sent == 2);
	claim = last_sent(&r);
	CHECK(claim && world_verify(&w, claim) && claim->inputs[0].sequence == 1);
	CHECK(claim && claim->outputs[0].amount_sat == 40000 - sweep_fee(claim, 2500));
	CHECK(claim && !refused_with_sequence(&w, claim, &htlc_key, 1));
	CHECK(claim && refused_with_sequence(&w, claim, &htlc_key, 0));

	/* A (ours) after its expiry, nSequence 1 and locktime 501 (B's claim
	 * replaced meanwhile). */
	run_until(&r, 501);
	{
		struct bitcoin_outpoint a_op = outpoint_of(r.oc, output_of(r.oc,
						ONCHAIN_OUT_REMOTE_HTLC_TIMEOUT, 0));
		timeout = last_spending(&r, &a_op, NULL);
		claim = last_spending(&r, &claim->inputs[0].prevout, NULL);
	}
	CHECK(claim && world_verify(&w, claim) && claim->inputs[0].sequence == 1);
	CHECK(timeout && world_verify(&w, timeout) && timeout->locktime == 501);
	CHECK(timeout && timeout->inputs[0].sequence == 1);
	CHECK(timeout && timeout->outputs[0].amount_sat == 50000 - sweep_fee(timeout, 2500));
	CHECK(timeout && !refused_with_sequence(&w, timeout, &htlc_key, 1));
	CHECK(timeout && refused_with_sequence(&w, timeout, &htlc_key, 0));
	run_block(&r, 502, (struct bitcoin_tx *[]){ claim, timeout }, 2);
	run_until(&r, 507);
	CHECK(count_events(&r, ONCHAIN_EVENT_HTLC_FAILED) == 1);
	run_until(&r, 600);
	CHECK(count_events(&r, ONCHAIN_EVENT_ALL_RESOLVED) == 0);
	run_until(&r, 601);
	CHECK(count_events(&r, ONCHAIN_EVENT_ALL_RESOLVED) == 1);
	bitcoin_tx_free(commit);
	run_free(&r);
	world_free(&w);
}

/* A revoked anchors commitment: the justice transaction takes to_local and
 * both HTLC outputs with the revocation key (no CSV on that branch), the
 * to_remote is swept after its block, the anchors are left. */
static void test_anchors_revoked_penalty(void)
{
	struct world w;
	struct run r;
	struct bitcoin_tx *old, *justice = NULL, *to_remote = NULL;
	uint64_t total = 0;

	world_open_anchors(&w);
	old = revoke_one(&w, NULL);
	run_init(&r, &w, 0);
	run_block(&r, 100, &old, 1);
	CHECK(onchain_get_close(r.oc) == ONCHAIN_CLOSE_REVOKED);
	CHECK(output_of(r.oc, ONCHAIN_OUT_TO_REMOTE_CSV, 0) >= 0);
	CHECK(output_of(r.oc, ONCHAIN_OUT_PENALTY, 2) >= 0);
	CHECK(output_of(r.oc, ONCHAIN_OUT_ANCHOR, 1) >= 0);
	CHECK(output_of(r.oc, ONCHAIN_OUT_THEIRS, 0) < 0);
	CHECK(r.num_sent == 2);
	for (size_t i = 0; i < r.num_sent; i++) {
		if (r.sent[i]->num_inputs == 3)
			justice = r.sent[i];
		else
			to_remote = r.sent[i];
	}
	CHECK(justice && world_verify(&w, justice));
	for (size_t i = 0; justice && i < justice->num_inputs; i++)
		total += world_find(&w, &justice->inputs[i].prevout)->amount_sat;
	CHECK(justice && justice->outputs[0].amount_sat == total - sweep_fee(justice, 2500));
	CHECK(to_remote && world_verify(&w, to_remote) && to_remote->inputs[0].sequence == 1);
	CHECK(to_remote && refused_with_sequence(&w, to_remote,
						 &w.p.node[0].secrets.payment_basepoint_secret, 0));
	run_block(&r, 101, (struct bitcoin_tx *[]){ justice, to_remote }, 2);
	run_until(&r, 200);
	CHECK(onchain_is_resolved(r.oc));
	bitcoin_tx_free(old);
	run_free(&r);
	world_free(&w);
}

/* The test's wallet: coins on the world's chain, each P2WPKH to its own
 * key, handed out once each. */
struct test_wallet {
	struct onchain_fee_coin coins[2];
	size_t num_coins, num_given;
	uint64_t last_min_sat;
};

static bool test_wallet_get_coin(void *arg, uint64_t min_sat, struct onchain_fee_coin *coin)
{
	struct test_wallet *tw = arg;

	tw->last_min_sat = min_sat;
	if (tw->num_given == tw->num_coins || tw->coins[tw->num_given].amount_sat < min_sat)
		return false;
	*coin = tw->coins[tw->num_given++];
	return true;
}

/* Puts a coin of amount_sat for the wallet on the world's chain. */
static void test_wallet_add(struct test_wallet *tw, struct world *w, uint64_t amount_sat,
			    uint8_t key_byte)
{
	struct onchain_fee_coin *coin = &tw->coins[tw->num_coins++];
	struct bitcoin_outpoint nowhere = { .vout = key_byte };
	struct bitcoin_tx *tx = bitcoin_tx_new(2, 0);
	struct wirebuf *script = wirebuf_new();
	struct pubkey pubkey;

	memset(coin, 0, sizeof(*coin));
	memset(&coin->key, key_byte, sizeof(coin->key));
	CHECK(pubkey_from_privkey(w->p.ctx, &pubkey, &coin->key));
	script_p2wpkh_for_pubkey(script, w->p.ctx, &pubkey);
	CHECK(script->len == sizeof(coin->script));
	memcpy(coin->script, script->data, script->len);
	bitcoin_tx_add_input(tx, &nowhere, 0xffffffff);
	bitcoin_tx_add_output(tx, amount_sat, script->data, script->len);
	bitcoin_tx_txid(&coin->outpoint.txid, tx);
	coin->outpoint.vout = 0;
	coin->amount_sat = amount_sat;
	world_add(w, tx);
	bitcoin_tx_free(tx);
	wirebuf_free(script);
}

/* The fee an anchors HTLC transaction of ours pays: its weight with its
 * three signatures counted at 73 bytes. */
static uint64_t anchor_htlc_fee(const struct bitcoin_tx *tx, uint32_t feerate_perkw)
{
	size_t weight = bitcoin_tx_weight(tx);

	weight += 3 * 73 - tx->inputs[0].witness[1].len - tx->inputs[0].witness[2].len
		- tx->inputs[1].witness[0].len;
	return ((uint64_t)feerate_perkw * weight + 999) / 1000;
}

/* Checks tx, our anchors HTLC transaction of the HTLC of amount_sat with
 * coin paying its fee: the HTLC's value whole in output 0 (BOLT 3: zero
 * fee), the coin less the fee as change to the sweep script, the peer's
 * signature SIGHASH_SINGLE|ANYONECANPAY and ours SIGHASH_ALL, all through
 * the interpreter. */
static void check_anchor_htlc_tx(struct world *w, const struct bitcoin_tx *tx,
				 uint64_t amount_sat, const struct onchain_fee_coin *coin,
				 uint32_t feerate_perkw)
{
	CHECK(tx->num_inputs == 2 && tx->num_outputs == 2);
	if (tx->num_inputs != 2 || tx->num_outputs != 2)
		return;
	CHECK(world_verify(w, tx));
	CHECK(tx->inputs[0].sequence == 1);
	CHECK(tx->inputs[0].num_witness == 5 && tx->inputs[1].num_witness == 2);
	CHECK(tx->inputs[0].witness[1].data[tx->inputs[0].witness[1].len - 1] == 0x83);
	CHECK(tx->inputs[0].witness[2].data[tx->inputs[0].witness[2].len - 1] == 0x01);
	CHECK(bitcoin_txid_eq(&tx->inputs[1].prevout.txid, &coin->outpoint.txid)
	      && tx->inputs[1].prevout.vout == coin->outpoint.vout);
	CHECK(tx->outputs[0].amount_sat == amount_sat);
	CHECK(tx->outputs[1].script_len == sizeof(sweep_script)
	      && memcmp(tx->outputs[1].script, sweep_script, sizeof(sweep_script)) == 0);
	CHECK(tx->outputs[1].amount_sat == coin->amount_sat - anchor_htlc_fee(tx, feerate_perkw));
	/* The peer's signature read as SIGHASH_ALL does not hold: it is
	 * SINGLE|ANYONECANPAY, which lets our input and change be added. */
	{
		struct bitcoin_tx *copy = bitcoin_tx_dup(tx);
		copy->inputs[0].witness[1].data[copy->inputs[0].witness[1].len - 1] = 0x01;
		CHECK(!world_verify(w, copy));
		bitcoin_tx_free(copy);
	}
	/* At least the feerate over its weight: a real fee. */
	CHECK(anchor_htlc_fee(tx, feerate_perkw) >= 2500 * bitcoin_tx_weight(tx) / 1000);
}

/* Our anchors commitment's HTLCs: the zero-fee HTLC-success and
 * HTLC-timeout get a wallet coin and change; without a coin they wait;
 * each coin is used once; their outputs are swept after the delay. */
static void test_anchors_local_htlcs_fee_from_the_wallet(void)
{
	struct world w;
	struct run r;
	struct test_wallet tw;
	struct onchain_fee_source source = { .get_coin = test_wallet_get_coin, .arg = &tw };
	struct bitcoin_tx *commit, *success, *timeout, *sweep;

	world_open_anchors(&w);
	memset(&tw, 0, sizeof(tw));
	test_wallet_add(&tw, &w, 20000, 0x31);
	test_wallet_add(&tw, &w, 30000, 0x32);
	run_init(&r, &w, 0);
	commit = channel_signed_commitment(w.p.node[0].ch);
	run_block(&r, 100, &commit, 1);
	CHECK(output_of(r.oc, ONCHAIN_OUT_LOCAL_HTLC_SUCCESS, 0) >= 0);
	CHECK(output_of(r.oc, ONCHAIN_OUT_LOCAL_HTLC_TIMEOUT, 0) >= 0);

	/* No wallet: B's HTLC-success waits, it is not sent zero-fee. */
	run_preimage(&r, 2);
	CHECK(r.num_sent == 0);
	r.rates.fee_source = &source;
	run_block(&r, 101, NULL, 0);
	CHECK(r.num_sent == 1 && tw.num_given == 1);
	/* Asked for the fee at 2500 perkw of 1102 weight, and a change. */
	CHECK(tw.last_min_sat == (2500 * 1102 + 999) / 1000 + 330);
	success = last_sent(&r);
	check_anchor_htlc_tx(&w, success, 40000, &tw.coins[0], 2500);
	CHECK(success->locktime == 0 && success->inputs[0].witness[3].len == 32);
	/* Pending: not built again (nor another coin taken) at the next block. */
	run_block(&r, 102, NULL, 0);
	CHECK(r.num_sent == 1 && tw.num_given == 1);
	run_block(&r, 103, &success, 1);
	CHECK(output_of(r.oc, ONCHAIN_OUT_DELAYED, 1) >= 0);

	/* A times out: HTLC-timeout with the second coin, locktime 501. */
	run_until(&r, 500);
	CHECK(tw.num_given == 1);
	run_until(&r, 501);
	CHECK(tw.num_given == 2);
	timeout = NULL;
	for (size_t i = 0; i < r.num_sent; i++)
		if (r.sent[i]->locktime == 501)
			timeout = r.sent[i];
	CHECK(timeout != NULL);
	if (timeout) {
		check_anchor_htlc_tx(&w, timeout, 50000, &tw.coins[1], 2500);
		CHECK(timeout->inputs[0].witness[3].len == 0);
		run_block(&r, 502, &timeout, 1);
	}
	/* Both confirmed: neither abandoned. */
	CHECK(r.num_abandoned == 0);
	/* Its output (output 0) swept after the delay, as without anchors. */
	run_until(&r, 502 + 144);
	sweep = last_sent(&r);
	if (timeout && sweep) {
		struct bitcoin_txid timeout_txid;
		bitcoin_tx_txid(&timeout_txid, timeout);
		CHECK(sweep->num_inputs == 1 && sweep->inputs[0].prevout.vout == 0
		      && bitcoin_txid_eq(&sweep->inputs[0].prevout.txid, &timeout_txid));
	}
	CHECK(sweep && world_verify(&w, sweep) && sweep->inputs[0].sequence == 145);
	CHECK(sweep && sweep->outputs[0].amount_sat == 50000 - sweep_fee(sweep, 1000));
	bitcoin_tx_free(commit);
	run_free(&r);
	world_free(&w);
}

/* Our anchors HTLC-success waits in the mempool when the peer takes the
 * HTLC output its own way: the transaction is given up (abandoned), so the
 * wallet frees its fee coin. */
static void test_anchors_htlc_tx_beaten_is_abandoned(void)
{
	struct world w;
	struct run r;
	struct test_wallet tw;
	struct onchain_fee_source source = { .get_coin = test_wallet_get_coin, .arg = &tw };
	struct bitcoin_tx *commit, *success, *theirs;
	struct onchain_output_info info;
	struct bitcoin_txid success_txid;

	world_open_anchors(&w);
	memset(&tw, 0, sizeof(tw));
	test_wallet_add(&tw, &w, 20000, 0x33);
	run_init(&r, &w, 0);
	r.rates.fee_source = &source;
	commit = channel_signed_commitment(w.p.node[0].ch);
	run_block(&r, 100, &commit, 1);
	run_preimage(&r, 2);
	CHECK(r.num_sent == 1);
	success = last_sent(&r);
	CHECK(success != NULL);
	if (!success)
		return;
	bitcoin_tx_txid(&success_txid, success);
	/* The peer's spend of the same output (its timeout path). */
	onchain_get_output(r.oc, (size_t)output_of(r.oc, ONCHAIN_OUT_LOCAL_HTLC_SUCCESS, 0), &info);
	theirs = bitcoin_tx_new(2, 502);
	bitcoin_tx_add_input(theirs, &info.outpoint, 1);
	bitcoin_tx_add_output(theirs, 39000, sweep_script, sizeof(sweep_script));
	run_block(&r, 101, &theirs, 1);
	CHECK(r.num_abandoned == 1 && bitcoin_txid_eq(&r.abandoned[0], &success_txid));
	/* Once only. */
	run_block(&r, 102, NULL, 0);
	CHECK(r.num_abandoned == 1 && r.num_sent == 1);
	bitcoin_tx_free(theirs);
	bitcoin_tx_free(commit);
	run_free(&r);
	world_free(&w);
}

/* A cheater's anchors HTLC-success of its revoked commitment (a fee input
 * and change of its own added, as ours are) confirms before the justice
 * transaction: the next justice takes its HTLC output (output 0) with the
 * revocation key, and leaves the cheater's change alone. */
static void test_anchors_revoked_second_stage(void)
{
	struct world w;
	struct run r, cheater;
	struct test_wallet tw;
	struct onchain_fee_source source = { .get_coin = test_wallet_get_coin, .arg = &tw };
	struct bitcoin_tx *old, *success, *justice = NULL;
	struct bitcoin_txid success_txid;
	bool takes_output = false, takes_change = false;

	world_open_anchors(&w);
	memset(&tw, 0, sizeof(tw));
	test_wallet_add(&tw, &w, 20000, 0x34);
	old = revoke_one(&w, &cheater);
	cheater.rates.fee_source = &source;
	run_init(&r, &w, 0);
	run_block(&r, 100, &old, 1);
	run_block(&cheater, 100, &old, 1);
	CHECK(onchain_get_close(cheater.oc) == ONCHAIN_CLOSE_LOCAL);
	run_preimage(&cheater, 1);
	CHECK(cheater.num_sent == 1);
	success = last_sent(&cheater);
	CHECK(success && success->num_inputs == 2 && world_verify(&w, success));
	if (!success)
		goto out;
	bitcoin_tx_txid(&success_txid, success);
	run_block(&r, 101, &success, 1);
	CHECK(count_events(&r, ONCHAIN_EVENT_PREIMAGE) == 1);
	for (size_t i = 0; i < r.num_sent; i++)
		if (r.sent[i]->num_inputs == 3)
			justice = r.sent[i];
	CHECK(justice && world_verify(&w, justice));
	for (size_t i = 0; justice && i < justice->num_inputs; i++) {
		const struct bitcoin_outpoint *op = &justice->inputs[i].prevout;
		if (bitcoin_txid_eq(&op->txid, &success_txid)) {
			takes_output |= op->vout == 0;
			takes_change |= op->vout == 1;
		}
	}
	CHECK(takes_output && !takes_change);
	CHECK(output_of(r.oc, ONCHAIN_OUT_PENALTY, 3) >= 0);
out:
	bitcoin_tx_free(old);
	run_free(&cheater);
	run_free(&r);
	world_free(&w);
}

/* ---- Replacements (BIP125) ---- */

/* The schedule: the estimate at the first broadcast, rising linearly to
 * the cap at the deadline, flat after; never below its start. */
static void test_sweep_feerate_schedule(void)
{
	uint32_t last = 0;

	CHECK(onchain_sweep_feerate(1000, 2500, 100, 400, 100) == 1000);
	CHECK(onchain_sweep_feerate(1000, 2500, 100, 400, 99) == 1000);
	CHECK(onchain_sweep_feerate(1000, 2500, 100, 400, 250) == 1750);
	CHECK(onchain_sweep_feerate(1000, 2500, 100, 400, 101) == 1005);
	CHECK(onchain_sweep_feerate(1000, 2500, 100, 400, 399) == 2495);
	CHECK(onchain_sweep_feerate(1000, 2500, 100, 400, 400) == 2500);
	CHECK(onchain_sweep_feerate(1000, 2500, 100, 400, 5000) == 2500);
	/* Handed over at or after its deadline: the cap at once. */
	CHECK(onchain_sweep_feerate(1000, 2500, 400, 400, 400) == 2500);
	CHECK(onchain_sweep_feerate(1000, 2500, 500, 400, 500) == 2500);
	/* A cap below the start (the estimates crossed): flat. */
	CHECK(onchain_sweep_feerate(5000, 2500, 100, 400, 300) == 5000);
	/* No overflow at the extremes. */
	CHECK(onchain_sweep_feerate(0, UINT32_MAX, 0, UINT32_MAX, UINT32_MAX - 1)
	      == UINT32_MAX - 1);
	for (uint32_t tip = 90; tip < 420; tip++) {
		uint32_t rate = onchain_sweep_feerate(253, 10000, 100, 400, tip);
		CHECK(rate >= last && rate >= 253 && rate <= 10000);
		last = rate;
	}
}

/* The versions handed over of the sweep spending op, in order. */
static size_t versions_of(const struct run *r, const struct bitcoin_outpoint *op,
			  size_t *idx, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < r->num_sent && n < max; i++) {
		const struct bitcoin_outpoint *in = &r->sent[i]->inputs[0].prevout;
		struct bitcoin_txid a, b;
		if (in->vout != op->vout || !bitcoin_txid_eq(&in->txid, &op->txid))
			continue;
		/* Re-sent the same (a restart): not a new version. */
		if (n) {
			bitcoin_tx_txid(&a, r->sent[idx[n - 1]]);
			bitcoin_tx_txid(&b, r->sent[i]);
			if (bitcoin_txid_eq(&a, &b))
				continue;
		}
		idx[n++] = i;
	}
	return n;
}

/* Checks that each version replaces the one before as BIP125 asks: the
 * same inputs, a strictly higher absolute fee, higher by at least the
 * incremental relay feerate (1 sat/vB) times its own size, signalling
 * replaceability; each is valid.  fee_of(i): what version i pays. */
static void check_replacements(const struct run *r, const size_t *idx, size_t n)
{
	for (size_t k = 1; k < n; k++) {
		const struct bitcoin_tx *old = r->sent[idx[k - 1]], *tx = r->sent[idx[k]];
		uint64_t old_fee = r->sent_as[idx[k - 1]].fee_sat, fee = r->sent_as[idx[k]].fee_sat;
		uint64_t vsize = (bitcoin_tx_weight(tx) + 3) / 4;
		struct bitcoin_txid old_txid;

		CHECK(tx->num_inputs == old->num_inputs);
		for (size_t i = 0; i < tx->num_inputs && i < old->num_inputs; i++) {
			CHECK(tx->inputs[i].prevout.vout == old->inputs[i].prevout.vout
			      && bitcoin_txid_eq(&tx->inputs[i].prevout.txid,
						 &old->inputs[i].prevout.txid));
			CHECK(tx->inputs[i].sequence < 0xfffffffe);
		}
		CHECK_MSG(fee > old_fee && fee - old_fee >= vsize, "version %zu: %llu after %llu",
			  k, (unsigned long long)fee, (unsigned long long)old_fee);
		CHECK(r->sent_as[idx[k]].feerate_perkw > r->sent_as[idx[k - 1]].feerate_perkw);
		CHECK(r->sent_as[idx[k]].is_replacement);
		bitcoin_tx_txid(&old_txid, old);
		CHECK(bitcoin_txid_eq(&r->sent_as[idx[k]].replaces, &old_txid));
		CHECK(world_verify(r->w, tx));
	}
}

/* A to_local sweep not confirmed is replaced as its week runs out, from
 * the normal estimate up to the urgent one at its deadline, then left at
 * that cap; what it pays is exactly its fee (the sweep's output is the
 * rest). */
static void test_to_local_sweep_replaced_until_its_deadline(void)
{
	struct world w;
	struct run r;
	struct bitcoin_tx *commit;
	struct bitcoin_outpoint op;
	size_t idx[MAX_SEEN], n, after;
	uint64_t amount;
	int to_local;

	world_open(&w);
	run_init(&r, &w, 0);
	commit = channel_signed_commitment(w.p.node[0].ch);
	run_block(&r, 100, &commit, 1);
	to_local = output_of(r.oc, ONCHAIN_OUT_DELAYED, 0);
	op = outpoint_of(r.oc, to_local);
	amount = amount_of(r.oc, to_local);
	run_until(&r, 244);
	n = versions_of(&r, &op, idx, MAX_SEEN);
	CHECK(n == 1 && r.sent_as[idx[0]].feerate_perkw == 1000);
	CHECK(n == 1 && r.sent_as[idx[0]].deadline == 245 + ONCHAIN_SWEEP_DEADLINE_BLOCKS);
	/* The schedule rises 1.5 perkw a block: the first replacement
	 * waits until it pays BIP125's minimum more. */
	run_until(&r, 260);
	CHECK(versions_of(&r, &op, idx, MAX_SEEN) == 1);
	run_until(&r, 245 + ONCHAIN_SWEEP_DEADLINE_BLOCKS);
	n = versions_of(&r, &op, idx, MAX_SEEN);
	CHECK_MSG(n > 2, "%zu versions", n);
	check_replacements(&r, idx, n);
	for (size_t k = 0; k < n; k++) {
		const struct bitcoin_tx *tx = r.sent[idx[k]];
		uint32_t rate = r.sent_as[idx[k]].feerate_perkw;
		CHECK(rate == onchain_sweep_feerate(1000, 2500, 244,
						    245 + ONCHAIN_SWEEP_DEADLINE_BLOCKS,
						    r.sent_tip[idx[k]]));
		CHECK(r.sent_as[idx[k]].fee_sat == sweep_fee(tx, rate));
		CHECK(tx->outputs[0].amount_sat == amount - r.sent_as[idx[k]].fee_sat);
		CHECK(tx->inputs[0].sequence == 145);
	}
	/* The last at the cap, the urgent estimate, to within BIP125's least
	 * step (a version closer to it would not pay 1 sat/vB more); none
	 * after. */
	CHECK(n && r.sent_as[idx[n - 1]].feerate_perkw <= 2500
	      && r.sent_as[idx[n - 1]].feerate_perkw > 2500 - ONCHAIN_INCREMENTAL_RELAY_PERKW);
	run_until(&r, 1400);
	after = versions_of(&r, &op, idx, MAX_SEEN);
	CHECK(after == n);
	/* The last version confirms: nothing more is sent for it. */
	if (n) {
		struct bitcoin_tx *last = r.sent[idx[n - 1]];
		run_block(&r, 1401, &last, 1);
		run_until(&r, 1410);
		CHECK(versions_of(&r, &op, idx, MAX_SEEN) == n);
		struct onchain_output_info info;
		onchain_get_output(r.oc, (size_t)to_local, &info);
		CHECK(info.is_resolved);
	}
	bitcoin_tx_free(commit);
	run_free(&r);
	world_free(&w);
}

/* An HTLC claim on the peer's commitment rises from the urgent estimate
 * to ONCHAIN_HTLC_MAX_BUMP times it at the HTLC's expiry; a replacement
 * that would leave dust is not made (the cap of a small HTLC). */
static void test_htlc_claim_replaced_up_to_its_cap(void)
{
	struct world w;
	struct run r;
	struct bitcoin_tx *commit;
	struct bitcoin_outpoint b_op;
	size_t idx[MAX_SEEN], n;

	world_open(&w);
	run_init(&r, &w, 0);
	commit = channel_signed_commitment(w.p.node[1].ch);
	run_block(&r, 100, &commit, 1);
	b_op = outpoint_of(r.oc, output_of(r.oc, ONCHAIN_OUT_REMOTE_HTLC_SUCCESS, 0));
	run_preimage(&r, 2);
	run_until(&r, 520);
	n = versions_of(&r, &b_op, idx, MAX_SEEN);
	CHECK_MSG(n > 2, "%zu versions", n);
	check_replacements(&r, idx, n);
	CHECK(n && r.sent_as[idx[0]].feerate_perkw == 2500);
	CHECK(n && r.sent_as[idx[n - 1]].feerate_perkw <= 2500 * ONCHAIN_HTLC_MAX_BUMP
	      && r.sent_as[idx[n - 1]].feerate_perkw
	      > 2500 * ONCHAIN_HTLC_MAX_BUMP - ONCHAIN_INCREMENTAL_RELAY_PERKW);
	CHECK(n && r.sent_as[idx[n - 1]].deadline == 502);
	for (size_t k = 0; k < n; k++)
		CHECK(r.sent[idx[k]]->outputs[0].amount_sat
		      == 40000 - sweep_fee(r.sent[idx[k]], r.sent_as[idx[k]].feerate_perkw));
	bitcoin_tx_free(commit);
	run_free(&r);

	/* Urgent at 30000 perkw: no version of B's 40000 sat would leave 330
	 * at four times that: the replacements stop below, none leaves
	 * dust. */
	run_init(&r, &w, 0);
	r.rates.urgent_perkw = 30000;
	commit = channel_signed_commitment(w.p.node[1].ch);
	run_block(&r, 100, &commit, 1);
	run_preimage(&r, 2);
	run_until(&r, 520);
	n = versions_of(&r, &b_op, idx, MAX_SEEN);
	CHECK(n > 1);
	check_replacements(&r, idx, n);
	for (size_t k = 0; k < n; k++)
		CHECK(r.sent[idx[k]]->outputs[0].amount_sat >= ONCHAIN_DUST_SAT);
	CHECK(n && r.sent_as[idx[n - 1]].feerate_perkw < 30000 * ONCHAIN_HTLC_MAX_BUMP);
	/* At the cap it would be dust. */
	CHECK(n && 40000 < sweep_fee(r.sent[idx[n - 1]], 30000 * ONCHAIN_HTLC_MAX_BUMP)
			   + ONCHAIN_DUST_SAT);
	bitcoin_tx_free(commit);
	run_free(&r);
	world_free(&w);
}

/* Our commitment without option_anchors: the HTLC-timeout is signed by
 * the peer at the commitment's feerate and goes out once, never
 * replaced. */
static void test_presigned_htlc_tx_not_replaced(void)
{
	struct world w;
	struct run r;
	struct bitcoin_tx *commit;
	struct bitcoin_outpoint a_op;
	size_t idx[MAX_SEEN];

	world_open(&w);
	run_init(&r, &w, 0);
	commit = channel_signed_commitment(w.p.node[0].ch);
	run_block(&r, 100, &commit, 1);
	a_op = outpoint_of(r.oc, output_of(r.oc, ONCHAIN_OUT_LOCAL_HTLC_TIMEOUT, 0));
	run_until(&r, 501);
	CHECK(versions_of(&r, &a_op, idx, MAX_SEEN) == 1);
	r.rates.urgent_perkw = 50000;
	run_until(&r, 640);
	CHECK(versions_of(&r, &a_op, idx, MAX_SEEN) == 1);
	bitcoin_tx_free(commit);
	run_free(&r);
	world_free(&w);
}

/* No replacement on the caller's fallback rates (a restart before the
 * first estimate), nor on resuming: only at a block, on estimates. */
static void test_no_replacement_on_fallback_rates(void)
{
	struct world w;
	struct run r;
	struct bitcoin_tx *commit;
	struct bitcoin_outpoint op;
	struct onchain_effects fx;
	size_t idx[MAX_SEEN];

	world_open(&w);
	run_init(&r, &w, 0);
	commit = channel_signed_commitment(w.p.node[0].ch);
	run_block(&r, 100, &commit, 1);
	op = outpoint_of(r.oc, output_of(r.oc, ONCHAIN_OUT_DELAYED, 0));
	run_until(&r, 244);
	CHECK(versions_of(&r, &op, idx, MAX_SEEN) == 1);
	r.rates.normal_perkw = 5000;
	r.rates.is_fallback = true;
	run_until(&r, 250);
	CHECK(versions_of(&r, &op, idx, MAX_SEEN) == 1);
	r.rates.is_fallback = false;
	onchain_effects_init(&fx);
	onchain_resume(r.oc, &fx, &r.rates);
	run_absorb(&r, &fx);
	CHECK(versions_of(&r, &op, idx, MAX_SEEN) == 1);
	run_until(&r, 251);
	CHECK(versions_of(&r, &op, idx, MAX_SEEN) == 2);
	bitcoin_tx_free(commit);
	run_free(&r);
	world_free(&w);
}

/* The test wallet hands the same coin again for a replacement. */
static bool test_wallet_same_coin(void *arg, const struct bitcoin_outpoint *op,
				  struct onchain_fee_coin *coin)
{
	struct test_wallet *tw = arg;

	for (size_t i = 0; i < tw->num_given; i++)
		if (tw->coins[i].outpoint.vout == op->vout
		    && bitcoin_txid_eq(&tw->coins[i].outpoint.txid, &op->txid)) {
			*coin = tw->coins[i];
			return true;
		}
	return false;
}

/* Our anchors HTLC-success not confirmed: replaced with more fee from the
 * same wallet coin (less change), each version before abandoned so the
 * wallet forgets it; it stops where the coin cannot pay more. */
static void test_anchors_htlc_tx_replaced_from_the_same_coin(void)
{
	struct world w;
	struct run r;
	struct test_wallet tw;
	struct onchain_fee_source source = { .get_coin = test_wallet_get_coin,
					     .get_same_coin = test_wallet_same_coin,
					     .arg = &tw };
	struct bitcoin_tx *commit;
	struct bitcoin_outpoint b_op;
	size_t idx[MAX_SEEN], n;

	world_open_anchors(&w);
	memset(&tw, 0, sizeof(tw));
	/* Enough for about twice the first fee (2755 sat at 2500 perkw). */
	test_wallet_add(&tw, &w, 6000, 0x34);
	run_init(&r, &w, 0);
	r.rates.fee_source = &source;
	commit = channel_signed_commitment(w.p.node[0].ch);
	run_block(&r, 100, &commit, 1);
	b_op = outpoint_of(r.oc, output_of(r.oc, ONCHAIN_OUT_LOCAL_HTLC_SUCCESS, 0));
	run_preimage(&r, 2);
	run_until(&r, 503);
	n = versions_of(&r, &b_op, idx, MAX_SEEN);
	CHECK_MSG(n > 2, "%zu versions", n);
	CHECK(tw.num_given == 1);
	check_replacements(&r, idx, n);
	for (size_t k = 0; k < n; k++) {
		const struct bitcoin_tx *tx = r.sent[idx[k]];
		check_anchor_htlc_tx(&w, tx, 40000, &tw.coins[0], r.sent_as[idx[k]].feerate_perkw);
		CHECK(r.sent_as[idx[k]].has_fee_coin);
		CHECK(tx->num_outputs == 2
		      && r.sent_as[idx[k]].fee_sat == 6000 - tx->outputs[1].amount_sat);
	}
	/* Each replaced version abandoned (the wallet forgets it, its coin
	 * taken again by the next), the last not. */
	CHECK(r.num_abandoned == n - 1);
	for (size_t k = 0; k + 1 < n && k < r.num_abandoned; k++) {
		struct bitcoin_txid txid;
		bitcoin_tx_txid(&txid, r.sent[idx[k]]);
		CHECK(bitcoin_txid_eq(&r.abandoned[k], &txid));
	}
	/* The coin's limit: the change never below dust, the last short of
	 * the schedule's cap. */
	CHECK(n && r.sent[idx[n - 1]]->outputs[1].amount_sat >= ONCHAIN_DUST_SAT);
	CHECK(n && r.sent_as[idx[n - 1]].feerate_perkw < 2500 * ONCHAIN_HTLC_MAX_BUMP);
	bitcoin_tx_free(commit);
	run_free(&r);
	world_free(&w);
}

/* A version 1 snapshot (no fee kept with the pending transactions) still
 * loads: the same sweep is handed over again, and replaced later with its
 * fee counted from what it spends. */
static void test_version_1_snapshot_loads(void)
{
	struct world w;
	struct run r;
	struct bitcoin_tx *commit;
	struct onchain_setup setup;
	struct onchain_effects fx;
	struct onchain *copy;
	uint8_t *v1;
	size_t v1_len;
	const char *err = NULL;
	struct bitcoin_txid sent, again;
	uint64_t old_fee;

	world_open(&w);
	run_init(&r, &w, 0);
	commit = channel_signed_commitment(w.p.node[0].ch);
	run_block(&r, 100, &commit, 1);
	run_until(&r, 244);
	CHECK(r.num_sent == 1 && r.snapshot);
	if (r.num_sent != 1 || !r.snapshot)
		goto out;
	bitcoin_tx_txid(&sent, r.sent[0]);
	old_fee = r.sent_as[0].fee_sat;
	/* Version 2 ends with the one pending transaction's 24 bytes of fee
	 * and a count of 0 known HTLCs: drop those 24, call it version 1. */
	v1_len = r.snapshot_len - 24;
	v1 = malloc(v1_len);
	memcpy(v1, r.snapshot, r.snapshot_len - 28);
	memcpy(v1 + r.snapshot_len - 28, r.snapshot + r.snapshot_len - 4, 4);
	CHECK(v1[4] == 0 && v1[5] == 2);
	v1[5] = 1;
	memset(&setup, 0, sizeof(setup));
	setup.ctx = w.p.ctx;
	setup.secrets = &w.p.node[0].secrets;
	setup.sweep_script = sweep_script;
	setup.sweep_script_len = sizeof(sweep_script);
	copy = onchain_deserialize(&setup, v1, v1_len, &err);
	CHECK_MSG(copy != NULL, "%s", err);
	/* The same bytes as version 2 do not parse. */
	v1[5] = 2;
	{
		struct onchain *bad = onchain_deserialize(&setup, v1, v1_len, &err);
		CHECK(bad == NULL);
		onchain_free(bad);
	}
	free(v1);
	if (!copy)
		goto out;
	onchain_effects_init(&fx);
	onchain_resume(copy, &fx, &r.rates);
	CHECK(fx.num_txs == 1);
	if (fx.num_txs == 1) {
		bitcoin_tx_txid(&again, fx.txs[0].tx);
		CHECK(bitcoin_txid_eq(&sent, &again));
		CHECK(fx.txs[0].fee_sat == old_fee);
	}
	onchain_effects_clear(&fx);
	/* The estimate rises: replaced, paying BIP125's minimum more. */
	r.rates.normal_perkw = 3000;
	onchain_block_connected(copy, &fx, 245, NULL, 0, &r.rates);
	CHECK(fx.num_txs == 1);
	if (fx.num_txs == 1) {
		CHECK(fx.txs[0].is_replacement && bitcoin_txid_eq(&fx.txs[0].replaces, &sent));
		CHECK(fx.txs[0].fee_sat >= old_fee + (bitcoin_tx_weight(fx.txs[0].tx) + 3) / 4);
		CHECK(fx.txs[0].fee_sat == sweep_fee(fx.txs[0].tx, 3000));
	}
	onchain_effects_clear(&fx);
	onchain_free(copy);
out:
	bitcoin_tx_free(commit);
	run_free(&r);
	world_free(&w);
}

int main(void)
{
	RUN(test_local_commitment);
	RUN(test_remote_commitment);
	RUN(test_remote_reveals_preimage);
	RUN(test_remote_previous_commitment);
	RUN(test_revoked_penalty);
	RUN(test_revoked_second_stage);
	RUN(test_penalty_bump_is_capped);
	RUN(test_revoked_htlc_gone_from_the_channel);
	RUN(test_mutual_close);
	RUN(test_reorg);
	RUN(test_unknown_commitment);
	RUN(test_serialize_round_trip);
	RUN(test_pending_sweep_survives_restart);
	RUN(test_dust_left);
	RUN(test_unfunded_has_no_view);
	RUN(test_anchors_local_to_local);
	RUN(test_anchors_remote_commitment);
	RUN(test_anchors_revoked_penalty);
	RUN(test_anchors_local_htlcs_fee_from_the_wallet);
	RUN(test_anchors_htlc_tx_beaten_is_abandoned);
	RUN(test_anchors_revoked_second_stage);
	RUN(test_sweep_feerate_schedule);
	RUN(test_to_local_sweep_replaced_until_its_deadline);
	RUN(test_htlc_claim_replaced_up_to_its_cap);
	RUN(test_presigned_htlc_tx_not_replaced);
	RUN(test_no_replacement_on_fallback_rates);
	RUN(test_anchors_htlc_tx_replaced_from_the_same_coin);
	RUN(test_version_1_snapshot_loads);
	return test_done();
}
