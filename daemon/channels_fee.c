/* The commitment feerate as ohmd runs it (BOLT #2 "Updating Fees"): each
 * channel's bounds follow bitcoind's estimates. */
#include "daemon/channels_internal.h"

#include "daemon/chain.h"
#include "daemon/fee_policy.h"
#include "daemon/ohmd.h"

void channels_fee_estimates(const struct channels *m, struct fee_estimates *est)
{
	est->urgent_perkw = chain_feerate(m->ohmd->chain, FEERATE_URGENT);
	est->normal_perkw = chain_feerate(m->ohmd->chain, FEERATE_NORMAL);
	est->slow_perkw = chain_feerate(m->ohmd->chain, FEERATE_SLOW);
}
