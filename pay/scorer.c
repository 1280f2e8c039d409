/* The liquidity scorer (see scorer.h).  Entries live in one
 * open-addressing table keyed by (scid, direction); each keeps the lower
 * bound and the upper bound's distance below the capacity, as learned at
 * its time, and fades both when read. */
#include "pay/scorer.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

struct entry {
	uint64_t scid;
	uint64_t lo;		/* lower bound, msat */
	uint64_t max_offset;	/* capacity - upper bound, msat */
	uint64_t updated;	/* when learned */
	uint8_t dir;
	bool used;
};

struct scorer {
	struct scorer_params p;
	struct entry *table;
	size_t cap, num;	/* cap: a power of two, or 0 */
};

void scorer_default_params(struct scorer_params *p)
{
	p->half_life_seconds = 6 * 3600;
	p->base_penalty_msat = 500;
	p->base_amount_mult = 8192;
	p->liquidity_penalty_msat = 30000;
	p->liquidity_amount_mult = 192;
}

struct scorer *scorer_new(const struct scorer_params *params)
{
	struct scorer *s = oh_calloc(1, sizeof(*s));

	if (params)
		s->p = *params;
	else
		scorer_default_params(&s->p);
	if (!s->p.half_life_seconds)
		s->p.half_life_seconds = 1;
	return s;
}

void scorer_free(struct scorer *s)
{
	if (!s)
		return;
	free(s->table);
	free(s);
}

size_t scorer_num_entries(const struct scorer *s)
{
	return s->num;
}

static size_t hash(uint64_t scid, int dir)
{
	uint64_t x = scid * 2 + (uint64_t)dir;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x;
}

static struct entry *find(const struct scorer *s, struct short_channel_id scid, int dir)
{
	if (!s->cap)
		return NULL;
	for (size_t i = hash(scid.u64, dir) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		struct entry *e = &s->table[i];

		if (!e->used)
			return NULL;
		if (e->scid == scid.u64 && e->dir == dir)
			return e;
	}
}

static struct entry *get_or_add(struct scorer *s, struct short_channel_id scid, int dir)
{
	struct entry *e = find(s, scid, dir);

	if (e)
		return e;
	if ((s->num + 1) * 2 > s->cap) {
		struct entry *old = s->table;
		size_t old_cap = s->cap;

		s->cap = s->cap ? s->cap * 2 : 64;
		s->table = oh_calloc(s->cap, sizeof(*s->table));
		for (size_t i = 0; i < old_cap; i++) {
			size_t j;

			if (!old[i].used)
				continue;
			for (j = hash(old[i].scid, old[i].dir) & (s->cap - 1); s->table[j].used;
			     j = (j + 1) & (s->cap - 1))
				;
			s->table[j] = old[i];
		}
		free(old);
	}
	for (size_t i = hash(scid.u64, dir) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		e = &s->table[i];
		if (!e->used) {
			memset(e, 0, sizeof(*e));
			e->used = true;
			e->scid = scid.u64;
			e->dir = (uint8_t)dir;
			s->num++;
			return e;
		}
	}
}

/* v faded over elapsed seconds: halved each half-life, linearly between. */
static uint64_t fade(uint64_t v, uint64_t elapsed, uint64_t half_life)
{
	uint64_t halvings = elapsed / half_life, part = elapsed % half_life, a, b;

	if (halvings >= 64)
		return 0;
	a = v >> halvings;
	b = a >> 1;
	return a - (uint64_t)((unsigned __int128)(a - b) * part / half_life);
}

void scorer_bounds(const struct scorer *s, struct short_channel_id scid, int dir,
		   uint64_t capacity_msat, uint64_t now, uint64_t *lo, uint64_t *hi)
{
	const struct entry *e = find(s, scid, dir);
	uint64_t elapsed, offset;

	*lo = 0;
	*hi = capacity_msat;
	if (!e)
		return;
	elapsed = now > e->updated ? now - e->updated : 0;
	offset = fade(e->max_offset, elapsed, s->p.half_life_seconds);
	*hi = offset < capacity_msat ? capacity_msat - offset : 0;
	*lo = fade(e->lo, elapsed, s->p.half_life_seconds);
	if (*lo > *hi)
		*lo = *hi;
}

/* log2(x) in 16.16 fixed point, x >= 1, without libm: the integer part
 * from the top bit, the fraction from a table of log2(1 + i/256) read
 * between its entries (error below 1e-4; a search calls this twice per
 * edge, so it must be cheap). */
/* floor(log2(1 + i / 256) * 65536). */
static const uint32_t log2_table[257] = {
	0, 368, 735, 1101, 1465, 1828, 2190, 2550,
	2909, 3266, 3622, 3977, 4331, 4683, 5034, 5383,
	5731, 6078, 6424, 6769, 7112, 7454, 7794, 8134,
	8472, 8809, 9145, 9480, 9813, 10146, 10477, 10807,
	11136, 11463, 11790, 12115, 12440, 12763, 13085, 13406,
	13726, 14045, 14363, 14680, 14995, 15310, 15624, 15936,
	16248, 16558, 16868, 17176, 17484, 17790, 18096, 18400,
	18704, 19006, 19308, 19608, 19908, 20207, 20505, 20801,
	21097, 21392, 21686, 21980, 22272, 22563, 22854, 23143,
	23432, 23720, 24007, 24293, 24578, 24862, 25146, 25429,
	25710, 25991, 26272, 26551, 26829, 27107, 27384, 27660,
	27935, 28210, 28483, 28756, 29028, 29300, 29570, 29840,
	30109, 30377, 30644, 30911, 31177, 31442, 31707, 31971,
	32234, 32496, 32757, 33018, 33278, 33538, 33796, 34054,
	34312, 34568, 34824, 35079, 35334, 35588, 35841, 36093,
	36345, 36596, 36847, 37096, 37346, 37594, 37842, 38089,
	38336, 38582, 38827, 39071, 39315, 39559, 39801, 40044,
	40285, 40526, 40766, 41006, 41245, 41483, 41721, 41959,
	42195, 42431, 42667, 42902, 43136, 43370, 43603, 43836,
	44068, 44299, 44530, 44760, 44990, 45219, 45448, 45676,
	45904, 46131, 46357, 46583, 46808, 47033, 47257, 47481,
	47704, 47927, 48149, 48371, 48592, 48813, 49033, 49253,
	49472, 49690, 49909, 50126, 50343, 50560, 50776, 50992,
	51207, 51421, 51635, 51849, 52062, 52275, 52487, 52699,
	52910, 53121, 53331, 53541, 53751, 53960, 54168, 54376,
	54584, 54791, 54998, 55204, 55410, 55615, 55820, 56024,
	56228, 56432, 56635, 56837, 57040, 57242, 57443, 57644,
	57844, 58044, 58244, 58443, 58642, 58841, 59039, 59236,
	59433, 59630, 59827, 60023, 60218, 60413, 60608, 60802,
	60996, 61190, 61383, 61576, 61768, 61960, 62152, 62343,
	62534, 62724, 62914, 63104, 63293, 63482, 63671, 63859,
	64047, 64234, 64421, 64608, 64794, 64980, 65165, 65351,
	65536,
};

static uint64_t log2_fixed(uint64_t x)
{
	unsigned n = 63 - (unsigned)__builtin_clzll(x);
	/* The mantissa's 8 top fraction bits, then 16 more to interpolate. */
	uint64_t m = n >= 24 ? x >> (n - 24) : x << (24 - n);
	unsigned i = (unsigned)(m >> 16) & 255, f = (unsigned)m & 0xffff;

	return ((uint64_t)n << 16) + log2_table[i]
		+ (((uint64_t)(log2_table[i + 1] - log2_table[i]) * f) >> 16);
}

/* The probability as num / den (den 0: zero). */
static void probability(const struct scorer *s, struct short_channel_id scid, int dir,
			uint64_t amount, uint64_t capacity, uint64_t now, uint64_t *num,
			uint64_t *den)
{
	uint64_t lo, hi;

	scorer_bounds(s, scid, dir, capacity, now, &lo, &hi);
	if (amount <= lo) {
		*num = *den = 1;
	} else if (amount > hi) {
		*num = 0;
		*den = 1;
	} else {
		*num = hi - amount + 1;
		*den = hi - lo + 1;
	}
}

double scorer_probability(const struct scorer *s, struct short_channel_id scid, int dir,
			  uint64_t amount_msat, uint64_t capacity_msat, uint64_t now)
{
	uint64_t num, den;

	probability(s, scid, dir, amount_msat, capacity_msat, now, &num, &den);
	return (double)num / (double)den;
}

uint64_t scorer_penalty(const struct scorer *s, struct short_channel_id scid, int dir,
			uint64_t amount_msat, uint64_t capacity_msat, uint64_t now)
{
	const struct scorer_params *p = &s->p;
	uint64_t num, den, neglog2, mult;
	unsigned __int128 penalty;

	probability(s, scid, dir, amount_msat, capacity_msat, now, &num, &den);
	if (!num)
		return UINT64_MAX;
	penalty = p->base_penalty_msat
		+ (unsigned __int128)amount_msat * p->base_amount_mult / (1ULL << 30);
	neglog2 = log2_fixed(den) - log2_fixed(num);	/* -log2(p), 16.16 */
	mult = p->liquidity_penalty_msat
		+ (uint64_t)((unsigned __int128)amount_msat * p->liquidity_amount_mult >> 20);
	/* -log10(p) = -log2(p) * log10(2), log10(2) ~ 30103 / 100000. */
	penalty += (unsigned __int128)neglog2 * mult * 30103 / 100000 / 65536;
	return penalty >= UINT64_MAX ? UINT64_MAX - 1 : (uint64_t)penalty;
}

/* Stores bounds [lo, hi] for the entry, learned at now. */
static void store(struct scorer *s, struct short_channel_id scid, int dir, uint64_t capacity,
		  uint64_t now, uint64_t lo, uint64_t hi)
{
	struct entry *e = get_or_add(s, scid, dir);

	if (hi > capacity)
		hi = capacity;
	if (lo > hi)
		lo = hi;
	e->lo = lo;
	e->max_offset = capacity - hi;
	e->updated = now;
}

void scorer_failed(struct scorer *s, struct short_channel_id scid, int dir,
		   uint64_t amount_msat, uint64_t capacity_msat, uint64_t now)
{
	uint64_t lo, hi;

	scorer_bounds(s, scid, dir, capacity_msat, now, &lo, &hi);
	if (amount_msat <= hi)
		hi = amount_msat ? amount_msat - 1 : 0;
	/* A failure below what we believed it had: the lower bound was
	 * wrong too. */
	if (lo > hi)
		lo = 0;
	store(s, scid, dir, capacity_msat, now, lo, hi);
}

void scorer_passed(struct scorer *s, struct short_channel_id scid, int dir,
		   uint64_t amount_msat, uint64_t capacity_msat, uint64_t now)
{
	uint64_t lo, hi;

	scorer_bounds(s, scid, dir, capacity_msat, now, &lo, &hi);
	if (amount_msat > lo)
		lo = amount_msat;
	if (hi < lo)
		hi = capacity_msat;
	store(s, scid, dir, capacity_msat, now, lo, hi);
}

void scorer_succeeded(struct scorer *s, struct short_channel_id scid, int dir,
		      uint64_t amount_msat, uint64_t capacity_msat, uint64_t now)
{
	uint64_t lo, hi;

	scorer_bounds(s, scid, dir, capacity_msat, now, &lo, &hi);
	/* It had at least amount; now amount less. */
	if (lo < amount_msat)
		lo = amount_msat;
	if (hi < lo)
		hi = lo;
	store(s, scid, dir, capacity_msat, now, lo - amount_msat,
	      hi > amount_msat ? hi - amount_msat : 0);
}
