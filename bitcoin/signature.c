/* ECDSA and Schnorr transaction signatures. */
#include "bitcoin/signature.h"

#include <string.h>

#include "bitcoin/sighash.h"
#include "crypto/secp.h"
#include "crypto/util.h"

bool bitcoin_signature_sign(const secp256k1_context *ctx,
			    struct bitcoin_signature *out,
			    const struct sha256 *sighash,
			    const struct privkey *key, uint8_t sighash_type)
{
	struct ecdsa_signature sig;

	/* crypto/'s ecdsa_sign is RFC 6979 and always low-S (BIP62/BIP146
	 * make high-S non-standard). */
	if (!ecdsa_sign(ctx, &sig, sighash, key))
		return false;
	out->sig = sig;
	out->sighash_type = sighash_type;
	return true;
}

bool bitcoin_signature_verify(const secp256k1_context *ctx,
			      const struct bitcoin_signature *sig,
			      const struct sha256 *sighash,
			      const struct pubkey *key)
{
	return ecdsa_verify(ctx, &sig->sig, sighash, key);
}

size_t bitcoin_signature_serialize(const secp256k1_context *ctx,
				   uint8_t out[BITCOIN_SIGNATURE_MAX_LEN],
				   const struct bitcoin_signature *sig)
{
	size_t len = ecdsa_signature_serialize_der(ctx, out, &sig->sig);

	out[len] = sig->sighash_type;
	return len + 1;
}

bool bitcoin_signature_parse(const secp256k1_context *ctx,
			     struct bitcoin_signature *out,
			     const uint8_t *in, size_t len)
{
	struct ecdsa_signature sig;

	if (len < 2 || !ecdsa_signature_parse_der(ctx, &sig, in, len - 1))
		return false;
	out->sig = sig;
	out->sighash_type = in[len - 1];
	return true;
}

bool taproot_sign_keypath(const secp256k1_context *ctx,
			  uint8_t out[TAPROOT_SIGNATURE_MAX_LEN],
			  size_t *out_len, const struct sha256 *sighash,
			  const struct privkey *internal_key,
			  const struct sha256 *merkle_root, uint8_t hash_type,
			  const uint8_t aux_rand[32])
{
	struct privkey tweaked;
	uint8_t sig[BIP340_SIGNATURE_LEN];
	bool ok;

	if (!bip341_hash_type_is_valid(hash_type))
		return false;
	ok = taproot_tweak_privkey(ctx, &tweaked, internal_key, merkle_root)
		&& bip340_sign(ctx, sig, sighash->u8, sizeof(sighash->u8),
			       &tweaked, aux_rand);
	crypto_wipe(&tweaked, sizeof(tweaked));
	if (!ok)
		return false;
	memcpy(out, sig, sizeof(sig));
	/* BIP341: a 64-byte signature means SIGHASH_DEFAULT; any other
	 * hash_type is appended as a 65th byte. */
	if (hash_type == SIGHASH_DEFAULT) {
		*out_len = BIP340_SIGNATURE_LEN;
	} else {
		out[BIP340_SIGNATURE_LEN] = hash_type;
		*out_len = BIP340_SIGNATURE_LEN + 1;
	}
	return true;
}
