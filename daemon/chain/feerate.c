#include "daemon/chain/feerate.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const target_names[FEERATE_NUM_TARGETS] = {
	[FEERATE_URGENT] = "urgent",
	[FEERATE_NORMAL] = "normal",
	[FEERATE_SLOW] = "slow",
};

const char *feerate_target_name(enum feerate_target target)
{
	return target_names[target];
}

bool feerate_from_perkw(struct feerate_param *out, uint64_t perkw, char *err, size_t errlen)
{
	if (perkw < FEERATE_FLOOR_PERKW) {
		snprintf(err, errlen, "%llu perkw is below the minimum of %u perkw (1 sat/vB)",
			 (unsigned long long)perkw, FEERATE_FLOOR_PERKW);
		return false;
	}
	if (perkw > UINT32_MAX) {
		snprintf(err, errlen, "%llu perkw is absurdly high", (unsigned long long)perkw);
		return false;
	}
	out->is_target = false;
	out->perkw = (uint32_t)perkw;
	return true;
}

bool feerate_parse(struct feerate_param *out, const char *text, char *err, size_t errlen)
{
	unsigned long long number;
	char *end;

	for (size_t i = 0; i < FEERATE_NUM_TARGETS; i++) {
		if (strcmp(text, target_names[i]) == 0) {
			out->is_target = true;
			out->target = (enum feerate_target)i;
			return true;
		}
	}
	errno = 0;
	number = strtoull(text, &end, 10);
	if (end == text || text[0] == '-' || text[0] == '+' || errno == ERANGE)
		goto bad;
	if (strcmp(end, "perkw") == 0)
		return feerate_from_perkw(out, number, err, errlen);
	if (strcmp(end, "perkb") == 0) {
		/* perkw = perkb / 4; the floor applies to what we would use. */
		if (number / 4 < FEERATE_FLOOR_PERKW) {
			snprintf(err, errlen, "%lluperkb is below the minimum of %uperkb (1 sat/vB)",
				 number, FEERATE_FLOOR_PERKW * 4);
			return false;
		}
		return feerate_from_perkw(out, number / 4, err, errlen);
	}
bad:
	snprintf(err, errlen,
		 "expected urgent, normal, slow, NNNperkw, NNNperkb or a number (perkw), got '%.60s'",
		 text);
	return false;
}

uint32_t feerate_perkw_from_btc_per_kvb(double btc_per_kvb)
{
	double sat_per_kvb;
	uint64_t perkw;

	if (!isfinite(btc_per_kvb) || btc_per_kvb <= 0)
		return FEERATE_FLOOR_PERKW;
	/* BTC/kvB -> sat/kvB (rounded to the satoshi) -> perkw. */
	sat_per_kvb = btc_per_kvb * 100000000.0 + 0.5;
	if (sat_per_kvb >= 4.0 * UINT32_MAX)
		return UINT32_MAX;
	perkw = (uint64_t)sat_per_kvb / 4;
	return perkw < FEERATE_FLOOR_PERKW ? FEERATE_FLOOR_PERKW : (uint32_t)perkw;
}

uint32_t feerate_for_deadline(const struct feerate_estimate *est, size_t num, uint32_t blocks)
{
	if (num == 0)
		return 0;
	if (blocks <= est[0].blocks)
		return est[0].perkw;
	for (size_t i = 1; i < num; i++) {
		const struct feerate_estimate *lo = &est[i - 1], *hi = &est[i];
		if (blocks <= hi->blocks) {
			/* From lo's feerate at lo's blocks to hi's at hi's. */
			int64_t span = (int64_t)hi->blocks - lo->blocks;
			int64_t delta = (int64_t)hi->perkw - lo->perkw;
			return (uint32_t)(lo->perkw + delta * ((int64_t)blocks - lo->blocks) / span);
		}
	}
	return est[num - 1].perkw;
}
