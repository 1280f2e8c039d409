/* What the wallet holds, as listfunds and listtransactions show it, in
 * Core Lightning's shapes.  Amounts are integers of millisatoshis. */
#include <stdlib.h>
#include <string.h>

#include "bitcoin/address.h"
#include "common/hex.h"
#include "daemon/chain.h"
#include "daemon/wallet_internal.h"
#include "db/db.h"

static json_t *hex_json(const void *data, size_t len)
{
	char *hex = malloc(len * 2 + 1);
	json_t *json;

	if (!hex)
		return json_null();
	hex_encode(hex, data, len);
	json = json_string(hex);
	free(hex);
	return json;
}

static json_t *txid_json(const struct bitcoin_txid *txid)
{
	char hex[65];
	return json_string(bitcoin_txid_to_hex(hex, txid));
}

json_t *wallet_outputs_json(struct wallet *wallet, bool include_spent)
{
	sqlite3_stmt *stmt = db_prepare(wallet->db,
		"SELECT u.txid, u.outnum, u.amount_sat, u.script, u.reserved_til,"
		"       t.blockheight, u.spent_by IS NOT NULL"
		" FROM utxos u JOIN transactions t ON t.txid = u.txid"
		" ORDER BY t.blockheight IS NULL, t.blockheight, t.txindex, u.rowid");
	uint32_t tip = chain_height(wallet->chain);
	json_t *outputs = json_array();
	int rc;

	if (!stmt) {
		json_decref(outputs);
		return NULL;
	}
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct bitcoin_txid txid;
		const uint8_t *script = sqlite3_column_blob(stmt, 3);
		size_t script_len = (size_t)sqlite3_column_bytes(stmt, 3);
		bool is_spent = sqlite3_column_int(stmt, 6) != 0;
		bool is_confirmed = sqlite3_column_type(stmt, 5) != SQLITE_NULL;
		bool is_reserved = sqlite3_column_type(stmt, 4) != SQLITE_NULL
			&& sqlite3_column_int64(stmt, 4) > tip;
		char address[ADDRESS_MAX_LEN + 1];
		json_t *output;

		if (is_spent && !include_spent)
			continue;
		if (sqlite3_column_bytes(stmt, 0) != 32)
			continue;
		memcpy(txid.shad.sha.u8, sqlite3_column_blob(stmt, 0), 32);
		output = json_pack("{s:o, s:I, s:I, s:o}",
				   "txid", txid_json(&txid),
				   "output", (json_int_t)sqlite3_column_int64(stmt, 1),
				   "amount_msat", (json_int_t)sqlite3_column_int64(stmt, 2) * 1000,
				   "scriptpubkey", hex_json(script, script_len));
		if (address_from_script(address, wallet->params, script, script_len))
			json_object_set_new(output, "address", json_string(address));
		json_object_set_new(output, "status", json_string(is_spent ? "spent"
								  : is_confirmed ? "confirmed"
										 : "unconfirmed"));
		if (is_confirmed)
			json_object_set_new(output, "blockheight",
					    json_integer(sqlite3_column_int64(stmt, 5)));
		json_object_set_new(output, "reserved", json_boolean(is_reserved));
		if (is_reserved)
			json_object_set_new(output, "reserved_to_block",
					    json_integer(sqlite3_column_int64(stmt, 4)));
		json_array_append_new(outputs, output);
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE) {
		json_decref(outputs);
		return NULL;
	}
	return outputs;
}

static json_t *tx_json(const struct bitcoin_tx *tx, const struct bitcoin_txid *txid,
		       const uint8_t *raw, size_t raw_len, bool is_confirmed,
		       int64_t blockheight, int64_t txindex)
{
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
			  "hash", txid_json(txid),
			  "rawtx", hex_json(raw, raw_len),
			  "blockheight", (json_int_t)(is_confirmed ? blockheight : 0));
	if (is_confirmed)
		json_object_set_new(entry, "txindex", json_integer(txindex));
	json_object_set_new(entry, "locktime", json_integer(tx->locktime));
	json_object_set_new(entry, "version", json_integer(tx->version));
	json_object_set_new(entry, "inputs", inputs);
	json_object_set_new(entry, "outputs", outputs);
	return entry;
}

json_t *wallet_transactions_json(struct wallet *wallet)
{
	sqlite3_stmt *stmt = db_prepare(wallet->db,
		"SELECT txid, rawtx, blockheight, txindex FROM transactions"
		" ORDER BY blockheight IS NULL, blockheight, txindex, rowid");
	json_t *list = json_array();
	int rc;

	if (!stmt) {
		json_decref(list);
		return NULL;
	}
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const uint8_t *raw = sqlite3_column_blob(stmt, 1);
		size_t raw_len = (size_t)sqlite3_column_bytes(stmt, 1);
		struct bitcoin_tx *tx = bitcoin_tx_parse(raw, raw_len, NULL);
		struct bitcoin_txid txid;

		if (!tx || sqlite3_column_bytes(stmt, 0) != 32) {
			bitcoin_tx_free(tx);
			continue;
		}
		memcpy(txid.shad.sha.u8, sqlite3_column_blob(stmt, 0), 32);
		json_array_append_new(list, tx_json(tx, &txid, raw, raw_len,
						    sqlite3_column_type(stmt, 2) != SQLITE_NULL,
						    sqlite3_column_int64(stmt, 2),
						    sqlite3_column_int64(stmt, 3)));
		bitcoin_tx_free(tx);
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE) {
		json_decref(list);
		return NULL;
	}
	return list;
}
