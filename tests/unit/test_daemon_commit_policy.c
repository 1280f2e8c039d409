/* Tests for daemon/channels/commit_policy: when the flush signs. */
#include "daemon/channels/commit_policy.h"
#include "tests/unit/test.h"

static struct commit_policy_decision decide(size_t pending, uint64_t wait, size_t in_flight)
{
	struct commit_policy_input in = {pending, wait, in_flight};

	return commit_policy_decide(&in);
}

static void test_nothing_pending_nothing_to_do(void)
{
	struct commit_policy_decision d = decide(0, 1000000, 0);

	CHECK(!d.sign_now && d.wait_usec == 0);
	d = decide(0, 0, 50);
	CHECK(!d.sign_now && d.wait_usec == 0);
}

static void test_idle_node_signs_at_once(void)
{
	/* One payment at a time: nothing else in flight, no wait. */
	CHECK(decide(1, 0, 0).sign_now);
	CHECK(decide(1, 0, COMMIT_POLICY_BUSY_IN_FLIGHT - 1).sign_now);
	CHECK(decide(5, 10, 0).sign_now);
}

static void test_busy_node_waits_for_more(void)
{
	struct commit_policy_decision d = decide(1, 0, COMMIT_POLICY_BUSY_IN_FLIGHT);

	CHECK(!d.sign_now && d.wait_usec == COMMIT_POLICY_MAX_WAIT_USEC);
	d = decide(3, 200, 40);
	CHECK(!d.sign_now && d.wait_usec == COMMIT_POLICY_MAX_WAIT_USEC - 200);
	/* Never waits past the limit in total. */
	d = decide(3, COMMIT_POLICY_MAX_WAIT_USEC - 1, 40);
	CHECK(!d.sign_now && d.wait_usec == 1);
}

static void test_limits_sign_now(void)
{
	/* The oldest update waited long enough. */
	CHECK(decide(1, COMMIT_POLICY_MAX_WAIT_USEC, 40).sign_now);
	CHECK(decide(1, UINT64_MAX, 40).sign_now);
	/* A full batch does not wait. */
	CHECK(decide(COMMIT_POLICY_FULL_BATCH, 0, 40).sign_now);
	CHECK(!decide(COMMIT_POLICY_FULL_BATCH - 1, 0, 40).sign_now);
}

int main(void)
{
	RUN(test_nothing_pending_nothing_to_do);
	RUN(test_idle_node_signs_at_once);
	RUN(test_busy_node_waits_for_more);
	RUN(test_limits_sign_now);
	return test_done();
}
