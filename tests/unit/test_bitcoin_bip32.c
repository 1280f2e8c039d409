/* Tests for bitcoin/bip32: every BIP32 test vector (1 to 5, from
 * tests/vectors/bip32-test-vectors.json), plus paths and public
 * derivation. */
#include "bitcoin/bip32.h"
#include "bitcoin/chainparams.h"
#include "crypto/secp.h"
#include "tests/unit/keys.h"

static secp256k1_context *ctx;

/* Checks one chain: derivation from the master matches both strings,
 * both strings parse back to the same key, and, for a non-hardened last
 * step, public derivation from the parent's xpub agrees. */
static void check_chain(const struct bip32_key *master, const char *path,
			const char *want_pub, const char *want_prv)
{
	const struct chainparams *bitcoin = chainparams_for_network("bitcoin");
	struct bip32_key key, pub, parsed, parent;
	char str[BIP32_STRING_MAX_LEN + 1];
	const char *err = NULL;
	uint32_t indices[BIP32_MAX_DEPTH];
	size_t n;

	CHECK_MSG(bip32_derive_path(ctx, &key, master, path, &err), "%s: %s",
		  path, err);
	bip32_serialize(ctx, str, &key, bitcoin);
	CHECK_STREQ(str, want_prv);
	bip32_key_neuter(&pub, &key);
	bip32_serialize(ctx, str, &pub, bitcoin);
	CHECK_STREQ(str, want_pub);

	CHECK_MSG(bip32_parse(ctx, &parsed, bitcoin, want_prv, &err), "%s", err);
	CHECK(parsed.is_private);
	CHECK_MEMEQ(parsed.privkey.secret.data, key.privkey.secret.data, 32);
	bip32_serialize(ctx, str, &parsed, bitcoin);
	CHECK_STREQ(str, want_prv);
	CHECK_MSG(bip32_parse(ctx, &parsed, bitcoin, want_pub, &err), "%s", err);
	CHECK(!parsed.is_private);
	CHECK(pubkey_eq(ctx, &parsed.pubkey, &key.pubkey));
	bip32_serialize(ctx, str, &parsed, bitcoin);
	CHECK_STREQ(str, want_pub);

	CHECK(bip32_parse_path(indices, &n, BIP32_MAX_DEPTH, path, &err));
	if (n > 0) {
		struct bip32_key parent_pub, child;
		char *parent_path = strdup(path);

		*strrchr(parent_path, '/') = '\0';
		CHECK(bip32_derive_path(ctx, &parent, master, parent_path,
					&err));
		bip32_key_neuter(&parent_pub, &parent);
		/* CKDpub works exactly for non-hardened children. */
		CHECK(bip32_derive_child(ctx, &child, &parent_pub,
					 indices[n - 1])
		      == !(indices[n - 1] & BIP32_HARDENED));
		if (!(indices[n - 1] & BIP32_HARDENED)) {
			bip32_serialize(ctx, str, &child, bitcoin);
			CHECK_STREQ(str, want_pub);
		}
		free(parent_path);
		bip32_key_wipe(&parent);
	}
	bip32_key_wipe(&key);
	bip32_key_wipe(&parsed);
}

static void test_bip32_vectors_1_to_4(void)
{
	json_t *root = vectors_load("bip32-test-vectors.json");
	json_t *vectors = json_object_get(root, "vectors"), *v, *chain;
	int chains = 0;
	size_t i, j;

	json_array_foreach(vectors, i, v) {
		struct bip32_key master;
		size_t seed_len;
		uint8_t *seed = hex_to_bytes(json_str(v, "seed"), &seed_len);

		CHECK(bip32_from_seed(ctx, &master, seed, seed_len));
		json_array_foreach(json_object_get(v, "chains"), j, chain) {
			check_chain(&master, json_str(chain, "chain"),
				    json_str(chain, "ext_pub"),
				    json_str(chain, "ext_prv"));
			chains++;
		}
		bip32_key_wipe(&master);
		free(seed);
	}
	CHECK(json_array_size(vectors) == 4);
	/* 6 + 6 + 2 + 3 chains in vectors 1 to 4. */
	CHECK(chains == 17);
	json_decref(root);
}

static void test_bip32_vector_5_invalid_keys(void)
{
	const struct chainparams *bitcoin = chainparams_for_network("bitcoin");
	json_t *root = vectors_load("bip32-test-vectors.json");
	json_t *keys = json_object_get(root, "invalid_keys"), *k;
	size_t i;

	json_array_foreach(keys, i, k) {
		struct bip32_key key;
		const char *err = NULL;

		CHECK_MSG(!bip32_parse(ctx, &key, bitcoin, json_str(k, "key"),
				       &err),
			  "accepted %s (%s)", json_str(k, "key"),
			  json_str(k, "reason"));
		CHECK(err != NULL);
	}
	CHECK(json_array_size(keys) == 16);
	json_decref(root);
}

static void test_vector_1_fingerprint_and_errors(void)
{
	const struct chainparams *bitcoin = chainparams_for_network("bitcoin");
	uint8_t seed[16], fp[4];
	struct bip32_key master, key;
	const char *err = NULL;

	for (size_t i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)i;
	CHECK(bip32_from_seed(ctx, &master, seed, sizeof(seed)));
	/* BIP32 vector 1: master key identifier 3442193e... */
	bip32_fingerprint(ctx, fp, &master);
	CHECK(fp[0] == 0x34 && fp[1] == 0x42 && fp[2] == 0x19 && fp[3] == 0x3e);
	/* Seeds outside 128..512 bits. */
	CHECK(!bip32_from_seed(ctx, &key, seed, 15));
	/* Wrong network: a tprv is not a bitcoin key. */
	CHECK(!bip32_parse(ctx, &key, chainparams_for_network("regtest"),
			   "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi",
			   &err));
	CHECK_STREQ(err, "unknown extended key version");
	CHECK(bip32_parse(ctx, &key, bitcoin,
			  "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi",
			  &err));
	/* Hardened derivation from a public key fails with a reason. */
	bip32_key_neuter(&key, &master);
	CHECK(!bip32_derive_path(ctx, &key, &key, "m/0'", &err));
	CHECK_STREQ(err, "hardened derivation needs a private key");
	bip32_key_wipe(&master);
	bip32_key_wipe(&key);
}

static void test_path_parsing(void)
{
	uint32_t idx[8];
	size_t n;
	const char *err;
	static const char *bad[] = {
		"m/", "m//1", "m/2147483648", "m/1''", "x", "m/1/", "/1",
		"m/-1", "m/1a", "mm/1", "m/99999999999999999999",
	};

	CHECK(bip32_parse_path(idx, &n, 8, "m/84'/1'/0'/0/5", &err));
	CHECK(n == 5 && idx[0] == (84 | BIP32_HARDENED)
	      && idx[1] == (1 | BIP32_HARDENED) && idx[2] == BIP32_HARDENED
	      && idx[3] == 0 && idx[4] == 5);
	CHECK(bip32_parse_path(idx, &n, 8, "m", &err) && n == 0);
	CHECK(bip32_parse_path(idx, &n, 8, "0h/2147483647H", &err));
	CHECK(n == 2 && idx[0] == BIP32_HARDENED && idx[1] == 0xffffffffu);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = NULL;
		CHECK_MSG(!bip32_parse_path(idx, &n, 8, bad[i], &err), "%s",
			  bad[i]);
		CHECK(err != NULL);
	}
	CHECK(!bip32_parse_path(idx, &n, 2, "m/1/2/3", &err));
	CHECK_STREQ(err, "path too long");
}

int main(void)
{
	ctx = keys_context_new();
	RUN(test_bip32_vectors_1_to_4);
	RUN(test_bip32_vector_5_invalid_keys);
	RUN(test_vector_1_fingerprint_and_errors);
	RUN(test_path_parsing);
	crypto_secp_context_destroy(ctx);
	return test_done();
}
