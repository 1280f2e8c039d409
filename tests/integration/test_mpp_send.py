"""Multi-part payments sent by pay (issue 15, BOLT #4 basic_mpp), on the
six-ohmd network of test_route.py: A-B-C-F (cheap) and A-D-E-F (dear).

A pays F more than either path carries, with liquidity hidden on C-F:
the first split's part over C fails there, its amount goes again in
smaller parts over both paths, and F fulfils once every part arrived
(one set); listsendpays and listpays show the parts and the failed
attempt.  Then a payment that cannot complete (too little left on both
paths) ends with F's mpp_timeout and leaves nothing in flight."""
import re

from ohmtest import RpcError, wait_for
from channelutil import channel
from test_route import forwards, six_nodes

import pytest

MPP_TIMEOUT = 3


def spendable(node, peer):
    return channel(node, peer)["spendable_msat"]


def no_htlcs(*pairs):
    return all(not channel(x, y)["htlcs"] for x, y in pairs)


def test_pay_splits_retries_and_ends_cleanly(node_factory, devchain):
    (a, b, c, d, e, f), scid = six_nodes(
        node_factory, devchain, {"frank": ["--dev-mpp-timeout={}".format(MPP_TIMEOUT)]})
    s = min(spendable(a, b), spendable(a, d))
    # T: more than A can send over either channel; half of it fits each.
    total = (s * 128 // 100) // 1000 * 1000
    assert total // 2 < s < total
    # C keeps half of s on C-F (A does not know): less than the half
    # that goes first, more than the quarter that follows.
    hide = spendable(c, f) - s // 2
    assert c.rpc("keysend", {"destination": f.id, "amount_msat": hide})["status"] == "complete"
    wait_for(lambda: no_htlcs((c, f)), 30, what="C's keysend to settle")

    invoice = f.rpc("invoice", [total, "big", "more than one path carries"])
    paid = a.rpc("pay", [invoice["bolt11"]])
    assert paid["status"] == "complete"
    assert paid["amount_msat"] == total
    # Half over D and E at once; the half over C failed at C-F and went
    # again as two quarters, one over each path.
    assert paid["parts"] == 3
    parts = a.rpc("listsendpays", {"payment_hash": invoice["payment_hash"]})["payments"]
    assert sorted(p["partid"] for p in parts) == [0, 1, 2, 3]
    assert len({p["groupid"] for p in parts}) == 1
    done = [p for p in parts if p["status"] == "complete"]
    failed = [p for p in parts if p["status"] == "failed"]
    assert len(done) == 3 and len(failed) == 1
    assert sum(p["amount_msat"] for p in done) == total
    assert sorted(p["amount_msat"] for p in done) == [total // 4, total // 4, total // 2]
    assert paid["amount_sent_msat"] == sum(p["amount_sent_msat"] for p in done)
    assert all(p["total_msat"] == total for p in parts)
    assert failed[0]["amount_msat"] == total // 2

    # F took the three as one set, fulfilled only when the last arrived.
    got = f.rpc("listinvoices", ["big"])["invoices"][0]
    assert got["status"] == "paid" and got["amount_received_msat"] == total
    assert len(re.findall("holding HTLC .* of payment {}".format(invoice["payment_hash"]),
                          f.log())) == 2
    assert f.wait_for_log(r"part 3 of 3 \({} msat in all\) of payment {}"
                          .format(total, invoice["payment_hash"]))
    # Both paths carried parts: one forward at B and C, two at D and E.
    wait_for(lambda: len(forwards(b)) == 1 and len(forwards(c)) == 1
             and len(forwards(d)) == 2 and len(forwards(e)) == 2, 30,
             what="B, C, D and E to settle their forwards")

    # listpays: one payment, its three parts and the four attempts.
    pays = a.rpc("listpays", {"payment_hash": invoice["payment_hash"]})["pays"]
    assert len(pays) == 1
    pay = pays[0]
    assert pay["status"] == "complete" and pay["number_of_parts"] == 3
    assert pay["amount_msat"] == total and pay["amount_sent_msat"] == paid["amount_sent_msat"]
    assert [x["partid"] for x in pay["attempts"]] == [0, 1, 2, 3]
    bad = [x for x in pay["attempts"] if x["status"] == "failed"]
    assert len(bad) == 1
    assert bad[0]["failcodename"] == "temporary_channel_failure"
    assert bad[0]["erring_node"] == c.id and bad[0]["erring_channel"] == scid["cf"]
    assert bad[0]["short_channel_ids"] == [scid["ab"], scid["bc"], scid["cf"]]

    # Now less is left on both paths together than A sends: the parts
    # that reach F wait there until F's mpp_timeout fails them all.
    before = {p: spendable(a, p) for p in (b, d)}
    left = spendable(c, f) + spendable(e, f)
    invoice = f.rpc("invoice", [left + left // 2, "too much", "cannot complete"])
    with pytest.raises(RpcError) as err:
        a.rpc("pay", {"bolt11": invoice["bolt11"], "retry_for": 60})
    assert err.value.code == 203, err.value.message
    assert "mpp_timeout" in err.value.message
    parts = a.rpc("listsendpays", {"payment_hash": invoice["payment_hash"]})["payments"]
    assert len(parts) >= 2 and all(p["status"] == "failed" for p in parts)
    assert any(p["amount_msat"] < left + left // 2 for p in parts)
    pay = a.rpc("listpays", {"payment_hash": invoice["payment_hash"]})["pays"][0]
    assert pay["status"] == "failed" and "number_of_parts" not in pay
    assert any(x.get("failcodename") == "mpp_timeout" for x in pay["attempts"])
    # Nothing in flight anywhere, A's balances as before, F unpaid.
    wait_for(lambda: no_htlcs((a, b), (a, d), (b, c), (c, f), (d, e), (e, f)), 30,
             what="every HTLC to be gone")
    assert {p: spendable(a, p) for p in (b, d)} == before
    assert f.rpc("listinvoices", ["too much"])["invoices"][0]["status"] == "unpaid"
