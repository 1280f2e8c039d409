"""--worker-threads: a node signing on one thread (no worker) and on
several pays many channels at once, each HTLC with its own signed output
(10,000 sat, above dust), and every balance moves by exactly what was paid.
The pool changes who computes the signatures, never what they are."""
import concurrent.futures

import pytest

from chainutil import wait_synced
from channelutil import chain_node, channel, open_channel, wait_no_htlcs

PAYEES = 3
PAYMENTS = 30
AMOUNT_MSAT = 10000000


@pytest.mark.parametrize("threads", [1, 4])
def test_many_channels_pay_on_any_number_of_threads(node_factory, devchain, threads):
    a = chain_node(node_factory, devchain, "a", extra=["--worker-threads={}".format(threads)],
                   funded=True)
    payees = [chain_node(node_factory, devchain, "p{}".format(k)) for k in range(PAYEES)]
    for node in [a] + payees:
        wait_synced(node, devchain)
    assert a.rpc("listconfigs")["configs"]["worker-threads"]["value_str"] == str(threads)
    for payee in payees:
        open_channel(a, payee, devchain, push_msat=0,
                     others=[p for p in payees if p is not payee])
    before = [channel(a, p)["to_us_msat"] for p in payees]
    invoices = [payees[k % PAYEES].rpc("invoice", [AMOUNT_MSAT, "w{}".format(k), "threads"])
                for k in range(PAYMENTS)]

    def pay(invoice):
        return a.rpc("pay", [invoice["bolt11"]], timeout=60)["status"]

    with concurrent.futures.ThreadPoolExecutor(max_workers=PAYMENTS) as pool:
        assert list(pool.map(pay, invoices)) == ["complete"] * PAYMENTS
    wait_no_htlcs(a, *payees)
    for k, payee in enumerate(payees):
        paid = AMOUNT_MSAT * len(range(k, PAYMENTS, PAYEES))
        assert channel(a, payee)["to_us_msat"] == before[k] - paid
        assert channel(payee, a)["to_us_msat"] == paid
