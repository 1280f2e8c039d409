/* Signing, verifying and finalizing commitment and HTLC transactions.
 *
 * Digests are BIP143: the commitment input spends the funding output
 * (2-of-2 script, funding amount); an HTLC transaction's input spends its
 * HTLC output (the HTLC script, the HTLC amount). */
#include "channel/commitment_sign.h"

#include <stdlib.h>
#include <string.h>

#include "bitcoin/sighash.h"
#include "bitcoin/signature.h"
#include "channel/htlc_tx.h"
#include "channel/keys.h"
#include "channel/scripts.h"
#include "crypto/hash.h"
#include "crypto/secp.h"
#include "crypto/secp_batch.h"
#include "crypto/util.h"
#include "wire/wirebuf.h"

static void commitment_sighash(const secp256k1_context *ctx,
			       struct sha256 *out, const struct commitment *c)
{
	struct wirebuf *script = wirebuf_new();

	channel_script_funding(script, ctx, &c->funding_pubkey[0],
			       &c->funding_pubkey[1]);
	bip143_sighash(out, c->tx, 0, script->data, script->len,
		       c->funding_sat, SIGHASH_ALL);
	wirebuf_free(script);
}

static const struct commitment_output *htlc_output(const struct commitment *c,
						   size_t htlc_num)
{
	return &c->outputs[c->htlc_outputs[htlc_num]];
}

static void htlc_sighash(struct sha256 *out, const struct commitment *c,
			 size_t htlc_num, uint8_t sighash_type)
{
	const struct commitment_output *o = htlc_output(c, htlc_num);

	htlc_tx_sighash(out, o->htlc_tx, o->witness_script,
			o->witness_script_len, o->amount_sat, sighash_type);
}

/* True if key's public key is expected. */
static bool key_matches(const secp256k1_context *ctx,
			const struct privkey *key, const struct pubkey *expected)
{
	struct pubkey pub;

	return pubkey_from_privkey(ctx, &pub, key)
		&& pubkey_eq(ctx, &pub, expected);
}

/* The per-commitment HTLC key from a basepoint secret, if it matches. */
static bool derive_htlc_key(const secp256k1_context *ctx, struct privkey *out,
			    const struct commitment *c,
			    const struct privkey *htlc_basepoint_secret,
			    const struct pubkey *expected)
{
	struct privkey key;
	bool ok;

	ok = channel_derive_privkey(ctx, &key, htlc_basepoint_secret,
				    &c->keys.per_commitment_point)
		&& key_matches(ctx, &key, expected);
	if (ok)
		*out = key;
	CRYPTO_WIPE(&key);
	return ok;
}

bool commitment_counterparty_sign(const secp256k1_context *ctx,
				  struct ecdsa_signature *commit_sig,
				  struct ecdsa_signature *htlc_sigs,
				  const struct commitment *c,
				  const struct privkey *funding_privkey,
				  const struct privkey *htlc_basepoint_secret)
{
	return commitment_counterparty_sign_batch(ctx, NULL, commit_sig,
						  htlc_sigs, c, funding_privkey,
						  htlc_basepoint_secret);
}

bool commitment_counterparty_sign_batch(const secp256k1_context *ctx,
					const struct ecdsa_batch *batch,
					struct ecdsa_signature *commit_sig,
					struct ecdsa_signature *htlc_sigs,
					const struct commitment *c,
					const struct privkey *funding_privkey,
					const struct privkey *htlc_basepoint_secret)
{
	uint8_t type = htlc_tx_counterparty_sighash_type(c->option_anchors);
	struct ecdsa_sign_job *jobs;
	struct privkey htlc_key;
	bool ok;

	if (!key_matches(ctx, funding_privkey, &c->funding_pubkey[1])
	    || !derive_htlc_key(ctx, &htlc_key, c, htlc_basepoint_secret,
				&c->keys.remote_htlc))
		return false;

	/* Job 0 is the commitment, job 1 + k the HTLC transaction k. */
	jobs = wire_calloc(c->num_htlc_outputs + 1, sizeof(*jobs));
	commitment_sighash(ctx, &jobs[0].hash, c);
	jobs[0].key = funding_privkey;
	for (size_t k = 0; k < c->num_htlc_outputs; k++) {
		htlc_sighash(&jobs[1 + k].hash, c, k, type);
		jobs[1 + k].key = &htlc_key;
	}
	ok = ecdsa_batch_sign(batch, ctx, jobs, c->num_htlc_outputs + 1);
	if (ok) {
		*commit_sig = jobs[0].sig;
		for (size_t k = 0; k < c->num_htlc_outputs; k++)
			htlc_sigs[k] = jobs[1 + k].sig;
	}
	free(jobs);
	CRYPTO_WIPE(&htlc_key);
	return ok;
}

bool commitment_counterparty_verify(const secp256k1_context *ctx,
				    const struct commitment *c,
				    const struct ecdsa_signature *commit_sig,
				    const struct ecdsa_signature *htlc_sigs,
				    size_t num_htlc_sigs, const char **err)
{
	return commitment_counterparty_verify_batch(ctx, NULL, c, commit_sig,
						    htlc_sigs, num_htlc_sigs,
						    err);
}

bool commitment_counterparty_verify_batch(const secp256k1_context *ctx,
					  const struct ecdsa_batch *batch,
					  const struct commitment *c,
					  const struct ecdsa_signature *commit_sig,
					  const struct ecdsa_signature *htlc_sigs,
					  size_t num_htlc_sigs, const char **err)
{
	uint8_t type = htlc_tx_counterparty_sighash_type(c->option_anchors);
	/* The HTLC signatures are checked only if their count is right. */
	size_t num_htlcs = num_htlc_sigs == c->num_htlc_outputs
		? num_htlc_sigs : 0;
	struct ecdsa_verify_job *jobs;
	const char *why = NULL;

	/* Job 0 is the commitment, job 1 + k the HTLC transaction k. */
	jobs = wire_calloc(num_htlcs + 1, sizeof(*jobs));
	commitment_sighash(ctx, &jobs[0].hash, c);
	jobs[0].sig = commit_sig;
	jobs[0].key = &c->funding_pubkey[1];
	for (size_t k = 0; k < num_htlcs; k++) {
		htlc_sighash(&jobs[1 + k].hash, c, k, type);
		jobs[1 + k].sig = &htlc_sigs[k];
		jobs[1 + k].key = &c->keys.remote_htlc;
	}
	ecdsa_batch_verify(batch, ctx, jobs, num_htlcs + 1);
	/* BOLT #2:
	 *     - if `signature` is not valid for its local commitment transaction OR
	 *     non-compliant with LOW-S-standard rule
	 *     <sup>[LOWS](https://github.com/bitcoin/bitcoin/pull/6769)</sup>:
	 *       - MUST send a `warning` and close the connection, or send an
	 *         `error` and fail the channel.
	 *
	 * ecdsa_verify() rejects high-S signatures, so one check covers both.
	 */
	if (!jobs[0].ok)
		why = "commitment signature is invalid";
	/* BOLT #2:
	 *   - if `num_htlcs` is not equal to the number of HTLC outputs in the local
	 *   commitment transaction:
	 */
	else if (num_htlc_sigs != c->num_htlc_outputs)
		why = "htlc_signatures count differs from the HTLC outputs";
	/* BOLT #2:
	 *   - if any `htlc_signature` is not valid for the corresponding HTLC
	 *   transaction OR non-compliant with LOW-S-standard rule
	 *   <sup>[LOWS](https://github.com/bitcoin/bitcoin/pull/6769)</sup>:
	 */
	else
		for (size_t k = 0; k < num_htlcs && !why; k++)
			if (!jobs[1 + k].ok)
				why = "an htlc_signature is invalid";
	free(jobs);
	if (why && err)
		*err = why;
	return !why;
}

bool commitment_owner_sign(const secp256k1_context *ctx,
			   struct ecdsa_signature *out,
			   const struct commitment *c,
			   const struct privkey *funding_privkey)
{
	struct sha256 h;

	if (!key_matches(ctx, funding_privkey, &c->funding_pubkey[0]))
		return false;
	commitment_sighash(ctx, &h, c);
	return ecdsa_sign(ctx, out, &h, funding_privkey);
}

bool commitment_owner_sign_htlc(const secp256k1_context *ctx,
				struct ecdsa_signature *out,
				const struct commitment *c, size_t htlc_num,
				const struct privkey *htlc_basepoint_secret)
{
	struct privkey key;
	struct sha256 h;
	bool ok;

	if (htlc_num >= c->num_htlc_outputs
	    || !derive_htlc_key(ctx, &key, c, htlc_basepoint_secret,
				&c->keys.local_htlc))
		return false;
	htlc_sighash(&h, c, htlc_num, SIGHASH_ALL);
	ok = ecdsa_sign(ctx, out, &h, &key);
	CRYPTO_WIPE(&key);
	return ok;
}

struct bitcoin_tx *commitment_signed_tx(const secp256k1_context *ctx,
					const struct commitment *c,
					const struct ecdsa_signature *owner_sig,
					const struct ecdsa_signature *counterparty_sig)
{
	struct bitcoin_tx *tx;
	struct sha256 h;

	commitment_sighash(ctx, &h, c);
	if (!ecdsa_verify(ctx, owner_sig, &h, &c->funding_pubkey[0])
	    || !ecdsa_verify(ctx, counterparty_sig, &h, &c->funding_pubkey[1]))
		return NULL;
	tx = bitcoin_tx_dup(c->tx);
	channel_funding_witness(tx, 0, ctx, &c->funding_pubkey[0], owner_sig,
				&c->funding_pubkey[1], counterparty_sig);
	return tx;
}

struct bitcoin_tx *commitment_signed_htlc_tx(const secp256k1_context *ctx,
					     const struct commitment *c,
					     size_t htlc_num,
					     const struct ecdsa_signature *owner_sig,
					     const struct ecdsa_signature *counterparty_sig,
					     const struct preimage *preimage)
{
	const struct commitment_output *o;
	struct bitcoin_signature owner, counterparty;
	struct bitcoin_tx *tx;
	struct sha256 h;
	bool is_success;

	if (htlc_num >= c->num_htlc_outputs)
		return NULL;
	o = htlc_output(c, htlc_num);
	is_success = o->type == COMMITMENT_OUTPUT_RECEIVED_HTLC;
	if (is_success != (preimage != NULL))
		return NULL;
	if (preimage) {
		sha256(&h, preimage->r, sizeof(preimage->r));
		if (memcmp(h.u8, o->htlc.payment_hash.u8, sizeof(h.u8)) != 0)
			return NULL;
	}

	owner.sig = *owner_sig;
	owner.sighash_type = SIGHASH_ALL;
	counterparty.sig = *counterparty_sig;
	counterparty.sighash_type =
		htlc_tx_counterparty_sighash_type(c->option_anchors);
	htlc_sighash(&h, c, htlc_num, owner.sighash_type);
	if (!ecdsa_verify(ctx, &owner.sig, &h, &c->keys.local_htlc))
		return NULL;
	htlc_sighash(&h, c, htlc_num, counterparty.sighash_type);
	if (!ecdsa_verify(ctx, &counterparty.sig, &h, &c->keys.remote_htlc))
		return NULL;

	tx = bitcoin_tx_dup(o->htlc_tx);
	htlc_tx_set_witness(tx, ctx, &counterparty, &owner, preimage,
			    o->witness_script, o->witness_script_len);
	return tx;
}
