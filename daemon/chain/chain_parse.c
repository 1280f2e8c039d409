/* Reading bitcoind's answers (chain_parse.h). */
#include "daemon/chain/chain_parse.h"

#include <limits.h>
#include <string.h>

#include "common/alloc.h"
#include "common/hex.h"
#include "daemon/chain/bitcoind.h"
#include "daemon/chain/feerate.h"

enum bitcoind_answer_kind bitcoind_answer_parse(struct bitcoind_answer *answer,
						const char *body, size_t len)
{
	json_t *error;

	memset(answer, 0, sizeof(*answer));
	/* Core answers JSON-RPC errors with HTTP 500 or 404 and a JSON body. */
	answer->json = json_loadb(body, len, 0, NULL);
	if (!json_is_object(answer->json))
		return BITCOIND_ANSWER_MALFORMED;
	error = json_object_get(answer->json, "error");
	answer->result = json_object_get(answer->json, "result");
	if (json_is_object(error)) {
		json_int_t code = json_integer_value(json_object_get(error, "code"));
		answer->code = code < INT_MIN ? INT_MIN : code > INT_MAX ? INT_MAX : (int)code;
		answer->message = json_string_value(json_object_get(error, "message"));
		if (!answer->message)
			answer->message = "(no message)";
		answer->result = NULL;
		return code == BITCOIND_RPC_IN_WARMUP ? BITCOIND_ANSWER_WARMUP
						       : BITCOIND_ANSWER_ERROR;
	}
	return answer->result ? BITCOIND_ANSWER_RESULT : BITCOIND_ANSWER_NO_RESULT;
}

bool chain_parse_height(const json_t *result, uint32_t *height)
{
	if (!json_is_integer(result) || json_integer_value(result) < 0
	    || json_integer_value(result) > UINT32_MAX)
		return false;
	*height = (uint32_t)json_integer_value(result);
	return true;
}

void chain_parse_chain_info(const json_t *result, const char **chain, bool *is_syncing)
{
	json_int_t blocks = json_integer_value(json_object_get(result, "blocks"));
	json_int_t headers = json_integer_value(json_object_get(result, "headers"));

	*chain = json_string_value(json_object_get(result, "chain"));
	*is_syncing = json_is_true(json_object_get(result, "initialblockdownload"))
		|| blocks < headers;
}

uint8_t *chain_parse_block_hex(const json_t *result, size_t *len)
{
	const char *hex = json_string_value(result);
	size_t hex_len = hex ? strlen(hex) : 0;
	uint8_t *raw;

	if (!hex || hex_len % 2 != 0)
		return NULL;
	raw = oh_malloc(hex_len / 2 + 1);
	if (!hex_decode(raw, hex_len / 2, hex, hex_len)) {
		free(raw);
		return NULL;
	}
	*len = hex_len / 2;
	return raw;
}

bool chain_parse_feerate(const json_t *result, uint32_t *perkw)
{
	json_t *feerate = json_object_get(result, "feerate");

	if (!json_is_number(feerate))
		return false;
	*perkw = feerate_perkw_from_btc_per_kvb(json_number_value(feerate));
	return true;
}

struct bitcoin_tx *chain_parse_tx(const json_t *result, const char **why)
{
	const char *hex = json_string_value(result);

	if (!hex) {
		*why = "not a string";
		return NULL;
	}
	return bitcoin_tx_from_hex(hex, strlen(hex), why);
}

bool chain_parse_txout(const json_t *result, struct txout_result *out)
{
	const char *hex;
	json_t *spk, *value, *confirmations;
	double sats;

	if (json_is_null(result)) {
		out->is_spent = true;
		return true;
	}
	spk = json_object_get(result, "scriptPubKey");
	hex = json_string_value(json_object_get(spk, "hex"));
	value = json_object_get(result, "value");
	confirmations = json_object_get(result, "confirmations");
	if (!hex || !json_is_number(value) || !json_is_integer(confirmations)
	    || json_integer_value(confirmations) > UINT32_MAX)
		return false;
	/* Core gives BTC as a JSON number with 8 decimals; more than exist
	 * is no answer (and would overflow the conversion). */
	sats = json_number_value(value) * 1e8 + 0.5;
	if (!(sats < (double)BITCOIN_MAX_SATOSHIS + 1))
		return false;
	if (strlen(hex) / 2 <= TXOUT_SCRIPT_MAX
	    && hex_decode(out->script, strlen(hex) / 2, hex, strlen(hex)))
		out->script_len = strlen(hex) / 2;
	out->amount_sat = json_number_value(value) > 0 ? (uint64_t)sats : 0;
	out->depth = json_integer_value(confirmations) > 0
		? (uint32_t)json_integer_value(confirmations) : 0;
	return true;
}

int chain_parse_block_txid(const json_t *result, uint32_t txindex, struct bitcoin_txid *out,
			   const char **err)
{
	json_t *txs = json_object_get(result, "tx");
	const char *txid_hex;

	if (!json_is_array(txs)) {
		*err = "getblock: unexpected answer";
		return -1;
	}
	if (txindex >= json_array_size(txs))
		return 0;
	txid_hex = json_string_value(json_array_get(txs, txindex));
	if (!txid_hex || !bitcoin_txid_from_hex(out, txid_hex, strlen(txid_hex))) {
		*err = "getblock: unexpected txid";
		return -1;
	}
	return 1;
}
