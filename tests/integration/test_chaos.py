"""The fault campaign's short run in the suite (issue 17; tests/chaos/):
a line of 3 and a diamond of 4 under a payment storm with every fault
kind injected at moments drawn from fixed seeds, then healed; every
invariant of chaos.Campaign.check must hold.  tests/chaos/run is the
long run."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "chaos"))

import chaos  # noqa: E402

STORM_SECS = 18


@pytest.mark.parametrize("shape,seed", [("line", 17), ("diamond", 4)])
def test_chaos_short_seed(node_factory, devchain, shape, seed):
    net = chaos.build(node_factory, devchain, shape)
    campaign = chaos.Campaign(net, seed, mean_gap=1.5)
    try:
        campaign.storm(STORM_SECS)
        campaign.heal()
        campaign.check()
    finally:
        campaign.close()
        print(campaign.table())
    assert not campaign.findings, "\n\n".join(campaign.findings)
    assert sum(campaign.injected.values()) >= 5, campaign.table()
    assert campaign.payments["settled pays"] > 0, campaign.table()
