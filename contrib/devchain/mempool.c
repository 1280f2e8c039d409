/* The mempool.  See mempool.h.
 *
 * Invariant: entries[] is in topological order (every in-mempool parent
 * before its children), so ancestors are found in one backward pass and
 * descendants in one forward pass.  Every entry is also a row of the
 * store's mempool table.  A mempool of a devchain holds tens of
 * transactions, so lookups are linear scans.
 */
#include "contrib/devchain/mempool.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contrib/devchain/interpreter.h"
#include "contrib/devchain/standard.h"
#include "wire/wirebuf.h"

struct mempool {
	struct store *store;
	struct chain *chain;
	const secp256k1_context *secp;
	struct mempool_entry **entries;
	size_t num, cap;
	uint64_t sequence;	/* bumped by every addition and removal */
};

struct mempool *mempool_new(struct store *store, struct chain *chain,
			    const secp256k1_context *secp)
{
	struct mempool *pool = wire_calloc(1, sizeof(*pool));

	pool->store = store;
	pool->chain = chain;
	pool->secp = secp;
	return pool;
}

static void entry_free(struct mempool_entry *entry)
{
	bitcoin_tx_free(entry->tx);
	free(entry);
}

void mempool_free(struct mempool *pool)
{
	if (!pool)
		return;
	for (size_t i = 0; i < pool->num; i++)
		entry_free(pool->entries[i]);
	free(pool->entries);
	free(pool);
}

uint64_t mempool_sequence(const struct mempool *pool)
{
	return pool->sequence;
}

size_t mempool_count(const struct mempool *pool)
{
	return pool->num;
}

const struct mempool_entry *mempool_entry(const struct mempool *pool, size_t i)
{
	return pool->entries[i];
}

long mempool_find(const struct mempool *pool, const struct bitcoin_txid *txid)
{
	for (size_t i = 0; i < pool->num; i++)
		if (bitcoin_txid_eq(&pool->entries[i]->txid, txid))
			return (long)i;
	return -1;
}

long mempool_find_spender(const struct mempool *pool,
			  const struct bitcoin_outpoint *outpoint)
{
	for (size_t i = 0; i < pool->num; i++) {
		const struct bitcoin_tx *tx = pool->entries[i]->tx;
		for (size_t j = 0; j < tx->num_inputs; j++)
			if (tx->inputs[j].prevout.vout == outpoint->vout
			    && bitcoin_txid_eq(&tx->inputs[j].prevout.txid,
					       &outpoint->txid))
				return (long)i;
	}
	return -1;
}

/* Returns: true if tx spends an output of txid. */
static bool spends_from(const struct bitcoin_tx *tx, const struct bitcoin_txid *txid)
{
	for (size_t j = 0; j < tx->num_inputs; j++)
		if (bitcoin_txid_eq(&tx->inputs[j].prevout.txid, txid))
			return true;
	return false;
}

/* Marks the in-mempool ancestors of a transaction that would sit at
 * position `index` (it may be a newcomer at pool->num). */
static void mark_ancestors_of(const struct mempool *pool, const struct bitcoin_tx *tx,
			      size_t index, bool *marks)
{
	for (size_t i = index; i-- > 0;) {
		const struct bitcoin_txid *txid = &pool->entries[i]->txid;
		bool is_parent = spends_from(tx, txid);
		for (size_t j = i + 1; !is_parent && j < index; j++)
			is_parent = marks[j] && spends_from(pool->entries[j]->tx, txid);
		marks[i] = is_parent;
	}
}

void mempool_mark_ancestors(const struct mempool *pool, size_t index, bool *marks)
{
	memset(marks, 0, pool->num * sizeof(*marks));
	mark_ancestors_of(pool, pool->entries[index]->tx, index, marks);
}

void mempool_mark_descendants(const struct mempool *pool, size_t index, bool *marks)
{
	memset(marks, 0, pool->num * sizeof(*marks));
	for (size_t i = index + 1; i < pool->num; i++) {
		bool is_child = spends_from(pool->entries[i]->tx, &pool->entries[index]->txid);
		for (size_t j = index + 1; !is_child && j < i; j++)
			is_child = marks[j] && spends_from(pool->entries[i]->tx,
							   &pool->entries[j]->txid);
		marks[i] = is_child;
	}
}

void mempool_remove(struct mempool *pool, size_t index)
{
	store_mempool_delete(pool->store, &pool->entries[index]->txid);
	entry_free(pool->entries[index]);
	pool->sequence++;
	memmove(&pool->entries[index], &pool->entries[index + 1],
		(pool->num - index - 1) * sizeof(pool->entries[0]));
	pool->num--;
}

/* Removes the entries marked in marks[0..num). */
static void remove_marked(struct mempool *pool, const bool *marks)
{
	for (size_t i = pool->num; i-- > 0;)
		if (marks[i])
			mempool_remove(pool, i);
}

static void entry_add(struct mempool *pool, struct mempool_entry *entry,
		      bool persist)
{
	if (pool->num == pool->cap) {
		size_t cap = pool->cap ? pool->cap * 2 : 16;
		struct mempool_entry **entries = wire_calloc(cap, sizeof(*entries));
		if (pool->num)
			memcpy(entries, pool->entries, pool->num * sizeof(*entries));
		free(pool->entries);
		pool->entries = entries;
		pool->cap = cap;
	}
	pool->entries[pool->num++] = entry;
	pool->sequence++;
	if (persist) {
		struct wirebuf *raw = wirebuf_new();
		bitcoin_tx_serialize(raw, entry->tx, true);
		store_mempool_add(pool->store, &entry->txid, raw->data, raw->len,
				  entry->time);
		wirebuf_free(raw);
	}
}

/* Core's CFeeRate::ToString. */
static char *feerate_string(char out[48], uint64_t fee_sat, size_t vsize)
{
	uint64_t per_kvb = vsize ? fee_sat * 1000 / vsize : 0;
	snprintf(out, 48, "%" PRIu64 ".%08" PRIu64 " BTC/kvB",
		 per_kvb / COIN, per_kvb % COIN);
	return out;
}

/* BIP125: does tx signal replaceability explicitly? */
static bool signals_rbf(const struct bitcoin_tx *tx)
{
	for (size_t i = 0; i < tx->num_inputs; i++)
		if (tx->inputs[i].sequence <= 0xfffffffd)
			return true;
	return false;
}

/* What one acceptance attempt is working with. */
struct accept_work {
	const struct bitcoin_tx *tx;
	bool allow_replacement;
	struct bitcoin_txid txid;
	struct coin *coins;	/* one per input */
	bool *conflicts;	/* entries tx double-spends directly */
	bool *evict;		/* conflicts and their descendants */
	size_t num_conflicts;
};

/* Finds direct conflicts; refuses them unless every one signals. */
static bool find_conflicts(struct mempool *pool, struct accept_work *w,
			   struct validation_state *st)
{
	for (size_t i = 0; i < w->tx->num_inputs; i++) {
		long spender = mempool_find_spender(pool, &w->tx->inputs[i].prevout);
		if (spender < 0 || w->conflicts[spender])
			continue;
		/* A package under test may not replace anything. */
		if (!w->allow_replacement)
			return validation_fail(st, VALIDATION_MEMPOOL_POLICY,
					       "bip125-replacement-disallowed", NULL);
		if (!signals_rbf(pool->entries[spender]->tx))
			return validation_fail(st, VALIDATION_CONFLICT,
					       "txn-mempool-conflict", NULL);
		w->conflicts[spender] = true;
		w->num_conflicts++;
	}
	return true;
}

/* The coin input i spends: an output of a mempool transaction (height
 * tip + 1, as Core) or of the active chain. */
static bool find_coin(struct mempool *pool, const struct bitcoin_outpoint *prevout,
		      struct coin *coin)
{
	long parent = mempool_find(pool, &prevout->txid);

	if (parent >= 0) {
		const struct bitcoin_tx *tx = pool->entries[parent]->tx;
		if (prevout->vout >= tx->num_outputs)
			return false;
		coin->out.amount_sat = tx->outputs[prevout->vout].amount_sat;
		coin->out.script_len = tx->outputs[prevout->vout].script_len;
		coin->out.script = wire_memdup(tx->outputs[prevout->vout].script,
					       coin->out.script_len);
		coin->height = chain_tip(pool->chain)->height + 1;
		coin->is_coinbase = false;
		return true;
	}
	return chain_get_coin(pool->chain, prevout, coin);
}

/* Core's ReplacementChecks (policy/rbf.cpp). */
static bool check_replacement(struct mempool *pool, struct accept_work *w,
			      uint64_t fee, size_t vsize, struct validation_state *st)
{
	uint64_t evicted_fees = 0;
	size_t num_evicted = 0;
	char hex[65], a[48], b[48];
	bool *marks = wire_calloc(pool->num + 1, sizeof(*marks));

	bitcoin_txid_to_hex(hex, &w->txid);
	for (size_t i = 0; i < pool->num; i++) {
		if (!w->conflicts[i])
			continue;
		const struct mempool_entry *e = pool->entries[i];
		/* Rule 6: a higher feerate than each direct conflict. */
		if (fee * 1000 / vsize <= e->fee_sat * 1000 / e->vsize) {
			free(marks);
			return validation_fail(st, VALIDATION_MEMPOOL_POLICY, "insufficient fee",
					       "rejecting replacement %s; new feerate %s <= old feerate %s",
					       hex, feerate_string(a, fee, vsize),
					       feerate_string(b, e->fee_sat, e->vsize));
		}
		w->evict[i] = true;
		mempool_mark_descendants(pool, i, marks);
		for (size_t j = 0; j < pool->num; j++)
			w->evict[j] |= marks[j];
	}
	free(marks);
	for (size_t i = 0; i < pool->num; i++) {
		if (!w->evict[i])
			continue;
		num_evicted++;
		evicted_fees += pool->entries[i]->fee_sat;
		/* A replacement may not spend what it replaces. */
		if (spends_from(w->tx, &pool->entries[i]->txid)) {
			char other[65];
			return validation_fail(st, VALIDATION_CONSENSUS,
					       "bad-txns-spends-conflicting-tx",
					       "%s spends conflicting transaction %s", hex,
					       bitcoin_txid_to_hex(other, &pool->entries[i]->txid));
		}
	}
	if (num_evicted > MEMPOOL_MAX_REPLACEMENT_EVICTIONS)
		return validation_fail(st, VALIDATION_MEMPOOL_POLICY,
				       "too many potential replacements",
				       "rejecting replacement %s; too many potential replacements (%zu > %d)",
				       hex, num_evicted, MEMPOOL_MAX_REPLACEMENT_EVICTIONS);
	/* Rule 2: no new unconfirmed inputs. */
	for (size_t i = 0; i < w->tx->num_inputs; i++) {
		const struct bitcoin_outpoint *prevout = &w->tx->inputs[i].prevout;
		bool was_input = false;
		if (mempool_find(pool, &prevout->txid) < 0)
			continue;
		for (size_t c = 0; !was_input && c < pool->num; c++)
			was_input = w->conflicts[c]
				    && spends_from(pool->entries[c]->tx, &prevout->txid);
		if (!was_input)
			return validation_fail(st, VALIDATION_MEMPOOL_POLICY,
					       "replacement-adds-unconfirmed",
					       "replacement %s adds unconfirmed input, idx %zu",
					       hex, i);
	}
	/* Rules 3 and 4: pay for what is evicted, and for its own relay. */
	if (fee < evicted_fees)
		return validation_fail(st, VALIDATION_MEMPOOL_POLICY, "insufficient fee",
				       "rejecting replacement %s, less fees than conflicting txs; %s < %s",
				       hex, format_money(a, fee), format_money(b, evicted_fees));
	if (fee - evicted_fees < vsize * INCREMENTAL_RELAY_FEERATE_PER_KVB / 1000)
		return validation_fail(st, VALIDATION_MEMPOOL_POLICY, "insufficient fee",
				       "rejecting replacement %s, not enough additional fees to relay; %s < %s",
				       hex, format_money(a, fee - evicted_fees),
				       format_money(b, vsize * INCREMENTAL_RELAY_FEERATE_PER_KVB / 1000));
	return true;
}

/* Everything after the conflicts are known: inputs, locks, fees, limits,
 * replacement, scripts.  Core's PreChecks, ReplacementChecks and
 * PolicyScriptChecks in their order. */
static bool check_tx(struct mempool *pool, struct accept_work *w, uint64_t *fee,
		     size_t vsize, struct validation_state *st)
{
	const struct bitcoin_tx *tx = w->tx;
	const struct block_index *tip = chain_tip(pool->chain);
	struct mtp_source mtps = chain_mtp_source(pool->chain);
	struct bitcoin_tx_output *spent;
	bool ok = true, *marks;
	size_t ancestors = 0;

	for (size_t i = 0; i < tx->num_inputs; i++) {
		if (find_coin(pool, &tx->inputs[i].prevout, &w->coins[i]))
			continue;
		/* Missing because the transaction is already confirmed? */
		if (store_tx_has_unspent(pool->store, &w->txid))
			return validation_fail(st, VALIDATION_CONFLICT, "txn-already-known", NULL);
		return validation_fail(st, VALIDATION_MISSING_INPUTS,
				       "bad-txns-inputs-missingorspent", NULL);
	}
	if (!tx_sequence_locks_ok(tx, w->coins, tip->height + 1,
				  tip->median_time_past, &mtps))
		return validation_fail(st, VALIDATION_PREMATURE_SPEND, "non-BIP68-final", NULL);
	if (!tx_check_inputs(tx, w->coins, tip->height + 1, fee, st))
		return false;

	spent = wire_calloc(tx->num_inputs, sizeof(*spent));
	for (size_t i = 0; i < tx->num_inputs; i++)
		spent[i] = w->coins[i].out;
	if (!policy_are_inputs_standard(tx, spent))
		ok = validation_fail(st, VALIDATION_NOT_STANDARD,
				     "bad-txns-nonstandard-inputs", NULL);
	else if (bitcoin_tx_has_witness(tx) && !policy_is_witness_standard(tx, spent))
		ok = validation_fail(st, VALIDATION_NOT_STANDARD,
				     "bad-witness-nonstandard", NULL);
	free(spent);
	if (!ok)
		return false;

	if (*fee < vsize * MIN_RELAY_FEERATE_PER_KVB / 1000)
		return validation_fail(st, VALIDATION_MEMPOOL_POLICY, "min relay fee not met",
				       "%" PRIu64 " < %zu", *fee,
				       vsize * MIN_RELAY_FEERATE_PER_KVB / 1000);
	marks = wire_calloc(pool->num + 1, sizeof(*marks));
	mark_ancestors_of(pool, tx, pool->num, marks);
	for (size_t i = 0; i < pool->num; i++)
		ancestors += marks[i];
	free(marks);
	if (ancestors + 1 > MEMPOOL_ANCESTOR_LIMIT)
		return validation_fail(st, VALIDATION_MEMPOOL_POLICY, "too-long-mempool-chain",
				       "too many unconfirmed ancestors [limit: %d]",
				       MEMPOOL_ANCESTOR_LIMIT);
	if (w->num_conflicts && !check_replacement(pool, w, *fee, vsize, st))
		return false;
	return tx_check_scripts(pool->secp, tx, w->coins, SCRIPT_VERIFY_STANDARD, st);
}

/* The checks that need no coins: Core's PreChecks up to the conflicts. */
static bool check_tx_alone(struct mempool *pool, const struct bitcoin_tx *tx,
			   const struct bitcoin_txid *txid,
			   const struct bitcoin_txid *wtxid,
			   struct validation_state *st)
{
	const struct block_index *tip = chain_tip(pool->chain);
	const char *reason;
	long existing;

	if (!tx_check(tx, st))
		return false;
	if (tx_is_coinbase(tx))
		return validation_fail(st, VALIDATION_CONSENSUS, "coinbase", NULL);
	if (!policy_is_standard_tx(tx, &reason))
		return validation_fail(st, VALIDATION_NOT_STANDARD, reason, NULL);
	/* Smaller than a 64-byte tx could be confused with a merkle node. */
	if (bitcoin_tx_base_size(tx) < MIN_STANDARD_TX_NONWITNESS_SIZE)
		return validation_fail(st, VALIDATION_NOT_STANDARD, "tx-size-small", NULL);
	if (!tx_is_final(tx, tip->height + 1, tip->median_time_past))
		return validation_fail(st, VALIDATION_PREMATURE_SPEND, "non-final", NULL);
	existing = mempool_find(pool, txid);
	if (existing >= 0)
		return validation_fail(st, VALIDATION_CONFLICT,
				       bitcoin_txid_eq(&pool->entries[existing]->wtxid, wtxid)
				       ? "txn-already-in-mempool"
				       : "txn-same-nonwitness-data-in-mempool", NULL);
	return true;
}

bool mempool_accept(struct mempool *pool, const struct bitcoin_tx *tx,
		    int64_t now, enum mempool_accept_mode mode,
		    struct mempool_accept_result *res,
		    struct validation_state *st)
{
	struct accept_work w = {
		.tx = tx, .allow_replacement = mode != MEMPOOL_ACCEPT_NO_REPLACE,
	};
	size_t vsize = bitcoin_tx_vsize(tx);
	uint64_t fee = 0;
	bool ok;

	memset(res, 0, sizeof(*res));
	bitcoin_tx_txid(&w.txid, tx);
	bitcoin_tx_wtxid(&res->wtxid, tx);
	res->txid = w.txid;
	res->vsize = vsize;
	st->result = VALIDATION_OK;
	st->reason[0] = st->debug[0] = '\0';
	if (!check_tx_alone(pool, tx, &w.txid, &res->wtxid, st))
		return false;

	w.coins = wire_calloc(tx->num_inputs, sizeof(*w.coins));
	w.conflicts = wire_calloc(pool->num + 1, sizeof(*w.conflicts));
	w.evict = wire_calloc(pool->num + 1, sizeof(*w.evict));
	ok = find_conflicts(pool, &w, st) && check_tx(pool, &w, &fee, vsize, st);
	res->fee_sat = fee;
	if (ok && mode != MEMPOOL_TEST) {
		struct mempool_entry *entry = wire_calloc(1, sizeof(*entry));
		for (size_t i = 0; i < pool->num; i++)
			res->num_replaced += w.evict[i];
		remove_marked(pool, w.evict);
		entry->tx = bitcoin_tx_dup(tx);
		entry->txid = w.txid;
		entry->wtxid = res->wtxid;
		entry->fee_sat = fee;
		entry->vsize = vsize;
		entry->weight = bitcoin_tx_weight(tx);
		entry->time = now;
		entry->height = chain_tip(pool->chain)->height;
		entry_add(pool, entry, true);
	}
	for (size_t i = 0; i < tx->num_inputs; i++)
		coin_clear(&w.coins[i]);
	free(w.coins);
	free(w.conflicts);
	free(w.evict);
	return ok;
}

void mempool_remove_for_block(struct mempool *pool, const struct bitcoin_block *b)
{
	bool *marks = wire_calloc(pool->num + 1, sizeof(*marks));
	bool *descendants = wire_calloc(pool->num + 1, sizeof(*descendants));

	for (size_t t = 1; t < b->num_txs; t++) {
		const struct bitcoin_tx *tx = b->txs[t];
		struct bitcoin_txid txid;
		long mined;

		/* Mined: its children stay, now spending confirmed coins. */
		bitcoin_tx_txid(&txid, tx);
		mined = mempool_find(pool, &txid);
		if (mined >= 0)
			marks[mined] = true;
		/* Conflicts go, with everything built on them. */
		for (size_t i = 0; i < tx->num_inputs; i++) {
			long spender = mempool_find_spender(pool, &tx->inputs[i].prevout);
			if (spender < 0 || spender == mined)
				continue;
			marks[spender] = true;
			mempool_mark_descendants(pool, (size_t)spender, descendants);
			for (size_t j = 0; j < pool->num; j++)
				marks[j] |= descendants[j];
		}
	}
	remove_marked(pool, marks);
	free(marks);
	free(descendants);
}

/* Re-accepts tx as of `time`, silently dropping it if it no longer
 * passes. */
static void readd(struct mempool *pool, const struct bitcoin_tx *tx, int64_t time)
{
	struct mempool_accept_result res;
	struct validation_state st;
	mempool_accept(pool, tx, time, MEMPOOL_ACCEPT, &res, &st);
}

void mempool_resync(struct mempool *pool, struct tx_list *disconnected,
		    int64_t now)
{
	struct mempool_entry **old = pool->entries;
	size_t num_old = pool->num;

	pool->entries = NULL;
	pool->num = pool->cap = 0;
	pool->sequence += num_old;
	store_mempool_clear(pool->store);
	for (size_t i = 0; i < disconnected->num; i++)
		readd(pool, disconnected->txs[i], now);
	for (size_t i = 0; i < num_old; i++) {
		readd(pool, old[i]->tx, old[i]->time);
		entry_free(old[i]);
	}
	free(old);
}

struct load_state {
	struct tx_list txs;
	int64_t *times;
	size_t cap;
};

static void load_tx(void *arg, const uint8_t *data, size_t len, int64_t time)
{
	struct load_state *load = arg;
	struct bitcoin_tx *tx = bitcoin_tx_parse(data, len, NULL);

	if (!tx)
		return;
	if (load->txs.num == load->cap) {
		size_t cap = load->cap ? load->cap * 2 : 16;
		int64_t *times = wire_calloc(cap, sizeof(*times));
		if (load->txs.num)
			memcpy(times, load->times, load->txs.num * sizeof(*times));
		free(load->times);
		load->times = times;
		load->cap = cap;
	}
	load->times[load->txs.num] = time;
	tx_list_add(&load->txs, tx);
}

size_t mempool_load(struct mempool *pool)
{
	struct load_state load = {{0}, NULL, 0};

	/* Start from an empty table: what still passes is written back. */
	store_mempool_load(pool->store, load_tx, &load);
	store_mempool_clear(pool->store);
	for (size_t i = 0; i < load.txs.num; i++)
		readd(pool, load.txs.txs[i], load.times[i]);
	tx_list_clear(&load.txs);
	free(load.times);
	return pool->num;
}
