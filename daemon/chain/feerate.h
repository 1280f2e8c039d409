/* Feerates: how withdraw's `feerate` parameter is written, and the floor
 * every feerate we use is held to.
 *
 * Units are Core Lightning's: perkw is satoshi per 1000 weight units,
 * perkb (bitcoind's unit) satoshi per 1000 virtual bytes, so
 * perkw = perkb / 4.  The floor is 253 perkw: 1 sat/vB (Core's default
 * minimum relay feerate) would be 250 perkw, but a transaction's vsize is
 * its weight / 4 rounded up, and rounding the fee down as well must still
 * reach 1 sat/vB.  Pure: no I/O.
 */
#ifndef OHM_DAEMON_FEERATE_H
#define OHM_DAEMON_FEERATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FEERATE_FLOOR_PERKW 253

/* The named targets, from bitcoind's estimatesmartfee. */
enum feerate_target {
	FEERATE_URGENT,		/* next block or two */
	FEERATE_NORMAL,		/* within about 4 blocks */
	FEERATE_SLOW,		/* within about 100 blocks */
};
#define FEERATE_NUM_TARGETS 3

/* A parsed `feerate` parameter: a named target, or a rate. */
struct feerate_param {
	bool is_target;
	enum feerate_target target;	/* if is_target */
	uint32_t perkw;			/* if not */
};

/* Name of a target: "urgent", "normal" or "slow". */
const char *feerate_target_name(enum feerate_target target);

/* Parses "urgent", "normal", "slow", "NNNperkw" or "NNNperkb" (NNN a
 * whole number of satoshis).
 * Returns: false, with a message for the parameter named in err, if text
 *          is none of those or the rate is below FEERATE_FLOOR_PERKW. */
bool feerate_parse(struct feerate_param *out, const char *text,
		   char *err, size_t errlen);

/* As feerate_parse, for a bare number of perkw. */
bool feerate_from_perkw(struct feerate_param *out, uint64_t perkw,
			char *err, size_t errlen);

/* bitcoind's estimatesmartfee answers in BTC per 1000 vbytes; this is the
 * perkw it means, floored at FEERATE_FLOOR_PERKW.  Negative or
 * non-finite input (not an estimate) gives the floor. */
uint32_t feerate_perkw_from_btc_per_kvb(double btc_per_kvb);

/* An estimate: the feerate to confirm within blocks. */
struct feerate_estimate {
	uint32_t blocks;
	uint32_t perkw;
};

/* The feerate to confirm within blocks, from estimates sorted by blocks
 * (ascending): linear between the two around it, the first's below the
 * first, the last's beyond the last (Core Lightning's feerate_for_target
 * interpolates its targets the same way).  Returns: 0 if num is 0. */
uint32_t feerate_for_deadline(const struct feerate_estimate *est, size_t num, uint32_t blocks);

#endif /* OHM_DAEMON_FEERATE_H */
