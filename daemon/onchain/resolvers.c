/* The resolvers (resolvers.h): each closed channel's pure resolver, fed
 * by the chain, stored with the block, acted on after its commit. */
#include "daemon/onchain/resolvers.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "crypto/util.h"
#include "daemon/chain/chain.h"
#include "daemon/log.h"
#include "daemon/onchain/onchain_store.h"
#include "daemon/wallet/wallet.h"
#include "db/db.h"

struct resolver {
	int64_t channel;
	struct onchain *oc;
	uint8_t *sweep_script;
	size_t sweep_script_len;
	bool resolved;
	struct resolver *next;
};

/* Something to do once the block's transaction committed. */
struct after_commit {
	int64_t channel;
	bool is_watching;		/* tell the listener it is watched */
	bool is_closed;			/* tell the closed listener, forget it */
	bool is_event;
	struct channel_event ev;	/* is_event */
	void *owner;
	struct bitcoin_tx *tx;		/* otherwise */
	struct after_commit *next;
};

struct resolvers {
	struct resolvers_setup setup;
	struct resolvers_htlc_listener htlc;
	struct resolvers_closed_listener closed;
	struct resolver *list;
	/* Committed, waiting for the loop's next turn; and not yet. */
	struct after_commit *ready, **ready_tail;
	struct after_commit *todo, **todo_tail;
	struct event *act_event;
	/* Written in a transaction not yet committed: if the next block
	 * finds this still set, that transaction rolled back, and memory is
	 * ahead of the database. */
	bool is_uncommitted;
	/* The wallet's coins for option_anchors HTLC transactions' fees,
	 * and those handed out since feerates_now() (not all recorded yet). */
	struct onchain_fee_source fee_source;
	struct bitcoin_outpoint *picked;
	size_t num_picked;
};

/* A wallet coin as the resolver takes it (its key wiped from wc). */
static void take_fee_coin(struct onchain_fee_coin *coin, struct wallet_fee_coin *wc)
{
	coin->outpoint = wc->outpoint;
	coin->amount_sat = wc->amount_sat;
	memcpy(coin->script, wc->script, sizeof(coin->script));
	coin->key = wc->key;
	crypto_wipe(&wc->key, sizeof(wc->key));
}

/* A wallet coin for the fee of an option_anchors HTLC transaction
 * (onchain_fee_source); the wallet records it taken once the transaction
 * is handed over (apply). */
static bool get_fee_coin(void *arg, uint64_t min_sat, struct onchain_fee_coin *coin)
{
	struct resolvers *rs = arg;
	struct wallet_fee_coin wc;
	int found = wallet_fee_coin(rs->setup.wallet, min_sat, rs->picked, rs->num_picked, &wc);

	if (found != 1) {
		log_unusual(rs->setup.log, "onchain",
			    "%s: an anchor channel's HTLC transaction needs a confirmed wallet coin "
			    "of at least %llu sat for its fee: it waits",
			    found < 0 ? db_errmsg(rs->setup.db) : "none in the wallet",
			    (unsigned long long)min_sat);
		return false;
	}
	rs->picked = oh_realloc(rs->picked, (rs->num_picked + 1) * sizeof(*rs->picked));
	rs->picked[rs->num_picked++] = wc.outpoint;
	take_fee_coin(coin, &wc);
	return true;
}

/* The coin a replaced option_anchors HTLC transaction took, for its
 * replacement (onchain_fee_source's get_same_coin). */
static bool get_same_fee_coin(void *arg, const struct bitcoin_outpoint *outpoint,
			      struct onchain_fee_coin *coin)
{
	struct resolvers *rs = arg;
	struct wallet_fee_coin wc;
	int found = wallet_fee_coin_at(rs->setup.wallet, outpoint, &wc);

	if (found != 1) {
		if (found < 0)
			log_unusual(rs->setup.log, "onchain", "cannot read a fee coin: %s",
				    db_errmsg(rs->setup.db));
		return false;
	}
	take_fee_coin(coin, &wc);
	return true;
}

static struct onchain_feerates feerates_now(struct resolvers *rs)
{
	struct onchain_feerates f = {
		.urgent_perkw = chain_feerate(rs->setup.chain, FEERATE_URGENT),
		.normal_perkw = chain_feerate(rs->setup.chain, FEERATE_NORMAL),
		.fee_source = &rs->fee_source,
		.is_fallback = !chain_feerate_is_estimated(rs->setup.chain, FEERATE_URGENT)
			|| !chain_feerate_is_estimated(rs->setup.chain, FEERATE_NORMAL),
	};
	rs->num_picked = 0;
	return f;
}

static bool derive_secrets(const struct resolvers *rs, int64_t channel,
			   struct channel_secrets *out)
{
	struct secret node_secret;
	bool ok;

	memcpy(node_secret.data, rs->setup.node_secret, sizeof(node_secret.data));
	ok = channel_secrets_derive(rs->setup.secp, out, &node_secret, (uint64_t)channel);
	crypto_wipe(&node_secret, sizeof(node_secret));
	return ok;
}

static void queue(struct resolvers *rs, struct after_commit *a)
{
	a->next = NULL;
	*rs->todo_tail = a;
	rs->todo_tail = &a->next;
}

/* The commit is durable: what waited on it is acted on in the loop's next
 * turn (an after-commit callback must not write, and the switch's
 * answers are channel steps). */
static void committed(void *arg)
{
	struct resolvers *rs = arg;

	rs->is_uncommitted = false;
	if (!rs->todo)
		return;
	*rs->ready_tail = rs->todo;
	rs->ready_tail = rs->todo_tail;
	rs->todo = NULL;
	rs->todo_tail = &rs->todo;
	event_active(rs->act_event, EV_TIMEOUT, 0);
}

/* A closed channel's resolver, its row deleted and committed. */
static void forget(struct resolvers *rs, int64_t channel)
{
	for (struct resolver **p = &rs->list; *p; p = &(*p)->next) {
		struct resolver *r = *p;
		if (r->channel != channel)
			continue;
		*p = r->next;
		onchain_free(r->oc);
		free(r->sweep_script);
		free(r);
		return;
	}
}

/* The switch hears the outcomes (preimages first: they are stored), then
 * the transactions go out. */
static void act(evutil_socket_t fd, short what, void *arg)
{
	struct resolvers *rs = arg;
	struct after_commit *a = rs->ready, *next;

	(void)fd;
	(void)what;
	rs->ready = NULL;
	rs->ready_tail = &rs->ready;
	for (; a; a = next) {
		next = a->next;
		if (a->is_watching) {
			if (rs->htlc.watching)
				rs->htlc.watching(rs->htlc.arg, a->channel);
		} else if (a->is_closed) {
			forget(rs, a->channel);
			if (rs->closed.closed)
				rs->closed.closed(rs->closed.arg, a->channel);
		} else if (a->is_event) {
			if (rs->htlc.resolved)
				rs->htlc.resolved(rs->htlc.arg, a->channel, &a->ev, a->owner);
		} else {
			char txid[65];
			struct bitcoin_txid id;
			bitcoin_tx_txid(&id, a->tx);
			log_info(rs->setup.log, "onchain", "channel %lld: broadcasting %s",
				 (long long)a->channel, bitcoin_txid_to_hex(txid, &id));
			chain_broadcast(rs->setup.chain, a->tx, NULL, NULL);
			bitcoin_tx_free(a->tx);
		}
		free(a->owner);
		free(a);
	}
}

static const char *event_name(enum onchain_event_type type)
{
	switch (type) {
	case ONCHAIN_EVENT_PREIMAGE:
		return "preimage learned on chain";
	case ONCHAIN_EVENT_HTLC_FAILED:
		return "failed on chain";
	case ONCHAIN_EVENT_DUST_LEFT:
		return "dust left on chain";
	case ONCHAIN_EVENT_ALL_RESOLVED:
		return "everything resolved";
	}
	return "?";
}

static bool hand_closed(struct resolvers *rs, struct resolver *r, char *err, size_t errlen);

/* Stores what fx says (inside the open transaction) and queues the rest
 * for its commit.  Returns: false with err on a database error. */
static bool apply(struct resolvers *rs, struct resolver *r, struct onchain_effects *fx,
		  char *err, size_t errlen)
{
	bool is_all_resolved = false;

	for (size_t i = 0; i < fx->num_events; i++) {
		const struct onchain_event *e = &fx->events[i];
		struct after_commit *a;

		if (e->type == ONCHAIN_EVENT_ALL_RESOLVED)
			r->resolved = is_all_resolved = true;
		if (e->type == ONCHAIN_EVENT_DUST_LEFT) {
			log_info(rs->setup.log, "onchain", "channel %lld: %llu sat left on chain: %s",
				 (long long)r->channel, (unsigned long long)e->amount_sat,
				 event_name(e->type));
			continue;
		}
		if (e->type == ONCHAIN_EVENT_ALL_RESOLVED) {
			log_info(rs->setup.log, "onchain", "channel %lld: %s", (long long)r->channel,
				 event_name(e->type));
			continue;
		}
		log_info(rs->setup.log, "onchain", "channel %lld: HTLC %llu %s",
			 (long long)r->channel, (unsigned long long)e->htlc.id, event_name(e->type));
		a = oh_calloc(1, sizeof(*a));
		a->channel = r->channel;
		a->is_event = true;
		a->ev.type = e->type == ONCHAIN_EVENT_PREIMAGE ? CHANNEL_EVENT_HTLC_FULFILLED
			: CHANNEL_EVENT_HTLC_FAILED;
		a->ev.offerer = CHANNEL_LOCAL;
		a->ev.htlc_id = e->htlc.id;
		a->ev.amount_msat = e->htlc.amount_msat;
		a->ev.payment_hash = e->htlc.payment_hash;
		a->ev.cltv_expiry = e->htlc.cltv_expiry;
		a->ev.preimage = e->preimage;
		/* Ours to explain upstream: a temporary channel failure. */
		a->ev.is_withdrawn = e->type == ONCHAIN_EVENT_HTLC_FAILED;
		a->owner = oh_calloc(1, rs->htlc.owner_size + 1);
		if (rs->htlc.resolved_db
		    && !rs->htlc.resolved_db(rs->htlc.arg, r->channel, &a->ev, a->owner)) {
			snprintf(err, errlen, "cannot store an HTLC resolved on chain: %s",
				 db_errmsg(rs->setup.db));
			free(a->owner);
			free(a);
			return false;
		}
		queue(rs, a);
	}
	if (fx->snapshot
	    && !onchain_store_save(rs->setup.db, r->channel, r->sweep_script, r->sweep_script_len,
				   fx->snapshot, fx->snapshot_len, r->resolved)) {
		snprintf(err, errlen, "cannot store a channel's resolution: %s",
			 db_errmsg(rs->setup.db));
		return false;
	}
	for (size_t i = 0; i < fx->num_abandoned; i++)
		if (!wallet_forget_spend(rs->setup.wallet, &fx->abandoned[i],
					 "it can no longer confirm")) {
			snprintf(err, errlen, "cannot forget a transaction: %s",
				 db_errmsg(rs->setup.db));
			return false;
		}
	for (size_t i = 0; i < fx->num_txs; i++) {
		struct after_commit *a;
		if (fx->txs[i].is_replacement) {
			char old[65], new[65];
			struct bitcoin_txid id;
			bitcoin_tx_txid(&id, fx->txs[i].tx);
			log_info(rs->setup.log, "onchain",
				 "channel %lld: %s replaces %s (fee %llu sat at %u perkw, "
				 "deadline block %u)", (long long)r->channel,
				 bitcoin_txid_to_hex(new, &id),
				 bitcoin_txid_to_hex(old, &fx->txs[i].replaces),
				 (unsigned long long)fx->txs[i].fee_sat, fx->txs[i].feerate_perkw,
				 fx->txs[i].deadline);
		}
		/* A wallet coin pays its fee: taken before it leaves. */
		if (fx->txs[i].has_fee_coin
		    && !wallet_record_spend(rs->setup.wallet, fx->txs[i].tx, err, errlen))
			return false;
		a = oh_calloc(1, sizeof(*a));
		a->channel = r->channel;
		a->tx = fx->txs[i].tx;
		fx->txs[i].tx = NULL;
		queue(rs, a);
	}
	if (is_all_resolved && !hand_closed(rs, r, err, errlen))
		return false;
	if (rs->todo || fx->snapshot) {
		rs->is_uncommitted = true;
		db_after_commit(rs->setup.db, committed, rs);
	}
	return true;
}

/* Adds up what the wallet got from txs: its coins they created, less its
 * coins they spent. */
struct wallet_gain {
	const struct onchain *oc;
	struct bitcoin_txid *txids;
	size_t num_txs;
	int64_t gain_sat;
};

static void count_coin(void *arg, const struct wallet_output *coin)
{
	struct wallet_gain *g = arg;

	for (size_t i = 0; i < g->num_txs; i++) {
		const struct bitcoin_tx *tx = onchain_get_confirmed_tx(g->oc, i);
		if (bitcoin_txid_eq(&g->txids[i], &coin->txid))
			g->gain_sat += (int64_t)coin->amount_sat;
		for (size_t j = 0; j < tx->num_inputs; j++)
			if (tx->inputs[j].prevout.vout == coin->outnum
			    && bitcoin_txid_eq(&tx->inputs[j].prevout.txid, &coin->txid))
				g->gain_sat -= (int64_t)coin->amount_sat;
	}
}

/* r's channel is resolved: the closed listener records it, and the
 * resolver goes, in the same transaction (and from memory once that
 * commits).  Without a listener, it stays resolved (told at the next
 * start). */
static bool hand_closed(struct resolvers *rs, struct resolver *r, char *err, size_t errlen)
{
	struct resolvers_closed closed = {.close = onchain_get_close(r->oc)};
	struct wallet_gain g = {.oc = r->oc};
	struct bitcoin_txid txid;
	struct after_commit *a;
	bool ok;

	if (!rs->closed.closed_db)
		return true;
	closed.closing_tx = onchain_get_confirmed_tx(r->oc, 0);
	if (!closed.closing_tx || !onchain_get_closing(r->oc, &txid, &closed.closing_height)) {
		snprintf(err, errlen, "channel %lld is resolved without a closing transaction",
			 (long long)r->channel);
		return false;
	}
	while (onchain_get_confirmed_tx(r->oc, g.num_txs))
		g.num_txs++;
	g.txids = oh_calloc(g.num_txs, sizeof(*g.txids));
	for (size_t i = 0; i < g.num_txs; i++)
		bitcoin_tx_txid(&g.txids[i], onchain_get_confirmed_tx(r->oc, i));
	closed.has_to_wallet = wallet_list_outputs(rs->setup.wallet, true, count_coin, &g);
	closed.to_wallet_sat = g.gain_sat;
	free(g.txids);
	if (!closed.has_to_wallet)
		log_unusual(rs->setup.log, "onchain", "channel %lld: cannot read the wallet: %s",
			    (long long)r->channel, db_errmsg(rs->setup.db));
	ok = rs->closed.closed_db(rs->closed.arg, r->channel, &closed)
		&& onchain_store_delete(rs->setup.db, r->channel);
	if (!ok) {
		snprintf(err, errlen, "cannot store a closed channel: %s", db_errmsg(rs->setup.db));
		return false;
	}
	a = oh_calloc(1, sizeof(*a));
	a->channel = r->channel;
	a->is_closed = true;
	queue(rs, a);
	rs->is_uncommitted = true;
	db_after_commit(rs->setup.db, committed, rs);
	return true;
}

static void free_list(struct after_commit *a)
{
	struct after_commit *next;

	for (; a; a = next) {
		next = a->next;
		bitcoin_tx_free(a->tx);
		free(a->owner);
		free(a);
	}
}

static bool load_all(struct resolvers *rs, char *err, size_t errlen);

/* A transaction we wrote in rolled back: forget what it would have done,
 * and take the resolvers from the database again. */
static bool catch_rollback(struct resolvers *rs, char *err, size_t errlen)
{
	struct resolver *r, *next;

	if (!rs->is_uncommitted)
		return true;
	log_unusual(rs->setup.log, "onchain", "a transaction rolled back: reloading");
	free_list(rs->todo);
	rs->todo = NULL;
	rs->todo_tail = &rs->todo;
	for (r = rs->list; r; r = next) {
		next = r->next;
		onchain_free(r->oc);
		free(r->sweep_script);
		free(r);
	}
	rs->list = NULL;
	rs->is_uncommitted = false;
	return load_all(rs, err, errlen);
}

/* ---- The chain ---- */

static bool block_connected(void *arg, uint32_t height, const struct bitcoin_blkid *hash,
			    const struct bitcoin_block *block, char *err, size_t errlen)
{
	struct resolvers *rs = arg;
	struct onchain_feerates rates = feerates_now(rs);

	(void)hash;
	if (!catch_rollback(rs, err, errlen))
		return false;
	for (struct resolver *r = rs->list; r; r = r->next) {
		struct onchain_effects fx;
		bool ok;
		/* Handed over in this block (the closing transaction is in
		 * it), or told of it already. */
		if (r->resolved || onchain_get_tip(r->oc) >= height)
			continue;
		onchain_effects_init(&fx);
		onchain_block_connected(r->oc, &fx, height, block->txs, block->num_txs, &rates);
		ok = apply(rs, r, &fx, err, errlen);
		onchain_effects_clear(&fx);
		if (!ok)
			return false;
	}
	return true;
}

static bool block_disconnected(void *arg, uint32_t height, char *err, size_t errlen)
{
	struct resolvers *rs = arg;
	struct onchain_feerates rates = feerates_now(rs);

	if (!catch_rollback(rs, err, errlen))
		return false;
	for (struct resolver *r = rs->list; r; r = r->next) {
		struct onchain_effects fx;
		bool ok;
		if (r->resolved || onchain_get_tip(r->oc) < height)
			continue;
		onchain_effects_init(&fx);
		onchain_block_disconnected(r->oc, &fx, height, &rates);
		ok = apply(rs, r, &fx, err, errlen);
		onchain_effects_clear(&fx);
		if (!ok)
			return false;
	}
	return true;
}

/* ---- Life ---- */

static struct resolver *resolver_add(struct resolvers *rs, int64_t channel, struct onchain *oc,
				     const uint8_t *script, size_t script_len, bool resolved)
{
	struct resolver *r = oh_calloc(1, sizeof(*r)), **tail = &rs->list;

	r->channel = channel;
	r->oc = oc;
	r->sweep_script = oh_memdup(script, script_len);
	r->sweep_script_len = script_len;
	r->resolved = resolved;
	while (*tail)
		tail = &(*tail)->next;
	*tail = r;
	return r;
}

struct load_ctx {
	struct resolvers *rs;
	char *err;
	size_t errlen;
};

static bool load_one(void *arg, int64_t channel, const uint8_t *script, size_t script_len,
		     const uint8_t *state, size_t state_len, bool resolved)
{
	struct load_ctx *lc = arg;
	struct channel_secrets secrets;
	struct onchain_setup setup = {
		.ctx = lc->rs->setup.secp,
		.secrets = &secrets,
		.sweep_script = script,
		.sweep_script_len = script_len,
	};
	struct onchain *oc;
	const char *why = "cannot derive its secrets";

	oc = derive_secrets(lc->rs, channel, &secrets)
		? onchain_deserialize(&setup, state, state_len, &why) : NULL;
	channel_secrets_wipe(&secrets);
	if (!oc) {
		snprintf(lc->err, lc->errlen, "channel %lld's on-chain resolution: %s",
			 (long long)channel, why);
		return false;
	}
	resolver_add(lc->rs, channel, oc, script, script_len, resolved);
	return true;
}

static bool load_all(struct resolvers *rs, char *err, size_t errlen)
{
	struct load_ctx lc = { .rs = rs, .err = err, .errlen = errlen };

	err[0] = '\0';
	if (onchain_store_load(rs->setup.db, load_one, &lc))
		return true;
	if (!err[0])
		snprintf(err, errlen, "cannot load the on-chain resolutions: %s",
			 db_errmsg(rs->setup.db));
	return false;
}

struct resolvers *resolvers_new(const struct resolvers_setup *setup, char *err, size_t errlen)
{
	struct resolvers *rs = oh_calloc(1, sizeof(*rs));
	struct chain_listener listener = {
		.arg = rs,
		.block_connected = block_connected,
		.block_disconnected = block_disconnected,
	};

	rs->setup = *setup;
	rs->fee_source.get_coin = get_fee_coin;
	rs->fee_source.get_same_coin = get_same_fee_coin;
	rs->fee_source.arg = rs;
	rs->todo_tail = &rs->todo;
	rs->ready_tail = &rs->ready;
	rs->act_event = event_new(setup->base, -1, 0, act, rs);
	if (!rs->act_event) {
		snprintf(err, errlen, "cannot create the resolvers' event");
		free(rs);
		return NULL;
	}
	if (!load_all(rs, err, errlen)) {
		resolvers_free(rs);
		return NULL;
	}
	chain_add_listener(setup->chain, &listener);
	return rs;
}

void resolvers_free(struct resolvers *rs)
{
	struct resolver *r, *next;

	if (!rs)
		return;
	db_after_commit_cancel(rs->setup.db, rs);
	if (rs->act_event)
		event_free(rs->act_event);
	for (r = rs->list; r; r = next) {
		next = r->next;
		onchain_free(r->oc);
		free(r->sweep_script);
		free(r);
	}
	free_list(rs->todo);
	free_list(rs->ready);
	free(rs->picked);
	free(rs);
}

void resolvers_set_htlc_listener(struct resolvers *rs,
				 const struct resolvers_htlc_listener *listener)
{
	rs->htlc = *listener;
}

void resolvers_set_closed_listener(struct resolvers *rs,
				   const struct resolvers_closed_listener *listener)
{
	rs->closed = *listener;
}

void resolvers_start(struct resolvers *rs)
{
	struct onchain_feerates rates = feerates_now(rs);
	char err[300];

	if (!db_begin(rs->setup.db)) {
		log_broken(rs->setup.log, "onchain", "cannot resume: %s", db_errmsg(rs->setup.db));
		return;
	}
	for (struct resolver *r = rs->list; r; r = r->next) {
		struct onchain_effects fx;
		bool ok;
		if (r->resolved) {
			/* Resolved before the channels heard of it. */
			if (!hand_closed(rs, r, err, sizeof(err))) {
				log_broken(rs->setup.log, "onchain", "%s", err);
				db_rollback(rs->setup.db);
				return;
			}
			continue;
		}
		{
			struct after_commit *a = oh_calloc(1, sizeof(*a));
			a->channel = r->channel;
			a->is_watching = true;
			queue(rs, a);
			rs->is_uncommitted = true;
			db_after_commit(rs->setup.db, committed, rs);
		}
		onchain_effects_init(&fx);
		onchain_resume(r->oc, &fx, &rates);
		ok = apply(rs, r, &fx, err, sizeof(err));
		onchain_effects_clear(&fx);
		if (!ok) {
			log_broken(rs->setup.log, "onchain", "%s", err);
			db_rollback(rs->setup.db);
			return;
		}
	}
	if (!db_commit(rs->setup.db)) {
		log_broken(rs->setup.log, "onchain", "cannot resume: %s", db_errmsg(rs->setup.db));
		db_rollback(rs->setup.db);
	}
}

bool resolvers_watch(struct resolvers *rs, int64_t channel,
		     const struct channel_onchain_view *view,
		     const struct preimage *preimages, size_t num_preimages,
		     const struct channel_htlc *known_htlcs, size_t num_known_htlcs,
		     uint32_t height, struct bitcoin_tx *const *txs, size_t num_txs, char *err,
		     size_t errlen)
{
	struct channel_secrets secrets;
	struct wirebuf *script;
	struct onchain_setup setup;
	struct onchain *oc;
	struct resolver *r;
	struct onchain_effects fx;
	struct onchain_feerates rates = feerates_now(rs);
	const char *why = NULL;
	bool ok;

	if (resolvers_find(rs, channel))
		return true;
	if (!derive_secrets(rs, channel, &secrets)) {
		snprintf(err, errlen, "cannot derive channel %lld's secrets", (long long)channel);
		return false;
	}
	script = wirebuf_new();
	if (!wallet_new_script(rs->setup.wallet, script, err, errlen)) {
		wirebuf_free(script);
		channel_secrets_wipe(&secrets);
		return false;
	}
	setup = (struct onchain_setup){
		.ctx = rs->setup.secp,
		.view = view,
		.secrets = &secrets,
		.sweep_script = script->data,
		.sweep_script_len = script->len,
		.known_htlcs = known_htlcs,
		.num_known_htlcs = num_known_htlcs,
	};
	oc = onchain_new(&setup, &why);
	channel_secrets_wipe(&secrets);
	if (!oc) {
		snprintf(err, errlen, "channel %lld: %s", (long long)channel, why);
		wirebuf_free(script);
		return false;
	}
	r = resolver_add(rs, channel, oc, script->data, script->len, false);
	wirebuf_free(script);
	{
		struct after_commit *a = oh_calloc(1, sizeof(*a));
		a->channel = channel;
		a->is_watching = true;
		queue(rs, a);
	}
	onchain_effects_init(&fx);
	for (size_t i = 0; i < num_preimages; i++) {
		onchain_add_preimage(oc, &fx, &preimages[i], &rates);
		onchain_effects_clear(&fx);
	}
	onchain_block_connected(oc, &fx, height, txs, num_txs, &rates);
	{
		char cid[40];
		snprintf(cid, sizeof(cid), "%lld", (long long)channel);
		log_info(rs->setup.log, "onchain", "channel %s: closed by a %s close at block %u",
			 cid, onchain_close_name(onchain_get_close(oc)), height);
	}
	ok = apply(rs, r, &fx, err, errlen);
	onchain_effects_clear(&fx);
	return ok;
}

bool resolvers_add_preimage(struct resolvers *rs, int64_t channel,
			    const struct preimage *preimage, char *err, size_t errlen)
{
	struct onchain_feerates rates = feerates_now(rs);
	struct onchain_effects fx;
	struct resolver *r;
	bool own = !db_in_transaction(rs->setup.db), ok;

	for (r = rs->list; r && r->channel != channel; r = r->next)
		;
	if (!r) {
		snprintf(err, errlen, "channel %lld is not resolved on chain", (long long)channel);
		return false;
	}
	if (own && !db_begin(rs->setup.db)) {
		snprintf(err, errlen, "cannot store a preimage: %s", db_errmsg(rs->setup.db));
		return false;
	}
	onchain_effects_init(&fx);
	onchain_add_preimage(r->oc, &fx, preimage, &rates);
	ok = apply(rs, r, &fx, err, errlen);
	onchain_effects_clear(&fx);
	if (own && (!ok || !db_commit(rs->setup.db))) {
		if (ok)
			snprintf(err, errlen, "cannot store a preimage: %s",
				 db_errmsg(rs->setup.db));
		db_rollback(rs->setup.db);
		return false;
	}
	return ok;
}

const struct onchain *resolvers_find(const struct resolvers *rs, int64_t channel)
{
	for (const struct resolver *r = rs->list; r; r = r->next)
		if (r->channel == channel)
			return r->oc;
	return NULL;
}
