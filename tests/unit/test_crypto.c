/* Tests for crypto/ primitives: hashes, HMAC, HKDF, the BOLT #8 AEAD,
 * the libsodium helpers and the libsecp256k1 wrappers.  Published vectors
 * first (FIPS 180, RFC 4231, RFC 5869, the BOLT #8 trace, BOLT #3 key
 * derivation, BOLT #11 signatures), then the properties the headers
 * promise. */
#include "crypto/aead.h"
#include "crypto/chacha20.h"
#include "crypto/hash.h"
#include "crypto/secp.h"
#include "crypto/util.h"
#include "tests/unit/keys.h"

static secp256k1_context *secp_ctx;

/* FIPS 180-2 examples. */
static void test_sha256_known_answers(void)
{
	struct sha256 h;
	const char *two_blocks =
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	sha256(&h, "", 0);
	CHECK(bytes_are(h.u8, 32, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
	sha256(&h, "abc", 3);
	CHECK(bytes_are(h.u8, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	sha256(&h, two_blocks, strlen(two_blocks));
	CHECK(bytes_are(h.u8, 32, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
}

static void test_sha256_streaming_matches_one_shot(void)
{
	uint8_t data[300];
	struct sha256 one_shot, streamed;
	struct sha256_ctx ctx;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	sha256(&one_shot, data, sizeof(data));
	for (size_t split = 0; split <= sizeof(data); split += 37) {
		sha256_init(&ctx);
		sha256_update(&ctx, data, split);
		sha256_update(&ctx, data + split, sizeof(data) - split);
		sha256_final(&streamed, &ctx);
		CHECK_MEMEQ(&one_shot, &streamed, sizeof(one_shot));
	}
}

static void test_sha256_double(void)
{
	struct sha256_double h;

	sha256_double(&h, "abc", 3);
	CHECK(bytes_are(h.sha.u8, 32, "4f8b42c22dd3729b519ba6f68d2da7cc5b2d606d05daed5ad5128cc03e6c6358"));
}

/* RFC 4231 test cases 1, 2 and 6 (a key longer than the block). */
static void test_hmac_sha256_rfc4231(void)
{
	uint8_t key[131], mac[HMAC_SHA256_LEN];
	const char *long_key_msg =
		"Test Using Larger Than Block-Size Key - Hash Key First";
	struct hmac_sha256_ctx ctx;

	memset(key, 0x0b, 20);
	hmac_sha256(mac, key, 20, "Hi There", 8);
	CHECK(bytes_are(mac, 32, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"));

	hmac_sha256(mac, "Jefe", 4, "what do ya want for nothing?", 28);
	CHECK(bytes_are(mac, 32, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));

	memset(key, 0xaa, sizeof(key));
	hmac_sha256(mac, key, sizeof(key), long_key_msg, strlen(long_key_msg));
	CHECK(bytes_are(mac, 32, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"));

	/* The same, streamed in two pieces. */
	hmac_sha256_init(&ctx, key, sizeof(key));
	hmac_sha256_update(&ctx, long_key_msg, 10);
	hmac_sha256_update(&ctx, long_key_msg + 10, strlen(long_key_msg) - 10);
	hmac_sha256_final(mac, &ctx);
	CHECK(bytes_are(mac, 32, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"));
}

/* RFC 5869 appendix A, test cases 1 to 3. */
static void test_hkdf_sha256_rfc5869(void)
{
	uint8_t ikm[80], salt[80], info[80], okm[82];

	memset(ikm, 0x0b, 22);
	for (size_t i = 0; i < 13; i++)
		salt[i] = (uint8_t)i;
	for (size_t i = 0; i < 10; i++)
		info[i] = (uint8_t)(0xf0 + i);
	CHECK(hkdf_sha256(okm, 42, salt, 13, ikm, 22, info, 10));
	CHECK(bytes_are(okm, 42, "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"));

	for (size_t i = 0; i < 80; i++) {
		ikm[i] = (uint8_t)i;
		salt[i] = (uint8_t)(0x60 + i);
		info[i] = (uint8_t)(0xb0 + i);
	}
	CHECK(hkdf_sha256(okm, 82, salt, 80, ikm, 80, info, 80));
	CHECK(bytes_are(okm, 82, "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"));

	memset(ikm, 0x0b, 22);
	CHECK(hkdf_sha256(okm, 42, NULL, 0, ikm, 22, NULL, 0));
	CHECK(bytes_are(okm, 42, "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"));

	/* RFC 5869: L <= 255*HashLen. */
	memset(okm, 0x55, sizeof(okm));
	CHECK(!hkdf_sha256(okm, 0, NULL, 0, ikm, 22, NULL, 0));
	CHECK(okm[0] == 0x55);
}

/* BOLT #8 appendix A: act one's HKDF, the final split and a rotation,
 * including the aliased `ck, k = HKDF(ck, k)` form. */
static void test_hkdf_two_keys_bolt8(void)
{
	struct secret ck, ss, out1, out2, k;

	hex_to_array(ck.data, 32, "2640f52eebcd9e882958951c794250eedb28002c05d7dc2ea0f195406042caf1");
	hex_to_array(ss.data, 32, "1e2fb3c8fe8fb9f262f649f64d26ecf0f2c0a805a767cf02dc2d77a6ef1fdcc3");
	hkdf_two_keys(&out1, &out2, &ck, ss.data, sizeof(ss.data));
	CHECK(bytes_are(out1.data, 32, "b61ec1191326fa240decc9564369dbb3ae2b34341d1e11ad64ed89f89180582f"));
	CHECK(bytes_are(out2.data, 32, "e68f69b7f096d7917245f5e5cf8ae1595febe4d4644333c99f9c4a1282031c9f"));

	hex_to_array(ck.data, 32, "919219dbb2920afa8db80f9a51787a840bcf111ed8d588caf9ab4be716e42b01");
	hkdf_two_keys(&out1, &out2, &ck, NULL, 0);
	CHECK(bytes_are(out1.data, 32, "969ab31b4d288cedf6218839b27a3e2140827047f2c0f01bf5c04435d43511a9"));
	CHECK(bytes_are(out2.data, 32, "bb9020b8965f4df047e07f955f3c4b88418984aadc5cdb35096b9ea8fa5c3442"));

	k = out1;
	hkdf_two_keys(&ck, &k, &ck, k.data, sizeof(k.data));
	CHECK(bytes_are(ck.data, 32, "cc2c6e467efc8067720c2d09c139d1f77731893aad1defa14f9bf3c48d3f1d31"));
	CHECK(bytes_are(k.data, 32, "3fbdc101abd1132ca3a0ae34a669d8d9ba69a587e0bb4ddd59524541cf4813d8"));
}

static void test_aead_nonce_layout(void)
{
	uint8_t nonce[AEAD_NONCE_LEN];

	aead_nonce_from_counter(nonce, 0x0102030405060708ULL);
	CHECK(bytes_are(nonce, sizeof(nonce), "000000000807060504030201"));
	aead_nonce_from_counter(nonce, 1);
	CHECK(bytes_are(nonce, sizeof(nonce), "000000000100000000000000"));
}

/* BOLT #8 appendix A: act one's MAC (empty plaintext, nonce 0) and act
 * three's encrypted static key (nonce 1). */
static void test_aead_bolt8_vectors(void)
{
	struct secret k;
	uint8_t h[32], spub[33], out[49], back[33];

	hex_to_array(k.data, 32, "e68f69b7f096d7917245f5e5cf8ae1595febe4d4644333c99f9c4a1282031c9f");
	hex_to_array(h, 32, "9e0e7de8bb75554f21db034633de04be41a2b8a18da7a319a03c803bf02b396c");
	aead_encrypt(out, &k, 0, h, sizeof(h), NULL, 0);
	CHECK(bytes_are(out, 16, "0df6086551151f58b8afe6c195782c6a"));
	CHECK(aead_decrypt(NULL, &k, 0, h, sizeof(h), out, 16));

	hex_to_array(k.data, 32, "908b166535c01a935cf1e130a5fe895ab4e6f3ef8855d87e9b7581c4ab663ddc");
	hex_to_array(h, 32, "90578e247e98674e661013da3c5c1ca6a8c8f48c90b485c0dfa1494e23d56d72");
	hex_to_array(spub, 33, "034f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa");
	aead_encrypt(out, &k, 1, h, sizeof(h), spub, sizeof(spub));
	CHECK(bytes_are(out, 49, "b9e3a702e93e3a9948c2ed6e5fd7590a6e1c3a0344cfc9d5b57357049aa22355361aa02e55a8fc28fef5bd6d71ad0c3822"));
	CHECK(aead_decrypt(back, &k, 1, h, sizeof(h), out, sizeof(out)));
	CHECK_MEMEQ(back, spub, sizeof(spub));

	/* In place, both ways. */
	memcpy(back, spub, sizeof(spub));
	memcpy(out, spub, sizeof(spub));
	aead_encrypt(out, &k, 1, h, sizeof(h), out, sizeof(spub));
	CHECK(bytes_are(out, 49, "b9e3a702e93e3a9948c2ed6e5fd7590a6e1c3a0344cfc9d5b57357049aa22355361aa02e55a8fc28fef5bd6d71ad0c3822"));
	CHECK(aead_decrypt(out, &k, 1, h, sizeof(h), out, sizeof(out)));
	CHECK_MEMEQ(out, spub, sizeof(spub));
}

static void test_aead_rejects_tampering(void)
{
	struct secret k;
	uint8_t ad[3] = {1, 2, 3}, out[5 + AEAD_MAC_LEN], plain[5];

	memset(k.data, 7, sizeof(k.data));
	aead_encrypt(out, &k, 42, ad, sizeof(ad), "hello", 5);
	CHECK(aead_decrypt(plain, &k, 42, ad, sizeof(ad), out, sizeof(out)));
	CHECK_MEMEQ(plain, "hello", 5);

	CHECK(!aead_decrypt(plain, &k, 43, ad, sizeof(ad), out, sizeof(out)));
	CHECK(!aead_decrypt(plain, &k, 42, ad, 2, out, sizeof(out)));
	CHECK(!aead_decrypt(plain, &k, 42, ad, sizeof(ad), out, 4));
	out[0] ^= 1;
	memset(plain, 0xee, sizeof(plain));
	CHECK(!aead_decrypt(plain, &k, 42, ad, sizeof(ad), out, sizeof(out)));
	/* Never unauthenticated plaintext: zeros. */
	for (size_t i = 0; i < sizeof(plain); i++)
		CHECK(plain[i] == 0);
}

/* RFC 8439 appendix A.1 test vectors #1 and #5 (block counter 0), and
 * BOLT #4's ammag stream for the erring node of its error trace. */
static void test_chacha20_keystream_vectors(void)
{
	struct secret key;
	uint8_t nonce[CHACHA20_NONCE_LEN] = {0}, out[64];

	memset(key.data, 0, sizeof(key.data));
	chacha20_stream(out, sizeof(out), &key, nonce);
	CHECK(bytes_are(out, sizeof(out), "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586"));
	nonce[11] = 2;
	chacha20_stream(out, sizeof(out), &key, nonce);
	CHECK(bytes_are(out, sizeof(out), "c2c64d378cd536374ae204b9ef933fcd1a8b2288b3dfa49672ab765b54ee27c78a970e0e955c14f3a88e741b97c286f75f8fc299e8148362fa198a39531bed6d"));

	nonce[11] = 0;
	hex_to_array(key.data, 32, "2f36bb8822e1f0d04c27b7d8bb7d7dd586e032a3218b8d414afbba6f169a4d68");
	chacha20_stream(out, 32, &key, nonce);
	CHECK(bytes_are(out, 32, "e9c975b07c9a374ba64fd9be3aae955e917d34d1fa33f2e90f53bbf4394713c6"));
}

/* XOR applies the same keystream, in place or not, and twice is identity. */
static void test_chacha20_xor(void)
{
	struct secret key;
	uint8_t nonce[CHACHA20_NONCE_LEN] = {0}, stream[100], in[100], out[100];

	memset(key.data, 0x5a, sizeof(key.data));
	nonce[0] = 7;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 13);
	chacha20_stream(stream, sizeof(stream), &key, nonce);
	chacha20_xor(out, in, sizeof(in), &key, nonce);
	for (size_t i = 0; i < sizeof(in); i++)
		CHECK(out[i] == (in[i] ^ stream[i]));
	chacha20_xor(out, out, sizeof(out), &key, nonce);
	CHECK_MEMEQ(out, in, sizeof(in));
}

static void test_util_memeq_wipe_random(void)
{
	uint8_t a[32], b[32], zero[32] = {0};

	crypto_random_bytes(a, sizeof(a));
	crypto_random_bytes(b, sizeof(b));
	/* 2^-256 chance of a false failure. */
	CHECK(!crypto_memeq(a, b, sizeof(a)));
	memcpy(b, a, sizeof(a));
	CHECK(crypto_memeq(a, b, sizeof(a)));
	b[31] ^= 0x80;
	CHECK(!crypto_memeq(a, b, sizeof(a)));
	CRYPTO_WIPE(&a);
	CHECK_MEMEQ(a, zero, sizeof(zero));
}

static void test_privkey_validity(void)
{
	/* The group order n. */
	const char *n = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
	struct privkey key;

	key = privkey_from_hex("0000000000000000000000000000000000000000000000000000000000000000");
	CHECK(!privkey_is_valid(secp_ctx, &key));
	key = privkey_from_hex("0000000000000000000000000000000000000000000000000000000000000001");
	CHECK(privkey_is_valid(secp_ctx, &key));
	key = privkey_from_hex(n);
	CHECK(!privkey_is_valid(secp_ctx, &key));
	key = privkey_from_hex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140");
	CHECK(privkey_is_valid(secp_ctx, &key));

	privkey_generate(secp_ctx, &key);
	CHECK(privkey_is_valid(secp_ctx, &key));
}

static void test_pubkey_from_privkey_and_encoding(void)
{
	struct privkey one = privkey_from_hex("0000000000000000000000000000000000000000000000000000000000000001");
	struct privkey ls = privkey_from_hex("1111111111111111111111111111111111111111111111111111111111111111");
	struct privkey zero = privkey_from_hex("0000000000000000000000000000000000000000000000000000000000000000");
	struct pubkey g, pub, untouched;
	uint8_t der[PUBKEY_CMPR_LEN];

	CHECK(pubkey_from_privkey(secp_ctx, &g, &one));
	CHECK(pubkey_is(secp_ctx, &g, "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"));
	CHECK(pubkey_from_privkey(secp_ctx, &pub, &ls));
	CHECK(pubkey_is(secp_ctx, &pub, "034f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa"));

	untouched = pub;
	CHECK(!pubkey_from_privkey(secp_ctx, &pub, &zero));
	CHECK_MEMEQ(&pub, &untouched, sizeof(pub));

	/* Only 02/03 compressed points parse, and only points on the curve. */
	hex_to_array(der, sizeof(der), "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
	CHECK(!pubkey_parse(secp_ctx, &pub, der));
	/* x = 5: 5^3 + 7 is not a square mod p. */
	hex_to_array(der, sizeof(der), "020000000000000000000000000000000000000000000000000000000000000005");
	CHECK(!pubkey_parse(secp_ctx, &pub, der));
	CHECK_MEMEQ(&pub, &untouched, sizeof(pub));

	CHECK(pubkey_eq(secp_ctx, &pub, &untouched));
	CHECK(!pubkey_eq(secp_ctx, &pub, &g));
	/* 02... sorts before 03... */
	CHECK(pubkey_cmp(secp_ctx, &g, &pub) < 0);
	CHECK(pubkey_cmp(secp_ctx, &pub, &g) > 0);
}

/* BOLT #8's ECDH is SHA256 of the compressed shared point; check the
 * libsecp256k1 hash function against that definition and against act
 * one's `ss` in the BOLT #8 trace. */
static void test_ecdh_is_sha256_of_compressed_point(void)
{
	struct privkey e = privkey_from_hex("1212121212121212121212121212121212121212121212121212121212121212");
	struct pubkey rs = pubkey_from_hex(secp_ctx, "028d7500dd4c12685d1f568b4c2b5048e8534b873319f3a8daa612b469132ec7f7");
	struct privkey zero = privkey_from_hex("0000000000000000000000000000000000000000000000000000000000000000");
	struct secret ss, untouched;
	struct pubkey point;
	uint8_t der[PUBKEY_CMPR_LEN];
	struct sha256 expect;

	CHECK(ecdh_shared_secret(secp_ctx, &ss, &rs, &e));
	CHECK(bytes_are(ss.data, 32, "1e2fb3c8fe8fb9f262f649f64d26ecf0f2c0a805a767cf02dc2d77a6ef1fdcc3"));

	CHECK(pubkey_tweak_mul(secp_ctx, &point, &rs, e.secret.data));
	pubkey_serialize(secp_ctx, der, &point);
	sha256(&expect, der, sizeof(der));
	CHECK_MEMEQ(ss.data, expect.u8, 32);

	untouched = ss;
	CHECK(!ecdh_shared_secret(secp_ctx, &ss, &rs, &zero));
	CHECK_MEMEQ(&ss, &untouched, sizeof(ss));
}

/* BOLT #3 appendix E: every derivation is tweak add, tweak mul and
 * combine. */
static void test_tweaks_bolt3_key_derivation(void)
{
	json_t *root = vectors_load("bolt03-key-derivation.json");
	const json_t *common = json_object_get(root, "common");
	const json_t *tests = json_object_get(root, "tests");
	struct privkey base_secret = privkey_from_hex(json_str(common, "base_secret"));
	struct privkey pc_secret = privkey_from_hex(json_str(common, "per_commitment_secret"));
	struct pubkey base =
		pubkey_from_hex(secp_ctx, json_str(common, "base_point"));
	struct pubkey pc_point =
		pubkey_from_hex(secp_ctx, json_str(common, "per_commitment_point"));
	uint8_t base_der[33], pc_der[33], buf[66];
	struct sha256 pc_then_base, base_then_pc;
	struct pubkey pub, a, b, check;
	struct privkey priv, x, y;

	CHECK(json_array_size(tests) == 4);
	pubkey_serialize(secp_ctx, base_der, &base);
	pubkey_serialize(secp_ctx, pc_der, &pc_point);
	memcpy(buf, pc_der, 33);
	memcpy(buf + 33, base_der, 33);
	sha256(&pc_then_base, buf, sizeof(buf));
	memcpy(buf, base_der, 33);
	memcpy(buf + 33, pc_der, 33);
	sha256(&base_then_pc, buf, sizeof(buf));

	/* localpubkey = basepoint + SHA256(per_commitment_point || basepoint)*G */
	CHECK(pubkey_tweak_add(secp_ctx, &pub, &base, pc_then_base.u8));
	CHECK(pubkey_is(secp_ctx, &pub,
			json_str(json_array_get(tests, 0), "output")));

	/* localprivkey = basepoint_secret + SHA256(...), in place. */
	priv = base_secret;
	CHECK(privkey_tweak_add(secp_ctx, &priv, &priv, pc_then_base.u8));
	CHECK(bytes_are(priv.secret.data, 32,
			json_str(json_array_get(tests, 1), "output")));
	CHECK(pubkey_from_privkey(secp_ctx, &check, &priv));
	CHECK(pubkey_eq(secp_ctx, &check, &pub));

	/* revocationpubkey = rb*SHA256(rb || pcp) + pcp*SHA256(pcp || rb) */
	CHECK(pubkey_tweak_mul(secp_ctx, &a, &base, base_then_pc.u8));
	CHECK(pubkey_tweak_mul(secp_ctx, &b, &pc_point, pc_then_base.u8));
	CHECK(pubkey_combine(secp_ctx, &pub, &a, &b));
	CHECK(pubkey_is(secp_ctx, &pub,
			json_str(json_array_get(tests, 2), "output")));

	CHECK(privkey_tweak_mul(secp_ctx, &x, &base_secret, base_then_pc.u8));
	CHECK(privkey_tweak_mul(secp_ctx, &y, &pc_secret, pc_then_base.u8));
	CHECK(privkey_tweak_add(secp_ctx, &priv, &x, y.secret.data));
	CHECK(bytes_are(priv.secret.data, 32,
			json_str(json_array_get(tests, 3), "output")));
	CHECK(pubkey_from_privkey(secp_ctx, &check, &priv));
	CHECK(pubkey_eq(secp_ctx, &check, &pub));

	json_decref(root);
}

static void test_tweak_failures_leave_outputs_untouched(void)
{
	struct privkey key = privkey_from_hex("0000000000000000000000000000000000000000000000000000000000000003");
	struct privkey out = key;
	struct pubkey pub, pub_out, neg;
	uint8_t n[32], zero[32] = {0}, n_minus_3[32];

	hex_to_array(n, 32, "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
	hex_to_array(n_minus_3, 32, "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd036413e");
	CHECK(pubkey_from_privkey(secp_ctx, &pub, &key));
	pub_out = pub;

	CHECK(!privkey_tweak_add(secp_ctx, &out, &key, n));
	CHECK(!privkey_tweak_add(secp_ctx, &out, &key, n_minus_3)); /* = 0 */
	CHECK(!privkey_tweak_mul(secp_ctx, &out, &key, zero));
	CHECK_MEMEQ(&out, &key, sizeof(key));

	CHECK(!pubkey_tweak_add(secp_ctx, &pub_out, &pub, n));
	CHECK(!pubkey_tweak_add(secp_ctx, &pub_out, &pub, n_minus_3));
	CHECK(!pubkey_tweak_mul(secp_ctx, &pub_out, &pub, zero));
	CHECK(pubkey_eq(secp_ctx, &pub_out, &pub));

	/* 3G + (n-3)G is the point at infinity. */
	out = privkey_from_hex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd036413e");
	CHECK(pubkey_from_privkey(secp_ctx, &neg, &out));
	CHECK(!pubkey_combine(secp_ctx, &pub_out, &pub, &neg));
	CHECK(pubkey_eq(secp_ctx, &pub_out, &pub));
}

/* BOLT #11's examples are RFC 6979 signatures by one key over the given
 * sighash: ours must match byte for byte.  Its high-S example must fail
 * verification, and our signature of it is the low-S twin. */
static void test_ecdsa_bolt11_signatures(void)
{
	json_t *root = vectors_load("bolt11-invoices.json");
	struct privkey key = privkey_from_hex(json_str(root, "priv_key"));
	struct pubkey payee =
		pubkey_from_hex(secp_ctx, json_str(root, "payee_pubkey"));
	const json_t *examples = json_object_get(root, "valid_examples");
	size_t i, low_s = 0, high_s = 0;
	const json_t *ex;

	json_array_foreach(examples, i, ex) {
		const json_t *sb = json_object_get(ex, "signature_breakdown");
		struct ecdsa_signature sig, theirs;
		uint8_t rs[64], ours[64];
		struct sha256 sighash;

		if (!sb)
			continue;
		hex_to_array(sighash.u8, 32, json_str(sb, "sighash_hex"));
		hex_to_array(rs, 64, json_str(sb, "signature_rs_hex"));
		CHECK(ecdsa_sign(secp_ctx, &sig, &sighash, &key));
		ecdsa_signature_serialize_compact(secp_ctx, ours, &sig);
		CHECK(ecdsa_verify(secp_ctx, &sig, &sighash, &payee));
		CHECK(ecdsa_signature_parse_compact(secp_ctx, &theirs, rs));

		if (memcmp(ours, rs, 64) == 0) {
			low_s++;
			continue;
		}
		/* Different: must be the high-S twin (same r). */
		high_s++;
		CHECK_MEMEQ(ours, rs, 32);
		CHECK(!ecdsa_verify(secp_ctx, &theirs, &sighash, &payee));
	}
	CHECK(low_s == 10);
	CHECK(high_s == 1);
	json_decref(root);
}

static void test_ecdsa_verify_rejects_wrong_inputs(void)
{
	struct privkey key = privkey_from_hex("0000000000000000000000000000000000000000000000000000000000000001");
	struct pubkey pub, other;
	struct ecdsa_signature sig;
	struct sha256 msg, msg2;
	struct privkey zero = privkey_from_hex("0000000000000000000000000000000000000000000000000000000000000000");
	uint8_t compact[64];

	CHECK(pubkey_from_privkey(secp_ctx, &pub, &key));
	other = pubkey_from_hex(secp_ctx, "034f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa");
	sha256(&msg, "Satoshi Nakamoto", 16);
	sha256(&msg2, "Satoshi Nakamotp", 16);

	CHECK(ecdsa_sign(secp_ctx, &sig, &msg, &key));
	CHECK(ecdsa_verify(secp_ctx, &sig, &msg, &pub));
	CHECK(!ecdsa_verify(secp_ctx, &sig, &msg2, &pub));
	CHECK(!ecdsa_verify(secp_ctx, &sig, &msg, &other));
	CHECK(!ecdsa_sign(secp_ctx, &sig, &msg, &zero));

	/* r or s not below n does not parse. */
	memset(compact, 0xff, sizeof(compact));
	CHECK(!ecdsa_signature_parse_compact(secp_ctx, &sig, compact));
}

static void test_ecdsa_der_roundtrip(void)
{
	const char *compact_hex = "8d3ce9e28357337f62da0162d9454df827f83cfe499aeb1c1db349d4d81127425e434ca29929406c23bba1ae8ac6ca32880b38d4bf6ff874024cac34ba9625f1";
	/* r has its top bit set, so DER pads it with a zero byte. */
	const char *der_hex = "3045022100" "8d3ce9e28357337f62da0162d9454df827f83cfe499aeb1c1db349d4d8112742" "0220" "5e434ca29929406c23bba1ae8ac6ca32880b38d4bf6ff874024cac34ba9625f1";
	uint8_t compact[64], back[64], der[SIGNATURE_DER_MAX_LEN];
	struct ecdsa_signature sig, sig2;
	size_t len;

	hex_to_array(compact, 64, compact_hex);
	CHECK(ecdsa_signature_parse_compact(secp_ctx, &sig, compact));
	len = ecdsa_signature_serialize_der(secp_ctx, der, &sig);
	CHECK(len == 71);
	CHECK(bytes_are(der, len, der_hex));

	CHECK(ecdsa_signature_parse_der(secp_ctx, &sig2, der, len));
	ecdsa_signature_serialize_compact(secp_ctx, back, &sig2);
	CHECK_MEMEQ(back, compact, 64);

	/* Truncated, or with a trailing byte (e.g. a sighash type): not DER. */
	sig = sig2;
	CHECK(!ecdsa_signature_parse_der(secp_ctx, &sig2, der, len - 1));
	der[len] = 0x01;
	CHECK(!ecdsa_signature_parse_der(secp_ctx, &sig2, der, len + 1));
	CHECK_MEMEQ(&sig2, &sig, sizeof(sig));
}

int main(void)
{
	secp_ctx = keys_context_new();

	RUN(test_sha256_known_answers);
	RUN(test_sha256_streaming_matches_one_shot);
	RUN(test_sha256_double);
	RUN(test_hmac_sha256_rfc4231);
	RUN(test_hkdf_sha256_rfc5869);
	RUN(test_hkdf_two_keys_bolt8);
	RUN(test_aead_nonce_layout);
	RUN(test_aead_bolt8_vectors);
	RUN(test_aead_rejects_tampering);
	RUN(test_chacha20_keystream_vectors);
	RUN(test_chacha20_xor);
	RUN(test_util_memeq_wipe_random);
	RUN(test_privkey_validity);
	RUN(test_pubkey_from_privkey_and_encoding);
	RUN(test_ecdh_is_sha256_of_compressed_point);
	RUN(test_tweaks_bolt3_key_derivation);
	RUN(test_tweak_failures_leave_outputs_untouched);
	RUN(test_ecdsa_bolt11_signatures);
	RUN(test_ecdsa_verify_rejects_wrong_inputs);
	RUN(test_ecdsa_der_roundtrip);

	crypto_secp_context_destroy(secp_ctx);
	return test_done();
}
