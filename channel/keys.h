/* BOLT #3 "Keys": the per-commitment keys of a channel, and where our own
 * channel secrets come from.
 *
 * Every commitment transaction uses keys derived from the owner's
 * per-commitment point and a basepoint each side announced in
 * open_channel / accept_channel (BOLT #3 "Key Derivation"):
 *
 *   pubkey  = basepoint + SHA256(per_commitment_point || basepoint)*G
 *   privkey = basepoint_secret + SHA256(per_commitment_point || basepoint)
 *
 * and the revocation key is blinded by both sides' secrets, so neither can
 * spend a revoked commitment alone.  `remotepubkey` is the other side's
 * payment_basepoint itself (option_static_remotekey).
 *
 * Our own base secrets are derived from the node secret and a channel
 * index (channel_secrets_derive below), so the database never needs to
 * store them: it stores the index.
 *
 * As in crypto/secp.h: the context comes first, outputs before inputs, and
 * a function returning false has not written its outputs.
 */
#ifndef OHM_CHANNEL_KEYS_H
#define OHM_CHANNEL_KEYS_H

#include <stdbool.h>
#include <stdint.h>

#include <secp256k1.h>

#include "crypto/types.h"

/* The four basepoints one side announces (BOLT #2 open_channel /
 * accept_channel). */
struct channel_basepoints {
	struct pubkey revocation;
	struct pubkey payment;
	struct pubkey delayed_payment;
	struct pubkey htlc;
};

/* Our side's secrets for one channel.  Wipe with channel_secrets_wipe(). */
struct channel_secrets {
	struct privkey funding;
	struct privkey revocation_basepoint_secret;
	struct privkey payment_basepoint_secret;
	struct privkey delayed_payment_basepoint_secret;
	struct privkey htlc_basepoint_secret;
	/* The seed of our per-commitment secrets (channel/shachain.h). */
	struct secret shachain_seed;
};

/* Derives our secrets for channel number channel_index from the node
 * secret:
 *
 *   okm = HKDF-SHA256(salt = "", ikm = node_secret,
 *                     info = "ohm channel" || u64be(channel_index),
 *                     L = 192)
 *
 * and okm[0..32) is the funding key, then the revocation, payment,
 * delayed_payment and htlc basepoint secrets, and okm[160..192) the
 * shachain seed.  Knowing one channel's secrets reveals nothing about
 * another's or the node secret (HKDF is a PRF keyed by node_secret), so the
 * derivation is "hardened" in the BIP32 sense.
 * Returns: true on success; false (probability about 2^-126) if a chunk is
 *          not a valid secret key: the caller then uses the next index. */
bool channel_secrets_derive(const secp256k1_context *ctx,
			    struct channel_secrets *out,
			    const struct secret *node_secret,
			    uint64_t channel_index);

/* Computes the public side of secrets: the funding pubkey and the four
 * basepoints, as sent in open_channel / accept_channel.
 * Returns: false if any secret is not a valid secret key. */
bool channel_secrets_public(const secp256k1_context *ctx,
			    struct pubkey *funding_pubkey,
			    struct channel_basepoints *basepoints,
			    const struct channel_secrets *secrets);

/* Zeroes every secret in secrets. */
void channel_secrets_wipe(struct channel_secrets *secrets);

/* Our per-commitment secret for commitment number commitment_number
 * (0 for the first commitment): BOLT #3's generate_from_seed at index
 * 2^48 - 1 - commitment_number.
 * Returns: false if commitment_number >= 2^48. */
bool channel_per_commitment_secret(struct secret *out,
				   const struct secret *shachain_seed,
				   uint64_t commitment_number);

/* per_commitment_point = per_commitment_secret * G.
 * Returns: false if the secret is not a valid secret key. */
bool channel_per_commitment_point(const secp256k1_context *ctx,
				  struct pubkey *out,
				  const struct secret *per_commitment_secret);

/* As channel_per_commitment_secret, then the point.
 * Returns: false if commitment_number >= 2^48 or the secret is invalid. */
bool channel_per_commitment_point_from_seed(const secp256k1_context *ctx,
					    struct pubkey *out,
					    const struct secret *shachain_seed,
					    uint64_t commitment_number);

/* localpubkey, local_htlcpubkey, remote_htlcpubkey, local_delayedpubkey
 * and remote_delayedpubkey:
 *   out = basepoint + SHA256(per_commitment_point || basepoint)*G.
 * Returns: false only if the result is the point at infinity. */
bool channel_derive_pubkey(const secp256k1_context *ctx, struct pubkey *out,
			   const struct pubkey *basepoint,
			   const struct pubkey *per_commitment_point);

/* The matching private key:
 *   out = basepoint_secret + SHA256(per_commitment_point || basepoint).
 * Returns: false if basepoint_secret is invalid or the sum is zero. */
bool channel_derive_privkey(const secp256k1_context *ctx, struct privkey *out,
			    const struct privkey *basepoint_secret,
			    const struct pubkey *per_commitment_point);

/* revocationpubkey =
 *   revocation_basepoint * SHA256(revocation_basepoint || per_commitment_point)
 *   + per_commitment_point * SHA256(per_commitment_point || revocation_basepoint)
 * Returns: false only on a degenerate (infinite) result. */
bool channel_derive_revocation_pubkey(const secp256k1_context *ctx,
				      struct pubkey *out,
				      const struct pubkey *revocation_basepoint,
				      const struct pubkey *per_commitment_point);

/* revocationprivkey, once the other side revealed per_commitment_secret:
 *   revocation_basepoint_secret * SHA256(revocation_basepoint || per_commitment_point)
 *   + per_commitment_secret * SHA256(per_commitment_point || revocation_basepoint)
 * Returns: false if either secret is invalid or the result is zero. */
bool channel_derive_revocation_privkey(const secp256k1_context *ctx,
				       struct privkey *out,
				       const struct privkey *revocation_basepoint_secret,
				       const struct secret *per_commitment_secret);

#endif /* OHM_CHANNEL_KEYS_H */
