/* Dijkstra backwards from the destination (see pathfind.h).  Nodes are
 * numbered by their graph slot; nodes only an extra edge or a local
 * channel names come after the graph's slots.  Labels live in arrays
 * stamped with the query's generation, so a query never clears them. */
#include "pay/pathfind.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "pay/onion_error.h"

#define NO_NODE UINT32_MAX
/* Core Lightning's BLOCKS_PER_YEAR, and riskfactor is a percentage. */
#define RISK_DIVISOR (52596.0 * 100.0)

/* An extra edge or a local channel, with its ends numbered. */
struct special {
	uint32_t from, to;
	bool is_local;
	size_t index;		/* into q->extra or q->locals */
};

/* A scid exclusion, sorted for bsearch. */
struct excl {
	uint64_t scid;
	int direction;		/* -1: both */
};

/* A node's state in a query: one cache line, as a search touches nodes
 * at random.  A stamp equal to the query's gen means "set". */
struct node_state {
	uint64_t cost, amount, next_scid;
	uint32_t label_gen, done_gen, mark_gen, excl_gen;
	uint32_t delay, next, heap_pos;
	uint32_t routable_gen;	/* is_unroutable was read this query */
	uint8_t hops;
	bool is_unroutable;	/* a graph node with unknown even features */
	uint8_t pad[64 - 3 * 8 - 8 * 4 - 2];
};
_Static_assert(sizeof(struct node_state) == 64, "a node's state is a cache line");

struct heap_entry {
	uint64_t cost;
	uint32_t node;
};

struct pathfinder {
	size_t cap;		/* the arrays' length */
	uint32_t gen;
	struct node_state *st;	/* 64-byte aligned */
	struct heap_entry *heap;
	size_t heap_len;
	/* This query's. */
	const struct graph *g;
	uint32_t graph_limit;
	uint8_t (*extra_ids)[PUBKEY_CMPR_LEN];
	size_t num_extra_ids, cap_extra_ids;
	struct special *specials;
	size_t num_specials, cap_specials;
	struct excl *excls;
	size_t num_excls, cap_excls;
	/* Who links to whom in the graph, as of graph_shape() csr_shape:
	 * node v's incoming channels are adj[adj_start[v] ..
	 * adj_start[v + 1]), contiguous, so a search can fetch ahead
	 * (the graph's own lists are linked through its records). */
	const struct graph *csr_g;
	uint64_t csr_shape;
	uint32_t *adj_start;
	struct adj {
		uint32_t chan, from;
	} *adj;
	size_t adj_cap, adj_start_cap;
};

struct pathfinder *pathfinder_new(void)
{
	return oh_calloc(1, sizeof(struct pathfinder));
}

void pathfinder_free(struct pathfinder *pf)
{
	if (!pf)
		return;
	free(pf->st);
	free(pf->heap);
	free(pf->extra_ids);
	free(pf->specials);
	free(pf->excls);
	free(pf->adj_start);
	free(pf->adj);
	free(pf);
}

int pathfind_direction(const uint8_t a[PUBKEY_CMPR_LEN], const uint8_t b[PUBKEY_CMPR_LEN])
{
	return memcmp(a, b, PUBKEY_CMPR_LEN) < 0 ? 0 : 1;
}

/* n zeroed 64-byte states on a cache line boundary (aborts on
 * exhaustion, as common/alloc.h does). */
static void *oh_aligned_calloc(size_t n, size_t size)
{
	void *p = NULL;

	if (posix_memalign(&p, 64, n * size) != 0)
		abort();
	memset(p, 0, n * size);
	return p;
}

#define GROW(arr, n) ((arr) = oh_realloc((arr), (n) * sizeof(*(arr))))

/* Makes the arrays hold n nodes (new stamps zeroed: never this gen). */
static void reserve(struct pathfinder *pf, size_t n)
{
	size_t old = pf->cap;

	if (n <= old)
		return;
	n = n < 2 * old ? 2 * old : n;
	{
		struct node_state *st = oh_aligned_calloc(n, sizeof(*st));

		if (old)
			memcpy(st, pf->st, old * sizeof(*st));
		free(pf->st);
		pf->st = st;
	}
	GROW(pf->heap, n);
	pf->cap = n;
}

static const uint8_t *node_id(const struct pathfinder *pf, uint32_t n)
{
	return n < pf->graph_limit ? graph_node_slot_id(pf->g, n) : pf->extra_ids[n - pf->graph_limit];
}

/* The number of node id; add: give a node outside the graph a number. */
static uint32_t node_number(struct pathfinder *pf, const uint8_t id[PUBKEY_CMPR_LEN], bool add)
{
	uint32_t slot = pf->g ? graph_node_slot(pf->g, id) : GRAPH_NO_SLOT;

	if (slot != GRAPH_NO_SLOT)
		return slot;
	for (size_t i = 0; i < pf->num_extra_ids; i++)
		if (memcmp(pf->extra_ids[i], id, PUBKEY_CMPR_LEN) == 0)
			return pf->graph_limit + (uint32_t)i;
	if (!add)
		return NO_NODE;
	if (pf->num_extra_ids == pf->cap_extra_ids) {
		pf->cap_extra_ids = pf->cap_extra_ids ? 2 * pf->cap_extra_ids : 8;
		GROW(pf->extra_ids, pf->cap_extra_ids);
	}
	memcpy(pf->extra_ids[pf->num_extra_ids], id, PUBKEY_CMPR_LEN);
	return pf->graph_limit + (uint32_t)pf->num_extra_ids++;
}

static void add_special(struct pathfinder *pf, uint32_t from, uint32_t to, bool is_local,
			size_t index)
{
	if (pf->num_specials == pf->cap_specials) {
		pf->cap_specials = pf->cap_specials ? 2 * pf->cap_specials : 8;
		GROW(pf->specials, pf->cap_specials);
	}
	pf->specials[pf->num_specials++] = (struct special){from, to, is_local, index};
}

static int excl_cmp(const void *a, const void *b)
{
	const struct excl *x = a, *y = b;

	return x->scid < y->scid ? -1 : x->scid > y->scid ? 1 : 0;
}

static bool scid_excluded(const struct pathfinder *pf, uint64_t scid, int direction)
{
	size_t lo = 0, hi = pf->num_excls;

	/* The first entry of scid, then each of its entries. */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (pf->excls[mid].scid < scid)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < pf->num_excls && pf->excls[lo].scid == scid; lo++)
		if (pf->excls[lo].direction < 0 || pf->excls[lo].direction == direction)
			return true;
	return false;
}

/* ---- The heap: by cost, then node id ---- */

/* The cost is kept in the entry too, so comparing reads no node state. */
static bool heap_less(const struct pathfinder *pf, const struct heap_entry *a,
		      const struct heap_entry *b)
{
	if (a->cost != b->cost)
		return a->cost < b->cost;
	return memcmp(node_id(pf, a->node), node_id(pf, b->node), PUBKEY_CMPR_LEN) < 0;
}

static void heap_set(struct pathfinder *pf, size_t i, struct heap_entry e)
{
	pf->heap[i] = e;
	pf->st[e.node].heap_pos = (uint32_t)i;
}

static void heap_up(struct pathfinder *pf, size_t i)
{
	struct heap_entry e = pf->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!heap_less(pf, &e, &pf->heap[parent]))
			break;
		heap_set(pf, i, pf->heap[parent]);
		i = parent;
	}
	heap_set(pf, i, e);
}

static void heap_down(struct pathfinder *pf, size_t i)
{
	struct heap_entry e = pf->heap[i];

	for (;;) {
		size_t child = 2 * i + 1;
		if (child >= pf->heap_len)
			break;
		if (child + 1 < pf->heap_len
		    && heap_less(pf, &pf->heap[child + 1], &pf->heap[child]))
			child++;
		if (!heap_less(pf, &pf->heap[child], &e))
			break;
		heap_set(pf, i, pf->heap[child]);
		i = child;
	}
	heap_set(pf, i, e);
}

static uint32_t heap_pop(struct pathfinder *pf)
{
	uint32_t top = pf->heap[0].node;

	pf->heap_len--;
	if (pf->heap_len) {
		heap_set(pf, 0, pf->heap[pf->heap_len]);
		heap_down(pf, 0);
	}
	return top;
}

/* Puts n in the heap with cost, or lowers its cost there. */
static void heap_update(struct pathfinder *pf, uint32_t n, uint64_t cost, bool is_new)
{
	size_t i = is_new ? pf->heap_len++ : pf->st[n].heap_pos;

	pf->heap[i] = (struct heap_entry){cost, n};
	heap_up(pf, i);
}

/* ---- Relaxing ---- */

/* An edge from u into the node being expanded, as the search sees it. */
struct edge {
	uint32_t from;
	struct short_channel_id scid;
	int direction;
	bool is_graph;			/* scored */
	uint64_t capacity_msat;		/* 0: unknown */
	uint64_t htlc_minimum_msat, htlc_maximum_msat;	/* max 0: none */
	uint32_t fee_base_msat, fee_proportional_millionths;
	uint16_t cltv_expiry_delta;
};

struct search {
	struct pathfinder *pf;
	const struct pathfind_query *q;
	uint32_t src;
};

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Whether amount a fits the payment's own view of e (q->caps). */
static bool fits_caps(const struct pathfind_query *q, const struct edge *e, uint64_t a)
{
	for (size_t i = 0; i < q->num_caps; i++) {
		const struct pathfind_cap *c = &q->caps[i];
		uint64_t room = c->max_msat;

		if (c->scid.u64 != e->scid.u64 || c->direction != e->direction)
			continue;
		if (e->capacity_msat && e->capacity_msat < room)
			room = e->capacity_msat;
		if (room == UINT64_MAX)
			continue;	/* unknown capacity: only max_msat limits */
		if (c->reserved_msat >= room || a > room - c->reserved_msat)
			return false;
	}
	return true;
}

static void relax(struct search *s, uint32_t v, const struct edge *e)
{
	struct pathfinder *pf = s->pf;
	const struct pathfind_query *q = s->q;
	uint32_t u = e->from;
	bool is_src = u == s->src;
	uint64_t a = pf->st[v].amount, fee = 0, new_amount, penalty = 0, new_cost, risk;
	uint32_t new_delay = pf->st[v].delay;
	unsigned new_hops = pf->st[v].hops + 1u;
	uint16_t delta = is_src ? 0 : e->cltv_expiry_delta;

	if (u == v || pf->st[u].done_gen == pf->gen || (pf->st[u].excl_gen == pf->gen && !is_src))
		return;
	/* BOLT #7: a node with unknown even features is not routed
	 * through (we may still send from it, as its owner). */
	if (e->is_graph && !is_src && pf->st[u].routable_gen != pf->gen) {
		pf->st[u].routable_gen = pf->gen;
		pf->st[u].is_unroutable = !graph_node_slot_is_routable(pf->g, u);
	}
	if (e->is_graph && !is_src && pf->st[u].is_unroutable)
		return;
	if (scid_excluded(pf, e->scid.u64, e->direction))
		return;
	if (a < e->htlc_minimum_msat || (e->htlc_maximum_msat && a > e->htlc_maximum_msat)
	    || (e->capacity_msat && a > e->capacity_msat))
		return;
	if (q->num_caps && !fits_caps(q, e, a))
		return;
	if (!is_src) {
		struct route_edge re = {.fee_base_msat = e->fee_base_msat,
			.fee_proportional_millionths = e->fee_proportional_millionths};
		if (!route_fee(&fee, &re, a))
			return;
	}
	new_amount = a + fee;
	if (new_amount < a || new_hops > q->maxhops || new_hops > ROUTE_MAX_HOPS)
		return;
	if ((uint64_t)new_delay + delta > q->maxdelay)
		return;
	new_delay += delta;
	if (new_amount - q->amount_msat > q->maxfee_msat)
		return;
	if (e->is_graph && q->scorer) {
		penalty = scorer_penalty(q->scorer, e->scid, e->direction, a, e->capacity_msat,
					 q->now);
		if (penalty == UINT64_MAX)
			return;
	}
	risk = (uint64_t)((double)a * delta * q->riskfactor / RISK_DIVISOR);
	new_cost = add_sat(add_sat(add_sat(pf->st[v].cost, fee), risk), penalty);
	if (pf->st[u].label_gen == pf->gen) {
		if (new_cost > pf->st[u].cost)
			return;
		if (new_cost == pf->st[u].cost
		    && (new_hops > pf->st[u].hops
			|| (new_hops == pf->st[u].hops && e->scid.u64 >= pf->st[u].next_scid)))
			return;
	}
	pf->st[u].amount = new_amount;
	pf->st[u].delay = new_delay;
	pf->st[u].hops = (uint8_t)new_hops;
	pf->st[u].next = v;
	pf->st[u].next_scid = e->scid.u64;
	pf->st[u].cost = new_cost;
	heap_update(pf, u, new_cost, pf->st[u].label_gen != pf->gen);
	pf->st[u].label_gen = pf->gen;
}

static void expand(struct search *s, uint32_t v)
{
	struct pathfinder *pf = s->pf;
	const struct pathfind_query *q = s->q;

	if (v < pf->graph_limit) {
		const struct adj *adj = pf->adj + pf->adj_start[v];
		size_t num = pf->adj_start[v + 1] - pf->adj_start[v];

		/* Two ahead: the channel records and the senders' states. */
		for (size_t i = 0; i < num && i < 2; i++) {
			graph_hop_prefetch(pf->g, adj[i].chan);
			__builtin_prefetch(&pf->st[adj[i].from]);
		}
		for (size_t i = 0; i < num; i++) {
			struct graph_hop_in h;
			struct edge e;

			if (i + 2 < num) {
				graph_hop_prefetch(pf->g, adj[i + 2].chan);
				__builtin_prefetch(&pf->st[adj[i + 2].from]);
			}
			graph_node_hop_in(pf->g, v, adj[i].chan, &h);
			if (!h.is_usable || (q->use_locals && h.from_slot == s->src))
				continue;
			e = (struct edge){h.from_slot, h.scid, h.direction, true,
					  h.capacity_sat * 1000, h.htlc_minimum_msat,
					  h.htlc_maximum_msat, h.fee_base_msat,
					  h.fee_proportional_millionths, h.cltv_expiry_delta};
			if (h.capacity_sat > UINT64_MAX / 1000)
				e.capacity_msat = 0;
			relax(s, v, &e);
		}
	}
	if (pf->st[v].mark_gen != pf->gen)
		return;
	for (size_t i = 0; i < pf->num_specials; i++) {
		const struct special *sp = &pf->specials[i];
		struct edge e = {.from = sp->from};

		if (sp->to != v)
			continue;
		if (sp->is_local) {
			const struct pathfind_local *l = &q->locals[sp->index];
			e.scid = l->scid;
			e.direction = pathfind_direction(q->source, l->peer);
			e.capacity_msat = l->spendable_msat;
			e.htlc_minimum_msat = l->htlc_minimum_msat;
			/* Nothing to send: no edge (capacity 0 means unknown). */
			if (!l->spendable_msat)
				continue;
		} else {
			const struct route_edge *x = &q->extra[sp->index];
			e.scid = x->scid;
			e.direction = pathfind_direction(x->from, x->to);
			e.fee_base_msat = x->fee_base_msat;
			e.fee_proportional_millionths = x->fee_proportional_millionths;
			e.cltv_expiry_delta = x->cltv_expiry_delta;
		}
		relax(s, v, &e);
	}
}

/* The adjacency index of g, rebuilt if its shape changed. */
static void index_graph(struct pathfinder *pf, const struct graph *g)
{
	uint32_t limit = graph_node_slot_limit(g);
	size_t num = 0;

	if (pf->csr_g == g && pf->csr_shape == graph_shape(g) && pf->adj_start)
		return;
	if (pf->adj_start_cap < (size_t)limit + 1) {
		pf->adj_start_cap = (size_t)limit + 1;
		GROW(pf->adj_start, pf->adj_start_cap);
	}
	for (uint32_t v = 0; v < limit; v++) {
		uint32_t cursor = graph_node_first_hop(g, v);

		pf->adj_start[v] = (uint32_t)num;
		while (cursor != GRAPH_NO_SLOT) {
			struct graph_hop_in h;
			uint32_t chan = cursor;

			cursor = graph_node_hop_in(g, v, cursor, &h);
			if (num == pf->adj_cap) {
				pf->adj_cap = pf->adj_cap ? 2 * pf->adj_cap : 1024;
				GROW(pf->adj, pf->adj_cap);
			}
			pf->adj[num++] = (struct adj){chan, h.from_slot};
		}
	}
	pf->adj_start[limit] = (uint32_t)num;
	pf->csr_g = g;
	pf->csr_shape = graph_shape(g);
}

/* Numbers the nodes of the query, its special edges and exclusions. */
static void prepare(struct pathfinder *pf, const struct graph *g, const struct pathfind_query *q)
{
	pf->g = g;
	pf->graph_limit = g ? graph_node_slot_limit(g) : 0;
	if (g)
		index_graph(pf, g);
	pf->num_extra_ids = pf->num_specials = pf->num_excls = 0;
	for (size_t i = 0; i < q->num_extra; i++) {
		/* A hint from us is a channel of ours: the locals say. */
		if (q->use_locals && memcmp(q->extra[i].from, q->source, PUBKEY_CMPR_LEN) == 0)
			continue;
		add_special(pf, node_number(pf, q->extra[i].from, true),
			    node_number(pf, q->extra[i].to, true), false, i);
	}
	node_number(pf, q->source, true);
	node_number(pf, q->destination, true);
	if (q->use_locals)
		for (size_t i = 0; i < q->num_locals; i++)
			add_special(pf, node_number(pf, q->source, true),
				    node_number(pf, q->locals[i].peer, true), true, i);
	reserve(pf, pf->graph_limit + pf->num_extra_ids);
	if (++pf->gen == 0) {
		/* Wrapped: old stamps could match again. */
		memset(pf->st, 0, pf->cap * sizeof(*pf->st));
		pf->gen = 1;
	}
	for (size_t i = 0; i < pf->num_specials; i++)
		pf->st[pf->specials[i].to].mark_gen = pf->gen;
	for (size_t i = 0; i < q->num_excludes; i++) {
		const struct pathfind_exclude *x = &q->excludes[i];
		if (x->is_node) {
			uint32_t n = node_number(pf, x->node_id, false);
			if (n != NO_NODE)
				pf->st[n].excl_gen = pf->gen;
			continue;
		}
		if (pf->num_excls == pf->cap_excls) {
			pf->cap_excls = pf->cap_excls ? 2 * pf->cap_excls : 8;
			GROW(pf->excls, pf->cap_excls);
		}
		pf->excls[pf->num_excls++] = (struct excl){x->scid.u64, x->direction};
	}
	if (pf->num_excls > 1)
		qsort(pf->excls, pf->num_excls, sizeof(pf->excls[0]), excl_cmp);
}

bool pathfind(struct pathfinder *pf, const struct graph *g, const struct pathfind_query *q,
	      struct route_hop *out, size_t *num_hops)
{
	struct search s = {pf, q, 0};
	uint32_t dst;

	*num_hops = 0;
	if (memcmp(q->source, q->destination, PUBKEY_CMPR_LEN) == 0 || !q->amount_msat)
		return false;
	prepare(pf, g, q);
	s.src = node_number(pf, q->source, false);
	dst = node_number(pf, q->destination, false);
	if (pf->st[dst].excl_gen == pf->gen)
		return false;
	pf->heap_len = 0;
	pf->st[dst].label_gen = pf->gen;
	pf->st[dst].cost = 0;
	pf->st[dst].amount = q->amount_msat;
	pf->st[dst].delay = q->final_cltv;
	pf->st[dst].hops = 0;
	pf->st[dst].next = NO_NODE;
	heap_update(pf, dst, 0, true);
	if (q->final_cltv > q->maxdelay)
		return false;
	while (pf->heap_len) {
		uint32_t v = heap_pop(pf);

		pf->st[v].done_gen = pf->gen;
		if (v == s.src)
			break;
		expand(&s, v);
	}
	if (pf->st[s.src].done_gen != pf->gen)
		return false;
	for (uint32_t n = s.src; n != dst; n = pf->st[n].next) {
		struct route_hop *h = &out[(*num_hops)++];
		uint32_t to = pf->st[n].next;

		memcpy(h->node_id, node_id(pf, to), PUBKEY_CMPR_LEN);
		h->scid.u64 = pf->st[n].next_scid;
		h->amount_msat = pf->st[to].amount;
		h->delay = pf->st[to].delay;
	}
	return true;
}

void pathfind_learn(struct scorer *s, const struct graph *g,
		    const uint8_t source[PUBKEY_CMPR_LEN], const struct route_hop *route,
		    size_t num_hops, bool succeeded, int64_t erring_index, uint16_t failcode,
		    uint64_t now)
{
	size_t upto;

	if (!s || !g || (!succeeded && erring_index < 0))
		return;
	upto = succeeded ? num_hops : (size_t)erring_index;
	for (size_t j = 0; j < num_hops && j <= upto; j++) {
		const uint8_t *from = j ? route[j - 1].node_id : source;
		struct graph_channel c;
		int dir = pathfind_direction(from, route[j].node_id);
		uint64_t cap;

		if (!graph_get_channel(g, route[j].scid, &c) || c.capacity_sat > UINT64_MAX / 1000)
			continue;
		cap = c.capacity_sat * 1000;
		if (succeeded)
			scorer_succeeded(s, route[j].scid, dir, route[j].amount_msat, cap, now);
		else if (j < upto)
			scorer_passed(s, route[j].scid, dir, route[j].amount_msat, cap, now);
		else if (failcode == ONION_FAILURE_TEMPORARY_CHANNEL_FAILURE)
			scorer_failed(s, route[j].scid, dir, route[j].amount_msat, cap, now);
	}
}
