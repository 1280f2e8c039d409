/* Fuzz targets for every parser of outside input.
 *
 * Each fuzz_<name>.c defines LLVMFuzzerTestOneInput(), so it builds as a
 * libFuzzer target with `clang -fsanitize=fuzzer,address` (see
 * tests/fuzz/README.md).  In `make check` the same target is linked with
 * tests/fuzz/driver.c instead: a deterministic run of seed inputs and
 * their random mutations, so every build (and the sanitizer build above
 * all) exercises the parsers on hostile bytes without libFuzzer.
 *
 * A target provides its seeds through fuzz_seeds[] (valid inputs are the
 * best starting points for mutation).  Beyond not crashing, a target may
 * check properties of what a parser accepted (it re-serializes to the
 * same bytes, say) with FUZZ_CHECK.
 */
#ifndef OHM_TESTS_FUZZ_FUZZ_H
#define OHM_TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_seed {
	const char *hex;	/* bytes, in hex */
};

extern const struct fuzz_seed fuzz_seeds[];
extern const size_t fuzz_num_seeds;

/* A property that must hold: if not, abort, which the driver and
 * libFuzzer both report as a crash on the current input. */
#define FUZZ_CHECK(cond)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed\n",    \
				__FILE__, __LINE__, #cond);                  \
			abort();                                             \
		}                                                            \
	} while (0)

#endif /* OHM_TESTS_FUZZ_FUZZ_H */
