/* The block tree, connecting and disconnecting blocks, reorgs.  See
 * chain.h.
 *
 * Invariants:
 * - active[h] is the active chain's block at height h; active[0] is the
 *   regtest genesis; the store's chain table mirrors active[].
 * - The UTXO set and transaction index in the store are exactly those of
 *   the active chain (the genesis coinbase is unspendable, as in Core).
 * - A block whose ancestor has failed is BLOCK_STATUS_FAILED_CHILD, so a
 *   VALID status alone says a block may be activated.
 */
#include "contrib/devchain/chain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitcoin/script.h"
#include "bitcoin/serialize.h"
#include "contrib/devchain/interpreter.h"
#include "wire/wire.h"
#include "wire/wirebuf.h"

struct chain {
	struct store *store;
	const secp256k1_context *secp;
	struct block_index **all;	/* owned, in the order made */
	size_t num_all, cap_all;
	struct block_index **table;	/* open addressing by hash */
	size_t table_cap;
	struct block_index **active;
	size_t active_len, active_cap;
	uint64_t next_seq;
};

void tx_list_add(struct tx_list *list, struct bitcoin_tx *tx)
{
	if (list->num == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 16;
		struct bitcoin_tx **txs = wire_calloc(cap, sizeof(*txs));
		if (list->num)
			memcpy(txs, list->txs, list->num * sizeof(*txs));
		free(list->txs);
		list->txs = txs;
		list->cap = cap;
	}
	list->txs[list->num++] = tx;
}

void tx_list_clear(struct tx_list *list)
{
	for (size_t i = 0; i < list->num; i++)
		bitcoin_tx_free(list->txs[i]);
	free(list->txs);
	memset(list, 0, sizeof(*list));
}

/* ---- The index ---- */

static size_t hash_slot(const struct sha256_double *hash, size_t cap)
{
	uint64_t h;
	memcpy(&h, hash->sha.u8, sizeof(h));
	return (size_t)h & (cap - 1);
}

static void table_insert(struct block_index **table, size_t cap,
			 struct block_index *index)
{
	size_t i = hash_slot(&index->hash, cap);
	while (table[i])
		i = (i + 1) & (cap - 1);
	table[i] = index;
}

const struct block_index *chain_lookup(const struct chain *chain,
				       const struct sha256_double *hash)
{
	size_t i = hash_slot(hash, chain->table_cap);
	while (chain->table[i]) {
		if (memcmp(&chain->table[i]->hash, hash, sizeof(*hash)) == 0)
			return chain->table[i];
		i = (i + 1) & (chain->table_cap - 1);
	}
	return NULL;
}

static struct block_index *lookup_mut(struct chain *chain,
				      const struct sha256_double *hash)
{
	return (struct block_index *)chain_lookup(chain, hash);
}

static void index_add(struct chain *chain, struct block_index *index)
{
	if (chain->num_all == chain->cap_all) {
		size_t cap = chain->cap_all * 2;
		struct block_index **all = wire_calloc(cap, sizeof(*all));
		memcpy(all, chain->all, chain->num_all * sizeof(*all));
		free(chain->all);
		chain->all = all;
		chain->cap_all = cap;
	}
	index->pos = chain->num_all;
	chain->all[chain->num_all++] = index;
	/* Keep the table at most half full. */
	if (chain->num_all * 2 > chain->table_cap) {
		size_t cap = chain->table_cap * 2;
		struct block_index **table = wire_calloc(cap, sizeof(*table));
		for (size_t i = 0; i < chain->num_all; i++)
			table_insert(table, cap, chain->all[i]);
		free(chain->table);
		chain->table = table;
		chain->table_cap = cap;
	} else {
		table_insert(chain->table, chain->table_cap, index);
	}
	if (index->seq >= chain->next_seq)
		chain->next_seq = index->seq + 1;
}

static int cmp_int64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Core's GetMedianTimePast: the median of the last 11 block times. */
static int64_t median_time_past(const struct block_index *index)
{
	int64_t times[11];
	size_t n = 0;

	for (; index && n < 11; index = index->prev)
		times[n++] = index->header.timestamp;
	qsort(times, n, sizeof(times[0]), cmp_int64);
	return times[n / 2];
}

static struct block_index *index_new(struct chain *chain, const struct bitcoin_block *b,
				     const struct sha256_double *hash,
				     uint64_t seq, enum block_status status)
{
	struct block_index *index = wire_calloc(1, sizeof(*index));

	index->hash = *hash;
	index->header = b->header;
	index->prev = lookup_mut(chain, &b->header.prev_hash.shad);
	index->height = index->prev ? index->prev->height + 1 : 0;
	index->seq = seq;
	index->status = status;
	index->num_tx = (uint32_t)b->num_txs;
	index->size = (uint32_t)block_total_size(b);
	index->stripped_size = (uint32_t)block_stripped_size(b);
	index->weight = (uint32_t)block_weight(b);
	index->median_time_past = median_time_past(index);
	return index;
}

static void active_set(struct chain *chain, uint32_t height,
		       struct block_index *index)
{
	if (height >= chain->active_cap) {
		size_t cap = chain->active_cap ? chain->active_cap * 2 : 256;
		struct block_index **active = wire_calloc(cap, sizeof(*active));
		if (chain->active_len)
			memcpy(active, chain->active,
			       chain->active_len * sizeof(*active));
		free(chain->active);
		chain->active = active;
		chain->active_cap = cap;
	}
	chain->active[height] = index;
	chain->active_len = (size_t)height + 1;
}

const struct block_index *chain_tip(const struct chain *chain)
{
	return chain->active[chain->active_len - 1];
}

const struct block_index *chain_at(const struct chain *chain, uint32_t height)
{
	return height < chain->active_len ? chain->active[height] : NULL;
}

bool chain_contains(const struct chain *chain, const struct block_index *index)
{
	return chain_at(chain, index->height) == index;
}

size_t chain_num_blocks(const struct chain *chain)
{
	return chain->num_all;
}

const struct block_index *chain_block(const struct chain *chain, size_t i)
{
	return chain->all[i];
}

struct bitcoin_block *chain_read_block(const struct chain *chain,
			       const struct block_index *index)
{
	size_t len;
	uint8_t *data = store_block_data(chain->store, &index->hash, &len);
	struct bitcoin_block *b = data ? bitcoin_block_parse(data, len, NULL) : NULL;

	free(data);
	if (!b) {
		fprintf(stderr, "ohm-devchain: stored block is missing or corrupt\n");
		abort();
	}
	return b;
}

static int64_t mtp_at(void *arg, uint32_t height)
{
	const struct chain *chain = arg;
	const struct block_index *index = chain_at(chain, height);
	return index ? index->median_time_past : 0;
}

struct mtp_source chain_mtp_source(const struct chain *chain)
{
	struct mtp_source source = {(void *)chain, mtp_at};
	return source;
}

bool chain_get_coin(const struct chain *chain,
		    const struct bitcoin_outpoint *outpoint, struct coin *coin)
{
	return store_coin_get(chain->store, outpoint, coin);
}

/* ---- Connecting and disconnecting ---- */

/* Undo data: each spent coin, in block order, as amount, height,
 * coinbase flag and script. */
static void towire_coin(struct wirebuf *buf, const struct coin *coin)
{
	towire_le64(buf, coin->out.amount_sat);
	towire_le32(buf, coin->height);
	towire_u8(buf, coin->is_coinbase);
	towire_compactsize_bytes(buf, coin->out.script, coin->out.script_len);
}

static bool fromwire_coin(const uint8_t **cursor, size_t *max, struct coin *coin)
{
	uint64_t len;

	coin->out.amount_sat = fromwire_le64(cursor, max);
	coin->height = fromwire_le32(cursor, max);
	coin->is_coinbase = fromwire_u8(cursor, max) != 0;
	len = fromwire_compactsize(cursor, max);
	coin->out.script_len = *cursor && len <= *max ? (size_t)len : 0;
	coin->out.script = wire_memdup(fromwire_pull(cursor, max, (size_t)len),
				       coin->out.script_len);
	return *cursor != NULL;
}

/* Core's AddCoins: every spendable output of tx. */
static void add_coins(struct store *store, const struct bitcoin_tx *tx,
		      const struct bitcoin_txid *txid, uint32_t height,
		      bool is_coinbase)
{
	for (size_t i = 0; i < tx->num_outputs; i++) {
		const struct bitcoin_tx_output *out = &tx->outputs[i];
		struct bitcoin_outpoint outpoint = {*txid, (uint32_t)i};
		struct coin coin = {*out, height, is_coinbase};
		if ((out->script_len > 0 && out->script[0] == OP_RETURN)
		    || out->script_len > SCRIPT_MAX_LEN)
			continue;
		store_coin_add(store, &outpoint, &coin);
	}
}

/* Core's ConnectBlock for a transaction past the coinbase: inputs exist,
 * CheckTxInputs, BIP68, scripts; then spends the inputs into undo. */
static bool connect_tx(struct chain *chain, const struct bitcoin_tx *tx,
		       const struct bitcoin_txid *txid, uint32_t height,
		       int64_t prev_mtp, struct wirebuf *undo, uint64_t *fee,
		       struct validation_state *st)
{
	struct coin *coins = wire_calloc(tx->num_inputs, sizeof(*coins));
	struct mtp_source mtps = chain_mtp_source(chain);
	char hex[65];
	bool ok = true;

	bitcoin_txid_to_hex(hex, txid);
	for (size_t i = 0; ok && i < tx->num_inputs; i++)
		if (!store_coin_get(chain->store, &tx->inputs[i].prevout, &coins[i]))
			ok = validation_fail(st, VALIDATION_MISSING_INPUTS,
					     "bad-txns-inputs-missingorspent",
					     "CheckTxInputs: inputs missing/spent in transaction %s",
					     hex);
	if (ok && !tx_check_inputs(tx, coins, height, fee, st)) {
		/* Core adds which transaction to the detail. */
		struct validation_state inner = *st;
		ok = validation_fail(st, inner.result, inner.reason, "%s%sin transaction %s",
				     inner.debug, inner.debug[0] ? " " : "", hex);
	}
	if (ok && !tx_sequence_locks_ok(tx, coins, height, prev_mtp, &mtps))
		ok = validation_fail(st, VALIDATION_CONSENSUS, "bad-txns-nonfinal",
				     "contains a non-BIP68-final transaction");
	if (ok && !tx_check_scripts(chain->secp, tx, coins,
				    SCRIPT_VERIFY_MANDATORY, st))
		ok = false;
	for (size_t i = 0; i < tx->num_inputs; i++) {
		if (ok) {
			towire_coin(undo, &coins[i]);
			store_coin_delete(chain->store, &tx->inputs[i].prevout);
		}
		coin_clear(&coins[i]);
	}
	free(coins);
	return ok;
}

/* Core's ConnectBlock: validates b as the child of the tip and applies it
 * to the UTXO set, all inside a savepoint that a failure rolls back. */
static bool connect_block(struct chain *chain, struct block_index *index,
			  const struct bitcoin_block *b, struct validation_state *st)
{
	const struct block_index *prev = chain_tip(chain);
	struct wirebuf *undo = wirebuf_new();
	uint64_t fees = 0, limit;
	bool ok = block_check(b, index->height, prev->median_time_past, st);

	store_savepoint(chain->store);
	for (size_t i = 0; ok && i < b->num_txs; i++) {
		struct bitcoin_txid txid;
		uint64_t fee = 0;
		bitcoin_tx_txid(&txid, b->txs[i]);
		if (i > 0 && !connect_tx(chain, b->txs[i], &txid, index->height,
					 prev->median_time_past, undo, &fee, st)) {
			ok = false;
			break;
		}
		fees += fee;
		add_coins(chain->store, b->txs[i], &txid, index->height, i == 0);
		store_txindex_add(chain->store, &txid, &index->hash);
	}
	limit = fees + block_subsidy(index->height);
	if (ok && tx_value_out(b->txs[0]) > limit)
		ok = validation_fail(st, VALIDATION_CONSENSUS, "bad-cb-amount",
				     "coinbase pays too much (actual=%llu vs limit=%llu)",
				     (unsigned long long)tx_value_out(b->txs[0]),
				     (unsigned long long)limit);
	if (ok) {
		store_undo_put(chain->store, &index->hash, undo->data, undo->len);
		store_chain_set(chain->store, index->height, &index->hash);
		store_savepoint_release(chain->store);
		active_set(chain, index->height, index);
	} else {
		store_savepoint_rollback(chain->store);
	}
	wirebuf_free(undo);
	return ok;
}

/* Core's DisconnectBlock for the tip: removes its outputs, restores the
 * coins it spent, and hands its transactions (but the coinbase) over. */
static void disconnect_tip(struct chain *chain, struct tx_list *disconnected)
{
	struct block_index *tip = chain->active[chain->active_len - 1];
	struct bitcoin_block *b = chain_read_block(chain, tip);
	size_t undo_len, total = 0, next;
	uint8_t *undo = store_undo_get(chain->store, &tip->hash, &undo_len);
	const uint8_t *cursor = undo;
	size_t max = undo_len;
	struct coin *coins;

	for (size_t i = 1; i < b->num_txs; i++)
		total += b->txs[i]->num_inputs;
	coins = wire_calloc(total + 1, sizeof(*coins));
	for (size_t i = 0; i < total; i++)
		fromwire_coin(&cursor, &max, &coins[i]);
	if (!undo || !cursor || max != 0) {
		fprintf(stderr, "ohm-devchain: undo data of a block is corrupt\n");
		abort();
	}
	/* Undo in reverse: a later transaction may spend an earlier one's
	 * output, which must be gone before its own inputs come back. */
	next = total;
	for (size_t i = b->num_txs; i-- > 0;) {
		const struct bitcoin_tx *tx = b->txs[i];
		struct bitcoin_txid txid;
		bitcoin_tx_txid(&txid, tx);
		for (size_t j = 0; j < tx->num_outputs; j++) {
			struct bitcoin_outpoint outpoint = {txid, (uint32_t)j};
			store_coin_delete(chain->store, &outpoint);
		}
		store_txindex_delete(chain->store, &txid);
		if (i == 0)
			continue;
		next -= tx->num_inputs;
		for (size_t j = 0; j < tx->num_inputs; j++)
			store_coin_add(chain->store, &tx->inputs[j].prevout,
				       &coins[next + j]);
	}
	for (size_t i = 1; i < b->num_txs; i++) {
		tx_list_add(disconnected, b->txs[i]);
		b->txs[i] = NULL;
	}
	b->num_txs = 1;
	for (size_t i = 0; i < total; i++)
		coin_clear(&coins[i]);
	free(coins);
	free(undo);
	bitcoin_block_free(b);
	store_chain_remove(chain->store, tip->height);
	chain->active_len--;
}

uint64_t *chain_block_fees(const struct chain *chain,
			   const struct block_index *index, const struct bitcoin_block *b)
{
	uint64_t *fees = wire_calloc(b->num_txs + 1, sizeof(*fees));
	size_t len;
	uint8_t *undo = store_undo_get(chain->store, &index->hash, &len);
	const uint8_t *cursor = undo;
	size_t max = len;

	for (size_t t = 1; undo && t < b->num_txs; t++) {
		uint64_t in = 0;
		for (size_t i = 0; i < b->txs[t]->num_inputs; i++) {
			struct coin coin;
			fromwire_coin(&cursor, &max, &coin);
			in += coin.out.amount_sat;
			coin_clear(&coin);
		}
		fees[t] = in - tx_value_out(b->txs[t]);
	}
	if (!undo || !cursor) {
		free(fees);
		fees = NULL;
	}
	free(undo);
	return fees;
}

bool chain_test_block(struct chain *chain, const struct bitcoin_block *b,
		      struct validation_state *st)
{
	struct block_index *index;
	struct sha256_double hash;
	size_t active_len = chain->active_len;
	bool ok;

	block_hash(&hash, &b->header);
	if (memcmp(&b->header.prev_hash, &chain_tip(chain)->hash, sizeof(hash)) != 0)
		return validation_fail(st, VALIDATION_CONSENSUS, "bad-prevblk",
				       "block does not build on the tip");
	index = index_new(chain, b, &hash, chain->next_seq, BLOCK_STATUS_VALID);
	store_savepoint(chain->store);
	ok = connect_block(chain, index, b, st);
	store_savepoint_rollback(chain->store);
	chain->active_len = active_len;
	free(index);
	return ok;
}

/* ---- Choosing the active chain ---- */

/* Persists a status change. */
static void set_status(struct chain *chain, struct block_index *index,
		       enum block_status status)
{
	if (index->status == status)
		return;
	index->status = status;
	store_block_set_status(chain->store, &index->hash, status);
}

/* Restores the invariant that descendants of failed blocks are failed:
 * all[] lists every parent before its children. */
static void propagate_failures(struct chain *chain)
{
	for (size_t i = 0; i < chain->num_all; i++) {
		struct block_index *index = chain->all[i];
		if (index->prev && index->prev->status != BLOCK_STATUS_VALID
		    && index->status == BLOCK_STATUS_VALID)
			set_status(chain, index, BLOCK_STATUS_FAILED_CHILD);
	}
}

/* The valid block with the most work.  Equal work keeps the current tip,
 * else the block made first (Core prefers the first seen). */
static struct block_index *find_best(struct chain *chain)
{
	struct block_index *tip = chain->active[chain->active_len - 1];
	struct block_index *best = tip;

	for (size_t i = 0; i < chain->num_all; i++) {
		struct block_index *index = chain->all[i];
		if (index->status != BLOCK_STATUS_VALID)
			continue;
		if (index->height > best->height
		    || (index->height == best->height && best != tip
			&& index->seq < best->seq))
			best = index;
	}
	return best;
}

/* Core's ActivateBestChain: disconnect to the fork point, connect the
 * best branch; a block that fails to connect is marked failed and the
 * search starts over (possibly reconnecting the old branch). */
static void activate_best(struct chain *chain, struct tx_list *disconnected)
{
	for (;;) {
		struct block_index *best = find_best(chain), *fork;
		struct block_index **path;
		size_t path_len;

		if (best == chain->active[chain->active_len - 1])
			return;
		for (fork = best; !chain_contains(chain, fork); fork = fork->prev)
			;
		while (chain->active[chain->active_len - 1] != fork)
			disconnect_tip(chain, disconnected);
		path_len = best->height - fork->height;
		path = wire_calloc(path_len, sizeof(*path));
		for (struct block_index *i = best; i != fork; i = i->prev)
			path[i->height - fork->height - 1] = i;
		for (size_t i = 0; i < path_len; i++) {
			struct validation_state st;
			struct bitcoin_block *b = chain_read_block(chain, path[i]);
			bool ok = connect_block(chain, path[i], b, &st);
			bitcoin_block_free(b);
			if (!ok) {
				fprintf(stderr, "ohm-devchain: block at height %u "
					"failed to connect: %s\n",
					path[i]->height, st.reason);
				set_status(chain, path[i], BLOCK_STATUS_FAILED);
				propagate_failures(chain);
				break;
			}
		}
		free(path);
	}
}

bool chain_submit_block(struct chain *chain, const struct bitcoin_block *b,
			struct validation_state *st,
			struct tx_list *disconnected)
{
	struct block_index *tip = chain->active[chain->active_len - 1];
	struct block_index *index;
	struct sha256_double hash;
	struct wirebuf *data;

	block_hash(&hash, &b->header);
	if (chain_lookup(chain, &hash))
		return validation_fail(st, VALIDATION_CONSENSUS, "duplicate", NULL);
	/* ohm-devchain only ever builds on its own tip. */
	if (memcmp(&b->header.prev_hash, &tip->hash, sizeof(hash)) != 0)
		return validation_fail(st, VALIDATION_CONSENSUS, "bad-prevblk",
				       "block does not build on the tip");
	index = index_new(chain, b, &hash, chain->next_seq, BLOCK_STATUS_VALID);
	if (!connect_block(chain, index, b, st)) {
		free(index);
		return false;
	}
	data = wirebuf_new();
	bitcoin_block_serialize(data, b, true);
	store_block_add(chain->store, &hash, index->height, index->seq,
			BLOCK_STATUS_VALID, data->data, data->len);
	wirebuf_free(data);
	index_add(chain, index);
	/* A better branch cannot exist (we extended the tip), but keep the
	 * one rule in one place. */
	activate_best(chain, disconnected);
	return true;
}

void chain_invalidate(struct chain *chain, const struct block_index *target,
		      struct tx_list *disconnected)
{
	struct block_index *index = lookup_mut(chain, &target->hash);

	while (chain_contains(chain, index))
		disconnect_tip(chain, disconnected);
	set_status(chain, index, BLOCK_STATUS_FAILED);
	propagate_failures(chain);
	activate_best(chain, disconnected);
}

void chain_reconsider(struct chain *chain, const struct block_index *target,
		      struct tx_list *disconnected)
{
	struct block_index *index = lookup_mut(chain, &target->hash);
	bool *below = wire_calloc(chain->num_all, sizeof(*below));

	/* index and its descendants: all[] lists parents first. */
	below[index->pos] = true;
	for (size_t i = index->pos + 1; i < chain->num_all; i++)
		below[i] = chain->all[i]->prev && below[chain->all[i]->prev->pos];
	for (size_t i = index->pos; i < chain->num_all; i++)
		if (below[i])
			set_status(chain, chain->all[i], BLOCK_STATUS_VALID);
	free(below);
	for (struct block_index *i = index->prev; i; i = i->prev)
		set_status(chain, i, BLOCK_STATUS_VALID);
	/* Blocks below another failed block stay failed. */
	propagate_failures(chain);
	activate_best(chain, disconnected);
}

/* ---- Loading ---- */

struct load_state {
	struct chain *chain;
	bool failed;
};

static void load_block(void *arg, const struct stored_block *stored)
{
	struct load_state *load = arg;
	struct bitcoin_block *b = bitcoin_block_parse(stored->data, stored->len, NULL);
	struct block_index *index;

	if (!b || (stored->height > 0
		   && !chain_lookup(load->chain, &b->header.prev_hash.shad))) {
		load->failed = true;
		bitcoin_block_free(b);
		return;
	}
	index = index_new(load->chain, b, &stored->hash, stored->seq,
			  stored->status);
	index_add(load->chain, index);
	bitcoin_block_free(b);
}

static bool load_active_chain(struct chain *chain)
{
	size_t n = store_chain_load(chain->store, NULL, 0);
	struct sha256_double *hashes = wire_calloc(n ? n : 1, sizeof(*hashes));
	bool ok = n > 0;

	store_chain_load(chain->store, hashes, n);
	for (size_t h = 0; ok && h < n; h++) {
		struct block_index *index = lookup_mut(chain, &hashes[h]);
		ok = index && index->height == h
		     && (h == 0 || index->prev == chain->active[h - 1]);
		if (ok)
			active_set(chain, (uint32_t)h, index);
	}
	free(hashes);
	return ok;
}

static void create_genesis(struct chain *chain)
{
	struct bitcoin_block *genesis = block_regtest_genesis();
	struct wirebuf *data = wirebuf_new();
	struct block_index *index;
	struct sha256_double hash;

	block_hash(&hash, &genesis->header);
	bitcoin_block_serialize(data, genesis, true);
	index = index_new(chain, genesis, &hash, 0, BLOCK_STATUS_VALID);
	store_begin(chain->store);
	store_block_add(chain->store, &hash, 0, 0, BLOCK_STATUS_VALID,
			data->data, data->len);
	store_chain_set(chain->store, 0, &hash);
	store_undo_put(chain->store, &hash, NULL, 0);
	store_commit(chain->store);
	index_add(chain, index);
	active_set(chain, 0, index);
	wirebuf_free(data);
	bitcoin_block_free(genesis);
}

struct chain *chain_open(struct store *store, const secp256k1_context *secp,
			 char *err, size_t errlen)
{
	struct chain *chain = wire_calloc(1, sizeof(*chain));
	struct load_state load = {chain, false};
	struct bitcoin_block *genesis = block_regtest_genesis();
	struct sha256_double genesis_hash;

	chain->store = store;
	chain->secp = secp;
	chain->cap_all = 64;
	chain->all = wire_calloc(chain->cap_all, sizeof(*chain->all));
	chain->table_cap = 128;
	chain->table = wire_calloc(chain->table_cap, sizeof(*chain->table));
	block_hash(&genesis_hash, &genesis->header);
	bitcoin_block_free(genesis);

	store_blocks_load(store, load_block, &load);
	if (chain->num_all == 0) {
		create_genesis(chain);
	} else if (load.failed || !load_active_chain(chain)
		   || memcmp(&chain->active[0]->hash, &genesis_hash,
			     sizeof(genesis_hash)) != 0) {
		snprintf(err, errlen, "the database's block tree is inconsistent "
			 "or not a regtest chain");
		chain_free(chain);
		return NULL;
	}
	return chain;
}

void chain_free(struct chain *chain)
{
	if (!chain)
		return;
	for (size_t i = 0; i < chain->num_all; i++)
		free(chain->all[i]);
	free(chain->all);
	free(chain->table);
	free(chain->active);
	free(chain);
}
