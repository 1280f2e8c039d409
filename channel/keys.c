/* BOLT #3 key derivation and our per-channel secrets.
 *
 * Every intermediate secret lives on the stack and is wiped before
 * returning; outputs are written only on success. */
#include "channel/keys.h"

#include <string.h>

#include "channel/shachain.h"
#include "crypto/hash.h"
#include "crypto/secp.h"
#include "crypto/util.h"

#define CHANNEL_SECRETS_INFO "ohm channel"
#define CHANNEL_SECRETS_COUNT 6

bool channel_secrets_derive(const secp256k1_context *ctx,
			    struct channel_secrets *out,
			    const struct secret *node_secret,
			    uint64_t channel_index)
{
	uint8_t info[sizeof(CHANNEL_SECRETS_INFO) - 1 + 8];
	uint8_t okm[CHANNEL_SECRETS_COUNT * 32];
	struct channel_secrets s;
	bool ok;

	memcpy(info, CHANNEL_SECRETS_INFO, sizeof(CHANNEL_SECRETS_INFO) - 1);
	for (size_t i = 0; i < 8; i++)
		info[sizeof(CHANNEL_SECRETS_INFO) - 1 + i] =
			(uint8_t)(channel_index >> (56 - 8 * i));
	if (!hkdf_sha256(okm, sizeof(okm), NULL, 0, node_secret->data,
			 sizeof(node_secret->data), info, sizeof(info)))
		return false;

	memcpy(s.funding.secret.data, okm, 32);
	memcpy(s.revocation_basepoint_secret.secret.data, okm + 32, 32);
	memcpy(s.payment_basepoint_secret.secret.data, okm + 64, 32);
	memcpy(s.delayed_payment_basepoint_secret.secret.data, okm + 96, 32);
	memcpy(s.htlc_basepoint_secret.secret.data, okm + 128, 32);
	memcpy(s.shachain_seed.data, okm + 160, 32);
	crypto_wipe(okm, sizeof(okm));

	ok = privkey_is_valid(ctx, &s.funding)
		&& privkey_is_valid(ctx, &s.revocation_basepoint_secret)
		&& privkey_is_valid(ctx, &s.payment_basepoint_secret)
		&& privkey_is_valid(ctx, &s.delayed_payment_basepoint_secret)
		&& privkey_is_valid(ctx, &s.htlc_basepoint_secret);
	if (ok)
		*out = s;
	channel_secrets_wipe(&s);
	return ok;
}

bool channel_secrets_public(const secp256k1_context *ctx,
			    struct pubkey *funding_pubkey,
			    struct channel_basepoints *basepoints,
			    const struct channel_secrets *secrets)
{
	struct pubkey funding;
	struct channel_basepoints bp;

	if (!pubkey_from_privkey(ctx, &funding, &secrets->funding)
	    || !pubkey_from_privkey(ctx, &bp.revocation,
				    &secrets->revocation_basepoint_secret)
	    || !pubkey_from_privkey(ctx, &bp.payment,
				    &secrets->payment_basepoint_secret)
	    || !pubkey_from_privkey(ctx, &bp.delayed_payment,
				    &secrets->delayed_payment_basepoint_secret)
	    || !pubkey_from_privkey(ctx, &bp.htlc,
				    &secrets->htlc_basepoint_secret))
		return false;
	*funding_pubkey = funding;
	*basepoints = bp;
	return true;
}

void channel_secrets_wipe(struct channel_secrets *secrets)
{
	CRYPTO_WIPE(secrets);
}

bool channel_per_commitment_secret(struct secret *out,
				   const struct secret *shachain_seed,
				   uint64_t commitment_number)
{
	/* BOLT #3:
	 * The first secret used:
	 *   - MUST be index 281474976710655,
	 *     - and from there, the index is decremented.
	 */
	if (commitment_number > SHACHAIN_MAX_INDEX)
		return false;
	return shachain_from_seed(out, shachain_seed,
				  SHACHAIN_MAX_INDEX - commitment_number);
}

bool channel_per_commitment_point(const secp256k1_context *ctx,
				  struct pubkey *out,
				  const struct secret *per_commitment_secret)
{
	struct privkey key;
	bool ok;

	/* BOLT #3:
	 * The `per_commitment_point` is generated using elliptic-curve
	 * multiplication:
	 */
	key.secret = *per_commitment_secret;
	ok = pubkey_from_privkey(ctx, out, &key);
	CRYPTO_WIPE(&key);
	return ok;
}

bool channel_per_commitment_point_from_seed(const secp256k1_context *ctx,
					    struct pubkey *out,
					    const struct secret *shachain_seed,
					    uint64_t commitment_number)
{
	struct secret secret;
	bool ok;

	ok = channel_per_commitment_secret(&secret, shachain_seed,
					   commitment_number)
		&& channel_per_commitment_point(ctx, out, &secret);
	CRYPTO_WIPE(&secret);
	return ok;
}

/* SHA256(a || b) over two compressed points. */
static void hash_two_points(const secp256k1_context *ctx, struct sha256 *out,
			    const struct pubkey *a, const struct pubkey *b)
{
	uint8_t buf[2 * PUBKEY_CMPR_LEN];

	pubkey_serialize(ctx, buf, a);
	pubkey_serialize(ctx, buf + PUBKEY_CMPR_LEN, b);
	sha256(out, buf, sizeof(buf));
}

bool channel_derive_pubkey(const secp256k1_context *ctx, struct pubkey *out,
			   const struct pubkey *basepoint,
			   const struct pubkey *per_commitment_point)
{
	struct sha256 tweak;

	/* BOLT #3:
	 * pubkey = basepoint + SHA256(per_commitment_point || basepoint) * G
	 */
	hash_two_points(ctx, &tweak, per_commitment_point, basepoint);
	return pubkey_tweak_add(ctx, out, basepoint, tweak.u8);
}

bool channel_derive_privkey(const secp256k1_context *ctx, struct privkey *out,
			    const struct privkey *basepoint_secret,
			    const struct pubkey *per_commitment_point)
{
	struct pubkey basepoint;
	struct sha256 tweak;

	/* BOLT #3:
	 * privkey = basepoint_secret + SHA256(per_commitment_point || basepoint)
	 */
	if (!pubkey_from_privkey(ctx, &basepoint, basepoint_secret))
		return false;
	hash_two_points(ctx, &tweak, per_commitment_point, &basepoint);
	return privkey_tweak_add(ctx, out, basepoint_secret, tweak.u8);
}

bool channel_derive_revocation_pubkey(const secp256k1_context *ctx,
				      struct pubkey *out,
				      const struct pubkey *revocation_basepoint,
				      const struct pubkey *per_commitment_point)
{
	struct sha256 base_tweak, point_tweak;
	struct pubkey base_part, point_part;

	/* BOLT #3:
	 * revocationpubkey = revocation_basepoint * SHA256(revocation_basepoint
	 * || per_commitment_point) + per_commitment_point *
	 * SHA256(per_commitment_point || revocation_basepoint)
	 */
	hash_two_points(ctx, &base_tweak, revocation_basepoint,
			per_commitment_point);
	hash_two_points(ctx, &point_tweak, per_commitment_point,
			revocation_basepoint);
	if (!pubkey_tweak_mul(ctx, &base_part, revocation_basepoint,
			      base_tweak.u8)
	    || !pubkey_tweak_mul(ctx, &point_part, per_commitment_point,
				 point_tweak.u8))
		return false;
	return pubkey_combine(ctx, out, &base_part, &point_part);
}

bool channel_derive_revocation_privkey(const secp256k1_context *ctx,
				       struct privkey *out,
				       const struct privkey *revocation_basepoint_secret,
				       const struct secret *per_commitment_secret)
{
	struct pubkey revocation_basepoint, per_commitment_point;
	struct sha256 base_tweak, point_tweak;
	struct privkey base_part, point_part;
	bool ok;

	/* BOLT #3:
	 * revocationprivkey = revocation_basepoint_secret *
	 * SHA256(revocation_basepoint || per_commitment_point) +
	 * per_commitment_secret * SHA256(per_commitment_point ||
	 * revocation_basepoint)
	 */
	if (!pubkey_from_privkey(ctx, &revocation_basepoint,
				 revocation_basepoint_secret)
	    || !channel_per_commitment_point(ctx, &per_commitment_point,
					     per_commitment_secret))
		return false;
	hash_two_points(ctx, &base_tweak, &revocation_basepoint,
			&per_commitment_point);
	hash_two_points(ctx, &point_tweak, &per_commitment_point,
			&revocation_basepoint);
	point_part.secret = *per_commitment_secret;
	ok = privkey_tweak_mul(ctx, &base_part, revocation_basepoint_secret,
			       base_tweak.u8)
		&& privkey_tweak_mul(ctx, &point_part, &point_part,
				     point_tweak.u8)
		&& privkey_tweak_add(ctx, out, &base_part,
				     point_part.secret.data);
	CRYPTO_WIPE(&base_part);
	CRYPTO_WIPE(&point_part);
	return ok;
}
