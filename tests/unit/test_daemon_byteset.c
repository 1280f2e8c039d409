/* The fixed-size-key hash set: common/byteset.c. */
#include <stdint.h>

#include "common/byteset.h"
#include "tests/unit/test.h"

static void key_of(uint8_t key[36], uint32_t n)
{
	memset(key, 0, 36);
	memcpy(key, &n, sizeof(n));
	key[35] = (uint8_t)(n * 7);
}

static void test_put_get_replace(void)
{
	struct byteset *set = byteset_new(36);
	uint8_t key[36];
	uint64_t value = 0;

	key_of(key, 1);
	CHECK(!byteset_get(set, key, &value));
	CHECK(byteset_put(set, key, 42));
	CHECK(byteset_get(set, key, &value) && value == 42);
	CHECK(!byteset_put(set, key, 43));
	CHECK(byteset_get(set, key, &value) && value == 43);
	CHECK(byteset_get(set, key, NULL));
	CHECK(byteset_count(set) == 1);
	byteset_free(set);
	byteset_free(NULL);
}

static void test_grows_and_deletes(void)
{
	struct byteset *set = byteset_new(36);
	uint8_t key[36];
	uint64_t value;
	bool ok = true;

	for (uint32_t i = 0; i < 10000; i++) {
		key_of(key, i);
		ok &= byteset_put(set, key, i);
	}
	CHECK(ok && byteset_count(set) == 10000);
	for (uint32_t i = 0; i < 10000; i += 2) {
		key_of(key, i);
		ok &= byteset_del(set, key);
	}
	CHECK(ok && byteset_count(set) == 5000);
	for (uint32_t i = 0; i < 10000; i++) {
		key_of(key, i);
		ok &= byteset_get(set, key, &value) == (i % 2 == 1);
		if (i % 2)
			ok &= value == i;
	}
	CHECK(ok);
	key_of(key, 0);
	CHECK(!byteset_del(set, key));
	/* Churn through tombstones without growing without bound. */
	for (uint32_t round = 0; round < 50; round++) {
		for (uint32_t i = 20000; i < 20100; i++) {
			key_of(key, i);
			byteset_put(set, key, round);
		}
		for (uint32_t i = 20000; i < 20100; i++) {
			key_of(key, i);
			byteset_del(set, key);
		}
	}
	CHECK(byteset_count(set) == 5000);
	byteset_free(set);
}

static void test_iterate_and_clear(void)
{
	struct byteset *set = byteset_new(4);
	uint32_t n, sum = 0, seen = 0;
	size_t pos = 0;
	const void *key;
	uint64_t value;

	for (n = 1; n <= 100; n++)
		byteset_put(set, &n, n * 2);
	while ((key = byteset_next(set, &pos, &value)) != NULL) {
		memcpy(&n, key, 4);
		CHECK(value == n * 2);
		sum += n;
		seen++;
		/* Deleting the key just returned is allowed. */
		if (n % 3 == 0)
			byteset_del(set, key);
	}
	CHECK(seen == 100 && sum == 5050);
	CHECK(byteset_count(set) == 67);
	byteset_clear(set);
	CHECK(byteset_count(set) == 0);
	n = 5;
	CHECK(!byteset_get(set, &n, NULL));
	pos = 0;
	CHECK(byteset_next(set, &pos, NULL) == NULL);
	byteset_free(set);
}

int main(void)
{
	RUN(test_put_get_replace);
	RUN(test_grows_and_deletes);
	RUN(test_iterate_and_clear);
	return test_done();
}
