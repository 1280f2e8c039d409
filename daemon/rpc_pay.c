/* The payment commands, in Core Lightning's names and shapes: sendpay,
 * waitsendpay, listsendpays, pay, keysend, listpays, listforwards. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bitcoin/chainparams.h"
#include "common/alloc.h"
#include "common/hex.h"
#include "crypto/hash.h"
#include "crypto/util.h"
#include "daemon/commands.h"
#include "daemon/config.h"
#include "daemon/jsonrpc.h"
#include "daemon/ohmd.h"
#include "daemon/payflow.h"
#include "daemon/payments.h"
#include "daemon/rpc_params.h"
#include "pay/bolt11.h"
#include "wire/short_channel_id.h"

/* Core Lightning's defaults. */
#define DEFAULT_MAXFEEPERCENT 0.5
#define DEFAULT_RETRY_FOR 60
#define DEFAULT_MAXDELAY 2016
/* keysend's final CLTV delta (Core Lightning uses 22). */
#define KEYSEND_FINAL_CLTV 22

static bool hex32(struct rpc_request *request, const json_t *value, const char *name,
		  uint8_t out[32])
{
	const char *text = json_string_value(value);

	if (!text || strlen(text) != 64 || !hex_decode(out, 32, text, 64)) {
		rpc_respond_error(request, RPC_INVALID_PARAMS, "parameter '%s': expected 64 hex digits",
				  name);
		return false;
	}
	return true;
}

/* route: [{"id", "channel", "amount_msat", "delay"}, ...]. */
static bool parse_route(struct rpc_request *request, const json_t *value, struct route_hop *route,
			size_t *num)
{
	size_t i;
	json_t *hop;
	char err[300];

	*num = json_array_size(value);
	if (*num == 0 || *num > ROUTE_MAX_HOPS) {
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "parameter 'route': expected 1 to %d hops", ROUTE_MAX_HOPS);
		return false;
	}
	json_array_foreach(value, i, hop) {
		const char *id = json_string_value(json_object_get(hop, "id"));
		const char *scid = json_string_value(json_object_get(hop, "channel"));
		json_t *delay = json_object_get(hop, "delay");
		char name[40];
		snprintf(name, sizeof(name), "route[%zu].amount_msat", i);
		if (!id || strlen(id) != 2 * PUBKEY_CMPR_LEN
		    || !hex_decode(route[i].node_id, PUBKEY_CMPR_LEN, id, strlen(id))) {
			rpc_respond_error(request, RPC_INVALID_PARAMS,
					  "parameter 'route': hop %zu: 'id' must be a node id", i);
			return false;
		}
		if (!scid || !short_channel_id_from_str(&route[i].scid, scid, strlen(scid))) {
			rpc_respond_error(request, RPC_INVALID_PARAMS, "parameter 'route': hop %zu: "
					  "'channel' must be a short_channel_id", i);
			return false;
		}
		if (!rpc_parse_msat(json_object_get(hop, "amount_msat"), name,
				    &route[i].amount_msat, err, sizeof(err))) {
			rpc_respond_error(request, RPC_INVALID_PARAMS, "%s", err);
			return false;
		}
		if (!json_is_integer(delay) || json_integer_value(delay) < 0
		    || json_integer_value(delay) >= 500000000) {
			rpc_respond_error(request, RPC_INVALID_PARAMS, "parameter 'route': hop %zu: "
					  "'delay' must be a block height", i);
			return false;
		}
		route[i].delay = (uint32_t)json_integer_value(delay);
	}
	return true;
}

static void sendpay(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	struct route_hop route[ROUTE_MAX_HOPS];
	struct sendpay_params sp = {0};
	json_t *amount = json_object_get(params, "amount_msat");
	json_t *secret = json_object_get(params, "payment_secret");
	char err[300];

	if (!parse_route(request, json_object_get(params, "route"), route, &sp.num_hops)
	    || !hex32(request, json_object_get(params, "payment_hash"), "payment_hash",
		      sp.payment_hash.u8)
	    || (secret && !hex32(request, secret, "payment_secret", sp.payment_secret.data)))
		return;
	sp.route = route;
	sp.has_payment_secret = secret != NULL;
	sp.label = json_string_value(json_object_get(params, "label"));
	sp.bolt11 = json_string_value(json_object_get(params, "bolt11"));
	sp.partid = (uint64_t)json_integer_value(json_object_get(params, "partid"));
	sp.amount_msat = route[sp.num_hops - 1].amount_msat;
	if (amount && !rpc_parse_msat(amount, "amount_msat", &sp.amount_msat, err, sizeof(err))) {
		rpc_respond_error(request, RPC_INVALID_PARAMS, "%s", err);
		return;
	}
	payments_sendpay(ohmd->payments, request, &sp);
}

static void waitsendpay(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	struct sha256 hash;

	if (!hex32(request, json_object_get(params, "payment_hash"), "payment_hash", hash.u8))
		return;
	payments_waitsendpay(ohmd->payments, request, &hash,
			     (uint64_t)json_integer_value(json_object_get(params, "partid")),
			     (uint64_t)json_integer_value(json_object_get(params, "timeout")));
}

/* Paying ourselves would go out to a peer and back, for a fee, to settle
 * what is already ours: refused with Core Lightning's code and words
 * (its renepay and xpay plugins). */
static bool is_ourselves(struct ohmd *ohmd, struct rpc_request *request,
			 const uint8_t destination[PUBKEY_CMPR_LEN])
{
	if (memcmp(destination, ohmd->node_id, PUBKEY_CMPR_LEN) != 0)
		return false;
	rpc_respond_error(request, RPC_INVALID_PARAMS, "This payment is destined for ourselves. "
			  "Self-payments are not supported");
	return true;
}

/* The limits pay and keysend share, checked before anything else; the fee
 * limit is *percent of the amount, known later. */
static bool parse_limits(struct rpc_request *request, json_t *params, struct pay_params *pp,
			 double *percent)
{
	json_t *pct = json_object_get(params, "maxfeepercent");
	json_int_t maxdelay = json_integer_value(json_object_get(params, "maxdelay"));

	*percent = pct ? json_number_value(pct) : DEFAULT_MAXFEEPERCENT;
	if (*percent < 0 || *percent > 100) {
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "parameter 'maxfeepercent': a number from 0 to 100");
		return false;
	}
	pp->retry_for_secs = (uint64_t)json_integer_value(json_object_get(params, "retry_for"));
	if (maxdelay > UINT32_MAX) {
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "parameter 'maxdelay': at most %u, got %lld", UINT32_MAX,
				  (long long)maxdelay);
		return false;
	}
	pp->maxdelay = (uint32_t)maxdelay;
	return true;
}

static void pay(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	const char *text = json_string_value(json_object_get(params, "bolt11"));
	json_t *amount = json_object_get(params, "amount_msat");
	struct pay_params pp = {0};
	struct route_edge *edges = NULL;
	size_t *lens = NULL, num_edges = 0;
	struct bolt11 *b11;
	char err[BOLT11_ERROR_LEN + 100];
	double percent;

	if (!parse_limits(request, params, &pp, &percent))
		return;
	if (!bolt11_decode(ohmd->secp, &b11, err, text, NULL)) {
		rpc_respond_error(request, RPC_INVALID_PARAMS, "parameter 'bolt11': %s", err);
		return;
	}
	if (b11->chain != ohmd->config->chainparams) {
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "parameter 'bolt11': an invoice for %s, we are on %s",
				  b11->chain->network, ohmd->config->chainparams->network);
		goto out;
	}
	if (is_ourselves(ohmd, request, b11->payee))
		goto out;
	if (bolt11_is_expired(b11, (uint64_t)time(NULL))) {
		rpc_respond_error(request, PAY_INVOICE_EXPIRED, "Invoice expired");
		goto out;
	}
	if (b11->has_amount && amount) {
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "parameter 'amount_msat': the invoice has an amount already");
		goto out;
	}
	if (!b11->has_amount && !amount) {
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "parameter 'amount_msat': required: the invoice has no amount");
		goto out;
	}
	pp.amount_msat = b11->amount_msat;
	if (amount && !rpc_parse_msat(amount, "amount_msat", &pp.amount_msat, err, sizeof(err))) {
		rpc_respond_error(request, RPC_INVALID_PARAMS, "%s", err);
		goto out;
	}
	if (amount && pp.amount_msat == 0) {
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "parameter 'amount_msat': must be positive");
		goto out;
	}
	pp.maxfee_msat = (uint64_t)((double)pp.amount_msat * percent / 100.0);
	pp.bolt11 = text;
	pp.destination = b11->payee;
	pp.payment_hash = b11->payment_hash;
	pp.has_payment_secret = true;
	pp.payment_secret = b11->payment_secret;
	pp.min_final_cltv_expiry = (uint32_t)b11->min_final_cltv_expiry_delta;
	pp.label = json_string_value(json_object_get(params, "label"));
	/* Route hints as edges: hop j forwards to hop j + 1 (the last to the
	 * payee). */
	for (size_t r = 0; r < b11->num_routes; r++)
		num_edges += b11->routes[r].num_hops;
	edges = oh_calloc(num_edges + 1, sizeof(*edges));
	lens = oh_calloc(b11->num_routes + 1, sizeof(*lens));
	num_edges = 0;
	for (size_t r = 0; r < b11->num_routes; r++) {
		const struct bolt11_route *route = &b11->routes[r];
		for (size_t h = 0; h < route->num_hops; h++) {
			struct route_edge *e = &edges[num_edges++];
			memcpy(e->from, route->hops[h].node_id, PUBKEY_CMPR_LEN);
			memcpy(e->to, h + 1 < route->num_hops ? route->hops[h + 1].node_id : b11->payee,
			       PUBKEY_CMPR_LEN);
			e->scid = route->hops[h].short_channel_id;
			e->fee_base_msat = route->hops[h].fee_base_msat;
			e->fee_proportional_millionths = route->hops[h].fee_proportional_millionths;
			e->cltv_expiry_delta = route->hops[h].cltv_expiry_delta;
		}
		lens[r] = route->num_hops;
	}
	pp.hint_edges = edges;
	pp.hint_lens = lens;
	pp.num_hints = b11->num_routes;
	payments_pay(ohmd->payments, request, &pp);
out:
	free(edges);
	free(lens);
	bolt11_free(b11);
}

static void keysend(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	const char *dest = json_string_value(json_object_get(params, "destination"));
	struct pay_params pp = {0};
	uint8_t destination[PUBKEY_CMPR_LEN];
	struct pubkey node_id;
	char err[300];
	double percent;

	if (!parse_limits(request, params, &pp, &percent)
	    || !rpc_parse_node_id(ohmd, request, "destination", dest, strlen(dest), &node_id))
		return;
	hex_decode(destination, sizeof(destination), dest, strlen(dest));
	if (is_ourselves(ohmd, request, destination))
		return;
	if (!rpc_parse_msat(json_object_get(params, "amount_msat"), "amount_msat", &pp.amount_msat,
			    err, sizeof(err))) {
		rpc_respond_error(request, RPC_INVALID_PARAMS, "%s", err);
		return;
	}
	if (pp.amount_msat == 0) {
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "parameter 'amount_msat': must be positive");
		return;
	}
	pp.maxfee_msat = (uint64_t)((double)pp.amount_msat * percent / 100.0);
	pp.destination = destination;
	pp.has_keysend = true;
	crypto_random_bytes(pp.keysend_preimage, sizeof(pp.keysend_preimage));
	sha256(&pp.payment_hash, pp.keysend_preimage, sizeof(pp.keysend_preimage));
	pp.min_final_cltv_expiry = KEYSEND_FINAL_CLTV;
	pp.label = json_string_value(json_object_get(params, "label"));
	payments_pay(ohmd->payments, request, &pp);
	crypto_wipe(pp.keysend_preimage, sizeof(pp.keysend_preimage));
}

/* The filters listsendpays and listpays share. */
static bool list_filters(struct rpc_request *request, json_t *params, uint8_t hash[32],
			 const uint8_t **hash_filter, const char **status)
{
	json_t *h = json_object_get(params, "payment_hash");

	*status = json_string_value(json_object_get(params, "status"));
	if (*status && strcmp(*status, "pending") && strcmp(*status, "complete")
	    && strcmp(*status, "failed")) {
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "parameter 'status': expected pending, complete or failed");
		return false;
	}
	*hash_filter = NULL;
	if (h) {
		if (!hex32(request, h, "payment_hash", hash))
			return false;
		*hash_filter = hash;
	}
	return true;
}

static void listsendpays(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	uint8_t hash[32];
	const uint8_t *hash_filter;
	const char *status;

	if (!list_filters(request, params, hash, &hash_filter, &status))
		return;
	rpc_respond(request, json_pack("{s:o}", "payments", payments_listsendpays_json(
		ohmd->payments, json_string_value(json_object_get(params, "bolt11")), hash_filter,
		status)));
}

static void listpays(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	uint8_t hash[32];
	const uint8_t *hash_filter;
	const char *status;

	if (!list_filters(request, params, hash, &hash_filter, &status))
		return;
	rpc_respond(request, json_pack("{s:o}", "pays", payments_listpays_json(
		ohmd->payments, json_string_value(json_object_get(params, "bolt11")), hash_filter,
		status)));
}

static void listforwards(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	const char *status = json_string_value(json_object_get(params, "status"));

	if (status && strcmp(status, "offered") && strcmp(status, "settled")
	    && strcmp(status, "failed") && strcmp(status, "local_failed")) {
		rpc_respond_error(request, RPC_INVALID_PARAMS, "parameter 'status': expected offered, "
				  "settled, failed or local_failed");
		return;
	}
	rpc_respond(request, json_pack("{s:o}", "forwards", payflow_forwards_json(
		ohmd->payflow, status, json_string_value(json_object_get(params, "in_channel")),
		json_string_value(json_object_get(params, "out_channel")))));
}

static const struct rpc_param sendpay_params[] = {
	{"route", RPC_PARAM_ARRAY, true, NULL,
	 "hops: {id, channel, amount_msat, delay}, the first over one of our channels"},
	{"payment_hash", RPC_PARAM_STRING, true, NULL, "32 bytes hex"},
	{"label", RPC_PARAM_STRING, false, NULL, "a label for listsendpays"},
	{"amount_msat", RPC_PARAM_ANY, false, NULL, "the payment's total (default: last hop's)"},
	{"bolt11", RPC_PARAM_STRING, false, NULL, "the invoice, to remember"},
	{"payment_secret", RPC_PARAM_STRING, false, NULL, "the invoice's payment secret"},
	{"partid", RPC_PARAM_UNSIGNED, false, "0", "which part of the payment"},
	{0},
};

static const struct rpc_param waitsendpay_params[] = {
	{"payment_hash", RPC_PARAM_STRING, true, NULL, "32 bytes hex"},
	{"timeout", RPC_PARAM_UNSIGNED, false, "0", "seconds (0: forever)"},
	{"partid", RPC_PARAM_UNSIGNED, false, "0", "which part"},
	{0},
};

static const struct rpc_param pay_params[] = {
	{"bolt11", RPC_PARAM_STRING, true, NULL, "the invoice"},
	{"amount_msat", RPC_PARAM_ANY, false, NULL, "only for invoices without an amount"},
	{"label", RPC_PARAM_STRING, false, NULL, "a label for listpays"},
	{"maxfeepercent", RPC_PARAM_NUMBER, false, "0.5", "fee limit, percent of the amount"},
	{"retry_for", RPC_PARAM_UNSIGNED, false, "60", "seconds to keep trying routes"},
	{"maxdelay", RPC_PARAM_UNSIGNED, false, "2016", "most blocks our funds may be locked"},
	{0},
};

static const struct rpc_param keysend_params[] = {
	{"destination", RPC_PARAM_STRING, true, NULL, "node id"},
	{"amount_msat", RPC_PARAM_ANY, true, NULL, "millisatoshis (or NNNsat)"},
	{"label", RPC_PARAM_STRING, false, NULL, "a label for listpays"},
	{"maxfeepercent", RPC_PARAM_NUMBER, false, "0.5", "fee limit, percent of the amount"},
	{"retry_for", RPC_PARAM_UNSIGNED, false, "60", "seconds to keep trying routes"},
	{"maxdelay", RPC_PARAM_UNSIGNED, false, "2016", "most blocks our funds may be locked"},
	{0},
};

static const struct rpc_param listpays_params[] = {
	{"bolt11", RPC_PARAM_STRING, false, NULL, "only this invoice"},
	{"payment_hash", RPC_PARAM_STRING, false, NULL, "only this payment hash"},
	{"status", RPC_PARAM_STRING, false, NULL, "pending, complete or failed"},
	{0},
};

static const struct rpc_param listforwards_params[] = {
	{"status", RPC_PARAM_STRING, false, NULL, "offered, settled, failed or local_failed"},
	{"in_channel", RPC_PARAM_STRING, false, NULL, "incoming short_channel_id"},
	{"out_channel", RPC_PARAM_STRING, false, NULL, "outgoing short_channel_id"},
	{0},
};

const struct rpc_command pay_commands[] = {
	{"sendpay", "payment", "Send an HTLC along a route; see waitsendpay", sendpay_params,
	 sendpay},
	{"waitsendpay", "payment", "Wait for a sendpay to complete or fail", waitsendpay_params,
	 waitsendpay},
	{"listsendpays", "payment", "List sendpay parts", listpays_params, listsendpays},
	{"pay", "payment", "Pay a BOLT 11 invoice, retrying over other routes", pay_params, pay},
	{"keysend", "payment", "Pay a node without an invoice (keysend)", keysend_params,
	 keysend},
	{"listpays", "payment", "List payments, one per payment hash", listpays_params, listpays},
	{"listforwards", "payment", "List HTLCs we forwarded", listforwards_params, listforwards},
	{0},
};
