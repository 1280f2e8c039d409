/* The onchain_resolvers table's store functions
 * (daemon/onchain/onchain_store.h) against an in-memory database with
 * every migration. */
#include <stdio.h>
#include <string.h>

#include "daemon/onchain/onchain_store.h"
#include "db/db.h"
#include "db/migrations.h"
#include "tests/unit/test.h"

static struct db *open_memory(void)
{
	char err[256] = "";
	struct db *db = db_open(":memory:", ohm_migrations, ohm_migrations_count, err, sizeof(err));

	CHECK_MSG(db, "%s", err);
	return db;
}

struct seen {
	size_t num;
	int64_t channel[4];
	uint8_t script[4][8];
	size_t script_len[4];
	uint8_t state[4][8];
	size_t state_len[4];
	bool resolved[4];
	bool stop;
};

static bool each(void *arg, int64_t channel, const uint8_t *script, size_t script_len,
		 const uint8_t *state, size_t state_len, bool resolved)
{
	struct seen *s = arg;

	if (s->num < 4 && script_len <= 8 && state_len <= 8) {
		s->channel[s->num] = channel;
		memcpy(s->script[s->num], script, script_len);
		s->script_len[s->num] = script_len;
		memcpy(s->state[s->num], state, state_len);
		s->state_len[s->num] = state_len;
		s->resolved[s->num] = resolved;
	}
	s->num++;
	return !s->stop;
}

/* Rows come back by channel, read by name; saving again replaces the
 * state and the resolved flag. */
static void test_rows_round_trip_and_replace(void)
{
	struct db *db = open_memory();
	struct seen s;

	if (!db)
		return;
	CHECK(onchain_store_save(db, 7, (const uint8_t *)"\x00\x14", 2,
				 (const uint8_t *)"state-a", 7, false));
	CHECK(onchain_store_save(db, 3, (const uint8_t *)"\x00\x20\x01", 3,
				 (const uint8_t *)"s3", 2, false));
	CHECK(onchain_store_save(db, 7, (const uint8_t *)"\x00\x14", 2,
				 (const uint8_t *)"state-b", 7, true));
	memset(&s, 0, sizeof(s));
	CHECK(onchain_store_load(db, each, &s));
	CHECK(s.num == 2);
	CHECK(s.channel[0] == 3 && s.script_len[0] == 3 && s.state_len[0] == 2
	      && memcmp(s.state[0], "s3", 2) == 0 && !s.resolved[0]);
	CHECK(s.channel[1] == 7 && s.state_len[1] == 7 && memcmp(s.state[1], "state-b", 7) == 0
	      && s.resolved[1]);
	/* A callback saying stop ends the load with false. */
	memset(&s, 0, sizeof(s));
	s.stop = true;
	CHECK(!onchain_store_load(db, each, &s));
	CHECK(s.num == 1);
	/* A channel moved to the closed channels takes its row along; the
	 * others stay. */
	CHECK(onchain_store_delete(db, 7));
	CHECK(onchain_store_delete(db, 99));
	memset(&s, 0, sizeof(s));
	CHECK(onchain_store_load(db, each, &s));
	CHECK(s.num == 1 && s.channel[0] == 3);
	db_close(db);
}

int main(void)
{
	RUN(test_rows_round_trip_and_replace);
	return test_done();
}
