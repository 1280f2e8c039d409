/* The feerate parameter and bitcoind's estimates: daemon/chain/feerate.c. */
#include "daemon/chain/feerate.h"
#include "tests/unit/test.h"

static void test_named_targets(void)
{
	struct feerate_param f;
	char err[200];

	CHECK(feerate_parse(&f, "urgent", err, sizeof(err)) && f.is_target
	      && f.target == FEERATE_URGENT);
	CHECK(feerate_parse(&f, "normal", err, sizeof(err)) && f.is_target
	      && f.target == FEERATE_NORMAL);
	CHECK(feerate_parse(&f, "slow", err, sizeof(err)) && f.is_target
	      && f.target == FEERATE_SLOW);
	CHECK_STREQ(feerate_target_name(FEERATE_SLOW), "slow");
}

static void test_units(void)
{
	struct feerate_param f;
	char err[200];

	CHECK(feerate_parse(&f, "1000perkw", err, sizeof(err)) && !f.is_target && f.perkw == 1000);
	/* perkb is bitcoind's unit: four times perkw. */
	CHECK(feerate_parse(&f, "4000perkb", err, sizeof(err)) && f.perkw == 1000);
	CHECK(feerate_parse(&f, "1012perkb", err, sizeof(err)) && f.perkw == 253);
	CHECK(feerate_from_perkw(&f, 253, err, sizeof(err)) && f.perkw == 253);
}

static void test_below_floor_refused(void)
{
	struct feerate_param f;
	char err[200];

	CHECK(!feerate_parse(&f, "252perkw", err, sizeof(err)));
	CHECK(strstr(err, "below the minimum of 253 perkw") != NULL);
	CHECK(!feerate_parse(&f, "1000perkb", err, sizeof(err)));
	CHECK(strstr(err, "1012perkb") != NULL);
	CHECK(!feerate_from_perkw(&f, 0, err, sizeof(err)));
	CHECK(!feerate_from_perkw(&f, 5000000000ULL, err, sizeof(err)));
}

static void test_garbage_refused(void)
{
	const char *bad[] = {"", "fast", "perkw", "10", "10 perkw", "-300perkw", "+300perkw",
			     "300perkwx", "300PERKW", "99999999999999999999999perkw"};
	struct feerate_param f;
	char err[200];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_MSG(!feerate_parse(&f, bad[i], err, sizeof(err)), "%s", bad[i]);
		CHECK(strstr(err, "expected") != NULL || strstr(err, "minimum") != NULL
		      || strstr(err, "high") != NULL);
	}
}

static void test_estimate_conversion(void)
{
	/* 0.00001 BTC/kvB = 1000 sat/kvB = 250 perkw: under the floor. */
	CHECK(feerate_perkw_from_btc_per_kvb(0.00001) == FEERATE_FLOOR_PERKW);
	/* 0.0002 BTC/kvB = 20000 sat/kvB = 5000 perkw. */
	CHECK(feerate_perkw_from_btc_per_kvb(0.0002) == 5000);
	CHECK(feerate_perkw_from_btc_per_kvb(0.00012345) == 3086);
	CHECK(feerate_perkw_from_btc_per_kvb(-1) == FEERATE_FLOOR_PERKW);
	CHECK(feerate_perkw_from_btc_per_kvb(0) == FEERATE_FLOOR_PERKW);
	CHECK(feerate_perkw_from_btc_per_kvb(1e30) == UINT32_MAX);
}

static void test_for_deadline(void)
{
	const struct feerate_estimate est[] = {{2, 10000}, {4, 6000}, {100, 1000}};

	CHECK(feerate_for_deadline(est, 3, 1) == 10000);
	CHECK(feerate_for_deadline(est, 3, 2) == 10000);
	CHECK(feerate_for_deadline(est, 3, 3) == 8000);
	CHECK(feerate_for_deadline(est, 3, 4) == 6000);
	/* 6000 - 5000 * 48 / 96 */
	CHECK(feerate_for_deadline(est, 3, 52) == 3500);
	CHECK(feerate_for_deadline(est, 3, 100) == 1000);
	CHECK(feerate_for_deadline(est, 3, 2016) == 1000);
	CHECK(feerate_for_deadline(est, 1, 50) == 10000);
	CHECK(feerate_for_deadline(est, 0, 50) == 0);
}

int main(void)
{
	RUN(test_for_deadline);
	RUN(test_named_targets);
	RUN(test_units);
	RUN(test_below_floor_refused);
	RUN(test_garbage_refused);
	RUN(test_estimate_conversion);
	return test_done();
}
