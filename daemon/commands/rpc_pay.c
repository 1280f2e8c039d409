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
#include "daemon/commands/commands.h"
#include "daemon/channels/channels.h"
#include "daemon/config.h"
#include "daemon/htlcs/forwards_store.h"
#include "daemon/rpc/jsonrpc.h"
#include "daemon/ohmd.h"
#include "daemon/htlcs/payflow.h"
#include "daemon/htlcs/payments.h"
#include "daemon/htlcs/payments_store.h"
#include "daemon/commands/rpc_params.h"
#include "pay/bolt11.h"
#include "pay/htlc_accept.h"
#include "pay/onion_error.h"
#include "pay/pathfind.h"
#include "wire/short_channel_id.h"

/* Core Lightning's defaults. */
#define DEFAULT_MAXFEEPERCENT 0.5
#define DEFAULT_RETRY_FOR 60
#define DEFAULT_MAXDELAY 2016

/* ---- Payments in Core Lightning's shapes ---- */

static void json_hex(json_t *obj, const char *key, const uint8_t *bytes, size_t len)
{
	char hex[2 * PUBKEY_CMPR_LEN + 1];

	json_object_set_new(obj, key, json_string(hex_encode(hex, bytes, len)));
}

/* What the part delivers: its route's last hop (a route we could not
 * read: the payment's total). */
static uint64_t part_delivered(const struct payment_row *row)
{
	json_t *route = row->route_json ? json_loads(row->route_json, 0, NULL) : NULL;
	json_t *last = json_array_get(route, json_array_size(route) - 1);
	json_t *amount = json_object_get(last, "amount_msat");
	uint64_t delivered = json_is_integer(amount) ? (uint64_t)json_integer_value(amount)
		: row->amount_msat;

	json_decref(route);
	return delivered;
}

/* One sendpay part, in listsendpays' shape: amount_msat is what the part
 * delivers, as in Core Lightning (total_msat: the payment's). */
static json_t *payment_json(const struct payment_row *row)
{
	json_t *obj = json_pack("{s:I, s:I, s:I, s:I, s:s, s:I, s:I, s:I, s:I}",
		"created_index", (json_int_t)row->id,
		"id", (json_int_t)row->id,
		"groupid", (json_int_t)row->groupid,
		"partid", (json_int_t)row->partid,
		"status", row->status,
		"amount_msat", (json_int_t)part_delivered(row),
		"total_msat", (json_int_t)row->amount_msat,
		"amount_sent_msat", (json_int_t)row->amount_sent_msat,
		"created_at", (json_int_t)row->created_at);

	json_hex(obj, "payment_hash", row->payment_hash.u8, 32);
	if (row->has_destination)
		json_hex(obj, "destination", row->destination, PUBKEY_CMPR_LEN);
	if (row->has_completed_at)
		json_object_set_new(obj, "completed_at", json_integer(row->completed_at));
	if (row->label)
		json_object_set_new(obj, "label", json_string(row->label));
	if (row->bolt11)
		json_object_set_new(obj, "bolt11", json_string(row->bolt11));
	if (row->has_preimage)
		json_hex(obj, "payment_preimage", row->preimage.r, 32);
	return obj;
}

/* The failure data of waitsendpay and pay: the failed part, where it
 * failed (erring_index 0 is us) and why. */
static json_t *failure_json(const struct payment_row *row)
{
	json_t *obj = payment_json(row);
	json_t *route = row->route_json ? json_loads(row->route_json, 0, NULL) : NULL;

	if (row->has_erring_index) {
		int64_t index = row->erring_index;
		const char *name = onion_failure_name(row->failcode);
		size_t hops = json_array_size(route);
		json_t *hop = json_array_get(route, (size_t)index < hops ? (size_t)index : hops - 1);
		json_object_set_new(obj, "erring_index", json_integer(index));
		json_object_set_new(obj, "failcode", json_integer(row->failcode));
		json_object_set_new(obj, "failcodename", json_string(name ? name : "unknown"));
		/* Index 0 is us: our channel failed it. */
		if (index > 0 && json_array_get(route, (size_t)index - 1))
			json_object_set(obj, "erring_node",
					json_object_get(json_array_get(route, (size_t)index - 1), "id"));
		/* The channel out of the erring node. */
		if (hop)
			json_object_set(obj, "erring_channel", json_object_get(hop, "channel"));
	}
	if (row->failreason)
		json_object_set_new(obj, "failreason", json_string(row->failreason));
	json_decref(route);
	return obj;
}

/* pay's answer: its completed parts, summed (payments.h). */
static json_t *pay_json(const struct payment_row *row)
{
	json_t *obj = json_pack("{s:I, s:I, s:I, s:I, s:s}",
		"created_at", (json_int_t)row->created_at,
		"parts", (json_int_t)(row->num_parts ? row->num_parts : 1),
		"amount_msat", (json_int_t)row->amount_msat,
		"amount_sent_msat", (json_int_t)row->amount_sent_msat,
		"status", "complete");

	if (row->has_preimage)
		json_hex(obj, "payment_preimage", row->preimage.r, 32);
	json_hex(obj, "payment_hash", row->payment_hash.u8, 32);
	if (row->has_destination)
		json_hex(obj, "destination", row->destination, PUBKEY_CMPR_LEN);
	return obj;
}

/* A payment command's error, as the request's (with the failed part as
 * its data, if one failed). */
static void respond_failed(struct rpc_request *request, const struct payment_row *row, int code,
			   const char *err)
{
	code = code == PAYMENT_ERR_INTERNAL ? RPC_INTERNAL_ERROR
		: code == PAYMENT_ERR_INVALID ? RPC_INVALID_PARAMS
		: code == PAYMENT_ERR_STOPPING ? RPC_COMMAND_FAILED : code;
	if (row)
		rpc_respond_error_data(request, code, failure_json(row), "%s", err);
	else
		rpc_respond_error(request, code, "%s", err);
}

/* A payment_done_fn for sendpay and waitsendpay. */
static void answer_part(void *arg, const struct payment_row *row, int code, const char *err)
{
	if (err)
		respond_failed(arg, row, code, err);
	else
		rpc_respond(arg, payment_json(row));
}

/* A payment_done_fn for pay and keysend. */
static void answer_pay(void *arg, const struct payment_row *row, int code, const char *err)
{
	if (err)
		respond_failed(arg, row, code, err);
	else
		rpc_respond(arg, pay_json(row));
}


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
	sp.groupid = (uint64_t)json_integer_value(json_object_get(params, "groupid"));
	sp.amount_msat = route[sp.num_hops - 1].amount_msat;
	if (amount && !rpc_parse_msat(amount, "amount_msat", &sp.amount_msat, err, sizeof(err))) {
		rpc_respond_error(request, RPC_INVALID_PARAMS, "%s", err);
		return;
	}
	/* A part names the payment's total (Core Lightning's rule). */
	if (sp.partid && !amount) {
		rpc_respond_error(request, RPC_INVALID_PARAMS, "Must specify amount_msat with partid");
		return;
	}
	payments_sendpay(ohmd->payments, &sp, answer_part, request);
}

static void waitsendpay(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	struct sha256 hash;

	if (!hex32(request, json_object_get(params, "payment_hash"), "payment_hash", hash.u8))
		return;
	payments_waitsendpay(ohmd->payments, &hash,
			     (uint64_t)json_integer_value(json_object_get(params, "partid")),
			     (uint64_t)json_integer_value(json_object_get(params, "timeout")),
			     answer_part, request);
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
static bool parse_limits(struct ohmd *ohmd, struct rpc_request *request, json_t *params,
			 struct pay_params *pp, double *percent)
{
	json_t *pct = json_object_get(params, "maxfeepercent");
	json_t *maxfee = json_object_get(params, "maxfee");
	json_int_t maxdelay = json_integer_value(json_object_get(params, "maxdelay"));
	json_int_t maxhops = json_integer_value(json_object_get(params, "maxhops"));
	struct pathfind_exclude *excludes;
	char err[300];

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
	if (maxhops < 1 || maxhops > ROUTE_MAX_HOPS) {
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "parameter 'maxhops': from 1 to %d, got %lld", ROUTE_MAX_HOPS,
				  (long long)maxhops);
		return false;
	}
	pp->maxhops = (size_t)maxhops;
	/* Core Lightning's maxfee: a fixed limit, instead of maxfeepercent
	 * (and of the exemption of small fees). */
	if (maxfee) {
		if (!rpc_parse_msat(maxfee, "maxfee", &pp->maxfee_msat, err, sizeof(err))) {
			rpc_respond_error(request, RPC_INVALID_PARAMS, "%s", err);
			return false;
		}
		pp->maxfee_is_fixed = true;
	}
	if (!rpc_parse_excludes(ohmd, json_object_get(params, "exclude"), "exclude", &excludes,
				&pp->num_excludes, err, sizeof(err))) {
		rpc_respond_error(request, RPC_INVALID_PARAMS, "%s", err);
		return false;
	}
	pp->excludes = excludes;
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

	if (!parse_limits(ohmd, request, params, &pp, &percent))
		return;
	if (!bolt11_decode(ohmd->secp, &b11, err, text, NULL)) {
		rpc_respond_error(request, RPC_INVALID_PARAMS, "parameter 'bolt11': %s", err);
		free((void *)pp.excludes);
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
	if (!pp.maxfee_is_fixed)
		pp.maxfee_msat = (uint64_t)((double)pp.amount_msat * percent / 100.0);
	pp.bolt11 = text;
	pp.destination = b11->payee;
	pp.payment_hash = b11->payment_hash;
	pp.has_payment_secret = true;
	pp.payment_secret = b11->payment_secret;
	/* BOLT #4: only split if the invoice offers basic_mpp. */
	pp.allow_mpp = feature_offered(b11->features, FEATURE_BASIC_MPP);
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
	payments_pay(ohmd->payments, &pp, answer_pay, request);
out:
	free(edges);
	free(lens);
	free((void *)pp.excludes);
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

	if (!parse_limits(ohmd, request, params, &pp, &percent))
		return;
	if (!rpc_parse_node_id(ohmd, request, "destination", dest, strlen(dest), &node_id))
		goto out;
	hex_decode(destination, sizeof(destination), dest, strlen(dest));
	if (is_ourselves(ohmd, request, destination))
		goto out;
	if (!rpc_parse_msat(json_object_get(params, "amount_msat"), "amount_msat", &pp.amount_msat,
			    err, sizeof(err))) {
		rpc_respond_error(request, RPC_INVALID_PARAMS, "%s", err);
		goto out;
	}
	if (pp.amount_msat == 0) {
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "parameter 'amount_msat': must be positive");
		goto out;
	}
	if (!pp.maxfee_is_fixed)
		pp.maxfee_msat = (uint64_t)((double)pp.amount_msat * percent / 100.0);
	pp.destination = destination;
	pp.has_keysend = true;
	crypto_random_bytes(pp.keysend_preimage, sizeof(pp.keysend_preimage));
	sha256(&pp.payment_hash, pp.keysend_preimage, sizeof(pp.keysend_preimage));
	pp.min_final_cltv_expiry = KEYSEND_FINAL_CLTV;
	pp.label = json_string_value(json_object_get(params, "label"));
	payments_pay(ohmd->payments, &pp, answer_pay, request);
	crypto_wipe(pp.keysend_preimage, sizeof(pp.keysend_preimage));
out:
	free((void *)pp.excludes);
}

/* The filters listsendpays and listpays share. */
static bool list_filters(struct rpc_request *request, json_t *params, struct sha256 *hash,
			 const struct sha256 **hash_filter, const char **status)
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
		if (!hex32(request, h, "payment_hash", hash->u8))
			return false;
		*hash_filter = hash;
	}
	return true;
}

static void list_one(void *arg, const struct payment_row *row)
{
	json_array_append_new(arg, payment_json(row));
}

static void listsendpays(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	struct sha256 hash;
	const struct sha256 *hash_filter;
	const char *status;
	json_t *list;

	if (!list_filters(request, params, &hash, &hash_filter, &status))
		return;
	list = json_array();
	payments_list(ohmd->payments, json_string_value(json_object_get(params, "bolt11")),
		      hash_filter, status, list_one, list);
	rpc_respond(request, json_pack("{s:o}", "payments", list));
}

/* listpays: one entry per payment_hash, in the order first sent, with
 * every part ever sent for it as an attempt.  complete if a part is
 * (amounts and number_of_parts: the complete parts of that group),
 * else pending if one is, else failed (amounts: the last part's). */
struct pays_list {
	json_t *pays;			/* by payment_hash (hex) */
	json_t *order;			/* the hashes, in order */
};

/* An attempt: the part, its route's channels and, if it failed, where. */
static json_t *attempt_json(const struct payment_row *row)
{
	json_t *obj = json_pack("{s:I, s:I, s:s, s:I, s:I}",
		"partid", (json_int_t)row->partid,
		"groupid", (json_int_t)row->groupid,
		"status", row->status,
		"amount_msat", (json_int_t)part_delivered(row),
		"amount_sent_msat", (json_int_t)row->amount_sent_msat);
	json_t *route = row->route_json ? json_loads(row->route_json, 0, NULL) : NULL;
	json_t *scids = json_array(), *hop, *failure;
	size_t i;

	json_array_foreach(route, i, hop)
		json_array_append(scids, json_object_get(hop, "channel"));
	json_object_set_new(obj, "short_channel_ids", scids);
	json_decref(route);
	if (strcmp(row->status, "failed") != 0)
		return obj;
	failure = failure_json(row);
	for (const char **key = (const char *[]){"erring_index", "failcode", "failcodename",
			"erring_node", "erring_channel", "failreason", NULL}; *key; key++)
		if (json_object_get(failure, *key))
			json_object_set(obj, *key, json_object_get(failure, *key));
	json_decref(failure);
	return obj;
}

static void pays_add(void *arg, const struct payment_row *row)
{
	struct pays_list *l = arg;
	char hash[65];
	json_t *pay, *attempts;
	const char *status;
	bool is_complete = strcmp(row->status, "complete") == 0;

	hex_encode(hash, row->payment_hash.u8, 32);
	pay = json_object_get(l->pays, hash);
	if (!pay) {
		pay = json_pack("{s:s, s:s, s:I, s:I, s:I, s:i, s:[]}",
				"payment_hash", hash, "status", row->status,
				"created_at", (json_int_t)row->created_at,
				"amount_msat", (json_int_t)0, "amount_sent_msat", (json_int_t)0,
				"number_of_parts", 0, "attempts");
		json_object_set_new(l->pays, hash, pay);
		json_array_append_new(l->order, json_string(hash));
	}
	attempts = json_object_get(pay, "attempts");
	json_array_append_new(attempts, attempt_json(row));
	if (row->has_destination)
		json_hex(pay, "destination", row->destination, PUBKEY_CMPR_LEN);
	if (row->bolt11)
		json_object_set_new(pay, "bolt11", json_string(row->bolt11));
	if (row->label)
		json_object_set_new(pay, "label", json_string(row->label));
	status = json_string_value(json_object_get(pay, "status"));
	if (is_complete) {
		json_int_t parts = json_integer_value(json_object_get(pay, "number_of_parts"));
		json_int_t msat = json_integer_value(json_object_get(pay, "amount_msat"));
		json_int_t sent = json_integer_value(json_object_get(pay, "amount_sent_msat"));
		/* The first complete part starts the sums (its group's). */
		if (strcmp(status, "complete") != 0)
			parts = msat = sent = 0;
		json_object_set_new(pay, "status", json_string("complete"));
		json_object_set_new(pay, "number_of_parts", json_integer(parts + 1));
		json_object_set_new(pay, "amount_msat",
				    json_integer(msat + (json_int_t)part_delivered(row)));
		json_object_set_new(pay, "amount_sent_msat",
				    json_integer(sent + (json_int_t)row->amount_sent_msat));
		if (row->has_preimage)
			json_hex(pay, "preimage", row->preimage.r, 32);
		return;
	}
	if (strcmp(status, "complete") == 0)
		return;
	/* Not complete (yet): pending if a part is in flight. */
	if (strcmp(row->status, "pending") == 0 || strcmp(status, "pending") != 0)
		json_object_set_new(pay, "status", json_string(row->status));
	json_object_set_new(pay, "amount_msat", json_integer((json_int_t)row->amount_msat));
	json_object_set_new(pay, "amount_sent_msat",
			    json_integer((json_int_t)row->amount_sent_msat));
	json_object_set_new(pay, "number_of_parts", json_integer(0));
}

static void listpays(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	struct sha256 hash;
	const struct sha256 *hash_filter;
	const char *status;
	struct pays_list l = {json_object(), json_array()};
	json_t *pays = json_array(), *h;
	size_t i;

	if (!list_filters(request, params, &hash, &hash_filter, &status)) {
		json_decref(l.pays);
		json_decref(l.order);
		json_decref(pays);
		return;
	}
	payments_list(ohmd->payments, json_string_value(json_object_get(params, "bolt11")),
		      hash_filter, NULL, pays_add, &l);
	json_array_foreach(l.order, i, h) {
		json_t *pay = json_object_get(l.pays, json_string_value(h));
		if (status && strcmp(json_string_value(json_object_get(pay, "status")), status))
			continue;
		if (strcmp(json_string_value(json_object_get(pay, "status")), "complete") != 0)
			json_object_del(pay, "number_of_parts");
		json_array_append(pays, pay);
	}
	json_decref(l.pays);
	json_decref(l.order);
	rpc_respond(request, json_pack("{s:o}", "pays", pays));
}

/* A channel's short_channel_id, as JSON (NULL: none, or unknown). */
static json_t *scid_json(struct ohmd *ohmd, bool has, int64_t dbid)
{
	struct chan *chan;
	char text[SHORT_CHANNEL_ID_STR_MAX];

	if (!has)
		return NULL;
	chan = channels_by_dbid(ohmd->channels, dbid);
	if (!chan || !chan_scid(chan))
		return NULL;
	return json_string(short_channel_id_to_str(text, chan_scid(chan)));
}

struct forwards_list {
	struct ohmd *ohmd;
	const char *in_channel, *out_channel;	/* filters, or NULL */
	json_t *list;
};

static void forward_json(void *arg, const struct forward_row *row)
{
	struct forwards_list *fl = arg;
	json_t *in = scid_json(fl->ohmd, true, row->in_channel);
	json_t *out = scid_json(fl->ohmd, row->has_out_channel, row->out_channel);
	json_t *obj;

	if ((fl->in_channel && (!in || strcmp(json_string_value(in), fl->in_channel)))
	    || (fl->out_channel && (!out || strcmp(json_string_value(out), fl->out_channel)))) {
		json_decref(in);
		json_decref(out);
		return;
	}
	obj = json_pack("{s:I, s:I, s:s, s:I}",
			"in_htlc_id", (json_int_t)row->in_htlc_id,
			"in_msat", (json_int_t)row->in_msat,
			"status", row->status,
			"received_time", (json_int_t)row->received_time);
	if (in)
		json_object_set_new(obj, "in_channel", in);
	if (out)
		json_object_set_new(obj, "out_channel", out);
	if (row->has_out_htlc_id)
		json_object_set_new(obj, "out_htlc_id", json_integer((json_int_t)row->out_htlc_id));
	if (row->has_out_msat) {
		json_object_set_new(obj, "out_msat", json_integer((json_int_t)row->out_msat));
		json_object_set_new(obj, "fee_msat",
				    json_integer((json_int_t)row->in_msat - (json_int_t)row->out_msat));
	}
	if (row->has_resolved_time)
		json_object_set_new(obj, "resolved_time", json_integer(row->resolved_time));
	if (row->failcode) {
		const char *name = onion_failure_name(row->failcode);
		json_object_set_new(obj, "failcode", json_integer(row->failcode));
		if (name)
			json_object_set_new(obj, "failreason", json_string(name));
	}
	json_array_append_new(fl->list, obj);
}

static void listforwards(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	const char *status = json_string_value(json_object_get(params, "status"));
	struct forwards_list fl = {
		ohmd, json_string_value(json_object_get(params, "in_channel")),
		json_string_value(json_object_get(params, "out_channel")), NULL,
	};

	if (status && strcmp(status, "offered") && strcmp(status, "settled")
	    && strcmp(status, "failed") && strcmp(status, "local_failed")) {
		rpc_respond_error(request, RPC_INVALID_PARAMS, "parameter 'status': expected offered, "
				  "settled, failed or local_failed");
		return;
	}
	fl.list = json_array();
	payflow_forwards(ohmd->payflow, status, forward_json, &fl);
	rpc_respond(request, json_pack("{s:o}", "forwards", fl.list));
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
	{"groupid", RPC_PARAM_UNSIGNED, false, "0", "which attempt of the payment the part is of"},
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
	{"maxfee", RPC_PARAM_ANY, false, NULL, "fixed fee limit (msat), instead of maxfeepercent"},
	{"exclude", RPC_PARAM_ARRAY, false, NULL, "short_channel_id/direction or node ids to avoid"},
	{"maxhops", RPC_PARAM_UNSIGNED, false, "20", "most hops"},
	{0},
};

static const struct rpc_param keysend_params[] = {
	{"destination", RPC_PARAM_STRING, true, NULL, "node id"},
	{"amount_msat", RPC_PARAM_ANY, true, NULL, "millisatoshis (or NNNsat)"},
	{"label", RPC_PARAM_STRING, false, NULL, "a label for listpays"},
	{"maxfeepercent", RPC_PARAM_NUMBER, false, "0.5", "fee limit, percent of the amount"},
	{"retry_for", RPC_PARAM_UNSIGNED, false, "60", "seconds to keep trying routes"},
	{"maxdelay", RPC_PARAM_UNSIGNED, false, "2016", "most blocks our funds may be locked"},
	{"maxfee", RPC_PARAM_ANY, false, NULL, "fixed fee limit (msat), instead of maxfeepercent"},
	{"exclude", RPC_PARAM_ARRAY, false, NULL, "short_channel_id/direction or node ids to avoid"},
	{"maxhops", RPC_PARAM_UNSIGNED, false, "20", "most hops"},
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
