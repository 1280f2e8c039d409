/* withdraw and channel funding: choose coins, build and sign the
 * transaction, store it, then send it (withdraw) or hold it back for the
 * channel code (funding).  Persist, then send: if ohmd dies after the
 * commit, the stored transaction is re-sent at the next start (unless
 * held); if bitcoind refuses it, it is forgotten and its coins freed. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitcoin/script.h"
#include "common/alloc.h"
#include "crypto/util.h"
#include "daemon/chain/bitcoind.h"
#include "daemon/chain/chain.h"
#include "daemon/wallet/coin_select.h"
#include "daemon/log.h"
#include "daemon/wallet/wallet_internal.h"
#include "daemon/wallet/wallet_store.h"
#include "db/db.h"

/* BIP125: opts in to replacement (nSequence below 0xfffffffe), as Core
 * Lightning's withdraw does; also enables nLockTime. */
#define WITHDRAW_SEQUENCE 0xfffffffdu

struct withdraw {
	struct wallet *wallet;
	struct bitcoin_tx *tx;
	struct bitcoin_txid txid;
	wallet_withdraw_cb cb;
	void *arg;
	struct withdraw *prev, *next;
};

/* A coin we might spend. */
struct candidate {
	struct bitcoin_outpoint outpoint;
	uint64_t amount_sat;
	struct wallet_key_path path;
	uint8_t script[WALLET_SCRIPT_MAX_LEN];
	size_t script_len;
};

struct candidates {
	struct candidate *list;
	size_t num;
};

static const char *outpoint_text(char out[80], const struct bitcoin_outpoint *outpoint)
{
	char hex[65];
	snprintf(out, 80, "%s:%u", bitcoin_txid_to_hex(hex, &outpoint->txid), outpoint->vout);
	return out;
}

_Static_assert(WALLET_SCRIPT_MAX_LEN <= WALLET_STORE_COIN_SCRIPT_MAX,
	       "the store copies our longest script whole");

static bool candidates_add(struct candidates *c, const struct wallet_store_coin *coin)
{
	struct candidate *candidate;

	if (coin->script_len > WALLET_SCRIPT_MAX_LEN)
		return false;
	c->list = oh_realloc(c->list, (c->num + 1) * sizeof(*c->list));
	candidate = &c->list[c->num++];
	candidate->outpoint = coin->outpoint;
	candidate->amount_sat = coin->amount_sat;
	memcpy(candidate->script, coin->script, coin->script_len);
	candidate->script_len = coin->script_len;
	candidate->path = coin->path;
	return true;
}

/* Why coin cannot be spent now, or NULL. */
static const char *coin_unusable(const struct wallet_store_coin *coin, uint32_t tip,
				 uint32_t minconf, char *why, size_t whylen)
{
	uint32_t confirmations = 0;

	if (coin->is_confirmed && coin->blockheight <= tip)
		confirmations = tip - coin->blockheight + 1;
	if (coin->is_spent)
		return "is already spent";
	/* A child of a held transaction would go with its release. */
	if (coin->is_held)
		return "is the change of a transaction not sent yet";
	if (coin->is_reserved && coin->reserved_til > tip) {
		snprintf(why, whylen, "is reserved until block %lld", (long long)coin->reserved_til);
		return why;
	}
	if (confirmations < minconf) {
		snprintf(why, whylen, "has %u confirmations, fewer than minconf %u",
			 confirmations, minconf);
		return why;
	}
	/* Consensus: a coinbase output is spendable after 100 blocks. */
	if (coin->is_coinbase && confirmations < WALLET_COINBASE_MATURITY) {
		snprintf(why, whylen, "is an immature coinbase output (%u of %u confirmations)",
			 confirmations, WALLET_COINBASE_MATURITY);
		return why;
	}
	return NULL;
}

struct candidates_walk {
	struct candidates *c;
	uint32_t tip, minconf;
};

static bool candidate_found(void *arg, const struct wallet_store_coin *coin)
{
	struct candidates_walk *walk = arg;
	char why[100];

	return coin_unusable(coin, walk->tip, walk->minconf, why, sizeof(why))
		|| candidates_add(walk->c, coin);
}

/* The coins params may spend: exactly its utxos, or every usable one. */
static bool load_candidates(struct wallet *wallet, const struct wallet_withdraw_params *params,
			    struct candidates *c, enum wallet_error *code, char *err, size_t errlen)
{
	uint32_t tip = chain_height(wallet->chain);
	char why[100], text[80];

	if (params->utxos) {
		for (size_t i = 0; i < params->num_utxos; i++) {
			struct wallet_store_coin coin;
			const char *unusable;
			int rc;
			for (size_t j = 0; j < i; j++) {
				if (bitcoin_txid_eq(&params->utxos[j].txid, &params->utxos[i].txid)
				    && params->utxos[j].vout == params->utxos[i].vout) {
					*code = WALLET_ERROR_BAD_REQUEST;
					snprintf(err, errlen, "parameter 'utxos': %s is given twice",
						 outpoint_text(text, &params->utxos[i]));
					return false;
				}
			}
			rc = wallet_store_coin(wallet->db, &params->utxos[i], &coin);
			if (rc < 0)
				goto fail;
			unusable = rc > 0 ? coin_unusable(&coin, tip, params->minconf, why, sizeof(why))
				: "is not an output of this wallet";
			if (unusable) {
				*code = WALLET_ERROR_BAD_REQUEST;
				snprintf(err, errlen, "parameter 'utxos': %s %s",
					 outpoint_text(text, &params->utxos[i]), unusable);
				return false;
			}
			if (!candidates_add(c, &coin))
				goto fail;
		}
		return true;
	} else {
		struct candidates_walk walk = {c, tip, params->minconf};
		if (wallet_store_each_unspent_coin(wallet->db, candidate_found, &walk))
			return true;
	}
fail:
	*code = WALLET_ERROR_INTERNAL;
	snprintf(err, errlen, "cannot read the wallet: %s", db_errmsg(wallet->db));
	return false;
}

/* Builds and signs the transaction spending the chosen coins; stores it
 * (held back if is_held), its spends and its change.  *outnum is the
 * output paying params.  Inside the caller's transaction, which may hold
 * part of it on failure. */
static struct bitcoin_tx *build_and_store(struct wallet *wallet,
					  const struct wallet_withdraw_params *params,
					  const struct candidates *c,
					  const struct coin_selection *selection, bool is_held,
					  uint32_t *outnum, char *err, size_t errlen)
{
	uint32_t tip = chain_height(wallet->chain);
	/* Anti fee sniping, as Core and Core Lightning do: valid only on
	 * top of the block we know. */
	struct bitcoin_tx *tx = bitcoin_tx_new(2, tip);
	struct wallet_spend *spends = wire_calloc(selection->num_chosen + 1, sizeof(*spends));
	uint8_t (*aux_rand)[32] = wire_calloc(selection->num_chosen + 1, 32);
	struct wirebuf *change_script = wirebuf_new();
	struct wallet_key_path change_path;
	struct bitcoin_txid txid;
	size_t n = 0, change_index = 0, destination_index = 0;
	uint8_t coin_flip;
	bool ok = true;

	for (size_t i = 0; i < c->num; i++) {
		if (!selection->is_chosen[i])
			continue;
		bitcoin_tx_add_input(tx, &c->list[i].outpoint, WITHDRAW_SEQUENCE);
		spends[n].path = c->list[i].path;
		spends[n].amount_sat = c->list[i].amount_sat;
		spends[n].script = c->list[i].script;
		spends[n].script_len = c->list[i].script_len;
		n++;
	}
	if (selection->change_sat && !wallet_issue_key(wallet, WALLET_P2WPKH, true, &change_path,
						       change_script)) {
		snprintf(err, errlen, "cannot store a change key: %s", db_errmsg(wallet->db));
		ok = false;
		goto out;
	}
	/* The change goes first or second at random, so it cannot be told
	 * from the payment by its position. */
	crypto_random_bytes(&coin_flip, 1);
	if (selection->change_sat && (coin_flip & 1))
		change_index = bitcoin_tx_add_output(tx, selection->change_sat, change_script->data,
						     change_script->len);
	destination_index = bitcoin_tx_add_output(tx, selection->amount_sat,
						  params->destination_script,
						  params->destination_script_len);
	if (selection->change_sat && !(coin_flip & 1))
		change_index = bitcoin_tx_add_output(tx, selection->change_sat, change_script->data,
						     change_script->len);

	crypto_random_bytes(aux_rand, 32 * n);
	if (!wallet_keys_sign_tx(wallet->secp, tx, &wallet->keys, spends,
				 (const uint8_t (*)[32])aux_rand)) {
		snprintf(err, errlen, "cannot sign the transaction");
		ok = false;
		goto out;
	}
	bitcoin_tx_txid(&txid, tx);
	ok = wallet_tx_record(wallet, &txid, tx, -1, 0, false, true);
	if (ok && is_held)
		ok = wallet_store_tx_set_held(wallet->db, &txid, true) == 1;
	for (size_t i = 0; ok && i < tx->num_inputs; i++)
		ok = wallet_store_coin_take(wallet->db, &tx->inputs[i].prevout, &txid,
			       tip + WALLET_RESERVATION_BLOCKS);
	if (ok && selection->change_sat)
		ok = wallet_utxo_add(wallet, &txid, (uint32_t)change_index,
				     &tx->outputs[change_index], &change_path);
	if (!ok)
		snprintf(err, errlen, "cannot store the transaction: %s", db_errmsg(wallet->db));
out:
	crypto_wipe(aux_rand, 32 * n);
	free(aux_rand);
	free(spends);
	wirebuf_free(change_script);
	if (!ok) {
		bitcoin_tx_free(tx);
		return NULL;
	}
	*outnum = (uint32_t)destination_index;
	return tx;
}

static void withdraw_unlink(struct wallet *wallet, struct withdraw *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		wallet->withdraws = w->next;
	if (w->next)
		w->next->prev = w->prev;
}

/* Forgets our transaction txid (and what spends its outputs) and frees
 * the coins it spent.  Inside the caller's transaction. */
static bool tx_abandon(struct wallet *wallet, const struct bitcoin_txid *txid, const char *why)
{
	/* Deleting it clears the spent_by of its inputs (ON DELETE SET NULL). */
	return wallet_store_unreserve_spent_by(wallet->db, txid)
		&& wallet_tx_forget(wallet, txid, why, 0);
}

/* bitcoind refused the transaction: forget it and free its coins. */
static void withdraw_abandon(struct wallet *wallet, const struct bitcoin_txid *txid)
{
	char hex[65];

	if (!db_begin(wallet->db) || !tx_abandon(wallet, txid, "bitcoind refused it")
	    || !db_commit(wallet->db)) {
		log_broken(wallet->log, "wallet", "cannot forget refused transaction %s: %s",
			   bitcoin_txid_to_hex(hex, txid), db_errmsg(wallet->db));
		db_rollback(wallet->db);
	}
}

static void withdraw_sent(const struct bitcoind_error *error, void *arg)
{
	struct withdraw *w = arg;
	struct wallet *wallet = w->wallet;
	char hex[65], message[700];

	withdraw_unlink(wallet, w);
	bitcoin_txid_to_hex(hex, &w->txid);
	if (error) {
		log_unusual(wallet->log, "wallet", "bitcoind refused withdrawal %s: %s", hex,
			    error->message);
		withdraw_abandon(wallet, &w->txid);
		snprintf(message, sizeof(message), "Error broadcasting transaction: %s",
			 error->message);
		w->cb(NULL, WALLET_ERROR_NOT_SENT, message, w->arg);
	} else {
		log_info(wallet->log, "wallet", "sent withdrawal %s", hex);
		w->cb(w->tx, WALLET_OK, NULL, w->arg);
	}
	bitcoin_tx_free(w->tx);
	free(w);
}

struct reserve_walk {
	uint32_t tip;
	uint64_t sat;
};

static bool reserve_counted(void *arg, const struct wallet_store_coin *coin)
{
	struct reserve_walk *walk = arg;
	char why[100];

	/* What could pay a fee bump once this spend is out: every coin
	 * still free, unconfirmed change included (a held funding's too). */
	struct wallet_store_coin free_coin = *coin;
	free_coin.is_held = false;
	if (!coin_unusable(&free_coin, walk->tip, 0, why, sizeof(why)))
		walk->sat += coin->amount_sat;
	return true;
}

/* Whether the wallet keeps reserve_sat after the spend just stored (its
 * coins spent, its change added).  Returns: false with *code and err. */
static bool reserve_kept(struct wallet *wallet, uint64_t reserve_sat, enum wallet_error *code,
			 char *err, size_t errlen)
{
	struct reserve_walk walk = {chain_height(wallet->chain), 0};

	if (!wallet_store_each_unspent_coin(wallet->db, reserve_counted, &walk)) {
		*code = WALLET_ERROR_INTERNAL;
		snprintf(err, errlen, "cannot read the wallet: %s", db_errmsg(wallet->db));
		return false;
	}
	if (walk.sat >= reserve_sat)
		return true;
	/* Core Lightning's words (its code 313). */
	*code = WALLET_ERROR_EMERGENCY_RESERVE;
	snprintf(err, errlen, "We would not have enough left for min-emergency-msat %llusat",
		 (unsigned long long)reserve_sat);
	return false;
}

/* build_and_store and the reserve check, for wallet_store_savepoint. */
struct spend_write {
	struct wallet *wallet;
	const struct wallet_withdraw_params *params;
	const struct candidates *c;
	const struct coin_selection *selection;
	bool is_held;
	uint32_t *outnum;
	enum wallet_error *code;
	char *err;
	size_t errlen;
	struct bitcoin_tx *tx;		/* out */
	bool is_reserve_short;		/* out */
};

static bool spend_write(void *arg)
{
	struct spend_write *w = arg;

	w->tx = build_and_store(w->wallet, w->params, w->c, w->selection, w->is_held, w->outnum,
				w->err, w->errlen);
	if (w->tx && w->params->reserve_sat
	    && !reserve_kept(w->wallet, w->params->reserve_sat, w->code, w->err, w->errlen)) {
		bitcoin_tx_free(w->tx);
		w->tx = NULL;
		w->is_reserve_short = true;
	}
	return w->tx != NULL;
}

/* Chooses coins for params, then builds, signs and stores the transaction
 * (held back if is_held); *outnum is its output paying params.  A dust
 * amount is blamed on the RPC parameter amount_name.  Inside the caller's
 * transaction, which keeps nothing of it on failure (a savepoint).
 * Returns: NULL with *code and err on failure. */
static struct bitcoin_tx *spend_prepare(struct wallet *wallet,
					const struct wallet_withdraw_params *params,
					const char *amount_name, bool is_held, uint32_t *outnum,
					enum wallet_error *code, char *err, size_t errlen)
{
	struct candidates c = {0};
	struct coin *coins = NULL;
	struct coin_selection selection = {0};
	struct coin_select_params select = {
		.amount_sat = params->amount_sat,
		.is_all = params->is_all,
		.must_use_all = params->utxos != NULL,
		.feerate_perkw = params->feerate_perkw,
		.destination_script_len = params->destination_script_len,
		.change_script_len = SCRIPT_P2WPKH_LEN,
	};
	uint64_t dest_dust = coin_dust_limit_sat(params->destination_script,
						 params->destination_script_len);
	uint8_t change_template[SCRIPT_P2WPKH_LEN] = {OP_0, 20};
	struct bitcoin_tx *tx = NULL;
	bool is_reserve_short = false;

	if (!load_candidates(wallet, params, &c, code, err, errlen))
		goto out;
	coins = wire_calloc(c.num + 1, sizeof(*coins));
	for (size_t i = 0; i < c.num; i++) {
		coins[i].amount_sat = c.list[i].amount_sat;
		coins[i].input_weight = c.list[i].path.type == WALLET_P2TR
			? COIN_P2TR_INPUT_WEIGHT : COIN_P2WPKH_INPUT_WEIGHT;
	}
	switch (coin_select(&selection, coins, c.num, &select, dest_dust,
			    coin_dust_limit_sat(change_template, sizeof(change_template)))) {
	case COIN_SELECT_OK:
		break;
	case COIN_SELECT_INSUFFICIENT:
		*code = WALLET_ERROR_INSUFFICIENT_FUNDS;
		snprintf(err, errlen, "Could not afford %s using %s%zu available UTXOs: "
			 "%llusat needed (fee at %u perkw), %llusat available",
			 params->is_all ? "the fee" : "the amount",
			 params->utxos ? "the " : "all ", c.num,
			 (unsigned long long)selection.needed_sat, params->feerate_perkw,
			 (unsigned long long)selection.available_sat);
		goto out;
	case COIN_SELECT_DUST:
		*code = WALLET_ERROR_BAD_REQUEST;
		if (params->is_all)
			snprintf(err, errlen, "parameter '%s': all, %llusat after the fee, "
				 "is below the dust limit of %llusat for this destination",
				 amount_name,
				 (unsigned long long)(selection.input_sat - selection.fee_sat),
				 (unsigned long long)dest_dust);
		else
			snprintf(err, errlen, "parameter '%s': %llusat is below the dust "
				 "limit of %llusat for this destination", amount_name,
				 (unsigned long long)params->amount_sat,
				 (unsigned long long)dest_dust);
		goto out;
	}
	{
		struct spend_write w = {wallet, params, &c, &selection, is_held, outnum, code,
					err, errlen, NULL, false};
		if (wallet_store_savepoint(wallet->db, spend_write, &w) < 0) {
			snprintf(err, errlen, "cannot store the transaction: %s",
				 db_errmsg(wallet->db));
			bitcoin_tx_free(w.tx);
			w.tx = NULL;
			w.is_reserve_short = false;
		}
		tx = w.tx;
		is_reserve_short = w.is_reserve_short;
	}
	if (!tx && !is_reserve_short)
		*code = WALLET_ERROR_INTERNAL;
out:
	free(selection.is_chosen);
	free(coins);
	free(c.list);
	return tx;
}

bool wallet_withdraw(struct wallet *wallet, const struct wallet_withdraw_params *params,
		     wallet_withdraw_cb cb, void *arg, enum wallet_error *code, char *err, size_t errlen)
{
	struct bitcoin_tx *tx;
	struct withdraw *w;
	uint32_t outnum;

	/* BEGIN IMMEDIATE: choosing, reserving and storing are one step, so
	 * no other spend can pick the same coins. */
	if (!db_begin(wallet->db)) {
		*code = WALLET_ERROR_INTERNAL;
		snprintf(err, errlen, "cannot begin a transaction: %s", db_errmsg(wallet->db));
		return false;
	}
	tx = spend_prepare(wallet, params, "satoshi", false, &outnum, code, err, errlen);
	if (!tx) {
		db_rollback(wallet->db);
		return false;
	}
	if (!db_commit(wallet->db)) {
		*code = WALLET_ERROR_INTERNAL;
		snprintf(err, errlen, "cannot store the transaction: %s", db_errmsg(wallet->db));
		db_rollback(wallet->db);
		bitcoin_tx_free(tx);
		return false;
	}

	w = wire_calloc(1, sizeof(*w));
	w->wallet = wallet;
	w->tx = tx;
	bitcoin_tx_txid(&w->txid, tx);
	w->cb = cb;
	w->arg = arg;
	w->next = wallet->withdraws;
	if (w->next)
		w->next->prev = w;
	wallet->withdraws = w;
	chain_broadcast(wallet->chain, tx, withdraw_sent, w);
	return true;
}

/* ---- Channel funding ---- */

struct bitcoin_tx *wallet_fund_prepare(struct wallet *wallet,
				       const struct wallet_withdraw_params *params, uint32_t *outnum,
				       enum wallet_error *code, char *err, size_t errlen)
{
	struct bitcoin_tx *tx;
	struct bitcoin_txid txid;
	char hex[65];

	/* The caller's BEGIN IMMEDIATE makes choosing, reserving and
	 * storing one step with its channel, as withdraw's does. */
	assert(db_in_transaction(wallet->db));
	tx = spend_prepare(wallet, params, "amount", true, outnum, code, err, errlen);
	if (tx) {
		bitcoin_tx_txid(&txid, tx);
		log_info(wallet->log, "wallet", "holding funding transaction %s (not sent)",
			 bitcoin_txid_to_hex(hex, &txid));
	}
	return tx;
}

bool wallet_fund_is_held(struct wallet *wallet, const struct bitcoin_txid *txid, bool *held)
{
	return wallet_store_tx_is_held(wallet->db, txid, held);
}

bool wallet_fund_release(struct wallet *wallet, const struct bitcoin_txid *txid, char *err,
			 size_t errlen)
{
	bool held;
	char hex[65];

	assert(db_in_transaction(wallet->db));
	/* Once unheld it may be out there: its coins are no longer ours to
	 * free. */
	if (!wallet_fund_is_held(wallet, txid, &held)
	    || (held && !tx_abandon(wallet, txid, "its channel will not be funded"))) {
		snprintf(err, errlen, "cannot release transaction %s: %s",
			 bitcoin_txid_to_hex(hex, txid), db_errmsg(wallet->db));
		return false;
	}
	return true;
}

bool wallet_fund_unhold(struct wallet *wallet, const struct bitcoin_txid *txid, char *err,
			size_t errlen)
{
	char hex[65];

	assert(db_in_transaction(wallet->db));
	bitcoin_txid_to_hex(hex, txid);
	switch (wallet_store_tx_set_held(wallet->db, txid, false)) {
	case 1:
		log_info(wallet->log, "wallet", "funding transaction %s is to be sent", hex);
		return true;
	case 0:
		snprintf(err, errlen, "transaction %s is not one this wallet made", hex);
		return false;
	default:
		snprintf(err, errlen, "cannot unhold transaction %s: %s", hex,
			 db_errmsg(wallet->db));
		return false;
	}
}

void wallet_withdraws_abort(struct wallet *wallet)
{
	while (wallet->withdraws) {
		struct withdraw *w = wallet->withdraws;
		char hex[65], message[300];
		wallet->withdraws = w->next;
		snprintf(message, sizeof(message), "ohmd is shutting down: transaction %s is "
			 "stored and will be sent when ohmd starts again",
			 bitcoin_txid_to_hex(hex, &w->txid));
		w->cb(NULL, WALLET_ERROR_NOT_SENT, message, w->arg);
		bitcoin_tx_free(w->tx);
		free(w);
	}
}
