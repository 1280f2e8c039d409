/* Mining and fee RPCs: generatetoaddress, generateblock, estimatesmartfee.
 * Shapes and errors follow Core v28's rpc/mining.cpp and rpc/fees.cpp. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/hex.h"
#include "contrib/devchain/jsonout.h"
#include "contrib/devchain/rpc.h"
#include "contrib/devchain/standard.h"
#include "contrib/devchain/txjson.h"
#include "wire/wirebuf.h"

/* Core's DEFAULT_MAX_TRIES for the generate RPCs. */
#define DEFAULT_MAX_TRIES 1000000
/* Core's fee estimator's longest target. */
#define MAX_CONF_TARGET 1008
/* How many recent blocks estimatesmartfee looks at. */
#define FEE_ESTIMATE_BLOCKS 10

static json_t *rpc_generatetoaddress(struct devchain *d, json_t *const *args,
				     struct rpc_error *err)
{
	struct wirebuf *script = wirebuf_new();
	int64_t num_blocks, tries = DEFAULT_MAX_TRIES;
	uint64_t max_tries;
	json_t *hashes = NULL;

	if (!rpc_get_int(&num_blocks, args[0], true, err)
	    || (args[2] && !rpc_get_int(&tries, args[2], false, err)))
		goto out;
	if (tries < 0) {
		rpc_fail(err, RPC_MISC_ERROR, "JSON integer out of range");
		goto out;
	}
	if (!rpc_get_address_script(d, script, args[1], err))
		goto out;
	max_tries = (uint64_t)tries;
	hashes = json_array();
	for (int64_t i = 0; i < num_blocks; i++) {
		struct validation_state st;
		struct sha256_double hash;
		int made = devchain_mine(d, script->data, script->len, true, NULL, 0,
					 &max_tries, &hash, &st);
		if (made == 0)
			break;
		if (made < 0) {
			json_decref(hashes);
			hashes = rpc_fail(err, -32603, "ProcessNewBlock, block not accepted: %s",
					  st.reason);
			goto out;
		}
		json_array_append_new(hashes, hash_json(&hash));
	}
out:
	wirebuf_free(script);
	return hashes;
}

/* generateblock's transactions: raw hex, or txids of mempool entries. */
static bool parse_block_txs(struct devchain *d, const json_t *array,
			    struct tx_list *txs, struct rpc_error *err)
{
	for (size_t i = 0; i < json_array_size(array); i++) {
		const json_t *item = json_array_get(array, i);
		const char *s = json_string_value(item);
		struct bitcoin_txid txid;
		struct bitcoin_tx *tx;

		if (!s) {
			rpc_fail(err, RPC_MISC_ERROR,
				 "JSON value of type %s is not of expected type string",
				 json_is_number(item) ? "number" : "non-string");
			return false;
		}
		if (bitcoin_txid_from_hex(&txid, s, json_string_length(item))) {
			long index = mempool_find(d->mempool, &txid);
			if (index < 0) {
				rpc_fail(err, RPC_INVALID_ADDRESS_OR_KEY,
					 "Transaction %s not in mempool.", s);
				return false;
			}
			tx_list_add(txs, bitcoin_tx_dup(mempool_entry(d->mempool, (size_t)index)->tx));
			continue;
		}
		tx = bitcoin_tx_from_hex(s, json_string_length(item), NULL);
		if (!tx) {
			rpc_fail(err, RPC_DESERIALIZATION_ERROR,
				 "Transaction decode failed for %s. Make sure the tx has at least one input.",
				 s);
			return false;
		}
		tx_list_add(txs, tx);
	}
	return true;
}

static json_t *rpc_generateblock(struct devchain *d, json_t *const *args,
				 struct rpc_error *err)
{
	struct wirebuf *script = wirebuf_new();
	struct tx_list txs = {0};
	bool submit = !args[2] || json_is_true(args[2]);
	uint64_t max_tries = DEFAULT_MAX_TRIES;
	json_t *result = NULL;

	if (!rpc_get_address_script(d, script, args[0], err)) {
		rpc_fail(err, RPC_INVALID_ADDRESS_OR_KEY, "Error: Invalid address or descriptor");
		goto out;
	}
	if (!parse_block_txs(d, args[1], &txs, err))
		goto out;
	if (submit) {
		struct validation_state st;
		struct sha256_double hash;
		char reason[sizeof(st.reason) + sizeof(st.debug) + 2];
		int made = devchain_mine(d, script->data, script->len, false, txs.txs,
					 txs.num, &max_tries, &hash, &st);
		if (made < 0)
			rpc_fail(err, RPC_VERIFY_ERROR, "TestBlockValidity failed: %s",
				 validation_state_string(reason, sizeof(reason), &st));
		else if (made == 0)
			rpc_fail(err, RPC_MISC_ERROR, "Failed to make block.");
		else {
			result = json_object();
			json_object_set_new(result, "hash", hash_json(&hash));
		}
	} else {
		struct validation_state st;
		char reason[sizeof(st.reason) + sizeof(st.debug) + 2];
		struct bitcoin_block *b = NULL;
		if (!devchain_make_block(d, script->data, script->len, false,
					 txs.txs, txs.num, &max_tries, &b)) {
			rpc_fail(err, RPC_MISC_ERROR, "Failed to make block.");
		} else if (!devchain_test_block(d, b, &st)) {
			rpc_fail(err, RPC_VERIFY_ERROR, "TestBlockValidity failed: %s",
				 validation_state_string(reason, sizeof(reason), &st));
			bitcoin_block_free(b);
		} else {
			struct wirebuf *raw = wirebuf_new();
			struct sha256_double hash;
			char *hex;
			block_hash(&hash, &b->header);
			bitcoin_block_serialize(raw, b, true);
			hex = calloc(raw->len * 2 + 1, 1);
			if (!hex)
				abort();
			hex_encode(hex, raw->data, raw->len);
			result = json_object();
			json_object_set_new(result, "hash", hash_json(&hash));
			json_object_set_new(result, "hex", json_string(hex));
			free(hex);
			wirebuf_free(raw);
			bitcoin_block_free(b);
		}
	}
out:
	tx_list_clear(&txs);
	wirebuf_free(script);
	return result;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* ohm-devchain's estimator (Core's needs far more history than a test
 * chain has): the feerates paid in the last FEE_ESTIMATE_BLOCKS blocks,
 * the highest for a target of 1-2 blocks, the 75th percentile up to 6,
 * the median beyond; never below the minimum relay feerate. */
static uint64_t estimate_feerate(struct devchain *d, int64_t target)
{
	const struct block_index *tip = chain_tip(d->chain);
	uint64_t *rates = NULL, estimate = MIN_RELAY_FEERATE_PER_KVB;
	size_t num = 0, cap = 0;

	for (uint32_t i = 0; i < FEE_ESTIMATE_BLOCKS && i < tip->height; i++) {
		const struct block_index *index = chain_at(d->chain, tip->height - i);
		struct bitcoin_block *b = chain_read_block(d->chain, index);
		uint64_t *fees = chain_block_fees(d->chain, index, b);
		for (size_t t = 1; fees && t < b->num_txs; t++) {
			if (num == cap) {
				uint64_t *grown;
				cap = cap ? cap * 2 : 64;
				grown = calloc(cap, sizeof(*grown));
				if (!grown)
					abort();
				if (num)
					memcpy(grown, rates, num * sizeof(*rates));
				free(rates);
				rates = grown;
			}
			rates[num++] = fees[t] * 1000 / bitcoin_tx_vsize(b->txs[t]);
		}
		free(fees);
		bitcoin_block_free(b);
	}
	if (num) {
		size_t pick = target <= 2 ? num - 1 : target <= 6 ? num * 3 / 4 : num / 2;
		qsort(rates, num, sizeof(*rates), cmp_u64);
		if (rates[pick] > estimate)
			estimate = rates[pick];
	}
	free(rates);
	return estimate;
}

static json_t *rpc_estimatesmartfee(struct devchain *d, json_t *const *args,
				    struct rpc_error *err)
{
	json_t *result;
	int64_t target;

	if (!rpc_get_int(&target, args[0], true, err))
		return NULL;
	if (target < 1 || target > MAX_CONF_TARGET)
		return rpc_fail(err, RPC_INVALID_PARAMETER,
				"Invalid conf_target, must be between 1 and %d", MAX_CONF_TARGET);
	if (args[1]) {
		const char *mode = json_string_value(args[1]);
		if (strcasecmp(mode, "unset") != 0 && strcasecmp(mode, "economical") != 0
		    && strcasecmp(mode, "conservative") != 0)
			return rpc_fail(err, RPC_INVALID_PARAMETER,
					"Invalid estimate_mode parameter, must be one of: "
					"\"unset\", \"economical\", \"conservative\"");
	}
	result = json_object();
	json_object_set_new(result, "feerate", json_amount(estimate_feerate(d, target)));
	/* Core never answers for fewer than 2 blocks. */
	json_object_set_new(result, "blocks", json_integer(target < 2 ? 2 : target));
	return result;
}

const struct rpc_command rpc_mining_commands[] = {
	{"generatetoaddress", rpc_generatetoaddress,
	 "Mine blocks immediately to a specified address (before the RPC call returns)",
	 {{"nblocks", RPC_ARG_NUM, true}, {"address", RPC_ARG_STR, true},
	  {"maxtries", RPC_ARG_NUM, false}}},
	{"generateblock", rpc_generateblock,
	 "Mine a set of ordered transactions to a specified address (before the RPC call returns)",
	 {{"output", RPC_ARG_STR, true}, {"transactions", RPC_ARG_ARR, true},
	  {"submit", RPC_ARG_BOOL, false}}},
	{"estimatesmartfee", rpc_estimatesmartfee,
	 "Estimates the approximate fee per kilobyte needed for a transaction to begin\n"
	 "confirmation within conf_target blocks.  ohm-devchain always answers: the\n"
	 "feerates paid in the last 10 blocks (highest for 1-2 blocks, 75th percentile\n"
	 "up to 6, median beyond), never below 0.00001000 BTC/kvB.",
	 {{"conf_target", RPC_ARG_NUM, true}, {"estimate_mode", RPC_ARG_STR, false}}},
	{NULL, NULL, NULL, {{0}}},
};
