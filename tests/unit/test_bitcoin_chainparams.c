/* Tests for bitcoin/chainparams: the chain hashes BOLT #0 defines. */
#include "bitcoin/chainparams.h"
#include "common/hex.h"
#include "tests/unit/test.h"

#include <sodium.h>

/* The regtest genesis block header; its double SHA-256 is the chain hash. */
static const char regtest_genesis_header[] =
	"0100000000000000000000000000000000000000000000000000000000000000"
	"000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa"
	"4b1e5e4adae5494dffff7f2002000000";

static void test_regtest_chain_hash_is_genesis_hash(void)
{
	uint8_t header[80], once[32], twice[32];
	const struct chainparams *regtest = chainparams_for_network("regtest");

	CHECK(regtest != NULL);
	CHECK(hex_decode(header, sizeof(header), regtest_genesis_header,
			 strlen(regtest_genesis_header)));
	crypto_hash_sha256(once, header, sizeof(header));
	crypto_hash_sha256(twice, once, sizeof(once));
	CHECK_MEMEQ(regtest->chain_hash, twice, 32);
}

/* BOLT #0: "chain_hash ... in internal byte order"; for bitcoin that is
 * 6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000. */
static void test_bitcoin_chain_hash_internal_order(void)
{
	const struct chainparams *bitcoin = chainparams_for_network("bitcoin");
	char hex[65];

	CHECK(bitcoin != NULL);
	CHECK_STREQ(hex_encode(hex, bitcoin->chain_hash, 32),
		    "6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000");
	CHECK(chainparams_by_chain_hash(bitcoin->chain_hash) == bitcoin);
}

static void test_unknown_network(void)
{
	uint8_t zero[32] = {0};

	CHECK(chainparams_for_network("mainnet") == NULL);
	CHECK(chainparams_by_chain_hash(zero) == NULL);
	CHECK_STREQ(chainparams_for_network("signet")->bip173_hrp, "tb");
}

int main(void)
{
	RUN(test_regtest_chain_hash_is_genesis_hash);
	RUN(test_bitcoin_chain_hash_internal_order);
	RUN(test_unknown_network);
	return test_done();
}
