/* A poll is a chain of bitcoind calls, each started from the previous
 * one's callback: getblockchaininfo, getblockcount, then one step of the
 * walk at a time (getblockhash, getblock), then the fee estimates after a
 * new block, then the mempool scan; the poll timer is armed only when the
 * chain ends, so at most one poll runs.  Every call is BITCOIND_RETRY: a
 * poll simply waits while bitcoind is down. */
#include "daemon/chain/chain.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitcoin/chainparams.h"
#include "common/alloc.h"
#include "common/hex.h"
#include "daemon/chain/bitcoind.h"
#include "common/byteset.h"
#include "daemon/chain/chain_parse.h"
#include "daemon/chain/chain_store.h"
#include "daemon/log.h"
#include "db/db.h"

#define IBD_WARNING "Bitcoind is not up-to-date with network."

/* Conf targets and modes of the named feerates. */
static const struct {
	unsigned blocks;
	const char *mode;
	uint32_t fallback_perkw;
} targets[FEERATE_NUM_TARGETS] = {
	[FEERATE_URGENT] = {2, "CONSERVATIVE", CHAIN_FALLBACK_URGENT_PERKW},
	[FEERATE_NORMAL] = {4, "ECONOMICAL", CHAIN_FALLBACK_NORMAL_PERKW},
	[FEERATE_SLOW] = {100, "ECONOMICAL", CHAIN_FALLBACK_SLOW_PERKW},
};

/* A transaction we keep re-sending until it is in a block, or another
 * one spending the same coins is. */
struct rebroadcast {
	struct bitcoin_txid txid;
	char *hex;
	struct bitcoin_outpoint *spends;	/* its inputs' prevouts */
	size_t num_spends;
	struct rebroadcast *next;
};

/* A chain_broadcast() waiting for its first answer. */
struct broadcast {
	struct chain *chain;
	chain_broadcast_cb cb;
	void *arg;
	struct broadcast *prev, *next;
};

struct chain {
	struct event_base *base;
	struct log *log;
	struct db *db;
	struct bitcoind *bitcoind;
	struct chain_options opts;
	struct chain_listener listeners[CHAIN_MAX_LISTENERS];
	size_t num_listeners;

	/* Our tip: the highest row of the blocks table. */
	bool has_tip;
	uint32_t tip_height;
	struct bitcoin_blkid tip_hash;
	bool has_start;
	uint32_t start_height;

	/* What bitcoind told us last. */
	bool is_backend_known;
	uint32_t backend_height;
	char *sync_warning;	/* not synced, or another network */
	bool is_wrong_network;

	uint32_t feerates[FEERATE_NUM_TARGETS];	/* 0: no estimate */
	bool is_fee_stale;	/* a new block since the last estimate */
	bool did_fees_change;	/* an estimate differs from the last */
	size_t fee_next;

	struct event *poll_timer;
	bool did_tip_move;	/* during this poll */
	uint32_t next_height;	/* of the block being fetched */

	/* The mempool scan in progress. */
	struct byteset *mempool_seen;	/* txids already shown to listeners */
	struct byteset *mempool_now;	/* this scan's getrawmempool */
	json_t *mempool_list;
	size_t mempool_next, mempool_fetched;

	struct rebroadcast *rebroadcasts;
	struct broadcast *broadcasts;
};

static void poll_step(struct chain *chain);
static void poll_done(struct chain *chain);
static void mempool_scan(struct chain *chain);

uint32_t chain_height(const struct chain *chain)
{
	return chain->has_tip ? chain->tip_height : 0;
}

const char *chain_backend_warning(const struct chain *chain)
{
	const char *warning = chain->bitcoind ? bitcoind_warning(chain->bitcoind) : NULL;
	return warning ? warning : chain->sync_warning;
}

bool chain_is_catching_up(const struct chain *chain)
{
	return chain->is_backend_known
		&& (!chain->has_tip || chain->tip_height < chain->backend_height);
}

uint32_t chain_feerate(const struct chain *chain, enum feerate_target target)
{
	uint32_t perkw = chain->feerates[target] ? chain->feerates[target]
						  : targets[target].fallback_perkw;
	return perkw < FEERATE_FLOOR_PERKW ? FEERATE_FLOOR_PERKW : perkw;
}

bool chain_feerate_is_estimated(const struct chain *chain, enum feerate_target target)
{
	return chain->feerates[target] != 0;
}

uint32_t chain_feerate_for_deadline(const struct chain *chain, uint32_t blocks)
{
	struct feerate_estimate est[FEERATE_NUM_TARGETS];

	/* The targets are in ascending blocks. */
	for (size_t i = 0; i < FEERATE_NUM_TARGETS; i++) {
		est[i].blocks = targets[i].blocks;
		est[i].perkw = chain_feerate(chain, (enum feerate_target)i);
	}
	return feerate_for_deadline(est, FEERATE_NUM_TARGETS, blocks);
}

void chain_add_listener(struct chain *chain, const struct chain_listener *listener)
{
	if (chain->num_listeners < CHAIN_MAX_LISTENERS)
		chain->listeners[chain->num_listeners++] = *listener;
}

static void set_sync_warning(struct chain *chain, const char *warning)
{
	if (warning && chain->sync_warning && strcmp(warning, chain->sync_warning) == 0)
		return;
	if (warning && !chain->is_wrong_network)
		log_unusual(chain->log, "chain", "%s", warning);
	free(chain->sync_warning);
	chain->sync_warning = warning ? oh_strdup(warning) : NULL;
}

/* ---- Processing blocks ---- */

/* Reloads the tip from the blocks table. */
static bool load_tip(struct chain *chain, char *err, size_t errlen)
{
	int64_t start;
	int rc;

	if (!chain_store_tip(chain->db, &chain->has_tip, &chain->tip_height, &chain->tip_hash)) {
		snprintf(err, errlen, "cannot read blocks: %s", db_errmsg(chain->db));
		return false;
	}
	rc = db_var_get_int(chain->db, "chain_start_height", &start);
	if (rc < 0) {
		snprintf(err, errlen, "cannot read chain_start_height: %s", db_errmsg(chain->db));
		return false;
	}
	chain->has_start = rc == 1;
	chain->start_height = rc == 1 ? (uint32_t)start : 0;
	return true;
}

/* The transaction we re-send that spends prevout, other than txid, or
 * NULL. */
static struct rebroadcast *rebroadcast_spending(struct chain *chain,
						const struct bitcoin_outpoint *prevout,
						const struct bitcoin_txid *txid)
{
	for (struct rebroadcast *r = chain->rebroadcasts; r; r = r->next) {
		if (bitcoin_txid_eq(&r->txid, txid))
			continue;
		for (size_t i = 0; i < r->num_spends; i++)
			if (r->spends[i].vout == prevout->vout
			    && bitcoin_txid_eq(&r->spends[i].txid, &prevout->txid))
				return r;
	}
	return NULL;
}

/* Forgets the transactions we were re-sending that block confirmed, or
 * that can never confirm now: a transaction of block spends one of their
 * coins (say our commitment, after the peer's won).  bitcoind would
 * refuse them at every block ("bad-txns-inputs-missingorspent"); whoever
 * stored them keeps them for the record. */
static void rebroadcast_confirmed(struct chain *chain, uint32_t height,
				  const struct bitcoin_block *block)
{
	if (!chain->rebroadcasts)
		return;
	for (size_t i = 0; i < block->num_txs; i++) {
		const struct bitcoin_tx *tx = block->txs[i];
		struct bitcoin_txid txid;
		bitcoin_tx_txid(&txid, tx);
		chain_rebroadcast_forget(chain, &txid);
		for (size_t j = 0; j < tx->num_inputs && chain->rebroadcasts; j++) {
			struct rebroadcast *r;
			char ours[65], theirs[65];
			while ((r = rebroadcast_spending(chain, &tx->inputs[j].prevout, &txid))) {
				log_info(chain->log, "chain", "transaction %s conflicts with %s,"
					 " confirmed in block %u: no longer re-sent",
					 bitcoin_txid_to_hex(ours, &r->txid),
					 bitcoin_txid_to_hex(theirs, &txid), height);
				chain_rebroadcast_forget(chain, &r->txid);
			}
		}
	}
}

bool chain_block_connect(struct chain *chain, uint32_t height, const uint8_t *raw, size_t len,
			 char *err, size_t errlen)
{
	struct bitcoin_block *block;
	struct bitcoin_blkid hash;
	const char *why = NULL;
	char hash_hex[65];

	block = bitcoin_block_parse(raw, len, &why);
	if (!block) {
		snprintf(err, errlen, "block %u does not parse: %s", height, why);
		return false;
	}
	if (block->num_txs == 0) {
		snprintf(err, errlen, "block %u has no transactions", height);
		bitcoin_block_free(block);
		return false;
	}
	bitcoin_block_header_hash(&hash, &block->header);
	if (chain->has_tip && (height != chain->tip_height + 1
			       || memcmp(&block->header.prev_hash, &chain->tip_hash, 32) != 0)) {
		snprintf(err, errlen, "block %u (%s) does not build on our tip %u", height,
			 bitcoin_blkid_to_hex(hash_hex, &hash), chain->tip_height);
		bitcoin_block_free(block);
		return false;
	}
	if (!db_begin(chain->db)) {
		snprintf(err, errlen, "cannot begin a transaction: %s", db_errmsg(chain->db));
		bitcoin_block_free(block);
		return false;
	}
	for (size_t i = 0; i < chain->num_listeners; i++) {
		const struct chain_listener *l = &chain->listeners[i];
		if (l->block_connected && !l->block_connected(l->arg, height, &hash, block, err, errlen))
			goto fail;
	}
	if (!chain_store_block_add(chain->db, height, &hash, &block->header.prev_hash))
		goto db_fail;
	if (!chain->has_start && !db_var_set_int(chain->db, "chain_start_height", height))
		goto db_fail;
	if (!db_commit(chain->db))
		goto db_fail;

	if (!chain->has_start) {
		chain->has_start = true;
		chain->start_height = height;
		log_info(chain->log, "chain", "starting at block %u", height);
	}
	chain->has_tip = true;
	chain->tip_height = height;
	chain->tip_hash = hash;
	chain->did_tip_move = true;
	chain->is_fee_stale = true;
	log_debug(chain->log, "chain", "block %u %s: %zu transactions", height,
		  bitcoin_blkid_to_hex(hash_hex, &hash), block->num_txs);
	rebroadcast_confirmed(chain, height, block);
	bitcoin_block_free(block);
	return true;

db_fail:
	snprintf(err, errlen, "cannot store block %u: %s", height, db_errmsg(chain->db));
fail:
	db_rollback(chain->db);
	bitcoin_block_free(block);
	return false;
}

bool chain_block_disconnect_tip(struct chain *chain, char *err, size_t errlen)
{
	uint32_t height = chain->tip_height;
	char hash_hex[65];

	if (!chain->has_tip) {
		snprintf(err, errlen, "no block to disconnect");
		return false;
	}
	if (!db_begin(chain->db)) {
		snprintf(err, errlen, "cannot begin a transaction: %s", db_errmsg(chain->db));
		return false;
	}
	/* Undo in the reverse order of doing. */
	for (size_t i = chain->num_listeners; i-- > 0;) {
		const struct chain_listener *l = &chain->listeners[i];
		if (l->block_disconnected && !l->block_disconnected(l->arg, height, err, errlen)) {
			db_rollback(chain->db);
			return false;
		}
	}
	if (!chain_store_block_delete(chain->db, height) || !db_commit(chain->db)) {
		snprintf(err, errlen, "cannot forget block %u: %s", height, db_errmsg(chain->db));
		db_rollback(chain->db);
		return false;
	}
	log_info(chain->log, "chain", "block %u %s left the best chain: undone", height,
		 bitcoin_blkid_to_hex(hash_hex, &chain->tip_hash));
	chain->did_tip_move = true;
	chain->is_fee_stale = true;
	return load_tip(chain, err, errlen);
}

void chain_mempool_tx(struct chain *chain, const struct bitcoin_tx *tx)
{
	struct bitcoin_txid txid;

	bitcoin_tx_txid(&txid, tx);
	for (size_t i = 0; i < chain->num_listeners; i++)
		if (chain->listeners[i].mempool_tx)
			chain->listeners[i].mempool_tx(chain->listeners[i].arg, tx, &txid);
}

void chain_mempool_snapshot(struct chain *chain, const struct byteset *txids)
{
	for (size_t i = 0; i < chain->num_listeners; i++)
		if (chain->listeners[i].mempool_snapshot)
			chain->listeners[i].mempool_snapshot(chain->listeners[i].arg, txids);
}

/* ---- Broadcasting ---- */

static struct rebroadcast *rebroadcast_find(struct chain *chain, const struct bitcoin_txid *txid)
{
	for (struct rebroadcast *r = chain->rebroadcasts; r; r = r->next)
		if (bitcoin_txid_eq(&r->txid, txid))
			return r;
	return NULL;
}

void chain_rebroadcast_add(struct chain *chain, const struct bitcoin_tx *tx)
{
	struct rebroadcast *r, **tail;
	struct bitcoin_txid txid;
	char *hex;

	bitcoin_tx_txid(&txid, tx);
	if (rebroadcast_find(chain, &txid))
		return;
	/* bitcoin/ returns NULL for out of memory: nothing to re-send then. */
	hex = bitcoin_tx_to_hex(tx);
	if (!hex)
		return;
	r = oh_calloc(1, sizeof(*r));
	r->hex = hex;
	r->spends = oh_calloc(tx->num_inputs + 1, sizeof(*r->spends));
	r->txid = txid;
	r->num_spends = tx->num_inputs;
	for (size_t i = 0; i < tx->num_inputs; i++)
		r->spends[i] = tx->inputs[i].prevout;
	/* In order: a parent goes out before its child. */
	for (tail = &chain->rebroadcasts; *tail; tail = &(*tail)->next)
		;
	*tail = r;
}

void chain_rebroadcast_forget(struct chain *chain, const struct bitcoin_txid *txid)
{
	for (struct rebroadcast **p = &chain->rebroadcasts; *p; p = &(*p)->next) {
		if (bitcoin_txid_eq(&(*p)->txid, txid)) {
			struct rebroadcast *r = *p;
			*p = r->next;
			free(r->hex);
			free(r->spends);
			free(r);
			return;
		}
	}
}

static void resent(const json_t *result, const struct bitcoind_error *error, void *arg)
{
	struct chain *chain = arg;

	/* Already in the mempool or a block is the point of re-sending. */
	if (error && !error->is_transport && error->code != BITCOIND_RPC_VERIFY_ALREADY_IN_CHAIN
	    && !strstr(error->message, "already"))
		log_unusual(chain->log, "chain", "re-sending a transaction: bitcoind says %d: %s",
			    error->code, error->message);
}

/* Sends every transaction of the re-send list (or only those not in
 * mempool, when it is not NULL). */
static void rebroadcast_all(struct chain *chain, const struct byteset *mempool)
{
	for (struct rebroadcast *r = chain->rebroadcasts; r; r = r->next) {
		char txid_hex[65];
		if (mempool && byteset_get(mempool, r->txid.shad.sha.u8, NULL))
			continue;
		log_debug(chain->log, "chain", "re-sending %s",
			  bitcoin_txid_to_hex(txid_hex, &r->txid));
		bitcoind_call(chain->bitcoind, BITCOIND_FAIL_FAST, "sendrawtransaction",
			      json_pack("[s]", r->hex), resent, chain);
	}
}

static void broadcast_unlink(struct chain *chain, struct broadcast *b)
{
	if (b->prev)
		b->prev->next = b->next;
	else
		chain->broadcasts = b->next;
	if (b->next)
		b->next->prev = b->prev;
}

static void broadcast_done(const json_t *result, const struct bitcoind_error *error, void *arg)
{
	struct broadcast *b = arg;

	broadcast_unlink(b->chain, b);
	/* "Already in block chain" is not a failure: it got there. */
	if (error && !error->is_transport && error->code == BITCOIND_RPC_VERIFY_ALREADY_IN_CHAIN)
		error = NULL;
	if (b->cb)
		b->cb(error, b->arg);
	free(b);
}

void chain_broadcast(struct chain *chain, const struct bitcoin_tx *tx, chain_broadcast_cb cb,
		     void *arg)
{
	struct bitcoind_error error = {.is_transport = true, .message = "out of memory"};
	struct broadcast *b;
	char *hex = chain->bitcoind ? bitcoin_tx_to_hex(tx) : NULL;

	if (!hex) {
		if (!chain->bitcoind)
			error.message = "no bitcoind to broadcast with";
		if (cb)
			cb(&error, arg);
		return;
	}
	b = oh_calloc(1, sizeof(*b));
	chain_rebroadcast_add(chain, tx);
	b->chain = chain;
	b->cb = cb;
	b->arg = arg;
	b->next = chain->broadcasts;
	if (b->next)
		b->next->prev = b;
	chain->broadcasts = b;
	bitcoind_call(chain->bitcoind, BITCOIND_FAIL_FAST, "sendrawtransaction",
		      json_pack("[s]", hex), broadcast_done, b);
	free(hex);
}

/* ---- Polling ---- */

static void poll_fail(struct chain *chain, const char *what, const struct bitcoind_error *error)
{
	log_unusual(chain->log, "chain", "%s: bitcoind error %d: %s", what, error->code,
		    error->message);
	poll_done(chain);
}

static void got_block(const json_t *result, const struct bitcoind_error *error, void *arg)
{
	struct chain *chain = arg;
	size_t len = 0;
	uint8_t *raw;
	char err[512];
	bool ok;

	if (error) {
		/* The block may have been reorged away meanwhile. */
		poll_fail(chain, "getblock", error);
		return;
	}
	raw = chain_parse_block_hex(result, &len);
	if (!raw) {
		log_broken(chain->log, "chain", "getblock %u: not a hex block", chain->next_height);
		poll_done(chain);
		return;
	}
	/* A block whose parent is not our tip means ours left the best
	 * chain: undo it, and the walk goes on from the block below. */
	if (chain->has_tip && len >= BITCOIN_BLOCK_HEADER_LEN
	    && memcmp(raw + 4, chain->tip_hash.shad.sha.u8, 32) != 0) {
		free(raw);
		log_info(chain->log, "chain", "block %u does not build on our tip: reorg",
			 chain->next_height);
		ok = chain_block_disconnect_tip(chain, err, sizeof(err));
	} else {
		ok = chain_block_connect(chain, chain->next_height, raw, len, err, sizeof(err));
		free(raw);
	}
	if (!ok) {
		/* Retried at the next poll. */
		log_broken(chain->log, "chain", "%s", err);
		poll_done(chain);
		return;
	}
	poll_step(chain);
}

/* A getblockhash that failed ends this poll: quietly for -8 (out of
 * range: the backend's chain got shorter).  Returns: whether it failed. */
static bool getblockhash_failed(struct chain *chain, const struct bitcoind_error *error)
{
	if (!error)
		return false;
	if (!error->is_transport && error->code == BITCOIND_RPC_INVALID_PARAMETER)
		poll_done(chain);
	else
		poll_fail(chain, "getblockhash", error);
	return true;
}

static void got_next_hash(const json_t *result, const struct bitcoind_error *error, void *arg)
{
	struct chain *chain = arg;

	if (getblockhash_failed(chain, error))
		return;
	if (!json_is_string(result)) {
		log_broken(chain->log, "chain", "getblockhash: not a string");
		poll_done(chain);
		return;
	}
	bitcoind_call(chain->bitcoind, BITCOIND_RETRY, "getblock",
		      json_pack("[O, i]", result, 0), got_block, chain);
}

/* The hash at our tip's height, when the backend is at that height too. */
static void got_tip_hash(const json_t *result, const struct bitcoind_error *error, void *arg)
{
	struct chain *chain = arg;
	struct bitcoin_blkid hash;
	const char *hex = json_string_value(result);
	char err[512];

	if (getblockhash_failed(chain, error))
		return;
	if (!hex || !bitcoin_blkid_from_hex(&hash, hex, strlen(hex))) {
		log_broken(chain->log, "chain", "getblockhash: not a block hash");
		poll_done(chain);
		return;
	}
	if (memcmp(&hash, &chain->tip_hash, sizeof(hash)) == 0) {
		/* Caught up. */
		mempool_scan(chain);
		return;
	}
	if (!chain_block_disconnect_tip(chain, err, sizeof(err))) {
		log_broken(chain->log, "chain", "%s", err);
		poll_done(chain);
		return;
	}
	poll_step(chain);
}

/* One step of the walk from our tip towards the backend's. */
static void poll_step(struct chain *chain)
{
	char err[512];

	if (!chain->has_tip) {
		/* Fresh (or every block undone): from the start height, or
		 * the backend's tip the first time. */
		chain->next_height = chain->has_start ? chain->start_height : chain->backend_height;
		if (chain->next_height > chain->backend_height) {
			poll_done(chain);
			return;
		}
	} else if (chain->tip_height > chain->backend_height) {
		/* The backend's chain is shorter: ours has gone. */
		if (!chain_block_disconnect_tip(chain, err, sizeof(err))) {
			log_broken(chain->log, "chain", "%s", err);
			poll_done(chain);
			return;
		}
		poll_step(chain);
		return;
	} else if (chain->tip_height == chain->backend_height) {
		bitcoind_call(chain->bitcoind, BITCOIND_RETRY, "getblockhash",
			      json_pack("[I]", (json_int_t)chain->tip_height), got_tip_hash, chain);
		return;
	} else {
		chain->next_height = chain->tip_height + 1;
	}
	bitcoind_call(chain->bitcoind, BITCOIND_RETRY, "getblockhash",
		      json_pack("[I]", (json_int_t)chain->next_height), got_next_hash, chain);
}

static void got_block_count(const json_t *result, const struct bitcoind_error *error, void *arg)
{
	struct chain *chain = arg;

	if (error) {
		poll_fail(chain, "getblockcount", error);
		return;
	}
	if (!chain_parse_height(result, &chain->backend_height)) {
		log_broken(chain->log, "chain", "getblockcount: not a height");
		poll_done(chain);
		return;
	}
	chain->is_backend_known = true;
	poll_step(chain);
}

/* Core's getblockchaininfo "chain" for each of our networks. */
static const char *core_chain_name(const char *network)
{
	if (strcmp(network, "bitcoin") == 0)
		return "main";
	if (strcmp(network, "testnet") == 0)
		return "test";
	return network;
}

static void got_chain_info(const json_t *result, const struct bitcoind_error *error, void *arg)
{
	struct chain *chain = arg;
	const char *name;
	bool is_syncing;
	char warning[300];

	if (error) {
		/* Only warnings come from it: follow the chain regardless. */
		log_debug(chain->log, "chain", "getblockchaininfo: %d: %s", error->code,
			  error->message);
		bitcoind_call(chain->bitcoind, BITCOIND_RETRY, "getblockcount", NULL,
			      got_block_count, chain);
		return;
	}
	chain_parse_chain_info(result, &name, &is_syncing);
	if (name && strcmp(name, core_chain_name(chain->opts.params->network)) != 0) {
		snprintf(warning, sizeof(warning),
			 "bitcoind at %s is on chain '%s', not %s: not following it",
			 bitcoind_endpoint(chain->bitcoind), name, chain->opts.params->network);
		if (!chain->is_wrong_network)
			log_broken(chain->log, "chain", "%s", warning);
		chain->is_wrong_network = true;
		set_sync_warning(chain, warning);
		poll_done(chain);
		return;
	}
	chain->is_wrong_network = false;
	if (is_syncing)
		set_sync_warning(chain, IBD_WARNING);
	else
		set_sync_warning(chain, NULL);
	bitcoind_call(chain->bitcoind, BITCOIND_RETRY, "getblockcount", NULL, got_block_count, chain);
}

static void poll_start(evutil_socket_t fd, short what, void *arg)
{
	struct chain *chain = arg;

	chain->did_tip_move = false;
	bitcoind_call(chain->bitcoind, BITCOIND_RETRY, "getblockchaininfo", NULL, got_chain_info,
		      chain);
}

static void poll_done(struct chain *chain)
{
	struct timeval interval = {chain->opts.poll_interval_secs, 0};

	json_decref(chain->mempool_list);
	chain->mempool_list = NULL;
	evtimer_add(chain->poll_timer, &interval);
}

/* ---- Fee estimates ---- */

static void estimate_next(struct chain *chain);

static void got_estimate(const json_t *result, const struct bitcoind_error *error, void *arg)
{
	struct chain *chain = arg;
	size_t target = chain->fee_next;
	uint32_t perkw;

	if (error) {
		log_unusual(chain->log, "chain", "estimatesmartfee: %d: %s", error->code,
			    error->message);
	} else if (chain_parse_feerate(result, &perkw)) {
		chain->did_fees_change |= perkw != chain->feerates[target];
		chain->feerates[target] = perkw;
	} else {
		chain->did_fees_change |= chain->feerates[target] != 0;
		/* No estimate yet (a young node, regtest): the fallback. */
		if (chain->feerates[target])
			log_debug(chain->log, "chain", "no %s fee estimate any more",
				  feerate_target_name((enum feerate_target)target));
		chain->feerates[target] = 0;
	}
	chain->fee_next++;
	estimate_next(chain);
}

static void estimate_next(struct chain *chain)
{
	if (chain->fee_next >= FEERATE_NUM_TARGETS) {
		chain->is_fee_stale = false;
		if (chain->did_fees_change) {
			chain->did_fees_change = false;
			log_debug(chain->log, "chain", "fee estimates: urgent %u, normal %u, slow %u perkw",
				  chain_feerate(chain, FEERATE_URGENT),
				  chain_feerate(chain, FEERATE_NORMAL),
				  chain_feerate(chain, FEERATE_SLOW));
			for (size_t i = 0; i < chain->num_listeners; i++)
				if (chain->listeners[i].feerates_changed)
					chain->listeners[i].feerates_changed(
						chain->listeners[i].arg);
		}
		mempool_scan(chain);
		return;
	}
	bitcoind_call(chain->bitcoind, BITCOIND_RETRY, "estimatesmartfee",
		      json_pack("[i, s]", targets[chain->fee_next].blocks,
				targets[chain->fee_next].mode), got_estimate, chain);
}

/* ---- The mempool ---- */

static void mempool_fetch_next(struct chain *chain);

static void got_mempool_tx(const json_t *result, const struct bitcoind_error *error, void *arg)
{
	struct chain *chain = arg;
	const char *why = NULL;
	struct bitcoin_tx *tx;

	/* -5: it left the mempool meanwhile (mined, replaced, evicted). */
	if (!error && json_is_string(result)) {
		tx = chain_parse_tx(result, &why);
		if (tx) {
			chain_mempool_tx(chain, tx);
			bitcoin_tx_free(tx);
		} else {
			log_unusual(chain->log, "chain", "getrawtransaction: %s", why);
		}
	}
	mempool_fetch_next(chain);
}

static void got_best_hash(const json_t *result, const struct bitcoind_error *error, void *arg)
{
	struct chain *chain = arg;
	struct bitcoin_blkid hash;
	const char *hex = json_string_value(result);

	/* Only a mempool of our tip tells what left it for good. */
	if (!error && hex && bitcoin_blkid_from_hex(&hash, hex, strlen(hex)) && chain->has_tip
	    && memcmp(&hash, &chain->tip_hash, sizeof(hash)) == 0) {
		chain_mempool_snapshot(chain, chain->mempool_now);
		rebroadcast_all(chain, chain->mempool_now);
	}
	poll_done(chain);
}

static void mempool_fetch_next(struct chain *chain)
{
	while (chain->mempool_next < json_array_size(chain->mempool_list)) {
		const char *hex = json_string_value(json_array_get(chain->mempool_list,
								   chain->mempool_next++));
		struct bitcoin_txid txid;
		if (!hex || !bitcoin_txid_from_hex(&txid, hex, strlen(hex))
		    || byteset_get(chain->mempool_seen, txid.shad.sha.u8, NULL))
			continue;
		if (chain->mempool_fetched++ >= CHAIN_MEMPOOL_FETCH_MAX)
			break;	/* the rest next time */
		byteset_put(chain->mempool_seen, txid.shad.sha.u8, 0);
		bitcoind_call(chain->bitcoind, BITCOIND_RETRY, "getrawtransaction",
			      json_pack("[s, b]", hex, 0), got_mempool_tx, chain);
		return;
	}
	bitcoind_call(chain->bitcoind, BITCOIND_RETRY, "getbestblockhash", NULL, got_best_hash,
		      chain);
}

static void got_mempool(const json_t *result, const struct bitcoind_error *error, void *arg)
{
	struct chain *chain = arg;
	size_t pos = 0;
	const void *key;

	if (error || !json_is_array(result)) {
		if (error)
			poll_fail(chain, "getrawmempool", error);
		else
			poll_done(chain);
		return;
	}
	byteset_clear(chain->mempool_now);
	for (size_t i = 0; i < json_array_size(result); i++) {
		const char *hex = json_string_value(json_array_get(result, i));
		struct bitcoin_txid txid;
		if (hex && bitcoin_txid_from_hex(&txid, hex, strlen(hex)))
			byteset_put(chain->mempool_now, txid.shad.sha.u8, 0);
	}
	/* Forget what left the mempool, so it is looked at again if it
	 * comes back (after a reorg). */
	while ((key = byteset_next(chain->mempool_seen, &pos, NULL)) != NULL)
		if (!byteset_get(chain->mempool_now, key, NULL))
			byteset_del(chain->mempool_seen, key);
	json_decref(chain->mempool_list);
	chain->mempool_list = json_incref((json_t *)result);
	chain->mempool_next = chain->mempool_fetched = 0;
	mempool_fetch_next(chain);
}

/* Caught up with the backend: tell listeners, refresh fees, then scan
 * the mempool. */
static void mempool_scan(struct chain *chain)
{
	if (chain->did_tip_move) {
		chain->did_tip_move = false;
		for (size_t i = 0; i < chain->num_listeners; i++)
			if (chain->listeners[i].tip_changed)
				chain->listeners[i].tip_changed(chain->listeners[i].arg,
								chain->tip_height);
		rebroadcast_all(chain, NULL);
	}
	if (chain->is_fee_stale) {
		chain->is_fee_stale = false;
		chain->fee_next = 0;
		estimate_next(chain);
		return;
	}
	bitcoind_call(chain->bitcoind, BITCOIND_RETRY, "getrawmempool", NULL, got_mempool, chain);
}

/* ---- Life cycle ---- */

struct chain *chain_new(struct event_base *base, struct log *log, struct db *db,
			struct bitcoind *bitcoind, const struct chain_options *opts,
			char *err, size_t errlen)
{
	struct chain *chain = oh_calloc(1, sizeof(*chain));

	chain->base = base;
	chain->log = log;
	chain->db = db;
	chain->bitcoind = bitcoind;
	chain->opts = *opts;
	if (chain->opts.poll_interval_secs < 1)
		chain->opts.poll_interval_secs = 1;
	chain->is_fee_stale = true;
	chain->mempool_seen = byteset_new(32);
	chain->mempool_now = byteset_new(32);
	chain->poll_timer = evtimer_new(base, poll_start, chain);
	if (!chain->poll_timer) {
		snprintf(err, errlen, "out of memory");
		chain_free(chain);
		return NULL;
	}
	if (!load_tip(chain, err, errlen)) {
		chain_free(chain);
		return NULL;
	}
	if (chain->has_tip)
		log_info(log, "chain", "resuming at block %u (started at %u)", chain->tip_height,
			 chain->start_height);
	return chain;
}

void chain_start(struct chain *chain)
{
	struct timeval now = {0, 0};

	if (chain->bitcoind)
		evtimer_add(chain->poll_timer, &now);
}

void chain_free(struct chain *chain)
{
	if (!chain)
		return;
	if (chain->poll_timer)
		event_free(chain->poll_timer);
	while (chain->rebroadcasts) {
		struct rebroadcast *r = chain->rebroadcasts;
		chain->rebroadcasts = r->next;
		free(r->hex);
		free(r->spends);
		free(r);
	}
	/* Their bitcoind calls are dropped with bitcoind, unanswered. */
	while (chain->broadcasts) {
		struct broadcast *b = chain->broadcasts;
		chain->broadcasts = b->next;
		free(b);
	}
	json_decref(chain->mempool_list);
	byteset_free(chain->mempool_seen);
	byteset_free(chain->mempool_now);
	free(chain->sync_warning);
	free(chain);
}
