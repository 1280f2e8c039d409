/* RIPEMD-160 and Bitcoin's HASH160 = RIPEMD160(SHA256(x)).
 *
 * Neither libsodium nor libsecp256k1 provides RIPEMD-160, so this is our
 * own implementation of Dobbertin, Bosselaers and Preneel's algorithm
 * ("RIPEMD-160: A Strengthened Version of RIPEMD", 1996).  Bitcoin uses it
 * for P2PKH/P2WPKH key hashes, and BOLT #3 for the HTLC payment hash in
 * offered and received HTLC scripts.  Not constant-time in its input
 * length, which is public wherever it is used.
 */
#ifndef OHM_CRYPTO_RIPEMD160_H
#define OHM_CRYPTO_RIPEMD160_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/types.h"

struct ripemd160_ctx {
	uint32_t state[5];
	uint8_t block[64];	/* buffered partial block */
	uint64_t bytes;		/* total bytes absorbed */
};

/* out = RIPEMD160(data[0..len)). */
void ripemd160(struct ripemd160 *out, const void *data, size_t len);

/* Streaming RIPEMD-160: init, any number of updates, then final, which
 * writes the digest and wipes ctx. */
void ripemd160_init(struct ripemd160_ctx *ctx);
void ripemd160_update(struct ripemd160_ctx *ctx, const void *data, size_t len);
void ripemd160_final(struct ripemd160 *out, struct ripemd160_ctx *ctx);

/* out = RIPEMD160(SHA256(data[0..len))): Bitcoin's HASH160. */
void hash160(struct ripemd160 *out, const void *data, size_t len);

#endif /* OHM_CRYPTO_RIPEMD160_H */
