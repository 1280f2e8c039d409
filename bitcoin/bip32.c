/* BIP32 over libsecp256k1 (curve arithmetic) and libsodium (HMAC-SHA512).
 * Secret intermediates (I, serialized keys) are wiped before returning. */
#include "bitcoin/bip32.h"

#include <stdlib.h>
#include <string.h>

#include <sodium/crypto_auth_hmacsha512.h>

#include "bitcoin/base58.h"
#include "crypto/ripemd160.h"
#include "crypto/secp.h"
#include "crypto/util.h"

static void hmac_sha512(uint8_t out[64], const uint8_t *key, size_t key_len,
			const uint8_t *data, size_t len)
{
	crypto_auth_hmacsha512_state st;

	crypto_auth_hmacsha512_init(&st, key, key_len);
	crypto_auth_hmacsha512_update(&st, data, len);
	crypto_auth_hmacsha512_final(&st, out);
	crypto_wipe(&st, sizeof(st));
}

static void be32_put(uint8_t out[4], uint32_t v)
{
	out[0] = v >> 24;
	out[1] = v >> 16;
	out[2] = v >> 8;
	out[3] = v;
}

static uint32_t be32_get(const uint8_t in[4])
{
	return ((uint32_t)in[0] << 24) | ((uint32_t)in[1] << 16)
		| ((uint32_t)in[2] << 8) | in[3];
}

bool bip32_from_seed(const secp256k1_context *ctx, struct bip32_key *out,
		     const uint8_t *seed, size_t seed_len)
{
	static const char key[] = "Bitcoin seed";
	uint8_t I[64];
	struct bip32_key k;
	bool ok;

	/* BIP32: "Generate a seed byte sequence S of a chosen length
	 * (between 128 and 512 bits)". */
	if (seed_len < 16 || seed_len > 64)
		return false;
	hmac_sha512(I, (const uint8_t *)key, strlen(key), seed, seed_len);
	memset(&k, 0, sizeof(k));
	memcpy(k.privkey.secret.data, I, 32);
	memcpy(k.chain_code, I + 32, 32);
	k.is_private = true;
	/* "In case parse256(IL) is 0 or parse256(IL) >= n, the master key is
	 * invalid." */
	ok = pubkey_from_privkey(ctx, &k.pubkey, &k.privkey);
	if (ok)
		*out = k;
	crypto_wipe(I, sizeof(I));
	bip32_key_wipe(&k);
	return ok;
}

void bip32_fingerprint(const secp256k1_context *ctx,
		       uint8_t out[BIP32_FINGERPRINT_LEN],
		       const struct bip32_key *key)
{
	uint8_t der[PUBKEY_CMPR_LEN];
	struct ripemd160 h;

	pubkey_serialize(ctx, der, &key->pubkey);
	hash160(&h, der, sizeof(der));
	memcpy(out, h.u8, BIP32_FINGERPRINT_LEN);
}

bool bip32_derive_child(const secp256k1_context *ctx, struct bip32_key *out,
			const struct bip32_key *parent, uint32_t index)
{
	uint8_t data[1 + 32 + 4], I[64];
	struct bip32_key child;
	bool ok;

	if (parent->depth == BIP32_MAX_DEPTH)
		return false;
	if (index & BIP32_HARDENED) {
		/* "CKDpub ... If so (hardened child): return failure" */
		if (!parent->is_private)
			return false;
		/* "Data = 0x00 || ser256(kpar) || ser32(i)" */
		data[0] = 0x00;
		memcpy(data + 1, parent->privkey.secret.data, 32);
	} else {
		/* "Data = serP(point(kpar)) || ser32(i)" */
		pubkey_serialize(ctx, data, &parent->pubkey);
	}
	be32_put(data + 33, index);
	hmac_sha512(I, parent->chain_code, 32, data, sizeof(data));

	memset(&child, 0, sizeof(child));
	child.depth = parent->depth + 1;
	bip32_fingerprint(ctx, child.parent_fingerprint, parent);
	child.child_number = index;
	memcpy(child.chain_code, I + 32, 32);
	child.is_private = parent->is_private;
	/* "In case parse256(IL) >= n or ki = 0 (resp. Ki is the point at
	 * infinity), the resulting key is invalid": the tweak functions
	 * fail in exactly those cases. */
	if (parent->is_private)
		ok = privkey_tweak_add(ctx, &child.privkey, &parent->privkey, I)
			&& pubkey_from_privkey(ctx, &child.pubkey,
					       &child.privkey);
	else
		ok = pubkey_tweak_add(ctx, &child.pubkey, &parent->pubkey, I);
	if (ok)
		*out = child;
	crypto_wipe(data, sizeof(data));
	crypto_wipe(I, sizeof(I));
	bip32_key_wipe(&child);
	return ok;
}

static bool path_fail(const char **err, const char *why)
{
	if (err)
		*err = why;
	return false;
}

bool bip32_parse_path(uint32_t *indices, size_t *num_indices,
		      size_t max_indices, const char *path, const char **err)
{
	uint32_t parsed[BIP32_MAX_DEPTH];
	size_t n = 0;
	const char *p = path;

	if (p[0] == 'm') {
		if (p[1] == '\0') {
			*num_indices = 0;
			return true;
		}
		if (p[1] != '/')
			return path_fail(err, "path must start with 'm/'");
		p += 2;
	}
	for (;;) {
		uint64_t v = 0;

		if (*p < '0' || *p > '9')
			return path_fail(err, "path component is not a number");
		while (*p >= '0' && *p <= '9') {
			v = v * 10 + (uint64_t)(*p++ - '0');
			if (v >= BIP32_HARDENED)
				return path_fail(err, "path index must be "
						 "below 2^31");
		}
		if (*p == '\'' || *p == 'h' || *p == 'H') {
			v |= BIP32_HARDENED;
			p++;
		}
		if (n == max_indices || n == BIP32_MAX_DEPTH)
			return path_fail(err, "path too long");
		parsed[n++] = (uint32_t)v;
		if (*p == '\0')
			break;
		if (*p++ != '/')
			return path_fail(err, "unexpected character in path");
	}
	memcpy(indices, parsed, n * sizeof(parsed[0]));
	*num_indices = n;
	return true;
}

bool bip32_derive_path(const secp256k1_context *ctx, struct bip32_key *out,
		       const struct bip32_key *root, const char *path,
		       const char **err)
{
	uint32_t indices[BIP32_MAX_DEPTH];
	size_t n;
	struct bip32_key key = *root;

	if (!bip32_parse_path(indices, &n, BIP32_MAX_DEPTH, path, err))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!bip32_derive_child(ctx, &key, &key, indices[i])) {
			bool needs_private = (indices[i] & BIP32_HARDENED)
				&& !key.is_private;

			bip32_key_wipe(&key);
			return path_fail(err, needs_private
					 ? "hardened derivation needs a "
					   "private key"
					 : "derivation failed: invalid child "
					   "key");
		}
	}
	*out = key;
	bip32_key_wipe(&key);
	return true;
}

void bip32_key_neuter(struct bip32_key *out, const struct bip32_key *key)
{
	struct bip32_key pub = *key;

	pub.is_private = false;
	crypto_wipe(&pub.privkey, sizeof(pub.privkey));
	*out = pub;
}

void bip32_serialize(const secp256k1_context *ctx,
		     char out[BIP32_STRING_MAX_LEN + 1],
		     const struct bip32_key *key,
		     const struct chainparams *params)
{
	uint8_t buf[BIP32_SERIALIZED_LEN];

	/* "4 byte: version bytes ...; 1 byte: depth ...; 4 bytes: the
	 * fingerprint of the parent's key ...; 4 bytes: child number ...;
	 * 32 bytes: the chain code; 33 bytes: the public key or private key
	 * data (serP(K) for public keys, 0x00 || ser256(k) for private
	 * keys)" */
	be32_put(buf, key->is_private ? params->bip32_privkey_version
		 : params->bip32_pubkey_version);
	buf[4] = key->depth;
	memcpy(buf + 5, key->parent_fingerprint, 4);
	be32_put(buf + 9, key->child_number);
	memcpy(buf + 13, key->chain_code, 32);
	if (key->is_private) {
		buf[45] = 0x00;
		memcpy(buf + 46, key->privkey.secret.data, 32);
	} else {
		pubkey_serialize(ctx, buf + 45, &key->pubkey);
	}
	/* 78 bytes always fit BIP32_STRING_MAX_LEN. */
	base58check_encode(out, BIP32_STRING_MAX_LEN + 1, buf, sizeof(buf));
	crypto_wipe(buf, sizeof(buf));
}

bool bip32_parse(const secp256k1_context *ctx, struct bip32_key *out,
		 const struct chainparams *params, const char *str,
		 const char **err)
{
	uint8_t buf[BASE58_MAX_PAYLOAD];
	struct bip32_key key;
	uint32_t version;
	size_t len;
	const char *why = NULL;

	memset(&key, 0, sizeof(key));
	if (!base58check_decode(buf, &len, sizeof(buf), str, &why))
		goto fail;
	if (len != BIP32_SERIALIZED_LEN) {
		why = "extended key is not 78 bytes";
		goto fail;
	}
	version = be32_get(buf);
	if (version == params->bip32_privkey_version) {
		key.is_private = true;
	} else if (version != params->bip32_pubkey_version) {
		why = "unknown extended key version";
		goto fail;
	}
	key.depth = buf[4];
	memcpy(key.parent_fingerprint, buf + 5, 4);
	key.child_number = be32_get(buf + 9);
	memcpy(key.chain_code, buf + 13, 32);
	if (key.depth == 0 && be32_get(key.parent_fingerprint) != 0) {
		why = "zero depth with non-zero parent fingerprint";
		goto fail;
	}
	if (key.depth == 0 && key.child_number != 0) {
		why = "zero depth with non-zero child number";
		goto fail;
	}
	if (key.is_private) {
		if (buf[45] != 0x00) {
			why = "private key version with public key data";
			goto fail;
		}
		memcpy(key.privkey.secret.data, buf + 46, 32);
		if (!pubkey_from_privkey(ctx, &key.pubkey, &key.privkey)) {
			why = "private key not in 1..n-1";
			goto fail;
		}
	} else {
		if (buf[45] == 0x00) {
			why = "public key version with private key data";
			goto fail;
		}
		if (!pubkey_parse(ctx, &key.pubkey, buf + 45)) {
			why = "invalid public key";
			goto fail;
		}
	}
	*out = key;
	crypto_wipe(buf, sizeof(buf));
	bip32_key_wipe(&key);
	return true;

fail:
	if (err)
		*err = why;
	crypto_wipe(buf, sizeof(buf));
	bip32_key_wipe(&key);
	return false;
}

void bip32_key_wipe(struct bip32_key *key)
{
	crypto_wipe(key, sizeof(*key));
}
