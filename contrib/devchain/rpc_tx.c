/* Transaction and mempool RPCs: getrawtransaction, decoderawtransaction,
 * sendrawtransaction, testmempoolaccept, gettxout, getrawmempool,
 * getmempoolentry, getmempoolinfo.  Shapes, messages and error codes
 * follow Core v28's rpc/rawtransaction.cpp, rpc/mempool.cpp and
 * node/transaction.cpp. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitcoin/script.h"
#include "bitcoin/serialize.h"
#include "contrib/devchain/jsonout.h"
#include "contrib/devchain/rpc.h"
#include "contrib/devchain/standard.h"
#include "contrib/devchain/txjson.h"

/* Core's default -maxtxfee rate for sendrawtransaction and
 * testmempoolaccept: 0.10 BTC/kvB. */
#define DEFAULT_MAX_RAW_TX_FEE_RATE_PER_KVB (COIN / 10)
/* Core's MAX_PACKAGE_COUNT. */
#define MAX_PACKAGE_COUNT 25

static struct bitcoin_tx *decode_tx(const json_t *hex)
{
	return bitcoin_tx_from_hex(json_string_value(hex), json_string_length(hex), NULL);
}

/* Core's ParseFeeRate for maxfeerate: BTC/kvB, below 1 BTC/kvB. */
static bool get_max_feerate(uint64_t *per_kvb, const json_t *value,
			    struct rpc_error *err)
{
	if (!value) {
		*per_kvb = DEFAULT_MAX_RAW_TX_FEE_RATE_PER_KVB;
		return true;
	}
	if (!rpc_get_amount(per_kvb, value, err))
		return false;
	if (*per_kvb >= COIN) {
		rpc_fail(err, RPC_INVALID_PARAMETER,
			 "Fee rates larger than or equal to 1BTC/kvB are not accepted");
		return false;
	}
	return true;
}

static json_t *rpc_decoderawtransaction(struct devchain *d, json_t *const *args,
					struct rpc_error *err)
{
	struct bitcoin_tx *tx = decode_tx(args[0]);
	struct tx_json_extra extra = {.include_hex = false};
	json_t *obj;

	if (!tx)
		return rpc_fail(err, RPC_DESERIALIZATION_ERROR, "TX decode failed");
	obj = tx_json(d->params, tx, &extra);
	bitcoin_tx_free(tx);
	return obj;
}

/* The genesis coinbase, which Core refuses to treat as a transaction. */
static bool is_genesis_coinbase(struct devchain *d, const struct bitcoin_txid *txid)
{
	struct bitcoin_block *genesis = chain_read_block(d->chain, chain_at(d->chain, 0));
	struct bitcoin_txid coinbase;

	bitcoin_tx_txid(&coinbase, genesis->txs[0]);
	bitcoin_block_free(genesis);
	return bitcoin_txid_eq(&coinbase, txid);
}

/* Finds txid in block index.  Returns: a copy of it, or NULL. */
static struct bitcoin_tx *tx_in_block(struct devchain *d, const struct block_index *index,
				      const struct bitcoin_txid *txid)
{
	struct bitcoin_block *b = chain_read_block(d->chain, index);
	struct bitcoin_tx *found = NULL;

	for (size_t i = 0; !found && i < b->num_txs; i++) {
		struct bitcoin_txid id;
		bitcoin_tx_txid(&id, b->txs[i]);
		if (bitcoin_txid_eq(&id, txid))
			found = bitcoin_tx_dup(b->txs[i]);
	}
	bitcoin_block_free(b);
	return found;
}

static json_t *rpc_getrawtransaction(struct devchain *d, json_t *const *args,
				     struct rpc_error *err)
{
	const struct block_index *index = NULL;
	struct bitcoin_txid txid;
	struct bitcoin_tx *tx = NULL;
	int verbosity;
	json_t *obj;

	if (!rpc_get_hash(&txid.shad, args[0], "parameter 1", err))
		return NULL;
	if (is_genesis_coinbase(d, &txid))
		return rpc_fail(err, RPC_INVALID_ADDRESS_OR_KEY,
				"The genesis block coinbase is not considered an ordinary transaction and cannot be retrieved");
	if (!rpc_get_verbosity(&verbosity, args[1], 0, err))
		return NULL;
	if (args[2]) {
		struct sha256_double hash;
		if (!rpc_get_hash(&hash, args[2], "parameter 3", err))
			return NULL;
		index = chain_lookup(d->chain, &hash);
		if (!index)
			return rpc_fail(err, RPC_INVALID_ADDRESS_OR_KEY, "Block hash not found");
		tx = tx_in_block(d, index, &txid);
		if (!tx)
			return rpc_fail(err, RPC_INVALID_ADDRESS_OR_KEY,
					"No such transaction found in the provided block. Use gettransaction for wallet transactions.");
	} else {
		long in_mempool = mempool_find(d->mempool, &txid);
		struct sha256_double hash;
		if (in_mempool >= 0) {
			tx = bitcoin_tx_dup(mempool_entry(d->mempool, (size_t)in_mempool)->tx);
		} else if (store_txindex_get(d->store, &txid, &hash)) {
			index = chain_lookup(d->chain, &hash);
			tx = index ? tx_in_block(d, index, &txid) : NULL;
		}
		if (!tx)
			return rpc_fail(err, RPC_INVALID_ADDRESS_OR_KEY,
					"No such mempool or blockchain transaction. Use gettransaction for wallet transactions.");
	}
	if (verbosity <= 0) {
		obj = tx_hex_json(tx);
	} else {
		struct tx_json_extra extra = {.include_hex = true};
		json_t *body;
		obj = json_object();
		if (args[2])
			json_object_set_new(obj, "in_active_chain",
					    json_boolean(chain_contains(d->chain, index)));
		body = tx_json(d->params, tx, &extra);
		json_object_update(obj, body);
		json_decref(body);
		if (index) {
			bool active = chain_contains(d->chain, index);
			json_object_set_new(obj, "blockhash", hash_json(&index->hash));
			json_object_set_new(obj, "confirmations",
					    json_integer(active ? (json_int_t)chain_tip(d->chain)->height
							 - index->height + 1 : 0));
			if (active) {
				json_object_set_new(obj, "time", json_integer(index->header.timestamp));
				json_object_set_new(obj, "blocktime", json_integer(index->header.timestamp));
			}
		}
	}
	bitcoin_tx_free(tx);
	return obj;
}

/* Core's check before broadcasting: a tx whose outputs are unspent in the
 * chain is already confirmed. */
static bool is_confirmed_unspent(struct devchain *d, const struct bitcoin_tx *tx)
{
	struct bitcoin_txid txid;
	bitcoin_tx_txid(&txid, tx);
	return store_tx_has_unspent(d->store, &txid);
}

static int reject_code(const struct validation_state *st)
{
	return st->result == VALIDATION_MISSING_INPUTS ? RPC_VERIFY_ERROR
						       : RPC_VERIFY_REJECTED;
}

static json_t *rpc_sendrawtransaction(struct devchain *d, json_t *const *args,
				      struct rpc_error *err)
{
	struct bitcoin_tx *tx = decode_tx(args[0]);
	struct mempool_accept_result res;
	struct validation_state st;
	struct bitcoin_txid txid;
	uint64_t max_feerate, max_burn = 0;
	char reason[sizeof(st.reason) + sizeof(st.debug) + 2];
	json_t *result = NULL;

	if (!tx)
		return rpc_fail(err, RPC_DESERIALIZATION_ERROR,
				"TX decode failed. Make sure the tx has at least one input.");
	if (!get_max_feerate(&max_feerate, args[1], err)
	    || (args[2] && !rpc_get_amount(&max_burn, args[2], err)))
		goto out;
	for (size_t i = 0; i < tx->num_outputs; i++) {
		const struct bitcoin_tx_output *o = &tx->outputs[i];
		bool unspendable = (o->script_len && o->script[0] == OP_RETURN)
				   || o->script_len > SCRIPT_MAX_LEN;
		if (unspendable && o->amount_sat > max_burn) {
			rpc_fail(err, RPC_VERIFY_ERROR,
				 "Unspendable output exceeds maximum configured by user (maxburnamount)");
			goto out;
		}
	}
	bitcoin_tx_txid(&txid, tx);
	if (is_confirmed_unspent(d, tx)) {
		rpc_fail(err, RPC_VERIFY_ALREADY_IN_CHAIN, "Transaction already in block chain");
		goto out;
	}
	/* Already in the mempool: nothing to do but succeed, as Core. */
	if (mempool_find(d->mempool, &txid) < 0) {
		if (!mempool_accept(d->mempool, tx, devchain_now(d), MEMPOOL_TEST, &res, &st)) {
			rpc_fail(err, reject_code(&st), "%s",
				 validation_state_string(reason, sizeof(reason), &st));
			goto out;
		}
		if (max_feerate && res.fee_sat > max_feerate * res.vsize / 1000) {
			rpc_fail(err, RPC_VERIFY_ERROR,
				 "Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)");
			goto out;
		}
		if (!devchain_submit_tx(d, tx, &res, &st)) {
			rpc_fail(err, reject_code(&st), "%s",
				 validation_state_string(reason, sizeof(reason), &st));
			goto out;
		}
	}
	result = hash_json(&txid.shad);
out:
	bitcoin_tx_free(tx);
	return result;
}

static json_t *rpc_testmempoolaccept(struct devchain *d, json_t *const *args,
				     struct rpc_error *err)
{
	size_t n = json_array_size(args[0]), first_added = mempool_count(d->mempool);
	struct bitcoin_tx **txs;
	uint64_t max_feerate;
	json_t *results;
	long failed = -1;

	if (n < 1 || n > MAX_PACKAGE_COUNT)
		return rpc_fail(err, RPC_INVALID_PARAMETER,
				"Array must contain between 1 and %d transactions.",
				MAX_PACKAGE_COUNT);
	if (!get_max_feerate(&max_feerate, args[1], err))
		return NULL;
	txs = calloc(n, sizeof(*txs));
	if (!txs)
		abort();
	for (size_t i = 0; i < n; i++) {
		const json_t *hex = json_array_get(args[0], i);
		txs[i] = json_is_string(hex) ? decode_tx(hex) : NULL;
		if (!txs[i]) {
			rpc_fail(err, RPC_DESERIALIZATION_ERROR,
				 "TX decode failed: %s Make sure the tx has at least one input.",
				 json_is_string(hex) ? json_string_value(hex) : "");
			for (size_t j = 0; j < i; j++)
				bitcoin_tx_free(txs[j]);
			free(txs);
			return NULL;
		}
	}

	/* A package is tried in order, each on top of the ones before: add
	 * them for real inside a savepoint, then take them back out. */
	results = json_array();
	store_begin(d->store);
	store_savepoint(d->store);
	for (size_t i = 0; i < n; i++) {
		struct mempool_accept_result res;
		struct validation_state st;
		json_t *obj = json_object(), *fees;
		struct bitcoin_txid txid, wtxid;

		bitcoin_tx_txid(&txid, txs[i]);
		bitcoin_tx_wtxid(&wtxid, txs[i]);
		json_object_set_new(obj, "txid", hash_json(&txid.shad));
		json_object_set_new(obj, "wtxid", hash_json(&wtxid.shad));
		json_array_append_new(results, obj);
		if (failed >= 0)
			continue;
		if (!mempool_accept(d->mempool, txs[i], devchain_now(d),
				    n == 1 ? MEMPOOL_TEST : MEMPOOL_ACCEPT_NO_REPLACE,
				    &res, &st)) {
			json_object_set_new(obj, "allowed", json_false());
			json_object_set_new(obj, "reject-reason",
					    json_string(st.result == VALIDATION_MISSING_INPUTS
							? "missing-inputs" : st.reason));
			failed = (long)i;
			continue;
		}
		if (max_feerate && res.fee_sat > max_feerate * res.vsize / 1000) {
			json_object_set_new(obj, "allowed", json_false());
			json_object_set_new(obj, "reject-reason", json_string("max-fee-exceeded"));
			failed = (long)i;
			continue;
		}
		json_object_set_new(obj, "allowed", json_true());
		json_object_set_new(obj, "vsize", json_integer((json_int_t)res.vsize));
		fees = json_object();
		json_object_set_new(fees, "base", json_amount(res.fee_sat));
		json_object_set_new(fees, "effective-feerate",
				    json_amount(res.fee_sat * 1000 / res.vsize));
		json_object_set_new(fees, "effective-includes", json_array());
		json_array_append_new(json_object_get(fees, "effective-includes"),
				      hash_json(&wtxid.shad));
		json_object_set_new(obj, "fees", fees);
	}
	/* As Core: once one fails, the others report no verdict. */
	for (size_t i = 0; failed >= 0 && i < n; i++) {
		json_t *obj = json_array_get(results, i);
		if ((long)i == failed)
			continue;
		json_object_del(obj, "allowed");
		json_object_del(obj, "vsize");
		json_object_del(obj, "fees");
	}
	while (mempool_count(d->mempool) > first_added)
		mempool_remove(d->mempool, mempool_count(d->mempool) - 1);
	store_savepoint_rollback(d->store);
	store_commit(d->store);
	for (size_t i = 0; i < n; i++)
		bitcoin_tx_free(txs[i]);
	free(txs);
	return results;
}

static json_t *rpc_gettxout(struct devchain *d, json_t *const *args,
			    struct rpc_error *err)
{
	const struct block_index *tip = chain_tip(d->chain);
	bool include_mempool = !args[2] || json_is_true(args[2]);
	struct bitcoin_outpoint outpoint;
	struct coin coin = {0};
	bool unconfirmed = false;
	int64_t vout;
	json_t *obj;

	if (!rpc_get_hash(&outpoint.txid.shad, args[0], "txid", err)
	    || !rpc_get_int(&vout, args[1], false, err))
		return NULL;
	if (vout < 0 || vout > UINT32_MAX)
		return rpc_fail(err, RPC_MISC_ERROR, "JSON integer out of range");
	outpoint.vout = (uint32_t)vout;
	if (include_mempool) {
		long parent = mempool_find(d->mempool, &outpoint.txid);
		if (mempool_find_spender(d->mempool, &outpoint) >= 0)
			return json_null();
		if (parent >= 0) {
			const struct bitcoin_tx *tx = mempool_entry(d->mempool, (size_t)parent)->tx;
			if (outpoint.vout >= tx->num_outputs)
				return json_null();
			coin.out = tx->outputs[outpoint.vout];
			coin.out.script = wire_memdup(coin.out.script, coin.out.script_len);
			unconfirmed = true;
		}
	}
	if (!unconfirmed && !chain_get_coin(d->chain, &outpoint, &coin))
		return json_null();
	obj = json_object();
	json_object_set_new(obj, "bestblock", hash_json(&tip->hash));
	json_object_set_new(obj, "confirmations",
			    json_integer(unconfirmed ? 0 : (json_int_t)tip->height - coin.height + 1));
	json_object_set_new(obj, "value", json_amount(coin.out.amount_sat));
	json_object_set_new(obj, "scriptPubKey",
			    script_pubkey_json(d->params, coin.out.script, coin.out.script_len));
	json_object_set_new(obj, "coinbase", json_boolean(coin.is_coinbase));
	coin_clear(&coin);
	return obj;
}

/* Core's entryToJSON. */
static json_t *entry_json(struct devchain *d, size_t index)
{
	const struct mempool_entry *e = mempool_entry(d->mempool, index);
	size_t n = mempool_count(d->mempool);
	bool *ancestors = calloc(n, sizeof(*ancestors));
	bool *descendants = calloc(n, sizeof(*descendants));
	uint64_t anc_size = e->vsize, anc_fee = e->fee_sat, desc_size = e->vsize;
	uint64_t desc_fee = e->fee_sat, anc_count = 1, desc_count = 1;
	json_t *obj = json_object(), *fees = json_object();
	json_t *depends = json_array(), *spentby = json_array();
	bool replaceable = false;

	if (!ancestors || !descendants)
		abort();
	mempool_mark_ancestors(d->mempool, index, ancestors);
	mempool_mark_descendants(d->mempool, index, descendants);
	for (size_t i = 0; i < n; i++) {
		const struct mempool_entry *other = mempool_entry(d->mempool, i);
		bool is_parent = false, is_child = false;
		for (size_t j = 0; j < e->tx->num_inputs; j++)
			is_parent |= bitcoin_txid_eq(&e->tx->inputs[j].prevout.txid, &other->txid);
		for (size_t j = 0; j < other->tx->num_inputs; j++)
			is_child |= bitcoin_txid_eq(&other->tx->inputs[j].prevout.txid, &e->txid);
		if (is_parent)
			json_array_append_new(depends, hash_json(&other->txid.shad));
		if (is_child)
			json_array_append_new(spentby, hash_json(&other->txid.shad));
		if (ancestors[i]) {
			anc_count++;
			anc_size += other->vsize;
			anc_fee += other->fee_sat;
		}
		if (descendants[i]) {
			desc_count++;
			desc_size += other->vsize;
			desc_fee += other->fee_sat;
		}
		/* BIP125: replaceable if it or an ancestor signals. */
		if (i == index || ancestors[i])
			for (size_t j = 0; j < other->tx->num_inputs; j++)
				replaceable |= other->tx->inputs[j].sequence <= 0xfffffffd;
	}
	json_object_set_new(obj, "vsize", json_integer((json_int_t)e->vsize));
	json_object_set_new(obj, "weight", json_integer((json_int_t)e->weight));
	json_object_set_new(obj, "time", json_integer(e->time));
	json_object_set_new(obj, "height", json_integer(e->height));
	json_object_set_new(obj, "descendantcount", json_integer((json_int_t)desc_count));
	json_object_set_new(obj, "descendantsize", json_integer((json_int_t)desc_size));
	json_object_set_new(obj, "ancestorcount", json_integer((json_int_t)anc_count));
	json_object_set_new(obj, "ancestorsize", json_integer((json_int_t)anc_size));
	json_object_set_new(obj, "wtxid", hash_json(&e->wtxid.shad));
	json_object_set_new(fees, "base", json_amount(e->fee_sat));
	json_object_set_new(fees, "modified", json_amount(e->fee_sat));
	json_object_set_new(fees, "ancestor", json_amount(anc_fee));
	json_object_set_new(fees, "descendant", json_amount(desc_fee));
	json_object_set_new(obj, "fees", fees);
	json_object_set_new(obj, "depends", depends);
	json_object_set_new(obj, "spentby", spentby);
	json_object_set_new(obj, "bip125-replaceable", json_boolean(replaceable));
	json_object_set_new(obj, "unbroadcast", json_false());
	free(ancestors);
	free(descendants);
	return obj;
}

static json_t *rpc_getrawmempool(struct devchain *d, json_t *const *args,
				 struct rpc_error *err)
{
	bool verbose = args[0] && json_is_true(args[0]);
	bool with_sequence = args[1] && json_is_true(args[1]);
	size_t n = mempool_count(d->mempool);
	json_t *result, *txids;

	if (verbose && with_sequence)
		return rpc_fail(err, RPC_INVALID_PARAMETER,
				"Verbose results cannot contain mempool sequence values.");
	if (verbose) {
		result = json_object();
		for (size_t i = 0; i < n; i++) {
			char hex[65];
			bitcoin_txid_to_hex(hex, &mempool_entry(d->mempool, i)->txid);
			json_object_set_new(result, hex, entry_json(d, i));
		}
		return result;
	}
	txids = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(txids, hash_json(&mempool_entry(d->mempool, i)->txid.shad));
	if (!with_sequence)
		return txids;
	result = json_object();
	json_object_set_new(result, "txids", txids);
	json_object_set_new(result, "mempool_sequence",
			    json_integer((json_int_t)mempool_sequence(d->mempool)));
	return result;
}

static json_t *rpc_getmempoolentry(struct devchain *d, json_t *const *args,
				   struct rpc_error *err)
{
	struct bitcoin_txid txid;
	long index;

	if (!rpc_get_hash(&txid.shad, args[0], "parameter 1", err))
		return NULL;
	index = mempool_find(d->mempool, &txid);
	if (index < 0)
		return rpc_fail(err, RPC_INVALID_ADDRESS_OR_KEY, "Transaction not in mempool");
	return entry_json(d, (size_t)index);
}

static json_t *rpc_getmempoolinfo(struct devchain *d, json_t *const *args,
				  struct rpc_error *err)
{
	size_t n = mempool_count(d->mempool);
	uint64_t bytes = 0, usage = 0, fees = 0;
	json_t *obj = json_object();

	for (size_t i = 0; i < n; i++) {
		const struct mempool_entry *e = mempool_entry(d->mempool, i);
		bytes += e->vsize;
		usage += bitcoin_tx_total_size(e->tx) + sizeof(*e);
		fees += e->fee_sat;
	}
	json_object_set_new(obj, "loaded", json_true());
	json_object_set_new(obj, "size", json_integer((json_int_t)n));
	json_object_set_new(obj, "bytes", json_integer((json_int_t)bytes));
	json_object_set_new(obj, "usage", json_integer((json_int_t)usage));
	json_object_set_new(obj, "total_fee", json_amount(fees));
	json_object_set_new(obj, "maxmempool", json_integer(300000000));
	json_object_set_new(obj, "mempoolminfee", json_amount(MIN_RELAY_FEERATE_PER_KVB));
	json_object_set_new(obj, "minrelaytxfee", json_amount(MIN_RELAY_FEERATE_PER_KVB));
	json_object_set_new(obj, "incrementalrelayfee",
			    json_amount(INCREMENTAL_RELAY_FEERATE_PER_KVB));
	json_object_set_new(obj, "unbroadcastcount", json_integer(0));
	json_object_set_new(obj, "fullrbf", json_false());
	return obj;
}

const struct rpc_command rpc_tx_commands[] = {
	{"getrawtransaction", rpc_getrawtransaction,
	 "Return the raw transaction data: any mempool transaction, and any confirmed one\n"
	 "(ohm-devchain indexes every transaction, as Core with -txindex=1).",
	 {{"txid", RPC_ARG_STR, true}, {"verbosity|verbose", RPC_ARG_ANY, false},
	  {"blockhash", RPC_ARG_STR, false}}},
	{"decoderawtransaction", rpc_decoderawtransaction,
	 "Return a JSON object representing the serialized, hex-encoded transaction.",
	 {{"hexstring", RPC_ARG_STR, true}, {"iswitness", RPC_ARG_BOOL, false}}},
	{"sendrawtransaction", rpc_sendrawtransaction,
	 "Submit a raw transaction (serialized, hex-encoded) to the mempool.",
	 {{"hexstring", RPC_ARG_STR, true}, {"maxfeerate", RPC_ARG_AMOUNT, false},
	  {"maxburnamount", RPC_ARG_AMOUNT, false}}},
	{"testmempoolaccept", rpc_testmempoolaccept,
	 "Returns result of mempool acceptance tests indicating if raw transaction(s) (serialized, hex-encoded) would be accepted by mempool.",
	 {{"rawtxs", RPC_ARG_ARR, true}, {"maxfeerate", RPC_ARG_AMOUNT, false}}},
	{"gettxout", rpc_gettxout,
	 "Returns details about an unspent transaction output.",
	 {{"txid", RPC_ARG_STR, true}, {"n", RPC_ARG_NUM, true},
	  {"include_mempool", RPC_ARG_BOOL, false}}},
	{"getrawmempool", rpc_getrawmempool,
	 "Returns all transaction ids in memory pool as a json array of string transaction ids.",
	 {{"verbose", RPC_ARG_BOOL, false}, {"mempool_sequence", RPC_ARG_BOOL, false}}},
	{"getmempoolentry", rpc_getmempoolentry,
	 "Returns mempool data for given transaction",
	 {{"txid", RPC_ARG_STR, true}}},
	{"getmempoolinfo", rpc_getmempoolinfo,
	 "Returns details on the active state of the TX memory pool.", {{0}}},
	{NULL, NULL, NULL, {{0}}},
};
