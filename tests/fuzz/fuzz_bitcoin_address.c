/* Fuzz target: the strings a user pastes into an RPC call: an on-chain
 * address for each network, a bech32/bech32m string with and without the
 * 90-character limit, Base58Check, a BIP32 extended key and a BIP32 path.
 * Whatever a decoder accepts must encode back to the same string (in
 * lowercase, for bech32); whatever it refuses must say why; and the input
 * bytes, encoded, must decode back to themselves. */
#include <string.h>
#include <strings.h>

#include "bitcoin/address.h"
#include "bitcoin/base58.h"
#include "bitcoin/bech32.h"
#include "bitcoin/bip32.h"
#include "bitcoin/chainparams.h"
#include "bitcoin/script.h"
#include "crypto/secp.h"
#include "tests/fuzz/fuzz.h"

/* Seeds are hex of the strings. */
const struct fuzz_seed fuzz_seeds[] = {
	/* BIP173: P2WPKH, uppercase: BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4 */
	{"4243315157353038443651454a5854444734593552335a415256415259304335"
	 "5857374b563846335434"},
	/* BIP173: P2WSH on testnet:
	 * tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7 */
	{"74623171727033336730713563357478737039617279737278346b367a646b66"
	 "73346e636534786a3067646363636566767079737866337130736c356b37"},
	/* regtest P2WPKH: bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080 */
	{"62637274317177353038643671656a7874646734793572337a61727661727930"
	 "63357877376b796774303830"},
	/* BIP350: v1, 40 bytes:
	 * bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y */
	{"6263317077353038643671656a7874646734793572337a617276617279306335"
	 "7877376b77353038643671656a7874646734793572337a617276617279306335"
	 "7877376b74356e643679"},
	/* BIP350: v16, 2 bytes: BC1SW50QGDZ25J */
	{"424331535735305147445a32354a"},
	/* BIP350: taproot on testnet:
	 * tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c */
	{"746231707171717170333939657432787967646a3578726571686a6a76636d7a"
	 "687877346179777865636a647a65773668796c67767365736633686e3063"},
	/* BIP350 invalid: v1 with a bech32 checksum:
	 * bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut */
	{"6263317030786c78766c68656d6a613663346471763232756170637471757066"
	 "686c786d3968387a336b3265373271346b3968637a377671357a75797574"},
	/* BIP173: bech32, longest hrp of 83:
	 * an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs */
	{"616e38336368617261637465726c6f6e6768756d616e7265616461626c657061"
	 "727474686174636f6e7461696e737468656e756d62657231616e647468656578"
	 "636c756465646368617261637465727362696f31747435746773"},
	/* BIP350: bech32m, 90 characters:
	 * 11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8 */
	{"31316c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c"
	 "6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c"
	 "6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c7564737238"},
	/* Base58 P2PKH, mainnet: 1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH */
	{"314267475a3974634e34726d394b427a446e374b7072517a3837535a32365341"
	 "4d48"},
	/* Base58 P2PKH, testnet: mm3aPLSv9fBrbS68JzurAMp4xGoddJ6pSf */
	{"6d6d3361504c537639664272625336384a7a7572414d703478476f64644a3670"
	 "5366"},
	/* Base58 P2SH, mainnet: 32LSmWunGDvX44qQMEozbdEyPFFPAjhjs8 */
	{"33324c536d57756e47447658343471514d456f7a6264457950464650416a686a"
	 "7338"},
	/* Base58 P2SH, testnet: 2MsteqFqosgRsFrTx2NRsDaEEbbTZ4HgNeC */
	{"324d7374657146716f7367527346725478324e5273446145456262545a344867"
	 "4e6543"},
	/* BIP32 vector 1: master xpub:
	 * xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8 */
	{"787075623636314d794d77417152626346745867533573594a41427171473959"
	 "4c6d433451315264617039675345384e7174777962476865505932675a323945"
	 "53466a714a6f4375315275706a65385974477173656644323635544d67377573"
	 "554446647036573145474d63657438"},
	/* BIP32 vector 1: master xprv:
	 * xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi */
	{"78707276397332315a7251483134334b335154444c344c587732463748454b33"
	 "774a5544326e57326e526b347374625079366371336a5050716a6943686b5676"
	 "764e4b6d50474a7857557467364c6e46356b656a4d524e4e5533544774524265"
	 "4a676b33337975474278724d504869"},
	/* tprv at depth 5:
	 * tprv8k7UWWmyp8CBEZykZc9QxRTpcrMT5S5C3tKDKM5pn8ewHaAt7rTVMb3g9qC6jHAqCpqALTtCp2YhU587j2oNRDBewwgJ3pwRpkeH8TbV7Xb */
	{"74707276386b375557576d7970384342455a796b5a6339517852547063724d54"
	 "3553354333744b444b4d35706e38657748614174377254564d62336739714336"
	 "6a484171437071414c54744370325968553538376a326f4e524442657777674a"
	 "33707752706b654838546256375862"},
	/* tpub at depth 5:
	 * tpubDGoWevpDxVsr831YTFp1Mq7wBssPEmG6dBuzbs88CQTL84RekFH5Y5fYKzkkFNnAuRnPXtwSAcGMr4V22vw33f47Tr57iGHdjiFxVKSPMAi */
	{"7470756244476f57657670447856737238333159544670314d71377742737350"
	 "456d47366442757a627338384351544c383452656b464835593566594b7a6b6b"
	 "464e6e4175526e50587477534163474d72345632327677333366343754723537"
	 "694748646a694678564b53504d4169"},
	/* a BIP32 path: m/84'/1'/0h/0/5 */
	{"6d2f3834272f31272f30682f302f35"},
};
const size_t fuzz_num_seeds = sizeof(fuzz_seeds) / sizeof(fuzz_seeds[0]);

static const char *const networks[] = { "bitcoin", "testnet", "signet",
					"regtest" };
#define NUM_NETWORKS (sizeof(networks) / sizeof(networks[0]))

static secp256k1_context *ctx;

static void check_address(const struct chainparams *params, const char *str)
{
	struct wirebuf *script = wirebuf_new(), *again = wirebuf_new();
	char err[ADDRESS_ERROR_LEN] = "", back[ADDRESS_MAX_LEN + 1];

	if (address_to_script(script, err, params, str)) {
		/* It pays a script with an address, which is str. */
		FUZZ_CHECK(address_from_script(back, params, script->data,
					       script->len));
		FUZZ_CHECK(strcasecmp(back, str) == 0);
		FUZZ_CHECK(address_to_script(again, NULL, params, back));
		FUZZ_CHECK(again->len == script->len
			   && memcmp(again->data, script->data,
				     again->len) == 0);
	} else {
		FUZZ_CHECK(err[0] != '\0');
		FUZZ_CHECK(script->len == 0);
	}
	wirebuf_free(script);
	wirebuf_free(again);
}

/* Decodes with max_len; on success, checks it encodes back to str in
 * lowercase.  Returns whether it decoded. */
static bool check_bech32(const char *str, size_t len, size_t max_len)
{
	char *hrp = malloc(len + 1), *out = malloc(len + 2);
	uint8_t *data5 = malloc(len + 1);
	size_t data5_len;
	enum bech32_encoding encoding;
	const char *err = NULL;
	bool ok = bech32_decode(&encoding, hrp, len + 1, data5, &data5_len,
				len + 1, str, max_len, &err);

	if (ok) {
		FUZZ_CHECK(encoding != BECH32_ENCODING_NONE);
		FUZZ_CHECK(bech32_encode(out, len + 2, hrp, data5, data5_len,
					 encoding, max_len));
		FUZZ_CHECK(strcasecmp(out, str) == 0);
		for (size_t i = 0; out[i]; i++)
			FUZZ_CHECK(!(out[i] >= 'A' && out[i] <= 'Z'));
	} else {
		FUZZ_CHECK(err != NULL);
	}
	free(hrp);
	free(out);
	free(data5);
	return ok;
}

static void check_base58(const char *str)
{
	uint8_t payload[BASE58_MAX_PAYLOAD + 4];
	char back[2 * sizeof(payload) + 1];
	size_t len;
	const char *err = NULL;

	if (base58_decode(payload, &len, sizeof(payload), str)) {
		FUZZ_CHECK(base58_encode(back, sizeof(back), payload, len));
		FUZZ_CHECK(strcmp(back, str) == 0);
	}
	if (base58check_decode(payload, &len, sizeof(payload), str, &err)) {
		FUZZ_CHECK(base58check_encode(back, sizeof(back), payload,
					      len));
		FUZZ_CHECK(strcmp(back, str) == 0);
	} else {
		FUZZ_CHECK(err != NULL);
	}
}

static void check_bip32(const struct chainparams *params, const char *str)
{
	struct bip32_key key;
	char back[BIP32_STRING_MAX_LEN + 1];
	const char *err = NULL;

	if (bip32_parse(ctx, &key, params, str, &err)) {
		bip32_serialize(ctx, back, &key, params);
		FUZZ_CHECK(strcmp(back, str) == 0);
		bip32_key_wipe(&key);
	} else {
		FUZZ_CHECK(err != NULL);
	}
}

static void check_bip32_path(const char *str)
{
	uint32_t indices[BIP32_MAX_DEPTH];
	size_t n;
	const char *err = NULL;

	if (!bip32_parse_path(indices, &n, BIP32_MAX_DEPTH, str, &err))
		FUZZ_CHECK(err != NULL);
	else
		FUZZ_CHECK(n <= BIP32_MAX_DEPTH);
}

/* The other way round, since few mutated strings pass a checksum: the
 * input bytes as what is encoded, which must decode back to them. */
static void check_encodings(const struct chainparams *params,
			    const uint8_t *data, size_t size)
{
	/* The most 5-bit values a 90-character "bc1..." string holds. */
	const size_t max5 = BECH32_MAX_LEN - 3 - BECH32_CHECKSUM_LEN;
	uint8_t data5[BECH32_MAX_LEN], back5[BECH32_MAX_LEN];
	uint8_t payload[BASE58_MAX_PAYLOAD];
	char str[2 * BASE58_MAX_PAYLOAD + 16], hrp[BECH32_MAX_LEN];
	size_t n = size < BASE58_MAX_PAYLOAD ? size : BASE58_MAX_PAYLOAD, len;
	size_t n5 = size < max5 ? size : max5;
	enum bech32_encoding encoding;
	struct wirebuf *script = wirebuf_new(), *want = wirebuf_new();
	struct bip32_key key, parsed;
	const char *err;

	FUZZ_CHECK(base58check_encode(str, sizeof(str), data, n));
	FUZZ_CHECK(base58check_decode(payload, &len, sizeof(payload), str,
				      &err));
	FUZZ_CHECK(len == n && memcmp(payload, data, n) == 0);

	for (size_t i = 0; i < n5; i++)
		data5[i] = data[i] & 31;
	FUZZ_CHECK(bech32_encode(str, sizeof(str), "bc", data5, n5,
				 BECH32_ENCODING_BECH32M, BECH32_MAX_LEN));
	FUZZ_CHECK(bech32_decode(&encoding, hrp, sizeof(hrp), back5, &len,
				 sizeof(back5), str, BECH32_MAX_LEN, &err));
	FUZZ_CHECK(encoding == BECH32_ENCODING_BECH32M);
	FUZZ_CHECK(strcmp(hrp, "bc") == 0);
	FUZZ_CHECK(len == n5 && memcmp(back5, data5, n5) == 0);

	/* A witness version byte, then the program. */
	if (size >= 1
	    && segwit_address_encode(str, params->bip173_hrp, data[0] % 17,
				     data + 1, size - 1)) {
		FUZZ_CHECK(address_to_script(script, NULL, params, str));
		FUZZ_CHECK(script_witness_output(want, data[0] % 17, data + 1,
						 size - 1));
		FUZZ_CHECK(script->len == want->len
			   && memcmp(script->data, want->data, want->len) == 0);
	}

	if (bip32_from_seed(ctx, &key, data, size)) {
		bip32_serialize(ctx, str, &key, params);
		FUZZ_CHECK(bip32_parse(ctx, &parsed, params, str, &err));
		FUZZ_CHECK(memcmp(parsed.privkey.secret.data,
				  key.privkey.secret.data, 32) == 0);
		bip32_key_wipe(&key);
		bip32_key_wipe(&parsed);
	}
	wirebuf_free(script);
	wirebuf_free(want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *str = malloc(size + 1);
	size_t len;

	if (!ctx)
		ctx = crypto_secp_context_new();
	memcpy(str, data, size);
	str[size] = '\0';
	len = strlen(str);

	for (size_t i = 0; i < NUM_NETWORKS; i++) {
		const struct chainparams *params =
			chainparams_for_network(networks[i]);

		check_address(params, str);
		check_bip32(params, str);
	}
	/* One network per input: key derivation is slow. */
	check_encodings(chainparams_for_network(networks[size % NUM_NETWORKS]),
			data, size);
	/* Within the limit is within no limit. */
	if (check_bech32(str, len, BECH32_MAX_LEN))
		FUZZ_CHECK(check_bech32(str, len, SIZE_MAX));
	else
		check_bech32(str, len, SIZE_MAX);
	check_base58(str);
	check_bip32_path(str);
	free(str);
	return 0;
}
