/* The wallet's key derivation and signing: daemon/wallet/wallet_keys.c, against
 * the BIP84 and BIP86 test vectors and independent signature checks. */
#include <stdlib.h>

#include "bitcoin/address.h"
#include "bitcoin/script.h"
#include "bitcoin/sighash.h"
#include "bitcoin/signature.h"
#include "bitcoin/taproot.h"
#include "channel/keys.h"
#include "common/hex.h"
#include "crypto/hash.h"
#include "crypto/ripemd160.h"
#include "crypto/secp.h"
#include "daemon/wallet/wallet_keys.h"
#include "tests/unit/test.h"

/* BIP39 seed of "abandon abandon ... abandon about", no passphrase: the
 * seed behind the BIP84 and BIP86 vectors. */
static const char abandon_seed[] =
	"5eb00bbddcf069084889a8ab9155568165f5c453ccb85e70811aaed6f6da5fc1"
	"9a5ac40b389cd370d086206dec8aa6c43daea6690f20ad3d8d48b2d2ce9e38e4";

static secp256k1_context *ctx;

static void abandon_keys(struct wallet_keys *keys, const char *network)
{
	uint8_t seed[64];

	CHECK(hex_decode(seed, sizeof(seed), abandon_seed, 128));
	CHECK(wallet_keys_from_seed(ctx, keys, seed, sizeof(seed),
				    chainparams_for_network(network)));
}

static void check_address(const struct wallet_keys *keys, const char *network,
			  enum wallet_addrtype type, bool is_change, uint32_t index,
			  const char *expected)
{
	struct wallet_key_path path = {type, is_change, index};
	struct wirebuf *script = wirebuf_new();
	char address[ADDRESS_MAX_LEN + 1] = "";

	CHECK(wallet_keys_script(ctx, script, keys, &path));
	CHECK(address_from_script(address, chainparams_for_network(network), script->data,
				  script->len));
	CHECK_STREQ(address, expected);
	wirebuf_free(script);
}

static void test_bip84_vectors(void)
{
	struct wallet_keys keys;

	abandon_keys(&keys, "bitcoin");
	check_address(&keys, "bitcoin", WALLET_P2WPKH, false, 0,
		      "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu");
	check_address(&keys, "bitcoin", WALLET_P2WPKH, false, 1,
		      "bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g");
	check_address(&keys, "bitcoin", WALLET_P2WPKH, true, 0,
		      "bc1q8c6fshw2dlwun7ekn9qwf37cu2rn755upcp6el");
	wallet_keys_wipe(&keys);
}

static void test_bip86_vector(void)
{
	struct wallet_keys keys;
	struct wallet_key_path path = {WALLET_P2TR, false, 0};
	struct wirebuf *script = wirebuf_new();
	uint8_t output_key[32];

	abandon_keys(&keys, "bitcoin");
	/* BIP86: m/86'/0'/0'/0/0. */
	check_address(&keys, "bitcoin", WALLET_P2TR, false, 0,
		      "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr");
	CHECK(wallet_keys_script(ctx, script, &keys, &path));
	CHECK(script->len == 34 && script->data[0] == OP_1 && script->data[1] == 32);
	CHECK(hex_decode(output_key, 32,
			 "a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c", 64));
	CHECK_MEMEQ(script->data + 2, output_key, 32);
	wirebuf_free(script);
	wallet_keys_wipe(&keys);
}

static void test_test_networks_use_coin_type_1(void)
{
	struct wallet_keys main_keys, test_keys;
	struct wallet_key_path path = {WALLET_P2WPKH, false, 0};
	struct wirebuf *a = wirebuf_new(), *b = wirebuf_new();
	char text[64];

	abandon_keys(&main_keys, "bitcoin");
	abandon_keys(&test_keys, "regtest");
	CHECK(wallet_keys_script(ctx, a, &main_keys, &path));
	CHECK(wallet_keys_script(ctx, b, &test_keys, &path));
	CHECK(a->len == b->len && memcmp(a->data, b->data, a->len) != 0);
	wallet_key_path_text(text, &path, chainparams_for_network("regtest"));
	CHECK_STREQ(text, "m/84'/1'/0'/0/0");
	path = (struct wallet_key_path){WALLET_P2TR, true, 7};
	wallet_key_path_text(text, &path, chainparams_for_network("bitcoin"));
	CHECK_STREQ(text, "m/86'/0'/0'/1/7");
	wirebuf_free(a);
	wirebuf_free(b);
	wallet_keys_wipe(&main_keys);
	wallet_keys_wipe(&test_keys);
}

static void test_seed_is_hkdf_of_node_secret(void)
{
	uint8_t node_secret[32], seed[32], expected[32];
	struct wallet_keys from_secret, from_seed;
	struct wallet_key_path path = {WALLET_P2WPKH, false, 3};
	struct wirebuf *a = wirebuf_new(), *b = wirebuf_new();
	const struct chainparams *regtest = chainparams_for_network("regtest");

	memset(node_secret, 0x11, sizeof(node_secret));
	wallet_keys_seed(seed, node_secret);
	CHECK(hkdf_sha256(expected, 32, NULL, 0, node_secret, 32, "ohm wallet bip32 seed v1", 24));
	CHECK_MEMEQ(seed, expected, 32);
	/* The label separates the wallet from anything else derived from
	 * the node secret. */
	CHECK(memcmp(seed, node_secret, 32) != 0);

	CHECK(wallet_keys_init(ctx, &from_secret, node_secret, regtest));
	CHECK(wallet_keys_from_seed(ctx, &from_seed, seed, sizeof(seed), regtest));
	CHECK(wallet_keys_script(ctx, a, &from_secret, &path));
	CHECK(wallet_keys_script(ctx, b, &from_seed, &path));
	CHECK(a->len == b->len && memcmp(a->data, b->data, a->len) == 0);
	wirebuf_free(a);
	wirebuf_free(b);
	wallet_keys_wipe(&from_secret);
	wallet_keys_wipe(&from_seed);
}

/* A transaction spending a P2WPKH coin and a P2TR coin of keys. */
static struct bitcoin_tx *two_input_tx(const struct wallet_keys *keys, struct wallet_spend *spends,
				       struct wirebuf *scripts[2])
{
	struct bitcoin_tx *tx = bitcoin_tx_new(2, 100);
	struct bitcoin_outpoint outpoint;
	uint8_t dest[22] = {OP_0, 20, 7, 7, 7};

	for (size_t i = 0; i < 2; i++) {
		memset(&outpoint, (int)i + 1, sizeof(outpoint.txid));
		outpoint.vout = (uint32_t)i;
		bitcoin_tx_add_input(tx, &outpoint, 0xfffffffd);
		spends[i].path = (struct wallet_key_path){i ? WALLET_P2TR : WALLET_P2WPKH, i == 1, 5};
		spends[i].amount_sat = 100000 * (i + 1);
		CHECK(wallet_keys_script(ctx, scripts[i], keys, &spends[i].path));
		spends[i].script = scripts[i]->data;
		spends[i].script_len = scripts[i]->len;
	}
	bitcoin_tx_add_output(tx, 250000, dest, sizeof(dest));
	return tx;
}

static void test_signatures_verify(void)
{
	struct wallet_keys keys;
	struct wallet_spend spends[2] = {0};
	struct wirebuf *scripts[2] = {wirebuf_new(), wirebuf_new()};
	uint8_t aux[2][32] = {{1}, {2}};
	struct bitcoin_tx *tx;
	struct bitcoin_tx_output spent[2];
	struct bitcoin_signature sig;
	struct pubkey pubkey;
	struct ripemd160 key_hash;
	struct wirebuf *script_code = wirebuf_new();
	struct sha256 sighash;
	struct xonly_pubkey output_key;

	abandon_keys(&keys, "regtest");
	tx = two_input_tx(&keys, spends, scripts);
	CHECK(wallet_keys_sign_tx(ctx, tx, &keys, spends, (const uint8_t (*)[32])aux));

	/* P2WPKH: witness <sig> <pubkey>; pubkey hashes to the program and
	 * the signature verifies over the BIP143 digest. */
	CHECK(tx->inputs[0].num_witness == 2 && tx->inputs[0].witness[1].len == 33);
	CHECK(pubkey_parse(ctx, &pubkey, tx->inputs[0].witness[1].data));
	hash160(&key_hash, tx->inputs[0].witness[1].data, 33);
	CHECK_MEMEQ(key_hash.u8, scripts[0]->data + 2, 20);
	CHECK(bitcoin_signature_parse(ctx, &sig, tx->inputs[0].witness[0].data,
				      tx->inputs[0].witness[0].len));
	CHECK(sig.sighash_type == SIGHASH_ALL);
	script_code_for_p2wpkh(script_code, &key_hash);
	CHECK(bip143_sighash(&sighash, tx, 0, script_code->data, script_code->len, 100000,
			     SIGHASH_ALL));
	CHECK(bitcoin_signature_verify(ctx, &sig, &sighash, &pubkey));
	/* ...and commits to the amount. */
	CHECK(bip143_sighash(&sighash, tx, 0, script_code->data, script_code->len, 100001,
			     SIGHASH_ALL));
	CHECK(!bitcoin_signature_verify(ctx, &sig, &sighash, &pubkey));

	/* P2TR key path: one 64-byte signature valid for the output key. */
	CHECK(tx->inputs[1].num_witness == 1 && tx->inputs[1].witness[0].len == 64);
	for (size_t i = 0; i < 2; i++) {
		spent[i].amount_sat = spends[i].amount_sat;
		spent[i].script = scripts[i]->data;
		spent[i].script_len = scripts[i]->len;
	}
	CHECK(bip341_sighash(&sighash, tx, 1, spent, SIGHASH_DEFAULT, NULL, 0, NULL));
	CHECK(xonly_pubkey_parse(ctx, &output_key, scripts[1]->data + 2));
	CHECK(bip340_verify(ctx, tx->inputs[1].witness[0].data, sighash.u8, 32, &output_key));

	bitcoin_tx_free(tx);
	wirebuf_free(script_code);
	wirebuf_free(scripts[0]);
	wirebuf_free(scripts[1]);
	wallet_keys_wipe(&keys);
}

static void test_signing_refuses_a_coin_that_is_not_ours(void)
{
	struct wallet_keys keys;
	struct wallet_spend spends[2] = {0};
	struct wirebuf *scripts[2] = {wirebuf_new(), wirebuf_new()};
	uint8_t aux[2][32] = {{0}};
	struct bitcoin_tx *tx;

	abandon_keys(&keys, "regtest");
	tx = two_input_tx(&keys, spends, scripts);
	/* The key at this path pays another script. */
	spends[1].path.index = 6;
	CHECK(!wallet_keys_sign_tx(ctx, tx, &keys, spends, (const uint8_t (*)[32])aux));
	CHECK(tx->inputs[0].num_witness == 0 && tx->inputs[1].num_witness == 0);
	bitcoin_tx_free(tx);
	wirebuf_free(scripts[0]);
	wirebuf_free(scripts[1]);
	wallet_keys_wipe(&keys);
}

/* A channel coin (the to_remote output of the peer's commitment) is a
 * P2WPKH to the channel's payment_basepoint, whose secret comes from the
 * node secret and the channel's index: the wallet derives and signs with
 * it; keys made from a bare BIP32 seed have no node secret and refuse. */
static void test_channel_coin_is_the_payment_basepoint(void)
{
	uint8_t node_secret[32];
	struct secret secret;
	struct wallet_keys keys, bare;
	struct channel_secrets secrets;
	struct channel_basepoints basepoints;
	struct pubkey funding, pubkey;
	struct wallet_key_path path = {WALLET_CHANNEL, false, 7};
	struct wirebuf *expected = wirebuf_new(), *script = wirebuf_new();
	struct wirebuf *script_code = wirebuf_new();
	struct wallet_spend spend = {0};
	struct bitcoin_outpoint outpoint;
	struct bitcoin_signature sig;
	struct ripemd160 key_hash;
	struct sha256 sighash;
	uint8_t aux[1][32] = {{3}};
	uint8_t dest[22] = {0x00, 0x14};
	struct bitcoin_tx *tx = bitcoin_tx_new(2, 0);
	char text[64];

	memset(node_secret, 0x5c, sizeof(node_secret));
	memcpy(secret.data, node_secret, 32);
	CHECK(wallet_keys_init(ctx, &keys, node_secret, chainparams_for_network("regtest")));
	CHECK(channel_secrets_derive(ctx, &secrets, &secret, 7));
	CHECK(channel_secrets_public(ctx, &funding, &basepoints, &secrets));
	script_p2wpkh_for_pubkey(expected, ctx, &basepoints.payment);
	CHECK(wallet_keys_script(ctx, script, &keys, &path));
	CHECK(script->len == expected->len
	      && memcmp(script->data, expected->data, script->len) == 0);
	wallet_key_path_text(text, &path, chainparams_for_network("regtest"));
	CHECK_STREQ(text, "channel 7 payment_basepoint");

	memset(&outpoint, 0x77, sizeof(outpoint));
	bitcoin_tx_add_input(tx, &outpoint, 0xfffffffd);
	bitcoin_tx_add_output(tx, 90000, dest, sizeof(dest));
	spend = (struct wallet_spend){path, 100000, script->data, script->len, false};
	CHECK(wallet_keys_sign_tx(ctx, tx, &keys, &spend, (const uint8_t (*)[32])aux));
	CHECK(tx->inputs[0].num_witness == 2);
	CHECK(pubkey_parse(ctx, &pubkey, tx->inputs[0].witness[1].data));
	CHECK(pubkey_eq(ctx, &pubkey, &basepoints.payment));
	hash160(&key_hash, tx->inputs[0].witness[1].data, 33);
	script_code_for_p2wpkh(script_code, &key_hash);
	CHECK(bip143_sighash(&sighash, tx, 0, script_code->data, script_code->len, 100000,
			     SIGHASH_ALL));
	CHECK(bitcoin_signature_parse(ctx, &sig, tx->inputs[0].witness[0].data,
				      tx->inputs[0].witness[0].len));
	CHECK(bitcoin_signature_verify(ctx, &sig, &sighash, &pubkey));
	/* Another channel's key does not pay this script. */
	spend.path.index = 8;
	CHECK(!wallet_keys_sign_tx(ctx, tx, &keys, &spend, (const uint8_t (*)[32])aux));

	abandon_keys(&bare, "regtest");
	wirebuf_reset(script);
	CHECK(!wallet_keys_script(ctx, script, &bare, &path));

	bitcoin_tx_free(tx);
	wirebuf_free(expected);
	wirebuf_free(script);
	wirebuf_free(script_code);
	channel_secrets_wipe(&secrets);
	wallet_keys_wipe(&keys);
	wallet_keys_wipe(&bare);
}

static void test_foreign_input_left_unsigned(void)
{
	struct wallet_keys keys;
	struct wallet_spend spends[2] = {0};
	struct wirebuf *scripts[2] = {wirebuf_new(), wirebuf_new()};
	uint8_t aux[2][32] = {{1}, {2}};
	struct bitcoin_tx *tx;

	abandon_keys(&keys, "regtest");
	tx = two_input_tx(&keys, spends, scripts);
	/* Input 0 is someone else's to sign (a channel's anchor): even a
	 * path that does not match its script is not looked at. */
	spends[0].is_foreign = true;
	spends[0].path.index = 6;
	CHECK(wallet_keys_sign_tx(ctx, tx, &keys, spends, (const uint8_t (*)[32])aux));
	CHECK(tx->inputs[0].num_witness == 0);
	CHECK(tx->inputs[1].num_witness == 1 && tx->inputs[1].witness[0].len == 64);
	bitcoin_tx_free(tx);
	wirebuf_free(scripts[0]);
	wirebuf_free(scripts[1]);
	wallet_keys_wipe(&keys);
}

int main(void)
{
	ctx = crypto_secp_context_new();
	RUN(test_bip84_vectors);
	RUN(test_bip86_vector);
	RUN(test_test_networks_use_coin_type_1);
	RUN(test_seed_is_hkdf_of_node_secret);
	RUN(test_signatures_verify);
	RUN(test_signing_refuses_a_coin_that_is_not_ours);
	RUN(test_foreign_input_left_unsigned);
	RUN(test_channel_coin_is_the_payment_basepoint);
	crypto_secp_context_destroy(ctx);
	return test_done();
}
