/* Tests for daemon/channels/htlcs_noted: each HTLC noted once, and the
 * record no bigger than what is in flight. */
#include <string.h>

#include "channel/htlcs.h"
#include "daemon/channels/htlcs_noted.h"
#include "tests/unit/test.h"

struct notes {
	size_t count;
	uint64_t last_id;
	size_t fail_at;		/* note number that fails; 0: none */
};

static bool note(void *arg, const struct channel_htlc *htlc)
{
	struct notes *n = arg;

	if (n->fail_at && n->count + 1 == n->fail_at)
		return false;
	n->count++;
	n->last_id = htlc->id;
	return true;
}

static void add(struct htlc_set *set, enum channel_side offerer, uint64_t id)
{
	struct htlc h;

	memset(&h, 0, sizeof(h));
	h.h.offerer = offerer;
	h.h.id = id;
	h.h.amount_msat = 1000;
	memset(h.h.payment_hash.u8, (int)(id & 0xff), 32);
	htlc_set_add(set, &h);
}

static void test_each_htlc_is_noted_once(void)
{
	struct htlc_set set;
	struct htlcs_noted *noted = htlcs_noted_new();
	struct notes n = {0};

	htlc_set_init(&set, CHANNEL_LOCAL, 1000000000, 0, 253);
	add(&set, CHANNEL_LOCAL, 0);
	add(&set, CHANNEL_REMOTE, 0);
	CHECK(htlcs_noted_update(noted, &set, note, &n));
	CHECK(n.count == 2);
	CHECK(htlcs_noted_update(noted, &set, note, &n));
	CHECK(n.count == 2);
	add(&set, CHANNEL_LOCAL, 1);
	CHECK(htlcs_noted_update(noted, &set, note, &n));
	CHECK(n.count == 3 && n.last_id == 1);
	htlc_set_clear(&set);
	htlcs_noted_free(noted);
}

static void test_a_failed_note_is_tried_again(void)
{
	struct htlc_set set;
	struct htlcs_noted *noted = htlcs_noted_new();
	struct notes n = {.fail_at = 2};

	htlc_set_init(&set, CHANNEL_LOCAL, 1000000000, 0, 253);
	add(&set, CHANNEL_LOCAL, 0);
	add(&set, CHANNEL_LOCAL, 1);
	CHECK(!htlcs_noted_update(noted, &set, note, &n));
	CHECK(n.count == 1);
	n.fail_at = 0;
	CHECK(htlcs_noted_update(noted, &set, note, &n));
	CHECK(n.count == 2 && n.last_id == 1);
	htlc_set_clear(&set);
	htlcs_noted_free(noted);
}

/* bench/rss.py: the record kept every HTLC the channel ever had, ~100
 * bytes a payment (5 MiB after 50,000), so ohmd grew without bound. */
static void test_the_record_holds_only_htlcs_in_flight(void)
{
	struct htlc_set set;
	struct htlcs_noted *noted = htlcs_noted_new();
	struct notes n = {0};

	htlc_set_init(&set, CHANNEL_LOCAL, 1000000000, 0, 253);
	for (uint64_t id = 0; id < 10000; id++) {
		add(&set, id % 2 ? CHANNEL_REMOTE : CHANNEL_LOCAL, id);
		CHECK(htlcs_noted_update(noted, &set, note, &n));
		/* Settled: gone from the channel. */
		htlc_set_remove(&set, 0);
	}
	CHECK(n.count == 10000);
	add(&set, CHANNEL_LOCAL, 10000);
	CHECK(htlcs_noted_update(noted, &set, note, &n));
	CHECK_MSG(htlcs_noted_count(noted) == 1, "%zu HTLCs remembered, 1 in flight",
		  htlcs_noted_count(noted));
	htlc_set_clear(&set);
	htlcs_noted_free(noted);
}

int main(void)
{
	RUN(test_each_htlc_is_noted_once);
	RUN(test_a_failed_note_is_tried_again);
	RUN(test_the_record_holds_only_htlcs_in_flight);
	return test_done();
}
