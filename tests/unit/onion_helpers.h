/* Deterministic test data for the BOLT #4 onion tests
 * (test_pay_onion.c, test_pay_onion_error.c): a fixed seed gives the same
 * keys, payloads and secrets on every run. */
#ifndef OHM_TESTS_UNIT_ONION_HELPERS_H
#define OHM_TESTS_UNIT_ONION_HELPERS_H

#include <stddef.h>
#include <stdint.h>

/* xorshift64*: deterministic test data. */
static inline uint64_t rng_next(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 2685821657736338717ULL;
}

static inline void rng_bytes(uint64_t *state, uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)(rng_next(state) >> 32);
}

#endif /* OHM_TESTS_UNIT_ONION_HELPERS_H */
