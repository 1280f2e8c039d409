/* pay/route: amounts and CLTVs computed backwards, fees, limits. */
#include <string.h>

#include "pay/route.h"
#include "tests/unit/test.h"

static struct route_edge edge(uint8_t from, uint8_t to, uint32_t base, uint32_t ppm,
			      uint16_t delta, uint32_t block)
{
	struct route_edge e;

	memset(&e, 0, sizeof(e));
	e.from[0] = 2;
	e.from[1] = from;
	e.to[0] = 2;
	e.to[1] = to;
	short_channel_id_from_parts(&e.scid, block, 1, 0);
	e.fee_base_msat = base;
	e.fee_proportional_millionths = ppm;
	e.cltv_expiry_delta = delta;
	return e;
}

/* A pays C through B: B charges 1000 msat + 10 ppm and 34 blocks. */
static void test_two_hops(void)
{
	uint8_t b[PUBKEY_CMPR_LEN] = {2, 'B'};
	struct short_channel_id ab;
	struct route_edge bc = edge('B', 'C', 1000, 10, 34, 200);
	struct route_hop route[2];

	short_channel_id_from_parts(&ab, 100, 1, 0);
	CHECK(route_along(route, b, &ab, &bc, 1, 50000000, 318));
	CHECK(route[1].amount_msat == 50000000 && route[1].delay == 318);
	CHECK(route[1].node_id[1] == 'C' && route[1].scid.u64 == bc.scid.u64);
	/* 1000 + 50000000 * 10 / 1000000 = 1500. */
	CHECK(route[0].amount_msat == 50001500 && route[0].delay == 352);
	CHECK(route[0].node_id[1] == 'B' && route[0].scid.u64 == ab.u64);
	CHECK(route_fees(route, 2) == 1500);
}

static void test_direct_and_three_hops(void)
{
	uint8_t c[PUBKEY_CMPR_LEN] = {2, 'C'};
	struct short_channel_id ac;
	struct route_edge edges[2] = {edge('B', 'C', 0, 1000, 10, 200),
				      edge('C', 'D', 7, 0, 40, 300)};
	struct route_hop route[3];

	short_channel_id_from_parts(&ac, 100, 2, 1);
	CHECK(route_along(route, c, &ac, NULL, 0, 1234, 500));
	CHECK(route[0].amount_msat == 1234 && route[0].delay == 500);
	CHECK(route_fees(route, 1) == 0);
	CHECK(route_along(route, c, &ac, edges, 2, 1000000, 500));
	/* D gets 1000000; C adds 7 (40 blocks); B adds 0.1%. */
	CHECK(route[2].amount_msat == 1000000 && route[2].delay == 500);
	CHECK(route[1].amount_msat == 1000007 && route[1].delay == 540);
	CHECK(route[0].amount_msat == 1000007 + 1000 && route[0].delay == 550);
}

static void test_overflow_and_length(void)
{
	uint8_t b[PUBKEY_CMPR_LEN] = {2, 'B'};
	struct short_channel_id ab = {0};
	struct route_edge big = edge('B', 'C', UINT32_MAX, 1000000, 0xffff, 1);
	struct route_edge many[ROUTE_MAX_HOPS];
	struct route_hop route[ROUTE_MAX_HOPS + 1];
	uint64_t fee;

	CHECK(route_fee(&fee, &big, UINT64_MAX / 2));
	CHECK(!route_along(route, b, &ab, &big, 1, UINT64_MAX - 5, 10));
	CHECK(!route_along(route, b, &ab, &big, 1, 10, UINT32_MAX - 5));
	for (size_t i = 0; i < ROUTE_MAX_HOPS; i++)
		many[i] = edge((uint8_t)i, (uint8_t)(i + 1), 1, 0, 1, 1);
	CHECK(route_along(route, b, &ab, many, ROUTE_MAX_HOPS - 1, 100, 10));
	CHECK(route[0].amount_msat == 100 + ROUTE_MAX_HOPS - 1);
	CHECK(!route_along(route, b, &ab, many, ROUTE_MAX_HOPS, 100, 10));
}

int main(void)
{
	RUN(test_two_hops);
	RUN(test_direct_and_three_hops);
	RUN(test_overflow_and_length);
	return test_done();
}
