/* Tests for bitcoin/address: every BIP173 and BIP350 segwit address
 * vector (tests/vectors/bip173-test-vectors.json and bip350-...), network
 * checks with their
 * error messages, and Base58 P2PKH/P2SH addresses. */
#include "bitcoin/address.h"
#include "bitcoin/base58.h"
#include "bitcoin/chainparams.h"
#include "bitcoin/script.h"
#include "tests/unit/vectors.h"

/* The hrp of an address: its lowercased prefix before the last '1'. */
static void hrp_of(char hrp[ADDRESS_MAX_LEN + 1], const char *addr)
{
	const char *sep = strrchr(addr, '1');
	size_t n = sep ? (size_t)(sep - addr) : 0;

	if (n > ADDRESS_MAX_LEN)
		n = 0;
	for (size_t i = 0; i < n; i++)
		hrp[i] = (addr[i] >= 'A' && addr[i] <= 'Z')
			? (char)(addr[i] - 'A' + 'a') : addr[i];
	hrp[n] = '\0';
}

/* Valid: decodes to the scriptPubKey given and re-encodes to the
 * lowercase address.  Returns the number of vectors; *superseded counts
 * BIP173 v1+ addresses that BIP350 made invalid (they must fail). */
static size_t check_valid(const json_t *vectors, int *superseded)
{
	const json_t *v;
	size_t k;

	json_array_foreach(vectors, k, v) {
		const char *addr = json_str(v, "address");
		const char *spk_hex = json_str(v, "script_pubkey");
		char hrp[ADDRESS_MAX_LEN + 1], err[ADDRESS_ERROR_LEN] = "";
		char again[ADDRESS_MAX_LEN + 1], lower[ADDRESS_MAX_LEN + 1];
		uint8_t program[40];
		size_t program_len;
		unsigned version;
		bool ok;

		hrp_of(hrp, addr);
		ok = segwit_address_decode(&version, program, &program_len,
					   err, hrp, addr);
		/* BIP350 replaced BIP173's checksum for v1+: those BIP173
		 * vectors must now be rejected. */
		if (superseded && spk_hex[0] != '0') {
			CHECK_MSG(!ok, "%s accepted", addr);
			CHECK_MSG(strstr(err, "bech32m") != NULL, "%s", err);
			(*superseded)++;
		} else {
			struct wirebuf *script = wirebuf_new();

			CHECK_MSG(ok, "%s: %s", addr, err);
			CHECK(script_witness_output(script, version, program,
						    program_len));
			CHECK(bytes_are(script->data, script->len, spk_hex));
			for (size_t i = 0; i <= strlen(addr); i++)
				lower[i] = (addr[i] >= 'A' && addr[i] <= 'Z')
					? (char)(addr[i] - 'A' + 'a') : addr[i];
			CHECK(segwit_address_encode(again, hrp, version,
						    program, program_len));
			CHECK_STREQ(again, lower);
			wirebuf_free(script);
		}
	}
	return json_array_size(vectors);
}

/* Invalid: rejected whichever network's hrp we expect, with a reason. */
static size_t check_invalid(const json_t *vectors)
{
	const json_t *v;
	size_t k;

	json_array_foreach(vectors, k, v) {
		const char *addr = json_str(v, "address");
		const char *hrps[] = { "bc", "tb", "bcrt" };

		for (size_t i = 0; i < 3; i++) {
			char err[ADDRESS_ERROR_LEN] = "";
			uint8_t program[40];
			size_t program_len;
			unsigned version;

			CHECK_MSG(!segwit_address_decode(&version, program,
							 &program_len, err,
							 hrps[i], addr),
				  "accepted %s (%s)", addr,
				  json_str(v, "reason"));
			CHECK(err[0] != '\0');
		}
	}
	return json_array_size(vectors);
}

static void test_bip173_segwit_address_vectors(void)
{
	json_t *root = vectors_load("bip173-test-vectors.json");
	int superseded = 0;

	CHECK(check_valid(json_object_get(root, "address_valid"), &superseded)
	      == 6);
	CHECK(superseded == 3);
	CHECK(check_invalid(json_object_get(root, "address_invalid")) == 10);
	json_decref(root);
}

static void test_bip350_segwit_address_vectors(void)
{
	json_t *root = vectors_load("bip350-test-vectors.json");

	CHECK(check_valid(json_object_get(root, "address_valid"), NULL) == 8);
	CHECK(check_invalid(json_object_get(root, "address_invalid")) == 15);
	json_decref(root);
}

/* BIP173's examples: pubkey 0279BE66...1798 as P2WPKH, and "key
 * OP_CHECKSIG" as P2WSH, for mainnet and testnet. */
static void test_bip173_examples_through_chainparams(void)
{
	static const struct {
		const char *network, *address, *script;
	} cases[] = {
		{ "bitcoin", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
		  "0014751e76e8199196d454941c45d1b3a323f1433bd6" },
		{ "testnet", "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx",
		  "0014751e76e8199196d454941c45d1b3a323f1433bd6" },
		{ "bitcoin", "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",
		  "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262" },
		{ "signet", "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
		  "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262" },
		/* The same key hash as legacy P2PKH on mainnet. */
		{ "bitcoin", "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH",
		  "76a914751e76e8199196d454941c45d1b3a323f1433bd688ac" },
		/* BOLT #3's funding vector coinbase address (regtest). */
		{ "regtest", "mm3aPLSv9fBrbS68JzurAMp4xGoddJ6pSf",
		  "76a9143ca33c2e4446f4a305f23c80df8ad1afdcf652f988ac" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct chainparams *params =
			chainparams_for_network(cases[i].network);
		struct wirebuf *script = wirebuf_new();
		char err[ADDRESS_ERROR_LEN] = "", back[ADDRESS_MAX_LEN + 1];

		CHECK_MSG(address_to_script(script, err, params,
					    cases[i].address), "%s: %s",
			  cases[i].address, err);
		CHECK(bytes_are(script->data, script->len, cases[i].script));
		CHECK(address_from_script(back, params, script->data,
					  script->len));
		CHECK_STREQ(back, cases[i].address);
		wirebuf_free(script);
	}
}

static void test_wrong_network_is_named(void)
{
	const struct chainparams *regtest = chainparams_for_network("regtest");
	const struct chainparams *bitcoin = chainparams_for_network("bitcoin");
	struct wirebuf *script = wirebuf_new();
	char err[ADDRESS_ERROR_LEN];

	CHECK(!address_to_script(script, err, regtest,
				 "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"));
	CHECK_STREQ(err, "address is for testnet, not regtest");
	CHECK(!address_to_script(script, err, bitcoin,
				 "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"));
	CHECK_STREQ(err, "address is for regtest, not bitcoin");
	CHECK(!address_to_script(script, err, bitcoin,
				 "mm3aPLSv9fBrbS68JzurAMp4xGoddJ6pSf"));
	CHECK_STREQ(err, "address is for testnet, not bitcoin");
	CHECK(!address_to_script(script, err, bitcoin,
				 "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"));
	CHECK_STREQ(err, "bad bech32 checksum");
	CHECK(!address_to_script(script, err, bitcoin,
				 "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMh"));
	CHECK_STREQ(err, "not a valid address: bad base58 checksum");
	CHECK(!address_to_script(script, err, bitcoin, ""));
	CHECK(!address_to_script(script, NULL, bitcoin, "0OIl"));
	/* Nothing was appended by any failure. */
	CHECK(script->len == 0);
	wirebuf_free(script);
}

static void test_regtest_segwit_roundtrip(void)
{
	const struct chainparams *regtest = chainparams_for_network("regtest");
	uint8_t program[32];
	char addr[ADDRESS_MAX_LEN + 1], err[ADDRESS_ERROR_LEN];
	struct wirebuf *script = wirebuf_new(), *back = wirebuf_new();

	memset(program, 0x5a, sizeof(program));
	/* v1 (Taproot) encodes with bech32m. */
	CHECK(script_witness_output(script, 1, program, 32));
	CHECK(address_from_script(addr, regtest, script->data, script->len));
	CHECK(strncmp(addr, "bcrt1p", 6) == 0);
	CHECK(address_to_script(back, err, regtest, addr));
	CHECK(back->len == script->len
	      && memcmp(back->data, script->data, back->len) == 0);
	/* Scripts without an address. */
	CHECK(!address_from_script(addr, regtest, (const uint8_t *)"\x6a", 1));
	/* v0 with a 21-byte program cannot be encoded. */
	CHECK(!segwit_address_encode(addr, "bc", 0, program, 21));
	CHECK(!segwit_address_encode(addr, "bc", 17, program, 20));
	wirebuf_free(script);
	wirebuf_free(back);
}

static void test_base58check(void)
{
	uint8_t payload[BASE58_MAX_PAYLOAD], zeros[3] = { 0, 0, 1 };
	char str[200];
	size_t len;
	const char *err;

	/* Leading zero bytes become leading '1's and back. */
	CHECK(base58_encode(str, sizeof(str), zeros, 3));
	CHECK_STREQ(str, "112");
	CHECK(base58_decode(payload, &len, sizeof(payload), "112"));
	CHECK(len == 3 && memcmp(payload, zeros, 3) == 0);
	CHECK(base58_encode(str, sizeof(str), zeros, 0));
	CHECK_STREQ(str, "");
	CHECK(!base58_decode(payload, &len, sizeof(payload), "0"));
	CHECK(!base58check_decode(payload, &len, sizeof(payload), "1", &err));
	CHECK_STREQ(err, "base58 string too short for a checksum");
	/* Output too small is refused. */
	CHECK(!base58_encode(str, 3, zeros, 3));
}

int main(void)
{
	RUN(test_bip173_segwit_address_vectors);
	RUN(test_bip350_segwit_address_vectors);
	RUN(test_bip173_examples_through_chainparams);
	RUN(test_wrong_network_is_named);
	RUN(test_regtest_segwit_roundtrip);
	RUN(test_base58check);
	return test_done();
}
