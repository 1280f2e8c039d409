/* A seeded random walk over two channel engines: HTLCs added from both
 * sides, fulfilled, failed and failed as malformed, fee updates,
 * commitments at random moments, messages delivered in random
 * interleavings, disconnections with reestablish, and restarts from the
 * last snapshot (every step is already persisted and restored, see
 * tests/unit/channel_pair.h).  Neither engine may ever fail the channel.
 *
 * At quiet points (all delivered, nothing left to sign) both nodes must
 * agree on both commitments, every commitment must carry valid
 * signatures, balances and HTLCs must add up to the funding, and the
 * balances must be what the test's own ledger of fulfilled HTLCs says.
 * Each run ends with a mutual close paying exactly those balances.
 *
 * Deterministic: run r uses seed OHM_CHANNEL_RANDOM_SEED (default 1) + r.
 * OHM_CHANNEL_RANDOM_RUNS and OHM_CHANNEL_RANDOM_STEPS size the walk. */
#include "tests/unit/channel_pair.h"

#define MAX_MODEL_HTLCS 4096

enum fate { FATE_LIVE, FATE_FULFILLED, FATE_FAILED };

struct model_htlc {
	int offerer;		/* node index */
	uint64_t id;		/* among its offers */
	uint64_t amount_msat;
	uint64_t k;		/* pair_preimage() index */
	enum fate fate;
};

struct walk {
	struct pair p;
	uint64_t rng;
	struct model_htlc htlcs[MAX_MODEL_HTLCS];
	size_t num_htlcs;
	uint64_t next_k;
	int64_t initial_msat[2];	/* node i's opening balance */
	size_t stats[9];
	size_t seen_records[2];		/* records note_withdrawals read */
	bool ok;
	uint64_t seed;
};

enum stat { STAT_ADDS, STAT_FULFILLS, STAT_FAILS, STAT_FEES, STAT_COMMITS,
	    STAT_RECONNECTS, STAT_RESTARTS, STAT_CHECKS, STAT_WITHDRAWN };
#define NUM_STATS 9

static uint64_t rnd(struct walk *w)
{
	/* xorshift64* */
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return w->rng * 0x2545F4914F6CDD1DULL;
}

static uint64_t below(struct walk *w, uint64_t n)
{
	return rnd(w) % n;
}

static unsigned long env_number(const char *name, unsigned long fallback)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 10) : fallback;
}

/* The live HTLC offerer offered as id (ids of withdrawn HTLCs are
 * reused). */
static struct model_htlc *model_find(struct walk *w, int offerer, uint64_t id)
{
	for (size_t i = 0; i < w->num_htlcs; i++)
		if (w->htlcs[i].offerer == offerer && w->htlcs[i].id == id
		    && w->htlcs[i].fate == FATE_LIVE)
			return &w->htlcs[i];
	return NULL;
}

/* HTLCs the engines withdrew after a reconnection never happened: they
 * fail (at once, or HTLC_WITHDRAWN now and HTLC_FAILED with its key once
 * the peer revokes), and their ids are offered again. */
static void note_withdrawals(struct walk *w)
{
	for (int i = 0; i < 2; i++) {
		struct pair_node *n = &w->p.node[i];

		for (; w->seen_records[i] < n->num_records;
		     w->seen_records[i]++) {
			const struct pair_record *r =
				&n->records[w->seen_records[i]];
			struct model_htlc *m;

			if (r->withdrawn_key
			    && r->type == CHANNEL_EVENT_HTLC_FAILED)
				continue;	/* its HTLC_WITHDRAWN counted */
			if (r->type != CHANNEL_EVENT_HTLC_WITHDRAWN
			    && (r->type != CHANNEL_EVENT_HTLC_FAILED
				|| !r->is_withdrawn))
				continue;
			m = model_find(w, i, r->htlc_id);
			CHECK_MSG(m, "seed %llu: node %d withdrew an unknown HTLC",
				  (unsigned long long)w->seed, i);
			if (m) {
				m->fate = FATE_FAILED;
				w->stats[STAT_WITHDRAWN]++;
			}
		}
	}
}

static void check_not_failed(struct walk *w, const char *where)
{
	for (int i = 0; i < 2; i++) {
		if (!pair_is_failed(&w->p, i) && !w->p.node[i].last_failure)
			continue;
		CHECK_MSG(false, "seed %llu, %s: node %d failed: %s",
			  (unsigned long long)w->seed, where, i,
			  w->p.node[i].last_failure ? w->p.node[i].last_failure
						    : channel_state_name(
							      channel_get_state(
								      w->p.node[i].ch)));
		w->ok = false;
	}
}

/* ---- Actions ---- */

static void act_add(struct walk *w)
{
	int i = (int)below(w, 2);
	uint64_t amount, id;
	unsigned shape = (unsigned)below(w, 10);

	if (w->num_htlcs == MAX_MODEL_HTLCS)
		return;
	/* Mostly modest, some dust (trimmed), a few too big to afford. */
	if (shape < 2)
		amount = 1000 + below(w, 2000000);
	else if (shape < 9)
		amount = 1000000 + below(w, 40000000);
	else
		amount = 100000000 + below(w, 900000000);
	if (!pair_add_htlc_k(&w->p, i, amount, w->next_k, &id))
		return;
	if (pair_tracing())
		printf("# node %d: add %llu msat as id %llu\n", i,
		       (unsigned long long)amount, (unsigned long long)id);
	w->htlcs[w->num_htlcs++] = (struct model_htlc){ i, id, amount,
							w->next_k, FATE_LIVE };
	w->next_k++;
	w->stats[STAT_ADDS]++;
}

/* Node i removes an incoming HTLC that is irrevocably committed. */
static void act_resolve(struct walk *w)
{
	int i = (int)below(w, 2);
	const struct htlc_set *set = channel_get_htlcs(w->p.node[i].ch);
	const struct htlc *pick = NULL;
	size_t seen = 0;
	struct model_htlc *m;
	unsigned how = (unsigned)below(w, 10);
	bool done;

	for (size_t k = 0; k < set->num; k++) {
		const struct htlc *h = &set->htlcs[k];

		if (h->h.offerer != CHANNEL_REMOTE
		    || h->add_step != UPDATE_COMPLETE
		    || h->removal != HTLC_NOT_REMOVED)
			continue;
		if (below(w, ++seen) == 0)
			pick = h;
	}
	if (!pick)
		return;
	m = model_find(w, 1 - i, pick->h.id);
	CHECK_MSG(m, "seed %llu: node %d has an HTLC the test never added",
		  (unsigned long long)w->seed, i);
	if (!m)
		return;
	if (how < 6) {
		struct preimage pre;
		struct sha256 hash;

		pair_preimage(&pre, &hash, m->k);
		done = PAIR_CALL(&w->p, i, channel_fulfill_htlc, m->id, &pre);
		if (done) {
			m->fate = FATE_FULFILLED;
			w->stats[STAT_FULFILLS]++;
		}
		return;
	}
	if (how < 9) {
		uint8_t reason[64];

		memset(reason, (int)how, sizeof(reason));
		done = PAIR_CALL(&w->p, i, channel_fail_htlc, m->id, reason,
				 (size_t)below(w, sizeof(reason)));
	} else {
		struct sha256 onion;

		memset(onion.u8, 0x99, 32);
		done = PAIR_CALL(&w->p, i, channel_fail_malformed_htlc, m->id,
				 &onion, (uint16_t)0xc005);
	}
	if (done) {
		m->fate = FATE_FAILED;
		w->stats[STAT_FAILS]++;
	}
}

static void act_fee(struct walk *w)
{
	if (PAIR_CALL(&w->p, 0, channel_update_fee,
		      (uint32_t)(253 + below(w, 12000))))
		w->stats[STAT_FEES]++;
}

static void act_commit(struct walk *w)
{
	if (PAIR_CALL(&w->p, (int)below(w, 2), channel_send_commit))
		w->stats[STAT_COMMITS]++;
}

static void act_deliver(struct walk *w)
{
	int i = (int)below(w, 2);

	if (!pair_deliver(&w->p, i))
		pair_deliver(&w->p, 1 - i);
}

static void act_reconnect(struct walk *w)
{
	/* Sometimes a few messages get through first, then the line drops. */
	for (uint64_t n = below(w, 4); n > 0; n--)
		act_deliver(w);
	pair_disconnect(&w->p);
	pair_reconnect(&w->p);
	w->stats[STAT_RECONNECTS]++;
}

static void act_restart(struct walk *w)
{
	int i = (int)below(w, 2);

	pair_disconnect(&w->p);
	/* The node comes back from its database alone. */
	pair_reload(&w->p, i);
	pair_reconnect(&w->p);
	w->stats[STAT_RESTARTS]++;
}

/* ---- Checks ---- */

/* What node i should own, by the ledger: its opening balance, less what
 * it offered and did not get back, plus what it was paid. */
static int64_t expected_balance(const struct walk *w, int i)
{
	int64_t b = w->initial_msat[i];

	for (size_t k = 0; k < w->num_htlcs; k++) {
		const struct model_htlc *m = &w->htlcs[k];

		if (m->fate == FATE_FAILED)
			continue;
		if (m->offerer == i)
			b -= (int64_t)m->amount_msat;
		else if (m->fate == FATE_FULFILLED)
			b += (int64_t)m->amount_msat;
	}
	return b;
}

static void check_quiet(struct walk *w)
{
	struct htlc_view v;
	size_t live = 0;

	pair_settle(&w->p);
	note_withdrawals(w);
	check_not_failed(w, "settle");
	if (!w->ok)
		return;
	w->stats[STAT_CHECKS]++;
	CHECK_MSG(pair_check_agree(&w->p), "seed %llu: nodes disagree",
		  (unsigned long long)w->seed);
	for (size_t k = 0; k < w->num_htlcs; k++)
		live += w->htlcs[k].fate == FATE_LIVE;
	for (int i = 0; i < 2; i++) {
		channel_get_view(w->p.node[i].ch, CHANNEL_LOCAL, &v);
		CHECK_MSG(v.balance_msat[CHANNEL_LOCAL] == expected_balance(w, i),
			  "seed %llu: node %d owns %lld, ledger says %lld",
			  (unsigned long long)w->seed, i,
			  (long long)v.balance_msat[CHANNEL_LOCAL],
			  (long long)expected_balance(w, i));
		CHECK_MSG(v.num_htlcs == live, "seed %llu: %zu HTLCs, ledger %zu",
			  (unsigned long long)w->seed, v.num_htlcs, live);
		htlc_view_free(&v);
		CHECK(channel_get_htlcs(w->p.node[i].ch)->num == live);
	}
}

/* Every incoming HTLC was reported once; every fulfilled outgoing one had
 * its preimage reported; every failed one was reported once (events are
 * matched by payment_hash: the test's hashes are unique, ids may be
 * reused after a withdrawal). */
static void check_events(struct walk *w)
{
	for (size_t k = 0; k < w->num_htlcs; k++) {
		const struct model_htlc *m = &w->htlcs[k];
		const struct pair_node *to = &w->p.node[1 - m->offerer];
		const struct pair_node *from = &w->p.node[m->offerer];
		size_t added = 0, fulfilled = 0, failed = 0;
		struct preimage pre;
		struct sha256 hash;

		pair_preimage(&pre, &hash, m->k);
		for (size_t e = 0; e < to->num_records; e++)
			added += to->records[e].type == CHANNEL_EVENT_HTLC_ADDED
				&& memcmp(&to->records[e].payment_hash, &hash,
					  sizeof(hash)) == 0;
		for (size_t e = 0; e < from->num_records; e++) {
			if (memcmp(&from->records[e].payment_hash, &hash,
				   sizeof(hash)) != 0)
				continue;
			fulfilled += from->records[e].type
				== CHANNEL_EVENT_HTLC_FULFILLED;
			failed += from->records[e].type
				== CHANNEL_EVENT_HTLC_FAILED;
		}
		CHECK_MSG(added == 1 || (added == 0 && failed == 1),
			  "seed %llu: HTLC %d/%llu added %zu times",
			  (unsigned long long)w->seed, m->offerer,
			  (unsigned long long)m->id, added);
		CHECK(m->fate != FATE_FULFILLED || (fulfilled >= 1 && failed == 0));
		CHECK(m->fate != FATE_FAILED || (failed == 1 && fulfilled == 0));
	}
}

/* Resolves everything and closes: the shutdown goes out before or after
 * the HTLCs are resolved, and the line drops now and then, closing
 * negotiation included.  The closing transaction pays node 1 (the fundee)
 * exactly its balance. */
static void close_out(struct walk *w)
{
	bool shutdown_first = below(w, 2);
	int64_t fundee;

	if (shutdown_first)
		CHECK(PAIR_CALL(&w->p, (int)below(w, 2), channel_shutdown,
				NULL, 0));
	for (int round = 0; round < 100; round++) {
		bool any = false;

		for (int i = 0; i < 2; i++) {
			const struct htlc_set *set = channel_get_htlcs(w->p.node[i].ch);

			for (size_t k = 0; k < set->num; k++)
				if (set->htlcs[k].h.offerer == CHANNEL_REMOTE)
					any = true;
		}
		if (!any)
			break;
		for (int n = 0; n < 20; n++) {
			act_resolve(w);
			if (below(w, 4) == 0)
				act_deliver(w);
		}
		if (below(w, 3) == 0)
			act_reconnect(w);
		check_quiet(w);
		if (!w->ok)
			return;
	}
	fundee = expected_balance(w, 1);
	if (!shutdown_first)
		CHECK(PAIR_CALL(&w->p, (int)below(w, 2), channel_shutdown,
				NULL, 0));
	/* Part of the negotiation, then the line drops. */
	for (uint64_t n = below(w, 6); n > 0; n--)
		act_deliver(w);
	if (below(w, 2))
		act_reconnect(w);
	pair_settle(&w->p);
	check_not_failed(w, "close");
	for (int i = 0; i < 2; i++)
		CHECK_MSG(channel_get_state(w->p.node[i].ch) == CHANNEL_CLOSED,
			  "seed %llu: node %d is %s after the close",
			  (unsigned long long)w->seed, i,
			  channel_state_name(channel_get_state(w->p.node[i].ch)));
	if (w->p.node[0].broadcast && w->p.node[1].broadcast) {
		const struct bitcoin_tx *tx = w->p.node[1].broadcast;
		struct bitcoin_txid a, b;
		uint8_t script[22];
		uint64_t paid = 0;

		bitcoin_tx_txid(&a, w->p.node[0].broadcast);
		bitcoin_tx_txid(&b, tx);
		CHECK_MSG(bitcoin_txid_eq(&a, &b), "seed %llu: two closing "
			  "transactions", (unsigned long long)w->seed);
		pair_script(script, 0xa1);
		for (size_t k = 0; k < tx->num_outputs; k++)
			if (tx->outputs[k].script_len == 22
			    && memcmp(tx->outputs[k].script, script, 22) == 0)
				paid = tx->outputs[k].amount_sat;
		/* Below its dust limit, the fundee's output is left out. */
		CHECK_MSG(paid == (uint64_t)fundee / 1000
			  || (paid == 0 && (uint64_t)fundee / 1000
			      < w->p.opts.config[0].dust_limit_sat),
			  "seed %llu: fundee paid %llu, owns %lld msat",
			  (unsigned long long)w->seed,
			  (unsigned long long)paid, (long long)fundee);
	}
}

static void walk_run(uint64_t seed, unsigned long steps, size_t totals[NUM_STATS])
{
	struct walk *w = calloc(1, sizeof(*w));
	struct pair_options o;

	w->seed = seed;
	w->rng = seed * 0x9E3779B97F4A7C15ULL + 1;
	w->ok = true;
	pair_default_options(&o);
	o.seed = (uint8_t)(seed & 0x3f);
	o.anchors = below(w, 2);
	o.push_msat = below(w, 3) * 150000000;
	o.feerate_per_kw = (uint32_t)(253 + below(w, 5000));
	o.config[1].dust_limit_sat = 546 + below(w, 1000);
	o.config[1].channel_reserve_sat = 12000;
	o.config[0].max_accepted_htlcs = (uint16_t)(5 + below(w, 30));
	pair_init(&w->p, &o);
	if (!pair_open(&w->p)) {
		CHECK_MSG(false, "seed %llu: open failed",
			  (unsigned long long)seed);
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		struct htlc_view v;

		channel_get_view(w->p.node[i].ch, CHANNEL_LOCAL, &v);
		w->initial_msat[i] = v.balance_msat[CHANNEL_LOCAL];
		htlc_view_free(&v);
	}

	for (unsigned long step = 0; step < steps && w->ok; step++) {
		unsigned r = (unsigned)below(w, 1000);

		if (r < 200)
			act_add(w);
		else if (r < 330)
			act_resolve(w);
		else if (r < 370)
			act_fee(w);
		else if (r < 520)
			act_commit(w);
		else if (r < 970)
			act_deliver(w);
		else if (r < 985)
			act_reconnect(w);
		else if (r < 993)
			act_restart(w);
		else
			check_quiet(w);
		note_withdrawals(w);
		check_not_failed(w, "step");
	}
	if (w->ok)
		check_quiet(w);
	if (w->ok)
		close_out(w);
	if (w->ok)
		check_events(w);
	for (int s = 0; s < NUM_STATS; s++)
		totals[s] += w->stats[s];
out:
	pair_free(&w->p);
	free(w);
}

static void test_random_walks_keep_both_engines_in_agreement(void)
{
	unsigned long runs = env_number("OHM_CHANNEL_RANDOM_RUNS", 25);
	unsigned long steps = env_number("OHM_CHANNEL_RANDOM_STEPS", 400);
	unsigned long seed = env_number("OHM_CHANNEL_RANDOM_SEED", 1);
	size_t totals[NUM_STATS] = { 0 };

	for (unsigned long r = 0; r < runs; r++)
		walk_run(seed + r, steps, totals);
	printf("# %lu runs x %lu steps from seed %lu: %zu adds, %zu fulfills, "
	       "%zu fails, %zu fee updates, %zu commits, %zu reconnects, "
	       "%zu restarts, %zu withdrawn adds, %zu quiet checks\n", runs,
	       steps, seed, totals[STAT_ADDS], totals[STAT_FULFILLS],
	       totals[STAT_FAILS], totals[STAT_FEES], totals[STAT_COMMITS],
	       totals[STAT_RECONNECTS], totals[STAT_RESTARTS],
	       totals[STAT_WITHDRAWN], totals[STAT_CHECKS]);
}

int main(void)
{
	RUN(test_random_walks_keep_both_engines_in_agreement);
	return test_done();
}
