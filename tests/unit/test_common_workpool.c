/* Tests for common/workpool: a parallel map gives what a plain loop gives,
 * in order, for no, one and many items, on one thread and on several, and
 * a map started inside a map runs sequentially. */
#include <stdint.h>
#include <stdlib.h>

#include "common/workpool.h"
#include "tests/unit/test.h"

struct squares {
	const uint64_t *in;
	uint64_t *out;
	unsigned *calls;
};

/* Some work, so that the workers really share the items. */
static uint64_t mix(uint64_t x)
{
	for (int r = 0; r < 200; r++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	return x;
}

static void square_one(void *arg, size_t i)
{
	struct squares *s = arg;

	s->out[i] = mix(s->in[i]);
	s->calls[i]++;
}

static void check_map(struct workpool *pool, size_t n)
{
	uint64_t *in = calloc(n + 1, sizeof(*in));
	uint64_t *out = calloc(n + 1, sizeof(*out));
	unsigned *calls = calloc(n + 1, sizeof(*calls));
	struct squares s = {in, out, calls};

	for (size_t i = 0; i < n; i++)
		in[i] = i * 7919 + 1;
	out[n] = 0xdeadbeef;
	workpool_map(pool, square_one, &s, n);
	for (size_t i = 0; i < n; i++) {
		CHECK_MSG(out[i] == mix(in[i]), "item %zu of %zu on %u threads", i, n,
			  workpool_threads(pool));
		CHECK(calls[i] == 1);
	}
	CHECK(out[n] == 0xdeadbeef);	/* nothing past the end */
	free(in);
	free(out);
	free(calls);
}

static void test_map_equals_loop(void)
{
	static const unsigned threads[] = {1, 2, 3, 8};
	static const size_t sizes[] = {0, 1, 2, 3, 100, 10007};

	check_map(NULL, 0);
	check_map(NULL, 5);
	for (size_t t = 0; t < sizeof(threads) / sizeof(threads[0]); t++) {
		struct workpool *pool = workpool_new(threads[t]);

		CHECK(pool != NULL);
		CHECK(workpool_threads(pool) == threads[t]);
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
			check_map(pool, sizes[k]);
		/* The pool is reused map after map. */
		for (int rep = 0; rep < 200; rep++)
			check_map(pool, 3);
		workpool_free(pool);
	}
}

struct nested {
	struct workpool *pool;
	uint64_t out[16][32];
};

static void inner_one(void *arg, size_t i)
{
	uint64_t *row = arg;

	row[i] = mix(i + 1);
}

static void outer_one(void *arg, size_t i)
{
	struct nested *n = arg;

	workpool_map(n->pool, inner_one, n->out[i], 32);
}

static void test_nested_map_runs_sequentially(void)
{
	struct nested *n = calloc(1, sizeof(*n));

	n->pool = workpool_new(4);
	CHECK(n->pool != NULL);
	workpool_map(n->pool, outer_one, n, 16);
	for (size_t i = 0; i < 16; i++)
		for (size_t k = 0; k < 32; k++)
			CHECK(n->out[i][k] == mix(k + 1));
	workpool_free(n->pool);
	free(n);
}

static void test_bounds(void)
{
	struct workpool *pool = workpool_new(0);

	CHECK(workpool_threads(pool) == 1);
	workpool_free(pool);
	workpool_free(NULL);
	CHECK(workpool_threads(NULL) == 1);
	CHECK(workpool_cores() >= 1);
}

int main(void)
{
	RUN(test_map_equals_loop);
	RUN(test_nested_map_runs_sequentially);
	RUN(test_bounds);
	return test_done();
}
