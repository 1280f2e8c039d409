/* Coins for transactions the wallet does not build: the on-chain
 * resolver's option_anchors HTLC transactions (BOLT 3: zero-fee, their fee
 * paid by a coin of ours and a change output).  The wallet hands out a
 * coin and its key, then records the transaction spending it before it is
 * sent, so no withdraw can pick that coin; the chain tells it the rest. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "bitcoin/script.h"
#include "crypto/util.h"
#include "daemon/chain/chain.h"
#include "daemon/wallet/wallet_internal.h"
#include "daemon/wallet/wallet_store.h"
#include "db/db.h"

struct fee_walk {
	uint32_t tip;
	uint64_t min_sat;
	const struct bitcoin_outpoint *exclude;
	size_t num_exclude;
	bool found;
	struct wallet_store_coin best;
};

static bool excluded(const struct fee_walk *walk, const struct bitcoin_outpoint *op)
{
	for (size_t i = 0; i < walk->num_exclude; i++)
		if (walk->exclude[i].vout == op->vout
		    && bitcoin_txid_eq(&walk->exclude[i].txid, &op->txid))
			return true;
	return false;
}

static bool fee_candidate(void *arg, const struct wallet_store_coin *coin)
{
	struct fee_walk *walk = arg;

	/* Confirmed (a child of an unconfirmed coin could be stuck with
	 * it), spendable now, P2WPKH (the resolver signs BIP143), enough. */
	if (!coin->is_confirmed || coin->blockheight > walk->tip || coin->is_spent || coin->is_held
	    || (coin->is_reserved && coin->reserved_til > walk->tip)
	    || (coin->is_coinbase
		&& walk->tip - coin->blockheight + 1 < WALLET_COINBASE_MATURITY)
	    || coin->path.type != WALLET_P2WPKH
	    || !script_is_p2wpkh(coin->script, coin->script_len)
	    || coin->amount_sat < walk->min_sat || excluded(walk, &coin->outpoint))
		return true;
	/* The smallest that will do. */
	if (!walk->found || coin->amount_sat < walk->best.amount_sat) {
		walk->best = *coin;
		walk->found = true;
	}
	return true;
}

int wallet_fee_coin(struct wallet *wallet, uint64_t min_sat,
		    const struct bitcoin_outpoint *exclude, size_t num_exclude,
		    struct wallet_fee_coin *coin)
{
	struct fee_walk walk = {
		.tip = chain_height(wallet->chain),
		.min_sat = min_sat,
		.exclude = exclude,
		.num_exclude = num_exclude,
	};
	struct bip32_key key;

	if (!wallet_store_each_unspent_coin(wallet->db, fee_candidate, &walk))
		return -1;
	if (!walk.found)
		return 0;
	if (!wallet_keys_derive(wallet->secp, &key, &wallet->keys, &walk.best.path))
		return -1;
	memset(coin, 0, sizeof(*coin));
	coin->outpoint = walk.best.outpoint;
	coin->amount_sat = walk.best.amount_sat;
	memcpy(coin->script, walk.best.script, sizeof(coin->script));
	coin->key = key.privkey;
	bip32_key_wipe(&key);
	return 1;
}

int wallet_fee_coin_at(struct wallet *wallet, const struct bitcoin_outpoint *outpoint,
		       struct wallet_fee_coin *coin)
{
	struct wallet_store_coin found;
	struct bip32_key key;
	int rc = wallet_store_coin(wallet->db, outpoint, &found);

	if (rc <= 0)
		return rc;
	if (found.path.type != WALLET_P2WPKH || !script_is_p2wpkh(found.script, found.script_len))
		return 0;
	if (!wallet_keys_derive(wallet->secp, &key, &wallet->keys, &found.path))
		return -1;
	memset(coin, 0, sizeof(*coin));
	coin->outpoint = found.outpoint;
	coin->amount_sat = found.amount_sat;
	memcpy(coin->script, found.script, sizeof(coin->script));
	coin->key = key.privkey;
	bip32_key_wipe(&key);
	return 1;
}

bool wallet_record_spend(struct wallet *wallet, const struct bitcoin_tx *tx, char *err,
			 size_t errlen)
{
	uint32_t tip = chain_height(wallet->chain);
	struct bitcoin_txid txid;
	bool ok;

	bitcoin_tx_txid(&txid, tx);
	ok = wallet_tx_record(wallet, &txid, tx, -1, 0, false, true);
	for (size_t i = 0; ok && i < tx->num_inputs; i++) {
		struct wallet_store_coin coin;
		int found = wallet_store_coin(wallet->db, &tx->inputs[i].prevout, &coin);
		ok = found >= 0;
		if (found == 1)
			ok = wallet_store_coin_take(wallet->db, &tx->inputs[i].prevout, &txid,
						    tip + WALLET_RESERVATION_BLOCKS);
	}
	for (size_t i = 0; ok && i < tx->num_outputs; i++) {
		struct wallet_key_path path;
		if (wallet_script_is_ours(wallet, tx->outputs[i].script, tx->outputs[i].script_len,
					  &path))
			ok = wallet_utxo_add(wallet, &txid, (uint32_t)i, &tx->outputs[i], &path);
	}
	if (!ok)
		snprintf(err, errlen, "cannot store a transaction spending our coins: %s",
			 db_errmsg(wallet->db));
	return ok;
}

bool wallet_forget_spend(struct wallet *wallet, const struct bitcoin_txid *txid, const char *why)
{
	bool is_confirmed;
	int rc;

	assert(db_in_transaction(wallet->db));
	rc = wallet_store_tx_lookup(wallet->db, txid, &is_confirmed);
	if (rc <= 0)
		return rc == 0;
	if (is_confirmed)
		return true;
	/* Deleting it clears the spent_by of its inputs (ON DELETE SET NULL)
	 * but not their reservation: the coins are free at once. */
	return wallet_store_unreserve_spent_by(wallet->db, txid)
		&& wallet_tx_forget(wallet, txid, why, 0);
}
