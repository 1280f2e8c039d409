/* The short_channel_id lookup (txout.h): three bitcoind calls in a row. */
#include "daemon/chain/txout.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "daemon/chain/bitcoind.h"

static void finish(struct txout_lookup *l, const char *err)
{
	l->done(l->arg, err ? NULL : &l->result, err);
}

static void got_txout(const json_t *result, const struct bitcoind_error *error, void *arg)
{
	struct txout_lookup *l = arg;
	const char *hex;
	json_t *spk, *value, *confirmations;

	if (error) {
		finish(l, error->message ? error->message : "gettxout failed");
		return;
	}
	if (json_is_null(result)) {
		l->result.is_spent = true;
		finish(l, NULL);
		return;
	}
	spk = json_object_get(result, "scriptPubKey");
	hex = json_string_value(json_object_get(spk, "hex"));
	value = json_object_get(result, "value");
	confirmations = json_object_get(result, "confirmations");
	if (!hex || !json_is_number(value) || !json_is_integer(confirmations)) {
		finish(l, "gettxout: unexpected answer");
		return;
	}
	if (strlen(hex) / 2 <= TXOUT_SCRIPT_MAX
	    && hex_decode(l->result.script, strlen(hex) / 2, hex, strlen(hex)))
		l->result.script_len = strlen(hex) / 2;
	/* Core gives BTC as a JSON number with 8 decimals. */
	l->result.amount_sat = json_number_value(value) > 0
		? (uint64_t)(json_number_value(value) * 1e8 + 0.5) : 0;
	l->result.depth = json_integer_value(confirmations) > 0
		? (uint32_t)json_integer_value(confirmations) : 0;
	finish(l, NULL);
}

static void got_block(const json_t *result, const struct bitcoind_error *error, void *arg)
{
	struct txout_lookup *l = arg;
	json_t *txs = json_object_get(result, "tx");
	uint32_t txindex = short_channel_id_txindex(&l->scid);
	const char *txid_hex;

	if (error) {
		finish(l, error->message ? error->message : "getblock failed");
		return;
	}
	if (!json_is_array(txs)) {
		finish(l, "getblock: unexpected answer");
		return;
	}
	if (txindex >= json_array_size(txs)) {
		finish(l, NULL);	/* no such transaction */
		return;
	}
	txid_hex = json_string_value(json_array_get(txs, txindex));
	if (!txid_hex || !bitcoin_txid_from_hex(&l->result.txid, txid_hex, strlen(txid_hex))) {
		finish(l, "getblock: unexpected txid");
		return;
	}
	l->result.is_found = true;
	bitcoind_call(l->bitcoind, BITCOIND_FAIL_FAST, "gettxout",
		      json_pack("[s, i, b]", txid_hex, (int)short_channel_id_outnum(&l->scid), 0),
		      got_txout, l);
}

static void got_hash(const json_t *result, const struct bitcoind_error *error, void *arg)
{
	struct txout_lookup *l = arg;

	/* Core: -8 "Block height out of range". */
	if (error && !error->is_transport && error->code == BITCOIND_RPC_INVALID_PARAMETER) {
		finish(l, NULL);
		return;
	}
	if (error || !json_is_string(result)) {
		finish(l, error && error->message ? error->message : "getblockhash: unexpected answer");
		return;
	}
	bitcoind_call(l->bitcoind, BITCOIND_FAIL_FAST, "getblock",
		      json_pack("[O, i]", result, 1), got_block, l);
}

void txout_lookup(struct txout_lookup *l, struct bitcoind *bitcoind,
		  struct short_channel_id scid, txout_done done, void *arg)
{
	memset(l, 0, sizeof(*l));
	l->bitcoind = bitcoind;
	l->scid = scid;
	l->done = done;
	l->arg = arg;
	bitcoind_call(bitcoind, BITCOIND_FAIL_FAST, "getblockhash",
		      json_pack("[i]", (int)short_channel_id_block(&scid)), got_hash, l);
}
