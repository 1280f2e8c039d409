/* The `make check` driver for a fuzz target: feeds it every seed, then a
 * fixed number of deterministic mutations (bit flips, byte changes,
 * truncations, insertions, splices of two seeds) and random byte strings.
 * A crash, a sanitizer report or a hang fails the test; reproducible since
 * the PRNG is seeded with a constant (override with OHM_FUZZ_SEED). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "tests/fuzz/fuzz.h"

#define MAX_INPUT 4096

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static size_t seed_bytes(size_t i, uint8_t *out)
{
	const char *hex = fuzz_seeds[i].hex;
	size_t len = strlen(hex) / 2;

	if (len > MAX_INPUT || !hex_decode(out, len, hex, 2 * len)) {
		fprintf(stderr, "bad seed %zu\n", i);
		exit(99);
	}
	return len;
}

static size_t mutate(uint8_t *buf, size_t len)
{
	uint8_t other[MAX_INPUT];
	size_t other_len, at;

	switch (rng() % 6) {
	case 0:		/* flip a bit */
		if (len)
			buf[rng() % len] ^= (uint8_t)(1u << (rng() % 8));
		break;
	case 1:		/* set a byte to an interesting value */
		if (len) {
			static const uint8_t values[] = {0, 1, 0x7f, 0x80, 0xfc, 0xfd, 0xfe, 0xff};
			buf[rng() % len] = values[rng() % sizeof(values)];
		}
		break;
	case 2:		/* truncate */
		if (len)
			len = rng() % len;
		break;
	case 3:		/* insert random bytes */
		at = len ? rng() % (len + 1) : 0;
		for (size_t n = rng() % 8 + 1; n > 0 && len < MAX_INPUT; n--) {
			memmove(buf + at + 1, buf + at, len - at);
			buf[at] = (uint8_t)rng();
			len++;
		}
		break;
	case 4:		/* splice with another seed */
		other_len = seed_bytes(rng() % fuzz_num_seeds, other);
		at = len ? rng() % len : 0;
		if (other_len) {
			size_t from = rng() % other_len, n = other_len - from;
			if (at + n > MAX_INPUT)
				n = MAX_INPUT - at;
			memcpy(buf + at, other + from, n);
			if (at + n > len)
				len = at + n;
		}
		break;
	case 5:		/* overwrite a run with random bytes */
		if (len) {
			at = rng() % len;
			for (size_t n = rng() % 16; n > 0 && at < len; n--)
				buf[at++] = (uint8_t)rng();
		}
		break;
	}
	return len;
}

int main(int argc, char *argv[])
{
	uint8_t buf[MAX_INPUT];
	unsigned long iterations = 20000;
	const char *env = getenv("OHM_FUZZ_ITERATIONS");
	const char *seed_env = getenv("OHM_FUZZ_SEED");
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];

	(void)argc;
	if (env)
		iterations = strtoul(env, NULL, 10);
	rng_state = seed_env ? strtoull(seed_env, NULL, 10) : 0x6f686d2066757a7aULL;
	if (!rng_state)
		rng_state = 1;

	for (size_t i = 0; i < fuzz_num_seeds; i++)
		LLVMFuzzerTestOneInput(buf, seed_bytes(i, buf));
	for (unsigned long i = 0; i < iterations; i++) {
		size_t len;
		if (rng() % 8 == 0) {
			len = rng() % 256;
			for (size_t j = 0; j < len; j++)
				buf[j] = (uint8_t)rng();
		} else {
			len = seed_bytes(rng() % fuzz_num_seeds, buf);
			for (unsigned m = (unsigned)(rng() % 4) + 1; m > 0; m--)
				len = mutate(buf, len);
		}
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("ok 1 - %s: %zu seeds and %lu mutated inputs\n1..1\n", name, fuzz_num_seeds,
	       iterations);
	return 0;
}
