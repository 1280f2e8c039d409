/* Tests for bitcoin/script: minimal pushes, CScriptNum, templates (BIP173
 * examples, BOLT #3 funding and to_local scripts), recognition and
 * parsing. */
#include "bitcoin/script.h"
#include "crypto/secp.h"
#include "tests/unit/keys.h"

static secp256k1_context *ctx;

/* script_push_data(data, len) is want_prefix, then data unless the
 * prefix is a single opcode standing for the value (OP_0, OP_N). */
static bool push_is(const uint8_t *data, size_t len, const char *want_prefix,
		    bool data_follows)
{
	struct wirebuf *s = wirebuf_new();
	size_t plen;
	uint8_t *prefix = hex_to_bytes(want_prefix, &plen);
	bool ok;

	script_push_data(s, data, len);
	ok = s->len == plen + (data_follows ? len : 0)
		&& memcmp(s->data, prefix, plen) == 0
		&& (!data_follows || memcmp(s->data + plen, data, len) == 0);
	wirebuf_free(s);
	free(prefix);
	return ok;
}

static void test_minimal_push(void)
{
	static uint8_t big[70000];
	uint8_t b;

	CHECK(push_is(NULL, 0, "00", false));
	b = 1;
	CHECK(push_is(&b, 1, "51", false));
	b = 16;
	CHECK(push_is(&b, 1, "60", false));
	b = 0x81;
	CHECK(push_is(&b, 1, "4f", false));
	/* 0 and 17 are plain one-byte pushes. */
	b = 0;
	CHECK(push_is(&b, 1, "01", true));
	b = 17;
	CHECK(push_is(&b, 1, "01", true));
	CHECK(push_is(big, 2, "02", true));
	CHECK(push_is(big, 75, "4b", true));
	CHECK(push_is(big, 76, "4c4c", true));
	CHECK(push_is(big, 255, "4cff", true));
	CHECK(push_is(big, 256, "4d0001", true));
	CHECK(push_is(big, 65535, "4dffff", true));
	CHECK(push_is(big, 65536, "4e00000100", true));
}

static void test_scriptnum(void)
{
	static const struct {
		int64_t n;
		const char *bytes;	/* CScriptNum encoding */
		const char *push;	/* script_push_num output */
	} cases[] = {
		{ 0, "", "00" },
		{ 1, "01", "51" },
		{ -1, "81", "4f" },
		{ 16, "10", "60" },
		{ 17, "11", "0111" },
		{ -2, "82", "0182" },
		{ 127, "7f", "017f" },
		{ 128, "8000", "028000" },
		{ -128, "8080", "028080" },
		{ 144, "9000", "029000" },	/* BOLT #3 to_self_delay */
		{ 255, "ff00", "02ff00" },
		{ 256, "0001", "020001" },
		{ 32767, "ff7f", "02ff7f" },
		{ 32768, "008000", "03008000" },
		{ -32768, "008080", "03008080" },
		{ 500000000, "0065cd1d", "040065cd1d" },	/* a CLTV time */
		{ 2147483647, "ffffff7f", "04ffffff7f" },
		{ 4294967295LL, "ffffffff00", "05ffffffff00" },	/* CSV max */
		{ INT64_MAX, "ffffffffffffff7f", "08ffffffffffffff7f" },
		{ INT64_MIN, "000000000000008080", "09000000000000008080" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t out[9];
		size_t len = scriptnum_encode(out, cases[i].n), want_len;
		uint8_t *want = hex_to_bytes(cases[i].bytes, &want_len);
		struct wirebuf *s = wirebuf_new();
		int64_t back;

		CHECK_MSG(len == want_len && memcmp(out, want, len) == 0,
			  "n=%lld", (long long)cases[i].n);
		script_push_num(s, cases[i].n);
		CHECK(bytes_are(s->data, s->len, cases[i].push));
		if (len <= 8) {
			CHECK(scriptnum_decode(&back, out, len, 8, true));
			CHECK(back == cases[i].n);
		}
		wirebuf_free(s);
		free(want);
	}
	{
		/* Non-minimal encodings, and the length limit. */
		const uint8_t zero[] = { 0x00 }, negzero[] = { 0x80 };
		const uint8_t one_padded[] = { 0x01, 0x00 };
		const uint8_t ok_pad[] = { 0x80, 0x00 }, five[] = { 1, 2, 3, 4, 5 };
		int64_t v;

		CHECK(!scriptnum_decode(&v, zero, 1, 4, true));
		CHECK(scriptnum_decode(&v, zero, 1, 4, false) && v == 0);
		CHECK(!scriptnum_decode(&v, negzero, 1, 4, true));
		CHECK(!scriptnum_decode(&v, one_padded, 2, 4, true));
		CHECK(scriptnum_decode(&v, ok_pad, 2, 4, true) && v == 128);
		CHECK(!scriptnum_decode(&v, five, 5, 4, true));
		CHECK(scriptnum_decode(&v, five, 5, SCRIPTNUM_MAX_LEN, true));
		CHECK(v == 0x0504030201LL);
	}
}

/* BIP173's examples use the key 0279BE66...1798 (the generator). */
static void test_templates_bip173_examples(void)
{
	struct pubkey g = pubkey_from_hex(ctx, "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
	struct wirebuf *s = wirebuf_new(), *ws = wirebuf_new();

	script_p2wpkh_for_pubkey(s, ctx, &g);
	CHECK(bytes_are(s->data, s->len, "0014751e76e8199196d454941c45d1b3a323f1433bd6"));
	CHECK(script_is_p2wpkh(s->data, s->len));
	wirebuf_reset(s);
	script_p2pkh_for_pubkey(s, ctx, &g);
	CHECK(bytes_are(s->data, s->len, "76a914751e76e8199196d454941c45d1b3a323f1433bd688ac"));
	CHECK(script_is_p2pkh(s->data, s->len));
	/* "key OP_CHECKSIG" as P2WSH. */
	script_push_pubkey(ws, ctx, &g);
	script_push_op(ws, OP_CHECKSIG);
	wirebuf_reset(s);
	script_p2wsh_for_witness_script(s, ws->data, ws->len);
	CHECK(bytes_are(s->data, s->len, "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262"));
	CHECK(script_is_p2wsh(s->data, s->len));
	CHECK(!script_is_p2wpkh(s->data, s->len));
	/* P2SH of the same script: HASH160 <20> EQUAL. */
	wirebuf_reset(s);
	script_p2sh_for_redeem_script(s, ws->data, ws->len);
	CHECK(s->len == SCRIPT_P2SH_LEN && script_is_p2sh(s->data, s->len));
	CHECK(!script_is_p2pkh(s->data, s->len));
	wirebuf_free(s);
	wirebuf_free(ws);
}

/* BOLT #3: the funding script sorts its keys; to_local is built from the
 * CSV building blocks. */
static void test_bolt3_scripts(void)
{
	json_t *root = vectors_load("bolt03-commitment-tx.json");
	json_t *common = json_object_get(root, "common");
	json_t *first = json_array_get(json_object_get(root, "tests"), 0);
	json_t *outputs = json_object_get(first, "outputs"), *o;
	const char *want_to_local = NULL;
	struct pubkey local, remote, revocation, delayed;
	struct wirebuf *s = wirebuf_new();
	size_t i;

	local = pubkey_from_hex(ctx, json_str(common, "local_funding_pubkey"));
	remote = pubkey_from_hex(ctx, json_str(common, "remote_funding_pubkey"));
	revocation = pubkey_from_hex(ctx,
				     json_str(common, "local_revocation_pubkey"));
	delayed = pubkey_from_hex(ctx, json_str(common, "local_delayedpubkey"));
	script_funding_2of2(s, ctx, &local, &remote);
	CHECK(bytes_are(s->data, s->len,
			json_str(common, "funding_witness_script")));
	wirebuf_reset(s);
	script_funding_2of2(s, ctx, &remote, &local);
	CHECK(bytes_are(s->data, s->len,
			json_str(common, "funding_witness_script")));

	/* OP_IF <revocationpubkey> OP_ELSE `to_self_delay`
	 * OP_CHECKSEQUENCEVERIFY OP_DROP <local_delayedpubkey> OP_ENDIF
	 * OP_CHECKSIG */
	json_array_foreach(outputs, i, o)
		if (strcmp(json_str(o, "type"),
			   "to_local") == 0)
			want_to_local = json_str(o, "witness_script");
	wirebuf_reset(s);
	script_push_op(s, OP_IF);
	script_push_pubkey(s, ctx, &revocation);
	script_push_op(s, OP_ELSE);
	script_push_num(s, json_integer_value(json_object_get(common,
							      "local_delay")));
	script_push_op(s, OP_CHECKSEQUENCEVERIFY);
	script_push_op(s, OP_DROP);
	script_push_pubkey(s, ctx, &delayed);
	script_push_op(s, OP_ENDIF);
	script_push_op(s, OP_CHECKSIG);
	CHECK(want_to_local && bytes_are(s->data, s->len, want_to_local));
	wirebuf_free(s);
	json_decref(root);
}

static bool program_of(const char *hex, unsigned *version, size_t *len)
{
	size_t n;
	uint8_t *s = hex_to_bytes(hex, &n);
	const uint8_t *program;
	bool ok = script_witness_program(version, &program, len, s, n);

	CHECK(!ok || program == s + 2);
	free(s);
	return ok;
}

static void test_witness_program_recognition(void)
{
	unsigned v;
	size_t len;
	uint8_t key[32] = { 1 };
	struct wirebuf *s = wirebuf_new();

	CHECK(program_of("0014751e76e8199196d454941c45d1b3a323f1433bd6", &v, &len));
	CHECK(v == 0 && len == 20);
	CHECK(program_of("6002751e", &v, &len) && v == 16 && len == 2);
	/* BIP141 footnote: OP_0 with a 40-byte push is a (v0, invalid
	 * length) witness program; with 41 bytes it is not one. */
	CHECK(program_of("0028" "00000000000000000000000000000000000000000000000000000000000000000000000000000000",
			 &v, &len) && len == 40);
	CHECK(!program_of("0029" "0000000000000000000000000000000000000000000000000000000000000000000000000000000000",
			  &v, &len));
	CHECK(!program_of("0001ff", &v, &len));
	CHECK(!program_of("4f02ffff", &v, &len));	/* OP_1NEGATE */
	CHECK(!program_of("00144c14751e76e8199196d454941c45d1b3a323f1433b", &v, &len));
	CHECK(!program_of("", &v, &len));
	script_p2tr(s, key);
	CHECK(script_is_p2tr(s->data, s->len));
	CHECK(!script_is_p2wsh(s->data, s->len));
	CHECK(!script_witness_output(s, 17, key, 32));
	CHECK(!script_witness_output(s, 1, key, 1));
	CHECK(!script_witness_output(s, 1, key, 41));
	CHECK(s->len == SCRIPT_P2TR_LEN);
	CHECK(script_is_op_return((const uint8_t *)"\x6a\x01\x00", 3));
	CHECK(!script_is_op_return(NULL, 0));
	wirebuf_free(s);
}

static void test_get_op_and_push_only(void)
{
	size_t n;
	uint8_t *s = hex_to_bytes("004c02abcd4d0100ff4e01000000ee5187", &n);
	const uint8_t *cursor = s, *data;
	size_t max = n, len;
	uint8_t op;

	CHECK(script_get_op(&cursor, &max, &op, &data, &len));
	CHECK(op == OP_0 && len == 0);
	CHECK(script_get_op(&cursor, &max, &op, &data, &len));
	CHECK(op == OP_PUSHDATA1 && len == 2 && data[0] == 0xab);
	CHECK(script_get_op(&cursor, &max, &op, &data, &len));
	CHECK(op == OP_PUSHDATA2 && len == 1 && data[0] == 0xff);
	CHECK(script_get_op(&cursor, &max, &op, &data, &len));
	CHECK(op == OP_PUSHDATA4 && len == 1 && data[0] == 0xee);
	CHECK(script_get_op(&cursor, &max, &op, &data, &len) && op == OP_1);
	CHECK(script_get_op(&cursor, &max, &op, &data, &len) && op == OP_EQUAL);
	CHECK(max == 0);
	CHECK(!script_is_push_only(s, n));
	CHECK(script_is_push_only(s, n - 1));
	/* Truncated pushes fail. */
	CHECK(!script_is_push_only((const uint8_t *)"\x4c", 1));
	CHECK(!script_is_push_only((const uint8_t *)"\x4d\x05\x00\x01", 4));
	CHECK(!script_is_push_only((const uint8_t *)"\x4e\xff\xff\xff\xff", 5));
	CHECK(!script_is_push_only((const uint8_t *)"\x02\x01", 2));
	free(s);
}

int main(void)
{
	ctx = keys_context_new();
	RUN(test_minimal_push);
	RUN(test_scriptnum);
	RUN(test_templates_bip173_examples);
	RUN(test_bolt3_scripts);
	RUN(test_witness_program_recognition);
	RUN(test_get_op_and_push_only);
	crypto_secp_context_destroy(ctx);
	return test_done();
}
