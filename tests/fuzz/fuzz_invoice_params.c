/* Fuzz target: the invoice command's parameters, as a client sends them
 * (JSON text, by position or by name): rpc_params_parse() with invoice's
 * own table, then invoice_request_parse() (amount "NNNmsat"/"NNNsat"/
 * "any", label, description, expiry, fallbacks, preimage) on the networks
 * bitcoin and regtest.
 *
 * What it accepts must be what was asked: the amount is the number given
 * (times 1000 for "sat"; digits alone are millisatoshis), positive and at most 21 million bitcoin, and
 * absent only for "any"; the label is the string or the number's decimal
 * text; the description fits a BOLT 11 `d` field; the expiry is in range;
 * the preimage is the hex given; each fallback is a segwit scriptPubKey
 * whose address, encoded back, is the one given (so no address is accepted
 * on two networks).  A refusal names the parameter. */
#include <jansson.h>
#include <string.h>
#include <strings.h>

#include "bitcoin/address.h"
#include "bitcoin/chainparams.h"
#include "common/hex.h"
#include "daemon/commands/invoice_request.h"
#include "tests/fuzz/fuzz.h"

const struct fuzz_seed fuzz_seeds[] = {
	/* {"amount_msat": "10sat", "label": "a", "description": "coffe... */
	{"7b22616d6f756e745f6d736174223a20223130736174222c20226c6162656c223a202261222c2022"
	 "6465736372697074696f6e223a2022636f66666565222c2022657870697279223a20333630302c20"
	 "2266616c6c6261636b73223a205b2262637274317177353038643671656a7874646734793572337a"
	 "6172766172793063357877376b796774303830225d2c2022707265696d616765223a202230313031"
	 "30313031303130313031303130313031303130313031303130313031303130313031303130313031"
	 "3031303130313031303130313031303130313031227d"},
	/* ["any", 42, "d"] */
	{"5b22616e79222c2034322c202264225d"},
	/* [1000, "lbl", "", 1, ["BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4"]] */
	{"5b313030302c20226c626c222c2022222c20312c205b224243315157353038443651454a58544447"
	 "34593552335a4152564152593043355857374b563846335434225d5d"},
	/* {"amount_msat": "5msat", "label": "x", "description": "y", "... */
	{"7b22616d6f756e745f6d736174223a2022356d736174222c20226c6162656c223a202278222c2022"
	 "6465736372697074696f6e223a202279222c2022657870697279223a203331353336303030307d"},
};
const size_t fuzz_num_seeds = sizeof(fuzz_seeds) / sizeof(fuzz_seeds[0]);

/* Checks what invoice_request_parse() accepted against named params. */
static void check_accepted(const struct invoice_request *r, const json_t *named,
			   const struct chainparams *chainparams)
{
	const json_t *amount = json_object_get(named, "amount_msat");
	const json_t *label = json_object_get(named, "label");
	const json_t *preimage = json_object_get(named, "preimage");
	const json_t *fallbacks = json_object_get(named, "fallbacks");
	const char *text = json_string_value(amount);

	if (text && strcmp(text, "any") == 0) {
		FUZZ_CHECK(!r->ip.has_amount);
	} else {
		FUZZ_CHECK(r->ip.has_amount);
		FUZZ_CHECK(r->ip.amount_msat > 0);
		FUZZ_CHECK(r->ip.amount_msat <= 2100000000000000000ULL);
		if (json_is_integer(amount))
			FUZZ_CHECK((json_int_t)r->ip.amount_msat == json_integer_value(amount));
		else {
			/* Digits alone are millisatoshis, as Core Lightning's. */
			size_t len = strlen(text), digits = strspn(text, "0123456789");
			bool is_msat = digits == len || strcmp(text + digits, "msat") == 0;
			FUZZ_CHECK(digits > 0);
			FUZZ_CHECK(is_msat || strcmp(text + digits, "sat") == 0);
			unsigned long long n = strtoull(text, NULL, 10);
			FUZZ_CHECK(r->ip.amount_msat == (is_msat ? n : n * 1000));
		}
	}
	FUZZ_CHECK(r->ip.label && r->ip.label[0]);
	if (json_is_string(label)) {
		FUZZ_CHECK(strcmp(r->ip.label, json_string_value(label)) == 0);
	} else {
		char buf[32];
		FUZZ_CHECK(json_is_integer(label));
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(label));
		FUZZ_CHECK(strcmp(r->ip.label, buf) == 0);
	}
	FUZZ_CHECK(r->ip.description);
	FUZZ_CHECK(strlen(r->ip.description) <= RPC_DESCRIPTION_MAX);
	FUZZ_CHECK(r->ip.expiry_secs >= 1 && r->ip.expiry_secs <= INVOICE_MAX_EXPIRY);
	FUZZ_CHECK((r->ip.preimage != NULL) == (preimage != NULL));
	if (preimage) {
		char hex[65];
		hex_encode(hex, r->ip.preimage, 32);
		FUZZ_CHECK(strcasecmp(hex, json_string_value(preimage)) == 0);
	}
	FUZZ_CHECK(r->ip.num_fallbacks == json_array_size(fallbacks));
	for (size_t i = 0; i < r->ip.num_fallbacks; i++) {
		const char *given = json_string_value(json_array_get(fallbacks, i));
		char address[ADDRESS_MAX_LEN + 1];
		FUZZ_CHECK(address_from_script(address, chainparams, r->ip.fallback_scripts[i],
					       r->ip.fallback_lens[i]));
		/* bech32 may come in upper case; we write it lower. */
		FUZZ_CHECK(strcasecmp(address, given) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const networks[] = {"bitcoin", "regtest"};
	static const struct rpc_command command = {"invoice", "payment", "fuzz",
						   invoice_request_params, NULL};
	json_t *value = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	char err[600];
	json_t *named;
	int accepted = 0;

	named = rpc_params_parse(&command, value, err, sizeof(err));
	for (size_t n = 0; named && n < 2; n++) {
		const struct chainparams *chainparams = chainparams_for_network(networks[n]);
		struct invoice_request r;
		if (invoice_request_parse(&r, named, chainparams, err, sizeof(err))) {
			check_accepted(&r, named, chainparams);
			accepted++;
		} else {
			FUZZ_CHECK(strncmp(err, "parameter '", 11) == 0);
		}
		invoice_request_clear(&r);
	}
	/* Only fallbacks depend on the network: with none, both agree; with
	 * one, at most one network takes it. */
	if (named && json_array_size(json_object_get(named, "fallbacks")) > 0)
		FUZZ_CHECK(accepted < 2);
	else if (named)
		FUZZ_CHECK(accepted == 0 || accepted == 2);
	json_decref(named);
	json_decref(value);
	return 0;
}
