/* Tests for ohm-devchain's JSON views (contrib/devchain/jsonout.h,
 * txjson.h): Core's amount format, script asm, BIP380 descriptor
 * checksums, scriptPubKey objects and decoderawtransaction's shape. */
#include <string.h>

#include "bitcoin/chainparams.h"
#include "contrib/devchain/jsonout.h"
#include "contrib/devchain/txjson.h"
#include "tests/unit/vectors.h"

static char *written(const json_t *value)
{
	struct wirebuf *out = wirebuf_new();
	size_t len;

	json_write(out, value);
	wirebuf_append(out, "", 1);
	return (char *)wirebuf_take(out, &len);
}

static void check_written(json_t *value, const char *want)
{
	char *got = written(value);
	CHECK_STREQ(got, want);
	free(got);
	json_decref(value);
}

static void test_amounts_have_eight_decimals(void)
{
	check_written(json_amount(5000000000), "50.00000000");
	check_written(json_amount(1000), "0.00001000");
	check_written(json_amount(1), "0.00000001");
	check_written(json_amount(0), "0.00000000");
	check_written(json_amount(2099999999999999), "20999999.99999999");
	/* Other numbers as UniValue writes doubles. */
	check_written(json_real(4.656542373906925e-10), "4.656542373906925e-10");
	check_written(json_integer(-7), "-7");
}

static void test_json_is_compact_and_ordered(void)
{
	json_t *obj = json_object();

	json_object_set_new(obj, "z", json_string("a\"b\\c\n\x01"));
	json_object_set_new(obj, "a", json_array());
	json_array_append_new(json_object_get(obj, "a"), json_true());
	json_array_append_new(json_object_get(obj, "a"), json_null());
	check_written(obj, "{\"z\":\"a\\\"b\\\\c\\n\\u0001\",\"a\":[true,null]}");
}

static void test_descriptor_checksum_bip380(void)
{
	char checksum[9];

	/* BIP380's example. */
	CHECK(descriptor_checksum(checksum, "raw(deadbeef)"));
	CHECK_STREQ(checksum, "89f8spxm");
	CHECK(!descriptor_checksum(checksum, "raw(\x01)"));
}

static void test_script_asm_is_cores(void)
{
	static const uint8_t p2wpkh[22] = {0x00, 0x14, 0xab};
	static const uint8_t csv[] = {0x02, 0x90, 0x00, 0xb2, 0x75, 0x51, 0x4f, 0x60};
	char *s;

	s = script_to_asm(p2wpkh, sizeof(p2wpkh), false);
	CHECK_STREQ(s, "0 ab00000000000000000000000000000000000000");
	free(s);
	/* Short pushes read as numbers: 144 CSV DROP 1 -1 16. */
	s = script_to_asm(csv, sizeof(csv), false);
	CHECK_STREQ(s, "144 OP_CHECKSEQUENCEVERIFY OP_DROP 1 -1 16");
	free(s);
	/* A truncated push. */
	s = script_to_asm((const uint8_t *)"\x51\x05\x01", 3, false);
	CHECK_STREQ(s, "1 [error]");
	free(s);
}

static void test_scriptsig_asm_decodes_sighash(void)
{
	size_t len;
	/* A DER signature with SIGHASH_ALL, then a key: BIP143's example. */
	uint8_t *script = hex_to_bytes(
		"47304402203609e17b84f6a7d30c80bfa610b5b4542f32a8a0d5447a12fb1366d7f01cc44a0220573a954c4518331561406f90300e8f3358f51928d43c212a8caed02de67eebee01"
		"21025476c2e83188368da1ff3e292e7acafcdb3566bb0ad253f62fc70f07aeee6357", &len);
	char *s = script_to_asm(script, len, true);

	CHECK_STREQ(s, "304402203609e17b84f6a7d30c80bfa610b5b4542f32a8a0d5447a12fb1366d7f01cc44a0220573a954c4518331561406f90300e8f3358f51928d43c212a8caed02de67eebee[ALL] "
		    "025476c2e83188368da1ff3e292e7acafcdb3566bb0ad253f62fc70f07aeee6357");
	free(s);
	free(script);
}

static void test_script_pubkey_objects(void)
{
	const struct chainparams *regtest = chainparams_for_network("regtest");
	size_t len;
	uint8_t *p2tr = hex_to_bytes(
		"5120a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c", &len);
	json_t *obj = script_pubkey_json(regtest, p2tr, len);
	const char *desc = json_str(obj, "desc");

	CHECK_STREQ(json_str(obj, "type"), "witness_v1_taproot");
	CHECK(strncmp(json_str(obj, "address"), "bcrt1p", 6) == 0);
	CHECK(strncmp(desc, "rawtr(a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c)#", 72) == 0);
	CHECK(strlen(desc) == 72 + 8);
	json_decref(obj);
	free(p2tr);

	/* OP_RETURN: no address, a raw() descriptor. */
	obj = script_pubkey_json(regtest, (const uint8_t *)"\x6a\x01\x07", 3);
	CHECK_STREQ(json_str(obj, "type"), "nulldata");
	CHECK(!json_object_get(obj, "address"));
	CHECK(strncmp(json_str(obj, "desc"), "raw(6a0107)#", 12) == 0);
	CHECK_STREQ(json_str(obj, "asm"), "OP_RETURN 7");
	json_decref(obj);
}

static void test_tx_json_shape(void)
{
	const struct chainparams *regtest = chainparams_for_network("regtest");
	json_t *root = vectors_load("bolt03-funding-tx.json");
	json_t *v = json_array_get(json_object_get(root, "vectors"), 0);
	const char *hex = json_str(v, "funding_tx_hex");
	struct bitcoin_tx *tx = bitcoin_tx_from_hex(hex, strlen(hex), NULL);
	struct tx_json_extra extra = {.include_hex = false};
	json_t *obj = tx_json(regtest, tx, &extra), *vin, *vout;
	static const char *const fields[] = {"txid", "hash", "version", "size", "vsize",
					     "weight", "locktime", "vin", "vout"};
	const char *key;
	json_t *value;
	size_t i = 0;

	json_object_foreach(obj, key, value) {
		CHECK(i < 9 && strcmp(key, fields[i]) == 0);
		i++;
	}
	CHECK(i == 9);
	CHECK_STREQ(json_str(obj, "txid"), json_str(v, "funding_txid"));
	vin = json_array_get(json_object_get(obj, "vin"), 0);
	CHECK_STREQ(json_str(vin, "txid"), json_str(v, "input_txid"));
	CHECK(strstr(json_str(json_object_get(vin, "scriptSig"), "asm"), "[ALL] 03535b") != NULL);
	CHECK(json_integer_value(json_object_get(vin, "sequence")) == 0xffffffff);
	vout = json_array_get(json_object_get(obj, "vout"), 0);
	CHECK_STREQ(json_str(json_object_get(vout, "scriptPubKey"), "type"),
		    "witness_v0_scripthash");
	{
		char *text = written(json_object_get(vout, "value"));
		CHECK_STREQ(text, "0.10000000");
		free(text);
	}
	json_decref(obj);
	bitcoin_tx_free(tx);
	json_decref(root);
}

int main(void)
{
	RUN(test_amounts_have_eight_decimals);
	RUN(test_json_is_compact_and_ordered);
	RUN(test_descriptor_checksum_bip380);
	RUN(test_script_asm_is_cores);
	RUN(test_scriptsig_asm_decodes_sighash);
	RUN(test_script_pubkey_objects);
	RUN(test_tx_json_shape);
	return test_done();
}
