"""Paying ourselves is refused, as Core Lightning's renepay and xpay refuse
it: -32602 "This payment is destined for ourselves. Self-payments are not
supported", before any HTLC leaves (issue 10: `pay` of our own invoice went
out to a peer and back, and was marked paid with a fee)."""
import pytest

from chainutil import wait_synced
from channelutil import channel, chain_node, open_channel, wait_no_htlcs
from ohmtest import RpcError, wait_for

SELF_PAYMENT = "This payment is destined for ourselves. Self-payments are not supported"


@pytest.fixture
def ab(node_factory, devchain):
    """A -> B, 500000 sat funded by A; A's invoices carry B as a route hint."""
    a = chain_node(node_factory, devchain, "a", funded=True)
    b = chain_node(node_factory, devchain, "b")
    for node in (a, b):
        wait_synced(node, devchain)
    open_channel(a, b, devchain)
    wait_for(lambda: channel(a, b)["updates"].get("remote"), 10, what="B's channel_update at A")
    return a, b


def self_payment_refused(node, method, params):
    with pytest.raises(RpcError) as info:
        node.rpc(method, params)
    assert (info.value.code, info.value.message) == (-32602, SELF_PAYMENT)


def test_paying_ourselves_is_refused(ab):
    a, b = ab
    before = channel(a, b)["to_us_msat"], channel(b, a)["to_us_msat"]
    invoice = a.rpc("invoice", [10000000, "mine", "paid to ourselves"])
    assert a.rpc("decode", [invoice["bolt11"]])["routes"][0][0]["pubkey"] == b.id

    self_payment_refused(a, "pay", [invoice["bolt11"]])
    self_payment_refused(a, "keysend", [a.id, 10000000])
    # An invoice without an amount: refused before the amount matters.
    any_amount = a.rpc("invoice", ["any", "mine-any", "any amount"])
    self_payment_refused(a, "pay", [any_amount["bolt11"], 5000000])

    wait_no_htlcs(a, b)
    assert a.rpc("listinvoices", ["mine"])["invoices"][0]["status"] == "unpaid"
    assert a.rpc("listpays")["pays"] == [] and a.rpc("listsendpays")["payments"] == []
    assert b.rpc("listforwards")["forwards"] == []
    assert (channel(a, b)["to_us_msat"], channel(b, a)["to_us_msat"]) == before
    # Our invoice is still there to be paid by someone else.
    assert b.rpc("decode", [invoice["bolt11"]])["payee"] == a.id
