/* Reading bitcoind's answers: daemon/chain/chain_parse.c, on answers in
 * the shapes Bitcoin Core sends and on hostile ones. */
#include <string.h>

#include "daemon/chain/bitcoind.h"
#include "daemon/chain/chain_parse.h"
#include "daemon/chain/feerate.h"
#include "tests/unit/test.h"

static json_t *parse(const char *text)
{
	json_t *value = json_loads(text, JSON_DECODE_ANY, NULL);
	if (!value)
		test_bail_out("bad JSON in the test: %s", text);
	return value;
}

static enum bitcoind_answer_kind answer_of(const char *body, struct bitcoind_answer *a)
{
	return bitcoind_answer_parse(a, body, strlen(body));
}

static void test_answers(void)
{
	struct bitcoind_answer a;

	CHECK(answer_of("{\"result\":5,\"error\":null,\"id\":1}", &a) == BITCOIND_ANSWER_RESULT);
	CHECK(json_integer_value(a.result) == 5);
	json_decref(a.json);
	/* sendrawtransaction's refusals arrive as errors with Core's code. */
	CHECK(answer_of("{\"result\":null,\"error\":{\"code\":-26,\"message\":\"min relay fee not "
			"met\"},\"id\":2}", &a) == BITCOIND_ANSWER_ERROR);
	CHECK(a.code == BITCOIND_RPC_VERIFY_REJECTED && !a.result);
	CHECK_STREQ(a.message, "min relay fee not met");
	json_decref(a.json);
	CHECK(answer_of("{\"result\":null,\"error\":{\"code\":-28,\"message\":\"Loading\"}}", &a)
	      == BITCOIND_ANSWER_WARMUP);
	json_decref(a.json);
	CHECK(answer_of("{\"error\":{\"code\":9999999999999}}", &a) == BITCOIND_ANSWER_ERROR);
	CHECK(a.code > 0 && strcmp(a.message, "(no message)") == 0);
	json_decref(a.json);
	CHECK(answer_of("{\"id\":1}", &a) == BITCOIND_ANSWER_NO_RESULT);
	json_decref(a.json);
	CHECK(answer_of("[1]", &a) == BITCOIND_ANSWER_MALFORMED);
	json_decref(a.json);
	CHECK(answer_of("<html>", &a) == BITCOIND_ANSWER_MALFORMED);
	json_decref(a.json);
}

static void test_height_and_info(void)
{
	json_t *v;
	uint32_t height;
	const char *chain;
	bool is_syncing;

	v = parse("840000");
	CHECK(chain_parse_height(v, &height) && height == 840000);
	json_decref(v);
	v = parse("-1");
	CHECK(!chain_parse_height(v, &height));
	json_decref(v);
	v = parse("4294967296");
	CHECK(!chain_parse_height(v, &height));
	json_decref(v);
	v = parse("\"5\"");
	CHECK(!chain_parse_height(v, &height));
	json_decref(v);
	v = parse("{\"chain\":\"main\",\"blocks\":10,\"headers\":12}");
	chain_parse_chain_info(v, &chain, &is_syncing);
	CHECK(chain && strcmp(chain, "main") == 0 && is_syncing);
	json_decref(v);
	v = parse("{\"chain\":\"regtest\",\"blocks\":10,\"headers\":10,"
		  "\"initialblockdownload\":false}");
	chain_parse_chain_info(v, &chain, &is_syncing);
	CHECK(!is_syncing);
	json_decref(v);
}

static void test_block_fee_tx(void)
{
	json_t *v;
	uint8_t *raw;
	size_t len;
	uint32_t perkw;
	const char *why;
	struct bitcoin_tx *tx;

	v = parse("\"00ff\"");
	raw = chain_parse_block_hex(v, &len);
	CHECK(raw && len == 2 && raw[1] == 0xff);
	free(raw);
	json_decref(v);
	v = parse("\"0ff\"");
	CHECK(!chain_parse_block_hex(v, &len));
	json_decref(v);
	v = parse("\"zz\"");
	CHECK(!chain_parse_block_hex(v, &len));
	json_decref(v);
	/* 0.0002 BTC/kvB = 20000 sat/kvB = 5000 perkw. */
	v = parse("{\"feerate\":0.0002,\"blocks\":2}");
	CHECK(chain_parse_feerate(v, &perkw) && perkw == 5000);
	json_decref(v);
	v = parse("{\"errors\":[\"Insufficient data or no feerate found\"],\"blocks\":0}");
	CHECK(!chain_parse_feerate(v, &perkw));
	json_decref(v);
	v = parse("{\"feerate\":-1e308}");
	CHECK(chain_parse_feerate(v, &perkw) && perkw == FEERATE_FLOOR_PERKW);
	json_decref(v);
	v = parse("\"0100000001000000000000000000000000000000000000000000000000000000000000"
		  "0000ffffffff00ffffffff0100e1f50500000000160014000000000000000000000000000000"
		  "000000000000000000\"");
	tx = chain_parse_tx(v, &why);
	CHECK(tx != NULL);
	bitcoin_tx_free(tx);
	json_decref(v);
	v = parse("12");
	why = NULL;
	CHECK(!chain_parse_tx(v, &why) && why);
	json_decref(v);
}

static void test_txout(void)
{
	struct txout_result out;
	struct bitcoin_txid txid;
	const char *err = NULL;
	json_t *v;

	memset(&out, 0, sizeof(out));
	v = parse("{\"bestblock\":\"00\",\"confirmations\":6,\"value\":0.00100001,"
		  "\"scriptPubKey\":{\"hex\":\"0014" "0000000000000000000000000000000000000000\"}}");
	CHECK(chain_parse_txout(v, &out) && !out.is_spent);
	CHECK(out.amount_sat == 100001 && out.depth == 6 && out.script_len == 22);
	json_decref(v);
	memset(&out, 0, sizeof(out));
	v = parse("null");
	CHECK(chain_parse_txout(v, &out) && out.is_spent);
	json_decref(v);
	v = parse("{\"confirmations\":6,\"value\":\"1\",\"scriptPubKey\":{\"hex\":\"00\"}}");
	CHECK(!chain_parse_txout(v, &out));
	json_decref(v);
	v = parse("{\"tx\":[\"4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b\"]}");
	CHECK(chain_parse_block_txid(v, 0, &txid, &err) == 1);
	CHECK(txid.shad.sha.u8[0] == 0x3b);	/* shown reversed */
	CHECK(chain_parse_block_txid(v, 1, &txid, &err) == 0);
	json_decref(v);
	v = parse("{\"tx\":[12]}");
	CHECK(chain_parse_block_txid(v, 0, &txid, &err) == -1 && err);
	json_decref(v);
}

/* A gettxout answer no bitcoind sends: more bitcoin than exist, or more
 * confirmations than a uint32 holds, is refused, not wrapped (a value of
 * 1e20 BTC was a float-to-integer overflow: undefined behaviour). */
static void test_txout_out_of_range(void)
{
	static const char *const bad[] = {
		"{\"confirmations\":1,\"value\":21000000.00000001,\"scriptPubKey\":{\"hex\":\"00\"}}",
		"{\"confirmations\":1,\"value\":1e20,\"scriptPubKey\":{\"hex\":\"00\"}}",
		"{\"confirmations\":1,\"value\":1e300,\"scriptPubKey\":{\"hex\":\"00\"}}",
		"{\"confirmations\":4294967297,\"value\":1,\"scriptPubKey\":{\"hex\":\"00\"}}",
	};
	struct txout_result out;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *v = parse(bad[i]);
		memset(&out, 0, sizeof(out));
		CHECK_MSG(!chain_parse_txout(v, &out), "%s", bad[i]);
		json_decref(v);
	}
}

int main(void)
{
	RUN(test_answers);
	RUN(test_height_and_info);
	RUN(test_block_fee_tx);
	RUN(test_txout);
	RUN(test_txout_out_of_range);
	return test_done();
}
