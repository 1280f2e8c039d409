/* CPFP package fees and BIP125 replacement steps: bitcoin/cpfp.c. */
#include "bitcoin/cpfp.h"
#include "tests/unit/test.h"

static void test_child_fee_reaches_the_package_feerate(void)
{
	/* An anchors commitment of 1124 weight at 1250 perkw pays 1405 sat;
	 * a child of 700 weight lifting the package to 4000 perkw pays
	 * 4000 * 1824 / 1000 = 7296 sat for both, 5891 of it its own. */
	uint64_t fee = cpfp_child_fee_sat(4000, 1124, 1405, 700);
	CHECK(fee == 5891);
	CHECK(cpfp_package_feerate(1124, 1405, 700, fee) == 4000);
	/* One satoshi less falls short. */
	CHECK(cpfp_package_feerate(1124, 1405, 700, fee - 1) < 4000);
	/* Rounded up: 333 perkw over 1001 weight is 333.333 sat. */
	CHECK(cpfp_child_fee_sat(333, 1000, 0, 1) == 334);
	CHECK(cpfp_package_feerate(1000, 0, 1, 334) >= 333);
	CHECK(cpfp_package_feerate(1000, 0, 1, 333) < 333);
}

static void test_parent_alone_enough(void)
{
	CHECK(cpfp_child_fee_sat(1250, 1124, 1405, 0) == 0);
	CHECK(cpfp_child_fee_sat(1000, 1124, 5000, 700) == 0);
	CHECK(cpfp_package_feerate(0, 0, 0, 0) == 0);
}

static void test_rbf_min_fee(void)
{
	/* Rule 4: the old fee plus 1 sat per vbyte of the replacement
	 * (vsize rounded up: 701 weight is 176 vbytes). */
	CHECK(cpfp_rbf_min_fee_sat(5000, 700, 700) == 5000 + 175);
	CHECK(cpfp_rbf_min_fee_sat(5000, 700, 701) == 5000 + 176);
	/* Rule 6 decides for a much heavier replacement: a higher feerate
	 * than 5000 sat over 400 weight. */
	CHECK(cpfp_rbf_min_fee_sat(5000, 400, 1200) == 15001);
}

static void test_rbf_feerate_steps(void)
{
	/* A quarter up when the estimate did not move. */
	CHECK(cpfp_rbf_feerate(4000, 4000, 100000) == 5000);
	/* The estimate when it rose more. */
	CHECK(cpfp_rbf_feerate(4000, 9000, 100000) == 9000);
	/* Capped, then nothing more. */
	CHECK(cpfp_rbf_feerate(4000, 4000, 4500) == 4500);
	CHECK(cpfp_rbf_feerate(4500, 4000, 4500) == 0);
	CHECK(cpfp_rbf_feerate(6000, 4000, 4500) == 0);
	/* No overflow. */
	CHECK(cpfp_rbf_feerate(UINT32_MAX - 1, 0, UINT32_MAX) == UINT32_MAX);
}

int main(void)
{
	RUN(test_child_fee_reaches_the_package_feerate);
	RUN(test_parent_alone_enough);
	RUN(test_rbf_min_fee);
	RUN(test_rbf_feerate_steps);
	return test_done();
}
