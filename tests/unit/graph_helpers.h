/* Hand-made graphs for the pathfinder and retry tests (test_pay_pathfind.c,
 * test_pay_retry.c): node ids from small numbers, channels named by their
 * block, policies set directly (no signatures: gossip's checks are
 * gossip's tests), and the diamond A-B-D / A-C-D. */
#ifndef OHM_TESTS_UNIT_GRAPH_HELPERS_H
#define OHM_TESTS_UNIT_GRAPH_HELPERS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gossip/graph.h"
#include "pay/route.h"

/* Node n's id: 02 00.. n (ordered by n). */
static inline const uint8_t *nid(unsigned n)
{
	static uint8_t ids[64][PUBKEY_CMPR_LEN];

	memset(ids[n], 0, PUBKEY_CMPR_LEN);
	ids[n][0] = 0x02;
	ids[n][32] = (uint8_t)n;
	return ids[n];
}

enum { A = 1, B, C, D, E, F };

static inline struct short_channel_id scid(uint32_t block)
{
	struct short_channel_id s = {.u64 = (uint64_t)block << 40};
	return s;
}

static inline void chan(struct graph *g, uint32_t block, unsigned a, unsigned b, uint64_t cap_sat)
{
	const uint8_t *n1 = a < b ? nid(a) : nid(b), *n2 = a < b ? nid(b) : nid(a);
	uint8_t id1[PUBKEY_CMPR_LEN], id2[PUBKEY_CMPR_LEN];

	memcpy(id1, n1, sizeof(id1));
	memcpy(id2, n2, sizeof(id2));
	graph_add_channel(g, scid(block), id1, id2, cap_sat, true, block, 1000);
}

struct pol {
	uint32_t base, ppm;
	uint16_t cltv;
	uint64_t min, max;	/* max 0: the capacity */
	bool disabled;
};

/* The update of the channel in block, sent by node from to node to. */
static inline void update(struct graph *g, uint32_t block, unsigned from, unsigned to,
			  struct pol p)
{
	struct channel_update_info info;
	struct graph_channel c;

	memset(&info, 0, sizeof(info));
	graph_get_channel(g, scid(block), &c);
	info.direction = from < to ? 0 : 1;
	info.is_routable = true;
	info.m.short_channel_id = scid(block);
	info.m.timestamp = 2000;
	info.m.message_flags = 1;
	info.m.channel_flags = (uint8_t)(info.direction | (p.disabled ? 2 : 0));
	info.m.cltv_expiry_delta = p.cltv;
	info.m.htlc_minimum_msat = p.min;
	info.m.htlc_maximum_msat = p.max ? p.max : c.capacity_sat * 1000;
	info.m.fee_base_msat = p.base;
	info.m.fee_proportional_millionths = p.ppm;
	graph_set_update(g, &info, block);
}

/* Both directions with the same policy. */
static inline void both(struct graph *g, uint32_t block, unsigned a, unsigned b, struct pol p)
{
	update(g, block, a, b, p);
	update(g, block, b, a, p);
}

/* The route's blocks, as "b1,b2,...". */
static inline const char *via(const struct route_hop *r, size_t n)
{
	static char buf[200];
	size_t len = 0;

	buf[0] = 0;
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%u", i ? "," : "",
					(unsigned)(r[i].scid.u64 >> 40));
	return buf;
}

static const struct pol cheap = {1000, 1000, 10, 0, 0, false};
static const struct pol dear = {5000, 5000, 10, 0, 0, false};

/* A-B-D (cheap, blocks 1, 2) and A-C-D (dear, blocks 3, 4). */
static inline struct graph *diamond(void)
{
	struct graph *g = graph_new();

	chan(g, 1, A, B, 1000000);
	chan(g, 2, B, D, 1000000);
	chan(g, 3, A, C, 1000000);
	chan(g, 4, C, D, 1000000);
	both(g, 1, A, B, cheap);
	both(g, 2, B, D, cheap);
	both(g, 3, A, C, dear);
	both(g, 4, C, D, dear);
	return g;
}

#endif /* OHM_TESTS_UNIT_GRAPH_HELPERS_H */
