/* The invoice command's parameter checking (see invoice_request.h). */
#include "daemon/commands/invoice_request.h"

#include <stdio.h>
#include <string.h>

#include "bitcoin/address.h"
#include "common/hex.h"
#include "wire/wirebuf.h"

const struct rpc_param invoice_request_params[] = {
	{"amount_msat", RPC_PARAM_ANY, true, NULL, "millisatoshis (or NNNsat), or \"any\""},
	{"label", RPC_PARAM_ANY, true, NULL, "unique name for this invoice"},
	{"description", RPC_PARAM_STRING, true, NULL, "what it pays for (in the invoice)"},
	{"expiry", RPC_PARAM_UNSIGNED, false, "604800", "seconds until it expires"},
	{"fallbacks", RPC_PARAM_ARRAY, false, NULL, "on-chain addresses to pay instead"},
	{"preimage", RPC_PARAM_STRING, false, NULL, "32 bytes hex (default: random)"},
	{0},
};

bool invoice_request_parse(struct invoice_request *r, const json_t *params,
			   const struct chainparams *chainparams, char *err, size_t errlen)
{
	json_t *amount = json_object_get(params, "amount_msat");
	json_t *label = json_object_get(params, "label");
	json_t *fallbacks = json_object_get(params, "fallbacks");
	json_t *expiry = json_object_get(params, "expiry");
	json_t *preimage = json_object_get(params, "preimage");

	memset(r, 0, sizeof(*r));
	if (json_is_string(amount) && strcmp(json_string_value(amount), "any") == 0) {
		r->ip.has_amount = false;
	} else if (!rpc_parse_msat(amount, "amount_msat", &r->ip.amount_msat, err, errlen)) {
		return false;
	} else if (r->ip.amount_msat == 0) {
		snprintf(err, errlen, "parameter 'amount_msat': must be positive (or \"any\")");
		return false;
	} else {
		r->ip.has_amount = true;
	}
	if (label && !rpc_parse_label(label, "label", r->label_buf, &r->ip.label, err, errlen))
		return false;
	/* rpc_params_parse held it to RPC_DESCRIPTION_MAX: it fits a `d` field. */
	r->ip.description = json_string_value(json_object_get(params, "description"));
	r->ip.expiry_secs = expiry ? (uint64_t)json_integer_value(expiry) : INVOICE_DEFAULT_EXPIRY;
	if (r->ip.expiry_secs == 0 || r->ip.expiry_secs > INVOICE_MAX_EXPIRY) {
		snprintf(err, errlen, "parameter 'expiry': from 1 second to ten years");
		return false;
	}
	if (preimage) {
		const char *text = json_string_value(preimage);
		if (!text || strlen(text) != 64 || !hex_decode(r->preimage, 32, text, 64)) {
			snprintf(err, errlen, "parameter 'preimage': expected 64 hex digits");
			return false;
		}
		r->ip.preimage = r->preimage;
	}
	if (json_array_size(fallbacks) > INVOICE_MAX_FALLBACKS) {
		snprintf(err, errlen, "parameter 'fallbacks': at most %d addresses",
			 INVOICE_MAX_FALLBACKS);
		return false;
	}
	for (size_t i = 0; i < json_array_size(fallbacks); i++) {
		const char *address = json_string_value(json_array_get(fallbacks, i));
		char why[ADDRESS_ERROR_LEN];
		struct wirebuf *script = r->scripts[i] = wirebuf_new();
		/* A witness program: version 0 or OP_1..OP_16, then a push. */
		if (!address || !address_to_script(script, why, chainparams, address)
		    || script->len < 4 || (script->data[0] != 0
					   && (script->data[0] < 0x51 || script->data[0] > 0x60))) {
			snprintf(err, errlen, "parameter 'fallbacks': entry %zu is not a segwit "
				 "address of this network", i);
			return false;
		}
		r->script_data[i] = script->data;
		r->script_lens[i] = script->len;
		r->ip.num_fallbacks++;
	}
	r->ip.fallback_scripts = r->script_data;
	r->ip.fallback_lens = r->script_lens;
	return true;
}

void invoice_request_clear(struct invoice_request *r)
{
	for (size_t i = 0; i < INVOICE_MAX_FALLBACKS; i++) {
		wirebuf_free(r->scripts[i]);
		r->scripts[i] = NULL;
	}
}
