/* BIP340/BIP341 over libsecp256k1.  Secret copies (keypairs) are wiped
 * before returning. */
#include "bitcoin/taproot.h"

#include <assert.h>
#include <string.h>

#include <secp256k1_schnorrsig.h>

#include "bitcoin/script.h"
#include "bitcoin/serialize.h"
#include "crypto/util.h"

void bip340_tagged_hash_init(struct sha256_ctx *sctx, const char *tag)
{
	struct sha256 tag_hash;

	sha256(&tag_hash, tag, strlen(tag));
	sha256_init(sctx);
	sha256_update(sctx, tag_hash.u8, sizeof(tag_hash.u8));
	sha256_update(sctx, tag_hash.u8, sizeof(tag_hash.u8));
}

void bip340_tagged_hash(struct sha256 *out, const char *tag,
			const void *data, size_t len)
{
	struct sha256_ctx sctx;

	bip340_tagged_hash_init(&sctx, tag);
	sha256_update(&sctx, data, len);
	sha256_final(out, &sctx);
}

bool xonly_pubkey_parse(const secp256k1_context *ctx, struct xonly_pubkey *out,
			const uint8_t in[XONLY_PUBKEY_LEN])
{
	secp256k1_xonly_pubkey tmp;

	if (!secp256k1_xonly_pubkey_parse(ctx, &tmp, in))
		return false;
	out->pubkey = tmp;
	return true;
}

void xonly_pubkey_serialize(const secp256k1_context *ctx,
			    uint8_t out[XONLY_PUBKEY_LEN],
			    const struct xonly_pubkey *key)
{
	secp256k1_xonly_pubkey_serialize(ctx, out, &key->pubkey);
}

void xonly_pubkey_from_pubkey(const secp256k1_context *ctx,
			      struct xonly_pubkey *out, int *parity,
			      const struct pubkey *key)
{
	int p = 0;
	int ok;

	/* Cannot fail for a valid parsed point. */
	ok = secp256k1_xonly_pubkey_from_pubkey(ctx, &out->pubkey, &p,
						&key->pubkey);
	assert(ok);
	(void)ok;
	if (parity)
		*parity = p;
}

bool xonly_pubkey_from_privkey(const secp256k1_context *ctx,
			       struct xonly_pubkey *out,
			       const struct privkey *key)
{
	secp256k1_keypair keypair;
	secp256k1_xonly_pubkey tmp;
	bool ok;

	ok = secp256k1_keypair_create(ctx, &keypair, key->secret.data)
		&& secp256k1_keypair_xonly_pub(ctx, &tmp, NULL, &keypair);
	crypto_wipe(&keypair, sizeof(keypair));
	if (ok)
		out->pubkey = tmp;
	return ok;
}

bool bip340_sign(const secp256k1_context *ctx,
		 uint8_t sig[BIP340_SIGNATURE_LEN], const void *msg,
		 size_t msg_len, const struct privkey *key,
		 const uint8_t aux_rand[32])
{
	static const uint8_t zero[32];
	secp256k1_schnorrsig_extraparams extra =
		SECP256K1_SCHNORRSIG_EXTRAPARAMS_INIT;
	secp256k1_keypair keypair;
	uint8_t tmp[BIP340_SIGNATURE_LEN];
	bool ok;

	/* BIP340 signs messages of any length; sign_custom takes them. */
	extra.ndata = (void *)(aux_rand ? aux_rand : zero);
	ok = secp256k1_keypair_create(ctx, &keypair, key->secret.data)
		&& secp256k1_schnorrsig_sign_custom(ctx, tmp, msg, msg_len,
						    &keypair, &extra);
	crypto_wipe(&keypair, sizeof(keypair));
	if (ok)
		memcpy(sig, tmp, sizeof(tmp));
	return ok;
}

bool bip340_verify(const secp256k1_context *ctx,
		   const uint8_t sig[BIP340_SIGNATURE_LEN], const void *msg,
		   size_t msg_len, const struct xonly_pubkey *key)
{
	return secp256k1_schnorrsig_verify(ctx, sig, msg, msg_len,
					   &key->pubkey) == 1;
}

void taproot_leaf_hash(struct sha256 *out, uint8_t leaf_version,
		       const uint8_t *script, size_t script_len)
{
	struct sha256_ctx sctx;
	struct wirebuf *len = wirebuf_new();

	towire_compactsize(len, script_len);
	bip340_tagged_hash_init(&sctx, "TapLeaf");
	sha256_update(&sctx, &leaf_version, 1);
	sha256_update(&sctx, len->data, len->len);
	sha256_update(&sctx, script, script_len);
	sha256_final(out, &sctx);
	wirebuf_free(len);
}

void taproot_branch_hash(struct sha256 *out, const struct sha256 *a,
			 const struct sha256 *b)
{
	struct sha256_ctx sctx;

	/* BIP341: "if right_h < left_h: left_h, right_h = right_h, left_h" */
	if (memcmp(b->u8, a->u8, 32) < 0) {
		const struct sha256 *tmp = a;
		a = b;
		b = tmp;
	}
	bip340_tagged_hash_init(&sctx, "TapBranch");
	sha256_update(&sctx, a->u8, 32);
	sha256_update(&sctx, b->u8, 32);
	sha256_final(out, &sctx);
}

/* t = hashTapTweak(x(P) || merkle_root), merkle_root omitted when NULL. */
static void taptweak(const secp256k1_context *ctx, struct sha256 *tweak,
		     const struct xonly_pubkey *internal_key,
		     const struct sha256 *merkle_root)
{
	uint8_t buf[64];
	size_t len = 32;

	xonly_pubkey_serialize(ctx, buf, internal_key);
	if (merkle_root) {
		memcpy(buf + 32, merkle_root->u8, 32);
		len = 64;
	}
	bip340_tagged_hash(tweak, "TapTweak", buf, len);
}

bool taproot_tweak_pubkey(const secp256k1_context *ctx,
			  struct xonly_pubkey *output_key, int *parity,
			  const struct xonly_pubkey *internal_key,
			  const struct sha256 *merkle_root)
{
	struct sha256 tweak;
	secp256k1_pubkey q;
	secp256k1_xonly_pubkey out;
	int p;

	taptweak(ctx, &tweak, internal_key, merkle_root);
	/* BIP341: "if t >= SECP256K1_ORDER: raise ValueError"; libsecp
	 * fails the same way. */
	if (!secp256k1_xonly_pubkey_tweak_add(ctx, &q, &internal_key->pubkey,
					      tweak.u8))
		return false;
	if (!secp256k1_xonly_pubkey_from_pubkey(ctx, &out, &p, &q))
		return false;
	output_key->pubkey = out;
	if (parity)
		*parity = p;
	return true;
}

bool taproot_tweak_privkey(const secp256k1_context *ctx,
			   struct privkey *out,
			   const struct privkey *internal_key,
			   const struct sha256 *merkle_root)
{
	secp256k1_keypair keypair;
	struct xonly_pubkey internal;
	struct sha256 tweak;
	uint8_t sec[32];
	bool ok;

	if (!secp256k1_keypair_create(ctx, &keypair, internal_key->secret.data))
		return false;
	ok = secp256k1_keypair_xonly_pub(ctx, &internal.pubkey, NULL,
					 &keypair);
	if (ok) {
		taptweak(ctx, &tweak, &internal, merkle_root);
		/* Negates the secret if P has odd y, then adds t: exactly
		 * BIP341's taproot_tweak_seckey. */
		ok = secp256k1_keypair_xonly_tweak_add(ctx, &keypair, tweak.u8)
			&& secp256k1_keypair_sec(ctx, sec, &keypair);
	}
	if (ok)
		memcpy(out->secret.data, sec, sizeof(sec));
	crypto_wipe(&keypair, sizeof(keypair));
	crypto_wipe(sec, sizeof(sec));
	return ok;
}

bool taproot_output_script(const secp256k1_context *ctx,
			   struct wirebuf *script,
			   const struct xonly_pubkey *internal_key,
			   const struct sha256 *merkle_root)
{
	struct xonly_pubkey q;
	uint8_t q32[XONLY_PUBKEY_LEN];

	if (!taproot_tweak_pubkey(ctx, &q, NULL, internal_key, merkle_root))
		return false;
	xonly_pubkey_serialize(ctx, q32, &q);
	script_p2tr(script, q32);
	return true;
}
