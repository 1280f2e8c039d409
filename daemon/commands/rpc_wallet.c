/* The on-chain wallet's commands, in Core Lightning's names and shapes:
 * newaddr, listfunds, withdraw, listtransactions. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitcoin/address.h"
#include "common/alloc.h"
#include "common/hex.h"
#include "daemon/chain/chain.h"
#include "daemon/channels/channels.h"
#include "daemon/commands/commands.h"
#include "daemon/config.h"
#include "daemon/chain/feerate.h"
#include "daemon/rpc/jsonrpc.h"
#include "daemon/ohmd.h"
#include "daemon/commands/rpc_channel.h"
#include "daemon/commands/rpc_params.h"
#include "daemon/commands/rpc_wallet_json.h"
#include "daemon/wallet/wallet.h"

static void newaddr(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	const char *type = json_string_value(json_object_get(params, "addresstype"));
	bool want_bech32 = strcmp(type, "bech32") == 0 || strcmp(type, "all") == 0;
	bool want_p2tr = strcmp(type, "p2tr") == 0 || strcmp(type, "all") == 0;
	char address[ADDRESS_MAX_LEN + 1], err[300];
	json_t *result;

	if (!want_bech32 && !want_p2tr) {
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "parameter 'addresstype': expected bech32, p2tr or all, got '%.60s'",
				  type);
		return;
	}
	result = json_object();
	if (want_bech32) {
		if (!wallet_new_address(ohmd->wallet, WALLET_P2WPKH, address, err, sizeof(err)))
			goto fail;
		json_object_set_new(result, "bech32", json_string(address));
	}
	if (want_p2tr) {
		if (!wallet_new_address(ohmd->wallet, WALLET_P2TR, address, err, sizeof(err)))
			goto fail;
		json_object_set_new(result, "p2tr", json_string(address));
	}
	rpc_respond(request, result);
	return;
fail:
	json_decref(result);
	rpc_respond_error(request, RPC_INTERNAL_ERROR, "%s", err);
}

static void listfunds(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	json_t *outputs = rpc_wallet_outputs_json(ohmd->wallet,
					      json_is_true(json_object_get(params, "spent")));

	if (!outputs) {
		rpc_respond_error(request, RPC_INTERNAL_ERROR, "cannot read the wallet");
		return;
	}
	rpc_respond(request, json_pack("{s:o, s:o}", "outputs", outputs,
				       "channels", channels_funds_json(ohmd->channels)));
}

static void listtransactions(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	json_t *list = rpc_wallet_transactions_json(ohmd->wallet);

	if (!list) {
		rpc_respond_error(request, RPC_INTERNAL_ERROR, "cannot read the wallet");
		return;
	}
	rpc_respond(request, json_pack("{s:o}", "transactions", list));
}

/* utxos: ["txid:vout", ...]. */
static struct bitcoin_outpoint *parse_utxos(const json_t *value, size_t *num,
					    char *err, size_t errlen)
{
	struct bitcoin_outpoint *outpoints;

	*num = json_array_size(value);
	if (*num == 0) {
		snprintf(err, errlen, "parameter 'utxos' is empty");
		return NULL;
	}
	outpoints = oh_calloc(*num, sizeof(*outpoints));
	for (size_t i = 0; i < *num; i++) {
		const char *text = json_string_value(json_array_get(value, i));
		const char *colon = text ? strchr(text, ':') : NULL;
		char *end;
		unsigned long vout;

		errno = 0;
		vout = colon ? strtoul(colon + 1, &end, 10) : 0;
		if (!colon || !bitcoin_txid_from_hex(&outpoints[i].txid, text, (size_t)(colon - text))
		    || colon[1] < '0' || colon[1] > '9' || *end || errno || vout > UINT32_MAX) {
			snprintf(err, errlen, "parameter 'utxos': entry %zu must be 'txid:vout'", i);
			free(outpoints);
			return NULL;
		}
		outpoints[i].vout = (uint32_t)vout;
	}
	return outpoints;
}

static void withdraw_done(const struct bitcoin_tx *tx, enum wallet_error code, const char *error,
			  void *arg)
{
	struct rpc_request *request = arg;

	if (!tx) {
		rpc_respond_error(request, rpc_wallet_error_code(code), "%s", error);
		return;
	}
	rpc_respond(request, rpc_tx_result(tx));
}

static void withdraw(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	const char *destination = json_string_value(json_object_get(params, "destination"));
	json_t *utxos = json_object_get(params, "utxos");
	json_int_t minconf = json_integer_value(json_object_get(params, "minconf"));
	struct wallet_withdraw_params wp = {0};
	struct wirebuf *script = wirebuf_new();
	struct bitcoin_outpoint *outpoints = NULL;
	char err[1024], why[ADDRESS_ERROR_LEN];
	enum wallet_error code = WALLET_ERROR_BAD_REQUEST;

	if (!address_to_script(script, why, ohmd->config->chainparams, destination)) {
		snprintf(err, sizeof(err), "parameter 'destination': %s", why);
		goto fail;
	}
	wp.destination_script = script->data;
	wp.destination_script_len = script->len;
	if (!rpc_parse_satoshi(json_object_get(params, "satoshi"), "satoshi", &wp.is_all,
			       &wp.amount_sat, err, sizeof(err)))
		goto fail;
	if (!rpc_parse_feerate(ohmd, json_object_get(params, "feerate"), "feerate",
			       &wp.feerate_perkw, err, sizeof(err)))
		goto fail;
	if (minconf > UINT32_MAX) {
		snprintf(err, sizeof(err), "parameter 'minconf': too large");
		goto fail;
	}
	wp.minconf = (uint32_t)minconf;
	if (utxos) {
		outpoints = parse_utxos(utxos, &wp.num_utxos, err, sizeof(err));
		if (!outpoints)
			goto fail;
		wp.utxos = outpoints;
	}
	if (ohmd->channels)
		wp.reserve_sat = channels_emergency_reserve_sat(ohmd->channels);
	if (!wallet_withdraw(ohmd->wallet, &wp, withdraw_done, request, &code, err, sizeof(err)))
		goto fail;
	free(outpoints);
	wirebuf_free(script);
	return;
fail:
	free(outpoints);
	wirebuf_free(script);
	rpc_respond_error(request, rpc_wallet_error_code(code), "%s", err);
}

static const struct rpc_param newaddr_params[] = {
	{"addresstype", RPC_PARAM_STRING, false, "\"bech32\"", "bech32 (P2WPKH), p2tr or all"},
	{0},
};

static const struct rpc_param listfunds_params[] = {
	{"spent", RPC_PARAM_BOOLEAN, false, "false", "also list spent outputs"},
	{0},
};

static const struct rpc_param withdraw_params[] = {
	{"destination", RPC_PARAM_STRING, true, NULL, "address to pay"},
	{"satoshi", RPC_PARAM_ANY, true, NULL, "amount in satoshis (or NNNsat, NNNmsat), or all"},
	{"feerate", RPC_PARAM_ANY, false, "\"normal\"",
	 "urgent, normal, slow, NNNperkw, NNNperkb, or a number of perkw"},
	{"minconf", RPC_PARAM_UNSIGNED, false, "1", "confirmations a coin needs to be spent"},
	{"utxos", RPC_PARAM_ARRAY, false, NULL, "spend exactly these outputs (\"txid:vout\")"},
	{0},
};

static const struct rpc_param no_params[] = {{0}};

const struct rpc_command wallet_commands[] = {
	{"newaddr", "bitcoin", "Get a new address to fund this node's wallet", newaddr_params,
	 newaddr},
	{"listfunds", "bitcoin", "List the wallet's on-chain outputs", listfunds_params, listfunds},
	{"withdraw", "bitcoin", "Send on-chain funds to an address; returns tx and txid",
	 withdraw_params, withdraw},
	{"listtransactions", "bitcoin", "List the wallet's on-chain transactions", no_params,
	 listtransactions},
	{0},
};
