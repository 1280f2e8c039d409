/* What the wallet holds, as listfunds and listtransactions show it (the
 * JSON is the commands' business: daemon/commands/rpc_wallet_json.c). */
#include <string.h>

#include "bitcoin/address.h"
#include "daemon/chain/chain.h"
#include "daemon/wallet/wallet_internal.h"
#include "daemon/wallet/wallet_store.h"

struct outputs_walk {
	struct wallet *wallet;
	bool include_spent;
	uint32_t tip;
	void (*each)(void *arg, const struct wallet_output *output);
	void *arg;
};

static void output_found(void *arg, const struct wallet_store_utxo *utxo)
{
	struct outputs_walk *walk = arg;
	struct wallet_output output = {0};
	char address[ADDRESS_MAX_LEN + 1];

	if (utxo->is_spent && !walk->include_spent)
		return;
	output.txid = utxo->txid;
	output.outnum = utxo->outnum;
	output.amount_sat = utxo->amount_sat;
	output.script = utxo->script;
	output.script_len = utxo->script_len;
	if (address_from_script(address, walk->wallet->params, utxo->script, utxo->script_len))
		output.address = address;
	output.status = utxo->is_spent ? WALLET_OUTPUT_SPENT
		: utxo->is_confirmed ? WALLET_OUTPUT_CONFIRMED : WALLET_OUTPUT_UNCONFIRMED;
	output.is_confirmed = utxo->is_confirmed;
	output.blockheight = utxo->blockheight;
	output.is_reserved = utxo->is_reserved && utxo->reserved_til > walk->tip;
	output.reserved_to_block = utxo->reserved_til;
	walk->each(walk->arg, &output);
}

bool wallet_list_outputs(struct wallet *wallet, bool include_spent,
			 void (*each)(void *arg, const struct wallet_output *output), void *arg)
{
	struct outputs_walk walk = {
		.wallet = wallet,
		.include_spent = include_spent,
		.tip = chain_height(wallet->chain),
		.each = each,
		.arg = arg,
	};

	return wallet_store_each_utxo(wallet->db, output_found, &walk);
}

struct transactions_walk {
	void (*each)(void *arg, const struct wallet_transaction *tx);
	void *arg;
};

static void transaction_found(void *arg, const struct wallet_store_tx *row)
{
	struct transactions_walk *walk = arg;
	struct bitcoin_tx *tx = bitcoin_tx_parse(row->raw, row->raw_len, NULL);
	struct wallet_transaction found = {
		.txid = row->txid,
		.tx = tx,
		.raw = row->raw,
		.raw_len = row->raw_len,
		.is_confirmed = row->is_confirmed,
		.blockheight = row->blockheight,
		.txindex = row->txindex,
	};

	if (!tx)
		return;
	walk->each(walk->arg, &found);
	bitcoin_tx_free(tx);
}

bool wallet_list_transactions(struct wallet *wallet,
			      void (*each)(void *arg, const struct wallet_transaction *tx),
			      void *arg)
{
	struct transactions_walk walk = {each, arg};

	return wallet_store_each_tx(wallet->db, transaction_found, &walk);
}
