"""Found by the fault campaign (tests/chaos, seed 2003: a reorg connected
two blocks while a payment reached its payee): a payee fails its channel
(force close) when two blocks arrive while the final HTLC is still being
committed, although 17 blocks remain before the HTLC expires.

The payer gives the final HTLC min_final_cltv_expiry_delta (18) + 1
blocks; the payee's fulfillment deadline (channel/deadline.c) is
cltv_expiry - (cltv_delta + 1) / 2 = 17 blocks before expiry, so it falls
2 blocks after the HTLC was sent.  Here C's group commit waits 4 s
(--dev-commit-delay): two blocks come after C fulfilled the HTLC and
before the fulfillment is committed."""
import concurrent.futures

from channelutil import channel, line_of_three, mine, wait_connected
from ohmtest import wait_for


def test_two_blocks_while_final_htlc_commits_do_not_close(node_factory, devchain):
    a, b, c = line_of_three(node_factory, devchain)
    assert c.stop() == 0
    c.start(extra=["--dev-commit-delay=4000"])
    wait_connected(a, b, c)
    wait_for(lambda: channel(b, c)["spendable_msat"] > 20000000, 10, interval=0.1,
             what="B-C usable")
    invoice = c.rpc("invoice", [20000000, "late", "two blocks late"])
    pool = concurrent.futures.ThreadPoolExecutor(1)
    try:
        paying = pool.submit(a.rpc, "pay", {"bolt11": invoice["bolt11"], "retry_for": 30}, 60)
        # C fulfilled it (the invoice is paid); the fulfillment is still
        # being committed.
        wait_for(lambda: (channel(c, b)["htlcs"]
                          and c.rpc("listinvoices", ["late"])["invoices"][0]["status"] == "paid")
                 or paying.done(), 20, interval=0.02, what="the HTLC fulfilled at C")
        assert not paying.done(), (paying.result(), c.log()[-3000:])
        mine(devchain, 2, a, b, c)
        paid = paying.result(60)
    finally:
        pool.shutdown(wait=False)
    assert paid["status"] == "complete"
    assert "fulfillment deadline" not in c.log()
    assert channel(c, b)["state"] == "CHANNELD_NORMAL"
