/* Tests for channel/shachain: BOLT #3 Appendix D (every generation test
 * and all 56 insert steps of the storage tests), out-of-order inserts,
 * retrieving old secrets, and the database form. */
#include "channel/shachain.h"
#include "tests/unit/vectors.h"

static struct secret secret_from_hex(const char *hex)
{
	struct secret s;

	hex_to_array(s.data, sizeof(s.data), hex);
	return s;
}

static uint64_t index_of(const json_t *obj)
{
	return strtoull(json_str(obj, "index_str"), NULL, 10);
}

static void test_appendix_d_generation(void)
{
	json_t *root = vectors_load("bolt03-per-commitment-secrets.json");
	json_t *tests = json_object_get(root, "generation_tests"), *t;
	size_t i;

	CHECK(json_array_size(tests) == 5);
	json_array_foreach(tests, i, t) {
		struct secret seed = secret_from_hex(json_str(t, "seed")), out;

		CHECK(shachain_from_seed(&out, &seed, index_of(t)));
		CHECK_MSG(bytes_are(out.data, sizeof(out.data),
				    json_str(t, "output")),
			  "%s", json_str(t, "name"));
	}
	json_decref(root);
}

static void test_appendix_d_storage(void)
{
	json_t *root = vectors_load("bolt03-per-commitment-secrets.json");
	json_t *tests = json_object_get(root, "storage_tests"), *t;
	size_t i, steps = 0, errors = 0;

	CHECK(json_array_size(tests) == 9);
	json_array_foreach(tests, i, t) {
		json_t *step;
		size_t j;
		struct shachain chain;

		shachain_init(&chain);
		json_array_foreach(json_object_get(t, "steps"), j, step) {
			struct secret s = secret_from_hex(json_str(step, "secret"));
			bool want_ok = strcmp(json_str(step, "expected"), "OK") == 0;
			struct shachain before = chain;
			bool ok = shachain_insert(&chain, index_of(step), &s);

			CHECK_MSG(ok == want_ok, "%s step %zu",
				  json_str(t, "name"), j);
			if (!ok) {
				/* A rejected insert changes nothing. */
				CHECK(memcmp(&before, &chain, sizeof(chain)) == 0);
				errors++;
			}
			steps++;
		}
	}
	CHECK_MSG(steps == 56 && errors == 8, "%zu steps, %zu errors", steps,
		  errors);
	json_decref(root);
}

/* Fills chain with the first n secrets of seed. */
static void insert_from_seed(struct shachain *chain, const struct secret *seed,
			     uint64_t n)
{
	shachain_init(chain);
	for (uint64_t i = 0; i < n; i++) {
		struct secret s;

		shachain_from_seed(&s, seed, SHACHAIN_MAX_INDEX - i);
		CHECK(shachain_insert(chain, SHACHAIN_MAX_INDEX - i, &s));
	}
}

static void test_insert_out_of_order_fails(void)
{
	struct secret seed, s;
	struct shachain chain, before;

	memset(seed.data, 0x42, sizeof(seed.data));
	shachain_init(&chain);
	CHECK(shachain_next_index(&chain) == SHACHAIN_MAX_INDEX);

	/* The first secret must be index 2^48 - 1. */
	shachain_from_seed(&s, &seed, SHACHAIN_MAX_INDEX - 1);
	CHECK(!shachain_insert(&chain, SHACHAIN_MAX_INDEX - 1, &s));
	CHECK(!shachain_insert(&chain, SHACHAIN_MAX_INDEX + 1, &s));

	insert_from_seed(&chain, &seed, 3);
	before = chain;
	/* Repeating, skipping ahead and going back up all fail. */
	shachain_from_seed(&s, &seed, SHACHAIN_MAX_INDEX - 2);
	CHECK(!shachain_insert(&chain, SHACHAIN_MAX_INDEX - 2, &s));
	shachain_from_seed(&s, &seed, SHACHAIN_MAX_INDEX - 4);
	CHECK(!shachain_insert(&chain, SHACHAIN_MAX_INDEX - 4, &s));
	shachain_from_seed(&s, &seed, SHACHAIN_MAX_INDEX);
	CHECK(!shachain_insert(&chain, SHACHAIN_MAX_INDEX, &s));
	CHECK(memcmp(&before, &chain, sizeof(chain)) == 0);

	/* The right index with a secret from another seed fails too
	 * (index ...fc has two trailing zeros: it must derive ...fd-...ff). */
	memset(seed.data, 0x43, sizeof(seed.data));
	shachain_from_seed(&s, &seed, SHACHAIN_MAX_INDEX - 3);
	CHECK(!shachain_insert(&chain, SHACHAIN_MAX_INDEX - 3, &s));
	CHECK(shachain_next_index(&chain) == SHACHAIN_MAX_INDEX - 3);
}

static void test_get_old_secrets(void)
{
	struct secret seed, got, want;
	struct shachain chain;
	const uint64_t n = 1000;

	memset(seed.data, 0x11, sizeof(seed.data));
	shachain_init(&chain);
	CHECK(!shachain_get(&got, &chain, SHACHAIN_MAX_INDEX));

	insert_from_seed(&chain, &seed, n);
	/* 1000 secrets need only 10 slots: log2 of the count, plus one. */
	CHECK(chain.num_slots == 10);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t index = SHACHAIN_MAX_INDEX - i;

		shachain_from_seed(&want, &seed, index);
		CHECK(shachain_get(&got, &chain, index));
		CHECK(memcmp(got.data, want.data, sizeof(got.data)) == 0);
	}
	/* Not received yet, and not an index at all. */
	CHECK(!shachain_get(&got, &chain, SHACHAIN_MAX_INDEX - n));
	CHECK(!shachain_get(&got, &chain, 0));
	CHECK(!shachain_get(&got, &chain, SHACHAIN_MAX_INDEX + 1));
}

static void test_serialize_roundtrip(void)
{
	static const uint64_t counts[] = { 0, 1, 2, 3, 17, 256, 300 };
	struct secret seed;

	memset(seed.data, 0x23, sizeof(seed.data));
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		struct shachain chain, back;
		struct wirebuf *buf = wirebuf_new();

		insert_from_seed(&chain, &seed, counts[c]);
		shachain_serialize(buf, &chain);
		CHECK(buf->len <= SHACHAIN_SERIALIZED_MAX_LEN);
		CHECK(buf->len == 9 + chain.num_slots * 40);
		CHECK(shachain_deserialize(&back, buf->data, buf->len));
		CHECK(back.num_inserted == chain.num_inserted
		      && back.num_slots == chain.num_slots);
		CHECK(memcmp(back.known, chain.known,
			     chain.num_slots * sizeof(chain.known[0])) == 0);
		/* And it goes on accepting the next secret. */
		if (counts[c]) {
			struct secret s;
			uint64_t next = shachain_next_index(&back);

			shachain_from_seed(&s, &seed, next);
			CHECK(shachain_insert(&back, next, &s));
		}
		wirebuf_free(buf);
	}
}

static void test_deserialize_rejects(void)
{
	struct secret seed;
	struct shachain chain, out, sentinel;
	struct wirebuf *buf = wirebuf_new();
	uint8_t *copy;

	memset(seed.data, 0x24, sizeof(seed.data));
	memset(&sentinel, 0x99, sizeof(sentinel));
	insert_from_seed(&chain, &seed, 6);
	shachain_serialize(buf, &chain);
	copy = malloc(buf->len + 1);

	/* Truncated or with trailing bytes. */
	out = sentinel;
	CHECK(!shachain_deserialize(&out, buf->data, buf->len - 1));
	memcpy(copy, buf->data, buf->len);
	copy[buf->len] = 0;
	CHECK(!shachain_deserialize(&out, copy, buf->len + 1));
	CHECK(!shachain_deserialize(&out, buf->data, 0));
	CHECK(memcmp(&out, &sentinel, sizeof(out)) == 0);

	/* Six secrets leave ...fb, ...fa and ...fc in slots 0 to 2.  Slot 1
	 * (...fa) must derive slot 0 (...fb): corrupt it. */
	memcpy(copy, buf->data, buf->len);
	copy[9 + 1 * 40 + 8] ^= 1;
	CHECK(!shachain_deserialize(&out, copy, buf->len));

	/* A slot index that does not match num_inserted. */
	memcpy(copy, buf->data, buf->len);
	copy[9 + 7] ^= 2;
	CHECK(!shachain_deserialize(&out, copy, buf->len));

	/* A num_inserted that does not match the slots. */
	memcpy(copy, buf->data, buf->len);
	copy[7] ^= 1;
	CHECK(!shachain_deserialize(&out, copy, buf->len));

	/* A slot count above 49. */
	memcpy(copy, buf->data, buf->len);
	copy[8] = 50;
	CHECK(!shachain_deserialize(&out, copy, buf->len));
	CHECK(memcmp(&out, &sentinel, sizeof(out)) == 0);

	free(copy);
	wirebuf_free(buf);
}

/* The very last secret, index 0, goes in slot 48: built by hand from a
 * seed, as inserting 2^48 secrets is not practical. */
static void test_last_slot(void)
{
	struct secret seed, s;
	struct shachain chain;
	struct wirebuf *buf = wirebuf_new();

	memset(seed.data, 0x33, sizeof(seed.data));
	shachain_init(&chain);
	chain.num_inserted = SHACHAIN_MAX_INDEX;	/* index 1 is in */
	chain.num_slots = 48;
	for (unsigned b = 0; b < 48; b++) {
		chain.known[b].index = UINT64_C(1) << b;
		shachain_from_seed(&chain.known[b].secret, &seed,
				   chain.known[b].index);
	}
	CHECK(shachain_next_index(&chain) == 0);
	shachain_from_seed(&s, &seed, 0);
	CHECK(memcmp(s.data, seed.data, sizeof(s.data)) == 0);
	CHECK(shachain_insert(&chain, 0, &s));
	CHECK(chain.num_slots == SHACHAIN_SLOTS);
	/* Nothing after the last one. */
	CHECK(!shachain_insert(&chain, 0, &s));
	CHECK(shachain_get(&s, &chain, 12345));
	shachain_serialize(buf, &chain);
	CHECK(buf->len == SHACHAIN_SERIALIZED_MAX_LEN);
	CHECK(shachain_deserialize(&chain, buf->data, buf->len));
	wirebuf_free(buf);
}

int main(void)
{
	RUN(test_appendix_d_generation);
	RUN(test_appendix_d_storage);
	RUN(test_insert_out_of_order_fails);
	RUN(test_get_old_secrets);
	RUN(test_serialize_roundtrip);
	RUN(test_deserialize_rejects);
	RUN(test_last_slot);
	return test_done();
}
