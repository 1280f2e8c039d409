/* The wallet's lists as JSON (rpc_wallet_json.h). */
#include "daemon/commands/rpc_wallet_json.h"

#include <stdlib.h>

#include "common/alloc.h"
#include "common/hex.h"
#include "daemon/rpc/rpc_command.h"
#include "daemon/wallet/wallet.h"

int rpc_wallet_error_code(enum wallet_error error)
{
	switch (error) {
	case WALLET_ERROR_BAD_REQUEST:
		return RPC_INVALID_PARAMS;
	case WALLET_ERROR_INSUFFICIENT_FUNDS:
		return 301;	/* Core Lightning's FUND_CANNOT_AFFORD */
	case WALLET_ERROR_NOT_SENT:
		return RPC_COMMAND_FAILED;
	case WALLET_ERROR_EMERGENCY_RESERVE:
		return 313;	/* Core Lightning's FUND_CANNOT_AFFORD_WITH_EMERGENCY */
	case WALLET_OK:
	case WALLET_ERROR_INTERNAL:
		break;
	}
	return RPC_INTERNAL_ERROR;
}

static json_t *hex_json(const void *data, size_t len)
{
	char *hex = oh_malloc(len * 2 + 1);
	json_t *json = json_string(hex_encode(hex, data, len));

	free(hex);
	return json;
}

static json_t *txid_json(const struct bitcoin_txid *txid)
{
	char hex[65];
	return json_string(bitcoin_txid_to_hex(hex, txid));
}

static void output_json(void *arg, const struct wallet_output *o)
{
	static const char *const status[] = {
		[WALLET_OUTPUT_UNCONFIRMED] = "unconfirmed",
		[WALLET_OUTPUT_CONFIRMED] = "confirmed",
		[WALLET_OUTPUT_SPENT] = "spent",
	};
	json_t *output = json_pack("{s:o, s:I, s:I, s:o}",
				   "txid", txid_json(&o->txid),
				   "output", (json_int_t)o->outnum,
				   "amount_msat", (json_int_t)o->amount_sat * 1000,
				   "scriptpubkey", hex_json(o->script, o->script_len));

	if (o->address)
		json_object_set_new(output, "address", json_string(o->address));
	json_object_set_new(output, "status", json_string(status[o->status]));
	if (o->is_confirmed)
		json_object_set_new(output, "blockheight", json_integer(o->blockheight));
	json_object_set_new(output, "reserved", json_boolean(o->is_reserved));
	if (o->is_reserved)
		json_object_set_new(output, "reserved_to_block", json_integer(o->reserved_to_block));
	json_array_append_new(arg, output);
}

json_t *rpc_wallet_outputs_json(struct wallet *wallet, bool include_spent)
{
	json_t *outputs = json_array();

	if (!wallet_list_outputs(wallet, include_spent, output_json, outputs)) {
		json_decref(outputs);
		return NULL;
	}
	return outputs;
}

static void transaction_json(void *arg, const struct wallet_transaction *t)
{
	const struct bitcoin_tx *tx = t->tx;
	json_t *inputs = json_array(), *outputs = json_array(), *entry;

	for (size_t i = 0; i < tx->num_inputs; i++)
		json_array_append_new(inputs, json_pack("{s:o, s:I, s:I}",
			"txid", txid_json(&tx->inputs[i].prevout.txid),
			"index", (json_int_t)tx->inputs[i].prevout.vout,
			"sequence", (json_int_t)tx->inputs[i].sequence));
	for (size_t i = 0; i < tx->num_outputs; i++)
		json_array_append_new(outputs, json_pack("{s:I, s:I, s:o}",
			"index", (json_int_t)i,
			"amount_msat", (json_int_t)tx->outputs[i].amount_sat * 1000,
			"scriptPubKey", hex_json(tx->outputs[i].script, tx->outputs[i].script_len)));
	/* Core Lightning: blockheight 0 while unconfirmed. */
	entry = json_pack("{s:o, s:o, s:I}",
			  "hash", txid_json(&t->txid),
			  "rawtx", hex_json(t->raw, t->raw_len),
			  "blockheight", (json_int_t)(t->is_confirmed ? t->blockheight : 0));
	if (t->is_confirmed)
		json_object_set_new(entry, "txindex", json_integer(t->txindex));
	json_object_set_new(entry, "locktime", json_integer(tx->locktime));
	json_object_set_new(entry, "version", json_integer(tx->version));
	json_object_set_new(entry, "inputs", inputs);
	json_object_set_new(entry, "outputs", outputs);
	json_array_append_new(arg, entry);
}

json_t *rpc_wallet_transactions_json(struct wallet *wallet)
{
	json_t *list = json_array();

	if (!wallet_list_transactions(wallet, transaction_json, list)) {
		json_decref(list);
		return NULL;
	}
	return list;
}
