/* Fee bumps: a child spending a foreign output (a channel's anchor) and
 * confirmed wallet coins, paying change back, at the fee that lifts its
 * parent and it to a package feerate (bitcoin/cpfp.h).  See wallet.h. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitcoin/cpfp.h"
#include "bitcoin/script.h"
#include "common/alloc.h"
#include "crypto/util.h"
#include "daemon/chain/chain.h"
#include "daemon/log.h"
#include "daemon/wallet/coin_select.h"
#include "daemon/wallet/wallet_internal.h"
#include "daemon/wallet/wallet_store.h"
#include "db/db.h"

/* BIP125: the child can be replaced with a higher fee. */
#define BUMP_SEQUENCE 0xfffffffdu

struct bump_coins {
	struct wallet_store_coin *list;
	size_t num;
	uint32_t tip;
	uint64_t total_sat;
};

/* A coin a bump may spend: confirmed, unspent, not reserved, not the
 * change of a held transaction, not an immature coinbase. */
static bool bump_usable(const struct wallet_store_coin *coin, uint32_t tip)
{
	uint32_t confirmations;

	if (coin->is_spent || coin->is_held || !coin->is_confirmed || coin->blockheight > tip)
		return false;
	if (coin->is_reserved && coin->reserved_til > tip)
		return false;
	confirmations = tip - coin->blockheight + 1;
	return !coin->is_coinbase || confirmations >= WALLET_COINBASE_MATURITY;
}

static bool bump_coin_found(void *arg, const struct wallet_store_coin *coin)
{
	struct bump_coins *c = arg;

	if (!bump_usable(coin, c->tip) || coin->script_len > WALLET_SCRIPT_MAX_LEN)
		return true;
	c->list = oh_realloc(c->list, (c->num + 1) * sizeof(*c->list));
	c->list[c->num++] = *coin;
	c->total_sat += coin->amount_sat;
	return true;
}

static int by_amount_descending(const void *a, const void *b)
{
	const struct wallet_store_coin *x = a, *y = b;

	return x->amount_sat < y->amount_sat ? 1 : x->amount_sat > y->amount_sat ? -1 : 0;
}

bool wallet_bump_funds(struct wallet *wallet, uint64_t *sat)
{
	struct bump_coins c = {.tip = chain_height(wallet->chain)};
	bool ok = wallet_store_each_unspent_coin(wallet->db, bump_coin_found, &c);

	free(c.list);
	if (ok)
		*sat = c.total_sat;
	return ok;
}

static size_t coin_input_weight(const struct wallet_store_coin *coin)
{
	return coin->path.type == WALLET_P2TR ? COIN_P2TR_INPUT_WEIGHT : COIN_P2WPKH_INPUT_WEIGHT;
}

/* The fee of a child with these inputs and one P2WPKH change. */
static uint64_t bump_fee(const struct wallet_bump_params *params, size_t weight)
{
	uint64_t fee = cpfp_child_fee_sat(params->package_perkw, params->parent_weight,
					  params->parent_fee_sat, weight);
	/* The child alone must be relayable too (1 sat/vB). */
	uint64_t relay = (weight + 3) / 4;

	if (params->is_replacement) {
		uint64_t rbf = cpfp_rbf_min_fee_sat(params->old_fee_sat, params->old_weight, weight);
		if (rbf > fee)
			fee = rbf;
	}
	return fee > relay ? fee : relay;
}

/* Signs, stores and takes the coins; inside the caller's transaction. */
static bool bump_store(struct wallet *wallet, const struct wallet_bump_params *params,
		       const struct bump_coins *c, size_t num_chosen, struct wallet_bump *out,
		       uint64_t change_sat, char *err, size_t errlen)
{
	uint32_t tip = chain_height(wallet->chain);
	struct bitcoin_tx *tx = bitcoin_tx_new(2, tip);
	struct wallet_spend *spends = wire_calloc(num_chosen + 2, sizeof(*spends));
	uint8_t (*aux_rand)[32] = wire_calloc(num_chosen + 2, 32);
	struct wirebuf *change_script = wirebuf_new();
	struct wallet_key_path change_path;
	struct bitcoin_txid txid;
	bool ok = false;

	for (size_t i = 0; i < num_chosen; i++) {
		bitcoin_tx_add_input(tx, &c->list[i].outpoint, BUMP_SEQUENCE);
		spends[i].path = c->list[i].path;
		spends[i].amount_sat = c->list[i].amount_sat;
		spends[i].script = c->list[i].script;
		spends[i].script_len = c->list[i].script_len;
	}
	out->input_index = bitcoin_tx_add_input(tx, &params->input, BUMP_SEQUENCE);
	spends[out->input_index].is_foreign = true;
	spends[out->input_index].amount_sat = params->input_sat;
	spends[out->input_index].script = params->input_script;
	spends[out->input_index].script_len = params->input_script_len;
	if (!wallet_issue_key(wallet, WALLET_P2WPKH, true, &change_path, change_script)) {
		snprintf(err, errlen, "cannot store a change key: %s", db_errmsg(wallet->db));
		goto out;
	}
	bitcoin_tx_add_output(tx, change_sat, change_script->data, change_script->len);
	crypto_random_bytes(aux_rand, 32 * (num_chosen + 1));
	if (!wallet_keys_sign_tx(wallet->secp, tx, &wallet->keys, spends,
				 (const uint8_t (*)[32])aux_rand)
	    || !params->sign_input(params->sign_arg, tx, out->input_index)) {
		snprintf(err, errlen, "cannot sign the fee bump");
		goto out;
	}
	bitcoin_tx_txid(&txid, tx);
	ok = wallet_tx_record(wallet, &txid, tx, -1, 0, false, true);
	for (size_t i = 0; ok && i < num_chosen; i++)
		ok = wallet_store_coin_take(wallet->db, &tx->inputs[i].prevout, &txid,
					    tip + WALLET_RESERVATION_BLOCKS);
	if (ok)
		ok = wallet_utxo_add(wallet, &txid, 0, &tx->outputs[0], &change_path);
	if (!ok)
		snprintf(err, errlen, "cannot store the fee bump: %s", db_errmsg(wallet->db));
out:
	crypto_wipe(aux_rand, 32 * (num_chosen + 2));
	free(aux_rand);
	free(spends);
	wirebuf_free(change_script);
	if (!ok) {
		bitcoin_tx_free(tx);
		return false;
	}
	out->tx = tx;
	return true;
}

/* bump_store's arguments, for wallet_store_savepoint. */
struct bump_write {
	struct wallet *wallet;
	const struct wallet_bump_params *params;
	const struct bump_coins *c;
	size_t num_chosen;
	struct wallet_bump *out;
	uint64_t change_sat;
	char *err;
	size_t errlen;
	bool is_stored;
};

static bool bump_write(void *arg)
{
	struct bump_write *w = arg;

	w->is_stored = bump_store(w->wallet, w->params, w->c, w->num_chosen, w->out,
				  w->change_sat, w->err, w->errlen);
	return w->is_stored;
}

bool wallet_bump_prepare(struct wallet *wallet, const struct wallet_bump_params *params,
			 struct wallet_bump *out, char *err, size_t errlen)
{
	struct bump_coins c = {.tip = chain_height(wallet->chain)};
	uint8_t change_template[SCRIPT_P2WPKH_LEN] = {OP_0, 20};
	uint64_t change_dust = coin_dust_limit_sat(change_template, sizeof(change_template));
	uint64_t in_sat = params->input_sat, fee = 0;
	size_t inputs_weight = params->input_weight, weight = 0, n;
	bool ok = false;

	assert(db_in_transaction(wallet->db));
	if (!wallet_store_each_unspent_coin(wallet->db, bump_coin_found, &c)) {
		snprintf(err, errlen, "cannot read the wallet: %s", db_errmsg(wallet->db));
		goto out;
	}
	if (c.num)
		qsort(c.list, c.num, sizeof(*c.list), by_amount_descending);
	/* Largest first, as coin_select: the fewest inputs. */
	for (n = 0; n < c.num; n++) {
		in_sat += c.list[n].amount_sat;
		inputs_weight += coin_input_weight(&c.list[n]);
		weight = coin_tx_weight(n + 2, inputs_weight, 1,
					coin_output_weight(SCRIPT_P2WPKH_LEN));
		fee = bump_fee(params, weight);
		if (in_sat >= fee + change_dust)
			break;
	}
	if (n == c.num) {
		snprintf(err, errlen, "Could not afford the fee bump at %u perkw using all %zu "
			 "confirmed UTXOs: %llusat available", params->package_perkw, c.num,
			 (unsigned long long)c.total_sat);
		goto out;
	}
	if (params->max_fee_sat && fee > params->max_fee_sat) {
		snprintf(err, errlen, "the fee bump at %u perkw would cost %llusat, more than the "
			 "%llusat at stake", params->package_perkw, (unsigned long long)fee,
			 (unsigned long long)params->max_fee_sat);
		goto out;
	}
	{
		struct bump_write w = {wallet, params, &c, n + 1, out, in_sat - fee, err, errlen,
					false};
		switch (wallet_store_savepoint(wallet->db, bump_write, &w)) {
		case 1:
			ok = true;
			break;
		case -1:
			snprintf(err, errlen, "cannot store the fee bump: %s",
				 db_errmsg(wallet->db));
			if (w.is_stored)
				bitcoin_tx_free(out->tx);
			break;
		}
	}
	if (ok) {
		out->fee_sat = fee;
		out->weight = weight;
	}
out:
	free(c.list);
	return ok;
}
