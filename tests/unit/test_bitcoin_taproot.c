/* Tests for bitcoin/taproot: all BIP340 vectors (BIP340's CSV, as
 * tests/vectors/bip340-test-vectors.json: signing where a secret key is
 * given, verification of every row), and BIP341's "scriptPubKey" wallet
 * vectors (checked in here: see test_bitcoin_sighash_bip341.h). */
#include "bitcoin/address.h"
#include "bitcoin/script.h"
#include "bitcoin/taproot.h"
#include "crypto/secp.h"
#include "tests/unit/keys.h"

static secp256k1_context *ctx;

static void test_bip340_vectors(void)
{
	json_t *root = vectors_load("bip340-test-vectors.json");
	json_t *tests = json_object_get(root, "tests"), *t;
	int rows = 0, signed_rows = 0;
	size_t i;

	json_array_foreach(tests, i, t) {
		const char *index = json_str(t, "index");
		const char *secret = json_str(t, "secret_key");
		size_t msg_len, sig_len, pk_len, len;
		uint8_t *msg, *sig, *pk;
		struct xonly_pubkey pub;
		bool expect, parsed, ok;

		msg = hex_to_bytes(json_str(t, "message"), &msg_len);
		sig = hex_to_bytes(json_str(t, "signature"), &sig_len);
		pk = hex_to_bytes(json_str(t, "public_key"), &pk_len);
		expect = json_is_true(json_object_get(t, "verification_result"));
		CHECK(sig_len == 64 && pk_len == 32);
		if (secret[0]) {
			struct privkey key = privkey_from_hex(secret);
			struct xonly_pubkey derived;
			uint8_t *aux = hex_to_bytes(json_str(t, "aux_rand"), &len);
			uint8_t out[64], x[32];

			CHECK(xonly_pubkey_from_privkey(ctx, &derived, &key));
			xonly_pubkey_serialize(ctx, x, &derived);
			CHECK_MSG(memcmp(x, pk, 32) == 0, "row %s", index);
			CHECK(bip340_sign(ctx, out, msg, msg_len, &key, aux));
			CHECK_MSG(memcmp(out, sig, 64) == 0, "row %s", index);
			signed_rows++;
			free(aux);
		}
		parsed = xonly_pubkey_parse(ctx, &pub, pk);
		ok = parsed && bip340_verify(ctx, sig, msg, msg_len, &pub);
		CHECK_MSG(ok == expect, "row %s: %s", index, json_str(t, "comment"));
		free(msg);
		free(sig);
		free(pk);
		rows++;
	}
	CHECK(rows == 19);
	CHECK(signed_rows == 8);
	json_decref(root);
}

/* BIP341 wallet vectors, "scriptPubKey" group.  Trees are described by
 * shape: NONE, ONE leaf, PAIR of leaves, or LEAF_AND_PAIR (A, (B, C)). */
enum tree_shape { NONE, ONE, PAIR, LEAF_AND_PAIR };

static const struct {
	const char *internal_pubkey;
	enum tree_shape shape;
	struct { uint8_t version; const char *script, *leaf_hash; } leaves[3];
	const char *merkle_root, *tweak, *tweaked_pubkey, *script_pubkey,
		*address;
} spk_vectors[] = {
	{ "d6889cb081036e0faefa3a35157ad71086b123b2b144b649798b494c300a961d",
	  NONE, { { 0 } }, NULL,
	  "b86e7be8f39bab32a6f2c0443abbc210f0edac0e2c53d501b36b64437d9c6c70",
	  "53a1f6e454df1aa2776a2814a721372d6258050de330b3c6d10ee8f4e0dda343",
	  "512053a1f6e454df1aa2776a2814a721372d6258050de330b3c6d10ee8f4e0dda343",
	  "bc1p2wsldez5mud2yam29q22wgfh9439spgduvct83k3pm50fcxa5dps59h4z5" },
	{ "187791b6f712a8ea41c8ecdd0ee77fab3e85263b37e1ec18a3651926b3a6cf27",
	  ONE, { { 192, "20d85a959b0290bf19bb89ed43c916be835475d013da4b362117393e25a48229b8ac",
		   "5b75adecf53548f3ec6ad7d78383bf84cc57b55a3127c72b9a2481752dd88b21" } },
	  "5b75adecf53548f3ec6ad7d78383bf84cc57b55a3127c72b9a2481752dd88b21",
	  "cbd8679ba636c1110ea247542cfbd964131a6be84f873f7f3b62a777528ed001",
	  "147c9c57132f6e7ecddba9800bb0c4449251c92a1e60371ee77557b6620f3ea3",
	  "5120147c9c57132f6e7ecddba9800bb0c4449251c92a1e60371ee77557b6620f3ea3",
	  "bc1pz37fc4cn9ah8anwm4xqqhvxygjf9rjf2resrw8h8w4tmvcs0863sa2e586" },
	{ "93478e9488f956df2396be2ce6c5cced75f900dfa18e7dabd2428aae78451820",
	  ONE, { { 192, "20b617298552a72ade070667e86ca63b8f5789a9fe8731ef91202a91c9f3459007ac",
		   "c525714a7f49c28aedbbba78c005931a81c234b2f6c99a73e4d06082adc8bf2b" } },
	  "c525714a7f49c28aedbbba78c005931a81c234b2f6c99a73e4d06082adc8bf2b",
	  "6af9e28dbf9d6aaf027696e2598a5b3d056f5fd2355a7fd5a37a0e5008132d30",
	  "e4d810fd50586274face62b8a807eb9719cef49c04177cc6b76a9a4251d5450e",
	  "5120e4d810fd50586274face62b8a807eb9719cef49c04177cc6b76a9a4251d5450e",
	  "bc1punvppl2stp38f7kwv2u2spltjuvuaayuqsthe34hd2dyy5w4g58qqfuag5" },
	{ "ee4fe085983462a184015d1f782d6a5f8b9c2b60130aff050ce221ecf3786592",
	  PAIR, { { 192, "20387671353e273264c495656e27e39ba899ea8fee3bb69fb2a680e22093447d48ac",
		    "8ad69ec7cf41c2a4001fd1f738bf1e505ce2277acdcaa63fe4765192497f47a7" },
		  { 250, "06424950333431",
		    "f224a923cd0021ab202ab139cc56802ddb92dcfc172b9212261a539df79a112a" } },
	  "6c2dc106ab816b73f9d07e3cd1ef2c8c1256f519748e0813e4edd2405d277bef",
	  "9e0517edc8259bb3359255400b23ca9507f2a91cd1e4250ba068b4eafceba4a9",
	  "712447206d7a5238acc7ff53fbe94a3b64539ad291c7cdbc490b7577e4b17df5",
	  "5120712447206d7a5238acc7ff53fbe94a3b64539ad291c7cdbc490b7577e4b17df5",
	  "bc1pwyjywgrd0ffr3tx8laflh6228dj98xkjj8rum0zfpd6h0e930h6saqxrrm" },
	{ "f9f400803e683727b14f463836e1e78e1c64417638aa066919291a225f0e8dd8",
	  PAIR, { { 192, "2044b178d64c32c4a05cc4f4d1407268f764c940d20ce97abfd44db5c3592b72fdac",
		    "64512fecdb5afa04f98839b50e6f0cb7b1e539bf6f205f67934083cdcc3c8d89" },
		  { 192, "07546170726f6f74",
		    "2cb2b90daa543b544161530c925f285b06196940d6085ca9474d41dc3822c5cb" } },
	  "ab179431c28d3b68fb798957faf5497d69c883c6fb1e1cd9f81483d87bac90cc",
	  "639f0281b7ac49e742cd25b7f188657626da1ad169209078e2761cefd91fd65e",
	  "77e30a5522dd9f894c3f8b8bd4c4b2cf82ca7da8a3ea6a239655c39c050ab220",
	  "512077e30a5522dd9f894c3f8b8bd4c4b2cf82ca7da8a3ea6a239655c39c050ab220",
	  "bc1pwl3s54fzmk0cjnpl3w9af39je7pv5ldg504x5guk2hpecpg2kgsqaqstjq" },
	{ "e0dfe2300b0dd746a3f8674dfd4525623639042569d829c7f0eed9602d263e6f",
	  LEAF_AND_PAIR,
	  { { 192, "2072ea6adcf1d371dea8fba1035a09f3d24ed5a059799bae114084130ee5898e69ac",
	      "2645a02e0aac1fe69d69755733a9b7621b694bb5b5cde2bbfc94066ed62b9817" },
	    { 192, "202352d137f2f3ab38d1eaa976758873377fa5ebb817372c71e2c542313d4abda8ac",
	      "ba982a91d4fc552163cb1c0da03676102d5b7a014304c01f0c77b2b8e888de1c" },
	    { 192, "207337c0dd4253cb86f2c43a2351aadd82cccb12a172cd120452b9bb8324f2186aac",
	      "9e31407bffa15fefbf5090b149d53959ecdf3f62b1246780238c24501d5ceaf6" } },
	  "ccbd66c6f7e8fdab47b3a486f59d28262be857f30d4773f2d5ea47f7761ce0e2",
	  "b57bfa183d28eeb6ad688ddaabb265b4a41fbf68e5fed2c72c74de70d5a786f4",
	  "91b64d5324723a985170e4dc5a0f84c041804f2cd12660fa5dec09fc21783605",
	  "512091b64d5324723a985170e4dc5a0f84c041804f2cd12660fa5dec09fc21783605",
	  "bc1pjxmy65eywgafs5tsunw95ruycpqcqnev6ynxp7jaasylcgtcxczs6n332e" },
	{ "55adf4e8967fbd2e29f20ac896e60c3b0f1d5b0efa9d34941b5958c7b0a0312d",
	  LEAF_AND_PAIR,
	  { { 192, "2071981521ad9fc9036687364118fb6ccd2035b96a423c59c5430e98310a11abe2ac",
	      "f154e8e8e17c31d3462d7132589ed29353c6fafdb884c5a6e04ea938834f0d9d" },
	    { 192, "20d5094d2dbe9b76e2c245a2b89b6006888952e2faa6a149ae318d69e520617748ac",
	      "737ed1fe30bc42b8022d717b44f0d93516617af64a64753b7a06bf16b26cd711" },
	    { 192, "20c440b462ad48c7a77f94cd4532d8f2119dcebbd7c9764557e62726419b08ad4cac",
	      "d7485025fceb78b9ed667db36ed8b8dc7b1f0b307ac167fa516fe4352b9f4ef7" } },
	  "2f6b2c5397b6d68ca18e09a3f05161668ffe93a988582d55c6f07bd5b3329def",
	  "6579138e7976dc13b6a92f7bfd5a2fc7684f5ea42419d43368301470f3b74ed9",
	  "75169f4001aa68f15bbed28b218df1d0a62cbbcf1188c6665110c293c907b831",
	  "512075169f4001aa68f15bbed28b218df1d0a62cbbcf1188c6665110c293c907b831",
	  "bc1pw5tf7sqp4f50zka7629jrr036znzew70zxyvvej3zrpf8jg8hqcssyuewe" },
};

static void test_bip341_script_pubkey_vectors(void)
{
	const struct chainparams *bitcoin = chainparams_for_network("bitcoin");

	for (size_t i = 0; i < sizeof(spk_vectors) / sizeof(spk_vectors[0]); i++) {
		const typeof(spk_vectors[0]) *v = &spk_vectors[i];
		struct sha256 leaf[3], root, want, tweak, branch;
		struct xonly_pubkey internal, output;
		uint8_t x[32];
		struct wirebuf *spk = wirebuf_new();
		char addr[ADDRESS_MAX_LEN + 1];
		size_t nleaves = v->shape == NONE ? 0 : v->shape == ONE ? 1
			: v->shape == PAIR ? 2 : 3;

		for (size_t j = 0; j < nleaves; j++) {
			size_t len;
			uint8_t *script = hex_to_bytes(v->leaves[j].script, &len);

			taproot_leaf_hash(&leaf[j], v->leaves[j].version,
					  script, len);
			hex_to_array(want.u8, 32, v->leaves[j].leaf_hash);
			CHECK_MSG(memcmp(leaf[j].u8, want.u8, 32) == 0,
				  "vector %zu leaf %zu", i, j);
			free(script);
		}
		if (v->shape == ONE) {
			root = leaf[0];
		} else if (v->shape == PAIR) {
			taproot_branch_hash(&root, &leaf[0], &leaf[1]);
		} else if (v->shape == LEAF_AND_PAIR) {
			taproot_branch_hash(&branch, &leaf[1], &leaf[2]);
			taproot_branch_hash(&root, &leaf[0], &branch);
		}
		if (v->merkle_root) {
			hex_to_array(want.u8, 32, v->merkle_root);
			CHECK_MSG(memcmp(root.u8, want.u8, 32) == 0,
				  "vector %zu root", i);
		}
		hex_to_array(x, 32, v->internal_pubkey);
		CHECK(xonly_pubkey_parse(ctx, &internal, x));
		/* The tweak t = hashTapTweak(p || root). */
		{
			uint8_t buf[64];

			memcpy(buf, x, 32);
			memcpy(buf + 32, root.u8, 32);
			bip340_tagged_hash(&tweak, "TapTweak", buf,
					   v->merkle_root ? 64 : 32);
			hex_to_array(want.u8, 32, v->tweak);
			CHECK_MEMEQ(tweak.u8, want.u8, 32);
		}
		CHECK(taproot_tweak_pubkey(ctx, &output, NULL, &internal,
					   v->merkle_root ? &root : NULL));
		xonly_pubkey_serialize(ctx, x, &output);
		hex_to_array(want.u8, 32, v->tweaked_pubkey);
		CHECK_MEMEQ(x, want.u8, 32);
		CHECK(taproot_output_script(ctx, spk, &internal,
					    v->merkle_root ? &root : NULL));
		CHECK(bytes_are(spk->data, spk->len, v->script_pubkey));
		CHECK(script_is_p2tr(spk->data, spk->len));
		CHECK(address_from_script(addr, bitcoin, spk->data, spk->len));
		CHECK_STREQ(addr, v->address);
		wirebuf_free(spk);
	}
}

static void test_xonly_keys(void)
{
	struct privkey key;
	struct pubkey pub;
	struct xonly_pubkey a, b;
	uint8_t x[32], full[33], bad[32], sig[64];
	int parity;

	memset(&key, 0, sizeof(key));
	key.secret.data[31] = 3;
	CHECK(pubkey_from_privkey(ctx, &pub, &key));
	xonly_pubkey_from_pubkey(ctx, &a, &parity, &pub);
	pubkey_serialize(ctx, full, &pub);
	xonly_pubkey_serialize(ctx, x, &a);
	CHECK_MEMEQ(x, full + 1, 32);
	CHECK(parity == (full[0] == 0x03));
	CHECK(xonly_pubkey_from_privkey(ctx, &b, &key));
	xonly_pubkey_serialize(ctx, bad, &b);
	CHECK_MEMEQ(x, bad, 32);
	/* The field size is not an x coordinate. */
	memset(bad, 0xff, sizeof(bad));
	CHECK(!xonly_pubkey_parse(ctx, &a, bad));
	/* Zero is not a secret key. */
	memset(&key, 0, sizeof(key));
	CHECK(!xonly_pubkey_from_privkey(ctx, &a, &key));
	CHECK(!bip340_sign(ctx, sig, "m", 1, &key, NULL));
}

int main(void)
{
	ctx = keys_context_new();
	RUN(test_bip340_vectors);
	RUN(test_bip341_script_pubkey_vectors);
	RUN(test_xonly_keys);
	crypto_secp_context_destroy(ctx);
	return test_done();
}
