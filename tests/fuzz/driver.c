/* The `make check` driver for a fuzz target: feeds it every seed, then a
 * fixed number of deterministic mutations (bit flips, byte changes,
 * truncations, insertions, splices of two seeds) and random byte strings.
 * Before the mutations it replays every file of the target's committed
 * corpus, $OHM_FUZZ_CORPUS/<target>/ (tests/fuzz/corpus/), so what
 * libFuzzer found stays a regression test.
 * A crash, a sanitizer report or a hang fails the test; reproducible since
 * the PRNG is seeded with a constant (override with OHM_FUZZ_SEED).
 *
 * `fuzz_X --write-seeds DIR` writes the seeds as files into DIR (to start
 * a corpus).  Built with --enable-libfuzzer, libFuzzer's main replaces
 * this file's (tests/fuzz/run). */
#ifndef OHM_LIBFUZZER
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "tests/fuzz/fuzz.h"

#define FUZZ_MAX_INPUT 4096

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

	if (len > FUZZ_MAX_INPUT || !hex_decode(out, len, hex, 2 * len)) {
		fprintf(stderr, "bad seed %zu\n", i);
		exit(99);
	}
	return len;
}

static size_t mutate(uint8_t *buf, size_t len)
{
	uint8_t other[FUZZ_MAX_INPUT];
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
		for (size_t n = rng() % 8 + 1; n > 0 && len < FUZZ_MAX_INPUT; n--) {
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
			if (at + n > FUZZ_MAX_INPUT)
				n = FUZZ_MAX_INPUT - at;
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

/* Writes every seed as DIR/seed-N.  Returns: the exit status. */
static int write_seeds(const char *dir)
{
	uint8_t buf[FUZZ_MAX_INPUT];

	for (size_t i = 0; i < fuzz_num_seeds; i++) {
		char path[4096];
		size_t len = seed_bytes(i, buf);
		FILE *f;
		snprintf(path, sizeof(path), "%s/seed-%zu", dir, i);
		f = fopen(path, "wb");
		if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
			perror(path);
			return 1;
		}
	}
	return 0;
}

/* Feeds every file of $OHM_FUZZ_CORPUS/name/ (none: no corpus).
 * Returns: how many, or -1 if one could not be read. */
static long replay_corpus(const char *name)
{
	const char *corpus = getenv("OHM_FUZZ_CORPUS");
	char dir[4096];
	struct dirent *e;
	long count = 0;
	DIR *d;

	if (!corpus)
		return 0;
	snprintf(dir, sizeof(dir), "%s/%s", corpus, name);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char path[8192];
		uint8_t *data;
		long len;
		FILE *f;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f = fopen(path, "rb");
		if (!f || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0
		    || fseek(f, 0, SEEK_SET) != 0) {
			perror(path);
			count = -1;
			break;
		}
		/* An exact-size copy, so ASan sees a read past the end. */
		data = malloc(len ? (size_t)len : 1);
		if (!data || fread(data, 1, (size_t)len, f) != (size_t)len) {
			perror(path);
			free(data);
			fclose(f);
			count = -1;
			break;
		}
		fclose(f);
		if (getenv("OHM_FUZZ_TRACE"))
			fprintf(stderr, "corpus: %s\n", path);
		LLVMFuzzerTestOneInput(data, (size_t)len);
		free(data);
		count++;
	}
	closedir(d);
	return count;
}

int main(int argc, char *argv[])
{
	uint8_t buf[FUZZ_MAX_INPUT];
	unsigned long iterations = 20000;
	const char *env = getenv("OHM_FUZZ_ITERATIONS");
	const char *seed_env = getenv("OHM_FUZZ_SEED");
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	long corpus;

	if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0)
		return write_seeds(argv[2]);
	if (env)
		iterations = strtoul(env, NULL, 10);
	rng_state = seed_env ? strtoull(seed_env, NULL, 10) : 0x6f686d2066757a7aULL;
	if (!rng_state)
		rng_state = 1;

	for (size_t i = 0; i < fuzz_num_seeds; i++)
		LLVMFuzzerTestOneInput(buf, seed_bytes(i, buf));
	corpus = replay_corpus(name);
	if (corpus < 0) {
		printf("not ok 1 - %s: cannot read its corpus\n1..1\n", name);
		return 1;
	}
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
	printf("ok 1 - %s: %zu seeds, %ld corpus files and %lu mutated inputs\n1..1\n", name,
	       fuzz_num_seeds, corpus, iterations);
	return 0;
}
#endif /* !OHM_LIBFUZZER */
