/* What payments teach about the liquidity of channels we do not own, as
 * LDK's ProbabilisticScorer models it: for each channel direction, a
 * lower and an upper bound of the amount it can forward now.  With no
 * knowledge the liquidity is anywhere in [0, capacity], uniformly; an
 * attempt that failed at a channel lowers its upper bound below the
 * amount, one that went past a channel raises its lower bound to it, a
 * payment that succeeded moves the amount out of every channel it used.
 * What is learned fades: both bounds drift back toward [0, capacity],
 * halving their distance every half-life.
 *
 * The probability that a channel direction forwards amount a, with
 * bounds [lo, hi]: 1 if a <= lo, 0 if a > hi, else (hi + 1 - a) / (hi + 1
 * - lo).  Its cost (in msat, for the pathfinder to add to fees), as
 * LDK's defaults: base_penalty_msat + amount * base_amount_ppb / 2^30 +
 * -log10(probability) * (liquidity_penalty_msat + amount *
 * liquidity_amount_mult / 2^20).
 *
 * Pure: time is a parameter (UNIX seconds).  Out of memory aborts.
 */
#ifndef OHM_PAY_SCORER_H
#define OHM_PAY_SCORER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/short_channel_id.h"

struct scorer_params {
	uint64_t half_life_seconds;		/* LDK: 6 hours */
	uint64_t base_penalty_msat;		/* LDK: 500 */
	uint64_t base_amount_mult;		/* per 2^30 msat; LDK: 8192 */
	uint64_t liquidity_penalty_msat;	/* per -log10(p); LDK: 30,000 */
	uint64_t liquidity_amount_mult;		/* per 2^20 msat per -log10(p); LDK: 192 */
};

/* LDK's defaults. */
void scorer_default_params(struct scorer_params *p);

struct scorer;

/* params NULL: the defaults. */
struct scorer *scorer_new(const struct scorer_params *params);
void scorer_free(struct scorer *s);

/* The bounds of scid's direction (dir: 0 from node_id_1) of
 * capacity_msat at time now: what was learned, faded. */
void scorer_bounds(const struct scorer *s, struct short_channel_id scid, int dir,
		   uint64_t capacity_msat, uint64_t now, uint64_t *lo, uint64_t *hi);

/* The probability that it forwards amount_msat, in [0, 1]. */
double scorer_probability(const struct scorer *s, struct short_channel_id scid, int dir,
			  uint64_t amount_msat, uint64_t capacity_msat, uint64_t now);

/* Its cost in msat, or UINT64_MAX if it cannot forward amount_msat. */
uint64_t scorer_penalty(const struct scorer *s, struct short_channel_id scid, int dir,
			uint64_t amount_msat, uint64_t capacity_msat, uint64_t now);

/* It could not forward amount_msat (it failed the attempt). */
void scorer_failed(struct scorer *s, struct short_channel_id scid, int dir,
		   uint64_t amount_msat, uint64_t capacity_msat, uint64_t now);

/* It forwarded amount_msat (a later hop failed the attempt). */
void scorer_passed(struct scorer *s, struct short_channel_id scid, int dir,
		   uint64_t amount_msat, uint64_t capacity_msat, uint64_t now);

/* A payment of amount_msat went through it: that much moved out. */
void scorer_succeeded(struct scorer *s, struct short_channel_id scid, int dir,
		      uint64_t amount_msat, uint64_t capacity_msat, uint64_t now);

/* How many channel directions it knows something of. */
size_t scorer_num_entries(const struct scorer *s);

#endif /* OHM_PAY_SCORER_H */
