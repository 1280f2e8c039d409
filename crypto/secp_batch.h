/* Many ECDSA signs or verifications at once, through an interface a pure
 * module is handed: a commitment's HTLC signatures (channel/commitment_sign.h)
 * are made and checked as one batch, on whatever the daemon provides.
 *
 * A batch is deterministic and blocking from the caller's view: job k's
 * result lands in job k, whatever runs it.  The sequential batch (a NULL
 * struct ecdsa_batch) is a plain loop; ecdsa_batch_on_pool() runs the jobs
 * on a common/workpool.h pool, the caller's thread included.
 *
 * Sharing ctx between threads is safe: libsecp256k1 lets a constructed
 * context be used from several threads at once by the calls taking a
 * const context (signing and verifying); only secp256k1_context_randomize
 * and destroy need it alone, and crypto_secp_context_new() randomizes once,
 * at creation, before any batch.
 */
#ifndef OHM_CRYPTO_SECP_BATCH_H
#define OHM_CRYPTO_SECP_BATCH_H

#include <stdbool.h>
#include <stddef.h>

#include <secp256k1.h>

#include "common/workpool.h"
#include "crypto/types.h"

/* Sign hash with *key: sig and ok are the outputs (ok false: key invalid). */
struct ecdsa_sign_job {
	struct ecdsa_signature sig;
	bool ok;
	struct sha256 hash;
	const struct privkey *key;
};

/* Verify *sig on hash against *key: ok is the output. */
struct ecdsa_verify_job {
	bool ok;
	struct sha256 hash;
	const struct ecdsa_signature *sig;
	const struct pubkey *key;
};

/* How a batch runs.  Each function must leave job k's outputs exactly as
 * ecdsa_sign / ecdsa_verify would for job k, and return once all are set. */
struct ecdsa_batch {
	void (*sign)(void *arg, const secp256k1_context *ctx,
		     struct ecdsa_sign_job *jobs, size_t num_jobs);
	void (*verify)(void *arg, const secp256k1_context *ctx,
		       struct ecdsa_verify_job *jobs, size_t num_jobs);
	void *arg;
};

/* Runs jobs[0..num_jobs) on batch (NULL: sequentially, in the caller).
 * Returns: true if every job's ok is true. */
bool ecdsa_batch_sign(const struct ecdsa_batch *batch,
		      const secp256k1_context *ctx,
		      struct ecdsa_sign_job *jobs, size_t num_jobs);
bool ecdsa_batch_verify(const struct ecdsa_batch *batch,
			const secp256k1_context *ctx,
			struct ecdsa_verify_job *jobs, size_t num_jobs);

/* A batch that runs on pool (which must outlive it; NULL: sequential). */
void ecdsa_batch_on_pool(struct ecdsa_batch *out, struct workpool *pool);

#endif /* OHM_CRYPTO_SECP_BATCH_H */
