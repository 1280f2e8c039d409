/* Fuzz target: the BOLT #4 bytes that come from outside.  The first byte
 * picks what the rest is:
 *   0: an onion_routing_packet from the previous hop (cut or zero-padded
 *      to 1366 bytes), peeled with our key; a payload is then decoded;
 *   1: the same, but with the HMAC made valid first, so the peel gets past
 *      it to the payload framing and the payload itself;
 *   2: an error packet on its way back to the origin, decoded with the
 *      route's shared secrets, and its failure message parsed;
 *   3: a byte k, then an error packet's body (failure_len onwards) that
 *      hop k of the route seals and the hops before it wrap: the origin
 *      must name hop k;
 *   4: a hop payload, decoded for every kind of hop, and a failure
 *      message.
 * Whatever decodes must re-encode to the bytes it came from. */
#include <string.h>

#include "common/hex.h"
#include "crypto/hash.h"
#include "crypto/secp.h"
#include "pay/hop_payload.h"
#include "pay/onion.h"
#include "pay/onion_error.h"
#include "tests/fuzz/fuzz.h"
#include "wire/wire.h"

/* The vectors' packet, error packet and payloads (bolt04-*.json). */
const struct fuzz_seed fuzz_seeds[] = {
	{"000002eec7245d6b7d2ccb30380bfbe2a3648cd7a942653f5aa340edcea1f283686619f7"
	 "f3416a5aa36dc7eeb3ec6d421e9615471ab870a33ac07fa5d5a51df0a8823aabe3fea3f9"
	 "0d387529d4f72837f9e687230371ccd8d263072206dbed0234f6505e21e282abd8c0e4f5"
	 "b9ff8042800bbab065036eadd0149b37f27dde664725a49866e052e809d2b0198ab9610f"
	 "aa656bbf4ec516763a59f8f42c171b179166ba38958d4f51b39b3e98706e2d14a2dafd6a"
	 "5df808093abfca5aeaaca16eded5db7d21fb0294dd1a163edf0fb445d5c8d7d688d6dd9c"
	 "541762bf5a5123bf9939d957fe648416e88f1b0928bfa034982b22548e1a4d922690eecf"
	 "546275afb233acf4323974680779f1a964cfe687456035cc0fba8a5428430b390f0057b6"
	 "d1fe9a8875bfa89693eeb838ce59f09d207a503ee6f6299c92d6361bc335fcbf9b5cd447"
	 "47aadce2ce6069cfdc3d671daef9f8ae590cf93d957c9e873e9a1bc62d9640dc8fc39c14"
	 "902d49a1c80239b6c5b7fd91d05878cbf5ffc7db2569f47c43d6c0d27c438abff276e873"
	 "64deb8858a37e5a62c446af95d8b786eaf0b5fcf78d98b41496794f8dcaac4eef34b2acf"
	 "b94c7e8c32a9e9866a8fa0b6f2a06f00a1ccde569f97eec05c803ba7500acc96691d8898"
	 "d73d8e6a47b8f43c3d5de74458d20eda61474c426359677001fbd75a74d7d5db6cb4feb8"
	 "3122f133206203e4e2d293f838bf8c8b3a29acb321315100b87e80e0edb272ee80fda944"
	 "e3fb6084ed4d7f7c7d21c69d9da43d31a90b70693f9b0cc3eac74c11ab8ff65590568891"
	 "6cfa4ef0bd04135f2e50b7c689a21d04e8e981e74c6058188b9b1f9dfc3eec6838e9ffbc"
	 "f22ce738d8a177c19318dffef090cee67e12de1a3e2a39f61247547ba5257489cbc11d7d"
	 "91ed34617fcc42f7a9da2e3cf31a94a210a1018143173913c38f60e62b24bf0d7518f38b"
	 "5bab3e6a1f8aeb35e31d6442c8abb5178efc892d2e787d79c6ad9e2fc271792983fa9955"
	 "ac4d1d84a36c024071bc6e431b625519d556af38185601f70e29035ea6a09c8b676c9d88"
	 "cf7e05e0f17098b584c4168735940263f940033a220f40be4c85344128b14beb9e75696d"
	 "b37014107801a59b13e89cd9d2258c169d523be6d31552c44c82ff4bb18ec9f099f3bf0e"
	 "5b1bb2ba9a87d7e26f98d294927b600b5529c47e04d98956677cbcee8fa2b60f49776d8b"
	 "8c367465b7c626da53700684fb6c918ead0eab8360e4f60edd25b4f43816a75ecf70f909"
	 "301825b512469f8389d79402311d8aecb7b3ef8599e79485a4388d87744d899f7c47ee64"
	 "4361e17040a7958c8911be6f463ab6a9b2afacd688ec55ef517b38f1339efc5448723279"
	 "8bb25522ff4572ff68567fe830f92f7b8113efce3e98c3fffbaedce4fd8b50e41da97c0c"
	 "08e423a72689cc68e68f752a5e3a9003e64e35c957ca2e1c48bb6f64b05f56b70b575ad2"
	 "f278d57850a7ad568c24a4d32a3d74b29f03dc125488bc7c637da582357f40b0a52d16b3"
	 "b40bb2c2315d03360bc24209e20972c200566bcf3bbe5c5b0aedd83132a8a4d5b4242ba3"
	 "70b6d67d9b67eb01052d132c7866b9cb502e44796d9d356e4e3cb47cc527322cd24976fe"
	 "7c9257a2864151a38e568ef7a79f10d6ef27cc04ce382347a2488b1f404fdbf407fe1ca1"
	 "c9d0d5649e34800e25e18951c98cae9f43555eef65fee1ea8f15828807366c3b612cd575"
	 "3bf9fb8fced08855f742cddd6f765f74254f03186683d646e6f09ac2805586c7cf119983"
	 "57cafc5df3f285329366f475130c928b2dceba4aa383758e7a9d20705c4bb9db619e2992"
	 "f608a1ba65db254bb389468741d0502e2588aeb54390ac600c19af5c8e61383fc1bebe00"
	 "29e4474051e4ef908828db9cca13277ef65db3fd47ccc2179126aaefb627719f421e20"},
	{"010002eec7245d6b7d2ccb30380bfbe2a3648cd7a942653f5aa340edcea1f283686619f7"
	 "f3416a5aa36dc7eeb3ec6d421e9615471ab870a33ac07fa5d5a51df0a8823aabe3fea3f9"
	 "0d387529d4f72837f9e687230371ccd8d263072206dbed0234f6505e21e282abd8c0e4f5"
	 "b9ff8042800bbab065036eadd0149b37f27dde664725a49866e052e809d2b0198ab9610f"
	 "aa656bbf4ec516763a59f8f42c171b179166ba38958d4f51b39b3e98706e2d14a2dafd6a"
	 "5df808093abfca5aeaaca16eded5db7d21fb0294dd1a163edf0fb445d5c8d7d688d6dd9c"
	 "541762bf5a5123bf9939d957fe648416e88f1b0928bfa034982b22548e1a4d922690eecf"
	 "546275afb233acf4323974680779f1a964cfe687456035cc0fba8a5428430b390f0057b6"
	 "d1fe9a8875bfa89693eeb838ce59f09d207a503ee6f6299c92d6361bc335fcbf9b5cd447"
	 "47aadce2ce6069cfdc3d671daef9f8ae590cf93d957c9e873e9a1bc62d9640dc8fc39c14"
	 "902d49a1c80239b6c5b7fd91d05878cbf5ffc7db2569f47c43d6c0d27c438abff276e873"
	 "64deb8858a37e5a62c446af95d8b786eaf0b5fcf78d98b41496794f8dcaac4eef34b2acf"
	 "b94c7e8c32a9e9866a8fa0b6f2a06f00a1ccde569f97eec05c803ba7500acc96691d8898"
	 "d73d8e6a47b8f43c3d5de74458d20eda61474c426359677001fbd75a74d7d5db6cb4feb8"
	 "3122f133206203e4e2d293f838bf8c8b3a29acb321315100b87e80e0edb272ee80fda944"
	 "e3fb6084ed4d7f7c7d21c69d9da43d31a90b70693f9b0cc3eac74c11ab8ff65590568891"
	 "6cfa4ef0bd04135f2e50b7c689a21d04e8e981e74c6058188b9b1f9dfc3eec6838e9ffbc"
	 "f22ce738d8a177c19318dffef090cee67e12de1a3e2a39f61247547ba5257489cbc11d7d"
	 "91ed34617fcc42f7a9da2e3cf31a94a210a1018143173913c38f60e62b24bf0d7518f38b"
	 "5bab3e6a1f8aeb35e31d6442c8abb5178efc892d2e787d79c6ad9e2fc271792983fa9955"
	 "ac4d1d84a36c024071bc6e431b625519d556af38185601f70e29035ea6a09c8b676c9d88"
	 "cf7e05e0f17098b584c4168735940263f940033a220f40be4c85344128b14beb9e75696d"
	 "b37014107801a59b13e89cd9d2258c169d523be6d31552c44c82ff4bb18ec9f099f3bf0e"
	 "5b1bb2ba9a87d7e26f98d294927b600b5529c47e04d98956677cbcee8fa2b60f49776d8b"
	 "8c367465b7c626da53700684fb6c918ead0eab8360e4f60edd25b4f43816a75ecf70f909"
	 "301825b512469f8389d79402311d8aecb7b3ef8599e79485a4388d87744d899f7c47ee64"
	 "4361e17040a7958c8911be6f463ab6a9b2afacd688ec55ef517b38f1339efc5448723279"
	 "8bb25522ff4572ff68567fe830f92f7b8113efce3e98c3fffbaedce4fd8b50e41da97c0c"
	 "08e423a72689cc68e68f752a5e3a9003e64e35c957ca2e1c48bb6f64b05f56b70b575ad2"
	 "f278d57850a7ad568c24a4d32a3d74b29f03dc125488bc7c637da582357f40b0a52d16b3"
	 "b40bb2c2315d03360bc24209e20972c200566bcf3bbe5c5b0aedd83132a8a4d5b4242ba3"
	 "70b6d67d9b67eb01052d132c7866b9cb502e44796d9d356e4e3cb47cc527322cd24976fe"
	 "7c9257a2864151a38e568ef7a79f10d6ef27cc04ce382347a2488b1f404fdbf407fe1ca1"
	 "c9d0d5649e34800e25e18951c98cae9f43555eef65fee1ea8f15828807366c3b612cd575"
	 "3bf9fb8fced08855f742cddd6f765f74254f03186683d646e6f09ac2805586c7cf119983"
	 "57cafc5df3f285329366f475130c928b2dceba4aa383758e7a9d20705c4bb9db619e2992"
	 "f608a1ba65db254bb389468741d0502e2588aeb54390ac600c19af5c8e61383fc1bebe00"
	 "29e4474051e4ef908828db9cca13277ef65db3fd47ccc2179126aaefb627719f421e20"},
	{"029c5add3963fc7f6ed7f148623c84134b5647e1306419dbe2174e523fa9e2fbed3a06a1"
	 "9f899145610741c83ad40b7712aefaddec8c6baf7325d92ea4ca4d1df8bce517f7e54554"
	 "608bf2bd8071a4f52a7a2f7ffbb1413edad81eeea5785aa9d990f2865dc23b4bc3c301a9"
	 "4eec4eabebca66be5cf638f693ec256aec514620cc28ee4a94bd9565bc4d4962b9d3641d"
	 "4278fb319ed2b84de5b665f307a2db0f7fbb757366067d88c50f7e829138fde4f78d39b5"
	 "b5802f1b92a8a820865af5cc79f9f30bc3f461c66af95d13e5e1f0381c184572a91dee1c"
	 "849048a647a1158cf884064deddbf1b0b88dfe2f791428d0ba0f6fb2f04e14081f69165a"
	 "e66d9297c118f0907705c9c4954a199bae0bb96fad763d690e7daa6cfda59ba7f2c8d114"
	 "48b604d12d"},
	{"03040002200200fe00000000000000000000000000000000000000000000000000000000"
	 "000000000000000000000000000000000000000000000000000000000000000000000000"
	 "000000000000000000000000000000000000000000000000000000000000000000000000"
	 "000000000000000000000000000000000000000000000000000000000000000000000000"
	 "000000000000000000000000000000000000000000000000000000000000000000000000"
	 "000000000000000000000000000000000000000000000000000000000000000000000000"
	 "000000000000000000000000000000000000000000000000000000000000000000000000"
	 "00000000000000000000"},
	{"0402023a98040205dc06080000000000000001"},
	{"0402022710040203e8082224a33562c54507a9334e79f0dc4f17d407e6d7c61f0e2f3d0d"
	 "38599502f617042710fd012de02a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a"
	 "2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a"
	 "2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a"
	 "2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a"
	 "2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a"
	 "2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a"
	 "2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a"},
	{"040a4fcd7b00ff9c09ed28102b210ac73aa12d63e90852cebc496c49f57c499a2888b49f"
	 "2e72b19446f7e60a818aa2938d8c625415b992b8928a7321edb8f7cea40de362bed082ad"
	 "51acc6156dca5532fb680c21024d4b6cd1361032ca9bd2aeb9d900aa4d45d9ead80ac942"
	 "3374c451a7254d0766"},
	{"0402030186a004030b6dc80a4fda1c7e5f7881219884beae6ae68971de73bab4c3055d98"
	 "65b1afb60722a63c688768042ade22f2c22f5724767d171fd221d3e579e43b354cc72e3e"
	 "f146ada91a892d95fc48662f5b158add0af457da12030249f0"},
	{"04400f0000000000000064000c3500fd84d1fd012c808080808080808080808080808080"
	 "808080808080808080808080808080808080808080808080808080808080808080808080"
	 "808080808080808080808080808080808080808080808080808080808080808080808080"
	 "808080808080808080808080808080808080808080808080808080808080808080808080"
	 "808080808080808080808080808080808080808080808080808080808080808080808080"
	 "808080808080808080808080808080808080808080808080808080808080808080808080"
	 "808080808080808080808080808080808080808080808080808080808080808080808080"
	 "808080808080808080808080808080808080808080808080808080808080808080808080"
	 "808080808080808080808080808080808080808080808080808080808080808080"},
};
const size_t fuzz_num_seeds = sizeof(fuzz_seeds) / sizeof(fuzz_seeds[0]);

/* bolt04-onion-error-test.json's route: the hops' shared secrets. */
static const char *const route_secret_hex[] = {
	"53eb63ea8a3fec3b3cd433b85cd62a4b145e1dda09391b348c4e1cd36a03ea66",
	"a6519e98832a0b179f62123b3567c106db99ee37bef036e783263602f3488fae",
	"3a6b412548762f0dbccce5c7ae7bb8147d1caf9b5471c34120b30bc9c04891cc",
	"21e13c2d7cfe7e18836df50872466117a295783ab8aab0e7ecc8c725503ad02d",
	"b5756b9b542727dbafc6765a49488b023a725d631af688fc031217e90770c328",
};

#define ROUTE_LEN 5

static secp256k1_context *ctx;
static struct privkey node_key;	/* the vectors' first hop: 0x41 * 32 */
static struct pubkey path_key;	/* any point will do */
static uint8_t assoc_data[32];	/* the vectors' payment hash: 0x42 * 32 */
static struct secret route_secrets[ROUTE_LEN];

static void setup(void)
{
	ctx = crypto_secp_context_new();
	memset(node_key.secret.data, 0x41, sizeof(node_key.secret.data));
	memset(assoc_data, 0x42, sizeof(assoc_data));
	pubkey_from_privkey(ctx, &path_key, &node_key);
	for (size_t i = 0; i < ROUTE_LEN; i++)
		hex_decode(route_secrets[i].data, 32, route_secret_hex[i], 64);
}

/* Decodes a failure message; what parses re-encodes to its prefix. */
static void check_failure_message(const uint8_t *msg, size_t len)
{
	struct onion_failure failure;
	struct wirebuf *buf;

	if (!onion_failure_fromwire(&failure, msg, len))
		return;
	onion_failure_name(failure.code);
	buf = wirebuf_new();
	onion_failure_towire(buf, &failure);
	FUZZ_CHECK(buf->len <= len && memcmp(buf->data, msg, buf->len) == 0);
	wirebuf_free(buf);
}

/* Decodes a hop payload; what parses re-encodes byte for byte. */
static void check_hop_payload(const uint8_t *bytes, size_t len,
			      bool is_final, bool has_path_key)
{
	struct hop_payload payload;
	struct hop_payload_error err;
	struct wirebuf *buf;

	if (!hop_payload_decode(ctx, &payload, &err, bytes, len, is_final,
				has_path_key)) {
		FUZZ_CHECK(err.why != NULL);
		FUZZ_CHECK(err.failure.code == ONION_FAILURE_INVALID_ONION_PAYLOAD
			   || err.failure.code == ONION_FAILURE_INVALID_ONION_BLINDING);
		return;
	}
	buf = wirebuf_new();
	hop_payload_towire(ctx, buf, &payload);
	FUZZ_CHECK(buf->len == len && memcmp(buf->data, bytes, len) == 0);
	wirebuf_free(buf);
	hop_payload_clear(&payload);
}

/* Makes packet's HMAC the one our key expects, if its key parses. */
static void make_hmac_valid(uint8_t packet[ONION_PACKET_LEN])
{
	struct pubkey ephemeral;
	struct secret ss, mu;
	struct hmac_sha256_ctx hmac;

	if (!pubkey_parse(ctx, &ephemeral, packet + 1)
	    || !ecdh_shared_secret(ctx, &ss, &ephemeral, &node_key))
		return;
	onion_key_generate(&mu, ONION_KEY_MU, &ss);
	hmac_sha256_init(&hmac, mu.data, sizeof(mu.data));
	hmac_sha256_update(&hmac, packet + 1 + PUBKEY_CMPR_LEN,
			   ONION_HOP_PAYLOADS_LEN);
	hmac_sha256_update(&hmac, assoc_data, sizeof(assoc_data));
	hmac_sha256_final(packet + 1 + PUBKEY_CMPR_LEN + ONION_HOP_PAYLOADS_LEN,
			  &hmac);
}

static void fuzz_packet(const uint8_t *data, size_t size, bool valid_hmac)
{
	uint8_t packet[ONION_PACKET_LEN] = { 0 };
	struct onion_peeled peeled;
	struct secret ss;
	const char *why;
	uint16_t code;

	memcpy(packet, data, size < sizeof(packet) ? size : sizeof(packet));
	if (valid_hmac)
		make_hmac_valid(packet);
	code = onion_process_with_key(ctx, &peeled, &ss, &why, packet,
				      assoc_data, sizeof(assoc_data), NULL,
				      &node_key);
	FUZZ_CHECK((code == 0) == (why == NULL));
	if (code == 0) {
		FUZZ_CHECK(peeled.payload_len >= 2
			   && peeled.payload_len <= ONION_MAX_PAYLOAD_LEN);
		FUZZ_CHECK(peeled.next_packet[0] == 0);
		check_hop_payload(peeled.payload, peeled.payload_len,
				  peeled.is_final, false);
	} else {
		FUZZ_CHECK(onion_failure_name(code) != NULL);
	}
	/* Inside a blinded route every failure is invalid_onion_blinding. */
	code = onion_process_with_key(ctx, &peeled, &ss, NULL, packet,
				      assoc_data, sizeof(assoc_data), &path_key,
				      &node_key);
	FUZZ_CHECK(code == 0 || code == ONION_FAILURE_INVALID_ONION_BLINDING);
}

static void fuzz_error_packet(const uint8_t *data, size_t size)
{
	struct wirebuf *failure = wirebuf_new();
	size_t index;

	if (onion_error_decode(failure, &index, route_secrets, ROUTE_LEN,
			       data, size)) {
		FUZZ_CHECK(index < ROUTE_LEN);
		check_failure_message(failure->data, failure->len);
	}
	wirebuf_free(failure);
}

/* The erring hop k seals body (failure_len onwards) as onion_error_create
 * does, the hops before it wrap it: the origin must name hop k. */
static void fuzz_sealed_error(const uint8_t *data, size_t size)
{
	struct wirebuf *packet, *failure;
	struct secret um;
	size_t k, index = ROUTE_LEN;

	if (size < 1)
		return;
	k = data[0] % ROUTE_LEN;
	packet = wirebuf_new();
	failure = wirebuf_new();
	wirebuf_append(packet, (const uint8_t[32]){ 0 }, 32);
	wirebuf_append(packet, data + 1, size - 1);
	onion_key_generate(&um, ONION_KEY_UM, &route_secrets[k]);
	hmac_sha256(packet->data, um.data, sizeof(um.data), packet->data + 32,
		    packet->len - 32);
	for (size_t i = k + 1; i-- > 0;)
		onion_error_wrap(packet->data, packet->len, &route_secrets[i]);
	FUZZ_CHECK(onion_error_decode(failure, &index, route_secrets, ROUTE_LEN,
				      packet->data, packet->len));
	FUZZ_CHECK(index == k);
	if (size >= 3) {
		size_t failure_len = (size_t)data[1] << 8 | data[2];

		if (3 + failure_len <= size)
			FUZZ_CHECK(failure->len == failure_len
				   && memcmp(failure->data, data + 3, failure_len) == 0);
		else
			FUZZ_CHECK(failure->len == 0);
	}
	check_failure_message(failure->data, failure->len);
	wirebuf_free(packet);
	wirebuf_free(failure);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ctx)
		setup();
	if (size < 1)
		return 0;
	switch (data[0] % 5) {
	case 0:
		fuzz_packet(data + 1, size - 1, false);
		break;
	case 1:
		fuzz_packet(data + 1, size - 1, true);
		break;
	case 2:
		fuzz_error_packet(data + 1, size - 1);
		break;
	case 3:
		fuzz_sealed_error(data + 1, size - 1);
		break;
	case 4:
		for (int kind = 0; kind < 4; kind++)
			check_hop_payload(data + 1, size - 1, kind & 1, kind & 2);
		check_failure_message(data + 1, size - 1);
		break;
	}
	return 0;
}
