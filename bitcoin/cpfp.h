/* Child pays for parent (CPFP) and BIP125 replacement, as numbers: the fee
 * a child must pay so that its parent and it together (the package) reach
 * a feerate, and what a replacement of that child must pay more.  Used to
 * fee-bump our own anchors commitment through its anchor output (BOLT #3
 * "to_local_anchor and to_remote_anchor Output (option_anchors)").
 *
 * Feerates are perkw (satoshi per 1000 weight units); fees are rounded up
 * so the package never falls short of its target by rounding.  Pure: no
 * I/O.
 */
#ifndef OHM_BITCOIN_CPFP_H
#define OHM_BITCOIN_CPFP_H

#include <stddef.h>
#include <stdint.h>

/* Core's default incremental relay feerate (BIP125 rule 4): 1 sat/vB. */
#define CPFP_INCREMENTAL_RELAY_PERKW 250
/* A replacement raises the package feerate by at least a quarter (LDK's
 * bump of a claim that did not confirm). */
#define CPFP_RBF_STEP_PERCENT 25

/* Returns: the least fee the child must pay so that
 *          (parent_fee_sat + fee) * 1000 >= package_perkw *
 *          (parent_weight + child_weight); 0 if the parent alone already
 *          pays that. */
uint64_t cpfp_child_fee_sat(uint32_t package_perkw, size_t parent_weight,
			    uint64_t parent_fee_sat, size_t child_weight);

/* Returns: the package's feerate, rounded down. */
uint32_t cpfp_package_feerate(size_t parent_weight, uint64_t parent_fee_sat,
			      size_t child_weight, uint64_t child_fee_sat);

/* Returns: the least fee a transaction of new_weight replacing one that
 *          paid old_fee_sat at old_weight may pay (BIP125): more than the
 *          old fee by the incremental relay fee of its own vsize (rule 4,
 *          which implies rule 3), and a higher feerate than the old
 *          (rule 6). */
uint64_t cpfp_rbf_min_fee_sat(uint64_t old_fee_sat, size_t old_weight, size_t new_weight);

/* The next package feerate to aim at once a child has not confirmed in
 * time: the estimate if it is higher, else prev_perkw raised by
 * CPFP_RBF_STEP_PERCENT; never above max_perkw.
 * Returns: that feerate, or 0 if it would not be above prev_perkw (the
 *          cap is reached: no replacement). */
uint32_t cpfp_rbf_feerate(uint32_t prev_perkw, uint32_t estimate_perkw, uint32_t max_perkw);

#endif /* OHM_BITCOIN_CPFP_H */
