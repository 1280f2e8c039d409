/* The invoice commands, in Core Lightning's names and shapes: invoice,
 * listinvoices, waitinvoice, waitanyinvoice, delinvoice, decode. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitcoin/address.h"
#include "bitcoin/chainparams.h"
#include "common/alloc.h"
#include "common/hex.h"
#include "daemon/commands/commands.h"
#include "daemon/commands/invoice_request.h"
#include "daemon/config.h"
#include "daemon/htlcs/invoices.h"
#include "daemon/rpc/jsonrpc.h"
#include "daemon/ohmd.h"
#include "daemon/commands/rpc_params.h"
#include "pay/bolt11.h"
#include "wire/features.h"


/* The "label" parameter, NULL if not given; false: answered. */
static bool get_label(struct rpc_request *request, json_t *params,
		      char buf[RPC_LABEL_NUMBER_LEN], const char **label)
{
	json_t *value = json_object_get(params, "label");
	char err[100];

	*label = NULL;
	if (!value || rpc_parse_label(value, "label", buf, label, err, sizeof(err)))
		return true;
	rpc_respond_error(request, RPC_INVALID_PARAMS, "%s", err);
	return false;
}

static bool parse_hash(struct rpc_request *request, const json_t *value, const char *name,
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

static void json_hex(json_t *obj, const char *key, const uint8_t *bytes, size_t len)
{
	char hex[65];

	json_object_set_new(obj, key, json_string(hex_encode(hex, bytes, len)));
}

/* One invoice in Core Lightning's shape. */
static json_t *invoice_json(const struct invoice_row *row)
{
	const char *status = invoices_status(row);
	json_t *obj = json_pack("{s:s, s:s, s:s, s:I, s:I}",
				"label", row->label,
				"description", row->description,
				"status", status,
				"expires_at", (json_int_t)row->expires_at,
				"created_index", (json_int_t)row->id);

	json_hex(obj, "payment_hash", row->payment_hash.u8, 32);
	if (row->bolt11)
		json_object_set_new(obj, "bolt11", json_string(row->bolt11));
	if (row->has_amount)
		json_object_set_new(obj, "amount_msat", json_integer((json_int_t)row->amount_msat));
	if (row->has_secret)
		json_hex(obj, "payment_secret", row->payment_secret.data, 32);
	if (strcmp(status, "paid") == 0) {
		json_object_set_new(obj, "pay_index", json_integer((json_int_t)row->pay_index));
		json_object_set_new(obj, "amount_received_msat",
				    json_integer((json_int_t)row->amount_received_msat));
		json_object_set_new(obj, "paid_at", json_integer((json_int_t)row->paid_at));
		json_hex(obj, "payment_preimage", row->preimage.r, 32);
	}
	return obj;
}

/* An invoice command's error, as the request's. */
static void respond_failed(struct rpc_request *request, int code, const char *err)
{
	rpc_respond_error(request, code == INVOICE_ERR_INTERNAL ? RPC_INTERNAL_ERROR
			  : code == INVOICE_ERR_STOPPING ? RPC_COMMAND_FAILED : code, "%s", err);
}

/* An invoice_done_fn: the invoice, or the error. */
static void answer_invoice(void *arg, const struct invoice_row *row, int code, const char *err)
{
	if (err)
		respond_failed(arg, code, err);
	else
		rpc_respond(arg, invoice_json(row));
}

/* invoice's answer: what to give the payer. */
static void answer_created(void *arg, const struct invoice_row *row, int code, const char *err)
{
	char hash_hex[65], secret_hex[65];

	if (err) {
		respond_failed(arg, code, err);
		return;
	}
	rpc_respond(arg, json_pack("{s:s, s:I, s:s, s:s, s:I}",
		"payment_hash", hex_encode(hash_hex, row->payment_hash.u8, 32),
		"expires_at", (json_int_t)row->expires_at,
		"bolt11", row->bolt11,
		"payment_secret", hex_encode(secret_hex, row->payment_secret.data, 32),
		"created_index", (json_int_t)row->id));
}

static void list_one(void *arg, const struct invoice_row *row)
{
	json_array_append_new(arg, invoice_json(row));
}

static void invoice_command(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	struct invoice_request r;
	char err[300];

	if (invoice_request_parse(&r, params, ohmd->config->chainparams, err, sizeof(err)))
		invoices_create(ohmd->invoices, &r.ip, answer_created, request);
	else
		rpc_respond_error(request, RPC_INVALID_PARAMS, "%s", err);
	invoice_request_clear(&r);
}

static void listinvoices(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	json_t *hash = json_object_get(params, "payment_hash");
	struct sha256 hash_bytes;
	char label_buf[RPC_LABEL_NUMBER_LEN];
	const char *label;
	json_t *list;

	if (!get_label(request, params, label_buf, &label)
	    || (hash && !parse_hash(request, hash, "payment_hash", hash_bytes.u8)))
		return;
	list = json_array();
	invoices_list(ohmd->invoices, label, json_string_value(json_object_get(params, "invstring")),
		      hash ? &hash_bytes : NULL, list_one, list);
	rpc_respond(request, json_pack("{s:o}", "invoices", list));
}

static void waitinvoice(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	char label_buf[RPC_LABEL_NUMBER_LEN];
	const char *label;

	if (get_label(request, params, label_buf, &label))
		invoices_wait(ohmd->invoices, label, answer_invoice, request);
}

static void waitanyinvoice(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	invoices_wait_any(ohmd->invoices,
			  (uint64_t)json_integer_value(json_object_get(params, "lastpay_index")),
			  (uint64_t)json_integer_value(json_object_get(params, "timeout")),
			  answer_invoice, request);
}

static void delinvoice(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	const char *status = json_string_value(json_object_get(params, "status"));
	char label_buf[RPC_LABEL_NUMBER_LEN];
	const char *label;

	if (!get_label(request, params, label_buf, &label))
		return;
	if (strcmp(status, "paid") != 0 && strcmp(status, "unpaid") != 0
	    && strcmp(status, "expired") != 0) {
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "parameter 'status': expected paid, unpaid or expired");
		return;
	}
	invoices_delete(ohmd->invoices, label, status, answer_invoice, request);
}

/* ---- decode ---- */

static json_t *routes_json(const struct bolt11 *b11)
{
	json_t *routes = json_array();

	for (size_t r = 0; r < b11->num_routes; r++) {
		json_t *hops = json_array();
		for (size_t h = 0; h < b11->routes[r].num_hops; h++) {
			const struct bolt11_route_hop *hop = &b11->routes[r].hops[h];
			char id[67], scid[SHORT_CHANNEL_ID_STR_MAX];
			json_array_append_new(hops, json_pack(
				"{s:s, s:s, s:I, s:I, s:i}",
				"pubkey", hex_encode(id, hop->node_id, PUBKEY_CMPR_LEN),
				"short_channel_id", short_channel_id_to_str(scid, &hop->short_channel_id),
				"fee_base_msat", (json_int_t)hop->fee_base_msat,
				"fee_proportional_millionths",
				(json_int_t)hop->fee_proportional_millionths,
				"cltv_expiry_delta", (int)hop->cltv_expiry_delta));
		}
		json_array_append_new(routes, hops);
	}
	return routes;
}

static json_t *bolt11_json(const struct bolt11 *b11)
{
	char hex[2 * 1024 + 1];
	json_t *obj = json_pack("{s:s, s:b, s:s, s:I, s:I, s:s, s:I}",
		"type", "bolt11 invoice",
		"valid", 1,
		"currency", b11->chain->bip173_hrp,
		"created_at", (json_int_t)b11->timestamp,
		"expiry", (json_int_t)b11->expiry,
		"payee", hex_encode(hex, b11->payee, PUBKEY_CMPR_LEN),
		"min_final_cltv_expiry", (json_int_t)b11->min_final_cltv_expiry_delta);

	json_object_set_new(obj, "payment_hash",
			    json_string(hex_encode(hex, b11->payment_hash.u8, 32)));
	json_object_set_new(obj, "payment_secret",
			    json_string(hex_encode(hex, b11->payment_secret.data, 32)));
	if (b11->has_amount)
		json_object_set_new(obj, "amount_msat", json_integer((json_int_t)b11->amount_msat));
	if (b11->description)
		json_object_set_new(obj, "description", json_stringn(b11->description,
								    b11->description_len));
	if (b11->has_description_hash)
		json_object_set_new(obj, "description_hash",
				    json_string(hex_encode(hex, b11->description_hash.u8, 32)));
	if (b11->features->len)
		json_object_set_new(obj, "features", json_string(hex_encode(
			hex, b11->features->bytes, b11->features->len)));
	if (b11->num_routes)
		json_object_set_new(obj, "routes", routes_json(b11));
	if (b11->num_fallbacks) {
		json_t *fallbacks = json_array();
		for (size_t i = 0; i < b11->num_fallbacks; i++) {
			struct wirebuf *script = wirebuf_new();
			char *shex;
			if (bolt11_fallback_script(script, &b11->fallbacks[i])) {
				shex = oh_malloc(script->len * 2 + 1);
				hex_encode(shex, script->data, script->len);
				json_array_append_new(fallbacks, json_pack("{s:s}", "hex", shex));
				free(shex);
			}
			wirebuf_free(script);
		}
		json_object_set_new(obj, "fallbacks", fallbacks);
	}
	if (b11->has_metadata && b11->metadata_len <= 1024)
		json_object_set_new(obj, "payment_metadata", json_string(hex_encode(
			hex, b11->metadata, b11->metadata_len)));
	json_object_set_new(obj, "signature", json_string(hex_encode(hex, b11->signature, 64)));
	return obj;
}

static void decode(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	const char *text = json_string_value(json_object_get(params, "string"));
	struct bolt11 *b11;
	char err[BOLT11_ERROR_LEN];

	if (!bolt11_decode(ohmd->secp, &b11, err, text, NULL)) {
		rpc_respond_error(request, RPC_INVALID_PARAMS, "parameter 'string': %s", err);
		return;
	}
	rpc_respond(request, bolt11_json(b11));
	bolt11_free(b11);
}

static const struct rpc_param listinvoices_params[] = {
	{"label", RPC_PARAM_ANY, false, NULL, "only this label"},
	{"invstring", RPC_PARAM_STRING, false, NULL, "only this bolt11 string"},
	{"payment_hash", RPC_PARAM_STRING, false, NULL, "only this payment hash"},
	{0},
};

static const struct rpc_param waitinvoice_params[] = {
	{"label", RPC_PARAM_ANY, true, NULL, "the invoice to wait for"},
	{0},
};

static const struct rpc_param waitanyinvoice_params[] = {
	{"lastpay_index", RPC_PARAM_UNSIGNED, false, "0", "answer with the next paid after this"},
	{"timeout", RPC_PARAM_UNSIGNED, false, "0", "seconds to wait (0: forever)"},
	{0},
};

static const struct rpc_param delinvoice_params[] = {
	{"label", RPC_PARAM_ANY, true, NULL, "the invoice"},
	{"status", RPC_PARAM_STRING, true, NULL, "paid, unpaid or expired: must be its status"},
	{0},
};

static const struct rpc_param decode_params[] = {
	{"string", RPC_PARAM_STRING, true, NULL, "a BOLT 11 invoice"},
	{0},
};

const struct rpc_command invoice_commands[] = {
	{"invoice", "payment", "Create an invoice to be paid", invoice_request_params, invoice_command},
	{"listinvoices", "payment", "List invoices", listinvoices_params, listinvoices},
	{"waitinvoice", "payment", "Wait for an invoice to be paid (or expire)",
	 waitinvoice_params, waitinvoice},
	{"waitanyinvoice", "payment", "Wait for the next invoice paid after lastpay_index",
	 waitanyinvoice_params, waitanyinvoice},
	{"delinvoice", "payment", "Delete an invoice in the given status", delinvoice_params,
	 delinvoice},
	{"decode", "utility", "Decode a BOLT 11 invoice", decode_params, decode},
	{0},
};
