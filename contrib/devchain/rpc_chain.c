/* Blockchain RPCs: getblockchaininfo, getblockcount, getbestblockhash,
 * getblockhash, getblockheader, getblock, getchaintips, getdifficulty,
 * invalidateblock, reconsiderblock.  Results follow Core v28's
 * rpc/blockchain.cpp field by field. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitcoin/serialize.h"
#include "common/hex.h"
#include "contrib/devchain/jsonout.h"
#include "contrib/devchain/rpc.h"
#include "contrib/devchain/txjson.h"
#include "wire/wire.h"

/* Every regtest block has work 2 (2^256 / (target + 1) at bits
 * 0x207fffff), so a block's chain work is 2 * (height + 1). */
static json_t *chainwork_json(uint32_t height)
{
	char hex[65];
	snprintf(hex, sizeof(hex), "%064" PRIx64, 2 * ((uint64_t)height + 1));
	return json_string(hex);
}

static json_t *hex_json(const uint8_t *data, size_t len)
{
	char *hex = malloc(len * 2 + 1);
	json_t *s;

	if (!hex)
		abort();
	hex_encode(hex, data, len);
	s = json_string(hex);
	free(hex);
	return s;
}

/* Core's "%08x" fields: versionHex, bits. */
static json_t *hex32_json(uint32_t value)
{
	char buf[16];
	snprintf(buf, sizeof(buf), "%08" PRIx32, value);
	return json_string(buf);
}

/* Core's blockheaderToJSON. */
static json_t *header_json(struct devchain *d, const struct block_index *index)
{
	const struct block_index *tip = chain_tip(d->chain);
	bool active = chain_contains(d->chain, index);
	const struct block_index *next = active ? chain_at(d->chain, index->height + 1) : NULL;
	json_t *obj = json_object();

	json_object_set_new(obj, "hash", hash_json(&index->hash));
	json_object_set_new(obj, "confirmations",
			    json_integer(active ? (json_int_t)tip->height - index->height + 1 : -1));
	json_object_set_new(obj, "height", json_integer(index->height));
	json_object_set_new(obj, "version", json_integer(index->header.version));
	json_object_set_new(obj, "versionHex", hex32_json(index->header.version));
	json_object_set_new(obj, "merkleroot", hash_json(&index->header.merkle_root));
	json_object_set_new(obj, "time", json_integer(index->header.timestamp));
	json_object_set_new(obj, "mediantime", json_integer(index->median_time_past));
	json_object_set_new(obj, "nonce", json_integer(index->header.nonce));
	json_object_set_new(obj, "bits", hex32_json(index->header.bits));
	json_object_set_new(obj, "difficulty",
			    json_real(block_bits_difficulty(index->header.bits)));
	json_object_set_new(obj, "chainwork", chainwork_json(index->height));
	json_object_set_new(obj, "nTx", json_integer(index->num_tx));
	if (index->prev)
		json_object_set_new(obj, "previousblockhash", hash_json(&index->prev->hash));
	if (next)
		json_object_set_new(obj, "nextblockhash", hash_json(&next->hash));
	return obj;
}

static json_t *rpc_getblockchaininfo(struct devchain *d, json_t *const *args,
				     struct rpc_error *err)
{
	const struct block_index *tip = chain_tip(d->chain);
	json_t *obj = json_object();

	json_object_set_new(obj, "chain", json_string("regtest"));
	json_object_set_new(obj, "blocks", json_integer(tip->height));
	json_object_set_new(obj, "headers", json_integer(tip->height));
	json_object_set_new(obj, "bestblockhash", hash_json(&tip->hash));
	json_object_set_new(obj, "difficulty", json_real(block_bits_difficulty(tip->header.bits)));
	json_object_set_new(obj, "time", json_integer(tip->header.timestamp));
	json_object_set_new(obj, "mediantime", json_integer(tip->median_time_past));
	json_object_set_new(obj, "verificationprogress", json_integer(1));
	json_object_set_new(obj, "initialblockdownload", json_false());
	json_object_set_new(obj, "chainwork", chainwork_json(tip->height));
	json_object_set_new(obj, "size_on_disk",
			    json_integer((json_int_t)store_blocks_size(d->store)));
	json_object_set_new(obj, "pruned", json_false());
	json_object_set_new(obj, "warnings", json_array());
	return obj;
}

static json_t *rpc_getblockcount(struct devchain *d, json_t *const *args,
				 struct rpc_error *err)
{
	return json_integer(chain_tip(d->chain)->height);
}

static json_t *rpc_getbestblockhash(struct devchain *d, json_t *const *args,
				    struct rpc_error *err)
{
	return hash_json(&chain_tip(d->chain)->hash);
}

static json_t *rpc_getdifficulty(struct devchain *d, json_t *const *args,
				 struct rpc_error *err)
{
	return json_real(block_bits_difficulty(chain_tip(d->chain)->header.bits));
}

static json_t *rpc_getblockhash(struct devchain *d, json_t *const *args,
				struct rpc_error *err)
{
	const struct block_index *index;
	int64_t height;

	if (!rpc_get_int(&height, args[0], true, err))
		return NULL;
	index = height >= 0 && height <= UINT32_MAX ? chain_at(d->chain, (uint32_t)height) : NULL;
	if (!index)
		return rpc_fail(err, RPC_INVALID_PARAMETER, "Block height out of range");
	return hash_json(&index->hash);
}

static json_t *rpc_getblockheader(struct devchain *d, json_t *const *args,
				  struct rpc_error *err)
{
	const struct block_index *index = rpc_get_block(d, args[0], "hash", err);
	struct wirebuf *header;
	json_t *hex;

	if (!index)
		return NULL;
	if (!args[1] || json_is_true(args[1]))
		return header_json(d, index);
	header = wirebuf_new();
	towire_bitcoin_block_header(header, &index->header);
	hex = hex_json(header->data, header->len);
	wirebuf_free(header);
	return hex;
}

static json_t *rpc_getblock(struct devchain *d, json_t *const *args,
			    struct rpc_error *err)
{
	const struct block_index *index = rpc_get_block(d, args[0], "blockhash", err);
	struct bitcoin_block *b;
	json_t *obj, *txs;
	uint64_t *fees = NULL;
	int verbosity;

	if (!index || !rpc_get_verbosity(&verbosity, args[1], 1, err))
		return NULL;
	b = chain_read_block(d->chain, index);
	if (verbosity <= 0) {
		struct wirebuf *raw = wirebuf_new();
		bitcoin_block_serialize(raw, b, true);
		obj = hex_json(raw->data, raw->len);
		wirebuf_free(raw);
		bitcoin_block_free(b);
		return obj;
	}
	obj = header_json(d, index);
	json_object_set_new(obj, "strippedsize", json_integer(index->stripped_size));
	json_object_set_new(obj, "size", json_integer(index->size));
	json_object_set_new(obj, "weight", json_integer(index->weight));
	txs = json_array();
	if (verbosity >= 2)
		fees = chain_block_fees(d->chain, index, b);
	for (size_t i = 0; i < b->num_txs; i++) {
		if (verbosity == 1) {
			struct bitcoin_txid txid;
			bitcoin_tx_txid(&txid, b->txs[i]);
			json_array_append_new(txs, hash_json(&txid.shad));
		} else {
			struct tx_json_extra extra = {
				.has_fee = fees && i > 0,
				.fee_sat = fees ? fees[i] : 0,
				.include_hex = true,
			};
			json_array_append_new(txs, tx_json(d->params, b->txs[i], &extra));
		}
	}
	json_object_set_new(obj, "tx", txs);
	free(fees);
	bitcoin_block_free(b);
	return obj;
}

static json_t *rpc_getchaintips(struct devchain *d, json_t *const *args,
				struct rpc_error *err)
{
	size_t n = chain_num_blocks(d->chain);
	bool *has_child = calloc(n + 1, sizeof(*has_child));
	json_t *tips = json_array();

	if (!has_child)
		abort();
	/* A tip is a block no other block builds on. */
	for (size_t i = 0; i < n; i++) {
		const struct block_index *prev = chain_block(d->chain, i)->prev;
		if (prev)
			has_child[prev->pos] = true;
	}
	for (size_t i = n; i-- > 0;) {
		const struct block_index *tip = chain_block(d->chain, i), *fork = tip;
		json_t *obj;
		if (has_child[i])
			continue;
		while (!chain_contains(d->chain, fork))
			fork = fork->prev;
		obj = json_object();
		json_object_set_new(obj, "height", json_integer(tip->height));
		json_object_set_new(obj, "hash", hash_json(&tip->hash));
		json_object_set_new(obj, "branchlen", json_integer(tip->height - fork->height));
		json_object_set_new(obj, "status",
				    json_string(fork == tip ? "active"
						: tip->status != BLOCK_STATUS_VALID ? "invalid"
						: "valid-fork"));
		json_array_append_new(tips, obj);
	}
	free(has_child);
	return tips;
}

static json_t *rpc_invalidateblock(struct devchain *d, json_t *const *args,
				   struct rpc_error *err)
{
	const struct block_index *index = rpc_get_block(d, args[0], "blockhash", err);

	if (!index)
		return NULL;
	if (!index->prev)
		return rpc_fail(err, RPC_MISC_ERROR, "Cannot invalidate the genesis block");
	devchain_invalidate(d, index);
	return json_null();
}

static json_t *rpc_reconsiderblock(struct devchain *d, json_t *const *args,
				   struct rpc_error *err)
{
	const struct block_index *index = rpc_get_block(d, args[0], "blockhash", err);

	if (!index)
		return NULL;
	devchain_reconsider(d, index);
	return json_null();
}

const struct rpc_command rpc_chain_commands[] = {
	{"getblockchaininfo", rpc_getblockchaininfo,
	 "Returns an object containing various state info regarding blockchain processing.", {{0}}},
	{"getblockcount", rpc_getblockcount,
	 "Returns the height of the most-work fully-validated chain.", {{0}}},
	{"getbestblockhash", rpc_getbestblockhash,
	 "Returns the hash of the best (tip) block in the most-work fully-validated chain.", {{0}}},
	{"getdifficulty", rpc_getdifficulty,
	 "Returns the proof-of-work difficulty as a multiple of the minimum difficulty.", {{0}}},
	{"getblockhash", rpc_getblockhash,
	 "Returns hash of block in best-block-chain at height provided.",
	 {{"height", RPC_ARG_NUM, true}}},
	{"getblockheader", rpc_getblockheader,
	 "If verbose is false, returns a string that is serialized, hex-encoded data for blockheader 'hash'.\n"
	 "If verbose is true, returns an Object with information about blockheader <hash>.",
	 {{"blockhash", RPC_ARG_STR, true}, {"verbose", RPC_ARG_BOOL, false}}},
	{"getblock", rpc_getblock,
	 "If verbosity is 0, returns a string that is serialized, hex-encoded data for block 'hash'.\n"
	 "If verbosity is 1, returns an Object with information about block <hash>.\n"
	 "If verbosity is 2 or 3, returns an Object with information about block <hash> and information about each transaction.",
	 {{"blockhash", RPC_ARG_STR, true}, {"verbosity|verbose", RPC_ARG_ANY, false}}},
	{"getchaintips", rpc_getchaintips,
	 "Return information about all known tips in the block tree, including the main chain as well as orphaned branches.",
	 {{0}}},
	{"invalidateblock", rpc_invalidateblock,
	 "Permanently marks a block as invalid, as if it violated a consensus rule.",
	 {{"blockhash", RPC_ARG_STR, true}}},
	{"reconsiderblock", rpc_reconsiderblock,
	 "Removes invalidity status of a block, its ancestors and its descendants, reconsider them for activation.\n"
	 "This can be used to undo the effects of invalidateblock.",
	 {{"blockhash", RPC_ARG_STR, true}}},
	{NULL, NULL, NULL, {{0}}},
};
