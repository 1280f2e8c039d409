/* CPFP package fees and BIP125 replacement steps: see cpfp.h. */
#include "bitcoin/cpfp.h"

uint64_t cpfp_child_fee_sat(uint32_t package_perkw, size_t parent_weight,
			    uint64_t parent_fee_sat, size_t child_weight)
{
	uint64_t weight = (uint64_t)parent_weight + child_weight;
	/* Rounded up: the package must not fall short by a fraction. */
	uint64_t package_fee = ((uint64_t)package_perkw * weight + 999) / 1000;

	return package_fee > parent_fee_sat ? package_fee - parent_fee_sat : 0;
}

uint32_t cpfp_package_feerate(size_t parent_weight, uint64_t parent_fee_sat,
			      size_t child_weight, uint64_t child_fee_sat)
{
	uint64_t weight = (uint64_t)parent_weight + child_weight;
	uint64_t perkw;

	if (weight == 0)
		return 0;
	perkw = (parent_fee_sat + child_fee_sat) * 1000 / weight;
	return perkw > UINT32_MAX ? UINT32_MAX : (uint32_t)perkw;
}

uint64_t cpfp_rbf_min_fee_sat(uint64_t old_fee_sat, size_t old_weight, size_t new_weight)
{
	/* BIP125 rule 4: pay for the replacement's own bandwidth at the
	 * incremental relay feerate (Core counts vsize, rounded up). */
	uint64_t vsize = ((uint64_t)new_weight + 3) / 4;
	uint64_t fee = old_fee_sat + vsize * CPFP_INCREMENTAL_RELAY_PERKW * 4 / 1000;
	/* Rule 6: a strictly higher feerate than the one replaced. */
	uint64_t rate_fee = old_weight ? old_fee_sat * new_weight / old_weight + 1 : 0;

	return fee > rate_fee ? fee : rate_fee;
}

uint32_t cpfp_rbf_feerate(uint32_t prev_perkw, uint32_t estimate_perkw, uint32_t max_perkw)
{
	uint64_t next = (uint64_t)prev_perkw * (100 + CPFP_RBF_STEP_PERCENT) / 100;

	if (estimate_perkw > next)
		next = estimate_perkw;
	if (next > max_perkw)
		next = max_perkw;
	return next > prev_perkw ? (uint32_t)next : 0;
}
