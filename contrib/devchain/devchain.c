/* Node operations: mining, submitting, reorgs.  See devchain.h. */
#include "contrib/devchain/devchain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "contrib/devchain/miner.h"
#include "crypto/secp.h"

bool devchain_open(struct devchain *d, const char *datadir, char *err,
		   size_t errlen)
{
	char path[4200];

	memset(d, 0, sizeof(*d));
	d->params = chainparams_for_network("regtest");
	d->secp = crypto_secp_context_new();
	if (!d->secp) {
		snprintf(err, errlen, "cannot initialise libsodium/libsecp256k1");
		return false;
	}
	if (snprintf(path, sizeof(path), "%s/devchain.sqlite3", datadir)
	    >= (int)sizeof(path)) {
		snprintf(err, errlen, "data directory path is too long");
		return false;
	}
	d->store = store_open(path, err, errlen);
	if (!d->store)
		return false;
	d->chain = chain_open(d->store, d->secp, err, errlen);
	if (!d->chain)
		return false;
	d->mempool = mempool_new(d->store, d->chain, d->secp);
	d->start_time = time(NULL);
	store_begin(d->store);
	mempool_load(d->mempool);
	store_commit(d->store);
	return true;
}

void devchain_close(struct devchain *d)
{
	mempool_free(d->mempool);
	chain_free(d->chain);
	store_close(d->store);
	crypto_secp_context_destroy(d->secp);
	memset(d, 0, sizeof(*d));
}

int64_t devchain_now(const struct devchain *d)
{
	return d->mocktime ? d->mocktime : (int64_t)time(NULL);
}

/* The mempool's transactions in order, up to the block weight limit. */
static struct bitcoin_tx **select_from_mempool(struct devchain *d, size_t *num,
					       uint64_t *fees)
{
	size_t count = mempool_count(d->mempool), weight = 0;
	struct bitcoin_tx **txs = calloc(count + 1, sizeof(*txs));

	*num = 0;
	*fees = 0;
	if (!txs)
		abort();
	for (size_t i = 0; i < count; i++) {
		const struct mempool_entry *e = mempool_entry(d->mempool, i);
		/* Entries are in topological order: stopping at the first
		 * that does not fit never orphans a child. */
		if (weight + e->weight > DEVCHAIN_BLOCK_MAX_WEIGHT)
			break;
		weight += e->weight;
		*fees += e->fee_sat;
		txs[(*num)++] = e->tx;
	}
	return txs;
}

/* Fees of transactions given to generateblock: what their inputs are
 * worth minus what they pay out, inputs looked up in the chain or among
 * the earlier transactions.  Invalid ones are caught by validation. */
static uint64_t fees_of(struct devchain *d, struct bitcoin_tx *const *txs,
			size_t num_txs)
{
	uint64_t fees = 0;

	for (size_t t = 0; t < num_txs; t++) {
		uint64_t in = 0, out = tx_value_out(txs[t]);
		for (size_t i = 0; i < txs[t]->num_inputs; i++) {
			const struct bitcoin_outpoint *prevout = &txs[t]->inputs[i].prevout;
			struct coin coin;
			if (chain_get_coin(d->chain, prevout, &coin)) {
				in += coin.out.amount_sat;
				coin_clear(&coin);
				continue;
			}
			for (size_t p = 0; p < t; p++) {
				struct bitcoin_txid txid;
				bitcoin_tx_txid(&txid, txs[p]);
				if (bitcoin_txid_eq(&txid, &prevout->txid)
				    && prevout->vout < txs[p]->num_outputs)
					in += txs[p]->outputs[prevout->vout].amount_sat;
			}
		}
		if (in > out)
			fees += in - out;
	}
	return fees;
}

int devchain_make_block(struct devchain *d, const uint8_t *script,
			size_t script_len, bool from_mempool,
			struct bitcoin_tx *const *txs, size_t num_txs,
			uint64_t *max_tries, struct bitcoin_block **out)
{
	const struct block_index *tip = chain_tip(d->chain);
	struct bitcoin_tx **selected = NULL;
	int64_t now = devchain_now(d), block_time = tip->median_time_past + 1;
	struct sha256_double hash;
	uint64_t fees;
	struct bitcoin_block *b;

	if (from_mempool) {
		selected = select_from_mempool(d, &num_txs, &fees);
		txs = selected;
	} else {
		fees = fees_of(d, txs, num_txs);
	}
	/* Core: the later of now and the median time past plus one. */
	if (now > block_time)
		block_time = now;
	b = miner_create_block(&tip->hash, tip->height + 1, (uint32_t)block_time,
			       script, script_len, txs, num_txs, fees);
	free(selected);
	for (;;) {
		if (!miner_grind(&b->header, max_tries))
			break;
		block_hash(&hash, &b->header);
		/* Mining again what was invalidated would rebuild the very
		 * same block: grind on to a new hash. */
		if (!chain_lookup(d->chain, &hash)) {
			*out = b;
			return 1;
		}
		if (*max_tries == 0 || b->header.nonce == UINT32_MAX)
			break;
		b->header.nonce++;
		(*max_tries)--;
	}
	bitcoin_block_free(b);
	return 0;
}

bool devchain_test_block(struct devchain *d, const struct bitcoin_block *b,
			 struct validation_state *st)
{
	bool ok;

	store_begin(d->store);
	ok = chain_test_block(d->chain, b, st);
	store_commit(d->store);
	return ok;
}

int devchain_mine(struct devchain *d, const uint8_t *script, size_t script_len,
		  bool from_mempool, struct bitcoin_tx *const *txs,
		  size_t num_txs, uint64_t *max_tries,
		  struct sha256_double *hash, struct validation_state *st)
{
	struct tx_list disconnected = {0};
	struct bitcoin_block *b;
	int result = 1;

	if (!devchain_make_block(d, script, script_len, from_mempool, txs, num_txs,
				 max_tries, &b))
		return 0;
	block_hash(hash, &b->header);
	store_begin(d->store);
	if (chain_submit_block(d->chain, b, st, &disconnected)) {
		mempool_remove_for_block(d->mempool, b);
		if (disconnected.num)
			mempool_resync(d->mempool, &disconnected, devchain_now(d));
	} else {
		result = -1;
	}
	store_commit(d->store);
	tx_list_clear(&disconnected);
	bitcoin_block_free(b);
	return result;
}

bool devchain_submit_tx(struct devchain *d, const struct bitcoin_tx *tx,
			struct mempool_accept_result *res,
			struct validation_state *st)
{
	bool ok;

	store_begin(d->store);
	ok = mempool_accept(d->mempool, tx, devchain_now(d), MEMPOOL_ACCEPT, res, st);
	store_commit(d->store);
	return ok;
}

void devchain_invalidate(struct devchain *d, const struct block_index *index)
{
	struct tx_list disconnected = {0};

	store_begin(d->store);
	chain_invalidate(d->chain, index, &disconnected);
	mempool_resync(d->mempool, &disconnected, devchain_now(d));
	store_commit(d->store);
	tx_list_clear(&disconnected);
}

void devchain_reconsider(struct devchain *d, const struct block_index *index)
{
	struct tx_list disconnected = {0};

	store_begin(d->store);
	chain_reconsider(d->chain, index, &disconnected);
	mempool_resync(d->mempool, &disconnected, devchain_now(d));
	store_commit(d->store);
	tx_list_clear(&disconnected);
}
