/* The synthetic networks the benchmarks share (bench/gossip, bench/route):
 * a deterministic PRNG (xorshift64*) and the channels' endpoints, each
 * channel between two distinct nodes picked uniformly at random, so two
 * benchmarks with the same sizes see the same shape. */
#ifndef OHM_BENCH_SYNTH_H
#define OHM_BENCH_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#define SYNTH_SEED 0x9e3779b97f4a7c15ull

static inline uint64_t synth_rng(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 2685821657736338717ull;
}

/* The next channel's two nodes among num_nodes (>= 2). */
static inline void synth_endpoints(uint64_t *state, size_t num_nodes, size_t *a, size_t *b)
{
	*a = synth_rng(state) % num_nodes;
	*b = synth_rng(state) % num_nodes;
	while (*b == *a)
		*b = synth_rng(state) % num_nodes;
}

#endif /* OHM_BENCH_SYNTH_H */
