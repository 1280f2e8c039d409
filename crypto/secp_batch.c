/* ECDSA batches: sequential, or a parallel map on a worker pool. */
#include "crypto/secp_batch.h"

#include "crypto/secp.h"

struct sign_map {
	const secp256k1_context *ctx;
	struct ecdsa_sign_job *jobs;
};

struct verify_map {
	const secp256k1_context *ctx;
	struct ecdsa_verify_job *jobs;
};

static void sign_one(void *arg, size_t k)
{
	struct sign_map *m = arg;
	struct ecdsa_sign_job *job = &m->jobs[k];

	job->ok = ecdsa_sign(m->ctx, &job->sig, &job->hash, job->key);
}

static void verify_one(void *arg, size_t k)
{
	struct verify_map *m = arg;
	struct ecdsa_verify_job *job = &m->jobs[k];

	job->ok = ecdsa_verify(m->ctx, job->sig, &job->hash, job->key);
}

static void pool_sign(void *arg, const secp256k1_context *ctx,
		      struct ecdsa_sign_job *jobs, size_t num_jobs)
{
	struct sign_map m = {ctx, jobs};

	workpool_map(arg, sign_one, &m, num_jobs);
}

static void pool_verify(void *arg, const secp256k1_context *ctx,
			struct ecdsa_verify_job *jobs, size_t num_jobs)
{
	struct verify_map m = {ctx, jobs};

	workpool_map(arg, verify_one, &m, num_jobs);
}

bool ecdsa_batch_sign(const struct ecdsa_batch *batch,
		      const secp256k1_context *ctx,
		      struct ecdsa_sign_job *jobs, size_t num_jobs)
{
	if (batch)
		batch->sign(batch->arg, ctx, jobs, num_jobs);
	else
		pool_sign(NULL, ctx, jobs, num_jobs);
	for (size_t k = 0; k < num_jobs; k++)
		if (!jobs[k].ok)
			return false;
	return true;
}

bool ecdsa_batch_verify(const struct ecdsa_batch *batch,
			const secp256k1_context *ctx,
			struct ecdsa_verify_job *jobs, size_t num_jobs)
{
	if (batch)
		batch->verify(batch->arg, ctx, jobs, num_jobs);
	else
		pool_verify(NULL, ctx, jobs, num_jobs);
	for (size_t k = 0; k < num_jobs; k++)
		if (!jobs[k].ok)
			return false;
	return true;
}

void ecdsa_batch_on_pool(struct ecdsa_batch *out, struct workpool *pool)
{
	out->sign = pool_sign;
	out->verify = pool_verify;
	out->arg = pool;
}
