/* Fuzz target: what bitcoind (or whatever answers on its port) sends the
 * chain client: the body of an HTTP answer (bitcoind_answer_parse()),
 * then its result as the answer to one of the calls ohmd makes
 * (daemon/chain/chain_parse.h): getblockcount, getblockchaininfo,
 * getblock(hash, 0), estimatesmartfee, getrawtransaction, gettxout,
 * getblock(hash, 1).  Errors (sendrawtransaction's among them) are the
 * answer parser's: a code and a message.
 *
 * Input: byte 0 picks the call (modulo their number), the rest is the
 * body.  What a parser accepts must be what the answer said: the height
 * is the number, the block and transaction bytes encode back to the hex
 * given, the feerate is at least the floor, an unspent output holds at
 * most 21 million bitcoin and its depth is the confirmations given, a
 * txid is the one listed. */
#include <jansson.h>
#include <string.h>
#include <strings.h>

#include "common/hex.h"
#include "daemon/chain/bitcoind.h"
#include "daemon/chain/chain_parse.h"
#include "daemon/chain/feerate.h"
#include "tests/fuzz/fuzz.h"

enum call {
	CALL_BLOCKCOUNT, CALL_CHAININFO, CALL_BLOCK_RAW, CALL_FEE, CALL_RAWTX, CALL_TXOUT,
	CALL_BLOCK_TXIDS, NUM_CALLS
};

const struct fuzz_seed fuzz_seeds[] = {
	/* 00 {"result":120,"error":null,"id":1} */
	{"007b22726573756c74223a3132302c226572726f72223a6e756c6c2c226964223a317d"},
	/* 01 {"result":{"chain":"regtest","blocks":101,"headers":101,"initialblockdownload":false},"error":null,"id":2} */
	{"017b22726573756c74223a7b22636861696e223a2272656774657374222c22626c6f636b73223a313031"
	 "2c2268656164657273223a3130312c22696e697469616c626c6f636b646f776e6c6f6164223a66616c73"
	 "657d2c226572726f72223a6e756c6c2c226964223a327d"},
	/* 02 {"result":"<regtest genesis block>",...} */
	{"027b22726573756c74223a22303130303030303030303030303030303030303030303030303030303030"
	 "303030303030303030303030303030303030303030303030303030303030303030303030303030303030"
	 "336261336564666437613762313262323761633732633365363737363866363137666338316263333838"
	 "386135313332336139666238616134623165356534616461653534393464666666663766323030323030"
	 "303030303031303130303030303030313030303030303030303030303030303030303030303030303030"
	 "303030303030303030303030303030303030303030303030303030303030303030303030303066666666"
	 "666666663464303466666666303031643031303434353534363836353230353436393664363537333230"
	 "333033333266346136313665326633323330333033393230343336383631366536333635366336633666"
	 "373232303666366532303632373236393665366232303666363632303733363536333666366536343230"
	 "363236313639366336663735373432303636366637323230363236313665366237336666666666666666"
	 "303130306632303532613031303030303030343334313034363738616664623066653535343832373139"
	 "363766316136373133306237313035636436613832386530333930396136373936326530656131663631"
	 "646562363439663662633366346365663338633466333535303465353165633131326465356333383464"
	 "663762613062386435373861346337303262366266313164356661633030303030303030222c22657272"
	 "6f72223a6e756c6c2c226964223a337d"},
	/* 03 {"result":{"feerate":0.00012,"blocks":2},"error":null,"id":4} */
	{"037b22726573756c74223a7b2266656572617465223a302e30303031322c22626c6f636b73223a327d2c"
	 "226572726f72223a6e756c6c2c226964223a347d"},
	/* 04 {"result":"<a one-input, one-output transaction>",...} */
	{"047b22726573756c74223a22303130303030303030313030303030303030303030303030303030303030"
	 "303030303030303030303030303030303030303030303030303030303030303030303030303030303030"
	 "303066666666666666663030666666666666666630313030653166353035303030303030303031363030"
	 "313430303030303030303030303030303030303030303030303030303030303030303030303030303030"
	 "3030303030303030222c226572726f72223a6e756c6c2c226964223a357d"},
	/* 05 {"result":{"confirmations":6,"value":0.5,"scriptPubKey":{"hex":"0020..."}},...} */
	{"057b22726573756c74223a7b2262657374626c6f636b223a223030222c22636f6e6669726d6174696f6e"
	 "73223a362c2276616c7565223a302e352c227363726970745075624b6579223a7b22686578223a223030"
	 "323030303030303030303030303030303030303030303030303030303030303030303030303030303030"
	 "303030303030303030303030303030303030303030303030227d7d2c226572726f72223a6e756c6c2c22"
	 "6964223a367d"},
	/* 06 {"result":{"tx":["<genesis coinbase txid>"]},...} */
	{"067b22726573756c74223a7b2268617368223a223030222c227478223a5b223461356531653462616162"
	 "383966336133323531386138386333316263383766363138663736363733653263633737616232313237"
	 "6237616664656461333362225d7d2c226572726f72223a6e756c6c2c226964223a377d"},
	/* 04 {"result":null,"error":{"code":-26,"message":"min relay fee not met"},"id":8} */
	{"047b22726573756c74223a6e756c6c2c226572726f72223a7b22636f6465223a2d32362c226d65737361"
	 "6765223a226d696e2072656c617920666565206e6f74206d6574227d2c226964223a387d"},
	/* 04 {"result":null,"error":{"code":-27,"message":"Transaction already in block chain"},"id":9} */
	{"047b22726573756c74223a6e756c6c2c226572726f72223a7b22636f6465223a2d32372c226d65737361"
	 "6765223a225472616e73616374696f6e20616c726561647920696e20626c6f636b20636861696e227d2c"
	 "226964223a397d"},
	/* 00 {"result":null,"error":{"code":-28,"message":"Loading block index..."},"id":10} */
	{"007b22726573756c74223a6e756c6c2c226572726f72223a7b22636f6465223a2d32382c226d65737361"
	 "6765223a224c6f6164696e6720626c6f636b20696e6465782e2e2e227d2c226964223a31307d"},
	/* 05 {"result":null,"error":null,"id":11} */
	{"057b22726573756c74223a6e756c6c2c226572726f72223a6e756c6c2c226964223a31317d"},
};
const size_t fuzz_num_seeds = sizeof(fuzz_seeds) / sizeof(fuzz_seeds[0]);

static void check_result(enum call call, const json_t *result)
{
	struct txout_result out = {0};
	struct bitcoin_txid txid;
	struct bitcoin_tx *tx;
	const char *why = NULL, *chain;
	uint32_t height, perkw;
	bool is_syncing;
	uint8_t *raw;
	size_t len;
	char *hex;

	switch (call) {
	case CALL_BLOCKCOUNT:
		if (chain_parse_height(result, &height))
			FUZZ_CHECK(json_integer_value(result) == (json_int_t)height);
		break;
	case CALL_CHAININFO:
		chain_parse_chain_info(result, &chain, &is_syncing);
		FUZZ_CHECK(!chain || json_is_object(result));
		break;
	case CALL_BLOCK_RAW:
		raw = chain_parse_block_hex(result, &len);
		if (raw) {
			FUZZ_CHECK(len * 2 == json_string_length(result));
			hex = malloc(len * 2 + 1);
			hex_encode(hex, raw, len);
			FUZZ_CHECK(strcasecmp(hex, json_string_value(result)) == 0);
			free(hex);
			free(raw);
		}
		break;
	case CALL_FEE:
		if (chain_parse_feerate(result, &perkw))
			FUZZ_CHECK(perkw >= FEERATE_FLOOR_PERKW);
		break;
	case CALL_RAWTX:
		tx = chain_parse_tx(result, &why);
		if (tx) {
			hex = bitcoin_tx_to_hex(tx);
			FUZZ_CHECK(hex && strcasecmp(hex, json_string_value(result)) == 0);
			free(hex);
			bitcoin_tx_free(tx);
		} else {
			FUZZ_CHECK(why);
		}
		break;
	case CALL_TXOUT:
		if (chain_parse_txout(result, &out) && !out.is_spent) {
			const json_t *confirmations = json_object_get(result, "confirmations");
			FUZZ_CHECK(out.amount_sat <= BITCOIN_MAX_SATOSHIS);
			FUZZ_CHECK(out.script_len <= TXOUT_SCRIPT_MAX);
			FUZZ_CHECK(json_integer_value(confirmations) <= 0
				   ? out.depth == 0
				   : (json_int_t)out.depth == json_integer_value(confirmations));
		}
		break;
	case CALL_BLOCK_TXIDS:
		switch (chain_parse_block_txid(result, 0, &txid, &why)) {
		case 1: {
			char txid_hex[65];
			const char *given = json_string_value(
				json_array_get(json_object_get(result, "tx"), 0));
			FUZZ_CHECK(strcasecmp(bitcoin_txid_to_hex(txid_hex, &txid), given) == 0);
			break;
		}
		case 0:
			FUZZ_CHECK(json_array_size(json_object_get(result, "tx")) == 0);
			break;
		default:
			FUZZ_CHECK(why);
		}
		break;
	case NUM_CALLS:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bitcoind_answer answer;

	if (size < 1)
		return 0;
	switch (bitcoind_answer_parse(&answer, (const char *)data + 1, size - 1)) {
	case BITCOIND_ANSWER_RESULT:
		FUZZ_CHECK(answer.result && json_is_object(answer.json));
		check_result((enum call)(data[0] % NUM_CALLS), answer.result);
		break;
	case BITCOIND_ANSWER_WARMUP:
		FUZZ_CHECK(answer.code == BITCOIND_RPC_IN_WARMUP && answer.message);
		break;
	case BITCOIND_ANSWER_ERROR:
		FUZZ_CHECK(answer.code != BITCOIND_RPC_IN_WARMUP && answer.message);
		FUZZ_CHECK(!answer.result);
		break;
	case BITCOIND_ANSWER_NO_RESULT:
		FUZZ_CHECK(!answer.result && json_is_object(answer.json));
		break;
	case BITCOIND_ANSWER_MALFORMED:
		FUZZ_CHECK(!json_is_object(answer.json));
		break;
	}
	json_decref(answer.json);
	return 0;
}
