/* Per-commitment secrets: BOLT #3 "Per-commitment Secret Requirements"
 * (generating ours from a seed) and "Efficient Per-commitment Secret
 * Storage" (keeping every secret the peer revealed in 49 slots).
 *
 * Indexes count down: the first commitment uses index 2^48 - 1, the next
 * 2^48 - 2, and so on (channel_per_commitment_secret in channel/keys.h
 * maps a commitment number to its index).
 *
 * A struct shachain is a plain value the caller owns; initialise it with
 * shachain_init().  It holds secrets the peer has already revealed, so it
 * is not itself secret, but it is what lets us punish a revoked
 * commitment: persist it (shachain_serialize) before acknowledging a
 * revoke_and_ack.
 */
#ifndef OHM_CHANNEL_SHACHAIN_H
#define OHM_CHANNEL_SHACHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/types.h"
#include "wire/wirebuf.h"

/* The highest index, and the first one used: 2^48 - 1. */
#define SHACHAIN_MAX_INDEX ((UINT64_C(1) << 48) - 1)
/* One slot per possible count of trailing zero bits, 0..48. */
#define SHACHAIN_SLOTS 49
/* shachain_serialize() writes at most this many bytes. */
#define SHACHAIN_SERIALIZED_MAX_LEN (8 + 1 + SHACHAIN_SLOTS * (8 + 32))

struct shachain_slot {
	uint64_t index;
	struct secret secret;
};

struct shachain {
	/* How many secrets have been inserted; the next index expected is
	 * SHACHAIN_MAX_INDEX - num_inserted. */
	uint64_t num_inserted;
	/* known[0..num_slots) are filled: known[b] is the latest secret
	 * whose index has exactly b trailing zero bits. */
	size_t num_slots;
	struct shachain_slot known[SHACHAIN_SLOTS];
};

/* BOLT #3 generate_from_seed(seed, index).
 * Returns: false (out untouched) if index > SHACHAIN_MAX_INDEX. */
bool shachain_from_seed(struct secret *out, const struct secret *seed,
			uint64_t index);

/* Makes chain empty. */
void shachain_init(struct shachain *chain);

/* Returns: the index the next shachain_insert() must use.  Once all 2^48
 *          secrets are in, this wraps to UINT64_MAX and every insert
 *          fails. */
uint64_t shachain_next_index(const struct shachain *chain);

/* BOLT #3 insert_secret: stores secret as index's, after checking that it
 * derives every earlier secret it should (i.e. that all came from one
 * seed).
 * Returns: true on success; false, leaving chain unchanged, if index is
 *          not shachain_next_index(chain) (secrets arrive strictly in
 *          descending order, without gaps) or the derivation check fails. */
bool shachain_insert(struct shachain *chain, uint64_t index,
		     const struct secret *secret);

/* BOLT #3 derive_old_secret: the secret for an index already received.
 * Returns: false (out untouched) if index has not been inserted. */
bool shachain_get(struct secret *out, const struct shachain *chain,
		  uint64_t index);

/* Appends chain's database form to out: u64 num_inserted, u8 num_slots,
 * then num_slots times (u64 index, 32-byte secret); big-endian. */
void shachain_serialize(struct wirebuf *out, const struct shachain *chain);

/* Parses shachain_serialize()'s output, checking it is consistent (each
 * slot's index has the right trailing zeros and agrees with num_inserted).
 * Returns: false (out untouched) on any malformed or inconsistent input. */
bool shachain_deserialize(struct shachain *out, const uint8_t *data,
			  size_t len);

#endif /* OHM_CHANNEL_SHACHAIN_H */
