/* Tests for channel/keys: the BOLT #3 Appendix E key derivation vectors,
 * the keys Appendix C derives from its INTERNAL secrets, per-commitment
 * points from a seed, and our per-channel secret derivation (pinned, so a
 * change cannot silently lose access to existing channels' funds). */
#include "channel/keys.h"
#include "channel/shachain.h"
#include "crypto/secp.h"
#include "tests/unit/keys.h"

static secp256k1_context *ctx;

static struct secret secret_from_hex(const char *hex)
{
	struct secret s;

	hex_to_array(s.data, sizeof(s.data), hex);
	return s;
}

static bool privkey_is(const struct privkey *key, const char *hex)
{
	return bytes_are(key->secret.data, sizeof(key->secret.data), hex);
}

/* The output of the Appendix E test called name. */
static const char *appendix_e_output(json_t *root, const char *name)
{
	json_t *tests = json_object_get(root, "tests"), *t;
	size_t i;

	json_array_foreach(tests, i, t)
		if (strcmp(json_str(t, "name"), name) == 0)
			return json_str(t, "output");
	CHECK_MSG(false, "no Appendix E test named %s", name);
	return "";
}

static void test_appendix_e_key_derivation(void)
{
	json_t *root = vectors_load("bolt03-key-derivation.json");
	json_t *common = json_object_get(root, "common");
	struct privkey base_secret = privkey_from_hex(json_str(common, "base_secret"));
	struct secret per_commitment_secret =
		secret_from_hex(json_str(common, "per_commitment_secret"));
	struct pubkey base_point = pubkey_from_hex(ctx, json_str(common, "base_point"));
	struct pubkey per_commitment_point, derived;
	struct privkey derived_priv;

	CHECK(json_array_size(json_object_get(root, "tests")) == 4);
	CHECK(channel_per_commitment_point(ctx, &per_commitment_point,
					   &per_commitment_secret));
	CHECK(pubkey_is(ctx, &per_commitment_point,
			json_str(common, "per_commitment_point")));
	CHECK(pubkey_from_privkey(ctx, &derived, &base_secret));
	CHECK(pubkey_eq(ctx, &derived, &base_point));

	CHECK(channel_derive_pubkey(ctx, &derived, &base_point,
				    &per_commitment_point));
	CHECK(pubkey_is(ctx, &derived, appendix_e_output(root,
		"derivation of pubkey from basepoint and per_commitment_point")));

	CHECK(channel_derive_privkey(ctx, &derived_priv, &base_secret,
				     &per_commitment_point));
	CHECK(privkey_is(&derived_priv, appendix_e_output(root,
		"derivation of private key from basepoint secret and per_commitment_secret")));

	CHECK(channel_derive_revocation_pubkey(ctx, &derived, &base_point,
					       &per_commitment_point));
	CHECK(pubkey_is(ctx, &derived, appendix_e_output(root,
		"derivation of revocation pubkey from basepoint and per_commitment_point")));

	CHECK(channel_derive_revocation_privkey(ctx, &derived_priv, &base_secret,
						&per_commitment_secret));
	CHECK(privkey_is(&derived_priv, appendix_e_output(root,
		"derivation of revocation secret from basepoint_secret and per_commitment_secret")));
	json_decref(root);
}

/* The derived private keys match the derived public keys. */
static void test_privkeys_match_pubkeys(void)
{
	struct privkey base = privkey_from_hex(
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
	struct secret pcs = secret_from_hex(
		"1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100");
	struct pubkey basepoint, point, from_priv, from_pub;
	struct privkey priv;

	CHECK(pubkey_from_privkey(ctx, &basepoint, &base));
	CHECK(channel_per_commitment_point(ctx, &point, &pcs));

	CHECK(channel_derive_privkey(ctx, &priv, &base, &point));
	CHECK(channel_derive_pubkey(ctx, &from_pub, &basepoint, &point));
	CHECK(pubkey_from_privkey(ctx, &from_priv, &priv));
	CHECK(pubkey_eq(ctx, &from_priv, &from_pub));

	CHECK(channel_derive_revocation_privkey(ctx, &priv, &base, &pcs));
	CHECK(channel_derive_revocation_pubkey(ctx, &from_pub, &basepoint,
					       &point));
	CHECK(pubkey_from_privkey(ctx, &from_priv, &priv));
	CHECK(pubkey_eq(ctx, &from_priv, &from_pub));
}

/* Appendix C's keys come from its INTERNAL secrets by these formulas. */
static void test_appendix_c_keys(void)
{
	json_t *root = vectors_load("bolt03-commitment-tx.json");
	json_t *common = json_object_get(root, "common");
	json_t *internal = json_object_get(common, "internal");
	struct secret pcs = secret_from_hex(
		json_str(internal, "x_local_per_commitment_secret"));
	struct privkey local_payment_secret = privkey_from_hex(
		json_str(internal, "local_payment_basepoint_secret"));
	struct privkey remote_payment_secret = privkey_from_hex(
		json_str(internal, "remote_payment_basepoint_secret"));
	struct privkey delayed_secret = privkey_from_hex(
		json_str(internal, "local_delayed_payment_basepoint_secret"));
	struct pubkey point, key;
	struct privkey priv;

	CHECK(channel_per_commitment_point(ctx, &point, &pcs));
	CHECK(pubkey_is(ctx, &point,
			json_str(internal, "local_per_commitment_point")));

	/* The spec uses the payment basepoints as HTLC basepoints too. */
	key = pubkey_from_hex(ctx, json_str(common, "local_htlc_basepoint"));
	CHECK(channel_derive_pubkey(ctx, &key, &key, &point));
	CHECK(pubkey_is(ctx, &key, json_str(common, "local_htlcpubkey")));
	CHECK(channel_derive_privkey(ctx, &priv, &local_payment_secret, &point));
	CHECK(privkey_is(&priv, json_str(common, "local_privkey")));

	key = pubkey_from_hex(ctx, json_str(common, "remote_htlc_basepoint"));
	CHECK(channel_derive_pubkey(ctx, &key, &key, &point));
	CHECK(pubkey_is(ctx, &key, json_str(common, "remote_htlcpubkey")));
	CHECK(channel_derive_privkey(ctx, &priv, &remote_payment_secret, &point));
	CHECK(privkey_is(&priv, json_str(internal, "remote_privkey")));

	key = pubkey_from_hex(ctx, json_str(internal,
					    "local_delayed_payment_basepoint"));
	CHECK(channel_derive_pubkey(ctx, &key, &key, &point));
	CHECK(pubkey_is(ctx, &key, json_str(common, "local_delayedpubkey")));
	CHECK(channel_derive_privkey(ctx, &priv, &delayed_secret, &point));
	CHECK(privkey_is(&priv, json_str(internal, "local_delayed_privkey")));

	key = pubkey_from_hex(ctx, json_str(internal,
					    "remote_revocation_basepoint"));
	CHECK(channel_derive_revocation_pubkey(ctx, &key, &key, &point));
	CHECK(pubkey_is(ctx, &key, json_str(common, "local_revocation_pubkey")));
	json_decref(root);
}

static void test_per_commitment_from_seed(void)
{
	struct secret seed, a, b;
	struct pubkey p1, p2;

	memset(seed.data, 0xff, sizeof(seed.data));
	/* Commitment 0 is index 2^48 - 1, the "FF final node" vector. */
	CHECK(channel_per_commitment_secret(&a, &seed, 0));
	CHECK(bytes_are(a.data, sizeof(a.data),
			"7cc854b54e3e0dcdb010d7a3fee464a9687be6e8db3be6854c475621e007a5dc"));
	CHECK(channel_per_commitment_secret(&a, &seed, 41));
	CHECK(shachain_from_seed(&b, &seed, SHACHAIN_MAX_INDEX - 41));
	CHECK(memcmp(a.data, b.data, sizeof(a.data)) == 0);

	/* The last usable commitment number, then one too many. */
	CHECK(channel_per_commitment_secret(&a, &seed, SHACHAIN_MAX_INDEX));
	CHECK(shachain_from_seed(&b, &seed, 0));
	CHECK(memcmp(a.data, b.data, sizeof(a.data)) == 0);
	CHECK(!channel_per_commitment_secret(&a, &seed, SHACHAIN_MAX_INDEX + 1));
	CHECK(!channel_per_commitment_point_from_seed(ctx, &p1, &seed,
						      SHACHAIN_MAX_INDEX + 1));

	CHECK(channel_per_commitment_point_from_seed(ctx, &p1, &seed, 7));
	CHECK(channel_per_commitment_secret(&a, &seed, 7));
	CHECK(channel_per_commitment_point(ctx, &p2, &a));
	CHECK(pubkey_eq(ctx, &p1, &p2));
}

/* The derivation is pinned: HKDF-SHA256 with an empty salt, ikm the node
 * secret, info "ohm channel" || u64be(index), computed independently. */
static void test_channel_secrets_derive_pinned(void)
{
	static const char *const want[2][6] = {
		{ "fcbb22fef84705d3c051615e01d72c66da94f71af811cfcd7691146ffe852b0f",
		  "9faec6899444f96a545c20c0d54024359335098d6ed2cbbbe25cfedab12e29e2",
		  "68d06b0e9c0f28607943748af486a34454409628fccef483583474de4ec4c13a",
		  "8e94906f085c7836b0968090deb9880d67c716ee1ca5fe58f59a83dfd88e30f4",
		  "1ac8d07e305b98d93d63f64ff93f7344bb835242fa573d2f50034b9011af6128",
		  "f3e9e8f5bc6ce2490e8288a6acc49e152d8c6275ec942a702672f34cc160d430" },
		{ "e2c77e2f7af3b02e69722609aba03b0784c00862f666a5ff334704a257eaae4c",
		  "9295b96ae49f8d0ae9e3b2600d2b28813ec1cac324fb228277cfb34d3b5dc7fc",
		  "d3fa6da395b8987e3a7cc8a6f5a273aa573b032cf423079940b033d6d0c4ff84",
		  "4bb0ec42eefd1a8a281438f3f3882dfc6af1a0bc1f280f6b6bdebbed94bbf8d3",
		  "43e02b1345bbe04e248268631db0cf1aaabb877661d7bba7394ed9c98cddb746",
		  "a8b70539ae4e5ca51a867537327eee11343305728feb9cdae9965565bd833e98" },
	};
	struct secret node_secret;

	memset(node_secret.data, 0x01, sizeof(node_secret.data));
	for (uint64_t index = 0; index < 2; index++) {
		struct channel_secrets s;
		struct channel_basepoints bp;
		struct pubkey funding, expect;

		CHECK(channel_secrets_derive(ctx, &s, &node_secret, index));
		CHECK(privkey_is(&s.funding, want[index][0]));
		CHECK(privkey_is(&s.revocation_basepoint_secret, want[index][1]));
		CHECK(privkey_is(&s.payment_basepoint_secret, want[index][2]));
		CHECK(privkey_is(&s.delayed_payment_basepoint_secret,
				 want[index][3]));
		CHECK(privkey_is(&s.htlc_basepoint_secret, want[index][4]));
		CHECK(bytes_are(s.shachain_seed.data, 32, want[index][5]));

		CHECK(channel_secrets_public(ctx, &funding, &bp, &s));
		CHECK(pubkey_from_privkey(ctx, &expect, &s.funding));
		CHECK(pubkey_eq(ctx, &funding, &expect));
		CHECK(pubkey_from_privkey(ctx, &expect, &s.htlc_basepoint_secret));
		CHECK(pubkey_eq(ctx, &bp.htlc, &expect));

		channel_secrets_wipe(&s);
		for (size_t i = 0; i < sizeof(s); i++)
			CHECK(((const uint8_t *)&s)[i] == 0);
	}
}

/* Invalid secrets fail without writing the output. */
static void test_invalid_inputs(void)
{
	struct channel_secrets zero;
	struct channel_basepoints bp, before;
	struct pubkey funding;
	struct privkey out, sentinel;
	struct secret pcs;
	struct pubkey point = pubkey_from_hex(ctx,
		"025f7117a78150fe2ef97db7cfc83bd57b2e2c0d0dd25eaf467a4a1c2a45ce1486");

	memset(&zero, 0, sizeof(zero));
	memset(&bp, 0x5a, sizeof(bp));
	before = bp;
	CHECK(!channel_secrets_public(ctx, &funding, &bp, &zero));
	CHECK(memcmp(&bp, &before, sizeof(bp)) == 0);

	memset(&sentinel, 0x77, sizeof(sentinel));
	out = sentinel;
	CHECK(!channel_derive_privkey(ctx, &out, &zero.funding, &point));
	CHECK(memcmp(&out, &sentinel, sizeof(out)) == 0);
	memset(pcs.data, 0, sizeof(pcs.data));
	CHECK(!channel_per_commitment_point(ctx, &funding, &pcs));
	CHECK(!channel_derive_revocation_privkey(ctx, &out, &zero.funding, &pcs));
	CHECK(memcmp(&out, &sentinel, sizeof(out)) == 0);
}

int main(void)
{
	ctx = keys_context_new();
	RUN(test_appendix_e_key_derivation);
	RUN(test_privkeys_match_pubkeys);
	RUN(test_appendix_c_keys);
	RUN(test_per_commitment_from_seed);
	RUN(test_channel_secrets_derive_pinned);
	RUN(test_invalid_inputs);
	crypto_secp_context_destroy(ctx);
	return test_done();
}
